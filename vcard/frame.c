/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"

int64_t
vc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum vc_io
vc_wait_fd(int fd, short events, int cancel_fd, int timeout_ms)
{
	struct pollfd p[2];
	nfds_t n = 0, fdi = 0;
	int64_t deadline = vc_now_ms() + timeout_ms;
	int rc;

	if (cancel_fd >= 0)
		p[n++] = (struct pollfd){ .fd = cancel_fd, .events = POLLIN };
	if (fd >= 0) {
		fdi = n;
		p[n++] = (struct pollfd){ .fd = fd, .events = events };
	}
	for (;;) {
		int left = timeout_ms;

		if (timeout_ms >= 0) {
			int64_t l = deadline - vc_now_ms();

			left = l < 0 ? 0 : (int)l;
		}
		rc = poll(p, n, left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return VC_IO_CLOSED;
		break;
	}
	if (cancel_fd >= 0 && (p[0].revents & POLLIN)) {
		struct signalfd_siginfo si;

		if (read(cancel_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			return VC_IO_STOP;
	}
	if (rc == 0)
		return VC_IO_TIMEOUT;
	if (fd >= 0 && p[fdi].revents == 0)
		return VC_IO_TIMEOUT;
	return VC_IO_OK;
}

static void
quick_ack(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

static enum vc_io
read_full(int fd, int cancel_fd, uint8_t *buf, size_t len, int first_ms,
    bool started)
{
	size_t got = 0;
	int64_t deadline = vc_now_ms() + VC_FRAME_MSG_TIMEOUT_MS;

	while (got < len) {
		int timeout = first_ms;
		enum vc_io io;
		ssize_t n;

		if (started || got > 0) {
			int64_t left = deadline - vc_now_ms();

			if (left <= 0)
				return VC_IO_CLOSED;
			timeout = (int)left;
		}
		if ((io = vc_wait_fd(fd, POLLIN, cancel_fd, timeout)) !=
		    VC_IO_OK)
			return io == VC_IO_TIMEOUT && (started || got > 0) ?
			    VC_IO_CLOSED : io;
		n = recv(fd, buf + got, len - got, MSG_DONTWAIT);
		/* pcscd's vpcd driver writes length and payload apart with
		 * Nagle on: ACK at once or every APDU stalls ~40 ms. */
		quick_ack(fd);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return VC_IO_CLOSED;
		got += (size_t)n;
	}
	return VC_IO_OK;
}

enum vc_io
vc_frame_read(int fd, int cancel_fd, int first_ms, uint8_t *buf, size_t cap,
    size_t *ret_len)
{
	uint8_t hdr[2];
	size_t off, len;
	enum vc_io io;

	*ret_len = 0;
	if ((io = read_full(fd, cancel_fd, hdr, 2, first_ms, false)) !=
	    VC_IO_OK)
		return io;
	if (vc_frame_split(hdr, 2, cap, &off, &len) < 0)
		return VC_IO_TOO_LONG;
	len = (size_t)hdr[0] << 8 | hdr[1];
	if (len > 0 && (io = read_full(fd, cancel_fd, buf, len, -1, true)) !=
	    VC_IO_OK)
		return io;
	*ret_len = len;
	return VC_IO_OK;
}

enum vc_io
vc_frame_write(int fd, int cancel_fd, const uint8_t *p, size_t len)
{
	uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = 2 },
		{ .iov_base = (void *)(uintptr_t)p, .iov_len = len },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	int64_t deadline = vc_now_ms() + VC_FRAME_MSG_TIMEOUT_MS;

	if (len > VC_FRAME_MAX)
		return VC_IO_TOO_LONG;
	while (m.msg_iovlen > 0) {
		ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			int64_t left = deadline - vc_now_ms();
			enum vc_io io;

			if (left <= 0)
				return VC_IO_CLOSED;
			io = vc_wait_fd(fd, POLLOUT, cancel_fd, (int)left);
			if (io == VC_IO_STOP)
				return io;
			continue;
		}
		if (n <= 0)
			return VC_IO_CLOSED;
		while (m.msg_iovlen > 0 && (size_t)n >= m.msg_iov[0].iov_len) {
			n -= (ssize_t)m.msg_iov[0].iov_len;
			m.msg_iov++;
			m.msg_iovlen--;
		}
		if (m.msg_iovlen > 0) {
			m.msg_iov[0].iov_base = (uint8_t *)m.msg_iov[0].iov_base +
			    n;
			m.msg_iov[0].iov_len -= (size_t)n;
		}
	}
	return VC_IO_OK;
}

const char *
vc_frame_check_reply(enum vc_reply k, const uint8_t *p, size_t len,
    size_t cap)
{
	if (len == 0)
		return "empty";
	if (k == VC_REPLY_ATR) {
		if (len < 2 || len > VC_ATR_MAX)
			return "atr-length";
		if (p[0] != 0x3b && p[0] != 0x3f)
			return "atr-ts";
		return NULL;
	}
	if (len < 2)
		return "rapdu-short";
	if (len > cap)
		return "rapdu-long";
	return NULL;
}

int
vc_frame_split(const uint8_t *buf, size_t len, size_t cap, size_t *ret_off,
    size_t *ret_len)
{
	size_t n;

	if (len < 2)
		return 0;
	n = (size_t)buf[0] << 8 | buf[1];
	if (n > cap)
		return -1;
	if (len - 2 < n)
		return 0;
	*ret_off = 2;
	*ret_len = n;
	return 1;
}
