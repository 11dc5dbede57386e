/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "config.h"
#include "directory.h"
#include "err.h"
#include "i18n.h"
#include "signin.h"
#include "tool.h"

static int
parse_slots(const char *s, unsigned *ret_mask)
{
	char buf[64], *tok, *save = NULL;
	unsigned mask = 0;
	uint8_t ref;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return SCL_ERR_INVALID_ARGUMENT;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (tool_parse_slot(tok, &ref) != 0)
			return SCL_ERR_INVALID_ARGUMENT;
		if (ref == 0x9a)
			mask |= SCL_SIGNIN_KEY_9A;
		else if (ref == 0x9e)
			mask |= SCL_SIGNIN_KEY_9E;
		else if (ref == 0x9c)
			mask |= SCL_SIGNIN_KEY_9C;
		else
			return SCL_ERR_INVALID_ARGUMENT;
	}
	if (mask == 0)
		return SCL_ERR_INVALID_ARGUMENT;
	*ret_mask = mask;
	return 0;
}

static const char *
verdict_tag(enum scl_verdict v)
{
	switch (v) {
	case SCL_VERDICT_OK:
		return "[ ok ]";
	case SCL_VERDICT_WARN:
		return "[warn]";
	default:
		return "[FAIL]";
	}
}

static int
exit_for(const struct scl_signin_result *res)
{
	if (res->n_usable > 0)
		return SCL_EXIT_OK;
	switch (res->reason_step) {
	case SCL_STEP_SERVICE:
	case SCL_STEP_READER:
	case SCL_STEP_CARD:
	case SCL_STEP_APPLET:
		return SCL_EXIT_NO_CARD;
	default:
		return SCL_EXIT_CHECK;
	}
}

/* The directory step of each certificate (mapping method directory). */
struct dir_step {
	int done;
	int r;
	char user[SCL_DIR_USER_MAX];
	struct scl_directory_report rep;
};

static int
uses_directory(const struct scl_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mapping; i++)
		if (cfg->mapping[i] == SCL_MAP_DIRECTORY)
			return 1;
	return 0;
}

static void
directory_steps(const struct scl_config *cfg,
    const struct scl_signin_result *res, struct dir_step *ds)
{
	if (!uses_directory(cfg))
		return;
	for (size_t i = 0; i < res->n; i++) {
		if (res->c[i].x509 == NULL)
			continue;
		ds[i].done = 1;
		ds[i].r = scl_directory_map(cfg, res->c[i].x509, time(NULL),
		    scl_mono_ms() + cfg->directory_timeout_ms,
		    &ds[i].rep, ds[i].user);
	}
}

static void
json_directory(struct json *j, const struct scl_signin_result *res,
    const struct dir_step *ds)
{
	json_begin_array(j, "directory");
	for (size_t i = 0; i < res->n; i++) {
		const struct scl_directory_report *rp = &ds[i].rep;

		if (!ds[i].done)
			continue;
		json_begin_object(j, NULL);
		json_str(j, "cert_sha256", res->c[i].sha256_hex);
		json_str(j, "reason", ds[i].r != 0 ? scl_err_name(ds[i].r) :
		    NULL);
		json_str(j, "user", ds[i].r == 0 ? ds[i].user : NULL);
		json_str(j, "server", rp->server[0] != '\0' ? rp->server :
		    NULL);
		json_str(j, "filter", rp->filter);
		json_str(j, "entry", rp->entry[0] != '\0' ? rp->entry : NULL);
		json_str(j, "matched", rp->matched[0] != '\0' ? rp->matched :
		    NULL);
		json_bool(j, "from_cache", rp->from_cache);
		json_str(j, "why", rp->why[0] != '\0' ? rp->why : NULL);
		json_end_object(j);
	}
	json_end_array(j);
}

static const char config_fix[] =
    N_("Correct the configuration file (see sclogin.conf(5)).");

/* "fix: FIX" under the step column; FIX as given (policy text is English). */
static void
print_fix(FILE *f, const char *fix)
{
	fprintf(f, "       %-11s ", "");
	fprintf(f, _("fix: %s\n"), fix);
}

static void
print_directory(FILE *f, const struct scl_signin_result *res,
    const struct dir_step *ds)
{
	for (size_t i = 0; i < res->n; i++) {
		const struct scl_directory_report *rp = &ds[i].rep;
		char esc[1024];

		if (!ds[i].done)
			continue;
		fprintf(f, "%s %-11s %.16s...: ", ds[i].r == 0 ? "[ ok ]" :
		    "[FAIL]", "DIRECTORY", res->c[i].sha256_hex);
		if (ds[i].r == 0 && rp->from_cache)
			fprintf(f, _("no server answered; offline cache of %lld "
			    "says user '%s'\n"), (long long)rp->cached_at,
			    ds[i].user);
		else if (ds[i].r == 0)
			fprintf(f, _("server %s, entry '%s' (%s): user '%s'\n"),
			    rp->server, rp->entry, rp->matched, ds[i].user);
		else {
			if (rp->server[0] != '\0')
				fprintf(f, _("server %s"), rp->server);
			else
				fputs(_("no server answered"), f);
			fputs(rp->entry[0] != '\0' ? _(", entry found\n") :
			    "\n", f);
		}
		/* printable: every certificate byte is \XX in it */
		fprintf(f, "       %-11s ", "");
		fprintf(f, _("filter: %s\n"), rp->filter);
		if (rp->why[0] != '\0') {
			tool_escape(rp->why, esc, sizeof(esc));
			fprintf(f, "       %-11s %s: %s\n", "", ds[i].r != 0 ?
			    scl_err_name(ds[i].r) : _("note"), esc);
		}
	}
}

static void
print_json(struct tool *tl, const char *service, const char *user,
    const char *config, const struct scl_signin_result *res, int ex,
    const struct dir_step *ds)
{
	const struct scl_signin_entry *e;
	const struct scl_signin_candidate *c;
	struct json j;
	size_t i, k;

	json_init(&j, tl->out, 0);
	json_begin_object(&j, NULL);
	json_str(&j, "service", service);
	json_str(&j, "user", user);
	json_str(&j, "config", config);
	json_bool(&j, "ok", ex == SCL_EXIT_OK);
	json_int(&j, "exit", ex);
	json_str(&j, "reason", res->n_usable == 0 ?
	    scl_err_name(res->reason) : NULL);
	json_str(&j, "reason_step", res->n_usable == 0 ?
	    scl_signin_step_name(res->reason_step) : NULL);
	json_begin_array(&j, "steps");
	for (i = 0; i < res->report.n; i++) {
		e = &res->report.e[i];
		json_begin_object(&j, NULL);
		json_str(&j, "step", scl_signin_step_name(e->step));
		json_str(&j, "verdict", scl_verdict_name(e->verdict));
		json_str(&j, "reason", e->reason != 0 ?
		    scl_err_name(e->reason) : NULL);
		json_str(&j, "reader", e->reader[0] != '\0' ? e->reader :
		    NULL);
		json_str(&j, "slot", e->key_ref != 0 ?
		    tool_slot_name(e->key_ref) : NULL);
		json_str(&j, "cert_sha256", e->cert_sha256[0] != '\0' ?
		    e->cert_sha256 : NULL);
		json_str(&j, "detail", e->detail);
		json_str(&j, "fix", e->fix[0] != '\0' ? e->fix : NULL);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_int(&j, "steps_dropped", (long long)res->report.dropped);
	json_begin_array(&j, "candidates");
	for (i = 0; i < res->n; i++) {
		c = &res->c[i];
		json_begin_object(&j, NULL);
		json_str(&j, "reader", c->reader);
		json_str(&j, "card_id", c->card_id[0] != '\0' ? c->card_id :
		    NULL);
		json_str(&j, "slot", tool_slot_name(c->key_ref));
		json_str(&j, "subject", c->subject);
		json_str(&j, "issuer", c->issuer);
		json_str(&j, "serial", c->serial_hex);
		json_str(&j, "sha256", c->sha256_hex);
		json_begin_array(&j, "users");
		for (k = 0; k < c->users.n; k++)
			json_str(&j, NULL, c->users.users[k]);
		json_end_array(&j);
		if (c->tries >= 0)
			json_int(&j, "tries_left", c->tries);
		else
			json_null(&j, "tries_left");
		json_bool(&j, "usable", c->status == 0);
		json_str(&j, "status", c->status != 0 ?
		    scl_err_name(c->status) : NULL);
		json_str(&j, "fail_step", c->status != 0 ?
		    scl_signin_step_name(c->fail_step) : NULL);
		json_bool(&j, "revocation_soft_failed",
		    c->revocation_soft_failed);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_directory(&j, res, ds);
	json_end_object(&j);
	json_finish(&j);
}

static void
print_human(struct tool *tl, const char *service, const char *user,
    const char *config, const struct scl_signin_result *res,
    const struct dir_step *ds)
{
	const struct scl_signin_entry *e;
	const struct scl_signin_candidate *c;
	char where[SCL_READER_NAME_MAX * 4 + 16], uesc[256];
	FILE *f = tl->out;
	size_t i, k;

	tool_escape(user != NULL ? user : "", uesc, sizeof(uesc));
	if (user != NULL)
		fprintf(f, _("Checking sign-in for service '%s', user '%s', "
		    "config %s\n"), service, uesc, config);
	else
		fprintf(f, _("Checking sign-in for service '%s', card-only "
		    "(any user), config %s\n"), service, config);
	for (i = 0; i < res->report.n; i++) {
		e = &res->report.e[i];
		where[0] = '\0';
		if (e->reader[0] != '\0') {
			tool_escape(e->reader, where, sizeof(where) - 16);
			if (e->key_ref != 0) {
				size_t n = strlen(where);

				snprintf(where + n, sizeof(where) - n,
				    _(" slot %s"), tool_slot_name(e->key_ref));
			}
		}
		/* An empty second reader is no failure when a card was found. */
		if (e->step == SCL_STEP_CARD && e->reason == SCL_ERR_NO_CARD &&
		    res->n > 0) {
			fprintf(f, "[ -- ] %-11s %s: %s\n",
			    scl_signin_step_name(e->step), where, _("no card"));
			continue;
		}
		fprintf(f, "%s %-11s %s%s%s%s%s\n", verdict_tag(e->verdict),
		    scl_signin_step_name(e->step), where,
		    where[0] != '\0' ? ": " : "", e->detail,
		    e->reason != 0 && e->verdict != SCL_VERDICT_OK ? " " : "",
		    e->reason != 0 && e->verdict != SCL_VERDICT_OK ?
		    scl_err_name(e->reason) : "");
		if (e->fix[0] != '\0' && e->verdict != SCL_VERDICT_OK)
			print_fix(f, e->fix);
	}
	if (res->report.dropped > 0)
		fprintf(f, _("(%zu more lines not shown)\n"),
		    res->report.dropped);
	print_directory(f, res, ds);
	if (res->n_usable == 0) {
		fprintf(f, _("Result: sign-in would FAIL at %s (%s): %s\n"),
		    scl_signin_step_name(res->reason_step),
		    scl_err_name(res->reason), scl_strerror(res->reason));
		return;
	}
	for (i = 0; i < res->n; i++) {
		c = &res->c[i];
		if (c->status != 0)
			continue;
		tool_escape(c->reader, where, sizeof(where));
		fprintf(f, _("Result: OK: '%s' slot %s (%s) signs in as"),
		    where, tool_slot_name(c->key_ref), c->subject);
		for (k = 0; k < c->users.n; k++) {
			tool_escape(c->users.users[k], uesc, sizeof(uesc));
			fprintf(f, "%s %s", k > 0 ? "," : "", uesc);
		}
		if (c->tries >= 0)
			fprintf(f, _("; PIN tries left %d"), c->tries);
		fprintf(f, "\n");
	}
}

int
tool_doctor(struct tool *tl, int argc, char **argv)
{
	enum {
		OPT_USER = TOOL_OPT_VERB, OPT_SERVICE, OPT_SLOTS, OPT_OFFLINE,
	};
	static const struct option opts[] = {
		{ "user", required_argument, NULL, OPT_USER },
		{ "service", required_argument, NULL, OPT_SERVICE },
		{ "slots", required_argument, NULL, OPT_SLOTS },
		{ "offline", no_argument, NULL, OPT_OFFLINE },
		TOOL_COMMON_OPTS
	};
	static struct dir_step ds[SCL_SIGNIN_CANDIDATES_MAX];
	struct scl_signin_opts so;
	struct scl_signin_result *res = NULL;
	struct scl_config *cfg = NULL;
	const char *user = NULL, *service = "login", *config;
	char errbuf[512];
	unsigned mask = 0;		/* 0: the slots of the configuration */
	int c, r, ex = SCL_EXIT_FAIL, offline = 0;
	struct json j;

	tool_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_USER:
			user = optarg[0] != '\0' ? optarg : NULL;
			break;
		case OPT_SERVICE:
			service = optarg;
			break;
		case OPT_SLOTS:
			if (parse_slots(optarg, &mask) != 0)
				return tool_usage_error(tl, "bad --slots '%s' "
				    "(e.g. 9a,9e)", optarg);
			break;
		case OPT_OFFLINE:
			offline = 1;
			break;
		default:
			if ((ex = tool_other_opt(tl, c, argv)) != 0)
				return ex < 0 ? 0 : ex;
		}
	}
	if ((ex = tool_no_operands(tl, argc, argv)) != 0)
		return ex;
	config = tl->config != NULL ? tl->config : SCL_CONFIG_PATH_DEFAULT;
	errbuf[0] = '\0';
	/* Same ownership rules as the PAM module for the system file. */
	r = scl_config_load(config, service, tl->config == NULL &&
	    geteuid() == 0, &cfg, errbuf, sizeof(errbuf));
	if (r != 0) {
		if (tl->json) {
			json_init(&j, tl->out, 0);
			json_begin_object(&j, NULL);
			json_str(&j, "service", service);
			json_str(&j, "user", user);
			json_str(&j, "config", config);
			json_bool(&j, "ok", 0);
			json_int(&j, "exit", SCL_EXIT_CHECK);
			json_str(&j, "reason", scl_err_name(r));
			json_str(&j, "reason_step", "CONFIG");
			json_begin_array(&j, "steps");
			json_begin_object(&j, NULL);
			json_str(&j, "step", "CONFIG");
			json_str(&j, "verdict", "fail");
			json_str(&j, "reason", scl_err_name(r));
			json_str(&j, "detail", errbuf);
			json_str(&j, "fix", config_fix);
			json_end_object(&j);
			json_end_array(&j);
			json_end_object(&j);
			json_finish(&j);
		} else {
			fprintf(tl->out, "[FAIL] CONFIG      %s %s\n", errbuf,
			    scl_err_name(r));
			print_fix(tl->out, _(config_fix));
			fprintf(tl->out, _("Result: sign-in would FAIL at CONFIG "
			    "(%s)\n"), scl_err_name(r));
		}
		ex = SCL_EXIT_CHECK;
		goto out;
	}
	memset(&so, 0, sizeof(so));
	so.cfg = cfg;
	so.user = user;
	so.reader = tl->reader;
	so.key_mask = mask;
	so.skip_revocation = offline;
	if ((r = scl_signin_scan(&so, &res)) != 0) {
		ex = tool_fail(tl, SCL_EXIT_FAIL, r, "the checks could not "
		    "run: %s", scl_strerror(r));
		goto out;
	}
	ex = exit_for(res);
	memset(ds, 0, sizeof(ds));
	directory_steps(cfg, res, ds);
	if (tl->json)
		print_json(tl, service, user, config, res, ex, ds);
	else
		print_human(tl, service, user, config, res, ds);
out:
	scl_signin_result_free(&res);
	scl_config_free(&cfg);
	return ex;
}
