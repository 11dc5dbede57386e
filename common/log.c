/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* Thread-local so two PAM conversations in one host never share a sink. */
static __thread scl_log_fn *log_fn;
static __thread void *log_ctx;

void
scl_log_set_handler(scl_log_fn *fn, void *ctx)
{
	log_fn = fn;
	log_ctx = fn != NULL ? ctx : NULL;
}

int
scl_log_enabled(void)
{
	return log_fn != NULL;
}

void
scl_debug(const char *fmt, ...)
{
	char buf[SCL_LOG_LINE_MAX];
	va_list ap;
	int n;

	if (log_fn == NULL || fmt == NULL)
		goto out;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		goto out;
	/* Mark truncation so a cut line is not mistaken for a whole one. */
	if ((size_t)n >= sizeof(buf))
		memcpy(buf + sizeof(buf) - 4, "...", 4);
	log_fn(log_ctx, buf);
out:
	return;
}
