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
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>

/* The public key as an OpenSSL key, written as SPKI PEM to stdout. */
static int print_pem(const uint8_t pub[65])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, 65),
		OSSL_PARAM_END,
	};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;
	int ok;

	ok = ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
	     EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) > 0 &&
	     PEM_write_PUBKEY(stdout, pkey) > 0;
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

int device_identity_main(int argc, char *argv[])
{
	struct szkm_identity idn;
	int pem = 0, ret;

	if (argc == 2 && !strcmp(argv[1], "--pem"))
		pem = 1;
	else if (argc != 1) {
		fprintf(stderr, "Usage: %s device identity [--pem]\n", PROG_NAME);
		return EXIT_USAGE;
	}
	ret = szkm_device_identity(&idn);
	if (ret < 0) {
		szkmctl_report("Unable to read the device identity", ret);
		return EXIT_FAILED;
	}
	if (pem) {
		if (print_pem(idn.pub)) {
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
