/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * sclogin's pcsc-lite reader driver: a reader only root's virtual card can
 * fill (ifd.h has the design).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <PCSC/ifdhandler.h>

#include "frame.h"
#include "ifd.h"

#define EXPORT __attribute__((visibility("default")))

/* pcscd's own log (stderr with -f, syslog otherwise); weak: see say(). */
extern void log_msg(const int priority, const char *fmt, ...)
    __attribute__((weak, format(printf, 2, 3)));

struct reader {
	bool used;
	DWORD lun;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	int lfd, cfd;
	uint8_t atr[VC_ATR_MAX];
	size_t atr_len;
	pthread_mutex_t mu;
};

static struct reader readers[SCL_IFD_READERS_MAX];
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

__attribute__((format(printf, 2, 3))) static void
say(int error, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_msg != NULL)
		log_msg(error ? 2 : 1, "sclogin-ifd: %s", line);
	else
		syslog(LOG_AUTHPRIV | (error ? LOG_WARNING : LOG_INFO),
		    "sclogin-ifd: %s", line);
}

static struct reader *
find(DWORD lun)
{
	struct reader *r = NULL;

	pthread_mutex_lock(&table_mu);
	for (size_t i = 0; i < SCL_IFD_READERS_MAX; i++) {
		if (readers[i].used && readers[i].lun == lun) {
			r = &readers[i];
			break;
		}
	}
	pthread_mutex_unlock(&table_mu);
	if (r != NULL)
		pthread_mutex_lock(&r->mu);
	return r;
}

static void
drop_card(struct reader *r, const char *reason)
{
	if (r->cfd < 0)
		return;
	if (reason != NULL)
		say(1, "%s: dropped the card's connection reason=%s", r->path,
		    reason);
	close(r->cfd);
	r->cfd = -1;
	r->atr_len = 0;
}

/* mkdir -p of path's parents with mode 0700 (existing ones stay as they are). */
static int
make_parents(const char *path)
{
	char buf[sizeof(((struct sockaddr_un *)0)->sun_path)];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

int
scl_ifd_check_dir(const char *path, char *why, size_t whylen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;
	struct stat st;

	if (path[0] != '/' || strlen(path) >= sizeof(dir)) {
		snprintf(why, whylen, "reason=PATH '%s' is not an absolute "
		    "path shorter than %zu bytes", path, sizeof(dir));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	if (slash == dir)
		snprintf(dir, sizeof(dir), "/");
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "reason=DIR '%s' is not a folder", dir);
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		snprintf(why, whylen, "reason=DIR '%s' must be owned by uid %u "
		    "with mode 0700 (it is uid %u, mode %04o): anyone else "
		    "could reach or replace the reader's socket", dir,
		    (unsigned)geteuid(), (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

static int
listen_at(struct reader *r)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	char why[256];
	int fd;

	if (make_parents(r->path) != 0 && errno != EEXIST) {
		say(1, "%s: cannot create its folder: %s reason=DIR", r->path,
		    strerror(errno));
		return -1;
	}
	if (scl_ifd_check_dir(r->path, why, sizeof(why)) != 0) {
		say(1, "%s: refusing this reader: %s", r->path, why);
		return -1;
	}
	if (lstat(r->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			say(1, "%s: exists and is not a socket; not touching "
			    "it reason=PATH", r->path);
			return -1;
		}
		unlink(r->path);
	}
	memcpy(sa.sun_path, r->path, strlen(r->path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(r->path, 0600) != 0 || listen(fd, 4) != 0 ||
	    lstat(r->path, &st) != 0) {
		say(1, "%s: cannot listen: %s", r->path, strerror(errno));
		close(fd);
		return -1;
	}
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	r->lfd = fd;
	return 0;
}

int
scl_ifd_peer_allowed(int fd, char *why, size_t whylen)
{
	struct ucred cr;
	socklen_t cl = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 ||
	    cl != sizeof(cr)) {
		snprintf(why, whylen, "reason=PEER no peer credentials");
		return 0;
	}
	if (cr.uid != 0 && cr.uid != geteuid()) {
		snprintf(why, whylen, "reason=PEER uid %u (pid %d) is not root",
		    (unsigned)cr.uid, (int)cr.pid);
		return 0;
	}
	return 1;
}

/* Take a waiting card when the slot is empty; refuse the others. */
static void
accept_cards(struct reader *r)
{
	for (int i = 0; i < 8; i++) {
		char why[128];
		int fd = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC |
		    SOCK_NONBLOCK);

		if (fd < 0)
			return;
		if (!scl_ifd_peer_allowed(fd, why, sizeof(why))) {
			say(1, "%s: refused a connection: %s", r->path, why);
			close(fd);
			continue;
		}
		if (r->cfd >= 0) {
			close(fd);	/* busy: the card tries another reader */
			continue;
		}
		r->cfd = fd;
	}
}

/* The card side closed, or sent what nobody asked for. */
static void
check_card(struct reader *r)
{
	struct pollfd p = { .fd = r->cfd, .events = POLLIN };
	uint8_t b;

	if (poll(&p, 1, 0) != 1)
		return;
	if (recv(r->cfd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 1)
		drop_card(r, "UNSOLICITED data before any command");
	else
		drop_card(r, NULL);
}

/* Send a frame and read the card's answer of kind k into buf (cap). */
static RESPONSECODE
exchange(struct reader *r, const uint8_t *p, size_t len, enum vc_reply k,
    uint8_t *buf, size_t cap, size_t *ret_len)
{
	const char *bad;
	enum vc_io io;

	if (vc_frame_write(r->cfd, -1, p, len) != VC_IO_OK) {
		drop_card(r, NULL);
		return IFD_COMMUNICATION_ERROR;
	}
	if (buf == NULL)
		return IFD_SUCCESS;
	io = vc_frame_read(r->cfd, -1, SCL_IFD_ANSWER_MS, buf, cap, ret_len);
	if (io == VC_IO_TIMEOUT) {
		drop_card(r, "TIMEOUT no answer within the bound");
		return IFD_RESPONSE_TIMEOUT;
	}
	if (io == VC_IO_TOO_LONG) {
		drop_card(r, "LENGTH a frame longer than the buffer");
		return IFD_COMMUNICATION_ERROR;
	}
	if (io != VC_IO_OK) {
		drop_card(r, NULL);
		return IFD_COMMUNICATION_ERROR;
	}
	if ((bad = vc_frame_check_reply(k, buf, *ret_len, cap)) != NULL) {
		char reason[64];

		snprintf(reason, sizeof(reason), "FRAME %s", bad);
		drop_card(r, reason);
		return IFD_COMMUNICATION_ERROR;
	}
	return IFD_SUCCESS;
}

EXPORT RESPONSECODE
IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName)
{
	struct reader *r = NULL;

	if (DeviceName != NULL && strncmp(DeviceName, SCL_IFD_NAME_PREFIX,
	    strlen(SCL_IFD_NAME_PREFIX)) == 0)
		DeviceName += strlen(SCL_IFD_NAME_PREFIX);
	if (DeviceName == NULL || strlen(DeviceName) >= sizeof(r->path))
		return IFD_COMMUNICATION_ERROR;
	pthread_mutex_lock(&table_mu);
	for (size_t i = 0; i < SCL_IFD_READERS_MAX; i++) {
		if (readers[i].used && readers[i].lun == Lun) {
			pthread_mutex_unlock(&table_mu);
			return IFD_COMMUNICATION_ERROR;
		}
		if (!readers[i].used && r == NULL)
			r = &readers[i];
	}
	if (r == NULL) {
		pthread_mutex_unlock(&table_mu);
		say(1, "%s: more than %d readers reason=CONFIG", DeviceName,
		    SCL_IFD_READERS_MAX);
		return IFD_COMMUNICATION_ERROR;
	}
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", DeviceName);
	r->lun = Lun;
	r->cfd = -1;
	if (listen_at(r) != 0) {
		pthread_mutex_unlock(&table_mu);
		return IFD_COMMUNICATION_ERROR;
	}
	pthread_mutex_init(&r->mu, NULL);
	r->used = true;
	pthread_mutex_unlock(&table_mu);
	say(0, "%s: listening for root's virtual card", r->path);
	return IFD_SUCCESS;
}

EXPORT RESPONSECODE
IFDHCreateChannel(DWORD Lun, DWORD Channel)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/reader%u", SCL_IFD_DEFAULT_DIR,
	    (unsigned)Channel);
	return IFDHCreateChannelByName(Lun, path);
}

EXPORT RESPONSECODE
IFDHCloseChannel(DWORD Lun)
{
	struct reader *r = find(Lun);
	struct stat st;

	if (r == NULL)
		return IFD_NO_SUCH_DEVICE;
	drop_card(r, NULL);
	if (lstat(r->path, &st) == 0 && st.st_dev == r->dev &&
	    st.st_ino == r->ino)
		unlink(r->path);
	close(r->lfd);
	pthread_mutex_unlock(&r->mu);
	pthread_mutex_lock(&table_mu);
	pthread_mutex_destroy(&r->mu);
	r->used = false;
	pthread_mutex_unlock(&table_mu);
	return IFD_SUCCESS;
}

static RESPONSECODE
put_cap(PDWORD Length, PUCHAR Value, const void *p, size_t n)
{
	if (*Length < n)
		return IFD_ERROR_INSUFFICIENT_BUFFER;
	memcpy(Value, p, n);
	*Length = (DWORD)n;
	return IFD_SUCCESS;
}

EXPORT RESPONSECODE
IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value)
{
	struct reader *r = find(Lun);
	uint8_t one = 1, many = SCL_IFD_READERS_MAX;
	RESPONSECODE rc = IFD_ERROR_TAG;

	if (r == NULL)
		return IFD_NO_SUCH_DEVICE;
	switch (Tag) {
	case TAG_IFD_ATR:
		rc = put_cap(Length, Value, r->atr, r->atr_len);
		break;
	case TAG_IFD_SLOTS_NUMBER:
	case TAG_IFD_THREAD_SAFE:
		rc = put_cap(Length, Value, &one, 1);
		break;
	case TAG_IFD_SIMULTANEOUS_ACCESS:
		rc = put_cap(Length, Value, &many, 1);
		break;
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

EXPORT RESPONSECODE
IFDHSetCapabilities(DWORD Lun, DWORD Tag, DWORD Length, PUCHAR Value)
{
	(void)Lun;
	(void)Tag;
	(void)Length;
	(void)Value;
	return IFD_NOT_SUPPORTED;
}

EXPORT RESPONSECODE
IFDHSetProtocolParameters(DWORD Lun, DWORD Protocol, UCHAR Flags, UCHAR PTS1,
    UCHAR PTS2, UCHAR PTS3)
{
	(void)Lun;
	(void)Flags;
	(void)PTS1;
	(void)PTS2;
	(void)PTS3;
	return Protocol == SCARD_PROTOCOL_T0 || Protocol == SCARD_PROTOCOL_T1 ?
	    IFD_SUCCESS : IFD_PROTOCOL_NOT_SUPPORTED;
}

EXPORT RESPONSECODE
IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength)
{
	struct reader *r = find(Lun);
	uint8_t ctl, atr_ctl = VC_CTL_ATR, atr[VC_ATR_MAX];
	size_t n = 0;
	RESPONSECODE rc;

	if (r == NULL)
		return IFD_NO_SUCH_DEVICE;
	if (r->cfd < 0) {
		rc = IFD_ERROR_POWER_ACTION;
		goto out;
	}
	switch (Action) {
	case IFD_POWER_UP: ctl = VC_CTL_ON; break;
	case IFD_POWER_DOWN: ctl = VC_CTL_OFF; break;
	case IFD_RESET: ctl = VC_CTL_RESET; break;
	default:
		rc = IFD_NOT_SUPPORTED;
		goto out;
	}
	if ((rc = exchange(r, &ctl, 1, VC_REPLY_ATR, NULL, 0, NULL)) !=
	    IFD_SUCCESS)
		goto out;
	if (Action == IFD_POWER_DOWN) {
		r->atr_len = 0;
		*AtrLength = 0;
		goto out;
	}
	if ((rc = exchange(r, &atr_ctl, 1, VC_REPLY_ATR, atr, sizeof(atr),
	    &n)) != IFD_SUCCESS)
		goto out;
	if (*AtrLength < n) {
		rc = IFD_ERROR_INSUFFICIENT_BUFFER;
		goto out;
	}
	memcpy(r->atr, atr, n);
	r->atr_len = n;
	memcpy(Atr, atr, n);
	*AtrLength = (DWORD)n;
out:
	if (rc != IFD_SUCCESS && rc != IFD_NOT_SUPPORTED)
		rc = IFD_ERROR_POWER_ACTION;
	pthread_mutex_unlock(&r->mu);
	return rc;
}

EXPORT RESPONSECODE
IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci, PUCHAR TxBuffer,
    DWORD TxLength, PUCHAR RxBuffer, PDWORD RxLength,
    PSCARD_IO_HEADER RecvPci)
{
	struct reader *r = find(Lun);
	size_t n = 0;
	RESPONSECODE rc;

	if (r == NULL)
		return IFD_NO_SUCH_DEVICE;
	if (r->cfd < 0) {
		*RxLength = 0;
		rc = IFD_ICC_NOT_PRESENT;
		goto out;
	}
	if (TxLength < 4 || TxLength > VC_FRAME_MAX) {
		*RxLength = 0;
		rc = IFD_COMMUNICATION_ERROR;
		goto out;
	}
	rc = exchange(r, TxBuffer, TxLength, VC_REPLY_RAPDU, RxBuffer,
	    *RxLength, &n);
	*RxLength = rc == IFD_SUCCESS ? (DWORD)n : 0;
	if (RecvPci != NULL)
		RecvPci->Protocol = SendPci.Protocol;
out:
	pthread_mutex_unlock(&r->mu);
	return rc;
}

EXPORT RESPONSECODE
IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer, DWORD TxLength,
    PUCHAR RxBuffer, DWORD RxLength, LPDWORD pdwBytesReturned)
{
	(void)Lun;
	(void)dwControlCode;
	(void)TxBuffer;
	(void)TxLength;
	(void)RxBuffer;
	(void)RxLength;
	if (pdwBytesReturned != NULL)
		*pdwBytesReturned = 0;
	return IFD_ERROR_NOT_SUPPORTED;
}

EXPORT RESPONSECODE
IFDHICCPresence(DWORD Lun)
{
	struct reader *r = find(Lun);
	RESPONSECODE rc;

	if (r == NULL)
		return IFD_NO_SUCH_DEVICE;
	if (r->cfd >= 0)
		check_card(r);
	accept_cards(r);
	rc = r->cfd >= 0 ? IFD_ICC_PRESENT : IFD_ICC_NOT_PRESENT;
	pthread_mutex_unlock(&r->mu);
	return rc;
}
