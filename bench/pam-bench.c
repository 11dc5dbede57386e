/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */

/*
 * pam-bench: run pam_authenticate through a PAM service file with a canned
 * conversation, each run in a fresh exec'd child, and report per run the
 * PAM result, the time to the first PIN (echo-off) prompt, the total wall
 * time and the peak RSS of the host process (wait4 ru_maxrss).  Used by
 * bench/run and by the hardening suite (bounded: a child that does not
 * finish within --timeout-ms is killed and reported as a hang).
 *
 *   pam-bench --service NAME [--confdir DIR] [--user NAME] [--pin PIN]
 *       [--pins PIN1,PIN2,...] [--answer TEXT] [--runs N] [--timeout-ms N]
 *       [--expect NAME[,NAME...]] [--mono] [--quiet]
 *
 * --pins runs one PAM conversation per PIN at once, in threads of the same
 * child (concurrency test).  --expect compares each conversation's result
 * name (PAM_SUCCESS, PAM_AUTH_ERR, ...) and makes the exit status 1 on any
 * mismatch, timeout or crash.  --mono adds first_prompt_mono_us=U, the
 * absolute CLOCK_MONOTONIC time of the first echo-off prompt (0: none), so
 * a caller can time from an event outside the process (a card inserted;
 * bench/insert-prompt.sh).  Output: one line per conversation
 *   run=R conv=C rc=N name=PAM_X first_prompt_us=U [first_prompt_mono_us=U]
 *   total_us=U prompts=N
 *   wall_us=U maxrss_kb=K status=ok|timeout|signal:N|exit:N user=U msg='...'
 * followed by a summary line with medians.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define MAX_CONV	8
#define MAX_RUNS	1000
#define MAX_PROMPTS	6
#define MSG_MAX		512
#define LINE_MAX_	2048

struct opts {
	const char *service;
	const char *confdir;
	const char *user;
	const char *pins[MAX_CONV];
	size_t n_pins;
	const char *answer;
	unsigned runs;
	unsigned timeout_ms;
	const char *expect[MAX_CONV];
	size_t n_expect;
	int quiet;
	int one;
	int mono;
};

struct conv_state {
	const char *pin;
	const char *answer;
	uint64_t t0;
	uint64_t t_first_prompt;
	unsigned n_prompts;
	char msg[MSG_MAX];
	size_t msg_len;
};

struct conv_result {
	int rc;
	uint64_t first_prompt_us;
	uint64_t first_prompt_mono_us;
	uint64_t total_us;
	unsigned prompts;
	char user[64];
	char msg[MSG_MAX];
};

struct thread_arg {
	const struct opts *o;
	const char *pin;
	struct conv_result res;
};

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const char *
pam_code_name(int rc)
{
	static const struct {
		int rc;
		const char *name;
	} t[] = {
		{ PAM_SUCCESS, "PAM_SUCCESS" },
		{ PAM_OPEN_ERR, "PAM_OPEN_ERR" },
		{ PAM_SYMBOL_ERR, "PAM_SYMBOL_ERR" },
		{ PAM_SERVICE_ERR, "PAM_SERVICE_ERR" },
		{ PAM_SYSTEM_ERR, "PAM_SYSTEM_ERR" },
		{ PAM_BUF_ERR, "PAM_BUF_ERR" },
		{ PAM_PERM_DENIED, "PAM_PERM_DENIED" },
		{ PAM_AUTH_ERR, "PAM_AUTH_ERR" },
		{ PAM_CRED_INSUFFICIENT, "PAM_CRED_INSUFFICIENT" },
		{ PAM_AUTHINFO_UNAVAIL, "PAM_AUTHINFO_UNAVAIL" },
		{ PAM_USER_UNKNOWN, "PAM_USER_UNKNOWN" },
		{ PAM_MAXTRIES, "PAM_MAXTRIES" },
		{ PAM_CONV_ERR, "PAM_CONV_ERR" },
		{ PAM_ABORT, "PAM_ABORT" },
		{ PAM_IGNORE, "PAM_IGNORE" },
		{ PAM_MODULE_UNKNOWN, "PAM_MODULE_UNKNOWN" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].rc == rc)
			return t[i].name;
	return "PAM_OTHER";
}

static void
msg_append(struct conv_state *s, const char *text)
{
	size_t i;

	if (s->msg_len > 0 && s->msg_len + 3 < sizeof(s->msg)) {
		s->msg[s->msg_len++] = ' ';
		s->msg[s->msg_len++] = '|';
		s->msg[s->msg_len++] = ' ';
	}
	for (i = 0; text != NULL && text[i] != '\0' &&
	    s->msg_len + 1 < sizeof(s->msg); i++) {
		char ch = text[i];

		if (ch == '\'' || ch == '\n' || ch == '\r' || ch == '\t' ||
		    (unsigned char)ch < 0x20)
			ch = ' ';
		s->msg[s->msg_len++] = ch;
	}
	s->msg[s->msg_len] = '\0';
}

static int
conv_fn(int n, const struct pam_message **msgs, struct pam_response **ret_resp,
    void *data)
{
	struct conv_state *s = data;
	struct pam_response *resp = NULL;
	int i, rc = PAM_CONV_ERR;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		goto out;
	resp = calloc((size_t)n, sizeof(*resp));
	if (resp == NULL) {
		rc = PAM_BUF_ERR;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *answer = NULL;

		switch (msgs[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			if (s->t_first_prompt == 0)
				s->t_first_prompt = now_us();
			answer = s->pin;
			break;
		case PAM_PROMPT_ECHO_ON:
			answer = s->answer;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			msg_append(s, msgs[i]->msg);
			continue;
		default:
			goto out;
		}
		msg_append(s, msgs[i]->msg);
		if (++s->n_prompts > MAX_PROMPTS)
			goto out;
		resp[i].resp = strdup(answer != NULL ? answer : "");
		if (resp[i].resp == NULL) {
			rc = PAM_BUF_ERR;
			goto out;
		}
	}
	*ret_resp = resp;
	resp = NULL;
	rc = PAM_SUCCESS;
out:
	if (resp != NULL) {
		for (i = 0; i < n; i++) {
			if (resp[i].resp != NULL) {
				explicit_bzero(resp[i].resp,
				    strlen(resp[i].resp));
				free(resp[i].resp);
			}
		}
		free(resp);
	}
	return rc;
}

static void
run_conversation(const struct opts *o, const char *pin, struct conv_result *r)
{
	struct conv_state s;
	struct pam_conv conv = { conv_fn, &s };
	pam_handle_t *pamh = NULL;
	const void *item = NULL;
	const char *user;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(r, 0, sizeof(*r));
	s.pin = pin;
	s.answer = o->answer;
	user = (o->user != NULL && o->user[0] != '\0') ? o->user : NULL;
	s.t0 = now_us();
	if (o->confdir != NULL)
		rc = pam_start_confdir(o->service, user, &conv, o->confdir,
		    &pamh);
	else
		rc = pam_start(o->service, user, &conv, &pamh);
	if (rc != PAM_SUCCESS) {
		r->rc = rc;
		snprintf(r->msg, sizeof(r->msg), "pam_start failed");
		r->total_us = now_us() - s.t0;
		return;
	}
	rc = pam_authenticate(pamh, 0);
	if (pam_get_item(pamh, PAM_USER, &item) == PAM_SUCCESS && item != NULL)
		snprintf(r->user, sizeof(r->user), "%s", (const char *)item);
	pam_end(pamh, rc);
	r->total_us = now_us() - s.t0;
	r->rc = rc;
	r->first_prompt_us = s.t_first_prompt ? s.t_first_prompt - s.t0 : 0;
	r->first_prompt_mono_us = s.t_first_prompt;
	r->prompts = s.n_prompts;
	memcpy(r->msg, s.msg, sizeof(r->msg));
}

static void *
thread_main(void *p)
{
	struct thread_arg *a = p;

	run_conversation(a->o, a->pin, &a->res);
	return NULL;
}

/* Child: one or more conversations at once, one line each on stdout. */
static int
run_one(const struct opts *o)
{
	struct thread_arg args[MAX_CONV];
	pthread_t th[MAX_CONV];
	size_t i, n = o->n_pins > 0 ? o->n_pins : 1;
	int started[MAX_CONV] = { 0 };

	for (i = 0; i < n; i++) {
		args[i].o = o;
		args[i].pin = o->n_pins > 0 ? o->pins[i] : "";
	}
	if (n == 1) {
		thread_main(&args[0]);
	} else {
		for (i = 0; i < n; i++)
			started[i] = pthread_create(&th[i], NULL, thread_main,
			    &args[i]) == 0;
		for (i = 0; i < n; i++) {
			if (started[i])
				pthread_join(th[i], NULL);
			else
				args[i].res.rc = -1;
		}
	}
	for (i = 0; i < n; i++) {
		const struct conv_result *r = &args[i].res;
		char mono[48] = "";

		if (o->mono)
			snprintf(mono, sizeof(mono),
			    " first_prompt_mono_us=%llu",
			    (unsigned long long)r->first_prompt_mono_us);
		printf("conv=%zu rc=%d name=%s first_prompt_us=%llu%s "
		    "total_us=%llu prompts=%u user=%s msg='%s'\n", i, r->rc,
		    pam_code_name(r->rc),
		    (unsigned long long)r->first_prompt_us, mono,
		    (unsigned long long)r->total_us, r->prompts,
		    r->user[0] ? r->user : "-", r->msg);
	}
	fflush(stdout);
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
median(uint64_t *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *
field(const char *line, const char *key, char *buf, size_t cap)
{
	const char *p = line;
	size_t klen = strlen(key), i = 0;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == line || p[-1] == ' ') && p[klen] == '=')
			break;
		p += klen;
	}
	if (p == NULL)
		return NULL;
	p += klen + 1;
	while (p[i] != '\0' && p[i] != ' ' && p[i] != '\n' && i + 1 < cap) {
		buf[i] = p[i];
		i++;
	}
	buf[i] = '\0';
	return buf;
}

/* Parent: exec a fresh child per run, bounded by timeout_ms. */
static int
run_parent(const struct opts *o, char **child_argv)
{
	static uint64_t tot[MAX_RUNS * MAX_CONV], fp[MAX_RUNS * MAX_CONV];
	static uint64_t rss[MAX_RUNS], wall[MAX_RUNS];
	size_t n_tot = 0, n_fp = 0, n_rss = 0;
	unsigned run, failures = 0, hangs = 0, crashes = 0;

	for (run = 0; run < o->runs; run++) {
		char out[LINE_MAX_ * MAX_CONV], self[4096];
		size_t out_len = 0;
		ssize_t self_len;
		struct rusage ru;
		int pfd[2], status = 0, timed_out = 0;
		uint64_t t0, deadline;
		char st[32];
		pid_t pid;
		char *line, *save = NULL;
		size_t conv_i = 0;

		if (pipe2(pfd, O_CLOEXEC) < 0) {
			perror("pipe2");
			return 2;
		}
		t0 = now_us();
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			dup2(pfd[1], STDOUT_FILENO);
			/* Under valgrind /proc/self/exe is valgrind. */
			self_len = readlink("/proc/self/exe", self,
			    sizeof(self) - 1);
			if (self_len > 0) {
				self[self_len] = '\0';
				execv(self, child_argv);
			}
			_exit(127);
		}
		close(pfd[1]);
		deadline = t0 + (uint64_t)o->timeout_ms * 1000u;
		for (;;) {
			struct pollfd p = { pfd[0], POLLIN, 0 };
			uint64_t now = now_us();
			ssize_t k;
			int w;

			if (now >= deadline) {
				timed_out = 1;
				kill(pid, SIGKILL);
				break;
			}
			w = poll(&p, 1, (int)((deadline - now) / 1000u) + 1);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				continue;
			if (out_len + 1 >= sizeof(out)) {
				char sink[256];

				if (read(pfd[0], sink, sizeof(sink)) <= 0)
					break;
				continue;
			}
			k = read(pfd[0], out + out_len,
			    sizeof(out) - 1 - out_len);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			out_len += (size_t)k;
		}
		out[out_len] = '\0';
		close(pfd[0]);
		while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
			;
		wall[run] = now_us() - t0;
		rss[n_rss++] = (uint64_t)ru.ru_maxrss;
		if (timed_out) {
			snprintf(st, sizeof(st), "timeout");
			hangs++;
		} else if (WIFSIGNALED(status)) {
			snprintf(st, sizeof(st), "signal:%d", WTERMSIG(status));
			crashes++;
		} else if (WEXITSTATUS(status) != 0) {
			snprintf(st, sizeof(st), "exit:%d",
			    WEXITSTATUS(status));
			crashes++;
		} else {
			snprintf(st, sizeof(st), "ok");
		}
		for (line = strtok_r(out, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save), conv_i++) {
			char b[64];

			if (!o->quiet)
				printf("run=%u %s wall_us=%llu maxrss_kb=%ld "
				    "status=%s\n", run, line,
				    (unsigned long long)wall[run],
				    ru.ru_maxrss, st);
			if (field(line, "total_us", b, sizeof(b)) != NULL)
				tot[n_tot++] = strtoull(b, NULL, 10);
			if (field(line, "first_prompt_us", b, sizeof(b)) !=
			    NULL && strtoull(b, NULL, 10) > 0)
				fp[n_fp++] = strtoull(b, NULL, 10);
			if (o->n_expect > 0) {
				const char *want = o->expect[
				    conv_i < o->n_expect ? conv_i :
				    o->n_expect - 1];

				if (field(line, "name", b, sizeof(b)) == NULL ||
				    strcmp(b, want) != 0) {
					fprintf(stderr, "pam-bench: run %u "
					    "conv %zu: got %s, expected %s\n",
					    run, conv_i, b, want);
					failures++;
				}
			}
		}
		if (conv_i == 0) {
			if (!o->quiet)
				printf("run=%u conv=- rc=-1 name=NONE "
				    "wall_us=%llu maxrss_kb=%ld status=%s\n",
				    run, (unsigned long long)wall[run],
				    ru.ru_maxrss, st);
			if (o->n_expect > 0)
				failures++;
		}
	}
	printf("summary runs=%u median_total_us=%llu median_first_prompt_us="
	    "%llu median_maxrss_kb=%llu timeouts=%u crashes=%u "
	    "mismatches=%u\n", o->runs,
	    (unsigned long long)median(tot, n_tot),
	    (unsigned long long)median(fp, n_fp),
	    (unsigned long long)median(rss, n_rss), hangs, crashes, failures);
	fflush(stdout);
	return (hangs || crashes || failures) ? 1 : 0;
}

static size_t
split_list(char *s, const char **out, size_t cap)
{
	size_t n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(s, ",", &save); tok != NULL && n < cap;
	    tok = strtok_r(NULL, ",", &save))
		out[n++] = tok;
	return n;
}

static void
usage(void)
{
	fprintf(stderr, "usage: pam-bench --service NAME [--confdir DIR] "
	    "[--user NAME] [--pin PIN | --pins P1,P2] [--answer TEXT]\n"
	    "       [--runs N] [--timeout-ms N] [--expect NAME[,NAME]] "
	    "[--mono] [--quiet]\n");
}

int
main(int argc, char **argv)
{
	static char one_arg[] = "--one";
	struct opts o;
	char *child_argv[64], *pins_buf = NULL;
	int i, n = 0, rc;

	memset(&o, 0, sizeof(o));
	o.runs = 1;
	o.timeout_ms = 60000;
	o.answer = "";
	if (argc > 50) {
		usage();
		rc = 2;
		goto out;
	}
	child_argv[n++] = argv[0];
	child_argv[n++] = one_arg;
	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int child = 1;

		if (strcmp(a, "--one") == 0) {
			o.one = 1;
			continue;
		}
		if (strcmp(a, "--quiet") == 0) {
			o.quiet = 1;
			continue;
		}
		if (strcmp(a, "--mono") == 0) {
			o.mono = 1;
			child_argv[n++] = a;
			continue;
		}
		if (v == NULL) {
			usage();
			rc = 2;
			goto out;
		}
		if (strcmp(a, "--service") == 0) {
			o.service = v;
		} else if (strcmp(a, "--confdir") == 0) {
			o.confdir = v;
		} else if (strcmp(a, "--user") == 0) {
			o.user = v;
		} else if (strcmp(a, "--pin") == 0) {
			o.pins[0] = v;
			o.n_pins = 1;
		} else if (strcmp(a, "--pins") == 0) {
			free(pins_buf);
			pins_buf = strdup(v);
			if (pins_buf == NULL) {
				rc = 2;
				goto out;
			}
			o.n_pins = split_list(pins_buf, o.pins, MAX_CONV);
		} else if (strcmp(a, "--answer") == 0) {
			o.answer = v;
		} else if (strcmp(a, "--runs") == 0) {
			o.runs = (unsigned)strtoul(v, NULL, 10);
			child = 0;
		} else if (strcmp(a, "--timeout-ms") == 0) {
			o.timeout_ms = (unsigned)strtoul(v, NULL, 10);
			child = 0;
		} else if (strcmp(a, "--expect") == 0) {
			o.n_expect = split_list(v, o.expect, MAX_CONV);
			child = 0;
		} else {
			usage();
			rc = 2;
			goto out;
		}
		if (child) {
			child_argv[n++] = a;
			child_argv[n++] = v;
		}
		i++;
	}
	child_argv[n] = NULL;
	if (o.service == NULL || o.runs == 0 || o.runs > MAX_RUNS) {
		usage();
		rc = 2;
		goto out;
	}
	rc = o.one ? run_one(&o) : run_parent(&o, child_argv);
out:
	free(pins_buf);
	return rc;
}
