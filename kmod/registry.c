// SPDX-License-Identifier: GPL-2.0
/*
 * registry.c - the key registry (include/szkm.h): rollback protection.
 * Each key the device recorded has a mark, the sequence number of its last
 * state-changing event, which every blob of the key carries; a blob loads
 * only at the current mark and only while no other key object holds the
 * key. The marks come from the journal as events are made, or, after an
 * unseal, from the device's chain as the ledger holds it: the bodies are
 * chained by their previous-hash fields up to the event the ledger proved
 * at resume, so none of them needs its own proof. Nothing loads until the
 * ledger has also proven the DEVICE_RESUME event that follows them, which
 * it takes only if the resume point was really the device's last event.
 */
#include "registry.h"
#include "device.h"
#include "journal.h"
#include "szkm_main.h"

#include <crypto/sha2.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "kcompat.h"

struct szkm_reg_ent {
	struct rb_node node;
	u8 id[SZKM_KEY_ID_LEN];
	u64 mark;		/* 0: a new key with no event yet */
	bool proven;		/* the ledger holds the mark's event */
	bool live;
};

static struct {
	struct mutex lock;
	struct rb_root root;
	enum szkm_registry_state state;
	u64 cur_seq;		/* restore: the last event taken */
	u8 cur_hash[32];	/* its link (szkm_event_link) */
	u64 end_seq;		/* restore: the proven resume point */
	u8 end_hash[32];	/* its link */
	u64 resume_seq;		/* PROVING: the DEVICE_RESUME event */
} reg;

/* The entry for @id; when missing, NULL, or with @make a new one (NULL only
 * when out of memory). Caller locks. */
static struct szkm_reg_ent *reg_lookup(const u8 *id, bool make)
{
	struct rb_node **p = &reg.root.rb_node, *parent = NULL;
	struct szkm_reg_ent *e;

	while (*p) {
		int c;

		parent = *p;
		e = rb_entry(parent, struct szkm_reg_ent, node);
		c = memcmp(id, e->id, SZKM_KEY_ID_LEN);
		if (!c)
			return e;
		p = c < 0 ? &parent->rb_left : &parent->rb_right;
	}
	if (!make)
		return NULL;
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return NULL;
	memcpy(e->id, id, SZKM_KEY_ID_LEN);
	rb_link_node(&e->node, parent, p);
	rb_insert_color(&e->node, &reg.root);
	return e;
}

static struct szkm_reg_ent *reg_find(const u8 *id) { return reg_lookup(id, false); }
static struct szkm_reg_ent *reg_get(const u8 *id) { return reg_lookup(id, true); }

/* Empties the registry; key objects alive keep their claim (caller locks). */
static void reg_clear(void)
{
	struct szkm_reg_ent *e, *tmp;

	rbtree_postorder_for_each_entry_safe(e, tmp, &reg.root, node)
		kfree(e);
	reg.root = RB_ROOT;
	reg.cur_seq = 0;
	memset(reg.cur_hash, 0, sizeof(reg.cur_hash));
}

static bool ev_changes_key(const u8 *body, size_t len)
{
	return len >= SZKM_EVENT_FIXED_LEN_V1 && SZKM_EV_CHANGES_KEY(body[SZKM_EV_OFF_TYPE]);
}

enum szkm_registry_state szkm_registry_state(void)
{
	enum szkm_registry_state s;

	mutex_lock(&reg.lock);
	s = reg.state;
	mutex_unlock(&reg.lock);
	return s;
}

void szkm_registry_fresh(void)
{
	mutex_lock(&reg.lock);
	reg_clear();
	reg.state = SZKM_REG_READY;
	mutex_unlock(&reg.lock);
}

void szkm_registry_forget(void)
{
	mutex_lock(&reg.lock);
	reg_clear();
	reg.state = SZKM_REG_NONE;
	mutex_unlock(&reg.lock);
}

void szkm_registry_resumed(u64 seq, const u8 hash[32])
{
	mutex_lock(&reg.lock);
	reg_clear();
	reg.state = SZKM_REG_RESTORING;
	reg.end_seq = seq;
	memcpy(reg.end_hash, hash, 32);
	mutex_unlock(&reg.lock);
}

int szkm_registry_prepare(const u8 *body, size_t len)
{
	int ret = 0;

	if (!ev_changes_key(body, len))
		return 0;
	mutex_lock(&reg.lock);
	if (!reg_get(body + SZKM_EV_OFF_KEY_ID))
		ret = -ENOMEM;
	mutex_unlock(&reg.lock);
	return ret;
}

void szkm_registry_commit(const u8 *body, size_t len, u64 seq)
{
	struct szkm_reg_ent *e;

	mutex_lock(&reg.lock);
	if (ev_changes_key(body, len)) {
		e = reg_find(body + SZKM_EV_OFF_KEY_ID);
		if (!WARN_ON_ONCE(!e)) {
			e->mark = seq;
			e->proven = false;
		}
	} else if (len > SZKM_EV_OFF_TYPE && body[SZKM_EV_OFF_TYPE] == SZKM_EV_DEVICE_RESUME &&
		   reg.state == SZKM_REG_RESTORING) {
		reg.state = SZKM_REG_PROVING;
		reg.resume_seq = seq;
	}
	mutex_unlock(&reg.lock);
}

void szkm_registry_proven(const u8 *body, size_t len, u64 seq)
{
	struct szkm_reg_ent *e;

	mutex_lock(&reg.lock);
	if (ev_changes_key(body, len)) {
		e = reg_find(body + SZKM_EV_OFF_KEY_ID);
		if (e && e->mark == seq)
			e->proven = true;
	} else if (len > SZKM_EV_OFF_TYPE && body[SZKM_EV_OFF_TYPE] == SZKM_EV_DEVICE_RESUME &&
		   reg.state == SZKM_REG_PROVING && seq == reg.resume_seq) {
		reg.state = SZKM_REG_READY;
		pr_info("key registry ready: the ledger proved the resume (event %llu)\n", seq);
	}
	mutex_unlock(&reg.lock);
}

/*
 * One body of the restore (caller locks): chained to the one before. @sig
 * (NULL: none given) is not verified, only hashed into a format-3 or 4
 * link, so a wrong one breaks the chain at the next body or at the resume
 * point; a format-4 one must have a low S.
 */
static int reg_take(const u8 *body, size_t len, const u8 *sig,
		    const u8 dev[SZKM_DEVICE_ID_LEN], const char **why)
{
	struct szkm_reg_ent *e;
	u64 seq;

	if (len < SZKM_EVENT_FIXED_LEN_V1 || len > SZKM_EVENT_MAX_LEN ||
	    memcmp(body, SZKM_EVENT_MAGIC, 4) ||
	    memcmp(body + SZKM_EV_OFF_DEVICE_ID, dev, SZKM_DEVICE_ID_LEN)) {
		*why = SZKM_MSG("a restored event is not an event of this device");
		return -EINVAL;
	}
	seq = get_unaligned_be64(body + SZKM_EV_OFF_SEQ);
	if (seq != reg.cur_seq + 1 || seq > reg.end_seq) {
		*why = SZKM_MSG("restored events must run from seq 1 to the resume point, in order");
		return -EINVAL;
	}
	if (!sig && body[4] >= 3) {
		*why = SZKM_MSG("a restored format-3 or 4 event needs its signature (its link covers it)");
		return -EINVAL;
	}
	if (sig && !szkm_event_sig_canonical(body, len, sig)) {
		*why = SZKM_MSG("a restored event's signature has a high S, which its format forbids");
		return -EBADMSG;
	}
	if (memcmp(body + SZKM_EV_OFF_PREV, reg.cur_hash, 32)) {
		*why = SZKM_MSG("a restored event does not chain to the one before it (forged or reordered)");
		return -EBADMSG;
	}
	if (ev_changes_key(body, len)) {
		e = reg_get(body + SZKM_EV_OFF_KEY_ID);
		if (!e)
			return -ENOMEM;
		e->mark = seq;
		e->proven = true;	/* in the ledger, up to the proven resume */
	}
	reg.cur_seq = seq;
	szkm_event_link(body, len, sig, reg.cur_hash);
	return 0;
}

int szkm_registry_restore(const u8 *const *body, const size_t *len,
			  const u8 *const *sig, unsigned int n, const char **why)
{
	u8 dev[SZKM_DEVICE_ID_LEN];
	unsigned int i;
	int ret = 0;

	*why = SZKM_MSG("the device is not ready");
	if (szkm_device_id(dev))
		return -ENOKEY;
	mutex_lock(&reg.lock);
	if (reg.state != SZKM_REG_RESTORING) {
		*why = reg.state == SZKM_REG_NONE ?
			SZKM_MSG("resume the event chain first: the restore runs up to the proven resume point") :
			SZKM_MSG("the key registry is restored already");
		ret = -EALREADY;
		goto out;
	}
	if (n && len[0] >= SZKM_EV_OFF_SEQ + 8 &&
	    get_unaligned_be64(body[0] + SZKM_EV_OFF_SEQ) == 1)
		reg_clear();	/* starts over */
	for (i = 0; i < n && !ret; i++)
		ret = reg_take(body[i], len[i], sig[i], dev, why);
	if (!ret && reg.cur_seq == reg.end_seq) {
		if (memcmp(reg.cur_hash, reg.end_hash, 32)) {	/* public hashes */
			*why = SZKM_MSG("the restored chain does not end at the proven resume point");
			ret = -EBADMSG;
		} else {
			ret = 1;
		}
	}
	if (ret < 0)
		reg_clear();	/* nothing half-taken counts */
out:
	mutex_unlock(&reg.lock);
	return ret;
}

int szkm_registry_claim(const u8 id[SZKM_KEY_ID_LEN], u64 mark, bool load,
			const char *name, bool *proven)
{
	struct szkm_reg_ent *e;
	int ret = 0;

	mutex_lock(&reg.lock);
	if (reg.state != SZKM_REG_READY) {
		pr_info_ratelimited("'%s': the key registry waits for %s: no key is made or loaded until then\n",
				    name, reg.state == SZKM_REG_PROVING ?
				    "the ledger to prove the resume" :
				    "the ledger's chain (start ledgerd or szkmctl events listen)");
		ret = -EAGAIN;
		goto out;
	}
	e = load ? reg_find(id) : NULL;
	if (load && (!e || !e->mark)) {
		pr_info_ratelimited("load '%s': this device's ledger chain has no record of the key\n", name);
		ret = -EKEYREJECTED;
	} else if (load && e->live) {
		pr_info_ratelimited("load '%s': the key is live already; one blob loads once\n", name);
		ret = -EEXIST;
	} else if (load && mark != e->mark) {
		pr_info_ratelimited("load '%s': blob is from event %llu, the key's last change is event %llu: %s\n",
				    name, mark, e->mark, mark < e->mark ?
				    "an older blob (rollback refused)" : "not a state the ledger recorded");
		ret = -EKEYREJECTED;
	} else if (!load) {
		if (reg_find(id)) {
			ret = -EEXIST;
			goto out;
		}
		e = reg_get(id);
		if (!e)
			ret = -ENOMEM;
	}
	if (!ret) {
		e->live = true;
		if (proven)
			*proven = e->proven;
	}
out:
	mutex_unlock(&reg.lock);
	return ret;
}

void szkm_registry_release(const u8 id[SZKM_KEY_ID_LEN])
{
	struct szkm_reg_ent *e;

	mutex_lock(&reg.lock);
	e = reg_find(id);
	if (e)
		e->live = false;
	mutex_unlock(&reg.lock);
}

u64 szkm_registry_mark(const u8 id[SZKM_KEY_ID_LEN])
{
	struct szkm_reg_ent *e;
	u64 mark;

	mutex_lock(&reg.lock);
	e = reg_find(id);
	mark = e ? e->mark : 0;
	mutex_unlock(&reg.lock);
	return mark;
}

int szkm_registry_init(void)
{
	mutex_init(&reg.lock);
	reg.root = RB_ROOT;
	reg.state = SZKM_REG_NONE;
	return 0;
}

void szkm_registry_uninit(void)
{
	mutex_lock(&reg.lock);
	reg_clear();
	mutex_unlock(&reg.lock);
}
