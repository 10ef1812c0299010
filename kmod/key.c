// SPDX-License-Identifier: GPL-2.0
/*
 * key.c - versions and their states. A key has at most one active version
 * (the one that encrypts and signs); older ones are decrypt-only (decrypt
 * and verify) until destroyed, when their secret is wiped and only the
 * metadata stays. Version numbers count up from 1 and are never reused.
 * This file owns every allocation of secret material in the key type and
 * wipes it on every path.
 */
#include "key.h"
#include "aead.h"
#include "consumers.h"
#include "crypto/p256.h"
#include "registry.h"
#include "quota.h"

#include <linux/err.h>
#include <linux/key.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/ktime.h>

static const char *const szkm_vstate_names[] = {
	[SZKM_VS_NONE] = "none",
	[SZKM_VS_PENDING] = "pending",
	[SZKM_VS_ACTIVE] = "active",
	[SZKM_VS_DECRYPT_ONLY] = "decrypt-only",
	[SZKM_VS_DESTROYED] = "destroyed",
};

const char *szkm_vstate_name(u8 state)
{
	return state < ARRAY_SIZE(szkm_vstate_names) ? szkm_vstate_names[state] : "?";
}

struct szkm_key *szkm_key_alloc(const char *name, u8 alg, const u8 id[SZKM_KEY_ID_LEN])
{
	struct szkm_key *k;

	if (strlen(name) > SZKM_NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return ERR_PTR(-ENOMEM);
	refcount_set(&k->ref, 1);
	mutex_init(&k->lock);
	k->alg = alg;
	strscpy(k->name, name, sizeof(k->name));
	if (id)
		memcpy(k->id, id, SZKM_KEY_ID_LEN);
	else
		get_random_bytes(k->id, SZKM_KEY_ID_LEN);
	k->next_version = 1;
	RB_CLEAR_NODE(&k->krs_node);
	k->rotated_at = ktime_get_boottime_seconds();
	return k;
}

static void szkm_ver_wipe_secret(struct szkm_ver *v)
{
	szkm_aead_free(v->tfm);
	v->tfm = NULL;
	memzero_explicit(v->secret, sizeof(v->secret));
	v->secret_len = 0;
}

/* Provisioned keys outlive a freed version: consumers.c says why. */
static void szkm_ver_free(struct szkm_ver *v)
{
	if (!v)
		return;
	szkm_consumer_release(v);
	szkm_ver_wipe_secret(v);
	kfree_sensitive(v);
}

void szkm_key_free(struct szkm_key *k)
{
	unsigned int i;

	if (IS_ERR_OR_NULL(k))
		return;
	if (k->claimed)
		szkm_registry_release(k->id);
	if (k->counted)
		szkm_quota_put(k->quota_uid);
	for (i = 0; i < k->nver; i++)
		szkm_ver_free(k->ver[i]);
	for (i = 0; i < k->nstale; i++)
		key_put(k->stale[i]);
	kfree_sensitive(k);
}

void szkm_key_put(struct szkm_key *k)
{
	if (!IS_ERR_OR_NULL(k) && refcount_dec_and_test(&k->ref))
		szkm_key_free(k);
}

/* Fills in what a secret implies: the AES transform or the public key. */
static int szkm_ver_prepare(struct szkm_ver *v, u8 alg)
{
	if (!v->secret_len)
		return 0;
	if (alg == SZKM_ALG_AES256_GCM) {
		v->tfm = szkm_aead_new(v->secret);
		return PTR_ERR_OR_ZERO(v->tfm);
	}
	if (szkm_p256_check_priv(v->secret))
		return -EINVAL;
	v->pub_len = SZKM_P256_PUB_LEN;
	return szkm_p256_pubkey(v->pub, v->secret);
}

static int szkm_ver_check_sizes(u8 alg, size_t slen, size_t plen)
{
	size_t want_s = SZKM_SECRET_MAX;

	if (alg == SZKM_ALG_AES256_GCM)
		return slen == want_s && plen == 0 ? 0 : -EINVAL;
	if (slen && slen != want_s)
		return -EINVAL;
	if (plen && plen != SZKM_P256_PUB_LEN)
		return -EINVAL;
	return 0;
}

static int szkm_key_insert(struct szkm_key *k, struct szkm_ver *v)
{
	if (k->nver >= SZKM_MAX_VERSIONS) {
		pr_info_ratelimited("key '%s' has %u version records: destroy old versions first\n",
			k->name, k->nver);
		return -ENOSPC;
	}
	k->ver[k->nver++] = v;
	if (v->state == SZKM_VS_ACTIVE)
		k->active = v->ver;
	return 0;
}

int szkm_key_add_version(struct szkm_key *k, u8 origin, u8 state,
			 const u8 *secret, size_t slen, const u8 *pub, size_t plen)
{
	struct szkm_ver *v;
	int ret;

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	v->origin = origin;
	v->state = state;
	if (!secret && !pub) {
		slen = SZKM_SECRET_MAX;
		do {
			get_random_bytes(v->secret, slen);
		} while (k->alg != SZKM_ALG_AES256_GCM && szkm_p256_check_priv(v->secret));
	} else if (secret) {
		memcpy(v->secret, secret, min_t(size_t, slen, sizeof(v->secret)));
	}
	ret = szkm_ver_check_sizes(k->alg, slen, secret ? 0 : plen);
	if (ret)
		goto err;
	v->secret_len = slen;
	if (pub && !secret) {
		ret = szkm_p256_check_pub(pub);
		if (ret)
			goto err;
		memcpy(v->pub, pub, plen);
		v->pub_len = plen;
	}
	ret = szkm_ver_prepare(v, k->alg);
	if (ret)
		goto err;
	v->ver = k->next_version;
	ret = szkm_key_insert(k, v);
	if (ret)
		goto err;
	k->next_version++;
	return 0;
err:
	szkm_ver_free(v);
	return ret;
}

/* What a version record read from a blob may hold in its state. */
static bool szkm_ver_consistent(u8 alg, const struct szkm_ver *v)
{
	if (v->state < SZKM_VS_PENDING || v->state > SZKM_VS_DESTROYED ||
	    v->origin < SZKM_ORIGIN_GENERATED || v->origin > SZKM_ORIGIN_IMPORTED_PUBLIC ||
	    (v->pub_len != 0 && v->pub_len != SZKM_P256_PUB_LEN))
		return false;
	if (v->state == SZKM_VS_DESTROYED)
		return v->secret_len == 0;
	if (alg == SZKM_ALG_AES256_GCM)
		return v->secret_len == SZKM_SECRET_MAX && v->pub_len == 0;
	if (v->origin == SZKM_ORIGIN_IMPORTED_PUBLIC)
		return v->secret_len == 0 && v->pub_len == SZKM_P256_PUB_LEN;
	return v->secret_len == SZKM_SECRET_MAX;
}

int szkm_key_restore_version(struct szkm_key *k, const struct szkm_ver *src)
{
	struct szkm_ver *v;
	int ret = 0;

	/* Never active, never used: a pending version is not restored. */
	if (src->state == SZKM_VS_PENDING && szkm_ver_consistent(k->alg, src))
		return 0;
	if (src->ver == 0 || src->ver >= k->next_version || szkm_key_find(k, src->ver) ||
	    (src->state == SZKM_VS_ACTIVE && k->active) ||
	    !szkm_ver_consistent(k->alg, src))
		return -EINVAL;
	v = kmemdup(src, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	v->tfm = NULL;
	v->nprov = 0;
	memset(v->prov, 0, sizeof(v->prov));
	if (v->secret_len)
		v->pub_len = 0;		/* derived again from the secret */
	else if (v->pub_len && szkm_p256_check_pub(v->pub))
		ret = -EINVAL;
	if (!ret)
		ret = szkm_ver_prepare(v, k->alg);
	if (!ret)
		ret = szkm_key_insert(k, v);
	if (ret)
		szkm_ver_free(v);
	return ret;
}

struct szkm_ver *szkm_key_find(struct szkm_key *k, u32 ver)
{
	unsigned int i;

	for (i = 0; i < k->nver; i++)
		if (k->ver[i]->ver == ver)
			return k->ver[i];
	return NULL;
}

struct szkm_ver *szkm_key_active(struct szkm_key *k)
{
	return k->active ? szkm_key_find(k, k->active) : NULL;
}

struct szkm_ver *szkm_key_pending(struct szkm_key *k)
{
	unsigned int i;

	for (i = 0; i < k->nver; i++)
		if (k->ver[i]->state == SZKM_VS_PENDING)
			return k->ver[i];
	return NULL;
}

/*
 * A new version: active at once, or pending until the ledger holds its
 * event (the active one keeps serving meanwhile). Returns the new version.
 */
struct szkm_ver *szkm_key_rotate(struct szkm_key *k, bool pending)
{
	struct szkm_ver *old = szkm_key_active(k);
	int ret;

	if (old && !old->secret_len) {
		pr_info_ratelimited("key '%s' holds a public key only: it cannot rotate\n", k->name);
		return ERR_PTR(-EOPNOTSUPP);
	}
	if (szkm_key_pending(k)) {
		pr_info_ratelimited("key '%s' has a version waiting for the ledger already\n", k->name);
		return ERR_PTR(-EBUSY);
	}
	ret = szkm_key_add_version(k, SZKM_ORIGIN_GENERATED,
				   pending ? SZKM_VS_PENDING : SZKM_VS_ACTIVE, NULL, 0, NULL, 0);
	if (ret)
		return ERR_PTR(ret);
	if (old && !pending)
		old->state = SZKM_VS_DECRYPT_ONLY;
	return k->ver[k->nver - 1];
}

/* Takes back the newest version (its event could not be recorded). */
void szkm_key_unrotate(struct szkm_key *k, u32 old_active)
{
	struct szkm_ver *v = k->ver[--k->nver], *old;

	k->ver[k->nver] = NULL;
	k->next_version = v->ver;	/* never published: the number is free */
	szkm_ver_free(v);
	k->active = old_active;
	old = szkm_key_active(k);
	if (old)
		old->state = SZKM_VS_ACTIVE;
}

/* A pending version whose event the ledger holds becomes the active one. */
bool szkm_key_activate(struct szkm_key *k, u32 ver)
{
	struct szkm_ver *v = szkm_key_find(k, ver), *old = szkm_key_active(k);

	if (!v || v->state != SZKM_VS_PENDING)
		return false;
	if (old)
		old->state = SZKM_VS_DECRYPT_ONLY;
	v->state = SZKM_VS_ACTIVE;
	k->active = ver;
	return true;
}

static struct szkm_ver *szkm_key_old_version(struct szkm_key *k, u32 ver, const char *what)
{
	struct szkm_ver *v = szkm_key_find(k, ver);

	if (!v) {
		pr_info_ratelimited("%s: key '%s' has no version %u\n", what, k->name, ver);
		return ERR_PTR(-ENOENT);
	}
	if (v->state == SZKM_VS_ACTIVE) {
		pr_info_ratelimited("%s: version %u of key '%s' is active: rotate first\n", what, ver, k->name);
		return ERR_PTR(-EBUSY);
	}
	return v;
}

int szkm_key_retire(struct szkm_key *k, u32 ver)
{
	struct szkm_ver *v = szkm_key_old_version(k, ver, "retire");

	if (IS_ERR(v))
		return PTR_ERR(v);
	if (v->state == SZKM_VS_DESTROYED)
		return -EINVAL;
	v->state = SZKM_VS_DECRYPT_ONLY;
	return 0;
}

struct szkm_ver *szkm_key_destroy_check(struct szkm_key *k, u32 ver)
{
	return szkm_key_old_version(k, ver, "destroy");
}

void szkm_key_destroy_version(struct szkm_ver *v)
{
	szkm_consumer_kill(v);
	szkm_ver_wipe_secret(v);
	v->state = SZKM_VS_DESTROYED;
}
