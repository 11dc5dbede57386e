/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <security/pam_appl.h>

#include "config.h"
#include "err.h"
#include "file.h"
#include "i18n.h"
#include "mapping.h"
#include "scl-pam.h"
#include "tool.h"

#define FINDINGS_MAX 256
#define PAM_LINE_MAX 4096
#define PAM_FILE_MAX (256u * 1024u)
#define PAM_FILES_MAX 512
#define PAM_WORDS_MAX 64
#define INCLUDE_DEPTH_MAX 8
#define MODULE_NAME "pam_sclogin.so"

enum level { LEVEL_OK, LEVEL_WARNING, LEVEL_ERROR };

struct finding {
	enum level level;
	char where[320];
	char message[640];
	char fix[320];
};

struct check {
	struct tool *tl;
	const char *config;
	const char *pam_dir;
	char module_dir[256];
	struct finding f[FINDINGS_MAX];
	size_t n;
	size_t dropped;
};

static void
add(struct check *c, enum level lv, const char *where, const char *fix,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
add(struct check *c, enum level lv, const char *where, const char *fix,
    const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	if (c->n >= FINDINGS_MAX) {
		c->dropped++;
		return;
	}
	f = &c->f[c->n++];
	f->level = lv;
	snprintf(f->where, sizeof(f->where), "%s", where);
	snprintf(f->fix, sizeof(f->fix), "%s", fix != NULL ? fix : "");
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

/* ---- sclogin.conf ---- */

static void
check_anchors(struct check *c, const struct scl_config *cfg)
{
	FILE *fp;
	X509 *x;
	int n = 0;

	if (cfg->ca_file == NULL && cfg->ca_dir == NULL) {
		add(c, LEVEL_ERROR, "ca_file", "set ca_file = the PEM file of "
		    "the CA that issues your users' certificates",
		    "no trust anchors: every certificate is refused");
		return;
	}
	if (cfg->ca_file == NULL)
		return;
	if ((fp = fopen(cfg->ca_file, "re")) == NULL) {
		add(c, LEVEL_ERROR, "ca_file", "point ca_file at a readable "
		    "PEM file", "%s: %s", cfg->ca_file, strerror(errno));
		return;
	}
	while (n < 1000 && (x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
		n++;
		X509_free(x);
	}
	fclose(fp);
	if (n == 0)
		add(c, LEVEL_ERROR, "ca_file", "ca_file takes PEM "
		    "certificates (-----BEGIN CERTIFICATE-----)",
		    "%s holds no PEM certificate", cfg->ca_file);
	else
		add(c, LEVEL_OK, "ca_file", NULL, "%s: %d certificate%s",
		    cfg->ca_file, n, n == 1 ? "" : "s");
}

static size_t
count_crls(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0, len;

	if (d == NULL)
		return (size_t)-1;
	while ((e = readdir(d)) != NULL && n < 100000) {
		len = strlen(e->d_name);
		if ((len > 4 && strcmp(e->d_name + len - 4, ".crl") == 0) ||
		    (len > 4 && strcmp(e->d_name + len - 4, ".pem") == 0))
			n++;
	}
	closedir(d);
	return n;
}

static void
check_revocation(struct check *c, const struct scl_config *cfg)
{
	size_t n;

	if (cfg->crl == SCL_REVOCATION_OFF)
		return;
	if (cfg->crl_dir != NULL) {
		n = count_crls(cfg->crl_dir);
		if (n == (size_t)-1) {
			add(c, cfg->crl == SCL_REVOCATION_HARD_FAIL ?
			    LEVEL_ERROR : LEVEL_WARNING, "crl_dir", "create "
			    "it, or fix the path", "%s: %s", cfg->crl_dir,
			    strerror(errno));
			return;
		}
		if (n > 0) {
			add(c, LEVEL_OK, "crl_dir", NULL, "%s: %zu CRL file%s",
			    cfg->crl_dir, n, n == 1 ? "" : "s");
			return;
		}
	}
	if (cfg->crl_fetch)
		return;
	add(c, cfg->crl == SCL_REVOCATION_HARD_FAIL ? LEVEL_ERROR :
	    LEVEL_WARNING, "crl", "put your CAs' CRLs in crl_dir (and "
	    "refresh them before nextUpdate), or set crl_fetch = yes",
	    "crl = %s with no CRL in crl_dir and crl_fetch = no: %s",
	    scl_revocation_mode_name(cfg->crl),
	    cfg->crl == SCL_REVOCATION_HARD_FAIL ? "every certificate "
	    "without a cached CRL is refused" : "revocation is not checked");
}

static int
uses_mapfile(const struct scl_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mapping; i++)
		if (cfg->mapping[i] == SCL_MAP_MAPFILE ||
		    cfg->mapping[i] == SCL_MAP_SUBJECT ||
		    cfg->mapping[i] == SCL_MAP_FINGERPRINT)
			return 1;
	return 0;
}

static void
check_mapfile(struct check *c, const struct scl_config *cfg)
{
	char err[512];
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, r;

	if (!uses_mapfile(cfg) || cfg->mapfile == NULL)
		return;
	if ((fd = open(cfg->mapfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		add(c, errno == ENOENT ? LEVEL_WARNING : LEVEL_ERROR,
		    "mapfile", "create it (sclogin.conf(5), mapfile) or take "
		    "mapfile out of mapping", "%s: %s: no certificate maps "
		    "through it", cfg->mapfile, strerror(errno));
		return;
	}
	r = scl_file_read_fd(fd, 4u * 1024u * 1024u, &buf, &len);
	close(fd);
	if (r != 0) {
		add(c, LEVEL_ERROR, "mapfile", NULL, "%s: cannot be read (%s)",
		    cfg->mapfile, scl_strerror(r));
		return;
	}
	err[0] = '\0';
	r = scl_mapfile_parse_buffer(cfg->mapfile, buf, len, NULL, NULL, err,
	    sizeof(err));
	free(buf);
	if (r != 0)
		add(c, LEVEL_ERROR, "mapfile", "fix the line (sclogin.conf(5), "
		    "mapfile)", "%s", err);
	else
		add(c, LEVEL_OK, "mapfile", NULL, "%s parses", cfg->mapfile);
}

static void
check_state_dir(struct check *c, const struct scl_config *cfg)
{
	struct stat st;

	if (cfg->state_dir == NULL)
		return;
	if (stat(cfg->state_dir, &st) != 0 || !S_ISDIR(st.st_mode))
		add(c, LEVEL_WARNING, "state_dir", "mkdir -m 0755 the folder "
		    "(root-owned)", "%s is not a folder: the last sign-in "
		    "method is not recorded", cfg->state_dir);
	else if (st.st_uid != 0 || (st.st_mode & 022) != 0)
		add(c, LEVEL_ERROR, "state_dir", "chown root and chmod go-w "
		    "the folder", "%s is not root-owned or is writable by "
		    "others: the module will not use it", cfg->state_dir);
}

static void
check_config(struct check *c, const struct scl_config *cfg)
{
	check_anchors(c, cfg);
	check_revocation(c, cfg);
	check_mapfile(c, cfg);
	check_state_dir(c, cfg);
}

/* ---- PAM files ---- */

struct pam_line {
	char type[16];		/* auth, account, session, password, @include */
	char control[128];
	char module[256];
	const char *args[PAM_WORDS_MAX];
	int argc;
	char buf[PAM_LINE_MAX];
};

/* Split a PAM line; 0 on a line with a module, 1 on @include, -1 else. */
static int
split_pam_line(const char *line, struct pam_line *pl)
{
	char *p, *w, *end;
	int n = 0;

	memset(pl, 0, sizeof(*pl));
	if (snprintf(pl->buf, sizeof(pl->buf), "%s", line) >=
	    (int)sizeof(pl->buf))
		return -1;
	if ((p = strchr(pl->buf, '#')) != NULL)
		*p = '\0';
	p = pl->buf;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return -1;
	if (strncmp(p, "@include", 8) == 0 && (p[8] == ' ' || p[8] == '\t')) {
		p += 8;
		p += strspn(p, " \t");
		p[strcspn(p, " \t\n")] = '\0';
		snprintf(pl->type, sizeof(pl->type), "@include");
		snprintf(pl->module, sizeof(pl->module), "%s", p);
		return pl->module[0] != '\0' ? 1 : -1;
	}
	if (*p == '-')
		p++;
	w = p;
	p += strcspn(p, " \t");
	if (*p != '\0')
		*p++ = '\0';
	if (strlen(w) >= sizeof(pl->type))
		return -1;
	memcpy(pl->type, w, strlen(w) + 1);
	p += strspn(p, " \t");
	if (*p == '[') {
		if ((end = strchr(p, ']')) == NULL)
			return -1;
		*++end = '\0';
		snprintf(pl->control, sizeof(pl->control), "%s", p);
		p = end + 1;
	} else {
		w = p;
		p += strcspn(p, " \t");
		if (*p != '\0')
			*p++ = '\0';
		snprintf(pl->control, sizeof(pl->control), "%s", w);
	}
	p += strspn(p, " \t");
	w = p;
	p += strcspn(p, " \t\n");
	if (*p != '\0')
		*p++ = '\0';
	snprintf(pl->module, sizeof(pl->module), "%s", w);
	while (*p != '\0' && n < PAM_WORDS_MAX) {
		p += strspn(p, " \t\n");
		if (*p == '\0')
			break;
		pl->args[n++] = p;
		p += strcspn(p, " \t\n");
		if (*p != '\0')
			*p++ = '\0';
	}
	pl->argc = n;
	return pl->module[0] != '\0' && pl->control[0] != '\0' ? 0 : -1;
}

static int
is_ours(const char *module)
{
	const char *b = strrchr(module, '/');

	return strcmp(b != NULL ? b + 1 : module, MODULE_NAME) == 0;
}

/* PAM's own module folder: beside the libpam this process loaded. */
static void
find_module_dir(struct check *c)
{
	Dl_info di;
	char path[256];

	snprintf(c->module_dir, sizeof(c->module_dir),
	    "/usr/lib/x86_64-linux-gnu/security");
	if (dladdr((void *)(uintptr_t)pam_start, &di) != 0 &&
	    di.dli_fname != NULL && di.dli_fname[0] == '/' &&
	    snprintf(path, sizeof(path), "%s", di.dli_fname) <
	    (int)sizeof(path))
		snprintf(c->module_dir, sizeof(c->module_dir), "%s/security",
		    dirname(path));
}

static int
read_pam_file(const char *path, char **ret)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return SCL_ERR_SYSTEM;
	r = scl_file_read_fd(fd, PAM_FILE_MAX, &buf, &len);
	close(fd);
	if (r != 0)
		return r;
	buf[len] = '\0';	/* the buffer has max + 1 bytes */
	*ret = (char *)buf;
	return 0;
}

/*
 * Does the stack of file name (with its @includes) have a line of type
 * with module base name `module` before our line?  Bounded by depth.
 */
static int
stack_has(const char *dir, const char *name, const char *type,
    const char *module, int depth)
{
	char path[512], *text = NULL, *line, *save = NULL;
	struct pam_line *pl;
	int found = 0, k;

	if (depth > INCLUDE_DEPTH_MAX || strchr(name, '/') != NULL ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path) || read_pam_file(path, &text) != 0)
		return 0;
	if ((pl = malloc(sizeof(*pl))) == NULL) {
		free(text);
		return 0;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL && !found;
	    line = strtok_r(NULL, "\n", &save)) {
		k = split_pam_line(line, pl);
		if (k == 1)
			found = stack_has(dir, pl->module, type, module,
			    depth + 1);
		else if (k == 0 && strcmp(pl->type, type) == 0) {
			const char *b = strrchr(pl->module, '/');

			if (strcmp(b != NULL ? b + 1 : pl->module, module) == 0)
				found = 1;
			else if (is_ours(pl->module))
				break;
		}
	}
	free(pl);
	free(text);
	return found;
}

static void
check_our_line(struct check *c, const char *service, size_t lineno,
    struct pam_line *pl, int auth_after)
{
	struct scl_pam_args args;
	struct scl_config *cfg = NULL;
	char where[320], err[512], path[512];
	int r, required;

	snprintf(where, sizeof(where), "%s/%s:%zu", c->pam_dir, service,
	    lineno);
	required = strcmp(pl->control, "required") == 0 ||
	    strcmp(pl->control, "requisite") == 0;
	if (pl->module[0] == '/')
		snprintf(path, sizeof(path), "%s", pl->module);
	else
		snprintf(path, sizeof(path), "%s/%s", c->module_dir,
		    pl->module);
	if (access(path, R_OK) != 0)
		add(c, required ? LEVEL_ERROR : LEVEL_WARNING, where,
		    "install the module there, or give its full path",
		    "%s %s %s: %s is not there: PAM cannot load it%s",
		    pl->type, pl->control, pl->module, path, required ?
		    ", and every sign-in on this service fails" : "");
	err[0] = '\0';
	r = scl_pam_args_parse(pl->argc, pl->args, &args, err, sizeof(err));
	if (r == 0)
		r = scl_pam_config(&args, service, &cfg, err, sizeof(err));
	if (r != 0) {
		add(c, LEVEL_ERROR, where, "fix the argument or the file "
		    "(pam_sclogin(8), sclogin.conf(5))", "%s %s %s: %s: the "
		    "module refuses to run (fails closed)", pl->type,
		    pl->control, pl->module, err);
		return;
	}
	if (strcmp(pl->type, "auth") == 0 && required && auth_after)
		add(c, LEVEL_WARNING, where, "use sufficient (or "
		    "[success=end default=ignore]) so the password after it "
		    "still works", "auth %s pam_sclogin.so before another "
		    "auth module: a card or certificate failure fails the "
		    "whole stack, the password after it cannot rescue it",
		    pl->control);
	if (strcmp(pl->type, "session") == 0 &&
	    cfg->removal_action != SCL_REMOVAL_NONE &&
	    !stack_has(c->pam_dir, service, "session", "pam_systemd.so", 0))
		add(c, LEVEL_WARNING, where, "put 'session optional "
		    "pam_systemd.so' before it", "removal_action = %s needs "
		    "pam_systemd before pam_sclogin in the session stack",
		    scl_removal_action_name(cfg->removal_action));
	if (c->n == 0 || c->f[c->n - 1].level == LEVEL_OK ||
	    strcmp(c->f[c->n - 1].where, where) != 0)
		add(c, LEVEL_OK, where, NULL, "%s %s pam_sclogin.so", pl->type,
		    pl->control);
	scl_config_free(&cfg);
}

/* Does an auth line or "@include common-auth" follow in text? */
static int
auth_follows(const char *text, struct pam_line *pl)
{
	char one[PAM_LINE_MAX];
	const char *l, *nl;
	size_t len;
	int k;

	for (l = text; l != NULL; l = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(l, '\n');
		len = nl != NULL ? (size_t)(nl - l) : strlen(l);
		if (len >= sizeof(one))
			continue;
		memcpy(one, l, len);
		one[len] = '\0';
		k = split_pam_line(one, pl);
		if ((k == 0 && strcmp(pl->type, "auth") == 0) ||
		    (k == 1 && strcmp(pl->module, "common-auth") == 0))
			return 1;
	}
	return 0;
}

static void
check_pam_file(struct check *c, const char *service)
{
	char path[512], *text = NULL, *line, *next;
	struct pam_line *pl, *later;
	size_t lineno = 0;

	if (snprintf(path, sizeof(path), "%s/%s", c->pam_dir, service) >=
	    (int)sizeof(path) || read_pam_file(path, &text) != 0)
		return;
	pl = malloc(sizeof(*pl));
	later = malloc(sizeof(*later));
	for (line = text; pl != NULL && later != NULL && line != NULL;
	    line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if (split_pam_line(line, pl) != 0 || !is_ours(pl->module))
			continue;
		check_our_line(c, service, lineno, pl,
		    auth_follows(next, later));
	}
	free(later);
	free(pl);
	free(text);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
check_pam_dir(struct check *c)
{
	DIR *d;
	struct dirent *e;
	char *names[PAM_FILES_MAX];
	size_t n = 0, before = c->n;

	if ((d = opendir(c->pam_dir)) == NULL) {
		add(c, LEVEL_WARNING, c->pam_dir, NULL, "cannot read: %s",
		    strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL && n < PAM_FILES_MAX) {
		if (e->d_name[0] == '.' || (e->d_type != DT_REG &&
		    e->d_type != DT_UNKNOWN))
			continue;
		if ((names[n] = strdup(e->d_name)) != NULL)
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (size_t i = 0; i < n; i++) {
		check_pam_file(c, names[i]);
		free(names[i]);
	}
	if (c->n == before)
		add(c, LEVEL_WARNING, c->pam_dir, "add pam_sclogin.so to the "
		    "services that should accept a card (pam_sclogin(8); on "
		    "Debian: pam-auth-update --enable sclogin)",
		    "no PAM service loads pam_sclogin.so");
}

/* ---- output ---- */

static const char *
level_name(enum level lv)
{
	return lv == LEVEL_OK ? N_("ok") : lv == LEVEL_WARNING ?
	    N_("warning") : N_("error");
}

static int
report(struct check *c)
{
	size_t errors = 0, warnings = 0;
	struct json j;
	char esc[sizeof(c->f[0].message) * 4];

	for (size_t i = 0; i < c->n; i++) {
		errors += c->f[i].level == LEVEL_ERROR;
		warnings += c->f[i].level == LEVEL_WARNING;
	}
	if (c->tl->json) {
		json_init(&j, c->tl->out, 0);
		json_begin_object(&j, NULL);
		json_str(&j, "config", c->config);
		json_str(&j, "pam_dir", c->pam_dir);
		json_begin_array(&j, "findings");
		for (size_t i = 0; i < c->n; i++) {
			json_begin_object(&j, NULL);
			json_str(&j, "level", level_name(c->f[i].level));
			json_str(&j, "where", c->f[i].where);
			json_str(&j, "message", c->f[i].message);
			json_str(&j, "fix", c->f[i].fix[0] != '\0' ?
			    c->f[i].fix : NULL);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_int(&j, "errors", (long long)errors);
		json_int(&j, "warnings", (long long)warnings);
		json_end_object(&j);
		json_finish(&j);
	} else {
		fprintf(c->tl->out, _("Checking %s and the PAM services in "
		    "%s\n"), c->config, c->pam_dir);
		for (size_t i = 0; i < c->n; i++) {
			tool_escape(c->f[i].message, esc, sizeof(esc));
			fprintf(c->tl->out, "  %-8s %s: %s\n",
			    _(level_name(c->f[i].level)), c->f[i].where, esc);
			if (c->f[i].fix[0] != '\0') {
				fputs("           ", c->tl->out);
				fprintf(c->tl->out, _("fix: %s\n"),
				    c->f[i].fix);
			}
		}
		if (c->dropped > 0)
			fprintf(c->tl->out, _("  (%zu more findings not "
			    "shown)\n"), c->dropped);
		fprintf(c->tl->out, scl_trn("%zu error", "%zu errors", errors),
		    errors);
		fputs(", ", c->tl->out);
		fprintf(c->tl->out, scl_trn("%zu warning", "%zu warnings",
		    warnings), warnings);
		fputs("\n", c->tl->out);
	}
	return errors > 0 ? SCL_EXIT_CHECK : SCL_EXIT_OK;
}

int
tool_config(struct tool *tl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pam-dir", required_argument, NULL, TOOL_OPT_VERB },
		TOOL_COMMON_OPTS
	};
	struct check *c;
	struct scl_config *cfg = NULL;
	char err[512];
	int ch, r, ex;

	tl->verb = "config check";
	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
			tool_help(tl, tl->out);
			return SCL_EXIT_OK;
		}
		return tool_usage_error(tl, "expected 'config check'");
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return tool_fail(tl, SCL_EXIT_FAIL, SCL_ERR_NOMEM, "no memory");
	c->tl = tl;
	c->pam_dir = "/etc/pam.d";
	argc--;
	argv++;
	tool_getopt_reset();
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == TOOL_OPT_VERB) {
			c->pam_dir = optarg;
			continue;
		}
		if ((r = tool_other_opt(tl, ch, argv)) != 0) {
			free(c);
			return r < 0 ? SCL_EXIT_OK : r;
		}
	}
	if ((r = tool_no_operands(tl, argc, argv)) != 0) {
		free(c);
		return r;
	}
	c->config = tl->config != NULL ? tl->config : SCL_CONFIG_PATH_DEFAULT;
	find_module_dir(c);
	err[0] = '\0';
	r = scl_config_load(c->config, NULL, 1, &cfg, err, sizeof(err));
	if (r != 0) {
		add(c, LEVEL_ERROR, c->config, "fix the line; sclogin.conf(5) "
		    "has every key", "%s: the module refuses to run (fails "
		    "closed)", err);
	} else {
		add(c, LEVEL_OK, c->config, NULL, access(c->config, F_OK) == 0 ?
		    "parses" : "not there: the built-in defaults apply");
		check_config(c, cfg);
	}
	scl_config_free(&cfg);
	check_pam_dir(c);
	ex = report(c);
	free(c);
	return ex;
}
