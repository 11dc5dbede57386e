/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * common/monitor.c against a real pcscd: card insert/remove with measured
 * latency, debounce, cancel (from another thread and before the wait),
 * pcscd stopping and starting later (SERVICE_DOWN/UP, readers back), and
 * reader hotplug as far as pcscd 1.9.9 allows it (reader.conf.d is read at
 * start-up only, so readers change across a restart).  The card is the
 * rig's tiny vpcd card (e2e-piv repeats insert/remove with sclogin-vcard).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "monitor.h"
#include "rig.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) " \
    "failed\n", __FILE__, __LINE__, #c); goto out; } } while (0)
#define ITER 5

/*
 * Under SCL_TEST_WRAPPER (valgrind: this test, the monitor in it and the
 * cards) every upper time bound and the debounce are S times longer; what
 * is checked stays the same.
 */
static uint64_t S = 1;

static const char *card_argv[8];
static char port_s[16];

static int
insert(struct rig *rig, unsigned slot)
{
	snprintf(port_s, sizeof(port_s), "%u", rig_card_port(slot));
	return rig_card_spawn(rig, slot, card_argv);
}

/* Next event must be kind (for reader, when not NULL) within ms. */
static int
expect(struct scl_monitor *mon, enum scl_event_kind kind, const char *reader,
    int ms, struct scl_event *ret_ev)
{
	struct scl_event ev;
	int r;

	if ((r = scl_monitor_wait(mon, (int)(ms * S), &ev)) != 0) {
		fprintf(stderr, "wait for %s: %s\n", scl_event_kind_name(kind),
		    scl_err_name(r));
		return -1;
	}
	if (ev.kind != kind || (reader != NULL &&
	    strcmp(ev.reader, reader) != 0)) {
		fprintf(stderr, "want %s '%s', got %s '%s'\n",
		    scl_event_kind_name(kind), reader ? reader : "",
		    scl_event_kind_name(ev.kind), ev.reader);
		return -1;
	}
	if (ret_ev != NULL)
		*ret_ev = ev;
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void *
cancel_later(void *arg)
{
	usleep(300 * 1000);
	scl_monitor_cancel(arg);
	return NULL;
}

int
main(void)
{
	struct rig *rig = NULL;
	struct scl_monitor *mon = NULL;
	struct scl_reader_info ri[SCL_READERS_MAX];
	struct scl_event ev;
	uint64_t ins[ITER], rem[ITER], t0, dt;
	unsigned chans[2] = { 0x9C40, 0x9C50 };
	pthread_t th;
	size_t n = 0;
	int rc = 1, r, i;

	if (getenv("SCL_TEST_WRAPPER") != NULL &&
	    *getenv("SCL_TEST_WRAPPER") != '\0')
		S = 10;
	if ((r = rig_start(&rig)) != 0)
		return r;
	card_argv[0] = getenv("SCL_RIG_TINYCARD");
	card_argv[1] = port_s;
	CHECK(card_argv[0] != NULL);

	CHECK(scl_monitor_new(0, &mon) == 0);
	CHECK(scl_monitor_snapshot(mon, ri, SCL_READERS_MAX, &n) == 0);
	CHECK(n == 2 && !ri[0].card_present && !ri[1].card_present);
	CHECK(scl_monitor_wait(mon, 0, &ev) == SCL_ERR_TIMEOUT);
	t0 = rig_now_ms();
	CHECK(scl_monitor_wait(mon, 300, &ev) == SCL_ERR_TIMEOUT);
	dt = rig_now_ms() - t0;
	CHECK(dt >= 290 && dt < 600 * S);

	/* Insert / remove latency, from the card process start / SIGTERM. */
	for (i = 0; i < ITER; i++) {
		t0 = rig_now_ms();
		CHECK(insert(rig, 0) == 0);
		CHECK(expect(mon, SCL_EV_CARD_INSERTED, RIG_READER_0, 5000,
		    &ev) == 0);
		ins[i] = rig_now_ms() - t0;
		CHECK(ev.atr_len == 5 && ev.atr[0] == 0x3B);
		CHECK(rig_now_ms() - ev.mono_ms < 5 * S);
		t0 = rig_now_ms();
		CHECK(rig_card_kill(rig, 0) == 0);
		CHECK(expect(mon, SCL_EV_CARD_REMOVED, RIG_READER_0, 5000,
		    &ev) == 0);
		rem[i] = rig_now_ms() - t0;
	}
	qsort(ins, ITER, sizeof(ins[0]), cmp_u64);
	qsort(rem, ITER, sizeof(rem[0]), cmp_u64);
	fprintf(stderr, "latency insert: median %llu ms (min %llu, max %llu); "
	    "remove: median %llu ms (min %llu, max %llu)\n",
	    (unsigned long long)ins[ITER / 2], (unsigned long long)ins[0],
	    (unsigned long long)ins[ITER - 1],
	    (unsigned long long)rem[ITER / 2], (unsigned long long)rem[0],
	    (unsigned long long)rem[ITER - 1]);
	CHECK(ins[ITER / 2] < 1500 * S && rem[ITER / 2] < 1500 * S);
	/* The floor: plain SCardGetStatusChange on the same events. */
	{
		uint64_t rins[ITER], rrem[ITER];

		for (i = 0; i < ITER; i++) {
			t0 = rig_now_ms();
			CHECK(insert(rig, 0) == 0);
			CHECK(rig_wait_card(rig, 0, 1, 5000) == 0);
			rins[i] = rig_now_ms() - t0;
			t0 = rig_now_ms();
			CHECK(rig_card_kill(rig, 0) == 0);
			CHECK(rig_wait_card(rig, 0, 0, 5000) == 0);
			rrem[i] = rig_now_ms() - t0;
		}
		qsort(rins, ITER, sizeof(rins[0]), cmp_u64);
		qsort(rrem, ITER, sizeof(rrem[0]), cmp_u64);
		fprintf(stderr, "raw pcsc-lite floor: insert median %llu ms, "
		    "remove median %llu ms\n",
		    (unsigned long long)rins[ITER / 2],
		    (unsigned long long)rrem[ITER / 2]);
		/* Changes nobody waited for collapse to the net state. */
		CHECK(scl_monitor_wait(mon, 0, &ev) == SCL_ERR_TIMEOUT);
	}
	CHECK(scl_monitor_snapshot(mon, ri, SCL_READERS_MAX, &n) == 0);
	CHECK(n == 2 && !ri[0].card_present);

	/* Cancel: pending before the wait, and from another thread. */
	scl_monitor_cancel(mon);
	CHECK(scl_monitor_wait(mon, 5000, &ev) == SCL_ERR_CANCELLED);
	CHECK(pthread_create(&th, NULL, cancel_later, mon) == 0);
	t0 = rig_now_ms();
	r = scl_monitor_wait(mon, 10000, &ev);
	dt = rig_now_ms() - t0;
	pthread_join(th, NULL);
	CHECK(r == SCL_ERR_CANCELLED);
	fprintf(stderr, "cancel woke the wait after %llu ms\n",
	    (unsigned long long)dt);
	CHECK(dt >= 280 && dt < 800 * S);

	/* Service down and up: readers and the card go, then come back. */
	CHECK(insert(rig, 1) == 0);
	CHECK(expect(mon, SCL_EV_CARD_INSERTED, RIG_READER_1, 5000, NULL) ==
	    0);
	CHECK(rig_pcscd_stop(rig) == 0);
	CHECK(expect(mon, SCL_EV_SERVICE_DOWN, NULL, 3000, NULL) == 0);
	CHECK(expect(mon, SCL_EV_READER_REMOVED, RIG_READER_0, 100, NULL) ==
	    0);
	CHECK(expect(mon, SCL_EV_CARD_REMOVED, RIG_READER_1, 100, NULL) == 0);
	CHECK(expect(mon, SCL_EV_READER_REMOVED, RIG_READER_1, 100, NULL) ==
	    0);
	CHECK(scl_monitor_wait(mon, 1500, &ev) == SCL_ERR_TIMEOUT);
	CHECK(scl_monitor_snapshot(mon, ri, SCL_READERS_MAX, &n) ==
	    SCL_ERR_NO_SERVICE);
	rig_card_kill(rig, 1);
	t0 = rig_now_ms();
	CHECK(rig_pcscd_start(rig) == 0);
	CHECK(expect(mon, SCL_EV_SERVICE_UP, NULL, 5000, NULL) == 0);
	fprintf(stderr, "service up seen %llu ms after pcscd start\n",
	    (unsigned long long)(rig_now_ms() - t0));
	CHECK(expect(mon, SCL_EV_READER_ADDED, RIG_READER_0, 100, NULL) == 0);
	CHECK(expect(mon, SCL_EV_READER_ADDED, RIG_READER_1, 100, NULL) == 0);
	CHECK(scl_monitor_wait(mon, 200, &ev) == SCL_ERR_TIMEOUT);

	/* Reader hotplug across a restart with another reader.conf.d. */
	CHECK(rig_readers_set(rig, chans, 2) == 0);
	CHECK(rig_pcscd_stop(rig) == 0);
	CHECK(rig_pcscd_start(rig) == 0);
	CHECK(expect(mon, SCL_EV_SERVICE_DOWN, NULL, 3000, NULL) == 0);
	CHECK(expect(mon, SCL_EV_READER_REMOVED, NULL, 100, NULL) == 0);
	CHECK(expect(mon, SCL_EV_READER_REMOVED, NULL, 100, NULL) == 0);
	CHECK(expect(mon, SCL_EV_SERVICE_UP, NULL, 5000, NULL) == 0);
	for (i = 0; i < 4; i++)
		CHECK(expect(mon, SCL_EV_READER_ADDED, NULL, 100, &ev) == 0);
	CHECK(strcmp(ev.reader, "Virtual PCD B 00 01") == 0);
	CHECK(scl_monitor_snapshot(mon, ri, SCL_READERS_MAX, &n) == 0);
	CHECK(n == 4);
	CHECK(rig_readers_set(rig, chans, 1) == 0);
	CHECK(rig_pcscd_stop(rig) == 0);
	CHECK(rig_pcscd_start(rig) == 0);
	scl_monitor_free(&mon);

	/* Debounce: out and back in with the same ATR is no event. */
	CHECK(scl_monitor_new((unsigned)(1500 * S), &mon) == 0);
	CHECK(insert(rig, 0) == 0);
	CHECK(expect(mon, SCL_EV_CARD_INSERTED, RIG_READER_0, 5000, NULL) ==
	    0);
	CHECK(rig_card_kill(rig, 0) == 0);
	usleep(600 * 1000);
	CHECK(insert(rig, 0) == 0);
	CHECK(scl_monitor_wait(mon, (int)(2500 * S), &ev) == SCL_ERR_TIMEOUT);
	t0 = rig_now_ms();
	CHECK(rig_card_kill(rig, 0) == 0);
	CHECK(expect(mon, SCL_EV_CARD_REMOVED, RIG_READER_0, 5000, &ev) == 0);
	dt = rig_now_ms() - t0;
	fprintf(stderr, "debounced removal after %llu ms\n",
	    (unsigned long long)dt);
	CHECK(dt >= 1500 * S && dt < 3000 * S);
	CHECK(ev.mono_ms < t0 + 1000 * S);
	rc = 0;
out:
	scl_monitor_free(&mon);
	rig_stop(&rig);
	return rc;
}
