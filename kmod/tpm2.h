/* SPDX-License-Identifier: GPL-2.0 */
/* tpm2.h - the module's own TPM 2.0 commands (seal, unseal, flush). */
#ifndef _SZKM_TPM2_H
#define _SZKM_TPM2_H

#include "szkm.h"

int szkm_tpm2_init(void);
void szkm_tpm2_uninit(void);
enum szkm_tpm_state szkm_tpm2_state(void);

#endif /* _SZKM_TPM2_H */
