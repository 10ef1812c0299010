// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nodecache.c - the in-memory Merkle node store readers share (nodecache.h).
 *
 * Level l holds at most 2^(32 - l) nodes: a directory of CHUNKS pointers
 * per level, allocated on first use, each pointing to a chunk of
 * CHUNK_NODES nodes. A reader that was told "size n" only asks for nodes
 * the writer put (and then published n) before, so a non-NULL chunk
 * pointer loaded with acquire is enough to read them.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "nodecache.h"

#define LEVELS		33
#define CHUNK_SHIFT	14
#define CHUNK_NODES	(1u << CHUNK_SHIFT)
#define CHUNKS		(1u << (32 - CHUNK_SHIFT))

typedef uint8_t node_t[LEDGER_HASH_LEN];

struct ledger_nodecache {
	struct ledger_hash_store ops;
	_Atomic(node_t *) *dir[LEVELS];		/* written by the writer only */
	_Atomic(_Atomic(node_t *) *) pubdir[LEVELS];
};

static int cache_get(void *ctx, unsigned int level, uint64_t index,
		     uint8_t hash[LEDGER_HASH_LEN])
{
	struct ledger_nodecache *c = ctx;
	_Atomic(node_t *) *dir;
	node_t *chunk;

	if (level >= LEVELS || index >> CHUNK_SHIFT >= CHUNKS)
		return -ENOENT;
	dir = atomic_load_explicit(&c->pubdir[level], memory_order_acquire);
	if (!dir)
		return -ENOENT;
	chunk = atomic_load_explicit(&dir[index >> CHUNK_SHIFT],
				     memory_order_acquire);
	if (!chunk)
		return -ENOENT;
	memcpy(hash, chunk[index & (CHUNK_NODES - 1)], LEDGER_HASH_LEN);
	return 0;
}

static int cache_put(void *ctx, unsigned int level, uint64_t index,
		     const uint8_t hash[LEDGER_HASH_LEN])
{
	struct ledger_nodecache *c = ctx;
	_Atomic(node_t *) *dir;
	node_t *chunk;

	if (level >= LEVELS || index >> CHUNK_SHIFT >= CHUNKS)
		return -E2BIG;
	dir = c->dir[level];
	if (!dir) {
		dir = calloc(CHUNKS, sizeof(*dir));
		if (!dir)
			return -ENOMEM;
		c->dir[level] = dir;
		atomic_store_explicit(&c->pubdir[level], dir,
				      memory_order_release);
	}
	chunk = atomic_load_explicit(&dir[index >> CHUNK_SHIFT],
				     memory_order_relaxed);
	if (!chunk) {
		chunk = malloc(CHUNK_NODES * sizeof(node_t));
		if (!chunk)
			return -ENOMEM;
		memcpy(chunk[index & (CHUNK_NODES - 1)], hash,
		       LEDGER_HASH_LEN);
		atomic_store_explicit(&dir[index >> CHUNK_SHIFT], chunk,
				      memory_order_release);
		return 0;
	}
	memcpy(chunk[index & (CHUNK_NODES - 1)], hash, LEDGER_HASH_LEN);
	/*
	 * Readers learn of this node through the writer's later release
	 * store of the published size; this fence orders it before that.
	 */
	atomic_thread_fence(memory_order_release);
	return 0;
}

int ledger_nodecache_new(struct ledger_nodecache **out)
{
	struct ledger_nodecache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->ops.ctx = c;
	c->ops.get = cache_get;
	c->ops.put = cache_put;
	*out = c;
	return 0;
}

void ledger_nodecache_free(struct ledger_nodecache *c)
{
	if (!c)
		return;
	for (unsigned int l = 0; l < LEVELS; l++) {
		if (!c->dir[l])
			continue;
		for (unsigned int i = 0; i < CHUNKS; i++)
			free(atomic_load(&c->dir[l][i]));
		free(c->dir[l]);
	}
	free(c);
}

const struct ledger_hash_store *
ledger_nodecache_ops(struct ledger_nodecache *c)
{
	return &c->ops;
}

static int tee_get(void *ctx, unsigned int level, uint64_t index,
		   uint8_t hash[LEDGER_HASH_LEN])
{
	struct ledger_tee_store *t = ctx;

	return t->cache->get(t->cache->ctx, level, index, hash);
}

static int tee_put(void *ctx, unsigned int level, uint64_t index,
		   const uint8_t hash[LEDGER_HASH_LEN])
{
	struct ledger_tee_store *t = ctx;
	int ret = t->durable->put(t->durable->ctx, level, index, hash);

	return ret ? ret : t->cache->put(t->cache->ctx, level, index, hash);
}

void ledger_tee_store_init(struct ledger_tee_store *t,
			   const struct ledger_hash_store *cache,
			   const struct ledger_hash_store *durable)
{
	t->ops.ctx = t;
	t->ops.get = tee_get;
	t->ops.put = tee_put;
	t->cache = cache;
	t->durable = durable;
}
