/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apdu.h"
#include "cert.h"
#include "err.h"
#include "hex.h"
#include "i18n.h"
#include "piv.h"
#include "tlv.h"
#include "tool.h"

/* slot: index into cert_slots for certificate objects (read once, by
 * scl_piv_read_cert; their size is the certificate's), else -1. */
static const struct {
	uint32_t tag;
	const char *name;
	int slot;
} objects[] = {
	{ SCL_PIV_TAG_CHUID, "CHUID", -1 },
	{ SCL_PIV_TAG_CCC, "CCC", -1 },
	{ SCL_PIV_TAG_DISCOVERY, "Discovery", -1 },
	{ SCL_PIV_TAG_CERT_9A, "Certificate 9A (PIV Authentication)", 0 },
	{ SCL_PIV_TAG_CERT_9C, "Certificate 9C (Digital Signature)", 1 },
	{ SCL_PIV_TAG_CERT_9D, "Certificate 9D (Key Management)", 2 },
	{ SCL_PIV_TAG_CERT_9E, "Certificate 9E (Card Authentication)", 3 },
};

static const uint8_t cert_slots[] = {
	SCL_PIV_KEY_AUTH, SCL_PIV_KEY_SIGN, SCL_PIV_KEY_KEYMGMT,
	SCL_PIV_KEY_CARDAUTH,
};

#define N_SLOTS (sizeof(cert_slots) / sizeof(cert_slots[0]))
#define N_OBJECTS (sizeof(objects) / sizeof(objects[0]))

struct slot_state {
	int r;				/* 0: cert read and parsed */
	int read_r;			/* the read alone */
	size_t der_len;
	struct tool_certinfo ci;
};

struct card_state {
	char card_id[33];
	int obj_r[N_OBJECTS];
	size_t obj_len[N_OBJECTS];
	int pin_r, pin_tries, pin_verified;
	int puk_r, puk_tries, puk_verified;
	struct slot_state slot[N_SLOTS];
};

/*
 * The Discovery object answers as 7E L … without the 53 wrapper of other
 * objects (SP 800-73-4 Pt 1 §3.3.2), so it is read raw here.
 */
static int
read_discovery(struct scl_transport *t, uint8_t *buf, size_t cap,
    size_t *ret_len)
{
	static const uint8_t sel[] = { 0x5c, 0x01, 0x7e };
	const uint8_t *v;
	struct scl_apdu cmd;
	size_t len = 0, vlen = 0;
	uint16_t sw = 0;
	int r;

	memset(&cmd, 0, sizeof(cmd));
	cmd.ins = 0xcb;
	cmd.p1 = 0x3f;
	cmd.p2 = 0xff;
	cmd.data = sel;
	cmd.data_len = sizeof(sel);
	cmd.le = 256;
	if ((r = scl_apdu_transmit(t, &cmd, buf, cap, &len, &sw)) != 0)
		return r;
	if ((r = scl_apdu_sw_to_err(sw, NULL)) != 0)
		return r;
	if ((r = scl_tlv_expect(buf, len, SCL_PIV_TAG_DISCOVERY, &v,
	    &vlen)) != 0)
		return r;
	*ret_len = vlen;
	return 0;
}

static void
read_state(struct tool_card *c, struct card_state *s)
{
	uint8_t *buf = NULL, *der = NULL;
	size_t len = 0, i;
	X509 *x = NULL;

	memset(s, 0, sizeof(*s));
	if (scl_piv_read_card_id(c->t, s->card_id) != 0)
		s->card_id[0] = '\0';
	for (i = 0; i < N_SLOTS; i++) {
		s->slot[i].r = scl_piv_read_cert(c->t, cert_slots[i], &der,
		    &len);
		s->slot[i].read_r = s->slot[i].r;
		s->slot[i].der_len = len;
		if (s->slot[i].r != 0)
			continue;
		s->slot[i].r = scl_cert_parse_der(der, len, &x);
		free(der);
		der = NULL;
		if (s->slot[i].r != 0)
			continue;
		tool_certinfo(x, time(NULL), &s->slot[i].ci);
		X509_free(x);
		x = NULL;
	}
	buf = malloc(SCL_OBJ_MAX);
	for (i = 0; i < N_OBJECTS; i++) {
		if (objects[i].slot >= 0) {
			s->obj_r[i] = s->slot[objects[i].slot].read_r;
			s->obj_len[i] = s->slot[objects[i].slot].der_len;
		} else if (buf == NULL)
			s->obj_r[i] = SCL_ERR_NOMEM;
		else if (objects[i].tag == SCL_PIV_TAG_DISCOVERY)
			s->obj_r[i] = read_discovery(c->t, buf, SCL_OBJ_MAX,
			    &s->obj_len[i]);
		else
			s->obj_r[i] = scl_piv_read_object(c->t, objects[i].tag,
			    buf, SCL_OBJ_MAX, &s->obj_len[i]);
	}
	free(buf);
	/* Empty VERIFY (SP 800-73-4 Pt 2 §3.2.1): reports, never spends. */
	s->pin_tries = s->puk_tries = -1;
	s->pin_r = scl_piv_pin_status(c->t, SCL_PIV_REF_PIN, &s->pin_tries,
	    &s->pin_verified);
	s->puk_r = scl_piv_pin_status(c->t, SCL_PIV_REF_PUK, &s->puk_tries,
	    &s->puk_verified);
	if (s->puk_r != 0 && tool_card_puk_tries(c, &s->puk_tries) == 0)
		s->puk_r = 0;
}

static void
print_json(struct tool *tl, struct tool_card *c, const struct card_state *s)
{
	char atr[2 * SCL_ATR_MAX + 1];
	struct json j;
	size_t i;

	scl_hex_encode(c->atr, c->atr_len, atr, sizeof(atr));
	json_init(&j, tl->out, 0);
	json_begin_object(&j, NULL);
	json_str(&j, "reader", c->reader);
	json_int(&j, "cards_present", (long long)c->n_cards);
	json_str(&j, "atr", c->atr_len > 0 ? atr : NULL);
	json_str(&j, "card_id", s->card_id[0] != '\0' ? s->card_id : NULL);
	json_begin_object(&j, "pin");
	if (s->pin_r == 0 && s->pin_tries >= 0)
		json_int(&j, "tries_left", s->pin_tries);
	else
		json_null(&j, "tries_left");
	json_bool(&j, "blocked", s->pin_r == 0 && s->pin_tries == 0);
	json_bool(&j, "verified", s->pin_r == 0 && s->pin_verified);
	json_end_object(&j);
	json_begin_object(&j, "puk");
	if (s->puk_r == 0 && s->puk_tries >= 0)
		json_int(&j, "tries_left", s->puk_tries);
	else
		json_null(&j, "tries_left");
	json_bool(&j, "blocked", s->puk_r == 0 && s->puk_tries == 0);
	json_end_object(&j);
	json_begin_array(&j, "objects");
	for (i = 0; i < N_OBJECTS; i++) {
		json_begin_object(&j, NULL);
		json_str(&j, "name", objects[i].name);
		json_int(&j, "tag", objects[i].tag);
		json_bool(&j, "present", s->obj_r[i] == 0);
		if (s->obj_r[i] == 0)
			json_int(&j, "size", (long long)s->obj_len[i]);
		else if (s->obj_r[i] != SCL_ERR_NO_OBJECT)
			json_str(&j, "error", scl_err_name(s->obj_r[i]));
		json_end_object(&j);
	}
	json_end_array(&j);
	json_begin_array(&j, "certificates");
	for (i = 0; i < N_SLOTS; i++) {
		if (s->slot[i].r == SCL_ERR_NO_OBJECT)
			continue;
		json_begin_object(&j, NULL);
		json_str(&j, "slot", tool_slot_name(cert_slots[i]));
		if (s->slot[i].r == 0)
			tool_certinfo_json(&j, &s->slot[i].ci);
		else
			json_str(&j, "error", scl_err_name(s->slot[i].r));
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	json_finish(&j);
}

static void
print_tries(FILE *f, const char *what, int r, int tries, int verified)
{
	if (r == SCL_ERR_NO_OBJECT || r == SCL_ERR_SW_UNEXPECTED ||
	    r == SCL_ERR_INCORRECT_DATA)
		fprintf(f, _("%s tries left: not reported by the card\n"), what);
	else if (r != 0)
		fprintf(f, _("%s tries left: unknown (%s)\n"), what,
		    scl_err_name(r));
	else if (tries == 0)
		fprintf(f, _("%s tries left: 0 (BLOCKED)\n"), what);
	else if (tries < 0)
		fprintf(f, verified ? _("%s tries left: unknown (verified in "
		    "this session)\n") : _("%s tries left: unknown\n"), what);
	else if (tries == 1)
		fprintf(f, _("%s tries left: 1 (LAST TRY)\n"), what);
	else
		fprintf(f, _("%s tries left: %d\n"), what, tries);
}

static void
print_human(struct tool *tl, struct tool_card *c, const struct card_state *s)
{
	char esc[SCL_READER_NAME_MAX * 4], atr[2 * SCL_ATR_MAX + 1];
	FILE *f = tl->out;
	size_t i, ncert = 0;

	tool_escape(c->reader, esc, sizeof(esc));
	scl_hex_encode(c->atr, c->atr_len, atr, sizeof(atr));
	fprintf(f, _("Reader:  %s\n"), esc);
	fprintf(f, _("ATR:     %s\n"), c->atr_len > 0 ? atr : "?");
	fprintf(f, _("Card id: %s\n"), s->card_id[0] != '\0' ? s->card_id :
	    _("(no CHUID)"));
	print_tries(f, "PIN", s->pin_r, s->pin_tries, s->pin_verified);
	print_tries(f, "PUK", s->puk_r, s->puk_tries, s->puk_verified);
	fprintf(f, _("Objects:\n"));
	for (i = 0; i < N_OBJECTS; i++) {
		if (s->obj_r[i] == 0)
			fprintf(f, _("  %-38s %zu bytes\n"), objects[i].name,
			    s->obj_len[i]);
		else if (s->obj_r[i] == SCL_ERR_NO_OBJECT)
			fprintf(f, _("  %-38s absent\n"), objects[i].name);
		else
			fprintf(f, _("  %-38s unreadable (%s)\n"), objects[i].name,
			    scl_err_name(s->obj_r[i]));
	}
	for (i = 0; i < N_SLOTS; i++) {
		if (s->slot[i].r == SCL_ERR_NO_OBJECT)
			continue;
		ncert++;
		fprintf(f, _("Certificate in slot %s:\n"),
		    tool_slot_name(cert_slots[i]));
		if (s->slot[i].r != 0)
			fprintf(f, _("    unreadable: %s\n"),
			    scl_strerror(s->slot[i].r));
		else
			tool_certinfo_print(f, "    ", &s->slot[i].ci);
	}
	if (ncert == 0)
		fprintf(f, _("No certificates.\n"));
	if (tl->reader == NULL && c->n_cards > 1)
		fprintf(f, _("(%zu cards present; this is the first. Use "
		    "--reader for another.)\n"), c->n_cards);
}

int
tool_status(struct tool *tl, int argc, char **argv)
{
	static const struct option opts[] = { TOOL_COMMON_OPTS };
	struct tool_card card;
	struct card_state *s = NULL;
	int c, ex = SCL_EXIT_FAIL;

	memset(&card, 0, sizeof(card));
	tool_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if ((ex = tool_other_opt(tl, c, argv)) != 0)
			return ex < 0 ? 0 : ex;
	}
	if ((ex = tool_no_operands(tl, argc, argv)) != 0)
		return ex;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_NOMEM,
		    "out of memory");
	if ((ex = tool_card_open(tl, &card)) != 0)
		goto out;
	read_state(&card, s);
	tool_card_close(&card, 0);
	if (tl->json)
		print_json(tl, &card, s);
	else
		print_human(tl, &card, s);
	ex = SCL_EXIT_OK;
out:
	tool_card_close(&card, 0);
	free(s);
	return ex;
}
