/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef VC_FRAME_H
#define VC_FRAME_H

#include <stddef.h>
#include <stdint.h>

/*
 * The card protocol between a reader and the virtual card, one place for
 * both ends: the vpcd driver over TCP (vcard/vpcd.c) and our own reader
 * driver over a UNIX socket (ifd/, vcard/vpcd.c's socket transport).
 *
 * A frame is a 2-byte big-endian length and that many payload bytes.  The
 * reader sends a 1-byte control payload (VC_CTL_*: off, on and reset have
 * no answer, ATR is answered with the ATR) or a C-APDU (answered with the
 * R-APDU).  Every read is bounded: VC_FRAME_MSG_TIMEOUT_MS for the rest of
 * a frame once its first byte came, and a caller's cap on the length.
 *
 * Depends on libc only: the reader driver is loaded into pcscd.
 */
#define VC_FRAME_MSG_TIMEOUT_MS 5000
#define VC_FRAME_MAX 65535u
#define VC_ATR_MAX 33u

enum vc_ctl {
	VC_CTL_OFF = 0,
	VC_CTL_ON = 1,
	VC_CTL_RESET = 2,
	VC_CTL_ATR = 4,
};

enum vc_io {
	VC_IO_OK,
	VC_IO_CLOSED,	/* EOF, error, or the peer stopped mid-frame */
	VC_IO_STOP,	/* the cancel fd (a signalfd) became readable */
	VC_IO_TIMEOUT,	/* nothing within the first wait */
	VC_IO_TOO_LONG,	/* the header announced more than the cap */
};

/* CLOCK_MONOTONIC in ms. */
int64_t vc_now_ms(void);

/*
 * Wait for events on fd (fd < 0: only cancel) or for cancel_fd (a signalfd,
 * or -1) to be readable; timeout_ms < 0 waits forever.  With a readable
 * signalfd the signal is consumed and VC_IO_STOP returned.
 */
enum vc_io vc_wait_fd(int fd, short events, int cancel_fd, int timeout_ms);

/*
 * Read one frame into buf (cap bytes): *ret_len is the payload length (an
 * empty frame gives 0).  first_ms bounds the wait for its first byte (< 0:
 * forever), VC_FRAME_MSG_TIMEOUT_MS the rest.  A header over cap is
 * VC_IO_TOO_LONG and nothing more is read.
 */
enum vc_io vc_frame_read(int fd, int cancel_fd, int first_ms, uint8_t *buf,
    size_t cap, size_t *ret_len);

/* Write one frame (len <= VC_FRAME_MAX), bounded by VC_FRAME_MSG_TIMEOUT_MS. */
enum vc_io vc_frame_write(int fd, int cancel_fd, const uint8_t *p,
    size_t len);

enum vc_reply {
	VC_REPLY_ATR,	/* the answer to VC_CTL_ATR */
	VC_REPLY_RAPDU,	/* the answer to a C-APDU */
};

/*
 * Check a card's answer of kind k, as the reader driver does before it
 * hands it to pcscd: an ATR is 2..VC_ATR_MAX bytes starting with TS 3B or
 * 3F; an R-APDU 2..cap bytes (data and SW1 SW2).  NULL when good, else a
 * short reason ("empty", "atr-length", "atr-ts", "rapdu-short",
 * "rapdu-long") for the log line's reason=.
 */
const char *vc_frame_check_reply(enum vc_reply k, const uint8_t *p,
    size_t len, size_t cap);

/*
 * Split the first frame off buf (what a reader's read loop does, without
 * I/O; the fuzz target drives it): 1 and ret_off, ret_len the payload
 * when a whole frame of at most cap bytes is there, 0 when incomplete, -1
 * when its header announces more than cap.
 */
int vc_frame_split(const uint8_t *buf, size_t len, size_t cap,
    size_t *ret_off, size_t *ret_len);

#endif
