/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_RECORD_H
#define SCL_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The per-user "last sign-in method" record (Windows' LastLoggedOnProvider):
 * one small text file per user under dir (default /var/lib/sclogin/users),
 * root-owned 0600 in a 0700 dir (or shared with one group: 0640 in a 0750
 * dir, scl_record_write_group), written atomically (temp file, fsync,
 * rename, fsync dir).  A corrupt, oversized, wrongly-owned or symlinked
 * file is SCL_ERR_BAD_STATE: callers log it and treat it as "unknown".
 *
 * File format (exactly these keys, each once, any order, "card" optional,
 * every line ends in '\n', at most SCL_RECORD_MAX bytes):
 *	version=1
 *	method=card|password|unknown
 *	when=<decimal seconds since the epoch, >= 0>
 *	card=<0..64 hex digits>
 *
 * Ownership rule: the file and dir must be owned by root or by the
 * effective uid of the caller (so tests can run unprivileged), and must not
 * be group- or other-writable; group- and other-readable ones are read.
 * No logging above debug.  Thread-safe.
 */
#define SCL_RECORD_MAX 4096

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

/*
 * user must be a valid user name: 1..255 bytes, no '/', no control bytes,
 * not starting with '.' (so never "." or "..", and never one of our
 * ".<user>.tmp*" temp files); else SCL_ERR_INVALID_ARGUMENT.
 *
 * scl_record_read(): 0 with *ret_rec; SCL_ERR_NO_OBJECT when dir or file
 * does not exist (no record yet); SCL_ERR_BAD_STATE for a symlink, a
 * non-regular file, wrong owner or mode (file or dir), a file over
 * SCL_RECORD_MAX, or a malformed file; SCL_ERR_SYSTEM (errno kept) for
 * other I/O errors.  *ret_rec untouched on failure.
 *
 * scl_record_write(): creates dir (0700; missing parents 0755) if needed,
 * refuses a dir that is a symlink or has the wrong owner/mode
 * (SCL_ERR_BAD_STATE), writes a temp file 0600, fsyncs, renames over the
 * old record, fsyncs the dir.  A crash leaves the old or the new record,
 * never a mix.  SCL_ERR_INVALID_ARGUMENT for a bad user or record (method
 * out of range, when < 0, card_id not hex or not NUL-terminated);
 * SCL_ERR_SYSTEM (errno kept) on I/O errors; the temp file is removed on
 * failure.
 */
int scl_record_read(const char *dir, const char *user, struct scl_record *ret_rec);
int scl_record_write(const char *dir, const char *user, const struct scl_record *rec);

/*
 * scl_record_write() for records an unprivileged greeter in group gid
 * reads: dir group gid mode 0750, file group gid mode 0640.  gid
 * (gid_t)-1 is scl_record_write(): dir 0700, file 0600.  Either way the
 * dir gets that mode at every write (a dir once shared is private again
 * when the group is dropped); records of other users keep theirs until
 * they are written again.  A chown the caller may not do: SCL_ERR_SYSTEM
 * (EPERM), nothing written.
 */
int scl_record_write_group(const char *dir, const char *user,
    const struct scl_record *rec, gid_t gid);

/*
 * Parse / format the file content (untrusted input for parse; used by the
 * fuzzer and by tools).  parse: 0 or SCL_ERR_BAD_STATE, *ret_rec untouched
 * on failure.  format: writes the text into buf; SCL_ERR_INVALID_ARGUMENT
 * for a bad record, SCL_ERR_BUFFER_TOO_SMALL if cap is too small.
 */
int scl_record_parse(const char *buf, size_t len, struct scl_record *ret_rec);
int scl_record_format(const struct scl_record *rec, char *buf, size_t cap,
    size_t *ret_len);

/* "unknown", "card", "password"; "invalid" for values out of range. */
const char *scl_method_name(enum scl_method m);
/* Exact, case-sensitive match; SCL_ERR_INVALID_ARGUMENT otherwise. */
int scl_method_from_name(const char *s, enum scl_method *ret_m);

#endif
