// SPDX-License-Identifier: GPL-2.0
/*
 * journal.c - every signed event stays here until the ledger proves it holds
 * it (a signed checkpoint and the event's inclusion proof, consistent with
 * the last checkpoint accepted); a follower that starts late asks for a
 * replay. When the journal is full, changes that need an event fail
 * with -EBUSY: fail closed, never drop. Sequence numbers and the previous
 * hash are given here, under one lock, so the chain has no gaps or forks.
 */
#include "journal.h"
#include "device.h"
#include "keytype.h"
#include "key.h"
#include "registry.h"
#include "szkm_main.h"
#include "kcompat.h"

#include <linux/key.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/cred.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/sha2.h>
#include <net/genetlink.h>

static unsigned int journal_max = SZKM_JOURNAL_MAX_DEFAULT;
module_param(journal_max, uint, 0644);
MODULE_PARM_DESC(journal_max, "events kept for the ledger before changes fail with EBUSY");

/*
 * Fair use: one user cannot fill the journal that everyone's rotations
 * need. A uid other than root may have journal_per_uid events waiting, and
 * all such uids together leave journal_reserve places for root and the
 * kernel's own rotations.
 */
static unsigned int journal_per_uid = 1024;
module_param(journal_per_uid, uint, 0644);
MODULE_PARM_DESC(journal_per_uid, "events one non-root uid may have waiting for the ledger (then EDQUOT)");
static unsigned int journal_reserve = 256;
module_param(journal_reserve, uint, 0644);
MODULE_PARM_DESC(journal_reserve, "journal places only root and the kernel's own rotations may take");

struct szkm_jent {
	struct list_head node;
	u64 seq;
	u8 *body;
	size_t len;
	u8 sig[SZKM_EVENT_SIG_LEN];
	struct key *owner;	/* referenced; @change applies on proof */
	struct szkm_change change;
	uid_t uid;		/* who caused it; 0 for root and the kernel */
};

static struct {
	struct mutex lock;
	struct list_head list;	/* by seq, oldest first */
	unsigned int count;
	bool positioned;	/* the chain's last seq and hash are known */
	u64 last_seq;
	u8 last_hash[32];	/* the last event's link (szkm_event_link) */
	bool have_cp;		/* a checkpoint was accepted since load */
	struct szkm_checkpoint cp;
} szkm_jr;

/* Empties the journal into @dropped (caller holds the lock). */
static unsigned int szkm_jr_take_all(struct list_head *dropped)
{
	unsigned int n = szkm_jr.count;

	list_splice_init(&szkm_jr.list, dropped);
	szkm_jr.count = 0;
	szkm_jr.last_seq = 0;
	memset(szkm_jr.last_hash, 0, sizeof(szkm_jr.last_hash));
	szkm_jr.have_cp = false;
	return n;
}

static void szkm_jr_free(struct list_head *dropped)
{
	struct szkm_jent *e, *tmp;

	list_for_each_entry_safe(e, tmp, dropped, node) {
		key_put(e->owner);
		kfree(e->body);
		kfree(e);
	}
}

/* Activations and frees outside the journal lock (activation takes the key's). */
static void szkm_jr_release(struct szkm_jent *e)
{
	if (e->owner) {
		szkm_keytype_apply(e->owner, &e->change);
		key_put(e->owner);
	}
	szkm_registry_proven(e->body, e->len, e->seq);
	kfree(e->body);
	kfree(e);
}

/* The uid an event is counted against: 0 for root and the kernel's work. */
static uid_t szkm_jr_caller(void)
{
	if (current->flags & PF_KTHREAD)
		return 0;
	return from_kuid_munged(&init_user_ns, current_uid());
}

/* Per-uid limits (caller holds the lock); -EDQUOT with the limit named. */
static int szkm_jr_fair(uid_t uid)
{
	struct szkm_jent *e;
	unsigned int mine = 0, users = 0;

	if (uid == 0)
		return 0;
	list_for_each_entry(e, &szkm_jr.list, node) {
		if (e->uid)
			users++;
		if (e->uid == uid)
			mine++;
	}
	if (mine >= journal_per_uid) {
		pr_info_ratelimited("uid %u has %u events waiting for the ledger: journal_per_uid reached\n",
				    uid, mine);
		return -EDQUOT;
	}
	if (users + journal_reserve >= journal_max) {
		pr_info_ratelimited("non-root users have %u events waiting for the ledger: the rest (journal_reserve %u) is kept for root and the kernel\n",
				    users, journal_reserve);
		return -EDQUOT;
	}
	return 0;
}

int szkm_journal_append(u8 *body, size_t len, struct key *owner,
			const struct szkm_change *ch, bool fresh)
{
	struct szkm_jent *e;
	LIST_HEAD(dropped);
	u8 hash[32];
	int ret;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	mutex_lock(&szkm_jr.lock);
	if (fresh) {
		/* A new device: what the old one journalled can never be acked. */
		szkm_jr_take_all(&dropped);
		szkm_jr.positioned = true;
		szkm_registry_fresh();
	}
	if (!szkm_jr.positioned) {
		pr_info_ratelimited("event chain not resumed since the module loaded: start ledgerd (or szkmctl events listen)\n");
		ret = -EBUSY;
		goto out;
	}
	if (szkm_jr.count >= journal_max) {
		pr_info_ratelimited("journal full: %u events wait for the ledger (is ledgerd running?)\n",
				    szkm_jr.count);
		ret = -EBUSY;
		goto out;
	}
	e->uid = szkm_jr_caller();
	ret = szkm_jr_fair(e->uid);
	if (ret)
		goto out;
	ret = szkm_registry_prepare(body, len) ?:
	      szkm_event_seal(body, len, szkm_jr.last_seq + 1, szkm_jr.last_hash, hash, e->sig);
	if (ret)
		goto out;
	e->seq = ++szkm_jr.last_seq;
	szkm_registry_commit(body, len, e->seq);
	memcpy(szkm_jr.last_hash, hash, sizeof(hash));
	e->body = body;
	e->len = len;
	if (ch && ch->kind != SZKM_CHANGE_NONE && owner) {
		e->owner = key_get(owner);
		e->change = *ch;
	}
	list_add_tail(&e->node, &szkm_jr.list);
	szkm_jr.count++;
	szkm_netlink_multicast_event(e->seq, body, len, e->sig);
	e = NULL;
out:
	mutex_unlock(&szkm_jr.lock);
	kfree(e);
	szkm_jr_free(&dropped);
	return ret;
}

void szkm_journal_reset(void)
{
	LIST_HEAD(dropped);
	unsigned int n;

	mutex_lock(&szkm_jr.lock);
	n = szkm_jr_take_all(&dropped);
	szkm_jr.positioned = false;
	szkm_registry_forget();
	mutex_unlock(&szkm_jr.lock);
	szkm_jr_free(&dropped);
	if (n)
		pr_notice("%u events of the replaced device never reached the ledger: dropped\n", n);
}

static struct szkm_jent *szkm_jr_find(u64 seq)
{
	struct szkm_jent *e;

	list_for_each_entry(e, &szkm_jr.list, node)
		if (e->seq == seq)
			return e;
	return NULL;
}

/* The new checkpoint continues the last one accepted (caller holds the lock). */
static int szkm_jr_consistent(const struct szkm_checkpoint *cp, const u8 *cons,
			      size_t ncons, const char **why)
{
	if (!szkm_jr.have_cp)
		return 0;	/* the first since load: its signatures are all we have */
	return szkm_merkle_consistency_verify(&szkm_jr.cp, cp, cons, ncons, why);
}

int szkm_journal_consistent(const struct szkm_checkpoint *cp, const u8 *cons,
			    size_t ncons, const char **why)
{
	int ret;

	mutex_lock(&szkm_jr.lock);
	ret = szkm_jr_consistent(cp, cons, ncons, why);
	mutex_unlock(&szkm_jr.lock);
	return ret;
}

int szkm_journal_prove(const struct szkm_checkpoint *cp, const u8 *cons,
		       size_t ncons, const struct szkm_event_proof *p,
		       unsigned int n, const char **why)
{
	struct szkm_jent **found;
	unsigned int i, nfound = 0;
	u8 leaf[32];
	int ret;

	found = kcalloc(n ?: 1, sizeof(*found), GFP_KERNEL);
	if (!found)
		return -ENOMEM;
	mutex_lock(&szkm_jr.lock);
	ret = szkm_jr_consistent(cp, cons, ncons, why);
	for (i = 0; i < n && !ret; i++) {
		struct szkm_jent *e = szkm_jr_find(p[i].seq);

		if (!e) {
			/* Proven before (a retried proof): nothing to do. */
			if (p[i].seq && p[i].seq <= szkm_jr.last_seq)
				continue;
			*why = SZKM_MSG("a proof names an event that was never sent");
			ret = -EINVAL;
			break;
		}
		szkm_ledger_event_leaf(e->body, e->len, e->sig, leaf);
		ret = szkm_merkle_inclusion_verify(p[i].index, leaf, cp, p[i].path,
						   p[i].n, why);
		if (!ret)
			found[nfound++] = e;
	}
	if (!ret) {
		for (i = 0; i < nfound; i++) {
			/* One event named twice in a message is removed once. */
			if (list_empty(&found[i]->node)) {
				found[i] = NULL;
				continue;
			}
			list_del_init(&found[i]->node);
			szkm_jr.count--;
		}
		szkm_jr.cp = *cp;
		szkm_jr.have_cp = true;
	}
	mutex_unlock(&szkm_jr.lock);
	if (!ret)
		for (i = 0; i < nfound; i++)
			if (found[i])
				szkm_jr_release(found[i]);
	kfree(found);
	return ret;
}

int szkm_journal_resume_proven(const struct szkm_checkpoint *cp,
			       const u8 *body, size_t len,
			       const u8 sig[SZKM_EVENT_SIG_LEN],
			       const struct szkm_event_proof *p, const char **why)
{
	u8 id[SZKM_DEVICE_ID_LEN], hash[32], leaf[32];
	u64 seq;
	int ret;

	*why = SZKM_MSG("the resume point is not an event of this device");
	if (len < SZKM_EVENT_FIXED_LEN || len > SZKM_EVENT_MAX_LEN ||
	    memcmp(body, SZKM_EVENT_MAGIC, 4) || szkm_device_id(id) ||
	    memcmp(body + SZKM_EV_OFF_DEVICE_ID, id, sizeof(id)))
		return -EINVAL;
	seq = get_unaligned_be64(body + SZKM_EV_OFF_SEQ);
	if (!seq || seq != p->seq)
		return -EINVAL;
	sha256(body, len, hash);
	if (szkm_device_verify(hash, sig)) {
		*why = SZKM_MSG("the resume point's signature is not this device's (forged)");
		return -EBADMSG;
	}
	if (!szkm_event_sig_canonical(body, len, sig)) {
		*why = SZKM_MSG("the resume point's signature has a high S, which its format forbids (a twin of the device's)");
		return -EBADMSG;
	}
	szkm_event_link(body, len, sig, hash);	/* by its format: what comes next names */
	szkm_ledger_event_leaf(body, len, sig, leaf);
	ret = szkm_merkle_inclusion_verify(p->index, leaf, cp, p->path, p->n, why);
	if (ret)
		return ret;
	mutex_lock(&szkm_jr.lock);
	if (szkm_jr.positioned) {
		*why = SZKM_MSG("the event chain is already positioned");
		ret = -EALREADY;
	} else {
		szkm_jr.last_seq = seq;
		memcpy(szkm_jr.last_hash, hash, 32);
		szkm_jr.positioned = true;
		szkm_jr.cp = *cp;
		szkm_jr.have_cp = true;
		szkm_registry_resumed(seq, hash);
		pr_info("event chain resumed after event %llu, proven by the ledger's checkpoint of size %llu\n",
			seq, cp->size);
	}
	mutex_unlock(&szkm_jr.lock);
	return ret;
}

/* cb->args[0]: the last sequence number sent in this dump. */
int szkm_journal_dump(struct sk_buff *skb, struct netlink_callback *cb, u64 from)
{
	struct szkm_jent *e;
	u64 after = max_t(u64, from, cb->args[0]);
	int ret = 0;

	mutex_lock(&szkm_jr.lock);
	list_for_each_entry(e, &szkm_jr.list, node) {
		void *hdr;

		if (e->seq <= after)
			continue;
		hdr = szkm_netlink_dump_put(skb, cb, SZKM_CMD_EVENT);
		if (!hdr || szkm_netlink_put_event(skb, e->seq, e->body, e->len, e->sig)) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = e->seq;
		ret = skb->len;
	}
	mutex_unlock(&szkm_jr.lock);
	return ret;
}

void szkm_journal_status(bool *positioned, u64 *last_seq, u32 *pending,
			 u64 *proven)
{
	mutex_lock(&szkm_jr.lock);
	*positioned = szkm_jr.positioned;
	*last_seq = szkm_jr.last_seq;
	*pending = szkm_jr.count;
	*proven = szkm_jr.have_cp ? szkm_jr.cp.size : 0;
	mutex_unlock(&szkm_jr.lock);
}

int __init szkm_journal_init(void)
{
	mutex_init(&szkm_jr.lock);
	INIT_LIST_HEAD(&szkm_jr.list);
	return 0;
}

void szkm_journal_uninit(void)
{
	szkm_jr_free(&szkm_jr.list);
}
