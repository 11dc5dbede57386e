/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */

/*
 * hotplug-bench: card insertion / removal latency as seen through
 * common/monitor.h, against the raw pcsc-lite floor.  It is itself the
 * card: it connects to the vpcd port (insertion), answers pcscd's ATR and
 * power messages, then closes the socket (removal), N times.  Latency is
 * measured from connect() / shutdown() to the return of scl_monitor_wait()
 * with the matching event.  A second thread with its own PC/SC context
 * waits on SCardGetStatusChange for the same reader and records when
 * pcsc-lite itself reported the change: the difference is what our layer
 * adds.  Pauses are jittered so events fall at every phase of pcscd's
 * polling.  Run inside tests/rig/rig-run.
 *
 *   hotplug-bench [--port 40000] [--events N] [--debounce MS]
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <PCSC/winscard.h>

#include "err.h"
#include "monitor.h"

#define EV_MAX 1000
#define RAW_MAX (4 * EV_MAX)

static const uint8_t card_atr[] = {
	0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x09,
};

struct raw_log {
	pthread_mutex_t lock;
	uint64_t t[RAW_MAX];
	int present[RAW_MAX];
	size_t n;
	volatile int stop;
	char reader[SCL_READER_NAME_MAX];
	int ready;
};

static struct raw_log raw = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int
read_full(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = read(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int
send_msg(int fd, const uint8_t *p, size_t n)
{
	uint8_t buf[2 + 64];

	if (n > 64)
		return -1;
	buf[0] = (uint8_t)(n >> 8);
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, p, n);
	return send(fd, buf, n + 2, MSG_NOSIGNAL) == (ssize_t)(n + 2) ? 0 : -1;
}

/* The card: answer ATR requests, 6D00 to any APDU, until the socket dies. */
static void *
card_main(void *arg)
{
	static const uint8_t sw[] = { 0x6D, 0x00 };
	int fd = *(int *)arg;
	uint8_t hdr[2], msg[4096];

	for (;;) {
		size_t len;

		if (read_full(fd, hdr, 2) < 0)
			break;
		len = (size_t)hdr[0] << 8 | hdr[1];
		if (len > sizeof(msg) || read_full(fd, msg, len) < 0)
			break;
		if (len == 1 && msg[0] == 4) {
			if (send_msg(fd, card_atr, sizeof(card_atr)) < 0)
				break;
		} else if (len > 1) {
			if (send_msg(fd, sw, sizeof(sw)) < 0)
				break;
		}
	}
	return NULL;
}

static int
card_connect(unsigned port)
{
	struct sockaddr_in sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* pcsc-lite's own view: the floor our layer sits on. */
static void *
raw_main(void *arg)
{
	SCARDCONTEXT ctx;
	SCARD_READERSTATE rs;
	DWORD last = 0;

	(void)arg;
	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) !=
	    SCARD_S_SUCCESS)
		return NULL;
	memset(&rs, 0, sizeof(rs));
	rs.szReader = raw.reader;
	rs.dwCurrentState = SCARD_STATE_UNAWARE;
	while (!raw.stop) {
		LONG rv = SCardGetStatusChange(ctx, 200, &rs, 1);
		uint64_t t = now_us();

		if (rv == SCARD_E_TIMEOUT)
			continue;
		if (rv != SCARD_S_SUCCESS)
			break;
		rs.dwCurrentState = rs.dwEventState & ~SCARD_STATE_CHANGED;
		if ((rs.dwEventState & SCARD_STATE_PRESENT) !=
		    (last & SCARD_STATE_PRESENT) || !raw.ready) {
			pthread_mutex_lock(&raw.lock);
			if (raw.n < RAW_MAX) {
				raw.t[raw.n] = t;
				raw.present[raw.n] = (rs.dwEventState &
				    SCARD_STATE_PRESENT) != 0;
				raw.n++;
			}
			raw.ready = 1;
			pthread_mutex_unlock(&raw.lock);
		}
		last = rs.dwEventState;
	}
	SCardReleaseContext(ctx);
	return NULL;
}

/* First raw event with the given presence at or after t0; 0 if none. */
static uint64_t
raw_after(uint64_t t0, int present)
{
	uint64_t t = 0;
	size_t i;

	pthread_mutex_lock(&raw.lock);
	for (i = 0; i < raw.n; i++) {
		if (raw.t[i] >= t0 && raw.present[i] == present) {
			t = raw.t[i];
			break;
		}
	}
	pthread_mutex_unlock(&raw.lock);
	return t;
}

/* Wait for an event of kind on reader; returns its arrival time or 0. */
static uint64_t
wait_event(struct scl_monitor *mon, enum scl_event_kind kind,
    const char *reader, int timeout_ms)
{
	uint64_t deadline = now_us() + (uint64_t)timeout_ms * 1000u;

	for (;;) {
		struct scl_event ev;
		uint64_t now = now_us();
		int r;

		if (now >= deadline)
			return 0;
		r = scl_monitor_wait(mon, (int)((deadline - now) / 1000u) + 1,
		    &ev);
		if (r == SCL_ERR_TIMEOUT)
			return 0;
		if (r < 0) {
			fprintf(stderr, "hotplug-bench: monitor: %s\n",
			    scl_err_name(r));
			return 0;
		}
		if (ev.kind == kind && strcmp(ev.reader, reader) == 0)
			return now_us();
	}
}

/* 0..499 ms, so events land at every phase of pcscd's reader polling. */
static unsigned
jitter(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) % 500u;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
stats(const char *name, uint64_t *v, size_t n)
{
	if (n == 0) {
		printf("%s n=0\n", name);
		return;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("%s n=%zu median_ms=%.1f min_ms=%.1f p90_ms=%.1f max_ms=%.1f\n",
	    name, n, (double)(n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2)
	    / 1000.0, (double)v[0] / 1000.0,
	    (double)v[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1] / 1000.0,
	    (double)v[n - 1] / 1000.0);
}

int
main(int argc, char **argv)
{
	static uint64_t ins[EV_MAX], rem[EV_MAX], rins[EV_MAX], rrem[EV_MAX];
	static uint64_t dins[EV_MAX], drem[EV_MAX];
	struct scl_monitor *mon = NULL;
	struct scl_reader_info rd[SCL_READERS_MAX];
	unsigned port = 40000, events = 20, debounce = 0, i;
	size_t n_rd = 0, n_ins = 0, n_rem = 0, n_rins = 0, n_rrem = 0, k;
	size_t n_dins = 0, n_drem = 0;
	pthread_t raw_th;
	uint32_t seed = (uint32_t)now_us();
	int r, rc = 1, raw_started = 0, misses = 0;

	for (r = 1; r + 1 < argc; r += 2) {
		if (strcmp(argv[r], "--port") == 0)
			port = (unsigned)strtoul(argv[r + 1], NULL, 10);
		else if (strcmp(argv[r], "--events") == 0)
			events = (unsigned)strtoul(argv[r + 1], NULL, 10);
		else if (strcmp(argv[r], "--debounce") == 0)
			debounce = (unsigned)strtoul(argv[r + 1], NULL, 10);
		else
			break;
	}
	if (r != argc || events == 0 || events > EV_MAX) {
		fprintf(stderr, "usage: hotplug-bench [--port P] [--events N] "
		    "[--debounce MS]\n");
		return 2;
	}
	snprintf(raw.reader, sizeof(raw.reader), "Virtual PCD 00 %02u",
	    port - 40000);
	r = scl_monitor_new(debounce, &mon);
	if (r < 0) {
		fprintf(stderr, "hotplug-bench: scl_monitor_new: %s\n",
		    scl_err_name(r));
		goto out;
	}
	r = scl_monitor_snapshot(mon, rd, SCL_READERS_MAX, &n_rd);
	if (r < 0) {
		fprintf(stderr, "hotplug-bench: snapshot: %s\n",
		    scl_err_name(r));
		goto out;
	}
	for (k = 0; k < n_rd; k++)
		if (strcmp(rd[k].name, raw.reader) == 0)
			break;
	if (k == n_rd) {
		fprintf(stderr, "hotplug-bench: reader '%s' not listed\n",
		    raw.reader);
		goto out;
	}
	if (pthread_create(&raw_th, NULL, raw_main, NULL) == 0)
		raw_started = 1;
	while (raw_started && !raw.ready)
		sleep_ms(10);
	for (i = 0; i < events; i++) {
		pthread_t card_th;
		uint64_t t0, t, tm;
		int fd;

		t0 = now_us();
		fd = card_connect(port);
		if (fd < 0) {
			fprintf(stderr, "hotplug-bench: connect: %s\n",
			    strerror(errno));
			goto out;
		}
		if (pthread_create(&card_th, NULL, card_main, &fd) != 0) {
			close(fd);
			goto out;
		}
		tm = wait_event(mon, SCL_EV_CARD_INSERTED, raw.reader, 5000);
		if (tm)
			ins[n_ins++] = tm - t0;
		else
			misses++;
		sleep_ms(50);
		if ((t = raw_after(t0, 1)) != 0) {
			rins[n_rins++] = t - t0;
			if (tm)
				dins[n_dins++] = tm > t ? tm - t : 0;
		}
		sleep_ms(250 + jitter(&seed));
		t0 = now_us();
		shutdown(fd, SHUT_RDWR);
		pthread_join(card_th, NULL);
		close(fd);
		tm = wait_event(mon, SCL_EV_CARD_REMOVED, raw.reader,
		    5000 + (int)debounce);
		if (tm)
			rem[n_rem++] = tm - t0;
		else
			misses++;
		sleep_ms(50);
		if ((t = raw_after(t0, 0)) != 0) {
			rrem[n_rrem++] = t - t0;
			if (tm)
				drem[n_drem++] = tm > t ? tm - t : 0;
		}
		printf("event=%u insert_us=%llu remove_us=%llu\n", i,
		    n_ins ? (unsigned long long)ins[n_ins - 1] : 0ULL,
		    n_rem ? (unsigned long long)rem[n_rem - 1] : 0ULL);
		fflush(stdout);
		sleep_ms(250 + jitter(&seed));
	}
	stats("monitor_insert", ins, n_ins);
	stats("monitor_remove", rem, n_rem);
	stats("pcsclite_insert", rins, n_rins);
	stats("pcsclite_remove", rrem, n_rrem);
	stats("monitor_minus_pcsclite_insert", dins, n_dins);
	stats("monitor_minus_pcsclite_remove", drem, n_drem);
	printf("debounce_ms=%u missed_events=%d\n", debounce, misses);
	rc = misses ? 1 : 0;
out:
	if (raw_started) {
		raw.stop = 1;
		pthread_join(raw_th, NULL);
	}
	scl_monitor_free(&mon);
	return rc;
}
