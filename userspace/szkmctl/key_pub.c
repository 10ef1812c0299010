// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * key_pub.c - `szkmctl key pub <key> [--version N]`: a version's public key
 * (the active one by default) as SubjectPublicKeyInfo PEM, for OpenSSL and
 * anyone else who verifies signatures or encrypts to the key.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "szkm_event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int key_pub_main(int argc, char *argv[])
{
	const struct szkm_version_info *v;
	struct szkm_key_info *k;
	unsigned long want = 0;
	const char *spec;
	int ret = EXIT_FAILED;

	if (szkmctl_wants_help(argc, argv)) {
		printf("Usage: %s key pub KEY [--version N]\n"
		       "Writes a version's public key (default: the active one) as PEM.\n", PROG_NAME);
		return EXIT_OK;
	}
	if (szkmctl_key_version_args(argc, argv, &spec, &want))
		return EXIT_USAGE;
	k = szkmctl_key_load(spec);
	if (!k)
		return EXIT_FAILED;
	v = szkm_key_version(k, want ? (uint32_t)want : k->active);
	if (!v)
		fprintf(stderr, "Key `%s' has no version %lu\n", k->name, want ? want : k->active);
	else if (!v->has_pub)
		fprintf(stderr, "Key `%s' (%s) has no public key\n", k->name, szkm_alg_name(k->alg));
	else if (szkm_p256_write_pem(stdout, v->pub))
		fprintf(stderr, "The kernel's public key is not a valid P-256 point\n");
	else
		ret = EXIT_OK;
	free(k);
	return ret;
}
