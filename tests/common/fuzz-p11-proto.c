/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The PKCS#11 helper's answers as the host reads them (p11-proto.h): the
 * first byte picks the answer's shape (LIST, CONNECT, KEYS, CERT, flags),
 * the rest is the frame body, first sent through a socket pair as a
 * frame (length prefix).  Every field must stay inside the message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "deadline.h"
#include "p11-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scl_p11_msg m;

static void
inside(const uint8_t *p, size_t len)
{
	if (p < m.b || p + len > m.b + m.len)
		abort();
}

static void
list(uint32_t n, int with_flag)
{
	const uint8_t *p;
	size_t len;
	uint8_t u8;

	for (uint32_t i = 0; i < n && i < 16; i++) {
		if (scl_p11_get_bytes(&m, &p, &len) < 0)
			return;
		inside(p, len);
		if (with_flag && scl_p11_get_u8(&m, &u8) < 0)
			return;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[4];
	uint32_t status, n;
	int sv[2];

	if (size < 1 || size - 1 > 4096)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return 0;
	n = (uint32_t)(size - 1);
	hdr[0] = (uint8_t)(n >> 24);
	hdr[1] = (uint8_t)(n >> 16);
	hdr[2] = (uint8_t)(n >> 8);
	hdr[3] = (uint8_t)n;
	if (write(sv[1], hdr, 4) != 4 ||
	    write(sv[1], data + 1, size - 1) != (ssize_t)(size - 1) ||
	    scl_p11_recv(sv[0], &m, (long long)scl_mono_ms() + 1000) != 0 ||
	    m.len != size - 1 || memcmp(m.b, data + 1, m.len) != 0)
		abort();
	close(sv[0]);
	close(sv[1]);
	if (scl_p11_get_u32(&m, &status) < 0)
		return 0;
	switch (data[0] % 5) {
	case 0:
		if (scl_p11_get_u32(&m, &n) == 0)
			list(n, 1);
		break;
	case 1:
		list(2, 0);
		(void)scl_p11_get_u8(&m, hdr);
		break;
	case 2:
		if (scl_p11_get_u32(&m, &n) == 0)
			list(n, 0);
		break;
	case 3:
		list(1, 0);
		break;
	default:
		(void)scl_p11_get_u32(&m, &n);
		break;
	}
	if (m.off > m.len)
		abort();
	return 0;
}
