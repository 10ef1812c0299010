// SPDX-License-Identifier: GPL-2.0
/*
 * ledger_members.c - a membership entry as the device's next ledger trust
 * (include/szkm.h, "Ledger membership"). Every length is checked before a
 * byte is read; the fields must fill the entry exactly.
 */
#include "ledger_members.h"
#include "szkm_main.h"
#include "crypto/p256.h"
#include "kcompat.h"

#include <crypto/sha2.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>

void szkm_ledger_leaf(const u8 *entry, size_t len, u8 leaf[32])
{
	struct sha256_state st;
	static const u8 zero;

	sha256_init(&st);
	sha256_update(&st, &zero, 1);
	sha256_update(&st, entry, len);
	sha256_final(&st, leaf);
}

/* Members into @t (threshold k, its keys) and the approvals' offset. */
static int szkm_members_decode(const u8 *d, size_t len, struct szkm_ledger_trust *t,
			       size_t *content, const char **why)
{
	size_t off = SZKM_MEMBERS_HEAD_LEN, na;
	unsigned int i, j;

	*why = SZKM_MSG("membership entry is malformed (truncated, or a length or count out of range)");
	if (len < SZKM_MEMBERS_HEAD_LEN || len > SZKM_MEMBERS_ENTRY_MAX ||
	    d[0] != SZKM_LEDGER_ENTRY_MEMBERS)
		return -EBADMSG;
	t->epoch = get_unaligned_be64(d + 1);
	t->threshold = d[41];
	t->nkeys = d[42];
	if (!t->epoch || !t->nkeys || t->nkeys > SZKM_MEMBERS_MAX ||
	    !t->threshold || t->threshold > t->nkeys)
		return -EBADMSG;
	for (i = 0; i < t->nkeys; i++) {
		struct szkm_ledger_key *k = &t->keys[i];

		if (szkm_ledger_key_read(k, d, len, &off, SZKM_MEMBER_NAME_MAX, why))
			return -EBADMSG;
		for (j = 0; j < i; j++)
			if (!strcmp(k->name, t->keys[j].name) ||
			    !memcmp(k->pub, t->keys[j].pub, SZKM_P256_PUB_LEN)) {
				*why = SZKM_MSG("membership entry names a member twice");
				return -EBADMSG;
			}
	}
	*content = off;
	if (off >= len)
		return -EBADMSG;
	na = d[off++];
	if (na > SZKM_MEMBERS_MAX || len - off != na * SZKM_MEMBERS_APPROVAL_LEN)
		return -EBADMSG;
	for (i = 0; i < na; i++)
		for (j = 0; j < i; j++)
			if (!memcmp(d + off + i * SZKM_MEMBERS_APPROVAL_LEN,
				    d + off + j * SZKM_MEMBERS_APPROVAL_LEN, SZKM_P256_PUB_LEN)) {
				*why = SZKM_MSG("membership entry carries two approvals by one key");
				return -EBADMSG;
			}
	return 0;
}

/* Valid approvals by distinct keys of @cur; a bad one by such a key refuses. */
static int szkm_members_approved(const struct szkm_ledger_trust *cur, const u8 *d,
				 size_t len, size_t content, const char *origin,
				 size_t olen, const char **why)
{
	const u8 *a = d + content + 1;
	unsigned int i, j, good = 0, na = d[content];
	struct sha256_state st;
	u8 digest[32];

	sha256_init(&st);
	sha256_update(&st, SZKM_MEMBERS_DOMAIN, sizeof(SZKM_MEMBERS_DOMAIN) - 1);
	sha256_update(&st, origin, olen);
	sha256_update(&st, "\n", 1);
	sha256_update(&st, d, content);
	sha256_final(&st, digest);
	for (i = 0; i < na; i++, a += SZKM_MEMBERS_APPROVAL_LEN) {
		for (j = 0; j < cur->nkeys; j++)
			if (!memcmp(cur->keys[j].pub, a, SZKM_P256_PUB_LEN))
				break;
		if (j == cur->nkeys)
			continue;	/* not a key the device believes: does not count */
		if (szkm_p256_verify(cur->keys[j].pub, digest, a + SZKM_P256_PUB_LEN)) {
			*why = SZKM_MSG("membership entry's approval by a current ledger key does not verify (forged, modified, or for another log)");
			return -EKEYREJECTED;
		}
		good++;
	}
	if (good < cur->threshold) {
		*why = SZKM_MSG("membership entry is approved by fewer than the device's threshold of its current ledger keys");
		return -EKEYREJECTED;
	}
	return 0;
}

int szkm_members_follow(const struct szkm_ledger_trust *cur,
			const u8 *entry, size_t len,
			const char *origin, size_t olen,
			struct szkm_ledger_trust *next, const char **why)
{
	size_t content;
	int ret;

	memset(next, 0, sizeof(*next));
	ret = szkm_members_decode(entry, len, next, &content, why);
	if (ret)
		return ret;
	/* Order and chain first: cheap, and no signature work for a replay. */
	if (cur->epoch && next->epoch <= cur->epoch) {
		*why = SZKM_MSG("membership entry is not newer than the device's (an old epoch replayed)");
		return -ESTALE;
	}
	if (cur->epoch && next->epoch != cur->epoch + 1) {
		*why = SZKM_MSG("membership entry skips an epoch: follow each one in order");
		return -EINVAL;
	}
	if (cur->epoch && memcmp(entry + 9, cur->members, 32)) {
		*why = SZKM_MSG("membership entry does not name the device's membership as its previous one");
		return -EINVAL;
	}
	ret = szkm_members_approved(cur, entry, len, content, origin, olen, why);
	if (ret)
		return ret;
	szkm_ledger_leaf(entry, len, next->members);
	return 0;
}
