/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * Issue 12, "one deadline for a whole scan", through the real stack: the
 * real pam_sclogin.so in a PAM stack (pam_wrapper + libpamtest), users
 * from nss_wrapper, the rig's pcscd with its two vpcd readers, virtual
 * cards behind tests/hardening/fault-card.  The attack: a card that
 * answers each APDU just under card_timeout_ms held every sign-in on the
 * machine (APDUs x card_timeout_ms, over 60 s here) because the scan runs
 * before the password prompt.  Cases:
 *  a. a slow card in reader 1, bob signs in by password through a
 *     `sufficient` stack: within scan_timeout_ms, the reader logged as
 *     skipped (reason=DEADLINE);
 *  b. alice's card in reader 0 and a slow card in reader 1: alice signs
 *     in by card, reader 1 skipped at the deadline;
 *  c. a card that slows down after the PIN prompt: authenticate ends at
 *     auth_timeout_ms before VERIFY (no PIN sent, no try spent).
 * Under valgrind only (a) runs (the module's deadline paths; (b) and (c)
 * time a card under valgrind, not the module).
 *
 * Needs root; exits 77 otherwise.  e2e-pam-deadline MODULE PKI_DIR FAULT_CARD
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
#include <unistd.h>

#include <cmocka.h>
#include <libpamtest.h>
#include <security/pam_appl.h>

#include "e2e-util.h"
#include "rig.h"

#define PAM_MATRIX "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_matrix.so"
#define SLOW_APDU_MS "9000"	/* just under card_timeout_ms (10 s) */
#define SCAN_BOUND_MS 8000	/* scan_timeout_ms (5 s) + the rest */

static struct rig *rig;
static const char *module, *pki, *vcard, *fault_card;
static char dir[PATH_MAX], conf[PATH_MAX + 32], svcdir[PATH_MAX + 32];
static char logpath[PATH_MAX + 32], wirelog[PATH_MAX + 32];
static int under_valgrind;
static uint64_t S = 1;

static const char *
make_card(const char *leaf)
{
	return e2e_make_card_wrapped(getenv("SCL_TEST_WRAPPER"), vcard,
	    rig_seal_key(rig), dir, pki, leaf, NULL);
}

static uint64_t
auth(const char *service, const char *user, struct e2e_conv *cv, int want)
{
	struct pam_testcase tc[] = { pam_test(PAMTEST_AUTHENTICATE, want) };
	enum pamtest_err e;
	uint64_t t0 = rig_now_ms(), dt;

	e = _pamtest_conv(service, user, e2e_conv_fn, cv, tc, 1, NULL);
	dt = rig_now_ms() - t0;
	fprintf(stderr, "%s auth user=%s: rv=%d (%s) in %llu ms\n%s", service,
	    user, tc[0].op_rv, pam_strerror(NULL, tc[0].op_rv),
	    (unsigned long long)dt, cv->transcript);
	if (e != PAMTEST_ERR_OK)
		fail_msg("%s: want %s (%d), got %s (%d): %s", service,
		    pam_strerror(NULL, want), want,
		    pam_strerror(NULL, tc[0].op_rv), tc[0].op_rv,
		    pamtest_strerror(e));
	return dt;
}

/*
 * A PIV card (alice) in reader `reader`, behind a fault card that answers
 * with fault args fa[] (NULL-terminated, at most 15).  Slot 1 - reader
 * keeps the fault card's process.
 */
static void
insert_behind_fault(unsigned reader, const char *const fa[])
{
	char port[16], listen[16];
	const char *fc[24] = { fault_card, "--listen", listen, "--connect",
	    port, "--once", "--log", wirelog };
	const char *vc[] = { vcard, "run", "--state", NULL, "--port", listen,
	    "--seal-key", rig_seal_key(rig), NULL };
	size_t n = 8, i;

	for (i = 0; fa[i] != NULL && n < 23; i++)
		fc[n++] = fa[i];
	fc[n] = NULL;
	vc[3] = make_card("alice");
	snprintf(port, sizeof(port), "%u", rig_card_port(reader));
	snprintf(listen, sizeof(listen), "%u", 41000 + reader);
	unlink(wirelog);
	if (rig_card_spawn(rig, 1 - reader, fc) != 0 ||
	    rig_card_insert_argv(rig, reader, vc) != 0) {
		(void)e2e_sh("tail -n 5 '%s'/card*.log >&2", rig_dir(rig));
		fail_msg("cannot insert a card behind the fault card");
	}
}

static int
teardown(void **state)
{
	(void)state;
	(void)rig_card_kill(rig, 0);
	(void)rig_card_kill(rig, 1);
	if (rig_wait_card(rig, 0, 0, (int)(5000 * S)) != 0)
		return -1;
	return rig_wait_card(rig, 1, 0, (int)(5000 * S));
}

/* a. bob's password is not held by a slow card in the other reader. */
static void
test_password_not_held(void **state)
{
	static const char *const fa[] = { "--fault", "delay", "--arg",
	    SLOW_APDU_MS, "--at", "1", NULL };
	struct e2e_conv cv = { .pins = { "bobpw" } };
	long m = e2e_log_mark(logpath);
	uint64_t dt;

	(void)state;
	insert_behind_fault(1, fa);
	dt = auth("sc-fallback", "bob", &cv, PAM_SUCCESS);
	assert_true(dt < SCAN_BOUND_MS * S);
	e2e_expect_text(&cv, "took too long to answer");
	e2e_expect_log(logpath, m, "scan: result=skipped reason=DEADLINE "
	    "reader='" RIG_READER_1 "'");
}

/* b. alice's card in reader 0 signs in; the slow reader 1 is skipped. */
static void
test_card_beside_slow_card(void **state)
{
	char port[16];
	const char *slow[] = { fault_card, "--standalone", "--connect", port,
	    "--fault", "delay", "--arg", "9500", NULL };
	struct e2e_conv cv = { .pins = { "123456" } };
	long m = e2e_log_mark(logpath);
	uint64_t dt;

	(void)state;
	if (under_valgrind)
		skip();
	if (rig_card_insert(rig, 0, make_card("alice")) != 0)
		fail_msg("cannot insert alice's card");
	snprintf(port, sizeof(port), "%u", rig_card_port(1));
	if (rig_card_insert_argv(rig, 1, slow) != 0)
		fail_msg("cannot insert the slow card");
	dt = auth("sc", "alice", &cv, PAM_SUCCESS);
	assert_true(dt < SCAN_BOUND_MS * S);
	assert_int_equal(cv.pin_prompts, 1);
	e2e_expect_log(logpath, m, "scan: result=skipped reason=DEADLINE "
	    "reader='" RIG_READER_1 "'");
	e2e_expect_log(logpath, m, "auth: result=ok reason=OK user='alice'");
}

/* c. slow after the PIN prompt: DEADLINE before VERIFY, nothing spent. */
static void
test_auth_deadline(void **state)
{
	static const char *const fa[] = { "--fault", "delay", "--arg", "4000",
	    "--ins", "A4", "--nth", "2", NULL };
	struct e2e_conv cv = { .pins = { "123456" } };
	long m = e2e_log_mark(logpath);
	char *wire;
	uint64_t dt;

	(void)state;
	if (under_valgrind)
		skip();
	insert_behind_fault(0, fa);
	dt = auth("sc-auth6", "alice", &cv, PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(cv.pin_prompts, 1);
	/* the scan, the prompt, then auth_timeout_ms (6 s) */
	assert_true(dt < 6000 + SCAN_BOUND_MS);
	e2e_expect_text(&cv, "took too long to answer");
	e2e_expect_log(logpath, m,
	    "auth: result=fail reason=DEADLINE user='alice'");
	/* no VERIFY carrying the PIN ever reached the card */
	assert_non_null(wire = e2e_log_read(wirelog, 0));
	if (strstr(wire, "ins=20 p1p2=0080 body=8") != NULL)
		fail_msg("a PIN was sent after the deadline:\n%s", wire);
	free(wire);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_password_not_held, teardown),
		cmocka_unit_test_teardown(test_card_beside_slow_card, teardown),
		cmocka_unit_test_teardown(test_auth_deadline, teardown),
	};
	char path[PATH_MAX + 32];
	int r;

	if (argc != 4) {
		fprintf(stderr, "usage: %s pam_sclogin.so PKI_DIR FAULT_CARD\n",
		    argv[0]);
		return 2;
	}
	module = argv[1];
	pki = argv[2];
	fault_card = argv[3];
	under_valgrind = getenv("SCL_TEST_WRAPPER") != NULL &&
	    *getenv("SCL_TEST_WRAPPER") != '\0';
	if (under_valgrind)
		S = 5;
	if ((r = e2e_pam_begin("deadline", argv, &vcard)) != 0)
		return r;
	if ((r = rig_start(&rig)) != 0)
		return r;
	snprintf(dir, sizeof(dir), "%s/pam", rig_dir(rig));
	snprintf(svcdir, sizeof(svcdir), "%s/services", dir);
	snprintf(conf, sizeof(conf), "%s/sclogin.conf", dir);
	snprintf(wirelog, sizeof(wirelog), "%s/wire.log", dir);
	snprintf(path, sizeof(path), "%s/state", dir);
	if (mkdir(dir, 0755) < 0 || mkdir(svcdir, 0755) < 0 ||
	    mkdir(path, 0700) < 0) {
		perror(dir);
		rig_stop(&rig);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/passdb", dir);
	e2e_write_file(path, "bob:bobpw:sc-fallback\n");
	snprintf(path, sizeof(path), "%s/mapfile", dir);
	e2e_write_file(path, "%s", "");
	/* the deadlines are the defaults: scan 5 s, authenticate 10 s */
	e2e_write_file(conf,
	    "[global]\n"
	    "ca_file = %s/ca.pem\n"
	    "mapfile = %s/mapfile\n"
	    "mapping = upn, mapfile\n"
	    "upn_domain = example.test\n"
	    "crl = off\n"
	    "ocsp = off\n"
	    "state_dir = %s/state\n"
	    "cert_cache = %s/certs\n"
	    "debug = yes\n", pki, dir, dir, dir);
	e2e_write_service(svcdir, "sc", "auth required %s config=%s\n",
	    module, conf);
	e2e_write_service(svcdir, "sc-fallback",
	    "auth sufficient %s config=%s\n"
	    "auth required " PAM_MATRIX " passdb=%s/passdb\n", module, conf,
	    dir);
	e2e_write_service(svcdir, "sc-auth6", "auth required %s config=%s "
	    "auth_timeout_ms=6000\n", module, conf);
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	r = e2e_pam_run_tests(svcdir, logpath, tests,
	    sizeof(tests) / sizeof(tests[0]));
	if (r < 0) {
		rig_stop(&rig);
		return 1;
	}
	rig_stop(&rig);
	e2e_users_remove();
	return r;
}
