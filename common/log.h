/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_LOG_H
#define SCL_LOG_H

/*
 * Library code does not log above debug: it returns codes and the caller
 * logs once.  Debug output goes to a sink the host installs; there is no
 * default sink, so nothing is printed unless a host asks for it.  The
 * handler is process-global (set it once at start; the PAM module sets it
 * per call and clears it before returning).
 */
typedef void scl_log_fn(void *ctx, const char *msg);

void scl_log_set_handler(scl_log_fn *fn, void *ctx);
int scl_log_enabled(void);
void scl_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
