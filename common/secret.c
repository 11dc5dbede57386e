/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "secret.h"

static atomic_int noted_dontdump, noted_wipeonfork, noted_mlock;

static size_t
whole_pages(size_t n)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t p = ps > 0 ? (size_t)ps : 4096;

	if (n == 0 || n > SIZE_MAX - p)
		return 0;
	return (n + p - 1) / p * p;
}

static void
note_once(atomic_int *noted, const char *what, int err)
{
	if (scl_log_enabled() && atomic_exchange(noted, 1) == 0)
		scl_debug("secret memory: %s failed (errno %d); continuing "
		    "without it", what, err);
}

void *
scl_secret_alloc(size_t n)
{
	size_t len = whole_pages(n);
	void *p;

	if (len == 0)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, len, MADV_DONTDUMP) != 0)
		note_once(&noted_dontdump, "MADV_DONTDUMP", errno);
#ifdef MADV_WIPEONFORK
	if (madvise(p, len, MADV_WIPEONFORK) != 0)
		note_once(&noted_wipeonfork, "MADV_WIPEONFORK", errno);
#endif
	if (mlock(p, len) != 0)
		note_once(&noted_mlock, "mlock (RLIMIT_MEMLOCK)", errno);
	return p;
}

void
scl_secret_free(void *p, size_t n)
{
	size_t len = whole_pages(n);

	if (p == NULL || len == 0)
		return;
	explicit_bzero(p, len);
	(void)munlock(p, len);
	(void)munmap(p, len);
}

struct scl_pin *
scl_pin_new(void)
{
	return scl_secret_alloc(sizeof(struct scl_pin));
}

void
scl_pin_free(struct scl_pin *pin)
{
	scl_secret_free(pin, sizeof(*pin));
}

int
scl_pin_set(struct scl_pin *pin, const char *s)
{
	size_t n;
	int r = SCL_ERR_INVALID_ARGUMENT;

	if (pin == NULL)
		goto out;
	scl_pin_clear(pin);
	r = SCL_ERR_PIN_FORMAT;
	if (s == NULL)
		goto out;
	n = strnlen(s, SCL_PIN_MAX + 1);
	if (n < 1 || n > SCL_PIN_MAX)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			goto out;
	}
	memcpy(pin->v, s, n);
	pin->len = n;
	r = 0;
out:
	if (r != 0 && pin != NULL)
		scl_pin_clear(pin);
	return r;
}

void
scl_pin_clear(struct scl_pin *pin)
{
	if (pin != NULL)
		explicit_bzero(pin, sizeof(*pin));
}

void
scl_freezero(void *p, size_t len)
{
	if (p != NULL) {
		explicit_bzero(p, len);
		free(p);
	}
}

void
scl_wipe_str(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}
