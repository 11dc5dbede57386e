/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"

struct sink {
	unsigned lines;
	char last[SCL_LOG_LINE_MAX + 16];
};

static void
capture(void *ctx, const char *msg)
{
	struct sink *s = ctx;

	s->lines++;
	snprintf(s->last, sizeof(s->last), "%s", msg);
}

static void
test_no_handler_is_noop(void **state)
{
	scl_log_set_handler(NULL, NULL);
	assert_false(scl_log_enabled());
	scl_debug("%s: nothing happens", __func__);
}

static void
test_handler_receives(void **state)
{
	struct sink s = { 0 };

	scl_log_set_handler(capture, &s);
	assert_true(scl_log_enabled());
	scl_debug("%s: n=%d", "fn", 42);
	assert_int_equal(s.lines, 1);
	assert_string_equal(s.last, "fn: n=42");
	scl_log_set_handler(NULL, NULL);
	scl_debug("dropped");
	assert_int_equal(s.lines, 1);
}

static void
test_long_line_cut(void **state)
{
	struct sink s = { 0 };
	char big[SCL_LOG_LINE_MAX * 2];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	scl_log_set_handler(capture, &s);
	scl_debug("%s", big);
	scl_log_set_handler(NULL, NULL);
	assert_int_equal(strlen(s.last), SCL_LOG_LINE_MAX - 1);
	assert_string_equal(s.last + SCL_LOG_LINE_MAX - 4, "...");
}

struct thr {
	struct sink s;
	int with_handler;
	pthread_barrier_t *bar;
};

static void *
thread_main(void *arg)
{
	struct thr *t = arg;

	if (t->with_handler)
		scl_log_set_handler(capture, &t->s);
	pthread_barrier_wait(t->bar);
	for (int i = 0; i < 100; i++)
		scl_debug("thread %s line %d", t->with_handler ? "A" : "B", i);
	pthread_barrier_wait(t->bar);
	scl_log_set_handler(NULL, NULL);
	return NULL;
}

static void
test_thread_local(void **state)
{
	pthread_barrier_t bar;
	struct thr a = { .with_handler = 1, .bar = &bar };
	struct thr b = { .with_handler = 0, .bar = &bar };
	struct sink mine = { 0 };
	pthread_t ta, tb;

	/* The main thread's sink must see neither thread. */
	scl_log_set_handler(capture, &mine);
	assert_int_equal(pthread_barrier_init(&bar, NULL, 2), 0);
	assert_int_equal(pthread_create(&ta, NULL, thread_main, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, thread_main, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&bar);
	scl_log_set_handler(NULL, NULL);
	assert_int_equal(a.s.lines, 100);
	assert_string_equal(a.s.last, "thread A line 99");
	assert_int_equal(b.s.lines, 0);
	assert_int_equal(mine.lines, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_handler_is_noop),
		cmocka_unit_test(test_handler_receives),
		cmocka_unit_test(test_long_line_cut),
		cmocka_unit_test(test_thread_local),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
