/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef VC_TPM_H
#define VC_TPM_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/*
 * TPM 2.0 protection of a virtual card (tpm2-tss ESAPI over tctildr:
 * "device:/dev/tpmrm0" on a machine, "swtpm:path=SOCKET" in tests).
 *
 * Keys.  Slot keys (RSA 2048, ECC P-256 and P-384) are created in the TPM
 * under a primary storage key derived deterministically from the owner
 * hierarchy's seed (the TCG ECC P-256 SRK template, recreated on open,
 * never persisted), or imported with TPM2_Import and the plaintext wiped.
 * A key blob is TPM2B_PUBLIC || TPM2B_PRIVATE as tss2-mu marshals them; the
 * private part is encrypted by the TPM under the primary, so on another TPM
 * (or after a TPM clear) it does not load and vc_tpm_key_check says so.
 * Keys are unrestricted sign+decrypt with a NULL scheme: RSA_Decrypt with
 * TPM2_ALG_NULL is the raw RSA that PIV's pre-padded block needs; ECDSA is
 * chosen at Sign time; ECDH_ZGen gives key agreement.
 *
 * PIN and PUK.  Each is the authValue of an NV index of type PIN Fail
 * (TPM_NT_PIN_FAIL, TPMA_NV_NO_DA as the type requires, owner read/write,
 * AUTHREAD so TPM2_PolicySecret may use it).  Its data is {pinCount,
 * pinLimit}: every failed authorization with the index increments pinCount
 * in the TPM, and once pinCount reaches pinLimit the TPM refuses every
 * authorization with it.  A key that needs the PIN has userWithAuth CLEAR
 * and authPolicy = PolicySecret(PIN index Name): the TPM signs only after it
 * checked the PIN itself.  A correct PIN resets pinCount (owner NV_Write of
 * {0, limit}).  So tries are counted where a copy or rollback of the state
 * file cannot reach them.  A new PIN (CHANGE REFERENCE, PUK unblock,
 * admin-key reset) redefines the index under the same handle with the same
 * public area, hence the same Name, so the keys' policies stay valid.
 *
 * What this trusts: the TPM's owner authorization (empty by default on
 * Linux; /dev/tpmrm0 is for root and the tss group) can reset the counter
 * or redefine an index, as Windows' admin key can; set an owner password
 * and keep /dev/tpmrm0 closed to make that root-only.  While a PIN is
 * verified (the card's security status), the daemon keeps that one 8-byte
 * reference in its applet to answer each key use's PolicySecret; it is
 * wiped on reset, power off, SELECT and VERIFY P1=FF.
 *
 * Errors: functions return 0 or SCL_ERR_*; SCL_ERR_CARD_NO_ANSWER means the
 * TPM did not answer (its connection broke or timed out) and the next call
 * reconnects.  vc_tpm_error() gives the last sentence for a log.
 */
#define VC_TPM_BLOB_MAX 2048
#define VC_TPM_NV_BASE 0x01736c00u	/* owner NV range: "sl" 00.. */
#define VC_TPM_TIMEOUT_MS 20000		/* one TPM command (RSA keygen: x6) */

struct vc_tpm;

/* tcti NULL: tctildr's default (tabrmd, then /dev/tpmrm0, /dev/tpm0). */
int vc_tpm_open(const char *tcti, struct vc_tpm **ret, char *err,
    size_t errlen);
void vc_tpm_free(struct vc_tpm **tp);
const char *vc_tpm_error(const struct vc_tpm *t);

/* 1 when the TPM implements ECC P-384. */
int vc_tpm_has_p384(struct vc_tpm *t);

/*
 * Define (or redefine) the PIN Fail index for ref with limit tries, at
 * *handle, or when *handle is 0 at the first free handle from
 * VC_TPM_NV_BASE + hint.  pinCount starts at 0.
 */
int vc_tpm_pin_set(struct vc_tpm *t, uint32_t *handle, uint32_t hint,
    const uint8_t ref[8], unsigned limit);

/*
 * Let the TPM check ref: 0 on a match (the counter is then reset),
 * SCL_ERR_PIN_WRONG (counted by the TPM), SCL_ERR_PIN_BLOCKED, or an error.
 * *left gets the tries left after the check (NULL: not wanted).
 */
int vc_tpm_pin_check(struct vc_tpm *t, uint32_t handle, const uint8_t ref[8],
    unsigned *left);

/* Tries left and the limit, read from the index. */
int vc_tpm_pin_tries(struct vc_tpm *t, uint32_t handle, unsigned *left,
    unsigned *limit);

void vc_tpm_pin_delete(struct vc_tpm *t, uint32_t handle);

/*
 * Create a key of PIV algorithm alg in the TPM.  pin_nv != 0 binds its use
 * to the PIN index; 0 makes it usable without the PIN (PIN policy never).
 * Returns a malloc'd blob and the public key.
 */
int vc_tpm_key_create(struct vc_tpm *t, uint8_t alg, uint32_t pin_nv,
    uint8_t **ret_blob, size_t *ret_len, EVP_PKEY **ret_pub);

/* TPM2_Import of a software key; the sensitive copy is wiped. */
int vc_tpm_key_import(struct vc_tpm *t, EVP_PKEY *priv, uint32_t pin_nv,
    uint8_t **ret_blob, size_t *ret_len);

/* The public key of a blob (no TPM needed); SCL_ERR_BAD_STATE if malformed. */
int vc_tpm_key_public(const uint8_t *blob, size_t len, EVP_PKEY **ret_pub);

/* Load it once: SCL_ERR_BAD_STATE when this TPM did not make it. */
int vc_tpm_key_check(struct vc_tpm *t, const uint8_t *blob, size_t len);

/*
 * The GENERAL AUTHENTICATE operation in the TPM, with the same contract as
 * vc_crypto_private_op (RSA raw, ECDSA DER).  ref is the verified PIN when
 * pin_nv != 0.
 */
int vc_tpm_key_op(struct vc_tpm *t, const uint8_t *blob, size_t len,
    uint32_t pin_nv, const uint8_t ref[8], const uint8_t *in, size_t in_len,
    uint8_t *out, size_t cap, size_t *ret_len);

/* ECDH (ECDH_ZGen): the shared X coordinate. */
int vc_tpm_key_ecdh(struct vc_tpm *t, const uint8_t *blob, size_t len,
    uint32_t pin_nv, const uint8_t ref[8], const uint8_t *point,
    size_t point_len, uint8_t *out, size_t cap, size_t *ret_len);

#endif
