/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * cosign.h - k of n: gathering the other nodes' signatures on this node's
 * checkpoint.
 *
 * A thread asks each peer, over its HTTP API, for its own signature on
 * the checkpoint of its validated tree at this node's latest size
 * (GET /cosign?size=N). A peer that validated that far signs its own
 * text; the line is taken only when it verifies under the peer's
 * configured key over the very text this node signed (same origin, size
 * and root). When this node and k - 1 peers signed, the note with all
 * their lines becomes the ledger's cosigned checkpoint (ledger_cosigned),
 * the one /checkpoint serves. A peer whose valid signature covers another
 * root at the same size has a different log: that is a fork, and the
 * node raises its alarm. Once the log holds a membership entry, the
 * signers and k of a checkpoint are those of the membership in force at
 * its size (ledger_members): a peer outside it is not asked and its line
 * does not count.
 */
#ifndef LEDGER_COSIGN_H
#define LEDGER_COSIGN_H

#include "ledger.h"
#include "note.h"

#define LEDGER_COSIGN_MAX_PEERS	16

struct ledger_cosigner;

/*
 * @peers: "URL VKEY" pairs separated by commas; @k: signatures needed,
 * this node's included (0: a majority of the peers and this node);
 * @self: this node's public key.
 */
int ledger_cosigner_start(struct ledger_cosigner **out, struct ledger *l,
			  const char *peers, unsigned int k,
			  const struct ledger_note_key *self, long timeout_ms,
			  char *err, size_t errlen);
void ledger_cosigner_stop(struct ledger_cosigner *c);

#endif /* LEDGER_COSIGN_H */
