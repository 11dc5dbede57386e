/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef VC_PINWRAP_H
#define VC_PINWRAP_H

#include <stddef.h>
#include <stdint.h>

#include "seal.h"

/*
 * Software cards: slot keys that only the PIN (or the PUK) opens.
 *
 * A random 32-byte data key DK is stored only wrapped, once per secret:
 *   KEK = HKDF-SHA256(ikm = scrypt(ref, salt, N, r, p) || seal key,
 *                     info "sclogin vcard pin kek" (or "... puk kek"))
 *   wrap = vc_seal(KEK, serial, "pin" / "puk", DK)
 * so a copy of the state and the seal key opens DK only after an offline
 * search of scrypt over the PIN space, and no fast verifier is stored:
 * the PIN is right exactly when the wrap authenticates.
 *
 * Keys written without the PIN (GENERATE and IMPORT are authorised by the
 * management key) are boxed to an X25519 public key kept in the state,
 * whose private key is sealed under DK:
 *   box = eph pub (32) || vc_seal(HKDF-SHA256(X25519(eph, pub),
 *         salt eph pub || pub, info "sclogin vcard box"), serial, label, pt)
 *
 * scrypt parameters come from the state file, which is untrusted: they are
 * bounded (vc_kdf_check) before anything runs.  Buffers holding DK, KEKs
 * and private keys are wiped on every path.
 */
#define VC_DK_LEN 32
#define VC_WRAP_SALT_LEN 16
#define VC_WRAP_LEN (VC_DK_LEN + VC_SEAL_OVERHEAD)
#define VC_BOX_PUB_LEN 32
#define VC_BOX_PRIV_SEALED_LEN (32 + VC_SEAL_OVERHEAD)
#define VC_BOX_OVERHEAD (VC_BOX_PUB_LEN + VC_SEAL_OVERHEAD)

/* Defaults measured in bench/RESULTS.md: 64 MiB and ~165 ms a guess. */
#define VC_KDF_LOGN_DEFAULT 16
#define VC_KDF_R_DEFAULT 8
#define VC_KDF_P_DEFAULT 1
/* Bounds the parser enforces (logN 10 is the test-only floor). */
#define VC_KDF_LOGN_MIN 10
#define VC_KDF_LOGN_MAX 20
#define VC_KDF_RP_MAX 32
#define VC_KDF_MAXMEM (1024ull * 1024 * 1024)	/* 128 * r * N * p */

struct vc_kdf {
	uint8_t logn, r, p;
};

struct vc_wrap {
	uint8_t salt[VC_WRAP_SALT_LEN];
	uint8_t blob[VC_WRAP_LEN];
};

/* The defaults above. */
void vc_kdf_default(struct vc_kdf *k);

/* 0 when within the bounds; otherwise -1 and *reason a sentence. */
int vc_kdf_check(const struct vc_kdf *k, const char **reason);

/* Memory one derivation needs, in bytes. */
uint64_t vc_kdf_mem(const struct vc_kdf *k);

/*
 * Wrap dk under ref (8 bytes of reference data) with a fresh salt; what is
 * "pin" or "puk".
 */
int vc_wrap_dk(const struct vc_kdf *k, const uint8_t seal_key[VC_SEAL_KEY_LEN],
    uint32_t serial, const char *what, const uint8_t ref[8],
    const uint8_t dk[VC_DK_LEN], struct vc_wrap *ret);

/*
 * Open w with ref: 0 and dk, SCL_ERR_PIN_WRONG when the wrap does not
 * authenticate (wrong ref, or the wrong seal key), other SCL_ERR_* on
 * failure.
 */
int vc_unwrap_dk(const struct vc_kdf *k,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint32_t serial, const char *what,
    const struct vc_wrap *w, const uint8_t ref[8], uint8_t dk[VC_DK_LEN]);

/* A fresh box key pair: pub, and the private key sealed under dk. */
int vc_box_new(const uint8_t dk[VC_DK_LEN], uint32_t serial,
    uint8_t pub[VC_BOX_PUB_LEN], uint8_t sealed[VC_BOX_PRIV_SEALED_LEN]);

/* Encrypt pt to pub (no secret needed); a malloc'd blob. */
int vc_box_seal(const uint8_t pub[VC_BOX_PUB_LEN], uint32_t serial,
    const char *label, const uint8_t *pt, size_t pt_len, uint8_t **ret_blob,
    size_t *ret_len);

/*
 * Open a box with dk (which opens the sealed private key); a malloc'd
 * plaintext, free with scl_freezero.  SCL_ERR_BAD_STATE when it does not
 * authenticate.
 */
int vc_box_open(const uint8_t dk[VC_DK_LEN], uint32_t serial,
    const uint8_t pub[VC_BOX_PUB_LEN],
    const uint8_t sealed[VC_BOX_PRIV_SEALED_LEN], const char *label,
    const uint8_t *blob, size_t blob_len, uint8_t **ret_pt, size_t *ret_len);

#endif
