/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_TLV_H
#define SCL_TLV_H

#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

/*
 * BER-TLV as used by ISO 7816-4 and PIV (SP 800-73-4 Pt 2 §3.3 / Annex):
 *  - tags of 1..3 bytes (5Fxx, 7Fxx, 5FC1xx), packed big-endian into tag;
 *  - lengths <0x80, 0x81 xx, 0x82 xxxx, 0x83 xxxxxx (bounded by SCL_OBJ_MAX);
 *    indefinite length (0x80) and 0x84+ are rejected (SCL_ERR_BAD_TLV);
 *  - a value longer than the bytes remaining is SCL_ERR_TRUNCATED.
 * value points into the input buffer; nothing is copied.
 */
#define SCL_OBJ_MAX (64u * 1024u)	/* largest PIV object we accept */

struct scl_tlv {
	uint32_t tag;
	const uint8_t *value;
	size_t len;
};

/*
 * Read one TLV at the cursor and advance past it.  Untrusted input.
 * Returns 0, SCL_ERR_TRUNCATED, SCL_ERR_BAD_TLV or SCL_ERR_TOO_LARGE;
 * cursor and *ret_tlv untouched on failure.
 */
int scl_tlv_next(struct scl_cursor *c, struct scl_tlv *ret_tlv);

/*
 * Find the first TLV with this tag among the top-level TLVs of buf (no
 * recursion; *ret_val points into buf).  Returns 0, SCL_ERR_NO_OBJECT if absent, or a parse error if
 * the walk hits malformed data before finding it.
 */
int scl_tlv_find(const uint8_t *buf, size_t len, uint32_t tag,
    const uint8_t **ret_val, size_t *ret_len);

/*
 * Read exactly one TLV of the expected tag that spans all of buf.
 * Returns SCL_ERR_BAD_TLV on another tag, SCL_ERR_TRAILING_DATA on excess.
 */
int scl_tlv_expect(const uint8_t *buf, size_t len, uint32_t tag,
    const uint8_t **ret_val, size_t *ret_len);

/*
 * Append tag + length header / a whole TLV to w, using the shortest length
 * form.  Sets w->err to SCL_ERR_BUFFER_TOO_SMALL on overflow, or to
 * SCL_ERR_TOO_LARGE for a tag or length above 0xFFFFFF (nothing written).
 */
void scl_tlv_put_header(struct scl_wbuf *w, uint32_t tag, size_t len);
void scl_tlv_put(struct scl_wbuf *w, uint32_t tag, const uint8_t *val,
    size_t len);

/* Encoded size of a tag+length header; 0 if tag or len exceed 0xFFFFFF. */
size_t scl_tlv_header_size(uint32_t tag, size_t len);

#endif
