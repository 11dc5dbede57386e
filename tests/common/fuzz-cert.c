/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/* Certificate DER: scl_cert_parse_der, then describe and the PIV alg. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char subj[256], iss[256], serial[81], sha[65];
	X509 *x = NULL;
	uint8_t alg;

	if (scl_cert_parse_der(data, size, &x) != 0)
		return 0;
	scl_cert_describe(x, subj, sizeof(subj), iss, sizeof(iss), serial,
	    sizeof(serial), sha);
	if (strlen(sha) != 64 || strlen(subj) >= sizeof(subj))
		abort();
	(void)scl_cert_piv_alg(x, &alg);
	X509_free(x);
	return 0;
}
