/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_ADMFILE_H
#define SCL_ADMFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Files an administrator writes and the module trusts (sclogin.conf, the
 * mapping file): opened with O_CLOEXEC|O_NOFOLLOW|O_NOCTTY, checked with
 * fstat and read whole with a size cap.  One place for the checks and for
 * the admin-facing messages ("PATH: what is wrong"), so every such file
 * is refused for the same reasons in the same words.  No logging;
 * thread-safe.
 */

struct scl_admfile_rules {
	size_t max;		/* largest accepted size in bytes (< SIZE_MAX) */
	int missing_ok;		/* ENOENT: success with *ret_buf = NULL */
	int check_owner;	/* owner and mode checks (0: tests, doctor run
				 * by a user on a file of their own) */
	int allow_euid;		/* with check_owner: the effective uid may own
				 * it too, besides root */
};

/*
 * Read path under rules.  Returns 0 with *ret_buf (malloc'ed, the caller
 * frees it; NULL when missing_ok and the file does not exist) and
 * *ret_len; otherwise *ret_buf / *ret_len are untouched and errbuf (may
 * be NULL) says why:
 *   SCL_ERR_CONFIG   cannot open (a symbolic link, permission, absent
 *                    without missing_ok), not a regular file, wrong
 *                    owner, group/other writable, larger than max;
 *   SCL_ERR_SYSTEM   fstat or read failed (errno kept);
 *   SCL_ERR_NOMEM, SCL_ERR_INVALID_ARGUMENT.
 * path is trusted (comes from the configuration or the caller) and is
 * quoted as is.
 */
int scl_admfile_read(const char *path, const struct scl_admfile_rules *rules,
    uint8_t **ret_buf, size_t *ret_len, char *errbuf, size_t errlen);

/*
 * Strip blanks (space, tab) from both ends of the NUL-terminated line s,
 * in place: returns the first non-blank character (inside s) and, when
 * ret_len is not NULL, the length left.  For the line parsers of these
 * files.
 */
char *scl_admfile_trim(char *s, size_t *ret_len);

#endif
