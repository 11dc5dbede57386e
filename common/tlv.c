/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include "err.h"
#include "tlv.h"

/* ISO/IEC 7816-4 §5.2.2.1: low five bits all set means "more tag bytes". */
static int
read_tag(struct scl_cursor *c, uint32_t *ret_tag)
{
	uint8_t b;
	uint32_t tag;
	int r;

	if ((r = scl_cur_get_u8(c, &b)) != 0)
		goto out;
	tag = b;
	if ((b & 0x1f) == 0x1f) {
		for (int i = 0; ; i++) {
			if (i == 2) {
				r = SCL_ERR_BAD_TLV;
				goto out;
			}
			if ((r = scl_cur_get_u8(c, &b)) != 0)
				goto out;
			tag = tag << 8 | b;
			if ((b & 0x80) == 0)
				break;
		}
	}
	*ret_tag = tag;
	r = 0;
out:
	return r;
}

/* ISO/IEC 7816-4 §5.2.2.2 (definite forms only). */
static int
read_len(struct scl_cursor *c, size_t *ret_len)
{
	uint8_t b, n;
	size_t len = 0;
	int r;

	if ((r = scl_cur_get_u8(c, &b)) != 0)
		goto out;
	if (b < 0x80) {
		len = b;
	} else {
		n = (uint8_t)(b & 0x7f);
		if (n == 0 || n > 3) {
			r = SCL_ERR_BAD_TLV;
			goto out;
		}
		for (uint8_t i = 0; i < n; i++) {
			if ((r = scl_cur_get_u8(c, &b)) != 0)
				goto out;
			len = len << 8 | b;
		}
		if (len > SCL_OBJ_MAX) {
			r = SCL_ERR_TOO_LARGE;
			goto out;
		}
	}
	*ret_len = len;
	r = 0;
out:
	return r;
}

int
scl_tlv_next(struct scl_cursor *c, struct scl_tlv *ret_tlv)
{
	struct scl_cursor tmp = *c;
	const uint8_t *val;
	uint32_t tag;
	size_t len;
	int r;

	if ((r = read_tag(&tmp, &tag)) != 0 ||
	    (r = read_len(&tmp, &len)) != 0 ||
	    (r = scl_cur_get_bytes(&tmp, len, &val)) != 0)
		goto out;
	ret_tlv->tag = tag;
	ret_tlv->value = val;
	ret_tlv->len = len;
	*c = tmp;
out:
	return r;
}

int
scl_tlv_find(const uint8_t *buf, size_t len, uint32_t tag,
    const uint8_t **ret_val, size_t *ret_len)
{
	struct scl_cursor c;
	struct scl_tlv t;
	int r = SCL_ERR_NO_OBJECT;

	scl_cur_init(&c, buf, len);
	while (c.len > 0) {
		if ((r = scl_tlv_next(&c, &t)) != 0)
			goto out;
		if (t.tag == tag) {
			*ret_val = t.value;
			*ret_len = t.len;
			r = 0;
			goto out;
		}
	}
	r = SCL_ERR_NO_OBJECT;
out:
	return r;
}

int
scl_tlv_expect(const uint8_t *buf, size_t len, uint32_t tag,
    const uint8_t **ret_val, size_t *ret_len)
{
	struct scl_cursor c;
	struct scl_tlv t;
	int r;

	scl_cur_init(&c, buf, len);
	if ((r = scl_tlv_next(&c, &t)) != 0)
		goto out;
	if (t.tag != tag) {
		r = SCL_ERR_BAD_TLV;
		goto out;
	}
	if (c.len != 0) {
		r = SCL_ERR_TRAILING_DATA;
		goto out;
	}
	*ret_val = t.value;
	*ret_len = t.len;
out:
	return r;
}

static size_t
tag_size(uint32_t tag)
{
	return tag > 0xffff ? 3 : tag > 0xff ? 2 : 1;
}

static size_t
len_size(size_t len)
{
	return len < 0x80 ? 1 : len <= 0xff ? 2 : len <= 0xffff ? 3 : 4;
}

size_t
scl_tlv_header_size(uint32_t tag, size_t len)
{
	size_t n = 0;

	if (tag <= 0xffffff && len <= 0xffffff)
		n = tag_size(tag) + len_size(len);
	return n;
}

void
scl_tlv_put_header(struct scl_wbuf *w, uint32_t tag, size_t len)
{
	uint8_t h[7];
	size_t n = 0, ts, ls;

	if (w->err != 0)
		goto out;
	if (tag > 0xffffff || len > 0xffffff) {
		w->err = SCL_ERR_TOO_LARGE;
		goto out;
	}
	ts = tag_size(tag);
	for (size_t i = ts; i > 0; i--)
		h[n++] = (uint8_t)(tag >> (8 * (i - 1)));
	ls = len_size(len);
	if (ls > 1)
		h[n++] = (uint8_t)(0x80 | (ls - 1));
	for (size_t i = ls > 1 ? ls - 1 : 1; i > 0; i--)
		h[n++] = (uint8_t)(len >> (8 * (i - 1)));
	scl_wbuf_put_bytes(w, h, n);
out:
	return;
}

void
scl_tlv_put(struct scl_wbuf *w, uint32_t tag, const uint8_t *val, size_t len)
{
	scl_tlv_put_header(w, tag, len);
	if (len > 0)
		scl_wbuf_put_bytes(w, val, len);
}
