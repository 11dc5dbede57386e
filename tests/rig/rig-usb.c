/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rig-usb.h"

#define DEVDIR "devices/scl-usb/1-1"
#define IFNAME "1-1:1.0"
/* libudev's netlink framing (systemd 252, sd-device/device-monitor.c). */
#define UDEV_MAGIC 0xfeedcafeu
#define UDEV_GROUP 2u

struct udev_header {
	char prefix[8];
	uint32_t magic;
	uint32_t header_size;
	uint32_t properties_off;
	uint32_t properties_len;
	uint32_t filter_subsystem_hash;
	uint32_t filter_devtype_hash;
	uint32_t filter_tag_bloom_hi;
	uint32_t filter_tag_bloom_lo;
};

static void
say(const char *fmt, ...)
{
	va_list ap;

	fputs("rig-usb: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
put(const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;
	int r = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((f = fopen(path, "we")) == NULL) {
		say("write %s: %s", path, strerror(errno));
		return -1;
	}
	if (fputs(text, f) >= 0)
		r = 0;
	if (fclose(f) != 0)
		r = -1;
	return r;
}

static int
mkdirs(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	size_t n;

	n = (size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (n >= sizeof(path))
		return -1;
	for (char *p = path + strlen(dir) + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			say("mkdir %s: %s", path, strerror(errno));
			return -1;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

static int
link_at(const char *dir, const char *target, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	unlink(path);
	if (symlink(target, path) == -1) {
		say("symlink %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* The device as the kernel shows it in sysfs (the attributes pcscd reads). */
static int
sys_plug(const char *sys)
{
	char text[256];

	if (mkdirs(sys, DEVDIR "/" IFNAME) != 0 || mkdirs(sys,
	    "bus/usb/devices") != 0)
		return -1;
	snprintf(text, sizeof(text), "MAJOR=189\nMINOR=1\n"
	    "DEVNAME=bus/usb/001/002\nDEVTYPE=usb_device\nDRIVER=usb\n"
	    "PRODUCT=%x/%x/100\nTYPE=0/0/0\nBUSNUM=001\nDEVNUM=002\n",
	    RIG_USB_VID, RIG_USB_PID);
	if (put(sys, DEVDIR "/uevent", text) != 0)
		return -1;
	snprintf(text, sizeof(text), "%04x\n", RIG_USB_VID);
	if (put(sys, DEVDIR "/idVendor", text) != 0)
		return -1;
	snprintf(text, sizeof(text), "%04x\n", RIG_USB_PID);
	if (put(sys, DEVDIR "/idProduct", text) != 0)
		return -1;
	snprintf(text, sizeof(text), "DEVTYPE=usb_interface\n"
	    "PRODUCT=%x/%x/100\nTYPE=0/0/0\nINTERFACE=11/0/0\n",
	    RIG_USB_VID, RIG_USB_PID);
	if (put(sys, DEVDIR "/" IFNAME "/uevent", text) != 0 ||
	    put(sys, DEVDIR "/" IFNAME "/bInterfaceNumber", "00\n") != 0)
		return -1;
	if (link_at(sys, "../../../bus/usb", DEVDIR "/subsystem") != 0 ||
	    link_at(sys, "../../../../bus/usb", DEVDIR "/" IFNAME
	    "/subsystem") != 0 ||
	    link_at(sys, "../../../" DEVDIR, "bus/usb/devices/1-1") != 0 ||
	    link_at(sys, "../../../" DEVDIR "/" IFNAME,
	    "bus/usb/devices/" IFNAME) != 0)
		return -1;
	return 0;
}

static int
sys_unplug(const char *sys)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/bus/usb/devices/" IFNAME, sys);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bus/usb/devices/1-1", sys);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" DEVDIR, sys);
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ||
	    errno == ENOENT ? 0 : -1;
}

/* MurmurHash2, seed 0: systemd's string_hash32() for the BPF filter. */
static uint32_t
hash32(const char *s)
{
	const uint32_t m = 0x5bd1e995u;
	size_t len = strlen(s);
	const unsigned char *d = (const unsigned char *)s;
	uint32_t h = (uint32_t)len, k;

	while (len >= 4) {
		memcpy(&k, d, 4);
		k *= m;
		k ^= k >> 24;
		k *= m;
		h *= m;
		h ^= k;
		d += 4;
		len -= 4;
	}
	switch (len) {
	case 3:
		h ^= (uint32_t)d[2] << 16;
		/* FALLTHROUGH */
	case 2:
		h ^= (uint32_t)d[1] << 8;
		/* FALLTHROUGH */
	case 1:
		h ^= d[0];
		h *= m;
		break;
	default:
		break;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

/* One udev event as systemd-udevd multicasts it to libudev monitors. */
static int
send_event(const char *action, const char *devpath, const char *devtype)
{
	static unsigned seqnum = 1000;
	struct sockaddr_nl dst;
	struct udev_header hdr;
	struct iovec iov[2];
	struct msghdr msg;
	char props[512];
	int fd, n, r = -1;

	n = snprintf(props, sizeof(props),
	    "ACTION=%s%cDEVPATH=%s%cSUBSYSTEM=usb%cDEVTYPE=%s%c"
	    "SEQNUM=%u%cPRODUCT=%x/%x/100%c", action, 0, devpath, 0, 0,
	    devtype, 0, ++seqnum, 0, RIG_USB_VID, RIG_USB_PID, 0);
	if (n < 0 || (size_t)n >= sizeof(props))
		return -1;
	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.prefix, "libudev", 8);
	hdr.magic = htobe32(UDEV_MAGIC);
	hdr.header_size = sizeof(hdr);
	hdr.properties_off = sizeof(hdr);
	hdr.properties_len = (uint32_t)n;
	hdr.filter_subsystem_hash = htobe32(hash32("usb"));
	hdr.filter_devtype_hash = htobe32(hash32(devtype));
	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_KOBJECT_UEVENT)) == -1) {
		say("netlink socket: %s", strerror(errno));
		return -1;
	}
	memset(&dst, 0, sizeof(dst));
	dst.nl_family = AF_NETLINK;
	dst.nl_groups = UDEV_GROUP;
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = props;
	iov[1].iov_len = (size_t)n;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &dst;
	msg.msg_namelen = sizeof(dst);
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	/* ECONNREFUSED: nobody listens (yet); not an error for us. */
	if (sendmsg(fd, &msg, 0) == -1 && errno != ECONNREFUSED)
		say("udev %s %s: %s", action, devpath, strerror(errno));
	else
		r = 0;
	close(fd);
	return r;
}

int
rig_usb_prepare(const char *dir, const char *ifd_lib)
{
	char base[PATH_MAX], sys[PATH_MAX + 8], drv[PATH_MAX + 16];
	char plist[1024];

	snprintf(base, sizeof(base), "%s/usb", dir);
	snprintf(sys, sizeof(sys), "%s/sys", base);
	snprintf(drv, sizeof(drv), "%s/drivers", base);
	if (ifd_lib == NULL || access(ifd_lib, R_OK) != 0) {
		say("the test driver ifd-unplug.so is missing (%s)",
		    ifd_lib != NULL ? ifd_lib : "SCL_RIG_IFD_UNPLUG unset");
		return -1;
	}
	if (mkdirs(dir, "usb") != 0 || mkdirs(base, "sys") != 0 || mkdirs(base, "orig-drivers") != 0 ||
	    mkdirs(base, "drivers/scl-unplug.bundle/Contents/Linux") != 0)
		return -1;
	snprintf(plist, sizeof(plist),
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<plist version=\"1.0\">\n<dict>\n"
	    "\t<key>CFBundleExecutable</key>\n"
	    "\t<string>libscl-ifd-unplug.so</string>\n"
	    "\t<key>CFBundleName</key>\n\t<string>SCLUNPLUG</string>\n"
	    "\t<key>ifdCapabilities</key>\n\t<string>0x00000000</string>\n"
	    "\t<key>ifdVendorID</key>\n\t<array>\n"
	    "\t\t<string>0x%04X</string>\n\t</array>\n"
	    "\t<key>ifdProductID</key>\n\t<array>\n"
	    "\t\t<string>0x%04X</string>\n\t</array>\n"
	    "\t<key>ifdFriendlyName</key>\n\t<array>\n"
	    "\t\t<string>Virtual PCD</string>\n\t</array>\n"
	    "</dict>\n</plist>\n", RIG_USB_VID, RIG_USB_PID);
	if (put(drv, "scl-unplug.bundle/Contents/Info.plist", plist) != 0 ||
	    link_at(drv, ifd_lib,
	    "scl-unplug.bundle/Contents/Linux/libscl-ifd-unplug.so") != 0)
		return -1;
	/* Plugged, without events: pcscd finds it when it starts. */
	if (sys_plug(sys) != 0 || rig_usb_fail(dir, 0) != 0)
		return -1;
	return 0;
}

int
rig_usb_set(const char *dir, int plugged)
{
	char sys[PATH_MAX], flag[PATH_MAX];
	int fd;

	snprintf(sys, sizeof(sys), "%s/usb/sys", dir);
	snprintf(flag, sizeof(flag), "%s/usb/unplugged", dir);
	if (plugged) {
		if (sys_plug(sys) != 0)
			return -1;
		if (unlink(flag) == -1 && errno != ENOENT)
			return -1;
		if (send_event("add", "/" DEVDIR, "usb_device") != 0 ||
		    send_event("add", "/" DEVDIR "/" IFNAME,
		    "usb_interface") != 0)
			return -1;
		return 0;
	}
	/* The device is gone at once; udev tells pcscd a moment later. */
	if ((fd = open(flag, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		say("flag %s: %s", flag, strerror(errno));
		return -1;
	}
	close(fd);
	if (sys_unplug(sys) != 0)
		return -1;
	if (send_event("remove", "/" DEVDIR "/" IFNAME, "usb_interface") != 0 ||
	    send_event("remove", "/" DEVDIR, "usb_device") != 0)
		return -1;
	return 0;
}

int
rig_usb_fail(const char *dir, int failing)
{
	char flag[PATH_MAX];
	int fd;

	snprintf(flag, sizeof(flag), "%s/usb/unplugged", dir);
	if (!failing)
		return unlink(flag) == 0 || errno == ENOENT ? 0 : -1;
	if ((fd = open(flag, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	close(fd);
	return 0;
}

int
rig_usb_enter(const char *dir, const char *vpcd_lib, const char *vpcd_device)
{
	char sys[PATH_MAX], drv[PATH_MAX], orig[PATH_MAX], lib[PATH_MAX + 64];
	char flag[PATH_MAX];
	const char *base;

	snprintf(sys, sizeof(sys), "%s/usb/sys", dir);
	snprintf(drv, sizeof(drv), "%s/usb/drivers", dir);
	snprintf(orig, sizeof(orig), "%s/usb/orig-drivers", dir);
	snprintf(flag, sizeof(flag), "%s/usb/unplugged", dir);
	/* vpcd_lib lies under /usr/lib/pcsc/drivers, which gets covered. */
	if (strncmp(vpcd_lib, "/usr/lib/pcsc/drivers/", 22) != 0)
		return -1;
	base = vpcd_lib + 22;
	snprintf(lib, sizeof(lib), "%s/%s", orig, base);
	/* Types the kernel ignores, named so valgrind sees no NULL. */
	if (unshare(CLONE_NEWNS) == -1 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount("/usr/lib/pcsc/drivers", orig, "none", MS_BIND, NULL) == -1 ||
	    mount(drv, "/usr/lib/pcsc/drivers", "none", MS_BIND, NULL) == -1 ||
	    mount(sys, "/sys", "none", MS_BIND, NULL) == -1) {
		fprintf(stderr, "rig-usb: namespace for pcscd: %s\n",
		    strerror(errno));
		return -1;
	}
	/* libudev refuses a syspath not on sysfs unless told (systemd's
	 * documented knob for tests, docs/ENVIRONMENT.md). */
	if (setenv("SYSTEMD_DEVICE_VERIFY_SYSFS", "0", 1) != 0 ||
	    setenv("SCL_IFD_UNPLUG_VPCD", lib, 1) != 0 ||
	    setenv("SCL_IFD_UNPLUG_DEVICE", vpcd_device, 1) != 0 ||
	    setenv("SCL_IFD_UNPLUG_FLAG", flag, 1) != 0)
		return -1;
	return 0;
}
