/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * sclogin-lightdm-greeter: the same widget and driver as sclogin-greeter,
 * as a LightDM greeter.  LightDM runs PAM (its one configured service,
 * stacked like data/pam.d/sclogin-login: pam_sclogin sufficient, then the
 * password), so the two sign-in methods are told apart by the prompts:
 * pam_sclogin's questions begin as prompts.h says.  In password mode the
 * first card question is answered empty (pam_sclogin then steps aside with
 * AUTHINFO_UNAVAIL, as documented in pam_sclogin(8)); in card mode any
 * other prompt means the card could not be used, which the controller
 * hears as UNAVAIL.
 *
 * The last method: the system record when readable (record_group, the
 * greeter user is usually not root), else the greeter's own memory in its
 * cache dir.
 *
 * Who signs in: LightDM's select-user hint, else the user who signed in
 * last here, else the one user there is (none hidden); otherwise nobody is
 * guessed: the conversation starts without a user, so the card says who
 * (pam_sclogin's card-only sign-in) or PAM asks for the name.
 */
#include <errno.h>
#include <locale.h>
#include <string.h>
#include <time.h>

#include <gtk/gtk.h>
#include <lightdm.h>

#include "config.h"
#include "err.h"
#include "i18n.h"
#include "prompts.h"
#include "record.h"
#include "scl-greeter-driver.h"
#include "scl-greeter-prompt.h"
#include "secret.h"

#define LOG_DOMAIN "scl-greeter"

typedef struct {
	LightDMGreeter *greeter;
	GtkWidget *window;
	SclGreeterPrompt *prompt;
	SclGreeterDriver *driver;
	struct scl_config *cfg;
	char *user;
	unsigned seq;		/* current transaction, 0 = none */
	enum scl_greeter_service svc;
	gboolean skipped_pin;
	gboolean skipping;	/* card step skipped, password prompt not yet
				 * here: pam_sclogin's last words are noise */
	enum scl_method method;
} Host;

/* The prefix in English (a module with no catalogue) or in our locale. */
static gboolean
has_prompt(const char *text, const char *prefix)
{
	return g_str_has_prefix(text, prefix) ||
	    g_str_has_prefix(text, _(prefix));
}

static gboolean
is_card_prompt(const char *text)
{
	return has_prompt(text, SCL_PROMPT_PIN) ||
	    has_prompt(text, SCL_PROMPT_LAST_TRY) ||
	    has_prompt(text, SCL_PROMPT_CHOOSE_CARD) ||
	    has_prompt(text, SCL_PROMPT_USER_HINT);
}

static char *
memory_path(void)
{
	return g_build_filename(g_get_user_cache_dir(), "sclogin-greeter",
	    "last-method.ini", NULL);
}

/* The greeter's memory: [last-method] USER=METHOD, [greeter] last-user. */
static GKeyFile *
memory_load(void)
{
	GKeyFile *kf = g_key_file_new();
	g_autofree char *path = memory_path();

	(void)g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL);
	return kf;
}

static enum scl_method
last_method(Host *h)
{
	g_autoptr(GKeyFile) kf = NULL;
	g_autofree char *dir = NULL;
	g_autofree char *name = NULL;
	struct scl_record rec;
	enum scl_method m = SCL_METHOD_UNKNOWN;

	if (h->user == NULL)
		return SCL_METHOD_CARD;	/* the card says who; password offered */
	dir = g_build_filename(h->cfg != NULL && h->cfg->state_dir != NULL ?
	    h->cfg->state_dir : "/var/lib/sclogin", "users", NULL);
	if (scl_record_read(dir, h->user, &rec) == 0)
		return rec.method;
	kf = memory_load();
	if ((name = g_key_file_get_string(kf, "last-method", h->user,
	    NULL)) != NULL)
		(void)scl_method_from_name(name, &m);
	return m;
}

static void
remember_method(Host *h, enum scl_method m)
{
	g_autoptr(GKeyFile) kf = memory_load();
	g_autoptr(GError) error = NULL;
	g_autofree char *path = memory_path();
	g_autofree char *dir = g_path_get_dirname(path);
	const char *user = lightdm_greeter_get_authentication_user(h->greeter);

	if (user == NULL || user[0] == '\0')
		return;
	g_key_file_set_string(kf, "last-method", user, scl_method_name(m));
	g_key_file_set_string(kf, "greeter", "last-user", user);
	if (g_mkdir_with_parents(dir, 0700) < 0 ||
	    !g_key_file_save_to_file(kf, path, &error))
		g_log(LOG_DOMAIN, G_LOG_LEVEL_WARNING, "cannot remember the "
		    "sign-in method in %s, ignoring", path);
}

static void
backend_start(gpointer data, enum scl_greeter_service svc, unsigned seq)
{
	Host *h = data;
	g_autoptr(GError) error = NULL;

	if (h->seq != 0 && lightdm_greeter_get_in_authentication(h->greeter))
		(void)lightdm_greeter_cancel_authentication(h->greeter, NULL);
	h->seq = seq;
	h->svc = svc;
	h->skipped_pin = FALSE;
	h->skipping = FALSE;
	if (!lightdm_greeter_authenticate(h->greeter, h->user, &error)) {
		g_log(LOG_DOMAIN, G_LOG_LEVEL_WARNING, "authenticate: %s",
		    error->message);
		h->seq = 0;
		scl_greeter_driver_pam_result(h->driver, seq,
		    SCL_GREETER_PAM_ERROR);
	}
}

static void
backend_answer(gpointer data, unsigned seq, char *secret)
{
	Host *h = data;

	if (seq == h->seq)
		(void)lightdm_greeter_respond(h->greeter,
		    secret != NULL ? secret : "", NULL);
	scl_wipe_str(secret);
}

static void
backend_cancel(gpointer data, unsigned seq)
{
	Host *h = data;

	if (seq != h->seq)
		return;
	h->seq = 0;
	(void)lightdm_greeter_cancel_authentication(h->greeter, NULL);
}

static void
backend_succeeded(gpointer data, enum scl_method method, const char *card_id)
{
	Host *h = data;

	h->method = method;
}

static const SclGreeterBackend backend = {
	.start = backend_start,
	.answer = backend_answer,
	.cancel = backend_cancel,
	.succeeded = backend_succeeded,
};

static void
on_show_prompt(LightDMGreeter *g, const char *text, LightDMPromptType type,
    gpointer data)
{
	Host *h = data;
	unsigned seq = h->seq;

	if (seq == 0)
		return;
	if (h->svc == SCL_GREETER_SERVICE_PASSWORD && is_card_prompt(text) &&
	    !h->skipped_pin) {
		/* Empty PIN: "use another sign-in option". */
		h->skipped_pin = TRUE;
		h->skipping = TRUE;
		(void)lightdm_greeter_respond(g, "", NULL);
		return;
	}
	if (!is_card_prompt(text))
		h->skipping = FALSE;
	if (h->svc == SCL_GREETER_SERVICE_CARD && !is_card_prompt(text)) {
		h->seq = 0;
		(void)lightdm_greeter_cancel_authentication(g, NULL);
		scl_greeter_driver_pam_result(h->driver, seq,
		    SCL_GREETER_PAM_UNAVAIL);
		return;
	}
	scl_greeter_driver_pam_prompt(h->driver, seq,
	    type == LIGHTDM_PROMPT_TYPE_QUESTION, text);
}

static void
on_show_message(LightDMGreeter *g, const char *text, LightDMMessageType type,
    gpointer data)
{
	Host *h = data;

	if (h->seq == 0)
		return;
	if (h->svc == SCL_GREETER_SERVICE_PASSWORD && h->skipping)
		return;
	scl_greeter_driver_pam_message(h->driver, h->seq,
	    type == LIGHTDM_MESSAGE_TYPE_ERROR, text);
}

static void
on_auth_complete(LightDMGreeter *g, gpointer data)
{
	Host *h = data;
	unsigned seq = h->seq;
	g_autoptr(GError) error = NULL;

	if (seq == 0)
		return;
	h->seq = 0;
	if (!lightdm_greeter_get_is_authenticated(g)) {
		scl_greeter_driver_pam_result(h->driver, seq,
		    SCL_GREETER_PAM_AUTH_ERR);
		return;
	}
	scl_greeter_driver_pam_result(h->driver, seq, SCL_GREETER_PAM_SUCCESS);
	remember_method(h, h->method);
	/* On success LightDM stops this greeter inside the call. */
	if (!lightdm_greeter_start_session_sync(g, NULL, &error)) {
		g_log(LOG_DOMAIN, G_LOG_LEVEL_WARNING, "start session: %s",
		    error->message);
		scl_greeter_driver_session_failed(h->driver, "Your session "
		    "could not be started. Sign in again, or contact your "
		    "administrator.");
	}
}

/* Every rendered state at debug level (G_MESSAGES_DEBUG), no secrets. */
static void
on_rendered(SclGreeterDriver *d, gpointer data)
{
	g_autofree char *s = scl_greeter_driver_describe(d);

	g_log(LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "%s", s);
}

/* NULL: nobody to guess (see the top of the file). */
static char *
pick_user(LightDMGreeter *g)
{
	const char *hint = lightdm_greeter_get_select_user_hint(g);
	LightDMUserList *ul = lightdm_user_list_get_instance();
	g_autoptr(GKeyFile) kf = memory_load();
	g_autofree char *last = NULL;
	GList *users;

	if (hint != NULL && hint[0] != '\0')
		return g_strdup(hint);
	last = g_key_file_get_string(kf, "greeter", "last-user", NULL);
	if (last != NULL && lightdm_user_list_get_user_by_name(ul, last) !=
	    NULL)
		return g_steal_pointer(&last);
	if (lightdm_greeter_get_hide_users_hint(g))
		return NULL;
	users = lightdm_user_list_get_users(ul);
	if (users != NULL && users->next == NULL)
		return g_strdup(lightdm_user_get_name(users->data));
	return NULL;
}

int
main(int argc, char **argv)
{
	Host h;
	g_autoptr(GError) error = NULL;
	GdkRectangle geo;
	char errbuf[512];
	int r;

	memset(&h, 0, sizeof(h));
	setlocale(LC_ALL, "");
	scl_tr_utf8();
	gtk_init(&argc, &argv);
	h.greeter = lightdm_greeter_new();
	g_signal_connect(h.greeter, LIGHTDM_GREETER_SIGNAL_SHOW_PROMPT,
	    G_CALLBACK(on_show_prompt), &h);
	g_signal_connect(h.greeter, LIGHTDM_GREETER_SIGNAL_SHOW_MESSAGE,
	    G_CALLBACK(on_show_message), &h);
	g_signal_connect(h.greeter,
	    LIGHTDM_GREETER_SIGNAL_AUTHENTICATION_COMPLETE,
	    G_CALLBACK(on_auth_complete), &h);
	if (!lightdm_greeter_connect_to_daemon_sync(h.greeter, &error)) {
		g_printerr("sclogin-lightdm-greeter: %s\n", error->message);
		return 1;
	}
	h.user = pick_user(h.greeter);
	r = scl_config_load(SCL_CONFIG_PATH_DEFAULT, "lightdm", 1, &h.cfg,
	    errbuf, sizeof(errbuf));
	if (r < 0) {
		g_log(LOG_DOMAIN, G_LOG_LEVEL_WARNING, "%s; card checks "
		    "disabled", errbuf);
		h.cfg = NULL;
	}

	scl_greeter_style_init();
	h.window = gtk_window_new(GTK_WINDOW_TOPLEVEL);
	gtk_style_context_add_class(gtk_widget_get_style_context(h.window),
	    "scl-background");
	gdk_monitor_get_geometry(gdk_display_get_primary_monitor(
	    gdk_display_get_default()) != NULL ?
	    gdk_display_get_primary_monitor(gdk_display_get_default()) :
	    gdk_display_get_monitor(gdk_display_get_default(), 0), &geo);
	gtk_window_move(GTK_WINDOW(h.window), geo.x, geo.y);
	gtk_window_set_default_size(GTK_WINDOW(h.window), geo.width,
	    geo.height);
	gtk_window_set_decorated(GTK_WINDOW(h.window), FALSE);
	h.prompt = SCL_GREETER_PROMPT(scl_greeter_prompt_new());
	if (h.user != NULL) {
		LightDMUser *u = lightdm_user_list_get_user_by_name(
		    lightdm_user_list_get_instance(), h.user);
		const char *dn = u != NULL ?
		    lightdm_user_get_display_name(u) : NULL;

		scl_greeter_prompt_set_user(h.prompt, dn != NULL ? dn : h.user);
	} else
		scl_greeter_prompt_set_user(h.prompt, "Sign in");
	gtk_container_add(GTK_CONTAINER(h.window), GTK_WIDGET(h.prompt));
	h.driver = scl_greeter_driver_new(h.prompt, h.user, h.cfg, &backend,
	    &h);
	g_signal_connect(h.driver, "rendered", G_CALLBACK(on_rendered), NULL);
	gtk_widget_show_all(h.window);
	scl_greeter_driver_start(h.driver, last_method(&h));
	gtk_main();

	g_clear_object(&h.driver);
	g_clear_object(&h.greeter);
	scl_config_free(&h.cfg);
	g_free(h.user);
	return 0;
}
