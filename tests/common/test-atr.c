/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "atr.h"
#include "err.h"
#include "fake-card.h"

/* #14: the ATR says whether the card takes extended-length APDUs. */
struct atr_case {
	const char *name;
	const char *hex;
	int r;
	unsigned caps;
	unsigned protocols;
	size_t hist_len;
};

#define OK(n, h, c, p, k)	{ n, h, 0, c, p, k }
#define BAD(n, h, e)		{ n, h, e, 0, 0, 0 }
#define EXT SCL_ATR_CAP_EXTENDED

static const struct atr_case cases[] = {
	OK("YubiKey 5 PIV", "3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 "
	    "75 62 69 4B 65 79 40", EXT, 0x2, 13),
	OK("PIV card, T=0, no caps object", "3B 7D 96 00 00 80 31 80 65 B0 83 "
	    "11 17 D6 83 00 90 00", 0, 0x1, 13),
	OK("category 00 with status indicator", "3B DB 96 00 80 B1 FE 45 1F 83 "
	    "00 31 C0 64 C7 FC 10 00 01 90 00 74", 0, 0x8003, 11),
	OK("YubiKey NEO, proprietary history", "3B FC 13 00 00 81 31 FE 15 59 "
	    "75 62 69 6B 65 79 4E 45 4F 72 33 E1", 0, 0x2, 12),
	OK("old sclogin-vcard", "3B 8B 80 01 73 63 6C 6F 67 69 6E 2D 50 49 56 "
	    "1B", 0, 0x3, 11),
	OK("sclogin-vcard", "3B 8D 80 01 80 73 C0 21 C0 57 73 63 6C 6F 67 69 "
	    "6E FA", EXT, 0x3, 13),
	OK("sclogin-vcard short-only", "3B 8D 80 01 80 73 C0 21 80 57 73 63 "
	    "6C 6F 67 69 6E BA", 0, 0x3, 13),
	OK("caps in category 00", "3B 08 00 73 00 00 40 01 90 00", EXT, 0x1, 8),
	OK("status indicator is not an object", "3B 04 00 01 90 00", 0, 0x1,
	    4),
	OK("caps object of two bytes", "3B 04 80 72 C0 21", 0, 0x1, 4),
	OK("caps without b7", "3B 05 80 73 FF FF BF", 0, 0x1, 5),
	OK("no historical bytes", "3B 00", 0, 0x1, 0),
	OK("inverse convention", "3F 00", 0, 0x1, 0),
	OK("empty compact-TLV", "3B 01 80", 0, 0x1, 1),
	OK("zero-length objects", "3B 03 80 00 10", 0, 0x1, 3),
	BAD("empty", "", SCL_ERR_TRUNCATED),
	BAD("TS only", "3B", SCL_ERR_TRUNCATED),
	BAD("bad TS", "3A 00", SCL_ERR_CARD_BAD_RESPONSE),
	BAD("interface bytes cut", "3B F0 13 00", SCL_ERR_TRUNCATED),
	BAD("TD chain cut", "3B 80 80", SCL_ERR_TRUNCATED),
	BAD("historical bytes cut", "3B 05 80 73 C0 21", SCL_ERR_TRUNCATED),
	BAD("TCK missing", "3B 81 01 80", SCL_ERR_TRUNCATED),
	BAD("TCK wrong", "3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 "
	    "62 69 4B 65 79 41", SCL_ERR_CARD_BAD_RESPONSE),
	BAD("trailing byte", "3B 00 00", SCL_ERR_TRAILING_DATA),
	BAD("T=0 only with a TCK", "3B 7D 96 00 00 80 31 80 65 B0 83 11 17 D6 "
	    "83 00 90 00 00", SCL_ERR_TRAILING_DATA),
	BAD("object past the end", "3B 03 80 73 C0", SCL_ERR_CARD_BAD_RESPONSE),
	BAD("caps object past the end", "3B 04 80 73 00 00",
	    SCL_ERR_CARD_BAD_RESPONSE),
	BAD("category 00 too short", "3B 03 00 90 00",
	    SCL_ERR_CARD_BAD_RESPONSE),
	BAD("nine TDs", "3B 80 81 81 81 81 81 81 81 81 01 00",
	    SCL_ERR_CARD_BAD_RESPONSE),
	BAD("longer than 33 bytes", "3B 0F 80 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
	    SCL_ERR_TRAILING_DATA),
};

static void
test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct atr_case *tc = &cases[i];
		struct scl_atr a;
		size_t n;
		uint8_t *buf = fake_card_hex(tc->hex, &n);
		int r;

		memset(&a, 0xA5, sizeof(a));
		r = scl_atr_parse(buf, n, &a);
		if (r != tc->r)
			fail_msg("%s: r=%d (%s), want %d", tc->name, r,
			    scl_err_name(r), tc->r);
		if (r == 0) {
			if (a.caps != tc->caps || a.protocols != tc->protocols ||
			    a.hist_len != tc->hist_len)
				fail_msg("%s: caps %x protocols %x hist %zu",
				    tc->name, a.caps, a.protocols, a.hist_len);
			assert_int_equal(a.ts, buf[0]);
		} else {
			for (size_t k = 0; k < sizeof(a); k++)
				assert_int_equal(((uint8_t *)&a)[k], 0xA5);
		}
		assert_int_equal(scl_atr_caps(buf, n), tc->caps);
		free(buf);
	}
}

static void
test_null(void **state)
{
	struct scl_atr a;
	const uint8_t atr[] = { 0x3B, 0x00 };

	(void)state;
	assert_int_equal(scl_atr_parse(NULL, 2, &a),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_atr_parse(atr, sizeof(atr), NULL),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_atr_caps(NULL, 5), 0);
}

/* Every truncation and every bit flip of the YubiKey ATR: no crash. */
static void
test_mutations(void **state)
{
	size_t n;
	uint8_t *buf = fake_card_hex(cases[0].hex, &n);
	struct scl_atr a;

	(void)state;
	for (size_t len = 0; len < n; len++)
		assert_int_not_equal(scl_atr_parse(buf, len, &a), 0);
	for (size_t i = 0; i < n; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1u << bit);
			/* one flipped bit breaks TS or the TCK; TS 3F is
			 * the other (valid) convention */
			if (buf[0] != 0x3F)
				assert_int_equal(scl_atr_caps(buf, n), 0);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(scl_atr_caps(buf, n), SCL_ATR_CAP_EXTENDED);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
