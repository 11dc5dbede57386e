/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * Certificate-to-user mapping against the test PKI.  Users come from
 * nss_wrapper: main() writes passwd/group files (alice 1001, bob 1002,
 * carol 1003, dave 1004, group smartcard 2001) with homes in a temp dir and
 * re-executes itself with LD_PRELOAD=libnss_wrapper.so.  The
 * authorized_certs permission cases need root (chown to those uids).
 */
#include <errno.h>
#include <fcntl.h>
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
#include <openssl/pem.h>

#include "config.h"
#include "err.h"
#include "mapping.h"
#include "logindefs.h"
#include "nss-users.h"
#include "test-pki.h"

static const char *pki;
static const char *tmp;		/* SCL_TEST_TMP */

/* "root" is made by prepare_files(), the rest by mkpki.sh */
static X509 *
load(const char *name)
{
	return test_pki_load(strcmp(name, "root") == 0 ? tmp : pki, name);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[65536];
	size_t n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
write_file(const char *path, const char *text, mode_t mode, uid_t uid)
{
	int fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);
	if (fd < 0)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(write(fd, text, strlen(text)),
	    (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	if (geteuid() == 0)
		assert_int_equal(fchown(fd, uid, uid), 0);
	close(fd);
}

static const char *
path_in(const char *fmt, ...)
{
	static char buf[4][512];
	static int i;
	char rel[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmp, rel);
	return buf[i];
}

static struct scl_config *
mkcfg(const char *mapping, const char *mapfile)
{
	struct scl_config *c = NULL;
	char err[256];

	assert_int_equal(scl_config_defaults(&c), 0);
	if (scl_config_set(c, "mapping", mapping, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(scl_config_set(c, "mapfile", mapfile != NULL ?
	    mapfile : path_in("map/mapfile"), err, sizeof(err)), 0);
	if (strstr(mapping, "upn") != NULL)
		assert_int_equal(scl_config_set(c, "upn_domain",
		    "example.test", err, sizeof(err)), 0);
	assert_int_equal(scl_config_validate(c, err, sizeof(err)), 0);
	return c;
}

/* Users the cert maps to, as "a,b", or the error name. */
static const char *
find(const struct scl_config *c, const char *cert)
{
	static char out[256];
	struct scl_user_list l;
	X509 *x = load(cert);
	int r;

	memset(&l, 0, sizeof(l));
	r = scl_map_find_users(c, x, &l);
	X509_free(x);
	if (r != 0) {
		assert_int_equal(l.n, 0);
		snprintf(out, sizeof(out), "%s", scl_err_name(r));
		return out;
	}
	out[0] = '\0';
	for (size_t i = 0; i < l.n; i++) {
		strcat(out, i > 0 ? "," : "");
		strcat(out, l.users[i]);
	}
	scl_user_list_clear(&l);
	assert_int_equal(l.n, 0);
	return out;
}

static int
checku(const struct scl_config *c, const char *cert, const char *user)
{
	X509 *x = load(cert);
	int r = scl_map_check_user(c, x, user);

	X509_free(x);
	return r;
}

struct find_case {
	const char *mapping;
	const char *cert;
	const char *want;
};

static const struct find_case find_cases[] = {
	{ "upn", "alice", "alice" },
	{ "upn", "bob", "bob" },
	{ "upn", "carol", "carol" },
	{ "upn", "dave", "dave" },
	{ "upn", "alice-revoked", "alice" },	/* mapping is not validation */
	{ "upn", "shared", "NO_MAPPING" },	/* no UPN */
	{ "upn", "stranger", "NO_MAPPING" },	/* no such user */
	{ "cn", "alice", "alice" },
	{ "cn", "shared", "NO_MAPPING" },
	{ "email", "dave", "dave" },
	{ "email", "stranger", "NO_MAPPING" },
	/* the PKI's sample mapfile: shared -> alice (sha256), bob (subject) */
	{ "mapfile", "shared", "alice,bob" },
	{ "fingerprint", "shared", "alice" },
	{ "subject", "shared", "bob" },
	/* #12: two methods naming different users is a refusal, not a merge */
	{ "subject,fingerprint", "shared", "MAP_CONFLICT" },
	{ "upn,cn", "bob-cn-alice", "MAP_CONFLICT" },
	{ "cn,upn", "bob-cn-alice", "MAP_CONFLICT" },
	{ "upn", "bob-cn-alice", "bob" },
	{ "cn", "bob-cn-alice", "alice" },
	/* #12: upn only for the listed domains */
	{ "upn", "evil-upn", "NO_MAPPING" },
	/* #12: names in a certificate never reach a system account */
	{ "cn", "daemon", "NO_MAPPING" },	/* uid 1, nologin */
	{ "upn", "svc", "NO_MAPPING" },		/* uid 999 < UID_MIN */
	{ "email", "svc", "NO_MAPPING" },
	{ "mapfile", "dave", "dave" },		/* email: rule */
	{ "mapfile", "alice", "NO_MAPPING" },
	{ "mapfile", "stranger", "NO_MAPPING" },
	/* several methods: deduplicated, in method order */
	{ "upn,mapfile,authorized,cn", "dave", "dave" },
	{ "cn,upn", "alice", "alice" },
	{ "upn,mapfile", "shared", "alice,bob" },
	/* authorized_certs is never searched without a user name */
	{ "authorized", "stranger", "NO_MAPPING" },
};

static void
test_find(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(find_cases) / sizeof(find_cases[0]);
	    i++) {
		struct scl_config *c = mkcfg(find_cases[i].mapping, NULL);
		const char *got = find(c, find_cases[i].cert);

		if (strcmp(got, find_cases[i].want) != 0)
			fail_msg("case %zu (%s, %s): got %s, want %s", i,
			    find_cases[i].mapping, find_cases[i].cert, got,
			    find_cases[i].want);
		scl_config_free(&c);
	}
}

static void
test_check_user(void **state)
{
	struct scl_config *c = mkcfg("upn,mapfile,cn", NULL);
	char d[256];
	X509 *x;

	(void)state;
	assert_int_equal(checku(c, "alice", "alice"), 0);
	assert_int_equal(checku(c, "alice", "bob"), SCL_ERR_NO_MAPPING);
	assert_int_equal(checku(c, "shared", "alice"), 0);
	assert_int_equal(checku(c, "shared", "bob"), 0);
	assert_int_equal(checku(c, "shared", "carol"), SCL_ERR_NO_MAPPING);
	assert_int_equal(checku(c, "stranger", "stranger"),
	    SCL_ERR_NO_MAPPING);
	assert_int_equal(checku(c, "alice", "nosuchuser"), SCL_ERR_NO_MAPPING);
	x = load("alice");
	assert_int_equal(scl_map_check_user(c, x, ""),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_map_check_user_ex(c, x, "bob", d, sizeof(d)),
	    SCL_ERR_NO_MAPPING);
	assert_string_equal(d, "upn maps the certificate to 'alice', not to "
	    "'bob'");
	assert_int_equal(scl_map_check_user_ex(c, x, "alice", d, sizeof(d)),
	    0);
	assert_string_equal(d, "upn maps to 'alice'");
	X509_free(x);
	scl_config_free(&c);
}

static void
test_upn_domain(void **state)
{
	struct scl_config *c = mkcfg("upn", NULL);
	char err[128];

	(void)state;
	assert_int_equal(scl_config_set(c, "upn_domain", "EXAMPLE.test", err,
	    sizeof(err)), 0);
	assert_string_equal(find(c, "alice"), "alice");
	assert_int_equal(scl_config_set(c, "upn_domain", "other.test", err,
	    sizeof(err)), 0);
	assert_string_equal(find(c, "alice"), "NO_MAPPING");
	/* a list: any of its domains, never one that only ends like it */
	assert_int_equal(scl_config_set(c, "upn_domain", "other.test, "
	    "example.test", err, sizeof(err)), 0);
	assert_string_equal(find(c, "alice"), "alice");
	assert_string_equal(find(c, "evil-upn"), "NO_MAPPING");
	assert_int_equal(scl_config_set(c, "upn_domain", "test", err,
	    sizeof(err)), 0);
	assert_string_equal(find(c, "alice"), "NO_MAPPING");
	/* no list at all: upn refuses to map (the config check refuses it) */
	assert_int_equal(scl_config_set(c, "upn_domain", "", err,
	    sizeof(err)), 0);
	assert_int_equal(scl_config_validate(c, err, sizeof(err)),
	    SCL_ERR_CONFIG);
	assert_string_equal(find(c, "alice"), "CONFIG");
	scl_config_free(&c);
}

static void
test_mapfile_rules(void **state)
{
	const char *mf = path_in("map/custom");
	struct scl_config *c = mkcfg("mapfile", mf);
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text),
	    "# one cert to several users, rules for users that do not exist\n"
	    "carol: upn:ALICE@example.test\n"
	    "ghost: upn:alice@example.test\n"
	    "  dave :   email:alice@example.test  \n"
	    "bob: subject:CN=nobody\n"
	    "# an explicit rule may name a system account\n"
	    "daemon: subject:CN=daemon,O=sclogin Test\n");
	write_file(mf, text, 0644, 0);
	assert_string_equal(find(c, "alice"), "carol,dave");
	assert_int_equal(checku(c, "alice", "dave"), 0);
	assert_int_equal(checku(c, "alice", "ghost"), SCL_ERR_NO_MAPPING);
	assert_string_equal(find(c, "daemon"), "daemon");
	scl_config_free(&c);
	/* upn says alice, the mapfile carol and dave: refused, not merged */
	c = mkcfg("upn,mapfile", mf);
	assert_string_equal(find(c, "alice"), "MAP_CONFLICT");
	assert_int_equal(checku(c, "alice", "alice"), SCL_ERR_MAP_CONFLICT);
	assert_int_equal(checku(c, "alice", "dave"), SCL_ERR_MAP_CONFLICT);
	scl_config_free(&c);
}

/* Names taken from the certificate never reach uid 0; explicit rules do. */
static void
test_root(void **state)
{
	const char *mf = path_in("map/root");
	struct scl_config *c = mkcfg("upn,cn,email,mapfile", mf);
	char text[256];

	(void)state;
	write_file(mf, "# nothing yet\n", 0644, 0);
	assert_string_equal(find(c, "root"), "NO_MAPPING");
	assert_int_equal(checku(c, "root", "root"), SCL_ERR_NO_MAPPING);
	snprintf(text, sizeof(text), "root: sha256:%s\n",
	    slurp(path_in("root.sha256")));
	write_file(mf, text, 0644, 0);
	assert_string_equal(find(c, "root"), "root");
	assert_int_equal(checku(c, "root", "root"), 0);
	scl_config_free(&c);
}

static void
test_mapfile_files(void **state)
{
	const char *mf = path_in("map/bad"), *ln = path_in("map/link");
	struct scl_config *c = mkcfg("upn,mapfile", mf);
	struct scl_user_list l;
	char d[256];
	X509 *x = load("alice");
	int r;

	(void)state;
	memset(&l, 0, sizeof(l));
	/* missing: maps nothing, no error (upn still works) */
	(void)unlink(mf);
	assert_string_equal(find(c, "alice"), "alice");

	write_file(mf, "alice: sha256:00\n", 0644, 0);
	r = scl_map_find_users_ex(c, x, d, sizeof(d), &l);
	assert_int_equal(r, SCL_ERR_CONFIG);
	assert_int_equal(l.n, 0);
	assert_non_null(strstr(d, ":1: sha256 needs 64 hex digits"));

	write_file(mf, "# ok\n", 0664, 0);
	r = scl_map_find_users_ex(c, x, d, sizeof(d), &l);
	assert_int_equal(r, SCL_ERR_CONFIG);
	assert_non_null(strstr(d, "group or world writable"));
	assert_int_equal(checku(c, "alice", "alice"), SCL_ERR_CONFIG);

	if (geteuid() == 0) {
		write_file(mf, "# ok\n", 0644, 1001);
		r = scl_map_find_users_ex(c, x, d, sizeof(d), &l);
		assert_int_equal(r, SCL_ERR_CONFIG);
		assert_non_null(strstr(d, "owned by uid 1001"));
	}

	write_file(mf, "# ok\n", 0644, 0);
	(void)unlink(ln);
	assert_int_equal(symlink(mf, ln), 0);
	scl_config_free(&c);
	c = mkcfg("upn,mapfile", ln);
	r = scl_map_find_users_ex(c, x, d, sizeof(d), &l);
	assert_int_equal(r, SCL_ERR_CONFIG);
	assert_non_null(strstr(d, "is a symbolic link"));
	scl_config_free(&c);
	X509_free(x);
}

/* scl_mapfile_parse_buffer: every syntax error names its line. */
struct mf_case {
	const char *text;
	int nrules;		/* -1: error */
	const char *msg;
};

static const struct mf_case mf_cases[] = {
	{ "", 0, NULL },
	{ "# c\n\n   \n", 0, NULL },
	{ "a: upn:a@b\nb: email:x@y\r\nc: subject:CN=x, O=y\n", 3, NULL },
	{ "a: SHA256:" "00112233445566778899aabbccddeeff"
	    "00112233445566778899AABBCCDDEEFF", 1, NULL },
	{ "a: sha256:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
	    "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\n", 1, NULL },
	{ "just words\n", -1, "m:1: expected 'user: kind:value'" },
	{ "a upn:a@b\n", -1, "m:1: invalid user name" },
	{ "\n: upn:a@b\n", -1, "m:2: invalid user name" },
	{ "a b: upn:a@b\n", -1, "m:1: invalid user name" },
	{ "-a: upn:a@b\n", -1, "m:1: invalid user name" },
	{ "a: cn:alice\n", -1, "m:1: unknown rule kind (expected sha256:, "
	    "subject:, upn: or email:)" },
	{ "a: upn:\n", -1, "m:1: empty value" },
	{ "a: upn:alice\n", -1, "m:1: expected an address with '@'" },
	{ "a: sha256:0011\n", -1, "m:1: sha256 needs 64 hex digits" },
	{ "a: sha256:" "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff00\n", -1,
	    "m:1: sha256 needs 64 hex digits" },
	{ "a: sha256:" "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeefg\n", -1,
	    "m:1: sha256 needs 64 hex digits" },
	{ "a: upn:a@b\x01\n", -1, "m:1: control character in line" },
};

static int
count_rule(void *ctx, const struct scl_mapfile_rule *rule)
{
	int *n = ctx;

	assert_non_null(rule->user);
	assert_true(rule->line >= 1);
	(*n)++;
	return 0;
}

static int
stop_rule(void *ctx, const struct scl_mapfile_rule *rule)
{
	(void)ctx;
	(void)rule;
	return SCL_ERR_LIMIT;
}

static void
test_mapfile_parse(void **state)
{
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(mf_cases) / sizeof(mf_cases[0]); i++) {
		int n = 0, r;

		err[0] = '\0';
		r = scl_mapfile_parse_buffer("m", mf_cases[i].text,
		    strlen(mf_cases[i].text), count_rule, &n, err, sizeof(err));
		if (mf_cases[i].nrules >= 0) {
			if (r != 0)
				fail_msg("case %zu: %s", i, err);
			assert_int_equal(n, mf_cases[i].nrules);
		} else {
			assert_int_equal(r, SCL_ERR_CONFIG);
			if (strcmp(err, mf_cases[i].msg) != 0)
				fail_msg("case %zu: got '%s' want '%s'", i,
				    err, mf_cases[i].msg);
		}
	}
	assert_int_equal(scl_mapfile_parse_buffer("m", "a: upn:a@b\n", 11,
	    stop_rule, NULL, err, sizeof(err)), SCL_ERR_LIMIT);
	assert_int_equal(scl_mapfile_parse_buffer("m", "a: upn:a@b\n", 11,
	    NULL, NULL, NULL, 0), 0);
}

/* ---- authorized_certs ---- */

static void
setup_authorized(const char *user, uid_t uid, const char *content)
{
	const char *home = path_in("home/%s", user);

	assert_int_equal(chmod(home, 0755), 0);
	assert_int_equal(chown(home, uid, uid), 0);
	(void)mkdir(path_in("home/%s/.config", user), 0755);
	(void)mkdir(path_in("home/%s/.config/sclogin", user), 0755);
	assert_int_equal(chmod(path_in("home/%s/.config", user), 0755), 0);
	assert_int_equal(chown(path_in("home/%s/.config", user), uid, uid), 0);
	assert_int_equal(chmod(path_in("home/%s/.config/sclogin", user), 0700),
	    0);
	assert_int_equal(chown(path_in("home/%s/.config/sclogin", user), uid,
	    uid), 0);
	write_file(path_in("home/%s/.config/sclogin/authorized_certs", user),
	    content, 0600, uid);
}

static void
test_authorized(void **state)
{
	struct scl_config *c = mkcfg("authorized", NULL);
	char text[8192], pem[4096], f[512], alt[512];

	(void)state;
	if (geteuid() != 0) {
		scl_config_free(&c);
		skip();
	}
	snprintf(pem, sizeof(pem), "%s", slurp(path_in("stranger.pem")));
	snprintf(text, sizeof(text), "# my cards\n%s\nsha256:%s\n", pem,
	    slurp(path_in("carol.sha256")));
	setup_authorized("bob", 1002, text);
	snprintf(f, sizeof(f), "%s",
	    path_in("home/bob/.config/sclogin/authorized_certs"));

	assert_int_equal(checku(c, "stranger", "bob"), 0);
	assert_int_equal(checku(c, "carol", "bob"), 0);	/* sha256: line */
	assert_int_equal(checku(c, "alice", "bob"), SCL_ERR_NO_MAPPING);
	assert_int_equal(checku(c, "stranger", "alice"), SCL_ERR_NO_MAPPING);
	assert_string_equal(find(c, "stranger"), "NO_MAPPING");

	/* file group writable */
	assert_int_equal(chmod(f, 0620), 0);
	assert_int_equal(checku(c, "stranger", "bob"), SCL_ERR_NO_MAPPING);
	assert_int_equal(chmod(f, 0644), 0);
	assert_int_equal(checku(c, "stranger", "bob"), 0);
	/* file owned by someone else; root is fine */
	assert_int_equal(chown(f, 1003, 1003), 0);
	assert_int_equal(checku(c, "stranger", "bob"), SCL_ERR_NO_MAPPING);
	assert_int_equal(chown(f, 0, 0), 0);
	assert_int_equal(checku(c, "stranger", "bob"), 0);
	assert_int_equal(chown(f, 1002, 1002), 0);
	/* directory group writable */
	assert_int_equal(chmod(path_in("home/bob/.config/sclogin"), 0770), 0);
	assert_int_equal(checku(c, "stranger", "bob"), SCL_ERR_NO_MAPPING);
	assert_int_equal(chmod(path_in("home/bob/.config/sclogin"), 0700), 0);
	/* home owned by another user */
	assert_int_equal(chown(path_in("home/bob"), 1001, 1001), 0);
	assert_int_equal(checku(c, "stranger", "bob"), SCL_ERR_NO_MAPPING);
	assert_int_equal(chown(path_in("home/bob"), 1002, 1002), 0);
	assert_int_equal(checku(c, "stranger", "bob"), 0);

	/* the file as a symlink to a good file elsewhere */
	snprintf(alt, sizeof(alt), "%s",
	    path_in("home/bob/.config/sclogin/real"));
	assert_int_equal(rename(f, alt), 0);
	assert_int_equal(symlink("real", f), 0);
	assert_int_equal(checku(c, "stranger", "bob"), SCL_ERR_NO_MAPPING);
	assert_int_equal(unlink(f), 0);
	assert_int_equal(rename(alt, f), 0);
	assert_int_equal(checku(c, "stranger", "bob"), 0);

	/* .config as a symlink to a good directory */
	assert_int_equal(rename(path_in("home/bob/.config"),
	    path_in("home/bob/real-config")), 0);
	assert_int_equal(symlink("real-config", path_in("home/bob/.config")),
	    0);
	assert_int_equal(checku(c, "stranger", "bob"), SCL_ERR_NO_MAPPING);
	assert_int_equal(unlink(path_in("home/bob/.config")), 0);
	assert_int_equal(rename(path_in("home/bob/real-config"),
	    path_in("home/bob/.config")), 0);
	assert_int_equal(checku(c, "stranger", "bob"), 0);

	/* read as the user: a file only root can read is not used */
	assert_int_equal(chown(f, 0, 0), 0);
	assert_int_equal(chmod(f, 0600), 0);
	assert_int_equal(checku(c, "stranger", "bob"), SCL_ERR_NO_MAPPING);
	assert_int_equal(chown(f, 1002, 1002), 0);

	/* a FIFO instead of a file: refused without blocking */
	assert_int_equal(rename(f, path_in("home/bob/saved")), 0);
	assert_int_equal(mkfifo(f, 0600), 0);
	assert_int_equal(chown(f, 1002, 1002), 0);
	assert_int_equal(checku(c, "stranger", "bob"), SCL_ERR_NO_MAPPING);
	assert_int_equal(unlink(f), 0);
	assert_int_equal(rename(path_in("home/bob/saved"), f), 0);

	/* garbage and a truncated PEM map nothing and do not crash */
	write_file(f, "-----BEGIN CERTIFICATE-----\nMIIB\n"
	    "-----END CERTIFICATE-----\nsha256:zz\n-----BEGIN CERTIFICATE-----"
	    "\n", 0600, 1002);
	assert_int_equal(checku(c, "stranger", "bob"), SCL_ERR_NO_MAPPING);
	/* no file at all */
	assert_int_equal(unlink(f), 0);
	assert_int_equal(checku(c, "stranger", "bob"), SCL_ERR_NO_MAPPING);
	scl_config_free(&c);

	/* with other methods: user given, authorized adds to the rest */
	setup_authorized("dave", 1004, pem);
	c = mkcfg("upn,authorized", NULL);
	assert_int_equal(checku(c, "stranger", "dave"), 0);
	assert_int_equal(checku(c, "dave", "dave"), 0);
	scl_config_free(&c);
}

static uid_t
uid_min_of(const char *text)
{
	uid_t u = 4242;

	if (scl_logindefs_parse_uid_min(text, strlen(text), &u) != 0)
		return 0;
	return u;
}

static void
test_logindefs(void **state)
{
	(void)state;
	assert_int_equal(uid_min_of("UID_MIN 1000\n"), 1000);
	assert_int_equal(uid_min_of("# UID_MIN 5\nUID_MIN\t\t500 # x\n"),
	    500);
	assert_int_equal(uid_min_of("UID_MIN 100\nUID_MIN 2000\r\n"), 2000);
	assert_int_equal(uid_min_of("  UID_MIN   60000"), 60000);
	assert_int_equal(uid_min_of("UID_MAX 60000\nSYS_UID_MIN 100\n"), 0);
	assert_int_equal(uid_min_of("UID_MIN 0\n"), 0);
	assert_int_equal(uid_min_of("UID_MIN -1\n"), 0);
	assert_int_equal(uid_min_of("UID_MIN 99999999999\n"), 0);
	assert_int_equal(uid_min_of("UID_MIN 10x\n"), 0);
	assert_int_equal(uid_min_of("UID_MINIMUM 10\n"), 0);
	assert_int_equal(uid_min_of(""), 0);
	/* a bad last line does not undo a good one */
	assert_int_equal(uid_min_of("UID_MIN 1200\nUID_MIN zz\n"), 1200);
	/* the machine's own file, or the default */
	assert_true(scl_logindefs_uid_min(NULL) >= 1);
	assert_int_equal(scl_logindefs_uid_min("/nonexistent/login.defs"),
	    SCL_UID_MIN_DEFAULT);
	assert_true(scl_shell_refuses_login("/usr/sbin/nologin"));
	assert_true(scl_shell_refuses_login("/sbin/nologin"));
	assert_true(scl_shell_refuses_login("/bin/false"));
	assert_false(scl_shell_refuses_login("/bin/sh"));
	assert_false(scl_shell_refuses_login(""));
	assert_false(scl_shell_refuses_login(NULL));
}

static void
test_list_clear(void **state)
{
	struct scl_user_list l;

	(void)state;
	memset(&l, 0, sizeof(l));
	scl_user_list_clear(&l);
	scl_user_list_clear(NULL);
	l.users[0] = strdup("x");
	l.n = 1;
	scl_user_list_clear(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.users[0]);
}

/* Mutated certificates: whatever parses must map without crashing. */
static void
test_mutations(void **state)
{
	struct scl_config *c = mkcfg("upn,cn,email,mapfile", NULL);
	unsigned char *der = NULL, *buf;
	X509 *x = load("alice");
	int len = i2d_X509(x, &der), mapped = 0;

	(void)state;
	assert_true(len > 0);
	X509_free(x);
	buf = malloc((size_t)len);
	assert_non_null(buf);
	for (int i = 0; i < len; i++) {
		for (int m = 0; m < 2; m++) {
			const unsigned char *p = buf;
			struct scl_user_list l;
			int n = len;

			if (m == 1 && i % 8 != 0)
				continue;
			memcpy(buf, der, (size_t)len);
			if (m == 0)
				buf[i] ^= (unsigned char)(1u << (i % 8));
			else
				n = i;
			if ((x = d2i_X509(NULL, &p, n)) == NULL)
				continue;
			memset(&l, 0, sizeof(l));
			if (scl_map_find_users(c, x, &l) == 0) {
				mapped++;
				scl_user_list_clear(&l);
			}
			if (i % 4 == 0)
				(void)scl_map_check_user(c, x, "alice");
			X509_free(x);
		}
	}
	assert_true(mapped > 0);
	free(buf);
	OPENSSL_free(der);
	scl_config_free(&c);
}

/* ---- set-up: nss_wrapper world, then re-exec ---- */

static int
prepare_and_exec(char **argv)
{
	static char dir[] = "/tmp/scl-mapping-XXXXXX";
	char path[600], line[1200];
	const char *asan = getenv("ASAN_OPTIONS");

	if (mkdtemp(dir) == NULL || chmod(dir, 0755) != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/home", dir);
	mkdir(path, 0755);
	if (nss_users_write(dir, path) != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/map", dir);
	mkdir(path, 0755);
	setenv("LD_PRELOAD", "libnss_wrapper.so", 1);
	snprintf(line, sizeof(line), "%s%sverify_asan_link_order=0",
	    asan != NULL ? asan : "", asan != NULL ? ":" : "");
	setenv("ASAN_OPTIONS", line, 1);
	setenv("SCL_TEST_TMP", dir, 1);
	nss_users_reexec(argv);
	return 1;
}

/* Files the tests need, made from the PKI before the tests run. */
static int
prepare_files(void)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
	    "cp '%s/mapfile' '%s/map/mapfile' && chmod 0644 '%s/map/mapfile' "
	    "&& cp '%s/stranger.cert.pem' '%s/stranger.pem' && "
	    "openssl x509 -in '%s/carol.cert.pem' -noout -fingerprint -sha256"
	    " | sed 's/.*=//' | tr -d '\\n' > '%s/carol.sha256' && "
	    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	    "-nodes -keyout '%s/root.key' -subj /CN=root -days 30 -addext "
	    "'subjectAltName=otherName:1.3.6.1.4.1.311.20.2.3;UTF8:"
	    "root@example.test,email:root@example.test' -out "
	    "'%s/root.cert.pem' 2>/dev/null && openssl x509 -in "
	    "'%s/root.cert.pem' -noout -fingerprint -sha256 | sed 's/.*=//' | "
	    "tr -d '\\n' > '%s/root.sha256'",
	    pki, tmp, tmp, pki, tmp, pki, tmp, tmp, tmp, tmp, tmp);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_check_user),
		cmocka_unit_test(test_upn_domain),
		cmocka_unit_test(test_mapfile_rules),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_mapfile_files),
		cmocka_unit_test(test_mapfile_parse),
		cmocka_unit_test(test_authorized),
		cmocka_unit_test(test_logindefs),
		cmocka_unit_test(test_list_clear),
		cmocka_unit_test(test_mutations),
	};
	char cmd[600];
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PKI_DIR\n", argv[0]);
		return 2;
	}
	pki = argv[1];
	if ((tmp = getenv("SCL_TEST_TMP")) == NULL)
		return prepare_and_exec(argv);
	if (prepare_files() != 0) {
		fprintf(stderr, "cannot prepare test files\n");
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		r = 1;
	return r;
}
