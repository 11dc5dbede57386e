/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef VCARD_TEST_H
#define VCARD_TEST_H

/*
 * Helpers shared by the vcard unit tests and fuzz targets: a fresh card in
 * a temp folder (or in memory) and an APDU exchange that returns the SW.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "applet.h"
#include "personalize.h"
#include "seal.h"
#include "state.h"
#include "tpm.h"

struct vt {
	char dir[64];
	char path[96];
	uint8_t seal[VC_SEAL_KEY_LEN];
	struct vc_applet *a;
	uint8_t resp[VC_RAPDU_MAX];
	size_t resp_len;	/* data only, without SW */
};

/* Create a card with opts (NULL: defaults) saved in a temp dir. */
int vt_open(struct vt *t, const struct vc_init_opts *o, int persist);
/* Reload the card from its state file (a "restart"). */
int vt_reload(struct vt *t);
void vt_close(struct vt *t);

/* cmocka setup/teardown: a persisted card with the fastest PIN hash. */
int vt_setup(void **state);
int vt_teardown(void **state);

/* Send raw bytes; returns the SW, data in t->resp / t->resp_len. */
uint16_t vt_raw(struct vt *t, const uint8_t *apdu, size_t len);
/* Build a short APDU (lc < 256) or extended when ext; le < 0 = absent. */
uint16_t vt_apdu(struct vt *t, uint8_t cla, uint8_t ins, uint8_t p1,
    uint8_t p2, const uint8_t *data, size_t lc, int le, int ext);
/* Like vt_apdu with command chaining and GET RESPONSE: full response. */
uint16_t vt_xfer(struct vt *t, uint8_t ins, uint8_t p1, uint8_t p2,
    const uint8_t *data, size_t lc);

uint16_t vt_verify(struct vt *t, const char *pin);
/* Mutual auth with the management key; returns the final SW. */
uint16_t vt_mgmt_auth(struct vt *t, uint8_t alg, const uint8_t *key);

extern const uint8_t vt_default_admin[24];

/*
 * When set, vt_open and vt_reload make and open TPM cards in this TPM
 * (vt_close then deletes the card's PIN indices).
 */
extern struct vc_tpm *vt_tpm;

/*
 * A swtpm of the test's own: state in dir (made when dir[0] == 0, kept by
 * vt_swtpm_stop so the same TPM can start again), a UNIX socket there, the
 * process started and stopped by its PID.  tcti is what vc_tpm_open takes.
 */
struct vt_swtpm {
	char dir[64];
	char sock[128];
	char tcti[160];
	pid_t pid;
};

int vt_swtpm_start(struct vt_swtpm *w);
void vt_swtpm_stop(struct vt_swtpm *w);
/* Stop and remove its state: the TPM is gone for good. */
void vt_swtpm_remove(struct vt_swtpm *w);
/* SCL_VT_SWTPM set: start one and point vt_tpm at it; 0 or -1. */
int vt_tpm_from_env(struct vt_swtpm *w);
void vt_tpm_done(struct vt_swtpm *w);

#endif
