/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * witness.h - each node of a multi-node ledger is a witness of the log,
 * as c2sp.org/tlog-witness defines one: POST /add-checkpoint with "old
 * <size>", a consistency proof and a checkpoint signed by a node key
 * gets this node's cosignature, or a refusal with the status the spec
 * names. On top of the spec's checks a node vouches only for what it
 * validated itself: the checkpoint's root must be the root of its own
 * tree at that size. Its answer is two signature lines: the node key's
 * note signature (the ECDSA P-256 line that the kernel and libszkm
 * count), and a c2sp.org/tlog-cosignature cosignature/v1 line (Ed25519,
 * timestamped) when a witness key is configured.
 *
 * The witness state, the latest checkpoint it cosigned (the note as
 * presented, with its own lines), is written to the node's store before
 * the answer leaves, under one lock with the check of the old size, so
 * that no two requests can move it backwards. ledgerd(8) says where the
 * rollback anchors live: a node checks its store against this state at
 * start, and against every checkpoint that carries its own signature
 * (its peers' cosigned checkpoints and witness states).
 *
 * Alarms: a checkpoint validly signed by a peer's node key whose root is
 * not this node's root at that size is proof that the peer signed a
 * fork: the node raises its alarm naming the peer and trusts that key no
 * more. A checkpoint that carries this node's own signature beyond what
 * its store holds, or on another root, means its store was rolled back
 * or replaced: the node halts (it cosigns, collects and follows no more)
 * until an operator looks.
 */
#ifndef LEDGER_WITNESS_H
#define LEDGER_WITNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger.h"
#include "note.h"

/* The largest add-checkpoint request body. */
#define LEDGER_WITNESS_BODY_MAX	16384
/* The spec's limit on consistency proof lines. */
#define LEDGER_WITNESS_MAX_PROOF	63
#define LEDGER_PEERS_MAX	16
/* A ledgerd peer has its node key and maybe its witness key. */
#define LEDGER_PEER_MAX_KEYS	2

/*
 * The peers setting: "URL VKEY [VKEY]" items separated by commas. A
 * ledgerd peer lists its node key (`ledgerd vkey`) and, when it has one,
 * its witness key (`ledgerd vkey --witness`); an outside witness lists
 * its cosignature/v1 key alone.
 */
struct ledger_peer {
	char url[256];
	size_t nkeys;
	struct ledger_note_key keys[LEDGER_PEER_MAX_KEYS];
};

int ledger_peers_parse(const char *peers, struct ledger_peer *out,
		       size_t max, size_t *n, char *err, size_t errlen);
void ledger_peers_clear(struct ledger_peer *p, size_t n);
/* A key that signs the log's checkpoints (not a cosignature key). */
bool ledger_key_is_node(const struct ledger_note_key *k);

struct ledger_witness_opts {
	struct ledger *ledger;
	const char *db;			/* its store, for the state */
	unsigned int store_flags;
	const char *origin;
	const struct ledger_note_key *self;	/* the node key, public half */
	const struct ledger_note_key *wkey;	/* cosignature key or NULL */
	const char *peers;
};

struct ledger_witness;

int ledger_witness_open(struct ledger_witness **out,
			const struct ledger_witness_opts *o, char *err,
			size_t errlen);
void ledger_witness_close(struct ledger_witness *w);

/*
 * POST /add-checkpoint: the HTTP status. 200: *@out holds the signature
 * lines; 409: *@out holds "<size>\n" (text/x.tlog.size); else @why says
 * what was wrong. *@out is malloc'd (the caller frees it) or NULL.
 */
unsigned int ledger_witness_add(struct ledger_witness *w, const char *body,
				size_t len, char **out, size_t *out_len,
				char *why, size_t whylen);

/*
 * The state as a note (what it cosigned, its lines appended); with @key
 * (a node key's name), the latest note that key presented and this
 * witness cosigned since it started; -ENOENT when there is none.
 */
int ledger_witness_state(struct ledger_witness *w, const char *key,
			 char *buf, size_t cap, size_t *len);
/* The monitoring path of the state: /witness/<hex SHA-256 of origin>/checkpoint */
const char *ledger_witness_path(const struct ledger_witness *w);
/* "?key=<this node's key name>", to ask a peer for its note of ours. */
const char *ledger_witness_key_query(const struct ledger_witness *w);

/*
 * A note from @from (a peer's served or witnessed checkpoint): when it
 * carries this node's own valid signature on a size beyond its store,
 * or on another root than its tree's, the node halts; -ESTALE then.
 */
int ledger_witness_evidence(struct ledger_witness *w, const char *note,
			    size_t len, const char *from);
/* Why the node halted (false: it did not). */
bool ledger_witness_halted(struct ledger_witness *w, char *why, size_t cap);
void ledger_witness_halt(struct ledger_witness *w, const char *why);

#endif /* LEDGER_WITNESS_H */
