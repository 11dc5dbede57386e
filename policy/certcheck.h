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
 *  3. keyUsage present must include digitalSignature;
 *  4. EKU must include an accepted purpose (see config);
 *  5. revocation: CRL (crl_dir, cache, optional CDP fetch) and OCSP
 *     (ocsp_url or AIA) per mode, all network within
 *     revocation_timeout_ms in total.
 * Returns 0 or the first failing SCL_ERR_CERT_*; detail (may be NULL)
 * gets a short administrator-facing explanation ("notAfter
 * 2026-01-01T00:00:00Z", "OCSP responder unreachable, soft-fail").
 * *ret_soft_failed (may be NULL) is set to 1 when revocation could not be
 * determined and soft-fail let it through.
 */
int scl_certcheck(const struct scl_config *cfg, X509 *cert, time_t now,
    char *detail, size_t detail_len, int *ret_soft_failed);

#endif
