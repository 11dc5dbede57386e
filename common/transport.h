/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_TRANSPORT_H
#define SCL_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The seam between card logic and card I/O.  Two implementations: the
 * PC/SC backend (pcsc.c) and the scripted fake card of the unit tests and
 * fuzzers (tests/mock/fake-card.c).
 *
 * transmit() sends one raw C-APDU and receives one raw R-APDU including SW1
 * SW2.  *resp_len holds the capacity on entry and the length on return.  It
 * must return within the backend's bound: SCL_ERR_TIMEOUT, or
 * SCL_ERR_CARD_REMOVED / SCL_ERR_NO_SERVICE / SCL_ERR_TRANSMIT on failure.
 * begin()/end() bracket a transaction (exclusive access); end() may be
 * asked to reset the card (drops the verified-PIN state).
 */
struct scl_transport_ops {
	int (*transmit)(void *h, const uint8_t *cmd, size_t cmd_len,
	    uint8_t *resp, size_t *resp_len);
	int (*begin)(void *h);
	int (*end)(void *h, int reset);
};

/*
 * SCL_TRANSPORT_EXTENDED: the card takes extended-length APDUs (set by the
 * PIV backend's connect when the ATR says so, extended_apdus = auto).
 * piv.c clears it when the card or reader refuses one (6700, 6D00 or a
 * transmit error): the token stays on short APDUs until disconnect.
 */
#define SCL_TRANSPORT_EXTENDED 0x1

struct scl_transport {
	const struct scl_transport_ops *ops;
	void *h;
	unsigned flags;
	unsigned apdu_count;	/* raw APDUs sent by scl_apdu_transmit() (chain
				   pieces, GET RESPONSE and retries count) */
	int trace;		/* non-zero: trace APDUs (redacted) to the calling
				   thread's log sink; needs -Dapdu_trace=true */
};

#endif
