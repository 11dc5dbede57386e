/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef VC_CRYPTO_H
#define VC_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "cursor.h"

/*
 * The card's cryptography, on OpenSSL 3 EVP: PIV algorithms RSA 2048
 * (e = 65537), ECC P-256 and P-384 for slot keys; 3DES and AES-128/192/256
 * single-block ECB for the management key.  Returns 0 or SCL_ERR_*.
 */

/*
 * Make every OpenSSL free in this process wipe the block first (and every
 * realloc move and wipe it): OpenSSL frees some buffers that held key
 * material unwiped (ASN1_i2d_bio in the PKCS#8 encoder, decoder
 * temporaries), and a card daemon must not leave key bytes in freed
 * heap.  Call before any other OpenSSL function; 0, or -1 when OpenSSL
 * has already allocated (too late to install).
 */
int vc_crypto_wipe_freed_memory(void);

/* PIV algorithm of a private key, 0 when the card cannot hold it. */
uint8_t vc_crypto_alg(const EVP_PKEY *k);

int vc_crypto_generate(uint8_t alg, EVP_PKEY **ret);

/* Append the public key as 7F49 { 81 n, 82 e } or 7F49 { 86 point }. */
int vc_crypto_put_pubkey(struct scl_wbuf *w, const EVP_PKEY *k);

/*
 * The GENERAL AUTHENTICATE private-key operation: RSA raw (in must be
 * exactly the modulus size and below the modulus: sign or decipher of a
 * padded block); ECC: ECDSA over in as the digest (1..64 bytes), result
 * DER ECDSA-Sig-Value.  SCL_ERR_INCORRECT_DATA on bad input.
 */
int vc_crypto_private_op(EVP_PKEY *k, const uint8_t *in, size_t in_len,
    uint8_t *out, size_t cap, size_t *ret_len);

/* ECDH with the peer's uncompressed point; out = shared X coordinate. */
int vc_crypto_ecdh(EVP_PKEY *k, const uint8_t *point, size_t point_len,
    uint8_t *out, size_t cap, size_t *ret_len);

/* Yubico IMPORT KEY material: RSA from CRT parts (p q dP dQ qInv). */
int vc_crypto_import_rsa(const uint8_t *const part[5], const size_t len[5],
    EVP_PKEY **ret);
/* ECC from the private scalar. */
int vc_crypto_import_ec(uint8_t alg, const uint8_t *d, size_t d_len,
    EVP_PKEY **ret);

/* Public-only keys: RSA 2048 modulus (e = 65537), EC uncompressed point. */
int vc_crypto_public_rsa(const uint8_t *n, size_t n_len, EVP_PKEY **ret);
int vc_crypto_public_ec(uint8_t alg, const uint8_t *point, size_t len,
    EVP_PKEY **ret);

/* PKCS#8 DER (malloc'd, free with scl_freezero) and back. */
int vc_crypto_to_der(EVP_PKEY *k, uint8_t **ret_der, size_t *ret_len);
int vc_crypto_from_der(const uint8_t *der, size_t len, EVP_PKEY **ret);

/*
 * SubjectPublicKeyInfo DER (malloc'd by OpenSSL: free with OPENSSL_free) and
 * back; from_der refuses trailing bytes and algorithms the card lacks.
 */
int vc_crypto_pub_to_der(const EVP_PKEY *k, uint8_t **ret_der,
    size_t *ret_len);
int vc_crypto_pub_from_der(const uint8_t *der, size_t len, EVP_PKEY **ret);

/* Fill p with n random bytes. */
int vc_crypto_random(uint8_t *p, size_t n);

#endif
