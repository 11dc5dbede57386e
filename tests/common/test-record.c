/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "record.h"

static char root[64];
static char dir[128];

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

static int
setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/scl-test-record.XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "%s/lib/users", root);
	return 0;
}

static int
teardown(void **state)
{
	return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
put_file(const char *name, const char *content, size_t len, mode_t mode)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
ensure_dir(void)
{
	struct scl_record rec = { SCL_METHOD_PASSWORD, 1, "" };

	assert_int_equal(scl_record_write(dir, "init", &rec), 0);
}

static void
test_roundtrip(void **state)
{
	struct scl_record in = { SCL_METHOD_CARD, 1764000000, "" }, out;
	struct stat st;
	char p[256];
	DIR *d;
	struct dirent *e;
	unsigned files = 0;

	memset(in.card_id, 'a', 64);
	in.card_id[64] = '\0';
	assert_int_equal(scl_record_read(dir, "alice", &out),
	    SCL_ERR_NO_OBJECT);
	assert_int_equal(scl_record_write(dir, "alice", &in), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(p, sizeof(p), "%s/alice", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	memset(&out, 0x55, sizeof(out));
	assert_int_equal(scl_record_read(dir, "alice", &out), 0);
	assert_int_equal(out.method, SCL_METHOD_CARD);
	assert_int_equal(out.when, 1764000000);
	assert_string_equal(out.card_id, in.card_id);

	/* overwrite atomically; no temp file left behind */
	in.method = SCL_METHOD_PASSWORD;
	in.when = 0;
	in.card_id[0] = '\0';
	assert_int_equal(scl_record_write(dir, "alice", &in), 0);
	assert_int_equal(scl_record_read(dir, "alice", &out), 0);
	assert_int_equal(out.method, SCL_METHOD_PASSWORD);
	assert_int_equal(out.when, 0);
	assert_string_equal(out.card_id, "");
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		assert_string_equal(e->d_name, "alice");
		files++;
	}
	closedir(d);
	assert_int_equal(files, 1);
}

static void
test_bad_arguments(void **state)
{
	static const char *users[] = { "", ".", "..", "a/b", ".hidden",
	    "x\n", "tab\tuser", "del\x7f" };
	struct scl_record ok = { SCL_METHOD_CARD, 5, "00ff" }, out;
	struct scl_record bad[4];
	char longname[202];

	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		assert_int_equal(scl_record_write(dir, users[i], &ok),
		    SCL_ERR_INVALID_ARGUMENT);
		assert_int_equal(scl_record_read(dir, users[i], &out),
		    SCL_ERR_INVALID_ARGUMENT);
	}
	memset(longname, 'u', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(scl_record_write(dir, longname, &ok),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_record_write(dir, NULL, &ok),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_record_write(NULL, "bob", &ok),
	    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_record_write(dir, "bob", NULL),
	    SCL_ERR_INVALID_ARGUMENT);

	for (size_t i = 0; i < 4; i++)
		bad[i] = ok;
	bad[0].method = (enum scl_method)7;
	bad[1].when = -1;
	snprintf(bad[2].card_id, sizeof(bad[2].card_id), "zz");
	memset(bad[3].card_id, 'a', sizeof(bad[3].card_id));
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(scl_record_write(dir, "bob", &bad[i]),
		    SCL_ERR_INVALID_ARGUMENT);
	assert_int_equal(scl_record_read(dir, "bob", &out),
	    SCL_ERR_NO_OBJECT);
}

struct parse_case {
	const char *text;
	int r;
};

static const struct parse_case parse_cases[] = {
	{ "version=1\nmethod=card\nwhen=1\ncard=ab\n", 0 },
	{ "version=1\nmethod=password\nwhen=0\n", 0 },
	{ "when=9223372036854775807\nmethod=unknown\nversion=1\ncard=\n", 0 },
	{ "", SCL_ERR_BAD_STATE },
	{ "\n", SCL_ERR_BAD_STATE },
	{ "version=1\n", SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=card\n", SCL_ERR_BAD_STATE },
	{ "version=2\nmethod=card\nwhen=1\n", SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=card\nwhen=1", SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=card\nwhen=1\n\n", SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=card\nwhen=1\nextra=1\n", SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=card\nwhen=1\nwhen=2\n", SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=CARD\nwhen=1\n", SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=card \nwhen=1\n", SCL_ERR_BAD_STATE },
	{ "version=1\r\nmethod=card\nwhen=1\n", SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=card\nwhen=-1\n", SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=card\nwhen=01\n", SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=card\nwhen=\n", SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=card\nwhen=9223372036854775808\n",
	    SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=card\nwhen=99999999999999999999\n",
	    SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=card\nwhen=1\ncard=xyz\n", SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=card\nwhen=1\ncard=0123456789012345678901234567"
	    "89012345678901234567890123456789012345\n", SCL_ERR_BAD_STATE },
	{ "version=1\nmethod=methodnameverylong\nwhen=1\n",
	    SCL_ERR_BAD_STATE },
	{ "version\nmethod=card\nwhen=1\n", SCL_ERR_BAD_STATE },
};

static void
test_parse_table(void **state)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]);
	    i++) {
		struct scl_record out = { .when = 4242 };
		int r = scl_record_parse(parse_cases[i].text,
		    strlen(parse_cases[i].text), &out);

		if (r != parse_cases[i].r)
			fail_msg("case %zu: r=%d want %d", i, r,
			    parse_cases[i].r);
		if (r != 0)
			assert_int_equal(out.when, 4242);
	}
	/* an embedded NUL */
	{
		static const char t[] = "version=1\nmethod=card\nwhen=1\0\n";
		struct scl_record out;

		assert_int_equal(scl_record_parse(t, sizeof(t) - 1, &out),
		    SCL_ERR_BAD_STATE);
	}
}

static void
test_format(void **state)
{
	struct scl_record rec = { SCL_METHOD_CARD, 42, "beef" }, back;
	char buf[128];
	size_t len = 0;

	assert_int_equal(scl_record_format(&rec, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "version=1\nmethod=card\nwhen=42\ncard=beef\n");
	assert_int_equal(len, strlen(buf));
	assert_int_equal(scl_record_parse(buf, len, &back), 0);
	assert_int_equal(scl_record_format(&rec, buf, 10, &len),
	    SCL_ERR_BUFFER_TOO_SMALL);
	assert_string_equal(scl_method_name(SCL_METHOD_PASSWORD), "password");
	assert_string_equal(scl_method_name((enum scl_method)9), "invalid");
	{
		enum scl_method m = SCL_METHOD_UNKNOWN;

		assert_int_equal(scl_method_from_name("card", &m), 0);
		assert_int_equal(m, SCL_METHOD_CARD);
		assert_int_equal(scl_method_from_name("Card", &m),
		    SCL_ERR_INVALID_ARGUMENT);
		assert_int_equal(m, SCL_METHOD_CARD);
	}
}

static void
test_corrupt_files(void **state)
{
	static const char *bad[] = {
		"",
		"garbage",
		"version=1\nmethod=card\nwhen=1",
		"version=1\nmethod=bogus\nwhen=1\n",
	};
	struct scl_record out = { .when = 77 };

	ensure_dir();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_file("carol", bad[i], strlen(bad[i]), 0600);
		assert_int_equal(scl_record_read(dir, "carol", &out),
		    SCL_ERR_BAD_STATE);
		assert_int_equal(out.when, 77);
	}
	/* a well-formed file still reads (guards the helper) */
	put_file("carol", "version=1\nmethod=card\nwhen=3\n", 29, 0600);
	assert_int_equal(scl_record_read(dir, "carol", &out), 0);
	assert_int_equal(out.when, 3);
}

static void
test_oversized(void **state)
{
	char *big = malloc(SCL_RECORD_MAX + 100);
	struct scl_record out;
	size_t n;

	assert_non_null(big);
	ensure_dir();
	n = (size_t)snprintf(big, SCL_RECORD_MAX + 100,
	    "version=1\nmethod=card\nwhen=1\n");
	memset(big + n, '\n', SCL_RECORD_MAX + 100 - n);
	put_file("dave", big, SCL_RECORD_MAX + 1, 0600);
	assert_int_equal(scl_record_read(dir, "dave", &out),
	    SCL_ERR_BAD_STATE);
	assert_int_equal(scl_record_parse(big, SCL_RECORD_MAX + 1, &out),
	    SCL_ERR_BAD_STATE);
	free(big);
}

static void
test_symlinks(void **state)
{
	char target[256], link[256], dlink[256];
	struct scl_record rec = { SCL_METHOD_CARD, 1, "" }, out;

	ensure_dir();
	put_file("real", "version=1\nmethod=card\nwhen=3\n", 29, 0600);
	snprintf(target, sizeof(target), "%s/real", dir);
	snprintf(link, sizeof(link), "%s/eve", dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(scl_record_read(dir, "eve", &out), SCL_ERR_BAD_STATE);
	/* writing replaces the link itself, never writes through it */
	assert_int_equal(scl_record_write(dir, "eve", &rec), 0);
	assert_int_equal(scl_record_read(dir, "real", &out), 0);
	assert_int_equal(out.when, 3);

	/* the record dir itself is a symlink */
	snprintf(dlink, sizeof(dlink), "%s/users-link", root);
	assert_int_equal(symlink(dir, dlink), 0);
	assert_int_equal(scl_record_read(dlink, "real", &out),
	    SCL_ERR_BAD_STATE);
	assert_int_equal(scl_record_write(dlink, "real", &rec),
	    SCL_ERR_BAD_STATE);
}

static void
test_modes_and_types(void **state)
{
	struct scl_record rec = { SCL_METHOD_CARD, 1, "" }, out;
	char p[256];

	ensure_dir();
	put_file("frank", "version=1\nmethod=card\nwhen=3\n", 29, 0620);
	assert_int_equal(scl_record_read(dir, "frank", &out),
	    SCL_ERR_BAD_STATE);
	put_file("frank", "version=1\nmethod=card\nwhen=3\n", 29, 0602);
	assert_int_equal(scl_record_read(dir, "frank", &out),
	    SCL_ERR_BAD_STATE);
	put_file("frank", "version=1\nmethod=card\nwhen=3\n", 29, 0644);
	assert_int_equal(scl_record_read(dir, "frank", &out), 0);

	/* a FIFO must not block, a directory is not a record */
	snprintf(p, sizeof(p), "%s/fifo", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(scl_record_read(dir, "fifo", &out),
	    SCL_ERR_BAD_STATE);
	snprintf(p, sizeof(p), "%s/subdir", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(scl_record_read(dir, "subdir", &out),
	    SCL_ERR_BAD_STATE);

	/* a group-writable dir is refused for reading and writing */
	assert_int_equal(chmod(dir, 0770), 0);
	assert_int_equal(scl_record_read(dir, "frank", &out),
	    SCL_ERR_BAD_STATE);
	assert_int_equal(scl_record_write(dir, "frank", &rec),
	    SCL_ERR_BAD_STATE);
	assert_int_equal(chmod(dir, 0700), 0);
}

/*
 * In a child as uid 1001 with only group gid: read alice's record; returns
 * its scl_record_read result (or 99 on a set-up failure).
 */
static int
read_as_member(gid_t gid)
{
	struct scl_record out;
	pid_t pid;
	int st, r;

	if ((pid = fork()) < 0)
		return 99;
	if (pid == 0) {
		if (setgroups(1, &gid) != 0 || setgid(gid) != 0 ||
		    setuid(1001) != 0)
			_exit(99);
		r = scl_record_read(dir, "alice", &out);
		_exit(r == 0 && out.method == SCL_METHOD_CARD ? 0 : -r);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 99;
	return -WEXITSTATUS(st);
}

/* Records shared with one group (record_group): 0640 in 0750, and back. */
static void
test_shared_group(void **state)
{
	struct scl_record in = { SCL_METHOD_CARD, 5, "" }, out;
	gid_t gid = geteuid() == 0 ? 2001 : getegid();
	struct stat st;
	char p[256];

	snprintf(p, sizeof(p), "%s/alice", dir);
	assert_int_equal(scl_record_write_group(dir, "alice", &in, gid), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(st.st_gid, gid);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_gid, gid);
	assert_int_equal(scl_record_read(dir, "alice", &out), 0);
	assert_int_equal(out.method, SCL_METHOD_CARD);
	if (geteuid() == 0) {
		/* what an unprivileged greeter in the group sees */
		assert_int_equal(chmod(root, 0755), 0);
		assert_int_equal(read_as_member(gid), 0);
		assert_int_equal(read_as_member(2002), SCL_ERR_SYSTEM);
	}

	/* the group dropped: private again at the next write */
	assert_int_equal(scl_record_write(dir, "alice", &in), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	if (geteuid() == 0)
		assert_int_equal(read_as_member(gid), SCL_ERR_SYSTEM);

	/* a group the caller may not give: nothing written */
	if (geteuid() != 0) {
		in.method = SCL_METHOD_PASSWORD;
		assert_int_equal(scl_record_write_group(dir, "alice", &in, 0),
		    SCL_ERR_SYSTEM);
		assert_int_equal(scl_record_read(dir, "alice", &out), 0);
		assert_int_equal(out.method, SCL_METHOD_CARD);
	}
}

static void
test_wrong_owner(void **state)
{
	struct scl_record rec = { SCL_METHOD_CARD, 1, "" }, out;
	char p[256];

	if (geteuid() != 0) {
		print_message("not root: cannot chown, wrong-owner case "
		    "skipped\n");
		skip();
	}
	ensure_dir();
	put_file("grace", "version=1\nmethod=card\nwhen=3\n", 29, 0600);
	snprintf(p, sizeof(p), "%s/grace", dir);
	assert_int_equal(chown(p, 1001, 1001), 0);
	assert_int_equal(scl_record_read(dir, "grace", &out),
	    SCL_ERR_BAD_STATE);
	assert_int_equal(chown(dir, 1001, 1001), 0);
	assert_int_equal(scl_record_write(dir, "grace", &rec),
	    SCL_ERR_BAD_STATE);
	assert_int_equal(chown(dir, 0, 0), 0);
	assert_int_equal(scl_record_write(dir, "grace", &rec), 0);
	assert_int_equal(scl_record_read(dir, "grace", &out), 0);
}

static void
test_system_error_keeps_errno(void **state)
{
	struct scl_record rec = { SCL_METHOD_CARD, 1, "" };
	char f[256], d[300];
	int fd;

	snprintf(f, sizeof(f), "%s/plainfile", root);
	fd = open(f, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	/* a file where the dir should be: unsafe state, not an I/O error */
	snprintf(d, sizeof(d), "%s/users", f);
	assert_int_equal(scl_record_write(d, "alice", &rec), SCL_ERR_BAD_STATE);
	assert_int_equal(scl_record_write(f, "alice", &rec), SCL_ERR_BAD_STATE);

	/* a dangling parent: mkdir fails with ENOENT, kept in errno */
	snprintf(f, sizeof(f), "%s/dangling", root);
	assert_int_equal(symlink("/nonexistent/scl-test", f), 0);
	snprintf(d, sizeof(d), "%s/users", f);
	errno = 0;
	assert_int_equal(scl_record_write(d, "alice", &rec), SCL_ERR_SYSTEM);
	assert_int_equal(errno, ENOENT);
}

static void
test_mutations(void **state)
{
	static const char good[] = "version=1\nmethod=card\nwhen=1764000000\n"
	    "card=0123456789abcdef\n";
	size_t n = sizeof(good) - 1;
	char *m = malloc(n);
	struct scl_record out;

	assert_non_null(m);
	for (size_t i = 0; i < n * 8; i++) {
		int r;

		memcpy(m, good, n);
		m[i / 8] = (char)(m[i / 8] ^ (1 << (i % 8)));
		r = scl_record_parse(m, n, &out);
		assert_true(r == 0 || r == SCL_ERR_BAD_STATE);
	}
	for (size_t len = 0; len <= n; len++) {
		int r = scl_record_parse(good, len, &out);

		assert_int_equal(r, len == n ? 0 : (len == 38 ? 0 :
		    SCL_ERR_BAD_STATE));
	}
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_corrupt_files),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_symlinks),
		cmocka_unit_test(test_modes_and_types),
		cmocka_unit_test(test_wrong_owner),
		cmocka_unit_test(test_shared_group),
		cmocka_unit_test(test_system_error_keeps_errno),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
