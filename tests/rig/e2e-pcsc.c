/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * common/pcsc.c against a real pcscd (the rig) and a vpcd card: reader
 * list, connect errors, transmit, the 5 s idle-transaction watchdog, the
 * bounded connect while another client holds a transaction (PCSC#254),
 * card removal and pcscd going away and coming back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "pcsc.h"
#include "rig.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) " \
    "failed\n", __FILE__, __LINE__, #c); goto out; } } while (0)
#define CHECK_RC(e, want) do { int rc_ = (e); if (rc_ != (want)) { \
    fprintf(stderr, "%s:%d: %s = %s, want %s\n", __FILE__, __LINE__, #e, \
    scl_err_name(rc_), scl_err_name(want)); goto out; } } while (0)

static int
echo(struct scl_card *card)
{
	static const uint8_t cmd[] = { 0x00, 0xCA, 0x00, 0x00, 0x02, 0xAB,
	    0xCD };
	struct scl_transport *t = scl_card_transport(card);
	uint8_t resp[64];
	size_t len = sizeof(resp);
	int r;

	if ((r = t->ops->transmit(t->h, cmd, sizeof(cmd), resp, &len)) != 0)
		return r;
	if (len != 4 || resp[0] != 0xAB || resp[1] != 0xCD || resp[2] != 0x90)
		return SCL_ERR_CARD_BAD_RESPONSE;
	return 0;
}

int
main(void)
{
	struct rig *rig = NULL;
	struct scl_pcsc *ctx = NULL, *ctx2 = NULL, *ctx3 = NULL;
	struct scl_card *a = NULL, *b = NULL;
	struct scl_reader_info ri[SCL_READERS_MAX];
	const char *tiny = getenv("SCL_RIG_TINYCARD");
	char port[16];
	const char *argv[] = { tiny, port, NULL };
	size_t n = 0;
	uint64_t t0, dt;
	int rc = 1, r;

	if ((r = rig_start(&rig)) != 0)
		return r;
	CHECK(tiny != NULL);
	CHECK_RC(scl_pcsc_open(&ctx), 0);
	CHECK_RC(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n), 0);
	CHECK(n == 2 && strcmp(ri[0].name, RIG_READER_0) == 0);
	CHECK(!ri[0].card_present && !ri[1].card_present);
	CHECK_RC(scl_pcsc_list_readers(ctx, ri, 1, &n), 0);
	CHECK(n == 1);

	snprintf(port, sizeof(port), "%u", rig_card_port(0));
	CHECK(rig_card_insert_argv(rig, 0, argv) == 0);
	CHECK_RC(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n), 0);
	CHECK(n == 2 && ri[0].card_present && !ri[1].card_present);
	CHECK(ri[0].atr_len == 5 && ri[0].atr[0] == 0x3B);

	CHECK_RC(scl_card_connect(ctx, RIG_READER_1, 500, &a), SCL_ERR_NO_CARD);
	CHECK_RC(scl_card_connect(ctx, "No Such Reader 00 00", 500, &a),
	    SCL_ERR_READER_GONE);
	CHECK_RC(scl_card_connect(ctx, RIG_READER_0, 2000, &a), 0);
	CHECK(strcmp(scl_card_reader(a), RIG_READER_0) == 0);
	CHECK_RC(echo(a), 0);

	/* Watchdog: 5 s idle in a transaction resets and reports it once. */
	CHECK_RC(scl_card_begin(a), 0);
	CHECK_RC(echo(a), 0);
	sleep(4);
	CHECK_RC(echo(a), 0);		/* an APDU re-arms the 5 s */
	sleep(4);
	CHECK_RC(echo(a), 0);
	sleep(6);
	CHECK_RC(echo(a), SCL_ERR_CARD_RESET);
	CHECK_RC(echo(a), 0);
	CHECK_RC(scl_card_end(a, 0), 0);
	CHECK_RC(scl_card_begin(a), 0);
	sleep(6);
	CHECK_RC(scl_card_end(a, 0), SCL_ERR_CARD_RESET);
	CHECK_RC(scl_card_end(a, 0), 0);

	/* PCSC#254: a connect while another client holds a transaction. */
	CHECK_RC(scl_pcsc_open(&ctx2), 0);
	CHECK_RC(scl_card_begin(a), 0);
	t0 = rig_now_ms();
	CHECK_RC(scl_card_connect(ctx2, RIG_READER_0, 1000, &b),
	    SCL_ERR_SHARING);
	dt = rig_now_ms() - t0;
	fprintf(stderr, "connect while held: SHARING after %llu ms\n",
	    (unsigned long long)dt);
	CHECK(dt >= 900 && dt < 1600);
	CHECK_RC(echo(a), 0);
	CHECK_RC(scl_card_end(a, 0), 0);
	CHECK_RC(scl_card_connect(ctx2, RIG_READER_0, 1000, &b), 0);
	CHECK_RC(echo(b), 0);
	/*
	 * A begin while another of ours holds an idle transaction gets the
	 * card when the holder's watchdog releases it (within 5 s + polling).
	 */
	CHECK_RC(scl_card_begin(a), 0);
	t0 = rig_now_ms();
	CHECK_RC(scl_card_begin(b), 0);
	dt = rig_now_ms() - t0;
	fprintf(stderr, "begin while held: got it after %llu ms\n",
	    (unsigned long long)dt);
	CHECK(dt >= 4900 && dt < 6000);
	CHECK_RC(echo(b), 0);
	CHECK_RC(scl_card_end(b, 0), 0);
	CHECK_RC(echo(a), SCL_ERR_CARD_RESET);
	CHECK_RC(scl_card_end(a, 0), 0);
	scl_card_disconnect(&b, 0);

	/* Removal while connected. */
	CHECK(rig_card_remove(rig, 0) == 0);
	r = echo(a);
	CHECK(r == SCL_ERR_CARD_REMOVED || r == SCL_ERR_NO_CARD);
	scl_card_disconnect(&a, 1);

	/* pcscd goes away and comes back: same context recovers. */
	CHECK(rig_card_insert_argv(rig, 0, argv) == 0);
	CHECK_RC(scl_card_connect(ctx, RIG_READER_0, 2000, &a), 0);
	CHECK(rig_pcscd_stop(rig) == 0);
	r = echo(a);
	CHECK(r == SCL_ERR_NO_SERVICE || r == SCL_ERR_CARD_REMOVED ||
	    r == SCL_ERR_READER_GONE);
	fprintf(stderr, "transmit with pcscd gone: %s\n", scl_err_name(r));
	scl_card_disconnect(&a, 1);
	CHECK_RC(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n),
	    SCL_ERR_NO_SERVICE);
	CHECK_RC(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n),
	    SCL_ERR_NO_SERVICE);
	CHECK_RC(scl_pcsc_open(&ctx3), SCL_ERR_NO_SERVICE);
	CHECK(ctx3 == NULL);
	rig_card_kill(rig, 0);
	CHECK(rig_pcscd_start(rig) == 0);
	CHECK_RC(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n), 0);
	CHECK(n == 2 && !ri[0].card_present);
	rc = 0;
out:
	scl_card_disconnect(&b, 0);
	scl_card_disconnect(&a, 1);
	scl_pcsc_free(&ctx2);
	scl_pcsc_free(&ctx);
	rig_stop(&rig);
	return rc;
}
