/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include "backend.h"
#include "deadline.h"
#include "err.h"
#include "log.h"
#include "p11-proto.h"
#include "piv.h"

extern char **environ;

/* PKCS#11 v2.40 values (pkcs11.h is p11-kit's; the host needs only these). */
#define P11_CKM_RSA_PKCS	0x1u
#define P11_CKM_ECDSA		0x1041u
#define P11_CKF_FINAL_TRY	0x00020000u
#define P11_CKF_LOCKED		0x00040000u

#define P11_SIG_MAX		1024

struct p11_backend {
	pid_t pid;
	int fd;
	int timeout_ms;
	uint64_t due_ms;		/* params' deadline, 0 none */
	struct scl_p11_msg msg;
};

struct p11_token {
	struct p11_backend *b;
	char label[33];
	char serial[17];
	int pin_pad;
};

static struct p11_token *
tok(struct scl_token *t)
{
	return (struct p11_token *)(void *)t;
}

/* The helper is gone for good: kill it if needed and reap it. */
static void
stop_helper(struct p11_backend *b, int grace_ms)
{
	long long end = (long long)scl_mono_ms() + grace_ms;
	int st;

	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	if (b->pid <= 0)
		return;
	while (waitpid(b->pid, &st, WNOHANG) == 0) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if ((long long)scl_mono_ms() >= end) {
			(void)kill(b->pid, SIGKILL);
			(void)waitpid(b->pid, &st, 0);
			break;
		}
		nanosleep(&ts, NULL);
	}
	b->pid = -1;
}

/*
 * One request (b->msg) and its answer (b->msg again, the status read).
 * A helper that does not answer in time is killed: CARD_NO_ANSWER, or
 * DEADLINE when the params' deadline cut the wait (nothing is sent once
 * it has passed); one that died or broke the protocol: MODULE.  The
 * request is wiped after sending (it may hold a PIN).
 */
static int
rpc(struct p11_backend *b)
{
	int limit = scl_deadline_clip(b->due_ms, b->timeout_ms);
	int by_deadline = limit < b->timeout_ms;
	long long deadline = (long long)scl_mono_ms() + limit;
	uint32_t status;
	int r;

	if (b->fd < 0 || (limit == 0 && by_deadline)) {
		scl_p11_msg_wipe(&b->msg);
		return b->fd < 0 ? SCL_ERR_MODULE : SCL_ERR_DEADLINE;
	}
	r = scl_p11_send(b->fd, &b->msg, deadline);
	scl_p11_msg_wipe(&b->msg);
	if (r == 0)
		r = scl_p11_recv(b->fd, &b->msg, deadline);
	if (r == 0 && scl_p11_get_u32(&b->msg, &status) < 0)
		r = SCL_ERR_TRUNCATED;
	if (r < 0) {
		scl_debug("p11: the helper %s; stopped", r == SCL_ERR_TIMEOUT ?
		    "did not answer in time" : "died or broke the protocol");
		stop_helper(b, 0);
		if (r == SCL_ERR_TIMEOUT)
			return by_deadline ? SCL_ERR_DEADLINE :
			    SCL_ERR_CARD_NO_ANSWER;
		return SCL_ERR_MODULE;
	}
	return (int)status;
}

static int
spawn(struct p11_backend *b, const struct scl_backend_params *p)
{
	static char opt_check[] = "--check-owner", opt_module[] = "--module";
	char *argv[2 + 2 * SCL_BACKEND_MODULES_MAX + 1];
	posix_spawn_file_actions_t fa;
	size_t a = 0, i;
	int sv[2], r;

	if (p->helper == NULL || p->helper[0] != '/' ||
	    (p->check_owner && !scl_p11_path_safe(p->helper))) {
		scl_debug("p11: helper '%s' missing or not safe",
		    p->helper != NULL ? p->helper : "");
		return SCL_ERR_CONFIG;
	}
	argv[a++] = (char *)(uintptr_t)p->helper;
	if (p->check_owner)
		argv[a++] = opt_check;
	for (i = 0; i < p->n_modules && i < SCL_BACKEND_MODULES_MAX; i++) {
		argv[a++] = opt_module;
		argv[a++] = p->modules[i];
	}
	argv[a] = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return SCL_ERR_SYSTEM;
	if (posix_spawn_file_actions_init(&fa) != 0) {
		close(sv[0]);
		close(sv[1]);
		return SCL_ERR_NOMEM;
	}
	(void)posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	r = posix_spawn(&b->pid, p->helper, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	if (r != 0) {
		close(sv[0]);
		b->pid = -1;
		scl_debug("p11: cannot start '%s': %s", p->helper,
		    strerror(r));
		return SCL_ERR_CONFIG;
	}
	b->fd = sv[0];
	return 0;
}

static int
p11_open(const struct scl_backend_params *p, void **ret_b)
{
	struct p11_backend *b;
	uint32_t status, n = 0;
	int r, limit;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return SCL_ERR_NOMEM;
	b->fd = -1;
	b->pid = -1;
	b->timeout_ms = p->timeout_ms > 0 ? p->timeout_ms : 10000;
	b->due_ms = p->deadline_ms;
	limit = scl_deadline_clip(b->due_ms, b->timeout_ms);
	if (limit == 0) {
		r = SCL_ERR_DEADLINE;
		goto fail;
	}
	if ((r = spawn(b, p)) < 0)
		goto fail;
	/* The helper speaks first: how loading the modules went. */
	r = scl_p11_recv(b->fd, &b->msg, (long long)scl_mono_ms() + limit);
	if (r == 0 && (scl_p11_get_u32(&b->msg, &status) < 0 ||
	    scl_p11_get_u32(&b->msg, &n) < 0))
		r = SCL_ERR_TRUNCATED;
	if (r < 0) {
		r = r != SCL_ERR_TIMEOUT ? SCL_ERR_MODULE :
		    limit < b->timeout_ms ? SCL_ERR_DEADLINE :
		    SCL_ERR_CARD_NO_ANSWER;
		goto fail;
	}
	if ((r = (int)status) < 0)
		goto fail;
	scl_debug("p11: %u module(s) loaded", (unsigned)n);
	*ret_b = b;
	return 0;
fail:
	stop_helper(b, 0);
	free(b);
	return r;
}

static void
p11_close(void **bp)
{
	struct p11_backend *b = *bp;

	if (b == NULL)
		return;
	/* EOF makes the helper finalize its modules and exit. */
	stop_helper(b, 500);
	scl_p11_msg_wipe(&b->msg);
	free(b);
	*bp = NULL;
}

static void
copy_field(char *dst, size_t cap, const uint8_t *p, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, p, len);
	dst[len] = '\0';
}

static int
p11_list_tokens(void *bv, struct scl_token_info *ret, size_t cap,
    size_t *ret_n)
{
	struct p11_backend *b = bv;
	uint32_t n = 0, i;
	int r;

	scl_p11_msg_init(&b->msg);
	scl_p11_put_u8(&b->msg, SCL_P11_OP_LIST);
	if ((r = rpc(b)) < 0)
		return r;
	if (scl_p11_get_u32(&b->msg, &n) < 0)
		return SCL_ERR_MODULE;
	for (i = 0; i < n && i < cap; i++) {
		const uint8_t *name;
		size_t len;
		uint8_t present;

		if (scl_p11_get_bytes(&b->msg, &name, &len) < 0 ||
		    scl_p11_get_u8(&b->msg, &present) < 0)
			return SCL_ERR_MODULE;
		memset(&ret[i], 0, sizeof(ret[i]));
		scl_err_escape(ret[i].name, sizeof(ret[i].name),
		    (const char *)name, len, 0);
		ret[i].present = present != 0;
	}
	*ret_n = i;
	return 0;
}

static int
p11_connect(void *bv, const char *name, struct scl_token **ret_t,
    const char **ret_what)
{
	struct p11_backend *b = bv;
	struct p11_token *t;
	const uint8_t *label, *serial;
	size_t ll, sl;
	uint8_t pad;
	int r;

	*ret_what = "cannot open a session";
	scl_p11_msg_init(&b->msg);
	scl_p11_put_u8(&b->msg, SCL_P11_OP_CONNECT);
	scl_p11_put_bytes(&b->msg, name, strlen(name));
	if ((r = rpc(b)) < 0)
		return r;
	if (scl_p11_get_bytes(&b->msg, &label, &ll) < 0 ||
	    scl_p11_get_bytes(&b->msg, &serial, &sl) < 0 ||
	    scl_p11_get_u8(&b->msg, &pad) < 0)
		return SCL_ERR_MODULE;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return SCL_ERR_NOMEM;
	t->b = b;
	copy_field(t->label, sizeof(t->label), label, ll);
	copy_field(t->serial, sizeof(t->serial), serial, sl);
	t->pin_pad = pad != 0;
	*ret_t = (struct scl_token *)(void *)t;
	return 0;
}

static int
p11_select(struct scl_token *tv, struct scl_token_state *st)
{
	struct p11_token *t = tok(tv);

	memset(st, 0, sizeof(*st));
	snprintf(st->label, sizeof(st->label), "%s", t->label);
	st->pin_pad = t->pin_pad;
	return 0;
}

/* The token serial as is when it is alphanumeric, else in hex. */
static int
p11_read_id(struct scl_token *tv, char ret_id[33])
{
	struct p11_token *t = tok(tv);
	size_t i, n = strlen(t->serial);
	int plain = 1;

	if (n == 0)
		return SCL_ERR_NO_OBJECT;
	for (i = 0; i < n; i++)
		if (!((t->serial[i] >= '0' && t->serial[i] <= '9') ||
		    (t->serial[i] >= 'a' && t->serial[i] <= 'z') ||
		    (t->serial[i] >= 'A' && t->serial[i] <= 'Z')))
			plain = 0;
	if (plain) {
		memcpy(ret_id, t->serial, n + 1);
		return 0;
	}
	for (i = 0; i < n && i < 16; i++)
		snprintf(ret_id + 2 * i, 3, "%02x", (uint8_t)t->serial[i]);
	return 0;
}

static int
p11_list_keys(struct scl_token *tv, unsigned mask,
    struct scl_backend_key *ret, size_t cap, size_t *ret_n)
{
	struct p11_backend *b = tok(tv)->b;
	uint32_t n = 0, i;
	int r;

	(void)mask;
	scl_p11_msg_init(&b->msg);
	scl_p11_put_u8(&b->msg, SCL_P11_OP_KEYS);
	if ((r = rpc(b)) < 0)
		return r;
	if (scl_p11_get_u32(&b->msg, &n) < 0)
		return SCL_ERR_MODULE;
	for (i = 0; i < n && i < cap; i++) {
		const uint8_t *id;
		size_t len;

		if (scl_p11_get_bytes(&b->msg, &id, &len) < 0 || len == 0 ||
		    len > SCL_BACKEND_KEY_ID_MAX)
			return SCL_ERR_MODULE;
		memset(&ret[i], 0, sizeof(ret[i]));
		memcpy(ret[i].id, id, len);
		ret[i].id_len = len;
	}
	*ret_n = i;
	return 0;
}

static int
p11_read_cert(struct scl_token *tv, const struct scl_backend_key *k,
    uint8_t **ret_der, size_t *ret_len)
{
	struct p11_backend *b = tok(tv)->b;
	const uint8_t *der;
	size_t len;
	int r;

	scl_p11_msg_init(&b->msg);
	scl_p11_put_u8(&b->msg, SCL_P11_OP_CERT);
	scl_p11_put_bytes(&b->msg, k->id, k->id_len);
	if ((r = rpc(b)) < 0)
		return r;
	if (scl_p11_get_bytes(&b->msg, &der, &len) < 0)
		return SCL_ERR_MODULE;
	if (len == 0)
		return SCL_ERR_NO_OBJECT;
	if (len > SCL_PIV_CERT_MAX)
		return SCL_ERR_TOO_LARGE;
	if ((*ret_der = malloc(len)) == NULL)
		return SCL_ERR_NOMEM;
	memcpy(*ret_der, der, len);
	*ret_len = len;
	return 0;
}

/*
 * Tries from the token flags: locked 0, final try 1, else unknown.  Both
 * at once contradict each other: the module is not trusted with a PIN.
 */
static int
flags_tries(uint32_t f, int *ret_tries)
{
	if ((f & P11_CKF_LOCKED) != 0 && (f & P11_CKF_FINAL_TRY) != 0) {
		scl_debug("p11: token flags %08x say locked and final try",
		    (unsigned)f);
		return SCL_ERR_MODULE;
	}
	*ret_tries = (f & P11_CKF_LOCKED) != 0 ? 0 :
	    (f & P11_CKF_FINAL_TRY) != 0 ? 1 : -1;
	return 0;
}

static int
p11_tries_left(struct scl_token *tv, int *ret_tries, int *ret_verified)
{
	struct p11_backend *b = tok(tv)->b;
	uint32_t f = 0;
	int r;

	scl_p11_msg_init(&b->msg);
	scl_p11_put_u8(&b->msg, SCL_P11_OP_TRIES);
	if ((r = rpc(b)) < 0)
		return r;
	if (scl_p11_get_u32(&b->msg, &f) < 0)
		return SCL_ERR_MODULE;
	*ret_verified = 0;
	return flags_tries(f, ret_tries);
}

/* The status of a PIN operation, with the tries its flags tell. */
static int
pin_result(struct p11_backend *b, int r, int *ret_tries)
{
	uint32_t f = 0;
	int tries = -1, rf;

	if (scl_p11_get_u32(&b->msg, &f) < 0)
		return r < 0 ? r : SCL_ERR_MODULE;
	if ((rf = flags_tries(f, &tries)) < 0)
		return rf;
	if (r == SCL_ERR_PIN_WRONG && tries == 0)
		r = SCL_ERR_PIN_BLOCKED;
	if ((r == SCL_ERR_PIN_WRONG || r == SCL_ERR_PIN_BLOCKED) &&
	    ret_tries != NULL)
		*ret_tries = r == SCL_ERR_PIN_BLOCKED ? 0 : tries;
	return r;
}

static int
p11_verify_pin(struct scl_token *tv, const struct scl_pin *pin,
    int *ret_tries)
{
	struct p11_backend *b = tok(tv)->b;
	int r;

	if (pin != NULL && (pin->len == 0 || pin->len > SCL_PIN_MAX))
		return SCL_ERR_PIN_FORMAT;
	scl_p11_msg_init(&b->msg);
	scl_p11_put_u8(&b->msg, SCL_P11_OP_LOGIN);
	scl_p11_put_u8(&b->msg, pin != NULL);
	scl_p11_put_bytes(&b->msg, pin != NULL ? pin->v : NULL,
	    pin != NULL ? pin->len : 0);
	r = rpc(b);
	if (r == SCL_ERR_CARD_NO_ANSWER || r == SCL_ERR_MODULE)
		return r;
	return pin_result(b, r, ret_tries);
}

/* r || s of a CKM_ECDSA signature as a DER ECDSA-Sig-Value. */
static int
ecdsa_der(const uint8_t *rs, size_t len, uint8_t *sig, size_t cap,
    size_t *ret_len)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *p = sig;
	int n, ret = SCL_ERR_SIG_INVALID;

	if (len == 0 || len % 2 != 0 || len > 2 * 66)
		goto out;
	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(rs, (int)(len / 2), NULL)) == NULL ||
	    (s = BN_bin2bn(rs + len / 2, (int)(len / 2), NULL)) == NULL) {
		ret = SCL_ERR_NOMEM;
		goto out;
	}
	if (ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL;
	n = i2d_ECDSA_SIG(es, NULL);
	if (n <= 0 || (size_t)n > cap) {
		ret = SCL_ERR_BUFFER_TOO_SMALL;
		goto out;
	}
	n = i2d_ECDSA_SIG(es, &p);
	*ret_len = (size_t)n;
	ret = 0;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return ret;
}

static int
p11_sign(struct scl_token *tv, const struct scl_backend_key *k, uint8_t alg,
    const uint8_t *digest, size_t digest_len, uint8_t *sig, size_t sig_cap,
    size_t *ret_sig_len)
{
	/* RFC 8017 §9.2 note 1: DigestInfo prefix for SHA-256. */
	static const uint8_t sha256_info[] = { 0x30, 0x31, 0x30, 0x0d, 0x06,
		0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
		0x05, 0x00, 0x04, 0x20 };
	struct p11_backend *b = tok(tv)->b;
	uint8_t in[sizeof(sha256_info) + 64];
	const uint8_t *out;
	size_t in_len, len;
	int rsa = alg == SCL_PIV_ALG_RSA1024 || alg == SCL_PIV_ALG_RSA2048;
	int r;

	if (digest_len > 64 || (rsa && digest_len != 32))
		return SCL_ERR_INVALID_ARGUMENT;
	if (rsa) {
		memcpy(in, sha256_info, sizeof(sha256_info));
		memcpy(in + sizeof(sha256_info), digest, digest_len);
		in_len = sizeof(sha256_info) + digest_len;
	} else {
		memcpy(in, digest, digest_len);
		in_len = digest_len;
	}
	scl_p11_msg_init(&b->msg);
	scl_p11_put_u8(&b->msg, SCL_P11_OP_SIGN);
	scl_p11_put_bytes(&b->msg, k->id, k->id_len);
	scl_p11_put_u32(&b->msg, rsa ? P11_CKM_RSA_PKCS : P11_CKM_ECDSA);
	scl_p11_put_bytes(&b->msg, in, in_len);
	if ((r = rpc(b)) < 0)
		return r;
	if (scl_p11_get_bytes(&b->msg, &out, &len) < 0 || len > P11_SIG_MAX)
		return SCL_ERR_MODULE;
	if (!rsa)
		return ecdsa_der(out, len, sig, sig_cap, ret_sig_len);
	if (len > sig_cap)
		return SCL_ERR_BUFFER_TOO_SMALL;
	memcpy(sig, out, len);
	*ret_sig_len = len;
	return 0;
}

static int
p11_change_pin(struct scl_token *tv, const struct scl_pin *old_pin,
    const struct scl_pin *new_pin, int *ret_tries)
{
	struct p11_backend *b = tok(tv)->b;
	int r;

	scl_p11_msg_init(&b->msg);
	scl_p11_put_u8(&b->msg, SCL_P11_OP_SETPIN);
	/* both empty: the PIN pad (a PIN is never empty, pinpolicy.h) */
	scl_p11_put_bytes(&b->msg, old_pin != NULL ? old_pin->v : NULL,
	    old_pin != NULL ? old_pin->len : 0);
	scl_p11_put_bytes(&b->msg, new_pin != NULL ? new_pin->v : NULL,
	    new_pin != NULL ? new_pin->len : 0);
	r = rpc(b);
	if (r == SCL_ERR_CARD_NO_ANSWER || r == SCL_ERR_MODULE)
		return r;
	return pin_result(b, r, ret_tries);
}

static void
p11_disconnect(struct scl_token **tp, int reset)
{
	struct p11_token *t = tok(*tp);

	(void)reset;
	if (t == NULL)
		return;
	scl_p11_msg_init(&t->b->msg);
	scl_p11_put_u8(&t->b->msg, SCL_P11_OP_DISCONNECT);
	(void)rpc(t->b);
	free(t);
	*tp = NULL;
}

static int
p11_poll_events(void *bv, int *ret_changed)
{
	struct p11_backend *b = bv;
	uint32_t n = 0;
	int r;

	scl_p11_msg_init(&b->msg);
	scl_p11_put_u8(&b->msg, SCL_P11_OP_EVENTS);
	if ((r = rpc(b)) < 0)
		return r;
	if (scl_p11_get_u32(&b->msg, &n) < 0)
		return SCL_ERR_MODULE;
	*ret_changed = n > 0;
	return 0;
}

const struct scl_backend_ops scl_backend_p11 = {
	.name = "pkcs11",
	.kind = SCL_BACKEND_PKCS11,
	.service_ok = "PKCS#11 modules loaded",
	.service_what = "PKCS#11 modules",
	.service_fix = "Check pkcs11_modules and pkcs11_helper in "
	    "sclogin.conf: each must exist, be owned by root and not be "
	    "writable by others.",
	.app_ok = "PKCS#11 token opened",
	.app_what = "opening the PKCS#11 token",
	.open = p11_open,
	.close = p11_close,
	.list_tokens = p11_list_tokens,
	.connect = p11_connect,
	.select = p11_select,
	.read_id = p11_read_id,
	.list_keys = p11_list_keys,
	.read_cert = p11_read_cert,
	.tries_left = p11_tries_left,
	.verify_pin = p11_verify_pin,
	.sign = p11_sign,
	.change_pin = p11_change_pin,
	.poll_events = p11_poll_events,
	.disconnect = p11_disconnect,
};
