/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * The certificate cache (policy/certcache.c) on a real directory: file
 * format, atomic root-only files, refusal of unsafe directories and files,
 * damaged and oversized files, eviction, non-root callers.  Needs root
 * (skipped otherwise): ownership is part of the contract.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "certcache.h"
#include "err.h"

#define ID "0102030405060708090a0b0c0d0e0f10"
#define ID2 "ffeeddccbbaa99887766554433221100"

static char root[256], dir[300];
static const uint8_t der[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };

static int
setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/scl-certcache-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/cache/certs", root);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[400];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void
path_of(char *buf, size_t cap, const char *id, const char *kr)
{
	snprintf(buf, cap, "%s/%s-%s", dir, id, kr);
}

static void
write_file(const char *path, const void *p, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
test_id_ok(void **state)
{
	(void)state;
	assert_true(scl_certcache_id_ok(ID));
	assert_false(scl_certcache_id_ok(NULL));
	assert_false(scl_certcache_id_ok(""));
	assert_false(scl_certcache_id_ok("0102030405060708090A0B0C0D0E0F10"));
	assert_false(scl_certcache_id_ok("00000000000000000000000000000000"));
	assert_false(scl_certcache_id_ok("0102030405060708090a0b0c0d0e0f1"));
	assert_false(scl_certcache_id_ok("../../../../../../../etc/passwd00"));
}

static void
test_parse(void **state)
{
	static const char h[] = "sclogin-cert-cache 1 " ID " 9a\n";
	uint8_t buf[SCL_CERTCACHE_MAX_SIZE + 2];
	const uint8_t *d = NULL;
	size_t n = 0, hl = strlen(h);

	(void)state;
	memcpy(buf, h, hl);
	memcpy(buf + hl, der, sizeof(der));
	assert_int_equal(scl_certcache_parse(buf, hl + sizeof(der), ID, 0x9a,
	    &d, &n), 0);
	assert_ptr_equal(d, buf + hl);
	assert_int_equal(n, sizeof(der));
	/* another card, another key, no DER, a truncated header */
	assert_int_equal(scl_certcache_parse(buf, hl + sizeof(der), ID2, 0x9a,
	    &d, &n), SCL_ERR_CERT_CACHE_BAD);
	assert_int_equal(scl_certcache_parse(buf, hl + sizeof(der), ID, 0x9e,
	    &d, &n), SCL_ERR_CERT_CACHE_BAD);
	assert_int_equal(scl_certcache_parse(buf, hl, ID, 0x9a, &d, &n),
	    SCL_ERR_CERT_CACHE_BAD);
	assert_int_equal(scl_certcache_parse(buf, hl - 1, ID, 0x9a, &d, &n),
	    SCL_ERR_CERT_CACHE_BAD);
	assert_int_equal(scl_certcache_parse(NULL, 0, ID, 0x9a, &d, &n),
	    SCL_ERR_CERT_CACHE_BAD);
	/* the size cap */
	memset(buf + hl, 0x30, sizeof(buf) - hl);
	assert_int_equal(scl_certcache_parse(buf, SCL_CERTCACHE_MAX_SIZE, ID,
	    0x9a, &d, &n), 0);
	assert_int_equal(scl_certcache_parse(buf, SCL_CERTCACHE_MAX_SIZE + 1,
	    ID, 0x9a, &d, &n), SCL_ERR_CERT_CACHE_BAD);
	assert_int_equal(scl_certcache_parse(buf, hl + 1, "bad", 0x9a, &d, &n),
	    SCL_ERR_INVALID_ARGUMENT);
}

static void
test_store_load(void **state)
{
	char p[400];
	struct stat st;
	uint8_t *got = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(scl_certcache_load(dir, ID, 0x9a, &got, &n),
	    SCL_ERR_NO_OBJECT);
	assert_int_equal(scl_certcache_store(dir, ID, 0x9a, der, sizeof(der)),
	    0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	path_of(p, sizeof(p), ID, "9a");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(scl_certcache_load(dir, ID, 0x9a, &got, &n), 0);
	assert_int_equal(n, sizeof(der));
	assert_memory_equal(got, der, n);
	free(got);
	got = NULL;
	/* other key, other card: nothing */
	assert_int_equal(scl_certcache_load(dir, ID, 0x9e, &got, &n),
	    SCL_ERR_NO_OBJECT);
	assert_int_equal(scl_certcache_load(dir, ID2, 0x9a, &got, &n),
	    SCL_ERR_NO_OBJECT);
	/* a file of another card renamed to this card's name */
	assert_int_equal(scl_certcache_store(dir, ID2, 0x9a, der,
	    sizeof(der)), 0);
	{
		char p2[400];

		path_of(p2, sizeof(p2), ID2, "9a");
		assert_int_equal(rename(p2, p), 0);
	}
	assert_int_equal(scl_certcache_load(dir, ID, 0x9a, &got, &n),
	    SCL_ERR_CERT_CACHE_BAD);
	assert_int_equal(scl_certcache_drop(dir, ID, 0x9a), 0);
	assert_int_equal(stat(p, &st), -1);
	assert_int_equal(scl_certcache_drop(dir, ID, 0x9a), 0);
	/* unusable ids, no dir: no-ops */
	assert_int_equal(scl_certcache_store(dir,
	    "00000000000000000000000000000000", 0x9a, der, sizeof(der)), 0);
	assert_int_equal(scl_certcache_store(NULL, ID, 0x9a, der, sizeof(der)),
	    0);
	assert_int_equal(scl_certcache_load(NULL, ID, 0x9a, &got, &n),
	    SCL_ERR_NO_OBJECT);
	assert_int_equal(scl_certcache_store(dir, ID, 0x9a, der, 0),
	    SCL_ERR_INVALID_ARGUMENT);
}

static void
test_unsafe(void **state)
{
	char p[400], target[400];
	uint8_t *got = NULL, big[SCL_CERTCACHE_MAX_SIZE + 10];
	size_t n = 0;

	(void)state;
	assert_int_equal(scl_certcache_store(dir, ID, 0x9a, der, sizeof(der)),
	    0);
	path_of(p, sizeof(p), ID, "9a");
	/* a file others can read or write, or not root's */
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(scl_certcache_load(dir, ID, 0x9a, &got, &n),
	    SCL_ERR_CERT_CACHE_UNSAFE);
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(chown(p, 1000, 0), 0);
	assert_int_equal(scl_certcache_load(dir, ID, 0x9a, &got, &n),
	    SCL_ERR_CERT_CACHE_UNSAFE);
	assert_int_equal(chown(p, 0, 0), 0);
	/* the directory writable by others, or not root's */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(scl_certcache_load(dir, ID, 0x9a, &got, &n),
	    SCL_ERR_CERT_CACHE_UNSAFE);
	assert_int_equal(scl_certcache_store(dir, ID, 0x9a, der, sizeof(der)),
	    SCL_ERR_CERT_CACHE_UNSAFE);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(chown(dir, 1000, 1000), 0);
	assert_int_equal(scl_certcache_load(dir, ID, 0x9a, &got, &n),
	    SCL_ERR_CERT_CACHE_UNSAFE);
	assert_int_equal(chown(dir, 0, 0), 0);
	/* a symbolic link, as the file or as the directory */
	snprintf(target, sizeof(target), "%s/elsewhere", root);
	write_file(target, "x", 1, 0600);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(scl_certcache_load(dir, ID, 0x9a, &got, &n),
	    SCL_ERR_CERT_CACHE_UNSAFE);
	assert_int_equal(unlink(p), 0);
	snprintf(target, sizeof(target), "%s/link", root);
	assert_int_equal(symlink(dir, target), 0);
	assert_int_equal(scl_certcache_load(target, ID, 0x9a, &got, &n),
	    SCL_ERR_CERT_CACHE_UNSAFE);
	/* damaged and oversized files */
	write_file(p, "garbage\n", 8, 0600);
	assert_int_equal(scl_certcache_load(dir, ID, 0x9a, &got, &n),
	    SCL_ERR_CERT_CACHE_BAD);
	n = (size_t)snprintf((char *)big, sizeof(big),
	    "sclogin-cert-cache 1 %s 9a\n", ID);
	memset(big + n, 0x30, sizeof(big) - n);
	write_file(p, big, sizeof(big), 0600);
	assert_int_equal(scl_certcache_load(dir, ID, 0x9a, &got, &n),
	    SCL_ERR_CERT_CACHE_BAD);
	assert_null(got);
}

static void
test_evict(void **state)
{
	char id[33], p[400];
	struct stat st;
	size_t i;

	(void)state;
	for (i = 0; i < SCL_CERTCACHE_MAX_ENTRIES; i++) {
		struct timespec ts[2] = { { 1000 + (time_t)i, 0 },
			{ 1000 + (time_t)i, 0 } };

		snprintf(id, sizeof(id), "%032zx", i + 1);
		assert_int_equal(scl_certcache_store(dir, id, 0x9a, der,
		    sizeof(der)), 0);
		path_of(p, sizeof(p), id, "9a");
		assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	}
	/* a rewrite of an entry evicts nothing */
	snprintf(id, sizeof(id), "%032zx", (size_t)5);
	assert_int_equal(scl_certcache_store(dir, id, 0x9a, der, sizeof(der)),
	    0);
	path_of(p, sizeof(p), "00000000000000000000000000000001", "9a");
	assert_int_equal(stat(p, &st), 0);
	/* one more: the oldest (id 1) goes, the others stay */
	assert_int_equal(scl_certcache_store(dir, ID, 0x9a, der, sizeof(der)),
	    0);
	assert_int_equal(stat(p, &st), -1);
	path_of(p, sizeof(p), "00000000000000000000000000000002", "9a");
	assert_int_equal(stat(p, &st), 0);
	path_of(p, sizeof(p), ID, "9a");
	assert_int_equal(stat(p, &st), 0);
}

static void
test_not_root(void **state)
{
	uint8_t *got = NULL;
	size_t n = 0;
	char p[400];
	struct stat st;

	(void)state;
	assert_int_equal(scl_certcache_store(dir, ID, 0x9a, der, sizeof(der)),
	    0);
	assert_int_equal(seteuid(65534), 0);
	assert_int_equal(scl_certcache_load(dir, ID, 0x9a, &got, &n),
	    SCL_ERR_NO_OBJECT);
	assert_int_equal(scl_certcache_store(dir, ID2, 0x9a, der, sizeof(der)),
	    0);
	assert_int_equal(scl_certcache_drop(dir, ID, 0x9a), 0);
	assert_int_equal(seteuid(0), 0);
	path_of(p, sizeof(p), ID2, "9a");
	assert_int_equal(stat(p, &st), -1);
	path_of(p, sizeof(p), ID, "9a");
	assert_int_equal(stat(p, &st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_ok),
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_store_load, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unsafe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_root, setup,
		    teardown),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: needs root (file ownership)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
