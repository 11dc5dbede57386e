/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_CERTCACHE_H
#define SCL_CERTCACHE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The certificate cache (issue 14): the DER certificate of one key of one
 * card, kept after a sign-in whose proof of possession succeeded, so the
 * next scan need not read it from the card.  It saves the read only:
 * whatever comes out of it is parsed, validated and mapped like a
 * certificate read from the card, and the proof of possession runs
 * against it (signin.c falls back to the card when the proof fails).
 *
 * One file per (card id, key reference) in dir (`cert_cache =`): named
 * "<card id>-<key ref, 2 lower-case hex>", mode 0600, owned by root,
 * holding
 *	"sclogin-cert-cache 1 <card id> <key ref>\n" <DER certificate>
 * The card id is the CHUID GUID, 32 lower-case hex digits; an all-zero
 * GUID (not unique) is no identity and never cached.  dir is 0700, owned
 * by root and written by nobody else; at most SCL_CERTCACHE_MAX_ENTRIES
 * files (the oldest by mtime goes), each at most SCL_CERTCACHE_MAX_SIZE.
 * Files are written atomically (scl_file_write_atomic).
 *
 * Only root uses the cache: for any other effective uid (a screen locker)
 * lookups find nothing and stores do nothing.  No logging; thread-safe.
 */
#define SCL_CERTCACHE_MAX_ENTRIES	256
#define SCL_CERTCACHE_MAX_SIZE		(16u * 1024u + 64u)
#define SCL_CERTCACHE_NAME_MAX		36	/* 32 + '-' + 2 + NUL */

/* 1 when card_id can key the cache (32 lower-case hex, not all zero). */
int scl_certcache_id_ok(const char *card_id);

/*
 * Parse file bytes (untrusted, not NUL-terminated) of the entry expected
 * for (card_id, key_ref): 0 with *ret_der / *ret_der_len pointing into
 * buf (at least one byte), or SCL_ERR_CERT_CACHE_BAD (wrong header, other
 * card or key, no DER, len over SCL_CERTCACHE_MAX_SIZE) or
 * SCL_ERR_INVALID_ARGUMENT.
 */
int scl_certcache_parse(const void *buf, size_t len, const char *card_id,
    uint8_t key_ref, const uint8_t **ret_der, size_t *ret_der_len);

/*
 * The cached DER of (card_id, key_ref) in dir: 0 and *ret_der (malloc'd,
 * the caller frees it) / *ret_len; SCL_ERR_NO_OBJECT when there is no
 * entry, no dir, dir NULL, the caller is not root or card_id cannot key
 * the cache; SCL_ERR_CERT_CACHE_UNSAFE for a dir or file not owned by
 * root, open to group or others (dir: writable; file: any access), a
 * symbolic link or not a directory / regular file;
 * SCL_ERR_CERT_CACHE_BAD for a file that fails scl_certcache_parse;
 * SCL_ERR_SYSTEM, SCL_ERR_NOMEM.  Outputs untouched on failure.
 */
int scl_certcache_load(const char *dir, const char *card_id, uint8_t key_ref,
    uint8_t **ret_der, size_t *ret_len);

/*
 * Store der for (card_id, key_ref), replacing the entry; creates dir
 * (0700, and its parent 0755) when missing; evicts the oldest entries
 * when full.  0 (also a no-op: not root, dir NULL, card_id not usable),
 * SCL_ERR_CERT_CACHE_UNSAFE (as above), SCL_ERR_INVALID_ARGUMENT (der
 * empty or too large), SCL_ERR_SYSTEM, SCL_ERR_NOMEM.
 */
int scl_certcache_store(const char *dir, const char *card_id,
    uint8_t key_ref, const uint8_t *der, size_t der_len);

/* Remove the entry of (card_id, key_ref); 0 also when there was none. */
int scl_certcache_drop(const char *dir, const char *card_id, uint8_t key_ref);

#endif
