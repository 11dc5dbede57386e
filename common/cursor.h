/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_CURSOR_H
#define SCL_CURSOR_H

#include <stddef.h>
#include <stdint.h>

/*
 * A bounded read cursor over untrusted bytes.  Every getter checks the
 * count against len BEFORE touching memory, and leaves the cursor
 * untouched on failure (SCL_ERR_TRUNCATED).
 */
struct scl_cursor {
	const uint8_t *p;
	size_t len;
};

void scl_cur_init(struct scl_cursor *c, const uint8_t *p, size_t len);
int scl_cur_get_u8(struct scl_cursor *c, uint8_t *ret_v);
int scl_cur_get_u16be(struct scl_cursor *c, uint16_t *ret_v);
/* ret_p points into the cursor's buffer (no copy). */
int scl_cur_get_bytes(struct scl_cursor *c, size_t n, const uint8_t **ret_p);
int scl_cur_skip(struct scl_cursor *c, size_t n);
int scl_cur_peek_u8(const struct scl_cursor *c, uint8_t *ret_v);

/*
 * A bounded write buffer.  Writers append; once a write would overflow cap,
 * err is set to SCL_ERR_BUFFER_TOO_SMALL and every later write is a no-op,
 * so a builder checks w.err once at the end.
 */
struct scl_wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	int err;
};

void scl_wbuf_init(struct scl_wbuf *w, uint8_t *p, size_t cap);
void scl_wbuf_put_u8(struct scl_wbuf *w, uint8_t v);
void scl_wbuf_put_bytes(struct scl_wbuf *w, const uint8_t *p, size_t n);

#endif
