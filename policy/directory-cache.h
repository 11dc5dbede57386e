/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_DIRECTORY_CACHE_H
#define SCL_DIRECTORY_CACHE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The offline cache of directory mappings: certificate SHA-256 -> user and
 * the time the directory last said so.  One root-only file,
 * STATE_DIR/directory-cache (0600, owned by root or the caller's euid,
 * never a symbolic link), written atomically (temp file, fsync, rename).
 * Two sign-ins writing at once: the last one wins (an entry may be lost;
 * the next online sign-in writes it again).
 *
 * Format, at most SCL_DIRCACHE_MAX_ENTRIES lines of
 *	<64 hex digits> <decimal seconds since the epoch> <user>\n
 * after a first line "sclogin-directory-cache 1\n".  Anything else (a
 * malformed or overlong line, a bad user name, a duplicate certificate,
 * a file over SCL_DIRCACHE_MAX_SIZE) makes the whole file SCL_ERR_BAD_STATE:
 * callers treat it as empty and log it; the next write replaces it.
 * No logging; thread-safe.
 */
#define SCL_DIRCACHE_MAX_ENTRIES 1024
#define SCL_DIRCACHE_MAX_SIZE (128u * 1024u)
#define SCL_DIRCACHE_FILE "directory-cache"

struct scl_dircache_entry {
	uint8_t sha256[32];
	int64_t when;
	char user[257];
};

/*
 * Parse file bytes (untrusted; need not be NUL-terminated) into out[cap].
 * 0 and *ret_n, or SCL_ERR_BAD_STATE (SCL_ERR_LIMIT past cap).
 */
int scl_dircache_parse(const void *buf, size_t len,
    struct scl_dircache_entry *out, size_t cap, size_t *ret_n);

/*
 * The entry of the certificate in state_dir's cache: 0 and *ret;
 * SCL_ERR_NO_OBJECT when there is no file or no entry; SCL_ERR_BAD_STATE
 * for a file that fails the checks above; SCL_ERR_SYSTEM, SCL_ERR_NOMEM.
 */
int scl_dircache_lookup(const char *state_dir, const uint8_t sha256[32],
    struct scl_dircache_entry *ret);

/*
 * Record (user non-NULL) or erase (user NULL) the certificate's entry.
 * A cache that cannot be read (BAD_STATE) is replaced.  Creates state_dir
 * (0755) when missing.  Full: the oldest entry goes.  0, or
 * SCL_ERR_SYSTEM (errno kept), SCL_ERR_BAD_STATE (state_dir is a symbolic
 * link or not a directory), SCL_ERR_INVALID_ARGUMENT, SCL_ERR_NOMEM.
 */
int scl_dircache_store(const char *state_dir, const uint8_t sha256[32],
    const char *user, int64_t when);

#endif
