/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * cosign.h - k of n: gathering the other nodes' cosignatures on this
 * node's checkpoint, through their c2sp.org/tlog-witness API.
 *
 * A thread takes this node's latest signed checkpoint and POSTs it to
 * each peer's /add-checkpoint (witness.h) with "old <size>", the size
 * the peer's witness state was last known to hold (0 at first; a 409
 * answer tells the real one and the request is made again from there)
 * and the consistency proof from it. A peer that validated that far
 * answers with its lines; they are kept only when every one verifies
 * under the peer's configured keys over this node's text. When this
 * node and k - 1 peers with a node key signed, the note with all the
 * lines gathered becomes the ledger's cosigned checkpoint
 * (ledger_cosigned), the one /checkpoint serves; an outside witness's
 * cosignature is added to it but does not count toward k, since the
 * kernel counts node keys. Every peer is asked, not only k - 1: each
 * peer's witness state then carries this node's signature, which is
 * what finds a rollback of this node (witness.h). Once the log holds a
 * membership entry, the signers and k of a checkpoint are those of the
 * membership in force at its size (ledger_members): a peer outside it
 * is not asked and its line does not count.
 *
 * Before the first round, each peer's served checkpoint and witness
 * state are checked for this node's own signature beyond its store.
 */
#ifndef LEDGER_COSIGN_H
#define LEDGER_COSIGN_H

#include "ledger.h"
#include "note.h"
#include "witness.h"

struct ledger_cosigner;

/*
 * @peers: the peers setting (witness.h); @k: node signatures needed,
 * this node's included (0: a majority of this node and the peers with a
 * node key); @self: this node's public key; @w: this node's witness.
 */
int ledger_cosigner_start(struct ledger_cosigner **out, struct ledger *l,
			  struct ledger_witness *w, const char *peers,
			  unsigned int k, const struct ledger_note_key *self,
			  long timeout_ms, char *err, size_t errlen);
/*
 * True once the first round checked every reachable peer for this
 * node's signatures beyond its store: the node follows nothing before,
 * so that catching up cannot hide a rollback.
 */
bool ledger_cosigner_ready(struct ledger_cosigner *c);
void ledger_cosigner_stop(struct ledger_cosigner *c);

#endif /* LEDGER_COSIGN_H */
