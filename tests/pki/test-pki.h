/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_TEST_PKI_H
#define SCL_TEST_PKI_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

/*
 * The files of the test PKI (mkpki.sh, test_pki_dir) for cmocka tests:
 * every helper fails the running test (fail_msg) when a file is missing
 * or does not parse, so callers need no checks.  Not thread-safe.
 */

/* "DIR/NAME" in one of 4 rotating static buffers. */
const char *test_pki_path(const char *dir, const char *name);

/* DIR/NAME.cert.pem; the caller frees it with X509_free(). */
X509 *test_pki_load(const char *dir, const char *name);

/* DIR/NAME.cert.der into buf (0 < length < cap); returns the length. */
size_t test_pki_der(const char *dir, const char *name, uint8_t *buf,
    size_t cap);

/* SHA-256 of DIR/NAME.cert.der as 64 lower-case hex digits. */
void test_pki_sha256_hex(const char *dir, const char *name, char out[65]);

#endif
