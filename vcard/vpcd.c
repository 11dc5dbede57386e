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
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "vpcd.h"

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
connect_tcp(const struct vc_vpcd_opts *o, int sfd, enum vc_io *stop)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	char port[8];
	int fd = -1, one = 1;

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
			*stop = vc_wait_fd(fd, POLLOUT, sfd, 2000);
			if (*stop == VC_IO_OK && getsockopt(fd, SOL_SOCKET,
			    SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
				break;
		}
		close(fd);
		fd = -1;
		if (*stop == VC_IO_STOP)
			break;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* How many reader sockets to try: a folder's reader<N>, or the one socket. */
static unsigned
socket_slots(const struct vc_vpcd_opts *o)
{
	struct stat st;

	if (o->socket_path == NULL)
		return 1;
	return stat(o->socket_path, &st) == 0 && S_ISDIR(st.st_mode) ?
	    VC_SOCKET_SLOTS : 1;
}

static int
socket_path(const struct vc_vpcd_opts *o, unsigned i, char *buf, size_t len)
{
	int n;

	if (socket_slots(o) > 1)
		n = snprintf(buf, len, "%s/reader%u", o->socket_path, i);
	else
		n = snprintf(buf, len, "%s", o->socket_path);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * The listener must be root (or ourselves, for a rig that is not root):
 * only the reader driver in pcscd may receive the card's APDUs and PINs.
 */
static int
connect_unix(const char *path, char *why, size_t whylen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, whylen, "reason=PATH the path is too long");
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/* A UNIX connect does not block: it succeeds into the backlog. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 ||
	    (cr.uid != 0 && cr.uid != geteuid())) {
		snprintf(why, whylen, "reason=PEER the reader is run by uid "
		    "%u, not root: refusing it", (unsigned)cr.uid);
		close(fd);
		return -1;
	}
	return fd;
}

static int
connect_to(const struct vc_vpcd_opts *o, unsigned slot, int sfd,
    enum vc_io *stop, char *where, size_t wlen, char *why, size_t whylen)
{
	*stop = VC_IO_OK;
	why[0] = '\0';
	if (o->socket_path == NULL) {
		snprintf(where, wlen, "vpcd at %s:%u", o->host, o->port);
		return connect_tcp(o, sfd, stop);
	}
	if (socket_path(o, slot, where, wlen) != 0)
		return -1;
	return connect_unix(where, why, whylen);
}

static const char *
control_name(uint8_t c)
{
	switch (c) {
	case VC_CTL_OFF: return "off";
	case VC_CTL_ON: return "on";
	case VC_CTL_RESET: return "reset";
	case VC_CTL_ATR: return "atr";
	}
	return NULL;
}

/* Serve one connection until it closes or a signal arrives. */
static enum vc_io
serve(struct vc_applet *a, const struct vc_vpcd_opts *o, int fd, int sfd,
    uint8_t *msg, uint8_t *resp, const char *where, unsigned *frames)
{
	for (;;) {
		size_t len, rlen = 0;
		enum vc_io io;
		const char *e;

		io = vc_frame_read(fd, sfd, -1, msg, VC_FRAME_MAX, &len);
		if (io != VC_IO_OK)
			return io;
		if (len == 0)
			continue;
		if ((*frames)++ == 0)
			fprintf(stderr, "sclogin-vcard: connected to the reader "
			    "at %s\n", where);
		if (len == 1) {
			const uint8_t *atr;

			if (control_name(msg[0]) == NULL) {
				fprintf(stderr, "sclogin-vcard: unknown "
				    "control byte %02x, ignoring\n", msg[0]);
				continue;
			}
			if (msg[0] == VC_CTL_ATR) {
				atr = vc_applet_atr(a, &rlen);
				if ((io = vc_frame_write(fd, sfd, atr, rlen)) !=
				    VC_IO_OK)
					return io;
				continue;
			}
			vc_applet_power(a, msg[0] == VC_CTL_OFF ? VC_POWER_OFF :
			    msg[0] == VC_CTL_ON ? VC_POWER_ON : VC_POWER_RESET);
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
		io = vc_frame_write(fd, sfd, resp, rlen);
		explicit_bzero(msg, len);
		explicit_bzero(resp, rlen);
		if (io != VC_IO_OK)
			return io;
	}
}

/* Wait *delay ms (or until a signal), then double it up to the cap. */
static enum vc_io
backoff(int sfd, int *delay)
{
	enum vc_io io = vc_wait_fd(-1, 0, sfd, *delay);

	*delay = *delay * 2 > VC_VPCD_BACKOFF_MAX_MS ? VC_VPCD_BACKOFF_MAX_MS :
	    *delay * 2;
	return io;
}

int
vc_vpcd_run(struct vc_applet *a, const struct vc_vpcd_opts *o)
{
	uint8_t *msg = NULL, *resp = NULL;
	sigset_t mask, old;
	int sfd = -1, fd = -1, delay = VC_VPCD_BACKOFF_MIN_MS, r = SCL_ERR_SYSTEM;
	unsigned slot = 0, failed = 0;
	bool reported = false;

	sigemptyset(&old);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, &old) != 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		goto out;
	r = SCL_ERR_NOMEM;
	if ((msg = malloc(VC_FRAME_MAX)) == NULL ||
	    (resp = malloc(VC_RAPDU_MAX)) == NULL)
		goto out;
	for (;;) {
		char where[4096], why[160];
		unsigned frames = 0;
		enum vc_io io;

		fd = connect_to(o, slot, sfd, &io, where, sizeof(where), why,
		    sizeof(why));
		if (io == VC_IO_STOP)
			break;
		if (fd < 0) {
			/* Next slot of a socket folder; wait once all failed. */
			unsigned slots = socket_slots(o);

			if (slot + 1 < slots && ++failed < slots) {
				slot++;
				continue;
			}
			if (!reported)
				fprintf(stderr, "sclogin-vcard: cannot connect "
				    "to the reader (%s%s%s), retrying\n", where,
				    why[0] != '\0' ? ": " : "", why);
			reported = true;
			slot = 0;
			failed = 0;
			if (backoff(sfd, &delay) == VC_IO_STOP)
				break;
			continue;
		}
		vc_applet_power(a, VC_POWER_OFF);
		io = serve(a, o, fd, sfd, msg, resp, where, &frames);
		close(fd);
		fd = -1;
		vc_applet_power(a, VC_POWER_OFF);
		if (io == VC_IO_STOP || (o->once && frames > 0))
			break;
		if (frames == 0 && o->socket_path != NULL) {
			/* A reader slot with a card in closes at once. */
			unsigned slots = socket_slots(o);

			failed++;
			slot = (slot + 1) % slots;
			if (failed >= slots) {
				failed = 0;
				if (backoff(sfd, &delay) == VC_IO_STOP)
					break;
			}
			continue;
		}
		if (frames > 0) {
			fprintf(stderr, "sclogin-vcard: served the reader at "
			    "%s; it closed the connection, reconnecting\n",
			    where);
			reported = false;
			delay = VC_VPCD_BACKOFF_MIN_MS;
			failed = 0;
		}
		if (o->once)
			break;
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
