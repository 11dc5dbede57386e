/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
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
