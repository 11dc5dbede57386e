/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef VC_PERSONALIZE_H
#define VC_PERSONALIZE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "seal.h"
#include "state.h"
#include "tpm.h"

/*
 * Card personalisation: a fresh card (random serial and GUID, CHUID and
 * CCC objects, sealed admin key; a software card gets a data key wrapped
 * for the PIN and the PUK and a box key pair, pinwrap.h), the Yubico
 * factory reset, and sealing/unsealing of slot keys and the admin key.
 */
#define VC_DEFAULT_PIN "123456"
#define VC_DEFAULT_PUK "12345678"
#define VC_DEFAULT_ADMIN_HEX "010203040506070801020304050607080102030405060708"
#define VC_DEFAULT_TRIES 3

/* What `show` says of a software card: what it does not protect against. */
#define VC_SOFTWARE_WARNING "software (keys open only with the PIN or " \
	"PUK through scrypt and the seal key: whoever copies the state and " \
	"the seal key must search the PIN offline, about 46 hours for 6 " \
	"digits on one core here; PIN tries are counted in the state file, " \
	"so a restored copy has them all again; keys with PIN policy never " \
	"open with the seal key alone; use a TPM card where a TPM exists)"
#define VC_LEGACY_WARNING "software, old format (keys sealed by the seal " \
	"key beside the state: whoever copies the state and the seal key can " \
	"use the keys; PIN hashes are PBKDF2; run 'sclogin-vcard upgrade')"

struct vc_init_opts {
	const char *name;		/* NULL: "sclogin virtual card" */
	const char *pin;		/* NULL: VC_DEFAULT_PIN */
	const char *puk;		/* NULL: VC_DEFAULT_PUK */
	uint8_t admin_alg;		/* 0: 3DES */
	const uint8_t *admin_key;	/* NULL: the default 3DES key */
	size_t admin_key_len;
	const char *pin_policy;		/* NULL: policy defaults */
	unsigned pin_tries, puk_tries;	/* 0: 3 */
	uint32_t hash_iter;		/* 0: VC_HASH_ITER_DEFAULT */
	struct vc_kdf kdf;		/* logn 0: the defaults (pinwrap.h) */
	int legacy;			/* tests: the old PBKDF2 format */
	struct vc_tpm *tpm;		/* non-NULL: a TPM card (tpm.h) */
	uint8_t applet;			/* VC_APPLET_*: 0 is PIV */
};

/* err names the bad option ("PIN: The PIN must have at least 6 ..."). */
int vc_personalize_new(const struct vc_init_opts *o,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], struct vc_state **ret,
    char *err, size_t errlen);

/* Yubico RESET (FB): factory PIN/PUK/admin key/tries, no keys, new GUID. */
int vc_personalize_factory_reset(struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN]);

/* Seal and store a management key (checks the length for alg). */
int vc_personalize_set_admin(struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint8_t alg, const uint8_t *key,
    size_t len);

/* Seal pk into slot (pin_policy VC_PINPOL_DEFAULT picks the slot default). */
int vc_personalize_set_key(struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint8_t slot, EVP_PKEY *pk,
    uint8_t origin, uint8_t pin_policy, uint8_t touch_policy);

/* TPM cards: seal a TPM key blob (tpm.h) into slot, and open it again. */
int vc_personalize_set_tpm_key(struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint8_t slot, uint8_t alg,
    const uint8_t *blob, size_t len, uint8_t origin, uint8_t pin_policy,
    uint8_t touch_policy);
int vc_personalize_open_tpm_key(const struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], const struct vc_key *k,
    uint8_t **ret_blob, size_t *ret_len);

/* The PIN index a TPM key's use is bound to (0: PIN policy never). */
uint32_t vc_personalize_key_pin_nv(const struct vc_state *s,
    const struct vc_key *k);

/*
 * Make s a TPM card: (re)define its PIN and PUK Fail indices in t with
 * these secrets and limits; the software hashes are wiped.
 */
int vc_personalize_tpm_secrets(struct vc_state *s, struct vc_tpm *t,
    const char *pin, const char *puk, unsigned pin_tries, unsigned puk_tries);

/*
 * Open a slot key.  A key boxed to the PIN (vc_state_key_boxed) needs dk,
 * the data key a PIN or PUK opened: without it SCL_ERR_SECURITY_STATUS.
 */
int vc_personalize_open_key(const struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], const uint8_t *dk,
    const struct vc_key *k, EVP_PKEY **ret);

/*
 * kdf cards: open the data key with the PIN (which 0x80) or PUK (0x81)
 * reference data (SCL_ERR_PIN_WRONG when it is not the one), and wrap it
 * for a new one (fresh salt).  Tries are the caller's business.
 */
int vc_personalize_unwrap(const struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint8_t which,
    const uint8_t ref[8], uint8_t dk[VC_DK_LEN]);
int vc_personalize_wrap_ref(struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint8_t which,
    const uint8_t ref[8], const uint8_t dk[VC_DK_LEN]);
int vc_personalize_wrap(struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint8_t which, const char *secret,
    const uint8_t dk[VC_DK_LEN]);

/*
 * Turn a legacy software card (PBKDF2 hashes) into a kdf card: checks PIN
 * and PUK against the hashes (without counting), makes a data key, wraps
 * it for both, boxes every key the PIN guards.  On failure s must not be
 * saved.  SCL_ERR_PIN_WRONG / SCL_ERR_PIN_BLOCKED / ..., err says which.
 */
int vc_personalize_upgrade(struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], const struct vc_kdf *kdf,
    const char *pin, const char *puk, char *err, size_t errlen);

/* Unsealed admin key into key (32 bytes room); *ret_len its length. */
int vc_personalize_open_admin(const struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint8_t key[32],
    size_t *ret_len);

/* Default PIN policy of a slot: 9C always, 9E never, others once. */
uint8_t vc_slot_default_pin_policy(uint8_t slot);

/* Certificate object tag of a slot, 0 if none. */
uint32_t vc_slot_cert_tag(uint8_t slot);

#endif
