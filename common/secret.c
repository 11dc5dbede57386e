/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "secret.h"

int
scl_pin_set(struct scl_pin *pin, const char *s)
{
	size_t n;
	int r = SCL_ERR_INVALID_ARGUMENT;

	if (pin == NULL)
		goto out;
	scl_pin_clear(pin);
	r = SCL_ERR_PIN_FORMAT;
	if (s == NULL)
		goto out;
	n = strnlen(s, SCL_PIN_MAX + 1);
	if (n < 1 || n > SCL_PIN_MAX)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			goto out;
	}
	memcpy(pin->v, s, n);
	pin->len = n;
	r = 0;
out:
	if (r != 0 && pin != NULL)
		scl_pin_clear(pin);
	return r;
}

void
scl_pin_clear(struct scl_pin *pin)
{
	if (pin != NULL)
		explicit_bzero(pin, sizeof(*pin));
}

void
scl_freezero(void *p, size_t len)
{
	if (p != NULL) {
		explicit_bzero(p, len);
		free(p);
	}
}

void
scl_wipe_str(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}
