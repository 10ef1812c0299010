// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the generic netlink family "szkm": device status, lifecycle
 * (init, unseal, lock) and identity; journal proofs and replay; the
 * ledger membership the device follows; a key's
 * public metadata and its export bundle. The
 * ABI is documented in include/szkm.h. No secret byte is ever put in a
 * message.
 */
#include "netlink.h"
#include "keytype.h"
#include "key.h"
#include "tpm2.h"
#include "device.h"
#include "szkm_main.h"
#include "event.h"
#include "journal.h"
#include "registry.h"
#include "bundle.h"
#include "ledger_members.h"
#include "kcompat.h"

#include <crypto/sha2.h>
#include <linux/mutex.h>
#include <net/genetlink.h>

static struct genl_family szkm_genl_family;
static const struct nla_policy szkm_nl_policy[SZKM_A_MAX + 1];

/*
 * GENL_ADMIN_PERM means CAP_NET_ADMIN; device and key lifecycle is a key
 * manager's business, so every command also needs CAP_SYS_ADMIN.
 */
static int szkm_nl_admin(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return 0;
	GENL_SET_ERR_MSG(info, "szkm: CAP_SYS_ADMIN required");
	return -EPERM;
}

/*
 * The extended ack for a reason chosen at run time (GENL_SET_ERR_MSG wants
 * a literal): @why is always a static string.
 */
static void szkm_nl_why(struct genl_info *info, const char *why)
{
	if (info->extack && why)
		info->extack->_msg = why;
}

/* The device's TPM binding, for STATUS; the lock PCR read from the TPM. */
static int szkm_nl_put_binding(struct sk_buff *msg)
{
	struct szkm_tpm2_binding *b;
	int capped, ret = 0;

	if (nla_put_u8(msg, SZKM_A_TPM_SESSION, szkm_tpm2_session_state()))
		return -EMSGSIZE;
	b = kmalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	if (szkm_device_binding(b))
		goto out;	/* no device, or test mode: nothing bound */
	capped = szkm_tpm2_pcr_capped(b->lock_pcr);
	if (nla_put_u8(msg, SZKM_A_LOCK_PCR, b->lock_pcr) ||
	    (capped >= 0 && nla_put_u8(msg, SZKM_A_PCR_CAPPED, capped)) ||
	    nla_put_u32(msg, SZKM_A_BOOT_PCRS, b->boot_pcrs) ||
	    nla_put_u8(msg, SZKM_A_PIN_SET, b->pin) ||
	    nla_put(msg, SZKM_A_TPM_POLICY, sizeof(b->policy), b->policy) ||
	    nla_put_u64_64bit(msg, SZKM_A_TPM_COUNTER, b->nv_value, SZKM_A_UNSPEC))
		ret = -EMSGSIZE;
out:
	kfree(b);
	return ret;
}

/* The device's ledger keys (verifier key strings) and threshold, for STATUS. */
static int szkm_nl_put_ledger(struct sk_buff *msg)
{
	struct szkm_ledger_trust *t = kmalloc(sizeof(*t), GFP_KERNEL);
	struct nlattr *nest;
	unsigned int i;
	int ret = 0;

	if (!t)
		return -ENOMEM;
	if (szkm_device_ledger(t) || !t->nkeys)
		goto out;
	ret = -EMSGSIZE;
	if (nla_put_u8(msg, SZKM_A_LEDGER_THRESHOLD, t->threshold) ||
	    nla_put_u64_64bit(msg, SZKM_A_MEMBERS_EPOCH, t->epoch, SZKM_A_UNSPEC) ||
	    (t->epoch && nla_put(msg, SZKM_A_MEMBERS_HASH, 32, t->members)))
		goto out;
	nest = nla_nest_start(msg, SZKM_A_LEDGER_KEYS);
	if (!nest)
		goto out;
	for (i = 0; i < t->nkeys; i++)
		if (nla_put_string(msg, SZKM_A_LEDGER_KEY, t->keys[i].name))
			goto out;
	nla_nest_end(msg, nest);
	ret = 0;
out:
	kfree(t);
	return ret;
}

static int szkm_nl_status(struct sk_buff *skb, struct genl_info *info)
{
	enum szkm_device_state st = szkm_device_state();
	u8 id[SZKM_DEVICE_ID_LEN];
	struct sk_buff *msg;
	bool positioned;
	u64 last_seq, proven;
	u32 pending;
	void *hdr;
	int ret;

	ret = szkm_nl_admin(skb, info);
	if (ret)
		return ret;
	szkm_device_id(id);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &szkm_genl_family, 0, SZKM_CMD_STATUS);
	if (!hdr)
		goto nospace;
	if (nla_put_string(msg, SZKM_A_VERSION, SZKM_VERSION) ||
	    nla_put_u32(msg, SZKM_A_STATE, st) ||
	    nla_put_u32(msg, SZKM_A_TPM, szkm_tpm2_state()) ||
	    nla_put_u8(msg, SZKM_A_TEST_MODE, szkm_device_test_mode()) ||
	    nla_put_u32(msg, SZKM_A_NKEYS, szkm_keytype_count()))
		goto nospace;
	if (st != SZKM_DEV_UNINITIALISED &&
	    nla_put(msg, SZKM_A_DEVICE_ID, SZKM_DEVICE_ID_LEN, id))
		goto nospace;
	szkm_journal_status(&positioned, &last_seq, &pending, &proven);
	if (nla_put_u8(msg, SZKM_A_CHAIN, positioned) ||
	    nla_put_u8(msg, SZKM_A_REGISTRY, szkm_registry_state()) ||
	    nla_put_u64_64bit(msg, SZKM_A_SEQ, last_seq, SZKM_A_UNSPEC) ||
	    nla_put_u32(msg, SZKM_A_JOURNAL, pending) ||
	    nla_put_u64_64bit(msg, SZKM_A_LEDGER_SIZE, proven, SZKM_A_UNSPEC))
		goto nospace;
	if (szkm_nl_put_ledger(msg))
		goto nospace;
	if (szkm_nl_put_binding(msg))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * A reply with public attributes only: the device id and, when @pub, the
 * public key; when @blob, the device blob (sealed: no secret in it).
 */
static int szkm_nl_reply_device(struct genl_info *info, u8 cmd,
				const u8 *blob, size_t bloblen, bool pub)
{
	u8 id[SZKM_DEVICE_ID_LEN], key[SZKM_P256_PUB_LEN];
	struct sk_buff *msg;
	void *hdr;

	szkm_device_id(id);
	if (pub && szkm_device_pubkey(key)) {
		GENL_SET_ERR_MSG(info, "szkm: no device: run szkmctl device init or unseal");
		return -ENOKEY;
	}
	msg = genlmsg_new(nla_total_size(bloblen) + 2 * nla_total_size(SZKM_P256_PUB_LEN),
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &szkm_genl_family, 0, cmd);
	if (!hdr ||
	    (blob && nla_put(msg, SZKM_A_DEVICE_BLOB, bloblen, blob)) ||
	    nla_put(msg, SZKM_A_DEVICE_ID, SZKM_DEVICE_ID_LEN, id) ||
	    (pub && nla_put(msg, SZKM_A_PUBKEY, SZKM_P256_PUB_LEN, key))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * The ledger keys a new device will believe: each a C2SP verifier key
 * string, parsed and checked here; the threshold defaults to a majority.
 */
static int szkm_nl_ledger_keys(struct genl_info *info, struct szkm_ledger_trust *t)
{
	struct nlattr *keys = info->attrs[SZKM_A_LEDGER_KEYS], *a;
	struct nlattr *th = info->attrs[SZKM_A_LEDGER_THRESHOLD];
	const char *why;
	unsigned int i;
	int rem, ret;

	if (!keys) {
		GENL_SET_ERR_MSG(info, "szkm: a device needs the ledger's verifier key (SZKM_A_LEDGER_KEYS; szkmctl device init --ledger-key): the kernel believes only the ledger's proofs");
		return -EINVAL;
	}
	nla_for_each_nested(a, keys, rem) {
		if (nla_type(a) != SZKM_A_LEDGER_KEY) {
			GENL_SET_ERR_MSG(info, "szkm: SZKM_A_LEDGER_KEYS holds SZKM_A_LEDGER_KEY entries only");
			return -EINVAL;
		}
		if (t->nkeys == SZKM_LEDGER_KEYS_MAX) {
			GENL_SET_ERR_MSG(info, "szkm: too many ledger keys (at most 8)");
			return -E2BIG;
		}
		ret = szkm_ledger_vkey_parse(&t->keys[t->nkeys], nla_data(a),
					     strnlen(nla_data(a), nla_len(a)), &why);
		if (ret) {
			szkm_nl_why(info, why);
			return ret;
		}
		for (i = 0; i < t->nkeys; i++)
			if (!strcmp(t->keys[i].name, t->keys[t->nkeys].name)) {
				GENL_SET_ERR_MSG(info, "szkm: two ledger keys with one name");
				return -EINVAL;
			}
		t->nkeys++;
	}
	if (!t->nkeys) {
		GENL_SET_ERR_MSG(info, "szkm: SZKM_A_LEDGER_KEYS is empty");
		return -EINVAL;
	}
	t->threshold = th ? nla_get_u8(th) : t->nkeys / 2 + 1;
	if (!t->threshold || t->threshold > t->nkeys) {
		GENL_SET_ERR_MSG(info, "szkm: the ledger threshold must be between 1 and the number of keys");
		return -EINVAL;
	}
	return 0;
}

static int szkm_nl_device_init(struct sk_buff *skb, struct genl_info *info)
{
	struct szkm_ledger_trust *ledger;
	u8 pub[SZKM_P256_PUB_LEN];
	const char *why = NULL;
	size_t bloblen;
	u8 *blob;
	int ret;
	struct nlattr *pin = info->attrs[SZKM_A_PIN];
	struct szkm_device_opts o = {
		.force = nla_get_flag(info->attrs[SZKM_A_FORCE]),
		.lock_pcr = info->attrs[SZKM_A_LOCK_PCR] ?
			nla_get_u8(info->attrs[SZKM_A_LOCK_PCR]) : -1,
		.boot_pcrs = info->attrs[SZKM_A_BOOT_PCRS] ?
			nla_get_u32(info->attrs[SZKM_A_BOOT_PCRS]) : 0,
		.pin = pin ? nla_data(pin) : NULL,
		.pinlen = pin ? nla_len(pin) : 0,
	};

	ret = szkm_nl_admin(skb, info);
	if (ret)
		return ret;
	ledger = kzalloc(sizeof(*ledger), GFP_KERNEL);
	if (!ledger)
		return -ENOMEM;
	ret = szkm_nl_ledger_keys(info, ledger);
	if (ret) {
		kfree(ledger);
		return ret;
	}
	o.ledger = ledger;
	ret = szkm_device_create(&o, &blob, &bloblen, &why);
	kfree(ledger);
	if (pin)
		memzero_explicit(nla_data(pin), nla_len(pin));
	if (ret) {
		szkm_nl_why(info, why);
		return ret;
	}
	/* A new device starts a new event chain with its public key. */
	ret = szkm_device_pubkey(pub) ?: szkm_event_device_init(pub);
	if (ret) {
		/*
		 * A device whose birth is not on record is no device: its
		 * chain stays unpositioned (nothing can be made with it) and
		 * its blob is not handed out.
		 */
		szkm_journal_reset();
		pr_err("device init event not recorded (%d): the new device is not usable, run init again\n",
		       ret);
		GENL_SET_ERR_MSG(info, "szkm: the device init event could not be recorded; run init again");
		kfree(blob);
		return ret;
	}
	ret = szkm_nl_reply_device(info, SZKM_CMD_DEVICE_INIT, blob, bloblen, false);
	kfree(blob);
	return ret;
}

/*
 * The commands that take a device blob: UNSEAL (at boot) and COMMIT (the
 * re-sealed blob of a membership step is stored: the counter moves, the
 * trust follows).
 */
static int szkm_nl_device_blob(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *a = info->attrs[SZKM_A_DEVICE_BLOB];
	struct nlattr *pin = info->attrs[SZKM_A_PIN];
	bool commit = info->genlhdr->cmd == SZKM_CMD_DEVICE_COMMIT;
	const char *why = NULL;
	int ret;

	ret = szkm_nl_admin(skb, info);
	if (ret)
		return ret;
	if (!a) {
		GENL_SET_ERR_MSG(info, "szkm: unseal and commit need the device blob");
		return -EINVAL;
	}
	if (commit)
		ret = szkm_device_commit(nla_data(a), nla_len(a), &why);
	else
		ret = szkm_device_unseal(nla_data(a), nla_len(a),
					 nla_get_flag(info->attrs[SZKM_A_FORCE]),
					 pin ? nla_data(pin) : NULL, pin ? nla_len(pin) : 0,
					 &why);
	if (pin)
		memzero_explicit(nla_data(pin), nla_len(pin));
	if (ret)
		szkm_nl_why(info, why);
	return ret;
}

static int szkm_nl_identity(struct sk_buff *skb, struct genl_info *info)
{
	int ret = szkm_nl_admin(skb, info);

	return ret ?: szkm_nl_reply_device(info, SZKM_CMD_IDENTITY, NULL, 0, true);
}

static int szkm_nl_device_lock(struct sk_buff *skb, struct genl_info *info)
{
	int ret = szkm_nl_admin(skb, info);

	if (!ret)
		szkm_device_lock();
	return ret;
}

int szkm_netlink_put_event(struct sk_buff *msg, u64 seq, const u8 *body, size_t len,
			   const u8 sig[SZKM_EVENT_SIG_LEN])
{
	if (nla_put_u64_64bit(msg, SZKM_A_SEQ, seq, SZKM_A_UNSPEC) ||
	    nla_put(msg, SZKM_A_EVENT, len, body) ||
	    nla_put(msg, SZKM_A_EVENT_SIG, SZKM_EVENT_SIG_LEN, sig))
		return -EMSGSIZE;
	return 0;
}

void *szkm_netlink_dump_put(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &szkm_genl_family, NLM_F_MULTI, cmd);
}

/* Best effort: a listener that misses it asks for a replay. */
void szkm_netlink_multicast_event(u64 seq, const u8 *body, size_t len,
				  const u8 sig[SZKM_EVENT_SIG_LEN])
{
	struct sk_buff *msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	void *hdr;

	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &szkm_genl_family, 0, SZKM_CMD_EVENT);
	if (!hdr || szkm_netlink_put_event(msg, seq, body, len, sig)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&szkm_genl_family, msg, 0, SZKM_MCGRP_EVENTS_IDX, GFP_KERNEL);
}

/* The ack and replay name the device, so a re-initialised device's
 * numbers are never taken for the old one's. */
static int szkm_nl_check_device(struct genl_info *info)
{
	u8 id[SZKM_DEVICE_ID_LEN];

	if (!info->attrs[SZKM_A_DEVICE_ID])
		return 0;
	if (szkm_device_id(id) || memcmp(id, nla_data(info->attrs[SZKM_A_DEVICE_ID]), sizeof(id))) {
		GENL_SET_ERR_MSG(info, "szkm: events of another device");
		return -ESTALE;
	}
	return 0;
}

/* The device's ledger keys into *@tp (kmalloc'd; caller kfree). */
static int szkm_nl_trust(struct genl_info *info, struct szkm_ledger_trust **tp)
{
	struct szkm_ledger_trust *t = kmalloc(sizeof(*t), GFP_KERNEL);

	*tp = t;
	if (!t)
		return -ENOMEM;
	if (szkm_device_ledger(t)) {
		GENL_SET_ERR_MSG(info, "szkm: no device: run szkmctl device init or unseal");
		return -ENOKEY;
	}
	return 0;
}

/* The checkpoint of a PROVE or a proven RESUME, verified against @t. */
/* The last checkpoint verified: SHA-256 over the trust and the note. */
static struct {
	struct mutex lock;
	bool valid;
	u8 digest[32];
	struct szkm_checkpoint cp;
} szkm_nl_cp_cache = { .lock = __MUTEX_INITIALIZER(szkm_nl_cp_cache.lock) };

static int szkm_nl_checkpoint(struct genl_info *info,
			      const struct szkm_ledger_trust *t,
			      struct szkm_checkpoint *cp)
{
	struct nlattr *a = info->attrs[SZKM_A_CHECKPOINT];
	struct sha256_state st;
	const char *why;
	u8 digest[32];
	int ret;

	if (!a) {
		GENL_SET_ERR_MSG(info, "szkm: a signed checkpoint (SZKM_A_CHECKPOINT) is needed");
		return -EINVAL;
	}
	/* The same note for the same keys again (a batch comes in several
	 * messages): its signatures held a moment ago. */
	sha256_init(&st);
	sha256_update(&st, (const u8 *)t, sizeof(*t));
	sha256_update(&st, nla_data(a), nla_len(a));
	sha256_final(&st, digest);
	mutex_lock(&szkm_nl_cp_cache.lock);
	if (szkm_nl_cp_cache.valid && !memcmp(digest, szkm_nl_cp_cache.digest, 32)) {
		*cp = szkm_nl_cp_cache.cp;
		mutex_unlock(&szkm_nl_cp_cache.lock);
		return 0;
	}
	mutex_unlock(&szkm_nl_cp_cache.lock);
	ret = szkm_checkpoint_verify(nla_data(a), nla_len(a), t->keys, t->nkeys,
				     t->threshold, cp, &why);
	if (ret) {
		szkm_nl_why(info, why);
		pr_notice_ratelimited("ledger proof refused: %s\n", szkm_msg_text(why));
		return ret;
	}
	mutex_lock(&szkm_nl_cp_cache.lock);
	memcpy(szkm_nl_cp_cache.digest, digest, 32);
	szkm_nl_cp_cache.cp = *cp;
	szkm_nl_cp_cache.valid = true;
	mutex_unlock(&szkm_nl_cp_cache.lock);
	return 0;
}

/* One SZKM_A_PROOF nest: sequence number, ledger index, audit path. */
static int szkm_nl_proof(struct genl_info *info, const struct nlattr *nest,
			 struct szkm_event_proof *p)
{
	struct nlattr *tb[SZKM_A_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, SZKM_A_MAX, nest, szkm_nl_policy, info->extack);
	if (ret)
		return ret;
	if (!tb[SZKM_A_SEQ] || !tb[SZKM_A_LEDGER_INDEX] || !tb[SZKM_A_INCLUSION] ||
	    nla_len(tb[SZKM_A_INCLUSION]) % 32) {
		GENL_SET_ERR_MSG(info, "szkm: a proof needs SZKM_A_SEQ, SZKM_A_LEDGER_INDEX and SZKM_A_INCLUSION (n x 32 bytes)");
		return -EINVAL;
	}
	p->seq = nla_get_u64(tb[SZKM_A_SEQ]);
	p->index = nla_get_u64(tb[SZKM_A_LEDGER_INDEX]);
	p->path = nla_data(tb[SZKM_A_INCLUSION]);
	p->n = nla_len(tb[SZKM_A_INCLUSION]) / 32;
	return 0;
}

static int szkm_nl_consistency(struct genl_info *info, const u8 **cons, size_t *n)
{
	struct nlattr *a = info->attrs[SZKM_A_CONSISTENCY];

	*cons = a ? nla_data(a) : NULL;
	*n = a ? nla_len(a) / 32 : 0;
	if (a && nla_len(a) % 32) {
		GENL_SET_ERR_MSG(info, "szkm: SZKM_A_CONSISTENCY is not a list of 32-byte hashes");
		return -EINVAL;
	}
	return 0;
}

static int szkm_nl_event_prove(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *proofs = info->attrs[SZKM_A_PROOFS], *a;
	struct szkm_event_proof *p = NULL;
	struct szkm_ledger_trust *t = NULL;
	struct szkm_checkpoint cp;
	const char *why = NULL;
	unsigned int n = 0;
	const u8 *cons;
	size_t ncons;
	int rem, ret;

	ret = szkm_nl_admin(skb, info) ?: szkm_nl_check_device(info);
	if (ret)
		return ret;
	ret = szkm_nl_trust(info, &t) ?: szkm_nl_consistency(info, &cons, &ncons);
	if (ret)
		goto out;
	ret = -ENOMEM;
	p = kcalloc(SZKM_LEDGER_PROOFS_MAX, sizeof(*p), GFP_KERNEL);
	if (!p)
		goto out;
	if (proofs) {
		nla_for_each_nested(a, proofs, rem) {
			ret = -EINVAL;
			if (nla_type(a) != SZKM_A_PROOF) {
				GENL_SET_ERR_MSG(info, "szkm: SZKM_A_PROOFS holds SZKM_A_PROOF entries only");
				goto out;
			}
			if (n == SZKM_LEDGER_PROOFS_MAX) {
				GENL_SET_ERR_MSG(info, "szkm: too many proofs in one message");
				ret = -E2BIG;
				goto out;
			}
			ret = szkm_nl_proof(info, a, &p[n++]);
			if (ret)
				goto out;
		}
	}
	ret = szkm_nl_checkpoint(info, t, &cp);
	if (ret)
		goto out;
	ret = szkm_journal_prove(&cp, cons, ncons, p, n, &why);
	if (ret) {
		szkm_nl_why(info, why);
		pr_notice_ratelimited("ledger proof refused: %s\n", szkm_msg_text(why));
	}
out:
	kfree(p);
	kfree(t);
	return ret;
}

/*
 * The device follows a membership entry (include/szkm.h, "Ledger
 * membership"): proven under a checkpoint its current keys signed,
 * approved by its current keys, next in order; then its blob is re-sealed
 * with the entry's keys and k, and the reply carries it.
 */
static int szkm_nl_ledger_members(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *ent = info->attrs[SZKM_A_ENTRY];
	struct nlattr *idx = info->attrs[SZKM_A_LEDGER_INDEX];
	struct nlattr *inc = info->attrs[SZKM_A_INCLUSION];
	struct szkm_ledger_trust *t = NULL, *next = NULL;
	struct szkm_checkpoint cp;
	const char *why = NULL, *origin;
	const u8 *cons;
	size_t ncons, olen, bloblen;
	u8 leaf[32], *blob = NULL;
	int ret;

	ret = szkm_nl_admin(skb, info);
	if (ret)
		return ret;
	if (!ent || !idx || !inc || nla_len(inc) % 32) {
		GENL_SET_ERR_MSG(info, "szkm: a membership entry needs SZKM_A_ENTRY, SZKM_A_LEDGER_INDEX, SZKM_A_INCLUSION (n x 32 bytes) and a checkpoint");
		return -EINVAL;
	}
	ret = szkm_nl_trust(info, &t) ?: szkm_nl_consistency(info, &cons, &ncons);
	if (ret)
		goto out;
	ret = -ENOMEM;
	next = kmalloc(sizeof(*next), GFP_KERNEL);
	if (!next)
		goto out;
	/* Signed by the keys the device believes now, and consistent with
	 * the last checkpoint it accepted. */
	ret = szkm_nl_checkpoint(info, t, &cp) ?:
	      szkm_journal_consistent(&cp, cons, ncons, &why);
	if (ret)
		goto refused;
	szkm_ledger_leaf(nla_data(ent), nla_len(ent), leaf);
	ret = szkm_merkle_inclusion_verify(nla_get_u64(idx), leaf, &cp, nla_data(inc),
					   nla_len(inc) / 32, &why);
	if (ret)
		goto refused;
	olen = szkm_checkpoint_origin(nla_data(info->attrs[SZKM_A_CHECKPOINT]),
				      nla_len(info->attrs[SZKM_A_CHECKPOINT]), &origin);
	/* All held: the checkpoint becomes the last accepted, then the trust. */
	ret = szkm_members_follow(t, nla_data(ent), nla_len(ent), origin, olen, next, &why) ?:
	      szkm_journal_prove(&cp, cons, ncons, NULL, 0, &why) ?:
	      szkm_device_set_ledger(t, next, &blob, &bloblen, &why);
	if (ret)
		goto refused;
	ret = szkm_nl_reply_device(info, SZKM_CMD_LEDGER_MEMBERS, blob, bloblen, false);
	goto out;
refused:
	if (why) {
		szkm_nl_why(info, why);
		pr_notice_ratelimited("ledger membership refused: %s\n", szkm_msg_text(why));
	}
out:
	kfree(blob);
	kfree(next);
	kfree(t);
	return ret;
}

/*
 * A bare acknowledgement: refused. The kernel believes the ledger's proof,
 * never its word (SZKM_CMD_EVENT_PROVE); the command stays so that whoever
 * tries it is told why.
 */
static int szkm_nl_event_ack(struct sk_buff *skb, struct genl_info *info)
{
	int ret = szkm_nl_admin(skb, info);

	if (ret)
		return ret;
	GENL_SET_ERR_MSG(info, "szkm: the kernel believes the ledger's proof, not its word: send a signed checkpoint and inclusion proofs (SZKM_CMD_EVENT_PROVE)");
	return -EPERM;
}

/* Resume after the event the ledger proves: body, signature, proof. */
static int szkm_nl_resume_proven(struct genl_info *info)
{
	struct nlattr *body = info->attrs[SZKM_A_EVENT], *sig = info->attrs[SZKM_A_EVENT_SIG];
	struct nlattr *proof = info->attrs[SZKM_A_PROOF];
	struct szkm_ledger_trust *t;
	struct szkm_event_proof p;
	struct szkm_checkpoint cp;
	const char *why = NULL;
	int ret;

	ret = szkm_nl_trust(info, &t);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (!body || !sig || !proof) {
		GENL_SET_ERR_MSG(info, "szkm: resume needs the last event (SZKM_A_EVENT, SZKM_A_EVENT_SIG), its proof (SZKM_A_PROOF) and a checkpoint");
		goto out;
	}
	ret = szkm_nl_proof(info, proof, &p) ?: szkm_nl_checkpoint(info, t, &cp);
	if (ret)
		goto out;
	ret = szkm_journal_resume_proven(&cp, nla_data(body), nla_len(body),
					 nla_data(sig), &p, &why);
	if (ret) {
		szkm_nl_why(info, why);
		pr_notice_ratelimited("event chain resume refused: %s\n", szkm_msg_text(why));
	}
out:
	kfree(t);
	return ret;
}

static int szkm_nl_event_resume(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	ret = szkm_nl_admin(skb, info) ?: szkm_nl_check_device(info);
	if (ret)
		return ret;
	if (!info->attrs[SZKM_A_CHECKPOINT]) {
		GENL_SET_ERR_MSG(info, "szkm: the kernel believes the ledger's proof, not its word: resume needs a signed checkpoint and the proof of the device's last event");
		return -EPERM;
	}
	return szkm_nl_resume_proven(info);
}

/*
 * The device's chain, after a proven resume, so the key registry knows
 * every key's last change (registry.c); when it reaches the resume point
 * the kernel records DEVICE_RESUME for the ledger to prove.
 */
static int szkm_nl_chain_restore(struct sk_buff *skb, struct genl_info *info)
{
	const u8 *body[SZKM_CHAIN_RESTORE_MAX], *sig[SZKM_CHAIN_RESTORE_MAX];
	size_t len[SZKM_CHAIN_RESTORE_MAX];
	struct nlattr *a, *events = info->attrs[SZKM_A_EVENTS];
	const char *why = NULL;
	unsigned int n = 0;
	int rem, ret;

	ret = szkm_nl_admin(skb, info) ?: szkm_nl_check_device(info);
	if (ret)
		return ret;
	if (!events) {
		GENL_SET_ERR_MSG(info, "szkm: SZKM_A_EVENTS required");
		return -EINVAL;
	}
	nla_for_each_nested(a, events, rem) {
		if (nla_type(a) == SZKM_A_EVENT_SIG && n && !sig[n - 1] &&
		    nla_len(a) == SZKM_EVENT_SIG_LEN) {
			sig[n - 1] = nla_data(a);	/* the body just before's */
			continue;
		}
		if (nla_type(a) != SZKM_A_EVENT || nla_len(a) <= 0 ||
		    nla_len(a) > SZKM_EVENT_MAX_LEN) {
			GENL_SET_ERR_MSG(info, "szkm: SZKM_A_EVENTS holds event bodies (SZKM_A_EVENT), each followed by its SZKM_A_EVENT_SIG, only");
			return -EINVAL;
		}
		if (n == SZKM_CHAIN_RESTORE_MAX) {
			GENL_SET_ERR_MSG(info, "szkm: too many events in one message");
			return -E2BIG;
		}
		body[n] = nla_data(a);
		sig[n] = NULL;
		len[n++] = nla_len(a);
	}
	ret = szkm_registry_restore(body, len, sig, n, &why);
	if (ret == 1) {
		ret = szkm_event_device_resume();
		if (ret)
			why = SZKM_MSG("the chain is restored, but its DEVICE_RESUME event could not be recorded (journal full?)");
		else
			pr_info("key registry restored from %llu events; waiting for the ledger to prove the resume\n",
				get_unaligned_be64(body[n - 1] + SZKM_EV_OFF_SEQ));
	}
	if (ret) {
		szkm_nl_why(info, why);
		pr_notice_ratelimited("chain restore refused: %s\n", szkm_msg_text(why));
	}
	return ret;
}

static int szkm_nl_replay_start(struct netlink_callback *cb)
{
	struct nlattr *seq = szkm_dump_attrs(cb)[SZKM_A_SEQ];

	if (!netlink_capable(cb->skb, CAP_SYS_ADMIN))
		return -EPERM;
	cb->args[0] = seq ? nla_get_u64(seq) : 0;
	return 0;
}

static int szkm_nl_replay(struct sk_buff *skb, struct netlink_callback *cb)
{
	return szkm_journal_dump(skb, cb, cb->args[0]);
}

/* The KEY_PUBLIC reply for a key with every version it may keep. */
static size_t szkm_nl_key_public_size(void)
{
	size_t ver = nla_total_size(0) + nla_total_size(4) + 2 * nla_total_size(1) +
		     nla_total_size_64bit(8) + nla_total_size(SZKM_P256_PUB_LEN);

	return nla_total_size(SZKM_KEY_ID_LEN) + nla_total_size(SZKM_NAME_MAX + 1) +
	       nla_total_size(1) + 2 * nla_total_size(4) + nla_total_size(0) +
	       nla_total_size(SZKM_DEVICE_ID_LEN) + 3 * nla_total_size_64bit(8) +
	       nla_total_size(4) + nla_total_size(1) + SZKM_MAX_VERSIONS * ver +
	       nla_total_size(0) + SZKM_GRANTS_MAX * nla_total_size(4);
}

static int szkm_nl_put_version(struct sk_buff *msg, const struct szkm_ver_meta *v)
{
	struct nlattr *nest = nla_nest_start(msg, SZKM_A_VERSIONS);

	if (!nest || nla_put_u32(msg, SZKM_VA_NUM, v->ver) ||
	    nla_put_u8(msg, SZKM_VA_STATE, v->state) ||
	    nla_put_u8(msg, SZKM_VA_ORIGIN, v->origin) ||
	    nla_put_u64_64bit(msg, SZKM_VA_USES, v->uses, SZKM_VA_UNSPEC) ||
	    (v->pub_len && nla_put(msg, SZKM_VA_PUBKEY, v->pub_len, v->pub)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

/* A key's public metadata (KEY_PUBLIC, or what an opened bundle holds). */
static int szkm_nl_put_meta(struct sk_buff *msg, const struct szkm_key_meta *m)
{
	u8 dev[SZKM_DEVICE_ID_LEN];
	struct nlattr *vers;
	unsigned int i;

	if (szkm_device_id(dev))
		return -ENOKEY;
	if (nla_put(msg, SZKM_A_KEY_ID, SZKM_KEY_ID_LEN, m->id) ||
	    nla_put_string(msg, SZKM_A_NAME, m->name) ||
	    nla_put_u8(msg, SZKM_A_ALG, m->alg) ||
	    nla_put_u32(msg, SZKM_A_ACTIVE, m->active) ||
	    nla_put_u32(msg, SZKM_A_JOURNAL, m->changes) ||
	    nla_put(msg, SZKM_A_DEVICE_ID, SZKM_DEVICE_ID_LEN, dev) ||
	    nla_put_u64_64bit(msg, SZKM_A_KEY_MARK, m->mark, SZKM_A_UNSPEC) ||
	    nla_put_u64_64bit(msg, SZKM_A_ROTATE_SECS, m->policy.rotate_secs, SZKM_A_UNSPEC) ||
	    nla_put_u64_64bit(msg, SZKM_A_MAX_USES, m->policy.max_uses, SZKM_A_UNSPEC) ||
	    nla_put_u32(msg, SZKM_A_MIN_VERSION, m->policy.min_version) ||
	    nla_put_u8(msg, SZKM_A_LEDGER_MODE, m->policy.ledger))
		return -EMSGSIZE;
	vers = nla_nest_start(msg, SZKM_A_VERSIONS);
	if (!vers)
		return -EMSGSIZE;
	for (i = 0; i < m->nver; i++)
		if (szkm_nl_put_version(msg, &m->ver[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, vers);
	vers = nla_nest_start(msg, SZKM_A_GRANTS);
	if (!vers)
		return -EMSGSIZE;
	for (i = 0; i < m->ngrants; i++)
		if (nla_put_u32(msg, SZKM_A_GRANT_UID, m->grant_uid[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, vers);
	return 0;
}

/*
 * Who else holds a grant is the owner's business: a grantee (or anyone
 * else without CAP_SYS_ADMIN who is not the owner) sees only its own uid
 * in the grants.
 */
static void szkm_nl_own_grants(const struct szkm_key *k, struct szkm_key_meta *m)
{
	u32 me = from_kuid_munged(&init_user_ns, current_fsuid());
	unsigned int i, n = 0;

	if (uid_eq(current_fsuid(), k->owner_uid) || capable(CAP_SYS_ADMIN))
		return;
	for (i = 0; i < m->ngrants; i++)
		if (m->grant_uid[i] == me)
			m->grant_uid[n++] = me;
	m->ngrants = n;
}

static int szkm_nl_snapshot(const struct szkm_key *k, void *arg)
{
	szkm_key_meta_of(k, arg);
	szkm_nl_own_grants(k, arg);
	return 0;
}

/*
 * The key SZKM_A_KEY_SERIAL names, when the caller may View it (keyctl's
 * own check, in keytype.c; no capability needed): its metadata now, in
 * *@mp (kmalloc'd; caller kfree).
 */
static int szkm_nl_key_meta(struct genl_info *info, struct szkm_key_meta **mp)
{
	struct szkm_key_meta *m;
	const char *why = NULL;
	int ret;

	*mp = NULL;
	if (!info->attrs[SZKM_A_KEY_SERIAL]) {
		GENL_SET_ERR_MSG(info, "szkm: SZKM_A_KEY_SERIAL required");
		return -EINVAL;
	}
	m = kmalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	ret = szkm_keytype_with_key(nla_get_u32(info->attrs[SZKM_A_KEY_SERIAL]),
				    szkm_nl_snapshot, m, &why);
	if (ret) {
		szkm_nl_why(info, why);
		kfree(m);
		return ret;
	}
	*mp = m;
	return 0;
}

/* A reply of @cmd: @m's metadata, or the bundle @b. */
static int szkm_nl_reply_key(struct genl_info *info, u8 cmd, const struct szkm_key_meta *m,
			     const u8 *b, size_t blen)
{
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(m ? szkm_nl_key_public_size() : nla_total_size(blen), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &szkm_genl_family, 0, cmd);
	if (!hdr)
		ret = -EMSGSIZE;
	else if (m)
		ret = szkm_nl_put_meta(msg, m);
	else
		ret = nla_put(msg, SZKM_A_BUNDLE, blen, b) ? -EMSGSIZE : 0;
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int szkm_nl_key_public(struct sk_buff *skb, struct genl_info *info)
{
	struct szkm_key_meta *m;
	int ret;

	ret = szkm_nl_key_meta(info, &m) ?:
	      szkm_nl_reply_key(info, SZKM_CMD_KEY_PUBLIC, m, NULL, 0);
	kfree(m);
	return ret;
}

/*
 * The key's metadata as an export bundle (bundle.c): View permission,
 * like KEY_PUBLIC, since it holds nothing more; sealed outside the key's
 * lock.
 */
static int szkm_nl_key_export(struct sk_buff *skb, struct genl_info *info)
{
	struct szkm_key_meta *m;
	const char *why = NULL;
	size_t blen;
	u8 *b = NULL;
	int ret;

	ret = szkm_nl_key_meta(info, &m);
	if (ret)
		return ret;
	ret = szkm_bundle_seal(m, &b, &blen, &why);
	kfree(m);
	if (ret) {
		szkm_nl_why(info, why);
		return ret;
	}
	ret = szkm_nl_reply_key(info, SZKM_CMD_KEY_EXPORT, NULL, b, blen);
	kfree(b);
	return ret;
}

/*
 * The kernel opens a bundle for the key the caller names and may View,
 * and replies with what it holds, only while that is the key's state.
 */
static int szkm_nl_bundle_open(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *a = info->attrs[SZKM_A_BUNDLE];
	struct szkm_key_meta *cur, *m = NULL;
	const char *why = NULL;
	int ret;

	if (!a) {
		GENL_SET_ERR_MSG(info, "szkm: SZKM_A_BUNDLE required");
		return -EINVAL;
	}
	ret = szkm_nl_key_meta(info, &cur);
	if (ret)
		return ret;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	ret = m ? szkm_bundle_open(nla_data(a), nla_len(a), cur, m, &why) : -ENOMEM;
	if (ret) {
		szkm_nl_why(info, why);
		if (why)
			pr_notice_ratelimited("export bundle refused: %s\n", szkm_msg_text(why));
	} else {
		ret = szkm_nl_reply_key(info, SZKM_CMD_BUNDLE_OPEN, m, NULL, 0);
	}
	kfree(m);
	kfree(cur);
	return ret;
}

/* CAP_SYS_ADMIN, and the key's owner (keytype.c checks, in our context). */
static int szkm_nl_key_grant(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *serial = info->attrs[SZKM_A_KEY_SERIAL], *uid = info->attrs[SZKM_A_GRANT_UID];
	const char *why = NULL;
	int ret;

	ret = szkm_nl_admin(skb, info);
	if (ret)
		return ret;
	if (!serial || !uid) {
		GENL_SET_ERR_MSG(info, "szkm: a grant needs SZKM_A_KEY_SERIAL and SZKM_A_GRANT_UID");
		return -EINVAL;
	}
	ret = szkm_keytype_grant(nla_get_u32(serial), nla_get_u32(uid),
				 nla_get_flag(info->attrs[SZKM_A_REVOKE]), &why);
	if (ret)
		szkm_nl_why(info, why);
	return ret;
}

static const struct nla_policy szkm_nl_policy[SZKM_A_MAX + 1] = {
	[SZKM_A_VERSION] = { .type = NLA_NUL_STRING, .len = 32 },
	[SZKM_A_STATE] = { .type = NLA_U32 },
	[SZKM_A_TPM] = { .type = NLA_U32 },
	[SZKM_A_TEST_MODE] = { .type = NLA_U8 },
	[SZKM_A_NKEYS] = { .type = NLA_U32 },
	[SZKM_A_DEVICE_BLOB] = { .type = NLA_BINARY, .len = SZKM_DEVBLOB_MAX },
	[SZKM_A_DEVICE_ID] = NLA_POLICY_EXACT_LEN(SZKM_DEVICE_ID_LEN),
	[SZKM_A_PUBKEY] = NLA_POLICY_EXACT_LEN(SZKM_P256_PUB_LEN),
	[SZKM_A_FORCE] = { .type = NLA_FLAG },
	[SZKM_A_LOCK_PCR] = { .type = NLA_U8 },
	[SZKM_A_BOOT_PCRS] = { .type = NLA_U32 },
	[SZKM_A_PIN] = { .type = NLA_BINARY, .len = SZKM_PIN_MAX },
	[SZKM_A_KEY_SERIAL] = { .type = NLA_U32 },
	[SZKM_A_SEQ] = { .type = NLA_U64 },
	[SZKM_A_LEDGER_INDEX] = { .type = NLA_U64 },
	[SZKM_A_EVENT_HASH] = NLA_POLICY_EXACT_LEN(32),
	[SZKM_A_EVENT] = { .type = NLA_BINARY, .len = SZKM_EVENT_MAX_LEN },
	[SZKM_A_EVENT_SIG] = NLA_POLICY_EXACT_LEN(SZKM_EVENT_SIG_LEN),
	[SZKM_A_LEDGER_KEYS] = { .type = NLA_NESTED },
	[SZKM_A_LEDGER_KEY] = { .type = NLA_NUL_STRING, .len = SZKM_LEDGER_VKEY_MAX },
	[SZKM_A_LEDGER_THRESHOLD] = { .type = NLA_U8 },
	[SZKM_A_CHECKPOINT] = { .type = NLA_BINARY, .len = SZKM_LEDGER_NOTE_MAX },
	[SZKM_A_CONSISTENCY] = { .type = NLA_BINARY, .len = 32 * SZKM_LEDGER_PROOF_MAX },
	[SZKM_A_PROOFS] = { .type = NLA_NESTED },
	[SZKM_A_PROOF] = { .type = NLA_NESTED },
	[SZKM_A_INCLUSION] = { .type = NLA_BINARY, .len = 32 * SZKM_LEDGER_PROOF_MAX },
	[SZKM_A_LEDGER_SIZE] = { .type = NLA_U64 },
	[SZKM_A_EVENTS] = { .type = NLA_NESTED },
	[SZKM_A_REGISTRY] = { .type = NLA_U8 },
	[SZKM_A_KEY_MARK] = { .type = NLA_U64 },
	[SZKM_A_ROTATE_SECS] = { .type = NLA_U64 },
	[SZKM_A_MAX_USES] = { .type = NLA_U64 },
	[SZKM_A_MIN_VERSION] = { .type = NLA_U32 },
	[SZKM_A_LEDGER_MODE] = { .type = NLA_U8 },
	[SZKM_A_BUNDLE] = { .type = NLA_BINARY, .len = SZKM_BUNDLE_MAX },
	[SZKM_A_GRANT_UID] = { .type = NLA_U32 },
	[SZKM_A_REVOKE] = { .type = NLA_FLAG },
	[SZKM_A_GRANTS] = { .type = NLA_NESTED },
	[SZKM_A_ENTRY] = { .type = NLA_BINARY, .len = SZKM_MEMBERS_ENTRY_MAX },
	[SZKM_A_MEMBERS_EPOCH] = { .type = NLA_U64 },
	[SZKM_A_MEMBERS_HASH] = NLA_POLICY_EXACT_LEN(32),
	[SZKM_A_TPM_COUNTER] = { .type = NLA_U64 },
};

static const struct genl_ops szkm_nl_ops[] = {
	{
		.cmd = SZKM_CMD_EVENT_ACK,
		.doit = szkm_nl_event_ack,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_EVENT_RESUME,
		.doit = szkm_nl_event_resume,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_EVENT_PROVE,
		.doit = szkm_nl_event_prove,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_CHAIN_RESTORE,
		.doit = szkm_nl_chain_restore,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_EVENT_REPLAY,
		.start = szkm_nl_replay_start,
		.dumpit = szkm_nl_replay,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_KEY_PUBLIC,
		.doit = szkm_nl_key_public,
	},
	{
		.cmd = SZKM_CMD_KEY_EXPORT,
		.doit = szkm_nl_key_export,
	},
	{
		.cmd = SZKM_CMD_BUNDLE_OPEN,
		.doit = szkm_nl_bundle_open,
	},
	{
		.cmd = SZKM_CMD_STATUS,
		.doit = szkm_nl_status,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_DEVICE_INIT,
		.doit = szkm_nl_device_init,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_DEVICE_UNSEAL,
		.doit = szkm_nl_device_blob,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_IDENTITY,
		.doit = szkm_nl_identity,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_DEVICE_LOCK,
		.doit = szkm_nl_device_lock,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_KEY_GRANT,
		.doit = szkm_nl_key_grant,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_LEDGER_MEMBERS,
		.doit = szkm_nl_ledger_members,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_DEVICE_COMMIT,
		.doit = szkm_nl_device_blob,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group szkm_nl_mcgrps[] = {
	/* Events name every user's keys: reading them is an administrator's. */
	[SZKM_MCGRP_EVENTS_IDX] = { .name = SZKM_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_SYS_ADMIN },
};

static struct genl_family szkm_genl_family __ro_after_init = {
	.name = SZKM_GENL_NAME,
	.version = SZKM_GENL_VERSION,
	.maxattr = SZKM_A_MAX,
	.policy = szkm_nl_policy,
	.ops = szkm_nl_ops,
	.n_ops = ARRAY_SIZE(szkm_nl_ops),
	.mcgrps = szkm_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(szkm_nl_mcgrps),
	.module = THIS_MODULE,
};

int __init szkm_netlink_init(void)
{
	return genl_register_family(&szkm_genl_family);
}

void szkm_netlink_uninit(void)
{
	genl_unregister_family(&szkm_genl_family);
}
