/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * BER-TLV parser: walk every TLV recursively, and look up / expect the
 * tag named by the first bytes.  Values must stay inside the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(const uint8_t *p, size_t n, const uint8_t *lo, const uint8_t *hi,
    int depth)
{
	struct scl_cursor c;
	struct scl_tlv t;

	scl_cur_init(&c, p, n);
	while (c.len > 0 && scl_tlv_next(&c, &t) == 0) {
		if (t.value < lo || t.value + t.len > hi)
			abort();
		if (depth < 8)
			walk(t.value, t.len, lo, hi, depth + 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *v;
	size_t vl;
	uint32_t tag;

	walk(data, size, data, data + size, 0);
	if (size < 3)
		return 0;
	tag = (uint32_t)data[0] << 16 | (uint32_t)data[1] << 8 | data[2];
	tag &= data[0] & 0x80 ? 0xffffff : data[0] & 0x40 ? 0xffff : 0xff;
	if (scl_tlv_find(data + 3, size - 3, tag, &v, &vl) == 0 &&
	    (v < data + 3 || v + vl > data + size))
		abort();
	if (scl_tlv_expect(data + 3, size - 3, tag, &v, &vl) == 0 &&
	    (v < data + 3 || v + vl > data + size))
		abort();
	return 0;
}
