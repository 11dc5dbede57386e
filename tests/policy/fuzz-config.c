/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The config parser from a memory buffer.  The first byte picks the
 * service the file is read for, so [service] handling is exercised too.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const services[] = { NULL, "sudo", "login",
	    "gdm-smartcard" };
	struct scl_config *cfg = NULL;
	char err[256];
	const char *svc = NULL;

	if (size > 0) {
		svc = services[data[0] % 4];
		data++;
		size--;
	}
	if (scl_config_parse_buffer("fuzz", data, size, svc, &cfg, err,
	    sizeof(err)) == 0) {
		char buf[128];

		/* a parsed config must be usable as is */
		for (size_t i = 0; i < cfg->n_mapping; i++)
			(void)scl_map_method_name(cfg->mapping[i]);
		scl_pin_policy_format(&cfg->pin_policy, buf, sizeof(buf));
		if (cfg->pin_policy.min_len > cfg->pin_policy.max_len)
			__builtin_trap();
		/* slots is never empty and names only 9A, 9E, 9C */
		if (cfg->slots == 0 || (cfg->slots & ~(SCL_SIGNIN_KEY_9A |
		    SCL_SIGNIN_KEY_9E | SCL_SIGNIN_KEY_9C)) != 0)
			__builtin_trap();
		(void)scl_unknown_tries_name(cfg->unknown_tries);
		scl_config_free(&cfg);
	} else if (cfg != NULL || memchr(err, '\0', sizeof(err)) == NULL)
		__builtin_trap();
	return 0;
}
