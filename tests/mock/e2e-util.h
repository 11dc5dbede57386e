/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_E2E_UTIL_H
#define SCL_E2E_UTIL_H

#include <stddef.h>

/*
 * Small helpers of the end-to-end suites that drive the real PAM stack
 * with virtual cards (tests/pam/e2e-pam.c, tests/rig/e2e-pam-unplug.c).
 * cmocka tests; not thread-safe.
 */

/* printf into a new file at path, mode 0644; exits the test on failure. */
void e2e_write_file(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* system() a printf'd command; 0 when it exited 0, else -1 (said why). */
int e2e_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A fresh virtual card state in dir carrying PKI leaf `leaf` (pki_dir/
 * LEAF.{key,cert}.pem) in 9A, named "LEAF card"; extra: more `init`
 * arguments or NULL.  Fails the running test when sclogin-vcard fails.
 * Returns a static path, valid until the next call.
 */
const char *e2e_make_card(const char *vcard, const char *seal_key,
    const char *dir, const char *pki_dir, const char *leaf,
    const char *extra);

/* Append "  [kind] msg\n" to a conversation transcript of cap bytes. */
void e2e_note(char *transcript, size_t cap, const char *kind,
    const char *msg);

#endif
