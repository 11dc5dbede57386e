/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_ERR_H
#define SCL_ERR_H

#include <stddef.h>

/*
 * One code space for common/ and policy/: 0 is success, failures are negative
 * SCL_ERR_* grouped by range.  scl_err_name() gives a stable upper-case name
 * used as `reason=` in logs; scl_strerror() gives an English sentence for
 * administrators.  User-facing sentences live in pam/ and greeter/.
 */
enum scl_err {
	SCL_OK = 0,

	/* generic */
	SCL_ERR_INTERNAL = -1,
	SCL_ERR_NOMEM = -2,
	SCL_ERR_INVALID_ARGUMENT = -3,
	SCL_ERR_SYSTEM = -4,		/* errno kept by the caller */
	SCL_ERR_TIMEOUT = -5,
	SCL_ERR_CANCELLED = -6,
	SCL_ERR_LIMIT = -7,		/* a cap was reached (loop, size, count) */
	SCL_ERR_NOT_SUPPORTED = -8,
	SCL_ERR_BUFFER_TOO_SMALL = -9,
	SCL_ERR_DEADLINE = -10,		/* the sign-in's deadline passed
					 * (scan_timeout_ms, auth_timeout_ms) */

	/* reader / PC/SC */
	SCL_ERR_NO_SERVICE = -100,	/* pcscd not running */
	SCL_ERR_NO_READER = -101,
	SCL_ERR_NO_CARD = -102,
	SCL_ERR_CARD_REMOVED = -103,
	SCL_ERR_SHARING = -104,		/* another client holds the card */
	SCL_ERR_TRANSMIT = -105,
	SCL_ERR_CARD_RESET = -106,	/* reset (e.g. idle watchdog); state lost */
	SCL_ERR_READER_GONE = -107,
	SCL_ERR_CARD_NO_ANSWER = -108,	/* no answer within the APDU bound */
	SCL_ERR_MODULE = -109,		/* a PKCS#11 module failed, crashed or
					 * broke the PKCS#11 contract */

	/* card / applet */
	SCL_ERR_NO_APPLET = -200,
	SCL_ERR_PIN_WRONG = -201,
	SCL_ERR_PIN_BLOCKED = -202,
	SCL_ERR_SECURITY_STATUS = -203,
	SCL_ERR_NO_OBJECT = -204,
	SCL_ERR_SW_UNEXPECTED = -205,
	SCL_ERR_WRONG_LENGTH = -206,
	SCL_ERR_AUTH_FAILED = -207,	/* management/admin key refused */
	SCL_ERR_CONDITIONS = -208,	/* 6985 conditions of use not satisfied */
	SCL_ERR_INCORRECT_DATA = -209,	/* 6A80 */
	SCL_ERR_CARD_BAD_RESPONSE = -210, /* well-formed SW, malformed body */
	SCL_ERR_PIN_FORMAT = -211,	/* PIN rejected before reaching the card */
	SCL_ERR_PIN_LAST_TRY = -212,	/* refused to spend the last try */
	SCL_ERR_PIN_TRIES_UNKNOWN = -213, /* card does not report tries left;
					 * refused (unknown_tries) */

	/* parse */
	SCL_ERR_TRUNCATED = -300,
	SCL_ERR_BAD_TLV = -301,
	SCL_ERR_TRAILING_DATA = -302,
	SCL_ERR_TOO_LARGE = -303,
	SCL_ERR_BAD_DER = -304,

	/* certificate */
	SCL_ERR_CERT_EXPIRED = -400,
	SCL_ERR_CERT_NOT_YET_VALID = -401,
	SCL_ERR_CERT_UNTRUSTED = -402,
	SCL_ERR_CERT_REVOKED = -403,
	SCL_ERR_CERT_REVOCATION_UNKNOWN = -404,
	SCL_ERR_CERT_EKU = -405,
	SCL_ERR_CERT_KEY_USAGE = -406,
	SCL_ERR_SIG_INVALID = -407,	/* proof of possession failed */
	SCL_ERR_CERT_KEY_UNSUPPORTED = -408,
	SCL_ERR_NO_CERT = -409,		/* card carries no usable certificate */
	SCL_ERR_CERT_WEAK_KEY = -410,	/* RSA < 2048 bits or EC < 256 bits in
					 * the chain (allow_weak_keys = no) */
	SCL_ERR_CERT_IS_CA = -411,	/* the sign-in certificate is a CA
					 * (CA:TRUE, keyCertSign, nsCertType) */
	SCL_ERR_CERT_PURPOSE = -412,	/* not for TLS-client-style use
					 * (nsCertType, a CA's EKU) */
	SCL_ERR_CRL_STALE = -413,	/* the only complete CRL is past
					 * nextUpdate + crl_grace */
	SCL_ERR_CRL_INCOMPLETE = -414,	/* only delta, partitioned, indirect or
					 * out-of-scope CRLs (never complete) */

	/* policy / mapping */
	SCL_ERR_NO_MAPPING = -500,
	SCL_ERR_AMBIGUOUS = -501,
	SCL_ERR_DENIED = -502,
	SCL_ERR_CONFIG = -503,
	SCL_ERR_PIN_POLICY = -504,
	SCL_ERR_BAD_STATE = -505,	/* malformed state / record file */
	SCL_ERR_WRONG_USER = -506,	/* card maps to someone else */
	SCL_ERR_DIRECTORY_UNREACHABLE = -507, /* no directory server answered
					       * (and no usable offline cache) */
	SCL_ERR_MAP_CONFLICT = -508,	/* two mapping methods name different
					 * users for one certificate */
	SCL_ERR_CERT_CACHE_BAD = -509,	/* a certificate cache file is
					 * malformed, too large or not the
					 * card's (the card is read instead) */
	SCL_ERR_CERT_CACHE_UNSAFE = -510, /* the certificate cache directory
					   * or a file in it is not root's
					   * alone (the card is read instead) */
};

/* Stable name without prefix ("PIN_WRONG"); "UNKNOWN" for codes not listed. */
const char *scl_err_name(int r);

/* Administrator-facing English sentence; never NULL. */
const char *scl_strerror(int r);

/*
 * 1 when r says the card (or its reader, or pcscd) went away or stopped
 * answering, so nothing the card said can be trusted and the operation
 * cannot go on with this card; 0 for every other code, success included.
 */
int scl_err_card_lost(int r);

/*
 * Message helpers for the "detail" / "errbuf" outputs of common/ and
 * policy/ (admin-facing text that travels with a code; no logging here).
 * All are thread-safe and never fail.
 */

/*
 * printf into buf, cut to len - 1 bytes and always NUL-terminated.
 * NULL-safe: buf == NULL or len == 0 writes nothing (callers pass an
 * optional output straight through).  Strings taken from untrusted input
 * must be escaped first (scl_err_escape).
 */
void scl_err_detail(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The strerror(3) sentence of errno value e, thread-safe (strerror_r);
 * returns a pointer into buf or to a static string, never NULL.
 */
const char *scl_err_errno(int e, char *buf, size_t len);

/*
 * Copy untrusted text for a message: printable ASCII stays, every other
 * byte and the backslash become \xNN (lower-case hex).  Reads src up to
 * len bytes or its first NUL (src NULL reads nothing).  dst always ends
 * in NUL when cap > 0 (cap == 0 writes nothing); an escape that does not
 * fit whole is left out, so dst is cut at a character boundary.  Flags:
 *   SCL_ESCAPE_QUOTE  also escape the single quote (text shown between
 *                     '...' in a log line or message);
 *   SCL_ESCAPE_SHORT  stop after about 60 output bytes and append "..."
 *                     when input is left (one-line config messages).
 */
#define SCL_ESCAPE_QUOTE 0x1u
#define SCL_ESCAPE_SHORT 0x2u
void scl_err_escape(char *dst, size_t cap, const char *src, size_t len,
    unsigned flags);

#endif
