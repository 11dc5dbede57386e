/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The offline directory cache parser (directory-cache.h) and the RFC 4515
 * escaper (directory-query.h) on the same bytes: whatever parses holds
 * valid users only, and an escaped value never holds a filter character.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "directory-cache.h"
#include "directory-query.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scl_dircache_entry entries[SCL_DIRCACHE_MAX_ENTRIES];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char esc[3 * 4096 + 1];
	size_t n = 0;

	if (scl_dircache_parse(data, size, entries, SCL_DIRCACHE_MAX_ENTRIES,
	    &n) == 0) {
		if (n > SCL_DIRCACHE_MAX_ENTRIES)
			abort();
		for (size_t i = 0; i < n; i++)
			if (!scl_dir_valid_user(entries[i].user,
			    strlen(entries[i].user)) || entries[i].when < 0)
				abort();
	}
	if (size <= 4096 && scl_dir_escape(data, size, esc, sizeof(esc)) == 0) {
		for (size_t i = 0; esc[i] != '\0'; i++) {
			if (esc[i] == '(' || esc[i] == ')' || esc[i] == '*')
				abort();
			if (esc[i] == '\\' && (esc[i + 1] == '\0' ||
			    esc[i + 2] == '\0'))
				abort();
			if (esc[i] == '\\')
				i += 2;
		}
	}
	return 0;
}
