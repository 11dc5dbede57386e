/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>

#include "err.h"
#include "i18n.h"
#include "tool.h"

int
tool_exit_code(int r)
{
	switch (r) {
	case 0:
		return SCL_EXIT_OK;
	case SCL_ERR_INVALID_ARGUMENT:
		return SCL_EXIT_USAGE;
	case SCL_ERR_NO_SERVICE:
	case SCL_ERR_NO_READER:
	case SCL_ERR_NO_CARD:
	case SCL_ERR_CARD_REMOVED:
	case SCL_ERR_READER_GONE:
	case SCL_ERR_NO_APPLET:
	case SCL_ERR_SHARING:
		return SCL_EXIT_NO_CARD;
	case SCL_ERR_PIN_WRONG:
	case SCL_ERR_PIN_BLOCKED:
	case SCL_ERR_AUTH_FAILED:
	case SCL_ERR_SECURITY_STATUS:
		return SCL_EXIT_AUTH;
	case SCL_ERR_PIN_FORMAT:
	case SCL_ERR_PIN_POLICY:
	case SCL_ERR_PIN_LAST_TRY:
	case SCL_ERR_SIG_INVALID:
		return SCL_EXIT_CHECK;
	case SCL_ERR_TIMEOUT:
		return SCL_EXIT_TIMEOUT;
	default:
		return SCL_EXIT_FAIL;
	}
}

int
tool_fail(struct tool *tl, int exit, int r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	struct json j;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), tool_text(tl, fmt), ap);
	va_end(ap);
	if (tl->json) {
		json_init(&j, tl->out, 1);
		json_begin_object(&j, NULL);
		json_begin_object(&j, "error");
		json_str(&j, "code", r != 0 ? scl_err_name(r) : "FAILED");
		json_int(&j, "exit", exit);
		json_str(&j, "message", msg);
		json_end_object(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		fprintf(tl->err, "%s: %s%s%s\n", tl->prog,
		    tl->verb != NULL ? tl->verb : "",
		    tl->verb != NULL ? ": " : "", msg);
	}
	return exit;
}

const char *
tool_text(const struct tool *tl, const char *msgid)
{
	return tl->json ? msgid : _(msgid);
}

int
tool_usage_error(struct tool *tl, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), _(fmt), ap);
	va_end(ap);
	fprintf(tl->err, "%s: %s%s%s\n", tl->prog,
	    tl->verb != NULL ? tl->verb : "", tl->verb != NULL ? ": " : "",
	    msg);
	/* TRANSLATORS: "sclogin", then the verb and a space (or nothing twice). */
	fprintf(tl->err, _("Try '%s %s%s--help'.\n"), tl->prog,
	    tl->verb != NULL ? tl->verb : "", tl->verb != NULL ? " " : "");
	return SCL_EXIT_USAGE;
}

/* ---- JSON ---- */

void
json_init(struct json *j, FILE *f, int compact)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->compact = compact;
	j->first[0] = 1;
}

static void
indent(struct json *j)
{
	int i;

	if (j->compact)
		return;
	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

void
json_write_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, k;

	fputc('"', f);
	while (*p != '\0') {
		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p++, f);
		} else if (*p == '\n') {
			fputs("\\n", f);
			p++;
		} else if (*p == '\t') {
			fputs("\\t", f);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if (*p < 0x80) {
			fputc(*p++, f);
		} else {
			/* Pass well-formed UTF-8 through, escape stray bytes. */
			if (*p >= 0xc2 && *p <= 0xdf)
				n = 1;
			else if (*p >= 0xe0 && *p <= 0xef)
				n = 2;
			else if (*p >= 0xf0 && *p <= 0xf4)
				n = 3;
			else
				n = 0;
			for (k = 1; k <= n; k++)
				if ((p[k] & 0xc0) != 0x80)
					break;
			if (n == 0 || k <= n) {
				fprintf(f, "\\u%04x", *p++);
				continue;
			}
			fwrite(p, 1, n + 1, f);
			p += n + 1;
		}
	}
	fputc('"', f);
}

static void
member(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->f);
		indent(j);
	}
	j->first[j->depth] = 0;
	if (key != NULL) {
		json_write_string(j->f, key);
		fputs(j->compact ? ":" : ": ", j->f);
	}
}

static void
open_(struct json *j, const char *key, int c)
{
	member(j, key);
	fputc(c, j->f);
	if (j->depth < TOOL_JSON_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = 1;
}

static void
close_(struct json *j, int c)
{
	int empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	fputc(c, j->f);
}

void
json_begin_object(struct json *j, const char *key)
{
	open_(j, key, '{');
}

void
json_end_object(struct json *j)
{
	close_(j, '}');
}

void
json_begin_array(struct json *j, const char *key)
{
	open_(j, key, '[');
}

void
json_end_array(struct json *j)
{
	close_(j, ']');
}

void
json_str(struct json *j, const char *key, const char *v)
{
	member(j, key);
	if (v == NULL)
		fputs("null", j->f);
	else
		json_write_string(j->f, v);
}

void
json_int(struct json *j, const char *key, long long v)
{
	member(j, key);
	fprintf(j->f, "%lld", v);
}

void
json_bool(struct json *j, const char *key, int v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void
json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void
json_finish(struct json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
	j->first[0] = 1;
	j->depth = 0;
}

/* ---- formatting ---- */

void
tool_asn1_time(const ASN1_TIME *t, char *out, size_t len)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "?");
}

void
tool_timestamp(const struct timespec *ts, char *out, size_t len)
{
	struct tm tm;
	char base[32];

	if (gmtime_r(&ts->tv_sec, &tm) == NULL ||
	    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(out, len, "?");
		return;
	}
	snprintf(out, len, "%s.%03ldZ", base, ts->tv_nsec / 1000000L);
}

void
tool_escape(const char *s, char *out, size_t len)
{
	scl_err_escape(out, len, s, SIZE_MAX, 0);
}
