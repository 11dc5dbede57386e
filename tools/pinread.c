/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "i18n.h"
#include "tool.h"

static volatile sig_atomic_t caught;

static void
on_signal(int sig)
{
	caught = sig;
}

static const int prompt_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU,
};
#define N_SIGNALS (sizeof(prompt_signals) / sizeof(prompt_signals[0]))

/*
 * Read one line byte by byte straight into pin->v: no stdio buffer or line
 * buffer ever holds the secret.  Bounded: at most 4096 bytes are consumed.
 */
static int
read_line(int fd, struct scl_pin *pin, const char **ret_reason)
{
	unsigned char ch;
	size_t total = 0;
	int bad = 0, r = SCL_ERR_INTERNAL;
	ssize_t k;

	scl_pin_clear(pin);
	for (;;) {
		k = read(fd, &ch, 1);
		if (k < 0 && errno == EINTR && caught == 0)
			continue;
		if (caught != 0) {
			r = SCL_ERR_CANCELLED;
			goto out;
		}
		if (k <= 0) {
			if (total == 0) {
				r = k == 0 ? SCL_ERR_CANCELLED : SCL_ERR_SYSTEM;
				goto out;
			}
			break;
		}
		if (ch == '\n')
			break;
		if (ch == '\r')
			continue;
		if (++total > 4096) {
			bad = 2;
			break;
		}
		if (ch < 0x20 || ch > 0x7e)
			bad = 1;
		if (pin->len < SCL_PIN_MAX)
			pin->v[pin->len++] = ch;
	}
	ch = 0;
	if (total == 0) {
		*ret_reason = N_("The PIN is empty.");
		r = SCL_ERR_PIN_FORMAT;
	} else if (bad == 1) {
		*ret_reason = N_("The PIN may contain only printable ASCII "
		    "characters.");
		r = SCL_ERR_PIN_FORMAT;
	} else if (bad == 2 || total > SCL_PIN_MAX) {
		*ret_reason = N_("The PIN must have at most 8 characters.");
		r = SCL_ERR_PIN_FORMAT;
	} else
		r = 0;
out:
	if (r != 0)
		scl_pin_clear(pin);
	return r;
}

int
tool_read_pin(int fd, const char *prompt, struct scl_pin *pin,
    const char **ret_reason)
{
	struct sigaction sa, saved[N_SIGNALS];
	struct termios old, noecho;
	int tty = -1, restore = 0, r = SCL_ERR_INTERNAL, sig;
	const char *reason = NULL;
	size_t i;

	if (fd >= 0) {
		r = read_line(fd, pin, &reason);
		goto out;
	}
	if ((tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		reason = N_("No terminal to read the PIN from; use --pin-fd.");
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	/*
	 * Like readpassphrase(3): a signal during the prompt restores the
	 * terminal first, then takes its usual effect.  No SA_RESTART, so
	 * read() returns.
	 */
	caught = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < N_SIGNALS; i++)
		sigaction(prompt_signals[i], &sa, &saved[i]);
	if (tcgetattr(tty, &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		noecho.c_lflag |= ICANON;
		if (tcsetattr(tty, TCSAFLUSH, &noecho) == 0)
			restore = 1;
	}
	if (write(tty, prompt, strlen(prompt)) < 0) {
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	r = read_line(tty, pin, &reason);
	if (write(tty, "\n", 1) < 0) {
		/* nothing useful to do */
	}
out:
	if (restore)
		(void)tcsetattr(tty, TCSAFLUSH, &old);
	if (tty >= 0) {
		close(tty);
		for (i = 0; i < N_SIGNALS; i++)
			sigaction(prompt_signals[i], &saved[i], NULL);
		if ((sig = caught) != 0) {
			caught = 0;
			scl_pin_clear(pin);
			raise(sig);
		}
	}
	if (r != 0 && ret_reason != NULL)
		*ret_reason = reason != NULL ? reason :
		    r == SCL_ERR_CANCELLED ? N_("No PIN given.") :
		    N_("Cannot read the PIN.");
	return r;
}

int
tool_confirm(const char *question)
{
	char ans[16];
	FILE *f;
	int yes = 0;

	if ((f = fopen("/dev/tty", "r+e")) == NULL)
		return 0;
	/* TRANSLATORS: the answer is read with rpmatch(3) (locale's yes). */
	fprintf(f, "%s %s ", question, _("[y/N]"));
	fflush(f);
	if (fgets(ans, sizeof(ans), f) != NULL)
		yes = rpmatch(ans) == 1;
	fclose(f);
	return yes;
}

int
tool_pin_policy(struct tool *tl, const char *policy_str,
    struct scl_pin_policy *ret)
{
	struct scl_config *cfg = NULL;
	char errbuf[512];
	int r;

	if (policy_str != NULL) {
		if (scl_pin_policy_parse(policy_str, ret) != 0)
			return tool_usage_error(tl, "bad --pin-policy '%s' "
			    "(e.g. min=6,max=8,digit=required)", policy_str);
		return 0;
	}
	errbuf[0] = '\0';
	r = scl_config_load(tl->config != NULL ? tl->config :
	    SCL_CONFIG_PATH_DEFAULT, /* service= */ NULL,
	    /* check_owner= */ 0, &cfg, errbuf, sizeof(errbuf));
	if (r != 0)
		return tool_fail(tl, SCL_EXIT_FAIL, r, "%s",
		    errbuf[0] != '\0' ? errbuf : scl_strerror(r));
	*ret = cfg->pin_policy;
	scl_config_free(&cfg);
	return 0;
}
