/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "greeter-model.h"

/*
 * Table-driven transitions: each scenario is a list of steps, an input and
 * the expected view, actions (kind + service, in order) and a few fields.
 */

#define R0 "Virtual PCD 00 00"
#define R1 "Virtual PCD 00 01"

enum { A_NONE = 0 };
#define START	SCL_GREETER_ACT_START_PAM
#define ANSWER	SCL_GREETER_ACT_ANSWER
#define CANCEL	SCL_GREETER_ACT_CANCEL_PAM
#define OK	SCL_GREETER_ACT_SUCCEEDED
#define DISCARD	SCL_GREETER_ACT_DISCARD
#define CARD	SCL_GREETER_SERVICE_CARD
#define PW	SCL_GREETER_SERVICE_PASSWORD

#define V_INSERT SCL_GREETER_VIEW_INSERT_CARD
#define V_READER SCL_GREETER_VIEW_CONNECT_READER
#define V_PIN	SCL_GREETER_VIEW_PIN
#define V_PW	SCL_GREETER_VIEW_PASSWORD
#define V_BUSY	SCL_GREETER_VIEW_BUSY
#define V_MSG	SCL_GREETER_VIEW_MESSAGE
#define V_DONE	SCL_GREETER_VIEW_DONE

struct act { int kind; int svc; };

struct step {
	struct scl_greeter_input in;
	enum scl_greeter_view view;
	struct act acts[SCL_GREETER_ACTIONS_MAX];
	int offer;			/* expected offer_card */
	int entry_ready;		/* 0: don't care, else expected + 1 */
	const char *message;		/* NULL: don't care; "" none */
	const char *card_name;		/* NULL: don't care */
	int tries;			/* 0: don't care, else expected + 10 */
	int seq_delta;			/* PAM inputs: seq = current + delta */
};

#define IN(k, ...) { .kind = SCL_GREETER_IN_##k, __VA_ARGS__ }
#define EXPECT(v, ...) .view = v, __VA_ARGS__
#define END { .in = { .kind = 0 } }

#define S_START(m, v, ...) { IN(START, .method = SCL_METHOD_##m), EXPECT(v, __VA_ARGS__) }
#define S_READER(r, v, ...) { IN(READER_ADDED, .reader = r), EXPECT(v, __VA_ARGS__) }
#define S_UNPLUG(r, v, ...) { IN(READER_REMOVED, .reader = r), EXPECT(v, __VA_ARGS__) }
#define S_INSERT(r, v, ...) { IN(CARD_INSERTED, .reader = r), EXPECT(v, __VA_ARGS__) }
#define S_REMOVE(r, v, ...) { IN(CARD_REMOVED, .reader = r), EXPECT(v, __VA_ARGS__) }
#define S_USABLE(r, name, t, v, ...) { IN(CARD_USABLE, .reader = r, .text = name, .card_id = "00112233445566778899aabbccddeeff", .tries_left = t), EXPECT(v, __VA_ARGS__) }
#define S_UNUSABLE(r, why, v, ...) { IN(CARD_UNUSABLE, .reader = r, .text = why), EXPECT(v, __VA_ARGS__) }
#define S_PROMPT(txt, v, ...) { IN(PAM_PROMPT_ECHO_OFF, .text = txt), EXPECT(v, __VA_ARGS__) }
#define S_PROMPT_ON(txt, v, ...) { IN(PAM_PROMPT_ECHO_ON, .text = txt), EXPECT(v, __VA_ARGS__) }
#define S_INFO(txt, v, ...) { IN(PAM_INFO, .text = txt), EXPECT(v, __VA_ARGS__) }
#define S_ERROR(txt, v, ...) { IN(PAM_ERROR, .text = txt), EXPECT(v, __VA_ARGS__) }
#define S_RESULT(res, v, ...) { IN(PAM_RESULT, .result = SCL_GREETER_PAM_##res), EXPECT(v, __VA_ARGS__) }
#define S_STALE_RESULT(res, v, ...) { IN(PAM_RESULT, .result = SCL_GREETER_PAM_##res), EXPECT(v, .seq_delta = -1, __VA_ARGS__) }
#define S_SUBMIT(v, ...) { IN(SUBMIT), EXPECT(v, __VA_ARGS__) }
#define S_OTHER(v, ...) { IN(OTHER_OPTIONS), EXPECT(v, __VA_ARGS__) }
#define S_USE_CARD(v, ...) { IN(USE_CARD), EXPECT(v, __VA_ARGS__) }
#define S_CANCEL(v, ...) { IN(CANCEL), EXPECT(v, __VA_ARGS__) }
#define S_SESSION_FAILED(txt, v, ...) { IN(SESSION_FAILED, .text = txt), EXPECT(v, __VA_ARGS__) }
#define S_DOWN(v, ...) { IN(SERVICE_DOWN), EXPECT(v, __VA_ARGS__) }

#define ACTS(...) .acts = { __VA_ARGS__ }

/* Card last, no reader: "connect a reader", then insert, then the PIN. */
static const struct step card_no_reader[] = {
	S_START(CARD, V_READER),
	S_READER(R0, V_INSERT),
	S_INSERT(R0, V_PIN, ACTS({ START, CARD }), .entry_ready = 1),
	S_USABLE(R0, "Alice Example", 3, V_PIN, .card_name = "Alice Example",
	    .tries = 13),
	S_PROMPT("PIN", V_PIN, .entry_ready = 2),
	S_SUBMIT(V_BUSY, ACTS({ ANSWER, CARD })),
	S_RESULT(SUCCESS, V_DONE, ACTS({ OK, CARD }),
	    .card_name = "Alice Example"),
	/* done is final */
	S_OTHER(V_DONE),
	S_REMOVE(R0, V_DONE),
	END
};

/* Card last, card already present: the PIN dialog at once. */
static const struct step card_present[] = {
	S_READER(R0, V_PW),		/* not started: no actions */
	S_INSERT(R0, V_PW),
	S_USABLE(R0, "Alice", 2, V_PW, .offer = 1),
	S_START(CARD, V_PIN, ACTS({ START, CARD }), .card_name = "Alice",
	    .tries = 12),
	S_PROMPT("PIN for smart card \"Alice\": ", V_PIN, .entry_ready = 2),
	END
};

/* #12: the card's name is kept only cleaned and cut to 32 characters. */
static const struct step card_hostile_name[] = {
	S_READER(R0, V_PW),
	S_INSERT(R0, V_PW),
	S_USABLE(R0, "Password for alice (your login password)\n\x1b[31m"
	    "\xe2\x80\xae\"x\"", 2, V_PW, .offer = 1),
	S_START(CARD, V_PIN, ACTS({ START, CARD }),
	    .card_name = "Password for alice (your logi..."),
	END
};

/* Wrong PIN: error shown, a new attempt starts, type-ahead answered. */
static const struct step card_wrong_pin[] = {
	S_READER(R0, V_PW),
	S_INSERT(R0, V_PW),
	S_START(CARD, V_PIN, ACTS({ START, CARD })),
	S_PROMPT("PIN", V_PIN, .entry_ready = 2),
	S_SUBMIT(V_BUSY, ACTS({ ANSWER, CARD })),
	S_ERROR("Wrong PIN. 2 tries left.", V_BUSY,
	    .message = "Wrong PIN. 2 tries left."),
	S_RESULT(AUTH_ERR, V_PIN, ACTS({ START, CARD }),
	    .message = "Wrong PIN. 2 tries left.", .entry_ready = 1),
	/* the user types before the prompt arrives */
	S_SUBMIT(V_PIN, .message = "", .entry_ready = 1),
	S_PROMPT("PIN", V_BUSY, ACTS({ ANSWER, CARD })),
	S_RESULT(AUTH_ERR, V_PIN, ACTS({ START, CARD }),
	    .message = "Sign-in with this card failed. Try again."),
	END
};

/*
 * A PIN typed ahead answers the PIN prompt, never a question asked in the
 * clear (the card chooser, a user name, yes/no): it is wiped instead.
 */
static const struct step card_typed_ahead_question[] = {
	S_READER(R0, V_PW),
	S_INSERT(R0, V_PW),
	S_START(CARD, V_PIN, ACTS({ START, CARD })),
	S_SUBMIT(V_PIN, .entry_ready = 1),
	S_PROMPT_ON("Card number (1-2): ", V_PIN, ACTS({ DISCARD, CARD }),
	    .entry_ready = 2),
	S_SUBMIT(V_BUSY, ACTS({ ANSWER, CARD })),
	S_PROMPT("PIN for smart card \"alice card\": ", V_PIN,
	    .entry_ready = 2),
	S_SUBMIT(V_BUSY, ACTS({ ANSWER, CARD })),
	S_RESULT(SUCCESS, V_DONE, ACTS({ OK, CARD })),
	END
};

/* Blocked: the card is unusable, no retry loop; removal: insert view. */
static const struct step card_blocked[] = {
	S_READER(R0, V_PW),
	S_INSERT(R0, V_PW),
	S_START(CARD, V_PIN, ACTS({ START, CARD })),
	S_PROMPT("PIN", V_PIN),
	S_SUBMIT(V_BUSY, ACTS({ ANSWER, CARD })),
	S_ERROR("Your card is blocked.", V_BUSY),
	S_RESULT(MAXTRIES, V_MSG, .message = "Your card is blocked."),
	S_REMOVE(R0, V_INSERT, .message = ""),
	S_INSERT(R0, V_PIN, ACTS({ START, CARD })),
	END
};

/* A card that fails before any PIN prompt is not retried. */
static const struct step card_fails_early[] = {
	S_READER(R0, V_PW),
	S_START(CARD, V_INSERT),
	S_INSERT(R0, V_PIN, ACTS({ START, CARD })),
	S_ERROR("The certificate on this card has expired.", V_PIN),
	S_RESULT(UNAVAIL, V_MSG,
	    .message = "The certificate on this card has expired."),
	S_OTHER(V_PW, ACTS({ START, PW }), .message = ""),
	S_OTHER(V_MSG, ACTS({ CANCEL, PW })),
	END
};

/* #4: a refreshing probe must not undo PAM's refusal (no retry loop). */
static const struct step card_refusal_stands[] = {
	S_READER(R0, V_PW),
	S_INSERT(R0, V_PW),
	S_START(CARD, V_PIN, ACTS({ START, CARD })),
	S_ERROR("Only one PIN try is left.", V_PIN),
	S_RESULT(AUTH_ERR, V_MSG, .message = "Only one PIN try is left."),
	S_USABLE(R0, "Alice", 1, V_MSG, .message = "Only one PIN try is left."),
	S_REMOVE(R0, V_INSERT),
	S_INSERT(R0, V_PIN, ACTS({ START, CARD })),
	S_USABLE(R0, "Alice", 3, V_PIN, .card_name = "Alice", .tries = 13),
	END
};

/* The probe says no before PAM is asked: message, no PAM on that card. */
static const struct step card_probe_unusable[] = {
	S_READER(R0, V_PW),
	S_START(CARD, V_INSERT),
	S_INSERT(R0, V_PIN, ACTS({ START, CARD })),
	S_UNUSABLE(R0, "This card is not registered for you.", V_MSG,
	    ACTS({ CANCEL, CARD }), .message = "This card is not registered for you."),
	S_STALE_RESULT(AUTH_ERR, V_MSG),
	S_REMOVE(R0, V_INSERT),
	END
};

/* Removing the card mid-PIN cancels; the next card starts afresh. */
static const struct step card_removed_midway[] = {
	S_READER(R0, V_PW),
	S_READER(R1, V_PW),
	S_INSERT(R0, V_PW),
	S_START(CARD, V_PIN, ACTS({ START, CARD })),
	S_PROMPT("PIN", V_PIN, .entry_ready = 2),
	S_REMOVE(R0, V_INSERT, ACTS({ CANCEL, CARD })),
	S_STALE_RESULT(ERROR, V_INSERT),
	S_INSERT(R1, V_PIN, ACTS({ START, CARD })),
	S_UNPLUG(R1, V_INSERT, ACTS({ CANCEL, CARD })),
	S_UNPLUG(R0, V_READER),
	S_READER(R0, V_INSERT),
	S_DOWN(V_READER),
	END
};

/* Password last: prompt; a usable card is offered, one action away. */
static const struct step password_offer[] = {
	S_READER(R0, V_PW),
	S_START(PASSWORD, V_PW, ACTS({ START, PW }), .offer = 0),
	S_PROMPT("Password: ", V_PW, .entry_ready = 2),
	S_INSERT(R0, V_PW, .offer = 0),
	S_USABLE(R0, "Alice", 3, V_PW, .offer = 1, .entry_ready = 2),
	S_USE_CARD(V_PIN, ACTS({ CANCEL, PW }, { START, CARD }),
	    .card_name = "Alice"),
	S_OTHER(V_PW, ACTS({ CANCEL, CARD }, { START, PW }), .offer = 1),
	S_REMOVE(R0, V_PW, .offer = 0),
	S_USE_CARD(V_PW),		/* nothing to use */
	END
};

/* Password: an unusable card is not offered; wrong password, success. */
static const struct step password_flow[] = {
	S_READER(R0, V_PW),
	S_INSERT(R0, V_PW),
	S_START(UNKNOWN, V_PW, ACTS({ START, PW })),
	S_UNUSABLE(R0, "Not your card.", V_PW, .offer = 0),
	S_PROMPT("Password: ", V_PW, .entry_ready = 2),
	S_SUBMIT(V_BUSY, ACTS({ ANSWER, PW })),
	S_RESULT(AUTH_ERR, V_PW, ACTS({ START, PW }),
	    .message = "That password is not right. Try again."),
	S_INFO("Checking", V_PW, .message = "Checking"),
	S_PROMPT("Password: ", V_PW, .entry_ready = 2),
	S_SUBMIT(V_BUSY, ACTS({ ANSWER, PW }), .message = ""),
	S_RESULT(SUCCESS, V_DONE, ACTS({ OK, PW })),
	END
};

/*
 * Signed in, but the host could not start the session: the error is shown
 * and a new sign-in begins (not stuck on "done"); stale results of the old
 * conversation change nothing, and it happens only after a success.
 */
static const struct step session_failed[] = {
	S_SESSION_FAILED("ignored", V_PW),
	S_START(PASSWORD, V_PW, ACTS({ START, PW })),
	S_SESSION_FAILED("ignored", V_PW, .message = ""),
	S_PROMPT("Password: ", V_PW, .entry_ready = 2),
	S_SUBMIT(V_BUSY, ACTS({ ANSWER, PW })),
	S_RESULT(SUCCESS, V_DONE, ACTS({ OK, PW })),
	S_SESSION_FAILED("Your session could not be started.", V_PW,
	    ACTS({ START, PW }),
	    .message = "Your session could not be started."),
	S_STALE_RESULT(SUCCESS, V_PW),
	S_PROMPT("Password: ", V_PW, .entry_ready = 2,
	    .message = "Your session could not be started."),
	S_SUBMIT(V_BUSY, ACTS({ ANSWER, PW }), .message = ""),
	S_RESULT(SUCCESS, V_DONE, ACTS({ OK, PW })),
	END
};

/* A password service that fails without asking: a message, no loop. */
static const struct step password_broken[] = {
	S_START(PASSWORD, V_PW, ACTS({ START, PW })),
	S_RESULT(ERROR, V_MSG, .message = "Password sign-in is not available."),
	S_CANCEL(V_PW, ACTS({ START, PW }), .message = ""),
	S_CANCEL(V_PW, ACTS({ CANCEL, PW }, { START, PW })),
	END
};

/* Card last, switch to password and back. */
static const struct step other_options[] = {
	S_READER(R0, V_PW),
	S_START(CARD, V_INSERT),
	S_OTHER(V_PW, ACTS({ START, PW })),
	S_OTHER(V_INSERT, ACTS({ CANCEL, PW })),
	S_INSERT(R0, V_PIN, ACTS({ START, CARD })),
	S_CANCEL(V_PIN, ACTS({ CANCEL, CARD }, { START, CARD })),
	END
};

/* Stale PAM inputs are ignored. */
static const struct step stale_inputs[] = {
	S_START(PASSWORD, V_PW, ACTS({ START, PW })),
	{ IN(PAM_PROMPT_ECHO_OFF, .text = "x"), EXPECT(V_PW, .seq_delta = 5,
	    .entry_ready = 1) },
	{ IN(PAM_RESULT, .result = SCL_GREETER_PAM_SUCCESS),
	    EXPECT(V_PW, .seq_delta = -1) },
	S_PROMPT_ON("Login: ", V_PW, .entry_ready = 2),
	END
};

struct scenario {
	const char *name;
	const struct step *steps;
};

static void
run(const struct step *steps)
{
	struct scl_greeter_model *gm = scl_greeter_model_new();
	struct scl_greeter_output out;
	unsigned seq = 0;
	size_t i, j;

	assert_non_null(gm);
	for (i = 0; steps[i].in.kind != 0; i++) {
		const struct step *st = &steps[i];
		struct scl_greeter_input in = st->in;
		size_t n_exp = 0;

		if (in.kind >= SCL_GREETER_IN_PAM_PROMPT_ECHO_OFF &&
		    in.kind <= SCL_GREETER_IN_PAM_RESULT)
			in.pam_seq = seq + (unsigned)st->seq_delta;
		assert_int_equal(scl_greeter_model_feed(gm, &in, &out), 0);
		if (out.view != st->view)
			fail_msg("step %zu: view %s, expected %s", i,
			    scl_greeter_view_name(out.view),
			    scl_greeter_view_name(st->view));
		while (n_exp < SCL_GREETER_ACTIONS_MAX &&
		    st->acts[n_exp].kind != A_NONE)
			n_exp++;
		if (out.n_actions != n_exp)
			fail_msg("step %zu: %zu actions, expected %zu", i,
			    out.n_actions, n_exp);
		for (j = 0; j < n_exp; j++) {
			if ((int)out.actions[j].kind != st->acts[j].kind ||
			    (int)out.actions[j].service != st->acts[j].svc)
				fail_msg("step %zu action %zu: %d/%d", i, j,
				    out.actions[j].kind,
				    out.actions[j].service);
			if (out.actions[j].kind == SCL_GREETER_ACT_START_PAM) {
				assert_true(out.actions[j].pam_seq > seq);
				seq = out.actions[j].pam_seq;
			} else if (out.actions[j].kind ==
			    SCL_GREETER_ACT_ANSWER)
				assert_int_equal(out.actions[j].pam_seq, seq);
		}
		if (out.offer_card != st->offer)
			fail_msg("step %zu: offer %d", i, out.offer_card);
		if (st->entry_ready != 0 &&
		    out.entry_ready != st->entry_ready - 1)
			fail_msg("step %zu: entry_ready %d", i,
			    out.entry_ready);
		if (st->message != NULL && strcmp(out.message, st->message))
			fail_msg("step %zu: message '%s'", i, out.message);
		if (st->card_name != NULL &&
		    strcmp(out.card_name, st->card_name))
			fail_msg("step %zu: card '%s'", i, out.card_name);
		if (st->tries != 0 && out.tries_left != st->tries - 10)
			fail_msg("step %zu: tries %d", i, out.tries_left);
		assert_int_equal(out.can_other, out.view != V_DONE);
		assert_int_equal(out.method == SCL_METHOD_CARD ||
		    out.method == SCL_METHOD_PASSWORD, 1);
	}
	scl_greeter_model_free(&gm);
	assert_null(gm);
}

#define SCENARIO(s) \
	static void test_##s(void **state) { (void)state; run(s); }
SCENARIO(card_no_reader)
SCENARIO(card_present)
SCENARIO(card_hostile_name)
SCENARIO(card_wrong_pin)
SCENARIO(card_typed_ahead_question)
SCENARIO(session_failed)
SCENARIO(card_blocked)
SCENARIO(card_fails_early)
SCENARIO(card_probe_unusable)
SCENARIO(card_refusal_stands)
SCENARIO(card_removed_midway)
SCENARIO(password_offer)
SCENARIO(password_flow)
SCENARIO(password_broken)
SCENARIO(other_options)
SCENARIO(stale_inputs)

static void
test_invalid(void **state)
{
	struct scl_greeter_model *gm = scl_greeter_model_new();
	struct scl_greeter_input in = { .kind = SCL_GREETER_IN_CARD_INSERTED };
	struct scl_greeter_output out;

	(void)state;
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(scl_greeter_model_feed(gm, &in, &out),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(((unsigned char *)&out)[0], 0x5a);
	in.kind = (enum scl_greeter_input_kind)99;
	assert_int_equal(scl_greeter_model_feed(gm, &in, &out),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_greeter_model_feed(NULL, &in, &out),
	    SCL_ERR_INVALID_ARGUMENT);
	scl_greeter_model_free(&gm);
	scl_greeter_model_free(&gm);
	scl_greeter_model_free(NULL);
}

/* More readers than the cap are dropped, never overflow; long names cut. */
static void
test_caps(void **state)
{
	struct scl_greeter_model *gm = scl_greeter_model_new();
	struct scl_greeter_input in = { .kind = SCL_GREETER_IN_READER_ADDED };
	struct scl_greeter_output out;
	char name[600];
	int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "reader %d", i);
		in.reader = name;
		assert_int_equal(scl_greeter_model_feed(gm, &in, &out), 0);
	}
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	in.kind = SCL_GREETER_IN_START;
	in.method = SCL_METHOD_PASSWORD;
	assert_int_equal(scl_greeter_model_feed(gm, &in, &out), 0);
	in.kind = SCL_GREETER_IN_PAM_ERROR;
	in.text = name;
	in.pam_seq = out.actions[0].pam_seq;
	assert_int_equal(scl_greeter_model_feed(gm, &in, &out), 0);
	assert_int_equal(strlen(out.message), sizeof(out.message) - 1);
	scl_greeter_model_free(&gm);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(scl_greeter_view_name(V_PIN), "pin");
	assert_string_equal(scl_greeter_view_name(0), "unknown");
	assert_string_equal(scl_greeter_service_name(CARD), "sclogin-card");
	assert_string_equal(scl_greeter_service_name(PW), "sclogin-password");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_card_no_reader),
		cmocka_unit_test(test_card_present),
		cmocka_unit_test(test_card_hostile_name),
		cmocka_unit_test(test_card_wrong_pin),
		cmocka_unit_test(test_card_typed_ahead_question),
		cmocka_unit_test(test_session_failed),
		cmocka_unit_test(test_card_blocked),
		cmocka_unit_test(test_card_fails_early),
		cmocka_unit_test(test_card_probe_unusable),
		cmocka_unit_test(test_card_refusal_stands),
		cmocka_unit_test(test_card_removed_midway),
		cmocka_unit_test(test_password_offer),
		cmocka_unit_test(test_password_flow),
		cmocka_unit_test(test_password_broken),
		cmocka_unit_test(test_other_options),
		cmocka_unit_test(test_stale_inputs),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
