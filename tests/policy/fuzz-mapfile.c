/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/* The mapfile parser from a memory buffer. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
visit(void *ctx, const struct scl_mapfile_rule *rule)
{
	size_t *n = ctx;

	if (rule->user == NULL || rule->value == NULL || rule->line == 0 ||
	    strlen(rule->user) == 0)
		__builtin_trap();
	(*n)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	size_t n = 0;

	(void)scl_mapfile_parse_buffer("fuzz", data, size, visit, &n, err,
	    sizeof(err));
	return 0;
}
