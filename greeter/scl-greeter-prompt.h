/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#pragma once

#include <gtk/gtk.h>

#include "greeter-model.h"

G_BEGIN_DECLS

/*
 * SclGreeterPrompt: the sign-in widget.  It only renders what the
 * controller (greeter-model.h) says and turns clicks into signals; it
 * starts nothing itself.
 *
 * Signals (no arguments):
 *   submit         Enter or the arrow button, with a non-empty entry
 *   other-options  "Other sign-in options"
 *   use-card       the card offer in the password view was accepted
 *   cancel         Escape
 */
#define SCL_TYPE_GREETER_PROMPT (scl_greeter_prompt_get_type())
G_DECLARE_FINAL_TYPE(SclGreeterPrompt, scl_greeter_prompt, SCL, GREETER_PROMPT,
    GtkBox)

#define SCL_GREETER_ERROR (scl_greeter_error_quark())
GQuark scl_greeter_error_quark(void);

typedef enum {
	SCL_GREETER_ERROR_FAILED,
	SCL_GREETER_ERROR_CARD,
	SCL_GREETER_ERROR_PAM,
} SclGreeterError;

GtkWidget *scl_greeter_prompt_new(void);

/* The name shown above the prompt (real name or user name). */
void scl_greeter_prompt_set_user(SclGreeterPrompt *self, const char *name);

void scl_greeter_prompt_render(SclGreeterPrompt *self,
    const struct scl_greeter_output *out);

/*
 * The entry's text as a malloc'd string for a PAM reply (the PAM module
 * owns and wipes it), the entry cleared.  NULL when empty.
 */
char *scl_greeter_prompt_take_secret(SclGreeterPrompt *self);

/*
 * Test hook: the texts the last render put on screen, as "title='...'
 * card_text='...' status_text='...'" (g_free it); reads no widget.
 */
char *scl_greeter_prompt_describe(SclGreeterPrompt *self);

/* Test hook: put text into the entry as if typed. */
void scl_greeter_prompt_type(SclGreeterPrompt *self, const char *text);

/* Adds the stylesheet to the default screen (once). */
void scl_greeter_style_init(void);

G_END_DECLS
