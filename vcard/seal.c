/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "err.h"
#include "secret.h"
#include "seal.h"

static int
mkdir_parents(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

static int
create_key(const char *path, char *err, size_t errlen)
{
	uint8_t k[VC_SEAL_KEY_LEN];
	int fd = -1, r = SCL_ERR_SYSTEM;

	if (mkdir_parents(path) != 0) {
		snprintf(err, errlen, "cannot create the folder of seal key "
		    "'%s': %s", path, strerror(errno));
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create seal key '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	if (RAND_bytes(k, sizeof(k)) != 1) {
		snprintf(err, errlen, "no randomness for a new seal key");
		r = SCL_ERR_INTERNAL;
		goto out;
	}
	if (write(fd, k, sizeof(k)) != (ssize_t)sizeof(k) || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write seal key '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	r = 0;
out:
	explicit_bzero(k, sizeof(k));
	if (fd >= 0)
		close(fd);
	if (r != 0 && fd >= 0)
		unlink(path);
	return r;
}

int
vc_seal_key_load(const char *path, int create,
    uint8_t ret_key[VC_SEAL_KEY_LEN], char *err, size_t errlen)
{
	uint8_t k[VC_SEAL_KEY_LEN + 1];
	struct stat st;
	ssize_t n;
	int fd = -1, r = SCL_ERR_SYSTEM;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0 && errno == ENOENT && create) {
		if ((r = create_key(path, err, errlen)) != 0)
			goto out;
		r = SCL_ERR_SYSTEM;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot open seal key '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot stat seal key '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	r = SCL_ERR_BAD_STATE;
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "seal key '%s' is not a regular file",
		    path);
		goto out;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "seal key '%s' is owned by uid %u, "
		    "expected %u", path, (unsigned)st.st_uid,
		    (unsigned)geteuid());
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "seal key '%s' has mode %04o; it must "
		    "not be readable by group or others (chmod 600)", path,
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	n = read(fd, k, sizeof(k));
	if (n != VC_SEAL_KEY_LEN) {
		snprintf(err, errlen, "seal key '%s' must hold exactly %d "
		    "bytes", path, VC_SEAL_KEY_LEN);
		goto out;
	}
	memcpy(ret_key, k, VC_SEAL_KEY_LEN);
	r = 0;
out:
	explicit_bzero(k, sizeof(k));
	if (fd >= 0)
		close(fd);
	return r;
}

static int
make_aad(char *buf, size_t len, uint32_t serial, const char *label)
{
	int n = snprintf(buf, len, "sclogin-vcard/%08x/%s", serial, label);

	return n < 0 || (size_t)n >= len ? -1 : n;
}

int
vc_seal(const uint8_t key[VC_SEAL_KEY_LEN], uint32_t serial,
    const char *label, const uint8_t *pt, size_t pt_len, uint8_t **ret_blob,
    size_t *ret_len)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *blob = NULL;
	char aad[96];
	int aad_len, n, r = SCL_ERR_INTERNAL;
	size_t len;

	if (pt_len > INT32_MAX - VC_SEAL_OVERHEAD ||
	    (aad_len = make_aad(aad, sizeof(aad), serial, label)) < 0) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	len = pt_len + VC_SEAL_OVERHEAD;
	if ((blob = malloc(len)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if (RAND_bytes(blob, VC_SEAL_NONCE_LEN) != 1 ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, blob) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, (const uint8_t *)aad,
	    aad_len) != 1 ||
	    (pt_len > 0 && EVP_EncryptUpdate(ctx, blob + VC_SEAL_NONCE_LEN, &n,
	    pt, (int)pt_len) != 1) ||
	    EVP_EncryptFinal_ex(ctx, blob + VC_SEAL_NONCE_LEN + pt_len,
	    &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, VC_SEAL_TAG_LEN,
	    blob + VC_SEAL_NONCE_LEN + pt_len) != 1)
		goto out;
	*ret_blob = blob;
	*ret_len = len;
	blob = NULL;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	free(blob);
	return r;
}

int
vc_unseal(const uint8_t key[VC_SEAL_KEY_LEN], uint32_t serial,
    const char *label, const uint8_t *blob, size_t blob_len, uint8_t **ret_pt,
    size_t *ret_len)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *pt = NULL, tag[VC_SEAL_TAG_LEN];
	char aad[96];
	int aad_len, n, r = SCL_ERR_BAD_STATE;
	size_t len = 0;

	if (blob_len < VC_SEAL_OVERHEAD || blob_len > INT32_MAX)
		goto out;
	if ((aad_len = make_aad(aad, sizeof(aad), serial, label)) < 0) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	len = blob_len - VC_SEAL_OVERHEAD;
	if ((pt = malloc(len + 1)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	memcpy(tag, blob + blob_len - VC_SEAL_TAG_LEN, VC_SEAL_TAG_LEN);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, blob) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, (const uint8_t *)aad,
	    aad_len) != 1 ||
	    (len > 0 && EVP_DecryptUpdate(ctx, pt, &n, blob +
	    VC_SEAL_NONCE_LEN, (int)len) != 1) ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, VC_SEAL_TAG_LEN,
	    tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, pt + len, &n) != 1)
		goto out;
	*ret_pt = pt;
	*ret_len = len;
	pt = NULL;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	scl_freezero(pt, len + 1);
	return r;
}

static int
derive(const uint8_t salt[VC_HASH_SALT_LEN], uint32_t iter,
    const uint8_t ref[8], uint8_t out[VC_HASH_LEN])
{
	if (iter < VC_HASH_ITER_MIN || iter > VC_HASH_ITER_MAX)
		return SCL_ERR_INVALID_ARGUMENT;
	if (PKCS5_PBKDF2_HMAC((const char *)ref, 8, salt, VC_HASH_SALT_LEN,
	    (int)iter, EVP_sha256(), VC_HASH_LEN, out) != 1)
		return SCL_ERR_INTERNAL;
	return 0;
}

int
vc_hash_set(struct vc_hash *h, const uint8_t ref[8], uint32_t iter)
{
	struct vc_hash t;
	int r;

	if (RAND_bytes(t.salt, sizeof(t.salt)) != 1) {
		r = SCL_ERR_INTERNAL;
		goto out;
	}
	t.iter = iter;
	if ((r = derive(t.salt, iter, ref, t.hash)) != 0)
		goto out;
	*h = t;
	r = 0;
out:
	explicit_bzero(&t, sizeof(t));
	return r;
}

int
vc_hash_check(const struct vc_hash *h, const uint8_t ref[8])
{
	uint8_t out[VC_HASH_LEN];
	int r;

	if ((r = derive(h->salt, h->iter, ref, out)) != 0)
		goto out;
	r = CRYPTO_memcmp(out, h->hash, VC_HASH_LEN) == 0;
out:
	explicit_bzero(out, sizeof(out));
	return r;
}

int
vc_ref_from_string(const char *s, uint8_t ret_ref[8])
{
	size_t n;

	if (s == NULL)
		return SCL_ERR_PIN_FORMAT;
	n = strnlen(s, 9);
	if (n < 1 || n > 8)
		return SCL_ERR_PIN_FORMAT;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return SCL_ERR_PIN_FORMAT;
	}
	memset(ret_ref, 0xff, 8);
	memcpy(ret_ref, s, n);
	return 0;
}
