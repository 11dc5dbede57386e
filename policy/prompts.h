/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_PROMPTS_H
#define SCL_PROMPTS_H

#include "i18n.h"

/*
 * How pam_sclogin's questions begin.  A host that runs a whole PAM stack
 * (the LightDM greeter) tells the card's questions from the password's by
 * these prefixes, so the module asks with exactly them:
 *   PIN         "PIN for smart card \"<label>\"...: " (echo off)
 *   LAST_TRY    "Only 1 PIN try is left on smart card \"<label>\"...
 *               (yes/no) " (echo on)
 *   CHOOSE_CARD "Several smart cards can sign you in:\n..." (echo on)
 *   USER_HINT   "This smart card is linked to several accounts. User
 *               name: " (echo on)
 * <label> is the card's label in its display form (label.h): never a
 * double quote in it, so it ends at the next '"'.
 * An empty answer to any of them means "use another sign-in option".
 * pam_sclogin(8), PROMPTS, documents them for other hosts: keep both in
 * step.  They are msgids (i18n.h): the module asks with _(prefix), and a
 * host recognises both the English prefix and _(prefix) in its own locale.
 */
#define SCL_PROMPT_PIN		N_("PIN for smart card \"")
#define SCL_PROMPT_LAST_TRY	N_("Only 1 PIN try is left on smart card \"")
#define SCL_PROMPT_CHOOSE_CARD	N_("Several smart cards can sign you in:\n")
#define SCL_PROMPT_USER_HINT \
	N_("This smart card is linked to several accounts. User name: ")

#endif
