/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * listen_log.h - the small ledger of `szkmctl events listen --ack`: every
 * event entry it took (a file, made durable before anything is proven),
 * the RFC 9162 tree over them, and the ECDSA P-256 key that signs its
 * checkpoints. The device enrols that key (device init --ledger-key, or
 * /etc/szkm/ledger-keys), so the kernel frees events on this listener's
 * proofs exactly as on ledgerd's. The entries themselves are kept so that
 * the kernel's key registry can be rebuilt from them after an unseal.
 *
 * The file: the magic LISTEN_LOG_MAGIC, then one record per leaf,
 *   length be16 | entry (SZKM_LEDGER_ENTRY_EVENT u8 | event body | sig [64])
 * whose leaf hash is SHA-256(0x00 || entry), as in the ledger.
 */
#ifndef SZKMCTL_LISTEN_LOG_H
#define SZKMCTL_LISTEN_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "merkle.h"
#include "note.h"

#define LISTEN_LOG_MAGIC	"SZKMLOG1"
#define LISTEN_LOG_MAGIC_LEN	8

struct listen_log {
	int fd;				/* the entry file */
	struct ledger_mem_store *ms;
	struct ledger_merkle *t;
	uint64_t end;			/* the file's length: records written */
	uint8_t *pend;			/* records appended, not yet written */
	size_t npend, cappend;
	struct ledger_note_key key;	/* signs as key.name */
};

/*
 * The signing key at @keypath (made, P-256, mode 0600, when missing) and
 * the name it signs as. Returns 0 or a negative errno, with @err set.
 */
int listen_log_key(struct listen_log *g, const char *keypath, const char *name,
		   char *err, size_t errlen);
/*
 * Opens the entry file @path (made when missing), keeps its first @size
 * entries (what the state file says is durable; later ones are dropped and
 * come back with the replay) and hashes them into the tree again.
 */
int listen_log_open(struct listen_log *g, const char *path, uint64_t size,
		    char *err, size_t errlen);
void listen_log_close(struct listen_log *g);
uint64_t listen_log_size(const struct listen_log *g);
/* The verifier key string the device enrols. */
int listen_log_vkey(const struct listen_log *g, char *buf, size_t cap);
/* Appends an event's entry; *@index gets its leaf index. */
int listen_log_append(struct listen_log *g, const uint8_t *body, size_t len,
		      const uint8_t sig[64], uint64_t *index);
/*
 * The leaf index of an event already in the tree (one the kernel still
 * journals because its proof never went out); -ENOENT when it is not
 * among the last @window leaves.
 */
int listen_log_find(struct listen_log *g, const uint8_t *body, size_t len,
		    const uint8_t sig[64], uint64_t window, uint64_t *index);
/* Writes and syncs the entries appended since the last call. */
int listen_log_sync(struct listen_log *g);
/*
 * Calls @cb with the body and signature of every entry, in leaf order (appended ones not
 * yet synced included); a nonzero return stops the walk and is returned.
 */
typedef int (*listen_log_body_cb)(void *ctx, const uint8_t *body, size_t len,
				  const uint8_t *sig);
int listen_log_scan(struct listen_log *g, listen_log_body_cb cb, void *ctx);
/*
 * Proves @n events (@seq[i] at leaf @index[i]) of device @dev to the
 * kernel with a fresh signed checkpoint; a kernel refusal is returned
 * (szkm_last_message() says why).
 */
int listen_log_prove(struct listen_log *g, const uint8_t *dev,
		     const uint64_t *seq, const uint64_t *index, size_t n);
/* After an unseal: resumes the kernel's chain after the event @body/@sig. */
int listen_log_resume(struct listen_log *g, const uint8_t *dev, uint64_t seq,
		      uint64_t index, const uint8_t *body, size_t len,
		      const uint8_t sig[64]);

#endif /* SZKMCTL_LISTEN_LOG_H */
