/* SPDX-License-Identifier: GPL-2.0 */
/* grant.h - grants: the module's keyrings and the grant objects in them. */
#ifndef _SZKM_GRANT_H
#define _SZKM_GRANT_H

#include <linux/types.h>

struct key;
struct key_preparsed_payload;
struct szkm_key;

/*
 * What grant.c hands key_instantiate_and_link() to make a grant object
 * (as data, with length 0: no payload from userspace looks like that,
 * since keyctl passes NULL for an empty one). keytype.c's preparse takes
 * a reference on both for the new object.
 */
#define SZKM_GRANT_PREP_MAGIC	0x737a6b67	/* "szkg" */
struct szkm_grant_prep {
	u32 magic;
	struct key *owner;	/* the key object the grant came from */
	struct szkm_key *k;
};

static inline const struct szkm_grant_prep *
szkm_grant_prep_of(const void *data, size_t datalen)
{
	const struct szkm_grant_prep *gp = data;

	return data && !datalen && gp->magic == SZKM_GRANT_PREP_MAGIC ? gp : NULL;
}

/*
 * The grants of one key, under its lock: the index of @uid's grant or -1;
 * adding keeps them in ascending order (-EEXIST, -ENOSPC); removing hands
 * the grant's object to grant.c to drop (szkm_grant_sync).
 */
int szkm_grant_find(const struct szkm_key *k, u32 uid);
int szkm_grant_add(struct szkm_key *k, u32 uid);
int szkm_grant_remove(struct szkm_key *k, u32 uid);

/*
 * Brings the grant objects of @owner's key in line with its grants: makes
 * each missing one in its grantee's keyring, invalidates each revoked one.
 * The caller holds a reference on @owner and neither its semaphore nor
 * the key's lock (making a key object takes keyring locks).
 */
void szkm_grant_sync(struct key *owner);
/* The same from a work item: keyctl add holds locks that making one needs. */
void szkm_grant_sync_later(struct key *owner);

/*
 * Whether @uid holds a grant object of another key named @name: a
 * keyring holds one key of a name, so that grant is refused.
 */
bool szkm_grant_name_taken(u32 uid, const char *name, const struct szkm_key *k);
/* A grant object is being destroyed (keytype.c's destroy). */
void szkm_grant_forget(const struct key *obj);

int szkm_grant_init(void);
/* No grant object is made after this; pending work is done. */
void szkm_grant_stop(void);
void szkm_grant_uninit(void);

#endif /* _SZKM_GRANT_H */
