// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * device_unseal.c - `szkmctl device unseal [--in FILE] [--force]`: hand the
 * stored device blob back to the kernel (at boot), which unseals R and E
 * with the TPM. --force takes a blob of another device than the sealed one.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "szkm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "Usage: %s device unseal [--in FILE] [--force]\n", PROG_NAME);
	return EXIT_USAGE;
}

int device_unseal_main(int argc, char *argv[])
{
	const char *in = SZKMCTL_DEVICE_BLOB;
	struct szkm_status st;
	uint8_t *blob;
	size_t len;
	int force = 0, ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--in") && i + 1 < argc)
			in = argv[++i];
		else if (!strcmp(argv[i], "--force"))
			force = 1;
		else
			return usage();
	}
	/* Up to 4x the largest blob, so the kernel can say "wrong size". */
	ret = szkmctl_read_file(in, &blob, &len, 4 * SZKM_DEVBLOB_MAX);
	if (ret < 0) {
		fprintf(stderr, "Unable to read the device blob %s: %s\n", in, strerror(-ret));
		return EXIT_FAILED;
	}
	if (len > 4 * SZKM_DEVBLOB_MAX) {
		fprintf(stderr, "%s is not a device blob: larger than %d bytes\n", in,
			4 * SZKM_DEVBLOB_MAX);
		free(blob);
		return EXIT_FAILED;
	}
	ret = szkm_device_unseal(blob, len, force);
	free(blob);
	if (ret < 0) {
		szkmctl_report("Unable to unseal the device", ret);
		return EXIT_FAILED;
	}
	printf("device unsealed\n");
	if (szkm_status_get(&st) == 0 && st.has_device_id) {
		printf("id: ");
		szkmctl_print_hex(st.device_id, sizeof(st.device_id));
		printf("\n");
	}
	return EXIT_OK;
}
