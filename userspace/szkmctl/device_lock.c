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

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "Usage: %s device lock\n", PROG_NAME);
		return EXIT_USAGE;
	}
	ret = szkm_device_lock();
	if (ret < 0) {
		szkmctl_report("Unable to lock the device", ret);
		return EXIT_FAILED;
	}
	printf("device locked (sealed until unseal)\n");
	return EXIT_OK;
}
