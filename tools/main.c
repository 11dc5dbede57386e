/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "scl-config.h"
#include "tool.h"

struct verb {
	const char *name;
	int (*run)(struct tool *, int, char **);
};

static const struct verb verbs[] = {
	{ "readers", tool_readers },
	{ "watch", tool_watch },
	{ "status", tool_status },
	{ "doctor", tool_doctor },
	{ "enroll", tool_enroll },
	{ "pin", tool_pin },
	{ "vcard", tool_vcard },
	{ "config", tool_config },
};

/* Global options before the verb; returns the verb's index in argv. */
static int
parse_global(struct tool *tl, int argc, char **argv, int *ret_exit)
{
	int i;
	const char *a, *v;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		a = argv[i];
		v = NULL;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			tool_help(tl, tl->out);
			*ret_exit = 0;
			return -1;
		}
		if (strcmp(a, "--version") == 0) {
			fprintf(tl->out, "sclogin %s\n", SCL_VERSION);
			*ret_exit = 0;
			return -1;
		}
		if (strcmp(a, "--json") == 0) {
			tool_set_json(tl);
			continue;
		}
		if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
			tl->verbose = 1;
			continue;
		}
		if (strncmp(a, "--reader=", 9) == 0)
			v = a + 9;
		else if (strncmp(a, "--config=", 9) == 0)
			v = a + 9;
		else if ((strcmp(a, "--reader") == 0 ||
		    strcmp(a, "--config") == 0)) {
			if (i + 1 >= argc) {
				*ret_exit = tool_usage_error(tl,
				    "option '%s' needs a value", a);
				return -1;
			}
			v = argv[++i];
		} else {
			*ret_exit = tool_usage_error(tl, "unknown option '%s'",
			    a);
			return -1;
		}
		if (strncmp(a, "--reader", 8) == 0)
			tl->reader = v;
		else
			tl->config = v;
	}
	return i;
}

int
main(int argc, char **argv)
{
	struct tool tl;
	size_t k;
	int i, ex = SCL_EXIT_USAGE;

	/* Messages in the user's language; numbers, times and --json as in
	 * C (LC_NUMERIC, LC_TIME untouched). */
	setlocale(LC_CTYPE, "");
	setlocale(LC_MESSAGES, "");
	memset(&tl, 0, sizeof(tl));
	tl.prog = "sclogin";
	tl.out = stdout;
	tl.err = stderr;
	if ((i = parse_global(&tl, argc, argv, &ex)) < 0)
		goto out;
	if (i >= argc) {
		tool_help(&tl, tl.err);
		ex = SCL_EXIT_USAGE;
		goto out;
	}
	for (k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++) {
		if (strcmp(argv[i], verbs[k].name) == 0)
			break;
	}
	if (k == sizeof(verbs) / sizeof(verbs[0])) {
		ex = tool_usage_error(&tl, "unknown verb '%s'", argv[i]);
		goto out;
	}
	tl.verb = verbs[k].name;
	if (tl.verbose)
		scl_log_set_handler(tool_log_stderr, tl.err);
	ex = verbs[k].run(&tl, argc - i, argv + i);
	scl_log_set_handler(NULL, NULL);
out:
	fflush(stdout);
	return ex;
}
