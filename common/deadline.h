/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_DEADLINE_H
#define SCL_DEADLINE_H

#include <stdint.h>

/*
 * One clock for every bound of sclogin: CLOCK_MONOTONIC in milliseconds
 * (never jumps with the wall clock).  A deadline is an absolute value of
 * this clock; 0 means "no deadline".  Pure and thread-safe.
 */
uint64_t scl_mono_ms(void);

/* scl_mono_ms() + ms, saturating; ms 0 gives 0 (no deadline). */
uint64_t scl_deadline_in(uint64_t ms);

/*
 * The bound of one call that must end by due: limit_ms, cut to the time
 * left before due (due 0: limit_ms unchanged).  0 when due has passed;
 * never negative (a negative limit_ms counts as 0).
 */
int scl_deadline_clip(uint64_t due, int limit_ms);

/* Whether due (not 0) has passed. */
int scl_deadline_passed(uint64_t due);

#endif
