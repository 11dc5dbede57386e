/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The attacks on a virtual card's state that a TPM card defeats, each on a
 * real swtpm of the test's own: a copied state on another TPM, a rolled
 * back state after wrong PINs, N wrong PINs, the key used without the PIN
 * straight through the TPM, and the TPM dying in the middle of a sign-in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto.h"
#include "err.h"
#include "piv.h"
#include "tlv.h"
#include "vcard-test.h"

static struct vt_swtpm swtpm;
static struct vc_init_opts fast = { .hash_iter = VC_HASH_ITER_MIN, .kdf = { 10, 8, 1 } };

#define setup vt_setup
#define teardown vt_teardown

/* Generate an ECC P-256 key in slot 9a (management key first). */
static void
gen_9a(struct vt *t)
{
	uint8_t d[5] = { 0xac, 3, 0x80, 1, SCL_PIV_ALG_ECC256 };

	assert_int_equal(vt_mgmt_auth(t, SCL_PIV_ALG_3DES, vt_default_admin),
	    0x9000);
	assert_int_equal(vt_xfer(t, 0x47, 0, 0x9a, d, sizeof(d)), 0x9000);
}

static uint16_t
sign_9a(struct vt *t)
{
	uint8_t d[6 + 32] = { 0x7c, 36, 0x82, 0x00, 0x81, 32 };

	memset(d + 6, 0x5a, 32);
	return vt_xfer(t, 0x87, SCL_PIV_ALG_ECC256, 0x9a, d, sizeof(d));
}

static void
copy_file(const char *from, const char *to)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp -p '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

static void
test_copy_on_other_tpm_signs_nothing(void **state)
{
	struct vt *t = *state;
	struct vt_swtpm other = { 0 };
	struct vc_tpm *tpm2 = NULL;
	struct vc_state *s = NULL;
	struct vc_applet *a = NULL;
	char err[640];

	gen_9a(t);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	assert_int_equal(sign_9a(t), 0x9000);
	/* the state and the seal key, copied to a machine with another TPM */
	assert_int_equal(vt_swtpm_start(&other), 0);
	assert_int_equal(vc_tpm_open(other.tcti, &tpm2, err, sizeof(err)), 0);
	assert_int_equal(vc_state_load(t->path, &s, err, sizeof(err)), 0);
	assert_int_not_equal(vc_applet_new_tpm(s, NULL, t->seal, tpm2, &a, err,
	    sizeof(err)), 0);
	assert_non_null(strstr(err, "another TPM"));
	assert_null(a);
	/* and without any TPM the card says what it needs */
	assert_int_equal(vc_state_load(t->path, &s, err, sizeof(err)), 0);
	assert_int_equal(vc_applet_new_tpm(s, NULL, t->seal, NULL, &a, err,
	    sizeof(err)), SCL_ERR_NOT_SUPPORTED);
	assert_non_null(strstr(err, "TPM"));
	vc_tpm_free(&tpm2);
	vt_swtpm_remove(&other);
}

static void
test_rollback_keeps_tpm_count(void **state)
{
	struct vt *t = *state;
	char backup[128];

	snprintf(backup, sizeof(backup), "%s.bak", t->path);
	copy_file(t->path, backup);
	assert_int_equal(vt_verify(t, "999999"), 0x63c2);
	assert_int_equal(vt_verify(t, "999998"), 0x63c1);
	/* the attacker restores the older state (3 tries in its file) */
	copy_file(backup, t->path);
	assert_int_equal(vt_reload(t), 0);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x63c1);
	assert_int_equal(vt_verify(t, "999997"), 0x6983);
	copy_file(backup, t->path);
	assert_int_equal(vt_reload(t), 0);
	assert_int_equal(vt_verify(t, "123456"), 0x6983);
	unlink(backup);
}

static void
test_n_wrong_pins_block(void **state)
{
	struct vt *t = *state;
	struct vc_init_opts five = fast;
	const struct vc_state *s;
	uint8_t ref[8];
	unsigned left = 9;

	vt_close(t);
	five.pin_tries = 5;
	assert_int_equal(vt_open(t, &five, 1), 0);
	for (int i = 4; i >= 1; i--)
		assert_int_equal(vt_verify(t, "000000"), 0x63c0 | i);
	assert_int_equal(vt_verify(t, "000000"), 0x6983);
	assert_int_equal(vt_verify(t, "123456"), 0x6983);
	/* blocked in the TPM itself, whatever the daemon or its file say */
	s = vc_applet_state(t->a);
	assert_int_equal(vc_ref_from_string("123456", ref), 0);
	assert_int_equal(vc_tpm_pin_check(vt_tpm, s->tpm_pin_nv, ref, &left),
	    SCL_ERR_PIN_BLOCKED);
	assert_int_equal(left, 0);
	/* the PUK unblocks as on any PIV card */
	memcpy(ref, "12345678", 8);
	{
		uint8_t d[16];

		memcpy(d, ref, 8);
		memcpy(d + 8, "654321\xff\xff", 8);
		assert_int_equal(vt_apdu(t, 0, 0x2c, 0, 0x80, d, 16, -1, 0),
		    0x9000);
	}
	assert_int_equal(vt_verify(t, "654321"), 0x9000);
}

static void
test_key_refuses_without_pin(void **state)
{
	struct vt *t = *state;
	const struct vc_state *s = vc_applet_state(t->a);
	const struct vc_key *k;
	uint8_t *blob = NULL, ref[8], in[32], out[256];
	size_t len = 0, olen;
	unsigned left, max;

	gen_9a(t);
	k = &s->key[0];
	/* the attacker has the state, the seal key and this TPM, no PIN */
	assert_int_equal(vc_personalize_open_tpm_key(s, t->seal, k, &blob,
	    &len), 0);
	memset(in, 1, sizeof(in));
	assert_int_equal(vc_ref_from_string("000000", ref), 0);
	assert_int_equal(vc_tpm_key_op(vt_tpm, blob, len, s->tpm_pin_nv, ref,
	    in, sizeof(in), out, sizeof(out), &olen), SCL_ERR_SECURITY_STATUS);
	/* and that guess was counted by the TPM */
	assert_int_equal(vc_tpm_pin_tries(vt_tpm, s->tpm_pin_nv, &left, &max),
	    0);
	assert_int_equal(left, max - 1);
	/* nor does a key bound to no PIN index help: the policy is fixed */
	assert_int_not_equal(vc_tpm_key_op(vt_tpm, blob, len, 0, NULL, in,
	    sizeof(in), out, sizeof(out), &olen), 0);
	assert_int_equal(vc_ref_from_string("123456", ref), 0);
	assert_int_equal(vc_tpm_key_op(vt_tpm, blob, len, s->tpm_pin_nv, ref,
	    in, sizeof(in), out, sizeof(out), &olen), 0);
	free(blob);
}

static void
test_tpm_killed_mid_sign_in(void **state)
{
	struct vt *t = *state;
	const char *e;

	gen_9a(t);
	assert_int_equal(vt_verify(t, "123456"), 0x9000);
	vt_swtpm_stop(&swtpm);
	assert_int_equal(sign_9a(t), 0x6f00);
	assert_non_null(e = vc_applet_error(t->a));
	assert_non_null(strstr(e, "the TPM did not answer"));
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x6f00);
	assert_int_equal(vt_swtpm_start(&swtpm), 0);
	/* nothing lost: same keys, same tries, the verified PIN still holds */
	assert_int_equal(sign_9a(t), 0x9000);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x9000);
	assert_int_equal(vt_reload(t), 0);
	assert_int_equal(vt_apdu(t, 0, 0x20, 0, 0x80, NULL, 0, -1, 0), 0x63c3);
}

static void
test_state_line(void **state)
{
	static const char *bad[] = {
		"tpm 01736c00\n", "tpm 01736c00 01736c00\n",
		"tpm 81000001 01736c01\n", "tpm 1736c00 01736c01\n",
	};
	struct vt *t = *state;
	char *buf = NULL, *p, err[512];
	size_t len;
	struct vc_state *s = NULL;

	assert_int_equal(vc_state_format(vc_applet_state(t->a), &buf, &len),
	    0);
	assert_non_null(strstr(buf, "\ntpm 01736c"));
	assert_null(strstr(buf, "\npin pbkdf2"));
	assert_int_equal(vc_state_parse((uint8_t *)buf, len, &s, err,
	    sizeof(err)), 0);
	vc_state_free(&s);
	p = strstr(buf, "\ntpm ") + 1;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *img = NULL;

		assert_true(asprintf(&img, "%.*s%s%s", (int)(p - buf), buf,
		    bad[i], strchr(p, '\n') + 1) > 0);
		assert_int_equal(vc_state_parse((uint8_t *)img, strlen(img), &s,
		    err, sizeof(err)), SCL_ERR_BAD_STATE);
		assert_non_null(strstr(err, "tpm"));
		free(img);
	}
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_copy_on_other_tpm_signs_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_keeps_tpm_count,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_n_wrong_pins_block, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_key_refuses_without_pin,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_tpm_killed_mid_sign_in,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_line, setup,
		    teardown),
	};
	char err[512] = "";
	int r;

	setenv("TSS2_LOG", "all+none", 0);
	if (vt_swtpm_start(&swtpm) != 0 ||
	    vc_tpm_open(swtpm.tcti, &vt_tpm, err, sizeof(err)) != 0) {
		fprintf(stderr, "cannot start a swtpm: %s\n", err);
		vt_swtpm_remove(&swtpm);
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	vc_tpm_free(&vt_tpm);
	vt_swtpm_remove(&swtpm);
	return r;
}
