/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "crypto.h"
#include "err.h"
#include "piv.h"
#include "tpm.h"

struct vc_tpm {
	char *tcti;
	TSS2_TCTI_CONTEXT *tctx;
	ESYS_CONTEXT *ctx;
	ESYS_TR primary;
	char err[320];
};

static void seterr(struct vc_tpm *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
seterr(struct vc_tpm *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
}

const char *
vc_tpm_error(const struct vc_tpm *t)
{
	return t->err;
}

static void
disconnect(struct vc_tpm *t)
{
	if (t->ctx != NULL) {
		if (t->primary != ESYS_TR_NONE)
			Esys_FlushContext(t->ctx, t->primary);
		Esys_Finalize(&t->ctx);
	}
	t->primary = ESYS_TR_NONE;
	if (t->tctx != NULL)
		Tss2_TctiLdr_Finalize(&t->tctx);
	t->ctx = NULL;
	t->tctx = NULL;
}

static int
is_no_answer(TSS2_RC rc)
{
	TSS2_RC layer = rc & TSS2_RC_LAYER_MASK, base = rc & 0xffff;

	if (layer == TSS2_TCTI_RC_LAYER)
		return 1;
	return layer != TSS2_TPM_RC_LAYER && (base == TSS2_BASE_RC_IO_ERROR ||
	    base == TSS2_BASE_RC_NO_CONNECTION ||
	    base == TSS2_BASE_RC_TRY_AGAIN ||
	    base == TSS2_BASE_RC_MALFORMED_RESPONSE ||
	    base == TSS2_BASE_RC_INSUFFICIENT_RESPONSE);
}

/* TPM format-one code without the handle/session/parameter number. */
static TSS2_RC
tpm_code(TSS2_RC rc)
{
	if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER)
		return rc;
	return (rc & TPM2_RC_FMT1) ? (rc & 0xbf) : rc;
}

static int
fail(struct vc_tpm *t, TSS2_RC rc, const char *what)
{
	if (is_no_answer(rc)) {
		seterr(t, "the TPM did not answer (%s: %s); the card works "
		    "again when the TPM is back", what, Tss2_RC_Decode(rc));
		disconnect(t);
		return SCL_ERR_CARD_NO_ANSWER;
	}
	seterr(t, "TPM %s failed: %s", what, Tss2_RC_Decode(rc));
	return SCL_ERR_INTERNAL;
}

static const TPM2B_PUBLIC primary_template = {
	.publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_FIXEDTPM |
		    TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
		    TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA |
		    TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT,
		.parameters.eccDetail = {
			.symmetric = {
				.algorithm = TPM2_ALG_AES,
				.keyBits.aes = 128,
				.mode.aes = TPM2_ALG_CFB,
			},
			.scheme.scheme = TPM2_ALG_NULL,
			.curveID = TPM2_ECC_NIST_P256,
			.kdf.scheme = TPM2_ALG_NULL,
		},
		.unique.ecc = { .x.size = 32, .y.size = 32 },
	},
};

static int
connect_tpm(struct vc_tpm *t)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcr = { 0 };
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_CREATION_DATA *cd = NULL;
	TPM2B_DIGEST *ch = NULL;
	TPMT_TK_CREATION *tk = NULL;
	TSS2_RC rc;

	if (t->ctx != NULL)
		return 0;
	t->primary = ESYS_TR_NONE;
	if ((rc = Tss2_TctiLdr_Initialize(t->tcti, &t->tctx)) != 0 ||
	    (rc = Esys_Initialize(&t->ctx, t->tctx, NULL)) != 0) {
		seterr(t, "the TPM did not answer (cannot connect to '%s': "
		    "%s); the card works again when the TPM is back",
		    t->tcti != NULL ? t->tcti : "the default TPM",
		    Tss2_RC_Decode(rc));
		disconnect(t);
		return SCL_ERR_CARD_NO_ANSWER;
	}
	Esys_SetTimeout(t->ctx, VC_TPM_TIMEOUT_MS);
	rc = Esys_CreatePrimary(t->ctx, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
	    ESYS_TR_NONE, ESYS_TR_NONE, &sens, &primary_template, &outside,
	    &pcr, &t->primary, &pub, &cd, &ch, &tk);
	Esys_Free(pub);
	Esys_Free(cd);
	Esys_Free(ch);
	Esys_Free(tk);
	if (rc != 0) {
		t->primary = ESYS_TR_NONE;
		return fail(t, rc, "CreatePrimary (owner storage key)");
	}
	return 0;
}

int
vc_tpm_open(const char *tcti, struct vc_tpm **ret, char *err, size_t errlen)
{
	struct vc_tpm *t;
	int r;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return SCL_ERR_NOMEM;
	t->primary = ESYS_TR_NONE;
	if (tcti != NULL && (t->tcti = strdup(tcti)) == NULL) {
		free(t);
		return SCL_ERR_NOMEM;
	}
	if ((r = connect_tpm(t)) != 0) {
		snprintf(err, errlen, "%s", t->err);
		vc_tpm_free(&t);
		return r;
	}
	*ret = t;
	return 0;
}

void
vc_tpm_free(struct vc_tpm **tp)
{
	struct vc_tpm *t;

	if (tp == NULL || (t = *tp) == NULL)
		return;
	disconnect(t);
	free(t->tcti);
	free(t);
	*tp = NULL;
}

int
vc_tpm_has_p384(struct vc_tpm *t)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	int yes = 0;

	if (connect_tpm(t) != 0 || Esys_GetCapability(t->ctx, ESYS_TR_NONE,
	    ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_ECC_CURVES, 0, 64, &more,
	    &cap) != 0)
		return 0;
	for (UINT32 i = 0; i < cap->data.eccCurves.count; i++) {
		if (cap->data.eccCurves.eccCurves[i] == TPM2_ECC_NIST_P384)
			yes = 1;
	}
	Esys_Free(cap);
	return yes;
}

/* ---- PIN Fail indices --------------------------------------------------- */

static void
ref_auth(const uint8_t ref[8], TPM2B_AUTH *a)
{
	a->size = 8;
	memcpy(a->buffer, ref, 8);
}

/* ESYS_TR of an existing index; SCL_ERR_NO_OBJECT when absent. */
static int
nv_open(struct vc_tpm *t, uint32_t handle, ESYS_TR *ret)
{
	TSS2_RC rc = Esys_TR_FromTPMPublic(t->ctx, handle, ESYS_TR_NONE,
	    ESYS_TR_NONE, ESYS_TR_NONE, ret);

	if (rc == 0)
		return 0;
	if (tpm_code(rc) == TPM2_RC_HANDLE) {
		seterr(t, "the TPM has no PIN index %08x: the card was made "
		    "on another TPM, or this TPM was cleared", handle);
		return SCL_ERR_NO_OBJECT;
	}
	return fail(t, rc, "NV_ReadPublic");
}

static int
nv_write_counter(struct vc_tpm *t, ESYS_TR nv, uint32_t count,
    uint32_t limit)
{
	TPM2B_MAX_NV_BUFFER d = { .size = 8 };
	TSS2_RC rc;

	for (int i = 0; i < 4; i++) {
		d.buffer[i] = (uint8_t)(count >> (24 - 8 * i));
		d.buffer[4 + i] = (uint8_t)(limit >> (24 - 8 * i));
	}
	rc = Esys_NV_Write(t->ctx, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
	    ESYS_TR_NONE, ESYS_TR_NONE, &d, 0);
	return rc == 0 ? 0 : fail(t, rc, "NV_Write (PIN counter)");
}

static int
nv_read_counter(struct vc_tpm *t, ESYS_TR nv, uint32_t *count,
    uint32_t *limit)
{
	TPM2B_MAX_NV_BUFFER *d = NULL;
	TSS2_RC rc;

	rc = Esys_NV_Read(t->ctx, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
	    ESYS_TR_NONE, ESYS_TR_NONE, 8, 0, &d);
	if (rc != 0)
		return fail(t, rc, "NV_Read (PIN counter)");
	if (d->size != 8) {
		seterr(t, "the TPM's PIN index has %u bytes, not 8", d->size);
		Esys_Free(d);
		return SCL_ERR_BAD_STATE;
	}
	*count = (uint32_t)d->buffer[0] << 24 | (uint32_t)d->buffer[1] << 16 |
	    (uint32_t)d->buffer[2] << 8 | d->buffer[3];
	*limit = (uint32_t)d->buffer[4] << 24 | (uint32_t)d->buffer[5] << 16 |
	    (uint32_t)d->buffer[6] << 8 | d->buffer[7];
	Esys_Free(d);
	return 0;
}

int
vc_tpm_pin_set(struct vc_tpm *t, uint32_t *handle, uint32_t hint,
    const uint8_t ref[8], unsigned limit)
{
	TPM2B_NV_PUBLIC pub = { 0 };
	TPM2B_AUTH auth = { 0 };
	ESYS_TR nv = ESYS_TR_NONE;
	uint32_t h = *handle;
	TSS2_RC rc;
	int r;

	if ((r = connect_tpm(t)) != 0)
		return r;
	if (h == 0) {
		for (uint32_t i = 0; i < 256 && h == 0; i++) {
			uint32_t c = VC_TPM_NV_BASE + ((hint + i) & 0xff);

			r = nv_open(t, c, &nv);
			if (r == SCL_ERR_NO_OBJECT)
				h = c;
			else if (r != 0)
				return r;
			else
				Esys_TR_Close(t->ctx, &nv);
		}
		if (h == 0) {
			seterr(t, "the TPM has no free PIN index in %08x..%08x",
			    VC_TPM_NV_BASE, VC_TPM_NV_BASE + 0xff);
			return SCL_ERR_LIMIT;
		}
	} else if ((r = nv_open(t, h, &nv)) == 0) {
		rc = Esys_NV_UndefineSpace(t->ctx, ESYS_TR_RH_OWNER, nv,
		    ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
		if (rc != 0)
			return fail(t, rc, "NV_UndefineSpace (old PIN)");
	} else if (r != SCL_ERR_NO_OBJECT) {
		return r;
	}
	pub.nvPublic.nvIndex = h;
	pub.nvPublic.nameAlg = TPM2_ALG_SHA256;
	pub.nvPublic.attributes = (TPM2_NT_PIN_FAIL << TPMA_NV_TPM2_NT_SHIFT) |
	    TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD | TPMA_NV_AUTHREAD |
	    TPMA_NV_NO_DA;
	pub.nvPublic.dataSize = 8;
	ref_auth(ref, &auth);
	rc = Esys_NV_DefineSpace(t->ctx, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
	    ESYS_TR_NONE, ESYS_TR_NONE, &auth, &pub, &nv);
	explicit_bzero(&auth, sizeof(auth));
	if (rc != 0)
		return fail(t, rc, "NV_DefineSpace (PIN)");
	r = nv_write_counter(t, nv, 0, limit);
	if (t->ctx != NULL)
		Esys_TR_Close(t->ctx, &nv);
	if (r == 0)
		*handle = h;
	return r;
}

void
vc_tpm_pin_delete(struct vc_tpm *t, uint32_t handle)
{
	ESYS_TR nv;

	if (handle == 0 || connect_tpm(t) != 0 || nv_open(t, handle, &nv) != 0)
		return;
	Esys_NV_UndefineSpace(t->ctx, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
	    ESYS_TR_NONE, ESYS_TR_NONE);
}

int
vc_tpm_pin_tries(struct vc_tpm *t, uint32_t handle, unsigned *left,
    unsigned *limit)
{
	ESYS_TR nv;
	uint32_t c, l;
	int r;

	if ((r = connect_tpm(t)) != 0 || (r = nv_open(t, handle, &nv)) != 0)
		return r;
	r = nv_read_counter(t, nv, &c, &l);
	if (t->ctx != NULL)
		Esys_TR_Close(t->ctx, &nv);
	if (r != 0)
		return r;
	*left = c >= l ? 0 : l - c;
	*limit = l;
	return 0;
}

static int
policy_session(struct vc_tpm *t, ESYS_TR *ret)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TSS2_RC rc;

	rc = Esys_StartAuthSession(t->ctx, ESYS_TR_NONE, ESYS_TR_NONE,
	    ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_POLICY,
	    &sym, TPM2_ALG_SHA256, ret);
	if (rc != 0)
		return fail(t, rc, "StartAuthSession");
	Esys_TRSess_SetAttributes(t->ctx, *ret, TPMA_SESSION_CONTINUESESSION,
	    0xff);
	return 0;
}

/* PolicySecret with the PIN index: the TPM checks ref (and counts). */
static TSS2_RC
policy_secret(struct vc_tpm *t, ESYS_TR nv, ESYS_TR sess,
    const uint8_t ref[8])
{
	TPM2B_AUTH auth;
	TPM2B_TIMEOUT *to = NULL;
	TPMT_TK_AUTH *tk = NULL;
	TSS2_RC rc;

	ref_auth(ref, &auth);
	Esys_TR_SetAuth(t->ctx, nv, &auth);
	explicit_bzero(&auth, sizeof(auth));
	rc = Esys_PolicySecret(t->ctx, nv, sess, ESYS_TR_PASSWORD,
	    ESYS_TR_NONE, ESYS_TR_NONE, NULL, NULL, NULL, 0, &to, &tk);
	memset(&auth, 0, sizeof(auth));
	Esys_TR_SetAuth(t->ctx, nv, &auth);
	Esys_Free(to);
	Esys_Free(tk);
	return rc;
}

int
vc_tpm_pin_check(struct vc_tpm *t, uint32_t handle, const uint8_t ref[8],
    unsigned *left)
{
	ESYS_TR nv = ESYS_TR_NONE, sess = ESYS_TR_NONE;
	uint32_t c, l;
	TSS2_RC rc;
	int r;

	if ((r = connect_tpm(t)) != 0 || (r = nv_open(t, handle, &nv)) != 0)
		return r;
	if ((r = nv_read_counter(t, nv, &c, &l)) != 0)
		goto out;
	if (c >= l) {
		r = SCL_ERR_PIN_BLOCKED;
		goto out;
	}
	if ((r = policy_session(t, &sess)) != 0)
		goto out;
	rc = policy_secret(t, nv, sess, ref);
	if (rc == 0) {
		if (c != 0)
			r = nv_write_counter(t, nv, 0, l);
		c = 0;
	} else if (is_no_answer(rc)) {
		r = fail(t, rc, "PolicySecret (PIN)");
		goto out;
	} else {
		if ((r = nv_read_counter(t, nv, &c, &l)) != 0)
			goto out;
		r = c >= l ? SCL_ERR_PIN_BLOCKED : SCL_ERR_PIN_WRONG;
	}
out:
	if (left != NULL && (r == 0 || r == SCL_ERR_PIN_WRONG ||
	    r == SCL_ERR_PIN_BLOCKED))
		*left = c >= l ? 0 : l - c;
	if (t->ctx != NULL) {
		if (sess != ESYS_TR_NONE)
			Esys_FlushContext(t->ctx, sess);
		Esys_TR_Close(t->ctx, &nv);
	}
	return r;
}

/* ---- keys ---------------------------------------------------------------- */

/* PolicySecret(nv) digest: H(H(0^32 || CC_PolicySecret || Name) || ""). */
static int
pin_policy_digest(struct vc_tpm *t, uint32_t pin_nv, TPM2B_DIGEST *d)
{
	uint8_t buf[32 + 4 + sizeof(TPMU_NAME) + 2];
	TPM2B_NAME *name = NULL;
	ESYS_TR nv;
	TSS2_RC rc;
	size_t n = 0;
	int r;

	if ((r = nv_open(t, pin_nv, &nv)) != 0)
		return r;
	rc = Esys_TR_GetName(t->ctx, nv, &name);
	Esys_TR_Close(t->ctx, &nv);
	if (rc != 0)
		return fail(t, rc, "TR_GetName (PIN index)");
	memset(buf, 0, 32);
	n = 32;
	buf[n++] = 0x00;
	buf[n++] = 0x00;
	buf[n++] = 0x01;
	buf[n++] = 0x51;
	memcpy(buf + n, name->name, name->size);
	n += name->size;
	Esys_Free(name);
	SHA256(buf, n, d->buffer);
	SHA256(d->buffer, 32, d->buffer);
	d->size = 32;
	return 0;
}

static int
key_template(struct vc_tpm *t, uint8_t alg, uint32_t pin_nv,
    int imported, TPM2B_PUBLIC *p)
{
	TPMT_PUBLIC *a = &p->publicArea;

	memset(p, 0, sizeof(*p));
	a->nameAlg = TPM2_ALG_SHA256;
	a->objectAttributes = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT |
	    TPMA_OBJECT_NODA;
	if (!imported)
		a->objectAttributes |= TPMA_OBJECT_FIXEDTPM |
		    TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN;
	if (pin_nv == 0)
		a->objectAttributes |= TPMA_OBJECT_USERWITHAUTH;
	else if (pin_policy_digest(t, pin_nv, &a->authPolicy) != 0)
		return SCL_ERR_INTERNAL;
	if (alg == SCL_PIV_ALG_RSA2048) {
		a->type = TPM2_ALG_RSA;
		a->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		a->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		a->parameters.rsaDetail.keyBits = 2048;
		a->parameters.rsaDetail.exponent = 0;
	} else if (alg == SCL_PIV_ALG_ECC256 || alg == SCL_PIV_ALG_ECC384) {
		a->type = TPM2_ALG_ECC;
		a->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		a->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		a->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
		a->parameters.eccDetail.curveID = alg == SCL_PIV_ALG_ECC256 ?
		    TPM2_ECC_NIST_P256 : TPM2_ECC_NIST_P384;
	} else {
		seterr(t, "the TPM card holds RSA 2048, ECC P-256 and P-384 "
		    "keys only");
		return SCL_ERR_NOT_SUPPORTED;
	}
	return 0;
}

static int
blob_pack(struct vc_tpm *t, const TPM2B_PUBLIC *pub,
    const TPM2B_PRIVATE *priv, uint8_t **ret_blob, size_t *ret_len)
{
	uint8_t *b;
	size_t off = 0;

	if ((b = malloc(VC_TPM_BLOB_MAX)) == NULL)
		return SCL_ERR_NOMEM;
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, b, VC_TPM_BLOB_MAX, &off) != 0 ||
	    Tss2_MU_TPM2B_PRIVATE_Marshal(priv, b, VC_TPM_BLOB_MAX,
	    &off) != 0) {
		free(b);
		seterr(t, "a TPM key blob does not fit %u bytes",
		    VC_TPM_BLOB_MAX);
		return SCL_ERR_INTERNAL;
	}
	*ret_blob = b;
	*ret_len = off;
	return 0;
}

static int
blob_unpack(const uint8_t *blob, size_t len, TPM2B_PUBLIC *pub,
    TPM2B_PRIVATE *priv)
{
	size_t off = 0;

	memset(pub, 0, sizeof(*pub));
	memset(priv, 0, sizeof(*priv));
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(blob, len, &off, pub) != 0 ||
	    Tss2_MU_TPM2B_PRIVATE_Unmarshal(blob, len, &off, priv) != 0 ||
	    off != len)
		return SCL_ERR_BAD_STATE;
	return 0;
}

static int
public_to_pkey(const TPM2B_PUBLIC *pub, EVP_PKEY **ret)
{
	const TPMT_PUBLIC *a = &pub->publicArea;
	uint8_t pt[1 + 2 * TPM2_MAX_ECC_KEY_BYTES];
	size_t n;

	if (a->type == TPM2_ALG_RSA)
		return a->parameters.rsaDetail.keyBits == 2048 &&
		    (a->parameters.rsaDetail.exponent == 0 ||
		    a->parameters.rsaDetail.exponent == 65537) ?
		    vc_crypto_public_rsa(a->unique.rsa.buffer,
		    a->unique.rsa.size, ret) : SCL_ERR_BAD_STATE;
	if (a->type != TPM2_ALG_ECC)
		return SCL_ERR_BAD_STATE;
	n = a->parameters.eccDetail.curveID == TPM2_ECC_NIST_P256 ? 32 :
	    a->parameters.eccDetail.curveID == TPM2_ECC_NIST_P384 ? 48 : 0;
	if (n == 0 || a->unique.ecc.x.size != n || a->unique.ecc.y.size != n)
		return SCL_ERR_BAD_STATE;
	pt[0] = 0x04;
	memcpy(pt + 1, a->unique.ecc.x.buffer, n);
	memcpy(pt + 1 + n, a->unique.ecc.y.buffer, n);
	return vc_crypto_public_ec(n == 32 ? SCL_PIV_ALG_ECC256 :
	    SCL_PIV_ALG_ECC384, pt, 1 + 2 * n, ret);
}

int
vc_tpm_key_public(const uint8_t *blob, size_t len, EVP_PKEY **ret_pub)
{
	TPM2B_PUBLIC pub;
	TPM2B_PRIVATE priv;

	if (blob_unpack(blob, len, &pub, &priv) != 0)
		return SCL_ERR_BAD_STATE;
	return public_to_pkey(&pub, ret_pub);
}

int
vc_tpm_key_create(struct vc_tpm *t, uint8_t alg, uint32_t pin_nv,
    uint8_t **ret_blob, size_t *ret_len, EVP_PKEY **ret_pub)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcr = { 0 };
	TPM2B_PUBLIC tmpl, *pub = NULL;
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_CREATION_DATA *cd = NULL;
	TPM2B_DIGEST *ch = NULL;
	TPMT_TK_CREATION *tk = NULL;
	EVP_PKEY *pk = NULL;
	TSS2_RC rc;
	int r;

	if ((r = connect_tpm(t)) != 0 ||
	    (r = key_template(t, alg, pin_nv, 0, &tmpl)) != 0)
		return r;
	Esys_SetTimeout(t->ctx, 6 * VC_TPM_TIMEOUT_MS);
	rc = Esys_Create(t->ctx, t->primary, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	    ESYS_TR_NONE, &sens, &tmpl, &outside, &pcr, &priv, &pub, &cd, &ch,
	    &tk);
	if (t->ctx != NULL)
		Esys_SetTimeout(t->ctx, VC_TPM_TIMEOUT_MS);
	if (rc != 0) {
		r = fail(t, rc, "Create (slot key)");
		goto out;
	}
	if ((r = public_to_pkey(pub, &pk)) != 0 ||
	    (r = blob_pack(t, pub, priv, ret_blob, ret_len)) != 0)
		goto out;
	*ret_pub = pk;
	pk = NULL;
out:
	EVP_PKEY_free(pk);
	Esys_Free(pub);
	Esys_Free(priv);
	Esys_Free(cd);
	Esys_Free(ch);
	Esys_Free(tk);
	return r;
}

/*
 * tpm2-tss marshals a command into its context's one buffer, and the
 * answer overwrites it only as far as the answer is long: after an Import
 * without an outer wrapper the key's sensitive area stays there.  A Hash
 * of a full TPM2B_MAX_BUFFER of zeros overwrites every byte an Import
 * command can occupy (a 2048-bit RSA Import is under 600 bytes).
 */
static void
scrub_command_buffer(struct vc_tpm *t)
{
	TPM2B_MAX_BUFFER zeros = { .size = sizeof(zeros.buffer) };
	TPM2B_DIGEST *digest = NULL;
	TPMT_TK_HASHCHECK *ticket = NULL;

	memset(zeros.buffer, 0, sizeof(zeros.buffer));
	(void)Esys_Hash(t->ctx, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	    &zeros, TPM2_ALG_SHA256, ESYS_TR_RH_NULL, &digest, &ticket);
	Esys_Free(digest);
	Esys_Free(ticket);
}

/* Big-endian bytes of a BIGNUM parameter, left-padded to n. */
static int
bn_param(const EVP_PKEY *k, const char *name, uint8_t *out, size_t n)
{
	BIGNUM *bn = NULL;
	int ok = EVP_PKEY_get_bn_param(k, name, &bn) == 1 &&
	    BN_bn2binpad(bn, out, (int)n) == (int)n;

	BN_clear_free(bn);
	return ok ? 0 : -1;
}

int
vc_tpm_key_import(struct vc_tpm *t, EVP_PKEY *priv, uint32_t pin_nv,
    uint8_t **ret_blob, size_t *ret_len)
{
	uint8_t alg = vc_crypto_alg(priv);
	TPM2B_PUBLIC pub;
	TPM2B_SENSITIVE sens = { 0 };
	TPM2B_PRIVATE dup = { 0 }, *out = NULL;
	TPM2B_DATA enc = { 0 };
	TPM2B_ENCRYPTED_SECRET seed = { 0 };
	TPMT_SYM_DEF_OBJECT sym = { .algorithm = TPM2_ALG_NULL };
	TPMT_SENSITIVE *s = &sens.sensitiveArea;
	TPMT_PUBLIC *a = &pub.publicArea;
	uint8_t pt[1 + 2 * TPM2_MAX_ECC_KEY_BYTES];
	size_t off = 0, n;
	TSS2_RC rc;
	int r;

	if ((r = connect_tpm(t)) != 0 ||
	    (r = key_template(t, alg, pin_nv, 1, &pub)) != 0)
		return r;
	r = SCL_ERR_INCORRECT_DATA;
	if (alg == SCL_PIV_ALG_RSA2048) {
		s->sensitiveType = TPM2_ALG_RSA;
		a->unique.rsa.size = 256;
		s->sensitive.rsa.size = 128;
		if (bn_param(priv, OSSL_PKEY_PARAM_RSA_N, a->unique.rsa.buffer,
		    256) != 0 || bn_param(priv, OSSL_PKEY_PARAM_RSA_FACTOR1,
		    s->sensitive.rsa.buffer, 128) != 0)
			goto out;
	} else {
		n = alg == SCL_PIV_ALG_ECC256 ? 32 : 48;
		s->sensitiveType = TPM2_ALG_ECC;
		s->sensitive.ecc.size = (UINT16)n;
		if (EVP_PKEY_get_octet_string_param(priv,
		    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &off) != 1 ||
		    off != 1 + 2 * n || pt[0] != 0x04 ||
		    bn_param(priv, OSSL_PKEY_PARAM_PRIV_KEY,
		    s->sensitive.ecc.buffer, n) != 0)
			goto out;
		a->unique.ecc.x.size = a->unique.ecc.y.size = (UINT16)n;
		memcpy(a->unique.ecc.x.buffer, pt + 1, n);
		memcpy(a->unique.ecc.y.buffer, pt + 1 + n, n);
		off = 0;
	}
	/* no inner and no outer wrapper: duplicate = TPM2B_SENSITIVE */
	if (Tss2_MU_TPM2B_SENSITIVE_Marshal(&sens, dup.buffer,
	    sizeof(dup.buffer), &off) != 0)
		goto out;
	dup.size = (UINT16)off;
	rc = Esys_Import(t->ctx, t->primary, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	    ESYS_TR_NONE, &enc, &pub, &dup, &seed, &sym, &out);
	scrub_command_buffer(t);
	if (rc != 0) {
		r = fail(t, rc, "Import (slot key)");
		goto out;
	}
	r = blob_pack(t, &pub, out, ret_blob, ret_len);
out:
	explicit_bzero(&sens, sizeof(sens));
	explicit_bzero(&dup, sizeof(dup));
	Esys_Free(out);
	return r;
}

static int
key_load(struct vc_tpm *t, const uint8_t *blob, size_t len, ESYS_TR *ret,
    TPM2B_PUBLIC *pub)
{
	TPM2B_PRIVATE priv;
	TSS2_RC rc;
	int r;

	if ((r = connect_tpm(t)) != 0)
		return r;
	if (blob_unpack(blob, len, pub, &priv) != 0) {
		seterr(t, "a TPM key blob in the state file is malformed");
		return SCL_ERR_BAD_STATE;
	}
	rc = Esys_Load(t->ctx, t->primary, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	    ESYS_TR_NONE, &priv, pub, ret);
	if (rc == 0)
		return 0;
	if (is_no_answer(rc))
		return fail(t, rc, "Load (slot key)");
	seterr(t, "this TPM cannot load the key (%s): the card was made on "
	    "another TPM, or this TPM was cleared; its keys are useless here",
	    Tss2_RC_Decode(rc));
	return SCL_ERR_BAD_STATE;
}

int
vc_tpm_key_check(struct vc_tpm *t, const uint8_t *blob, size_t len)
{
	TPM2B_PUBLIC pub;
	ESYS_TR k;
	int r;

	if ((r = key_load(t, blob, len, &k, &pub)) != 0)
		return r;
	Esys_FlushContext(t->ctx, k);
	return 0;
}

/* Load the key and authorise its use; *sess is what to pass as shandle1. */
static int
key_begin(struct vc_tpm *t, const uint8_t *blob, size_t len,
    uint32_t pin_nv, const uint8_t ref[8], ESYS_TR *key, ESYS_TR *sess,
    TPM2B_PUBLIC *pub)
{
	ESYS_TR nv;
	TSS2_RC rc;
	int r;

	*key = *sess = ESYS_TR_NONE;
	if ((r = key_load(t, blob, len, key, pub)) != 0)
		return r;
	if (pin_nv == 0) {
		*sess = ESYS_TR_PASSWORD;
		return 0;
	}
	if (ref == NULL) {
		seterr(t, "the key needs the PIN");
		return SCL_ERR_SECURITY_STATUS;
	}
	if ((r = nv_open(t, pin_nv, &nv)) != 0 ||
	    (r = policy_session(t, sess)) != 0)
		return r;
	rc = policy_secret(t, nv, *sess, ref);
	Esys_TR_Close(t->ctx, &nv);
	if (rc != 0) {
		if (is_no_answer(rc))
			return fail(t, rc, "PolicySecret (PIN)");
		seterr(t, "the TPM refused the PIN for the key: %s",
		    Tss2_RC_Decode(rc));
		return SCL_ERR_SECURITY_STATUS;
	}
	return 0;
}

static void
key_end(struct vc_tpm *t, ESYS_TR key, ESYS_TR sess)
{
	if (t->ctx == NULL)
		return;
	if (sess != ESYS_TR_NONE && sess != ESYS_TR_PASSWORD)
		Esys_FlushContext(t->ctx, sess);
	if (key != ESYS_TR_NONE)
		Esys_FlushContext(t->ctx, key);
}

static int
ecdsa_der(const TPMT_SIGNATURE *sig, uint8_t *out, size_t cap,
    size_t *ret_len)
{
	const TPMS_SIGNATURE_ECC *e = &sig->signature.ecdsa;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(e->signatureR.buffer, e->signatureR.size, NULL);
	BIGNUM *s = BN_bin2bn(e->signatureS.buffer, e->signatureS.size, NULL);
	uint8_t *p = out;
	int n, rc = SCL_ERR_INTERNAL;

	if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL;
	if ((n = i2d_ECDSA_SIG(es, NULL)) <= 0 || (size_t)n > cap ||
	    i2d_ECDSA_SIG(es, &p) != n)
		goto out;
	*ret_len = (size_t)n;
	rc = 0;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}

int
vc_tpm_key_op(struct vc_tpm *t, const uint8_t *blob, size_t len,
    uint32_t pin_nv, const uint8_t ref[8], const uint8_t *in, size_t in_len,
    uint8_t *out, size_t cap, size_t *ret_len)
{
	TPM2B_PUBLIC pub;
	ESYS_TR key, sess;
	TSS2_RC rc;
	int r;

	if ((r = key_begin(t, blob, len, pin_nv, ref, &key, &sess,
	    &pub)) != 0)
		goto out;
	if (pub.publicArea.type == TPM2_ALG_RSA) {
		TPM2B_PUBLIC_KEY_RSA c = { .size = (UINT16)in_len };
		TPMT_RSA_DECRYPT scheme = { .scheme = TPM2_ALG_NULL };
		TPM2B_DATA label = { 0 };
		TPM2B_PUBLIC_KEY_RSA *m = NULL;

		r = SCL_ERR_INCORRECT_DATA;
		if (in_len != 256 || cap < 256)
			goto out;
		memcpy(c.buffer, in, in_len);
		rc = Esys_RSA_Decrypt(t->ctx, key, sess, ESYS_TR_NONE,
		    ESYS_TR_NONE, &c, &scheme, &label, &m);
		if (rc != 0) {
			r = is_no_answer(rc) ? fail(t, rc, "RSA_Decrypt") :
			    SCL_ERR_INCORRECT_DATA;
			goto out;
		}
		if (m->size <= 256) {
			memset(out, 0, 256 - m->size);
			memcpy(out + 256 - m->size, m->buffer, m->size);
			*ret_len = 256;
			r = 0;
		}
		explicit_bzero(m, sizeof(*m));
		Esys_Free(m);
	} else {
		size_t n = pub.publicArea.parameters.eccDetail.curveID ==
		    TPM2_ECC_NIST_P256 ? 32 : 48;
		TPM2B_DIGEST d = { .size = (UINT16)n };
		TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_ECDSA };
		TPMT_TK_HASHCHECK tk = { .tag = TPM2_ST_HASHCHECK,
		    .hierarchy = TPM2_RH_NULL };
		TPMT_SIGNATURE *sig = NULL;

		r = SCL_ERR_INCORRECT_DATA;
		if (in_len == 0 || in_len > 64)
			goto out;
		/* ECDSA uses the leftmost n bytes; shorter input: zeros first */
		if (in_len >= n)
			memcpy(d.buffer, in, n);
		else
			memcpy(d.buffer + n - in_len, in, in_len);
		scheme.details.ecdsa.hashAlg = n == 32 ? TPM2_ALG_SHA256 :
		    TPM2_ALG_SHA384;
		rc = Esys_Sign(t->ctx, key, sess, ESYS_TR_NONE, ESYS_TR_NONE,
		    &d, &scheme, &tk, &sig);
		if (rc != 0) {
			r = is_no_answer(rc) ? fail(t, rc, "Sign") :
			    SCL_ERR_INCORRECT_DATA;
			goto out;
		}
		r = ecdsa_der(sig, out, cap, ret_len);
		Esys_Free(sig);
	}
out:
	key_end(t, key, sess);
	return r;
}

int
vc_tpm_key_ecdh(struct vc_tpm *t, const uint8_t *blob, size_t len,
    uint32_t pin_nv, const uint8_t ref[8], const uint8_t *point,
    size_t point_len, uint8_t *out, size_t cap, size_t *ret_len)
{
	TPM2B_PUBLIC pub;
	TPM2B_ECC_POINT p = { 0 }, *z = NULL;
	ESYS_TR key, sess;
	TSS2_RC rc;
	size_t n;
	int r;

	if ((r = key_begin(t, blob, len, pin_nv, ref, &key, &sess,
	    &pub)) != 0)
		goto out;
	r = SCL_ERR_INCORRECT_DATA;
	if (pub.publicArea.type != TPM2_ALG_ECC)
		goto out;
	n = pub.publicArea.parameters.eccDetail.curveID ==
	    TPM2_ECC_NIST_P256 ? 32 : 48;
	if (point_len != 1 + 2 * n || point[0] != 0x04 || cap < n)
		goto out;
	p.point.x.size = p.point.y.size = (UINT16)n;
	memcpy(p.point.x.buffer, point + 1, n);
	memcpy(p.point.y.buffer, point + 1 + n, n);
	rc = Esys_ECDH_ZGen(t->ctx, key, sess, ESYS_TR_NONE, ESYS_TR_NONE, &p,
	    &z);
	if (rc != 0) {
		r = is_no_answer(rc) ? fail(t, rc, "ECDH_ZGen") :
		    SCL_ERR_INCORRECT_DATA;
		goto out;
	}
	if (z->point.x.size <= n) {
		memset(out, 0, n - z->point.x.size);
		memcpy(out + n - z->point.x.size, z->point.x.buffer,
		    z->point.x.size);
		*ret_len = n;
		r = 0;
	}
	explicit_bzero(z, sizeof(*z));
	Esys_Free(z);
out:
	key_end(t, key, sess);
	return r;
}
