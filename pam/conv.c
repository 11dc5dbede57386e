/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "err.h"
#include "scl-pam.h"
#include "secret.h"

static void __attribute__((format(printf, 4, 0)))
say(pam_handle_t *pamh, int flags, int style, const char *fmt, va_list ap)
{
	char buf[512];

	if (flags & PAM_SILENT)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	(void)pam_prompt(pamh, style, NULL, "%s", buf);
}

void
scl_pam_info(pam_handle_t *pamh, int flags, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(pamh, flags, PAM_TEXT_INFO, fmt, ap);
	va_end(ap);
}

void
scl_pam_error(pam_handle_t *pamh, int flags, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(pamh, flags, PAM_ERROR_MSG, fmt, ap);
	va_end(ap);
}

int
scl_pam_read_pin(pam_handle_t *pamh, const char *prompt, struct scl_pin *pin,
    int *ret_empty)
{
	char *resp = NULL;
	int r = SCL_ERR_INTERNAL;

	scl_pin_clear(pin);
	if (pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s", prompt) !=
	    PAM_SUCCESS || resp == NULL) {
		r = SCL_ERR_CANCELLED;
		goto out;
	}
	if (resp[0] == '\0') {
		*ret_empty = 1;
		r = 0;
		goto out;
	}
	if ((r = scl_pin_set(pin, resp)) < 0)
		goto out;
	*ret_empty = 0;
	r = 0;
out:
	scl_wipe_str(resp);
	return r;
}

int
scl_pam_ask(pam_handle_t *pamh, const char *question, char *buf, size_t len)
{
	char *resp = NULL;
	const char *s;
	size_t n;
	int r = SCL_ERR_INTERNAL;

	if (len == 0)
		return SCL_ERR_INVALID_ARGUMENT;
	buf[0] = '\0';
	if (pam_prompt(pamh, PAM_PROMPT_ECHO_ON, &resp, "%s", question) !=
	    PAM_SUCCESS || resp == NULL) {
		r = SCL_ERR_CANCELLED;
		goto out;
	}
	for (s = resp; *s == ' ' || *s == '\t'; s++)
		;
	for (n = strlen(s); n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'); n--)
		;
	if (n >= len) {
		r = SCL_ERR_TOO_LARGE;
		goto out;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	r = 0;
out:
	scl_wipe_str(resp);
	return r;
}

int
scl_pam_confirm(pam_handle_t *pamh, const char *question, int *ret_yes)
{
	char answer[8];
	int r;

	r = scl_pam_ask(pamh, question, answer, sizeof(answer));
	if (r == SCL_ERR_TOO_LARGE)
		r = 0;
	if (r == 0)
		*ret_yes = strcasecmp(answer, "yes") == 0 ||
		    strcasecmp(answer, "y") == 0;
	/* a PIN typed here by mistake fits */
	explicit_bzero(answer, sizeof(answer));
	return r;
}

void
scl_pam_escape(char *dst, size_t cap, const char *s)
{
	scl_err_escape(dst, cap, s, SIZE_MAX, SCL_ESCAPE_QUOTE);
}

void
scl_pam_log_sink(void *ctx, const char *msg)
{
	pam_syslog((pam_handle_t *)ctx, LOG_DEBUG, "%s", msg);
}
