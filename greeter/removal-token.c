/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cert.h"
#include "removal-token.h"
#include "signin.h"

#define HEX "0123456789abcdefABCDEF"
#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

int
scl_rm_token_id_valid(enum scl_backend_kind kind, const char *want)
{
	size_t n = strlen(want);

	if (n == 64 || kind == SCL_BACKEND_PIV)
		return (n == 64 || n == 32) && want[strspn(want, HEX)] == '\0';
	return n > 0 && n <= 32 && want[strspn(want, ALNUM)] == '\0';
}

static int
token_present(const struct scl_backend_ops *be, void *b, const char *name)
{
	struct scl_token_info *ti;
	size_t n = 0, i;
	int present = 0;

	if ((ti = calloc(SCL_BACKEND_TOKENS_MAX, sizeof(*ti))) == NULL)
		return -1;
	if (be->list_tokens(b, ti, SCL_BACKEND_TOKENS_MAX, &n) < 0)
		present = -1;
	for (i = 0; present == 0 && i < n; i++)
		if (strcmp(ti[i].name, name) == 0 && ti[i].present)
			present = 1;
	free(ti);
	return present;
}

static int
cert_matches(const struct scl_backend_ops *be, struct scl_token *t,
    const char *want)
{
	struct scl_backend_key keys[SCL_BACKEND_KEYS_MAX];
	size_t n = 0, i;
	int match = 0;

	if (be->list_keys(t, SCL_SIGNIN_KEY_9A | SCL_SIGNIN_KEY_9E |
	    SCL_SIGNIN_KEY_9C, keys, SCL_BACKEND_KEYS_MAX, &n) < 0)
		return 0;
	for (i = 0; !match && i < n && i < SCL_BACKEND_KEYS_MAX; i++) {
		uint8_t *der = NULL;
		size_t len = 0;
		X509 *x = NULL;
		char sha[65];

		if (be->read_cert(t, &keys[i], &der, &len) == 0 &&
		    scl_cert_parse_der(der, len, &x) == 0) {
			scl_cert_describe(x, NULL, 0, NULL, 0, NULL, 0, sha);
			match = strcasecmp(sha, want) == 0;
		}
		X509_free(x);
		free(der);
	}
	return match;
}

enum scl_rm_token
scl_rm_token_check(const struct scl_backend_ops *be,
    const struct scl_config *cfg, const char *name, const char *want)
{
	struct scl_backend_params p;
	struct scl_token_state st;
	struct scl_token *t = NULL;
	enum scl_rm_token res = SCL_RM_TOKEN_OTHER;
	const char *what = NULL;
	char id[33];
	void *b = NULL;
	int present;

	scl_signin_backend_params(cfg, 0, &p);
	if (be->open(&p, &b) < 0)
		return SCL_RM_TOKEN_OTHER;
	if (be->kind == SCL_BACKEND_PKCS11 &&
	    (present = token_present(be, b, name)) <= 0) {
		res = present == 0 ? SCL_RM_TOKEN_ABSENT : SCL_RM_TOKEN_OTHER;
		goto out;
	}
	if (be->connect(b, name, &t, &what) < 0 || be->select(t, &st) < 0)
		goto out;
	if (strlen(want) == 64 ? cert_matches(be, t, want) :
	    be->read_id(t, id) == 0 && strcasecmp(id, want) == 0)
		res = SCL_RM_TOKEN_LOGIN;
out:
	if (t != NULL)
		be->disconnect(&t, 0);
	be->close(&b);
	return res;
}
