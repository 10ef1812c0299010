// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * merkle.c - the ledger's RFC 6962 / RFC 9162 Merkle tree over a node store.
 *
 * Only perfect subtrees are stored. Any range the RFC recursion asks for
 * (MTH(D[k:n]) with k a multiple of the next power of two above n - k)
 * splits into at most 64 perfect subtrees, left to right by decreasing
 * size, and its hash is those folded from the right. Proof generation
 * follows the RFC recursion over leaf ranges and fetches each sibling that
 * way. The tree also caches its right edge (the perfect subtrees making up
 * the current size), so appending reads nothing back from the store.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "merkle.h"

#define MAX_LEVELS 64

struct ledger_merkle {
	const struct ledger_hash_store *store;
	uint64_t size;
	/* edge[l] is node (l, (size >> l) - 1) when bit l of size is set. */
	uint8_t edge[MAX_LEVELS][LEDGER_HASH_LEN];
	/* Fetched once: implicit fetches per digest cost more than SHA-256. */
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

static int hash_parts(EVP_MD_CTX *ctx, const EVP_MD *md, uint8_t prefix,
		      const void *a, size_t alen, const void *b, size_t blen,
		      uint8_t out[LEDGER_HASH_LEN])
{
	unsigned int olen = 0;

	if (!EVP_DigestInit_ex2(ctx, md, NULL) ||
	    !EVP_DigestUpdate(ctx, &prefix, 1) ||
	    (alen && !EVP_DigestUpdate(ctx, a, alen)) ||
	    (blen && !EVP_DigestUpdate(ctx, b, blen)) ||
	    !EVP_DigestFinal_ex(ctx, out, &olen) || olen != LEDGER_HASH_LEN)
		return -EIO;
	return 0;
}

/* A short-lived digest context for the functions that hold no tree. */
struct hasher {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

static int hasher_init(struct hasher *h)
{
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	h->ctx = EVP_MD_CTX_new();
	if (!h->md || !h->ctx) {
		EVP_MD_free(h->md);
		EVP_MD_CTX_free(h->ctx);
		return -ENOMEM;
	}
	return 0;
}

static void hasher_fini(struct hasher *h)
{
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
}

static int node(const struct hasher *h, const uint8_t *l, const uint8_t *r,
		uint8_t out[LEDGER_HASH_LEN])
{
	return hash_parts(h->ctx, h->md, 0x01, l, LEDGER_HASH_LEN, r,
			  LEDGER_HASH_LEN, out);
}

int ledger_merkle_leaf_hash(const void *data, size_t len,
			    uint8_t out[LEDGER_HASH_LEN])
{
	struct hasher h;
	int ret;

	if (!data && len)
		return -EINVAL;
	ret = hasher_init(&h);
	if (ret)
		return ret;
	ret = hash_parts(h.ctx, h.md, 0x00, data, len, NULL, 0, out);
	hasher_fini(&h);
	return ret;
}

int ledger_merkle_node_hash(const uint8_t left[LEDGER_HASH_LEN],
			    const uint8_t right[LEDGER_HASH_LEN],
			    uint8_t out[LEDGER_HASH_LEN])
{
	struct hasher h;
	int ret;

	ret = hasher_init(&h);
	if (ret)
		return ret;
	ret = node(&h, left, right, out);
	hasher_fini(&h);
	return ret;
}

static unsigned int floor_log2(uint64_t x)
{
	return 63 - (unsigned int)__builtin_clzll(x);
}

/* The largest power of two strictly below n, n >= 2 (RFC 6962 "k"). */
static uint64_t split_point(uint64_t n)
{
	return (uint64_t)1 << floor_log2(n - 1);
}

static struct hasher tree_hasher(const struct ledger_merkle *t)
{
	return (struct hasher){ .md = t->md, .ctx = t->ctx };
}

static int store_get(const struct ledger_merkle *t, unsigned int level,
		     uint64_t index, uint8_t out[LEDGER_HASH_LEN])
{
	return t->store->get(t->store->ctx, level, index, out);
}

/*
 * MTH(D[start:end]) for a range whose start is aligned to the power of two
 * at or above its length, the only ranges the RFC recursion produces.
 */
static int range_hash(const struct ledger_merkle *t, uint64_t start,
		      uint64_t end, uint8_t out[LEDGER_HASH_LEN])
{
	struct hasher h = tree_hasher(t);
	uint8_t parts[MAX_LEVELS][LEDGER_HASH_LEN];
	uint64_t pos = start;
	unsigned int n = 0;
	int ret;

	if (start >= end)
		return -EINVAL;
	while (pos < end) {
		unsigned int level = floor_log2(end - pos);

		if (pos && (unsigned int)__builtin_ctzll(pos) < level)
			return -EINVAL;
		ret = store_get(t, level, pos >> level, parts[n]);
		if (ret)
			return ret;
		n++;
		pos += (uint64_t)1 << level;
	}
	memcpy(out, parts[n - 1], LEDGER_HASH_LEN);
	while (n-- > 1) {
		ret = node(&h, parts[n - 1], out, out);
		if (ret)
			return ret;
	}
	return 0;
}

int ledger_merkle_open(struct ledger_merkle **out,
		       const struct ledger_hash_store *store, uint64_t size)
{
	struct ledger_merkle *t;
	int ret = -ENOMEM;

	if (!out || !store || !store->get || !store->put)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->store = store;
	t->size = size;
	t->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	t->ctx = EVP_MD_CTX_new();
	if (!t->md || !t->ctx)
		goto err;
	for (unsigned int l = 0; l < MAX_LEVELS; l++) {
		if (!(size >> l & 1))
			continue;
		ret = store_get(t, l, (size >> l) - 1, t->edge[l]);
		if (ret)
			goto err;
	}
	*out = t;
	return 0;
err:
	ledger_merkle_free(t);
	return ret;
}

void ledger_merkle_free(struct ledger_merkle *t)
{
	if (!t)
		return;
	EVP_MD_CTX_free(t->ctx);
	EVP_MD_free(t->md);
	free(t);
}

uint64_t ledger_merkle_size(const struct ledger_merkle *t)
{
	return t->size;
}

int ledger_merkle_append_hash(struct ledger_merkle *t,
			      const uint8_t leaf_hash[LEDGER_HASH_LEN],
			      uint64_t *index_out)
{
	struct hasher h = tree_hasher(t);
	uint8_t cur[LEDGER_HASH_LEN];
	uint64_t index = t->size;
	unsigned int level = 0;
	int ret;

	if (t->size == UINT64_MAX)
		return -EOVERFLOW;
	memcpy(cur, leaf_hash, LEDGER_HASH_LEN);
	ret = t->store->put(t->store->ctx, 0, index, cur);
	if (ret)
		return ret;
	/* Each trailing one bit of the old size is a subtree the leaf closes. */
	while (index & 1) {
		ret = node(&h, t->edge[level], cur, cur);
		if (ret)
			return ret;
		level++;
		index >>= 1;
		ret = t->store->put(t->store->ctx, level, index, cur);
		if (ret)
			return ret;
	}
	memcpy(t->edge[level], cur, LEDGER_HASH_LEN);
	if (index_out)
		*index_out = t->size;
	t->size++;
	return 0;
}

int ledger_merkle_append(struct ledger_merkle *t, const void *data,
			 size_t len, uint64_t *index_out)
{
	uint8_t leaf[LEDGER_HASH_LEN];
	int ret;

	if (!data && len)
		return -EINVAL;
	ret = hash_parts(t->ctx, t->md, 0x00, data, len, NULL, 0, leaf);
	if (ret)
		return ret;
	return ledger_merkle_append_hash(t, leaf, index_out);
}

int ledger_merkle_root(struct ledger_merkle *t, uint64_t size,
		       uint8_t root[LEDGER_HASH_LEN])
{
	struct hasher h = tree_hasher(t);
	bool have = false;
	int ret;

	if (size > t->size)
		return -ERANGE;
	if (size == 0) {
		unsigned int olen = 0;

		/* MTH({}) is SHA-256 of nothing, not a leaf hash. */
		if (!EVP_DigestInit_ex2(t->ctx, t->md, NULL) ||
		    !EVP_DigestFinal_ex(t->ctx, root, &olen))
			return -EIO;
		return 0;
	}
	if (size != t->size)
		return range_hash(t, 0, size, root);
	/* The current root folds the cached right edge, smallest first. */
	for (unsigned int l = 0; l < MAX_LEVELS; l++) {
		if (!(size >> l & 1))
			continue;
		if (!have) {
			memcpy(root, t->edge[l], LEDGER_HASH_LEN);
			have = true;
			continue;
		}
		ret = node(&h, t->edge[l], root, root);
		if (ret)
			return ret;
	}
	return 0;
}

struct proof_out {
	uint8_t (*hashes)[LEDGER_HASH_LEN];
	size_t cap;
	size_t len;
};

static int proof_push_range(const struct ledger_merkle *t,
			    struct proof_out *p, uint64_t start, uint64_t end)
{
	if (p->len == p->cap)
		return -ENOSPC;
	return range_hash(t, start, end, p->hashes[p->len++]);
}

/* RFC 9162 2.1.3.1 PATH(m, D[start:end]), absolute leaf numbers. */
static int inclusion(const struct ledger_merkle *t, struct proof_out *p,
		     uint64_t m, uint64_t start, uint64_t end)
{
	uint64_t k;
	int ret;

	if (end - start == 1)
		return 0;
	k = split_point(end - start);
	if (m < start + k) {
		ret = inclusion(t, p, m, start, start + k);
		return ret ? ret : proof_push_range(t, p, start + k, end);
	}
	ret = inclusion(t, p, m, start + k, end);
	return ret ? ret : proof_push_range(t, p, start, start + k);
}

int ledger_merkle_inclusion_proof(struct ledger_merkle *t, uint64_t index,
				  uint64_t size,
				  uint8_t (*proof)[LEDGER_HASH_LEN],
				  size_t cap, size_t *len)
{
	struct proof_out p = { .hashes = proof, .cap = cap };
	int ret;

	if (!len || (!proof && cap))
		return -EINVAL;
	if (size > t->size)
		return -ERANGE;
	if (index >= size)
		return -EINVAL;
	ret = inclusion(t, &p, index, 0, size);
	if (ret)
		return ret;
	*len = p.len;
	return 0;
}

/* RFC 9162 2.1.4.1 SUBPROOF(m, D[start:end], b), m relative to start. */
static int subproof(const struct ledger_merkle *t, struct proof_out *p,
		    uint64_t m, uint64_t start, uint64_t end, bool b)
{
	uint64_t n = end - start, k;
	int ret;

	if (m == n)
		return b ? 0 : proof_push_range(t, p, start, end);
	k = split_point(n);
	if (m <= k) {
		ret = subproof(t, p, m, start, start + k, b);
		return ret ? ret : proof_push_range(t, p, start + k, end);
	}
	ret = subproof(t, p, m - k, start + k, end, false);
	return ret ? ret : proof_push_range(t, p, start, start + k);
}

int ledger_merkle_consistency_proof(struct ledger_merkle *t,
				    uint64_t old_size, uint64_t new_size,
				    uint8_t (*proof)[LEDGER_HASH_LEN],
				    size_t cap, size_t *len)
{
	struct proof_out p = { .hashes = proof, .cap = cap };
	int ret;

	if (!len || (!proof && cap))
		return -EINVAL;
	if (new_size > t->size)
		return -ERANGE;
	if (old_size == 0 || old_size > new_size)
		return -EINVAL;
	ret = subproof(t, &p, old_size, 0, new_size, true);
	if (ret)
		return ret;
	*len = p.len;
	return 0;
}

/*
 * The verifier's walk of RFC 9162 (2.1.3.2 and 2.1.4.2) from node @fn of a
 * tree whose last node is @sn, one proof hash per level: a left sibling
 * goes into both running hashes (@fr, when kept, and @sr), a right one
 * into @sr only. The proof must bring @sn to the root exactly.
 */
static int walk(struct hasher *h, uint64_t fn, uint64_t sn,
		const uint8_t (*proof)[LEDGER_HASH_LEN], size_t len,
		uint8_t *fr, uint8_t *sr)
{
	int ret;

	for (size_t i = 0; i < len; i++) {
		if (sn == 0)
			return -EBADMSG;
		if ((fn & 1) || fn == sn) {
			ret = fr ? node(h, proof[i], fr, fr) : 0;
			if (!ret)
				ret = node(h, proof[i], sr, sr);
			/* Skip levels where this node had no right sibling. */
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			ret = node(h, sr, proof[i], sr);
		}
		if (ret)
			return ret;
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 ? 0 : -EBADMSG;
}

int ledger_merkle_verify_inclusion(const uint8_t leaf_hash[LEDGER_HASH_LEN],
				   uint64_t index, uint64_t size,
				   const uint8_t (*proof)[LEDGER_HASH_LEN],
				   size_t len,
				   const uint8_t root[LEDGER_HASH_LEN])
{
	uint8_t r[LEDGER_HASH_LEN];
	struct hasher h;
	int ret;

	if (index >= size || (!proof && len) || len > LEDGER_MERKLE_MAX_PROOF)
		return -EINVAL;
	ret = hasher_init(&h);
	if (ret)
		return ret;
	memcpy(r, leaf_hash, LEDGER_HASH_LEN);
	ret = walk(&h, index, size - 1, proof, len, NULL, r);
	if (!ret && CRYPTO_memcmp(r, root, LEDGER_HASH_LEN))
		ret = -EBADMSG;
	hasher_fini(&h);
	return ret;
}

int ledger_merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
				     const uint8_t old_root[LEDGER_HASH_LEN],
				     const uint8_t new_root[LEDGER_HASH_LEN],
				     const uint8_t (*proof)[LEDGER_HASH_LEN],
				     size_t len)
{
	uint8_t fr[LEDGER_HASH_LEN], sr[LEDGER_HASH_LEN];
	const uint8_t *first;
	uint64_t fn, sn;
	struct hasher h;
	size_t i;
	int ret;

	if (old_size == 0 || old_size > new_size || (!proof && len) ||
	    len > LEDGER_MERKLE_MAX_PROOF)
		return -EINVAL;
	if (old_size == new_size) {
		if (len)
			return -EBADMSG;
		return CRYPTO_memcmp(old_root, new_root, LEDGER_HASH_LEN) ?
			-EBADMSG : 0;
	}
	if (len == 0)
		return -EBADMSG;
	/*
	 * An old tree that is a perfect subtree is itself the first node of
	 * the path, so the proof leaves it out and the verifier adds it back.
	 */
	i = 0;
	if ((old_size & (old_size - 1)) == 0) {
		first = old_root;
	} else {
		first = proof[0];
		i = 1;
	}
	ret = hasher_init(&h);
	if (ret)
		return ret;
	fn = old_size - 1;
	sn = new_size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, first, LEDGER_HASH_LEN);
	memcpy(sr, first, LEDGER_HASH_LEN);
	ret = walk(&h, fn, sn, proof + i, len - i, fr, sr);
	if (!ret && (CRYPTO_memcmp(fr, old_root, LEDGER_HASH_LEN) ||
		     CRYPTO_memcmp(sr, new_root, LEDGER_HASH_LEN)))
		ret = -EBADMSG;
	hasher_fini(&h);
	return ret;
}

/* The array-backed store. */

struct ledger_mem_store {
	struct ledger_hash_store ops;
	uint8_t (*level[MAX_LEVELS])[LEDGER_HASH_LEN];
	uint64_t len[MAX_LEVELS];
	uint64_t cap[MAX_LEVELS];
};

static int mem_get(void *ctx, unsigned int level, uint64_t index,
		   uint8_t hash[LEDGER_HASH_LEN])
{
	struct ledger_mem_store *s = ctx;

	if (level >= MAX_LEVELS || index >= s->len[level])
		return -ENOENT;
	memcpy(hash, s->level[level][index], LEDGER_HASH_LEN);
	return 0;
}

static int mem_put(void *ctx, unsigned int level, uint64_t index,
		   const uint8_t hash[LEDGER_HASH_LEN])
{
	struct ledger_mem_store *s = ctx;

	if (level >= MAX_LEVELS || index > s->len[level])
		return -EINVAL;
	if (index == s->cap[level]) {
		uint64_t cap = s->cap[level] ? s->cap[level] * 2 : 1024;
		void *p;

		if (cap > SIZE_MAX / LEDGER_HASH_LEN)
			return -ENOMEM;
		p = realloc(s->level[level], cap * LEDGER_HASH_LEN);
		if (!p)
			return -ENOMEM;
		s->level[level] = p;
		s->cap[level] = cap;
	}
	memcpy(s->level[level][index], hash, LEDGER_HASH_LEN);
	if (index == s->len[level])
		s->len[level]++;
	return 0;
}

int ledger_mem_store_new(struct ledger_mem_store **out)
{
	struct ledger_mem_store *s;

	if (!out)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ops.ctx = s;
	s->ops.get = mem_get;
	s->ops.put = mem_put;
	*out = s;
	return 0;
}

void ledger_mem_store_free(struct ledger_mem_store *s)
{
	if (!s)
		return;
	for (unsigned int l = 0; l < MAX_LEVELS; l++)
		free(s->level[l]);
	free(s);
}

const struct ledger_hash_store *
ledger_mem_store_ops(struct ledger_mem_store *s)
{
	return &s->ops;
}
