/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * store.h - ledgerd's durable storage, as the rest of ledgerd sees it.
 *
 * Six things are kept: entries (the leaf data, by index), the Merkle
 * nodes (the ledger_hash_store of merkle.h), the enrolled devices with
 * their chain heads, the signed checkpoints, the witness state (the
 * latest checkpoint this node cosigned for another, witness.h) and a
 * little metadata. Writes happen between ledger_store_begin() and
 * ledger_store_commit(); a commit
 * is durable when it returns (one fsync for the whole batch: group
 * commit) and all or nothing after a crash. One writer; readers each open
 * their own handle (LEDGER_STORE_RDONLY) and see committed data only.
 *
 * It is an interface: struct ledger_store_ops, a table of functions that
 * each store implements; the ledger, the HTTP readers and the tools call
 * the ledger_store_*() wrappers below and never know which store is under
 * them. store_sqlite.c is the one implementation today (the embedded,
 * single-node ledger); the multi-node mode adds one over etcd, which
 * orders the entries for every node. Every function returns 0 or a
 * negative errno (-ENOENT for a lookup that finds nothing, -EIO for the
 * store).
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
	uint8_t last_hash[32];		/* the last event's link (szkm_event_link) */
	uint64_t last_index;		/* ledger index of that event */
};

struct ledger_store_checkpoint {
	uint64_t size;
	uint8_t root[LEDGER_HASH_LEN];
	const char *note;	/* the signed note */
	size_t note_len;
	int64_t time;		/* POSIX seconds when signed */
};

/* Callbacks of the reads return 0 to go on, anything else stops the walk
 * and is returned. */
typedef int (*ledger_store_entry_cb)(void *ctx,
				     const struct ledger_store_entry *e);
typedef int (*ledger_store_node_cb)(void *ctx, unsigned int level,
				    uint64_t index, const uint8_t *hash);
typedef int (*ledger_store_device_cb)(void *ctx,
				      const struct ledger_store_device *d);
typedef int (*ledger_store_checkpoint_cb)(
	void *ctx, const struct ledger_store_checkpoint *cp);

struct ledger_store;

struct ledger_store_ops {
	const char *name;
	void (*close)(struct ledger_store *s);
	/* The last error of the store, for messages. */
	const char *(*errmsg)(struct ledger_store *s);
	/* Another handle on the same data, read-only, for a reader thread
	 * (it sees committed data only). */
	int (*open_reader)(struct ledger_store *s, struct ledger_store **out,
			   char *err, size_t errlen);

	/* Writes happen in a transaction: all or nothing, durable when
	 * commit returns. */
	int (*begin)(struct ledger_store *s);
	int (*commit)(struct ledger_store *s);
	int (*rollback)(struct ledger_store *s);
	/* Appends entry @index (the next one). @device_id and @key_id may
	 * be NULL (an enrolment; an event that names no key). */
	int (*add_entry)(struct ledger_store *s, uint64_t index,
			 const uint8_t *data, size_t len,
			 const uint8_t leaf[LEDGER_HASH_LEN],
			 const uint8_t *device_id, uint64_t seq,
			 const uint8_t *key_id);
	/* A device and its chain head, replacing what was there. */
	int (*put_device)(struct ledger_store *s,
			  const struct ledger_store_device *d);
	int (*add_checkpoint)(struct ledger_store *s,
			      const struct ledger_store_checkpoint *cp);
	/* The Merkle nodes as a hash store (puts inside a transaction). */
	const struct ledger_hash_store *(*nodes)(struct ledger_store *s);

	/* Reads. */
	int (*count)(struct ledger_store *s, uint64_t *n);
	/* Entries in [from, to), in index order. */
	int (*scan)(struct ledger_store *s, uint64_t from, uint64_t to,
		    ledger_store_entry_cb cb, void *ctx);
	int (*find_leaf)(struct ledger_store *s,
			 const uint8_t leaf[LEDGER_HASH_LEN], uint64_t *index);
	int (*find_event)(struct ledger_store *s, const uint8_t *device_id,
			  uint64_t seq, uint64_t *index);
	/* Entries naming @key_id, below index @below, in order. */
	int (*key_history)(struct ledger_store *s, const uint8_t *key_id,
			   uint64_t below, ledger_store_entry_cb cb, void *ctx);
	int (*scan_nodes)(struct ledger_store *s, ledger_store_node_cb cb,
			  void *ctx);
	/* Every device with its head. */
	int (*devices)(struct ledger_store *s, ledger_store_device_cb cb,
		       void *ctx);
	/* Every checkpoint, by size (ascending). */
	int (*checkpoints)(struct ledger_store *s,
			   ledger_store_checkpoint_cb cb, void *ctx);
	/* The newest checkpoint; -ENOENT when none was ever signed. */
	int (*last_checkpoint)(struct ledger_store *s,
			       ledger_store_checkpoint_cb cb, void *ctx);

	/* The witness state (witness.h): the latest checkpoint this node
	 * cosigned for another, replaced as one durable write outside any
	 * batch; reading it gives -ENOENT when none was ever cosigned. */
	int (*put_witness)(struct ledger_store *s,
			   const struct ledger_store_checkpoint *cp);
	int (*witness)(struct ledger_store *s, ledger_store_checkpoint_cb cb,
		       void *ctx);
};

/* What every store begins with. */
struct ledger_store {
	const struct ledger_store_ops *ops;
};

/* The SQLite store in the database file @path. */
int ledger_store_sqlite_open(struct ledger_store **out, const char *path,
			     unsigned int flags, char *err, size_t errlen);
/*
 * The store at @location. Today that is a SQLite database path (the
 * embedded ledger); this is where another kind of location (an etcd
 * cluster) will choose its store.
 */
int ledger_store_open(struct ledger_store **out, const char *location,
		      unsigned int flags, char *err, size_t errlen);

static inline void ledger_store_close(struct ledger_store *s)
{
	if (s)
		s->ops->close(s);
}

static inline const char *ledger_store_errmsg(struct ledger_store *s)
{
	return s ? s->ops->errmsg(s) : "no store";
}

static inline int ledger_store_open_reader(struct ledger_store *s,
					   struct ledger_store **out,
					   char *err, size_t errlen)
{
	return s->ops->open_reader(s, out, err, errlen);
}

static inline int ledger_store_begin(struct ledger_store *s)
{
	return s->ops->begin(s);
}

static inline int ledger_store_commit(struct ledger_store *s)
{
	return s->ops->commit(s);
}

static inline int ledger_store_rollback(struct ledger_store *s)
{
	return s->ops->rollback(s);
}

static inline int ledger_store_add_entry(struct ledger_store *s, uint64_t index,
					 const uint8_t *data, size_t len,
					 const uint8_t leaf[LEDGER_HASH_LEN],
					 const uint8_t *device_id, uint64_t seq,
					 const uint8_t *key_id)
{
	return s->ops->add_entry(s, index, data, len, leaf, device_id, seq,
				 key_id);
}

static inline int ledger_store_put_device(struct ledger_store *s,
					  const struct ledger_store_device *d)
{
	return s->ops->put_device(s, d);
}

static inline int ledger_store_add_checkpoint(
	struct ledger_store *s, const struct ledger_store_checkpoint *cp)
{
	return s->ops->add_checkpoint(s, cp);
}

static inline const struct ledger_hash_store *
ledger_store_nodes(struct ledger_store *s)
{
	return s->ops->nodes(s);
}

static inline int ledger_store_count(struct ledger_store *s, uint64_t *n)
{
	return s->ops->count(s, n);
}

static inline int ledger_store_scan(struct ledger_store *s, uint64_t from,
				    uint64_t to, ledger_store_entry_cb cb,
				    void *ctx)
{
	return s->ops->scan(s, from, to, cb, ctx);
}

static inline int ledger_store_find_leaf(struct ledger_store *s,
					 const uint8_t leaf[LEDGER_HASH_LEN],
					 uint64_t *index)
{
	return s->ops->find_leaf(s, leaf, index);
}

static inline int ledger_store_find_event(struct ledger_store *s,
					  const uint8_t *device_id,
					  uint64_t seq, uint64_t *index)
{
	return s->ops->find_event(s, device_id, seq, index);
}

static inline int ledger_store_key_history(struct ledger_store *s,
					   const uint8_t *key_id,
					   uint64_t below,
					   ledger_store_entry_cb cb, void *ctx)
{
	return s->ops->key_history(s, key_id, below, cb, ctx);
}

static inline int ledger_store_scan_nodes(struct ledger_store *s,
					  ledger_store_node_cb cb, void *ctx)
{
	return s->ops->scan_nodes(s, cb, ctx);
}

static inline int ledger_store_devices(struct ledger_store *s,
				       ledger_store_device_cb cb, void *ctx)
{
	return s->ops->devices(s, cb, ctx);
}

static inline int ledger_store_checkpoints(struct ledger_store *s,
					   ledger_store_checkpoint_cb cb,
					   void *ctx)
{
	return s->ops->checkpoints(s, cb, ctx);
}

static inline int ledger_store_last_checkpoint(struct ledger_store *s,
					       ledger_store_checkpoint_cb cb,
					       void *ctx)
{
	return s->ops->last_checkpoint(s, cb, ctx);
}

static inline int ledger_store_put_witness(
	struct ledger_store *s, const struct ledger_store_checkpoint *cp)
{
	return s->ops->put_witness(s, cp);
}

static inline int ledger_store_witness(struct ledger_store *s,
				       ledger_store_checkpoint_cb cb, void *ctx)
{
	return s->ops->witness(s, cb, ctx);
}

#endif /* LEDGER_STORE_H */
