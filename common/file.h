/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_FILE_H
#define SCL_FILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Bounded reading of files the caller has already opened (with
 * O_CLOEXEC|O_NOFOLLOW|O_NOCTTY) and checked (fstat: regular file, owner,
 * mode), which stays the caller's job because each file has its own rules
 * and its own admin-facing messages.  No logging; thread-safe.
 */

/*
 * Read fd from its current offset to end of file into a new buffer.  At
 * most max bytes are accepted: one byte more is read to notice a file
 * larger than max (or one that grew since it was checked).  Retries EINTR.
 * Returns 0 with *ret_buf (malloc'ed, max + 1 bytes, the caller frees it)
 * and *ret_len (0..max), or SCL_ERR_TOO_LARGE (more than max bytes),
 * SCL_ERR_SYSTEM (read failed; errno kept), SCL_ERR_NOMEM, or
 * SCL_ERR_INVALID_ARGUMENT (max == SIZE_MAX or a NULL output).  Outputs
 * are untouched on failure.
 */
int scl_file_read_fd(int fd, size_t max, uint8_t **ret_buf, size_t *ret_len);

/*
 * Replace name in the directory dfd atomically with len bytes of buf: a
 * temp file ".<name>.tmp<pid>" (O_EXCL, O_NOFOLLOW, mode 0600), written,
 * fsync'ed, renamed over name, then the directory fsync'ed.  Readers see
 * the old or the new file, never a part.  On failure the temp file is
 * removed and name is untouched.  0, SCL_ERR_SYSTEM (errno kept) or
 * SCL_ERR_INVALID_ARGUMENT (name empty, with '/', or too long).
 */
int scl_file_write_atomic(int dfd, const char *name, const void *buf,
    size_t len);

#endif
