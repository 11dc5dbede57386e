/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "file.h"

int
scl_file_read_fd(int fd, size_t max, uint8_t **ret_buf, size_t *ret_len)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = SCL_ERR_INTERNAL, e = 0;

	if (max == SIZE_MAX || ret_buf == NULL || ret_len == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((buf = malloc(max + 1)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	while (len <= max) {
		ssize_t n = read(fd, buf + len, max + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			r = SCL_ERR_SYSTEM;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		r = SCL_ERR_TOO_LARGE;
		goto out;
	}
	*ret_buf = buf;
	*ret_len = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	if (e != 0)
		errno = e;
	return r;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return SCL_ERR_SYSTEM;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
scl_file_write_atomic(int dfd, const char *name, const void *buf,
    size_t len)
{
	char tmp[300];
	int fd = -1, e = 0, r = SCL_ERR_INTERNAL;

	tmp[0] = '\0';
	if (name == NULL || name[0] == '\0' || strchr(name, '/') != NULL ||
	    strlen(name) > 255 || (buf == NULL && len > 0))
		return SCL_ERR_INVALID_ARGUMENT;
	snprintf(tmp, sizeof(tmp), ".%s.tmp%ld", name, (long)getpid());
	(void)unlinkat(dfd, tmp, 0);
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0) {
		e = errno;
		tmp[0] = '\0';
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	if (write_all(fd, buf, len) != 0 || fchmod(fd, 0600) != 0 ||
	    fsync(fd) != 0) {
		e = errno;
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	r = close(fd);
	fd = -1;
	if (r != 0 || renameat(dfd, tmp, dfd, name) != 0) {
		e = errno;
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	tmp[0] = '\0';
	(void)fsync(dfd);
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp[0] != '\0')
		(void)unlinkat(dfd, tmp, 0);
	if (e != 0)
		errno = e;
	return r;
}
