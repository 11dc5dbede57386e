/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"

/*
 * Walks every SCL_ERR_* constant declared in err.h (the header is read at
 * run time, so a code added without a table entry fails here).
 */
static const char *err_h_path;

struct code {
	char name[64];
	int value;
};

static size_t
read_codes(struct code *codes, size_t cap)
{
	FILE *f = fopen(err_h_path, "r");
	char line[256];
	size_t n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char name[64];
		int v;

		if (sscanf(line, " SCL_ERR_%63[A-Z0-9_] = %d ,", name, &v) != 2)
			continue;
		assert_true(n < cap);
		snprintf(codes[n].name, sizeof(codes[n].name), "%s", name);
		codes[n].value = v;
		n++;
	}
	fclose(f);
	return n;
}

static void
test_every_code_named(void **state)
{
	struct code codes[128];
	size_t n = read_codes(codes, 128);

	assert_true(n >= 50);
	for (size_t i = 0; i < n; i++) {
		const char *msg = scl_strerror(codes[i].value);

		assert_true(codes[i].value < 0);
		assert_string_equal(scl_err_name(codes[i].value),
		    codes[i].name);
		assert_non_null(msg);
		assert_string_not_equal(msg, "unknown error");
		assert_true(strlen(msg) > 5);
		for (size_t j = 0; j < i; j++) {
			assert_int_not_equal(codes[i].value, codes[j].value);
			assert_string_not_equal(scl_strerror(codes[i].value),
			    scl_strerror(codes[j].value));
		}
	}
}

static void
test_ok_and_unknown(void **state)
{
	assert_string_equal(scl_err_name(0), "OK");
	assert_string_equal(scl_err_name(-9999), "UNKNOWN");
	assert_string_equal(scl_err_name(12), "UNKNOWN");
	assert_string_equal(scl_strerror(-9999), "unknown error");
	assert_non_null(scl_strerror(0));
}

static void
test_ranges(void **state)
{
	assert_true(SCL_ERR_NO_SERVICE <= -100 && SCL_ERR_NO_SERVICE > -200);
	assert_true(SCL_ERR_NO_APPLET <= -200 && SCL_ERR_NO_APPLET > -300);
	assert_true(SCL_ERR_TRUNCATED <= -300 && SCL_ERR_TRUNCATED > -400);
	assert_true(SCL_ERR_CERT_EXPIRED <= -400);
	assert_true(SCL_ERR_NO_MAPPING <= -500);
}

static void
test_card_lost(void **state)
{
	(void)state;
	assert_true(scl_err_card_lost(SCL_ERR_CARD_REMOVED));
	assert_true(scl_err_card_lost(SCL_ERR_READER_GONE));
	assert_true(scl_err_card_lost(SCL_ERR_CARD_NO_ANSWER));
	assert_true(scl_err_card_lost(SCL_ERR_NO_SERVICE));
	assert_false(scl_err_card_lost(0));
	assert_false(scl_err_card_lost(SCL_ERR_PIN_WRONG));
	assert_false(scl_err_card_lost(SCL_ERR_SW_UNEXPECTED));
	assert_false(scl_err_card_lost(SCL_ERR_PIN_TRIES_UNKNOWN));
}

static void
test_detail(void **state)
{
	char buf[16];

	scl_err_detail(buf, sizeof(buf), "%s:%d: %s", "f.conf", 12, "bad");
	assert_string_equal(buf, "f.conf:12: bad");
	/* Cut, always terminated. */
	scl_err_detail(buf, sizeof(buf), "%s", "0123456789abcdefghij");
	assert_string_equal(buf, "0123456789abcde");
	/* NULL-safe: an optional output is passed straight through. */
	scl_err_detail(NULL, 10, "%d", 1);
	buf[0] = 'x';
	scl_err_detail(buf, 0, "%d", 1);
	assert_int_equal(buf[0], 'x');
}

static void
test_errno(void **state)
{
	char buf[128];

	assert_string_equal(scl_err_errno(ENOENT, buf, sizeof(buf)),
	    "No such file or directory");
	assert_non_null(scl_err_errno(12345, buf, sizeof(buf)));
	assert_string_equal(scl_err_errno(ENOENT, NULL, 0), "unknown error");
}

static void
test_escape(void **state)
{
	char out[128], small[6];
	char longer[100];

	scl_err_escape(out, sizeof(out), "a'b\\c\n\x7f\xff", 9, 0);
	assert_string_equal(out, "a'b\\x5cc\\x0a\\x7f\\xff");
	scl_err_escape(out, sizeof(out), "a'b", 3, SCL_ESCAPE_QUOTE);
	assert_string_equal(out, "a\\x27b");
	/* len bounds the read; a NUL ends it earlier. */
	scl_err_escape(out, sizeof(out), "abcdef", 3, 0);
	assert_string_equal(out, "abc");
	scl_err_escape(out, sizeof(out), "ab\0cd", 5, 0);
	assert_string_equal(out, "ab");
	scl_err_escape(out, sizeof(out), NULL, 5, 0);
	assert_string_equal(out, "");
	/* An escape that does not fit whole is left out. */
	scl_err_escape(small, sizeof(small), "ab\ncd", 5, 0);
	assert_string_equal(small, "ab");
	scl_err_escape(small, 0, "ab", 2, 0);
	scl_err_escape(NULL, 10, "ab", 2, 0);
	/* SHORT: about 60 bytes, then "..." when input is left. */
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	scl_err_escape(out, sizeof(out), longer, strlen(longer),
	    SCL_ESCAPE_SHORT);
	assert_int_equal(strlen(out), 63);
	assert_string_equal(out + 60, "...");
	scl_err_escape(out, sizeof(out), longer, 60, SCL_ESCAPE_SHORT);
	assert_int_equal(strlen(out), 60);
	scl_err_escape(out, sizeof(out), longer, strlen(longer), 0);
	assert_int_equal(strlen(out), 99);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_named),
		cmocka_unit_test(test_ok_and_unknown),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_card_lost),
		cmocka_unit_test(test_detail),
		cmocka_unit_test(test_errno),
		cmocka_unit_test(test_escape),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s path/to/common/err.h\n", argv[0]);
		return 1;
	}
	err_h_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
