/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * Issue 6, "a reader unplugged while waiting": common/monitor.c and
 * common/pcsc.c against a real pcscd whose vpcd reader is unplugged and
 * plugged back while it runs (rig_hotplug_enable, rig-usb.h), with the
 * real virtual card in it.  Every wait is bounded; the expected order is
 * monitor.h's (a reader that goes gives its CARD_REMOVED first).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apdu.h"
#include "err.h"
#include "monitor.h"
#include "pcsc.h"
#include "rig.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) " \
    "failed\n", __FILE__, __LINE__, #c); goto out; } } while (0)
#define CHECK_RC(e, want) do { int rc_ = (e); if (rc_ != (want)) { \
    fprintf(stderr, "%s:%d: %s = %s, want %s\n", __FILE__, __LINE__, #e, \
    scl_err_name(rc_), scl_err_name(want)); goto out; } } while (0)

static struct rig *rig;

/*
 * Under SCL_TEST_WRAPPER (valgrind: this test, the monitor in it and the
 * card) every upper time bound is S times longer; the checks stay.
 */
static uint64_t S = 1;

static int
vcard_init(const char *vcard, const char *state)
{
	const char *argv[] = { vcard, "init", "--state", state, "--seal-key",
	    rig_seal_key(rig), "--name", "unplug", NULL };

	return rig_run(argv) == 0 ? 0 : -1;
}

static int
expect(struct scl_monitor *mon, enum scl_event_kind kind, const char *reader,
    int ms)
{
	struct scl_event ev;
	int r;

	if ((r = scl_monitor_wait(mon, (int)(ms * S), &ev)) != 0) {
		fprintf(stderr, "wait for %s '%s': %s\n",
		    scl_event_kind_name(kind), reader ? reader : "",
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
	return 0;
}

/*
 * Both readers go; reader 0 had a card: its CARD_REMOVED comes before its
 * READER_REMOVED, and nothing else comes (no SERVICE_DOWN).
 */
static int
expect_unplug(struct scl_monitor *mon, int card0, int ms)
{
	struct scl_event ev;
	uint64_t end = rig_now_ms() + (uint64_t)ms * S;
	int gone[2] = { 0, 0 }, card = 0, r;

	while (!gone[0] || !gone[1] || card != card0) {
		int left = (int)(end - rig_now_ms());

		if (left <= 0 || (r = scl_monitor_wait(mon, left, &ev)) != 0) {
			fprintf(stderr, "unplug events: gone %d/%d card %d "
			    "after %d ms\n", gone[0], gone[1], card, ms);
			return -1;
		}
		fprintf(stderr, "  event %s '%s'\n",
		    scl_event_kind_name(ev.kind), ev.reader);
		if (ev.kind == SCL_EV_CARD_REMOVED &&
		    strcmp(ev.reader, RIG_READER_0) == 0 && card0 && !card &&
		    !gone[0])
			card = 1;
		else if (ev.kind == SCL_EV_READER_REMOVED &&
		    strcmp(ev.reader, RIG_READER_0) == 0 && !gone[0])
			gone[0] = 1;
		else if (ev.kind == SCL_EV_READER_REMOVED &&
		    strcmp(ev.reader, RIG_READER_1) == 0 && !gone[1])
			gone[1] = 1;
		else {
			fprintf(stderr, "unexpected %s '%s'\n",
			    scl_event_kind_name(ev.kind), ev.reader);
			return -1;
		}
	}
	return 0;
}

/*
 * Both readers come back; reader 0's card (card0) after reader 0 (reader 1
 * may come before or after that card: monitor.h orders per reader).
 */
static int
expect_replug(struct scl_monitor *mon, int card0, int ms)
{
	struct scl_event ev;
	uint64_t end = rig_now_ms() + (uint64_t)ms * S;
	int added[2] = { 0, 0 }, card = 0, r;

	while (!added[0] || !added[1] || card != card0) {
		int left = (int)(end - rig_now_ms());

		if (left <= 0 || (r = scl_monitor_wait(mon, left, &ev)) != 0) {
			fprintf(stderr, "replug events: added %d/%d card %d "
			    "after %d ms\n", added[0], added[1], card, ms);
			return -1;
		}
		fprintf(stderr, "  event %s '%s'\n",
		    scl_event_kind_name(ev.kind), ev.reader);
		if (ev.kind == SCL_EV_READER_ADDED &&
		    strcmp(ev.reader, RIG_READER_0) == 0 && !added[0])
			added[0] = 1;
		else if (ev.kind == SCL_EV_READER_ADDED &&
		    strcmp(ev.reader, RIG_READER_1) == 0 && !added[1])
			added[1] = 1;
		else if (ev.kind == SCL_EV_CARD_INSERTED &&
		    strcmp(ev.reader, RIG_READER_0) == 0 && card0 && !card &&
		    added[0])
			card = 1;
		else {
			fprintf(stderr, "unexpected %s '%s'\n",
			    scl_event_kind_name(ev.kind), ev.reader);
			return -1;
		}
	}
	return 0;
}

static void *
pull_later(void *arg)
{
	(void)arg;
	usleep(300 * 1000);
	/* Only flag, sysfs and netlink: safe off the main thread. */
	if (rig_reader_pull(rig, 0) != 0)
		fprintf(stderr, "rig_reader_pull failed\n");
	return NULL;
}

int
main(void)
{
	struct scl_monitor *mon = NULL;
	struct scl_reader_info ri[SCL_READERS_MAX];
	struct scl_pcsc *ctx = NULL;
	struct scl_card *card = NULL;
	struct scl_event ev;
	const char *vcard = rig_vcard_path();
	char state[512];
	uint8_t resp[512];
	size_t n = 0, rlen;
	uint16_t sw;
	uint64_t t0;
	pthread_t th;
	int rc = 1, r;
	static const uint8_t aid[] = { 0xA0, 0x00, 0x00, 0x03, 0x08 };
	const struct scl_apdu select_piv = { 0x00, 0xA4, 0x04, 0x00, aid,
	    sizeof(aid), 256 };

	if (getenv("SCL_TEST_WRAPPER") != NULL &&
	    *getenv("SCL_TEST_WRAPPER") != '\0')
		S = 10;
	if ((r = rig_start(&rig)) != 0)
		return r;
	if (vcard == NULL) {
		fprintf(stderr, "SCL_VCARD not set\n");
		goto out;
	}
	snprintf(state, sizeof(state), "%s/card.state", rig_dir(rig));
	CHECK(vcard_init(vcard, state) == 0);
	CHECK(rig_hotplug_enable(rig) == 0);

	CHECK(scl_monitor_new(0, &mon) == 0);
	CHECK(scl_monitor_snapshot(mon, ri, SCL_READERS_MAX, &n) == 0);
	CHECK(n == 2 && strcmp(ri[0].name, RIG_READER_0) == 0 &&
	    strcmp(ri[1].name, RIG_READER_1) == 0);
	CHECK(rig_card_insert(rig, 0, state) == 0);
	CHECK(expect(mon, SCL_EV_CARD_INSERTED, RIG_READER_0, 5000) == 0);

	/* 1. Unplugged with the card in: card, then both readers go. */
	t0 = rig_now_ms();
	CHECK(rig_reader_unplug(rig, 0) == 0);
	CHECK(expect_unplug(mon, 1, 5000) == 0);
	fprintf(stderr, "unplug seen after %llu ms\n",
	    (unsigned long long)(rig_now_ms() - t0));
	CHECK(scl_monitor_wait(mon, 500, &ev) == SCL_ERR_TIMEOUT);
	CHECK(scl_monitor_snapshot(mon, ri, SCL_READERS_MAX, &n) == 0);
	CHECK(n == 0);

	/* Back in with the card still in it (the vcard reconnects). */
	t0 = rig_now_ms();
	CHECK(rig_reader_replug(rig, 0) == 0);
	CHECK(expect_replug(mon, 1, 8000) == 0);
	fprintf(stderr, "replug with card seen after %llu ms\n",
	    (unsigned long long)(rig_now_ms() - t0));

	/* 2. Unplugged while a wait runs (from another thread). */
	CHECK(pthread_create(&th, NULL, pull_later, NULL) == 0);
	t0 = rig_now_ms();
	r = expect_unplug(mon, 1, 5000);
	pthread_join(th, NULL);
	CHECK(r == 0);
	fprintf(stderr, "unplug during a wait seen after %llu ms\n",
	    (unsigned long long)(rig_now_ms() - t0));

	/* The card is taken out while the reader is away; it comes back
	 * empty, then the card goes in. */
	CHECK(rig_card_kill(rig, 0) == 0);
	CHECK(rig_reader_replug(rig, 0) == 0);
	CHECK(expect(mon, SCL_EV_READER_ADDED, RIG_READER_0, 5000) == 0);
	CHECK(expect(mon, SCL_EV_READER_ADDED, RIG_READER_1, 1000) == 0);
	CHECK(scl_monitor_wait(mon, 1500, &ev) == SCL_ERR_TIMEOUT);
	CHECK(rig_card_insert(rig, 0, state) == 0);
	CHECK(expect(mon, SCL_EV_CARD_INSERTED, RIG_READER_0, 5000) == 0);

	/* 3. A connected card handle when its reader goes: bounded errors,
	 * no hang, and the handle can still be freed. */
	CHECK(scl_pcsc_open(&ctx) == 0);
	CHECK(scl_card_connect(ctx, RIG_READER_0, 3000, &card) == 0);
	CHECK(scl_apdu_transmit(scl_card_transport(card), &select_piv, resp,
	    sizeof(resp), &rlen, &sw) == 0);
	CHECK(rig_reader_unplug(rig, 0) == 0);
	t0 = rig_now_ms();
	r = scl_apdu_transmit(scl_card_transport(card), &select_piv, resp,
	    sizeof(resp), &rlen, &sw);
	fprintf(stderr, "transmit after unplug: %s in %llu ms\n",
	    scl_err_name(r), (unsigned long long)(rig_now_ms() - t0));
	CHECK(r == SCL_ERR_READER_GONE || r == SCL_ERR_CARD_REMOVED);
	CHECK(rig_now_ms() - t0 < 3000 * S);
	scl_card_disconnect(&card, 0);
	t0 = rig_now_ms();
	CHECK_RC(scl_card_connect(ctx, RIG_READER_0, 3000, &card),
	    SCL_ERR_READER_GONE);
	CHECK(rig_now_ms() - t0 < 3000 * S);
	CHECK_RC(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n), 0);
	CHECK(n == 0);
	CHECK(expect_unplug(mon, 1, 5000) == 0);
	CHECK(rig_reader_replug(rig, 0) == 0);
	CHECK(expect_replug(mon, 1, 8000) == 0);
	CHECK(scl_card_connect(ctx, RIG_READER_0, 3000, &card) == 0);
	CHECK(scl_apdu_transmit(scl_card_transport(card), &select_piv, resp,
	    sizeof(resp), &rlen, &sw) == 0);
	CHECK(sw == 0x9000);

	/* 4. Wedged: still listed, but the driver answers "no such device"
	 * (also the moment before udev reports an unplug).  The card is
	 * reported gone, the monitor stays quiet without spinning, calls
	 * fail within their bounds; then the reader recovers. */
	CHECK(rig_reader_fail(rig, 0, 1) == 0);
	CHECK(expect(mon, SCL_EV_CARD_REMOVED, RIG_READER_0, 3000) == 0);
	{
		struct rusage ru0, ru1;
		uint64_t cpu;

		getrusage(RUSAGE_SELF, &ru0);
		CHECK(scl_monitor_wait(mon, 2000, &ev) == SCL_ERR_TIMEOUT);
		getrusage(RUSAGE_SELF, &ru1);
		cpu = (uint64_t)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec +
		    ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1000u +
		    (uint64_t)((ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec +
		    ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1000);
		fprintf(stderr, "wedged reader: %llu ms CPU in a 2 s wait\n",
		    (unsigned long long)cpu);
		CHECK(cpu < 200 * S);
	}
	t0 = rig_now_ms();
	r = scl_apdu_transmit(scl_card_transport(card), &select_piv, resp,
	    sizeof(resp), &rlen, &sw);
	fprintf(stderr, "transmit on a wedged reader: %s in %llu ms\n",
	    scl_err_name(r), (unsigned long long)(rig_now_ms() - t0));
	CHECK(r == SCL_ERR_READER_GONE || r == SCL_ERR_CARD_REMOVED);
	CHECK(rig_now_ms() - t0 < 3000 * S);
	scl_card_disconnect(&card, 0);
	CHECK_RC(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n), 0);
	CHECK(n == 2 && !ri[0].card_present);
	t0 = rig_now_ms();
	r = scl_card_connect(ctx, RIG_READER_0, 3000, &card);
	fprintf(stderr, "connect on a wedged reader: %s in %llu ms\n",
	    scl_err_name(r), (unsigned long long)(rig_now_ms() - t0));
	CHECK(r == SCL_ERR_READER_GONE || r == SCL_ERR_NO_CARD);
	CHECK(rig_now_ms() - t0 < 3500 * S);
	CHECK(rig_reader_fail(rig, 0, 0) == 0);
	CHECK(expect(mon, SCL_EV_CARD_INSERTED, RIG_READER_0, 5000) == 0);
	CHECK(scl_card_connect(ctx, RIG_READER_0, 3000, &card) == 0);
	CHECK(scl_apdu_transmit(scl_card_transport(card), &select_piv, resp,
	    sizeof(resp), &rlen, &sw) == 0);
	CHECK(sw == 0x9000);
	rc = 0;
out:
	scl_card_disconnect(&card, 0);
	scl_pcsc_free(&ctx);
	scl_monitor_free(&mon);
	rig_stop(&rig);
	return rc;
}
