/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * #12 card label display form: for any bytes and buffer size, the output
 * is NUL-terminated inside the buffer, valid UTF-8 of at most
 * SCL_LABEL_DISPLAY_MAX characters, holds no '"', '\\', C0/C1 control,
 * DEL or bidi control, and is its own display form.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "label.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const char *s, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, cap), chars = 0, i;

	if (n >= cap)
		abort();
	for (i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '"' || p[i] == '\\')
			abort();
		if ((p[i] & 0xC0) != 0x80)
			chars++;
		/* C1 (U+0080-U+009F) is C2 80..9F; bidi E2 80 AA-AE, E2 81 A6-A9 */
		if (p[i] == 0xC2 && i + 1 < n && p[i + 1] <= 0x9F)
			abort();
		if (p[i] == 0xE2 && i + 2 < n && ((p[i + 1] == 0x80 &&
		    p[i + 2] >= 0xAA && p[i + 2] <= 0xAE) || (p[i + 1] == 0x81 &&
		    p[i + 2] >= 0xA6 && p[i + 2] <= 0xA9)))
			abort();
	}
	if (chars > SCL_LABEL_DISPLAY_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[SCL_LABEL_DISPLAY_SIZE], again[SCL_LABEL_DISPLAY_SIZE];
	char small[12];

	scl_label_display(out, sizeof(out), (const char *)data, size);
	check(out, sizeof(out));
	scl_label_display(again, sizeof(again), out, strlen(out));
	if (strcmp(again, out) != 0)
		abort();
	scl_label_display(small, sizeof(small), (const char *)data, size);
	check(small, sizeof(small));
	return 0;
}
