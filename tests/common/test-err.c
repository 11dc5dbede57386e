/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
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

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_named),
		cmocka_unit_test(test_ok_and_unknown),
		cmocka_unit_test(test_ranges),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s path/to/common/err.h\n", argv[0]);
		return 1;
	}
	err_h_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
