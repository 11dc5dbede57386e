/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * common/piv.c driven through the scripted fake card: the exact APDUs a
 * PIV card sees (SP 800-73-4 Pt 2) and its answers, including 61xx
 * chaining, command chaining, malformed bodies, and deterministic
 * mutations of known-good responses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <zlib.h>

#include "apdu.h"
#include "err.h"
#include "fake-card.h"
#include "fake-feed.h"
#include "piv.h"
#include "secret.h"

#define SELECT "00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00"
#define GET_CHUID "00 CB 3F FF 05 5C 03 5F C1 02 00"
#define GET_9A "00 CB 3F FF 05 5C 03 5F C1 05 00"

struct buf {
	uint8_t p[70000];
	size_t n;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->p));
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
put_hex(struct buf *b, const char *hex)
{
	size_t n;
	uint8_t *p = fake_card_hex(hex, &n);

	put(b, p, n);
	free(p);
}

static void
put_hdr(struct buf *b, uint32_t tag, size_t len)
{
	uint8_t h[8];
	size_t n = 0;

	if (tag > 0xFFFF)
		h[n++] = (uint8_t)(tag >> 16);
	if (tag > 0xFF)
		h[n++] = (uint8_t)(tag >> 8);
	h[n++] = (uint8_t)tag;
	if (len < 0x80) {
		h[n++] = (uint8_t)len;
	} else if (len <= 0xFF) {
		h[n++] = 0x81;
		h[n++] = (uint8_t)len;
	} else {
		h[n++] = 0x82;
		h[n++] = (uint8_t)(len >> 8);
		h[n++] = (uint8_t)len;
	}
	put(b, h, n);
}

static void
put_sw(struct buf *b, uint16_t sw)
{
	uint8_t s[2] = { (uint8_t)(sw >> 8), (uint8_t)sw };

	put(b, s, 2);
}

/*
 * Script a response body the way a short-APDU card returns it: up to 256
 * bytes with 61xx, then GET RESPONSE for the rest (ISO 7816-4 §5.3.4).
 */
static void
expect_chained(struct fake_card *fc, const uint8_t *cmd, size_t cmd_len,
    const uint8_t *body, size_t len, uint16_t sw)
{
	size_t off = 0;
	int first = 1;

	do {
		struct buf r = { .n = 0 };
		size_t piece = len - off > 256 ? 256 : len - off;
		size_t rest = len - off - piece;

		put(&r, body + off, piece);
		if (rest > 0)
			put_sw(&r, (uint16_t)(0x6100 | (rest >= 256 ? 0 : rest)));
		else
			put_sw(&r, sw);
		if (first) {
			fake_card_expect_bin(fc, cmd, cmd_len, r.p, r.n);
		} else {
			uint8_t gr[5] = { 0x00, 0xC0, 0x00, 0x00, 0x00 };
			size_t prev = off;
			size_t want = len - prev;

			gr[4] = (uint8_t)(want >= 256 ? 0 : want);
			fake_card_expect_bin(fc, gr, 5, r.p, r.n);
		}
		off += piece;
		first = 0;
	} while (off < len);
}

/* ---- SELECT ------------------------------------------------------- */

static void
test_select(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);

	(void)state;
	/* YubiKey-style application property template. */
	fake_card_expect(fc, SELECT, "61 11 4F 06 00 00 10 00 01 00 79 07 4F "
	    "05 A0 00 00 03 08 90 00");
	assert_int_equal(scl_piv_select(t), 0);
	fake_card_expect(fc, SELECT, "90 00");
	assert_int_equal(scl_piv_select(t), 0);
	fake_card_expect(fc, SELECT, "6A 82");
	assert_int_equal(scl_piv_select(t), SCL_ERR_NO_APPLET);
	fake_card_expect(fc, SELECT, "6D 00");
	assert_int_equal(scl_piv_select(t), SCL_ERR_NO_APPLET);
	fake_card_expect(fc, SELECT, "69 85");
	assert_int_equal(scl_piv_select(t), SCL_ERR_CONDITIONS);
	/* A template claiming more than it carries. */
	fake_card_expect(fc, SELECT, "61 20 4F 06 00 00 10 00 01 00 90 00");
	assert_int_equal(scl_piv_select(t), SCL_ERR_CARD_BAD_RESPONSE);
	fake_card_expect(fc, SELECT, "6F 02 01 02 90 00");
	assert_int_equal(scl_piv_select(t), SCL_ERR_CARD_BAD_RESPONSE);
	fake_card_expect_error(fc, SELECT, SCL_ERR_CARD_REMOVED);
	assert_int_equal(scl_piv_select(t), SCL_ERR_CARD_REMOVED);
	assert_int_equal(scl_piv_select(NULL), SCL_ERR_INVALID_ARGUMENT);
	fake_card_free(&fc);
}

/* ---- GET DATA, CHUID ---------------------------------------------- */

static const char chuid_ok[] =
    "53 3B"
    " 30 19 D4 E7 39 DA 73 9C ED 39 CE 73 9D 83 68 58 21 08 42 10 84 21 C8"
    " 42 10 C3 EB"
    " 34 10 BF 30 95 21 2B CE FC 68 1A 9D 46 0A 31 B4 16 E4"
    " 35 08 32 30 33 30 30 31 30 31"
    " 3E 00 FE 00 90 00";

static void
test_read_object(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);
	/* Errors leave *ret_len alone. */
	static const struct {
		const char *resp;
		int want;
	} bad[] = {
		{ "6A 82", SCL_ERR_NO_OBJECT },
		{ "53 00 90 00", SCL_ERR_NO_OBJECT },
		{ "53 05 01 02 03 90 00", SCL_ERR_TRUNCATED },
		{ "53 01 01 FF 90 00", SCL_ERR_TRAILING_DATA },
		{ "54 01 01 90 00", SCL_ERR_BAD_TLV },
		{ "53 84 00 00 00 01 01 90 00", SCL_ERR_BAD_TLV },
		{ "69 82", SCL_ERR_SECURITY_STATUS },
	};
	uint8_t buf[256];
	size_t len = 999;

	(void)state;
	fake_card_expect(fc, GET_CHUID, chuid_ok);
	assert_int_equal(scl_piv_read_object(t, SCL_PIV_TAG_CHUID, buf,
	    sizeof(buf), &len), 0);
	assert_int_equal(len, 0x3B);
	assert_int_equal(buf[0], 0x30);

	len = 999;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_card_expect(fc, GET_CHUID, bad[i].resp);
		assert_int_equal(scl_piv_read_object(t, SCL_PIV_TAG_CHUID, buf,
		    sizeof(buf), &len), bad[i].want);
	}
	fake_card_expect(fc, GET_CHUID, "53 03 01 02 03 90 00");
	assert_int_equal(scl_piv_read_object(t, SCL_PIV_TAG_CHUID, buf, 2,
	    &len), SCL_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(len, 999);
	/* Discovery object: a one-byte tag. */
	fake_card_expect(fc, "00 CB 3F FF 03 5C 01 7E 00",
	    "53 04 7E 02 40 00 90 00");
	assert_int_equal(scl_piv_read_object(t, SCL_PIV_TAG_DISCOVERY, buf,
	    sizeof(buf), &len), 0);
	assert_int_equal(len, 4);
	assert_int_equal(scl_piv_read_object(t, 0, buf, sizeof(buf), &len),
	    SCL_ERR_INVALID_ARGUMENT);
	fake_card_free(&fc);
}

#define GET_CHUID_EXT "00 CB 3F FF 00 00 05 5C 03 5F C1 02 00 00"

/*
 * #14: on an extended-length transport GET DATA asks for everything in one
 * exchange; a card or reader refusing that (6700, 6D00, a transmit error
 * that is not a lost card) is asked again with short APDUs at once, and
 * the transport stays short.
 */
static void
test_read_object_extended(void **state)
{
	static const struct {
		const char *resp;	/* NULL: transmit fails with err */
		int err;
		int retried;
	} refusals[] = {
		{ "67 00", 0, 1 },
		{ "6D 00", 0, 1 },
		{ NULL, SCL_ERR_TRANSMIT, 1 },
		{ NULL, SCL_ERR_CARD_REMOVED, 0 },
		{ NULL, SCL_ERR_READER_GONE, 0 },
		{ "6A 82", 0, 0 },
	};
	uint8_t buf[256];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		struct fake_card *fc = fake_card_new(SCL_TRANSPORT_EXTENDED);
		struct scl_transport *t = fake_card_transport(fc);
		int r;

		fake_card_expect(fc, GET_CHUID_EXT, chuid_ok);
		assert_int_equal(scl_piv_read_object(t, SCL_PIV_TAG_CHUID, buf,
		    sizeof(buf), &len), 0);
		assert_int_equal(len, 0x3B);
		if (refusals[i].resp != NULL)
			fake_card_expect(fc, GET_CHUID_EXT, refusals[i].resp);
		else
			fake_card_expect_error(fc, GET_CHUID_EXT,
			    refusals[i].err);
		if (refusals[i].retried)
			fake_card_expect(fc, GET_CHUID, chuid_ok);
		r = scl_piv_read_object(t, SCL_PIV_TAG_CHUID, buf, sizeof(buf),
		    &len);
		if (refusals[i].retried) {
			assert_int_equal(r, 0);
			assert_int_equal(t->flags & SCL_TRANSPORT_EXTENDED, 0);
			/* remembered: the next read is short at once */
			fake_card_expect(fc, GET_CHUID, chuid_ok);
			assert_int_equal(scl_piv_read_object(t,
			    SCL_PIV_TAG_CHUID, buf, sizeof(buf), &len), 0);
		} else {
			assert_int_not_equal(r, 0);
			assert_int_equal(t->flags & SCL_TRANSPORT_EXTENDED,
			    SCL_TRANSPORT_EXTENDED);
		}
		fake_card_free(&fc);
	}
}

/* A short transport never retries: 6700 is the card's answer. */
static void
test_read_object_short_no_retry(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);
	uint8_t buf[256];
	size_t len;

	(void)state;
	fake_card_expect(fc, GET_CHUID, "67 00");
	assert_int_equal(scl_piv_read_object(t, SCL_PIV_TAG_CHUID, buf,
	    sizeof(buf), &len), SCL_ERR_WRONG_LENGTH);
	fake_card_free(&fc);
}

static void
test_card_id(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);
	char id[33] = "untouched";

	(void)state;
	fake_card_expect(fc, GET_CHUID, chuid_ok);
	assert_int_equal(scl_piv_read_card_id(t, id), 0);
	assert_string_equal(id, "bf3095212bcefc681a9d460a31b416e4");
	strcpy(id, "untouched");
	fake_card_expect(fc, GET_CHUID, "53 0A 30 02 01 02 35 02 30 31 FE 00 "
	    "90 00");
	assert_int_equal(scl_piv_read_card_id(t, id), SCL_ERR_NO_OBJECT);
	fake_card_expect(fc, GET_CHUID, "53 05 34 03 01 02 03 90 00");
	assert_int_equal(scl_piv_read_card_id(t, id), SCL_ERR_CARD_BAD_RESPONSE);
	fake_card_expect(fc, GET_CHUID, "53 04 30 05 01 02 90 00");
	assert_int_equal(scl_piv_read_card_id(t, id), SCL_ERR_TRUNCATED);
	assert_string_equal(id, "untouched");
	fake_card_free(&fc);
}

/* ---- certificates ------------------------------------------------- */

static void
fake_der(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	p[0] = 0x30;
}

static size_t
gzip_buf(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 31, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	n = zs.total_out;
	deflateEnd(&zs);
	return n;
}

/* 53 { 70 cert, 71 info, FE 00 } + 9000, chained, for key 9A. */
static void
expect_cert_obj(struct fake_card *fc, const uint8_t *cert, size_t n,
    const char *info_hex)
{
	static struct buf b, o;
	uint8_t *cmd;
	size_t cl, il = 0;
	uint8_t *info = info_hex ? fake_card_hex(info_hex, &il) : NULL;

	o.n = 0;
	put_hdr(&o, 0x70, n);
	put(&o, cert, n);
	if (info != NULL)
		put(&o, info, il);
	put_hex(&o, "FE 00");
	b.n = 0;
	put_hdr(&b, 0x53, o.n);
	put(&b, o.p, o.n);
	cmd = fake_card_hex(GET_9A, &cl);
	expect_chained(fc, cmd, cl, b.p, b.n, 0x9000);
	free(cmd);
	free(info);
}

static void
test_read_cert(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);
	static uint8_t der[1200], gz[4096], big[40000];
	/* 70 with n bytes of der and CertInfo info in 53 { 70, 71, FE 00 }. */
	static const struct {
		size_t n;
		const char *info;
		int want;
	} bad_obj[] = {
		/* Plain bytes flagged as gzip. */
		{ 64, "71 01 01", SCL_ERR_BAD_DER },
		/* Unknown CertInfo bits, bad CertInfo length, duplicate 70. */
		{ 64, "71 01 04", SCL_ERR_NOT_SUPPORTED },
		{ 64, "71 02 00 00", SCL_ERR_BAD_TLV },
		{ 64, "70 01 30", SCL_ERR_BAD_TLV },
		/* Empty 70. */
		{ 0, "71 01 00", SCL_ERR_NO_OBJECT },
	};
	/* The whole answer to GET DATA 5FC105. */
	static const struct {
		const char *resp;
		int want;
	} bad_resp[] = {
		/* No 70, empty slot. */
		{ "53 05 71 01 00 FE 00 90 00", SCL_ERR_NO_OBJECT },
		{ "6A 82", SCL_ERR_NO_OBJECT },
		/* Inner TLV running past its container. */
		{ "53 04 70 09 30 00 90 00", SCL_ERR_TRUNCATED },
	};
	uint8_t *out = NULL;
	size_t len = 0, gl;

	(void)state;
	fake_der(der, sizeof(der));
	/* Plain, returned in five 61xx pieces. */
	expect_cert_obj(fc, der, sizeof(der), "71 01 00");
	assert_int_equal(scl_piv_read_cert(t, SCL_PIV_KEY_AUTH, &out, &len),
	    0);
	assert_int_equal(len, sizeof(der));
	assert_memory_equal(out, der, len);
	free(out);
	out = NULL;
	/* No CertInfo at all is plain too. */
	expect_cert_obj(fc, der, 100, NULL);
	assert_int_equal(scl_piv_read_cert(t, SCL_PIV_KEY_AUTH, &out, &len),
	    0);
	assert_int_equal(len, 100);
	free(out);
	out = NULL;
	/* gzip (CertInfo 01). */
	gl = gzip_buf(der, sizeof(der), gz, sizeof(gz));
	expect_cert_obj(fc, gz, gl, "71 01 01");
	assert_int_equal(scl_piv_read_cert(t, SCL_PIV_KEY_AUTH, &out, &len),
	    0);
	assert_int_equal(len, sizeof(der));
	assert_memory_equal(out, der, len);
	free(out);
	out = NULL;

	len = 12345;
	/* A gzip bomb: 40000 bytes inflate past SCL_PIV_CERT_MAX. */
	memset(big, 0x30, sizeof(big));
	gl = gzip_buf(big, sizeof(big), gz, sizeof(gz));
	expect_cert_obj(fc, gz, gl, "71 01 01");
	assert_int_equal(scl_piv_read_cert(t, SCL_PIV_KEY_AUTH, &out, &len),
	    SCL_ERR_TOO_LARGE);
	/* Exactly the cap is fine. */
	gl = gzip_buf(big, SCL_PIV_CERT_MAX, gz, sizeof(gz));
	expect_cert_obj(fc, gz, gl, "71 01 01");
	assert_int_equal(scl_piv_read_cert(t, SCL_PIV_KEY_AUTH, &out, &len),
	    0);
	assert_int_equal(len, SCL_PIV_CERT_MAX);
	free(out);
	out = NULL;
	len = 12345;
	/* Corrupt stream, truncated stream, trailing bytes. */
	gl = gzip_buf(der, sizeof(der), gz, sizeof(gz));
	gz[gl / 2] ^= 0xFF;
	expect_cert_obj(fc, gz, gl, "71 01 01");
	assert_int_equal(scl_piv_read_cert(t, SCL_PIV_KEY_AUTH, &out, &len),
	    SCL_ERR_BAD_DER);
	gl = gzip_buf(der, sizeof(der), gz, sizeof(gz));
	expect_cert_obj(fc, gz, gl - 10, "71 01 01");
	assert_int_equal(scl_piv_read_cert(t, SCL_PIV_KEY_AUTH, &out, &len),
	    SCL_ERR_BAD_DER);
	gz[gl] = 0x00;
	gz[gl + 1] = 0x01;
	expect_cert_obj(fc, gz, gl + 2, "71 01 01");
	assert_int_equal(scl_piv_read_cert(t, SCL_PIV_KEY_AUTH, &out, &len),
	    SCL_ERR_TRAILING_DATA);
	for (size_t i = 0; i < sizeof(bad_obj) / sizeof(bad_obj[0]); i++) {
		expect_cert_obj(fc, der, bad_obj[i].n, bad_obj[i].info);
		assert_int_equal(scl_piv_read_cert(t, SCL_PIV_KEY_AUTH, &out,
		    &len), bad_obj[i].want);
	}
	for (size_t i = 0; i < sizeof(bad_resp) / sizeof(bad_resp[0]); i++) {
		fake_card_expect(fc, GET_9A, bad_resp[i].resp);
		assert_int_equal(scl_piv_read_cert(t, SCL_PIV_KEY_AUTH, &out,
		    &len), bad_resp[i].want);
	}
	/* A card that keeps answering 61xx is cut off. */
	{
		uint8_t more[258];

		memset(more, 0x41, 256);
		more[256] = 0x61;
		more[257] = 0x00;
		fake_card_expect_bin(fc, (const uint8_t *)"\x00\xCB\x3F\xFF"
		    "\x05\x5C\x03\x5F\xC1\x05\x00", 11, more, sizeof(more));
		for (int i = 0; i < SCL_APDU_MAX_GET_RESPONSE; i++)
			fake_card_expect_bin(fc, (const uint8_t *)
			    "\x00\xC0\x00\x00\x00", 5, more, sizeof(more));
		assert_int_equal(scl_piv_read_cert(t, SCL_PIV_KEY_AUTH, &out,
		    &len), SCL_ERR_CARD_BAD_RESPONSE);
	}
	assert_int_equal(len, 12345);
	assert_null(out);
	assert_int_equal(scl_piv_read_cert(t, 0x42, &out, &len),
	    SCL_ERR_INVALID_ARGUMENT);
	fake_card_free(&fc);
}

static void
test_cert_tag(void **state)
{
	(void)state;
	assert_int_equal(scl_piv_cert_tag(0x9A), 0x5FC105);
	assert_int_equal(scl_piv_cert_tag(0x9C), 0x5FC10A);
	assert_int_equal(scl_piv_cert_tag(0x9D), 0x5FC10B);
	assert_int_equal(scl_piv_cert_tag(0x9E), 0x5FC101);
	assert_int_equal(scl_piv_cert_tag(0x82), 0x5FC10D);
	assert_int_equal(scl_piv_cert_tag(0x95), 0x5FC120);
	assert_int_equal(scl_piv_cert_tag(0x9B), 0);
	assert_int_equal(scl_piv_cert_tag(0x00), 0);
}

/* ---- PIN ---------------------------------------------------------- */

static void
test_pin_status(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);
	int tries = -9, ver = -9;

	(void)state;
	fake_card_expect(fc, "00 20 00 80", "63 C3");
	assert_int_equal(scl_piv_pin_status(t, 0x80, &tries, &ver), 0);
	assert_int_equal(tries, 3);
	assert_int_equal(ver, 0);
	fake_card_expect(fc, "00 20 00 80", "90 00");
	assert_int_equal(scl_piv_pin_status(t, 0x80, &tries, &ver), 0);
	assert_int_equal(tries, -1);
	assert_int_equal(ver, 1);
	fake_card_expect(fc, "00 20 00 80", "69 83");
	assert_int_equal(scl_piv_pin_status(t, 0x80, &tries, &ver), 0);
	assert_int_equal(tries, 0);
	assert_int_equal(ver, 0);
	fake_card_expect(fc, "00 20 00 81", "63 C0");
	assert_int_equal(scl_piv_pin_status(t, 0x81, &tries, &ver), 0);
	assert_int_equal(tries, 0);
	tries = ver = -9;
	fake_card_expect(fc, "00 20 00 80", "6A 88");
	assert_int_equal(scl_piv_pin_status(t, 0x80, &tries, &ver),
	    SCL_ERR_NO_OBJECT);
	fake_card_expect(fc, "00 20 00 80", "6D 00");
	assert_int_equal(scl_piv_pin_status(t, 0x80, &tries, &ver),
	    SCL_ERR_SW_UNEXPECTED);
	fake_card_expect(fc, "00 20 00 80", "63");
	assert_int_equal(scl_piv_pin_status(t, 0x80, &tries, &ver),
	    SCL_ERR_CARD_BAD_RESPONSE);
	assert_int_equal(tries, -9);
	assert_int_equal(ver, -9);
	assert_int_equal(scl_piv_pin_status(t, 0x9A, &tries, &ver),
	    SCL_ERR_INVALID_ARGUMENT);
	fake_card_free(&fc);
}

static void
test_verify(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);
	struct scl_pin pin, pin8;
	int tries = -9;

	(void)state;
	assert_int_equal(scl_pin_set(&pin, "123456"), 0);
	assert_int_equal(scl_pin_set(&pin8, "87654321"), 0);
	fake_card_expect(fc, "00 20 00 80 08 31 32 33 34 35 36 FF FF", "90 00");
	assert_int_equal(scl_piv_verify(t, &pin, &tries), 0);
	assert_int_equal(tries, -9);
	fake_card_expect(fc, "00 20 00 80 08 38 37 36 35 34 33 32 31", "63 C2");
	assert_int_equal(scl_piv_verify(t, &pin8, &tries), SCL_ERR_PIN_WRONG);
	assert_int_equal(tries, 2);
	fake_card_expect(fc, "00 20 00 80 08 31 32 33 34 35 36 FF FF", "63 C0");
	assert_int_equal(scl_piv_verify(t, &pin, &tries), SCL_ERR_PIN_BLOCKED);
	assert_int_equal(tries, 0);
	tries = -9;
	fake_card_expect(fc, "00 20 00 80 08 31 32 33 34 35 36 FF FF", "69 83");
	assert_int_equal(scl_piv_verify(t, &pin, NULL), SCL_ERR_PIN_BLOCKED);
	fake_card_expect(fc, "00 20 00 80 08 31 32 33 34 35 36 FF FF", "69 82");
	assert_int_equal(scl_piv_verify(t, &pin, &tries),
	    SCL_ERR_SECURITY_STATUS);
	assert_int_equal(tries, -9);
	pin.len = 0;
	assert_int_equal(scl_piv_verify(t, &pin, &tries), SCL_ERR_PIN_FORMAT);
	pin.len = 9;
	assert_int_equal(scl_piv_verify(t, &pin, &tries), SCL_ERR_PIN_FORMAT);
	scl_pin_clear(&pin);
	scl_pin_clear(&pin8);
	fake_card_free(&fc);
}

static void
test_change_reset(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);
	struct scl_pin a, b, puk;
	int tries = -9;

	(void)state;
	assert_int_equal(scl_pin_set(&a, "123456"), 0);
	assert_int_equal(scl_pin_set(&b, "654321"), 0);
	assert_int_equal(scl_pin_set(&puk, "12345678"), 0);
	fake_card_expect(fc, "00 24 00 80 10 31 32 33 34 35 36 FF FF "
	    "36 35 34 33 32 31 FF FF", "90 00");
	assert_int_equal(scl_piv_change_reference(t, 0x80, &a, &b, &tries), 0);
	fake_card_expect(fc, "00 24 00 81 10 31 32 33 34 35 36 37 38 "
	    "36 35 34 33 32 31 FF FF", "63 C1");
	assert_int_equal(scl_piv_change_reference(t, 0x81, &puk, &b, &tries),
	    SCL_ERR_PIN_WRONG);
	assert_int_equal(tries, 1);
	assert_int_equal(scl_piv_change_reference(t, 0x9A, &a, &b, &tries),
	    SCL_ERR_INVALID_ARGUMENT);
	fake_card_expect(fc, "00 2C 00 80 10 31 32 33 34 35 36 37 38 "
	    "36 35 34 33 32 31 FF FF", "90 00");
	assert_int_equal(scl_piv_reset_retry(t, &puk, &b, &tries), 0);
	fake_card_expect(fc, "00 2C 00 80 10 31 32 33 34 35 36 37 38 "
	    "36 35 34 33 32 31 FF FF", "69 83");
	assert_int_equal(scl_piv_reset_retry(t, &puk, &b, &tries),
	    SCL_ERR_PIN_BLOCKED);
	assert_int_equal(tries, 0);
	scl_pin_clear(&a);
	scl_pin_clear(&b);
	scl_pin_clear(&puk);
	fake_card_free(&fc);
}

/* ---- GENERAL AUTHENTICATE ----------------------------------------- */

static void
ga_cmd(struct buf *c, uint8_t alg, uint8_t key, const uint8_t *in,
    size_t n)
{
	struct buf d = { .n = 0 };

	put_hdr(&d, 0x7C, 2 + (n < 0x80 ? 2 : n <= 0xFF ? 3 : 4) + n);
	put_hex(&d, "82 00");
	put_hdr(&d, 0x81, n);
	put(&d, in, n);
	c->n = 0;
	put(c, (uint8_t []){ 0x00, 0x87, alg, key, (uint8_t)d.n }, 5);
	put(c, d.p, d.n);
	put_hex(c, "00");
}

static void
test_general_auth_ecc(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);
	static struct buf c, r;
	uint8_t in[32], sig[80];
	size_t sl = 777;

	(void)state;
	memset(in, 0xA5, sizeof(in));
	ga_cmd(&c, 0x11, 0x9A, in, sizeof(in));
	r.n = 0;
	put_hex(&r, "7C 0A 82 08 30 06 02 01 01 02 01 02 90 00");
	fake_card_expect_bin(fc, c.p, c.n, r.p, r.n);
	assert_int_equal(scl_piv_general_auth(t, 0x11, 0x9A, in, sizeof(in),
	    sig, sizeof(sig), &sl), 0);
	assert_int_equal(sl, 8);
	assert_int_equal(sig[0], 0x30);

	fake_card_free(&fc);
}

/* Byte-exact steps for one GA answer (tests that loop over bodies). */
static int
ga_try(uint8_t alg, uint8_t key, const uint8_t *in, size_t n,
    const char *resp_hex, uint8_t *sig, size_t cap, size_t *sl)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);
	static struct buf c;
	uint8_t *resp;
	size_t rl;
	int r;

	ga_cmd(&c, alg, key, in, n);
	resp = fake_card_hex(resp_hex, &rl);
	fake_card_expect_bin(fc, c.p, c.n, resp, rl);
	r = scl_piv_general_auth(t, alg, key, in, n, sig, cap, sl);
	free(resp);
	fake_card_free(&fc);
	return r;
}

static void
test_general_auth_bad(void **state)
{
	static const struct {
		const char *resp;
		int want;
	} bad[] = {
		{ "7C 02 82 00 90 00", SCL_ERR_CARD_BAD_RESPONSE },
		{ "7C 03 80 01 AA 90 00", SCL_ERR_CARD_BAD_RESPONSE },
		{ "7D 03 82 01 AA 90 00", SCL_ERR_CARD_BAD_RESPONSE },
		{ "7C 06 82 01 AA 82 01 AB 90 00", SCL_ERR_TRAILING_DATA },
		{ "7C 05 82 09 AA 90 00", SCL_ERR_TRUNCATED },
		{ "7C 09 82 01 AA 90 00", SCL_ERR_TRUNCATED },
		{ "90 00", SCL_ERR_TRUNCATED },
		{ "69 82", SCL_ERR_SECURITY_STATUS },
		{ "6A 80", SCL_ERR_INCORRECT_DATA },
	};
	uint8_t in[32], sig[80];
	size_t sl = 777;

	(void)state;
	memset(in, 0x5A, sizeof(in));
	assert_int_equal(ga_try(0x11, 0x9C, in, 32, "7C 03 82 01 AA 90 00",
	    sig, sizeof(sig), &sl), 0);
	assert_int_equal(sl, 1);
	sl = 777;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ga_try(0x11, 0x9C, in, 32, bad[i].resp, sig,
		    sizeof(sig), &sl), bad[i].want);
	assert_int_equal(ga_try(0x11, 0x9C, in, 32, "7C 04 82 02 AA BB 90 00",
	    sig, 1, &sl), SCL_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(sl, 777);
	/* Refused before any APDU: wrong sizes, key refs, algorithms. */
	{
		struct fake_card *fc = fake_card_new(0);
		struct scl_transport *t = fake_card_transport(fc);

		assert_int_equal(scl_piv_general_auth(t, 0x11, 0x9A, in, 33,
		    sig, sizeof(sig), &sl), SCL_ERR_INVALID_ARGUMENT);
		assert_int_equal(scl_piv_general_auth(t, 0x07, 0x9A, in, 32,
		    sig, sizeof(sig), &sl), SCL_ERR_INVALID_ARGUMENT);
		assert_int_equal(scl_piv_general_auth(t, 0x11, 0x9B, in, 32,
		    sig, sizeof(sig), &sl), SCL_ERR_INVALID_ARGUMENT);
		assert_int_equal(scl_piv_general_auth(t, 0x03, 0x9A, in, 8,
		    sig, sizeof(sig), &sl), SCL_ERR_INVALID_ARGUMENT);
		fake_card_free(&fc);
	}
}

/* RSA 2048: command chaining out, 61xx chaining back (a real exchange). */
static void
test_general_auth_rsa(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);
	static struct buf d, c1, c2, body;
	uint8_t in[256], sig[512], rsig[256];
	size_t sl = 0;

	(void)state;
	memset(in, 0xFF, sizeof(in));
	in[0] = 0x00;
	in[1] = 0x01;
	for (size_t i = 0; i < sizeof(rsig); i++)
		rsig[i] = (uint8_t)(0x80 ^ i);
	d.n = 0;
	put_hex(&d, "7C 82 01 06 82 00 81 82 01 00");
	put(&d, in, sizeof(in));
	assert_int_equal(d.n, 266);
	c1.n = 0;
	put_hex(&c1, "10 87 07 9A FF");
	put(&c1, d.p, 255);
	fake_card_expect_bin(fc, c1.p, c1.n, (const uint8_t *)"\x90\x00", 2);
	c2.n = 0;
	put_hex(&c2, "00 87 07 9A 0B");
	put(&c2, d.p + 255, 11);
	put_hex(&c2, "00");
	body.n = 0;
	put_hex(&body, "7C 82 01 04 82 82 01 00");
	put(&body, rsig, sizeof(rsig));
	expect_chained(fc, c2.p, c2.n, body.p, body.n, 0x9000);
	assert_int_equal(scl_piv_general_auth(t, 0x07, 0x9A, in, sizeof(in),
	    sig, sizeof(sig), &sl), 0);
	assert_int_equal(sl, 256);
	assert_memory_equal(sig, rsig, 256);
	fake_card_free(&fc);
}

/* ---- management key ----------------------------------------------- */

struct mgmt_card {
	const EVP_CIPHER *c;
	uint8_t key[32];
	size_t bs;
	uint8_t witness[16];
	int step;
	int lie;		/* answer the challenge wrongly */
	int bad_witness_len;
};

static void
ecb(const EVP_CIPHER *c, const uint8_t *key, int enc, const uint8_t *in,
    uint8_t *out, size_t bs)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_CipherInit_ex(ctx, c, NULL, key, NULL, enc), 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_CipherUpdate(ctx, out, &n, in, (int)bs), 1);
	assert_int_equal(EVP_CipherFinal_ex(ctx, out + n, &m), 1);
	EVP_CIPHER_CTX_free(ctx);
}

static int
mgmt_fn(void *arg, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
    size_t *resp_len)
{
	struct mgmt_card *mc = arg;
	uint8_t blk[16];
	size_t bs = mc->bs, n = 0;

	assert_true(cmd_len >= 5);
	assert_int_equal(cmd[1], 0x87);
	assert_int_equal(cmd[3], 0x9B);
	if (mc->step++ == 0) {
		static const uint8_t s1[] = { 0x7C, 0x02, 0x80, 0x00 };

		assert_int_equal(cmd[4], 4);
		assert_memory_equal(cmd + 5, s1, 4);
		assert_int_equal(RAND_bytes(mc->witness, (int)bs), 1);
		ecb(mc->c, mc->key, 1, mc->witness, blk, bs);
		if (mc->bad_witness_len)
			bs = bs == 8 ? 16 : 8;
		resp[n++] = 0x7C;
		resp[n++] = (uint8_t)(2 + bs);
		resp[n++] = 0x80;
		resp[n++] = (uint8_t)bs;
		memcpy(resp + n, blk, bs);
		n += bs;
	} else {
		/* 7C L 80 bs witness 81 bs challenge */
		assert_int_equal(cmd[4], 2 + 2 * (2 + bs));
		assert_int_equal(cmd[5], 0x7C);
		assert_int_equal(cmd[7], 0x80);
		assert_int_equal(cmd[8], bs);
		if (memcmp(cmd + 9, mc->witness, bs) != 0) {
			resp[0] = 0x69;
			resp[1] = 0x82;
			*resp_len = 2;
			return 0;
		}
		assert_int_equal(cmd[9 + bs], 0x81);
		ecb(mc->c, mc->key, 1, cmd + 11 + bs, blk, bs);
		if (mc->lie)
			blk[0] ^= 1;
		resp[n++] = 0x7C;
		resp[n++] = (uint8_t)(2 + bs);
		resp[n++] = 0x82;
		resp[n++] = (uint8_t)bs;
		memcpy(resp + n, blk, bs);
		n += bs;
	}
	resp[n++] = 0x90;
	resp[n++] = 0x00;
	*resp_len = n;
	return 0;
}

static int
mgmt_run(uint8_t alg, const EVP_CIPHER *c, size_t key_len, size_t bs,
    int lie, int bad_len, int wrong_key)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);
	struct mgmt_card mc;
	uint8_t key[32];
	int r;

	memset(&mc, 0, sizeof(mc));
	mc.c = c;
	mc.bs = bs;
	mc.lie = lie;
	mc.bad_witness_len = bad_len;
	for (size_t i = 0; i < key_len; i++)
		mc.key[i] = (uint8_t)(i + 1);
	memcpy(key, mc.key, key_len);
	if (wrong_key)
		key[0] ^= 0x40;
	fake_card_expect_fn(fc, mgmt_fn, &mc);
	if (!bad_len)
		fake_card_expect_fn(fc, mgmt_fn, &mc);
	r = scl_piv_mgmt_auth(t, alg, key, key_len);
	fake_card_free(&fc);
	return r;
}

static void
test_mgmt_auth(void **state)
{
	uint8_t k[24] = { 0 };

	(void)state;
	assert_int_equal(mgmt_run(0x03, EVP_des_ede3_ecb(), 24, 8, 0, 0, 0), 0);
	assert_int_equal(mgmt_run(0x08, EVP_aes_128_ecb(), 16, 16, 0, 0, 0), 0);
	assert_int_equal(mgmt_run(0x0A, EVP_aes_192_ecb(), 24, 16, 0, 0, 0), 0);
	assert_int_equal(mgmt_run(0x0C, EVP_aes_256_ecb(), 32, 16, 0, 0, 0), 0);
	/* The card refuses our decryption (we hold another key). */
	assert_int_equal(mgmt_run(0x03, EVP_des_ede3_ecb(), 24, 8, 0, 0, 1),
	    SCL_ERR_AUTH_FAILED);
	assert_int_equal(mgmt_run(0x0C, EVP_aes_256_ecb(), 32, 16, 0, 0, 1),
	    SCL_ERR_AUTH_FAILED);
	/* The card cannot prove it holds the key. */
	assert_int_equal(mgmt_run(0x08, EVP_aes_128_ecb(), 16, 16, 1, 0, 0),
	    SCL_ERR_AUTH_FAILED);
	/* A witness of the wrong block size. */
	assert_int_equal(mgmt_run(0x03, EVP_des_ede3_ecb(), 24, 8, 0, 1, 0),
	    SCL_ERR_CARD_BAD_RESPONSE);
	assert_int_equal(mgmt_run(0x08, EVP_aes_128_ecb(), 16, 16, 0, 1, 0),
	    SCL_ERR_CARD_BAD_RESPONSE);
	/* Key length must fit the algorithm; nothing is sent. */
	{
		struct fake_card *fc = fake_card_new(0);
		struct scl_transport *t = fake_card_transport(fc);

		assert_int_equal(scl_piv_mgmt_auth(t, 0x03, k, 16),
		    SCL_ERR_INVALID_ARGUMENT);
		assert_int_equal(scl_piv_mgmt_auth(t, 0x08, k, 24),
		    SCL_ERR_INVALID_ARGUMENT);
		assert_int_equal(scl_piv_mgmt_auth(t, 0x07, k, 24),
		    SCL_ERR_INVALID_ARGUMENT);
		fake_card_free(&fc);
	}
}

/* ---- GENERATE ----------------------------------------------------- */

static void
test_generate_ecc(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	static const struct {
		const char *resp;
		int want;
	} bad[] = {
		/* a short point, a wrong template (and an RSA one) */
		{ "7F 49 05 86 03 04 01 02 90 00", SCL_ERR_CARD_BAD_RESPONSE },
		{ "7F 48 05 86 03 04 01 02 90 00", SCL_ERR_CARD_BAD_RESPONSE },
		{ "7F 49 06 81 01 03 82 01 03 90 00",
		    SCL_ERR_CARD_BAD_RESPONSE },
		{ "69 82", SCL_ERR_SECURITY_STATUS },
	};
	static struct buf r;
	uint8_t pt[65], *spki = NULL, *want = NULL;
	size_t ptl = 0, sl = 0;
	int wl;

	(void)state;
	assert_non_null(k);
	assert_int_equal(EVP_PKEY_get_octet_string_param(k,
	    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &ptl), 1);
	assert_int_equal(ptl, 65);
	r.n = 0;
	put_hex(&r, "7F 49 43 86 41");
	put(&r, pt, 65);
	put_hex(&r, "90 00");
	fake_card_expect_bin(fc, (const uint8_t *)"\x00\x47\x00\x9C\x05\xAC"
	    "\x03\x80\x01\x11\x00", 11, r.p, r.n);
	assert_int_equal(scl_piv_generate(t, 0x9C, 0x11, &spki, &sl), 0);
	wl = i2d_PUBKEY(k, &want);
	assert_int_equal(sl, (size_t)wl);
	assert_memory_equal(spki, want, sl);
	free(spki);
	spki = NULL;
	/* A point off the curve, a short point, a wrong template. */
	r.p[5 + 64] ^= 0x01;
	fake_card_expect_bin(fc, (const uint8_t *)"\x00\x47\x00\x9C\x05\xAC"
	    "\x03\x80\x01\x11\x00", 11, r.p, r.n);
	assert_int_equal(scl_piv_generate(t, 0x9C, 0x11, &spki, &sl),
	    SCL_ERR_CARD_BAD_RESPONSE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_card_expect(fc, "00 47 00 9C 05 AC 03 80 01 11 00",
		    bad[i].resp);
		assert_int_equal(scl_piv_generate(t, 0x9C, 0x11, &spki, &sl),
		    bad[i].want);
	}
	assert_null(spki);
	assert_int_equal(scl_piv_generate(t, 0x9B, 0x11, &spki, &sl),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_piv_generate(t, 0x9A, 0x03, &spki, &sl),
	    SCL_ERR_INVALID_ARGUMENT);
	OPENSSL_free(want);
	EVP_PKEY_free(k);
	fake_card_free(&fc);
}

static void
test_generate_rsa(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	static struct buf r;
	BIGNUM *n = NULL, *e = NULL;
	uint8_t nb[256], eb[3], *spki = NULL, *want = NULL, *cmd;
	size_t sl = 0, cl;
	int wl;

	(void)state;
	assert_non_null(k);
	assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n),
	    1);
	assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e),
	    1);
	assert_int_equal(BN_bn2binpad(n, nb, 256), 256);
	assert_int_equal(BN_bn2binpad(e, eb, 3), 3);
	r.n = 0;
	put_hex(&r, "7F 49 82 01 09 81 82 01 00");
	put(&r, nb, 256);
	put_hex(&r, "82 03");
	put(&r, eb, 3);
	cmd = fake_card_hex("00 47 00 9A 05 AC 03 80 01 07 00", &cl);
	expect_chained(fc, cmd, cl, r.p, r.n, 0x9000);
	assert_int_equal(scl_piv_generate(t, 0x9A, 0x07, &spki, &sl), 0);
	wl = i2d_PUBKEY(k, &want);
	assert_int_equal(sl, (size_t)wl);
	assert_memory_equal(spki, want, sl);
	free(spki);
	spki = NULL;
	/* Even exponent, short modulus. */
	r.p[r.n - 1] &= 0xFE;
	expect_chained(fc, cmd, cl, r.p, r.n, 0x9000);
	assert_int_equal(scl_piv_generate(t, 0x9A, 0x07, &spki, &sl),
	    SCL_ERR_CARD_BAD_RESPONSE);
	r.n = 0;
	put_hex(&r, "7F 49 81 88 81 81 80");
	put(&r, nb, 128);
	put_hex(&r, "82 03 01 00 01");
	expect_chained(fc, cmd, cl, r.p, r.n, 0x9000);
	assert_int_equal(scl_piv_generate(t, 0x9A, 0x07, &spki, &sl),
	    SCL_ERR_CARD_BAD_RESPONSE);
	assert_null(spki);
	free(cmd);
	OPENSSL_free(want);
	BN_free(n);
	BN_free(e);
	EVP_PKEY_free(k);
	fake_card_free(&fc);
}

/* ---- PUT DATA ----------------------------------------------------- */

static void
test_put(void **state)
{
	struct fake_card *fc = fake_card_new(0);
	struct scl_transport *t = fake_card_transport(fc);
	static struct buf d, c1, c2;
	uint8_t der[300];

	(void)state;
	fake_card_expect(fc, "00 DB 3F FF 0A 5C 03 5F C1 09 53 03 01 02 03",
	    "90 00");
	assert_int_equal(scl_piv_put_object(t, SCL_PIV_TAG_PRINTED,
	    (const uint8_t *)"\x01\x02\x03", 3), 0);
	fake_card_expect(fc, "00 DB 3F FF 07 5C 03 5F C1 09 53 00", "6A 84");
	assert_int_equal(scl_piv_put_object(t, SCL_PIV_TAG_PRINTED, NULL, 0),
	    SCL_ERR_SW_UNEXPECTED);
	fake_card_expect(fc, "00 DB 3F FF 07 5C 03 5F C1 09 53 00", "69 82");
	assert_int_equal(scl_piv_put_object(t, SCL_PIV_TAG_PRINTED, NULL, 0),
	    SCL_ERR_SECURITY_STATUS);
	/* A certificate: 5C tag, 53 { 70 der, 71 00, FE 00 }, chained. */
	fake_der(der, sizeof(der));
	d.n = 0;
	put_hex(&d, "5C 03 5F C1 0A 53 82 01 35 70 82 01 2C");
	put(&d, der, sizeof(der));
	put_hex(&d, "71 01 00 FE 00");
	c1.n = 0;
	put_hex(&c1, "10 DB 3F FF FF");
	put(&c1, d.p, 255);
	c2.n = 0;
	put(&c2, (uint8_t []){ 0x00, 0xDB, 0x3F, 0xFF, (uint8_t)(d.n - 255) },
	    5);
	put(&c2, d.p + 255, d.n - 255);
	fake_card_expect_bin(fc, c1.p, c1.n, (const uint8_t *)"\x90\x00", 2);
	fake_card_expect_bin(fc, c2.p, c2.n, (const uint8_t *)"\x90\x00", 2);
	assert_int_equal(scl_piv_put_cert(t, 0x9C, der, sizeof(der)), 0);
	assert_int_equal(scl_piv_put_cert(t, 0x9B, der, sizeof(der)),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_piv_put_cert(t, 0x9A, der, 0),
	    SCL_ERR_INVALID_ARGUMENT);
	fake_card_free(&fc);
}

/* ---- mutations of known-good answers ------------------------------ */

static void
feed_one(const uint8_t *resp, size_t n, int which)
{
	uint8_t feed[4200], *der = NULL, sig[600], in[32] = { 1 };
	struct fake_feed ff;
	size_t fl = 0, l = 0;
	int tries, ver;
	char id[33];

	if (n + 2 > sizeof(feed))
		return;
	feed[fl++] = (uint8_t)(n >> 8);
	feed[fl++] = (uint8_t)n;
	memcpy(feed + fl, resp, n);
	fl += n;
	fake_feed_init(&ff, feed, fl, 0);
	switch (which) {
	case 0:
		(void)scl_piv_read_cert(&ff.t, 0x9A, &der, &l);
		free(der);
		break;
	case 1:
		(void)scl_piv_read_card_id(&ff.t, id);
		break;
	case 2:
		(void)scl_piv_general_auth(&ff.t, 0x11, 0x9A, in, 32, sig,
		    sizeof(sig), &l);
		break;
	case 3:
		(void)scl_piv_pin_status(&ff.t, 0x80, &tries, &ver);
		break;
	default:
		(void)scl_piv_generate(&ff.t, 0x9A, 0x11, &der, &l);
		free(der);
		break;
	}
}

static void
mutate_all(const uint8_t *good, size_t n, int which)
{
	uint8_t m[4200];

	assert_true(n <= sizeof(m));
	for (size_t i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(m, good, n);
			m[i] ^= (uint8_t)(1u << bit);
			feed_one(m, n, which);
		}
		memcpy(m, good, n);
		m[i] = 0xFF;
		feed_one(m, n, which);
		m[i] = 0x00;
		feed_one(m, n, which);
		feed_one(good, i, which);	/* truncation */
	}
}

static void
test_mutations(void **state)
{
	static struct buf b, o;
	static uint8_t der[300], gz[1024];
	uint8_t *p;
	size_t n, gl;

	(void)state;
	fake_der(der, sizeof(der));
	gl = gzip_buf(der, sizeof(der), gz, sizeof(gz));
	o.n = 0;
	put_hdr(&o, 0x70, gl);
	put(&o, gz, gl);
	put_hex(&o, "71 01 01 FE 00");
	b.n = 0;
	put_hdr(&b, 0x53, o.n);
	put(&b, o.p, o.n);
	put_hex(&b, "90 00");
	mutate_all(b.p, b.n, 0);
	p = fake_card_hex(chuid_ok, &n);
	mutate_all(p, n, 1);
	free(p);
	p = fake_card_hex("7C 0A 82 08 30 06 02 01 01 02 01 02 90 00", &n);
	mutate_all(p, n, 2);
	free(p);
	p = fake_card_hex("63 C3", &n);
	mutate_all(p, n, 3);
	free(p);
	{
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		uint8_t pt[65];
		size_t ptl = 0;

		assert_int_equal(EVP_PKEY_get_octet_string_param(k,
		    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &ptl), 1);
		b.n = 0;
		put_hex(&b, "7F 49 43 86 41");
		put(&b, pt, 65);
		put_hex(&b, "90 00");
		mutate_all(b.p, b.n, 4);
		EVP_PKEY_free(k);
	}
}

static void
test_mgmt_block(void **state)
{
	/* FIPS-197 Appendix C.1 and C.3 */
	static const uint8_t key[32] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
	    0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
	    0x1c, 0x1d, 0x1e, 0x1f };
	static const uint8_t pt[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
	    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	static const uint8_t ct128[16] = { 0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b,
	    0x04, 0x30, 0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a };
	static const uint8_t ct256[16] = { 0x8e, 0xa2, 0xb7, 0xca, 0x51, 0x67,
	    0x45, 0xbf, 0xea, 0xfc, 0x49, 0x90, 0x4b, 0x49, 0x60, 0x89 };
	static const uint8_t algs[] = { SCL_PIV_ALG_3DES, SCL_PIV_ALG_AES128,
	    SCL_PIV_ALG_AES192, SCL_PIV_ALG_AES256 };
	static const size_t klen[] = { 24, 16, 24, 32 }, blen[] = { 8, 16, 16,
	    16 };
	uint8_t out[16], back[16];

	(void)state;
	assert_int_equal(scl_piv_mgmt_block(SCL_PIV_ALG_AES128, key, 16, 1, pt,
	    out), 0);
	assert_memory_equal(out, ct128, 16);
	assert_int_equal(scl_piv_mgmt_block(SCL_PIV_ALG_AES256, key, 32, 1, pt,
	    out), 0);
	assert_memory_equal(out, ct256, 16);
	assert_int_equal(scl_piv_mgmt_block(SCL_PIV_ALG_AES256, key, 32, 0,
	    ct256, out), 0);
	assert_memory_equal(out, pt, 16);
	for (size_t i = 0; i < sizeof(algs); i++) {
		assert_int_equal(scl_piv_mgmt_key_len(algs[i]), klen[i]);
		assert_int_equal(scl_piv_mgmt_block_len(algs[i]), blen[i]);
		assert_int_equal(scl_piv_mgmt_block(algs[i], key, klen[i], 1,
		    pt, out), 0);
		assert_memory_not_equal(out, pt, blen[i]);
		assert_int_equal(scl_piv_mgmt_block(algs[i], key, klen[i], 0,
		    out, back), 0);
		assert_memory_equal(back, pt, blen[i]);
		assert_int_equal(scl_piv_mgmt_block(algs[i], key, klen[i] - 8,
		    1, pt, out), SCL_ERR_INVALID_ARGUMENT);
	}
	assert_int_equal(scl_piv_mgmt_key_len(SCL_PIV_ALG_RSA2048), 0);
	assert_int_equal(scl_piv_mgmt_block_len(SCL_PIV_ALG_ECC256), 0);
	assert_int_equal(scl_piv_mgmt_block(SCL_PIV_ALG_ECC256, key, 32, 1,
	    pt, out), SCL_ERR_NOT_SUPPORTED);
	assert_int_equal(scl_piv_mgmt_block(SCL_PIV_ALG_AES128, NULL, 16, 1,
	    pt, out), SCL_ERR_INVALID_ARGUMENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_read_object),
		cmocka_unit_test(test_read_object_extended),
		cmocka_unit_test(test_read_object_short_no_retry),
		cmocka_unit_test(test_card_id),
		cmocka_unit_test(test_read_cert),
		cmocka_unit_test(test_cert_tag),
		cmocka_unit_test(test_pin_status),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_change_reset),
		cmocka_unit_test(test_general_auth_ecc),
		cmocka_unit_test(test_general_auth_bad),
		cmocka_unit_test(test_general_auth_rsa),
		cmocka_unit_test(test_mgmt_auth),
		cmocka_unit_test(test_mgmt_block),
		cmocka_unit_test(test_generate_ecc),
		cmocka_unit_test(test_generate_rsa),
		cmocka_unit_test(test_put),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
