/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/http.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certcheck.h"
#include "deadline.h"
#include "err.h"
#include "file.h"
#include "log.h"

#define CRL_FILES_MAX 256
#define CRL_FILE_MAX_SIZE (8u * 1024u * 1024u)
#define CRLS_PER_FILE_MAX 16
#define HTTP_RESP_MAX (8u * 1024u * 1024u)
#define OCSP_RESP_MAX (256u * 1024u)
#define URLS_MAX 4
#define OCSP_SKEW_S 300
#define OCSP_MAX_AGE_S 86400	/* when the response has no nextUpdate */
#define CHAIN_DEPTH_MAX 8

enum rev { REV_UNKNOWN = 0, REV_GOOD, REV_REVOKED };

struct chk {
	const struct scl_config *cfg;
	X509 *leaf;
	STACK_OF(X509) *chain;		/* leaf first, trust anchor last */
	X509 *cert;			/* the pair checked for revocation */
	X509 *issuer;
	int depth;			/* of cert in chain */
	int crl_cause;			/* why CRLs did not settle it: 0,
					 * SCL_ERR_CRL_STALE or _INCOMPLETE */
	int weak_allowed;		/* a weak key let through */
	X509_STORE *store;
	time_t now;
	long long deadline;		/* CLOCK_MONOTONIC ms */
	unsigned flags;
	char *detail;
	size_t dlen;
	char rev_detail[256];		/* why the revocation status is what
					 * it is */
};

static int
remaining_ms(long long deadline)
{
	long long d = deadline - (long long)scl_mono_ms();

	if (d <= 0)
		return 0;
	return d > INT_MAX ? INT_MAX : (int)d;
}

static void
fmt_time(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "(invalid time)");
}

static void
fmt_name(const X509_NAME *n, char *buf, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p = NULL;
	long l;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (bio == NULL)
		return;
	if (X509_NAME_print_ex(bio, n, 0, XN_FLAG_RFC2253) >= 0 &&
	    (l = BIO_get_mem_data(bio, &p)) > 0)
		snprintf(buf, len, "%.*s", (int)(l > INT_MAX ? INT_MAX : l),
		    p);
	BIO_free(bio);
}

/* ---- trust store and chain ---- */

static int
load_store(const struct scl_config *cfg, time_t now, X509_STORE **ret,
    char *detail, size_t dlen)
{
	X509_STORE *st = NULL;
	int loaded = 0, r = SCL_ERR_INTERNAL;

	if ((st = X509_STORE_new()) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if (cfg->ca_file != NULL) {
		if (X509_STORE_load_file(st, cfg->ca_file) == 1)
			loaded = 1;
		else {
			scl_err_detail(detail, dlen, "cannot read ca_file '%s'",
			    cfg->ca_file);
			r = SCL_ERR_CERT_UNTRUSTED;
			goto out;
		}
	}
	if (cfg->ca_dir != NULL) {
		struct stat sb;

		if (stat(cfg->ca_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			scl_err_detail(detail, dlen, "cannot read ca_dir '%s'",
			    cfg->ca_dir);
			r = SCL_ERR_CERT_UNTRUSTED;
			goto out;
		}
		if (X509_STORE_load_path(st, cfg->ca_dir) == 1)
			loaded = 1;
	}
	ERR_clear_error();
	if (!loaded) {
		scl_err_detail(detail, dlen, "no trust anchors configured "
		    "(ca_file, ca_dir)");
		r = SCL_ERR_CERT_UNTRUSTED;
		goto out;
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(st), now);
	X509_VERIFY_PARAM_set_depth(X509_STORE_get0_param(st),
	    CHAIN_DEPTH_MAX);
	*ret = st;
	st = NULL;
	r = 0;
out:
	X509_STORE_free(st);
	return r;
}

static int
check_validity(X509 *cert, time_t now, char *detail, size_t dlen)
{
	char t[40];
	time_t tnow = now;

	if (X509_cmp_time(X509_get0_notBefore(cert), &tnow) >= 0) {
		fmt_time(X509_get0_notBefore(cert), t, sizeof(t));
		scl_err_detail(detail, dlen, "notBefore %s", t);
		return SCL_ERR_CERT_NOT_YET_VALID;
	}
	if (X509_cmp_time(X509_get0_notAfter(cert), &tnow) <= 0) {
		fmt_time(X509_get0_notAfter(cert), t, sizeof(t));
		scl_err_detail(detail, dlen, "notAfter %s", t);
		return SCL_ERR_CERT_EXPIRED;
	}
	return 0;
}

static int
verify_chain(struct chk *c)
{
	X509_STORE_CTX *ctx = NULL;
	char name[256], t[40];
	int err, depth, r = SCL_ERR_INTERNAL;

	if ((ctx = X509_STORE_CTX_new()) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if (X509_STORE_CTX_init(ctx, c->store, c->leaf, NULL) != 1) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), c->now);
	if (X509_verify_cert(ctx) == 1) {
		if ((c->chain = X509_STORE_CTX_get1_chain(ctx)) == NULL) {
			r = SCL_ERR_NOMEM;
			goto out;
		}
		r = 0;
		goto out;
	}
	err = X509_STORE_CTX_get_error(ctx);
	depth = X509_STORE_CTX_get_error_depth(ctx);
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID: {
		X509 *bad = X509_STORE_CTX_get_current_cert(ctx);

		fmt_name(bad != NULL ? X509_get_subject_name(bad) : NULL,
		    name, sizeof(name));
		fmt_time(bad == NULL ? NULL : err == X509_V_ERR_CERT_HAS_EXPIRED
		    ? X509_get0_notAfter(bad) : X509_get0_notBefore(bad), t,
		    sizeof(t));
		scl_err_detail(c->detail, c->dlen, "issuer '%s' at depth %d: "
		    "%s %s", name, depth, err == X509_V_ERR_CERT_HAS_EXPIRED ?
		    "notAfter" : "notBefore", t);
		r = err == X509_V_ERR_CERT_HAS_EXPIRED ? SCL_ERR_CERT_EXPIRED :
		    SCL_ERR_CERT_NOT_YET_VALID;
		break;
	}
	default:
		fmt_name(X509_get_issuer_name(c->leaf), name, sizeof(name));
		scl_err_detail(c->detail, c->dlen, "%s (depth %d, issuer '%s')",
		    X509_verify_cert_error_string(err), depth, name);
		r = SCL_ERR_CERT_UNTRUSTED;
		break;
	}
out:
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return r;
}

static int
eku_accepts(const struct scl_config *cfg, const EXTENDED_KEY_USAGE *eku)
{
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));

		if ((nid == NID_ms_smartcard_login && cfg->eku_smartcard_logon)
		    || (nid == NID_client_auth && cfg->eku_client_auth) ||
		    (nid == NID_anyExtendedKeyUsage && cfg->eku_allow_none))
			return 1;
	}
	return 0;
}

/* RFC 5280 §4.2.1.3 and §4.2.1.12; MS smart card logon EKU (D6). */
static int
check_usage(struct chk *c)
{
	const struct scl_config *cfg = c->cfg;
	EXTENDED_KEY_USAGE *eku = NULL;
	uint32_t ku;
	int crit = 0, r = SCL_ERR_INTERNAL;

	ku = X509_get_key_usage(c->leaf);
	if (ku != UINT32_MAX && (ku & KU_DIGITAL_SIGNATURE) == 0) {
		scl_err_detail(c->detail, c->dlen, "keyUsage lacks "
		    "digitalSignature");
		r = SCL_ERR_CERT_KEY_USAGE;
		goto out;
	}
	eku = X509_get_ext_d2i(c->leaf, NID_ext_key_usage, &crit, NULL);
	if (eku == NULL) {
		if (crit == -1 && cfg->eku_allow_none) {
			r = 0;
			goto out;
		}
		scl_err_detail(c->detail, c->dlen, crit == -1 ? "no "
		    "extendedKeyUsage (eku_allow_none = no)" :
		    "malformed extendedKeyUsage");
		r = SCL_ERR_CERT_EKU;
		goto out;
	}
	if (!eku_accepts(cfg, eku)) {
		scl_err_detail(c->detail, c->dlen, "extendedKeyUsage has no "
		    "accepted purpose (%s%s%s)", cfg->eku_smartcard_logon ?
		    "smart card logon" : "", cfg->eku_smartcard_logon &&
		    cfg->eku_client_auth ? ", " : "", cfg->eku_client_auth ?
		    "clientAuth" : "");
		r = SCL_ERR_CERT_EKU;
		goto out;
	}
	r = 0;
out:
	EXTENDED_KEY_USAGE_free(eku);
	return r;
}

/* ---- key strength, CA and purpose (sslclient semantics) ---- */

/* 1 and what in buf when pk is weaker than RSA 2048 / P-256 (128 bits). */
static int
key_weak(EVP_PKEY *pk, char *buf, size_t len)
{
	char group[64] = "";
	size_t glen = 0;
	int bits = EVP_PKEY_get_bits(pk);

	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
	case EVP_PKEY_DSA:
		snprintf(buf, len, "%s %d-bit key", EVP_PKEY_get0_type_name(pk),
		    bits);
		return bits < 2048;
	case EVP_PKEY_EC:
		(void)EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen);
		snprintf(buf, len, "EC key on %s (%d bits)", group[0] != '\0' ?
		    group : "an unnamed curve", bits);
		return bits < 256;
	default:
		snprintf(buf, len, "%s key (%d-bit security)",
		    EVP_PKEY_get0_type_name(pk) != NULL ?
		    EVP_PKEY_get0_type_name(pk) : "unknown",
		    EVP_PKEY_get_security_bits(pk));
		return EVP_PKEY_get_security_bits(pk) < 128;
	}
}

static void
at_depth(struct chk *c, X509 *x, int depth, const char *what)
{
	char name[256];

	if (depth == 0) {
		scl_err_detail(c->detail, c->dlen, "%s", what);
		return;
	}
	fmt_name(X509_get_subject_name(x), name, sizeof(name));
	scl_err_detail(c->detail, c->dlen, "issuer '%s' at depth %d: %s", name,
	    depth, what);
}

/* Every key of the chain, anchor included: a weak CA key forges leaves. */
static int
check_keys(struct chk *c)
{
	char what[128], msg[192];

	for (int i = 0; i < sk_X509_num(c->chain); i++) {
		X509 *x = sk_X509_value(c->chain, i);
		EVP_PKEY *pk = X509_get0_pubkey(x);

		if (pk == NULL) {
			at_depth(c, x, i, "unreadable public key");
			return SCL_ERR_CERT_KEY_UNSUPPORTED;
		}
		if (!key_weak(pk, what, sizeof(what)))
			continue;
		if (c->cfg->allow_weak_keys) {
			c->weak_allowed = 1;
			continue;
		}
		snprintf(msg, sizeof(msg), "%s, below RSA 2048 / P-256 "
		    "(allow_weak_keys = no)", what);
		at_depth(c, x, i, msg);
		ERR_clear_error();
		return SCL_ERR_CERT_WEAK_KEY;
	}
	ERR_clear_error();
	return 0;
}

/* nsCertType (Netscape) bit: 0 SSL client, 5 SSL CA; 1 when absent. */
static int
ns_allows(X509 *x, int bit)
{
	ASN1_BIT_STRING *ns;
	int crit = 0, ok;

	ns = X509_get_ext_d2i(x, NID_netscape_cert_type, &crit, NULL);
	if (ns == NULL)
		return crit == -1;
	ok = ASN1_BIT_STRING_get_bit(ns, bit);
	ASN1_BIT_STRING_free(ns);
	return ok;
}

/*
 * OpenSSL's sslclient purpose (X509_PURPOSE_SSL_CLIENT) with our EKU rule
 * in place of its clientAuth-only one: the leaf is no CA (basicConstraints
 * CA:TRUE, keyCertSign, a v1 root, nsCertType CA bits) and its nsCertType,
 * when present, allows SSL client; every CA above it passes
 * X509_check_ca, its nsCertType allows SSL CA and its EKU, when present,
 * allows an accepted purpose.
 */
static int
check_purpose(struct chk *c)
{
	uint32_t ku = X509_get_key_usage(c->leaf);
	int ca = X509_check_ca(c->leaf);

	if (ca != 0 || (ku != UINT32_MAX && (ku & KU_KEY_CERT_SIGN))) {
		const char *why = ca == 1 ? "basicConstraints CA:TRUE" :
		    ku != UINT32_MAX && (ku & KU_KEY_CERT_SIGN) ?
		    "keyUsage keyCertSign" : ca == 3 ? "self-signed v1" :
		    "nsCertType CA";

		scl_err_detail(c->detail, c->dlen, "the certificate is a CA "
		    "(%s), not an end-entity certificate", why);
		ERR_clear_error();
		return SCL_ERR_CERT_IS_CA;
	}
	if (!ns_allows(c->leaf, 0)) {
		scl_err_detail(c->detail, c->dlen, "nsCertType does not allow "
		    "SSL client use");
		ERR_clear_error();
		return SCL_ERR_CERT_PURPOSE;
	}
	for (int i = 1; i < sk_X509_num(c->chain); i++) {
		X509 *x = sk_X509_value(c->chain, i);
		EXTENDED_KEY_USAGE *eku;
		int crit = 0, ok = 1;

		if (X509_check_ca(x) == 0 || !ns_allows(x, 5)) {
			at_depth(c, x, i, "not a CA for client certificates "
			    "(basicConstraints, keyUsage or nsCertType)");
			ERR_clear_error();
			return SCL_ERR_CERT_PURPOSE;
		}
		eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
		if (eku != NULL || crit != -1) {
			ok = eku != NULL && (eku_accepts(c->cfg, eku) ||
			    sk_ASN1_OBJECT_num(eku) == 0);
			for (int k = 0; eku != NULL &&
			    k < sk_ASN1_OBJECT_num(eku); k++)
				if (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, k))
				    == NID_anyExtendedKeyUsage)
					ok = 1;
		}
		EXTENDED_KEY_USAGE_free(eku);
		if (!ok) {
			at_depth(c, x, i, "extendedKeyUsage of the CA has no "
			    "accepted purpose");
			ERR_clear_error();
			return SCL_ERR_CERT_PURPOSE;
		}
	}
	ERR_clear_error();
	return 0;
}

/* ---- CRL ---- */

/* PEM (one or more CRLs) or a single DER CRL that fills the buffer. */
static void
parse_crls(const uint8_t *buf, size_t len, STACK_OF(X509_CRL) *out)
{
	if (len > INT_MAX)
		return;
	if (len >= 10 && memcmp(buf, "-----BEGIN", 10) == 0) {
		BIO *bio = BIO_new_mem_buf(buf, (int)len);
		X509_CRL *crl;

		for (int i = 0; bio != NULL && i < CRLS_PER_FILE_MAX; i++) {
			if ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL,
			    NULL)) == NULL)
				break;
			if (!sk_X509_CRL_push(out, crl))
				X509_CRL_free(crl);
		}
		BIO_free(bio);
	} else {
		const unsigned char *p = buf;
		X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);

		if (crl != NULL && p == buf + len) {
			if (!sk_X509_CRL_push(out, crl))
				X509_CRL_free(crl);
		} else
			X509_CRL_free(crl);
	}
	ERR_clear_error();
}

static void
load_crl_dir(const char *dir, STACK_OF(X509_CRL) *out)
{
	DIR *d = NULL;
	struct dirent *de;
	int dfd, n = 0;

	if (dir == NULL || (d = opendir(dir)) == NULL)
		return;
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL && n < CRL_FILES_MAX) {
		struct stat st;
		uint8_t *buf = NULL;
		size_t len = 0;
		int fd;

		if (de->d_name[0] == '.' ||
		    strncmp(de->d_name, "ocsp-", 5) == 0)
			continue;
		n++;
		fd = openat(dfd, de->d_name, O_RDONLY | O_CLOEXEC |
		    O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    scl_file_read_fd(fd, CRL_FILE_MAX_SIZE, &buf, &len) == 0)
			parse_crls(buf, len, out);
		free(buf);
		close(fd);
	}
	closedir(d);
}

static const char *
reason_name(int reason)
{
	switch (reason) {
	case 0: return "unspecified";
	case 1: return "keyCompromise";
	case 2: return "cACompromise";
	case 3: return "affiliationChanged";
	case 4: return "superseded";
	case 5: return "cessationOfOperation";
	case 6: return "certificateHold";
	case 8: return "removeFromCRL";
	case 9: return "privilegeWithdrawn";
	case 10: return "aACompromise";
	default: return "no reason";
	}
}

/* What one CRL is worth for c->cert (RFC 5280 §6.3.3). */
enum crl_kind {
	CRL_NOT_OURS = 0,	/* other issuer, bad signature: ignored */
	CRL_COMPLETE,		/* full, direct, in scope: settles it */
	CRL_PARTIAL,		/* issuer's, but never complete for c->cert:
				 * its entries still revoke */
	CRL_REFUSED,		/* indirect or unknown critical extension:
				 * nothing in it is used */
};

static int
crl_ext_known(int nid)
{
	return nid == NID_issuing_distribution_point || nid == NID_delta_crl ||
	    nid == NID_crl_number || nid == NID_authority_key_identifier ||
	    nid == NID_issuer_alt_name || nid == NID_freshest_crl;
}

/* 1 when one of the IDP's full names is a full name of a CDP of x. */
static int
idp_matches_cdp(const DIST_POINT_NAME *idpn, X509 *x)
{
	STACK_OF(DIST_POINT) *dps;
	int match = 0;

	if (idpn->type != 0)
		return 0;
	dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	for (int i = 0; dps != NULL && i < sk_DIST_POINT_num(dps) && !match;
	    i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

		/* a DP limited to some reasons or naming a cRLIssuer */
		if (dp->distpoint == NULL || dp->distpoint->type != 0 ||
		    dp->reasons != NULL || dp->CRLissuer != NULL)
			continue;
		for (int j = 0; j < sk_GENERAL_NAME_num(idpn->name.fullname) &&
		    !match; j++)
			for (int k = 0; k < sk_GENERAL_NAME_num(
			    dp->distpoint->name.fullname) && !match; k++)
				match = GENERAL_NAME_cmp(sk_GENERAL_NAME_value(
				    idpn->name.fullname, j),
				    sk_GENERAL_NAME_value(
				    dp->distpoint->name.fullname, k)) == 0;
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return match;
}

/*
 * Classify crl for c->cert; why (when not complete) says what it is.
 * Honoured: a full CRL without IDP; an IDP whose distributionPoint names
 * a CDP of the certificate, onlyContainsUserCerts for an end entity,
 * onlyContainsCACerts for a CA.  Partial: delta CRLs, onlySomeReasons,
 * onlyContainsAttributeCerts, a scope the certificate is not in.
 * Refused: indirectCRL, certificateIssuer entries, unknown critical
 * (entry) extensions (RFC 5280 §5.2, §5.3).
 */
static enum crl_kind
crl_classify(struct chk *c, X509_CRL *crl, const char **why)
{
	ISSUING_DIST_POINT *idp = NULL;
	ASN1_INTEGER *delta = NULL;
	EVP_PKEY *pk = X509_get0_pubkey(c->issuer);
	STACK_OF(X509_REVOKED) *revs;
	uint32_t ku = X509_get_key_usage(c->issuer);
	int crit = 0, is_ca = X509_check_ca(c->cert) != 0;
	enum crl_kind k = CRL_NOT_OURS;

	*why = NULL;
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(c->issuer)) != 0 || pk == NULL ||
	    X509_CRL_verify(crl, pk) != 1 ||
	    (ku != UINT32_MAX && (ku & KU_CRL_SIGN) == 0))
		goto out;
	k = CRL_REFUSED;
	for (int i = 0; i < X509_CRL_get_ext_count(crl); i++) {
		X509_EXTENSION *e = X509_CRL_get_ext(crl, i);

		if (X509_EXTENSION_get_critical(e) &&
		    !crl_ext_known(OBJ_obj2nid(X509_EXTENSION_get_object(e)))) {
			*why = "has an unknown critical extension";
			goto out;
		}
	}
	revs = X509_CRL_get_REVOKED(crl);
	for (int i = 0; i < sk_X509_REVOKED_num(revs); i++) {
		const STACK_OF(X509_EXTENSION) *exts =
		    X509_REVOKED_get0_extensions(sk_X509_REVOKED_value(revs, i));

		for (int j = 0; j < sk_X509_EXTENSION_num(exts); j++) {
			X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, j);
			int nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));

			if (nid == NID_certificate_issuer) {
				*why = "is an indirect CRL (certificateIssuer)";
				goto out;
			}
			if (X509_EXTENSION_get_critical(e) &&
			    nid != NID_crl_reason && nid != NID_invalidity_date &&
			    nid != NID_hold_instruction_code) {
				*why = "has an unknown critical entry extension";
				goto out;
			}
		}
	}
	idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit,
	    NULL);
	if (idp == NULL && crit != -1) {
		*why = "has a malformed issuingDistributionPoint";
		goto out;
	}
	if (idp != NULL && idp->indirectCRL > 0) {
		*why = "is an indirect CRL";
		goto out;
	}
	k = CRL_PARTIAL;
	delta = X509_CRL_get_ext_d2i(crl, NID_delta_crl, &crit, NULL);
	if (delta != NULL || crit != -1) {
		*why = "is a delta CRL";
		goto out;
	}
	if (idp != NULL) {
		if (idp->onlysomereasons != NULL)
			*why = "is partitioned by reason (onlySomeReasons)";
		else if (idp->onlyattr > 0)
			*why = "covers attribute certificates only";
		else if (idp->onlyuser > 0 && is_ca)
			*why = "covers end-entity certificates only "
			    "(onlyContainsUserCerts)";
		else if (idp->onlyCA > 0 && !is_ca)
			*why = "covers CA certificates only "
			    "(onlyContainsCACerts)";
		else if (idp->distpoint != NULL &&
		    !idp_matches_cdp(idp->distpoint, c->cert))
			*why = "has a distribution point that is not the "
			    "certificate's CDP";
		if (*why != NULL)
			goto out;
	}
	k = CRL_COMPLETE;
out:
	ASN1_INTEGER_free(delta);
	ISSUING_DIST_POINT_free(idp);
	ERR_clear_error();
	return k;
}

/* thisUpdate <= now <= nextUpdate + crl_grace; no nextUpdate is stale. */
static int
crl_current(const struct chk *c, X509_CRL *crl)
{
	const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
	time_t tnow = c->now, late = c->now - (time_t)c->cfg->crl_grace_s;

	if (X509_cmp_time(X509_CRL_get0_lastUpdate(crl), &tnow) > 0)
		return 0;
	return next != NULL && X509_cmp_time(next, &late) >= 0;
}

/*
 * Revoked by any usable CRL of the issuer (complete or partial; a
 * removeFromCRL entry of a delta revokes nothing); good only by a current
 * complete one.  Otherwise c->crl_cause says why: STALE when a complete
 * CRL was there but too old, INCOMPLETE when only partial or refused ones.
 */
static enum rev
crl_lookup(struct chk *c, STACK_OF(X509_CRL) *crls, int *ret_current)
{
	const char *why = NULL;
	int current = 0, stale = 0;

	for (int i = 0; i < sk_X509_CRL_num(crls); i++) {
		X509_CRL *crl = sk_X509_CRL_value(crls, i);
		X509_REVOKED *rev = NULL;
		const char *w = NULL;
		enum crl_kind k = crl_classify(c, crl, &w);

		if (k == CRL_NOT_OURS)
			continue;
		if (k != CRL_COMPLETE && why == NULL)
			why = w;
		if (k == CRL_REFUSED)
			continue;
		if (X509_CRL_get0_by_cert(crl, &rev, c->cert) == 1) {
			ASN1_ENUMERATED *re;
			char t[40];
			long reason = -1;

			re = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL,
			    NULL);
			if (re != NULL)
				reason = ASN1_ENUMERATED_get(re);
			ASN1_ENUMERATED_free(re);
			if (reason == 8)
				continue;
			fmt_time(X509_REVOKED_get0_revocationDate(rev), t,
			    sizeof(t));
			scl_err_detail(c->rev_detail, sizeof(c->rev_detail),
			    "revoked %s (%s), per CRL", t,
			    reason_name((int)reason));
			ERR_clear_error();
			return REV_REVOKED;
		}
		if (k != CRL_COMPLETE)
			continue;
		if (crl_current(c, crl))
			current = 1;
		else if (!stale) {
			char t[40];

			stale = 1;
			fmt_time(X509_CRL_get0_nextUpdate(crl), t, sizeof(t));
			scl_err_detail(c->rev_detail, sizeof(c->rev_detail),
			    "the issuer's CRL is stale: nextUpdate %s, "
			    "crl_grace %u s", X509_CRL_get0_nextUpdate(crl) ?
			    t : "(none)", c->cfg->crl_grace_s);
		}
	}
	ERR_clear_error();
	*ret_current = current;
	if (current) {
		c->crl_cause = 0;
		return REV_GOOD;
	}
	if (stale)
		c->crl_cause = SCL_ERR_CRL_STALE;
	else if (why != NULL && c->crl_cause != SCL_ERR_CRL_STALE) {
		c->crl_cause = SCL_ERR_CRL_INCOMPLETE;
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "no "
		    "complete CRL from the issuer: the one found %s", why);
	}
	return REV_UNKNOWN;
}

/* ---- HTTP with a hard deadline ---- */

/* Resolver request; freed by us unless the resolver thread still owns it. */
struct gai_req {
	struct gaicb cb;
	struct addrinfo hints;
	char host[256];
	char port[16];
};

static int
resolve(const char *host, const char *port, long long deadline,
    struct addrinfo **ret)
{
	struct addrinfo hints;
	struct gai_req *a = NULL;
	struct gaicb *req;
	int e, r = SCL_ERR_INTERNAL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((e = getaddrinfo(host, port, &hints, ret)) == 0) {
		r = 0;
		goto out;
	}
	if (e != EAI_NONAME) {
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	/* A name: resolve asynchronously so that the deadline holds. */
	if (strlen(host) >= sizeof(a->host) ||
	    strlen(port) >= sizeof(a->port)) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	memcpy(a->host, host, strlen(host) + 1);
	memcpy(a->port, port, strlen(port) + 1);
	a->hints.ai_socktype = SOCK_STREAM;
	a->hints.ai_flags = AI_NUMERICSERV;
	a->cb.ar_name = a->host;
	a->cb.ar_service = a->port;
	a->cb.ar_request = &a->hints;
	req = &a->cb;
	if (getaddrinfo_a(GAI_NOWAIT, &req, 1, NULL) != 0) {
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	while ((e = gai_error(req)) == EAI_INPROGRESS) {
		const struct gaicb *const list[1] = { req };
		struct timespec ts;
		int ms = remaining_ms(deadline);

		if (ms == 0) {
			if (gai_cancel(req) != EAI_ALLDONE &&
			    gai_error(req) == EAI_INPROGRESS) {
				/*
				 * XXX: the resolver thread still owns the
				 * request: leak it (a few hundred bytes)
				 * rather than free it under the thread.
				 */
				a = NULL;
			}
			e = EAI_CANCELED;
			break;
		}
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		(void)gai_suspend(list, 1, &ts);
	}
	if (e == EAI_CANCELED) {
		r = SCL_ERR_TIMEOUT;
		goto out;
	}
	if (e != 0) {
		r = SCL_ERR_SYSTEM;
		goto out;
	}
	*ret = req->ar_result;
	req->ar_result = NULL;
	r = 0;
out:
	if (a != NULL && a->cb.ar_result != NULL)
		freeaddrinfo(a->cb.ar_result);
	free(a);
	return r;
}

static int
connect_deadline(const char *host, const char *port, long long deadline,
    int *ret_fd)
{
	struct addrinfo *ai = NULL, *p;
	int fd = -1, r;

	if ((r = resolve(host, port, deadline, &ai)) != 0)
		return r;
	r = SCL_ERR_SYSTEM;
	for (p = ai; p != NULL; p = p->ai_next) {
		struct pollfd pfd;
		socklen_t sl = sizeof(int);
		int soerr = 0, ms;

		fd = socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, p->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, p->ai_addr, p->ai_addrlen) == 0)
			break;
		if (errno != EINPROGRESS)
			goto next;
		if ((ms = remaining_ms(deadline)) == 0) {
			r = SCL_ERR_TIMEOUT;
			goto next;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, ms) <= 0) {
			r = SCL_ERR_TIMEOUT;
			goto next;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
		    soerr == 0)
			break;
next:
		close(fd);
		fd = -1;
		if (r == SCL_ERR_TIMEOUT)
			break;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return r;
	*ret_fd = fd;
	return 0;
}

/*
 * One HTTP/1.0 exchange (POST of req when it != NULL, else GET) whose
 * ASN.1 body is decoded as ret_it.  Every wait is a poll() bounded by
 * deadline.
 */
static int
http_asn1(const char *url, const ASN1_ITEM *req_it, const ASN1_VALUE *req,
    const char *req_ct, const ASN1_ITEM *ret_it, size_t max_resp,
    long long deadline, ASN1_VALUE **ret)
{
	OSSL_HTTP_REQ_CTX *rctx = NULL;
	BIO *bio = NULL, *mem;
	ASN1_VALUE *v = NULL;
	char *host = NULL, *port = NULL, *path = NULL;
	int ssl = 0, fd = -1, r = SCL_ERR_INTERNAL;

	if (OSSL_HTTP_parse_url(url, &ssl, NULL, &host, &port, NULL, &path,
	    NULL, NULL) != 1 || ssl) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = connect_deadline(host, port, deadline, &fd)) != 0)
		goto out;
	if ((bio = BIO_new_socket(fd, BIO_NOCLOSE)) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	BIO_set_nbio(bio, 1);
	if ((rctx = OSSL_HTTP_REQ_CTX_new(bio, bio, 8192)) == NULL ||
	    !OSSL_HTTP_REQ_CTX_set_request_line(rctx, req != NULL, NULL, NULL,
	    path) ||
	    !OSSL_HTTP_REQ_CTX_add1_header(rctx, "Host", host) ||
	    !OSSL_HTTP_REQ_CTX_set_expected(rctx, NULL, 1, 0, 0) ||
	    (req != NULL && !OSSL_HTTP_REQ_CTX_set1_req(rctx, req_ct, req_it,
	    req))) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	OSSL_HTTP_REQ_CTX_set_max_response_length(rctx, max_resp);
	for (;;) {
		struct pollfd pfd;
		int rv = OSSL_HTTP_REQ_CTX_nbio(rctx), ms;

		if (rv == 1)
			break;
		if (rv == 0) {
			r = SCL_ERR_TRANSMIT;
			goto out;
		}
		if ((ms = remaining_ms(deadline)) == 0) {
			r = SCL_ERR_TIMEOUT;
			goto out;
		}
		pfd.fd = fd;
		pfd.events = BIO_should_write(bio) ? POLLOUT : POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, ms) == 0) {
			r = SCL_ERR_TIMEOUT;
			goto out;
		}
	}
	if ((mem = OSSL_HTTP_REQ_CTX_get0_mem_bio(rctx)) == NULL ||
	    (v = ASN1_item_d2i_bio(ret_it, mem, NULL)) == NULL) {
		r = SCL_ERR_BAD_DER;
		goto out;
	}
	*ret = v;
	r = 0;
out:
	ERR_clear_error();
	OSSL_HTTP_REQ_CTX_free(rctx);
	BIO_free(bio);
	if (fd >= 0)
		close(fd);
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	return r;
}

/* http:// URLs of the CRL distribution points (RFC 5280 §4.2.1.13). */
static size_t
cdp_urls(X509 *cert, char *urls[URLS_MAX])
{
	STACK_OF(DIST_POINT) *dps;
	size_t n = 0;

	dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
	for (int i = 0; dps != NULL && i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		for (int j = 0; j < sk_GENERAL_NAME_num(
		    dp->distpoint->name.fullname) && n < URLS_MAX; j++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(
			    dp->distpoint->name.fullname, j);
			const ASN1_IA5STRING *uri;
			const unsigned char *u;
			int ul;

			if (g->type != GEN_URI)
				continue;
			uri = g->d.uniformResourceIdentifier;
			u = ASN1_STRING_get0_data(uri);
			ul = ASN1_STRING_length(uri);
			if (ul < 8 || ul > 2048 || strncasecmp((const char *)u,
			    "http://", 7) != 0 || memchr(u, '\0', (size_t)ul))
				continue;
			if ((urls[n] = strndup((const char *)u, (size_t)ul))
			    != NULL)
				n++;
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return n;
}

/* name: 32 hex digits of SHA-256(key) + suffix; ".tmp" names are skipped. */
static void
cache_name(const void *key, size_t keylen, const char *prefix,
    const char *suffix, char *name, size_t len)
{
	unsigned char md[32];
	unsigned mdlen = 0;
	size_t o;

	name[0] = '\0';
	if (EVP_Digest(key, keylen, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return;
	o = (size_t)snprintf(name, len, "%s", prefix);
	for (size_t i = 0; i < 16 && o + 3 <= len; i++, o += 2)
		snprintf(name + o, 3, "%02x", md[i]);
	snprintf(name + o, len - o, "%s", suffix);
}

/* Atomic write (temp file, fsync, rename) of der into dir/name. */
static void
cache_write(const char *dir, const char *name, const unsigned char *der,
    int len)
{
	char tmp[128];
	int dfd = -1, fd = -1;

	if (dir == NULL || name[0] == '\0' || len <= 0)
		goto out;
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto out;
	(void)unlinkat(dfd, tmp, 0);
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) < 0)
		goto out;
	if (write(fd, der, (size_t)len) != len || fsync(fd) != 0) {
		(void)unlinkat(dfd, tmp, 0);
		goto out;
	}
	if (renameat(dfd, tmp, dfd, name) != 0)
		(void)unlinkat(dfd, tmp, 0);
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
}

static void
cache_crl(const char *dir, const char *url, X509_CRL *crl)
{
	unsigned char *der = NULL;
	char name[80];
	int len;

	if (dir == NULL || (len = i2d_X509_CRL(crl, &der)) <= 0)
		return;
	cache_name(url, strlen(url), "", ".crl", name, sizeof(name));
	cache_write(dir, name, der, len);
	OPENSSL_free(der);
}

static enum rev
check_crl(struct chk *c)
{
	STACK_OF(X509_CRL) *crls = NULL;
	char *urls[URLS_MAX] = { NULL };
	size_t nurls = 0;
	int current = 0, cause;
	enum rev res = REV_UNKNOWN;

	if ((crls = sk_X509_CRL_new_null()) == NULL) {
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "out of "
		    "memory");
		goto out;
	}
	c->crl_cause = 0;
	load_crl_dir(c->cfg->crl_dir, crls);
	load_crl_dir(c->cfg->crl_cache_dir, crls);
	if ((res = crl_lookup(c, crls, &current)) != REV_UNKNOWN)
		goto out;
	if (c->crl_cause == 0)
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "no "
		    "current CRL from the issuer in crl_dir or crl_cache_dir");
	if (!c->cfg->crl_fetch || (c->flags & SCL_CERTCHECK_NO_NETWORK))
		goto out;
	nurls = cdp_urls(c->cert, urls);
	if (nurls == 0)
		goto out;
	for (size_t i = 0; i < nurls; i++) {
		ASN1_VALUE *v = NULL;
		STACK_OF(X509_CRL) *one;
		int rr;

		rr = http_asn1(urls[i], NULL, NULL, NULL,
		    ASN1_ITEM_rptr(X509_CRL), HTTP_RESP_MAX, c->deadline, &v);
		if (rr != 0) {
			scl_err_detail(c->rev_detail, sizeof(c->rev_detail),
			    "CRL download from %s failed: %s", urls[i],
			    scl_err_name(rr));
			if (rr == SCL_ERR_TIMEOUT)
				break;
			continue;
		}
		if ((one = sk_X509_CRL_new_null()) == NULL ||
		    !sk_X509_CRL_push(one, (X509_CRL *)v)) {
			X509_CRL_free((X509_CRL *)v);
			sk_X509_CRL_free(one);
			continue;
		}
		cause = c->crl_cause;
		c->crl_cause = 0;
		res = crl_lookup(c, one, &current);
		if (current || res == REV_REVOKED)
			cache_crl(c->cfg->crl_cache_dir, urls[i],
			    (X509_CRL *)v);
		sk_X509_CRL_pop_free(one, X509_CRL_free);
		if (res != REV_UNKNOWN)
			goto out;
		if (c->crl_cause == 0) {
			c->crl_cause = cause;
			scl_err_detail(c->rev_detail, sizeof(c->rev_detail),
			    "CRL from %s is not signed by the issuer", urls[i]);
		}
	}
out:
	for (size_t i = 0; i < nurls; i++)
		free(urls[i]);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	return res;
}

/* ---- OCSP (RFC 6960) ---- */

static char *
ocsp_url(struct chk *c)
{
	STACK_OF(OPENSSL_STRING) *aia;
	char *url = NULL;

	if (c->cfg->ocsp_url != NULL)
		return strdup(c->cfg->ocsp_url);
	aia = X509_get1_ocsp(c->cert);
	for (int i = 0; aia != NULL && i < sk_OPENSSL_STRING_num(aia); i++) {
		const char *u = sk_OPENSSL_STRING_value(aia, i);

		if (strncasecmp(u, "http://", 7) == 0 && strlen(u) < 2048) {
			url = strdup(u);
			break;
		}
	}
	X509_email_free(aia);
	return url;
}

/* thisUpdate/nextUpdate against the injected clock (§4.2.2.1). */
static int
ocsp_fresh(const ASN1_GENERALIZEDTIME *thisupd,
    const ASN1_GENERALIZEDTIME *nextupd, time_t now)
{
	time_t lo = now - OCSP_SKEW_S, hi = now + OCSP_SKEW_S;
	time_t oldest = now - OCSP_MAX_AGE_S;

	if (thisupd == NULL || X509_cmp_time(thisupd, &hi) > 0)
		return 0;
	if (nextupd != NULL)
		return X509_cmp_time(nextupd, &lo) >= 0;
	return X509_cmp_time(thisupd, &oldest) >= 0;
}

/*
 * Judge one OCSP response for c->cert.  req is the request it answers
 * (nonce checked), or NULL for a cached response.  src names the source
 * in messages.
 */
static enum rev
ocsp_judge(struct chk *c, OCSP_REQUEST *req, OCSP_RESPONSE *resp,
    OCSP_CERTID *id, const char *src)
{
	OCSP_BASICRESP *bs = NULL;
	STACK_OF(X509) *issuers = NULL;
	ASN1_GENERALIZEDTIME *revtime = NULL, *thisupd = NULL,
	    *nextupd = NULL;
	char t[40];
	int status = -1, reason = -1, rr;
	enum rev res = REV_UNKNOWN;

	if ((rr = OCSP_response_status(resp)) !=
	    OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "OCSP "
		    "responder %s: %s", src, OCSP_response_status_str(rr));
		goto out;
	}
	if ((bs = OCSP_response_get1_basic(resp)) == NULL) {
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "OCSP "
		    "response without basic response");
		goto out;
	}
	if (req != NULL && (rr = OCSP_check_nonce(req, bs)) != 1 &&
	    (rr == 0 || c->cfg->ocsp_require_nonce)) {
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "OCSP "
		    "%s", rr == 0 ? "nonce mismatch (replayed response?)" :
		    "response without our nonce (ocsp_require_nonce = yes)");
		goto out;
	}
	if ((issuers = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(issuers, c->issuer))
		goto out;
	X509_up_ref(c->issuer);
	if (OCSP_basic_verify(bs, issuers, c->store, 0) != 1) {
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "OCSP "
		    "response signature or signer not trusted (%s)", src);
		goto out;
	}
	if (OCSP_resp_find_status(bs, id, &status, &reason, &revtime,
	    &thisupd, &nextupd) != 1) {
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "OCSP "
		    "response does not cover the certificate");
		goto out;
	}
	if (!ocsp_fresh(thisupd, nextupd, c->now)) {
		fmt_time(thisupd, t, sizeof(t));
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "OCSP "
		    "response not fresh (thisUpdate %s, %s)", t, src);
		goto out;
	}
	switch (status) {
	case V_OCSP_CERTSTATUS_GOOD:
		res = REV_GOOD;
		break;
	case V_OCSP_CERTSTATUS_REVOKED:
		fmt_time(revtime, t, sizeof(t));
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "revoked "
		    "%s (%s), per OCSP %s", t, reason_name(reason), src);
		res = REV_REVOKED;
		break;
	default:
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "OCSP "
		    "responder does not know the certificate");
		break;
	}
out:
	ERR_clear_error();
	sk_X509_pop_free(issuers, X509_free);
	OCSP_BASICRESP_free(bs);
	return res;
}

/* A cached response (RFC 5019 §6: reuse until nextUpdate). */
static enum rev
ocsp_from_cache(struct chk *c, OCSP_CERTID *id, const char *name)
{
	OCSP_RESPONSE *resp = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	int dfd = -1, fd = -1;
	enum rev res = REV_UNKNOWN;

	if (c->cfg->crl_cache_dir == NULL || name[0] == '\0')
		goto out;
	if ((dfd = open(c->cfg->crl_cache_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		goto out;
	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NOCTTY | O_NONBLOCK)) < 0)
		goto out;
	if (scl_file_read_fd(fd, OCSP_RESP_MAX, &buf, &len) != 0 || len == 0 ||
	    len > INT_MAX)
		goto out;
	{
		const unsigned char *p = buf;

		resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
		if (resp == NULL || p != buf + len)
			goto out;
	}
	res = ocsp_judge(c, NULL, resp, id, "(cached)");
out:
	ERR_clear_error();
	OCSP_RESPONSE_free(resp);
	free(buf);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return res;
}

static enum rev
check_ocsp(struct chk *c)
{
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_CERTID *id = NULL, *reqid = NULL;
	unsigned char *der = NULL;
	char *url = NULL, name[80] = "";
	int len, rr;
	enum rev res = REV_UNKNOWN;

	if ((id = OCSP_cert_to_id(EVP_sha1(), c->cert, c->issuer)) == NULL) {
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "cannot "
		    "build the OCSP request");
		goto out;
	}
	if ((len = i2d_OCSP_CERTID(id, &der)) > 0)
		cache_name(der, (size_t)len, "ocsp-", ".der", name,
		    sizeof(name));
	if (!c->cfg->ocsp_require_nonce &&
	    (res = ocsp_from_cache(c, id, name)) != REV_UNKNOWN)
		goto out;
	if ((url = ocsp_url(c)) == NULL) {
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "no OCSP "
		    "responder (no ocsp_url, no AIA OCSP URL)");
		goto out;
	}
	if (c->flags & SCL_CERTCHECK_NO_NETWORK) {
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "OCSP not "
		    "queried (offline)");
		goto out;
	}
	if ((req = OCSP_REQUEST_new()) == NULL ||
	    (reqid = OCSP_CERTID_dup(id)) == NULL)
		goto out;
	if (OCSP_request_add0_id(req, reqid) == NULL) {
		OCSP_CERTID_free(reqid);
		goto out;
	}
	if (OCSP_request_add1_nonce(req, NULL, -1) != 1)
		goto out;
	rr = http_asn1(url, ASN1_ITEM_rptr(OCSP_REQUEST), (ASN1_VALUE *)req,
	    "application/ocsp-request", ASN1_ITEM_rptr(OCSP_RESPONSE),
	    OCSP_RESP_MAX, c->deadline, (ASN1_VALUE **)&resp);
	if (rr != 0) {
		scl_err_detail(c->rev_detail, sizeof(c->rev_detail), "OCSP "
		    "responder %s %s", url, rr == SCL_ERR_TIMEOUT ?
		    "did not answer within revocation_timeout_ms" :
		    rr == SCL_ERR_BAD_DER ? "sent a malformed response" :
		    rr == SCL_ERR_TRANSMIT ? "answered with an HTTP or "
		    "protocol error" : "unreachable");
		goto out;
	}
	res = ocsp_judge(c, req, resp, id, url);
	if (res != REV_UNKNOWN) {
		unsigned char *rder = NULL;
		int rlen = i2d_OCSP_RESPONSE(resp, &rder);

		cache_write(c->cfg->crl_cache_dir, name, rder, rlen);
		OPENSSL_free(rder);
	}
out:
	ERR_clear_error();
	OPENSSL_free(der);
	OCSP_CERTID_free(id);
	OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
	free(url);
	return res;
}

/*
 * Combine CRL and OCSP for c->cert: revoked by either is revoked; good
 * from either is known; otherwise a hard-fail source refuses (CRL_STALE or
 * CRL_INCOMPLETE when that is why the CRL did not settle it) and
 * soft-fail accepts with *ret_soft = 1.  what gets the explanation.
 */
static int
revocation_one(struct chk *c, char *what, size_t wlen, int *ret_soft)
{
	const struct scl_config *cfg = c->cfg;
	enum rev crl = REV_UNKNOWN, ocsp = REV_UNKNOWN;
	char crl_why[256] = "", ocsp_why[256] = "";
	int hard = 0;

	*ret_soft = 0;
	c->crl_cause = 0;
	if (cfg->crl != SCL_REVOCATION_OFF) {
		c->rev_detail[0] = '\0';
		crl = check_crl(c);
		snprintf(crl_why, sizeof(crl_why), "%s", c->rev_detail);
		if (crl == REV_REVOKED) {
			snprintf(what, wlen, "%s", crl_why);
			return SCL_ERR_CERT_REVOKED;
		}
		if (crl == REV_UNKNOWN && cfg->crl == SCL_REVOCATION_HARD_FAIL)
			hard = c->crl_cause != 0 ? c->crl_cause :
			    SCL_ERR_CERT_REVOCATION_UNKNOWN;
	}
	if (cfg->ocsp != SCL_REVOCATION_OFF) {
		c->rev_detail[0] = '\0';
		ocsp = check_ocsp(c);
		snprintf(ocsp_why, sizeof(ocsp_why), "%s", c->rev_detail);
		if (ocsp == REV_REVOKED) {
			snprintf(what, wlen, "%s", ocsp_why);
			return SCL_ERR_CERT_REVOKED;
		}
		if (ocsp == REV_UNKNOWN && hard == 0 &&
		    cfg->ocsp == SCL_REVOCATION_HARD_FAIL)
			hard = SCL_ERR_CERT_REVOCATION_UNKNOWN;
	}
	if (crl == REV_GOOD || ocsp == REV_GOOD) {
		snprintf(what, wlen, "%s", crl == REV_GOOD &&
		    ocsp == REV_GOOD ? "CRL and OCSP good" : crl == REV_GOOD ?
		    "CRL good" : "OCSP good");
		return 0;
	}
	snprintf(what, wlen, "%s%s%s%s", crl_why, crl_why[0] != '\0' &&
	    ocsp_why[0] != '\0' ? "; " : "", ocsp_why, hard ? ", hard-fail" :
	    ", soft-fail");
	if (hard)
		return hard;
	*ret_soft = 1;
	return 0;
}

/*
 * Every certificate of the chain but the trust anchor, leaf first, under
 * one deadline: the first refusal ends it.
 */
static int
check_revocation(struct chk *c, int *ret_soft)
{
	const struct scl_config *cfg = c->cfg;
	char what[512], first_soft[600] = "", leaf_good[64] = "";
	int n = sk_X509_num(c->chain), soft = 0, r;

	*ret_soft = 0;
	if ((cfg->crl == SCL_REVOCATION_OFF && cfg->ocsp == SCL_REVOCATION_OFF)
	    || (c->flags & SCL_CERTCHECK_NO_REVOCATION))
		return 0;
	if (n < 2) {
		scl_err_detail(c->detail, c->dlen, "self-signed trust anchor, "
		    "no revocation check");
		return 0;
	}
	c->deadline = (long long)scl_mono_ms() + cfg->revocation_timeout_ms;
	for (int i = 0; i + 1 < n; i++) {
		int s1 = 0;

		c->cert = sk_X509_value(c->chain, i);
		c->issuer = sk_X509_value(c->chain, i + 1);
		c->depth = i;
		what[0] = '\0';
		r = revocation_one(c, what, sizeof(what), &s1);
		if (r != 0) {
			at_depth(c, c->cert, i, what);
			return r;
		}
		if (s1 && !soft) {
			soft = 1;
			if (i == 0)
				snprintf(first_soft, sizeof(first_soft), "%s",
				    what);
			else {
				char name[256];

				fmt_name(X509_get_subject_name(c->cert), name,
				    sizeof(name));
				snprintf(first_soft, sizeof(first_soft),
				    "issuer '%s' at depth %d: %s", name, i,
				    what);
			}
		}
		if (i == 0 && !s1)
			snprintf(leaf_good, sizeof(leaf_good), "%s", what);
	}
	if (soft) {
		scl_err_detail(c->detail, c->dlen, "%s", first_soft);
		*ret_soft = 1;
		return 0;
	}
	scl_err_detail(c->detail, c->dlen, "valid; revocation: %s%s",
	    leaf_good, n > 2 ? " (issuing CAs too)" : "");
	return 0;
}

int
scl_certcheck_ex(const struct scl_config *cfg, X509 *cert, time_t now,
    unsigned flags, char *detail, size_t detail_len, int *ret_soft_failed)
{
	struct chk c;
	int soft = 0, r = SCL_ERR_INTERNAL;

	memset(&c, 0, sizeof(c));
	if (detail != NULL && detail_len > 0)
		detail[0] = '\0';
	if (cfg == NULL || cert == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	c.cfg = cfg;
	c.leaf = cert;
	c.cert = cert;
	c.now = now != 0 ? now : time(NULL);
	c.flags = flags;
	c.detail = detail;
	c.dlen = detail_len;
	if ((r = check_validity(cert, c.now, detail, detail_len)) != 0)
		goto out;
	if ((r = load_store(cfg, c.now, &c.store, detail, detail_len)) != 0)
		goto out;
	if ((r = verify_chain(&c)) != 0)
		goto out;
	if ((r = check_keys(&c)) != 0 || (r = check_purpose(&c)) != 0 ||
	    (r = check_usage(&c)) != 0)
		goto out;
	scl_err_detail(detail, detail_len, "valid");
	if ((r = check_revocation(&c, &soft)) != 0)
		goto out;
	if (c.weak_allowed && detail != NULL) {
		size_t o = strnlen(detail, detail_len);

		scl_err_detail(detail + o, detail_len - o, "; weak key "
		    "accepted (allow_weak_keys = yes)");
	}
	if (ret_soft_failed != NULL)
		*ret_soft_failed = soft;
	r = 0;
out:
	ERR_clear_error();
	sk_X509_pop_free(c.chain, X509_free);
	X509_STORE_free(c.store);
	scl_debug("%s: %s: %s", __func__, scl_err_name(r),
	    detail != NULL ? detail : "");
	return r;
}

int
scl_certcheck(const struct scl_config *cfg, X509 *cert, time_t now,
    char *detail, size_t detail_len, int *ret_soft_failed)
{
	return scl_certcheck_ex(cfg, cert, now, 0, detail, detail_len,
	    ret_soft_failed);
}
