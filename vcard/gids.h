/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef VC_GIDS_H
#define VC_GIDS_H

#include <stdbool.h>
#include <stdint.h>

#include "applet.h"
#include "cursor.h"

/*
 * The GIDS card application (Microsoft Generic Identity Device
 * Specification, as OpenSC's GIDS driver and the Windows minidriver use
 * it), presented by cards whose state says `applet gids`.  Read-only: the
 * card is personalised with sclogin-vcard (keys and certificates in the
 * PIV slots 9A 9C 9D 9E); GIDS sees each RSA 2048 key that has a
 * certificate as one signature container, in that slot order, key
 * reference 81 + container.
 *
 *   SELECT by DF name A0 00 00 03 97 42 54 46 59 (answers the FCI with the
 *     application template), SELECT 3FFF;
 *   GET DATA <EF> 5C 02 <DO>: A000/DF1F master file, A000/DF20 key map,
 *     A010/DF21 cardapps, DF22 cardcf, DF23 cmapfile, DF24.. the
 *     certificates (zlib, "01 00" + length), A012/DF20 cardid (the GUID),
 *     3FFF/7F71 and 7F73 PIN and PUK tries (97 left, 93 limit),
 *     3FFF with 70 { 84 <key ref> A5 { 7F49 80 } }: the public key;
 *   VERIFY 00 20 00 80 (PIN, 1..8 printable characters; no data: the
 *     tries), and
 *     00 20 00 82 (forget the PIN);
 *   MSE SET 00 22 41 B6 { 80 <57: RSA 2048 PKCS#1> 84 <key ref> } and
 *     PSO COMPUTE DIGITAL SIGNATURE 00 2A 9E 9A <DigestInfo or raw data>.
 *
 * Everything else answers an ISO status word.  The PIN and the keys go
 * through the PIV command set of the same applet (applet.h): verified,
 * counted and saved exactly as on a PIV card, in software or TPM mode.
 * Nothing of the PIN stays here.
 */

/* The security environment and selection; reset on power events. */
struct vc_gids {
	bool selected;
	uint8_t mse_key;	/* 0: no MSE SET yet */
	uint8_t mse_alg;
};

void vc_gids_reset(struct vc_gids *g);

/* Process one (unchained) command; the body goes to w, returns the SW. */
uint16_t vc_gids_dispatch(struct vc_gids *g, struct vc_applet *a,
    const struct vc_capdu *c, struct scl_wbuf *w);

#endif
