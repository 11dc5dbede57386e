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

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "cert.h"
#include "err.h"
#include "fake-card.h"
#include "piv.h"
#include "tlv.h"

/* ------------------------------------------------------------------ */
/* Test keys and certificates, generated at run time.                  */

static EVP_PKEY *
gen_key(const char *type, const char *param, size_t bits)
{
	EVP_PKEY *k = NULL;

	if (strcmp(type, "RSA") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
	else if (strcmp(type, "EC") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", param);
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, type);
	assert_non_null(k);
	return k;
}

static X509 *
make_cert(EVP_PKEY *key, const char *cn)
{
	static const uint8_t serial[] = { 0x01, 0x02, 0x03, 0x04, 0xA5 };
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	ASN1_INTEGER *sn = ASN1_INTEGER_new();
	const EVP_MD *md = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ?
	    NULL : EVP_sha256();

	assert_non_null(x);
	assert_non_null(n);
	assert_non_null(sn);
	assert_int_equal(ASN1_STRING_set(sn, serial, sizeof(serial)), 1);
	assert_int_equal(X509_set_serialNumber(x, sn), 1);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
	    (const unsigned char *)"Example", -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_subject_name(x, n), 1);
	assert_int_equal(X509_set_issuer_name(x, n), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	assert_true(X509_sign(x, key, md) > 0);
	X509_NAME_free(n);
	ASN1_INTEGER_free(sn);
	return x;
}

static uint8_t *
to_der(X509 *x, size_t *ret_len)
{
	uint8_t *der = NULL;
	int n = i2d_X509(x, &der);

	assert_true(n > 0);
	*ret_len = (size_t)n;
	return der;
}

struct keys {
	EVP_PKEY *rsa2048, *rsa1024, *p256, *p384, *p521, *ed25519, *other;
};

static int
setup(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return -1;
	k->rsa2048 = gen_key("RSA", NULL, 2048);
	k->rsa1024 = gen_key("RSA", NULL, 1024);
	k->p256 = gen_key("EC", "P-256", 0);
	k->p384 = gen_key("EC", "P-384", 0);
	k->p521 = gen_key("EC", "P-521", 0);
	k->ed25519 = gen_key("ED25519", NULL, 0);
	k->other = gen_key("EC", "P-256", 0);
	*state = k;
	return 0;
}

static int
teardown(void **state)
{
	struct keys *k = *state;

	EVP_PKEY_free(k->rsa2048);
	EVP_PKEY_free(k->rsa1024);
	EVP_PKEY_free(k->p256);
	EVP_PKEY_free(k->p384);
	EVP_PKEY_free(k->p521);
	EVP_PKEY_free(k->ed25519);
	EVP_PKEY_free(k->other);
	free(k);
	return 0;
}

/* ------------------------------------------------------------------ */
/* scl_cert_parse_der                                                  */

static void
test_parse_der(void **state)
{
	struct keys *k = *state;
	X509 *x = make_cert(k->p256, "alice"), *out = NULL;
	X509 *sentinel = (X509 *)&out;
	size_t n;
	uint8_t *der = to_der(x, &n), *longer = malloc(n + 1);

	assert_non_null(longer);
	assert_int_equal(scl_cert_parse_der(der, n, &out), 0);
	assert_non_null(out);
	assert_int_equal(X509_cmp(out, x), 0);
	X509_free(out);

	memcpy(longer, der, n);
	longer[n] = 0x00;
	out = sentinel;
	assert_int_equal(scl_cert_parse_der(longer, n + 1, &out),
	    SCL_ERR_TRAILING_DATA);
	assert_ptr_equal(out, sentinel);
	assert_int_equal(scl_cert_parse_der(der, n - 1, &out), SCL_ERR_BAD_DER);
	assert_int_equal(scl_cert_parse_der(der, 0, &out), SCL_ERR_BAD_DER);
	assert_int_equal(scl_cert_parse_der(NULL, 10, &out), SCL_ERR_BAD_DER);
	assert_int_equal(scl_cert_parse_der(der + 1, n - 1, &out),
	    SCL_ERR_BAD_DER);
	assert_int_equal(scl_cert_parse_der(der, SCL_OBJ_MAX + 1, &out),
	    SCL_ERR_TOO_LARGE);
	assert_ptr_equal(out, sentinel);
	free(longer);
	OPENSSL_free(der);
	X509_free(x);
}

/* ------------------------------------------------------------------ */
/* scl_cert_describe                                                   */

static void
test_describe(void **state)
{
	struct keys *k = *state;
	X509 *x = make_cert(k->rsa2048, "alice");
	char subj[256], iss[256], serial[81], sha[65], want[65], tiny[6];
	uint8_t md[32];
	size_t n;
	uint8_t *der = to_der(x, &n);

	scl_cert_describe(x, subj, sizeof(subj), iss, sizeof(iss), serial,
	    sizeof(serial), sha);
	assert_string_equal(subj, "CN=alice,O=Example");
	assert_string_equal(iss, "CN=alice,O=Example");
	assert_string_equal(serial, "01020304a5");
	SHA256(der, n, md);
	for (size_t i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(sha, want);

	/* truncation keeps a terminated prefix; NULL outputs are skipped */
	scl_cert_describe(x, tiny, sizeof(tiny), NULL, 0, NULL, 0, NULL);
	assert_string_equal(tiny, "CN=al");
	scl_cert_describe(x, NULL, 0, NULL, 0, serial, 5, NULL);
	assert_string_equal(serial, "0102");

	/* no certificate: empty strings */
	scl_cert_describe(NULL, subj, sizeof(subj), iss, sizeof(iss), serial,
	    sizeof(serial), sha);
	assert_string_equal(subj, "");
	assert_string_equal(iss, "");
	assert_string_equal(serial, "");
	assert_string_equal(sha, "");
	OPENSSL_free(der);
	X509_free(x);
}

static void
test_describe_escapes(void **state)
{
	struct keys *k = *state;
	/* control byte, a quote-worthy comma and non-ASCII UTF-8 (e-acute) */
	X509 *x = make_cert(k->p256, "ev\x01l,\xc3\xa9");
	char subj[256];

	scl_cert_describe(x, subj, sizeof(subj), NULL, 0, NULL, 0, NULL);
	for (const char *p = subj; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	assert_non_null(strstr(subj, "\\01"));
	assert_non_null(strstr(subj, "\\,"));
	assert_non_null(strstr(subj, "\\C3\\A9"));
	X509_free(x);
}

/* ------------------------------------------------------------------ */
/* scl_cert_piv_alg                                                    */

static void
test_piv_alg(void **state)
{
	struct keys *k = *state;
	struct {
		EVP_PKEY *key;
		int r;
		uint8_t alg;
	} cases[] = {
		{ k->rsa2048, 0, SCL_PIV_ALG_RSA2048 },
		{ k->rsa1024, 0, SCL_PIV_ALG_RSA1024 },
		{ k->p256, 0, SCL_PIV_ALG_ECC256 },
		{ k->p384, 0, SCL_PIV_ALG_ECC384 },
		{ k->p521, SCL_ERR_CERT_KEY_UNSUPPORTED, 0xEE },
		{ k->ed25519, SCL_ERR_CERT_KEY_UNSUPPORTED, 0xEE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		X509 *x = make_cert(cases[i].key, "alg");
		uint8_t alg = 0xEE;

		assert_int_equal(scl_cert_piv_alg(x, &alg), cases[i].r);
		assert_int_equal(alg, cases[i].alg);
		X509_free(x);
	}
	{
		uint8_t alg = 0xEE;

		assert_int_equal(scl_cert_piv_alg(NULL, &alg),
		    SCL_ERR_CERT_KEY_UNSUPPORTED);
	}
}

/* ------------------------------------------------------------------ */
/* scl_cert_prove_possession against the fake card                     */

/*
 * A GENERAL AUTHENTICATE responder (SP 800-73-4 Pt 2 §3.2.4): accepts the
 * command in one APDU (short or extended) or chained, checks
 * 7C { 82 00, 81 <input> }, signs <input> with the private key as the card
 * would (RSA: raw modular exponentiation of the padded block; ECC: ECDSA
 * over the digest), and returns 7C { 82 <sig> } in 256-byte pieces with
 * 61xx / GET RESPONSE.
 */
enum ga_mode { GA_OK, GA_CORRUPT, GA_OTHER_KEY, GA_SW_6982, GA_EMPTY,
	GA_ECHO,	/* the challenge block back as the "signature" */
	GA_PSS,		/* RSA-PSS over the digest for a PKCS#1 v1.5 request */
	GA_BER,		/* a valid ECDSA signature, BER (long-form length) */
};

struct ga {
	EVP_PKEY *key, *other;
	uint8_t alg, key_ref;
	enum ga_mode mode;
	uint8_t acc[2048];
	size_t acc_len;
	uint8_t in[600];
	size_t in_len;
	uint8_t out[1200];
	size_t out_len, out_pos;
	unsigned commands;
};

static int
ga_send(struct ga *g, uint8_t *resp, size_t *resp_len)
{
	size_t left = g->out_len - g->out_pos, n = left > 256 ? 256 : left;

	assert_true(*resp_len >= n + 2);
	memcpy(resp, g->out + g->out_pos, n);
	g->out_pos += n;
	left -= n;
	if (left > 0) {
		resp[n] = 0x61;
		resp[n + 1] = (uint8_t)(left > 255 ? 0 : left);
	} else {
		resp[n] = 0x90;
		resp[n + 1] = 0x00;
	}
	*resp_len = n + 2;
	return left > 0 ? FAKE_CARD_MORE : 0;
}

static size_t
card_sign(struct ga *g, uint8_t *sig, size_t cap)
{
	EVP_PKEY *key = g->mode == GA_OTHER_KEY ? g->other : g->key;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	size_t n = cap;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx,
		    RSA_NO_PADDING), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, sig, &n, g->in, g->in_len), 1);
	EVP_PKEY_CTX_free(ctx);
	return n;
}

/* The last 32 bytes of the PKCS#1 block are the SHA-256 digest. */
static size_t
card_sign_pss(struct ga *g, uint8_t *sig, size_t cap)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(g->key, NULL);
	size_t n = cap;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx,
	    RSA_PKCS1_PSS_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, sig, &n, g->in + g->in_len - 32,
	    32), 1);
	EVP_PKEY_CTX_free(ctx);
	return n;
}

/* DER SEQUENCE with a short length -> the same with 81 LL (BER). */
static size_t
to_ber(uint8_t *sig, size_t len)
{
	assert_true(len >= 2 && len < 128 && sig[0] == 0x30 &&
	    sig[1] == len - 2);
	memmove(sig + 3, sig + 2, len - 2);
	sig[1] = 0x81;
	sig[2] = (uint8_t)(len - 2);
	return len + 1;
}

static int
ga_fn(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
    size_t *resp_len)
{
	struct ga *g = ctx;
	const uint8_t *inner, *v;
	size_t lc, off, inner_len, vl, sig_len;
	uint8_t sig[1024];
	struct scl_wbuf w;

	g->commands++;
	assert_true(cmd_len >= 4);
	if (cmd[1] == 0xC0) {
		assert_true(g->out_len > 0);
		return ga_send(g, resp, resp_len);
	}
	assert_int_equal(cmd[0] & ~0x10, 0x00);
	assert_int_equal(cmd[1], 0x87);
	assert_int_equal(cmd[2], g->alg);
	assert_int_equal(cmd[3], g->key_ref);
	assert_true(cmd_len > 5);
	if (cmd[4] == 0 && cmd_len > 7) {
		lc = (size_t)cmd[5] << 8 | cmd[6];
		off = 7;
	} else {
		lc = cmd[4];
		off = 5;
	}
	assert_true(off + lc <= cmd_len && off + lc + 3 >= cmd_len);
	assert_true(g->acc_len + lc <= sizeof(g->acc));
	memcpy(g->acc + g->acc_len, cmd + off, lc);
	g->acc_len += lc;
	if (cmd[0] & 0x10) {
		resp[0] = 0x90;
		resp[1] = 0x00;
		*resp_len = 2;
		return FAKE_CARD_MORE;
	}
	assert_int_equal(scl_tlv_expect(g->acc, g->acc_len, 0x7C, &inner,
	    &inner_len), 0);
	assert_int_equal(scl_tlv_find(inner, inner_len, 0x82, &v, &vl), 0);
	assert_int_equal(vl, 0);
	assert_int_equal(scl_tlv_find(inner, inner_len, 0x81, &v, &vl), 0);
	assert_true(vl <= sizeof(g->in));
	memcpy(g->in, v, vl);
	g->in_len = vl;
	g->acc_len = 0;
	if (g->mode == GA_SW_6982) {
		resp[0] = 0x69;
		resp[1] = 0x82;
		*resp_len = 2;
		return 0;
	}
	sig_len = g->mode == GA_EMPTY ? 0 : card_sign(g, sig, sizeof(sig));
	if (g->mode == GA_CORRUPT)
		sig[sig_len / 2] ^= 0x01;
	if (g->mode == GA_ECHO) {
		memcpy(sig, g->in, g->in_len);
		sig_len = g->in_len;
	}
	if (g->mode == GA_PSS)
		sig_len = card_sign_pss(g, sig, sizeof(sig));
	if (g->mode == GA_BER)
		sig_len = to_ber(sig, sig_len);
	scl_wbuf_init(&w, g->out, sizeof(g->out));
	scl_tlv_put_header(&w, 0x7C, scl_tlv_header_size(0x82, sig_len) +
	    sig_len);
	scl_tlv_put(&w, 0x82, sig, sig_len);
	assert_int_equal(w.err, 0);
	g->out_len = w.len;
	g->out_pos = 0;
	return ga_send(g, resp, resp_len);
}

static void
check_rsa_block(const struct ga *g)
{
	static const uint8_t prefix[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09,
	    0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
	    0x04, 0x20 };
	size_t ps = g->in_len - 3 - sizeof(prefix) - 32;

	assert_int_equal(g->in[0], 0x00);
	assert_int_equal(g->in[1], 0x01);
	for (size_t i = 0; i < ps; i++)
		assert_int_equal(g->in[2 + i], 0xFF);
	assert_int_equal(g->in[2 + ps], 0x00);
	assert_memory_equal(g->in + 3 + ps, prefix, sizeof(prefix));
}

static int
prove(EVP_PKEY *key, EVP_PKEY *other, uint8_t alg, enum ga_mode mode,
    unsigned flags, struct ga *g)
{
	struct fake_card *fc = fake_card_new(flags);
	X509 *x = make_cert(key, "prover");
	int r;

	memset(g, 0, sizeof(*g));
	g->key = key;
	g->other = other;
	g->alg = alg;
	g->key_ref = SCL_PIV_KEY_AUTH;
	g->mode = mode;
	fake_card_expect_fn(fc, ga_fn, g);
	r = scl_cert_prove_possession(fake_card_transport(fc),
	    SCL_PIV_KEY_AUTH, x);
	fake_card_free(&fc);
	X509_free(x);
	return r;
}

static void
test_prove_rsa2048(void **state)
{
	struct keys *k = *state;
	struct ga g;
	uint8_t first[256];

	assert_int_equal(prove(k->rsa2048, NULL, SCL_PIV_ALG_RSA2048, GA_OK,
	    0, &g), 0);
	assert_int_equal(g.in_len, 256);
	check_rsa_block(&g);
	assert_true(g.commands >= 2);	/* chained or GET RESPONSE */
	memcpy(first, g.in, 256);
	/* extended-length card */
	assert_int_equal(prove(k->rsa2048, NULL, SCL_PIV_ALG_RSA2048, GA_OK,
	    SCL_TRANSPORT_EXTENDED, &g), 0);
	/* a fresh challenge every time */
	assert_memory_not_equal(first + 256 - 32, g.in + 256 - 32, 32);
	assert_int_equal(prove(k->rsa2048, NULL, SCL_PIV_ALG_RSA2048,
	    GA_CORRUPT, 0, &g), SCL_ERR_SIG_INVALID);
	assert_int_equal(prove(k->rsa1024, NULL, SCL_PIV_ALG_RSA1024, GA_OK,
	    0, &g), 0);
	assert_int_equal(g.in_len, 128);
	check_rsa_block(&g);
}

static void
test_prove_rsa_other_key(void **state)
{
	struct keys *k = *state;
	struct ga g;

	EVP_PKEY *o = gen_key("RSA", NULL, 2048);

	assert_int_equal(prove(k->rsa2048, o, SCL_PIV_ALG_RSA2048,
	    GA_OTHER_KEY, 0, &g), SCL_ERR_SIG_INVALID);
	EVP_PKEY_free(o);
}

static void
test_prove_p256(void **state)
{
	struct keys *k = *state;
	struct ga g;
	uint8_t md[32];

	assert_int_equal(prove(k->p256, NULL, SCL_PIV_ALG_ECC256, GA_OK, 0,
	    &g), 0);
	assert_int_equal(g.in_len, 32);
	memcpy(md, g.in, 32);
	assert_int_equal(prove(k->p256, NULL, SCL_PIV_ALG_ECC256, GA_OK, 0,
	    &g), 0);
	assert_memory_not_equal(md, g.in, 32);
	assert_int_equal(prove(k->p256, NULL, SCL_PIV_ALG_ECC256, GA_CORRUPT,
	    0, &g), SCL_ERR_SIG_INVALID);
	assert_int_equal(prove(k->p256, k->other, SCL_PIV_ALG_ECC256,
	    GA_OTHER_KEY, 0, &g), SCL_ERR_SIG_INVALID);
}

static void
test_prove_p384(void **state)
{
	struct keys *k = *state;
	struct ga g;

	assert_int_equal(prove(k->p384, NULL, SCL_PIV_ALG_ECC384, GA_OK, 0,
	    &g), 0);
	assert_int_equal(g.in_len, 48);		/* SHA-384 */
	assert_int_equal(prove(k->p384, NULL, SCL_PIV_ALG_ECC384, GA_CORRUPT,
	    0, &g), SCL_ERR_SIG_INVALID);
}

/*
 * Attacks the proof resists (#12 keeps them as tests): alice's
 * certificate with bob's key, the challenge echoed back, RSA-PSS where
 * PKCS#1 v1.5 was asked, a BER-encoded ECDSA signature, a P-384
 * certificate on a card holding a P-256 key.
 */
static void
test_prove_attacks(void **state)
{
	struct keys *k = *state;
	EVP_PKEY *bob = gen_key("RSA", NULL, 2048);
	struct ga g;

	assert_int_equal(prove(k->rsa2048, bob, SCL_PIV_ALG_RSA2048,
	    GA_OTHER_KEY, 0, &g), SCL_ERR_SIG_INVALID);
	assert_int_equal(prove(k->rsa2048, NULL, SCL_PIV_ALG_RSA2048, GA_ECHO,
	    0, &g), SCL_ERR_SIG_INVALID);
	assert_int_equal(prove(k->p256, NULL, SCL_PIV_ALG_ECC256, GA_ECHO, 0,
	    &g), SCL_ERR_SIG_INVALID);
	assert_int_equal(prove(k->p384, NULL, SCL_PIV_ALG_ECC384, GA_ECHO, 0,
	    &g), SCL_ERR_SIG_INVALID);
	assert_int_equal(prove(k->rsa2048, NULL, SCL_PIV_ALG_RSA2048, GA_PSS,
	    0, &g), SCL_ERR_SIG_INVALID);
	/* the same signature in DER is fine: BER is what is refused */
	assert_int_equal(prove(k->p256, NULL, SCL_PIV_ALG_ECC256, GA_OK, 0,
	    &g), 0);
	assert_int_equal(prove(k->p256, NULL, SCL_PIV_ALG_ECC256, GA_BER, 0,
	    &g), SCL_ERR_SIG_INVALID);
	assert_int_equal(prove(k->p384, k->p256, SCL_PIV_ALG_ECC384,
	    GA_OTHER_KEY, 0, &g), SCL_ERR_SIG_INVALID);
	EVP_PKEY_free(bob);
}

static void
test_prove_card_errors(void **state)
{
	struct keys *k = *state;
	struct ga g;
	int r;

	assert_int_equal(prove(k->p256, NULL, SCL_PIV_ALG_ECC256, GA_SW_6982,
	    0, &g), SCL_ERR_SECURITY_STATUS);
	r = prove(k->p256, NULL, SCL_PIV_ALG_ECC256, GA_EMPTY, 0, &g);
	assert_true(r != 0);
}

static int
removed_fn(void *ctx, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
    size_t *resp_len)
{
	return SCL_ERR_CARD_REMOVED;
}

static void
test_prove_card_removed(void **state)
{
	struct keys *k = *state;
	struct fake_card *fc = fake_card_new(0);
	X509 *x = make_cert(k->p256, "gone");

	fake_card_expect_fn(fc, removed_fn, NULL);
	assert_int_equal(scl_cert_prove_possession(fake_card_transport(fc),
	    SCL_PIV_KEY_AUTH, x), SCL_ERR_CARD_REMOVED);
	fake_card_free(&fc);
	X509_free(x);
}

static void
test_prove_unsupported(void **state)
{
	struct keys *k = *state;
	struct fake_card *fc = fake_card_new(0);
	X509 *x = make_cert(k->p521, "p521");

	/* no APDU may be sent for a key we cannot handle */
	assert_int_equal(scl_cert_prove_possession(fake_card_transport(fc),
	    SCL_PIV_KEY_AUTH, x), SCL_ERR_CERT_KEY_UNSUPPORTED);
	assert_int_equal(scl_cert_prove_possession(NULL, SCL_PIV_KEY_AUTH, x),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_cert_prove_possession(fake_card_transport(fc),
	    SCL_PIV_KEY_AUTH, NULL), SCL_ERR_INVALID_ARGUMENT);
	fake_card_free(&fc);
	X509_free(x);
}

/* ------------------------------------------------------------------ */
/* Deterministic mutation over a known-good certificate                */

static void
parse_describe(const uint8_t *src, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	char subj[128], iss[128], serial[81], sha[65];
	X509 *x = NULL;
	uint8_t alg;

	assert_non_null(b);
	memcpy(b, src, n);
	if (scl_cert_parse_der(b, n, &x) == 0) {
		scl_cert_describe(x, subj, sizeof(subj), iss, sizeof(iss),
		    serial, sizeof(serial), sha);
		(void)scl_cert_piv_alg(x, &alg);
		X509_free(x);
	}
	free(b);
}

static void
test_mutations(void **state)
{
	struct keys *k = *state;
	X509 *x = make_cert(k->p256, "mutant");
	size_t n;
	uint8_t *der = to_der(x, &n), *m = malloc(n);

	assert_non_null(m);
	for (size_t i = 0; i < n * 8; i++) {
		memcpy(m, der, n);
		m[i / 8] ^= (uint8_t)(1u << (i % 8));
		parse_describe(m, n);
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(m, der, n);
		m[i] = 0xFF;
		parse_describe(m, n);
		m[i] = 0x00;
		parse_describe(m, n);
	}
	for (size_t len = 0; len <= n; len++)
		parse_describe(der, len);
	free(m);
	OPENSSL_free(der);
	X509_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_der),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_describe_escapes),
		cmocka_unit_test(test_piv_alg),
		cmocka_unit_test(test_prove_rsa2048),
		cmocka_unit_test(test_prove_rsa_other_key),
		cmocka_unit_test(test_prove_p256),
		cmocka_unit_test(test_prove_p384),
		cmocka_unit_test(test_prove_attacks),
		cmocka_unit_test(test_prove_card_errors),
		cmocka_unit_test(test_prove_card_removed),
		cmocka_unit_test(test_prove_unsupported),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
