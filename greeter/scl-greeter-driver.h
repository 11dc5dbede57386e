/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#pragma once

#include <glib-object.h>

#include "config.h"
#include "greeter-model.h"
#include "scl-greeter-prompt.h"

G_BEGIN_DECLS

/*
 * SclGreeterDriver: what every host shares.  It owns the controller
 * (greeter-model.h), the live card state (SclCardWatch), the PIN-free card
 * probe (policy/signin.h, in a worker thread) and feeds the widget.  The
 * host supplies only PAM: it carries out the actions through the backend
 * callbacks and reports the conversation back with the functions below.
 * Main-thread only.
 */
typedef struct {
	void (*start)(gpointer data, enum scl_greeter_service svc,
	    unsigned seq);
	/* secret: malloc'd, owned by the callee (a PAM reply), may be NULL */
	void (*answer)(gpointer data, unsigned seq, char *secret);
	void (*cancel)(gpointer data, unsigned seq);
	void (*succeeded)(gpointer data, enum scl_method method,
	    const char *card_id);
} SclGreeterBackend;

#define SCL_TYPE_GREETER_DRIVER (scl_greeter_driver_get_type())
G_DECLARE_FINAL_TYPE(SclGreeterDriver, scl_greeter_driver, SCL,
    GREETER_DRIVER, GObject)

/*
 * cfg (borrowed, must outlive the driver) is used for the probe; NULL
 * disables the probe (PAM alone then decides about a card).
 */
SclGreeterDriver *scl_greeter_driver_new(SclGreeterPrompt *prompt,
    const char *user, const struct scl_config *cfg,
    const SclGreeterBackend *backend, gpointer backend_data);

/* Start watching cards and open on method (the user's last one). */
void scl_greeter_driver_start(SclGreeterDriver *self, enum scl_method method);

void scl_greeter_driver_pam_prompt(SclGreeterDriver *self, unsigned seq,
    gboolean echo, const char *text);
void scl_greeter_driver_pam_message(SclGreeterDriver *self, unsigned seq,
    gboolean error, const char *text);
void scl_greeter_driver_pam_result(SclGreeterDriver *self, unsigned seq,
    enum scl_greeter_pam_result result);
/* After a successful sign-in the session did not start: text is shown
 * and a new sign-in begins. */
void scl_greeter_driver_session_failed(SclGreeterDriver *self,
    const char *text);

/* User actions (also the test hook). */
void scl_greeter_driver_user(SclGreeterDriver *self,
    enum scl_greeter_input_kind kind);

const struct scl_greeter_output *scl_greeter_driver_output(
    SclGreeterDriver *self);

/*
 * Signal "rendered" (no arguments) after each render; "state" is a
 * one-line key=value summary for logs and tests (no secrets).
 */
char *scl_greeter_driver_describe(SclGreeterDriver *self);

/* A user-facing sentence for a probe or sign-in failure code. */
const char *scl_greeter_reason_sentence(int reason);

G_END_DECLS
