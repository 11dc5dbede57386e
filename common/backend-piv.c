/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "atr.h"
#include "backend.h"
#include "cert.h"
#include "deadline.h"
#include "err.h"
#include "log.h"
#include "pcsc.h"
#include "piv.h"
#include "tlv.h"

struct piv_backend {
	struct scl_pcsc *ctx;
	int timeout_ms;
	uint64_t due_ms;
	int extended_apdus;
};

struct scl_token {
	struct scl_card *card;
	struct scl_transport *t;
	int began;
};

/* SCL_SIGNIN_KEY_9A, _9E, _9C of config.h, in reading order. */
static const uint8_t key_order[] = {
	SCL_PIV_KEY_AUTH, SCL_PIV_KEY_CARDAUTH, SCL_PIV_KEY_SIGN,
};
static const unsigned key_bits[] = { 0x1u, 0x2u, 0x4u };

static int
piv_open(const struct scl_backend_params *p, void **ret_b)
{
	struct piv_backend *b;
	int r;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return SCL_ERR_NOMEM;
	b->timeout_ms = p->timeout_ms;
	b->due_ms = p->deadline_ms;
	b->extended_apdus = p->extended_apdus;
	if ((r = scl_pcsc_open(&b->ctx)) < 0) {
		free(b);
		return r;
	}
	*ret_b = b;
	return 0;
}

static void
piv_close(void **bp)
{
	struct piv_backend *b = *bp;

	if (b == NULL)
		return;
	scl_pcsc_free(&b->ctx);
	free(b);
	*bp = NULL;
}

static int
piv_list_tokens(void *bv, struct scl_token_info *ret, size_t cap,
    size_t *ret_n)
{
	struct piv_backend *b = bv;
	struct scl_reader_info readers[SCL_READERS_MAX];
	size_t n = 0, i;
	int r;

	memset(readers, 0, sizeof(readers));
	if ((r = scl_pcsc_list_readers(b->ctx, readers, SCL_READERS_MAX,
	    &n)) < 0)
		return r;
	for (i = 0; i < n && i < SCL_READERS_MAX && i < cap; i++) {
		readers[i].name[SCL_READER_NAME_MAX - 1] = '\0';
		memcpy(ret[i].name, readers[i].name, sizeof(ret[i].name));
		ret[i].present = readers[i].card_present;
	}
	*ret_n = i;
	return 0;
}

/* ISO/IEC 7816-4 §8.1.1.2.7: the ATR's card capabilities say extended. */
static int
card_extended(const struct scl_card *card)
{
	const uint8_t *atr;
	size_t len = 0;
	int ext;

	atr = scl_card_atr(card, &len);
	ext = atr != NULL && (scl_atr_caps(atr, len) &
	    SCL_ATR_CAP_EXTENDED) != 0;
	scl_debug("%s: ATR of %zu bytes: %s APDUs", __func__, len,
	    ext ? "extended-length" : "short");
	return ext;
}

static int
piv_connect(void *bv, const char *name, struct scl_token **ret_t,
    const char **ret_what)
{
	struct piv_backend *b = bv;
	struct scl_token *t;
	int r, limit = scl_deadline_clip(b->due_ms, b->timeout_ms);

	*ret_what = "cannot connect";
	if (limit == 0)
		return SCL_ERR_DEADLINE;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return SCL_ERR_NOMEM;
	r = scl_card_connect(b->ctx, name, limit, &t->card);
	if (r == SCL_ERR_SHARING && scl_deadline_passed(b->due_ms))
		r = SCL_ERR_DEADLINE;
	if (r < 0)
		goto fail;
	(void)scl_card_set_timeout(t->card, b->timeout_ms);
	scl_card_set_deadline(t->card, b->due_ms);
	*ret_what = "cannot begin a transaction";
	if ((r = scl_card_begin(t->card)) < 0)
		goto fail;
	t->began = 1;
	t->t = scl_card_transport(t->card);
	if (b->extended_apdus && card_extended(t->card))
		t->t->flags |= SCL_TRANSPORT_EXTENDED;
	*ret_t = t;
	return 0;
fail:
	scl_card_disconnect(&t->card, 0);
	free(t);
	return r;
}

/*
 * SELECT PIV (SP 800-73-4 Pt 2 §3.1.1) keeping the application label (tag
 * 50 of the 61 template) when the card gives one; same errors as
 * scl_piv_select().
 */
static int
piv_select(struct scl_token *t, struct scl_token_state *st)
{
	static const uint8_t aid[] = { 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00,
		0x00, 0x10, 0x00, 0x01, 0x00 };
	struct scl_apdu cmd = { 0x00, 0xA4, 0x04, 0x00, aid, sizeof(aid), 256 };
	uint8_t resp[258];
	const uint8_t *v = NULL, *l = NULL;
	size_t len = 0, vl = 0, ll = 0;
	uint16_t sw = 0;
	int r;

	memset(st, 0, sizeof(*st));
	r = scl_apdu_transmit(t->t, &cmd, resp, sizeof(resp), &len, &sw);
	if (r < 0 || (r = scl_piv_select_sw_to_err(sw)) != 0)
		return r;
	if (len > 0 && scl_tlv_expect(resp, len, 0x61, &v, &vl) != 0)
		return SCL_ERR_CARD_BAD_RESPONSE;
	if (v != NULL && scl_tlv_find(v, vl, 0x50, &l, &ll) == 0 && ll > 0)
		memcpy(st->label, l, ll < sizeof(st->label) ? ll :
		    sizeof(st->label) - 1);
	return 0;
}

static int
piv_read_id(struct scl_token *t, char ret_id[33])
{
	return scl_piv_read_card_id(t->t, ret_id);
}

static int
piv_list_keys(struct scl_token *t, unsigned mask,
    struct scl_backend_key *ret, size_t cap, size_t *ret_n)
{
	size_t k, n = 0;

	(void)t;
	for (k = 0; k < sizeof(key_order) && n < cap; k++) {
		if ((mask & key_bits[k]) == 0)
			continue;
		memset(&ret[n], 0, sizeof(ret[n]));
		ret[n].key_ref = key_order[k];
		ret[n].id[0] = key_order[k];
		ret[n].id_len = 1;
		n++;
	}
	*ret_n = n;
	return 0;
}

static int
piv_read_cert(struct scl_token *t, const struct scl_backend_key *k,
    uint8_t **ret_der, size_t *ret_len)
{
	return scl_piv_read_cert(t->t, k->key_ref, ret_der, ret_len);
}

static int
piv_tries_left(struct scl_token *t, int *ret_tries, int *ret_verified)
{
	return scl_piv_pin_status(t->t, SCL_PIV_REF_PIN, ret_tries,
	    ret_verified);
}

static int
piv_verify_pin(struct scl_token *t, const struct scl_pin *pin,
    int *ret_tries)
{
	if (pin == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	return scl_piv_verify(t->t, pin, ret_tries);
}

static int
piv_sign(struct scl_token *t, const struct scl_backend_key *k, uint8_t alg,
    const uint8_t *digest, size_t digest_len, uint8_t *sig, size_t sig_cap,
    size_t *ret_sig_len)
{
	return scl_cert_piv_sign_digest(t->t, k->key_ref, alg, digest,
	    digest_len, sig, sig_cap, ret_sig_len);
}

static int
piv_change_pin(struct scl_token *t, const struct scl_pin *old_pin,
    const struct scl_pin *new_pin, int *ret_tries)
{
	if (old_pin == NULL || new_pin == NULL)
		return SCL_ERR_NOT_SUPPORTED;	/* no PC/SC PIN pad support */
	return scl_piv_change_reference(t->t, SCL_PIV_REF_PIN, old_pin,
	    new_pin, ret_tries);
}

static void
piv_disconnect(struct scl_token **tp, int reset)
{
	struct scl_token *t = *tp;

	if (t == NULL)
		return;
	if (t->began)
		(void)scl_card_end(t->card, reset);
	scl_card_disconnect(&t->card, reset);
	free(t);
	*tp = NULL;
}

const struct scl_backend_ops scl_backend_piv = {
	.name = "piv",
	.kind = SCL_BACKEND_PIV,
	.service_ok = "pcscd reachable",
	.service_what = "PC/SC service",
	.app_ok = "PIV application selected",
	.app_what = "SELECT PIV",
	.open = piv_open,
	.close = piv_close,
	.list_tokens = piv_list_tokens,
	.connect = piv_connect,
	.select = piv_select,
	.read_id = piv_read_id,
	.list_keys = piv_list_keys,
	.read_cert = piv_read_cert,
	.tries_left = piv_tries_left,
	.verify_pin = piv_verify_pin,
	.sign = piv_sign,
	.change_pin = piv_change_pin,
	.disconnect = piv_disconnect,
};
