/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <fcntl.h>
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
#include <unistd.h>

#include <cmocka.h>

#include "e2e-util.h"
#include "nss-users.h"

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

void
e2e_write_service(const char *svcdir, const char *name, const char *fmt,
    ...)
{
	char path[PATH_MAX + 64], lines[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lines, sizeof(lines), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", svcdir, name);
	e2e_write_file(path, "%s", lines);
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
e2e_make_card_wrapped(const char *wrapper, const char *vcard,
    const char *seal_key, const char *dir, const char *pki_dir,
    const char *leaf, const char *extra)
{
	static char path[PATH_MAX + 64];
	static unsigned seq;
	const char *w = wrapper != NULL ? wrapper : "";
	const char *sp = *w != '\0' ? " " : "";

	snprintf(path, sizeof(path), "%s/card-%u-%s.state", dir, ++seq, leaf);
	if (e2e_sh("%s%s'%s' init --state '%s' --seal-key '%s' "
	    "--name '%s card' %s >/dev/null", w, sp, vcard, path, seal_key,
	    leaf, extra != NULL ? extra : "") < 0 ||
	    e2e_sh("%s%s'%s' import --state '%s' --slot 9a "
	    "--key '%s/%s.key.pem' --cert '%s/%s.cert.pem' --seal-key '%s' "
	    ">/dev/null", w, sp, vcard, path, pki_dir, leaf, pki_dir, leaf,
	    seal_key) < 0)
		fail_msg("cannot make a card with %s", leaf);
	return path;
}

const char *
e2e_make_card(const char *vcard, const char *seal_key, const char *dir,
    const char *pki_dir, const char *leaf, const char *extra)
{
	return e2e_make_card_wrapped(NULL, vcard, seal_key, dir, pki_dir, leaf,
	    extra);
}

void
e2e_note(char *transcript, size_t cap, const char *kind, const char *msg)
{
	size_t o = strlen(transcript);

	if (o < cap)
		snprintf(transcript + o, cap - o, "  [%s] %s\n", kind, msg);
}

int
e2e_conv_fn(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	struct e2e_conv *cv = data;
	struct pam_response *r;
	const char *reply;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG ||
	    (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		reply = NULL;
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			e2e_note(cv->transcript, sizeof(cv->transcript),
			    "secret", msg[i]->msg);
			cv->pin_prompts++;
			if (cv->on_prompt != NULL && cv->on_prompt(cv) != 0)
				goto fail;
			if (cv->i_pin >= 6 || cv->pins[cv->i_pin] == NULL)
				goto fail;
			reply = cv->pins[cv->i_pin++];
			break;
		case PAM_PROMPT_ECHO_ON:
			e2e_note(cv->transcript, sizeof(cv->transcript), "ask",
			    msg[i]->msg);
			if (cv->i_answer >= 4 ||
			    cv->answers[cv->i_answer] == NULL)
				goto fail;
			reply = cv->answers[cv->i_answer++];
			break;
		case PAM_ERROR_MSG:
			e2e_note(cv->transcript, sizeof(cv->transcript),
			    "error", msg[i]->msg);
			break;
		case PAM_TEXT_INFO:
			e2e_note(cv->transcript, sizeof(cv->transcript),
			    "info", msg[i]->msg);
			if (cv->on_info != NULL &&
			    cv->on_info(cv, msg[i]->msg) != 0)
				goto fail;
			break;
		default:
			goto fail;
		}
		if (reply != NULL && (r[i].resp = strdup(reply)) == NULL)
			goto fail;
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
	return PAM_CONV_ERR;
}

void
e2e_expect_text(const struct e2e_conv *cv, const char *s)
{
	if (strstr(cv->transcript, s) == NULL)
		fail_msg("conversation lacks \"%s\"", s);
}

long
e2e_log_mark(const char *logpath)
{
	struct stat st;

	fflush(stderr);
	return stat(logpath, &st) == 0 ? (long)st.st_size : 0;
}

char *
e2e_log_read(const char *logpath, long from)
{
	FILE *f;
	char *buf;
	long n;

	fflush(stderr);
	if ((f = fopen(logpath, "r")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f) - from;
	if (n < 0)
		n = 0;
	buf = calloc(1, (size_t)n + 1);
	fseek(f, from, SEEK_SET);
	if (buf != NULL && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

void
e2e_expect_log(const char *logpath, long from, const char *s)
{
	char *buf = e2e_log_read(logpath, from);
	int found = buf != NULL && strstr(buf, s) != NULL;

	free(buf);
	if (!found)
		fail_msg("log lacks \"%s\"", s);
}

static int
log_capture(const char *logpath, int *ret_saved)
{
	int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	int saved = dup(2);

	if (fd < 0 || saved < 0 || dup2(fd, 2) < 0) {
		perror(logpath);
		if (fd >= 0)
			close(fd);
		if (saved >= 0)
			close(saved);
		return -1;
	}
	close(fd);
	setvbuf(stderr, NULL, _IOLBF, 0);
	*ret_saved = saved;
	return 0;
}

static void
log_release(const char *logpath, int saved)
{
	char *all;

	fflush(stderr);
	if (saved < 0)
		return;
	if ((all = e2e_log_read(logpath, 0)) != NULL)
		(void)!write(saved, all, strlen(all));
	free(all);
	(void)dup2(saved, 2);
}

int
e2e_pam_run_tests(const char *svcdir, const char *logpath,
    const struct CMUnitTest *tests, size_t n)
{
	int saved, r;

	setenv("PAM_WRAPPER_SERVICE_DIR", svcdir, 1);
	setenv("PAM_WRAPPER_DEBUGLEVEL", "2", 1);
	if (log_capture(logpath, &saved) < 0)
		return -1;
	r = _cmocka_run_group_tests("tests", tests, n, NULL, NULL);
	log_release(logpath, saved);
	return r;
}

int
e2e_users_reexec(const char *name, char **argv)
{
	char udir[PATH_MAX];

	snprintf(udir, sizeof(udir), "/tmp/scl-e2e-%s-users.XXXXXX", name);
	if (mkdtemp(udir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	chmod(udir, 0755);
	if (nss_users_write(udir, NULL) != 0) {
		perror(udir);
		return -1;
	}
	setenv("SCL_E2E_USERS_DIR", udir, 1);
	return nss_users_reexec(argv);
}

void
e2e_users_remove(void)
{
	const char *u = getenv("SCL_E2E_USERS_DIR");
	char path[PATH_MAX + 16];

	if (u == NULL)
		return;
	snprintf(path, sizeof(path), "%s/passwd", u);
	if (unlink(path) < 0)
		perror(path);
	snprintf(path, sizeof(path), "%s/group", u);
	if (unlink(path) < 0)
		perror(path);
	if (rmdir(u) < 0)
		perror(u);
}

int
e2e_pam_begin(const char *name, char **argv, const char **ret_vcard)
{
	const char *vcard;

	if (getenv("NSS_WRAPPER_PASSWD") == NULL &&
	    e2e_users_reexec(name, argv) < 0)
		return 1;
	vcard = getenv("SCL_VCARD");
	if (vcard == NULL || *vcard == '\0' || access(vcard, X_OK) != 0) {
		fprintf(stderr, "SKIP: SCL_VCARD not set or not executable\n");
		return 77;
	}
	if (getenv("PAM_WRAPPER") == NULL) {
		fprintf(stderr, "SKIP: run under pam_wrapper (meson test)\n");
		return 77;
	}
	*ret_vcard = vcard;
	return 0;
}
