/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The fake card must fail a test on a wrong command, on a command past the
 * script, and on unconsumed steps.  Each scenario runs in a child cmocka
 * group whose exit status (number of failed tests) is checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "apdu.h"
#include "err.h"
#include "fake-card.h"

static void
send_select(struct fake_card *fc, uint16_t *sw)
{
	static const uint8_t aid[] = { 0xA0, 0x00, 0x00, 0x03, 0x08 };
	struct scl_apdu a = { 0x00, 0xA4, 0x04, 0x00, aid, 5, 256 };
	uint8_t resp[64];
	size_t len;

	(void)scl_apdu_transmit(fake_card_transport(fc), &a, resp,
	    sizeof(resp), &len, sw);
}

static void
scenario_ok(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	uint16_t sw = 0;

	fake_card_expect(fc, "00A4040005A000000308 00", "9000");
	send_select(fc, &sw);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(fake_card_consumed(fc), 1);
	assert_int_equal(fake_card_remaining(fc), 0);
	fake_card_free(&fc);
}

static void
scenario_mismatch(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	uint16_t sw = 0;

	fake_card_expect(fc, "00A4040005A000000309 00", "9000");
	send_select(fc, &sw);
	fake_card_free(&fc);
}

static void
scenario_exhausted(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	uint16_t sw = 0;

	send_select(fc, &sw);
	fake_card_free(&fc);
}

static void
scenario_leftover(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	uint16_t sw = 0;

	fake_card_expect(fc, "00A4040005A000000308 00", "9000");
	fake_card_expect(fc, "00CB3FFF 03 5C017E 00", "9000");
	send_select(fc, &sw);
	fake_card_free(&fc);
}

static void
scenario_leftover_assert(void **state)
{
	struct fake_card *fc = fake_card_new(0);

	fake_card_expect(fc, "00A4040005A000000308 00", "9000");
	fake_card_assert_done(fc);
}

static int
run_child(const struct CMUnitTest *t)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		const struct CMUnitTest one[] = { *t };

		/* silence the expected failure output */
		if (freopen("/dev/null", "w", stdout) == NULL ||
		    freopen("/dev/null", "w", stderr) == NULL)
			_exit(99);
		_exit(_cmocka_run_group_tests(t->name, one, 1, NULL, NULL));
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
test_scenarios(void **state)
{
	const struct CMUnitTest ok = cmocka_unit_test(scenario_ok);
	const struct CMUnitTest bad[] = {
		cmocka_unit_test(scenario_mismatch),
		cmocka_unit_test(scenario_exhausted),
		cmocka_unit_test(scenario_leftover),
		cmocka_unit_test(scenario_leftover_assert),
	};

	assert_int_equal(run_child(&ok), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (run_child(&bad[i]) != 1)
			fail_msg("%s: the fake card did not fail the test",
			    bad[i].name);
	}
}

static void
test_transactions(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);

	assert_int_equal(t->ops->begin(t->h), 0);
	assert_int_equal(t->ops->end(t->h, 0), 0);
	fake_card_set_begin_error(fc, SCL_ERR_SHARING);
	assert_int_equal(t->ops->begin(t->h), SCL_ERR_SHARING);
	assert_int_equal(t->ops->end(t->h, 1), 0);
	assert_int_equal(fake_card_begins(fc), 2);
	assert_int_equal(fake_card_ends(fc), 2);
	assert_int_equal(fake_card_resets(fc), 1);
	fake_card_free(&fc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_transactions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
