/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#pragma once

#include <glib-object.h>

#include "config.h"

G_BEGIN_DECLS

/*
 * SclCardWatch: common/monitor.h in a GThread, its events re-emitted as
 * signals on the main context the watch was created on (no polling: the
 * thread blocks in scl_monitor_wait, which pcscd wakes).
 *
 * Signals (reader name as the only argument):
 *   reader-added, reader-removed, card-inserted, card-removed
 *   service-down (no argument): pcscd went away; all readers are gone.
 * The readers and cards present at start are emitted as reader-added /
 * card-inserted synchronously, from within scl_card_watch_start().
 * Disposing the watch cancels the monitor and joins the thread.
 *
 * Made for a configuration whose `backends =` has pkcs11, the watch also
 * follows that configuration's PKCS#11 tokens (tokenwatch.h: the thread
 * polls their modules' slot events every 250 ms between PC/SC waits) and
 * emits card-inserted / card-removed with the token name (the slot
 * description, as scl_signin_scan's reader), the tokens present at start
 * synchronously from scl_card_watch_start() as well, and again when pcscd
 * comes back after a service-down.
 */
#define SCL_TYPE_CARD_WATCH (scl_card_watch_get_type())
G_DECLARE_FINAL_TYPE(SclCardWatch, scl_card_watch, SCL, CARD_WATCH, GObject)

SclCardWatch *scl_card_watch_new(void);

/* With cfg's PKCS#11 tokens too (cfg outlives the watch; NULL: none). */
SclCardWatch *scl_card_watch_new_for_config(const struct scl_config *cfg);

/* Start the thread.  FALSE with error when the monitor cannot start. */
gboolean scl_card_watch_start(SclCardWatch *self, GError **error);

G_END_DECLS
