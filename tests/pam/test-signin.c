/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * Unit test of the sign-in pipeline (policy/signin.c) without pcscd: the
 * PC/SC entry points are replaced at link time (-Wl,--wrap) by a table of
 * fake readers, each holding a tiny in-process PIV card (SELECT with a
 * label, CHUID, certificates in 9A/9E, empty VERIFY).  Certificates come
 * from the test PKI; the mapfile maps them to "root", a user that exists
 * everywhere.  Arguments: PKI_DIR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "config.h"
#include "deadline.h"
#include "err.h"
#include "pcsc.h"
#include "piv.h"
#include "secret.h"
#include "signin.h"
#include "test-pki.h"

static const char *pki;

struct fcard {
	const char *label;
	const char *cert_9a;	/* PKI leaf name or NULL */
	const char *cert_9e;
	uint16_t verify_sw;	/* answer to the empty VERIFY */
	uint16_t secret_sw;	/* answer to VERIFY / CHANGE with a PIN */
	uint16_t sign_sw;	/* answer to GENERAL AUTHENTICATE (0: 6D00),
				 * never with a signature */
	unsigned slow_ms;	/* each APDU takes this long */
	/* runtime */
	unsigned n_secret;	/* VERIFY / CHANGE commands carrying a PIN */
	uint8_t obj[4096];
	size_t obj_len, obj_off;
};

struct freader {
	const char *name;
	struct fcard *card;	/* NULL: empty reader */
};

static struct freader readers[2];
static size_t n_readers;
static int pcsc_error;		/* scl_pcsc_open result */
static struct fcard *current;
static struct scl_transport transport;
static uint64_t fake_due;	/* scl_card_set_deadline's, as pcsc.c keeps it */

/* 53 { 70 der 71 00 FE 00 } with long-form lengths. */
static size_t
cert_object(const char *leaf, uint8_t *out)
{
	uint8_t der[3000];
	size_t n = test_pki_der(pki, leaf, der, sizeof(der)), inner, o = 0;

	inner = 4 + n + 3 + 2;
	out[o++] = 0x53;
	out[o++] = 0x82;
	out[o++] = (uint8_t)(inner >> 8);
	out[o++] = (uint8_t)inner;
	out[o++] = 0x70;
	out[o++] = 0x82;
	out[o++] = (uint8_t)(n >> 8);
	out[o++] = (uint8_t)n;
	memcpy(out + o, der, n);
	o += n;
	memcpy(out + o, "\x71\x01\x00\xfe\x00", 5);
	return o + 5;
}

static int
sw(uint8_t *resp, size_t *len, size_t at, uint16_t s)
{
	resp[at] = (uint8_t)(s >> 8);
	resp[at + 1] = (uint8_t)s;
	*len = at + 2;
	return 0;
}

/* Answer from obj[] in pieces of at most 256 bytes, 61xx for the rest. */
static int
chunk(struct fcard *c, uint8_t *resp, size_t *len)
{
	size_t left = c->obj_len - c->obj_off, n = left > 256 ? 256 : left;

	memcpy(resp, c->obj + c->obj_off, n);
	c->obj_off += n;
	left -= n;
	return sw(resp, len, n, left == 0 ? 0x9000 :
	    (uint16_t)(0x6100 | (left > 255 ? 0 : left)));
}

static int
fake_transmit(void *h, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
    size_t *resp_len)
{
	struct fcard *c = h;
	const char *leaf;

	transport.apdu_count++;
	assert_true(cmd_len >= 4 && *resp_len >= 258);
	if (c->slow_ms > 0) {
		/* pcsc.c: the wait is cut at the deadline */
		int left = scl_deadline_clip(fake_due, (int)c->slow_ms);

		usleep((useconds_t)left * 1000u);
		if (left < (int)c->slow_ms)
			return SCL_ERR_DEADLINE;
	}
	if (cmd[1] == 0xA4) {
		size_t l = strlen(c->label), o = 0;

		resp[o++] = 0x61;
		resp[o++] = (uint8_t)(2 + 6 + 2 + l);
		memcpy(resp + o, "\x4f\x06\x00\x00\x10\x00\x01\x00", 8);
		o += 8;
		resp[o++] = 0x50;
		resp[o++] = (uint8_t)l;
		memcpy(resp + o, c->label, l);
		return sw(resp, resp_len, o + l, 0x9000);
	}
	if (cmd[1] == 0xC0)
		return chunk(c, resp, resp_len);
	if ((cmd[1] == 0x20 || cmd[1] == 0x24) && cmd_len > 5) {
		c->n_secret++;
		return sw(resp, resp_len, 0, c->secret_sw);
	}
	if (cmd[1] == 0x20)
		return sw(resp, resp_len, 0, c->verify_sw);
	if (cmd[1] == 0xCB && cmd_len >= 10) {
		uint32_t tag = (uint32_t)cmd[7] << 16 | (uint32_t)cmd[8] << 8 |
		    cmd[9];

		c->obj_off = 0;
		if (tag == SCL_PIV_TAG_CHUID) {
			static const uint8_t chuid[] = { 0x53, 0x14, 0x34, 0x10,
				1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
				16, 0xfe, 0x00 };

			memcpy(c->obj, chuid, sizeof(chuid));
			c->obj_len = sizeof(chuid);
			return chunk(c, resp, resp_len);
		}
		leaf = tag == SCL_PIV_TAG_CERT_9A ? c->cert_9a :
		    tag == SCL_PIV_TAG_CERT_9E ? c->cert_9e : NULL;
		if (leaf == NULL)
			return sw(resp, resp_len, 0, 0x6A82);
		c->obj_len = cert_object(leaf, c->obj);
		return chunk(c, resp, resp_len);
	}
	if (cmd[1] == 0x87 && c->sign_sw != 0)
		return sw(resp, resp_len, 0, c->sign_sw);
	return sw(resp, resp_len, 0, 0x6D00);
}

static int
fake_begin(void *h)
{
	return 0;
}

static int
fake_end(void *h, int reset)
{
	return 0;
}

static const struct scl_transport_ops fake_ops = {
	fake_transmit, fake_begin, fake_end,
};

/* ---- the wrapped PC/SC layer ---- */

int __wrap_scl_pcsc_open(struct scl_pcsc **ret_ctx);
void __wrap_scl_pcsc_free(struct scl_pcsc **ctxp);
int __wrap_scl_pcsc_list_readers(struct scl_pcsc *ctx,
    struct scl_reader_info *ret_r, size_t cap, size_t *ret_n);
int __wrap_scl_card_connect(struct scl_pcsc *ctx, const char *reader,
    int timeout_ms, struct scl_card **ret_card);
int __wrap_scl_card_begin(struct scl_card *card);
int __wrap_scl_card_end(struct scl_card *card, int reset);
struct scl_transport *__wrap_scl_card_transport(struct scl_card *card);
void __wrap_scl_card_disconnect(struct scl_card **cardp, int reset);
int __wrap_scl_card_set_timeout(struct scl_card *card, int timeout_ms);
void __wrap_scl_card_set_deadline(struct scl_card *card, uint64_t due_ms);
const uint8_t *__wrap_scl_card_atr(const struct scl_card *card,
    size_t *ret_len);

/* No ATR: the scripted cards speak short APDUs. */
const uint8_t *
__wrap_scl_card_atr(const struct scl_card *card, size_t *ret_len)
{
	*ret_len = 0;
	return NULL;
}

void
__wrap_scl_card_set_deadline(struct scl_card *card, uint64_t due_ms)
{
	fake_due = due_ms;
}

int
__wrap_scl_card_set_timeout(struct scl_card *card, int timeout_ms)
{
	return 0;
}

int
__wrap_scl_pcsc_open(struct scl_pcsc **ret_ctx)
{
	if (pcsc_error != 0)
		return pcsc_error;
	*ret_ctx = (struct scl_pcsc *)&readers;
	return 0;
}

void
__wrap_scl_pcsc_free(struct scl_pcsc **ctxp)
{
	*ctxp = NULL;
}

int
__wrap_scl_pcsc_list_readers(struct scl_pcsc *ctx,
    struct scl_reader_info *ret_r, size_t cap, size_t *ret_n)
{
	size_t i;

	for (i = 0; i < n_readers && i < cap; i++) {
		memset(&ret_r[i], 0, sizeof(ret_r[i]));
		snprintf(ret_r[i].name, sizeof(ret_r[i].name), "%s",
		    readers[i].name);
		ret_r[i].card_present = readers[i].card != NULL;
	}
	*ret_n = i;
	return 0;
}

int
__wrap_scl_card_connect(struct scl_pcsc *ctx, const char *reader,
    int timeout_ms, struct scl_card **ret_card)
{
	size_t i;

	for (i = 0; i < n_readers; i++)
		if (strcmp(readers[i].name, reader) == 0 &&
		    readers[i].card != NULL) {
			current = readers[i].card;
			transport.ops = &fake_ops;
			transport.h = current;
			*ret_card = (struct scl_card *)current;
			return 0;
		}
	return SCL_ERR_NO_CARD;
}

int
__wrap_scl_card_begin(struct scl_card *card)
{
	return 0;
}

int
__wrap_scl_card_end(struct scl_card *card, int reset)
{
	return 0;
}

struct scl_transport *
__wrap_scl_card_transport(struct scl_card *card)
{
	return &transport;
}

void
__wrap_scl_card_disconnect(struct scl_card **cardp, int reset)
{
	*cardp = NULL;
}

/* ---- fixtures ---- */

static struct scl_config *cfg;
static char mapfile[] = "/tmp/scl-test-signin-map-XXXXXX";

static int
setup(void **state)
{
	char err[256], path[4096], fa[100], fs[100];
	FILE *f;
	int fd;

	fd = mkstemp(mapfile);
	assert_true(fd >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	test_pki_sha256_hex(pki, "alice", fa);
	test_pki_sha256_hex(pki, "shared", fs);
	/* root exists everywhere; "daemon" too (Debian base-passwd) */
	fprintf(f, "root: sha256:%s\nroot: sha256:%s\ndaemon: sha256:%s\n",
	    fa, fs, fs);
	fclose(f);
	assert_int_equal(scl_config_defaults(&cfg), 0);
	snprintf(path, sizeof(path), "%s/ca.pem", pki);
	assert_int_equal(scl_config_set(cfg, "ca_file", path, err,
	    sizeof(err)), 0);
	if (scl_config_set(cfg, "mapfile", mapfile, err, sizeof(err)) != 0)
		fail_msg("mapfile: %s", err);
	assert_int_equal(scl_config_set(cfg, "mapping", "mapfile", err,
	    sizeof(err)), 0);
	assert_int_equal(scl_config_set(cfg, "crl", "off", err,
	    sizeof(err)), 0);
	assert_int_equal(scl_config_set(cfg, "ocsp", "off", err,
	    sizeof(err)), 0);
	return 0;
}

static int
teardown(void **state)
{
	scl_config_free(&cfg);
	unlink(mapfile);
	return 0;
}

static struct scl_signin_result *
scan(const char *user, unsigned mask)
{
	struct scl_signin_opts o = { .cfg = cfg, .user = user,
		.key_mask = mask };
	struct scl_signin_result *res = NULL;

	assert_int_equal(scl_signin_scan(&o, &res), 0);
	assert_non_null(res);
	return res;
}

static int
has_entry(const struct scl_signin_result *res, enum scl_signin_step step,
    enum scl_verdict v, const char *detail)
{
	size_t i;

	for (i = 0; i < res->report.n; i++)
		if (res->report.e[i].step == step &&
		    res->report.e[i].verdict == v && (detail == NULL ||
		    strstr(res->report.e[i].detail, detail) != NULL))
			return 1;
	return 0;
}

/* ---- cases ---- */

static void
test_no_service(void **state)
{
	struct scl_signin_result *res;

	pcsc_error = SCL_ERR_NO_SERVICE;
	res = scan("root", 0);
	pcsc_error = 0;
	assert_int_equal(res->n_usable, 0);
	assert_int_equal(res->reason, SCL_ERR_NO_SERVICE);
	assert_int_equal(res->reason_step, SCL_STEP_SERVICE);
	assert_true(res->report.e[0].fix[0] != '\0');
	scl_signin_result_free(&res);
	assert_null(res);
}

static void
test_no_reader_no_card(void **state)
{
	struct scl_signin_result *res;

	n_readers = 0;
	res = scan("root", 0);
	assert_int_equal(res->reason, SCL_ERR_NO_READER);
	scl_signin_result_free(&res);

	readers[0] = (struct freader){ "Reader A", NULL };
	n_readers = 1;
	res = scan("root", 0);
	assert_int_equal(res->reason, SCL_ERR_NO_CARD);
	assert_int_equal(res->reason_step, SCL_STEP_CARD);
	scl_signin_result_free(&res);
}

static void
test_usable_and_dedup(void **state)
{
	struct fcard card = { .label = "Test card", .cert_9a = "alice",
	    .cert_9e = "alice", .verify_sw = 0x63C3 };
	struct scl_signin_result *res;
	const struct scl_signin_candidate *c;

	readers[0] = (struct freader){ "Reader A", &card };
	n_readers = 1;
	res = scan("root", SCL_SIGNIN_KEY_9A | SCL_SIGNIN_KEY_9E);
	assert_int_equal(res->n, 1);		/* 9E duplicate dropped */
	assert_int_equal(res->n_usable, 1);
	assert_int_equal(res->reason, 0);
	assert_true(has_entry(res, SCL_STEP_CERT_READ, SCL_VERDICT_WARN,
	    "duplicate"));
	c = scl_signin_usable(res, 0);
	assert_non_null(c);
	assert_null(scl_signin_usable(res, 1));
	assert_int_equal(c->key_ref, SCL_PIV_KEY_AUTH);
	assert_int_equal(c->alg, SCL_PIV_ALG_RSA2048);
	assert_int_equal(c->tries, 3);
	assert_string_equal(c->label, "Test card");
	assert_string_equal(c->card_id, "0102030405060708090a0b0c0d0e0f10");
	assert_string_equal(c->reader, "Reader A");
	assert_int_equal(c->users.n, 1);
	assert_string_equal(c->users.users[0], "root");
	assert_int_equal(strlen(c->sha256_hex), 64);
	assert_true(has_entry(res, SCL_STEP_PIN_STATE, SCL_VERDICT_OK, NULL));
	scl_signin_result_free(&res);
}

/* #12: the card's label reaches prompts only cleaned and bounded. */
static void
test_hostile_label(void **state)
{
	struct fcard card = { .label = "Password for alice (your login "
	    "password)\n\x1b[31m"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	    .cert_9a = "alice", .verify_sw = 0x63C3 };
	struct scl_signin_result *res;
	const struct scl_signin_candidate *c;

	(void)state;
	readers[0] = (struct freader){ "Reader A", &card };
	n_readers = 1;
	res = scan("root", SCL_SIGNIN_KEY_9A);
	c = scl_signin_usable(res, 0);
	assert_non_null(c);
	assert_string_equal(c->label, "Password for alice (your logi...");
	scl_signin_result_free(&res);
}

static void
test_expired_and_furthest_reason(void **state)
{
	struct fcard bad = { .label = "Old card", .cert_9a = "alice-expired",
	    .cert_9e = NULL, .verify_sw = 0x63C3 };
	struct scl_signin_result *res;

	/* an empty reader first: the expired card is the better reason */
	readers[0] = (struct freader){ "Reader A", NULL };
	readers[1] = (struct freader){ "Reader B", &bad };
	n_readers = 2;
	res = scan("root", 0);
	assert_int_equal(res->n, 1);
	assert_int_equal(res->n_usable, 0);
	assert_int_equal(res->c[0].status, SCL_ERR_CERT_EXPIRED);
	assert_int_equal(res->c[0].fail_step, SCL_STEP_CERT_VALID);
	assert_int_equal(res->reason, SCL_ERR_CERT_EXPIRED);
	assert_true(has_entry(res, SCL_STEP_CERT_VALID, SCL_VERDICT_FAIL,
	    NULL));
	scl_signin_result_free(&res);
}

static void
test_mapping(void **state)
{
	struct fcard shared = { .label = "Shared", .cert_9a = "shared",
	    .cert_9e = NULL, .verify_sw = 0x63C3 };
	struct fcard bob = { .label = "Bob", .cert_9a = "bob",
	    .cert_9e = NULL, .verify_sw = 0x63C3 };
	struct scl_signin_result *res;

	readers[0] = (struct freader){ "Reader A", &shared };
	n_readers = 1;
	/* card-only: both users, for the caller to refuse or ask */
	res = scan(NULL, 0);
	assert_int_equal(res->n_usable, 1);
	assert_int_equal(res->c[0].users.n, 2);
	assert_true(has_entry(res, SCL_STEP_MAPPING, SCL_VERDICT_WARN, NULL));
	scl_signin_result_free(&res);

	/* bob's certificate maps to nobody here */
	readers[0].card = &bob;
	res = scan("root", 0);
	assert_int_equal(res->n_usable, 0);
	assert_int_equal(res->reason, SCL_ERR_NO_MAPPING);
	assert_int_equal(res->reason_step, SCL_STEP_MAPPING);
	scl_signin_result_free(&res);
}

static void
test_pin_state(void **state)
{
	struct fcard blocked = { .label = "Blocked", .cert_9a = "alice",
	    .cert_9e = NULL, .verify_sw = 0x6983 };
	struct fcard low = { .label = "Low", .cert_9a = "alice",
	    .cert_9e = NULL, .verify_sw = 0x63C1 };
	struct scl_signin_result *res;

	readers[0] = (struct freader){ "Reader A", &blocked };
	n_readers = 1;
	res = scan("root", 0);
	assert_int_equal(res->n_usable, 0);
	assert_int_equal(res->reason, SCL_ERR_PIN_BLOCKED);
	assert_int_equal(res->reason_step, SCL_STEP_PIN_STATE);
	scl_signin_result_free(&res);

	readers[0].card = &low;
	res = scan("root", 0);
	assert_int_equal(res->n_usable, 1);
	assert_int_equal(res->c[0].tries, 1);
	assert_true(has_entry(res, SCL_STEP_PIN_STATE, SCL_VERDICT_WARN,
	    "1 PIN try left"));
	scl_signin_result_free(&res);
}

/*
 * Tries spent by someone else between the scan and the PIN: the last try
 * the caller did not guard is refused before anything is sent.
 */
static void
test_last_try_after_scan(void **state)
{
	struct fcard card = { .label = "Card", .cert_9a = "alice",
	    .cert_9e = NULL, .verify_sw = 0x63C3, .secret_sw = 0x63C0 };
	struct scl_signin_result *res;
	const struct scl_signin_candidate *c;
	struct scl_pin pin, new_pin;
	const char *why = NULL;
	int tries = -1;

	assert_int_equal(scl_pin_set(&pin, "123456"), 0);
	assert_int_equal(scl_pin_set(&new_pin, "24681357"), 0);
	readers[0] = (struct freader){ "Reader A", &card };
	n_readers = 1;
	res = scan("root", 0);
	assert_non_null(c = scl_signin_usable(res, 0));
	assert_int_equal(c->tries, 3);

	card.verify_sw = 0x63C1;
	assert_int_equal(scl_signin_authenticate(cfg, c, &pin, &tries),
	    SCL_ERR_PIN_LAST_TRY);
	assert_int_equal(scl_signin_change_pin(cfg, c, &pin, &new_pin, &tries,
	    &why), SCL_ERR_PIN_LAST_TRY);
	card.verify_sw = 0x6983;
	assert_int_equal(scl_signin_authenticate(cfg, c, &pin, &tries),
	    SCL_ERR_PIN_BLOCKED);
	assert_int_equal(card.n_secret, 0);
	scl_signin_result_free(&res);

	/* seen as the last try at scan time (the caller guarded it): sent */
	card.verify_sw = 0x63C1;
	res = scan("root", 0);
	assert_non_null(c = scl_signin_usable(res, 0));
	assert_int_equal(c->tries, 1);
	assert_int_equal(scl_signin_authenticate(cfg, c, &pin, &tries),
	    SCL_ERR_PIN_BLOCKED);
	assert_int_equal(card.n_secret, 1);
	scl_signin_result_free(&res);
	scl_pin_clear(&pin);
	scl_pin_clear(&new_pin);
}

/* The current PIN of a change gets the sign-in length check: no try. */
static void
test_change_pin_old_length(void **state)
{
	struct fcard card = { .label = "Card", .cert_9a = "alice",
	    .cert_9e = NULL, .verify_sw = 0x63C3, .secret_sw = 0x9000 };
	struct scl_signin_result *res;
	const struct scl_signin_candidate *c;
	struct scl_pin old_pin, new_pin;
	const char *why = NULL;
	int tries = 42;

	assert_int_equal(scl_pin_set(&new_pin, "24681357"), 0);
	readers[0] = (struct freader){ "Reader A", &card };
	n_readers = 1;
	res = scan("root", 0);
	assert_non_null(c = scl_signin_usable(res, 0));

	assert_int_equal(scl_pin_set(&old_pin, "12345"), 0);
	assert_int_equal(scl_signin_change_pin(cfg, c, &old_pin, &new_pin,
	    &tries, &why), SCL_ERR_PIN_FORMAT);
	assert_int_equal(scl_pin_set(&old_pin, "1"), 0);
	assert_int_equal(scl_signin_change_pin(cfg, c, &old_pin, &new_pin,
	    &tries, &why), SCL_ERR_PIN_FORMAT);
	/* A policy with shorter maximum: an 8-character PIN cannot be it. */
	cfg->pin_policy.max_len = 7;
	assert_int_equal(scl_pin_set(&old_pin, "12345678"), 0);
	assert_int_equal(scl_signin_change_pin(cfg, c, &old_pin, &new_pin,
	    &tries, &why), SCL_ERR_PIN_FORMAT);
	cfg->pin_policy.max_len = 8;
	assert_int_equal(card.n_secret, 0);
	assert_int_equal(tries, 42);
	assert_null(why);

	assert_int_equal(scl_pin_set(&old_pin, "123456"), 0);
	assert_int_equal(scl_signin_change_pin(cfg, c, &old_pin, &new_pin,
	    &tries, &why), 0);
	assert_int_equal(card.n_secret, 1);
	scl_signin_result_free(&res);
	scl_pin_clear(&old_pin);
	scl_pin_clear(&new_pin);
}

/*
 * A card that does not report its tries (empty VERIFY answers neither
 * 63Cx nor 9000): warn (default) lets it through, flagged, and the PIN is
 * sent; refuse keeps it from ever being asked for a PIN.
 */
static void
test_unknown_tries(void **state)
{
	struct fcard card = { .label = "Mute", .cert_9a = "alice",
	    .cert_9e = NULL, .verify_sw = 0x6A80, .secret_sw = 0x9000 };
	struct scl_signin_result *res;
	const struct scl_signin_candidate *c;
	struct scl_pin pin;
	int tries = 42;

	assert_int_equal(scl_pin_set(&pin, "123456"), 0);
	readers[0] = (struct freader){ "Reader A", &card };
	n_readers = 1;
	assert_int_equal(cfg->unknown_tries, SCL_UNKNOWN_TRIES_WARN);
	res = scan("root", 0);
	assert_non_null(c = scl_signin_usable(res, 0));
	assert_int_equal(c->tries, -1);
	assert_true(has_entry(res, SCL_STEP_PIN_STATE, SCL_VERDICT_WARN,
	    "tries left unknown"));
	assert_false(has_entry(res, SCL_STEP_PIN_STATE, SCL_VERDICT_OK,
	    NULL));
	assert_int_equal(scl_signin_authenticate(cfg, c, &pin, &tries),
	    SCL_ERR_SIG_INVALID);	/* PIN sent; the fake cannot sign */
	assert_int_equal(card.n_secret, 1);

	/* Reported at the scan, no longer when the PIN would go: the user
	 * was not warned, so nothing is sent. */
	card.verify_sw = 0x63C3;
	scl_signin_result_free(&res);
	res = scan("root", 0);
	assert_non_null(c = scl_signin_usable(res, 0));
	assert_int_equal(c->tries, 3);
	card.verify_sw = 0x6A80;
	card.n_secret = 0;
	assert_int_equal(scl_signin_authenticate(cfg, c, &pin, &tries),
	    SCL_ERR_PIN_TRIES_UNKNOWN);
	assert_int_equal(card.n_secret, 0);
	card.verify_sw = 0x9000;	/* "already verified": no count either */
	assert_int_equal(scl_signin_authenticate(cfg, c, &pin, &tries),
	    SCL_ERR_PIN_TRIES_UNKNOWN);
	assert_int_equal(card.n_secret, 0);
	assert_int_equal(tries, 42);
	scl_signin_result_free(&res);

	/* refuse: not a candidate; and refused again at the card. */
	cfg->unknown_tries = SCL_UNKNOWN_TRIES_REFUSE;
	card.verify_sw = 0x6A80;
	res = scan("root", 0);
	assert_int_equal(res->n, 1);
	assert_int_equal(res->n_usable, 0);
	assert_int_equal(res->reason, SCL_ERR_PIN_TRIES_UNKNOWN);
	assert_int_equal(res->reason_step, SCL_STEP_PIN_STATE);
	assert_true(has_entry(res, SCL_STEP_PIN_STATE, SCL_VERDICT_FAIL,
	    "does not report its PIN tries left"));
	assert_int_equal(scl_signin_authenticate(cfg, &res->c[0], &pin,
	    &tries), SCL_ERR_PIN_TRIES_UNKNOWN);
	assert_int_equal(card.n_secret, 0);
	scl_signin_result_free(&res);
	card.verify_sw = 0x9000;
	res = scan("root", 0);
	assert_int_equal(res->reason, SCL_ERR_PIN_TRIES_UNKNOWN);
	scl_signin_result_free(&res);
	cfg->unknown_tries = SCL_UNKNOWN_TRIES_WARN;
	scl_pin_clear(&pin);
}

/* opts.key_mask 0 reads the slots of the configuration. */
static void
test_slots_from_config(void **state)
{
	struct fcard card = { .label = "Card", .cert_9a = NULL,
	    .cert_9e = "alice", .verify_sw = 0x63C3 };
	struct scl_signin_result *res;

	readers[0] = (struct freader){ "Reader A", &card };
	n_readers = 1;
	res = scan("root", 0);
	assert_int_equal(res->n_usable, 0);	/* 9A only: nothing */
	scl_signin_result_free(&res);
	cfg->slots = SCL_SIGNIN_KEY_9A | SCL_SIGNIN_KEY_9E;
	res = scan("root", 0);
	assert_int_equal(res->n_usable, 1);
	assert_int_equal(res->c[0].key_ref, SCL_PIV_KEY_CARDAUTH);
	scl_signin_result_free(&res);
	/* an explicit mask wins */
	res = scan("root", SCL_SIGNIN_KEY_9A);
	assert_int_equal(res->n_usable, 0);
	scl_signin_result_free(&res);
	cfg->slots = SCL_SIGNIN_KEY_9A;
}

static void
test_names(void **state)
{
	int s;

	for (s = 0; s < SCL_STEP_N_; s++)
		assert_string_not_equal(scl_signin_step_name(s), "UNKNOWN");
	assert_string_equal(scl_signin_step_name(SCL_STEP_N_), "UNKNOWN");
	assert_string_equal(scl_verdict_name(SCL_VERDICT_WARN), "warn");
	assert_int_equal(scl_signin_scan(NULL, NULL),
	    SCL_ERR_INVALID_ARGUMENT);
}

/*
 * #12: once VERIFY succeeded, a GENERAL AUTHENTICATE that fails in any way
 * (not found, a bare 9000 with no signature, an unknown status) is a
 * failed proof, SIG_INVALID, never a card problem the stack skips.
 */
static void
test_proof_failure_after_verify(void **state)
{
	static const uint16_t sws[] = { 0x6A82, 0x9000, 0x6F00, 0x6982 };
	struct fcard card = { .label = "Card", .cert_9a = "alice",
	    .cert_9e = NULL, .verify_sw = 0x63C3, .secret_sw = 0x9000 };
	struct scl_signin_result *res;
	const struct scl_signin_candidate *c;
	struct scl_pin pin;
	int tries = 42;
	size_t i;

	assert_int_equal(scl_pin_set(&pin, "123456"), 0);
	readers[0] = (struct freader){ "Reader A", &card };
	n_readers = 1;
	res = scan("root", 0);
	assert_non_null(c = scl_signin_usable(res, 0));
	for (i = 0; i < sizeof(sws) / sizeof(sws[0]); i++) {
		card.sign_sw = sws[i];
		assert_int_equal(scl_signin_authenticate(cfg, c, &pin, &tries),
		    SCL_ERR_SIG_INVALID);
	}
	/* before VERIFY succeeded: still what the card said */
	card.secret_sw = 0x63C2;
	assert_int_equal(scl_signin_authenticate(cfg, c, &pin, &tries),
	    SCL_ERR_PIN_WRONG);
	assert_int_equal(tries, 2);
	scl_signin_result_free(&res);
	scl_pin_clear(&pin);
}

static int
has_deadline_for(const struct scl_signin_result *res, const char *reader)
{
	size_t i;

	for (i = 0; i < res->report.n; i++)
		if (res->report.e[i].verdict == SCL_VERDICT_FAIL &&
		    res->report.e[i].reason == SCL_ERR_DEADLINE &&
		    strcmp(res->report.e[i].reader, reader) == 0)
			return 1;
	return 0;
}

/*
 * #12: one deadline for the whole scan.  A card answering each APDU just
 * under card_timeout_ms held every sign-in for (APDUs x card_timeout_ms);
 * now the scan ends at scan_timeout_ms, the slow card and every token not
 * reached are reported as DEADLINE, and the cards read before it stay
 * usable.
 */
static void
test_scan_deadline(void **state)
{
	struct fcard good = { .label = "Good", .cert_9a = "alice",
	    .verify_sw = 0x63C3 };
	struct fcard slow = { .label = "Slow", .cert_9a = "alice",
	    .verify_sw = 0x63C3, .slow_ms = 1500 };
	struct scl_signin_result *res;
	char err[256];

	assert_int_equal(scl_config_set(cfg, "card_timeout_ms", "10000", err,
	    sizeof(err)), 0);
	assert_int_equal(scl_config_set(cfg, "scan_timeout_ms", "2000", err,
	    sizeof(err)), 0);
	readers[0] = (struct freader){ "Reader A", &good };
	readers[1] = (struct freader){ "Reader S", &slow };
	n_readers = 2;
	res = scan("root", 0);
	assert_int_equal(res->n_usable, 1);
	assert_string_equal(scl_signin_usable(res, 0)->reader, "Reader A");
	assert_true(has_deadline_for(res, "Reader S"));
	assert_false(has_deadline_for(res, "Reader A"));
	scl_signin_result_free(&res);

	/* the slow card first: the good one is not reached */
	readers[0] = (struct freader){ "Reader S", &slow };
	readers[1] = (struct freader){ "Reader A", &good };
	res = scan("root", 0);
	assert_int_equal(res->n_usable, 0);
	assert_int_equal(res->reason, SCL_ERR_DEADLINE);
	assert_true(has_deadline_for(res, "Reader S"));
	assert_true(has_deadline_for(res, "Reader A"));
	assert_true(has_entry(res, SCL_STEP_CARD, SCL_VERDICT_FAIL,
	    "skipped: the scan deadline (scan_timeout_ms = 2000) passed"));
	scl_signin_result_free(&res);
	assert_int_equal(scl_config_set(cfg, "scan_timeout_ms", "5000", err,
	    sizeof(err)), 0);
}

/* #12: authenticate has its own deadline; reached before VERIFY, no PIN
 * goes to the card. */
static void
test_auth_deadline(void **state)
{
	struct fcard card = { .label = "Card", .cert_9a = "alice",
	    .verify_sw = 0x63C3, .secret_sw = 0x9000 };
	struct scl_signin_result *res;
	const struct scl_signin_candidate *c;
	struct scl_pin pin;
	char err[256];

	assert_int_equal(scl_pin_set(&pin, "123456"), 0);
	assert_int_equal(scl_config_set(cfg, "auth_timeout_ms", "1000", err,
	    sizeof(err)), 0);
	readers[0] = (struct freader){ "Reader A", &card };
	n_readers = 1;
	res = scan("root", 0);
	assert_non_null(c = scl_signin_usable(res, 0));
	card.slow_ms = 600;	/* SELECT in time, CHUID not */
	assert_int_equal(scl_signin_authenticate(cfg, c, &pin, NULL),
	    SCL_ERR_DEADLINE);
	assert_int_equal(card.n_secret, 0);
	scl_signin_result_free(&res);
	scl_pin_clear(&pin);
	assert_int_equal(scl_config_set(cfg, "auth_timeout_ms", "10000", err,
	    sizeof(err)), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_service),
		cmocka_unit_test(test_no_reader_no_card),
		cmocka_unit_test(test_usable_and_dedup),
		cmocka_unit_test(test_hostile_label),
		cmocka_unit_test(test_expired_and_furthest_reason),
		cmocka_unit_test(test_mapping),
		cmocka_unit_test(test_pin_state),
		cmocka_unit_test(test_last_try_after_scan),
		cmocka_unit_test(test_change_pin_old_length),
		cmocka_unit_test(test_unknown_tries),
		cmocka_unit_test(test_proof_failure_after_verify),
		cmocka_unit_test(test_scan_deadline),
		cmocka_unit_test(test_auth_deadline),
		cmocka_unit_test(test_slots_from_config),
		cmocka_unit_test(test_names),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s PKI_DIR\n", argv[0]);
		return 2;
	}
	pki = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
