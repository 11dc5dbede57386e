/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_MAPPING_H
#define SCL_MAPPING_H

#include <stddef.h>

#include <openssl/x509.h>

#include "config.h"

/*
 * Certificate-to-user mapping.
 *
 * Mapfile (cfg->mapfile), one rule per line, '#' comments:
 *   <user>: sha256:<64 hex>        (colons in the hex allowed)
 *   <user>: subject:<RFC 2253 subject>
 *   <user>: upn:<upn>
 *   <user>: email:<address>
 * Many certificates may map to one user, and one certificate to several
 * users.  authorized_certs: ~/.config/sclogin/authorized_certs, PEM
 * certificates or "sha256:<hex>" lines; the file and its directories must be
 * owned by the user (or root), not group/other writable, no symlinks.
 * Users found must exist (getpwnam_r).
 */
#define SCL_MAP_USERS_MAX 16

struct scl_user_list {
	char *users[SCL_MAP_USERS_MAX];
	size_t n;
};

/*
 * All users the certificate maps to (card-only sign-in), deduplicated, in
 * mapping-method order.  0 with n >= 1, or SCL_ERR_NO_MAPPING.  Caller
 * frees with scl_user_list_clear.
 */
int scl_map_find_users(const struct scl_config *cfg, X509 *cert,
    struct scl_user_list *ret_list);

/* Does the certificate map to user?  0 yes, SCL_ERR_NO_MAPPING no. */
int scl_map_check_user(const struct scl_config *cfg, X509 *cert,
    const char *user);

void scl_user_list_clear(struct scl_user_list *l);

#endif
