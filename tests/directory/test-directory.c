/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The directory mapping method (policy/directory.h) against real slapd
 * servers (tests/directory/slapd-rig.h) in a private network namespace:
 * every match form, TLS (ldaps, StartTLS, wrong CA), binds, failover,
 * servers that are down, hang or answer garbage, two entries, an entry
 * without a usable user, a filter-injection certificate, and the offline
 * cache (used, expired, erased by a definitive "no").  Issue 15.
 *
 * Needs root (network namespace); exits 77 otherwise.
 *   test-directory PKI_DIR
 * Under SCL_TEST_WRAPPER (valgrind) the time bounds are S times longer.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "deadline.h"
#include "config.h"
#include "directory-cache.h"
#include "directory.h"
#include "err.h"
#include "test-pki.h"
#include "slapd-rig.h"

#define PORT_A 3890
#define TLS_A 6360
#define PORT_B 3891
#define TLS_B 6361
#define PORT_DOWN 3897
#define PORT_HANG 3898
#define PORT_JUNK 3899

static const char *pki;
static char dir[PATH_MAX], fix[PATH_MAX + 16], state[PATH_MAX + 16];
static pid_t slapd_a = -1, slapd_b = -1, hang = -1, junk = -1;
static uint64_t S = 1;

/* A configuration: the directory keys given as "key=value" strings. */
static struct scl_config *
cfg_with(const char *first, ...)
{
	struct scl_config *c = NULL;
	char err[512] = "", ca[PATH_MAX + 32];
	va_list ap;
	const char *kv;

	assert_int_equal(scl_config_defaults(&c), 0);
	snprintf(ca, sizeof(ca), "%s/ca.pem", pki);
	assert_int_equal(scl_config_set(c, "directory_ca_file", ca, err,
	    sizeof(err)), 0);
	assert_int_equal(scl_config_set(c, "directory_base",
	    "ou=people,dc=example,dc=test", err, sizeof(err)), 0);
	assert_int_equal(scl_config_set(c, "directory_certificate_assertion",
	    "issuer-serial", err, sizeof(err)), 0);
	assert_int_equal(scl_config_set(c, "directory_filter",
	    "(objectClass=inetOrgPerson)", err, sizeof(err)), 0);
	assert_int_equal(scl_config_set(c, "state_dir", state, err,
	    sizeof(err)), 0);
	assert_int_equal(scl_config_set(c, "directory_timeout_ms", "2000",
	    err, sizeof(err)), 0);
	va_start(ap, first);
	for (kv = first; kv != NULL; kv = va_arg(ap, const char *)) {
		char key[128];
		const char *eq = strchr(kv, '=');

		assert_non_null(eq);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
		if (scl_config_set(c, key, eq + 1, err, sizeof(err)) != 0)
			fail_msg("%s: %s", kv, err);
	}
	va_end(ap);
	return c;
}

/* Map leaf (of pkidir) under c; the code, the user in user. */
static int
map(struct scl_config *c, const char *pkidir, const char *leaf, time_t now,
    struct scl_directory_report *rep, char user[SCL_DIR_USER_MAX])
{
	X509 *x = test_pki_load(pkidir, leaf);
	uint64_t t0 = scl_mono_ms();
	int r;

	user[0] = '\0';
	r = scl_directory_map(c, x, now != 0 ? now : time(NULL),
	    t0 + c->directory_timeout_ms * S, rep, user);
	fprintf(stderr, "%s: %s user='%s' server='%s' entry='%s' "
	    "matched=%s cache=%d erased=%d in %llu ms\n  filter=%s\n  "
	    "why=%s\n", leaf, scl_err_name(r), user, rep->server, rep->entry,
	    rep->matched, rep->from_cache, rep->cache_erased,
	    (unsigned long long)(scl_mono_ms() - t0), rep->filter,
	    rep->why);
	X509_free(x);
	return r;
}

static void
expect_user(struct scl_config *c, const char *leaf, const char *want,
    const char *matched)
{
	struct scl_directory_report rep;
	char user[SCL_DIR_USER_MAX];

	assert_int_equal(map(c, pki, leaf, 0, &rep, user), 0);
	assert_string_equal(user, want);
	assert_string_equal(rep.matched, matched);
	assert_int_equal(rep.from_cache, 0);
	scl_config_free(&c);
}

static void
test_certificate(void **st)
{
	(void)st;
	expect_user(cfg_with("directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=certificate", NULL), "alice", "alice",
	    "certificate");
	/* StartTLS on ldap:// */
	expect_user(cfg_with("directory_uri=ldap://127.0.0.1:3890",
	    "directory_match=certificate", NULL), "alice", "alice",
	    "certificate");
}

static void
test_altsecid(void **st)
{
	(void)st;
	expect_user(cfg_with("directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=altsecid", NULL), "bob", "bob", "altsecid");
	expect_user(cfg_with("directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=altsecid", NULL), "carol", "carol", "altsecid");
	expect_user(cfg_with("directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=altsecid", NULL), "dave", "dave", "altsecid");
}

static void
test_upn(void **st)
{
	struct scl_config *c;
	struct scl_directory_report rep;
	char user[SCL_DIR_USER_MAX];

	(void)st;
	expect_user(cfg_with("directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=upn", NULL), "alice", "alice", "upn");
	/* bob's entry names no UPN: only his strong mapping finds him */
	c = cfg_with("directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=upn", NULL);
	assert_int_equal(map(c, pki, "bob", 0, &rep, user),
	    SCL_ERR_NO_MAPPING);
	assert_non_null(strstr(rep.why, "no entry"));
	scl_config_free(&c);
}

/* Two entries hold one certificate; an entry's user name is not one. */
static void
test_two_entries_and_garbage_entry(void **st)
{
	struct scl_config *c = cfg_with(
	    "directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=certificate", NULL);
	struct scl_directory_report rep;
	char user[SCL_DIR_USER_MAX];

	(void)st;
	assert_int_equal(map(c, fix, "twin", 0, &rep, user),
	    SCL_ERR_AMBIGUOUS);
	assert_non_null(strstr(rep.why, "several entries"));
	assert_string_equal(user, "");
	assert_int_equal(map(c, pki, "stranger", 0, &rep, user),
	    SCL_ERR_NO_MAPPING);
	assert_non_null(strstr(rep.why, "not a valid user name"));
	assert_string_equal(user, "");
	scl_config_free(&c);
}

/*
 * Issue 15: mallory's UPN is "x)(uid=bob)(cn=*@example.test"; pasted
 * into the filter unescaped it selects bob's entry (checked below with
 * ldapsearch), escaped it matches nothing.
 */
static void
test_filter_injection(void **st)
{
	struct scl_config *c = cfg_with(
	    "directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=upn,certificate,altsecid", NULL);
	struct scl_directory_report rep;
	char user[SCL_DIR_USER_MAX], cmd[1024];
	int rc;

	(void)st;
	snprintf(cmd, sizeof(cmd), "ldapsearch -LLL -x -H "
	    "ldap://127.0.0.1:%d -b ou=people,dc=example,dc=test "
	    "'(|(userPrincipalName=x)(uid=bob)(cn=*@example.test))' uid | "
	    "grep -q '^uid: bob$'", PORT_A);
	rc = system(cmd);
	assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
	assert_int_equal(map(c, fix, "mallory", 0, &rep, user),
	    SCL_ERR_NO_MAPPING);
	assert_string_equal(user, "");
	assert_non_null(strstr(rep.why, "no entry"));
	assert_non_null(strstr(rep.filter,
	    "(userPrincipalName=x\\29\\28uid=bob\\29\\28cn=\\2A@"));
	scl_config_free(&c);
}

static void
expect_unreachable(struct scl_config *c, uint64_t max_ms, const char *why)
{
	struct scl_directory_report rep;
	char user[SCL_DIR_USER_MAX];
	uint64_t t0 = scl_mono_ms();

	assert_int_equal(map(c, pki, "alice", 0, &rep, user),
	    SCL_ERR_DIRECTORY_UNREACHABLE);
	assert_true(scl_mono_ms() - t0 < max_ms * S);
	assert_string_equal(user, "");
	assert_string_equal(rep.server, "");
	if (strstr(rep.why, why) == NULL)
		fail_msg("why lacks '%s': %s", why, rep.why);
	scl_config_free(&c);
}

static void
test_down_slow_garbage(void **st)
{
	(void)st;
	expect_unreachable(cfg_with("directory_uri=ldaps://127.0.0.1:3897",
	    "directory_match=certificate", NULL), 1000, "127.0.0.1:3897");
	/* a server that accepts and never answers: ldaps and StartTLS */
	expect_unreachable(cfg_with("directory_uri=ldaps://127.0.0.1:3898",
	    "directory_match=certificate", "directory_timeout_ms=600", NULL),
	    700 + 1500, "3898");
	expect_unreachable(cfg_with("directory_uri=ldap://127.0.0.1:3898",
	    "directory_match=certificate", "directory_timeout_ms=600", NULL),
	    700 + 1500, "3898");
	/* both in a row share one budget */
	expect_unreachable(cfg_with("directory_uri=ldaps://127.0.0.1:3898, "
	    "ldap://127.0.0.1:3898", "directory_match=certificate",
	    "directory_timeout_ms=800", NULL), 800 + 1500, "StartTLS failed");
	expect_unreachable(cfg_with("directory_uri=ldaps://127.0.0.1:3899",
	    "directory_match=certificate", NULL), 2000 + 1500, "3899");
	expect_unreachable(cfg_with("directory_uri=ldap://127.0.0.1:3899",
	    "directory_match=certificate", NULL), 2000 + 1500, "3899");
}

static void
test_wrong_ca(void **st)
{
	char ca[PATH_MAX + 32], arg[PATH_MAX + 64];

	(void)st;
	snprintf(ca, sizeof(ca), "%s/other-ca.pem", pki);
	snprintf(arg, sizeof(arg), "directory_ca_file=%s", ca);
	expect_unreachable(cfg_with("directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=certificate", arg, NULL), 2000, "6360");
	expect_unreachable(cfg_with("directory_uri=ldap://127.0.0.1:3890",
	    "directory_match=certificate", arg, NULL), 2000, "StartTLS");
}

static void
test_failover(void **st)
{
	struct scl_config *c;
	struct scl_directory_report rep;
	char user[SCL_DIR_USER_MAX];

	(void)st;
	/* one that hangs, one that talks garbage, one down, then slapd b */
	c = cfg_with("directory_uri=ldap://127.0.0.1:3898, "
	    "ldaps://127.0.0.1:3899, ldaps://127.0.0.1:3897, "
	    "ldaps://127.0.0.1:6361, ldaps://127.0.0.1:6360",
	    "directory_match=certificate", "directory_timeout_ms=3000", NULL);
	assert_int_equal(map(c, pki, "alice", 0, &rep, user), 0);
	assert_string_equal(user, "alice");
	assert_string_equal(rep.server, "ldaps://127.0.0.1:6361");
	assert_non_null(strstr(rep.why, "3898"));
	assert_non_null(strstr(rep.why, "3899"));
	assert_non_null(strstr(rep.why, "3897"));
	/* the first slapd stops: the second one answers */
	scl_config_free(&c);
	c = cfg_with("directory_uri=ldaps://127.0.0.1:6360, "
	    "ldaps://127.0.0.1:6361", "directory_match=certificate", NULL);
	dir_rig_stop(&slapd_a);
	assert_int_equal(map(c, pki, "alice", 0, &rep, user), 0);
	assert_string_equal(rep.server, "ldaps://127.0.0.1:6361");
	assert_int_equal(dir_rig_slapd_start(fix, "a", PORT_A, TLS_A,
	    &slapd_a), 0);
	assert_int_equal(map(c, pki, "alice", 0, &rep, user), 0);
	assert_string_equal(rep.server, "ldaps://127.0.0.1:6360");
	scl_config_free(&c);
}

static void
test_simple_bind(void **st)
{
	struct scl_config *c;
	struct scl_directory_report rep;
	char user[SCL_DIR_USER_MAX], sec[2 * PATH_MAX], bad[PATH_MAX + 64];
	FILE *f;

	(void)st;
	snprintf(sec, sizeof(sec), "directory_bind_secret_file=%s/bind.secret",
	    fix);
	c = cfg_with("directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=certificate", "directory_bind=simple",
	    "directory_bind_dn=cn=sclogin,ou=services,dc=example,dc=test",
	    sec, NULL);
	assert_int_equal(map(c, pki, "alice", 0, &rep, user), 0);
	assert_string_equal(user, "alice");
	scl_config_free(&c);

	/* a wrong password: the server refuses the bind */
	snprintf(bad, sizeof(bad), "%s/wrong.secret", dir);
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("not-the-secret\n", f);
	fclose(f);
	assert_int_equal(chmod(bad, 0600), 0);
	snprintf(sec, sizeof(sec), "directory_bind_secret_file=%s", bad);
	expect_unreachable(cfg_with("directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=certificate", "directory_bind=simple",
	    "directory_bind_dn=cn=sclogin,ou=services,dc=example,dc=test",
	    sec, NULL), 2000, "bind failed: Invalid credentials");

	/* a secret others may read is refused before any network */
	assert_int_equal(chmod(bad, 0640), 0);
	c = cfg_with("directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=certificate", "directory_bind=simple",
	    "directory_bind_dn=cn=sclogin,ou=services,dc=example,dc=test",
	    sec, NULL);
	assert_int_equal(map(c, pki, "alice", 0, &rep, user), SCL_ERR_CONFIG);
	assert_non_null(strstr(rep.why, "no one else may read"));
	scl_config_free(&c);
}

/* SASL EXTERNAL: the TLS client certificate is the identity. */
static void
test_sasl_external(void **st)
{
	struct scl_config *c;
	struct scl_directory_report rep;
	char user[SCL_DIR_USER_MAX], crt[PATH_MAX + 64], key[PATH_MAX + 64];

	(void)st;
	snprintf(crt, sizeof(crt), "directory_client_cert=%s/host.pem", fix);
	snprintf(key, sizeof(key), "directory_client_key=%s/host.key", fix);
	c = cfg_with("directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=certificate", "directory_bind=external", crt, key,
	    NULL);
	assert_int_equal(map(c, pki, "alice", 0, &rep, user), 0);
	assert_string_equal(user, "alice");
	scl_config_free(&c);
	/* no client certificate: the server refuses EXTERNAL */
	expect_unreachable(cfg_with("directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=certificate", "directory_bind=external", NULL),
	    2000, "bind failed");
}

static void
ldap_modify(const char *ldif)
{
	char cmd[8192];
	int rc;

	snprintf(cmd, sizeof(cmd), "printf '%s' | ldapmodify -x -H "
	    "ldap://127.0.0.1:%d -D cn=admin,dc=example,dc=test -w "
	    "admin-secret-for-tests >/dev/null", ldif, PORT_A);
	rc = system(cmd);
	assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
}

static void
test_offline_cache(void **st)
{
	struct scl_config *on, *off, *nocache;
	struct scl_directory_report rep;
	char user[SCL_DIR_USER_MAX], path[PATH_MAX + 64];
	struct stat sb;
	time_t now = time(NULL);

	(void)st;
	on = cfg_with("directory_uri=ldaps://127.0.0.1:6360",
	    "directory_match=altsecid", "offline_max_age=3600", NULL);
	off = cfg_with("directory_uri=ldaps://127.0.0.1:3897",
	    "directory_match=altsecid", "offline_max_age=3600", NULL);
	nocache = cfg_with("directory_uri=ldaps://127.0.0.1:3897",
	    "directory_match=altsecid", NULL);
	/* nothing cached yet */
	assert_int_equal(map(off, pki, "bob", now, &rep, user),
	    SCL_ERR_DIRECTORY_UNREACHABLE);
	/* online: cached, root-only */
	assert_int_equal(map(on, pki, "bob", now, &rep, user), 0);
	snprintf(path, sizeof(path), "%s/%s", state, SCL_DIRCACHE_FILE);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	/* offline within offline_max_age */
	assert_int_equal(map(off, pki, "bob", now + 60, &rep, user), 0);
	assert_string_equal(user, "bob");
	assert_int_equal(rep.from_cache, 1);
	assert_int_equal(rep.cached_at, now);
	/* ... not past it, and never when offline_max_age is 0 */
	assert_int_equal(map(off, pki, "bob", now + 3601, &rep, user),
	    SCL_ERR_DIRECTORY_UNREACHABLE);
	assert_non_null(strstr(rep.why, "older than offline_max_age"));
	assert_int_equal(map(nocache, pki, "bob", now + 60, &rep, user),
	    SCL_ERR_DIRECTORY_UNREACHABLE);
	/* a damaged cache maps nothing */
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs("sclogin-directory-cache 1\nnot a line\n", f);
		fclose(f);
	}
	assert_int_equal(map(off, pki, "bob", now + 60, &rep, user),
	    SCL_ERR_DIRECTORY_UNREACHABLE);
	assert_non_null(strstr(rep.why, "damaged"));
	assert_int_equal(map(on, pki, "bob", now, &rep, user), 0);

	/* removed from the directory: the next online answer erases it */
	ldap_modify("dn: uid=bob,ou=people,dc=example,dc=test\\n"
	    "changetype: modify\\ndelete: altSecurityIdentities\\n");
	assert_int_equal(map(on, pki, "bob", now + 10, &rep, user),
	    SCL_ERR_NO_MAPPING);
	assert_int_equal(rep.cache_erased, 1);
	assert_int_equal(map(off, pki, "bob", now + 20, &rep, user),
	    SCL_ERR_DIRECTORY_UNREACHABLE);
	assert_int_equal(rep.from_cache, 0);
	scl_config_free(&on);
	scl_config_free(&off);
	scl_config_free(&nocache);
}

static void
test_config_needed(void **st)
{
	struct scl_config *c = cfg_with("directory_match=certificate", NULL);
	struct scl_directory_report rep;
	char user[SCL_DIR_USER_MAX];

	(void)st;
	assert_int_equal(map(c, pki, "alice", 0, &rep, user), SCL_ERR_CONFIG);
	assert_non_null(strstr(rep.why, "directory_uri"));
	scl_config_free(&c);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_certificate),
		cmocka_unit_test(test_altsecid),
		cmocka_unit_test(test_upn),
		cmocka_unit_test(test_two_entries_and_garbage_entry),
		cmocka_unit_test(test_filter_injection),
		cmocka_unit_test(test_down_slow_garbage),
		cmocka_unit_test(test_wrong_ca),
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_simple_bind),
		cmocka_unit_test(test_sasl_external),
		cmocka_unit_test(test_offline_cache),
		cmocka_unit_test(test_config_needed),
	};
	const char *const names[] = { "a", "b", NULL };
	char tmpl[] = "/tmp/scl-directory.XXXXXX";
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PKI_DIR\n", argv[0]);
		return 2;
	}
	pki = argv[1];
	if (getenv("SCL_TEST_WRAPPER") != NULL &&
	    *getenv("SCL_TEST_WRAPPER") != '\0')
		S = 5;
	if ((r = dir_rig_netns()) != 0)
		return r;
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s", tmpl);
	snprintf(fix, sizeof(fix), "%s/fixture", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	if (dir_rig_fixture(pki, fix, names) != 0 ||
	    dir_rig_slapd_start(fix, "a", PORT_A, TLS_A, &slapd_a) != 0 ||
	    dir_rig_slapd_start(fix, "b", PORT_B, TLS_B, &slapd_b) != 0 ||
	    dir_rig_bad_server_start(PORT_HANG, 0, &hang) != 0 ||
	    dir_rig_bad_server_start(PORT_JUNK, 1, &junk) != 0) {
		r = 1;
		goto out;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
out:
	dir_rig_stop(&slapd_a);
	dir_rig_stop(&slapd_b);
	dir_rig_stop(&hang);
	dir_rig_stop(&junk);
	{
		char cmd[PATH_MAX + 64];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		(void)!system(cmd);
	}
	return r;
}
