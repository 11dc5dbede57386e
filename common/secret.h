/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_SECRET_H
#define SCL_SECRET_H

#include <stddef.h>
#include <stdint.h>

/*
 * The one buffer a PIN (or PUK) lives in.  PIV references hold at most 8
 * bytes (SP 800-73-4 Pt 2 §3.2.1); the card command pads with 0xFF.
 * Never copy v[] anywhere but into the APDU buffer, which the APDU layer
 * wipes.  Callers take it from scl_pin_new() (secret memory, below), wipe
 * it with scl_pin_clear() on every path and release it with scl_pin_free().
 */
#define SCL_PIN_MAX 8

struct scl_pin {
	uint8_t v[SCL_PIN_MAX];
	size_t len;
};

/*
 * Copy the NUL-terminated string s into pin (length 1..SCL_PIN_MAX, printable
 * ASCII 0x20..0x7E only; the 6..8 length and character-class rules are the
 * PIN policy's job, policy/pinpolicy.h).  s is read at most SCL_PIN_MAX + 1
 * bytes far.  Returns 0, SCL_ERR_PIN_FORMAT (s NULL, empty, too long or
 * with other bytes) leaving pin cleared, or SCL_ERR_INVALID_ARGUMENT when
 * pin is NULL.  Does not wipe s: the caller owns it and wipes it (see
 * scl_wipe_str()).
 */
int scl_pin_set(struct scl_pin *pin, const char *s);

/* explicit_bzero the whole struct. NULL-safe. */
void scl_pin_clear(struct scl_pin *pin);

/*
 * Secret memory: a private anonymous mapping of whole pages (so the start
 * is page aligned), zero-filled, left out of core dumps (MADV_DONTDUMP),
 * zero in a forked child (MADV_WIPEONFORK, Linux >= 4.14) and locked into
 * RAM (mlock) where RLIMIT_MEMLOCK allows.  Only the mapping itself failing
 * is an error (NULL; also for n == 0): a protection the kernel refuses is
 * reported once per process through scl_debug() and the buffer is still
 * given out.  scl_secret_free() takes the n given to scl_secret_alloc(),
 * wipes the whole mapping with explicit_bzero, unlocks and unmaps it.
 * NULL-safe.  Swap is covered only while the lock holds; ptrace by root and
 * /proc/PID/mem are not covered at all.
 */
void *scl_secret_alloc(size_t n);
void scl_secret_free(void *p, size_t n);

/* A zeroed struct scl_pin in secret memory; NULL when out of memory. */
struct scl_pin *scl_pin_new(void);

/* scl_secret_free() of a scl_pin_new() buffer. NULL-safe. */
void scl_pin_free(struct scl_pin *pin);

/* explicit_bzero(p, len) then free(p). NULL-safe. */
void scl_freezero(void *p, size_t len);

/* Wipe a NUL-terminated heap string to its end, then free it. NULL-safe. */
void scl_wipe_str(char *s);

#endif
