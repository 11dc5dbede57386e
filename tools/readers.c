/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "err.h"
#include "hex.h"
#include "i18n.h"
#include "monitor.h"
#include "pcsc.h"
#include "tool.h"

static void
print_reader_json(struct json *j, const struct scl_reader_info *r)
{
	char atr[2 * SCL_ATR_MAX + 1];

	scl_hex_encode(r->atr, r->atr_len, atr, sizeof(atr));
	json_begin_object(j, NULL);
	json_str(j, "name", r->name);
	json_bool(j, "card_present", r->card_present);
	json_str(j, "atr", r->card_present && r->atr_len > 0 ? atr : NULL);
	json_end_object(j);
}

static void
print_reader_human(FILE *f, const struct scl_reader_info *r)
{
	char esc[SCL_READER_NAME_MAX * 4];
	char atr[2 * SCL_ATR_MAX + 1];

	tool_escape(r->name, esc, sizeof(esc));
	scl_hex_encode(r->atr, r->atr_len, atr, sizeof(atr));
	if (r->card_present)
		fprintf(f, _("%-32s card present  ATR %s\n"), esc,
		    r->atr_len > 0 ? atr : "?");
	else
		fprintf(f, _("%-32s no card\n"), esc);
}

int
tool_readers(struct tool *tl, int argc, char **argv)
{
	static const struct option opts[] = { TOOL_COMMON_OPTS };
	struct scl_reader_info readers[SCL_READERS_MAX];
	struct scl_pcsc *ctx = NULL;
	struct json j;
	size_t n = 0, i;
	int c, r, ex = SCL_EXIT_FAIL;

	tool_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if ((ex = tool_other_opt(tl, c, argv)) != 0)
			return ex < 0 ? 0 : ex;
	}
	if ((ex = tool_no_operands(tl, argc, argv)) != 0)
		return ex;
	if ((r = scl_pcsc_open(&ctx)) != 0) {
		ex = tool_fail(tl, tool_exit_code(r), r,
		    "cannot reach pcscd: %s (is pcscd running?)",
		    scl_strerror(r));
		goto out;
	}
	if ((r = scl_pcsc_list_readers(ctx, readers, SCL_READERS_MAX,
	    &n)) != 0) {
		ex = tool_fail(tl, tool_exit_code(r), r,
		    "cannot list readers: %s", scl_strerror(r));
		goto out;
	}
	if (tl->json) {
		json_init(&j, tl->out, 0);
		json_begin_object(&j, NULL);
		json_begin_array(&j, "readers");
		for (i = 0; i < n; i++)
			print_reader_json(&j, &readers[i]);
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else if (n == 0) {
		fprintf(tl->out, _("No smart card readers.\n"));
	} else {
		for (i = 0; i < n; i++)
			print_reader_human(tl->out, &readers[i]);
	}
	ex = n == 0 ? SCL_EXIT_NO_CARD : SCL_EXIT_OK;
out:
	scl_pcsc_free(&ctx);
	return ex;
}

static struct scl_monitor *volatile watch_mon;

static void
on_signal(int sig)
{
	struct scl_monitor *m = watch_mon;

	if (m != NULL)
		scl_monitor_cancel(m);
}

static void
print_event(struct tool *tl, const struct scl_event *ev, uint64_t start)
{
	char stamp[40], esc[SCL_READER_NAME_MAX * 4];
	char atr[2 * SCL_ATR_MAX + 1];
	struct timespec now;
	struct json j;
	double rel;

	clock_gettime(CLOCK_REALTIME, &now);
	tool_timestamp(&now, stamp, sizeof(stamp));
	rel = ev->mono_ms >= start ? (double)(ev->mono_ms - start) / 1000.0 :
	    0.0;
	scl_hex_encode(ev->atr, ev->atr_len, atr, sizeof(atr));
	if (tl->json) {
		json_init(&j, tl->out, 1);
		json_begin_object(&j, NULL);
		json_str(&j, "time", stamp);
		json_int(&j, "elapsed_ms", (long long)(ev->mono_ms >= start ?
		    ev->mono_ms - start : 0));
		json_str(&j, "event", scl_event_kind_name(ev->kind));
		json_str(&j, "reader", ev->reader[0] != '\0' ? ev->reader :
		    NULL);
		json_str(&j, "atr", ev->atr_len > 0 ? atr : NULL);
		json_end_object(&j);
		json_finish(&j);
		return;
	}
	tool_escape(ev->reader, esc, sizeof(esc));
	if (esc[0] != '\0')
		fprintf(tl->out, "%s  +%8.3fs  %-14s '%s'\n", stamp, rel,
		    scl_event_kind_name(ev->kind), esc);
	else
		fprintf(tl->out, "%s  +%8.3fs  %s\n", stamp, rel,
		    scl_event_kind_name(ev->kind));
	if (ev->kind == SCL_EV_CARD_INSERTED && ev->atr_len > 0)
		fprintf(tl->out, "%*sATR %s\n", 38, "", atr);
	fflush(tl->out);
}

int
tool_watch(struct tool *tl, int argc, char **argv)
{
	enum { OPT_TIMEOUT = TOOL_OPT_VERB, OPT_COUNT, OPT_DEBOUNCE };
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "debounce", required_argument, NULL, OPT_DEBOUNCE },
		TOOL_COMMON_OPTS
	};
	struct scl_reader_info readers[SCL_READERS_MAX];
	struct scl_monitor *mon = NULL;
	struct sigaction sa, old_int, old_term;
	struct scl_event ev;
	struct json j;
	unsigned long count = 0, debounce = 0, seen = 0;
	long timeout_ms = -1, left;
	uint64_t start, deadline = 0;
	size_t n = 0, i;
	int c, r, ex = SCL_EXIT_FAIL, sig_set = 0;

	tool_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TIMEOUT:
			if (tool_parse_duration_ms(optarg, &timeout_ms) != 0)
				return tool_usage_error(tl, "bad --timeout "
				    "'%s' (e.g. 10s, 500ms, 2m)", optarg);
			break;
		case OPT_COUNT:
			if (tool_parse_uint(optarg, 1, 1000000, &count) != 0)
				return tool_usage_error(tl, "bad --count '%s'",
				    optarg);
			break;
		case OPT_DEBOUNCE:
			if (tool_parse_uint(optarg, 0, 60000, &debounce) != 0)
				return tool_usage_error(tl, "bad --debounce "
				    "'%s' (milliseconds)", optarg);
			break;
		default:
			if ((ex = tool_other_opt(tl, c, argv)) != 0)
				return ex < 0 ? 0 : ex;
		}
	}
	if ((ex = tool_no_operands(tl, argc, argv)) != 0)
		return ex;

	if ((r = scl_monitor_new((unsigned)debounce, &mon)) != 0) {
		ex = tool_fail(tl, tool_exit_code(r), r,
		    "cannot start the monitor: %s", scl_strerror(r));
		goto out;
	}
	start = scl_mono_ms();
	if (timeout_ms >= 0)
		deadline = start + (uint64_t)timeout_ms;
	watch_mon = mon;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sig_set = 1;

	r = scl_monitor_snapshot(mon, readers, SCL_READERS_MAX, &n);
	if (r != 0 && r != SCL_ERR_NO_SERVICE) {
		ex = tool_fail(tl, tool_exit_code(r), r,
		    "cannot list readers: %s", scl_strerror(r));
		goto out;
	}
	if (tl->json) {
		json_init(&j, tl->out, 1);
		json_begin_object(&j, NULL);
		json_str(&j, "event", "SNAPSHOT");
		json_bool(&j, "service", r == 0);
		json_begin_array(&j, "readers");
		for (i = 0; i < n; i++)
			print_reader_json(&j, &readers[i]);
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		if (r == SCL_ERR_NO_SERVICE)
			fprintf(tl->out, _("pcscd is not running; waiting for "
			    "it.\n"));
		else if (n == 0)
			fprintf(tl->out, _("No readers yet.\n"));
		for (i = 0; i < n; i++)
			print_reader_human(tl->out, &readers[i]);
		fprintf(tl->out, count > 0 ? _("Watching for events (Ctrl-C to "
		    "stop)...\n") : _("Watching (Ctrl-C to stop)...\n"));
		fflush(tl->out);
	}

	for (;;) {
		if (timeout_ms >= 0) {
			uint64_t now = scl_mono_ms();

			if (now >= deadline) {
				r = SCL_ERR_TIMEOUT;
				break;
			}
			left = (long)(deadline - now);
		} else
			left = 1000;
		r = scl_monitor_wait(mon, (int)left, &ev);
		if (r == SCL_ERR_TIMEOUT)
			continue;
		if (r != 0)
			break;
		print_event(tl, &ev, start);
		if (count > 0 && ++seen >= count)
			break;
	}
	if (r == 0 || r == SCL_ERR_CANCELLED)
		ex = SCL_EXIT_OK;
	else if (r == SCL_ERR_TIMEOUT)
		ex = count > 0 ? tool_fail(tl, SCL_EXIT_TIMEOUT, r,
		    "saw %lu of %lu events before the timeout", seen, count) :
		    SCL_EXIT_OK;
	else
		ex = tool_fail(tl, tool_exit_code(r), r, "monitor failed: %s",
		    scl_strerror(r));
out:
	if (sig_set) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	watch_mon = NULL;
	scl_monitor_free(&mon);
	return ex;
}
