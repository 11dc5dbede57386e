/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

#define ESCAPE_SHORT_AT 60

struct err_entry {
	int code;
	const char *name;
	const char *msg;
};

static const struct err_entry errs[] = {
	{ SCL_OK, "OK", "success" },
	{ SCL_ERR_INTERNAL, "INTERNAL", "internal error" },
	{ SCL_ERR_NOMEM, "NOMEM", "out of memory" },
	{ SCL_ERR_INVALID_ARGUMENT, "INVALID_ARGUMENT", "invalid argument" },
	{ SCL_ERR_SYSTEM, "SYSTEM", "system call failed" },
	{ SCL_ERR_TIMEOUT, "TIMEOUT", "timed out" },
	{ SCL_ERR_CANCELLED, "CANCELLED", "cancelled" },
	{ SCL_ERR_LIMIT, "LIMIT",
	    "a limit was reached (too many iterations or items)" },
	{ SCL_ERR_NOT_SUPPORTED, "NOT_SUPPORTED", "not supported" },
	{ SCL_ERR_BUFFER_TOO_SMALL, "BUFFER_TOO_SMALL", "buffer too small" },
	{ SCL_ERR_DEADLINE, "DEADLINE",
	    "the card did not finish before the sign-in deadline "
	    "(scan_timeout_ms / auth_timeout_ms)" },

	{ SCL_ERR_NO_SERVICE, "NO_SERVICE",
	    "the smart card service (pcscd) is not running" },
	{ SCL_ERR_NO_READER, "NO_READER", "no smart card reader found" },
	{ SCL_ERR_NO_CARD, "NO_CARD", "no card in the reader" },
	{ SCL_ERR_CARD_REMOVED, "CARD_REMOVED", "the card was removed" },
	{ SCL_ERR_SHARING, "SHARING",
	    "the card is held exclusively by another program" },
	{ SCL_ERR_TRANSMIT, "TRANSMIT", "communication with the card failed" },
	{ SCL_ERR_CARD_RESET, "CARD_RESET",
	    "the card was reset and its session state is lost" },
	{ SCL_ERR_READER_GONE, "READER_GONE", "the reader was unplugged" },
	{ SCL_ERR_CARD_NO_ANSWER, "CARD_NO_ANSWER",
	    "the card did not answer within the time limit" },
	{ SCL_ERR_MODULE, "MODULE",
	    "the PKCS#11 module failed (crashed, or broke the PKCS#11 "
	    "contract)" },

	{ SCL_ERR_NO_APPLET, "NO_APPLET",
	    "the card has no PIV application" },
	{ SCL_ERR_PIN_WRONG, "PIN_WRONG", "wrong PIN" },
	{ SCL_ERR_PIN_BLOCKED, "PIN_BLOCKED", "the PIN is blocked" },
	{ SCL_ERR_SECURITY_STATUS, "SECURITY_STATUS",
	    "security status not satisfied (PIN or key not verified)" },
	{ SCL_ERR_NO_OBJECT, "NO_OBJECT",
	    "the requested object is not on the card" },
	{ SCL_ERR_SW_UNEXPECTED, "SW_UNEXPECTED",
	    "the card returned an unexpected status word" },
	{ SCL_ERR_WRONG_LENGTH, "WRONG_LENGTH",
	    "the card rejected the command length" },
	{ SCL_ERR_AUTH_FAILED, "AUTH_FAILED",
	    "management key authentication failed" },
	{ SCL_ERR_CONDITIONS, "CONDITIONS",
	    "conditions of use not satisfied on the card" },
	{ SCL_ERR_INCORRECT_DATA, "INCORRECT_DATA",
	    "the card rejected the command data" },
	{ SCL_ERR_CARD_BAD_RESPONSE, "CARD_BAD_RESPONSE",
	    "the card sent a malformed response" },
	{ SCL_ERR_PIN_FORMAT, "PIN_FORMAT",
	    "the PIN has an invalid length or characters" },
	{ SCL_ERR_PIN_LAST_TRY, "PIN_LAST_TRY",
	    "refused to spend the last PIN try" },
	{ SCL_ERR_PIN_TRIES_UNKNOWN, "PIN_TRIES_UNKNOWN",
	    "the card does not report its PIN tries left (unknown_tries = "
	    "refuse)" },

	{ SCL_ERR_TRUNCATED, "TRUNCATED", "data is truncated" },
	{ SCL_ERR_BAD_TLV, "BAD_TLV", "malformed BER-TLV data" },
	{ SCL_ERR_TRAILING_DATA, "TRAILING_DATA",
	    "unexpected trailing data" },
	{ SCL_ERR_TOO_LARGE, "TOO_LARGE", "data exceeds the size limit" },
	{ SCL_ERR_BAD_DER, "BAD_DER", "malformed DER certificate" },

	{ SCL_ERR_CERT_EXPIRED, "CERT_EXPIRED", "the certificate has expired" },
	{ SCL_ERR_CERT_NOT_YET_VALID, "CERT_NOT_YET_VALID",
	    "the certificate is not yet valid" },
	{ SCL_ERR_CERT_UNTRUSTED, "CERT_UNTRUSTED",
	    "the certificate does not chain to a trusted CA" },
	{ SCL_ERR_CERT_REVOKED, "CERT_REVOKED",
	    "the certificate is revoked" },
	{ SCL_ERR_CERT_REVOCATION_UNKNOWN, "CERT_REVOCATION_UNKNOWN",
	    "the revocation status of the certificate is unknown" },
	{ SCL_ERR_CERT_EKU, "CERT_EKU",
	    "the certificate lacks the required extended key usage" },
	{ SCL_ERR_CERT_KEY_USAGE, "CERT_KEY_USAGE",
	    "the certificate key usage does not allow signing" },
	{ SCL_ERR_SIG_INVALID, "SIG_INVALID",
	    "the card's signature did not verify with the certificate key" },
	{ SCL_ERR_CERT_KEY_UNSUPPORTED, "CERT_KEY_UNSUPPORTED",
	    "unsupported certificate key type or size" },
	{ SCL_ERR_NO_CERT, "NO_CERT",
	    "the card carries no usable certificate" },
	{ SCL_ERR_CERT_WEAK_KEY, "CERT_WEAK_KEY",
	    "a key in the certificate chain is too weak (RSA below 2048 bits "
	    "or an elliptic curve below P-256)" },
	{ SCL_ERR_CERT_IS_CA, "CERT_IS_CA",
	    "the sign-in certificate is a CA certificate" },
	{ SCL_ERR_CERT_PURPOSE, "CERT_PURPOSE",
	    "a certificate in the chain is not meant for client "
	    "authentication" },
	{ SCL_ERR_CRL_STALE, "CRL_STALE",
	    "the CRL is past its nextUpdate (plus crl_grace)" },
	{ SCL_ERR_CRL_INCOMPLETE, "CRL_INCOMPLETE",
	    "only delta, partitioned, indirect or out-of-scope CRLs were "
	    "found, never a complete one" },

	{ SCL_ERR_NO_MAPPING, "NO_MAPPING",
	    "the certificate maps to no local user" },
	{ SCL_ERR_AMBIGUOUS, "AMBIGUOUS",
	    "the certificate maps to more than one user" },
	{ SCL_ERR_DENIED, "DENIED", "denied by policy" },
	{ SCL_ERR_CONFIG, "CONFIG", "invalid configuration" },
	{ SCL_ERR_PIN_POLICY, "PIN_POLICY",
	    "the PIN does not satisfy the PIN policy" },
	{ SCL_ERR_BAD_STATE, "BAD_STATE",
	    "a state or record file is malformed or unsafe" },
	{ SCL_ERR_WRONG_USER, "WRONG_USER",
	    "the card belongs to another user" },
	{ SCL_ERR_DIRECTORY_UNREACHABLE, "DIRECTORY_UNREACHABLE",
	    "no directory server answered and no offline mapping is usable" },
	{ SCL_ERR_MAP_CONFLICT, "MAP_CONFLICT",
	    "two mapping methods link the certificate to different users" },
	{ SCL_ERR_CERT_CACHE_BAD, "CERT_CACHE_BAD",
	    "a certificate cache file is malformed, too large or not this "
	    "card's; the card was read instead" },
	{ SCL_ERR_CERT_CACHE_UNSAFE, "CERT_CACHE_UNSAFE",
	    "the certificate cache directory or a file in it is not owned "
	    "by root or is open to others; the card was read instead" },
};

static const struct err_entry *
lookup(int r)
{
	const struct err_entry *e = NULL;

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		if (errs[i].code == r) {
			e = &errs[i];
			break;
		}
	}
	return e;
}

const char *
scl_err_name(int r)
{
	const struct err_entry *e = lookup(r);

	return e != NULL ? e->name : "UNKNOWN";
}

int
scl_err_card_lost(int r)
{
	return r == SCL_ERR_CARD_REMOVED || r == SCL_ERR_NO_SERVICE ||
	    r == SCL_ERR_CARD_RESET || r == SCL_ERR_TIMEOUT ||
	    r == SCL_ERR_DEADLINE ||
	    r == SCL_ERR_CARD_NO_ANSWER || r == SCL_ERR_TRANSMIT ||
	    r == SCL_ERR_READER_GONE || r == SCL_ERR_NO_CARD ||
	    r == SCL_ERR_MODULE;
}

const char *
scl_strerror(int r)
{
	const struct err_entry *e = lookup(r);

	return e != NULL ? e->msg : "unknown error";
}

void
scl_err_detail(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

const char *
scl_err_errno(int e, char *buf, size_t len)
{
	const char *s;

	if (buf == NULL || len == 0)
		return "unknown error";
	/* GNU strerror_r: _GNU_SOURCE is project-wide. */
	s = strerror_r(e, buf, len);
	return s != NULL ? s : "unknown error";
}

void
scl_err_escape(char *dst, size_t cap, const char *src, size_t len,
    unsigned flags)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (dst == NULL || cap == 0)
		return;
	for (size_t i = 0; src != NULL && i < len && src[i] != '\0'; i++) {
		uint8_t c = (uint8_t)src[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' &&
		    (c != '\'' || (flags & SCL_ESCAPE_QUOTE) == 0)) {
			if (o + 1 >= cap)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= cap)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		}
		if ((flags & SCL_ESCAPE_SHORT) != 0 && o >= ESCAPE_SHORT_AT &&
		    i + 1 < len) {
			if (o + 4 < cap) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
	}
	dst[o] = '\0';
}
