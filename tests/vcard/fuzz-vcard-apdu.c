/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The vcard applet fed with APDUs from the input.  Byte 0 picks the
 * security state to start from (bit 0: PIN verified, bit 1: management key
 * authenticated, bit 2: a P-256 key in 9A); the rest is a list of records
 * (2-byte big-endian length + bytes); a 1-byte record is a power event.
 * The card lives in memory only.  Every answer must carry a status word.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "piv.h"
#include "vcard-test.h"

static struct vt t;
static struct vc_state *proto;

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
	char *buf = NULL;
	size_t len;
	char err[256];

	abort_if(vt_open(&t, &o, 0) != 0);
	abort_if(vt_mgmt_auth(&t, SCL_PIV_ALG_3DES, vt_default_admin) !=
	    0x9000);
	abort_if(vt_apdu(&t, 0, 0x47, 0, 0x9a,
	    (const uint8_t *)"\xac\x03\x80\x01\x11", 5, 0, 0) != 0x9000);
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
	if (!(mode & 4))
		vc_state_del_key(s, 0x9a);
	vc_applet_free(&t.a);
	abort_if(vc_applet_new(s, NULL, t.seal, &t.a, err, sizeof(err)) != 0);
	if (mode & 1)
		abort_if(vt_verify(&t, "123456") != 0x9000);
	if (mode & 2)
		abort_if(vt_mgmt_auth(&t, SCL_PIV_ALG_3DES, vt_default_admin) !=
		    0x9000);
	for (int i = 0; i < 64 && off + 2 <= size; i++) {
		size_t n = (size_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (n > size - off)
			n = size - off;
		if (n == 1) {
			vc_applet_power(t.a, (enum vc_power)(data[off] % 3));
		} else {
			uint8_t cmd[VC_APDU_MAX];

			memcpy(cmd, data + off, n);
			/* RSA key generation is too slow to fuzz */
			if (n > 1 && cmd[1] == 0x47 && n > 9 && cmd[9] == 0x07)
				cmd[9] = 0x11;
			abort_if(vt_raw(&t, cmd, n) < 0x6100);
		}
		off += n;
	}
	return 0;
}
