/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_BACKEND_H
#define SCL_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "pcsc.h"
#include "secret.h"

/*
 * The card backend seam: one table of operations the sign-in pipeline
 * (policy/signin.c) runs on a token, whatever reaches it.  Two backends:
 * the native PIV client over PC/SC (backend-piv.c) and PKCS#11 modules
 * through p11-kit, run in a helper process (backend-p11.c).
 *
 * A token is what holds one PIN and its keys: a card in a reader (PIV), a
 * PKCS#11 slot with a token present.  A key is a certificate with its
 * private key on a token, named by scl_backend_key (a PIV key reference,
 * or a PKCS#11 CKA_ID shared by the certificate and the private key).
 *
 * Every operation is bounded by scl_backend_params.timeout_ms (PC/SC
 * timeouts; the helper's deadline) and by its deadline_ms, and returns 0
 * or an SCL_ERR_*.  None
 * logs above debug.  PINs are never copied beyond the call (the helper's
 * pipe buffer is wiped on both sides).  One thread per backend handle.
 */

#define SCL_BACKEND_TOKENS_MAX	SCL_READERS_MAX
#define SCL_BACKEND_KEYS_MAX	8
#define SCL_BACKEND_KEY_ID_MAX	64
#define SCL_BACKEND_NAME_MAX	SCL_READER_NAME_MAX
#define SCL_BACKEND_MODULES_MAX	8

enum scl_backend_kind {
	SCL_BACKEND_PIV = 1,
	SCL_BACKEND_PKCS11 = 2,
};

struct scl_backend_params {
	int timeout_ms;			/* bound of one operation */
	uint64_t deadline_ms;		/* no operation goes past it
					 * (scl_mono_ms(), deadline.h; 0 none):
					 * SCL_ERR_DEADLINE */
	char *const *modules;		/* PKCS#11: module paths, NULL/0 = the
					 * modules registered with p11-kit */
	size_t n_modules;
	const char *helper;		/* PKCS#11: the helper program */
	int check_owner;		/* PKCS#11: module and helper owned by
					 * root (or the effective uid), not
					 * group/other writable */
	int extended_apdus;		/* PIV: extended-length APDUs when the
					 * card's ATR advertises them (a card
					 * that then refuses one is read with
					 * short APDUs); 0 = short only */
};

struct scl_token_info {
	char name[SCL_BACKEND_NAME_MAX];	/* PIV: reader; PKCS#11: slot
						 * description; NUL-terminated */
	int present;			/* a card / token is present */
};

struct scl_backend_key {
	uint8_t key_ref;		/* PIV key reference; 0 for PKCS#11 */
	uint8_t id[SCL_BACKEND_KEY_ID_MAX];	/* PKCS#11 CKA_ID */
	size_t id_len;
};

/* What connect() learnt about the token. */
struct scl_token_state {
	char label[128];		/* PIV application label, token label;
					 * "" if none; as the card wrote it
					 * (untrusted): shown only through
					 * scl_label_display() (label.h) */
	int pin_pad;			/* PIN entered on the reader's pad
					 * (CKF_PROTECTED_AUTHENTICATION_PATH) */
};

struct scl_token;

struct scl_backend_ops {
	const char *name;		/* "piv", "pkcs11" (backends =) */
	enum scl_backend_kind kind;
	const char *service_ok;		/* report texts */
	const char *service_what;
	const char *service_fix;	/* NULL: the PC/SC advice */
	const char *app_ok;
	const char *app_what;

	int (*open)(const struct scl_backend_params *p, void **ret_b);
	void (*close)(void **bp);
	int (*list_tokens)(void *b, struct scl_token_info *ret, size_t cap,
	    size_t *ret_n);
	/*
	 * Exclusive access to the token named name (connect and begin a
	 * transaction: *ret_what says which failed: "cannot connect"); then
	 * select(): the application (SELECT PIV) or the token, filling st.
	 */
	int (*connect)(void *b, const char *name, struct scl_token **ret_t,
	    const char **ret_what);
	int (*select)(struct scl_token *t, struct scl_token_state *st);
	/* Card identity, 32 hex digits or less: CHUID GUID, token serial.
	 * SCL_ERR_NO_OBJECT when it has none. */
	int (*read_id)(struct scl_token *t, char ret_id[33]);
	/*
	 * The keys to read, in order: PIV the key references of mask
	 * (SCL_SIGNIN_KEY_* bits of config.h), PKCS#11 every certificate
	 * with a private key of the same CKA_ID.
	 */
	int (*list_keys)(struct scl_token *t, unsigned mask,
	    struct scl_backend_key *ret, size_t cap, size_t *ret_n);
	/* The certificate DER of k (malloc'd); SCL_ERR_NO_OBJECT if none. */
	int (*read_cert)(struct scl_token *t, const struct scl_backend_key *k,
	    uint8_t **ret_der, size_t *ret_len);
	/* PIN tries left (-1 unknown; 1 is the final try, 0 blocked). */
	int (*tries_left)(struct scl_token *t, int *ret_tries,
	    int *ret_verified);
	/* pin NULL on a PIN pad token. */
	int (*verify_pin)(struct scl_token *t, const struct scl_pin *pin,
	    int *ret_tries);
	/*
	 * Sign digest (SHA-256, SHA-384 for P-384) with k: RSA PKCS#1 v1.5
	 * over DigestInfo, ECDSA as DER ECDSA-Sig-Value.  alg is the
	 * SCL_PIV_ALG_* of the certificate's key.
	 */
	int (*sign)(struct scl_token *t, const struct scl_backend_key *k,
	    uint8_t alg, const uint8_t *digest, size_t digest_len,
	    uint8_t *sig, size_t sig_cap, size_t *ret_sig_len);
	/* Both pins NULL on a PIN pad token (the pad asks for them; PIV:
	 * SCL_ERR_NOT_SUPPORTED). */
	int (*change_pin)(struct scl_token *t, const struct scl_pin *old_pin,
	    const struct scl_pin *new_pin, int *ret_tries);
	/* End the access; reset drops the verified state (logout). */
	void (*disconnect)(struct scl_token **tp, int reset);
	/*
	 * Without blocking: whether tokens came or went since the last call
	 * (the first call: 0).  NULL where the PC/SC monitor (monitor.h)
	 * sees every event (PIV).
	 */
	int (*poll_events)(void *b, int *ret_changed);
};

extern const struct scl_backend_ops scl_backend_piv;
extern const struct scl_backend_ops scl_backend_p11;

/* The backend of kind, NULL if not built. */
const struct scl_backend_ops *scl_backend_get(enum scl_backend_kind kind);

/* "slot 9A" (PIV) or "id 01ab.." (PKCS#11, truncated), for reports. */
void scl_backend_key_name(const struct scl_backend_key *k, char *buf,
    size_t len);

#endif
