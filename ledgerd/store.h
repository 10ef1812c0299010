/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * store.h - ledgerd's durable storage, as the rest of ledgerd sees it.
 *
 * Five things are kept: entries (the leaf data, by index), the Merkle
 * nodes (the ledger_hash_store of merkle.h), the enrolled devices with
 * their chain heads, the signed checkpoints, and a little metadata. Writes
 * happen between ledger_store_begin() and ledger_store_commit(); a commit
 * is durable when it returns (one fsync for the whole batch: group
 * commit) and all or nothing after a crash. One writer; readers each open
 * their own handle (LEDGER_STORE_RDONLY) and see committed data only.
 *
 * store_sqlite.c implements it; every function returns 0 or a negative
 * errno (-ENOENT for a lookup that finds nothing, -EIO for the database).
 */
#ifndef LEDGER_STORE_H
#define LEDGER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "merkle.h"
#include "szkm.h"

#define LEDGER_STORE_RDONLY	0x01
/* Tests and benchmarks only: commit without fsync. */
#define LEDGER_STORE_NOSYNC	0x02

struct ledger_store;

struct ledger_store_entry {
	uint64_t index;
	uint8_t type;
	const uint8_t *data;	/* the leaf data, type byte included */
	size_t len;
	const uint8_t *leaf;	/* the stored leaf hash [32] */
};

struct ledger_store_device {
	uint8_t id[SZKM_DEVICE_ID_LEN];
	char name[SZKM_NAME_MAX + 1];
	uint8_t pubkey[SZKM_P256_PUB_LEN];
	uint64_t enrolled_index;
	uint64_t last_seq;		/* 0: no event yet */
	uint8_t last_hash[32];		/* SHA-256 of the last event body */
	uint64_t last_index;		/* ledger index of that event */
};

struct ledger_store_checkpoint {
	uint64_t size;
	uint8_t root[LEDGER_HASH_LEN];
	const char *note;	/* the signed note */
	size_t note_len;
	int64_t time;		/* POSIX seconds when signed */
};

int ledger_store_open(struct ledger_store **out, const char *path,
		      unsigned int flags, char *err, size_t errlen);
void ledger_store_close(struct ledger_store *s);
/* The last database error, for messages. */
const char *ledger_store_errmsg(struct ledger_store *s);

int ledger_store_begin(struct ledger_store *s);
int ledger_store_commit(struct ledger_store *s);
int ledger_store_rollback(struct ledger_store *s);

/* Writes (inside a transaction). @device_id and @key_id may be NULL. */
int ledger_store_add_entry(struct ledger_store *s, uint64_t index,
			   const uint8_t *data, size_t len,
			   const uint8_t leaf[LEDGER_HASH_LEN],
			   const uint8_t *device_id, uint64_t seq,
			   const uint8_t *key_id);
int ledger_store_put_device(struct ledger_store *s,
			    const struct ledger_store_device *d);
int ledger_store_add_checkpoint(struct ledger_store *s,
				const struct ledger_store_checkpoint *cp);
/* The node table as a hash store (puts must be inside a transaction). */
const struct ledger_hash_store *ledger_store_nodes(struct ledger_store *s);

/* Reads. Callbacks return 0 to go on, anything else stops the walk. */
typedef int (*ledger_store_entry_cb)(void *ctx,
				     const struct ledger_store_entry *e);
typedef int (*ledger_store_node_cb)(void *ctx, unsigned int level,
				    uint64_t index, const uint8_t *hash);
typedef int (*ledger_store_device_cb)(void *ctx,
				      const struct ledger_store_device *d);
typedef int (*ledger_store_checkpoint_cb)(
	void *ctx, const struct ledger_store_checkpoint *cp);

int ledger_store_count(struct ledger_store *s, uint64_t *n);
/* Entries in [from, to), in index order. */
int ledger_store_scan(struct ledger_store *s, uint64_t from, uint64_t to,
		      ledger_store_entry_cb cb, void *ctx);
int ledger_store_find_leaf(struct ledger_store *s,
			   const uint8_t leaf[LEDGER_HASH_LEN],
			   uint64_t *index);
int ledger_store_find_event(struct ledger_store *s, const uint8_t *device_id,
			    uint64_t seq, uint64_t *index);
/* Entries about a key (events naming @key_id), below @below, in order. */
int ledger_store_key_history(struct ledger_store *s, const uint8_t *key_id,
			     uint64_t below, ledger_store_entry_cb cb,
			     void *ctx);
int ledger_store_scan_nodes(struct ledger_store *s, ledger_store_node_cb cb,
			    void *ctx);
int ledger_store_devices(struct ledger_store *s, ledger_store_device_cb cb,
			 void *ctx);
/* Every checkpoint, by size (ascending). */
int ledger_store_checkpoints(struct ledger_store *s,
			     ledger_store_checkpoint_cb cb, void *ctx);
/* The newest checkpoint; -ENOENT when none was ever signed. */
int ledger_store_last_checkpoint(struct ledger_store *s,
				 ledger_store_checkpoint_cb cb, void *ctx);

#endif /* LEDGER_STORE_H */
