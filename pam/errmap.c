/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdio.h>

#include <security/pam_modules.h>

#include "err.h"
#include "i18n.h"
#include "scl-pam.h"

/*
 * Card missing or unusable is AUTHINFO_UNAVAIL so a stack can fall back to
 * the password; anything that says "this is not you" is AUTH_ERR (STYLE
 * B3).  The switch has no default: -Wswitch flags a new code.
 */
static int
auth_code(enum scl_err e)
{
	switch (e) {
	case SCL_OK:
		return PAM_SUCCESS;
	case SCL_ERR_INTERNAL:
	case SCL_ERR_INVALID_ARGUMENT:
	case SCL_ERR_BUFFER_TOO_SMALL:
	case SCL_ERR_CONFIG:
	case SCL_ERR_BAD_STATE:
	case SCL_ERR_CERT_CACHE_BAD:
	case SCL_ERR_CERT_CACHE_UNSAFE:
		return PAM_SERVICE_ERR;
	case SCL_ERR_NOMEM:
		return PAM_BUF_ERR;
	case SCL_ERR_SYSTEM:
		return PAM_SYSTEM_ERR;
	case SCL_ERR_TIMEOUT:
	case SCL_ERR_DEADLINE:
	case SCL_ERR_CANCELLED:
	case SCL_ERR_NOT_SUPPORTED:
	case SCL_ERR_NO_SERVICE:
	case SCL_ERR_NO_READER:
	case SCL_ERR_NO_CARD:
	case SCL_ERR_CARD_REMOVED:
	case SCL_ERR_SHARING:
	case SCL_ERR_TRANSMIT:
	case SCL_ERR_CARD_RESET:
	case SCL_ERR_READER_GONE:
	case SCL_ERR_CARD_NO_ANSWER:
	case SCL_ERR_MODULE:
	case SCL_ERR_NO_APPLET:
	case SCL_ERR_NO_OBJECT:
	case SCL_ERR_NO_CERT:
	case SCL_ERR_PIN_TRIES_UNKNOWN:
	case SCL_ERR_DIRECTORY_UNREACHABLE:
		return PAM_AUTHINFO_UNAVAIL;
	case SCL_ERR_PIN_BLOCKED:
		return PAM_MAXTRIES;
	case SCL_ERR_LIMIT:
	case SCL_ERR_PIN_WRONG:
	case SCL_ERR_SECURITY_STATUS:
	case SCL_ERR_SW_UNEXPECTED:
	case SCL_ERR_WRONG_LENGTH:
	case SCL_ERR_AUTH_FAILED:
	case SCL_ERR_CONDITIONS:
	case SCL_ERR_INCORRECT_DATA:
	case SCL_ERR_CARD_BAD_RESPONSE:
	case SCL_ERR_PIN_FORMAT:
	case SCL_ERR_PIN_LAST_TRY:
	case SCL_ERR_TRUNCATED:
	case SCL_ERR_BAD_TLV:
	case SCL_ERR_TRAILING_DATA:
	case SCL_ERR_TOO_LARGE:
	case SCL_ERR_BAD_DER:
	case SCL_ERR_CERT_EXPIRED:
	case SCL_ERR_CERT_NOT_YET_VALID:
	case SCL_ERR_CERT_UNTRUSTED:
	case SCL_ERR_CERT_REVOKED:
	case SCL_ERR_CERT_REVOCATION_UNKNOWN:
	case SCL_ERR_CERT_EKU:
	case SCL_ERR_CERT_KEY_USAGE:
	case SCL_ERR_SIG_INVALID:
	case SCL_ERR_CERT_KEY_UNSUPPORTED:
	case SCL_ERR_CERT_WEAK_KEY:
	case SCL_ERR_CERT_IS_CA:
	case SCL_ERR_CERT_PURPOSE:
	case SCL_ERR_CRL_STALE:
	case SCL_ERR_CRL_INCOMPLETE:
	case SCL_ERR_NO_MAPPING:
	case SCL_ERR_AMBIGUOUS:
	case SCL_ERR_DENIED:
	case SCL_ERR_PIN_POLICY:
	case SCL_ERR_WRONG_USER:
	case SCL_ERR_MAP_CONFLICT:
		return PAM_AUTH_ERR;
	}
	return PAM_SERVICE_ERR;
}

int
scl_pam_from_err(int r, enum scl_pam_phase phase)
{
	int rc;

	if (r == SCL_PAM_NOT_APPLICABLE)
		return PAM_IGNORE;
	if (r > 0)
		return PAM_SERVICE_ERR;
	rc = auth_code((enum scl_err)r);
	switch (phase) {
	case SCL_PAM_AUTH:
		break;
	case SCL_PAM_ACCOUNT:
		if (rc == PAM_AUTH_ERR || rc == PAM_MAXTRIES ||
		    rc == PAM_AUTHINFO_UNAVAIL)
			rc = PAM_PERM_DENIED;
		break;
	case SCL_PAM_SESSION:
		if (rc != PAM_SUCCESS && rc != PAM_BUF_ERR)
			rc = PAM_SESSION_ERR;
		break;
	case SCL_PAM_PASSWORD:
		if (r == SCL_ERR_PIN_WRONG || r == SCL_ERR_PIN_POLICY ||
		    r == SCL_ERR_PIN_FORMAT || r == SCL_ERR_PIN_LAST_TRY ||
		    r == SCL_ERR_PIN_TRIES_UNKNOWN || r == SCL_ERR_CANCELLED)
			rc = PAM_AUTHTOK_ERR;
		else if (r == SCL_ERR_PIN_BLOCKED)
			rc = PAM_MAXTRIES;
		else if (rc == PAM_AUTH_ERR)
			rc = PAM_AUTHTOK_ERR;
		break;
	}
	return rc;
}

/*
 * What the user reads (msgids: scl_pam_message translates them).  No
 * internal names, one sentence with an action.
 */
static const char *
user_sentence(enum scl_err e)
{
	switch (e) {
	case SCL_OK:
		return N_("Signed in with your smart card.");
	case SCL_ERR_INTERNAL:
	case SCL_ERR_INVALID_ARGUMENT:
	case SCL_ERR_BUFFER_TOO_SMALL:
	case SCL_ERR_SYSTEM:
	case SCL_ERR_LIMIT:
		return N_("Smart card sign-in failed because of an internal "
		    "error. Contact your administrator.");
	case SCL_ERR_NOMEM:
		return N_("Smart card sign-in failed: the system is out of "
		    "memory.");
	case SCL_ERR_TIMEOUT:
		return N_("No smart card was inserted in time.");
	case SCL_ERR_CANCELLED:
		return N_("Smart card sign-in was cancelled.");
	case SCL_ERR_NOT_SUPPORTED:
		return N_("This smart card is not supported.");
	case SCL_ERR_NO_SERVICE:
		return N_("The smart card service is not running. Contact your "
		    "administrator.");
	case SCL_ERR_NO_READER:
		return N_("No smart card reader was found. Connect a reader.");
	case SCL_ERR_NO_CARD:
		return N_("No smart card was found. Insert your smart card.");
	case SCL_ERR_CARD_REMOVED:
	case SCL_ERR_READER_GONE:
		return N_("The smart card was removed. Insert it again and retry.");
	case SCL_ERR_SHARING:
		return N_("The smart card is in use by another program. Try again.");
	case SCL_ERR_TRANSMIT:
	case SCL_ERR_CARD_RESET:
		return N_("The smart card did not respond. Re-insert it and retry.");
	case SCL_ERR_DEADLINE:
		return N_("A smart card took too long to answer. Remove it "
		    "and try again.");
	case SCL_ERR_CARD_NO_ANSWER:
		return N_("The smart card did not respond in time. Remove it, "
		    "insert it again and retry.");
	case SCL_ERR_MODULE:
		return N_("The smart card could not be used. Remove it, insert "
		    "it again and retry.");
	case SCL_ERR_NO_APPLET:
		return N_("This card cannot be used to sign in.");
	case SCL_ERR_NO_OBJECT:
	case SCL_ERR_NO_CERT:
		return N_("This card has no sign-in certificate.");
	case SCL_ERR_PIN_WRONG:
		return N_("Wrong PIN.");
	case SCL_ERR_PIN_BLOCKED:
		return N_("Your smart card PIN is blocked. Unblock it with the PUK "
		    "or contact your administrator.");
	case SCL_ERR_SECURITY_STATUS:
	case SCL_ERR_AUTH_FAILED:
	case SCL_ERR_CONDITIONS:
		return N_("The smart card refused the operation.");
	case SCL_ERR_SW_UNEXPECTED:
	case SCL_ERR_WRONG_LENGTH:
	case SCL_ERR_INCORRECT_DATA:
	case SCL_ERR_CARD_BAD_RESPONSE:
	case SCL_ERR_TRUNCATED:
	case SCL_ERR_BAD_TLV:
	case SCL_ERR_TRAILING_DATA:
	case SCL_ERR_TOO_LARGE:
		return N_("The smart card gave an unexpected answer.");
	case SCL_ERR_PIN_FORMAT:
		return N_("That cannot be your PIN (wrong length or characters); "
		    "no try was used.");
	case SCL_ERR_PIN_LAST_TRY:
		return N_("Only one PIN try is left. To protect your card it was "
		    "not used; unblock or reset the PIN first.");
	case SCL_ERR_PIN_TRIES_UNKNOWN:
		return N_("This smart card does not tell how many PIN tries are "
		    "left, so it is not used here; no try was used.");
	case SCL_ERR_BAD_DER:
		return N_("The certificate on your smart card is damaged.");
	case SCL_ERR_CERT_EXPIRED:
		return N_("The certificate on your smart card has expired.");
	case SCL_ERR_CERT_NOT_YET_VALID:
		return N_("The certificate on your smart card is not valid yet.");
	case SCL_ERR_CERT_UNTRUSTED:
		return N_("The certificate on your smart card is not trusted by "
		    "this computer.");
	case SCL_ERR_CERT_REVOKED:
		return N_("The certificate on your smart card has been revoked.");
	case SCL_ERR_CERT_REVOCATION_UNKNOWN:
		return N_("The revocation status of your certificate could not be "
		    "checked.");
	case SCL_ERR_CERT_EKU:
	case SCL_ERR_CERT_KEY_USAGE:
		return N_("The certificate on your smart card is not meant for "
		    "signing in.");
	case SCL_ERR_SIG_INVALID:
		return N_("The smart card could not prove it holds the "
		    "certificate's key.");
	case SCL_ERR_CERT_KEY_UNSUPPORTED:
		return N_("The key type of your smart card is not supported.");
	case SCL_ERR_CERT_WEAK_KEY:
		return N_("The key of your smart card certificate is too weak "
		    "to sign in. Ask for a new certificate.");
	case SCL_ERR_CERT_IS_CA:
	case SCL_ERR_CERT_PURPOSE:
		return N_("The certificate on your smart card is not meant for "
		    "signing in.");
	case SCL_ERR_CRL_STALE:
	case SCL_ERR_CRL_INCOMPLETE:
		return N_("The revocation status of your certificate could not "
		    "be checked.");
	case SCL_ERR_NO_MAPPING:
		return N_("This smart card is not linked to an account on this "
		    "computer.");
	case SCL_ERR_AMBIGUOUS:
		return N_("This smart card is linked to several accounts. Enter "
		    "your user name first.");
	case SCL_ERR_DENIED:
		return N_("Smart card sign-in is not allowed here.");
	case SCL_ERR_CONFIG:
	case SCL_ERR_BAD_STATE:
	case SCL_ERR_CERT_CACHE_BAD:
	case SCL_ERR_CERT_CACHE_UNSAFE:
		return N_("Smart card sign-in is misconfigured. Contact your "
		    "administrator.");
	case SCL_ERR_PIN_POLICY:
		return N_("The new PIN does not meet the PIN policy.");
	case SCL_ERR_WRONG_USER:
		return N_("This smart card belongs to another account.");
	case SCL_ERR_MAP_CONFLICT:
		return N_("This smart card is linked to different accounts by "
		    "different rules. Contact your administrator.");
	case SCL_ERR_DIRECTORY_UNREACHABLE:
		return N_("The directory that links smart cards to accounts "
		    "cannot be reached. Try again later or use another "
		    "sign-in option.");
	}
	return N_("Smart card sign-in failed.");
}

const char *
scl_pam_message(int r, int tries, char *buf, size_t len)
{
	const char *s = user_sentence((enum scl_err)r);

	if (buf == NULL || len == 0)
		return "";
	if (r == SCL_ERR_PIN_WRONG && tries == 1)
		snprintf(buf, len, "%s", _("Wrong PIN. 1 try left: if the next "
		    "PIN is wrong too, the card will be blocked."));
	else if (r == SCL_ERR_PIN_WRONG && tries > 1)
		snprintf(buf, len, _("Wrong PIN. %d tries left."), tries);
	else if (r == SCL_ERR_PIN_WRONG && tries == 0)
		snprintf(buf, len, "%s", _(user_sentence(SCL_ERR_PIN_BLOCKED)));
	else
		snprintf(buf, len, "%s", _(s));
	return buf;
}
