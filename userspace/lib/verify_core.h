/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * verify_core.h - the verifier's logic without I/O (verify_core.c): it
 * reads a ledger through a small source interface, so that ledgerd's HTTP
 * API (ledger_http.c) serves it in libszkm and memory serves it in tests
 * and benchmarks. The state file is the caller's: the core takes the
 * checkpoint accepted before and hands back the one to keep.
 *
 * Every function returns 0 or a negative errno (libszkm.h lists them for
 * szkm_verify_key) having said why through szkm_verify_fail(); a source
 * says its own failures the same way.
 */
#ifndef SZKM_VERIFY_CORE_H
#define SZKM_VERIFY_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "merkle.h"
#include "note.h"
#include "szkm.h"

struct szkm_verified_key;

/* One entry as a source serves it: its index and leaf data. */
struct szkm_ledger_entry {
	uint64_t index;
	size_t len;
	uint8_t data[LEDGER_ENTRY_MAX_LEN];
};

struct szkm_ledger_source {
	void *ctx;
	/* The latest signed checkpoint, malloc'd. */
	int (*checkpoint)(void *ctx, char **note, size_t *len);
	/* Proofs leaf to root, at most LEDGER_MERKLE_MAX_PROOF hashes. */
	int (*inclusion)(void *ctx, uint64_t index, uint64_t size,
			 uint8_t (*proof)[LEDGER_HASH_LEN], size_t *n);
	int (*consistency)(void *ctx, uint64_t old_size, uint64_t new_size,
			   uint8_t (*proof)[LEDGER_HASH_LEN], size_t *n);
	/* Every entry that names the key, in ledger order; malloc'd. */
	int (*key_entries)(void *ctx, const uint8_t id[SZKM_KEY_ID_LEN],
			   struct szkm_ledger_entry **entries, size_t *n);
	/* The entry that enrolled device @id. */
	int (*enrolment)(void *ctx, const uint8_t id[SZKM_DEVICE_ID_LEN],
			 struct szkm_ledger_entry *e);
	/*
	 * Every membership entry (entry.h, type 3), in ledger order;
	 * malloc'd. NULL: the source has none, the configured keys sign.
	 */
	int (*members)(void *ctx, struct szkm_ledger_entry **entries, size_t *n);
};

/*
 * What the client trusts: the verifier keys and how many must sign. When
 * the ledger holds membership entries, these are the anchor: the first
 * entry must be approved by the threshold of them, each later one by the
 * k of the one before, and the checkpoint is then signed by the k of the
 * last one under it (entries are proven in the checkpoint like any other). The
 * core also remembers what is costly to redo and safe to reuse: the last
 * note whose signatures held (a verifier checking many keys against one
 * checkpoint checks its signatures once), the last device key it built
 * (OpenSSL builds the P-256 group anew for each key it imports) and the
 * leaf hashes of the entries whose device signature held under it (an
 * entry's leaf hash covers its bytes, signature included). Each new
 * checkpoint still has every entry proven in it, and the chain checked.
 */
#define SZKM_TRUST_SIGNED_MAX	4096	/* slots; emptied when 3/4 full */

struct szkm_trust {
	struct ledger_note_key keys[SZKM_LEDGER_KEYS_MAX];
	size_t nkeys;
	unsigned int threshold;
	char *seen;
	size_t seen_len;
	unsigned int seen_signers;
	uint8_t device_pub[SZKM_P256_PUB_LEN];
	EVP_PKEY *device_key;
	uint8_t (*signed_leaves)[LEDGER_HASH_LEN];	/* open addressing */
	size_t nsigned;
};

/* Parses the vkeys into @t (a key twice is refused); 0: a majority. */
int szkm_trust_init(struct szkm_trust *t, const char *const *vkeys, size_t n,
		    unsigned int threshold);
void szkm_trust_clear(struct szkm_trust *t);

/*
 * Reads a checkpoint kept by this client (its own file: signatures are
 * not checked, the form is). -EBADMSG when it is none; cp->ext is NULL.
 */
int szkm_checkpoint_read(const char *note, size_t len, struct ledger_checkpoint *cp);

/*
 * Verifies key @id's history at @src against @t, the checkpoint being
 * consistent with @old (the one accepted before; NULL: none). On success
 * *@out is the verified key (szkm_verified_key_free) and *@note (malloc'd,
 * *@note_len bytes) the signed checkpoint it rests on, for the state file.
 */
int szkm_verify_run(struct szkm_trust *t, const struct szkm_ledger_source *src,
		    const struct ledger_checkpoint *old, const uint8_t id[SZKM_KEY_ID_LEN],
		    struct szkm_verified_key **out, char **note, size_t *note_len);

#endif /* SZKM_VERIFY_CORE_H */
