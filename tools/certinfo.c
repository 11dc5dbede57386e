/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "i18n.h"
#include "tool.h"

static void
append(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	if (n >= len)
		return;
	snprintf(buf + n, len - n, "%s%s", n > 0 ? ", " : "", s);
}

static void
eku_names(X509 *x, char *out, size_t len)
{
	EXTENDED_KEY_USAGE *eku;
	char oid[80], esc[96];
	const ASN1_OBJECT *o;
	int i, nid;

	out[0] = '\0';
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	if (eku == NULL)
		return;
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		o = sk_ASN1_OBJECT_value(eku, i);
		nid = OBJ_obj2nid(o);
		if (nid == NID_ms_smartcard_login)
			append(out, len, "smartcardLogon");
		else if (nid != NID_undef && OBJ_nid2sn(nid) != NULL)
			append(out, len, OBJ_nid2sn(nid));
		else if (OBJ_obj2txt(oid, sizeof(oid), o, 1) > 0) {
			tool_escape(oid, esc, sizeof(esc));
			append(out, len, esc);
		}
	}
	EXTENDED_KEY_USAGE_free(eku);
}

static void
ku_names(X509 *x, char *out, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} kus[] = {
		{ KU_DIGITAL_SIGNATURE, "digitalSignature" },
		{ KU_NON_REPUDIATION, "nonRepudiation" },
		{ KU_KEY_ENCIPHERMENT, "keyEncipherment" },
		{ KU_DATA_ENCIPHERMENT, "dataEncipherment" },
		{ KU_KEY_AGREEMENT, "keyAgreement" },
		{ KU_KEY_CERT_SIGN, "keyCertSign" },
		{ KU_CRL_SIGN, "cRLSign" },
	};
	uint32_t ku;
	size_t i;

	out[0] = '\0';
	if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) == 0)
		return;
	ku = X509_get_key_usage(x);
	for (i = 0; i < sizeof(kus) / sizeof(kus[0]); i++)
		if (ku & kus[i].bit)
			append(out, len, kus[i].name);
}

static void
san_names(X509 *x, char *upn, size_t upn_len, char *email, size_t email_len)
{
	GENERAL_NAMES *gens;
	GENERAL_NAME *g;
	ASN1_TYPE *v;
	char tmp[256];
	int i, n;

	upn[0] = email[0] = '\0';
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (gens == NULL)
		return;
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_OTHERNAME && upn[0] == '\0' &&
		    OBJ_obj2nid(g->d.otherName->type_id) == NID_ms_upn) {
			v = g->d.otherName->value;
			if (v == NULL || v->type != V_ASN1_UTF8STRING)
				continue;
			n = ASN1_STRING_length(v->value.utf8string);
			if (n <= 0 || (size_t)n >= sizeof(tmp))
				continue;
			memcpy(tmp, ASN1_STRING_get0_data(v->value.utf8string),
			    (size_t)n);
			tmp[n] = '\0';
			tool_escape(tmp, upn, upn_len);
		} else if (g->type == GEN_EMAIL && email[0] == '\0') {
			n = ASN1_STRING_length(g->d.rfc822Name);
			if (n <= 0 || (size_t)n >= sizeof(tmp))
				continue;
			memcpy(tmp, ASN1_STRING_get0_data(g->d.rfc822Name),
			    (size_t)n);
			tmp[n] = '\0';
			tool_escape(tmp, email, email_len);
		}
	}
	GENERAL_NAMES_free(gens);
}

static void
key_name(X509 *x, char *out, size_t len)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	char group[64];
	size_t glen = 0;
	const char *g;

	snprintf(out, len, "unknown");
	if (pk == NULL)
		return;
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		snprintf(out, len, "RSA %d", EVP_PKEY_get_bits(pk));
		break;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		    &glen) != 1)
			snprintf(group, sizeof(group), "?");
		if (strcmp(group, "prime256v1") == 0)
			g = "P-256";
		else if (strcmp(group, "secp384r1") == 0)
			g = "P-384";
		else
			g = group;
		snprintf(out, len, "EC %s", g);
		break;
	default:
		snprintf(out, len, "%s", OBJ_nid2sn(EVP_PKEY_get_base_id(pk)));
		break;
	}
}

void
tool_certinfo(X509 *x, time_t now, struct tool_certinfo *ret_ci)
{
	struct tool_certinfo *ci = ret_ci;
	time_t t = now;

	memset(ci, 0, sizeof(*ci));
	scl_cert_describe(x, ci->subject, sizeof(ci->subject), ci->issuer,
	    sizeof(ci->issuer), ci->serial, sizeof(ci->serial), ci->sha256);
	tool_asn1_time(X509_get0_notBefore(x), ci->not_before,
	    sizeof(ci->not_before));
	tool_asn1_time(X509_get0_notAfter(x), ci->not_after,
	    sizeof(ci->not_after));
	ci->not_yet_valid = X509_cmp_time(X509_get0_notBefore(x), &t) > 0;
	ci->expired = X509_cmp_time(X509_get0_notAfter(x), &t) < 0;
	key_name(x, ci->key, sizeof(ci->key));
	eku_names(x, ci->eku, sizeof(ci->eku));
	ku_names(x, ci->ku, sizeof(ci->ku));
	san_names(x, ci->upn, sizeof(ci->upn), ci->email, sizeof(ci->email));
}

void
tool_certinfo_json(struct json *j, const struct tool_certinfo *ci)
{
	json_str(j, "subject", ci->subject);
	json_str(j, "issuer", ci->issuer);
	json_str(j, "serial", ci->serial);
	json_str(j, "sha256", ci->sha256);
	json_str(j, "not_before", ci->not_before);
	json_str(j, "not_after", ci->not_after);
	json_bool(j, "expired", ci->expired);
	json_bool(j, "not_yet_valid", ci->not_yet_valid);
	json_str(j, "key", ci->key);
	json_str(j, "eku", ci->eku[0] != '\0' ? ci->eku : NULL);
	json_str(j, "key_usage", ci->ku[0] != '\0' ? ci->ku : NULL);
	json_str(j, "upn", ci->upn[0] != '\0' ? ci->upn : NULL);
	json_str(j, "email", ci->email[0] != '\0' ? ci->email : NULL);
}

void
tool_certinfo_print(FILE *f, const char *in, const struct tool_certinfo *ci)
{
	const char *none = _("(none)");

	/* TRANSLATORS: the labels of a certificate, values one column on. */
	fprintf(f, _("%sSubject:    %s\n"), in, ci->subject);
	fprintf(f, _("%sIssuer:     %s\n"), in, ci->issuer);
	fprintf(f, _("%sSerial:     %s\n"), in, ci->serial);
	fprintf(f, _("%sValid:      %s .. %s%s\n"), in, ci->not_before,
	    ci->not_after, ci->expired ? _("  (EXPIRED)") :
	    ci->not_yet_valid ? _("  (NOT YET VALID)") : "");
	fprintf(f, _("%sKey:        %s\n"), in, ci->key);
	fprintf(f, _("%sEKU:        %s\n"), in,
	    ci->eku[0] != '\0' ? ci->eku : none);
	fprintf(f, _("%sKey usage:  %s\n"), in,
	    ci->ku[0] != '\0' ? ci->ku : none);
	if (ci->upn[0] != '\0')
		fprintf(f, _("%sUPN:        %s\n"), in, ci->upn);
	if (ci->email[0] != '\0')
		fprintf(f, _("%sEmail:      %s\n"), in, ci->email);
	fprintf(f, _("%sSHA-256:    %s\n"), in, ci->sha256);
}
