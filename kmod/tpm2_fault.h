/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tpm2_fault.h - how tpm2.c hands a command to the TPM driver: straight to
 * tpm_transmit_cmd(), except in the test builds of tpm2_fault.c, which put
 * a fault on the TPM bus. kmod/szkm.ko is never one of them.
 */
#ifndef _SZKM_TPM2_FAULT_H
#define _SZKM_TPM2_FAULT_H

#include <linux/tpm.h>

#if defined(SZKM_TPM2_TEST_LATE) || defined(SZKM_TPM2_TEST_BUS)
/* 0, the TPM's positive response code, or a negative errno. */
ssize_t szkm_tpm2_transmit(struct tpm_chip *chip, struct tpm_buf *buf);
void szkm_tpm2_fault_warn(void);
#else
static inline ssize_t szkm_tpm2_transmit(struct tpm_chip *chip, struct tpm_buf *buf)
{
	/* NULL description: tpm2.c logs failures itself, with their meaning. */
	return tpm_transmit_cmd(chip, buf, 0, NULL);
}

static inline void szkm_tpm2_fault_warn(void)
{
}
#endif

#endif
