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

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <tss2/tss2_mu.h>

/* inPublic: the one SRK template (include/szkm.h), unmarshalled. */
static int srk_template(TPM2B_PUBLIC *pub)
{
	static const uint8_t tmpl[] = SZKM_TPM2_SRK_TEMPLATE;
	size_t off = 0;
	TSS2_RC rc;

	_Static_assert(sizeof(tmpl) == SZKM_TPM2_SRK_TEMPLATE_LEN, "SRK template length");
	memset(pub, 0, sizeof(*pub));
	rc = Tss2_MU_TPMT_PUBLIC_Unmarshal(tmpl, sizeof(tmpl), &off, &pub->publicArea);
	if (rc != TSS2_RC_SUCCESS || off != sizeof(tmpl)) {
		fprintf(stderr, "%s: internal error: the SRK template does not unmarshal\n",
			PROG_NAME);
		return -1;
	}
	return 0;
}

int tpm_provision_main(int argc, char *argv[])
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_PUBLIC tmpl;
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

	if (szkmctl_wants_help(argc, argv)) {
		printf("Usage: %s tpm provision\n"
		       "Persists the standard storage key (TCG SRK, ECC P-256) at 0x81000001 if absent.\n",
		       PROG_NAME);
		return EXIT_OK;
	}
	if (argc > 1)
		return szkmctl_unknown(argv[1]);
	if (srk_template(&tmpl) || szkmctl_tpm_open(&t))
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
				ESYS_TR_NONE, &sens, &tmpl, &outside, &pcrs,
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
