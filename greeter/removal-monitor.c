/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * sclogin-removal-monitor: spawned by pam_sclogin's session hook for a
 * session signed in with a card.  Acts (lock or terminate the session
 * through loginctl) when the card used to sign in leaves its reader, and
 * exits when the session ends.  The login token is looked at through the
 * backend seam (removal-token.h): a PIV card in a PC/SC reader, or a
 * PKCS#11 token, whose removal is seen by its modules' slot events
 * (tokenwatch.h) as well as by PC/SC when it sits in a reader.  No GLib:
 * links common/ and policy/ only.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "monitor.h"
#include "pcsc.h"
#include "removal-token.h"
#include "tokenwatch.h"

#define LOGINCTL_DEFAULT "/usr/bin/loginctl"
#define SESSIONS_DIR_DEFAULT "/run/systemd/sessions"
#define LOGINCTL_TIMEOUT_MS 10000
#define CARD_TIMEOUT_MS "3000"
/* PKCS#11: how often the modules' slot events are polled. */
#define TOKEN_POLL_MS 250
/* A card-driven loop is capped; the test build lowers it to reach it. */
#ifndef SCL_REMOVAL_EVENTS_MAX
#define SCL_REMOVAL_EVENTS_MAX 100000
#endif
#define EVENTS_MAX SCL_REMOVAL_EVENTS_MAX

extern char **environ;

enum action {
	ACTION_NONE,
	ACTION_LOCK,
	ACTION_LOGOUT,
};

struct opts {
	const char *reader;
	const char *card_id;
	enum action action;
	const char *session;
	unsigned debounce_ms;
	const char *loginctl;
	const char *sessions_dir;
	int verbose;
	const struct scl_backend_ops *be;
	struct scl_config *cfg;		/* backends, PKCS#11 modules, helper */
};

static struct scl_monitor *g_mon;
static volatile sig_atomic_t g_stop;
static int g_wake[2] = { -1, -1 };
static int g_verbose;

static void
say(int prio, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (prio <= LOG_NOTICE)
		syslog(prio, "%s", buf);
	if (g_verbose || prio <= LOG_ERR)
		fprintf(stderr, "sclogin-removal-monitor: %s\n", buf);
}

/* A reader name (from PC/SC: untrusted) for a log line: \xNN but printable
 * ASCII, no quote. */
static const char *
esc(const char *s, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; s != NULL && *s != '\0' && o + 5 < cap; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != '\'') {
			buf[o++] = (char)ch;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[ch >> 4];
			buf[o++] = hex[ch & 0xf];
		}
	}
	buf[o] = '\0';
	return buf;
}

/* logind session ids are alphanumeric (and never look like an option). */
static int
valid_session(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 64 && s[strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")] == '\0';
}

static void
debug_sink(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "sclogin-removal-monitor: debug: %s\n", msg);
}

static void
on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
	if (g_mon != NULL)
		scl_monitor_cancel(g_mon);
	if (g_wake[1] >= 0)
		(void)!write(g_wake[1], "x", 1);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int
card_matches(const struct opts *o)
{
	return scl_rm_token_check(o->be, o->cfg, o->reader, o->card_id) ==
	    SCL_RM_TOKEN_LOGIN;
}

static int
run_loginctl(const struct opts *o)
{
	const char *verb = o->action == ACTION_LOCK ? "lock-session" :
	    "terminate-session";
	char *argv[] = { (char *)(uintptr_t)"loginctl", (char *)(uintptr_t)verb,
	    (char *)(uintptr_t)o->session, NULL };
	uint64_t deadline = now_ms() + LOGINCTL_TIMEOUT_MS;
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	pid_t pid, w;
	int st = 0, r;

	r = posix_spawn(&pid, o->loginctl, NULL, NULL, argv, environ);
	if (r != 0) {
		say(LOG_ERR, "cannot run '%s': %s", o->loginctl, strerror(r));
		return -1;
	}
	/* loginctl talks to logind over D-Bus: bound the wait, then kill. */
	while ((w = waitpid(pid, &st, WNOHANG)) == 0 && now_ms() < deadline)
		nanosleep(&tick, NULL);
	if (w == 0) {
		kill(pid, SIGKILL);
		(void)waitpid(pid, &st, 0);
		say(LOG_ERR, "'%s %s %s' timed out", o->loginctl, verb,
		    o->session);
		return -1;
	}
	if (w < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		say(LOG_ERR, "'%s %s %s' failed (status %d)", o->loginctl,
		    verb, o->session, st);
		return -1;
	}
	return 0;
}

static void
act(const struct opts *o, const char *why)
{
	char r[SCL_READER_NAME_MAX * 4];

	esc(o->reader, r, sizeof(r));
	if (o->action == ACTION_NONE) {
		say(LOG_NOTICE, "event=removal action=none session=%s "
		    "reader='%s' (%s)", o->session, r, why);
		return;
	}
	say(LOG_NOTICE, "event=removal action=%s session=%s reader='%s' (%s)",
	    o->action == ACTION_LOCK ? "lock" : "logout", o->session, r, why);
	(void)run_loginctl(o);
}

/* Waits for the session file to go, then stops the monitor. */
static void *
session_watch(void *arg)
{
	const struct opts *o = arg;
	char path[PATH_MAX];
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd pfd[2];
	struct stat st;
	int fd;

	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0 || inotify_add_watch(fd, o->sessions_dir,
	    IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF) < 0) {
		say(LOG_ERR, "cannot watch '%s': %s", o->sessions_dir,
		    strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", o->sessions_dir, o->session);
	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = g_wake[0];
	pfd[1].events = POLLIN;
	while (!g_stop) {
		if (stat(path, &st) < 0 && errno == ENOENT) {
			say(LOG_INFO, "session %s ended", o->session);
			break;
		}
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	}
out:
	if (fd >= 0)
		close(fd);
	g_stop = 1;
	if (g_mon != NULL)
		scl_monitor_cancel(g_mon);
	return NULL;
}

static int
reader_card_present(struct scl_monitor *mon, const char *reader,
    int *ret_reader_present)
{
	struct scl_reader_info ri[SCL_READERS_MAX];
	size_t n = 0, i;

	*ret_reader_present = 0;
	if (scl_monitor_snapshot(mon, ri, SCL_READERS_MAX, &n) < 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (strcmp(ri[i].name, reader) != 0)
			continue;
		*ret_reader_present = 1;
		return ri[i].card_present;
	}
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: sclogin-removal-monitor --reader R --card-id ID "
	    "--session SID\n"
	    "           [--action none|lock|logout] [--debounce-ms N]\n"
	    "           [--backend piv|pkcs11] [--pkcs11-modules PATH,..]\n"
	    "           [--pkcs11-helper PATH]\n"
	    "           [--loginctl PATH] [--sessions-dir DIR] [--verbose]\n");
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "card-id", required_argument, NULL, 'c' },
		{ "action", required_argument, NULL, 'a' },
		{ "session", required_argument, NULL, 's' },
		{ "debounce-ms", required_argument, NULL, 'd' },
		{ "loginctl", required_argument, NULL, 'l' },
		{ "sessions-dir", required_argument, NULL, 'D' },
		{ "backend", required_argument, NULL, 'b' },
		{ "pkcs11-modules", required_argument, NULL, 'm' },
		{ "pkcs11-helper", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end, why[256];
	unsigned long v;
	int c;

	if (scl_config_defaults(&o->cfg) < 0)
		return -1;
	o->be = scl_backend_get(SCL_BACKEND_PIV);
	o->action = ACTION_LOCK;
	o->debounce_ms = 1500;
	o->loginctl = LOGINCTL_DEFAULT;
	o->sessions_dir = SESSIONS_DIR_DEFAULT;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->reader = optarg;
			break;
		case 'c':
			o->card_id = optarg;
			break;
		case 's':
			o->session = optarg;
			break;
		case 'l':
			o->loginctl = optarg;
			break;
		case 'D':
			o->sessions_dir = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'b':
			if (strcmp(optarg, "piv") == 0)
				o->be = scl_backend_get(SCL_BACKEND_PIV);
			else if (strcmp(optarg, "pkcs11") == 0)
				o->be = scl_backend_get(SCL_BACKEND_PKCS11);
			else {
				fprintf(stderr, "unknown --backend '%s' (piv "
				    "or pkcs11)\n", optarg);
				return -1;
			}
			if (o->be == NULL || scl_config_set(o->cfg, "backends",
			    optarg, why, sizeof(why)) < 0) {
				fprintf(stderr, "--backend %s is not built\n",
				    optarg);
				return -1;
			}
			break;
		case 'm':
		case 'p':
			if (scl_config_set(o->cfg, c == 'm' ? "pkcs11_modules" :
			    "pkcs11_helper", optarg, why, sizeof(why)) < 0) {
				fprintf(stderr, "--%s: %s\n", c == 'm' ?
				    "pkcs11-modules" : "pkcs11-helper", why);
				return -1;
			}
			break;
		case 'a':
			if (strcmp(optarg, "none") == 0)
				o->action = ACTION_NONE;
			else if (strcmp(optarg, "lock") == 0)
				o->action = ACTION_LOCK;
			else if (strcmp(optarg, "logout") == 0)
				o->action = ACTION_LOGOUT;
			else {
				fprintf(stderr, "unknown --action '%s' (none, "
				    "lock or logout)\n", optarg);
				return -1;
			}
			break;
		case 'd':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    v > 60000) {
				fprintf(stderr, "--debounce-ms must be 0..60000"
				    "\n");
				return -1;
			}
			o->debounce_ms = (unsigned)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	/* PC/SC answers at once; the PKCS#11 helper has its default bound
	 * (card_timeout_ms) to start and load its modules. */
	if (o->be != NULL && o->be->kind == SCL_BACKEND_PIV &&
	    scl_config_set(o->cfg, "card_timeout_ms", CARD_TIMEOUT_MS, why,
	    sizeof(why)) < 0)
		return -1;
	if (optind != argc || o->reader == NULL || o->card_id == NULL ||
	    o->session == NULL || !valid_session(o->session) ||
	    o->be == NULL || !scl_rm_token_id_valid(o->be->kind, o->card_id) ||
	    strlen(o->reader) >= SCL_READER_NAME_MAX) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* The cap ended the watch: removal can no longer be seen, so fail closed
 * as if the card had gone. */
static void
capped(const struct opts *o, unsigned n_ev, int armed)
{
	char rbuf[SCL_READER_NAME_MAX * 4];

	say(LOG_ERR, "stopped watching reader '%s' for session %s after %u "
	    "events reason=LIMIT", esc(o->reader, rbuf, sizeof(rbuf)),
	    o->session, n_ev);
	if (armed)
		act(o, "card watch ended at its event cap");
}

/* PIV: the card in o->reader, seen by the PC/SC monitor. */
static int
watch_piv(const struct opts *o)
{
	struct scl_event ev;
	char rbuf[SCL_READER_NAME_MAX * 4];
	int armed = 0, reader_present = 0, r;
	unsigned n_ev;

	if (reader_card_present(g_mon, o->reader, &reader_present))
		armed = card_matches(o);
	else {
		/*
		 * The card left between sign-in and our start: give it the
		 * debounce window to come back, then treat it as removed.
		 */
		uint64_t until = now_ms() + o->debounce_ms;

		armed = 1;
		while (!g_stop && now_ms() < until) {
			r = scl_monitor_wait(g_mon, (int)(until - now_ms()),
			    &ev);
			if (r == 0 && ev.kind == SCL_EV_CARD_INSERTED &&
			    strcmp(ev.reader, o->reader) == 0) {
				armed = card_matches(o);
				break;
			}
			if (r < 0 && r != SCL_ERR_TIMEOUT)
				break;
		}
		if (!g_stop && armed && !reader_card_present(g_mon, o->reader,
		    &reader_present)) {
			act(o, "card absent at start");
			armed = 0;
		}
	}
	say(LOG_INFO, "watching reader '%s' for session %s (%s)",
	    esc(o->reader, rbuf, sizeof(rbuf)), o->session, armed ?
	    "login card present" : "login card not present");

	for (n_ev = 0; !g_stop && n_ev < EVENTS_MAX; n_ev++) {
		r = scl_monitor_wait(g_mon, -1, &ev);
		if (r == SCL_ERR_CANCELLED || g_stop)
			break;
		if (r == SCL_ERR_TIMEOUT)
			continue;
		if (r < 0) {
			say(LOG_ERR, "card monitor failed: %s reason=%s",
			    scl_strerror(r), scl_err_name(r));
			if (armed)
				act(o, "card watch failed, removal can no "
				    "longer be seen");
			return 1;
		}
		if (strcmp(ev.reader, o->reader) != 0 &&
		    ev.kind != SCL_EV_SERVICE_UP)
			continue;
		switch (ev.kind) {
		case SCL_EV_CARD_INSERTED:
			armed = card_matches(o);
			say(LOG_INFO, "card inserted (%s)", armed ?
			    "the login card" : "another card");
			break;
		case SCL_EV_CARD_REMOVED:
		case SCL_EV_READER_REMOVED:
			if (armed)
				act(o, ev.kind == SCL_EV_CARD_REMOVED ?
				    "card removed" : "reader removed");
			armed = 0;
			break;
		case SCL_EV_SERVICE_UP:
			/* pcscd restarted: did the login card stay? */
			if (armed && !reader_card_present(g_mon, o->reader,
			    &reader_present)) {
				act(o, "card gone after pcscd restart");
				armed = 0;
			}
			break;
		case SCL_EV_READER_ADDED:
		case SCL_EV_SERVICE_DOWN:
			break;
		}
	}
	if (!g_stop && n_ev >= EVENTS_MAX) {
		capped(o, n_ev, armed);
		return 1;
	}
	return 0;
}

/* Sleep ms, woken early by a signal or the end of the session. */
static void
nap(int ms)
{
	struct pollfd pfd = { .fd = g_wake[0], .events = POLLIN };

	if (!g_stop)
		(void)poll(&pfd, 1, ms);
}

/* PKCS#11: the token at o->reader now, a removal shorter than the
 * debounce waited out. */
static enum scl_rm_token
look_p11(const struct opts *o)
{
	uint64_t until = now_ms() + o->debounce_ms;
	enum scl_rm_token t;

	for (;;) {
		t = scl_rm_token_check(o->be, o->cfg, o->reader, o->card_id);
		if (t != SCL_RM_TOKEN_ABSENT || g_stop || now_ms() >= until)
			return t;
		nap(TOKEN_POLL_MS);
	}
}

/*
 * PKCS#11: the token in slot o->reader, looked at when its modules report
 * a slot event or a change of the present tokens (polled), and on PC/SC
 * events when pcscd runs (the token may sit in one of its readers).
 */
static int
watch_p11(const struct opts *o)
{
	struct scl_token_watch *w = NULL;
	struct scl_event ev;
	enum scl_rm_token t;
	char rbuf[SCL_READER_NAME_MAX * 4];
	unsigned n_ev = 0;
	int armed, changed = 0, pcsc = g_mon != NULL, look, r, rc = 1;

	esc(o->reader, rbuf, sizeof(rbuf));
	if ((r = scl_token_watch_open(o->cfg, &w)) < 0 || w == NULL) {
		r = r < 0 ? r : SCL_ERR_NOT_SUPPORTED;
		say(LOG_ERR, "cannot watch PKCS#11 token '%s' for session %s: "
		    "%s reason=%s", rbuf, o->session, scl_strerror(r),
		    scl_err_name(r));
		act(o, "token watch failed, removal cannot be seen");
		return 1;
	}
	t = look_p11(o);
	armed = t == SCL_RM_TOKEN_LOGIN;
	if (!g_stop && t == SCL_RM_TOKEN_ABSENT)
		act(o, "token absent at start");
	say(LOG_INFO, "watching PKCS#11 token '%s' for session %s (%s)", rbuf,
	    o->session, armed ? "login token present" :
	    "login token not present");
	while (!g_stop && n_ev < EVENTS_MAX) {
		look = 0;
		if (pcsc) {
			r = scl_monitor_wait(g_mon, TOKEN_POLL_MS, &ev);
			if (r == SCL_ERR_CANCELLED || g_stop)
				break;
			if (r == 0) {
				n_ev++;
				look = ev.kind != SCL_EV_READER_ADDED &&
				    ev.kind != SCL_EV_SERVICE_DOWN;
			} else if (r != SCL_ERR_TIMEOUT) {
				say(LOG_WARNING, "card monitor failed: %s "
				    "reason=%s, watching PKCS#11 slot events "
				    "alone", scl_strerror(r), scl_err_name(r));
				pcsc = 0;
			}
		} else
			nap(TOKEN_POLL_MS);
		if (g_stop)
			break;
		if (!look && (r = scl_token_watch_poll(w, &changed)) < 0) {
			say(LOG_ERR, "PKCS#11 token watch failed: %s reason=%s",
			    scl_strerror(r), scl_err_name(r));
			if (armed)
				act(o, "token watch failed, removal can no "
				    "longer be seen");
			goto out;
		}
		if (!look && changed) {
			n_ev++;
			look = 1;
		}
		if (!look)
			continue;
		t = look_p11(o);
		if (g_stop)
			break;
		if (armed && t != SCL_RM_TOKEN_LOGIN) {
			act(o, t == SCL_RM_TOKEN_ABSENT ? "token removed" :
			    "another token or none readable");
			armed = 0;
		} else if (!armed && t == SCL_RM_TOKEN_LOGIN) {
			say(LOG_INFO, "token inserted (the login token)");
			armed = 1;
		}
	}
	if (!g_stop && n_ev >= EVENTS_MAX) {
		capped(o, n_ev, armed);
		goto out;
	}
	rc = 0;
out:
	scl_token_watch_free(&w);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct sigaction sa;
	pthread_t th;
	char path[PATH_MAX];
	struct stat st;
	int th_ok = 0, rc = 1, r;

	memset(&o, 0, sizeof(o));
	if (parse_args(argc, argv, &o) < 0) {
		scl_config_free(&o.cfg);
		return 2;
	}
	g_verbose = o.verbose;
	openlog("sclogin-removal-monitor", LOG_PID, LOG_AUTHPRIV);
	if (secure_getenv("SCL_DEBUG") != NULL)
		scl_log_set_handler(debug_sink, NULL);
	/*
	 * Started with root's euid by a setuid host (sudo, su), the real
	 * uid is the user's, who could then signal us away and so keep a
	 * session open after the card left: become root all through.
	 */
	if (geteuid() == 0 && getuid() != 0 && setresuid(0, 0, 0) != 0) {
		say(LOG_ERR, "setresuid: %s", strerror(errno));
		goto out;
	}

	snprintf(path, sizeof(path), "%s/%s", o.sessions_dir, o.session);
	if (stat(path, &st) < 0) {
		say(LOG_WARNING, "session %s not found in '%s', exiting",
		    o.session, o.sessions_dir);
		rc = 0;
		goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	/* A PKCS#11 token is watched through its modules without pcscd. */
	if ((r = scl_monitor_new(o.debounce_ms, &g_mon)) < 0 &&
	    o.be->kind != SCL_BACKEND_PKCS11) {
		say(LOG_ERR, "cannot start the card monitor: %s",
		    scl_strerror(r));
		goto out;
	}
	if (pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pthread_create(&th, NULL, session_watch, &o) != 0) {
		say(LOG_ERR, "cannot start the session watch");
		goto out;
	}
	th_ok = 1;

	rc = o.be->kind == SCL_BACKEND_PKCS11 ? watch_p11(&o) : watch_piv(&o);
out:
	g_stop = 1;
	if (th_ok) {
		(void)!write(g_wake[1], "x", 1);
		pthread_join(th, NULL);
	}
	scl_monitor_free(&g_mon);
	scl_config_free(&o.cfg);
	closelog();
	return rc;
}
