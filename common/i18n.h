/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_I18N_H
#define SCL_I18N_H

/*
 * Sentences people read, in the host's locale, from the text domain
 * SCL_TEXTDOMAIN ("sclogin") under SCL_LOCALEDIR (fixed at build time).
 * Safe in a PAM module: never calls setlocale() or textdomain(), so the
 * host's locale and default domain stay as they are; binds only our own
 * domain, once (thread-safe).  A host that never called setlocale() runs in
 * the C locale and reads the English msgids.
 *
 * _(s): s translated (s itself when there is no translation).
 * N_(s): s marked for xgettext, translated later with _().
 * Not for `reason=` log lines, --json output or configuration keys.
 */
const char *scl_tr(const char *msgid) __attribute__((format_arg(1)));

/* The form of one (n == 1) or many for n, translated (ngettext rules). */
const char *scl_trn(const char *one, const char *many, unsigned long n)
    __attribute__((format_arg(1), format_arg(2)));

/*
 * For programs whose toolkit wants UTF-8 (GTK): our domain's translations
 * in UTF-8 whatever the locale's codeset.  Never in the module.
 */
void scl_tr_utf8(void);

#define _(s) scl_tr(s)
#define N_(s) (s)

#endif
