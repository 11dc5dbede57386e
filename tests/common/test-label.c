/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/* #12: scl_label_display, the only form in which a card label is shown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "label.h"

static const struct {
	const char *in;
	const char *out;
} cases[] = {
	{ "Alice Example", "Alice Example" },
	{ "", SCL_LABEL_NONE },
	{ " \t\r\n ", SCL_LABEL_NONE },
	{ "\x1b\x7f\x01", SCL_LABEL_NONE },
	{ "  two\n\nlines\t here ", "two lines here" },
	{ "red\x1b[31m", "red[31m" },
	{ "say \"yes\" \\ no", "say 'yes' / no" },
	/* C1 controls (U+0085 NEL is a space, U+009B CSI dropped) */
	{ "a\xc2\x85" "b\xc2\x9b" "c", "a bc" },
	/* bidi overrides and isolates, marks, zero width */
	{ "alice\xe2\x80\xae" "nimda\xe2\x81\xa6x\xe2\x81\xa9", "alicenimdax" },
	{ "a\xe2\x80\x8b\xe2\x80\x8f\xd8\x9c\xef\xbb\xbf" "b", "ab" },
	/* U+2028 line separator, U+00A0 no-break space */
	{ "a\xe2\x80\xa8\xc2\xa0" "b", "a b" },
	/* invalid UTF-8: stray continuation, overlong, surrogate, truncated */
	{ "a\x80" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x82", "a?b??c???d??" },
	{ "Jürgen Müller – Karte", "Jürgen Müller – Karte" },
	/* 32 characters stay whole; 33 are cut to 29 and "..." */
	{ "0123456789abcdefghijklmnopqrstuv", "0123456789abcdefghijklmnopqrstuv" },
	{ "0123456789abcdefghijklmnopqrstuvw", "0123456789abcdefghijklmnopqrs..." },
	/* the cut counts characters, not bytes, and ends on a boundary */
	{ "ääääääääääääääääääääääääääääääääääää",
	  "äääääääääääääääääääääääääääää..." },
	{ "0123456789abcdefghijklmnopqr stuvwxyz",
	  "0123456789abcdefghijklmnopqr..." },
};

static size_t
chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void
test_cases(void **state)
{
	char out[SCL_LABEL_DISPLAY_SIZE], again[SCL_LABEL_DISPLAY_SIZE];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		scl_label_display(out, sizeof(out), cases[i].in,
		    strlen(cases[i].in));
		assert_string_equal(out, cases[i].out);
		assert_true(chars(out) <= SCL_LABEL_DISPLAY_MAX);
		/* the display form is its own display form */
		scl_label_display(again, sizeof(again), out, strlen(out));
		assert_string_equal(again, out);
	}
}

static void
test_return_and_bounds(void **state)
{
	char out[SCL_LABEL_DISPLAY_SIZE], small[8];

	(void)state;
	assert_int_equal(scl_label_display(out, sizeof(out), NULL, 10), 0);
	assert_string_equal(out, SCL_LABEL_NONE);
	assert_int_equal(scl_label_display(out, sizeof(out), "ab\0cd", 5), 2);
	assert_string_equal(out, "ab");
	/* len stops the read before any NUL */
	assert_int_equal(scl_label_display(out, sizeof(out), "abcdef", 3), 3);
	assert_string_equal(out, "abc");
	/* a small buffer: cut on a character boundary, with "..." */
	assert_int_equal(scl_label_display(small, sizeof(small), "äbcdefgh",
	    9), 3);
	assert_string_equal(small, "äbc...");
	assert_int_equal(scl_label_display(small, 0, "x", 1), 0);
	/* 4-byte characters at the full bound fit the buffer */
	scl_label_display(out, sizeof(out), "\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80",
	    128);
	assert_int_equal(strlen(out), 128);
	assert_int_equal(chars(out), 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_return_and_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
