/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_LOG_H
#define SCL_LOG_H

/*
 * Library code does not log above debug: it returns codes and the caller
 * logs once.  Debug output goes to a sink the host installs; there is no
 * default sink, so nothing is formatted or printed unless a host asks.
 *
 * The handler is THREAD-LOCAL: scl_log_set_handler() affects only the
 * calling thread, so two PAM conversations running on two threads of one
 * host never write into each other's sink.  A thread that did not install a
 * handler logs nothing.  The PAM module sets it at the start of each
 * pam_sm_* call and clears it (fn = NULL) before returning; a program that
 * starts worker threads installs the handler in each thread that should log.
 *
 * Messages longer than SCL_LOG_LINE_MAX - 1 bytes are cut and end in "...".
 * The handler receives a NUL-terminated line without a trailing newline; it
 * must not call scl_debug() itself.
 */
#define SCL_LOG_LINE_MAX 1024

typedef void scl_log_fn(void *ctx, const char *msg);

/* Install (fn != NULL) or remove (fn == NULL) this thread's sink. */
void scl_log_set_handler(scl_log_fn *fn, void *ctx);

/* Non-zero when this thread has a sink (use to skip costly formatting). */
int scl_log_enabled(void);

/* Format and pass to this thread's sink; a no-op without one. */
void scl_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
