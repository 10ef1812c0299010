/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * node_key.h - where the ledger node's signing key comes from.
 *
 * The key signs checkpoints (note.h). Its location is one string:
 *   /path/key.pem        a PEM private key: Ed25519 (signed-note type
 *                        0x01) or ECDSA P-256 (type 0x02)
 *   pkcs11:<RFC 7512>    a key in a PKCS#11 token (an HSM; SoftHSM2 in
 *                        tests), ECDSA P-256, through the libp11
 *                        "pkcs11" engine (Debian 12 has no OpenSSL 3
 *                        PKCS#11 provider)
 *   tpm2:<what>          a key that never leaves the TPM, through the
 *                        tpm2-openssl provider: <what> is handle:0x81...
 *                        or a TSS2 PEM key file; ECDSA P-256 (0x02). The
 *                        TCTI comes from TPM2OPENSSL_TCTI.
 */
#ifndef LEDGER_NODE_KEY_H
#define LEDGER_NODE_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "note.h"

struct ledger_node_key_opts {
	const char *key;		/* the location above */
	const char *name;		/* the note key name */
	const char *pkcs11_module;	/* NULL: the engine's default */
	const char *pin;		/* PKCS#11 user PIN, or NULL */
};

/* Loads the private key into @k; on failure @err says why. */
int ledger_node_key_load(const struct ledger_node_key_opts *o,
			 struct ledger_note_key *k, char *err, size_t errlen);

/* The same key with its public half only, to verify our own notes. */
int ledger_node_key_public(const struct ledger_note_key *k,
			   struct ledger_note_key *pub);

/* Writes a new ECDSA P-256 (or, with @ed25519, Ed25519) PEM private key
 * to @path (mode 0600, new file). */
int ledger_node_key_generate(const char *path, bool ed25519, char *err,
			      size_t errlen);

#endif /* LEDGER_NODE_KEY_H */
