/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <string.h>

#include "atr.h"
#include "cursor.h"
#include "err.h"

#define TD_MAX		8	/* 7816-3 §8.2.3: far more than any card */
#define CTLV_CAPS	0x7	/* 7816-4 §8.1.1.2.7 card capabilities */
#define CAPS_EXT_LC_LE	0x40	/* third software function table, b7 */

/*
 * ISO/IEC 7816-4 §8.1.1.2: compact-TLV objects, one byte tag (high
 * nibble) and length (low nibble) each, exactly filling p..p+n.
 */
static int
walk_ctlv(const uint8_t *p, size_t n, unsigned *ret_caps)
{
	struct scl_cursor c;
	const uint8_t *v;
	unsigned caps = 0;
	uint8_t b;
	int r = 0;

	scl_cur_init(&c, p, n);
	while (c.len > 0) {
		if ((r = scl_cur_get_u8(&c, &b)) != 0 ||
		    (r = scl_cur_get_bytes(&c, b & 0x0fu, &v)) != 0) {
			r = SCL_ERR_CARD_BAD_RESPONSE;
			goto out;
		}
		if ((b >> 4) == CTLV_CAPS && (b & 0x0fu) >= 3 &&
		    (v[2] & CAPS_EXT_LC_LE) != 0)
			caps |= SCL_ATR_CAP_EXTENDED;
	}
	*ret_caps = caps;
out:
	return r;
}

/* 7816-4 §8.1.1.1: the category indicator decides the format. */
static int
hist_caps(const uint8_t *h, size_t k, unsigned *ret_caps)
{
	unsigned caps = 0;
	int r = 0;

	if (k == 0)
		goto done;
	if (h[0] == 0x80)
		r = walk_ctlv(h + 1, k - 1, &caps);
	else if (h[0] == 0x00)
		r = k < 4 ? SCL_ERR_CARD_BAD_RESPONSE :
		    walk_ctlv(h + 1, k - 4, &caps);
	if (r != 0)
		goto out;
done:
	*ret_caps = caps;
out:
	return r;
}

int
scl_atr_parse(const uint8_t *atr, size_t len, struct scl_atr *ret_atr)
{
	struct scl_atr a;
	struct scl_cursor c;
	const uint8_t *hist;
	uint8_t ts, t0, y, td, b, tck = 0;
	unsigned tds = 0;
	int r = SCL_ERR_INVALID_ARGUMENT;

	if (atr == NULL || ret_atr == NULL)
		goto out;
	r = SCL_ERR_TRAILING_DATA;
	if (len > SCL_ATR_LEN_MAX)
		goto out;
	memset(&a, 0, sizeof(a));
	scl_cur_init(&c, atr, len);
	r = SCL_ERR_TRUNCATED;
	if (scl_cur_get_u8(&c, &ts) != 0 || scl_cur_get_u8(&c, &t0) != 0)
		goto out;
	r = SCL_ERR_CARD_BAD_RESPONSE;
	if (ts != 0x3B && ts != 0x3F)
		goto out;
	tck = t0;
	a.ts = ts;
	a.hist_len = t0 & 0x0fu;
	/* 7816-3 §8.2.2-8.2.3: Y(i) says which of TA TB TC TD follow. */
	for (y = (uint8_t)(t0 >> 4);;) {
		for (unsigned bit = 0x1; bit <= 0x4; bit <<= 1) {
			if ((y & bit) == 0)
				continue;
			if (scl_cur_get_u8(&c, &b) != 0) {
				r = SCL_ERR_TRUNCATED;
				goto out;
			}
			tck ^= b;
		}
		if ((y & 0x8) == 0)
			break;
		if (++tds > TD_MAX)
			goto out;
		if (scl_cur_get_u8(&c, &td) != 0) {
			r = SCL_ERR_TRUNCATED;
			goto out;
		}
		tck ^= td;
		a.protocols |= 1u << (td & 0x0fu);
		y = (uint8_t)(td >> 4);
	}
	if (a.protocols == 0)
		a.protocols = 1u;	/* no TD1: T=0 only */
	if (scl_cur_get_bytes(&c, a.hist_len, &hist) != 0) {
		r = SCL_ERR_TRUNCATED;
		goto out;
	}
	for (size_t i = 0; i < a.hist_len; i++)
		tck ^= hist[i];
	/* §8.2.5: TCK is there unless T=0 is the only protocol. */
	if (a.protocols != 1u) {
		if (scl_cur_get_u8(&c, &b) != 0) {
			r = SCL_ERR_TRUNCATED;
			goto out;
		}
		if ((tck ^ b) != 0)
			goto out;
	}
	if (c.len != 0) {
		r = SCL_ERR_TRAILING_DATA;
		goto out;
	}
	memcpy(a.hist, hist, a.hist_len);
	if ((r = hist_caps(a.hist, a.hist_len, &a.caps)) != 0)
		goto out;
	*ret_atr = a;
	r = 0;
out:
	return r;
}

unsigned
scl_atr_caps(const uint8_t *atr, size_t len)
{
	struct scl_atr a;

	if (scl_atr_parse(atr, len, &a) != 0)
		return 0;
	return a.caps;
}
