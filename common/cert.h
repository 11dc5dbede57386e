/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_CERT_H
#define SCL_CERT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "transport.h"

/*
 * Certificate helpers shared by pam/, tools/ and the greeter.
 */

/* Parse DER that must fill the whole buffer: SCL_ERR_BAD_DER,
 * SCL_ERR_TRAILING_DATA.  The caller frees *ret_x509 with X509_free. */
int scl_cert_parse_der(const uint8_t *der, size_t len, X509 **ret_x509);

/*
 * Identity strings for logs and display, escaped (RFC 2253, non-printable
 * bytes as \xx).  Any of the outputs may be NULL.  serial_hex: up to 40
 * bytes → 81 chars; sha256_hex: 65 chars.
 */
void scl_cert_describe(X509 *x, char *subject, size_t subject_len,
    char *issuer, size_t issuer_len, char *serial_hex, size_t serial_len,
    char sha256_hex[65]);

/* PIV algorithm id for the certificate's public key (RSA 1024/2048,
 * P-256, P-384); SCL_ERR_CERT_KEY_UNSUPPORTED otherwise. */
int scl_cert_piv_alg(X509 *x, uint8_t *ret_alg);

/*
 * Prove possession: generate a fresh 32-byte random challenge
 * (RAND_bytes), have the card sign its SHA-256 with key_ref through
 * GENERAL AUTHENTICATE (RSA: PKCS#1 v1.5 DigestInfo padding built here;
 * ECC: the digest), and verify the signature with the certificate's public
 * key.  The PIN must have been verified already.  Returns 0 only if the
 * signature verifies; SCL_ERR_SIG_INVALID otherwise.
 */
int scl_cert_prove_possession(struct scl_transport *t, uint8_t key_ref, X509 *x);

#endif
