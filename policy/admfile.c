/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admfile.h"
#include "err.h"
#include "file.h"

int
scl_admfile_read(const char *path, const struct scl_admfile_rules *rules,
    uint8_t **ret_buf, size_t *ret_len, char *errbuf, size_t errlen)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	char ebuf[128];
	int fd = -1, e, r = SCL_ERR_INTERNAL;

	if (path == NULL || rules == NULL || rules->max == SIZE_MAX ||
	    ret_buf == NULL || ret_len == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY))
	    < 0) {
		e = errno;
		if (e == ENOENT && rules->missing_ok) {
			*ret_buf = NULL;
			*ret_len = 0;
			r = 0;
			goto out;
		}
		scl_err_detail(errbuf, errlen, "%s: cannot open: %s", path,
		    e == ELOOP ? "is a symbolic link" :
		    scl_err_errno(e, ebuf, sizeof(ebuf)));
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		scl_err_detail(errbuf, errlen, "%s: cannot stat: %s", path,
		    scl_err_errno(e, ebuf, sizeof(ebuf)));
		errno = e;
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		scl_err_detail(errbuf, errlen, "%s: not a regular file", path);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if (rules->check_owner && st.st_uid != 0 &&
	    !(rules->allow_euid && st.st_uid == geteuid())) {
		scl_err_detail(errbuf, errlen, "%s: owned by uid %u, must be "
		    "owned by root", path, (unsigned)st.st_uid);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if (rules->check_owner && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		scl_err_detail(errbuf, errlen, "%s: mode %04o is group or "
		    "world writable (chmod go-w)", path,
		    (unsigned)(st.st_mode & 07777));
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if (st.st_size < 0 || (uintmax_t)st.st_size > rules->max) {
		r = SCL_ERR_TOO_LARGE;
	} else if ((r = scl_file_read_fd(fd, rules->max, &buf, &len)) ==
	    SCL_ERR_SYSTEM) {
		e = errno;
		scl_err_detail(errbuf, errlen, "%s: read error: %s", path,
		    scl_err_errno(e, ebuf, sizeof(ebuf)));
		errno = e;
	}
	if (r == SCL_ERR_TOO_LARGE) {
		scl_err_detail(errbuf, errlen, "%s: larger than %zu bytes",
		    path, rules->max);
		r = SCL_ERR_CONFIG;
	}
	if (r != 0)
		goto out;
	*ret_buf = buf;
	*ret_len = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

char *
scl_admfile_trim(char *s, size_t *ret_len)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	if (ret_len != NULL)
		*ret_len = n;
	return s;
}
