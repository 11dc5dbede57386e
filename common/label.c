/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdint.h>
#include <string.h>

#include "label.h"

#define ELLIPSIS	"..."
#define ELLIPSIS_LEN	3

enum kind { K_SHOW, K_DROP, K_SPACE };

/* One UTF-8 sequence at s (n bytes left, n > 0): its length, -1 invalid. */
static int
utf8_next(const unsigned char *s, size_t n, uint32_t *ret_cp)
{
	uint32_t cp, min;
	int k, i;

	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		k = 2; cp = s[0] & 0x1Fu; min = 0x80;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		k = 3; cp = s[0] & 0x0Fu; min = 0x800;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		k = 4; cp = s[0] & 0x07u; min = 0x10000;
	} else
		return -1;
	if ((size_t)k > n)
		return -1;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xC0u) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3Fu);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*ret_cp = cp;
	return k;
}

static enum kind
classify(uint32_t cp)
{
	if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 ||
	    cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
	    cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
	    cp == 0x3000)
		return K_SPACE;
	if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C ||
	    (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
	    (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF)
		return K_DROP;
	return K_SHOW;
}

static size_t
put_utf8(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t
scl_label_display(char *dst, size_t cap, const char *src, size_t len)
{
	/* the first MAX + 1 shown characters decide whether it is cut */
	char ch[SCL_LABEL_DISPLAY_MAX + 1][4];
	size_t chl[SCL_LABEL_DISPLAY_MAX + 1];
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, n = 0, keep, bytes, k, off;
	int space = 0, cut, step;
	uint32_t cp;

	if (cap == 0)
		return 0;
	while (src != NULL && i < len && s[i] != '\0' &&
	    n < SCL_LABEL_DISPLAY_MAX + 1) {
		step = utf8_next(s + i, len - i, &cp);
		if (step < 0) {
			cp = '?';
			step = 1;
		}
		i += (size_t)step;
		switch (classify(cp)) {
		case K_DROP:
			continue;
		case K_SPACE:
			space = n > 0;
			continue;
		case K_SHOW:
			break;
		}
		if (space) {
			chl[n] = put_utf8(' ', ch[n]);
			space = 0;
			if (++n == SCL_LABEL_DISPLAY_MAX + 1)
				break;
		}
		if (cp == '"')
			cp = '\'';
		else if (cp == '\\')
			cp = '/';
		chl[n] = put_utf8(cp, ch[n]);
		n++;
	}
	for (bytes = 0, k = 0; k < n; k++)
		bytes += chl[k];
	cut = n > SCL_LABEL_DISPLAY_MAX || bytes > cap - 1;
	keep = n;
	if (cut) {
		keep = n < SCL_LABEL_DISPLAY_MAX - ELLIPSIS_LEN ? n :
		    SCL_LABEL_DISPLAY_MAX - ELLIPSIS_LEN;
		for (bytes = 0, k = 0; k < keep; k++)
			bytes += chl[k];
		while (keep > 0 && bytes + ELLIPSIS_LEN > cap - 1)
			bytes -= chl[--keep];
		while (keep > 0 && ch[keep - 1][0] == ' ')
			bytes -= chl[--keep];
	}
	if (keep == 0) {
		strncpy(dst, SCL_LABEL_NONE, cap - 1);
		dst[cap - 1] = '\0';
		return 0;
	}
	for (off = 0, k = 0; k < keep; k++) {
		memcpy(dst + off, ch[k], chl[k]);
		off += chl[k];
	}
	if (cut) {
		memcpy(dst + off, ELLIPSIS, ELLIPSIS_LEN);
		off += ELLIPSIS_LEN;
	}
	dst[off] = '\0';
	return keep;
}
