/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef VC_APPLET_H
#define VC_APPLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "cursor.h"
#include "seal.h"
#include "state.h"
#include "tpm.h"

/*
 * The PIV card application (SP 800-73-4 Part 2) plus the Yubico extensions
 * yubico-piv-tool relies on (FD version, F8 serial, F7 metadata, FE import,
 * FF set management key, FA set retries, FB reset).  It takes C-APDUs as
 * bytes and always answers with an R-APDU (data + SW); malformed input gets
 * an ISO status word, never a crash.
 *
 * Besides PUK unblock, RESET RETRY COUNTER with P1=02 (ISO 7816-4: new
 * reference data only) sets a new PIN when the management key has been
 * authenticated: the admin-key unblock of Windows TPM virtual smart cards.
 *
 * Command chaining (CLA 0x10) and extended length are accepted; responses
 * longer than the short Le (256) are chained with 61xx + GET RESPONSE.
 *
 * Security status (PIN verified, management key authenticated) lives only
 * in memory and is dropped on power off, reset and any SELECT.  Every change
 * of the persistent state is saved before the answer is given; a VERIFY
 * decrements and saves the retry counter BEFORE comparing, so a crash or a
 * pulled card never gives a free try.  If saving fails the card answers
 * 6581 (memory failure) and vc_applet_error() says why.
 */
#define VC_APDU_MAX 65544	/* an extended C-APDU with 65535 data bytes */
#define VC_RAPDU_MAX 65535	/* what one vpcd message can carry */

enum vc_power {
	VC_POWER_OFF = 0,
	VC_POWER_ON = 1,
	VC_POWER_RESET = 2,
};

struct vc_applet;

/* One parsed C-APDU (ISO/IEC 7816-4 §5.1), chaining already joined. */
struct vc_capdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t lc;
	size_t ne;	/* 0: not given */
	bool ext;
};

/*
 * Build an applet over st (takes ownership, also on failure).  path is
 * where changes are saved; NULL keeps everything in memory (fuzzing only).
 * Unseals the admin key and the slot keys with seal_key; a key that does
 * not unseal fails with SCL_ERR_BAD_STATE and a sentence in err.
 */
int vc_applet_new(struct vc_state *st, const char *path,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], struct vc_applet **ret,
    char *err, size_t errlen);
/*
 * The same for a TPM card (vc_state_is_tpm): keys are used in tpm, PIN and
 * PUK are checked and counted there (tpm.h); tpm stays the caller's and
 * must outlive the applet.  A TPM card without tpm fails with
 * SCL_ERR_NOT_SUPPORTED; a key this TPM did not make, SCL_ERR_BAD_STATE.
 * Any TPM failure later answers 6F00 with vc_applet_error() saying why
 * ("the TPM did not answer ...").
 */
int vc_applet_new_tpm(struct vc_state *st, const char *path,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], struct vc_tpm *tpm,
    struct vc_applet **ret, char *err, size_t errlen);
void vc_applet_free(struct vc_applet **ap);

/*
 * The card's ATR: a generic T=1 card whose historical bytes (compact-TLV)
 * advertise command chaining and extended Lc/Le (ISO/IEC 7816-4
 * §8.1.1.2.7), and name it "sclogin"; without extended Lc/Le when a has
 * the short ATR set.  a may be NULL (the default ATR).  The buffer is
 * static, valid until the next call.
 */
const uint8_t *vc_applet_atr(const struct vc_applet *a, size_t *ret_len);

/*
 * `run --short-atr`: the ATR does not advertise extended-length APDUs (the
 * card still parses them), so hosts that follow the ATR stay on short
 * APDUs: both paths stay tested on the rig.
 */
void vc_applet_set_short_atr(struct vc_applet *a, bool on);

void vc_applet_power(struct vc_applet *a, enum vc_power ev);

/*
 * Process one C-APDU.  resp must hold at least 2 bytes; the R-APDU is
 * written there (at most cap bytes).  Returns 0, or SCL_ERR_INVALID_ARGUMENT
 * when cap < 2.
 */
int vc_applet_process(struct vc_applet *a, const uint8_t *cmd, size_t len,
    uint8_t *resp, size_t cap, size_t *ret_len);

/* The last persistence error since the previous call, or NULL. */
const char *vc_applet_error(struct vc_applet *a);

/*
 * Answer an empty VERIFY (the PIN try counter query, SP 800-73-4 Pt 2
 * §3.2.1) with 6700 instead of 63Cx / 9000, like cards that do not
 * implement it; `run --no-tries-report`.  For testing how hosts treat a
 * counter they cannot read; VERIFY with a PIN is unchanged.
 */
void vc_applet_set_no_tries_report(struct vc_applet *a, bool on);

/*
 * A card whose state says `applet gids` presents the GIDS application
 * (gids.h) instead: vc_applet_process() hands every command to it, and it
 * uses the PIV command set below for PIN and keys, so both applications
 * protect keys and count tries the same way.
 */

/* Run one PIV command (no chaining, no GET RESPONSE); the SW. */
uint16_t vc_applet_piv(struct vc_applet *a, const struct vc_capdu *c,
    struct scl_wbuf *w);

/* The public key of a slot (or its key pair), NULL for an empty slot. */
const EVP_PKEY *vc_applet_public_key(struct vc_applet *a, uint8_t slot);

/* The state the applet works on (owned by the applet). */
struct vc_state *vc_applet_state(struct vc_applet *a);

#endif
