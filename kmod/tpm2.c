// SPDX-License-Identifier: GPL-2.0
/*
 * tpm2.c - TPM 2.0 access through the kernel's TPM interface. The module
 * finds the default chip when asked, never keeps a reference between
 * operations (the chip may go away), and refuses a TPM 1.2.
 */
#include "tpm2.h"

#include <linux/tpm.h>

enum szkm_tpm_state szkm_tpm2_state(void)
{
	struct tpm_chip *chip = tpm_default_chip();
	enum szkm_tpm_state st;

	if (!chip)
		return SZKM_TPM_NONE;
	st = (chip->flags & TPM_CHIP_FLAG_TPM2) ? SZKM_TPM_2_0 : SZKM_TPM_1_2;
	put_device(&chip->dev);
	return st;
}

int __init szkm_tpm2_init(void)
{
	static const char *const names[] = {
		[SZKM_TPM_NONE] = "no TPM found",
		[SZKM_TPM_1_2] = "TPM 1.2 found (not supported, TPM 2.0 needed)",
		[SZKM_TPM_2_0] = "TPM 2.0 found",
	};

	pr_info("%s\n", names[szkm_tpm2_state()]);
	return 0;
}

void szkm_tpm2_uninit(void)
{
}
