/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * End-to-end: pam_sclogin's PKCS#11 backend (backends = pkcs11) in a real
 * PAM stack (pam_wrapper + libpamtest, nss_wrapper users) on SoftHSM2
 * tokens carrying keys and certificates of the test PKI, one fresh token
 * directory and SOFTHSM2_CONF per case, the modules run by
 * sclogin-p11-helper.  Misbehaving modules come from fake-p11.so, a shim
 * over SoftHSM2 (tests/p11/fake-p11.c): hang and crash in C_Login,
 * contradictory and locked flags, a signature that is not one.
 *
 *   e2e-p11 MODULE PKI_DIR HELPER FAKE_MODULE SCLOGIN [--rig]
 *
 * With --rig (root: namespaces), the PC/SC cases instead: OpenSC's
 * opensc-pkcs11.so over a virtual PIV card (sclogin-vcard) in the rig's
 * private pcscd, alone (backends = pkcs11) and behind the native path
 * (backends = piv, pkcs11: the card is offered once, by PIV).  With
 * --rig-gids the card presents the GIDS application instead
 * (sclogin-vcard --applet gids) and OpenSC's GIDS driver carries it.
 *
 * Under `meson test --setup valgrind` (SCL_TEST_WRAPPER set) only one
 * case per kind runs: sign-in, wrong PIN, hang, crash (each spawns
 * modules under valgrind, which is slow).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpamtest.h>
#include <security/pam_appl.h>

#include "e2e-util.h"
#include "rig.h"

#define SOFTHSM "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"
#define OPENSC "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
#define PAM_ENV "/lib/x86_64-linux-gnu/security/pam_env.so"

static const char *module, *pki, *helper, *fake, *sclogin;
static char dir[PATH_MAX], conf[PATH_MAX + 32], svcdir[PATH_MAX + 32];
static char logpath[PATH_MAX + 32];
static char test_module[PATH_MAX + 64];	/* tests/pam: recorder as monitor */
static unsigned seq;
static struct rig *rig;
static const char *vcard;
static const char *card_extra;	/* --rig-gids: "--applet gids" */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * A fresh SoftHSM2 token "leaf" (user PIN 123456) with the PKI leaf's
 * private key, public key and certificate under CKA_ID 01, in its own
 * token directory; SOFTHSM2_CONF points at it from now on.
 */
static void
token(const char *leaf)
{
	char t[PATH_MAX + 64], c[PATH_MAX + 96];

	snprintf(t, sizeof(t), "%s/token-%u", dir, ++seq);
	snprintf(c, sizeof(c), "%s/db", t);
	if (mkdir(t, 0700) < 0 || mkdir(c, 0700) < 0)
		fail_msg("cannot create %s", t);
	snprintf(c, sizeof(c), "%s/softhsm2.conf", t);
	e2e_write_file(c, "directories.tokendir = %s/db\n"
	    "objectstore.backend = file\nlog.level = ERROR\n", t);
	setenv("SOFTHSM2_CONF", c, 1);
	if (e2e_sh("cd '%s' && softhsm2-util --init-token --free --label '%s' "
	    "--pin 123456 --so-pin 12345678 >/dev/null && "
	    "openssl pkcs8 -topk8 -nocrypt -in '%s/%s.key.pem' -outform DER "
	    "-out key.der && openssl pkey -in '%s/%s.key.pem' -pubout "
	    "-outform DER -out pub.der && "
	    "for o in 'key.der privkey' 'pub.der pubkey' "
	    "'%s/%s.cert.der cert'; do set -- $o; "
	    "pkcs11-tool --module " SOFTHSM " --token-label '%s' --login "
	    "--pin 123456 --write-object $1 --type $2 --id 01 --label '%s' "
	    ">/dev/null 2>&1 || exit 1; done", t, leaf, pki, leaf, pki, leaf,
	    pki, leaf, leaf, leaf) < 0)
		fail_msg("cannot make a SoftHSM2 token for %s", leaf);
}

static void
fake_mode(const char *mode)
{
	setenv("SCL_FAKE_P11_MODE", mode, 1);
}

static int
teardown(void **state)
{
	(void)state;
	unsetenv("SCL_FAKE_P11_MODE");
	return 0;
}

static int
run_op(const char *service, const char *user, struct e2e_conv *cv,
    enum pamtest_ops op, int want, char *ret_user, size_t user_len)
{
	struct pam_testcase tc[2] = {
		pam_test(op, want),
		pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
	};
	const void *item = NULL;
	enum pamtest_err e;
	uint64_t t0 = now_ms();

	e = _pamtest_conv(service, user, e2e_conv_fn, cv, tc,
	    ret_user != NULL ? 2 : 1, NULL);
	fprintf(stderr, "%s user=%s: rv=%d (%s) in %llu ms\n%s", service,
	    user != NULL ? user : "(none)", tc[0].op_rv,
	    pam_strerror(NULL, tc[0].op_rv),
	    (unsigned long long)(now_ms() - t0), cv->transcript);
	if (ret_user != NULL && tc[1].case_out.ph != NULL) {
		if (pam_get_item(tc[1].case_out.ph, PAM_USER, &item) ==
		    PAM_SUCCESS && item != NULL)
			snprintf(ret_user, user_len, "%s", (const char *)item);
		pam_end(tc[1].case_out.ph, tc[0].op_rv);
	}
	if (e != PAMTEST_ERR_OK)
		fail_msg("%s: want %s (%d), got %s (%d)", service,
		    pam_strerror(NULL, want), want,
		    pam_strerror(NULL, tc[0].op_rv), tc[0].op_rv);
	return tc[0].op_rv;
}

static void
auth(const char *service, const char *user, struct e2e_conv *cv, int want)
{
	run_op(service, user, cv, PAMTEST_AUTHENTICATE, want, NULL, 0);
}

/* auth that must fail with want before any PIN prompt, logging reason. */
static void
refused(const char *service, int want, const char *reason)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	long mark = e2e_log_mark(logpath);

	auth(service, "alice", &cv, want);
	if (cv.pin_prompts != 0)
		fail_msg("a PIN was asked for a token that cannot sign in");
	e2e_expect_log(logpath, mark, reason);
}

/* ---- SoftHSM2 ---- */

static void
test_signin(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	long mark = e2e_log_mark(logpath);

	(void)state;
	token("alice");
	auth("p11", "alice", &cv, PAM_SUCCESS);
	assert_int_equal(cv.pin_prompts, 1);
	e2e_expect_log(logpath, mark, "result=ok");
}

static void
test_ecc(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };

	(void)state;
	token("carol");
	auth("p11", "carol", &cv, PAM_SUCCESS);
}

static void
test_wrong_pin(void **state)
{
	struct e2e_conv bad = { .pins = { "654321" } };
	struct e2e_conv ok = { .pins = { "123456" } };

	(void)state;
	token("alice");
	auth("p11", "alice", &bad, PAM_AUTH_ERR);
	e2e_expect_text(&bad, "Wrong PIN");
	auth("p11", "alice", &ok, PAM_SUCCESS);
}

static void
test_card_only(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	char user[64] = "";

	(void)state;
	token("alice");
	run_op("p11", NULL, &cv, PAMTEST_AUTHENTICATE, PAM_SUCCESS, user,
	    sizeof(user));
	assert_string_equal(user, "alice");
}

static void
test_change_pin(void **state)
{
	struct e2e_conv ok = { .pins = { "123456", "24681357", "24681357" } };
	struct e2e_conv old = { .pins = { "123456" } };
	struct e2e_conv neu = { .pins = { "24681357" } };

	(void)state;
	token("alice");
	run_op("p11", "alice", &ok, PAMTEST_CHAUTHTOK, PAM_SUCCESS, NULL, 0);
	e2e_expect_text(&ok, "was changed");
	auth("p11", "alice", &old, PAM_AUTH_ERR);
	auth("p11", "alice", &neu, PAM_SUCCESS);
}

static void
test_doctor(void **state)
{
	(void)state;
	token("alice");
	if (e2e_sh("%s '%s' doctor --config '%s' --service p11 --user alice "
	    "> '%s/doctor.out' 2>&1", getenv("SCL_TEST_WRAPPER") != NULL ?
	    getenv("SCL_TEST_WRAPPER") : "", sclogin, conf, dir) < 0 ||
	    e2e_sh("grep -q 'APPLET .*PKCS#11 token opened' '%s/doctor.out' && "
	    "grep -q 'CERT_READ .*id 01: CN=alice' '%s/doctor.out'", dir,
	    dir) < 0)
		fail_msg("doctor did not pass on the SoftHSM2 token");
}

/* A module group/other may write is not loaded. */
static void
test_unsafe_module(void **state)
{
	char copy[PATH_MAX + 32];

	(void)state;
	token("alice");
	snprintf(copy, sizeof(copy), "%s/unsafe.so", dir);
	if (e2e_sh("cp " SOFTHSM " '%s' && chmod 0666 '%s'", copy, copy) < 0)
		fail_msg("cannot copy the module");
	refused("p11-unsafe", PAM_SERVICE_ERR, "reason=CONFIG");
}

/* ---- misbehaving modules (fake-p11.so over SoftHSM2) ---- */

static void
test_hang(void **state)
{
	uint64_t t0;

	(void)state;
	token("alice");
	fake_mode("hang-login");
	t0 = now_ms();
	{
		struct e2e_conv cv = { .pins = { "123456" } };
		long mark = e2e_log_mark(logpath);

		auth("p11-fake", "alice", &cv, PAM_AUTHINFO_UNAVAIL);
		/* the scan worked: it hung at C_Login, after the prompt */
		assert_int_equal(cv.pin_prompts, 1);
		e2e_expect_log(logpath, mark, "reason=CARD_NO_ANSWER");
	}
	/* card_timeout_ms for p11-fake, plus valgrind's slowness */
	if (now_ms() - t0 > 60000)
		fail_msg("a hanging module held the sign-in %llu ms",
		    (unsigned long long)(now_ms() - t0));
}

static void
test_crash(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	long mark = e2e_log_mark(logpath);

	(void)state;
	token("alice");
	fake_mode("crash-login");
	auth("p11-fake", "alice", &cv, PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(cv.pin_prompts, 1);
	e2e_expect_log(logpath, mark, "reason=MODULE");
}

static void
test_bad_flags(void **state)
{
	(void)state;
	token("alice");
	fake_mode("bad-flags");
	refused("p11-fake", PAM_AUTHINFO_UNAVAIL, "reason=MODULE");
}

static void
test_blocked(void **state)
{
	(void)state;
	token("alice");
	fake_mode("locked");
	refused("p11-fake", PAM_MAXTRIES, "reason=PIN_BLOCKED");
}

/* FINAL_TRY is the last try: never spent silently (last_try = refuse). */
static void
test_final_try(void **state)
{
	(void)state;
	token("alice");
	fake_mode("final-try");
	refused("p11-fake", PAM_AUTH_ERR, "reason=PIN_LAST_TRY");
}

/* A PIN pad token: no PIN prompt, the user is told to use the pad. */
static void
test_pin_pad(void **state)
{
	struct e2e_conv cv = { .pins = { "999999" } };

	(void)state;
	token("alice");
	fake_mode("pinpad");
	setenv("SCL_FAKE_P11_PAD_PIN", "123456", 1);
	auth("p11-fake", "alice", &cv, PAM_SUCCESS);
	unsetenv("SCL_FAKE_P11_PAD_PIN");
	assert_int_equal(cv.pin_prompts, 0);
	e2e_expect_text(&cv, "PIN pad");
}

/*
 * PIN change on a PIN pad token: no PIN is asked or sent (the fake module
 * refuses any PIN passed to it), the pad changes it, the new one signs in.
 */
static void
test_pin_pad_change(void **state)
{
	struct e2e_conv ch = { .pins = { "999999" } };
	struct e2e_conv cv = { .pins = { "999999" } };
	long mark = e2e_log_mark(logpath);

	(void)state;
	token("alice");
	fake_mode("pinpad");
	setenv("SCL_FAKE_P11_PAD_PIN", "123456", 1);
	setenv("SCL_FAKE_P11_PAD_NEW_PIN", "24681357", 1);
	run_op("p11-fake", "alice", &ch, PAMTEST_CHAUTHTOK, PAM_SUCCESS, NULL,
	    0);
	assert_int_equal(ch.pin_prompts, 0);
	e2e_expect_text(&ch, "PIN pad");
	e2e_expect_text(&ch, "was changed");
	e2e_expect_log(logpath, mark, "chauthtok: result=ok");
	/* the pad now types the new PIN: the old one is gone */
	auth("p11-fake", "alice", &cv, PAM_AUTH_ERR);
	setenv("SCL_FAKE_P11_PAD_PIN", "24681357", 1);
	auth("p11-fake", "alice", &cv, PAM_SUCCESS);
	assert_int_equal(cv.pin_prompts, 0);
	unsetenv("SCL_FAKE_P11_PAD_PIN");
	unsetenv("SCL_FAKE_P11_PAD_NEW_PIN");
}

/*
 * wait_for_card with a token pcscd never sees: it comes 1 s after the
 * wait began, reported by the module's C_WaitForSlotEvent or, for a
 * module without it, by the changed token list.
 */
static void
test_wait_for_token(void **state)
{
	static const char *const how[] = { "events", "no events" };
	char file[PATH_MAX + 64];
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct e2e_conv cv = { .pins = { "123456" } };

		token("alice");
		fake_mode("late-token");
		snprintf(file, sizeof(file), "%s/inserted-%zu", dir, i);
		unlink(file);
		setenv("SCL_FAKE_P11_TOKEN_FILE", file, 1);
		if (i == 1)
			setenv("SCL_FAKE_P11_NO_EVENTS", "1", 1);
		if (e2e_sh("(sleep 1; touch '%s') &", file) < 0)
			fail_msg("cannot start the inserter");
		fprintf(stderr, "# token arrives, %s\n", how[i]);
		auth("p11-fake-wait", "alice", &cv, PAM_SUCCESS);
		e2e_expect_text(&cv, "Insert your smart card");
		assert_int_equal(cv.pin_prompts, 1);
		unsetenv("SCL_FAKE_P11_NO_EVENTS");
		unsetenv("SCL_FAKE_P11_TOKEN_FILE");
	}
}

/*
 * Session after a sign-in with a SoftHSM2 token and removal_action=lock:
 * the removal monitor (the recorder of pam_sclogin_test.so, tests/pam) is
 * started with --backend pkcs11, the token's slot and serial, and this
 * service's modules and helper.
 */
static void
test_removal_monitor(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	};
	char args[PATH_MAX + 64], want[PATH_MAX * 2 + 128], buf[4096] = "";
	const char *root = getenv("SCL_BUILD_ROOT");
	uint64_t deadline;
	FILE *f = NULL;

	(void)state;
	snprintf(args, sizeof(args), "%s/tests/pam/removal-monitor.args",
	    root != NULL ? root : ".");
	if (root == NULL || access(test_module, R_OK) != 0)
		skip();
	unlink(args);
	token("alice");
	assert_int_equal(_pamtest_conv("p11-removal", "alice", e2e_conv_fn,
	    &cv, tc, 2, NULL), PAMTEST_ERR_OK);
	deadline = now_ms() + 5000;
	while (now_ms() < deadline && (f = fopen(args, "r")) == NULL)
		usleep(20 * 1000);
	assert_non_null(f);
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	unlink(args);
	fprintf(stderr, "removal monitor argv:\n%s", buf);
	snprintf(want, sizeof(want), "\n--action\nlock\n--session\nc42\n"
	    "--debounce-ms\n500\n--backend\npkcs11\n--pkcs11-helper\n%s\n"
	    "--pkcs11-modules\n" SOFTHSM "\n", helper);
	if (strncmp(buf, "--reader\nSoftHSM slot ID 0x", 27) != 0 ||
	    strstr(buf, want) == NULL)
		fail_msg("unexpected arguments:\n%s", buf);
}

static void
test_bad_signature(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	long mark = e2e_log_mark(logpath);

	(void)state;
	token("alice");
	fake_mode("bad-sign");
	auth("p11-fake", "alice", &cv, PAM_AUTH_ERR);
	e2e_expect_log(logpath, mark, "reason=SIG_INVALID");
}

/* ---- OpenSC over the virtual PIV card (--rig) ---- */

static void
insert_card(const char *leaf)
{
	if (rig_card_insert(rig, 0, e2e_make_card(vcard, rig_seal_key(rig),
	    dir, pki, leaf, card_extra)) != 0)
		fail_msg("cannot insert a %s card", leaf);
}

static int
teardown_card(void **state)
{
	(void)state;
	(void)rig_card_remove(rig, 0);
	return 0;
}

static void
test_opensc_signin(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	long mark = e2e_log_mark(logpath);

	(void)state;
	insert_card("alice");
	auth("p11-opensc", "alice", &cv, PAM_SUCCESS);
	assert_int_equal(cv.pin_prompts, 1);
	e2e_expect_log(logpath, mark, "PKCS#11 token opened");
}

static void
test_opensc_wrong_pin(void **state)
{
	struct e2e_conv bad = { .pins = { "654321" } };
	struct e2e_conv ok = { .pins = { "123456" } };

	(void)state;
	insert_card("alice");
	auth("p11-opensc", "alice", &bad, PAM_AUTH_ERR);
	e2e_expect_text(&bad, "Wrong PIN");
	auth("p11-opensc", "alice", &ok, PAM_SUCCESS);
}

/* PIV first: the same card through OpenSC is not offered a second time. */
static void
test_piv_then_opensc(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	long mark = e2e_log_mark(logpath);

	(void)state;
	insert_card("alice");
	auth("p11-both", "alice", &cv, PAM_SUCCESS);
	assert_int_equal(cv.pin_prompts, 1);
	if (strstr(cv.transcript, "Which") != NULL ||
	    strstr(cv.transcript, "choose") != NULL)
		fail_msg("the card was offered twice");
	e2e_expect_log(logpath, mark, "PIV application selected");
	e2e_expect_log(logpath, mark, "skipped");
}

/* ---- OpenSC's GIDS driver over the virtual GIDS card (--rig-gids) ---- */

static void
test_gids_signin(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	long mark = e2e_log_mark(logpath);

	(void)state;
	insert_card("alice");
	auth("p11-opensc", "alice", &cv, PAM_SUCCESS);
	assert_int_equal(cv.pin_prompts, 1);
	e2e_expect_log(logpath, mark, "PKCS#11 token opened");
	e2e_expect_log(logpath, mark, "GIDS");
}

/* backends = piv, pkcs11: no PIV application natively, GIDS via OpenSC. */
static void
test_gids_behind_piv(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	long mark = e2e_log_mark(logpath);

	(void)state;
	insert_card("alice");
	auth("p11-both", "alice", &cv, PAM_SUCCESS);
	assert_int_equal(cv.pin_prompts, 1);
	e2e_expect_log(logpath, mark, "PKCS#11 token opened");
}

/*
 * A wrong PIN is refused and counted by the card; the tries the GIDS PIN
 * status DO reports reach PAM: with one try left (CKF_USER_PIN_FINAL_TRY)
 * the sign-in is refused before a PIN prompt (last_try = refuse).
 */
static void
test_gids_wrong_pin(void **state)
{
	struct e2e_conv bad = { .pins = { "654321" } };
	struct e2e_conv bad2 = { .pins = { "654321" } };
	long mark = e2e_log_mark(logpath);

	(void)state;
	insert_card("alice");
	auth("p11-opensc", "alice", &bad, PAM_AUTH_ERR);
	e2e_expect_text(&bad, "Wrong PIN");
	e2e_expect_log(logpath, mark, "reason=PIN_WRONG");
	auth("p11-opensc", "alice", &bad2, PAM_AUTH_ERR);
	refused("p11-opensc", PAM_AUTH_ERR, "reason=PIN_LAST_TRY");
}

static void
write_config(void)
{
	char envconf[PATH_MAX + 64];

	e2e_write_file(conf,
	    "[global]\n"
	    "ca_file = %s/ca.pem\n"
	    "mapping = cn\n"
	    "crl = off\n"
	    "ocsp = off\n"
	    "state_dir = %s/state\n"
	    "last_try = refuse\n"
	    "card_timeout_ms = 30000\n"
	    /* the deadlines (issue 12) above the per-call bound, so the
	     * hang case ends at card_timeout_ms: e2e-pam-deadline tests them */
	    "scan_timeout_ms = 60000\n"
	    "auth_timeout_ms = 60000\n"
	    "debug = yes\n"
	    "backends = pkcs11\n"
	    "pkcs11_modules = " SOFTHSM "\n"
	    "pkcs11_helper = %s\n"
	    "[service p11-fake]\n"
	    "pkcs11_modules = %s\n"
	    "card_timeout_ms = %u\n"
	    "[service p11-unsafe]\n"
	    "pkcs11_modules = %s/unsafe.so\n"
	    "[service p11-opensc]\n"
	    "pkcs11_modules = " OPENSC "\n"
	    "[service p11-both]\n"
	    "backends = piv, pkcs11\n"
	    "pkcs11_modules = " OPENSC "\n", pki, dir, helper, fake,
	    /* the helper under valgrind needs seconds to start */
	    getenv("SCL_TEST_WRAPPER") != NULL ? 15000u : 1500u, dir);
	e2e_write_service(svcdir, "p11",
	    "auth required %s config=%s\n"
	    "account required /lib/x86_64-linux-gnu/security/pam_permit.so\n"
	    "password required %s config=%s\n", module, conf, module, conf);
	e2e_write_service(svcdir, "p11-fake", "auth required %s config=%s\n"
	    "password required %s config=%s\n", module, conf, module, conf);
	e2e_write_service(svcdir, "p11-fake-wait", "auth required %s "
	    "config=%s pkcs11_modules=%s card_timeout_ms=%u wait_for_card=%u\n",
	    module, conf, fake, getenv("SCL_TEST_WRAPPER") != NULL ? 15000u :
	    1500u, getenv("SCL_TEST_WRAPPER") != NULL ? 60u : 8u);
	e2e_write_service(svcdir, "p11-unsafe",
	    "auth required %s config=%s\n", module, conf);
	snprintf(envconf, sizeof(envconf), "%s/env.conf", dir);
	e2e_write_file(envconf, "XDG_SESSION_ID DEFAULT=c42\n");
	e2e_write_service(svcdir, "p11-removal",
	    "auth required %s config=%s\n"
	    "session required " PAM_ENV " conffile=%s readenv=0\n"
	    "session required %s config=%s removal_action=lock "
	    "removal_debounce_ms=500\n", test_module, conf, envconf,
	    test_module, conf);
	e2e_write_service(svcdir, "p11-opensc",
	    "auth required %s config=%s\n", module, conf);
	e2e_write_service(svcdir, "p11-both",
	    "auth required %s config=%s\n", module, conf);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest all[] = {
		cmocka_unit_test_teardown(test_signin, teardown),
		cmocka_unit_test_teardown(test_wrong_pin, teardown),
		cmocka_unit_test_teardown(test_hang, teardown),
		cmocka_unit_test_teardown(test_crash, teardown),
		/* the rest: not under valgrind (one case per kind above) */
		cmocka_unit_test_teardown(test_ecc, teardown),
		cmocka_unit_test_teardown(test_card_only, teardown),
		cmocka_unit_test_teardown(test_change_pin, teardown),
		cmocka_unit_test_teardown(test_doctor, teardown),
		cmocka_unit_test_teardown(test_unsafe_module, teardown),
		cmocka_unit_test_teardown(test_bad_flags, teardown),
		cmocka_unit_test_teardown(test_blocked, teardown),
		cmocka_unit_test_teardown(test_final_try, teardown),
		cmocka_unit_test_teardown(test_bad_signature, teardown),
		cmocka_unit_test_teardown(test_pin_pad, teardown),
		cmocka_unit_test_teardown(test_pin_pad_change, teardown),
		cmocka_unit_test_teardown(test_wait_for_token, teardown),
		cmocka_unit_test_teardown(test_removal_monitor, teardown),
	};
	const struct CMUnitTest pcsc[] = {
		cmocka_unit_test_teardown(test_opensc_signin, teardown_card),
		/* not under valgrind (one case per kind) */
		cmocka_unit_test_teardown(test_piv_then_opensc, teardown_card),
		cmocka_unit_test_teardown(test_opensc_wrong_pin, teardown_card),
	};
	const struct CMUnitTest gids[] = {
		cmocka_unit_test_teardown(test_gids_signin, teardown_card),
		/* not under valgrind (one case per kind) */
		cmocka_unit_test_teardown(test_gids_wrong_pin, teardown_card),
		cmocka_unit_test_teardown(test_gids_behind_piv, teardown_card),
	};
	const struct CMUnitTest *tests = all;
	size_t n = sizeof(all) / sizeof(all[0]);
	char path[PATH_MAX + 64];
	int r, with_gids = argc == 7 && strcmp(argv[6], "--rig-gids") == 0;
	int with_rig = with_gids || (argc == 7 && strcmp(argv[6], "--rig") == 0);

	if (argc != 6 && !with_rig) {
		fprintf(stderr, "usage: %s pam_sclogin.so PKI_DIR HELPER "
		    "FAKE_MODULE SCLOGIN\n", argv[0]);
		return 2;
	}
	module = argv[1];
	pki = argv[2];
	helper = argv[3];
	fake = argv[4];
	sclogin = argv[5];
	snprintf(test_module, sizeof(test_module),
	    "%s/tests/pam/pam_sclogin_test.so", getenv("SCL_BUILD_ROOT") !=
	    NULL ? getenv("SCL_BUILD_ROOT") : ".");
	if (access(SOFTHSM, R_OK) != 0) {
		fprintf(stderr, "SKIP: SoftHSM2 (softhsm2) is not installed\n");
		return 77;
	}
	if (with_rig && access(OPENSC, R_OK) != 0) {
		fprintf(stderr, "SKIP: opensc-pkcs11.so is not installed\n");
		return 77;
	}
	if ((r = e2e_pam_begin("p11", argv, &vcard)) != 0)
		return r;
	if (with_rig) {
		if ((r = rig_start(&rig)) != 0)
			return r;
		snprintf(dir, sizeof(dir), "%s/p11", rig_dir(rig));
		if (mkdir(dir, 0755) < 0) {
			perror(dir);
			rig_stop(&rig);
			return 1;
		}
		tests = pcsc;
		n = sizeof(pcsc) / sizeof(pcsc[0]);
		if (with_gids) {
			card_extra = "--applet gids";
			tests = gids;
			n = sizeof(gids) / sizeof(gids[0]);
		}
	} else {
		snprintf(dir, sizeof(dir), "/tmp/scl-e2e-p11.XXXXXX");
		if (mkdtemp(dir) == NULL) {
			perror("mkdtemp");
			return 1;
		}
	}
	snprintf(svcdir, sizeof(svcdir), "%s/services", dir);
	snprintf(conf, sizeof(conf), "%s/sclogin.conf", dir);
	snprintf(path, sizeof(path), "%s/state", dir);
	if (mkdir(svcdir, 0755) < 0 || mkdir(path, 0700) < 0) {
		perror(dir);
		return 1;
	}
	write_config();
	setenv("SCL_FAKE_P11_REAL", SOFTHSM, 1);
	if (getenv("SCL_TEST_WRAPPER") != NULL)
		n = with_rig ? 1 : 4;
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	r = e2e_pam_run_tests(svcdir, logpath, tests, n);
	if (with_rig)
		rig_stop(&rig);
	else if (r == 0)
		(void)e2e_sh("rm -rf '%s'", dir);
	e2e_users_remove();
	return r < 0 ? 1 : r;
}
