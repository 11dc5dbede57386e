/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdio.h>

#include "backend.h"

void
scl_backend_key_name(const struct scl_backend_key *k, char *buf, size_t len)
{
	size_t i, o;

	if (k->key_ref != 0) {
		snprintf(buf, len, "slot %02X", k->key_ref);
		return;
	}
	o = (size_t)snprintf(buf, len, "id ");
	for (i = 0; i < k->id_len && i < 16 && o + 3 <= len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", k->id[i]);
	if (k->id_len == 0)
		snprintf(buf, len, "id (none)");
}

const struct scl_backend_ops *
scl_backend_get(enum scl_backend_kind kind)
{
	switch (kind) {
	case SCL_BACKEND_PIV:
		return &scl_backend_piv;
	case SCL_BACKEND_PKCS11:
		return &scl_backend_p11;
	}
	return NULL;
}
