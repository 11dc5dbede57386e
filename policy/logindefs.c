/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admfile.h"
#include "log.h"
#include "logindefs.h"

#define LINE_MAX_LEN 1024

static int
parse_decimal(const char *s, size_t n, uid_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 10)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v == 0 || v > INT32_MAX)
		return -1;
	*ret = (uid_t)v;
	return 0;
}

int
scl_logindefs_parse_uid_min(const void *buf, size_t len, uid_t *ret_uid_min)
{
	const char *p = buf, *end = p + len;
	int found = -1;

	if (buf == NULL || ret_uid_min == NULL)
		return -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end;
		char line[LINE_MAX_LEN + 1], *s, *v;
		size_t n = (size_t)(le - p), vn;
		uid_t u;

		if (n <= LINE_MAX_LEN && memchr(p, '\0', n) == NULL) {
			memcpy(line, p, n);
			line[n] = '\0';
			s = scl_admfile_trim(line, NULL);
			if (strncmp(s, "UID_MIN", 7) == 0 &&
			    (s[7] == ' ' || s[7] == '\t')) {
				v = scl_admfile_trim(s + 7, NULL);
				vn = strcspn(v, " \t\r");
				if (parse_decimal(v, vn, &u) == 0) {
					*ret_uid_min = u;
					found = 0;
				}
			}
		}
		p = le + (nl != NULL ? 1 : 0);
	}
	return found;
}

uid_t
scl_logindefs_uid_min(const char *path)
{
	struct scl_admfile_rules rules = { SCL_LOGINDEFS_MAX_SIZE, 1, 1, 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	uid_t u = SCL_UID_MIN_DEFAULT;
	char why[256] = "";

	if (path == NULL)
		path = SCL_LOGINDEFS_PATH;
	if (scl_admfile_read(path, &rules, &buf, &len, why, sizeof(why)) != 0)
		scl_debug("%s: %s; system accounts end at uid %u", __func__,
		    why, (unsigned)u);
	else if (buf != NULL && scl_logindefs_parse_uid_min(buf, len, &u) != 0)
		scl_debug("%s: %s has no valid UID_MIN; system accounts end "
		    "at uid %u", __func__, path, (unsigned)u);
	free(buf);
	return u;
}

int
scl_shell_refuses_login(const char *shell)
{
	const char *base;

	if (shell == NULL || *shell == '\0')
		return 0;
	base = strrchr(shell, '/');
	base = base != NULL ? base + 1 : shell;
	return strcmp(base, "nologin") == 0 || strcmp(base, "false") == 0;
}
