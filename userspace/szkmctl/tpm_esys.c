// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tpm_esys.c - opening the TPM through tpm2-tss (TCTI loader + ESAPI) for
 * the userspace part of szkm's TPM work: provisioning the SRK and reporting
 * the TPM. The kernel module speaks to the TPM itself for seal/unseal.
 */
#include "subcommands.h"
#include "tpm_esys.h"

#include <stdio.h>
#include <stdlib.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

int szkmctl_tpm_open(struct szkmctl_tpm *t)
{
	TSS2_RC rc;

	t->esys = NULL;
	t->tcti = NULL;
	t->tcti_conf = getenv("TPM2TOOLS_TCTI");
	if (!t->tcti_conf || !*t->tcti_conf)
		t->tcti_conf = getenv("TSS2_TCTI");
	if (!t->tcti_conf || !*t->tcti_conf)
		t->tcti_conf = "device:/dev/tpmrm0";
	rc = Tss2_TctiLdr_Initialize(t->tcti_conf, &t->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		fprintf(stderr, "Unable to open the TPM (TCTI \"%s\"): %s\n", t->tcti_conf,
			Tss2_RC_Decode(rc));
		return -1;
	}
	rc = Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		fprintf(stderr, "Unable to start ESAPI on \"%s\": %s\n", t->tcti_conf,
			Tss2_RC_Decode(rc));
		Tss2_TctiLdr_Finalize(&t->tcti);
		return -1;
	}
	return 0;
}

void szkmctl_tpm_close(struct szkmctl_tpm *t)
{
	if (t->esys)
		Esys_Finalize(&t->esys);
	if (t->tcti)
		Tss2_TctiLdr_Finalize(&t->tcti);
}

void szkmctl_tpm_report(const char *what, TSS2_RC rc)
{
	fprintf(stderr, "%s: %s\n", what, Tss2_RC_Decode(rc));
}

int szkmctl_tpm_has_persistent(struct szkmctl_tpm *t, TPM2_HANDLE handle)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;
	int found;

	rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				TPM2_CAP_HANDLES, handle, 1, &more, &cap);
	if (rc != TSS2_RC_SUCCESS) {
		szkmctl_tpm_report("Unable to list persistent handles", rc);
		return -1;
	}
	found = cap->data.handles.count > 0 && cap->data.handles.handle[0] == handle;
	Esys_Free(cap);
	return found;
}
