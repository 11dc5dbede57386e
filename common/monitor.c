/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include "deadline.h"
#include "err.h"
#include "log.h"
#include "monitor.h"

#define PNP_READER "\\\\?PnP?\\Notification"
#define QUEUE_MAX 64
#define CHUNK_MS 500		/* bounds a cancel that races the wait */
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 1000
#define LIST_MAX (64u * 1024u)

struct known {
	char name[SCL_READER_NAME_MAX];
	int present;		/* as reported by events */
	uint8_t atr[SCL_ATR_MAX];
	size_t atr_len;
	DWORD state;		/* last dwEventState from pcscd */
	int pending;		/* debounced removal not yet reported */
	uint64_t pending_at;
};

struct scl_monitor {
	unsigned debounce_ms;
	pthread_mutex_t m;	/* guards ctx/in_gsc for the canceller, state */
	pthread_cond_t cv;
	pthread_t canceller;
	int canceller_started;
	int efd;
	atomic_int cancelled;
	int quit;

	SCARDCONTEXT ctx;
	int have_ctx;
	int in_gsc;
	int baseline;		/* state known (first snapshot/wait done) */
	DWORD pnp_state;
	int service_up;
	unsigned backoff_ms;
	uint64_t retry_at;

	struct known r[SCL_READERS_MAX];
	size_t n;

	struct scl_event q[QUEUE_MAX];
	size_t qhead, qlen;
};

const char *
scl_event_kind_name(enum scl_event_kind k)
{
	switch (k) {
	case SCL_EV_READER_ADDED:
		return "READER_ADDED";
	case SCL_EV_READER_REMOVED:
		return "READER_REMOVED";
	case SCL_EV_CARD_INSERTED:
		return "CARD_INSERTED";
	case SCL_EV_CARD_REMOVED:
		return "CARD_REMOVED";
	case SCL_EV_SERVICE_UP:
		return "SERVICE_UP";
	case SCL_EV_SERVICE_DOWN:
		return "SERVICE_DOWN";
	}
	return "UNKNOWN";
}

static void
push(struct scl_monitor *mon, enum scl_event_kind kind, const char *reader,
    const uint8_t *atr, size_t atr_len, uint64_t at)
{
	struct scl_event *ev;

	/* Refreshes run only on an empty queue; this cannot overflow. */
	if (mon->qlen >= QUEUE_MAX)
		return;
	ev = &mon->q[(mon->qhead + mon->qlen) % QUEUE_MAX];
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	if (reader != NULL)
		memcpy(ev->reader, reader, strnlen(reader,
		    SCL_READER_NAME_MAX - 1));
	if (atr != NULL && atr_len <= SCL_ATR_MAX) {
		memcpy(ev->atr, atr, atr_len);
		ev->atr_len = atr_len;
	}
	ev->mono_ms = at;
	mon->qlen++;
}

static void *
canceller_main(void *arg)
{
	struct scl_monitor *mon = arg;
	struct pollfd pfd = { .fd = mon->efd, .events = POLLIN };

	for (;;) {
		uint64_t v;

		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			break;
		if (read(mon->efd, &v, sizeof(v)) == -1 && errno != EAGAIN)
			break;
		pthread_mutex_lock(&mon->m);
		if (mon->quit) {
			pthread_mutex_unlock(&mon->m);
			break;
		}
		if (mon->in_gsc && mon->have_ctx)
			SCardCancel(mon->ctx);
		pthread_cond_broadcast(&mon->cv);
		pthread_mutex_unlock(&mon->m);
	}
	return NULL;
}

int
scl_monitor_new(unsigned debounce_ms, struct scl_monitor **ret_mon)
{
	struct scl_monitor *mon = NULL;
	pthread_condattr_t ca;
	int r = SCL_ERR_INTERNAL;

	if (ret_mon == NULL || debounce_ms > 60000) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((mon = calloc(1, sizeof(*mon))) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	mon->debounce_ms = debounce_ms;
	mon->efd = -1;
	mon->backoff_ms = BACKOFF_MIN_MS;
	pthread_mutex_init(&mon->m, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&mon->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((mon->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1) {
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	if (pthread_create(&mon->canceller, NULL, canceller_main, mon) != 0) {
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	mon->canceller_started = 1;
	*ret_mon = mon;
	mon = NULL;
	r = 0;
out:
	scl_monitor_free(&mon);
	return r;
}

void
scl_monitor_free(struct scl_monitor **monp)
{
	struct scl_monitor *mon;
	uint64_t one = 1;

	if (monp == NULL || (mon = *monp) == NULL)
		return;
	*monp = NULL;
	if (mon->canceller_started) {
		pthread_mutex_lock(&mon->m);
		mon->quit = 1;
		pthread_mutex_unlock(&mon->m);
		if (write(mon->efd, &one, sizeof(one)) == -1) {
			/* eventfd at its maximum still wakes the poll */
		}
		pthread_join(mon->canceller, NULL);
	}
	if (mon->have_ctx)
		SCardReleaseContext(mon->ctx);
	if (mon->efd != -1)
		close(mon->efd);
	pthread_cond_destroy(&mon->cv);
	pthread_mutex_destroy(&mon->m);
	free(mon);
}

void
scl_monitor_cancel(struct scl_monitor *mon)
{
	uint64_t one = 1;
	int saved = errno;

	if (mon == NULL)
		return;
	atomic_store(&mon->cancelled, 1);
	if (write(mon->efd, &one, sizeof(one)) == -1) {
		/* already signalled */
	}
	errno = saved;
}

/* Current reader names (checked multi-string, capped). */
static LONG
list_names(SCARDCONTEXT ctx, char names[][SCL_READER_NAME_MAX],
    size_t *ret_n)
{
	char *buf = NULL;
	DWORD len = 0;
	LONG rv;

	rv = SCardListReaders(ctx, NULL, NULL, &len);
	if (rv == (LONG)SCARD_E_NO_READERS_AVAILABLE) {
		*ret_n = 0;
		return SCARD_S_SUCCESS;
	}
	if (rv != SCARD_S_SUCCESS)
		return rv;
	if (len == 0 || len > LIST_MAX)
		return SCARD_F_UNKNOWN_ERROR;
	if ((buf = malloc(len)) == NULL)
		return SCARD_E_NO_MEMORY;
	rv = SCardListReaders(ctx, NULL, buf, &len);
	if (rv == (LONG)SCARD_E_NO_READERS_AVAILABLE) {
		*ret_n = 0;
		rv = SCARD_S_SUCCESS;
		goto out;
	}
	if (rv != SCARD_S_SUCCESS)
		goto out;
	if (scl_pcsc_split_readers(buf, len, names, ret_n) != 0)
		rv = SCARD_F_UNKNOWN_ERROR;
out:
	free(buf);
	return rv;
}

static int
card_in(DWORD st)
{
	return (st & SCARD_STATE_PRESENT) && !(st & SCARD_STATE_MUTE) &&
	    !(st & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE));
}

static void
report_removal(struct scl_monitor *mon, struct known *k, uint64_t at)
{
	if (!k->present)
		return;
	push(mon, SCL_EV_CARD_REMOVED, k->name, k->atr, k->atr_len,
	    k->pending ? k->pending_at : at);
	k->present = 0;
	k->pending = 0;
	k->atr_len = 0;
}

/* A card state change seen by pcscd for reader k. */
static void
card_update(struct scl_monitor *mon, struct known *k, DWORD st,
    const uint8_t *atr, size_t atr_len, int emit, uint64_t at)
{
	int in = card_in(st);
	int bounced = ((st >> 16) & 0xFFFF) != ((k->state >> 16) & 0xFFFF) &&
	    k->state != 0;

	if (atr_len > SCL_ATR_MAX)
		atr_len = 0;
	k->state = st;
	if (!emit) {
		k->present = in;
		k->atr_len = in ? atr_len : 0;
		if (in)
			memcpy(k->atr, atr, atr_len);
		return;
	}
	if (in && k->present && !k->pending && !bounced)
		return;
	if (in && k->present && k->atr_len == atr_len &&
	    memcmp(k->atr, atr, atr_len) == 0 &&
	    (k->pending || mon->debounce_ms > 0)) {
		/* Out and back in with the same ATR within the debounce. */
		k->pending = 0;
		return;
	}
	if (!in) {
		if (!k->present || k->pending)
			return;
		if (mon->debounce_ms > 0) {
			k->pending = 1;
			k->pending_at = at;
			return;
		}
		report_removal(mon, k, at);
		return;
	}
	report_removal(mon, k, at);
	k->present = 1;
	memcpy(k->atr, atr, atr_len);
	k->atr_len = atr_len;
	push(mon, SCL_EV_CARD_INSERTED, k->name, atr, atr_len, at);
}

/*
 * Re-list readers and diff against what we know.  emit == 0 takes a
 * baseline silently.
 */
static LONG
refresh_readers(struct scl_monitor *mon, int emit, uint64_t at)
{
	char names[SCL_READERS_MAX][SCL_READER_NAME_MAX];
	SCARD_READERSTATE rs[SCL_READERS_MAX];
	struct known nk[SCL_READERS_MAX];
	size_t nn = 0, i, j, nnew = 0;
	LONG rv;

	if ((rv = list_names(mon->ctx, names, &nn)) != SCARD_S_SUCCESS)
		return rv;
	memset(rs, 0, sizeof(rs));
	for (i = 0; i < nn; i++) {
		rs[i].szReader = names[i];
		rs[i].dwCurrentState = SCARD_STATE_UNAWARE;
	}
	if (nn > 0) {
		rv = SCardGetStatusChange(mon->ctx, 0, rs, (DWORD)nn);
		if (rv != SCARD_S_SUCCESS && rv != (LONG)SCARD_E_TIMEOUT)
			return rv;
	}
	/* Gone readers: their card first, then the reader. */
	for (j = 0; j < mon->n; j++) {
		int found = 0;

		for (i = 0; i < nn && !found; i++)
			found = strcmp(mon->r[j].name, names[i]) == 0;
		if (found || !emit)
			continue;
		report_removal(mon, &mon->r[j], at);
		push(mon, SCL_EV_READER_REMOVED, mon->r[j].name, NULL, 0, at);
	}
	memset(nk, 0, sizeof(nk));
	for (i = 0; i < nn; i++) {
		struct known *k = &nk[nnew++];
		int found = 0;

		for (j = 0; j < mon->n && !found; j++) {
			if (strcmp(mon->r[j].name, names[i]) == 0) {
				*k = mon->r[j];
				found = 1;
			}
		}
		if (!found) {
			memcpy(k->name, names[i], strlen(names[i]) + 1);
			if (emit)
				push(mon, SCL_EV_READER_ADDED, k->name, NULL,
				    0, at);
		}
		card_update(mon, k, rs[i].dwEventState & ~(DWORD)
		    SCARD_STATE_CHANGED, rs[i].rgbAtr, rs[i].cbAtr, emit, at);
	}
	memcpy(mon->r, nk, sizeof(nk));
	mon->n = nnew;
	return SCARD_S_SUCCESS;
}

static void
service_lost(struct scl_monitor *mon, int emit, uint64_t at)
{
	size_t j;

	pthread_mutex_lock(&mon->m);
	if (mon->have_ctx)
		SCardReleaseContext(mon->ctx);
	mon->have_ctx = 0;
	pthread_mutex_unlock(&mon->m);
	if (emit && mon->service_up) {
		push(mon, SCL_EV_SERVICE_DOWN, NULL, NULL, 0, at);
		for (j = 0; j < mon->n; j++) {
			report_removal(mon, &mon->r[j], at);
			push(mon, SCL_EV_READER_REMOVED, mon->r[j].name, NULL,
			    0, at);
		}
	}
	mon->n = 0;
	mon->service_up = 0;
	mon->retry_at = scl_mono_ms() + mon->backoff_ms;
}

/* Try to (re)connect to pcscd; returns 1 when the service is up. */
static int
service_try(struct scl_monitor *mon, int emit)
{
	SCARDCONTEXT ctx;
	uint64_t at;
	LONG rv;

	if (mon->have_ctx)
		return 1;
	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) !=
	    SCARD_S_SUCCESS) {
		mon->retry_at = scl_mono_ms() + mon->backoff_ms;
		if (mon->backoff_ms < BACKOFF_MAX_MS)
			mon->backoff_ms *= 2;
		if (mon->backoff_ms > BACKOFF_MAX_MS)
			mon->backoff_ms = BACKOFF_MAX_MS;
		mon->service_up = 0;
		return 0;
	}
	pthread_mutex_lock(&mon->m);
	mon->ctx = ctx;
	mon->have_ctx = 1;
	pthread_mutex_unlock(&mon->m);
	mon->backoff_ms = BACKOFF_MIN_MS;
	at = scl_mono_ms();
	if (emit && !mon->service_up)
		push(mon, SCL_EV_SERVICE_UP, NULL, NULL, 0, at);
	mon->service_up = 1;
	rv = refresh_readers(mon, emit, at);
	if (rv != SCARD_S_SUCCESS) {
		service_lost(mon, emit, scl_mono_ms());
		return 0;
	}
	return 1;
}

static void
take_baseline(struct scl_monitor *mon)
{
	if (mon->baseline)
		return;
	mon->baseline = 1;
	(void)service_try(mon, 0);
}

int
scl_monitor_snapshot(struct scl_monitor *mon, struct scl_reader_info *ret_r,
    size_t cap, size_t *ret_n)
{
	size_t i, n;
	int r = SCL_ERR_INVALID_ARGUMENT;

	if (mon == NULL || ret_n == NULL || (cap > 0 && ret_r == NULL))
		goto out;
	take_baseline(mon);
	r = SCL_ERR_NO_SERVICE;
	if (!mon->service_up)
		goto out;
	n = mon->n < cap ? mon->n : cap;
	for (i = 0; i < n; i++) {
		memset(&ret_r[i], 0, sizeof(ret_r[i]));
		memcpy(ret_r[i].name, mon->r[i].name, sizeof(ret_r[i].name));
		ret_r[i].card_present = mon->r[i].present;
		memcpy(ret_r[i].atr, mon->r[i].atr, mon->r[i].atr_len);
		ret_r[i].atr_len = mon->r[i].atr_len;
	}
	*ret_n = n;
	r = 0;
out:
	return r;
}

/* Report debounced removals that are due; next due time in *ret_next. */
static void
debounce_due(struct scl_monitor *mon, uint64_t now, uint64_t *ret_next)
{
	size_t j;

	for (j = 0; j < mon->n; j++) {
		struct known *k = &mon->r[j];
		uint64_t due;

		if (!k->pending)
			continue;
		due = k->pending_at + mon->debounce_ms;
		if (now >= due)
			report_removal(mon, k, now);
		else if (due < *ret_next)
			*ret_next = due;
	}
}

/*
 * One round: re-read the current state (this closes the window between
 * two rounds, where pcsc-lite's PnP reader count would miss a reader),
 * then one SCardGetStatusChange of at most wait_ms from that state.
 */
static LONG
watch(struct scl_monitor *mon, DWORD wait_ms)
{
	SCARD_READERSTATE rs[SCL_READERS_MAX + 1];
	size_t i, n;
	uint64_t at;
	LONG rv;
	int relist = 0;

	if ((rv = refresh_readers(mon, 1, scl_mono_ms())) != SCARD_S_SUCCESS)
		return rv;
	if (mon->qlen > 0)
		return SCARD_S_SUCCESS;
	n = mon->n;
	memset(rs, 0, sizeof(rs));
	for (i = 0; i < n; i++) {
		rs[i].szReader = mon->r[i].name;
		rs[i].dwCurrentState = mon->r[i].state;
	}
	rs[n].szReader = PNP_READER;
	rs[n].dwCurrentState = mon->pnp_state;
	pthread_mutex_lock(&mon->m);
	if (atomic_load(&mon->cancelled)) {
		pthread_mutex_unlock(&mon->m);
		return SCARD_E_CANCELLED;
	}
	mon->in_gsc = 1;
	pthread_mutex_unlock(&mon->m);
	rv = SCardGetStatusChange(mon->ctx, wait_ms, rs, (DWORD)n + 1);
	pthread_mutex_lock(&mon->m);
	mon->in_gsc = 0;
	pthread_mutex_unlock(&mon->m);
	if (rv != SCARD_S_SUCCESS)
		return rv;
	at = scl_mono_ms();
	mon->pnp_state = rs[n].dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
	if (rs[n].dwEventState & SCARD_STATE_CHANGED)
		relist = 1;
	for (i = 0; i < n && !relist; i++) {
		DWORD st = rs[i].dwEventState;

		if (!(st & SCARD_STATE_CHANGED))
			continue;
		if (st & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE |
		    SCARD_STATE_UNAVAILABLE)) {
			relist = 1;
			break;
		}
		card_update(mon, &mon->r[i], st & ~(DWORD)SCARD_STATE_CHANGED,
		    rs[i].rgbAtr, rs[i].cbAtr, 1, at);
	}
	if (relist)
		return refresh_readers(mon, 1, at);
	return SCARD_S_SUCCESS;
}

static int
pop(struct scl_monitor *mon, struct scl_event *ret_ev)
{
	if (mon->qlen == 0)
		return 0;
	*ret_ev = mon->q[mon->qhead];
	mon->qhead = (mon->qhead + 1) % QUEUE_MAX;
	mon->qlen--;
	return 1;
}

static void
sleep_until(struct scl_monitor *mon, uint64_t until)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(until / 1000u);
	ts.tv_nsec = (long)(until % 1000u) * 1000000L;
	pthread_mutex_lock(&mon->m);
	while (!atomic_load(&mon->cancelled) && scl_mono_ms() < until)
		if (pthread_cond_timedwait(&mon->cv, &mon->m, &ts) ==
		    ETIMEDOUT)
			break;
	pthread_mutex_unlock(&mon->m);
}

int
scl_monitor_wait(struct scl_monitor *mon, int timeout_ms,
    struct scl_event *ret_ev)
{
	uint64_t start = scl_mono_ms(), deadline;
	int r = SCL_ERR_INTERNAL, polled = 0, spins = 0;

	if (mon == NULL || ret_ev == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	deadline = timeout_ms < 0 ? UINT64_MAX : start + (uint64_t)timeout_ms;
	take_baseline(mon);
	for (;;) {
		uint64_t now = scl_mono_ms(), next = deadline;
		LONG rv;
		uint64_t t0;

		if (atomic_exchange(&mon->cancelled, 0)) {
			r = SCL_ERR_CANCELLED;
			goto out;
		}
		if (pop(mon, ret_ev)) {
			r = 0;
			goto out;
		}
		debounce_due(mon, now, &next);
		if (mon->qlen > 0)
			continue;
		if (now >= deadline && polled) {
			r = SCL_ERR_TIMEOUT;
			goto out;
		}
		polled = 1;
		if (!mon->have_ctx) {
			if (now < mon->retry_at) {
				sleep_until(mon, mon->retry_at < next ?
				    mon->retry_at : next);
				continue;
			}
			(void)service_try(mon, 1);
			continue;
		}
		if (next < now)
			next = now;
		if (next - now > CHUNK_MS)
			next = now + CHUNK_MS;
		t0 = scl_mono_ms();
		rv = watch(mon, (DWORD)(next - now));
		if (rv == SCARD_S_SUCCESS && mon->qlen == 0 &&
		    scl_mono_ms() - t0 < 2 && next > now) {
			/* pcscd answered at once with nothing for us: never
			 * let that turn into a busy loop. */
			if (++spins > 8)
				sleep_until(mon, scl_mono_ms() + 20);
		} else {
			spins = 0;
		}
		if (rv == SCARD_S_SUCCESS || rv == (LONG)SCARD_E_TIMEOUT ||
		    rv == (LONG)SCARD_E_CANCELLED)
			continue;
		if (rv == (LONG)SCARD_E_UNKNOWN_READER) {
			if ((rv = refresh_readers(mon, 1, scl_mono_ms())) ==
			    SCARD_S_SUCCESS)
				continue;
		}
		scl_debug("%s: SCardGetStatusChange: 0x%lx", __func__,
		    (unsigned long)rv);
		/* Anything else: treat the service as gone, retry later. */
		service_lost(mon, 1, scl_mono_ms());
		if (!scl_pcsc_dead_service(rv))
			mon->retry_at = scl_mono_ms() + BACKOFF_MAX_MS;
	}
out:
	return r;
}
