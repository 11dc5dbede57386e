/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "fake-card.h"
#include "hex.h"

struct step {
	uint8_t *cmd;
	size_t cmd_len;
	uint8_t *resp;
	size_t resp_len;
	int err;
	fake_card_fn *fn;
	void *ctx;
	unsigned calls;
};

struct fake_card {
	struct scl_transport t;
	struct step *steps;
	size_t n, cap, pos;
	int begin_err;
	unsigned begins, ends, resets;
};

static int fc_transmit(void *h, const uint8_t *cmd, size_t cmd_len,
    uint8_t *resp, size_t *resp_len);
static int fc_begin(void *h);
static int fc_end(void *h, int reset);

static const struct scl_transport_ops fc_ops = {
	.transmit = fc_transmit,
	.begin = fc_begin,
	.end = fc_end,
};

uint8_t *
fake_card_hex(const char *hex, size_t *ret_len)
{
	size_t n = 0, cap = strlen(hex) / 2 + 1;
	uint8_t *p = malloc(cap);
	int hi = -1;

	if (p == NULL)
		fail_msg("fake_card_hex: out of memory");
	for (const char *s = hex; *s != '\0'; s++) {
		int v;

		if (*s == ' ' || *s == ':' || *s == '\n' || *s == '\t')
			continue;
		if ((v = scl_hex_digit((unsigned char)*s)) < 0)
			fail_msg("fake_card_hex: bad character in '%s'", hex);
		if (hi < 0) {
			hi = v;
		} else {
			p[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		fail_msg("fake_card_hex: odd number of digits in '%s'", hex);
	*ret_len = n;
	return p;
}

static void
print_hex(const char *label, const uint8_t *p, size_t n)
{
	fprintf(stderr, "%s (%zu bytes):", label, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02X", i % 32 == 0 ? "\n  " : " ", p[i]);
	fprintf(stderr, "\n");
}

struct fake_card *
fake_card_new(unsigned flags)
{
	struct fake_card *fc = calloc(1, sizeof(*fc));

	if (fc == NULL)
		fail_msg("fake_card_new: out of memory");
	fc->t.ops = &fc_ops;
	fc->t.h = fc;
	fc->t.flags = flags;
	return fc;
}

struct scl_transport *
fake_card_transport(struct fake_card *fc)
{
	return &fc->t;
}

static struct step *
add_step(struct fake_card *fc)
{
	struct step *s;

	if (fc->n == fc->cap) {
		size_t ncap = fc->cap ? fc->cap * 2 : 16;

		s = realloc(fc->steps, ncap * sizeof(*s));
		if (s == NULL)
			fail_msg("fake_card: out of memory");
		fc->steps = s;
		fc->cap = ncap;
	}
	s = &fc->steps[fc->n++];
	memset(s, 0, sizeof(*s));
	return s;
}

static uint8_t *
dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	if (d == NULL)
		fail_msg("fake_card: out of memory");
	if (n > 0)
		memcpy(d, p, n);
	return d;
}

void
fake_card_expect(struct fake_card *fc, const char *cmd_hex,
    const char *resp_hex)
{
	struct step *s = add_step(fc);

	s->cmd = fake_card_hex(cmd_hex, &s->cmd_len);
	s->resp = fake_card_hex(resp_hex, &s->resp_len);
}

void
fake_card_expect_bin(struct fake_card *fc, const uint8_t *cmd,
    size_t cmd_len, const uint8_t *resp, size_t resp_len)
{
	struct step *s = add_step(fc);

	s->cmd = dup_bytes(cmd, cmd_len);
	s->cmd_len = cmd_len;
	s->resp = dup_bytes(resp, resp_len);
	s->resp_len = resp_len;
}

void
fake_card_expect_error(struct fake_card *fc, const char *cmd_hex, int err)
{
	struct step *s = add_step(fc);

	s->cmd = fake_card_hex(cmd_hex, &s->cmd_len);
	s->err = err;
}

void
fake_card_expect_fn(struct fake_card *fc, fake_card_fn *fn, void *ctx)
{
	struct step *s = add_step(fc);

	s->fn = fn;
	s->ctx = ctx;
}

static int
fc_transmit(void *h, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
    size_t *resp_len)
{
	struct fake_card *fc = h;
	struct step *s;

	if (fc->pos >= fc->n) {
		print_hex("fake card: unexpected command after the script",
		    cmd, cmd_len);
		fail_msg("fake card: script exhausted after %zu steps", fc->n);
	}
	s = &fc->steps[fc->pos++];
	if (s->fn != NULL) {
		int r = s->fn(s->ctx, cmd, cmd_len, resp, resp_len);

		if (r == FAKE_CARD_MORE) {
			if (++s->calls >= FAKE_CARD_MORE_MAX)
				fail_msg("fake card: step %zu wants more than "
				    "%d commands", fc->pos, FAKE_CARD_MORE_MAX);
			fc->pos--;
			r = 0;
		}
		return r;
	}
	if (s->cmd_len != cmd_len || memcmp(s->cmd, cmd, cmd_len) != 0) {
		print_hex("fake card: expected", s->cmd, s->cmd_len);
		print_hex("fake card: got", cmd, cmd_len);
		fail_msg("fake card: command mismatch at step %zu", fc->pos);
	}
	if (s->err != 0)
		return s->err;
	if (s->resp_len > *resp_len)
		return SCL_ERR_TRANSMIT;
	memcpy(resp, s->resp, s->resp_len);
	*resp_len = s->resp_len;
	return 0;
}

static int
fc_begin(void *h)
{
	struct fake_card *fc = h;

	fc->begins++;
	return fc->begin_err;
}

static int
fc_end(void *h, int reset)
{
	struct fake_card *fc = h;

	fc->ends++;
	if (reset)
		fc->resets++;
	return 0;
}

void
fake_card_assert_done(struct fake_card *fc)
{
	if (fc->pos < fc->n) {
		print_hex("fake card: next unconsumed command",
		    fc->steps[fc->pos].cmd, fc->steps[fc->pos].cmd_len);
		fail_msg("fake card: %zu of %zu steps not consumed",
		    fc->n - fc->pos, fc->n);
	}
}

size_t
fake_card_consumed(const struct fake_card *fc)
{
	return fc->pos;
}

size_t
fake_card_remaining(const struct fake_card *fc)
{
	return fc->n - fc->pos;
}

void
fake_card_set_begin_error(struct fake_card *fc, int err)
{
	fc->begin_err = err;
}

unsigned
fake_card_begins(const struct fake_card *fc)
{
	return fc->begins;
}

unsigned
fake_card_ends(const struct fake_card *fc)
{
	return fc->ends;
}

unsigned
fake_card_resets(const struct fake_card *fc)
{
	return fc->resets;
}

void
fake_card_free(struct fake_card **fcp)
{
	struct fake_card *fc;

	if (fcp == NULL || (fc = *fcp) == NULL)
		return;
	*fcp = NULL;
	for (size_t i = 0; i < fc->n; i++) {
		free(fc->steps[i].cmd);
		free(fc->steps[i].resp);
	}
	free(fc->steps);
	if (fc->pos < fc->n) {
		size_t left = fc->n - fc->pos, n = fc->n;

		free(fc);
		fail_msg("fake card: %zu of %zu steps not consumed", left, n);
	}
	free(fc);
}
