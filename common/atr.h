/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_ATR_H
#define SCL_ATR_H

#include <stddef.h>
#include <stdint.h>

/*
 * Answer-to-Reset parser (ISO/IEC 7816-3 §8.2, historical bytes ISO/IEC
 * 7816-4 §8.1.1).  Pure and bounded: no allocation, no logging, reads at
 * most len bytes.  Untrusted input: the ATR as the reader reported it.
 * Thread-safe.
 */
#define SCL_ATR_LEN_MAX 33	/* TS + 32 (7816-3 §8.2.1) */
#define SCL_ATR_HIST_MAX 15

/* Card capabilities read from the historical bytes (flag bits). */
#define SCL_ATR_CAP_EXTENDED 0x1	/* extended Lc and Le fields
					   (compact-TLV tag 7, third
					   software-function byte, b7) */

struct scl_atr {
	uint8_t ts;			/* 3B direct, 3F inverse convention */
	unsigned protocols;		/* bit n: T=n offered (T=0 when no
					   TDi says otherwise) */
	uint8_t hist[SCL_ATR_HIST_MAX];	/* historical bytes T1..TK */
	size_t hist_len;		/* K of T0 */
	unsigned caps;			/* SCL_ATR_CAP_* */
};

/*
 * Parse atr (len bytes): TS, T0, the interface bytes TAi/TBi/TCi/TDi as
 * the Y nibbles announce them (at most 8 TDi), K historical bytes and TCK
 * (present when a protocol other than T=0 is offered; the XOR of T0..TCK
 * must be 0).  Nothing may follow.  Historical bytes with category
 * indicator 00 (compact-TLV objects, then a 3-byte status indicator) or
 * 80 (compact-TLV objects only) are walked; any other category is kept
 * but yields no capability.  Returns 0 with *ret_atr filled, or, with
 * *ret_atr untouched: SCL_ERR_INVALID_ARGUMENT (NULL), SCL_ERR_TRUNCATED
 * (shorter than announced), SCL_ERR_TRAILING_DATA (bytes after TCK or
 * past SCL_ATR_LEN_MAX), SCL_ERR_CARD_BAD_RESPONSE (TS not 3B/3F, more
 * than 8 TDi, a wrong TCK, or compact-TLV objects that run past the
 * historical bytes).
 */
int scl_atr_parse(const uint8_t *atr, size_t len, struct scl_atr *ret_atr);

/*
 * The SCL_ATR_CAP_* flags of atr: 0 for an ATR that does not parse (a
 * malformed ATR never advertises anything and is never an error).
 */
unsigned scl_atr_caps(const uint8_t *atr, size_t len);

#endif
