/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "hex.h"

static void
test_digit(void **state)
{
	const char *ok = "0123456789abcdefABCDEF";
	static const int val[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	    13, 14, 15, 10, 11, 12, 13, 14, 15 };

	(void)state;
	for (size_t i = 0; ok[i] != '\0'; i++)
		assert_int_equal(scl_hex_digit(ok[i]), val[i]);
	for (int c = 0; c < 256; c++)
		if (strchr(ok, c) == NULL || c == 0)
			assert_int_equal(scl_hex_digit(c), -1);
	assert_int_equal(scl_hex_digit(-1), -1);
}

static void
test_byte(void **state)
{
	uint8_t b = 0x55;

	(void)state;
	assert_int_equal(scl_hex_byte("a5", &b), 0);
	assert_int_equal(b, 0xa5);
	assert_int_equal(scl_hex_byte("0F", &b), 0);
	assert_int_equal(b, 0x0f);
	b = 0x55;
	assert_int_equal(scl_hex_byte("g0", &b), -1);
	assert_int_equal(scl_hex_byte("0g", &b), -1);
	assert_int_equal(scl_hex_byte("0", &b), -1);	/* stops at the NUL */
	assert_int_equal(scl_hex_byte("", &b), -1);
	assert_int_equal(scl_hex_byte(":0", &b), -1);
	assert_int_equal(b, 0x55);
}

static void
test_decode(void **state)
{
	static const struct {
		const char *in;
		size_t cap;
		int r;
		size_t len;
		const char *out;
	} cases[] = {
		{ "", 4, 0, 0, "" },
		{ "00ff7Fa0", 4, 0, 4, "\x00\xff\x7f\xa0" },
		{ "0102", 2, 0, 2, "\x01\x02" },
		{ "010203", 2, SCL_ERR_BUFFER_TOO_SMALL, 0, NULL },
		{ "abc", 4, SCL_ERR_INVALID_ARGUMENT, 0, NULL },
		{ "zz", 4, SCL_ERR_INVALID_ARGUMENT, 0, NULL },
		{ "01:02", 4, SCL_ERR_INVALID_ARGUMENT, 0, NULL },
		{ "01 2", 4, SCL_ERR_INVALID_ARGUMENT, 0, NULL },
	};
	uint8_t out[4];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = 999;
		assert_int_equal(scl_hex_decode(cases[i].in,
		    strlen(cases[i].in), out, cases[i].cap, &n), cases[i].r);
		if (cases[i].r == 0) {
			assert_int_equal(n, cases[i].len);
			assert_memory_equal(out, cases[i].out, n);
		} else {
			assert_int_equal(n, 999);	/* untouched */
		}
	}
	/* only len characters are read: no NUL needed */
	assert_int_equal(scl_hex_decode("0a0bzz", 4, out, sizeof(out), &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\x0a\x0b", 2);
}

static void
test_encode(void **state)
{
	static const uint8_t b[] = { 0x3b, 0xf8, 0x00, 0xa1 };
	char out[16];

	(void)state;
	scl_hex_encode(b, sizeof(b), out, sizeof(out));
	assert_string_equal(out, "3bf800a1");
	scl_hex_encode(b, sizeof(b), out, 9);
	assert_string_equal(out, "3bf800a1");
	scl_hex_encode(b, sizeof(b), out, 8);	/* truncates whole bytes */
	assert_string_equal(out, "3bf800");
	scl_hex_encode(b, sizeof(b), out, 5);
	assert_string_equal(out, "3bf8");
	scl_hex_encode(b, sizeof(b), out, 1);
	assert_string_equal(out, "");
	scl_hex_encode(b, 0, out, sizeof(out));
	assert_string_equal(out, "");
	memset(out, 'x', sizeof(out));
	scl_hex_encode(b, sizeof(b), out, 0);	/* nothing written */
	assert_int_equal(out[0], 'x');
	scl_hex_encode(b, sizeof(b), NULL, 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digit),
		cmocka_unit_test(test_byte),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
