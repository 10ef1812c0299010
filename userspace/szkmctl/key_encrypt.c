// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * key_encrypt.c - `szkmctl key encrypt <key> [--version N] < in > out`:
 * ECIES to an ecdh-p256 key's public key, in userspace with OpenSSL; only
 * the kernel can decrypt (keyctl pkey_decrypt). The public key comes from
 * the kernel's metadata for the key.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "szkm.h"

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IN (SZKM_PKEY_MAX_IO - SZKM_ECIES_OVERHEAD)

int key_encrypt_main(int argc, char *argv[])
{
	const struct szkm_version_info *v;
	struct szkm_key_info *k;
	unsigned long want = 0;
	uint8_t *in = NULL, *out = NULL;
	const char *spec;
	size_t len;
	int ret = EXIT_FAILED;

	if (szkmctl_wants_help(argc, argv)) {
		printf("Usage: %s key encrypt KEY [--version N] < plaintext > ciphertext\n"
		       "Encrypts to an ecdh-p256 key's public key (ECIES); only the kernel decrypts.\n",
		       PROG_NAME);
		return EXIT_OK;
	}
	if (szkmctl_key_version_args(argc, argv, &spec, &want))
		return EXIT_USAGE;
	k = szkmctl_key_load(spec);
	if (!k)
		return EXIT_FAILED;
	v = szkm_key_version(k, want ? (uint32_t)want : k->active);
	if (k->alg != SZKM_ALG_ECDH_P256 || !v || !v->has_pub ||
	    v->state == SZKM_VS_DESTROYED) {
		fprintf(stderr, "Key `%s' has no ecdh-p256 public key to encrypt to\n", k->name);
		goto out;
	}
	in = malloc(MAX_IN + 1);
	out = malloc(MAX_IN + SZKM_ECIES_OVERHEAD);
	if (!in || !out)
		goto out;
	len = fread(in, 1, MAX_IN + 1, stdin);
	if (len > MAX_IN) {
		fprintf(stderr, "Input is larger than %d bytes\n", MAX_IN);
		goto out;
	}
	if (szkm_ecies_encrypt(v->pub, v->num, in, len, out)) {
		fprintf(stderr, "Unable to encrypt: %s\n", szkm_strerror(-EIO));
		goto out;
	}
	if (fwrite(out, 1, len + SZKM_ECIES_OVERHEAD, stdout) == len + SZKM_ECIES_OVERHEAD &&
	    !fflush(stdout))
		ret = EXIT_OK;
out:
	free(in);
	free(out);
	free(k);
	return ret;
}
