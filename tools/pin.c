/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "apdu.h"
#include "err.h"
#include "i18n.h"
#include "piv.h"
#include "secret.h"
#include "tool.h"

enum pin_action { PIN_CHANGE, PIN_UNBLOCK, PIN_RESET };

struct pin_opts {
	enum pin_action action;
	int pin_fd;
	const char *policy;
	int allow_last_try;
	uint8_t admin_key[32];
	size_t admin_key_len;
	uint8_t admin_alg;
	int have_admin_key;
};

struct pin_secrets {
	struct scl_pin old;	/* current PIN, or PUK for unblock */
	struct scl_pin new_;
	struct scl_pin again;
};

static int
parse(struct tool *tl, int argc, char **argv, struct pin_opts *o)
{
	enum {
		OPT_PIN_FD = TOOL_OPT_VERB, OPT_POLICY, OPT_LAST, OPT_KEY,
		OPT_ALG,
	};
	static const struct option opts[] = {
		{ "pin-fd", required_argument, NULL, OPT_PIN_FD },
		{ "pin-policy", required_argument, NULL, OPT_POLICY },
		{ "allow-last-try", no_argument, NULL, OPT_LAST },
		{ "admin-key", required_argument, NULL, OPT_KEY },
		{ "admin-alg", required_argument, NULL, OPT_ALG },
		TOOL_COMMON_OPTS
	};
	const char *alg = NULL;
	char *key = NULL;
	int c, ex;

	tool_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PIN_FD:
			if ((ex = tool_parse_pin_fd(tl, optarg,
			    &o->pin_fd)) != 0)
				return ex;
			break;
		case OPT_POLICY:
			o->policy = optarg;
			break;
		case OPT_LAST:
			o->allow_last_try = 1;
			break;
		case OPT_KEY:
			key = optarg;
			break;
		case OPT_ALG:
			alg = optarg;
			break;
		default:
			if ((ex = tool_other_opt(tl, c, argv)) != 0)
				return ex;
		}
	}
	if ((ex = tool_no_operands(tl, argc, argv)) != 0)
		return ex;
	if (o->action != PIN_RESET && (key != NULL || alg != NULL))
		return tool_usage_error(tl, "--admin-key and --admin-alg are "
		    "for 'pin reset'");
	if (o->action == PIN_RESET) {
		if (key == NULL)
			return tool_usage_error(tl, "--admin-key is required");
		if (alg != NULL && tool_parse_mgmt_alg(alg, &o->admin_alg) != 0)
			return tool_usage_error(tl, "bad --admin-alg '%s' "
			    "(3des, aes128, aes192, aes256)", alg);
		if ((ex = tool_parse_admin_key(tl, key, alg, o->admin_alg,
		    o->admin_key, sizeof(o->admin_key),
		    &o->admin_key_len)) != 0)
			return ex;
		o->have_admin_key = 1;
	}
	return 0;
}

static int
read_secret(struct tool *tl, const struct pin_opts *o, const char *prompt,
    struct scl_pin *pin)
{
	const char *reason = NULL;
	int r;

	if ((r = tool_read_pin(o->pin_fd, prompt, pin, &reason)) != 0)
		return tool_fail(tl, r == SCL_ERR_PIN_FORMAT ? SCL_EXIT_CHECK :
		    SCL_EXIT_FAIL, r, "%s", tool_text(tl, reason));
	return 0;
}

/*
 * All secrets are read and the new PIN is checked against the policy
 * here, before any PC/SC call: a refused PIN never reaches the card.
 */
static int
gather(struct tool *tl, const struct pin_opts *o, struct pin_secrets *s)
{
	struct scl_pin_policy pol;
	const char *reason = NULL;
	int ex;

	if ((ex = tool_pin_policy(tl, o->policy, &pol)) != 0)
		return ex;
	if (o->action == PIN_CHANGE &&
	    (ex = read_secret(tl, o, _("Current PIN: "), &s->old)) != 0)
		return ex;
	if (o->action == PIN_CHANGE &&
	    scl_pin_policy_check_length(&pol, s->old.len, &reason) != 0)
		return tool_fail(tl, SCL_EXIT_CHECK, SCL_ERR_PIN_FORMAT,
		    "the current PIN is refused before it reaches the card "
		    "(no try used): %s", tool_text(tl, reason));
	if (o->action == PIN_UNBLOCK &&
	    (ex = read_secret(tl, o, _("PUK: "), &s->old)) != 0)
		return ex;
	if ((ex = read_secret(tl, o, _("New PIN: "), &s->new_)) != 0)
		return ex;
	if (scl_pin_policy_check(&pol, s->new_.v, s->new_.len, &reason) != 0)
		return tool_fail(tl, SCL_EXIT_CHECK, SCL_ERR_PIN_POLICY,
		    "the new PIN is refused by the PIN policy: %s",
		    tool_text(tl, reason));
	if (o->pin_fd < 0) {
		if ((ex = read_secret(tl, o, _("New PIN again: "),
		    &s->again)) != 0)
			return ex;
		if (s->again.len != s->new_.len ||
		    memcmp(s->again.v, s->new_.v, s->new_.len) != 0)
			return tool_fail(tl, SCL_EXIT_CHECK, SCL_ERR_PIN_FORMAT,
			    "the two new PINs differ; nothing was changed");
	}
	if (o->action == PIN_CHANGE && s->old.len == s->new_.len &&
	    memcmp(s->old.v, s->new_.v, s->new_.len) == 0)
		return tool_fail(tl, SCL_EXIT_CHECK, SCL_ERR_PIN_POLICY,
		    "the new PIN is the same as the current one");
	return 0;
}

/*
 * Guard the last try of ref (PIN or PUK): tries via an empty VERIFY.  On a
 * terminal the user confirms (outside the transaction: no think time
 * inside one); otherwise --allow-last-try is required.
 */
static int
guard_last_try(struct tool *tl, struct tool_card *card,
    const struct pin_opts *o, uint8_t ref)
{
	const char *what = ref == SCL_PIV_REF_PUK ? "PUK" : "PIN";
	int r, tries = -1, verified = 0, ex;

	r = scl_piv_pin_status(card->t, ref, &tries, &verified);
	/* PIV has no VERIFY for the PUK; many cards report it in metadata. */
	if (r != 0 && scl_err_card_lost(r))
		return tool_fail(tl, tool_exit_code(r), r, "cannot read the "
		    "%s state: %s", what, scl_strerror(r));
	if (r != 0 && (ref != SCL_PIV_REF_PUK ||
	    tool_card_puk_tries(card, &tries) != 0))
		tries = -1;
	if (tries == 0)
		return tool_fail(tl, SCL_EXIT_AUTH, SCL_ERR_PIN_BLOCKED,
		    "%s", ref == SCL_PIV_REF_PIN ? tool_text(tl, N_("the PIN "
		    "is blocked; unblock it with 'sclogin pin unblock' (PUK) "
		    "or 'sclogin pin reset' (admin key)")) : tool_text(tl,
		    N_("the PUK is blocked; reset the PIN with 'sclogin pin "
		    "reset' (admin key)")));
	if ((tries != 1 && tries >= 0) || o->allow_last_try)
		return 0;
	if (o->pin_fd >= 0)
		return tool_fail(tl, SCL_EXIT_CHECK, tries == 1 ?
		    SCL_ERR_PIN_LAST_TRY : SCL_ERR_PIN_TRIES_UNKNOWN,
		    "%s; a wrong %s may block the card. Add --allow-last-try "
		    "to go ahead", tool_text(tl, tries == 1 ?
		    (ref == SCL_PIV_REF_PUK ? N_("only one PUK try is left") :
		    N_("only one PIN try is left")) : ref == SCL_PIV_REF_PUK ?
		    N_("the card does not report how many PUK tries are left") :
		    N_("the card does not report how many PIN tries are left")),
		    what);
	(void)scl_card_end(card->card, 0);
	card->in_tx = 0;
	if (!tool_confirm(tries != 1 ? (ref == SCL_PIV_REF_PUK ?
	    _("The card does not report how many PUK tries are left; a wrong "
	    "PUK may block it for good. Go ahead?") : _("The card does not "
	    "report how many PIN tries are left; a wrong PIN may block it. "
	    "Go ahead?")) : ref == SCL_PIV_REF_PUK ?
	    _("Only one PUK try is left; a wrong PUK blocks the card for "
	    "good. Go ahead?") : _("Only one PIN try is left; a wrong PIN "
	    "blocks the card. Go ahead?")))
		return tool_fail(tl, SCL_EXIT_CHECK, tries == 1 ?
		    SCL_ERR_PIN_LAST_TRY : SCL_ERR_PIN_TRIES_UNKNOWN,
		    "stopped before a %s try that may be the last", what);
	if ((ex = tool_card_begin(tl, card)) != 0)
		return ex;
	if ((r = scl_piv_select(card->t)) != 0)
		return tool_fail(tl, tool_exit_code(r), r, "%s",
		    scl_strerror(r));
	return 0;
}

/*
 * Admin reset of the PIN after 9B mutual authentication: ISO/IEC 7816-4
 * §11.5.10 RESET RETRY COUNTER with P1 = 02 ("new reference data only"),
 * whose security condition on the card is the authenticated admin key.
 */
static int
admin_reset_pin(struct scl_transport *t, const struct scl_pin *new_pin)
{
	uint8_t data[SCL_PIN_MAX], resp[16];
	struct scl_apdu cmd;
	size_t rlen = 0;
	uint16_t sw = 0;
	int r;

	memset(data, 0xff, sizeof(data));
	memcpy(data, new_pin->v, new_pin->len);
	memset(&cmd, 0, sizeof(cmd));
	cmd.ins = 0x2c;
	cmd.p1 = 0x02;
	cmd.p2 = SCL_PIV_REF_PIN;
	cmd.data = data;
	cmd.data_len = sizeof(data);
	r = scl_apdu_transmit(t, &cmd, resp, sizeof(resp), &rlen, &sw);
	explicit_bzero(data, sizeof(data));
	if (r == 0)
		r = scl_apdu_sw_to_err(sw, NULL);
	return r;
}

static int
report_card_error(struct tool *tl, int r, int tries, const char *what)
{
	if (r == SCL_ERR_PIN_WRONG && tries >= 0)
		return tries == 1 ? tool_fail(tl, SCL_EXIT_AUTH, r, "wrong %s; "
		    "1 try left (the next wrong one blocks it)", what) :
		    tool_fail(tl, SCL_EXIT_AUTH, r, "wrong %s; %d tries left",
		    what, tries);
	if (r == SCL_ERR_PIN_WRONG)
		return tool_fail(tl, SCL_EXIT_AUTH, r, "wrong %s", what);
	if (r == SCL_ERR_PIN_BLOCKED)
		return tool_fail(tl, SCL_EXIT_AUTH, r, "the %s is blocked",
		    what);
	if (r == SCL_ERR_INCORRECT_DATA || r == SCL_ERR_CONDITIONS)
		return tool_fail(tl, SCL_EXIT_CHECK, r, "the card refused the "
		    "new PIN (its own PIN policy?): %s", scl_strerror(r));
	return tool_fail(tl, tool_exit_code(r), r, "%s", scl_strerror(r));
}

static void
print_ok(struct tool *tl, const char *action, const char *msg)
{
	struct json j;

	if (!tl->json) {
		fprintf(tl->out, "%s\n", _(msg));
		return;
	}
	json_init(&j, tl->out, 0);
	json_begin_object(&j, NULL);
	json_str(&j, "result", "ok");
	json_str(&j, "action", action);
	json_end_object(&j);
	json_finish(&j);
}

static int
run(struct tool *tl, struct pin_opts *o)
{
	struct pin_secrets *sp = scl_secret_alloc(sizeof(*sp));
	struct tool_card card;
	int ex = SCL_EXIT_FAIL, r, tries = -1;

	memset(&card, 0, sizeof(card));
	if (sp == NULL) {
		ex = tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_NOMEM, "%s",
		    scl_strerror(SCL_ERR_NOMEM));
		goto out;
	}
	if ((ex = gather(tl, o, sp)) != 0)
		goto out;
	if ((ex = tool_card_open(tl, &card)) != 0)
		goto out;
	switch (o->action) {
	case PIN_CHANGE:
		if ((ex = guard_last_try(tl, &card, o, SCL_PIV_REF_PIN)) != 0)
			goto out;
		r = scl_piv_change_reference(card.t, SCL_PIV_REF_PIN, &sp->old,
		    &sp->new_, &tries);
		if (r != 0) {
			ex = report_card_error(tl, r, tries, "PIN");
			goto out;
		}
		print_ok(tl, "pin change", N_("PIN changed."));
		break;
	case PIN_UNBLOCK:
		if ((ex = guard_last_try(tl, &card, o, SCL_PIV_REF_PUK)) != 0)
			goto out;
		r = scl_piv_reset_retry(card.t, &sp->old, &sp->new_, &tries);
		if (r != 0) {
			ex = report_card_error(tl, r, tries, "PUK");
			goto out;
		}
		print_ok(tl, "pin unblock", N_("PIN unblocked and set."));
		break;
	case PIN_RESET:
		if ((ex = tool_mgmt_auth(tl, &card, o->admin_alg, o->admin_key,
		    o->admin_key_len)) != 0)
			goto out;
		if ((r = admin_reset_pin(card.t, &sp->new_)) != 0) {
			if (r == SCL_ERR_SW_UNEXPECTED || r == SCL_ERR_NO_OBJECT)
				ex = tool_fail(tl, SCL_EXIT_FAIL, r, "the card "
				    "accepted the admin key but does not support "
				    "setting the PIN with it (RESET RETRY COUNTER "
				    "P1=02); use 'sclogin pin unblock' with the "
				    "PUK");
			else
				ex = report_card_error(tl, r, -1,
				    tool_text(tl, N_("admin key")));
			goto out;
		}
		print_ok(tl, "pin reset", N_("PIN reset with the admin key."));
		break;
	}
	ex = SCL_EXIT_OK;
out:
	/* Reset: drop the verified PIN and admin-key state on the card. */
	tool_card_close(&card, 1);
	scl_secret_free(sp, sizeof(*sp));
	explicit_bzero(o->admin_key, sizeof(o->admin_key));
	return ex;
}

int
tool_pin(struct tool *tl, int argc, char **argv)
{
	static const char *const names[] = { "change", "unblock", "reset" };
	static const char *const verbs[] = {
		"pin change", "pin unblock", "pin reset",
	};
	struct pin_opts o;
	size_t i;
	int ex;

	memset(&o, 0, sizeof(o));
	o.pin_fd = -1;
	o.admin_alg = 0;	/* ask the card */
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0)) {
			tool_help(tl, tl->out);
			return SCL_EXIT_OK;
		}
		return tool_usage_error(tl, "say change, unblock or reset");
	}
	for (i = 0; i < 3; i++)
		if (strcmp(argv[1], names[i]) == 0)
			break;
	if (i == 3)
		return tool_usage_error(tl, "unknown pin action '%s' (change, "
		    "unblock, reset)", argv[1]);
	o.action = (enum pin_action)i;
	tl->verb = verbs[i];
	if ((ex = parse(tl, argc - 1, argv + 1, &o)) != 0) {
		explicit_bzero(o.admin_key, sizeof(o.admin_key));
		return ex < 0 ? SCL_EXIT_OK : ex;
	}
	return run(tl, &o);
}
