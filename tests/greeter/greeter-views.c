/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * greeter-views OUTDIR: renders every view of SclGreeterPrompt (outputs
 * of the real controller, driven through a script of inputs) in a window
 * and saves a PNG of each to OUTDIR.  Needs a display (run under Xvfb by
 * test-greeter-views.sh); no card stack.
 */
#include <stdio.h>
#include <string.h>

#include <gtk/gtk.h>

#include "greeter-model.h"
#include "scl-greeter-prompt.h"

struct shot {
	const char *file;
	struct scl_greeter_input in[6];
};

#define R0 "Virtual PCD 00 00"
#define IN(k, ...) { .kind = SCL_GREETER_IN_##k, __VA_ARGS__ }

static const struct shot shots[] = {
	{ "view-insert-card.png", { IN(READER_ADDED, .reader = R0),
	    IN(START, .method = SCL_METHOD_CARD) } },
	{ "view-connect-reader.png", { IN(START, .method = SCL_METHOD_CARD) } },
	{ "view-pin.png", { IN(READER_ADDED, .reader = R0),
	    IN(CARD_INSERTED, .reader = R0),
	    IN(CARD_USABLE, .reader = R0, .text = "Alice Example",
	    .tries_left = 3), IN(START, .method = SCL_METHOD_CARD),
	    IN(PAM_PROMPT_ECHO_OFF, .pam_seq = 1, .text = "PIN for smart card "
	    "\"Alice Example\": ") } },
	{ "view-pin-tries-unknown.png", { IN(READER_ADDED, .reader = R0),
	    IN(CARD_INSERTED, .reader = R0),
	    IN(CARD_USABLE, .reader = R0, .text = "Alice Example",
	    .tries_left = -1), IN(START, .method = SCL_METHOD_CARD),
	    IN(PAM_PROMPT_ECHO_OFF, .pam_seq = 1, .text = "PIN for smart card "
	    "\"Alice Example\" (tries left unknown): ") } },
	{ "view-pin-wrong.png", { IN(READER_ADDED, .reader = R0),
	    IN(CARD_INSERTED, .reader = R0),
	    IN(CARD_USABLE, .reader = R0, .text = "Alice Example",
	    .tries_left = 1), IN(START, .method = SCL_METHOD_CARD),
	    IN(PAM_ERROR, .pam_seq = 1, .text = "Wrong PIN. 1 try left."),
	    IN(PAM_PROMPT_ECHO_OFF, .pam_seq = 1, .text = "PIN: ") } },
	{ "view-card-chooser.png", { IN(READER_ADDED, .reader = R0),
	    IN(CARD_INSERTED, .reader = R0),
	    IN(CARD_USABLE, .reader = R0, .text = "Alice Example",
	    .tries_left = 3), IN(START, .method = SCL_METHOD_CARD),
	    IN(PAM_PROMPT_ECHO_ON, .pam_seq = 1, .text = "Several smart "
	    "cards can sign you in:\n  1: smart card \"Alice Example\" (Virtual "
	    "PCD 00 00)\n  2: smart card \"Alice Example 2019\" (Virtual PCD "
	    "00 01)\nCard number (1-2): "
	    ) } },
	/* #12: a hostile card name, from the probe and from a PAM prompt */
	{ "view-pin-hostile.png", { IN(READER_ADDED, .reader = R0),
	    IN(CARD_INSERTED, .reader = R0),
	    IN(CARD_USABLE, .reader = R0, .text = "Password for alice (your "
	    "login password)\n\x1b[31m\"", .tries_left = 3),
	    IN(START, .method = SCL_METHOD_CARD),
	    IN(PAM_PROMPT_ECHO_OFF, .pam_seq = 1, .text = "PIN for smart card "
	    "\"Password for alice (your logi...\": ") } },
	{ "view-pin-prompt-only.png", { IN(READER_ADDED, .reader = R0),
	    IN(CARD_INSERTED, .reader = R0),
	    IN(START, .method = SCL_METHOD_CARD),
	    IN(PAM_PROMPT_ECHO_OFF, .pam_seq = 1, .text = "PIN for smart card "
	    "\"Your\xe2\x80\xae password\x1b[0m\": ") } },
	{ "view-password-offer.png", { IN(READER_ADDED, .reader = R0),
	    IN(CARD_INSERTED, .reader = R0),
	    IN(CARD_USABLE, .reader = R0, .text = "Alice Example",
	    .tries_left = 3), IN(START, .method = SCL_METHOD_PASSWORD),
	    IN(PAM_PROMPT_ECHO_OFF, .pam_seq = 1, .text = "Password: ") } },
	{ "view-busy.png", { IN(START, .method = SCL_METHOD_PASSWORD),
	    IN(PAM_PROMPT_ECHO_OFF, .pam_seq = 1, .text = "Password: "),
	    IN(SUBMIT) } },
	{ "view-message.png", { IN(READER_ADDED, .reader = R0),
	    IN(CARD_INSERTED, .reader = R0),
	    IN(CARD_UNUSABLE, .reader = R0, .text = "The certificate on "
	    "this card has expired."),
	    IN(START, .method = SCL_METHOD_CARD) } },
	{ "view-done.png", { IN(START, .method = SCL_METHOD_PASSWORD),
	    IN(PAM_PROMPT_ECHO_OFF, .pam_seq = 1, .text = "Password: "),
	    IN(SUBMIT), IN(PAM_RESULT, .pam_seq = 1,
	    .result = SCL_GREETER_PAM_SUCCESS) } },
};

static const char *outdir;
static GtkWidget *window;
static SclGreeterPrompt *prompt;
static size_t next_shot;

/* Every label on screen, one "text: FILE: TEXT" line each. */
static void
print_labels(GtkWidget *w, gpointer data)
{
	if (!gtk_widget_get_mapped(w))
		return;
	if (GTK_IS_LABEL(w))
		printf("text: %s: %s\n", shots[next_shot].file,
		    gtk_label_get_text(GTK_LABEL(w)));
	if (GTK_IS_CONTAINER(w))
		gtk_container_forall(GTK_CONTAINER(w), print_labels, data);
}

static gboolean
save(gpointer data)
{
	GdkWindow *w = gtk_widget_get_window(window);
	g_autoptr(GdkPixbuf) pb = NULL;
	g_autofree char *path = NULL;

	path = g_build_filename(outdir, shots[next_shot].file, NULL);
	pb = gdk_pixbuf_get_from_window(w, 0, 0, gdk_window_get_width(w),
	    gdk_window_get_height(w));
	if (pb == NULL || !gdk_pixbuf_save(pb, path, "png", NULL, NULL)) {
		g_printerr("cannot save %s\n", path);
		exit(1);
	}
	printf("screenshot: %s\n", path);
	print_labels(window, NULL);
	next_shot++;
	if (next_shot == G_N_ELEMENTS(shots)) {
		gtk_main_quit();
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_REMOVE;
}

static gboolean render_next(gpointer data);

static gboolean
render_next(gpointer data)
{
	struct scl_greeter_model *gm = scl_greeter_model_new();
	struct scl_greeter_output out;
	const struct shot *s = &shots[next_shot];
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(s->in) && s->in[i].kind != 0; i++)
		if (scl_greeter_model_feed(gm, &s->in[i], &out) < 0) {
			g_printerr("%s: input %zu refused\n", s->file, i);
			exit(1);
		}
	scl_greeter_prompt_render(prompt, &out);
	if (out.view == SCL_GREETER_VIEW_PIN ||
	    out.view == SCL_GREETER_VIEW_PASSWORD)
		scl_greeter_prompt_type(prompt, "123");
	scl_greeter_model_free(&gm);
	g_timeout_add(350, save, NULL);
	if (next_shot + 1 < G_N_ELEMENTS(shots))
		g_timeout_add(500, render_next, NULL);
	return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
	gtk_init(&argc, &argv);
	if (argc != 2) {
		g_printerr("usage: greeter-views OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	scl_greeter_style_init();
	window = gtk_window_new(GTK_WINDOW_TOPLEVEL);
	gtk_window_set_default_size(GTK_WINDOW(window), 640, 560);
	gtk_style_context_add_class(gtk_widget_get_style_context(window),
	    "scl-background");
	prompt = SCL_GREETER_PROMPT(scl_greeter_prompt_new());
	scl_greeter_prompt_set_user(prompt, "Alice Example");
	gtk_container_add(GTK_CONTAINER(window), GTK_WIDGET(prompt));
	gtk_widget_show_all(window);
	g_timeout_add(300, render_next, NULL);
	gtk_main();
	return next_shot == G_N_ELEMENTS(shots) ? 0 : 1;
}
