/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The certificate cache file parser (certcache.h), then the certificate
 * parser on what it returns, as the scan does with a cache file.
 */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/x509.h>

#include "cert.h"
#include "certcache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ID "0102030405060708090a0b0c0d0e0f10"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *der = NULL;
	size_t len = 0;
	X509 *x = NULL;

	if (scl_certcache_parse(data, size, ID, 0x9a, &der, &len) != 0)
		return 0;
	if (len == 0 || der < data || der + len != data + size ||
	    size > SCL_CERTCACHE_MAX_SIZE)
		abort();
	if (scl_cert_parse_der(der, len, &x) == 0)
		X509_free(x);
	return 0;
}
