/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scl-config.h"

#include "apdu.h"
#include "err.h"
#include "log.h"
#include "secret.h"

#define SHORT_DATA_MAX	255
#define SHORT_LE_MAX	256
#define EXT_DATA_MAX	65535
#define EXT_LE_MAX	65536
#define CLA_CHAIN	0x10
#define INS_GET_RESPONSE 0xc0

/* One raw command: header, optional Lc + data, optional Le. */
struct raw_cmd {
	uint8_t *buf;
	size_t len;
	size_t data_off;
	size_t data_len;
	int redact;
};

static int
is_secret_ins(uint8_t ins)
{
	/* VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER */
	return ins == 0x20 || ins == 0x24 || ins == 0x2c;
}

/*
 * ISO/IEC 7816-4 §5.1 cases 1..4, short or extended.  buf must hold
 * 4 + 3 + data_len + 3 bytes.
 */
static void
encode(uint8_t *buf, uint8_t cla, const struct scl_apdu *cmd,
    const uint8_t *data, size_t data_len, size_t le, int ext,
    struct raw_cmd *out)
{
	size_t n = 0;

	buf[n++] = cla;
	buf[n++] = cmd->ins;
	buf[n++] = cmd->p1;
	buf[n++] = cmd->p2;
	if (data_len > 0) {
		if (ext) {
			buf[n++] = 0;
			buf[n++] = (uint8_t)(data_len >> 8);
		}
		buf[n++] = (uint8_t)data_len;
	}
	out->data_off = n;
	out->data_len = data_len;
	if (data_len > 0)
		memcpy(buf + n, data, data_len);
	n += data_len;
	if (le > 0) {
		if (ext) {
			if (data_len == 0)
				buf[n++] = 0;
			buf[n++] = (uint8_t)(le >> 8);	/* 65536 -> 00 00 */
		}
		buf[n++] = (uint8_t)le;			/* 256 -> 00 */
	}
	out->buf = buf;
	out->len = n;
	out->redact = is_secret_ins(cmd->ins);
}

#if SCL_APDU_TRACE
#define TRACE_BYTES_MAX 128

static void
hex_append(char *s, size_t cap, size_t *pos, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t shown = n > TRACE_BYTES_MAX ? TRACE_BYTES_MAX : n;

	for (size_t i = 0; i < shown && *pos + 3 < cap; i++) {
		s[(*pos)++] = hx[p[i] >> 4];
		s[(*pos)++] = hx[p[i] & 0xf];
	}
	s[*pos] = '\0';
	if (shown < n && *pos < cap) {
		int k = snprintf(s + *pos, cap - *pos, "...(%zu bytes)", n);

		if (k > 0)
			*pos += (size_t)k < cap - *pos ? (size_t)k :
			    cap - *pos - 1;
	}
}

static void
trace_cmd(const struct scl_transport *t, const struct raw_cmd *rc)
{
	char s[512];
	size_t pos = 0;
	const uint8_t *tail;
	size_t tail_len;

	if (!t->trace || !scl_log_enabled())
		goto out;
	s[0] = '\0';
	hex_append(s, sizeof(s), &pos, rc->buf, rc->data_off);
	if (rc->data_len > 0) {
		if (rc->redact) {
			int k = snprintf(s + pos, sizeof(s) - pos,
			    " <redacted %zu bytes> ", rc->data_len);

			if (k > 0 && (size_t)k < sizeof(s) - pos)
				pos += (size_t)k;
		} else {
			hex_append(s, sizeof(s), &pos, rc->buf + rc->data_off,
			    rc->data_len);
		}
	}
	tail = rc->buf + rc->data_off + rc->data_len;
	tail_len = rc->len - rc->data_off - rc->data_len;
	hex_append(s, sizeof(s), &pos, tail, tail_len);
	scl_debug("apdu: > %s", s);
out:
	return;
}

static void
trace_resp(const struct scl_transport *t, const uint8_t *p, size_t n)
{
	char s[512];
	size_t pos = 0;

	if (t->trace && scl_log_enabled()) {
		s[0] = '\0';
		hex_append(s, sizeof(s), &pos, p, n);
		scl_debug("apdu: < %s", s);
	}
}
#else
static void
trace_cmd(const struct scl_transport *t, const struct raw_cmd *rc)
{
}

static void
trace_resp(const struct scl_transport *t, const uint8_t *p, size_t n)
{
}
#endif

static int
send_raw(struct scl_transport *t, const struct raw_cmd *rc, uint8_t *rbuf,
    size_t rcap, size_t *ret_data_len, uint16_t *ret_sw)
{
	size_t n = rcap;
	int r;

	trace_cmd(t, rc);
	t->apdu_count++;
	if ((r = t->ops->transmit(t->h, rc->buf, rc->len, rbuf, &n)) != 0)
		goto out;
	if (n < 2 || n > rcap) {
		r = SCL_ERR_CARD_BAD_RESPONSE;
		goto out;
	}
	trace_resp(t, rbuf, n);
	*ret_sw = (uint16_t)((unsigned)rbuf[n - 2] << 8 | rbuf[n - 1]);
	*ret_data_len = n - 2;
out:
	return r;
}

int
scl_apdu_transmit(struct scl_transport *t, const struct scl_apdu *cmd,
    uint8_t *resp, size_t resp_cap, size_t *ret_len, uint16_t *ret_sw)
{
	struct raw_cmd rc;
	struct scl_apdu gr = { .cla = 0x00, .ins = INS_GET_RESPONSE };
	uint8_t *cbuf = NULL, *rbuf = NULL;
	size_t ccap = 0, rcap = 0, total = 0, dlen, off, piece, le;
	unsigned gets = 0;
	int ext, retried = 0, r = SCL_ERR_INVALID_ARGUMENT;
	uint16_t sw;
	uint8_t cla;

	if (t == NULL || t->ops == NULL || t->ops->transmit == NULL ||
	    cmd == NULL || ret_len == NULL || ret_sw == NULL ||
	    (resp == NULL && resp_cap > 0) ||
	    (cmd->data == NULL && cmd->data_len > 0) ||
	    cmd->data_len > EXT_DATA_MAX || cmd->le > EXT_LE_MAX)
		goto out;
	ext = (t->flags & SCL_TRANSPORT_EXTENDED) != 0 &&
	    (cmd->data_len > SHORT_DATA_MAX || cmd->le > SHORT_LE_MAX);
	le = ext || cmd->le <= SHORT_LE_MAX ? cmd->le : SHORT_LE_MAX;
	ccap = 4 + 3 + (ext ? cmd->data_len : SHORT_DATA_MAX) + 3;
	rcap = 2 + ((t->flags & SCL_TRANSPORT_EXTENDED) ? EXT_LE_MAX :
	    SHORT_LE_MAX);
	r = SCL_ERR_NOMEM;
	if ((cbuf = malloc(ccap)) == NULL || (rbuf = malloc(rcap)) == NULL)
		goto out;

	/* Command chaining, ISO/IEC 7816-4 §5.3.3: all but the last piece. */
	off = 0;
	while (!ext && cmd->data_len - off > SHORT_DATA_MAX) {
		cla = (uint8_t)(cmd->cla | CLA_CHAIN);
		encode(cbuf, cla, cmd, cmd->data + off, SHORT_DATA_MAX, 0, 0,
		    &rc);
		if ((r = send_raw(t, &rc, rbuf, rcap, &dlen, &sw)) != 0)
			goto out;
		if (sw != 0x9000)
			goto done;
		off += SHORT_DATA_MAX;
	}
	piece = cmd->data_len - off;
	encode(cbuf, cmd->cla, cmd, piece > 0 ? cmd->data + off : NULL, piece,
	    le, ext, &rc);
	for (;;) {
		if ((r = send_raw(t, &rc, rbuf, rcap, &dlen, &sw)) != 0)
			goto out;
		/* §5.3.4: 6Cxx = wrong Le, resend once with Le = xx. */
		if ((sw >> 8) == 0x6c && !retried) {
			retried = 1;
			le = (sw & 0xff) == 0 ? SHORT_LE_MAX : (sw & 0xff);
			if (rc.buf[1] == INS_GET_RESPONSE)
				encode(cbuf, gr.cla, &gr, NULL, 0, le, 0, &rc);
			else
				encode(cbuf, cmd->cla, cmd, piece > 0 ?
				    cmd->data + off : NULL, piece, le, ext,
				    &rc);
			continue;
		}
		if (dlen > resp_cap - total) {
			r = SCL_ERR_TOO_LARGE;
			goto out;
		}
		if (dlen > 0) {
			memcpy(resp + total, rbuf, dlen);
			total += dlen;
		}
		/* §5.3.4: 61xx = more data, fetch with GET RESPONSE. */
		if ((sw >> 8) != 0x61)
			break;
		if (gets++ >= SCL_APDU_MAX_GET_RESPONSE) {
			r = SCL_ERR_CARD_BAD_RESPONSE;
			goto out;
		}
		le = (sw & 0xff) == 0 ? SHORT_LE_MAX : (sw & 0xff);
		/* The command's bytes may be a PIN: wipe before reuse. */
		explicit_bzero(cbuf, ccap);
		encode(cbuf, gr.cla, &gr, NULL, 0, le, 0, &rc);
	}
done:
	*ret_len = total;
	*ret_sw = sw;
	r = 0;
out:
	scl_freezero(cbuf, ccap);
	scl_freezero(rbuf, rcap);
	return r;
}

struct sw_entry {
	uint16_t sw;
	uint16_t mask;
	const char *name;
};

static const struct sw_entry sw_names[] = {
	{ 0x9000, 0xffff, "SUCCESS" },
	{ 0x6100, 0xff00, "MORE_DATA" },
	{ 0x6283, 0xffff, "SELECTED_FILE_INVALIDATED" },
	{ 0x6300, 0xffff, "VERIFICATION_FAILED" },
	{ 0x63c0, 0xfff0, "WRONG_PIN" },
	{ 0x6400, 0xffff, "EXECUTION_ERROR" },
	{ 0x6581, 0xffff, "MEMORY_FAILURE" },
	{ 0x6700, 0xffff, "WRONG_LENGTH" },
	{ 0x6881, 0xffff, "LOGICAL_CHANNEL_NOT_SUPPORTED" },
	{ 0x6882, 0xffff, "SECURE_MESSAGING_NOT_SUPPORTED" },
	{ 0x6883, 0xffff, "LAST_COMMAND_EXPECTED" },
	{ 0x6884, 0xffff, "COMMAND_CHAINING_NOT_SUPPORTED" },
	{ 0x6982, 0xffff, "SECURITY_STATUS_NOT_SATISFIED" },
	{ 0x6983, 0xffff, "AUTH_METHOD_BLOCKED" },
	{ 0x6984, 0xffff, "DATA_INVALID" },
	{ 0x6985, 0xffff, "CONDITIONS_NOT_SATISFIED" },
	{ 0x6986, 0xffff, "COMMAND_NOT_ALLOWED" },
	{ 0x6a80, 0xffff, "INCORRECT_DATA" },
	{ 0x6a81, 0xffff, "FUNC_NOT_SUPPORTED" },
	{ 0x6a82, 0xffff, "FILE_NOT_FOUND" },
	{ 0x6a84, 0xffff, "NOT_ENOUGH_MEMORY" },
	{ 0x6a86, 0xffff, "INCORRECT_P1P2" },
	{ 0x6a88, 0xffff, "REF_DATA_NOT_FOUND" },
	{ 0x6b00, 0xffff, "WRONG_P1P2" },
	{ 0x6c00, 0xff00, "WRONG_LE" },
	{ 0x6d00, 0xffff, "INS_NOT_SUPPORTED" },
	{ 0x6e00, 0xffff, "CLA_NOT_SUPPORTED" },
	{ 0x6f00, 0xffff, "NO_PRECISE_DIAGNOSIS" },
};

const char *
scl_apdu_sw_name(uint16_t sw)
{
	const char *name = "UNKNOWN";

	for (size_t i = 0; i < sizeof(sw_names) / sizeof(sw_names[0]); i++) {
		if ((sw & sw_names[i].mask) == sw_names[i].sw) {
			name = sw_names[i].name;
			break;
		}
	}
	return name;
}

int
scl_apdu_sw_to_err(uint16_t sw, int *ret_tries)
{
	int r = SCL_ERR_SW_UNEXPECTED;

	if ((sw & 0xfff0) == 0x63c0) {
		/* SP 800-73-4 Pt 2 §3.2.1: 63CX, X = tries left. */
		r = (sw & 0xf) == 0 ? SCL_ERR_PIN_BLOCKED : SCL_ERR_PIN_WRONG;
		if (ret_tries != NULL)
			*ret_tries = sw & 0xf;
		goto out;
	}
	switch (sw) {
	case 0x9000:
		r = 0;
		break;
	case 0x6300:
		r = SCL_ERR_PIN_WRONG;
		break;
	case 0x6983:
		r = SCL_ERR_PIN_BLOCKED;
		if (ret_tries != NULL)
			*ret_tries = 0;
		break;
	case 0x6982:
		r = SCL_ERR_SECURITY_STATUS;
		break;
	case 0x6a82:
		r = SCL_ERR_NO_OBJECT;
		break;
	case 0x6700:
		r = SCL_ERR_WRONG_LENGTH;
		break;
	case 0x6985:
		r = SCL_ERR_CONDITIONS;
		break;
	case 0x6a80:
		r = SCL_ERR_INCORRECT_DATA;
		break;
	default:
		break;
	}
out:
	return r;
}
