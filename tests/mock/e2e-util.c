/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "e2e-util.h"

void
e2e_write_file(const char *path, const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	chmod(path, 0644);
}

int
e2e_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "command failed (%d): %s\n", st, cmd);
		return -1;
	}
	return 0;
}

const char *
e2e_make_card(const char *vcard, const char *seal_key, const char *dir,
    const char *pki_dir, const char *leaf, const char *extra)
{
	static char path[PATH_MAX + 64];
	static unsigned seq;

	snprintf(path, sizeof(path), "%s/card-%u-%s.state", dir, ++seq, leaf);
	if (e2e_sh("'%s' init --state '%s' --seal-key '%s' --name '%s card' "
	    "%s >/dev/null", vcard, path, seal_key, leaf,
	    extra != NULL ? extra : "") < 0 ||
	    e2e_sh("'%s' import --state '%s' --slot 9a --key '%s/%s.key.pem' "
	    "--cert '%s/%s.cert.pem' --seal-key '%s' >/dev/null", vcard, path,
	    pki_dir, leaf, pki_dir, leaf, seal_key) < 0)
		fail_msg("cannot make a card with %s", leaf);
	return path;
}

void
e2e_note(char *transcript, size_t cap, const char *kind, const char *msg)
{
	size_t o = strlen(transcript);

	if (o < cap)
		snprintf(transcript + o, cap - o, "  [%s] %s\n", kind, msg);
}
