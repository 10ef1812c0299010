// SPDX-License-Identifier: GPL-2.0
/*
 * krs.c - the key rotation service. Every scheduled key sits in one
 * red-black tree ordered by its due time, and one delayed work item sleeps
 * until the earliest one: no timer per key, O(log n) to schedule, and no
 * work at all between due times, whatever the number of keys. The worker
 * rotates what is due exactly as `keyctl update rotate` does (new version,
 * signed event, pending until the ledger holds it when ledger=required);
 * when the journal is full it retries later rather than drop an event.
 */
#include "krs.h"
#include "key.h"
#include "keytype.h"

#include <linux/key.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/ktime.h>
#include <linux/workqueue.h>

#define SZKM_KRS_RETRY_SECS	5	/* after a failed rotation (journal full) */
#define SZKM_KRS_BATCH		64	/* rotations per worker run, then yield */

static struct {
	spinlock_t lock;
	struct rb_root tree;
	u32 count;
	u64 rotations;
	struct delayed_work work;
	bool stopping;
} szkm_krs;

static u64 szkm_now(void)
{
	return ktime_get_boottime_seconds();
}

/* Caller holds szkm_krs.lock. */
static void szkm_krs_arm(void)
{
	struct rb_node *first = rb_first(&szkm_krs.tree);
	u64 now = szkm_now(), due;

	if (!first || szkm_krs.stopping)
		return;
	due = rb_entry(first, struct szkm_key, krs_node)->krs_due;
	mod_delayed_work(system_unbound_wq, &szkm_krs.work,
			 due > now ? (due - now) * HZ : 0);
}

static void szkm_krs_remove_locked(struct szkm_key *k)
{
	if (k->krs_on) {
		rb_erase(&k->krs_node, &szkm_krs.tree);
		k->krs_on = false;
		szkm_krs.count--;
	}
}

static void szkm_krs_insert_locked(struct szkm_key *k, u64 due)
{
	struct rb_node **p = &szkm_krs.tree.rb_node, *parent = NULL;

	szkm_krs_remove_locked(k);
	k->krs_due = due;
	while (*p) {
		parent = *p;
		if (due < rb_entry(parent, struct szkm_key, krs_node)->krs_due)
			p = &parent->rb_left;
		else
			p = &parent->rb_right;
	}
	rb_link_node(&k->krs_node, parent, p);
	rb_insert_color(&k->krs_node, &szkm_krs.tree);
	k->krs_on = true;
	szkm_krs.count++;
	szkm_krs_arm();
}

void szkm_krs_schedule(struct szkm_key *k)
{
	/* A first version still waiting for the ledger counts too. */
	struct szkm_ver *v = szkm_key_active(k) ?: szkm_key_pending(k);
	unsigned long flags;

	spin_lock_irqsave(&szkm_krs.lock, flags);
	if (!k->owner || !k->policy.rotate_secs || !v || !v->secret_len)
		szkm_krs_remove_locked(k);
	else
		szkm_krs_insert_locked(k, k->rotated_at + k->policy.rotate_secs);
	spin_unlock_irqrestore(&szkm_krs.lock, flags);
}

void szkm_krs_kick(struct szkm_key *k)
{
	unsigned long flags;

	spin_lock_irqsave(&szkm_krs.lock, flags);
	if (k->owner)
		szkm_krs_insert_locked(k, 0);
	spin_unlock_irqrestore(&szkm_krs.lock, flags);
}

void szkm_krs_forget(struct szkm_key *k)
{
	unsigned long flags;

	spin_lock_irqsave(&szkm_krs.lock, flags);
	szkm_krs_remove_locked(k);
	k->owner = NULL;
	spin_unlock_irqrestore(&szkm_krs.lock, flags);
}

void szkm_krs_stats(u32 *scheduled, u64 *rotations)
{
	unsigned long flags;

	spin_lock_irqsave(&szkm_krs.lock, flags);
	*scheduled = szkm_krs.count;
	*rotations = szkm_krs.rotations;
	spin_unlock_irqrestore(&szkm_krs.lock, flags);
}

/* Takes the earliest due key off the tree, with a reference on its key. */
static struct szkm_key *szkm_krs_pop_due(struct key **keyp)
{
	struct szkm_key *k = NULL;
	struct rb_node *first;
	unsigned long flags;

	spin_lock_irqsave(&szkm_krs.lock, flags);
	while ((first = rb_first(&szkm_krs.tree))) {
		struct szkm_key *c = rb_entry(first, struct szkm_key, krs_node);

		if (c->krs_due > szkm_now())
			break;
		szkm_krs_remove_locked(c);
		/* A key whose last reference is going: its destroy will forget it. */
		if (c->owner && refcount_inc_not_zero(&c->owner->usage)) {
			*keyp = c->owner;
			k = c;
			break;
		}
	}
	spin_unlock_irqrestore(&szkm_krs.lock, flags);
	return k;
}

static void szkm_krs_work(struct work_struct *work)
{
	struct szkm_key *k;
	struct key *key;
	unsigned long flags;
	int n, ret;

	for (n = 0; n < SZKM_KRS_BATCH && (k = szkm_krs_pop_due(&key)); n++) {
		ret = szkm_keytype_rotate(key, k);
		if (ret) {
			spin_lock_irqsave(&szkm_krs.lock, flags);
			if (k->owner && !szkm_krs.stopping)
				szkm_krs_insert_locked(k, szkm_now() + SZKM_KRS_RETRY_SECS);
			spin_unlock_irqrestore(&szkm_krs.lock, flags);
		}
		key_put(key);
		cond_resched();
	}
	spin_lock_irqsave(&szkm_krs.lock, flags);
	szkm_krs_arm();
	spin_unlock_irqrestore(&szkm_krs.lock, flags);
}

/* Counted by the key type when a scheduled or kicked rotation succeeded. */
void szkm_krs_count_rotation(void)
{
	unsigned long flags;

	spin_lock_irqsave(&szkm_krs.lock, flags);
	szkm_krs.rotations++;
	spin_unlock_irqrestore(&szkm_krs.lock, flags);
}

int __init szkm_krs_init(void)
{
	spin_lock_init(&szkm_krs.lock);
	szkm_krs.tree = RB_ROOT;
	INIT_DELAYED_WORK(&szkm_krs.work, szkm_krs_work);
	return 0;
}

void szkm_krs_uninit(void)
{
	unsigned long flags;

	spin_lock_irqsave(&szkm_krs.lock, flags);
	szkm_krs.stopping = true;
	spin_unlock_irqrestore(&szkm_krs.lock, flags);
	cancel_delayed_work_sync(&szkm_krs.work);
}
