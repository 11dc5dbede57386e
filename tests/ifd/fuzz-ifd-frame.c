/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The card protocol's frame reader (vcard/frame.c), as the reader driver
 * runs it on what a card sends: the input is the byte stream from the
 * card.  vc_frame_read() over a socket pair must cut the same frames as
 * vc_frame_split() on the buffer, never read past its cap, and every frame
 * gets the driver's answer check (ATR, then R-APDUs).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 300

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[CAP];
	int sv[2];
	size_t pos = 0, n = 0;
	enum vc_reply kind = VC_REPLY_ATR;

	if (size > 8192 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 0;
	if (size > 0 && write(sv[1], data, size) != (ssize_t)size)
		abort();
	shutdown(sv[1], SHUT_WR);
	for (;;) {
		size_t off = 0, len = 0;
		int split = vc_frame_split(data + pos, size - pos, CAP, &off,
		    &len);
		enum vc_io io = vc_frame_read(sv[0], -1, 0, buf, CAP, &n);

		if (split == 1) {
			if (io != VC_IO_OK || n != len ||
			    memcmp(buf, data + pos + off, len) != 0)
				abort();
			(void)vc_frame_check_reply(kind, buf, n, CAP);
			kind = VC_REPLY_RAPDU;
			pos += off + len;
			continue;
		}
		if (split < 0 ? io != VC_IO_TOO_LONG : io == VC_IO_OK)
			abort();
		break;
	}
	close(sv[0]);
	close(sv[1]);
	return 0;
}
