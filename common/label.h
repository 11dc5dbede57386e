/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_LABEL_H
#define SCL_LABEL_H

#include <stddef.h>

/*
 * A card's label (PIV application label, PKCS#11 token label, certificate
 * CN) is written by whoever made the card: it is shown only in this form,
 * only between double quotes after fixed text (`PIN for smart card
 * "LABEL": `), so a card cannot write the question the user answers.
 */

/* At most this many characters (code points) are shown, "..." included. */
#define SCL_LABEL_DISPLAY_MAX	32
/* A buffer that holds any display form (4-byte UTF-8 + NUL). */
#define SCL_LABEL_DISPLAY_SIZE	(SCL_LABEL_DISPLAY_MAX * 4 + 1)
/* What an empty (or wholly unprintable) label is shown as. */
#define SCL_LABEL_NONE		"unnamed"

/*
 * Write the display form of the untrusted label src (len bytes, or up to
 * its first NUL; src NULL reads nothing) to dst (cap bytes, always
 * NUL-terminated when cap > 0):
 *   - valid UTF-8 only: each invalid or overlong sequence, surrogate or
 *     code point above U+10FFFF becomes '?';
 *   - C0 and C1 controls, DEL, bidirectional controls (U+061C, U+200E,
 *     U+200F, U+202A-U+202E, U+2066-U+2069), zero-width characters
 *     (U+200B-U+200D, U+2060, U+FEFF) are dropped;
 *   - whitespace (space, tab, newline, CR, VT, FF, U+0085, U+00A0,
 *     U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000)
 *     runs become one space, none at either end;
 *   - '"' becomes '\'' and '\\' becomes '/', so the form can be quoted;
 *   - more than SCL_LABEL_DISPLAY_MAX characters (or more than cap - 1
 *     bytes): cut on a character boundary, ending in "...", at most
 *     SCL_LABEL_DISPLAY_MAX characters in all;
 *   - nothing left: SCL_LABEL_NONE.
 * The form of a display form is itself.  Returns the number of the
 * label's characters written, "..." not counted (0 when dst holds
 * SCL_LABEL_NONE, cut to cap).  Pure, thread-safe.
 */
size_t scl_label_display(char *dst, size_t cap, const char *src, size_t len);

#endif
