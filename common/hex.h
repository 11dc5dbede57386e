/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_HEX_H
#define SCL_HEX_H

#include <stddef.h>
#include <stdint.h>

/*
 * Hexadecimal helpers shared by the tools, the virtual card and policy.
 * Pure functions: no allocation, no logging, thread-safe.
 */

/*
 * Value of one hex digit c ('0'-'9', 'a'-'f', 'A'-'F'): 0..15, or -1 for
 * any other value (including '\0').
 */
int scl_hex_digit(int c);

/*
 * Decode the two hex digits at s[0] and s[1] into *ret_byte.  s[1] is not
 * read when s[0] is not a hex digit, so a NUL-terminated s is never read
 * past its terminator.  Returns 0, or -1 (*ret_byte untouched) when either
 * character is not a hex digit.
 */
int scl_hex_byte(const char *s, uint8_t *ret_byte);

/*
 * Decode exactly len characters of s (untrusted; no separators, no NUL
 * needed) into out, which holds cap bytes.  len must be even.  Returns 0
 * with *ret_len = len / 2, SCL_ERR_INVALID_ARGUMENT (odd length or a
 * character that is not a hex digit) or SCL_ERR_BUFFER_TOO_SMALL (len / 2 >
 * cap).  On failure *ret_len is untouched; out may hold part of the
 * decoded bytes.
 */
int scl_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap,
    size_t *ret_len);

/*
 * Lower-case hex of p[0..n) into out (out_len bytes), NUL-terminated.
 * Writes as many whole bytes as fit ((out_len - 1) / 2 at most, so the
 * result is 2 * n characters when out_len >= 2 * n + 1).  Does nothing when
 * out is NULL or out_len is 0.
 */
void scl_hex_encode(const uint8_t *p, size_t n, char *out, size_t out_len);

#endif
