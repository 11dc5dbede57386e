/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "err.h"
#include "hex.h"
#include "i18n.h"
#include "piv.h"
#include "pinpolicy.h"
#include "tool.h"

/*
 * Port assignment: each virtual card connects to one vpcd slot, a TCP port
 * on 127.0.0.1.  Debian's vsmartcard-vpcd reader (CHANNELID 0x8C7B) serves
 * 35963 and 35964; each further reader.conf.d entry with CHANNELID P
 * serves P and P+1.  create takes the lowest port from VCARD_PORT_BASE not
 * recorded in another card's NAME.env, and records it there for the unit's
 * EnvironmentFile=.
 */
#define VCARD_DIR_DEFAULT "/var/lib/sclogin/vcards"
#define VCARD_PORT_BASE 35963
#define VCARD_PORT_SPAN 64
#define VCARD_MAX 64
#define ENV_MAX 4096

enum vcard_action { VC_CREATE, VC_LIST, VC_DELETE, VC_STATUS, VC_PROTECT };
#define VCARD_TPM_DEVICE "/dev/tpmrm0"

struct vcard_opts {
	enum vcard_action action;
	const char *name;
	const char *dir;
	const char *seal_key;
	const char *bin;
	const char *admin_key;	/* NULL, "default", "random" or hex */
	const char *admin_alg;
	const char *pin_policy;
	const char *protect;	/* create: "tpm", "software", NULL (auto) */
	const char *applet;	/* create: "piv" (NULL) or "gids" */
	const char *tcti;
	unsigned long port;
	int no_enable, tpm;
};

static int
parse(struct tool *tl, int argc, char **argv, struct vcard_opts *o)
{
	enum {
		OPT_NAME = TOOL_OPT_VERB, OPT_DIR, OPT_SEAL, OPT_BIN, OPT_KEY,
		OPT_ALG, OPT_POLICY, OPT_PORT, OPT_NO_ENABLE, OPT_PROTECT,
		OPT_TCTI, OPT_TPM, OPT_APPLET,
	};
	static const struct option opts[] = {
		{ "name", required_argument, NULL, OPT_NAME },
		{ "state-dir", required_argument, NULL, OPT_DIR },
		{ "seal-key", required_argument, NULL, OPT_SEAL },
		{ "vcard-bin", required_argument, NULL, OPT_BIN },
		{ "admin-key", required_argument, NULL, OPT_KEY },
		{ "admin-alg", required_argument, NULL, OPT_ALG },
		{ "pin-policy", required_argument, NULL, OPT_POLICY },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "no-enable", no_argument, NULL, OPT_NO_ENABLE },
		{ "protect", required_argument, NULL, OPT_PROTECT },
		{ "tcti", required_argument, NULL, OPT_TCTI },
		{ "tpm", no_argument, NULL, OPT_TPM },
		{ "applet", required_argument, NULL, OPT_APPLET },
		TOOL_COMMON_OPTS
	};
	struct scl_pin_policy pol;
	uint8_t key[32], alg = SCL_PIV_ALG_3DES;
	size_t key_len = 0;
	int c, ex;

	tool_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_NAME:
			o->name = optarg;
			break;
		case OPT_DIR:
			o->dir = optarg;
			break;
		case OPT_SEAL:
			o->seal_key = optarg;
			break;
		case OPT_BIN:
			o->bin = optarg;
			break;
		case OPT_KEY:
			o->admin_key = optarg;
			break;
		case OPT_ALG:
			o->admin_alg = optarg;
			break;
		case OPT_POLICY:
			o->pin_policy = optarg;
			break;
		case OPT_PORT:
			if (tool_parse_uint(optarg, 1, 65535, &o->port) != 0)
				return tool_usage_error(tl, "bad --port '%s'",
				    optarg);
			break;
		case OPT_NO_ENABLE:
			o->no_enable = 1;
			break;
		case OPT_PROTECT:
			if (strcmp(optarg, "tpm") != 0 &&
			    strcmp(optarg, "software") != 0)
				return tool_usage_error(tl, "bad --protect '%s' "
				    "(tpm or software)", optarg);
			o->protect = optarg;
			break;
		case OPT_TCTI:
			o->tcti = optarg;
			break;
		case OPT_TPM:
			o->tpm = 1;
			break;
		case OPT_APPLET:
			if (strcmp(optarg, "piv") != 0 &&
			    strcmp(optarg, "gids") != 0)
				return tool_usage_error(tl, "bad --applet '%s' "
				    "(piv or gids)", optarg);
			o->applet = optarg;
			break;
		default:
			if ((ex = tool_other_opt(tl, c, argv)) != 0)
				return ex;
		}
	}
	if (optind < argc && o->name == NULL && o->action != VC_LIST)
		o->name = argv[optind++];
	if ((ex = tool_no_operands(tl, argc, argv)) != 0)
		return ex;
	if (o->action != VC_LIST && o->name == NULL)
		return tool_usage_error(tl, "--name NAME is required");
	if (o->name != NULL && !tool_valid_vcard_name(o->name))
		return tool_usage_error(tl, "bad name '%s': 1 to 32 letters, "
		    "digits, '-' or '_'", o->name);
	if (o->action != VC_CREATE && (o->admin_key != NULL ||
	    o->admin_alg != NULL || o->pin_policy != NULL || o->port != 0))
		return tool_usage_error(tl, "--admin-key, --admin-alg, "
		    "--pin-policy and --port are for 'vcard create'");
	if (o->action != VC_CREATE && o->applet != NULL)
		return tool_usage_error(tl, "--applet is for 'vcard create'");
	if (o->action != VC_CREATE && o->protect != NULL)
		return tool_usage_error(tl, "--protect is for 'vcard create' "
		    "('vcard protect NAME --tpm' moves a card into the TPM)");
	if (o->action == VC_PROTECT && !o->tpm)
		return tool_usage_error(tl, "say where to: --tpm");
	if (o->admin_alg != NULL && tool_parse_mgmt_alg(o->admin_alg,
	    &alg) != 0)
		return tool_usage_error(tl, "bad --admin-alg '%s' (3des, "
		    "aes128, aes192, aes256)", o->admin_alg);
	if (o->admin_key != NULL && strcmp(o->admin_key, "random") != 0 &&
	    strcmp(o->admin_key, "default") != 0) {
		if (tool_parse_hex(o->admin_key, key, sizeof(key),
		    &key_len) != 0 || key_len != scl_piv_mgmt_key_len(alg)) {
			explicit_bzero(key, sizeof(key));
			return tool_usage_error(tl, "bad --admin-key: %zu hex "
			    "bytes for %s, 'default' or 'random'",
			    scl_piv_mgmt_key_len(alg), o->admin_alg != NULL ?
			    o->admin_alg : "3des");
		}
		explicit_bzero(key, sizeof(key));
	}
	if (o->admin_key != NULL && strcmp(o->admin_key, "default") == 0 &&
	    alg != SCL_PIV_ALG_3DES)
		return tool_usage_error(tl, "the default admin key is 3DES");
	if (o->pin_policy != NULL && scl_pin_policy_parse(o->pin_policy,
	    &pol) != 0)
		return tool_usage_error(tl, "bad --pin-policy '%s' (e.g. "
		    "min=6,max=8,digit=required)", o->pin_policy);
	return 0;
}

static int
path_of(const struct vcard_opts *o, const char *name, const char *ext,
    char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/%s.%s", o->dir, name, ext) >= len)
		return SCL_ERR_TOO_LARGE;
	return 0;
}

/* Port recorded in DIR/NAME.env, 0 if none or unreadable. */
static unsigned long
read_port(const struct vcard_opts *o, const char *name)
{
	char path[4096], buf[ENV_MAX + 1], *line, *save = NULL;
	unsigned long port = 0;
	ssize_t k;
	int fd;

	if (path_of(o, name, "env", path, sizeof(path)) != 0)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NOCTTY)) < 0)
		return 0;
	k = read(fd, buf, ENV_MAX);
	close(fd);
	if (k <= 0)
		return 0;
	buf[k] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "SCLOGIN_VCARD_PORT=", 19) == 0 &&
		    tool_parse_uint(line + 19, 1, 65535, &port) == 0)
			break;
		port = 0;
	}
	return port;
}

struct entry {
	char name[40];
	unsigned long port;
};

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
	    ((const struct entry *)b)->name);
}

/* Cards in the directory (NAME.state files), sorted; capped. */
static int
scan(const struct vcard_opts *o, struct entry *e, size_t cap, size_t *ret_n)
{
	struct dirent *d;
	DIR *dir;
	size_t n = 0, l;

	if ((dir = opendir(o->dir)) == NULL) {
		if (errno == ENOENT) {
			*ret_n = 0;
			return 0;
		}
		return SCL_ERR_SYSTEM;
	}
	while ((d = readdir(dir)) != NULL && n < cap) {
		l = strlen(d->d_name);
		if (l <= 6 || strcmp(d->d_name + l - 6, ".state") != 0 ||
		    l - 6 >= sizeof(e[n].name))
			continue;
		memcpy(e[n].name, d->d_name, l - 6);
		e[n].name[l - 6] = '\0';
		if (!tool_valid_vcard_name(e[n].name))
			continue;
		e[n].port = read_port(o, e[n].name);
		n++;
	}
	closedir(dir);
	qsort(e, n, sizeof(e[0]), cmp_entry);
	*ret_n = n;
	return 0;
}

/* quiet: 0 output passes, 1 stdout and stderr to /dev/null, 2 stdout only
 * (keeps --json output a single document). */
static int
run_cmd(char *const argv[], int quiet)
{
	pid_t pid;
	int st = 0, fd;

	fflush(NULL);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		if (quiet && (fd = open("/dev/null", O_WRONLY)) >= 0) {
			dup2(fd, 1);
			if (quiet == 1)
				dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int
is_system_dir(const struct vcard_opts *o)
{
	return strcmp(o->dir, VCARD_DIR_DEFAULT) == 0;
}

static int
systemctl(const char *verb, const char *name, int quiet)
{
	char unit[96];
	char *argv[6];
	int i = 0;

	snprintf(unit, sizeof(unit), "sclogin-vcard@%s.service", name);
	argv[i++] = (char *)(uintptr_t)"systemctl";
	argv[i++] = (char *)(uintptr_t)verb;
	if (strcmp(verb, "is-active") == 0)
		argv[i++] = (char *)(uintptr_t)"--quiet";
	else
		argv[i++] = (char *)(uintptr_t)"--now";
	argv[i++] = unit;
	argv[i] = NULL;
	return run_cmd(argv, quiet);
}

static int
write_env(const char *path, unsigned long port)
{
	char tmp[4200], buf[64];
	int fd, n, r = SCL_ERR_SYSTEM;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = snprintf(buf, sizeof(buf), "SCLOGIN_VCARD_PORT=%lu\n", port);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0)
		return r;
	if (write(fd, buf, (size_t)n) == n && fsync(fd) == 0)
		r = 0;
	if (close(fd) != 0)
		r = SCL_ERR_SYSTEM;
	if (r == 0 && rename(tmp, path) != 0)
		r = SCL_ERR_SYSTEM;
	if (r != 0)
		unlink(tmp);
	return r;
}

/* mkdir -p: parents 0755, the state directory itself 0700. */
static int
mkdir_p(const char *dir)
{
	char buf[4096], *p;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", dir) >= sizeof(buf))
		return -1;
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* create: --protect, else the TPM when there is one (or --tcti names it). */
static int
use_tpm(const struct vcard_opts *o)
{
	if (o->protect != NULL)
		return strcmp(o->protect, "tpm") == 0;
	return o->tcti != NULL || access(VCARD_TPM_DEVICE, F_OK) == 0;
}

/* "tpm", "software", or "unreadable": what the state file says. */
static const char *
protection_of(const struct vcard_opts *o, const char *name)
{
	char path[4096], buf[4096];
	const char *r = "unreadable";
	ssize_t k;
	int fd;

	if (path_of(o, name, "state", path, sizeof(path)) != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NOCTTY)) < 0)
		return r;
	if ((k = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[k] = '\0';
		r = strstr(buf, "\ntpm ") != NULL ? "tpm" :
		    strstr(buf, "\nkdf ") != NULL ? "software" :
		    strstr(buf, "\npin ") != NULL ? "software-legacy" : r;
	}
	close(fd);
	return r;
}

/* status: sclogin-vcard show; protect: sclogin-vcard protect (stdin). */
static int
do_vcard_cmd(struct tool *tl, const struct vcard_opts *o, const char *cmd)
{
	char state[4096], *argv[12];
	struct stat st;
	int k = 0, rc;

	if (path_of(o, o->name, "state", state, sizeof(state)) != 0)
		return tool_usage_error(tl, "--state-dir is too long");
	if (lstat(state, &st) != 0)
		return tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_INVALID_ARGUMENT,
		    "no virtual card named '%s' in %s", o->name, o->dir);
	argv[k++] = (char *)(uintptr_t)o->bin;
	argv[k++] = (char *)(uintptr_t)cmd;
	argv[k++] = (char *)(uintptr_t)"--state";
	argv[k++] = state;
	if (tl->json && strcmp(cmd, "show") == 0)
		argv[k++] = (char *)(uintptr_t)"--json";
	if (o->seal_key != NULL && strcmp(cmd, "protect") == 0) {
		argv[k++] = (char *)(uintptr_t)"--seal-key";
		argv[k++] = (char *)(uintptr_t)o->seal_key;
	}
	if (o->tcti != NULL && strcmp(cmd, "protect") == 0) {
		argv[k++] = (char *)(uintptr_t)"--tcti";
		argv[k++] = (char *)(uintptr_t)o->tcti;
	}
	argv[k] = NULL;
	if ((rc = run_cmd(argv, 0)) != 0)
		return tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_SYSTEM, "'%s %s' "
		    "failed (exit %d)", o->bin, cmd, rc);
	return SCL_EXIT_OK;
}

static int
do_create(struct tool *tl, const struct vcard_opts *o)
{
	struct entry e[VCARD_MAX];
	char state[4096], env[4096], keyhex[65], *argv[20];
	uint8_t key[32], alg = SCL_PIV_ALG_3DES;
	unsigned long port = o->port;
	size_t n = 0, i, klen;
	struct stat st;
	struct json j;
	int k = 0, rc, created = 0, ex = SCL_EXIT_FAIL, enabled = -1;

	keyhex[0] = '\0';
	if (path_of(o, o->name, "state", state, sizeof(state)) != 0 ||
	    path_of(o, o->name, "env", env, sizeof(env)) != 0)
		return tool_usage_error(tl, "--state-dir is too long");
	if (mkdir_p(o->dir) != 0)
		return tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_SYSTEM, "cannot "
		    "create '%s': %m", o->dir);
	if (lstat(state, &st) == 0)
		return tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_INVALID_ARGUMENT,
		    "a virtual card named '%s' exists already", o->name);
	if (scan(o, e, VCARD_MAX, &n) != 0)
		return tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_SYSTEM, "cannot "
		    "read '%s': %m", o->dir);
	if (n >= VCARD_MAX)
		return tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_LIMIT, "too many "
		    "virtual cards (%d)", VCARD_MAX);
	for (i = 0; port != 0 && i < n; i++) {
		if (e[i].port == port)
			return tool_fail(tl, SCL_EXIT_FAIL,
			    SCL_ERR_INVALID_ARGUMENT, "port %lu is used by "
			    "virtual card '%s'", port, e[i].name);
	}
	for (port = port != 0 ? port : VCARD_PORT_BASE;
	    o->port == 0 && port < VCARD_PORT_BASE + VCARD_PORT_SPAN; port++) {
		for (i = 0; i < n && e[i].port != port; i++)
			;
		if (i == n)
			break;
	}
	if (port >= VCARD_PORT_BASE + VCARD_PORT_SPAN && o->port == 0)
		return tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_LIMIT, "no free "
		    "vpcd port; give --port");

	argv[k++] = (char *)(uintptr_t)o->bin;
	argv[k++] = (char *)(uintptr_t)"init";
	argv[k++] = (char *)(uintptr_t)"--state";
	argv[k++] = state;
	argv[k++] = (char *)(uintptr_t)"--name";
	argv[k++] = (char *)(uintptr_t)o->name;
	if (o->admin_alg != NULL) {
		(void)tool_parse_mgmt_alg(o->admin_alg, &alg);
		argv[k++] = (char *)(uintptr_t)"--admin-alg";
		argv[k++] = (char *)(uintptr_t)o->admin_alg;
	}
	if (o->admin_key != NULL && strcmp(o->admin_key, "default") != 0) {
		if (strcmp(o->admin_key, "random") == 0) {
			klen = scl_piv_mgmt_key_len(alg);
			if (RAND_bytes(key, (int)klen) != 1)
				return tool_fail(tl, SCL_EXIT_FAIL,
				    SCL_ERR_INTERNAL, "no randomness");
			scl_hex_encode(key, klen, keyhex, sizeof(keyhex));
			explicit_bzero(key, sizeof(key));
		} else
			snprintf(keyhex, sizeof(keyhex), "%s", o->admin_key);
		argv[k++] = (char *)(uintptr_t)"--admin-key";
		argv[k++] = keyhex;
	}
	if (o->pin_policy != NULL) {
		argv[k++] = (char *)(uintptr_t)"--pin-policy";
		argv[k++] = (char *)(uintptr_t)o->pin_policy;
	}
	if (o->applet != NULL) {
		argv[k++] = (char *)(uintptr_t)"--applet";
		argv[k++] = (char *)(uintptr_t)o->applet;
	}
	if (o->seal_key != NULL) {
		argv[k++] = (char *)(uintptr_t)"--seal-key";
		argv[k++] = (char *)(uintptr_t)o->seal_key;
	}
	if (use_tpm(o)) {
		argv[k++] = (char *)(uintptr_t)"--protect";
		argv[k++] = (char *)(uintptr_t)"tpm";
	}
	if (o->tcti != NULL) {
		argv[k++] = (char *)(uintptr_t)"--tcti";
		argv[k++] = (char *)(uintptr_t)o->tcti;
	}
	argv[k] = NULL;
	rc = run_cmd(argv, tl->json ? 2 : 0);
	if (rc != 0) {
		ex = tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_SYSTEM, "'%s init' "
		    "failed (exit %d)%s", o->bin, rc, rc == 127 ?
		    "; is sclogin-vcard installed? (--vcard-bin, SCL_VCARD)" :
		    "");
		goto out;
	}
	created = 1;
	if (write_env(env, port) != 0) {
		ex = tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_SYSTEM, "cannot write "
		    "'%s': %m", env);
		goto out;
	}
	if (!o->no_enable && is_system_dir(o))
		enabled = systemctl("enable", o->name, tl->json ? 2 : 0) == 0;
	if (tl->json) {
		json_init(&j, tl->out, 0);
		json_begin_object(&j, NULL);
		json_str(&j, "result", "ok");
		json_str(&j, "name", o->name);
		json_str(&j, "state", state);
		json_int(&j, "port", (long long)port);
		json_str(&j, "protection", use_tpm(o) ? "tpm" : "software");
		if (enabled >= 0)
			json_bool(&j, "service_enabled", enabled);
		else
			json_null(&j, "service_enabled");
		if (o->admin_key != NULL &&
		    strcmp(o->admin_key, "random") == 0)
			json_str(&j, "admin_key", keyhex);
		json_end_object(&j);
		json_finish(&j);
	} else {
		fprintf(tl->out, _("Created virtual card '%s' (%s), vpcd port "
		    "%lu.\n"), o->name, state, port);
		fprintf(tl->out, "%s\n", use_tpm(o) ? _("Protection: TPM "
		    "(keys used only inside the TPM, PIN tries counted by "
		    "it).") : _("Protection: software (a copy of the state and "
		    "the seal key can use the keys; no TPM was used)."));
		fprintf(tl->out, _("PIN 123456 and PUK 12345678: change them "
		    "now with 'sclogin pin change' and 'sclogin pin "
		    "unblock'.\n"));
		if (o->admin_key != NULL && strcmp(o->admin_key, "random") == 0)
			fprintf(tl->out, _("Admin key (shown once, keep it "
			    "safe): %s\n"), keyhex);
		if (enabled == 1)
			fprintf(tl->out, _("Started sclogin-vcard@%s.service."
			    "\n"), o->name);
		else if (enabled < 0 && !o->no_enable)
			fprintf(tl->out, _("Not a system state directory: no "
			    "service enabled; run 'sclogin-vcard run --state "
			    "%s --port %lu'.\n"), state, port);
		if (port > VCARD_PORT_BASE + 1)
			fprintf(tl->out, _("Port %lu needs a vpcd reader: add "
			    "a reader.conf.d entry with CHANNELID 0x%lX "
			    "(see sclogin(1)).\n"), port, port & ~1UL);
	}
	if (enabled == 0) {
		ex = tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_SYSTEM, "the card "
		    "was created but 'systemctl enable --now "
		    "sclogin-vcard@%s.service' failed", o->name);
		goto out_keep;
	}
	ex = SCL_EXIT_OK;
	goto out_keep;
out:
	if (created) {
		unlink(state);
		unlink(env);
	}
out_keep:
	explicit_bzero(keyhex, sizeof(keyhex));
	return ex;
}

static int
do_list(struct tool *tl, const struct vcard_opts *o)
{
	struct entry e[VCARD_MAX];
	char state[4096];
	size_t n = 0, i;
	struct json j;
	int active;

	if (scan(o, e, VCARD_MAX, &n) != 0)
		return tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_SYSTEM, "cannot "
		    "read '%s': %m", o->dir);
	if (tl->json) {
		json_init(&j, tl->out, 0);
		json_begin_object(&j, NULL);
		json_str(&j, "state_dir", o->dir);
		json_begin_array(&j, "vcards");
	} else if (n == 0)
		fprintf(tl->out, _("No virtual cards in %s.\n"), o->dir);
	else
		fprintf(tl->out, "%-24s %-6s %-9s %-10s %s\n", _("NAME"),
		    _("PORT"), _("SERVICE"), _("PROTECTION"), _("STATE FILE"));
	for (i = 0; i < n; i++) {
		active = is_system_dir(o) ? systemctl("is-active", e[i].name,
		    1) == 0 : -1;
		(void)path_of(o, e[i].name, "state", state, sizeof(state));
		if (tl->json) {
			json_begin_object(&j, NULL);
			json_str(&j, "name", e[i].name);
			json_str(&j, "state", state);
			json_str(&j, "protection", protection_of(o, e[i].name));
			if (e[i].port != 0)
				json_int(&j, "port", (long long)e[i].port);
			else
				json_null(&j, "port");
			if (active >= 0)
				json_bool(&j, "active", active);
			else
				json_null(&j, "active");
			json_end_object(&j);
		} else {
			char port[16];

			snprintf(port, sizeof(port), "%lu", e[i].port);
			fprintf(tl->out, "%-24s %-6s %-9s %-10s %s\n",
			    e[i].name, e[i].port != 0 ? port : "-", active < 0 ?
			    "-" : active ? _("active") : _("inactive"),
			    protection_of(o, e[i].name), state);
		}
	}
	if (tl->json) {
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	}
	return SCL_EXIT_OK;
}

static int
do_delete(struct tool *tl, const struct vcard_opts *o)
{
	char state[4096], env[4096];
	struct stat st;
	struct json j;

	if (path_of(o, o->name, "state", state, sizeof(state)) != 0 ||
	    path_of(o, o->name, "env", env, sizeof(env)) != 0)
		return tool_usage_error(tl, "--state-dir is too long");
	if (lstat(state, &st) != 0)
		return tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_INVALID_ARGUMENT,
		    "no virtual card named '%s' in %s", o->name, o->dir);
	if (!o->no_enable && is_system_dir(o))
		(void)systemctl("disable", o->name, 1);
	if (unlink(state) != 0)
		return tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_SYSTEM, "cannot "
		    "remove '%s': %m", state);
	if (unlink(env) != 0 && errno != ENOENT)
		return tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_SYSTEM, "cannot "
		    "remove '%s': %m", env);
	if (tl->json) {
		json_init(&j, tl->out, 0);
		json_begin_object(&j, NULL);
		json_str(&j, "result", "ok");
		json_str(&j, "name", o->name);
		json_end_object(&j);
		json_finish(&j);
	} else
		fprintf(tl->out, _("Deleted virtual card '%s'.\n"), o->name);
	return SCL_EXIT_OK;
}

int
tool_vcard(struct tool *tl, int argc, char **argv)
{
	static const char *const names[] = { "create", "list", "delete",
	    "status", "protect" };
	static const char *const verbs[] = {
		"vcard create", "vcard list", "vcard delete", "vcard status",
		"vcard protect",
	};
	struct vcard_opts o;
	const char *env;
	size_t i;
	int ex;

	memset(&o, 0, sizeof(o));
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0)) {
			tool_help(tl, tl->out);
			return SCL_EXIT_OK;
		}
		return tool_usage_error(tl, "say create, list, delete, status "
		    "or protect");
	}
	for (i = 0; i < 5; i++)
		if (strcmp(argv[1], names[i]) == 0)
			break;
	if (i == 5)
		return tool_usage_error(tl, "unknown vcard action '%s' "
		    "(create, list, delete, status, protect)", argv[1]);
	o.action = (enum vcard_action)i;
	tl->verb = verbs[i];
	o.dir = (env = secure_getenv("SCLOGIN_VCARD_DIR")) != NULL &&
	    env[0] != '\0' ? env : VCARD_DIR_DEFAULT;
	o.bin = (env = secure_getenv("SCL_VCARD")) != NULL && env[0] != '\0' ?
	    env : "sclogin-vcard";
	o.seal_key = secure_getenv("SCLOGIN_VCARD_SEAL_KEY");
	if ((ex = parse(tl, argc - 1, argv + 1, &o)) != 0)
		return ex < 0 ? SCL_EXIT_OK : ex;
	switch (o.action) {
	case VC_CREATE:
		return do_create(tl, &o);
	case VC_LIST:
		return do_list(tl, &o);
	case VC_STATUS:
		return do_vcard_cmd(tl, &o, "show");
	case VC_PROTECT:
		return do_vcard_cmd(tl, &o, "protect");
	default:
		return do_delete(tl, &o);
	}
}
