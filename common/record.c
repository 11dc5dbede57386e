/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "record.h"

#define USER_MAX	200	/* leaves room for ".<user>.tmpXXXXXXXX" */
#define TMP_TRIES	16

static const char *const method_names[] = {
	[SCL_METHOD_UNKNOWN] = "unknown",
	[SCL_METHOD_CARD] = "card",
	[SCL_METHOD_PASSWORD] = "password",
};

#define N_METHODS (sizeof(method_names) / sizeof(method_names[0]))

const char *
scl_method_name(enum scl_method m)
{
	return (unsigned)m < N_METHODS ? method_names[m] : "invalid";
}

int
scl_method_from_name(const char *s, enum scl_method *ret_m)
{
	int r = SCL_ERR_INVALID_ARGUMENT;

	if (s == NULL)
		goto out;
	for (unsigned i = 0; i < N_METHODS; i++) {
		if (strcmp(s, method_names[i]) == 0) {
			*ret_m = (enum scl_method)i;
			r = 0;
			break;
		}
	}
out:
	return r;
}

static int
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F')))
			break;
	}
	return i == n;
}

static int
valid_user(const char *user)
{
	size_t n, i = 0;
	int ok = 0;

	if (user == NULL || user[0] == '\0' || user[0] == '.')
		goto out;
	if ((n = strnlen(user, USER_MAX + 1)) > USER_MAX)
		goto out;
	while (i < n && user[i] != '/' && (unsigned char)user[i] >= 0x20 &&
	    user[i] != 0x7f)
		i++;
	ok = i == n;
out:
	return ok;
}

static int
valid_record(const struct scl_record *rec)
{
	const char *nul;
	int ok = 0;

	if (rec == NULL || (unsigned)rec->method >= N_METHODS || rec->when < 0)
		goto out;
	nul = memchr(rec->card_id, '\0', sizeof(rec->card_id));
	ok = nul != NULL && is_hex(rec->card_id, (size_t)(nul - rec->card_id));
out:
	return ok;
}

static int
parse_when(const char *v, size_t n, int64_t *ret_when)
{
	int64_t w = 0;
	int r = SCL_ERR_BAD_STATE;

	if (n == 0 || n > 19 || (n > 1 && v[0] == '0'))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			goto out;
		if (w > (INT64_MAX - (v[i] - '0')) / 10)
			goto out;
		w = w * 10 + (v[i] - '0');
	}
	*ret_when = w;
	r = 0;
out:
	return r;
}

#define KEY_IS(k, kl, lit) ((kl) == sizeof(lit) - 1 && \
	memcmp((k), (lit), sizeof(lit) - 1) == 0)

int
scl_record_parse(const char *buf, size_t len, struct scl_record *ret_rec)
{
	struct scl_record rec;
	unsigned seen = 0, bit;
	size_t pos = 0;
	int r = SCL_ERR_BAD_STATE;

	memset(&rec, 0, sizeof(rec));
	if (buf == NULL || len == 0 || len > SCL_RECORD_MAX ||
	    memchr(buf, '\0', len) != NULL)
		goto out;
	while (pos < len) {
		const char *line = buf + pos, *nl, *eq, *v;
		size_t ll, kl, vl;

		if ((nl = memchr(line, '\n', len - pos)) == NULL)
			goto out;
		ll = (size_t)(nl - line);
		pos += ll + 1;
		if ((eq = memchr(line, '=', ll)) == NULL)
			goto out;
		kl = (size_t)(eq - line);
		v = eq + 1;
		vl = ll - kl - 1;
		if (KEY_IS(line, kl, "version")) {
			bit = 1;
			if (vl != 1 || v[0] != '1')
				goto out;
		} else if (KEY_IS(line, kl, "method")) {
			char name[16];
			enum scl_method m;

			bit = 2;
			if (vl >= sizeof(name))
				goto out;
			memcpy(name, v, vl);
			name[vl] = '\0';
			if (scl_method_from_name(name, &m) != 0)
				goto out;
			rec.method = m;
		} else if (KEY_IS(line, kl, "when")) {
			bit = 4;
			if (parse_when(v, vl, &rec.when) != 0)
				goto out;
		} else if (KEY_IS(line, kl, "card")) {
			bit = 8;
			if (vl >= sizeof(rec.card_id) || !is_hex(v, vl))
				goto out;
			memcpy(rec.card_id, v, vl);
			rec.card_id[vl] = '\0';
		} else {
			goto out;
		}
		if (seen & bit)
			goto out;
		seen |= bit;
	}
	if ((seen & 7) != 7)
		goto out;
	*ret_rec = rec;
	r = 0;
out:
	return r;
}

int
scl_record_format(const struct scl_record *rec, char *buf, size_t cap,
    size_t *ret_len)
{
	int n, r = SCL_ERR_INVALID_ARGUMENT;

	if (!valid_record(rec) || buf == NULL || ret_len == NULL)
		goto out;
	n = snprintf(buf, cap, "version=1\nmethod=%s\nwhen=%lld\ncard=%s\n",
	    scl_method_name(rec->method), (long long)rec->when, rec->card_id);
	if (n < 0) {
		r = SCL_ERR_INTERNAL;
		goto out;
	}
	if ((size_t)n >= cap) {
		r = SCL_ERR_BUFFER_TOO_SMALL;
		goto out;
	}
	*ret_len = (size_t)n;
	r = 0;
out:
	return r;
}

static int
safe_owner_mode(const struct stat *st)
{
	return (st->st_uid == 0 || st->st_uid == geteuid()) &&
	    (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* mkdir -p: parents 0755, the record dir itself 0700. */
static int
make_dirs(const char *dir)
{
	char path[PATH_MAX];
	size_t n = strnlen(dir, sizeof(path));
	int r = SCL_ERR_INVALID_ARGUMENT;

	if (n == 0 || n >= sizeof(path))
		goto out;
	memcpy(path, dir, n + 1);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	for (size_t i = 1; i < n; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			r = SCL_ERR_SYSTEM;
			goto out;
		}
		path[i] = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	r = 0;
out:
	return r;
}

static int
open_dir(const char *dir, int create, int *ret_fd)
{
	struct stat st;
	int fd = -1, r = SCL_ERR_SYSTEM;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if ((r = make_dirs(dir)) != 0)
			goto out;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	}
	if (fd < 0) {
		if (errno == ENOENT)
			r = SCL_ERR_NO_OBJECT;
		else if (errno == ELOOP || errno == ENOTDIR)
			r = SCL_ERR_BAD_STATE;
		else
			r = SCL_ERR_SYSTEM;
		goto out;
	}
	if (fstat(fd, &st) != 0)
		goto out;
	if (!S_ISDIR(st.st_mode) || !safe_owner_mode(&st)) {
		scl_debug("%s: '%s' has unsafe owner %u or mode %04o",
		    __func__, dir, (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
		r = SCL_ERR_BAD_STATE;
		goto out;
	}
	*ret_fd = fd;
	fd = -1;
	r = 0;
out:
	if (fd >= 0) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return r;
}

int
scl_record_read(const char *dir, const char *user, struct scl_record *ret_rec)
{
	char buf[SCL_RECORD_MAX + 1];
	struct stat st;
	size_t len = 0;
	int dfd = -1, fd = -1, e = 0, r = SCL_ERR_INVALID_ARGUMENT;

	if (dir == NULL || !valid_user(user) || ret_rec == NULL)
		goto out;
	if ((r = open_dir(dir, 0, &dfd)) != 0)
		goto out;
	fd = openat(dfd, user, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			r = SCL_ERR_NO_OBJECT;
		else if (errno == ELOOP)
			r = SCL_ERR_BAD_STATE;
		else
			r = SCL_ERR_SYSTEM;
		goto out;
	}
	r = SCL_ERR_SYSTEM;
	if (fstat(fd, &st) != 0)
		goto out;
	r = SCL_ERR_BAD_STATE;
	if (!S_ISREG(st.st_mode) || !safe_owner_mode(&st) ||
	    st.st_size > SCL_RECORD_MAX) {
		scl_debug("%s: '%s' is not a regular file of a safe owner, "
		    "mode and size", __func__, user);
		goto out;
	}
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = SCL_ERR_SYSTEM;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > SCL_RECORD_MAX)
		goto out;
	if ((r = scl_record_parse(buf, len, ret_rec)) != 0)
		scl_debug("%s: '%s' is malformed", __func__, user);
out:
	e = errno;
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	errno = e;
	return r;
}

static int
write_all(int fd, const char *p, size_t n)
{
	int r = SCL_ERR_SYSTEM;

	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			goto out;
		p += k;
		n -= (size_t)k;
	}
	r = 0;
out:
	return r;
}

/* Group gid and mode shared (gid set) or private on an open file or dir. */
static int
set_access(int fd, gid_t gid, mode_t private_mode, mode_t shared_mode)
{
	if (gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) != 0)
		return -1;
	return fchmod(fd, gid != (gid_t)-1 ? shared_mode : private_mode);
}

int
scl_record_write(const char *dir, const char *user,
    const struct scl_record *rec)
{
	return scl_record_write_group(dir, user, rec, (gid_t)-1);
}

int
scl_record_write_group(const char *dir, const char *user,
    const struct scl_record *rec, gid_t gid)
{
	char buf[SCL_RECORD_MAX], tmp[USER_MAX + 32];
	size_t len;
	int dfd = -1, fd = -1, e = 0, have_tmp = 0;
	int r = SCL_ERR_INVALID_ARGUMENT;

	if (dir == NULL || !valid_user(user) || !valid_record(rec))
		goto out;
	if ((r = scl_record_format(rec, buf, sizeof(buf), &len)) != 0 ||
	    (r = open_dir(dir, 1, &dfd)) != 0)
		goto out;
	r = SCL_ERR_SYSTEM;
	if (set_access(dfd, gid, 0700, 0750) != 0)
		goto out;
	for (int i = 0; i < TMP_TRIES && fd < 0; i++) {
		uint32_t rnd;

		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			goto out;
		snprintf(tmp, sizeof(tmp), ".%s.tmp%08x", user, rnd);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0 && errno != EEXIST)
			goto out;
	}
	if (fd < 0)
		goto out;
	have_tmp = 1;
	if (set_access(fd, gid, 0600, 0640) != 0 ||
	    write_all(fd, buf, len) != 0 || fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, user) != 0)
		goto out;
	have_tmp = 0;
	if (fsync(dfd) != 0)
		goto out;
	r = 0;
out:
	e = errno;
	if (fd >= 0)
		close(fd);
	if (have_tmp)
		unlinkat(dfd, tmp, 0);
	if (dfd >= 0)
		close(dfd);
	errno = e;
	return r;
}
