/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_SIGNIN_H
#define SCL_SIGNIN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "backend.h"
#include "label.h"
#include "config.h"
#include "mapping.h"
#include "pcsc.h"
#include "secret.h"

/*
 * The shared sign-in pipeline of pam_sclogin, `sclogin doctor` and the
 * greeter.  It never touches a PIN: it only reads public objects and asks
 * the card for its PIN try counter with an empty VERIFY.
 *
 *   scl_signin_scan():
 *     SERVICE     pcscd reachable (scl_pcsc_open)
 *     READER      readers listed (or the one asked for)
 *     CARD        a card present and connectable in each reader
 *     APPLET      SELECT PIV
 *     CERT_READ   certificates of the configured key references, card id
 *                 (CHUID GUID), duplicates filtered (same SHA-256 on two
 *                 slots of one card: the first key reference in
 *                 SCL_SIGNIN_KEY_* order wins, the other is reported as a
 *                 WARN)
 *     CERT_VALID  scl_certcheck: chain, validity, key usage, EKU
 *     REVOCATION  the revocation part of scl_certcheck (soft-fail = WARN)
 *     MAPPING     scl_map_check_user (user given) or scl_map_find_users
 *                 (card-only)
 *     POLICY      card-only allowed, supported key algorithm
 *     PIN_STATE   tries left via empty VERIFY (blocked = FAIL, low = WARN;
 *                 not reported = WARN, or FAIL with PIN_TRIES_UNKNOWN
 *                 under cfg->unknown_tries = refuse; tries is then -1)
 *   With cfg->cert_cache (PIV backend, root, a card with a CHUID GUID) a
 *   certificate is taken from the cache instead of read from the card
 *   (cert_cached = 1); it then goes through every step above exactly like
 *   one read from the card.  A cache file that is unsafe or damaged is a
 *   WARN line at CERT_READ (reason CERT_CACHE_UNSAFE / CERT_CACHE_BAD) and
 *   the card is read instead.
 *   and returns every certificate read as a candidate with its own status;
 *   usable candidates (status 0) are those a PIN may be asked for.
 *
 * Each card is accessed in one short transaction which is ended before
 * scl_signin_scan() returns: nothing is held across the PIN prompt.  Each
 * card call is bounded by cfg->card_timeout_ms, and the whole scan by one
 * deadline, cfg->scan_timeout_ms from its start: every card call, module
 * call, revocation and directory request is cut to the time left, and
 * tokens not reached by then are reported as FAIL with SCL_ERR_DEADLINE
 * (CARD step; a certificate read but not yet judged: CERT_VALID).  The
 * scan so ends within scan_timeout_ms plus the short grace of leaving the
 * card it was on (pcsc.h).  The number of readers, certificates and report
 * lines is capped (below).
 *
 * Threading: no global state; one scan per thread at a time (it opens its
 * own PC/SC context).  Library code: it does not log above debug.
 */

#define SCL_SIGNIN_CANDIDATES_MAX	16
#define SCL_SIGNIN_REPORT_MAX		64
#define SCL_SIGNIN_DETAIL_MAX		256
#define SCL_SIGNIN_LABEL_MAX		SCL_LABEL_DISPLAY_SIZE

/*
 * Key references to read, as a mask of SCL_SIGNIN_KEY_* (config.h;
 * opts.key_mask); 0 means cfg->slots (`slots =`, default 9A only).
 */

enum scl_signin_step {
	SCL_STEP_SERVICE = 0,
	SCL_STEP_READER,
	SCL_STEP_CARD,
	SCL_STEP_APPLET,
	SCL_STEP_CERT_READ,
	SCL_STEP_CERT_VALID,
	SCL_STEP_REVOCATION,
	SCL_STEP_MAPPING,
	SCL_STEP_POLICY,
	SCL_STEP_PIN_STATE,
	SCL_STEP_N_,
};

enum scl_verdict {
	SCL_VERDICT_OK = 0,
	SCL_VERDICT_WARN,	/* went on, but an admin should look */
	SCL_VERDICT_FAIL,
};

/*
 * One line of the report.  reader/key_ref/cert_sha256 say what the line
 * is about ("" / 0 when not tied to one).  detail: what was seen, for
 * administrators ("notAfter 2026-01-01T00:00:00Z"); fix: what an
 * administrator can do ("Renew the certificate."), "" when none.  All
 * strings are NUL-terminated and escaped (no control characters).
 */
struct scl_signin_entry {
	enum scl_signin_step step;
	enum scl_verdict verdict;
	int reason;			/* 0 or SCL_ERR_* */
	char reader[SCL_READER_NAME_MAX];
	uint8_t key_ref;
	char cert_sha256[65];
	char detail[SCL_SIGNIN_DETAIL_MAX];
	char fix[SCL_SIGNIN_DETAIL_MAX];
};

struct scl_signin_report {
	struct scl_signin_entry e[SCL_SIGNIN_REPORT_MAX];
	size_t n;
	size_t dropped;			/* lines lost to the cap */
};

/*
 * A certificate found on a card.  status 0: usable for sign-in (valid,
 * mapped to the user or, card-only, to >= 1 users, PIN not blocked).
 * Otherwise status is the SCL_ERR_* of the first failing step and
 * fail_step that step; the candidate is still listed (for doctor).
 */
struct scl_signin_candidate {
	char reader[SCL_READER_NAME_MAX];
	char card_id[33];		/* CHUID GUID hex, "" if the card has none */
	char label[SCL_SIGNIN_LABEL_MAX]; /* for prompts: the card's PIV
					   * application label (SELECT, tag 50),
					   * else subject CN, else card id, else
					   * reader; its display form (label.h:
					   * bounded, show it only quoted) */
	uint8_t key_ref;		/* SCL_PIV_KEY_*, 0 off the PIV backend */
	enum scl_backend_kind backend;	/* which backend read it (backend.h);
					 * reader is then its token name */
	struct scl_backend_key key;	/* the key on that token */
	int pin_pad;			/* the PIN is entered on the reader:
					 * authenticate's pin is not sent */
	uint8_t alg;			/* SCL_PIV_ALG_* of the public key, 0 if
					 * unsupported */
	X509 *x509;			/* owned by the result */
	int cert_cached;		/* x509 came from the certificate
					 * cache (certcache.h), not the card */
	char subject[256];		/* escaped RFC 2253 */
	char issuer[256];
	char serial_hex[81];
	char sha256_hex[65];
	struct scl_user_list users;	/* users it maps to (user given: that
					 * user only); owned by the result */
	int tries;			/* PIN tries left, -1 unknown */
	int revocation_soft_failed;	/* accepted without revocation data */
	int status;			/* 0 or SCL_ERR_* */
	enum scl_signin_step fail_step;	/* meaningful when status != 0 */
};

struct scl_signin_result {
	struct scl_signin_candidate c[SCL_SIGNIN_CANDIDATES_MAX];
	size_t n;			/* all candidates, usable or not */
	size_t n_usable;		/* those with status 0 */
	/*
	 * When n_usable == 0: the reason of the furthest step reached over
	 * all readers and cards (e.g. CERT_EXPIRED beats NO_CARD in another
	 * reader), else 0.  What a PAM module reports and maps.
	 */
	int reason;
	enum scl_signin_step reason_step;
	struct scl_signin_report report;
};

struct scl_signin_opts {
	const struct scl_config *cfg;	/* required */
	const char *user;		/* NULL or "": card-only, find users */
	const char *reader;		/* NULL: every reader; else only this */
	unsigned key_mask;		/* SCL_SIGNIN_KEY_*; 0 = cfg->slots */
	time_t now;			/* 0: time(NULL) */
	int skip_revocation;		/* doctor --offline: treat as OFF */
};

/*
 * Run the pipeline.  Returns 0 when the scan ran, whatever it found (see
 * result->n_usable and ->reason; no PC/SC service, no reader and no card
 * are results, not errors); SCL_ERR_NOMEM or SCL_ERR_INVALID_ARGUMENT
 * otherwise, *ret_res untouched.  Free with scl_signin_result_free().
 */
int scl_signin_scan(const struct scl_signin_opts *opts,
    struct scl_signin_result **ret_res);

void scl_signin_result_free(struct scl_signin_result **resp);

/* The usable candidate of index i-th among usable ones, NULL past the end. */
const struct scl_signin_candidate *scl_signin_usable(
    const struct scl_signin_result *res, size_t i);

/*
 * Authenticate with a candidate: connect to its reader, begin a
 * transaction, SELECT PIV, check the card is still the one scanned (same
 * card id; a card without CHUID: the certificate of key_ref still has the
 * same SHA-256; otherwise SCL_ERR_CARD_REMOVED; a clone of the CHUID fails
 * the proof of possession), read the PIN counter again (0:
 * SCL_ERR_PIN_BLOCKED; 1 while cand->tries was not 1, i.e. the caller did
 * not guard the last try: SCL_ERR_PIN_LAST_TRY, nothing spent; no
 * counter now while the scan saw one, or none at all under
 * cfg->unknown_tries = refuse: SCL_ERR_PIN_TRIES_UNKNOWN, nothing spent),
 * VERIFY
 * pin, scl_cert_prove_possession with a fresh challenge, then end the
 * transaction resetting the card (drops the verified state) and
 * disconnect.
 *   SCL_ERR_PIN_WRONG (*ret_tries set when the card says), PIN_BLOCKED,
 *   SIG_INVALID, CARD_REMOVED, NO_CARD, NO_SERVICE, SHARING, TIMEOUT, ...
 * Everything from connect to the proof runs under one deadline,
 * cfg->auth_timeout_ms from the call (SCL_ERR_DEADLINE before VERIFY).
 * Once VERIFY succeeded, every failure of the proof (an error status, no
 * or a bad signature, the card gone or silent, a deadline) is
 * SCL_ERR_SIG_INVALID: a failed proof never reads as "no card".
 * Certificate cache: a failed proof against a cached certificate drops
 * the entry and, in the same transaction (no second VERIFY), reads the
 * card's own certificate once, validates and maps it like the scan (it
 * must map to the same users, else SIG_INVALID) and proves against it.
 * After a successful proof against a certificate read from the card, it
 * is stored in the cache (a failure to store is only a debug line).
 * ret_tries may be NULL; it is set to the tries left after a wrong PIN
 * (-1 unknown) and is otherwise untouched.  The PIN is not copied; the
 * caller still owns and wipes it.
 */
int scl_signin_authenticate(const struct scl_config *cfg,
    const struct scl_signin_candidate *cand, const struct scl_pin *pin,
    int *ret_tries);

/*
 * scl_signin_authenticate, telling which certificate the proof was made
 * against: after a stale cache entry, the card's own (above), returned in
 * *ret_proved (the caller frees it with X509_free) so that logs and
 * records name it; NULL when it was cand->x509 and on failure.
 * ret_proved may be NULL.
 */
int scl_signin_authenticate_ex(const struct scl_config *cfg,
    const struct scl_signin_candidate *cand, const struct scl_pin *pin,
    int *ret_tries, X509 **ret_proved);

/*
 * Change the PIN of the card in cand's reader (same identity and PIN
 * counter checks as above): old_pin must have the length of a PIN that
 * can be entered (scl_pin_policy_check_length: SCL_ERR_PIN_FORMAT, no APDU
 * sent), new_pin is checked against cfg->pin_policy (SCL_ERR_PIN_POLICY,
 * *ret_policy_reason a static user sentence; no APDU sent), then CHANGE
 * REFERENCE DATA.  ret_tries / ret_policy_reason may be NULL.  On a PIN
 * pad candidate (cand->pin_pad) old_pin and new_pin are NULL: both are
 * typed on the pad and the token applies its own PIN rules.
 */
int scl_signin_change_pin(const struct scl_config *cfg,
    const struct scl_signin_candidate *cand, const struct scl_pin *old_pin,
    const struct scl_pin *new_pin, int *ret_tries,
    const char **ret_policy_reason);

/*
 * The backend parameters of cfg (card_timeout_ms, extended_apdus, the
 * PKCS#11 modules and helper, owner checks on) with deadline due (0:
 * none), as the scan and authenticate use them.
 */
void scl_signin_backend_params(const struct scl_config *cfg, uint64_t due,
    struct scl_backend_params *p);

/* Stable names ("CERT_VALID", "warn") for reports and --json. */
const char *scl_signin_step_name(enum scl_signin_step s);
const char *scl_verdict_name(enum scl_verdict v);

#endif
