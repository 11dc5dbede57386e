/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * A minimal vpcd-protocol card for testing the rig itself: every message is
 * a 2-byte big-endian length and a payload; a 1-byte payload is a control
 * message (0 off, 1 on, 2 reset, 4 ATR request), longer ones are C-APDUs.
 * SELECT answers 9000; any other command echoes its data with 9000.
 * Usage: rig-tinycard PORT.  Exits when pcscd closes the connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const uint8_t atr[] = { 0x3B, 0x80, 0x80, 0x01, 0x01 };

static int
rd(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = read(fd, p, n);

		if (k <= 0) {
			if (k < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int
send_msg(int fd, const uint8_t *p, size_t n)
{
	uint8_t buf[2 + 512];

	if (n > 512)
		return -1;
	buf[0] = (uint8_t)(n >> 8);
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, p, n);
	return write(fd, buf, n + 2) == (ssize_t)(n + 2) ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	uint8_t hdr[2], msg[65536], resp[512];
	int fd = -1, tries;

	if (argc != 2)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (tries = 0; tries < 200; tries++) {
		struct timespec ts = { 0, 50000000 };

		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			return 1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(fd);
		fd = -1;
		nanosleep(&ts, NULL);
	}
	if (fd == -1) {
		fprintf(stderr, "tinycard: cannot connect to port %s\n",
		    argv[1]);
		return 1;
	}
	for (;;) {
		size_t n;

		if (rd(fd, hdr, 2) != 0)
			break;
		n = (size_t)hdr[0] << 8 | hdr[1];
		if (rd(fd, msg, n) != 0)
			break;
		if (n == 1) {
			if (msg[0] == 4 && send_msg(fd, atr, sizeof(atr)) != 0)
				break;
			continue;
		}
		if (n < 4)
			break;
		if (msg[1] == 0xA4 || n <= 5) {
			resp[0] = 0x90;
			resp[1] = 0x00;
			n = 2;
		} else {
			size_t lc = msg[4];

			if (lc > n - 5 || lc > sizeof(resp) - 2)
				lc = 0;
			memcpy(resp, msg + 5, lc);
			resp[lc] = 0x90;
			resp[lc + 1] = 0x00;
			n = lc + 2;
		}
		if (send_msg(fd, resp, n) != 0)
			break;
	}
	close(fd);
	return 0;
}
