/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdint.h>
#include <time.h>

#include "deadline.h"

uint64_t
scl_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t
scl_deadline_in(uint64_t ms)
{
	uint64_t now = scl_mono_ms();

	if (ms == 0)
		return 0;
	return ms > UINT64_MAX - now ? UINT64_MAX : now + ms;
}

int
scl_deadline_clip(uint64_t due, int limit_ms)
{
	uint64_t now;

	if (limit_ms < 0)
		limit_ms = 0;
	if (due == 0)
		return limit_ms;
	now = scl_mono_ms();
	if (now >= due)
		return 0;
	return due - now < (uint64_t)limit_ms ? (int)(due - now) : limit_ms;
}

int
scl_deadline_passed(uint64_t due)
{
	return due != 0 && scl_mono_ms() >= due;
}
