/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The "last sign-in method" record parser; whatever parses must format
 * and parse back to the same record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scl_record a, b;
	char buf[SCL_RECORD_MAX];
	size_t len;

	if (scl_record_parse((const char *)data, size, &a) != 0)
		return 0;
	if (scl_record_format(&a, buf, sizeof(buf), &len) != 0 ||
	    scl_record_parse(buf, len, &b) != 0 || a.method != b.method ||
	    a.when != b.when || strcmp(a.card_id, b.card_id) != 0)
		abort();
	return 0;
}
