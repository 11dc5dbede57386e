/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * sclogin-greeter: a sign-in / unlock window that runs PAM itself, like
 * GDM: service sclogin-card for the card, sclogin-password for the
 * password, each transaction in a worker thread with the conversation
 * bridged to the main loop.  Exit status 0 once the user is signed in
 * (the last-method record is written first), 1 when the window is closed.
 *
 * Test hook (tests only; both variables must be set): SCL_GREETER_TEST_FIFO
 * names a FIFO of line commands (type TEXT, submit, other, use-card,
 * cancel, screenshot PATH, clock, quit); SCL_GREETER_TEST_STATUS a file to
 * which a line is appended after every render and screenshot.  After
 * `clock` every line ends in mono_us=U, the CLOCK_MONOTONIC time it was
 * written (bench/greeter-prompt.sh times renders from a card's insertion).
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "config.h"
#include "err.h"
#include "i18n.h"
#include "log.h"
#include "record.h"
#include "scl-greeter-driver.h"
#include "scl-greeter-prompt.h"
#include "secret.h"

#define LOG_DOMAIN "scl-greeter"

typedef struct _Host Host;

typedef struct {
	gint refs;
	Host *host;		/* main thread only */
	unsigned seq;
	char *service;
	char *user;
	GMainContext *context;
	GMutex lock;
	GCond cond;
	char *answer;		/* malloc'd; handed to PAM */
	gboolean answered;
	gboolean cancelled;
} PamJob;

struct _Host {
	GtkApplication *app;
	GtkWidget *window;
	SclGreeterPrompt *prompt;
	SclGreeterDriver *driver;
	struct scl_config *cfg;
	char *user;
	char *config_path;
	char *state_dir;
	char *record_dir;
	char *svc_card;
	char *svc_password;
	gboolean unlock;
	gboolean fullscreen;
	PamJob *job;		/* the current transaction, or NULL */
	int exit_status;
	FILE *test_status;
	GIOChannel *test_in;
	gboolean test_clock;
};

static void backend_cancel(gpointer data, unsigned seq);

static PamJob *
job_ref(PamJob *j)
{
	g_atomic_int_inc(&j->refs);
	return j;
}

static void
job_unref(PamJob *j)
{
	if (!g_atomic_int_dec_and_test(&j->refs))
		return;
	scl_wipe_str(j->answer);
	g_free(j->service);
	g_free(j->user);
	g_main_context_unref(j->context);
	g_mutex_clear(&j->lock);
	g_cond_clear(&j->cond);
	g_free(j);
}

/* Conversation events travel to the main thread as Posts. */
typedef enum { POST_PROMPT, POST_MESSAGE, POST_RESULT } PostKind;

typedef struct {
	PamJob *job;
	PostKind kind;
	gboolean flag;		/* echo / error */
	char *text;
	int pam_rc;
} Post;

static enum scl_greeter_pam_result
map_pam_rc(int rc)
{
	switch (rc) {
	case PAM_SUCCESS:
		return SCL_GREETER_PAM_SUCCESS;
	case PAM_AUTH_ERR:
	case PAM_USER_UNKNOWN:
	case PAM_CRED_INSUFFICIENT:
		return SCL_GREETER_PAM_AUTH_ERR;
	case PAM_AUTHINFO_UNAVAIL:
		return SCL_GREETER_PAM_UNAVAIL;
	case PAM_MAXTRIES:
		return SCL_GREETER_PAM_MAXTRIES;
	}
	return SCL_GREETER_PAM_ERROR;
}

static gboolean
deliver_post(gpointer data)
{
	Post *p = data;
	Host *h = p->job->host;

	if (h != NULL && h->job == p->job) {
		switch (p->kind) {
		case POST_PROMPT:
			scl_greeter_driver_pam_prompt(h->driver, p->job->seq,
			    p->flag, p->text);
			break;
		case POST_MESSAGE:
			scl_greeter_driver_pam_message(h->driver, p->job->seq,
			    p->flag, p->text);
			break;
		case POST_RESULT:
			g_log(LOG_DOMAIN, G_LOG_LEVEL_INFO, "%s: %s",
			    p->job->service, pam_strerror(NULL, p->pam_rc));
			h->job = NULL;
			scl_greeter_driver_pam_result(h->driver, p->job->seq,
			    map_pam_rc(p->pam_rc));
			job_unref(p->job);	/* h->job's reference */
			break;
		}
	}
	job_unref(p->job);
	g_free(p->text);
	g_free(p);
	return G_SOURCE_REMOVE;
}

static void
post(PamJob *j, PostKind kind, gboolean flag, const char *text, int rc)
{
	Post *p = g_new0(Post, 1);

	p->job = job_ref(j);
	p->kind = kind;
	p->flag = flag;
	p->text = g_strdup(text);
	p->pam_rc = rc;
	g_main_context_invoke(j->context, deliver_post, p);
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **ret_resp,
    void *data)
{
	PamJob *j = data;
	struct pam_response *resp;
	int i, rc = PAM_CONV_ERR;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	resp = calloc((size_t)n, sizeof(*resp));
	if (resp == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		const char *text = msg[i]->msg != NULL ? msg[i]->msg : "";

		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			post(j, POST_PROMPT,
			    msg[i]->msg_style == PAM_PROMPT_ECHO_ON, text, 0);
			g_mutex_lock(&j->lock);
			while (!j->answered && !j->cancelled)
				g_cond_wait(&j->cond, &j->lock);
			if (j->cancelled || j->answer == NULL) {
				g_mutex_unlock(&j->lock);
				goto out;
			}
			resp[i].resp = j->answer;
			j->answer = NULL;
			j->answered = FALSE;
			g_mutex_unlock(&j->lock);
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			post(j, POST_MESSAGE,
			    msg[i]->msg_style == PAM_ERROR_MSG, text, 0);
			break;
		default:
			goto out;
		}
	}
	*ret_resp = resp;
	resp = NULL;
	rc = PAM_SUCCESS;
out:
	if (resp != NULL) {
		for (i = 0; i < n; i++)
			scl_wipe_str(resp[i].resp);
		free(resp);
	}
	return rc;
}

static GMutex pam_serial;

/*
 * PAM threads still running: main() waits for them (bounded) before it
 * tears down, so a cancelled transaction never runs into freed state
 * (OpenSSL's or GTK's exit cleanup) while it unwinds.
 */
#define PAM_THREADS_EXIT_WAIT_S 5
static GMutex live_lock;
static GCond live_cond;
static int live_threads;

static void
live_threads_add(int d)
{
	g_mutex_lock(&live_lock);
	live_threads += d;
	g_cond_broadcast(&live_cond);
	g_mutex_unlock(&live_lock);
}

static gboolean
live_threads_wait(void)
{
	gint64 end = g_get_monotonic_time() +
	    PAM_THREADS_EXIT_WAIT_S * G_TIME_SPAN_SECOND;
	gboolean done;

	g_mutex_lock(&live_lock);
	while (live_threads > 0 && g_cond_wait_until(&live_cond, &live_lock,
	    end))
		;
	done = live_threads == 0;
	g_mutex_unlock(&live_lock);
	return done;
}

static gpointer
pam_thread(gpointer data)
{
	PamJob *j = data;
	struct pam_conv pc = { conv, j };
	pam_handle_t *pamh = NULL;
	int rc;

	/*
	 * One transaction at a time: a cancelled one unwinds (its
	 * conversation fails at once) before the next starts, so two never
	 * share the card or a non-thread-safe PAM wrapper.
	 */
	g_mutex_lock(&pam_serial);
	rc = pam_start(j->service, j->user, &pc, &pamh);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	if (pamh != NULL)
		pam_end(pamh, rc);
	g_mutex_unlock(&pam_serial);
	if (g_atomic_int_get(&j->cancelled))
		rc = PAM_ABORT;
	post(j, POST_RESULT, FALSE, NULL, rc);
	job_unref(j);
	live_threads_add(-1);
	return NULL;
}

static void
backend_start(gpointer data, enum scl_greeter_service svc, unsigned seq)
{
	Host *h = data;
	PamJob *j = g_new0(PamJob, 1);
	GThread *t;

	j->refs = 2;			/* h->job and the thread */
	j->host = h;
	j->seq = seq;
	j->service = g_strdup(svc == SCL_GREETER_SERVICE_CARD ? h->svc_card :
	    h->svc_password);
	j->user = g_strdup(h->user);
	j->context = g_main_context_ref_thread_default();
	g_mutex_init(&j->lock);
	g_cond_init(&j->cond);
	g_log(LOG_DOMAIN, G_LOG_LEVEL_INFO, "starting PAM service %s for "
	    "'%s'", j->service, j->user);
	if (h->job != NULL)
		backend_cancel(h, h->job->seq);
	h->job = j;
	live_threads_add(1);
	t = g_thread_new("scl-pam", pam_thread, j);
	g_thread_unref(t);
}

static void
backend_answer(gpointer data, unsigned seq, char *secret)
{
	Host *h = data;
	PamJob *j = h->job;

	if (j == NULL || j->seq != seq) {
		scl_wipe_str(secret);
		return;
	}
	g_mutex_lock(&j->lock);
	scl_wipe_str(j->answer);
	j->answer = secret != NULL ? secret : strdup("");
	j->answered = TRUE;
	g_cond_signal(&j->cond);
	g_mutex_unlock(&j->lock);
}

static void
backend_cancel(gpointer data, unsigned seq)
{
	Host *h = data;
	PamJob *j = h->job;

	if (j == NULL || j->seq != seq)
		return;
	g_mutex_lock(&j->lock);
	g_atomic_int_set(&j->cancelled, TRUE);
	g_cond_signal(&j->cond);
	g_mutex_unlock(&j->lock);
	/* The thread finishes on its own; its result is stale now. */
	j->host = NULL;
	h->job = NULL;
	job_unref(j);
}

static gboolean
quit_later(gpointer data)
{
	Host *h = data;

	g_application_quit(G_APPLICATION(h->app));
	return G_SOURCE_REMOVE;
}

static void
backend_succeeded(gpointer data, enum scl_method method, const char *card_id)
{
	Host *h = data;
	struct scl_record rec;
	int r;

	memset(&rec, 0, sizeof(rec));
	rec.method = method;
	rec.when = (int64_t)time(NULL);
	if (method == SCL_METHOD_CARD && card_id != NULL)
		g_strlcpy(rec.card_id, card_id, sizeof(rec.card_id));
	/* Same layout as pam_sclogin's session hook: STATE/users, 0700. */
	if ((g_mkdir(h->state_dir, 0755) < 0 && errno != EEXIST) ||
	    (g_mkdir(h->record_dir, 0700) < 0 && errno != EEXIST))
		r = SCL_ERR_SYSTEM;
	else
		r = scl_record_write(h->record_dir, h->user, &rec);
	if (r < 0)
		g_log(LOG_DOMAIN, G_LOG_LEVEL_WARNING, "cannot write the "
		    "sign-in record of '%s' in '%s': %s, ignoring", h->user,
		    h->record_dir, scl_strerror(r));
	g_log(LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "signed in user='%s' "
	    "method=%s", h->user, scl_method_name(method));
	printf("signed-in user=%s method=%s\n", h->user,
	    scl_method_name(method));
	fflush(stdout);
	h->exit_status = 0;
	g_timeout_add(h->test_status != NULL ? 1500 : 600, quit_later, h);
}

static const SclGreeterBackend backend = {
	.start = backend_start,
	.answer = backend_answer,
	.cancel = backend_cancel,
	.succeeded = backend_succeeded,
};

/* Test hook. */

static void
test_status(Host *h, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
test_status(Host *h, const char *fmt, ...)
{
	va_list ap;

	if (h->test_status == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(h->test_status, fmt, ap);
	va_end(ap);
	if (h->test_clock)
		fprintf(h->test_status, " mono_us=%" G_GINT64_FORMAT,
		    g_get_monotonic_time());
	fputc('\n', h->test_status);
	fflush(h->test_status);
}

static void
on_rendered(SclGreeterDriver *d, gpointer data)
{
	Host *h = data;
	g_autofree char *s = scl_greeter_driver_describe(d);
	g_autofree char *t = NULL;

	g_log(LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "%s", s);
	if (h->test_status != NULL)
		t = scl_greeter_prompt_describe(h->prompt);
	test_status(h, "state %s %s", s, t != NULL ? t : "");
}

typedef struct {
	Host *h;
	char *path;
} Shot;

static gboolean
take_screenshot(gpointer data)
{
	Shot *s = data;
	GdkWindow *root = gdk_get_default_root_window();
	g_autoptr(GdkPixbuf) pb = NULL;
	g_autoptr(GError) error = NULL;

	pb = gdk_pixbuf_get_from_window(root, 0, 0,
	    gdk_window_get_width(root), gdk_window_get_height(root));
	if (pb == NULL || !gdk_pixbuf_save(pb, s->path, "png", &error, NULL))
		test_status(s->h, "screenshot-failed %s %s", s->path,
		    error != NULL ? error->message : "no pixels");
	else
		test_status(s->h, "screenshot %s", s->path);
	g_free(s->path);
	g_free(s);
	return G_SOURCE_REMOVE;
}

static void
test_command(Host *h, char *line)
{
	g_strchomp(line);
	if (g_str_has_prefix(line, "type ")) {
		scl_greeter_prompt_type(h->prompt, line + 5);
		test_status(h, "typed");
	} else if (strcmp(line, "submit") == 0)
		g_signal_emit_by_name(h->prompt, "submit");
	else if (strcmp(line, "other") == 0)
		g_signal_emit_by_name(h->prompt, "other-options");
	else if (strcmp(line, "use-card") == 0)
		g_signal_emit_by_name(h->prompt, "use-card");
	else if (strcmp(line, "cancel") == 0)
		g_signal_emit_by_name(h->prompt, "cancel");
	else if (g_str_has_prefix(line, "screenshot ")) {
		Shot *s = g_new0(Shot, 1);

		s->h = h;
		s->path = g_strdup(line + 11);
		/* Let the stack transition and the redraw finish. */
		g_timeout_add(400, take_screenshot, s);
	} else if (strcmp(line, "clock") == 0) {
		h->test_clock = TRUE;
		test_status(h, "clock");
	} else if (strcmp(line, "quit") == 0)
		g_application_quit(G_APPLICATION(h->app));
	else
		test_status(h, "unknown-command %s", line);
}

static gboolean
on_test_input(GIOChannel *ch, GIOCondition cond, gpointer data)
{
	Host *h = data;
	g_autofree char *line = NULL;
	GIOStatus st;

	st = g_io_channel_read_line(ch, &line, NULL, NULL, NULL);
	if (st == G_IO_STATUS_NORMAL && line != NULL) {
		test_command(h, line);
		return G_SOURCE_CONTINUE;
	}
	if (st == G_IO_STATUS_AGAIN)
		return G_SOURCE_CONTINUE;
	return G_SOURCE_REMOVE;
}

static void
test_hook_init(Host *h)
{
	const char *fifo = g_getenv("SCL_GREETER_TEST_FIFO");
	const char *status = g_getenv("SCL_GREETER_TEST_STATUS");
	int fd;

	if (fifo == NULL || status == NULL)
		return;
	h->test_status = fopen(status, "ae");
	/* O_RDWR keeps the FIFO open when the test's writer closes it. */
	fd = open(fifo, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (h->test_status == NULL || fd < 0) {
		g_printerr("sclogin-greeter: test hook: %s\n",
		    g_strerror(errno));
		exit(2);
	}
	h->test_in = g_io_channel_unix_new(fd);
	g_io_channel_set_close_on_unref(h->test_in, TRUE);
	g_io_add_watch(h->test_in, G_IO_IN | G_IO_HUP, on_test_input, h);
	test_status(h, "ready pid=%d", (int)getpid());
}

/* The window. */

static void
log_sink(void *ctx, const char *msg)
{
	g_log(LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "%s", msg);
}

static char *
display_name(const char *user)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	g_autofree char *gecos = NULL;
	char *comma;

	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL ||
	    pw.pw_gecos == NULL || pw.pw_gecos[0] == '\0')
		return g_strdup(user);
	gecos = g_strdup(pw.pw_gecos);
	if ((comma = strchr(gecos, ',')) != NULL)
		*comma = '\0';
	if (gecos[0] == '\0' || !g_utf8_validate(gecos, -1, NULL))
		return g_strdup(user);
	return g_steal_pointer(&gecos);
}

static gboolean
on_delete(GtkWidget *w, GdkEvent *ev, gpointer data)
{
	return GDK_EVENT_PROPAGATE;
}

static void
on_activate(GtkApplication *app, gpointer data)
{
	Host *h = data;
	struct scl_record rec;
	enum scl_method method = SCL_METHOD_UNKNOWN;
	g_autofree char *name = NULL;
	GtkWidget *overlay, *title;
	int r;

	if (h->window != NULL) {
		gtk_window_present(GTK_WINDOW(h->window));
		return;
	}
	r = scl_record_read(h->record_dir, h->user, &rec);
	if (r == 0)
		method = rec.method;
	else if (r == SCL_ERR_NO_OBJECT)
		g_log(LOG_DOMAIN, G_LOG_LEVEL_INFO, "no sign-in record of "
		    "'%s' yet", h->user);
	else
		g_log(LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "sign-in record of "
		    "'%s' in '%s': %s, ignoring", h->user, h->record_dir,
		    scl_strerror(r));
	g_log(LOG_DOMAIN, G_LOG_LEVEL_INFO, "last method of '%s': %s",
	    h->user, scl_method_name(method));

	scl_greeter_style_init();
	h->window = gtk_application_window_new(app);
	gtk_window_set_title(GTK_WINDOW(h->window), h->unlock ?
	    "Unlock" : "Sign in");
	gtk_window_set_default_size(GTK_WINDOW(h->window), 800, 600);
	gtk_style_context_add_class(gtk_widget_get_style_context(h->window),
	    "scl-background");
	g_signal_connect(h->window, "delete-event", G_CALLBACK(on_delete), h);

	overlay = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	title = gtk_label_new(h->unlock ? "This computer is locked" : "");
	gtk_widget_set_margin_top(title, 24);
	gtk_style_context_add_class(gtk_widget_get_style_context(title),
	    "scl-banner");
	h->prompt = SCL_GREETER_PROMPT(scl_greeter_prompt_new());
	name = display_name(h->user);
	scl_greeter_prompt_set_user(h->prompt, name);
	gtk_widget_set_vexpand(GTK_WIDGET(h->prompt), TRUE);
	gtk_box_pack_start(GTK_BOX(overlay), title, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(overlay), GTK_WIDGET(h->prompt), TRUE,
	    TRUE, 0);
	gtk_container_add(GTK_CONTAINER(h->window), overlay);

	h->driver = scl_greeter_driver_new(h->prompt, h->user, h->cfg,
	    &backend, h);
	g_signal_connect(h->driver, "rendered", G_CALLBACK(on_rendered), h);
	test_hook_init(h);
	if (h->fullscreen) {
		GdkDisplay *dpy = gdk_display_get_default();
		GdkMonitor *mon = gdk_display_get_primary_monitor(dpy);
		GdkRectangle geo;

		if (mon == NULL)
			mon = gdk_display_get_monitor(dpy, 0);
		/* Sized by hand too: a bare X server has no window manager. */
		gdk_monitor_get_geometry(mon, &geo);
		gtk_window_set_decorated(GTK_WINDOW(h->window), FALSE);
		gtk_window_move(GTK_WINDOW(h->window), geo.x, geo.y);
		gtk_window_set_default_size(GTK_WINDOW(h->window), geo.width,
		    geo.height);
		gtk_window_fullscreen(GTK_WINDOW(h->window));
	}
	gtk_widget_show_all(h->window);
	scl_greeter_driver_start(h->driver, method);
}

int
main(int argc, char **argv)
{
	Host h;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) oc = NULL;
	char errbuf[512];
	int r, status;
	const GOptionEntry entries[] = {
		{ "user", 'u', 0, G_OPTION_ARG_STRING, &h.user,
		    "User to sign in (default: the calling user)", "USER" },
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &h.config_path,
		    "sclogin.conf to use", "FILE" },
		{ "state-dir", 's', 0, G_OPTION_ARG_FILENAME, &h.state_dir,
		    "State directory (default /var/lib/sclogin)", "DIR" },
		{ "card-service", 0, 0, G_OPTION_ARG_STRING, &h.svc_card,
		    "PAM service for the card (sclogin-card)", "NAME" },
		{ "password-service", 0, 0, G_OPTION_ARG_STRING,
		    &h.svc_password,
		    "PAM service for the password (sclogin-password)", "NAME" },
		{ "unlock", 0, 0, G_OPTION_ARG_NONE, &h.unlock,
		    "Unlock wording", NULL },
		{ "fullscreen", 0, 0, G_OPTION_ARG_NONE, &h.fullscreen,
		    "Cover the screen", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};

	memset(&h, 0, sizeof(h));
	h.exit_status = 1;
	setlocale(LC_ALL, "");
	scl_tr_utf8();
	oc = g_option_context_new("- smart card sign-in window");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_option_context_add_group(oc, gtk_get_option_group(FALSE));
	if (!g_option_context_parse(oc, &argc, &argv, &error)) {
		g_printerr("sclogin-greeter: %s\n", error->message);
		return 2;
	}
	if (h.user == NULL) {
		struct passwd pw, *res = NULL;
		char buf[4096];

		if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) != 0 ||
		    res == NULL) {
			g_printerr("sclogin-greeter: unknown uid, use "
			    "--user\n");
			return 2;
		}
		h.user = g_strdup(pw.pw_name);
	}
	if (h.svc_card == NULL)
		h.svc_card = g_strdup("sclogin-card");
	if (h.svc_password == NULL)
		h.svc_password = g_strdup("sclogin-password");
	if (g_getenv("SCL_DEBUG") != NULL)
		scl_log_set_handler(log_sink, NULL);

	r = scl_config_load(h.config_path != NULL ? h.config_path :
	    SCL_CONFIG_PATH_DEFAULT, h.svc_card, h.config_path == NULL,
	    &h.cfg, errbuf, sizeof(errbuf));
	if (r < 0) {
		/* Password sign-in must still work; the card probe is off. */
		g_log(LOG_DOMAIN, G_LOG_LEVEL_WARNING, "%s: %s; card checks "
		    "disabled", errbuf[0] != '\0' ? errbuf : "config",
		    scl_strerror(r));
		h.cfg = NULL;
	}
	if (h.state_dir == NULL)
		h.state_dir = g_strdup(h.cfg != NULL && h.cfg->state_dir ?
		    h.cfg->state_dir : "/var/lib/sclogin");
	h.record_dir = g_build_filename(h.state_dir, "users", NULL);

	h.app = gtk_application_new("org.sclogin.Greeter",
	    G_APPLICATION_NON_UNIQUE);
	g_signal_connect(h.app, "activate", G_CALLBACK(on_activate), &h);
	status = g_application_run(G_APPLICATION(h.app), 1, argv);
	if (status == 0)
		status = h.exit_status;

	if (h.job != NULL)
		backend_cancel(&h, h.job->seq);
	if (!live_threads_wait())
		g_log(LOG_DOMAIN, G_LOG_LEVEL_WARNING, "a PAM transaction was "
		    "still running %d s after the greeter quit",
		    PAM_THREADS_EXIT_WAIT_S);
	g_clear_object(&h.driver);
	g_clear_object(&h.app);
	if (h.test_in != NULL)
		g_io_channel_unref(h.test_in);
	if (h.test_status != NULL)
		fclose(h.test_status);
	scl_config_free(&h.cfg);
	g_free(h.user);
	g_free(h.config_path);
	g_free(h.state_dir);
	g_free(h.record_dir);
	g_free(h.svc_card);
	g_free(h.svc_password);
	return status;
}
