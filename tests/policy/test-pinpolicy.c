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
#include "pinpolicy.h"

struct pin_case {
	const char *policy;	/* scl_pin_policy_parse input */
	const char *pin;
	const char *reason;	/* NULL: accepted */
};

static const struct pin_case cases[] = {
	{ "", "123456", NULL },
	{ "", "12345678", NULL },
	{ "", "12345", "The PIN must have at least 6 characters." },
	{ "", "123456789", "The PIN must have at most 8 characters." },
	{ "", "", "The PIN must have at least 6 characters." },
	{ "", "abc DEF!", NULL },
	{ "", "12345\t6", "The PIN may only contain letters, digits and "
	    "punctuation." },
	{ "", "1234567\xff", "The PIN may only contain letters, digits and "
	    "punctuation." },
	{ "min=4", "1234", NULL },
	{ "min=1,max=1", "1", NULL },
	{ "min=1,max=1", "12", "The PIN must have at most 1 character." },
	{ "max=127", "12345678", NULL },
	{ "max=127", "123456789", "The PIN must have at most 8 characters." },
	{ "min=8", "1234567", "The PIN must have at least 8 characters." },
	{ "digit=required", "abcdef", "The PIN must contain a digit." },
	{ "digit=required", "abcde1", NULL },
	{ "digit=disallowed", "abcde1", "The PIN must not contain digits." },
	{ "upper=required", "abcdef", "The PIN must contain an upper-case "
	    "letter." },
	{ "upper=disallowed", "abcdeF", "The PIN must not contain upper-case "
	    "letters." },
	{ "lower=required", "ABCDEF", "The PIN must contain a lower-case "
	    "letter." },
	{ "lower=disallowed", "ABCDEf", "The PIN must not contain lower-case "
	    "letters." },
	{ "special=required", "abc123", "The PIN must contain a special "
	    "character." },
	{ "special=required", "abc 123", NULL },
	{ "special=disallowed", "abc-123", "The PIN must not contain special "
	    "characters." },
	/* disallowed is reported before required */
	{ "digit=disallowed,upper=required", "abc123", "The PIN must not "
	    "contain digits." },
	{ "upper=required,lower=required,digit=required,special=required",
	    "aB3$xyz", NULL },
};

static void
test_check(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct scl_pin_policy p;
		const char *why = (const char *)0x1;
		int r;

		assert_int_equal(scl_pin_policy_parse(cases[i].policy, &p), 0);
		r = scl_pin_policy_check(&p, (const uint8_t *)cases[i].pin,
		    strlen(cases[i].pin), &why);
		if (cases[i].reason == NULL) {
			if (r != 0)
				fail_msg("case %zu: refused: %s", i, why);
			assert_ptr_equal(why, (const char *)0x1);
		} else {
			if (r != SCL_ERR_PIN_POLICY)
				fail_msg("case %zu: accepted", i);
			assert_string_equal(why, cases[i].reason);
		}
	}
	assert_int_equal(scl_pin_policy_check(NULL, (const uint8_t *)"1", 1,
	    NULL), SCL_ERR_INVALID_ARGUMENT);
}

/* The length check of an entered PIN (sign-in, current PIN of a change). */
static void
test_check_length(void **state)
{
	struct scl_pin_policy p;
	const char *why = NULL;

	scl_pin_policy_default(&p);
	assert_int_equal(scl_pin_policy_check_length(&p, 6, &why), 0);
	assert_int_equal(scl_pin_policy_check_length(&p, 8, &why), 0);
	assert_null(why);
	assert_int_equal(scl_pin_policy_check_length(&p, 5, &why),
	    SCL_ERR_PIN_FORMAT);
	assert_string_equal(why, "The PIN must have at least 6 characters.");
	assert_int_equal(scl_pin_policy_check_length(&p, 0, NULL),
	    SCL_ERR_PIN_FORMAT);
	assert_int_equal(scl_pin_policy_check_length(&p, 9, &why),
	    SCL_ERR_PIN_FORMAT);
	assert_string_equal(why, "The PIN must have at most 8 characters.");
	/* clamped to PIV's 8 like a new PIN */
	p.min_len = 4;
	p.max_len = 127;
	assert_int_equal(scl_pin_policy_check_length(&p, 4, NULL), 0);
	assert_int_equal(scl_pin_policy_check_length(&p, 9, NULL),
	    SCL_ERR_PIN_FORMAT);
	assert_int_equal(scl_pin_policy_check_length(NULL, 6, NULL),
	    SCL_ERR_INVALID_ARGUMENT);
}

static void
test_parse_format(void **state)
{
	static const char *const bad[] = {
		"min", "min=", "min=0", "min=9", "max=0", "max=128", "min=x",
		"upper=yes", "colour=red", "min=6,", ",min=6", "min=6,,max=8",
		"min=8,max=6", "min=0006", "upper=allowedxxxxxxxxxxxx",
	};
	struct scl_pin_policy p, q;
	char buf[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0x5a, sizeof(p));
		if (scl_pin_policy_parse(bad[i], &p) != SCL_ERR_CONFIG)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(p.min_len, 0x5a5a5a5a);
	}
	assert_int_equal(scl_pin_policy_parse("min=4,max=8,upper=required,"
	    "lower=disallowed,digit=allowed,special=required", &p), 0);
	scl_pin_policy_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "min=4,max=8,upper=required,"
	    "lower=disallowed,digit=allowed,special=required");
	assert_int_equal(scl_pin_policy_parse(buf, &q), 0);
	assert_memory_equal(&p, &q, sizeof(p));
	scl_pin_policy_default(&p);
	scl_pin_policy_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "min=6,max=8,upper=allowed,lower=allowed,"
	    "digit=allowed,special=allowed");
	scl_pin_policy_format(&p, buf, 5);
	assert_string_equal(buf, "min=");
	scl_pin_policy_format(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void
test_class_rule(void **state)
{
	enum scl_class_rule r;

	(void)state;
	assert_int_equal(scl_class_rule_parse("required", &r), 0);
	assert_int_equal(r, SCL_CLASS_REQUIRED);
	assert_int_equal(scl_class_rule_parse("disallowed", &r), 0);
	assert_int_equal(r, SCL_CLASS_DISALLOWED);
	assert_int_equal(scl_class_rule_parse("Allowed", &r), SCL_ERR_CONFIG);
	assert_int_equal(scl_class_rule_parse(NULL, &r),
	    SCL_ERR_INVALID_ARGUMENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_length),
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_class_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
