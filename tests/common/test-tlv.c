/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "fake-card.h"
#include "tlv.h"

struct tlv_case {
	const char *name;
	const char *hex;
	int r;
	uint32_t tag;
	size_t len;		/* value length */
	size_t consumed;	/* bytes the cursor advanced */
};

#define OK(n, h, t, l, c)	{ n, h, 0, t, l, c }
#define BAD(n, h, e)		{ n, h, e, 0, 0, 0 }

static const struct tlv_case next_cases[] = {
	OK("one-byte tag", "01 02 AA BB", 0x01, 2, 4),
	OK("empty value", "53 00", 0x53, 0, 2),
	OK("leaves the rest", "01 01 AA FF FF", 0x01, 1, 3),
	OK("two-byte tag 7F49", "7F 49 01 00", 0x7F49, 1, 4),
	OK("two-byte tag 5F2F", "5F 2F 00", 0x5F2F, 0, 3),
	OK("three-byte tag", "5F C1 02 01 AA", 0x5FC102, 1, 5),
	OK("long form 81", "53 81 02 AA BB", 0x53, 2, 5),
	OK("long form 81 short value", "53 81 00", 0x53, 0, 3),
	OK("long form 82", "53 82 00 01 AA", 0x53, 1, 5),
	OK("long form 83", "53 83 00 00 01 AA", 0x53, 1, 6),
	BAD("empty input", "", SCL_ERR_TRUNCATED),
	BAD("tag only", "53", SCL_ERR_TRUNCATED),
	BAD("multi-byte tag cut", "5F", SCL_ERR_TRUNCATED),
	BAD("three-byte tag cut", "5F C1", SCL_ERR_TRUNCATED),
	BAD("four-byte tag", "5F 81 81 01 00", SCL_ERR_BAD_TLV),
	BAD("long length cut", "53 81", SCL_ERR_TRUNCATED),
	BAD("82 length cut", "53 82 01", SCL_ERR_TRUNCATED),
	BAD("value cut", "53 03 AA BB", SCL_ERR_TRUNCATED),
	BAD("82 value cut", "53 82 01 00 AA", SCL_ERR_TRUNCATED),
	BAD("indefinite length", "53 80 AA 00 00", SCL_ERR_BAD_TLV),
	BAD("84 length", "53 84 00 00 00 01 AA", SCL_ERR_BAD_TLV),
	BAD("FF length", "53 FF", SCL_ERR_BAD_TLV),
	BAD("83 above SCL_OBJ_MAX", "53 83 01 00 01", SCL_ERR_TOO_LARGE),
	BAD("83 huge", "53 83 FF FF FF", SCL_ERR_TOO_LARGE),
	BAD("83 at max but cut", "53 83 01 00 00 AA", SCL_ERR_TRUNCATED),
};

static void
test_next_table(void **state)
{
	for (size_t i = 0; i < sizeof(next_cases) / sizeof(next_cases[0]);
	    i++) {
		const struct tlv_case *tc = &next_cases[i];
		struct scl_tlv t = { .tag = 0xdead, .value = NULL, .len = 77 };
		struct scl_cursor c;
		size_t n;
		uint8_t *buf = fake_card_hex(tc->hex, &n);
		int r;

		scl_cur_init(&c, buf, n);
		r = scl_tlv_next(&c, &t);
		if (r != tc->r)
			fail_msg("%s: r=%d (%s), want %d", tc->name, r,
			    scl_err_name(r), tc->r);
		if (r == 0) {
			assert_int_equal(t.tag, tc->tag);
			assert_int_equal(t.len, tc->len);
			assert_ptr_equal(t.value, buf + tc->consumed - tc->len);
			assert_int_equal(c.len, n - tc->consumed);
			assert_ptr_equal(c.p, buf + tc->consumed);
		} else {
			/* cursor and output untouched */
			assert_ptr_equal(c.p, buf);
			assert_int_equal(c.len, n);
			assert_int_equal(t.tag, 0xdead);
			assert_null(t.value);
			assert_int_equal(t.len, 77);
		}
		free(buf);
	}
}

static void
test_next_large(void **state)
{
	size_t n = 5 + SCL_OBJ_MAX;
	uint8_t *buf = calloc(1, n);
	struct scl_cursor c;
	struct scl_tlv t;

	assert_non_null(buf);
	memcpy(buf, "\x53\x83\x01\x00\x00", 5);
	scl_cur_init(&c, buf, n);
	assert_int_equal(scl_tlv_next(&c, &t), 0);
	assert_int_equal(t.len, SCL_OBJ_MAX);
	assert_int_equal(c.len, 0);

	memcpy(buf, "\x53\x82\xff\xff", 4);
	scl_cur_init(&c, buf, 4 + 0xffff);
	assert_int_equal(scl_tlv_next(&c, &t), 0);
	assert_int_equal(t.len, 0xffff);
	/* the same header over one byte less */
	scl_cur_init(&c, buf, 4 + 0xfffe);
	assert_int_equal(scl_tlv_next(&c, &t), SCL_ERR_TRUNCATED);
	free(buf);
}

struct find_case {
	const char *name;
	const char *hex;
	uint32_t tag;
	int r;
	const char *val;	/* expected value hex when r == 0 */
};

static const struct find_case find_cases[] = {
	{ "first", "01 01 AA 02 02 BB CC 03 00", 0x01, 0, "AA" },
	{ "middle", "01 01 AA 02 02 BB CC 03 00", 0x02, 0, "BB CC" },
	{ "last empty", "01 01 AA 02 02 BB CC 03 00", 0x03, 0, "" },
	{ "absent", "01 01 AA 02 02 BB CC 03 00", 0x04, SCL_ERR_NO_OBJECT,
	    NULL },
	{ "empty buffer", "", 0x01, SCL_ERR_NO_OBJECT, NULL },
	{ "no recursion", "70 03 71 01 00", 0x71, SCL_ERR_NO_OBJECT, NULL },
	{ "found before bad", "01 01 AA 02 05 BB", 0x01, 0, "AA" },
	{ "bad before found", "01 01 AA 02 05 BB", 0x02, SCL_ERR_TRUNCATED,
	    NULL },
	{ "bad length", "01 01 AA 02 80", 0x03, SCL_ERR_BAD_TLV, NULL },
	{ "multi-byte tag", "5F C1 05 01 11 5F C1 02 01 22", 0x5FC102, 0,
	    "22" },
	{ "duplicate takes first", "53 01 11 53 01 22", 0x53, 0, "11" },
};

static void
test_find_table(void **state)
{
	for (size_t i = 0; i < sizeof(find_cases) / sizeof(find_cases[0]);
	    i++) {
		const struct find_case *fc = &find_cases[i];
		const uint8_t *val = (const uint8_t *)"untouched";
		size_t n, vlen = 12345, want_len;
		uint8_t *buf = fake_card_hex(fc->hex, &n);
		int r = scl_tlv_find(buf, n, fc->tag, &val, &vlen);

		if (r != fc->r)
			fail_msg("%s: r=%d (%s), want %d", fc->name, r,
			    scl_err_name(r), fc->r);
		if (r == 0) {
			uint8_t *want = fake_card_hex(fc->val, &want_len);

			assert_int_equal(vlen, want_len);
			assert_memory_equal(val, want, want_len);
			assert_true(val >= buf && val + vlen <= buf + n);
			free(want);
		} else {
			assert_int_equal(vlen, 12345);
			assert_string_equal((const char *)val, "untouched");
		}
		free(buf);
	}
}

static const struct find_case expect_cases[] = {
	{ "exact", "53 02 AA BB", 0x53, 0, "AA BB" },
	{ "empty", "53 00", 0x53, 0, "" },
	{ "three-byte", "5F C1 05 01 AA", 0x5FC105, 0, "AA" },
	{ "other tag", "53 02 AA BB", 0x70, SCL_ERR_BAD_TLV, NULL },
	{ "trailing", "53 01 AA 00", 0x53, SCL_ERR_TRAILING_DATA, NULL },
	{ "two TLVs", "53 01 AA 53 01 BB", 0x53, SCL_ERR_TRAILING_DATA,
	    NULL },
	{ "truncated", "53 05 AA", 0x53, SCL_ERR_TRUNCATED, NULL },
	{ "empty input", "", 0x53, SCL_ERR_TRUNCATED, NULL },
};

static void
test_expect_table(void **state)
{
	for (size_t i = 0;
	    i < sizeof(expect_cases) / sizeof(expect_cases[0]); i++) {
		const struct find_case *ec = &expect_cases[i];
		const uint8_t *val = NULL;
		size_t n, vlen = 999, want_len;
		uint8_t *buf = fake_card_hex(ec->hex, &n);
		int r = scl_tlv_expect(buf, n, ec->tag, &val, &vlen);

		if (r != ec->r)
			fail_msg("%s: r=%d (%s), want %d", ec->name, r,
			    scl_err_name(r), ec->r);
		if (r == 0) {
			uint8_t *want = fake_card_hex(ec->val, &want_len);

			assert_int_equal(vlen, want_len);
			assert_memory_equal(val, want, want_len);
			free(want);
		} else {
			assert_null(val);
			assert_int_equal(vlen, 999);
		}
		free(buf);
	}
}

static void
test_put_roundtrip(void **state)
{
	static const uint32_t tags[] = { 0x01, 0x53, 0x7F49, 0x5FC102 };
	static const size_t lens[] = { 0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff,
	    0x10000 };
	size_t cap = 8 + 0x10000;
	uint8_t *out = malloc(cap), *val = malloc(0x10000);

	assert_non_null(out);
	assert_non_null(val);
	for (size_t i = 0; i < 0x10000; i++)
		val[i] = (uint8_t)(i * 7);
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			struct scl_wbuf w;
			struct scl_cursor c;
			struct scl_tlv t;
			size_t hs = scl_tlv_header_size(tags[i], lens[j]);

			scl_wbuf_init(&w, out, cap);
			scl_tlv_put(&w, tags[i], val, lens[j]);
			assert_int_equal(w.err, 0);
			assert_int_equal(w.len, hs + lens[j]);
			scl_cur_init(&c, out, w.len);
			assert_int_equal(scl_tlv_next(&c, &t), 0);
			assert_int_equal(t.tag, tags[i]);
			assert_int_equal(t.len, lens[j]);
			assert_memory_equal(t.value, val, lens[j]);
			assert_int_equal(c.len, 0);
		}
	}
	free(out);
	free(val);
}

static void
test_put_encoding(void **state)
{
	uint8_t out[16];
	struct scl_wbuf w;

	scl_wbuf_init(&w, out, sizeof(out));
	scl_tlv_put_header(&w, 0x5FC105, 0x1234);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, 6);
	assert_memory_equal(out, "\x5F\xC1\x05\x82\x12\x34", 6);
	assert_int_equal(scl_tlv_header_size(0x53, 0x80), 3);
	assert_int_equal(scl_tlv_header_size(0x53, 0x7f), 2);
	assert_int_equal(scl_tlv_header_size(0x7F49, 0x10000), 6);
	assert_int_equal(scl_tlv_header_size(0x53, 0x1000000), 0);
	assert_int_equal(scl_tlv_header_size(0x1000000, 1), 0);

	scl_wbuf_init(&w, out, sizeof(out));
	scl_tlv_put_header(&w, 0x53, 0x1000000);
	assert_int_equal(w.err, SCL_ERR_TOO_LARGE);
	assert_int_equal(w.len, 0);

	/* overflow is sticky; nothing past cap is written */
	memset(out, 0xEE, sizeof(out));
	scl_wbuf_init(&w, out, 4);
	scl_tlv_put(&w, 0x53, (const uint8_t *)"abcdef", 6);
	assert_int_equal(w.err, SCL_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(out[4], 0xEE);
	scl_tlv_put(&w, 0x01, NULL, 0);
	assert_int_equal(w.err, SCL_ERR_BUFFER_TOO_SMALL);
}

/*
 * Deterministic mutation: every single-bit flip, every byte set to 00, 7F,
 * 80, 81, 82, 83, 84 and FF, and every truncation of a known-good PIV
 * certificate object, walked recursively.  Nothing may crash, read out of
 * bounds (run under ASan) or loop; values must stay inside the input.
 */
static unsigned walked;

static void
walk(const uint8_t *p, size_t n, const uint8_t *lo, const uint8_t *hi,
    int depth)
{
	struct scl_cursor c;
	struct scl_tlv t;

	scl_cur_init(&c, p, n);
	while (c.len > 0 && scl_tlv_next(&c, &t) == 0) {
		walked++;
		assert_true(t.value >= lo && t.value + t.len <= hi);
		/* PIV wraps primitive-tagged containers (53): recurse always */
		if (depth < 6)
			walk(t.value, t.len, lo, hi, depth + 1);
	}
}

static void
check_one(const uint8_t *src, size_t n)
{
	/* a fresh allocation of exactly n bytes so ASan sees over-reads */
	uint8_t *b = malloc(n ? n : 1);
	const uint8_t *v;
	size_t vl;

	assert_non_null(b);
	memcpy(b, src, n);
	walk(b, n, b, b + n, 0);
	(void)scl_tlv_find(b, n, 0x70, &v, &vl);
	(void)scl_tlv_expect(b, n, 0x53, &v, &vl);
	free(b);
}

static void
test_mutations(void **state)
{
	/* 53 { 70 { 30 .. fake DER .. } 71 01 00 FE 00 } */
	static const char *good_hex =
	    "53 82 00 1C 70 81 0F 30 0D 30 0B 06 03 55 04 03 0C 04 74 65"
	    "73 74 71 01 00 5F C1 02 01 AA FE 00";
	static const uint8_t specials[] = { 0x00, 0x1f, 0x7f, 0x80, 0x81,
	    0x82, 0x83, 0x84, 0xff };
	size_t n;
	uint8_t *good = fake_card_hex(good_hex, &n), *m = malloc(n);

	assert_non_null(m);
	walked = 0;
	check_one(good, n);
	assert_true(walked >= 6);
	for (size_t i = 0; i < n * 8; i++) {
		memcpy(m, good, n);
		m[i / 8] ^= (uint8_t)(1u << (i % 8));
		check_one(m, n);
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof(specials); k++) {
			memcpy(m, good, n);
			m[i] = specials[k];
			check_one(m, n);
		}
	}
	for (size_t len = 0; len < n; len++)
		check_one(good, len);
	for (size_t off = 1; off < n; off++)
		check_one(good + off, n - off);
	free(m);
	free(good);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next_table),
		cmocka_unit_test(test_next_large),
		cmocka_unit_test(test_find_table),
		cmocka_unit_test(test_expect_table),
		cmocka_unit_test(test_put_roundtrip),
		cmocka_unit_test(test_put_encoding),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
