/* SPDX-License-Identifier: GPL-2.0 */
/* keytype.h - the key type "szkm". */
#ifndef _SZKM_KEYTYPE_H
#define _SZKM_KEYTYPE_H

#include <linux/types.h>

int szkm_keytype_init(void);
void szkm_keytype_uninit(void);
u32 szkm_keytype_count(void);

struct key;
/* The ledger holds the event of version @ver of @key: make it active. */
void szkm_keytype_activate(struct key *key, u32 ver);
struct szkm_key;
/* Rotates @k, held by @key (referenced by the caller), as `keyctl update rotate`. */
int szkm_keytype_rotate(struct key *key, struct szkm_key *k);

struct sk_buff;
struct genl_info;
/* Puts a key's public metadata (SZKM_CMD_KEY_PUBLIC) into @msg. */
int szkm_keytype_put_public(u32 serial, struct sk_buff *msg, struct genl_info *info);

#endif /* _SZKM_KEYTYPE_H */
