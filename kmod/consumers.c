// SPDX-License-Identifier: GPL-2.0
/*
 * consumers.c - kernel consumers of szkm keys. A version of an aes256-gcm
 * key is copied, inside the kernel, into a key of a type another kernel
 * subsystem reads: "logon" for dm-crypt (":32:logon:szkm:<name>:v<N>" in a
 * table), "fscrypt-provisioning" for FS_IOC_ADD_ENCRYPTION_KEY by key_id.
 * Neither type has a read method, and the keys are made without Read
 * permission, so the raw bytes stay in the kernel. Longer keys (aes-xts,
 * fscrypt's 64-byte master keys) are derived with HKDF-SHA256 under fixed
 * labels (include/szkm.h), so a version gives the same key after a reboot.
 * Each version keeps a reference to the keys provisioned from it, so that
 * destroying the version kills them too.
 */
#include "consumers.h"
#include "event.h"
#include "aead.h"
#include "hkdf.h"
#include "key.h"

#include <linux/err.h>
#include <linux/fscrypt.h>
#include <linux/key.h>
#include <linux/key-type.h>
#include <linux/printk.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/string.h>

/* "szkm:" name ":v" u32 */
#define SZKM_CONS_DESC_MAX	(5 + SZKM_NAME_MAX + 2 + 10 + 1)
/* Room for the largest payload: fscrypt's header and a 64-byte key. */
#define SZKM_CONS_BUF_MAX \
	(sizeof(struct fscrypt_provisioning_key_payload) + SZKM_DERIVED_KEY_LEN)

/*
 * Possessor and owner may find, link, relabel and replace the key, never
 * read it (the logon and fscrypt-provisioning types have no read method
 * anyway; no Read bit keeps it that way if that ever changes).
 */
#define SZKM_CONS_PERM \
	(KEY_POS_VIEW | KEY_POS_SEARCH | KEY_POS_LINK | KEY_POS_SETATTR | KEY_POS_WRITE | \
	 KEY_USR_VIEW | KEY_USR_SEARCH | KEY_USR_LINK | KEY_USR_SETATTR | KEY_USR_WRITE)

/* The version to hand out, or NULL after saying why not. */
static struct szkm_ver *szkm_consumer_version(struct szkm_key *k, u32 ver)
{
	struct szkm_ver *v;

	if (k->alg != SZKM_ALG_AES256_GCM) {
		pr_info_ratelimited("provision '%s': only aes256-gcm keys can be provisioned, this one is %s\n",
			k->name, szkm_alg_name(k->alg));
		return NULL;
	}
	v = szkm_key_find(k, ver);
	if (!v) {
		pr_info_ratelimited("provision '%s': no version %u\n", k->name, ver);
		return NULL;
	}
	if (v->state != SZKM_VS_ACTIVE && v->state != SZKM_VS_DECRYPT_ONLY) {
		pr_info_ratelimited("provision '%s': version %u is %s, only active or decrypt-only versions can be provisioned\n",
			k->name, ver, szkm_vstate_name(v->state));
		return NULL;
	}
	if (v->secret_len != 32) {
		pr_info_ratelimited("provision '%s': version %u holds no secret\n", k->name, ver);
		return NULL;
	}
	if (k->policy.min_version && ver < k->policy.min_version) {
		pr_info_ratelimited("provision '%s': version %u is below min_version %u\n",
			k->name, ver, k->policy.min_version);
		return NULL;
	}
	return v;
}

/*
 * Fills @buf with the payload of @consumer's key for secret @v; returns its
 * length or a negative errno. @buf holds SZKM_CONS_BUF_MAX bytes.
 */
static int szkm_consumer_payload(u8 consumer, const struct szkm_ver *v, u8 *buf)
{
	struct fscrypt_provisioning_key_payload *fp;
	int ret;

	switch (consumer) {
	case SZKM_CONS_LOGON:
		ret = szkm_hkdf_sha256(NULL, 0, v->secret, v->secret_len,
				       SZKM_LOGON_INFO, strlen(SZKM_LOGON_INFO),
				       buf, SZKM_AES_KEY_LEN);
		return ret ?: SZKM_AES_KEY_LEN;
	case SZKM_CONS_LOGON_XTS:
		ret = szkm_hkdf_sha256(NULL, 0, v->secret, v->secret_len,
				       SZKM_XTS_INFO, strlen(SZKM_XTS_INFO),
				       buf, SZKM_DERIVED_KEY_LEN);
		return ret ?: SZKM_DERIVED_KEY_LEN;
	case SZKM_CONS_FSCRYPT:
		/* v2 policies only: fscrypt refuses a type that differs from the ioctl's. */
		fp = (struct fscrypt_provisioning_key_payload *)buf;
		fp->type = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER;
		fp->__reserved = 0;
		ret = szkm_hkdf_sha256(NULL, 0, v->secret, v->secret_len,
				       SZKM_FSCRYPT_INFO, strlen(SZKM_FSCRYPT_INFO),
				       fp->raw, SZKM_DERIVED_KEY_LEN);
		return ret ?: (int)(sizeof(*fp) + SZKM_DERIVED_KEY_LEN);
	}
	return -EINVAL;
}

/* Takes entry @i off @v's list; its reference is the caller's now. */
static struct key *szkm_consumer_untrack(struct szkm_ver *v, unsigned int i)
{
	struct key *key = v->prov[i];

	v->prov[i] = v->prov[--v->nprov];
	v->prov[v->nprov] = NULL;
	return key;
}

/*
 * Invalidated rather than revoked: invalidation takes a key out of every
 * keyring it was linked into at once (a search no longer finds it,
 * dm-crypt and fscrypt no longer load it), and the key GC destroys it as
 * soon as the last reference goes, which wipes the payload of both types.
 * A revoked key would stay linked under its szkm:<name>:v<N> name for
 * key_gc_delay (5 minutes by default), and fscrypt-provisioning keys have
 * no revoke method, so their bytes would stay in memory that long too.
 */
void szkm_consumer_kill(struct szkm_ver *v)
{
	struct key *key;

	while (v->nprov) {
		key = szkm_consumer_untrack(v, v->nprov - 1);
		if (!test_bit(KEY_FLAG_INVALIDATED, &key->flags)) {
			key_invalidate(key);
			pr_info_ratelimited("invalidated %s key %d \"%s\": its version is destroyed\n",
				key->type->name, key->serial, key->description);
		}
		key_put(key);
	}
}

/*
 * A freed szkm key is not a destroyed one: its versions live on in the
 * sealed blob, and the same secret comes back with "load". Its copies stay
 * usable, as the consumers expect: a boot script that loads a key into its
 * session keyring and provisions it into @u for dm-crypt must not lose the
 * logon key when the session ends. Only "destroy" kills copies; released
 * ones live as long as a keyring holds them.
 */
void szkm_consumer_release(struct szkm_ver *v)
{
	while (v->nprov)
		key_put(szkm_consumer_untrack(v, v->nprov - 1));
}

/*
 * Copies that need no tracking any more: dead already (revoked or
 * invalidated by their owner), or linked nowhere, so that this list holds
 * the only reference. Those are invalidated on the way out: a caller who
 * knows the serial could link one again, and an untracked copy would
 * outlive its version's destruction.
 */
static void szkm_consumer_prune(struct szkm_ver *v)
{
	unsigned int i = 0;

	while (i < v->nprov) {
		struct key *key = v->prov[i];

		if (test_bit(KEY_FLAG_REVOKED, &key->flags) ||
		    test_bit(KEY_FLAG_INVALIDATED, &key->flags) ||
		    refcount_read(&key->usage) == 1) {
			key = szkm_consumer_untrack(v, i);
			key_invalidate(key);
			key_put(key);
		} else {
			i++;
		}
	}
}

/*
 * Remembers @key, just provisioned from @v. A key updated in place is
 * there already. With the list full of live copies, @key is invalidated
 * and refused, since a copy the version does not track would outlive it.
 */
static int szkm_consumer_track(struct szkm_key *k, struct szkm_ver *v, struct key *key)
{
	unsigned int i;

	for (i = 0; i < v->nprov; i++)
		if (v->prov[i] == key)
			return 0;
	szkm_consumer_prune(v);
	if (v->nprov >= SZKM_PROV_MAX) {
		key_invalidate(key);
		pr_info_ratelimited("provision '%s' v%u: %d copies of it are in use already; unlink one first\n",
			k->name, v->ver, SZKM_PROV_MAX);
		return -ENOSPC;
	}
	v->prov[v->nprov++] = key_get(key);
	return 0;
}

static const u8 szkm_consumer_event[__SZKM_CONS_MAX] = {
	[SZKM_CONS_LOGON] = SZKM_EV_KEY_PROVISION_LOGON,
	[SZKM_CONS_LOGON_XTS] = SZKM_EV_KEY_PROVISION_LOGON_XTS,
	[SZKM_CONS_FSCRYPT] = SZKM_EV_KEY_PROVISION_FSCRYPT,
};

int szkm_consumer_provision(struct szkm_key *k, u32 ver, u8 consumer, s32 keyring)
{
	const char *type = consumer == SZKM_CONS_FSCRYPT ? "fscrypt-provisioning" : "logon";
	char desc[SZKM_CONS_DESC_MAX];
	struct szkm_ver *v;
	key_ref_t ring, ref;
	u8 *buf;
	int len, ret;

	if (consumer >= __SZKM_CONS_MAX)
		return -EINVAL;
	v = szkm_consumer_version(k, ver);
	if (!v)
		return -EINVAL;
	snprintf(desc, sizeof(desc), "szkm:%s:v%u", k->name, ver);

	/* In the caller's context: its keyrings, its Write permission. */
	ring = lookup_user_key(keyring, KEY_LOOKUP_CREATE, KEY_NEED_WRITE);
	if (IS_ERR(ring)) {
		ret = PTR_ERR(ring);
		pr_info_ratelimited("provision '%s' v%u: keyring %d %s (%d)\n", k->name, ver, keyring,
			ret == -EACCES ? "does not grant Write permission" : "not found", ret);
		return ret;
	}

	buf = kzalloc(SZKM_CONS_BUF_MAX, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto out_ring;
	}
	len = szkm_consumer_payload(consumer, v, buf);
	if (len < 0) {
		ret = len;
		pr_info_ratelimited("provision '%s' v%u: key derivation failed (%d)\n", k->name, ver, ret);
		goto out_buf;
	}
	/* On record before the consumer has it: no event, no provision. */
	ret = szkm_event_emit(szkm_consumer_event[consumer], NULL, k, v);
	if (ret)
		goto out_buf;
	/* Replaces an earlier provision of the same version in that keyring. */
	ref = key_create_or_update(ring, type, desc, buf, len, SZKM_CONS_PERM,
				   KEY_ALLOC_NOT_IN_QUOTA);
	if (IS_ERR(ref)) {
		ret = PTR_ERR(ref);
		if (ret == -ENOTDIR)
			pr_info_ratelimited("provision '%s' v%u: %d is not a keyring\n", k->name, ver, keyring);
		else if (ret == -EACCES)
			pr_info_ratelimited("provision '%s' v%u: the %s key \"%s\" already in keyring %d does not grant Write permission\n",
				k->name, ver, type, desc, keyring);
		else
			pr_info_ratelimited("provision '%s' v%u: adding the %s key \"%s\" failed (%d)\n",
				k->name, ver, type, desc, ret);
		goto out_buf;
	}
	ret = szkm_consumer_track(k, v, key_ref_to_ptr(ref));
	if (!ret)
		pr_info_ratelimited("provisioned '%s' v%u as %s key %d \"%s\"\n", k->name, ver,
			szkm_consumer_name(consumer), key_ref_to_ptr(ref)->serial, desc);
	key_ref_put(ref);
out_buf:
	kfree_sensitive(buf);
out_ring:
	key_ref_put(ring);
	return ret;
}
