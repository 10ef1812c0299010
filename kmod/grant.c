// SPDX-License-Identifier: GPL-2.0
/*
 * grant.c - grants (include/szkm.h, "Grants"). The module owns a keyring,
 * ".szkm", made at load and dropped at unload, that no one else may write
 * to; in it, one keyring per grantee uid, owned by that uid, holds the
 * grant objects: szkm key objects of the grantee that share a key's state
 * (kmod/key.h). They hang from nothing a user or a session owns, so no
 * logout, new session, switch_root or keyring garbage collection drops
 * them; they go when the ledger proves a revoke, or with the module.
 *
 * Who may do what, against whom:
 * - an unprivileged user finds only its own grants (the objects are its
 *   own: View and Search for it alone) and cannot pass one on: no Link,
 *   no Setattr, no possessor rights, and each object serves its grantee's
 *   uid only (keytype.c), whoever possesses it; it cannot grant itself
 *   (granting needs CAP_SYS_ADMIN and the key's owner);
 * - root in userspace grants through the kernel only, which records who
 *   did it in a KEY_GRANT event before the grant exists; it cannot remove
 *   a grant object behind the ledger's back (no Write on these keyrings,
 *   and the objects are kept from invalidation);
 * - an old copy of the state: the grants are in the key's sealed blob,
 *   and a grant or revoke moves the key's registry mark, so a blob from
 *   before a revoke no longer loads (registry.c).
 */
#include "grant.h"
#include "key.h"
#include "keytype.h"
#include "szkm_main.h"

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/key.h>
#include <linux/key-type.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

/* Root may list the module's keyring; no one may change it. */
#define SZKM_RING_PERM		(KEY_USR_VIEW | KEY_USR_READ)
/*
 * A grantee may find its grants in its keyring, and link that keyring
 * into its own (so that keyctl search and request_key find them too).
 */
#define SZKM_UID_RING_PERM	(KEY_USR_VIEW | KEY_USR_READ | KEY_USR_SEARCH | KEY_USR_LINK)
/* A grant object: found and used by its grantee, nothing more. */
#define SZKM_GRANT_PERM		(KEY_USR_VIEW | KEY_USR_SEARCH)
#define SZKM_GRANT_FLAGS	(KEY_ALLOC_NOT_IN_QUOTA | KEY_ALLOC_SET_KEEP)

static struct {
	struct mutex lock;		/* one maker of grant objects at a time */
	bool stopped;
	struct key *ring;		/* ".szkm" */
	struct xarray uid_rings;	/* uid -> its keyring, referenced */
	struct list_head names;		/* struct szkm_grant_name */
	struct workqueue_struct *wq;
} szkm_gr = {
	.lock = __MUTEX_INITIALIZER(szkm_gr.lock),
	.names = LIST_HEAD_INIT(szkm_gr.names),
};

/* Which uid holds a grant object of which name (under szkm_gr.lock). */
struct szkm_grant_name {
	struct list_head node;
	u32 uid;
	const struct key *obj;
	const struct szkm_key *k;
};

int szkm_grant_find(const struct szkm_key *k, u32 uid)
{
	unsigned int i;

	for (i = 0; i < k->ngrants; i++)
		if (k->grants[i].uid == uid)
			return i;
	return -1;
}

int szkm_grant_add(struct szkm_key *k, u32 uid)
{
	unsigned int i;

	if (szkm_grant_find(k, uid) >= 0)
		return -EEXIST;
	if (k->ngrants == SZKM_GRANTS_MAX)
		return -ENOSPC;
	for (i = k->ngrants; i > 0 && k->grants[i - 1].uid > uid; i--)
		k->grants[i] = k->grants[i - 1];
	k->grants[i].uid = uid;
	k->grants[i].obj = NULL;
	k->ngrants++;
	return 0;
}

int szkm_grant_remove(struct szkm_key *k, u32 uid)
{
	int i = szkm_grant_find(k, uid);
	struct key *obj;

	if (i < 0)
		return -ENOENT;
	obj = k->grants[i].obj;
	/* Its uid is no longer granted: the object serves no one from now. */
	if (obj && k->nstale < SZKM_GRANTS_MAX && refcount_inc_not_zero(&obj->usage))
		k->stale[k->nstale++] = obj;
	k->ngrants--;
	memmove(&k->grants[i], &k->grants[i + 1], (k->ngrants - i) * sizeof(k->grants[0]));
	return 0;
}

static bool szkm_name_taken_locked(u32 uid, const char *name, const struct szkm_key *k)
{
	struct szkm_grant_name *n;

	list_for_each_entry(n, &szkm_gr.names, node)
		if (n->uid == uid && n->k != k && !strcmp(n->obj->description, name))
			return true;
	return false;
}

bool szkm_grant_name_taken(u32 uid, const char *name, const struct szkm_key *k)
{
	bool taken;

	mutex_lock(&szkm_gr.lock);
	taken = szkm_name_taken_locked(uid, name, k);
	mutex_unlock(&szkm_gr.lock);
	return taken;
}

void szkm_grant_forget(const struct key *obj)
{
	struct szkm_grant_name *n, *tmp;

	mutex_lock(&szkm_gr.lock);
	list_for_each_entry_safe(n, tmp, &szkm_gr.names, node) {
		if (n->obj == obj) {
			list_del(&n->node);
			kfree(n);
		}
	}
	mutex_unlock(&szkm_gr.lock);
}

/* @uid's keyring in ".szkm", made the first time (under szkm_gr.lock). */
static struct key *szkm_uid_ring(u32 uid)
{
	char desc[sizeof(SZKM_KEYRING) + 12];
	kuid_t kuid = make_kuid(&init_user_ns, uid);
	struct key *r = xa_load(&szkm_gr.uid_rings, uid);
	int ret;

	if (r)
		return r;
	if (!uid_valid(kuid))
		return ERR_PTR(-EINVAL);
	snprintf(desc, sizeof(desc), SZKM_KEYRING ".%u", uid);
	r = keyring_alloc(desc, kuid, GLOBAL_ROOT_GID, current_cred(), SZKM_UID_RING_PERM,
			  SZKM_GRANT_FLAGS, NULL, szkm_gr.ring);
	if (IS_ERR(r))
		return r;
	ret = xa_err(xa_store(&szkm_gr.uid_rings, uid, r, GFP_KERNEL));
	if (ret) {
		key_invalidate(r);
		key_put(r);
		return ERR_PTR(ret);
	}
	return r;
}

/* A grant object for @uid, linked in its keyring (under szkm_gr.lock). */
static struct key *szkm_grant_make(struct key *owner, struct szkm_key *k, u32 uid)
{
	struct szkm_grant_prep gp = { .magic = SZKM_GRANT_PREP_MAGIC, .owner = owner, .k = k };
	struct szkm_grant_name *n;
	struct key *ring, *obj;
	int ret;

	/* A keyring holds one key of a name: the link would drop the other. */
	if (szkm_name_taken_locked(uid, k->name, k))
		return ERR_PTR(-EEXIST);
	ring = szkm_uid_ring(uid);
	if (IS_ERR(ring))
		return ring;
	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return ERR_PTR(-ENOMEM);
	obj = key_alloc(szkm_keytype_type(), k->name, make_kuid(&init_user_ns, uid),
			GLOBAL_ROOT_GID, current_cred(), SZKM_GRANT_PERM, SZKM_GRANT_FLAGS, NULL);
	if (IS_ERR(obj)) {
		kfree(n);
		return obj;
	}
	ret = key_instantiate_and_link(obj, &gp, 0, ring, NULL);
	if (ret) {
		key_put(obj);
		kfree(n);
		return ERR_PTR(ret);
	}
	n->uid = uid;
	n->obj = obj;
	n->k = k;
	list_add(&n->node, &szkm_gr.names);
	return obj;
}

/* Under k->lock: the next grant to make an object for, not in @tried. */
static int szkm_grant_next(const struct szkm_key *k, const u32 *tried, unsigned int ntried,
			   u32 *uid)
{
	unsigned int i, j;

	for (i = 0; i < k->ngrants; i++) {
		if (k->grants[i].obj)
			continue;
		for (j = 0; j < ntried && tried[j] != k->grants[i].uid; j++)
			;
		if (j == ntried) {
			*uid = k->grants[i].uid;
			return 1;
		}
	}
	return 0;
}

/* Records @obj as @uid's grant object; false when @uid is revoked since. */
static bool szkm_grant_record(struct szkm_key *k, u32 uid, struct key *obj)
{
	bool ok;
	int i;

	mutex_lock(&k->lock);
	i = szkm_grant_find(k, uid);
	ok = i >= 0 && !k->grants[i].obj;
	if (ok)
		k->grants[i].obj = obj;
	mutex_unlock(&k->lock);
	return ok;
}

void szkm_grant_sync(struct key *owner)
{
	u32 tried[SZKM_GRANTS_MAX], uid;
	unsigned int ntried = 0;
	struct szkm_key *k;
	struct key *obj;
	bool make;

	k = szkm_keytype_get(owner);
	if (!k)
		return;
	mutex_lock(&szkm_gr.lock);
	for (;;) {
		obj = NULL;
		mutex_lock(&k->lock);
		make = !szkm_gr.stopped && szkm_grant_next(k, tried, ntried, &uid);
		if (!make && k->nstale)
			obj = k->stale[--k->nstale];
		mutex_unlock(&k->lock);
		if (obj) {
			/* Out of every keyring now; destroyed once unused. */
			key_invalidate(obj);
			key_put(obj);
			continue;
		}
		if (!make)
			break;
		tried[ntried++] = uid;
		obj = szkm_grant_make(owner, k, uid);
		if (IS_ERR(obj)) {
			pr_warn("'%s': the grant to uid %u is in force but its key object could not be made (%ld)\n",
				k->name, uid, PTR_ERR(obj));
			continue;
		}
		if (szkm_grant_record(k, uid, obj)) {
			pr_info("'%s': granted to uid %u (key %d in keyring %s.%u)\n", k->name, uid,
				obj->serial, SZKM_KEYRING, uid);
			key_put(obj);	/* its keyring holds it */
		} else {
			key_invalidate(obj);
			key_put(obj);
		}
	}
	mutex_unlock(&szkm_gr.lock);
	szkm_key_put(k);
}

struct szkm_grant_work {
	struct work_struct work;
	struct key *owner;
};

static void szkm_grant_work_fn(struct work_struct *work)
{
	struct szkm_grant_work *gw = container_of(work, struct szkm_grant_work, work);

	szkm_grant_sync(gw->owner);
	key_put(gw->owner);
	kfree(gw);
}

void szkm_grant_sync_later(struct key *owner)
{
	struct szkm_grant_work *gw = kmalloc(sizeof(*gw), GFP_KERNEL);

	if (!gw) {
		pr_warn("key %d: its grants' key objects could not be made (out of memory)\n",
			owner->serial);
		return;
	}
	INIT_WORK(&gw->work, szkm_grant_work_fn);
	gw->owner = key_get(owner);
	queue_work(szkm_gr.wq, &gw->work);
}

int szkm_grant_init(void)
{
	xa_init(&szkm_gr.uid_rings);
	szkm_gr.stopped = false;
	szkm_gr.wq = alloc_workqueue("szkm_grant", WQ_UNBOUND, 1);
	if (!szkm_gr.wq)
		return -ENOMEM;
	szkm_gr.ring = keyring_alloc(SZKM_KEYRING, GLOBAL_ROOT_UID, GLOBAL_ROOT_GID, current_cred(),
				     SZKM_RING_PERM, SZKM_GRANT_FLAGS, NULL, NULL);
	if (IS_ERR(szkm_gr.ring)) {
		destroy_workqueue(szkm_gr.wq);
		return PTR_ERR(szkm_gr.ring);
	}
	return 0;
}

void szkm_grant_stop(void)
{
	mutex_lock(&szkm_gr.lock);
	szkm_gr.stopped = true;
	mutex_unlock(&szkm_gr.lock);
	flush_workqueue(szkm_gr.wq);
}

/* After the key type is gone: its objects are dead, the keyrings go. */
void szkm_grant_uninit(void)
{
	struct szkm_grant_name *n, *tmp;
	unsigned long uid;
	struct key *r;

	destroy_workqueue(szkm_gr.wq);
	xa_for_each(&szkm_gr.uid_rings, uid, r) {
		key_invalidate(r);
		key_put(r);
	}
	xa_destroy(&szkm_gr.uid_rings);
	key_invalidate(szkm_gr.ring);
	key_put(szkm_gr.ring);
	list_for_each_entry_safe(n, tmp, &szkm_gr.names, node)
		kfree(n);
	INIT_LIST_HEAD(&szkm_gr.names);
}
