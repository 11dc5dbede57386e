/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certcache.h"
#include "err.h"
#include "file.h"

#define MAGIC "sclogin-cert-cache 1"
#define SCAN_MAX (4u * SCL_CERTCACHE_MAX_ENTRIES)

int
scl_certcache_id_ok(const char *card_id)
{
	int nonzero = 0;

	if (card_id == NULL || strlen(card_id) != 32)
		return 0;
	for (size_t i = 0; i < 32; i++) {
		char ch = card_id[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return 0;
		nonzero |= ch != '0';
	}
	return nonzero;
}

static void
header(char *dst, size_t cap, const char *card_id, uint8_t key_ref)
{
	snprintf(dst, cap, "%s %s %02x\n", MAGIC, card_id, key_ref);
}

static void
entry_name(char *dst, size_t cap, const char *card_id, uint8_t key_ref)
{
	snprintf(dst, cap, "%s-%02x", card_id, key_ref);
}

/* An entry's name: 32 lower-case hex, '-', 2 lower-case hex. */
static int
is_entry_name(const char *n)
{
	char id[33];

	if (strlen(n) != 35 || n[32] != '-')
		return 0;
	memcpy(id, n, 32);
	id[32] = '\0';
	return scl_certcache_id_ok(id) &&
	    strspn(n + 33, "0123456789abcdef") == 2;
}

int
scl_certcache_parse(const void *buf, size_t len, const char *card_id,
    uint8_t key_ref, const uint8_t **ret_der, size_t *ret_der_len)
{
	char h[80];
	size_t hl;

	if ((buf == NULL && len > 0) || ret_der == NULL ||
	    ret_der_len == NULL || !scl_certcache_id_ok(card_id))
		return SCL_ERR_INVALID_ARGUMENT;
	header(h, sizeof(h), card_id, key_ref);
	hl = strlen(h);
	if (len > SCL_CERTCACHE_MAX_SIZE || len <= hl ||
	    memcmp(buf, h, hl) != 0)
		return SCL_ERR_CERT_CACHE_BAD;
	*ret_der = (const uint8_t *)buf + hl;
	*ret_der_len = len - hl;
	return 0;
}

/* Root's alone: owned by root, not a link, dir not group/other writable. */
static int
open_dir(const char *dir, int create, int *ret_fd)
{
	struct stat st;
	int fd;

	if (dir[0] != '/')
		return SCL_ERR_INVALID_ARGUMENT;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		char parent[4096];
		char *slash;

		snprintf(parent, sizeof(parent), "%s", dir);
		slash = strrchr(parent, '/');
		if (slash != NULL && slash != parent) {
			*slash = '\0';
			(void)mkdir(parent, 0755);
		}
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return SCL_ERR_SYSTEM;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return errno == ENOENT ? SCL_ERR_NO_OBJECT :
		    (errno == ELOOP || errno == ENOTDIR) ?
		    SCL_ERR_CERT_CACHE_UNSAFE : SCL_ERR_SYSTEM;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return SCL_ERR_SYSTEM;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		close(fd);
		return SCL_ERR_CERT_CACHE_UNSAFE;
	}
	*ret_fd = fd;
	return 0;
}

int
scl_certcache_load(const char *dir, const char *card_id, uint8_t key_ref,
    uint8_t **ret_der, size_t *ret_len)
{
	struct stat st;
	char name[SCL_CERTCACHE_NAME_MAX];
	uint8_t *buf = NULL, *out = NULL;
	const uint8_t *der = NULL;
	size_t len = 0, der_len = 0;
	int dfd = -1, fd = -1, r = SCL_ERR_INTERNAL;

	if (ret_der == NULL || ret_len == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	if (dir == NULL || geteuid() != 0 || !scl_certcache_id_ok(card_id))
		return SCL_ERR_NO_OBJECT;
	if ((r = open_dir(dir, 0, &dfd)) != 0)
		goto out;
	entry_name(name, sizeof(name), card_id, key_ref);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (fd < 0) {
		r = errno == ENOENT ? SCL_ERR_NO_OBJECT : errno == ELOOP ?
		    SCL_ERR_CERT_CACHE_UNSAFE : SCL_ERR_SYSTEM;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 077) != 0) {
		r = SCL_ERR_CERT_CACHE_UNSAFE;
		goto out;
	}
	r = scl_file_read_fd(fd, SCL_CERTCACHE_MAX_SIZE, &buf, &len);
	if (r == SCL_ERR_TOO_LARGE)
		r = SCL_ERR_CERT_CACHE_BAD;
	if (r != 0)
		goto out;
	if ((r = scl_certcache_parse(buf, len, card_id, key_ref, &der,
	    &der_len)) != 0)
		goto out;
	if ((out = malloc(der_len)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	memcpy(out, der, der_len);
	*ret_der = out;
	*ret_len = der_len;
	out = NULL;
	r = 0;
out:
	free(out);
	free(buf);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return r;
}

/* Room for one more entry: remove the oldest while there are too many. */
static void
evict(int dfd, const char *keep)
{
	for (unsigned round = 0; round < 4; round++) {
		DIR *d;
		struct dirent *de;
		char oldest[SCL_CERTCACHE_NAME_MAX] = "";
		struct timespec when = { 0, 0 };
		size_t n = 0, seen = 0;
		int fd = dup(dfd);

		if (fd < 0 || (d = fdopendir(fd)) == NULL) {
			if (fd >= 0)
				close(fd);
			return;
		}
		rewinddir(d);
		while ((de = readdir(d)) != NULL && seen++ < SCAN_MAX) {
			struct stat st;

			if (!is_entry_name(de->d_name) ||
			    strcmp(de->d_name, keep) == 0 ||
			    fstatat(dfd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) != 0)
				continue;
			n++;
			if (oldest[0] == '\0' ||
			    st.st_mtim.tv_sec < when.tv_sec ||
			    (st.st_mtim.tv_sec == when.tv_sec &&
			    st.st_mtim.tv_nsec < when.tv_nsec)) {
				snprintf(oldest, sizeof(oldest), "%s",
				    de->d_name);
				when = st.st_mtim;
			}
		}
		closedir(d);
		if (n < SCL_CERTCACHE_MAX_ENTRIES || oldest[0] == '\0')
			return;
		(void)unlinkat(dfd, oldest, 0);
	}
}

int
scl_certcache_store(const char *dir, const char *card_id,
    uint8_t key_ref, const uint8_t *der, size_t der_len)
{
	char name[SCL_CERTCACHE_NAME_MAX], h[80];
	uint8_t *buf = NULL;
	size_t hl;
	int dfd = -1, r = SCL_ERR_INTERNAL;

	if (dir == NULL || geteuid() != 0 || !scl_certcache_id_ok(card_id))
		return 0;
	header(h, sizeof(h), card_id, key_ref);
	hl = strlen(h);
	if (der == NULL || der_len == 0 ||
	    der_len > SCL_CERTCACHE_MAX_SIZE - hl)
		return SCL_ERR_INVALID_ARGUMENT;
	if ((buf = malloc(hl + der_len)) == NULL)
		return SCL_ERR_NOMEM;
	memcpy(buf, h, hl);
	memcpy(buf + hl, der, der_len);
	if ((r = open_dir(dir, 1, &dfd)) != 0)
		goto out;
	entry_name(name, sizeof(name), card_id, key_ref);
	evict(dfd, name);
	r = scl_file_write_atomic(dfd, name, buf, hl + der_len);
out:
	if (dfd >= 0)
		close(dfd);
	free(buf);
	return r;
}

int
scl_certcache_drop(const char *dir, const char *card_id, uint8_t key_ref)
{
	char name[SCL_CERTCACHE_NAME_MAX];
	int dfd = -1, r;

	if (dir == NULL || geteuid() != 0 || !scl_certcache_id_ok(card_id))
		return 0;
	if ((r = open_dir(dir, 0, &dfd)) != 0)
		return r == SCL_ERR_NO_OBJECT ? 0 : r;
	entry_name(name, sizeof(name), card_id, key_ref);
	r = unlinkat(dfd, name, 0) == 0 || errno == ENOENT ? 0 :
	    SCL_ERR_SYSTEM;
	close(dfd);
	return r;
}
