/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "log.h"
#include "secret.h"

/* ASan's mlock() interceptor returns 0 without locking, and a core dump of
 * its shadow takes longer than the test may run. */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif
#ifndef ASAN
#define ASAN 0
#endif

static int
is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static void
test_pin_set_valid(void **state)
{
	static const char *good[] = { "1", "123456", "12345678", "abc DEF~",
	    " !\"#$%&'" };
	struct scl_pin pin;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&pin, 0xAA, sizeof(pin));
		assert_int_equal(scl_pin_set(&pin, good[i]), 0);
		assert_int_equal(pin.len, strlen(good[i]));
		assert_memory_equal(pin.v, good[i], pin.len);
		/* bytes after the PIN are zero, never stale */
		assert_true(is_zero(pin.v + pin.len, SCL_PIN_MAX - pin.len));
	}
}

static void
test_pin_set_invalid(void **state)
{
	static const char *bad[] = { "", "123456789", "12345\n", "1234\x7f",
	    "12\xc3\xa9", "\t12345", "123456789012345678901234567890" };
	struct scl_pin pin;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(scl_pin_set(&pin, "999999"), 0);
		assert_int_equal(scl_pin_set(&pin, bad[i]),
		    SCL_ERR_PIN_FORMAT);
		assert_true(is_zero(&pin, sizeof(pin)));
	}
	assert_int_equal(scl_pin_set(&pin, "999999"), 0);
	assert_int_equal(scl_pin_set(&pin, NULL), SCL_ERR_PIN_FORMAT);
	assert_true(is_zero(&pin, sizeof(pin)));
	assert_int_equal(scl_pin_set(NULL, "123456"),
	    SCL_ERR_INVALID_ARGUMENT);
}

static void
test_pin_set_reads_bounded(void **state)
{
	/* An unterminated buffer longer than a PIN must not be over-read:
	 * the check stops at SCL_PIN_MAX + 1 bytes (ASan would catch). */
	char *s = malloc(SCL_PIN_MAX + 1);
	struct scl_pin pin;

	assert_non_null(s);
	memset(s, '1', SCL_PIN_MAX + 1);
	assert_int_equal(scl_pin_set(&pin, s), SCL_ERR_PIN_FORMAT);
	free(s);
}

static void
test_pin_clear(void **state)
{
	struct scl_pin pin;

	assert_int_equal(scl_pin_set(&pin, "12345678"), 0);
	scl_pin_clear(&pin);
	assert_true(is_zero(&pin, sizeof(pin)));
	scl_pin_clear(NULL);
}

static void
test_free_helpers(void **state)
{
	char *s = strdup("secret-reply");
	uint8_t *p = malloc(32);

	assert_non_null(s);
	assert_non_null(p);
	memset(p, 0x5A, 32);
	scl_wipe_str(s);
	scl_freezero(p, 32);
	scl_wipe_str(NULL);
	scl_freezero(NULL, 10);
}

/* munmap is wrapped (-Wl,--wrap=munmap): what the mapping held when
 * scl_secret_free() gave it back. */
int __real_munmap(void *addr, size_t len);
int __wrap_munmap(void *addr, size_t len);
static void *unmapped_at;
static int unmapped_zero = -1;

int
__wrap_munmap(void *addr, size_t len)
{
	unmapped_at = addr;
	unmapped_zero = is_zero(addr, len);
	return __real_munmap(addr, len);
}

/* The VmFlags line of the /proc/self/smaps entry that starts at p, or "". */
static void
vmflags(const void *p, char *out, size_t cap)
{
	char line[512];
	FILE *f = fopen("/proc/self/smaps", "r");
	int in = 0;

	out[0] = '\0';
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = lo == (unsigned long)(uintptr_t)p;
			continue;
		}
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(out, cap, "%s", line + 8);
			break;
		}
	}
	fclose(f);
}

static int
has_flag(const char *flags, const char *f)
{
	char pad[600];

	snprintf(pad, sizeof(pad), " %s", flags);
	pad[strcspn(pad, "\n")] = ' ';
	for (const char *q = pad; (q = strstr(q, f)) != NULL; q++)
		if (q[-1] == ' ' && q[2] == ' ')
			return 1;
	return 0;
}

static void
test_pin_new_is_secret_memory(void **state)
{
	struct scl_pin *pin = scl_pin_new();
	long ps = sysconf(_SC_PAGESIZE);
	char flags[512];
	struct rlimit rl;

	assert_non_null(pin);
	assert_int_equal((uintptr_t)pin % (uintptr_t)ps, 0);
	assert_true(is_zero(pin, sizeof(*pin)));
	vmflags(pin, flags, sizeof(flags));
	print_message("VmFlags:%s", flags);
	assert_true(has_flag(flags, "dd"));
#ifdef MADV_WIPEONFORK
	assert_true(has_flag(flags, "wf"));
#endif
	/* Locked when the limit lets us (root, or a big enough limit). */
	if (!ASAN && (geteuid() == 0 || (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
	    (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (rlim_t)ps))))
		assert_true(has_flag(flags, "lo"));
	assert_int_equal(scl_pin_set(pin, "12345678"), 0);
	unmapped_at = NULL;
	unmapped_zero = -1;
	scl_pin_free(pin);
	assert_ptr_equal(unmapped_at, pin);
	assert_int_equal(unmapped_zero, 1);
	scl_pin_free(NULL);
}

static void
test_secret_alloc_sizes(void **state)
{
	long ps = sysconf(_SC_PAGESIZE);
	uint8_t *p;

	assert_null(scl_secret_alloc(0));
	assert_null(scl_secret_alloc(SIZE_MAX));
	/* more than a page: every page is given back wiped */
	p = scl_secret_alloc((size_t)ps + 1);
	assert_non_null(p);
	memset(p, 0x5A, (size_t)ps + 1);
	unmapped_zero = -1;
	scl_secret_free(p, (size_t)ps + 1);
	assert_ptr_equal(unmapped_at, p);
	assert_int_equal(unmapped_zero, 1);
	scl_secret_free(NULL, 10);
}

static int mlock_lines;

static void
count_mlock_lines(void *ctx, const char *msg)
{
	(void)ctx;
	if (strstr(msg, "mlock") != NULL && strstr(msg, "12345") == NULL)
		mlock_lines++;
}

/* Without a lock allowance the buffer is still given out, only unlocked,
 * and one debug line (not one per buffer) says so. */
static void
test_secret_alloc_without_mlock(void **state)
{
	struct rlimit old, none = { 0, 0 };
	struct scl_pin *pin;
	char flags[512];
	pid_t pid;
	int st;

	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &old), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* root may lock past the limit: drop the capability in the
		 * child by becoming nobody (best effort). */
		if (setrlimit(RLIMIT_MEMLOCK, &none) != 0)
			_exit(2);
		if (geteuid() == 0 && setuid(65534) != 0)
			_exit(3);
		scl_log_set_handler(count_mlock_lines, NULL);
		for (int i = 0; i < 3; i++) {
			pin = scl_pin_new();
			if (pin == NULL)
				_exit(4);
			vmflags(pin, flags, sizeof(flags));
			if (!has_flag(flags, "dd") || has_flag(flags, "lo"))
				_exit(5);
			if (scl_pin_set(pin, "1234") != 0)
				_exit(6);
			scl_pin_free(pin);
		}
		_exit(mlock_lines == 1 || ASAN ? 0 : 7);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* A forked child of the host sees zeros where the parent keeps the PIN. */
static void
test_pin_wiped_in_forked_child(void **state)
{
	struct scl_pin *pin = scl_pin_new();
	pid_t pid;
	int st;

	assert_non_null(pin);
	assert_int_equal(scl_pin_set(pin, "87654321"), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(is_zero(pin, sizeof(*pin)) ? 0 : 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
#ifdef MADV_WIPEONFORK
	assert_int_equal(WEXITSTATUS(st), 0);
#endif
	assert_memory_equal(pin->v, "87654321", 8);
	scl_pin_free(pin);
}

/* n bytes of a marker made at run time (not in the binary's data). */
static void
marker(uint8_t *out, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(0x80 | ((seed + i * 37u) & 0x7f));
}

static int
file_has(const char *path, const uint8_t *needle, size_t n)
{
	FILE *f = fopen(path, "rb");
	static uint8_t buf[1 << 16];
	size_t have = 0, got;
	int found = 0;

	if (f == NULL)
		return -1;
	while (!found && (got = fread(buf + have, 1, sizeof(buf) - have,
	    f)) > 0) {
		have += got;
		for (size_t i = 0; i + n <= have && !found; i++)
			found = memcmp(buf + i, needle, n) == 0;
		if (have >= n) {
			memmove(buf, buf + have - (n - 1), n - 1);
			have = n - 1;
		}
	}
	fclose(f);
	return found;
}

/*
 * gdb's gcore of this process (a core dump honours MADV_DONTDUMP as the
 * kernel's does): a marker in secret memory is not in it, the same marker
 * pattern in plain heap memory is (the control: the dump is read).
 */
static void
test_core_dump_leaves_out_secret_memory(void **state)
{
	char dir[] = "/tmp/scl-secret-core.XXXXXX", cmd[512], core[300];
	uint8_t *secret, *plain, want[32];
	int st;

	if (ASAN || system("command -v gcore >/dev/null 2>&1") != 0)
		skip();
	secret = scl_secret_alloc(64);
	plain = malloc(64);
	assert_non_null(secret);
	assert_non_null(plain);
	assert_non_null(mkdtemp(dir));
	marker(secret, 32, 1);
	marker(plain, 32, 2);
	snprintf(cmd, sizeof(cmd), "gcore -o %s/core %ld >%s/log 2>&1", dir,
	    (long)getpid(), dir);
	st = system(cmd);
	snprintf(core, sizeof(core), "%s/core.%ld", dir, (long)getpid());
	assert_int_equal(st, 0);
	marker(want, 32, 2);
	assert_int_equal(file_has(core, want, 32), 1);
	marker(want, 32, 1);
	assert_int_equal(file_has(core, want, 32), 0);
	explicit_bzero(want, sizeof(want));
	unlink(core);
	snprintf(cmd, sizeof(cmd), "%s/log", dir);
	unlink(cmd);
	rmdir(dir);
	free(plain);
	scl_secret_free(secret, 64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_set_valid),
		cmocka_unit_test(test_pin_set_invalid),
		cmocka_unit_test(test_pin_set_reads_bounded),
		cmocka_unit_test(test_pin_clear),
		cmocka_unit_test(test_free_helpers),
		cmocka_unit_test(test_pin_new_is_secret_memory),
		cmocka_unit_test(test_secret_alloc_sizes),
		cmocka_unit_test(test_secret_alloc_without_mlock),
		cmocka_unit_test(test_pin_wiped_in_forked_child),
		cmocka_unit_test(test_core_dump_leaves_out_secret_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
