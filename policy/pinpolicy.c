/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "i18n.h"
#include "pinpolicy.h"

/* SP 800-73-4 Pt 2 §3.2.1: a PIV PIN reference holds at most 8 bytes. */
#define PIV_PIN_MAX 8

static const char *const too_short[PIV_PIN_MAX + 1] = {
	N_("The PIN must not be empty."),
	N_("The PIN must not be empty."),
	N_("The PIN must have at least 2 characters."),
	N_("The PIN must have at least 3 characters."),
	N_("The PIN must have at least 4 characters."),
	N_("The PIN must have at least 5 characters."),
	N_("The PIN must have at least 6 characters."),
	N_("The PIN must have at least 7 characters."),
	N_("The PIN must have at least 8 characters."),
};

static const char *const too_long[PIV_PIN_MAX + 1] = {
	N_("The PIN must not be empty."),
	N_("The PIN must have at most 1 character."),
	N_("The PIN must have at most 2 characters."),
	N_("The PIN must have at most 3 characters."),
	N_("The PIN must have at most 4 characters."),
	N_("The PIN must have at most 5 characters."),
	N_("The PIN must have at most 6 characters."),
	N_("The PIN must have at most 7 characters."),
	N_("The PIN must have at most 8 characters."),
};

enum pin_class { CL_UPPER, CL_LOWER, CL_DIGIT, CL_SPECIAL, CL_N };

static const char *const class_key[CL_N] = {
	"upper", "lower", "digit", "special",
};

static const char *const msg_required[CL_N] = {
	N_("The PIN must contain an upper-case letter."),
	N_("The PIN must contain a lower-case letter."),
	N_("The PIN must contain a digit."),
	N_("The PIN must contain a special character."),
};

static const char *const msg_disallowed[CL_N] = {
	N_("The PIN must not contain upper-case letters."),
	N_("The PIN must not contain lower-case letters."),
	N_("The PIN must not contain digits."),
	N_("The PIN must not contain special characters."),
};

static const char *const rule_names[] = {
	[SCL_CLASS_ALLOWED] = "allowed",
	[SCL_CLASS_REQUIRED] = "required",
	[SCL_CLASS_DISALLOWED] = "disallowed",
};

void
scl_pin_policy_default(struct scl_pin_policy *p)
{
	if (p == NULL)
		return;
	p->min_len = 6;
	p->max_len = 8;
	p->upper = SCL_CLASS_ALLOWED;
	p->lower = SCL_CLASS_ALLOWED;
	p->digit = SCL_CLASS_ALLOWED;
	p->special = SCL_CLASS_ALLOWED;
}

static int
char_class(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return CL_UPPER;
	if (c >= 'a' && c <= 'z')
		return CL_LOWER;
	if (c >= '0' && c <= '9')
		return CL_DIGIT;
	if (c >= 0x20 && c <= 0x7e)
		return CL_SPECIAL;
	return -1;
}

/* The sentence for a length outside the policy's bounds (clamped to PIV). */
static const char *
length_reason(const struct scl_pin_policy *p, size_t len)
{
	unsigned min = p->min_len, max;

	max = p->max_len > PIV_PIN_MAX ? PIV_PIN_MAX : p->max_len;
	if (min > PIV_PIN_MAX)
		min = PIV_PIN_MAX;
	if (max == 0)
		max = PIV_PIN_MAX;
	if (len < min || len == 0)
		return too_short[min];
	if (len > max)
		return too_long[max];
	return NULL;
}

int
scl_pin_policy_check_length(const struct scl_pin_policy *p, size_t len,
    const char **ret_reason)
{
	const char *reason = NULL;
	int r = SCL_ERR_INTERNAL;

	if (p == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((reason = length_reason(p, len)) != NULL) {
		if (ret_reason != NULL)
			*ret_reason = reason;
		r = SCL_ERR_PIN_FORMAT;
		goto out;
	}
	r = 0;
out:
	return r;
}

int
scl_pin_policy_check(const struct scl_pin_policy *p, const uint8_t *pin,
    size_t len, const char **ret_reason)
{
	const char *reason = NULL;
	enum scl_class_rule rule[CL_N];
	unsigned seen[CL_N] = { 0 };
	int r = SCL_ERR_INTERNAL;

	if (p == NULL || (pin == NULL && len > 0)) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((reason = length_reason(p, len)) != NULL) {
		r = SCL_ERR_PIN_POLICY;
		goto out;
	}
	rule[CL_UPPER] = p->upper;
	rule[CL_LOWER] = p->lower;
	rule[CL_DIGIT] = p->digit;
	rule[CL_SPECIAL] = p->special;
	for (size_t i = 0; i < len; i++) {
		int cl = char_class(pin[i]);

		if (cl < 0) {
			reason = N_("The PIN may only contain letters, "
			    "digits and punctuation.");
			r = SCL_ERR_PIN_POLICY;
			goto out;
		}
		seen[cl]++;
	}
	for (int cl = 0; cl < CL_N; cl++) {
		if (rule[cl] == SCL_CLASS_DISALLOWED && seen[cl] > 0) {
			reason = msg_disallowed[cl];
			r = SCL_ERR_PIN_POLICY;
			goto out;
		}
	}
	for (int cl = 0; cl < CL_N; cl++) {
		if (rule[cl] == SCL_CLASS_REQUIRED && seen[cl] == 0) {
			reason = msg_required[cl];
			r = SCL_ERR_PIN_POLICY;
			goto out;
		}
	}
	r = 0;
out:
	explicit_bzero(seen, sizeof(seen));
	if (r == SCL_ERR_PIN_POLICY && ret_reason != NULL)
		*ret_reason = reason;
	return r;
}

int
scl_class_rule_parse(const char *s, enum scl_class_rule *ret)
{
	if (s == NULL || ret == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	for (size_t i = 0; i < sizeof(rule_names) / sizeof(rule_names[0]);
	    i++) {
		if (strcmp(s, rule_names[i]) == 0) {
			*ret = (enum scl_class_rule)i;
			return 0;
		}
	}
	return SCL_ERR_CONFIG;
}

static int
parse_len(const char *s, size_t n, unsigned lo, unsigned hi, unsigned *ret)
{
	unsigned v = 0;

	if (n == 0 || n > 3)
		return SCL_ERR_CONFIG;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return SCL_ERR_CONFIG;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return SCL_ERR_CONFIG;
	*ret = v;
	return 0;
}

int
scl_pin_policy_parse(const char *s, struct scl_pin_policy *ret)
{
	struct scl_pin_policy p;
	enum scl_class_rule *cls[CL_N];
	const char *tok, *end, *eq;
	char val[16];
	int r = SCL_ERR_INTERNAL;

	if (s == NULL || ret == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	scl_pin_policy_default(&p);
	cls[CL_UPPER] = &p.upper;
	cls[CL_LOWER] = &p.lower;
	cls[CL_DIGIT] = &p.digit;
	cls[CL_SPECIAL] = &p.special;
	for (tok = s; *tok != '\0'; tok = *end == ',' ? end + 1 : end) {
		size_t klen, vlen;
		int done = 0;

		end = strchr(tok, ',');
		if (end == NULL)
			end = tok + strlen(tok);
		eq = memchr(tok, '=', (size_t)(end - tok));
		if (eq == NULL) {
			r = SCL_ERR_CONFIG;
			goto out;
		}
		klen = (size_t)(eq - tok);
		vlen = (size_t)(end - eq - 1);
		if (klen == 3 && memcmp(tok, "min", 3) == 0) {
			if ((r = parse_len(eq + 1, vlen, 1, PIV_PIN_MAX,
			    &p.min_len)) != 0)
				goto out;
			done = 1;
		} else if (klen == 3 && memcmp(tok, "max", 3) == 0) {
			if ((r = parse_len(eq + 1, vlen, 1, 127,
			    &p.max_len)) != 0)
				goto out;
			done = 1;
		}
		for (int cl = 0; !done && cl < CL_N; cl++) {
			if (klen != strlen(class_key[cl]) ||
			    memcmp(tok, class_key[cl], klen) != 0)
				continue;
			if (vlen >= sizeof(val)) {
				r = SCL_ERR_CONFIG;
				goto out;
			}
			memcpy(val, eq + 1, vlen);
			val[vlen] = '\0';
			if ((r = scl_class_rule_parse(val, cls[cl])) != 0)
				goto out;
			done = 1;
		}
		if (!done) {
			r = SCL_ERR_CONFIG;
			goto out;
		}
		if (*end == ',' && end[1] == '\0') {
			r = SCL_ERR_CONFIG;
			goto out;
		}
	}
	if (p.min_len > p.max_len) {
		r = SCL_ERR_CONFIG;
		goto out;
	}
	*ret = p;
	r = 0;
out:
	return r;
}

static const char *
rule_name(enum scl_class_rule r)
{
	if ((size_t)r < sizeof(rule_names) / sizeof(rule_names[0]))
		return rule_names[r];
	return "allowed";
}

void
scl_pin_policy_format(const struct scl_pin_policy *p, char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return;
	if (p == NULL) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, "min=%u,max=%u,upper=%s,lower=%s,digit=%s,"
	    "special=%s", p->min_len, p->max_len, rule_name(p->upper),
	    rule_name(p->lower), rule_name(p->digit), rule_name(p->special));
}
