/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_E2E_UTIL_H
#define SCL_E2E_UTIL_H

#include <stddef.h>

#include <security/pam_appl.h>

/*
 * Small helpers of the end-to-end suites that drive the real PAM stack
 * with virtual cards (tests/pam/e2e-pam.c, tests/rig/e2e-pam-unplug.c).
 * cmocka tests; not thread-safe.
 */

/* printf into a new file at path, mode 0644; exits the test on failure. */
void e2e_write_file(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A PAM service file svcdir/name holding the printf'd lines (0644). */
void e2e_write_service(const char *svcdir, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* system() a printf'd command; 0 when it exited 0, else -1 (said why). */
int e2e_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * e2e_make_card() with wrapper (SCL_TEST_WRAPPER, e.g. valgrind: words
 * split on spaces; "" or NULL for none) in front of both sclogin-vcard runs.
 */
const char *e2e_make_card_wrapped(const char *wrapper, const char *vcard,
    const char *seal_key, const char *dir, const char *pki_dir,
    const char *leaf, const char *extra);

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

/*
 * A scripted PAM conversation: pass e2e_conv_fn as the conversation
 * function and the struct as its data.  Every message is noted in
 * transcript (e2e_note: "secret" for ECHO_OFF, "ask" for ECHO_ON, "error",
 * "info").  ECHO_OFF prompts (counted in pin_prompts) get pins[] in order,
 * ECHO_ON prompts answers[] in order; a prompt with no reply left, or a
 * message of another style, ends the conversation with PAM_CONV_ERR.
 * Hooks (NULL: none), called after the message is noted and before the
 * reply: on_prompt at each ECHO_OFF prompt, on_info at each TEXT_INFO with
 * its text; nonzero from a hook ends the conversation with PAM_CONV_ERR.
 * A hook may clear itself to act only once; data is for the hooks.
 */
struct e2e_conv {
	const char *pins[6];
	const char *answers[4];
	size_t i_pin, i_answer;
	int pin_prompts;
	int (*on_prompt)(struct e2e_conv *cv);
	int (*on_info)(struct e2e_conv *cv, const char *msg);
	const void *data;
	char transcript[8192];
};

int e2e_conv_fn(int n, const struct pam_message **msg,
    struct pam_response **resp, void *data);

/* Fails the running test when the transcript lacks s. */
void e2e_expect_text(const struct e2e_conv *cv, const char *s);

/*
 * The log a test sends its stderr to (pam_wrapper turns pam_syslog() into
 * "SYSLOG(prio): ..." lines there).  e2e_log_mark: its size now (0 when
 * absent), to read from later.  e2e_log_read: a NUL-terminated copy of it
 * from offset from on (caller frees), NULL when it cannot be read.
 * e2e_expect_log: fails the running test when that part lacks s.  All
 * flush stderr first.
 */
long e2e_log_mark(const char *logpath);
char *e2e_log_read(const char *logpath, long from);
void e2e_expect_log(const char *logpath, long from, const char *s);

/*
 * Run the cmocka group tests[n] (named "tests") against the PAM services
 * in svcdir: PAM_WRAPPER_SERVICE_DIR=svcdir, PAM_WRAPPER_DEBUGLEVEL=2,
 * stderr sent to logpath (created 0600, truncated, line buffered) while
 * they run, then the whole log written to the old stderr (for meson),
 * which is restored.  Returns cmocka's result, or -1 when logpath cannot
 * take stderr (perror said why; nothing run).
 */
struct CMUnitTest;
int e2e_pam_run_tests(const char *svcdir, const char *logpath,
    const struct CMUnitTest *tests, size_t n);

/*
 * The nss_wrapper test users (nss-users.h) in a new directory
 * /tmp/scl-e2e-NAME-users.XXXXXX, exported as SCL_E2E_USERS_DIR, then
 * nss_users_reexec(argv).  Returns -1 on failure (perror said why); does
 * not return otherwise.  e2e_users_remove: delete that directory and its
 * files when SCL_E2E_USERS_DIR is set (perror on a failure).
 */
int e2e_users_reexec(const char *name, char **argv);
void e2e_users_remove(void);

/*
 * First in main() of a PAM e2e suite: e2e_users_reexec(name, argv) unless
 * NSS_WRAPPER_PASSWD is set, then the checks that $SCL_VCARD is executable
 * (its path in *ret_vcard) and that the program runs under pam_wrapper
 * (PAM_WRAPPER set).  Returns 0, 77 (skip, said why) or 1 (failed).
 */
int e2e_pam_begin(const char *name, char **argv, const char **ret_vcard);

#endif
