/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
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

#include "config.h"
#include "err.h"

static const char *man_path;
static const char *sample_path;

static char *
slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (ret_len != NULL)
		*ret_len = (size_t)n;
	return buf;
}

static struct scl_config *
parse_ok(const char *text, const char *service)
{
	struct scl_config *cfg = NULL;
	char err[256] = "";
	int r;

	r = scl_config_parse_buffer("t.conf", text, strlen(text), service,
	    &cfg, err, sizeof(err));
	if (r != 0)
		fail_msg("unexpected error %d: %s\n--- input:\n%s", r, err,
		    text);
	assert_non_null(cfg);
	return cfg;
}

/* ---- defaults ---- */

static void
test_defaults(void **state)
{
	struct scl_config *c = NULL;

	(void)state;
	assert_int_equal(scl_config_defaults(&c), 0);
	assert_string_equal(c->ca_file, "/etc/sclogin/ca.pem");
	assert_null(c->ca_dir);
	assert_int_equal(c->eku_smartcard_logon, 1);
	assert_int_equal(c->eku_client_auth, 1);
	assert_int_equal(c->eku_allow_none, 0);
	assert_int_equal(c->crl, SCL_REVOCATION_HARD_FAIL);	/* #12 */
	assert_int_equal(c->crl_grace_s, 0);
	assert_int_equal(c->ocsp_require_nonce, 0);
	assert_int_equal(c->allow_weak_keys, 0);
	assert_int_equal(c->ocsp, SCL_REVOCATION_OFF);
	assert_null(c->ocsp_url);
	assert_int_equal(c->revocation_timeout_ms, 3000);
	assert_int_equal(c->n_mapping, 2);		/* #12 */
	assert_int_equal(c->mapping[0], SCL_MAP_MAPFILE);
	assert_int_equal(c->mapping[1], SCL_MAP_AUTHORIZED);
	assert_int_equal(c->n_upn_domain, 0);
	assert_string_equal(c->mapfile, "/etc/sclogin/mapping");
	assert_int_equal(c->allow_card_only, 1);
	assert_int_equal(c->wait_for_card_s, 0);
	assert_int_equal(c->card_timeout_ms, 10000);
	assert_int_equal(c->extended_apdus, SCL_EXTENDED_AUTO);	/* #14 */
	assert_int_equal(c->scan_timeout_ms, 5000);	/* #12 */
	assert_int_equal(c->auth_timeout_ms, 10000);
	assert_int_equal(c->last_try, SCL_LAST_TRY_REFUSE);
	assert_int_equal(c->low_tries_warn, 2);
	assert_int_equal(c->unknown_tries, SCL_UNKNOWN_TRIES_WARN);
	assert_int_equal(c->slots, SCL_SIGNIN_KEY_9A);
	assert_int_equal(c->pin_policy.min_len, 6);
	assert_int_equal(c->pin_policy.max_len, 8);
	assert_int_equal(c->empty_pin_unavail, 1);
	assert_int_equal(c->n_exempt_services, 4);
	assert_true(scl_config_list_has(c->exempt_services,
	    c->n_exempt_services, "systemd-user"));
	assert_int_equal(c->removal_action, SCL_REMOVAL_NONE);
	assert_int_equal(c->removal_debounce_ms, 1500);
	assert_string_equal(c->state_dir, "/var/lib/sclogin");
	assert_string_equal(c->cert_cache, "/var/cache/sclogin/certs");
	scl_config_free(&c);
	assert_null(c);
	scl_config_free(&c);
	scl_config_free(NULL);
}

/* ---- every key, parsed ---- */

static void
test_all_keys(void **state)
{
	static const char text[] =
	    "# comment\n"
	    "; also a comment\n"
	    "\n"
	    "[global]\n"
	    "ca_file = /x/ca.pem\n"
	    "ca_dir=/x/ca.d\n"
	    "  eku_smartcard_logon = no\n"
	    "eku_client_auth = false\n"
	    "eku_allow_none = 1\n"
	    "crl = hard-fail\n"
	    "crl_dir = /x/crl\n"
	    "crl_cache_dir = /x/cache\n"
	    "crl_fetch = true\n"
	    "ocsp = soft-fail\n"
	    "ocsp_url = http://127.0.0.1:9/ocsp\n"
	    "revocation_timeout_ms = 250\n"
	    "mapping = cn , email,subject, fingerprint\n"
	    "mapfile = /x/map\n"
	    "upn_domain = Example.TEST\n"
	    "allow_card_only = 0\n"
	    "slots = 9E, 9a\n"
	    "wait_for_card = 30\n"
	    "card_timeout_ms = 5000\n"
	    "extended_apdus = off\n"
	    "scan_timeout_ms = 2500\n"
	    "auth_timeout_ms = 7000\n"
	    "last_try = confirm\n"
	    "low_tries_warn = 3\n"
	    "unknown_tries = refuse\n"
	    "pin_min_length = 4\n"
	    "pin_max_length = 8\n"
	    "pin_upper = disallowed\n"
	    "pin_lower = required\n"
	    "pin_digit = required\n"
	    "pin_special = allowed\n"
	    "empty_pin_unavail = no\n"
	    "require_card = yes\n"
	    "require_card_users = alice, bob\n"
	    "require_card_groups = smartcard\n"
	    "exempt_services =\n"
	    "exempt_users = rescue\n"
	    "removal_action = lock\n"
	    "removal_debounce_ms = 0\n"
	    "state_dir = /x/state\n"
	    "debug = yes\n"
	    "apdu_trace = true\r\n";
	struct scl_config *c = parse_ok(text, NULL);

	(void)state;
	assert_string_equal(c->ca_file, "/x/ca.pem");
	assert_string_equal(c->ca_dir, "/x/ca.d");
	assert_int_equal(c->eku_smartcard_logon, 0);
	assert_int_equal(c->eku_client_auth, 0);
	assert_int_equal(c->eku_allow_none, 1);
	assert_int_equal(c->crl, SCL_REVOCATION_HARD_FAIL);
	assert_string_equal(c->crl_dir, "/x/crl");
	assert_string_equal(c->crl_cache_dir, "/x/cache");
	assert_int_equal(c->crl_fetch, 1);
	assert_int_equal(c->ocsp, SCL_REVOCATION_SOFT_FAIL);
	assert_string_equal(c->ocsp_url, "http://127.0.0.1:9/ocsp");
	assert_int_equal(c->revocation_timeout_ms, 250);
	assert_int_equal(c->n_mapping, 4);
	assert_int_equal(c->mapping[0], SCL_MAP_CN);
	assert_int_equal(c->mapping[1], SCL_MAP_EMAIL);
	assert_int_equal(c->mapping[2], SCL_MAP_SUBJECT);
	assert_int_equal(c->mapping[3], SCL_MAP_FINGERPRINT);
	assert_string_equal(c->mapfile, "/x/map");
	assert_int_equal(c->n_upn_domain, 1);
	assert_string_equal(c->upn_domain[0], "Example.TEST");
	assert_int_equal(c->allow_card_only, 0);
	assert_int_equal(c->wait_for_card_s, 30);
	assert_int_equal(c->card_timeout_ms, 5000);
	assert_int_equal(c->extended_apdus, SCL_EXTENDED_OFF);
	assert_int_equal(c->scan_timeout_ms, 2500);
	assert_int_equal(c->auth_timeout_ms, 7000);
	assert_int_equal(c->last_try, SCL_LAST_TRY_CONFIRM);
	assert_int_equal(c->low_tries_warn, 3);
	assert_int_equal(c->unknown_tries, SCL_UNKNOWN_TRIES_REFUSE);
	assert_int_equal(c->slots, SCL_SIGNIN_KEY_9A | SCL_SIGNIN_KEY_9E);
	assert_int_equal(c->pin_policy.min_len, 4);
	assert_int_equal(c->pin_policy.max_len, 8);
	assert_int_equal(c->pin_policy.upper, SCL_CLASS_DISALLOWED);
	assert_int_equal(c->pin_policy.lower, SCL_CLASS_REQUIRED);
	assert_int_equal(c->pin_policy.digit, SCL_CLASS_REQUIRED);
	assert_int_equal(c->pin_policy.special, SCL_CLASS_ALLOWED);
	assert_int_equal(c->empty_pin_unavail, 0);
	assert_int_equal(c->require_card, 1);
	assert_int_equal(c->n_require_card_users, 2);
	assert_string_equal(c->require_card_users[0], "alice");
	assert_string_equal(c->require_card_users[1], "bob");
	assert_int_equal(c->n_require_card_groups, 1);
	assert_int_equal(c->n_exempt_services, 0);
	assert_int_equal(c->n_exempt_users, 1);
	assert_int_equal(c->removal_action, SCL_REMOVAL_LOCK);
	assert_int_equal(c->removal_debounce_ms, 0);
	assert_string_equal(c->state_dir, "/x/state");
	assert_int_equal(c->debug, 1);
	assert_int_equal(c->apdu_trace, 1);
	scl_config_free(&c);
}

static void
test_empty_unsets(void **state)
{
	struct scl_config *c = parse_ok("[global]\nca_file =\n"
	    "ocsp_url=\n", NULL);

	(void)state;
	assert_null(c->ca_file);
	assert_null(c->ocsp_url);
	scl_config_free(&c);
	c = parse_ok("", NULL);
	assert_string_equal(c->ca_file, "/etc/sclogin/ca.pem");
	scl_config_free(&c);
}

/* ---- service overrides ---- */

static const char svc_text[] =
    "[service sudo]\n"			/* 1: before [global]: still wins */
    "last_try = confirm\n"
    "exempt_users = root\n"
    "\n"
    "[global]\n"			/* 5 */
    "last_try = refuse\n"
    "wait_for_card = 5\n"
    "exempt_users = rescue, ops\n"
    "ocsp_url = http://127.0.0.1:1/\n"
    "\n"
    "[service gdm-smartcard]\n"		/* 11 */
    "wait_for_card = 60\n"
    "require_card = yes\n"
    "ocsp_url =\n";

static void
test_service_overrides(void **state)
{
	struct scl_config *c;

	(void)state;
	c = parse_ok(svc_text, NULL);
	assert_int_equal(c->last_try, SCL_LAST_TRY_REFUSE);
	assert_int_equal(c->wait_for_card_s, 5);
	assert_int_equal(c->require_card, 0);
	assert_int_equal(c->n_exempt_users, 2);
	assert_string_equal(c->ocsp_url, "http://127.0.0.1:1/");
	scl_config_free(&c);

	c = parse_ok(svc_text, "sudo");
	assert_int_equal(c->last_try, SCL_LAST_TRY_CONFIRM);
	assert_int_equal(c->wait_for_card_s, 5);
	assert_int_equal(c->n_exempt_users, 1);
	assert_string_equal(c->exempt_users[0], "root");
	scl_config_free(&c);

	c = parse_ok(svc_text, "gdm-smartcard");
	assert_int_equal(c->last_try, SCL_LAST_TRY_REFUSE);
	assert_int_equal(c->wait_for_card_s, 60);
	assert_int_equal(c->require_card, 1);
	assert_null(c->ocsp_url);
	assert_int_equal(c->n_exempt_users, 2);
	scl_config_free(&c);

	c = parse_ok(svc_text, "login");
	assert_int_equal(c->wait_for_card_s, 5);
	assert_int_equal(c->require_card, 0);
	scl_config_free(&c);
}

/* ---- every error path, with its FILE:LINE message ---- */

struct err_case {
	const char *text;
	const char *service;
	const char *msg;	/* exact message */
};

static const struct err_case err_cases[] = {
	{ "[global]\nfoo = 1\n", NULL, "t.conf:2: unknown key 'foo'" },
	{ "[global]\nocsp = requried\n", NULL,
	    "t.conf:2: ocsp = 'requried': expected off, soft-fail or "
	    "hard-fail" },
	{ "crl = off\n", NULL,
	    "t.conf:1: key 'crl' outside a section (put it under [global])" },
	{ "[global]\ndebug = yes\n\n# c\ndebug = no\n", NULL,
	    "t.conf:5: duplicate key 'debug' (first set at line 2)" },
	{ "[global]\n[global]\n", NULL,
	    "t.conf:2: duplicate section [global] (first at line 1)" },
	{ "[service sudo]\n[global]\n[service sudo]\n", NULL,
	    "t.conf:3: duplicate section [service sudo] (first at line 1)" },
	{ "[globals]\n", NULL,
	    "t.conf:1: unknown section [globals] (expected [global] or "
	    "[service NAME])" },
	{ "[global\n", NULL,
	    "t.conf:1: malformed section header '[global' (expected "
	    "[global] or [service NAME])" },
	{ "[service]\n", NULL,
	    "t.conf:1: unknown section [service] (expected [global] or "
	    "[service NAME])" },
	{ "[service su do]\n", NULL,
	    "t.conf:1: invalid service name 'su do' (one PAM service name "
	    "per section)" },
	{ "[global]\njust words\n", NULL,
	    "t.conf:2: expected 'key = value', got 'just words'" },
	{ "[global]\n= x\n", NULL, "t.conf:2: missing key before '='" },
	{ "[global]\ndebug = maybe\n", NULL,
	    "t.conf:2: debug = 'maybe': expected yes, no, true, false, 1 or "
	    "0" },
	{ "[global]\ndebug =\n", NULL,
	    "t.conf:2: debug = '': expected yes, no, true, false, 1 or 0" },
	{ "[global]\nrevocation_timeout_ms = 99\n", NULL,
	    "t.conf:2: revocation_timeout_ms = '99': expected a whole number "
	    "in the allowed range" },
	{ "[global]\nrevocation_timeout_ms = 3s\n", NULL,
	    "t.conf:2: revocation_timeout_ms = '3s': expected a whole number "
	    "in the allowed range" },
	/* #12: crl_grace in seconds, at most 30 days */
	{ "[global]\ncrl_grace = 2592001\n", NULL,
	    "t.conf:2: crl_grace = '2592001': expected a whole number in the "
	    "allowed range" },
	{ "[global]\ncrl_grace = 1h\n", NULL,
	    "t.conf:2: crl_grace = '1h': expected a whole number in the "
	    "allowed range" },
	{ "[global]\nallow_weak_keys = maybe\n", NULL,
	    "t.conf:2: allow_weak_keys = 'maybe': expected yes, no, true, "
	    "false, 1 or 0" },
	{ "[global]\nwait_for_card = -1\n", NULL,
	    "t.conf:2: wait_for_card = '-1': expected a whole number in the "
	    "allowed range" },
	{ "[global]\nscan_timeout_ms = 100\n", NULL,
	    "t.conf:2: scan_timeout_ms = '100': expected a whole number "
	    "in the allowed range" },
	{ "[global]\ncard_timeout_ms = 99999999999999999999\n", NULL,
	    "t.conf:2: card_timeout_ms = '99999999999999999999': expected a "
	    "whole number in the allowed range" },
	{ "[global]\nca_file = etc/ca.pem\n", NULL,
	    "t.conf:2: ca_file = 'etc/ca.pem': expected an absolute path" },
	{ "[global]\nocsp_url = https://ocsp.example/\n", NULL,
	    "t.conf:2: ocsp_url = 'https://ocsp.example/': expected an "
	    "http:// URL" },
	{ "[global]\nupn_domain = @example.com\n", NULL,
	    "t.conf:2: upn_domain = '@example.com': expected a list of "
	    "domain names (example.com, corp.example.com)" },
	{ "[global]\nupn_domain = example.com,, corp.example.com\n", NULL,
	    "t.conf:2: upn_domain = 'example.com,, corp.example.com': "
	    "expected a list of domain names (example.com, corp.example.com)" },
	/* #12: upn needs its domains, from the file or a service section */
	{ "[global]\nmapping = upn, mapfile\n", NULL,
	    "t.conf: mapping = upn needs upn_domain = your domains (a "
	    "certificate names any domain it likes: without the list, "
	    "alice@any.domain would sign in as alice); set upn_domain, or "
	    "take upn out of mapping" },
	{ "[global]\nupn_domain = example.com\n[service sudo]\nmapping = upn\n"
	    "upn_domain =\n", "sudo",
	    "t.conf: mapping = upn needs upn_domain = your domains (a "
	    "certificate names any domain it likes: without the list, "
	    "alice@any.domain would sign in as alice); set upn_domain, or "
	    "take upn out of mapping" },
	{ "[global]\nlast_try = always\n", NULL,
	    "t.conf:2: last_try = 'always': expected refuse or confirm" },
	{ "[global]\nunknown_tries = ignore\n", NULL,
	    "t.conf:2: unknown_tries = 'ignore': expected warn or refuse" },
	{ "[global]\nslots = 9a, 9d\n", NULL,
	    "t.conf:2: slots = '9a, 9d': expected a list of 9a, 9e, 9c" },
	{ "[global]\nslots = 9a,\n", NULL,
	    "t.conf:2: slots = '9a,': expected a list of 9a, 9e, 9c" },
	{ "[global]\nslots =\n", NULL,
	    "t.conf:2: slots = '': expected a list of 9a, 9e, 9c" },
	{ "[global]\nextended_apdus = yes\n", NULL,
	    "t.conf:2: extended_apdus = 'yes': expected auto or off" },
	{ "[global]\nremoval_action = shutdown\n", NULL,
	    "t.conf:2: removal_action = 'shutdown': expected none, lock or "
	    "logout" },
	{ "[global]\npin_upper = maybe\n", NULL,
	    "t.conf:2: pin_upper = 'maybe': expected allowed, required or "
	    "disallowed" },
	{ "[global]\nmapping = upn, ldap\n", NULL,
	    "t.conf:2: mapping = 'upn, ldap': expected a list of upn, cn, "
	    "email, subject, fingerprint, mapfile, authorized, directory (at most "
	    "8)" },
	{ "[global]\nmapping = upn, cn, upn\n", NULL,
	    "t.conf:2: mapping = 'upn, cn, upn': mapping method listed "
	    "twice" },
	{ "[global]\nmapping =\n", NULL,
	    "t.conf:2: mapping = '': at least one mapping method is needed" },
	{ "[global]\nexempt_users = a,,b\n", NULL,
	    "t.conf:2: exempt_users = 'a,,b': empty list item" },
	{ "[global]\nexempt_users = a,\n", NULL,
	    "t.conf:2: exempt_users = 'a,': empty list item" },
	{ "[global]\nexempt_users = a b\n", NULL,
	    "t.conf:2: exempt_users = 'a b': invalid list item" },
	{ "[global]\nexempt_users = "
	    "a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,"
	    "a\n", NULL, NULL /* prefix checked below */ },
	{ "[global]\nstate_dir = /a\x01\n", NULL,
	    "t.conf:2: state_dir = '/a\\x01': control character in value" },
	{ "[global]\npin_min_length = 9\n", NULL,
	    "t.conf:2: pin_min_length = '9': expected a whole number in the "
	    "allowed range" },
	{ "[global]\npin_min_length = 8\npin_max_length = 6\n", NULL,
	    "t.conf:3: pin_min_length 8 is greater than pin_max_length 6" },
	{ "[global]\npin_min_length = 7\n[service sudo]\npin_max_length = "
	    "6\n", "sudo",
	    "t.conf:4: pin_min_length 7 is greater than pin_max_length 6" },
	/* a bad value in another service's section is still an error */
	{ "[service sudo]\nwait_for_card = x\n", "login",
	    "t.conf:2: wait_for_card = 'x': expected a whole number in the "
	    "allowed range" },
	{ "[service 'x]\n", NULL,
	    "t.conf:1: invalid service name '\\x27x' (one PAM service name "
	    "per section)" },
};

static void
test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *e = &err_cases[i];
		struct scl_config *cfg = (struct scl_config *)0x1;
		char err[512] = "";
		size_t len = strlen(e->text);
		int r;

		r = scl_config_parse_buffer("t.conf", e->text, len, e->service,
		    &cfg, err, sizeof(err));
		if (r != SCL_ERR_CONFIG)
			fail_msg("case %zu: r=%d err=%s", i, r, err);
		assert_ptr_equal(cfg, (struct scl_config *)0x1);
		if (e->msg != NULL && strcmp(err, e->msg) != 0)
			fail_msg("case %zu:\n got '%s'\nwant '%s'", i, err,
			    e->msg);
		if (e->msg == NULL)
			assert_true(strncmp(err, "t.conf:2: ", 10) == 0);
	}
}

static void
test_nul_byte(void **state)
{
	static const char text[] = "[global]\ndebug = y\0es\n";
	struct scl_config *cfg = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(scl_config_parse_buffer("t.conf", text,
	    sizeof(text) - 1, NULL, &cfg, err, sizeof(err)), SCL_ERR_CONFIG);
	assert_string_equal(err, "t.conf:2: NUL byte in line");
	assert_null(cfg);
}

static void
test_long_line_and_size(void **state)
{
	struct scl_config *cfg = NULL;
	char err[256] = "";
	size_t n = SCL_CONFIG_MAX_SIZE + 1;
	char *buf = malloc(n);

	(void)state;
	assert_non_null(buf);
	memset(buf, '#', n);
	memcpy(buf, "[global]\n", 9);
	assert_int_equal(scl_config_parse_buffer("t.conf", buf,
	    SCL_CONFIG_LINE_MAX + 20, NULL, &cfg, err, sizeof(err)),
	    SCL_ERR_CONFIG);
	assert_string_equal(err, "t.conf:2: line longer than 4096 bytes");
	assert_int_equal(scl_config_parse_buffer("t.conf", buf, n, NULL,
	    &cfg, err, sizeof(err)), SCL_ERR_CONFIG);
	assert_string_equal(err, "t.conf: larger than 262144 bytes");
	assert_null(cfg);
	free(buf);
}

/* ---- scl_config_set (module arguments) ---- */

static void
test_set(void **state)
{
	struct scl_config *c = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(scl_config_defaults(&c), 0);
	assert_int_equal(scl_config_set(c, "wait_for_card", "20", err,
	    sizeof(err)), 0);
	assert_int_equal(c->wait_for_card_s, 20);
	assert_int_equal(scl_config_set(c, "debug", "yes", err, sizeof(err)),
	    0);
	assert_int_equal(c->debug, 1);
	assert_int_equal(scl_config_set(c, "mapfile", "/m", err, sizeof(err)),
	    0);
	assert_string_equal(c->mapfile, "/m");
	assert_int_equal(scl_config_set(c, "exempt_users", "a, b", err,
	    sizeof(err)), 0);
	assert_int_equal(c->n_exempt_users, 2);
	assert_int_equal(scl_config_set(c, "mapping", "cn", err,
	    sizeof(err)), 0);
	assert_int_equal(c->n_mapping, 1);
	assert_int_equal(scl_config_set(c, "ocsp", "requried", err,
	    sizeof(err)), SCL_ERR_CONFIG);
	assert_string_equal(err, "ocsp = 'requried': expected off, soft-fail "
	    "or hard-fail");
	assert_int_equal(c->ocsp, SCL_REVOCATION_OFF);
	assert_int_equal(scl_config_set(c, "nope", "1", err, sizeof(err)),
	    SCL_ERR_CONFIG);
	assert_string_equal(err, "unknown key 'nope'");
	assert_int_equal(scl_config_set(c, "pin_min_length", "8", err,
	    sizeof(err)), 0);
	assert_int_equal(scl_config_set(c, "pin_max_length", "7", err,
	    sizeof(err)), SCL_ERR_CONFIG);
	assert_int_equal(c->pin_policy.max_len, 8);
	assert_int_equal(scl_config_set(NULL, "debug", "1", err,
	    sizeof(err)), SCL_ERR_INVALID_ARGUMENT);
	/* issue 14: the certificate cache, a path or no */
	assert_int_equal(scl_config_set(c, "cert_cache", "/c", err,
	    sizeof(err)), 0);
	assert_string_equal(c->cert_cache, "/c");
	assert_int_equal(scl_config_set(c, "cert_cache", "no", err,
	    sizeof(err)), 0);
	assert_null(c->cert_cache);
	assert_int_equal(scl_config_set(c, "cert_cache", "yes", err,
	    sizeof(err)), SCL_ERR_CONFIG);
	scl_config_free(&c);
}

/* ---- files: owner, mode, symlink, missing ---- */

static char tmpdir[64];

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
test_load(void **state)
{
	struct scl_config *c = NULL;
	char path[128], link[256], err[512];
	int r;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/scl-config-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/sclogin.conf", tmpdir);
	snprintf(link, sizeof(link), "%s/link.conf", tmpdir);

	write_file(path, "[global]\ndebug = yes\n", 0644);
	assert_int_equal(scl_config_load(path, "sudo", 0, &c, err,
	    sizeof(err)), 0);
	assert_int_equal(c->debug, 1);
	scl_config_free(&c);

	if (geteuid() == 0) {
		assert_int_equal(scl_config_load(path, NULL, 1, &c, err,
		    sizeof(err)), 0);
		scl_config_free(&c);
		assert_int_equal(chown(path, 1001, 0), 0);
		assert_int_equal(scl_config_load(path, NULL, 1, &c, err,
		    sizeof(err)), SCL_ERR_CONFIG);
		assert_non_null(strstr(err, "owned by uid 1001, must be owned "
		    "by root"));
		assert_int_equal(chown(path, 0, 0), 0);
	}
	assert_int_equal(chmod(path, 0664), 0);
	r = scl_config_load(path, NULL, 1, &c, err, sizeof(err));
	assert_int_equal(r, SCL_ERR_CONFIG);
	assert_null(c);
	if (geteuid() == 0)
		assert_non_null(strstr(err, "mode 0664 is group or world "
		    "writable"));
	assert_int_equal(chmod(path, 0644), 0);

	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(scl_config_load(link, NULL, 0, &c, err,
	    sizeof(err)), SCL_ERR_CONFIG);
	assert_non_null(strstr(err, "is a symbolic link"));

	assert_int_equal(scl_config_load(tmpdir, NULL, 0, &c, err,
	    sizeof(err)), SCL_ERR_CONFIG);
	assert_non_null(strstr(err, "not a regular file"));

	snprintf(link, sizeof(link), "%s/missing.conf", tmpdir);
	assert_int_equal(scl_config_load(link, NULL, 0, &c, err,
	    sizeof(err)), SCL_ERR_CONFIG);
	assert_non_null(strstr(err, "No such file"));

	write_file(path, "[global]\n\nca_dir = relative\n", 0644);
	assert_int_equal(scl_config_load(path, NULL, 0, &c, err,
	    sizeof(err)), SCL_ERR_CONFIG);
	snprintf(link, sizeof(link), "%s:3: ca_dir = 'relative': expected an "
	    "absolute path", path);
	assert_string_equal(err, link);
	assert_null(c);
}

/* ---- documentation: every key in the man page and sample, and back ---- */

static int
known_key(const char *name, size_t n)
{
	const char *k;

	for (size_t i = 0; (k = scl_config_key_name(i)) != NULL; i++)
		if (strlen(k) == n && memcmp(k, name, n) == 0)
			return 1;
	return 0;
}

static void
test_man_page(void **state)
{
	char *man = slurp(man_path, NULL), *keys, *end, *p;
	const char *k;
	size_t documented = 0, nkeys = 0;
	int depth = 0;

	(void)state;
	keys = strstr(man, "\n.SH KEYS\n");
	assert_non_null(keys);
	end = strstr(keys + 1, "\n.SH ");
	assert_non_null(end);
	*end = '\0';
	for (size_t i = 0; (k = scl_config_key_name(i)) != NULL; i++) {
		char needle[80];

		snprintf(needle, sizeof(needle), "\n.TP\n.B %s\n", k);
		if (strstr(keys, needle) == NULL)
			fail_msg("key '%s' is not documented in %s", k,
			    man_path);
		nkeys++;
	}
	for (p = keys; (p = strchr(p, '\n')) != NULL; p++) {
		if (strncmp(p, "\n.RS", 4) == 0)
			depth++;
		else if (strncmp(p, "\n.RE", 4) == 0)
			depth--;
		else if (depth == 0 && strncmp(p, "\n.TP\n.B ", 8) == 0) {
			char *name = p + 8;
			size_t n = strcspn(name, "\n");

			if (!known_key(name, n))
				fail_msg("%s documents unknown key '%.*s'",
				    man_path, (int)n, name);
			documented++;
		}
	}
	assert_int_equal(documented, nkeys);
	free(man);
}

/* The sample config: every key once, commented out, with its default. */
static void
test_sample_config(void **state)
{
	size_t len;
	char *text = slurp(sample_path, &len), *out, *o;
	struct scl_config *def = NULL, *c;
	const char *k;
	char *line;
	int examples = 0;

	(void)state;
	out = calloc(1, len + 1);
	assert_non_null(out);
	o = out;
	for (line = text; *line != '\0';) {
		size_t n = strcspn(line, "\n");
		char *eq = memchr(line, '=', n);

		if (strncmp(line, "#[service", 9) == 0)
			examples = 1;	/* keep the examples commented */

		/* "#key = value": uncomment */
		if (line[0] == '#' && eq != NULL && line[1] != ' ' &&
		    known_key(line + 1, strcspn(line + 1, " =")) &&
		    !examples) {
			memcpy(o, line + 1, n - 1);
			o += n - 1;
		} else {
			memcpy(o, line, n);
			o += n;
		}
		*o++ = '\n';
		line += n;
		if (*line == '\n')
			line++;
	}
	*o = '\0';
	for (size_t i = 0; (k = scl_config_key_name(i)) != NULL; i++) {
		char needle[80];

		snprintf(needle, sizeof(needle), "\n%s = ", k);
		if (strstr(out, needle) == NULL) {
			snprintf(needle, sizeof(needle), "\n%s =\n", k);
			if (strstr(out, needle) == NULL)
				fail_msg("key '%s' missing from %s", k,
				    sample_path);
		}
	}
	c = parse_ok(out, NULL);
	assert_int_equal(scl_config_defaults(&def), 0);
	/* empty path values in the sample unset them; others equal defaults */
	assert_string_equal(c->ca_file, def->ca_file);
	assert_string_equal(c->crl_dir, def->crl_dir);
	assert_string_equal(c->crl_cache_dir, def->crl_cache_dir);
	assert_string_equal(c->mapfile, def->mapfile);
	assert_string_equal(c->state_dir, def->state_dir);
	assert_int_equal(c->n_mapping, def->n_mapping);
	assert_memory_equal(c->mapping, def->mapping, sizeof(c->mapping));
	assert_int_equal(c->n_exempt_services, def->n_exempt_services);
	for (size_t i = 0; i < c->n_exempt_services; i++)
		assert_string_equal(c->exempt_services[i],
		    def->exempt_services[i]);
	assert_int_equal(c->crl, def->crl);
	assert_int_equal(c->ocsp, def->ocsp);
	assert_int_equal(c->revocation_timeout_ms, def->revocation_timeout_ms);
	assert_int_equal(c->card_timeout_ms, def->card_timeout_ms);
	assert_int_equal(c->removal_debounce_ms, def->removal_debounce_ms);
	assert_memory_equal(&c->pin_policy, &def->pin_policy,
	    sizeof(c->pin_policy));
	assert_int_equal(c->eku_smartcard_logon, def->eku_smartcard_logon);
	assert_int_equal(c->eku_client_auth, def->eku_client_auth);
	assert_int_equal(c->empty_pin_unavail, def->empty_pin_unavail);
	assert_int_equal(c->allow_card_only, def->allow_card_only);
	assert_int_equal(c->last_try, def->last_try);
	assert_int_equal(c->low_tries_warn, def->low_tries_warn);
	scl_config_free(&c);
	scl_config_free(&def);
	free(out);
	free(text);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(scl_revocation_mode_name(SCL_REVOCATION_SOFT_FAIL),
	    "soft-fail");
	assert_string_equal(scl_map_method_name(SCL_MAP_AUTHORIZED),
	    "authorized");
	assert_string_equal(scl_map_method_name((enum scl_map_method)0), "?");
	assert_string_equal(scl_last_try_name(SCL_LAST_TRY_CONFIRM),
	    "confirm");
	assert_string_equal(scl_removal_action_name(SCL_REMOVAL_LOGOUT),
	    "logout");
	assert_string_equal(scl_removal_action_name((enum scl_removal_action)
	    9), "?");
	assert_null(scl_config_key_name(1000));
}

/* Deterministic mutations of a valid file: nothing may crash or leak. */
/* slots: the parser shared by the file, the module argument and doctor. */
static void
test_slots(void **state)
{
	static const char text[] =
	    "[global]\nslots = 9a\n[service sudo]\nslots = 9c,9E\n";
	struct scl_config *c;
	unsigned m = 77;
	char buf[16];

	(void)state;
	assert_int_equal(scl_config_parse_slots("9c", &m), 0);
	assert_int_equal(m, SCL_SIGNIN_KEY_9C);
	assert_int_equal(scl_config_parse_slots(" 9A ,9e,9c ", &m), 0);
	assert_int_equal(m, SCL_SIGNIN_KEY_9A | SCL_SIGNIN_KEY_9E |
	    SCL_SIGNIN_KEY_9C);
	m = 77;
	assert_int_equal(scl_config_parse_slots("", &m), SCL_ERR_CONFIG);
	assert_int_equal(scl_config_parse_slots("9a,,9e", &m), SCL_ERR_CONFIG);
	assert_int_equal(scl_config_parse_slots("9b", &m), SCL_ERR_CONFIG);
	assert_int_equal(scl_config_parse_slots("9a9e", &m), SCL_ERR_CONFIG);
	assert_int_equal(scl_config_parse_slots(NULL, &m),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(m, 77);
	scl_config_format_slots(SCL_SIGNIN_KEY_9C | SCL_SIGNIN_KEY_9A, buf,
	    sizeof(buf));
	assert_string_equal(buf, "9a,9c");
	scl_config_format_slots(0, buf, sizeof(buf));
	assert_string_equal(buf, "");

	/* A service section overrides [global]; scl_config_set overrides
	 * both (the module argument). */
	c = parse_ok(text, "sudo");
	assert_int_equal(c->slots, SCL_SIGNIN_KEY_9C | SCL_SIGNIN_KEY_9E);
	assert_int_equal(scl_config_set(c, "slots", "9a", NULL, 0), 0);
	assert_int_equal(c->slots, SCL_SIGNIN_KEY_9A);
	assert_int_equal(scl_config_set(c, "unknown_tries", "refuse", NULL,
	    0), 0);
	assert_int_equal(c->unknown_tries, SCL_UNKNOWN_TRIES_REFUSE);
	scl_config_free(&c);
	c = parse_ok(text, "login");
	assert_int_equal(c->slots, SCL_SIGNIN_KEY_9A);
	scl_config_free(&c);
	assert_string_equal(scl_unknown_tries_name(SCL_UNKNOWN_TRIES_WARN),
	    "warn");
	assert_string_equal(scl_unknown_tries_name(SCL_UNKNOWN_TRIES_REFUSE),
	    "refuse");
	assert_string_equal(scl_unknown_tries_name(
	    (enum scl_unknown_tries)9), "?");
}

static void
test_mutations(void **state)
{
	const char *base = svc_text;
	size_t len = strlen(base);
	char *buf = malloc(len);

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < len; i++) {
		for (int m = 0; m < 4; m++) {
			struct scl_config *c = NULL;
			char err[128];
			static const char repl[] = { '\n', '=', '[', '\0' };

			memcpy(buf, base, len);
			buf[i] = repl[m];
			if (scl_config_parse_buffer("m", buf, len, "sudo", &c,
			    err, sizeof(err)) == 0)
				scl_config_free(&c);
			else
				assert_null(c);
		}
		{
			struct scl_config *c = NULL;

			if (scl_config_parse_buffer("m", base, i, "sudo", &c,
			    NULL, 0) == 0)
				scl_config_free(&c);
		}
	}
	free(buf);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_empty_unsets),
		cmocka_unit_test(test_service_overrides),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_long_line_and_size),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_man_page),
		cmocka_unit_test(test_sample_config),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_mutations),
	};
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: %s sclogin.conf.5 sclogin.conf\n",
		    argv[0]);
		return 2;
	}
	man_path = argv[1];
	sample_path = argv[2];
	r = cmocka_run_group_tests(tests, NULL, NULL);
	if (tmpdir[0] != '\0') {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			r = 1;
	}
	return r;
}
