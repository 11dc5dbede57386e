/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * scl_certcheck against the PKI from tests/pki/mkpki.sh.  Network cases
 * run an `openssl ocsp` responder and small HTTP servers on loopback; as
 * root the test first moves into a private network namespace so the fixed
 * AIA/CDP ports (18888, 18889) cannot clash with anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>

#include "certcheck.h"
#include "config.h"
#include "err.h"
#include "test-pki.h"

#define NOW_FIXED ((time_t)1780272000)	/* 2026-06-01T00:00:00Z */
#define PORT_OCSP 18888			/* AIA in the test leaves */
#define PORT_CDP 18889			/* CDP in the test leaves */
#define PORT_OTHER 18890
#define PORT_SILENT 18891
#define PORT_CLOSED 18892
#define SLACK_MS 400			/* scheduling on a loaded CI machine */

static const char *pki;
static char tmpdir[64];

/* Children still running: killed by teardown even when a check failed. */
static pid_t children[8];

static void
track(pid_t pid)
{
	for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++) {
		if (children[i] == 0) {
			children[i] = pid;
			return;
		}
	}
	fail_msg("too many children");
}

static X509 *
load(const char *name)
{
	return test_pki_load(pki, name);
}

static const char *
pki_path(const char *name)
{
	return test_pki_path(pki, name);
}

/* Config with the test CA, revocation off unless set. */
static struct scl_config *
mkcfg(const char *kv, ...)
{
	struct scl_config *c = NULL;
	char err[256];
	va_list ap;

	assert_int_equal(scl_config_defaults(&c), 0);
	assert_int_equal(scl_config_set(c, "ca_file", pki_path("ca.pem"), err,
	    sizeof(err)), 0);
	assert_int_equal(scl_config_set(c, "crl", "off", err, sizeof(err)), 0);
	assert_int_equal(scl_config_set(c, "crl_dir", "", err, sizeof(err)),
	    0);
	assert_int_equal(scl_config_set(c, "crl_cache_dir", "", err,
	    sizeof(err)), 0);
	va_start(ap, kv);
	for (const char *k = kv; k != NULL; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);

		if (scl_config_set(c, k, v, err, sizeof(err)) != 0)
			fail_msg("%s", err);
	}
	va_end(ap);
	return c;
}

static int
check(const struct scl_config *c, const char *name, time_t now,
    char *detail, size_t dlen, int *soft)
{
	X509 *x = load(name);
	int r;

	*soft = -1;
	r = scl_certcheck(c, x, now, detail, dlen, soft);
	X509_free(x);
	return r;
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- helpers for servers ---- */

static int
listen_on(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail_msg("bind %d: %s", port, strerror(errno));
	assert_int_equal(listen(fd, 16), 0);
	return fd;
}

static void
stop(pid_t pid)
{
	int st;

	if (pid <= 0)
		return;
	for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++)
		if (children[i] == pid)
			children[i] = 0;
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
}

static int
teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++)
		if (children[i] > 0)
			stop(children[i]);
	return 0;
}

/*
 * openssl ocsp on loopback, signed by signer/key.  Readiness is read from
 * its stderr: probing it with an empty connection makes openssl 3.0's
 * responder spin on the closed socket and never answer again.
 */
static int ocsp_err_fd = -1;

static pid_t
start_ocsp(int port, const char *signer, const char *key)
{
	char portstr[16], buf[4096];
	size_t got = 0;
	long long until;
	int pfd[2];
	pid_t pid;

	snprintf(portstr, sizeof(portstr), "%d", port);
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(devnull, 1);
		dup2(pfd[1], 2);
		execlp("openssl", "openssl", "ocsp", "-index",
		    pki_path("index.txt"), "-CA", pki_path("ca.pem"),
		    "-rsigner", signer, "-rkey", key, "-port", portstr,
		    "-ignore_err", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	track(pid);
	until = mono_ms() + 5000;
	while (mono_ms() < until && got < sizeof(buf) - 1) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		if ((n = read(pfd[0], buf + got, sizeof(buf) - 1 - got)) <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "waiting for OCSP client") != NULL) {
			/* kept open: the responder logs each request */
			if (ocsp_err_fd >= 0)
				close(ocsp_err_fd);
			ocsp_err_fd = pfd[0];
			return pid;
		}
	}
	close(pfd[0]);
	stop(pid);
	fail_msg("openssl ocsp did not start on port %d", port);
	return -1;
}

/* A one-file HTTP/1.0 server (the CDP); listening before it returns. */
static pid_t
start_http(int port, const char *file)
{
	int ls = listen_on(port);
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (int n = 0; n < 1000; n++) {
			char req[4096], hdr[128], body[65536];
			size_t got = 0;
			ssize_t blen;
			int c = accept(ls, NULL, NULL), fd;

			if (c < 0)
				_exit(1);
			while (got < sizeof(req) - 1) {
				ssize_t k = read(c, req + got,
				    sizeof(req) - 1 - got);

				if (k <= 0)
					break;
				got += (size_t)k;
				req[got] = '\0';
				if (strstr(req, "\r\n\r\n") != NULL)
					break;
			}
			fd = open(file, O_RDONLY);
			blen = fd >= 0 ? read(fd, body, sizeof(body)) : -1;
			if (fd >= 0)
				close(fd);
			if (blen < 0)
				blen = 0;
			snprintf(hdr, sizeof(hdr), "HTTP/1.0 200 OK\r\n"
			    "Content-Type: application/pkix-crl\r\n"
			    "Content-Length: %zd\r\n\r\n", blen);
			if (write(c, hdr, strlen(hdr)) < 0 ||
			    write(c, body, (size_t)blen) < 0)
				_exit(1);
			close(c);
		}
		_exit(0);
	}
	close(ls);
	track(pid);
	return pid;
}

/* ---- offline cases, fixed clock ---- */

struct offline_case {
	const char *cert;
	int want;
	const char *detail;	/* substring, or NULL */
};

static const struct offline_case offline[] = {
	{ "alice", 0, "valid" },
	{ "bob", 0, NULL },
	{ "carol", 0, NULL },	/* P-256 */
	{ "dave", 0, NULL },	/* P-384 */
	{ "shared", 0, NULL },
	{ "stranger", 0, NULL },
	{ "alice-revoked", 0, NULL },	/* crl = off */
	{ "alice-expired", SCL_ERR_CERT_EXPIRED,
	    "notAfter 2021-06-01T00:00:00Z" },
	{ "alice-notyet", SCL_ERR_CERT_NOT_YET_VALID,
	    "notBefore 2046-01-01T00:00:00Z" },
	{ "alice-noeku", SCL_ERR_CERT_EKU, "extendedKeyUsage has no accepted "
	    "purpose (smart card logon, clientAuth)" },
	{ "alice-nodigsig", SCL_ERR_CERT_KEY_USAGE,
	    "keyUsage lacks digitalSignature" },
	{ "alice-untrusted", SCL_ERR_CERT_UNTRUSTED,
	    "unable to get local issuer certificate" },
};

static void
test_offline(void **state)
{
	struct scl_config *c = mkcfg(NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(offline) / sizeof(offline[0]); i++) {
		char detail[256] = "";
		int soft, r;

		r = check(c, offline[i].cert, NOW_FIXED, detail,
		    sizeof(detail), &soft);
		if (r != offline[i].want)
			fail_msg("%s: got %s (%s), want %s", offline[i].cert,
			    scl_err_name(r), detail,
			    scl_err_name(offline[i].want));
		if (offline[i].detail != NULL &&
		    strstr(detail, offline[i].detail) == NULL)
			fail_msg("%s: detail '%s' lacks '%s'", offline[i].cert,
			    detail, offline[i].detail);
		assert_int_equal(soft, r == 0 ? 0 : -1);
	}
	scl_config_free(&c);
}

static void
test_validity_edges(void **state)
{
	struct scl_config *c = mkcfg(NULL);
	char d[256];
	int soft;

	(void)state;
	/* alice: 2024-01-01T00:00:00Z .. 2045-12-31T23:59:59Z */
	assert_int_equal(check(c, "alice", 1704067199, d, sizeof(d), &soft),
	    SCL_ERR_CERT_NOT_YET_VALID);
	assert_int_equal(check(c, "alice", 1704067200 + 1, d, sizeof(d),
	    &soft), 0);
	assert_int_equal(check(c, "alice", 2398377599 - 1, d, sizeof(d),
	    &soft), 0);
	assert_int_equal(check(c, "alice", 2398377600, d, sizeof(d), &soft),
	    SCL_ERR_CERT_EXPIRED);
	/* expiry is reported before an unknown issuer */
	assert_int_equal(check(c, "alice-untrusted", 2398377600, d, sizeof(d),
	    &soft), SCL_ERR_CERT_EXPIRED);
	/* now == 0: the real clock (2026 and later on this machine) */
	assert_int_equal(check(c, "alice-expired", 0, d, sizeof(d), &soft),
	    SCL_ERR_CERT_EXPIRED);
	scl_config_free(&c);
}

static void
test_eku_config(void **state)
{
	struct scl_config *c;
	char d[256];
	int soft;

	(void)state;
	c = mkcfg("eku_client_auth", "no", NULL);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft), 0);
	scl_config_free(&c);
	c = mkcfg("eku_smartcard_logon", "no", NULL);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft), 0);
	scl_config_free(&c);
	c = mkcfg("eku_smartcard_logon", "no", "eku_client_auth", "no", NULL);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft),
	    SCL_ERR_CERT_EKU);
	scl_config_free(&c);
	c = mkcfg("eku_allow_none", "yes", NULL);
	assert_int_equal(check(c, "alice-noeku", NOW_FIXED, d, sizeof(d),
	    &soft), SCL_ERR_CERT_EKU);
	scl_config_free(&c);
}

static void
test_trust_config(void **state)
{
	struct scl_config *c;
	char d[256];
	int soft;

	(void)state;
	c = mkcfg("ca_file", "/nonexistent/ca.pem", NULL);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft),
	    SCL_ERR_CERT_UNTRUSTED);
	assert_non_null(strstr(d, "cannot read ca_file '/nonexistent/ca.pem'"));
	scl_config_free(&c);
	c = mkcfg("ca_file", "", NULL);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft),
	    SCL_ERR_CERT_UNTRUSTED);
	assert_non_null(strstr(d, "no trust anchors"));
	scl_config_free(&c);
	c = mkcfg("ca_file", "", "ca_dir", pki_path("ca-dir"), NULL);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft), 0);
	assert_int_equal(check(c, "alice-untrusted", NOW_FIXED, d, sizeof(d),
	    &soft), SCL_ERR_CERT_UNTRUSTED);
	scl_config_free(&c);
	/* trusting the other CA makes alice-untrusted fine and alice not */
	c = mkcfg("ca_file", pki_path("other-ca.pem"), NULL);
	assert_int_equal(check(c, "alice-untrusted", NOW_FIXED, d, sizeof(d),
	    &soft), 0);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft),
	    SCL_ERR_CERT_UNTRUSTED);
	scl_config_free(&c);
}

static void
test_crl(void **state)
{
	struct scl_config *c;
	char d[256], empty[128];
	int soft;
	X509 *x;

	(void)state;
	snprintf(empty, sizeof(empty), "%s/empty", tmpdir);
	assert_int_equal(mkdir(empty, 0755), 0);

	c = mkcfg("crl", "hard-fail", "crl_dir", pki_path("crl"), NULL);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft), 0);
	assert_int_equal(soft, 0);
	assert_string_equal(d, "valid; revocation: CRL good");
	assert_int_equal(check(c, "alice-revoked", NOW_FIXED, d, sizeof(d),
	    &soft), SCL_ERR_CERT_REVOKED);
	assert_string_equal(d, "revoked 2024-06-01T00:00:00Z (keyCompromise), "
	    "per CRL");
	assert_int_equal(soft, -1);
	/* an expired cert is reported as expired, not revoked */
	assert_int_equal(check(c, "alice-expired", NOW_FIXED, d, sizeof(d),
	    &soft), SCL_ERR_CERT_EXPIRED);
	/* skipping revocation (doctor --offline) */
	x = load("alice-revoked");
	assert_int_equal(scl_certcheck_ex(c, x, NOW_FIXED,
	    SCL_CERTCHECK_NO_REVOCATION, d, sizeof(d), &soft), 0);
	X509_free(x);
	scl_config_free(&c);

	/* the other CA's CRL does not count: no CRL -> mode decides */
	c = mkcfg("crl", "soft-fail", "crl_dir", empty, NULL);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft), 0);
	assert_int_equal(soft, 1);
	assert_non_null(strstr(d, "no current CRL"));
	assert_non_null(strstr(d, "soft-fail"));
	assert_int_equal(check(c, "alice-revoked", NOW_FIXED, d, sizeof(d),
	    &soft), 0);
	assert_int_equal(soft, 1);
	scl_config_free(&c);
	c = mkcfg("crl", "hard-fail", "crl_dir", empty, NULL);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft),
	    SCL_ERR_CERT_REVOCATION_UNKNOWN);
	assert_non_null(strstr(d, "hard-fail"));
	scl_config_free(&c);
	/* missing crl_dir is no CRL, not a crash */
	c = mkcfg("crl", "hard-fail", "crl_dir", "/nonexistent", NULL);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft),
	    SCL_ERR_CERT_REVOCATION_UNKNOWN);
	scl_config_free(&c);
	/* CRL is current until 2045-12-31; the cert expires then too */
	c = mkcfg("crl", "hard-fail", "crl_dir", pki_path("crl"), NULL);
	assert_int_equal(check(c, "alice", 1704067200 + 10, d, sizeof(d),
	    &soft), 0);
	scl_config_free(&c);
}

/* ---- issue 12: the shapes an attacker with a CA-issued cert tries ---- */

static void
expect(const struct scl_config *c, const char *name, time_t now, int want,
    const char *text, int want_soft)
{
	char d[512] = "";
	int soft, r = check(c, name, now, d, sizeof(d), &soft);

	if (r != want)
		fail_msg("%s: got %s (%s), want %s", name, scl_err_name(r), d,
		    scl_err_name(want));
	if (text != NULL && strstr(d, text) == NULL)
		fail_msg("%s: detail '%s' lacks '%s'", name, d, text);
	if (want_soft >= 0 && soft != want_soft)
		fail_msg("%s: soft %d, want %d (%s)", name, soft, want_soft, d);
}

/* #12: RSA 1024 and P-224 leaves are refused unless allow_weak_keys. */
static void
test_weak_keys(void **state)
{
	struct scl_config *c = mkcfg(NULL);

	(void)state;
	expect(c, "alice-weak", NOW_FIXED, SCL_ERR_CERT_WEAK_KEY,
	    "RSA 1024-bit key, below RSA 2048 / P-256 (allow_weak_keys = no)",
	    -1);
	expect(c, "alice-p224", NOW_FIXED, SCL_ERR_CERT_WEAK_KEY,
	    "EC key on secp224r1 (224 bits)", -1);
	expect(c, "carol", NOW_FIXED, 0, NULL, 0);
	expect(c, "dave", NOW_FIXED, 0, NULL, 0);
	scl_config_free(&c);
	c = mkcfg("allow_weak_keys", "yes", NULL);
	expect(c, "alice-weak", NOW_FIXED, 0,
	    "valid; weak key accepted (allow_weak_keys = yes)", 0);
	expect(c, "alice-p224", NOW_FIXED, 0, "weak key accepted", 0);
	expect(c, "alice", NOW_FIXED, 0, "valid", 0);
	scl_config_free(&c);
}

/* #12: a CA as sign-in certificate; the sslclient purpose. */
static void
test_ca_leaf(void **state)
{
	struct scl_config *c = mkcfg(NULL);
	FILE *f;
	X509 *x;
	char d[256];
	int soft;

	(void)state;
	expect(c, "alice-ca", NOW_FIXED, SCL_ERR_CERT_IS_CA,
	    "the certificate is a CA (basicConstraints CA:TRUE)", -1);
	expect(c, "alice-kcs", NOW_FIXED, SCL_ERR_CERT_IS_CA,
	    "(keyUsage keyCertSign)", -1);
	expect(c, "alice-nsserver", NOW_FIXED, SCL_ERR_CERT_PURPOSE,
	    "nsCertType does not allow SSL client use", -1);
	/* allow_weak_keys changes nothing of that */
	scl_config_free(&c);
	c = mkcfg("allow_weak_keys", "yes", "eku_allow_none", "yes", NULL);
	expect(c, "alice-ca", NOW_FIXED, SCL_ERR_CERT_IS_CA, NULL, -1);
	/* the trust anchor itself on a card */
	assert_non_null(f = fopen(pki_path("ca.pem"), "r"));
	assert_non_null(x = PEM_read_X509(f, NULL, NULL, NULL));
	fclose(f);
	assert_int_equal(scl_certcheck(c, x, NOW_FIXED, d, sizeof(d), &soft),
	    SCL_ERR_CERT_IS_CA);
	X509_free(x);
	scl_config_free(&c);
}

/* #12: the intermediates are checked for revocation too. */
static void
test_chain_revocation(void **state)
{
	struct scl_config *c;

	(void)state;
	c = mkcfg("ca_file", pki_path("chain.pem"), "crl", "hard-fail",
	    "crl_dir", pki_path("crl-chain"), NULL);
	expect(c, "alice-sub", NOW_FIXED, 0,
	    "valid; revocation: CRL good (issuing CAs too)", 0);
	expect(c, "alice-subrev", NOW_FIXED, SCL_ERR_CERT_REVOKED,
	    "issuer 'CN=sclogin Test Revoked Issuing CA,O=sclogin Test' at "
	    "depth 1: revoked 2024-06-01T00:00:00Z (cACompromise), per CRL",
	    -1);
	expect(c, "alice", NOW_FIXED, 0, "valid; revocation: CRL good", 0);
	expect(c, "alice-revoked", NOW_FIXED, SCL_ERR_CERT_REVOKED, NULL, -1);
	scl_config_free(&c);
	/* the issuing CA's CRL alone says nothing about the CA itself */
	c = mkcfg("ca_file", pki_path("chain.pem"), "crl", "hard-fail",
	    "crl_dir", pki_path("crl-sub-only"), NULL);
	expect(c, "alice-sub", NOW_FIXED, SCL_ERR_CERT_REVOCATION_UNKNOWN,
	    "issuer 'CN=sclogin Test Issuing CA,O=sclogin Test' at depth 1: "
	    "no current CRL", -1);
	expect(c, "alice-subrev", NOW_FIXED, SCL_ERR_CERT_REVOCATION_UNKNOWN,
	    NULL, -1);
	scl_config_free(&c);
	c = mkcfg("ca_file", pki_path("chain.pem"), "crl", "soft-fail",
	    "crl_dir", pki_path("crl-sub-only"), NULL);
	expect(c, "alice-sub", NOW_FIXED, 0, "at depth 1", 1);
	scl_config_free(&c);
	/* OCSP for the chain: the responder knows the revoked CA */
	c = mkcfg("ca_file", pki_path("chain.pem"), "crl", "hard-fail",
	    "crl_dir", pki_path("crl-chain"), "ocsp", "soft-fail",
	    "ocsp_url", "http://127.0.0.1:18892/", "revocation_timeout_ms",
	    "300", NULL);
	expect(c, "alice-subrev", NOW_FIXED, SCL_ERR_CERT_REVOKED, "depth 1",
	    -1);
	scl_config_free(&c);
}

/* #12: partial CRLs never count as complete. */
static void
test_crl_partial(void **state)
{
	static const struct {
		const char *dir;
		const char *why;
	} partial[] = {
		{ "crl-delta", "is a delta CRL" },
		{ "crl-reasons", "is partitioned by reason (onlySomeReasons)" },
		{ "crl-onlyca", "covers CA certificates only "
		    "(onlyContainsCACerts)" },
		{ "crl-idp-other", "has a distribution point that is not the "
		    "certificate's CDP" },
		{ "crl-indirect", "is an indirect CRL" },
	};
	struct scl_config *c;
	char both[128], cmd[512];

	(void)state;
	for (size_t i = 0; i < sizeof(partial) / sizeof(partial[0]); i++) {
		char want[160];

		snprintf(want, sizeof(want), "no complete CRL from the issuer: "
		    "the one found %s, hard-fail", partial[i].why);
		c = mkcfg("crl", "hard-fail", "crl_dir",
		    pki_path(partial[i].dir), NULL);
		expect(c, "alice-revoked", NOW_FIXED, SCL_ERR_CRL_INCOMPLETE,
		    want, -1);
		expect(c, "alice", NOW_FIXED, SCL_ERR_CRL_INCOMPLETE, NULL, -1);
		scl_config_free(&c);
		c = mkcfg("crl", "soft-fail", "crl_dir",
		    pki_path(partial[i].dir), NULL);
		expect(c, "alice", NOW_FIXED, 0, partial[i].why, 1);
		scl_config_free(&c);
	}
	/* honoured scopes: an IDP naming the CDP, user certs only */
	c = mkcfg("crl", "hard-fail", "crl_dir", pki_path("crl-idp-match"),
	    NULL);
	expect(c, "alice", NOW_FIXED, 0, "CRL good", 0);
	expect(c, "alice-revoked", NOW_FIXED, SCL_ERR_CERT_REVOKED, NULL, -1);
	scl_config_free(&c);
	c = mkcfg("crl", "hard-fail", "crl_dir", pki_path("crl-onlyuser"),
	    NULL);
	expect(c, "alice", NOW_FIXED, 0, "CRL good", 0);
	expect(c, "alice-revoked", NOW_FIXED, SCL_ERR_CERT_REVOKED, NULL, -1);
	scl_config_free(&c);
	/* ... but a user-certs-only CRL says nothing about a CA */
	snprintf(both, sizeof(both), "%s/onlyuser-chain", tmpdir);
	snprintf(cmd, sizeof(cmd), "mkdir '%s' && cp '%s'/* '%s' && "
	    "cp '%s'/* '%s'", both, pki_path("crl-onlyuser"), both,
	    pki_path("crl-sub-only"), both);
	assert_int_equal(system(cmd), 0);
	c = mkcfg("ca_file", pki_path("chain.pem"), "crl", "hard-fail",
	    "crl_dir", both, NULL);
	expect(c, "alice-sub", NOW_FIXED, SCL_ERR_CRL_INCOMPLETE,
	    "at depth 1: no complete CRL from the issuer: the one found covers "
	    "end-entity certificates only", -1);
	scl_config_free(&c);
	/* a complete CRL next to a partial one settles it */
	c = mkcfg("crl", "hard-fail", "crl_dir", pki_path("crl-chain"), NULL);
	expect(c, "alice", NOW_FIXED, 0, "CRL good", 0);
	scl_config_free(&c);
}

/* #12: a CRL past nextUpdate + crl_grace is stale, said as such. */
static void
test_crl_stale(void **state)
{
	const time_t next = 1735689600;		/* 2025-01-01T00:00:00Z */
	struct scl_config *c;

	(void)state;
	c = mkcfg("crl", "hard-fail", "crl_dir", pki_path("crl-stale"), NULL);
	expect(c, "alice", next - 1, 0, "CRL good", 0);
	expect(c, "alice", next + 1, SCL_ERR_CRL_STALE,
	    "the issuer's CRL is stale: nextUpdate 2025-01-01T00:00:00Z, "
	    "crl_grace 0 s, hard-fail", -1);
	expect(c, "alice", NOW_FIXED, SCL_ERR_CRL_STALE, NULL, -1);
	/* a stale CRL still revokes */
	expect(c, "alice-revoked", NOW_FIXED, SCL_ERR_CERT_REVOKED, NULL, -1);
	scl_config_free(&c);
	c = mkcfg("crl", "hard-fail", "crl_dir", pki_path("crl-stale"),
	    "crl_grace", "7200", NULL);
	expect(c, "alice", next + 7199, 0, "CRL good", 0);
	expect(c, "alice", next + 7201, SCL_ERR_CRL_STALE, "crl_grace 7200 s",
	    -1);
	scl_config_free(&c);
	c = mkcfg("crl", "soft-fail", "crl_dir", pki_path("crl-stale"), NULL);
	expect(c, "alice", NOW_FIXED, 0, "stale", 1);
	scl_config_free(&c);
}

/* #12: with nothing but ca_file set, revocation is hard-fail. */
static void
test_default_hard_fail(void **state)
{
	struct scl_config *c = NULL;
	char err[256], empty[128];

	(void)state;
	snprintf(empty, sizeof(empty), "%s/empty-default", tmpdir);
	assert_int_equal(mkdir(empty, 0755), 0);
	assert_int_equal(scl_config_defaults(&c), 0);
	assert_int_equal(c->crl, SCL_REVOCATION_HARD_FAIL);
	assert_int_equal(c->crl_grace_s, 0);
	assert_int_equal(c->ocsp_require_nonce, 0);
	assert_int_equal(c->allow_weak_keys, 0);
	assert_int_equal(scl_config_set(c, "ca_file", pki_path("ca.pem"), err,
	    sizeof(err)), 0);
	assert_int_equal(scl_config_set(c, "crl_dir", empty, err,
	    sizeof(err)), 0);
	assert_int_equal(scl_config_set(c, "crl_cache_dir", "", err,
	    sizeof(err)), 0);
	expect(c, "alice-revoked", NOW_FIXED, SCL_ERR_CERT_REVOCATION_UNKNOWN,
	    "no current CRL from the issuer in crl_dir or crl_cache_dir, "
	    "hard-fail", -1);
	expect(c, "alice", NOW_FIXED, SCL_ERR_CERT_REVOCATION_UNKNOWN, NULL,
	    -1);
	assert_int_equal(scl_config_set(c, "crl_dir", pki_path("crl"), err,
	    sizeof(err)), 0);
	expect(c, "alice", NOW_FIXED, 0, "CRL good", 0);
	expect(c, "alice-revoked", NOW_FIXED, SCL_ERR_CERT_REVOKED, NULL, -1);
	scl_config_free(&c);
}

/* Mutated certificates: nothing crashes, and no mutant of the signed
 * part is accepted. */
static void
test_mutations(void **state)
{
	struct scl_config *c = mkcfg("crl", "hard-fail", "crl_dir",
	    pki_path("crl"), NULL);
	unsigned char *der = NULL, *buf;
	X509 *x = load("carol");
	int len = i2d_X509(x, &der), tbs_end;

	(void)state;
	assert_true(len > 0);
	/* the TBSCertificate ends where signatureAlgorithm starts */
	{
		unsigned char *tbs = NULL;
		int tbslen = i2d_re_X509_tbs(x, &tbs);

		assert_true(tbslen > 0);
		tbs_end = 4 + tbslen;
		OPENSSL_free(tbs);
	}
	X509_free(x);
	buf = malloc((size_t)len);
	assert_non_null(buf);
	for (int i = 0; i < len; i++) {
		const unsigned char *p = buf;
		char d[256];
		int soft, r;

		memcpy(buf, der, (size_t)len);
		buf[i] ^= 0x01;
		if ((x = d2i_X509(NULL, &p, len)) == NULL)
			continue;
		r = scl_certcheck(c, x, NOW_FIXED, d, sizeof(d), &soft);
		if (r == 0 && i >= 4 && i < tbs_end &&
		    memcmp(der, buf, (size_t)len) != 0)
			fail_msg("mutated byte %d accepted: %s", i, d);
		X509_free(x);
	}
	free(buf);
	OPENSSL_free(der);
	scl_config_free(&c);
}

/* ---- network: OCSP, CDP download, the time budget ---- */

static void
test_ocsp(void **state)
{
	struct scl_config *c;
	char d[256];
	int soft;
	pid_t pid;

	(void)state;
	pid = start_ocsp(PORT_OCSP, pki_path("ocsp.pem"), pki_path("ocsp.key"));

	/* AIA URL from the certificate */
	c = mkcfg("ocsp", "hard-fail", NULL);
	if (check(c, "alice", 0, d, sizeof(d), &soft) != 0)
		fail_msg("%s", d);
	assert_int_equal(soft, 0);
	assert_string_equal(d, "valid; revocation: OCSP good");
	assert_int_equal(check(c, "carol", 0, d, sizeof(d), &soft), 0);
	assert_int_equal(check(c, "alice-revoked", 0, d, sizeof(d), &soft),
	    SCL_ERR_CERT_REVOKED);
	assert_non_null(strstr(d, "revoked 2024-06-01T00:00:00Z "
	    "(keyCompromise), per OCSP http://127.0.0.1:18888"));
	/* a response from today is not fresh for a clock a year ahead */
	assert_int_equal(check(c, "alice", time(NULL) + 365 * 86400, d,
	    sizeof(d), &soft), SCL_ERR_CERT_REVOCATION_UNKNOWN);
	assert_non_null(strstr(d, "not fresh"));
	scl_config_free(&c);

	/* both sources enabled and both good */
	c = mkcfg("ocsp", "soft-fail", "crl", "soft-fail", "crl_dir",
	    pki_path("crl"), NULL);
	assert_int_equal(check(c, "alice", 0, d, sizeof(d), &soft), 0);
	assert_string_equal(d, "valid; revocation: CRL and OCSP good");
	scl_config_free(&c);

	/* ocsp_url overrides the AIA */
	c = mkcfg("ocsp", "hard-fail", "ocsp_url", "http://127.0.0.1:18892/",
	    NULL);
	assert_int_equal(check(c, "alice", 0, d, sizeof(d), &soft),
	    SCL_ERR_CERT_REVOCATION_UNKNOWN);
	assert_non_null(strstr(d, "http://127.0.0.1:18892/ unreachable"));
	scl_config_free(&c);
	c = mkcfg("ocsp", "hard-fail", "ocsp_url", "http://localhost:18888/x",
	    NULL);
	assert_int_equal(check(c, "alice", 0, d, sizeof(d), &soft), 0);
	scl_config_free(&c);
	stop(pid);

	/* responder down: soft-fail accepts, hard-fail refuses */
	c = mkcfg("ocsp", "soft-fail", NULL);
	assert_int_equal(check(c, "alice", 0, d, sizeof(d), &soft), 0);
	assert_int_equal(soft, 1);
	assert_string_equal(d, "OCSP responder http://127.0.0.1:18888 "
	    "unreachable, soft-fail");
	assert_int_equal(check(c, "alice-revoked", 0, d, sizeof(d), &soft), 0);
	assert_int_equal(soft, 1);
	scl_config_free(&c);
	c = mkcfg("ocsp", "hard-fail", NULL);
	assert_int_equal(check(c, "alice", 0, d, sizeof(d), &soft),
	    SCL_ERR_CERT_REVOCATION_UNKNOWN);
	assert_string_equal(d, "OCSP responder http://127.0.0.1:18888 "
	    "unreachable, hard-fail");
	/* offline flag: OCSP is unknown without touching the network */
	{
		X509 *x = load("alice");

		assert_int_equal(scl_certcheck_ex(c, x, 0,
		    SCL_CERTCHECK_NO_NETWORK, d, sizeof(d), &soft),
		    SCL_ERR_CERT_REVOCATION_UNKNOWN);
		assert_non_null(strstr(d, "offline"));
		X509_free(x);
	}
	scl_config_free(&c);

	/* a "responder" that answers with something else than OCSP */
	pid = start_http(PORT_OTHER, pki_path("crl.der"));
	c = mkcfg("ocsp", "hard-fail", "ocsp_url", "http://127.0.0.1:18890/",
	    NULL);
	assert_int_equal(check(c, "alice", 0, d, sizeof(d), &soft),
	    SCL_ERR_CERT_REVOCATION_UNKNOWN);
	assert_non_null(strstr(d, "sent a malformed response"));
	scl_config_free(&c);
	stop(pid);

	/* a responder signing with a key the CA never certified */
	pid = start_ocsp(PORT_OCSP, pki_path("other-ca.pem"),
	    pki_path("other-ca.key"));
	c = mkcfg("ocsp", "hard-fail", NULL);
	assert_int_equal(check(c, "alice", 0, d, sizeof(d), &soft),
	    SCL_ERR_CERT_REVOCATION_UNKNOWN);
	assert_non_null(strstr(d, "signature or signer not trusted"));
	/* ... so a forged "good" for a revoked cert is never accepted */
	assert_int_equal(check(c, "alice-revoked", 0, d, sizeof(d), &soft),
	    SCL_ERR_CERT_REVOCATION_UNKNOWN);
	scl_config_free(&c);
	stop(pid);
}

/* Responses are cached in crl_cache_dir and reused while fresh. */
static void
test_ocsp_cache(void **state)
{
	struct scl_config *c;
	char d[256], cache[128], cmd[300];
	int soft;
	pid_t pid;

	(void)state;
	snprintf(cache, sizeof(cache), "%s/ocsp-cache", tmpdir);
	assert_int_equal(mkdir(cache, 0755), 0);
	c = mkcfg("ocsp", "hard-fail", "crl_cache_dir", cache, NULL);

	pid = start_ocsp(PORT_OCSP, pki_path("ocsp.pem"), pki_path("ocsp.key"));
	assert_int_equal(check(c, "alice", 0, d, sizeof(d), &soft), 0);
	assert_int_equal(check(c, "alice-revoked", 0, d, sizeof(d), &soft),
	    SCL_ERR_CERT_REVOKED);
	stop(pid);
	snprintf(cmd, sizeof(cmd), "test $(ls '%s' | grep -c '^ocsp-.*der$') "
	    "-eq 2", cache);
	assert_int_equal(system(cmd), 0);

	/* responder gone: the cached answers still hold */
	assert_int_equal(check(c, "alice", 0, d, sizeof(d), &soft), 0);
	assert_int_equal(soft, 0);
	assert_int_equal(check(c, "alice-revoked", 0, d, sizeof(d), &soft),
	    SCL_ERR_CERT_REVOKED);
	assert_non_null(strstr(d, "per OCSP (cached)"));
	/* ... but not for ever (no nextUpdate: 24 hours) */
	assert_int_equal(check(c, "alice", time(NULL) + 2 * 86400, d,
	    sizeof(d), &soft), SCL_ERR_CERT_REVOCATION_UNKNOWN);
	/* bob was never asked: nothing cached for him */
	assert_int_equal(check(c, "bob", 0, d, sizeof(d), &soft),
	    SCL_ERR_CERT_REVOCATION_UNKNOWN);
	/* damaged cache files are ignored */
	snprintf(cmd, sizeof(cmd), "for f in '%s'/ocsp-*; do "
	    "printf 'garbage' > \"$f\"; done", cache);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(check(c, "alice", 0, d, sizeof(d), &soft),
	    SCL_ERR_CERT_REVOCATION_UNKNOWN);
	/* the cache does not confuse the CRL loader */
	scl_config_free(&c);
	c = mkcfg("crl", "soft-fail", "crl_dir", pki_path("crl"),
	    "crl_cache_dir", cache, NULL);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft), 0);
	assert_int_equal(soft, 0);
	scl_config_free(&c);
}

/*
 * #12: ocsp_require_nonce.  A response without our nonce (a pre-signed
 * one, as RFC 5019 responders and CDNs serve) is accepted by default and
 * refused with the key; cached answers are not used with it.
 */
static void
test_ocsp_nonce(void **state)
{
	struct scl_config *c;
	char resp[128], cache[128], cmd[1024], d[256];
	int soft;
	pid_t pid;

	(void)state;
	snprintf(resp, sizeof(resp), "%s/nononce.der", tmpdir);
	snprintf(cmd, sizeof(cmd), "cd '%s' && openssl ocsp -index index.txt "
	    "-CA ca.pem -rsigner ocsp.pem -rkey ocsp.key -issuer ca.pem "
	    "-cert alice.cert.pem -no_nonce -respout '%s' >/dev/null 2>&1",
	    pki, resp);
	assert_int_equal(system(cmd), 0);
	pid = start_http(PORT_OTHER, resp);
	c = mkcfg("ocsp", "hard-fail", "ocsp_url", "http://127.0.0.1:18890/",
	    NULL);
	expect(c, "alice", 0, 0, "OCSP good", 0);
	scl_config_free(&c);
	c = mkcfg("ocsp", "hard-fail", "ocsp_url", "http://127.0.0.1:18890/",
	    "ocsp_require_nonce", "yes", NULL);
	expect(c, "alice", 0, SCL_ERR_CERT_REVOCATION_UNKNOWN,
	    "OCSP response without our nonce (ocsp_require_nonce = yes)", -1);
	scl_config_free(&c);
	stop(pid);

	/* the real responder echoes the nonce: fine with the key */
	snprintf(cache, sizeof(cache), "%s/nonce-cache", tmpdir);
	assert_int_equal(mkdir(cache, 0755), 0);
	pid = start_ocsp(PORT_OCSP, pki_path("ocsp.pem"), pki_path("ocsp.key"));
	c = mkcfg("ocsp", "hard-fail", "ocsp_require_nonce", "yes",
	    "crl_cache_dir", cache, NULL);
	expect(c, "alice", 0, 0, "OCSP good", 0);
	stop(pid);
	/* responder gone: no cached answer with the key ... */
	expect(c, "alice", 0, SCL_ERR_CERT_REVOCATION_UNKNOWN, "unreachable",
	    -1);
	scl_config_free(&c);
	/* ... the cache holds without it */
	c = mkcfg("ocsp", "hard-fail", "crl_cache_dir", cache, NULL);
	assert_int_equal(check(c, "alice", 0, d, sizeof(d), &soft), 0);
	scl_config_free(&c);
}

static void
test_cdp_fetch(void **state)
{
	struct scl_config *c;
	char d[256], empty[128], cache[128];
	int soft;
	pid_t pid;

	(void)state;
	snprintf(empty, sizeof(empty), "%s/empty2", tmpdir);
	snprintf(cache, sizeof(cache), "%s/cache", tmpdir);
	assert_int_equal(mkdir(empty, 0755), 0);
	assert_int_equal(mkdir(cache, 0755), 0);

	pid = start_http(PORT_CDP, pki_path("crl.der"));
	c = mkcfg("crl", "hard-fail", "crl_dir", empty, "crl_cache_dir", cache,
	    "crl_fetch", "yes", NULL);
	assert_int_equal(check(c, "alice-revoked", NOW_FIXED, d, sizeof(d),
	    &soft), SCL_ERR_CERT_REVOKED);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft), 0);
	assert_int_equal(soft, 0);
	stop(pid);
	scl_config_free(&c);

	/* the download was cached: good without the server */
	c = mkcfg("crl", "hard-fail", "crl_dir", empty, "crl_cache_dir", cache,
	    NULL);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft), 0);
	assert_int_equal(check(c, "alice-revoked", NOW_FIXED, d, sizeof(d),
	    &soft), SCL_ERR_CERT_REVOKED);
	scl_config_free(&c);

	/* a CDP serving something that is not the issuer's CRL */
	pid = start_http(PORT_CDP, pki_path("alice.cert.der"));
	c = mkcfg("crl", "hard-fail", "crl_dir", empty, "crl_fetch", "yes",
	    NULL);
	assert_int_equal(check(c, "alice", NOW_FIXED, d, sizeof(d), &soft),
	    SCL_ERR_CERT_REVOCATION_UNKNOWN);
	assert_non_null(strstr(d, "CRL download from "
	    "http://127.0.0.1:18889/crl.der failed"));
	scl_config_free(&c);
	stop(pid);
}

/* A responder that accepts the connection and never says a word. */
static void
test_budget(void **state)
{
	static const unsigned budgets[] = { 300, 800 };
	int silent = listen_on(PORT_SILENT);
	int silent_cdp = listen_on(PORT_CDP);

	(void)state;
	for (size_t i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		struct scl_config *c;
		char b[16], d[256];
		long long t0, dt;
		int soft;

		snprintf(b, sizeof(b), "%u", budgets[i]);
		c = mkcfg("ocsp", "hard-fail", "ocsp_url",
		    "http://127.0.0.1:18891/", "revocation_timeout_ms", b,
		    NULL);
		t0 = mono_ms();
		assert_int_equal(check(c, "alice", 0, d, sizeof(d), &soft),
		    SCL_ERR_CERT_REVOCATION_UNKNOWN);
		dt = mono_ms() - t0;
		print_message("budget %u ms (OCSP silent): returned after %lld "
		    "ms: %s\n", budgets[i], dt, d);
		assert_true(dt >= (long long)budgets[i] - 20);
		assert_true(dt <= (long long)budgets[i] + SLACK_MS);
		assert_non_null(strstr(d, "did not answer within"));
		scl_config_free(&c);

		/* soft-fail: accepted, flagged, same bound */
		c = mkcfg("ocsp", "soft-fail", "ocsp_url",
		    "http://localhost:18891/", "revocation_timeout_ms", b,
		    NULL);
		t0 = mono_ms();
		assert_int_equal(check(c, "alice", 0, d, sizeof(d), &soft), 0);
		dt = mono_ms() - t0;
		assert_int_equal(soft, 1);
		assert_true(dt <= (long long)budgets[i] + SLACK_MS);
		scl_config_free(&c);

		/* CDP download and OCSP both silent: one budget for both */
		c = mkcfg("ocsp", "soft-fail", "ocsp_url",
		    "http://127.0.0.1:18891/", "crl", "soft-fail",
		    "crl_fetch", "yes", "revocation_timeout_ms", b, NULL);
		t0 = mono_ms();
		assert_int_equal(check(c, "alice", 0, d, sizeof(d), &soft), 0);
		dt = mono_ms() - t0;
		print_message("budget %u ms (CDP + OCSP silent): %lld ms: %s\n",
		    budgets[i], dt, d);
		assert_int_equal(soft, 1);
		assert_true(dt <= (long long)budgets[i] + SLACK_MS);
		scl_config_free(&c);
	}
	close(silent_cdp);
	close(silent);
}

static int
lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		r = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return r;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_offline, teardown),
		cmocka_unit_test_teardown(test_validity_edges, teardown),
		cmocka_unit_test_teardown(test_eku_config, teardown),
		cmocka_unit_test_teardown(test_trust_config, teardown),
		cmocka_unit_test_teardown(test_crl, teardown),
		cmocka_unit_test_teardown(test_weak_keys, teardown),
		cmocka_unit_test_teardown(test_ca_leaf, teardown),
		cmocka_unit_test_teardown(test_chain_revocation, teardown),
		cmocka_unit_test_teardown(test_crl_partial, teardown),
		cmocka_unit_test_teardown(test_crl_stale, teardown),
		cmocka_unit_test_teardown(test_default_hard_fail, teardown),
		cmocka_unit_test_teardown(test_mutations, teardown),
		cmocka_unit_test_teardown(test_ocsp, teardown),
		cmocka_unit_test_teardown(test_ocsp_cache, teardown),
		cmocka_unit_test_teardown(test_ocsp_nonce, teardown),
		cmocka_unit_test_teardown(test_cdp_fetch, teardown),
		cmocka_unit_test_teardown(test_budget, teardown),
	};
	char cmd[128];
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PKI_DIR\n", argv[0]);
		return 2;
	}
	pki = argv[1];
	signal(SIGPIPE, SIG_IGN);
	if (geteuid() == 0 && unshare(CLONE_NEWNET) == 0 && lo_up() != 0) {
		fprintf(stderr, "cannot bring up lo in the new namespace\n");
		return 1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/scl-certcheck-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		r = 1;
	return r;
}
