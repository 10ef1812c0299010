// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * device_identity.c - `szkmctl device identity [--pem]`: the device id
 * (SHA-256 of the public key) and the device public key D, as hex or, with
 * --pem, as a SubjectPublicKeyInfo PEM that OpenSSL and others read.
 */
#include "subcommands.h"
#include "libszkm.h"

#include <stdio.h>
#include <string.h>

int device_identity_main(int argc, char *argv[])
{
	struct szkm_identity idn;
	int pem = 0, ret;

	if (szkmctl_wants_help(argc, argv)) {
		printf("Usage: %s device identity [--pem]\n"
		       "Prints the device id and public key (--pem: the key as PEM).\n", PROG_NAME);
		return EXIT_OK;
	}
	if (szkmctl_only_flag(argc, argv, "--pem", &pem))
		return EXIT_USAGE;
	ret = szkm_device_identity(&idn);
	if (ret < 0) {
		szkmctl_report("Unable to read the device identity", ret);
		return EXIT_FAILED;
	}
	if (pem) {
		if (szkm_p256_write_pem(stdout, idn.pub)) {
			fprintf(stderr, "The kernel's public key is not a valid P-256 point\n");
			return EXIT_FAILED;
		}
		return EXIT_OK;
	}
	printf("id:     ");
	szkmctl_print_hex(idn.id, sizeof(idn.id));
	printf("\npubkey: ");
	szkmctl_print_hex(idn.pub, sizeof(idn.pub));
	printf("\n");
	return EXIT_OK;
}
