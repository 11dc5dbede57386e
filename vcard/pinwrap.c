/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "err.h"
#include "pinwrap.h"
#include "secret.h"

#define SCRYPT_LEN 32

void
vc_kdf_default(struct vc_kdf *k)
{
	k->logn = VC_KDF_LOGN_DEFAULT;
	k->r = VC_KDF_R_DEFAULT;
	k->p = VC_KDF_P_DEFAULT;
}

uint64_t
vc_kdf_mem(const struct vc_kdf *k)
{
	return 128ull * k->r * k->p * (1ull << k->logn);
}

int
vc_kdf_check(const struct vc_kdf *k, const char **reason)
{
	if (k->logn < VC_KDF_LOGN_MIN || k->logn > VC_KDF_LOGN_MAX) {
		*reason = "scrypt logN must be 10 to 20";
		return -1;
	}
	if (k->r < 1 || k->p < 1 || (unsigned)k->r * k->p > VC_KDF_RP_MAX) {
		*reason = "scrypt r and p must be at least 1 and r*p at most 32";
		return -1;
	}
	if (vc_kdf_mem(k) > VC_KDF_MAXMEM) {
		*reason = "scrypt would need more than 1 GiB (128*r*N*p)";
		return -1;
	}
	return 0;
}

static int
hkdf(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
    size_t salt_len, const char *info, uint8_t out[32])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM pr[5], *p = pr;
	int r = SCL_ERR_INTERNAL;

	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)ikm, ikm_len);
	if (salt_len > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    (void *)(uintptr_t)salt, salt_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)(uintptr_t)info, strlen(info));
	*p = OSSL_PARAM_construct_end();
	if (ctx != NULL && EVP_KDF_derive(ctx, out, 32, pr) == 1)
		r = 0;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return r;
}

/* KEK = HKDF(scrypt(ref, salt) || seal key, info "sclogin vcard <what> kek"). */
static int
kek(const struct vc_kdf *k, const uint8_t seal_key[VC_SEAL_KEY_LEN],
    const char *what, const uint8_t salt[VC_WRAP_SALT_LEN],
    const uint8_t ref[8], uint8_t out[32])
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	uint8_t ikm[SCRYPT_LEN + VC_SEAL_KEY_LEN];
	uint64_t n, maxmem = VC_KDF_MAXMEM + (1u << 20);
	uint32_t r, p;
	OSSL_PARAM pr[7];
	const char *reason;
	char info[40];
	int rc = SCL_ERR_INTERNAL;

	if (vc_kdf_check(k, &reason) != 0)
		return SCL_ERR_BAD_STATE;
	n = 1ull << k->logn;
	r = k->r;
	p = k->p;
	snprintf(info, sizeof(info), "sclogin vcard %s kek", what);
	pr[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)(uintptr_t)ref, 8);
	pr[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)(uintptr_t)salt, VC_WRAP_SALT_LEN);
	pr[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	pr[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	pr[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
	pr[5] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM,
	    &maxmem);
	pr[6] = OSSL_PARAM_construct_end();
	if ((kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL)) == NULL ||
	    (ctx = EVP_KDF_CTX_new(kdf)) == NULL ||
	    EVP_KDF_derive(ctx, ikm, SCRYPT_LEN, pr) != 1)
		goto out;
	memcpy(ikm + SCRYPT_LEN, seal_key, VC_SEAL_KEY_LEN);
	rc = hkdf(ikm, sizeof(ikm), NULL, 0, info, out);
out:
	explicit_bzero(ikm, sizeof(ikm));
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

int
vc_wrap_dk(const struct vc_kdf *k, const uint8_t seal_key[VC_SEAL_KEY_LEN],
    uint32_t serial, const char *what, const uint8_t ref[8],
    const uint8_t dk[VC_DK_LEN], struct vc_wrap *ret)
{
	struct vc_wrap w;
	uint8_t key[32], *blob = NULL;
	size_t len = 0;
	int r;

	if (RAND_bytes(w.salt, sizeof(w.salt)) != 1)
		return SCL_ERR_INTERNAL;
	if ((r = kek(k, seal_key, what, w.salt, ref, key)) != 0 ||
	    (r = vc_seal(key, serial, what, dk, VC_DK_LEN, &blob, &len)) != 0)
		goto out;
	r = SCL_ERR_INTERNAL;
	if (len != VC_WRAP_LEN)
		goto out;
	memcpy(w.blob, blob, len);
	*ret = w;
	r = 0;
out:
	explicit_bzero(key, sizeof(key));
	free(blob);
	return r;
}

int
vc_unwrap_dk(const struct vc_kdf *k,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint32_t serial, const char *what,
    const struct vc_wrap *w, const uint8_t ref[8], uint8_t dk[VC_DK_LEN])
{
	uint8_t key[32], *pt = NULL;
	size_t len = 0;
	int r;

	if ((r = kek(k, seal_key, what, w->salt, ref, key)) != 0)
		goto out;
	r = vc_unseal(key, serial, what, w->blob, VC_WRAP_LEN, &pt, &len);
	if (r == SCL_ERR_BAD_STATE) {
		r = SCL_ERR_PIN_WRONG;
		goto out;
	}
	if (r != 0)
		goto out;
	r = SCL_ERR_BAD_STATE;
	if (len != VC_DK_LEN)
		goto out;
	memcpy(dk, pt, VC_DK_LEN);
	r = 0;
out:
	explicit_bzero(key, sizeof(key));
	scl_freezero(pt, len);
	return r;
}

/* HKDF(X25519(priv, peer), salt eph || pub, "sclogin vcard box"). */
static int
box_key(EVP_PKEY *priv, const uint8_t peer[VC_BOX_PUB_LEN],
    const uint8_t eph[VC_BOX_PUB_LEN], const uint8_t pub[VC_BOX_PUB_LEN],
    uint8_t out[32])
{
	EVP_PKEY *pp = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer,
	    VC_BOX_PUB_LEN);
	EVP_PKEY_CTX *ctx = pp != NULL ? EVP_PKEY_CTX_new(priv, NULL) : NULL;
	uint8_t z[32], salt[2 * VC_BOX_PUB_LEN];
	size_t zl = sizeof(z);
	int r = SCL_ERR_INTERNAL;

	if (ctx != NULL && EVP_PKEY_derive_init(ctx) == 1 &&
	    EVP_PKEY_derive_set_peer(ctx, pp) == 1 &&
	    EVP_PKEY_derive(ctx, z, &zl) == 1 && zl == sizeof(z)) {
		memcpy(salt, eph, VC_BOX_PUB_LEN);
		memcpy(salt + VC_BOX_PUB_LEN, pub, VC_BOX_PUB_LEN);
		r = hkdf(z, sizeof(z), salt, sizeof(salt), "sclogin vcard box",
		    out);
	} else if (pp != NULL) {
		r = SCL_ERR_BAD_STATE;
	}
	explicit_bzero(z, sizeof(z));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pp);
	return r;
}

static int
raw_keypair(EVP_PKEY **ret, uint8_t pub[VC_BOX_PUB_LEN],
    uint8_t priv[32])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
	EVP_PKEY *k = NULL;
	size_t n = VC_BOX_PUB_LEN, m = 32;
	int r = SCL_ERR_INTERNAL;

	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_keygen(ctx, &k) != 1 ||
	    EVP_PKEY_get_raw_public_key(k, pub, &n) != 1 ||
	    n != VC_BOX_PUB_LEN ||
	    (priv != NULL && (EVP_PKEY_get_raw_private_key(k, priv,
	    &m) != 1 || m != 32))) {
		EVP_PKEY_free(k);
		goto out;
	}
	*ret = k;
	r = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int
vc_box_new(const uint8_t dk[VC_DK_LEN], uint32_t serial,
    uint8_t pub[VC_BOX_PUB_LEN], uint8_t sealed[VC_BOX_PRIV_SEALED_LEN])
{
	EVP_PKEY *k = NULL;
	uint8_t priv[32], *blob = NULL;
	size_t len = 0;
	int r;

	if ((r = raw_keypair(&k, pub, priv)) != 0 ||
	    (r = vc_seal(dk, serial, "box", priv, sizeof(priv), &blob,
	    &len)) != 0)
		goto out;
	r = SCL_ERR_INTERNAL;
	if (len != VC_BOX_PRIV_SEALED_LEN)
		goto out;
	memcpy(sealed, blob, len);
	r = 0;
out:
	explicit_bzero(priv, sizeof(priv));
	free(blob);
	EVP_PKEY_free(k);
	return r;
}

int
vc_box_seal(const uint8_t pub[VC_BOX_PUB_LEN], uint32_t serial,
    const char *label, const uint8_t *pt, size_t pt_len, uint8_t **ret_blob,
    size_t *ret_len)
{
	EVP_PKEY *eph = NULL;
	uint8_t epub[VC_BOX_PUB_LEN], key[32], *inner = NULL, *blob = NULL;
	size_t len = 0;
	int r;

	if ((r = raw_keypair(&eph, epub, NULL)) != 0 ||
	    (r = box_key(eph, pub, epub, pub, key)) != 0 ||
	    (r = vc_seal(key, serial, label, pt, pt_len, &inner, &len)) != 0)
		goto out;
	r = SCL_ERR_NOMEM;
	if ((blob = malloc(VC_BOX_PUB_LEN + len)) == NULL)
		goto out;
	memcpy(blob, epub, VC_BOX_PUB_LEN);
	memcpy(blob + VC_BOX_PUB_LEN, inner, len);
	*ret_blob = blob;
	*ret_len = VC_BOX_PUB_LEN + len;
	r = 0;
out:
	explicit_bzero(key, sizeof(key));
	free(inner);
	EVP_PKEY_free(eph);
	return r;
}

int
vc_box_open(const uint8_t dk[VC_DK_LEN], uint32_t serial,
    const uint8_t pub[VC_BOX_PUB_LEN],
    const uint8_t sealed[VC_BOX_PRIV_SEALED_LEN], const char *label,
    const uint8_t *blob, size_t blob_len, uint8_t **ret_pt, size_t *ret_len)
{
	EVP_PKEY *k = NULL;
	uint8_t key[32], *priv = NULL;
	size_t plen = 0;
	int r = SCL_ERR_BAD_STATE;

	if (blob_len < VC_BOX_OVERHEAD)
		goto out;
	if ((r = vc_unseal(dk, serial, "box", sealed, VC_BOX_PRIV_SEALED_LEN,
	    &priv, &plen)) != 0)
		goto out;
	r = SCL_ERR_BAD_STATE;
	if (plen != 32 || (k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519,
	    NULL, priv, plen)) == NULL)
		goto out;
	if ((r = box_key(k, blob, blob, pub, key)) != 0)
		goto out;
	r = vc_unseal(key, serial, label, blob + VC_BOX_PUB_LEN,
	    blob_len - VC_BOX_PUB_LEN, ret_pt, ret_len);
out:
	explicit_bzero(key, sizeof(key));
	scl_freezero(priv, plen);
	EVP_PKEY_free(k);
	return r;
}
