/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admfile.h"
#include "scl-config.h"
#include "backend.h"
#include "config.h"
#include "cursor.h"
#include "err.h"

enum key_type {
	T_PATH,		/* absolute path, empty = unset */
	T_NAME,		/* a user or group name, empty = unset */
	T_URL,		/* http:// URL, empty = unset */
	T_DOMAINS,	/* comma-separated DNS domains: like T_LIST */
	T_BOOL,
	T_UINT,
	T_REVOCATION,
	T_LAST_TRY,
	T_UNKNOWN_TRIES,
	T_SLOTS,
	T_REMOVAL,
	T_EXTENDED,
	T_MAPPING,
	T_LIST,		/* comma-separated names */
	T_PIN_MIN,
	T_PIN_MAX,
	T_CLASS,
	T_TEXT,		/* any one-line text, empty = unset */
	T_ATTR,		/* an LDAP attribute description, empty = unset */
	T_LDAP_URIS,	/* comma-separated ldap:// / ldaps:// URIs */
	T_DIR_MATCH,
	T_DIR_CERT,
	T_DIR_BIND,
	T_BACKENDS,	/* comma-separated piv, pkcs11: like T_LIST */
	T_PATH_LIST,	/* comma-separated absolute paths: like T_LIST */
};

struct key {
	const char *name;
	enum key_type type;
	size_t off;
	size_t off_n;		/* T_LIST: the count */
	unsigned min, max;	/* T_UINT */
};

#define F(f) offsetof(struct scl_config, f)
#define PP(f) (offsetof(struct scl_config, pin_policy) + \
    offsetof(struct scl_pin_policy, f))

static const struct key keys[] = {
	{ "ca_file", T_PATH, F(ca_file), 0, 0, 0 },
	{ "ca_dir", T_PATH, F(ca_dir), 0, 0, 0 },
	{ "eku_smartcard_logon", T_BOOL, F(eku_smartcard_logon), 0, 0, 0 },
	{ "eku_client_auth", T_BOOL, F(eku_client_auth), 0, 0, 0 },
	{ "eku_allow_none", T_BOOL, F(eku_allow_none), 0, 0, 0 },
	{ "crl", T_REVOCATION, F(crl), 0, 0, 0 },
	{ "crl_dir", T_PATH, F(crl_dir), 0, 0, 0 },
	{ "crl_cache_dir", T_PATH, F(crl_cache_dir), 0, 0, 0 },
	{ "crl_fetch", T_BOOL, F(crl_fetch), 0, 0, 0 },
	{ "ocsp", T_REVOCATION, F(ocsp), 0, 0, 0 },
	{ "ocsp_url", T_URL, F(ocsp_url), 0, 0, 0 },
	{ "revocation_timeout_ms", T_UINT, F(revocation_timeout_ms), 0,
	    100, 60000 },
	/* certificate and revocation rules (issue 12) */
	{ "crl_grace", T_UINT, F(crl_grace_s), 0, 0, 30u * 24u * 3600u },
	{ "ocsp_require_nonce", T_BOOL, F(ocsp_require_nonce), 0, 0, 0 },
	{ "allow_weak_keys", T_BOOL, F(allow_weak_keys), 0, 0, 0 },
	{ "mapping", T_MAPPING, F(mapping), F(n_mapping), 0, 0 },
	{ "mapfile", T_PATH, F(mapfile), 0, 0, 0 },
	{ "upn_domain", T_DOMAINS, F(upn_domain), F(n_upn_domain), 0, 0 },
	{ "allow_card_only", T_BOOL, F(allow_card_only), 0, 0, 0 },
	{ "slots", T_SLOTS, F(slots), 0, 0, 0 },
	{ "wait_for_card", T_UINT, F(wait_for_card_s), 0, 0, 3600 },
	{ "card_timeout_ms", T_UINT, F(card_timeout_ms), 0, 100, 120000 },
	{ "extended_apdus", T_EXTENDED, F(extended_apdus), 0, 0, 0 },
	{ "scan_timeout_ms", T_UINT, F(scan_timeout_ms), 0, 500, 120000 },
	{ "auth_timeout_ms", T_UINT, F(auth_timeout_ms), 0, 1000, 120000 },
	{ "last_try", T_LAST_TRY, F(last_try), 0, 0, 0 },
	{ "low_tries_warn", T_UINT, F(low_tries_warn), 0, 0, 15 },
	{ "unknown_tries", T_UNKNOWN_TRIES, F(unknown_tries), 0, 0, 0 },
	{ "pin_min_length", T_PIN_MIN, PP(min_len), 0, 1, 8 },
	{ "pin_max_length", T_PIN_MAX, PP(max_len), 0, 1, 127 },
	{ "pin_upper", T_CLASS, PP(upper), 0, 0, 0 },
	{ "pin_lower", T_CLASS, PP(lower), 0, 0, 0 },
	{ "pin_digit", T_CLASS, PP(digit), 0, 0, 0 },
	{ "pin_special", T_CLASS, PP(special), 0, 0, 0 },
	{ "empty_pin_unavail", T_BOOL, F(empty_pin_unavail), 0, 0, 0 },
	{ "require_card", T_BOOL, F(require_card), 0, 0, 0 },
	{ "require_card_users", T_LIST, F(require_card_users),
	    F(n_require_card_users), 0, 0 },
	{ "require_card_groups", T_LIST, F(require_card_groups),
	    F(n_require_card_groups), 0, 0 },
	{ "exempt_services", T_LIST, F(exempt_services),
	    F(n_exempt_services), 0, 0 },
	{ "exempt_users", T_LIST, F(exempt_users), F(n_exempt_users), 0, 0 },
	{ "removal_action", T_REMOVAL, F(removal_action), 0, 0, 0 },
	{ "removal_debounce_ms", T_UINT, F(removal_debounce_ms), 0, 0,
	    60000 },
	{ "state_dir", T_PATH, F(state_dir), 0, 0, 0 },
	{ "cert_cache", T_PATH, F(cert_cache), 0, 0, 0 },
	{ "record_group", T_NAME, F(record_group), 0, 0, 0 },
	{ "backends", T_BACKENDS, F(backends), F(n_backends), 0, 0 },
	{ "pkcs11_modules", T_PATH_LIST, F(pkcs11_modules),
	    F(n_pkcs11_modules), 0, 0 },
	{ "pkcs11_helper", T_PATH, F(pkcs11_helper), 0, 0, 0 },
	{ "debug", T_BOOL, F(debug), 0, 0, 0 },
	{ "apdu_trace", T_BOOL, F(apdu_trace), 0, 0, 0 },
	{ "directory_uri", T_LDAP_URIS, F(directory_uri), F(n_directory_uri),
	    0, 0 },
	{ "directory_base", T_TEXT, F(directory_base), 0, 0, 0 },
	{ "directory_filter", T_TEXT, F(directory_filter), 0, 0, 0 },
	{ "directory_match", T_DIR_MATCH, F(directory_match), 0, 0, 0 },
	{ "directory_certificate_assertion", T_DIR_CERT,
	    F(directory_certificate_assertion), 0, 0, 0 },
	{ "directory_user_attribute", T_ATTR, F(directory_user_attribute), 0,
	    0, 0 },
	{ "directory_certificate_attribute", T_ATTR,
	    F(directory_certificate_attribute), 0, 0, 0 },
	{ "directory_altsecid_attribute", T_ATTR,
	    F(directory_altsecid_attribute), 0, 0, 0 },
	{ "directory_upn_attribute", T_ATTR, F(directory_upn_attribute), 0,
	    0, 0 },
	{ "directory_ca_file", T_PATH, F(directory_ca_file), 0, 0, 0 },
	{ "directory_bind", T_DIR_BIND, F(directory_bind), 0, 0, 0 },
	{ "directory_bind_dn", T_TEXT, F(directory_bind_dn), 0, 0, 0 },
	{ "directory_bind_secret_file", T_PATH,
	    F(directory_bind_secret_file), 0, 0, 0 },
	{ "directory_client_cert", T_PATH, F(directory_client_cert), 0, 0, 0 },
	{ "directory_client_key", T_PATH, F(directory_client_key), 0, 0, 0 },
	{ "directory_timeout_ms", T_UINT, F(directory_timeout_ms), 0, 100,
	    60000 },
	{ "directory_plaintext_for_tests", T_BOOL, F(directory_plaintext), 0,
	    0, 0 },
	{ "offline_max_age", T_UINT, F(offline_max_age), 0, 0,
	    90u * 24u * 3600u },
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))
#define N_MAP_MAX (sizeof(((struct scl_config *)0)->mapping) / \
    sizeof(((struct scl_config *)0)->mapping[0]))
#define SERVICES_MAX 64
#define SERVICE_NAME_MAX 64

static const char *const revocation_names[] = {
	[SCL_REVOCATION_OFF] = "off",
	[SCL_REVOCATION_SOFT_FAIL] = "soft-fail",
	[SCL_REVOCATION_HARD_FAIL] = "hard-fail",
};

static const char *const last_try_names[] = {
	[SCL_LAST_TRY_REFUSE] = "refuse",
	[SCL_LAST_TRY_CONFIRM] = "confirm",
};

static const char *const unknown_tries_names[] = {
	[SCL_UNKNOWN_TRIES_WARN] = "warn",
	[SCL_UNKNOWN_TRIES_REFUSE] = "refuse",
};

static const struct {
	const char *name;
	unsigned bit;
} slot_names[] = {
	{ "9a", SCL_SIGNIN_KEY_9A },
	{ "9e", SCL_SIGNIN_KEY_9E },
	{ "9c", SCL_SIGNIN_KEY_9C },
};

static const char *const removal_names[] = {
	[SCL_REMOVAL_NONE] = "none",
	[SCL_REMOVAL_LOCK] = "lock",
	[SCL_REMOVAL_LOGOUT] = "logout",
};

static const char *const extended_names[] = {
	[SCL_EXTENDED_AUTO] = "auto",
	[SCL_EXTENDED_OFF] = "off",
};

static const char *const map_names[] = {
	[SCL_MAP_UPN] = "upn",
	[SCL_MAP_CN] = "cn",
	[SCL_MAP_EMAIL] = "email",
	[SCL_MAP_SUBJECT] = "subject",
	[SCL_MAP_FINGERPRINT] = "fingerprint",
	[SCL_MAP_MAPFILE] = "mapfile",
	[SCL_MAP_AUTHORIZED] = "authorized",
	[SCL_MAP_DIRECTORY] = "directory",
};

static const struct {
	const char *name;
	unsigned bit;
} dir_match_names[] = {
	{ "certificate", SCL_DIR_MATCH_CERTIFICATE },
	{ "altsecid", SCL_DIR_MATCH_ALTSECID },
	{ "upn", SCL_DIR_MATCH_UPN },
};

static const char *const dir_cert_names[] = {
	[SCL_DIR_CERT_DER] = "der",
	[SCL_DIR_CERT_ISSUER_SERIAL] = "issuer-serial",
};

static const char *const dir_bind_names[] = {
	[SCL_DIR_BIND_ANONYMOUS] = "anonymous",
	[SCL_DIR_BIND_SIMPLE] = "simple",
	[SCL_DIR_BIND_EXTERNAL] = "external",
};

/* Config messages quote user text between '', cut to one line. */
#define ESC (SCL_ESCAPE_QUOTE | SCL_ESCAPE_SHORT)

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A parsed value, not yet stored. */
struct val {
	char *s;
	char *list[SCL_CONFIG_LIST_MAX];
	size_t n;
	enum scl_map_method map[8];
	unsigned u;
	int i;
};

const char *
scl_config_key_name(size_t i)
{
	return i < N_KEYS ? keys[i].name : NULL;
}

const char *
scl_revocation_mode_name(enum scl_revocation_mode m)
{
	return (size_t)m < NELEM(revocation_names) ? revocation_names[m] : "?";
}

const char *
scl_last_try_name(enum scl_last_try t)
{
	return (size_t)t < NELEM(last_try_names) ? last_try_names[t] : "?";
}

const char *
scl_unknown_tries_name(enum scl_unknown_tries t)
{
	return (size_t)t < NELEM(unknown_tries_names) ?
	    unknown_tries_names[t] : "?";
}

const char *
scl_removal_action_name(enum scl_removal_action a)
{
	return (size_t)a < NELEM(removal_names) ? removal_names[a] : "?";
}

const char *
scl_extended_apdus_name(enum scl_extended_apdus e)
{
	return (size_t)e < NELEM(extended_names) ? extended_names[e] : "?";
}

const char *
scl_map_method_name(enum scl_map_method m)
{
	if ((size_t)m < NELEM(map_names) && map_names[m] != NULL)
		return map_names[m];
	return "?";
}

int
scl_config_list_has(char *const *list, size_t n, const char *s)
{
	if (list == NULL || s == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (list[i] != NULL && strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static void
list_clear(char **list, size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		free(list[i]);
		list[i] = NULL;
	}
	*n = 0;
}

static void
val_clear(struct val *v)
{
	free(v->s);
	v->s = NULL;
	list_clear(v->list, &v->n);
	memset(v, 0, sizeof(*v));
}

static void
free_fields(struct scl_config *c)
{
	for (size_t k = 0; k < N_KEYS; k++) {
		uint8_t *base = (uint8_t *)c;

		switch (keys[k].type) {
		case T_PATH:
		case T_NAME:
		case T_URL:
		case T_TEXT:
		case T_ATTR: {
			char **sp = (char **)(void *)(base + keys[k].off);

			free(*sp);
			*sp = NULL;
			break;
		}
		case T_LIST:
		case T_LDAP_URIS:
		case T_BACKENDS:
		case T_PATH_LIST:
		case T_DOMAINS:
			list_clear((char **)(void *)(base + keys[k].off),
			    (size_t *)(void *)(base + keys[k].off_n));
			break;
		default:
			break;
		}
	}
}

void
scl_config_free(struct scl_config **cfgp)
{
	if (cfgp == NULL || *cfgp == NULL)
		return;
	free_fields(*cfgp);
	free(*cfgp);
	*cfgp = NULL;
}

static int
parse_bool(const char *s, int *ret)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 ||
	    strcmp(s, "1") == 0) {
		*ret = 1;
		return 0;
	}
	if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0 ||
	    strcmp(s, "0") == 0) {
		*ret = 0;
		return 0;
	}
	return SCL_ERR_CONFIG;
}

static int
parse_uint(const char *s, unsigned min, unsigned max, unsigned *ret)
{
	unsigned long v = 0;

	if (*s == '\0')
		return SCL_ERR_CONFIG;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return SCL_ERR_CONFIG;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return SCL_ERR_CONFIG;
	}
	if (v < min)
		return SCL_ERR_CONFIG;
	*ret = (unsigned)v;
	return 0;
}

static int
parse_name(const char *const *names, size_t n, const char *s, int *ret)
{
	for (size_t i = 0; i < n; i++) {
		if (names[i] != NULL && strcmp(names[i], s) == 0) {
			*ret = (int)i;
			return 0;
		}
	}
	return SCL_ERR_CONFIG;
}

static int
is_list_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	    c == '@' || c == '+' || c == '$' || c == '\\';
}

static int
has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if (((uint8_t)*s < 0x20 && *s != '\t') || (uint8_t)*s == 0x7f)
			return 1;
	return 0;
}

/*
 * Split a comma-separated list into trimmed items; each item goes through
 * check().  why gets a static reason on error.
 */
static int
split_list(const char *s, size_t max, char **out, size_t *ret_n,
    int (*check)(const char *, size_t), const char **why)
{
	size_t n = 0;
	int r = SCL_ERR_INTERNAL;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0') {
		*ret_n = 0;
		return 0;
	}
	for (;;) {
		const char *end = strchr(s, ',');
		size_t len;

		if (end == NULL)
			end = s + strlen(s);
		len = (size_t)(end - s);
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len == 0) {
			*why = "empty list item";
			r = SCL_ERR_CONFIG;
			goto out;
		}
		if (n >= max) {
			*why = "too many list items";
			r = SCL_ERR_CONFIG;
			goto out;
		}
		if (!check(s, len)) {
			*why = "invalid list item";
			r = SCL_ERR_CONFIG;
			goto out;
		}
		if ((out[n] = strndup(s, len)) == NULL) {
			r = SCL_ERR_NOMEM;
			goto out;
		}
		n++;
		if (*end == '\0')
			break;
		s = end + 1;
		while (*s == ' ' || *s == '\t')
			s++;
	}
	*ret_n = n;
	r = 0;
out:
	if (r != 0)
		list_clear(out, &n);
	return r;
}

static int
check_name(const char *s, size_t len)
{
	if (len > 256)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_list_char(s[i]))
			return 0;
	return 1;
}

static int
check_backend(const char *s, size_t len)
{
	return (len == 3 && memcmp(s, "piv", 3) == 0) ||
	    (len == 6 && memcmp(s, "pkcs11", 6) == 0);
}

static int
check_path(const char *s, size_t len)
{
	return len > 1 && len < 4096 && s[0] == '/' &&
	    memchr(s, ' ', len) == NULL;
}

static int
check_map(const char *s, size_t len)
{
	for (size_t i = 0; i < NELEM(map_names); i++)
		if (map_names[i] != NULL && strlen(map_names[i]) == len &&
		    memcmp(map_names[i], s, len) == 0)
			return 1;
	return 0;
}

/* RFC 4512 attribute description: name or OID, options after ';'. */
static int
check_attr(const char *s, size_t len)
{
	if (len == 0 || len > 128)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == ';' ||
		    (c == '.' && i > 0)))
			return 0;
	}
	return 1;
}

static int
check_ldap_uri(const char *s, size_t len)
{
	size_t pl;

	if (len > 7 && strncmp(s, "ldaps://", 8) == 0)
		pl = 8;
	else if (len > 6 && strncmp(s, "ldap://", 7) == 0)
		pl = 7;
	else
		return 0;
	if (len == pl || len > 256)
		return 0;
	for (size_t i = pl; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == ':' || c == '[' || c == ']' || (c == '/' &&
		    i == len - 1)))
			return 0;
	}
	return 1;
}

static int
check_dir_match(const char *s, size_t len)
{
	for (size_t i = 0; i < NELEM(dir_match_names); i++)
		if (strlen(dir_match_names[i].name) == len &&
		    memcmp(dir_match_names[i].name, s, len) == 0)
			return 1;
	return 0;
}

void
scl_config_format_dir_match(unsigned bits, char *buf, size_t len)
{
	size_t o = 0;

	if (buf == NULL || len == 0)
		return;
	buf[0] = '\0';
	for (size_t k = 0; k < NELEM(dir_match_names); k++) {
		if ((bits & dir_match_names[k].bit) == 0 ||
		    o + strlen(dir_match_names[k].name) + 2 > len)
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o > 0 ? "," :
		    "", dir_match_names[k].name);
	}
}

static int
check_slot(const char *s, size_t len)
{
	for (size_t i = 0; i < NELEM(slot_names); i++)
		if (len == 2 && strncasecmp(slot_names[i].name, s, 2) == 0)
			return 1;
	return 0;
}

int
scl_config_parse_slots(const char *s, unsigned *ret_mask)
{
	char *items[SCL_CONFIG_LIST_MAX];
	const char *why = NULL;
	size_t n = 0;
	unsigned mask = 0;
	int r = SCL_ERR_INTERNAL;

	if (s == NULL || ret_mask == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = split_list(s, SCL_CONFIG_LIST_MAX, items, &n, check_slot,
	    &why)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < NELEM(slot_names); k++)
			if (strcasecmp(items[i], slot_names[k].name) == 0)
				mask |= slot_names[k].bit;
	if (mask == 0) {
		r = SCL_ERR_CONFIG;
		goto out;
	}
	*ret_mask = mask;
	r = 0;
out:
	list_clear(items, &n);
	return r;
}

void
scl_config_format_slots(unsigned mask, char *buf, size_t len)
{
	size_t o = 0;

	if (buf == NULL || len == 0)
		return;
	buf[0] = '\0';
	for (size_t k = 0; k < NELEM(slot_names); k++) {
		if ((mask & slot_names[k].bit) == 0 || o + 4 > len)
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o > 0 ? "," : "",
		    slot_names[k].name);
	}
}

static int
check_domain(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return 0;
		if (c == '.' && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

static int
check_domain_item(const char *s, size_t len)
{
	char d[254];

	if (len >= sizeof(d))
		return 0;
	memcpy(d, s, len);
	d[len] = '\0';
	return check_domain(d);
}

/*
 * Parse value for key k into *ret.  On error returns SCL_ERR_CONFIG with a
 * static explanation in *why (or SCL_ERR_NOMEM); *ret then holds nothing.
 */
static int
parse_value(const struct key *k, const char *value, struct val *ret,
    const char **why)
{
	struct val v;
	int r = SCL_ERR_CONFIG;

	memset(&v, 0, sizeof(v));
	*why = "invalid value";
	if (has_ctl(value)) {
		*why = "control character in value";
		goto out;
	}
	switch (k->type) {
	case T_PATH:
		if (strcmp(k->name, "cert_cache") == 0 &&
		    strcmp(value, "no") == 0)
			value = "";
		if (*value != '\0' && *value != '/') {
			*why = "expected an absolute path";
			goto out;
		}
		if (strlen(value) >= 4096) {
			*why = "path too long";
			goto out;
		}
		break;
	case T_NAME:
		if (*value != '\0' && !check_name(value, strlen(value))) {
			*why = "expected a user or group name";
			goto out;
		}
		break;
	case T_URL:
		if (*value != '\0' && (strncmp(value, "http://", 7) != 0 ||
		    value[7] == '\0' || strchr(value, ' ') != NULL)) {
			*why = "expected an http:// URL";
			goto out;
		}
		break;
	case T_DOMAINS:
		if ((r = split_list(value, SCL_CONFIG_LIST_MAX, v.list, &v.n,
		    check_domain_item, why)) != 0) {
			if (r == SCL_ERR_CONFIG)
				*why = "expected a list of domain names "
				    "(example.com, corp.example.com)";
			goto out;
		}
		break;
	case T_BOOL:
		if (parse_bool(value, &v.i) != 0) {
			*why = "expected yes, no, true, false, 1 or 0";
			goto out;
		}
		break;
	case T_UINT:
	case T_PIN_MIN:
	case T_PIN_MAX:
		if (parse_uint(value, k->min, k->max, &v.u) != 0) {
			*why = "expected a whole number in the allowed range";
			goto out;
		}
		break;
	case T_REVOCATION:
		if (parse_name(revocation_names, NELEM(revocation_names),
		    value, &v.i) != 0) {
			*why = "expected off, soft-fail or hard-fail";
			goto out;
		}
		break;
	case T_LAST_TRY:
		if (parse_name(last_try_names, NELEM(last_try_names), value,
		    &v.i) != 0) {
			*why = "expected refuse or confirm";
			goto out;
		}
		break;
	case T_REMOVAL:
		if (parse_name(removal_names, NELEM(removal_names), value,
		    &v.i) != 0) {
			*why = "expected none, lock or logout";
			goto out;
		}
		break;
	case T_EXTENDED:
		if (parse_name(extended_names, NELEM(extended_names), value,
		    &v.i) != 0) {
			*why = "expected auto or off";
			goto out;
		}
		break;
	case T_UNKNOWN_TRIES:
		if (parse_name(unknown_tries_names, NELEM(unknown_tries_names),
		    value, &v.i) != 0) {
			*why = "expected warn or refuse";
			goto out;
		}
		break;
	case T_SLOTS:
		if ((r = scl_config_parse_slots(value, &v.u)) != 0) {
			if (r == SCL_ERR_CONFIG)
				*why = "expected a list of 9a, 9e, 9c";
			goto out;
		}
		break;
	case T_CLASS: {
		enum scl_class_rule cr;

		if (scl_class_rule_parse(value, &cr) != 0) {
			*why = "expected allowed, required or disallowed";
			goto out;
		}
		v.i = (int)cr;
		break;
	}
	case T_LIST:
		if ((r = split_list(value, SCL_CONFIG_LIST_MAX, v.list, &v.n,
		    check_name, why)) != 0)
			goto out;
		break;
	case T_TEXT:
		if (strlen(value) > 1024) {
			*why = "value too long";
			goto out;
		}
		break;
	case T_ATTR:
		if (*value != '\0' && !check_attr(value, strlen(value))) {
			*why = "expected an LDAP attribute name";
			goto out;
		}
		break;
	case T_LDAP_URIS:
		if ((r = split_list(value, SCL_CONFIG_LIST_MAX, v.list, &v.n,
		    check_ldap_uri, why)) != 0) {
			if (r == SCL_ERR_CONFIG)
				*why = "expected ldaps://HOST[:PORT] or "
				    "ldap://HOST[:PORT] URIs, comma-separated";
			goto out;
		}
		break;
	case T_DIR_MATCH: {
		char *items[SCL_CONFIG_LIST_MAX];
		size_t n = 0;

		if ((r = split_list(value, SCL_CONFIG_LIST_MAX, items, &n,
		    check_dir_match, why)) != 0 || n == 0) {
			list_clear(items, &n);
			*why = "expected a list of certificate, altsecid, upn";
			r = r == SCL_ERR_NOMEM ? r : SCL_ERR_CONFIG;
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < NELEM(dir_match_names); j++)
				if (strcmp(items[i], dir_match_names[j].name)
				    == 0)
					v.u |= dir_match_names[j].bit;
		list_clear(items, &n);
		break;
	}
	case T_DIR_CERT:
		if (parse_name(dir_cert_names, NELEM(dir_cert_names), value,
		    &v.i) != 0) {
			*why = "expected der or issuer-serial";
			goto out;
		}
		break;
	case T_DIR_BIND:
		if (parse_name(dir_bind_names, NELEM(dir_bind_names), value,
		    &v.i) != 0) {
			*why = "expected anonymous, simple or external";
			goto out;
		}
		break;
	case T_PATH_LIST:
		if ((r = split_list(value, SCL_BACKEND_MODULES_MAX, v.list,
		    &v.n, check_path, why)) != 0) {
			if (r == SCL_ERR_CONFIG)
				*why = "expected a list of absolute paths "
				    "(at most 8)";
			goto out;
		}
		break;
	case T_BACKENDS:
		if ((r = split_list(value, 2, v.list, &v.n, check_backend,
		    why)) != 0 || v.n == 0 || (v.n == 2 &&
		    strcmp(v.list[0], v.list[1]) == 0)) {
			*why = "expected piv, pkcs11 or both, each once";
			r = SCL_ERR_CONFIG;
			goto out;
		}
		break;
	case T_MAPPING: {
		char *items[SCL_CONFIG_LIST_MAX];
		size_t n = 0;

		if ((r = split_list(value, N_MAP_MAX, items, &n, check_map,
		    why)) != 0) {
			if (r == SCL_ERR_CONFIG)
				*why = "expected a list of upn, cn, email, "
				    "subject, fingerprint, mapfile, authorized, "
				    "directory (at most 8)";
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			int m = 0;

			(void)parse_name(map_names, NELEM(map_names), items[i],
			    &m);
			for (size_t j = 0; j < i; j++)
				if ((int)v.map[j] == m)
					r = SCL_ERR_CONFIG;
			v.map[i] = (enum scl_map_method)m;
		}
		v.n = n;
		list_clear(items, &n);
		if (r == SCL_ERR_CONFIG) {
			*why = "mapping method listed twice";
			v.n = 0;
			goto out;
		}
		if (v.n == 0) {
			*why = "at least one mapping method is needed";
			r = SCL_ERR_CONFIG;
			goto out;
		}
		break;
	}
	}
	if (k->type == T_PATH || k->type == T_NAME || k->type == T_URL ||
	    k->type == T_TEXT || k->type == T_ATTR) {
		if (*value != '\0' && (v.s = strdup(value)) == NULL) {
			r = SCL_ERR_NOMEM;
			goto out;
		}
	}
	*ret = v;
	memset(&v, 0, sizeof(v));
	r = 0;
out:
	val_clear(&v);
	return r;
}

/* Store v (consumed) into c. */
static void
store_value(const struct key *k, struct scl_config *c, struct val *v)
{
	uint8_t *p = (uint8_t *)c + k->off;

	switch (k->type) {
	case T_PATH:
	case T_NAME:
	case T_URL:
	case T_TEXT:
	case T_ATTR:
		free(*(char **)(void *)p);
		*(char **)(void *)p = v->s;
		v->s = NULL;
		break;
	case T_BOOL:
		*(int *)(void *)p = v->i;
		break;
	case T_UINT:
	case T_PIN_MIN:
	case T_PIN_MAX:
		*(unsigned *)(void *)p = v->u;
		break;
	case T_REVOCATION:
		*(enum scl_revocation_mode *)(void *)p =
		    (enum scl_revocation_mode)v->i;
		break;
	case T_LAST_TRY:
		*(enum scl_last_try *)(void *)p = (enum scl_last_try)v->i;
		break;
	case T_REMOVAL:
		*(enum scl_removal_action *)(void *)p =
		    (enum scl_removal_action)v->i;
		break;
	case T_EXTENDED:
		*(enum scl_extended_apdus *)(void *)p =
		    (enum scl_extended_apdus)v->i;
		break;
	case T_UNKNOWN_TRIES:
		*(enum scl_unknown_tries *)(void *)p =
		    (enum scl_unknown_tries)v->i;
		break;
	case T_SLOTS:
		*(unsigned *)(void *)p = v->u;
		break;
	case T_CLASS:
		*(enum scl_class_rule *)(void *)p = (enum scl_class_rule)v->i;
		break;
	case T_DIR_MATCH:
		*(unsigned *)(void *)p = v->u;
		break;
	case T_DIR_CERT:
		*(enum scl_dir_cert_assertion *)(void *)p =
		    (enum scl_dir_cert_assertion)v->i;
		break;
	case T_DIR_BIND:
		*(enum scl_dir_bind *)(void *)p = (enum scl_dir_bind)v->i;
		break;
	case T_LIST:
	case T_LDAP_URIS:
	case T_BACKENDS:
	case T_PATH_LIST:
	case T_DOMAINS: {
		char **list = (char **)(void *)p;
		size_t *n = (size_t *)(void *)((uint8_t *)c + k->off_n);

		list_clear(list, n);
		memcpy(list, v->list, v->n * sizeof(v->list[0]));
		*n = v->n;
		memset(v->list, 0, sizeof(v->list));
		v->n = 0;
		break;
	}
	case T_MAPPING:
		memset(c->mapping, 0, sizeof(c->mapping));
		memcpy(c->mapping, v->map, v->n * sizeof(v->map[0]));
		c->n_mapping = v->n;
		v->n = 0;
		break;
	}
}

/* Move key k's value from src to dst (src keeps no ownership). */
static void
move_value(const struct key *k, struct scl_config *dst,
    struct scl_config *src)
{
	uint8_t *d = (uint8_t *)dst + k->off, *s = (uint8_t *)src + k->off;

	switch (k->type) {
	case T_PATH:
	case T_NAME:
	case T_URL:
	case T_TEXT:
	case T_ATTR:
		free(*(char **)(void *)d);
		*(char **)(void *)d = *(char **)(void *)s;
		*(char **)(void *)s = NULL;
		break;
	case T_LIST:
	case T_LDAP_URIS:
	case T_BACKENDS:
	case T_PATH_LIST:
	case T_DOMAINS: {
		size_t *dn = (size_t *)(void *)((uint8_t *)dst + k->off_n);
		size_t *sn = (size_t *)(void *)((uint8_t *)src + k->off_n);

		list_clear((char **)(void *)d, dn);
		memcpy(d, s, SCL_CONFIG_LIST_MAX * sizeof(char *));
		*dn = *sn;
		memset(s, 0, SCL_CONFIG_LIST_MAX * sizeof(char *));
		*sn = 0;
		break;
	}
	case T_MAPPING:
		memcpy(dst->mapping, src->mapping, sizeof(dst->mapping));
		dst->n_mapping = src->n_mapping;
		break;
	case T_BOOL:
	case T_UINT:
	case T_PIN_MIN:
	case T_PIN_MAX:
	case T_REVOCATION:
	case T_LAST_TRY:
	case T_UNKNOWN_TRIES:
	case T_SLOTS:
	case T_REMOVAL:
	case T_EXTENDED:
	case T_CLASS:
	case T_DIR_MATCH:
	case T_DIR_CERT:
	case T_DIR_BIND:
		/* all these are int-sized scalars */
		memcpy(d, s, sizeof(int));
		break;
	}
}

static const struct key *
find_key(const char *name, size_t *ret_idx)
{
	for (size_t i = 0; i < N_KEYS; i++) {
		if (strcmp(keys[i].name, name) == 0) {
			if (ret_idx != NULL)
				*ret_idx = i;
			return &keys[i];
		}
	}
	return NULL;
}

static int
set_defaults(struct scl_config *c)
{
	static const char *const exempt[] = {
		"cron", "crond", "atd", "systemd-user",
	};

	memset(c, 0, sizeof(*c));
	c->eku_smartcard_logon = 1;
	c->eku_client_auth = 1;
	c->eku_allow_none = 0;
	c->crl = SCL_REVOCATION_HARD_FAIL;
	c->crl_fetch = 0;
	c->ocsp = SCL_REVOCATION_OFF;
	c->revocation_timeout_ms = 3000;
	c->mapping[0] = SCL_MAP_MAPFILE;
	c->mapping[1] = SCL_MAP_AUTHORIZED;
	c->n_mapping = 2;
	c->allow_card_only = 1;
	c->slots = SCL_SIGNIN_KEY_9A;
	c->wait_for_card_s = 0;
	c->card_timeout_ms = 10000;
	c->extended_apdus = SCL_EXTENDED_AUTO;
	c->scan_timeout_ms = 5000;
	c->auth_timeout_ms = 10000;
	c->last_try = SCL_LAST_TRY_REFUSE;
	c->low_tries_warn = 2;
	c->unknown_tries = SCL_UNKNOWN_TRIES_WARN;
	scl_pin_policy_default(&c->pin_policy);
	c->empty_pin_unavail = 1;
	c->require_card = 0;
	c->removal_action = SCL_REMOVAL_NONE;
	c->removal_debounce_ms = 1500;
	c->directory_match = SCL_DIR_MATCH_CERTIFICATE | SCL_DIR_MATCH_ALTSECID;
	c->directory_timeout_ms = 3000;
	if ((c->ca_file = strdup("/etc/sclogin/ca.pem")) == NULL ||
	    (c->crl_dir = strdup("/etc/sclogin/crl")) == NULL ||
	    (c->crl_cache_dir = strdup("/var/cache/sclogin/crl")) == NULL ||
	    (c->mapfile = strdup("/etc/sclogin/mapping")) == NULL ||
	    (c->state_dir = strdup("/var/lib/sclogin")) == NULL ||
	    (c->cert_cache = strdup("/var/cache/sclogin/certs")) == NULL ||
	    (c->directory_user_attribute = strdup("uid")) == NULL ||
	    (c->directory_certificate_attribute =
	    strdup("userCertificate;binary")) == NULL ||
	    (c->directory_altsecid_attribute =
	    strdup("altSecurityIdentities")) == NULL ||
	    (c->directory_upn_attribute = strdup("userPrincipalName")) == NULL ||
	    (c->pkcs11_helper = strdup(SCL_P11_HELPER_PATH)) == NULL ||
	    (c->backends[0] = strdup("piv")) == NULL)
		return SCL_ERR_NOMEM;
	c->n_backends = 1;
	for (size_t i = 0; i < NELEM(exempt); i++) {
		if ((c->exempt_services[i] = strdup(exempt[i])) == NULL)
			return SCL_ERR_NOMEM;
		c->n_exempt_services = i + 1;
	}
	return 0;
}

int
scl_config_defaults(struct scl_config **ret_cfg)
{
	struct scl_config *c = NULL;
	int r = SCL_ERR_INTERNAL;

	if (ret_cfg == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if ((r = set_defaults(c)) != 0)
		goto out;
	*ret_cfg = c;
	c = NULL;
	r = 0;
out:
	scl_config_free(&c);
	return r;
}

int
scl_config_set(struct scl_config *cfg, const char *key, const char *value,
    char *errbuf, size_t errlen)
{
	const struct key *k;
	struct val v;
	const char *why = NULL;
	char ek[80], ev[80];
	int r = SCL_ERR_INTERNAL;

	memset(&v, 0, sizeof(v));
	if (cfg == NULL || key == NULL || value == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	scl_err_escape(ek, sizeof(ek), key, strlen(key), ESC);
	if ((k = find_key(key, NULL)) == NULL) {
		scl_err_detail(errbuf, errlen, "unknown key '%s'", ek);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if ((r = parse_value(k, value, &v, &why)) != 0) {
		scl_err_escape(ev, sizeof(ev), value, strlen(value), ESC);
		if (r == SCL_ERR_CONFIG)
			scl_err_detail(errbuf, errlen, "%s = '%s': %s", ek, ev,
			    why);
		goto out;
	}
	if (k->type == T_PIN_MIN && v.u > cfg->pin_policy.max_len) {
		scl_err_detail(errbuf, errlen, "%s = %u: greater than "
		    "pin_max_length %u", ek, v.u, cfg->pin_policy.max_len);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if (k->type == T_PIN_MAX && v.u < cfg->pin_policy.min_len) {
		scl_err_detail(errbuf, errlen, "%s = %u: less than "
		    "pin_min_length %u", ek, v.u, cfg->pin_policy.min_len);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	store_value(k, cfg, &v);
	r = 0;
out:
	val_clear(&v);
	return r;
}

enum section {
	SEC_NONE,
	SEC_GLOBAL,
	SEC_SERVICE_MATCH,
	SEC_SERVICE_OTHER,
};

struct parser {
	const char *name;
	const char *service;
	struct scl_config *cfg;		/* global values */
	struct scl_config *ovr;		/* the matching service section */
	struct scl_config *scratch;	/* other services (validated only) */
	enum section sec;
	size_t sec_line;
	size_t key_line[N_KEYS];	/* in this section; 0 = not seen */
	size_t eff_line[N_KEYS];	/* where the effective value is */
	int ovr_set[N_KEYS];
	size_t global_line;
	char services[SERVICES_MAX][SERVICE_NAME_MAX + 1];
	size_t service_lines[SERVICES_MAX];
	size_t n_services;
	char *errbuf;
	size_t errlen;
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_service_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	    c == '@' || c == '+';
}

static int
parse_section(struct parser *ps, size_t lineno, char *s, size_t len)
{
	char esc[96];
	char *name;
	size_t nlen;

	/* s[0] == '[' */
	if (len < 2 || s[len - 1] != ']') {
		scl_err_escape(esc, sizeof(esc), s, len, ESC);
		scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: malformed "
		    "section header '%s' (expected [global] or [service NAME])",
		    ps->name, lineno, esc);
		return SCL_ERR_CONFIG;
	}
	s[len - 1] = '\0';
	s++;
	while (is_space(*s))
		s++;
	nlen = strlen(s);
	while (nlen > 0 && is_space(s[nlen - 1]))
		s[--nlen] = '\0';
	memset(ps->key_line, 0, sizeof(ps->key_line));
	ps->sec_line = lineno;
	if (strcmp(s, "global") == 0) {
		if (ps->global_line != 0) {
			scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: "
			    "duplicate section [global] (first at line %zu)",
			    ps->name, lineno, ps->global_line);
			return SCL_ERR_CONFIG;
		}
		ps->global_line = lineno;
		ps->sec = SEC_GLOBAL;
		return 0;
	}
	if (strncmp(s, "service", 7) != 0 || !is_space(s[7])) {
		scl_err_escape(esc, sizeof(esc), s, nlen, ESC);
		scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: unknown "
		    "section [%s] (expected [global] or [service NAME])",
		    ps->name, lineno, esc);
		return SCL_ERR_CONFIG;
	}
	name = s + 7;
	while (is_space(*name))
		name++;
	nlen = strlen(name);
	for (size_t i = 0; i < nlen; i++) {
		if (!is_service_char(name[i])) {
			scl_err_escape(esc, sizeof(esc), name, nlen, ESC);
			scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: "
			    "invalid service name '%s' (one PAM service name "
			    "per section)", ps->name, lineno, esc);
			return SCL_ERR_CONFIG;
		}
	}
	if (nlen == 0 || nlen > SERVICE_NAME_MAX) {
		scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: service name "
		    "%s", ps->name, lineno, nlen == 0 ? "missing" : "too long");
		return SCL_ERR_CONFIG;
	}
	for (size_t i = 0; i < ps->n_services; i++) {
		if (strcmp(ps->services[i], name) == 0) {
			scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: "
			    "duplicate section [service %s] (first at line "
			    "%zu)", ps->name, lineno, name,
			    ps->service_lines[i]);
			return SCL_ERR_CONFIG;
		}
	}
	if (ps->n_services >= SERVICES_MAX) {
		scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: too many "
		    "service sections (at most %d)", ps->name, lineno,
		    SERVICES_MAX);
		return SCL_ERR_CONFIG;
	}
	memcpy(ps->services[ps->n_services], name, nlen + 1);
	ps->service_lines[ps->n_services++] = lineno;
	ps->sec = (ps->service != NULL && strcmp(ps->service, name) == 0) ?
	    SEC_SERVICE_MATCH : SEC_SERVICE_OTHER;
	return 0;
}

static int
parse_keyval(struct parser *ps, size_t lineno, char *s, size_t len)
{
	const struct key *k;
	struct scl_config *target;
	struct val v;
	const char *why = NULL;
	char *eq, *key, *value, esc[96], escv[96];
	size_t klen, idx = 0;
	int r = SCL_ERR_INTERNAL;

	memset(&v, 0, sizeof(v));
	if ((eq = memchr(s, '=', len)) == NULL) {
		scl_err_escape(esc, sizeof(esc), s, len, ESC);
		scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: expected 'key "
		    "= value', got '%s'", ps->name, lineno, esc);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	*eq = '\0';
	key = s;
	klen = strlen(key);
	while (klen > 0 && is_space(key[klen - 1]))
		key[--klen] = '\0';
	value = eq + 1;
	while (is_space(*value))
		value++;
	if (klen == 0) {
		scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: missing key "
		    "before '='", ps->name, lineno);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	scl_err_escape(esc, sizeof(esc), key, klen, ESC);
	if ((k = find_key(key, &idx)) == NULL) {
		scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: unknown key "
		    "'%s'", ps->name, lineno, esc);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if (ps->sec == SEC_NONE) {
		scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: key '%s' "
		    "outside a section (put it under [global])", ps->name,
		    lineno, esc);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if (ps->key_line[idx] != 0) {
		scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: duplicate key "
		    "'%s' (first set at line %zu)", ps->name, lineno, esc,
		    ps->key_line[idx]);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	ps->key_line[idx] = lineno;
	if ((r = parse_value(k, value, &v, &why)) != 0) {
		scl_err_escape(escv, sizeof(escv), value, strlen(value), ESC);
		if (r == SCL_ERR_CONFIG)
			scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: %s = "
			    "'%s': %s", ps->name, lineno, esc, escv, why);
		else
			scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: %s",
			    ps->name, lineno, scl_strerror(r));
		goto out;
	}
	switch (ps->sec) {
	case SEC_GLOBAL:
		target = ps->cfg;
		if (!ps->ovr_set[idx])
			ps->eff_line[idx] = lineno;
		break;
	case SEC_SERVICE_MATCH:
		target = ps->ovr;
		ps->ovr_set[idx] = 1;
		ps->eff_line[idx] = lineno;
		break;
	default:
		target = ps->scratch;
		break;
	}
	store_value(k, target, &v);
	r = 0;
out:
	val_clear(&v);
	return r;
}

static int
parse_line(struct parser *ps, size_t lineno, const uint8_t *p, size_t len)
{
	char line[SCL_CONFIG_LINE_MAX + 1];
	char *s;
	size_t n;

	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len > SCL_CONFIG_LINE_MAX) {
		scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: line longer "
		    "than %d bytes", ps->name, lineno, SCL_CONFIG_LINE_MAX);
		return SCL_ERR_CONFIG;
	}
	if (memchr(p, '\0', len) != NULL) {
		scl_err_detail(ps->errbuf, ps->errlen, "%s:%zu: NUL byte in "
		    "line", ps->name, lineno);
		return SCL_ERR_CONFIG;
	}
	memcpy(line, p, len);
	line[len] = '\0';
	s = scl_admfile_trim(line, &n);
	if (n == 0 || s[0] == '#' || s[0] == ';')
		return 0;
	if (s[0] == '[')
		return parse_section(ps, lineno, s, n);
	return parse_keyval(ps, lineno, s, n);
}

static size_t
key_index(enum key_type t)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].type == t)
			return i;
	return 0;
}

int
scl_config_validate(const struct scl_config *cfg, char *errbuf, size_t errlen)
{
	for (size_t i = 0; i < cfg->n_mapping && i < N_MAP_MAX; i++) {
		if (cfg->mapping[i] == SCL_MAP_UPN && cfg->n_upn_domain == 0) {
			scl_err_detail(errbuf, errlen, "mapping = upn needs "
			    "upn_domain = your domains (a certificate names "
			    "any domain it likes: without the list, "
			    "alice@any.domain would sign in as alice); set "
			    "upn_domain, or take upn out of mapping");
			return SCL_ERR_CONFIG;
		}
	}
	return 0;
}

int
scl_config_parse_buffer(const char *name, const void *buf, size_t len,
    const char *service, struct scl_config **ret_cfg, char *errbuf,
    size_t errlen)
{
	struct parser *ps = NULL;
	struct scl_config *cfg = NULL, *ovr = NULL, *scratch = NULL;
	struct scl_cursor cur;
	size_t lineno = 0;
	int r = SCL_ERR_INTERNAL;

	if (ret_cfg == NULL || (buf == NULL && len > 0)) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if (name == NULL)
		name = "(config)";
	if (len > SCL_CONFIG_MAX_SIZE) {
		scl_err_detail(errbuf, errlen, "%s: larger than %u bytes", name,
		    SCL_CONFIG_MAX_SIZE);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if ((r = scl_config_defaults(&cfg)) != 0 ||
	    (r = scl_config_defaults(&ovr)) != 0 ||
	    (r = scl_config_defaults(&scratch)) != 0)
		goto out;
	if ((ps = calloc(1, sizeof(*ps))) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	ps->name = name;
	ps->service = (service != NULL && *service != '\0') ? service : NULL;
	ps->cfg = cfg;
	ps->ovr = ovr;
	ps->scratch = scratch;
	ps->errbuf = errbuf;
	ps->errlen = errlen;
	scl_cur_init(&cur, buf, len);
	while (cur.len > 0) {
		const uint8_t *nl = memchr(cur.p, '\n', cur.len), *line;
		size_t llen = nl != NULL ? (size_t)(nl - cur.p) : cur.len;

		lineno++;
		if ((r = scl_cur_get_bytes(&cur, llen, &line)) != 0)
			goto out;
		if (nl != NULL && (r = scl_cur_skip(&cur, 1)) != 0)
			goto out;
		if ((r = parse_line(ps, lineno, line, llen)) != 0)
			goto out;
	}
	for (size_t i = 0; i < N_KEYS; i++)
		if (ps->ovr_set[i])
			move_value(&keys[i], cfg, ovr);
	if (cfg->pin_policy.min_len > cfg->pin_policy.max_len) {
		size_t imin = key_index(T_PIN_MIN), imax = key_index(T_PIN_MAX);
		size_t at = ps->eff_line[imax] > ps->eff_line[imin] ?
		    ps->eff_line[imax] : ps->eff_line[imin];

		scl_err_detail(errbuf, errlen, "%s:%zu: pin_min_length %u is "
		    "greater than pin_max_length %u", name, at,
		    cfg->pin_policy.min_len, cfg->pin_policy.max_len);
		r = SCL_ERR_CONFIG;
		goto out;
	}
	if ((r = scl_config_validate(cfg, errbuf, errlen)) != 0) {
		char why[512];

		snprintf(why, sizeof(why), "%s", errbuf != NULL ? errbuf : "");
		scl_err_detail(errbuf, errlen, "%s: %s", name, why);
		goto out;
	}
	*ret_cfg = cfg;
	cfg = NULL;
	r = 0;
out:
	free(ps);
	scl_config_free(&scratch);
	scl_config_free(&ovr);
	scl_config_free(&cfg);
	return r;
}

int
scl_config_load(const char *path, const char *service, int check_owner,
    struct scl_config **ret_cfg, char *errbuf, size_t errlen)
{
	struct scl_admfile_rules rules = { SCL_CONFIG_MAX_SIZE, 0, 0, 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = SCL_ERR_INTERNAL;

	if (ret_cfg == NULL) {
		r = SCL_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if (path == NULL || *path == '\0')
		path = SCL_CONFIG_PATH_DEFAULT;
	rules.missing_ok = strcmp(path, SCL_CONFIG_PATH_DEFAULT) == 0;
	rules.check_owner = check_owner;
	if ((r = scl_admfile_read(path, &rules, &buf, &len, errbuf,
	    errlen)) != 0)
		goto out;
	if (buf == NULL)
		r = scl_config_defaults(ret_cfg);
	else
		r = scl_config_parse_buffer(path, buf, len, service, ret_cfg,
		    errbuf, errlen);
out:
	free(buf);
	return r;
}
