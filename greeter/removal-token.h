/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_REMOVAL_TOKEN_H
#define SCL_REMOVAL_TOKEN_H

#include "backend.h"
#include "config.h"

/*
 * The removal monitor's look at the token a session signed in with,
 * through the backend seam (backend.h): the backend that signed in (PIV
 * over PC/SC, or the PKCS#11 helper with cfg's modules and helper, their
 * owner checks on) is opened for each look and closed after it.  Every
 * operation is bounded by cfg->card_timeout_ms.
 */
enum scl_rm_token {
	SCL_RM_TOKEN_ABSENT,	/* PKCS#11: no token present at name */
	SCL_RM_TOKEN_OTHER,	/* a token, not the login one, or unreadable */
	SCL_RM_TOKEN_LOGIN,	/* the login token */
};

/*
 * What is at name (a reader, a PKCS#11 slot description) now, for the
 * login token want: an identity of read_id (1..32 characters) or, when
 * 64 hex digits, the SHA-256 of one of its certificates.  PIV: never
 * ABSENT (the PC/SC monitor says whether a card is present).
 */
enum scl_rm_token scl_rm_token_check(const struct scl_backend_ops *be,
    const struct scl_config *cfg, const char *name, const char *want);

/*
 * want as a login token identity of a backend of kind: 64 hex digits (a
 * certificate's SHA-256), else PIV 32 hex digits (CHUID GUID), PKCS#11
 * 1..32 letters and digits (token serial, read_id).
 */
int scl_rm_token_id_valid(enum scl_backend_kind kind, const char *want);

#endif
