/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include "rig.h"
#include "rig-usb.h"

#define PCSCD_DIR "/run/pcscd"
#define PCSCD_SOCK PCSCD_DIR "/pcscd.comm"
#define VPCD_LIB "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
#define VPCD_CHANNEL 0x9C40u
#define VPCD_DEVICE "/dev/null:0x9C40"
#define CHANNELS_MAX 4

struct rig {
	char dir[64];
	char conf[PATH_MAX];
	char seal[PATH_MAX];
	char log[PATH_MAX];
	pid_t pcscd;
	pid_t card[RIG_SLOTS];
	unsigned nreaders;
	pid_t owner;
	int usb;
};

static void
say(const char *fmt, ...)
{
	va_list ap;

	fputs("rig: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

uint64_t
rig_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
write_file(const char *path, const char *text)
{
	FILE *f;
	int r = -1;

	if ((f = fopen(path, "we")) == NULL) {
		say("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	if (fputs(text, f) >= 0)
		r = 0;
	if (fclose(f) != 0)
		r = -1;
	return r;
}

static int
lo_up(void)
{
	struct ifreq ifr;
	int fd, r = -1;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == -1)
		goto out;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) == -1)
		goto out;
	r = 0;
out:
	close(fd);
	return r;
}

/*
 * Fork and exec argv with stdout/stderr appended to logpath.  The child
 * dies with the forking thread (PR_SET_PDEATHSIG) so a crashed test leaves
 * nothing behind.
 */
static pid_t
spawn_in(const char *const argv[], const char *logpath, const char *usbdir)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		say("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int fd;

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
		    getppid() != parent)
			_exit(127);
		setpgid(0, 0);
		if ((fd = open("/dev/null", O_RDONLY)) >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		if (logpath != NULL && (fd = open(logpath,
		    O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		if (usbdir != NULL && rig_usb_enter(usbdir, VPCD_LIB,
		    VPCD_DEVICE) != 0)
			_exit(127);
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		fprintf(stderr, "rig: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static pid_t
spawn(const char *const argv[], const char *logpath)
{
	return spawn_in(argv, logpath, NULL);
}

/* SIGTERM, wait up to ms, then SIGKILL and reap. 0 if it had to be killed. */
static int
stop_pid(pid_t *pidp, unsigned ms)
{
	uint64_t end;
	pid_t pid = *pidp;
	int st, killed = 0;

	if (pid <= 0)
		return 1;
	*pidp = 0;
	kill(pid, SIGTERM);
	end = rig_now_ms() + ms;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid || (w == -1 && errno == ECHILD))
			break;
		if (rig_now_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			killed = 1;
			break;
		}
		sleep_ms(10);
	}
	return !killed;
}

static int
alive(pid_t pid)
{
	int st;

	return pid > 0 && waitpid(pid, &st, WNOHANG) == 0;
}

const char *
rig_reader_name(unsigned slot)
{
	return slot == 0 ? RIG_READER_0 : RIG_READER_1;
}

unsigned
rig_card_port(unsigned slot)
{
	return VPCD_CHANNEL + slot;
}

const char *
rig_dir(struct rig *r)
{
	return r->dir;
}

const char *
rig_conf_dir(struct rig *r)
{
	return r->conf;
}

const char *
rig_seal_key(struct rig *r)
{
	return r->seal;
}

int
rig_pcscd_pid(const struct rig *r)
{
	return (int)r->pcscd;
}

const char *
rig_vcard_path(void)
{
	const char *p = getenv("SCL_VCARD");

	if (p == NULL || *p == '\0' || access(p, X_OK) != 0)
		return NULL;
	return p;
}

int
rig_readers_set(struct rig *r, const unsigned *channels, unsigned n)
{
	char path[PATH_MAX + 32], text[512];
	unsigned i;

	if (n > CHANNELS_MAX)
		return -1;
	for (i = 0; i < CHANNELS_MAX; i++) {
		snprintf(path, sizeof(path), "%s/vpcd-%u", r->conf, i);
		if (i >= n) {
			unlink(path);
			continue;
		}
		/* pcscd numbers same-named readers ambiguously: name them. */
		snprintf(text, sizeof(text),
		    "FRIENDLYNAME \"Virtual PCD%s%.*s\"\n"
		    "DEVICENAME /dev/null:0x%04X\n"
		    "LIBPATH %s\n"
		    "CHANNELID 0x%04X\n", i > 0 ? " " : "", i > 0 ? 1 : 0,
		    &"ABCD"[i], channels[i], VPCD_LIB, channels[i]);
		if (write_file(path, text) != 0)
			return -1;
	}
	r->nreaders = 2 * n;
	return 0;
}

/* Readers pcscd lists now, -1 if it does not answer. */
static int
count_readers(void)
{
	SCARDCONTEXT ctx;
	DWORD len = 0;
	LONG rv;
	char *buf = NULL;
	int n = -1;

	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) !=
	    SCARD_S_SUCCESS)
		return -1;
	rv = SCardListReaders(ctx, NULL, NULL, &len);
	if (rv == (LONG)SCARD_E_NO_READERS_AVAILABLE) {
		n = 0;
		goto out;
	}
	if (rv != SCARD_S_SUCCESS || len == 0 || len > 65536)
		goto out;
	if ((buf = calloc(1, len + 1)) == NULL)
		goto out;
	if (SCardListReaders(ctx, NULL, buf, &len) != SCARD_S_SUCCESS)
		goto out;
	n = 0;
	for (char *p = buf; p < buf + len && *p != '\0'; p += strlen(p) + 1)
		n++;
out:
	free(buf);
	SCardReleaseContext(ctx);
	return n;
}

int
rig_pcscd_start(struct rig *r)
{
	const char *argv[] = { "pcscd", "-f", "-c", r->conf, NULL, NULL };
	uint64_t end;

	/* SCL_RIG_PCSCD_DEBUG: pcscd's debug log in pcscd.log. */
	if (getenv("SCL_RIG_PCSCD_DEBUG") != NULL)
		argv[4] = "-d";

	if (r->pcscd > 0) {
		say("pcscd already running (pid %d)", (int)r->pcscd);
		return -1;
	}
	/* Our private tmpfs: leftovers of a killed pcscd would stop a new one. */
	unlink(PCSCD_SOCK);
	unlink(PCSCD_DIR "/pcscd.pid");
	if ((r->pcscd = spawn_in(argv, r->log, r->usb ? r->dir : NULL)) <=
	    0) {
		r->pcscd = 0;
		return -1;
	}
	end = rig_now_ms() + RIG_WAIT_MS;
	while (rig_now_ms() < end) {
		struct stat st;

		if (!alive(r->pcscd)) {
			say("pcscd exited at start-up; see %s", r->log);
			r->pcscd = 0;
			return -1;
		}
		if (stat(PCSCD_SOCK, &st) == 0 &&
		    count_readers() == (int)r->nreaders)
			return 0;
		sleep_ms(20);
	}
	say("pcscd did not come up within %d ms; see %s", RIG_WAIT_MS, r->log);
	stop_pid(&r->pcscd, 2000);
	return -1;
}

int
rig_pcscd_stop(struct rig *r)
{
	if (r->pcscd <= 0)
		return 0;
	if (!stop_pid(&r->pcscd, 5000)) {
		say("pcscd ignored SIGTERM, killed");
		return -1;
	}
	return 0;
}

int
rig_pcscd_rescan(struct rig *r)
{
	if (r->pcscd <= 0 || kill(r->pcscd, SIGUSR1) != 0)
		return -1;
	sleep_ms(1000);
	return count_readers();
}

int
rig_wait_readers(struct rig *r, int n, int timeout_ms)
{
	uint64_t end = rig_now_ms() + (uint64_t)timeout_ms;
	int got;

	(void)r;
	for (;;) {
		if ((got = count_readers()) == n)
			return 0;
		if (rig_now_ms() >= end)
			break;
		sleep_ms(10);
	}
	say("pcscd lists %d reader(s), not %d, after %d ms", got, n,
	    timeout_ms);
	return -1;
}

int
rig_hotplug_enable(struct rig *r)
{
	if (r->usb)
		return 0;
	for (unsigned i = 0; i < RIG_SLOTS; i++) {
		if (r->card[i] > 0) {
			say("rig_hotplug_enable: take the cards out first");
			return -1;
		}
	}
	if (rig_usb_prepare(r->dir, getenv("SCL_RIG_IFD_UNPLUG")) != 0)
		return -1;
	if (rig_pcscd_stop(r) != 0 || rig_readers_set(r, NULL, 0) != 0)
		return -1;
	r->usb = 1;
	r->nreaders = RIG_SLOTS;
	return rig_pcscd_start(r);
}

static int
usb_slot(struct rig *r, unsigned slot, const char *what)
{
	if (slot >= RIG_SLOTS)
		return -1;
	if (!r->usb) {
		say("%s: call rig_hotplug_enable() first", what);
		return -1;
	}
	return 0;
}

int
rig_reader_pull(struct rig *r, unsigned slot)
{
	if (usb_slot(r, slot, "rig_reader_pull") != 0)
		return -1;
	r->nreaders = 0;
	return rig_usb_set(r->dir, 0);
}

int
rig_reader_fail(struct rig *r, unsigned slot, int failing)
{
	if (usb_slot(r, slot, "rig_reader_fail") != 0)
		return -1;
	return rig_usb_fail(r->dir, failing);
}

int
rig_reader_unplug(struct rig *r, unsigned slot)
{
	if (rig_reader_pull(r, slot) != 0)
		return -1;
	return rig_wait_readers(r, 0, RIG_WAIT_MS);
}

int
rig_reader_replug(struct rig *r, unsigned slot)
{
	if (usb_slot(r, slot, "rig_reader_replug") != 0)
		return -1;
	if (rig_usb_set(r->dir, 1) != 0)
		return -1;
	r->nreaders = RIG_SLOTS;
	return rig_wait_readers(r, RIG_SLOTS, RIG_WAIT_MS);
}

int
rig_wait_card(struct rig *r, unsigned slot, int present, int timeout_ms)
{
	SCARD_READERSTATE rs;
	SCARDCONTEXT ctx = 0;
	uint64_t end = rig_now_ms() + (uint64_t)timeout_ms;
	LONG rv;
	int r_ = -1, have = 0;

	(void)r;
	memset(&rs, 0, sizeof(rs));
	rs.szReader = rig_reader_name(slot);
	rs.dwCurrentState = SCARD_STATE_UNAWARE;
	while (rig_now_ms() < end) {
		DWORD left = (DWORD)(end - rig_now_ms());

		if (!have) {
			if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL,
			    NULL, &ctx) != SCARD_S_SUCCESS) {
				sleep_ms(20);
				continue;
			}
			have = 1;
		}
		rv = SCardGetStatusChange(ctx, left, &rs, 1);
		if (rv == (LONG)SCARD_E_TIMEOUT)
			break;
		if (rv != SCARD_S_SUCCESS) {
			SCardReleaseContext(ctx);
			have = 0;
			rs.dwCurrentState = SCARD_STATE_UNAWARE;
			sleep_ms(20);
			continue;
		}
		if (!!(rs.dwEventState & SCARD_STATE_PRESENT) == !!present &&
		    !(rs.dwEventState & SCARD_STATE_UNKNOWN)) {
			r_ = 0;
			break;
		}
		rs.dwCurrentState = rs.dwEventState & ~SCARD_STATE_CHANGED;
	}
	if (have)
		SCardReleaseContext(ctx);
	if (r_ != 0 && timeout_ms >= 1000)
		say("'%s': card still %s after %d ms", rs.szReader,
		    present ? "absent" : "present", timeout_ms);
	return r_;
}

/* A program under SCL_TEST_WRAPPER (valgrind) starts and exits slower. */
static unsigned
slow(unsigned ms)
{
	const char *w = getenv("SCL_TEST_WRAPPER");

	return w != NULL && strspn(w, " ") != strlen(w) ? 3 * ms : ms;
}

/* argv[0] is one of our build outputs (under $SCL_BUILD_ROOT). */
static int
ours(const char *prog)
{
	const char *root = getenv("SCL_BUILD_ROOT");
	size_t n;

	if (prog == NULL || root == NULL || *root == '\0')
		return 0;
	n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	return strncmp(prog, root, n) == 0 && prog[n] == '/';
}

/*
 * argv with the words of $SCL_TEST_WRAPPER (split on spaces, no quoting)
 * in front, in one allocation; NULL when there is no wrapper.
 */
static char **
wrap_argv(const char *const argv[])
{
	const char *w = getenv("SCL_TEST_WRAPPER");
	size_t nw = 0, na = 0, len;
	char **out, *words;
	const char *p;

	if (w == NULL)
		return NULL;
	for (p = w; *p != '\0'; ) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		nw++;
		while (*p != '\0' && *p != ' ')
			p++;
	}
	if (nw == 0)
		return NULL;
	while (argv[na] != NULL)
		na++;
	len = strlen(w) + 1;
	if ((out = calloc(1, (nw + na + 1) * sizeof(*out) + len)) == NULL)
		return NULL;
	words = (char *)(out + nw + na + 1);
	memcpy(words, w, len);
	nw = 0;
	for (char *q = words; *q != '\0'; ) {
		while (*q == ' ')
			*q++ = '\0';
		if (*q == '\0')
			break;
		out[nw++] = q;
		while (*q != '\0' && *q != ' ')
			q++;
	}
	for (size_t i = 0; i < na; i++)
		out[nw + i] = (char *)(uintptr_t)argv[i];
	out[nw + na] = NULL;
	return out;
}

static int
card_spawn(struct rig *r, unsigned slot, const char *const argv[], int wrap)
{
	char logpath[PATH_MAX + 32];
	char **wrapped = NULL;

	if (slot >= RIG_SLOTS || argv == NULL || argv[0] == NULL)
		return -1;
	if (r->card[slot] > 0) {
		say("slot %u already has a card (pid %d)", slot,
		    (int)r->card[slot]);
		return -1;
	}
	if ((wrap || ours(argv[0])) && (wrapped = wrap_argv(argv)) != NULL)
		argv = (const char *const *)wrapped;
	snprintf(logpath, sizeof(logpath), "%s/card%u.log", r->dir, slot);
	r->card[slot] = spawn(argv, logpath);
	free(wrapped);
	if (r->card[slot] <= 0) {
		r->card[slot] = 0;
		return -1;
	}
	return 0;
}

int
rig_run(const char *const argv[])
{
	char **wrapped = NULL;
	uint64_t end;
	pid_t pid;
	int st, rc = -1;

	if (argv == NULL || argv[0] == NULL)
		return -1;
	if (ours(argv[0]) && (wrapped = wrap_argv(argv)) != NULL)
		argv = (const char *const *)wrapped;
	pid = spawn(argv, NULL);
	free(wrapped);
	if (pid <= 0)
		return -1;
	end = rig_now_ms() + slow(60000);
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid) {
			if (WIFEXITED(st))
				rc = WEXITSTATUS(st);
			break;
		}
		if (w == -1 && errno != EINTR)
			break;
		if (rig_now_ms() >= end) {
			say("'%s' still running after %u s, killed", argv[0],
			    slow(60000) / 1000);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		sleep_ms(10);
	}
	return rc;
}

int
rig_card_spawn(struct rig *r, unsigned slot, const char *const argv[])
{
	return card_spawn(r, slot, argv, 0);
}

static int
card_insert(struct rig *r, unsigned slot, const char *const argv[], int wrap)
{
	uint64_t end;

	if (card_spawn(r, slot, argv, wrap) != 0)
		return -1;
	/* In slices, so a card program that dies is reported at once. */
	end = rig_now_ms() + slow(RIG_WAIT_MS);
	for (;;) {
		if (rig_wait_card(r, slot, 1, 200) == 0)
			return 0;
		if (!alive(r->card[slot])) {
			say("card program '%s' exited; see %s/card%u.log",
			    argv[0], r->dir, slot);
			break;
		}
		if (rig_now_ms() >= end)
			break;
	}
	stop_pid(&r->card[slot], 2000);
	return -1;
}

int
rig_card_insert_argv(struct rig *r, unsigned slot, const char *const argv[])
{
	return card_insert(r, slot, argv, 0);
}

int
rig_card_insert(struct rig *r, unsigned slot, const char *state_path)
{
	const char *vcard = rig_vcard_path();
	char port[16];
	const char *argv[] = { NULL, "run", "--state", NULL, "--port", port,
	    "--seal-key", r->seal, NULL };

	if (vcard == NULL) {
		say("SCL_VCARD is not set to an executable sclogin-vcard");
		return -1;
	}
	argv[0] = vcard;
	argv[3] = state_path;
	snprintf(port, sizeof(port), "%u", rig_card_port(slot));
	return card_insert(r, slot, argv, 1);
}

int
rig_card_kill(struct rig *r, unsigned slot)
{
	if (slot >= RIG_SLOTS)
		return -1;
	stop_pid(&r->card[slot], slow(3000));
	return 0;
}

int
rig_card_remove(struct rig *r, unsigned slot)
{
	if (rig_card_kill(r, slot) != 0)
		return -1;
	if (r->pcscd <= 0)
		return 0;
	return rig_wait_card(r, slot, 0, RIG_WAIT_MS);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int
rig_skip(const char *why)
{
	fprintf(stderr, "rig: SKIP: %s\n", why);
	return 77;
}

int
rig_start(struct rig **ret)
{
	static const unsigned ch = VPCD_CHANNEL;
	struct rig *r = NULL;
	int rc = -1;

	if (geteuid() != 0)
		return rig_skip("the end-to-end rig needs root (mount and "
		    "network namespaces for a private pcscd)");
	if (access("/usr/sbin/pcscd", X_OK) != 0 && access("/usr/bin/pcscd",
	    X_OK) != 0)
		return rig_skip("pcscd is not installed (apt-get install "
		    "pcscd)");
	if (access(VPCD_LIB, R_OK) != 0)
		return rig_skip("the vpcd driver is not installed (apt-get "
		    "install vsmartcard-vpcd)");
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) == -1) {
		fprintf(stderr, "rig: SKIP: unshare: %s\n", strerror(errno));
		return 77;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->owner = getpid();
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == -1) {
		say("make / private: %s", strerror(errno));
		goto out;
	}
	if (mkdir(PCSCD_DIR, 0755) == -1 && errno != EEXIST) {
		say("mkdir %s: %s", PCSCD_DIR, strerror(errno));
		goto out;
	}
	if (mount("tmpfs", PCSCD_DIR, "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=0755") == -1) {
		say("tmpfs on %s: %s", PCSCD_DIR, strerror(errno));
		goto out;
	}
	if (lo_up() != 0) {
		say("bring lo up: %s", strerror(errno));
		goto out;
	}
	/* Clients must talk to our pcscd, not to a socket named by the user. */
	unsetenv("PCSCLITE_CSOCK_NAME");
	strcpy(r->dir, "/tmp/scl-rig.XXXXXX");
	if (mkdtemp(r->dir) == NULL) {
		say("mkdtemp: %s", strerror(errno));
		r->dir[0] = '\0';
		goto out;
	}
	snprintf(r->conf, sizeof(r->conf), "%s/reader.conf.d", r->dir);
	snprintf(r->seal, sizeof(r->seal), "%s/seal.key", r->dir);
	snprintf(r->log, sizeof(r->log), "%s/pcscd.log", r->dir);
	if (mkdir(r->conf, 0755) == -1) {
		say("mkdir %s: %s", r->conf, strerror(errno));
		goto out;
	}
	if (rig_readers_set(r, &ch, 1) != 0)
		goto out;
	if (rig_pcscd_start(r) != 0)
		goto out;
	setenv("SCL_RIG_DIR", r->dir, 1);
	setenv("SCL_RIG_SEAL_KEY", r->seal, 1);
	*ret = r;
	r = NULL;
	rc = 0;
out:
	if (r != NULL)
		rig_stop(&r);
	return rc;
}

void
rig_stop(struct rig **rp)
{
	struct rig *r;

	if (rp == NULL || (r = *rp) == NULL)
		return;
	*rp = NULL;
	for (unsigned i = 0; i < RIG_SLOTS; i++)
		stop_pid(&r->card[i], slow(3000));
	stop_pid(&r->pcscd, 5000);
	if (r->dir[0] != '\0' && getenv("SCL_RIG_KEEP") == NULL)
		nftw(r->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	else if (r->dir[0] != '\0')
		say("kept %s", r->dir);
	free(r);
}
