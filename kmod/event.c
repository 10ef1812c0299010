// SPDX-License-Identifier: GPL-2.0
/*
 * event.c - the canonical event bytes of include/szkm.h, built field by
 * field in the one order the header fixes, then signed by the device
 * identity key over SHA-256 of those bytes. The journal (journal.c) gives
 * each event its sequence number and previous hash.
 */
#include "event.h"
#include "device.h"
#include "journal.h"
#include "key.h"
#include "tpm2.h"
#include "crypto/p256.h"

#include <crypto/sha2.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/ktime.h>
#include <linux/audit.h>
#include <linux/cred.h>
#include <linux/sched.h>
#include "kcompat.h"

struct szkm_ev_writer {
	u8 *p;
	u8 *end;
};

static void w_bytes(struct szkm_ev_writer *w, const void *d, size_t n)
{
	if (WARN_ON_ONCE(w->p + n > w->end))
		return;
	if (d)
		memcpy(w->p, d, n);
	else
		memset(w->p, 0, n);
	w->p += n;
}

static void w_u8(struct szkm_ev_writer *w, u8 v) { w_bytes(w, &v, 1); }
static void w_be16(struct szkm_ev_writer *w, u16 v) { __be16 b = cpu_to_be16(v); w_bytes(w, &b, 2); }
static void w_be32(struct szkm_ev_writer *w, u32 v) { __be32 b = cpu_to_be32(v); w_bytes(w, &b, 4); }
static void w_be64(struct szkm_ev_writer *w, u64 v) { __be64 b = cpu_to_be64(v); w_bytes(w, &b, 8); }

/*
 * A device event (DEVICE_INIT, DEVICE_RESUME) names what the device's root key is sealed to, in
 * its name field (SZKM_EV_DEVICE_BINDING_FMT) and its policy digest field
 * (the TPM2 policy digest), so the ledger records the binding.
 */
static size_t szkm_event_binding(u8 type, char name[SZKM_NAME_MAX + 1],
				 u8 policy[32])
{
	struct szkm_tpm2_binding *b;
	size_t n = 0;

	memset(policy, 0, 32);
	if (!SZKM_EV_IS_DEVICE(type))
		return 0;
	b = kmalloc(sizeof(*b), GFP_KERNEL);
	if (b && !szkm_device_binding(b)) {
		n = snprintf(name, SZKM_NAME_MAX + 1, SZKM_EV_DEVICE_BINDING_FMT,
			     b->lock_pcr, b->boot_pcrs, b->pin ? "pin" : "no-pin");
		memcpy(policy, b->policy, 32);
	}
	kfree(b);
	return min_t(size_t, n, SZKM_NAME_MAX);
}

/*
 * Who caused the event: the calling process, or the kernel's own work (a
 * kernel thread: the rotation service's workqueue), which names no one.
 */
static void szkm_event_actor(struct szkm_ev_writer *w)
{
	char comm[TASK_COMM_LEN];

	BUILD_BUG_ON(TASK_COMM_LEN != SZKM_COMM_LEN);
	if (current->flags & PF_KTHREAD) {
		w_u8(w, SZKM_ACTOR_KERNEL);
		w_be32(w, 0);
		w_be32(w, SZKM_AUID_UNSET);
		w_be32(w, 0);
		w_bytes(w, NULL, SZKM_COMM_LEN);
		return;
	}
	get_task_comm(comm, current);
	w_u8(w, SZKM_ACTOR_PROCESS);
	w_be32(w, from_kuid_munged(&init_user_ns, current_uid()));
	w_be32(w, from_kuid(&init_user_ns, audit_get_loginuid(current)));
	w_be32(w, task_tgid_nr(current));
	w_bytes(w, comm, SZKM_COMM_LEN);
}

static int szkm_event_build(u8 type, struct szkm_key *k, struct szkm_ver *v,
			    const u8 *dev_pub, u32 grantee, u8 *buf, size_t *len)
{
	struct szkm_ev_writer w = { buf, buf + SZKM_EVENT_MAX_LEN };
	u8 id[SZKM_DEVICE_ID_LEN], policy[32];
	char dname[SZKM_NAME_MAX + 1];
	size_t dlen = szkm_event_binding(type, dname, policy);
	size_t nlen = k ? strlen(k->name) : dlen;
	const u8 *pub = dev_pub;
	u8 publen = dev_pub ? SZKM_P256_PUB_LEN : 0;
	int ret;

	ret = szkm_device_id(id);
	if (ret)
		return ret;
	if (v && v->pub_len) {
		pub = v->pub;
		publen = v->pub_len;
	}
	w_bytes(&w, SZKM_EVENT_MAGIC, 4);
	w_u8(&w, SZKM_EVENT_FORMAT);
	w_u8(&w, type);
	w_be16(&w, szkm_device_test_mode() ? SZKM_EVF_TEST_MODE : 0);
	w_bytes(&w, id, sizeof(id));
	w_be64(&w, 0);			/* seq: the journal's */
	w_bytes(&w, NULL, 32);		/* prev hash: the journal's */
	w_be64(&w, ktime_get_real_ns());
	w_bytes(&w, k ? k->id : NULL, SZKM_KEY_ID_LEN);
	w_u8(&w, nlen);
	w_bytes(&w, k ? k->name : dname, nlen);
	w_be32(&w, v ? v->ver : 0);
	w_u8(&w, k ? k->alg : 0);
	w_u8(&w, v ? v->state : 0);
	w_u8(&w, v ? v->origin : 0);
	w_u8(&w, publen);
	w_bytes(&w, pub, publen);
	w_be64(&w, k ? k->policy.rotate_secs : 0);
	w_be64(&w, k ? k->policy.max_uses : 0);
	w_be32(&w, k ? k->policy.min_version : 0);
	w_u8(&w, k ? k->policy.ledger : 0);
	w_bytes(&w, policy, 32);	/* keys: no access policies yet */
	szkm_event_actor(&w);
	if (SZKM_EV_HAS_GRANTEE(type))
		w_be32(&w, grantee);
	*len = w.p - buf;
	return 0;
}

void szkm_event_link(const u8 *body, size_t len, const u8 sig[SZKM_EVENT_SIG_LEN],
		     u8 link[32])
{
	struct sha256_state st;

	sha256_init(&st);
	sha256_update(&st, body, len);
	if (len > 4 && body[4] >= 3)	/* formats 3 and 4 */
		sha256_update(&st, sig, SZKM_EVENT_SIG_LEN);
	sha256_final(&st, link);
}

bool szkm_event_sig_canonical(const u8 *body, size_t len,
			      const u8 sig[SZKM_EVENT_SIG_LEN])
{
	return len <= 4 || body[4] < 4 || (sig && szkm_p256_sig_is_low_s(sig));
}

/* Called by the journal, under its lock, once seq and prev are known. */
int szkm_event_seal(u8 *body, size_t len, u64 seq, const u8 prev[32],
		    u8 link[32], u8 sig[SZKM_EVENT_SIG_LEN])
{
	u8 hash[32];
	int ret;

	put_unaligned_be64(seq, body + SZKM_EV_OFF_SEQ);
	memcpy(body + SZKM_EV_OFF_PREV, prev, 32);
	sha256(body, len, hash);
	ret = szkm_device_sign(hash, sig);
	if (!ret)
		szkm_event_link(body, len, sig, link);
	return ret;
}

static int szkm_event_submit(u8 type, struct key *owner, struct szkm_key *k,
			     struct szkm_ver *v, const struct szkm_change *ch,
			     const u8 *dev_pub, bool fresh_chain, u32 grantee)
{
	size_t len;
	u8 *body;
	int ret;

	body = kmalloc(SZKM_EVENT_MAX_LEN, GFP_KERNEL);
	if (!body)
		return -ENOMEM;
	ret = szkm_event_build(type, k, v, dev_pub, grantee, body, &len);
	if (!ret)
		ret = szkm_journal_append(body, len, owner, ch, fresh_chain);
	if (ret)
		kfree(body);	/* on success the journal owns it */
	return ret;
}

int szkm_event_emit(u8 type, struct key *owner, struct szkm_key *k, struct szkm_ver *v)
{
	struct szkm_change ch = { .kind = SZKM_CHANGE_ACTIVATE };

	if (!v || v->state != SZKM_VS_PENDING)
		return szkm_event_submit(type, owner, k, v, NULL, NULL, false, 0);
	ch.ver = v->ver;
	return szkm_event_submit(type, owner, k, v, &ch, NULL, false, 0);
}

int szkm_event_emit_change(u8 type, struct key *owner, struct szkm_key *k,
			   struct szkm_ver *v, const struct szkm_change *ch)
{
	return szkm_event_submit(type, owner, k, v, ch, NULL, false, 0);
}

int szkm_event_emit_grant(u8 type, struct key *owner, struct szkm_key *k,
			  const struct szkm_change *ch, bool wait)
{
	return szkm_event_submit(type, owner, k, szkm_key_active(k), wait ? ch : NULL, NULL,
				 false, ch->uid);
}

int szkm_event_device_init(const u8 pub[SZKM_P256_PUB_LEN])
{
	return szkm_event_submit(SZKM_EV_DEVICE_INIT, NULL, NULL, NULL, NULL, pub, true, 0);
}

int szkm_event_device_resume(void)
{
	u8 pub[SZKM_P256_PUB_LEN];

	return szkm_device_pubkey(pub) ?:
	       szkm_event_submit(SZKM_EV_DEVICE_RESUME, NULL, NULL, NULL, NULL, pub, false, 0);
}
