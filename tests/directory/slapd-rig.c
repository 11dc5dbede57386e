/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "slapd-rig.h"

#define WAIT_MS 15000

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
dir_rig_netns(void)
{
	struct ifreq ifr;
	int s;

	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "slapd-rig: SKIP: unshare(CLONE_NEWNET): %s "
		    "(needs root)\n", strerror(errno));
		return 77;
	}
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
		close(s);
		return -1;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
		close(s);
		return -1;
	}
	close(s);
	return 0;
}

static int
run_sh(const char *cmd)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "slapd-rig: failed: %s\n", cmd);
		return -1;
	}
	return 0;
}

int
dir_rig_fixture(const char *pki, const char *out, const char *const names[])
{
	const char *src = getenv("SCL_SOURCE_ROOT");
	char cmd[4096];

	if (src == NULL) {
		fprintf(stderr, "slapd-rig: SCL_SOURCE_ROOT is not set\n");
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "sh '%s/tests/directory/ldap-fixture.sh' "
	    "'%s' '%s'", src, pki, out);
	if (run_sh(cmd) != 0)
		return -1;
	for (size_t i = 0; names[i] != NULL; i++) {
		snprintf(cmd, sizeof(cmd), "sh '%s/tests/directory/"
		    "ldap-fixture.sh' --instance '%s' '%s'", src, out,
		    names[i]);
		if (run_sh(cmd) != 0)
			return -1;
	}
	return 0;
}

static int
accepts(unsigned port)
{
	struct sockaddr_in sa;
	int s, ok;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(s);
	return ok;
}

static pid_t
spawn(const char *const argv[])
{
	pid_t ppid = getpid(), pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != ppid)
		_exit(1);
	/* our test libraries (nss/pam_wrapper, sanitizers) stay out */
	unsetenv("LD_PRELOAD");
	execvp(argv[0], (char *const *)(uintptr_t)argv);
	_exit(127);
}

int
dir_rig_slapd_start(const char *out, const char *name, unsigned port,
    unsigned tls_port, pid_t *ret_pid)
{
	char conf[4096], urls[128];
	const char *argv[] = { "slapd", "-d", "0", "-f", conf, "-h", urls,
	    NULL };
	long long t0 = now_ms();
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/%s/slapd.conf", out, name);
	snprintf(urls, sizeof(urls), "ldap://127.0.0.1:%u/ "
	    "ldaps://127.0.0.1:%u/", port, tls_port);
	if ((pid = spawn(argv)) < 0)
		return -1;
	while (now_ms() - t0 < WAIT_MS) {
		int st;

		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr, "slapd-rig: slapd %s exited (status "
			    "%d)\n", name, st);
			return -1;
		}
		if (accepts(port) && accepts(tls_port)) {
			*ret_pid = pid;
			return 0;
		}
		usleep(20 * 1000);
	}
	fprintf(stderr, "slapd-rig: slapd %s does not listen\n", name);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

void
dir_rig_stop(pid_t *pid)
{
	long long t0 = now_ms();

	if (pid == NULL || *pid <= 0)
		return;
	kill(*pid, SIGTERM);
	while (now_ms() - t0 < 5000) {
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = -1;
			return;
		}
		usleep(10 * 1000);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = -1;
}

static void
bad_server(int ls, int garbage)
{
	static const char junk[] = "\x30\x84\xff\xff\xff\xff garbage, not LDAP";
	int conns[64], n = 0;

	for (;;) {
		int c = accept(ls, NULL, NULL);

		if (c < 0)
			continue;
		if (garbage)
			(void)!write(c, junk, sizeof(junk) - 1);
		if (n < 64)
			conns[n++] = c;	/* kept open: the client waits */
		else
			close(c);
		(void)conns;
	}
}

int
dir_rig_bad_server_start(unsigned port, int garbage, pid_t *ret_pid)
{
	struct sockaddr_in sa;
	pid_t ppid = getpid(), pid;
	int one = 1, ls;

	if ((ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(ls, 16) != 0) {
		perror("slapd-rig: bad server");
		close(ls);
		return -1;
	}
	if ((pid = fork()) < 0) {
		close(ls);
		return -1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != ppid)
			_exit(1);
		bad_server(ls, garbage);
		_exit(0);
	}
	close(ls);
	*ret_pid = pid;
	return 0;
}
