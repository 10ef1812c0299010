// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tpm_provision.c - `szkmctl tpm provision`: make the standard storage key
 * (TCG SRK template, ECC NIST P-256; see include/szkm.h) under the owner
 * hierarchy and persist it at 0x81000001, unless something is there. The
 * kernel module then seals under it; since a TPM derives the same primary
 * from the same template, blobs sealed before provisioning still unseal.
 */
#include "subcommands.h"
#include "tpm_esys.h"
#include "szkm.h"

#include <stdio.h>
#include <string.h>

static const TPM2B_PUBLIC srk_template = {
	.publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = SZKM_TPM2_SRK_ATTRS,
		.parameters.eccDetail = {
			.symmetric = {
				.algorithm = TPM2_ALG_AES,
				.keyBits.aes = 128,
				.mode.aes = TPM2_ALG_CFB,
			},
			.scheme = { .scheme = TPM2_ALG_NULL },
			.curveID = TPM2_ECC_NIST_P256,
			.kdf = { .scheme = TPM2_ALG_NULL },
		},
		.unique.ecc = { .x = { .size = 32 }, .y = { .size = 32 } },
	},
};

int tpm_provision_main(int argc, char *argv[])
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_CREATION_DATA *cdata = NULL;
	TPM2B_DIGEST *chash = NULL;
	TPMT_TK_CREATION *ticket = NULL;
	ESYS_TR primary = ESYS_TR_NONE, persistent = ESYS_TR_NONE;
	struct szkmctl_tpm t;
	int ret = EXIT_FAILED, has;
	TSS2_RC rc;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "Usage: %s tpm provision\n", PROG_NAME);
		return EXIT_USAGE;
	}
	if (szkmctl_tpm_open(&t))
		return EXIT_FAILED;
	has = szkmctl_tpm_has_persistent(&t, SZKM_TPM2_SRK_HANDLE);
	if (has < 0)
		goto out;
	if (has) {
		printf("storage key already at 0x%08x: nothing to do\n", SZKM_TPM2_SRK_HANDLE);
		ret = EXIT_OK;
		goto out;
	}
	rc = Esys_CreatePrimary(t.esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &sens, &srk_template, &outside, &pcrs,
				&primary, &pub, &cdata, &chash, &ticket);
	if (rc != TSS2_RC_SUCCESS) {
		szkmctl_tpm_report("Unable to create the storage key (does the owner hierarchy have a password?)", rc);
		goto out;
	}
	rc = Esys_EvictControl(t.esys, ESYS_TR_RH_OWNER, primary, ESYS_TR_PASSWORD,
			       ESYS_TR_NONE, ESYS_TR_NONE, SZKM_TPM2_SRK_HANDLE, &persistent);
	if (rc != TSS2_RC_SUCCESS) {
		szkmctl_tpm_report("Unable to persist the storage key at 0x81000001", rc);
		goto out;
	}
	printf("storage key (TCG SRK template, ECC NIST P-256) persisted at 0x%08x\n",
	       SZKM_TPM2_SRK_HANDLE);
	ret = EXIT_OK;
out:
	if (primary != ESYS_TR_NONE)
		Esys_FlushContext(t.esys, primary);
	if (persistent != ESYS_TR_NONE)
		Esys_TR_Close(t.esys, &persistent);
	Esys_Free(pub);
	Esys_Free(cdata);
	Esys_Free(chash);
	Esys_Free(ticket);
	szkmctl_tpm_close(&t);
	return ret;
}
