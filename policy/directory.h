/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_DIRECTORY_H
#define SCL_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "config.h"

/*
 * The `directory` mapping method: the user whose LDAP entry holds the
 * certificate (directory-query.h says how the search is built and the entry
 * checked), from OpenLDAP, FreeIPA or Active Directory, with an offline
 * cache (directory-cache.h).
 *
 * Servers: cfg->directory_uri in order, the next one whenever a server
 * cannot be reached, fails TLS, refuses the bind, is busy or answers
 * something that is not LDAP.  ldaps:// or ldap:// with StartTLS, the
 * server certificate verified against cfg->directory_ca_file (else the
 * system's trust) and the URI's host name; TLS 1.2 or newer.  ldap://
 * without TLS only with directory_plaintext_for_tests.  Bind: anonymous,
 * simple (cfg->directory_bind_dn, password from
 * cfg->directory_bind_secret_file: a regular file owned by root, or the
 * caller's euid, with no group/other access; else SCL_ERR_CONFIG) or SASL
 * EXTERNAL (TLS client certificate directory_client_cert/_key).
 *
 * Time: everything (connect, TLS, bind, search, for every server) ends by
 * deadline_ms (scl_mono_ms() of deadline.h): each call gets only what is
 * left (LDAP_OPT_NETWORK_TIMEOUT, LDAP_OPT_TIMEOUT, ldap_result timeouts,
 * and a socket layer that bounds every read and write, the TLS handshake
 * included).  Of what is left when a server is tried, it gets an equal
 * share with the servers after it, so one that hangs does not starve the
 * others.
 *
 * The answer of the first server that answers decides:
 *   one entry that really holds the certificate, with one valid user name:
 *     0, the user in ret_user; the cache learns it;
 *   no entry: SCL_ERR_NO_MAPPING, the cache forgets the certificate (a
 *     certificate removed from the directory stops mapping at once);
 *   several entries: SCL_ERR_AMBIGUOUS (the cache forgets it too);
 *   an entry without a usable user name, or that does not hold the
 *     certificate when checked: SCL_ERR_NO_MAPPING.
 * When no server answers: with cfg->offline_max_age > 0 and a cache entry
 * younger than that (by now), 0 with the cached user and
 * report->from_cache = 1; otherwise SCL_ERR_DIRECTORY_UNREACHABLE.
 * SCL_ERR_CONFIG: no directory_uri or no directory_base, bad secret file;
 * SCL_ERR_NOMEM.
 *
 * The user is NOT checked here: mapping.c checks it through NSS like every
 * other method.  report (may be NULL) is filled on every return, for logs
 * and `sclogin doctor`.  Library code: no logging above debug; thread-safe
 * (libldap handles are per call).
 */
#define SCL_DIR_USER_MAX 257

struct scl_directory_report {
	char server[256];	/* URI that answered, "" when none */
	char filter[512];	/* the filter sent (cut to fit) */
	char entry[512];	/* DN of the entry found, "" */
	char matched[16];	/* "certificate", "altsecid", "upn", "" */
	char why[512];		/* what went wrong, server by server */
	int from_cache;		/* the answer came from the offline cache */
	time_t cached_at;	/* when the directory said so (from_cache) */
	int cache_erased;	/* a definitive "no" removed the cache entry */
};

int scl_directory_map(const struct scl_config *cfg, X509 *cert, time_t now,
    uint64_t deadline_ms, struct scl_directory_report *report,
    char ret_user[SCL_DIR_USER_MAX]);


#endif
