/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The GIDS applet (vcard/gids.h) driven with scripted APDUs in-process:
 * selection, the file system OpenSC's GIDS driver reads (master file,
 * cmapfile, key map, cardid, the zlib certificate file), the PIN status
 * DO, VERIFY with a wrong and a right PIN, MSE SET + PSO COMPUTE DIGITAL
 * SIGNATURE checked with OpenSSL, and the state file's applet line.  On a
 * TPM card too (SCL_VT_SWTPM, test-vcard-gids-tpm).
 */
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
#include <zlib.h>

#include "crypto.h"
#include "piv.h"
#include "tlv.h"
#include "vcard-test.h"

static const uint8_t gids_aid[9] = {
	0xa0, 0x00, 0x00, 0x03, 0x97, 0x42, 0x54, 0x46, 0x59,
};
static const uint8_t cert[] = "not a real certificate, but its bytes "
    "must come back through the minidriver file unchanged";

/* A PIV card with an RSA 2048 key and a certificate in 9A, then GIDS. */
static int
setup(void **state)
{
	struct vt *t;
	uint8_t obj[sizeof(cert) + 16];
	size_t n = 0;

	if (vt_setup(state) != 0)
		return -1;
	t = *state;
	if (vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin) != 0x9000 ||
	    vt_xfer(t, 0x47, 0, 0x9a,
	    (const uint8_t *)"\xac\x03\x80\x01\x07", 5) != 0x9000)
		return -1;
	obj[n++] = 0x70;
	obj[n++] = 0x81;
	obj[n++] = sizeof(cert);
	memcpy(obj + n, cert, sizeof(cert));
	n += sizeof(cert);
	memcpy(obj + n, "\x71\x01\x00\xfe\x00", 5);
	n += 5;
	if (vc_state_set_object(vc_applet_state(t->a), 0x5fc105, obj, n) != 0)
		return -1;
	vc_applet_state(t->a)->applet = VC_APPLET_GIDS;
	vc_applet_power(t->a, VC_POWER_RESET);
	return 0;
}

static uint16_t
select_gids(struct vt *t)
{
	return vt_apdu(t, 0, 0xa4, 0x04, 0x00, gids_aid, sizeof(gids_aid), 0,
	    0);
}

/* GET DATA <fi> 5C 02 <do>: the value of the DO in t->resp. */
static uint16_t
get_do(struct vt *t, uint16_t fi, uint16_t dobj, const uint8_t **v,
    size_t *len)
{
	uint8_t q[4] = { 0x5c, 0x02, (uint8_t)(dobj >> 8), (uint8_t)dobj };
	uint16_t sw = vt_xfer(t, 0xcb, (uint8_t)(fi >> 8), (uint8_t)fi, q, 4);

	if (sw == 0x9000)
		assert_int_equal(scl_tlv_expect(t->resp, t->resp_len, dobj, v,
		    len), 0);
	return sw;
}

static uint16_t
verify(struct vt *t, const char *pin)
{
	return vt_apdu(t, 0, 0x20, 0x00, 0x80, (const uint8_t *)pin,
	    strlen(pin), -1, 0);
}

static void
assert_tries(struct vt *t, uint8_t left, uint8_t limit)
{
	const uint8_t *v;
	size_t len;

	assert_int_equal(get_do(t, 0x3fff, 0x7f71, &v, &len), 0x9000);
	assert_int_equal(len, 6);
	assert_memory_equal(v, ((uint8_t[]){ 0x97, 1, left, 0x93, 1, limit }),
	    6);
}

static void
test_select(void **state)
{
	struct vt *t = *state;
	static const uint8_t piv[] = { 0xa0, 0x00, 0x00, 0x03, 0x08 };
	const uint8_t *tmpl, *aid;
	size_t tlen, alen;

	assert_int_equal(vt_apdu(t, 0, 0xcb, 0xa0, 0x00,
	    (const uint8_t *)"\x5c\x02\xdf\x1f", 4, 0, 0), 0x6985);
	assert_int_equal(vt_apdu(t, 0, 0xa4, 0x04, 0x00, piv, sizeof(piv), 0,
	    0), 0x6a82);
	assert_int_equal(select_gids(t), 0x9000);
	assert_int_equal(scl_tlv_expect(t->resp, t->resp_len, 0x61, &tmpl,
	    &tlen), 0);
	assert_int_equal(scl_tlv_find(tmpl, tlen, 0x4f, &aid, &alen), 0);
	assert_true(alen > 10);
	assert_memory_equal(aid, gids_aid, sizeof(gids_aid));
	assert_int_equal(vt_apdu(t, 0, 0xa4, 0x00, 0x0c,
	    (const uint8_t *)"\x3f\xff", 2, -1, 0), 0x9000);
	/* PIV commands are not part of this card */
	assert_int_equal(vt_apdu(t, 0, 0x87, 0x07, 0x9a,
	    (const uint8_t *)"\x7c\x00", 2, 0, 0), 0x6d00);
	assert_int_equal(vt_apdu(t, 0, 0xcb, 0x3f, 0xff,
	    (const uint8_t *)"\x5c\x03\x5f\xc1\x05", 5, 0, 0), 0x6a80);
}

static void
test_filesystem(void **state)
{
	struct vt *t = *state;
	const uint8_t *v;
	size_t len;
	uint8_t out[512];
	uLongf olen = sizeof(out);

	assert_int_equal(select_gids(t), 0x9000);
	assert_int_equal(get_do(t, 0xa000, 0xdf1f, &v, &len), 0x9000);
	assert_int_equal(len, 1 + 6 * 28);
	assert_int_equal(v[0], 1);
	assert_string_equal((const char *)v + 1, "");
	assert_string_equal((const char *)v + 1 + 9, "cardid");
	assert_memory_equal(v + 1 + 20, "\x20\xdf\x00\x00\x12\xa0\x00\x00",
	    8);
	assert_string_equal((const char *)v + 1 + 5 * 28, "mscp");
	assert_string_equal((const char *)v + 1 + 5 * 28 + 9, "ksc00");
	assert_memory_equal(v + 1 + 5 * 28 + 20,
	    "\x24\xdf\x00\x00\x10\xa0\x00\x00", 8);

	assert_int_equal(get_do(t, 0xa010, 0xdf23, &v, &len), 0x9000);
	assert_int_equal(len, 86);
	assert_int_equal(v[80], 3);		/* valid, default */
	assert_memory_equal(v + 82, "\x00\x08\x00\x00", 4); /* sig 2048 */
	assert_int_equal(get_do(t, 0xa000, 0xdf20, &v, &len), 0x9000);
	assert_int_equal(len, 1 + 12);

	assert_int_equal(get_do(t, 0xa012, 0xdf20, &v, &len), 0x9000);
	assert_memory_equal(v, vc_applet_state(t->a)->guid, 16);

	assert_int_equal(get_do(t, 0xa010, 0xdf24, &v, &len), 0x9000);
	assert_true(len > 4);
	assert_memory_equal(v, "\x01\x00", 2);
	assert_int_equal(v[2] | v[3] << 8, sizeof(cert));
	assert_int_equal(uncompress(out, &olen, v + 4, len - 4), Z_OK);
	assert_int_equal(olen, sizeof(cert));
	assert_memory_equal(out, cert, sizeof(cert));

	assert_int_equal(get_do(t, 0xa010, 0xdf25, &v, &len), 0x6a82);
	assert_int_equal(get_do(t, 0xa012, 0xdf1f, &v, &len), 0x6a82);
	assert_int_equal(vt_apdu(t, 0, 0xcb, 0xa0, 0x10,
	    (const uint8_t *)"\x5c\x02\xdf", 3, 0, 0), 0x6a80);
}

static void
test_pin(void **state)
{
	struct vt *t = *state;

	assert_int_equal(select_gids(t), 0x9000);
	assert_tries(t, 3, 3);
	assert_int_equal(verify(t, "000000"), 0x63c2);
	assert_tries(t, 2, 3);
	assert_int_equal(vc_applet_state(t->a)->pin_left, 2);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0x00, 0x80, NULL, 0, -1, 0),
	    0x63c2);
	assert_int_equal(verify(t, "123456789"), 0x6a80);
	/* no PIV padding smuggled in: "123456" FF is not the PIN */
	assert_int_equal(vt_apdu(t, 0, 0x20, 0x00, 0x80,
	    (const uint8_t *)"123456\xff", 7, -1, 0), 0x6a80);
	assert_tries(t, 2, 3);
	assert_int_equal(verify(t, "123456"), 0x9000);
	assert_tries(t, 3, 3);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0x00, 0x82, NULL, 0, -1, 0),
	    0x9000);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0x00, 0x80, NULL, 0, -1, 0),
	    0x63c3);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0x00, 0x81,
	    (const uint8_t *)"12345678", 8, -1, 0), 0x6a88);
	assert_int_equal(get_do(t, 0x3fff, 0x7f73, &(const uint8_t *){ 0 },
	    &(size_t){ 0 }), 0x9000);
}

static uint16_t
sign(struct vt *t, const uint8_t *di, size_t len)
{
	return vt_apdu(t, 0, 0x2a, 0x9e, 0x9a, di, len, 0, 0);
}

static void
test_sign(void **state)
{
	struct vt *t = *state;
	static const uint8_t mse[] = { 0x80, 0x01, 0x57, 0x84, 0x01, 0x81 };
	static const uint8_t pubq[] = {
		0x70, 0x08, 0x84, 0x01, 0x81, 0xa5, 0x03, 0x7f, 0x49, 0x80,
	};
	uint8_t di[51] = {
		0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
	};
	const uint8_t *pk, *n;
	size_t pklen, nlen;
	EVP_PKEY *pub = NULL;
	EVP_PKEY_CTX *ctx;

	memset(di + 19, 0x5a, 32);
	assert_int_equal(select_gids(t), 0x9000);
	assert_int_equal(sign(t, di, sizeof(di)), 0x6985);	/* no MSE */
	assert_int_equal(vt_apdu(t, 0, 0x22, 0x41, 0xb6,
	    (const uint8_t *)"\x80\x01\x57\x84\x01\x85", 6, -1, 0), 0x6a88);
	assert_int_equal(vt_apdu(t, 0, 0x22, 0x41, 0xb6,
	    (const uint8_t *)"\x80\x01\x47\x84\x01\x81", 6, -1, 0), 0x6a80);
	assert_int_equal(vt_apdu(t, 0, 0x22, 0x41, 0xb6, mse, sizeof(mse), -1,
	    0), 0x9000);
	assert_int_equal(sign(t, di, sizeof(di)), 0x6982);	/* no PIN */
	assert_int_equal(verify(t, "123456"), 0x9000);
	assert_int_equal(vt_apdu(t, 0, 0x22, 0x41, 0xb6, mse, sizeof(mse), -1,
	    0), 0x9000);
	assert_int_equal(vt_xfer(t, 0x2a, 0x9e, 0x9a, di, sizeof(di)), 0x9000);
	assert_int_equal(t->resp_len, 256);

	{
		uint8_t sig[256];

		memcpy(sig, t->resp, sizeof(sig));
		assert_int_equal(vt_xfer(t, 0xcb, 0x3f, 0xff, pubq,
		    sizeof(pubq)), 0x9000);
		assert_int_equal(scl_tlv_expect(t->resp, t->resp_len, 0x7f49,
		    &pk, &pklen), 0);
		assert_int_equal(scl_tlv_find(pk, pklen, 0x81, &n, &nlen), 0);
		assert_int_equal(vc_crypto_public_rsa(n, nlen, &pub), 0);
		assert_non_null(ctx = EVP_PKEY_CTX_new(pub, NULL));
		assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx,
		    RSA_PKCS1_PADDING), 1);
		assert_int_equal(EVP_PKEY_verify(ctx, sig, sizeof(sig), di,
		    sizeof(di)), 1);
		EVP_PKEY_CTX_free(ctx);
		EVP_PKEY_free(pub);
	}
	{
		uint8_t big[250] = { 0 };

		assert_int_equal(sign(t, big, sizeof(big)), 0x6700);
	}
	/* a new SELECT forgets PIN and security environment */
	assert_int_equal(select_gids(t), 0x9000);
	assert_int_equal(sign(t, di, sizeof(di)), 0x6985);
	assert_int_equal(vt_apdu(t, 0, 0x22, 0x41, 0xb6, mse, sizeof(mse), -1,
	    0), 0x9000);
	assert_int_equal(sign(t, di, sizeof(di)), 0x6982);
}

/* No key with a certificate: an empty cmapfile, no container to use. */
static void
test_no_container(void **state)
{
	struct vt *t = *state;
	const uint8_t *v;
	size_t len;

	vc_state_set_object(vc_applet_state(t->a), 0x5fc105, NULL, 0);
	assert_int_equal(select_gids(t), 0x9000);
	assert_int_equal(get_do(t, 0xa010, 0xdf23, &v, &len), 0x9000);
	assert_int_equal(len, 0);
	assert_int_equal(get_do(t, 0xa000, 0xdf1f, &v, &len), 0x9000);
	assert_int_equal(len, 1 + 5 * 28);
	assert_int_equal(vt_apdu(t, 0, 0x22, 0x41, 0xb6,
	    (const uint8_t *)"\x80\x01\x57\x84\x01\x81", 6, -1, 0), 0x9000);
	assert_int_equal(verify(t, "123456"), 0x9000);
	assert_int_equal(vt_apdu(t, 0, 0x22, 0x41, 0xb6,
	    (const uint8_t *)"\x80\x01\x57\x84\x01\x81", 6, -1, 0), 0x9000);
	assert_int_equal(sign(t, (const uint8_t *)"x", 1), 0x6a88);
}

/* The applet line: written for GIDS only, read back, old files are PIV. */
static void
test_state_line(void **state)
{
	struct vt *t = *state;
	struct vc_state *s = NULL;
	char *buf = NULL, err[256], *p;
	size_t len;

	assert_int_equal(vc_state_format(vc_applet_state(t->a), &buf, &len),
	    0);
	assert_non_null(p = strstr(buf, "\napplet gids\n"));
	assert_int_equal(vc_state_parse((const uint8_t *)buf, len, &s, err,
	    sizeof(err)), 0);
	assert_int_equal(s->applet, VC_APPLET_GIDS);
	vc_state_free(&s);
	{
		char *two = NULL;

		assert_int_not_equal(asprintf(&two, "%.*s\napplet gids%s",
		    (int)(p - buf), buf, p), -1);
		assert_int_not_equal(vc_state_parse((const uint8_t *)two,
		    strlen(two), &s, err, sizeof(err)), 0);
		assert_non_null(strstr(err, "'applet' appears twice"));
		free(two);
	}
	memcpy(p + 8, "piv ", 4);		/* "applet piv \n" */
	assert_int_equal(vc_state_parse((const uint8_t *)buf, len, &s, err,
	    sizeof(err)), 0);
	assert_int_equal(s->applet, VC_APPLET_PIV);
	vc_state_free(&s);
	memcpy(p + 8, "gidx", 4);
	assert_int_not_equal(vc_state_parse((const uint8_t *)buf, len, &s, err,
	    sizeof(err)), 0);
	assert_non_null(strstr(err, "applet: expected piv or gids"));
	memset(p + 1, '#', 11);			/* a comment: an old file */
	assert_int_equal(vc_state_parse((const uint8_t *)buf, len, &s, err,
	    sizeof(err)), 0);
	assert_int_equal(s->applet, VC_APPLET_PIV);
	vc_state_free(&s);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_select, setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_filesystem, setup,
		    vt_teardown),
		cmocka_unit_test_setup_teardown(test_pin, setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_sign, setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_no_container, setup,
		    vt_teardown),
		cmocka_unit_test_setup_teardown(test_state_line, setup,
		    vt_teardown),
	};
	struct vt_swtpm w;
	int r;

	if (vt_tpm_from_env(&w) != 0)
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	vt_tpm_done(&w);
	return r;
}
