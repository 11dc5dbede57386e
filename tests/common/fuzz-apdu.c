/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * APDU response handling against a transport fed from the input.  Input:
 *   byte 0: flags (bit 0 extended, bit 1 trace), byte 1: INS,
 *   bytes 2-3: command data length (mod 600), bytes 4-5: Le (mod 65537),
 *   bytes 6-7: response capacity (mod 70000), then the card's responses
 *   as <2-byte length><bytes> records (tests/mock/fake-feed.h).
 * Every exchange must end (the feed runs dry) within the APDU caps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "err.h"
#include "fake-feed.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
sink(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t cmd_data[600];
	struct fake_feed ff;
	struct scl_apdu a;
	uint8_t *resp;
	size_t cap, len = 0;
	uint16_t sw = 0;
	int r;

	if (size < 8)
		return 0;
	memset(cmd_data, 0x31, sizeof(cmd_data));
	memset(&a, 0, sizeof(a));
	a.ins = data[1];
	a.data_len = ((size_t)data[2] << 8 | data[3]) % sizeof(cmd_data);
	a.data = cmd_data;
	a.le = ((size_t)data[4] << 8 | data[5]) % 65537;
	cap = ((size_t)data[6] << 8 | data[7]) % 70000;
	if ((resp = malloc(cap ? cap : 1)) == NULL)
		return 0;
	fake_feed_init(&ff, data + 8, size - 8,
	    data[0] & 1 ? SCL_TRANSPORT_EXTENDED : 0);
	ff.t.trace = data[0] & 2;
	if (data[0] & 2)
		scl_log_set_handler(sink, NULL);
	r = scl_apdu_transmit(&ff.t, &a, resp, cap, &len, &sw);
	scl_log_set_handler(NULL, NULL);
	if (r == 0 && len > cap)
		abort();
	/* 1 command (+ chain pieces) + 6Cxx retry + GET RESPONSE cap */
	if (ff.transmits > 3 + 1 + 1 + SCL_APDU_MAX_GET_RESPONSE)
		abort();
	if (r == 0) {
		int tries = -1;

		(void)scl_apdu_sw_to_err(sw, &tries);
		(void)scl_apdu_sw_name(sw);
	}
	free(resp);
	return 0;
}
