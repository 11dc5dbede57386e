/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * ATR parser (#14): any input parses or fails without reading past it; a
 * parsed ATR's historical bytes fit, and caps agree with the parse.
 */
#include <stdint.h>
#include <stdlib.h>

#include "atr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scl_atr a;
	int r = scl_atr_parse(data, size, &a);

	if (r == 0 && (a.hist_len > SCL_ATR_HIST_MAX ||
	    a.hist_len + 2 > size || a.caps != scl_atr_caps(data, size)))
		abort();
	if (r != 0 && scl_atr_caps(data, size) != 0)
		abort();
	return 0;
}
