/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "secret.h"

static int
is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static void
test_pin_set_valid(void **state)
{
	static const char *good[] = { "1", "123456", "12345678", "abc DEF~",
	    " !\"#$%&'" };
	struct scl_pin pin;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&pin, 0xAA, sizeof(pin));
		assert_int_equal(scl_pin_set(&pin, good[i]), 0);
		assert_int_equal(pin.len, strlen(good[i]));
		assert_memory_equal(pin.v, good[i], pin.len);
		/* bytes after the PIN are zero, never stale */
		assert_true(is_zero(pin.v + pin.len, SCL_PIN_MAX - pin.len));
	}
}

static void
test_pin_set_invalid(void **state)
{
	static const char *bad[] = { "", "123456789", "12345\n", "1234\x7f",
	    "12\xc3\xa9", "\t12345", "123456789012345678901234567890" };
	struct scl_pin pin;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(scl_pin_set(&pin, "999999"), 0);
		assert_int_equal(scl_pin_set(&pin, bad[i]),
		    SCL_ERR_PIN_FORMAT);
		assert_true(is_zero(&pin, sizeof(pin)));
	}
	assert_int_equal(scl_pin_set(&pin, "999999"), 0);
	assert_int_equal(scl_pin_set(&pin, NULL), SCL_ERR_PIN_FORMAT);
	assert_true(is_zero(&pin, sizeof(pin)));
	assert_int_equal(scl_pin_set(NULL, "123456"),
	    SCL_ERR_INVALID_ARGUMENT);
}

static void
test_pin_set_reads_bounded(void **state)
{
	/* An unterminated buffer longer than a PIN must not be over-read:
	 * the check stops at SCL_PIN_MAX + 1 bytes (ASan would catch). */
	char *s = malloc(SCL_PIN_MAX + 1);
	struct scl_pin pin;

	assert_non_null(s);
	memset(s, '1', SCL_PIN_MAX + 1);
	assert_int_equal(scl_pin_set(&pin, s), SCL_ERR_PIN_FORMAT);
	free(s);
}

static void
test_pin_clear(void **state)
{
	struct scl_pin pin;

	assert_int_equal(scl_pin_set(&pin, "12345678"), 0);
	scl_pin_clear(&pin);
	assert_true(is_zero(&pin, sizeof(pin)));
	scl_pin_clear(NULL);
}

static void
test_free_helpers(void **state)
{
	char *s = strdup("secret-reply");
	uint8_t *p = malloc(32);

	assert_non_null(s);
	assert_non_null(p);
	memset(p, 0x5A, 32);
	scl_wipe_str(s);
	scl_freezero(p, 32);
	scl_wipe_str(NULL);
	scl_freezero(NULL, 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_set_valid),
		cmocka_unit_test(test_pin_set_invalid),
		cmocka_unit_test(test_pin_set_reads_bounded),
		cmocka_unit_test(test_pin_clear),
		cmocka_unit_test(test_free_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
