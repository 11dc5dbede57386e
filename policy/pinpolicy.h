/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_PINPOLICY_H
#define SCL_PINPOLICY_H

#include <stddef.h>
#include <stdint.h>

/*
 * PIN policy (MS-TPMVSC PinPolicySerialization): length bounds and, for
 * each character class, allowed / required / disallowed.  PIV limits a PIN
 * to 8 bytes, so max_len is clamped to 8 when checked.
 */
enum scl_class_rule {
	SCL_CLASS_ALLOWED = 0,
	SCL_CLASS_REQUIRED,
	SCL_CLASS_DISALLOWED,
};

struct scl_pin_policy {
	unsigned min_len;	/* default 6 */
	unsigned max_len;	/* default 8 */
	enum scl_class_rule upper, lower, digit, special;
};

void scl_pin_policy_default(struct scl_pin_policy *p);

/*
 * Check a candidate PIN.  Returns 0 or SCL_ERR_PIN_POLICY with
 * *ret_reason a plain English sentence for the user ("The PIN must have at
 * least 6 characters."), a static string and a msgid (i18n.h: show it with
 * _()).  ret_reason may be NULL.
 */
int scl_pin_policy_check(const struct scl_pin_policy *p, const uint8_t *pin,
    size_t len, const char **ret_reason);

/*
 * Length check of a PIN that is entered, not set: a sign-in PIN or the
 * current PIN of a change.  The bounds are the policy's (min_len..max_len,
 * clamped to the PIV maximum of 8; defaults 6..8), the same as for a new
 * PIN, so a PIN that cannot be right is refused before it reaches the card
 * and spends no try.  Returns 0, SCL_ERR_PIN_FORMAT with *ret_reason the
 * same plain sentences as scl_pin_policy_check ("The PIN must have at
 * least 6 characters."; ret_reason may be NULL, untouched on success), or
 * SCL_ERR_INVALID_ARGUMENT for p NULL.
 */
int scl_pin_policy_check_length(const struct scl_pin_policy *p, size_t len,
    const char **ret_reason);

/* Parse "allowed" / "required" / "disallowed". */
int scl_class_rule_parse(const char *s, enum scl_class_rule *ret);

/*
 * Parse a compact policy string as used by `sclogin vcard create
 * --pin-policy` and the vcard state: "min=6,max=8,upper=allowed,
 * lower=allowed,digit=required,special=disallowed" (any subset, others
 * default).  SCL_ERR_CONFIG on a bad token.
 */
int scl_pin_policy_parse(const char *s, struct scl_pin_policy *ret);
/* Inverse of scl_pin_policy_parse (all keys), into buf. */
void scl_pin_policy_format(const struct scl_pin_policy *p, char *buf, size_t len);

#endif
