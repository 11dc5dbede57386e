/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <ldap.h>
#include <openssl/evp.h>

#include "directory-cache.h"
#include "directory-query.h"
#include "directory.h"
#include "deadline.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "secret.h"

#define SECRET_MAX 1024
#define VALUES_MAX 64
#define MESSAGE_MAX (1024u * 1024u)	/* one LDAP message from a server */

/* What one server said. */
enum answer {
	ANSWER_NONE = 0,	/* unreachable, TLS, bind, busy, garbage: next */
	ANSWER_FOUND,
	ANSWER_NO_ENTRY,	/* definitive: erase the cache entry */
	ANSWER_SEVERAL,		/* definitive too */
	ANSWER_REFUSED,		/* an entry, but not usable: no cache change */
};

static void
why_add(struct scl_directory_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
why_add(struct scl_directory_report *rep, const char *fmt, ...)
{
	size_t o = strlen(rep->why);
	va_list ap;

	if (o + 3 >= sizeof(rep->why))
		return;
	if (o > 0) {
		memcpy(rep->why + o, "; ", 3);
		o += 2;
	}
	va_start(ap, fmt);
	vsnprintf(rep->why + o, sizeof(rep->why) - o, fmt, ap);
	va_end(ap);
}

/* What is left of the budget as a timeval; 0 when it is spent. */
static int
left(uint64_t deadline_ms, struct timeval *tv)
{
	uint64_t now = scl_mono_ms();

	if (now >= deadline_ms)
		return 0;
	tv->tv_sec = (time_t)((deadline_ms - now) / 1000u);
	tv->tv_usec = (suseconds_t)(((deadline_ms - now) % 1000u) * 1000u);
	return 1;
}

static int
set_timeouts(LDAP *ld, uint64_t deadline_ms)
{
	struct timeval tv;

	if (!left(deadline_ms, &tv))
		return SCL_ERR_TIMEOUT;
	if (ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS
	    || ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS)
		return SCL_ERR_INTERNAL;
	return 0;
}

/*
 * The bind password: a regular file owned by root (or our euid) that only
 * its owner may read, like a private key.
 */
static int
read_secret(const char *path, char *buf, size_t cap, size_t *ret_len,
    struct scl_directory_report *rep)
{
	struct stat st;
	uint8_t *data = NULL;
	size_t len = 0;
	int fd = -1, r = SCL_ERR_INTERNAL;

	if (path == NULL) {
		why_add(rep, "directory_bind = simple needs "
		    "directory_bind_secret_file");
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
	    O_NONBLOCK)) < 0 || fstat(fd, &st) != 0) {
		why_add(rep, "%s: cannot open the bind secret (%s)", path,
		    errno == ELOOP ? "a symbolic link" : "no such file or "
		    "no access");
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid !=
	    geteuid()) || (st.st_mode & 077) != 0) {
		why_add(rep, "%s: the bind secret must be a regular file "
		    "owned by root that no one else may read (mode 0600)",
		    path);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if ((r = scl_file_read_fd(fd, SECRET_MAX, &data, &len)) != 0) {
		why_add(rep, "%s: cannot read the bind secret", path);
		r = r == SCL_ERR_NOMEM ? r : SCL_ERR_CONFIG;
		goto out;
	}
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len == 0 || len >= cap || memchr(data, '\0', len) != NULL) {
		why_add(rep, "%s: the bind secret is empty or malformed",
		    path);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	memcpy(buf, data, len);
	buf[len] = '\0';
	*ret_len = len;
	r = 0;
out:
	if (data != NULL)
		scl_freezero(data, SECRET_MAX + 1);
	if (fd >= 0)
		close(fd);
	return r;
}

/* Wait for msgid's answer within the budget; its result code. */
static int
wait_result(LDAP *ld, int msgid, uint64_t deadline_ms, LDAPMessage **ret,
    const char **why)
{
	struct timeval tv;
	LDAPMessage *res = NULL;
	int rc, e = LDAP_OTHER;

	if (!left(deadline_ms, &tv)) {
		*why = "no time left";
		return -1;
	}
	rc = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &res);
	if (rc == 0) {
		*why = "no answer in time";
		ldap_msgfree(res);
		return -1;
	}
	if (rc < 0) {
		(void)ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &e);
		*why = ldap_err2string(e);
		ldap_msgfree(res);
		return -1;
	}
	if (ldap_parse_result(ld, res, &e, NULL, NULL, NULL, NULL, 0) !=
	    LDAP_SUCCESS) {
		*why = "a malformed answer";
		ldap_msgfree(res);
		return -1;
	}
	*ret = res;
	return e;
}

/*
 * libldap 2.5.13 (Debian 12) does not bound the TLS handshake: with a
 * network timeout set it spins on a non-blocking socket for as long as
 * the server stays silent (seen with a server that accepts and never
 * answers).  So every read and write of the connection goes through this
 * layer, installed by the connect callback (after the TCP connect, before
 * TLS) between TLS and the TCP layers libldap adds next: it waits for the
 * socket only until the deadline, then fails the call (ETIMEDOUT).
 */
#define GUARD_LEVEL (LBER_SBIOD_LEVEL_PROVIDER + 5)
struct conn_guard {
	struct ldap_conncb cb;
	uint64_t deadline_ms;
};

static int
guard_wait(Sockbuf_IO_Desc *sbiod, short events)
{
	const struct conn_guard *g = sbiod->sbiod_pvt;
	ber_socket_t fd = -1;
	uint64_t now;
	struct pollfd pfd;
	int n;

	if (events == POLLIN &&
	    LBER_SBIOD_CTRL_NEXT(sbiod, LBER_SB_OPT_DATA_READY, NULL) > 0)
		return 0;
	if (ber_sockbuf_ctrl(sbiod->sbiod_sb, LBER_SB_OPT_GET_FD, &fd) != 1 ||
	    fd < 0) {
		errno = EBADF;
		return -1;
	}
	for (;;) {
		now = scl_mono_ms();
		if (now >= g->deadline_ms) {
			errno = ETIMEDOUT;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, (int)(g->deadline_ms - now));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int
guard_setup(Sockbuf_IO_Desc *sbiod, void *arg)
{
	sbiod->sbiod_pvt = arg;
	return 0;
}

static int
guard_remove(Sockbuf_IO_Desc *sbiod)
{
	sbiod->sbiod_pvt = NULL;
	return 0;
}

static int
guard_ctrl(Sockbuf_IO_Desc *sbiod, int opt, void *arg)
{
	return LBER_SBIOD_CTRL_NEXT(sbiod, opt, arg);
}

static ber_slen_t
guard_read(Sockbuf_IO_Desc *sbiod, void *buf, ber_len_t len)
{
	if (guard_wait(sbiod, POLLIN) != 0)
		return -1;
	return LBER_SBIOD_READ_NEXT(sbiod, buf, len);
}

/*
 * Written here with MSG_NOSIGNAL, not by liblber's write(2): a server that
 * closed the connection must not raise SIGPIPE in the PAM host.  Below
 * this layer there is only the TCP one (and readahead, which passes
 * writes through).
 */
static ber_slen_t
guard_write(Sockbuf_IO_Desc *sbiod, void *buf, ber_len_t len)
{
	ber_socket_t fd = -1;
	ssize_t n;

	if (guard_wait(sbiod, POLLOUT) != 0)
		return -1;
	if (ber_sockbuf_ctrl(sbiod->sbiod_sb, LBER_SB_OPT_GET_FD, &fd) != 1 ||
	    fd < 0) {
		errno = EBADF;
		return -1;
	}
	do
		n = send(fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return (ber_slen_t)n;
}

static int
guard_close(Sockbuf_IO_Desc *sbiod)
{
	(void)sbiod;
	return 0;
}

static Sockbuf_IO guard_io = {
	guard_setup, guard_remove, guard_ctrl, guard_read, guard_write,
	guard_close,
};

static int
guard_add(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv, struct sockaddr *addr,
    struct ldap_conncb *ctx)
{
	ber_len_t max = MESSAGE_MAX;

	(void)ld;
	(void)srv;
	(void)addr;
	/* a length the server sends is allocated at once: cap it */
	if (ber_sockbuf_ctrl(sb, LBER_SB_OPT_SET_MAX_INCOMING, &max) != 1)
		return -1;
	return ber_sockbuf_add_io(sb, &guard_io, GUARD_LEVEL, ctx->lc_arg) ==
	    0 ? 0 : -1;
}

static void
guard_del(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
	(void)ld;
	(void)sb;
	(void)ctx;
}

static int
tls_options(LDAP *ld, const struct scl_config *cfg)
{
	int demand = LDAP_OPT_X_TLS_DEMAND;
	int tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
	int off = 0;

	if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) !=
	    LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12) !=
	    LDAP_OPT_SUCCESS)
		return -1;
	if (cfg->directory_ca_file != NULL &&
	    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE,
	    cfg->directory_ca_file) != LDAP_OPT_SUCCESS)
		return -1;
	if (cfg->directory_bind == SCL_DIR_BIND_EXTERNAL &&
	    ((cfg->directory_client_cert != NULL &&
	    ldap_set_option(ld, LDAP_OPT_X_TLS_CERTFILE,
	    cfg->directory_client_cert) != LDAP_OPT_SUCCESS) ||
	    (cfg->directory_client_key != NULL &&
	    ldap_set_option(ld, LDAP_OPT_X_TLS_KEYFILE,
	    cfg->directory_client_key) != LDAP_OPT_SUCCESS)))
		return -1;
	return ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &off) ==
	    LDAP_OPT_SUCCESS ? 0 : -1;
}

/* Connect, secure and bind to uri; *ret_ld on success. */
static int
open_server(const struct scl_config *cfg, const char *uri,
    struct conn_guard *guard, LDAP **ret_ld,
    struct scl_directory_report *rep)
{
	uint64_t deadline_ms = guard->deadline_ms;
	LDAP *ld = NULL;
	LDAPMessage *res = NULL;
	char none[1] = "";
	struct berval cred = { 0, none };
	char secret[SECRET_MAX + 1];
	const char *why = NULL, *mech = LDAP_SASL_SIMPLE, *dn = "";
	int v3 = LDAP_VERSION3, ldaps = strncmp(uri, "ldaps://", 8) == 0;
	int msgid = -1, rc, r = SCL_ERR_INTERNAL;
	size_t slen = 0;

	secret[0] = '\0';
	if (ldap_initialize(&ld, uri) != LDAP_SUCCESS || ld == NULL) {
		why_add(rep, "%s: not a usable URI", uri);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	guard->cb.lc_add = guard_add;
	guard->cb.lc_del = guard_del;
	guard->cb.lc_arg = guard;
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) !=
	    LDAP_OPT_SUCCESS || ldap_set_option(ld, LDAP_OPT_REFERRALS,
	    LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_CONNECT_CB, &guard->cb) !=
	    LDAP_OPT_SUCCESS ||
	    (r = set_timeouts(ld, deadline_ms)) != 0) {
		why_add(rep, "%s: %s", uri, r == SCL_ERR_TIMEOUT ?
		    "no time left" : "cannot set the LDAP options");
		r = r == SCL_ERR_TIMEOUT ? r : SCL_ERR_INTERNAL;
		goto out;
	}
	if ((ldaps || !cfg->directory_plaintext) && tls_options(ld, cfg) != 0) {
		why_add(rep, "%s: cannot set up TLS (directory_ca_file, "
		    "directory_client_cert/_key)", uri);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if (!ldaps && !cfg->directory_plaintext) {
		rc = ldap_start_tls_s(ld, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			why_add(rep, "%s: StartTLS failed: %s", uri,
			    ldap_err2string(rc));
			r = SCL_ERR_DIRECTORY_UNREACHABLE;
			goto out;
		}
	}
	if (cfg->directory_bind == SCL_DIR_BIND_SIMPLE) {
		if ((r = read_secret(cfg->directory_bind_secret_file, secret,
		    sizeof(secret), &slen, rep)) != 0)
			goto out;
		if (cfg->directory_bind_dn == NULL) {
			why_add(rep, "directory_bind = simple needs "
			    "directory_bind_dn");
			r = SCL_ERR_CONFIG;
			goto out;
		}
		dn = cfg->directory_bind_dn;
		cred.bv_val = secret;
		cred.bv_len = slen;
	} else if (cfg->directory_bind == SCL_DIR_BIND_EXTERNAL) {
		mech = "EXTERNAL";
		dn = NULL;
	}
	if ((r = set_timeouts(ld, deadline_ms)) != 0) {
		why_add(rep, "%s: no time left", uri);
		goto out;
	}
	/* EXTERNAL: an empty initial response, "the identity of my cert" */
	rc = ldap_sasl_bind(ld, dn, mech, &cred, NULL, NULL, &msgid);
	explicit_bzero(secret, sizeof(secret));
	if (rc != LDAP_SUCCESS) {
		why_add(rep, "%s: %s", uri, ldap_err2string(rc));
		r = SCL_ERR_DIRECTORY_UNREACHABLE;
		goto out;
	}
	rc = wait_result(ld, msgid, deadline_ms, &res, &why);
	if (rc != LDAP_SUCCESS) {
		why_add(rep, "%s: bind failed: %s", uri, rc < 0 ? why :
		    ldap_err2string(rc));
		r = SCL_ERR_DIRECTORY_UNREACHABLE;
		goto out;
	}
	*ret_ld = ld;
	ld = NULL;
	r = 0;
out:
	explicit_bzero(secret, sizeof(secret));
	ldap_msgfree(res);
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	return r;
}

/* The values of attr in entry e (at most VALUES_MAX). */
struct vals {
	struct berval **bv;
	const char *p[VALUES_MAX];
	size_t len[VALUES_MAX];
	size_t n;
};

static void
vals_get(LDAP *ld, LDAPMessage *e, const char *attr, struct vals *v)
{
	memset(v, 0, sizeof(*v));
	if (attr == NULL || (v->bv = ldap_get_values_len(ld, e, attr)) == NULL)
		return;
	for (size_t i = 0; v->bv[i] != NULL && v->n < VALUES_MAX; i++) {
		v->p[v->n] = v->bv[i]->bv_val;
		v->len[v->n] = v->bv[i]->bv_len;
		v->n++;
	}
}

static void
vals_free(struct vals *v)
{
	if (v->bv != NULL)
		ldap_value_free_len(v->bv);
	memset(v, 0, sizeof(*v));
}

/* Search one server; what it answered. */
static enum answer
search_server(const struct scl_config *cfg, LDAP *ld, const char *uri,
    const struct scl_dir_query *q, uint64_t deadline_ms, char *user,
    struct scl_directory_report *rep)
{
	char *attrs[5] = { NULL };
	LDAPMessage *res = NULL, *e;
	struct vals vu, vc, va, vn;
	struct scl_dir_values dv;
	struct timeval tv;
	const char *why = NULL, *how = NULL;
	enum answer a = ANSWER_NONE;
	char *dn = NULL;
	int msgid = -1, rc, n, na = 0;

	memset(&vu, 0, sizeof(vu));
	memset(&vc, 0, sizeof(vc));
	memset(&va, 0, sizeof(va));
	memset(&vn, 0, sizeof(vn));
	attrs[na++] = cfg->directory_user_attribute;
	if ((q->match & SCL_DIR_MATCH_CERTIFICATE) != 0)
		attrs[na++] = cfg->directory_certificate_attribute;
	if ((q->match & SCL_DIR_MATCH_ALTSECID) != 0)
		attrs[na++] = cfg->directory_altsecid_attribute;
	if ((q->match & SCL_DIR_MATCH_UPN) != 0)
		attrs[na++] = cfg->directory_upn_attribute;
	if (!left(deadline_ms, &tv)) {
		why_add(rep, "%s: no time left", uri);
		goto out;
	}
	rc = ldap_search_ext(ld, cfg->directory_base, LDAP_SCOPE_SUBTREE,
	    q->filter, attrs, 0, NULL, NULL, NULL, 2, &msgid);
	if (rc != LDAP_SUCCESS) {
		why_add(rep, "%s: search not sent: %s", uri,
		    ldap_err2string(rc));
		goto out;
	}
	rc = wait_result(ld, msgid, deadline_ms, &res, &why);
	if (rc < 0) {
		why_add(rep, "%s: search failed: %s", uri, why);
		goto out;
	}
	n = ldap_count_entries(ld, res);
	if (rc == LDAP_NO_SUCH_OBJECT) {
		snprintf(rep->server, sizeof(rep->server), "%s", uri);
		why_add(rep, "%s: the search base '%s' does not exist", uri,
		    cfg->directory_base);
		a = ANSWER_REFUSED;
		goto out;
	}
	if (n >= 2 && (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED)) {
		snprintf(rep->server, sizeof(rep->server), "%s", uri);
		why_add(rep, "%s: several entries hold the certificate", uri);
		a = ANSWER_SEVERAL;
		goto out;
	}
	if (rc != LDAP_SUCCESS || n < 0) {
		why_add(rep, "%s: search failed: %s", uri, ldap_err2string(rc));
		goto out;
	}
	snprintf(rep->server, sizeof(rep->server), "%s", uri);
	if (n == 0) {
		why_add(rep, "%s: no entry holds the certificate", uri);
		a = ANSWER_NO_ENTRY;
		goto out;
	}
	e = ldap_first_entry(ld, res);
	if (e != NULL && (dn = ldap_get_dn(ld, e)) != NULL) {
		char esc[sizeof(rep->entry)];

		scl_err_escape(esc, sizeof(esc), dn, strlen(dn),
		    SCL_ESCAPE_QUOTE);
		snprintf(rep->entry, sizeof(rep->entry), "%s", esc);
	}
	a = ANSWER_REFUSED;
	if (e == NULL) {
		why_add(rep, "%s: a malformed entry", uri);
		goto out;
	}
	vals_get(ld, e, cfg->directory_user_attribute, &vu);
	if ((q->match & SCL_DIR_MATCH_CERTIFICATE) != 0)
		vals_get(ld, e, cfg->directory_certificate_attribute, &vc);
	if ((q->match & SCL_DIR_MATCH_ALTSECID) != 0)
		vals_get(ld, e, cfg->directory_altsecid_attribute, &va);
	if ((q->match & SCL_DIR_MATCH_UPN) != 0)
		vals_get(ld, e, cfg->directory_upn_attribute, &vn);
	memset(&dv, 0, sizeof(dv));
	dv.certs = (const uint8_t *const *)(const void *)vc.p;
	dv.cert_lens = vc.len;
	dv.n_certs = vc.n;
	dv.altsec = va.p;
	dv.altsec_lens = va.len;
	dv.n_altsec = va.n;
	dv.upn = vn.p;
	dv.upn_lens = vn.len;
	dv.n_upn = vn.n;
	if (!scl_dir_entry_holds(q, &dv, &how)) {
		why_add(rep, "%s: the entry found does not hold this exact "
		    "certificate", uri);
		goto out;
	}
	snprintf(rep->matched, sizeof(rep->matched), "%s", how);
	if (scl_dir_user_name(vu.p, vu.len, vu.n, user, SCL_DIR_USER_MAX,
	    &why) != 0) {
		why_add(rep, "%s: %s (%s)", uri, why,
		    cfg->directory_user_attribute);
		goto out;
	}
	a = ANSWER_FOUND;
out:
	vals_free(&vu);
	vals_free(&vc);
	vals_free(&va);
	vals_free(&vn);
	ldap_memfree(dn);
	ldap_msgfree(res);
	return a;
}

static void
cache_update(const struct scl_config *cfg, const uint8_t sha[32],
    const char *user, time_t now, struct scl_directory_report *rep)
{
	int r;

	if (cfg->state_dir == NULL || (user != NULL &&
	    cfg->offline_max_age == 0))
		return;
	r = scl_dircache_store(cfg->state_dir, sha, user, (int64_t)now);
	if (r != 0)
		scl_debug("%s: offline cache in '%s' not updated: %s",
		    __func__, cfg->state_dir, scl_err_name(r));
	else if (user == NULL)
		rep->cache_erased = 1;
}

static int
from_cache(const struct scl_config *cfg, const uint8_t sha[32], time_t now,
    struct scl_directory_report *rep, char *user)
{
	struct scl_dircache_entry ce;
	int r;

	if (cfg->offline_max_age == 0 || cfg->state_dir == NULL)
		return SCL_ERR_DIRECTORY_UNREACHABLE;
	r = scl_dircache_lookup(cfg->state_dir, sha, &ce);
	if (r == SCL_ERR_BAD_STATE)
		why_add(rep, "the offline cache in %s is damaged or unsafe",
		    cfg->state_dir);
	if (r != 0)
		return r == SCL_ERR_NOMEM ? r : SCL_ERR_DIRECTORY_UNREACHABLE;
	if (ce.when > (int64_t)now || (int64_t)now - ce.when >
	    (int64_t)cfg->offline_max_age) {
		why_add(rep, "the offline cache entry is older than "
		    "offline_max_age (%u s)", cfg->offline_max_age);
		return SCL_ERR_DIRECTORY_UNREACHABLE;
	}
	snprintf(user, SCL_DIR_USER_MAX, "%s", ce.user);
	rep->from_cache = 1;
	rep->cached_at = (time_t)ce.when;
	return 0;
}

int
scl_directory_map(const struct scl_config *cfg, X509 *cert, time_t now,
    uint64_t deadline_ms, struct scl_directory_report *report,
    char ret_user[SCL_DIR_USER_MAX])
{
	struct scl_directory_report local;
	struct scl_directory_report *rep = report != NULL ? report : &local;
	struct scl_dir_query q;
	char user[SCL_DIR_USER_MAX] = "";
	uint8_t sha[32];
	unsigned mdlen = 0;
	enum answer a = ANSWER_NONE;
	int r = SCL_ERR_INTERNAL;

	memset(rep, 0, sizeof(*rep));
	memset(&q, 0, sizeof(q));
	if (cfg == NULL || cert == NULL || ret_user == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if (cfg->n_directory_uri == 0 || cfg->directory_base == NULL) {
		why_add(rep, "mapping = directory needs directory_uri and "
		    "directory_base");
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if (X509_digest(cert, EVP_sha256(), sha, &mdlen) != 1 || mdlen != 32) {
		r = SCL_ERR_BAD_DER;
		goto out;
	}
	if ((r = scl_dir_query_build(cfg, cert, &q)) != 0) {
		why_add(rep, r == SCL_ERR_NO_MAPPING ? "the certificate has "
		    "nothing directory_match can look for" :
		    "cannot build the search");
		goto out;
	}
	/* printable already: every certificate byte is \XX-escaped */
	if (snprintf(rep->filter, sizeof(rep->filter), "%s", q.filter) >=
	    (int)sizeof(rep->filter))
		memcpy(rep->filter + sizeof(rep->filter) - 4, "...", 4);
	for (size_t i = 0; i < cfg->n_directory_uri && a == ANSWER_NONE;
	    i++) {
		struct conn_guard guard;
		LDAP *ld = NULL;

		uint64_t now_ms = scl_mono_ms();

		/* a server that hangs leaves its share to the next ones */
		memset(&guard, 0, sizeof(guard));
		guard.deadline_ms = now_ms >= deadline_ms ? now_ms :
		    now_ms + (deadline_ms - now_ms) / (cfg->n_directory_uri - i);
		r = open_server(cfg, cfg->directory_uri[i], &guard, &ld, rep);
		if (r == SCL_ERR_NOMEM || r == SCL_ERR_CONFIG)
			goto out;
		if (r != 0)
			continue;
		a = search_server(cfg, ld, cfg->directory_uri[i], &q,
		    guard.deadline_ms, user, rep);
		ldap_unbind_ext_s(ld, NULL, NULL);
	}
	switch (a) {
	case ANSWER_FOUND:
		cache_update(cfg, sha, user, now, rep);
		snprintf(ret_user, SCL_DIR_USER_MAX, "%s", user);
		r = 0;
		break;
	case ANSWER_NO_ENTRY:
		cache_update(cfg, sha, NULL, now, rep);
		r = SCL_ERR_NO_MAPPING;
		break;
	case ANSWER_SEVERAL:
		cache_update(cfg, sha, NULL, now, rep);
		r = SCL_ERR_AMBIGUOUS;
		break;
	case ANSWER_REFUSED:
		r = SCL_ERR_NO_MAPPING;
		break;
	case ANSWER_NONE:
		r = from_cache(cfg, sha, now, rep, user);
		if (r == 0)
			snprintf(ret_user, SCL_DIR_USER_MAX, "%s", user);
		break;
	}
out:
	scl_dir_query_clear(&q);
	explicit_bzero(user, sizeof(user));
	return r;
}
