/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ledger.h - the ledger: validated appends, checkpoints, proofs.
 *
 * It ties the pure parts (admit.c, entry.c, merkle.c, note.c) to a store
 * (store.h) and knows nothing of netlink, sockets or HTTP: a caller feeds
 * it events (decoded once, where they entered: struct ledger_event) and
 * enrolments in batches and reads back what it decided.
 *
 * Writer side (one thread): ledger_begin(), then any number of
 * ledger_append_event() / ledger_enrol(), then ledger_commit(), which signs
 * a checkpoint when asked, makes the batch durable with one fsync and
 * only then publishes the new size to readers. An event is acknowledged
 * (to the kernel, to a feeder) only after the commit that holds it
 * returned. A failed commit leaves the in-memory state ahead of the disk:
 * the ledger is then unusable (every call returns -EIO) and the process
 * should exit and start again, which recovers from what is on disk.
 *
 * Reader side (any thread): the published size, the latest checkpoint,
 * proofs from the in-memory node cache. Entries, histories and devices
 * are read by the caller from its own read-only store handle
 * (ledger_open_reader).
 *
 * ledger_open() checks the whole ledger before anything else runs (see
 * ledger.c); a tampered database is refused with a message that names
 * the entry.
 */
#ifndef LEDGER_LEDGER_H
#define LEDGER_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admit.h"
#include "entry.h"
#include "merkle.h"
#include "note.h"
#include "store.h"

struct ledger_options {
	const char *db_path;		/* the store (ledger_store_open) */
	const char *origin;		/* checkpoint origin line */
	const struct ledger_note_key *key;	/* signs checkpoints */
	/* Its public half, to verify stored notes (NULL: use key). */
	const struct ledger_note_key *verify_key;
	unsigned int store_flags;	/* LEDGER_STORE_NOSYNC for tests */
	/* At open, check every event signature, not only those after the
	 * last checkpoint (which our own signature already covers). Either
	 * way by run: ledger.c, take_signature(). */
	bool verify_all;
	/* The operator's genesis membership (NULL: none, and then the log
	 * may hold no membership entry: admit.h). */
	const struct ledger_members *genesis;
};

enum ledger_verdict {
	LEDGER_APPENDED,
	LEDGER_DUPLICATE,	/* already in the ledger, byte for byte */
	LEDGER_REJECTED,
};

struct ledger_result {
	enum ledger_verdict verdict;
	const char *why;	/* rejections: a short reason (admit.h) */
	uint64_t index;		/* appended or duplicate: the ledger index */
	uint64_t seq;		/* events, when the body decoded */
	uint8_t device_id[SZKM_DEVICE_ID_LEN];
	bool has_device;
};

struct ledger;

int ledger_open(struct ledger **out, const struct ledger_options *o,
		char *err, size_t errlen);
void ledger_close(struct ledger *l);

/*
 * Writer. A negative return is a store failure, not a rejection.
 * ledger_append_event() judges @e by ledger_may_append() against its
 * device's head and appends it, or reports it a duplicate or refused;
 * @sig_ok says D's signature was already found to hold (by the verifier
 * below), else it is checked here. ledger_add_event() decodes first, for
 * callers holding only the bytes (tests, benchmarks).
 */
int ledger_begin(struct ledger *l);
int ledger_append_event(struct ledger *l, const struct ledger_event *e,
			bool sig_ok, struct ledger_result *res);
int ledger_add_event(struct ledger *l, const uint8_t *body, size_t len,
		     const uint8_t sig[SZKM_EVENT_SIG_LEN],
		     struct ledger_result *res);
/*
 * Signature checks for a batch, overlapped with its appends (ECDSA
 * verification is most of an append's cost). ledger_verify_start(), from
 * the writer thread before the batch's items are added, notes each event's
 * device key and starts @threads - 1 helper threads that verify the items
 * in order. ledger_verify_ok(i) then gives item i's result when it is
 * ready; while it is not, the writer verifies the next unclaimed items
 * itself, so both cores verify while the writer is not appending.
 * true: the event decoded, its device was enrolled at start and its
 * signature holds; false: ledger_append_event must judge it (a device
 * enrolled within the batch is checked there). Helpers touch nothing of
 * the ledger but the device keys, which never change. ledger_verify_end()
 * joins them.
 *
 * Items marked own_channel (their bytes came from the signer itself: the
 * kernel's netlink group) are checked by run: of a device's items that
 * each continue the one before in its chain (seq + 1, prev hash = that
 * body's SHA-256), only the last signature is verified, and it stands for
 * the bodies it chains to; when it fails, each item of the run is
 * verified alone. Why that is sound, and why only for that channel:
 * ledgerd(8), BATCHED VALIDATION. ledger_verify_count() gives the ECDSA
 * verifications made so far.
 */
struct ledger_sigcheck {
	const struct ledger_event *event;	/* NULL: not an event */
	bool own_channel;
	/* Filled by ledger_verify_start. */
	EVP_PKEY *key;
	bool ok;
};
struct ledger_verifier;
struct ledger_verifier *ledger_verify_start(struct ledger *l,
					    struct ledger_sigcheck *v,
					    size_t n, unsigned int threads);
bool ledger_verify_ok(struct ledger_verifier *vf, size_t i);
size_t ledger_verify_count(const struct ledger_verifier *vf);
void ledger_verify_end(struct ledger_verifier *vf);
/* A type 1 enrolment: refused ("enrolment-needs-approvals") once the log
 * has a membership; then ledger_add_approved() takes type 4. */
int ledger_enrol(struct ledger *l, const char *name,
		 const uint8_t pub[SZKM_P256_PUB_LEN], uint64_t time_ns,
		 struct ledger_result *res);
/*
 * Appends an entry that carries approvals: a membership entry (type 3)
 * judged by ledger_may_change_members() against the membership in force
 * (res->seq: its epoch), or an approved enrolment (type 4) judged by
 * ledger_may_enrol() (res->device_id: the device). A refusal is
 * LEDGER_REJECTED with why. Writer thread.
 */
int ledger_add_approved(struct ledger *l, const uint8_t *data, size_t len,
			struct ledger_result *res);
/*
 * The membership line of a checkpoint of @size (note.h,
 * ledger_checkpoint_members_line): the membership in force there, *@len
 * 0 when none. Any thread.
 */
int ledger_members_line(struct ledger *l, uint64_t size, char *buf,
			size_t cap, size_t *len);

/* Any thread: the membership in force, its entry's leaf hash and index;
 * -ENOENT while the log has none. (hash, index: NULL when not wanted.) */
int ledger_members(struct ledger *l, struct ledger_members *m,
		   uint8_t hash[32], uint64_t *index);
/* Any thread: the indices of the published membership entries, in
 * order, into @out; -E2BIG when more than @cap. */
int ledger_member_list(struct ledger *l, uint64_t *out, size_t cap, size_t *n);
/* Commits the batch; with @checkpoint, first signs one when the tree grew
 * since the last (or none exists yet). */
int ledger_commit(struct ledger *l, bool checkpoint);
/* Entries appended since the last checkpoint. */
uint64_t ledger_unsigned(struct ledger *l);
/* A device's chain head (last seq, 0 if none); -ENOENT: not enrolled. */
int ledger_device_head(struct ledger *l,
		       const uint8_t id[SZKM_DEVICE_ID_LEN], uint64_t *seq);
/* The same with the link of that last event (zeros if none). */
int ledger_device_head_hash(struct ledger *l,
			    const uint8_t id[SZKM_DEVICE_ID_LEN],
			    uint64_t *seq, uint8_t hash[32]);

/*
 * The entry of a device's last event (type byte, body, signature) into
 * @buf, with its seq and ledger index; -ENODATA when it has none yet.
 * Writer thread.
 */
int ledger_device_last_event(struct ledger *l,
			     const uint8_t id[SZKM_DEVICE_ID_LEN],
			     uint64_t *seq, uint64_t *index, uint8_t *buf,
			     size_t cap, size_t *len);

/*
 * Calls @cb with the body and signature of every event of device @id, in
 * chain order (seq 1 up to its last event), and counts them into *@n. A
 * nonzero return of @cb stops the walk and is returned; else 0, -ENOENT
 * (not enrolled) or a store error. Writer thread.
 */
typedef int (*ledger_event_body_cb)(void *ctx, const uint8_t *body, size_t len,
				    const uint8_t *sig);
int ledger_device_events(struct ledger *l, const uint8_t id[SZKM_DEVICE_ID_LEN],
			 ledger_event_body_cb cb, void *ctx, uint64_t *n);

/* Readers, any thread. A read-only handle on the ledger's store, for one
 * reader thread (it sees committed data only). */
int ledger_open_reader(struct ledger *l, struct ledger_store **out,
		       char *err, size_t errlen);
uint64_t ledger_size(struct ledger *l);
/* Copies the latest signed note; -ENOSPC if @cap is short. */
int ledger_checkpoint(struct ledger *l, char *buf, size_t cap, size_t *len,
		      uint64_t *size, int64_t *time);
int ledger_root(struct ledger *l, uint64_t size,
		uint8_t root[LEDGER_HASH_LEN]);
int ledger_leaf_hash(struct ledger *l, uint64_t index,
		     uint8_t hash[LEDGER_HASH_LEN]);
/* The complete subtree (@level, @index) of the published tree: leaves
 * [index * 2^level, (index + 1) * 2^level); -ERANGE when not complete. */
int ledger_node_hash(struct ledger *l, unsigned int level, uint64_t index,
		     uint8_t hash[LEDGER_HASH_LEN]);
int ledger_inclusion(struct ledger *l, uint64_t index, uint64_t size,
		     uint8_t (*proof)[LEDGER_HASH_LEN], size_t *len);
int ledger_consistency(struct ledger *l, uint64_t old_size, uint64_t new_size,
		       uint8_t (*proof)[LEDGER_HASH_LEN], size_t *len);

struct ledger_stats {
	uint64_t appended;	/* entries appended since start */
	uint64_t duplicates;
	uint64_t checkpoints;
	uint64_t batches;
	uint64_t rejected;
	uint64_t open_verifies;	/* event signatures the check at open verified */
};
void ledger_get_stats(struct ledger *l, struct ledger_stats *st);
/* Calls @cb for each rejection reason seen, with its count. */
void ledger_rejections(struct ledger *l,
		       void (*cb)(void *ctx, const char *why, uint64_t n),
		       void *ctx);

/*
 * Multi-node (etcd orders the entries, every node validates them).
 *
 * ledger_abort() undoes the open batch: the store rolls back and the
 * in-memory tree and device heads return to the last commit (a batch
 * whose entries another node ordered first is judged again after
 * them). ledger_pending() reads the entries of the open batch, to hand
 * them to the order. ledger_apply_entry() takes leaf data that the order
 * put at @index (the ledger's size) and judges it as an append from a
 * device would be (enrolment well-formed, device enrolled, signature,
 * seq and prev hash), in the encoding this node would write;
 * LEDGER_REJECTED (with why) is an entry this node must never count,
 * a negative return a store failure. @sig_ok: an event's signature was
 * found valid already (by ledger_verify_ok over the entries read,
 * ledgerd(8) BATCHED VALIDATION); false: it is verified here. Writer
 * thread.
 */
int ledger_abort(struct ledger *l);
int ledger_pending(struct ledger *l, ledger_store_entry_cb cb, void *ctx);
int ledger_apply_entry(struct ledger *l, uint64_t index, const uint8_t *data,
		       size_t len, bool sig_ok, struct ledger_result *res);
/*
 * A follower's chunk: @n entries that the order put at consecutive
 * indices from the ledger's size. Their events' signatures are checked
 * first by run (ledger_verify_start, @threads), then each entry is
 * applied in order with its verdict, as ledger_apply_entry() one by one
 * would judge it. Stops at the first entry refused (@res its verdict) or
 * at a store failure (the negative return); *@applied counts those
 * taken before, *@verifies (may be NULL) the ECDSA verifications made
 * before the apply.
 */
struct ledger_apply_item {
	uint64_t index;
	const uint8_t *data;
	size_t len;
};
int ledger_apply_entries(struct ledger *l, const struct ledger_apply_item *it,
			 size_t n, unsigned int threads, size_t *applied,
			 size_t *verifies, struct ledger_result *res);

/*
 * Any thread. The alarm: why this node stopped validating (empty: none).
 * ledger_sign_at() signs the checkpoint of the published tree at @size
 * (<= ledger_size) with the node key: a node vouches only for what it
 * validated. With cosigning on, ledger_cosigned() gives the newest
 * checkpoint that enough nodes signed (-ENOENT: none yet; -ENOTSUP:
 * cosigning is off), which ledger_set_cosigned() replaces by one of the
 * same size (more lines gathered) or a larger one only (-EALREADY
 * otherwise).
 */
void ledger_set_alarm(struct ledger *l, const char *why);
bool ledger_alarm(struct ledger *l, char *buf, size_t cap);
int ledger_sign_at(struct ledger *l, uint64_t size, char *note, size_t cap,
		   size_t *len);
void ledger_set_cosigning(struct ledger *l);
int ledger_set_cosigned(struct ledger *l, const char *note, size_t len,
			uint64_t size);
int ledger_cosigned(struct ledger *l, char *buf, size_t cap, size_t *len,
		    uint64_t *size);
/* The checkpoint clients and the kernel are given: the cosigned one with
 * cosigning on, else the node's own (ledger_checkpoint()). */
int ledger_served(struct ledger *l, char *buf, size_t cap, size_t *len,
		  uint64_t *size);

#endif /* LEDGER_LEDGER_H */
