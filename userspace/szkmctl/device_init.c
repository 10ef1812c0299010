// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * device_init.c - `szkmctl device init [--out FILE] [--force]`: the kernel
 * makes a new device (R, E, D) and returns its sealed blob, which is
 * written to FILE (default /var/lib/szkm/device.blob), mode 0600,
 * atomically. An existing FILE means a device was made before: refused
 * without --force, since a new device makes the old one's keys unreadable.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "szkm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "Usage: %s device init [--out FILE] [--force]\n", PROG_NAME);
	return EXIT_USAGE;
}

int device_init_main(int argc, char *argv[])
{
	const char *out = SZKMCTL_DEVICE_BLOB;
	uint8_t *blob, id[SZKM_DEVICE_ID_LEN];
	size_t len;
	int force = 0, ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--force"))
			force = 1;
		else
			return usage();
	}
	if (!force && access(out, F_OK) == 0) {
		fprintf(stderr, "%s exists: a device was made already; unseal it (%s device unseal --in %s), or pass --force to replace it (its keys become unreadable)\n",
			out, PROG_NAME, out);
		return EXIT_FAILED;
	}
	ret = szkm_device_init(force, &blob, &len, id);
	if (ret < 0) {
		szkmctl_report("Unable to initialise the device", ret);
		return EXIT_FAILED;
	}
	ret = szkmctl_write_file_atomic(out, blob, len);
	free(blob);
	if (ret < 0) {
		fprintf(stderr, "The device was made but its blob could not be written to %s: %s\n"
			"Fix that and run `%s device init --force` again: without the blob the device is lost at the next boot.\n",
			out, strerror(-ret), PROG_NAME);
		return EXIT_FAILED;
	}
	printf("device initialised\nid:   ");
	szkmctl_print_hex(id, sizeof(id));
	printf("\nblob: %s (%zu bytes)\n", out, len);
	return EXIT_OK;
}
