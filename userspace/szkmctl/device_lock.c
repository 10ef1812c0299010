// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * device_lock.c - `szkmctl device lock`: the kernel wipes R, E and D from
 * memory; every key operation is refused until `szkmctl device unseal`.
 */
#include "subcommands.h"
#include "libszkm.h"

#include <stdio.h>

int device_lock_main(int argc, char *argv[])
{
	int ret;

	if (szkmctl_wants_help(argc, argv)) {
		printf("Usage: %s device lock\n"
		       "Wipes the device's keys from memory until the next unseal (a reboot).\n",
		       PROG_NAME);
		return EXIT_OK;
	}
	if (argc > 1)
		return szkmctl_unknown(argv[1]);
	ret = szkm_device_lock();
	if (ret < 0) {
		szkmctl_report("Unable to lock the device", ret);
		return EXIT_FAILED;
	}
	printf("device locked (sealed until unseal)\n");
	return EXIT_OK;
}
