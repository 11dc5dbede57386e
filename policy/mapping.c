/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "deadline.h"
#include "admfile.h"
#include "cursor.h"
#include "directory.h"
#include "err.h"
#include "file.h"
#include "hex.h"
#include "log.h"
#include "logindefs.h"
#include "mapping.h"

#define NAMES_MAX 16		/* UPNs, e-mails or CNs taken from one cert */
#define NAME_LEN_MAX 256
#define AUTH_MAX_SIZE (256u * 1024u)
#define PWBUF_MAX (1024u * 1024u)

/* Identity facts taken from the certificate once. */
struct facts {
	char *upn[NAMES_MAX];
	size_t n_upn;
	char *email[NAMES_MAX];
	size_t n_email;
	char *cn[NAMES_MAX];
	size_t n_cn;
	char *subject;
	uint8_t sha256[32];
};

struct ctx {
	const struct scl_config *cfg;
	const struct facts *f;
	const char *only_user;
	unsigned kinds;			/* 1 << SCL_MAPFILE_* accepted */
	struct scl_user_list *out;
	uid_t uid_min;			/* 0: not read yet (login.defs) */
	char skipped[160];		/* the last name-derived user refused */
};

void
scl_user_list_clear(struct scl_user_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n && i < SCL_MAP_USERS_MAX; i++) {
		free(l->users[i]);
		l->users[i] = NULL;
	}
	l->n = 0;
	l->offline_since = 0;
}

static void
facts_clear(struct facts *f)
{
	for (size_t i = 0; i < f->n_upn; i++)
		free(f->upn[i]);
	for (size_t i = 0; i < f->n_email; i++)
		free(f->email[i]);
	for (size_t i = 0; i < f->n_cn; i++)
		free(f->cn[i]);
	free(f->subject);
	explicit_bzero(f, sizeof(*f));
}

/* A plausible POSIX user name: no '/', ':', whitespace or controls. */
static int
valid_user(const char *s, size_t n)
{
	if (n == 0 || n > NAME_LEN_MAX || s[0] == '-' || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':' ||
		    c == ',' || c == '\\')
			return 0;
	}
	return 1;
}

/* Copy an ASN1 string; embedded NULs or controls make it unusable. */
static int
asn1_dup(const unsigned char *p, int len, char **ret)
{
	char *s;

	if (len <= 0 || len > NAME_LEN_MAX * 2)
		return SCL_ERR_BAD_DER;
	for (int i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return SCL_ERR_BAD_DER;
	if ((s = strndup((const char *)p, (size_t)len)) == NULL)
		return SCL_ERR_NOMEM;
	*ret = s;
	return 0;
}

static int
add_name(char **arr, size_t *n, const unsigned char *p, int len)
{
	char *s = NULL;
	int r;

	if (*n >= NAMES_MAX)
		return 0;
	if ((r = asn1_dup(p, len, &s)) == SCL_ERR_NOMEM)
		return r;
	if (r != 0)
		return 0;	/* unusable name: skipped, never matched */
	arr[(*n)++] = s;
	return 0;
}

static int
collect_facts(X509 *cert, struct facts *f)
{
	GENERAL_NAMES *gens = NULL;
	const X509_NAME *subj;
	BIO *bio = NULL;
	unsigned mdlen = 0;
	char *mem;
	long mlen;
	int idx, r = SCL_ERR_INTERNAL;

	memset(f, 0, sizeof(*f));
	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) &&
	    i < 64; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_OTHERNAME &&
		    OBJ_obj2nid(g->d.otherName->type_id) == NID_ms_upn &&
		    g->d.otherName->value->type == V_ASN1_UTF8STRING) {
			const ASN1_STRING *a = g->d.otherName->value->value.
			    utf8string;

			if ((r = add_name(f->upn, &f->n_upn,
			    ASN1_STRING_get0_data(a), ASN1_STRING_length(a)))
			    != 0)
				goto out;
		} else if (g->type == GEN_EMAIL) {
			if ((r = add_name(f->email, &f->n_email,
			    ASN1_STRING_get0_data(g->d.rfc822Name),
			    ASN1_STRING_length(g->d.rfc822Name))) != 0)
				goto out;
		}
	}
	subj = X509_get_subject_name(cert);
	for (int pass = 0; pass < 2; pass++) {
		int nid = pass == 0 ? NID_commonName : NID_pkcs9_emailAddress;

		idx = -1;
		while ((idx = X509_NAME_get_index_by_NID(subj, nid, idx))
		    >= 0) {
			const ASN1_STRING *a = X509_NAME_ENTRY_get_data(
			    X509_NAME_get_entry(subj, idx));
			unsigned char *u = NULL;
			int ulen = ASN1_STRING_to_UTF8(&u, a);

			if (ulen < 0)
				continue;
			r = pass == 0 ? add_name(f->cn, &f->n_cn, u, ulen) :
			    add_name(f->email, &f->n_email, u, ulen);
			OPENSSL_free(u);
			if (r != 0)
				goto out;
		}
	}
	if ((bio = BIO_new(BIO_s_mem())) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if (X509_NAME_print_ex(bio, subj, 0, XN_FLAG_RFC2253) < 0) {
		r = SCL_ERR_BAD_DER;
		goto out;
	}
	mlen = BIO_get_mem_data(bio, &mem);
	if (mlen < 0 || (f->subject = strndup(mlen > 0 ? mem : "",
	    (size_t)mlen)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if (X509_digest(cert, EVP_sha256(), f->sha256, &mdlen) != 1 ||
	    mdlen != sizeof(f->sha256)) {
		r = SCL_ERR_BAD_DER;
		goto out;
	}
	r = 0;
out:
	BIO_free(bio);
	GENERAL_NAMES_free(gens);
	if (r != 0)
		facts_clear(f);
	return r;
}

/*
 * 1 and *ret_uid (and *ret_nologin: its shell refuses logins) when the
 * user exists, else 0.
 */
static int
user_exists(const char *user, uid_t *ret_uid, int *ret_nologin)
{
	struct passwd pw, *res = NULL;
	char *buf = NULL;
	size_t blen = 4096;
	int e, ok = 0;

	for (;;) {
		char *nb;

		if ((nb = realloc(buf, blen)) == NULL)
			break;
		buf = nb;
		e = getpwnam_r(user, &pw, buf, blen, &res);
		if (e == ERANGE && blen < PWBUF_MAX) {
			blen *= 2;
			continue;
		}
		ok = (e == 0 && res != NULL);
		if (ok) {
			*ret_uid = pw.pw_uid;
			*ret_nologin = scl_shell_refuses_login(pw.pw_shell);
		}
		break;
	}
	free(buf);
	return ok;
}

/*
 * Add user (n bytes) to the list if it exists and is not there yet.
 * implicit: the name comes from the certificate itself (upn, cn, email)
 * or the directory, which never maps to a system account (uid 0, uid
 * below login.defs' UID_MIN, a nologin or false shell): those need an
 * explicit mapfile or authorized_certs rule.
 */
static int
add_user(struct ctx *c, const char *user, size_t n, int implicit)
{
	struct scl_user_list *l = c->out;
	char *u = NULL;
	uid_t uid = (uid_t)-1;
	int nologin = 0, r = SCL_ERR_INTERNAL;

	if (!valid_user(user, n)) {
		r = 0;
		goto out;
	}
	if ((u = strndup(user, n)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->users[i], u) == 0) {
			r = 0;
			goto out;
		}
	}
	if (!user_exists(u, &uid, &nologin)) {
		scl_debug("%s: user '%s' does not exist, ignoring", __func__,
		    u);
		r = 0;
		goto out;
	}
	if (implicit && c->uid_min == 0)
		c->uid_min = scl_logindefs_uid_min(NULL);
	if (implicit && (uid == 0 || uid < c->uid_min || nologin)) {
		snprintf(c->skipped, sizeof(c->skipped), "'%s' is a system "
		    "account (uid %u%s%s): a name in a certificate never maps "
		    "to one, only a mapfile rule does", u, (unsigned)uid,
		    uid < c->uid_min ? " < UID_MIN " : ", nologin shell",
		    uid < c->uid_min ? "of login.defs" : "");
		scl_debug("%s: %s", __func__, c->skipped);
		r = 0;
		goto out;
	}
	if (l->n >= SCL_MAP_USERS_MAX) {
		r = SCL_ERR_LIMIT;
		goto out;
	}
	l->users[l->n++] = u;
	u = NULL;
	r = 0;
out:
	free(u);
	return r;
}

/*
 * The local part of each address, if doms is NULL or its domain is one of
 * doms (any case).
 */
static int
map_local_parts(struct ctx *c, char *const *addrs, size_t n,
    char *const *doms, size_t n_doms)
{
	int r;

	for (size_t i = 0; i < n; i++) {
		const char *a = addrs[i], *at = strrchr(a, '@');
		int listed = doms == NULL;

		if (at == NULL)
			continue;
		for (size_t d = 0; doms != NULL && d < n_doms; d++)
			if (strcasecmp(at + 1, doms[d]) == 0)
				listed = 1;
		if (!listed)
			continue;
		if ((r = add_user(c, a, (size_t)(at - a), 1)) != 0)
			return r;
	}
	return 0;
}

static int
map_upn(struct ctx *c)
{
	if (c->cfg->n_upn_domain == 0)
		return SCL_ERR_CONFIG;	/* scl_config_validate refuses it */
	return map_local_parts(c, c->f->upn, c->f->n_upn, c->cfg->upn_domain,
	    c->cfg->n_upn_domain);
}

static int
map_email(struct ctx *c)
{
	return map_local_parts(c, c->f->email, c->f->n_email, NULL, 0);
}

static int
map_cn(struct ctx *c)
{
	int r;

	for (size_t i = 0; i < c->f->n_cn; i++)
		if ((r = add_user(c, c->f->cn[i],
		    strlen(c->f->cn[i]), 1)) != 0)
			return r;
	return 0;
}

/* 64 hex digits, optional ':' between bytes. */
static int
parse_sha256(const char *s, uint8_t out[32])
{
	size_t n = 0;

	while (*s != '\0') {
		uint8_t b;

		if (n > 0 && *s == ':')
			s++;
		if (scl_hex_byte(s, &b) != 0)
			return SCL_ERR_CONFIG;
		if (n >= 32)
			return SCL_ERR_CONFIG;
		out[n++] = b;
		s += 2;
	}
	return n == 32 ? 0 : SCL_ERR_CONFIG;
}

static int
is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int
parse_map_line(const char *name, size_t lineno, char *s,
    struct scl_mapfile_rule *rule, char *errbuf, size_t errlen)
{
	static const struct {
		const char *prefix;
		enum scl_mapfile_kind kind;
	} kinds[] = {
		{ "sha256:", SCL_MAPFILE_SHA256 },
		{ "subject:", SCL_MAPFILE_SUBJECT },
		{ "upn:", SCL_MAPFILE_UPN },
		{ "email:", SCL_MAPFILE_EMAIL },
	};
	char *colon, *user, *val;
	size_t n;

	if ((colon = strchr(s, ':')) == NULL) {
		scl_err_detail(errbuf, errlen, "%s:%zu: expected 'user: "
		    "kind:value'", name, lineno);
		return SCL_ERR_CONFIG;
	}
	*colon = '\0';
	user = s;
	n = strlen(user);
	while (n > 0 && is_space(user[n - 1]))
		user[--n] = '\0';
	if (!valid_user(user, n)) {
		scl_err_detail(errbuf, errlen, "%s:%zu: invalid user name",
		    name, lineno);
		return SCL_ERR_CONFIG;
	}
	val = colon + 1;
	while (is_space(*val))
		val++;
	memset(rule, 0, sizeof(*rule));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t pl = strlen(kinds[i].prefix);

		if (strncasecmp(val, kinds[i].prefix, pl) != 0)
			continue;
		rule->kind = kinds[i].kind;
		val += pl;
		while (is_space(*val))
			val++;
		break;
	}
	if (rule->kind == 0) {
		scl_err_detail(errbuf, errlen, "%s:%zu: unknown rule kind "
		    "(expected sha256:, subject:, upn: or email:)", name,
		    lineno);
		return SCL_ERR_CONFIG;
	}
	if (*val == '\0') {
		scl_err_detail(errbuf, errlen, "%s:%zu: empty value", name,
		    lineno);
		return SCL_ERR_CONFIG;
	}
	if (rule->kind == SCL_MAPFILE_SHA256 &&
	    parse_sha256(val, rule->sha256) != 0) {
		scl_err_detail(errbuf, errlen, "%s:%zu: sha256 needs 64 hex "
		    "digits", name, lineno);
		return SCL_ERR_CONFIG;
	}
	if ((rule->kind == SCL_MAPFILE_UPN || rule->kind == SCL_MAPFILE_EMAIL)
	    && strchr(val, '@') == NULL) {
		scl_err_detail(errbuf, errlen, "%s:%zu: expected an address "
		    "with '@'", name, lineno);
		return SCL_ERR_CONFIG;
	}
	rule->user = user;
	rule->value = val;
	rule->line = lineno;
	return 0;
}

int
scl_mapfile_parse_buffer(const char *name, const void *buf, size_t len,
    scl_mapfile_cb *cb, void *ctx, char *errbuf, size_t errlen)
{
	struct scl_cursor cur;
	char *line = NULL;
	size_t lineno = 0;
	int r = SCL_ERR_INTERNAL;

	if (buf == NULL && len > 0) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if (name == NULL)
		name = "(mapfile)";
	if (len > SCL_MAPFILE_MAX_SIZE) {
		scl_err_detail(errbuf, errlen, "%s: larger than %u bytes", name,
		    SCL_MAPFILE_MAX_SIZE);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if ((line = malloc(4097)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	scl_cur_init(&cur, buf, len);
	while (cur.len > 0) {
		const uint8_t *nl = memchr(cur.p, '\n', cur.len), *p;
		size_t llen = nl != NULL ? (size_t)(nl - cur.p) : cur.len;
		struct scl_mapfile_rule rule;
		char *s;
		size_t n;

		lineno++;
		if ((r = scl_cur_get_bytes(&cur, llen, &p)) != 0 ||
		    (nl != NULL && (r = scl_cur_skip(&cur, 1)) != 0))
			goto out;
		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		if (llen > 4096) {
			scl_err_detail(errbuf, errlen, "%s:%zu: line too long",
			    name, lineno);
			r = SCL_ERR_CONFIG;
			goto out;
		}
		for (size_t i = 0; i < llen; i++) {
			if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f) {
				scl_err_detail(errbuf, errlen, "%s:%zu: "
				    "control character in line", name, lineno);
				r = SCL_ERR_CONFIG;
				goto out;
			}
		}
		memcpy(line, p, llen);
		line[llen] = '\0';
		s = scl_admfile_trim(line, &n);
		if (n == 0 || s[0] == '#')
			continue;
		if ((r = parse_map_line(name, lineno, s, &rule, errbuf,
		    errlen)) != 0)
			goto out;
		if (cb != NULL && (r = cb(ctx, &rule)) != 0)
			goto out;
	}
	r = 0;
out:
	free(line);
	return r;
}

static int
mapfile_match(void *arg, const struct scl_mapfile_rule *rule)
{
	struct ctx *c = arg;
	const struct facts *f = c->f;
	int hit = 0;

	if ((c->kinds & (1u << rule->kind)) == 0)
		return 0;
	switch (rule->kind) {
	case SCL_MAPFILE_SHA256:
		hit = memcmp(rule->sha256, f->sha256, 32) == 0;
		break;
	case SCL_MAPFILE_SUBJECT:
		hit = f->subject != NULL && strcmp(rule->value, f->subject)
		    == 0;
		break;
	case SCL_MAPFILE_UPN:
		for (size_t i = 0; !hit && i < f->n_upn; i++)
			hit = strcasecmp(rule->value, f->upn[i]) == 0;
		break;
	case SCL_MAPFILE_EMAIL:
		for (size_t i = 0; !hit && i < f->n_email; i++)
			hit = strcasecmp(rule->value, f->email[i]) == 0;
		break;
	}
	if (!hit)
		return 0;
	return add_user(c, rule->user, strlen(rule->user), 0);
}

static int
map_mapfile(struct ctx *c, char *detail, size_t dlen)
{
	const struct scl_admfile_rules rules = { SCL_MAPFILE_MAX_SIZE, 1, 1,
		1 };
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = SCL_ERR_INTERNAL;

	if (c->cfg->mapfile == NULL) {
		r = 0;
		goto out;
	}
	if ((r = scl_admfile_read(c->cfg->mapfile, &rules, &buf, &len, detail,
	    dlen)) != 0 || buf == NULL)
		goto out;
	r = scl_mapfile_parse_buffer(c->cfg->mapfile, buf, len, mapfile_match,
	    c, detail, dlen);
out:
	free(buf);
	return r;
}

/* Owned by uid or root, not group/other writable. */
static int
safe_stat(int fd, uid_t uid, int want_dir, const char *what)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return SCL_ERR_SYSTEM;
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		scl_debug("authorized_certs: %s is not a %s", what,
		    want_dir ? "directory" : "regular file");
		return SCL_ERR_DENIED;
	}
	if (st.st_uid != uid && st.st_uid != 0) {
		scl_debug("authorized_certs: %s owned by uid %u", what,
		    (unsigned)st.st_uid);
		return SCL_ERR_DENIED;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		scl_debug("authorized_certs: %s is group or world writable",
		    what);
		return SCL_ERR_DENIED;
	}
	return 0;
}

/*
 * Open HOME/.config/sclogin/authorized_certs one component at a time
 * with O_NOFOLLOW, checking owner and mode of each (pam_u2f does the same
 * for its authfile; OpenSSH StrictModes).
 */
static int
open_authorized(const struct passwd *pw, int *ret_fd)
{
	static const char *const comp[] = { ".config", "sclogin",
	    "authorized_certs" };
	int dfd = -1, fd = -1, r = SCL_ERR_INTERNAL;

	if (pw->pw_dir == NULL || pw->pw_dir[0] != '/') {
		r = SCL_ERR_DENIED;
		goto out;
	}
	if ((dfd = open(pw->pw_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = SCL_ERR_NO_MAPPING;
		goto out;
	}
	if ((r = safe_stat(dfd, pw->pw_uid, 1, "home directory")) != 0)
		goto out;
	for (size_t i = 0; i < 3; i++) {
		int last = i == 2;
		int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
		    (last ? O_NONBLOCK : O_DIRECTORY);

		if ((fd = openat(dfd, comp[i], flags)) < 0) {
			if (errno == ELOOP || errno == ENOTDIR)
				scl_debug("authorized_certs: %s is a symbolic "
				    "link or not a directory", comp[i]);
			r = (errno == ENOENT) ? SCL_ERR_NO_MAPPING :
			    SCL_ERR_DENIED;
			goto out;
		}
		if ((r = safe_stat(fd, pw->pw_uid, !last, comp[i])) != 0)
			goto out;
		close(dfd);
		dfd = fd;
		fd = -1;
	}
	*ret_fd = dfd;
	dfd = -1;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return r;
}

static int
authorized_match(const uint8_t *buf, size_t len, const uint8_t sha[32])
{
	struct scl_cursor cur;
	const uint8_t *pem_start = NULL;
	size_t certs = 0;

	scl_cur_init(&cur, buf, len);
	while (cur.len > 0) {
		const uint8_t *nl = memchr(cur.p, '\n', cur.len), *p;
		size_t llen = nl != NULL ? (size_t)(nl - cur.p) : cur.len;
		char line[256];
		size_t n;

		if (scl_cur_get_bytes(&cur, llen, &p) != 0 ||
		    (nl != NULL && scl_cur_skip(&cur, 1) != 0))
			return 0;
		n = llen < sizeof(line) - 1 ? llen : sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		while (n > 0 && (line[n - 1] == '\r' || is_space(line[n - 1])))
			line[--n] = '\0';
		if (pem_start == NULL && strcmp(line,
		    "-----BEGIN CERTIFICATE-----") == 0) {
			pem_start = p;
			continue;
		}
		if (pem_start != NULL) {
			BIO *bio;
			X509 *x = NULL;
			uint8_t md[32];
			unsigned mdlen = 0;
			int hit;

			if (strcmp(line, "-----END CERTIFICATE-----") != 0)
				continue;
			if (++certs > 64)
				return 0;
			bio = BIO_new_mem_buf(pem_start,
			    (int)(p + llen - pem_start));
			if (bio != NULL)
				x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
			BIO_free(bio);
			hit = x != NULL && X509_digest(x, EVP_sha256(), md,
			    &mdlen) == 1 && mdlen == 32 &&
			    memcmp(md, sha, 32) == 0;
			X509_free(x);
			if (hit)
				return 1;
			pem_start = NULL;
			continue;
		}
		if (strncasecmp(line, "sha256:", 7) == 0) {
			uint8_t want[32];
			char *v = line + 7;

			while (is_space(*v))
				v++;
			if (parse_sha256(v, want) == 0 &&
			    memcmp(want, sha, 32) == 0)
				return 1;
		}
	}
	return 0;
}

static int
map_authorized(struct ctx *c)
{
	struct passwd pw, *res = NULL;
	char *pwbuf = NULL;
	uint8_t *buf = NULL;
	size_t blen = 16384, len = 0;
	uid_t old_uid = 0;
	gid_t old_gid = 0;
	int fd = -1, dropped = 0, r = SCL_ERR_INTERNAL;

	if (c->only_user == NULL) {
		r = 0;
		goto out;
	}
	if ((pwbuf = malloc(blen)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if (getpwnam_r(c->only_user, &pw, pwbuf, blen, &res) != 0 ||
	    res == NULL) {
		r = 0;
		goto out;
	}
	/*
	 * Read as the user (NFS root_squash, and so root never follows a
	 * path the user controls with root's rights); per-thread fsuid.
	 */
	if (geteuid() == 0 && pw.pw_uid != 0) {
		old_gid = (gid_t)setfsgid(pw.pw_gid);
		old_uid = (uid_t)setfsuid(pw.pw_uid);
		dropped = 1;
	}
	r = open_authorized(&pw, &fd);
	if (r == 0)
		r = scl_file_read_fd(fd, AUTH_MAX_SIZE, &buf, &len);
	if (r != 0) {
		if (r != SCL_ERR_NO_MAPPING)
			scl_debug("%s: authorized_certs of '%s' not used: %s",
			    __func__, c->only_user, scl_err_name(r));
		r = r == SCL_ERR_NOMEM ? r : 0;
		goto out;
	}
	if (authorized_match(buf, len, c->f->sha256))
		r = add_user(c, c->only_user, strlen(c->only_user), 0);
	else
		r = 0;
out:
	if (dropped) {
		setfsuid(old_uid);
		setfsgid(old_gid);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	free(pwbuf);
	return r;
}

/* The directory's user (policy/directory.h), then checked like the rest. */
static int
map_directory(struct ctx *c, X509 *cert, char *detail, size_t dlen)
{
	struct scl_directory_report rep;
	char user[SCL_DIR_USER_MAX];
	int r;

	r = scl_directory_map(c->cfg, cert, time(NULL),
	    scl_mono_ms() + c->cfg->directory_timeout_ms, &rep, user);
	if (r == 0 && rep.from_cache)
		c->out->offline_since = rep.cached_at;
	if (r == 0)
		r = add_user(c, user, strlen(user), 1);
	else if (r != SCL_ERR_NOMEM)
		scl_err_detail(detail, dlen, "directory: %s", rep.why);
	if (r == SCL_ERR_NO_MAPPING)
		r = 0;
	return r;
}

static int
run_method(struct ctx *c, enum scl_map_method m, X509 *cert, char *detail,
    size_t dlen)
{
	switch (m) {
	case SCL_MAP_UPN:
		return map_upn(c);
	case SCL_MAP_CN:
		return map_cn(c);
	case SCL_MAP_EMAIL:
		return map_email(c);
	case SCL_MAP_SUBJECT:
		c->kinds = 1u << SCL_MAPFILE_SUBJECT;
		return map_mapfile(c, detail, dlen);
	case SCL_MAP_FINGERPRINT:
		c->kinds = 1u << SCL_MAPFILE_SHA256;
		return map_mapfile(c, detail, dlen);
	case SCL_MAP_MAPFILE:
		c->kinds = 1u << SCL_MAPFILE_SUBJECT | 1u << SCL_MAPFILE_SHA256 |
		    1u << SCL_MAPFILE_UPN | 1u << SCL_MAPFILE_EMAIL;
		return map_mapfile(c, detail, dlen);
	case SCL_MAP_AUTHORIZED:
		return map_authorized(c);
	case SCL_MAP_DIRECTORY:
		return map_directory(c, cert, detail, dlen);
	}
	scl_err_detail(detail, dlen, "unknown mapping method %d", (int)m);
	return SCL_ERR_CONFIG;
}

static int
list_has(const struct scl_user_list *l, const char *u)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->users[i], u) == 0)
			return 1;
	return 0;
}

/* Why a certificate with these names maps to nobody, for the log. */
static void
explain_none(const struct scl_config *cfg, const struct facts *f,
    const struct ctx *c, const char *only_user, char *detail, size_t dlen)
{
	int has_upn = 0, has_cn = 0;

	for (size_t i = 0; i < cfg->n_mapping && i < 8; i++) {
		has_upn |= cfg->mapping[i] == SCL_MAP_UPN;
		has_cn |= cfg->mapping[i] == SCL_MAP_CN;
	}
	scl_err_detail(detail, dlen, "no mapping for subject '%s'%s%s%s%s%s",
	    f->subject, only_user != NULL ? " to " : "",
	    only_user != NULL ? only_user : "",
	    c->skipped[0] != '\0' ? "; " : "", c->skipped,
	    (f->n_upn > 0 && !has_upn) || (f->n_cn > 0 && !has_cn) ?
	    "; its UPN and CN are unused: the default mapping is now "
	    "mapfile, authorized" : "");
}

/*
 * Each method in the configured order.  The first that names users
 * decides; a later one that names a user the first did not is a
 * conflict (SCL_ERR_MAP_CONFLICT), never a merge.  Every method runs, so
 * a conflict is found whichever user signs in.  With only_user, the
 * result is that user alone if the deciding method named them.
 */
static int
run_methods(const struct scl_config *cfg, X509 *cert, const char *only_user,
    char *detail, size_t dlen, struct scl_user_list *ret_list)
{
	struct scl_user_list l, m;
	struct facts f;
	struct ctx c;
	enum scl_map_method by = SCL_MAP_MAPFILE;
	int have_facts = 0, r = SCL_ERR_INTERNAL;

	memset(&l, 0, sizeof(l));
	memset(&m, 0, sizeof(m));
	if (cfg == NULL || cert == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = collect_facts(cert, &f)) != 0) {
		scl_err_detail(detail, dlen, "cannot read the certificate "
		    "names");
		goto out;
	}
	have_facts = 1;
	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.f = &f;
	c.only_user = only_user;
	c.out = &m;
	for (size_t i = 0; i < cfg->n_mapping && i < 8; i++) {
		if ((r = run_method(&c, cfg->mapping[i], cert, detail,
		    dlen)) != 0) {
			if (r == SCL_ERR_CONFIG && cfg->mapping[i] ==
			    SCL_MAP_UPN)
				scl_err_detail(detail, dlen, "mapping = upn "
				    "needs upn_domain");
			goto out;
		}
		for (size_t j = 0; l.n > 0 && j < m.n; j++) {
			if (!list_has(&l, m.users[j])) {
				scl_err_detail(detail, dlen, "%s maps the "
				    "certificate to '%s' but %s maps it to "
				    "'%s': one certificate, one account; fix "
				    "the mapping", scl_map_method_name(by),
				    l.users[0], scl_map_method_name(
				    cfg->mapping[i]), m.users[j]);
				r = SCL_ERR_MAP_CONFLICT;
				goto out;
			}
		}
		if (l.n == 0 && m.n > 0) {
			l = m;
			by = cfg->mapping[i];
			memset(&m, 0, sizeof(m));
		} else if (m.offline_since != 0) {
			l.offline_since = m.offline_since;
		}
		scl_user_list_clear(&m);
	}
	if (only_user != NULL && l.n > 0) {
		if (!list_has(&l, only_user)) {
			scl_err_detail(detail, dlen, "%s maps the certificate "
			    "to '%s', not to '%s'", scl_map_method_name(by),
			    l.users[0], only_user);
			r = SCL_ERR_NO_MAPPING;
			goto out;
		}
		for (size_t i = 1; i < l.n; i++) {
			if (strcmp(l.users[i], only_user) == 0) {
				char *t = l.users[0];

				l.users[0] = l.users[i];
				l.users[i] = t;
			}
		}
		for (size_t i = 1; i < l.n; i++) {
			free(l.users[i]);
			l.users[i] = NULL;
		}
		l.n = 1;
	}
	if (l.n == 0) {
		explain_none(cfg, &f, &c, only_user, detail, dlen);
		r = SCL_ERR_NO_MAPPING;
		goto out;
	}
	if (l.n > 1)
		scl_err_detail(detail, dlen, "%s maps to %zu users",
		    scl_map_method_name(by), l.n);
	else
		scl_err_detail(detail, dlen, "%s maps to '%s'",
		    scl_map_method_name(by), l.users[0]);
	*ret_list = l;
	memset(&l, 0, sizeof(l));
	r = 0;
out:
	scl_user_list_clear(&m);
	scl_user_list_clear(&l);
	if (have_facts)
		facts_clear(&f);
	return r;
}

int
scl_map_find_users_ex(const struct scl_config *cfg, X509 *cert,
    char *detail, size_t detail_len, struct scl_user_list *ret_list)
{
	if (ret_list == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	return run_methods(cfg, cert, NULL, detail, detail_len, ret_list);
}

int
scl_map_find_users(const struct scl_config *cfg, X509 *cert,
    struct scl_user_list *ret_list)
{
	return scl_map_find_users_ex(cfg, cert, NULL, 0, ret_list);
}

int
scl_map_check_user_ex(const struct scl_config *cfg, X509 *cert,
    const char *user, char *detail, size_t detail_len)
{
	struct scl_user_list l;
	int r;

	if (user == NULL || *user == '\0')
		return SCL_ERR_INVALID_ARGUMENT;
	memset(&l, 0, sizeof(l));
	r = run_methods(cfg, cert, user, detail, detail_len, &l);
	scl_user_list_clear(&l);
	return r;
}

int
scl_map_check_user_list(const struct scl_config *cfg, X509 *cert,
    const char *user, char *detail, size_t detail_len,
    struct scl_user_list *ret_list)
{
	if (user == NULL || *user == '\0' || ret_list == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	return run_methods(cfg, cert, user, detail, detail_len, ret_list);
}

int
scl_map_check_user(const struct scl_config *cfg, X509 *cert,
    const char *user)
{
	return scl_map_check_user_ex(cfg, cert, user, NULL, 0);
}
