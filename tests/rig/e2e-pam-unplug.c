/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * Issue 6, "a reader unplugged while waiting", through the real stack: the
 * real pam_sclogin.so in a PAM stack (pam_wrapper + libpamtest), users from
 * nss_wrapper, the rig's pcscd with the vpcd reader as a USB reader that is
 * unplugged and plugged back while pcscd runs (rig_hotplug_enable), the
 * virtual card, the test PKI.  Cases:
 *  a. waiting for a card (wait_for_card), the reader is unplugged, plugged
 *     back and the card inserted within the wait: signs in;
 *  b. unplugged while waiting and never back: ends at the wait bound with a
 *     clear message and reason, PAM_AUTHINFO_UNAVAIL;
 *  c. unplugged while the PIN prompt is shown: "removed", no try spent;
 *  d. unplugged while the card is inside an APDU (a fault card stalls the
 *     signature, then loses power with the reader): a bounded error, and
 *     as the PIN was verified a failed proof (SIG_INVALID, PAM_AUTH_ERR;
 *     issue 12).
 *
 * Needs root; exits 77 otherwise.  e2e-pam-unplug MODULE PKI_DIR FAULT_CARD
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpamtest.h>
#include <security/pam_appl.h>

#include "e2e-util.h"
#include "nss-users.h"
#include "rig.h"

static struct rig *rig;
static const char *module, *pki, *vcard, *fault_card;
static char dir[PATH_MAX], conf[PATH_MAX + 32], svcdir[PATH_MAX + 32];
static char logpath[PATH_MAX + 32];

/*
 * Under SCL_TEST_WRAPPER (valgrind: this test, the module in it and the
 * cards) every upper time bound is S times longer; the checks stay.
 */
static uint64_t S = 1;

/* A fresh virtual card with PKI leaf `leaf` in 9A (static path). */
static const char *
make_card(const char *leaf)
{
	return e2e_make_card_wrapped(getenv("SCL_TEST_WRAPPER"), vcard,
	    rig_seal_key(rig), dir, pki, leaf, NULL);
}

/* ---- the conversation (e2e_conv) ---- */

/* "Insert your smart card" was shown (reset by player_start). */
static atomic_int waiting;

/* on_prompt: unplug the reader at the PIN prompt. */
static int
unplug_at_prompt(struct e2e_conv *cv)
{
	cv->on_prompt = NULL;
	return rig_reader_unplug(rig, 0) != 0 ? -1 : 0;
}

/* on_prompt: wedge the reader (still listed) at the PIN prompt. */
static int
wedge_at_prompt(struct e2e_conv *cv)
{
	cv->on_prompt = NULL;
	return rig_reader_fail(rig, 0, 1) != 0 ? -1 : 0;
}

static int
note_waiting(struct e2e_conv *cv, const char *msg)
{
	(void)cv;
	if (strstr(msg, "Insert your smart card"))
		atomic_store(&waiting, 1);
	return 0;
}

static int
auth(const char *service, const char *user, struct e2e_conv *cv, int want)
{
	struct pam_testcase tc[] = { pam_test(PAMTEST_AUTHENTICATE, want) };
	enum pamtest_err e;
	uint64_t t0 = rig_now_ms();

	cv->on_info = note_waiting;
	e = _pamtest_conv(service, user, e2e_conv_fn, cv, tc, 1, NULL);
	fprintf(stderr, "%s auth user=%s: rv=%d (%s) in %llu ms\n%s", service,
	    user, tc[0].op_rv, pam_strerror(NULL, tc[0].op_rv),
	    (unsigned long long)(rig_now_ms() - t0), cv->transcript);
	if (e != PAMTEST_ERR_OK)
		fail_msg("%s: want %s (%d), got %s (%d): %s", service,
		    pam_strerror(NULL, want), want,
		    pam_strerror(NULL, tc[0].op_rv), tc[0].op_rv,
		    pamtest_strerror(e));
	return tc[0].op_rv;
}

/* ---- the helper thread: plays the user at the reader during a wait ---- */

enum script { S_UNPLUG_REPLUG_INSERT, S_UNPLUG, S_PULL_ON_TRIGGER,
    S_UNWEDGE };

struct player {
	pthread_t th;
	enum script script;
	const char *card_state;		/* S_UNPLUG_REPLUG_INSERT */
	char trigger[PATH_MAX + 32];	/* S_PULL_ON_TRIGGER */
	int done_pipe[2];		/* main -> player: finished */
	atomic_int failed;
	uint64_t unplugged_at;
};

static void *
player_main(void *arg)
{
	struct player *p = arg;
	uint64_t end = rig_now_ms() + 15000 * S;
	char c;

	if (p->script == S_PULL_ON_TRIGGER) {
		while (access(p->trigger, F_OK) != 0 && rig_now_ms() < end)
			usleep(10 * 1000);
		if (access(p->trigger, F_OK) != 0) {
			atomic_store(&p->failed, 1);
			goto park;
		}
		/* The card is inside the signature: unplug, and the card
		 * loses its power with the reader. */
		p->unplugged_at = rig_now_ms();
		if (rig_reader_pull(rig, 0) != 0)
			atomic_store(&p->failed, 1);
		usleep(50 * 1000);
		(void)rig_card_kill(rig, 1);
		goto park;
	}
	while (!atomic_load(&waiting) && rig_now_ms() < end)
		usleep(10 * 1000);
	/* Let the module settle into its monitor wait. */
	usleep(700 * 1000);
	if (p->script == S_UNWEDGE) {
		if (rig_reader_fail(rig, 0, 0) != 0)
			atomic_store(&p->failed, 1);
		goto park;
	}
	p->unplugged_at = rig_now_ms();
	if (rig_reader_unplug(rig, 0) != 0) {
		atomic_store(&p->failed, 1);
		goto park;
	}
	if (p->script == S_UNPLUG)
		goto park;
	usleep(700 * 1000);
	if (rig_reader_replug(rig, 0) != 0) {
		atomic_store(&p->failed, 1);
		goto park;
	}
	usleep(300 * 1000);
	{
		char port[16];
		const char *argv[] = { vcard, "run", "--state", p->card_state,
		    "--port", port, "--seal-key", rig_seal_key(rig), NULL };

		snprintf(port, sizeof(port), "%u", rig_card_port(0));
		/* Spawned here: the card dies with this thread (PDEATHSIG),
		 * so the thread stays until main is done. */
		if (rig_card_spawn(rig, 0, argv) != 0)
			atomic_store(&p->failed, 1);
	}
park:
	while (read(p->done_pipe[0], &c, 1) == -1 && errno == EINTR)
		;
	return NULL;
}

static void
player_start(struct player *p)
{
	atomic_init(&p->failed, 0);
	atomic_store(&waiting, 0);
	if (pipe(p->done_pipe) != 0 ||
	    pthread_create(&p->th, NULL, player_main, p) != 0)
		fail_msg("cannot start the player thread");
}

static void
player_stop(struct player *p)
{
	(void)!write(p->done_pipe[1], "x", 1);
	pthread_join(p->th, NULL);
	close(p->done_pipe[0]);
	close(p->done_pipe[1]);
	if (atomic_load(&p->failed))
		fail_msg("the reader script failed (see rig: lines)");
}

/* Back to the start: both readers in, no card. */
static int
teardown(void **state)
{
	(void)state;
	(void)rig_reader_fail(rig, 0, 0);
	(void)rig_card_kill(rig, 0);
	(void)rig_card_kill(rig, 1);
	if (rig_reader_replug(rig, 0) != 0)
		return -1;
	return rig_wait_card(rig, 0, 0, (int)(5000 * S));
}

/* ---- the cases ---- */

/* a. Unplugged while waiting, back, card in: signs in within the wait. */
static void
test_wait_unplug_replug(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	struct player p = { .script = S_UNPLUG_REPLUG_INSERT };
	long m = e2e_log_mark(logpath);
	uint64_t t0;

	(void)state;
	p.card_state = make_card("alice");
	player_start(&p);
	t0 = rig_now_ms();
	auth("sc-wait", "alice", &cv, PAM_SUCCESS);
	fprintf(stderr, "signed in %llu ms after the start\n",
	    (unsigned long long)(rig_now_ms() - t0));
	player_stop(&p);
	e2e_expect_text(&cv, "Insert your smart card");
	assert_int_equal(cv.pin_prompts, 1);
	assert_true(rig_now_ms() - t0 < 12000 * S);
	e2e_expect_log(logpath, m, "auth: result=ok reason=OK user='alice' "
	    "reader='Virtual PCD 00 00'");
}

/* b. Unplugged while waiting, never back: ends at the bound. */
static void
test_wait_unplug_gone(void **state)
{
	struct e2e_conv cv = { 0 };
	struct player p = { .script = S_UNPLUG };
	long m = e2e_log_mark(logpath);
	uint64_t t0, dt;

	(void)state;
	player_start(&p);
	t0 = rig_now_ms();
	auth("sc-wait-short", "alice", &cv, PAM_AUTHINFO_UNAVAIL);
	dt = rig_now_ms() - t0;
	player_stop(&p);
	fprintf(stderr, "gave up after %llu ms (bound 4 s)\n",
	    (unsigned long long)dt);
	assert_true(dt >= 3900 && dt < 6000 * S);
	assert_int_equal(cv.pin_prompts, 0);
	e2e_expect_text(&cv, "Insert your smart card");
	e2e_expect_text(&cv,
	    "No smart card reader was found. Connect a reader.");
	e2e_expect_log(logpath, m,
	    "auth: result=fail reason=NO_READER user='alice'");
}

/* c. Unplugged at the PIN prompt: "removed", no PIN try spent. */
static void
test_pin_prompt_unplug(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" },
	    .on_prompt = unplug_at_prompt };
	struct e2e_conv wrong = { .pins = { "000000" } };
	struct e2e_conv ok = { .pins = { "123456" } };
	const char *card = make_card("alice");
	long m = e2e_log_mark(logpath);
	uint64_t t0;

	(void)state;
	if (rig_card_insert(rig, 0, card) != 0)
		fail_msg("cannot insert the card");
	t0 = rig_now_ms();
	auth("sc", "alice", &cv, PAM_AUTHINFO_UNAVAIL);
	assert_true(rig_now_ms() - t0 < 15000 * S);
	assert_int_equal(cv.pin_prompts, 1);
	e2e_expect_text(&cv, "The smart card was removed");
	/* signin.h: a vanished reader at sign-in is CARD_REMOVED. */
	e2e_expect_log(logpath, m,
	    "auth: result=fail reason=CARD_REMOVED user='alice'");

	/* Plugged back with the card still in it: the counter is full. */
	if (rig_reader_replug(rig, 0) != 0 ||
	    rig_wait_card(rig, 0, 1, (int)(10000 * S)) != 0)
		fail_msg("the card did not come back with its reader");
	auth("sc", "alice", &wrong, PAM_AUTH_ERR);
	e2e_expect_text(&wrong, "Wrong PIN. 2 tries left.");
	auth("sc", "alice", &ok, PAM_SUCCESS);
}

/* e. Wedged at the PIN prompt (still listed, driver fails): as c. */
static void
test_pin_prompt_wedged(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" },
	    .on_prompt = wedge_at_prompt };
	struct e2e_conv wrong = { .pins = { "000000" } };
	struct e2e_conv ok = { .pins = { "123456" } };
	long m = e2e_log_mark(logpath);
	uint64_t t0;

	(void)state;
	if (rig_card_insert(rig, 0, make_card("alice")) != 0)
		fail_msg("cannot insert the card");
	t0 = rig_now_ms();
	auth("sc", "alice", &cv, PAM_AUTHINFO_UNAVAIL);
	assert_true(rig_now_ms() - t0 < 15000 * S);
	e2e_expect_text(&cv, "The smart card was removed");
	{
		char *buf = e2e_log_read(logpath, m);

		if (buf == NULL || (strstr(buf, "auth: result=fail "
		    "reason=CARD_REMOVED user='alice'") == NULL &&
		    strstr(buf, "auth: result=fail reason=READER_GONE "
		    "user='alice'") == NULL))
			fail_msg("no CARD_REMOVED / READER_GONE outcome line");
		free(buf);
	}
	if (rig_reader_fail(rig, 0, 0) != 0 ||
	    rig_wait_card(rig, 0, 1, (int)(10000 * S)) != 0)
		fail_msg("the card did not come back");
	auth("sc", "alice", &wrong, PAM_AUTH_ERR);
	e2e_expect_text(&wrong, "Wrong PIN. 2 tries left.");
	auth("sc", "alice", &ok, PAM_SUCCESS);
}

/*
 * f. Waiting while the only card sits in a wedged reader: the module
 * waits (no spinning), and signs in once the reader answers again.
 */
static void
test_wait_wedged(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	struct player p = { .script = S_UNWEDGE };
	struct rusage ru0, ru1;
	uint64_t t0, cpu;

	(void)state;
	if (rig_card_insert(rig, 0, make_card("alice")) != 0 ||
	    rig_reader_fail(rig, 0, 1) != 0 ||
	    rig_wait_card(rig, 0, 0, (int)(5000 * S)) != 0)
		fail_msg("cannot wedge the reader with the card in");
	player_start(&p);
	getrusage(RUSAGE_SELF, &ru0);
	t0 = rig_now_ms();
	auth("sc-wait", "alice", &cv, PAM_SUCCESS);
	getrusage(RUSAGE_SELF, &ru1);
	player_stop(&p);
	cpu = (uint64_t)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1000u +
	    (uint64_t)((ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1000);
	fprintf(stderr, "signed in after %llu ms, %llu ms user CPU\n",
	    (unsigned long long)(rig_now_ms() - t0), (unsigned long long)cpu);
	e2e_expect_text(&cv, "Insert your smart card");
	assert_true(rig_now_ms() - t0 < 12000 * S);
}

/* d. Unplugged while the card computes the signature. */
static void
test_apdu_unplug(void **state)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	struct player p = { .script = S_PULL_ON_TRIGGER };
	const char *card;
	char port[16];
	const char *fc[] = { fault_card, "--listen", "41000", "--connect",
	    port, "--once", "--fault", "hang", "--ins", "87",
	    "--trigger-file", p.trigger, NULL };
	const char *vc[] = { vcard, "run", "--state", NULL, "--port", "41000",
	    "--seal-key", rig_seal_key(rig), NULL };
	long m = e2e_log_mark(logpath);
	uint64_t t0, dt;

	(void)state;
	if (fault_card == NULL || access(fault_card, X_OK) != 0)
		skip();
	card = make_card("alice");
	vc[3] = card;
	snprintf(port, sizeof(port), "%u", rig_card_port(0));
	snprintf(p.trigger, sizeof(p.trigger), "%s/trigger", dir);
	unlink(p.trigger);
	/* The fault card talks to reader 0; slot 1 only keeps its pid. */
	if (rig_card_spawn(rig, 1, fc) != 0 ||
	    rig_card_insert_argv(rig, 0, vc) != 0)
		fail_msg("cannot insert the card behind the fault card");
	player_start(&p);
	t0 = rig_now_ms();
	/* #12: the PIN was verified, so a lost card is a failed proof */
	auth("sc", "alice", &cv, PAM_AUTH_ERR);
	dt = rig_now_ms() - t0;
	player_stop(&p);
	fprintf(stderr, "ended %llu ms after the unplug\n",
	    (unsigned long long)(rig_now_ms() - p.unplugged_at));
	assert_true(dt < 15000 * S);
	assert_true(rig_now_ms() - p.unplugged_at < 6000 * S);
	e2e_expect_text(&cv, "could not prove it holds");
	e2e_expect_log(logpath, m,
	    "auth: result=fail reason=SIG_INVALID user='alice'");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_wait_unplug_replug, teardown),
		cmocka_unit_test_teardown(test_wait_unplug_gone, teardown),
		cmocka_unit_test_teardown(test_pin_prompt_unplug, teardown),
		cmocka_unit_test_teardown(test_apdu_unplug, teardown),
		cmocka_unit_test_teardown(test_pin_prompt_wedged, teardown),
		cmocka_unit_test_teardown(test_wait_wedged, teardown),
	};
	int r;

	if (argc != 4) {
		fprintf(stderr, "usage: %s pam_sclogin.so PKI_DIR FAULT_CARD\n",
		    argv[0]);
		return 2;
	}
	module = argv[1];
	pki = argv[2];
	fault_card = argv[3];
	if (getenv("SCL_TEST_WRAPPER") != NULL &&
	    *getenv("SCL_TEST_WRAPPER") != '\0')
		S = 10;
	if ((r = e2e_pam_begin("unplug", argv, &vcard)) != 0)
		return r;
	if ((r = rig_start(&rig)) != 0)
		return r;
	if (rig_hotplug_enable(rig) != 0) {
		rig_stop(&rig);
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/pam", rig_dir(rig));
	snprintf(svcdir, sizeof(svcdir), "%s/services", dir);
	snprintf(conf, sizeof(conf), "%s/sclogin.conf", dir);
	if (mkdir(dir, 0755) < 0 || mkdir(svcdir, 0755) < 0) {
		perror(dir);
		rig_stop(&rig);
		return 1;
	}
	e2e_write_file(conf,
	    "[global]\n"
	    "ca_file = %s/ca.pem\n"
	    "mapfile = %s/mapfile\n"
	    "mapping = upn, mapfile, cn\n"
	    "upn_domain = example.test\n"
	    "crl = off\n"
	    "ocsp = off\n"
	    "state_dir = %s/state\n"
	    "cert_cache = %s/certs\n"
	    "last_try = confirm\n"
	    "low_tries_warn = 2\n"
	    "card_timeout_ms = 5000\n"
	    "debug = yes\n", pki, pki, dir, dir);
	e2e_write_service(svcdir, "sc", "auth required %s config=%s\n",
	    module, conf);
	e2e_write_service(svcdir, "sc-wait", "auth required %s config=%s "
	    "wait_for_card=10\n", module, conf);
	e2e_write_service(svcdir, "sc-wait-short", "auth required %s "
	    "config=%s wait_for_card=4\n", module, conf);
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
