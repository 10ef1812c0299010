/* SPDX-License-Identifier: GPL-2.0 */
/* consumers.h - handing versions to dm-crypt and fscrypt as kernel-only keys. */
#ifndef _SZKM_CONSUMERS_H
#define _SZKM_CONSUMERS_H

#include <linux/types.h>

struct szkm_key;

/*
 * Puts version @ver of aes256-gcm key @k (caller holds k->lock) into the
 * keyring @keyring (a serial or a special id, looked up in the caller's
 * context, Write permission needed) as a kernel-only key of kind @consumer
 * (enum szkm_consumer). The raw key never reaches userspace.
 */
int szkm_consumer_provision(struct szkm_key *k, u32 ver, u8 consumer, s32 keyring);

struct szkm_ver;

/* Version @v is destroyed (caller holds the key's lock): kills its copies. */
void szkm_consumer_kill(struct szkm_ver *v);
/* Version @v is freed with its szkm key: lets go of its copies, alive. */
void szkm_consumer_release(struct szkm_ver *v);

#endif /* _SZKM_CONSUMERS_H */
