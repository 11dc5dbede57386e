/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cursor.h"
#include "directory-cache.h"
#include "directory-query.h"
#include "err.h"
#include "file.h"
#include "hex.h"

#define MAGIC "sclogin-directory-cache 1"

/* "<64 hex> <when> <user>" of n bytes into e. */
static int
parse_line(const char *p, size_t n, struct scl_dircache_entry *e)
{
	size_t i = 64, dlen = 0;
	int64_t when = 0;

	if (n < 64 + 1 + 1 + 1 + 1 || p[64] != ' ')
		return SCL_ERR_BAD_STATE;
	for (size_t k = 0; k < 32; k++)
		if (scl_hex_byte(p + 2 * k, &e->sha256[k]) != 0)
			return SCL_ERR_BAD_STATE;
	for (i = 65; i < n && p[i] >= '0' && p[i] <= '9'; i++, dlen++) {
		if (dlen >= 18)
			return SCL_ERR_BAD_STATE;
		when = when * 10 + (p[i] - '0');
	}
	if (dlen == 0 || (dlen > 1 && p[65] == '0') || i >= n || p[i] != ' ')
		return SCL_ERR_BAD_STATE;
	i++;
	if (!scl_dir_valid_user(p + i, n - i))
		return SCL_ERR_BAD_STATE;
	memcpy(e->user, p + i, n - i);
	e->user[n - i] = '\0';
	e->when = when;
	return 0;
}

int
scl_dircache_parse(const void *buf, size_t len,
    struct scl_dircache_entry *out, size_t cap, size_t *ret_n)
{
	struct scl_cursor cur;
	size_t n = 0, lineno = 0;

	if ((buf == NULL && len > 0) || out == NULL || ret_n == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	if (len > SCL_DIRCACHE_MAX_SIZE)
		return SCL_ERR_BAD_STATE;
	scl_cur_init(&cur, buf, len);
	while (cur.len > 0) {
		const uint8_t *nl = memchr(cur.p, '\n', cur.len), *p;
		size_t llen;
		int r;

		if (nl == NULL)
			return SCL_ERR_BAD_STATE;	/* every line ends */
		llen = (size_t)(nl - cur.p);
		if (scl_cur_get_bytes(&cur, llen, &p) != 0 ||
		    scl_cur_skip(&cur, 1) != 0)
			return SCL_ERR_BAD_STATE;
		if (lineno++ == 0) {
			if (llen != strlen(MAGIC) || memcmp(p, MAGIC, llen) != 0)
				return SCL_ERR_BAD_STATE;
			continue;
		}
		if (llen > 64 + 1 + 19 + 1 + 256)
			return SCL_ERR_BAD_STATE;
		if (n >= cap || n >= SCL_DIRCACHE_MAX_ENTRIES)
			return SCL_ERR_LIMIT;
		if ((r = parse_line((const char *)p, llen, &out[n])) != 0)
			return r;
		for (size_t k = 0; k < n; k++)
			if (memcmp(out[k].sha256, out[n].sha256, 32) == 0)
				return SCL_ERR_BAD_STATE;
		n++;
	}
	if (lineno == 0)
		return SCL_ERR_BAD_STATE;
	*ret_n = n;
	return 0;
}

/* Open state_dir (never through a symbolic link); create it if absent. */
static int
open_dir(const char *state_dir, int create, int *ret_fd)
{
	int fd;

	if (state_dir == NULL || state_dir[0] != '/')
		return SCL_ERR_INVALID_ARGUMENT;
	fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdir(state_dir, 0755) != 0 && errno != EEXIST)
			return SCL_ERR_SYSTEM;
		fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	}
	if (fd < 0)
		return errno == ENOENT ? SCL_ERR_NO_OBJECT :
		    (errno == ELOOP || errno == ENOTDIR) ? SCL_ERR_BAD_STATE :
		    SCL_ERR_SYSTEM;
	*ret_fd = fd;
	return 0;
}

/* All entries of the cache file in dfd (none when it does not exist). */
static int
read_all(int dfd, struct scl_dircache_entry **ret, size_t *ret_n)
{
	struct scl_dircache_entry *e = NULL;
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0, n = 0;
	int fd = -1, r = SCL_ERR_INTERNAL;

	if ((e = calloc(SCL_DIRCACHE_MAX_ENTRIES, sizeof(*e))) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	fd = openat(dfd, SCL_DIRCACHE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = errno == ENOENT ? 0 : errno == ELOOP ? SCL_ERR_BAD_STATE :
		    SCL_ERR_SYSTEM;
		goto done;
	}
	if (fstat(fd, &st) != 0) {
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid !=
	    geteuid()) || (st.st_mode & 077) != 0) {
		r = SCL_ERR_BAD_STATE;
		goto out;
	}
	r = scl_file_read_fd(fd, SCL_DIRCACHE_MAX_SIZE, &buf, &len);
	if (r == SCL_ERR_TOO_LARGE)
		r = SCL_ERR_BAD_STATE;
	if (r != 0)
		goto out;
	if ((r = scl_dircache_parse(buf, len, e, SCL_DIRCACHE_MAX_ENTRIES,
	    &n)) != 0) {
		r = SCL_ERR_BAD_STATE;
		goto out;
	}
	r = 0;
done:
	if (r == 0) {
		*ret = e;
		*ret_n = n;
		e = NULL;
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(e);
	return r;
}

int
scl_dircache_lookup(const char *state_dir, const uint8_t sha256[32],
    struct scl_dircache_entry *ret)
{
	struct scl_dircache_entry *e = NULL;
	size_t n = 0;
	int dfd = -1, r = SCL_ERR_INTERNAL;

	if (sha256 == NULL || ret == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = open_dir(state_dir, 0, &dfd)) != 0 ||
	    (r = read_all(dfd, &e, &n)) != 0)
		goto out;
	r = SCL_ERR_NO_OBJECT;
	for (size_t i = 0; i < n; i++) {
		if (memcmp(e[i].sha256, sha256, 32) == 0) {
			*ret = e[i];
			r = 0;
			break;
		}
	}
out:
	free(e);
	if (dfd >= 0)
		close(dfd);
	return r;
}

int
scl_dircache_store(const char *state_dir, const uint8_t sha256[32],
    const char *user, int64_t when)
{
	struct scl_dircache_entry *e = NULL;
	char *text = NULL;
	size_t n = 0, o = 0, cap;
	int dfd = -1, found = -1, r = SCL_ERR_INTERNAL;

	if (sha256 == NULL || when < 0 || (user != NULL &&
	    !scl_dir_valid_user(user, strlen(user)))) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = open_dir(state_dir, 1, &dfd)) != 0)
		goto out;
	r = read_all(dfd, &e, &n);
	if (r == SCL_ERR_BAD_STATE) {
		free(e);
		e = calloc(SCL_DIRCACHE_MAX_ENTRIES, sizeof(*e));
		n = 0;
		r = e == NULL ? SCL_ERR_NOMEM : 0;
	}
	if (r != 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (memcmp(e[i].sha256, sha256, 32) == 0)
			found = (int)i;
	if (user == NULL && found < 0) {
		r = 0;
		goto out;
	}
	if (found >= 0) {
		memmove(&e[found], &e[found + 1], (n - (size_t)found - 1) *
		    sizeof(*e));
		n--;
	}
	if (user != NULL) {
		if (n >= SCL_DIRCACHE_MAX_ENTRIES) {
			size_t old = 0;

			for (size_t i = 1; i < n; i++)
				if (e[i].when < e[old].when)
					old = i;
			memmove(&e[old], &e[old + 1], (n - old - 1) *
			    sizeof(*e));
			n--;
		}
		memcpy(e[n].sha256, sha256, 32);
		e[n].when = when;
		snprintf(e[n].user, sizeof(e[n].user), "%s", user);
		n++;
	}
	cap = strlen(MAGIC) + 2 + n * (64 + 1 + 20 + 1 + 257 + 1);
	if ((text = malloc(cap)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	o = (size_t)snprintf(text, cap, "%s\n", MAGIC);
	for (size_t i = 0; i < n; i++) {
		char hex[65];

		scl_hex_encode(e[i].sha256, 32, hex, sizeof(hex));
		o += (size_t)snprintf(text + o, cap - o, "%s %lld %s\n", hex,
		    (long long)e[i].when, e[i].user);
	}
	if ((r = scl_file_write_atomic(dfd, SCL_DIRCACHE_FILE, text, o)) != 0)
		goto out;
	r = 0;
out:
	if (dfd >= 0)
		close(dfd);
	free(text);
	free(e);
	return r;
}
