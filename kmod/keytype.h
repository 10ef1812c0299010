/* SPDX-License-Identifier: GPL-2.0 */
/* keytype.h - the key type "szkm". */
#ifndef _SZKM_KEYTYPE_H
#define _SZKM_KEYTYPE_H

#include <linux/types.h>

int szkm_keytype_init(void);
void szkm_keytype_uninit(void);
u32 szkm_keytype_count(void);

struct key;
struct szkm_change;
/* The ledger proved the event of a change of @key: apply it. */
void szkm_keytype_apply(struct key *key, const struct szkm_change *ch);
struct szkm_key;
/* Rotates @k, held by @key (referenced by the caller), as `keyctl update rotate`. */
int szkm_keytype_rotate(struct key *key, struct szkm_key *k);

/*
 * Runs @fn on the szkm key @serial under its lock, when the caller may
 * View it (keyctl's own check, in the caller's context); else a negative
 * errno and *@why. For SZKM_CMD_KEY_PUBLIC (netlink.c writes the reply).
 */
int szkm_keytype_with_key(u32 serial, int (*fn)(const struct szkm_key *k, void *arg),
			  void *arg, const char **why);

/*
 * SZKM_CMD_KEY_GRANT: grants @uid the use of key @serial, or revokes that
 * (include/szkm.h), in the caller's context; else a negative errno and
 * *@why.
 */
int szkm_keytype_grant(u32 serial, u32 uid, bool revoke, const char **why);

/* For grant.c: the type, and @key's shared state (referenced) if alive. */
struct key_type *szkm_keytype_type(void);
struct szkm_key *szkm_keytype_get(struct key *key);

#endif /* _SZKM_KEYTYPE_H */
