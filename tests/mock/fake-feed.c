/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <string.h>

#include "err.h"
#include "fake-feed.h"

static int
ff_transmit(void *h, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
    size_t *resp_len)
{
	struct fake_feed *ff = h;
	size_t n;

	ff->transmits++;
	if (ff->len < 2)
		return SCL_ERR_TRANSMIT;
	n = (size_t)ff->p[0] << 8 | ff->p[1];
	ff->p += 2;
	ff->len -= 2;
	if (n > ff->len)
		n = ff->len;
	if (n > *resp_len)
		n = *resp_len;
	memcpy(resp, ff->p, n);
	ff->p += n;
	ff->len -= n;
	*resp_len = n;
	return 0;
}

static int
ff_begin(void *h)
{
	return 0;
}

static int
ff_end(void *h, int reset)
{
	return 0;
}

static const struct scl_transport_ops ff_ops = {
	.transmit = ff_transmit,
	.begin = ff_begin,
	.end = ff_end,
};

void
fake_feed_init(struct fake_feed *ff, const uint8_t *data, size_t len,
    unsigned flags)
{
	memset(ff, 0, sizeof(*ff));
	ff->t.ops = &ff_ops;
	ff->t.h = ff;
	ff->t.flags = flags;
	ff->p = data;
	ff->len = data != NULL ? len : 0;
}
