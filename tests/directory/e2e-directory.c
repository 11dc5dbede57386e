/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * Issue 15 through the real stack: pam_sclogin.so in a PAM stack
 * (pam_wrapper + libpamtest), users from nss_wrapper, the rig's pcscd and
 * virtual cards, and real slapd servers (slapd-rig.h) in the rig's network
 * namespace holding the users' certificates.  Cases: sign-in mapped by
 * userCertificate (card-only), by altSecurityIdentities (user given), by
 * UPN; the directory down and hanging (bounded, password fallback
 * possible, no PIN asked); two entries; a filter-injection certificate;
 * offline from the cache (said to the user and logged), its expiry and
 * its end once the directory no longer maps the card; failover to a
 * second slapd.
 *
 * Needs root; exits 77 otherwise.  e2e-directory MODULE PKI_DIR SCLOGIN
 * (SCLOGIN: the `sclogin` tool, whose doctor shows the directory step)
 * Under SCL_TEST_WRAPPER (valgrind) only one case of each kind runs
 * (online, unreachable, offline), with longer bounds: each case starts
 * the module and its libldap again, minutes under valgrind.
 */
#include <errno.h>
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
#include "nss-users.h"
#include "rig.h"
#include "slapd-rig.h"

static struct rig *rig;
static const char *module, *pki, *vcard, *sclogin;
static char dir[PATH_MAX], conf[PATH_MAX + 32], svcdir[PATH_MAX + 32];
static char logpath[PATH_MAX + 32], fix[PATH_MAX + 32];
static char state[PATH_MAX + 32];
static pid_t slapd_a = -1, slapd_b = -1, hang = -1;
static uint64_t S = 1;
static int wrapped;

static void
insert(const char *pkidir, const char *leaf)
{
	const char *card = e2e_make_card_wrapped(getenv("SCL_TEST_WRAPPER"),
	    vcard, rig_seal_key(rig), dir, pkidir, leaf, NULL);

	if (rig_card_insert(rig, 0, card) != 0)
		fail_msg("cannot insert a %s card", leaf);
}

static int
auth(const char *service, const char *user, struct e2e_conv *cv, int want,
    char *ret_user, size_t cap)
{
	struct pam_testcase tc[2] = {
		pam_test(PAMTEST_AUTHENTICATE, want),
		pam_test(PAMTEST_KEEPHANDLE, PAM_SUCCESS),
	};
	const void *item = NULL;
	enum pamtest_err e;
	uint64_t t0 = rig_now_ms();

	e = _pamtest_conv(service, user, e2e_conv_fn, cv, tc, 2, NULL);
	fprintf(stderr, "%s auth user=%s: rv=%d (%s) in %llu ms\n%s", service,
	    user != NULL ? user : "(none)", tc[0].op_rv,
	    pam_strerror(NULL, tc[0].op_rv),
	    (unsigned long long)(rig_now_ms() - t0), cv->transcript);
	if (tc[1].case_out.ph != NULL) {
		if (ret_user != NULL && pam_get_item(tc[1].case_out.ph,
		    PAM_USER, &item) == PAM_SUCCESS && item != NULL)
			snprintf(ret_user, cap, "%s", (const char *)item);
		pam_end(tc[1].case_out.ph, tc[0].op_rv);
	}
	if (e != PAMTEST_ERR_OK)
		fail_msg("%s: want %d, got %d (%s)", service, want,
		    tc[0].op_rv, pamtest_strerror(e));
	return tc[0].op_rv;
}

static int
teardown(void **st)
{
	(void)st;
	(void)rig_card_remove(rig, 0);
	return 0;
}

/* Refused before any PIN prompt, text in the conversation. */
static void
refused(const char *service, const char *user, int want, const char *text)
{
	struct e2e_conv cv = { .pins = { "123456" } };

	auth(service, user, &cv, want, NULL, 0);
	assert_int_equal(cv.pin_prompts, 0);
	e2e_expect_text(&cv, text);
}

/* ---- online ---- */

static void
test_card_only_by_certificate(void **st)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	char user[64] = "";
	long m = e2e_log_mark(logpath);

	(void)st;
	insert(pki, "alice");
	auth("sc", NULL, &cv, PAM_SUCCESS, user, sizeof(user));
	assert_string_equal(user, "alice");
	assert_int_equal(cv.pin_prompts, 1);
	e2e_expect_log(logpath, m, "auth: result=ok reason=OK user='alice'");
}

static void
test_altsecid_user_given(void **st)
{
	struct e2e_conv cv = { .pins = { "123456" } };

	(void)st;
	insert(pki, "bob");
	auth("sc", "bob", &cv, PAM_SUCCESS, NULL, 0);
	/* bob's card does not open alice's account */
	refused("sc", "alice", PAM_AUTH_ERR, "not linked");
}

static void
test_upn(void **st)
{
	struct e2e_conv cv = { .pins = { "123456" } };

	(void)st;
	insert(pki, "alice");
	auth("sc-upn", "alice", &cv, PAM_SUCCESS, NULL, 0);
}

static void
test_two_entries(void **st)
{
	long m = e2e_log_mark(logpath);

	(void)st;
	insert(fix, "twin");
	refused("sc", NULL, PAM_AUTH_ERR, "several accounts");
	e2e_expect_log(logpath, m, "result=fail reason=AMBIGUOUS");
}

/* UPN "x)(uid=bob)(cn=*@example.test" must not open bob's account. */
static void
test_filter_injection(void **st)
{
	long m = e2e_log_mark(logpath);

	(void)st;
	insert(fix, "mallory");
	refused("sc-upn", NULL, PAM_AUTH_ERR, "not linked");
	refused("sc-upn", "bob", PAM_AUTH_ERR, "not linked");
	e2e_expect_log(logpath, m, "result=fail reason=NO_MAPPING");
}

static void
test_failover(void **st)
{
	struct e2e_conv cv = { .pins = { "123456" } };

	(void)st;
	insert(pki, "alice");
	auth("sc-failover", NULL, &cv, PAM_SUCCESS, NULL, 0);
}

/* ---- unreachable ---- */

static void
test_directory_down(void **st)
{
	long m = e2e_log_mark(logpath);

	(void)st;
	insert(pki, "alice");
	refused("sc-down", NULL, PAM_AUTHINFO_UNAVAIL, "cannot be reached");
	e2e_expect_log(logpath, m, "result=fail reason=DIRECTORY_UNREACHABLE");
}

static void
test_directory_hangs(void **st)
{
	uint64_t t0;

	(void)st;
	insert(pki, "alice");
	t0 = rig_now_ms();
	refused("sc-hang", "alice", PAM_AUTHINFO_UNAVAIL, "cannot be reached");
	assert_true(rig_now_ms() - t0 < (800 + 3000) * S);
}

/* ---- offline ---- */

/* Every entry of the offline cache now says when. */
static void
set_cache_time(time_t when)
{
	char path[PATH_MAX + 64], line[512], out[16384] = "";
	size_t o = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/directory-cache", state);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *t = strchr(line, ' '), *u = t != NULL ?
		    strchr(t + 1, ' ') : NULL;

		if (o == 0 || u == NULL)	/* the first line */
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s",
			    line);
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    "%.*s %lld%s", (int)(t - line), line,
			    (long long)when, u);
		assert_true(o < sizeof(out));
	}
	fclose(f);
	e2e_write_file(path, "%s", out);
	assert_int_equal(chmod(path, 0600), 0);
}

static void
test_offline(void **st)
{
	struct e2e_conv cv = { .pins = { "123456" } };
	struct e2e_conv off = { .pins = { "123456" } };
	char user[64] = "";
	long m;

	(void)st;
	insert(pki, "carol");
	/* online: mapped, and remembered */
	auth("sc", NULL, &cv, PAM_SUCCESS, user, sizeof(user));
	assert_string_equal(user, "carol");
	/* the directory is gone: the cache maps, and says so */
	m = e2e_log_mark(logpath);
	auth("sc-offline", NULL, &off, PAM_SUCCESS, user, sizeof(user));
	assert_string_equal(user, "carol");
	e2e_expect_text(&off, "The account directory cannot be reached: your "
	    "card is linked to your account as it was on");
	e2e_expect_log(logpath, m, "auth: directory=offline user='carol' "
	    "mapping_cached_at=");
	/* older than offline_max_age: no more */
	set_cache_time(time(NULL) - 7200);
	refused("sc-offline", NULL, PAM_AUTHINFO_UNAVAIL, "cannot be reached");
	/* fresh again; then the directory drops carol's mapping */
	set_cache_time(time(NULL));
	{
		char cmd[1024];

		snprintf(cmd, sizeof(cmd), "printf 'dn: uid=carol,ou=people,"
		    "dc=example,dc=test\\nchangetype: modify\\ndelete: "
		    "altSecurityIdentities\\n' | env -u LD_PRELOAD ldapmodify "
		    "-x -H ldap://127.0.0.1:3890 -D cn=admin,dc=example,"
		    "dc=test -w admin-secret-for-tests >/dev/null");
		assert_int_equal(e2e_sh("%s", cmd), 0);
	}
	refused("sc", NULL, PAM_AUTH_ERR, "not linked");
	/* ... and the cache forgot it */
	refused("sc-offline", NULL, PAM_AUTHINFO_UNAVAIL, "cannot be reached");
}

/* `sclogin doctor` shows the directory step: server, filter, entry, why. */
static void
doctor(const char *config, const char *out, int want_exit)
{
	const char *w = getenv("SCL_TEST_WRAPPER");
	char cmd[4 * PATH_MAX];
	int rc;

	snprintf(cmd, sizeof(cmd), "%s '%s' doctor --config '%s' "
	    ">'%s' 2>&1; test $? -eq %d", w != NULL ? w : "", sclogin, config,
	    out, want_exit);
	rc = e2e_sh("%s", cmd);
	e2e_sh("cat '%s' >&2", out);
	assert_int_equal(rc, 0);
}

static void
expect_in_file(const char *path, const char *s)
{
	char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (strstr(buf, s) == NULL)
		fail_msg("%s lacks '%s'", path, s);
}

static void
test_doctor(void **st)
{
	char out[PATH_MAX + 32], down[PATH_MAX + 32];

	(void)st;
	insert(pki, "alice");
	snprintf(out, sizeof(out), "%s/doctor.out", dir);
	doctor(conf, out, 0);
	expect_in_file(out, "[ ok ] DIRECTORY");
	expect_in_file(out, "server ldaps://127.0.0.1:6360, entry "
	    "'uid=alice,ou=people,dc=example,dc=test' (certificate): user "
	    "'alice'");
	expect_in_file(out, "filter: (&(objectClass=inetOrgPerson)(|("
	    "userCertificate;binary={ serialNumber ");
	snprintf(down, sizeof(down), "%s/down.conf", dir);
	e2e_write_file(down, "[global]\nca_file = %s/ca.pem\nmapping = "
	    "directory\ncrl = off\nstate_dir = %s\ndirectory_uri = "
	    "ldaps://127.0.0.1:3897\ndirectory_base = dc=example,dc=test\n"
	    "directory_ca_file = %s/ca.pem\n", pki, state, pki);
	doctor(down, out, 4);
	expect_in_file(out, "[FAIL] DIRECTORY");
	expect_in_file(out, "no server answered");
	expect_in_file(out, "DIRECTORY_UNREACHABLE: ldaps://127.0.0.1:3897: "
	    "Can't contact LDAP server");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest all[] = {
		cmocka_unit_test_teardown(test_card_only_by_certificate,
		    teardown),
		cmocka_unit_test_teardown(test_directory_down, teardown),
		cmocka_unit_test_teardown(test_offline, teardown),
		cmocka_unit_test_teardown(test_altsecid_user_given, teardown),
		cmocka_unit_test_teardown(test_upn, teardown),
		cmocka_unit_test_teardown(test_two_entries, teardown),
		cmocka_unit_test_teardown(test_filter_injection, teardown),
		cmocka_unit_test_teardown(test_failover, teardown),
		cmocka_unit_test_teardown(test_directory_hangs, teardown),
		cmocka_unit_test_teardown(test_doctor, teardown),
	};
	const char *const names[] = { "a", "b", NULL };
	size_t n = sizeof(all) / sizeof(all[0]);
	int r;

	if (argc != 4) {
		fprintf(stderr, "usage: %s pam_sclogin.so PKI_DIR SCLOGIN\n",
		    argv[0]);
		return 2;
	}
	module = argv[1];
	pki = argv[2];
	sclogin = argv[3];
	wrapped = getenv("SCL_TEST_WRAPPER") != NULL &&
	    *getenv("SCL_TEST_WRAPPER") != '\0';
	if (wrapped) {
		S = 10;
		n = 3;	/* one case per kind: online, unreachable, offline */
	}
	if ((r = e2e_pam_begin("directory", argv, &vcard)) != 0)
		return r;
	if ((r = rig_start(&rig)) != 0)
		return r;
	snprintf(dir, sizeof(dir), "%s/dir", rig_dir(rig));
	snprintf(svcdir, sizeof(svcdir), "%s/services", dir);
	snprintf(conf, sizeof(conf), "%s/sclogin.conf", dir);
	snprintf(fix, sizeof(fix), "%s/fixture", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	if (mkdir(dir, 0755) < 0 || mkdir(svcdir, 0755) < 0) {
		perror(dir);
		rig_stop(&rig);
		return 1;
	}
	if (dir_rig_fixture(pki, fix, names) != 0 ||
	    dir_rig_slapd_start(fix, "a", 3890, 6360, &slapd_a) != 0 ||
	    dir_rig_slapd_start(fix, "b", 3891, 6361, &slapd_b) != 0 ||
	    dir_rig_bad_server_start(3898, 0, &hang) != 0) {
		r = 1;
		goto out;
	}
	e2e_write_file(conf,
	    "[global]\n"
	    "ca_file = %s/ca.pem\n"
	    "mapping = directory\n"
	    "crl = off\n"
	    "ocsp = off\n"
	    "state_dir = %s\n"
	    "cert_cache = %s/certs\n"
	    "directory_uri = ldaps://127.0.0.1:6360\n"
	    "directory_base = ou=people,dc=example,dc=test\n"
	    "directory_filter = (objectClass=inetOrgPerson)\n"
	    "directory_ca_file = %s/ca.pem\n"
	    "directory_certificate_assertion = issuer-serial\n"
	    "directory_match = certificate, altsecid\n"
	    "directory_timeout_ms = %llu\n"
	    "offline_max_age = 3600\n"
	    "debug = yes\n", pki, state, state, pki,
	    (unsigned long long)(2000 * S));
	e2e_write_service(svcdir, "sc", "auth required %s config=%s\n",
	    module, conf);
	e2e_write_service(svcdir, "sc-upn", "auth required %s config=%s "
	    "directory_match=upn\n", module, conf);
	/* without the offline cache */
	e2e_write_service(svcdir, "sc-down", "auth required %s config=%s "
	    "directory_uri=ldaps://127.0.0.1:3897 offline_max_age=0\n", module,
	    conf);
	e2e_write_service(svcdir, "sc-hang", "auth required %s config=%s "
	    "directory_uri=ldaps://127.0.0.1:3898 directory_timeout_ms=800 "
	    "offline_max_age=0\n", module, conf);
	e2e_write_service(svcdir, "sc-offline", "auth required %s config=%s "
	    "directory_uri=ldaps://127.0.0.1:3897\n", module, conf);
	e2e_write_service(svcdir, "sc-failover", "auth required %s config=%s "
	    "directory_uri=ldap://127.0.0.1:3898,ldaps://127.0.0.1:3897,"
	    "ldaps://127.0.0.1:6361\n", module, conf);
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	r = e2e_pam_run_tests(svcdir, logpath, all, n);
	if (r < 0)
		r = 1;
out:
	dir_rig_stop(&slapd_a);
	dir_rig_stop(&slapd_b);
	dir_rig_stop(&hang);
	rig_stop(&rig);
	e2e_users_remove();
	return r;
}
