/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_IFD_H
#define SCL_IFD_H

#include <stddef.h>

/*
 * libifd-sclogin.so, sclogin's pcsc-lite reader driver (IFD handler): a
 * reader that only root's virtual card (sclogin-vcard) can fill.
 *
 * Each reader.conf entry's DEVICENAME is "unix:" and the path of a UNIX
 * socket, e.g. unix:/run/sclogin/vcard/reader0 (pcscd insists that a name
 * without ':' exists before the driver is loaded).  The driver (inside pcscd, root) LISTENS
 * there and the card connects, so the socket exists for as long as pcscd
 * runs: when the card daemon stops or restarts there is no moment in which
 * the path is free for another process to take.  The socket's folder is
 * created 0700 if missing and must be owned by pcscd's euid with mode 0700
 * (else the reader is refused, reason=DIR); the socket is 0600.  Every
 * connection's SO_PEERCRED must be uid 0 or pcscd's own euid (a rig that
 * is not root); any other is closed at once and logged reason=PEER.  A
 * connection while the slot has a card is closed (the card tries the next
 * reader socket).
 *
 * The protocol is vcard/frame.h (vpcd's framing).  Every answer is bounded
 * by SCL_IFD_ANSWER_MS, every frame by its length cap (the ATR 33 bytes,
 * an R-APDU pcscd's buffer); a malformed or late answer drops the card's
 * connection with reason= in pcscd's log (FRAME, LENGTH, TIMEOUT,
 * UNSOLICITED), which pcscd sees as card removal.  Card presence is
 * polled by pcscd (IFDHICCPresence), which also accepts waiting cards.
 */
#define SCL_IFD_DEFAULT_DIR "/run/sclogin/vcard"
#define SCL_IFD_NAME_PREFIX "unix:"
#define SCL_IFD_READERS_MAX 16
#define SCL_IFD_ANSWER_MS 30000	/* a TPM may take seconds for a key */

/* 0 when path's folder is root-only as above; else -1 and a reason= line. */
int scl_ifd_check_dir(const char *path, char *why, size_t whylen);

/* 1 when the peer of the connected socket fd may be a card, else 0. */
int scl_ifd_peer_allowed(int fd, char *why, size_t whylen);

#endif
