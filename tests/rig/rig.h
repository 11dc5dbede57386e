/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_RIG_H
#define SCL_RIG_H

/*
 * The end-to-end rig: a private pcscd with the vsmartcard vpcd driver in a
 * private mount + network namespace, and virtual cards connected to it.
 *
 * rig_start() unshares the CALLING PROCESS (mount + network namespace), so
 * call it first in main(), before any thread exists, and call the other
 * functions from the same (main) thread: every child is started with
 * PR_SET_PDEATHSIG, which fires when the thread that forked it exits.
 * A crashing test therefore takes pcscd and its cards with it.
 *
 * Inside the namespace /run/pcscd is a private tmpfs (pcscd 1.9.9 ignores
 * PCSCLITE_CSOCK_NAME for its own socket) and lo is up, so vpcd's ports
 * 40000/40001 never clash with another rig or the host.
 *
 * SCL_TEST_WRAPPER: when set and not empty, its words (split on spaces, no
 * quoting) are put in front of every program of ours the rig starts: the
 * vcard of rig_card_insert(), and the argv of rig_card_insert_argv() /
 * rig_card_spawn() when argv[0] lies under $SCL_BUILD_ROOT.  Never in
 * front of pcscd or third-party programs.  Waits for such a card to come
 * up or to exit are three times longer (valgrind).
 *
 * Every wait is bounded (RIG_WAIT_MS).  Functions return 0 or -1 and print
 * a reason to stderr; rig_start returns 77 (meson's "skip") when the rig
 * cannot run here (not root, no pcscd, no vpcd driver, no namespaces).
 *
 * Readers: "Virtual PCD 00 00" (slot 0, port 40000) and "Virtual PCD 00 01"
 * (slot 1, port 40001).  pcscd 1.9.9 as built by Debian (libudev hotplug)
 * reads reader.conf.d only at start-up: SIGUSR1 / `pcscd -H` only reaches
 * the libudev HPReCheckSerialReaders(), which does nothing (its log shows
 * "signal_thread() Received signal: 10" and no "refresh reader" line), so
 * RFReCheckReaderConf() is never called.  Two ways to change readers:
 *  - rig_readers_set() and a pcscd restart (rig_pcscd_stop + _start): a
 *    client sees the service go down, then up with another reader list;
 *  - rig_hotplug_enable(), then rig_reader_unplug() / _replug(): the vpcd
 *    device becomes a (fake) USB reader that pcscd drives through its real
 *    libudev hotplug code while it runs (rig-usb.h), exactly as for a USB
 *    reader pulled out and plugged back: the driver answers
 *    IFD_NO_SUCH_DEVICE at once, udev's "remove" makes pcscd drop it
 *    (HPRemoveDevice, RFRemoveReader), "add" brings it back (HPAddDevice).
 */
#include <stdint.h>

#define RIG_WAIT_MS 10000
#define RIG_SLOTS 2
#define RIG_READER_0 "Virtual PCD 00 00"
#define RIG_READER_1 "Virtual PCD 00 01"

struct rig;

int rig_start(struct rig **ret);

/*
 * Start `$SCL_VCARD run --state state_path --port 4000<slot> --seal-key
 * <rig seal key>` and wait until pcscd reports a card in the slot's reader.
 */
int rig_card_insert(struct rig *r, unsigned slot, const char *state_path);

/*
 * The same with any vpcd-protocol card program: argv is executed as is
 * (the port is rig_card_port(slot)).  Used by tests that need a card that
 * misbehaves, and by the rig's own test before the vcard existed.
 */
int rig_card_insert_argv(struct rig *r, unsigned slot, const char *const argv[]);

/*
 * As rig_card_insert / _argv but without waiting for pcscd to see it; the
 * caller measures or waits itself.
 */
int rig_card_spawn(struct rig *r, unsigned slot, const char *const argv[]);

/* SIGTERM the slot's card process, reap it, wait until pcscd sees no card. */
int rig_card_remove(struct rig *r, unsigned slot);

/* As rig_card_remove without waiting for pcscd (for latency tests). */
int rig_card_kill(struct rig *r, unsigned slot);

/* Wait (bounded by timeout_ms) until the slot's reader shows present. */
int rig_wait_card(struct rig *r, unsigned slot, int present, int timeout_ms);

unsigned rig_card_port(unsigned slot);
const char *rig_reader_name(unsigned slot);

/*
 * Reader hotplug (see above).  rig_hotplug_enable() restarts pcscd with the
 * vpcd device as a USB reader named as before ("Virtual PCD 00 00"/"00 01",
 * same ports), no card may be in; needs $SCL_RIG_IFD_UNPLUG (the test
 * driver ifd-unplug.so).  Until rig_stop(), pcscd restarts keep that mode.
 *
 * Both vpcd slots are one USB device: unplugging "a slot" takes both
 * readers away, replugging brings both back (pcscd's RFRemoveReader removes
 * every slot of the device).  The card programs keep running: like a card
 * left in the reader, a vcard reconnects when its reader is back.  A card
 * program stalled inside an APDU holds pcscd's removal of the reader until
 * it answers or is killed (rig_card_kill), as pcscd waits for its reader
 * threads.
 *
 * rig_reader_unplug / _replug wait (bounded, RIG_WAIT_MS) until pcscd lists
 * no reader / both readers; rig_reader_pull unplugs without waiting.
 * 0 or -1 (reason on stderr).
 */
int rig_hotplug_enable(struct rig *r);
int rig_reader_unplug(struct rig *r, unsigned slot);
int rig_reader_replug(struct rig *r, unsigned slot);
int rig_reader_pull(struct rig *r, unsigned slot);

/*
 * The device stays plugged in (pcscd keeps listing both readers) but its
 * driver answers IFD_NO_SUCH_DEVICE to everything while failing != 0: a
 * wedged reader, or the moment between an unplug and udev's report.
 * pcscd marks the readers SCARD_STATE_UNKNOWN.  No wait.  0 or -1.
 */
int rig_reader_fail(struct rig *r, unsigned slot, int failing);

/* Wait (bounded) until pcscd lists n readers.  0 or -1. */
int rig_wait_readers(struct rig *r, int n, int timeout_ms);

/* Stop pcscd (SIGTERM, bounded, then SIGKILL) / start it again. */
int rig_pcscd_stop(struct rig *r);
int rig_pcscd_start(struct rig *r);
int rig_pcscd_pid(const struct rig *r);

/*
 * What `pcscd -H` does: SIGUSR1 to pcscd, asking it to rescan.  Returns
 * the reader count 1 s later (-1 if pcscd does not answer).  On Debian's
 * pcscd 1.9.9 the count does not change (see above).
 */
int rig_pcscd_rescan(struct rig *r);

/*
 * Rewrite the rig's reader.conf.d: vpcd channels (e.g. 0x9C40 for ports
 * 40000/40001, 0x9C50 for 40016/40017).  n == 0 leaves no reader.  Takes
 * effect at the next rig_pcscd_start().  Channel i > 0 is named "Virtual
 * PCD B" (C, D): its readers are "Virtual PCD B 00 00" and "... 00 01".
 */
int rig_readers_set(struct rig *r, const unsigned *channels, unsigned n);

const char *rig_dir(struct rig *r);
const char *rig_conf_dir(struct rig *r);
const char *rig_seal_key(struct rig *r);

/*
 * Run a program to its end (e.g. `sclogin-vcard init`), SCL_TEST_WRAPPER in
 * front when argv[0] lies under $SCL_BUILD_ROOT, stdin /dev/null, output
 * inherited.  Bounded: killed after 60 s (x3 under a wrapper).  Returns
 * its exit status, or -1 (not started, killed, or a signal).
 */
int rig_run(const char *const argv[]);

/* Path of the vcard binary ($SCL_VCARD), NULL if unset or not executable. */
const char *rig_vcard_path(void);

/* Current monotonic time in ms (for latency measurements). */
uint64_t rig_now_ms(void);

void rig_stop(struct rig **rp);

#endif
