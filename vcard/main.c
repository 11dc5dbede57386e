/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "applet.h"
#include "crypto.h"
#include "err.h"
#include "hex.h"
#include "personalize.h"
#include "pinwrap.h"
#include "piv.h"
#include "seal.h"
#include "secret.h"
#include "state.h"
#include "tlv.h"
#include "tpm.h"
#include "vpcd.h"

struct args {
	const char *state, *name, *pin, *puk, *admin_key, *admin_alg;
	const char *pin_policy, *seal_key, *slot, *key, *cert, *host;
	const char *socket;
	const char *tcti, *protect;
	uint8_t applet;
	unsigned pin_tries, puk_tries, port, kdf_logn;
	int vpcd;
	int json, verbose, once, no_tries_report, short_atr;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: sclogin-vcard init --state FILE [--name NAME] [--pin PIN] "
	    "[--puk PUK]\n"
	    "           [--admin-key HEX] [--admin-alg 3des|aes128|aes192|"
	    "aes256]\n"
	    "           [--pin-policy STR] [--pin-tries N] [--puk-tries N] "
	    "[--seal-key FILE]\n"
	    "           [--protect tpm|software] [--tcti TCTI] "
	    "[--kdf-logn N (tests: below 16 is weaker)]\n"
	    "           [--applet piv|gids]\n"
	    "       sclogin-vcard import --state FILE --slot 9a|9c|9d|9e "
	    "[--key KEY.pem] [--cert CERT.pem]\n"
	    "           [--seal-key FILE]\n"
	    "       sclogin-vcard run --state FILE [--socket PATH | --host "
	    "127.0.0.1 --port 40000]\n"
	    "           [--seal-key FILE] [--verbose] [--once] "
	    "[--no-tries-report]\n"
	    "           [--short-atr]\n"
	    "       sclogin-vcard show --state FILE [--json]\n"
	    "       sclogin-vcard protect --state FILE [--tcti TCTI] "
	    "[--seal-key FILE]\n"
	    "           (moves a software card into the TPM; reads the PIN "
	    "and the PUK,\n"
	    "           one a line, from standard input)\n"
	    "       sclogin-vcard upgrade --state FILE [--seal-key FILE] "
	    "[--kdf-logn N]\n"
	    "           (binds an old-format software card's keys to its PIN "
	    "and PUK,\n"
	    "           read one a line from standard input)\n"
	    "import, run and protect reach a TPM card's TPM through TCTI "
	    "(tctildr syntax,\n"
	    "e.g. device:/dev/tpmrm0 or swtpm:path=SOCKET; default: "
	    "tctildr's).\n"
	    "The seal key defaults to " VC_SEAL_DEFAULT_PATH ".\n"
	    "run serves sclogin's reader driver on the UNIX socket PATH (a "
	    "socket, or a folder\n"
	    "of reader sockets; default " VC_SOCKET_DIR "); --host/--port "
	    "serve the vpcd\n"
	    "driver over TCP instead (test rigs and interop only: vpcd does "
	    "not authenticate).\n");
}

static int
parse_uint(const char *s, unsigned max, unsigned *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > max)
		return -1;
	*ret = (unsigned)v;
	return 0;
}

static int
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "pin", required_argument, NULL, 'p' },
		{ "puk", required_argument, NULL, 'u' },
		{ "admin-key", required_argument, NULL, 'k' },
		{ "admin-alg", required_argument, NULL, 'a' },
		{ "pin-policy", required_argument, NULL, 'P' },
		{ "pin-tries", required_argument, NULL, 't' },
		{ "puk-tries", required_argument, NULL, 'T' },
		{ "seal-key", required_argument, NULL, 'S' },
		{ "slot", required_argument, NULL, 'l' },
		{ "key", required_argument, NULL, 'K' },
		{ "cert", required_argument, NULL, 'c' },
		{ "host", required_argument, NULL, 'H' },
		{ "socket", required_argument, NULL, 'U' },
		{ "port", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "once", no_argument, NULL, '1' },
		{ "no-tries-report", no_argument, NULL, 'N' },
		{ "short-atr", no_argument, NULL, 'X' },
		{ "tcti", required_argument, NULL, 'C' },
		{ "protect", required_argument, NULL, 'R' },
		{ "kdf-logn", required_argument, NULL, 'L' },
		{ "applet", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	a->seal_key = VC_SEAL_DEFAULT_PATH;
	a->host = "127.0.0.1";
	a->port = 40000;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': a->state = optarg; break;
		case 'n': a->name = optarg; break;
		case 'p': a->pin = optarg; break;
		case 'u': a->puk = optarg; break;
		case 'k': a->admin_key = optarg; break;
		case 'a': a->admin_alg = optarg; break;
		case 'P': a->pin_policy = optarg; break;
		case 'S': a->seal_key = optarg; break;
		case 'l': a->slot = optarg; break;
		case 'K': a->key = optarg; break;
		case 'c': a->cert = optarg; break;
		case 'H': a->host = optarg; a->vpcd = 1; break;
		case 'U': a->socket = optarg; break;
		case 'j': a->json = 1; break;
		case 'v': a->verbose = 1; break;
		case '1': a->once = 1; break;
		case 'N': a->no_tries_report = 1; break;
		case 'X': a->short_atr = 1; break;
		case 'C': a->tcti = optarg; break;
		case 'A':
			if (vc_applet_parse(optarg, &a->applet) != 0) {
				fprintf(stderr, "sclogin-vcard: --applet must "
				    "be piv or gids\n");
				return -1;
			}
			break;
		case 'R':
			if (strcmp(optarg, "tpm") != 0 &&
			    strcmp(optarg, "software") != 0) {
				fprintf(stderr, "sclogin-vcard: --protect must "
				    "be tpm or software\n");
				return -1;
			}
			a->protect = optarg;
			break;
		case 't':
			if (parse_uint(optarg, VC_TRIES_MAX, &a->pin_tries) != 0 ||
			    a->pin_tries == 0) {
				fprintf(stderr, "sclogin-vcard: --pin-tries "
				    "must be 1..%d\n", VC_TRIES_MAX);
				return -1;
			}
			break;
		case 'L':
			if (parse_uint(optarg, VC_KDF_LOGN_MAX, &a->kdf_logn) !=
			    0 || a->kdf_logn < VC_KDF_LOGN_MIN) {
				fprintf(stderr, "sclogin-vcard: --kdf-logn must "
				    "be %d to %d\n", VC_KDF_LOGN_MIN,
				    VC_KDF_LOGN_MAX);
				return -1;
			}
			break;
		case 'T':
			if (parse_uint(optarg, VC_TRIES_MAX, &a->puk_tries) != 0 ||
			    a->puk_tries == 0) {
				fprintf(stderr, "sclogin-vcard: --puk-tries "
				    "must be 1..%d\n", VC_TRIES_MAX);
				return -1;
			}
			break;
		case 'o':
			a->vpcd = 1;
			if (parse_uint(optarg, 65535, &a->port) != 0 ||
			    a->port == 0) {
				fprintf(stderr, "sclogin-vcard: --port must be "
				    "1..65535\n");
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (a->state == NULL) {
		fprintf(stderr, "sclogin-vcard: --state FILE is required\n");
		return -1;
	}
	if (a->socket != NULL && a->vpcd) {
		fprintf(stderr, "sclogin-vcard: --socket and --host/--port are "
		    "two readers; give one\n");
		return -1;
	}
	return 0;
}

/*
 * One writer per card: `run` and `import` hold an exclusive lock on
 * STATE.lock, so two daemons on one card cannot each keep their own retry
 * counters (which would multiply the PIN tries).
 */
static int
lock_state(const char *state, int *ret_fd)
{
	char path[4096];
	int fd;

	if (snprintf(path, sizeof(path), "%s.lock", state) >= (int)sizeof(path))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
	    0600);
	if (fd < 0) {
		fprintf(stderr, "sclogin-vcard: cannot open lock file '%s': "
		    "%s\n", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "sclogin-vcard: card '%s' is in use by another "
		    "sclogin-vcard (%s is locked); stop it first\n", state,
		    path);
		close(fd);
		return -1;
	}
	*ret_fd = fd;
	return 0;
}

static int
open_tpm(const struct args *a, struct vc_tpm **ret)
{
	char err[512];

	if (vc_tpm_open(a->tcti, ret, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "sclogin-vcard: %s\n", err);
	return -1;
}

static int
cmd_init(struct args *a)
{
	struct vc_init_opts o = { 0 };
	struct vc_state *s = NULL;
	struct vc_tpm *tpm = NULL;
	uint8_t seal[VC_SEAL_KEY_LEN], admin[32];
	char err[512];
	struct stat st;
	int r = 1;

	if (stat(a->state, &st) == 0 || errno != ENOENT) {
		fprintf(stderr, "sclogin-vcard: '%s' already exists; delete "
		    "it first to create a new card\n", a->state);
		goto out;
	}
	o.name = a->name;
	o.pin = a->pin;
	o.puk = a->puk;
	o.pin_policy = a->pin_policy;
	o.applet = a->applet;
	o.pin_tries = a->pin_tries;
	o.puk_tries = a->puk_tries;
	if (a->kdf_logn != 0) {
		vc_kdf_default(&o.kdf);
		o.kdf.logn = (uint8_t)a->kdf_logn;
	}
	if (a->admin_alg != NULL && (vc_alg_parse(a->admin_alg,
	    &o.admin_alg) != 0 || scl_piv_mgmt_key_len(o.admin_alg) == 0)) {
		fprintf(stderr, "sclogin-vcard: --admin-alg must be 3des, "
		    "aes128, aes192 or aes256\n");
		goto out;
	}
	if (a->admin_key != NULL) {
		if (scl_hex_decode(a->admin_key, strlen(a->admin_key), admin,
		    sizeof(admin), &o.admin_key_len) != 0) {
			fprintf(stderr, "sclogin-vcard: --admin-key must be "
			    "hex\n");
			goto out;
		}
		o.admin_key = admin;
	} else if (o.admin_alg != 0 && o.admin_alg != SCL_PIV_ALG_3DES) {
		fprintf(stderr, "sclogin-vcard: --admin-alg %s needs "
		    "--admin-key\n", a->admin_alg);
		goto out;
	}
	if (vc_seal_key_load(a->seal_key, 1, seal, err, sizeof(err)) != 0) {
		fprintf(stderr, "sclogin-vcard: %s\n", err);
		goto out;
	}
	if (a->protect != NULL && strcmp(a->protect, "tpm") == 0) {
		if (open_tpm(a, &tpm) != 0)
			goto out;
		o.tpm = tpm;
	}
	if (vc_personalize_new(&o, seal, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "sclogin-vcard: cannot create the card: %s\n",
		    err);
		goto out;
	}
	if (vc_state_save(a->state, s, err, sizeof(err)) != 0) {
		fprintf(stderr, "sclogin-vcard: %s\n", err);
		goto out;
	}
	printf("created virtual card '%s' (serial %u, %s) in %s\n", s->name,
	    s->serial, tpm != NULL ? "keys and PIN in the TPM" :
	    "software keys", a->state);
	r = 0;
out:
	vc_tpm_free(&tpm);
	explicit_bzero(seal, sizeof(seal));
	explicit_bzero(admin, sizeof(admin));
	vc_state_free(&s);
	return r;
}

static int
load_card(struct args *a, struct vc_state **ret_s,
    uint8_t seal[VC_SEAL_KEY_LEN])
{
	uint8_t admin[32];
	size_t n;
	char err[640];

	if (vc_state_load(a->state, ret_s, err, sizeof(err)) != 0) {
		fprintf(stderr, "sclogin-vcard: %s\n", err);
		return -1;
	}
	if (seal == NULL)
		return 0;
	if (vc_seal_key_load(a->seal_key, 0, seal, err, sizeof(err)) != 0) {
		fprintf(stderr, "sclogin-vcard: %s\n", err);
		vc_state_free(ret_s);
		return -1;
	}
	if (vc_personalize_open_admin(*ret_s, seal, admin, &n) != 0) {
		fprintf(stderr, "sclogin-vcard: the seal key '%s' does not "
		    "open card '%s' (wrong --seal-key?)\n", a->seal_key,
		    a->state);
		vc_state_free(ret_s);
		return -1;
	}
	explicit_bzero(admin, sizeof(admin));
	return 0;
}

static int
cmd_import(struct args *a)
{
	struct vc_state *s = NULL;
	struct vc_tpm *tpm = NULL;
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	FILE *f = NULL;
	uint8_t seal[VC_SEAL_KEY_LEN], *der = NULL, *obj = NULL, slot;
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	struct scl_wbuf w;
	char err[512];
	unsigned v;
	int n, lock = -1, r = 1;

	if (a->slot == NULL || sscanf(a->slot, "%2x", &v) != 1 ||
	    strlen(a->slot) != 2 || !vc_slot_valid((uint8_t)v)) {
		fprintf(stderr, "sclogin-vcard: --slot must be 9a, 9c, 9d, 9e "
		    "or 82..95\n");
		goto out;
	}
	slot = (uint8_t)v;
	if (a->key == NULL && a->cert == NULL) {
		fprintf(stderr, "sclogin-vcard: import needs --key and/or "
		    "--cert\n");
		goto out;
	}
	if (a->key != NULL) {
		if ((f = fopen(a->key, "re")) == NULL ||
		    (pk = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL) {
			fprintf(stderr, "sclogin-vcard: cannot read a PEM "
			    "private key from '%s'\n", a->key);
			goto out;
		}
		fclose(f);
		f = NULL;
		if (vc_crypto_alg(pk) == 0) {
			fprintf(stderr, "sclogin-vcard: '%s': only RSA 2048 "
			    "(e=65537), ECC P-256 and P-384 keys fit a PIV "
			    "card\n", a->key);
			goto out;
		}
	}
	if (a->cert != NULL) {
		if ((f = fopen(a->cert, "re")) == NULL ||
		    (x = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
			fprintf(stderr, "sclogin-vcard: cannot read a PEM "
			    "certificate from '%s'\n", a->cert);
			goto out;
		}
		if (pk != NULL && EVP_PKEY_eq(X509_get0_pubkey(x), pk) != 1) {
			fprintf(stderr, "sclogin-vcard: the certificate '%s' "
			    "does not belong to the key '%s'\n", a->cert,
			    a->key);
			goto out;
		}
	}
	if (lock_state(a->state, &lock) != 0 || load_card(a, &s, seal) != 0)
		goto out;
	if (pk != NULL && vc_state_is_tpm(s)) {
		uint8_t pp = vc_slot_default_pin_policy(slot);

		if (open_tpm(a, &tpm) != 0)
			goto out;
		if (vc_tpm_key_import(tpm, pk, pp == VC_PINPOL_NEVER ? 0 :
		    s->tpm_pin_nv, &blob, &blob_len) != 0 ||
		    vc_personalize_set_tpm_key(s, seal, slot, vc_crypto_alg(pk),
		    blob, blob_len, VC_ORIGIN_IMPORTED, pp, 0) != 0) {
			fprintf(stderr, "sclogin-vcard: cannot import the key "
			    "into the TPM: %s\n", vc_tpm_error(tpm));
			goto out;
		}
	} else if (pk != NULL && vc_personalize_set_key(s, seal, slot, pk,
	    VC_ORIGIN_IMPORTED, VC_PINPOL_DEFAULT, 0) != 0) {
		fprintf(stderr, "sclogin-vcard: cannot store the key\n");
		goto out;
	}
	if (x != NULL) {
		if ((n = i2d_X509(x, &der)) <= 0 ||
		    (size_t)n > SCL_PIV_CERT_MAX ||
		    (obj = malloc((size_t)n + 16)) == NULL) {
			fprintf(stderr, "sclogin-vcard: certificate too large "
			    "for a PIV object\n");
			goto out;
		}
		scl_wbuf_init(&w, obj, (size_t)n + 16);
		scl_tlv_put(&w, 0x70, der, (size_t)n);
		scl_tlv_put(&w, 0x71, (const uint8_t *)"", 1);
		scl_tlv_put(&w, 0xfe, NULL, 0);
		if (w.err != 0 || vc_state_set_object(s, vc_slot_cert_tag(slot),
		    obj, w.len) != 0) {
			fprintf(stderr, "sclogin-vcard: cannot store the "
			    "certificate\n");
			goto out;
		}
	}
	if (vc_state_save(a->state, s, err, sizeof(err)) != 0) {
		fprintf(stderr, "sclogin-vcard: %s\n", err);
		goto out;
	}
	printf("imported%s%s into slot %02x of %s\n", pk ? " key" : "",
	    x ? (pk ? " and certificate" : " certificate") : "", slot,
	    a->state);
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	explicit_bzero(seal, sizeof(seal));
	free(blob);
	vc_tpm_free(&tpm);
	EVP_PKEY_free(pk);
	X509_free(x);
	OPENSSL_free(der);
	free(obj);
	vc_state_free(&s);
	if (lock >= 0)
		close(lock);
	return r;
}

static int
cmd_run(struct args *a)
{
	struct vc_state *s = NULL;
	struct vc_applet *ap = NULL;
	struct vc_tpm *tpm = NULL;
	struct vc_vpcd_opts o = { 0 };
	uint8_t seal[VC_SEAL_KEY_LEN];
	char err[512];
	int lock = -1, r = 1;

	if (lock_state(a->state, &lock) != 0 || load_card(a, &s, seal) != 0)
		goto out;
	/* a TPM that dies mid-command must be an error, not our death */
	signal(SIGPIPE, SIG_IGN);
	if (vc_state_is_tpm(s) && open_tpm(a, &tpm) != 0)
		goto out;
	if (vc_applet_new_tpm(s, a->state, seal, tpm, &ap, err,
	    sizeof(err)) != 0) {
		s = NULL;
		fprintf(stderr, "sclogin-vcard: %s\n", err);
		goto out;
	}
	s = NULL;
	vc_applet_set_no_tries_report(ap, a->no_tries_report != 0);
	vc_applet_set_short_atr(ap, a->short_atr != 0);
	if (!a->vpcd)
		o.socket_path = a->socket != NULL ? a->socket : VC_SOCKET_DIR;
	o.host = a->host;
	o.port = (uint16_t)a->port;
	o.verbose = a->verbose;
	o.once = a->once;
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (vc_vpcd_run(ap, &o) != 0) {
		fprintf(stderr, "sclogin-vcard: cannot set up the vpcd loop\n");
		goto out;
	}
	r = 0;
out:
	explicit_bzero(seal, sizeof(seal));
	vc_applet_free(&ap);
	vc_tpm_free(&tpm);
	vc_state_free(&s);
	if (lock >= 0)
		close(lock);
	return r;
}

static void
json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int
cert_info(const struct vc_object *o, char *subj, size_t slen, char *until,
    size_t ulen)
{
	const uint8_t *der, *p;
	size_t len;
	X509 *x = NULL;
	BIO *b = NULL;
	int r = -1, n;

	if (scl_tlv_find(o->data, o->len, 0x70, &der, &len) != 0)
		return -1;
	p = der;
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len)
		goto out;
	if (X509_NAME_oneline(X509_get_subject_name(x), subj, (int)slen) == NULL)
		goto out;
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    ASN1_TIME_print(b, X509_get0_notAfter(x)) != 1 ||
	    (n = BIO_read(b, until, (int)ulen - 1)) <= 0)
		goto out;
	until[n] = '\0';
	r = 0;
out:
	BIO_free(b);
	X509_free(x);
	return r;
}

static int
cmd_show(struct args *a)
{
	static const uint8_t slots[] = { 0x9a, 0x9c, 0x9d, 0x9e };
	struct vc_state *s = NULL;
	int first = 1;

	if (load_card(a, &s, NULL) != 0)
		return 1;
	if (a->json) {
		printf("{\"name\":");
		json_str(s->name);
		printf(",\"serial\":%u,\"guid\":\"", s->serial);
		for (size_t i = 0; i < 16; i++)
			printf("%02x", s->guid[i]);
		printf("\",\"pin_tries_left\":%u,\"pin_tries\":%u,"
		    "\"puk_tries_left\":%u,\"puk_tries\":%u,"
		    "\"pin_blocked\":%s,\"pin_default\":%s,\"puk_default\":%s,"
		    "\"admin_alg\":\"%s\",\"admin_default\":%s,"
		    "\"protection\":\"%s\",\"applet\":\"%s\",\"pin_policy\":",
		    s->pin_left, s->pin_max, s->puk_left, s->puk_max,
		    s->pin_left == 0 ? "true" : "false",
		    s->pin_default ? "true" : "false",
		    s->puk_default ? "true" : "false",
		    vc_alg_name(s->admin_alg),
		    s->admin_default ? "true" : "false",
		    vc_state_is_tpm(s) ? "tpm" : vc_state_is_kdf(s) ?
		    "software" : "software-legacy", vc_applet_name(s->applet));
		json_str(s->pin_policy);
		printf(",\"slots\":[");
	} else {
		printf("name: %s\nserial: %u\nguid: ", s->name, s->serial);
		for (size_t i = 0; i < 16; i++)
			printf("%02x", s->guid[i]);
		printf("\nPIN tries left: %u of %u%s\nPUK tries left: %u of %u\n"
		    "admin key: %s%s\nPIN policy: %s\n", s->pin_left,
		    s->pin_max, s->pin_left == 0 ? " (blocked)" : "",
		    s->puk_left, s->puk_max, vc_alg_name(s->admin_alg),
		    s->admin_default ? " (default key)" : "", s->pin_policy);
		printf("applet: %s\n", vc_applet_name(s->applet));
		printf("protection: %s\n", vc_state_is_tpm(s) ?
		    "tpm (keys used only inside the TPM; PIN and PUK checked "
		    "and counted by the TPM, the tries above are a cache)" :
		    vc_state_is_kdf(s) ? VC_SOFTWARE_WARNING :
		    VC_LEGACY_WARNING);
		if (vc_state_is_kdf(s))
			printf("kdf: scrypt N=2^%u r=%u p=%u (%llu MiB a "
			    "try)%s\n", s->kdf.logn, s->kdf.r, s->kdf.p,
			    (unsigned long long)(vc_kdf_mem(&s->kdf) >> 20),
			    s->kdf.logn < VC_KDF_LOGN_DEFAULT ? ", weaker than "
			    "the default (test cards only)" : "");
	}
	for (size_t i = 0; i < sizeof(slots); i++) {
		struct vc_key *k = vc_state_key(s, slots[i]);
		struct vc_object *o = vc_state_object(s,
		    vc_slot_cert_tag(slots[i]));
		char subj[256] = "", until[64] = "";
		int have_cert = o != NULL && cert_info(o, subj, sizeof(subj),
		    until, sizeof(until)) == 0;

		if (k == NULL && o == NULL)
			continue;
		if (a->json) {
			printf("%s{\"slot\":\"%02x\",\"key\":\"%s\","
			    "\"origin\":\"%s\",\"certificate\":", first ? "" :
			    ",", slots[i], k ? vc_alg_name(k->alg) : "none",
			    k == NULL ? "none" : k->origin ==
			    VC_ORIGIN_GENERATED ? "generated" : "imported");
			if (have_cert) {
				printf("{\"subject\":");
				json_str(subj);
				printf(",\"not_after\":");
				json_str(until);
				printf("}}");
			} else {
				printf("%s}", o != NULL ? "\"unreadable\"" :
				    "null");
			}
			first = 0;
		} else {
			printf("slot %02x: key %s%s", slots[i],
			    k ? vc_alg_name(k->alg) : "none", k == NULL ? "" :
			    k->origin == VC_ORIGIN_GENERATED ? " (generated)" :
			    " (imported)");
			if (have_cert)
				printf(", certificate %s (until %s)", subj,
				    until);
			else if (o != NULL)
				printf(", certificate object unreadable");
			printf("\n");
		}
	}
	if (a->json)
		printf("]}\n");
	vc_state_free(&s);
	return 0;
}

/* One line of stdin into buf (at most 8 characters + newline). */
static int
read_secret_line(char *buf, size_t cap)
{
	size_t n;

	if (fgets(buf, (int)cap, stdin) == NULL)
		return -1;
	n = strcspn(buf, "\n");
	buf[n] = '\0';
	return n >= 1 && n <= 8 ? 0 : -1;
}

/*
 * PIN then PUK, one a line, from standard input, for verb, into a new
 * secret-memory buffer (*ret_pin; *ret_puk points into it); free it with
 * free_pin_and_puk() whatever this returns.
 */
#define SECRET_LINE 16
static int
read_pin_and_puk(const char *verb, char **ret_pin, char **ret_puk)
{
	char *pin = scl_secret_alloc(2 * SECRET_LINE);

	*ret_pin = pin;
	*ret_puk = pin != NULL ? pin + SECRET_LINE : NULL;
	if (pin == NULL) {
		fprintf(stderr, "sclogin-vcard: out of memory\n");
		return -1;
	}
	if (read_secret_line(pin, SECRET_LINE) == 0 &&
	    read_secret_line(pin + SECRET_LINE, SECRET_LINE) == 0)
		return 0;
	fprintf(stderr, "sclogin-vcard: %s reads the PIN and the PUK (1..8 "
	    "characters), one a line, from standard input\n", verb);
	return -1;
}

static void
free_pin_and_puk(char *pin)
{
	scl_secret_free(pin, 2 * SECRET_LINE);
}

/*
 * Check a secret of the software card, counting the try in the file; on a
 * kdf card the data key it opens is left in dk.
 */
static int
check_soft_secret(struct args *a, struct vc_state *s,
    const uint8_t seal[VC_SEAL_KEY_LEN], int pin, const char *secret,
    uint8_t dk[VC_DK_LEN])
{
	struct vc_hash *h = pin ? &s->pin : &s->puk;
	uint8_t *left = pin ? &s->pin_left : &s->puk_left, ref[8];
	char err[512];
	int m;

	if (*left == 0 || vc_ref_from_string(secret, ref) != 0)
		return -1;
	(*left)--;
	if (vc_state_save(a->state, s, err, sizeof(err)) != 0) {
		fprintf(stderr, "sclogin-vcard: %s\n", err);
		return -1;
	}
	if (vc_state_is_kdf(s))
		m = vc_personalize_unwrap(s, seal, pin ? 0x80 : 0x81, ref,
		    dk) == 0;
	else
		m = vc_hash_check(h, ref);
	explicit_bzero(ref, sizeof(ref));
	if (m != 1)
		return -1;
	*left = pin ? s->pin_max : s->puk_max;
	return 0;
}

static int
cmd_protect(struct args *a)
{
	struct vc_state *s = NULL;
	struct vc_tpm *tpm = NULL;
	uint8_t seal[VC_SEAL_KEY_LEN], *blob = NULL, dk[VC_DK_LEN];
	EVP_PKEY *pks[VC_KEY_COUNT_MAX] = { NULL };
	char *pin = NULL, *puk = NULL, err[512];
	size_t blob_len;
	int lock = -1, r = 1;

	explicit_bzero(dk, sizeof(dk));
	if (lock_state(a->state, &lock) != 0 || load_card(a, &s, seal) != 0)
		goto out;
	if (vc_state_is_tpm(s)) {
		fprintf(stderr, "sclogin-vcard: '%s' is a TPM card already\n",
		    a->state);
		goto out;
	}
	if (read_pin_and_puk("protect", &pin, &puk) != 0)
		goto out;
	if (check_soft_secret(a, s, seal, 1, pin, dk) != 0 ||
	    check_soft_secret(a, s, seal, 0, puk, dk) != 0) {
		fprintf(stderr, "sclogin-vcard: wrong PIN or PUK (or blocked); "
		    "the card stays a software card\n");
		goto out;
	}
	for (size_t i = 0; i < s->n_key; i++) {
		if (vc_personalize_open_key(s, seal, dk, &s->key[i],
		    &pks[i]) != 0) {
			fprintf(stderr, "sclogin-vcard: the key in slot %02x "
			    "does not unseal\n", s->key[i].slot);
			goto out;
		}
	}
	if (open_tpm(a, &tpm) != 0)
		goto out;
	if (vc_personalize_tpm_secrets(s, tpm, pin, puk, s->pin_max,
	    s->puk_max) != 0) {
		fprintf(stderr, "sclogin-vcard: %s\n", vc_tpm_error(tpm));
		goto out;
	}
	for (size_t i = 0; i < s->n_key; i++) {
		struct vc_key *k = &s->key[i];
		EVP_PKEY *pk = pks[i];
		int ok;

		pks[i] = NULL;
		ok = vc_tpm_key_import(tpm, pk, vc_personalize_key_pin_nv(s, k),
		    &blob, &blob_len) == 0 &&
		    vc_personalize_set_tpm_key(s, seal, k->slot, k->alg, blob,
		    blob_len, k->origin, k->pin_policy, k->touch_policy) == 0;
		EVP_PKEY_free(pk);
		free(blob);
		blob = NULL;
		if (!ok) {
			fprintf(stderr, "sclogin-vcard: slot %02x: %s\n",
			    k->slot, vc_tpm_error(tpm));
			goto undo;
		}
	}
	if (vc_state_save(a->state, s, err, sizeof(err)) != 0) {
		fprintf(stderr, "sclogin-vcard: %s\n", err);
		goto undo;
	}
	printf("card '%s' now keeps its keys and PIN in the TPM\n", s->name);
	r = 0;
	goto out;
undo:
	vc_tpm_pin_delete(tpm, s->tpm_pin_nv);
	vc_tpm_pin_delete(tpm, s->tpm_puk_nv);
out:
	free_pin_and_puk(pin);
	explicit_bzero(seal, sizeof(seal));
	explicit_bzero(dk, sizeof(dk));
	for (size_t i = 0; i < VC_KEY_COUNT_MAX; i++)
		EVP_PKEY_free(pks[i]);
	vc_tpm_free(&tpm);
	vc_state_free(&s);
	if (lock >= 0)
		close(lock);
	return r;
}

static int
cmd_upgrade(struct args *a)
{
	struct vc_state *s = NULL;
	struct vc_kdf kdf;
	uint8_t seal[VC_SEAL_KEY_LEN];
	char *pin = NULL, *puk = NULL, err[512];
	int lock = -1, r = 1;

	explicit_bzero(seal, sizeof(seal));
	vc_kdf_default(&kdf);
	if (a->kdf_logn != 0)
		kdf.logn = (uint8_t)a->kdf_logn;
	if (lock_state(a->state, &lock) != 0 || load_card(a, &s, seal) != 0)
		goto out;
	if (read_pin_and_puk("upgrade", &pin, &puk) != 0)
		goto out;
	if (vc_personalize_upgrade(s, seal, &kdf, pin, puk, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "sclogin-vcard: cannot upgrade '%s': %s; the "
		    "card is unchanged\n", a->state, err);
		goto out;
	}
	if (vc_state_save(a->state, s, err, sizeof(err)) != 0) {
		fprintf(stderr, "sclogin-vcard: %s\n", err);
		goto out;
	}
	printf("card '%s': its keys now open only with the PIN or the PUK "
	    "(scrypt N=2^%u)\n", s->name, kdf.logn);
	r = 0;
out:
	free_pin_and_puk(pin);
	explicit_bzero(seal, sizeof(seal));
	vc_state_free(&s);
	if (lock >= 0)
		close(lock);
	return r;
}

int
main(int argc, char **argv)
{
	struct args a = { 0 };
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (parse_args(argc - 1, argv + 1, &a) != 0)
		return 2;
	if (optind != argc - 1) {
		fprintf(stderr, "sclogin-vcard: unexpected argument '%s'\n",
		    argv[optind + 1]);
		return 2;
	}
	umask(077);
	/* PINs read from stdin stay in the caller's buffer only */
	setvbuf(stdin, NULL, _IONBF, 0);
	if (vc_crypto_wipe_freed_memory() != 0) {
		fprintf(stderr, "sclogin-vcard: cannot make OpenSSL wipe freed "
		    "memory\n");
		return 1;
	}
	if (strcmp(cmd, "init") == 0)
		return cmd_init(&a);
	if (strcmp(cmd, "import") == 0)
		return cmd_import(&a);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(&a);
	if (strcmp(cmd, "show") == 0)
		return cmd_show(&a);
	if (strcmp(cmd, "protect") == 0)
		return cmd_protect(&a);
	if (strcmp(cmd, "upgrade") == 0)
		return cmd_upgrade(&a);
	fprintf(stderr, "sclogin-vcard: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
