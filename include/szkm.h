/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * szkm.h - the one header shared by szkm.ko and userspace.
 *
 * It defines the generic netlink family "szkm" (commands, attributes,
 * multicast groups) and, as later parts land, the event encoding and the
 * blob and ciphertext formats. A format is defined here once; both sides
 * include this file.
 *
 * Family "szkm", version SZKM_GENL_VERSION. Every command needs
 * CAP_SYS_ADMIN unless noted.
 *
 * SZKM_CMD_STATUS (doit): no attributes. Reply:
 *     SZKM_A_VERSION     string, module version
 *     SZKM_A_STATE       u32, enum szkm_device_state
 *     SZKM_A_TPM         u32, enum szkm_tpm_state
 *     SZKM_A_TEST_MODE   u8, 1 when the module runs without a TPM (loud)
 *     SZKM_A_NKEYS       u32, number of szkm keys instantiated
 */
#ifndef _SZKM_H
#define _SZKM_H

#define SZKM_GENL_NAME		"szkm"
#define SZKM_GENL_VERSION	1
#define SZKM_KEY_TYPE		"szkm"
#define SZKM_MCGRP_EVENTS	"events"

enum szkm_cmd {
	SZKM_CMD_UNSPEC,
	SZKM_CMD_STATUS,
	__SZKM_CMD_MAX
};
#define SZKM_CMD_MAX (__SZKM_CMD_MAX - 1)

enum szkm_attr {
	SZKM_A_UNSPEC,
	SZKM_A_VERSION,
	SZKM_A_STATE,
	SZKM_A_TPM,
	SZKM_A_TEST_MODE,
	SZKM_A_NKEYS,
	__SZKM_A_LAST
};
#define SZKM_A_MAX (__SZKM_A_LAST - 1)

enum szkm_mcgrp {
	SZKM_MCGRP_EVENTS_IDX,
};

/* Device lifecycle: no device yet, sealed (blob not yet handed back), ready. */
enum szkm_device_state {
	SZKM_DEV_UNINITIALISED,
	SZKM_DEV_SEALED,
	SZKM_DEV_READY,
};

enum szkm_tpm_state {
	SZKM_TPM_NONE,		/* no TPM chip registered */
	SZKM_TPM_1_2,		/* a TPM 1.2: not supported */
	SZKM_TPM_2_0,
};

#endif /* _SZKM_H */
