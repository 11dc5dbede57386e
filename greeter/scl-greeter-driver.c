/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <gio/gio.h>

#include "err.h"
#include "scl-card-watch.h"
#include "scl-greeter-driver.h"
#include "signin.h"

#define LOG_DOMAIN "scl-greeter"

struct _SclGreeterDriver {
	GObject parent_instance;
	SclGreeterPrompt *prompt;
	SclCardWatch *watch;
	struct scl_greeter_model *gm;
	struct scl_greeter_output out;
	char *user;
	const struct scl_config *cfg;
	SclGreeterBackend be;
	gpointer be_data;
	GCancellable *cancel;
	gulong prompt_handlers[4];
	gboolean started;
};

enum {
	SIGNAL_RENDERED,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE(SclGreeterDriver, scl_greeter_driver, G_TYPE_OBJECT)

const char *
scl_greeter_reason_sentence(int reason)
{
	switch (reason) {
	case SCL_ERR_NO_SERVICE:
		return "The smart card service is not running.";
	case SCL_ERR_NO_READER:
	case SCL_ERR_READER_GONE:
		return "The smart card reader was disconnected.";
	case SCL_ERR_NO_CARD:
	case SCL_ERR_CARD_REMOVED:
		return "The card was removed.";
	case SCL_ERR_SHARING:
		return "The card is busy in another program.";
	case SCL_ERR_NO_APPLET:
		return "This card is not a sign-in card (no PIV application).";
	case SCL_ERR_NO_CERT:
	case SCL_ERR_NO_OBJECT:
		return "This card holds no sign-in certificate.";
	case SCL_ERR_PIN_BLOCKED:
		return "The PIN of this card is blocked.";
	case SCL_ERR_PIN_LAST_TRY:
		return "Only one PIN try is left on this card. To keep the "
		    "card from being blocked, have the PIN reset first.";
	case SCL_ERR_PIN_TRIES_UNKNOWN:
		return "This card does not say how many PIN tries are left, "
		    "so it is not used for sign-in here.";
	case SCL_ERR_CERT_EXPIRED:
		return "The certificate on this card has expired.";
	case SCL_ERR_CERT_NOT_YET_VALID:
		return "The certificate on this card is not valid yet.";
	case SCL_ERR_CERT_UNTRUSTED:
		return "The certificate on this card is not trusted here.";
	case SCL_ERR_CERT_REVOKED:
		return "The certificate on this card has been revoked.";
	case SCL_ERR_CERT_REVOCATION_UNKNOWN:
	case SCL_ERR_CRL_STALE:
	case SCL_ERR_CRL_INCOMPLETE:
		return "The certificate on this card could not be checked "
		    "for revocation.";
	case SCL_ERR_CERT_WEAK_KEY:
		return "The key of the certificate on this card is too weak.";
	case SCL_ERR_CERT_EKU:
	case SCL_ERR_CERT_KEY_USAGE:
	case SCL_ERR_CERT_IS_CA:
	case SCL_ERR_CERT_PURPOSE:
		return "The certificate on this card is not meant for "
		    "sign-in.";
	case SCL_ERR_CERT_KEY_UNSUPPORTED:
		return "The key on this card is of an unsupported type.";
	case SCL_ERR_NO_MAPPING:
	case SCL_ERR_WRONG_USER:
		return "This card is not registered for this user.";
	case SCL_ERR_AMBIGUOUS:
		return "This card matches several users.";
	case SCL_ERR_DENIED:
		return "Sign-in with this card is not allowed here.";
	case SCL_ERR_CONFIG:
		return "Smart card sign-in is not set up correctly on this "
		    "computer.";
	}
	return "This card cannot sign you in.";
}

static void
render(SclGreeterDriver *self)
{
	scl_greeter_prompt_render(self->prompt, &self->out);
	g_signal_emit(self, signals[SIGNAL_RENDERED], 0);
}

static void
feed(SclGreeterDriver *self, const struct scl_greeter_input *in)
{
	struct scl_greeter_output out;
	size_t i;

	if (scl_greeter_model_feed(self->gm, in, &out) < 0) {
		g_log(LOG_DOMAIN, G_LOG_LEVEL_WARNING,
		    "controller refused input %d, ignoring", in->kind);
		return;
	}
	self->out = out;
	/* Before START only the picture of the cards is being filled in. */
	if (in->kind == SCL_GREETER_IN_START)
		self->started = TRUE;
	if (self->started)
		render(self);
	for (i = 0; i < out.n_actions; i++) {
		const struct scl_greeter_action *a = &out.actions[i];

		switch (a->kind) {
		case SCL_GREETER_ACT_START_PAM:
			self->be.start(self->be_data, a->service, a->pam_seq);
			break;
		case SCL_GREETER_ACT_ANSWER:
			self->be.answer(self->be_data, a->pam_seq,
			    scl_greeter_prompt_take_secret(self->prompt));
			break;
		case SCL_GREETER_ACT_CANCEL_PAM:
			self->be.cancel(self->be_data, a->pam_seq);
			break;
		case SCL_GREETER_ACT_DISCARD:
			scl_wipe_str(scl_greeter_prompt_take_secret(
			    self->prompt));
			break;
		case SCL_GREETER_ACT_SUCCEEDED:
			self->be.succeeded(self->be_data, out.method,
			    out.card_id);
			break;
		}
	}
}

typedef struct {
	char *reader;
	char *user;
	const struct scl_config *cfg;
	/* results */
	gboolean usable;
	char *label;
	char *card_id;
	int tries;
	int reason;
} Probe;

static void
probe_free(Probe *p)
{
	g_free(p->reader);
	g_free(p->user);
	g_free(p->label);
	g_free(p->card_id);
	g_free(p);
}

static void
probe_thread(GTask *task, gpointer source, gpointer data, GCancellable *c)
{
	Probe *p = data;
	struct scl_signin_opts opts = { 0 };
	struct scl_signin_result *res = NULL;
	const struct scl_signin_candidate *cand;
	int r;

	opts.cfg = p->cfg;
	opts.user = p->user;
	opts.reader = p->reader;
	r = scl_signin_scan(&opts, &res);
	if (r < 0) {
		p->reason = r;
	} else if ((cand = scl_signin_usable(res, 0)) != NULL &&
	    cand->tries == 1 && p->cfg->last_try == SCL_LAST_TRY_REFUSE) {
		/* pam_sclogin would refuse to spend it: say so at once. */
		p->reason = SCL_ERR_PIN_LAST_TRY;
	} else if (cand != NULL) {
		p->usable = TRUE;
		p->label = g_strdup(cand->label);
		p->card_id = g_strdup(cand->card_id[0] != '\0' ?
		    cand->card_id : cand->sha256_hex);
		p->tries = cand->tries;
	} else
		p->reason = res->reason;
	scl_signin_result_free(&res);
	g_task_return_boolean(task, TRUE);
}

static void
probe_done(GObject *source, GAsyncResult *result, gpointer data)
{
	SclGreeterDriver *self = SCL_GREETER_DRIVER(source);
	Probe *p = g_task_get_task_data(G_TASK(result));
	struct scl_greeter_input in = { 0 };

	if (!g_task_propagate_boolean(G_TASK(result), NULL))
		return;
	in.reader = p->reader;
	if (p->usable) {
		in.kind = SCL_GREETER_IN_CARD_USABLE;
		in.text = p->label;
		in.card_id = p->card_id;
		in.tries_left = p->tries;
	} else {
		/* A card pulled mid-probe is the monitor's to report. */
		if (p->reason == SCL_ERR_NO_CARD ||
		    p->reason == SCL_ERR_CARD_REMOVED ||
		    p->reason == SCL_ERR_READER_GONE)
			return;
		in.kind = SCL_GREETER_IN_CARD_UNUSABLE;
		in.text = scl_greeter_reason_sentence(p->reason);
		g_log(LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
		    "card in '%s' cannot sign in '%s': reason=%s", p->reader,
		    self->user, scl_err_name(p->reason));
	}
	feed(self, &in);
}

static void
probe(SclGreeterDriver *self, const char *reader)
{
	g_autoptr(GTask) task = NULL;
	Probe *p;

	if (self->cfg == NULL)
		return;
	p = g_new0(Probe, 1);
	p->reader = g_strdup(reader);
	p->user = g_strdup(self->user);
	p->cfg = self->cfg;
	p->tries = -1;
	task = g_task_new(self, self->cancel, probe_done, NULL);
	g_task_set_task_data(task, p, (GDestroyNotify)probe_free);
	g_task_run_in_thread(task, probe_thread);
}

static void
on_reader_event(SclCardWatch *watch, const char *reader, gpointer data,
    enum scl_greeter_input_kind kind)
{
	SclGreeterDriver *self = data;
	struct scl_greeter_input in = { 0 };

	in.kind = kind;
	in.reader = reader;
	feed(self, &in);
	if (kind == SCL_GREETER_IN_CARD_INSERTED)
		probe(self, reader);
}

static void
on_reader_added(SclCardWatch *w, const char *reader, gpointer data)
{
	on_reader_event(w, reader, data, SCL_GREETER_IN_READER_ADDED);
}

static void
on_reader_removed(SclCardWatch *w, const char *reader, gpointer data)
{
	on_reader_event(w, reader, data, SCL_GREETER_IN_READER_REMOVED);
}

static void
on_card_inserted(SclCardWatch *w, const char *reader, gpointer data)
{
	on_reader_event(w, reader, data, SCL_GREETER_IN_CARD_INSERTED);
}

static void
on_card_removed(SclCardWatch *w, const char *reader, gpointer data)
{
	on_reader_event(w, reader, data, SCL_GREETER_IN_CARD_REMOVED);
}

static void
on_service_down(SclCardWatch *w, gpointer data)
{
	struct scl_greeter_input in = { .kind = SCL_GREETER_IN_SERVICE_DOWN };

	feed(SCL_GREETER_DRIVER(data), &in);
}

void
scl_greeter_driver_user(SclGreeterDriver *self,
    enum scl_greeter_input_kind kind)
{
	struct scl_greeter_input in = { 0 };

	g_return_if_fail(SCL_IS_GREETER_DRIVER(self));
	in.kind = kind;
	feed(self, &in);
}

static void
on_submit(SclGreeterPrompt *p, gpointer data)
{
	scl_greeter_driver_user(data, SCL_GREETER_IN_SUBMIT);
}

static void
on_other(SclGreeterPrompt *p, gpointer data)
{
	scl_greeter_driver_user(data, SCL_GREETER_IN_OTHER_OPTIONS);
}

static void
on_use_card(SclGreeterPrompt *p, gpointer data)
{
	scl_greeter_driver_user(data, SCL_GREETER_IN_USE_CARD);
}

static void
on_cancel(SclGreeterPrompt *p, gpointer data)
{
	scl_greeter_driver_user(data, SCL_GREETER_IN_CANCEL);
}

void
scl_greeter_driver_pam_prompt(SclGreeterDriver *self, unsigned seq,
    gboolean echo, const char *text)
{
	struct scl_greeter_input in = { 0 };

	in.kind = echo ? SCL_GREETER_IN_PAM_PROMPT_ECHO_ON :
	    SCL_GREETER_IN_PAM_PROMPT_ECHO_OFF;
	in.pam_seq = seq;
	in.text = text;
	feed(self, &in);
}

void
scl_greeter_driver_pam_message(SclGreeterDriver *self, unsigned seq,
    gboolean error, const char *text)
{
	struct scl_greeter_input in = { 0 };

	in.kind = error ? SCL_GREETER_IN_PAM_ERROR : SCL_GREETER_IN_PAM_INFO;
	in.pam_seq = seq;
	in.text = text;
	feed(self, &in);
}

void
scl_greeter_driver_pam_result(SclGreeterDriver *self, unsigned seq,
    enum scl_greeter_pam_result result)
{
	struct scl_greeter_input in = { 0 };
	const struct scl_greeter_output *o = &self->out;
	g_autofree char *reader = NULL;

	in.kind = SCL_GREETER_IN_PAM_RESULT;
	in.pam_seq = seq;
	in.result = result;
	if (o->method == SCL_METHOD_CARD && o->reader[0] != '\0')
		reader = g_strdup(o->reader);
	feed(self, &in);
	/* Refresh the tries left after a failed card attempt. */
	if (result != SCL_GREETER_PAM_SUCCESS && reader != NULL)
		probe(self, reader);
}

void
scl_greeter_driver_session_failed(SclGreeterDriver *self, const char *text)
{
	struct scl_greeter_input in = { 0 };

	in.kind = SCL_GREETER_IN_SESSION_FAILED;
	in.text = text;
	feed(self, &in);
}

const struct scl_greeter_output *
scl_greeter_driver_output(SclGreeterDriver *self)
{
	return &self->out;
}

char *
scl_greeter_driver_describe(SclGreeterDriver *self)
{
	const struct scl_greeter_output *o = &self->out;

	return g_strdup_printf("view=%s method=%s entry_ready=%d offer=%d "
	    "tries=%d card='%s' message='%s'",
	    scl_greeter_view_name(o->view), scl_method_name(o->method),
	    o->entry_ready, o->offer_card, o->tries_left, o->card_name,
	    o->message);
}

void
scl_greeter_driver_start(SclGreeterDriver *self, enum scl_method method)
{
	g_autoptr(GError) error = NULL;
	struct scl_greeter_input in = { 0 };

	g_return_if_fail(SCL_IS_GREETER_DRIVER(self));
	self->watch = scl_card_watch_new_for_config(self->cfg);
	g_signal_connect(self->watch, "reader-added",
	    G_CALLBACK(on_reader_added), self);
	g_signal_connect(self->watch, "reader-removed",
	    G_CALLBACK(on_reader_removed), self);
	g_signal_connect(self->watch, "card-inserted",
	    G_CALLBACK(on_card_inserted), self);
	g_signal_connect(self->watch, "card-removed",
	    G_CALLBACK(on_card_removed), self);
	g_signal_connect(self->watch, "service-down",
	    G_CALLBACK(on_service_down), self);
	/* The snapshot is emitted synchronously: START sees present cards. */
	if (!scl_card_watch_start(self->watch, &error))
		g_log(LOG_DOMAIN, G_LOG_LEVEL_WARNING, "%s, continuing "
		    "without smart cards", error->message);
	in.kind = SCL_GREETER_IN_START;
	in.method = method;
	feed(self, &in);
}

static void
scl_greeter_driver_dispose(GObject *object)
{
	SclGreeterDriver *self = SCL_GREETER_DRIVER(object);
	size_t i;

	g_cancellable_cancel(self->cancel);
	if (self->watch != NULL)
		g_signal_handlers_disconnect_by_data(self->watch, self);
	g_clear_object(&self->watch);
	if (self->prompt != NULL) {
		for (i = 0; i < G_N_ELEMENTS(self->prompt_handlers); i++)
			g_clear_signal_handler(&self->prompt_handlers[i],
			    self->prompt);
	}
	g_clear_object(&self->prompt);
	G_OBJECT_CLASS(scl_greeter_driver_parent_class)->dispose(object);
}

static void
scl_greeter_driver_finalize(GObject *object)
{
	SclGreeterDriver *self = SCL_GREETER_DRIVER(object);

	scl_greeter_model_free(&self->gm);
	g_clear_object(&self->cancel);
	g_free(self->user);
	G_OBJECT_CLASS(scl_greeter_driver_parent_class)->finalize(object);
}

static void
scl_greeter_driver_init(SclGreeterDriver *self)
{
	self->cancel = g_cancellable_new();
}

static void
scl_greeter_driver_class_init(SclGreeterDriverClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = scl_greeter_driver_dispose;
	object_class->finalize = scl_greeter_driver_finalize;
	signals[SIGNAL_RENDERED] = g_signal_new("rendered",
	    G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
	    G_TYPE_NONE, 0);
}

SclGreeterDriver *
scl_greeter_driver_new(SclGreeterPrompt *prompt, const char *user,
    const struct scl_config *cfg, const SclGreeterBackend *backend,
    gpointer backend_data)
{
	SclGreeterDriver *self;

	g_return_val_if_fail(SCL_IS_GREETER_PROMPT(prompt), NULL);
	g_return_val_if_fail(backend != NULL, NULL);
	self = g_object_new(SCL_TYPE_GREETER_DRIVER, NULL);
	self->gm = scl_greeter_model_new();
	if (self->gm == NULL)
		g_error("out of memory");
	self->prompt = g_object_ref(prompt);
	self->user = g_strdup(user);
	self->cfg = cfg;
	self->be = *backend;
	self->be_data = backend_data;
	self->prompt_handlers[0] = g_signal_connect(prompt, "submit",
	    G_CALLBACK(on_submit), self);
	self->prompt_handlers[1] = g_signal_connect(prompt, "other-options",
	    G_CALLBACK(on_other), self);
	self->prompt_handlers[2] = g_signal_connect(prompt, "use-card",
	    G_CALLBACK(on_use_card), self);
	self->prompt_handlers[3] = g_signal_connect(prompt, "cancel",
	    G_CALLBACK(on_cancel), self);
	return self;
}
