/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scl-config.h"

#include "apdu.h"
#include "err.h"
#include "fake-card.h"
#include "log.h"

static uint8_t resp[70000];

static int
xmit(struct fake_card *fc, const struct scl_apdu *a, size_t cap,
    size_t *len, uint16_t *sw)
{
	return scl_apdu_transmit(fake_card_transport(fc), a, resp, cap, len,
	    sw);
}

/* The card's half of a short exchange: answer cmd with rsp (hex). */
struct step {
	const char *cmd, *rsp;
};

/*
 * Send a (receive capacity cap) to a fresh fake card that must see the
 * steps in order (up to one with cmd NULL) and nothing else.
 */
static int
xmit_script(const struct step *steps, const struct scl_apdu *a, size_t cap,
    size_t *len, uint16_t *sw)
{
	struct fake_card *fc = fake_card_new(0);
	int r;

	for (; steps->cmd != NULL; steps++)
		fake_card_expect(fc, steps->cmd, steps->rsp);
	r = xmit(fc, a, cap, len, sw);
	fake_card_free(&fc);
	return r;
}

static void
test_case1_and_case3(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	static const uint8_t d[] = { 0xAA, 0xBB, 0xCC };
	struct scl_apdu a1 = { 0x00, 0x20, 0x00, 0x80, NULL, 0, 0 };
	struct scl_apdu a3 = { 0x00, 0xDB, 0x3F, 0xFF, d, 3, 0 };
	size_t len;
	uint16_t sw;

	fake_card_expect(fc, "00 20 00 80", "63 C3");
	fake_card_expect(fc, "00 DB 3F FF 03 AA BB CC", "90 00");
	assert_int_equal(xmit(fc, &a1, 0, &len, &sw), 0);
	assert_int_equal(sw, 0x63C3);
	assert_int_equal(len, 0);
	assert_int_equal(xmit(fc, &a3, sizeof(resp), &len, &sw), 0);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(len, 0);
	assert_int_equal(fake_card_transport(fc)->apdu_count, 2);
	fake_card_free(&fc);
}

static void
test_case2_and_case4(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	static const uint8_t aid[] = { 0xA0, 0x00, 0x00, 0x03, 0x08 };
	struct scl_apdu a2 = { 0x00, 0xCB, 0x3F, 0xFF, NULL, 0, 256 };
	struct scl_apdu a2b = { 0x00, 0xCB, 0x3F, 0xFF, NULL, 0, 16 };
	struct scl_apdu a4 = { 0x00, 0xA4, 0x04, 0x00, aid, 5, 256 };
	size_t len;
	uint16_t sw;

	fake_card_expect(fc, "00 CB 3F FF 00", "01 02 90 00");
	fake_card_expect(fc, "00 CB 3F FF 10", "90 00");
	fake_card_expect(fc, "00 A4 04 00 05 A0 00 00 03 08 00",
	    "61 11 4F 06 00 00 10 00 01 00 90 00");
	assert_int_equal(xmit(fc, &a2, sizeof(resp), &len, &sw), 0);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(len, 2);
	assert_memory_equal(resp, "\x01\x02", 2);
	assert_int_equal(xmit(fc, &a2b, sizeof(resp), &len, &sw), 0);
	assert_int_equal(xmit(fc, &a4, sizeof(resp), &len, &sw), 0);
	assert_int_equal(len, 10);
	assert_int_equal(sw, 0x9000);
	fake_card_free(&fc);
}

static void
test_extended(void **state)
{
	struct fake_card *fc = fake_card_new(SCL_TRANSPORT_EXTENDED);
	uint8_t data[300], *cmd = malloc(4 + 3 + 300 + 2), *big;
	struct scl_apdu a3 = { 0x00, 0xDB, 0x3F, 0xFF, data, 300, 0 };
	struct scl_apdu a4 = { 0x00, 0xDB, 0x3F, 0xFF, data, 300, 65536 };
	struct scl_apdu a2 = { 0x00, 0xCB, 0x3F, 0xFF, NULL, 0, 1000 };
	struct scl_apdu shrt = { 0x00, 0xCB, 0x3F, 0xFF, NULL, 0, 256 };
	size_t len;
	uint16_t sw;

	assert_non_null(cmd);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	memcpy(cmd, "\x00\xDB\x3F\xFF\x00\x01\x2C", 7);
	memcpy(cmd + 7, data, 300);
	cmd[307] = 0x00;	/* case 4E: Le 00 00 = 65536 */
	cmd[308] = 0x00;
	fake_card_expect_bin(fc, cmd, 307, (const uint8_t *)"\x90\x00", 2);
	fake_card_expect_bin(fc, cmd, 309, (const uint8_t *)"\x90\x00", 2);
	/* case 2E: 00 03 E8, a 1000-byte answer in one response */
	big = calloc(1, 1002);
	assert_non_null(big);
	memset(big, 0x5A, 1000);
	big[1000] = 0x90;
	fake_card_expect_bin(fc, (const uint8_t *)"\x00\xCB\x3F\xFF\x00\x03\xE8",
	    7, big, 1002);
	/* small commands stay short even on an extended-capable card */
	fake_card_expect(fc, "00 CB 3F FF 00", "90 00");
	assert_int_equal(xmit(fc, &a3, sizeof(resp), &len, &sw), 0);
	assert_int_equal(xmit(fc, &a4, sizeof(resp), &len, &sw), 0);
	assert_int_equal(xmit(fc, &a2, sizeof(resp), &len, &sw), 0);
	assert_int_equal(len, 1000);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(resp[999], 0x5A);
	assert_int_equal(xmit(fc, &shrt, sizeof(resp), &len, &sw), 0);
	fake_card_free(&fc);
	free(big);
	free(cmd);
}

static void
test_le_above_short_without_extended(void **state)
{
	static const struct step s[] = { { "00 CB 3F FF 00", "AA 61 02" },
	    { "00 C0 00 00 02", "BB CC 90 00" }, { NULL, NULL } };
	struct scl_apdu a = { 0x00, 0xCB, 0x3F, 0xFF, NULL, 0, 65536 };
	size_t len;
	uint16_t sw;

	assert_int_equal(xmit_script(s, &a, sizeof(resp), &len, &sw), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(resp, "\xAA\xBB\xCC", 3);
}

static void
test_chaining(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	uint8_t data[600], cmd[4 + 1 + 255 + 1];
	struct scl_apdu a = { 0x00, 0xDB, 0x3F, 0xFF, data, 600, 256 };
	size_t len;
	uint16_t sw;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 3);
	memcpy(cmd, "\x10\xDB\x3F\xFF\xFF", 5);
	memcpy(cmd + 5, data, 255);
	fake_card_expect_bin(fc, cmd, 260, (const uint8_t *)"\x90\x00", 2);
	memcpy(cmd + 5, data + 255, 255);
	fake_card_expect_bin(fc, cmd, 260, (const uint8_t *)"\x90\x00", 2);
	memcpy(cmd, "\x00\xDB\x3F\xFF\x5A", 5);
	memcpy(cmd + 5, data + 510, 90);
	cmd[95] = 0x00;
	fake_card_expect_bin(fc, cmd, 96, (const uint8_t *)"\x01\x90\x00", 3);
	assert_int_equal(xmit(fc, &a, sizeof(resp), &len, &sw), 0);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(len, 1);
	assert_int_equal(fake_card_transport(fc)->apdu_count, 3);
	fake_card_free(&fc);

	/* a refused piece ends the chain with its status word */
	fc = fake_card_new(0);
	memcpy(cmd, "\x10\xDB\x3F\xFF\xFF", 5);
	memcpy(cmd + 5, data, 255);
	fake_card_expect_bin(fc, cmd, 260, (const uint8_t *)"\x68\x84", 2);
	assert_int_equal(xmit(fc, &a, sizeof(resp), &len, &sw), 0);
	assert_int_equal(sw, 0x6884);
	assert_int_equal(len, 0);
	fake_card_free(&fc);

	/* exactly 255 bytes: one short APDU, no chaining */
	fc = fake_card_new(0);
	memcpy(cmd, "\x00\xDB\x3F\xFF\xFF", 5);
	memcpy(cmd + 5, data, 255);
	fake_card_expect_bin(fc, cmd, 260, (const uint8_t *)"\x90\x00", 2);
	a.data_len = 255;
	a.le = 0;
	assert_int_equal(xmit(fc, &a, sizeof(resp), &len, &sw), 0);
	fake_card_free(&fc);
}

static void
test_get_response(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_apdu a = { 0x00, 0xCB, 0x3F, 0xFF, NULL, 0, 256 };
	uint8_t r1[258];
	size_t len;
	uint16_t sw;

	memset(r1, 0x11, 256);
	r1[256] = 0x61;
	r1[257] = 0x00;		/* 61 00: 256 or more bytes remain */
	fake_card_expect_bin(fc, (const uint8_t *)"\x00\xCB\x3F\xFF\x00", 5,
	    r1, 258);
	fake_card_expect(fc, "00 C0 00 00 00", "22 22 22 61 02");
	fake_card_expect(fc, "00 C0 00 00 02", "33 33 90 00");
	assert_int_equal(xmit(fc, &a, sizeof(resp), &len, &sw), 0);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(len, 256 + 3 + 2);
	assert_int_equal(resp[255], 0x11);
	assert_memory_equal(resp + 256, "\x22\x22\x22\x33\x33", 5);
	fake_card_free(&fc);
}

static void
test_get_response_bounded(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_apdu a = { 0x00, 0xCB, 0x3F, 0xFF, NULL, 0, 256 };
	size_t len = 4242;
	uint16_t sw = 0x4242;

	/* a card that always has "one more byte" */
	fake_card_expect(fc, "00 CB 3F FF 00", "AA 61 01");
	for (int i = 0; i < SCL_APDU_MAX_GET_RESPONSE; i++)
		fake_card_expect(fc, "00 C0 00 00 01", "AA 61 01");
	assert_int_equal(xmit(fc, &a, sizeof(resp), &len, &sw),
	    SCL_ERR_CARD_BAD_RESPONSE);
	assert_int_equal(len, 4242);
	assert_int_equal(sw, 0x4242);
	assert_int_equal(fake_card_transport(fc)->apdu_count,
	    1 + SCL_APDU_MAX_GET_RESPONSE);
	fake_card_free(&fc);
}

static void
test_total_cap(void **state)
{
	static const struct step five[] = {
	    { "00 CB 3F FF 00", "01 02 03 61 02" },
	    { "00 C0 00 00 02", "04 05 90 00" }, { NULL, NULL } };
	struct fake_card *fc;
	struct scl_apdu a = { 0x00, 0xCB, 0x3F, 0xFF, NULL, 0, 256 };
	size_t len = 7;
	uint16_t sw = 7;

	assert_int_equal(xmit_script(five, &a, 4, &len, &sw),
	    SCL_ERR_TOO_LARGE);
	assert_int_equal(len, 7);
	assert_int_equal(sw, 7);

	/* exactly the capacity is fine */
	assert_int_equal(xmit_script(five, &a, 5, &len, &sw), 0);
	assert_int_equal(len, 5);

	/* data for a caller that expects none */
	fc = fake_card_new(0);
	fake_card_expect(fc, "00 20 00 80", "01 90 00");
	a.ins = 0x20;
	a.p1 = 0x00;
	a.p2 = 0x80;
	a.le = 0;
	assert_int_equal(scl_apdu_transmit(fake_card_transport(fc), &a, NULL,
	    0, &len, &sw), SCL_ERR_TOO_LARGE);
	fake_card_free(&fc);
}

static void
test_6cxx_retry_once(void **state)
{
	static const struct step retry[] = { { "00 CB 3F FF 00", "6C 03" },
	    { "00 CB 3F FF 03", "AA BB CC 90 00" }, { NULL, NULL } };
	/* only once: a second 6Cxx is the final status word */
	static const struct step twice[] = { { "00 CB 3F FF 00", "6C 03" },
	    { "00 CB 3F FF 03", "6C 05" }, { NULL, NULL } };
	/* 6C00 means Le = 256; for a case-4 command the data is resent */
	static const struct step le256[] = {
	    { "00 CB 3F FF 03 5C 01 7E 10", "6C 00" },
	    { "00 CB 3F FF 03 5C 01 7E 00", "7E 00 90 00" }, { NULL, NULL } };
	/* 6Cxx in answer to GET RESPONSE is retried on GET RESPONSE */
	static const struct step getresp[] = {
	    { "00 CB 3F FF 00", "AA 61 05" }, { "00 C0 00 00 05", "6C 02" },
	    { "00 C0 00 00 02", "BB CC 90 00" }, { NULL, NULL } };
	struct scl_apdu a = { 0x00, 0xCB, 0x3F, 0xFF, NULL, 0, 256 };
	struct scl_apdu a4 = { 0x00, 0xCB, 0x3F, 0xFF,
	    (const uint8_t *)"\x5C\x01\x7E", 3, 16 };
	size_t len;
	uint16_t sw;

	assert_int_equal(xmit_script(retry, &a, sizeof(resp), &len, &sw), 0);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(len, 3);

	assert_int_equal(xmit_script(twice, &a, sizeof(resp), &len, &sw), 0);
	assert_int_equal(sw, 0x6C05);
	assert_int_equal(len, 0);

	assert_int_equal(xmit_script(le256, &a4, sizeof(resp), &len, &sw), 0);
	assert_int_equal(len, 2);

	assert_int_equal(xmit_script(getresp, &a, sizeof(resp), &len, &sw), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(resp, "\xAA\xBB\xCC", 3);
}

static void
test_bad_responses(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_apdu a = { 0x00, 0xCB, 0x3F, 0xFF, NULL, 0, 256 };
	size_t len = 1;
	uint16_t sw = 1;

	fake_card_expect(fc, "00 CB 3F FF 00", "90");
	fake_card_expect(fc, "00 CB 3F FF 00", "");
	fake_card_expect_error(fc, "00 CB 3F FF 00", SCL_ERR_CARD_REMOVED);
	fake_card_expect(fc, "00 CB 3F FF 00", "61 04");
	fake_card_expect_error(fc, "00 C0 00 00 04", SCL_ERR_TIMEOUT);
	assert_int_equal(xmit(fc, &a, sizeof(resp), &len, &sw),
	    SCL_ERR_CARD_BAD_RESPONSE);
	assert_int_equal(xmit(fc, &a, sizeof(resp), &len, &sw),
	    SCL_ERR_CARD_BAD_RESPONSE);
	assert_int_equal(xmit(fc, &a, sizeof(resp), &len, &sw),
	    SCL_ERR_CARD_REMOVED);
	assert_int_equal(xmit(fc, &a, sizeof(resp), &len, &sw),
	    SCL_ERR_TIMEOUT);
	assert_int_equal(len, 1);
	assert_int_equal(sw, 1);
	fake_card_free(&fc);
}

static void
test_invalid_arguments(void **state)
{
	struct fake_card *fc = fake_card_new(SCL_TRANSPORT_EXTENDED);
	struct scl_transport *t = fake_card_transport(fc);
	struct scl_apdu a = { 0x00, 0xDB, 0x3F, 0xFF, resp, 65536, 0 };
	struct scl_apdu b = { 0x00, 0xCB, 0x3F, 0xFF, NULL, 0, 65537 };
	struct scl_apdu c = { 0x00, 0xDB, 0x3F, 0xFF, NULL, 4, 0 };
	size_t len;
	uint16_t sw;

	assert_int_equal(scl_apdu_transmit(t, &a, resp, sizeof(resp), &len,
	    &sw), SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_apdu_transmit(t, &b, resp, sizeof(resp), &len,
	    &sw), SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_apdu_transmit(t, &c, resp, sizeof(resp), &len,
	    &sw), SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_apdu_transmit(t, &b, NULL, 10, &len, &sw),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_apdu_transmit(NULL, &b, resp, 1, &len, &sw),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(t->apdu_count, 0);
	fake_card_free(&fc);
}

struct sw_case {
	uint16_t sw;
	int r;
	int tries;	/* -2: not written */
	const char *name;
};

static const struct sw_case sw_cases[] = {
	{ 0x9000, 0, -2, "SUCCESS" },
	{ 0x63C3, SCL_ERR_PIN_WRONG, 3, "WRONG_PIN" },
	{ 0x63C1, SCL_ERR_PIN_WRONG, 1, "WRONG_PIN" },
	{ 0x63CF, SCL_ERR_PIN_WRONG, 15, "WRONG_PIN" },
	{ 0x63C0, SCL_ERR_PIN_BLOCKED, 0, "WRONG_PIN" },
	{ 0x6300, SCL_ERR_PIN_WRONG, -2, "VERIFICATION_FAILED" },
	{ 0x6983, SCL_ERR_PIN_BLOCKED, 0, "AUTH_METHOD_BLOCKED" },
	{ 0x6982, SCL_ERR_SECURITY_STATUS, -2,
	    "SECURITY_STATUS_NOT_SATISFIED" },
	{ 0x6A82, SCL_ERR_NO_OBJECT, -2, "FILE_NOT_FOUND" },
	{ 0x6700, SCL_ERR_WRONG_LENGTH, -2, "WRONG_LENGTH" },
	{ 0x6985, SCL_ERR_CONDITIONS, -2, "CONDITIONS_NOT_SATISFIED" },
	{ 0x6A80, SCL_ERR_INCORRECT_DATA, -2, "INCORRECT_DATA" },
	{ 0x6A86, SCL_ERR_SW_UNEXPECTED, -2, "INCORRECT_P1P2" },
	{ 0x6D00, SCL_ERR_SW_UNEXPECTED, -2, "INS_NOT_SUPPORTED" },
	{ 0x6112, SCL_ERR_SW_UNEXPECTED, -2, "MORE_DATA" },
	{ 0x6C10, SCL_ERR_SW_UNEXPECTED, -2, "WRONG_LE" },
	{ 0x1234, SCL_ERR_SW_UNEXPECTED, -2, "UNKNOWN" },
	{ 0x0000, SCL_ERR_SW_UNEXPECTED, -2, "UNKNOWN" },
};

static void
test_sw_table(void **state)
{
	for (size_t i = 0; i < sizeof(sw_cases) / sizeof(sw_cases[0]); i++) {
		int tries = -2;

		assert_int_equal(scl_apdu_sw_to_err(sw_cases[i].sw, &tries),
		    sw_cases[i].r);
		assert_int_equal(tries, sw_cases[i].tries);
		assert_int_equal(scl_apdu_sw_to_err(sw_cases[i].sw, NULL),
		    sw_cases[i].r);
		assert_string_equal(scl_apdu_sw_name(sw_cases[i].sw),
		    sw_cases[i].name);
	}
}

/* Trace capture */
struct sink {
	char text[8192];
	size_t len;
	unsigned lines;
};

static void
capture(void *ctx, const char *msg)
{
	struct sink *s = ctx;
	int n = snprintf(s->text + s->len, sizeof(s->text) - s->len, "%s\n",
	    msg);

	s->lines++;
	if (n > 0 && (size_t)n < sizeof(s->text) - s->len)
		s->len += (size_t)n;
}

static void
test_trace_redacts_secrets(void **state)
{
	static const uint8_t ins[] = { 0x20, 0x24, 0x2C };
	static const uint8_t pin[] = { '1', '2', '3', '4', '5', '6', 0xFF,
	    0xFF };
	uint8_t two[16];
	struct sink s;
	size_t len;
	uint16_t sw;

	memcpy(two, pin, 8);
	memcpy(two + 8, "98765432", 8);
	for (size_t i = 0; i < sizeof(ins); i++) {
		struct fake_card *fc = fake_card_new(0);
		struct scl_apdu a = { 0x00, ins[i], 0x00, 0x80,
		    i == 0 ? pin : two, i == 0 ? 8 : 16, 0 };
		uint8_t cmd[5 + 16];

		memcpy(cmd, "\x00\x00\x00\x80", 4);
		cmd[1] = ins[i];
		cmd[4] = (uint8_t)a.data_len;
		memcpy(cmd + 5, a.data, a.data_len);
		fake_card_expect_bin(fc, cmd, 5 + a.data_len,
		    (const uint8_t *)"\x63\xC2", 2);
		fake_card_transport(fc)->trace = 1;
		memset(&s, 0, sizeof(s));
		scl_log_set_handler(capture, &s);
		assert_int_equal(xmit(fc, &a, 0, &len, &sw), 0);
		scl_log_set_handler(NULL, NULL);
		assert_int_equal(sw, 0x63C2);
#if SCL_APDU_TRACE
		char want[64];

		snprintf(want, sizeof(want), "<redacted %zu bytes>",
		    a.data_len);
		assert_non_null(strstr(s.text, want));
		assert_int_equal(s.lines, 2);
		assert_null(strstr(s.text, "313233"));
		assert_null(strstr(s.text, "3938"));
		assert_null(strstr(s.text, "123456"));
		assert_non_null(strstr(s.text, "63C2"));
#else
		assert_int_equal(s.lines, 0);
#endif
		fake_card_free(&fc);
	}
}

static void
test_trace_chained_secret(void **state)
{
	/* a long CHANGE REFERENCE DATA split by chaining stays redacted */
	uint8_t data[300], cmd[260];
	struct fake_card *fc = fake_card_new(0);
	struct scl_apdu a = { 0x00, 0x24, 0x00, 0x80, data, 300, 0 };
	struct sink s = { 0 };
	size_t len;
	uint16_t sw;

	memset(data, 0x37, sizeof(data));
	memcpy(cmd, "\x10\x24\x00\x80\xFF", 5);
	memcpy(cmd + 5, data, 255);
	fake_card_expect_bin(fc, cmd, 260, (const uint8_t *)"\x90\x00", 2);
	memcpy(cmd, "\x00\x24\x00\x80\x2D", 5);
	fake_card_expect_bin(fc, cmd, 50, (const uint8_t *)"\x90\x00", 2);
	fake_card_transport(fc)->trace = 1;
	scl_log_set_handler(capture, &s);
	assert_int_equal(xmit(fc, &a, 0, &len, &sw), 0);
	scl_log_set_handler(NULL, NULL);
#if SCL_APDU_TRACE
	assert_non_null(strstr(s.text, "<redacted 255 bytes>"));
	assert_non_null(strstr(s.text, "<redacted 45 bytes>"));
#endif
	assert_null(strstr(s.text, "3737"));
	fake_card_free(&fc);
}

static void
test_trace_plain_and_off(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	static const uint8_t aid[] = { 0xA0, 0x00, 0x00, 0x03, 0x08 };
	struct scl_apdu a = { 0x00, 0xA4, 0x04, 0x00, aid, 5, 256 };
	struct sink s = { 0 };
	size_t len;
	uint16_t sw;

	fake_card_expect(fc, "00 A4 04 00 05 A0 00 00 03 08 00", "90 00");
	fake_card_expect(fc, "00 A4 04 00 05 A0 00 00 03 08 00", "90 00");
	scl_log_set_handler(capture, &s);
	fake_card_transport(fc)->trace = 1;
	assert_int_equal(xmit(fc, &a, sizeof(resp), &len, &sw), 0);
#if SCL_APDU_TRACE
	assert_non_null(strstr(s.text, "00A4040005A00000030800"));
	assert_non_null(strstr(s.text, "9000"));
	assert_int_equal(s.lines, 2);
#else
	assert_int_equal(s.lines, 0);
#endif
	/* t->trace off: nothing */
	memset(&s, 0, sizeof(s));
	fake_card_transport(fc)->trace = 0;
	assert_int_equal(xmit(fc, &a, sizeof(resp), &len, &sw), 0);
	scl_log_set_handler(NULL, NULL);
	assert_int_equal(s.lines, 0);
	fake_card_free(&fc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_case1_and_case3),
		cmocka_unit_test(test_case2_and_case4),
		cmocka_unit_test(test_extended),
		cmocka_unit_test(test_le_above_short_without_extended),
		cmocka_unit_test(test_chaining),
		cmocka_unit_test(test_get_response),
		cmocka_unit_test(test_get_response_bounded),
		cmocka_unit_test(test_total_cap),
		cmocka_unit_test(test_6cxx_retry_once),
		cmocka_unit_test(test_bad_responses),
		cmocka_unit_test(test_invalid_arguments),
		cmocka_unit_test(test_sw_table),
		cmocka_unit_test(test_trace_redacts_secrets),
		cmocka_unit_test(test_trace_chained_secret),
		cmocka_unit_test(test_trace_plain_and_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
