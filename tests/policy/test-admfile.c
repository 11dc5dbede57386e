/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "admfile.h"
#include "err.h"

static char dir[] = "/tmp/scl-admfile-XXXXXX";
static uint8_t sentinel[1];

static void
put(const char *name, const char *text, mode_t mode, char *path, size_t cap)
{
	FILE *f;

	snprintf(path, cap, "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static int
setup(void **state)
{
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* scl_admfile_read into *buf / *len, the message into err[256]. */
static int
rd(const char *path, const struct scl_admfile_rules *rules, uint8_t **buf,
    size_t *len, char *err)
{
	err[0] = '\0';
	return scl_admfile_read(path, rules, buf, len, err, 256);
}

static void
test_read_ok(void **state)
{
	struct scl_admfile_rules rules = { 64, 0, 1, 1 };
	uint8_t *buf = NULL;
	size_t len = 0;
	char path[256], err[256] = "";

	put("ok", "[global]\n", 0644, path, sizeof(path));
	assert_int_equal(rd(path, &rules, &buf, &len, err), 0);
	assert_int_equal(len, 9);
	assert_memory_equal(buf, "[global]\n", 9);
	free(buf);
	/* Exactly max bytes is fine, one more is not. */
	rules.max = 9;
	assert_int_equal(rd(path, &rules, &buf, &len, err), 0);
	free(buf);
	rules.max = 8;
	buf = sentinel;
	assert_int_equal(rd(path, &rules, &buf, &len, err), SCL_ERR_CONFIG);
	assert_ptr_equal(buf, sentinel);
	assert_non_null(strstr(err, ": larger than 8 bytes"));
}

static void
test_missing(void **state)
{
	struct scl_admfile_rules rules = { 64, 1, 1, 1 };
	uint8_t *buf = sentinel;
	size_t len = 5;
	char path[256], err[256] = "";

	snprintf(path, sizeof(path), "%s/absent", dir);
	assert_int_equal(rd(path, &rules, &buf, &len, err), 0);
	assert_null(buf);
	assert_int_equal(len, 0);
	rules.missing_ok = 0;
	assert_int_equal(rd(path, &rules, &buf, &len, err), SCL_ERR_CONFIG);
	assert_non_null(strstr(err, "absent: cannot open: No such file"));
}

static void
test_refused(void **state)
{
	struct scl_admfile_rules rules = { 64, 1, 1, 1 };
	uint8_t *buf = NULL;
	size_t len = 0;
	char path[256], link[300], err[256] = "";

	put("gw", "x\n", 0664, path, sizeof(path));
	assert_int_equal(rd(path, &rules, &buf, &len, err), SCL_ERR_CONFIG);
	assert_non_null(strstr(err, "gw: mode 0664 is group or world "
	    "writable (chmod go-w)"));
	/* Only the caller's choice turns the owner and mode checks off. */
	rules.check_owner = 0;
	assert_int_equal(rd(path, &rules, &buf, &len, err), 0);
	free(buf);
	buf = NULL;

	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(rd(link, &rules, &buf, &len, err), SCL_ERR_CONFIG);
	assert_non_null(strstr(err, "link: cannot open: is a symbolic link"));

	assert_int_equal(rd(dir, &rules, &buf, &len, err), SCL_ERR_CONFIG);
	assert_non_null(strstr(err, ": not a regular file"));
	assert_null(buf);
	/* errbuf is optional. */
	assert_int_equal(scl_admfile_read(dir, &rules, &buf, &len, NULL, 0),
	    SCL_ERR_CONFIG);
	assert_int_equal(scl_admfile_read(NULL, &rules, &buf, &len, NULL, 0),
	    SCL_ERR_INVALID_ARGUMENT);
	rules.max = SIZE_MAX;
	assert_int_equal(scl_admfile_read(path, &rules, &buf, &len, NULL, 0),
	    SCL_ERR_INVALID_ARGUMENT);
}

static void
test_owner(void **state)
{
	struct scl_admfile_rules rules = { 64, 0, 1, 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	char path[256], err[256] = "";

	if (geteuid() != 0)
		skip();
	put("owned", "x\n", 0644, path, sizeof(path));
	assert_int_equal(chown(path, 1001, 0), 0);
	assert_int_equal(rd(path, &rules, &buf, &len, err), SCL_ERR_CONFIG);
	assert_non_null(strstr(err, "owned: owned by uid 1001, must be owned "
	    "by root"));
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(rd(path, &rules, &buf, &len, err), 0);
	free(buf);
}

static void
test_trim(void **state)
{
	char a[] = " \t key = v \t", b[] = "   ", c[] = "x";
	size_t n = 99;

	assert_string_equal(scl_admfile_trim(a, &n), "key = v");
	assert_int_equal(n, 7);
	assert_string_equal(scl_admfile_trim(b, &n), "");
	assert_int_equal(n, 0);
	assert_string_equal(scl_admfile_trim(c, NULL), "x");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_ok),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_trim),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
