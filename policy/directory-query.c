/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "directory-query.h"
#include "err.h"
#include "hex.h"

#define FILTER_MAX (64u * 1024u)
#define NAME_MAX_LEN 256

struct sbuf {
	char *p;
	size_t len, cap;
	int err;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->err != 0)
		return;
	if (b->len + n + 1 > FILTER_MAX) {
		b->err = SCL_ERR_TOO_LARGE;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t nc = b->cap == 0 ? 1024 : b->cap;
		char *np;

		while (nc < b->len + n + 1)
			nc *= 2;
		if ((np = realloc(b->p, nc)) == NULL) {
			b->err = SCL_ERR_NOMEM;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static int
safe_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == ' ' || c == '.' || c == '@' ||
	    c == '_' || c == ':' || c == '<' || c == '>' || c == '=' ||
	    c == ',' || c == '{' || c == '}' || c == '"' || c == '-';
}

/* RFC 4515 section 3: the value of an assertion, every unsafe byte \XX. */
static void
sb_escaped(struct sbuf *b, const uint8_t *v, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n && b->err == 0; i++) {
		char e[3] = { '\\', hex[v[i] >> 4], hex[v[i] & 15] };

		if (safe_char(v[i]))
			sb_add(b, (const char *)&v[i], 1);
		else
			sb_add(b, e, 3);
	}
}

int
scl_dir_escape(const uint8_t *v, size_t n, char *out, size_t cap)
{
	struct sbuf b = { NULL, 0, 0, 0 };
	int r = SCL_ERR_INTERNAL;

	if ((v == NULL && n > 0) || out == NULL || cap == 0)
		return SCL_ERR_INVALID_ARGUMENT;
	out[0] = '\0';
	sb_add(&b, "", 0);
	sb_escaped(&b, v, n);
	if (b.err != 0) {
		r = b.err == SCL_ERR_NOMEM ? b.err : SCL_ERR_BUFFER_TOO_SMALL;
		goto out;
	}
	if (b.len + 1 > cap) {
		r = SCL_ERR_BUFFER_TOO_SMALL;
		goto out;
	}
	memcpy(out, b.p, b.len + 1);
	r = 0;
out:
	free(b.p);
	return r;
}

/* (attr=escaped value) */
static void
sb_term(struct sbuf *b, const char *attr, const void *v, size_t n)
{
	sb_str(b, "(");
	sb_str(b, attr);
	sb_str(b, "=");
	sb_escaped(b, v, n);
	sb_str(b, ")");
}

static int
name_string(const X509_NAME *name, unsigned long flags, char **ret)
{
	BIO *bio = NULL;
	char *mem = NULL, *s = NULL;
	long n;
	int r = SCL_ERR_INTERNAL;

	if ((bio = BIO_new(BIO_s_mem())) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if (X509_NAME_print_ex(bio, name, 0, flags) < 0) {
		r = SCL_ERR_BAD_DER;
		goto out;
	}
	n = BIO_get_mem_data(bio, &mem);
	if (n < 0 || (s = strndup(n > 0 ? mem : "", (size_t)n)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if (strlen(s) != (size_t)n) {
		r = SCL_ERR_BAD_DER;
		goto out;
	}
	*ret = s;
	s = NULL;
	r = 0;
out:
	free(s);
	BIO_free(bio);
	return r;
}

static int
hex_dup(const uint8_t *p, size_t n, int reverse, char **ret)
{
	static const char hex[] = "0123456789ABCDEF";
	char *s;

	if (n == 0 || n > 64)
		return SCL_ERR_BAD_DER;
	if ((s = malloc(2 * n + 1)) == NULL)
		return SCL_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[reverse ? n - 1 - i : i];

		s[2 * i] = hex[c >> 4];
		s[2 * i + 1] = hex[c & 15];
	}
	s[2 * n] = '\0';
	*ret = s;
	return 0;
}

static int
prefixed(const char *prefix, char *v, char **ret)
{
	size_t n = strlen(prefix) + strlen(v) + 1;
	char *s = malloc(n);

	if (s == NULL)
		return SCL_ERR_NOMEM;
	snprintf(s, n, "%s%s", prefix, v);
	*ret = s;
	return 0;
}

/* The three strong altSecurityIdentities values (KB5014754). */
static int
altsec_values(X509 *cert, struct scl_dir_query *q)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(cert);
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(cert);
	X509_PUBKEY *xpk = X509_get_X509_PUBKEY(cert);
	const unsigned char *pkp = NULL;
	uint8_t sha1[20], snb[64];
	char *iss = NULL, *hex = NULL, *v = NULL;
	BIGNUM *bn = NULL;
	int pklen = 0, n, r = SCL_ERR_INTERNAL;

	if ((r = name_string(X509_get_issuer_name(cert),
	    XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV, &iss)) != 0)
		goto out;
	if ((bn = ASN1_INTEGER_to_BN(sn, NULL)) == NULL ||
	    BN_is_negative(bn) || (n = BN_num_bytes(bn)) > (int)sizeof(snb)) {
		r = SCL_ERR_BAD_DER;
		goto out;
	}
	if (n == 0)
		snb[n++] = 0;
	else
		BN_bn2bin(bn, snb);
	if ((r = hex_dup(snb, (size_t)n, 1, &hex)) != 0)
		goto out;
	n = snprintf(NULL, 0, "X509:<I>%s<SR>%s", iss, hex);
	if (n < 0 || (v = malloc((size_t)n + 1)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	snprintf(v, (size_t)n + 1, "X509:<I>%s<SR>%s", iss, hex);
	q->altsec[q->n_altsec++] = v;
	v = NULL;
	free(hex);
	hex = NULL;
	if (ski != NULL) {
		if ((r = hex_dup(ASN1_STRING_get0_data(ski),
		    (size_t)ASN1_STRING_length(ski), 0, &hex)) != 0 ||
		    (r = prefixed("X509:<SKI>", hex, &v)) != 0)
			goto out;
		q->altsec[q->n_altsec++] = v;
		v = NULL;
		free(hex);
		hex = NULL;
	}
	if (xpk == NULL || X509_PUBKEY_get0_param(NULL, &pkp, &pklen, NULL,
	    xpk) != 1 || pkp == NULL || pklen <= 0) {
		r = SCL_ERR_BAD_DER;
		goto out;
	}
	if (EVP_Digest(pkp, (size_t)pklen, sha1, NULL, EVP_sha1(), NULL) != 1) {
		r = SCL_ERR_INTERNAL;
		goto out;
	}
	if ((r = hex_dup(sha1, sizeof(sha1), 0, &hex)) != 0 ||
	    (r = prefixed("X509:<SHA1-PUKEY>", hex, &v)) != 0)
		goto out;
	q->altsec[q->n_altsec++] = v;
	v = NULL;
	r = 0;
out:
	free(v);
	free(hex);
	free(iss);
	BN_free(bn);
	return r;
}

static int
upn_values(X509 *cert, struct scl_dir_query *q)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name,
	    NULL, NULL);
	int r = 0;

	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) &&
	    i < 64 && q->n_upn < SCL_DIR_UPN_MAX; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *a;
		const unsigned char *p;
		int len;

		if (g->type != GEN_OTHERNAME ||
		    OBJ_obj2nid(g->d.otherName->type_id) != NID_ms_upn ||
		    g->d.otherName->value->type != V_ASN1_UTF8STRING)
			continue;
		a = g->d.otherName->value->value.utf8string;
		p = ASN1_STRING_get0_data(a);
		len = ASN1_STRING_length(a);
		if (len <= 0 || len > NAME_MAX_LEN || memchr(p, '\0',
		    (size_t)len) != NULL)
			continue;
		if ((q->upn[q->n_upn] = strndup((const char *)p, (size_t)len))
		    == NULL) {
			r = SCL_ERR_NOMEM;
			break;
		}
		q->n_upn++;
	}
	GENERAL_NAMES_free(gens);
	return r;
}

/* The GSER certificateExactAssertion of RFC 4523 section 2.1. */
static int
issuer_serial_assertion(X509 *cert, char **ret)
{
	BIGNUM *bn = NULL;
	char *dec = NULL, *iss = NULL;
	struct sbuf b = { NULL, 0, 0, 0 };
	int r = SCL_ERR_INTERNAL;

	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL))
	    == NULL || (dec = BN_bn2dec(bn)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if ((r = name_string(X509_get_issuer_name(cert), XN_FLAG_RFC2253,
	    &iss)) != 0)
		goto out;
	sb_str(&b, "{ serialNumber ");
	sb_str(&b, dec);
	sb_str(&b, ", issuer rdnSequence:\"");
	for (const char *s = iss; *s != '\0'; s++)
		sb_add(&b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
	sb_str(&b, "\" }");
	if ((r = b.err) != 0)
		goto out;
	*ret = b.p;
	b.p = NULL;
	r = 0;
out:
	free(b.p);
	free(iss);
	OPENSSL_free(dec);
	BN_free(bn);
	return r;
}

void
scl_dir_query_clear(struct scl_dir_query *q)
{
	if (q == NULL)
		return;
	free(q->filter);
	free(q->der);
	for (size_t i = 0; i < q->n_altsec; i++)
		free(q->altsec[i]);
	for (size_t i = 0; i < q->n_upn; i++)
		free(q->upn[i]);
	memset(q, 0, sizeof(*q));
}

int
scl_dir_query_build(const struct scl_config *cfg, X509 *cert,
    struct scl_dir_query *ret_q)
{
	struct scl_dir_query q;
	struct sbuf b = { NULL, 0, 0, 0 };
	unsigned char *der = NULL;
	char *gser = NULL;
	size_t terms = 0;
	int len, r = SCL_ERR_INTERNAL;

	memset(&q, 0, sizeof(q));
	if (cfg == NULL || cert == NULL || ret_q == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((len = i2d_X509(cert, &der)) <= 0) {
		r = SCL_ERR_BAD_DER;
		goto out;
	}
	if ((q.der = malloc((size_t)len)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	memcpy(q.der, der, (size_t)len);
	q.der_len = (size_t)len;
	if ((cfg->directory_match & SCL_DIR_MATCH_ALTSECID) != 0 &&
	    (r = altsec_values(cert, &q)) != 0)
		goto out;
	if ((cfg->directory_match & SCL_DIR_MATCH_UPN) != 0 &&
	    (r = upn_values(cert, &q)) != 0)
		goto out;

	sb_str(&b, "(&");
	if (cfg->directory_filter != NULL)
		sb_str(&b, cfg->directory_filter);
	sb_str(&b, "(|");
	if ((cfg->directory_match & SCL_DIR_MATCH_CERTIFICATE) != 0) {
		const char *a = cfg->directory_certificate_attribute;

		if (a == NULL) {
			r = SCL_ERR_CONFIG;
			goto out;
		}
		if (cfg->directory_certificate_assertion ==
		    SCL_DIR_CERT_ISSUER_SERIAL) {
			if ((r = issuer_serial_assertion(cert, &gser)) != 0)
				goto out;
			sb_term(&b, a, gser, strlen(gser));
		} else {
			sb_term(&b, a, q.der, q.der_len);
		}
		q.match |= SCL_DIR_MATCH_CERTIFICATE;
		terms++;
	}
	for (size_t i = 0; i < q.n_altsec; i++) {
		if (cfg->directory_altsecid_attribute == NULL) {
			r = SCL_ERR_CONFIG;
			goto out;
		}
		sb_term(&b, cfg->directory_altsecid_attribute, q.altsec[i],
		    strlen(q.altsec[i]));
		q.match |= SCL_DIR_MATCH_ALTSECID;
		terms++;
	}
	for (size_t i = 0; i < q.n_upn; i++) {
		if (cfg->directory_upn_attribute == NULL) {
			r = SCL_ERR_CONFIG;
			goto out;
		}
		sb_term(&b, cfg->directory_upn_attribute, q.upn[i],
		    strlen(q.upn[i]));
		q.match |= SCL_DIR_MATCH_UPN;
		terms++;
	}
	sb_str(&b, "))");
	if ((r = b.err) != 0)
		goto out;
	if (terms == 0) {
		r = SCL_ERR_NO_MAPPING;
		goto out;
	}
	q.filter = b.p;
	b.p = NULL;
	*ret_q = q;
	memset(&q, 0, sizeof(q));
	r = 0;
out:
	free(gser);
	free(b.p);
	OPENSSL_free(der);
	scl_dir_query_clear(&q);
	return r;
}

static int
same_ci(const char *a, size_t alen, const char *b)
{
	return alen == strlen(b) && strncasecmp(a, b, alen) == 0;
}

int
scl_dir_entry_holds(const struct scl_dir_query *q,
    const struct scl_dir_values *v, const char **ret_how)
{
	if (q == NULL || v == NULL)
		return 0;
	if ((q->match & SCL_DIR_MATCH_CERTIFICATE) != 0)
		for (size_t i = 0; i < v->n_certs; i++)
			if (v->cert_lens[i] == q->der_len && memcmp(v->certs[i],
			    q->der, q->der_len) == 0) {
				*ret_how = "certificate";
				return 1;
			}
	if ((q->match & SCL_DIR_MATCH_ALTSECID) != 0)
		for (size_t i = 0; i < v->n_altsec; i++)
			for (size_t j = 0; j < q->n_altsec; j++)
				if (same_ci(v->altsec[i], v->altsec_lens[i],
				    q->altsec[j])) {
					*ret_how = "altsecid";
					return 1;
				}
	if ((q->match & SCL_DIR_MATCH_UPN) != 0)
		for (size_t i = 0; i < v->n_upn; i++)
			for (size_t j = 0; j < q->n_upn; j++)
				if (same_ci(v->upn[i], v->upn_lens[i],
				    q->upn[j])) {
					*ret_how = "upn";
					return 1;
				}
	return 0;
}

int
scl_dir_valid_user(const char *s, size_t n)
{
	if (s == NULL || n == 0 || n > NAME_MAX_LEN || s[0] == '-' ||
	    s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':' ||
		    c == ',' || c == '\\')
			return 0;
	}
	return 1;
}

int
scl_dir_user_name(const char *const *vals, const size_t *lens, size_t n,
    char *ret, size_t cap, const char **why)
{
	const char *s;
	size_t len;

	if (n == 0) {
		*why = "the entry has no user name attribute";
		return SCL_ERR_NO_MAPPING;
	}
	if (n > 1) {
		*why = "the entry has several user names";
		return SCL_ERR_NO_MAPPING;
	}
	s = vals[0];
	len = lens[0];
	if (!scl_dir_valid_user(s, len) || len + 1 > cap) {
		*why = "the entry's user name is not a valid user name";
		return SCL_ERR_NO_MAPPING;
	}
	memcpy(ret, s, len);
	ret[len] = '\0';
	return 0;
}
