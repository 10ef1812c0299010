/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tpm_esys.h - the ESAPI context the `tpm` subcommands share. */
#ifndef SZKMCTL_TPM_ESYS_H
#define SZKMCTL_TPM_ESYS_H

#include <tss2/tss2_esys.h>

struct szkmctl_tpm {
	ESYS_CONTEXT *esys;
	TSS2_TCTI_CONTEXT *tcti;
	const char *tcti_conf;
};

/* TCTI from $TPM2TOOLS_TCTI, $TSS2_TCTI, else device:/dev/tpmrm0. */
int szkmctl_tpm_open(struct szkmctl_tpm *t);
void szkmctl_tpm_close(struct szkmctl_tpm *t);
/* "what: <decoded TPM/TSS error>" on stderr. */
void szkmctl_tpm_report(const char *what, TSS2_RC rc);
/* 1 when a persistent object is at @handle, 0 when not, -1 on error. */
int szkmctl_tpm_has_persistent(struct szkmctl_tpm *t, TPM2_HANDLE handle);

#endif
