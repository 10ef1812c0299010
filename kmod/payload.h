/* SPDX-License-Identifier: GPL-2.0 */
/* payload.h - parsing the text commands of keyctl add and update. */
#ifndef _SZKM_PAYLOAD_H
#define _SZKM_PAYLOAD_H

#include <linux/bits.h>
#include <linux/types.h>
#include "szkm.h"

enum szkm_op {
	SZKM_OP_NEW,
	SZKM_OP_LOAD,
	SZKM_OP_IMPORT,
	SZKM_OP_ROTATE,
	SZKM_OP_RETIRE,
	SZKM_OP_DESTROY,
	SZKM_OP_SET,
	SZKM_OP_PROVISION,
};

/* Kernel consumers a version can be handed to (kmod/consumers.c). */
enum szkm_consumer {
	SZKM_CONS_LOGON,	/* logon key "szkm:<name>:v<N>", 32 bytes (dm-crypt aes) */
	SZKM_CONS_LOGON_XTS,	/* the same, 64 bytes (dm-crypt aes-xts) */
	SZKM_CONS_FSCRYPT,	/* fscrypt-provisioning key, for FS_IOC_ADD_ENCRYPTION_KEY */
	__SZKM_CONS_MAX
};

/* "logon", "logon-xts", "fscrypt": the grammar's names (payload.c). */
const char *szkm_consumer_name(u8 consumer);

struct szkm_policy {
	u64 rotate_secs;	/* 0: no scheduled rotation */
	u64 max_uses;		/* 0: no limit */
	u32 min_version;	/* older versions refuse to decrypt */
	u8 ledger;		/* enum szkm_ledger_mode */
};

/* Which policy fields a command gave (bit per field). */
enum {
	SZKM_POL_ROTATE = BIT(0),
	SZKM_POL_MAX_USES = BIT(1),
	SZKM_POL_MIN_VERSION = BIT(2),
	SZKM_POL_LEDGER = BIT(3),
};

struct szkm_request {
	enum szkm_op op;
	u8 alg;
	u32 version;			/* retire, destroy, provision */
	u8 consumer;			/* provision: enum szkm_consumer */
	s32 keyring;			/* provision: serial or special (@s = -3) */
	u8 *blob;			/* load: decoded, kmalloc'd */
	size_t bloblen;
	u8 material[SZKM_P256_PUB_LEN];	/* import: secret or public point */
	size_t matlen;
	bool pub_only;
	struct szkm_policy policy;
	unsigned int policy_set;
};

/*
 * Parses @len bytes of @data. The kernel runs .preparse for both keyctl add
 * and update, so one grammar covers both; SZKM_OP_IS_ADD tells them apart.
 */
int szkm_payload_parse(struct szkm_request *cmd, const void *data, size_t len);
#define SZKM_OP_IS_ADD(op) ((op) <= SZKM_OP_IMPORT)
/* Wipes and frees what a parsed command holds. */
void szkm_payload_free(struct szkm_request *cmd);

const char *szkm_alg_name(u8 alg);

#endif /* _SZKM_PAYLOAD_H */
