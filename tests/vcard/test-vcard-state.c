/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto.h"
#include "err.h"
#include "piv.h"
#include "vcard-test.h"

static const char good[] =
    "sclogin-vcard-state 1\n"
    "# comment\n"
    "name My Card  with spaces\n"
    "serial 0000abcd\n"
    "guid 00112233445566778899aabbccddeeff\n"
    "pin pbkdf2-sha256 1000 00112233445566778899aabbccddeeff "
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
    "puk pbkdf2-sha256 1000 00112233445566778899aabbccddeeff "
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
    "pin-tries 2 3\n"
    "puk-tries 3 3\n"
    "defaults 0 1 1\n"
    "admin 3des 000102030405060708090a0b0c0d0e0f101112131415161718191a1b\n"
    "pin-policy min=6,max=8\n"
    "key 9a 07 2 1 1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b\n"
    "object 5fc102 3400\n"
    "end\n";

/* Replace the first line starting with key (or append before end). */
static char *
with_line(const char *key, const char *line)
{
	const char *p = strstr(good, key);
	const char *e;
	char *out = malloc(sizeof(good) + strlen(line) + 2);

	assert_non_null(p);
	e = strchr(p, '\n') + 1;
	memcpy(out, good, (size_t)(p - good));
	strcpy(out + (p - good), line);
	strcat(out, e);
	return out;
}

static void
expect_bad(const char *text, const char *msg)
{
	struct vc_state *s = NULL;
	char err[512] = "";
	int r = vc_state_parse((const uint8_t *)text, strlen(text), &s, err,
	    sizeof(err));

	if (r != SCL_ERR_BAD_STATE)
		fail_msg("accepted or wrong code %d for: %s", r, msg);
	assert_null(s);
	if (strstr(err, msg) == NULL)
		fail_msg("error '%s' does not mention '%s'", err, msg);
}

static void
test_parse_good(void **state)
{
	struct vc_state *s = NULL, *s2 = NULL;
	char err[256], *buf = NULL;
	size_t len;

	(void)state;
	assert_int_equal(vc_state_parse((const uint8_t *)good, strlen(good),
	    &s, err, sizeof(err)), 0);
	assert_string_equal(s->name, "My Card  with spaces");
	assert_int_equal(s->serial, 0xabcd);
	assert_int_equal(s->pin_left, 2);
	assert_int_equal(s->pin.iter, 1000);
	assert_int_equal(s->n_key, 1);
	assert_int_equal(s->key[0].alg, SCL_PIV_ALG_RSA2048);
	assert_int_equal(s->n_obj, 1);
	assert_int_equal(vc_state_format(s, &buf, &len), 0);
	assert_int_equal(vc_state_parse((const uint8_t *)buf, len, &s2, err,
	    sizeof(err)), 0);
	assert_string_equal(s2->name, s->name);
	assert_memory_equal(&s2->pin, &s->pin, sizeof(s->pin));
	free(buf);
	vc_state_free(&s);
	vc_state_free(&s2);
}

static void
test_parse_bad(void **state)
{
	static const struct {
		const char *key, *line, *msg;
	} lines[] = {
		{ "pin-tries", "pin-tries 5 3\n", "pin-tries" },
		{ "pin-tries", "pin-tries 2 16\n", "pin-tries" },
		{ "pin-tries", "pin-tries x 3\n", "pin-tries" },
		{ "serial", "serial abc\n", "serial" },
		{ "guid", "guid 0011\n", "guid" },
		{ "pin ", "pin pbkdf2-sha256 10 00112233445566778899aabbccddeeff "
		    "00112233445566778899aabbccddeeff00112233445566778899aabbccd"
		    "deeff\n", "pin:" },
		{ "pin ", "pin sha1 1000 00 00\n", "pin:" },
		{ "admin", "admin rsa2048 0011\n", "admin" },
		{ "admin", "admin aes128 00zz\n", "admin" },
		{ "key 9a", "key 9b 07 2 1 1 000102030405060708090a0b0c0d0e0f10"
		    "1112131415161718191a1b\n", "slot" },
		{ "key 9a", "key 9a 03 2 1 1 000102030405060708090a0b0c0d0e0f10"
		    "1112131415161718191a1b\n", "algorithm" },
		{ "key 9a", "key 9a 07 9 1 1 000102030405060708090a0b0c0d0e0f10"
		    "1112131415161718191a1b\n", "policy" },
		{ "object", "object 123456 00\n", "object" },
		{ "object", "object 5fc102 0\n", "object" },
		{ "defaults", "defaults 0 2 1\n", "defaults" },
		{ "defaults", "bogus 1\n", "unknown field 'bogus'" },
		{ "name", "name caf\xc3\xa9\n", "non-printable" },
		{ "name", "name 01234567890123456789012345678901234567890123456"
		    "789012345678901234567890\n", "name" },
		{ "pin-policy", "pin-policy a b\n", "pin-policy" },
		{ "pin-policy", "pin-policy min=6,colour=blue\n",
		    "pin-policy: cannot parse" },
	};
	char *t;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		t = with_line(lines[i].key, lines[i].line);
		expect_bad(t, lines[i].msg);
		free(t);
	}
	t = with_line("serial", "");
	expect_bad(t, "missing field 'serial'");
	free(t);
	t = with_line("puk-tries", "pin-tries 1 3\n");
	expect_bad(t, "appears twice");
	free(t);
	t = with_line("object", "key 9a 07 2 1 1 000102030405060708090a0b0c0d0"
	    "e0f101112131415161718191a1b\n");
	expect_bad(t, "slot appears twice");
	free(t);
	t = with_line("end", "");
	expect_bad(t, "truncated");
	free(t);
	t = with_line("end", "end\nname x\n");
	expect_bad(t, "after 'end'");
	free(t);
	expect_bad("", "empty");
	expect_bad("sclogin-vcard-state 2\nend\n", "not a sclogin-vcard");
	expect_bad("sclogin-vcard-state 1\nend", "newline");
	{
		static const char nul[] = "sclogin-vcard-state 1\nname a\0b\n"
		    "end\n";
		struct vc_state *s = NULL;
		char err[256] = "";

		assert_int_equal(vc_state_parse((const uint8_t *)nul,
		    sizeof(nul) - 1, &s, err, sizeof(err)), SCL_ERR_BAD_STATE);
		assert_non_null(strstr(err, "NUL"));
	}
	t = strdup(good);
	t[strlen(t) - 6] = '\r';
	expect_bad(t, "CR");
	free(t);
}

static void
test_load_checks(void **state)
{
	char dir[] = "/tmp/vcard-state.XXXXXX", path[64], err[512];
	struct vc_state *s = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	f = fopen(path, "w");
	fputs(good, f);
	fclose(f);
	chmod(path, 0644);
	assert_int_equal(vc_state_load(path, &s, err, sizeof(err)),
	    SCL_ERR_BAD_STATE);
	assert_non_null(strstr(err, "chmod 600"));
	chmod(path, 0600);
	assert_int_equal(vc_state_load(path, &s, err, sizeof(err)), 0);
	vc_state_free(&s);
	unlink(path);
	assert_int_equal(vc_state_load(path, &s, err, sizeof(err)),
	    SCL_ERR_SYSTEM);
	assert_non_null(strstr(err, "cannot open"));
	rmdir(dir);
}

static void
test_seal(void **state)
{
	uint8_t k[VC_SEAL_KEY_LEN] = { 1 }, k2[VC_SEAL_KEY_LEN] = { 2 }, *b = NULL,
	    *pt = NULL;
	size_t blen, plen;
	struct vt t;
	struct vc_state *s = NULL;
	struct vc_applet *a = NULL;
	struct vc_init_opts o = { .hash_iter = VC_HASH_ITER_MIN, .kdf = { 10, 8, 1 } };
	char err[640];

	(void)state;
	assert_int_equal(vc_seal(k, 7, "key 9a", (const uint8_t *)"secret", 6,
	    &b, &blen), 0);
	assert_int_equal(blen, 6 + VC_SEAL_OVERHEAD);
	assert_null(memmem(b, blen, "secret", 6));
	assert_int_equal(vc_unseal(k, 7, "key 9a", b, blen, &pt, &plen), 0);
	assert_memory_equal(pt, "secret", 6);
	free(pt);
	assert_int_equal(vc_unseal(k2, 7, "key 9a", b, blen, &pt, &plen),
	    SCL_ERR_BAD_STATE);
	assert_int_equal(vc_unseal(k, 8, "key 9a", b, blen, &pt, &plen),
	    SCL_ERR_BAD_STATE);
	assert_int_equal(vc_unseal(k, 7, "key 9c", b, blen, &pt, &plen),
	    SCL_ERR_BAD_STATE);
	b[13] ^= 1;
	assert_int_equal(vc_unseal(k, 7, "key 9a", b, blen, &pt, &plen),
	    SCL_ERR_BAD_STATE);
	free(b);

	/* a card opened with another seal key is refused with a reason */
	assert_int_equal(vt_open(&t, &o, 1), 0);
	assert_int_equal(vc_state_load(t.path, &s, err, sizeof(err)), 0);
	assert_int_equal(vc_applet_new(s, NULL, k2, &a, err, sizeof(err)),
	    SCL_ERR_BAD_STATE);
	assert_non_null(strstr(err, "seal key"));
	vt_close(&t);

	/* PIN hashes: no clear PIN in the state file */
	{
		uint8_t ref[8];
		struct vc_hash h;

		assert_int_equal(vc_ref_from_string("123456", ref), 0);
		assert_int_equal(vc_hash_set(&h, ref, VC_HASH_ITER_MIN), 0);
		assert_int_equal(vc_hash_check(&h, ref), 1);
		ref[0] = '2';
		assert_int_equal(vc_hash_check(&h, ref), 0);
		assert_int_equal(vc_ref_from_string("123456789", ref),
		    SCL_ERR_PIN_FORMAT);
	}
}

static void
test_seal_key_file(void **state)
{
	char dir[] = "/tmp/vcard-seal.XXXXXX", path[96], err[512];
	uint8_t k[VC_SEAL_KEY_LEN], k2[VC_SEAL_KEY_LEN];
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/seal.key", dir);
	assert_int_equal(vc_seal_key_load(path, 0, k, err, sizeof(err)),
	    SCL_ERR_SYSTEM);
	assert_int_equal(vc_seal_key_load(path, 1, k, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(vc_seal_key_load(path, 0, k2, err, sizeof(err)), 0);
	assert_memory_equal(k, k2, sizeof(k));
	chmod(path, 0640);
	assert_int_equal(vc_seal_key_load(path, 0, k2, err, sizeof(err)),
	    SCL_ERR_BAD_STATE);
	assert_non_null(strstr(err, "chmod 600"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_load_checks),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_seal_key_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
