/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * A pcsc-lite IFD handler for the e2e rig that behaves as a USB reader which
 * can be unplugged: it loads the real vpcd driver and forwards every IFDH*
 * call to it, except that while the flag file exists every call that would
 * reach the device answers IFD_NO_SUCH_DEVICE, as a driver does for a
 * reader that is gone (ifdhandler.h, IFD_NO_SUCH_DEVICE).
 *
 * pcscd loads it from the rig's fake USB driver bundle (rig-usb.c), so it is
 * configured through pcscd's environment:
 *   SCL_IFD_UNPLUG_VPCD    path of libifdvpcd.so
 *   SCL_IFD_UNPLUG_DEVICE  the vpcd device name to use ("/dev/null:0x9C40")
 *                          instead of the "usb:VID/PID:libudev:..." pcscd
 *                          passes for a USB reader
 *   SCL_IFD_UNPLUG_FLAG    the flag file: present = unplugged
 * Test code only: never installed.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <PCSC/ifdhandler.h>

#define EXPORT __attribute__((visibility("default")))

typedef RESPONSECODE (*create_by_name_fn)(DWORD, LPSTR);
typedef RESPONSECODE (*create_fn)(DWORD, DWORD);
typedef RESPONSECODE (*close_fn)(DWORD);
typedef RESPONSECODE (*getcap_fn)(DWORD, DWORD, PDWORD, PUCHAR);
typedef RESPONSECODE (*setcap_fn)(DWORD, DWORD, DWORD, PUCHAR);
typedef RESPONSECODE (*setproto_fn)(DWORD, DWORD, UCHAR, UCHAR, UCHAR,
    UCHAR);
typedef RESPONSECODE (*power_fn)(DWORD, DWORD, PUCHAR, PDWORD);
typedef RESPONSECODE (*transmit_fn)(DWORD, SCARD_IO_HEADER, PUCHAR, DWORD,
    PUCHAR, PDWORD, PSCARD_IO_HEADER);
typedef RESPONSECODE (*control_fn)(DWORD, DWORD, PUCHAR, DWORD, PUCHAR,
    DWORD, LPDWORD);
typedef RESPONSECODE (*presence_fn)(DWORD);

static struct {
	void *lib;
	create_by_name_fn create_by_name;
	create_fn create;
	close_fn close;
	getcap_fn getcap;
	setcap_fn setcap;
	setproto_fn setproto;
	power_fn power;
	transmit_fn transmit;
	control_fn control;
	presence_fn presence;
} vpcd;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
load(void)
{
	const char *path = getenv("SCL_IFD_UNPLUG_VPCD");
	void *lib;

	if (path == NULL || (lib = dlopen(path, RTLD_NOW | RTLD_LOCAL)) ==
	    NULL)
		return;
	/* ISO C has no object-to-function pointer cast: go through a union. */
#define SYM(field, name) do {						\
	union { void *p; __typeof__(vpcd.field) f; } u_;		\
	u_.p = dlsym(lib, name);					\
	vpcd.field = u_.f;						\
} while (0)
	SYM(create_by_name, "IFDHCreateChannelByName");
	SYM(create, "IFDHCreateChannel");
	SYM(close, "IFDHCloseChannel");
	SYM(getcap, "IFDHGetCapabilities");
	SYM(setcap, "IFDHSetCapabilities");
	SYM(setproto, "IFDHSetProtocolParameters");
	SYM(power, "IFDHPowerICC");
	SYM(transmit, "IFDHTransmitToICC");
	SYM(control, "IFDHControl");
	SYM(presence, "IFDHICCPresence");
#undef SYM
	if (vpcd.create == NULL || vpcd.close == NULL || vpcd.getcap == NULL ||
	    vpcd.setcap == NULL || vpcd.power == NULL || vpcd.transmit ==
	    NULL || vpcd.control == NULL || vpcd.presence == NULL) {
		dlclose(lib);
		memset(&vpcd, 0, sizeof(vpcd));
		return;
	}
	vpcd.lib = lib;
}

static int
ready(void)
{
	pthread_once(&once, load);
	return vpcd.lib != NULL;
}

static int
unplugged(void)
{
	const char *flag = getenv("SCL_IFD_UNPLUG_FLAG");

	return flag != NULL && access(flag, F_OK) == 0;
}

__attribute__((destructor)) static void
unload(void)
{
	if (vpcd.lib != NULL)
		dlclose(vpcd.lib);
	memset(&vpcd, 0, sizeof(vpcd));
}

EXPORT RESPONSECODE
IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName)
{
	const char *dev = getenv("SCL_IFD_UNPLUG_DEVICE");
	char name[256];

	if (!ready() || unplugged())
		return IFD_NO_SUCH_DEVICE;
	if (dev == NULL || strlen(dev) >= sizeof(name))
		return IFD_COMMUNICATION_ERROR;
	(void)DeviceName;
	strcpy(name, dev);
	if (vpcd.create_by_name != NULL)
		return vpcd.create_by_name(Lun, name);
	return IFD_COMMUNICATION_ERROR;
}

EXPORT RESPONSECODE
IFDHCreateChannel(DWORD Lun, DWORD Channel)
{
	if (!ready() || unplugged())
		return IFD_NO_SUCH_DEVICE;
	return vpcd.create(Lun, Channel);
}

EXPORT RESPONSECODE
IFDHCloseChannel(DWORD Lun)
{
	/* Forwarded even when unplugged: vpcd frees its sockets. */
	if (!ready())
		return IFD_NO_SUCH_DEVICE;
	return vpcd.close(Lun);
}

EXPORT RESPONSECODE
IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value)
{
	if (!ready())
		return IFD_NO_SUCH_DEVICE;
	switch (Tag) {
	case TAG_IFD_POLLING_THREAD:
	case TAG_IFD_POLLING_THREAD_KILLABLE:
	case TAG_IFD_STOP_POLLING_THREAD:
	case TAG_IFD_POLLING_THREAD_WITH_TIMEOUT:
		/* pcscd's own polling thread asks IFDHICCPresence. */
		return IFD_ERROR_TAG;
	case TAG_IFD_ATR:
		if (unplugged())
			return IFD_NO_SUCH_DEVICE;
		break;
	default:
		break;
	}
	return vpcd.getcap(Lun, Tag, Length, Value);
}

EXPORT RESPONSECODE
IFDHSetCapabilities(DWORD Lun, DWORD Tag, DWORD Length, PUCHAR Value)
{
	if (!ready() || unplugged())
		return IFD_NO_SUCH_DEVICE;
	return vpcd.setcap(Lun, Tag, Length, Value);
}

EXPORT RESPONSECODE
IFDHSetProtocolParameters(DWORD Lun, DWORD Protocol, UCHAR Flags, UCHAR PTS1,
    UCHAR PTS2, UCHAR PTS3)
{
	if (!ready() || unplugged())
		return IFD_NO_SUCH_DEVICE;
	if (vpcd.setproto == NULL)
		return IFD_NOT_SUPPORTED;
	return vpcd.setproto(Lun, Protocol, Flags, PTS1, PTS2, PTS3);
}

EXPORT RESPONSECODE
IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength)
{
	RESPONSECODE rv;

	if (!ready() || unplugged()) {
		if (AtrLength != NULL)
			*AtrLength = 0;
		return IFD_NO_SUCH_DEVICE;
	}
	rv = vpcd.power(Lun, Action, Atr, AtrLength);
	/* Unplugged while the call was in the driver. */
	if (rv != IFD_SUCCESS && unplugged())
		rv = IFD_NO_SUCH_DEVICE;
	return rv;
}

EXPORT RESPONSECODE
IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci, PUCHAR TxBuffer,
    DWORD TxLength, PUCHAR RxBuffer, PDWORD RxLength,
    PSCARD_IO_HEADER RecvPci)
{
	RESPONSECODE rv;

	if (!ready() || unplugged()) {
		if (RxLength != NULL)
			*RxLength = 0;
		return IFD_NO_SUCH_DEVICE;
	}
	rv = vpcd.transmit(Lun, SendPci, TxBuffer, TxLength, RxBuffer,
	    RxLength, RecvPci);
	if (unplugged()) {
		if (RxLength != NULL)
			*RxLength = 0;
		rv = IFD_NO_SUCH_DEVICE;
	}
	return rv;
}

EXPORT RESPONSECODE
IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer, DWORD TxLength,
    PUCHAR RxBuffer, DWORD RxLength, LPDWORD pdwBytesReturned)
{
	if (!ready() || unplugged()) {
		if (pdwBytesReturned != NULL)
			*pdwBytesReturned = 0;
		return IFD_NO_SUCH_DEVICE;
	}
	return vpcd.control(Lun, dwControlCode, TxBuffer, TxLength, RxBuffer,
	    RxLength, pdwBytesReturned);
}

EXPORT RESPONSECODE
IFDHICCPresence(DWORD Lun)
{
	RESPONSECODE rv;

	if (!ready() || unplugged())
		return IFD_NO_SUCH_DEVICE;
	rv = vpcd.presence(Lun);
	if (unplugged())
		rv = IFD_NO_SUCH_DEVICE;
	return rv;
}
