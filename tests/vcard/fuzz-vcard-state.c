/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The vcard state file parser: anything it accepts must format and parse
 * back to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vc_state *s = NULL, *s2 = NULL;
	char err[256], *a = NULL, *b = NULL;
	size_t alen, blen;

	if (vc_state_parse(data, size, &s, err, sizeof(err)) != 0)
		return 0;
	if (vc_state_format(s, &a, &alen) != 0 ||
	    vc_state_parse((const uint8_t *)a, alen, &s2, err,
	    sizeof(err)) != 0 || vc_state_format(s2, &b, &blen) != 0 ||
	    alen != blen || memcmp(a, b, alen) != 0)
		abort();
	free(a);
	free(b);
	vc_state_free(&s);
	vc_state_free(&s2);
	return 0;
}
