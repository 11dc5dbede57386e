/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "scl-pam.h"
#include "signin.h"

#define KEY_MAX 64
#define VALUE_MAX 4096

const struct scl_pam_arg_doc scl_pam_arg_docs[] = {
	{ "debug", NULL, "debug" },
	{ "debug", "yes|no", "debug" },
	{ "config", "PATH", NULL },
	{ "wait_for_card", "SECONDS", "wait_for_card" },
	{ "slots", "9a,9e,9c", "slots" },
};
const size_t scl_pam_n_arg_docs =
    sizeof(scl_pam_arg_docs) / sizeof(scl_pam_arg_docs[0]);

static int
parse_bool(const char *s, int *ret)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 ||
	    strcmp(s, "1") == 0 || strcmp(s, "on") == 0) {
		*ret = 1;
		return 0;
	}
	if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0 ||
	    strcmp(s, "0") == 0 || strcmp(s, "off") == 0) {
		*ret = 0;
		return 0;
	}
	return SCL_ERR_CONFIG;
}

/* "what" about arg, quoted escaped (the PAM file is not trusted text). */
static int
bad_arg(char *errbuf, size_t errlen, const char *arg, const char *what)
{
	char esc[96];

	scl_err_escape(esc, sizeof(esc), arg, strlen(arg),
	    SCL_ESCAPE_QUOTE | SCL_ESCAPE_SHORT);
	scl_err_detail(errbuf, errlen, "%s '%s'%s", what[0] == ':' ?
	    "module argument" : what, esc, what[0] == ':' ? what : "");
	return SCL_ERR_CONFIG;
}

static int
valid_key(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= KEY_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9' && i > 0) || s[i] == '_'))
			return 0;
	return 1;
}

int
scl_pam_args_parse(int argc, const char **argv, struct scl_pam_args *ret,
    char *errbuf, size_t errlen)
{
	struct scl_pam_args a;
	const char *arg, *eq;
	int i, r = SCL_ERR_INTERNAL;

	memset(&a, 0, sizeof(a));
	if (argc < 0 || (argc > 0 && argv == NULL)) {
		snprintf(errbuf, errlen, "bad argument vector");
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	for (i = 0; i < argc; i++) {
		arg = argv[i];
		if (arg == NULL) {
			snprintf(errbuf, errlen, "argument %d is NULL", i);
			r = SCL_ERR_CONFIG;
			goto out;
		}
		if (strcmp(arg, "debug") == 0) {
			a.debug = 1;
			continue;
		}
		eq = strchr(arg, '=');
		if (eq == NULL || !valid_key(arg, (size_t)(eq - arg)) ||
		    strlen(eq + 1) >= VALUE_MAX) {
			r = bad_arg(errbuf, errlen, arg,
			    "unknown module argument");
			goto out;
		}
		if (strncmp(arg, "debug=", 6) == 0) {
			if (parse_bool(eq + 1, &a.debug) < 0) {
				r = bad_arg(errbuf, errlen, arg,
				    ": expected yes or no");
				goto out;
			}
			continue;
		}
		if (strncmp(arg, "config=", 7) == 0) {
			if (eq[1] != '/') {
				r = bad_arg(errbuf, errlen, arg,
				    ": expected an absolute path");
				goto out;
			}
			a.config = eq + 1;
			continue;
		}
		if (strncmp(arg, "slots=", 6) == 0) {
			if (scl_config_parse_slots(eq + 1, &a.key_mask) < 0) {
				r = bad_arg(errbuf, errlen, arg,
				    ": expected a list of 9a, 9e, 9c");
				goto out;
			}
			continue;
		}
		if (a.n_overrides >= SCL_PAM_ARGS_MAX) {
			snprintf(errbuf, errlen, "too many module arguments");
			r = SCL_ERR_CONFIG;
			goto out;
		}
		a.overrides[a.n_overrides++] = arg;
	}
	*ret = a;
	r = 0;
out:
	return r;
}

int
scl_pam_config(const struct scl_pam_args *args, const char *service,
    struct scl_config **ret_cfg, char *errbuf, size_t errlen)
{
	struct scl_config *cfg = NULL;
	char key[KEY_MAX];
	const char *eq;
	size_t i, klen;
	int r = SCL_ERR_INTERNAL;

	r = scl_config_load(args->config != NULL ? args->config :
	    SCL_CONFIG_PATH_DEFAULT, service, 1, &cfg, errbuf, errlen);
	if (r < 0)
		goto out;
	for (i = 0; i < args->n_overrides; i++) {
		eq = strchr(args->overrides[i], '=');
		if (eq == NULL) {
			r = SCL_ERR_INTERNAL;
			goto out;
		}
		klen = (size_t)(eq - args->overrides[i]);
		if (klen >= sizeof(key)) {
			r = SCL_ERR_CONFIG;
			goto out;
		}
		memcpy(key, args->overrides[i], klen);
		key[klen] = '\0';
		r = scl_config_set(cfg, key, eq + 1, errbuf, errlen);
		if (r < 0) {
			/* Name it as a module argument, not a file line. */
			char why[256];

			snprintf(why, sizeof(why), "%s", errbuf);
			snprintf(errbuf, errlen, "module argument '%.64s': %s",
			    key, why);
			goto out;
		}
	}
	if (args->n_overrides > 0 &&
	    (r = scl_config_validate(cfg, errbuf, errlen)) != 0)
		goto out;
	if (args->key_mask != 0)
		cfg->slots = args->key_mask;
	if (args->debug)
		cfg->debug = 1;
	*ret_cfg = cfg;
	cfg = NULL;
	r = 0;
out:
	scl_config_free(&cfg);
	return r;
}
