// SPDX-License-Identifier: GPL-2.0
/*
 * keytype.c - the key type "szkm": the keyring hooks. A key object's
 * payload is one struct szkm_key (kmod/key.h), shared by the object that
 * made or loaded it (its owner) and the grant objects made for other uids
 * (grant.c), each holding a reference; updates change it under its lock.
 * Userspace sees metadata (describe) and the sealed blob (read); secret
 * bytes never leave the kernel. A key object serves one uid only (its
 * owner's, or its grantee's), whoever possesses it and whatever keyctl
 * setperm or chown made of its permissions: sharing a key is a grant,
 * which the ledger records.
 */
#include "keytype.h"
#include "blob.h"
#include "consumers.h"
#include "event.h"
#include "krs.h"
#include "device.h"
#include "key.h"
#include "keyops.h"
#include "grant.h"
#include "payload.h"
#include "registry.h"
#include "quota.h"
#include "szkm_main.h"

#include <linux/keyctl.h>
#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/key-type.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/ktime.h>

static atomic_t szkm_nkeys = ATOMIC_INIT(0);
static struct key_type szkm_key_type;

u32 szkm_keytype_count(void)
{
	return atomic_read(&szkm_nkeys);
}

static struct szkm_key *szkm_key_of(const struct key *key)
{
	return key->payload.data[0];
}

/*
 * An owner object: its possessor may do anything keyctl allows (as
 * before), and its owner's uid all but Setattr from any session, so a
 * key found by %szkm:NAME (keyutils reads /proc/keys) is usable without
 * its keyring; szkm_key_serves keeps every other uid out, possessor or
 * not.
 */
#define SZKM_OWNER_PERM	(KEY_POS_ALL | KEY_USR_VIEW | KEY_USR_READ | KEY_USR_WRITE | \
			 KEY_USR_SEARCH | KEY_USR_LINK)

/* A grant object's payload also holds the owner object it came from. */
#define SZKM_GRANT_OWNER	1
static struct key *szkm_grant_owner(const struct key *key)
{
	return key->payload.data[SZKM_GRANT_OWNER];
}

struct key_type *szkm_keytype_type(void)
{
	return &szkm_key_type;
}

struct szkm_key *szkm_keytype_get(struct key *key)
{
	struct szkm_key *k = NULL;

	down_read(&key->sem);
	if (key->type == &szkm_key_type && !test_bit(KEY_FLAG_DEAD, &key->flags) &&
	    (k = szkm_key_of(key)))
		szkm_key_get(k);
	up_read(&key->sem);
	return k;
}

/*
 * Whether @key serves the calling process (under the key's lock): the
 * owner object its owner's uid, a grant object its grantee while the
 * grant is in force and its owner's object is valid (revoking or
 * invalidating that object ends every grant made from it at once).
 * Possession, setperm and chown change nothing here.
 */
static int szkm_key_serves(const struct key *key, const struct szkm_key *k)
{
	u32 uid = from_kuid_munged(&init_user_ns, current_fsuid());
	int ret;

	if (!szkm_grant_owner(key)) {
		if (uid_eq(current_fsuid(), k->owner_uid))
			return 0;
		pr_info_ratelimited("'%s': key %d serves uid %u, not uid %u: only a grant (szkmctl key grant) shares a key\n",
				    k->name, key->serial,
				    from_kuid_munged(&init_user_ns, k->owner_uid), uid);
		return -EACCES;
	}
	/* A grant ends with its owner's object: revoked, invalidated, gone. */
	ret = key_validate(szkm_grant_owner(key));
	if (ret) {
		pr_info_ratelimited("'%s': grant key %d: its owner's key %d was revoked or invalidated (%d): its grants end with it\n",
				    k->name, key->serial, szkm_grant_owner(key)->serial, ret);
		return ret;
	}
	if (uid_eq(current_fsuid(), key->uid) && szkm_grant_find(k, uid) >= 0)
		return 0;
	pr_info_ratelimited("'%s': grant key %d serves uid %u while granted; uid %u is refused\n",
			    k->name, key->serial, from_kuid_munged(&init_user_ns, key->uid), uid);
	return -EACCES;
}

/* Names go into logon descriptions ("szkm:<name>:v<N>") and logs. */
static int szkm_vet_description(const char *desc)
{
	size_t n = strlen(desc), i;

	if (n == 0 || n > SZKM_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!isalnum(desc[i]) && desc[i] != '-' && desc[i] != '_' && desc[i] != '.')
			return -EINVAL;
	return 0;
}

/*
 * ledger=async makes a version usable before the ledger holds its event:
 * for test devices only, never a way around the ledger on a real one.
 */
static int szkm_async_allowed(const struct szkm_request *cmd, const char *name)
{
	if (!(cmd->policy_set & SZKM_POL_LEDGER) || cmd->policy.ledger != SZKM_LEDGER_ASYNC ||
	    szkm_device_test_only())
		return 0;
	pr_info_ratelimited("'%s': ledger=async is for test devices only (test_mode, no TPM, or lock PCR 16)\n",
			    name);
	return -EPERM;
}

static struct szkm_key *szkm_key_make(const struct szkm_request *cmd, const char *name)
{
	struct szkm_key *k;
	u8 state;
	int ret;

	if (cmd->op == SZKM_OP_LOAD)
		return szkm_blob_read(cmd->blob, cmd->bloblen, name);
	if (cmd->op == SZKM_OP_IMPORT && !capable(CAP_SYS_ADMIN)) {
		pr_info_ratelimited("import '%s': CAP_SYS_ADMIN required\n", name);
		return ERR_PTR(-EPERM);
	}
	ret = szkm_async_allowed(cmd, name);
	if (ret)
		return ERR_PTR(ret);
	k = szkm_key_alloc(name, cmd->alg, NULL);
	if (IS_ERR(k))
		return k;
	ret = szkm_registry_claim(k->id, 0, false, name, NULL);
	if (ret) {
		szkm_key_free(k);
		return ERR_PTR(ret);
	}
	k->claimed = true;
	k->policy = cmd->policy;
	/* AES-GCM with random IVs must stay well below 2^32 messages. */
	if (cmd->alg == SZKM_ALG_AES256_GCM && !(cmd->policy_set & SZKM_POL_MAX_USES))
		k->policy.max_uses = 1ULL << 31;
	/* With ledger=required the first version waits for the ledger too. */
	state = k->policy.ledger == SZKM_LEDGER_REQUIRED ? SZKM_VS_PENDING : SZKM_VS_ACTIVE;
	if (cmd->op == SZKM_OP_NEW)
		ret = szkm_key_add_version(k, SZKM_ORIGIN_GENERATED, state, NULL, 0, NULL, 0);
	else if (cmd->pub_only)
		ret = szkm_key_add_version(k, SZKM_ORIGIN_IMPORTED_PUBLIC, state,
					   NULL, 0, cmd->material, cmd->matlen);
	else
		ret = szkm_key_add_version(k, SZKM_ORIGIN_IMPORTED, state,
					   cmd->material, cmd->matlen, NULL, 0);
	if (ret) {
		pr_info_ratelimited("%s '%s': key material refused (%d)\n",
			cmd->op == SZKM_OP_NEW ? "new" : "import", name, ret);
		szkm_key_free(k);
		return ERR_PTR(ret);
	}
	return k;
}

/* A key object for keyctl add, counted against its uid (quota.c). */
static struct szkm_key *szkm_key_create(const struct szkm_request *cmd, const char *name)
{
	struct szkm_key *k = szkm_key_make(cmd, name);
	int ret;

	if (IS_ERR(k))
		return k;
	ret = szkm_quota_take(&k->quota_uid, name);
	if (ret) {
		szkm_key_free(k);
		return ERR_PTR(ret);
	}
	k->counted = true;
	return k;
}

/*
 * The kernel calls .preparse for keyctl add and for keyctl update alike:
 * an add command makes the key here (data[0]); an update command is kept
 * parsed for .update (data[1]).
 */
static int szkm_key_preparse(struct key_preparsed_payload *prep)
{
	const struct szkm_grant_prep *gp = szkm_grant_prep_of(prep->data, prep->datalen);
	struct szkm_request *cmd;
	struct szkm_key *k;
	int ret;

	if (gp) {
		/* A grant object (grant.c): it shares the key and holds its owner. */
		szkm_key_get(gp->k);
		prep->payload.data[0] = gp->k;
		prep->payload.data[SZKM_GRANT_OWNER] = key_get(gp->owner);
		prep->payload.data[3] = (void *)gp;	/* a flag */
		return 0;
	}
	cmd = kzalloc(sizeof(*cmd), GFP_KERNEL);
	if (!cmd)
		return -ENOMEM;
	ret = szkm_payload_parse(cmd, prep->data, prep->datalen);
	if (ret)
		goto out;
	ret = szkm_device_ready();
	if (ret)
		goto out;
	if (!SZKM_OP_IS_ADD(cmd->op)) {
		prep->payload.data[1] = cmd;
		return 0;
	}
	/* The name is checked before any key material is made. */
	if (!prep->orig_description || szkm_vet_description(prep->orig_description)) {
		pr_info_ratelimited("key names are 1-%d characters of [A-Za-z0-9._-]\n", SZKM_NAME_MAX);
		ret = -EINVAL;
		goto out;
	}
	k = szkm_key_create(cmd, prep->orig_description);
	if (IS_ERR(k)) {
		ret = PTR_ERR(k);
		goto out;
	}
	prep->payload.data[0] = k;
	prep->payload.data[2] = cmd->op == SZKM_OP_LOAD ? (void *)1 : NULL;	/* a flag */
	prep->quotalen = 256;
out:
	szkm_payload_free(cmd);
	kfree_sensitive(cmd);
	return ret;
}

static void szkm_key_free_preparse(struct key_preparsed_payload *prep)
{
	struct szkm_request *cmd = prep->payload.data[1];

	if (prep->payload.data[3]) {
		szkm_key_put(prep->payload.data[0]);
		key_put(prep->payload.data[SZKM_GRANT_OWNER]);
		return;
	}
	szkm_key_free(prep->payload.data[0]);
	if (cmd) {
		szkm_payload_free(cmd);
		kfree_sensitive(cmd);
	}
}

static int szkm_key_instantiate(struct key *key, struct key_preparsed_payload *prep)
{
	struct szkm_key *k = prep->payload.data[0];
	struct szkm_ver *v;
	u8 type;
	int ret;

	if (!k) {
		pr_info_ratelimited("keyctl add needs new, load or import; rotate/retire/destroy/set/provision are updates\n");
		return -EINVAL;
	}
	if (prep->payload.data[3]) {
		key->payload.data[0] = k;
		key->payload.data[SZKM_GRANT_OWNER] = prep->payload.data[SZKM_GRANT_OWNER];
		prep->payload.data[0] = NULL;
		prep->payload.data[SZKM_GRANT_OWNER] = NULL;
		return 0;
	}
	v = szkm_key_pending(k) ?: szkm_key_active(k);
	if (prep->payload.data[2])
		type = SZKM_EV_KEY_LOAD;
	else if (v && v->origin != SZKM_ORIGIN_GENERATED)
		type = SZKM_EV_KEY_IMPORT;
	else
		type = SZKM_EV_KEY_CREATE;
	/*
	 * Recorded before the key exists for anyone: no event, no key. The
	 * payload is in place first, since the ledger's ack (which activates
	 * a pending version) may come back before this function returns.
	 */
	key->payload.data[0] = k;
	ret = szkm_event_emit(type, key, k, v);
	if (ret) {
		key->payload.data[0] = NULL;	/* still the preparse's to free */
		return ret;
	}
	prep->payload.data[0] = NULL;
	atomic_inc(&szkm_nkeys);
	mutex_lock(&k->lock);
	k->owner = key;
	k->owner_uid = key->uid;
	WRITE_ONCE(key->perm, SZKM_OWNER_PERM);
	szkm_krs_schedule(k);
	mutex_unlock(&k->lock);
	/* A loaded blob's grants get their objects once keyctl add is done. */
	if (k->ngrants)
		szkm_grant_sync_later(key);
	return 0;
}

/*
 * A ledger=required key changes only on the ledger's proof: a retire, a
 * destroy or a policy change is recorded now and applied when the ledger
 * proves its event (szkm_keytype_apply), as a new version waits pending.
 * One such change waits at a time, and no rotation meanwhile, so each
 * event describes the key as the one before it left it.
 */
static bool szkm_waits_for_ledger(const struct szkm_key *k)
{
	return k->policy.ledger == SZKM_LEDGER_REQUIRED;
}

static int szkm_change_busy(const struct szkm_key *k)
{
	if (!k->changes)
		return 0;
	pr_info_ratelimited("'%s': a change waits for the ledger's proof; change it again once that is in\n",
			    k->name);
	return -EBUSY;
}

/*
 * Emits the event of a change already made to @k in place (the caller
 * keeps the old state). On an error the caller undoes the change; when
 * @wait (the key's ledger policy before the change), the caller undoes it
 * too, and the journal applies @ch once the ledger proves the event.
 */
static int szkm_change_record(struct key *key, struct szkm_key *k, u8 type,
			      struct szkm_ver *v, const struct szkm_change *ch,
			      bool wait)
{
	int ret;

	if (!wait)
		return szkm_event_emit(type, key, k, v);
	ret = szkm_event_emit_change(type, key, k, v, ch);
	if (!ret)
		k->changes++;
	return ret;
}

/* rotate: the new version is recorded before anyone can use it. */
static int szkm_update_rotate(struct key *key, struct szkm_key *k)
{
	bool pending = k->policy.ledger == SZKM_LEDGER_REQUIRED;
	u32 old_active = k->active;
	struct szkm_ver *v;
	int ret;

	ret = szkm_change_busy(k);
	if (ret)
		return ret;
	v = szkm_key_rotate(k, pending);
	if (IS_ERR(v))
		return PTR_ERR(v);
	ret = szkm_event_emit(SZKM_EV_KEY_ROTATE, key, k, v);
	if (ret) {
		szkm_key_unrotate(k, old_active);
		return ret;
	}
	k->rotated_at = ktime_get_boottime_seconds();
	szkm_krs_schedule(k);
	return 0;
}

/* The rotation service's entry: @key is referenced by the caller. */
int szkm_keytype_rotate(struct key *key, struct szkm_key *k)
{
	int ret = -ENOKEY;

	down_read(&key->sem);
	if (key->type == &szkm_key_type && key_is_positive(key) &&
	    !test_bit(KEY_FLAG_DEAD, &key->flags) && szkm_key_of(key) == k) {
		mutex_lock(&k->lock);
		ret = szkm_update_rotate(key, k);
		mutex_unlock(&k->lock);
		if (!ret)
			szkm_krs_count_rotation();
	}
	up_read(&key->sem);
	return ret;
}

/* A version waiting for the ledger is changed by nothing but its proof. */
static int szkm_not_pending(const struct szkm_key *k, const struct szkm_ver *v)
{
	if (!v || v->state != SZKM_VS_PENDING)
		return 0;
	pr_info_ratelimited("'%s' v%u waits for the ledger: change it once it is active\n", k->name, v->ver);
	return -EBUSY;
}

static int szkm_update_retire(struct key *key, struct szkm_key *k, u32 ver)
{
	struct szkm_change ch = { .kind = SZKM_CHANGE_RETIRE, .ver = ver };
	struct szkm_ver *v = szkm_key_find(k, ver);
	bool wait = szkm_waits_for_ledger(k);
	u8 old = v ? v->state : 0;
	int ret;

	ret = szkm_change_busy(k) ?: szkm_not_pending(k, v) ?: szkm_key_retire(k, ver);
	if (ret || old == v->state)
		return ret;
	ret = szkm_change_record(key, k, SZKM_EV_KEY_STATE, v, &ch, wait);
	if (ret || wait)
		v->state = old;
	return ret;
}

/* The event says "destroyed" before the secret is wiped. */
static int szkm_update_destroy(struct key *key, struct szkm_key *k, u32 ver)
{
	struct szkm_change ch = { .kind = SZKM_CHANGE_DESTROY, .ver = ver };
	struct szkm_ver *v = szkm_key_destroy_check(k, ver);
	bool wait = szkm_waits_for_ledger(k);
	u8 old;
	int ret;

	if (IS_ERR(v))
		return PTR_ERR(v);
	ret = szkm_change_busy(k) ?: szkm_not_pending(k, v);
	if (ret)
		return ret;
	old = v->state;
	v->state = SZKM_VS_DESTROYED;
	ret = szkm_change_record(key, k, SZKM_EV_KEY_DESTROY, v, &ch, wait);
	v->state = old;
	if (!ret && !wait)
		szkm_key_destroy_version(v);
	return ret;
}

static int szkm_update_policy(struct key *key, struct szkm_key *k,
			      const struct szkm_request *cmd)
{
	struct szkm_change ch = { .kind = SZKM_CHANGE_POLICY };
	struct szkm_policy old = k->policy;
	/* Whether it waits is the policy in force's to say, not the new one's. */
	bool wait = szkm_waits_for_ledger(k);
	int ret;

	ret = szkm_change_busy(k) ?: szkm_async_allowed(cmd, k->name);
	if (ret)
		return ret;
	if (cmd->policy_set & SZKM_POL_ROTATE)
		k->policy.rotate_secs = cmd->policy.rotate_secs;
	if (cmd->policy_set & SZKM_POL_MAX_USES)
		k->policy.max_uses = cmd->policy.max_uses;
	if (cmd->policy_set & SZKM_POL_MIN_VERSION)
		k->policy.min_version = cmd->policy.min_version;
	if (cmd->policy_set & SZKM_POL_LEDGER)
		k->policy.ledger = cmd->policy.ledger;
	ch.policy = k->policy;
	ret = szkm_change_record(key, k, SZKM_EV_KEY_POLICY, szkm_key_active(k), &ch, wait);
	if (ret || wait)
		k->policy = old;
	else
		szkm_krs_schedule(k);
	return ret;
}

static int szkm_key_update(struct key *key, struct key_preparsed_payload *prep)
{
	struct szkm_request *cmd = prep->payload.data[1];
	struct szkm_key *k = szkm_key_of(key);
	int ret;

	if (key_is_negative(key) || !k)
		return -ENOKEY;
	if (!cmd) {
		pr_info_ratelimited("'%s': keyctl update takes rotate, retire, destroy, set or provision\n", k->name);
		return -EINVAL;
	}
	if (szkm_grant_owner(key)) {
		pr_info_ratelimited("'%s': key %d is a grant: it is used, not changed (its owner changes the key)\n",
				    k->name, key->serial);
		return -EACCES;
	}
	mutex_lock(&k->lock);
	ret = szkm_key_serves(key, k);
	if (ret) {
		mutex_unlock(&k->lock);
		return ret;
	}
	switch (cmd->op) {
	case SZKM_OP_ROTATE:
		ret = szkm_update_rotate(key, k);
		break;
	case SZKM_OP_RETIRE:
		ret = szkm_update_retire(key, k, cmd->version);
		break;
	case SZKM_OP_DESTROY:
		ret = szkm_update_destroy(key, k, cmd->version);
		break;
	case SZKM_OP_PROVISION:
		ret = szkm_consumer_provision(k, cmd->version, cmd->consumer, cmd->keyring);
		break;
	case SZKM_OP_SET:
		ret = szkm_update_policy(key, k, cmd);
		break;
	default:
		ret = -EINVAL;
	}
	mutex_unlock(&k->lock);
	return ret;
}

/* Under the key's lock: a grant or revoke takes effect. */
static int szkm_grant_apply(struct szkm_key *k, const struct szkm_change *ch)
{
	return ch->kind == SZKM_CHANGE_GRANT ? szkm_grant_add(k, ch->uid) :
	       szkm_grant_remove(k, ch->uid);
}

/* A change whose event the ledger proved takes effect (under k->lock). */
static void szkm_apply_locked(struct szkm_key *k, const struct szkm_change *ch)
{
	struct szkm_ver *v = szkm_key_find(k, ch->ver);

	switch (ch->kind) {
	case SZKM_CHANGE_ACTIVATE:
		if (szkm_key_activate(k, ch->ver))
			pr_info_ratelimited("'%s' v%u active: its event is in the ledger\n", k->name, ch->ver);
		return;
	case SZKM_CHANGE_RETIRE:
		if (!szkm_key_retire(k, ch->ver))
			pr_info_ratelimited("'%s' v%u retired: its event is in the ledger\n", k->name, ch->ver);
		break;
	case SZKM_CHANGE_DESTROY:
		if (v && v->state != SZKM_VS_DESTROYED) {
			szkm_key_destroy_version(v);
			pr_info_ratelimited("'%s' v%u destroyed: its event is in the ledger\n", k->name, ch->ver);
		}
		break;
	case SZKM_CHANGE_POLICY:
		k->policy = ch->policy;
		szkm_krs_schedule(k);
		pr_info_ratelimited("'%s' policy changed: its event is in the ledger\n", k->name);
		break;
	case SZKM_CHANGE_GRANT:
	case SZKM_CHANGE_REVOKE:
		if (!szkm_grant_apply(k, ch))
			pr_info_ratelimited("'%s' %s uid %u: its event is in the ledger\n", k->name,
					    ch->kind == SZKM_CHANGE_GRANT ? "granted to" : "no longer granted to",
					    ch->uid);
		break;
	default:
		return;
	}
	if (!WARN_ON_ONCE(!k->changes))
		k->changes--;
}

/* The journal calls this when the ledger proves the event of a change. */
void szkm_keytype_apply(struct key *key, const struct szkm_change *ch)
{
	bool grants = ch->kind == SZKM_CHANGE_GRANT || ch->kind == SZKM_CHANGE_REVOKE;
	struct szkm_key *k;

	/* Not "positive" yet when the proof beats keyctl add's return. */
	down_read(&key->sem);
	if (key->type == &szkm_key_type && !test_bit(KEY_FLAG_DEAD, &key->flags) &&
	    (k = szkm_key_of(key))) {
		mutex_lock(&k->lock);
		szkm_apply_locked(k, ch);
		mutex_unlock(&k->lock);
	} else {
		grants = false;
	}
	up_read(&key->sem);
	/* The grant's object is made, or the revoked one dropped, at once. */
	if (grants)
		szkm_grant_sync(key);
}



static void szkm_key_destroy(struct key *key)
{
	struct key *owner = szkm_grant_owner(key);
	struct szkm_key *k = szkm_key_of(key);
	unsigned int i;

	if (!k)
		return;
	if (owner) {
		mutex_lock(&k->lock);
		for (i = 0; i < k->ngrants; i++)
			if (k->grants[i].obj == key)
				k->grants[i].obj = NULL;
		mutex_unlock(&k->lock);
		szkm_grant_forget(key);
		szkm_key_put(k);
		key_put(owner);
		return;
	}
	szkm_krs_forget(k);
	szkm_key_put(k);
	atomic_dec(&szkm_nkeys);
}

static void szkm_key_describe(const struct key *key, struct seq_file *m)
{
	struct szkm_key *k = szkm_key_of(key);

	seq_puts(m, key->description);
	if (!key_is_positive(key) || !k)
		return;
	/* No lock here (RCU context): these fields are plain metadata. */
	seq_printf(m, ": %s v%u id=%*phN", szkm_alg_name(k->alg), READ_ONCE(k->active),
		   SZKM_KEY_ID_LEN, k->id);
}

/* The sealed blob as hex, with the usual size-probe rule. */
static long szkm_key_read(const struct key *key, char *buffer, size_t buflen)
{
	struct szkm_key *k = szkm_key_of(key);
	size_t len;
	u8 *blob;
	int ret;

	ret = szkm_device_ready();
	if (ret)
		return ret;
	if (szkm_grant_owner(key)) {
		/* A blob would let its holder load the key as its own. */
		pr_info_ratelimited("'%s': key %d is a grant: its blob is its owner's to read\n",
				    k->name, key->serial);
		return -EACCES;
	}
	mutex_lock(&k->lock);
	ret = szkm_key_serves(key, k);
	/*
	 * A blob now would carry the change's mark with the state before it,
	 * a state the ledger does not hold once it proves the change.
	 */
	if (!ret && k->changes) {
		pr_info_ratelimited("'%s': a change waits for the ledger: its blob is written once that is in\n",
				    k->name);
		ret = -EBUSY;
	} else if (!ret) {
		ret = szkm_blob_write(k, &blob, &len);
	}
	mutex_unlock(&k->lock);
	if (ret)
		return ret;
	if (buffer && buflen >= 2 * len)
		bin2hex(buffer, blob, len);
	kfree(blob);
	return 2 * len;
}

/*
 * The pkey hooks run without the key's semaphore (keyctl_pkey.c takes only
 * a reference), while the key type's unregistration at rmmod destroys the
 * payload of every key, referenced or not, under it. So each hook holds
 * it for reading for the whole operation: the payload lives until the
 * hook returns, and a key destroyed meanwhile is refused.
 */
static struct szkm_key *szkm_asym_begin(struct key *key, int *err)
{
	struct szkm_key *k;

	down_read(&key->sem);
	if (key->type != &szkm_key_type || test_bit(KEY_FLAG_DEAD, &key->flags) ||
	    !(k = szkm_key_of(key))) {
		up_read(&key->sem);
		*err = -EKEYREVOKED;
		return NULL;
	}
	mutex_lock(&k->lock);
	*err = szkm_key_serves(key, k);
	if (*err) {
		mutex_unlock(&k->lock);
		up_read(&key->sem);
		return NULL;
	}
	return k;
}

static void szkm_asym_end(struct key *key, struct szkm_key *k)
{
	mutex_unlock(&k->lock);
	up_read(&key->sem);
}

static int szkm_asym_query(const struct kernel_pkey_params *params,
			   struct kernel_pkey_query *info)
{
	struct szkm_key *k;
	int ret;

	k = szkm_asym_begin(params->key, &ret);
	if (!k)
		return ret;
	ret = szkm_keyops_query(k, info);
	szkm_asym_end(params->key, k);
	return ret;
}

static int szkm_asym_eds_op(struct kernel_pkey_params *params, const void *in, void *out)
{
	struct szkm_key *k;
	int ret;

	ret = szkm_device_ready();
	if (ret)
		return ret;
	k = szkm_asym_begin(params->key, &ret);
	if (!k)
		return ret;
	ret = szkm_keyops_eds(k, params, in, out);
	szkm_asym_end(params->key, k);
	return ret;
}

static int szkm_asym_verify(struct kernel_pkey_params *params, const void *in, const void *in2)
{
	struct szkm_key *k;
	int ret;

	k = szkm_asym_begin(params->key, &ret);
	if (!k)
		return ret;
	ret = szkm_keyops_verify(k, params, in, in2);
	szkm_asym_end(params->key, k);
	return ret;
}

/*
 * Key @serial, which the caller may View (keyctl's own check, in the
 * sender's context), with its semaphore held for reading: its shared
 * state in *@kp and the reference in *@ref; else a negative errno and
 * *@why, nothing held.
 */
static int szkm_view_key(u32 serial, key_ref_t *ref, struct szkm_key **kp, const char **why)
{
	struct key *key;

	*ref = lookup_user_key(serial, 0, KEY_NEED_VIEW);
	if (IS_ERR(*ref)) {
		*why = SZKM_MSG("no such key, or no View permission on it");
		return PTR_ERR(*ref);
	}
	key = key_ref_to_ptr(*ref);
	down_read(&key->sem);
	if (key->type != &szkm_key_type || key_validate(key) || !(*kp = szkm_key_of(key))) {
		up_read(&key->sem);
		key_ref_put(*ref);
		*why = SZKM_MSG("not a live szkm key");
		return -EINVAL;
	}
	return 0;
}

int szkm_keytype_with_key(u32 serial, int (*fn)(const struct szkm_key *k, void *arg),
			  void *arg, const char **why)
{
	struct szkm_key *k;
	key_ref_t ref;
	int ret;

	ret = szkm_view_key(serial, &ref, &k, why);
	if (ret)
		return ret;
	mutex_lock(&k->lock);
	ret = fn(k, arg);
	mutex_unlock(&k->lock);
	up_read(&key_ref_to_ptr(ref)->sem);
	key_ref_put(ref);
	return ret;
}

/* Under the key's lock: whether @uid's grant can change, and why not. */
static int szkm_grant_check(const struct szkm_key *k, u32 uid, bool revoke, const char **why)
{
	if (k->changes) {
		*why = SZKM_MSG("another change of the key waits for the ledger's proof; grant once that is in");
		return -EBUSY;
	}
	if (revoke && szkm_grant_find(k, uid) < 0) {
		*why = SZKM_MSG("the key is not granted to that uid");
		return -ENOENT;
	}
	if (revoke)
		return 0;
	if (szkm_grant_find(k, uid) >= 0) {
		*why = SZKM_MSG("the key is granted to that uid already");
		return -EEXIST;
	}
	if (k->ngrants == SZKM_GRANTS_MAX) {
		*why = SZKM_MSG("the key has as many grants as it may (SZKM_GRANTS_MAX)");
		return -ENOSPC;
	}
	return 0;
}

/* Whether @key is an owner object the caller owns and may grant to @uid. */
static int szkm_grant_allowed(const struct key *key, const struct szkm_key *k, u32 uid,
			      bool revoke, const char **why)
{
	if (szkm_grant_owner(key)) {
		*why = SZKM_MSG("that key object is a grant itself: grants are made from the owner's key");
		return -EPERM;
	}
	if (!uid_eq(current_fsuid(), k->owner_uid)) {
		*why = SZKM_MSG("only the uid that made or loaded the key grants it");
		return -EPERM;
	}
	if (!revoke && uid_eq(make_kuid(&init_user_ns, uid), k->owner_uid)) {
		*why = SZKM_MSG("that uid owns the key");
		return -EINVAL;
	}
	/* Checked before the key's lock: grant.c's lock comes first. */
	if (!revoke && szkm_grant_name_taken(uid, k->name, k)) {
		*why = SZKM_MSG("that uid holds a grant of another key of this name (its keyring holds one key of a name)");
		return -EEXIST;
	}
	return 0;
}

int szkm_keytype_grant(u32 serial, u32 uid, bool revoke, const char **why)
{
	struct szkm_change ch = {
		.kind = revoke ? SZKM_CHANGE_REVOKE : SZKM_CHANGE_GRANT,
		.uid = uid,
	};
	bool wait = false;
	struct szkm_key *k;
	struct key *key;
	key_ref_t ref;
	int ret;

	if (!uid_valid(make_kuid(&init_user_ns, uid))) {
		*why = SZKM_MSG("not a uid");
		return -EINVAL;
	}
	ret = szkm_device_ready();
	if (ret) {
		*why = SZKM_MSG("the device is not ready");
		return ret;
	}
	ret = szkm_view_key(serial, &ref, &k, why);
	if (ret)
		return ret;
	key = key_ref_to_ptr(ref);
	ret = szkm_grant_allowed(key, k, uid, revoke, why);
	if (ret)
		goto out;
	mutex_lock(&k->lock);
	ret = szkm_grant_check(k, uid, revoke, why);
	if (!ret) {
		/* Recorded before it exists; ledger=required: applied on proof. */
		wait = szkm_waits_for_ledger(k);
		ret = szkm_event_emit_grant(revoke ? SZKM_EV_KEY_REVOKE : SZKM_EV_KEY_GRANT,
					    key, k, &ch, wait);
		if (ret)
			*why = SZKM_MSG("the event could not be recorded (the journal is full, or the chain is not resumed)");
		else if (wait)
			k->changes++;
		else
			szkm_grant_apply(k, &ch);
	}
	mutex_unlock(&k->lock);
out:
	up_read(&key->sem);
	if (!ret && !wait)
		szkm_grant_sync(key);
	key_ref_put(ref);
	return ret;
}

static struct key_type szkm_key_type = {
	.name = SZKM_KEY_TYPE,
	.vet_description = szkm_vet_description,
	.preparse = szkm_key_preparse,
	.free_preparse = szkm_key_free_preparse,
	.instantiate = szkm_key_instantiate,
	.update = szkm_key_update,
	.destroy = szkm_key_destroy,
	.describe = szkm_key_describe,
	.read = szkm_key_read,
	.asym_query = szkm_asym_query,
	.asym_eds_op = szkm_asym_eds_op,
	.asym_verify_signature = szkm_asym_verify,
};

int __init szkm_keytype_init(void)
{
	int ret = szkm_grant_init();

	if (ret)
		return ret;
	ret = register_key_type(&szkm_key_type);
	if (ret)
		szkm_grant_uninit();
	return ret;
}

/* Grant objects stop being made before the type goes, their keyrings after. */
void szkm_keytype_uninit(void)
{
	szkm_grant_stop();
	unregister_key_type(&szkm_key_type);
	szkm_grant_uninit();
}
