/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * A transmit that pcsc-lite does not answer in time is abandoned to the
 * card thread (common/pcsc.c).  When pcsc-lite returns at last, it reads
 * the command and writes the answer into the buffers it was given: those
 * must still be the card's own, never the caller's (freed by then: a heap
 * corruption inside sudo or login).  The SCard* calls are wrapped at link
 * time; clock_gettime is shifted so the 120 s transmit limit expires at
 * once.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <PCSC/winscard.h>

#include "apdu.h"
#include "deadline.h"
#include "err.h"
#include "pcsc.h"

/* VERIFY PIN 123456 (SP 800-73-4 Pt 2 §3.2.1). */
static const uint8_t verify_apdu[] = { 0x00, 0x20, 0x00, 0x80, 0x08, '1',
	'2', '3', '4', '5', '6', 0xFF, 0xFF };

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int entered, released, intact = -1, contexts_released;
static volatile time_t shift;

int __real_clock_gettime(clockid_t id, struct timespec *ts);
int __wrap_clock_gettime(clockid_t id, struct timespec *ts);
LONG __wrap_SCardEstablishContext(DWORD scope, LPCVOID r1, LPCVOID r2,
    LPSCARDCONTEXT ctx);
LONG __wrap_SCardReleaseContext(SCARDCONTEXT ctx);
LONG __wrap_SCardGetStatusChange(SCARDCONTEXT ctx, DWORD timeout,
    SCARD_READERSTATE *rs, DWORD n);
LONG __wrap_SCardConnect(SCARDCONTEXT ctx, LPCSTR reader, DWORD share,
    DWORD protos, LPSCARDHANDLE h, LPDWORD proto);
LONG __wrap_SCardDisconnect(SCARDHANDLE h, DWORD disposition);
LONG __wrap_SCardStatus(SCARDHANDLE h, LPSTR name, LPDWORD name_len,
    LPDWORD state, LPDWORD proto, LPBYTE atr, LPDWORD atr_len);
LONG __wrap_SCardTransmit(SCARDHANDLE h, const SCARD_IO_REQUEST *spci,
    LPCBYTE send, DWORD send_len, SCARD_IO_REQUEST *rpci, LPBYTE recv,
    LPDWORD recv_len);

int
__wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
	int r = __real_clock_gettime(id, ts);

	if (r == 0 && id == CLOCK_MONOTONIC)
		ts->tv_sec -= shift;
	return r;
}

LONG
__wrap_SCardEstablishContext(DWORD scope, LPCVOID r1, LPCVOID r2,
    LPSCARDCONTEXT ctx)
{
	*ctx = 1;
	return SCARD_S_SUCCESS;
}

LONG
__wrap_SCardReleaseContext(SCARDCONTEXT ctx)
{
	pthread_mutex_lock(&m);
	contexts_released++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&m);
	return SCARD_S_SUCCESS;
}

LONG
__wrap_SCardGetStatusChange(SCARDCONTEXT ctx, DWORD timeout,
    SCARD_READERSTATE *rs, DWORD n)
{
	DWORD i;

	for (i = 0; i < n; i++)
		rs[i].dwEventState = SCARD_STATE_PRESENT | SCARD_STATE_CHANGED;
	return SCARD_S_SUCCESS;
}

LONG
__wrap_SCardConnect(SCARDCONTEXT ctx, LPCSTR reader, DWORD share,
    DWORD protos, LPSCARDHANDLE h, LPDWORD proto)
{
	*h = 1;
	*proto = SCARD_PROTOCOL_T1;
	return SCARD_S_SUCCESS;
}

LONG
__wrap_SCardDisconnect(SCARDHANDLE h, DWORD disposition)
{
	return SCARD_S_SUCCESS;
}

/* #14: the ATR the connect reads; status_rv / status_atr_len vary it. */
static const uint8_t yubikey_atr[] = { 0x3B, 0xFD, 0x13, 0x00, 0x00, 0x81,
	0x31, 0xFE, 0x15, 0x80, 0x73, 0xC0, 0x21, 0xC0, 0x57, 0x59, 0x75,
	0x62, 0x69, 0x4B, 0x65, 0x79, 0x40 };
static LONG status_rv = SCARD_S_SUCCESS;
static DWORD status_atr_len = sizeof(yubikey_atr);

LONG
__wrap_SCardStatus(SCARDHANDLE h, LPSTR name, LPDWORD name_len,
    LPDWORD state, LPDWORD proto, LPBYTE atr, LPDWORD atr_len)
{
	if (status_rv != SCARD_S_SUCCESS)
		return status_rv;
	if (*atr_len < status_atr_len)
		return SCARD_E_INSUFFICIENT_BUFFER;
	memset(atr, 0x3B, status_atr_len);
	memcpy(atr, yubikey_atr, status_atr_len < sizeof(yubikey_atr) ?
	    status_atr_len : sizeof(yubikey_atr));
	*atr_len = status_atr_len;
	*state = SCARD_SPECIFIC;
	*proto = SCARD_PROTOCOL_T1;
	if (*name_len > 0)
		name[0] = '\0';
	*name_len = 1;
	return SCARD_S_SUCCESS;
}

/* Blocks (like a hung reader) until the test releases it. */
LONG
__wrap_SCardTransmit(SCARDHANDLE h, const SCARD_IO_REQUEST *spci,
    LPCBYTE send, DWORD send_len, SCARD_IO_REQUEST *rpci, LPBYTE recv,
    LPDWORD recv_len)
{
	pthread_mutex_lock(&m);
	entered = 1;
	pthread_cond_broadcast(&cv);
	while (!released)
		pthread_cond_wait(&cv, &m);
	/* What pcsc-lite would send now, and where it puts the answer. */
	intact = send_len == sizeof(verify_apdu) &&
	    memcmp(send, verify_apdu, sizeof(verify_apdu)) == 0;
	pthread_mutex_unlock(&m);
	recv[0] = 0x90;
	recv[1] = 0x00;
	*recv_len = 2;
	return SCARD_S_SUCCESS;
}

static int
wait_for(int *flag, int value)
{
	struct timespec ts;
	int ok;

	__real_clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	pthread_mutex_lock(&m);
	while (*flag < value &&
	    pthread_cond_timedwait(&cv, &m, &ts) == 0)
		;
	ok = *flag >= value;
	pthread_mutex_unlock(&m);
	return ok;
}

static void
test_abandoned_transmit(void **state)
{
	struct scl_apdu a = { .cla = 0x00, .ins = 0x20, .p1 = 0x00,
		.p2 = 0x80, .data = verify_apdu + 5, .data_len = 8, .le = 0 };
	struct scl_pcsc *ctx = NULL;
	struct scl_card *card = NULL;
	uint8_t resp[258];
	size_t len = 0;
	uint16_t sw = 0;

	assert_int_equal(scl_pcsc_open(&ctx), 0);
	assert_int_equal(scl_card_connect(ctx, "Hung Reader 00 00", 1000,
	    &card), 0);

	shift = 200;	/* the 120 s limit is already over */
	assert_int_equal(scl_apdu_transmit(scl_card_transport(card), &a, resp,
	    sizeof(resp), &len, &sw), SCL_ERR_CARD_NO_ANSWER);
	shift = 0;
	assert_true(wait_for(&entered, 1));
	/* The card is unusable now, and untouched by a second caller. */
	assert_int_equal(scl_apdu_transmit(scl_card_transport(card), &a, resp,
	    sizeof(resp), &len, &sw), SCL_ERR_CARD_NO_ANSWER);
	scl_card_disconnect(&card, 1);

	/* pcsc-lite returns at last. */
	pthread_mutex_lock(&m);
	released = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&m);
	/* The thread frees the card: its context is released. */
	assert_true(wait_for(&contexts_released, 1));
	assert_int_equal(intact, 1);
	scl_pcsc_free(&ctx);
}

/*
 * #12: the card's deadline cuts a transmit that pcsc-lite holds, long
 * before its own 120 s bound; a deadline already passed sends nothing and
 * leaves the card usable.
 */
static void
test_deadline(void **state)
{
	struct scl_apdu a = { .cla = 0x00, .ins = 0x20, .p1 = 0x00,
		.p2 = 0x80, .data = verify_apdu + 5, .data_len = 8, .le = 0 };
	struct scl_pcsc *ctx = NULL;
	struct scl_card *card = NULL, *card2 = NULL;
	uint8_t resp[258];
	size_t len = 0;
	uint16_t sw = 0;

	entered = released = contexts_released = 0;
	assert_int_equal(scl_pcsc_open(&ctx), 0);
	assert_int_equal(scl_card_connect(ctx, "Hung Reader 00 00", 1000,
	    &card), 0);
	scl_card_set_deadline(card, 1);		/* long passed */
	assert_int_equal(scl_apdu_transmit(scl_card_transport(card), &a, resp,
	    sizeof(resp), &len, &sw), SCL_ERR_DEADLINE);
	assert_int_equal(entered, 0);		/* nothing was sent */
	assert_int_equal(scl_card_begin(card), SCL_ERR_DEADLINE);

	scl_card_set_deadline(card, scl_deadline_in(300));
	assert_int_equal(scl_apdu_transmit(scl_card_transport(card), &a, resp,
	    sizeof(resp), &len, &sw), SCL_ERR_DEADLINE);
	assert_true(wait_for(&entered, 1));
	scl_card_disconnect(&card, 1);		/* abandoned, not joined */

	/* no deadline: a card that answers works as before */
	pthread_mutex_lock(&m);
	released = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&m);
	assert_true(wait_for(&contexts_released, 1));
	assert_int_equal(scl_card_connect(ctx, "Hung Reader 00 00", 1000,
	    &card2), 0);
	assert_int_equal(scl_apdu_transmit(scl_card_transport(card2), &a, resp,
	    sizeof(resp), &len, &sw), 0);
	assert_int_equal(sw, 0x9000);
	scl_card_disconnect(&card2, 1);
	scl_pcsc_free(&ctx);
	entered = released = contexts_released = 0;
}

/* #14: scl_card_atr() is the ATR SCardStatus gave at the connect, or none. */
static void
test_card_atr(void **state)
{
	struct scl_pcsc *ctx = NULL;
	struct scl_card *card = NULL;
	const uint8_t *atr;
	size_t len = 99;

	assert_int_equal(scl_pcsc_open(&ctx), 0);
	assert_int_equal(scl_card_connect(ctx, "Hung Reader 00 00", 1000,
	    &card), 0);
	atr = scl_card_atr(card, &len);
	assert_non_null(atr);
	assert_int_equal(len, sizeof(yubikey_atr));
	assert_memory_equal(atr, yubikey_atr, len);
	scl_card_disconnect(&card, 0);

	status_rv = SCARD_E_NO_SMARTCARD;
	assert_int_equal(scl_card_connect(ctx, "Hung Reader 00 00", 1000,
	    &card), 0);
	assert_null(scl_card_atr(card, &len));
	assert_int_equal(len, 0);
	scl_card_disconnect(&card, 0);
	status_rv = SCARD_S_SUCCESS;

	/* longer than an ATR may be: none rather than a cut one */
	status_atr_len = SCL_ATR_MAX + 1;
	assert_int_equal(scl_card_connect(ctx, "Hung Reader 00 00", 1000,
	    &card), 0);
	assert_null(scl_card_atr(card, &len));
	scl_card_disconnect(&card, 0);
	status_atr_len = sizeof(yubikey_atr);

	assert_null(scl_card_atr(NULL, &len));
	assert_int_equal(len, 0);
	scl_pcsc_free(&ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_card_atr),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_abandoned_transmit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
