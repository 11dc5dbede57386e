/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * Certificate DER to user mapping: the SAN / subject extraction of
 * policy/mapping.c on whatever d2i_X509 accepts (no mapfile, no
 * authorized_certs: only the certificate's own names).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/x509.h>

#include "config.h"
#include "err.h"
#include "mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scl_config *cfg;
	const unsigned char *p = data;
	struct scl_user_list l;
	char detail[256];
	X509 *x;

	if (cfg == NULL) {
		char err[128];

		if (scl_config_defaults(&cfg) != 0 ||
		    scl_config_set(cfg, "mapping", "upn,cn,email", err,
		    sizeof(err)) != 0)
			__builtin_trap();
	}
	if (size > 65536 || (x = d2i_X509(NULL, &p, (long)size)) == NULL)
		return 0;
	memset(&l, 0, sizeof(l));
	if (scl_map_find_users_ex(cfg, x, detail, sizeof(detail), &l) == 0) {
		if (l.n == 0 || l.n > SCL_MAP_USERS_MAX)
			__builtin_trap();
		scl_user_list_clear(&l);
	} else if (l.n != 0)
		__builtin_trap();
	(void)scl_map_check_user(cfg, x, "root");
	X509_free(x);
	return 0;
}
