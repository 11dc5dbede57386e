/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <string.h>

#include "i18n.h"
#include "label.h"
#include "prompts.h"
#include "scl-greeter-prompt.h"
#include "scl-greeter-resources.h"

struct _SclGreeterPrompt {
	GtkBox parent_instance;

	GtkLabel *user_label;
	GtkStack *stack;
	GtkImage *wait_icon;
	GtkLabel *wait_title;
	GtkLabel *wait_detail;
	GtkLabel *entry_title;
	GtkLabel *card_label;
	GtkEntry *entry;
	GtkLabel *tries_label;
	GtkSpinner *spinner;
	GtkLabel *busy_label;
	GtkLabel *message_title;
	GtkLabel *message_detail;
	GtkLabel *status_label;
	GtkWidget *offer_box;
	GtkLabel *offer_label;
	GtkWidget *other_button;
	GtkImage *other_icon;
	GtkLabel *other_label;

	enum scl_greeter_view last_view;
	enum scl_method last_method;
	char *shown;		/* scl_greeter_prompt_describe(), as rendered */
	char *shown_status;
};

enum {
	SIGNAL_SUBMIT,
	SIGNAL_OTHER_OPTIONS,
	SIGNAL_USE_CARD,
	SIGNAL_CANCEL,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE(SclGreeterPrompt, scl_greeter_prompt, GTK_TYPE_BOX)
G_DEFINE_QUARK(scl-greeter-error-quark, scl_greeter_error)

static void
on_entry_activate(SclGreeterPrompt *self)
{
	if (gtk_entry_get_text_length(self->entry) == 0)
		return;
	g_signal_emit(self, signals[SIGNAL_SUBMIT], 0);
}

static void
on_other_clicked(SclGreeterPrompt *self)
{
	g_signal_emit(self, signals[SIGNAL_OTHER_OPTIONS], 0);
}

static void
on_use_card_clicked(SclGreeterPrompt *self)
{
	g_signal_emit(self, signals[SIGNAL_USE_CARD], 0);
}

static gboolean
scl_greeter_prompt_key_press(GtkWidget *widget, GdkEventKey *event)
{
	if (event->keyval == GDK_KEY_Escape) {
		g_signal_emit(widget, signals[SIGNAL_CANCEL], 0);
		return GDK_EVENT_STOP;
	}
	return GTK_WIDGET_CLASS(scl_greeter_prompt_parent_class)->
	    key_press_event(widget, event);
}

static void
set_class(GtkWidget *w, const char *cls, gboolean on)
{
	GtkStyleContext *sc = gtk_widget_get_style_context(w);

	if (on)
		gtk_style_context_add_class(sc, cls);
	else
		gtk_style_context_remove_class(sc, cls);
}

/* PAM prompts end in ": "; a heading does not. */
static char *
clean_prompt(const char *p)
{
	g_autofree char *s = g_strstrip(g_strdup(p));
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == ':')
		s[n - 1] = '\0';
	return g_steal_pointer(&s);
}

/* The card label in pam_sclogin's PIN prompt, display form; NULL if none. */
static char *
card_of_prompt(const char *prompt)
{
	char shown[SCL_LABEL_DISPLAY_SIZE];
	const char *p = NULL, *e;

	if (g_str_has_prefix(prompt, SCL_PROMPT_PIN))
		p = prompt + strlen(SCL_PROMPT_PIN);
	else if (g_str_has_prefix(prompt, _(SCL_PROMPT_PIN)))
		p = prompt + strlen(_(SCL_PROMPT_PIN));
	if (p == NULL || (e = strchr(p, '"')) == NULL)
		return NULL;
	scl_label_display(shown, sizeof(shown), p, (size_t)(e - p));
	return g_strdup(shown);
}

static void
render_entry(SclGreeterPrompt *self, const struct scl_greeter_output *out)
{
	g_autofree char *title = NULL;
	g_autofree char *card = NULL;
	g_autofree char *tries = NULL;
	g_autofree char *prompt = clean_prompt(out->prompt);
	g_autofree char *named = NULL;
	gboolean card_mode = out->view == SCL_GREETER_VIEW_PIN;
	gboolean pam_text = out->prompt_echo && prompt[0] != '\0';

	if (pam_text)
		title = g_strdup(prompt);
	else if (card_mode)
		title = g_strdup(_("Enter your PIN"));
	else
		title = g_strdup(_("Enter your password"));
	gtk_label_set_text(self->entry_title, title);

	if (card_mode && out->card_name[0] != '\0')
		card = g_strdup_printf(_("Smart card \"%s\""),
		    out->card_name);
	else if (card_mode && !pam_text &&
	    (named = card_of_prompt(prompt)) != NULL)
		card = g_strdup_printf(_("Smart card \"%s\""), named);
	else if (card_mode && !pam_text && prompt[0] != '\0')
		card = g_strdup(prompt);	/* "PIN for <card>" from PAM */
	else if (card_mode)
		card = g_strdup(_("Smart card"));
	gtk_label_set_text(self->card_label, card != NULL ? card : "");
	gtk_widget_set_visible(GTK_WIDGET(self->card_label), card != NULL);
	g_free(self->shown);
	self->shown = g_strdup_printf("title='%s' card_text='%s'", title,
	    card != NULL ? card : "");

	gtk_entry_set_visibility(self->entry, out->prompt_echo);
	gtk_entry_set_placeholder_text(self->entry, pam_text ? "" :
	    card_mode ? _("PIN") : _("Password"));
	gtk_entry_set_input_purpose(self->entry, card_mode && !pam_text ?
	    GTK_INPUT_PURPOSE_PIN : GTK_INPUT_PURPOSE_PASSWORD);

	if (card_mode && out->tries_left == 1)
		tries = g_strdup(_("Last try: a wrong PIN blocks this card."));
	else if (card_mode && out->tries_left >= 0 &&
	    out->message_kind != SCL_GREETER_MSG_ERROR)
		tries = g_strdup_printf(scl_trn("%d try left",
		    "%d tries left", (unsigned long)out->tries_left),
		    out->tries_left);
	else if (card_mode && out->tries_left < 0 &&
	    out->message_kind != SCL_GREETER_MSG_ERROR)
		tries = g_strdup(_("This card does not say how many tries "
		    "are left: a wrong PIN may block it."));
	gtk_label_set_text(self->tries_label, tries != NULL ? tries : "");
	gtk_widget_set_visible(GTK_WIDGET(self->tries_label), tries != NULL);
	set_class(GTK_WIDGET(self->tries_label), "scl-low",
	    out->tries_left >= 0 && out->tries_left <= 1);
}

void
scl_greeter_prompt_render(SclGreeterPrompt *self,
    const struct scl_greeter_output *out)
{
	const char *page = "wait";
	gboolean card = out->method == SCL_METHOD_CARD;
	gboolean status = out->message_kind != SCL_GREETER_MSG_NONE &&
	    out->view != SCL_GREETER_VIEW_MESSAGE;

	g_return_if_fail(SCL_IS_GREETER_PROMPT(self));

	if (out->method != self->last_method)
		gtk_entry_set_text(self->entry, "");

	switch (out->view) {
	case SCL_GREETER_VIEW_INSERT_CARD:
		gtk_image_set_from_icon_name(self->wait_icon,
		    "auth-smartcard-symbolic", GTK_ICON_SIZE_DIALOG);
		gtk_label_set_text(self->wait_title,
		    _("Insert your smart card"));
		gtk_label_set_text(self->wait_detail,
		    _("Your PIN will be asked for once the card is in the "
		    "reader."));
		break;
	case SCL_GREETER_VIEW_CONNECT_READER:
		gtk_image_set_from_icon_name(self->wait_icon,
		    "media-removable-symbolic", GTK_ICON_SIZE_DIALOG);
		gtk_label_set_text(self->wait_title,
		    _("Connect a smart card reader"));
		gtk_label_set_text(self->wait_detail,
		    _("No smart card reader is connected to this "
		    "computer."));
		break;
	case SCL_GREETER_VIEW_PIN:
	case SCL_GREETER_VIEW_PASSWORD:
		page = "entry";
		render_entry(self, out);
		break;
	case SCL_GREETER_VIEW_BUSY:
		page = "busy";
		gtk_label_set_text(self->busy_label, card ?
		    _("Checking your PIN…") : _("Signing in…"));
		break;
	case SCL_GREETER_VIEW_MESSAGE:
		page = "message";
		gtk_label_set_text(self->message_title, _(out->message));
		gtk_label_set_text(self->message_detail, card ?
		    _("Remove the card, or choose another way to sign in.") :
		    _("Choose another way to sign in, or contact your "
		    "administrator."));
		break;
	case SCL_GREETER_VIEW_DONE:
		page = "done";
		break;
	}
	gtk_stack_set_visible_child_name(self->stack, page);
	if (out->view == SCL_GREETER_VIEW_BUSY)
		gtk_spinner_start(self->spinner);
	else
		gtk_spinner_stop(self->spinner);

	gtk_label_set_text(self->status_label, status ? _(out->message) :
	    "");
	g_free(self->shown_status);
	self->shown_status = g_strdup(status ? _(out->message) : "");
	gtk_widget_set_visible(GTK_WIDGET(self->status_label), status);
	set_class(GTK_WIDGET(self->status_label), "scl-error",
	    out->message_kind == SCL_GREETER_MSG_ERROR);
	set_class(GTK_WIDGET(self->status_label), "scl-info",
	    out->message_kind == SCL_GREETER_MSG_INFO);

	if (out->offer_card) {
		g_autofree char *t = out->card_name[0] != '\0' ?
		    g_strdup_printf(_("Smart card “%s” is ready."),
		    out->card_name) : g_strdup(_("Your smart card is ready."));

		gtk_label_set_text(self->offer_label, t);
	}
	gtk_widget_set_visible(self->offer_box, out->offer_card &&
	    out->view == SCL_GREETER_VIEW_PASSWORD);

	gtk_widget_set_visible(self->other_button, out->can_other &&
	    out->view != SCL_GREETER_VIEW_BUSY);
	gtk_label_set_text(self->other_label, card ?
	    _("Sign in with a password instead") :
	    _("Sign in with a smart card instead"));
	gtk_image_set_from_icon_name(self->other_icon, card ?
	    "dialog-password-symbolic" : "auth-smartcard-symbolic",
	    GTK_ICON_SIZE_BUTTON);
	gtk_widget_set_tooltip_text(self->other_button,
	    _("Other sign-in options"));

	if ((out->view == SCL_GREETER_VIEW_PIN ||
	    out->view == SCL_GREETER_VIEW_PASSWORD) &&
	    !gtk_widget_has_focus(GTK_WIDGET(self->entry)))
		gtk_entry_grab_focus_without_selecting(self->entry);
	self->last_view = out->view;
	self->last_method = out->method;
}

char *
scl_greeter_prompt_take_secret(SclGreeterPrompt *self)
{
	const char *t;
	char *s;

	g_return_val_if_fail(SCL_IS_GREETER_PROMPT(self), NULL);
	t = gtk_entry_get_text(self->entry);
	if (t == NULL || t[0] == '\0')
		return NULL;
	/* Plain malloc: the PAM module frees (and wipes) the reply. */
	s = strdup(t);
	/* GtkEntryBuffer zeroes the text it deletes. */
	gtk_entry_set_text(self->entry, "");
	return s;
}

char *
scl_greeter_prompt_describe(SclGreeterPrompt *self)
{
	return g_strdup_printf("%s status_text='%s'", self->shown != NULL ?
	    self->shown : "", self->shown_status != NULL ?
	    self->shown_status : "");
}

void
scl_greeter_prompt_type(SclGreeterPrompt *self, const char *text)
{
	g_return_if_fail(SCL_IS_GREETER_PROMPT(self));
	gtk_entry_set_text(self->entry, text);
}

void
scl_greeter_prompt_set_user(SclGreeterPrompt *self, const char *name)
{
	g_return_if_fail(SCL_IS_GREETER_PROMPT(self));
	gtk_label_set_text(self->user_label, name);
}

/* Static library: the resource constructor would not be linked in. */
static void
resources_ensure(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		scl_greeter_register_resource();
		g_once_init_leave(&once, 1);
	}
}

void
scl_greeter_style_init(void)
{
	static gsize once;

	resources_ensure();
	if (g_once_init_enter(&once)) {
		g_autoptr(GtkCssProvider) css = gtk_css_provider_new();

		gtk_css_provider_load_from_resource(css,
		    "/org/sclogin/greeter/ui/scl-greeter.css");
		gtk_style_context_add_provider_for_screen(
		    gdk_screen_get_default(), GTK_STYLE_PROVIDER(css),
		    GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
		g_once_init_leave(&once, 1);
	}
}

static void
scl_greeter_prompt_init(SclGreeterPrompt *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
	self->last_view = 0;
	self->last_method = SCL_METHOD_UNKNOWN;
	gtk_widget_set_can_focus(GTK_WIDGET(self), TRUE);
	scl_greeter_style_init();
}

static void
scl_greeter_prompt_finalize(GObject *object)
{
	SclGreeterPrompt *self = SCL_GREETER_PROMPT(object);

	g_free(self->shown);
	g_free(self->shown_status);
	G_OBJECT_CLASS(scl_greeter_prompt_parent_class)->finalize(object);
}

static void
scl_greeter_prompt_class_init(SclGreeterPromptClass *klass)
{
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
	const char *names[N_SIGNALS] = { "submit", "other-options",
	    "use-card", "cancel" };
	guint i;

	resources_ensure();
	G_OBJECT_CLASS(klass)->finalize = scl_greeter_prompt_finalize;
	widget_class->key_press_event = scl_greeter_prompt_key_press;
	for (i = 0; i < N_SIGNALS; i++)
		signals[i] = g_signal_new(names[i], G_TYPE_FROM_CLASS(klass),
		    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

	gtk_widget_class_set_template_from_resource(widget_class,
	    "/org/sclogin/greeter/ui/scl-greeter-prompt.ui");
#define CHILD(n) gtk_widget_class_bind_template_child(widget_class, \
	SclGreeterPrompt, n)
	CHILD(user_label);
	CHILD(stack);
	CHILD(wait_icon);
	CHILD(wait_title);
	CHILD(wait_detail);
	CHILD(entry_title);
	CHILD(card_label);
	CHILD(entry);
	CHILD(tries_label);
	CHILD(spinner);
	CHILD(busy_label);
	CHILD(message_title);
	CHILD(message_detail);
	CHILD(status_label);
	CHILD(offer_box);
	CHILD(offer_label);
	CHILD(other_button);
	CHILD(other_icon);
	CHILD(other_label);
#undef CHILD
	gtk_widget_class_bind_template_callback(widget_class,
	    on_entry_activate);
	gtk_widget_class_bind_template_callback(widget_class,
	    on_other_clicked);
	gtk_widget_class_bind_template_callback(widget_class,
	    on_use_card_clicked);
}

GtkWidget *
scl_greeter_prompt_new(void)
{
	return g_object_new(SCL_TYPE_GREETER_PROMPT, NULL);
}
