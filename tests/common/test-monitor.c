/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * common/monitor.c and the reader list of common/pcsc.c against an
 * in-process model of pcscd (the SCard* calls they make are wrapped with
 * -Wl,--wrap): card and reader events, the event counter, debounce, the
 * PnP reader, pcscd going away and coming back, cancel from a signal
 * handler, caps on readers and names, malformed reader lists, and that an
 * idle wait does not spin.  No root, no pcscd: suite unit.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include "err.h"
#include "monitor.h"
#include "pcsc.h"

/* ---- the pcscd model ---------------------------------------------- */

#define FR_MAX 16

struct fr {
	char name[300];
	int present;
	unsigned counter;
	uint8_t atr[8];
	size_t atr_len;
};

static pthread_mutex_t fm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fcv = PTHREAD_COND_INITIALIZER;
static struct fr fr[FR_MAX];
static size_t nfr;
static int up = 1;
static unsigned epoch = 1;	/* contexts of an older epoch are dead */
static int cancel_req;
static unsigned n_establish, n_gsc;
static const char *raw_list;	/* malformed multi-string override */
static size_t raw_len;

static void
model_reset(void)
{
	pthread_mutex_lock(&fm);
	memset(fr, 0, sizeof(fr));
	nfr = 0;
	up = 1;
	epoch++;
	cancel_req = 0;
	n_establish = n_gsc = 0;
	raw_list = NULL;
	pthread_mutex_unlock(&fm);
}

static void
changed(void)
{
	pthread_cond_broadcast(&fcv);
	pthread_mutex_unlock(&fm);
}

static void
add_reader(const char *name)
{
	pthread_mutex_lock(&fm);
	assert_true(nfr < FR_MAX);
	memset(&fr[nfr], 0, sizeof(fr[nfr]));
	snprintf(fr[nfr].name, sizeof(fr[nfr].name), "%s", name);
	nfr++;
	changed();
}

static void
del_reader(const char *name)
{
	pthread_mutex_lock(&fm);
	for (size_t i = 0; i < nfr; i++) {
		if (strcmp(fr[i].name, name) == 0) {
			memmove(&fr[i], &fr[i + 1], (nfr - i - 1) *
			    sizeof(fr[0]));
			nfr--;
			break;
		}
	}
	changed();
}

static void
card(const char *name, int present, uint8_t atr_last)
{
	pthread_mutex_lock(&fm);
	for (size_t i = 0; i < nfr; i++) {
		if (strcmp(fr[i].name, name) != 0)
			continue;
		fr[i].present = present;
		fr[i].counter++;
		memcpy(fr[i].atr, "\x3B\x80\x80\x01", 4);
		fr[i].atr[4] = atr_last;
		fr[i].atr_len = present ? 5 : 0;
	}
	changed();
}

static void
service(int on)
{
	pthread_mutex_lock(&fm);
	up = on;
	epoch++;
	changed();
}

static int
ctx_ok(SCARDCONTEXT ctx)
{
	return up && (unsigned)ctx == epoch;
}

LONG __wrap_SCardEstablishContext(DWORD, LPCVOID, LPCVOID, LPSCARDCONTEXT);
LONG __wrap_SCardReleaseContext(SCARDCONTEXT);
LONG __wrap_SCardListReaders(SCARDCONTEXT, LPCSTR, LPSTR, LPDWORD);
LONG __wrap_SCardGetStatusChange(SCARDCONTEXT, DWORD, SCARD_READERSTATE *,
    DWORD);
LONG __wrap_SCardCancel(SCARDCONTEXT);

LONG
__wrap_SCardEstablishContext(DWORD scope, LPCVOID a, LPCVOID b,
    LPSCARDCONTEXT ret)
{
	LONG rv = SCARD_E_NO_SERVICE;

	pthread_mutex_lock(&fm);
	n_establish++;
	if (up) {
		*ret = (SCARDCONTEXT)epoch;
		rv = SCARD_S_SUCCESS;
	}
	pthread_mutex_unlock(&fm);
	return rv;
}

LONG
__wrap_SCardReleaseContext(SCARDCONTEXT ctx)
{
	return SCARD_S_SUCCESS;
}

LONG
__wrap_SCardListReaders(SCARDCONTEXT ctx, LPCSTR groups, LPSTR buf,
    LPDWORD len)
{
	char list[FR_MAX * 301 + 1];
	size_t n = 0;
	LONG rv = SCARD_S_SUCCESS;

	pthread_mutex_lock(&fm);
	if (!ctx_ok(ctx)) {
		rv = SCARD_E_NO_SERVICE;
		goto out;
	}
	if (raw_list != NULL) {
		memcpy(list, raw_list, raw_len);
		n = raw_len;
	} else {
		if (nfr == 0) {
			rv = SCARD_E_NO_READERS_AVAILABLE;
			goto out;
		}
		for (size_t i = 0; i < nfr; i++) {
			size_t l = strlen(fr[i].name) + 1;

			memcpy(list + n, fr[i].name, l);
			n += l;
		}
		list[n++] = '\0';
	}
	if (buf != NULL) {
		if (*len < n) {
			rv = SCARD_E_INSUFFICIENT_BUFFER;
			goto out;
		}
		memcpy(buf, list, n);
	}
	*len = (DWORD)n;
out:
	pthread_mutex_unlock(&fm);
	return rv;
}

/* pcsc-lite's rules: state in the low word, event counter in the high. */
static int
eval(SCARD_READERSTATE *rs, DWORD n, size_t count0)
{
	int any = 0;

	for (DWORD i = 0; i < n; i++) {
		DWORD cur = rs[i].dwCurrentState, st;
		struct fr *f = NULL;

		if (strcmp(rs[i].szReader, "\\\\?PnP?\\Notification") == 0) {
			rs[i].dwEventState = (DWORD)nfr << 16;
			if (nfr != count0) {
				rs[i].dwEventState |= SCARD_STATE_CHANGED;
				any = 1;
			}
			continue;
		}
		for (size_t j = 0; j < nfr; j++)
			if (strcmp(fr[j].name, rs[i].szReader) == 0)
				f = &fr[j];
		if (f == NULL) {
			st = SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE;
			if (!(cur & SCARD_STATE_UNKNOWN)) {
				st |= SCARD_STATE_CHANGED;
				any = 1;
			}
			rs[i].dwEventState = st;
			continue;
		}
		st = (f->present ? SCARD_STATE_PRESENT : SCARD_STATE_EMPTY) |
		    ((DWORD)f->counter << 16);
		memcpy(rs[i].rgbAtr, f->atr, f->atr_len);
		rs[i].cbAtr = (DWORD)f->atr_len;
		if (cur == SCARD_STATE_UNAWARE || (cur & ~SCARD_STATE_CHANGED) !=
		    st) {
			st |= SCARD_STATE_CHANGED;
			any = 1;
		}
		rs[i].dwEventState = st;
	}
	return any;
}

LONG
__wrap_SCardGetStatusChange(SCARDCONTEXT ctx, DWORD timeout,
    SCARD_READERSTATE *rs, DWORD n)
{
	struct timespec ts;
	size_t count0;
	LONG rv;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout / 1000;
	ts.tv_nsec += (long)(timeout % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&fm);
	n_gsc++;
	count0 = nfr;
	for (;;) {
		if (!ctx_ok(ctx)) {
			rv = SCARD_E_NO_SERVICE;
			break;
		}
		if (eval(rs, n, count0)) {
			rv = SCARD_S_SUCCESS;
			break;
		}
		if (cancel_req) {
			cancel_req = 0;
			rv = SCARD_E_CANCELLED;
			break;
		}
		if (timeout == 0 || pthread_cond_timedwait(&fcv, &fm, &ts) ==
		    ETIMEDOUT) {
			rv = SCARD_E_TIMEOUT;
			break;
		}
	}
	pthread_mutex_unlock(&fm);
	return rv;
}

LONG
__wrap_SCardCancel(SCARDCONTEXT ctx)
{
	pthread_mutex_lock(&fm);
	cancel_req = 1;
	changed();
	return SCARD_S_SUCCESS;
}

/* ---- helpers ------------------------------------------------------ */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
expect_ev(struct scl_monitor *mon, enum scl_event_kind kind,
    const char *reader)
{
	struct scl_event ev;
	int r = scl_monitor_wait(mon, 2000, &ev);

	if (r != 0)
		fail_msg("want %s '%s', got %s", scl_event_kind_name(kind),
		    reader ? reader : "", scl_err_name(r));
	if (ev.kind != kind || (reader != NULL && strcmp(ev.reader, reader)))
		fail_msg("want %s '%s', got %s '%s'",
		    scl_event_kind_name(kind), reader ? reader : "",
		    scl_event_kind_name(ev.kind), ev.reader);
}

static void
expect_none(struct scl_monitor *mon, int ms)
{
	struct scl_event ev;
	int r = scl_monitor_wait(mon, ms, &ev);

	if (r != SCL_ERR_TIMEOUT)
		fail_msg("want no event, got %s %s '%s'", scl_err_name(r),
		    r == 0 ? scl_event_kind_name(ev.kind) : "",
		    r == 0 ? ev.reader : "");
}

/* ---- monitor ------------------------------------------------------ */

static void
test_cards(void **state)
{
	struct scl_monitor *mon = NULL;
	struct scl_reader_info ri[SCL_READERS_MAX];
	struct scl_event ev;
	uint64_t t0;
	size_t n = 0;

	(void)state;
	model_reset();
	add_reader("R0");
	add_reader("R1");
	card("R1", 1, 0x01);
	assert_int_equal(scl_monitor_new(0, &mon), 0);
	assert_int_equal(scl_monitor_snapshot(mon, ri, SCL_READERS_MAX, &n),
	    0);
	assert_int_equal(n, 2);
	assert_string_equal(ri[0].name, "R0");
	assert_false(ri[0].card_present);
	assert_true(ri[1].card_present);
	assert_int_equal(ri[1].atr_len, 5);
	expect_none(mon, 0);

	card("R0", 1, 0x02);
	t0 = now_ms();
	assert_int_equal(scl_monitor_wait(mon, 2000, &ev), 0);
	assert_int_equal(ev.kind, SCL_EV_CARD_INSERTED);
	assert_string_equal(ev.reader, "R0");
	assert_int_equal(ev.atr_len, 5);
	assert_int_equal(ev.atr[4], 0x02);
	assert_true(ev.mono_ms >= t0 && ev.mono_ms <= now_ms());
	card("R1", 0, 0);
	expect_ev(mon, SCL_EV_CARD_REMOVED, "R1");
	/* Out and in again between two waits: the counter tells. */
	card("R0", 0, 0);
	card("R0", 1, 0x02);
	expect_ev(mon, SCL_EV_CARD_REMOVED, "R0");
	expect_ev(mon, SCL_EV_CARD_INSERTED, "R0");
	expect_none(mon, 100);
	assert_int_equal(scl_monitor_snapshot(mon, ri, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_true(ri[0].card_present);
	scl_monitor_free(&mon);
	scl_monitor_free(&mon);
}

struct later {
	int ms;
	void (*fn)(void);
};

static void
swap_in(void)
{
	card("R0", 0, 0);
	usleep(100 * 1000);
	card("R0", 1, 0x07);
}

static void *
run_later(void *arg)
{
	struct later *l = arg;

	usleep((useconds_t)l->ms * 1000);
	l->fn();
	return NULL;
}

static void
test_debounce(void **state)
{
	struct scl_monitor *mon = NULL;
	struct scl_event ev;
	struct later l = { 100, swap_in };
	pthread_t th;
	uint64_t t0;

	(void)state;
	model_reset();
	add_reader("R0");
	card("R0", 1, 0x07);
	assert_int_equal(scl_monitor_new(500, &mon), 0);
	expect_none(mon, 0);
	/* Out and back within 500 ms, same ATR, while we wait: nothing. */
	assert_int_equal(pthread_create(&th, NULL, run_later, &l), 0);
	expect_none(mon, 1000);
	pthread_join(th, NULL);
	/* Back with another card: the old one goes, the new one comes. */
	card("R0", 0, 0);
	expect_none(mon, 100);
	card("R0", 1, 0x08);
	expect_ev(mon, SCL_EV_CARD_REMOVED, "R0");
	assert_int_equal(scl_monitor_wait(mon, 1000, &ev), 0);
	assert_int_equal(ev.kind, SCL_EV_CARD_INSERTED);
	assert_int_equal(ev.atr[4], 0x08);
	/* A real removal comes after the debounce, stamped when it happened. */
	t0 = now_ms();
	card("R0", 0, 0);
	assert_int_equal(scl_monitor_wait(mon, 2000, &ev), 0);
	assert_int_equal(ev.kind, SCL_EV_CARD_REMOVED);
	assert_true(now_ms() - t0 >= 490);
	assert_true(ev.mono_ms - t0 < 200);
	scl_monitor_free(&mon);
}

static void
test_readers(void **state)
{
	struct scl_monitor *mon = NULL;
	struct scl_reader_info ri[SCL_READERS_MAX];
	size_t n = 0;

	(void)state;
	model_reset();
	assert_int_equal(scl_monitor_new(0, &mon), 0);
	assert_int_equal(scl_monitor_snapshot(mon, ri, SCL_READERS_MAX, &n),
	    0);
	assert_int_equal(n, 0);
	add_reader("Token A");
	expect_ev(mon, SCL_EV_READER_ADDED, "Token A");
	pthread_mutex_lock(&fm);
	snprintf(fr[nfr].name, sizeof(fr[0].name), "Token B");
	fr[nfr].present = 1;
	fr[nfr].atr_len = 2;
	nfr++;
	changed();
	expect_ev(mon, SCL_EV_READER_ADDED, "Token B");
	expect_ev(mon, SCL_EV_CARD_INSERTED, "Token B");
	del_reader("Token B");
	expect_ev(mon, SCL_EV_CARD_REMOVED, "Token B");
	expect_ev(mon, SCL_EV_READER_REMOVED, "Token B");
	del_reader("Token A");
	expect_ev(mon, SCL_EV_READER_REMOVED, "Token A");
	expect_none(mon, 100);
	scl_monitor_free(&mon);
}

static void
test_service(void **state)
{
	struct scl_monitor *mon = NULL;
	struct scl_reader_info ri[SCL_READERS_MAX];
	unsigned before;
	size_t n = 0;

	(void)state;
	model_reset();
	add_reader("R0");
	card("R0", 1, 1);
	add_reader("R1");
	service(0);
	/* Started while pcscd is down: a clear state, no error storm. */
	assert_int_equal(scl_monitor_new(0, &mon), 0);
	assert_int_equal(scl_monitor_snapshot(mon, ri, SCL_READERS_MAX, &n),
	    SCL_ERR_NO_SERVICE);
	pthread_mutex_lock(&fm);
	before = n_establish;
	pthread_mutex_unlock(&fm);
	expect_none(mon, 2000);
	pthread_mutex_lock(&fm);
	/* 50 ms doubling to 1 s: a handful of tries in 2 s, not hundreds. */
	assert_true(n_establish - before <= 8);
	pthread_mutex_unlock(&fm);
	service(1);
	expect_ev(mon, SCL_EV_SERVICE_UP, NULL);
	expect_ev(mon, SCL_EV_READER_ADDED, "R0");
	expect_ev(mon, SCL_EV_CARD_INSERTED, "R0");
	expect_ev(mon, SCL_EV_READER_ADDED, "R1");
	expect_none(mon, 50);
	/* Goes away while we wait, comes back. */
	service(0);
	expect_ev(mon, SCL_EV_SERVICE_DOWN, NULL);
	expect_ev(mon, SCL_EV_CARD_REMOVED, "R0");
	expect_ev(mon, SCL_EV_READER_REMOVED, "R0");
	expect_ev(mon, SCL_EV_READER_REMOVED, "R1");
	assert_int_equal(scl_monitor_snapshot(mon, ri, SCL_READERS_MAX, &n),
	    SCL_ERR_NO_SERVICE);
	service(1);
	expect_ev(mon, SCL_EV_SERVICE_UP, NULL);
	expect_ev(mon, SCL_EV_READER_ADDED, "R0");
	expect_ev(mon, SCL_EV_CARD_INSERTED, "R0");
	expect_ev(mon, SCL_EV_READER_ADDED, "R1");
	/* A restart between two waits: down and up again are both told. */
	service(0);
	service(1);
	expect_ev(mon, SCL_EV_SERVICE_DOWN, NULL);
	scl_monitor_free(&mon);
}

static struct scl_monitor *sig_mon;

static void
on_alarm(int sig)
{
	(void)sig;
	scl_monitor_cancel(sig_mon);
}

static void
test_cancel_and_idle(void **state)
{
	struct scl_monitor *mon = NULL;
	struct scl_event ev;
	struct itimerval it = { { 0, 0 }, { 0, 150 * 1000 } };
	struct sigaction sa, old;
	uint64_t t0, dt;
	unsigned calls;

	(void)state;
	model_reset();
	add_reader("R0");
	assert_int_equal(scl_monitor_new(0, &mon), 0);
	expect_none(mon, 0);
	/* An idle 1.2 s wait: bounded, and pcscd is asked only a few times. */
	pthread_mutex_lock(&fm);
	n_gsc = 0;
	pthread_mutex_unlock(&fm);
	t0 = now_ms();
	expect_none(mon, 1200);
	dt = now_ms() - t0;
	assert_true(dt >= 1190 && dt < 1500);
	pthread_mutex_lock(&fm);
	calls = n_gsc;
	pthread_mutex_unlock(&fm);
	assert_true(calls <= 12);
	/* Cancel from a signal handler wakes the wait. */
	sig_mon = mon;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	t0 = now_ms();
	assert_int_equal(scl_monitor_wait(mon, 5000, &ev), SCL_ERR_CANCELLED);
	dt = now_ms() - t0;
	assert_true(dt >= 140 && dt < 700);
	sigaction(SIGALRM, &old, NULL);
	/* A cancel before the wait is not lost; it is consumed once. */
	scl_monitor_cancel(mon);
	assert_int_equal(scl_monitor_wait(mon, 5000, &ev), SCL_ERR_CANCELLED);
	expect_none(mon, 50);
	scl_monitor_cancel(NULL);
	assert_int_equal(scl_monitor_wait(NULL, 0, &ev),
	    SCL_ERR_INVALID_ARGUMENT);
	scl_monitor_free(&mon);
	assert_string_equal(scl_event_kind_name(SCL_EV_SERVICE_UP),
	    "SERVICE_UP");
	assert_string_equal(scl_event_kind_name((enum scl_event_kind)99),
	    "UNKNOWN");
}

/* ---- pcsc reader list --------------------------------------------- */

static void
test_list_caps(void **state)
{
	struct scl_pcsc *ctx = NULL;
	struct scl_reader_info ri[SCL_READERS_MAX];
	struct scl_monitor *mon = NULL;
	char name[300];
	size_t n = 0;

	(void)state;
	model_reset();
	memset(name, 'x', 200);
	name[200] = '\0';
	add_reader(name);		/* too long: left out */
	for (int i = 0; i < 10; i++) {
		char nm[16];

		snprintf(nm, sizeof(nm), "R%d", i);
		add_reader(nm);
	}
	card("R3", 1, 3);
	assert_int_equal(scl_pcsc_open(&ctx), 0);
	assert_int_equal(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n),
	    0);
	assert_int_equal(n, SCL_READERS_MAX);
	assert_string_equal(ri[0].name, "R0");
	assert_true(ri[3].card_present);
	assert_int_equal(ri[3].atr_len, 5);
	assert_int_equal(scl_pcsc_list_readers(ctx, ri, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(scl_monitor_new(0, &mon), 0);
	assert_int_equal(scl_monitor_snapshot(mon, ri, SCL_READERS_MAX, &n),
	    0);
	assert_int_equal(n, SCL_READERS_MAX);
	scl_monitor_free(&mon);

	/* Malformed multi-strings. */
	n = 99;
	pthread_mutex_lock(&fm);
	raw_list = "R0\0R1";		/* no final NULs */
	raw_len = 5;
	pthread_mutex_unlock(&fm);
	assert_int_equal(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n),
	    SCL_ERR_TRUNCATED);
	pthread_mutex_lock(&fm);
	raw_len = 6;			/* one NUL, not two */
	pthread_mutex_unlock(&fm);
	assert_int_equal(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n),
	    SCL_ERR_TRUNCATED);
	assert_int_equal(n, 99);
	pthread_mutex_lock(&fm);
	raw_list = "\0";		/* empty list, well formed */
	raw_len = 1;
	pthread_mutex_unlock(&fm);
	assert_int_equal(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n),
	    0);
	assert_int_equal(n, 0);
	pthread_mutex_lock(&fm);
	raw_list = NULL;
	pthread_mutex_unlock(&fm);

	/* pcscd away and back: the same context recovers. */
	service(0);
	assert_int_equal(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n),
	    SCL_ERR_NO_SERVICE);
	assert_int_equal(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n),
	    SCL_ERR_NO_SERVICE);
	service(1);
	assert_int_equal(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n),
	    0);
	assert_int_equal(n, SCL_READERS_MAX);
	scl_pcsc_free(&ctx);
	service(0);
	assert_int_equal(scl_pcsc_open(&ctx), SCL_ERR_NO_SERVICE);
	assert_null(ctx);
	service(1);
	/* No readers at all is not an error. */
	model_reset();
	assert_int_equal(scl_pcsc_open(&ctx), 0);
	assert_int_equal(scl_pcsc_list_readers(ctx, ri, SCL_READERS_MAX, &n),
	    0);
	assert_int_equal(n, 0);
	scl_pcsc_free(&ctx);
}

static void
test_split_readers(void **state)
{
	static char names[SCL_READERS_MAX][SCL_READER_NAME_MAX];
	char longname[SCL_READER_NAME_MAX + 3], many[64];
	size_t n, o = 0;

	(void)state;
	n = 99;
	assert_int_equal(scl_pcsc_split_readers("a\0bc\0\0", 6, names, &n),
	    0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "bc");
	assert_int_equal(scl_pcsc_split_readers("\0", 1, names, &n), 0);
	assert_int_equal(n, 0);
	n = 99;
	assert_int_equal(scl_pcsc_split_readers("a\0b", 3, names, &n),
	    SCL_ERR_TRUNCATED);
	assert_int_equal(scl_pcsc_split_readers("ab", 2, names, &n),
	    SCL_ERR_TRUNCATED);
	assert_int_equal(scl_pcsc_split_readers(NULL, 2, names, &n),
	    SCL_ERR_TRUNCATED);
	assert_int_equal(scl_pcsc_split_readers("", 0, names, &n),
	    SCL_ERR_TRUNCATED);
	assert_int_equal(n, 99);
	/* a name too long for SCL_READER_NAME_MAX is skipped */
	memset(longname, 'x', SCL_READER_NAME_MAX);
	memcpy(longname + SCL_READER_NAME_MAX, "\0\0", 2);
	assert_int_equal(scl_pcsc_split_readers(longname,
	    SCL_READER_NAME_MAX + 2, names, &n), 0);
	assert_int_equal(n, 0);
	/* capped at SCL_READERS_MAX */
	for (int i = 0; i < SCL_READERS_MAX + 2; i++) {
		many[o++] = (char)('a' + i);
		many[o++] = '\0';
	}
	many[o++] = '\0';
	assert_int_equal(scl_pcsc_split_readers(many, o, names, &n), 0);
	assert_int_equal(n, SCL_READERS_MAX);
	assert_string_equal(names[SCL_READERS_MAX - 1], "h");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cards),
		cmocka_unit_test(test_debounce),
		cmocka_unit_test(test_readers),
		cmocka_unit_test(test_service),
		cmocka_unit_test(test_cancel_and_idle),
		cmocka_unit_test(test_list_caps),
		cmocka_unit_test(test_split_readers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
