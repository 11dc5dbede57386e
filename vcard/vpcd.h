/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef VC_VPCD_H
#define VC_VPCD_H

#include <stdint.h>

#include "applet.h"

/*
 * The vpcd side of the virtual card: connect to the vsmartcard reader
 * driver's TCP port and serve it.  Each message is a 2-byte big-endian
 * length and a payload; a 1-byte payload is control (0 power off, 1 power
 * on, 2 reset: no answer; 4: answer with the ATR), a longer one a C-APDU
 * (answer with the R-APDU).  When the connection fails or closes, retry
 * with a backoff from 50 ms doubling up to 1 s.  SIGTERM or SIGINT end the
 * loop cleanly (the socket is closed, which pcscd sees as card removal).
 */
#define VC_VPCD_BACKOFF_MIN_MS 50
#define VC_VPCD_BACKOFF_MAX_MS 1000
#define VC_VPCD_MSG_TIMEOUT_MS 5000	/* rest of a message once begun */

struct vc_vpcd_opts {
	const char *host;	/* IPv4 or IPv6 literal or name */
	uint16_t port;
	int verbose;		/* trace APDUs (PIN data redacted) */
	int once;		/* exit when the first connection closes */
};

/* Returns 0 after SIGTERM/SIGINT (or with once), <0 on setup failure. */
int vc_vpcd_run(struct vc_applet *a, const struct vc_vpcd_opts *o);

#endif
