/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_CERTCHECK_H
#define SCL_CERTCHECK_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "config.h"

/*
 * Validate a sign-in certificate with OpenSSL:
 *  1. chain to cfg->ca_file / ca_dir (partial chains from the card are not
 *     trusted; intermediates may come from ca_file/ca_dir), at time now;
 *  2. validity (EXPIRED / NOT_YET_VALID reported before UNTRUSTED);
 *  3. every key of the chain at least RSA 2048 / 256-bit EC / 128-bit
 *     security (CERT_WEAK_KEY unless cfg->allow_weak_keys; then the
 *     detail ends in "; weak key accepted (allow_weak_keys = yes)");
 *  4. the leaf is no CA (CERT_IS_CA: CA:TRUE, keyCertSign, v1 root,
 *     nsCertType CA) and passes OpenSSL's sslclient purpose with our EKU
 *     rule, its CAs too (CERT_PURPOSE; sclogin.conf(5) "Certificate
 *     rules");
 *  5. keyUsage present must include digitalSignature;
 *  6. EKU must include an accepted purpose (see config);
 *  7. revocation of every certificate of the chain but the anchor: CRL
 *     (crl_dir, cache, optional CDP fetch) and OCSP (ocsp_url or AIA) per
 *     mode, all network within revocation_timeout_ms in total.
 * Returns 0 or the first failing SCL_ERR_CERT_*; detail (may be NULL)
 * gets a short administrator-facing explanation ("notAfter
 * 2026-01-01T00:00:00Z", "OCSP responder unreachable, soft-fail").
 * *ret_soft_failed (may be NULL) is set to 1 when revocation could not be
 * determined and soft-fail let it through.
 */
int scl_certcheck(const struct scl_config *cfg, X509 *cert, time_t now,
    char *detail, size_t detail_len, int *ret_soft_failed);

/*
 * scl_certcheck with flags:
 *   SCL_CERTCHECK_NO_REVOCATION  skip CRL and OCSP (as if both were off);
 *                                `sclogin doctor --offline`.
 *   SCL_CERTCHECK_NO_NETWORK     local CRLs (crl_dir, cache) only: no CDP
 *                                download, no OCSP query (OCSP counts as
 *                                unknown, so its mode applies).
 * now == 0 means time(NULL).  Revocation rules, per certificate: listed
 * in a CRL of its issuer (complete or partial, current or stale; not a
 * removeFromCRL entry; not an indirect CRL) or revoked by OCSP is
 * SCL_ERR_CERT_REVOKED; a "good" answer from OCSP or a current complete
 * CRL (thisUpdate <= now < nextUpdate + crl_grace; the IDP scope rules of
 * sclogin.conf(5)) settles it; otherwise a hard-fail CRL mode gives
 * SCL_ERR_CRL_STALE (a complete CRL, too old), SCL_ERR_CRL_INCOMPLETE
 * (only delta, partitioned, out-of-scope, indirect CRLs) or
 * SCL_ERR_CERT_REVOCATION_UNKNOWN, a hard-fail OCSP mode the latter, and
 * soft-fail accepts with *ret_soft_failed = 1.  The detail of a refusal
 * for an issuing CA starts "issuer 'DN' at depth N: ".  OCSP: SHA-1
 * CertID, a nonce (a response without one is accepted unless
 * ocsp_require_nonce, a mismatching one never), the signer must be the
 * issuer or
 * carry id-kp-OCSPSigning from it, thisUpdate no later than now + 300 s,
 * nextUpdate no earlier than now - 300 s (without nextUpdate: thisUpdate
 * within the last 24 h).  Downloaded CRLs that verify, and OCSP responses
 * that give a good or revoked status, are cached in crl_cache_dir (when it
 * exists and is writable; OCSP as "ocsp-<hash>.der"); a cached OCSP
 * response is used instead of the network while it is fresh by the rules
 * above (its nonce is not checked again; never with ocsp_require_nonce).
 * Network: DNS (getaddrinfo_a), connect and every read/write are bounded
 * by one deadline of revocation_timeout_ms from the start of the
 * revocation step.  Thread-safe; no global state.
 */
#define SCL_CERTCHECK_NO_REVOCATION	0x1u
#define SCL_CERTCHECK_NO_NETWORK	0x2u

int scl_certcheck_ex(const struct scl_config *cfg, X509 *cert, time_t now,
    unsigned flags, char *detail, size_t detail_len, int *ret_soft_failed);

#endif
