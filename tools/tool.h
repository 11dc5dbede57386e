/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_TOOL_H
#define SCL_TOOL_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <openssl/x509.h>

#include "pcsc.h"
#include "pinpolicy.h"
#include "secret.h"

/*
 * Internals of the `sclogin` command shared by its verb groups.  Nothing
 * here is a library contract: tools/ is an executable.  Every verb returns
 * one of the exit codes below (documented in sclogin(1)).
 */
enum scl_exit {
	SCL_EXIT_OK = 0,
	SCL_EXIT_FAIL = 1,	/* the operation failed */
	SCL_EXIT_USAGE = 2,	/* bad command line */
	SCL_EXIT_NO_CARD = 3,	/* no pcscd, no reader or no (PIV) card */
	SCL_EXIT_CHECK = 4,	/* a check failed: doctor step, PIN policy,
				   certificate verification */
	SCL_EXIT_AUTH = 5,	/* PIN/PUK/admin key wrong or blocked */
	SCL_EXIT_TIMEOUT = 6,	/* a bounded wait ended first */
};

/* Map an SCL_ERR_* (or 0) to the exit code above. */
int tool_exit_code(int r);

/* Global options, parsed by main.c before the verb. */
struct tool {
	int json;		/* --json: machine output on stdout */
	int verbose;		/* --verbose: library debug lines on stderr */
	const char *reader;	/* --reader NAME: exact name or substring */
	const char *config;	/* --config FILE (doctor, pin) */
	const char *prog;	/* "sclogin" */
	const char *verb;	/* "pin change", for messages */
	FILE *out;
	FILE *err;
};

/*
 * Options every verb accepts (also before the verb): --json, --verbose,
 * --reader NAME, --config FILE, --help.  Verb option tables end with
 * TOOL_COMMON_OPTS; tool_common_opt() handles those codes and returns 1,
 * else 0.
 */
enum {
	TOOL_OPT_JSON = 0x1000,
	TOOL_OPT_READER,
	TOOL_OPT_CONFIG,
	TOOL_OPT_VERBOSE,
	TOOL_OPT_HELP,
	TOOL_OPT_VERB,		/* first code free for verbs */
};
#define TOOL_COMMON_OPTS \
	{ "json", no_argument, NULL, TOOL_OPT_JSON }, \
	{ "reader", required_argument, NULL, TOOL_OPT_READER }, \
	{ "config", required_argument, NULL, TOOL_OPT_CONFIG }, \
	{ "verbose", no_argument, NULL, TOOL_OPT_VERBOSE }, \
	{ "help", no_argument, NULL, TOOL_OPT_HELP }, \
	{ NULL, 0, NULL, 0 }

int tool_common_opt(struct tool *tl, int c, const char *arg);
/* --json: machine output, and the C locale's messages from here on, so
 * system texts in it (strerror, %m) are English too. */
void tool_set_json(struct tool *tl);
/* The --verbose debug sink (ctx: a FILE *). */
void tool_log_stderr(void *ctx, const char *msg);
/*
 * The default branch of a verb's getopt loop: common options, --help
 * (prints help, returns -1: the verb returns 0), else a usage error
 * (returns 2).  Returns 0 when c was a common option.
 */
int tool_other_opt(struct tool *tl, int c, char **argv);
/* After a verb's getopt loop: 0 when no operand is left, else a usage
 * error naming the first one (returns 2). */
int tool_no_operands(struct tool *tl, int argc, char **argv);
/* Print usage for tl->verb to f. */
void tool_help(struct tool *tl, FILE *f);
/* Reset getopt for a fresh parse of a verb's argv. */
void tool_getopt_reset(void);

/* Verb entry points: argv[0] is the verb (or sub-verb) name. */
int tool_readers(struct tool *tl, int argc, char **argv);
int tool_watch(struct tool *tl, int argc, char **argv);
int tool_status(struct tool *tl, int argc, char **argv);
int tool_doctor(struct tool *tl, int argc, char **argv);
int tool_enroll(struct tool *tl, int argc, char **argv);
int tool_pin(struct tool *tl, int argc, char **argv);
int tool_vcard(struct tool *tl, int argc, char **argv);
int tool_config(struct tool *tl, int argc, char **argv);

/*
 * Report a failure: human text on stderr ("sclogin: pin change: <msg>"), or
 * with --json one object {"error": {"code": NAME, "message": ...}} on
 * stdout.  Returns exit (for `return tool_fail(...)`).
 */
int tool_fail(struct tool *tl, int exit, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/*
 * tool_fail() and tool_usage_error() translate fmt for the human text (the
 * --json message stays English).  A sentence passed as an argument goes
 * through tool_text(): msgid translated for humans, as is with --json.
 */
const char *tool_text(const struct tool *tl, const char *msgid)
    __attribute__((format_arg(2)));
/* Usage error: message + "Try 'sclogin VERB --help'." Returns 2. */
int tool_usage_error(struct tool *tl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- argument helpers (args.c; pure, unit-tested) ---- */

/* "9a" / "9A" / "0x9a" / "auth" / "sign" / "keymgmt" / "cardauth". */
int tool_parse_slot(const char *s, uint8_t *ret_ref);
const char *tool_slot_name(uint8_t ref);	/* "9a" … "" */
/* "rsa2048" "rsa1024" "eccp256" "p256" "eccp384" "p384". */
int tool_parse_key_alg(const char *s, uint8_t *ret_alg);
const char *tool_key_alg_name(uint8_t alg);
/* "3des" "aes128" "aes192" "aes256" with key length. */
int tool_parse_mgmt_alg(const char *s, uint8_t *ret_alg);
const char *tool_mgmt_alg_name(uint8_t alg);
/* Hex (spaces and ':' allowed between bytes) into out (cap); "default" is
 * the well-known 3DES key 0102…08 ×3. */
int tool_parse_hex(const char *s, uint8_t *out, size_t cap, size_t *ret_len);
/*
 * The --admin-key option: key (hex, or NULL or "default" for the
 * well-known 3DES key) into out (cap); key is wiped once parsed (keeps it
 * out of /proc/PID/cmdline).  alg_name is the --admin-alg text (NULL when
 * not given) and alg its parsed value: the key length must fit it; without
 * it any 3DES/AES length does.  0, or the usage-error exit status (the
 * message is printed).
 */
int tool_parse_admin_key(struct tool *tl, char *key, const char *alg_name,
    uint8_t alg, uint8_t *out, size_t cap, size_t *ret_len);
/* The --pin-fd option: a descriptor 0..1024 into *ret_fd (untouched on
 * failure).  0, or the usage-error exit status (the message is printed). */
int tool_parse_pin_fd(struct tool *tl, const char *arg, int *ret_fd);
/* Unsigned decimal in [min, max]. */
int tool_parse_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *ret_v);
/* "10", "10s", "500ms", "2m" to milliseconds (bounded to 24 h). */
int tool_parse_duration_ms(const char *s, long *ret_ms);
/* A vcard name: 1..32 of [A-Za-z0-9_-], not starting with '-'. */
int tool_valid_vcard_name(const char *s);

/* ---- output helpers (out.c; pure, unit-tested) ---- */

/*
 * A small streaming JSON writer: objects and arrays nest, commas and
 * indentation are handled, strings are escaped (control bytes as \u00XX,
 * invalid UTF-8 bytes as \u00XX of the byte, so output is always valid).
 * key is NULL inside arrays and at top level.
 */
#define TOOL_JSON_DEPTH 16

struct json {
	FILE *f;
	int depth;
	int first[TOOL_JSON_DEPTH];
	int compact;		/* one line (watch events) */
};

void json_init(struct json *j, FILE *f, int compact);
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_str(struct json *j, const char *key, const char *v); /* NULL: null */
void json_int(struct json *j, const char *key, long long v);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);
/* Ends the top-level value with a newline. */
void json_finish(struct json *j);
/* Write s as a JSON string literal (with quotes). */
void json_write_string(FILE *f, const char *s);

/* "2026-11-25T11:38:46Z" from an ASN1_TIME; "?" if unparsable. */
void tool_asn1_time(const ASN1_TIME *t, char *out, size_t len);
/* "2026-11-25T11:38:46.123Z" from a CLOCK_REALTIME timespec. */
void tool_timestamp(const struct timespec *ts, char *out, size_t len);
/* Printable copy for human output: bytes outside 0x20..0x7e become \xHH. */
void tool_escape(const char *s, char *out, size_t len);

/* ---- certificate facts (certinfo.c) ---- */

struct tool_certinfo {
	char subject[512];
	char issuer[512];
	char serial[96];
	char sha256[65];
	char not_before[32];
	char not_after[32];
	char key[80];		/* "RSA 2048", "EC P-256" */
	char eku[256];		/* "smartcardLogon, clientAuth" or "" (none) */
	char ku[128];		/* "digitalSignature, keyEncipherment" */
	char upn[256];
	char email[256];
	int expired;		/* by the system clock */
	int not_yet_valid;
};

void tool_certinfo(X509 *x, time_t now, struct tool_certinfo *ret_ci);
void tool_certinfo_json(struct json *j, const struct tool_certinfo *ci);
void tool_certinfo_print(FILE *f, const char *indent,
    const struct tool_certinfo *ci);

/* ---- card access (card.c) ---- */

struct tool_card {
	struct scl_pcsc *ctx;
	struct scl_card *card;
	struct scl_transport *t;
	char reader[SCL_READER_NAME_MAX];
	uint8_t atr[SCL_ATR_MAX];
	size_t atr_len;
	size_t n_cards;		/* readers holding a card */
	int in_tx;
};

/*
 * Open PC/SC, pick tl->reader (exact name, else unique substring) or the
 * first reader with a card, connect, and SELECT PIV.  Reports the failure
 * itself and returns an exit code (0 on success).
 */
int tool_card_open(struct tool *tl, struct tool_card *c);
int tool_card_begin(struct tool *tl, struct tool_card *c);
/*
 * Management key (9B) mutual authentication with alg, or with alg 0 the
 * algorithm the card reports (GET METADATA), else guessed from key_len
 * (16 AES-128, 32 AES-256, else 3DES).  A refusal by the card is reported
 * as exit 5 with a hint about --admin-alg.
 */
int tool_mgmt_auth(struct tool *tl, struct tool_card *c, uint8_t alg,
    const uint8_t *key, size_t key_len);
/*
 * GET METADATA (Yubico INS F7) of ref: the value of tag copied to out.
 * SCL_ERR_SW_UNEXPECTED and friends when the card has no such command.
 */
int tool_card_metadata(struct tool_card *c, uint8_t ref, uint32_t tag,
    uint8_t *out, size_t cap, size_t *ret_len);
/* PUK tries left from GET METADATA (Yubico extension); never spends one. */
int tool_card_puk_tries(struct tool_card *c, int *ret_tries);
/* End any transaction and disconnect, resetting the card when reset. */
void tool_card_close(struct tool_card *c, int reset);

/* ---- PIN input (pinread.c) ---- */

/*
 * Read one secret straight into pin, never into another buffer: from fd
 * (--pin-fd; one line each) when fd >= 0, else from /dev/tty with echo off
 * after printing prompt.  Bytes past SCL_PIN_MAX are consumed and
 * discarded and reported as too long.  Returns 0, SCL_ERR_PIN_FORMAT
 * (empty, too long or not printable ASCII; pin cleared, *ret_reason set),
 * SCL_ERR_CANCELLED (EOF), or SCL_ERR_SYSTEM (no terminal).
 */
int tool_read_pin(int fd, const char *prompt, struct scl_pin *pin,
    const char **ret_reason);
/* A yes/no question on /dev/tty; 0 = no (also when there is no tty). */
int tool_confirm(const char *question);

/* PIN policy for the tools: --pin-policy STR, else the config's. */
int tool_pin_policy(struct tool *tl, const char *policy_str,
    struct scl_pin_policy *ret);

#endif
