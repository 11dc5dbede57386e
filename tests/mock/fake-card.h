/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_FAKE_CARD_H
#define SCL_FAKE_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

/*
 * A scripted fake card for cmocka tests: a struct scl_transport whose
 * transmit() walks a script of steps in order.  Each step names the exact
 * C-APDU it expects and the R-APDU (data + SW1 SW2) to answer with.  A
 * command that differs from the next step, or a command after the script
 * ran out, fails the running test (cmocka fail_msg) after printing both in
 * hex.  fake_card_assert_done() (also run by fake_card_free()) fails the
 * test when steps were left unconsumed.
 *
 * Hex strings accept upper/lower case and ignore spaces, ':' and '\n', so
 * scripts can be written as "00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00".
 *
 * Usage:
 *	struct fake_card *fc = fake_card_new(0);
 *	struct scl_transport *t = fake_card_transport(fc);
 *	fake_card_expect(fc, "00 CB 3F FF 05 5C 03 5F C1 02 00", "53 00 90 00");
 *	assert_int_equal(scl_piv_read_object(t, ...), ...);
 *	fake_card_free(&fc);		(checks the script was consumed)
 *
 * Not thread-safe; one fake card per test.  Out of memory fails the test.
 */
struct fake_card;

/*
 * A step computed at run time (e.g. sign a random challenge): fn receives
 * the command and fills resp (capacity *resp_len on entry, length on
 * return, including SW).  It returns 0 (step done), FAKE_CARD_MORE (step
 * answered, and the next command goes to fn again: for chained commands
 * and GET RESPONSE; at most FAKE_CARD_MORE_MAX times in a row, then the
 * test fails), or a negative transport error code (SCL_ERR_*) that
 * transmit() then returns (step done).  fn may fail the test itself.
 */
#define FAKE_CARD_MORE		1
#define FAKE_CARD_MORE_MAX	256

typedef int fake_card_fn(void *ctx, const uint8_t *cmd, size_t cmd_len,
    uint8_t *resp, size_t *resp_len);

/* flags: SCL_TRANSPORT_EXTENDED to let apdu.c use extended length. */
struct fake_card *fake_card_new(unsigned flags);

/* Checks the script was consumed (see above), then frees. NULL-safe. */
void fake_card_free(struct fake_card **fcp);

/* The transport to hand to apdu.c / piv.c / cert.c; owned by fc. */
struct scl_transport *fake_card_transport(struct fake_card *fc);

/* Expect cmd_hex exactly; answer resp_hex (must include the 2 SW bytes). */
void fake_card_expect(struct fake_card *fc, const char *cmd_hex,
    const char *resp_hex);

/* Same with raw bytes (resp may be any length, even < 2, for error tests). */
void fake_card_expect_bin(struct fake_card *fc, const uint8_t *cmd,
    size_t cmd_len, const uint8_t *resp, size_t resp_len);

/* Expect cmd_hex; transmit() then fails with err (e.g. SCL_ERR_CARD_REMOVED). */
void fake_card_expect_error(struct fake_card *fc, const char *cmd_hex,
    int err);

/* A step answered by fn (any command is passed to fn to check). */
void fake_card_expect_fn(struct fake_card *fc, fake_card_fn *fn, void *ctx);

/* Fail the test if script steps remain. */
void fake_card_assert_done(struct fake_card *fc);

/* Steps consumed so far / left. */
size_t fake_card_consumed(const struct fake_card *fc);
size_t fake_card_remaining(const struct fake_card *fc);

/*
 * Transactions: begin() returns begin_err (default 0) and counts; end()
 * counts calls and, separately, calls with reset != 0.
 */
void fake_card_set_begin_error(struct fake_card *fc, int err);
unsigned fake_card_begins(const struct fake_card *fc);
unsigned fake_card_ends(const struct fake_card *fc);
unsigned fake_card_resets(const struct fake_card *fc);

/*
 * Parse hex (spaces, ':' and newlines ignored) into a malloc'd buffer;
 * fails the test on a bad string.  For building expected bytes in tests.
 */
uint8_t *fake_card_hex(const char *hex, size_t *ret_len);

#endif
