/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_CERT_H
#define SCL_CERT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "transport.h"

/*
 * Certificate helpers shared by pam/, tools/ and the greeter.  No logging
 * above debug; every OpenSSL object is freed and the OpenSSL error queue
 * cleared on every path.  Thread-safe (no shared state).
 */

/*
 * Parse DER that must fill the whole buffer (untrusted input).  Returns 0,
 * SCL_ERR_BAD_DER (NULL/empty/not a certificate), SCL_ERR_TRAILING_DATA
 * (a certificate followed by more bytes) or SCL_ERR_TOO_LARGE (len >
 * SCL_OBJ_MAX).  On success the caller frees *ret_x509 with X509_free;
 * untouched on failure.
 */
int scl_cert_parse_der(const uint8_t *der, size_t len, X509 **ret_x509);

/*
 * Identity strings for logs and display, escaped (RFC 2253, control and
 * non-ASCII bytes as \XX, so the output is printable ASCII) and truncated
 * to fit.  Any of the outputs may be NULL; each non-NULL one is always
 * NUL-terminated ("" when x is NULL or on failure).  serial_hex: lower-case
 * hex of the serial's content bytes (up to 40 bytes -> 81 chars);
 * sha256_hex: lower-case SHA-256 of the DER, 65 chars.
 */
void scl_cert_describe(X509 *x, char *subject, size_t subject_len,
    char *issuer, size_t issuer_len, char *serial_hex, size_t serial_len,
    char sha256_hex[65]);

/* PIV algorithm id for the certificate's public key (RSA 1024/2048,
 * P-256, P-384); SCL_ERR_CERT_KEY_UNSUPPORTED otherwise. */
int scl_cert_piv_alg(X509 *x, uint8_t *ret_alg);

/*
 * Prove possession: generate a fresh 32-byte random challenge
 * (RAND_bytes), hash it (SHA-256; SHA-384 for P-384 keys, SP 800-78-4),
 * have the card sign through GENERAL AUTHENTICATE with key_ref
 * (scl_piv_general_auth; RSA: the EMSA-PKCS1-v1_5 block 00 01 FF.. 00
 * DigestInfo(SHA-256) of the modulus size is built here; ECC: the digest),
 * and verify the signature over the challenge with the certificate's
 * public key (EVP_DigestVerify, so our padding is checked independently).
 * The PIN must have been verified already (key 9C: right before).
 *
 * Returns 0 only if the signature verifies.  SCL_ERR_SIG_INVALID when the
 * card answered with a signature that does not verify (wrong key, forged,
 * garbage); SCL_ERR_CERT_KEY_UNSUPPORTED for other key types; errors of
 * scl_piv_general_auth() (card removed, SECURITY_STATUS, ...) are passed
 * through unchanged so the caller can tell a removed card from a bad one.
 */
int scl_cert_prove_possession(struct scl_transport *t, uint8_t key_ref, X509 *x);

/*
 * The same proof through any signer (a card backend, backend.h): sign
 * gets the certificate key's SCL_PIV_ALG_* and the digest of the fresh
 * challenge and returns a PKCS#1 v1.5 (RSA) or DER ECDSA-Sig-Value
 * signature.  Same results as above; sign's errors are passed through.
 */
typedef int (*scl_cert_sign_fn)(void *ctx, uint8_t alg, const uint8_t *digest,
    size_t digest_len, uint8_t *sig, size_t sig_cap, size_t *ret_sig_len);
int scl_cert_prove_with(X509 *x, scl_cert_sign_fn sign, void *ctx);

/*
 * The PIV signer: GENERAL AUTHENTICATE with key_ref over digest (RSA: the
 * EMSA-PKCS1-v1_5 block of the modulus size built here from a SHA-256
 * digest; ECC: the digest).  Errors of scl_piv_general_auth().
 */
int scl_cert_piv_sign_digest(struct scl_transport *t, uint8_t key_ref,
    uint8_t alg, const uint8_t *digest, size_t digest_len, uint8_t *sig,
    size_t sig_cap, size_t *ret_sig_len);

#endif
