/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "crypto.h"
#include "gids.h"
#include "piv.h"
#include "tlv.h"

#define SW_OK			0x9000
#define SW_WRONG_LENGTH		0x6700
#define SW_CONDITIONS		0x6985
#define SW_WRONG_DATA		0x6a80
#define SW_FUNC_NOT_SUPPORTED	0x6a81
#define SW_NOT_FOUND		0x6a82
#define SW_WRONG_P1P2		0x6a86
#define SW_REF_NOT_FOUND	0x6a88
#define SW_INS			0x6d00
#define SW_UNKNOWN		0x6f00

#define FI_MF		0xa000	/* UserCreateDeleteDirAc */
#define FI_USER		0xa010	/* EveryoneReadUserWriteAc */
#define FI_ADMIN	0xa012	/* EveryoneReadAdminWriteAc */
#define FI_APPLET	0x3fff
#define DO_MF		0xdf1f
#define DO_KEYMAP	0xdf20
#define DO_CARDAPPS	0xdf21
#define DO_CARDCF	0xdf22
#define DO_CMAP		0xdf23
#define DO_CERT0	0xdf24
#define DO_CARDID	0xdf20
#define DO_PIN		0x7f71
#define DO_PUK		0x7f73

#define KEY_REF0	0x81
#define ALG_RSA2048_PKCS1 0x57
#define MF_RECORD	28	/* dir[9] file[9] pad[2] DO u32le FI u32le */
#define CMAP_RECORD	86	/* wszGuid[40] flags reserved sig kx (u16le) */
#define KEYMAP_RECORD	12	/* state u32le alg type ref u16le FFFF pad */
#define RSA_LEN		256
#define CERT_MAX	(VC_OBJ_LEN_MAX + 64)

static const uint8_t gids_aid[9] = {
	0xa0, 0x00, 0x00, 0x03, 0x97, 0x42, 0x54, 0x46, 0x59,
};
static const uint8_t slots[4] = {
	SCL_PIV_KEY_AUTH, SCL_PIV_KEY_SIGN, SCL_PIV_KEY_KEYMGMT,
	SCL_PIV_KEY_CARDAUTH,
};

void
vc_gids_reset(struct vc_gids *g)
{
	memset(g, 0, sizeof(*g));
}

/* The certificate DER inside the PIV object of slot (70, CertInfo 00). */
static bool
slot_cert(struct vc_applet *a, uint8_t slot, const uint8_t **der,
    size_t *len)
{
	struct vc_object *o = vc_state_object(vc_applet_state(a),
	    scl_piv_cert_tag(slot));
	const uint8_t *info;
	size_t ilen;

	if (o == NULL || scl_tlv_find(o->data, o->len, 0x70, der, len) != 0 ||
	    *len == 0)
		return false;
	if (scl_tlv_find(o->data, o->len, 0x71, &info, &ilen) == 0 &&
	    (ilen != 1 || info[0] != 0))
		return false;
	return true;
}

/* The PIV slot of container n: the n-th RSA 2048 key with a certificate. */
static int
container_slot(struct vc_applet *a, size_t n)
{
	struct vc_state *st = vc_applet_state(a);
	const uint8_t *der;
	size_t len, seen = 0;

	for (size_t i = 0; i < sizeof(slots); i++) {
		struct vc_key *k = vc_state_key(st, slots[i]);

		if (k == NULL || k->alg != SCL_PIV_ALG_RSA2048 ||
		    vc_applet_public_key(a, slots[i]) == NULL ||
		    !slot_cert(a, slots[i], &der, &len))
			continue;
		if (seen++ == n)
			return slots[i];
	}
	return -1;
}

static size_t
n_containers(struct vc_applet *a)
{
	size_t n = 0;

	while (n < sizeof(slots) && container_slot(a, n) >= 0)
		n++;
	return n;
}

static void
put_le(struct scl_wbuf *w, uint32_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		scl_wbuf_put_u8(w, (uint8_t)(v >> (8 * i)));
}

static void
put_padded(struct scl_wbuf *w, const char *s, size_t n)
{
	size_t l = strlen(s);

	scl_wbuf_put_bytes(w, (const uint8_t *)s, l);
	for (size_t i = l; i < n; i++)
		scl_wbuf_put_u8(w, 0);
}

static void
mf_record(struct scl_wbuf *w, const char *dir, const char *file,
    uint16_t fi, uint16_t dobj)
{
	put_padded(w, dir, 9);
	put_padded(w, file, 9);
	put_le(w, 0, 2);
	put_le(w, dobj, 4);
	put_le(w, fi, 4);
}

static void
put_masterfile(struct vc_applet *a, struct scl_wbuf *w)
{
	size_t n = n_containers(a);
	char name[9];

	scl_wbuf_put_u8(w, 1);
	mf_record(w, "", "cardid", FI_ADMIN, DO_CARDID);
	mf_record(w, "", "cardapps", FI_USER, DO_CARDAPPS);
	mf_record(w, "", "cardcf", FI_USER, DO_CARDCF);
	mf_record(w, "mscp", "", FI_MF, 0);
	mf_record(w, "mscp", "cmapfile", FI_USER, DO_CMAP);
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "ksc%02zX", i);
		mf_record(w, "mscp", name, FI_USER, (uint16_t)(DO_CERT0 + i));
	}
}

static void
put_cmapfile(struct vc_applet *a, struct scl_wbuf *w)
{
	size_t n = n_containers(a);
	char label[16];

	for (size_t i = 0; i < n; i++) {
		snprintf(label, sizeof(label), "sclogin-%02x",
		    container_slot(a, i));
		for (size_t j = 0; j < 40; j++)
			put_le(w, j < strlen(label) ? (uint8_t)label[j] : 0, 2);
		scl_wbuf_put_u8(w, i == 0 ? 3 : 1);	/* valid, default */
		scl_wbuf_put_u8(w, 0);
		put_le(w, 2048, 2);
		put_le(w, 0, 2);
	}
}

static void
put_keymap(struct vc_applet *a, struct scl_wbuf *w)
{
	size_t n = n_containers(a);

	scl_wbuf_put_u8(w, 1);
	for (size_t i = 0; i < n; i++) {
		put_le(w, 1, 4);
		scl_wbuf_put_u8(w, 0x07);		/* RSA 2048 */
		scl_wbuf_put_u8(w, 0x9c);		/* AT_SIGNATURE */
		put_le(w, 0xb000u + KEY_REF0 + (uint32_t)i, 2);
		put_le(w, 0xffff, 2);
		put_le(w, 0, 2);
	}
}

/* The minidriver certificate file: 01 00, length (u16le), zlib stream. */
static uint16_t
put_cert(struct vc_applet *a, size_t n, struct scl_wbuf *w)
{
	int slot = container_slot(a, n);
	const uint8_t *der;
	size_t len;
	uLongf zlen = compressBound(CERT_MAX);
	uint8_t *z;
	uint16_t sw = SW_OK;

	if (slot < 0 || !slot_cert(a, (uint8_t)slot, &der, &len))
		return SW_NOT_FOUND;
	if (len > 0xffff || (z = malloc(zlen)) == NULL)
		return SW_UNKNOWN;
	if (compress(z, &zlen, der, len) != Z_OK) {
		sw = SW_UNKNOWN;
	} else {
		scl_wbuf_put_u8(w, 1);
		scl_wbuf_put_u8(w, 0);
		put_le(w, (uint32_t)len, 2);
		scl_wbuf_put_bytes(w, z, zlen);
	}
	free(z);
	return sw;
}

static uint16_t
put_tries(struct vc_applet *a, uint16_t dobj, struct scl_wbuf *w)
{
	struct vc_state *st = vc_applet_state(a);
	const struct vc_capdu q = { .ins = 0x20, .p2 = 0x80 };
	struct scl_wbuf scratch;
	uint8_t left = st->puk_left, limit = st->puk_max, tmp[8];

	if (dobj == DO_PIN) {
		uint16_t sw;

		scl_wbuf_init(&scratch, tmp, sizeof(tmp));
		sw = vc_applet_piv(a, &q, &scratch);
		limit = st->pin_max;
		if (sw == SW_OK)
			left = limit;
		else if ((sw & 0xfff0) == 0x63c0)
			left = sw & 0x0f;
		else if (sw == 0x6983)
			left = 0;
		else
			return sw;
	}
	scl_tlv_put_header(w, dobj, 6);
	scl_tlv_put(w, 0x97, &left, 1);
	scl_tlv_put(w, 0x93, &limit, 1);
	return SW_OK;
}

/* 70 { 84 <key ref> A5 { 7F49 80 } }: the public key of a container. */
static uint16_t
get_public_key(struct vc_applet *a, const uint8_t *data, size_t len,
    struct scl_wbuf *w)
{
	const uint8_t *v, *ref;
	size_t vlen, rlen;
	int slot;

	if (scl_tlv_expect(data, len, 0x70, &v, &vlen) != 0 ||
	    scl_tlv_find(v, vlen, 0x84, &ref, &rlen) != 0 || rlen != 1 ||
	    ref[0] < KEY_REF0)
		return SW_WRONG_DATA;
	if ((slot = container_slot(a, ref[0] - KEY_REF0)) < 0)
		return SW_REF_NOT_FOUND;
	return vc_crypto_put_pubkey(w,
	    vc_applet_public_key(a, (uint8_t)slot)) == 0 ? SW_OK : SW_UNKNOWN;
}

static uint16_t
cmd_get_data(struct vc_applet *a, const struct vc_capdu *c,
    struct scl_wbuf *w)
{
	uint16_t fi = (uint16_t)(c->p1 << 8 | c->p2), dobj;
	struct scl_wbuf body;
	uint8_t *buf;
	const uint8_t *v;
	size_t vlen;
	uint16_t sw = SW_OK;

	if (fi == FI_APPLET && c->lc > 0 && c->data[0] == 0x70)
		return get_public_key(a, c->data, c->lc, w);
	if (scl_tlv_expect(c->data, c->lc, 0x5c, &v, &vlen) != 0 || vlen != 2)
		return SW_WRONG_DATA;
	dobj = (uint16_t)(v[0] << 8 | v[1]);
	if (fi == FI_APPLET && (dobj == DO_PIN || dobj == DO_PUK))
		return put_tries(a, dobj, w);
	if ((buf = malloc(CERT_MAX)) == NULL)
		return SW_UNKNOWN;
	scl_wbuf_init(&body, buf, CERT_MAX);
	if (fi == FI_MF && dobj == DO_MF) {
		put_masterfile(a, &body);
	} else if (fi == FI_MF && dobj == DO_KEYMAP) {
		put_keymap(a, &body);
	} else if (fi == FI_USER && dobj == DO_CARDAPPS) {
		put_padded(&body, "mscp", 8);
	} else if (fi == FI_USER && dobj == DO_CARDCF) {
		put_le(&body, 0, 6);
	} else if (fi == FI_USER && dobj == DO_CMAP) {
		put_cmapfile(a, &body);
	} else if (fi == FI_USER && dobj >= DO_CERT0 &&
	    dobj < DO_CERT0 + sizeof(slots)) {
		sw = put_cert(a, dobj - DO_CERT0, &body);
	} else if (fi == FI_ADMIN && dobj == DO_CARDID) {
		scl_wbuf_put_bytes(&body, vc_applet_state(a)->guid, 16);
	} else {
		sw = SW_NOT_FOUND;
	}
	if (sw == SW_OK && body.err != 0)
		sw = SW_UNKNOWN;
	if (sw == SW_OK)
		scl_tlv_put(w, dobj, buf, body.len);
	free(buf);
	return sw;
}

static uint16_t
cmd_select(struct vc_gids *g, struct vc_applet *a, const struct vc_capdu *c,
    struct scl_wbuf *w)
{
	static const uint8_t fci_aid[11] = {
		0xa0, 0x00, 0x00, 0x03, 0x97, 0x42, 0x54, 0x46, 0x59, 0x02,
		0x01,
	};
	static const uint8_t discretionary[3] = { 0x40, 0x01, 0xc0 };
	const struct vc_capdu deauth = { .ins = 0x20, .p1 = 0xff, .p2 = 0x80 };

	if (c->p1 == 0x00 && c->lc == 2 && c->data[0] == 0x3f &&
	    c->data[1] == 0xff)
		return g->selected ? SW_OK : SW_NOT_FOUND;
	if (c->p1 != 0x04)
		return g->selected ? SW_NOT_FOUND : SW_WRONG_P1P2;
	if (c->lc < sizeof(gids_aid) || c->lc > sizeof(fci_aid) ||
	    memcmp(c->data, gids_aid, sizeof(gids_aid)) != 0)
		return SW_NOT_FOUND;
	vc_gids_reset(g);
	g->selected = true;
	(void)vc_applet_piv(a, &deauth, w);
	if (c->p2 == 0x0c)
		return SW_OK;
	if (c->p2 != 0x00)
		return SW_WRONG_P1P2;
	scl_tlv_put_header(w, 0x61, 2 + sizeof(fci_aid) + 2 +
	    sizeof(discretionary));
	scl_tlv_put(w, 0x4f, fci_aid, sizeof(fci_aid));
	scl_tlv_put(w, 0x73, discretionary, sizeof(discretionary));
	return SW_OK;
}

static uint16_t
cmd_verify(struct vc_applet *a, const struct vc_capdu *c,
    struct scl_wbuf *w)
{
	struct vc_capdu p = { .ins = 0x20, .p2 = 0x80 };
	uint8_t ref[8];
	uint16_t sw;

	if (c->p1 != 0x00)
		return SW_WRONG_P1P2;
	if (c->p2 == 0x82) {
		p.p1 = 0xff;
		return c->lc == 0 ? vc_applet_piv(a, &p, w) : SW_WRONG_LENGTH;
	}
	if (c->p2 != 0x80)
		return SW_REF_NOT_FOUND;
	if (c->lc > sizeof(ref))
		return SW_WRONG_DATA;
	for (size_t i = 0; i < c->lc; i++) {
		if (c->data[i] < 0x20 || c->data[i] > 0x7e)
			return SW_WRONG_DATA;
	}
	if (c->lc > 0) {
		memset(ref, 0xff, sizeof(ref));
		memcpy(ref, c->data, c->lc);
		p.data = ref;
		p.lc = sizeof(ref);
	}
	sw = vc_applet_piv(a, &p, w);
	explicit_bzero(ref, sizeof(ref));
	return sw;
}

static uint16_t
cmd_mse(struct vc_gids *g, const struct vc_capdu *c)
{
	struct scl_cursor cur;
	struct scl_tlv t;
	uint8_t alg = 0, key = 0;

	g->mse_key = g->mse_alg = 0;
	if (c->p1 != 0x41)
		return SW_WRONG_P1P2;
	if (c->p2 != 0xb6)
		return SW_FUNC_NOT_SUPPORTED;
	scl_cur_init(&cur, c->data, c->lc);
	while (cur.len > 0) {
		if (scl_tlv_next(&cur, &t) != 0 || t.len != 1)
			return SW_WRONG_DATA;
		if (t.tag == 0x80 && alg == 0)
			alg = t.value[0];
		else if (t.tag == 0x84 && key == 0)
			key = t.value[0];
		else
			return SW_WRONG_DATA;
	}
	if (alg != ALG_RSA2048_PKCS1)
		return SW_WRONG_DATA;
	if (key < KEY_REF0 || key >= KEY_REF0 + sizeof(slots))
		return SW_REF_NOT_FOUND;
	g->mse_key = key;
	g->mse_alg = alg;
	return SW_OK;
}

/* EMSA-PKCS1-v1_5 (RFC 8017 §9.2 steps 2-5) over data, then the PIV key. */
static uint16_t
cmd_sign(struct vc_gids *g, struct vc_applet *a, const struct vc_capdu *c,
    struct scl_wbuf *w)
{
	uint8_t cmd[10 + RSA_LEN], out[RSA_LEN + 16];
	uint8_t *em = cmd + 10;
	struct vc_capdu p = { .ins = 0x87, .p1 = SCL_PIV_ALG_RSA2048 };
	struct scl_wbuf pw;
	const uint8_t *v, *sig;
	size_t vlen, slen;
	int slot;
	uint16_t sw;

	if (c->p1 != 0x9e || c->p2 != 0x9a)
		return SW_WRONG_P1P2;
	if (g->mse_key == 0)
		return SW_CONDITIONS;
	if ((slot = container_slot(a, g->mse_key - KEY_REF0)) < 0)
		return SW_REF_NOT_FOUND;
	if (c->lc == 0 || c->lc > RSA_LEN - 11)
		return SW_WRONG_LENGTH;
	/* 7C { 82 (empty: the response), 81 <challenge> } */
	memcpy(cmd, "\x7c\x82\x01\x06\x82\x00\x81\x82\x01\x00", 10);
	em[0] = 0x00;
	em[1] = 0x01;
	memset(em + 2, 0xff, RSA_LEN - 3 - c->lc);
	em[RSA_LEN - 1 - c->lc] = 0x00;
	memcpy(em + RSA_LEN - c->lc, c->data, c->lc);
	p.p2 = (uint8_t)slot;
	p.data = cmd;
	p.lc = 10 + RSA_LEN;
	scl_wbuf_init(&pw, out, sizeof(out));
	sw = vc_applet_piv(a, &p, &pw);
	if (sw == SW_OK && (pw.err != 0 ||
	    scl_tlv_expect(out, pw.len, 0x7c, &v, &vlen) != 0 ||
	    scl_tlv_expect(v, vlen, 0x82, &sig, &slen) != 0))
		sw = SW_UNKNOWN;
	if (sw == SW_OK)
		scl_wbuf_put_bytes(w, sig, slen);
	explicit_bzero(cmd, sizeof(cmd));
	explicit_bzero(out, sizeof(out));
	return sw;
}

uint16_t
vc_gids_dispatch(struct vc_gids *g, struct vc_applet *a,
    const struct vc_capdu *c, struct scl_wbuf *w)
{
	if (c->ins == 0xa4)
		return cmd_select(g, a, c, w);
	if (!g->selected)
		return SW_CONDITIONS;
	switch (c->ins) {
	case 0xcb:
		return cmd_get_data(a, c, w);
	case 0x20:
		return cmd_verify(a, c, w);
	case 0x22:
		return cmd_mse(g, c);
	case 0x2a:
		return cmd_sign(g, a, c, w);
	default:
		return SW_INS;
	}
}
