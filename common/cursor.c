/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <string.h>

#include "cursor.h"
#include "err.h"

void
scl_cur_init(struct scl_cursor *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = p != NULL ? len : 0;
}

int
scl_cur_get_u8(struct scl_cursor *c, uint8_t *ret_v)
{
	int r = SCL_ERR_TRUNCATED;

	if (c->len < 1)
		goto out;
	*ret_v = c->p[0];
	c->p++;
	c->len--;
	r = 0;
out:
	return r;
}

int
scl_cur_get_u16be(struct scl_cursor *c, uint16_t *ret_v)
{
	int r = SCL_ERR_TRUNCATED;

	if (c->len < 2)
		goto out;
	*ret_v = (uint16_t)((unsigned)c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->len -= 2;
	r = 0;
out:
	return r;
}

int
scl_cur_get_bytes(struct scl_cursor *c, size_t n, const uint8_t **ret_p)
{
	int r = SCL_ERR_TRUNCATED;

	if (n > c->len)
		goto out;
	*ret_p = c->p;
	c->p += n;
	c->len -= n;
	r = 0;
out:
	return r;
}

int
scl_cur_skip(struct scl_cursor *c, size_t n)
{
	const uint8_t *p;

	return scl_cur_get_bytes(c, n, &p);
}

int
scl_cur_peek_u8(const struct scl_cursor *c, uint8_t *ret_v)
{
	int r = SCL_ERR_TRUNCATED;

	if (c->len < 1)
		goto out;
	*ret_v = c->p[0];
	r = 0;
out:
	return r;
}

void
scl_wbuf_init(struct scl_wbuf *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = p != NULL ? cap : 0;
	w->len = 0;
	w->err = 0;
}

void
scl_wbuf_put_u8(struct scl_wbuf *w, uint8_t v)
{
	scl_wbuf_put_bytes(w, &v, 1);
}

void
scl_wbuf_put_bytes(struct scl_wbuf *w, const uint8_t *p, size_t n)
{
	if (w->err != 0 || n == 0)
		goto out;
	if (p == NULL || n > w->cap - w->len) {
		w->err = p == NULL ? SCL_ERR_INVALID_ARGUMENT :
		    SCL_ERR_BUFFER_TOO_SMALL;
		goto out;
	}
	memcpy(w->p + w->len, p, n);
	w->len += n;
out:
	return;
}
