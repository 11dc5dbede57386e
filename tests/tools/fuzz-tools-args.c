/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The sclogin command's input parsers and output escapers on arbitrary
 * bytes.  First byte: which function; the rest: its NUL-terminated
 * argument.  Beyond not crashing, output must hold its contract: JSON
 * strings are always valid JSON (no raw control bytes, valid escapes,
 * valid UTF-8), escaped text is printable ASCII, hex stays within bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "piv.h"
#include "tool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t k, len;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (k = 1; k < len; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return len;
}

static void
check_json_string(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, k;

	check(n >= 2 && p[0] == '"' && p[n - 1] == '"');
	for (i = 1; i < n - 1;) {
		check(p[i] >= 0x20 && p[i] != '"');
		if (p[i] == '\\') {
			check(i + 1 < n - 1);
			if (p[i + 1] == 'u') {
				check(i + 5 < n - 1);
				for (k = 2; k < 6; k++)
					check(strchr("0123456789abcdef",
					    p[i + k]) != NULL);
				i += 6;
			} else {
				check(strchr("\"\\nt", p[i + 1]) != NULL);
				i += 2;
			}
			continue;
		}
		check((k = utf8_seq(p + i, n - 1 - i)) > 0);
		i += k;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *out = NULL, esc[64];
	uint8_t buf[32], ref;
	unsigned long v;
	size_t n = 0, len = 0, i;
	long ms;
	FILE *f;

	if (size < 1)
		return 0;
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0:
		if ((f = open_memstream(&out, &len)) == NULL)
			break;
		json_write_string(f, s);
		fclose(f);
		check_json_string(out, len);
		free(out);
		break;
	case 1:
		tool_escape(s, esc, sizeof(esc));
		check(strlen(esc) < sizeof(esc));
		for (i = 0; esc[i] != '\0'; i++)
			check(esc[i] >= 0x20 && esc[i] < 0x7f);
		break;
	case 2:
		if (tool_parse_hex(s, buf, sizeof(buf), &n) == 0)
			check(n >= 1 && n <= sizeof(buf));
		break;
	case 3:
		if (tool_parse_slot(s, &ref) == 0)
			check(tool_slot_name(ref)[0] != '\0');
		if (tool_parse_key_alg(s, &ref) == 0)
			check(tool_key_alg_name(ref)[0] != '\0');
		if (tool_parse_mgmt_alg(s, &ref) == 0)
			check(scl_piv_mgmt_key_len(ref) != 0);
		break;
	case 4:
		if (tool_parse_duration_ms(s, &ms) == 0)
			check(ms >= 0 && ms <= 86400000L);
		if (tool_parse_uint(s, 5, 500, &v) == 0)
			check(v >= 5 && v <= 500);
		break;
	default:
		if (tool_valid_vcard_name(s)) {
			check(strlen(s) <= 32 && strchr(s, '/') == NULL &&
			    strchr(s, '.') == NULL && s[0] != '-');
		}
		break;
	}
	free(s);
	return 0;
}
