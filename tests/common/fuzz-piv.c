/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The PIV card dialogue against a card fed from the input (fake-feed: each
 * response is a 2-byte length and its bytes): select, certificate, card id,
 * PIN status, VERIFY, a signature, key generation and management-key auth.
 * The first input byte picks the order of the optional steps.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fake-feed.h"
#include "piv.h"
#include "secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mgmt[24] = { 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
	    5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct fake_feed ff;
	struct scl_pin pin = { .v = "123456", .len = 6 };
	uint8_t *der = NULL, in[256] = { 0, 1 }, sig[600], mode;
	size_t len = 0, sl = 0;
	int tries = 0, ver = 0;
	char id[33];

	if (size < 1)
		return 0;
	mode = data[0];
	fake_feed_init(&ff, data + 1, size - 1, (mode & 0x80) ? 1u : 0u);
	if (scl_piv_select(&ff.t) != 0 && (mode & 1))
		return 0;
	if (scl_piv_read_cert(&ff.t, SCL_PIV_KEY_AUTH, &der, &len) == 0)
		free(der);
	der = NULL;
	(void)scl_piv_read_card_id(&ff.t, id);
	(void)scl_piv_pin_status(&ff.t, SCL_PIV_REF_PIN, &tries, &ver);
	(void)scl_piv_verify(&ff.t, &pin, &tries);
	if (mode & 2)
		(void)scl_piv_general_auth(&ff.t, SCL_PIV_ALG_RSA2048,
		    SCL_PIV_KEY_AUTH, in, 256, sig, sizeof(sig), &sl);
	else
		(void)scl_piv_general_auth(&ff.t, SCL_PIV_ALG_ECC256,
		    SCL_PIV_KEY_SIGN, in, 32, sig, sizeof(sig), &sl);
	if (mode & 4)
		(void)scl_piv_mgmt_auth(&ff.t, (mode & 8) ?
		    SCL_PIV_ALG_AES192 : SCL_PIV_ALG_3DES, mgmt, sizeof(mgmt));
	if (scl_piv_generate(&ff.t, SCL_PIV_KEY_KEYMGMT, (mode & 16) ?
	    SCL_PIV_ALG_RSA2048 : SCL_PIV_ALG_ECC256, &der, &len) == 0)
		free(der);
	scl_pin_clear(&pin);
	return 0;
}
