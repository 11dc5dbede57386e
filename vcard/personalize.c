/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "err.h"
#include "hex.h"
#include "personalize.h"
#include "pinwrap.h"
#include "pinpolicy.h"
#include "piv.h"
#include "secret.h"

/* FASC-N of a card outside the US federal scheme (agency code 9999). */
static const uint8_t fascn[25] = {
	0xd4, 0xe7, 0x39, 0xda, 0x73, 0x9c, 0xed, 0x39, 0xce, 0x73, 0x9d,
	0x83, 0x68, 0x58, 0x21, 0x08, 0x42, 0x10, 0x84, 0x21, 0xc8, 0x42,
	0x10, 0xc3, 0xeb,
};

uint8_t
vc_slot_default_pin_policy(uint8_t slot)
{
	if (slot == 0x9c)
		return VC_PINPOL_ALWAYS;
	if (slot == 0x9e)
		return VC_PINPOL_NEVER;
	return VC_PINPOL_ONCE;
}

uint32_t
vc_slot_cert_tag(uint8_t slot)
{
	switch (slot) {
	case 0x9a:
		return SCL_PIV_TAG_CERT_9A;
	case 0x9c:
		return SCL_PIV_TAG_CERT_9C;
	case 0x9d:
		return SCL_PIV_TAG_CERT_9D;
	case 0x9e:
		return SCL_PIV_TAG_CERT_9E;
	default:
		if (slot >= 0x82 && slot <= 0x95)
			return 0x5fc10du + (uint32_t)(slot - 0x82);
		return 0;
	}
}

static int
put_chuid_ccc(struct vc_state *s)
{
	uint8_t buf[128];
	size_t n = 0;
	int r;

	buf[n++] = 0x30;
	buf[n++] = sizeof(fascn);
	memcpy(buf + n, fascn, sizeof(fascn));
	n += sizeof(fascn);
	buf[n++] = 0x34;
	buf[n++] = 16;
	memcpy(buf + n, s->guid, 16);
	n += 16;
	buf[n++] = 0x35;
	buf[n++] = 8;
	memcpy(buf + n, "20991231", 8);
	n += 8;
	buf[n++] = 0x3e;
	buf[n++] = 0;
	buf[n++] = 0xfe;
	buf[n++] = 0;
	if ((r = vc_state_set_object(s, SCL_PIV_TAG_CHUID, buf, n)) != 0)
		return r;
	n = 0;
	buf[n++] = 0xf0;
	buf[n++] = 21;
	memcpy(buf + n, "\xa0\x00\x00\x01\x16\xff\x02", 7);
	n += 7;
	memcpy(buf + n, s->guid, 14);
	n += 14;
	memcpy(buf + n, "\xf1\x01\x21\xf2\x01\x21\xf3\x00\xf4\x01\x00\xf5\x01"
	    "\x10\xf6\x00\xf7\x00\xfa\x00\xfb\x00\xfc\x00\xfd\x00\xfe\x00", 28);
	n += 28;
	return vc_state_set_object(s, SCL_PIV_TAG_CCC, buf, n);
}

int
vc_personalize_set_admin(struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint8_t alg, const uint8_t *key,
    size_t len)
{
	uint8_t *blob = NULL;
	size_t blob_len;
	int r;

	if (scl_piv_mgmt_key_len(alg) == 0 || scl_piv_mgmt_key_len(alg) != len)
		return SCL_ERR_INVALID_ARGUMENT;
	if ((r = vc_seal(seal_key, s->serial, "admin", key, len, &blob,
	    &blob_len)) != 0)
		return r;
	free(s->admin_sealed);
	s->admin_sealed = blob;
	s->admin_sealed_len = blob_len;
	s->admin_alg = alg;
	return 0;
}

int
vc_personalize_open_admin(const struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint8_t key[32],
    size_t *ret_len)
{
	uint8_t *pt = NULL;
	size_t len = 0;
	int r;

	if ((r = vc_unseal(seal_key, s->serial, "admin", s->admin_sealed,
	    s->admin_sealed_len, &pt, &len)) != 0)
		goto out;
	r = SCL_ERR_BAD_STATE;
	if (len != scl_piv_mgmt_key_len(s->admin_alg))
		goto out;
	memcpy(key, pt, len);
	*ret_len = len;
	r = 0;
out:
	scl_freezero(pt, len);
	return r;
}

/* pub (SPKI DER, kdf cards) is copied. */
static int
set_key_bytes(struct vc_state *s, const uint8_t seal_key[VC_SEAL_KEY_LEN],
    uint8_t slot, uint8_t alg, const uint8_t *pt, size_t pt_len,
    const uint8_t *pub, size_t pub_len, uint8_t origin, uint8_t pin_policy,
    uint8_t touch_policy)
{
	struct vc_key k = { 0 };
	char label[16];
	int r = SCL_ERR_NOMEM;

	k.slot = slot;
	k.alg = alg;
	k.origin = origin;
	k.pin_policy = pin_policy != VC_PINPOL_DEFAULT ? pin_policy :
	    vc_slot_default_pin_policy(slot);
	k.touch_policy = touch_policy != 0 ? touch_policy : 1;
	snprintf(label, sizeof(label), "key %02x", slot);
	if (pub != NULL) {
		if ((k.pub = malloc(pub_len)) == NULL)
			goto out;
		memcpy(k.pub, pub, pub_len);
		k.pub_len = pub_len;
	}
	if (vc_state_key_boxed(s, &k))
		r = vc_box_seal(s->box_pub, s->serial, label, pt, pt_len,
		    &k.sealed, &k.sealed_len);
	else
		r = vc_seal(seal_key, s->serial, label, pt, pt_len, &k.sealed,
		    &k.sealed_len);
	if (r == 0 && (r = vc_state_set_key(s, &k)) == 0)
		return 0;
out:
	free(k.sealed);
	free(k.pub);
	return r;
}

int
vc_personalize_set_key(struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint8_t slot, EVP_PKEY *pk,
    uint8_t origin, uint8_t pin_policy, uint8_t touch_policy)
{
	uint8_t *der = NULL, *pub = NULL, alg;
	size_t der_len = 0, pub_len = 0;
	int r;

	if (!vc_slot_valid(slot) || (alg = vc_crypto_alg(pk)) == 0)
		return SCL_ERR_INVALID_ARGUMENT;
	if (vc_state_is_kdf(s) &&
	    (r = vc_crypto_pub_to_der(pk, &pub, &pub_len)) != 0)
		return r;
	if ((r = vc_crypto_to_der(pk, &der, &der_len)) == 0)
		r = set_key_bytes(s, seal_key, slot, alg, der, der_len, pub,
		    pub_len, origin, pin_policy, touch_policy);
	if (der != NULL)
		scl_freezero(der, der_len);
	OPENSSL_free(pub);
	return r;
}

int
vc_personalize_set_tpm_key(struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint8_t slot, uint8_t alg,
    const uint8_t *blob, size_t len, uint8_t origin, uint8_t pin_policy,
    uint8_t touch_policy)
{
	if (!vc_slot_valid(slot))
		return SCL_ERR_INVALID_ARGUMENT;
	return set_key_bytes(s, seal_key, slot, alg, blob, len, NULL, 0, origin,
	    pin_policy, touch_policy);
}

int
vc_personalize_open_tpm_key(const struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], const struct vc_key *k,
    uint8_t **ret_blob, size_t *ret_len)
{
	char label[16];

	snprintf(label, sizeof(label), "key %02x", k->slot);
	return vc_unseal(seal_key, s->serial, label, k->sealed, k->sealed_len,
	    ret_blob, ret_len);
}

uint32_t
vc_personalize_key_pin_nv(const struct vc_state *s, const struct vc_key *k)
{
	return k->pin_policy == VC_PINPOL_NEVER ? 0 : s->tpm_pin_nv;
}

static void
drop_kdf(struct vc_state *s)
{
	explicit_bzero(&s->kdf, sizeof(s->kdf));
	explicit_bzero(&s->pin_wrap, sizeof(s->pin_wrap));
	explicit_bzero(&s->puk_wrap, sizeof(s->puk_wrap));
	explicit_bzero(s->box_pub, sizeof(s->box_pub));
	explicit_bzero(s->box_sealed, sizeof(s->box_sealed));
	for (size_t i = 0; i < s->n_key; i++) {
		free(s->key[i].pub);
		s->key[i].pub = NULL;
		s->key[i].pub_len = 0;
	}
}

int
vc_personalize_wrap(struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint8_t which, const char *secret,
    const uint8_t dk[VC_DK_LEN])
{
	uint8_t ref[8];
	int r;

	if ((r = vc_ref_from_string(secret, ref)) == 0)
		r = vc_personalize_wrap_ref(s, seal_key, which, ref, dk);
	explicit_bzero(ref, sizeof(ref));
	return r;
}

int
vc_personalize_wrap_ref(struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint8_t which,
    const uint8_t ref[8], const uint8_t dk[VC_DK_LEN])
{
	return vc_wrap_dk(&s->kdf, seal_key, s->serial, which == 0x80 ? "pin" :
	    "puk", ref, dk, which == 0x80 ? &s->pin_wrap : &s->puk_wrap);
}

int
vc_personalize_unwrap(const struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], uint8_t which,
    const uint8_t ref[8], uint8_t dk[VC_DK_LEN])
{
	return vc_unwrap_dk(&s->kdf, seal_key, s->serial, which == 0x80 ?
	    "pin" : "puk", which == 0x80 ? &s->pin_wrap : &s->puk_wrap, ref,
	    dk);
}

/* A new data key and box key pair, wrapped for pin and puk. */
static int
kdf_secrets(struct vc_state *s, const uint8_t seal_key[VC_SEAL_KEY_LEN],
    const struct vc_kdf *kdf, const char *pin, const char *puk)
{
	uint8_t dk[VC_DK_LEN];
	int r;

	explicit_bzero(&s->pin, sizeof(s->pin));
	explicit_bzero(&s->puk, sizeof(s->puk));
	s->kdf = *kdf;
	if ((r = vc_crypto_random(dk, sizeof(dk))) != 0 ||
	    (r = vc_box_new(dk, s->serial, s->box_pub, s->box_sealed)) != 0 ||
	    (r = vc_personalize_wrap(s, seal_key, 0x80, pin, dk)) != 0 ||
	    (r = vc_personalize_wrap(s, seal_key, 0x81, puk, dk)) != 0)
		goto out;
out:
	explicit_bzero(dk, sizeof(dk));
	return r;
}

int
vc_personalize_upgrade(struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], const struct vc_kdf *kdf,
    const char *pin, const char *puk, char *err, size_t errlen)
{
	EVP_PKEY *pk[VC_KEY_COUNT_MAX] = { NULL };
	struct vc_key old[VC_KEY_COUNT_MAX];
	size_t n = s->n_key;
	uint8_t ref[8];
	const char *reason = NULL;
	int r = SCL_ERR_INVALID_ARGUMENT;

	memset(ref, 0, sizeof(ref));
	if (vc_state_is_tpm(s) || vc_state_is_kdf(s)) {
		snprintf(err, errlen, "only a software card with PBKDF2 PIN "
		    "hashes needs the upgrade; this one %s",
		    vc_state_is_tpm(s) ? "is a TPM card" : "is upgraded");
		goto out;
	}
	if (vc_kdf_check(kdf, &reason) != 0) {
		snprintf(err, errlen, "kdf: %s", reason);
		goto out;
	}
	if (s->pin_left == 0 || s->puk_left == 0) {
		r = SCL_ERR_PIN_BLOCKED;
		snprintf(err, errlen, "the %s is blocked", s->pin_left == 0 ?
		    "PIN" : "PUK");
		goto out;
	}
	r = SCL_ERR_PIN_WRONG;
	if (vc_ref_from_string(pin, ref) != 0 || vc_hash_check(&s->pin,
	    ref) != 1) {
		snprintf(err, errlen, "the PIN is wrong");
		goto out;
	}
	if (vc_ref_from_string(puk, ref) != 0 || vc_hash_check(&s->puk,
	    ref) != 1) {
		snprintf(err, errlen, "the PUK is wrong");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((r = vc_personalize_open_key(s, seal_key, NULL, &s->key[i],
		    &pk[i])) != 0) {
			snprintf(err, errlen, "the key in slot %02x does not "
			    "unseal with this seal key", s->key[i].slot);
			goto out;
		}
		old[i] = s->key[i];
	}
	/* From here on s is half-made on failure: the caller must not save. */
	if ((r = kdf_secrets(s, seal_key, kdf, pin, puk)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((r = vc_personalize_set_key(s, seal_key, old[i].slot, pk[i],
		    old[i].origin, old[i].pin_policy,
		    old[i].touch_policy)) != 0) {
			snprintf(err, errlen, "cannot reseal slot %02x",
			    old[i].slot);
			goto out;
		}
	}
	s->pin_left = s->pin_max;
	s->puk_left = s->puk_max;
	r = 0;
out:
	for (size_t i = 0; i < n; i++)
		EVP_PKEY_free(pk[i]);
	explicit_bzero(ref, sizeof(ref));
	return r;
}

int
vc_personalize_tpm_secrets(struct vc_state *s, struct vc_tpm *t,
    const char *pin, const char *puk, unsigned pin_tries, unsigned puk_tries)
{
	uint8_t ref[8];
	int r;

	if ((r = vc_ref_from_string(pin, ref)) != 0 ||
	    (r = vc_tpm_pin_set(t, &s->tpm_pin_nv, (s->serial * 2u) & 0xff,
	    ref, pin_tries)) != 0 ||
	    (r = vc_ref_from_string(puk, ref)) != 0 ||
	    (r = vc_tpm_pin_set(t, &s->tpm_puk_nv, (s->serial * 2u + 1) & 0xff,
	    ref, puk_tries)) != 0)
		goto out;
	explicit_bzero(&s->pin, sizeof(s->pin));
	explicit_bzero(&s->puk, sizeof(s->puk));
	drop_kdf(s);
	s->pin_left = s->pin_max = (uint8_t)pin_tries;
	s->puk_left = s->puk_max = (uint8_t)puk_tries;
out:
	explicit_bzero(ref, sizeof(ref));
	return r;
}

int
vc_personalize_open_key(const struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], const uint8_t *dk,
    const struct vc_key *k, EVP_PKEY **ret)
{
	uint8_t *der = NULL;
	size_t der_len = 0;
	EVP_PKEY *pk = NULL;
	char label[16];
	int r;

	snprintf(label, sizeof(label), "key %02x", k->slot);
	if (vc_state_key_boxed(s, k) && dk == NULL)
		return SCL_ERR_SECURITY_STATUS;
	if (vc_state_key_boxed(s, k))
		r = vc_box_open(dk, s->serial, s->box_pub, s->box_sealed, label,
		    k->sealed, k->sealed_len, &der, &der_len);
	else
		r = vc_unseal(seal_key, s->serial, label, k->sealed,
		    k->sealed_len, &der, &der_len);
	if (r != 0)
		goto out;
	r = SCL_ERR_BAD_STATE;
	if (vc_crypto_from_der(der, der_len, &pk) != 0 ||
	    vc_crypto_alg(pk) != k->alg)
		goto out;
	*ret = pk;
	pk = NULL;
	r = 0;
out:
	EVP_PKEY_free(pk);
	scl_freezero(der, der_len);
	return r;
}

static int
set_secret(struct vc_hash *h, const char *s, uint32_t iter)
{
	uint8_t ref[8];
	int r;

	if ((r = vc_ref_from_string(s, ref)) == 0)
		r = vc_hash_set(h, ref, iter);
	explicit_bzero(ref, sizeof(ref));
	return r;
}

/* kdf NULL: PBKDF2 hashes (legacy cards, and TPM cards until made). */
static int
factory_secrets(struct vc_state *s, const uint8_t seal_key[VC_SEAL_KEY_LEN],
    uint32_t iter, const struct vc_kdf *kdf)
{
	uint8_t admin[24];
	size_t n;
	int r;

	if (kdf != NULL)
		r = kdf_secrets(s, seal_key, kdf, VC_DEFAULT_PIN,
		    VC_DEFAULT_PUK);
	else if ((r = set_secret(&s->pin, VC_DEFAULT_PIN, iter)) == 0)
		r = set_secret(&s->puk, VC_DEFAULT_PUK, iter);
	if (r != 0 ||
	    (r = scl_hex_decode(VC_DEFAULT_ADMIN_HEX,
	    strlen(VC_DEFAULT_ADMIN_HEX), admin, sizeof(admin), &n)) != 0 ||
	    (r = vc_personalize_set_admin(s, seal_key, SCL_PIV_ALG_3DES, admin,
	    n)) != 0)
		return r;
	s->pin_left = s->pin_max = VC_DEFAULT_TRIES;
	s->puk_left = s->puk_max = VC_DEFAULT_TRIES;
	s->pin_default = s->puk_default = s->admin_default = 1;
	return 0;
}

int
vc_personalize_factory_reset(struct vc_state *s,
    const uint8_t seal_key[VC_SEAL_KEY_LEN])
{
	uint32_t iter = s->pin.iter != 0 ? s->pin.iter : VC_HASH_ITER_DEFAULT;
	struct vc_kdf kdf = s->kdf;
	int r;

	while (s->n_key > 0)
		vc_state_del_key(s, s->key[0].slot);
	while (s->n_obj > 0)
		vc_state_set_object(s, s->obj[0].tag, NULL, 0);
	if ((r = vc_crypto_random(s->guid, sizeof(s->guid))) != 0 ||
	    (r = factory_secrets(s, seal_key, iter, vc_state_is_kdf(s) ?
	    &kdf : NULL)) != 0)
		return r;
	return put_chuid_ccc(s);
}

int
vc_personalize_new(const struct vc_init_opts *o,
    const uint8_t seal_key[VC_SEAL_KEY_LEN], struct vc_state **ret,
    char *err, size_t errlen)
{
	struct vc_state *s = NULL;
	struct scl_pin_policy pol;
	const char *name = o->name != NULL ? o->name : "sclogin virtual card";
	const char *pin = o->pin != NULL ? o->pin : VC_DEFAULT_PIN;
	const char *puk = o->puk != NULL ? o->puk : VC_DEFAULT_PUK;
	const char *reason = NULL;
	uint32_t iter = o->hash_iter != 0 ? o->hash_iter : VC_HASH_ITER_DEFAULT;
	struct vc_kdf kdf;
	uint8_t ser[4];
	int r = SCL_ERR_INVALID_ARGUMENT;

	if (strlen(name) > VC_NAME_MAX) {
		snprintf(err, errlen, "name: longer than %d bytes", VC_NAME_MAX);
		goto out;
	}
	for (const char *p = name; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e) {
			snprintf(err, errlen, "name: only printable ASCII is "
			    "allowed");
			goto out;
		}
	}
	if (o->pin_policy != NULL && (strlen(o->pin_policy) > VC_POLICY_MAX ||
	    strchr(o->pin_policy, ' ') != NULL ||
	    scl_pin_policy_parse(o->pin_policy, &pol) != 0)) {
		snprintf(err, errlen, "pin policy: cannot parse '%s' (expected "
		    "e.g. min=6,max=8,digit=required)", o->pin_policy);
		goto out;
	}
	if (o->pin_policy == NULL)
		scl_pin_policy_default(&pol);
	if (o->kdf.logn != 0)
		kdf = o->kdf;
	else
		vc_kdf_default(&kdf);
	if (vc_kdf_check(&kdf, &reason) != 0) {
		snprintf(err, errlen, "kdf: %s", reason);
		goto out;
	}
	reason = NULL;
	if (scl_pin_policy_check(&pol, (const uint8_t *)pin, strlen(pin),
	    &reason) != 0) {
		snprintf(err, errlen, "PIN: %s", reason != NULL ? reason :
		    "does not follow the PIN policy");
		goto out;
	}
	if (strlen(puk) < 6 || strlen(puk) > 8) {
		snprintf(err, errlen, "PUK: must have 6 to 8 characters");
		goto out;
	}
	if ((o->pin_tries != 0 && o->pin_tries > VC_TRIES_MAX) ||
	    (o->puk_tries != 0 && o->puk_tries > VC_TRIES_MAX)) {
		snprintf(err, errlen, "tries: must be 1 to %d", VC_TRIES_MAX);
		goto out;
	}
	if (o->admin_key != NULL && (scl_piv_mgmt_key_len(o->admin_alg ?
	    o->admin_alg : SCL_PIV_ALG_3DES) != o->admin_key_len)) {
		snprintf(err, errlen, "admin key: %zu bytes do not fit "
		    "algorithm %s", o->admin_key_len,
		    vc_alg_name(o->admin_alg ? o->admin_alg : SCL_PIV_ALG_3DES));
		goto out;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->applet = o->applet;
	if (o->pin_policy != NULL)
		snprintf(s->pin_policy, sizeof(s->pin_policy), "%s",
		    o->pin_policy);
	else
		scl_pin_policy_format(&pol, s->pin_policy,
		    sizeof(s->pin_policy));
	if ((r = vc_crypto_random(ser, sizeof(ser))) != 0 ||
	    (r = vc_crypto_random(s->guid, sizeof(s->guid))) != 0)
		goto out;
	s->serial = (uint32_t)ser[0] << 24 | (uint32_t)ser[1] << 16 |
	    (uint32_t)ser[2] << 8 | ser[3];
	s->serial &= 0x7fffffff;
	if (o->tpm != NULL || o->legacy) {
		if ((r = factory_secrets(s, seal_key, iter, NULL)) != 0 ||
		    (r = set_secret(&s->pin, pin, iter)) != 0 ||
		    (r = set_secret(&s->puk, puk, iter)) != 0)
			goto out;
	} else if ((r = factory_secrets(s, seal_key, iter, &kdf)) != 0 ||
	    (r = kdf_secrets(s, seal_key, &kdf, pin, puk)) != 0) {
		goto out;
	}
	if (o->admin_key != NULL && (r = vc_personalize_set_admin(s, seal_key,
	    o->admin_alg ? o->admin_alg : SCL_PIV_ALG_3DES, o->admin_key,
	    o->admin_key_len)) != 0)
		goto out;
	s->pin_default = strcmp(pin, VC_DEFAULT_PIN) == 0;
	s->puk_default = strcmp(puk, VC_DEFAULT_PUK) == 0;
	s->admin_default = o->admin_key == NULL;
	if (o->pin_tries != 0)
		s->pin_left = s->pin_max = (uint8_t)o->pin_tries;
	if (o->puk_tries != 0)
		s->puk_left = s->puk_max = (uint8_t)o->puk_tries;
	if ((r = put_chuid_ccc(s)) != 0)
		goto out;
	if (o->tpm != NULL && (r = vc_personalize_tpm_secrets(s, o->tpm, pin,
	    puk, s->pin_max, s->puk_max)) != 0) {
		snprintf(err, errlen, "TPM: %s", vc_tpm_error(o->tpm));
		goto out;
	}
	*ret = s;
	s = NULL;
	r = 0;
out:
	vc_state_free(&s);
	return r;
}
