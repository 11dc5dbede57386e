/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "hex.h"
#include "piv.h"
#include "tool.h"

struct name_val {
	const char *name;
	uint8_t v;
};

static const struct name_val slots[] = {
	{ "9a", SCL_PIV_KEY_AUTH }, { "auth", SCL_PIV_KEY_AUTH },
	{ "9c", SCL_PIV_KEY_SIGN }, { "sign", SCL_PIV_KEY_SIGN },
	{ "9d", SCL_PIV_KEY_KEYMGMT }, { "keymgmt", SCL_PIV_KEY_KEYMGMT },
	{ "9e", SCL_PIV_KEY_CARDAUTH }, { "cardauth", SCL_PIV_KEY_CARDAUTH },
};

static const struct name_val key_algs[] = {
	{ "rsa2048", SCL_PIV_ALG_RSA2048 }, { "rsa1024", SCL_PIV_ALG_RSA1024 },
	{ "eccp256", SCL_PIV_ALG_ECC256 }, { "p256", SCL_PIV_ALG_ECC256 },
	{ "eccp384", SCL_PIV_ALG_ECC384 }, { "p384", SCL_PIV_ALG_ECC384 },
};

static const struct name_val mgmt_algs[] = {
	{ "3des", SCL_PIV_ALG_3DES }, { "aes128", SCL_PIV_ALG_AES128 },
	{ "aes192", SCL_PIV_ALG_AES192 }, { "aes256", SCL_PIV_ALG_AES256 },
};

static int
lookup(const struct name_val *t, size_t n, const char *s, uint8_t *ret_v)
{
	size_t i;

	if (s == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	for (i = 0; i < n; i++) {
		if (strcasecmp(t[i].name, s) == 0) {
			*ret_v = t[i].v;
			return 0;
		}
	}
	return SCL_ERR_INVALID_ARGUMENT;
}

static const char *
rlookup(const struct name_val *t, size_t n, uint8_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].name;
	return "";
}

int
tool_parse_slot(const char *s, uint8_t *ret_ref)
{
	if (s != NULL && (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0))
		s += 2;
	return lookup(slots, sizeof(slots) / sizeof(slots[0]), s, ret_ref);
}

const char *
tool_slot_name(uint8_t ref)
{
	return rlookup(slots, sizeof(slots) / sizeof(slots[0]), ref);
}

int
tool_parse_key_alg(const char *s, uint8_t *ret_alg)
{
	return lookup(key_algs, sizeof(key_algs) / sizeof(key_algs[0]), s,
	    ret_alg);
}

const char *
tool_key_alg_name(uint8_t alg)
{
	return rlookup(key_algs, sizeof(key_algs) / sizeof(key_algs[0]), alg);
}

int
tool_parse_mgmt_alg(const char *s, uint8_t *ret_alg)
{
	return lookup(mgmt_algs, sizeof(mgmt_algs) / sizeof(mgmt_algs[0]), s,
	    ret_alg);
}

const char *
tool_mgmt_alg_name(uint8_t alg)
{
	return rlookup(mgmt_algs, sizeof(mgmt_algs) / sizeof(mgmt_algs[0]),
	    alg);
}

int
tool_parse_hex(const char *s, uint8_t *out, size_t cap, size_t *ret_len)
{
	static const uint8_t def[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t n = 0, i;
	uint8_t b;

	if (s == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	if (strcasecmp(s, "default") == 0) {
		if (cap < 24)
			return SCL_ERR_BUFFER_TOO_SMALL;
		for (i = 0; i < 3; i++)
			memcpy(out + 8 * i, def, sizeof(def));
		*ret_len = 24;
		return 0;
	}
	while (*s != '\0') {
		if (*s == ' ' || *s == ':') {
			s++;
			continue;
		}
		if (scl_hex_byte(s, &b) != 0)
			return SCL_ERR_INVALID_ARGUMENT;
		if (n >= cap)
			return SCL_ERR_BUFFER_TOO_SMALL;
		out[n++] = b;
		s += 2;
	}
	if (n == 0)
		return SCL_ERR_INVALID_ARGUMENT;
	*ret_len = n;
	return 0;
}

int
tool_parse_admin_key(struct tool *tl, char *key, const char *alg_name,
    uint8_t alg, uint8_t *out, size_t cap, size_t *ret_len)
{
	size_t n;

	if (tool_parse_hex(key != NULL ? key : "default", out, cap, &n) != 0)
		return tool_usage_error(tl, "bad --admin-key (hex, or "
		    "'default')");
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	*ret_len = n;
	if (alg_name != NULL && n != scl_piv_mgmt_key_len(alg))
		return tool_usage_error(tl, "the admin key has %zu bytes; %s "
		    "needs %zu", n, alg_name, scl_piv_mgmt_key_len(alg));
	if (n != 16 && n != 24 && n != 32)
		return tool_usage_error(tl, "the admin key has %zu bytes; 3DES "
		    "and AES-192 keys have 24, AES-128 16, AES-256 32", n);
	return 0;
}

int
tool_parse_pin_fd(struct tool *tl, const char *arg, int *ret_fd)
{
	unsigned long v;

	if (tool_parse_uint(arg, 0, 1024, &v) != 0)
		return tool_usage_error(tl, "bad --pin-fd '%s'", arg);
	*ret_fd = (int)v;
	return 0;
}

int
tool_parse_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *ret_v)
{
	char *end = NULL;
	unsigned long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return SCL_ERR_INVALID_ARGUMENT;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return SCL_ERR_INVALID_ARGUMENT;
	*ret_v = v;
	return 0;
}

int
tool_parse_duration_ms(const char *s, long *ret_ms)
{
	char *end = NULL;
	unsigned long v;
	unsigned long mul;

	if (s == NULL || !isdigit((unsigned char)*s))
		return SCL_ERR_INVALID_ARGUMENT;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s)
		return SCL_ERR_INVALID_ARGUMENT;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mul = 1000;
	else if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else
		return SCL_ERR_INVALID_ARGUMENT;
	if (v > 86400000UL / mul)
		return SCL_ERR_INVALID_ARGUMENT;
	*ret_ms = (long)(v * mul);
	return 0;
}

int
tool_valid_vcard_name(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 32 || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	}
	return 1;
}
