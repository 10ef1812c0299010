// SPDX-License-Identifier: GPL-2.0
/*
 * bundle.c - the export bundle of include/szkm.h: a key's public metadata
 * sealed under a key derived from the device's export key E (device.c
 * keeps E and derives the key; this file only names the key id and
 * version), with the clear header as associated data.
 *
 * Who it defends against, and how:
 *  - root in userspace, without kernel code execution: may read, edit,
 *    truncate or swap any bundle file, but never holds E (sealed by the
 *    TPM, unsealed once per boot into the kernel), so it cannot make or
 *    change a bundle that authenticates; a bundle of another device names
 *    that device and would not open under this E anyway.
 *  - an unprivileged local user: both commands need View permission on
 *    the key, checked as keyctl does (keytype.c), and a bundle opens only
 *    for the key it names, so a bundle of someone else's key tells nothing
 *    to whoever may not View that key.
 *  - an old copy of a file (replay, rollback): a bundle opens only while
 *    it is the key's current state; one made before a rotate, retire,
 *    destroy or policy change names an older registry mark or active
 *    version than the kernel holds, and is refused as replayed.
 * The metadata is public (KEY_PUBLIC hands it out), so the comparisons
 * here need not be constant-time; the tag's is the crypto API's.
 */
#include "bundle.h"
#include "cursor.h"
#include "device.h"
#include "key.h"
#include "registry.h"
#include "szkm_main.h"

#include <linux/slab.h>
#include <linux/string.h>

void szkm_key_meta_of(const struct szkm_key *k, struct szkm_key_meta *m)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	memcpy(m->id, k->id, SZKM_KEY_ID_LEN);
	strscpy(m->name, k->name, sizeof(m->name));
	m->alg = k->alg;
	m->active = k->active;
	m->changes = k->changes;
	m->mark = szkm_registry_mark(k->id);
	m->policy = k->policy;
	m->nver = k->nver;
	for (i = 0; i < k->nver; i++) {
		const struct szkm_ver *v = k->ver[i];
		struct szkm_ver_meta *mv = &m->ver[i];

		mv->ver = v->ver;
		mv->state = v->state;
		mv->origin = v->origin;
		mv->uses = v->uses;
		mv->pub_len = v->pub_len;
		memcpy(mv->pub, v->pub, v->pub_len);
	}
	m->ngrants = k->ngrants;
	for (i = 0; i < k->ngrants; i++)
		m->grant_uid[i] = k->grants[i].uid;
}

static void szkm_bundle_header(u8 *hdr, const struct szkm_key_meta *m,
			       const u8 dev[SZKM_DEVICE_ID_LEN])
{
	memcpy(hdr, SZKM_BUNDLE_MAGIC, 4);
	hdr[SZKM_BUNDLE_OFF_FORMAT] = SZKM_BUNDLE_FORMAT;
	hdr[SZKM_BUNDLE_OFF_ALG] = m->alg;
	hdr[6] = hdr[7] = 0;
	memcpy(hdr + SZKM_BUNDLE_OFF_DEVICE_ID, dev, SZKM_DEVICE_ID_LEN);
	memcpy(hdr + SZKM_BUNDLE_OFF_KEY_ID, m->id, SZKM_KEY_ID_LEN);
	put_unaligned_be32(m->active, hdr + SZKM_BUNDLE_OFF_VERSION);
	put_unaligned_be64(m->mark, hdr + SZKM_BUNDLE_OFF_MARK);
}

/* The body of include/szkm.h into @body (SZKM_BUNDLE_BODY_MAX bytes). */
static size_t szkm_bundle_body_write(const struct szkm_key_meta *m, u8 *body)
{
	struct szkm_cur c = { body, SZKM_BUNDLE_BODY_MAX, true };
	size_t namelen = strlen(m->name);
	unsigned int i;

	put_u8(&c, m->changes);
	put_u8(&c, namelen);
	put_bytes(&c, m->name, namelen);
	put_policy(&c, &m->policy);
	put_be16(&c, m->nver);
	for (i = 0; i < m->nver; i++) {
		const struct szkm_ver_meta *v = &m->ver[i];

		put_be32(&c, v->ver);
		put_u8(&c, v->state);
		put_u8(&c, v->origin);
		put_be64(&c, v->uses);
		put_u8(&c, v->pub_len);
		put_bytes(&c, v->pub, v->pub_len);
	}
	return c.ok ? SZKM_BUNDLE_BODY_MAX - c.left : 0;
}

int szkm_bundle_seal(const struct szkm_key_meta *m, u8 **out, size_t *len,
		     const char **why)
{
	u8 dev[SZKM_DEVICE_ID_LEN], *body, *b = NULL;
	size_t bodylen;
	int ret = -ENOMEM;

	body = kmalloc(SZKM_BUNDLE_BODY_MAX, GFP_KERNEL);
	if (!body)
		return -ENOMEM;
	bodylen = szkm_bundle_body_write(m, body);
	if (WARN_ON_ONCE(!bodylen)) {
		ret = -EOVERFLOW;
		goto out;
	}
	b = kmalloc(SZKM_BUNDLE_OVERHEAD + bodylen, GFP_KERNEL);
	if (!b)
		goto out;
	ret = szkm_device_id(dev);
	if (!ret) {
		szkm_bundle_header(b, m, dev);
		ret = szkm_device_export_seal(m->id, m->active, b, SZKM_BUNDLE_HDR_LEN,
					      body, bodylen, b + SZKM_BUNDLE_HDR_LEN);
	}
	if (ret == -ENOKEY)
		*why = SZKM_MSG("the device is not ready (its export key is sealed): unseal it first");
	if (!ret) {
		*out = b;
		*len = SZKM_BUNDLE_OVERHEAD + bodylen;
		b = NULL;
	}
out:
	kfree(b);
	kfree_sensitive(body);
	return ret;
}

/* The body back into @m (header fields filled by the caller); -EBADMSG. */
static int szkm_bundle_body_read(u8 *body, size_t len, struct szkm_key_meta *m)
{
	struct szkm_cur c = { body, len, true };
	unsigned int i;
	u8 namelen;

	m->changes = get_u8(&c);
	namelen = get_field(&c, m->name, SZKM_NAME_MAX);
	m->name[namelen] = 0;
	get_policy(&c, &m->policy);
	m->nver = get_be16(&c);
	if (!c.ok || !namelen || strlen(m->name) != namelen || m->nver > SZKM_MAX_VERSIONS)
		return -EBADMSG;
	for (i = 0; i < m->nver && c.ok; i++) {
		struct szkm_ver_meta *v = &m->ver[i];

		v->ver = get_be32(&c);
		v->state = get_u8(&c);
		v->origin = get_u8(&c);
		v->uses = get_be64(&c);
		v->pub_len = get_field(&c, v->pub, SZKM_P256_PUB_LEN);
		if (v->pub_len && v->pub_len != SZKM_P256_PUB_LEN)
			return -EBADMSG;
	}
	return c.ok && !c.left ? 0 : -EBADMSG;
}

/*
 * The bundle is the key's state now: not older (replayed), and nothing
 * changed since without moving the mark (a change that waited for the
 * ledger took effect). Use counts move with every use: not compared.
 */
static int szkm_bundle_current(const struct szkm_key_meta *m, const struct szkm_key_meta *cur,
			       const char **why)
{
	unsigned int i;

	if (m->mark < cur->mark || m->active < cur->active) {
		*why = SZKM_MSG("bundle is older than the key's current state (replayed): export it again");
		return -ESTALE;
	}
	if (m->mark > cur->mark || m->active > cur->active) {
		*why = SZKM_MSG("bundle is ahead of the key's state in the kernel (the kernel's key is an older copy?)");
		return -ESTALE;
	}
	if (m->alg != cur->alg || strcmp(m->name, cur->name) || m->changes != cur->changes ||
	    m->policy.rotate_secs != cur->policy.rotate_secs ||
	    m->policy.max_uses != cur->policy.max_uses ||
	    m->policy.min_version != cur->policy.min_version ||
	    m->policy.ledger != cur->policy.ledger || m->nver != cur->nver)
		goto changed;
	for (i = 0; i < m->nver; i++) {
		const struct szkm_ver_meta *a = &m->ver[i], *b = &cur->ver[i];

		if (a->ver != b->ver || a->state != b->state || a->origin != b->origin ||
		    a->pub_len != b->pub_len || memcmp(a->pub, b->pub, a->pub_len))
			goto changed;
	}
	return 0;
changed:
	*why = SZKM_MSG("the key changed since the bundle was made (a change that waited for the ledger took effect): export it again");
	return -ESTALE;
}

int szkm_bundle_open(const u8 *in, size_t len, const struct szkm_key_meta *cur,
		     struct szkm_key_meta *m, const char **why)
{
	u8 dev[SZKM_DEVICE_ID_LEN], *body;
	size_t bodylen;
	int ret;

	if (len < SZKM_BUNDLE_HDR_LEN || memcmp(in, SZKM_BUNDLE_MAGIC, 4)) {
		*why = SZKM_MSG("not an szkm export bundle");
		return -EBADMSG;
	}
	if (in[SZKM_BUNDLE_OFF_FORMAT] != SZKM_BUNDLE_FORMAT) {
		*why = SZKM_MSG("bundle format is not 1: not supported");
		return -EPROTONOSUPPORT;
	}
	if (len < SZKM_BUNDLE_MIN) {
		*why = SZKM_MSG("bundle is truncated (shorter than any bundle)");
		return -EBADMSG;
	}
	if (szkm_device_id(dev)) {
		*why = SZKM_MSG("no device: run szkmctl device init or unseal");
		return -ENOKEY;
	}
	if (memcmp(in + SZKM_BUNDLE_OFF_DEVICE_ID, dev, SZKM_DEVICE_ID_LEN)) {
		*why = SZKM_MSG("bundle was made by another device");
		return -EKEYREJECTED;
	}
	if (memcmp(in + SZKM_BUNDLE_OFF_KEY_ID, cur->id, SZKM_KEY_ID_LEN)) {
		*why = SZKM_MSG("bundle is for another key than the one named");
		return -EKEYREJECTED;
	}
	bodylen = len - SZKM_BUNDLE_OVERHEAD;
	body = kmalloc(bodylen, GFP_KERNEL);
	if (!body)
		return -ENOMEM;
	memset(m, 0, sizeof(*m));
	memcpy(m->id, cur->id, SZKM_KEY_ID_LEN);
	m->alg = in[SZKM_BUNDLE_OFF_ALG];
	m->active = get_unaligned_be32(in + SZKM_BUNDLE_OFF_VERSION);
	m->mark = get_unaligned_be64(in + SZKM_BUNDLE_OFF_MARK);
	ret = szkm_device_export_open(m->id, m->active, in, SZKM_BUNDLE_HDR_LEN,
				      in + SZKM_BUNDLE_HDR_LEN, len - SZKM_BUNDLE_HDR_LEN, body);
	if (ret == -EBADMSG)
		*why = SZKM_MSG("bundle does not authenticate under this device's export key (modified or truncated)");
	else if (ret == -ENOKEY)
		*why = SZKM_MSG("the device is not ready (its export key is sealed): unseal it first");
	if (!ret) {
		ret = szkm_bundle_body_read(body, bodylen, m);
		if (ret)	/* authenticated, so made by this kernel: a bug */
			*why = SZKM_MSG("bundle body is malformed");
	}
	if (!ret)
		ret = szkm_bundle_current(m, cur, why);
	kfree_sensitive(body);
	return ret;
}
