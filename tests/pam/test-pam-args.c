/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "err.h"
#include "scl-pam.h"

#define MAXA 8

struct args_case {
	const char *argv[MAXA];
	int want;		/* 0 or SCL_ERR_CONFIG */
	int debug;
	const char *config;
	size_t n_overrides;
};

#define OK(dbg, cfg, nov, ...) { { __VA_ARGS__ }, 0, dbg, cfg, nov }
#define BAD(...) { { __VA_ARGS__ }, SCL_ERR_CONFIG, 0, NULL, 0 }

static const struct args_case cases[] = {
	OK(0, NULL, 0, NULL),
	OK(1, NULL, 0, "debug"),
	OK(1, NULL, 0, "debug=yes"),
	OK(0, NULL, 0, "debug", "debug=no"),
	OK(0, "/etc/x.conf", 0, "config=/etc/x.conf"),
	OK(0, NULL, 1, "wait_for_card=10"),
	OK(1, "/a", 2, "debug", "config=/a", "ocsp=hard-fail", "last_try=confirm"),
	OK(0, NULL, 0, "slots=9a,9E"),
	BAD("slots=9b"),
	BAD("slots=9a,"),
	BAD("slots="),
	BAD("nodebug"),
	BAD("debug=maybe"),
	BAD("config=relative.conf"),
	BAD("config="),
	BAD("=value"),
	BAD("Wait_for_card=1"),
	BAD("wait-for-card=1"),
	BAD("use_first_pass"),
	BAD(""),
	BAD("debug", "bogus"),
	BAD("1key=1"),
};

static int
count(const char *const *v)
{
	int n = 0;

	while (n < MAXA && v[n] != NULL)
		n++;
	return n;
}

static void
test_table(void **state)
{
	struct scl_pam_args a;
	char err[256];
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct args_case *c = &cases[i];
		const char *argv[MAXA];

		memcpy(argv, c->argv, sizeof(argv));
		memset(&a, 0x5a, sizeof(a));
		err[0] = '\0';
		r = scl_pam_args_parse(count(c->argv), argv, &a, err,
		    sizeof(err));
		if (r != c->want)
			fail_msg("case %zu (%s): got %d want %d (%s)", i,
			    c->argv[0] != NULL ? c->argv[0] : "-", r, c->want,
			    err);
		if (r < 0) {
			/* untouched on failure, and a message given */
			assert_int_equal(a.n_overrides,
			    (size_t)0x5a5a5a5a5a5a5a5aull);
			assert_true(err[0] != '\0');
			continue;
		}
		assert_int_equal(a.debug, c->debug);
		if (c->config == NULL)
			assert_null(a.config);
		else
			assert_string_equal(a.config, c->config);
		assert_int_equal(a.n_overrides, c->n_overrides);
		if (c->argv[0] != NULL && strncmp(c->argv[0], "slots=", 6) == 0)
			assert_int_equal(a.key_mask, 0x3);
	}
}

/* Messages quote the argument escaped: a PAM file line is not log text. */
static void
test_messages_escaped(void **state)
{
	const char *bad[] = { "no\nsuch'arg" };
	const char *dbg[] = { "debug=\x1b[31m" };
	const char *slots[] = { "slots=9x" };
	struct scl_pam_args a;
	char err[256];

	assert_int_equal(scl_pam_args_parse(1, bad, &a, err, sizeof(err)),
	    SCL_ERR_CONFIG);
	assert_string_equal(err, "unknown module argument "
	    "'no\\x0asuch\\x27arg'");
	assert_int_equal(scl_pam_args_parse(1, dbg, &a, err, sizeof(err)),
	    SCL_ERR_CONFIG);
	assert_string_equal(err, "module argument 'debug=\\x1b[31m': "
	    "expected yes or no");
	assert_int_equal(scl_pam_args_parse(1, slots, &a, err, sizeof(err)),
	    SCL_ERR_CONFIG);
	assert_string_equal(err, "module argument 'slots=9x': expected a "
	    "list of 9a, 9e, 9c");
}

static void
test_too_many(void **state)
{
	const char *argv[SCL_PAM_ARGS_MAX + 1];
	struct scl_pam_args a;
	char err[128];
	int i;

	for (i = 0; i <= SCL_PAM_ARGS_MAX; i++)
		argv[i] = "low_tries_warn=2";
	assert_int_equal(scl_pam_args_parse(SCL_PAM_ARGS_MAX, argv, &a, err,
	    sizeof(err)), 0);
	assert_int_equal(scl_pam_args_parse(SCL_PAM_ARGS_MAX + 1, argv, &a,
	    err, sizeof(err)), SCL_ERR_CONFIG);
}

/* A root-owned temporary sclogin.conf holding text; path gets its name. */
static void
temp_conf(char path[32], const char *text)
{
	int fd;

	snprintf(path, 32, "/tmp/scl-test-args-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_true(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

/* Overrides go through scl_config_set: a bad key or value fails closed. */
static void
test_config_overrides(void **state)
{
	char path[32];
	const char *good[] = { "config=", "wait_for_card=7", "last_try=confirm",
		"debug" };
	const char *badkey[] = { "config=", "ocsp_mode=hard-fail" };
	const char *badval[] = { "config=", "ocsp=requried" };
	char cfgarg[64];
	struct scl_pam_args a;
	struct scl_config *cfg = NULL;
	char err[512];

	temp_conf(path, "[global]\nlow_tries_warn = 2\n");
	snprintf(cfgarg, sizeof(cfgarg), "config=%s", path);
	good[0] = badkey[0] = badval[0] = cfgarg;

	assert_int_equal(scl_pam_args_parse(4, good, &a, err, sizeof(err)), 0);
	assert_int_equal(scl_pam_config(&a, "login", &cfg, err, sizeof(err)),
	    0);
	assert_int_equal(cfg->wait_for_card_s, 7);
	assert_int_equal(cfg->last_try, SCL_LAST_TRY_CONFIRM);
	assert_int_equal(cfg->debug, 1);
	scl_config_free(&cfg);

	assert_int_equal(scl_pam_args_parse(2, badkey, &a, err, sizeof(err)),
	    0);
	assert_int_equal(scl_pam_config(&a, "login", &cfg, err, sizeof(err)),
	    SCL_ERR_CONFIG);
	assert_null(cfg);
	assert_non_null(strstr(err, "ocsp_mode"));

	assert_int_equal(scl_pam_args_parse(2, badval, &a, err, sizeof(err)),
	    0);
	assert_int_equal(scl_pam_config(&a, "login", &cfg, err, sizeof(err)),
	    SCL_ERR_CONFIG);
	assert_null(cfg);
	unlink(path);
}

/* slots: the config key, and the module argument that overrides it. */
static void
test_slots_config(void **state)
{
	char path[32];
	const char *file_only[] = { "config=" };
	const char *with_arg[] = { "config=", "slots=9C,9a" };
	char cfgarg[64];
	struct scl_pam_args a;
	struct scl_config *cfg = NULL;
	char err[512];

	temp_conf(path, "[global]\nslots = 9e\n");
	snprintf(cfgarg, sizeof(cfgarg), "config=%s", path);
	file_only[0] = with_arg[0] = cfgarg;

	assert_int_equal(scl_pam_args_parse(1, file_only, &a, err,
	    sizeof(err)), 0);
	assert_int_equal(a.key_mask, 0);
	assert_int_equal(scl_pam_config(&a, "login", &cfg, err, sizeof(err)),
	    0);
	assert_int_equal(cfg->slots, SCL_SIGNIN_KEY_9E);
	scl_config_free(&cfg);

	assert_int_equal(scl_pam_args_parse(2, with_arg, &a, err,
	    sizeof(err)), 0);
	assert_int_equal(scl_pam_config(&a, "login", &cfg, err, sizeof(err)),
	    0);
	assert_int_equal(cfg->slots, SCL_SIGNIN_KEY_9A | SCL_SIGNIN_KEY_9C);
	scl_config_free(&cfg);
	unlink(path);
}

/* Every module argument that is policy has a config key of that name. */
static void
test_args_have_config_keys(void **state)
{
	size_t i, k;
	int found;

	for (i = 0; i < scl_pam_n_arg_docs; i++) {
		const struct scl_pam_arg_doc *d = &scl_pam_arg_docs[i];

		if (strcmp(d->name, "config") == 0)
			continue;	/* names the file itself */
		assert_non_null(d->config_key);
		assert_string_equal(d->config_key, d->name);
		found = 0;
		for (k = 0; scl_config_key_name(k) != NULL; k++)
			if (strcmp(scl_config_key_name(k), d->config_key) == 0)
				found = 1;
		assert_true(found);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_messages_escaped),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_config_overrides),
		cmocka_unit_test(test_slots_config),
		cmocka_unit_test(test_args_have_config_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
