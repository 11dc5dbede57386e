/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "err.h"
#include "p11-proto.h"

void
scl_p11_msg_init(struct scl_p11_msg *m)
{
	m->len = 0;
	m->off = 0;
	m->bad = 0;
}

void
scl_p11_msg_wipe(struct scl_p11_msg *m)
{
	explicit_bzero(m->b, sizeof(m->b));
	scl_p11_msg_init(m);
}

static void
put(struct scl_p11_msg *m, const void *p, size_t len)
{
	if (m->bad || len > sizeof(m->b) - m->len) {
		m->bad = 1;
		return;
	}
	if (len > 0)
		memcpy(m->b + m->len, p, len);
	m->len += len;
}

void
scl_p11_put_u8(struct scl_p11_msg *m, uint8_t v)
{
	put(m, &v, 1);
}

void
scl_p11_put_u32(struct scl_p11_msg *m, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
		(uint8_t)(v >> 8), (uint8_t)v };

	put(m, b, sizeof(b));
}

void
scl_p11_put_bytes(struct scl_p11_msg *m, const void *p, size_t len)
{
	if (len > SCL_P11_MSG_MAX) {
		m->bad = 1;
		return;
	}
	scl_p11_put_u32(m, (uint32_t)len);
	put(m, p, len);
}

static int
get(struct scl_p11_msg *m, size_t len, const uint8_t **ret)
{
	if (m->bad || len > m->len - m->off) {
		m->bad = 1;
		return SCL_ERR_TRUNCATED;
	}
	*ret = m->b + m->off;
	m->off += len;
	return 0;
}

int
scl_p11_get_u8(struct scl_p11_msg *m, uint8_t *ret)
{
	const uint8_t *p;

	if (get(m, 1, &p) < 0)
		return SCL_ERR_TRUNCATED;
	*ret = p[0];
	return 0;
}

int
scl_p11_get_u32(struct scl_p11_msg *m, uint32_t *ret)
{
	const uint8_t *p;

	if (get(m, 4, &p) < 0)
		return SCL_ERR_TRUNCATED;
	*ret = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return 0;
}

int
scl_p11_get_bytes(struct scl_p11_msg *m, const uint8_t **ret,
    size_t *ret_len)
{
	uint32_t len;

	if (scl_p11_get_u32(m, &len) < 0 || get(m, len, ret) < 0)
		return SCL_ERR_TRUNCATED;
	*ret_len = len;
	return 0;
}

int
scl_p11_path_safe(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	return (st.st_uid == 0 || st.st_uid == geteuid()) &&
	    (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* Wait until fd is ready for events, or the deadline. */
static int
wait_fd(int fd, short events, long long deadline_ms)
{
	struct pollfd pfd = { fd, events, 0 };
	int n, ms;

	for (;;) {
		if (deadline_ms < 0) {
			ms = -1;
		} else {
			long long left = deadline_ms - (long long)scl_mono_ms();

			if (left <= 0)
				return SCL_ERR_TIMEOUT;
			ms = left > 60000 ? 60000 : (int)left;
		}
		n = poll(&pfd, 1, ms);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return SCL_ERR_TRANSMIT;
	}
}

static int
send_all(int fd, const uint8_t *p, size_t len, long long deadline_ms)
{
	while (len > 0) {
		ssize_t n;
		int r;

		if ((r = wait_fd(fd, POLLOUT, deadline_ms)) < 0)
			return r;
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return SCL_ERR_TRANSMIT;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
recv_all(int fd, uint8_t *p, size_t len, long long deadline_ms)
{
	while (len > 0) {
		ssize_t n;
		int r;

		if ((r = wait_fd(fd, POLLIN, deadline_ms)) < 0)
			return r;
		n = recv(fd, p, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return SCL_ERR_TRANSMIT;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
scl_p11_send(int fd, const struct scl_p11_msg *m, long long deadline_ms)
{
	uint8_t hdr[4];
	int r;

	if (m->bad || m->len > SCL_P11_MSG_MAX)
		return SCL_ERR_TOO_LARGE;
	hdr[0] = (uint8_t)(m->len >> 24);
	hdr[1] = (uint8_t)(m->len >> 16);
	hdr[2] = (uint8_t)(m->len >> 8);
	hdr[3] = (uint8_t)m->len;
	if ((r = send_all(fd, hdr, sizeof(hdr), deadline_ms)) < 0)
		return r;
	return send_all(fd, m->b, m->len, deadline_ms);
}

int
scl_p11_recv(int fd, struct scl_p11_msg *m, long long deadline_ms)
{
	uint8_t hdr[4];
	size_t len;
	int r;

	scl_p11_msg_init(m);
	if ((r = recv_all(fd, hdr, sizeof(hdr), deadline_ms)) < 0)
		return r;
	len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
	    (size_t)hdr[2] << 8 | hdr[3];
	if (len > SCL_P11_MSG_MAX)
		return SCL_ERR_TOO_LARGE;
	if ((r = recv_all(fd, m->b, len, deadline_ms)) < 0)
		return r;
	m->len = len;
	return 0;
}
