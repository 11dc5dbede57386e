/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "atr.h"
#include "crypto.h"
#include "piv.h"
#include "tlv.h"
#include "err.h"
#include "vcard-test.h"

static const uint8_t select_piv[] = {
	0x00, 0xa4, 0x04, 0x00, 0x09, 0xa0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00,
	0x10, 0x00, 0x00,
};


#define setup vt_setup
#define teardown vt_teardown

static void
test_select(void **state)
{
	struct vt *t = *state;
	static const uint8_t other[] = {
		0x00, 0xa4, 0x04, 0x00, 0x05, 0xa0, 0x00, 0x00, 0x03, 0x97,
	};
	const uint8_t *v;
	size_t vlen;

	assert_int_equal(vt_raw(t, select_piv, sizeof(select_piv) - 1),
	    0x9000);
	assert_int_equal(t->resp[0], 0x61);
	assert_int_equal(scl_tlv_expect(t->resp, t->resp_len, 0x61, &v, &vlen),
	    0);
	assert_int_equal(scl_tlv_find(v, vlen, 0x4f, &v, &vlen), 0);
	assert_int_equal(vlen, 6);
	assert_memory_equal(v, "\x00\x00\x10\x00\x01\x00", 6);
	assert_int_equal(vt_raw(t, other, sizeof(other)), 0x6a82);
	/* the 5-byte RID form yubico-piv-tool sends */
	assert_int_equal(vt_apdu(t, 0, 0xa4, 4, 0, select_piv + 5, 5, -1, 0),
	    0x9000);
}

static void
test_pin_counters_and_block_persist(void **state)
{
	struct vt *t = *state;

	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x63c3);
	assert_int_equal(vt_verify(t, "000000"), 0x63c2);
	assert_int_equal(vt_verify(t, "000000"), 0x63c1);
	/* a restart keeps the counter */
	assert_int_equal(vt_reload(t), 0);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x63c1);
	assert_int_equal(vt_verify(t, "000000"), 0x6983);
	/* blocked: even the right PIN is refused, across a restart too */
	assert_int_equal(vt_verify(t, "123456"), 0x6983);
	assert_int_equal(vt_reload(t), 0);
	assert_int_equal(vc_applet_state(t->a)->pin_left, 0);
	assert_int_equal(vt_verify(t, "123456"), 0x6983);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x6983);
}

static void
test_correct_pin_restores(void **state)
{
	struct vt *t = *state;

	assert_int_equal(vt_verify(t, "000000"), 0x63c2);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x9000);
	assert_int_equal(vt_reload(t), 0);
	assert_int_equal(vc_applet_state(t->a)->pin_left, 3);
	/* the verified state did not survive the restart */
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x63c3);
}

/* run --no-tries-report: the counter query is refused, VERIFY still counts. */
static void
test_no_tries_report(void **state)
{
	struct vt *t = *state;

	vc_applet_set_no_tries_report(t->a, true);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x6700);
	assert_int_equal(vt_verify(t, "000000"), 0x63c2);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x6700);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	vc_applet_set_no_tries_report(t->a, false);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x9000);
}

/* #14: the ATR advertises extended Lc/Le; run --short-atr does not. */
static void
test_atr_caps(void **state)
{
	struct vt *t = *state;
	const uint8_t *atr;
	struct scl_atr a;
	size_t len = 0;

	atr = vc_applet_atr(t->a, &len);
	assert_int_equal(scl_atr_caps(atr, len), SCL_ATR_CAP_EXTENDED);
	atr = vc_applet_atr(NULL, &len);
	assert_int_equal(scl_atr_caps(atr, len), SCL_ATR_CAP_EXTENDED);
	vc_applet_set_short_atr(t->a, true);
	atr = vc_applet_atr(t->a, &len);
	assert_int_equal(len, 18);
	assert_int_equal(scl_atr_parse(atr, len, &a), 0);
	assert_int_equal(a.caps, 0);
	assert_int_equal(a.protocols, 0x3);
	vc_applet_set_short_atr(t->a, false);
}

static void
test_security_reset(void **state)
{
	struct vt *t = *state;

	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	vc_applet_power(t->a, VC_POWER_RESET);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x63c3);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	assert_int_equal(vt_raw(t, select_piv, sizeof(select_piv)), 0x9000);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x63c3);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0xff, 0x80, NULL, 0, -1, 0),
	    0x9000);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x63c3);
	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin),
	    0x9000);
	vc_applet_power(t->a, VC_POWER_OFF);
	assert_int_equal(vt_apdu(t, 0, 0xdb, 0x3f, 0xff,
	    (const uint8_t *)"\x5c\x03\x5f\xc1\x09\x53\x00", 7, -1, 0), 0x6982);
}

static void
test_persist_before_answer(void **state)
{
	struct vt *t = *state;
	struct vc_state *s = NULL;
	char err[512], moved[96];

	if (vt_tpm != NULL)
		skip();	/* the TPM counts, not the file: test-vcard-tpm */
	/* a wrong PIN is on disk before the answer arrives */
	assert_int_equal(vt_verify(t, "999999"), 0x63c2);
	assert_int_equal(vc_state_load(t->path, &s, err, sizeof(err)), 0);
	assert_int_equal(s->pin_left, 2);
	vc_state_free(&s);
	/* when the counter cannot be saved, the card does not even compare */
	snprintf(moved, sizeof(moved), "%s-moved", t->dir);
	assert_int_equal(rename(t->dir, moved), 0);
	assert_int_equal(vt_verify(t, "123456"), 0x6581);
	assert_non_null(vc_applet_error(t->a));
	assert_int_equal(vc_applet_state(t->a)->pin_left, 2);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x63c2);
	assert_int_equal(rename(moved, t->dir), 0);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
}

static void
test_puk_unblock(void **state)
{
	struct vt *t = *state;
	uint8_t d[16];

	for (int i = 0; i < 3; i++)
		vt_verify(t, "000000");
	assert_int_equal(vt_verify(t, "123456"), 0x6983);
	memcpy(d, "87654321", 8);
	memcpy(d + 8, "654321\xff\xff", 8);
	assert_int_equal(vt_apdu(t, 0, 0x2c, 0, 0x80, d, 16, -1, 0), 0x63c2);
	/* a new PIN against the policy is refused without spending a try */
	memcpy(d, "12345678", 8);
	memcpy(d + 8, "12\xff\xff\xff\xff\xff\xff", 8);
	assert_int_equal(vt_apdu(t, 0, 0x2c, 0, 0x80, d, 16, -1, 0), 0x6a80);
	assert_int_equal(vc_applet_state(t->a)->puk_left, 2);
	memcpy(d + 8, "654321\xff\xff", 8);
	assert_int_equal(vt_apdu(t, 0, 0x2c, 0, 0x80, d, 16, -1, 0), 0x9000);
	assert_int_equal(vc_applet_state(t->a)->puk_left, 3);
	assert_int_equal(vt_reload(t), 0);
	assert_int_equal(vt_verify(t, "123456"), 0x63c2);
	assert_int_equal(vt_verify(t, "654321"), 0x9000);
}

static void
test_admin_unblock(void **state)
{
	struct vt *t = *state;
	uint8_t d[8];

	for (int i = 0; i < 3; i++)
		vt_verify(t, "000000");
	assert_int_equal(vt_verify(t, "123456"), 0x6983);
	memcpy(d, "112233\xff\xff", 8);
	assert_int_equal(vt_apdu(t, 0, 0x2c, 0x02, 0x80, d, 8, -1, 0), 0x6982);
	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin),
	    0x9000);
	assert_int_equal(vt_apdu(t, 0, 0x2c, 0x02, 0x80,
	    (const uint8_t *)"12\xff\xff\xff\xff\xff\xff", 8, -1, 0), 0x6a80);
	assert_int_equal(vt_apdu(t, 0, 0x2c, 0x02, 0x80, d, 8, -1, 0), 0x9000);
	assert_int_equal(vc_applet_state(t->a)->puk_left, 3);
	assert_int_equal(vt_reload(t), 0);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x63c3);
	assert_int_equal(vt_verify(t, "112233"), 0x9000);
	assert_int_equal(vt_apdu(t, 0, 0x2c, 0x01, 0x80, d, 8, -1, 0), 0x6a86);
}

static int
setup_legacy(void **state)
{
	struct vc_init_opts o = { .hash_iter = VC_HASH_ITER_MIN, .legacy = 1 };
	struct vt *t = calloc(1, sizeof(*t));

	if (t == NULL || vt_open(t, &o, 1) != 0) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static void
test_puk_blocks(void **state)
{
	struct vt *t = *state;
	uint8_t d[16];

	memcpy(d, "00000000", 8);
	memcpy(d + 8, "654321\xff\xff", 8);
	assert_int_equal(vt_apdu(t, 0, 0x2c, 0, 0x80, d, 16, -1, 0), 0x63c2);
	assert_int_equal(vt_apdu(t, 0, 0x2c, 0, 0x80, d, 16, -1, 0), 0x63c1);
	assert_int_equal(vt_apdu(t, 0, 0x2c, 0, 0x80, d, 16, -1, 0), 0x6983);
	memcpy(d, "12345678", 8);
	assert_int_equal(vt_apdu(t, 0, 0x2c, 0, 0x80, d, 16, -1, 0), 0x6983);
	/* Yubico RESET needs both PIN and PUK blocked */
	assert_int_equal(vt_apdu(t, 0, 0xfb, 0, 0, NULL, 0, -1, 0), 0x6985);
	for (int i = 0; i < 3; i++)
		vt_verify(t, "000000");
	assert_int_equal(vt_apdu(t, 0, 0xfb, 0, 0, NULL, 0, -1, 0), 0x9000);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
}

static void
test_change_reference(void **state)
{
	struct vt *t = *state;
	uint8_t d[16];

	memcpy(d, "000000\xff\xff", 8);
	memcpy(d + 8, "24681357", 8);
	assert_int_equal(vt_apdu(t, 0, 0x24, 0, 0x80, d, 16, -1, 0), 0x63c2);
	memcpy(d, "123456\xff\xff", 8);
	memcpy(d + 8, "24681357", 8);
	assert_int_equal(vt_apdu(t, 0, 0x24, 0, 0x80, d, 16, -1, 0), 0x9000);
	assert_int_equal(vc_applet_state(t->a)->pin_left, 3);
	/* bad padding: FF in the middle */
	memcpy(d + 8, "12\xff" "456\xff\xff", 8);
	assert_int_equal(vt_apdu(t, 0, 0x24, 0, 0x80, d, 16, -1, 0), 0x6a80);
	/* PUK */
	memcpy(d, "12345678", 8);
	memcpy(d + 8, "11223344", 8);
	assert_int_equal(vt_apdu(t, 0, 0x24, 0, 0x81, d, 16, -1, 0), 0x9000);
	assert_int_equal(vt_reload(t), 0);
	assert_int_equal(vt_verify(t, "123456"), 0x63c2);
	assert_int_equal(vt_verify(t, "24681357"), 0x9000);
	memcpy(d, "11223344", 8);
	memcpy(d + 8, "99887766", 8);
	assert_int_equal(vt_apdu(t, 0, 0x24, 0, 0x81, d, 16, -1, 0), 0x9000);
	/* wrong reference */
	assert_int_equal(vt_apdu(t, 0, 0x24, 0, 0x82, d, 16, -1, 0), 0x6a88);
	assert_int_equal(vt_apdu(t, 0, 0x24, 0, 0x80, d, 15, -1, 0), 0x6a80);
}

static void
mgmt_alg(uint8_t alg, const uint8_t *key, size_t klen)
{
	struct vc_init_opts o = { .hash_iter = VC_HASH_ITER_MIN, .kdf = { 10, 8, 1 },
	    .admin_alg = alg, .admin_key = key, .admin_key_len = klen };
	uint8_t wrong[32], req[4] = { 0x7c, 0x02, 0x81, 0x00 }, resp[20],
	    ec[16];
	size_t bs = scl_piv_mgmt_block_len(alg);
	struct vt t;

	assert_int_equal(vt_open(&t, &o, 0), 0);
	/* PUT DATA needs the management key */
	assert_int_equal(vt_apdu(&t, 0, 0xdb, 0x3f, 0xff,
	    (const uint8_t *)"\x5c\x03\x5f\xc1\x09\x53\x01\x00", 8, -1, 0),
	    0x6982);
	memcpy(wrong, key, klen);
	wrong[0] ^= 0x10;
	assert_int_equal(vt_mgmt_auth(&t, alg, wrong), 0x6982);
	/* wrong algorithm in P1 */
	assert_int_equal(vt_mgmt_auth(&t, alg == SCL_PIV_ALG_3DES ?
	    SCL_PIV_ALG_AES128 : SCL_PIV_ALG_3DES, key), 0x6a86);
	assert_int_equal(vt_mgmt_auth(&t, alg, key), 0x9000);
	assert_int_equal(vt_apdu(&t, 0, 0xdb, 0x3f, 0xff,
	    (const uint8_t *)"\x5c\x03\x5f\xc1\x09\x53\x01\x00", 8, -1, 0),
	    0x9000);
	/* single-sided external authenticate */
	vc_applet_power(t.a, VC_POWER_RESET);
	assert_int_equal(vt_apdu(&t, 0, 0x87, alg, 0x9b, req, 4, -1, 0),
	    0x9000);
	assert_int_equal(t.resp_len, 4 + bs);
	scl_piv_mgmt_block(alg, key, scl_piv_mgmt_key_len(alg), 1,
	    t.resp + 4, ec);
	resp[0] = 0x7c;
	resp[1] = (uint8_t)(2 + bs);
	resp[2] = 0x82;
	resp[3] = (uint8_t)bs;
	memcpy(resp + 4, ec, bs);
	assert_int_equal(vt_apdu(&t, 0, 0x87, alg, 0x9b, resp, 4 + bs, -1, 0),
	    0x9000);
	/* replaying the response without a fresh challenge fails */
	assert_int_equal(vt_apdu(&t, 0, 0x87, alg, 0x9b, resp, 4 + bs, -1, 0),
	    0x6982);
	/* P1 00: a bare challenge is random data, not an authentication */
	vc_applet_power(t.a, VC_POWER_RESET);
	assert_int_equal(vt_apdu(&t, 0, 0x87, 0x00, 0x9b, req, 4, -1, 0),
	    0x9000);
	assert_int_equal(t.resp_len, 12);
	assert_int_equal(vt_apdu(&t, 0, 0x87, alg, 0x9b, resp, 4 + bs, -1, 0),
	    0x6982);
	/* metadata reports the algorithm */
	assert_int_equal(vt_apdu(&t, 0, 0xf7, 0, 0x9b, NULL, 0, 0, 0), 0x9000);
	assert_int_equal(t.resp[2], alg);
	vt_close(&t);
}

static void
test_mgmt_3des(void **state)
{
	(void)state;
	mgmt_alg(SCL_PIV_ALG_3DES, vt_default_admin, 24);
}

static void
test_mgmt_aes(void **state)
{
	uint8_t k[32];

	(void)state;
	for (size_t i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)(0x40 + i);
	mgmt_alg(SCL_PIV_ALG_AES128, k, 16);
	mgmt_alg(SCL_PIV_ALG_AES192, k, 24);
	mgmt_alg(SCL_PIV_ALG_AES256, k, 32);
}

static void
test_set_mgmt_key(void **state)
{
	struct vt *t = *state;
	uint8_t d[3 + 32], k[32];

	for (size_t i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)(0x80 + i);
	d[0] = SCL_PIV_ALG_AES256;
	d[1] = 0x9b;
	d[2] = 32;
	memcpy(d + 3, k, 32);
	assert_int_equal(vt_apdu(t, 0, 0xff, 0xff, 0xff, d, 35, -1, 0), 0x6982);
	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin),
	    0x9000);
	d[2] = 31;
	assert_int_equal(vt_apdu(t, 0, 0xff, 0xff, 0xff, d, 35, -1, 0), 0x6a80);
	d[2] = 32;
	assert_int_equal(vt_apdu(t, 0, 0xff, 0xff, 0xff, d, 35, -1, 0), 0x9000);
	assert_int_equal(vt_reload(t), 0);
	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin),
	    0x6a86);
	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_AES256, k), 0x9000);
}

/* Public key from a GENERATE response (7F49 ...). */
static EVP_PKEY *
pubkey_from(const uint8_t *p, size_t len, uint8_t alg)
{
	const uint8_t *v, *n, *e, *pt;
	size_t vlen, nlen, elen, ptlen;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;
	BIGNUM *bn = NULL, *be = NULL;

	assert_int_equal(scl_tlv_expect(p, len, 0x7f49, &v, &vlen), 0);
	if (alg == SCL_PIV_ALG_RSA2048) {
		assert_int_equal(scl_tlv_find(v, vlen, 0x81, &n, &nlen), 0);
		assert_int_equal(scl_tlv_find(v, vlen, 0x82, &e, &elen), 0);
		bn = BN_bin2bn(n, (int)nlen, NULL);
		be = BN_bin2bn(e, (int)elen, NULL);
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn);
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be);
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	} else {
		assert_int_equal(scl_tlv_find(v, vlen, 0x86, &pt, &ptlen), 0);
		OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
		    alg == SCL_PIV_ALG_ECC256 ? "prime256v1" : "secp384r1", 0);
		OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
		    pt, ptlen);
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY,
	    params), 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return k;
}

static EVP_PKEY *
generate(struct vt *t, uint8_t slot, uint8_t alg)
{
	uint8_t d[5] = { 0xac, 0x03, 0x80, 0x01, alg };

	assert_int_equal(vt_xfer(t, 0x47, 0, slot, d, sizeof(d)), 0x9000);
	return pubkey_from(t->resp, t->resp_len, alg);
}

/* Sign in through GENERAL AUTHENTICATE; returns the SW. */
static uint16_t
card_sign(struct vt *t, uint8_t alg, uint8_t slot, const uint8_t *in,
    size_t len, uint8_t *sig, size_t *sig_len)
{
	uint8_t d[300];
	size_t n = 0;
	const uint8_t *v, *s;
	size_t vlen, slen;
	uint16_t sw;

	d[n++] = 0x7c;
	if (len + 4 + (len > 127 ? 2 : 0) + (len > 255 ? 1 : 0) > 255) {
		d[n++] = 0x82;
		d[n++] = (uint8_t)((len + 6) >> 8);
		d[n++] = (uint8_t)(len + 6);
	} else {
		d[n++] = (uint8_t)(len + 4 + (len > 127 ? 1 : 0));
	}
	d[n++] = 0x82;
	d[n++] = 0x00;
	d[n++] = 0x81;
	if (len > 255) {
		d[n++] = 0x82;
		d[n++] = (uint8_t)(len >> 8);
		d[n++] = (uint8_t)len;
	} else if (len > 127) {
		d[n++] = 0x81;
		d[n++] = (uint8_t)len;
	} else {
		d[n++] = (uint8_t)len;
	}
	memcpy(d + n, in, len);
	n += len;
	if ((sw = vt_xfer(t, 0x87, alg, slot, d, n)) != 0x9000)
		return sw;
	assert_int_equal(scl_tlv_expect(t->resp, t->resp_len, 0x7c, &v, &vlen),
	    0);
	assert_int_equal(scl_tlv_expect(v, vlen, 0x82, &s, &slen), 0);
	memcpy(sig, s, slen);
	*sig_len = slen;
	return sw;
}

static void
check_sig(EVP_PKEY *pk, const uint8_t *dgst, size_t dlen, const uint8_t *sig,
    size_t slen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	if (EVP_PKEY_is_a(pk, "RSA")) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx,
		    RSA_PKCS1_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx,
		    EVP_sha256()), 1);
	}
	assert_int_equal(EVP_PKEY_verify(ctx, sig, slen, dgst, dlen), 1);
	EVP_PKEY_CTX_free(ctx);
}

static void
test_generate_and_sign(void **state)
{
	struct vt *t = *state;
	uint8_t dgst[32], block[256], sig[512], d[5] = { 0xac, 3, 0x80, 1,
	    SCL_PIV_ALG_RSA2048 };
	/* DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1) */
	static const uint8_t di[19] = {
		0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
	};
	EVP_PKEY *rsa, *p256, *p384;
	size_t slen;

	for (size_t i = 0; i < sizeof(dgst); i++)
		dgst[i] = (uint8_t)i;
	assert_int_equal(vt_xfer(t, 0x47, 0, 0x9a, d, sizeof(d)), 0x6982);
	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin),
	    0x9000);
	rsa = generate(t, 0x9a, SCL_PIV_ALG_RSA2048);
	p256 = generate(t, 0x9c, SCL_PIV_ALG_ECC256);
	p384 = generate(t, 0x9d, SCL_PIV_ALG_ECC384);
	/* EMSA-PKCS1-v1_5 block */
	memset(block, 0xff, sizeof(block));
	block[0] = 0;
	block[1] = 1;
	block[256 - 32 - 19 - 1] = 0;
	memcpy(block + 256 - 32 - 19, di, 19);
	memcpy(block + 256 - 32, dgst, 32);
	assert_int_equal(card_sign(t, SCL_PIV_ALG_RSA2048, 0x9a, block, 256,
	    sig, &slen), 0x6982);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	assert_int_equal(card_sign(t, SCL_PIV_ALG_RSA2048, 0x9a, block, 256,
	    sig, &slen), 0x9000);
	assert_int_equal(slen, 256);
	check_sig(rsa, dgst, 32, sig, slen);
	/* wrong algorithm for the slot */
	assert_int_equal(card_sign(t, SCL_PIV_ALG_ECC256, 0x9a, dgst, 32, sig,
	    &slen), 0x6a86);
	/* short block for RSA */
	assert_int_equal(card_sign(t, SCL_PIV_ALG_RSA2048, 0x9a, dgst, 32, sig,
	    &slen), 0x6a80);
	/* 9C: PIN always, one signature per VERIFY */
	assert_int_equal(vt_apdu(t, 0, 0x20, 0xff, 0x80, NULL, 0, -1, 0),
	    0x9000);
	assert_int_equal(card_sign(t, SCL_PIV_ALG_ECC256, 0x9c, dgst, 32, sig,
	    &slen), 0x6982);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	assert_int_equal(card_sign(t, SCL_PIV_ALG_ECC256, 0x9c, dgst, 32, sig,
	    &slen), 0x9000);
	check_sig(p256, dgst, 32, sig, slen);
	assert_int_equal(card_sign(t, SCL_PIV_ALG_ECC256, 0x9c, dgst, 32, sig,
	    &slen), 0x6982);
	assert_int_equal(card_sign(t, SCL_PIV_ALG_ECC384, 0x9d, dgst, 32, sig,
	    &slen), 0x9000);
	check_sig(p384, dgst, 32, sig, slen);
	/* keys survive a restart (sealed at rest) */
	assert_int_equal(vt_reload(t), 0);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	assert_int_equal(card_sign(t, SCL_PIV_ALG_RSA2048, 0x9a, block, 256,
	    sig, &slen), 0x9000);
	check_sig(rsa, dgst, 32, sig, slen);
	/* no key in 9e */
	assert_int_equal(card_sign(t, SCL_PIV_ALG_ECC256, 0x9e, dgst, 32, sig,
	    &slen), 0x6a82);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
}

static void
test_ecdh(void **state)
{
	struct vt *t = *state;
	EVP_PKEY *card_pub, *host;
	EVP_PKEY_CTX *ctx;
	uint8_t point[100], d[110], want[48];
	const uint8_t *v, *z;
	size_t plen, n = 0, vlen, zlen, wlen = sizeof(want);

	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin),
	    0x9000);
	card_pub = generate(t, 0x9d, SCL_PIV_ALG_ECC256);
	host = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");
	assert_int_equal(EVP_PKEY_get_octet_string_param(host,
	    OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &plen), 1);
	d[n++] = 0x7c;
	d[n++] = (uint8_t)(plen + 4);
	d[n++] = 0x82;
	d[n++] = 0x00;
	d[n++] = 0x85;
	d[n++] = (uint8_t)plen;
	memcpy(d + n, point, plen);
	n += plen;
	assert_int_equal(vt_xfer(t, 0x87, SCL_PIV_ALG_ECC256, 0x9d, d, n),
	    0x6982);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	assert_int_equal(vt_xfer(t, 0x87, SCL_PIV_ALG_ECC256, 0x9d, d, n),
	    0x9000);
	assert_int_equal(scl_tlv_expect(t->resp, t->resp_len, 0x7c, &v, &vlen),
	    0);
	assert_int_equal(scl_tlv_expect(v, vlen, 0x82, &z, &zlen), 0);
	ctx = EVP_PKEY_CTX_new(host, NULL);
	assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(ctx, card_pub), 1);
	assert_int_equal(EVP_PKEY_derive(ctx, want, &wlen), 1);
	assert_int_equal(zlen, wlen);
	assert_memory_equal(z, want, wlen);
	/* a point off the curve */
	d[n - 1] ^= 1;
	assert_int_equal(vt_xfer(t, 0x87, SCL_PIV_ALG_ECC256, 0x9d, d, n),
	    0x6a80);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(host);
	EVP_PKEY_free(card_pub);
}

static void
test_import_key(void **state)
{
	struct vt *t = *state;
	EVP_PKEY *k = NULL;
	BIGNUM *bn[5] = { NULL };
	static const char *names[5] = {
		OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
		OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
		OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	uint8_t d[800], dgst[48] = { 1, 2, 3 }, sig[200], priv[48];
	size_t n = 0, slen, plen;

	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin),
	    0x9000);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	assert_non_null(k);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(EVP_PKEY_get_bn_param(k, names[i], &bn[i]), 1);
		d[n++] = (uint8_t)(i + 1);
		d[n++] = 0x81;
		d[n++] = 128;
		assert_int_equal(BN_bn2binpad(bn[i], d + n, 128), 128);
		n += 128;
		BN_clear_free(bn[i]);
		bn[i] = NULL;
	}
	d[n++] = 0xaa;
	d[n++] = 1;
	d[n++] = 1;	/* PIN never */
	assert_int_equal(vt_xfer(t, 0xfe, SCL_PIV_ALG_RSA2048, 0x9e, d, n),
	    0x9000);
	/* a broken part is refused */
	d[3 + 127] ^= 1;
	assert_int_equal(vt_xfer(t, 0xfe, SCL_PIV_ALG_RSA2048, 0x9a, d, n),
	    0x6a80);
	d[3 + 127] ^= 1;
	/* so is a dQ or a qInv that does not fit p and q (parts 4 and 5) */
	for (int i = 3; i < 5; i++) {
		d[i * 131 + 130] ^= 1;
		assert_int_equal(vt_xfer(t, 0xfe, SCL_PIV_ALG_RSA2048, 0x9a, d,
		    n), 0x6a80);
		d[i * 131 + 130] ^= 1;
	}
	assert_int_equal(vt_xfer(t, 0xf7, 0, 0x9e, NULL, 0), 0x9000);
	assert_memory_equal(t->resp, "\x01\x01\x07\x02\x02\x01\x01\x03\x01"
	    "\x02", 10);
	EVP_PKEY_free(k);
	/* ECC P-384 */
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp384r1");
	assert_non_null(k);
	assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY,
	    &bn[0]), 1);
	assert_int_equal(BN_bn2binpad(bn[0], priv, 48), 48);
	BN_clear_free(bn[0]);
	n = 0;
	d[n++] = 0x06;
	d[n++] = 48;
	memcpy(d + n, priv, 48);
	n += 48;
	assert_int_equal(vt_xfer(t, 0xfe, SCL_PIV_ALG_ECC384, 0x9d, d, n),
	    0x9000);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	plen = 48;
	assert_int_equal(card_sign(t, SCL_PIV_ALG_ECC384, 0x9d, dgst, plen,
	    sig, &slen), 0x9000);
	check_sig(k, dgst, plen, sig, slen);
	EVP_PKEY_free(k);
}

static void
test_objects_chaining(void **state)
{
	struct vt *t = *state;
	static uint8_t cert[3000], d[3100];
	size_t n = 0;
	const uint8_t *v;
	size_t vlen;

	for (size_t i = 0; i < sizeof(cert); i++)
		cert[i] = (uint8_t)(i * 7);
	d[n++] = 0x5c;
	d[n++] = 3;
	d[n++] = 0x5f;
	d[n++] = 0xc1;
	d[n++] = 0x05;
	d[n++] = 0x53;
	d[n++] = 0x82;
	d[n++] = (uint8_t)(sizeof(cert) >> 8);
	d[n++] = (uint8_t)sizeof(cert);
	memcpy(d + n, cert, sizeof(cert));
	n += sizeof(cert);
	assert_int_equal(vt_xfer(t, 0xdb, 0x3f, 0xff, d, n), 0x6982);
	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin),
	    0x9000);
	assert_int_equal(vt_xfer(t, 0xdb, 0x3f, 0xff, d, n), 0x9000);
	/* short APDUs: 256-byte pieces through 61xx / GET RESPONSE */
	assert_int_equal(vt_apdu(t, 0, 0xcb, 0x3f, 0xff, d, 5, 0, 0), 0x6100);
	assert_int_equal(t->resp_len, 256);
	assert_int_equal(vt_xfer(t, 0xcb, 0x3f, 0xff, d, 5), 0x9000);
	assert_int_equal(scl_tlv_expect(t->resp, t->resp_len, 0x53, &v, &vlen),
	    0);
	assert_int_equal(vlen, sizeof(cert));
	assert_memory_equal(v, cert, sizeof(cert));
	/* extended length: the whole object at once */
	assert_int_equal(vt_apdu(t, 0, 0xcb, 0x3f, 0xff, d, 5, 0, 1), 0x9000);
	assert_int_equal(t->resp_len, sizeof(cert) + 4);
	/* extended PUT DATA without chaining, then delete with an empty 53 */
	assert_int_equal(vt_apdu(t, 0, 0xdb, 0x3f, 0xff, d, n, -1, 1), 0x9000);
	assert_int_equal(vt_apdu(t, 0, 0xdb, 0x3f, 0xff,
	    (const uint8_t *)"\x5c\x03\x5f\xc1\x05\x53\x00", 7, -1, 0), 0x9000);
	assert_int_equal(vt_apdu(t, 0, 0xcb, 0x3f, 0xff, d, 5, 0, 0), 0x6a82);
	/* a chain broken by another command */
	assert_int_equal(vt_apdu(t, 0x10, 0xdb, 0x3f, 0xff, d, 200, -1, 0),
	    0x9000);
	assert_int_equal(vt_apdu(t, 0x10, 0xcb, 0x3f, 0xff, d, 5, -1, 0),
	    0x6883);
	/* discovery, CHUID and printed info (PIN protected) */
	assert_int_equal(vt_apdu(t, 0, 0xcb, 0x3f, 0xff,
	    (const uint8_t *)"\x5c\x01\x7e", 3, 0, 0), 0x9000);
	assert_int_equal(t->resp[0], 0x7e);
	assert_int_equal(vt_apdu(t, 0, 0xcb, 0x3f, 0xff,
	    (const uint8_t *)"\x5c\x03\x5f\xc1\x02", 5, 0, 0), 0x9000);
	assert_int_equal(scl_tlv_expect(t->resp, t->resp_len, 0x53, &v, &vlen),
	    0);
	assert_int_equal(scl_tlv_find(v, vlen, 0x34, &v, &vlen), 0);
	assert_int_equal(vlen, 16);
	assert_memory_equal(v, vc_applet_state(t->a)->guid, 16);
	assert_int_equal(vt_apdu(t, 0, 0xdb, 0x3f, 0xff,
	    (const uint8_t *)"\x5c\x03\x5f\xc1\x09\x53\x01\x00", 8, -1, 0),
	    0x9000);
	assert_int_equal(vt_apdu(t, 0, 0xcb, 0x3f, 0xff,
	    (const uint8_t *)"\x5c\x03\x5f\xc1\x09", 5, 0, 0), 0x6982);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	assert_int_equal(vt_apdu(t, 0, 0xcb, 0x3f, 0xff,
	    (const uint8_t *)"\x5c\x03\x5f\xc1\x09", 5, 0, 0), 0x9000);
}

static void
test_yubico_extensions(void **state)
{
	struct vt *t = *state;
	uint32_t serial = vc_applet_state(t->a)->serial;

	assert_int_equal(vt_apdu(t, 0, 0xfd, 0, 0, NULL, 0, 0, 0), 0x9000);
	assert_int_equal(t->resp_len, 3);
	assert_int_equal(t->resp[0], 5);
	assert_int_equal(vt_apdu(t, 0, 0xf8, 0, 0, NULL, 0, 0, 0), 0x9000);
	assert_int_equal(t->resp_len, 4);
	assert_int_equal((uint32_t)t->resp[0] << 24 | (uint32_t)t->resp[1] << 16 |
	    (uint32_t)t->resp[2] << 8 | t->resp[3], serial);
	assert_int_equal(vt_apdu(t, 0, 0xf7, 0, 0x80, NULL, 0, 0, 0), 0x9000);
	assert_memory_equal(t->resp, "\x01\x01\xff\x05\x01\x01\x06\x02\x03\x03",
	    10);
	/* FA needs management key and PIN; resets both to the defaults */
	assert_int_equal(vt_apdu(t, 0, 0xfa, 5, 4, NULL, 0, -1, 0), 0x6982);
	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin),
	    0x9000);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	assert_int_equal(vt_apdu(t, 0, 0xfa, 0, 4, NULL, 0, -1, 0), 0x6a86);
	assert_int_equal(vt_apdu(t, 0, 0xfa, 5, 4, NULL, 0, -1, 0), 0x9000);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x63c5);
	assert_int_equal(vt_apdu(t, 0, 0xf9, 0, 0x9a, NULL, 0, 0, 0), 0x6d00);
}

static void
test_malformed(void **state)
{
	struct vt *t = *state;
	static const struct {
		const char *what;
		uint8_t apdu[16];
		size_t len;
		uint16_t sw;
	} cases[] = {
		{ "too short", { 0x00, 0xa4, 0x04 }, 3, 0x6700 },
		{ "empty", { 0 }, 0, 0x6700 },
		{ "Lc longer than data", { 0, 0xcb, 0x3f, 0xff, 9, 0x5c }, 6,
		    0x6700 },
		{ "two bytes after data", { 0, 0x20, 0, 0x80, 1, 0x31, 0, 0 }, 8,
		    0x6700 },
		{ "extended Lc 0", { 0, 0x20, 0, 0x80, 0, 0, 0, 1 }, 8, 0x6700 },
		{ "proprietary CLA", { 0x80, 0xa4, 4, 0 }, 4, 0x6e00 },
		{ "unknown INS", { 0, 0x12, 0, 0 }, 4, 0x6d00 },
		{ "GET RESPONSE with nothing pending", { 0, 0xc0, 0, 0, 0 }, 5,
		    0x6985 },
		{ "GET DATA bad P1P2", { 0, 0xcb, 0, 0, 3, 0x5c, 1, 0x7e }, 8,
		    0x6a86 },
		{ "GET DATA bad tag list", { 0, 0xcb, 0x3f, 0xff, 3, 0x5d, 1,
		    0x7e }, 8, 0x6a80 },
		{ "GET DATA 4-byte tag", { 0, 0xcb, 0x3f, 0xff, 6, 0x5c, 4, 1,
		    2, 3, 4 }, 11, 0x6a80 },
		{ "GET DATA unknown object", { 0, 0xcb, 0x3f, 0xff, 5, 0x5c, 3,
		    0x5f, 0xc1, 0x0c }, 10, 0x6a82 },
		{ "VERIFY 7 bytes", { 0, 0x20, 0, 0x80, 7, 1, 2, 3, 4, 5, 6,
		    7 }, 12, 0x6a80 },
		{ "VERIFY global PIN", { 0, 0x20, 0, 0x00 }, 4, 0x6a88 },
		{ "GA not 7C", { 0, 0x87, 7, 0x9a, 2, 0x7d, 0 }, 7, 0x6a80 },
		{ "GA truncated 7C", { 0, 0x87, 3, 0x9b, 2, 0x7c, 5 }, 7,
		    0x6a80 },
		{ "GA unknown slot", { 0, 0x87, 7, 0x42, 4, 0x7c, 2, 0x82, 0 },
		    9, 0x6a86 },
		{ "GA witness answer out of order", { 0, 0x87, 3, 0x9b, 6,
		    0x7c, 4, 0x80, 0, 0x81, 0 }, 11, 0x6a80 },
		{ "GENERATE 9B", { 0, 0x47, 0, 0x9b, 5, 0xac, 3, 0x80, 1, 7 },
		    10, 0x6a86 },
		{ "SELECT bad P1", { 0, 0xa4, 0, 0, 1, 0 }, 6, 0x6a86 },
	};
	uint32_t seed = 12345;
	uint8_t buf[600];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t sw = vt_raw(t, cases[i].apdu, cases[i].len);

		if (sw != cases[i].sw)
			fail_msg("%s: got %04x, want %04x", cases[i].what, sw,
			    cases[i].sw);
	}
	/* deterministic garbage: every input gets a status word */
	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin),
	    0x9000);
	for (int i = 0; i < 3000; i++) {
		size_t len;
		uint16_t sw;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 8) % sizeof(buf);
		for (size_t j = 0; j < len; j++) {
			seed = seed * 1103515245u + 12345u;
			buf[j] = (uint8_t)(seed >> 16);
		}
		if (len > 1)
			buf[0] &= 0x10;
		if (len > 2 && (seed & 3) == 0)
			buf[1] = (uint8_t[]){ 0xcb, 0xdb, 0x87, 0x20, 0x24,
			    0x2c, 0x47, 0xfe, 0xff, 0xf7 }[(seed >> 4) % 10];
		/* never let garbage generate RSA keys: too slow */
		if (len > 1 && buf[1] == 0x47)
			buf[1] = 0x48;
		sw = vt_raw(t, buf, len);
		assert_true(sw >= 0x6100);
	}
}

/* SCL_VT_SWTPM set (test-vcard-applet-tpm): every case on a TPM card. */
/* Issue 11: a software card's PIN cannot be reset with the admin key. */
static void
test_admin_unblock_kdf(void **state)
{
	struct vt *t = *state;
	uint8_t d[8];
	if (vt_tpm != NULL)
		skip();	/* software cards only */

	for (int i = 0; i < 3; i++)
		vt_verify(t, "000000");
	memcpy(d, "112233\xff\xff", 8);
	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin),
	    0x9000);
	assert_int_equal(vt_apdu(t, 0, 0x2c, 0x02, 0x80, d, 8, -1, 0), 0x6985);
	assert_non_null(vc_applet_error(t->a));
	assert_int_equal(vc_applet_state(t->a)->pin_left, 0);
}

static int
state_has(struct vt *t, const char *what)
{
	char buf[65536];
	FILE *f = fopen(t->path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, what) != NULL;
}

/*
 * Issue 11: a copy of the state and the seal key, opened by a fresh
 * applet, signs nothing without the PIN, nothing with a wrong one, and
 * keeps no fast PIN verifier; the right PIN signs.
 */
static void
test_copied_state(void **state)
{
	struct vt *t = *state;
	uint8_t dg[32] = { 1, 2, 3 }, sig[512];
	size_t sig_len;
	EVP_PKEY *pub, *pk = NULL;
	struct vc_state *st;
	if (vt_tpm != NULL)
		skip();	/* software cards only */

	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin),
	    0x9000);
	pub = generate(t, 0x9a, SCL_PIV_ALG_ECC256);
	assert_non_null(pub);
	assert_false(state_has(t, "pbkdf2"));
	assert_true(state_has(t, "\nkdf scrypt "));
	assert_true(state_has(t, "\npin-wrap "));
	assert_int_equal(vt_reload(t), 0);
	st = vc_applet_state(t->a);
	assert_int_equal(vc_personalize_open_key(st, t->seal, NULL,
	    vc_state_key(st, 0x9a), &pk), SCL_ERR_SECURITY_STATUS);
	assert_null(pk);
	assert_int_equal(card_sign(t, SCL_PIV_ALG_ECC256, 0x9a, dg, sizeof(dg),
	    sig, &sig_len), 0x6982);
	assert_int_equal(vt_verify(t, "654321"), 0x63c2);
	assert_int_equal(card_sign(t, SCL_PIV_ALG_ECC256, 0x9a, dg, sizeof(dg),
	    sig, &sig_len), 0x6982);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	assert_int_equal(card_sign(t, SCL_PIV_ALG_ECC256, 0x9a, dg, sizeof(dg),
	    sig, &sig_len), 0x9000);
	EVP_PKEY_free(pub);
}

/*
 * Issue 11: `sclogin-vcard upgrade` on an old-format (PBKDF2) software
 * card: a wrong PIN or PUK changes nothing; the right ones leave a card
 * whose keys open only with the PIN, and that still signs with it.
 */
static void
test_upgrade(void **state)
{
	struct vt *t = *state;
	uint8_t dg[32] = { 4, 5, 6 }, sig[512];
	size_t sig_len;
	struct vc_kdf kdf;
	struct vc_state *st = NULL;
	EVP_PKEY *pub;
	char err[256];

	if (vt_tpm != NULL)
		skip();	/* software cards only */
	vc_kdf_default(&kdf);
	kdf.logn = 10;
	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin),
	    0x9000);
	pub = generate(t, 0x9a, SCL_PIV_ALG_ECC256);
	assert_non_null(pub);
	assert_true(state_has(t, "pbkdf2"));
	assert_int_equal(vc_state_load(t->path, &st, err, sizeof(err)), 0);
	assert_int_not_equal(vc_personalize_upgrade(st, t->seal, &kdf,
	    "654321", "12345678", err, sizeof(err)), 0);
	vc_state_free(&st);
	assert_int_equal(vc_state_load(t->path, &st, err, sizeof(err)), 0);
	assert_int_not_equal(vc_personalize_upgrade(st, t->seal, &kdf,
	    "123456", "87654320", err, sizeof(err)), 0);
	vc_state_free(&st);
	assert_true(state_has(t, "pbkdf2"));
	assert_int_equal(vc_state_load(t->path, &st, err, sizeof(err)), 0);
	assert_int_equal(vc_personalize_upgrade(st, t->seal, &kdf, "123456",
	    "12345678", err, sizeof(err)), 0);
	assert_int_equal(vc_state_save(t->path, st, err, sizeof(err)), 0);
	vc_state_free(&st);
	assert_false(state_has(t, "pbkdf2"));
	assert_true(state_has(t, "\nkdf scrypt 10 "));
	assert_int_equal(vt_reload(t), 0);
	assert_int_equal(card_sign(t, SCL_PIV_ALG_ECC256, 0x9a, dg, sizeof(dg),
	    sig, &sig_len), 0x6982);
	assert_int_equal(vt_verify(t, "654321"), 0x63c2);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	assert_int_equal(card_sign(t, SCL_PIV_ALG_ECC256, 0x9a, dg, sizeof(dg),
	    sig, &sig_len), 0x9000);
	EVP_PKEY_free(pub);
}

int
main(void)
{
	struct vt_swtpm w;
	int r;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_select, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pin_counters_and_block_persist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_tries_report, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_atr_caps, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_correct_pin_restores,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_security_reset, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_persist_before_answer,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_puk_unblock, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_admin_unblock,
		    setup_legacy, teardown),
		cmocka_unit_test_setup_teardown(test_admin_unblock_kdf, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_copied_state, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upgrade, setup_legacy,
		    teardown),
		cmocka_unit_test_setup_teardown(test_puk_blocks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_change_reference, setup,
		    teardown),
		cmocka_unit_test(test_mgmt_3des),
		cmocka_unit_test(test_mgmt_aes),
		cmocka_unit_test_setup_teardown(test_set_mgmt_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_generate_and_sign, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ecdh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_objects_chaining, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_yubico_extensions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
		    teardown),
	};

	if (vt_tpm_from_env(&w) != 0)
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	vt_tpm_done(&w);
	return r;
}
