/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The rig itself: private pcscd up, a vpcd card inserted, reachable with
 * plain PC/SC, removed, pcscd restarted, readers changed across a restart,
 * and nothing of it visible from the host namespace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include "rig.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) " \
    "failed\n", __FILE__, __LINE__, #c); goto out; } } while (0)

static int
echo_apdu(const char *reader)
{
	static const uint8_t cmd[] = { 0x00, 0xCA, 0x00, 0x00, 0x03, 1, 2, 3 };
	SCARDCONTEXT ctx;
	SCARDHANDLE h;
	DWORD proto, len;
	uint8_t resp[64];
	int r = -1;

	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) !=
	    SCARD_S_SUCCESS)
		return -1;
	if (SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 |
	    SCARD_PROTOCOL_T1, &h, &proto) != SCARD_S_SUCCESS)
		goto out_ctx;
	len = sizeof(resp);
	if (SCardTransmit(h, proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 :
	    SCARD_PCI_T1, cmd, sizeof(cmd), NULL, resp, &len) ==
	    SCARD_S_SUCCESS && len == 5 && resp[0] == 1 && resp[2] == 3 &&
	    resp[3] == 0x90 && resp[4] == 0x00)
		r = 0;
	SCardDisconnect(h, SCARD_RESET_CARD);
out_ctx:
	SCardReleaseContext(ctx);
	return r;
}

static int
list_has(const char *name)
{
	SCARDCONTEXT ctx;
	char buf[1024];
	DWORD len = sizeof(buf);
	int found = 0;

	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) !=
	    SCARD_S_SUCCESS)
		return -1;
	if (SCardListReaders(ctx, NULL, buf, &len) == SCARD_S_SUCCESS)
		for (char *p = buf; p < buf + len && *p; p += strlen(p) + 1)
			if (strcmp(p, name) == 0)
				found = 1;
	SCardReleaseContext(ctx);
	return found;
}

int
main(void)
{
	struct rig *rig = NULL;
	const char *tiny = getenv("SCL_RIG_TINYCARD");
	char port[16];
	const char *argv[] = { tiny, port, NULL };
	unsigned ch2[2] = { 0x9C40, 0x9C50 };
	uint64_t t0;
	int rc = 1, r;

	if ((r = rig_start(&rig)) != 0)
		return r;
	CHECK(tiny != NULL);
	CHECK(list_has(RIG_READER_0) == 1 && list_has(RIG_READER_1) == 1);

	snprintf(port, sizeof(port), "%u", rig_card_port(0));
	t0 = rig_now_ms();
	CHECK(rig_card_insert_argv(rig, 0, argv) == 0);
	fprintf(stderr, "insert seen after %llu ms\n",
	    (unsigned long long)(rig_now_ms() - t0));
	CHECK(echo_apdu(RIG_READER_0) == 0);
	CHECK(echo_apdu(RIG_READER_1) != 0);
	t0 = rig_now_ms();
	CHECK(rig_card_remove(rig, 0) == 0);
	fprintf(stderr, "removal seen after %llu ms\n",
	    (unsigned long long)(rig_now_ms() - t0));
	CHECK(echo_apdu(RIG_READER_0) != 0);

	/* Restart: the card in slot 1 survives only as long as its socket. */
	snprintf(port, sizeof(port), "%u", rig_card_port(1));
	CHECK(rig_card_insert_argv(rig, 1, argv) == 0);
	CHECK(rig_pcscd_stop(rig) == 0);
	CHECK(list_has(RIG_READER_0) == -1);
	CHECK(rig_card_kill(rig, 1) == 0);
	CHECK(rig_pcscd_start(rig) == 0);
	CHECK(list_has(RIG_READER_1) == 1);

	/*
	 * Reader "hotplug": pcscd -H (SIGUSR1) does not re-read
	 * reader.conf.d in Debian's libudev build of pcscd 1.9.9; a second
	 * vpcd channel appears after a restart.
	 */
	CHECK(rig_readers_set(rig, ch2, 2) == 0);
	r = rig_pcscd_rescan(rig);
	fprintf(stderr, "readers after pcscd -H with a new reader.conf.d "
	    "entry: %d (%s)\n", r, r == 4 ? "rescan works" :
	    "rescan ignores reader.conf.d");
	CHECK(r == 2 || r == 4);
	CHECK(rig_pcscd_stop(rig) == 0);
	CHECK(rig_pcscd_start(rig) == 0);
	CHECK(list_has("Virtual PCD B 00 01") == 1);
	CHECK(rig_readers_set(rig, ch2, 0) == 0);
	CHECK(rig_pcscd_stop(rig) == 0);
	CHECK(rig_pcscd_start(rig) == 0);
	CHECK(list_has(RIG_READER_0) == 0);
	rc = 0;
out:
	rig_stop(&rig);
	return rc;
}
