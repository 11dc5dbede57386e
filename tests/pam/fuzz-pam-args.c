/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/* Module arguments: the input split at NUL bytes is argv. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scl-pam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *argv[SCL_PAM_ARGS_MAX + 8];
	struct scl_pam_args a;
	char err[256];
	char *buf;
	size_t i, start = 0;
	int argc = 0;

	if (size > 4096 || (buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (i = 0; i <= size && argc < (int)(sizeof(argv) / sizeof(argv[0]));
	    i++)
		if (buf[i] == '\0') {
			argv[argc++] = buf + start;
			start = i + 1;
		}
	(void)scl_pam_args_parse(argc, argv, &a, err, sizeof(err));
	free(buf);
	return 0;
}
