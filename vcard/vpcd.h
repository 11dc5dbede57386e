/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef VC_VPCD_H
#define VC_VPCD_H

#include <stdint.h>

#include "applet.h"

/*
 * The card side of the reader connection, over one of two transports with
 * the same framing (frame.h):
 *  - socket (the default for service use): our reader driver (ifd/) in
 *    pcscd listens on a UNIX socket in a root-only folder; the card
 *    connects and refuses a listener that is not root (or its own euid),
 *    checked with SO_PEERCRED.  socket_path is a socket, or a folder whose
 *    reader<N> sockets (N < VC_SOCKET_SLOTS) are tried in turn: a reader
 *    slot that has a card already closes the connection at once.
 *  - vpcd (rig and interop only): connect to the vsmartcard driver's TCP
 *    port.  That driver listens on every interface without authentication
 *    (its own configuration): whoever connects first fills the reader.
 * When the connection fails or closes, retry with a backoff from 50 ms
 * doubling up to 1 s.  SIGTERM or SIGINT end the loop cleanly (the socket
 * is closed, which pcscd sees as card removal).
 */
#define VC_VPCD_BACKOFF_MIN_MS 50
#define VC_VPCD_BACKOFF_MAX_MS 1000

#define VC_SOCKET_DIR "/run/sclogin/vcard"
#define VC_SOCKET_SLOTS 4

struct vc_vpcd_opts {
	const char *socket_path;	/* NULL: vpcd over TCP */
	const char *host;	/* IPv4 or IPv6 literal or name */
	uint16_t port;
	int verbose;		/* trace APDUs (PIN data redacted) */
	int once;		/* exit when the first connection closes */
};

/* Returns 0 after SIGTERM/SIGINT (or with once), <0 on setup failure. */
int vc_vpcd_run(struct vc_applet *a, const struct vc_vpcd_opts *o);

#endif
