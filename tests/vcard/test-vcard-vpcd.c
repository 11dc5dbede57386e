/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The vpcd protocol side of the daemon, without pcscd: this test plays the
 * vpcd driver (a TCP listener on an ephemeral port) and runs vc_vpcd_run()
 * in a child process.  Framing, control messages, the ATR, an APDU split
 * over several TCP writes, reconnection after the driver closes, and a
 * clean exit on SIGTERM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vcard-test.h"
#include "vpcd.h"

struct peer {
	int lfd, fd;
	uint16_t port;
	pid_t pid;
	struct vt t;
};

static int
accept_within(int lfd, int ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return accept(lfd, NULL, NULL);
}

static void
send_msg(int fd, const uint8_t *p, size_t len)
{
	uint8_t h[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	assert_int_equal(write(fd, h, 2), 2);
	if (len > 0)
		assert_int_equal(write(fd, p, len), (ssize_t)len);
}

static size_t
recv_msg(int fd, uint8_t *buf, size_t cap)
{
	uint8_t h[2];
	size_t len, got = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (size_t i = 0; i < 2; ) {
		assert_int_equal(poll(&p, 1, 5000), 1);
		ssize_t n = read(fd, h + i, 2 - i);

		assert_true(n > 0);
		i += (size_t)n;
	}
	len = (size_t)h[0] << 8 | h[1];
	assert_true(len <= cap);
	while (got < len) {
		assert_int_equal(poll(&p, 1, 5000), 1);
		ssize_t n = read(fd, buf + got, len - got);

		assert_true(n > 0);
		got += (size_t)n;
	}
	return len;
}

static int
setup(void **state)
{
	static struct peer pr;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct vc_init_opts o = { .hash_iter = VC_HASH_ITER_MIN, .kdf = { 10, 8, 1 } };

	memset(&pr, 0, sizeof(pr));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pr.lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (pr.lfd < 0 || bind(pr.lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(pr.lfd, 4) != 0 ||
	    getsockname(pr.lfd, (struct sockaddr *)&sa, &sl) != 0)
		return -1;
	pr.port = ntohs(sa.sin_port);
	if (vt_open(&pr.t, &o, 0) != 0)
		return -1;
	pr.pid = fork();
	if (pr.pid == 0) {
		struct vc_vpcd_opts vo = { .host = "127.0.0.1",
		    .port = pr.port };

		close(pr.lfd);
		_exit(vc_vpcd_run(pr.t.a, &vo) == 0 ? 0 : 3);
	}
	*state = &pr;
	return pr.pid > 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	struct peer *pr = *state;

	if (pr->pid > 0) {
		kill(pr->pid, SIGKILL);
		waitpid(pr->pid, NULL, 0);
	}
	if (pr->fd > 0)
		close(pr->fd);
	close(pr->lfd);
	vt_close(&pr->t);
	return 0;
}

static void
test_protocol(void **state)
{
	struct peer *pr = *state;
	static const uint8_t sel[] = {
		0x00, 0xa4, 0x04, 0x00, 0x05, 0xa0, 0x00, 0x00, 0x03, 0x08,
	};
	static const uint8_t verify[] = {
		0x00, 0x20, 0x00, 0x80, 0x08, '1', '2', '3', '4', '5', '6',
		0xff, 0xff,
	};
	uint8_t buf[70000], ctl;
	const uint8_t *atr;
	size_t n, atr_len;
	int status = 0, reaped = 0;
	struct timespec t0, t1;

	pr->fd = accept_within(pr->lfd, 5000);
	assert_true(pr->fd >= 0);
	ctl = 1;
	send_msg(pr->fd, &ctl, 1);	/* power on: no answer */
	ctl = 4;
	send_msg(pr->fd, &ctl, 1);
	n = recv_msg(pr->fd, buf, sizeof(buf));
	atr = vc_applet_atr(NULL, &atr_len);
	assert_int_equal(n, atr_len);
	assert_memory_equal(buf, atr, n);
	send_msg(pr->fd, sel, sizeof(sel));
	n = recv_msg(pr->fd, buf, sizeof(buf));
	assert_true(n > 2);
	assert_int_equal(buf[0], 0x61);
	assert_int_equal(buf[n - 2] << 8 | buf[n - 1], 0x9000);
	/* one message in three TCP writes */
	buf[0] = 0;
	buf[1] = sizeof(verify);
	assert_int_equal(write(pr->fd, buf, 1), 1);
	usleep(20000);
	assert_int_equal(write(pr->fd, buf + 1, 1), 1);
	usleep(20000);
	assert_int_equal(write(pr->fd, verify, sizeof(verify)), sizeof(verify));
	n = recv_msg(pr->fd, buf, sizeof(buf));
	assert_int_equal(n, 2);
	assert_int_equal(buf[0] << 8 | buf[1], 0x9000);
	/* reset drops the PIN state */
	ctl = 2;
	send_msg(pr->fd, &ctl, 1);
	send_msg(pr->fd, (const uint8_t *)"\x00\x20\x00\x80", 4);
	n = recv_msg(pr->fd, buf, sizeof(buf));
	assert_int_equal(buf[0] << 8 | buf[1], 0x63c3);
	/* the driver goes away: the card comes back by itself */
	close(pr->fd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pr->fd = accept_within(pr->lfd, 5000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(pr->fd >= 0);
	assert_true(t1.tv_sec - t0.tv_sec < 3);
	ctl = 4;
	send_msg(pr->fd, &ctl, 1);
	n = recv_msg(pr->fd, buf, sizeof(buf));
	assert_int_equal(n, atr_len);
	/* SIGTERM: a clean exit, the socket closes */
	kill(pr->pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(pr->pid, &status, WNOHANG) == pr->pid) {
			reaped = 1;
			break;
		}
		usleep(100000);
	}
	assert_true(reaped);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	pr->pid = 0;
	assert_int_equal(read(pr->fd, buf, 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_protocol, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
