/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <zlib.h>

#include "apdu.h"
#include "cursor.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "piv.h"
#include "secret.h"
#include "tlv.h"

#define INS_VERIFY	0x20
#define INS_CHANGE	0x24
#define INS_RESET_RETRY	0x2C
#define INS_GENERATE	0x47
#define INS_GEN_AUTH	0x87
#define INS_SELECT	0xA4
#define INS_GET_DATA	0xCB
#define INS_PUT_DATA	0xDB

#define RESP_SMALL	1024
#define GA_IN_MAX	512		/* RSA 4096 */
#define CERTINFO_GZIP	0x01

/* SP 800-73-4 Pt 1 §2.2: the PIV AID, right-truncated (Pt 2 §3.1.1). */
static const uint8_t piv_aid[] = {
	0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00,
};

static int
xfer(struct scl_transport *t, uint8_t ins, uint8_t p1, uint8_t p2,
    const uint8_t *data, size_t data_len, size_t le, uint8_t *resp,
    size_t cap, size_t *ret_len, uint16_t *ret_sw)
{
	struct scl_apdu a = {
		.cla = 0x00, .ins = ins, .p1 = p1, .p2 = p2,
		.data = data, .data_len = data_len, .le = le,
	};

	return scl_apdu_transmit(t, &a, resp, cap, ret_len, ret_sw);
}

/*
 * xfer asking for all the card has: Le 65536 on an extended-length
 * transport, else 256 (the rest through 61xx).  A card or reader that
 * refuses the extended APDU (6700, 6D00, or a transmit error that is not
 * a lost card) gets the command once more as short APDUs, and the
 * transport stays short from then on.  Never used for a command carrying
 * a PIN.
 */
static int
xfer_all(struct scl_transport *t, uint8_t ins, uint8_t p1, uint8_t p2,
    const uint8_t *data, size_t data_len, uint8_t *resp, size_t cap,
    size_t *ret_len, uint16_t *ret_sw)
{
	size_t len = 0;
	uint16_t sw = 0;
	int r, ext = (t->flags & SCL_TRANSPORT_EXTENDED) != 0;

	r = xfer(t, ins, p1, p2, data, data_len, ext ? 65536 : 256, resp,
	    cap, &len, &sw);
	if (ext && (r == SCL_ERR_TRANSMIT ||
	    (r == 0 && (sw == 0x6700 || sw == 0x6D00)))) {
		scl_debug("%s: extended-length %02X refused (%s, sw %04X), "
		    "short APDUs from now on", __func__, ins, scl_err_name(r),
		    sw);
		t->flags &= ~(unsigned)SCL_TRANSPORT_EXTENDED;
		r = xfer(t, ins, p1, p2, data, data_len, 256, resp, cap, &len,
		    &sw);
	}
	if (r == 0) {
		*ret_len = len;
		*ret_sw = sw;
	}
	return r;
}

static size_t
tag_bytes(uint32_t tag, uint8_t out[3])
{
	if (tag <= 0xFF) {
		out[0] = (uint8_t)tag;
		return 1;
	}
	if (tag <= 0xFFFF) {
		out[0] = (uint8_t)(tag >> 8);
		out[1] = (uint8_t)tag;
		return 2;
	}
	out[0] = (uint8_t)(tag >> 16);
	out[1] = (uint8_t)(tag >> 8);
	out[2] = (uint8_t)tag;
	return 3;
}

static int
key_ref_ok(uint8_t ref)
{
	return ref == SCL_PIV_KEY_AUTH || ref == SCL_PIV_KEY_SIGN ||
	    ref == SCL_PIV_KEY_KEYMGMT || ref == SCL_PIV_KEY_CARDAUTH ||
	    (ref >= 0x82 && ref <= 0x95);
}

/* Bytes a GENERAL AUTHENTICATE input must have for alg (0: any up to max). */
static int
ga_len_ok(uint8_t alg, size_t len)
{
	switch (alg) {
	case SCL_PIV_ALG_RSA1024:
		return len == 128;
	case SCL_PIV_ALG_RSA2048:
		return len == 256;
	case 0x05:	/* RSA 3072 */
		return len == 384;
	case 0x16:	/* RSA 4096 */
		return len == 512;
	case SCL_PIV_ALG_ECC256:
		return len > 0 && len <= 32;
	case SCL_PIV_ALG_ECC384:
		return len > 0 && len <= 48;
	default:
		return 0;
	}
}

uint32_t
scl_piv_cert_tag(uint8_t key_ref)
{
	switch (key_ref) {
	case SCL_PIV_KEY_AUTH:
		return SCL_PIV_TAG_CERT_9A;
	case SCL_PIV_KEY_SIGN:
		return SCL_PIV_TAG_CERT_9C;
	case SCL_PIV_KEY_KEYMGMT:
		return SCL_PIV_TAG_CERT_9D;
	case SCL_PIV_KEY_CARDAUTH:
		return SCL_PIV_TAG_CERT_9E;
	default:
		break;
	}
	/* Retired key management keys 82..95 (Table 3). */
	if (key_ref >= 0x82 && key_ref <= 0x95)
		return 0x5FC10Du + (uint32_t)(key_ref - 0x82);
	return 0;
}

int
scl_piv_select_sw_to_err(uint16_t sw)
{
	int r;

	switch (sw) {
	case 0x6A82:
	case 0x6A81:
	case 0x6A86:
	case 0x6D00:
	case 0x6E00:
		r = SCL_ERR_NO_APPLET;
		break;
	default:
		r = scl_apdu_sw_to_err(sw, NULL);
		break;
	}
	return r;
}

int
scl_piv_select(struct scl_transport *t)
{
	uint8_t resp[RESP_SMALL];
	size_t len = 0;
	uint16_t sw = 0;
	int r;

	if (t == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	r = xfer(t, INS_SELECT, 0x04, 0x00, piv_aid, sizeof(piv_aid), 256,
	    resp, sizeof(resp), &len, &sw);
	if (r != 0)
		goto out;
	r = scl_piv_select_sw_to_err(sw);
	if (r == 0 && len > 0) {
		const uint8_t *v;
		size_t vl;

		/* The application property template must at least parse. */
		if ((r = scl_tlv_expect(resp, len, 0x61, &v, &vl)) != 0)
			r = SCL_ERR_CARD_BAD_RESPONSE;
	}
out:
	scl_debug("%s: sw %04X: %s", __func__, sw, scl_err_name(r));
	return r;
}

/* GET DATA into a heap buffer of SCL_OBJ_MAX; *ret_val points into it. */
static int
get_data(struct scl_transport *t, uint32_t tag, uint8_t **ret_buf,
    const uint8_t **ret_val, size_t *ret_len)
{
	uint8_t cmd[5], *buf = NULL;
	const uint8_t *v = NULL;
	size_t cap = SCL_OBJ_MAX + 16, len = 0, vl = 0, tl;
	uint16_t sw = 0;
	int r;

	if (tag == 0 || tag > 0xFFFFFF) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	tl = tag_bytes(tag, cmd + 2);
	cmd[0] = 0x5C;
	cmd[1] = (uint8_t)tl;
	if ((buf = malloc(cap)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	r = xfer_all(t, INS_GET_DATA, 0x3F, 0xFF, cmd, 2 + tl, buf, cap, &len,
	    &sw);
	if (r != 0)
		goto out;
	if ((r = scl_apdu_sw_to_err(sw, NULL)) != 0)
		goto out;
	/* Pt 2 §3.1.2: the object comes back wrapped in 53. */
	if ((r = scl_tlv_expect(buf, len, 0x53, &v, &vl)) != 0)
		goto out;
	if (vl == 0) {
		r = SCL_ERR_NO_OBJECT;
		goto out;
	}
	*ret_buf = buf;
	*ret_val = v;
	*ret_len = vl;
	buf = NULL;
	r = 0;
out:
	scl_debug("%s: tag %06X sw %04X len %zu: %s", __func__,
	    (unsigned)tag, sw, len, scl_err_name(r));
	free(buf);
	return r;
}

int
scl_piv_read_object(struct scl_transport *t, uint32_t tag, uint8_t *buf,
    size_t cap, size_t *ret_len)
{
	uint8_t *raw = NULL;
	const uint8_t *v;
	size_t vl;
	int r;

	if (t == NULL || ret_len == NULL || (buf == NULL && cap > 0)) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = get_data(t, tag, &raw, &v, &vl)) != 0)
		goto out;
	if (vl > cap) {
		r = SCL_ERR_BUFFER_TOO_SMALL;
		goto out;
	}
	memcpy(buf, v, vl);
	*ret_len = vl;
	r = 0;
out:
	free(raw);
	return r;
}

/* gzip (or zlib) inflate of a compressed certificate, bounded. */
static int
inflate_cert(const uint8_t *in, size_t in_len, uint8_t **ret, size_t *ret_len)
{
	z_stream zs;
	uint8_t *out = NULL;
	int r = SCL_ERR_INTERNAL, zr, inited = 0;

	if (in_len == 0 || in_len > SCL_OBJ_MAX) {
		r = SCL_ERR_BAD_DER;
		goto out;
	}
	/* One byte over the cap tells "too large" from "exactly the cap". */
	if ((out = malloc(SCL_PIV_CERT_MAX + 1)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 32) != Z_OK) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	inited = 1;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)in_len;
	zs.next_out = out;
	zs.avail_out = SCL_PIV_CERT_MAX + 1;
	zr = inflate(&zs, Z_FINISH);
	if (zr == Z_BUF_ERROR && zs.avail_out == 0) {
		r = SCL_ERR_TOO_LARGE;
		goto out;
	}
	if (zr != Z_STREAM_END) {
		r = SCL_ERR_BAD_DER;
		goto out;
	}
	if (zs.total_out > SCL_PIV_CERT_MAX) {
		r = SCL_ERR_TOO_LARGE;
		goto out;
	}
	if (zs.avail_in != 0) {
		r = SCL_ERR_TRAILING_DATA;
		goto out;
	}
	if (zs.total_out == 0) {
		r = SCL_ERR_BAD_DER;
		goto out;
	}
	*ret_len = zs.total_out;
	*ret = out;
	out = NULL;
	r = 0;
out:
	if (inited)
		inflateEnd(&zs);
	free(out);
	return r;
}

int
scl_piv_read_cert(struct scl_transport *t, uint8_t key_ref,
    uint8_t **ret_der, size_t *ret_len)
{
	struct scl_cursor c;
	struct scl_tlv tlv;
	uint8_t *raw = NULL, *der = NULL;
	const uint8_t *v, *cert = NULL;
	size_t vl, cert_len = 0, der_len = 0;
	uint32_t tag;
	int r, have_cert = 0, have_info = 0, certinfo = 0, n;

	if (t == NULL || ret_der == NULL || ret_len == NULL ||
	    (tag = scl_piv_cert_tag(key_ref)) == 0) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = get_data(t, tag, &raw, &v, &vl)) != 0)
		goto out;
	/* Pt 1 Table 10+: 70 certificate, 71 CertInfo, 72 MSCUID, FE LRC. */
	scl_cur_init(&c, v, vl);
	for (n = 0; c.len > 0; n++) {
		if (n >= 16) {
			r = SCL_ERR_CARD_BAD_RESPONSE;
			goto out;
		}
		if ((r = scl_tlv_next(&c, &tlv)) != 0)
			goto out;
		switch (tlv.tag) {
		case 0x70:
			if (have_cert++) {
				r = SCL_ERR_BAD_TLV;
				goto out;
			}
			cert = tlv.value;
			cert_len = tlv.len;
			break;
		case 0x71:
			if (have_info++ || tlv.len != 1) {
				r = SCL_ERR_BAD_TLV;
				goto out;
			}
			certinfo = tlv.value[0];
			break;
		default:
			break;
		}
	}
	if (!have_cert || cert_len == 0) {
		r = SCL_ERR_NO_OBJECT;
		goto out;
	}
	if ((certinfo & ~CERTINFO_GZIP) != 0) {
		r = SCL_ERR_NOT_SUPPORTED;
		goto out;
	}
	if (certinfo & CERTINFO_GZIP) {
		if ((r = inflate_cert(cert, cert_len, &der, &der_len)) != 0)
			goto out;
	} else {
		if ((der = malloc(cert_len)) == NULL) {
			r = SCL_ERR_NOMEM;
			goto out;
		}
		memcpy(der, cert, cert_len);
		der_len = cert_len;
	}
	*ret_der = der;
	*ret_len = der_len;
	der = NULL;
	r = 0;
out:
	scl_debug("%s: key %02X: %s", __func__, key_ref, scl_err_name(r));
	free(der);
	free(raw);
	return r;
}

int
scl_piv_read_card_id(struct scl_transport *t, char ret_id[33])
{
	uint8_t *raw = NULL;
	const uint8_t *v, *g;
	size_t vl, gl;
	char id[33];
	int r;

	if (t == NULL || ret_id == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = get_data(t, SCL_PIV_TAG_CHUID, &raw, &v, &vl)) != 0)
		goto out;
	/* Pt 1 §3.1.2 (CHUID): 34 is the 16-byte Card UUID / GUID. */
	if ((r = scl_tlv_find(v, vl, 0x34, &g, &gl)) != 0)
		goto out;
	if (gl != 16) {
		r = SCL_ERR_CARD_BAD_RESPONSE;
		goto out;
	}
	scl_hex_encode(g, 16, id, sizeof(id));
	memcpy(ret_id, id, sizeof(id));
	r = 0;
out:
	free(raw);
	return r;
}

static int
ref_ok(uint8_t ref)
{
	return ref == SCL_PIV_REF_PIN || ref == SCL_PIV_REF_PUK || ref == 0x00;
}

int
scl_piv_pin_status(struct scl_transport *t, uint8_t ref, int *ret_tries,
    int *ret_verified)
{
	uint8_t resp[64];
	size_t len = 0;
	uint16_t sw = 0;
	int r, tries = -1, verified = 0;

	if (t == NULL || ret_tries == NULL || ret_verified == NULL ||
	    !ref_ok(ref)) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	/* Pt 2 §3.2.1: VERIFY without data asks, spending nothing. */
	if ((r = xfer(t, INS_VERIFY, 0x00, ref, NULL, 0, 0, resp, sizeof(resp),
	    &len, &sw)) != 0)
		goto out;
	if (sw == 0x9000) {
		verified = 1;
	} else if ((sw & 0xFFF0) == 0x63C0) {
		tries = sw & 0xF;
	} else if (sw == 0x6983) {
		tries = 0;
	} else {
		r = scl_apdu_sw_to_err(sw, NULL);
		if (r == SCL_ERR_SW_UNEXPECTED && sw == 0x6A88)
			r = SCL_ERR_NO_OBJECT;
		goto out;
	}
	*ret_tries = tries;
	*ret_verified = verified;
	r = 0;
out:
	scl_debug("%s: ref %02X sw %04X: %s", __func__, ref, sw,
	    scl_err_name(r));
	return r;
}

static void
pad8(uint8_t out[8], const struct scl_pin *pin)
{
	memset(out, 0xFF, 8);
	memcpy(out, pin->v, pin->len);
}

static int
pin_ok(const struct scl_pin *pin)
{
	return pin != NULL && pin->len >= 1 && pin->len <= SCL_PIN_MAX;
}

/* A command carrying PIN/PUK data; SW to code with tries. */
static int
secret_cmd(struct scl_transport *t, uint8_t ins, uint8_t ref,
    const uint8_t *data, size_t data_len, int *ret_tries)
{
	uint8_t resp[64];
	size_t len = 0;
	uint16_t sw = 0;
	int r, tries = -1;

	if ((r = xfer(t, ins, 0x00, ref, data, data_len, 0, resp,
	    sizeof(resp), &len, &sw)) != 0)
		goto out;
	r = scl_apdu_sw_to_err(sw, &tries);
	if ((r == SCL_ERR_PIN_WRONG || r == SCL_ERR_PIN_BLOCKED) &&
	    ret_tries != NULL)
		*ret_tries = tries;
out:
	explicit_bzero(resp, sizeof(resp));
	scl_debug("%s: ins %02X ref %02X sw %04X: %s", __func__, ins, ref, sw,
	    scl_err_name(r));
	return r;
}

int
scl_piv_verify(struct scl_transport *t, const struct scl_pin *pin,
    int *ret_tries)
{
	uint8_t data[8];
	int r = SCL_ERR_INVALID_ARGUMENT;

	memset(data, 0, sizeof(data));
	if (t == NULL || pin == NULL)
		goto out;
	r = SCL_ERR_PIN_FORMAT;
	if (!pin_ok(pin))
		goto out;
	pad8(data, pin);
	r = secret_cmd(t, INS_VERIFY, SCL_PIV_REF_PIN, data, sizeof(data),
	    ret_tries);
out:
	explicit_bzero(data, sizeof(data));
	return r;
}

int
scl_piv_change_reference(struct scl_transport *t, uint8_t ref,
    const struct scl_pin *old_pin, const struct scl_pin *new_pin,
    int *ret_tries)
{
	uint8_t data[16];
	int r = SCL_ERR_INVALID_ARGUMENT;

	memset(data, 0, sizeof(data));
	if (t == NULL || old_pin == NULL || new_pin == NULL ||
	    (ref != SCL_PIV_REF_PIN && ref != SCL_PIV_REF_PUK))
		goto out;
	r = SCL_ERR_PIN_FORMAT;
	if (!pin_ok(old_pin) || !pin_ok(new_pin))
		goto out;
	pad8(data, old_pin);
	pad8(data + 8, new_pin);
	r = secret_cmd(t, INS_CHANGE, ref, data, sizeof(data), ret_tries);
out:
	explicit_bzero(data, sizeof(data));
	return r;
}

int
scl_piv_reset_retry(struct scl_transport *t, const struct scl_pin *puk,
    const struct scl_pin *new_pin, int *ret_tries)
{
	uint8_t data[16];
	int r = SCL_ERR_INVALID_ARGUMENT;

	memset(data, 0, sizeof(data));
	if (t == NULL || puk == NULL || new_pin == NULL)
		goto out;
	r = SCL_ERR_PIN_FORMAT;
	if (!pin_ok(puk) || !pin_ok(new_pin))
		goto out;
	pad8(data, puk);
	pad8(data + 8, new_pin);
	r = secret_cmd(t, INS_RESET_RETRY, SCL_PIV_REF_PIN, data,
	    sizeof(data), ret_tries);
out:
	explicit_bzero(data, sizeof(data));
	return r;
}

/*
 * Send a GENERAL AUTHENTICATE template and return the value of the single
 * TLV of want_tag inside the 7C response (Pt 2 §3.2.4), pointing into resp.
 */
static int
gen_auth(struct scl_transport *t, uint8_t alg, uint8_t key_ref,
    const uint8_t *data, size_t data_len, uint32_t want_tag, uint8_t *resp,
    size_t cap, const uint8_t **ret_val, size_t *ret_len)
{
	const uint8_t *v, *iv;
	size_t len = 0, vl, il;
	uint16_t sw = 0;
	int r;

	if ((r = xfer_all(t, INS_GEN_AUTH, alg, key_ref, data, data_len,
	    resp, cap, &len, &sw)) != 0)
		goto out;
	if ((r = scl_apdu_sw_to_err(sw, NULL)) != 0)
		goto out;
	if ((r = scl_tlv_expect(resp, len, 0x7C, &v, &vl)) != 0 ||
	    (r = scl_tlv_expect(v, vl, want_tag, &iv, &il)) != 0) {
		if (r == SCL_ERR_BAD_TLV)
			r = SCL_ERR_CARD_BAD_RESPONSE;
		goto out;
	}
	*ret_val = iv;
	*ret_len = il;
	r = 0;
out:
	scl_debug("%s: alg %02X key %02X sw %04X: %s", __func__, alg, key_ref,
	    sw, scl_err_name(r));
	return r;
}

int
scl_piv_general_auth(struct scl_transport *t, uint8_t alg, uint8_t key_ref,
    const uint8_t *in, size_t in_len, uint8_t *sig, size_t sig_cap,
    size_t *ret_sig_len)
{
	struct scl_wbuf w;
	uint8_t *cmd = NULL, *resp = NULL;
	const uint8_t *v;
	size_t cmd_cap = GA_IN_MAX + 16, resp_cap = 2048, vl, inner;
	int r;

	if (t == NULL || in == NULL || sig == NULL || ret_sig_len == NULL ||
	    !key_ref_ok(key_ref) || !ga_len_ok(alg, in_len)) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	r = SCL_ERR_NOMEM;
	if ((cmd = malloc(cmd_cap)) == NULL || (resp = malloc(resp_cap)) ==
	    NULL)
		goto out;
	/* 7C { 82 00 (response wanted), 81 L challenge } */
	inner = 2 + scl_tlv_header_size(0x81, in_len) + in_len;
	scl_wbuf_init(&w, cmd, cmd_cap);
	scl_tlv_put_header(&w, 0x7C, inner);
	scl_tlv_put(&w, 0x82, NULL, 0);
	scl_tlv_put(&w, 0x81, in, in_len);
	if ((r = w.err) != 0)
		goto out;
	if ((r = gen_auth(t, alg, key_ref, cmd, w.len, 0x82, resp, resp_cap,
	    &v, &vl)) != 0)
		goto out;
	if (vl == 0) {
		r = SCL_ERR_CARD_BAD_RESPONSE;
		goto out;
	}
	if (vl > sig_cap) {
		r = SCL_ERR_BUFFER_TOO_SMALL;
		goto out;
	}
	memcpy(sig, v, vl);
	*ret_sig_len = vl;
	r = 0;
out:
	free(cmd);
	free(resp);
	return r;
}

static const EVP_CIPHER *
mgmt_cipher(uint8_t alg)
{
	switch (alg) {
	case SCL_PIV_ALG_3DES:
		return EVP_des_ede3_ecb();
	case SCL_PIV_ALG_AES128:
		return EVP_aes_128_ecb();
	case SCL_PIV_ALG_AES192:
		return EVP_aes_192_ecb();
	case SCL_PIV_ALG_AES256:
		return EVP_aes_256_ecb();
	default:
		return NULL;
	}
}

size_t
scl_piv_mgmt_key_len(uint8_t alg)
{
	switch (alg) {
	case SCL_PIV_ALG_3DES:
	case SCL_PIV_ALG_AES192:
		return 24;
	case SCL_PIV_ALG_AES128:
		return 16;
	case SCL_PIV_ALG_AES256:
		return 32;
	default:
		return 0;
	}
}

size_t
scl_piv_mgmt_block_len(uint8_t alg)
{
	if (alg == SCL_PIV_ALG_3DES)
		return 8;
	return scl_piv_mgmt_key_len(alg) != 0 ? 16 : 0;
}

int
scl_piv_mgmt_block(uint8_t alg, const uint8_t *key, size_t key_len,
    int encrypt, const uint8_t *in, uint8_t *out)
{
	const EVP_CIPHER *c;
	EVP_CIPHER_CTX *ctx = NULL;
	size_t bs = scl_piv_mgmt_block_len(alg);
	int n = 0, m = 0, r = SCL_ERR_INTERNAL;

	if ((c = mgmt_cipher(alg)) == NULL) {
		r = SCL_ERR_NOT_SUPPORTED;
		goto out;
	}
	if (key == NULL || in == NULL || out == NULL ||
	    key_len != scl_piv_mgmt_key_len(alg)) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if (EVP_CipherInit_ex(ctx, c, NULL, key, NULL, encrypt) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_CipherUpdate(ctx, out, &n, in, (int)bs) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + n, &m) != 1 ||
	    (size_t)(n + m) != bs)
		goto out;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

int
scl_piv_mgmt_auth(struct scl_transport *t, uint8_t alg, const uint8_t *key,
    size_t key_len)
{
	static const uint8_t step1[] = { 0x7C, 0x02, 0x80, 0x00 };
	struct scl_wbuf w;
	uint8_t resp[256], cmd[64], plain[16], chal[16], expect[16];
	const uint8_t *v;
	size_t bs = 0, vl;
	int r;

	if (t == NULL || key == NULL ||
	    (bs = scl_piv_mgmt_block_len(alg)) == 0 ||
	    key_len != scl_piv_mgmt_key_len(alg)) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	/* Pt 2 Appendix A.1 / ykpiv: witness, then our challenge. */
	if ((r = gen_auth(t, alg, SCL_PIV_KEY_MGMT, step1, sizeof(step1),
	    0x80, resp, sizeof(resp), &v, &vl)) != 0)
		goto out;
	if (vl != bs) {
		r = SCL_ERR_CARD_BAD_RESPONSE;
		goto out;
	}
	if ((r = scl_piv_mgmt_block(alg, key, key_len, 0, v, plain)) != 0)
		goto out;
	if (RAND_bytes(chal, (int)bs) != 1) {
		r = SCL_ERR_INTERNAL;
		goto out;
	}
	if ((r = scl_piv_mgmt_block(alg, key, key_len, 1, chal,
	    expect)) != 0)
		goto out;
	scl_wbuf_init(&w, cmd, sizeof(cmd));
	scl_tlv_put_header(&w, 0x7C, 2 * (2 + bs));
	scl_tlv_put(&w, 0x80, plain, bs);
	scl_tlv_put(&w, 0x81, chal, bs);
	if ((r = w.err) != 0)
		goto out;
	r = gen_auth(t, alg, SCL_PIV_KEY_MGMT, cmd, w.len, 0x82, resp,
	    sizeof(resp), &v, &vl);
	if (r == SCL_ERR_SECURITY_STATUS || r == SCL_ERR_INCORRECT_DATA) {
		/* The card did not accept our decryption: wrong key. */
		r = SCL_ERR_AUTH_FAILED;
		goto out;
	}
	if (r != 0)
		goto out;
	if (vl != bs || CRYPTO_memcmp(v, expect, bs) != 0) {
		/* The card does not hold our key: do not trust it. */
		r = SCL_ERR_AUTH_FAILED;
		goto out;
	}
	r = 0;
out:
	explicit_bzero(plain, sizeof(plain));
	explicit_bzero(chal, sizeof(chal));
	explicit_bzero(expect, sizeof(expect));
	explicit_bzero(cmd, sizeof(cmd));
	return r;
}

static int
rsa_spki(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
    EVP_PKEY **ret)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	EVP_PKEY *pk = NULL;
	int r = SCL_ERR_NOMEM;

	if ((bn = BN_bin2bn(n, (int)n_len, NULL)) == NULL ||
	    (be = BN_bin2bn(e, (int)e_len, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL)
		goto out;
	r = SCL_ERR_CARD_BAD_RESPONSE;
	if (BN_is_odd(be) == 0 || BN_is_one(be) || BN_is_odd(bn) == 0)
		goto out;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	*ret = pk;
	pk = NULL;
	r = 0;
out:
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return r;
}

static int
ec_spki(const char *group, const uint8_t *pt, size_t pt_len, EVP_PKEY **ret)
{
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
	EVP_PKEY *pk = NULL;
	int r = SCL_ERR_NOMEM;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)(uintptr_t)group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    (void *)(uintptr_t)pt, pt_len);
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		goto out;
	r = SCL_ERR_CARD_BAD_RESPONSE;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	/* The point must be on the curve. */
	if ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL ||
	    EVP_PKEY_public_check(chk) != 1)
		goto out;
	*ret = pk;
	pk = NULL;
	r = 0;
out:
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/* Parse the 7F49 public key template (Pt 2 §3.3.2, Table 11). */
static int
parse_pubkey(uint8_t alg, const uint8_t *buf, size_t len, EVP_PKEY **ret)
{
	struct scl_cursor c;
	struct scl_tlv tlv;
	const uint8_t *v, *n = NULL, *e = NULL, *pt = NULL;
	size_t vl, n_len = 0, e_len = 0, pt_len = 0, want;
	int r, i;

	if ((r = scl_tlv_expect(buf, len, 0x7F49, &v, &vl)) != 0) {
		if (r == SCL_ERR_BAD_TLV)
			r = SCL_ERR_CARD_BAD_RESPONSE;
		goto out;
	}
	r = SCL_ERR_CARD_BAD_RESPONSE;
	scl_cur_init(&c, v, vl);
	for (i = 0; c.len > 0; i++) {
		int rr;

		if (i >= 4)
			goto out;
		if ((rr = scl_tlv_next(&c, &tlv)) != 0) {
			r = rr;
			goto out;
		}
		if (tlv.tag == 0x81 && n == NULL) {
			n = tlv.value;
			n_len = tlv.len;
		} else if (tlv.tag == 0x82 && e == NULL) {
			e = tlv.value;
			e_len = tlv.len;
		} else if (tlv.tag == 0x86 && pt == NULL) {
			pt = tlv.value;
			pt_len = tlv.len;
		} else {
			goto out;
		}
	}
	switch (alg) {
	case SCL_PIV_ALG_RSA1024:
	case SCL_PIV_ALG_RSA2048:
		want = alg == SCL_PIV_ALG_RSA1024 ? 128 : 256;
		if (pt != NULL || n == NULL || e == NULL)
			goto out;
		if (n_len == want + 1 && n[0] == 0) {
			n++;
			n_len--;
		}
		if (n_len != want || (n[0] & 0x80) == 0 || e_len == 0 ||
		    e_len > 8)
			goto out;
		r = rsa_spki(n, n_len, e, e_len, ret);
		break;
	case SCL_PIV_ALG_ECC256:
	case SCL_PIV_ALG_ECC384:
		want = alg == SCL_PIV_ALG_ECC256 ? 65 : 97;
		if (n != NULL || e != NULL || pt == NULL || pt_len != want ||
		    pt[0] != 0x04)
			goto out;
		r = ec_spki(alg == SCL_PIV_ALG_ECC256 ? "P-256" : "P-384",
		    pt, pt_len, ret);
		break;
	default:
		r = SCL_ERR_NOT_SUPPORTED;
		break;
	}
out:
	return r;
}

int
scl_piv_generate(struct scl_transport *t, uint8_t key_ref, uint8_t alg,
    uint8_t **ret_spki, size_t *ret_len)
{
	uint8_t cmd[5] = { 0xAC, 0x03, 0x80, 0x01, alg };
	uint8_t *resp = NULL, *der = NULL, *p;
	size_t resp_cap = 2048, len = 0;
	EVP_PKEY *pk = NULL;
	uint16_t sw = 0;
	int r, dl;

	if (t == NULL || ret_spki == NULL || ret_len == NULL ||
	    !key_ref_ok(key_ref) || (alg != SCL_PIV_ALG_RSA1024 &&
	    alg != SCL_PIV_ALG_RSA2048 && alg != SCL_PIV_ALG_ECC256 &&
	    alg != SCL_PIV_ALG_ECC384)) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((resp = malloc(resp_cap)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if ((r = xfer_all(t, INS_GENERATE, 0x00, key_ref, cmd, sizeof(cmd),
	    resp, resp_cap, &len, &sw)) != 0)
		goto out;
	if ((r = scl_apdu_sw_to_err(sw, NULL)) != 0)
		goto out;
	if ((r = parse_pubkey(alg, resp, len, &pk)) != 0)
		goto out;
	r = SCL_ERR_NOMEM;
	if ((dl = i2d_PUBKEY(pk, NULL)) <= 0 ||
	    (der = malloc((size_t)dl)) == NULL)
		goto out;
	p = der;
	if (i2d_PUBKEY(pk, &p) != dl)
		goto out;
	*ret_spki = der;
	*ret_len = (size_t)dl;
	der = NULL;
	r = 0;
out:
	scl_debug("%s: key %02X alg %02X sw %04X: %s", __func__, key_ref, alg,
	    sw, scl_err_name(r));
	EVP_PKEY_free(pk);
	free(der);
	free(resp);
	return r;
}

int
scl_piv_put_object(struct scl_transport *t, uint32_t tag,
    const uint8_t *content, size_t len)
{
	struct scl_wbuf w;
	uint8_t tb[3], *cmd = NULL, resp[64];
	size_t tl, cap, rlen = 0;
	uint16_t sw = 0;
	int r;

	if (t == NULL || tag == 0 || tag > 0xFFFFFF ||
	    (content == NULL && len > 0) || len > SCL_OBJ_MAX) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	tl = tag_bytes(tag, tb);
	cap = 2 + tl + scl_tlv_header_size(0x53, len) + len;
	if ((cmd = malloc(cap)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	/* Pt 2 §3.3.2: 5C tag, 53 content. */
	scl_wbuf_init(&w, cmd, cap);
	scl_tlv_put(&w, 0x5C, tb, tl);
	scl_tlv_put(&w, 0x53, content, len);
	if ((r = w.err) != 0)
		goto out;
	if ((r = xfer(t, INS_PUT_DATA, 0x3F, 0xFF, cmd, w.len, 0, resp,
	    sizeof(resp), &rlen, &sw)) != 0)
		goto out;
	r = scl_apdu_sw_to_err(sw, NULL);
out:
	scl_debug("%s: tag %06X sw %04X: %s", __func__, (unsigned)tag, sw,
	    scl_err_name(r));
	free(cmd);
	return r;
}

int
scl_piv_put_cert(struct scl_transport *t, uint8_t key_ref,
    const uint8_t *der, size_t der_len)
{
	static const uint8_t tail[] = { 0x71, 0x01, 0x00, 0xFE, 0x00 };
	struct scl_wbuf w;
	uint8_t *obj = NULL;
	size_t cap;
	uint32_t tag = 0;
	int r = SCL_ERR_INVALID_ARGUMENT;

	if (t == NULL || der == NULL || der_len == 0 ||
	    der_len > SCL_PIV_CERT_MAX || (tag = scl_piv_cert_tag(key_ref)) ==
	    0)
		goto out;
	cap = scl_tlv_header_size(0x70, der_len) + der_len + sizeof(tail);
	r = SCL_ERR_NOMEM;
	if ((obj = malloc(cap)) == NULL)
		goto out;
	scl_wbuf_init(&w, obj, cap);
	scl_tlv_put(&w, 0x70, der, der_len);
	scl_wbuf_put_bytes(&w, tail, sizeof(tail));
	if ((r = w.err) == 0)
		r = scl_piv_put_object(t, tag, obj, w.len);
out:
	free(obj);
	return r;
}
