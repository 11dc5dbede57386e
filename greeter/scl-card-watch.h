/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#pragma once

#include <glib-object.h>

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
 */
#define SCL_TYPE_CARD_WATCH (scl_card_watch_get_type())
G_DECLARE_FINAL_TYPE(SclCardWatch, scl_card_watch, SCL, CARD_WATCH, GObject)

SclCardWatch *scl_card_watch_new(void);

/* Start the thread.  FALSE with error when the monitor cannot start. */
gboolean scl_card_watch_start(SclCardWatch *self, GError **error);

G_END_DECLS
