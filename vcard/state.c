/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cursor.h"
#include "err.h"
#include "hex.h"
#include "pinpolicy.h"
#include "piv.h"
#include "secret.h"
#include "state.h"

#define MAGIC "sclogin-vcard-state"
#define MAX_TOKENS 8

struct tok {
	const char *p;
	size_t len;
};

enum {
	SEEN_NAME = 1 << 0,
	SEEN_SERIAL = 1 << 1,
	SEEN_GUID = 1 << 2,
	SEEN_PIN = 1 << 3,
	SEEN_PUK = 1 << 4,
	SEEN_PIN_TRIES = 1 << 5,
	SEEN_PUK_TRIES = 1 << 6,
	SEEN_DEFAULTS = 1 << 7,
	SEEN_ADMIN = 1 << 8,
	SEEN_POLICY = 1 << 9,
	SEEN_ALL = (1 << 10) - 1,
	SEEN_TPM = 1 << 10,
	SEEN_KDF = 1 << 11,
	SEEN_PIN_WRAP = 1 << 12,
	SEEN_PUK_WRAP = 1 << 13,
	SEEN_BOX = 1 << 14,
	SEEN_APPLET = 1 << 15,
	SEEN_KDF_ALL = SEEN_KDF | SEEN_PIN_WRAP | SEEN_PUK_WRAP | SEEN_BOX,
};

static const char *const field_names[] = {
	"name", "serial", "guid", "pin", "puk", "pin-tries", "puk-tries",
	"defaults", "admin", "pin-policy", "tpm", "kdf", "pin-wrap",
	"puk-wrap", "box", "applet",
};

static const struct {
	uint8_t alg;
	const char *name;
} alg_names[] = {
	{ SCL_PIV_ALG_3DES, "3des" },
	{ SCL_PIV_ALG_AES128, "aes128" },
	{ SCL_PIV_ALG_AES192, "aes192" },
	{ SCL_PIV_ALG_AES256, "aes256" },
	{ SCL_PIV_ALG_RSA2048, "rsa2048" },
	{ SCL_PIV_ALG_ECC256, "eccp256" },
	{ SCL_PIV_ALG_ECC384, "eccp384" },
};

const char *
vc_applet_name(uint8_t applet)
{
	return applet == VC_APPLET_GIDS ? "gids" : "piv";
}

int
vc_applet_parse(const char *s, uint8_t *ret_applet)
{
	if (strcmp(s, "piv") == 0)
		*ret_applet = VC_APPLET_PIV;
	else if (strcmp(s, "gids") == 0)
		*ret_applet = VC_APPLET_GIDS;
	else
		return -1;
	return 0;
}

const char *
vc_alg_name(uint8_t alg)
{
	for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
		if (alg_names[i].alg == alg)
			return alg_names[i].name;
	}
	return "unknown";
}

int
vc_alg_parse(const char *s, uint8_t *ret_alg)
{
	for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
		if (strcmp(alg_names[i].name, s) == 0) {
			*ret_alg = alg_names[i].alg;
			return 0;
		}
	}
	return SCL_ERR_INVALID_ARGUMENT;
}

int
vc_slot_valid(uint8_t slot)
{
	return slot == 0x9a || slot == 0x9c || slot == 0x9d || slot == 0x9e ||
	    (slot >= 0x82 && slot <= 0x95);
}

static int
tok_eq(const struct tok *t, const char *s)
{
	size_t n = strlen(s);

	return t->len == n && memcmp(t->p, s, n) == 0;
}

/* Decode exactly t->len / 2 bytes into out (cap); 0 or -1. */
static int
tok_hex(const struct tok *t, uint8_t *out, size_t cap, size_t *ret_len)
{
	return scl_hex_decode(t->p, t->len, out, cap, ret_len) == 0 ? 0 : -1;
}

static int
tok_hex_exact(const struct tok *t, uint8_t *out, size_t len)
{
	size_t n;

	return tok_hex(t, out, len, &n) == 0 && n == len ? 0 : -1;
}

static int
tok_hex_alloc(const struct tok *t, size_t max, uint8_t **ret, size_t *ret_len)
{
	uint8_t *p;
	size_t n;

	if (t->len / 2 > max)
		return -1;
	if ((p = malloc(t->len / 2 + 1)) == NULL)
		return -1;
	if (tok_hex(t, p, t->len / 2, &n) != 0) {
		free(p);
		return -1;
	}
	*ret = p;
	*ret_len = n;
	return 0;
}

/* Unsigned number in base 10 or 16 within [min, max]. */
static int
tok_uint(const struct tok *t, int base, unsigned long min, unsigned long max,
    unsigned long *ret)
{
	unsigned long v = 0;

	if (t->len == 0 || t->len > 10)
		return -1;
	for (size_t i = 0; i < t->len; i++) {
		int d = base == 16 ? scl_hex_digit((unsigned char)t->p[i]) :
		    (t->p[i] >= '0' && t->p[i] <= '9' ? t->p[i] - '0' : -1);

		if (d < 0)
			return -1;
		v = v * (unsigned long)base + (unsigned long)d;
	}
	if (v < min || v > max)
		return -1;
	*ret = v;
	return 0;
}

static void seterr(char *err, size_t errlen, unsigned line, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
seterr(char *err, size_t errlen, unsigned line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(err, errlen, "line %u: %s", line, msg);
	else
		snprintf(err, errlen, "%s", msg);
}

static size_t
split(const char *p, size_t len, struct tok *toks, size_t max, size_t *ret_n)
{
	size_t n = 0, i = 0;

	while (i < len) {
		size_t start;

		while (i < len && p[i] == ' ')
			i++;
		if (i == len)
			break;
		if (n == max)
			return 1;
		start = i;
		while (i < len && p[i] != ' ')
			i++;
		toks[n].p = p + start;
		toks[n].len = i - start;
		n++;
	}
	*ret_n = n;
	return 0;
}

static int
parse_hash(const struct tok *t, size_t nt, struct vc_hash *h)
{
	unsigned long it;

	if (nt != 5 || !tok_eq(&t[1], "pbkdf2-sha256") ||
	    tok_uint(&t[2], 10, VC_HASH_ITER_MIN, VC_HASH_ITER_MAX, &it) != 0 ||
	    tok_hex_exact(&t[3], h->salt, sizeof(h->salt)) != 0 ||
	    tok_hex_exact(&t[4], h->hash, sizeof(h->hash)) != 0)
		return -1;
	h->iter = (uint32_t)it;
	return 0;
}

static int
parse_tries(const struct tok *t, size_t nt, uint8_t *left, uint8_t *max)
{
	unsigned long l, m;

	if (nt != 3 || tok_uint(&t[1], 10, 0, VC_TRIES_MAX, &l) != 0 ||
	    tok_uint(&t[2], 10, 1, VC_TRIES_MAX, &m) != 0 || l > m)
		return -1;
	*left = (uint8_t)l;
	*max = (uint8_t)m;
	return 0;
}

static int
valid_object_tag(uint32_t tag)
{
	return (tag >= 0x5fc101 && tag <= 0x5fc123) || tag == 0x5fff00 ||
	    (tag >= 0x5fff01 && tag <= 0x5fff15);
}

static int
parse_line(struct vc_state *s, const struct tok *t, size_t nt,
    const char *line, size_t line_len, unsigned *seen, unsigned ln,
    char *err, size_t errlen)
{
	struct scl_pin_policy pol;
	unsigned long v, a, b, c;
	unsigned bit = 0;
	const char *what = NULL;

#define FAIL(...) do { seterr(err, errlen, ln, __VA_ARGS__); return -1; } \
	while (0)
	if (tok_eq(&t[0], "name")) {
		size_t off = (size_t)(t[0].p - line) + t[0].len + 1;

		bit = SEEN_NAME;
		if (off > line_len || line_len - off > VC_NAME_MAX)
			FAIL("name: missing or longer than %d bytes",
			    VC_NAME_MAX);
		for (size_t i = off; i < line_len; i++) {
			if (line[i] < 0x20 || line[i] > 0x7e)
				FAIL("name: contains a non-printable byte");
		}
		memcpy(s->name, line + off, line_len - off);
		s->name[line_len - off] = '\0';
	} else if (tok_eq(&t[0], "serial")) {
		bit = SEEN_SERIAL;
		if (nt != 2 || t[1].len != 8 ||
		    tok_uint(&t[1], 16, 0, 0xffffffffUL, &v) != 0)
			FAIL("serial: expected 8 hex digits");
		s->serial = (uint32_t)v;
	} else if (tok_eq(&t[0], "guid")) {
		bit = SEEN_GUID;
		if (nt != 2 || tok_hex_exact(&t[1], s->guid, 16) != 0)
			FAIL("guid: expected 32 hex digits");
	} else if (tok_eq(&t[0], "pin") || tok_eq(&t[0], "puk")) {
		int pin = tok_eq(&t[0], "pin");

		bit = pin ? SEEN_PIN : SEEN_PUK;
		if (parse_hash(t, nt, pin ? &s->pin : &s->puk) != 0)
			FAIL("%s: expected 'pbkdf2-sha256 ITER SALT HASH' with "
			    "%u..%u iterations, 16-byte salt, 32-byte hash",
			    pin ? "pin" : "puk", VC_HASH_ITER_MIN,
			    VC_HASH_ITER_MAX);
	} else if (tok_eq(&t[0], "tpm")) {
		bit = SEEN_TPM;
		if (nt != 3 || t[1].len != 8 || t[2].len != 8 ||
		    tok_uint(&t[1], 16, 1, 0xffffffffUL, &a) != 0 ||
		    tok_uint(&t[2], 16, 1, 0xffffffffUL, &b) != 0 || a == b ||
		    (a >> 24) != 0x01 || (b >> 24) != 0x01)
			FAIL("tpm: expected two different NV index handles "
			    "01xxxxxx (PIN, PUK)");
		s->tpm_pin_nv = (uint32_t)a;
		s->tpm_puk_nv = (uint32_t)b;
	} else if (tok_eq(&t[0], "kdf")) {
		const char *reason = NULL;

		bit = SEEN_KDF;
		if (nt != 5 || !tok_eq(&t[1], "scrypt") ||
		    tok_uint(&t[2], 10, 0, 255, &a) != 0 ||
		    tok_uint(&t[3], 10, 0, 255, &b) != 0 ||
		    tok_uint(&t[4], 10, 0, 255, &c) != 0)
			FAIL("kdf: expected 'scrypt LOGN R P'");
		s->kdf.logn = (uint8_t)a;
		s->kdf.r = (uint8_t)b;
		s->kdf.p = (uint8_t)c;
		if (vc_kdf_check(&s->kdf, &reason) != 0)
			FAIL("kdf: %s", reason);
	} else if (tok_eq(&t[0], "pin-wrap") || tok_eq(&t[0], "puk-wrap")) {
		int pin = tok_eq(&t[0], "pin-wrap");
		struct vc_wrap *w = pin ? &s->pin_wrap : &s->puk_wrap;

		bit = pin ? SEEN_PIN_WRAP : SEEN_PUK_WRAP;
		if (nt != 3 || tok_hex_exact(&t[1], w->salt,
		    sizeof(w->salt)) != 0 || tok_hex_exact(&t[2], w->blob,
		    sizeof(w->blob)) != 0)
			FAIL("%s: expected a %d-byte salt and a %d-byte wrapped "
			    "key in hex", pin ? "pin-wrap" : "puk-wrap",
			    VC_WRAP_SALT_LEN, VC_WRAP_LEN);
	} else if (tok_eq(&t[0], "box")) {
		bit = SEEN_BOX;
		if (nt != 3 || tok_hex_exact(&t[1], s->box_pub,
		    sizeof(s->box_pub)) != 0 || tok_hex_exact(&t[2],
		    s->box_sealed, sizeof(s->box_sealed)) != 0)
			FAIL("box: expected a %d-byte public key and a %d-byte "
			    "sealed private key in hex", VC_BOX_PUB_LEN,
			    VC_BOX_PRIV_SEALED_LEN);
	} else if (tok_eq(&t[0], "pin-tries") || tok_eq(&t[0], "puk-tries")) {
		int pin = tok_eq(&t[0], "pin-tries");

		bit = pin ? SEEN_PIN_TRIES : SEEN_PUK_TRIES;
		if (parse_tries(t, nt, pin ? &s->pin_left : &s->puk_left,
		    pin ? &s->pin_max : &s->puk_max) != 0)
			FAIL("%s: expected 'LEFT LIMIT', 1 <= LIMIT <= %d and "
			    "LEFT <= LIMIT", pin ? "pin-tries" : "puk-tries",
			    VC_TRIES_MAX);
	} else if (tok_eq(&t[0], "defaults")) {
		bit = SEEN_DEFAULTS;
		if (nt != 4 || tok_uint(&t[1], 10, 0, 1, &a) != 0 ||
		    tok_uint(&t[2], 10, 0, 1, &b) != 0 ||
		    tok_uint(&t[3], 10, 0, 1, &c) != 0)
			FAIL("defaults: expected three flags 0 or 1");
		s->pin_default = (uint8_t)a;
		s->puk_default = (uint8_t)b;
		s->admin_default = (uint8_t)c;
	} else if (tok_eq(&t[0], "admin")) {
		char alg[16];

		bit = SEEN_ADMIN;
		if (nt != 3 || t[1].len >= sizeof(alg))
			FAIL("admin: expected 'ALG SEALED-HEX'");
		memcpy(alg, t[1].p, t[1].len);
		alg[t[1].len] = '\0';
		if (vc_alg_parse(alg, &s->admin_alg) != 0 ||
		    (s->admin_alg != SCL_PIV_ALG_3DES &&
		    s->admin_alg != SCL_PIV_ALG_AES128 &&
		    s->admin_alg != SCL_PIV_ALG_AES192 &&
		    s->admin_alg != SCL_PIV_ALG_AES256))
			FAIL("admin: algorithm must be 3des, aes128, aes192 or "
			    "aes256");
		if (tok_hex_alloc(&t[2], VC_SEALED_MAX, &s->admin_sealed,
		    &s->admin_sealed_len) != 0 ||
		    s->admin_sealed_len < VC_SEAL_OVERHEAD)
			FAIL("admin: sealed key is not valid hex of a sealed "
			    "blob");
	} else if (tok_eq(&t[0], "applet")) {
		char w[8] = "";

		bit = SEEN_APPLET;
		if (nt == 2 && t[1].len < sizeof(w))
			memcpy(w, t[1].p, t[1].len);
		if (nt != 2 || vc_applet_parse(w, &s->applet) != 0)
			FAIL("applet: expected piv or gids");
	} else if (tok_eq(&t[0], "pin-policy")) {
		bit = SEEN_POLICY;
		if (nt != 2 || t[1].len > VC_POLICY_MAX)
			FAIL("pin-policy: expected one word of at most %d bytes",
			    VC_POLICY_MAX);
		memcpy(s->pin_policy, t[1].p, t[1].len);
		s->pin_policy[t[1].len] = '\0';
		if (scl_pin_policy_parse(s->pin_policy, &pol) != 0)
			FAIL("pin-policy: cannot parse '%s' (expected e.g. "
			    "min=6,max=8,digit=required)", s->pin_policy);
	} else if (tok_eq(&t[0], "key")) {
		struct vc_key k = { 0 };
		unsigned long slot, alg, pp, tp, org;

		if ((nt != 7 && nt != 8) ||
		    tok_uint(&t[1], 16, 0, 0xff, &slot) != 0 ||
		    !vc_slot_valid((uint8_t)slot))
			FAIL("key: expected a slot 9a, 9c, 9d, 9e or 82..95");
		if (tok_uint(&t[2], 16, 0, 0xff, &alg) != 0 ||
		    (alg != SCL_PIV_ALG_RSA2048 && alg != SCL_PIV_ALG_ECC256 &&
		    alg != SCL_PIV_ALG_ECC384))
			FAIL("key %02lx: algorithm must be 07, 11 or 14", slot);
		if (tok_uint(&t[3], 10, 1, 3, &pp) != 0 ||
		    tok_uint(&t[4], 10, 1, 3, &tp) != 0 ||
		    tok_uint(&t[5], 10, 1, 2, &org) != 0)
			FAIL("key %02lx: bad PIN policy, touch policy or origin",
			    slot);
		if (vc_state_key(s, (uint8_t)slot) != NULL)
			FAIL("key %02lx: slot appears twice", slot);
		if (s->n_key == VC_KEY_COUNT_MAX)
			FAIL("too many keys");
		k.slot = (uint8_t)slot;
		k.alg = (uint8_t)alg;
		k.pin_policy = (uint8_t)pp;
		k.touch_policy = (uint8_t)tp;
		k.origin = (uint8_t)org;
		if (tok_hex_alloc(&t[6], VC_SEALED_MAX, &k.sealed,
		    &k.sealed_len) != 0 || k.sealed_len < VC_SEAL_OVERHEAD) {
			free(k.sealed);
			FAIL("key %02lx: sealed key is not valid hex of a sealed "
			    "blob", slot);
		}
		if (nt == 8 && (tok_hex_alloc(&t[7], VC_PUB_MAX, &k.pub,
		    &k.pub_len) != 0 || k.pub_len == 0)) {
			free(k.sealed);
			free(k.pub);
			FAIL("key %02lx: public key is not hex of at most %d "
			    "bytes", slot, VC_PUB_MAX);
		}
		s->key[s->n_key++] = k;
	} else if (tok_eq(&t[0], "object")) {
		struct vc_object o = { 0 };
		unsigned long tag;

		if (nt != 3 || tok_uint(&t[1], 16, 0, 0xffffff, &tag) != 0 ||
		    !valid_object_tag((uint32_t)tag))
			FAIL("object: expected a tag 5fc101..5fc123 or 5fff00.."
			    "5fff15");
		if (vc_state_object(s, (uint32_t)tag) != NULL)
			FAIL("object %06lx appears twice", tag);
		if (s->n_obj == VC_OBJ_COUNT_MAX)
			FAIL("too many objects");
		o.tag = (uint32_t)tag;
		if (tok_hex_alloc(&t[2], VC_OBJ_LEN_MAX, &o.data, &o.len) != 0)
			FAIL("object %06lx: content is not hex of at most %u "
			    "bytes", tag, VC_OBJ_LEN_MAX);
		s->obj[s->n_obj++] = o;
	} else {
		char w[24];
		size_t n = t[0].len < sizeof(w) - 1 ? t[0].len : sizeof(w) - 1;

		for (size_t i = 0; i < n; i++)
			w[i] = t[0].p[i] >= 0x20 && t[0].p[i] < 0x7f ?
			    t[0].p[i] : '?';
		w[n] = '\0';
		FAIL("unknown field '%s'", w);
	}
	if (bit != 0) {
		what = "?";
		for (size_t i = 0; i < 16; i++) {
			if (bit == 1u << i)
				what = field_names[i];
		}
		if (*seen & bit)
			FAIL("field '%s' appears twice", what);
		*seen |= bit;
	}
	return 0;
#undef FAIL
}

int
vc_state_parse(const uint8_t *buf, size_t len, struct vc_state **ret,
    char *err, size_t errlen)
{
	struct vc_state *s = NULL;
	struct scl_cursor c;
	unsigned seen = 0, ln = 0;
	int ended = 0, r = SCL_ERR_BAD_STATE;

	if (len > VC_STATE_FILE_MAX) {
		seterr(err, errlen, 0, "state file larger than %u bytes",
		    VC_STATE_FILE_MAX);
		goto out;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	scl_cur_init(&c, buf, len);
	while (c.len > 0) {
		const uint8_t *nl = memchr(c.p, '\n', c.len), *lp;
		struct tok t[MAX_TOKENS];
		size_t n, nt;

		ln++;
		if (nl == NULL) {
			seterr(err, errlen, ln, "line does not end with a "
			    "newline (truncated file?)");
			goto out;
		}
		n = (size_t)(nl - c.p);
		if (scl_cur_get_bytes(&c, n, &lp) != 0 ||
		    scl_cur_skip(&c, 1) != 0)
			goto out;
		if (ended) {
			seterr(err, errlen, ln, "data after 'end'");
			goto out;
		}
		if (memchr(lp, '\0', n) != NULL || memchr(lp, '\r', n) != NULL) {
			seterr(err, errlen, ln, "NUL or CR byte in the line");
			goto out;
		}
		if (ln > 1 && n > 0 && lp[0] == '#')
			continue;
		if (ln > 1 && n >= 4 && memcmp(lp, "name", 4) == 0 &&
		    (n == 4 || lp[4] == ' ')) {
			t[0].p = (const char *)lp;
			t[0].len = 4;
			nt = 1;
		} else if (split((const char *)lp, n, t, MAX_TOKENS, &nt) != 0) {
			seterr(err, errlen, ln, "too many words");
			goto out;
		}
		if (ln == 1) {
			if (nt != 2 || !tok_eq(&t[0], MAGIC) ||
			    !tok_eq(&t[1], "1")) {
				seterr(err, errlen, ln, "not a sclogin-vcard "
				    "state file (expected '" MAGIC " 1')");
				goto out;
			}
			continue;
		}
		if (nt == 0 || t[0].p[0] == '#')
			continue;
		if (tok_eq(&t[0], "end") && nt == 1) {
			ended = 1;
			continue;
		}
		if (parse_line(s, t, nt, (const char *)lp, n, &seen, ln, err,
		    errlen) != 0)
			goto out;
	}
	if (ln == 0) {
		seterr(err, errlen, 0, "empty state file");
		goto out;
	}
	if (!ended) {
		seterr(err, errlen, 0, "no 'end' line: the file is truncated");
		goto out;
	}
	if ((seen & SEEN_TPM) && (seen & (SEEN_PIN | SEEN_PUK))) {
		seterr(err, errlen, 0, "a TPM card ('tpm' line) keeps its PIN "
		    "and PUK in the TPM: 'pin'/'puk' lines do not belong here");
		goto out;
	}
	if ((seen & SEEN_KDF_ALL) != 0 && (seen & (SEEN_TPM | SEEN_PIN |
	    SEEN_PUK)) != 0) {
		seterr(err, errlen, 0, "a software card with a 'kdf' line keeps "
		    "no PIN or PUK hash and no 'tpm' line");
		goto out;
	}
	if ((seen & SEEN_KDF_ALL) != 0 && (seen & SEEN_KDF_ALL) !=
	    SEEN_KDF_ALL) {
		for (size_t i = 11; i < 15; i++) {
			if (!(seen & (1u << i))) {
				seterr(err, errlen, 0, "missing field '%s' (a "
				    "card with 'kdf' needs kdf, pin-wrap, "
				    "puk-wrap and box)", field_names[i]);
				break;
			}
		}
		goto out;
	}
	for (size_t i = 0; i < s->n_key; i++) {
		if ((s->key[i].pub != NULL) != ((seen & SEEN_KDF) != 0)) {
			seterr(err, errlen, 0, "key %02x: a public key belongs "
			    "to every key of a card with 'kdf' and to no other",
			    s->key[i].slot);
			goto out;
		}
		if ((seen & SEEN_KDF) && s->key[i].pin_policy !=
		    VC_PINPOL_NEVER && s->key[i].sealed_len < VC_BOX_OVERHEAD) {
			seterr(err, errlen, 0, "key %02x: too short for a key "
			    "boxed to the PIN", s->key[i].slot);
			goto out;
		}
	}
	if (seen & (SEEN_TPM | SEEN_KDF))
		seen |= SEEN_PIN | SEEN_PUK;
	if ((seen & SEEN_ALL) != SEEN_ALL) {
		for (size_t i = 0; i < 10; i++) {
			if (!(seen & (1u << i))) {
				seterr(err, errlen, 0, "missing field '%s'",
				    field_names[i]);
				break;
			}
		}
		goto out;
	}
	*ret = s;
	s = NULL;
	r = 0;
out:
	vc_state_free(&s);
	return r;
}

int
vc_state_is_tpm(const struct vc_state *s)
{
	return s->tpm_pin_nv != 0;
}

int
vc_state_is_kdf(const struct vc_state *s)
{
	return s->kdf.logn != 0;
}

int
vc_state_key_boxed(const struct vc_state *s, const struct vc_key *k)
{
	return vc_state_is_kdf(s) && k->pin_policy != VC_PINPOL_NEVER;
}

void
vc_state_free(struct vc_state **sp)
{
	struct vc_state *s;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	for (size_t i = 0; i < s->n_obj; i++)
		free(s->obj[i].data);
	for (size_t i = 0; i < s->n_key; i++) {
		free(s->key[i].sealed);
		free(s->key[i].pub);
	}
	free(s->admin_sealed);
	explicit_bzero(s, sizeof(*s));
	free(s);
	*sp = NULL;
}

struct sbuf {
	char *p;
	size_t len, cap;
	int err;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len)
			break;
		{
			size_t ncap = b->cap * 2 + (size_t)n;
			char *np = realloc(b->p, ncap);

			if (np == NULL) {
				b->err = 1;
				return;
			}
			b->p = np;
			b->cap = ncap;
		}
	}
	b->len += (size_t)n;
}

static void
sb_hex(struct sbuf *b, const uint8_t *p, size_t n)
{
	if (b->err)
		return;
	if (b->cap - b->len < 2 * n + 1) {
		size_t ncap = b->len + 2 * n + 256;
		char *np = realloc(b->p, ncap);

		if (np == NULL) {
			b->err = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	scl_hex_encode(p, n, b->p + b->len, 2 * n + 1);
	b->len += 2 * n;
	b->p[b->len] = '\0';
}

static void
sb_hash(struct sbuf *b, const char *what, const struct vc_hash *h)
{
	sb_printf(b, "%s pbkdf2-sha256 %u ", what, h->iter);
	sb_hex(b, h->salt, sizeof(h->salt));
	sb_printf(b, " ");
	sb_hex(b, h->hash, sizeof(h->hash));
	sb_printf(b, "\n");
}

int
vc_state_format(const struct vc_state *s, char **ret_buf, size_t *ret_len)
{
	struct sbuf b = { 0 };
	int r = SCL_ERR_NOMEM;

	if ((b.p = malloc(4096)) == NULL)
		goto out;
	b.cap = 4096;
	b.p[0] = '\0';
	sb_printf(&b, MAGIC " 1\n# sclogin virtual PIV card: written by "
	    "sclogin-vcard, do not edit\nname %s\nserial %08x\nguid ",
	    s->name, s->serial);
	sb_hex(&b, s->guid, sizeof(s->guid));
	sb_printf(&b, "\n");
	if (s->applet != VC_APPLET_PIV)
		sb_printf(&b, "applet %s\n", vc_applet_name(s->applet));
	if (vc_state_is_tpm(s)) {
		sb_printf(&b, "tpm %08x %08x\n", s->tpm_pin_nv, s->tpm_puk_nv);
	} else if (vc_state_is_kdf(s)) {
		sb_printf(&b, "kdf scrypt %u %u %u\npin-wrap ", s->kdf.logn,
		    s->kdf.r, s->kdf.p);
		sb_hex(&b, s->pin_wrap.salt, sizeof(s->pin_wrap.salt));
		sb_printf(&b, " ");
		sb_hex(&b, s->pin_wrap.blob, sizeof(s->pin_wrap.blob));
		sb_printf(&b, "\npuk-wrap ");
		sb_hex(&b, s->puk_wrap.salt, sizeof(s->puk_wrap.salt));
		sb_printf(&b, " ");
		sb_hex(&b, s->puk_wrap.blob, sizeof(s->puk_wrap.blob));
		sb_printf(&b, "\nbox ");
		sb_hex(&b, s->box_pub, sizeof(s->box_pub));
		sb_printf(&b, " ");
		sb_hex(&b, s->box_sealed, sizeof(s->box_sealed));
		sb_printf(&b, "\n");
	} else {
		sb_hash(&b, "pin", &s->pin);
		sb_hash(&b, "puk", &s->puk);
	}
	sb_printf(&b, "pin-tries %u %u\npuk-tries %u %u\ndefaults %u %u %u\n"
	    "admin %s ", s->pin_left, s->pin_max, s->puk_left, s->puk_max,
	    s->pin_default, s->puk_default, s->admin_default,
	    vc_alg_name(s->admin_alg));
	sb_hex(&b, s->admin_sealed, s->admin_sealed_len);
	sb_printf(&b, "\npin-policy %s\n", s->pin_policy);
	for (size_t i = 0; i < s->n_key; i++) {
		const struct vc_key *k = &s->key[i];

		sb_printf(&b, "key %02x %02x %u %u %u ", k->slot, k->alg,
		    k->pin_policy, k->touch_policy, k->origin);
		sb_hex(&b, k->sealed, k->sealed_len);
		if (k->pub != NULL) {
			sb_printf(&b, " ");
			sb_hex(&b, k->pub, k->pub_len);
		}
		sb_printf(&b, "\n");
	}
	for (size_t i = 0; i < s->n_obj; i++) {
		sb_printf(&b, "object %06x ", s->obj[i].tag);
		sb_hex(&b, s->obj[i].data, s->obj[i].len);
		sb_printf(&b, "\n");
	}
	sb_printf(&b, "end\n");
	if (b.err)
		goto out;
	*ret_buf = b.p;
	*ret_len = b.len;
	b.p = NULL;
	r = 0;
out:
	free(b.p);
	return r;
}

int
vc_state_load(const char *path, struct vc_state **ret, char *err,
    size_t errlen)
{
	uint8_t *buf = NULL;
	struct stat st;
	size_t got = 0;
	int fd = -1, r = SCL_ERR_SYSTEM;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		seterr(err, errlen, 0, "cannot open state file '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	r = SCL_ERR_BAD_STATE;
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, 0, "state file '%s' is not a regular file",
		    path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		seterr(err, errlen, 0, "state file '%s' has mode %04o; it must "
		    "not be accessible by group or others (chmod 600)", path,
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if ((size_t)st.st_size > VC_STATE_FILE_MAX) {
		seterr(err, errlen, 0, "state file '%s' is larger than %u "
		    "bytes", path, VC_STATE_FILE_MAX);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = SCL_ERR_SYSTEM;
			seterr(err, errlen, 0, "cannot read state file '%s'",
			    path);
			goto out;
		}
		got += (size_t)n;
	}
	r = vc_state_parse(buf, got, ret, err, errlen);
	if (r == SCL_ERR_BAD_STATE && err != NULL && errlen > 0) {
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "state file '%s': %s", path, err);
		snprintf(err, errlen, "%s", tmp);
	}
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

int
vc_state_save(const char *path, const struct vc_state *s, char *err,
    size_t errlen)
{
	char *buf = NULL, *tmp = NULL, *dcopy = NULL;
	size_t len = 0, off = 0;
	int fd = -1, dfd = -1, r;

	if ((r = vc_state_format(s, &buf, &len)) != 0)
		goto out;
	r = SCL_ERR_NOMEM;
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		tmp = NULL;
		goto out;
	}
	if ((dcopy = strdup(path)) == NULL)
		goto out;
	r = SCL_ERR_SYSTEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0) {
		seterr(err, errlen, 0, "cannot create '%s': %s", tmp,
		    strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			seterr(err, errlen, 0, "cannot write '%s': %s", tmp,
			    strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		seterr(err, errlen, 0, "cannot sync '%s': %s", tmp,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		seterr(err, errlen, 0, "cannot rename '%s' to '%s': %s", tmp,
		    path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		seterr(err, errlen, 0, "cannot sync the folder of '%s': %s",
		    path, strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(dcopy);
	free(buf);
	return r;
}

struct vc_object *
vc_state_object(struct vc_state *s, uint32_t tag)
{
	for (size_t i = 0; i < s->n_obj; i++) {
		if (s->obj[i].tag == tag)
			return &s->obj[i];
	}
	return NULL;
}

struct vc_key *
vc_state_key(struct vc_state *s, uint8_t slot)
{
	for (size_t i = 0; i < s->n_key; i++) {
		if (s->key[i].slot == slot)
			return &s->key[i];
	}
	return NULL;
}

int
vc_state_set_object(struct vc_state *s, uint32_t tag, const uint8_t *data,
    size_t len)
{
	struct vc_object *o = vc_state_object(s, tag);
	uint8_t *copy = NULL;

	if (data == NULL) {
		if (o != NULL) {
			free(o->data);
			*o = s->obj[--s->n_obj];
		}
		return 0;
	}
	if (len > VC_OBJ_LEN_MAX)
		return SCL_ERR_TOO_LARGE;
	if (o == NULL && s->n_obj == VC_OBJ_COUNT_MAX)
		return SCL_ERR_LIMIT;
	if ((copy = malloc(len + 1)) == NULL)
		return SCL_ERR_NOMEM;
	if (len > 0)
		memcpy(copy, data, len);
	if (o == NULL) {
		o = &s->obj[s->n_obj++];
		o->tag = tag;
	} else {
		free(o->data);
	}
	o->data = copy;
	o->len = len;
	return 0;
}

int
vc_state_set_key(struct vc_state *s, const struct vc_key *k)
{
	struct vc_key *old = vc_state_key(s, k->slot);

	if (old == NULL) {
		if (s->n_key == VC_KEY_COUNT_MAX)
			return SCL_ERR_LIMIT;
		old = &s->key[s->n_key++];
	} else {
		free(old->sealed);
		free(old->pub);
	}
	*old = *k;
	return 0;
}

void
vc_state_del_key(struct vc_state *s, uint8_t slot)
{
	struct vc_key *k = vc_state_key(s, slot);

	if (k == NULL)
		return;
	free(k->sealed);
	free(k->pub);
	*k = s->key[--s->n_key];
}
