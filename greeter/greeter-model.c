/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "greeter-model.h"
#include "i18n.h"
#include "label.h"

enum usability {
	USABLE_UNKNOWN = -1,
	USABLE_NO = 0,
	USABLE_YES = 1,
};

struct slot {
	char reader[SCL_GREETER_READER_MAX];
	int present;
	enum usability usable;
	char name[SCL_GREETER_NAME_MAX];
	char card_id[65];
	int tries;
	char reason[SCL_GREETER_TEXT_MAX];
};

struct scl_greeter_model {
	int started;
	int done;
	enum scl_method method;
	struct slot s[SCL_GREETER_READERS_MAX];
	size_t n;

	unsigned seq;
	int pam_active;
	enum scl_greeter_service svc;
	char pam_reader[SCL_GREETER_READER_MAX];
	int prompt_pending;
	int prompt_echo;
	char prompt[SCL_GREETER_TEXT_MAX];
	int typed_ahead;
	int answered;
	int busy;
	int password_unavailable;

	char msg[SCL_GREETER_TEXT_MAX];
	enum scl_greeter_msg msg_kind;
};

static void
copy_str(char *dst, size_t cap, const char *src)
{
	if (src == NULL)
		src = "";
	snprintf(dst, cap, "%s", src);
}

static int
slot_index(const struct scl_greeter_model *gm, const char *reader)
{
	size_t i;

	for (i = 0; i < gm->n; i++)
		if (strcmp(gm->s[i].reader, reader) == 0)
			return (int)i;
	return -1;
}

static struct slot *
find_slot(struct scl_greeter_model *gm, const char *reader)
{
	int i = slot_index(gm, reader);

	return i < 0 ? NULL : &gm->s[i];
}

static struct slot *
add_slot(struct scl_greeter_model *gm, const char *reader)
{
	struct slot *sl = find_slot(gm, reader);

	if (sl != NULL)
		return sl;
	if (gm->n >= SCL_GREETER_READERS_MAX)
		return NULL;
	sl = &gm->s[gm->n++];
	memset(sl, 0, sizeof(*sl));
	copy_str(sl->reader, sizeof(sl->reader), reader);
	sl->usable = USABLE_UNKNOWN;
	sl->tries = -1;
	return sl;
}

static void
card_gone(struct slot *sl)
{
	sl->present = 0;
	sl->usable = USABLE_UNKNOWN;
	sl->name[0] = '\0';
	sl->card_id[0] = '\0';
	sl->reason[0] = '\0';
	sl->tries = -1;
}

static void
remove_slot(struct scl_greeter_model *gm, const char *reader)
{
	size_t i;

	for (i = 0; i < gm->n; i++) {
		if (strcmp(gm->s[i].reader, reader) != 0)
			continue;
		memmove(&gm->s[i], &gm->s[i + 1],
		    (gm->n - i - 1) * sizeof(gm->s[0]));
		gm->n--;
		return;
	}
}

/* The card the card method uses: first present, not known unusable. */
static const struct slot *
card_for_signin(const struct scl_greeter_model *gm)
{
	size_t i;

	for (i = 0; i < gm->n; i++)
		if (gm->s[i].present && gm->s[i].usable != USABLE_NO)
			return &gm->s[i];
	return NULL;
}

static const struct slot *
card_usable(const struct scl_greeter_model *gm)
{
	size_t i;

	for (i = 0; i < gm->n; i++)
		if (gm->s[i].present && gm->s[i].usable == USABLE_YES)
			return &gm->s[i];
	return NULL;
}

static const struct slot *
card_refused(const struct scl_greeter_model *gm)
{
	size_t i;

	for (i = 0; i < gm->n; i++)
		if (gm->s[i].present && gm->s[i].usable == USABLE_NO)
			return &gm->s[i];
	return NULL;
}

static void
set_msg(struct scl_greeter_model *gm, enum scl_greeter_msg kind,
    const char *text)
{
	gm->msg_kind = kind;
	copy_str(gm->msg, sizeof(gm->msg), text);
	if (gm->msg[0] == '\0')
		gm->msg_kind = SCL_GREETER_MSG_NONE;
}

static void
push(struct scl_greeter_output *out, enum scl_greeter_action_kind kind,
    enum scl_greeter_service svc, unsigned seq)
{
	if (out->n_actions >= SCL_GREETER_ACTIONS_MAX)
		return;
	out->actions[out->n_actions].kind = kind;
	out->actions[out->n_actions].service = svc;
	out->actions[out->n_actions].pam_seq = seq;
	out->n_actions++;
}

static void
pam_reset(struct scl_greeter_model *gm)
{
	gm->pam_active = 0;
	gm->pam_reader[0] = '\0';
	gm->prompt_pending = 0;
	gm->prompt_echo = 0;
	gm->prompt[0] = '\0';
	gm->typed_ahead = 0;
	gm->answered = 0;
	gm->busy = 0;
}

static void
cancel_pam(struct scl_greeter_model *gm, struct scl_greeter_output *out)
{
	if (!gm->pam_active)
		return;
	push(out, SCL_GREETER_ACT_CANCEL_PAM, gm->svc, gm->seq);
	pam_reset(gm);
}

static void
start_pam(struct scl_greeter_model *gm, enum scl_greeter_service svc,
    const char *reader, struct scl_greeter_output *out)
{
	pam_reset(gm);
	gm->seq++;
	gm->pam_active = 1;
	gm->svc = svc;
	copy_str(gm->pam_reader, sizeof(gm->pam_reader), reader);
	push(out, SCL_GREETER_ACT_START_PAM, svc, gm->seq);
}

/*
 * Bring the PAM transaction in line with the method and the cards: the
 * only place transactions are started, and where a card attempt whose
 * card went away is dropped.
 */
static void
settle(struct scl_greeter_model *gm, struct scl_greeter_output *out)
{
	const struct slot *sl;

	if (!gm->started || gm->done)
		return;
	if (gm->pam_active && gm->svc == SCL_GREETER_SERVICE_CARD) {
		sl = find_slot(gm, gm->pam_reader);
		if (gm->method != SCL_METHOD_CARD || sl == NULL ||
		    !sl->present || sl->usable == USABLE_NO)
			cancel_pam(gm, out);
	} else if (gm->pam_active && gm->method != SCL_METHOD_PASSWORD)
		cancel_pam(gm, out);
	if (gm->pam_active)
		return;
	if (gm->method == SCL_METHOD_CARD) {
		sl = card_for_signin(gm);
		if (sl != NULL)
			start_pam(gm, SCL_GREETER_SERVICE_CARD, sl->reader,
			    out);
	} else if (!gm->password_unavailable)
		start_pam(gm, SCL_GREETER_SERVICE_PASSWORD, NULL, out);
}

static void
switch_method(struct scl_greeter_model *gm, enum scl_method m,
    struct scl_greeter_output *out)
{
	if (gm->method == m)
		return;
	cancel_pam(gm, out);
	gm->method = m;
	gm->password_unavailable = 0;
	set_msg(gm, SCL_GREETER_MSG_NONE, NULL);
}

static void
pam_finished(struct scl_greeter_model *gm, enum scl_greeter_pam_result res,
    struct scl_greeter_output *out)
{
	struct slot *sl = NULL;
	int answered = gm->answered;
	enum scl_greeter_service svc = gm->svc;

	if (gm->svc == SCL_GREETER_SERVICE_CARD)
		sl = find_slot(gm, gm->pam_reader);
	if (res == SCL_GREETER_PAM_SUCCESS) {
		gm->done = 1;
		if (sl != NULL)
			copy_str(gm->pam_reader, sizeof(gm->pam_reader),
			    sl->reader);
		gm->prompt_pending = 0;
		gm->busy = 0;
		set_msg(gm, SCL_GREETER_MSG_NONE, NULL);
		push(out, SCL_GREETER_ACT_SUCCEEDED, gm->svc, gm->seq);
		return;
	}
	pam_reset(gm);
	if (svc == SCL_GREETER_SERVICE_PASSWORD) {
		if (!answered) {
			gm->password_unavailable = 1;
			if (gm->msg_kind != SCL_GREETER_MSG_ERROR)
				set_msg(gm, SCL_GREETER_MSG_ERROR,
				    N_("Password sign-in is not available."));
		} else if (gm->msg_kind != SCL_GREETER_MSG_ERROR)
			set_msg(gm, SCL_GREETER_MSG_ERROR,
			    N_("That password is not right. Try again."));
		return;
	}
	if (sl == NULL || !sl->present)
		return;
	if (res == SCL_GREETER_PAM_MAXTRIES) {
		sl->usable = USABLE_NO;
		copy_str(sl->reason, sizeof(sl->reason),
		    gm->msg_kind == SCL_GREETER_MSG_ERROR ? gm->msg :
		    N_("The PIN of this card is blocked."));
		set_msg(gm, SCL_GREETER_MSG_NONE, NULL);
	} else if (!answered) {
		sl->usable = USABLE_NO;
		copy_str(sl->reason, sizeof(sl->reason),
		    gm->msg_kind == SCL_GREETER_MSG_ERROR ? gm->msg :
		    N_("This card cannot sign you in."));
		set_msg(gm, SCL_GREETER_MSG_NONE, NULL);
	} else if (gm->msg_kind != SCL_GREETER_MSG_ERROR)
		set_msg(gm, SCL_GREETER_MSG_ERROR,
		    N_("Sign-in with this card failed. Try again."));
}

void
scl_greeter_model_render(const struct scl_greeter_model *gm,
    struct scl_greeter_output *ret_out)
{
	const struct slot *sl = NULL;
	int i;

	memset(ret_out, 0, sizeof(*ret_out));
	ret_out->tries_left = -1;
	ret_out->method = gm->method == SCL_METHOD_CARD ? SCL_METHOD_CARD :
	    SCL_METHOD_PASSWORD;
	ret_out->can_other = !gm->done;
	copy_str(ret_out->message, sizeof(ret_out->message), gm->msg);
	ret_out->message_kind = gm->msg_kind;

	if (gm->pam_active && gm->svc == SCL_GREETER_SERVICE_CARD)
		sl = (i = slot_index(gm, gm->pam_reader)) < 0 ? NULL :
		    &gm->s[i];
	if (gm->done) {
		ret_out->view = SCL_GREETER_VIEW_DONE;
		ret_out->message_kind = SCL_GREETER_MSG_NONE;
		ret_out->message[0] = '\0';
	} else if (gm->busy)
		ret_out->view = SCL_GREETER_VIEW_BUSY;
	else if (ret_out->method == SCL_METHOD_CARD) {
		if (sl != NULL)
			ret_out->view = SCL_GREETER_VIEW_PIN;
		else if ((sl = card_refused(gm)) != NULL) {
			ret_out->view = SCL_GREETER_VIEW_MESSAGE;
			ret_out->message_kind = SCL_GREETER_MSG_ERROR;
			copy_str(ret_out->message, sizeof(ret_out->message),
			    sl->reason[0] != '\0' ? sl->reason :
			    N_("This card cannot sign you in."));
		} else if (gm->n == 0)
			ret_out->view = SCL_GREETER_VIEW_CONNECT_READER;
		else
			ret_out->view = SCL_GREETER_VIEW_INSERT_CARD;
	} else if (gm->password_unavailable)
		ret_out->view = SCL_GREETER_VIEW_MESSAGE;
	else {
		ret_out->view = SCL_GREETER_VIEW_PASSWORD;
		sl = card_usable(gm);
		ret_out->offer_card = sl != NULL;
	}

	if (gm->done && gm->svc == SCL_GREETER_SERVICE_CARD)
		sl = (i = slot_index(gm, gm->pam_reader)) < 0 ? NULL :
		    &gm->s[i];
	if (sl != NULL) {
		copy_str(ret_out->reader, sizeof(ret_out->reader), sl->reader);
		copy_str(ret_out->card_name, sizeof(ret_out->card_name),
		    sl->name);
		copy_str(ret_out->card_id, sizeof(ret_out->card_id),
		    sl->card_id);
		ret_out->tries_left = sl->tries;
	}
	if (gm->pam_active && !gm->done) {
		copy_str(ret_out->prompt, sizeof(ret_out->prompt), gm->prompt);
		ret_out->prompt_echo = gm->prompt_echo;
		ret_out->entry_ready = gm->prompt_pending;
	}
}

static int
check_input(const struct scl_greeter_input *in)
{
	switch (in->kind) {
	case SCL_GREETER_IN_READER_ADDED:
	case SCL_GREETER_IN_READER_REMOVED:
	case SCL_GREETER_IN_CARD_INSERTED:
	case SCL_GREETER_IN_CARD_REMOVED:
	case SCL_GREETER_IN_CARD_USABLE:
	case SCL_GREETER_IN_CARD_UNUSABLE:
		return in->reader != NULL && in->reader[0] != '\0' ? 0 :
		    SCL_ERR_INVALID_ARGUMENT;
	case SCL_GREETER_IN_START:
	case SCL_GREETER_IN_SERVICE_DOWN:
	case SCL_GREETER_IN_PAM_PROMPT_ECHO_OFF:
	case SCL_GREETER_IN_PAM_PROMPT_ECHO_ON:
	case SCL_GREETER_IN_PAM_INFO:
	case SCL_GREETER_IN_PAM_ERROR:
	case SCL_GREETER_IN_PAM_RESULT:
	case SCL_GREETER_IN_SUBMIT:
	case SCL_GREETER_IN_OTHER_OPTIONS:
	case SCL_GREETER_IN_USE_CARD:
	case SCL_GREETER_IN_CANCEL:
	case SCL_GREETER_IN_SESSION_FAILED:
		return 0;
	}
	return SCL_ERR_INVALID_ARGUMENT;
}

static int
is_pam_input(enum scl_greeter_input_kind k)
{
	return k >= SCL_GREETER_IN_PAM_PROMPT_ECHO_OFF &&
	    k <= SCL_GREETER_IN_PAM_RESULT;
}

int
scl_greeter_model_feed(struct scl_greeter_model *gm,
    const struct scl_greeter_input *in, struct scl_greeter_output *ret_out)
{
	struct scl_greeter_output out;
	struct slot *sl;
	int r = SCL_ERR_INTERNAL;

	if (gm == NULL || in == NULL || ret_out == NULL ||
	    check_input(in) < 0) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	memset(&out, 0, sizeof(out));
	if (is_pam_input(in->kind) &&
	    (!gm->pam_active || in->pam_seq != gm->seq || gm->done))
		goto render;

	switch (in->kind) {
	case SCL_GREETER_IN_START:
		if (gm->started)
			break;
		gm->started = 1;
		gm->method = in->method == SCL_METHOD_CARD ? SCL_METHOD_CARD :
		    SCL_METHOD_PASSWORD;
		break;
	case SCL_GREETER_IN_READER_ADDED:
		(void)add_slot(gm, in->reader);
		break;
	case SCL_GREETER_IN_READER_REMOVED:
		remove_slot(gm, in->reader);
		break;
	case SCL_GREETER_IN_CARD_INSERTED:
		if ((sl = add_slot(gm, in->reader)) == NULL)
			break;
		card_gone(sl);
		sl->present = 1;
		if (gm->method == SCL_METHOD_CARD && !gm->pam_active)
			set_msg(gm, SCL_GREETER_MSG_NONE, NULL);
		break;
	case SCL_GREETER_IN_CARD_REMOVED:
		if ((sl = find_slot(gm, in->reader)) != NULL)
			card_gone(sl);
		break;
	case SCL_GREETER_IN_SERVICE_DOWN:
		gm->n = 0;
		break;
	case SCL_GREETER_IN_CARD_USABLE:
	case SCL_GREETER_IN_CARD_UNUSABLE:
		if ((sl = find_slot(gm, in->reader)) == NULL || !sl->present)
			break;
		if (in->kind == SCL_GREETER_IN_CARD_USABLE) {
			/* A refusal stands until the card is taken out. */
			if (sl->usable == USABLE_NO)
				break;
			sl->usable = USABLE_YES;
			scl_label_display(sl->name, sizeof(sl->name),
			    in->text, in->text != NULL ? strlen(in->text) : 0);
			copy_str(sl->card_id, sizeof(sl->card_id),
			    in->card_id);
			sl->tries = in->tries_left;
			sl->reason[0] = '\0';
		} else {
			sl->usable = USABLE_NO;
			copy_str(sl->reason, sizeof(sl->reason), in->text);
		}
		break;
	case SCL_GREETER_IN_PAM_PROMPT_ECHO_OFF:
	case SCL_GREETER_IN_PAM_PROMPT_ECHO_ON:
		gm->prompt_echo = in->kind == SCL_GREETER_IN_PAM_PROMPT_ECHO_ON;
		copy_str(gm->prompt, sizeof(gm->prompt), in->text);
		gm->busy = 0;
		if (gm->typed_ahead && !gm->prompt_echo) {
			gm->typed_ahead = 0;
			gm->answered = 1;
			gm->busy = 1;
			push(&out, SCL_GREETER_ACT_ANSWER, gm->svc, gm->seq);
		} else {
			if (gm->typed_ahead)
				push(&out, SCL_GREETER_ACT_DISCARD, gm->svc,
				    gm->seq);
			gm->typed_ahead = 0;
			gm->prompt_pending = 1;
		}
		break;
	case SCL_GREETER_IN_PAM_INFO:
		set_msg(gm, SCL_GREETER_MSG_INFO, in->text);
		break;
	case SCL_GREETER_IN_PAM_ERROR:
		set_msg(gm, SCL_GREETER_MSG_ERROR, in->text);
		break;
	case SCL_GREETER_IN_PAM_RESULT:
		pam_finished(gm, in->result, &out);
		break;
	case SCL_GREETER_IN_SUBMIT:
		if (!gm->started || gm->done || !gm->pam_active || gm->busy)
			break;
		set_msg(gm, SCL_GREETER_MSG_NONE, NULL);
		if (gm->prompt_pending) {
			gm->prompt_pending = 0;
			gm->answered = 1;
			gm->busy = 1;
			push(&out, SCL_GREETER_ACT_ANSWER, gm->svc, gm->seq);
		} else
			gm->typed_ahead = 1;
		break;
	case SCL_GREETER_IN_OTHER_OPTIONS:
		if (!gm->started || gm->done)
			break;
		switch_method(gm, gm->method == SCL_METHOD_CARD ?
		    SCL_METHOD_PASSWORD : SCL_METHOD_CARD, &out);
		break;
	case SCL_GREETER_IN_USE_CARD:
		if (!gm->started || gm->done || card_usable(gm) == NULL)
			break;
		switch_method(gm, SCL_METHOD_CARD, &out);
		break;
	case SCL_GREETER_IN_CANCEL:
		if (!gm->started || gm->done)
			break;
		cancel_pam(gm, &out);
		set_msg(gm, SCL_GREETER_MSG_NONE, NULL);
		gm->password_unavailable = 0;
		break;
	case SCL_GREETER_IN_SESSION_FAILED:
		if (!gm->done)
			break;
		gm->done = 0;
		pam_reset(gm);
		set_msg(gm, SCL_GREETER_MSG_ERROR, in->text != NULL &&
		    in->text[0] != '\0' ? in->text :
		    N_("Your session could not be started."));
		break;
	}
	settle(gm, &out);

render:
	scl_greeter_model_render(gm, ret_out);
	memcpy(ret_out->actions, out.actions, sizeof(out.actions));
	ret_out->n_actions = out.n_actions;
	r = 0;
out:
	return r;
}

struct scl_greeter_model *
scl_greeter_model_new(void)
{
	struct scl_greeter_model *gm = calloc(1, sizeof(*gm));

	if (gm == NULL)
		return NULL;
	gm->method = SCL_METHOD_PASSWORD;
	return gm;
}

void
scl_greeter_model_free(struct scl_greeter_model **gmp)
{
	if (gmp == NULL || *gmp == NULL)
		return;
	free(*gmp);
	*gmp = NULL;
}

const char *
scl_greeter_view_name(enum scl_greeter_view v)
{
	switch (v) {
	case SCL_GREETER_VIEW_INSERT_CARD:
		return "insert-card";
	case SCL_GREETER_VIEW_CONNECT_READER:
		return "connect-reader";
	case SCL_GREETER_VIEW_PIN:
		return "pin";
	case SCL_GREETER_VIEW_PASSWORD:
		return "password";
	case SCL_GREETER_VIEW_BUSY:
		return "busy";
	case SCL_GREETER_VIEW_MESSAGE:
		return "message";
	case SCL_GREETER_VIEW_DONE:
		return "done";
	}
	return "unknown";
}

const char *
scl_greeter_service_name(enum scl_greeter_service s)
{
	switch (s) {
	case SCL_GREETER_SERVICE_CARD:
		return "sclogin-card";
	case SCL_GREETER_SERVICE_PASSWORD:
		return "sclogin-password";
	}
	return "unknown";
}
