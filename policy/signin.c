/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "backend.h"
#include "cert.h"
#include "certcache.h"
#include "certcheck.h"
#include "deadline.h"
#include "err.h"
#include "label.h"
#include "log.h"
#include "mapping.h"
#include "pinpolicy.h"
#include "piv.h"
#include "signin.h"

struct raw_cert {
	struct scl_backend_key key;
	X509 *x509;
	int cached;
};

/* What one token gave: its certificates, identity and PIN state. */
struct token_read {
	struct raw_cert raw[SCL_BACKEND_KEYS_MAX];
	size_t n_raw;
	char card_id[33];
	struct scl_token_state st;
	int tries;
	int verified;
};

const char *
scl_signin_step_name(enum scl_signin_step s)
{
	static const char *const names[SCL_STEP_N_] = {
		[SCL_STEP_SERVICE] = "SERVICE",
		[SCL_STEP_READER] = "READER",
		[SCL_STEP_CARD] = "CARD",
		[SCL_STEP_APPLET] = "APPLET",
		[SCL_STEP_CERT_READ] = "CERT_READ",
		[SCL_STEP_CERT_VALID] = "CERT_VALID",
		[SCL_STEP_REVOCATION] = "REVOCATION",
		[SCL_STEP_MAPPING] = "MAPPING",
		[SCL_STEP_POLICY] = "POLICY",
		[SCL_STEP_PIN_STATE] = "PIN_STATE",
	};

	if ((unsigned)s >= SCL_STEP_N_)
		return "UNKNOWN";
	return names[s];
}

const char *
scl_verdict_name(enum scl_verdict v)
{
	switch (v) {
	case SCL_VERDICT_OK:
		return "ok";
	case SCL_VERDICT_WARN:
		return "warn";
	case SCL_VERDICT_FAIL:
		return "fail";
	}
	return "unknown";
}

static void
track_reason(struct scl_signin_result *res, enum scl_signin_step step,
    int reason)
{
	if (reason == 0)
		return;
	if (res->reason == 0 || step > res->reason_step) {
		res->reason = reason;
		res->reason_step = step;
	}
}

static void __attribute__((format(printf, 8, 9)))
report(struct scl_signin_result *res, enum scl_signin_step step,
    enum scl_verdict verdict, int reason, const char *reader, uint8_t key_ref,
    const char *fix, const char *fmt, ...)
{
	struct scl_signin_entry *e;
	char buf[SCL_SIGNIN_DETAIL_MAX];
	va_list ap;

	if (verdict == SCL_VERDICT_FAIL)
		track_reason(res, step, reason);
	if (res->report.n >= SCL_SIGNIN_REPORT_MAX) {
		res->report.dropped++;
		return;
	}
	e = &res->report.e[res->report.n++];
	memset(e, 0, sizeof(*e));
	e->step = step;
	e->verdict = verdict;
	e->reason = reason;
	e->key_ref = key_ref;
	if (reader != NULL)
		scl_err_escape(e->reader, sizeof(e->reader), reader,
		    strlen(reader), 0);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	scl_err_escape(e->detail, sizeof(e->detail), buf, strlen(buf), 0);
	if (fix != NULL)
		scl_err_escape(e->fix, sizeof(e->fix), fix, strlen(fix), 0);
	scl_debug("signin: %s %s %s reader='%s' key=%02x: %s",
	    scl_signin_step_name(step), scl_verdict_name(verdict),
	    reason != 0 ? scl_err_name(reason) : "-", e->reader, key_ref,
	    e->detail);
}

/* The sha256 of the last report line, once the candidate is known. */
static void
report_tag_sha(struct scl_signin_result *res, const char sha[65])
{
	char *dst;

	if (res->report.n == 0)
		return;
	dst = res->report.e[res->report.n - 1].cert_sha256;
	memmove(dst, sha, 64);
	dst[64] = '\0';
}

static const char *
fix_for(int r)
{
	switch (r) {
	case SCL_ERR_NO_SERVICE:
		return "Start pcscd (systemctl start pcscd.socket).";
	case SCL_ERR_NO_READER:
		return "Connect a smart card reader, or check that its "
		    "driver is installed.";
	case SCL_ERR_NO_CARD:
		return "Insert a smart card.";
	case SCL_ERR_SHARING:
		return "Another program holds the card; close it or retry.";
	case SCL_ERR_NO_APPLET:
		return "The card is not a PIV card.";
	case SCL_ERR_NO_CERT:
	case SCL_ERR_NO_OBJECT:
		return "Enroll a sign-in certificate on the card "
		    "(sclogin enroll).";
	case SCL_ERR_BAD_DER:
	case SCL_ERR_TRAILING_DATA:
	case SCL_ERR_TOO_LARGE:
		return "The certificate on the card is damaged; re-enroll it.";
	case SCL_ERR_CERT_EXPIRED:
		return "Renew the certificate, or check the system clock.";
	case SCL_ERR_CERT_NOT_YET_VALID:
		return "Check the system clock, or wait until the "
		    "certificate becomes valid.";
	case SCL_ERR_CERT_UNTRUSTED:
		return "Add the issuing CA to ca_file or ca_dir in "
		    "sclogin.conf.";
	case SCL_ERR_CERT_REVOKED:
		return "The certificate was revoked; issue a new one.";
	case SCL_ERR_CERT_REVOCATION_UNKNOWN:
		return "Put the issuers' current CRLs in crl_dir, or make the "
		    "OCSP responder reachable (crl = soft-fail for a service "
		    "is the weaker choice).";
	case SCL_ERR_CRL_STALE:
		return "Refresh the CRL in crl_dir before its nextUpdate "
		    "(crl_grace gives a margin).";
	case SCL_ERR_CRL_INCOMPLETE:
		return "Put the issuer's complete (full, direct) CRL in "
		    "crl_dir; delta, partitioned and indirect CRLs are not "
		    "enough.";
	case SCL_ERR_CERT_WEAK_KEY:
		return "Issue a certificate with an RSA 2048 or ECC P-256/P-384 "
		    "key from CAs with such keys.";
	case SCL_ERR_CERT_IS_CA:
		return "Issue an end-entity certificate (CA:FALSE, no "
		    "keyCertSign) for signing in.";
	case SCL_ERR_CERT_PURPOSE:
		return "Issue a certificate (and CAs) meant for client "
		    "authentication.";
	case SCL_ERR_CERT_EKU:
		return "Issue a certificate with the Smart Card Logon or "
		    "Client Authentication EKU.";
	case SCL_ERR_CERT_KEY_USAGE:
		return "Issue a certificate whose key usage includes "
		    "digitalSignature.";
	case SCL_ERR_CERT_KEY_UNSUPPORTED:
		return "Use an RSA 2048 or ECC P-256/P-384 key.";
	case SCL_ERR_NO_MAPPING:
		return "Add a rule to the mapping file, or check the "
		    "certificate's UPN.";
	case SCL_ERR_DENIED:
		return "Card-only sign-in is off (allow_card_only); enter a "
		    "user name.";
	case SCL_ERR_PIN_BLOCKED:
		return "Unblock the PIN with the PUK (sclogin pin unblock).";
	case SCL_ERR_CONFIG:
		return "Fix the configuration file named in the detail.";
	case SCL_ERR_DEADLINE:
		return "Remove the card that does not answer (or replace the "
		    "reader); scan_timeout_ms and auth_timeout_ms bound the "
		    "wait.";
	default:
		return NULL;
	}
}

static void
cn_label(X509 *x, char *dst, size_t cap)
{
	X509_NAME *name = X509_get_subject_name(x);
	unsigned char *utf8 = NULL;
	int idx, n;

	dst[0] = '\0';
	if (name == NULL)
		return;
	idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (idx < 0)
		return;
	n = ASN1_STRING_to_UTF8(&utf8,
	    X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
	if (n > 0)
		snprintf(dst, cap, "%.*s", n, (const char *)utf8);
	OPENSSL_free(utf8);
}

static int
same_cert(X509 *a, X509 *b)
{
	return X509_cmp(a, b) == 0;
}

/* rr lost the card: report it as the step's failure and return rr. */
static int
lost(struct scl_signin_result *res, int rr, enum scl_signin_step step,
    const char *reader, uint8_t key_ref, const char *what)
{
	if (!scl_err_card_lost(rr))
		return 0;
	report(res, step, SCL_VERDICT_FAIL, rr, reader, key_ref, fix_for(rr),
	    "%s: %s", what, scl_strerror(rr));
	return rr;
}

/* Certificate cache (issue 14): the scan's side. */

static int
cache_applies(const struct scl_config *cfg, const struct scl_backend_ops *be,
    const char *card_id)
{
	return cfg->cert_cache != NULL && be->kind == SCL_BACKEND_PIV &&
	    scl_certcache_id_ok(card_id);
}

/*
 * The certificate DER of key: from the cache when it holds a DER that
 * parses (*ret_cached = 1), else read from the card.  An unsafe or
 * damaged entry is a WARN line and the card is read; a damaged one is
 * dropped.
 */
static int
read_cert_cached(struct scl_signin_result *res, const struct scl_config *cfg,
    const struct scl_backend_ops *be, struct scl_token *t, const char *reader,
    const char *card_id, const struct scl_backend_key *key,
    uint8_t **ret_der, size_t *ret_len, int *ret_cached)
{
	uint8_t *der = NULL;
	size_t len = 0;
	X509 *x = NULL;
	int r;

	*ret_cached = 0;
	if (!cache_applies(cfg, be, card_id))
		return be->read_cert(t, key, ret_der, ret_len);
	r = scl_certcache_load(cfg->cert_cache, card_id, key->key_ref, &der,
	    &len);
	if (r == 0 && scl_cert_parse_der(der, len, &x) != 0)
		r = SCL_ERR_CERT_CACHE_BAD;
	X509_free(x);
	if (r == 0) {
		*ret_der = der;
		*ret_len = len;
		*ret_cached = 1;
		return 0;
	}
	free(der);
	if (r == SCL_ERR_CERT_CACHE_BAD)
		(void)scl_certcache_drop(cfg->cert_cache, card_id,
		    key->key_ref);
	if (r == SCL_ERR_CERT_CACHE_BAD || r == SCL_ERR_CERT_CACHE_UNSAFE)
		report(res, SCL_STEP_CERT_READ, SCL_VERDICT_WARN, r, reader,
		    key->key_ref, r == SCL_ERR_CERT_CACHE_UNSAFE ?
		    "Make the cert_cache directory and its files owned by "
		    "root and not writable by others (0700 / 0600)." : NULL,
		    "certificate cache entry %s-%02x ignored: %s", card_id,
		    key->key_ref, scl_strerror(r));
	else if (r != SCL_ERR_NO_OBJECT)
		scl_debug("%s: certificate cache: %s", __func__,
		    scl_err_name(r));
	return be->read_cert(t, key, ret_der, ret_len);
}

/*
 * Read every configured certificate of the token name through be, within
 * one access (use_cache: from the certificate cache where it has them).
 * Fills tr (the caller frees tr->raw[].x509).
 */
static int
read_card(struct scl_signin_result *res, const struct scl_backend_ops *be,
    void *b, const struct scl_signin_opts *opts, const char *reader,
    int use_cache, struct token_read *tr)
{
	struct scl_token *t = NULL;
	struct scl_backend_key keys[SCL_BACKEND_KEYS_MAX];
	unsigned mask = opts->key_mask != 0 ? opts->key_mask :
	    opts->cfg->slots != 0 ? opts->cfg->slots : SCL_SIGNIN_KEY_9A;
	const char *what = "cannot connect";
	uint8_t *der = NULL;
	size_t der_len = 0, k, n_keys = 0;
	char kname[48];
	int r, rr;

	if ((r = be->connect(b, reader, &t, &what)) < 0) {
		report(res, SCL_STEP_CARD, SCL_VERDICT_FAIL, r, reader, 0,
		    fix_for(r), "%s: %s", what, scl_strerror(r));
		goto out;
	}
	report(res, SCL_STEP_CARD, SCL_VERDICT_OK, 0, reader, 0, NULL,
	    "card present");
	if ((r = be->select(t, &tr->st)) < 0) {
		report(res, SCL_STEP_APPLET, SCL_VERDICT_FAIL, r, reader, 0,
		    fix_for(r), "%s: %s", be->app_what, scl_strerror(r));
		goto out;
	}
	report(res, SCL_STEP_APPLET, SCL_VERDICT_OK, 0, reader, 0, NULL,
	    "%s", be->app_ok);

	rr = be->read_id(t, tr->card_id);
	if ((r = lost(res, rr, SCL_STEP_CERT_READ, reader, 0,
	    "reading the card id")) < 0)
		goto out;
	if (rr < 0) {
		tr->card_id[0] = '\0';
		if (rr != SCL_ERR_NO_OBJECT)
			report(res, SCL_STEP_CERT_READ, SCL_VERDICT_WARN, rr,
			    reader, 0, NULL, "CHUID unreadable: %s",
			    scl_strerror(rr));
	}

	rr = be->list_keys(t, mask, keys, SCL_BACKEND_KEYS_MAX, &n_keys);
	if ((r = lost(res, rr, SCL_STEP_CERT_READ, reader, 0,
	    "listing the keys")) < 0)
		goto out;
	if (rr < 0) {
		n_keys = 0;
		report(res, SCL_STEP_CERT_READ, SCL_VERDICT_WARN, rr, reader, 0,
		    fix_for(rr), "listing the keys: %s", scl_strerror(rr));
	}
	for (k = 0; k < n_keys && k < SCL_BACKEND_KEYS_MAX; k++) {
		const struct scl_backend_key *key = &keys[k];
		X509 *x = NULL;
		size_t j;
		int dup = 0, cached = 0;

		scl_backend_key_name(key, kname, sizeof(kname));
		rr = use_cache ? read_cert_cached(res, opts->cfg, be, t,
		    reader, tr->card_id, key, &der, &der_len, &cached) :
		    be->read_cert(t, key, &der, &der_len);
		if ((r = lost(res, rr, SCL_STEP_CERT_READ, reader,
		    key->key_ref, "reading the certificate")) < 0)
			goto out;
		if (rr < 0) {
			/* An empty slot other than 9A is normal. */
			int missing = rr == SCL_ERR_NO_OBJECT;

			report(res, SCL_STEP_CERT_READ,
			    missing && key->key_ref != SCL_PIV_KEY_AUTH ?
			    SCL_VERDICT_OK : SCL_VERDICT_WARN,
			    missing ? SCL_ERR_NO_CERT : rr, reader, key->key_ref,
			    fix_for(missing ? SCL_ERR_NO_CERT : rr),
			    "%s: %s", kname, missing ?
			    "no certificate" : scl_strerror(rr));
			continue;
		}
		rr = scl_cert_parse_der(der, der_len, &x);
		free(der);
		der = NULL;
		if (rr < 0) {
			report(res, SCL_STEP_CERT_READ, SCL_VERDICT_WARN, rr,
			    reader, key->key_ref, fix_for(rr),
			    "%s: certificate does not parse: %s",
			    kname, scl_strerror(rr));
			continue;
		}
		for (j = 0; j < tr->n_raw; j++)
			if (same_cert(tr->raw[j].x509, x))
				dup = 1;
		if (dup) {
			report(res, SCL_STEP_CERT_READ, SCL_VERDICT_WARN, 0,
			    reader, key->key_ref, NULL,
			    "%s holds a duplicate certificate, ignored",
			    kname);
			X509_free(x);
			continue;
		}
		tr->raw[tr->n_raw].key = *key;
		tr->raw[tr->n_raw].x509 = x;
		tr->raw[tr->n_raw].cached = cached;
		tr->n_raw++;
	}

	rr = be->tries_left(t, &tr->tries, &tr->verified);
	if ((r = lost(res, rr, SCL_STEP_PIN_STATE, reader, 0,
	    "reading the PIN state")) < 0)
		goto out;
	if (rr < 0) {
		tr->tries = -1;
		tr->verified = 0;
		report(res, SCL_STEP_PIN_STATE, SCL_VERDICT_WARN, rr, reader, 0,
		    NULL, "PIN state unknown: %s", scl_strerror(rr));
	}
	r = 0;
out:
	free(der);
	be->disconnect(&t, 0);
	return r;
}

/* CERT_VALID, REVOCATION, MAPPING, POLICY and PIN_STATE of one candidate. */
static int
judge(struct scl_signin_result *res, const struct scl_signin_opts *opts,
    const struct scl_config *cfg, time_t now, struct scl_signin_candidate *c,
    int verified)
{
	char detail[SCL_SIGNIN_DETAIL_MAX] = "";
	int soft = 0, r, card_only;
	size_t i;

	card_only = opts->user == NULL || opts->user[0] == '\0';

	r = scl_certcheck(cfg, c->x509, now, detail, sizeof(detail), &soft);
	if (r == SCL_ERR_CERT_REVOKED || r == SCL_ERR_CERT_REVOCATION_UNKNOWN ||
	    r == SCL_ERR_CRL_STALE || r == SCL_ERR_CRL_INCOMPLETE) {
		report(res, SCL_STEP_CERT_VALID, SCL_VERDICT_OK, 0, c->reader,
		    c->key_ref, NULL, "chain, validity and usage accepted");
		report_tag_sha(res, c->sha256_hex);
		c->fail_step = SCL_STEP_REVOCATION;
		goto fail;
	}
	if (r == SCL_ERR_NOMEM)
		return r;
	if (r < 0) {
		c->fail_step = SCL_STEP_CERT_VALID;
		goto fail;
	}
	report(res, SCL_STEP_CERT_VALID, SCL_VERDICT_OK, 0, c->reader,
	    c->key_ref, NULL, "chain, validity and usage accepted");
	report_tag_sha(res, c->sha256_hex);
	c->revocation_soft_failed = soft;
	if (soft)
		report(res, SCL_STEP_REVOCATION, SCL_VERDICT_WARN,
		    SCL_ERR_CERT_REVOCATION_UNKNOWN, c->reader, c->key_ref,
		    fix_for(SCL_ERR_CERT_REVOCATION_UNKNOWN), "%s",
		    detail[0] != '\0' ? detail :
		    "revocation unknown, accepted (soft-fail)");
	else
		report(res, SCL_STEP_REVOCATION, SCL_VERDICT_OK, 0, c->reader,
		    c->key_ref, NULL, "%s",
		    cfg->crl == SCL_REVOCATION_OFF &&
		    cfg->ocsp == SCL_REVOCATION_OFF ?
		    "revocation checking is off" : "not revoked");
	report_tag_sha(res, c->sha256_hex);

	{
		char why[SCL_SIGNIN_DETAIL_MAX] = "";

		if (card_only)
			r = scl_map_find_users_ex(cfg, c->x509, why,
			    sizeof(why), &c->users);
		else
			r = scl_map_check_user_list(cfg, c->x509, opts->user,
			    why, sizeof(why), &c->users);
		if (r < 0 && r != SCL_ERR_NOMEM)
			snprintf(detail, sizeof(detail), "%s: %s",
			    card_only ? "maps to no user" :
			    "does not map to the user", why[0] != '\0' ? why :
			    scl_strerror(r));
	}
	if (r == SCL_ERR_NOMEM)
		return r;
	if (r < 0) {
		c->fail_step = SCL_STEP_MAPPING;
		goto fail;
	}
	{
		char users[SCL_SIGNIN_DETAIL_MAX] = "";
		size_t o = 0;

		for (i = 0; i < c->users.n && o < sizeof(users); i++)
			o += (size_t)snprintf(users + o, sizeof(users) - o,
			    "%s%s", i > 0 ? "," : "", c->users.users[i]);
		report(res, SCL_STEP_MAPPING, c->users.n > 1 ?
		    SCL_VERDICT_WARN : SCL_VERDICT_OK, 0, c->reader,
		    c->key_ref, NULL, "maps to %s", users);
		report_tag_sha(res, c->sha256_hex);
	}

	if (card_only && !cfg->allow_card_only) {
		r = SCL_ERR_DENIED;
		snprintf(detail, sizeof(detail), "card-only sign-in is off");
		c->fail_step = SCL_STEP_POLICY;
		goto fail;
	}
	if (c->alg == 0) {
		r = SCL_ERR_CERT_KEY_UNSUPPORTED;
		snprintf(detail, sizeof(detail), "unsupported key algorithm");
		c->fail_step = SCL_STEP_POLICY;
		goto fail;
	}
	report(res, SCL_STEP_POLICY, SCL_VERDICT_OK, 0, c->reader, c->key_ref,
	    NULL, "allowed");
	report_tag_sha(res, c->sha256_hex);

	if (c->tries == 0) {
		r = SCL_ERR_PIN_BLOCKED;
		snprintf(detail, sizeof(detail), "PIN blocked");
		c->fail_step = SCL_STEP_PIN_STATE;
		goto fail;
	}
	if (c->tries < 0 && cfg->unknown_tries == SCL_UNKNOWN_TRIES_REFUSE) {
		r = SCL_ERR_PIN_TRIES_UNKNOWN;
		snprintf(detail, sizeof(detail), "the card does not report its "
		    "PIN tries left%s (unknown_tries = refuse)", verified ?
		    " (already verified by another session)" : "");
		c->fail_step = SCL_STEP_PIN_STATE;
		goto fail;
	}
	if (c->tries < 0)
		report(res, SCL_STEP_PIN_STATE, SCL_VERDICT_WARN, 0, c->reader,
		    c->key_ref, NULL, "tries left unknown%s: the user is told "
		    "before the PIN prompt (unknown_tries = warn)", verified ?
		    " (already verified by another session)" : "");
	else if (c->tries > 0 && (unsigned)c->tries <= cfg->low_tries_warn)
		report(res, SCL_STEP_PIN_STATE, SCL_VERDICT_WARN, 0, c->reader,
		    c->key_ref, NULL, "%d PIN tr%s left", c->tries,
		    c->tries == 1 ? "y" : "ies");
	else
		report(res, SCL_STEP_PIN_STATE, SCL_VERDICT_OK, 0, c->reader,
		    c->key_ref, NULL, "PIN usable");
	report_tag_sha(res, c->sha256_hex);
	c->status = 0;
	return 0;

fail:
	c->status = r;
	report(res, c->fail_step, SCL_VERDICT_FAIL, r, c->reader, c->key_ref,
	    fix_for(r), "%s", detail[0] != '\0' ? detail : scl_strerror(r));
	report_tag_sha(res, c->sha256_hex);
	return 0;
}

/* Whether another backend already offers x (or this token's reader). */
static int
offered_before(const struct scl_signin_result *res,
    const struct scl_backend_ops *be, const char *reader, X509 *x)
{
	size_t i;

	for (i = 0; i < res->n && i < SCL_SIGNIN_CANDIDATES_MAX; i++) {
		if (res->c[i].backend == be->kind)
			continue;
		if ((x != NULL && same_cert(res->c[i].x509, x)) ||
		    (x == NULL && strcmp(res->c[i].reader, reader) == 0))
			return 1;
	}
	return 0;
}

/*
 * cfg for judging one certificate before due: the revocation and
 * directory budgets cut to the time left, so no server holds the scan
 * past its deadline.  SCL_ERR_DEADLINE when none is left.
 */
static int
clip_budgets(const struct scl_config *cfg, uint64_t due,
    struct scl_config *ret)
{
	int rev = scl_deadline_clip(due, (int)cfg->revocation_timeout_ms);
	int dir = scl_deadline_clip(due, (int)cfg->directory_timeout_ms);

	*ret = *cfg;
	if (scl_deadline_passed(due))
		return SCL_ERR_DEADLINE;
	ret->revocation_timeout_ms = rev > 0 ? (unsigned)rev : 1u;
	ret->directory_timeout_ms = dir > 0 ? (unsigned)dir : 1u;
	return 0;
}

/* Candidates for every certificate of tr, each judged. */
static int
add_candidates(struct scl_signin_result *res,
    const struct scl_backend_ops *be, const struct scl_signin_opts *opts,
    const struct scl_config *cfg, time_t now, uint64_t due,
    const struct scl_token_info *ri, struct token_read *tr)
{
	struct scl_config *jc;
	size_t i;
	int r;

	if ((jc = malloc(sizeof(*jc))) == NULL)
		return SCL_ERR_NOMEM;
	for (i = 0; i < tr->n_raw; i++) {
		struct scl_signin_candidate *c;
		struct raw_cert *raw = &tr->raw[i];
		char kname[48], shown[SCL_SIGNIN_LABEL_MAX];
		uint8_t alg = 0;

		scl_backend_key_name(&raw->key, kname, sizeof(kname));
		if (offered_before(res, be, ri->name, raw->x509)) {
			report(res, SCL_STEP_CERT_READ, SCL_VERDICT_OK, 0,
			    ri->name, raw->key.key_ref, NULL, "%s: already "
			    "offered by another backend, skipped", kname);
			continue;
		}
		if (res->n >= SCL_SIGNIN_CANDIDATES_MAX) {
			report(res, SCL_STEP_CERT_READ, SCL_VERDICT_WARN,
			    SCL_ERR_LIMIT, ri->name, raw->key.key_ref, NULL,
			    "too many certificates, ignored");
			continue;
		}
		c = &res->c[res->n++];
		memset(c, 0, sizeof(*c));
		snprintf(c->reader, sizeof(c->reader), "%s", ri->name);
		snprintf(c->card_id, sizeof(c->card_id), "%s", tr->card_id);
		c->backend = be->kind;
		c->key = raw->key;
		c->key_ref = raw->key.key_ref;
		c->pin_pad = tr->st.pin_pad;
		c->x509 = raw->x509;
		c->cert_cached = raw->cached;
		raw->x509 = NULL;
		c->tries = tr->tries;
		c->status = SCL_ERR_INTERNAL;
		scl_cert_describe(c->x509, c->subject, sizeof(c->subject),
		    c->issuer, sizeof(c->issuer), c->serial_hex,
		    sizeof(c->serial_hex), c->sha256_hex);
		if (scl_cert_piv_alg(c->x509, &alg) == 0)
			c->alg = alg;
		if (tr->st.label[0] != '\0')
			snprintf(shown, sizeof(shown), "%s", tr->st.label);
		else
			cn_label(c->x509, shown, sizeof(shown));
		if (scl_label_display(c->label, sizeof(c->label), shown,
		    sizeof(shown)) == 0)
			scl_label_display(c->label, sizeof(c->label),
			    c->card_id[0] != '\0' ? c->card_id : c->reader,
			    SCL_READER_NAME_MAX);
		report(res, SCL_STEP_CERT_READ, SCL_VERDICT_OK, 0, c->reader,
		    c->key_ref, NULL, "%s: %s (serial %s)%s", kname,
		    c->subject, c->serial_hex, c->cert_cached ?
		    ", from the certificate cache" : "");
		report_tag_sha(res, c->sha256_hex);
		if (clip_budgets(cfg, due, jc) < 0) {
			c->status = SCL_ERR_DEADLINE;
			c->fail_step = SCL_STEP_CERT_VALID;
			report(res, c->fail_step, SCL_VERDICT_FAIL, c->status,
			    c->reader, c->key_ref, fix_for(c->status),
			    "not checked: the scan deadline (scan_timeout_ms = "
			    "%u) passed", cfg->scan_timeout_ms);
			report_tag_sha(res, c->sha256_hex);
			continue;
		}
		if ((r = judge(res, opts, jc, now, c, tr->verified)) < 0) {
			free(jc);
			return r;
		}
		if (c->status == 0)
			res->n_usable++;
	}
	free(jc);
	return 0;
}

static void
token_read_clear(struct token_read *tr)
{
	for (size_t i = 0; i < SCL_BACKEND_KEYS_MAX; i++)
		X509_free(tr->raw[i].x509);
	memset(tr, 0, sizeof(*tr));
	tr->tries = -1;
}

/*
 * Certificate cache: when a certificate of the cache failed a step of
 * judge() about the certificate (expired, revoked, no longer mapped: the
 * card may hold a newer one; not the PIN state), forget this card's candidates and cache entries so the caller
 * reads the card once more.  1 when it did.
 */
static int
cache_forget_failed(struct scl_signin_result *res, size_t first,
    const struct scl_signin_report *saved_report, int saved_reason,
    enum scl_signin_step saved_step, const struct scl_config *cfg)
{
	const struct scl_signin_candidate *bad = NULL;
	char reader[SCL_READER_NAME_MAX];
	uint8_t key_ref = 0;
	int why = 0;
	size_t i;

	for (i = first; i < res->n && i < SCL_SIGNIN_CANDIDATES_MAX; i++)
		if (res->c[i].cert_cached && res->c[i].status != 0 &&
		    res->c[i].status != SCL_ERR_DEADLINE &&
		    res->c[i].fail_step != SCL_STEP_PIN_STATE)
			bad = &res->c[i];
	if (bad == NULL)
		return 0;
	why = bad->status;
	key_ref = bad->key_ref;
	snprintf(reader, sizeof(reader), "%s", bad->reader);
	for (i = first; i < res->n && i < SCL_SIGNIN_CANDIDATES_MAX; i++) {
		struct scl_signin_candidate *c = &res->c[i];

		if (c->cert_cached)
			(void)scl_certcache_drop(cfg->cert_cache, c->card_id,
			    c->key_ref);
		if (c->status == 0)
			res->n_usable--;
		X509_free(c->x509);
		scl_user_list_clear(&c->users);
		memset(c, 0, sizeof(*c));
	}
	res->n = first;
	res->report = *saved_report;
	res->reason = saved_reason;
	res->reason_step = saved_step;
	report(res, SCL_STEP_CERT_READ, SCL_VERDICT_OK, 0, reader, key_ref,
	    NULL, "the cached certificate failed (%s): entry dropped, "
	    "reading the card", scl_err_name(why));
	return 1;
}

static int
scan_reader(struct scl_signin_result *res, const struct scl_backend_ops *be,
    void *b, const struct scl_signin_opts *opts, const struct scl_config *cfg,
    time_t now, uint64_t due, const struct scl_token_info *ri)
{
	struct token_read *tr;
	struct scl_signin_report *saved = NULL;
	int r, use_cache = cfg->cert_cache != NULL, saved_reason;
	enum scl_signin_step saved_step;
	size_t first, pass;

	if ((tr = calloc(1, sizeof(*tr))) == NULL)
		return SCL_ERR_NOMEM;
	tr->tries = -1;
	if (!ri->present) {
		report(res, SCL_STEP_CARD, SCL_VERDICT_FAIL, SCL_ERR_NO_CARD,
		    ri->name, 0, fix_for(SCL_ERR_NO_CARD), "no card");
		r = 0;
		goto out;
	}
	if (offered_before(res, be, ri->name, NULL)) {
		report(res, SCL_STEP_CARD, SCL_VERDICT_OK, 0, ri->name, 0, NULL,
		    "already read by another backend, skipped");
		r = 0;
		goto out;
	}
	if (use_cache && (saved = malloc(sizeof(*saved))) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	for (pass = 0; pass < 2; pass++) {
		if (use_cache)
			*saved = res->report;
		saved_reason = res->reason;
		saved_step = res->reason_step;
		first = res->n;
		r = read_card(res, be, b, opts, ri->name, use_cache, tr);
		if (r < 0) {
			r = 0;
			goto out;
		}
		if (tr->n_raw == 0) {
			report(res, SCL_STEP_CERT_READ, SCL_VERDICT_FAIL,
			    SCL_ERR_NO_CERT, ri->name, 0,
			    fix_for(SCL_ERR_NO_CERT),
			    "no usable certificate on the card");
			goto out;
		}
		if ((r = add_candidates(res, be, opts, cfg, now, due, ri,
		    tr)) < 0)
			goto out;
		if (!use_cache || !cache_forget_failed(res, first, saved,
		    saved_reason, saved_step, cfg))
			break;
		token_read_clear(tr);
		use_cache = 0;
	}
	r = 0;
out:
	token_read_clear(tr);
	free(tr);
	free(saved);
	return r;
}

void
scl_signin_backend_params(const struct scl_config *cfg, uint64_t due,
    struct scl_backend_params *p)
{
	memset(p, 0, sizeof(*p));
	p->timeout_ms = (int)cfg->card_timeout_ms;
	p->deadline_ms = due;
	p->modules = cfg->pkcs11_modules;
	p->n_modules = cfg->n_pkcs11_modules;
	p->helper = cfg->pkcs11_helper;
	p->check_owner = 1;
	p->extended_apdus = cfg->extended_apdus == SCL_EXTENDED_AUTO;
}

/* The backend named in `backends =`, NULL for an unknown name. */
static const struct scl_backend_ops *
backend_named(const char *name)
{
	if (strcmp(name, "piv") == 0)
		return scl_backend_get(SCL_BACKEND_PIV);
	if (strcmp(name, "pkcs11") == 0)
		return scl_backend_get(SCL_BACKEND_PKCS11);
	return NULL;
}

/*
 * One backend's part of the scan: SERVICE, READER and every token.
 * *listed counts the backends that could list their tokens, *seen the
 * tokens scanned.  Only NOMEM-like errors are returned.
 */
static int
scan_backend(struct scl_signin_result *res, const struct scl_backend_ops *be,
    const struct scl_signin_opts *opts, const struct scl_config *cfg,
    time_t now, uint64_t due, size_t *listed, size_t *seen)
{
	struct scl_backend_params p;
	struct scl_token_info *tokens = NULL;
	void *b = NULL;
	size_t n = 0, i;
	int r;

	if (scl_deadline_passed(due)) {
		report(res, SCL_STEP_SERVICE, SCL_VERDICT_FAIL,
		    SCL_ERR_DEADLINE, NULL, 0, fix_for(SCL_ERR_DEADLINE),
		    "%s: skipped, the scan deadline (scan_timeout_ms = %u) "
		    "passed", be->service_what, cfg->scan_timeout_ms);
		return 0;
	}
	scl_signin_backend_params(cfg, due, &p);
	if ((tokens = calloc(SCL_BACKEND_TOKENS_MAX, sizeof(*tokens))) == NULL)
		return SCL_ERR_NOMEM;
	r = be->open(&p, &b);
	if (r == SCL_ERR_NOMEM)
		goto out;
	if (r < 0) {
		report(res, SCL_STEP_SERVICE, SCL_VERDICT_FAIL, r, NULL, 0,
		    be->service_fix != NULL ? be->service_fix :
		    fix_for(r == SCL_ERR_NO_SERVICE ? r : SCL_ERR_NO_SERVICE),
		    "%s: %s", be->service_what, scl_strerror(r));
		r = 0;
		goto out;
	}
	report(res, SCL_STEP_SERVICE, SCL_VERDICT_OK, 0, NULL, 0, NULL, "%s",
	    be->service_ok);

	r = be->list_tokens(b, tokens, SCL_BACKEND_TOKENS_MAX, &n);
	if (r == SCL_ERR_NOMEM)
		goto out;
	if (r < 0) {
		report(res, SCL_STEP_READER, SCL_VERDICT_FAIL, r, NULL, 0,
		    fix_for(r), "listing readers: %s", scl_strerror(r));
		r = 0;
		goto out;
	}
	(*listed)++;
	for (i = 0; i < n && i < SCL_BACKEND_TOKENS_MAX; i++) {
		if (opts->reader != NULL && opts->reader[0] != '\0' &&
		    strcmp(opts->reader, tokens[i].name) != 0)
			continue;
		(*seen)++;
		report(res, SCL_STEP_READER, SCL_VERDICT_OK, 0,
		    tokens[i].name, 0, NULL, "reader found");
		if (tokens[i].present && scl_deadline_passed(due)) {
			report(res, SCL_STEP_CARD, SCL_VERDICT_FAIL,
			    SCL_ERR_DEADLINE, tokens[i].name, 0,
			    fix_for(SCL_ERR_DEADLINE), "skipped: the scan "
			    "deadline (scan_timeout_ms = %u) passed",
			    cfg->scan_timeout_ms);
			continue;
		}
		if ((r = scan_reader(res, be, b, opts, cfg, now, due,
		    &tokens[i])) < 0)
			goto out;
	}
	r = 0;
out:
	if (b != NULL)
		be->close(&b);
	free(tokens);
	return r;
}

int
scl_signin_scan(const struct scl_signin_opts *opts,
    struct scl_signin_result **ret_res)
{
	struct scl_signin_result *res = NULL;
	struct scl_config cfg;
	size_t i, listed = 0, seen = 0;
	uint64_t due;
	time_t now;
	int r = SCL_ERR_INTERNAL;

	if (opts == NULL || opts->cfg == NULL || ret_res == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	cfg = *opts->cfg;
	if (opts->skip_revocation) {
		cfg.crl = SCL_REVOCATION_OFF;
		cfg.ocsp = SCL_REVOCATION_OFF;
	}
	now = opts->now != 0 ? opts->now : time(NULL);
	due = scl_deadline_in(cfg.scan_timeout_ms);
	if ((res = calloc(1, sizeof(*res))) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < cfg.n_backends && i < SCL_CONFIG_LIST_MAX; i++) {
		const struct scl_backend_ops *be =
		    backend_named(cfg.backends[i]);

		if (be != NULL &&
		    (r = scan_backend(res, be, opts, &cfg, now, due, &listed,
		    &seen)) < 0)
			goto out;
	}
	if (listed > 0 && seen == 0)
		report(res, SCL_STEP_READER, SCL_VERDICT_FAIL, SCL_ERR_NO_READER,
		    opts->reader, 0, fix_for(SCL_ERR_NO_READER), "%s",
		    opts->reader != NULL && opts->reader[0] != '\0' ?
		    "the reader asked for is not connected" :
		    "no smart card reader");
	r = 0;
	if (res->n_usable > 0) {
		res->reason = 0;
		res->reason_step = SCL_STEP_SERVICE;
	} else if (res->reason == 0) {
		res->reason = SCL_ERR_NO_CERT;
		res->reason_step = SCL_STEP_CERT_READ;
	}
	*ret_res = res;
	res = NULL;
out:
	scl_signin_result_free(&res);
	return r;
}

void
scl_signin_result_free(struct scl_signin_result **resp)
{
	struct scl_signin_result *res;
	size_t i;

	if (resp == NULL || *resp == NULL)
		return;
	res = *resp;
	for (i = 0; i < res->n && i < SCL_SIGNIN_CANDIDATES_MAX; i++) {
		X509_free(res->c[i].x509);
		scl_user_list_clear(&res->c[i].users);
	}
	free(res);
	*resp = NULL;
}

const struct scl_signin_candidate *
scl_signin_usable(const struct scl_signin_result *res, size_t i)
{
	size_t k, seen = 0;

	if (res == NULL)
		return NULL;
	for (k = 0; k < res->n && k < SCL_SIGNIN_CANDIDATES_MAX; k++) {
		if (res->c[k].status != 0)
			continue;
		if (seen++ == i)
			return &res->c[k];
	}
	return NULL;
}

/* An open backend and the token of a candidate, for authentication. */
struct access {
	const struct scl_backend_ops *be;
	void *b;
	struct scl_token *t;
};

/*
 * Open cand's backend, connect to its token, select the application and
 * check that the card is still the one scanned: same card id, or (no card
 * id) the same certificate for cand's key.  A different or vanished card
 * is CARD_REMOVED.  A swapped card that clones the CHUID still fails the
 * proof of possession, which is checked against cand's certificate.
 */
static int
open_same_card(const struct scl_config *cfg,
    const struct scl_signin_candidate *cand, uint64_t due, struct access *ac)
{
	struct scl_backend_params p;
	struct scl_token_state st;
	uint8_t *der = NULL, md[EVP_MAX_MD_SIZE], md2[EVP_MAX_MD_SIZE];
	unsigned md_len = 0, md2_len = 0;
	size_t der_len = 0;
	const char *what = NULL;
	char id[33] = "";
	int r;

	memset(ac, 0, sizeof(*ac));
	scl_signin_backend_params(cfg, due, &p);
	if ((ac->be = scl_backend_get(cand->backend)) == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	if ((r = ac->be->open(&p, &ac->b)) < 0)
		goto out;
	r = ac->be->connect(ac->b, cand->reader, &ac->t, &what);
	if (r == SCL_ERR_NO_CARD || r == SCL_ERR_READER_GONE)
		r = SCL_ERR_CARD_REMOVED;
	if (r < 0 || (r = ac->be->select(ac->t, &st)) < 0)
		goto out;
	if (cand->card_id[0] != '\0') {
		r = ac->be->read_id(ac->t, id);
		if (r == SCL_ERR_NO_OBJECT || (r == 0 &&
		    strcmp(id, cand->card_id) != 0)) {
			scl_debug("%s: card id changed", __func__);
			r = SCL_ERR_CARD_REMOVED;
		}
		if (r < 0)
			goto out;
	} else {
		r = ac->be->read_cert(ac->t, &cand->key, &der, &der_len);
		if (r == SCL_ERR_NO_OBJECT)
			r = SCL_ERR_CARD_REMOVED;
		if (r < 0)
			goto out;
		if (X509_digest(cand->x509, EVP_sha256(), md, &md_len) != 1 ||
		    EVP_Digest(der, der_len, md2, &md2_len, EVP_sha256(),
		    NULL) != 1) {
			r = SCL_ERR_INTERNAL;
			goto out;
		}
		if (md_len != md2_len || memcmp(md, md2, md_len) != 0) {
			scl_debug("%s: certificate changed", __func__);
			r = SCL_ERR_CARD_REMOVED;
			goto out;
		}
	}
	r = 0;
out:
	free(der);
	return r;
}

/*
 * The PIN counter now, inside the access that will spend a try: the
 * caller guarded (or refused) the last try from the scan, which may be
 * stale (another program or session spent tries during the prompt).  A
 * last try the caller did not see as the last one is refused, and so is a
 * counter the card no longer reports when it did at the scan (the user
 * was not warned) or that it never reports under unknown_tries = refuse.
 */
static int
check_tries(const struct access *ac, const struct scl_config *cfg,
    const struct scl_signin_candidate *cand)
{
	int tries = -1, verified = 0, r;

	r = ac->be->tries_left(ac->t, &tries, &verified);
	if (scl_err_card_lost(r))
		goto out;
	if (r < 0)
		tries = -1;
	r = 0;
	if (tries == 0)
		r = SCL_ERR_PIN_BLOCKED;
	else if (tries == 1 && cand->tries != 1)
		r = SCL_ERR_PIN_LAST_TRY;
	else if (tries < 0 && (cand->tries >= 0 ||
	    cfg->unknown_tries == SCL_UNKNOWN_TRIES_REFUSE))
		r = SCL_ERR_PIN_TRIES_UNKNOWN;
out:
	if (r < 0)
		scl_debug("%s: %d tries left now, %d at scan: %s", __func__,
		    tries, cand->tries, scl_err_name(r));
	return r;
}

/*
 * After a PIN was (or could have been) sent: end the access resetting the
 * card, which drops the verified state, then close the backend.
 */
static void
close_card(struct access *ac)
{
	if (ac->be == NULL)
		return;
	ac->be->disconnect(&ac->t, 1);
	if (ac->b != NULL)
		ac->be->close(&ac->b);
}

struct signer {
	const struct access *ac;
	const struct scl_backend_key *key;
};

static int
backend_sign(void *ctx, uint8_t alg, const uint8_t *digest,
    size_t digest_len, uint8_t *sig, size_t sig_cap, size_t *ret_sig_len)
{
	const struct signer *sg = ctx;

	return sg->ac->be->sign(sg->ac->t, sg->key, alg, digest, digest_len,
	    sig, sig_cap, ret_sig_len);
}

/* Certificate cache (issue 14): the authentication's side. */

/* After a proof against x, a certificate read from the card: keep it. */
static void
cache_remember(const struct scl_config *cfg, const struct access *ac,
    const struct scl_signin_candidate *cand, X509 *x)
{
	unsigned char *der = NULL;
	int len, r;

	if (!cache_applies(cfg, ac->be, cand->card_id) ||
	    (len = i2d_X509(x, &der)) <= 0)
		return;
	r = scl_certcache_store(cfg->cert_cache, cand->card_id, cand->key_ref,
	    der, (size_t)len);
	if (r < 0)
		scl_debug("%s: certificate cache not written: %s", __func__,
		    scl_err_name(r));
	OPENSSL_free(der);
}

/* Both lists name the same users. */
static int
same_users(const struct scl_user_list *a, const struct scl_user_list *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		size_t j;

		for (j = 0; j < b->n; j++)
			if (strcmp(a->users[i], b->users[j]) == 0)
				break;
		if (j == b->n)
			return 0;
	}
	return 1;
}

/*
 * The proof failed against cand's certificate from the cache, the PIN
 * being verified in this transaction: drop the entry, read the card's own
 * certificate of cand's key (once), judge it like the scan (it must map
 * to cand's users) and prove against it.  0 with *ret_x (the card's
 * certificate, the caller frees it), else the failure (the caller
 * reports SIG_INVALID).
 */
static int
cache_fallback_prove(const struct scl_config *cfg,
    const struct scl_signin_candidate *cand, struct signer *sg, X509 **ret_x)
{
	struct scl_signin_result *tmp = NULL;
	struct scl_signin_candidate *c;
	struct scl_signin_opts opts;
	uint8_t *der = NULL, alg = 0;
	size_t len = 0;
	X509 *x = NULL;
	int r;

	(void)scl_certcache_drop(cfg->cert_cache, cand->card_id,
	    cand->key_ref);
	if ((r = sg->ac->be->read_cert(sg->ac->t, &cand->key, &der,
	    &len)) < 0 || (r = scl_cert_parse_der(der, len, &x)) < 0)
		goto out;
	if (same_cert(x, cand->x509)) {
		r = SCL_ERR_SIG_INVALID;
		goto out;
	}
	if ((tmp = calloc(1, sizeof(*tmp))) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	c = &tmp->c[tmp->n++];
	snprintf(c->reader, sizeof(c->reader), "%s", cand->reader);
	snprintf(c->card_id, sizeof(c->card_id), "%s", cand->card_id);
	c->backend = cand->backend;
	c->key = cand->key;
	c->key_ref = cand->key_ref;
	c->pin_pad = cand->pin_pad;
	c->tries = cand->tries;
	c->x509 = x;
	x = NULL;
	scl_cert_describe(c->x509, c->subject, sizeof(c->subject), c->issuer,
	    sizeof(c->issuer), c->serial_hex, sizeof(c->serial_hex),
	    c->sha256_hex);
	if (scl_cert_piv_alg(c->x509, &alg) == 0)
		c->alg = alg;
	memset(&opts, 0, sizeof(opts));
	opts.cfg = cfg;
	opts.user = cand->users.n == 1 ? cand->users.users[0] : NULL;
	if ((r = judge(tmp, &opts, cfg, time(NULL), c, 0)) < 0)
		goto out;
	if ((r = c->status) < 0)
		goto out;
	if (!same_users(&c->users, &cand->users)) {
		r = SCL_ERR_WRONG_USER;
		goto out;
	}
	if ((r = scl_cert_prove_with(c->x509, backend_sign, sg)) < 0)
		goto out;
	*ret_x = c->x509;
	c->x509 = NULL;
	r = 0;
out:
	if (r < 0)
		scl_debug("%s: the card's own certificate: %s", __func__,
		    scl_err_name(r));
	scl_signin_result_free(&tmp);
	X509_free(x);
	free(der);
	return r;
}

int
scl_signin_authenticate(const struct scl_config *cfg,
    const struct scl_signin_candidate *cand, const struct scl_pin *pin,
    int *ret_tries)
{
	return scl_signin_authenticate_ex(cfg, cand, pin, ret_tries,
	    /* ret_proved= */ NULL);
}

int
scl_signin_authenticate_ex(const struct scl_config *cfg,
    const struct scl_signin_candidate *cand, const struct scl_pin *pin,
    int *ret_tries, X509 **ret_proved)
{
	struct access ac;
	struct signer sg = { &ac, NULL };
	X509 *fresh = NULL;
	int tries = -1, r = SCL_ERR_INTERNAL;

	memset(&ac, 0, sizeof(ac));
	if (cfg == NULL || cand == NULL || cand->x509 == NULL || pin == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	sg.key = &cand->key;
	if ((r = open_same_card(cfg, cand,
	    scl_deadline_in(cfg->auth_timeout_ms), &ac)) < 0)
		goto out;
	if ((r = check_tries(&ac, cfg, cand)) < 0)
		goto out;
	r = ac.be->verify_pin(ac.t, cand->pin_pad ? NULL : pin, &tries);
	if (r == SCL_ERR_PIN_WRONG && ret_tries != NULL)
		*ret_tries = tries;
	if (r < 0)
		goto out;
	/* #12: once the PIN is verified, no failure of the proof may pass
	 * for "no card" (faillock-style counting must see it). */
	r = scl_cert_prove_with(cand->x509, backend_sign, &sg);
	if (r < 0 && cand->cert_cached) {
		scl_debug("%s: proof against the cached certificate failed: "
		    "%s; reading the card's", __func__, scl_err_name(r));
		r = cache_fallback_prove(cfg, cand, &sg, &fresh);
	}
	if (r < 0) {
		scl_debug("%s: proof of possession failed: %s", __func__,
		    scl_err_name(r));
		r = SCL_ERR_SIG_INVALID;
	} else if (fresh != NULL || !cand->cert_cached)
		cache_remember(cfg, &ac, cand, fresh != NULL ? fresh :
		    cand->x509);
	if (r == 0 && ret_proved != NULL) {
		*ret_proved = fresh;
		fresh = NULL;
	}
out:
	X509_free(fresh);
	close_card(&ac);
	return r;
}

int
scl_signin_change_pin(const struct scl_config *cfg,
    const struct scl_signin_candidate *cand, const struct scl_pin *old_pin,
    const struct scl_pin *new_pin, int *ret_tries,
    const char **ret_policy_reason)
{
	struct access ac;
	const char *why = NULL;
	int tries = -1, r = SCL_ERR_INTERNAL;

	memset(&ac, 0, sizeof(ac));
	if (cfg == NULL || cand == NULL ||
	    (!cand->pin_pad && (old_pin == NULL || new_pin == NULL))) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if (cand->pin_pad) {
		/* Both PINs are typed on the pad: the token checks them. */
		if ((r = open_same_card(cfg, cand,
		    scl_deadline_in(cfg->auth_timeout_ms), &ac)) < 0 ||
		    (r = check_tries(&ac, cfg, cand)) < 0)
			goto out;
		r = ac.be->change_pin(ac.t, NULL, NULL, &tries);
		goto done;
	}
	/* The current PIN gets the sign-in length check: no try spent on a
	 * PIN that cannot be right. */
	if ((r = scl_pin_policy_check_length(&cfg->pin_policy, old_pin->len,
	    /* ret_reason= */ NULL)) < 0)
		goto out;
	r = scl_pin_policy_check(&cfg->pin_policy, new_pin->v, new_pin->len,
	    &why);
	if (r < 0) {
		if (ret_policy_reason != NULL)
			*ret_policy_reason = why;
		goto out;
	}
	if ((r = open_same_card(cfg, cand,
	    scl_deadline_in(cfg->auth_timeout_ms), &ac)) < 0 ||
	    (r = check_tries(&ac, cfg, cand)) < 0)
		goto out;
	r = ac.be->change_pin(ac.t, old_pin, new_pin, &tries);
done:
	if (r == SCL_ERR_PIN_WRONG && ret_tries != NULL)
		*ret_tries = tries;
out:
	close_card(&ac);
	return r;
}
