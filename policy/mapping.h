/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_MAPPING_H
#define SCL_MAPPING_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

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
	time_t offline_since;	/* != 0: the directory could not be reached
				 * and its offline cache, from that time,
				 * mapped the certificate (directory.h) */
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

/*
 * scl_map_check_user, the user in *ret_list (with offline_since) on
 * success; caller clears it.  detail (may be NULL) as in
 * scl_map_check_user_ex.
 */
int scl_map_check_user_list(const struct scl_config *cfg, X509 *cert,
    const char *user, char *detail, size_t detail_len,
    struct scl_user_list *ret_list);

void scl_user_list_clear(struct scl_user_list *l);

/*
 * Notes on the methods:
 *  - Methods run in the configured order; the first that names users
 *    decides, a later one naming a user the first did not is
 *    SCL_ERR_MAP_CONFLICT (never a merge of both).
 *  - upn: the user part of every SAN UPN whose domain is one of
 *    cfg->upn_domain (case-insensitive); without the list it returns
 *    SCL_ERR_CONFIG (scl_config_validate refuses such a config first).
 *  - email: the local part of SAN rfc822Name and subject emailAddress.
 *  - upn, cn, email and directory never map to a system account (uid 0,
 *    uid below UID_MIN of login.defs, a nologin/false shell,
 *    logindefs.h): those are reachable only through an explicit mapfile
 *    or authorized_certs rule.
 *  - authorized: consulted only when the user is known
 *    (scl_map_check_user); card-only sign-in cannot search every home.
 * A mapfile that is not a regular file owned by root (or the caller's
 * euid), is group/other writable, larger than SCL_MAPFILE_MAX_SIZE or has
 * a malformed line makes both functions return SCL_ERR_CONFIG: an admin
 * must fix it.  A missing mapfile maps nothing.  An authorized_certs file
 * that fails its checks maps nothing (the reason goes to scl_debug).
 */
#define SCL_MAPFILE_MAX_SIZE (1024u * 1024u)

enum scl_mapfile_kind {
	SCL_MAPFILE_SHA256 = 1,
	SCL_MAPFILE_SUBJECT,
	SCL_MAPFILE_UPN,
	SCL_MAPFILE_EMAIL,
};

struct scl_mapfile_rule {
	const char *user;		/* NUL-terminated, checked user name */
	enum scl_mapfile_kind kind;
	const char *value;		/* as written (trimmed) */
	uint8_t sha256[32];		/* SCL_MAPFILE_SHA256 only */
	size_t line;
};

/* Return 0 to go on, a negative SCL_ERR_* to stop (returned as is). */
typedef int scl_mapfile_cb(void *ctx, const struct scl_mapfile_rule *rule);

/*
 * Parse mapfile bytes (untrusted, need not be NUL-terminated) and call cb
 * for each rule.  SCL_ERR_CONFIG with "NAME:LINE: what" in errbuf on a
 * malformed line.  cb may be NULL (syntax check only).
 */
int scl_mapfile_parse_buffer(const char *name, const void *buf, size_t len,
    scl_mapfile_cb *cb, void *ctx, char *errbuf, size_t errlen);

/*
 * scl_map_find_users / scl_map_check_user with an explanation for
 * administrators in detail (may be NULL): the mapfile error, or which
 * methods were tried.
 */
int scl_map_find_users_ex(const struct scl_config *cfg, X509 *cert,
    char *detail, size_t detail_len, struct scl_user_list *ret_list);
int scl_map_check_user_ex(const struct scl_config *cfg, X509 *cert,
    const char *user, char *detail, size_t detail_len);

/* Path of user's authorized_certs under home ("HOME/.config/sclogin/
 * authorized_certs"). */
#define SCL_AUTHORIZED_CERTS_PATH ".config/sclogin/authorized_certs"

#endif
