/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * nodecache.h - every Merkle node in memory, readable while it grows.
 *
 * Proofs are served from memory (a proof at 10^6 entries is ~20 node
 * lookups; from SQLite that alone would cost tens of microseconds). The
 * writer appends nodes; any number of reader threads get nodes of any
 * tree size the writer has published, without locks: nodes live in
 * fixed-size chunks that never move once allocated, and the chunk
 * pointers are published with release/acquire atomics. 32 bytes per node,
 * about 64 MB per million entries; 2^32 leaves at most.
 */
#ifndef LEDGER_NODECACHE_H
#define LEDGER_NODECACHE_H

#include <stdint.h>

#include "merkle.h"

struct ledger_nodecache;

int ledger_nodecache_new(struct ledger_nodecache **out);
void ledger_nodecache_free(struct ledger_nodecache *c);
/* get() is safe from any thread for nodes put before the reader learned
 * of them; put() is for one writer thread. */
const struct ledger_hash_store *
ledger_nodecache_ops(struct ledger_nodecache *c);

/*
 * A store that reads from @cache and writes to both @cache and @durable:
 * what the ledger's tree appends through.
 */
struct ledger_tee_store {
	struct ledger_hash_store ops;
	const struct ledger_hash_store *cache;
	const struct ledger_hash_store *durable;
};

void ledger_tee_store_init(struct ledger_tee_store *t,
			   const struct ledger_hash_store *cache,
			   const struct ledger_hash_store *durable);

#endif /* LEDGER_NODECACHE_H */
