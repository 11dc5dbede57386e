/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * rig-usb: the shell side of rig-usb.h (rig-run / rig-card).
 *   rig-usb prepare DIR IFD_LIB
 *   rig-usb plug DIR | unplug DIR
 *   rig-usb exec DIR VPCD_LIB VPCD_DEVICE CMD...   (pcscd in its namespace)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rig-usb.h"

int
main(int argc, char *argv[])
{
	if (argc == 4 && strcmp(argv[1], "prepare") == 0)
		return rig_usb_prepare(argv[2], argv[3]) == 0 ? 0 : 1;
	if (argc == 3 && strcmp(argv[1], "plug") == 0)
		return rig_usb_set(argv[2], 1) == 0 ? 0 : 1;
	if (argc == 3 && strcmp(argv[1], "unplug") == 0)
		return rig_usb_set(argv[2], 0) == 0 ? 0 : 1;
	if (argc >= 6 && strcmp(argv[1], "exec") == 0) {
		if (rig_usb_enter(argv[2], argv[3], argv[4]) != 0)
			return 1;
		execvp(argv[5], argv + 5);
		fprintf(stderr, "rig-usb: exec %s: %s\n", argv[5],
		    strerror(errno));
		return 127;
	}
	fprintf(stderr, "usage: rig-usb prepare DIR IFD_LIB | plug DIR | "
	    "unplug DIR | exec DIR VPCD_LIB VPCD_DEVICE CMD...\n");
	return 2;
}
