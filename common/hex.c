/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hex.h"

int
scl_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
scl_hex_byte(const char *s, uint8_t *ret_byte)
{
	int hi, lo, r = -1;

	if ((hi = scl_hex_digit((unsigned char)s[0])) < 0 ||
	    (lo = scl_hex_digit((unsigned char)s[1])) < 0)
		goto out;
	*ret_byte = (uint8_t)(hi << 4 | lo);
	r = 0;
out:
	return r;
}

int
scl_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap,
    size_t *ret_len)
{
	size_t i;
	int r;

	if (len % 2 != 0) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if (len / 2 > cap) {
		r = SCL_ERR_BUFFER_TOO_SMALL;
		goto out;
	}
	for (i = 0; i < len / 2; i++) {
		if (scl_hex_byte(s + 2 * i, &out[i]) != 0) {
			r = SCL_ERR_INVALID_ARGUMENT;
			goto out;
		}
	}
	*ret_len = len / 2;
	r = 0;
out:
	return r;
}

void
scl_hex_encode(const uint8_t *p, size_t n, char *out, size_t out_len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (out == NULL || out_len == 0)
		return;
	for (i = 0; i < n && 2 * i + 2 < out_len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * i] = '\0';
}
