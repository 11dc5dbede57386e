/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * pam-client: run one PAM transaction through the real libpam and print
 * the conversation, for the demo and for manual testing.
 *
 *   pam-client [--confdir DIR] [--service NAME] [--user USER]
 *              [--pin PIN | --pin-stdin] [--answer TEXT]
 *              [--op auth|chauthtok] [--new-pin PIN] [--hold] [--keep-copy]
 *
 * --confdir uses pam_start_confdir() (Linux-PAM >= 1.5) so no file under
 * /etc/pam.d is needed.  Secret prompts are answered with the PIN (then
 * --new-pin for both new-PIN prompts of chauthtok); the reply is shown as
 * stars.  --pin-stdin reads the first line of standard input unbuffered
 * and wipes it after pam_end(), as a careful host does.  For the host
 * memory-dump test (tests/rig/e2e-pam-memdump.sh): --hold prints "holding"
 * after pam_end() and waits for the end of standard input; --keep-copy
 * (the test's control) keeps an unwiped copy of the PIN in ASCII and
 * UTF-16LE on the heap.  Exit status: 0 when PAM said PAM_SUCCESS, 1
 * otherwise, 2 on usage errors.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

struct client {
	const char *secrets[3];
	size_t n_secrets, i_secret;
	const char *answer;
};

static void
print_prefixed(const char *prefix, const char *msg)
{
	const char *p = msg, *nl;

	do {
		nl = strchr(p, '\n');
		printf("%s%.*s\n", prefix, nl != NULL ? (int)(nl - p) :
		    (int)strlen(p), p);
		p = nl != NULL ? nl + 1 : NULL;
	} while (p != NULL && *p != '\0');
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	struct client *c = data;
	struct pam_response *r;
	const char *reply;
	size_t k;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG ||
	    (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		reply = NULL;
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			if (c->i_secret >= c->n_secrets) {
				printf("  ? %s(no answer given)\n", msg[i]->msg);
				goto fail;
			}
			reply = c->secrets[c->i_secret];
			if (c->i_secret + 1 < c->n_secrets)
				c->i_secret++;
			printf("  ? %s", msg[i]->msg);
			for (k = 0; k < strlen(reply); k++)
				putchar('*');
			printf("%s\n", reply[0] == '\0' ? "(empty)" : "");
			break;
		case PAM_PROMPT_ECHO_ON:
			if (c->answer == NULL) {
				printf("  ? %s(no answer given)\n", msg[i]->msg);
				goto fail;
			}
			reply = c->answer;
			printf("  ? %s%s\n", msg[i]->msg, reply);
			break;
		case PAM_ERROR_MSG:
			print_prefixed("  ! ", msg[i]->msg);
			break;
		case PAM_TEXT_INFO:
			print_prefixed("  i ", msg[i]->msg);
			break;
		default:
			goto fail;
		}
		if (reply != NULL && (r[i].resp = strdup(reply)) == NULL)
			goto fail;
	}
	fflush(stdout);
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
	fflush(stdout);
	return PAM_CONV_ERR;
}

/* The first line of fd 0, unbuffered (no stdio copy is left behind). */
static void
read_line_fd0(char *line, size_t cap)
{
	size_t n = 0;
	char ch;

	while (n + 1 < cap && read(0, &ch, 1) == 1 && ch != '\n' && ch != '\r')
		line[n++] = ch;
	line[n] = '\0';
}

/* The control's copies: the PIN as ASCII and as UTF-16LE, never wiped. */
static void
keep_copies(const char *pin, char **ascii, char **utf16)
{
	size_t n = strlen(pin);

	*ascii = strdup(pin);
	if ((*utf16 = calloc(n + 1, 2)) != NULL)
		for (size_t i = 0; i < n; i++)
			(*utf16)[2 * i] = pin[i];
}

static void
usage(void)
{
	fprintf(stderr, "usage: pam-client [--confdir DIR] [--service NAME] "
	    "[--user USER] [--pin PIN | --pin-stdin] [--answer TEXT] "
	    "[--op auth|chauthtok] [--new-pin PIN] [--hold] [--keep-copy]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *confdir = NULL, *service = "sclogin-demo", *user = NULL;
	const char *op = "auth", *pin = NULL, *new_pin = NULL;
	char line[256];
	struct client c;
	struct pam_conv pc = { conv, &c };
	pam_handle_t *pamh = NULL;
	const void *item = NULL;
	char *copy = NULL, *copy16 = NULL;
	int i, rc, pin_stdin = 0, hold = 0, keep_copy = 0;

	memset(&c, 0, sizeof(c));
	/* a host like sudo or login: the environment's locale */
	(void)setlocale(LC_ALL, "");
	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--pin-stdin") == 0) {
			pin_stdin = 1;
			continue;
		}
		if (strcmp(argv[i], "--hold") == 0) {
			hold = 1;
			continue;
		}
		if (strcmp(argv[i], "--keep-copy") == 0) {
			keep_copy = 1;
			continue;
		}
		if (v == NULL)
			usage();
		if (strcmp(argv[i], "--confdir") == 0)
			confdir = v;
		else if (strcmp(argv[i], "--service") == 0)
			service = v;
		else if (strcmp(argv[i], "--user") == 0)
			user = v;
		else if (strcmp(argv[i], "--pin") == 0)
			pin = v;
		else if (strcmp(argv[i], "--answer") == 0)
			c.answer = v;
		else if (strcmp(argv[i], "--op") == 0)
			op = v;
		else if (strcmp(argv[i], "--new-pin") == 0)
			new_pin = v;
		else
			usage();
		i++;
	}
	if (pin_stdin) {
		read_line_fd0(line, sizeof(line));
		pin = line;
	}
	if (keep_copy && pin != NULL)
		keep_copies(pin, &copy, &copy16);
	if (pin != NULL)
		c.secrets[c.n_secrets++] = pin;
	if (new_pin != NULL)
		c.secrets[c.n_secrets++] = new_pin;

	printf("PAM service '%s'%s%s, user %s\n", service,
	    confdir != NULL ? " from " : "", confdir != NULL ? confdir : "",
	    user != NULL ? user : "(from the card)");
#if defined(__linux__)
	if (confdir != NULL)
		rc = pam_start_confdir(service, user, &pc, confdir, &pamh);
	else
#endif
		rc = pam_start(service, user, &pc, &pamh);
	if (rc != PAM_SUCCESS) {
		printf("pam_start: %s\n", pam_strerror(NULL, rc));
		return 1;
	}
	if (strcmp(op, "chauthtok") == 0) {
		rc = pam_chauthtok(pamh, 0);
		printf("pam_chauthtok: %s\n", pam_strerror(pamh, rc));
	} else {
		rc = pam_authenticate(pamh, 0);
		printf("pam_authenticate: %s\n", pam_strerror(pamh, rc));
		if (rc == PAM_SUCCESS) {
			rc = pam_acct_mgmt(pamh, 0);
			printf("pam_acct_mgmt: %s\n", pam_strerror(pamh, rc));
		}
		if (rc == PAM_SUCCESS &&
		    pam_get_item(pamh, PAM_USER, &item) == PAM_SUCCESS &&
		    item != NULL)
			printf("signed in as '%s'\n", (const char *)item);
	}
	pam_end(pamh, rc);
	explicit_bzero(line, sizeof(line));
	if (hold) {
		printf("holding\n");
		fflush(stdout);
		while (read(0, line, sizeof(line)) > 0)
			;
		explicit_bzero(line, sizeof(line));
	}
	free(copy);
	free(copy16);
	return rc == PAM_SUCCESS ? 0 : 1;
}
