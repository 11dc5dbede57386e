/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef VC_SEAL_H
#define VC_SEAL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Secrets at rest for the virtual card.
 *
 * Private keys and the admin key are sealed with AES-256-GCM under a 32-byte
 * seal key kept in its own file (mode 0600, owned by the caller's euid).
 * A sealed blob is nonce (12) || ciphertext || tag (16); the AAD binds it to
 * a label ("key 9a", "admin") and the card serial, so blobs cannot be moved
 * between slots or cards.
 *
 * PIN and PUK are never stored: only PBKDF2-HMAC-SHA256 of the 8-byte
 * reference data (FF padded, as VERIFY carries it) with a random salt.
 */
#define VC_SEAL_KEY_LEN 32
#define VC_SEAL_NONCE_LEN 12
#define VC_SEAL_TAG_LEN 16
#define VC_SEAL_OVERHEAD (VC_SEAL_NONCE_LEN + VC_SEAL_TAG_LEN)
#define VC_SEAL_DEFAULT_PATH "/var/lib/sclogin/vcard/seal.key"

#define VC_HASH_SALT_LEN 16
#define VC_HASH_LEN 32
#define VC_HASH_ITER_DEFAULT 10000u
#define VC_HASH_ITER_MIN 1000u
#define VC_HASH_ITER_MAX 10000000u

struct vc_hash {
	uint32_t iter;
	uint8_t salt[VC_HASH_SALT_LEN];
	uint8_t hash[VC_HASH_LEN];
};

/*
 * Load the seal key from path.  With create != 0 a missing file (and its
 * missing parent folders, mode 0700) is created with fresh random bytes,
 * mode 0600.  The file must be a regular file owned by the euid with no
 * group/other permission bits, and exactly 32 bytes long.  On failure a
 * sentence naming the problem is written to err (errlen bytes).
 * Returns 0, SCL_ERR_SYSTEM, SCL_ERR_BAD_STATE.
 */
int vc_seal_key_load(const char *path, int create,
    uint8_t ret_key[VC_SEAL_KEY_LEN], char *err, size_t errlen);

/* Seal pt into a malloc'd blob. */
int vc_seal(const uint8_t key[VC_SEAL_KEY_LEN], uint32_t serial,
    const char *label, const uint8_t *pt, size_t pt_len, uint8_t **ret_blob,
    size_t *ret_len);

/*
 * Open a blob into a malloc'd plaintext (free with scl_freezero).
 * SCL_ERR_BAD_STATE when the blob is short or does not authenticate (wrong
 * seal key, wrong card, tampered).
 */
int vc_unseal(const uint8_t key[VC_SEAL_KEY_LEN], uint32_t serial,
    const char *label, const uint8_t *blob, size_t blob_len, uint8_t **ret_pt,
    size_t *ret_len);

/* Hash 8 bytes of reference data with a fresh salt. */
int vc_hash_set(struct vc_hash *h, const uint8_t ref[8], uint32_t iter);

/* 1 when ref matches h (constant-time compare), 0 when not, <0 on error. */
int vc_hash_check(const struct vc_hash *h, const uint8_t ref[8]);

/* Pad a PIN string (1..8 printable bytes) into 8 bytes of reference data. */
int vc_ref_from_string(const char *s, uint8_t ret_ref[8]);

#endif
