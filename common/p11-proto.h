/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_P11_PROTO_H
#define SCL_P11_PROTO_H

#include <stddef.h>
#include <stdint.h>

/*
 * The pipe between the PKCS#11 backend (backend-p11.c, in the host:
 * sudo, login, the display manager) and sclogin-p11-helper, the process
 * that loads the foreign PKCS#11 modules.  One request, one answer; a
 * frame is a 4-byte big-endian length and that many bytes.  Requests: op
 * byte then fields; answers: a 4-byte status (SCL_ERR_* as unsigned)
 * then fields.  Fields: u8, u32 (big-endian), bytes (u32 length + data).
 * Everything read is bounds-checked: a short or oversized frame or field
 * marks the message bad and every later get fails.
 *
 * A message that held a PIN is wiped with scl_p11_msg_wipe().
 */

#define SCL_P11_MSG_MAX		(64u * 1024u)

enum scl_p11_op {
	SCL_P11_OP_LIST = 1,	/* -> u32 n, n x (bytes name, u8 present) */
	SCL_P11_OP_CONNECT,	/* bytes name -> bytes label, bytes serial,
				 * u8 pin_pad */
	SCL_P11_OP_KEYS,	/* -> u32 n, n x bytes CKA_ID */
	SCL_P11_OP_CERT,	/* bytes id -> bytes DER */
	SCL_P11_OP_TRIES,	/* -> u32 token flags */
	SCL_P11_OP_LOGIN,	/* u8 has_pin, bytes pin -> u32 token flags */
	SCL_P11_OP_SIGN,	/* bytes id, u32 mechanism, bytes data ->
				 * bytes signature */
	SCL_P11_OP_SETPIN,	/* bytes old, bytes new -> u32 token flags */
	SCL_P11_OP_DISCONNECT,	/* logout, close the session */
	SCL_P11_OP_EVENTS,	/* -> u32 slot events since the last call
				 * (the first call: 0, the baseline) */
};

struct scl_p11_msg {
	uint8_t b[SCL_P11_MSG_MAX];
	size_t len;		/* bytes written / received */
	size_t off;		/* read position */
	int bad;
};

void scl_p11_msg_init(struct scl_p11_msg *m);
void scl_p11_msg_wipe(struct scl_p11_msg *m);
void scl_p11_put_u8(struct scl_p11_msg *m, uint8_t v);
void scl_p11_put_u32(struct scl_p11_msg *m, uint32_t v);
void scl_p11_put_bytes(struct scl_p11_msg *m, const void *p, size_t len);
int scl_p11_get_u8(struct scl_p11_msg *m, uint8_t *ret);
int scl_p11_get_u32(struct scl_p11_msg *m, uint32_t *ret);
/* *ret points into m (valid while m is). */
int scl_p11_get_bytes(struct scl_p11_msg *m, const uint8_t **ret,
    size_t *ret_len);

/*
 * Send / receive one frame on fd before deadline_ms (CLOCK_MONOTONIC
 * milliseconds, scl_mono_ms() of deadline.h; -1: no deadline).  send never raises
 * SIGPIPE (fd is a socket).  SCL_ERR_TIMEOUT at the deadline,
 * SCL_ERR_TRANSMIT when the other side is gone, SCL_ERR_TOO_LARGE for a
 * frame over SCL_P11_MSG_MAX or a message marked bad.
 */
int scl_p11_send(int fd, const struct scl_p11_msg *m, long long deadline_ms);
int scl_p11_recv(int fd, struct scl_p11_msg *m, long long deadline_ms);

/*
 * Whether path may be run or loaded: a regular file (symbolic links
 * followed) owned by root or the effective uid, not writable by group or
 * others.  For the helper program and the PKCS#11 modules.
 */
int scl_p11_path_safe(const char *path);

#endif
