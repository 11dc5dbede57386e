/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "vpcd.h"

enum io_result {
	IO_OK,
	IO_CLOSED,
	IO_STOP,
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool
signalled(int sfd)
{
	struct signalfd_siginfo si;

	return read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si);
}

/* Wait for fd (events) or a signal; timeout_ms < 0 waits forever. */
static enum io_result
wait_fd(int fd, short events, int sfd, int timeout_ms)
{
	struct pollfd p[2] = {
		{ .fd = sfd, .events = POLLIN },
		{ .fd = fd, .events = events },
	};
	int n;

	for (;;) {
		n = poll(p, fd >= 0 ? 2 : 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return IO_CLOSED;
		break;
	}
	if (p[0].revents & POLLIN) {
		if (signalled(sfd))
			return IO_STOP;
	}
	if (n == 0)
		return IO_CLOSED;
	return IO_OK;
}

static void
quick_ack(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

static enum io_result
read_full(int fd, int sfd, uint8_t *buf, size_t len, bool first)
{
	size_t got = 0;
	int64_t deadline = now_ms() + VC_VPCD_MSG_TIMEOUT_MS;

	while (got < len) {
		int timeout = -1;
		enum io_result io;
		ssize_t n;

		if (!first || got > 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				return IO_CLOSED;
			timeout = (int)left;
		}
		if ((io = wait_fd(fd, POLLIN, sfd, timeout)) != IO_OK)
			return io;
		n = recv(fd, buf + got, len - got, 0);
		/* pcscd's vpcd driver writes length and payload apart with
		 * Nagle on: ACK at once or every APDU stalls ~40 ms. */
		quick_ack(fd);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return IO_CLOSED;
		got += (size_t)n;
	}
	return IO_OK;
}

static enum io_result
write_msg(int fd, int sfd, const uint8_t *p, size_t len)
{
	uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = 2 },
		{ .iov_base = (void *)(uintptr_t)p, .iov_len = len },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	int64_t deadline = now_ms() + VC_VPCD_MSG_TIMEOUT_MS;

	while (m.msg_iovlen > 0) {
		ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL);

		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			int64_t left = deadline - now_ms();
			enum io_result io;

			if (left <= 0)
				return IO_CLOSED;
			if ((io = wait_fd(fd, POLLOUT, sfd, (int)left)) != IO_OK)
				return io;
			continue;
		}
		if (n <= 0)
			return IO_CLOSED;
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
	return IO_OK;
}

static void
trace(const char *dir, const uint8_t *p, size_t len, bool redact)
{
	fprintf(stderr, "sclogin-vcard: %s", dir);
	for (size_t i = 0; i < len; i++) {
		if (redact && i >= 5) {
			fprintf(stderr, " <%zu bytes redacted>", len - 5);
			break;
		}
		fprintf(stderr, " %02x", p[i]);
	}
	fputc('\n', stderr);
}

static int
connect_to(const struct vc_vpcd_opts *o, int sfd, enum io_result *stop)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	char port[8];
	int fd = -1, one = 1;

	*stop = IO_OK;
	snprintf(port, sizeof(port), "%u", o->port);
	if (getaddrinfo(o->host, port, &hints, &res) != 0)
		return -1;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			*stop = wait_fd(fd, POLLOUT, sfd, 2000);
			if (*stop == IO_OK && getsockopt(fd, SOL_SOCKET,
			    SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
				break;
		}
		close(fd);
		fd = -1;
		if (*stop == IO_STOP)
			break;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Serve one connection until it closes or a signal arrives. */
static enum io_result
serve(struct vc_applet *a, const struct vc_vpcd_opts *o, int fd, int sfd,
    uint8_t *msg, uint8_t *resp)
{
	for (;;) {
		uint8_t hdr[2];
		size_t len, rlen = 0;
		enum io_result io;
		const char *e;

		if ((io = read_full(fd, sfd, hdr, 2, true)) != IO_OK)
			return io;
		len = (size_t)hdr[0] << 8 | hdr[1];
		if (len == 0)
			continue;
		if ((io = read_full(fd, sfd, msg, len, false)) != IO_OK)
			return io;
		if (len == 1) {
			const uint8_t *atr;

			switch (msg[0]) {
			case 0:
				vc_applet_power(a, VC_POWER_OFF);
				break;
			case 1:
				vc_applet_power(a, VC_POWER_ON);
				break;
			case 2:
				vc_applet_power(a, VC_POWER_RESET);
				break;
			case 4:
				atr = vc_applet_atr(&rlen);
				if ((io = write_msg(fd, sfd, atr, rlen)) !=
				    IO_OK)
					return io;
				break;
			default:
				fprintf(stderr, "sclogin-vcard: unknown vpcd "
				    "control byte %02x, ignoring\n", msg[0]);
				break;
			}
			continue;
		}
		if (o->verbose)
			trace(">", msg, len, msg[1] == 0x20 ||
			    msg[1] == 0x24 || msg[1] == 0x2c ||
			    msg[1] == 0xff || msg[1] == 0xfe);
		vc_applet_process(a, msg, len, resp, VC_RAPDU_MAX, &rlen);
		if ((e = vc_applet_error(a)) != NULL)
			fprintf(stderr, "sclogin-vcard: %s\n", e);
		if (o->verbose)
			trace("<", resp, rlen, false);
		io = write_msg(fd, sfd, resp, rlen);
		explicit_bzero(msg, len);
		explicit_bzero(resp, rlen);
		if (io != IO_OK)
			return io;
	}
}

int
vc_vpcd_run(struct vc_applet *a, const struct vc_vpcd_opts *o)
{
	uint8_t *msg = NULL, *resp = NULL;
	sigset_t mask, old;
	int sfd = -1, fd = -1, delay = VC_VPCD_BACKOFF_MIN_MS, r = SCL_ERR_SYSTEM;
	bool reported = false;

	sigemptyset(&old);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, &old) != 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		goto out;
	r = SCL_ERR_NOMEM;
	if ((msg = malloc(65536)) == NULL || (resp = malloc(65536)) == NULL)
		goto out;
	for (;;) {
		enum io_result io;

		fd = connect_to(o, sfd, &io);
		if (io == IO_STOP)
			break;
		if (fd < 0) {
			if (!reported)
				fprintf(stderr, "sclogin-vcard: cannot connect "
				    "to vpcd at %s:%u, retrying\n", o->host,
				    o->port);
			reported = true;
			if (wait_fd(-1, 0, sfd, delay) == IO_STOP)
				break;
			delay = delay * 2 > VC_VPCD_BACKOFF_MAX_MS ?
			    VC_VPCD_BACKOFF_MAX_MS : delay * 2;
			continue;
		}
		fprintf(stderr, "sclogin-vcard: connected to vpcd at %s:%u\n",
		    o->host, o->port);
		reported = false;
		delay = VC_VPCD_BACKOFF_MIN_MS;
		vc_applet_power(a, VC_POWER_OFF);
		io = serve(a, o, fd, sfd, msg, resp);
		close(fd);
		fd = -1;
		vc_applet_power(a, VC_POWER_OFF);
		if (io == IO_STOP || o->once)
			break;
		fprintf(stderr, "sclogin-vcard: vpcd closed the connection, "
		    "reconnecting\n");
	}
	fprintf(stderr, "sclogin-vcard: stopping\n");
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (sfd >= 0)
		close(sfd);
	free(msg);
	free(resp);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
