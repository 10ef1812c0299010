// SPDX-License-Identifier: GPL-2.0
/*
 * blob.c - the key blob (format in include/szkm.h): a clear header naming
 * the algorithm, key id and device, and a body wrapped under the device's
 * root key with the header as associated data, so one flipped byte anywhere
 * makes the whole blob refused. The body only ever exists in the kernel.
 */
#include "blob.h"
#include "device.h"
#include "grant.h"
#include "key.h"
#include "payload.h"
#include "registry.h"
#include "cursor.h"

#include <linux/err.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "kcompat.h"

#define SZKM_BODY_FIXED	(8 + 1 + SZKM_NAME_MAX + 4 + 4 + 8 + 8 + 4 + 1 + 2)
#define SZKM_VER_MAX	(4 + 1 + 1 + 8 + 1 + SZKM_SECRET_MAX + 1 + SZKM_P256_PUB_LEN)
#define SZKM_GRANTS_LEN	(2 + 4 * SZKM_GRANTS_MAX)

static void szkm_blob_header(u8 hdr[SZKM_BLOB_HDR_LEN], u8 alg, const u8 *id, const u8 *dev)
{
	memcpy(hdr, SZKM_BLOB_MAGIC, 4);
	hdr[4] = SZKM_BLOB_FORMAT;
	hdr[5] = alg;
	hdr[6] = hdr[7] = 0;
	memcpy(hdr + 8, id, SZKM_KEY_ID_LEN);
	memcpy(hdr + 8 + SZKM_KEY_ID_LEN, dev, SZKM_DEVICE_ID_LEN);
	/* The last 4 bytes are reserved: written as zeros, never left unset. */
	memset(hdr + 8 + SZKM_KEY_ID_LEN + SZKM_DEVICE_ID_LEN, 0,
	       SZKM_BLOB_HDR_LEN - 8 - SZKM_KEY_ID_LEN - SZKM_DEVICE_ID_LEN);
}

int szkm_blob_write(struct szkm_key *k, u8 **blob, size_t *len)
{
	size_t bodymax = SZKM_BODY_FIXED + k->nver * SZKM_VER_MAX + SZKM_GRANTS_LEN, bodylen;
	u8 dev[SZKM_DEVICE_ID_LEN], *body, *out;
	struct szkm_cur c;
	unsigned int i;
	int ret;

	body = kmalloc(bodymax, GFP_KERNEL);
	out = kmalloc(SZKM_BLOB_HDR_LEN + 4 + bodymax + SZKM_WRAP_OVERHEAD, GFP_KERNEL);
	if (!body || !out) {
		ret = -ENOMEM;
		goto err;
	}
	c = (struct szkm_cur){ body, bodymax, true };
	put_be64(&c, szkm_registry_mark(k->id));
	put_u8(&c, strlen(k->name));
	put_bytes(&c, k->name, strlen(k->name));
	put_be32(&c, k->next_version);
	put_be32(&c, k->active);
	put_policy(&c, &k->policy);
	put_be16(&c, k->nver);
	for (i = 0; i < k->nver; i++) {
		struct szkm_ver *v = k->ver[i];

		put_be32(&c, v->ver);
		put_u8(&c, v->state);
		put_u8(&c, v->origin);
		put_be64(&c, v->uses);
		put_u8(&c, v->secret_len);
		put_bytes(&c, v->secret, v->secret_len);
		/* Public keys derive from secrets; store them only alone. */
		put_u8(&c, v->secret_len ? 0 : v->pub_len);
		if (!v->secret_len)
			put_bytes(&c, v->pub, v->pub_len);
	}
	/* The grants in force: a restore brings them back (grant.c). */
	put_be16(&c, k->ngrants);
	for (i = 0; i < k->ngrants; i++)
		put_be32(&c, k->grants[i].uid);
	if (WARN_ON_ONCE(!c.ok)) {
		ret = -EOVERFLOW;
		goto err;
	}
	bodylen = bodymax - c.left;
	ret = szkm_device_id(dev);
	if (ret)
		goto err;
	szkm_blob_header(out, k->alg, k->id, dev);
	put_unaligned_be32(bodylen + SZKM_WRAP_OVERHEAD, out + SZKM_BLOB_HDR_LEN);
	ret = szkm_device_wrap(out, SZKM_BLOB_HDR_LEN, body, bodylen,
			       out + SZKM_BLOB_HDR_LEN + 4);
	if (ret)
		goto err;
	kfree_sensitive(body);
	*blob = out;
	*len = SZKM_BLOB_HDR_LEN + 4 + bodylen + SZKM_WRAP_OVERHEAD;
	return 0;
err:
	kfree_sensitive(body);
	kfree(out);
	return ret;
}

/* The grant list (blobs from before grants have none): ascending uids. */
static int szkm_blob_grants(struct szkm_key *k, struct szkm_cur *c)
{
	unsigned int i, n = get_be16(c);
	u32 uid, prev = 0;

	if (!c->ok || n > SZKM_GRANTS_MAX)
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		uid = get_be32(c);
		if (!c->ok || (i && uid <= prev) || !uid_valid(make_kuid(&init_user_ns, uid)) ||
		    szkm_grant_add(k, uid))
			return -EBADMSG;
		prev = uid;
	}
	return 0;
}

static int szkm_blob_body(struct szkm_key *k, u8 *body, size_t len, const char *name,
			  u64 *mark)
{
	struct szkm_cur c = { body, len, true };
	char bname[SZKM_NAME_MAX + 1] = "";
	struct szkm_ver *v;
	unsigned int i, n;
	u32 active;
	int ret = 0;

	*mark = get_be64(&c);
	get_field(&c, bname, SZKM_NAME_MAX);
	k->next_version = get_be32(&c);
	active = get_be32(&c);
	get_policy(&c, &k->policy);
	n = get_be16(&c);
	if (!c.ok || n > SZKM_MAX_VERSIONS)
		return -EBADMSG;
	if (strcmp(bname, name)) {
		pr_info_ratelimited("blob is for key '%s', not '%s'\n", bname, name);
		return -EKEYREJECTED;
	}
	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		memset(v, 0, sizeof(*v));
		v->ver = get_be32(&c);
		v->state = get_u8(&c);
		v->origin = get_u8(&c);
		v->uses = get_be64(&c);
		v->secret_len = get_field(&c, v->secret, SZKM_SECRET_MAX);
		v->pub_len = get_field(&c, v->pub, SZKM_P256_PUB_LEN);
		ret = c.ok ? szkm_key_restore_version(k, v) : -EBADMSG;
	}
	kfree_sensitive(v);
	if (!ret && c.left)
		ret = szkm_blob_grants(k, &c);
	if (!ret && (c.left || k->active != active))
		ret = -EBADMSG;
	return ret;
}

struct szkm_key *szkm_blob_read(const u8 *blob, size_t len, const char *name)
{
	u8 dev[SZKM_DEVICE_ID_LEN], *body = NULL;
	struct szkm_key *k;
	struct szkm_ver *pv;
	size_t wrapped;
	bool proven;
	u64 mark;
	int ret;

	if (len < SZKM_BLOB_HDR_LEN + 4 + SZKM_WRAP_OVERHEAD ||
	    memcmp(blob, SZKM_BLOB_MAGIC, 4) ||
	    blob[5] == SZKM_ALG_NONE || blob[5] >= __SZKM_ALG_MAX || blob[6] || blob[7]) {
		pr_info_ratelimited("load '%s': not an szkm key blob (or an unknown format)\n", name);
		return ERR_PTR(-EINVAL);
	}
	if (blob[4] != SZKM_BLOB_FORMAT) {
		pr_info_ratelimited("load '%s': blob format %u is not %u (format 1 predates rollback protection: not loadable)\n",
			name, blob[4], SZKM_BLOB_FORMAT);
		return ERR_PTR(-EINVAL);
	}
	wrapped = get_unaligned_be32(blob + SZKM_BLOB_HDR_LEN);
	if (wrapped != len - SZKM_BLOB_HDR_LEN - 4 || wrapped < SZKM_WRAP_OVERHEAD) {
		pr_info_ratelimited("load '%s': blob is truncated or has trailing bytes\n", name);
		return ERR_PTR(-EINVAL);
	}
	if (szkm_device_id(dev))
		return ERR_PTR(-ENOKEY);
	if (memcmp(blob + 8 + SZKM_KEY_ID_LEN, dev, SZKM_DEVICE_ID_LEN)) {
		pr_info_ratelimited("load '%s': blob was sealed by another device (%*phN...)\n",
			name, 8, blob + 8 + SZKM_KEY_ID_LEN);
		return ERR_PTR(-EKEYREJECTED);
	}
	k = szkm_key_alloc(name, blob[5], blob + 8);
	if (IS_ERR(k))
		return k;
	body = kmalloc(wrapped - SZKM_WRAP_OVERHEAD + 1, GFP_KERNEL);
	if (!body) {
		ret = -ENOMEM;
		goto err;
	}
	ret = szkm_device_unwrap(blob, SZKM_BLOB_HDR_LEN, blob + SZKM_BLOB_HDR_LEN + 4,
				 wrapped, body);
	if (ret) {
		pr_info_ratelimited("load '%s': blob failed authentication (modified, or not from this device's root key)\n",
			name);
		ret = -EKEYREJECTED;
		goto err;
	}
	ret = szkm_blob_body(k, body, wrapped - SZKM_WRAP_OVERHEAD, name, &mark);
	if (ret == -EBADMSG || ret == -EINVAL)
		pr_info_ratelimited("load '%s': blob body is inconsistent\n", name);
	if (!ret)
		ret = szkm_registry_claim(k->id, mark, true, name, &proven);
	if (ret)
		goto err;
	k->claimed = true;
	/*
	 * A blob written while a version waited for the ledger: if the ledger
	 * has the key's last event since, that version is proven (its journal
	 * entry, which would have activated it, belonged to the old object or
	 * the last boot).
	 */
	pv = szkm_key_pending(k);
	if (proven && pv && szkm_key_activate(k, pv->ver))
		pr_info_ratelimited("load '%s': v%u active: its event is in the ledger\n", name, pv->ver);
	kfree_sensitive(body);
	return k;
err:
	kfree_sensitive(body);
	szkm_key_free(k);
	return ERR_PTR(ret);
}
