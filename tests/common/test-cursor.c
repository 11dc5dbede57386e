/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cursor.h"
#include "err.h"

static void
test_getters(void **state)
{
	static const uint8_t buf[] = { 0x01, 0x02, 0x03, 0x04, 0x05 };
	struct scl_cursor c;
	const uint8_t *p;
	uint16_t v16;
	uint8_t v8;

	scl_cur_init(&c, buf, sizeof(buf));
	assert_int_equal(scl_cur_peek_u8(&c, &v8), 0);
	assert_int_equal(v8, 0x01);
	assert_int_equal(c.len, 5);
	assert_int_equal(scl_cur_get_u8(&c, &v8), 0);
	assert_int_equal(v8, 0x01);
	assert_int_equal(scl_cur_get_u16be(&c, &v16), 0);
	assert_int_equal(v16, 0x0203);
	assert_int_equal(scl_cur_get_bytes(&c, 1, &p), 0);
	assert_ptr_equal(p, buf + 3);
	assert_int_equal(scl_cur_skip(&c, 1), 0);
	assert_int_equal(c.len, 0);
	assert_ptr_equal(c.p, buf + 5);
	assert_int_equal(scl_cur_get_bytes(&c, 0, &p), 0);
}

static void
test_untouched_on_failure(void **state)
{
	static const uint8_t buf[] = { 0xAA };
	struct scl_cursor c;
	const uint8_t *p = (const uint8_t *)"x";
	uint16_t v16 = 0x1234;
	uint8_t v8 = 0x55;

	scl_cur_init(&c, buf, sizeof(buf));
	assert_int_equal(scl_cur_get_u16be(&c, &v16), SCL_ERR_TRUNCATED);
	assert_int_equal(v16, 0x1234);
	assert_int_equal(scl_cur_get_bytes(&c, 2, &p), SCL_ERR_TRUNCATED);
	assert_string_equal((const char *)p, "x");
	assert_int_equal(scl_cur_get_bytes(&c, SIZE_MAX, &p),
	    SCL_ERR_TRUNCATED);
	assert_int_equal(scl_cur_skip(&c, 2), SCL_ERR_TRUNCATED);
	assert_int_equal(scl_cur_skip(&c, SIZE_MAX), SCL_ERR_TRUNCATED);
	assert_ptr_equal(c.p, buf);
	assert_int_equal(c.len, 1);
	assert_int_equal(scl_cur_get_u8(&c, &v8), 0);
	assert_int_equal(scl_cur_get_u8(&c, &v8), SCL_ERR_TRUNCATED);
	assert_int_equal(scl_cur_peek_u8(&c, &v8), SCL_ERR_TRUNCATED);
	assert_int_equal(v8, 0xAA);
}

static void
test_null_buffer(void **state)
{
	struct scl_cursor c;
	uint8_t v8;

	scl_cur_init(&c, NULL, 10);
	assert_int_equal(c.len, 0);
	assert_int_equal(scl_cur_get_u8(&c, &v8), SCL_ERR_TRUNCATED);
}

static void
test_wbuf(void **state)
{
	uint8_t out[4];
	struct scl_wbuf w;
	static const uint8_t two[] = { 0xB1, 0xB2 };

	memset(out, 0xEE, sizeof(out));
	scl_wbuf_init(&w, out, 3);
	scl_wbuf_put_u8(&w, 0xA1);
	scl_wbuf_put_bytes(&w, two, 2);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, 3);
	scl_wbuf_put_u8(&w, 0xC1);
	assert_int_equal(w.err, SCL_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(w.len, 3);
	assert_int_equal(out[3], 0xEE);
	/* sticky: a write that would fit after the error is still refused */
	scl_wbuf_put_bytes(&w, two, 0);
	assert_int_equal(w.err, SCL_ERR_BUFFER_TOO_SMALL);
	assert_memory_equal(out, "\xA1\xB1\xB2\xEE", 4);

	scl_wbuf_init(&w, out, sizeof(out));
	scl_wbuf_put_bytes(&w, two, SIZE_MAX);
	assert_int_equal(w.err, SCL_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(w.len, 0);

	scl_wbuf_init(&w, NULL, 100);
	scl_wbuf_put_u8(&w, 1);
	assert_int_equal(w.err, SCL_ERR_BUFFER_TOO_SMALL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_untouched_on_failure),
		cmocka_unit_test(test_null_buffer),
		cmocka_unit_test(test_wbuf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
