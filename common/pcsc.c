/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include "deadline.h"
#include "err.h"
#include "log.h"
#include "pcsc.h"

#define LIST_RETRIES 3
#define LIST_MAX (64u * 1024u)
#define TRANSMIT_LIMIT_MS 120000	/* default: on-card RSA key generation */
#define BEGIN_LIMIT_MS 6000	/* > the 5 s idle limit of our own holders */
#define CLOSE_GRACE_MS 500	/* end / disconnect after the deadline */
#define SHORT_APDU_RESP 258

struct scl_pcsc {
	SCARDCONTEXT ctx;
	int valid;
};

enum card_op {
	OP_NONE,
	OP_CONNECT,
	OP_BEGIN,
	OP_END,
	OP_TRANSMIT,
	OP_DISCONNECT,
};

/*
 * Every PC/SC call on a card runs in the card's own thread, so a call that
 * pcsc-lite lets block without bound (SCardConnect or SCardBeginTransaction
 * while another client holds a transaction, PCSC#254) cannot hang the
 * caller: the caller waits with a deadline and, on expiry, abandons the
 * card to the thread, which frees it when the call finally returns.  The
 * same thread is the transaction idle watchdog.
 */
struct scl_card {
	pthread_mutex_t m;
	pthread_cond_t cv;		/* request posted / finished */
	pthread_t thread;
	int thread_started;

	SCARDCONTEXT ctx;
	SCARDHANDLE h;
	DWORD proto;
	int connected;
	char reader[SCL_READER_NAME_MAX];
	uint8_t atr[SCL_ATR_MAX];	/* written by the connect, then fixed */
	size_t atr_len;

	/* request, guarded by m */
	enum card_op op;
	int busy;			/* thread is executing op */
	int done;
	LONG rv;
	DWORD disposition;
	const uint8_t *cmd;
	size_t cmd_len;
	uint8_t *resp;
	DWORD resp_len;

	int in_tx;
	int reset_pending;		/* watchdog reset not yet reported */
	int broken;			/* a call was abandoned: unusable */
	int quit;
	int abandoned;			/* thread owns and frees the card */
	uint64_t last_apdu_ms;
	int transmit_limit_ms;		/* bound of one APDU exchange */
	uint64_t due_ms;		/* the caller's deadline, 0 none */

	struct scl_transport t;

	/*
	 * The APDU and its answer live here, not in the caller's buffers:
	 * a transmit abandoned on timeout is still inside pcsc-lite, which
	 * reads the command and writes the answer whenever it returns, long
	 * after the caller freed its buffers.  Wiped after each exchange and
	 * when the card is freed (the command may carry a PIN).
	 */
	uint8_t io_cmd[65544];
	uint8_t io_resp[65538];
};

static void
deadline_ts(uint64_t ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ms / 1000u);
	ts->tv_nsec = (long)(ms % 1000u) * 1000000L;
}

static int
map_rv(LONG rv)
{
	switch (rv) {
	case SCARD_S_SUCCESS:
		return 0;
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
	case SCARD_F_COMM_ERROR:
	case SCARD_E_INVALID_HANDLE:
		return SCL_ERR_NO_SERVICE;
	case SCARD_E_NO_READERS_AVAILABLE:
		return SCL_ERR_NO_READER;
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_READER_UNAVAILABLE:
		return SCL_ERR_READER_GONE;
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_REMOVED_CARD:
		return SCL_ERR_CARD_REMOVED;
	case SCARD_W_RESET_CARD:
		return SCL_ERR_CARD_RESET;
	case SCARD_E_SHARING_VIOLATION:
		return SCL_ERR_SHARING;
	case SCARD_E_TIMEOUT:
		return SCL_ERR_TIMEOUT;
	case SCARD_E_CANCELLED:
		return SCL_ERR_CANCELLED;
	case SCARD_E_NO_MEMORY:
		return SCL_ERR_NOMEM;
	default:
		return SCL_ERR_TRANSMIT;
	}
}

int
scl_pcsc_open(struct scl_pcsc **ret_ctx)
{
	struct scl_pcsc *p = NULL;
	SCARDCONTEXT ctx;
	LONG rv;
	int r = SCL_ERR_INTERNAL;

	if (ret_ctx == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) {
		scl_debug("%s: SCardEstablishContext: 0x%lx", __func__,
		    (unsigned long)rv);
		r = rv == SCARD_E_NO_MEMORY ? SCL_ERR_NOMEM : SCL_ERR_NO_SERVICE;
		goto out;
	}
	p->ctx = ctx;
	p->valid = 1;
	*ret_ctx = p;
	p = NULL;
	r = 0;
out:
	free(p);
	return r;
}

void
scl_pcsc_free(struct scl_pcsc **ctxp)
{
	struct scl_pcsc *p;

	if (ctxp == NULL || (p = *ctxp) == NULL)
		return;
	*ctxp = NULL;
	if (p->valid)
		SCardReleaseContext(p->ctx);
	free(p);
}

/* A context outlives a pcscd restart only as a dead handle: renew it. */
static int
renew(struct scl_pcsc *p)
{
	SCARDCONTEXT ctx;

	if (p->valid) {
		SCardReleaseContext(p->ctx);
		p->valid = 0;
	}
	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) !=
	    SCARD_S_SUCCESS)
		return SCL_ERR_NO_SERVICE;
	p->ctx = ctx;
	p->valid = 1;
	return 0;
}

int
scl_pcsc_dead_service(long rv)
{
	return rv == (LONG)SCARD_E_NO_SERVICE ||
	    rv == (LONG)SCARD_E_SERVICE_STOPPED ||
	    rv == (LONG)SCARD_E_INVALID_HANDLE ||
	    rv == (LONG)SCARD_F_COMM_ERROR;
}

/*
 * Read the reader multi-string into buf (cap bytes): checked for length, a
 * final double NUL, and capped at SCL_READERS_MAX names.  Names longer
 * than SCL_READER_NAME_MAX - 1 are skipped (they could not be connected
 * to by a truncated name).
 */
static int
list_names(struct scl_pcsc *p, char names[][SCL_READER_NAME_MAX],
    size_t *ret_n)
{
	char *buf = NULL;
	DWORD len = 0;
	LONG rv = SCARD_S_SUCCESS;
	int r = SCL_ERR_INTERNAL, tries;

	if (!p->valid && renew(p) != 0) {
		r = SCL_ERR_NO_SERVICE;
		goto out;
	}
	for (tries = 0; tries < LIST_RETRIES; tries++) {
		len = 0;
		rv = SCardListReaders(p->ctx, NULL, NULL, &len);
		if (scl_pcsc_dead_service(rv) && tries == 0 && renew(p) == 0)
			rv = SCardListReaders(p->ctx, NULL, NULL, &len);
		if (rv == (LONG)SCARD_E_NO_READERS_AVAILABLE) {
			*ret_n = 0;
			r = 0;
			goto out;
		}
		if (rv != SCARD_S_SUCCESS)
			break;
		if (len == 0 || len > LIST_MAX) {
			r = SCL_ERR_TOO_LARGE;
			goto out;
		}
		free(buf);
		if ((buf = malloc(len)) == NULL) {
			r = SCL_ERR_NOMEM;
			goto out;
		}
		rv = SCardListReaders(p->ctx, NULL, buf, &len);
		if (rv != (LONG)SCARD_E_INSUFFICIENT_BUFFER)
			break;
	}
	if (rv == (LONG)SCARD_E_NO_READERS_AVAILABLE) {
		*ret_n = 0;
		r = 0;
		goto out;
	}
	if (rv != SCARD_S_SUCCESS) {
		r = scl_pcsc_dead_service(rv) ? SCL_ERR_NO_SERVICE : map_rv(rv);
		if (scl_pcsc_dead_service(rv) && p->valid) {
			SCardReleaseContext(p->ctx);
			p->valid = 0;
		}
		goto out;
	}
	r = scl_pcsc_split_readers(buf, len, names, ret_n);
out:
	free(buf);
	return r;
}

int
scl_pcsc_split_readers(const char *buf, size_t len,
    char names[][SCL_READER_NAME_MAX], size_t *ret_n)
{
	size_t n = 0, off;
	int r = SCL_ERR_TRUNCATED;

	/* "a\0b\0\0": at least the terminating double NUL. */
	if (buf == NULL || len < 1 || buf[len - 1] != '\0' ||
	    (len >= 2 && buf[len - 2] != '\0'))
		goto out;
	for (off = 0; off < len && buf[off] != '\0';) {
		size_t l = strnlen(buf + off, len - off);

		if (l < SCL_READER_NAME_MAX && n < SCL_READERS_MAX) {
			memcpy(names[n], buf + off, l + 1);
			n++;
		}
		off += l + 1;
	}
	*ret_n = n;
	r = 0;
out:
	return r;
}

int
scl_pcsc_list_readers(struct scl_pcsc *ctx, struct scl_reader_info *ret_r,
    size_t cap, size_t *ret_n)
{
	char names[SCL_READERS_MAX][SCL_READER_NAME_MAX];
	SCARD_READERSTATE rs[SCL_READERS_MAX];
	size_t n = 0, i;
	LONG rv;
	int r = SCL_ERR_INTERNAL;

	if (ctx == NULL || ret_n == NULL || (cap > 0 && ret_r == NULL)) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = list_names(ctx, names, &n)) != 0)
		goto out;
	if (n > cap)
		n = cap;
	if (n == 0) {
		*ret_n = 0;
		r = 0;
		goto out;
	}
	memset(rs, 0, sizeof(rs));
	for (i = 0; i < n; i++) {
		rs[i].szReader = names[i];
		rs[i].dwCurrentState = SCARD_STATE_UNAWARE;
	}
	rv = SCardGetStatusChange(ctx->ctx, 0, rs, (DWORD)n);
	if (rv != SCARD_S_SUCCESS && rv != (LONG)SCARD_E_TIMEOUT) {
		r = map_rv(rv);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct scl_reader_info *ri = &ret_r[i];
		size_t al = rs[i].cbAtr;

		memset(ri, 0, sizeof(*ri));
		memcpy(ri->name, names[i], sizeof(ri->name));
		ri->card_present = (rs[i].dwEventState & SCARD_STATE_PRESENT) &&
		    !(rs[i].dwEventState & SCARD_STATE_MUTE);
		if (ri->card_present && al <= SCL_ATR_MAX &&
		    al <= sizeof(rs[i].rgbAtr)) {
			memcpy(ri->atr, rs[i].rgbAtr, al);
			ri->atr_len = al;
		}
	}
	*ret_n = n;
	r = 0;
out:
	return r;
}

/* Card thread. */

static void
card_release_pcsc(struct scl_card *c)
{
	if (c->connected) {
		SCardDisconnect(c->h, c->disposition);
		c->connected = 0;
	}
	if (c->ctx != 0) {
		SCardReleaseContext(c->ctx);
		c->ctx = 0;
	}
}

static void
card_destroy(struct scl_card *c)
{
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->m);
	explicit_bzero(c->io_cmd, sizeof(c->io_cmd));
	explicit_bzero(c->io_resp, sizeof(c->io_resp));
	free(c);
}

/*
 * pcscd answers a call on a handle whose reader was unplugged (and removed)
 * with SCARD_E_INVALID_VALUE (RFReaderInfoById fails): tell that apart from
 * a real invalid value by asking for the reader.  Card thread only.
 */
static LONG
handle_lost(struct scl_card *c, LONG rv)
{
	SCARD_READERSTATE rs;
	LONG st;

	if (rv != (LONG)SCARD_E_INVALID_VALUE &&
	    rv != (LONG)SCARD_E_INVALID_HANDLE)
		return rv;
	memset(&rs, 0, sizeof(rs));
	rs.szReader = c->reader;
	rs.dwCurrentState = SCARD_STATE_UNAWARE;
	st = SCardGetStatusChange(c->ctx, 0, &rs, 1);
	if (st == (LONG)SCARD_E_UNKNOWN_READER || (st == SCARD_S_SUCCESS &&
	    (rs.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE |
	    SCARD_STATE_UNAVAILABLE))))
		return SCARD_E_READER_UNAVAILABLE;
	if (st == SCARD_S_SUCCESS && !(rs.dwEventState & SCARD_STATE_PRESENT))
		return SCARD_W_REMOVED_CARD;
	return rv;
}

/* The connected card's ATR; none (length 0) when SCardStatus fails. */
static void
read_atr(struct scl_card *c)
{
	char name[SCL_READER_NAME_MAX];
	BYTE atr[MAX_ATR_SIZE];
	DWORD name_len = sizeof(name), state = 0, proto = 0,
	    atr_len = sizeof(atr);

	c->atr_len = 0;
	if (SCardStatus(c->h, name, &name_len, &state, &proto, atr,
	    &atr_len) == SCARD_S_SUCCESS && atr_len <= sizeof(c->atr) &&
	    atr_len <= sizeof(atr)) {
		memcpy(c->atr, atr, atr_len);
		c->atr_len = atr_len;
	}
}

static LONG
run_op(struct scl_card *c, enum card_op op)
{
	LONG rv = SCARD_E_INVALID_PARAMETER;
	const SCARD_IO_REQUEST *pci;
	DWORD len;

	switch (op) {
	case OP_CONNECT:
		rv = SCardConnect(c->ctx, c->reader, SCARD_SHARE_SHARED,
		    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &c->h, &c->proto);
		if (rv == SCARD_S_SUCCESS) {
			c->connected = 1;
			read_atr(c);
		}
		break;
	case OP_BEGIN:
		rv = SCardBeginTransaction(c->h);
		if (rv == (LONG)SCARD_W_RESET_CARD) {
			DWORD proto = 0;

			/* Reset by another client before our session began:
			 * nothing of ours was lost; take the card again. */
			if (SCardReconnect(c->h, SCARD_SHARE_SHARED,
			    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			    SCARD_LEAVE_CARD, &proto) == SCARD_S_SUCCESS) {
				c->proto = proto;
				rv = SCardBeginTransaction(c->h);
			}
		}
		break;
	case OP_END:
		rv = SCardEndTransaction(c->h, c->disposition);
		break;
	case OP_TRANSMIT:
		pci = c->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 :
		    SCARD_PCI_T1;
		len = c->resp_len;
		rv = SCardTransmit(c->h, pci, c->cmd, (DWORD)c->cmd_len, NULL,
		    c->resp, &len);
		if (rv == (LONG)SCARD_W_RESET_CARD) {
			DWORD proto = 0;

			/* Someone reset it: get a usable handle back. */
			if (SCardReconnect(c->h, SCARD_SHARE_SHARED,
			    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			    SCARD_LEAVE_CARD, &proto) == SCARD_S_SUCCESS)
				c->proto = proto;
		}
		c->resp_len = len;
		break;
	case OP_DISCONNECT:
		if (c->connected) {
			rv = SCardDisconnect(c->h, c->disposition);
			c->connected = 0;
		}
		break;
	case OP_NONE:
		break;
	}
	if (rv != SCARD_S_SUCCESS && (op == OP_TRANSMIT || op == OP_BEGIN ||
	    op == OP_END))
		rv = handle_lost(c, rv);
	return rv;
}

/* pcsc-lite flags our own handle as reset too: clear that, report once. */
static void
reset_idle(struct scl_card *c)
{
	DWORD proto = 0;

	SCardEndTransaction(c->h, SCARD_RESET_CARD);
	if (SCardReconnect(c->h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 |
	    SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &proto) == SCARD_S_SUCCESS)
		c->proto = proto;
}

static void *
card_thread(void *arg)
{
	struct scl_card *c = arg;
	int destroy = 0;

	pthread_mutex_lock(&c->m);
	for (;;) {
		if (c->op != OP_NONE) {
			enum card_op op = c->op;
			LONG rv;

			c->op = OP_NONE;
			if (op == OP_TRANSMIT && c->reset_pending) {
				/* The watchdog reset the card: report it before
				 * anything runs on the fresh card state. */
				c->reset_pending = 0;
				c->rv = SCARD_W_RESET_CARD;
				c->done = 1;
				pthread_cond_broadcast(&c->cv);
				continue;
			}
			c->busy = 1;
			pthread_mutex_unlock(&c->m);
			rv = run_op(c, op);
			pthread_mutex_lock(&c->m);
			c->busy = 0;
			c->rv = rv;
			c->done = 1;
			if (op == OP_TRANSMIT || op == OP_BEGIN)
				c->last_apdu_ms = scl_mono_ms();
			if (op == OP_BEGIN && rv == SCARD_S_SUCCESS)
				c->in_tx = 1;
			if (op == OP_END || op == OP_DISCONNECT)
				c->in_tx = 0;
			pthread_cond_broadcast(&c->cv);
			continue;
		}
		if (c->quit || c->abandoned) {
			destroy = c->abandoned;
			break;
		}
		if (c->in_tx) {
			uint64_t due = c->last_apdu_ms + SCL_TX_IDLE_LIMIT_MS;
			struct timespec ts;

			if (scl_mono_ms() >= due) {
				/* Windows' rule: an idle transaction ends in
				 * a reset, so no PIN state outlives it. */
				c->in_tx = 0;
				c->reset_pending = 1;
				pthread_mutex_unlock(&c->m);
				reset_idle(c);
				pthread_mutex_lock(&c->m);
				scl_debug("%s: idle transaction reset",
				    __func__);
				continue;
			}
			deadline_ts(due, &ts);
			pthread_cond_timedwait(&c->cv, &c->m, &ts);
		} else {
			pthread_cond_wait(&c->cv, &c->m);
		}
	}
	pthread_mutex_unlock(&c->m);
	if (destroy) {
		card_release_pcsc(c);
		card_destroy(c);
	}
	return NULL;
}

/*
 * Post op to the card thread and wait at most limit_ms, cut to the card's
 * deadline (end and disconnect get at least CLOSE_GRACE_MS after it).  On
 * expiry the card is marked broken (the call is still blocked inside
 * pcsc-lite) and SCL_ERR_TIMEOUT is returned, or SCL_ERR_DEADLINE when the
 * deadline cut it.  A deadline already passed is SCL_ERR_DEADLINE with
 * nothing posted (the card stays usable).  Called without c->m held.
 */
static int
card_call(struct scl_card *c, enum card_op op, int limit_ms, LONG *ret_rv)
{
	struct timespec ts;
	uint64_t due;
	int r = SCL_ERR_INTERNAL, limit, by_deadline;

	pthread_mutex_lock(&c->m);
	if (c->broken) {
		r = SCL_ERR_CARD_NO_ANSWER;	/* an earlier call never returned */
		goto out;
	}
	limit = scl_deadline_clip(c->due_ms, limit_ms);
	if ((op == OP_END || op == OP_DISCONNECT) && limit < CLOSE_GRACE_MS)
		limit = limit_ms < CLOSE_GRACE_MS ? limit_ms : CLOSE_GRACE_MS;
	by_deadline = limit < limit_ms;
	if (limit == 0 && by_deadline) {
		r = SCL_ERR_DEADLINE;
		goto out;
	}
	due = scl_mono_ms() + (uint64_t)limit;
	c->op = op;
	c->done = 0;
	pthread_cond_broadcast(&c->cv);
	deadline_ts(due, &ts);
	while (!c->done) {
		if (pthread_cond_timedwait(&c->cv, &c->m, &ts) == ETIMEDOUT &&
		    !c->done) {
			c->broken = 1;
			r = by_deadline ? SCL_ERR_DEADLINE : SCL_ERR_TIMEOUT;
			goto out;
		}
	}
	*ret_rv = c->rv;
	r = 0;
out:
	pthread_mutex_unlock(&c->m);
	return r;
}

static int
card_transmit(void *h, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
    size_t *resp_len)
{
	struct scl_card *c = h;
	LONG rv;
	int r = SCL_ERR_INTERNAL, owned = 0;

	if (c == NULL || cmd == NULL || resp == NULL || resp_len == NULL ||
	    cmd_len == 0 || cmd_len > sizeof(c->io_cmd) || *resp_len < 2) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	pthread_mutex_lock(&c->m);
	if (c->broken) {
		/* The thread may still use io_*: do not touch them. */
		pthread_mutex_unlock(&c->m);
		r = SCL_ERR_CARD_NO_ANSWER;
		goto out;
	}
	owned = 1;
	memcpy(c->io_cmd, cmd, cmd_len);
	c->cmd = c->io_cmd;
	c->cmd_len = cmd_len;
	c->resp = c->io_resp;
	c->resp_len = *resp_len > sizeof(c->io_resp) ?
	    (DWORD)sizeof(c->io_resp) : (DWORD)*resp_len;
	pthread_mutex_unlock(&c->m);
	if ((r = card_call(c, OP_TRANSMIT, c->transmit_limit_ms, &rv)) != 0) {
		pthread_mutex_lock(&c->m);
		if (c->broken)
			owned = 0;	/* abandoned to the thread */
		pthread_mutex_unlock(&c->m);
		if (r == SCL_ERR_TIMEOUT)
			r = SCL_ERR_CARD_NO_ANSWER;
		goto out;
	}
	if (rv != SCARD_S_SUCCESS) {
		r = map_rv(rv);
		goto out;
	}
	if (c->resp_len < 2 || c->resp_len > *resp_len ||
	    c->resp_len > sizeof(c->io_resp)) {
		r = SCL_ERR_TRANSMIT;
		goto out;
	}
	memcpy(resp, c->io_resp, c->resp_len);
	*resp_len = c->resp_len;
	r = 0;
out:
	if (owned) {
		explicit_bzero(c->io_cmd, cmd_len);
		explicit_bzero(c->io_resp, sizeof(c->io_resp));
	}
	return r;
}

static int
card_begin(void *h)
{
	return scl_card_begin(h);
}

static int
card_end(void *h, int reset)
{
	return scl_card_end(h, reset);
}

static const struct scl_transport_ops card_ops = {
	.transmit = card_transmit,
	.begin = card_begin,
	.end = card_end,
};

/*
 * Wait (bounded) until the reader shows a card that no one holds
 * exclusively.  pcsc-lite does not show a held transaction here; the
 * SCardConnect deadline in the card thread covers that.
 */
static int
wait_card(SCARDCONTEXT ctx, const char *reader, uint64_t due)
{
	SCARD_READERSTATE rs;
	LONG rv;
	int r = SCL_ERR_INTERNAL, rounds;

	memset(&rs, 0, sizeof(rs));
	rs.szReader = reader;
	rs.dwCurrentState = SCARD_STATE_UNAWARE;
	for (rounds = 0; rounds < 64; rounds++) {
		uint64_t now = scl_mono_ms();
		DWORD left = now >= due ? 0 : (DWORD)(due - now);

		rv = SCardGetStatusChange(ctx, rounds == 0 ? 0 : left, &rs, 1);
		if (rv == (LONG)SCARD_E_TIMEOUT) {
			r = SCL_ERR_SHARING;
			goto out;
		}
		if (rv != SCARD_S_SUCCESS) {
			r = map_rv(rv);
			goto out;
		}
		if (rs.dwEventState & (SCARD_STATE_UNKNOWN |
		    SCARD_STATE_IGNORE | SCARD_STATE_UNAVAILABLE)) {
			r = SCL_ERR_READER_GONE;
			goto out;
		}
		if (!(rs.dwEventState & SCARD_STATE_PRESENT) ||
		    (rs.dwEventState & SCARD_STATE_MUTE)) {
			r = SCL_ERR_NO_CARD;
			goto out;
		}
		if (!(rs.dwEventState & SCARD_STATE_EXCLUSIVE)) {
			r = 0;
			goto out;
		}
		if (left == 0) {
			r = SCL_ERR_SHARING;
			goto out;
		}
		rs.dwCurrentState = rs.dwEventState &
		    ~(DWORD)SCARD_STATE_CHANGED;
	}
	r = SCL_ERR_LIMIT;
out:
	return r;
}

int
scl_card_connect(struct scl_pcsc *ctx, const char *reader, int timeout_ms,
    struct scl_card **ret_card)
{
	struct scl_card *c = NULL;
	uint64_t due;
	LONG rv;
	int r = SCL_ERR_INTERNAL, left;

	if (ctx == NULL || reader == NULL || ret_card == NULL ||
	    timeout_ms < 0 || strlen(reader) >= SCL_READER_NAME_MAX) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	due = scl_mono_ms() + (uint64_t)timeout_ms;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	pthread_mutex_init(&c->m, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&c->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	memcpy(c->reader, reader, strlen(reader) + 1);
	/* A context of its own: an abandoned call keeps it blocked. */
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &c->ctx);
	if (rv != SCARD_S_SUCCESS) {
		c->ctx = 0;
		r = rv == SCARD_E_NO_MEMORY ? SCL_ERR_NOMEM : SCL_ERR_NO_SERVICE;
		goto out;
	}
	if ((r = wait_card(c->ctx, reader, due)) != 0)
		goto out;
	if (pthread_create(&c->thread, NULL, card_thread, c) != 0) {
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	c->thread_started = 1;
	left = (int)(due > scl_mono_ms() ? due - scl_mono_ms() : 0);
	/* Let a connect that pcscd answers at once succeed even at 0 ms. */
	if (left < 50)
		left = 50;
	if ((r = card_call(c, OP_CONNECT, left, &rv)) != 0) {
		r = SCL_ERR_SHARING;
		goto out;
	}
	if (rv != SCARD_S_SUCCESS) {
		r = rv == (LONG)SCARD_E_NO_SMARTCARD ||
		    rv == (LONG)SCARD_W_REMOVED_CARD ||
		    rv == (LONG)SCARD_W_UNRESPONSIVE_CARD ||
		    rv == (LONG)SCARD_W_UNPOWERED_CARD ? SCL_ERR_NO_CARD :
		    map_rv(rv);
		goto out;
	}
	c->t.ops = &card_ops;
	c->transmit_limit_ms = TRANSMIT_LIMIT_MS;
	c->t.h = c;
	c->t.flags = 0;
	*ret_card = c;
	c = NULL;
	r = 0;
out:
	/* Leave the card: a late connect must not reset another client's. */
	if (c != NULL)
		scl_card_disconnect(&c, 0);
	return r;
}

int
scl_card_begin(struct scl_card *card)
{
	LONG rv;
	int r = SCL_ERR_INVALID_ARGUMENT;

	if (card == NULL)
		goto out;
	if ((r = card_call(card, OP_BEGIN, BEGIN_LIMIT_MS, &rv)) != 0) {
		if (r == SCL_ERR_TIMEOUT)
			r = SCL_ERR_SHARING;
		goto out;
	}
	r = map_rv(rv);
out:
	return r;
}

int
scl_card_end(struct scl_card *card, int reset)
{
	LONG rv;
	int r = SCL_ERR_INVALID_ARGUMENT, pending, held;

	if (card == NULL)
		goto out;
	pthread_mutex_lock(&card->m);
	held = card->in_tx;
	pending = card->reset_pending;
	card->reset_pending = 0;
	card->disposition = reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD;
	pthread_mutex_unlock(&card->m);
	if (!held) {
		r = pending ? SCL_ERR_CARD_RESET : 0;
		goto out;
	}
	if ((r = card_call(card, OP_END, BEGIN_LIMIT_MS, &rv)) != 0)
		goto out;
	r = rv == (LONG)SCARD_E_NOT_TRANSACTED ? 0 : map_rv(rv);
out:
	return r;
}

struct scl_transport *
scl_card_transport(struct scl_card *card)
{
	return card != NULL ? &card->t : NULL;
}

const char *
scl_card_reader(const struct scl_card *card)
{
	return card != NULL ? card->reader : NULL;
}

const uint8_t *
scl_card_atr(const struct scl_card *card, size_t *ret_len)
{
	const uint8_t *atr = NULL;
	size_t len = 0;

	if (card != NULL && card->atr_len > 0) {
		atr = card->atr;
		len = card->atr_len;
	}
	if (ret_len != NULL)
		*ret_len = len;
	return atr;
}

void
scl_card_disconnect(struct scl_card **cardp, int reset)
{
	struct scl_card *c;
	LONG rv;
	int join = 1;

	if (cardp == NULL || (c = *cardp) == NULL)
		return;
	*cardp = NULL;
	if (!c->thread_started) {
		card_release_pcsc(c);
		card_destroy(c);
		return;
	}
	pthread_mutex_lock(&c->m);
	c->disposition = reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD;
	if (c->broken) {
		/* The thread is stuck in pcsc-lite: it cleans up later. */
		c->abandoned = 1;
		join = 0;
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->m);
	if (!join) {
		pthread_detach(c->thread);
		return;
	}
	if (c->connected)
		(void)card_call(c, OP_DISCONNECT, BEGIN_LIMIT_MS, &rv);
	pthread_mutex_lock(&c->m);
	if (c->broken) {
		c->abandoned = 1;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->m);
		pthread_detach(c->thread);
		return;
	}
	c->quit = 1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->m);
	pthread_join(c->thread, NULL);
	card_release_pcsc(c);
	card_destroy(c);
}

void
scl_card_set_deadline(struct scl_card *card, uint64_t due_ms)
{
	if (card == NULL)
		return;
	pthread_mutex_lock(&card->m);
	card->due_ms = due_ms;
	pthread_mutex_unlock(&card->m);
}

int
scl_card_set_timeout(struct scl_card *card, int timeout_ms)
{
	int r = SCL_ERR_INVALID_ARGUMENT;

	if (card == NULL || timeout_ms <= 0)
		goto out;
	pthread_mutex_lock(&card->m);
	card->transmit_limit_ms = timeout_ms;
	pthread_mutex_unlock(&card->m);
	r = 0;
out:
	return r;
}
