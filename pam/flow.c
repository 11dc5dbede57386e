/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "config.h"
#include "deadline.h"
#include "err.h"
#include "i18n.h"
#include "log.h"
#include "monitor.h"
#include "pinpolicy.h"
#include "prompts.h"
#include "record.h"
#include "scl-config.h"
#include "scl-pam.h"
#include "secret.h"
#include "cert.h"
#include "signin.h"
#include "tokenwatch.h"

#ifndef SCL_REMOVAL_MONITOR
#define SCL_REMOVAL_MONITOR "/usr/libexec/sclogin-removal-monitor"
#endif

#define WAIT_SLICE_MS 1000
#define WAIT_POLL_MS 250	/* PKCS#11 slot events are polled */
#define WAIT_EVENTS_MAX 4096

/* What the outcome line says. */
struct outcome {
	const char *what;		/* "auth", "account", "chauthtok" */
	int r;
	int empty_pin;
	char user[256];
	char reader[SCL_READER_NAME_MAX];
	char serial[81];
	char issuer[256];
	char sha256[65];
	int tries;
};

/* Per call: arguments, configuration and the debug sink. */
struct call {
	pam_handle_t *pamh;
	int flags;
	const char *service;
	const char *user;		/* PAM_USER or NULL */
	struct scl_pam_args args;
	struct scl_config *cfg;
};

static void
outcome_init(struct outcome *o, const char *what)
{
	memset(o, 0, sizeof(*o));
	o->what = what;
	o->r = SCL_ERR_INTERNAL;
	o->tries = -1;
}

static void
outcome_cand(struct outcome *o, const struct scl_signin_candidate *c)
{
	if (c == NULL)
		return;
	snprintf(o->reader, sizeof(o->reader), "%s", c->reader);
	snprintf(o->serial, sizeof(o->serial), "%s", c->serial_hex);
	snprintf(o->issuer, sizeof(o->issuer), "%s", c->issuer);
	snprintf(o->sha256, sizeof(o->sha256), "%s", c->sha256_hex);
	o->tries = c->tries;
}

/* The one LOG_NOTICE line per outcome.  Never a PIN. */
static void
log_outcome(pam_handle_t *pamh, const struct outcome *o)
{
	char user[256], reader[SCL_READER_NAME_MAX * 4], issuer[1024];
	char serial[128], sha[80];

	scl_pam_escape(user, sizeof(user), o->user);
	scl_pam_escape(reader, sizeof(reader), o->reader);
	scl_pam_escape(issuer, sizeof(issuer), o->issuer);
	scl_pam_escape(serial, sizeof(serial), o->serial);
	scl_pam_escape(sha, sizeof(sha), o->sha256);
	pam_syslog(pamh, LOG_NOTICE, "%s: result=%s reason=%s user='%s' "
	    "reader='%s' cert_serial=%s cert_issuer='%s' cert_sha256=%s "
	    "tries_left=%d", o->what, o->r == 0 ? "ok" : "fail",
	    o->r == 0 ? "OK" : o->empty_pin ? "EMPTY_PIN" : scl_err_name(o->r),
	    user, reader, serial[0] != '\0' ? serial : "-", issuer,
	    sha[0] != '\0' ? sha : "-", o->tries);
}

/*
 * Certificate cache entries the scan refused (an unsafe directory or
 * file, a damaged one): one LOG_WARNING each, the card was read instead.
 */
static void
log_cert_cache(pam_handle_t *pamh, const struct scl_signin_result *res)
{
	for (size_t i = 0; i < res->report.n && i < SCL_SIGNIN_REPORT_MAX;
	    i++) {
		const struct scl_signin_entry *e = &res->report.e[i];

		if (e->reason != SCL_ERR_CERT_CACHE_BAD &&
		    e->reason != SCL_ERR_CERT_CACHE_UNSAFE)
			continue;
		pam_syslog(pamh, LOG_WARNING, "auth: certificate cache: "
		    "reason=%s reader='%s': %s", scl_err_name(e->reason),
		    e->reader, e->detail);
	}
}

/* Tell the user why, in one sentence. */
static void
tell_failure(struct call *c, int r, int tries)
{
	char msg[512];

	scl_pam_error(c->pamh, c->flags, "%s",
	    scl_pam_message(r, tries, msg, sizeof(msg)));
}

/*
 * Arguments and configuration.  A bad argument or file is LOG_ERR and
 * SCL_ERR_CONFIG (PAM_SERVICE_ERR): fail closed, name the problem.
 */
static int
call_begin(struct call *c, pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	const void *item = NULL;
	char errbuf[512] = "";
	int r;

	memset(c, 0, sizeof(*c));
	c->pamh = pamh;
	c->flags = flags;
	if (pam_get_item(pamh, PAM_SERVICE, &item) == PAM_SUCCESS &&
	    item != NULL)
		c->service = item;
	item = NULL;
	if (pam_get_item(pamh, PAM_USER, &item) == PAM_SUCCESS &&
	    item != NULL && ((const char *)item)[0] != '\0')
		c->user = item;

	r = scl_pam_args_parse(argc, argv, &c->args, errbuf, sizeof(errbuf));
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "%s", errbuf);
		goto out;
	}
	if (c->args.debug)
		scl_log_set_handler(scl_pam_log_sink, pamh);
	r = scl_pam_config(&c->args, c->service, &c->cfg, errbuf,
	    sizeof(errbuf));
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "configuration: %s",
		    errbuf[0] != '\0' ? errbuf : scl_strerror(r));
		goto out;
	}
	if (c->cfg->debug)
		scl_log_set_handler(scl_pam_log_sink, pamh);
	if (c->cfg->allow_weak_keys)
		pam_syslog(pamh, LOG_WARNING, "allow_weak_keys = yes: "
		    "certificates with RSA keys below 2048 bits or curves "
		    "below P-256 are accepted (weaker than the default)");
	r = 0;
out:
	return r;
}

static void
call_end(struct call *c)
{
	scl_config_free(&c->cfg);
	scl_log_set_handler(NULL, NULL);
}

/*
 * scl_signin_scan, with a LOG_WARNING line for each token the scan
 * deadline made it skip: a card that holds every sign-in must be found.
 */
static int
scan_cards(struct call *c, const struct scl_signin_opts *opts,
    struct scl_signin_result **ret_res)
{
	const struct scl_signin_entry *e;
	char reader[SCL_READER_NAME_MAX * 4];
	size_t i;
	int r;

	if ((r = scl_signin_scan(opts, ret_res)) < 0)
		return r;
	for (i = 0; i < (*ret_res)->report.n; i++) {
		e = &(*ret_res)->report.e[i];
		if (e->verdict != SCL_VERDICT_FAIL ||
		    e->reason != SCL_ERR_DEADLINE)
			continue;
		scl_pam_escape(reader, sizeof(reader), e->reader);
		pam_syslog(c->pamh, LOG_WARNING, "scan: result=skipped "
		    "reason=DEADLINE reader='%s' step=%s scan_timeout_ms=%u: "
		    "%s", reader, scl_signin_step_name(e->step),
		    opts->cfg->scan_timeout_ms, e->detail);
	}
	return 0;
}

static int
waitable(int reason)
{
	return reason == SCL_ERR_NO_CARD || reason == SCL_ERR_NO_READER ||
	    reason == SCL_ERR_NO_SERVICE;
}

/* At the end of a wait: no reader at all (e.g. it was unplugged)? */
static int
no_reader_left(struct scl_monitor *mon)
{
	struct scl_reader_info snap[SCL_READERS_MAX];
	size_t n = 0;

	return scl_monitor_snapshot(mon, snap, SCL_READERS_MAX, &n) == 0 &&
	    n == 0;
}

/*
 * Wait (bounded by wait_for_card) for a card and scan again.  Each monitor
 * wait is a short slice so the whole wait stays bounded even if events
 * keep coming; the application cancels it by interrupting the process.
 * PKCS#11 tokens pcscd does not see are polled between slices (a watch of
 * their modules' slot events; slices of WAIT_POLL_MS then).
 * Ends in NO_READER when no reader is left at the bound, TIMEOUT when
 * readers are there but no usable card, LIMIT (logged) when the event cap
 * ended it first.
 */
static int
wait_for_card(struct call *c, const struct scl_signin_opts *opts,
    struct scl_signin_result **resp)
{
	struct scl_monitor *mon = NULL;
	struct scl_token_watch *watch = NULL;
	struct scl_reader_info snap[SCL_READERS_MAX];
	struct scl_signin_result *res = NULL;
	struct scl_event ev;
	uint64_t deadline;
	size_t n = 0, i, k;
	int r, rescan = 0, changed = 0;

	deadline = scl_mono_ms() + (uint64_t)c->cfg->wait_for_card_s * 1000u;
	scl_pam_info(c->pamh, c->flags, "%s", _("Insert your smart card"));
	if ((r = scl_token_watch_open(c->cfg, &watch)) < 0)
		scl_debug("wait_for_card: no PKCS#11 slot events: %s",
		    scl_err_name(r));
	if ((r = scl_monitor_new(0, &mon)) < 0 && watch == NULL)
		goto out;
	/* A token that came between the first scan and the watch's
	 * baseline raises no event: look once more. */
	rescan = watch != NULL;
	if (scl_monitor_snapshot(mon, snap, SCL_READERS_MAX, &n) == 0)
		for (i = 0; i < n; i++)
			if (snap[i].card_present)
				rescan = 1;
	for (k = 0; k < WAIT_EVENTS_MAX; k++) {
		uint64_t now = scl_mono_ms();
		int slice;

		if (rescan) {
			rescan = 0;
			if ((r = scan_cards(c, opts, &res)) < 0)
				goto out;
			scl_signin_result_free(resp);
			*resp = res;
			res = NULL;
			if ((*resp)->n_usable > 0 || !waitable((*resp)->reason)) {
				r = 0;
				goto out;
			}
		}
		if (now >= deadline) {
			r = no_reader_left(mon) ? SCL_ERR_NO_READER :
			    SCL_ERR_TIMEOUT;
			goto out;
		}
		slice = deadline - now > WAIT_SLICE_MS ? WAIT_SLICE_MS :
		    (int)(deadline - now);
		if (watch != NULL && slice > WAIT_POLL_MS)
			slice = WAIT_POLL_MS;
		r = mon != NULL ? scl_monitor_wait(mon, slice, &ev) :
		    (usleep((useconds_t)slice * 1000u), SCL_ERR_TIMEOUT);
		if (r == SCL_ERR_TIMEOUT && watch != NULL &&
		    scl_token_watch_poll(watch, &changed) == 0 && changed)
			rescan = 1;
		if (r == SCL_ERR_TIMEOUT)
			continue;
		if (r < 0)
			goto out;
		if (ev.kind == SCL_EV_CARD_INSERTED ||
		    ev.kind == SCL_EV_READER_ADDED ||
		    ev.kind == SCL_EV_SERVICE_UP)
			rescan = 1;
	}
	pam_syslog(c->pamh, LOG_WARNING, "wait_for_card: stopped after %d "
	    "reader/card events reason=LIMIT", WAIT_EVENTS_MAX);
	r = SCL_ERR_LIMIT;
out:
	scl_monitor_free(&mon);
	scl_token_watch_free(&watch);
	return r;
}

/* The first failing candidate with the summary reason, for the log line. */
static const struct scl_signin_candidate *
failed_candidate(const struct scl_signin_result *res)
{
	size_t i;

	for (i = 0; i < res->n; i++)
		if (res->c[i].status == res->reason)
			return &res->c[i];
	return NULL;
}

static void
free_auth_data(pam_handle_t *pamh, void *data, int error_status)
{
	free(data);
}

/*
 * The card sign-in of this handle, if it is still the last word: a later
 * authenticate that did not end in a card sign-in clears it, and it only
 * counts for the user it was made for (the application may change
 * PAM_USER).  NULL otherwise.
 */
static const struct scl_pam_auth_data *
get_auth_data(pam_handle_t *pamh, const char *user)
{
	const void *data = NULL;
	const struct scl_pam_auth_data *d;

	if (pam_get_data(pamh, SCL_PAM_DATA_AUTH, &data) != PAM_SUCCESS ||
	    data == NULL || user == NULL)
		return NULL;
	d = data;
	if (strcmp(d->user, user) != 0)
		return NULL;
	return d;
}

static void
clear_auth_data(pam_handle_t *pamh)
{
	const void *data = NULL;

	if (pam_get_data(pamh, SCL_PAM_DATA_AUTH, &data) == PAM_SUCCESS &&
	    data != NULL)
		(void)pam_set_data(pamh, SCL_PAM_DATA_AUTH, NULL, NULL);
}

static int
set_auth_data(pam_handle_t *pamh, const char *user,
    const struct scl_signin_candidate *cand)
{
	struct scl_pam_auth_data *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return SCL_ERR_NOMEM;
	if ((size_t)snprintf(d->user, sizeof(d->user), "%s", user) >=
	    sizeof(d->user)) {
		free(d);
		return SCL_ERR_INVALID_ARGUMENT;
	}
	snprintf(d->reader, sizeof(d->reader), "%s", cand->reader);
	d->backend = cand->backend;
	snprintf(d->card_id, sizeof(d->card_id), "%s",
	    cand->card_id[0] != '\0' ? cand->card_id : cand->sha256_hex);
	snprintf(d->cert_sha256, sizeof(d->cert_sha256), "%s",
	    cand->sha256_hex);
	if (pam_set_data(pamh, SCL_PAM_DATA_AUTH, d, free_auth_data) !=
	    PAM_SUCCESS) {
		free(d);
		return SCL_ERR_INTERNAL;
	}
	return 0;
}

#define ASKS_MAX 3

static int
maps_user(const struct scl_signin_candidate *cand, const char *user)
{
	size_t k;

	for (k = 0; k < cand->users.n; k++)
		if (strcmp(cand->users.users[k], user) == 0)
			return 1;
	return 0;
}

/*
 * Card-only: the user the usable candidates map to, copied to buf.
 * Several users: the user name hint, asked once; the answer must be one
 * of them (SCL_ERR_WRONG_USER, the names are never listed); empty:
 * SCL_ERR_CANCELLED.
 */
static int
card_only_user(struct call *c, const struct scl_signin_result *res,
    char *buf, size_t len)
{
	const struct scl_signin_candidate *cand;
	const char *user = NULL;
	int several = 0, r;
	size_t i, k;

	for (i = 0; (cand = scl_signin_usable(res, i)) != NULL; i++)
		for (k = 0; k < cand->users.n; k++) {
			if (user == NULL)
				user = cand->users.users[k];
			else if (strcmp(user, cand->users.users[k]) != 0)
				several = 1;
		}
	if (user == NULL)
		return SCL_ERR_NO_MAPPING;
	if (!several) {
		snprintf(buf, len, "%s", user);
		return 0;
	}
	r = scl_pam_ask(c->pamh, _(SCL_PROMPT_USER_HINT), buf, len);
	if (r == SCL_ERR_TOO_LARGE)
		return SCL_ERR_WRONG_USER;
	if (r < 0)
		return r;
	if (buf[0] == '\0')
		return SCL_ERR_CANCELLED;
	for (i = 0; (cand = scl_signin_usable(res, i)) != NULL; i++)
		if (maps_user(cand, buf))
			return 0;
	return SCL_ERR_WRONG_USER;
}

/*
 * The candidate to sign user in with: the first usable one that maps to
 * user on each card (reader); on several cards, the user chooses by
 * number, up to ASKS_MAX asks (empty answer: SCL_ERR_CANCELLED).
 */
static int
choose_card(struct call *c, const struct scl_signin_result *res,
    const char *user, const struct scl_signin_candidate **ret_cand)
{
	const struct scl_signin_candidate *cards[SCL_SIGNIN_CANDIDATES_MAX];
	const struct scl_signin_candidate *cand;
	char q[2048], answer[16], *end;
	unsigned long pick;
	size_t i, k, n = 0, off;
	int r;

	for (i = 0; (cand = scl_signin_usable(res, i)) != NULL; i++) {
		if (!maps_user(cand, user))
			continue;
		for (k = 0; k < n; k++)
			if (strcmp(cards[k]->reader, cand->reader) == 0)
				break;
		if (k == n && n < SCL_SIGNIN_CANDIDATES_MAX)
			cards[n++] = cand;
	}
	if (n == 0)
		return SCL_ERR_NO_MAPPING;
	*ret_cand = cards[0];
	if (n == 1)
		return 0;
	off = (size_t)snprintf(q, sizeof(q), "%s", _(SCL_PROMPT_CHOOSE_CARD));
	for (k = 0; k < n && off < sizeof(q); k++)
		off += (size_t)snprintf(q + off, sizeof(q) - off,
		    _("  %zu: smart card \"%s\" (%.60s)\n"), k + 1,
		    cards[k]->label, cards[k]->reader);
	if (off < sizeof(q))
		snprintf(q + off, sizeof(q) - off, _("Card number (1-%zu): "),
		    n);
	r = SCL_ERR_CANCELLED;
	for (i = 0; i < ASKS_MAX; i++) {
		r = scl_pam_ask(c->pamh, q, answer, sizeof(answer));
		if (r < 0 && r != SCL_ERR_TOO_LARGE)
			break;
		if (r == 0 && answer[0] == '\0') {
			r = SCL_ERR_CANCELLED;
			break;
		}
		errno = 0;
		pick = strtoul(answer, &end, 10);
		if (r == 0 && answer[0] >= '1' && answer[0] <= '9' &&
		    *end == '\0' && errno == 0 && pick <= n) {
			*ret_cand = cards[pick - 1];
			break;
		}
		r = SCL_ERR_CANCELLED;
		scl_pam_error(c->pamh, c->flags,
		    _("Type a number from 1 to %zu."), n);
	}
	/* whatever was typed here, a mistyped PIN included */
	explicit_bzero(answer, sizeof(answer));
	return r;
}

/*
 * The last try: refused, or spent only after an explicit "yes".
 * SCL_ERR_PIN_LAST_TRY / SCL_ERR_CANCELLED otherwise.
 */
static int
guard_last_try(struct call *c, const struct scl_signin_candidate *cand)
{
	char q[512];
	int yes = 0, r;

	if (cand->tries != 1)
		return 0;
	if (c->cfg->last_try != SCL_LAST_TRY_CONFIRM)
		return SCL_ERR_PIN_LAST_TRY;
	/* TRANSLATORS: keep "(yes/no)": the answer is read as yes or no. */
	snprintf(q, sizeof(q), _("%s%s\". If this PIN is wrong, the card will "
	    "be blocked. Continue? (yes/no) "), _(SCL_PROMPT_LAST_TRY),
	    cand->label);
	if ((r = scl_pam_confirm(c->pamh, q, &yes)) < 0)
		return r;
	return yes ? 0 : SCL_ERR_CANCELLED;
}

/*
 * A card that does not report its tries left (the scan only lets one
 * through under unknown_tries = warn): say so before the PIN prompt, so a
 * try that may be the last one is never spent silently.  The prompt says
 * it too (pin_prompt), for hosts that run with PAM_SILENT.
 */
static void
warn_unknown_tries(struct call *c, const struct scl_signin_candidate *cand)
{
	if (cand->tries >= 0)
		return;
	scl_pam_info(c->pamh, c->flags, _("Smart card \"%s\" does not report "
	    "how many PIN tries are left: a wrong PIN may block it."),
	    cand->label);
}

/*
 * The directory could not be reached and its offline cache mapped the
 * card (policy/directory.h): say so, and log it.
 */
static void
tell_offline(struct call *c, const struct scl_signin_candidate *cand,
    const char *user)
{
	char when[32] = "?", esc[256];
	struct tm tm;
	time_t t = cand->users.offline_since;

	if (t == 0)
		return;
	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	scl_pam_info(c->pamh, c->flags, _("The account directory cannot "
	    "be reached: your card is linked to your account as it was on "
	    "%s."), when);
	scl_pam_escape(esc, sizeof(esc), user);
	pam_syslog(c->pamh, LOG_NOTICE, "auth: directory=offline user='%s' "
	    "mapping_cached_at=%lld cert_sha256=%s", esc, (long long)t,
	    cand->sha256_hex);
}

static void
pin_prompt(char *buf, size_t len, const char *what,
    const struct scl_signin_candidate *cand, unsigned low)
{
	if (cand->tries < 0)
		snprintf(buf, len, _("%s%s\" (tries left unknown): "), what,
		    cand->label);
	else if (cand->tries == 1)
		snprintf(buf, len, _("%s%s\" (last try): "), what,
		    cand->label);
	else if (cand->tries > 1 && (unsigned)cand->tries <= low)
		snprintf(buf, len, _("%s%s\" (%d tries left): "), what,
		    cand->label, cand->tries);
	else
		snprintf(buf, len, _("%s%s\": "), what, cand->label);
}

/*
 * Read a PIN and, with check_length, refuse locally one whose length no
 * PIN of the policy can have (*ret_why, if not NULL, gets the sentence).
 */
static int
ask_pin(struct call *c, const char *prompt, struct scl_pin *pin,
    int check_length, int *ret_empty, const char **ret_why)
{
	int empty = 0, r;

	r = scl_pam_read_pin(c->pamh, prompt, pin, &empty);
	if (r < 0)
		goto out;
	if (empty) {
		*ret_empty = 1;
		r = c->cfg->empty_pin_unavail ? SCL_ERR_CANCELLED :
		    SCL_ERR_PIN_FORMAT;
		goto out;
	}
	if (check_length && (r = scl_pin_policy_check_length(
	    &c->cfg->pin_policy, pin->len, ret_why)) < 0)
		goto out;
	r = 0;
out:
	if (r < 0)
		scl_pin_clear(pin);
	return r;
}

int
scl_pam_flow_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct call c;
	struct scl_signin_opts opts;
	struct scl_signin_result *res = NULL;
	const struct scl_signin_candidate *cand = NULL;
	struct scl_signin_candidate fresh_cand;
	struct scl_pin *pin = NULL;
	struct outcome o;
	X509 *proved = NULL;
	const char *user = NULL;
	char prompt[512], hint[256];
	int empty = 0, tries = -1, quiet = 0, r;

	memset(&opts, 0, sizeof(opts));
	outcome_init(&o, "auth");
	/* Whatever happens now, an earlier card sign-in is no longer it. */
	clear_auth_data(pamh);
	if ((r = call_begin(&c, pamh, flags, argc, argv)) < 0)
		goto out;
	user = c.user;
	snprintf(o.user, sizeof(o.user), "%s", user != NULL ? user : "");

	opts.cfg = c.cfg;
	opts.user = user;
	if ((r = scan_cards(&c, &opts, &res)) < 0)
		goto out;
	if (res->n_usable == 0 && waitable(res->reason) &&
	    c.cfg->wait_for_card_s > 0) {
		r = wait_for_card(&c, &opts, &res);
		if (r < 0)
			goto out;
	} else if (res->n_usable == 0 && waitable(res->reason) &&
	    user != NULL && !c.cfg->require_card) {
		/* Everyday password sign-in: no card, no noise. */
		quiet = 1;
	}
	log_cert_cache(pamh, res);
	if (res->n_usable == 0) {
		r = res->reason;
		outcome_cand(&o, failed_candidate(res));
		goto out;
	}

	outcome_cand(&o, scl_signin_usable(res, 0));
	if (user == NULL) {
		if ((r = card_only_user(&c, res, hint, sizeof(hint))) < 0)
			goto out;
		user = hint;
		snprintf(o.user, sizeof(o.user), "%s", user);
	}
	if ((r = choose_card(&c, res, user, &cand)) < 0)
		goto out;
	outcome_cand(&o, cand);
	if ((r = guard_last_try(&c, cand)) < 0)
		goto out;
	if ((pin = scl_pin_new()) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	warn_unknown_tries(&c, cand);
	tell_offline(&c, cand, user);
	pin_prompt(prompt, sizeof(prompt), _(SCL_PROMPT_PIN), cand,
	    c.cfg->low_tries_warn);
	if (cand->pin_pad)
		scl_pam_info(c.pamh, c.flags, _("Enter your PIN on the PIN "
		    "pad of the reader of smart card \"%s\"."), cand->label);
	else if ((r = ask_pin(&c, prompt, pin, 1, &empty, NULL)) < 0)
		goto out;
	r = scl_signin_authenticate_ex(c.cfg, cand, pin, &tries, &proved);
	scl_pin_clear(pin);
	if (r == 0 && proved != NULL) {
		/* a stale cache entry: the card's own certificate signed */
		fresh_cand = *cand;
		fresh_cand.x509 = proved;
		scl_cert_describe(proved, fresh_cand.subject,
		    sizeof(fresh_cand.subject), fresh_cand.issuer,
		    sizeof(fresh_cand.issuer), fresh_cand.serial_hex,
		    sizeof(fresh_cand.serial_hex), fresh_cand.sha256_hex);
		cand = &fresh_cand;
		outcome_cand(&o, cand);
	}
	if (r == SCL_ERR_PIN_WRONG)
		o.tries = tries;
	else if (r == SCL_ERR_PIN_BLOCKED)
		o.tries = 0;
	if (r < 0)
		goto out;
	if (c.user == NULL &&
	    pam_set_item(pamh, PAM_USER, user) != PAM_SUCCESS) {
		r = SCL_ERR_INTERNAL;
		goto out;
	}
	if ((r = set_auth_data(pamh, user, cand)) < 0)
		goto out;
	r = 0;
out:
	scl_pin_free(pin);
	explicit_bzero(hint, sizeof(hint));
	o.r = r;
	o.empty_pin = empty;
	if (r < 0 && !empty && !quiet)
		tell_failure(&c, r, r == SCL_ERR_PIN_WRONG ? tries : -1);
	log_outcome(pamh, &o);
	X509_free(proved);
	scl_signin_result_free(&res);
	call_end(&c);
	return r;
}

static int
user_in_any_group(pam_handle_t *pamh, const struct scl_config *cfg,
    const char *user)
{
	size_t i;

	for (i = 0; i < cfg->n_require_card_groups; i++)
		if (pam_modutil_user_in_group_nam_nam(pamh, user,
		    cfg->require_card_groups[i]))
			return 1;
	return 0;
}

int
scl_pam_flow_account(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct call c;
	struct outcome o;
	int r;

	outcome_init(&o, "account");
	if ((r = call_begin(&c, pamh, flags, argc, argv)) < 0)
		goto out;
	if (c.user == NULL || (c.service != NULL &&
	    scl_config_list_has(c.cfg->exempt_services,
	    c.cfg->n_exempt_services, c.service)) ||
	    scl_config_list_has(c.cfg->exempt_users, c.cfg->n_exempt_users,
	    c.user)) {
		r = SCL_PAM_NOT_APPLICABLE;
		goto out;
	}
	if (!c.cfg->require_card &&
	    !scl_config_list_has(c.cfg->require_card_users,
	    c.cfg->n_require_card_users, c.user) &&
	    !user_in_any_group(pamh, c.cfg, c.user)) {
		r = SCL_PAM_NOT_APPLICABLE;
		goto out;
	}
	if (get_auth_data(pamh, c.user) != NULL) {
		r = 0;
		goto out;
	}
	r = SCL_ERR_DENIED;
	scl_pam_error(pamh, flags, "%s", _("A smart card is required to "
	    "sign in to this account."));
out:
	o.r = r;
	snprintf(o.user, sizeof(o.user), "%s", c.user != NULL ? c.user : "");
	if (r < 0)
		log_outcome(pamh, &o);
	call_end(&c);
	return r;
}

static int
make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	return SCL_ERR_SYSTEM;
}

/*
 * The monitor's --pkcs11-modules value: cfg's module list joined with
 * commas (malloc'd), NULL on NOMEM.
 */
static char *
join_modules(const struct scl_config *cfg)
{
	size_t len = 1, i, o = 0;
	char *s;

	for (i = 0; i < cfg->n_pkcs11_modules; i++)
		len += strlen(cfg->pkcs11_modules[i]) + 1;
	if ((s = malloc(len)) == NULL)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < cfg->n_pkcs11_modules; i++)
		o += (size_t)snprintf(s + o, len - o, "%s%s", i > 0 ? "," : "",
		    cfg->pkcs11_modules[i]);
	return s;
}

/*
 * Started with the backend that signed in (PKCS#11: with the modules and
 * the helper of this configuration, which the monitor checks as the
 * module does).
 */
static void
spawn_removal_monitor(struct call *c, const struct scl_pam_auth_data *d)
{
	char prog[] = SCL_REMOVAL_MONITOR;
	char o_reader[] = "--reader", o_card[] = "--card-id";
	char o_action[] = "--action", o_session[] = "--session";
	char o_debounce[] = "--debounce-ms", o_backend[] = "--backend";
	char o_helper[] = "--pkcs11-helper", o_modules[] = "--pkcs11-modules";
	char b_piv[] = "piv", b_p11[] = "pkcs11";
	char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	char reader[sizeof(d->reader)], card_id[sizeof(d->card_id)];
	char action[16], session[64], debounce[16];
	char *argv[] = { prog, o_reader, reader, o_card, card_id, o_action,
		action, o_session, session, o_debounce, debounce, o_backend,
		b_piv, NULL, NULL, NULL, NULL, NULL };
	char *envp[] = { env_path, NULL };
	char *modules = NULL;
	size_t a = 13;
	const char *sid;
	pid_t pid, w;
	int status, fd, sig;

	snprintf(action, sizeof(action), "%s",
	    scl_removal_action_name(c->cfg->removal_action));
	if (access(prog, X_OK) != 0) {
		pam_syslog(c->pamh, LOG_WARNING, "removal_action=%s but %s is "
		    "not installed, ignoring", action, prog);
		return;
	}
	/* logind session ids are alphanumeric; anything else could pass
	 * for an option of loginctl in the monitor. */
	sid = pam_getenv(c->pamh, "XDG_SESSION_ID");
	if (sid == NULL || sid[0] == '\0' ||
	    sid[strspn(sid, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")] != '\0' ||
	    (size_t)snprintf(session, sizeof(session), "%s", sid) >=
	    sizeof(session)) {
		pam_syslog(c->pamh, LOG_WARNING, "removal_action=%s but no "
		    "usable XDG_SESSION_ID (is pam_systemd before pam_sclogin "
		    "in the session stack?), ignoring", action);
		return;
	}
	snprintf(reader, sizeof(reader), "%s", d->reader);
	snprintf(card_id, sizeof(card_id), "%s", d->card_id);
	snprintf(debounce, sizeof(debounce), "%u",
	    c->cfg->removal_debounce_ms);
	if (d->backend == SCL_BACKEND_PKCS11) {
		argv[12] = b_p11;
		if (c->cfg->pkcs11_helper != NULL) {
			argv[a++] = o_helper;
			argv[a++] = c->cfg->pkcs11_helper;
		}
		if (c->cfg->n_pkcs11_modules > 0) {
			if ((modules = join_modules(c->cfg)) == NULL) {
				pam_syslog(c->pamh, LOG_WARNING, "out of "
				    "memory, removal monitor not started, "
				    "ignoring");
				return;
			}
			argv[a++] = o_modules;
			argv[a++] = modules;
		}
	}
	pid = fork();
	if (pid < 0) {
		pam_syslog(c->pamh, LOG_WARNING, "fork: %m, removal monitor "
		    "not started, ignoring");
		free(modules);
		return;
	}
	if (pid == 0) {
		/*
		 * Async-signal-safe calls only (the host may have threads).
		 * Nothing of the host may leak into a daemon that lives as
		 * long as the session: its fds (any number), blocked or
		 * ignored signals (SIGTERM would not stop it, SIGCHLD
		 * ignored breaks its waitpid), its working directory.
		 */
		sigset_t none;

		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		for (sig = 1; sig < NSIG; sig++)
			(void)signal(sig, SIG_DFL);
		/* Detach twice so the host never has to reap it. */
		if (setsid() < 0 || fork() != 0)
			_exit(0);
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			(void)dup2(fd, 0);
			(void)dup2(fd, 1);
			(void)dup2(fd, 2);
		}
		if (close_range(3, ~0u, 0) != 0)
			for (fd = 3; fd < 65536; fd++)
				(void)close(fd);
		if (chdir("/") != 0)
			_exit(127);
		execve(prog, argv, envp);
		_exit(127);
	}
	do {
		w = waitpid(pid, &status, 0);
	} while (w < 0 && errno == EINTR);
	free(modules);
	scl_debug("%s: removal monitor started for session %s (%s)", __func__,
	    session, argv[12]);
}

/*
 * The gid of record_group, or (gid_t)-1 (private records) when unset or
 * unknown (logged: the records stay private, the session goes on).
 */
static gid_t
record_gid(struct call *c)
{
	struct group gr, *res = NULL;
	char buf[4096], name[256];

	if (c->cfg->record_group == NULL)
		return (gid_t)-1;
	if (getgrnam_r(c->cfg->record_group, &gr, buf, sizeof(buf),
	    &res) == 0 && res != NULL)
		return gr.gr_gid;
	scl_pam_escape(name, sizeof(name), c->cfg->record_group);
	pam_syslog(c->pamh, LOG_WARNING, "record_group '%s' is not a group "
	    "reason=CONFIG: the sign-in records stay private", name);
	return (gid_t)-1;
}

/* Record the method of this sign-in; shared by session and setcred. */
static int
record_method(struct call *c)
{
	const struct scl_pam_auth_data *d;
	struct scl_record rec;
	char dir[4096], user[256];
	int r;

	d = get_auth_data(c->pamh, c->user);
	memset(&rec, 0, sizeof(rec));
	rec.method = d != NULL ? SCL_METHOD_CARD : SCL_METHOD_PASSWORD;
	rec.when = (int64_t)time(NULL);
	if (d != NULL)
		snprintf(rec.card_id, sizeof(rec.card_id), "%s", d->card_id);
	if ((size_t)snprintf(dir, sizeof(dir), "%s/users",
	    c->cfg->state_dir) >= sizeof(dir)) {
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if ((r = make_dir(c->cfg->state_dir, 0755)) < 0 ||
	    (r = make_dir(dir, 0700)) < 0)
		goto out;
	r = scl_record_write_group(dir, c->user, &rec, record_gid(c));
out:
	if (r < 0) {
		scl_pam_escape(user, sizeof(user), c->user);
		pam_syslog(c->pamh, LOG_WARNING, "cannot record the sign-in "
		    "method of '%s' under %s: %s, ignoring", user,
		    c->cfg->state_dir, scl_strerror(r));
	}
	return d != NULL;
}

int
scl_pam_flow_open_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	const struct scl_pam_auth_data *d;
	struct call c;
	int r;

	if ((r = call_begin(&c, pamh, flags, argc, argv)) < 0)
		goto out;
	if (c.user == NULL || (c.service != NULL &&
	    scl_config_list_has(c.cfg->exempt_services,
	    c.cfg->n_exempt_services, c.service))) {
		r = SCL_PAM_NOT_APPLICABLE;
		goto out;
	}
	if (record_method(&c) &&
	    c.cfg->removal_action != SCL_REMOVAL_NONE &&
	    (d = get_auth_data(pamh, c.user)) != NULL)
		spawn_removal_monitor(&c, d);
	r = 0;
out:
	call_end(&c);
	return r;
}

int
scl_pam_flow_setcred(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	const void *data = NULL;
	struct call c;
	int r;

	if (pam_get_data(pamh, SCL_PAM_DATA_AUTH, &data) != PAM_SUCCESS ||
	    data == NULL)
		return SCL_PAM_NOT_APPLICABLE;
	if ((r = call_begin(&c, pamh, flags, argc, argv)) < 0)
		goto out;
	/* A screen unlock opens no session: record it here. */
	if ((flags & (PAM_REINITIALIZE_CRED | PAM_REFRESH_CRED)) != 0 &&
	    c.user != NULL)
		(void)record_method(&c);
	r = 0;
out:
	call_end(&c);
	return r;
}

static int
pins_equal(const struct scl_pin *a, const struct scl_pin *b)
{
	unsigned char d = 0;
	size_t i;

	if (a->len != b->len)
		return 0;
	for (i = 0; i < SCL_PIN_MAX; i++)
		d |= (unsigned char)(a->v[i] ^ b->v[i]);
	return d == 0;
}

int
scl_pam_flow_chauthtok(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct call c;
	struct scl_signin_opts opts;
	struct scl_signin_result *res = NULL;
	const struct scl_signin_candidate *cand = NULL;
	struct scl_pin *old_pin = NULL, *new_pin = NULL, *again = NULL;
	struct outcome o;
	const char *why = NULL;
	char prompt[512], whybuf[256];
	int empty = 0, tries = -1, r;

	memset(&opts, 0, sizeof(opts));
	memset(&c, 0, sizeof(c));
	outcome_init(&o, "chauthtok");
	if (flags & PAM_CHANGE_EXPIRED_AUTHTOK) {
		/* A card PIN never expires; leave it to the password. */
		r = SCL_PAM_NOT_APPLICABLE;
		goto out;
	}
	if ((r = call_begin(&c, pamh, flags, argc, argv)) < 0)
		goto out;
	snprintf(o.user, sizeof(o.user), "%s", c.user != NULL ? c.user : "");
	opts.cfg = c.cfg;
	opts.user = c.user;
	if ((r = scan_cards(&c, &opts, &res)) < 0)
		goto out;
	if ((cand = scl_signin_usable(res, 0)) == NULL) {
		r = res->reason;
		outcome_cand(&o, failed_candidate(res));
		goto out;
	}
	outcome_cand(&o, cand);
	if (flags & PAM_PRELIM_CHECK) {
		r = 0;
		goto out;
	}
	if (c.user != NULL &&
	    (r = choose_card(&c, res, c.user, &cand)) < 0)
		goto out;
	outcome_cand(&o, cand);
	if ((r = guard_last_try(&c, cand)) < 0)
		goto out;
	if ((old_pin = scl_pin_new()) == NULL ||
	    (new_pin = scl_pin_new()) == NULL ||
	    (again = scl_pin_new()) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	warn_unknown_tries(&c, cand);
	if (cand->pin_pad) {
		scl_pam_info(c.pamh, c.flags, _("On the PIN pad of the reader "
		    "of smart card \"%s\", enter your current PIN, then the new "
		    "PIN twice."), cand->label);
		r = scl_signin_change_pin(c.cfg, cand, NULL, NULL, &tries,
		    &why);
		goto changed;
	}
	pin_prompt(prompt, sizeof(prompt), _("Current PIN for smart card \""),
	    cand, c.cfg->low_tries_warn);
	r = ask_pin(&c, prompt, old_pin, 1, &empty, &why);
	if (r == SCL_ERR_PIN_FORMAT && why != NULL) {
		/* Refused before the new PIN is asked; nothing reached the
		 * card. */
		snprintf(whybuf, sizeof(whybuf), _("%s No PIN try was used."),
		    _(why));
		why = whybuf;
	}
	if (r < 0)
		goto out;
	if ((r = ask_pin(&c, _("New PIN: "), new_pin, 0, &empty, NULL)) < 0 ||
	    (r = ask_pin(&c, _("Repeat the new PIN: "), again, 0, &empty,
	    NULL)) < 0)
		goto out;
	if (!pins_equal(new_pin, again)) {
		r = SCL_ERR_PIN_POLICY;
		why = N_("The new PINs do not match.");
		goto out;
	}
	r = scl_signin_change_pin(c.cfg, cand, old_pin, new_pin, &tries,
	    &why);
changed:
	if (r == SCL_ERR_PIN_WRONG)
		o.tries = tries;
	if (r < 0)
		goto out;
	scl_pam_info(pamh, flags, "%s",
	    _("The PIN of your smart card was changed."));
	r = 0;
out:
	scl_pin_free(old_pin);
	scl_pin_free(new_pin);
	scl_pin_free(again);
	o.r = r;
	o.empty_pin = empty;
	if (r < 0 && why != NULL)
		scl_pam_error(pamh, flags, "%s", _(why));
	else if (r < 0 && !empty)
		tell_failure(&c, r, r == SCL_ERR_PIN_WRONG ? tries : -1);
	if (r != SCL_PAM_NOT_APPLICABLE && !(r == 0 &&
	    (flags & PAM_PRELIM_CHECK)))
		log_outcome(pamh, &o);
	scl_signin_result_free(&res);
	call_end(&c);
	return r;
}
