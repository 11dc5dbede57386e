/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_PCSC_H
#define SCL_PCSC_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

/*
 * PC/SC context and card handles over pcsc-lite.
 *
 * Threading: one scl_pcsc per thread (pcsc-lite contexts are not shared).
 * Every call is bounded: connect uses SCardGetStatusChange with a timeout
 * before SCardConnect so a card held in another client's transaction
 * (PCSC#254) gives SCL_ERR_SHARING instead of a hang.
 */
#define SCL_READERS_MAX 8
#define SCL_READER_NAME_MAX 128
#define SCL_ATR_MAX 33
#define SCL_TX_IDLE_LIMIT_MS 5000	/* Windows' SCardBeginTransaction rule */

struct scl_pcsc;
struct scl_card;

struct scl_reader_info {
	char name[SCL_READER_NAME_MAX];	/* NUL-terminated, checked */
	int card_present;
	uint8_t atr[SCL_ATR_MAX];
	size_t atr_len;
};

/*
 * Establish a context.  pcscd not running is SCL_ERR_NO_SERVICE (not an
 * error storm; the caller may retry later, pcscd may start afterwards).
 */
int scl_pcsc_open(struct scl_pcsc **ret_ctx);
void scl_pcsc_free(struct scl_pcsc **ctxp);

/*
 * Fill up to cap readers (the multi-string is length- and NUL-checked,
 * capped at SCL_READERS_MAX).  No reader is 0 with *ret_n = 0.  A name
 * longer than SCL_READER_NAME_MAX - 1 is left out; a list without its
 * final double NUL is SCL_ERR_TRUNCATED.  When pcscd went away and came
 * back, the context renews itself here (SCL_ERR_NO_SERVICE meanwhile).
 */
int scl_pcsc_list_readers(struct scl_pcsc *ctx, struct scl_reader_info *ret_r,
    size_t cap, size_t *ret_n);

/*
 * Split the reader multi-string buf ("a\0b\0\0", len bytes, untrusted:
 * as SCardListReaders returned it) into names, at most SCL_READERS_MAX.
 * Names longer than SCL_READER_NAME_MAX - 1 are skipped (they could not be
 * connected to by a truncated name).  Returns 0 with *ret_n, or
 * SCL_ERR_TRUNCATED (buf NULL, len 0, or no final double NUL) with *ret_n
 * untouched.  Shared by scl_pcsc_list_readers() and the monitor; pure.
 */
int scl_pcsc_split_readers(const char *buf, size_t len,
    char names[][SCL_READER_NAME_MAX], size_t *ret_n);

/*
 * Whether the PC/SC result rv (a pcsc-lite LONG) says the service or our
 * context is gone (no service, service stopped, invalid handle, comm
 * error): the context must be renewed.  Shared by this and the monitor;
 * pure.
 */
int scl_pcsc_dead_service(long rv);

/*
 * Connect (shared mode, T=0|T=1) to the card in reader, waiting at most
 * timeout_ms for other clients' transactions.  SCL_ERR_NO_CARD,
 * SCL_ERR_SHARING, SCL_ERR_READER_GONE, SCL_ERR_NO_SERVICE.
 */
int scl_card_connect(struct scl_pcsc *ctx, const char *reader, int timeout_ms,
    struct scl_card **ret_card);

/*
 * Begin / end a transaction.  While held, a watchdog releases the
 * transaction and resets the card after SCL_TX_IDLE_LIMIT_MS without an
 * APDU; the next transmit then fails with SCL_ERR_CARD_RESET.  Never hold a
 * transaction across user think time (the PIN prompt).
 * begin waits at most 6 s for another client's transaction (pcsc-lite
 * would wait forever): SCL_ERR_SHARING, and the card handle is then
 * unusable (disconnect it).  end after the watchdog already ended the
 * transaction returns SCL_ERR_CARD_RESET once (the reset not yet reported
 * by a transmit); the transaction is not held afterwards in any case.
 *
 * Implementation note: each connected card has one thread that makes all
 * of its PC/SC calls (so the blocking ones can be bounded) and runs the
 * watchdog.  It is joined by scl_card_disconnect(), except after a call
 * was abandoned at its deadline: then it is detached and frees the card
 * when pcsc-lite returns.  A host that dlclose()s code linking this (a PAM
 * module) should be linked with -Wl,-z,nodelete.
 */
int scl_card_begin(struct scl_card *card);
int scl_card_end(struct scl_card *card, int reset);

/*
 * Bound of one APDU exchange (default 120 s, for on-card RSA key
 * generation).  A card that stops answering makes transmit fail with
 * SCL_ERR_CARD_NO_ANSWER after timeout_ms; the card is then unusable
 * (disconnect it).  Sign-in sets cfg->card_timeout_ms.
 */
int scl_card_set_timeout(struct scl_card *card, int timeout_ms);

/*
 * One deadline (scl_mono_ms() value, deadline.h; 0 = none, the default)
 * for every later call on card: each transmit and begin waits at most
 * until due, whatever its own bound, and fails with SCL_ERR_DEADLINE
 * there (a call cut while the card was working leaves the card unusable,
 * as a timeout does).  End and disconnect still get a short grace after
 * due so the card is left cleanly.
 */
void scl_card_set_deadline(struct scl_card *card, uint64_t due_ms);

/* The transport for apdu.c/piv.c; owned by card, valid until disconnect. */
struct scl_transport *scl_card_transport(struct scl_card *card);

/* Reader name and ATR of a connected card. */
const char *scl_card_reader(const struct scl_card *card);

/*
 * The ATR the connected card answered with (SCardStatus right after the
 * connect, in the card's thread), untrusted: parse it with atr.h.  NULL
 * with *ret_len = 0 when pcsc-lite gave none.  Valid until disconnect;
 * safe to call from the connecting thread after scl_card_connect().
 */
const uint8_t *scl_card_atr(const struct scl_card *card, size_t *ret_len);

/* Disconnect, resetting the card when reset (drops verified PIN state). */
void scl_card_disconnect(struct scl_card **cardp, int reset);

#endif
