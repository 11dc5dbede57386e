/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_APDU_H
#define SCL_APDU_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

/*
 * ISO/IEC 7816-4 command/response transport over a struct scl_transport.
 * Untrusted input: everything the card sends.  Thread-safety: one caller
 * per transport at a time.
 *
 * scl_apdu_transmit():
 *  - encodes short APDUs, or extended length when data > 255 / le > 256 and
 *    the transport has SCL_TRANSPORT_EXTENDED, else uses command chaining
 *    (CLA bit 0x10) in 255-byte pieces (§5.3.3);
 *  - follows 61xx with GET RESPONSE (00 C0 00 00 xx) at most
 *    SCL_APDU_MAX_GET_RESPONSE times and never past resp_cap;
 *  - a chained piece answered with anything but 9000 ends the exchange:
 *    0 is returned with that SW and *ret_len = 0;
 *  - retries a 6Cxx once with Le = xx (§5.3.4), also for GET RESPONSE;
 *  - le above 256 without SCL_TRANSPORT_EXTENDED is sent as 00 (256) and
 *    the rest is collected through 61xx;
 *  - wipes its encoding buffer on exit (it may hold a PIN) and traces
 *    through the log sink when t->trace, redacting the data of
 *    VERIFY (20), CHANGE REFERENCE DATA (24) and RESET RETRY COUNTER (2C).
 * On return *ret_sw holds the final status word and *ret_len the data bytes
 * written to resp.  Returns 0 whenever a status word was received (any SW;
 * map it with scl_apdu_sw_to_err()), SCL_ERR_CARD_BAD_RESPONSE when the
 * card keeps answering 61xx past the cap or sends a response shorter than
 * 2 bytes, SCL_ERR_TOO_LARGE when its data would pass resp_cap, SCL_ERR_INVALID_ARGUMENT (data_len >
 * 65535, le > 65536, NULL data with data_len, NULL resp with resp_cap) or
 * SCL_ERR_NOMEM (nothing sent), or a transport error.  On failure
 * *ret_len and *ret_sw are untouched but resp may hold partial data.
 * resp == NULL with resp_cap == 0 is fine for commands without response
 * data; any data the card sends then is SCL_ERR_TOO_LARGE.
 * Trace lines ("apdu: > 00A40400...", "apdu: < ...9000") exist only when
 * built with apdu_trace (SCL_APDU_TRACE) and t->trace is set; at most 128
 * bytes of each APDU are shown.
 */
#define SCL_APDU_MAX_GET_RESPONSE 64

struct scl_apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t data_len;	/* up to 65535 */
	size_t le;		/* 0: no response data expected; 256 (short) or
				   65536 (extended) mean "as much as there is" */
};

int scl_apdu_transmit(struct scl_transport *t, const struct scl_apdu *cmd,
    uint8_t *resp, size_t resp_cap, size_t *ret_len, uint16_t *ret_sw);

/*
 * Map a status word to an SCL code: 9000 -> 0, 63Cx (x >= 1) ->
 * SCL_ERR_PIN_WRONG with *ret_tries = x, 63C0 and 6983 ->
 * SCL_ERR_PIN_BLOCKED with *ret_tries = 0, 6300 -> SCL_ERR_PIN_WRONG
 * (tries unknown, not written),
 * 6982 SECURITY_STATUS, 6A82 NO_OBJECT (or NO_APPLET for SELECT, which the
 * caller decides), 6700 WRONG_LENGTH, 6985 CONDITIONS, 6A80
 * INCORRECT_DATA, anything else SW_UNEXPECTED.  ret_tries may be NULL; it
 * is written only for 63Cx/6983.
 */
int scl_apdu_sw_to_err(uint16_t sw, int *ret_tries);

/* Name of a status word from the table ("WRONG_PIN", "FILE_NOT_FOUND"…). */
const char *scl_apdu_sw_name(uint16_t sw);

#endif
