/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_TOKENWATCH_H
#define SCL_TOKENWATCH_H

#include "backend.h"
#include "config.h"

/*
 * Insertions and removals that pcscd does not see: tokens of the PKCS#11
 * modules (`backends =` with pkcs11), reported by their modules'
 * C_WaitForSlotEvent or, for modules without it, by a change of the
 * present tokens.  For waiting for a card (wait_for_card); the PC/SC
 * monitor (monitor.h) covers readers and PIV cards.  Every call is bounded
 * by cfg->card_timeout_ms (the helper process); none blocks beyond it.
 * One thread per watch.
 */
struct scl_token_watch;

/*
 * A watch over cfg's PKCS#11 modules.  0 with *ret NULL when cfg has no
 * pkcs11 backend (nothing to watch); otherwise an SCL_ERR_* of opening the
 * backend (the wait goes on with the PC/SC monitor alone).
 */
int scl_token_watch_open(const struct scl_config *cfg,
    struct scl_token_watch **ret);

/* Without blocking: *ret_changed 1 when tokens came or went since the last
 * call (or the open). */
int scl_token_watch_poll(struct scl_token_watch *w, int *ret_changed);

/*
 * The tokens present now, by the names list_tokens gives (backend.h): at
 * most cap in ret (*ret_n).  0 with *ret_n 0 for a NULL watch.
 */
int scl_token_watch_list(struct scl_token_watch *w, struct scl_token_info *ret,
    size_t cap, size_t *ret_n);

void scl_token_watch_free(struct scl_token_watch **wp);

#endif
