/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_GREETER_MODEL_H
#define SCL_GREETER_MODEL_H

#include <stddef.h>

#include "record.h"

/*
 * The greeter's controller: a pure-C state machine (no GTK, no GLib, no
 * I/O) that every host (sclogin-greeter, the LightDM greeter) drives the
 * same way and that is unit-tested without a display.
 *
 * Inputs are facts: reader and card events from the monitor, the verdict
 * of a PIN-free probe of a card ("can this card sign this user in?"), the
 * PAM conversation and result of the transaction the model asked for, and
 * the user's actions.  The output of every step is the complete state to
 * render (idempotent: a host may redraw from it alone) plus at most
 * SCL_GREETER_ACTIONS_MAX actions the host carries out in order.
 *
 * Secrets never enter the model: "submit" carries no text.  The answer
 * action tells the host to hand the entry's text straight to the pending
 * PAM prompt (and wipe it).
 *
 * Behaviour (issue #4):
 *  - It opens on the user's last method (SCL_METHOD_UNKNOWN counts as
 *    password).  Card: a card present -> the PIN view at once (PAM service
 *    "card" started, type-ahead kept until its prompt arrives); none ->
 *    "insert your card", or "connect a reader" when there is no reader;
 *    a card that cannot sign this user in -> a message naming the reason.
 *  - Password: the password prompt; a card probed usable for this user is
 *    offered (offer_card) and one action (USE_CARD) switches to it.
 *  - OTHER_OPTIONS switches method from every view but DONE.
 *  - A card attempt that fails after the PIN was submitted starts a new
 *    attempt (the error stays shown); one that fails before any PIN was
 *    asked marks the card unusable (no retry loop).  Blocked PIN: unusable.
 *  - A card found unusable (probe or PAM) stays so until it is removed: a
 *    later CARD_USABLE (a refreshing probe) does not undo it.
 *  - Removing the card in use cancels its PAM transaction.
 *  - PAM inputs carry the seq of the START_PAM they answer; stale ones
 *    (from a cancelled transaction) are ignored.
 *
 * Threading: none; call from one thread.  Strings in inputs are copied
 * (truncated to the buffer sizes below); inputs may be freed after feed().
 */

#define SCL_GREETER_READERS_MAX 8
#define SCL_GREETER_READER_MAX 128
#define SCL_GREETER_NAME_MAX 128
#define SCL_GREETER_TEXT_MAX 256
#define SCL_GREETER_ACTIONS_MAX 3

enum scl_greeter_view {
	SCL_GREETER_VIEW_INSERT_CARD = 1,	/* "Insert your smart card" */
	SCL_GREETER_VIEW_CONNECT_READER,	/* "Connect a reader" */
	SCL_GREETER_VIEW_PIN,			/* PIN, card name, tries */
	SCL_GREETER_VIEW_PASSWORD,		/* password entry */
	SCL_GREETER_VIEW_BUSY,			/* PAM checking */
	SCL_GREETER_VIEW_MESSAGE,		/* a sentence, no entry */
	SCL_GREETER_VIEW_DONE,			/* signed in */
};

enum scl_greeter_service {
	SCL_GREETER_SERVICE_CARD = 1,		/* PAM: sclogin-card */
	SCL_GREETER_SERVICE_PASSWORD,		/* PAM: sclogin-password */
};

enum scl_greeter_pam_result {
	SCL_GREETER_PAM_SUCCESS = 0,
	SCL_GREETER_PAM_AUTH_ERR,	/* wrong PIN/password, bad cert */
	SCL_GREETER_PAM_UNAVAIL,	/* PAM_AUTHINFO_UNAVAIL: no card */
	SCL_GREETER_PAM_MAXTRIES,	/* PIN blocked */
	SCL_GREETER_PAM_ERROR,		/* anything else */
};

enum scl_greeter_input_kind {
	SCL_GREETER_IN_START = 1,	/* method */
	SCL_GREETER_IN_READER_ADDED,	/* reader */
	SCL_GREETER_IN_READER_REMOVED,	/* reader */
	SCL_GREETER_IN_CARD_INSERTED,	/* reader */
	SCL_GREETER_IN_CARD_REMOVED,	/* reader */
	SCL_GREETER_IN_SERVICE_DOWN,	/* pcscd gone: forget all readers */
	SCL_GREETER_IN_CARD_USABLE,	/* reader, text = card name, card_id,
					 * tries_left */
	SCL_GREETER_IN_CARD_UNUSABLE,	/* reader, text = user sentence */
	SCL_GREETER_IN_PAM_PROMPT_ECHO_OFF,	/* pam_seq, text */
	SCL_GREETER_IN_PAM_PROMPT_ECHO_ON,	/* pam_seq, text */
	SCL_GREETER_IN_PAM_INFO,		/* pam_seq, text */
	SCL_GREETER_IN_PAM_ERROR,		/* pam_seq, text */
	SCL_GREETER_IN_PAM_RESULT,		/* pam_seq, result */
	SCL_GREETER_IN_SUBMIT,		/* Enter / the sign-in button */
	SCL_GREETER_IN_OTHER_OPTIONS,	/* "Other sign-in options" */
	SCL_GREETER_IN_USE_CARD,	/* accept the card offer */
	SCL_GREETER_IN_CANCEL,		/* Escape: abandon this attempt */
	SCL_GREETER_IN_SESSION_FAILED,	/* text: signed in, but the host could
					 * not start the session: say so and
					 * let the user sign in again */
};

struct scl_greeter_input {
	enum scl_greeter_input_kind kind;
	const char *reader;		/* reader/card events only */
	const char *text;		/* NULL allowed */
	const char *card_id;		/* NULL allowed */
	int tries_left;			/* -1 unknown */
	unsigned pam_seq;
	enum scl_greeter_pam_result result;
	enum scl_method method;
};

enum scl_greeter_action_kind {
	SCL_GREETER_ACT_START_PAM = 1,	/* service, pam_seq (new) */
	SCL_GREETER_ACT_ANSWER,		/* pam_seq: the entry text */
	SCL_GREETER_ACT_CANCEL_PAM,	/* pam_seq: abandon it */
	SCL_GREETER_ACT_SUCCEEDED,	/* signed in: write the record */
	SCL_GREETER_ACT_DISCARD,	/* pam_seq: wipe the entry text typed
					 * ahead (hidden, a PIN or password)
					 * when the prompt that came asks in
					 * the clear: a secret never answers
					 * an echo-on question */
};

struct scl_greeter_action {
	enum scl_greeter_action_kind kind;
	enum scl_greeter_service service;
	unsigned pam_seq;
};

enum scl_greeter_msg {
	SCL_GREETER_MSG_NONE = 0,
	SCL_GREETER_MSG_INFO,
	SCL_GREETER_MSG_ERROR,
};

struct scl_greeter_output {
	enum scl_greeter_view view;
	enum scl_method method;		/* CARD or PASSWORD */
	char reader[SCL_GREETER_READER_MAX];	/* card in use / offered */
	char card_name[SCL_GREETER_NAME_MAX];	/* "" unknown */
	char card_id[65];
	int tries_left;			/* -1 unknown */
	char prompt[SCL_GREETER_TEXT_MAX];	/* entry label (PAM's text) */
	int prompt_echo;		/* the entry shows what is typed */
	int entry_ready;		/* a PAM prompt is waiting for input */
	char message[SCL_GREETER_TEXT_MAX];
	enum scl_greeter_msg message_kind;
	int offer_card;			/* password view: card usable */
	int can_other;			/* "Other sign-in options" */
	struct scl_greeter_action actions[SCL_GREETER_ACTIONS_MAX];
	size_t n_actions;
};

struct scl_greeter_model;

/* NULL on out of memory. */
struct scl_greeter_model *scl_greeter_model_new(void);
void scl_greeter_model_free(struct scl_greeter_model **gmp);

/*
 * Feed one input.  Returns 0 with *ret_out filled (view and actions), or
 * SCL_ERR_INVALID_ARGUMENT for a malformed input (unknown kind, missing
 * reader) with *ret_out untouched and the state unchanged.  Events before
 * START only update the picture of readers and cards and give no actions.
 */
int scl_greeter_model_feed(struct scl_greeter_model *gm,
    const struct scl_greeter_input *in, struct scl_greeter_output *ret_out);

/* The current view without an input (no actions). */
void scl_greeter_model_render(const struct scl_greeter_model *gm,
    struct scl_greeter_output *ret_out);

const char *scl_greeter_view_name(enum scl_greeter_view v);
const char *scl_greeter_service_name(enum scl_greeter_service s);

#endif
