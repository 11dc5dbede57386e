/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_FAKE_FEED_H
#define SCL_FAKE_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

/*
 * A fake transport for fuzz targets (no cmocka): every transmit() ignores
 * the command and answers with the next response taken from the fuzz
 * input, encoded as a 2-byte big-endian length followed by that many bytes
 * (clipped to what is left and to the caller's capacity).  When the input
 * is exhausted transmit() fails with SCL_ERR_TRANSMIT, so any card-driven
 * loop ends.  begin()/end() succeed.  The input is not copied: it must
 * outlive the transport.
 */
struct fake_feed {
	struct scl_transport t;
	const uint8_t *p;
	size_t len;
	unsigned transmits;
};

void fake_feed_init(struct fake_feed *ff, const uint8_t *data, size_t len,
    unsigned flags);

#endif
