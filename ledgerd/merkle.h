/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * merkle.h - the ledger's RFC 6962 / RFC 9162 Merkle tree.
 *
 * The tree keeps the hash of every complete (perfect) subtree in a store
 * addressed by (level, index): level 0 holds the leaf hashes, and node
 * (l, i) covers leaves [i * 2^l, (i + 1) * 2^l). Nodes are written once
 * and never change, so appending costs amortised O(1) hashes and the root
 * of any earlier size, an inclusion proof or a consistency proof costs
 * O(log n) lookups. The store is an interface so that the SQLite layer can
 * persist the nodes; an array-backed store serves tests and benchmarks.
 *
 * Every function returns 0 or a negative errno.
 */
#ifndef LEDGER_MERKLE_H
#define LEDGER_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define LEDGER_HASH_LEN		32

/*
 * A proof never holds more hashes than the tree is deep, plus one for a
 * consistency proof; 64 levels cover any uint64_t size.
 */
#define LEDGER_MERKLE_MAX_PROOF	65

/*
 * Where node hashes live. get() returns -ENOENT for a node never put;
 * put() may overwrite a node with the same hash (a retried append).
 */
struct ledger_hash_store {
	void *ctx;
	int (*get)(void *ctx, unsigned int level, uint64_t index,
		   uint8_t hash[LEDGER_HASH_LEN]);
	int (*put)(void *ctx, unsigned int level, uint64_t index,
		   const uint8_t hash[LEDGER_HASH_LEN]);
};

/* RFC 6962 section 2.1: SHA-256(0x00 || data) and SHA-256(0x01 || l || r). */
int ledger_merkle_leaf_hash(const void *data, size_t len,
			    uint8_t out[LEDGER_HASH_LEN]);
int ledger_merkle_node_hash(const uint8_t left[LEDGER_HASH_LEN],
			    const uint8_t right[LEDGER_HASH_LEN],
			    uint8_t out[LEDGER_HASH_LEN]);

struct ledger_merkle;

/*
 * Opens the tree of @size leaves whose nodes are already in @store (0 for
 * a new tree). The store must outlive the tree.
 */
int ledger_merkle_open(struct ledger_merkle **out,
		       const struct ledger_hash_store *store, uint64_t size);
void ledger_merkle_free(struct ledger_merkle *t);
uint64_t ledger_merkle_size(const struct ledger_merkle *t);

/* Appends one leaf (data, or its leaf hash); @index_out may be NULL. */
int ledger_merkle_append(struct ledger_merkle *t, const void *data,
			 size_t len, uint64_t *index_out);
int ledger_merkle_append_hash(struct ledger_merkle *t,
			      const uint8_t leaf_hash[LEDGER_HASH_LEN],
			      uint64_t *index_out);

/* The root of the first @size leaves, 0 <= size <= current size. */
int ledger_merkle_root(struct ledger_merkle *t, uint64_t size,
		       uint8_t root[LEDGER_HASH_LEN]);

/*
 * Proofs are written leaf to root into @proof (room for @cap hashes,
 * LEDGER_MERKLE_MAX_PROOF always suffices); *@len gets the count.
 * Inclusion: 0 <= index < size <= current size.
 * Consistency: 0 < old_size <= new_size <= current size (old == new gives
 * the empty proof).
 */
int ledger_merkle_inclusion_proof(struct ledger_merkle *t, uint64_t index,
				  uint64_t size,
				  uint8_t (*proof)[LEDGER_HASH_LEN],
				  size_t cap, size_t *len);
int ledger_merkle_consistency_proof(struct ledger_merkle *t,
				    uint64_t old_size, uint64_t new_size,
				    uint8_t (*proof)[LEDGER_HASH_LEN],
				    size_t cap, size_t *len);

/*
 * RFC 9162 sections 2.1.3.2 and 2.1.4.2. Return 0 when the proof holds,
 * -EBADMSG when it does not, -EINVAL for impossible arguments.
 */
int ledger_merkle_verify_inclusion(const uint8_t leaf_hash[LEDGER_HASH_LEN],
				   uint64_t index, uint64_t size,
				   const uint8_t (*proof)[LEDGER_HASH_LEN],
				   size_t len,
				   const uint8_t root[LEDGER_HASH_LEN]);
int ledger_merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
				     const uint8_t old_root[LEDGER_HASH_LEN],
				     const uint8_t new_root[LEDGER_HASH_LEN],
				     const uint8_t (*proof)[LEDGER_HASH_LEN],
				     size_t len);

/*
 * The array-backed store: one growable array per level. Nodes must be put
 * in order within a level (as appending does); it is not thread-safe.
 */
struct ledger_mem_store;

int ledger_mem_store_new(struct ledger_mem_store **out);
void ledger_mem_store_free(struct ledger_mem_store *s);
const struct ledger_hash_store *
ledger_mem_store_ops(struct ledger_mem_store *s);

#endif /* LEDGER_MERKLE_H */
