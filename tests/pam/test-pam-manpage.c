/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * data/pam_sclogin.8 documents exactly the module's own arguments (the
 * args.c table): each one appears as an option item, and every option item
 * of the OPTIONS section is in the table.  Its PROMPTS section names how
 * every question of prompts.h begins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prompts.h"
#include "scl-pam.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = calloc(1, 256 * 1024);
	if (buf != NULL) {
		n = fread(buf, 1, 256 * 1024 - 1, f);
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

static int
in_table(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < scl_pam_n_arg_docs; i++)
		if (strlen(scl_pam_arg_docs[i].name) == len &&
		    strncmp(scl_pam_arg_docs[i].name, name, len) == 0)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	char *man, *opts, *end, *p, item[128];
	size_t i;
	int bad = 0, items = 0;

	if (argc != 2 || (man = slurp(argv[1])) == NULL) {
		fprintf(stderr, "usage: %s pam_sclogin.8\n", argv[0]);
		return 2;
	}
	{
		static const char *const prompts[] = { SCL_PROMPT_PIN,
		    SCL_PROMPT_LAST_TRY, SCL_PROMPT_CHOOSE_CARD,
		    SCL_PROMPT_USER_HINT };
		const char *sec = strstr(man, "\n.SH PROMPTS\n");
		const char *send = sec != NULL ? strstr(sec + 1, "\n.SH ") :
		    NULL;

		for (i = 0; i < sizeof(prompts) / sizeof(prompts[0]); i++) {
			size_t n = strlen(prompts[i]);
			const char *f;

			while (n > 0 && (prompts[i][n - 1] == ' ' ||
			    prompts[i][n - 1] == '\n'))
				n--;
			snprintf(item, sizeof(item), "%.*s", (int)n,
			    prompts[i]);
			f = sec != NULL ? strstr(sec, item) : NULL;
			if (f == NULL || (send != NULL && f > send)) {
				fprintf(stderr, "prompt '%s' is not in the "
				    "PROMPTS section\n", item);
				bad = 1;
			}
		}
	}
	if ((opts = strstr(man, "\n.SH OPTIONS\n")) == NULL) {
		fprintf(stderr, "no OPTIONS section\n");
		return 1;
	}
	end = strstr(opts + 1, "\n.SH ");
	if (end != NULL)
		*end = '\0';
	for (i = 0; i < scl_pam_n_arg_docs; i++) {
		snprintf(item, sizeof(item), "\n.IP \"\\fB%s",
		    scl_pam_arg_docs[i].name);
		if (strstr(opts, item) == NULL) {
			fprintf(stderr, "argument '%s' is not documented\n",
			    scl_pam_arg_docs[i].name);
			bad = 1;
		}
	}
	for (p = opts; (p = strstr(p, "\n.IP \"\\fB")) != NULL; p++) {
		const char *name = p + strlen("\n.IP \"\\fB");
		size_t len = strcspn(name, "=\\\"");

		items++;
		if (!in_table(name, len)) {
			fprintf(stderr, "documented but not an argument: %.*s\n",
			    (int)len, name);
			bad = 1;
		}
	}
	if (items == 0)
		bad = 1;
	if (strstr(man, "sclogin.conf") == NULL) {
		fprintf(stderr, "no reference to sclogin.conf(5)\n");
		bad = 1;
	}
	free(man);
	if (!bad)
		printf("ok: %d option items match the argument table\n", items);
	return bad;
}
