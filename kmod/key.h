/* SPDX-License-Identifier: GPL-2.0 */
/* key.h - a managed key: its versions, their states, its policy. */
#ifndef _SZKM_KEY_H
#define _SZKM_KEY_H

#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/uidgid.h>
#include <linux/types.h>
#include "szkm.h"
#include "payload.h"

struct crypto_aead;
struct key;

/*
 * Keys provisioned from one version that it keeps track of, so that
 * destroying the version kills them (consumers.c). Copies nobody holds
 * any more make room for new ones.
 */
#define SZKM_PROV_MAX	8

struct szkm_ver {
	u32 ver;
	u8 state;		/* enum szkm_vstate */
	u8 origin;		/* enum szkm_origin */
	u8 secret_len;		/* 0: public only, or destroyed */
	u8 pub_len;		/* 0 for aes256-gcm */
	u8 secret[SZKM_SECRET_MAX];
	u8 pub[SZKM_P256_PUB_LEN];
	u64 uses;
	struct crypto_aead *tfm;	/* aes256-gcm versions with a secret */
	u8 nprov;		/* under the key's lock */
	struct key *prov[SZKM_PROV_MAX];	/* each holds a reference */
};

/*
 * A uid the key is granted to (grant.c), and the key object that serves
 * it there: not referenced (its destroy clears this under the key's lock);
 * NULL until made.
 */
struct szkm_grant {
	u32 uid;		/* in the initial user namespace */
	struct key *obj;
};

/*
 * One logical key, shared by the key object that made or loaded it (its
 * owner) and the grant objects made for other uids: each holds a
 * reference, the last put frees it.
 */
struct szkm_key {
	refcount_t ref;
	struct mutex lock;	/* versions, states, policy, provisioned keys, grants */
	u8 alg;
	u8 id[SZKM_KEY_ID_LEN];
	char name[SZKM_NAME_MAX + 1];
	u32 next_version;	/* versions are never reused */
	u32 active;		/* 0: none */
	bool claimed;		/* holds its id in the registry (registry.h) */
	bool counted;		/* counted against quota_uid (quota.h) */
	u32 quota_uid;
	u8 changes;		/* retire/destroy/policy/grant changes waiting for the ledger */
	struct szkm_policy policy;
	kuid_t owner_uid;	/* the uid the owner object serves */
	unsigned int ngrants;	/* grants in force, ascending uid */
	struct szkm_grant grants[SZKM_GRANTS_MAX];
	/* Grant objects of revoked grants, referenced, for grant.c to drop. */
	unsigned int nstale;
	struct key *stale[SZKM_GRANTS_MAX];
	unsigned int nver;
	struct szkm_ver *ver[SZKM_MAX_VERSIONS];
	/* The rotation service's view (krs.c, under its lock). */
	struct key *owner;	/* the keyring key holding this one; not referenced */
	struct rb_node krs_node;
	u64 krs_due;		/* boottime seconds */
	bool krs_on;
	u64 rotated_at;		/* boottime seconds of the last new version */
};

/*
 * What a journalled event changes once the ledger proves it (journal.c):
 * a pending version becomes active; for ledger=required keys, a retire, a
 * destroy or a policy change takes effect only then too.
 */
enum szkm_change_kind {
	SZKM_CHANGE_NONE,
	SZKM_CHANGE_ACTIVATE,
	SZKM_CHANGE_RETIRE,
	SZKM_CHANGE_DESTROY,
	SZKM_CHANGE_POLICY,
	SZKM_CHANGE_GRANT,
	SZKM_CHANGE_REVOKE,
};

struct szkm_change {
	u8 kind;		/* enum szkm_change_kind */
	u32 ver;
	struct szkm_policy policy;	/* SZKM_CHANGE_POLICY: the new one */
	u32 uid;			/* SZKM_CHANGE_GRANT/REVOKE: the grantee */
};

struct szkm_key *szkm_key_alloc(const char *name, u8 alg, const u8 id[SZKM_KEY_ID_LEN]);
/* Frees @k now: only for a key no key object holds yet (one reference). */
void szkm_key_free(struct szkm_key *k);
static inline void szkm_key_get(struct szkm_key *k) { refcount_inc(&k->ref); }
void szkm_key_put(struct szkm_key *k);

/*
 * Adds version next_version with @secret and/or @pub (NULL to generate a
 * fresh secret), in @state. Takes no lock: callers hold k->lock or own @k.
 */
int szkm_key_add_version(struct szkm_key *k, u8 origin, u8 state,
			 const u8 *secret, size_t slen, const u8 *pub, size_t plen);
/* Restores a version record from a blob (number, state and uses kept). */
int szkm_key_restore_version(struct szkm_key *k, const struct szkm_ver *v);

struct szkm_ver *szkm_key_find(struct szkm_key *k, u32 ver);
struct szkm_ver *szkm_key_active(struct szkm_key *k);

struct szkm_ver *szkm_key_pending(struct szkm_key *k);
struct szkm_ver *szkm_key_rotate(struct szkm_key *k, bool pending);
void szkm_key_unrotate(struct szkm_key *k, u32 old_active);
bool szkm_key_activate(struct szkm_key *k, u32 ver);
int szkm_key_retire(struct szkm_key *k, u32 ver);
/*
 * Destroy in two steps, so the event is recorded before the wipe; the wipe
 * also kills every key provisioned from the version.
 */
struct szkm_ver *szkm_key_destroy_check(struct szkm_key *k, u32 ver);
void szkm_key_destroy_version(struct szkm_ver *v);

const char *szkm_vstate_name(u8 state);

#endif /* _SZKM_KEY_H */
