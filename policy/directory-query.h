/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_DIRECTORY_QUERY_H
#define SCL_DIRECTORY_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "config.h"

/*
 * The search a certificate asks of a directory, and the check of the entry
 * it returns: pure functions, no network (policy/directory.c sends them).
 *
 * Filter: (&FILTER(|TERMS)) where FILTER is cfg->directory_filter (left
 * out when unset) and TERMS, for the bits of cfg->directory_match:
 *   certificate  (CERT_ATTR=<DER>) with directory_certificate_assertion
 *                der, or (CERT_ATTR={ serialNumber N, issuer
 *                rdnSequence:"ISSUER" }) with issuer-serial (RFC 4523
 *                certificateExactAssertion, OpenLDAP);
 *   altsecid     (ALTSEC_ATTR=X509:<I>ISSUER<SR>SERIAL), (...=X509:<SKI>HEX),
 *                (...=X509:<SHA1-PUKEY>HEX): AD's strong forms
 *                (KB5014754).  ISSUER has its RDNs most significant first,
 *                comma-separated, as AD writes them; SERIAL is the serial
 *                number's bytes in reverse order, upper-case hex; SKI the
 *                subject key identifier extension; SHA1-PUKEY the SHA-1 of
 *                the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1);
 *   upn          (UPN_ATTR=UPN) for each SAN UPN (at most 4).
 * Every value taken from the certificate is escaped per RFC 4515 (every
 * byte outside [A-Za-z0-9 .@_:<>=,{}"-] as \XX), so a certificate can never
 * add a filter term: a subject or UPN holding "*)(uid=*" is matched
 * literally.
 */
#define SCL_DIR_UPN_MAX 4
#define SCL_DIR_ALTSEC_MAX 3

struct scl_dir_query {
	char *filter;			/* NUL-terminated */
	uint8_t *der;			/* the certificate (owned) */
	size_t der_len;
	char *altsec[SCL_DIR_ALTSEC_MAX];	/* unescaped values */
	size_t n_altsec;
	char *upn[SCL_DIR_UPN_MAX];
	size_t n_upn;
	unsigned match;			/* the bits that produced terms */
};

/*
 * Build the query.  0 with *ret_q (free with scl_dir_query_clear);
 * SCL_ERR_NO_MAPPING when the certificate gives no term at all for the
 * configured matches (e.g. only upn and no UPN): nothing to ask;
 * SCL_ERR_CONFIG when the configuration has no attribute for a match;
 * SCL_ERR_BAD_DER, SCL_ERR_NOMEM.  *ret_q untouched on failure.
 */
int scl_dir_query_build(const struct scl_config *cfg, X509 *cert,
    struct scl_dir_query *ret_q);

void scl_dir_query_clear(struct scl_dir_query *q);

/*
 * RFC 4515 escaping of n bytes of v (untrusted, may hold NULs) into out of
 * cap bytes, NUL-terminated.  0, or SCL_ERR_BUFFER_TOO_SMALL (out then
 * holds ""), SCL_ERR_INVALID_ARGUMENT.
 */
int scl_dir_escape(const uint8_t *v, size_t n, char *out, size_t cap);

/* What the entry's attributes said about the certificate. */
struct scl_dir_values {
	const uint8_t *const *certs;	/* values of the certificate attribute */
	const size_t *cert_lens;
	size_t n_certs;
	const char *const *altsec;	/* values (not NUL-safe: lengths) */
	const size_t *altsec_lens;
	size_t n_altsec;
	const char *const *upn;
	const size_t *upn_lens;
	size_t n_upn;
};

/*
 * Does the entry really hold the certificate?  A server may match loosely
 * (certificateExactMatch compares issuer and serial only), so the entry is
 * checked again here: the certificate attribute byte for byte against the
 * DER, altSecurityIdentities and UPN case-insensitively against the
 * query's own values, for the matches configured.  1 yes, 0 no; what
 * matched in *ret_how ("certificate", "altsecid", "upn").
 */
int scl_dir_entry_holds(const struct scl_dir_query *q,
    const struct scl_dir_values *v, const char **ret_how);

/* 1 when s (n bytes) is a plausible user name (below), else 0. */
int scl_dir_valid_user(const char *s, size_t n);

/*
 * The user name of an entry: exactly one value of the user attribute,
 * 1..256 bytes, no control, '/', ':', ',', '\\' or blank, not starting with
 * '-' or '.'.  0 and a copy in ret (cap bytes), or SCL_ERR_NO_MAPPING with
 * a reason in why (static).
 */
int scl_dir_user_name(const char *const *vals, const size_t *lens, size_t n,
    char *ret, size_t cap, const char **why);

#endif
