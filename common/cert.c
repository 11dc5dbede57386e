/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "cert.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "piv.h"
#include "tlv.h"

#define CHALLENGE_LEN	32
#define SIG_MAX		1024

/* RFC 8017 §9.2 note 1: DigestInfo prefix for SHA-256. */
static const uint8_t sha256_prefix[] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
};

int
scl_cert_parse_der(const uint8_t *der, size_t len, X509 **ret_x509)
{
	const unsigned char *p = der;
	X509 *x = NULL;
	int r = SCL_ERR_BAD_DER;

	if (der == NULL || len == 0 || ret_x509 == NULL)
		goto out;
	if (len > SCL_OBJ_MAX) {
		r = SCL_ERR_TOO_LARGE;
		goto out;
	}
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL)
		goto out;
	if (p != der + len) {
		r = SCL_ERR_TRAILING_DATA;
		goto out;
	}
	*ret_x509 = x;
	x = NULL;
	r = 0;
out:
	if (r != 0)
		ERR_clear_error();
	X509_free(x);
	return r;
}

static void
set_str(char *dst, size_t cap, const char *src, size_t n)
{
	if (dst != NULL && cap > 0) {
		if (n >= cap)
			n = cap - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
}

static void
name_string(const X509_NAME *name, char *buf, size_t cap)
{
	BIO *b = NULL;
	char *data;
	long n;

	if (buf == NULL || cap == 0)
		goto out;
	buf[0] = '\0';
	if (name == NULL || (b = BIO_new(BIO_s_mem())) == NULL)
		goto out;
	/* RFC 2253 with ESC_CTRL|ESC_MSB: control and non-ASCII as \XX. */
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) < 0)
		goto out;
	if ((n = BIO_get_mem_data(b, &data)) <= 0)
		goto out;
	set_str(buf, cap, data, (size_t)n);
out:
	BIO_free(b);
}

void
scl_cert_describe(X509 *x, char *subject, size_t subject_len, char *issuer,
    size_t issuer_len, char *serial_hex, size_t serial_len,
    char sha256_hex[65])
{
	const ASN1_INTEGER *serial;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	set_str(subject, subject_len, "", 0);
	set_str(issuer, issuer_len, "", 0);
	set_str(serial_hex, serial_len, "", 0);
	set_str(sha256_hex, 65, "", 0);
	if (x == NULL)
		goto out;
	name_string(X509_get_subject_name(x), subject, subject_len);
	name_string(X509_get_issuer_name(x), issuer, issuer_len);
	if (serial_hex != NULL && (serial = X509_get0_serialNumber(x)) != NULL)
		scl_hex_encode(ASN1_STRING_get0_data(serial),
		    (size_t)ASN1_STRING_length(serial), serial_hex, serial_len);
	if (sha256_hex != NULL &&
	    X509_digest(x, EVP_sha256(), md, &mdlen) == 1 && mdlen == 32)
		scl_hex_encode(md, mdlen, sha256_hex, 65);
out:
	ERR_clear_error();
}

static int
ec_curve_nid(const EVP_PKEY *pkey)
{
	char name[64];
	size_t len = 0;
	int nid = NID_undef;

	if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), &len) != 1)
		goto out;
	if ((nid = OBJ_sn2nid(name)) == NID_undef)
		nid = EC_curve_nist2nid(name);
out:
	return nid;
}

int
scl_cert_piv_alg(X509 *x, uint8_t *ret_alg)
{
	EVP_PKEY *pkey;
	uint8_t alg = 0;
	int r = SCL_ERR_CERT_KEY_UNSUPPORTED;

	if (x == NULL || (pkey = X509_get0_pubkey(x)) == NULL)
		goto out;
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(pkey) == 1024)
			alg = SCL_PIV_ALG_RSA1024;
		else if (EVP_PKEY_get_bits(pkey) == 2048)
			alg = SCL_PIV_ALG_RSA2048;
		break;
	case EVP_PKEY_EC:
		switch (ec_curve_nid(pkey)) {
		case NID_X9_62_prime256v1:
			alg = SCL_PIV_ALG_ECC256;
			break;
		case NID_secp384r1:
			alg = SCL_PIV_ALG_ECC384;
			break;
		default:
			break;
		}
		break;
	default:
		break;
	}
	if (alg == 0)
		goto out;
	*ret_alg = alg;
	r = 0;
out:
	ERR_clear_error();
	return r;
}

/* EMSA-PKCS1-v1_5 (RFC 8017 §9.2): 00 01 FF..FF 00 DigestInfo. */
static int
pkcs1_block(const uint8_t md[32], uint8_t *out, size_t k)
{
	size_t t = sizeof(sha256_prefix) + 32;
	int r = SCL_ERR_CERT_KEY_UNSUPPORTED;

	if (k < t + 11)
		goto out;
	out[0] = 0x00;
	out[1] = 0x01;
	memset(out + 2, 0xff, k - t - 3);
	out[k - t - 1] = 0x00;
	memcpy(out + k - t, sha256_prefix, sizeof(sha256_prefix));
	memcpy(out + k - 32, md, 32);
	r = 0;
out:
	return r;
}

int
scl_cert_piv_sign_digest(struct scl_transport *t, uint8_t key_ref,
    uint8_t alg, const uint8_t *digest, size_t digest_len, uint8_t *sig,
    size_t sig_cap, size_t *ret_sig_len)
{
	uint8_t in[512];
	size_t in_len;
	int r;

	if (alg == SCL_PIV_ALG_RSA1024 || alg == SCL_PIV_ALG_RSA2048) {
		in_len = alg == SCL_PIV_ALG_RSA1024 ? 128 : 256;
		if (digest_len != 32 ||
		    (r = pkcs1_block(digest, in, in_len)) != 0)
			return SCL_ERR_CERT_KEY_UNSUPPORTED;
	} else {
		if (digest_len > sizeof(in))
			return SCL_ERR_INVALID_ARGUMENT;
		in_len = digest_len;
		memcpy(in, digest, digest_len);
	}
	r = scl_piv_general_auth(t, alg, key_ref, in, in_len, sig, sig_cap,
	    ret_sig_len);
	if (r != 0)
		scl_debug("%s: GENERAL AUTHENTICATE with key %02X: %s",
		    __func__, key_ref, scl_err_name(r));
	return r;
}

struct piv_signer {
	struct scl_transport *t;
	uint8_t key_ref;
};

static int
piv_sign(void *ctx, uint8_t alg, const uint8_t *digest, size_t digest_len,
    uint8_t *sig, size_t sig_cap, size_t *ret_sig_len)
{
	struct piv_signer *ps = ctx;

	return scl_cert_piv_sign_digest(ps->t, ps->key_ref, alg, digest,
	    digest_len, sig, sig_cap, ret_sig_len);
}

int
scl_cert_prove_possession(struct scl_transport *t, uint8_t key_ref, X509 *x)
{
	struct piv_signer ps = { t, key_ref };

	if (t == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	return scl_cert_prove_with(x, piv_sign, &ps);
}

int
scl_cert_prove_with(X509 *x, scl_cert_sign_fn sign, void *ctx)
{
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY *pkey;
	const EVP_MD *md;
	uint8_t chal[CHALLENGE_LEN], digest[EVP_MAX_MD_SIZE];
	uint8_t sig[SIG_MAX];
	unsigned int dlen = 0;
	size_t sig_len = 0;
	uint8_t alg;
	int r;

	if (x == NULL || sign == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = scl_cert_piv_alg(x, &alg)) != 0)
		goto out;
	r = SCL_ERR_INTERNAL;
	if ((pkey = X509_get0_pubkey(x)) == NULL)
		goto out;
	/* SP 800-78-4 Table 3-2: SHA-384 pairs with P-384. */
	md = alg == SCL_PIV_ALG_ECC384 ? EVP_sha384() : EVP_sha256();
	if (RAND_bytes(chal, sizeof(chal)) != 1 ||
	    EVP_Digest(chal, sizeof(chal), digest, &dlen, md, NULL) != 1)
		goto out;
	if ((r = sign(ctx, alg, digest, dlen, sig, sizeof(sig),
	    &sig_len)) != 0)
		goto out;
	/* Verify over the challenge itself, independently of our padding. */
	r = SCL_ERR_NOMEM;
	if ((mctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	r = SCL_ERR_SIG_INVALID;
	if (sig_len == 0 || sig_len > sizeof(sig) ||
	    EVP_DigestVerifyInit(mctx, NULL, md, NULL, pkey) != 1 ||
	    EVP_DigestVerify(mctx, sig, sig_len, chal, sizeof(chal)) != 1) {
		scl_debug("%s: the signature does not verify", __func__);
		goto out;
	}
	r = 0;
out:
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return r;
}
