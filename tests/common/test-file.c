/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "file.h"

/* A temp file holding n bytes of a pattern, offset rewound. */
static int
tmp_with(size_t n)
{
	char path[] = "/tmp/scl-test-file-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	for (size_t i = 0; i < n; i++) {
		uint8_t b = (uint8_t)(i * 7);

		assert_int_equal(write(fd, &b, 1), 1);
	}
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void
test_read_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 99, 100 };
	uint8_t *buf;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int fd = tmp_with(sizes[i]);

		buf = NULL;
		len = 999;
		assert_int_equal(scl_file_read_fd(fd, 100, &buf, &len), 0);
		assert_non_null(buf);
		assert_int_equal(len, sizes[i]);
		for (size_t j = 0; j < len; j++)
			assert_int_equal(buf[j], (uint8_t)(j * 7));
		free(buf);
		close(fd);
	}
}

static void
test_read_too_large(void **state)
{
	static uint8_t sentinel[] = "untouched";
	uint8_t *buf = sentinel;
	size_t len = 999;
	int fd = tmp_with(101);

	(void)state;
	assert_int_equal(scl_file_read_fd(fd, 100, &buf, &len),
	    SCL_ERR_TOO_LARGE);
	assert_ptr_equal(buf, sentinel);
	assert_int_equal(len, 999);
	close(fd);
	fd = tmp_with(1);
	assert_int_equal(scl_file_read_fd(fd, 0, &buf, &len),
	    SCL_ERR_TOO_LARGE);
	close(fd);
}

static void
test_read_errors(void **state)
{
	uint8_t *buf = NULL;
	size_t len = 999;
	int p[2];

	(void)state;
	assert_int_equal(scl_file_read_fd(-1, 10, &buf, &len),
	    SCL_ERR_SYSTEM);
	assert_int_equal(errno, EBADF);
	assert_null(buf);
	assert_int_equal(len, 999);
	assert_int_equal(scl_file_read_fd(0, SIZE_MAX, &buf, &len),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_file_read_fd(0, 10, NULL, &len),
	    SCL_ERR_INVALID_ARGUMENT);
	/* not only regular files: a pipe read to EOF */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "abc", 3), 3);
	close(p[1]);
	assert_int_equal(scl_file_read_fd(p[0], 10, &buf, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(buf, "abc", 3);
	free(buf);
	close(p[0]);
}

/* scl_file_write_atomic: replaces, 0600, no temp file left, bad names. */
static void
test_write_atomic(void **state)
{
	char dir[] = "/tmp/scl-file-XXXXXX", path[64], buf[16] = "";
	struct stat st;
	struct dirent *de;
	DIR *d;
	int dfd, fd, n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_true((dfd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0);
	assert_int_equal(scl_file_write_atomic(dfd, "f", "one", 3), 0);
	assert_int_equal(scl_file_write_atomic(dfd, "f", "second", 6), 0);
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 6);
	close(fd);
	assert_memory_equal(buf, "second", 6);
	assert_int_equal(scl_file_write_atomic(dfd, "", "x", 1),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_file_write_atomic(dfd, "../x", "x", 1),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_file_write_atomic(dfd, "g", NULL, 1),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_file_write_atomic(-1, "g", "x", 1),
	    SCL_ERR_SYSTEM);
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' || strncmp(de->d_name, ".f.tmp", 6) == 0)
			n++;
	closedir(d);
	assert_int_equal(n, 1);
	assert_int_equal(unlink(path), 0);
	close(dfd);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_sizes),
		cmocka_unit_test(test_read_too_large),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_write_atomic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
