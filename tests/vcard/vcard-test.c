/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "piv.h"
#include "vcard-test.h"

const uint8_t vt_default_admin[24] = {
	1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
};

struct vc_tpm *vt_tpm;

int
vt_open(struct vt *t, const struct vc_init_opts *o, int persist)
{
	struct vc_init_opts def = { 0 }, with_tpm;
	struct vc_state *s = NULL;
	char err[512];

	memset(t, 0, sizeof(*t));
	if (o == NULL)
		o = &def;
	def.hash_iter = VC_HASH_ITER_MIN;
	def.kdf.logn = 10;
	def.kdf.r = 8;
	def.kdf.p = 1;
	if (vt_tpm != NULL) {
		with_tpm = *o;
		with_tpm.tpm = vt_tpm;
		o = &with_tpm;
	}
	if (vc_crypto_random(t->seal, sizeof(t->seal)) != 0)
		return -1;
	if (vc_personalize_new(o, t->seal, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "vt_open: %s\n", err);
		return -1;
	}
	if (persist) {
		snprintf(t->dir, sizeof(t->dir), "/tmp/vcard-test.XXXXXX");
		if (mkdtemp(t->dir) == NULL)
			return -1;
		snprintf(t->path, sizeof(t->path), "%s/card.state", t->dir);
		if (vc_state_save(t->path, s, err, sizeof(err)) != 0) {
			fprintf(stderr, "vt_open: %s\n", err);
			vc_state_free(&s);
			return -1;
		}
	}
	if (vc_applet_new_tpm(s, persist ? t->path : NULL, t->seal, vt_tpm,
	    &t->a, err, sizeof(err)) != 0) {
		fprintf(stderr, "vt_open: %s\n", err);
		return -1;
	}
	return 0;
}

int
vt_reload(struct vt *t)
{
	struct vc_state *s = NULL;
	char err[640];

	vc_applet_free(&t->a);
	if (vc_state_load(t->path, &s, err, sizeof(err)) != 0 ||
	    vc_applet_new_tpm(s, t->path, t->seal, vt_tpm, &t->a, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "vt_reload: %s\n", err);
		return -1;
	}
	return 0;
}

void
vt_close(struct vt *t)
{
	if (t->a != NULL && vt_tpm != NULL) {
		vc_tpm_pin_delete(vt_tpm, vc_applet_state(t->a)->tpm_pin_nv);
		vc_tpm_pin_delete(vt_tpm, vc_applet_state(t->a)->tpm_puk_nv);
	}
	vc_applet_free(&t->a);
	if (t->path[0] != '\0') {
		unlink(t->path);
		rmdir(t->dir);
	}
}

int
vt_setup(void **state)
{
	struct vc_init_opts fast = { .hash_iter = VC_HASH_ITER_MIN, .kdf = { 10, 8, 1 } };
	struct vt *t = calloc(1, sizeof(*t));

	if (t == NULL || vt_open(t, &fast, 1) != 0) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

int
vt_teardown(void **state)
{
	struct vt *t = *state;

	vt_close(t);
	free(t);
	return 0;
}

uint16_t
vt_raw(struct vt *t, const uint8_t *apdu, size_t len)
{
	size_t n = 0;

	if (vc_applet_process(t->a, apdu, len, t->resp, sizeof(t->resp),
	    &n) != 0 || n < 2)
		return 0;
	t->resp_len = n - 2;
	return (uint16_t)(t->resp[n - 2] << 8 | t->resp[n - 1]);
}

uint16_t
vt_apdu(struct vt *t, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
    const uint8_t *data, size_t lc, int le, int ext)
{
	uint8_t buf[VC_APDU_MAX];
	size_t n = 0;

	buf[n++] = cla;
	buf[n++] = ins;
	buf[n++] = p1;
	buf[n++] = p2;
	if (ext) {
		if (lc > 0 || le >= 0)
			buf[n++] = 0;
		if (lc > 0) {
			buf[n++] = (uint8_t)(lc >> 8);
			buf[n++] = (uint8_t)lc;
			memcpy(buf + n, data, lc);
			n += lc;
		}
		if (le >= 0) {
			buf[n++] = (uint8_t)(le >> 8);
			buf[n++] = (uint8_t)le;
		}
	} else {
		if (lc > 0) {
			buf[n++] = (uint8_t)lc;
			memcpy(buf + n, data, lc);
			n += lc;
		}
		if (le >= 0)
			buf[n++] = (uint8_t)le;
	}
	return vt_raw(t, buf, n);
}

uint16_t
vt_xfer(struct vt *t, uint8_t ins, uint8_t p1, uint8_t p2,
    const uint8_t *data, size_t lc)
{
	static uint8_t all[VC_RAPDU_MAX];
	size_t off = 0, got = 0;
	uint16_t sw;

	do {
		size_t n = lc - off > 255 ? 255 : lc - off;
		int last = off + n == lc;

		sw = vt_apdu(t, last ? 0x00 : 0x10, ins, p1, p2, data + off, n,
		    0, 0);
		off += n;
		if (!last && sw != 0x9000)
			return sw;
	} while (off < lc);
	for (int i = 0; i < 300; i++) {
		memcpy(all + got, t->resp, t->resp_len);
		got += t->resp_len;
		if ((sw >> 8) != 0x61)
			break;
		sw = vt_apdu(t, 0x00, 0xc0, 0, 0, NULL, 0, 0, 0);
	}
	memcpy(t->resp, all, got);
	t->resp_len = got;
	return sw;
}

uint16_t
vt_verify(struct vt *t, const char *pin)
{
	uint8_t ref[8];

	memset(ref, 0xff, sizeof(ref));
	memcpy(ref, pin, strlen(pin));
	return vt_apdu(t, 0, 0x20, 0, 0x80, ref, 8, -1, 0);
}

uint16_t
vt_mgmt_auth(struct vt *t, uint8_t alg, const uint8_t *key)
{
	uint8_t req[4] = { 0x7c, 0x02, 0x80, 0x00 }, msg[40], w[16], c[16],
	    ec[16];
	size_t bs = scl_piv_mgmt_block_len(alg);
	uint16_t sw;

	sw = vt_apdu(t, 0, 0x87, alg, 0x9b, req, sizeof(req), -1, 0);
	if (sw != 0x9000)
		return sw;
	if (t->resp_len != 4 + bs || t->resp[0] != 0x7c || t->resp[2] != 0x80)
		return 0;
	scl_piv_mgmt_block(alg, key, scl_piv_mgmt_key_len(alg), 0,
	    t->resp + 4, w);
	vc_crypto_random(c, bs);
	msg[0] = 0x7c;
	msg[1] = (uint8_t)(4 + 2 * bs);
	msg[2] = 0x80;
	msg[3] = (uint8_t)bs;
	memcpy(msg + 4, w, bs);
	msg[4 + bs] = 0x81;
	msg[5 + bs] = (uint8_t)bs;
	memcpy(msg + 6 + bs, c, bs);
	sw = vt_apdu(t, 0, 0x87, alg, 0x9b, msg, 6 + 2 * bs, -1, 0);
	if (sw != 0x9000)
		return sw;
	scl_piv_mgmt_block(alg, key, scl_piv_mgmt_key_len(alg), 1,
	    c, ec);
	if (t->resp_len != 4 + bs || memcmp(t->resp + 4, ec, bs) != 0)
		return 1;
	return sw;
}

/* swtpm binds before it listens: wait for a connection to succeed. */
static int
can_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return 0;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		close(fd);
		return 0;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

int
vt_swtpm_start(struct vt_swtpm *w)
{
	char state[96], ctrl[160];
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct stat st;

	if (w->dir[0] == '\0') {
		snprintf(w->dir, sizeof(w->dir), "/tmp/vcard-swtpm.XXXXXX");
		if (mkdtemp(w->dir) == NULL)
			return -1;
	}
	snprintf(w->sock, sizeof(w->sock), "%s/tpm.sock", w->dir);
	snprintf(w->tcti, sizeof(w->tcti), "swtpm:path=%s", w->sock);
	snprintf(state, sizeof(state), "dir=%s", w->dir);
	snprintf(ctrl, sizeof(ctrl), "type=unixio,path=%s.ctrl", w->sock);
	unlink(w->sock);
	if ((w->pid = fork()) < 0)
		return -1;
	if (w->pid == 0) {
		char srv[160];

		snprintf(srv, sizeof(srv), "type=unixio,path=%s", w->sock);
		if (freopen("/dev/null", "w", stderr) == NULL ||
		    freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execlp("swtpm", "swtpm", "socket", "--tpm2", "--tpmstate", state,
		    "--server", srv, "--ctrl", ctrl, "--flags",
		    "not-need-init,startup-clear", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		if (stat(w->sock, &st) == 0 && can_connect(w->sock))
			return 0;
		if (waitpid(w->pid, NULL, WNOHANG) == w->pid)
			break;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "vt_swtpm_start: swtpm did not come up in %s\n",
	    w->dir);
	vt_swtpm_stop(w);
	return -1;
}

void
vt_swtpm_stop(struct vt_swtpm *w)
{
	if (w->pid > 0) {
		kill(w->pid, SIGTERM);
		waitpid(w->pid, NULL, 0);
	}
	w->pid = 0;
}

void
vt_swtpm_remove(struct vt_swtpm *w)
{
	DIR *d;
	struct dirent *e;
	char p[400];

	vt_swtpm_stop(w);
	if (w->dir[0] == '\0' || (d = opendir(w->dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", w->dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(w->dir);
	w->dir[0] = '\0';
}

int
vt_tpm_from_env(struct vt_swtpm *w)
{
	char err[512];

	memset(w, 0, sizeof(*w));
	if (getenv("SCL_VT_SWTPM") == NULL)
		return 0;
	setenv("TSS2_LOG", "all+none", 0);
	if (vt_swtpm_start(w) != 0)
		return -1;
	if (vc_tpm_open(w->tcti, &vt_tpm, err, sizeof(err)) != 0) {
		fprintf(stderr, "vt_tpm_from_env: %s\n", err);
		vt_swtpm_remove(w);
		return -1;
	}
	return 0;
}

void
vt_tpm_done(struct vt_swtpm *w)
{
	vc_tpm_free(&vt_tpm);
	vt_swtpm_remove(w);
}
