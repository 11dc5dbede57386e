/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#ifndef SCL_RIG_USB_H
#define SCL_RIG_USB_H

/*
 * A vpcd reader that pcscd takes for a USB reader, so that it can be
 * unplugged and plugged back while pcscd runs (rig internals, used by rig.c
 * and the rig-usb command behind rig-card).
 *
 * Debian's pcscd 1.9.9 is built with libudev hotplug: SIGUSR1 (pcscd -H)
 * only calls the libudev HPReCheckSerialReaders(), which does nothing, so
 * readers from reader.conf.d never come or go while it runs.  USB readers
 * do: pcscd enumerates the "usb" subsystem in /sys at start-up, and on
 * every udev "remove" event (netlink group 2, libudev framing) rescans it,
 * removing readers whose device is gone and adding new ones; on an "add"
 * event of a usb_interface it adds the reader.  So, under DIR/usb:
 *   sys/        a fake sysfs with one USB device (VID 0x1209, PID 0x5CA1)
 *               and its interface 1-1:1.0; pcscd runs in a mount namespace
 *               of its own with this bound on /sys;
 *   drivers/    a driver bundle for that VID/PID ("Virtual PCD") whose
 *               library is ifd-unplug.so, bound on /usr/lib/pcsc/drivers;
 *               the real drivers folder is bound on orig-drivers/ for it;
 *   unplugged   the flag file ifd-unplug.so reads: present = the device
 *               answers IFD_NO_SUCH_DEVICE to everything.
 * Unplug = flag, device removed from sys/, udev "remove" events sent.
 * Plug = device back in sys/, flag cleared, udev "add" events sent.
 * Both vpcd slots belong to this one device: they come and go together.
 */

#define RIG_USB_VID 0x1209u
#define RIG_USB_PID 0x5CA1u

/*
 * Create DIR/usb (sys, drivers, orig-drivers) with the device plugged (no
 * udev event: a pcscd started afterwards finds it in its first scan).
 * ifd_lib is the path of ifd-unplug.so.  0 or -1 (reason on stderr).
 */
int rig_usb_prepare(const char *dir, const char *ifd_lib);

/*
 * Unplug (plugged == 0) or plug the device: flag, sysfs and udev events
 * as above.  Does not wait for pcscd.  0 or -1.
 */
int rig_usb_set(const char *dir, int plugged);

/*
 * Only the flag: the device stays in sysfs (pcscd keeps listing it) but
 * answers IFD_NO_SUCH_DEVICE (failing != 0), or answers again: a reader
 * that is wedged, or the moment before udev reports the unplug.  0 or -1.
 */
int rig_usb_fail(const char *dir, int failing);

/*
 * In a forked child, before exec'ing pcscd: a private mount namespace with
 * DIR/usb/sys on /sys and the bundle on /usr/lib/pcsc/drivers, and the
 * SCL_IFD_UNPLUG_* environment for ifd-unplug.so.  vpcd_device is the vpcd
 * DEVICENAME ("/dev/null:0x9C40").  0 or -1.
 */
int rig_usb_enter(const char *dir, const char *vpcd_lib,
    const char *vpcd_device);

#endif
