/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_CONFIG_H
#define SCL_CONFIG_H

#include <stddef.h>

#include "pinpolicy.h"

/*
 * /etc/sclogin/sclogin.conf: INI-style.
 *
 *   # comment
 *   [global]            keys for every service
 *   key = value
 *   [service sudo]      overrides for PAM service "sudo" (also
 *                       [service gdm-smartcard] …); later wins
 *
 * Every key is documented in data/sclogin.conf.5.  Unknown keys, unknown
 * sections, malformed values, duplicate keys in a section, a file that is
 * not a regular root-owned file without group/other write, or larger than
 * SCL_CONFIG_MAX_SIZE are errors naming file and line (fail closed).
 *
 * Precisely: a [service NAME] value beats the [global] one wherever either
 * section stands in the file ("later" = more specific); a section header
 * given twice, a key set twice in one section and a key before any section
 * are errors too.  Every section is parsed and checked, also those of
 * other services.  Values: booleans yes/no/true/false/1/0; numbers plain
 * decimal in the unit of the key name (_ms) or of sclogin.conf(5); lists
 * comma-separated; an empty value unsets a path/URL and empties a list.
 * Lines of at most SCL_CONFIG_LINE_MAX bytes; no trailing comments.
 * Messages quote user text escaped (\xNN for control bytes).
 * Thread-safe: no global state.
 */
#define SCL_CONFIG_PATH_DEFAULT "/etc/sclogin/sclogin.conf"
#define SCL_CONFIG_MAX_SIZE (256u * 1024u)
#define SCL_CONFIG_LIST_MAX 32

enum scl_revocation_mode {
	SCL_REVOCATION_OFF = 0,
	SCL_REVOCATION_SOFT_FAIL,	/* unknown / unreachable = accept */
	SCL_REVOCATION_HARD_FAIL,	/* unknown / unreachable = refuse */
};

enum scl_last_try {
	SCL_LAST_TRY_REFUSE = 0,	/* never spend the last try at sign-in */
	SCL_LAST_TRY_CONFIRM,		/* ask "this is your last try" yes/no */
};

enum scl_extended_apdus {
	SCL_EXTENDED_AUTO = 0,		/* when the card's ATR advertises them */
	SCL_EXTENDED_OFF,		/* short APDUs only */
};

enum scl_removal_action {
	SCL_REMOVAL_NONE = 0,
	SCL_REMOVAL_LOCK,
	SCL_REMOVAL_LOGOUT,
};

/*
 * Key references whose certificates may sign in (`slots =`, module
 * argument slots=), as a mask; also the scl_signin_opts.key_mask bits.
 */
#define SCL_SIGNIN_KEY_9A	0x1u	/* PIV Authentication (default) */
#define SCL_SIGNIN_KEY_9E	0x2u	/* Card Authentication */
#define SCL_SIGNIN_KEY_9C	0x4u	/* Digital Signature (PIN always) */

/* What sign-in does with a card that does not report its PIN tries. */
enum scl_unknown_tries {
	SCL_UNKNOWN_TRIES_WARN = 0,	/* say so before the PIN prompt */
	SCL_UNKNOWN_TRIES_REFUSE,	/* do not ask for a PIN at all */
};

/* Mapping methods, tried in the order listed in `mapping =`. */
enum scl_map_method {
	SCL_MAP_UPN = 1,	/* SAN otherName 1.3.6.1.4.1.311.20.2.3, user part */
	SCL_MAP_CN,		/* subject CN == user name */
	SCL_MAP_EMAIL,		/* SAN rfc822Name / emailAddress, local part */
	SCL_MAP_SUBJECT,	/* mapfile "subject:<RFC2253>" lines */
	SCL_MAP_FINGERPRINT,	/* mapfile "sha256:<hex>" lines */
	SCL_MAP_MAPFILE,	/* any mapfile line (subject, sha256, upn, email) */
	SCL_MAP_AUTHORIZED,	/* ~/.config/sclogin/authorized_certs */
	SCL_MAP_DIRECTORY,	/* an LDAP directory (policy/directory.h) */
};

/* What a directory entry is matched on (`directory_match`), as bits. */
#define SCL_DIR_MATCH_CERTIFICATE 0x1u	/* directory_certificate_attribute */
#define SCL_DIR_MATCH_ALTSECID	0x2u	/* AD altSecurityIdentities, strong
					 * forms: <I><SR>, <SKI>, <SHA1-PUKEY> */
#define SCL_DIR_MATCH_UPN	0x4u	/* directory_upn_attribute = SAN UPN */

/* How the certificate is asserted in the search filter. */
enum scl_dir_cert_assertion {
	SCL_DIR_CERT_DER = 0,		/* the DER itself (AD, 389-ds/FreeIPA) */
	SCL_DIR_CERT_ISSUER_SERIAL,	/* RFC 4523 certificateExactAssertion
					 * (OpenLDAP's certificateExactMatch) */
};

enum scl_dir_bind {
	SCL_DIR_BIND_ANONYMOUS = 0,
	SCL_DIR_BIND_SIMPLE,		/* directory_bind_dn + secret file */
	SCL_DIR_BIND_EXTERNAL,		/* SASL EXTERNAL, TLS client cert */
};

struct scl_config {
	/* trust */
	char *ca_file;			/* PEM bundle of anchors */
	char *ca_dir;			/* c_rehash'd directory */
	int eku_smartcard_logon;	/* accept 1.3.6.1.4.1.311.20.2.2 (default 1) */
	int eku_client_auth;		/* accept 1.3.6.1.5.5.7.3.2 (default 1) */
	int eku_allow_none;		/* accept a cert with no EKU ext (default 0) */

	/* revocation */
	enum scl_revocation_mode crl;	/* default hard-fail */
	char *crl_dir;			/* *.pem / *.crl files */
	char *crl_cache_dir;		/* downloaded CDP CRLs (default /var/cache/sclogin/crl) */
	int crl_fetch;			/* download from CDP http:// URLs (default 0) */
	enum scl_revocation_mode ocsp;	/* default off */
	char *ocsp_url;			/* responder; NULL = use the AIA */
	unsigned revocation_timeout_ms;	/* hard budget for all network (default 3000) */
	/* certificate and revocation rules (issue 12) */
	unsigned crl_grace_s;		/* `crl_grace`: s past nextUpdate a CRL
					 * still counts as current (default 0) */
	int ocsp_require_nonce;		/* refuse OCSP answers without our nonce,
					 * no cached answers (default 0) */
	int allow_weak_keys;		/* accept RSA < 2048, EC < P-256
					 * (default 0; the module logs it) */

	/* mapping */
	enum scl_map_method mapping[8];	/* default: mapfile, authorized */
	size_t n_mapping;
	char *mapfile;			/* default /etc/sclogin/mapping */
	char *upn_domain[SCL_CONFIG_LIST_MAX];	/* UPN must be user@<one of
						 * them>; required by upn */
	size_t n_upn_domain;
	int allow_card_only;		/* no user name: take it from the card (default 1) */
	unsigned slots;			/* SCL_SIGNIN_KEY_* read at sign-in
					 * (default 9A) */

	/* card and PIN */
	unsigned wait_for_card_s;	/* 0: don't wait (default 0) */
	unsigned card_timeout_ms;	/* bound for connect/transmit (default 10000) */
	enum scl_extended_apdus extended_apdus;	/* PIV: default auto */
	unsigned scan_timeout_ms;	/* one deadline for a whole scan, every
					 * reader, server and module
					 * (default 5000) */
	unsigned auth_timeout_ms;	/* one deadline for authenticate / PIN
					 * change after the PIN (default 10000) */
	enum scl_last_try last_try;	/* default refuse */
	unsigned low_tries_warn;	/* show tries left at or below (default 2) */
	enum scl_unknown_tries unknown_tries;	/* default warn */
	struct scl_pin_policy pin_policy;
	int empty_pin_unavail;		/* empty PIN = other sign-in option (default 1) */

	/* account */
	char *require_card_users[SCL_CONFIG_LIST_MAX];
	size_t n_require_card_users;
	char *require_card_groups[SCL_CONFIG_LIST_MAX];
	size_t n_require_card_groups;
	int require_card;		/* this service requires a card (default 0) */
	char *exempt_services[SCL_CONFIG_LIST_MAX];	/* default cron, crond, atd, systemd-user */
	size_t n_exempt_services;
	char *exempt_users[SCL_CONFIG_LIST_MAX];	/* break-glass accounts */
	size_t n_exempt_users;

	/* session */
	enum scl_removal_action removal_action;	/* default none */
	unsigned removal_debounce_ms;	/* default 1500 */
	char *state_dir;		/* default /var/lib/sclogin */
	char *cert_cache;		/* certificate cache directory
					 * (certcache.h), default
					 * /var/cache/sclogin/certs; NULL:
					 * off (cert_cache = no) */
	char *record_group;		/* NULL: records private to root */

	/* card backends (backend.h) */
	char *backends[SCL_CONFIG_LIST_MAX];	/* "piv", "pkcs11" in order
						 * (default piv) */
	size_t n_backends;
	char *pkcs11_modules[SCL_CONFIG_LIST_MAX]; /* empty: p11-kit's */
	size_t n_pkcs11_modules;
	char *pkcs11_helper;		/* default SCL_P11_HELPER_PATH */

	int debug;
	int apdu_trace;

	/* directory mapping (mapping method `directory`, sclogin.conf(5)) */
	char *directory_uri[SCL_CONFIG_LIST_MAX];	/* ldaps:// or ldap://
					 * (StartTLS), tried in order */
	size_t n_directory_uri;
	char *directory_base;		/* search base DN */
	char *directory_filter;		/* ANDed to the match, NULL none */
	unsigned directory_match;	/* SCL_DIR_MATCH_*; default certificate,
					 * altsecid */
	enum scl_dir_cert_assertion directory_certificate_assertion;
	char *directory_user_attribute;		/* default uid */
	char *directory_certificate_attribute;	/* userCertificate;binary */
	char *directory_altsecid_attribute;	/* altSecurityIdentities */
	char *directory_upn_attribute;		/* userPrincipalName */
	char *directory_ca_file;	/* CA of the servers; NULL: system's */
	enum scl_dir_bind directory_bind;	/* default anonymous */
	char *directory_bind_dn;
	char *directory_bind_secret_file;	/* root-only file */
	char *directory_client_cert;	/* PEM, for SASL EXTERNAL */
	char *directory_client_key;
	unsigned directory_timeout_ms;	/* budget of all servers (default 3000) */
	int directory_plaintext;	/* TESTS ONLY: ldap:// without StartTLS */
	unsigned offline_max_age;	/* s; 0: no offline cache (default) */
};

/*
 * Load path for service (NULL or "" for global keys only).  A missing file
 * at the default path gives the built-in defaults; a missing explicitly
 * named file is an error.  On error returns SCL_ERR_CONFIG (or NOMEM /
 * SYSTEM) with a message "FILE:LINE: what is wrong" in errbuf; *ret_cfg is
 * untouched.  check_owner: enforce root ownership and mode (0 for tests and
 * `sclogin doctor --config` by a user).
 */
int scl_config_load(const char *path, const char *service, int check_owner,
    struct scl_config **ret_cfg, char *errbuf, size_t errlen);

/*
 * Rules between keys, checked once every source is applied (the file, its
 * service section, then module arguments): `upn` in mapping needs
 * upn_domain.  0, or SCL_ERR_CONFIG with the sentence that fixes it in
 * errbuf.  scl_config_load and scl_config_parse_buffer call it; callers that
 * apply scl_config_set afterwards call it again.
 */
int scl_config_validate(const struct scl_config *cfg, char *errbuf,
    size_t errlen);

/* Defaults only (never fails except on NOMEM). */
int scl_config_defaults(struct scl_config **ret_cfg);

/*
 * Apply one "key=value" override (PAM module argument).  Same keys and
 * values as the file; SCL_ERR_CONFIG with a message on error.
 */
int scl_config_set(struct scl_config *cfg, const char *key, const char *value,
    char *errbuf, size_t errlen);

void scl_config_free(struct scl_config **cfgp);

/*
 * Same as scl_config_load on a memory buffer (untrusted bytes, need not be
 * NUL-terminated); name is used in messages ("NAME:LINE: ...").  No owner,
 * mode or size checks beyond SCL_CONFIG_MAX_SIZE.  Used by the fuzzer and
 * by tests.  *ret_cfg untouched on failure.
 */
int scl_config_parse_buffer(const char *name, const void *buf, size_t len,
    const char *service, struct scl_config **ret_cfg, char *errbuf,
    size_t errlen);

/* Longest line accepted (without the newline). */
#define SCL_CONFIG_LINE_MAX 4096

/*
 * The key table, for documentation checks and `sclogin doctor`: the name of
 * key i, NULL when i is past the end.  Static strings.
 */
const char *scl_config_key_name(size_t i);

/* Names as written in the file ("soft-fail", "upn", "confirm"); "?" if
 * out of range.  Static strings. */
const char *scl_revocation_mode_name(enum scl_revocation_mode m);
const char *scl_map_method_name(enum scl_map_method m);
const char *scl_last_try_name(enum scl_last_try t);
const char *scl_unknown_tries_name(enum scl_unknown_tries t);

/*
 * Parse a `slots` value: a comma-separated list of 9a, 9e and 9c (any
 * case, spaces around items allowed), into SCL_SIGNIN_KEY_* bits.  An
 * empty list, an empty item or another name is SCL_ERR_CONFIG; *ret_mask
 * untouched on failure.  Shared by the config file, the module argument
 * and `sclogin doctor`.
 */
int scl_config_parse_slots(const char *s, unsigned *ret_mask);

/* "9a,9e" for a mask (the order above); "" for 0.  At least 12 bytes. */
void scl_config_format_slots(unsigned mask, char *buf, size_t len);

/* Helper for list keys. */
int scl_config_list_has(char *const *list, size_t n, const char *s);

const char *scl_removal_action_name(enum scl_removal_action a);
/* "auto" / "off" (extended_apdus =). */
const char *scl_extended_apdus_name(enum scl_extended_apdus e);

/* "certificate,altsecid" for directory_match bits (at least 32 bytes). */
void scl_config_format_dir_match(unsigned bits, char *buf, size_t len);

#endif
