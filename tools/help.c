/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "log.h"
#include "tool.h"

struct help {
	const char *verb;
	const char *text;
};

static const char common[] =
    N_("Common options: --json  --reader NAME  --config FILE  --verbose  "
    "--help\n");

static const struct help helps[] = {
	{ NULL,
	N_("Usage: sclogin [OPTIONS] VERB [ARGS...]\n"
	"\n"
	"Smart card sign-in administration.\n"
	"\n"
	"Verbs:\n"
	"  readers            list readers and the cards in them\n"
	"  watch              show reader and card events as they happen\n"
	"  status             card, PIV objects, certificates, PIN tries left\n"
	"  doctor             run the sign-in checks without a PIN; say what "
	"to fix\n"
	"  enroll             generate a key and certificate/CSR; import a "
	"certificate\n"
	"  pin change|unblock|reset\n"
	"                     change the PIN, unblock it with the PUK, reset it "
	"with\n"
	"                     the admin key\n"
	"  vcard create|list|status|protect|delete\n"
	"                     manage virtual smart cards\n"
	"  config check       check sclogin.conf and the PAM services that "
	"load the\n"
	"                     module before a sign-in finds the problem\n"
	"\n"
	"Options:\n"
	"  --json             machine-readable output on stdout\n"
	"  --reader NAME      use this reader (full name or a unique part)\n"
	"  --config FILE      policy file (default /etc/sclogin/sclogin.conf)\n"
	"  --verbose          library debug lines on stderr (PINs never shown)\n"
	"  --help             this text; 'sclogin VERB --help' for a verb\n"
	"  --version          print the version\n"
	"\n"
	"Exit codes: 0 ok, 1 failure, 2 usage, 3 no pcscd/reader/card,\n"
	"4 check failed (doctor, PIN policy, signature), 5 PIN/PUK/admin key\n"
	"wrong or blocked, 6 timed out.  See sclogin(1).\n") },
	{ "readers",
	N_("Usage: sclogin readers [--json]\n"
	"\n"
	"List the PC/SC readers, whether a card is present, and its ATR.\n"
	"Exit 3 when pcscd is not running or no reader is attached.\n") },
	{ "watch",
	N_("Usage: sclogin watch [--timeout DURATION] [--count N] [--debounce MS]"
	" [--json]\n"
	"\n"
	"Print the current readers, then one timestamped line per event\n"
	"(reader added/removed, card inserted/removed, pcscd up/down) until\n"
	"interrupted, DURATION (10s, 500ms, 2m) has passed, or N events were\n"
	"seen.  --json prints one JSON object per line.  Exit 6 when\n"
	"--count was given and the timeout came first.\n") },
	{ "status",
	N_("Usage: sclogin status [--reader NAME] [--json]\n"
	"\n"
	"Show the card in a reader: ATR, card id (CHUID), which PIV objects\n"
	"are present, each certificate (subject, issuer, serial, validity,\n"
	"key, EKU, key usage, UPN, SHA-256) and the PIN tries left.  The tries\n"
	"are read with an empty VERIFY, which never spends one.\n") },
	{ "doctor",
	N_("Usage: sclogin doctor [--user NAME] [--service NAME] [--config FILE]\n"
	"                      [--reader NAME] [--slots 9a,9e,9c] [--offline]"
	" [--json]\n"
	"\n"
	"Run the sign-in pipeline exactly as pam_sclogin does for SERVICE\n"
	"(default login): pcscd, reader, card, PIV applet, certificates,\n"
	"validation, revocation, mapping to USER (or card-only), policy and\n"
	"PIN state, printing each step's verdict and how to fix it.  Never\n"
	"asks for or spends a PIN.  --offline skips revocation checks.\n"
	"Exit 0 when the user can sign in, 4 when a step fails, 3 without\n"
	"pcscd/reader/card.\n") },
	{ "config",
	N_("Usage: sclogin config check [--config FILE] [--pam-dir DIR] [--json]\n"
	"\n"
	"Parse sclogin.conf (default /etc/sclogin/sclogin.conf) as pam_sclogin\n"
	"does, owner and mode included, and check what it points at: the CA\n"
	"file, the CRLs a hard-fail policy needs, the mapfile, the state\n"
	"folder.  Then read every service in DIR (default /etc/pam.d) that\n"
	"loads pam_sclogin.so: the module file PAM would load, the module\n"
	"arguments and the service's configuration, a 'required' card line\n"
	"in front of a password, a removal action without pam_systemd before\n"
	"the session line.  Each finding is ok, warning or error, with the\n"
	"fix.  Exit 4 when there is an error.  Needs no card.\n") },
	{ "enroll",
	N_("Usage: sclogin enroll --slot SLOT --alg ALG --subject DN\n"
	"                      (--self-signed [--days N] | --csr FILE)\n"
	"                      [--upn UPN] [--email ADDR] [--out CERT.pem]\n"
	"                      [--admin-key HEX|default] [--admin-alg ALG]"
	" [--pin-fd FD]\n"
	"       sclogin enroll import --slot SLOT --cert FILE [--force]"
	" [--admin-key ...]\n"
	"\n"
	"Generate a key pair on the card in SLOT (9a, 9c, 9d, 9e) with ALG\n"
	"(rsa2048, eccp256, eccp384) after admin (management) key\n"
	"authentication, then either write a self-signed certificate to the\n"
	"card or a certificate request (PEM) to FILE; the card signs it after\n"
	"the PIN is verified.  DN is '/CN=alice/O=Example' or 'CN=alice,O=...'.\n"
	"The certificate carries EKU smartcardLogon + clientAuth and KU\n"
	"digitalSignature.  'import' writes a PEM or DER certificate to SLOT;\n"
	"when the card reports the slot's public key (GET METADATA), a\n"
	"certificate for another key is refused unless --force.\n"
	"Admin key default: the well-known 3DES key (--admin-key default);\n"
	"without --admin-alg the card's own algorithm (GET METADATA) is used.\n") },
	{ "pin",
	N_("Usage: sclogin pin change  [--pin-fd FD] [--pin-policy POLICY]"
	" [--allow-last-try]\n"
	"       sclogin pin unblock [--pin-fd FD] [--pin-policy POLICY]\n"
	"       sclogin pin reset --admin-key HEX|default [--admin-alg ALG]\n"
	"                         [--pin-fd FD] [--pin-policy POLICY]\n"
	"\n"
	"change:  asks the current PIN and the new PIN (twice on a terminal).\n"
	"unblock: asks the PUK and a new PIN (RESET RETRY COUNTER).\n"
	"reset:   authenticates with the admin key (9B challenge-response,\n"
	"         3DES or AES) and sets a new PIN, as Windows virtual smart\n"
	"         cards do; for help-desk use.\n"
	"The new PIN is checked against the PIN policy (--pin-policy, e.g.\n"
	"'min=6,max=8,digit=required', else the config's) before the card is\n"
	"touched.  PINs are read from the terminal with echo off, or one per\n"
	"line from file descriptor FD; never from the command line.  The\n"
	"last PIN try, or a try on a card that does not say how many are left,\n"
	"is not spent without --allow-last-try or a yes on the terminal.\n") },
	{ "vcard",
	N_("Usage: sclogin vcard create --name NAME [--admin-key HEX|default|random]\n"
	"                            [--admin-alg ALG] [--pin-policy POLICY]\n"
	"                            [--port PORT] [--no-enable]\n"
	"                            [--protect tpm|software] [--tcti TCTI]\n"
	"                            [--applet piv|gids]\n"
	"       sclogin vcard list [--json]\n"
	"       sclogin vcard status --name NAME [--json]\n"
	"       sclogin vcard protect --name NAME --tpm [--tcti TCTI]\n"
	"       sclogin vcard delete --name NAME\n"
	"Options for all: --state-dir DIR (env SCLOGIN_VCARD_DIR; default\n"
	"/var/lib/sclogin/vcards)  --seal-key FILE  --vcard-bin PATH (env\n"
	"SCL_VCARD)\n"
	"\n"
	"create initialises DIR/NAME.state with sclogin-vcard (PIN 123456,\n"
	"PUK 12345678: change them with 'sclogin pin change'), assigns the\n"
	"first free vpcd port from 35963 (Debian's vpcd reader: 35963 and\n"
	"35964; more cards need more reader.conf.d entries) into DIR/NAME.env\n"
	"and enables sclogin-vcard@NAME.service.  A random admin key is printed\n"
	"once.  delete stops and disables the service and removes the state.\n"
	"create uses the TPM when " "/dev/tpmrm0" " exists (or --tcti names one):\n"
	"keys are made and used only inside it and it counts the PIN tries;\n"
	"--protect software makes a card whose keys a copy of the state and\n"
	"the seal key can use.  list and status say how each card is\n"
	"protected.  protect --tpm moves a software card's keys and PIN into\n"
	"the TPM; it reads the PIN and the PUK, one a line, from stdin.\n"
	"--applet gids makes a card that presents the GIDS application\n"
	"instead of PIV (for OpenSC's GIDS driver; PIV is the default).\n") },
};

void
tool_help(struct tool *tl, FILE *f)
{
	size_t i;
	char group[32];
	const char *sp;

	snprintf(group, sizeof(group), "%s", tl->verb != NULL ? tl->verb : "");
	if ((sp = strchr(group, ' ')) != NULL)
		group[sp - group] = '\0';
	for (i = 1; i < sizeof(helps) / sizeof(helps[0]); i++) {
		if (strcmp(helps[i].verb, group) == 0) {
			fputs(_(helps[i].text), f);
			fputs("\n", f);
			fputs(_(common), f);
			return;
		}
	}
	fputs(_(helps[0].text), f);
}

void
tool_log_stderr(void *ctx, const char *msg)
{
	fprintf(ctx, "debug: %s\n", msg);
}

int
tool_common_opt(struct tool *tl, int c, const char *arg)
{
	switch (c) {
	case TOOL_OPT_JSON:
		tool_set_json(tl);
		return 1;
	case TOOL_OPT_READER:
		tl->reader = arg;
		return 1;
	case TOOL_OPT_CONFIG:
		tl->config = arg;
		return 1;
	case TOOL_OPT_VERBOSE:
		tl->verbose = 1;
		scl_log_set_handler(tool_log_stderr, tl->err);
		return 1;
	default:
		return 0;
	}
}

void
tool_set_json(struct tool *tl)
{
	tl->json = 1;
	setlocale(LC_MESSAGES, "C");
}

void
tool_getopt_reset(void)
{
	optind = 0;
	opterr = 0;
}

int
tool_other_opt(struct tool *tl, int c, char **argv)
{
	if (tool_common_opt(tl, c, optarg))
		return 0;
	if (c == TOOL_OPT_HELP) {
		tool_help(tl, tl->out);
		return -1;
	}
	if (c == ':')
		return tool_usage_error(tl, "option '%s' needs a value",
		    argv[optind - 1]);
	return tool_usage_error(tl, "unknown option '%s'", argv[optind - 1]);
}

int
tool_no_operands(struct tool *tl, int argc, char **argv)
{
	if (optind < argc)
		return tool_usage_error(tl, "unexpected argument '%s'",
		    argv[optind]);
	return 0;
}
