/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * End-to-end: the real pam_sclogin.so in a real PAM stack (pam_wrapper +
 * libpamtest), users from nss_wrapper, a private pcscd with the vpcd
 * reader (the rig), virtual PIV cards (sclogin-vcard) carrying the test PKI
 * (tests/pki/mkpki.sh).  Every case of issue 3.
 *
 * Needs root (namespaces); exits 77 otherwise.  Arguments:
 *   e2e-pam MODULE PKI_DIR [TEST_MODULE]
 * (TEST_MODULE: the module built with a recorder as removal monitor)
 * Environment (meson): LD_PRELOAD=libpam_wrapper.so:libnss_wrapper.so,
 * PAM_WRAPPER=1, SCL_VCARD.  PAM_WRAPPER_SERVICE_DIR and NSS_WRAPPER_* are
 * set here before the first PAM / NSS call.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpamtest.h>
#include <security/pam_appl.h>

#include "e2e-util.h"
#include "nss-users.h"
#include "rig.h"

#define OCSP_PORT 18888
#define PAM_PERMIT "/lib/x86_64-linux-gnu/security/pam_permit.so"
#define PAM_ENV "/lib/x86_64-linux-gnu/security/pam_env.so"
#define PAM_MATRIX "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_matrix.so"

static struct rig *rig;
static const char *module, *pki, *vcard, *test_module;
static char dir[PATH_MAX], conf[PATH_MAX + 32], svcdir[PATH_MAX + 32];
static char defconf[PATH_MAX + 32];	/* issue 12: only what must be set */
static char mapconf[PATH_MAX + 32];	/* issue 12: the default mapping */
static char statedir[PATH_MAX + 32];
static pid_t ocsp_pid = -1;
static unsigned card_seq;
/*
 * pam_wrapper turns pam_syslog() into "SYSLOG(prio): ..." lines on stderr
 * (PAM_WRAPPER_DEBUGLEVEL=2), which main() sends to logpath: the outcome
 * lines can be checked, and the whole log searched for PINs.
 */
static char logpath[PATH_MAX + 32];

/* ---- helpers ---- */

/*
 * A fresh virtual card carrying PKI leaf `leaf` in 9A; extra: more init
 * arguments.  Returns a static path (valid until the next call).
 */
static const char *
make_card(const char *leaf, const char *extra)
{
	return e2e_make_card(vcard, rig_seal_key(rig), dir, pki, leaf, extra);
}

static void
insert(unsigned slot, const char *leaf)
{
	if (rig_card_insert(rig, slot, make_card(leaf, NULL)) != 0)
		fail_msg("cannot insert a %s card in slot %u", leaf, slot);
}

/* Add PKI leaf `leaf` in 9E to the card state at path. */
static void
import_9e(const char *path, const char *leaf)
{
	if (e2e_sh("'%s' import --state '%s' --slot 9e --key '%s/%s.key.pem' "
	    "--cert '%s/%s.cert.pem' --seal-key '%s' >/dev/null", vcard, path,
	    pki, leaf, pki, leaf, rig_seal_key(rig)) < 0)
		fail_msg("cannot import %s in 9E", leaf);
}

/* A card with only a 9E certificate (9A empty). */
static void
insert_9e_only(unsigned slot, const char *leaf)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/card-%u-9e-%s.state", dir,
	    ++card_seq, leaf);
	if (e2e_sh("'%s' init --state '%s' --seal-key '%s' >/dev/null", vcard,
	    path, rig_seal_key(rig)) < 0)
		fail_msg("cannot make a card for %s", leaf);
	import_9e(path, leaf);
	if (rig_card_insert(rig, slot, path) != 0)
		fail_msg("cannot insert a 9E-only %s card in slot %u", leaf,
		    slot);
}

/* ---- the conversation (e2e_conv) ---- */

/* on_prompt: pull the card at the first PIN prompt. */
static int
remove_at_prompt(struct e2e_conv *cv)
{
	cv->on_prompt = NULL;
	rig_card_remove(rig, 0);
	return 0;
}

/* on_info: spawn the card state in data at "Insert your smart card". */
static int
insert_at_info(struct e2e_conv *cv, const char *msg)
{
	const char *argv[] = { vcard, "run", "--state", cv->data, "--port",
	    "40000", "--seal-key", rig_seal_key(rig), NULL };

	if (strstr(msg, "Insert your smart card") == NULL)
		return 0;
	cv->on_info = NULL;
	return rig_card_spawn(rig, 0, argv) != 0 ? -1 : 0;
}

/*
 * Run one PAM operation on service for user and check its result.  With
 * ret_user, also return PAM_USER after the operation.
 */
static int
run_op(const char *service, const char *user, struct e2e_conv *cv,
    enum pamtest_ops op, int want, char *ret_user, size_t user_len)
{
	struct pam_testcase tc[2] = {
		pam_test(op, want),
		pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
	};
	enum pamtest_err e;
	const void *item = NULL;
	size_t n = ret_user != NULL ? 2 : 1;
	uint64_t t0 = rig_now_ms();

	e = _pamtest_conv(service, user, e2e_conv_fn, cv, tc, n, NULL);
	fprintf(stderr, "%s %s user=%s: rv=%d (%s) in %llu ms\n%s",
	    service, op == PAMTEST_AUTHENTICATE ? "auth" :
	    op == PAMTEST_ACCOUNT ? "account" : op == PAMTEST_CHAUTHTOK ?
	    "chauthtok" : "op", user != NULL ? user : "(none)", tc[0].op_rv,
	    pam_strerror(NULL, tc[0].op_rv),
	    (unsigned long long)(rig_now_ms() - t0), cv->transcript);
	if (ret_user != NULL && tc[1].case_out.ph != NULL) {
		if (pam_get_item(tc[1].case_out.ph, PAM_USER, &item) ==
		    PAM_SUCCESS && item != NULL)
			snprintf(ret_user, user_len, "%s", (const char *)item);
		pam_end(tc[1].case_out.ph, tc[0].op_rv);
	}
	if (e != PAMTEST_ERR_OK)
		fail_msg("%s: want %s (%d), got %s (%d): %s", service,
		    pam_strerror(NULL, want), want,
		    pam_strerror(NULL, tc[0].op_rv), tc[0].op_rv,
		    pamtest_strerror(e));
	return tc[0].op_rv;
}

static int
auth(const char *service, const char *user, struct e2e_conv *cv, int want)
{
	return run_op(service, user, cv, PAMTEST_AUTHENTICATE, want, NULL, 0);
}

static void
expect_no_pin_prompt(const struct e2e_conv *cv)
{
	if (cv->pin_prompts != 0)
		fail_msg("a PIN was asked for a card that cannot sign in");
}

/*
 * auth, with the right PIN at hand, that must end with want before any PIN
 * prompt; text (or NULL) must be in the conversation.
 */
static void
auth_refused(const char *service, const char *user, int want,
    const char *text)
{
	struct e2e_conv cv = { .pins = { "123456" } };

	auth(service, user, &cv, want);
	expect_no_pin_prompt(&cv);
	if (text != NULL)
		e2e_expect_text(&cv, text);
}

/* ---- fixtures ---- */

static void
write_services(void)
{
	const char *m = module;

	e2e_write_service(svcdir, "sc",
	    "auth required %s config=%s\n"
	    "account required %s config=%s\n"
	    "account required " PAM_PERMIT "\n"
	    "session required %s config=%s\n"
	    "password required %s config=%s\n", m, conf, m, conf, m, conf, m,
	    conf);
	e2e_write_service(svcdir, "sc-fallback",
	    "auth sufficient %s config=%s\n"
	    "auth required " PAM_MATRIX " passdb=%s/passdb\n"
	    "session required %s config=%s\n", m, conf, dir, m, conf);
	e2e_write_service(svcdir, "sc-wait",
	    "auth required %s config=%s wait_for_card=3\n", m, conf);
	e2e_write_service(svcdir, "sc-refuse",
	    "auth required %s config=%s last_try=refuse\n", m, conf);
	e2e_write_service(svcdir, "sc-crl",
	    "auth required %s config=%s crl=hard-fail crl_dir=%s/crl\n", m,
	    conf, pki);
	e2e_write_service(svcdir, "sc-ocsp",
	    "auth required %s config=%s ocsp=hard-fail "
	    "ocsp_url=http://127.0.0.1:%d\n", m, conf, OCSP_PORT);
	e2e_write_service(svcdir, "sc-badconf",
	    "auth required %s config=%s/bad.conf\n", m, dir);
	e2e_write_service(svcdir, "sc-badarg",
	    "auth required %s config=%s bogus_flag\n", m, conf);
	e2e_write_service(svcdir, "sc-required",
	    "auth sufficient %s config=%s\n"
	    "auth required " PAM_MATRIX " passdb=%s/passdb\n"
	    "account required %s config=%s require_card_users=bob\n"
	    "account required " PAM_PERMIT "\n", m, conf, dir, m, conf);
	e2e_write_service(svcdir, "cron",
	    "account required %s config=%s require_card=yes\n"
	    "account required " PAM_PERMIT "\n", m, conf);
	e2e_write_service(svcdir, "sc-slots",
	    "auth required %s config=%s slots=9a,9e\n", m, conf);
	if (test_module != NULL) {
		char envconf[PATH_MAX + 64];

		snprintf(envconf, sizeof(envconf), "%s/env.conf", dir);
		e2e_write_file(envconf, "XDG_SESSION_ID DEFAULT=c42\n");
		e2e_write_service(svcdir, "sc-removal",
		    "auth required %s config=%s\n"
		    "session required " PAM_ENV " conffile=%s readenv=0\n"
		    "session required %s config=%s removal_action=lock "
		    "removal_debounce_ms=500\n", test_module, conf, envconf,
		    test_module, conf);
		/* a session id loginctl would read as an option */
		snprintf(envconf, sizeof(envconf), "%s/env-badsid.conf", dir);
		e2e_write_file(envconf, "XDG_SESSION_ID DEFAULT=--host=evil\n");
		e2e_write_service(svcdir, "sc-removal-badsid",
		    "auth required %s config=%s\n"
		    "session required " PAM_ENV " conffile=%s readenv=0\n"
		    "session required %s config=%s removal_action=lock\n",
		    test_module, conf, envconf, test_module, conf);
	}
	e2e_write_service(svcdir, "sc-slots-conf",
	    "auth required %s config=%s\n", m, conf);
	e2e_write_service(svcdir, "sc-slots-arg9a",
	    "auth required %s config=%s slots=9a\n", m, conf);
	e2e_write_service(svcdir, "sc-unknown-refuse",
	    "auth required %s config=%s unknown_tries=refuse\n"
	    "password required %s config=%s unknown_tries=refuse\n", m, conf,
	    m, conf);
	e2e_write_service(svcdir, "sc-record-group",
	    "auth required %s config=%s\n"
	    "session required %s config=%s record_group=smartcard\n", m, conf,
	    m, conf);
	e2e_write_service(svcdir, "sc-record-nogroup",
	    "auth required %s config=%s\n"
	    "session required %s config=%s record_group=nosuchgroup\n", m,
	    conf, m, conf);
	e2e_write_service(svcdir, "sc-nocardonly",
	    "auth required %s config=%s allow_card_only=no\n", m, conf);
	/* issue 12 */
	e2e_write_service(svcdir, "sc-default",
	    "auth required %s config=%s\n", m, defconf);
	e2e_write_service(svcdir, "sc-default-soft",
	    "auth required %s config=%s crl=soft-fail\n", m, defconf);
	e2e_write_service(svcdir, "sc-default-crl",
	    "auth required %s config=%s crl_dir=%s/crl\n", m, defconf, pki);
	e2e_write_service(svcdir, "sc-map-default",
	    "auth required %s config=%s\n", m, mapconf);
	e2e_write_service(svcdir, "sc-map-upn-nodomain",
	    "auth required %s config=%s mapping=upn\n", m, mapconf);
	e2e_write_service(svcdir, "sc-map-upn",
	    "auth required %s config=%s mapping=upn upn_domain=example.test\n",
	    m, mapconf);
	e2e_write_service(svcdir, "sc-map-cn",
	    "auth required %s config=%s mapping=cn\n", m, mapconf);
	e2e_write_service(svcdir, "sc-map-upn-cn",
	    "auth required %s config=%s mapping=upn,cn "
	    "upn_domain=example.test\n", m, mapconf);
	e2e_write_service(svcdir, "sc-chain",
	    "auth required %s config=%s ca_file=%s/chain.pem crl=hard-fail "
	    "crl_dir=%s/crl-chain\n", m, conf, pki, pki);
	{
		static const char *const partial[] = { "delta", "reasons",
			"onlyca", "idp-other", "indirect" };

		for (size_t i = 0; i < sizeof(partial) / sizeof(partial[0]);
		    i++) {
			char name[64];

			snprintf(name, sizeof(name), "sc-crl-%s", partial[i]);
			e2e_write_service(svcdir, name, "auth required %s "
			    "config=%s crl=hard-fail crl_dir=%s/crl-%s\n", m,
			    conf, pki, partial[i]);
		}
	}
}

static int
listening(unsigned port)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	char line[512], want[16];
	size_t i;
	int found = 0;

	snprintf(want, sizeof(want), ":%04X ", port);
	for (i = 0; i < 2 && !found; i++) {
		FILE *f = fopen(files[i], "r");

		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			char *p = strstr(line, want);

			/* local address first, state 0A = LISTEN */
			if (p != NULL && p < line + 60 && strstr(p, " 0A ") != NULL)
				found = 1;
		}
		fclose(f);
	}
	return found;
}

static int
start_ocsp(void)
{
	char index[PATH_MAX], ca[PATH_MAX], signer[PATH_MAX], key[PATH_MAX];
	char port[16];
	uint64_t deadline;

	snprintf(index, sizeof(index), "%s/index.txt", pki);
	snprintf(ca, sizeof(ca), "%s/ca.pem", pki);
	snprintf(signer, sizeof(signer), "%s/ocsp.pem", pki);
	snprintf(key, sizeof(key), "%s/ocsp.key", pki);
	snprintf(port, sizeof(port), "%d", OCSP_PORT);
	if ((ocsp_pid = fork()) < 0)
		return -1;
	if (ocsp_pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 1);
		dup2(null, 2);
		unsetenv("LD_PRELOAD");
		execlp("openssl", "openssl", "ocsp", "-index", index, "-CA", ca,
		    "-rsigner", signer, "-rkey", key, "-port", port, "-ignore_err",
		    (char *)NULL);
		_exit(127);
	}
	/*
	 * Wait for the listening socket in /proc/net/tcp{,6}: a probing
	 * connection would make openssl ocsp give up.
	 */
	deadline = rig_now_ms() + 10000;
	while (rig_now_ms() < deadline) {
		if (listening(OCSP_PORT))
			return 0;
		usleep(50 * 1000);
	}
	return -1;
}

static int
teardown_cards(void **state)
{
	unsigned s;

	for (s = 0; s < RIG_SLOTS; s++)
		(void)rig_card_remove(rig, s);
	return 0;
}

/*
 * #12: a card named like a password question: the PIN prompt quotes its
 * label after fixed text, cleaned (quote and backslash replaced, spaces
 * collapsed) and cut to 32 characters.  A virtual card's name is printable
 * ASCII of at most 64 bytes: pam-signin and test-label cover newlines,
 * escapes, bidi controls and long labels.
 */
static void
test_hostile_label(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };

	(void)state;
	/* sclogin-vcard keeps names printable ASCII (its state file): the
	 * controls, bidi and invalid UTF-8 cases are in pam-signin and
	 * test-label; here the quote, the backslash and the length */
	assert_int_equal(rig_card_insert(rig, 0, make_card("alice",
	    "--name '\"Password\" for alice\\  (your login password) "
	    "xxxxxxxxxxxxxxxxx'")), 0);
	auth("sc", "alice", &cv, PAM_SUCCESS);
	e2e_expect_text(&cv, "  [secret] PIN for smart card \"'Password' for "
	    "alice/ (your l...\": \n");
	assert_null(strstr(cv.transcript, "login password"));
	assert_int_equal(cv.pin_prompts, 1);
}

/* ---- the cases of issue 3 ---- */

static void
test_success(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	char rec[PATH_MAX + 64], buf[256] = "";
	FILE *f;

	long m = e2e_log_mark(logpath);

	insert(0, "alice");
	auth("sc", "alice", &cv, PAM_SUCCESS);
	e2e_expect_text(&cv, "PIN for smart card \"alice card\": ");
	assert_int_equal(cv.pin_prompts, 1);
	e2e_expect_log(logpath, m, "auth: result=ok reason=OK user='alice' "
	    "reader='Virtual PCD 00 00' cert_serial=");
	e2e_expect_log(logpath, m, "cert_issuer='CN=sclogin Test Root CA");

	/* account + session in one handle: the last-method record is card */
	{
		struct e2e_conv cv2 = { .pins = { "123456" } };
		struct pam_testcase tc[] = {
			pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
			pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
			pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
			pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
		};

		assert_int_equal(_pamtest_conv("sc", "alice", e2e_conv_fn, &cv2,
		    tc, 4, NULL), PAMTEST_ERR_OK);
	}
	snprintf(rec, sizeof(rec), "%s/users/alice", statedir);
	f = fopen(rec, "r");
	assert_non_null(f);
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	if (strstr(buf, "card") == NULL)
		fail_msg("record says: %s", buf);
}

/*
 * Issue 14, the certificate cache: a damaged entry and an open cache
 * directory are logged with reason= and the card is read (the sign-in
 * succeeds); a clone of alice's card id holding bob's key is offered
 * alice's cached certificate and fails the proof: SIG_INVALID.
 */
static void
cache_entry_of(const char *card, char *ret, size_t cap)
{
	char cmd[PATH_MAX * 2], guid[64] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' show --state '%s'", vcard, card);
	assert_non_null(p = popen(cmd, "r"));
	while (fgets(cmd, sizeof(cmd), p) != NULL)
		if (sscanf(cmd, "guid: %63s", guid) == 1)
			break;
	pclose(p);
	assert_int_equal(strlen(guid), 32);
	snprintf(ret, cap, "%s/certs/%s-9a", dir, guid);
}

static void
test_cert_cache(void **state)
{
	char card[PATH_MAX + 64], clone[PATH_MAX + 80], entry[PATH_MAX + 64];
	char certs[PATH_MAX + 16];
	struct stat st;
	long m;

	snprintf(card, sizeof(card), "%s", make_card("alice", NULL));
	cache_entry_of(card, entry, sizeof(entry));
	assert_int_equal(rig_card_insert(rig, 0, card), 0);
	{
		struct e2e_conv cv = { .pins = { "123456" } };

		auth("sc", "alice", &cv, PAM_SUCCESS);
	}
	assert_int_equal(stat(entry, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	e2e_write_file(entry, "garbage\n");
	assert_int_equal(chmod(entry, 0600), 0);
	m = e2e_log_mark(logpath);
	{
		struct e2e_conv cv = { .pins = { "123456" } };

		auth("sc", "alice", &cv, PAM_SUCCESS);
	}
	e2e_expect_log(logpath, m, "certificate cache: "
	    "reason=CERT_CACHE_BAD reader='Virtual PCD 00 00'");

	snprintf(certs, sizeof(certs), "%s/certs", dir);
	assert_int_equal(chmod(certs, 0777), 0);
	m = e2e_log_mark(logpath);
	{
		struct e2e_conv cv = { .pins = { "123456" } };

		auth("sc", "alice", &cv, PAM_SUCCESS);
	}
	assert_int_equal(chmod(certs, 0700), 0);
	e2e_expect_log(logpath, m, "reason=CERT_CACHE_UNSAFE");
	rig_card_remove(rig, 0);

	/* re-personalised under the same GUID (alice-revoked: crl = off
	 * here): the stale entry's proof fails, the card's own certificate
	 * signs, and the outcome line names that one */
	if (e2e_sh("'%s' import --state '%s' --slot 9a --key "
	    "'%s/alice-revoked.key.pem' --cert '%s/alice-revoked.cert.pem' "
	    "--seal-key '%s' >/dev/null", vcard, card, pki, pki,
	    rig_seal_key(rig)) < 0)
		fail_msg("cannot re-personalise the card");
	{
		char cmd[PATH_MAX + 96], line[256], want[96] = "cert_sha256=";
		size_t o = strlen(want);
		FILE *p;

		snprintf(cmd, sizeof(cmd), "openssl x509 -noout -fingerprint "
		    "-sha256 -in '%s/alice-revoked.cert.pem'", pki);
		assert_non_null(p = popen(cmd, "r"));
		assert_non_null(fgets(line, sizeof(line), p));
		pclose(p);
		for (const char *q = strchr(line, '='); q != NULL && *q != '\0' &&
		    o + 1 < sizeof(want); q++)
			if ((*q >= '0' && *q <= '9') || (*q >= 'A' && *q <= 'F'))
				want[o++] = (char)(*q >= 'A' ? *q - 'A' + 'a' : *q);
		want[o] = '\0';
		assert_int_equal(strlen(want), 12 + 64);
		assert_int_equal(rig_card_insert(rig, 0, card), 0);
		m = e2e_log_mark(logpath);
		{
			struct e2e_conv cv = { .pins = { "123456" } };

			auth("sc", "alice", &cv, PAM_SUCCESS);
			assert_int_equal(cv.pin_prompts, 1);
		}
		e2e_expect_log(logpath, m, want);
		rig_card_remove(rig, 0);
	}

	/* the entry is alice's again (the last sign-in read the card) */
	snprintf(clone, sizeof(clone), "%s.clone", card);
	if (e2e_sh("cp '%s' '%s' && '%s' import --state '%s' --slot 9a "
	    "--key '%s/bob.key.pem' --cert '%s/bob.cert.pem' --seal-key '%s' "
	    ">/dev/null", card, clone, vcard, clone, pki, pki,
	    rig_seal_key(rig)) < 0)
		fail_msg("cannot make the clone");
	assert_int_equal(rig_card_insert(rig, 0, clone), 0);
	m = e2e_log_mark(logpath);
	{
		struct e2e_conv cv = { .pins = { "123456" } };

		auth("sc", "alice", &cv, PAM_AUTH_ERR);
	}
	e2e_expect_log(logpath, m, "auth: result=fail reason=SIG_INVALID "
	    "user='alice'");
	assert_int_equal(stat(entry, &st), -1);
}

/* Sign in and open a session on service; the mode and group of alice's
 * record and its dir must then be as given. */
static void
session_record_mode(const char *service, mode_t dmode, mode_t fmode, gid_t gid)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
		pam_test(PAMTEST_CLOSE_SESSION, PAM_SUCCESS),
	};
	char path[PATH_MAX + 64];
	struct stat st;

	assert_int_equal(_pamtest_conv(service, "alice", e2e_conv_fn, &cv, tc,
	    3, NULL), PAMTEST_ERR_OK);
	snprintf(path, sizeof(path), "%s/users", statedir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, dmode);
	if (gid != (gid_t)-1)
		assert_int_equal(st.st_gid, gid);
	snprintf(path, sizeof(path), "%s/users/alice", statedir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, fmode);
	if (gid != (gid_t)-1)
		assert_int_equal(st.st_gid, gid);
}

/*
 * record_group = smartcard (gid 2001): the records a greeter of that
 * group reads; an unknown group keeps them private (logged); unset again:
 * private again.
 */
static void
test_record_group(void **state)
{
	long m;

	insert(0, "alice");
	session_record_mode("sc-record-group", 0750, 0640, 2001);
	m = e2e_log_mark(logpath);
	session_record_mode("sc-record-nogroup", 0700, 0600, (gid_t)-1);
	e2e_expect_log(logpath, m, "record_group 'nosuchgroup' is not a group "
	    "reason=CONFIG");
	session_record_mode("sc-record-group", 0750, 0640, 2001);
	session_record_mode("sc", 0700, 0600, (gid_t)-1);
}

static void
test_ecc(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	struct e2e_conv cv2 = { .pins = { "123456" } };

	insert(0, "carol");
	auth("sc", "carol", &cv, PAM_SUCCESS);
	teardown_cards(NULL);
	insert(0, "dave");
	auth("sc", "dave", &cv2, PAM_SUCCESS);
}

static void
test_wrong_pin(void **state)
{
	struct e2e_conv cv = { .pins = { "654321" } };
	struct e2e_conv cv2 = { .pins = { "123456" } };

	long m = e2e_log_mark(logpath);

	insert(0, "alice");
	auth("sc", "alice", &cv, PAM_AUTH_ERR);
	e2e_expect_text(&cv, "Wrong PIN. 2 tries left.");
	e2e_expect_log(logpath, m, "result=fail reason=PIN_WRONG user='alice'");
	e2e_expect_log(logpath, m, "tries_left=2");
	/* the next prompt says so too, and the right PIN still works */
	auth("sc", "alice", &cv2, PAM_SUCCESS);
	e2e_expect_text(&cv2, "(2 tries left)");
}

static void
test_last_try_and_blocked(void **state)
{
	struct e2e_conv w1 = { .pins = { "000000" } };
	struct e2e_conv w2 = { .pins = { "000000" } };
	struct e2e_conv decline = { .answers = { "no" }, .pins = { "123456" } };
	struct e2e_conv burn = { .answers = { "yes" }, .pins = { "000000" } };

	insert(0, "alice");
	auth("sc", "alice", &w1, PAM_AUTH_ERR);
	auth("sc", "alice", &w2, PAM_AUTH_ERR);
	e2e_expect_text(&w2, "1 try left");

	/* last_try=refuse: no prompt, no try spent */
	auth_refused("sc-refuse", "alice", PAM_AUTH_ERR,
	    "Only one PIN try is left");

	/* last_try=confirm, answered no: nothing spent, falls through */
	auth("sc", "alice", &decline, PAM_AUTHINFO_UNAVAIL);
	e2e_expect_text(&decline,
	    "If this PIN is wrong, the card will be blocked");
	expect_no_pin_prompt(&decline);

	/* confirmed and wrong: blocked */
	auth("sc", "alice", &burn, PAM_MAXTRIES);
	e2e_expect_text(&burn, "(last try)");
	e2e_expect_text(&burn, "blocked");

	/* blocked: refused before any prompt */
	auth_refused("sc", "alice", PAM_MAXTRIES, "PIN is blocked");
}

static void
test_last_try_confirmed_ok(void **state)
{
	struct e2e_conv w1 = { .pins = { "000000", NULL } };
	struct e2e_conv w2 = { .pins = { "000000", NULL } };
	struct e2e_conv ok = { .answers = { "yes" }, .pins = { "123456" } };
	struct e2e_conv again = { .pins = { "123456" } };

	insert(0, "alice");
	auth("sc", "alice", &w1, PAM_AUTH_ERR);
	auth("sc", "alice", &w2, PAM_AUTH_ERR);
	auth("sc", "alice", &ok, PAM_SUCCESS);
	/* the counter is back to full: no warning now */
	auth("sc", "alice", &again, PAM_SUCCESS);
	if (strstr(again.transcript, "tries left") != NULL ||
	    strstr(again.transcript, "last try") != NULL)
		fail_msg("tries were not reset");
}

static void
test_empty_pin_falls_through(void **state)
{
	struct e2e_conv cv = { .pins = { "", "secret" } };
	struct e2e_conv wrong = { .pins = { "999999" } };
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	};
	char rec[PATH_MAX + 64], buf[256] = "";
	long m = e2e_log_mark(logpath);
	FILE *f;

	insert(0, "alice");
	assert_int_equal(_pamtest_conv("sc-fallback", "alice", e2e_conv_fn, &cv,
	    tc, 2, NULL), PAMTEST_ERR_OK);
	fprintf(stderr, "%s", cv.transcript);
	assert_int_equal(cv.pin_prompts, 2);	/* PIN, then the password */
	e2e_expect_log(logpath, m, "result=fail reason=EMPTY_PIN");
	/* the session records that alice used her password this time */
	snprintf(rec, sizeof(rec), "%s/users/alice", statedir);
	assert_non_null(f = fopen(rec, "r"));
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	if (strstr(buf, "password") == NULL)
		fail_msg("record says: %s", buf);
	if (strstr(cv.transcript, "[error]") != NULL)
		fail_msg("an empty PIN must not show an error");
	/* the counter was not touched: a wrong PIN now leaves 2 */
	auth("sc", "alice", &wrong, PAM_AUTH_ERR);
	e2e_expect_text(&wrong, "2 tries left");
}

static void
test_no_card(void **state)
{
	struct e2e_conv cv = { 0 };
	struct e2e_conv co = { 0 };
	uint64_t t0 = rig_now_ms();

	/* user known, nothing requires a card: silent, at once */
	auth("sc", "alice", &cv, PAM_AUTHINFO_UNAVAIL);
	assert_true(rig_now_ms() - t0 < 3000);
	expect_no_pin_prompt(&cv);
	assert_null(strstr(cv.transcript, "[error]"));
	/* card-only (greeter card service): says what is missing */
	auth("sc", NULL, &co, PAM_AUTHINFO_UNAVAIL);
	e2e_expect_text(&co, "Insert your smart card");
}

static void
test_no_card_wait(void **state)
{
	struct e2e_conv cv = { 0 };
	struct e2e_conv ins = { .pins = { "123456" } };
	uint64_t t0 = rig_now_ms(), dt;

	auth("sc-wait", "alice", &cv, PAM_AUTHINFO_UNAVAIL);
	dt = rig_now_ms() - t0;
	fprintf(stderr, "waited %llu ms\n", (unsigned long long)dt);
	assert_true(dt >= 2900 && dt < 8000);
	e2e_expect_text(&cv, "Insert your smart card");
	e2e_expect_text(&cv, "No smart card was inserted in time.");

	/* inserted while waiting: signs in */
	ins.on_info = insert_at_info;
	ins.data = make_card("alice", NULL);
	auth("sc-wait", "alice", &ins, PAM_SUCCESS);
}

static void
test_card_removed(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" },
	    .on_prompt = remove_at_prompt };

	insert(0, "alice");
	auth("sc", "alice", &cv, PAM_AUTHINFO_UNAVAIL);
	e2e_expect_text(&cv, "The smart card was removed");
}

static void
bad_cert(const char *leaf, const char *service, const char *text,
    const char *reason)
{
	long m = e2e_log_mark(logpath);

	insert(0, leaf);
	auth_refused(service, "alice", PAM_AUTH_ERR, text);
	e2e_expect_log(logpath, m, reason);
	teardown_cards(NULL);
}

static void
test_bad_certs(void **state)
{
	bad_cert("alice-expired", "sc", "has expired",
	    "reason=CERT_EXPIRED");
	bad_cert("alice-notyet", "sc", "not valid yet",
	    "reason=CERT_NOT_YET_VALID");
	bad_cert("alice-noeku", "sc", "not meant for signing in",
	    "reason=CERT_EKU");
	bad_cert("alice-nodigsig", "sc", "not meant for signing in",
	    "reason=CERT_KEY_USAGE");
	bad_cert("alice-untrusted", "sc", "not trusted",
	    "reason=CERT_UNTRUSTED");
}

static void
test_revoked_crl(void **state)
{
	struct e2e_conv good = { .pins = { "123456" } };

	bad_cert("alice-revoked", "sc-crl", "revoked", "reason=CERT_REVOKED");
	insert(0, "alice");
	auth("sc-crl", "alice", &good, PAM_SUCCESS);
}

static void
test_revoked_ocsp(void **state)
{
	struct e2e_conv good = { .pins = { "123456" } };

	if (ocsp_pid < 0 && start_ocsp() < 0)
		fail_msg("cannot start openssl ocsp on port %d", OCSP_PORT);
	bad_cert("alice-revoked", "sc-ocsp", "revoked", "reason=CERT_REVOKED");
	insert(0, "alice");
	auth("sc-ocsp", "alice", &good, PAM_SUCCESS);
}

/* ---- issue 12: what the default configuration must refuse ---- */

/*
 * #12: only ca_file (and the mapping) set, an empty crl_dir: a revoked
 * certificate does not sign in (crl = hard-fail by default); soft-fail
 * for a service is the weaker choice and lets it through.
 */
static void
test_default_revocation(void **state)
{
	struct e2e_conv soft = { .pins = { "123456" } };
	struct e2e_conv good = { .pins = { "123456" } };
	long m;

	bad_cert("alice-revoked", "sc-default", "could not be checked",
	    "reason=CERT_REVOCATION_UNKNOWN");
	insert(0, "alice-revoked");
	auth("sc-default-soft", "alice", &soft, PAM_SUCCESS);
	auth_refused("sc-default-crl", "alice", PAM_AUTH_ERR, "revoked");
	teardown_cards(NULL);
	insert(0, "alice");
	m = e2e_log_mark(logpath);
	auth_refused("sc-default", "alice", PAM_AUTH_ERR, NULL);
	e2e_expect_log(logpath, m, "no current CRL from the issuer");
	auth("sc-default-crl", "alice", &good, PAM_SUCCESS);
}

/* #12: a leaf under a revoked issuing CA; its sibling under a good one. */
static void
test_revoked_intermediate(void **state)
{
	struct e2e_conv good = { .pins = { "123456" } };
	long m = e2e_log_mark(logpath);

	bad_cert("alice-subrev", "sc-chain", "revoked", "reason=CERT_REVOKED");
	e2e_expect_log(logpath, m, "at depth 1: revoked");
	insert(0, "alice-sub");
	auth("sc-chain", "alice", &good, PAM_SUCCESS);
}

/* #12: delta, partitioned and out-of-scope CRLs are never complete. */
static void
test_partial_crls(void **state)
{
	static const char *const svc[] = { "sc-crl-delta", "sc-crl-reasons",
		"sc-crl-onlyca", "sc-crl-idp-other", "sc-crl-indirect" };
	static const char *const why[] = { "is a delta CRL",
		"partitioned by reason", "covers CA certificates only",
		"distribution point that is not the certificate's CDP",
		"is an indirect CRL" };

	insert(0, "alice-revoked");
	for (size_t i = 0; i < sizeof(svc) / sizeof(svc[0]); i++) {
		long m = e2e_log_mark(logpath);

		auth_refused(svc[i], "alice", PAM_AUTH_ERR,
		    "could not be checked");
		e2e_expect_log(logpath, m, "reason=CRL_INCOMPLETE");
		e2e_expect_log(logpath, m, why[i]);
	}
}

/*
 * #12: the mapping attacks, on the default mapping (mapfile, authorized)
 * and on the name-derived methods an administrator may choose.
 */
static void
test_mapping_defaults(void **state)
{
	long m;

	/* UPN alice@evil.example: upn needs upn_domain, and checks it */
	insert(0, "evil-upn");
	m = e2e_log_mark(logpath);
	auth_refused("sc-map-upn-nodomain", "alice", PAM_SERVICE_ERR,
	    "misconfigured");
	e2e_expect_log(logpath, m, "reason=CONFIG");
	e2e_expect_log(logpath, m, "mapping = upn needs upn_domain");
	auth_refused("sc-map-upn", "alice", PAM_AUTH_ERR, "not linked");
	auth_refused("sc-map-default", "alice", PAM_AUTH_ERR, "not linked");
	teardown_cards(NULL);
	/* CN=daemon (uid 1, nologin), card-only and by name */
	insert(0, "daemon");
	m = e2e_log_mark(logpath);
	auth_refused("sc-map-cn", NULL, PAM_AUTH_ERR, "not linked");
	auth_refused("sc-map-cn", "daemon", PAM_AUTH_ERR, "not linked");
	e2e_expect_log(logpath, m, "reason=NO_MAPPING");
	e2e_expect_log(logpath, m, "is a system account");
	teardown_cards(NULL);
	/* UPN svc@example.test, uid 999: below login.defs' UID_MIN */
	insert(0, "svc");
	auth_refused("sc-map-upn", "svc", PAM_AUTH_ERR, "not linked");
	teardown_cards(NULL);
	/* UPN bob, CN alice: one certificate, one account, never both */
	insert(0, "bob-cn-alice");
	m = e2e_log_mark(logpath);
	auth_refused("sc-map-upn-cn", "alice", PAM_AUTH_ERR, "different");
	auth_refused("sc-map-upn-cn", "bob", PAM_AUTH_ERR, "different");
	auth_refused("sc-map-upn-cn", NULL, PAM_AUTH_ERR, "different");
	e2e_expect_log(logpath, m, "reason=MAP_CONFLICT");
	teardown_cards(NULL);
	/* alice's own certificate: not by its UPN or CN under the default */
	insert(0, "alice");
	m = e2e_log_mark(logpath);
	auth_refused("sc-map-default", "alice", PAM_AUTH_ERR, "not linked");
	e2e_expect_log(logpath, m,
	    "the default mapping is now mapfile, authorized");
}

/*
 * #12: an RSA-1024 certificate (on a card holding alice's RSA-2048 key:
 * PIV cards and sclogin-vcard keep no 1024-bit keys; the certificate is
 * refused before the PIN either way), and a leaf with CA:TRUE.
 */
static void
test_weak_and_ca_leaf(void **state)
{
	char path[PATH_MAX + 64];
	long m = e2e_log_mark(logpath);

	snprintf(path, sizeof(path), "%s/card-%u-weak.state", dir,
	    ++card_seq);
	if (e2e_sh("'%s' init --state '%s' --seal-key '%s' >/dev/null && "
	    "'%s' import --state '%s' --slot 9a --key '%s/alice.key.pem' "
	    "--seal-key '%s' >/dev/null && '%s' import --state '%s' --slot 9a "
	    "--cert '%s/alice-weak.cert.pem' --seal-key '%s' >/dev/null",
	    vcard, path, rig_seal_key(rig), vcard, path, pki,
	    rig_seal_key(rig), vcard, path, pki, rig_seal_key(rig)) < 0)
		fail_msg("cannot make the RSA-1024 card");
	assert_int_equal(rig_card_insert(rig, 0, path), 0);
	auth_refused("sc", "alice", PAM_AUTH_ERR, "too weak");
	e2e_expect_log(logpath, m, "reason=CERT_WEAK_KEY");
	e2e_expect_log(logpath, m, "RSA 1024-bit key");
	teardown_cards(NULL);
	m = e2e_log_mark(logpath);
	bad_cert("alice-ca", "sc", "not meant for signing in",
	    "reason=CERT_IS_CA");
	e2e_expect_log(logpath, m, "basicConstraints CA:TRUE");
}

static void
test_unmapped(void **state)
{
	insert(0, "stranger");
	auth_refused("sc", "alice", PAM_AUTH_ERR, "not linked to an account");
	teardown_cards(NULL);
	/* bob's card cannot sign alice in */
	insert(0, "bob");
	auth_refused("sc", "alice", PAM_AUTH_ERR, NULL);
}

static void
test_card_only(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	char user[64] = "";

	insert(0, "alice");
	run_op("sc", NULL, &cv, PAMTEST_AUTHENTICATE, PAM_SUCCESS, user,
	    sizeof(user));
	assert_string_equal(user, "alice");
	auth_refused("sc-nocardonly", NULL, PAM_AUTH_ERR, NULL);
	teardown_cards(NULL);

	/* shared maps to alice and bob: the user name hint, never a guess */
	insert(0, "shared");
	{
		struct e2e_conv hinted = { .answers = { " bob " },
		    .pins = { "123456" } };
		long m = e2e_log_mark(logpath);

		user[0] = '\0';
		run_op("sc", NULL, &hinted, PAMTEST_AUTHENTICATE, PAM_SUCCESS,
		    user, sizeof(user));
		assert_string_equal(user, "bob");
		e2e_expect_text(&hinted, "linked to several accounts. User "
		    "name:");
		assert_int_equal(hinted.pin_prompts, 1);
		e2e_expect_log(logpath, m, "auth: result=ok reason=OK "
		    "user='bob'");
	}
	{
		/* a name the card does not map to: no PIN, no list */
		struct e2e_conv other = { .answers = { "carol" },
		    .pins = { "123456" } };
		long m = e2e_log_mark(logpath);

		auth("sc", NULL, &other, PAM_AUTH_ERR);
		expect_no_pin_prompt(&other);
		e2e_expect_text(&other, "belongs to another account");
		e2e_expect_log(logpath, m, "reason=WRONG_USER user=''");
		if (strstr(other.transcript, "alice") != NULL)
			fail_msg("the hint question named the accounts");
	}
	{
		struct e2e_conv empty = { .answers = { "" },
		    .pins = { "123456" } };

		auth("sc", NULL, &empty, PAM_AUTHINFO_UNAVAIL);
		expect_no_pin_prompt(&empty);
	}
	/* a user given: no question */
	{
		struct e2e_conv given = { .pins = { "123456" } };

		auth("sc", "alice", &given, PAM_SUCCESS);
		if (strstr(given.transcript, "User name") != NULL)
			fail_msg("asked for a user name the host gave");
	}
}

static void
test_two_cards(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };

	/* bob's card in the first reader is skipped for alice */
	insert(0, "bob");
	insert(1, "alice");
	auth("sc", "alice", &cv, PAM_SUCCESS);
	assert_int_equal(cv.pin_prompts, 1);
	if (strstr(cv.transcript, "Several smart cards") != NULL)
		fail_msg("a chooser for one usable card");
}

/* Two cards that can both sign alice in: she picks one by number. */
static void
test_card_chooser(void **state)
{
	insert(0, "alice");
	insert(1, "alice");
	{
		/* a bad number is asked again; the second card is used */
		struct e2e_conv cv = { .answers = { "3", "2" },
		    .pins = { "123456" } };
		long m = e2e_log_mark(logpath);

		auth("sc", "alice", &cv, PAM_SUCCESS);
		e2e_expect_text(&cv, "Several smart cards can sign you in:\n"
		    "  1: smart card \"alice card\" (" RIG_READER_0 ")\n"
		    "  2: smart card \"alice card\" (" RIG_READER_1 ")\n"
		    "Card number (1-2):");
		e2e_expect_text(&cv, "Type a number from 1 to 2.");
		assert_int_equal(cv.pin_prompts, 1);
		e2e_expect_log(logpath, m, "auth: result=ok reason=OK "
		    "user='alice' reader='" RIG_READER_1 "'");
	}
	{
		/* three wrong answers end it, before any PIN */
		struct e2e_conv cv = { .answers = { "0", "two", "99" },
		    .pins = { "123456" } };
		long m = e2e_log_mark(logpath);

		auth("sc", "alice", &cv, PAM_AUTHINFO_UNAVAIL);
		expect_no_pin_prompt(&cv);
		e2e_expect_log(logpath, m, "reason=CANCELLED");
	}
	{
		/* an empty answer cancels */
		struct e2e_conv cv = { .answers = { "" }, .pins = { "123456" } };

		auth("sc", "alice", &cv, PAM_AUTHINFO_UNAVAIL);
		expect_no_pin_prompt(&cv);
	}
	{
		/* card-only: the chooser too, then the card's user */
		struct e2e_conv cv = { .answers = { "1" }, .pins = { "123456" } };
		char user[64] = "";

		run_op("sc", NULL, &cv, PAMTEST_AUTHENTICATE, PAM_SUCCESS, user,
		    sizeof(user));
		assert_string_equal(user, "alice");
		e2e_expect_text(&cv, "Card number (1-2):");
	}
	{
		/* a PIN change goes to the card chosen, and only to it */
		struct e2e_conv change = { .answers = { "2" },
		    .pins = { "123456", "24681357", "24681357" } };
		struct e2e_conv first = { .answers = { "1" },
		    .pins = { "123456" } };
		struct e2e_conv second = { .answers = { "2" },
		    .pins = { "24681357" } };

		run_op("sc", "alice", &change, PAMTEST_CHAUTHTOK, PAM_SUCCESS,
		    NULL, 0);
		e2e_expect_text(&change, "Card number (1-2):");
		auth("sc", "alice", &first, PAM_SUCCESS);
		auth("sc", "alice", &second, PAM_SUCCESS);
	}
}

/* The same certificate in 9A and 9E counts once; 9E only with slots=. */
static void
test_slots(void **state)
{
	struct e2e_conv both = { .pins = { "123456" } };
	struct e2e_conv slots9e = { .pins = { "123456" } };
	char path[PATH_MAX + 64];
	long m = e2e_log_mark(logpath);

	snprintf(path, sizeof(path), "%s", make_card("alice", NULL));
	import_9e(path, "alice");
	assert_int_equal(rig_card_insert(rig, 0, path), 0);
	auth("sc-slots", "alice", &both, PAM_SUCCESS);
	assert_int_equal(both.pin_prompts, 1);
	e2e_expect_log(logpath, m, "duplicate certificate");
	teardown_cards(NULL);

	/* a card with only a 9E certificate */
	insert_9e_only(0, "carol");
	auth_refused("sc", "carol", PAM_AUTHINFO_UNAVAIL, NULL);
	auth("sc-slots", "carol", &slots9e, PAM_SUCCESS);
}

/* slots = in sclogin.conf; the module argument slots= overrides it. */
static void
test_slots_config(void **state)
{
	struct e2e_conv conf9e = { .pins = { "123456" } };

	insert_9e_only(0, "carol");
	/* [service sc-slots-conf] slots = 9e, 9a */
	auth("sc-slots-conf", "carol", &conf9e, PAM_SUCCESS);
	assert_int_equal(conf9e.pin_prompts, 1);
	/* same section, but slots=9a on the module line wins: no 9A cert */
	auth_refused("sc-slots-arg9a", "carol", PAM_AUTHINFO_UNAVAIL, NULL);
}

/*
 * A card that does not report its PIN tries (empty VERIFY answers 6700):
 * the user is told before the prompt (warn, the default), or no PIN is
 * asked at all (unknown_tries = refuse).  Never a silent try.
 */
static void
test_unknown_tries(void **state)
{
	struct e2e_conv warn = { .pins = { "123456" } };
	struct e2e_conv change = {
	    .pins = { "123456", "24681357", "24681357" } };
	const char *argv[] = { vcard, "run", "--state", NULL, "--port",
		"40000", "--seal-key", rig_seal_key(rig), "--no-tries-report",
		NULL };
	long m;

	argv[3] = make_card("alice", NULL);
	assert_int_equal(rig_card_insert_argv(rig, 0, argv), 0);
	m = e2e_log_mark(logpath);
	auth("sc", "alice", &warn, PAM_SUCCESS);
	e2e_expect_text(&warn, "[info] Smart card \"alice card\" does not "
	    "report how many PIN tries are left: a wrong PIN may block it.");
	e2e_expect_text(&warn, "(tries left unknown): ");
	/* the warning comes before the prompt */
	assert_true(strstr(warn.transcript, "[info] Smart card \"alice card\" "
	    "does not") <
	    strstr(warn.transcript, "[secret]"));
	e2e_expect_log(logpath, m, "tries left unknown");

	m = e2e_log_mark(logpath);
	auth_refused("sc-unknown-refuse", "alice", PAM_AUTHINFO_UNAVAIL,
	    "does not tell how many PIN tries are left");
	e2e_expect_log(logpath, m, "reason=PIN_TRIES_UNKNOWN");
	run_op("sc-unknown-refuse", "alice", &change, PAMTEST_CHAUTHTOK,
	    PAM_AUTHTOK_ERR, NULL, 0);
	expect_no_pin_prompt(&change);
}

static void
test_bad_config(void **state)
{
	insert(0, "alice");
	auth_refused("sc-badconf", "alice", PAM_SERVICE_ERR, "misconfigured");
	auth_refused("sc-badarg", "alice", PAM_SERVICE_ERR, NULL);
}

static void
test_no_pcscd(void **state)
{
	struct e2e_conv cv = { 0 };
	struct e2e_conv co = { 0 };
	uint64_t t0;

	assert_int_equal(rig_pcscd_stop(rig), 0);
	t0 = rig_now_ms();
	auth("sc", "alice", &cv, PAM_AUTHINFO_UNAVAIL);
	auth("sc", NULL, &co, PAM_AUTHINFO_UNAVAIL);
	e2e_expect_text(&co, "smart card service is not running");
	assert_true(rig_now_ms() - t0 < 5000);
	assert_int_equal(rig_pcscd_start(rig), 0);
}

static void
test_account_required(void **state)
{
	struct e2e_conv bob = { .pins = { "secret" } };
	struct e2e_conv bobcard = { .pins = { "123456" } };
	struct e2e_conv alice = { .pins = { "secret" } };
	struct e2e_conv cron = { 0 };
	struct pam_testcase pw[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_PERM_DENIED),
	};
	struct pam_testcase pw_ok[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	};

	/* bob must use a card: password sign-in is refused at account */
	assert_int_equal(_pamtest_conv("sc-required", "bob", e2e_conv_fn, &bob,
	    pw, 2, NULL), PAMTEST_ERR_OK);
	e2e_expect_text(&bob, "A smart card is required");
	/* alice may use her password */
	assert_int_equal(_pamtest_conv("sc-required", "alice", e2e_conv_fn,
	    &alice, pw_ok, 2, NULL), PAMTEST_ERR_OK);
	/* bob with his card is fine */
	insert(0, "bob");
	assert_int_equal(_pamtest_conv("sc-required", "bob", e2e_conv_fn,
	    &bobcard, pw_ok, 2, NULL), PAMTEST_ERR_OK);
	/* cron is never affected */
	run_op("cron", "bob", &cron, PAMTEST_ACCOUNT, PAM_SUCCESS, NULL, 0);
}

static void
test_change_pin(void **state)
{
	struct e2e_conv bad = { .pins = { "123456", "12", "12" } };
	struct e2e_conv mism = { .pins = { "123456", "24681357", "24681358" } };
	struct e2e_conv ok = { .pins = { "123456", "24681357", "24681357" } };
	struct e2e_conv oldfail = { .pins = { "123456" } };
	struct e2e_conv newok = { .pins = { "24681357" } };

	insert(0, "alice");
	run_op("sc", "alice", &bad, PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR, NULL,
	    0);
	run_op("sc", "alice", &mism, PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR, NULL,
	    0);
	e2e_expect_text(&mism, "do not match");
	run_op("sc", "alice", &ok, PAMTEST_CHAUTHTOK, PAM_SUCCESS, NULL, 0);
	e2e_expect_text(&ok, "was changed");
	auth("sc", "alice", &oldfail, PAM_AUTH_ERR);
	auth("sc", "alice", &newok, PAM_SUCCESS);
}

/*
 * A current PIN no PIN of the policy can be (6..8) is refused before the
 * new PIN is asked, and spends no try on the card.
 */
static void
test_change_pin_old_length(void **state)
{
	struct e2e_conv shortpin = {
	    .pins = { "12345", "24681357", "24681357" } };
	struct e2e_conv one = { .pins = { "1", "24681357", "24681357" } };
	struct e2e_conv ok = { .pins = { "123456" } };

	insert(0, "alice");
	run_op("sc", "alice", &shortpin, PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR,
	    NULL, 0);
	assert_int_equal(shortpin.pin_prompts, 1);
	e2e_expect_text(&shortpin, "[error] The PIN must have at least 6 "
	    "characters. No PIN try was used.");
	run_op("sc", "alice", &one, PAMTEST_CHAUTHTOK, PAM_AUTHTOK_ERR, NULL,
	    0);
	assert_int_equal(one.pin_prompts, 1);
	/* still 3 tries: low_tries_warn = 2 would show "2 tries left" */
	auth("sc", "alice", &ok, PAM_SUCCESS);
	if (strstr(ok.transcript, "tries left") != NULL)
		fail_msg("a try was spent:\n%s", ok.transcript);
}

/*
 * Session after a card sign-in with removal_action=lock: the removal
 * monitor (a recorder script in the test build of the module) is started,
 * detached, with the reader, card id, action, logind session, debounce
 * and the backend (tests/p11/e2e-p11.c: the PKCS#11 one).
 */
static void
test_removal_monitor(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	};
	char args[PATH_MAX + 64], proc[PATH_MAX + 64], *slash, buf[1024] = "";
	char pbuf[4096] = "";
	struct rlimit rl;
	sigset_t term, old;
	uint64_t deadline;
	FILE *f = NULL;
	int fd;

	if (test_module == NULL)
		skip();
	snprintf(args, sizeof(args), "%s", test_module);
	slash = strrchr(args, '/');
	assert_non_null(slash);
	snprintf(slash + 1, sizeof(args) - (size_t)(slash + 1 - args),
	    "removal-monitor.args");
	snprintf(proc, sizeof(proc), "%.*s/removal-monitor.proc",
	    (int)(slash - args), args);
	unlink(args);
	unlink(proc);

	/*
	 * The host has a descriptor above 1024 without O_CLOEXEC and blocks
	 * SIGTERM during the call (as sudo and login do with some signals):
	 * the monitor must inherit neither.
	 */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 2048 && rl.rlim_max >= 2048) {
		rl.rlim_cur = 2048;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 1500), 1500);
	close(fd);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);

	insert(0, "alice");
	assert_int_equal(_pamtest_conv("sc-removal", "alice", e2e_conv_fn, &cv,
	    tc, 2, NULL), PAMTEST_ERR_OK);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(1500);
	deadline = rig_now_ms() + 5000;
	while (rig_now_ms() < deadline && (f = fopen(args, "r")) == NULL)
		usleep(20 * 1000);
	assert_non_null(f);
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	unlink(args);
	fprintf(stderr, "removal monitor argv:\n%s", buf);
	if (strncmp(buf, "--reader\nVirtual PCD 00 00\n--card-id\n", 37) != 0 ||
	    strstr(buf, "\n--action\nlock\n--session\nc42\n"
	    "--debounce-ms\n500\n--backend\npiv\n") == NULL ||
	    strstr(buf, "--pkcs11") != NULL)
		fail_msg("unexpected arguments:\n%s", buf);

	assert_non_null(f = fopen(proc, "r"));
	assert_true(fread(pbuf, 1, sizeof(pbuf) - 1, f) > 0);
	fclose(f);
	unlink(proc);
	/* (not printed when fine: the signal masks look like PINs) */
	if (strstr(pbuf, "fd1500=closed\n") == NULL)
		fail_msg("the monitor inherited fd 1500 of the host:\n%s", pbuf);
	if (strstr(pbuf, "SigBlk: 0000000000000000\n") == NULL)
		fail_msg("the monitor inherited blocked signals:\n%s", pbuf);
	if (strstr(pbuf, "cwd=/\n") == NULL)
		fail_msg("the monitor kept the host's working directory:\n%s",
		    pbuf);
	if (strstr(pbuf, "env=PATH=/usr/sbin:/usr/bin:/sbin:/bin \n") == NULL)
		fail_msg("the monitor's environment is not clean:\n%s", pbuf);
}

/* An XDG_SESSION_ID that is not a logind id starts no monitor. */
static void
test_removal_monitor_bad_session(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_OPEN_SESSION, PAM_SUCCESS),
	};
	char args[PATH_MAX + 64], *slash;
	long m = e2e_log_mark(logpath);

	if (test_module == NULL)
		skip();
	snprintf(args, sizeof(args), "%s", test_module);
	slash = strrchr(args, '/');
	assert_non_null(slash);
	snprintf(slash + 1, sizeof(args) - (size_t)(slash + 1 - args),
	    "removal-monitor.args");
	unlink(args);
	insert(0, "alice");
	assert_int_equal(_pamtest_conv("sc-removal-badsid", "alice",
	    e2e_conv_fn, &cv, tc, 2, NULL), PAMTEST_ERR_OK);
	usleep(1500 * 1000);
	if (access(args, F_OK) == 0)
		fail_msg("a monitor was started for session '--host=evil'");
	e2e_expect_log(logpath, m, "no usable XDG_SESSION_ID");
}

/*
 * A card sign-in counts only while it is the last authentication of the
 * handle and only for its user: bob signs in with his card, then with his
 * password in the same handle; "card required" must now refuse him.
 */
static void
test_account_stale_card(void **state)
{
	struct e2e_conv cv = { .pins = { "123456", "", "secret" } };
	struct pam_testcase tc[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_PERM_DENIED),
	};

	insert(0, "bob");
	assert_int_equal(_pamtest_conv("sc-required", "bob", e2e_conv_fn, &cv,
	    tc, 4, NULL), PAMTEST_ERR_OK);
	fprintf(stderr, "%s", cv.transcript);
	assert_int_equal(cv.pin_prompts, 3);
}

/* A user name from the application is escaped in every log line. */
static void
test_log_escapes_user(void **state)
{
	struct e2e_conv cv = { 0 };
	long m = e2e_log_mark(logpath);

	run_op("sc", "x\nresult=ok", &cv, PAMTEST_OPEN_SESSION, PAM_SUCCESS,
	    NULL, 0);
	e2e_expect_log(logpath, m, "method of 'x\\x0aresult=ok'");
}

/* Last: no PIN used by any case ever reached a log line. */
static void
test_no_pin_in_log(void **state)
{
	static const char *const pins[] = { "123456", "654321", "000000",
		"999999", "24681357", "24681358" };
	char *buf = e2e_log_read(logpath, 0);
	size_t i;

	assert_non_null(buf);
	assert_non_null(strstr(buf, "result=ok"));
	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		if (strstr(buf, pins[i]) != NULL)
			fail_msg("PIN %s found in the log", pins[i]);
	free(buf);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_success, teardown_cards),
		cmocka_unit_test_teardown(test_hostile_label, teardown_cards),
		cmocka_unit_test_teardown(test_cert_cache, teardown_cards),
		cmocka_unit_test_teardown(test_ecc, teardown_cards),
		cmocka_unit_test_teardown(test_record_group, teardown_cards),
		cmocka_unit_test_teardown(test_wrong_pin, teardown_cards),
		cmocka_unit_test_teardown(test_last_try_and_blocked,
		    teardown_cards),
		cmocka_unit_test_teardown(test_last_try_confirmed_ok,
		    teardown_cards),
		cmocka_unit_test_teardown(test_empty_pin_falls_through,
		    teardown_cards),
		cmocka_unit_test_teardown(test_no_card, teardown_cards),
		cmocka_unit_test_teardown(test_no_card_wait, teardown_cards),
		cmocka_unit_test_teardown(test_card_removed, teardown_cards),
		cmocka_unit_test_teardown(test_bad_certs, teardown_cards),
		cmocka_unit_test_teardown(test_revoked_crl, teardown_cards),
		cmocka_unit_test_teardown(test_revoked_ocsp, teardown_cards),
		cmocka_unit_test_teardown(test_default_revocation,
		    teardown_cards),
		cmocka_unit_test_teardown(test_revoked_intermediate,
		    teardown_cards),
		cmocka_unit_test_teardown(test_partial_crls, teardown_cards),
		cmocka_unit_test_teardown(test_weak_and_ca_leaf, teardown_cards),
		cmocka_unit_test_teardown(test_mapping_defaults, teardown_cards),
		cmocka_unit_test_teardown(test_unmapped, teardown_cards),
		cmocka_unit_test_teardown(test_card_only, teardown_cards),
		cmocka_unit_test_teardown(test_two_cards, teardown_cards),
		cmocka_unit_test_teardown(test_card_chooser, teardown_cards),
		cmocka_unit_test_teardown(test_slots, teardown_cards),
		cmocka_unit_test_teardown(test_bad_config, teardown_cards),
		cmocka_unit_test_teardown(test_no_pcscd, teardown_cards),
		cmocka_unit_test_teardown(test_account_required, teardown_cards),
		cmocka_unit_test_teardown(test_change_pin, teardown_cards),
		cmocka_unit_test_teardown(test_change_pin_old_length,
		    teardown_cards),
		cmocka_unit_test_teardown(test_unknown_tries, teardown_cards),
		cmocka_unit_test_teardown(test_slots_config, teardown_cards),
		cmocka_unit_test_teardown(test_removal_monitor, teardown_cards),
		cmocka_unit_test_teardown(test_removal_monitor_bad_session,
		    teardown_cards),
		cmocka_unit_test_teardown(test_account_stale_card,
		    teardown_cards),
		cmocka_unit_test(test_log_escapes_user),
		cmocka_unit_test(test_no_pin_in_log),
	};
	char path[PATH_MAX + 64];
	int r;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s pam_sclogin.so PKI_DIR "
		    "[pam_sclogin_test.so]\n", argv[0]);
		return 2;
	}
	module = argv[1];
	pki = argv[2];
	test_module = argc == 4 ? argv[3] : NULL;
	if ((r = e2e_pam_begin("pam", argv, &vcard)) != 0)
		return r;
	if ((r = rig_start(&rig)) != 0)
		return r;

	snprintf(dir, sizeof(dir), "%s/pam", rig_dir(rig));
	snprintf(svcdir, sizeof(svcdir), "%s/services", dir);
	snprintf(statedir, sizeof(statedir), "%s/state", dir);
	snprintf(conf, sizeof(conf), "%s/sclogin.conf", dir);
	snprintf(path, sizeof(path), "%s/cache", dir);
	if (mkdir(dir, 0755) < 0 || mkdir(svcdir, 0755) < 0 ||
	    mkdir(path, 0700) < 0) {
		perror(dir);
		rig_stop(&rig);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/passdb", dir);
	e2e_write_file(path, "alice:secret:sc-fallback\n"
	    "alice:secret:sc-required\nbob:secret:sc-required\n");
	e2e_write_file(conf,
	    "[global]\n"
	    "ca_file = %s/ca.pem\n"
	    "mapfile = %s/mapfile\n"
	    "mapping = upn, mapfile, cn\n"
	    "upn_domain = example.test\n"
	    "crl = off\n"
	    "ocsp = off\n"
	    "state_dir = %s\n"
	    "crl_cache_dir = %s/cache\n"
	    "cert_cache = %s/certs\n"
	    "last_try = confirm\n"
	    "low_tries_warn = 2\n"
	    "card_timeout_ms = 5000\n"
	    "revocation_timeout_ms = 3000\n"
	    "debug = yes\n"
	    "[service sc-slots-conf]\n"
	    "slots = 9e, 9a\n"
	    "[service sc-slots-arg9a]\n"
	    "slots = 9e, 9a\n", pki, pki, statedir, dir, dir);
	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	e2e_write_file(path, "[global]\nocsp = requried\n");
	/* issue 12: nothing about revocation or keys is set here */
	snprintf(path, sizeof(path), "%s/crl-empty", dir);
	if (mkdir(path, 0755) < 0) {
		perror(path);
		rig_stop(&rig);
		return 1;
	}
	snprintf(defconf, sizeof(defconf), "%s/default.conf", dir);
	e2e_write_file(defconf,
	    "[global]\n"
	    "ca_file = %s/ca.pem\n"
	    "mapfile = %s/mapfile\n"
	    "mapping = upn, mapfile\n"
	    "upn_domain = example.test\n"
	    "state_dir = %s\n"
	    "crl_dir = %s/crl-empty\n"
	    "crl_cache_dir = %s/crl-empty\n"
	    "cert_cache = %s/certs\n"
	    "debug = yes\n", pki, pki, statedir, dir, dir, dir);
	snprintf(mapconf, sizeof(mapconf), "%s/mapping-default.conf", dir);
	e2e_write_file(mapconf,
	    "[global]\n"
	    "ca_file = %s/ca.pem\n"
	    "mapfile = %s/mapfile\n"
	    "state_dir = %s\n"
	    "cert_cache = %s/certs\n"
	    "crl = off\n"
	    "debug = yes\n", pki, pki, statedir, dir);
	write_services();
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	r = e2e_pam_run_tests(svcdir, logpath, tests,
	    sizeof(tests) / sizeof(tests[0]));
	if (r < 0) {
		rig_stop(&rig);
		return 1;
	}
	if (ocsp_pid > 0) {
		kill(ocsp_pid, SIGTERM);
		waitpid(ocsp_pid, NULL, 0);
	}
	rig_stop(&rig);
	e2e_users_remove();
	return r;
}
