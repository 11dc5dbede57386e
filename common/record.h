/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_RECORD_H
#define SCL_RECORD_H

#include <stdint.h>

/*
 * The per-user "last sign-in method" record (Windows' LastLoggedOnProvider):
 * one small text file per user under dir (default /var/lib/sclogin/users),
 * root-owned 0600 in a 0700 dir, written atomically (temp file, fsync,
 * rename, fsync dir).  A corrupt, oversized, wrongly-owned or symlinked
 * file is SCL_ERR_BAD_STATE: callers log it and treat it as "unknown".
 */
enum scl_method {
	SCL_METHOD_UNKNOWN = 0,
	SCL_METHOD_CARD,
	SCL_METHOD_PASSWORD,
};

struct scl_record {
	enum scl_method method;
	int64_t when;		/* seconds since the epoch */
	char card_id[65];	/* CHUID GUID hex or cert SHA-256; "" if none */
};

#define SCL_RECORD_DIR_DEFAULT "/var/lib/sclogin/users"

/* user must be a valid user name (no '/', not "." or ".."). */
int scl_record_read(const char *dir, const char *user, struct scl_record *ret_rec);
int scl_record_write(const char *dir, const char *user, const struct scl_record *rec);

const char *scl_method_name(enum scl_method m);
int scl_method_from_name(const char *s, enum scl_method *ret_m);

#endif
