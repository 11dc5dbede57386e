/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_PAM_H
#define SCL_PAM_H

#include <stddef.h>

#include <security/pam_modules.h>

#include "backend.h"
#include "config.h"
#include "secret.h"

/*
 * Internals of pam_sclogin.so, shared between its files and the unit
 * tests.  Nothing here is exported from the module (version script).
 */

/* ---- args.c: module arguments ---- */

#define SCL_PAM_ARGS_MAX 64

/*
 * Parsed module arguments.  Strings point into argv (PAM keeps argv alive
 * for the duration of the call).  overrides[] are "key=value" strings
 * handed to scl_config_set() in order, after the file is loaded.
 */
struct scl_pam_args {
	int debug;
	const char *config;		/* NULL: SCL_CONFIG_PATH_DEFAULT */
	unsigned key_mask;		/* slots=: SCL_SIGNIN_KEY_*, 0 = not given
					 * (config key slots, default 9A) */
	const char *overrides[SCL_PAM_ARGS_MAX];
	size_t n_overrides;
};

/* Arguments of the module itself (the man page documents each one). */
struct scl_pam_arg_doc {
	const char *name;
	const char *value;		/* NULL for a flag */
	const char *config_key;		/* sclogin.conf key it overrides, or NULL */
};
extern const struct scl_pam_arg_doc scl_pam_arg_docs[];
extern const size_t scl_pam_n_arg_docs;

/*
 * Parse argv.  Unknown arguments (not a flag of the table and not
 * key=value with a lower-case key) and malformed values: SCL_ERR_CONFIG
 * with a message in errbuf; *ret untouched.
 */
int scl_pam_args_parse(int argc, const char **argv, struct scl_pam_args *ret,
    char *errbuf, size_t errlen);

/*
 * Load the configuration for service (file, then overrides, then debug).
 * SCL_ERR_CONFIG / NOMEM / SYSTEM with a message in errbuf.
 */
int scl_pam_config(const struct scl_pam_args *args, const char *service,
    struct scl_config **ret_cfg, char *errbuf, size_t errlen);

/* ---- errmap.c: the only SCL_ERR_* -> PAM mapping ---- */

enum scl_pam_phase {
	SCL_PAM_AUTH = 0,
	SCL_PAM_ACCOUNT,
	SCL_PAM_SESSION,
	SCL_PAM_PASSWORD,
};

/* A flow result meaning "this module has no say here" (PAM_IGNORE). */
#define SCL_PAM_NOT_APPLICABLE 1

/*
 * PAM return code for r (0, SCL_PAM_NOT_APPLICABLE or SCL_ERR_*) in phase;
 * unknown codes are PAM_SERVICE_ERR.  Only 0 gives PAM_SUCCESS.
 */
int scl_pam_from_err(int r, enum scl_pam_phase phase);

/*
 * The sentence a user sees for r (never NULL, never empty; no trailing
 * newline).  tries: PIN tries left, or -1 if unknown; used for PIN_WRONG.
 * Writes into buf and returns buf.
 */
const char *scl_pam_message(int r, int tries, char *buf, size_t len);

/* ---- conv.c: the conversation ---- */

/* pam_info / pam_error unless flags has PAM_SILENT.  Errors ignored. */
void scl_pam_info(pam_handle_t *pamh, int flags, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void scl_pam_error(pam_handle_t *pamh, int flags, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Ask for a PIN with echo off, straight into pin; the reply is wiped at
 * once.  *ret_empty = 1 for an empty reply (pin cleared).  A reply that
 * cannot be a PIN is SCL_ERR_PIN_FORMAT (pin cleared).  Conversation
 * failure: SCL_ERR_CANCELLED.
 */
int scl_pam_read_pin(pam_handle_t *pamh, const char *prompt,
    struct scl_pin *pin, int *ret_empty);

/*
 * Question with echo on; the answer, without surrounding blanks, into buf
 * (len > 0).  An answer that does not fit: SCL_ERR_TOO_LARGE (buf "").
 * Conversation failure: SCL_ERR_CANCELLED.
 */
int scl_pam_ask(pam_handle_t *pamh, const char *question, char *buf,
    size_t len);

/*
 * Yes/no question with echo on; *ret_yes = 1 only for "yes" or "y"
 * (surrounding blanks ignored).
 */
int scl_pam_confirm(pam_handle_t *pamh, const char *question, int *ret_yes);

/* Copy s into dst for a log line: printable ASCII, \xNN otherwise
 * (including ' and \). */
void scl_pam_escape(char *dst, size_t cap, const char *s);

/* Debug sink: pam_syslog at LOG_DEBUG; ctx is the pam handle. */
void scl_pam_log_sink(void *ctx, const char *msg);

/* ---- flow.c ---- */

/* Data kept on the handle after a successful card sign-in. */
#define SCL_PAM_DATA_AUTH "scl.auth_ok"

struct scl_pam_auth_data {
	char user[256];			/* PAM_USER the card signed in */
	char reader[128];		/* PIV: reader; PKCS#11: token name */
	char card_id[65];		/* CHUID GUID or token serial (read_id),
					 * else cert SHA-256 */
	enum scl_backend_kind backend;	/* the backend that signed in */
	char cert_sha256[65];
};

/*
 * The flows return 0 (done: authenticated, allowed, recorded, changed),
 * SCL_PAM_NOT_APPLICABLE or an SCL_ERR_*; the entry points map that with
 * scl_pam_from_err().  Each flow logs its outcome itself (one line).
 */
int scl_pam_flow_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv);
int scl_pam_flow_account(pam_handle_t *pamh, int flags, int argc,
    const char **argv);
int scl_pam_flow_setcred(pam_handle_t *pamh, int flags, int argc,
    const char **argv);
int scl_pam_flow_open_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv);
int scl_pam_flow_chauthtok(pam_handle_t *pamh, int flags, int argc,
    const char **argv);

#endif
