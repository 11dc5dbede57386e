/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "err.h"
#include "i18n.h"
#include "piv.h"
#include "tlv.h"
#include "tool.h"

struct enroll_opts {
	int import;
	uint8_t slot;
	int have_slot;
	uint8_t alg;
	const char *subject;
	int self_signed;
	const char *csr_path;
	const char *out_path;
	const char *cert_path;
	const char *upn;
	const char *email;
	unsigned long days;
	uint8_t admin_key[32];
	size_t admin_key_len;
	uint8_t admin_alg;
	int pin_fd;
	int allow_last_try;
	int force;
};

static int
parse(struct tool *tl, int argc, char **argv, struct enroll_opts *o)
{
	enum {
		OPT_SLOT = TOOL_OPT_VERB, OPT_ALG, OPT_SUBJECT, OPT_SELF,
		OPT_CSR, OPT_OUT, OPT_CERT, OPT_UPN, OPT_EMAIL, OPT_DAYS,
		OPT_KEY, OPT_KEYALG, OPT_PIN_FD, OPT_LAST, OPT_FORCE,
	};
	static const struct option opts[] = {
		{ "slot", required_argument, NULL, OPT_SLOT },
		{ "alg", required_argument, NULL, OPT_ALG },
		{ "subject", required_argument, NULL, OPT_SUBJECT },
		{ "self-signed", no_argument, NULL, OPT_SELF },
		{ "csr", required_argument, NULL, OPT_CSR },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "upn", required_argument, NULL, OPT_UPN },
		{ "email", required_argument, NULL, OPT_EMAIL },
		{ "days", required_argument, NULL, OPT_DAYS },
		{ "admin-key", required_argument, NULL, OPT_KEY },
		{ "admin-alg", required_argument, NULL, OPT_KEYALG },
		{ "pin-fd", required_argument, NULL, OPT_PIN_FD },
		{ "allow-last-try", no_argument, NULL, OPT_LAST },
		{ "force", no_argument, NULL, OPT_FORCE },
		TOOL_COMMON_OPTS
	};
	char *key = NULL;
	const char *keyalg = NULL;
	int c, ex;

	tool_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SLOT:
			if (tool_parse_slot(optarg, &o->slot) != 0)
				return tool_usage_error(tl, "bad --slot '%s' "
				    "(9a, 9c, 9d, 9e)", optarg);
			o->have_slot = 1;
			break;
		case OPT_ALG:
			if (tool_parse_key_alg(optarg, &o->alg) != 0)
				return tool_usage_error(tl, "bad --alg '%s' "
				    "(rsa2048, eccp256, eccp384)", optarg);
			break;
		case OPT_SUBJECT:
			o->subject = optarg;
			break;
		case OPT_SELF:
			o->self_signed = 1;
			break;
		case OPT_CSR:
			o->csr_path = optarg;
			break;
		case OPT_OUT:
			o->out_path = optarg;
			break;
		case OPT_CERT:
			o->cert_path = optarg;
			break;
		case OPT_UPN:
			o->upn = optarg;
			break;
		case OPT_EMAIL:
			o->email = optarg;
			break;
		case OPT_DAYS:
			if (tool_parse_uint(optarg, 1, 36500, &o->days) != 0)
				return tool_usage_error(tl, "bad --days '%s'",
				    optarg);
			break;
		case OPT_KEY:
			key = optarg;
			break;
		case OPT_KEYALG:
			keyalg = optarg;
			if (tool_parse_mgmt_alg(optarg, &o->admin_alg) != 0)
				return tool_usage_error(tl, "bad --admin-alg "
				    "'%s' (3des, aes128, aes192, aes256)",
				    optarg);
			break;
		case OPT_PIN_FD:
			if ((ex = tool_parse_pin_fd(tl, optarg,
			    &o->pin_fd)) != 0)
				return ex;
			break;
		case OPT_LAST:
			o->allow_last_try = 1;
			break;
		case OPT_FORCE:
			o->force = 1;
			break;
		default:
			if ((ex = tool_other_opt(tl, c, argv)) != 0)
				return ex;
		}
	}
	if ((ex = tool_no_operands(tl, argc, argv)) != 0)
		return ex;
	if (!o->have_slot)
		return tool_usage_error(tl, "--slot is required");
	if ((ex = tool_parse_admin_key(tl, key, keyalg, o->admin_alg,
	    o->admin_key, sizeof(o->admin_key), &o->admin_key_len)) != 0)
		return ex;
	if (o->import) {
		if (o->cert_path == NULL)
			return tool_usage_error(tl, "--cert FILE is required");
		if (o->subject != NULL || o->self_signed || o->csr_path)
			return tool_usage_error(tl, "import takes --slot and "
			    "--cert only");
		return 0;
	}
	if (o->cert_path != NULL || o->force)
		return tool_usage_error(tl, "--cert and --force are for "
		    "'enroll import'");
	if (o->out_path != NULL && !o->self_signed)
		return tool_usage_error(tl, "--out goes with --self-signed");
	if (o->subject == NULL)
		return tool_usage_error(tl, "--subject is required");
	if (o->self_signed == (o->csr_path != NULL))
		return tool_usage_error(tl, "give exactly one of "
		    "--self-signed and --csr FILE");
	return 0;
}

static int
parse_subject(const char *s, X509_NAME **ret_name)
{
	X509_NAME *name = NULL;
	char *buf = NULL, *tok, *save = NULL, *eq;
	const char *sep = ",";
	int r = SCL_ERR_INVALID_ARGUMENT, n = 0;

	if ((buf = strdup(s)) == NULL || (name = X509_NAME_new()) == NULL) {
		r = SCL_ERR_NOMEM;
		goto out;
	}
	if (buf[0] == '/')
		sep = "/";
	for (tok = strtok_r(buf, sep, &save); tok != NULL;
	    tok = strtok_r(NULL, sep, &save)) {
		while (*tok == ' ')
			tok++;
		if ((eq = strchr(tok, '=')) == NULL || eq == tok ||
		    eq[1] == '\0')
			goto out;
		*eq = '\0';
		if (X509_NAME_add_entry_by_txt(name, tok, MBSTRING_UTF8,
		    (const unsigned char *)(eq + 1), -1, -1, 0) != 1)
			goto out;
		n++;
	}
	if (n == 0)
		goto out;
	*ret_name = name;
	name = NULL;
	r = 0;
out:
	X509_NAME_free(name);
	free(buf);
	return r;
}

static int
add_ext(X509 *x, X509_REQ *req, STACK_OF(X509_EXTENSION) *sk, int nid,
    const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, x, x, req, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return SCL_ERR_INVALID_ARGUMENT;
	ok = x != NULL ? X509_add_ext(x, ext, -1) == 1 :
	    sk_X509_EXTENSION_push(sk, ext) > 0;
	if (x != NULL || !ok)
		X509_EXTENSION_free(ext);
	return ok ? 0 : SCL_ERR_NOMEM;
}

static int
add_exts(const struct enroll_opts *o, X509 *x, X509_REQ *req,
    STACK_OF(X509_EXTENSION) *sk)
{
	char san[600];
	size_t n = 0;
	int r;

	if ((r = add_ext(x, req, sk, NID_key_usage,
	    "critical,digitalSignature")) != 0 ||
	    (r = add_ext(x, req, sk, NID_ext_key_usage,
	    "1.3.6.1.4.1.311.20.2.2,clientAuth")) != 0)
		return r;
	if (x != NULL && ((r = add_ext(x, req, sk, NID_basic_constraints,
	    "critical,CA:FALSE")) != 0 ||
	    (r = add_ext(x, req, sk, NID_subject_key_identifier, "hash")) != 0))
		return r;
	san[0] = '\0';
	if (o->upn != NULL)
		n += (size_t)snprintf(san, sizeof(san),
		    "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:%s", o->upn);
	if (o->email != NULL && n < sizeof(san))
		snprintf(san + n, sizeof(san) - n, "%semail:%s",
		    n > 0 ? "," : "", o->email);
	if (san[0] != '\0')
		return add_ext(x, req, sk, NID_subject_alt_name, san);
	return 0;
}

/* A throw-away software key of the same type: signing with it sets the
 * AlgorithmIdentifier fields; the card's signature then replaces it. */
static EVP_PKEY *
temp_key(uint8_t alg)
{
	switch (alg) {
	case SCL_PIV_ALG_RSA1024:
	case SCL_PIV_ALG_RSA2048:
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	case SCL_PIV_ALG_ECC256:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case SCL_PIV_ALG_ECC384:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	default:
		return NULL;
	}
}

static const EVP_MD *
alg_md(uint8_t alg)
{
	return alg == SCL_PIV_ALG_ECC384 ? EVP_sha384() : EVP_sha256();
}

static int
is_rsa(uint8_t alg)
{
	return alg == SCL_PIV_ALG_RSA1024 || alg == SCL_PIV_ALG_RSA2048;
}

/*
 * The card signs: digest the TBS, for RSA wrap it as EMSA-PKCS1-v1_5
 * (RFC 8017 §9.2: 00 01 FF.. 00 DigestInfo) of the modulus size.
 */
static int
card_sign(struct scl_transport *t, uint8_t slot, uint8_t alg, EVP_PKEY *pub,
    const uint8_t *tbs, size_t tbs_len, uint8_t *sig, size_t sig_cap,
    size_t *ret_sig_len)
{
	static const uint8_t di_sha256[] = {
		0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
	};
	uint8_t md[EVP_MAX_MD_SIZE], block[512];
	unsigned int md_len = 0;
	size_t k, in_len;
	const uint8_t *in = md;

	if (EVP_Digest(tbs, tbs_len, md, &md_len, alg_md(alg), NULL) != 1)
		return SCL_ERR_INTERNAL;
	in_len = md_len;
	if (is_rsa(alg)) {
		k = (size_t)EVP_PKEY_get_size(pub);
		if (k > sizeof(block) || k < sizeof(di_sha256) + md_len + 11)
			return SCL_ERR_CERT_KEY_UNSUPPORTED;
		block[0] = 0x00;
		block[1] = 0x01;
		memset(block + 2, 0xff, k - 3 - sizeof(di_sha256) - md_len);
		block[k - 1 - sizeof(di_sha256) - md_len] = 0x00;
		memcpy(block + k - sizeof(di_sha256) - md_len, di_sha256,
		    sizeof(di_sha256));
		memcpy(block + k - md_len, md, md_len);
		in = block;
		in_len = k;
	}
	return scl_piv_general_auth(t, alg, slot, in, in_len, sig, sig_cap,
	    ret_sig_len);
}

static size_t
der_len_size(size_t n)
{
	return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 4;
}

static uint8_t *
der_put_hdr(uint8_t *p, uint8_t tag, size_t n)
{
	*p++ = tag;
	if (n < 0x80) {
		*p++ = (uint8_t)n;
	} else if (n < 0x100) {
		*p++ = 0x81;
		*p++ = (uint8_t)n;
	} else if (n < 0x10000) {
		*p++ = 0x82;
		*p++ = (uint8_t)(n >> 8);
		*p++ = (uint8_t)n;
	} else {
		*p++ = 0x83;
		*p++ = (uint8_t)(n >> 16);
		*p++ = (uint8_t)(n >> 8);
		*p++ = (uint8_t)n;
	}
	return p;
}

/* SEQUENCE { tbs, algorithm, BIT STRING sig } (RFC 5280 §4.1, RFC 2986). */
static int
assemble(const uint8_t *tbs, size_t tbs_len, const X509_ALGOR *alg,
    const uint8_t *sig, size_t sig_len, uint8_t **ret_der, size_t *ret_len)
{
	uint8_t *algder = NULL, *der = NULL, *p;
	size_t bits_len, body, total;
	int alg_len, r = SCL_ERR_NOMEM;

	if ((alg_len = i2d_X509_ALGOR(alg, &algder)) <= 0)
		goto out;
	bits_len = 1 + der_len_size(sig_len + 1) + sig_len + 1;
	body = tbs_len + (size_t)alg_len + bits_len;
	total = 1 + der_len_size(body) + body;
	if (body >= 0x1000000 || (der = malloc(total)) == NULL)
		goto out;
	p = der_put_hdr(der, 0x30, body);
	memcpy(p, tbs, tbs_len);
	p += tbs_len;
	memcpy(p, algder, (size_t)alg_len);
	p += alg_len;
	p = der_put_hdr(p, 0x03, sig_len + 1);
	*p++ = 0x00;
	memcpy(p, sig, sig_len);
	*ret_der = der;
	*ret_len = total;
	der = NULL;
	r = 0;
out:
	OPENSSL_free(algder);
	free(der);
	return r;
}

static int
write_pem(const char *path, X509 *x, X509_REQ *req)
{
	FILE *f;
	int fd, ok;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		return SCL_ERR_SYSTEM;
	}
	ok = x != NULL ? PEM_write_X509(f, x) : PEM_write_X509_REQ(f, req);
	if (fclose(f) != 0)
		ok = 0;
	return ok ? 0 : SCL_ERR_SYSTEM;
}

struct built {
	X509 *x;
	X509_REQ *req;
	uint8_t *tbs;
	size_t tbs_len;
};

static int
build_tbs(const struct enroll_opts *o, EVP_PKEY *pub, struct built *b)
{
	X509_NAME *name = NULL;
	EVP_PKEY *tmp = NULL;
	STACK_OF(X509_EXTENSION) *sk = NULL;
	ASN1_INTEGER *serial = NULL;
	uint8_t rnd[16];
	BIGNUM *bn = NULL;
	unsigned char *tbs = NULL;
	int len, r = SCL_ERR_NOMEM;

	if ((r = parse_subject(o->subject, &name)) != 0)
		goto out;
	r = SCL_ERR_NOMEM;
	if ((tmp = temp_key(o->alg)) == NULL)
		goto out;
	if (o->self_signed) {
		if ((b->x = X509_new()) == NULL ||
		    RAND_bytes(rnd, sizeof(rnd)) != 1)
			goto out;
		rnd[0] &= 0x7f;
		if ((bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) == NULL ||
		    (serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL)
			goto out;
		if (X509_set_version(b->x, X509_VERSION_3) != 1 ||
		    X509_set_serialNumber(b->x, serial) != 1 ||
		    X509_set_subject_name(b->x, name) != 1 ||
		    X509_set_issuer_name(b->x, name) != 1 ||
		    X509_gmtime_adj(X509_getm_notBefore(b->x), -60) == NULL ||
		    X509_time_adj_ex(X509_getm_notAfter(b->x),
		    (int)o->days, 0, NULL) == NULL ||
		    X509_set_pubkey(b->x, pub) != 1)
			goto out;
		if ((r = add_exts(o, b->x, NULL, NULL)) != 0)
			goto out;
		r = SCL_ERR_INTERNAL;
		if (X509_sign(b->x, tmp, alg_md(o->alg)) <= 0 ||
		    (len = i2d_re_X509_tbs(b->x, &tbs)) <= 0)
			goto out;
	} else {
		if ((b->req = X509_REQ_new()) == NULL ||
		    (sk = sk_X509_EXTENSION_new_null()) == NULL)
			goto out;
		if (X509_REQ_set_version(b->req, X509_REQ_VERSION_1) != 1 ||
		    X509_REQ_set_subject_name(b->req, name) != 1 ||
		    X509_REQ_set_pubkey(b->req, pub) != 1)
			goto out;
		if ((r = add_exts(o, NULL, b->req, sk)) != 0)
			goto out;
		r = SCL_ERR_INTERNAL;
		if (X509_REQ_add_extensions(b->req, sk) != 1 ||
		    X509_REQ_sign(b->req, tmp, alg_md(o->alg)) <= 0 ||
		    (len = i2d_re_X509_REQ_tbs(b->req, &tbs)) <= 0)
			goto out;
	}
	b->tbs = tbs;
	b->tbs_len = (size_t)len;
	tbs = NULL;
	r = 0;
out:
	OPENSSL_free(tbs);
	sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	EVP_PKEY_free(tmp);
	X509_NAME_free(name);
	return r;
}

static void
print_result(struct tool *tl, const struct enroll_opts *o, X509 *x,
    X509_REQ *req)
{
	struct tool_certinfo ci;
	struct json j;
	char subj[512];

	if (x != NULL)
		tool_certinfo(x, time(NULL), &ci);
	else
		X509_NAME_oneline(X509_REQ_get_subject_name(req), subj,
		    sizeof(subj));
	if (tl->json) {
		json_init(&j, tl->out, 0);
		json_begin_object(&j, NULL);
		json_str(&j, "result", "ok");
		json_str(&j, "slot", tool_slot_name(o->slot));
		json_str(&j, "alg", tool_key_alg_name(o->alg));
		if (x != NULL) {
			json_str(&j, "action", "self-signed");
			json_begin_object(&j, "certificate");
			tool_certinfo_json(&j, &ci);
			json_end_object(&j);
		} else {
			json_str(&j, "action", "csr");
			json_str(&j, "csr", o->csr_path);
			json_str(&j, "subject", subj);
		}
		json_end_object(&j);
		json_finish(&j);
		return;
	}
	fprintf(tl->out, _("Generated a key (%s) in slot %s.\n"),
	    tool_key_alg_name(o->alg), tool_slot_name(o->slot));
	if (x != NULL) {
		fprintf(tl->out, _("Wrote a self-signed certificate to the "
		    "card:\n"));
		tool_certinfo_print(tl->out, "    ", &ci);
	} else {
		fprintf(tl->out, _("Wrote a certificate request for %s to %s; "
		    "import the issued certificate with 'sclogin enroll "
		    "import'.\n"), subj, o->csr_path);
	}
}

static int
mgmt_auth(struct tool *tl, struct tool_card *card,
    const struct enroll_opts *o)
{
	return tool_mgmt_auth(tl, card, o->admin_alg, o->admin_key,
	    o->admin_key_len);
}

static int
put_cert(struct tool *tl, struct tool_card *card, const struct enroll_opts *o,
    const uint8_t *der, size_t len)
{
	int r, ex;

	r = scl_piv_put_cert(card->t, o->slot, der, len);
	if (r == SCL_ERR_SECURITY_STATUS) {
		/* Some cards drop the admin state after VERIFY: once more. */
		if ((ex = mgmt_auth(tl, card, o)) != 0)
			return ex;
		r = scl_piv_put_cert(card->t, o->slot, der, len);
	}
	if (r != 0)
		return tool_fail(tl, tool_exit_code(r), r, "cannot write the "
		    "certificate to slot %s: %s", tool_slot_name(o->slot),
		    scl_strerror(r));
	return 0;
}

/*
 * Does x carry the public key of the card's key in slot?  The card tells
 * through GET METADATA tag 04 (7F49 content: 81 modulus / 86 EC point).
 * 1 match, 0 mismatch, -1 the card cannot say.
 */
static int
key_matches(struct tool_card *card, uint8_t slot, X509 *x)
{
	uint8_t pub[1024], mine[1024];
	const uint8_t *v;
	EVP_PKEY *pk = X509_get0_pubkey(x);
	BIGNUM *n = NULL;
	size_t len = 0, vlen = 0, mlen = 0;
	int m = -1, k;

	if (pk == NULL || tool_card_metadata(card, slot, 0x04, pub,
	    sizeof(pub), &len) != 0)
		return -1;
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA) {
		if (scl_tlv_find(pub, len, 0x81, &v, &vlen) != 0 ||
		    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
		    (k = BN_bn2bin(n, mine)) <= 0)
			goto out;
		mlen = (size_t)k;
		while (vlen > 0 && v[0] == 0) {
			v++;
			vlen--;
		}
	} else if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC) {
		if (scl_tlv_find(pub, len, 0x86, &v, &vlen) != 0 ||
		    EVP_PKEY_get_octet_string_param(pk,
		    OSSL_PKEY_PARAM_PUB_KEY, mine, sizeof(mine), &mlen) != 1)
			goto out;
	} else
		goto out;
	m = vlen == mlen && memcmp(v, mine, mlen) == 0;
out:
	BN_free(n);
	return m;
}

static int
do_import(struct tool *tl, const struct enroll_opts *o)
{
	struct tool_card card;
	struct tool_certinfo ci;
	struct json j;
	uint8_t *der = NULL;
	X509 *x = NULL;
	FILE *f = NULL;
	int len, ex = SCL_EXIT_FAIL;

	memset(&card, 0, sizeof(card));
	if ((f = fopen(o->cert_path, "re")) == NULL) {
		ex = tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_SYSTEM, "cannot open "
		    "'%s': %m", o->cert_path);
		goto out;
	}
	if ((x = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
		rewind(f);
		x = d2i_X509_fp(f, NULL);
	}
	if (x == NULL || (len = i2d_X509(x, &der)) <= 0) {
		ex = tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_BAD_DER, "'%s' is not "
		    "a PEM or DER certificate", o->cert_path);
		goto out;
	}
	if ((ex = tool_card_open(tl, &card)) != 0)
		goto out;
	/* A certificate for another key would make the slot useless. */
	if (key_matches(&card, o->slot, x) == 0 && !o->force) {
		ex = tool_fail(tl, SCL_EXIT_CHECK, SCL_ERR_INVALID_ARGUMENT,
		    "the certificate's public key is not the key in slot %s "
		    "(--force to import anyway)", tool_slot_name(o->slot));
		goto out;
	}
	if ((ex = mgmt_auth(tl, &card, o)) != 0 ||
	    (ex = put_cert(tl, &card, o, der, (size_t)len)) != 0)
		goto out;
	tool_certinfo(x, time(NULL), &ci);
	if (tl->json) {
		json_init(&j, tl->out, 0);
		json_begin_object(&j, NULL);
		json_str(&j, "result", "ok");
		json_str(&j, "action", "import");
		json_str(&j, "slot", tool_slot_name(o->slot));
		json_begin_object(&j, "certificate");
		tool_certinfo_json(&j, &ci);
		json_end_object(&j);
		json_end_object(&j);
		json_finish(&j);
	} else {
		fprintf(tl->out, _("Imported into slot %s:\n"),
		    tool_slot_name(o->slot));
		tool_certinfo_print(tl->out, "    ", &ci);
	}
	ex = SCL_EXIT_OK;
out:
	tool_card_close(&card, 1);
	if (f != NULL)
		fclose(f);
	OPENSSL_free(der);
	X509_free(x);
	return ex;
}

static int
do_generate(struct tool *tl, struct enroll_opts *o)
{
	struct tool_card card;
	struct built b;
	struct scl_pin *pin = NULL;
	const char *reason = NULL;
	const unsigned char *cp;
	const X509_ALGOR *palg = NULL;
	uint8_t *spki = NULL, *der = NULL, sig[1024];
	size_t spki_len = 0, sig_len = 0, der_len = 0;
	EVP_PKEY *pub = NULL;
	X509 *x = NULL;
	X509_REQ *req = NULL;
	int r, ex = SCL_EXIT_FAIL, tries = -1, verified = 0;

	memset(&card, 0, sizeof(card));
	memset(&b, 0, sizeof(b));
	if (o->subject != NULL) {
		X509_NAME *n = NULL;

		if (parse_subject(o->subject, &n) != 0) {
			ex = tool_usage_error(tl, "bad --subject '%s' (e.g. "
			    "'/CN=alice/O=Example' or 'CN=alice,O=Example')",
			    o->subject);
			goto out;
		}
		X509_NAME_free(n);
	}
	/* Secrets first, before the card is opened. */
	if ((pin = scl_pin_new()) == NULL) {
		ex = tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_NOMEM, "%s",
		    scl_strerror(SCL_ERR_NOMEM));
		goto out;
	}
	if ((r = tool_read_pin(o->pin_fd, _("PIN: "), pin, &reason)) != 0) {
		ex = tool_fail(tl, r == SCL_ERR_PIN_FORMAT ? SCL_EXIT_CHECK :
		    SCL_EXIT_FAIL, r, "%s", tool_text(tl, reason));
		goto out;
	}
	if ((ex = tool_card_open(tl, &card)) != 0)
		goto out;
	r = scl_piv_pin_status(card.t, SCL_PIV_REF_PIN, &tries, &verified);
	if (r == 0 && tries == 0) {
		ex = tool_fail(tl, SCL_EXIT_AUTH, SCL_ERR_PIN_BLOCKED, "the "
		    "PIN is blocked; unblock it first ('sclogin pin unblock')");
		goto out;
	}
	if (r == 0 && tries == 1 && !o->allow_last_try) {
		ex = tool_fail(tl, SCL_EXIT_CHECK, SCL_ERR_PIN_LAST_TRY, "only "
		    "one PIN try is left; add --allow-last-try to spend it");
		goto out;
	}
	/* Check the PIN before generating: a wrong PIN changes nothing. */
	if ((r = scl_piv_verify(card.t, pin, &tries)) != 0) {
		ex = r == SCL_ERR_PIN_WRONG && tries >= 0 ? tool_fail(tl,
		    SCL_EXIT_AUTH, r, "wrong PIN; %d tries left", tries) :
		    tool_fail(tl, tool_exit_code(r), r, "PIN: %s",
		    scl_strerror(r));
		goto out;
	}
	if ((ex = mgmt_auth(tl, &card, o)) != 0)
		goto out;
	if ((r = scl_piv_generate(card.t, o->slot, o->alg, &spki,
	    &spki_len)) != 0) {
		ex = tool_fail(tl, tool_exit_code(r), r, "key generation in "
		    "slot %s failed: %s", tool_slot_name(o->slot),
		    scl_strerror(r));
		goto out;
	}
	cp = spki;
	if ((pub = d2i_PUBKEY(NULL, &cp, (long)spki_len)) == NULL ||
	    cp != spki + spki_len) {
		ex = tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_CARD_BAD_RESPONSE,
		    "the card returned a malformed public key");
		goto out;
	}
	if ((r = build_tbs(o, pub, &b)) != 0) {
		ex = tool_fail(tl, SCL_EXIT_FAIL, r, "cannot build the %s: %s",
		    tool_text(tl, o->self_signed ? N_("certificate") :
		    N_("request")),
		    scl_strerror(r));
		goto out;
	}
	/* Key 9C is "PIN always" (SP 800-73-4 Pt 1 §3.2.2): verify again. */
	if (o->slot == SCL_PIV_KEY_SIGN &&
	    (r = scl_piv_verify(card.t, pin, &tries)) != 0) {
		ex = tool_fail(tl, tool_exit_code(r), r, "PIN: %s",
		    scl_strerror(r));
		goto out;
	}
	if ((r = card_sign(card.t, o->slot, o->alg, pub, b.tbs, b.tbs_len,
	    sig, sizeof(sig), &sig_len)) != 0) {
		ex = tool_fail(tl, tool_exit_code(r), r, "the card could not "
		    "sign: %s", scl_strerror(r));
		goto out;
	}
	if (b.x != NULL)
		X509_get0_signature(NULL, &palg, b.x);
	else
		X509_REQ_get0_signature(b.req, NULL, &palg);
	if ((r = assemble(b.tbs, b.tbs_len, palg, sig, sig_len, &der,
	    &der_len)) != 0) {
		ex = tool_fail(tl, SCL_EXIT_FAIL, r, "%s", scl_strerror(r));
		goto out;
	}
	cp = der;
	if (b.x != NULL)
		x = d2i_X509(NULL, &cp, (long)der_len);
	else
		req = d2i_X509_REQ(NULL, &cp, (long)der_len);
	if ((x == NULL && req == NULL) || cp != der + der_len ||
	    (x != NULL && X509_verify(x, pub) != 1) ||
	    (req != NULL && X509_REQ_verify(req, pub) != 1)) {
		ex = tool_fail(tl, SCL_EXIT_CHECK, SCL_ERR_SIG_INVALID, "the "
		    "card's signature does not verify with the generated key");
		goto out;
	}
	if (x != NULL && (ex = put_cert(tl, &card, o, der, der_len)) != 0)
		goto out;
	tool_card_close(&card, 1);
	if (req != NULL && (r = write_pem(o->csr_path, NULL, req)) != 0) {
		ex = tool_fail(tl, SCL_EXIT_FAIL, r, "cannot write '%s': %m",
		    o->csr_path);
		goto out;
	}
	if (x != NULL && o->out_path != NULL &&
	    (r = write_pem(o->out_path, x, NULL)) != 0) {
		ex = tool_fail(tl, SCL_EXIT_FAIL, r, "cannot write '%s': %m",
		    o->out_path);
		goto out;
	}
	print_result(tl, o, x, req);
	ex = SCL_EXIT_OK;
out:
	tool_card_close(&card, 1);
	scl_pin_free(pin);
	free(spki);
	free(der);
	OPENSSL_free(b.tbs);
	X509_free(b.x);
	X509_REQ_free(b.req);
	X509_free(x);
	X509_REQ_free(req);
	EVP_PKEY_free(pub);
	return ex;
}

int
tool_enroll(struct tool *tl, int argc, char **argv)
{
	struct enroll_opts o;
	int ex;

	memset(&o, 0, sizeof(o));
	o.alg = SCL_PIV_ALG_RSA2048;
	o.admin_alg = 0;	/* ask the card */
	o.days = 365;
	o.pin_fd = -1;
	if (argc >= 2 && strcmp(argv[1], "import") == 0) {
		o.import = 1;
		tl->verb = "enroll import";
		argc--;
		argv++;
	}
	if ((ex = parse(tl, argc, argv, &o)) != 0) {
		explicit_bzero(o.admin_key, sizeof(o.admin_key));
		return ex < 0 ? SCL_EXIT_OK : ex;
	}
	ex = o.import ? do_import(tl, &o) : do_generate(tl, &o);
	explicit_bzero(o.admin_key, sizeof(o.admin_key));
	return ex;
}
