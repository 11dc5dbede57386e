/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "applet.h"
#include "crypto.h"
#include "cursor.h"
#include "err.h"
#include "gids.h"
#include "personalize.h"
#include "pinpolicy.h"
#include "piv.h"
#include "pinwrap.h"
#include "secret.h"
#include "tlv.h"

#define SW_OK			0x9000
#define SW_MEMORY		0x6581
#define SW_WRONG_LENGTH		0x6700
#define SW_LAST_IN_CHAIN	0x6883
#define SW_SECURITY		0x6982
#define SW_BLOCKED		0x6983
#define SW_CONDITIONS		0x6985
#define SW_WRONG_DATA		0x6a80
#define SW_FUNC_NOT_SUPPORTED	0x6a81
#define SW_NOT_FOUND		0x6a82
#define SW_NO_SPACE		0x6a84
#define SW_WRONG_P1P2		0x6a86
#define SW_REF_NOT_FOUND	0x6a88
#define SW_INS			0x6d00
#define SW_CLA			0x6e00
#define SW_UNKNOWN		0x6f00

#define CHAIN_MAX	(VC_OBJ_LEN_MAX + 64)
#define OUT_MAX		(VC_OBJ_LEN_MAX + 64)

static const uint8_t piv_aid[11] = {
	0xa0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
};

/*
 * 3B 8D 80 01 TCK: T=1 (TD1 T=0, TD2 T=1, as before), 13 historical
 * bytes: category 80, compact-TLV (ISO/IEC 7816-4 §8.1.1.2) card
 * capabilities 73 C0 21 C0 (selection by full and partial DF name; data
 * coding 21; command chaining and, bit 0x40, extended Lc and Le), card
 * issuer's data 57 "sclogin" (no vendor OpenSC would single out).
 * --short-atr clears bit 0x40: a card for short APDUs only.
 */
#define ATR_CAPS3	8
static const uint8_t atr[] = {
	0x3b, 0x8d, 0x80, 0x01, 0x80, 0x73, 0xc0, 0x21, 0xc0, 0x57, 's', 'c',
	'l', 'o', 'g', 'i', 'n', 0x00,
};
static uint8_t atr_ready[sizeof(atr)];

enum ga_state {
	GA_NONE,
	GA_WITNESS,	/* card sent E(witness), expects the witness back */
	GA_CHALLENGE,	/* card sent a challenge, expects E(challenge) */
};

struct vc_applet {
	struct vc_state *st;
	char *path;
	uint8_t seal_key[VC_SEAL_KEY_LEN];
	EVP_PKEY *pkey[256];	/* TPM card, boxed key: the public key only */
	struct vc_tpm *tpm;	/* TPM card: not owned */
	uint8_t *tblob[256];	/* TPM card: the key blobs (tpm.h) */
	size_t tblob_len[256];
	uint8_t pin_ref[8];	/* TPM card: the verified PIN, tpm.h */
	uint8_t dk[VC_DK_LEN];	/* kdf card: the data key the PIN opened */
	uint8_t admin[32];
	size_t admin_len;

	bool pin_ok, pin_always, mgmt_ok;
	bool no_tries_report;
	bool short_atr;
	enum ga_state ga;
	uint8_t ga_buf[16];

	uint8_t chain_hdr[3];	/* ins p1 p2 of an open chain */
	bool chaining;
	uint8_t *chain;
	size_t chain_len;

	uint8_t *pending;
	size_t pending_len, pending_off;

	struct vc_gids gids;	/* GIDS cards: the GIDS front end's state */

	uint8_t *out;		/* response body scratch */
	char err[512];
	bool has_err;
};

const uint8_t *
vc_applet_atr(const struct vc_applet *a, size_t *ret_len)
{
	uint8_t tck = 0;

	memcpy(atr_ready, atr, sizeof(atr));
	if (a != NULL && a->short_atr)
		atr_ready[ATR_CAPS3] &= (uint8_t)~0x40u;
	for (size_t i = 1; i < sizeof(atr) - 1; i++)
		tck ^= atr_ready[i];
	atr_ready[sizeof(atr) - 1] = tck;
	*ret_len = sizeof(atr_ready);
	return atr_ready;
}

static void
clear_security(struct vc_applet *a)
{
	a->pin_ok = a->pin_always = a->mgmt_ok = false;
	explicit_bzero(a->pin_ref, sizeof(a->pin_ref));
	explicit_bzero(a->dk, sizeof(a->dk));
	a->ga = GA_NONE;
	explicit_bzero(a->ga_buf, sizeof(a->ga_buf));
}

static void
clear_chain(struct vc_applet *a)
{
	a->chaining = false;
	if (a->chain != NULL)
		explicit_bzero(a->chain, a->chain_len);
	a->chain_len = 0;
}

static void
clear_pending(struct vc_applet *a)
{
	free(a->pending);
	a->pending = NULL;
	a->pending_len = a->pending_off = 0;
}

void
vc_applet_power(struct vc_applet *a, enum vc_power ev)
{
	(void)ev;
	vc_gids_reset(&a->gids);
	clear_security(a);
	clear_chain(a);
	clear_pending(a);
}

const char *
vc_applet_error(struct vc_applet *a)
{
	if (!a->has_err)
		return NULL;
	a->has_err = false;
	return a->err;
}

void
vc_applet_set_no_tries_report(struct vc_applet *a, bool on)
{
	a->no_tries_report = on;
}

void
vc_applet_set_short_atr(struct vc_applet *a, bool on)
{
	a->short_atr = on;
}

const EVP_PKEY *
vc_applet_public_key(struct vc_applet *a, uint8_t slot)
{
	return a->pkey[slot];
}

struct vc_state *
vc_applet_state(struct vc_applet *a)
{
	return a->st;
}

void
vc_applet_free(struct vc_applet **ap)
{
	struct vc_applet *a;

	if (ap == NULL || (a = *ap) == NULL)
		return;
	for (size_t i = 0; i < 256; i++) {
		EVP_PKEY_free(a->pkey[i]);
		free(a->tblob[i]);
	}
	vc_state_free(&a->st);
	free(a->path);
	if (a->chain != NULL)
		scl_freezero(a->chain, CHAIN_MAX);
	free(a->pending);
	if (a->out != NULL)
		scl_freezero(a->out, OUT_MAX);
	explicit_bzero(a, sizeof(*a));
	free(a);
	*ap = NULL;
}

static int
open_tpm_key(struct vc_applet *a, const struct vc_key *k, char *err,
    size_t errlen)
{
	int r;

	if ((r = vc_personalize_open_tpm_key(a->st, a->seal_key, k,
	    &a->tblob[k->slot], &a->tblob_len[k->slot])) != 0) {
		snprintf(err, errlen, "the key in slot %02x does not unseal "
		    "with this seal key (wrong --seal-key, or the state was "
		    "tampered with)", k->slot);
		return r;
	}
	if ((r = vc_tpm_key_public(a->tblob[k->slot], a->tblob_len[k->slot],
	    &a->pkey[k->slot])) != 0) {
		snprintf(err, errlen, "the TPM key blob of slot %02x is "
		    "malformed", k->slot);
		return r;
	}
	if ((r = vc_tpm_key_check(a->tpm, a->tblob[k->slot],
	    a->tblob_len[k->slot])) != 0)
		snprintf(err, errlen, "slot %02x: %s", k->slot,
		    vc_tpm_error(a->tpm));
	return r;
}

int
vc_applet_new(struct vc_state *st, const char *path,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], struct vc_applet **ret,
    char *err, size_t errlen)
{
	return vc_applet_new_tpm(st, path, seal_key, NULL, ret, err, errlen);
}

int
vc_applet_new_tpm(struct vc_state *st, const char *path,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], struct vc_tpm *tpm,
    struct vc_applet **ret, char *err, size_t errlen)
{
	struct vc_applet *a = NULL;
	unsigned left, max;
	int r = SCL_ERR_NOMEM;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		vc_state_free(&st);
		goto out;
	}
	a->st = st;
	st = NULL;
	a->tpm = tpm;
	memcpy(a->seal_key, seal_key, VC_SEAL_KEY_LEN);
	if (vc_state_is_tpm(a->st) && tpm == NULL) {
		r = SCL_ERR_NOT_SUPPORTED;
		snprintf(err, errlen, "this card keeps its keys and PIN in a "
		    "TPM: run it with --tcti (or on the machine whose TPM made "
		    "it)");
		goto out;
	}
	if ((path != NULL && (a->path = strdup(path)) == NULL) ||
	    (a->chain = malloc(CHAIN_MAX)) == NULL ||
	    (a->out = malloc(OUT_MAX)) == NULL)
		goto out;
	if ((r = vc_personalize_open_admin(a->st, seal_key, a->admin,
	    &a->admin_len)) != 0) {
		snprintf(err, errlen, "the admin key does not unseal with this "
		    "seal key (wrong --seal-key, or the state was tampered "
		    "with)");
		goto out;
	}
	for (size_t i = 0; i < a->st->n_key && vc_state_is_tpm(a->st); i++) {
		if ((r = open_tpm_key(a, &a->st->key[i], err, errlen)) != 0)
			goto out;
	}
	if (vc_state_is_tpm(a->st)) {
		if ((r = vc_tpm_pin_tries(tpm, a->st->tpm_pin_nv, &left,
		    &max)) != 0) {
			snprintf(err, errlen, "%s", vc_tpm_error(tpm));
			goto out;
		}
		a->st->pin_left = (uint8_t)left;
	}
	for (size_t i = 0; i < a->st->n_key && !vc_state_is_tpm(a->st); i++) {
		const struct vc_key *k = &a->st->key[i];

		if (vc_state_key_boxed(a->st, k))
			r = vc_crypto_pub_from_der(k->pub, k->pub_len,
			    &a->pkey[k->slot]);
		else
			r = vc_personalize_open_key(a->st, seal_key, NULL, k,
			    &a->pkey[k->slot]);
		if (r != 0) {
			snprintf(err, errlen, "the key in slot %02x does not "
			    "unseal with this seal key (wrong --seal-key, or "
			    "the state was tampered with)", k->slot);
			goto out;
		}
	}
	*ret = a;
	a = NULL;
	r = 0;
out:
	vc_applet_free(&a);
	return r;
}

static bool
persist(struct vc_applet *a)
{
	if (a->path == NULL)
		return true;
	if (vc_state_save(a->path, a->st, a->err, sizeof(a->err)) == 0)
		return true;
	a->has_err = true;
	return false;
}

static void
set_error(struct vc_applet *a, const char *msg)
{
	snprintf(a->err, sizeof(a->err), "%s", msg);
	a->has_err = true;
}

/* ISO/IEC 7816-4 §5.1: cases 1, 2S/E, 3S/E, 4S/E. */
static int
parse_capdu(const uint8_t *buf, size_t len, struct vc_capdu *c)
{
	struct scl_cursor cur;
	uint8_t b;
	uint16_t w;

	memset(c, 0, sizeof(*c));
	scl_cur_init(&cur, buf, len);
	if (scl_cur_get_u8(&cur, &c->cla) != 0 ||
	    scl_cur_get_u8(&cur, &c->ins) != 0 ||
	    scl_cur_get_u8(&cur, &c->p1) != 0 ||
	    scl_cur_get_u8(&cur, &c->p2) != 0)
		return -1;
	if (cur.len == 0)
		return 0;
	if (scl_cur_get_u8(&cur, &b) != 0)
		return -1;
	if (cur.len == 0) {
		c->ne = b == 0 ? 256 : b;
		return 0;
	}
	if (b != 0) {
		c->lc = b;
		if (scl_cur_get_bytes(&cur, c->lc, &c->data) != 0)
			return -1;
		if (cur.len == 0)
			return 0;
		if (scl_cur_get_u8(&cur, &b) != 0 || cur.len != 0)
			return -1;
		c->ne = b == 0 ? 256 : b;
		return 0;
	}
	c->ext = true;
	if (scl_cur_get_u16be(&cur, &w) != 0)
		return -1;
	if (cur.len == 0) {
		c->ne = w == 0 ? 65536 : w;
		return 0;
	}
	if (w == 0)
		return -1;
	c->lc = w;
	if (scl_cur_get_bytes(&cur, c->lc, &c->data) != 0)
		return -1;
	if (cur.len == 0)
		return 0;
	if (scl_cur_get_u16be(&cur, &w) != 0 || cur.len != 0)
		return -1;
	c->ne = w == 0 ? 65536 : w;
	return 0;
}

/* Read one TLV spanning all of buf with the expected tag. */
static bool
only_tlv(const uint8_t *buf, size_t len, uint32_t tag, const uint8_t **val,
    size_t *vlen)
{
	return scl_tlv_expect(buf, len, tag, val, vlen) == 0;
}

/* ---- SELECT ---------------------------------------------------------- */

static uint16_t
cmd_select(struct vc_applet *a, const struct vc_capdu *c, struct scl_wbuf *w)
{
	size_t nlen = strlen(a->st->name), inner;
	static const uint8_t algs[] = {
		SCL_PIV_ALG_3DES, SCL_PIV_ALG_AES128, SCL_PIV_ALG_AES192,
		SCL_PIV_ALG_AES256, SCL_PIV_ALG_RSA2048, SCL_PIV_ALG_ECC256,
		SCL_PIV_ALG_ECC384,
	};

	clear_security(a);
	if (c->p1 != 0x04 || (c->p2 != 0x00 && c->p2 != 0x0c))
		return SW_WRONG_P1P2;
	if (c->lc < 5 || c->lc > sizeof(piv_aid) ||
	    memcmp(c->data, piv_aid, c->lc) != 0)
		return SW_NOT_FOUND;
	if (c->p2 == 0x0c)
		return SW_OK;
	inner = 2 + 6 + 2 + 7 + 2 + nlen + 2 + sizeof(algs) * 3 + 3;
	scl_tlv_put_header(w, 0x61, inner);
	scl_tlv_put(w, 0x4f, piv_aid + 5, 6);
	scl_tlv_put_header(w, 0x79, 7);
	scl_tlv_put(w, 0x4f, piv_aid, 5);
	scl_tlv_put(w, 0x50, (const uint8_t *)a->st->name, nlen);
	scl_tlv_put_header(w, 0xac, sizeof(algs) * 3 + 3);
	for (size_t i = 0; i < sizeof(algs); i++)
		scl_tlv_put(w, 0x80, &algs[i], 1);
	scl_tlv_put(w, 0x06, (const uint8_t *)"", 1);
	return SW_OK;
}

/* ---- GET DATA / PUT DATA --------------------------------------------- */

static bool
object_tag_ok(uint32_t tag)
{
	return (tag >= 0x5fc101 && tag <= 0x5fc123) ||
	    (tag >= 0x5fff00 && tag <= 0x5fff15);
}

static bool
object_needs_pin(uint32_t tag)
{
	/* fingerprints, printed information, facial image, iris (§3.1) */
	return tag == 0x5fc103 || tag == 0x5fc109 || tag == 0x5fc108 ||
	    tag == 0x5fc121;
}

static int
parse_tag_list(const uint8_t *data, size_t len, uint32_t *ret_tag)
{
	const uint8_t *v;
	size_t vlen;
	uint32_t tag = 0;

	if (!only_tlv(data, len, 0x5c, &v, &vlen) || vlen < 1 || vlen > 3)
		return -1;
	for (size_t i = 0; i < vlen; i++)
		tag = tag << 8 | v[i];
	*ret_tag = tag;
	return 0;
}

static uint16_t
cmd_get_data(struct vc_applet *a, const struct vc_capdu *c, struct scl_wbuf *w)
{
	static const uint8_t discovery[] = {
		0x4f, 0x0b, 0xa0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10,
		0x00, 0x01, 0x00, 0x5f, 0x2f, 0x02, 0x40, 0x00,
	};
	struct vc_object *o;
	uint32_t tag;

	if (c->p1 != 0x3f || c->p2 != 0xff)
		return SW_WRONG_P1P2;
	if (parse_tag_list(c->data, c->lc, &tag) != 0)
		return SW_WRONG_DATA;
	if (tag == SCL_PIV_TAG_DISCOVERY) {
		scl_tlv_put(w, 0x7e, discovery, sizeof(discovery));
		return SW_OK;
	}
	if (!object_tag_ok(tag) && tag != 0x7f61)
		return SW_WRONG_DATA;
	if (object_needs_pin(tag) && !a->pin_ok)
		return SW_SECURITY;
	if ((o = vc_state_object(a->st, tag)) == NULL)
		return SW_NOT_FOUND;
	scl_tlv_put(w, 0x53, o->data, o->len);
	return SW_OK;
}

static uint16_t
cmd_put_data(struct vc_applet *a, const struct vc_capdu *c)
{
	struct scl_cursor cur;
	struct scl_tlv t1, t2;
	uint32_t tag = 0;
	int r;

	if (c->p1 != 0x3f || c->p2 != 0xff)
		return SW_WRONG_P1P2;
	if (!a->mgmt_ok)
		return SW_SECURITY;
	scl_cur_init(&cur, c->data, c->lc);
	if (scl_tlv_next(&cur, &t1) != 0 || t1.tag != 0x5c || t1.len < 1 ||
	    t1.len > 3 || scl_tlv_next(&cur, &t2) != 0 || cur.len != 0)
		return SW_WRONG_DATA;
	for (size_t i = 0; i < t1.len; i++)
		tag = tag << 8 | t1.value[i];
	if (!object_tag_ok(tag) || t2.tag != 0x53)
		return SW_WRONG_DATA;
	r = vc_state_set_object(a->st, tag, t2.len > 0 ? t2.value : NULL,
	    t2.len);
	if (r == SCL_ERR_TOO_LARGE || r == SCL_ERR_LIMIT)
		return SW_NO_SPACE;
	if (r != 0)
		return SW_MEMORY;
	return persist(a) ? SW_OK : SW_MEMORY;
}

/* ---- PIN / PUK --------------------------------------------------------- */

/* 8 bytes: 1..8 printable characters, then FF padding only. */
static bool
ref_format_ok(const uint8_t *ref, size_t *ret_len)
{
	size_t n = 0;

	while (n < 8 && ref[n] != 0xff) {
		if (ref[n] < 0x20 || ref[n] > 0x7e)
			return false;
		n++;
	}
	for (size_t i = n; i < 8; i++) {
		if (ref[i] != 0xff)
			return false;
	}
	*ret_len = n;
	return n >= 1;
}

static uint16_t
tries_sw(uint8_t left)
{
	return left == 0 ? SW_BLOCKED : (uint16_t)(0x63c0 | left);
}

/* A TPM failure: 6F00 and the TPM's sentence for the log. */
static uint16_t
tpm_failed(struct vc_applet *a)
{
	set_error(a, vc_tpm_error(a->tpm));
	return SW_UNKNOWN;
}

/* The TPM checks and counts; the file's counter is only a cache. */
static uint16_t
check_ref_tpm(struct vc_applet *a, uint8_t p2, const uint8_t ref[8])
{
	uint8_t *cache = p2 == 0x80 ? &a->st->pin_left : &a->st->puk_left;
	unsigned left = 0;
	int r = vc_tpm_pin_check(a->tpm, p2 == 0x80 ? a->st->tpm_pin_nv :
	    a->st->tpm_puk_nv, ref, &left);

	if (r != 0 && r != SCL_ERR_PIN_WRONG && r != SCL_ERR_PIN_BLOCKED)
		return tpm_failed(a);
	if (*cache != left) {
		*cache = (uint8_t)left;
		(void)persist(a);
	}
	if (r == 0 && p2 == 0x80)
		memcpy(a->pin_ref, ref, 8);
	return r == 0 ? SW_OK : tries_sw((uint8_t)left);
}

/* Tries left: from the TPM on a TPM card; -1 (and the error set) if not. */
static int
tries_left(struct vc_applet *a, uint8_t p2)
{
	unsigned left, max;

	if (!vc_state_is_tpm(a->st))
		return p2 == 0x80 ? a->st->pin_left : a->st->puk_left;
	if (vc_tpm_pin_tries(a->tpm, p2 == 0x80 ? a->st->tpm_pin_nv :
	    a->st->tpm_puk_nv, &left, &max) != 0) {
		set_error(a, vc_tpm_error(a->tpm));
		return -1;
	}
	return (int)left;
}

/*
 * Check ref against PIN (p2 80) or PUK (81) the way a card must: refuse
 * when blocked, spend a try and save it, then compare; a match restores
 * the counter.  Returns SW_OK on a match, else the SW to answer.
 */
static uint16_t
check_ref(struct vc_applet *a, uint8_t p2, const uint8_t ref[8],
    uint8_t dk[VC_DK_LEN])
{
	struct vc_hash *h = p2 == 0x80 ? &a->st->pin : &a->st->puk;
	uint8_t *left = p2 == 0x80 ? &a->st->pin_left : &a->st->puk_left;
	uint8_t max = p2 == 0x80 ? a->st->pin_max : a->st->puk_max;
	int m;

	if (vc_state_is_tpm(a->st))
		return check_ref_tpm(a, p2, ref);
	if (*left == 0)
		return SW_BLOCKED;
	(*left)--;
	if (!persist(a)) {
		(*left)++;
		return SW_MEMORY;
	}
	if (vc_state_is_kdf(a->st)) {
		m = vc_personalize_unwrap(a->st, a->seal_key, p2, ref, dk);
		m = m == 0 ? 1 : m == SCL_ERR_PIN_WRONG ? 0 : -1;
	} else {
		m = vc_hash_check(h, ref);
	}
	if (m < 0)
		return SW_UNKNOWN;
	if (m == 0)
		return tries_sw(*left);
	*left = max;
	if (!persist(a))
		set_error(a, "could not save the restored retry counter after "
		    "a correct PIN; the file keeps one try less");
	return SW_OK;
}

static uint16_t
cmd_verify(struct vc_applet *a, const struct vc_capdu *c)
{
	size_t n;
	uint16_t sw;

	if (c->p2 != 0x80)
		return SW_REF_NOT_FOUND;
	if (c->p1 == 0xff) {
		if (c->lc != 0)
			return SW_WRONG_P1P2;
		a->pin_ok = a->pin_always = false;
		explicit_bzero(a->dk, sizeof(a->dk));
		return SW_OK;
	}
	if (c->p1 != 0x00)
		return SW_WRONG_P1P2;
	if (c->lc == 0) {
		int left;

		if (a->no_tries_report)
			return SW_WRONG_LENGTH;
		if ((left = tries_left(a, 0x80)) < 0)
			return SW_UNKNOWN;
		if (left == 0)
			return SW_BLOCKED;
		return a->pin_ok ? SW_OK : tries_sw((uint8_t)left);
	}
	if (c->lc != 8 || !ref_format_ok(c->data, &n))
		return SW_WRONG_DATA;
	a->pin_ok = a->pin_always = false;
	explicit_bzero(a->dk, sizeof(a->dk));
	if ((sw = check_ref(a, 0x80, c->data, a->dk)) == SW_OK)
		a->pin_ok = a->pin_always = true;
	else
		explicit_bzero(a->dk, sizeof(a->dk));
	return sw;
}

static bool
pin_policy_ok(struct vc_applet *a, const uint8_t *pin, size_t n)
{
	struct scl_pin_policy pol;

	if (scl_pin_policy_parse(a->st->pin_policy, &pol) != 0)
		scl_pin_policy_default(&pol);
	return scl_pin_policy_check(&pol, pin, n, NULL) == 0;
}

/* dk: kdf cards, the data key to wrap for the new reference data. */
static uint16_t
set_ref(struct vc_applet *a, uint8_t p2, const uint8_t ref[8],
    const uint8_t dk[VC_DK_LEN])
{
	struct vc_hash *h = p2 == 0x80 ? &a->st->pin : &a->st->puk;
	uint32_t iter = h->iter;

	if (vc_state_is_kdf(a->st)) {
		if (vc_personalize_wrap_ref(a->st, a->seal_key, p2, ref,
		    dk) != 0)
			return SW_UNKNOWN;
	} else if (vc_state_is_tpm(a->st)) {
		if (vc_tpm_pin_set(a->tpm, p2 == 0x80 ? &a->st->tpm_pin_nv :
		    &a->st->tpm_puk_nv, 0, ref, p2 == 0x80 ? a->st->pin_max :
		    a->st->puk_max) != 0)
			return tpm_failed(a);
	} else if (vc_hash_set(h, ref, iter) != 0) {
		return SW_UNKNOWN;
	}
	if (p2 == 0x80) {
		a->st->pin_left = a->st->pin_max;
		a->st->pin_default = 0;
	} else {
		a->st->puk_left = a->st->puk_max;
		a->st->puk_default = 0;
	}
	return SW_OK;
}

static uint16_t
change_reference(struct vc_applet *a, const struct vc_capdu *c,
    uint8_t dk[VC_DK_LEN])
{
	size_t n_old, n_new;
	uint16_t sw;

	if (c->p1 != 0x00 || (c->p2 != 0x80 && c->p2 != 0x81))
		return SW_REF_NOT_FOUND;
	if (c->lc != 16 || !ref_format_ok(c->data, &n_old) ||
	    !ref_format_ok(c->data + 8, &n_new))
		return SW_WRONG_DATA;
	if (c->p2 == 0x80 && !pin_policy_ok(a, c->data + 8, n_new))
		return SW_WRONG_DATA;
	if (c->p2 == 0x81 && n_new < 6)
		return SW_WRONG_DATA;
	if ((sw = check_ref(a, c->p2, c->data, dk)) != SW_OK) {
		if (c->p2 == 0x80) {
			a->pin_ok = a->pin_always = false;
			explicit_bzero(a->dk, sizeof(a->dk));
		}
		return sw;
	}
	if ((sw = set_ref(a, c->p2, c->data + 8, dk)) != SW_OK)
		return sw;
	if (c->p2 == 0x80) {
		a->pin_ok = a->pin_always = true;
		if (vc_state_is_tpm(a->st))
			memcpy(a->pin_ref, c->data + 8, 8);
		memcpy(a->dk, dk, VC_DK_LEN);
	}
	return persist(a) ? SW_OK : SW_MEMORY;
}

static uint16_t
reset_retry(struct vc_applet *a, const struct vc_capdu *c,
    uint8_t dk[VC_DK_LEN])
{
	size_t n_puk, n_new;
	uint16_t sw;

	if (c->p2 != 0x80)
		return SW_REF_NOT_FOUND;
	if (c->p1 == 0x02) {
		/* new PIN only, authorised by the admin key (TPM VSC style) */
		if (!a->mgmt_ok)
			return SW_SECURITY;
		if (vc_state_is_kdf(a->st)) {
			set_error(a, "admin-key PIN reset refused: this "
			    "software card's keys open only with the PIN or "
			    "the PUK, which the admin key cannot replace; "
			    "unblock with the PUK, or make the card again");
			return SW_CONDITIONS;
		}
		if (c->lc != 8 || !ref_format_ok(c->data, &n_new) ||
		    !pin_policy_ok(a, c->data, n_new))
			return SW_WRONG_DATA;
		if ((sw = set_ref(a, 0x80, c->data, NULL)) != SW_OK)
			return sw;
		a->pin_ok = a->pin_always = false;
		return persist(a) ? SW_OK : SW_MEMORY;
	}
	if (c->p1 != 0x00)
		return SW_WRONG_P1P2;
	if (c->lc != 16 || !ref_format_ok(c->data, &n_puk) ||
	    !ref_format_ok(c->data + 8, &n_new) ||
	    !pin_policy_ok(a, c->data + 8, n_new))
		return SW_WRONG_DATA;
	if ((sw = check_ref(a, 0x81, c->data, dk)) != SW_OK)
		return sw;
	if ((sw = set_ref(a, 0x80, c->data + 8, dk)) != SW_OK)
		return sw;
	a->pin_ok = a->pin_always = false;
	explicit_bzero(a->dk, sizeof(a->dk));
	return persist(a) ? SW_OK : SW_MEMORY;
}

/* Run op with a data-key buffer on the stack, wiped whatever op does. */
static uint16_t
with_dk(uint16_t (*op)(struct vc_applet *, const struct vc_capdu *,
    uint8_t[VC_DK_LEN]), struct vc_applet *a, const struct vc_capdu *c)
{
	uint8_t dk[VC_DK_LEN];
	uint16_t sw = op(a, c, dk);

	explicit_bzero(dk, sizeof(dk));
	return sw;
}

/* ---- GENERAL AUTHENTICATE ---------------------------------------------- */

struct ga_items {
	const uint8_t *v[4];	/* 80 81 82 85 */
	size_t len[4];
	bool has[4];
};

static int
parse_ga(const uint8_t *data, size_t len, struct ga_items *g)
{
	struct scl_cursor cur;
	struct scl_tlv t;
	const uint8_t *v;
	size_t vlen;

	memset(g, 0, sizeof(*g));
	if (!only_tlv(data, len, 0x7c, &v, &vlen))
		return -1;
	scl_cur_init(&cur, v, vlen);
	while (cur.len > 0) {
		int i;

		if (scl_tlv_next(&cur, &t) != 0)
			return -1;
		switch (t.tag) {
		case 0x80:
			i = 0;
			break;
		case 0x81:
			i = 1;
			break;
		case 0x82:
			i = 2;
			break;
		case 0x85:
			i = 3;
			break;
		default:
			return -1;
		}
		if (g->has[i])
			return -1;
		g->has[i] = true;
		g->v[i] = t.value;
		g->len[i] = t.len;
	}
	return 0;
}

static uint16_t
ga_mgmt(struct vc_applet *a, const struct vc_capdu *c, const struct ga_items *g,
    struct scl_wbuf *w)
{
	size_t bs = scl_piv_mgmt_block_len(a->st->admin_alg);
	uint8_t blk[16], chk[16];
	enum ga_state prev = a->ga;
	uint16_t sw = SW_WRONG_DATA;

	a->ga = GA_NONE;
	if (c->p1 == 0x00 && g->has[1] && g->len[1] == 0 && !g->has[0] &&
	    !g->has[2]) {
		/* a bare challenge as random source (OpenSC get_challenge) */
		if (vc_crypto_random(blk, 8) != 0) {
			sw = SW_UNKNOWN;
			goto out;
		}
		scl_tlv_put_header(w, 0x7c, 10);
		scl_tlv_put(w, 0x81, blk, 8);
		sw = SW_OK;
		goto out;
	}
	if (c->p1 != a->st->admin_alg || bs == 0) {
		sw = SW_WRONG_P1P2;
		goto out;
	}
	if (g->has[0] && g->len[0] == 0 && !g->has[1] && !g->has[2]) {
		/* mutual auth step 1: send the encrypted witness */
		if (vc_crypto_random(a->ga_buf, bs) != 0 ||
		    scl_piv_mgmt_block(a->st->admin_alg, a->admin,
		    scl_piv_mgmt_key_len(a->st->admin_alg), 1, a->ga_buf,
		    blk) != 0) {
			sw = SW_UNKNOWN;
			goto out;
		}
		scl_tlv_put_header(w, 0x7c, 2 + bs);
		scl_tlv_put(w, 0x80, blk, bs);
		a->ga = GA_WITNESS;
		sw = SW_OK;
	} else if (g->has[0] && g->len[0] == bs && g->has[1] &&
	    g->len[1] == bs && !g->has[2]) {
		/* step 2: check the decrypted witness, answer the challenge */
		if (prev != GA_WITNESS ||
		    CRYPTO_memcmp(g->v[0], a->ga_buf, bs) != 0) {
			a->mgmt_ok = false;
			sw = SW_SECURITY;
			goto out;
		}
		if (scl_piv_mgmt_block(a->st->admin_alg, a->admin,
		    scl_piv_mgmt_key_len(a->st->admin_alg), 1, g->v[1],
		    blk) != 0) {
			sw = SW_UNKNOWN;
			goto out;
		}
		scl_tlv_put_header(w, 0x7c, 2 + bs);
		scl_tlv_put(w, 0x82, blk, bs);
		a->mgmt_ok = true;
		sw = SW_OK;
	} else if (g->has[1] && g->len[1] == 0 && !g->has[0] && !g->has[2]) {
		/* external authenticate step 1: a plain challenge */
		if (vc_crypto_random(a->ga_buf, bs) != 0) {
			sw = SW_UNKNOWN;
			goto out;
		}
		scl_tlv_put_header(w, 0x7c, 2 + bs);
		scl_tlv_put(w, 0x81, a->ga_buf, bs);
		a->ga = GA_CHALLENGE;
		sw = SW_OK;
	} else if (g->has[2] && g->len[2] == bs && !g->has[0] && !g->has[1]) {
		if (prev != GA_CHALLENGE ||
		    scl_piv_mgmt_block(a->st->admin_alg, a->admin,
		    scl_piv_mgmt_key_len(a->st->admin_alg), 1, a->ga_buf,
		    chk) != 0 || CRYPTO_memcmp(chk, g->v[2], bs) != 0) {
			a->mgmt_ok = false;
			sw = SW_SECURITY;
			goto out;
		}
		a->mgmt_ok = true;
		sw = SW_OK;
	}
out:
	if (a->ga == GA_NONE)
		explicit_bzero(a->ga_buf, sizeof(a->ga_buf));
	explicit_bzero(blk, sizeof(blk));
	explicit_bzero(chk, sizeof(chk));
	return sw;
}

static bool
pin_satisfied(struct vc_applet *a, const struct vc_key *k)
{
	switch (k->pin_policy) {
	case VC_PINPOL_NEVER:
		return true;
	case VC_PINPOL_ALWAYS:
		return a->pin_ok && a->pin_always;
	default:
		return a->pin_ok;
	}
}

static uint16_t
ga_key(struct vc_applet *a, const struct vc_capdu *c, const struct ga_items *g,
    struct scl_wbuf *w)
{
	struct vc_key *k = vc_state_key(a->st, c->p2);
	EVP_PKEY *pk = a->pkey[c->p2];
	const uint8_t *blob = a->tblob[c->p2];
	size_t blen = a->tblob_len[c->p2];
	uint32_t nv = k != NULL ? vc_personalize_key_pin_nv(a->st, k) : 0;
	EVP_PKEY *boxed = NULL;
	uint8_t out[512];
	size_t olen = 0;
	int r;

	if (k == NULL || pk == NULL)
		return SW_NOT_FOUND;
	if (c->p1 != k->alg)
		return SW_WRONG_P1P2;
	if (!g->has[2] || g->len[2] != 0 || g->has[0] ||
	    g->has[1] == g->has[3])
		return SW_WRONG_DATA;
	if (!pin_satisfied(a, k))
		return SW_SECURITY;
	if (vc_state_key_boxed(a->st, k)) {
		/* opened for this one operation, freed below */
		if (vc_personalize_open_key(a->st, a->seal_key, a->dk, k,
		    &boxed) != 0) {
			set_error(a, "the PIN's data key does not open the key "
			    "in this slot (the state was tampered with)");
			return SW_UNKNOWN;
		}
		pk = boxed;
	}
	if (g->has[3] && k->alg == SCL_PIV_ALG_RSA2048)
		r = SCL_ERR_INCORRECT_DATA;
	else if (blob != NULL && g->has[1])
		r = vc_tpm_key_op(a->tpm, blob, blen, nv, a->pin_ref, g->v[1],
		    g->len[1], out, sizeof(out), &olen);
	else if (blob != NULL)
		r = vc_tpm_key_ecdh(a->tpm, blob, blen, nv, a->pin_ref, g->v[3],
		    g->len[3], out, sizeof(out), &olen);
	else if (g->has[1])
		r = vc_crypto_private_op(pk, g->v[1], g->len[1], out,
		    sizeof(out), &olen);
	else
		r = vc_crypto_ecdh(pk, g->v[3], g->len[3], out, sizeof(out),
		    &olen);
	EVP_PKEY_free(boxed);
	if (k->pin_policy == VC_PINPOL_ALWAYS)
		a->pin_always = false;
	if (r != 0 && r != SCL_ERR_INCORRECT_DATA && blob != NULL) {
		explicit_bzero(out, sizeof(out));
		return tpm_failed(a);
	}
	if (r != 0) {
		explicit_bzero(out, sizeof(out));
		return r == SCL_ERR_INCORRECT_DATA ? SW_WRONG_DATA : SW_UNKNOWN;
	}
	scl_tlv_put_header(w, 0x7c, scl_tlv_header_size(0x82, olen) + olen);
	scl_tlv_put(w, 0x82, out, olen);
	explicit_bzero(out, sizeof(out));
	return SW_OK;
}

static uint16_t
cmd_general_auth(struct vc_applet *a, const struct vc_capdu *c,
    struct scl_wbuf *w)
{
	struct ga_items g;

	if (parse_ga(c->data, c->lc, &g) != 0) {
		a->ga = GA_NONE;
		return SW_WRONG_DATA;
	}
	if (c->p2 == SCL_PIV_KEY_MGMT)
		return ga_mgmt(a, c, &g, w);
	a->ga = GA_NONE;
	if (!vc_slot_valid(c->p2))
		return SW_WRONG_P1P2;
	return ga_key(a, c, &g, w);
}

/* ---- key management ---------------------------------------------------- */

/*
 * Takes pk (also on failure).  A key boxed to the PIN keeps only its public
 * half in memory: the private one is written to the state and dropped.
 */
static uint16_t
store_key(struct vc_applet *a, uint8_t slot, EVP_PKEY *pk, uint8_t origin,
    uint8_t pp, uint8_t tp)
{
	struct vc_key *k;
	EVP_PKEY *pub = NULL;
	int r;

	if (pp > VC_PINPOL_ALWAYS || tp > 3) {
		EVP_PKEY_free(pk);
		return SW_WRONG_DATA;
	}
	r = vc_personalize_set_key(a->st, a->seal_key, slot, pk, origin, pp,
	    tp);
	if (r != 0) {
		EVP_PKEY_free(pk);
		return r == SCL_ERR_INVALID_ARGUMENT ? SW_WRONG_DATA :
		    SW_MEMORY;
	}
	k = vc_state_key(a->st, slot);
	if (vc_state_key_boxed(a->st, k)) {
		r = vc_crypto_pub_from_der(k->pub, k->pub_len, &pub);
		EVP_PKEY_free(pk);
		if (r != 0)
			return SW_UNKNOWN;
		pk = pub;
	}
	EVP_PKEY_free(a->pkey[slot]);
	a->pkey[slot] = pk;
	return persist(a) ? SW_OK : SW_MEMORY;
}

/* TPM card: seal blob into slot; takes blob and pub (also on failure). */
static uint16_t
store_tpm_key(struct vc_applet *a, uint8_t slot, uint8_t *blob, size_t len,
    EVP_PKEY *pub, uint8_t origin, uint8_t pp, uint8_t tp)
{
	int r = vc_personalize_set_tpm_key(a->st, a->seal_key, slot,
	    vc_crypto_alg(pub), blob, len, origin, pp, tp);

	if (r != 0) {
		free(blob);
		EVP_PKEY_free(pub);
		return SW_MEMORY;
	}
	EVP_PKEY_free(a->pkey[slot]);
	free(a->tblob[slot]);
	a->pkey[slot] = pub;
	a->tblob[slot] = blob;
	a->tblob_len[slot] = len;
	return persist(a) ? SW_OK : SW_MEMORY;
}

/* The PIN index a new key in slot with PIN policy pp is bound to. */
static uint32_t
new_key_pin_nv(struct vc_applet *a, uint8_t slot, uint8_t pp)
{
	if (pp == VC_PINPOL_DEFAULT)
		pp = vc_slot_default_pin_policy(slot);
	return pp == VC_PINPOL_NEVER ? 0 : a->st->tpm_pin_nv;
}

static uint16_t
cmd_generate_tpm(struct vc_applet *a, uint8_t slot, uint8_t alg, uint8_t pp,
    uint8_t tp, struct scl_wbuf *w)
{
	EVP_PKEY *pub = NULL;
	uint8_t *blob = NULL;
	size_t len = 0;

	if (pp > VC_PINPOL_ALWAYS || tp > 3)
		return SW_WRONG_DATA;
	if (alg == SCL_PIV_ALG_ECC384 && !vc_tpm_has_p384(a->tpm))
		return SW_WRONG_DATA;
	if (vc_tpm_key_create(a->tpm, alg, new_key_pin_nv(a, slot, pp), &blob,
	    &len, &pub) != 0)
		return tpm_failed(a);
	if (vc_crypto_put_pubkey(w, pub) != 0) {
		free(blob);
		EVP_PKEY_free(pub);
		return SW_UNKNOWN;
	}
	return store_tpm_key(a, slot, blob, len, pub, VC_ORIGIN_GENERATED, pp,
	    tp);
}

/* TPM2_Import of pk (freed here), then the plaintext is gone. */
static uint16_t
import_tpm(struct vc_applet *a, uint8_t slot, EVP_PKEY *pk, uint8_t pp,
    uint8_t tp)
{
	EVP_PKEY *pub = NULL;
	uint8_t *blob = NULL;
	size_t len = 0;
	int r;

	if (pp > VC_PINPOL_ALWAYS || tp > 3) {
		EVP_PKEY_free(pk);
		return SW_WRONG_DATA;
	}
	r = vc_tpm_key_import(a->tpm, pk, new_key_pin_nv(a, slot, pp), &blob,
	    &len);
	EVP_PKEY_free(pk);
	if (r != 0)
		return tpm_failed(a);
	if (vc_tpm_key_public(blob, len, &pub) != 0) {
		free(blob);
		return SW_UNKNOWN;
	}
	return store_tpm_key(a, slot, blob, len, pub, VC_ORIGIN_IMPORTED, pp,
	    tp);
}

static uint16_t
cmd_generate(struct vc_applet *a, const struct vc_capdu *c, struct scl_wbuf *w)
{
	struct scl_cursor cur;
	struct scl_tlv t;
	const uint8_t *v;
	size_t vlen;
	uint8_t alg = 0, pp = 0, tp = 0;
	EVP_PKEY *pk = NULL;

	if (c->p1 != 0x00 || !vc_slot_valid(c->p2))
		return SW_WRONG_P1P2;
	if (!a->mgmt_ok)
		return SW_SECURITY;
	if (!only_tlv(c->data, c->lc, 0xac, &v, &vlen))
		return SW_WRONG_DATA;
	scl_cur_init(&cur, v, vlen);
	while (cur.len > 0) {
		if (scl_tlv_next(&cur, &t) != 0 || t.len != 1)
			return SW_WRONG_DATA;
		if (t.tag == 0x80)
			alg = t.value[0];
		else if (t.tag == 0xaa)
			pp = t.value[0];
		else if (t.tag == 0xab)
			tp = t.value[0];
		else
			return SW_WRONG_DATA;
	}
	if (alg != SCL_PIV_ALG_RSA2048 && alg != SCL_PIV_ALG_ECC256 &&
	    alg != SCL_PIV_ALG_ECC384)
		return SW_WRONG_DATA;
	if (vc_state_is_tpm(a->st))
		return cmd_generate_tpm(a, c->p2, alg, pp, tp, w);
	if (vc_crypto_generate(alg, &pk) != 0)
		return SW_UNKNOWN;
	if (vc_crypto_put_pubkey(w, pk) != 0) {
		EVP_PKEY_free(pk);
		return SW_UNKNOWN;
	}
	return store_key(a, c->p2, pk, VC_ORIGIN_GENERATED, pp, tp);
}

static uint16_t
import_key(struct vc_applet *a, const struct vc_capdu *c)
{
	struct scl_cursor cur;
	struct scl_tlv t;
	const uint8_t *part[7] = { NULL };
	size_t plen[7] = { 0 };
	uint8_t pp = 0, tp = 0;
	EVP_PKEY *pk = NULL;
	int r;

	if (!vc_slot_valid(c->p2))
		return SW_WRONG_P1P2;
	if (!a->mgmt_ok)
		return SW_SECURITY;
	scl_cur_init(&cur, c->data, c->lc);
	while (cur.len > 0) {
		if (scl_tlv_next(&cur, &t) != 0)
			return SW_WRONG_DATA;
		if (t.tag >= 0x01 && t.tag <= 0x06 && part[t.tag] == NULL) {
			part[t.tag] = t.value;
			plen[t.tag] = t.len;
		} else if (t.tag == 0xaa && t.len == 1) {
			pp = t.value[0];
		} else if (t.tag == 0xab && t.len == 1) {
			tp = t.value[0];
		} else {
			return SW_WRONG_DATA;
		}
	}
	if (c->p1 == SCL_PIV_ALG_RSA2048) {
		for (int i = 1; i <= 5; i++) {
			if (part[i] == NULL)
				return SW_WRONG_DATA;
		}
		if (part[6] != NULL)
			return SW_WRONG_DATA;
		r = vc_crypto_import_rsa(part + 1, plen + 1, &pk);
	} else if (c->p1 == SCL_PIV_ALG_ECC256 || c->p1 == SCL_PIV_ALG_ECC384) {
		if (part[6] == NULL || part[1] != NULL)
			return SW_WRONG_DATA;
		r = vc_crypto_import_ec(c->p1, part[6], plen[6], &pk);
	} else {
		return SW_WRONG_P1P2;
	}
	if (r != 0)
		return SW_WRONG_DATA;
	if (vc_state_is_tpm(a->st))
		return import_tpm(a, c->p2, pk, pp, tp);
	return store_key(a, c->p2, pk, VC_ORIGIN_IMPORTED, pp, tp);
}

/* The command's key parts are wiped whatever the outcome. */
static uint16_t
cmd_import_key(struct vc_applet *a, const struct vc_capdu *c)
{
	uint16_t sw = import_key(a, c);

	if (c->lc > 0)
		explicit_bzero((uint8_t *)(uintptr_t)c->data, c->lc);
	return sw;
}

/* ---- Yubico extensions ------------------------------------------------- */

static uint16_t
cmd_metadata(struct vc_applet *a, const struct vc_capdu *c, struct scl_wbuf *w)
{
	uint8_t b[2];

	if (c->p1 != 0x00)
		return SW_WRONG_P1P2;
	if (c->p2 == SCL_PIV_KEY_MGMT) {
		b[0] = a->st->admin_alg;
		scl_tlv_put(w, 0x01, b, 1);
		b[0] = 0;
		b[1] = 1;
		scl_tlv_put(w, 0x02, b, 2);
		b[0] = a->st->admin_default;
		scl_tlv_put(w, 0x05, b, 1);
	} else if (c->p2 == 0x80 || c->p2 == 0x81) {
		b[0] = 0xff;
		scl_tlv_put(w, 0x01, b, 1);
		b[0] = c->p2 == 0x80 ? a->st->pin_default : a->st->puk_default;
		scl_tlv_put(w, 0x05, b, 1);
		int left = tries_left(a, c->p2);

		if (left < 0)
			return SW_UNKNOWN;
		b[0] = c->p2 == 0x80 ? a->st->pin_max : a->st->puk_max;
		b[1] = (uint8_t)left;
		scl_tlv_put(w, 0x06, b, 2);
	} else if (vc_slot_valid(c->p2)) {
		struct vc_key *k = vc_state_key(a->st, c->p2);
		uint8_t pub[600];
		struct scl_wbuf pw;
		const uint8_t *v;
		size_t vlen;

		if (k == NULL || a->pkey[c->p2] == NULL)
			return SW_NOT_FOUND;
		scl_wbuf_init(&pw, pub, sizeof(pub));
		if (vc_crypto_put_pubkey(&pw, a->pkey[c->p2]) != 0 ||
		    scl_tlv_expect(pub, pw.len, 0x7f49, &v, &vlen) != 0)
			return SW_UNKNOWN;
		scl_tlv_put(w, 0x01, &k->alg, 1);
		b[0] = k->pin_policy;
		b[1] = k->touch_policy;
		scl_tlv_put(w, 0x02, b, 2);
		scl_tlv_put(w, 0x03, &k->origin, 1);
		scl_tlv_put(w, 0x04, v, vlen);
	} else {
		return SW_REF_NOT_FOUND;
	}
	return SW_OK;
}

static uint16_t
cmd_set_mgmt(struct vc_applet *a, const struct vc_capdu *c)
{
	size_t klen;

	if (c->p1 != 0xff || (c->p2 != 0xff && c->p2 != 0xfe))
		return SW_WRONG_P1P2;
	if (!a->mgmt_ok)
		return SW_SECURITY;
	if (c->lc < 3 || c->data[1] != SCL_PIV_KEY_MGMT ||
	    (klen = scl_piv_mgmt_key_len(c->data[0])) == 0 ||
	    c->data[2] != klen || c->lc != 3 + klen)
		return SW_WRONG_DATA;
	if (vc_personalize_set_admin(a->st, a->seal_key, c->data[0],
	    c->data + 3, klen) != 0)
		return SW_MEMORY;
	explicit_bzero(a->admin, sizeof(a->admin));
	memcpy(a->admin, c->data + 3, klen);
	a->admin_len = klen;
	a->st->admin_default = 0;
	return persist(a) ? SW_OK : SW_MEMORY;
}

static uint16_t
cmd_set_retries(struct vc_applet *a, const struct vc_capdu *c)
{
	uint8_t ref[8];
	int r;

	if (!a->mgmt_ok || !a->pin_ok)
		return SW_SECURITY;
	if (c->p1 < 1 || c->p1 > VC_TRIES_MAX || c->p2 < 1 ||
	    c->p2 > VC_TRIES_MAX)
		return SW_WRONG_P1P2;
	if (vc_state_is_tpm(a->st)) {
		if (vc_personalize_tpm_secrets(a->st, a->tpm, VC_DEFAULT_PIN,
		    VC_DEFAULT_PUK, c->p1, c->p2) != 0)
			return tpm_failed(a);
	} else if (vc_state_is_kdf(a->st)) {
		if (vc_personalize_wrap(a->st, a->seal_key, 0x80,
		    VC_DEFAULT_PIN, a->dk) != 0 ||
		    vc_personalize_wrap(a->st, a->seal_key, 0x81,
		    VC_DEFAULT_PUK, a->dk) != 0)
			return SW_UNKNOWN;
	} else if ((r = vc_ref_from_string(VC_DEFAULT_PIN, ref)) != 0 ||
	    (r = vc_hash_set(&a->st->pin, ref, a->st->pin.iter)) != 0 ||
	    (r = vc_ref_from_string(VC_DEFAULT_PUK, ref)) != 0 ||
	    (r = vc_hash_set(&a->st->puk, ref, a->st->puk.iter)) != 0) {
		explicit_bzero(ref, sizeof(ref));
		return SW_UNKNOWN;
	}
	explicit_bzero(ref, sizeof(ref));
	a->st->pin_left = a->st->pin_max = c->p1;
	a->st->puk_left = a->st->puk_max = c->p2;
	a->st->pin_default = a->st->puk_default = 1;
	a->pin_ok = a->pin_always = false;
	explicit_bzero(a->dk, sizeof(a->dk));
	return persist(a) ? SW_OK : SW_MEMORY;
}

static uint16_t
cmd_reset(struct vc_applet *a, const struct vc_capdu *c)
{
	size_t n;

	if (tries_left(a, 0x80) != 0 || tries_left(a, 0x81) != 0)
		return SW_CONDITIONS;
	if (vc_personalize_factory_reset(a->st, a->seal_key) != 0)
		return SW_MEMORY;
	if (vc_state_is_tpm(a->st) && vc_personalize_tpm_secrets(a->st, a->tpm,
	    VC_DEFAULT_PIN, VC_DEFAULT_PUK, VC_DEFAULT_TRIES,
	    VC_DEFAULT_TRIES) != 0)
		return tpm_failed(a);
	for (size_t i = 0; i < 256; i++) {
		EVP_PKEY_free(a->pkey[i]);
		a->pkey[i] = NULL;
		free(a->tblob[i]);
		a->tblob[i] = NULL;
	}
	explicit_bzero(a->admin, sizeof(a->admin));
	if (vc_personalize_open_admin(a->st, a->seal_key, a->admin, &n) != 0)
		return SW_MEMORY;
	a->admin_len = n;
	clear_security(a);
	return persist(a) ? SW_OK : SW_MEMORY;
}

static uint16_t
dispatch(struct vc_applet *a, const struct vc_capdu *c, struct scl_wbuf *w)
{
	if (c->ins != 0x87)
		a->ga = GA_NONE;
	switch (c->ins) {
	case 0xa4:
		return cmd_select(a, c, w);
	case 0xcb:
		return cmd_get_data(a, c, w);
	case 0xdb:
		return cmd_put_data(a, c);
	case 0x20:
		return cmd_verify(a, c);
	case 0x24:
		return with_dk(change_reference, a, c);
	case 0x2c:
		return with_dk(reset_retry, a, c);
	case 0x87:
		return cmd_general_auth(a, c, w);
	case 0x47:
		return cmd_generate(a, c, w);
	case 0xfd:
		scl_wbuf_put_bytes(w, (const uint8_t *)"\x05\x04\x03", 3);
		return SW_OK;
	case 0xf8: {
		uint8_t s[4] = {
			(uint8_t)(a->st->serial >> 24),
			(uint8_t)(a->st->serial >> 16),
			(uint8_t)(a->st->serial >> 8), (uint8_t)a->st->serial,
		};

		scl_wbuf_put_bytes(w, s, sizeof(s));
		return SW_OK;
	}
	case 0xf7:
		return cmd_metadata(a, c, w);
	case 0xfe:
		return cmd_import_key(a, c);
	case 0xff:
		return cmd_set_mgmt(a, c);
	case 0xfa:
		return cmd_set_retries(a, c);
	case 0xfb:
		return cmd_reset(a, c);
	default:
		return SW_INS;
	}
}

uint16_t
vc_applet_piv(struct vc_applet *a, const struct vc_capdu *c,
    struct scl_wbuf *w)
{
	return dispatch(a, c, w);
}

static void
put_sw(uint8_t *resp, size_t *len, uint16_t sw)
{
	resp[(*len)++] = (uint8_t)(sw >> 8);
	resp[(*len)++] = (uint8_t)sw;
}

/* Send up to chunk bytes of the pending body, with 61xx if more remain. */
static void
deliver(struct vc_applet *a, size_t chunk, uint8_t *resp, size_t cap,
    size_t *ret_len)
{
	size_t left = a->pending_len - a->pending_off, n, len = 0;

	if (chunk > cap - 2)
		chunk = cap - 2;
	n = left < chunk ? left : chunk;
	memcpy(resp, a->pending + a->pending_off, n);
	len = n;
	a->pending_off += n;
	left -= n;
	if (left == 0) {
		clear_pending(a);
		put_sw(resp, &len, SW_OK);
	} else {
		put_sw(resp, &len, (uint16_t)(0x6100 | (left > 255 ? 0 : left)));
	}
	*ret_len = len;
}

int
vc_applet_process(struct vc_applet *a, const uint8_t *cmd, size_t len,
    uint8_t *resp, size_t cap, size_t *ret_len)
{
	struct vc_capdu c;
	struct scl_wbuf w;
	size_t n = 0, chunk;
	uint16_t sw;

	if (cap < 2)
		return SCL_ERR_INVALID_ARGUMENT;
	if (parse_capdu(cmd, len, &c) != 0) {
		clear_chain(a);
		clear_pending(a);
		sw = SW_WRONG_LENGTH;
		goto answer;
	}
	if ((c.cla & ~0x10) != 0) {
		clear_chain(a);
		clear_pending(a);
		sw = SW_CLA;
		goto answer;
	}
	if (c.ins == 0xc0 && !(c.cla & 0x10)) {
		if (a->pending == NULL) {
			sw = SW_CONDITIONS;
			goto answer;
		}
		deliver(a, c.ne != 0 ? c.ne : 256, resp, cap, ret_len);
		return 0;
	}
	clear_pending(a);
	if (a->chaining && (a->chain_hdr[0] != c.ins ||
	    a->chain_hdr[1] != c.p1 || a->chain_hdr[2] != c.p2)) {
		clear_chain(a);
		if (c.cla & 0x10) {
			sw = SW_LAST_IN_CHAIN;
			goto answer;
		}
	}
	if ((c.cla & 0x10) || a->chaining) {
		if (a->chain_len + c.lc > CHAIN_MAX) {
			clear_chain(a);
			sw = SW_NO_SPACE;
			goto answer;
		}
		if (c.lc > 0)
			memcpy(a->chain + a->chain_len, c.data, c.lc);
		a->chain_len += c.lc;
		if (c.cla & 0x10) {
			a->chaining = true;
			a->chain_hdr[0] = c.ins;
			a->chain_hdr[1] = c.p1;
			a->chain_hdr[2] = c.p2;
			sw = SW_OK;
			goto answer;
		}
		c.data = a->chain;
		c.lc = a->chain_len;
	}
	scl_wbuf_init(&w, a->out, OUT_MAX);
	if (a->st->applet == VC_APPLET_GIDS)
		sw = vc_gids_dispatch(&a->gids, a, &c, &w);
	else
		sw = dispatch(a, &c, &w);
	clear_chain(a);
	if (w.err != 0 && sw == SW_OK)
		sw = SW_UNKNOWN;
	if (sw == SW_OK && w.len > 0) {
		if ((a->pending = malloc(w.len)) == NULL) {
			explicit_bzero(a->out, w.len);
			sw = SW_MEMORY;
			goto answer;
		}
		memcpy(a->pending, a->out, w.len);
		a->pending_len = w.len;
		a->pending_off = 0;
		explicit_bzero(a->out, w.len);
		chunk = c.ne != 0 ? c.ne : (c.ext ? 65536 : 256);
		deliver(a, chunk, resp, cap, ret_len);
		return 0;
	}
	if (w.len > 0)
		explicit_bzero(a->out, w.len);
answer:
	put_sw(resp, &n, sw);
	*ret_len = n;
	return 0;
}
