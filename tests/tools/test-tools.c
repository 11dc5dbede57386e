/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * Unit tests of the sclogin command's pure parts: argument parsing helpers,
 * the JSON writer and text formatting, exit-code mapping, getopt handling
 * of the common options, and certificate facts from the test PKI
 * (argv[1]: the test PKI directory).
 */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>

#include "err.h"
#include "piv.h"
#include "tool.h"

static const char *pki_dir;

/* ---- argument helpers ---- */

static void
test_slots(void **state)
{
	static const struct {
		const char *s;
		int ok;
		uint8_t ref;
	} cases[] = {
		{ "9a", 1, 0x9a }, { "9A", 1, 0x9a }, { "0x9a", 1, 0x9a },
		{ "auth", 1, 0x9a }, { "9c", 1, 0x9c }, { "sign", 1, 0x9c },
		{ "9d", 1, 0x9d }, { "9e", 1, 0x9e }, { "cardauth", 1, 0x9e },
		{ "9b", 0, 0 }, { "", 0, 0 }, { "9a ", 0, 0 }, { "0x", 0, 0 },
		{ "82", 0, 0 }, { NULL, 0, 0 },
	};
	size_t i;
	uint8_t ref;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ref = 0x55;
		if (cases[i].ok) {
			assert_int_equal(tool_parse_slot(cases[i].s, &ref), 0);
			assert_int_equal(ref, cases[i].ref);
		} else {
			assert_int_equal(tool_parse_slot(cases[i].s, &ref),
			    SCL_ERR_INVALID_ARGUMENT);
			assert_int_equal(ref, 0x55);	/* untouched */
		}
	}
	assert_string_equal(tool_slot_name(0x9a), "9a");
	assert_string_equal(tool_slot_name(0x9e), "9e");
	assert_string_equal(tool_slot_name(0x42), "");
}

static void
test_algs(void **state)
{
	uint8_t a = 0;

	assert_int_equal(tool_parse_key_alg("rsa2048", &a), 0);
	assert_int_equal(a, SCL_PIV_ALG_RSA2048);
	assert_int_equal(tool_parse_key_alg("ECCP256", &a), 0);
	assert_int_equal(a, SCL_PIV_ALG_ECC256);
	assert_int_equal(tool_parse_key_alg("p384", &a), 0);
	assert_int_equal(a, SCL_PIV_ALG_ECC384);
	assert_int_not_equal(tool_parse_key_alg("rsa4096x", &a), 0);
	assert_string_equal(tool_key_alg_name(SCL_PIV_ALG_ECC384), "eccp384");

	assert_int_equal(tool_parse_mgmt_alg("3des", &a), 0);
	assert_int_equal(scl_piv_mgmt_key_len(a), 24);
	assert_int_equal(tool_parse_mgmt_alg("aes128", &a), 0);
	assert_int_equal(scl_piv_mgmt_key_len(a), 16);
	assert_int_equal(tool_parse_mgmt_alg("aes192", &a), 0);
	assert_int_equal(scl_piv_mgmt_key_len(a), 24);
	assert_int_equal(tool_parse_mgmt_alg("aes256", &a), 0);
	assert_int_equal(scl_piv_mgmt_key_len(a), 32);
	assert_int_not_equal(tool_parse_mgmt_alg("des", &a), 0);
	assert_int_equal(scl_piv_mgmt_key_len(0x42), 0);
	assert_string_equal(tool_mgmt_alg_name(SCL_PIV_ALG_AES192), "aes192");
	assert_string_equal(tool_mgmt_alg_name(0x42), "");
}

static void
test_hex(void **state)
{
	static const uint8_t def[24] = {
		1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
		1, 2, 3, 4, 5, 6, 7, 8,
	};
	uint8_t buf[32];
	size_t n = 99;

	assert_int_equal(tool_parse_hex("default", buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 24);
	assert_memory_equal(buf, def, 24);
	assert_int_equal(tool_parse_hex(
	    "010203040506070801020304050607080102030405060708", buf,
	    sizeof(buf), &n), 0);
	assert_int_equal(n, 24);
	assert_memory_equal(buf, def, 24);
	assert_int_equal(tool_parse_hex("0A:fF 10", buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(buf[0], 0x0a);
	assert_int_equal(buf[1], 0xff);
	assert_int_equal(buf[2], 0x10);
	n = 77;
	assert_int_equal(tool_parse_hex("abc", buf, sizeof(buf), &n),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(tool_parse_hex("zz", buf, sizeof(buf), &n),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(tool_parse_hex("", buf, sizeof(buf), &n),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(tool_parse_hex("::", buf, sizeof(buf), &n),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(tool_parse_hex("010203", buf, 2, &n),
	    SCL_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(tool_parse_hex("default", buf, 16, &n),
	    SCL_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 77);	/* untouched on failure */
}

static void
test_numbers(void **state)
{
	unsigned long v = 5;
	long ms = 5;

	assert_int_equal(tool_parse_uint("10", 1, 20, &v), 0);
	assert_int_equal(v, 10);
	assert_int_not_equal(tool_parse_uint("0", 1, 20, &v), 0);
	assert_int_not_equal(tool_parse_uint("21", 1, 20, &v), 0);
	assert_int_not_equal(tool_parse_uint("-1", 0, 20, &v), 0);
	assert_int_not_equal(tool_parse_uint(" 1", 0, 20, &v), 0);
	assert_int_not_equal(tool_parse_uint("1x", 0, 20, &v), 0);
	assert_int_not_equal(tool_parse_uint("99999999999999999999999", 0,
	    ~0UL, &v), 0);
	assert_int_equal(v, 10);

	assert_int_equal(tool_parse_duration_ms("10", &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(tool_parse_duration_ms("3s", &ms), 0);
	assert_int_equal(ms, 3000);
	assert_int_equal(tool_parse_duration_ms("250ms", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(tool_parse_duration_ms("2m", &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(tool_parse_duration_ms("0", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_not_equal(tool_parse_duration_ms("1h", &ms), 0);
	assert_int_not_equal(tool_parse_duration_ms("s", &ms), 0);
	assert_int_not_equal(tool_parse_duration_ms("-1", &ms), 0);
	assert_int_not_equal(tool_parse_duration_ms("1441m", &ms), 0);
	assert_int_equal(ms, 0);
}

static void
test_vcard_names(void **state)
{
	assert_true(tool_valid_vcard_name("alice"));
	assert_true(tool_valid_vcard_name("Card_2-b"));
	assert_true(tool_valid_vcard_name("a2345678901234567890123456789012"));
	assert_false(tool_valid_vcard_name("a23456789012345678901234567890123"));
	assert_false(tool_valid_vcard_name(""));
	assert_false(tool_valid_vcard_name(NULL));
	assert_false(tool_valid_vcard_name("-x"));
	assert_false(tool_valid_vcard_name("../etc"));
	assert_false(tool_valid_vcard_name("a b"));
	assert_false(tool_valid_vcard_name("a.state"));
	assert_false(tool_valid_vcard_name("caf\xc3\xa9"));
}

/* ---- output ---- */

struct memout {
	char *buf;
	size_t len;
	FILE *f;
};

static void
mem_open(struct memout *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
}

static void
mem_close(struct memout *m)
{
	fclose(m->f);
	m->f = NULL;
}

static void
test_json_nesting(void **state)
{
	struct memout m;
	struct json j;

	mem_open(&m);
	json_init(&j, m.f, 0);
	json_begin_object(&j, NULL);
	json_str(&j, "a", "x");
	json_int(&j, "n", -42);
	json_bool(&j, "t", 1);
	json_null(&j, "z");
	json_str(&j, "s", NULL);
	json_begin_array(&j, "list");
	json_int(&j, NULL, 1);
	json_begin_object(&j, NULL);
	json_end_object(&j);
	json_end_array(&j);
	json_begin_array(&j, "empty");
	json_end_array(&j);
	json_end_object(&j);
	json_finish(&j);
	mem_close(&m);
	assert_string_equal(m.buf,
	    "{\n"
	    "  \"a\": \"x\",\n"
	    "  \"n\": -42,\n"
	    "  \"t\": true,\n"
	    "  \"z\": null,\n"
	    "  \"s\": null,\n"
	    "  \"list\": [\n"
	    "    1,\n"
	    "    {}\n"
	    "  ],\n"
	    "  \"empty\": []\n"
	    "}\n");
	free(m.buf);

	mem_open(&m);
	json_init(&j, m.f, 1);
	json_begin_object(&j, NULL);
	json_str(&j, "event", "CARD_INSERTED");
	json_begin_array(&j, "r");
	json_str(&j, NULL, "a");
	json_str(&j, NULL, "b");
	json_end_array(&j);
	json_end_object(&j);
	json_finish(&j);
	json_begin_object(&j, NULL);
	json_end_object(&j);
	json_finish(&j);
	mem_close(&m);
	assert_string_equal(m.buf,
	    "{\"event\":\"CARD_INSERTED\",\"r\":[\"a\",\"b\"]}\n{}\n");
	free(m.buf);
}

static void
test_json_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "\"plain\"" },
		{ "q\"b\\", "\"q\\\"b\\\\\"" },
		{ "a\nb\tc", "\"a\\nb\\tc\"" },
		{ "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },		/* valid UTF-8 */
		{ "\xe2\x82\xac", "\"\xe2\x82\xac\"" },
		{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },
		{ "x\xff", "\"x\\u00ff\"" },			/* stray byte */
		{ "\xc3", "\"\\u00c3\"" },			/* truncated */
		{ "\xc3(", "\"\\u00c3(\"" },
		{ "\xe2\x82", "\"\\u00e2\\u0082\"" },
		{ "\xc0\xaf", "\"\\u00c0\\u00af\"" },		/* overlong */
		{ "", "\"\"" },
	};
	struct memout m;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mem_open(&m);
		json_write_string(m.f, cases[i].in);
		mem_close(&m);
		assert_string_equal(m.buf, cases[i].out);
		free(m.buf);
	}
}

static void
test_format(void **state)
{
	char out[64];
	struct timespec ts = { .tv_sec = 1764070726, .tv_nsec = 123456789 };
	ASN1_TIME *t;

	tool_escape("Virtual PCD 00 00", out, sizeof(out));
	assert_string_equal(out, "Virtual PCD 00 00");
	tool_escape("a\nb\x1b[31m\\", out, sizeof(out));
	assert_string_equal(out, "a\\x0ab\\x1b[31m\\x5c");
	tool_escape("abcdef", out, 4);
	assert_string_equal(out, "abc");
	tool_escape("\x01\x02", out, 6);
	assert_string_equal(out, "\\x01");

	tool_timestamp(&ts, out, sizeof(out));
	assert_string_equal(out, "2025-11-25T11:38:46.123Z");

	t = ASN1_TIME_set(NULL, 1764070726);
	assert_non_null(t);
	tool_asn1_time(t, out, sizeof(out));
	assert_string_equal(out, "2025-11-25T11:38:46Z");
	ASN1_TIME_free(t);
	tool_asn1_time(NULL, out, sizeof(out));
	assert_string_equal(out, "?");
}

static void
test_exit_codes(void **state)
{
	assert_int_equal(tool_exit_code(0), SCL_EXIT_OK);
	assert_int_equal(tool_exit_code(SCL_ERR_NO_SERVICE), SCL_EXIT_NO_CARD);
	assert_int_equal(tool_exit_code(SCL_ERR_NO_READER), SCL_EXIT_NO_CARD);
	assert_int_equal(tool_exit_code(SCL_ERR_NO_CARD), SCL_EXIT_NO_CARD);
	assert_int_equal(tool_exit_code(SCL_ERR_NO_APPLET), SCL_EXIT_NO_CARD);
	assert_int_equal(tool_exit_code(SCL_ERR_PIN_WRONG), SCL_EXIT_AUTH);
	assert_int_equal(tool_exit_code(SCL_ERR_PIN_BLOCKED), SCL_EXIT_AUTH);
	assert_int_equal(tool_exit_code(SCL_ERR_AUTH_FAILED), SCL_EXIT_AUTH);
	assert_int_equal(tool_exit_code(SCL_ERR_PIN_POLICY), SCL_EXIT_CHECK);
	assert_int_equal(tool_exit_code(SCL_ERR_PIN_LAST_TRY), SCL_EXIT_CHECK);
	assert_int_equal(tool_exit_code(SCL_ERR_SIG_INVALID), SCL_EXIT_CHECK);
	assert_int_equal(tool_exit_code(SCL_ERR_TIMEOUT), SCL_EXIT_TIMEOUT);
	assert_int_equal(tool_exit_code(SCL_ERR_INVALID_ARGUMENT),
	    SCL_EXIT_USAGE);
	assert_int_equal(tool_exit_code(SCL_ERR_NOMEM), SCL_EXIT_FAIL);
	assert_int_equal(tool_exit_code(SCL_ERR_CERT_EXPIRED), SCL_EXIT_FAIL);
}

static void
test_admin_key(void **state)
{
	struct memout e;
	struct tool tl;
	uint8_t k[32];
	size_t n = 0;
	char hex[] = "0102030405060708090a0b0c0d0e0f10";

	(void)state;
	memset(&tl, 0, sizeof(tl));
	tl.prog = "sclogin";
	tl.verb = "pin reset";
	mem_open(&e);
	tl.err = e.f;
	/* NULL is the default 3DES key; any length fits without an alg */
	assert_int_equal(tool_parse_admin_key(&tl, NULL, NULL, 0, k,
	    sizeof(k), &n), 0);
	assert_int_equal(n, 24);
	assert_int_equal(tool_parse_admin_key(&tl, hex, NULL, 0, k,
	    sizeof(k), &n), 0);
	assert_int_equal(n, 16);
	assert_int_equal(k[15], 0x10);
	assert_int_equal(hex[0], '\0');		/* wiped */
	strcpy(hex, "0102030405060708090a0b0c0d0e0f10");
	assert_int_equal(tool_parse_admin_key(&tl, hex, "aes128",
	    SCL_PIV_ALG_AES128, k, sizeof(k), &n), 0);
	strcpy(hex, "0102030405060708090a0b0c0d0e0f10");
	assert_int_equal(tool_parse_admin_key(&tl, hex, "3des",
	    SCL_PIV_ALG_3DES, k, sizeof(k), &n), SCL_EXIT_USAGE);
	strcpy(hex, "01020304050607");
	assert_int_equal(tool_parse_admin_key(&tl, hex, NULL, 0, k,
	    sizeof(k), &n), SCL_EXIT_USAGE);
	strcpy(hex, "zz");
	assert_int_equal(tool_parse_admin_key(&tl, hex, NULL, 0, k,
	    sizeof(k), &n), SCL_EXIT_USAGE);
	assert_string_equal(hex, "zz");		/* not wiped: not parsed */
	mem_close(&e);
	assert_string_equal(e.buf,
	    "sclogin: pin reset: the admin key has 16 bytes; 3des needs 24\n"
	    "Try 'sclogin pin reset --help'.\n"
	    "sclogin: pin reset: the admin key has 7 bytes; 3DES and AES-192 "
	    "keys have 24, AES-128 16, AES-256 32\n"
	    "Try 'sclogin pin reset --help'.\n"
	    "sclogin: pin reset: bad --admin-key (hex, or 'default')\n"
	    "Try 'sclogin pin reset --help'.\n");
	free(e.buf);
}

static void
test_fail_output(void **state)
{
	struct memout o, e;
	struct tool tl;

	memset(&tl, 0, sizeof(tl));
	tl.prog = "sclogin";
	tl.verb = "pin change";
	mem_open(&o);
	mem_open(&e);
	tl.out = o.f;
	tl.err = e.f;
	assert_int_equal(tool_fail(&tl, SCL_EXIT_AUTH, SCL_ERR_PIN_WRONG,
	    "wrong PIN; %d tries left", 2), SCL_EXIT_AUTH);
	assert_int_equal(tool_usage_error(&tl, "bad '%s'", "x"),
	    SCL_EXIT_USAGE);
	tl.json = 1;
	assert_int_equal(tool_fail(&tl, SCL_EXIT_CHECK, SCL_ERR_PIN_POLICY,
	    "say \"%s\"", "no"), SCL_EXIT_CHECK);
	mem_close(&o);
	mem_close(&e);
	assert_string_equal(e.buf,
	    "sclogin: pin change: wrong PIN; 2 tries left\n"
	    "sclogin: pin change: bad 'x'\n"
	    "Try 'sclogin pin change --help'.\n");
	assert_string_equal(o.buf,
	    "{\"error\":{\"code\":\"PIN_POLICY\",\"exit\":4,"
	    "\"message\":\"say \\\"no\\\"\"}}\n");
	free(o.buf);
	free(e.buf);
}

/* getopt with TOOL_COMMON_OPTS, as every verb parses. */
static void
test_common_opts(void **state)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, TOOL_OPT_VERB },
		TOOL_COMMON_OPTS
	};
	char *argv[] = {
		(char *)(uintptr_t)"watch", (char *)(uintptr_t)"--json",
		(char *)(uintptr_t)"--count", (char *)(uintptr_t)"3",
		(char *)(uintptr_t)"--reader=Virtual PCD 00 01",
		(char *)(uintptr_t)"--config", (char *)(uintptr_t)"/x.conf",
		(char *)(uintptr_t)"--bogus", NULL,
	};
	char *argv2[] = {
		(char *)(uintptr_t)"watch", (char *)(uintptr_t)"--count", NULL,
	};
	char *argv3[] = {
		(char *)(uintptr_t)"watch", (char *)(uintptr_t)"--help", NULL,
	};
	struct memout o, e;
	struct tool tl;
	int c, count = 0, ex = 0;

	memset(&tl, 0, sizeof(tl));
	tl.prog = "sclogin";
	tl.verb = "watch";
	mem_open(&o);
	mem_open(&e);
	tl.out = o.f;
	tl.err = e.f;
	tool_getopt_reset();
	while ((c = getopt_long(8, argv, ":", opts, NULL)) != -1) {
		if (c == TOOL_OPT_VERB) {
			assert_string_equal(optarg, "3");
			count++;
		} else if ((ex = tool_other_opt(&tl, c, argv)) != 0)
			break;
	}
	assert_int_equal(count, 1);
	assert_int_equal(ex, SCL_EXIT_USAGE);	/* --bogus */
	assert_true(tl.json);
	assert_string_equal(tl.reader, "Virtual PCD 00 01");
	assert_string_equal(tl.config, "/x.conf");

	tool_getopt_reset();
	c = getopt_long(2, argv2, ":", opts, NULL);
	assert_int_equal(c, ':');
	assert_int_equal(tool_other_opt(&tl, c, argv2), SCL_EXIT_USAGE);

	tool_getopt_reset();
	c = getopt_long(2, argv3, ":", opts, NULL);
	assert_int_equal(tool_other_opt(&tl, c, argv3), -1);
	mem_close(&o);
	mem_close(&e);
	assert_non_null(strstr(e.buf, "unknown option '--bogus'"));
	assert_non_null(strstr(e.buf, "option '--count' needs a value"));
	assert_non_null(strstr(o.buf, "Usage: sclogin watch"));
	free(o.buf);
	free(e.buf);
}

static void
test_help_per_verb(void **state)
{
	static const char *const verbs[] = {
		"readers", "watch", "status", "doctor", "enroll",
		"pin change", "vcard list",
	};
	struct memout o;
	struct tool tl;
	size_t i;
	char want[64], grp[32], *sp;

	memset(&tl, 0, sizeof(tl));
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		tl.verb = verbs[i];
		mem_open(&o);
		tool_help(&tl, o.f);
		mem_close(&o);
		snprintf(grp, sizeof(grp), "%s", verbs[i]);
		if ((sp = strchr(grp, ' ')) != NULL)
			*sp = '\0';
		snprintf(want, sizeof(want), "Usage: sclogin %s", grp);
		assert_non_null(strstr(o.buf, want));
		free(o.buf);
	}
	tl.verb = NULL;
	mem_open(&o);
	tool_help(&tl, o.f);
	mem_close(&o);
	assert_non_null(strstr(o.buf, "Exit codes"));
	free(o.buf);
}

/* ---- certificate facts from the test PKI ---- */

static X509 *
load(const char *name)
{
	char path[4096];
	FILE *f;
	X509 *x;

	snprintf(path, sizeof(path), "%s/%s.cert.pem", pki_dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

/* tool_certinfo of PKI leaf name, now. */
static void
certinfo(const char *name, struct tool_certinfo *ret_ci)
{
	X509 *x = load(name);

	tool_certinfo(x, time(NULL), ret_ci);
	X509_free(x);
}

static void
test_certinfo(void **state)
{
	struct tool_certinfo ci;
	struct memout o;
	struct json j;

	if (pki_dir == NULL)
		skip();
	certinfo("alice", &ci);
	assert_non_null(strstr(ci.subject, "CN=alice"));
	assert_non_null(strstr(ci.issuer, "sclogin Test Root CA"));
	assert_string_equal(ci.key, "RSA 2048");
	assert_non_null(strstr(ci.eku, "smartcardLogon"));
	assert_non_null(strstr(ci.eku, "clientAuth"));
	assert_non_null(strstr(ci.ku, "digitalSignature"));
	assert_string_equal(ci.upn, "alice@example.test");
	assert_string_equal(ci.email, "alice@example.test");
	assert_int_equal(strlen(ci.sha256), 64);
	assert_false(ci.expired);
	assert_false(ci.not_yet_valid);
	mem_open(&o);
	json_init(&j, o.f, 1);
	json_begin_object(&j, NULL);
	tool_certinfo_json(&j, &ci);
	json_end_object(&j);
	json_finish(&j);
	mem_close(&o);
	assert_non_null(strstr(o.buf, "\"upn\":\"alice@example.test\""));
	assert_non_null(strstr(o.buf, "\"expired\":false"));
	free(o.buf);

	certinfo("carol", &ci);
	assert_string_equal(ci.key, "EC P-256");
	certinfo("dave", &ci);
	assert_string_equal(ci.key, "EC P-384");

	certinfo("alice-expired", &ci);
	assert_true(ci.expired);
	mem_open(&o);
	tool_certinfo_print(o.f, "  ", &ci);
	mem_close(&o);
	assert_non_null(strstr(o.buf, "(EXPIRED)"));
	free(o.buf);

	certinfo("alice-noeku", &ci);
	assert_null(strstr(ci.eku, "smartcardLogon"));
	assert_non_null(strstr(ci.eku, "emailProtection"));

	certinfo("alice-nodigsig", &ci);
	assert_string_equal(ci.ku, "keyEncipherment");

	certinfo("shared", &ci);
	assert_string_equal(ci.upn, "");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_algs),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_vcard_names),
		cmocka_unit_test(test_json_nesting),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_fail_output),
		cmocka_unit_test(test_common_opts),
		cmocka_unit_test(test_help_per_verb),
		cmocka_unit_test(test_certinfo),
		cmocka_unit_test(test_admin_key),
	};

	if (argc > 1)
		pki_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
