/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdio.h>
#include <string.h>

#include "apdu.h"
#include "err.h"
#include "piv.h"
#include "tlv.h"
#include "tool.h"

#define CONNECT_TIMEOUT_MS 5000

static int
pick_reader(struct tool *tl, const struct scl_reader_info *r, size_t n,
    size_t *ret_i)
{
	char esc[SCL_READER_NAME_MAX * 4];
	size_t i, hits = 0, hit = 0;

	if (tl->reader == NULL) {
		for (i = 0; i < n; i++) {
			if (r[i].card_present) {
				*ret_i = i;
				return 0;
			}
		}
		return tool_fail(tl, SCL_EXIT_NO_CARD, SCL_ERR_NO_CARD,
		    "no card in any of %zu reader(s); insert a card", n);
	}
	for (i = 0; i < n; i++) {
		if (strcmp(r[i].name, tl->reader) == 0) {
			hits = 1;
			hit = i;
			break;
		}
		if (strstr(r[i].name, tl->reader) != NULL) {
			hits++;
			hit = i;
		}
	}
	tool_escape(tl->reader, esc, sizeof(esc));
	if (hits == 0)
		return tool_fail(tl, SCL_EXIT_NO_CARD, SCL_ERR_NO_READER,
		    "no reader matches '%s' (see 'sclogin readers')", esc);
	if (hits > 1)
		return tool_fail(tl, SCL_EXIT_USAGE, SCL_ERR_INVALID_ARGUMENT,
		    "'%s' matches several readers; give the full name", esc);
	if (!r[hit].card_present) {
		tool_escape(r[hit].name, esc, sizeof(esc));
		return tool_fail(tl, SCL_EXIT_NO_CARD, SCL_ERR_NO_CARD,
		    "no card in reader '%s'", esc);
	}
	*ret_i = hit;
	return 0;
}

int
tool_card_open(struct tool *tl, struct tool_card *c)
{
	struct scl_reader_info readers[SCL_READERS_MAX];
	char esc[SCL_READER_NAME_MAX * 4];
	size_t n = 0, k = 0;
	int r, ex = SCL_EXIT_FAIL;

	memset(c, 0, sizeof(*c));
	if ((r = scl_pcsc_open(&c->ctx)) != 0) {
		ex = tool_fail(tl, tool_exit_code(r), r,
		    "cannot reach pcscd: %s (is pcscd running?)",
		    scl_strerror(r));
		goto out;
	}
	if ((r = scl_pcsc_list_readers(c->ctx, readers, SCL_READERS_MAX,
	    &n)) != 0) {
		ex = tool_fail(tl, tool_exit_code(r), r,
		    "cannot list readers: %s", scl_strerror(r));
		goto out;
	}
	if (n == 0) {
		ex = tool_fail(tl, SCL_EXIT_NO_CARD, SCL_ERR_NO_READER,
		    "no smart card reader found");
		goto out;
	}
	if ((ex = pick_reader(tl, readers, n, &k)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		c->n_cards += readers[i].card_present != 0;
	snprintf(c->reader, sizeof(c->reader), "%s", readers[k].name);
	memcpy(c->atr, readers[k].atr, sizeof(c->atr));
	c->atr_len = readers[k].atr_len <= SCL_ATR_MAX ? readers[k].atr_len : 0;
	tool_escape(c->reader, esc, sizeof(esc));
	if ((r = scl_card_connect(c->ctx, c->reader, CONNECT_TIMEOUT_MS,
	    &c->card)) != 0) {
		ex = tool_fail(tl, tool_exit_code(r), r,
		    "cannot connect to the card in '%s': %s", esc,
		    scl_strerror(r));
		goto out;
	}
	c->t = scl_card_transport(c->card);
	if ((ex = tool_card_begin(tl, c)) != 0)
		goto out;
	if ((r = scl_piv_select(c->t)) != 0) {
		ex = tool_fail(tl, r == SCL_ERR_NO_APPLET ? SCL_EXIT_NO_CARD :
		    tool_exit_code(r), r,
		    "the card in '%s' has no PIV application: %s", esc,
		    scl_strerror(r));
		goto out;
	}
	ex = 0;
out:
	if (ex != 0)
		tool_card_close(c, 0);
	return ex;
}

int
tool_card_begin(struct tool *tl, struct tool_card *c)
{
	int r;

	if (c->in_tx)
		return 0;
	if ((r = scl_card_begin(c->card)) != 0)
		return tool_fail(tl, tool_exit_code(r), r,
		    "cannot get exclusive access to the card: %s",
		    scl_strerror(r));
	c->in_tx = 1;
	return 0;
}

void
tool_card_close(struct tool_card *c, int reset)
{
	if (c->card != NULL && c->in_tx)
		(void)scl_card_end(c->card, reset);
	c->in_tx = 0;
	if (c->card != NULL)
		scl_card_disconnect(&c->card, reset);
	scl_pcsc_free(&c->ctx);
	c->t = NULL;
}

/* Yubico GET METADATA (INS F7), which many PIV cards and our vcard answer. */
int
tool_card_metadata(struct tool_card *c, uint8_t ref, uint32_t tag,
    uint8_t *out, size_t cap, size_t *ret_len)
{
	uint8_t resp[1024];
	struct scl_apdu cmd;
	const uint8_t *v;
	size_t len = 0, vlen = 0;
	uint16_t sw = 0;
	int r;

	memset(&cmd, 0, sizeof(cmd));
	cmd.ins = 0xf7;
	cmd.p2 = ref;
	cmd.le = 256;
	if ((r = scl_apdu_transmit(c->t, &cmd, resp, sizeof(resp), &len,
	    &sw)) != 0)
		return r;
	if ((r = scl_apdu_sw_to_err(sw, NULL)) != 0)
		return r;
	if ((r = scl_tlv_find(resp, len, tag, &v, &vlen)) != 0)
		return r;
	if (vlen > cap)
		return SCL_ERR_TOO_LARGE;
	memcpy(out, v, vlen);
	*ret_len = vlen;
	return 0;
}

static int
metadata(struct tool_card *c, uint8_t ref, uint32_t tag, uint8_t *out,
    size_t out_len)
{
	size_t n = 0;
	int r;

	if ((r = tool_card_metadata(c, ref, tag, out, out_len, &n)) != 0)
		return r;
	return n == out_len ? 0 : SCL_ERR_CARD_BAD_RESPONSE;
}

int
tool_card_puk_tries(struct tool_card *c, int *ret_tries)
{
	uint8_t v[2];
	int r;

	if ((r = metadata(c, SCL_PIV_REF_PUK, 0x06, v, sizeof(v))) != 0)
		return r;
	*ret_tries = v[1];
	return 0;
}

int
tool_mgmt_auth(struct tool *tl, struct tool_card *c, uint8_t alg,
    const uint8_t *key, size_t key_len)
{
	uint8_t a = 0;
	int r;

	if (alg == 0) {
		/* The card says which algorithm its 9B key has; else by size. */
		if (metadata(c, SCL_PIV_KEY_MGMT, 0x01, &a, 1) == 0 &&
		    scl_piv_mgmt_key_len(a) != 0)
			alg = a;
		else if (key_len == 16)
			alg = SCL_PIV_ALG_AES128;
		else if (key_len == 32)
			alg = SCL_PIV_ALG_AES256;
		else
			alg = SCL_PIV_ALG_3DES;
		if (scl_piv_mgmt_key_len(alg) != key_len)
			return tool_fail(tl, SCL_EXIT_AUTH, SCL_ERR_AUTH_FAILED,
			    "the card's admin key is %s (%zu bytes); the key "
			    "given has %zu bytes", tool_mgmt_alg_name(alg),
			    scl_piv_mgmt_key_len(alg), key_len);
	}
	if ((r = scl_piv_mgmt_auth(c->t, alg, key, key_len)) == 0)
		return 0;
	switch (r) {
	case SCL_ERR_AUTH_FAILED:
	case SCL_ERR_SECURITY_STATUS:
	case SCL_ERR_INCORRECT_DATA:
	case SCL_ERR_CONDITIONS:
	case SCL_ERR_NO_OBJECT:
	case SCL_ERR_SW_UNEXPECTED:
	case SCL_ERR_WRONG_LENGTH:
	case SCL_ERR_CARD_BAD_RESPONSE:
		return tool_fail(tl, SCL_EXIT_AUTH, SCL_ERR_AUTH_FAILED,
		    "the card refused the admin key (%s): wrong key, or the "
		    "card's key is not %s (--admin-alg)?", scl_err_name(r),
		    tool_mgmt_alg_name(alg));
	default:
		return tool_fail(tl, tool_exit_code(r), r, "admin key "
		    "authentication failed: %s", scl_strerror(r));
	}
}
