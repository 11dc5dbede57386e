/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * test-i18n-lookup EXPECT_PIN EXPECT_WRONG: in the environment's locale, the
 * module's PIN prompt prefix and wrong-PIN sentence (3 tries left) are the
 * expected strings, and the lookups leave the process's locale and default
 * text domain as they were (the module's host keeps its own).
 */
#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "i18n.h"
#include "prompts.h"
#include "scl-pam.h"

int
main(int argc, char **argv)
{
	char before[256], dom[256], msg[512];
	const char *prompt;	/* the PIN prompt's prefix, no PIN */

	if (argc != 3)
		return 2;
	if (setlocale(LC_ALL, "") == NULL) {
		fprintf(stderr, "locale of the environment missing\n");
		return 1;
	}
	(void)textdomain("host-domain");
	snprintf(before, sizeof(before), "%s", setlocale(LC_ALL, NULL));
	snprintf(dom, sizeof(dom), "%s", textdomain(NULL));
	prompt = _(SCL_PROMPT_PIN);
	scl_pam_message(SCL_ERR_PIN_WRONG, 3, msg, sizeof(msg));
	printf("prompt: '%s'\nwrong: '%s'\n", prompt, msg);
	if (strcmp(prompt, argv[1]) != 0 || strcmp(msg, argv[2]) != 0) {
		fprintf(stderr, "FAIL: want '%s' and '%s'\n", argv[1], argv[2]);
		return 1;
	}
	if (strcmp(before, setlocale(LC_ALL, NULL)) != 0 ||
	    strcmp(dom, textdomain(NULL)) != 0) {
		fprintf(stderr, "FAIL: locale or text domain changed\n");
		return 1;
	}
	return 0;
}
