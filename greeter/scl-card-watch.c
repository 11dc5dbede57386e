/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <string.h>

#include <gio/gio.h>

#include "err.h"
#include "monitor.h"
#include "pcsc.h"
#include "scl-card-watch.h"
#include "tokenwatch.h"

#define G_LOG_DOMAIN_WATCH "scl-greeter"
/* PKCS#11 slot events are polled this often between PC/SC waits. */
#define TOKEN_POLL_MS 250

struct _SclCardWatch {
	GObject parent_instance;
	struct scl_monitor *mon;
	const struct scl_config *cfg;
	struct scl_token_watch *tokens;	/* NULL: no PKCS#11 tokens */
	struct scl_token_info *present;	/* tokens present, as last listed */
	size_t n_present;
	GThread *thread;
	GMainContext *context;
	gint stopping;
};

enum {
	SIGNAL_READER_ADDED,
	SIGNAL_READER_REMOVED,
	SIGNAL_CARD_INSERTED,
	SIGNAL_CARD_REMOVED,
	SIGNAL_SERVICE_DOWN,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE(SclCardWatch, scl_card_watch, G_TYPE_OBJECT)

typedef struct {
	SclCardWatch *self;	/* strong ref */
	guint signal;
	char *reader;
} Delivery;

static gboolean
deliver(gpointer data)
{
	Delivery *d = data;

	if (!g_atomic_int_get(&d->self->stopping)) {
		if (d->signal == SIGNAL_SERVICE_DOWN)
			g_signal_emit(d->self, signals[d->signal], 0);
		else
			g_signal_emit(d->self, signals[d->signal], 0,
			    d->reader);
	}
	g_object_unref(d->self);
	g_free(d->reader);
	g_free(d);
	return G_SOURCE_REMOVE;
}

static void
post(SclCardWatch *self, guint signal, const char *reader)
{
	Delivery *d = g_new0(Delivery, 1);

	d->self = g_object_ref(self);
	d->signal = signal;
	d->reader = g_strdup(reader);
	g_main_context_invoke(self->context, deliver, d);
}

static gboolean
has_token(const struct scl_token_info *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return TRUE;
	return FALSE;
}

/*
 * List the PKCS#11 tokens and report the difference to the last list:
 * through post() from the thread, or emitted at once (start).
 */
static void
update_tokens(SclCardWatch *self, gboolean emit)
{
	struct scl_token_info now[SCL_BACKEND_TOKENS_MAX];
	size_t n = 0, i;
	int r;

	if ((r = scl_token_watch_list(self->tokens, now, G_N_ELEMENTS(now),
	    &n)) < 0) {
		g_log(G_LOG_DOMAIN_WATCH, G_LOG_LEVEL_WARNING,
		    "PKCS#11 tokens: %s", scl_strerror(r));
		return;
	}
	for (i = 0; i < self->n_present; i++) {
		if (has_token(now, n, self->present[i].name))
			continue;
		if (emit)
			g_signal_emit(self, signals[SIGNAL_CARD_REMOVED], 0,
			    self->present[i].name);
		else
			post(self, SIGNAL_CARD_REMOVED, self->present[i].name);
	}
	for (i = 0; i < n; i++) {
		if (has_token(self->present, self->n_present, now[i].name))
			continue;
		if (emit)
			g_signal_emit(self, signals[SIGNAL_CARD_INSERTED], 0,
			    now[i].name);
		else
			post(self, SIGNAL_CARD_INSERTED, now[i].name);
	}
	memcpy(self->present, now, n * sizeof(now[0]));
	self->n_present = n;
}

/* Without a PC/SC monitor: a short sleep. */
static int
wait_event(SclCardWatch *self, struct scl_event *ev)
{
	int timeout = self->tokens != NULL ? TOKEN_POLL_MS : -1;
	int changed = 0;

	if (self->mon == NULL)
		g_usleep((gulong)TOKEN_POLL_MS * 1000u);
	if (self->mon != NULL) {
		int r = scl_monitor_wait(self->mon, timeout, ev);

		if (r != SCL_ERR_TIMEOUT)
			return r;
	}
	if (!g_atomic_int_get(&self->stopping) &&
	    scl_token_watch_poll(self->tokens, &changed) == 0 && changed)
		update_tokens(self, FALSE);
	return SCL_ERR_TIMEOUT;
}

static gpointer
watch_thread(gpointer data)
{
	SclCardWatch *self = data;
	struct scl_event ev;
	size_t i;
	int r;

	while (!g_atomic_int_get(&self->stopping)) {
		r = wait_event(self, &ev);
		if (r == SCL_ERR_CANCELLED)
			break;
		if (r == SCL_ERR_TIMEOUT)
			continue;
		if (r < 0) {
			/* Not expected (the monitor reconnects by itself). */
			g_log(G_LOG_DOMAIN_WATCH, G_LOG_LEVEL_WARNING,
			    "card monitor: %s, retrying in 1 s",
			    scl_strerror(r));
			post(self, SIGNAL_SERVICE_DOWN, NULL);
			g_usleep(G_USEC_PER_SEC);
			continue;
		}
		switch (ev.kind) {
		case SCL_EV_READER_ADDED:
			post(self, SIGNAL_READER_ADDED, ev.reader);
			break;
		case SCL_EV_READER_REMOVED:
			post(self, SIGNAL_READER_REMOVED, ev.reader);
			break;
		case SCL_EV_CARD_INSERTED:
			post(self, SIGNAL_CARD_INSERTED, ev.reader);
			break;
		case SCL_EV_CARD_REMOVED:
			post(self, SIGNAL_CARD_REMOVED, ev.reader);
			break;
		case SCL_EV_SERVICE_DOWN:
			post(self, SIGNAL_SERVICE_DOWN, NULL);
			break;
		case SCL_EV_SERVICE_UP:
			/* service-down made the driver forget every slot,
			 * the PKCS#11 tokens with them. */
			for (i = 0; i < self->n_present; i++)
				post(self, SIGNAL_CARD_INSERTED,
				    self->present[i].name);
			break;
		}
	}
	return NULL;
}

gboolean
scl_card_watch_start(SclCardWatch *self, GError **error)
{
	struct scl_reader_info ri[SCL_READERS_MAX];
	size_t n = 0, i;
	int r;

	g_return_val_if_fail(SCL_IS_CARD_WATCH(self), FALSE);
	g_return_val_if_fail(self->thread == NULL, FALSE);

	if (self->cfg != NULL &&
	    (r = scl_token_watch_open(self->cfg, &self->tokens)) < 0)
		g_log(G_LOG_DOMAIN_WATCH, G_LOG_LEVEL_WARNING, "Cannot watch "
		    "PKCS#11 tokens: %s", scl_strerror(r));
	r = scl_monitor_new(0, &self->mon);
	if (r < 0 && self->tokens == NULL) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		    "Cannot watch smart card readers: %s", scl_strerror(r));
		return FALSE;
	}
	/* Before the thread exists, so the snapshot is ours alone. */
	if (self->tokens != NULL) {
		self->present = g_new0(struct scl_token_info,
		    SCL_BACKEND_TOKENS_MAX);
		update_tokens(self, TRUE);
	}
	if (self->mon != NULL &&
	    scl_monitor_snapshot(self->mon, ri, SCL_READERS_MAX, &n) == 0) {
		for (i = 0; i < n; i++) {
			g_signal_emit(self, signals[SIGNAL_READER_ADDED], 0,
			    ri[i].name);
			if (ri[i].card_present)
				g_signal_emit(self,
				    signals[SIGNAL_CARD_INSERTED], 0,
				    ri[i].name);
		}
	}
	self->thread = g_thread_new("scl-card-watch", watch_thread, self);
	return TRUE;
}

static void
scl_card_watch_dispose(GObject *object)
{
	SclCardWatch *self = SCL_CARD_WATCH(object);

	g_atomic_int_set(&self->stopping, 1);
	if (self->mon != NULL)
		scl_monitor_cancel(self->mon);
	if (self->thread != NULL)
		g_thread_join(g_steal_pointer(&self->thread));
	G_OBJECT_CLASS(scl_card_watch_parent_class)->dispose(object);
}

static void
scl_card_watch_finalize(GObject *object)
{
	SclCardWatch *self = SCL_CARD_WATCH(object);

	scl_monitor_free(&self->mon);
	scl_token_watch_free(&self->tokens);
	g_free(self->present);
	g_main_context_unref(self->context);
	G_OBJECT_CLASS(scl_card_watch_parent_class)->finalize(object);
}

static void
scl_card_watch_init(SclCardWatch *self)
{
	self->context = g_main_context_ref_thread_default();
}

static void
scl_card_watch_class_init(SclCardWatchClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	static const char *const names[] = { "reader-added", "reader-removed",
	    "card-inserted", "card-removed" };
	guint i;

	object_class->dispose = scl_card_watch_dispose;
	object_class->finalize = scl_card_watch_finalize;
	for (i = 0; i < G_N_ELEMENTS(names); i++)
		signals[i] = g_signal_new(names[i], G_TYPE_FROM_CLASS(klass),
		    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
		    G_TYPE_STRING);
	signals[SIGNAL_SERVICE_DOWN] = g_signal_new("service-down",
	    G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
	    G_TYPE_NONE, 0);
}

SclCardWatch *
scl_card_watch_new(void)
{
	return g_object_new(SCL_TYPE_CARD_WATCH, NULL);
}

SclCardWatch *
scl_card_watch_new_for_config(const struct scl_config *cfg)
{
	SclCardWatch *self = g_object_new(SCL_TYPE_CARD_WATCH, NULL);

	self->cfg = cfg;
	return self;
}
