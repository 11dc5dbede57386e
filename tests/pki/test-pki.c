/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "test-pki.h"

const char *
test_pki_path(const char *dir, const char *name)
{
	static char buf[4][4096];
	static unsigned i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static FILE *
open_cert(const char *dir, const char *name, const char *ext)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.cert.%s", dir, name, ext);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	return f;
}

X509 *
test_pki_load(const char *dir, const char *name)
{
	FILE *f = open_cert(dir, name, "pem");
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);

	fclose(f);
	if (x == NULL)
		fail_msg("%s/%s.cert.pem does not parse", dir, name);
	return x;
}

size_t
test_pki_der(const char *dir, const char *name, uint8_t *buf, size_t cap)
{
	FILE *f = open_cert(dir, name, "der");
	size_t n = fread(buf, 1, cap, f);

	fclose(f);
	if (n == 0 || n >= cap)
		fail_msg("%s/%s.cert.der: %zu bytes (buffer %zu)", dir, name, n,
		    cap);
	return n;
}

void
test_pki_sha256_hex(const char *dir, const char *name, char out[65])
{
	uint8_t der[8192], md[32];
	unsigned len = 0;
	size_t n = test_pki_der(dir, name, der, sizeof(der));

	if (EVP_Digest(der, n, md, &len, EVP_sha256(), NULL) != 1 ||
	    len != 32)
		fail_msg("SHA-256 of %s failed", name);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}
