/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The vcard's GIDS applet (vcard/gids.h) fed with APDUs from the input,
 * in the format of fuzz-vcard-apdu: byte 0 picks the state to start from
 * (bit 0: GIDS selected, bit 1: PIN verified, bit 2: no certificate, so
 * no container); the rest is a list of records (2-byte big-endian length
 * + bytes), a 1-byte record is a power event.  The card (an RSA 2048 key
 * and a certificate in 9A) lives in memory only.  Every answer must carry
 * a status word.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "piv.h"
#include "vcard-test.h"

static struct vt t;
static struct vc_state *proto;

static const uint8_t select_gids[] = {
	0x00, 0xa4, 0x04, 0x00, 0x09, 0xa0, 0x00, 0x00, 0x03, 0x97, 0x42,
	0x54, 0x46, 0x59, 0x00,
};
static const uint8_t verify_pin[] = {
	0x00, 0x20, 0x00, 0x80, 0x06, '1', '2', '3', '4', '5', '6',
};

static void
abort_if(int cond)
{
	if (cond)
		abort();
}

static void
init_once(void)
{
	struct vc_init_opts o = { .hash_iter = VC_HASH_ITER_MIN, .kdf = { 10, 8, 1 } };
	static const uint8_t cert[] = {
		0x70, 0x04, 0x30, 0x02, 0x05, 0x00, 0x71, 0x01, 0x00, 0xfe, 0x00,
	};
	char *buf = NULL;
	size_t len;
	char err[256];

	abort_if(vt_open(&t, &o, 0) != 0);
	abort_if(vt_mgmt_auth(&t, SCL_PIV_ALG_3DES, vt_default_admin) !=
	    0x9000);
	abort_if(vt_xfer(&t, 0x47, 0, 0x9a,
	    (const uint8_t *)"\xac\x03\x80\x01\x07", 5) != 0x9000);
	abort_if(vc_state_set_object(vc_applet_state(t.a), 0x5fc105, cert,
	    sizeof(cert)) != 0);
	vc_applet_state(t.a)->applet = VC_APPLET_GIDS;
	abort_if(vc_state_format(vc_applet_state(t.a), &buf, &len) != 0);
	abort_if(vc_state_parse((const uint8_t *)buf, len, &proto, err,
	    sizeof(err)) != 0);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vc_state *s = NULL;
	char *buf = NULL, err[256];
	size_t len, off = 1;
	uint8_t mode;

	if (proto == NULL)
		init_once();
	if (size < 1)
		return 0;
	mode = data[0];
	abort_if(vc_state_format(proto, &buf, &len) != 0);
	abort_if(vc_state_parse((const uint8_t *)buf, len, &s, err,
	    sizeof(err)) != 0);
	free(buf);
	if (mode & 4)
		vc_state_set_object(s, 0x5fc105, NULL, 0);
	vc_applet_free(&t.a);
	abort_if(vc_applet_new(s, NULL, t.seal, &t.a, err, sizeof(err)) != 0);
	if (mode & 3)
		abort_if(vt_raw(&t, select_gids, sizeof(select_gids)) !=
		    0x9000);
	if (mode & 2)
		abort_if(vt_raw(&t, verify_pin, sizeof(verify_pin)) != 0x9000);
	for (int i = 0; i < 64 && off + 2 <= size; i++) {
		size_t n = (size_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (n > size - off)
			n = size - off;
		if (n == 1)
			vc_applet_power(t.a, (enum vc_power)(data[off] % 3));
		else
			abort_if(vt_raw(&t, data + off, n) < 0x6100);
		off += n;
	}
	return 0;
}
