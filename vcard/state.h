/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef VC_STATE_H
#define VC_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "pinwrap.h"
#include "seal.h"

/*
 * The persistent state of one virtual card, kept in one text file:
 *
 *   sclogin-vcard-state 1
 *   name <printable ASCII>
 *   applet gids               (optional: the card application it presents,
 *                              gids.h; absent: piv, as before issue 13)
 *   serial <8 hex>            guid <32 hex>
 *   pin pbkdf2-sha256 <iter> <salt hex> <hash hex>     (same for puk;
 *                              a legacy software card, before kdf)
 *   kdf scrypt <logN> <r> <p>  (instead of pin/puk: a software card whose
 *                              keys only the PIN or PUK opens, pinwrap.h)
 *   pin-wrap <salt hex> <wrapped data key hex>          (same for puk-wrap)
 *   box <X25519 public hex> <private key sealed under the data key hex>
 *   tpm <PIN NV index hex8> <PUK NV index hex8>   (instead of pin/puk: a
 *                              TPM card, tpm.h; its key lines hold sealed
 *                              TPM blobs; pin-tries/puk-tries are a cache)
 *   pin-tries <left> <limit>  puk-tries <left> <limit>
 *   defaults <pin 0|1> <puk 0|1> <admin 0|1>
 *   admin <3des|aes128|aes192|aes256> <sealed hex>
 *   pin-policy <policy string, policy/pinpolicy.h>
 *   key <slot hex> <alg hex> <pin policy> <touch policy> <origin> <sealed>
 *       [<public key SPKI DER hex>: on kdf cards, where it is required]
 *   object <tag hex> <content hex>
 *   end
 *
 * Secrets never appear in clear: PIN/PUK as salted hashes (legacy) or not
 * at all (kdf cards: only data-key wraps), keys sealed (seal.h).  On a kdf
 * card a key with PIN policy never is sealed with the seal key (it is
 * meant to work without the PIN); every other key is boxed (pinwrap.h).  Writing is atomic (temp file, fsync, rename, fsync of the
 * folder).  The parser takes untrusted bytes and rejects anything
 * malformed, truncated (no "end"), duplicated or out of range, naming the
 * line and the problem.
 */
#define VC_NAME_MAX 64
#define VC_POLICY_MAX 128
#define VC_OBJ_COUNT_MAX 48
#define VC_OBJ_LEN_MAX (20u * 1024u)	/* content of the 53 wrapper */
#define VC_KEY_COUNT_MAX 25		/* 9A 9C 9D 9E + retired 82..95 */
#define VC_SEALED_MAX 4096
#define VC_PUB_MAX 600
#define VC_STATE_FILE_MAX (2u * 1024u * 1024u)
#define VC_TRIES_MAX 15			/* 63Cx reports at most 15 */

/* Yubico PIN/touch policy values (AA/AB). */
#define VC_PINPOL_DEFAULT 0
#define VC_PINPOL_NEVER 1
#define VC_PINPOL_ONCE 2
#define VC_PINPOL_ALWAYS 3

/* The card application a card presents (the 'applet' line). */
#define VC_APPLET_PIV 0
#define VC_APPLET_GIDS 1

#define VC_ORIGIN_GENERATED 1
#define VC_ORIGIN_IMPORTED 2

struct vc_object {
	uint32_t tag;
	uint8_t *data;
	size_t len;
};

struct vc_key {
	uint8_t slot;
	uint8_t alg;		/* SCL_PIV_ALG_* */
	uint8_t pin_policy;	/* VC_PINPOL_* (never DEFAULT once stored) */
	uint8_t touch_policy;
	uint8_t origin;
	uint8_t *sealed;	/* PKCS#8 DER sealed with label "key <slot>" */
	size_t sealed_len;
	uint8_t *pub;		/* kdf cards: SubjectPublicKeyInfo DER */
	size_t pub_len;
};

struct vc_state {
	char name[VC_NAME_MAX + 1];
	uint8_t applet;			/* VC_APPLET_* */
	uint32_t serial;
	uint8_t guid[16];
	struct vc_hash pin, puk;
	uint32_t tpm_pin_nv, tpm_puk_nv;	/* both 0: a software card */
	struct vc_kdf kdf;		/* logn 0: not a kdf card */
	struct vc_wrap pin_wrap, puk_wrap;
	uint8_t box_pub[VC_BOX_PUB_LEN];
	uint8_t box_sealed[VC_BOX_PRIV_SEALED_LEN];
	uint8_t pin_left, pin_max, puk_left, puk_max;
	uint8_t pin_default, puk_default, admin_default;
	uint8_t admin_alg;
	uint8_t *admin_sealed;	/* label "admin" */
	size_t admin_sealed_len;
	char pin_policy[VC_POLICY_MAX + 1];
	struct vc_object obj[VC_OBJ_COUNT_MAX];
	size_t n_obj;
	struct vc_key key[VC_KEY_COUNT_MAX];
	size_t n_key;
};

void vc_state_free(struct vc_state **sp);

/* 1 for a TPM card (keys and PIN/PUK in the TPM). */
int vc_state_is_tpm(const struct vc_state *s);

/* 1 for a software card whose keys only the PIN or PUK opens (kdf line). */
int vc_state_is_kdf(const struct vc_state *s);

/* 1 when the key is boxed to the PIN (kdf card, PIN policy not never). */
int vc_state_key_boxed(const struct vc_state *s, const struct vc_key *k);

/*
 * Parse a state file image.  Returns 0 with a new state, SCL_ERR_BAD_STATE
 * with a sentence in err ("line 4: pin-tries: 7 tries left but the limit
 * is 3"), or SCL_ERR_NOMEM.
 */
int vc_state_parse(const uint8_t *buf, size_t len, struct vc_state **ret,
    char *err, size_t errlen);

/* Format into a malloc'd NUL-terminated buffer. */
int vc_state_format(const struct vc_state *s, char **ret_buf, size_t *ret_len);

/* Read (O_NOFOLLOW, regular file, size cap) and parse. */
int vc_state_load(const char *path, struct vc_state **ret, char *err,
    size_t errlen);

/* Atomic write: temp file in the same folder, fsync, rename, fsync dir. */
int vc_state_save(const char *path, const struct vc_state *s, char *err,
    size_t errlen);

/* Lookups; NULL when absent. */
struct vc_object *vc_state_object(struct vc_state *s, uint32_t tag);
struct vc_key *vc_state_key(struct vc_state *s, uint8_t slot);

/*
 * Replace (data != NULL) or delete (data == NULL) an object; copies data.
 * SCL_ERR_LIMIT when the table is full, SCL_ERR_TOO_LARGE when too big.
 */
int vc_state_set_object(struct vc_state *s, uint32_t tag, const uint8_t *data,
    size_t len);

/* Replace or add a key slot; takes ownership of k->sealed on success. */
int vc_state_set_key(struct vc_state *s, const struct vc_key *k);
void vc_state_del_key(struct vc_state *s, uint8_t slot);

/* Names: "3des" <-> SCL_PIV_ALG_3DES ...; "rsa2048", "eccp256", "eccp384". */
const char *vc_alg_name(uint8_t alg);
int vc_alg_parse(const char *s, uint8_t *ret_alg);

/* "piv" <-> VC_APPLET_PIV, "gids" <-> VC_APPLET_GIDS. */
const char *vc_applet_name(uint8_t applet);
int vc_applet_parse(const char *s, uint8_t *ret_applet);

/* 1 for the slots a key may live in (9A 9C 9D 9E 82..95). */
int vc_slot_valid(uint8_t slot);

#endif
