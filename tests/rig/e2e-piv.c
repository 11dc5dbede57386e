/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * common/piv.c + pcsc.c + monitor.c against the real sclogin-vcard through
 * the rig: monitor sees the vcard come and go; select, certificate, card
 * id, PIN status, VERIFY wrong/right, RSA and ECC signatures checked with
 * OpenSSL, the idle watchdog dropping the verified state, PIN change,
 * block and unblock with the PUK, management key 3DES and AES-128/192/256,
 * key generation and PUT DATA of a certificate.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "err.h"
#include "monitor.h"
#include "pcsc.h"
#include "piv.h"
#include "rig.h"
#include "secret.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) " \
    "failed\n", __FILE__, __LINE__, #c); goto out; } } while (0)
#define CHECK_RC(e, want) do { int rc_ = (e); if (rc_ != (want)) { \
    fprintf(stderr, "%s:%d: %s = %s, want %s\n", __FILE__, __LINE__, #e, \
    scl_err_name(rc_), scl_err_name(want)); goto out; } } while (0)

static struct rig *rig;
static const char *vcard, *pki;

/* rig_run: SCL_TEST_WRAPPER in front, bounded. */
static int
run(const char *const argv[])
{
	if (rig_run(argv) != 0) {
		fprintf(stderr, "%s %s failed\n", argv[0], argv[1]);
		return -1;
	}
	return 0;
}

static int
vcard_init(const char *state, const char *alg, const char *key)
{
	const char *argv[] = { vcard, "init", "--state", state, "--seal-key",
	    rig_seal_key(rig), "--name", "e2e", alg ? "--admin-alg" : NULL,
	    alg, "--admin-key", key, NULL };

	unlink(state);
	return run(argv);
}

static int
vcard_import(const char *state, const char *slot, const char *name)
{
	char key[512], cert[512];
	const char *argv[] = { vcard, "import", "--state", state, "--slot",
	    slot, "--key", key, "--cert", cert, "--seal-key",
	    rig_seal_key(rig), NULL };

	snprintf(key, sizeof(key), "%s/%s.key.pem", pki, name);
	snprintf(cert, sizeof(cert), "%s/%s.cert.pem", pki, name);
	return run(argv);
}

static uint8_t *
slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) != NULL &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*ret_len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int
pin(struct scl_pin *p, const char *s)
{
	return scl_pin_set(p, s);
}

/* Sign a SHA-256 digest with key_ref and verify it with pk. */
static int
sign_check(struct scl_transport *t, uint8_t alg, uint8_t key_ref,
    EVP_PKEY *pk)
{
	static const uint8_t di[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09,
	    0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
	    0x04, 0x20 };
	uint8_t digest[32], in[256], sig[512];
	size_t in_len, sig_len = 0;
	EVP_PKEY_CTX *ctx = NULL;
	unsigned dl = 0;
	int r;

	EVP_Digest("sclogin e2e", 11, digest, &dl, EVP_sha256(), NULL);
	if (alg == SCL_PIV_ALG_RSA2048) {
		in_len = 256;
		memset(in, 0xFF, in_len);
		in[0] = 0x00;
		in[1] = 0x01;
		in[in_len - sizeof(di) - 32 - 1] = 0x00;
		memcpy(in + in_len - sizeof(di) - 32, di, sizeof(di));
		memcpy(in + in_len - 32, digest, 32);
	} else {
		in_len = 32;
		memcpy(in, digest, 32);
	}
	if ((r = scl_piv_general_auth(t, alg, key_ref, in, in_len, sig,
	    sizeof(sig), &sig_len)) != 0)
		return r;
	r = SCL_ERR_SIG_INVALID;
	if ((ctx = EVP_PKEY_CTX_new(pk, NULL)) == NULL ||
	    EVP_PKEY_verify_init(ctx) != 1)
		goto out;
	if (alg == SCL_PIV_ALG_RSA2048 &&
	    (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1))
		goto out;
	if (EVP_PKEY_verify(ctx, sig, sig_len, digest, 32) == 1)
		r = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return r;
}

static int
hex2bin(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &out[i]) != 1)
			return -1;
	return 0;
}

/* Fresh card in slot 1 with an AES admin key; authenticate with it. */
static int
aes_case(struct scl_pcsc *ctx, const char *alg_name, uint8_t alg,
    const char *hex, size_t key_len)
{
	char state[512];
	uint8_t key[32];
	struct scl_card *card = NULL;
	struct scl_transport *t;
	int r = -1;

	snprintf(state, sizeof(state), "%s/aes.state", rig_dir(rig));
	if (vcard_init(state, alg_name, hex) != 0 ||
	    rig_card_insert(rig, 1, state) != 0 ||
	    hex2bin(hex, key, key_len) != 0)
		goto out;
	if (scl_card_connect(ctx, RIG_READER_1, 2000, &card) != 0)
		goto out;
	t = scl_card_transport(card);
	if (scl_piv_select(t) != 0)
		goto out;
	if ((r = scl_piv_mgmt_auth(t, alg, key, key_len)) != 0) {
		fprintf(stderr, "%s: %s\n", alg_name, scl_err_name(r));
		r = -1;
		goto out;
	}
	key[0] ^= 1;
	if ((r = scl_piv_mgmt_auth(t, alg, key, key_len)) !=
	    SCL_ERR_AUTH_FAILED) {
		fprintf(stderr, "%s wrong key: %s\n", alg_name,
		    scl_err_name(r));
		r = -1;
		goto out;
	}
	r = 0;
out:
	scl_card_disconnect(&card, 1);
	rig_card_remove(rig, 1);
	return r;
}

int
main(void)
{
	static const uint8_t mgmt_default[24] = { 1, 2, 3, 4, 5, 6, 7, 8, 1,
	    2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct scl_pcsc *ctx = NULL;
	struct scl_card *card = NULL;
	struct scl_monitor *mon = NULL;
	struct scl_transport *t;
	struct scl_event ev;
	struct scl_pin p1, p2;
	char state[512], path[512], id[33];
	uint8_t *der = NULL, *want = NULL, *spki = NULL, bad[24];
	const uint8_t *q;
	size_t der_len = 0, want_len = 0, spki_len = 0;
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	int rc = 1, r, tries = -9, verified = -9, i;

	if ((r = rig_start(&rig)) != 0)
		return r;
	memset(&p1, 0, sizeof(p1));
	memset(&p2, 0, sizeof(p2));
	vcard = rig_vcard_path();
	pki = getenv("SCL_TEST_PKI");
	if (vcard == NULL || pki == NULL) {
		fprintf(stderr, "SKIP: needs SCL_VCARD and SCL_TEST_PKI\n");
		rig_stop(&rig);
		return 77;
	}
	snprintf(state, sizeof(state), "%s/card.state", rig_dir(rig));
	CHECK(vcard_init(state, NULL, NULL) == 0);
	CHECK(vcard_import(state, "9a", "alice") == 0);
	snprintf(path, sizeof(path), "%s/alice.cert.der", pki);
	CHECK((want = slurp(path, &want_len)) != NULL);

	/* The monitor sees the vcard start and stop. */
	CHECK(scl_monitor_new(0, &mon) == 0);
	CHECK(scl_monitor_wait(mon, 0, &ev) == SCL_ERR_TIMEOUT);
	CHECK(rig_card_insert(rig, 0, state) == 0);
	CHECK(scl_monitor_wait(mon, 3000, &ev) == 0);
	CHECK(ev.kind == SCL_EV_CARD_INSERTED &&
	    strcmp(ev.reader, RIG_READER_0) == 0 && ev.atr_len > 2);
	CHECK(rig_card_remove(rig, 0) == 0);
	CHECK(scl_monitor_wait(mon, 3000, &ev) == 0);
	CHECK(ev.kind == SCL_EV_CARD_REMOVED);
	CHECK(rig_card_insert(rig, 0, state) == 0);
	CHECK(scl_monitor_wait(mon, 3000, &ev) == 0);
	CHECK(ev.kind == SCL_EV_CARD_INSERTED);
	scl_monitor_free(&mon);

	CHECK_RC(scl_pcsc_open(&ctx), 0);
	CHECK_RC(scl_card_connect(ctx, RIG_READER_0, 2000, &card), 0);
	t = scl_card_transport(card);
	CHECK_RC(scl_card_begin(card), 0);
	CHECK_RC(scl_piv_select(t), 0);

	CHECK_RC(scl_piv_read_cert(t, SCL_PIV_KEY_AUTH, &der, &der_len), 0);
	CHECK(der_len == want_len && memcmp(der, want, der_len) == 0);
	q = der;
	CHECK((x = d2i_X509(NULL, &q, (long)der_len)) != NULL);
	CHECK_RC(scl_piv_read_cert(t, SCL_PIV_KEY_SIGN, &spki, &spki_len),
	    SCL_ERR_NO_OBJECT);
	CHECK_RC(scl_piv_read_card_id(t, id), 0);
	CHECK(strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32);
	fprintf(stderr, "card id %s\n", id);

	/* PIN: status, wrong, right. */
	CHECK_RC(scl_piv_pin_status(t, SCL_PIV_REF_PIN, &tries, &verified), 0);
	CHECK(tries == 3 && verified == 0);
	CHECK_RC(scl_piv_general_auth(t, SCL_PIV_ALG_RSA2048, 0x9A, want, 256,
	    bad, sizeof(bad), &der_len), SCL_ERR_SECURITY_STATUS);
	CHECK(pin(&p1, "000000") == 0);
	CHECK_RC(scl_piv_verify(t, &p1, &tries), SCL_ERR_PIN_WRONG);
	CHECK(tries == 2);
	CHECK_RC(scl_piv_pin_status(t, SCL_PIV_REF_PIN, &tries, &verified), 0);
	CHECK(tries == 2 && verified == 0);
	CHECK(pin(&p1, "123456") == 0);
	CHECK_RC(scl_piv_verify(t, &p1, &tries), 0);
	CHECK_RC(scl_piv_pin_status(t, SCL_PIV_REF_PIN, &tries, &verified), 0);
	CHECK(verified == 1);
	CHECK_RC(sign_check(t, SCL_PIV_ALG_RSA2048, SCL_PIV_KEY_AUTH,
	    X509_get0_pubkey(x)), 0);

	/* The idle watchdog: 5 s without an APDU resets the card. */
	sleep(6);
	CHECK_RC(scl_piv_pin_status(t, SCL_PIV_REF_PIN, &tries, &verified),
	    SCL_ERR_CARD_RESET);
	CHECK_RC(scl_card_end(card, 0), 0);
	CHECK_RC(scl_card_begin(card), 0);
	CHECK_RC(scl_piv_select(t), 0);
	CHECK_RC(scl_piv_pin_status(t, SCL_PIV_REF_PIN, &tries, &verified), 0);
	CHECK(verified == 0 && tries == 3);
	fprintf(stderr, "watchdog reset dropped the verified PIN\n");

	/* Change the PIN, then block it and unblock with the PUK. */
	CHECK(pin(&p2, "654321") == 0);
	CHECK_RC(scl_piv_change_reference(t, SCL_PIV_REF_PIN, &p1, &p2,
	    &tries), 0);
	CHECK_RC(scl_piv_verify(t, &p1, &tries), SCL_ERR_PIN_WRONG);
	CHECK(tries == 2);
	CHECK_RC(scl_piv_verify(t, &p2, &tries), 0);
	CHECK(pin(&p1, "999999") == 0);
	CHECK_RC(scl_piv_verify(t, &p1, &tries), SCL_ERR_PIN_WRONG);
	CHECK_RC(scl_piv_verify(t, &p1, &tries), SCL_ERR_PIN_WRONG);
	CHECK(tries == 1);
	CHECK_RC(scl_piv_verify(t, &p1, &tries), SCL_ERR_PIN_BLOCKED);
	CHECK(tries == 0);
	CHECK_RC(scl_piv_pin_status(t, SCL_PIV_REF_PIN, &tries, &verified), 0);
	CHECK(tries == 0 && verified == 0);
	CHECK_RC(scl_piv_verify(t, &p2, &tries), SCL_ERR_PIN_BLOCKED);
	CHECK(pin(&p1, "87654321") == 0);
	CHECK(pin(&p2, "111111") == 0);
	CHECK_RC(scl_piv_reset_retry(t, &p1, &p2, &tries), SCL_ERR_PIN_WRONG);
	CHECK(tries == 2);
	CHECK(pin(&p1, "12345678") == 0);
	CHECK_RC(scl_piv_reset_retry(t, &p1, &p2, &tries), 0);
	CHECK_RC(scl_piv_pin_status(t, SCL_PIV_REF_PIN, &tries, &verified), 0);
	CHECK(tries == 3);
	CHECK_RC(scl_piv_verify(t, &p2, &tries), 0);
	CHECK_RC(sign_check(t, SCL_PIV_ALG_RSA2048, SCL_PIV_KEY_AUTH,
	    X509_get0_pubkey(x)), 0);
	fprintf(stderr, "PIN change, block, PUK unblock ok\n");

	/* Management key (3DES default), generation, PUT DATA. */
	memcpy(bad, mgmt_default, sizeof(bad));
	bad[23] ^= 0x10;
	CHECK_RC(scl_piv_generate(t, SCL_PIV_KEY_SIGN, SCL_PIV_ALG_ECC256,
	    &spki, &spki_len), SCL_ERR_SECURITY_STATUS);
	CHECK_RC(scl_piv_mgmt_auth(t, SCL_PIV_ALG_3DES, bad, sizeof(bad)),
	    SCL_ERR_AUTH_FAILED);
	CHECK_RC(scl_piv_mgmt_auth(t, SCL_PIV_ALG_3DES, mgmt_default,
	    sizeof(mgmt_default)), 0);
	CHECK_RC(scl_piv_generate(t, SCL_PIV_KEY_SIGN, SCL_PIV_ALG_ECC256,
	    &spki, &spki_len), 0);
	q = spki;
	CHECK((pk = d2i_PUBKEY(NULL, &q, (long)spki_len)) != NULL);
	CHECK(q == spki + spki_len && EVP_PKEY_get_bits(pk) == 256);
	CHECK_RC(scl_piv_verify(t, &p2, &tries), 0);
	CHECK_RC(sign_check(t, SCL_PIV_ALG_ECC256, SCL_PIV_KEY_SIGN, pk), 0);
	EVP_PKEY_free(pk);
	pk = NULL;
	free(spki);
	spki = NULL;
	CHECK_RC(scl_piv_generate(t, SCL_PIV_KEY_KEYMGMT, SCL_PIV_ALG_RSA2048,
	    &spki, &spki_len), 0);
	q = spki;
	CHECK((pk = d2i_PUBKEY(NULL, &q, (long)spki_len)) != NULL);
	CHECK(EVP_PKEY_get_bits(pk) == 2048);
	CHECK_RC(scl_piv_verify(t, &p2, &tries), 0);
	CHECK_RC(sign_check(t, SCL_PIV_ALG_RSA2048, SCL_PIV_KEY_KEYMGMT, pk),
	    0);
	EVP_PKEY_free(pk);
	pk = NULL;
	free(spki);
	spki = NULL;
	CHECK_RC(scl_piv_generate(t, SCL_PIV_KEY_CARDAUTH, SCL_PIV_ALG_ECC384,
	    &spki, &spki_len), 0);
	q = spki;
	CHECK((pk = d2i_PUBKEY(NULL, &q, (long)spki_len)) != NULL);
	CHECK(EVP_PKEY_get_bits(pk) == 384);
	CHECK_RC(scl_piv_put_cert(t, SCL_PIV_KEY_CARDAUTH, want, want_len), 0);
	free(der);
	der = NULL;
	CHECK_RC(scl_piv_read_cert(t, SCL_PIV_KEY_CARDAUTH, &der, &der_len), 0);
	CHECK(der_len == want_len && memcmp(der, want, der_len) == 0);
	CHECK_RC(scl_card_end(card, 1), 0);
	scl_card_disconnect(&card, 1);
	fprintf(stderr, "3DES mgmt auth, generate, put_cert ok\n");

	/* AES management keys on fresh cards. */
	CHECK(aes_case(ctx, "aes128", SCL_PIV_ALG_AES128,
	    "00112233445566778899aabbccddeeff", 16) == 0);
	CHECK(aes_case(ctx, "aes192", SCL_PIV_ALG_AES192,
	    "00112233445566778899aabbccddeeff0011223344556677", 24) == 0);
	CHECK(aes_case(ctx, "aes256", SCL_PIV_ALG_AES256,
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	    32) == 0);
	fprintf(stderr, "AES-128/192/256 mgmt auth ok\n");

	/* State persists across a vcard restart: new PIN, blocked PIN. */
	CHECK(rig_card_remove(rig, 0) == 0);
	CHECK(rig_card_insert(rig, 0, state) == 0);
	CHECK_RC(scl_card_connect(ctx, RIG_READER_0, 2000, &card), 0);
	t = scl_card_transport(card);
	CHECK_RC(scl_piv_select(t), 0);
	CHECK_RC(scl_piv_verify(t, &p2, &tries), 0);
	for (i = 0; i < 3; i++)
		(void)scl_piv_verify(t, &p1, &tries);
	CHECK(tries == 0);
	scl_card_disconnect(&card, 1);
	CHECK(rig_card_remove(rig, 0) == 0);
	CHECK(rig_card_insert(rig, 0, state) == 0);
	CHECK_RC(scl_card_connect(ctx, RIG_READER_0, 2000, &card), 0);
	t = scl_card_transport(card);
	CHECK_RC(scl_piv_select(t), 0);
	CHECK_RC(scl_piv_pin_status(t, SCL_PIV_REF_PIN, &tries, &verified), 0);
	CHECK(tries == 0 && verified == 0);
	CHECK_RC(scl_piv_verify(t, &p2, &tries), SCL_ERR_PIN_BLOCKED);
	rc = 0;
out:
	scl_pin_clear(&p1);
	scl_pin_clear(&p2);
	EVP_PKEY_free(pk);
	X509_free(x);
	free(der);
	free(want);
	free(spki);
	scl_card_disconnect(&card, 1);
	scl_monitor_free(&mon);
	scl_pcsc_free(&ctx);
	rig_stop(&rig);
	return rc;
}
