/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "err.h"
#include "piv.h"
#include "secret.h"
#include "tlv.h"

static void *
wipe_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return malloc(n);
}

static void
wipe_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

static void *
wipe_realloc(void *p, size_t n, const char *file, int line)
{
	size_t old;
	void *q;

	if (p == NULL)
		return wipe_malloc(n, file, line);
	if (n == 0) {
		wipe_free(p, file, line);
		return NULL;
	}
	if ((q = malloc(n)) == NULL)
		return NULL;
	old = malloc_usable_size(p);
	memcpy(q, p, old < n ? old : n);
	wipe_free(p, file, line);
	return q;
}

int
vc_crypto_wipe_freed_memory(void)
{
	return CRYPTO_set_mem_functions(wipe_malloc, wipe_realloc,
	    wipe_free) == 1 ? 0 : -1;
}

static const char *
curve_of(uint8_t alg)
{
	return alg == SCL_PIV_ALG_ECC256 ? "prime256v1" :
	    alg == SCL_PIV_ALG_ECC384 ? "secp384r1" : NULL;
}

uint8_t
vc_crypto_alg(const EVP_PKEY *k)
{
	char group[64];
	size_t glen;

	if (k == NULL)
		return 0;
	if (EVP_PKEY_is_a(k, "RSA")) {
		BIGNUM *e = NULL;
		int ok = EVP_PKEY_get_bits(k) == 2048 &&
		    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e) == 1 &&
		    BN_is_word(e, 65537);

		BN_free(e);
		return ok ? SCL_PIV_ALG_RSA2048 : 0;
	}
	if (EVP_PKEY_is_a(k, "EC") &&
	    EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &glen) == 1) {
		if (strcmp(group, "prime256v1") == 0)
			return SCL_PIV_ALG_ECC256;
		if (strcmp(group, "secp384r1") == 0)
			return SCL_PIV_ALG_ECC384;
	}
	return 0;
}

int
vc_crypto_generate(uint8_t alg, EVP_PKEY **ret)
{
	EVP_PKEY *k = NULL;

	if (alg == SCL_PIV_ALG_RSA2048)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else if (curve_of(alg) != NULL)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve_of(alg));
	else
		return SCL_ERR_NOT_SUPPORTED;
	if (k == NULL)
		return SCL_ERR_INTERNAL;
	*ret = k;
	return 0;
}

int
vc_crypto_put_pubkey(struct scl_wbuf *w, const EVP_PKEY *k)
{
	uint8_t buf[512], e[8];
	BIGNUM *n = NULL, *bne = NULL;
	size_t len = 0;
	int elen, r = SCL_ERR_INTERNAL;

	if (EVP_PKEY_is_a(k, "RSA")) {
		if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
		    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &bne) != 1 ||
		    BN_num_bytes(n) > (int)sizeof(buf) ||
		    BN_num_bytes(bne) > (int)sizeof(e))
			goto out;
		len = (size_t)BN_bn2bin(n, buf);
		elen = BN_bn2bin(bne, e);
		scl_tlv_put_header(w, 0x7f49, scl_tlv_header_size(0x81, len) +
		    len + scl_tlv_header_size(0x82, (size_t)elen) +
		    (size_t)elen);
		scl_tlv_put(w, 0x81, buf, len);
		scl_tlv_put(w, 0x82, e, (size_t)elen);
	} else {
		if (EVP_PKEY_get_octet_string_param(k,
		    OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof(buf), &len) != 1)
			goto out;
		scl_tlv_put_header(w, 0x7f49, scl_tlv_header_size(0x86, len) +
		    len);
		scl_tlv_put(w, 0x86, buf, len);
	}
	r = w->err;
out:
	BN_free(n);
	BN_free(bne);
	return r;
}

int
vc_crypto_private_op(EVP_PKEY *k, const uint8_t *in, size_t in_len,
    uint8_t *out, size_t cap, size_t *ret_len)
{
	EVP_PKEY_CTX *ctx = NULL;
	size_t olen = cap;
	int r = SCL_ERR_INCORRECT_DATA;

	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if (EVP_PKEY_is_a(k, "RSA")) {
		if (in_len != (size_t)EVP_PKEY_get_size(k))
			goto out;
		if (EVP_PKEY_decrypt_init(ctx) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) != 1 ||
		    EVP_PKEY_decrypt(ctx, out, &olen, in, in_len) != 1)
			goto out;
	} else {
		if (in_len == 0 || in_len > 64)
			goto out;
		if (EVP_PKEY_sign_init(ctx) != 1 ||
		    EVP_PKEY_sign(ctx, out, &olen, in, in_len) != 1)
			goto out;
	}
	*ret_len = olen;
	r = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/*
 * OSSL_PARAM_free without clearing leaves the key's numbers in freed heap
 * (OpenSSL 3.0 has no OSSL_PARAM_clear_free).
 */
static void
params_clear_free(OSSL_PARAM *params)
{
	for (OSSL_PARAM *p = params; p != NULL && p->key != NULL; p++)
		if (p->data != NULL)
			OPENSSL_cleanse(p->data, p->data_size);
	OSSL_PARAM_free(params);
}

static EVP_PKEY *
ec_from_params(const char *curve, const uint8_t *pub, size_t pub_len,
    const BIGNUM *priv)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    curve, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, pub_len) != 1 ||
	    (priv != NULL && OSSL_PARAM_BLD_push_BN(bld,
	    OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, priv != NULL ? EVP_PKEY_KEYPAIR :
	    EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	params_clear_free(params);
	OSSL_PARAM_BLD_free(bld);
	return k;
}

int
vc_crypto_ecdh(EVP_PKEY *k, const uint8_t *point, size_t point_len,
    uint8_t *out, size_t cap, size_t *ret_len)
{
	EVP_PKEY *peer = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	char group[64];
	size_t glen, olen = cap;
	int r = SCL_ERR_INCORRECT_DATA;

	if (!EVP_PKEY_is_a(k, "EC") ||
	    EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &glen) != 1)
		goto out;
	if (point_len == 0 || point[0] != 0x04 ||
	    (peer = ec_from_params(group, point, point_len, NULL)) == NULL)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
	    EVP_PKEY_derive(ctx, out, &olen) != 1)
		goto out;
	*ret_len = olen;
	r = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return r;
}

int
vc_crypto_import_rsa(const uint8_t *const part[5], const size_t len[5],
    EVP_PKEY **ret)
{
	BIGNUM *bn[5] = { NULL }, *n = NULL, *e = NULL, *d = NULL,
	    *p1 = NULL, *q1 = NULL, *phi = NULL, *t = NULL;
	BN_CTX *bctx = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;
	int r = SCL_ERR_INCORRECT_DATA;

	for (int i = 0; i < 5; i++) {
		if (len[i] == 0 || len[i] > 128 ||
		    (bn[i] = BN_bin2bn(part[i], (int)len[i], NULL)) == NULL)
			goto out;
	}
	if ((bctx = BN_CTX_secure_new()) == NULL || (n = BN_new()) == NULL ||
	    (e = BN_new()) == NULL || (p1 = BN_new()) == NULL ||
	    (q1 = BN_new()) == NULL || (phi = BN_new()) == NULL ||
	    (t = BN_new()) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if (BN_set_word(e, 65537) != 1 || BN_mul(n, bn[0], bn[1], bctx) != 1 ||
	    BN_num_bits(n) != 2048 || BN_sub(p1, bn[0], BN_value_one()) != 1 ||
	    BN_sub(q1, bn[1], BN_value_one()) != 1 ||
	    BN_mul(phi, p1, q1, bctx) != 1 ||
	    (d = BN_mod_inverse(NULL, e, phi, bctx)) == NULL)
		goto out;
	/*
	 * The exponent is not in the import: dP and dQ must agree with 65537,
	 * and qInv must be q's inverse mod p.  Not EVP_PKEY_pairwise_check:
	 * OpenSSL 3.0's RSA key check frees its q^-1 mod p without clearing.
	 */
	if (BN_mod_mul(t, e, bn[2], p1, bctx) != 1 || !BN_is_one(t) ||
	    BN_mod_mul(t, e, bn[3], q1, bctx) != 1 || !BN_is_one(t) ||
	    BN_mod_mul(t, bn[4], bn[1], bn[0], bctx) != 1 || !BN_is_one(t))
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1,
	    bn[0]) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2,
	    bn[1]) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1,
	    bn[2]) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2,
	    bn[3]) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	    bn[4]) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR, params) != 1)
		goto out;
	*ret = k;
	k = NULL;
	r = 0;
out:
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(ctx);
	params_clear_free(params);
	OSSL_PARAM_BLD_free(bld);
	for (int i = 0; i < 5; i++)
		BN_clear_free(bn[i]);
	BN_free(n);
	BN_free(e);
	BN_clear_free(d);
	BN_clear_free(p1);
	BN_clear_free(q1);
	BN_clear_free(phi);
	BN_clear_free(t);
	BN_CTX_free(bctx);
	return r;
}

int
vc_crypto_import_ec(uint8_t alg, const uint8_t *d, size_t d_len,
    EVP_PKEY **ret)
{
	const char *curve = curve_of(alg);
	EC_GROUP *g = NULL;
	EC_POINT *pt = NULL;
	BIGNUM *priv = NULL;
	uint8_t pub[160];
	size_t pub_len;
	EVP_PKEY *k = NULL;
	int r = SCL_ERR_INCORRECT_DATA;

	if (curve == NULL || d_len != (alg == SCL_PIV_ALG_ECC256 ? 32u : 48u))
		goto out;
	if ((g = EC_GROUP_new_by_curve_name(alg == SCL_PIV_ALG_ECC256 ?
	    NID_X9_62_prime256v1 : NID_secp384r1)) == NULL ||
	    (pt = EC_POINT_new(g)) == NULL ||
	    (priv = BN_bin2bn(d, (int)d_len, NULL)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if (BN_is_zero(priv) || BN_cmp(priv, EC_GROUP_get0_order(g)) >= 0 ||
	    EC_POINT_mul(g, pt, priv, NULL, NULL, NULL) != 1 ||
	    (pub_len = EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED,
	    pub, sizeof(pub), NULL)) == 0 ||
	    (k = ec_from_params(curve, pub, pub_len, priv)) == NULL)
		goto out;
	*ret = k;
	r = 0;
out:
	BN_clear_free(priv);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	return r;
}

int
vc_crypto_public_rsa(const uint8_t *n, size_t n_len, EVP_PKEY **ret)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *bn = NULL, *e = NULL;
	EVP_PKEY *k = NULL;

	if ((bn = BN_bin2bn(n, (int)n_len, NULL)) == NULL ||
	    BN_num_bits(bn) != 2048 || (e = BN_new()) == NULL ||
	    BN_set_word(e, 65537) != 1 ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	params_clear_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(e);
	if (k == NULL)
		return SCL_ERR_BAD_STATE;
	*ret = k;
	return 0;
}

int
vc_crypto_public_ec(uint8_t alg, const uint8_t *point, size_t len,
    EVP_PKEY **ret)
{
	EVP_PKEY *k;

	if (curve_of(alg) == NULL ||
	    (k = ec_from_params(curve_of(alg), point, len, NULL)) == NULL)
		return SCL_ERR_BAD_STATE;
	*ret = k;
	return 0;
}

/*
 * PrivateKeyInfo straight from the encoder, so the only copy is the one
 * returned (EVP_PKEY2PKCS8 decodes a DER copy and frees it unwiped).
 */
int
vc_crypto_to_der(EVP_PKEY *k, uint8_t **ret_der, size_t *ret_len)
{
	OSSL_ENCODER_CTX *ctx;
	uint8_t *der = NULL;
	size_t len = 0;
	int r = SCL_ERR_INTERNAL;

	ctx = OSSL_ENCODER_CTX_new_for_pkey(k, OSSL_KEYMGMT_SELECT_ALL, "DER",
	    "PrivateKeyInfo", NULL);
	if (ctx == NULL || OSSL_ENCODER_CTX_get_num_encoders(ctx) == 0 ||
	    OSSL_ENCODER_to_data(ctx, &der, &len) != 1 || der == NULL)
		goto out;
	*ret_der = der;
	*ret_len = len;
	r = 0;
out:
	OSSL_ENCODER_CTX_free(ctx);
	return r;
}

int
vc_crypto_from_der(const uint8_t *der, size_t len, EVP_PKEY **ret)
{
	const uint8_t *p = der;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EVP_PKEY *k = NULL;
	int r = SCL_ERR_BAD_DER;

	if (len > INT32_MAX ||
	    (p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len)) == NULL ||
	    p != der + len || (k = EVP_PKCS82PKEY(p8)) == NULL)
		goto out;
	*ret = k;
	r = 0;
out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	return r;
}

int
vc_crypto_random(uint8_t *p, size_t n)
{
	return RAND_bytes(p, (int)n) == 1 ? 0 : SCL_ERR_INTERNAL;
}

int
vc_crypto_pub_to_der(const EVP_PKEY *k, uint8_t **ret_der, size_t *ret_len)
{
	uint8_t *der = NULL;
	int n = i2d_PUBKEY(k, &der);

	if (n <= 0)
		return SCL_ERR_INTERNAL;
	*ret_der = der;
	*ret_len = (size_t)n;
	return 0;
}

int
vc_crypto_pub_from_der(const uint8_t *der, size_t len, EVP_PKEY **ret)
{
	const uint8_t *p = der;
	EVP_PKEY *k;

	if (len > INT32_MAX || (k = d2i_PUBKEY(NULL, &p, (long)len)) == NULL)
		return SCL_ERR_BAD_STATE;
	if (p != der + len || vc_crypto_alg(k) == 0) {
		EVP_PKEY_free(k);
		return SCL_ERR_BAD_STATE;
	}
	*ret = k;
	return 0;
}
