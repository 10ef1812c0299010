/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ledger_proof.h - what the kernel checks before it believes the ledger:
 * a C2SP signed checkpoint from enough enrolled ledger keys, RFC 9162
 * inclusion proofs of its events, and consistency of each checkpoint with
 * the last one it accepted (formats in include/szkm.h, "Ledger proofs").
 * Pure functions over bytes from userspace: every length is checked, and
 * a failure says why in a static string.
 */
#ifndef _SZKM_LEDGER_PROOF_H
#define _SZKM_LEDGER_PROOF_H

#include <linux/types.h>
#include "szkm.h"

struct szkm_ledger_key {
	char name[SZKM_LEDGER_NAME_MAX + 1];
	u32 id;
	u8 pub[SZKM_P256_PUB_LEN];
};

/* The ledger keys a device believes, and how many must sign. */
struct szkm_ledger_trust {
	u8 threshold;
	u8 nkeys;
	struct szkm_ledger_key keys[SZKM_LEDGER_KEYS_MAX];
	u64 epoch;		/* the membership entry followed; 0: device init's keys */
	u8 members[32];		/* its leaf hash (epoch >= 1) */
};

struct szkm_checkpoint {
	u64 size;
	u8 root[32];
};

/* A C2SP verifier key string of type 0x02 -> @k; -EINVAL when malformed. */
int szkm_ledger_vkey_parse(struct szkm_ledger_key *k, const char *vkey,
			   size_t len, const char **why);

/*
 * The device blob's ledger trust field (include/szkm.h, "Device blob"):
 * decode checks every length, name and point (an empty field is no trust:
 * nkeys 0); encode writes at most SZKM_DEVBLOB_LEDGER_MAX bytes.
 */
int szkm_ledger_trust_decode(struct szkm_ledger_trust *t, const u8 *f, size_t n);
size_t szkm_ledger_trust_encode(const struct szkm_ledger_trust *t, u8 *f);

/* A ledger key's name as a note may carry it; its id from its point. */
bool szkm_ledger_key_name_ok(const char *s, size_t n);
u32 szkm_ledger_key_id(const u8 pub[SZKM_P256_PUB_LEN]);

/*
 * One ledger key as the blob's trust field and a membership entry hold
 * it, "name length u8 | name | point [65]", at *@off of @d (@len bytes):
 * the name at most @name_max and a note key name, the point on P-256,
 * the id computed; *@off moves past it. -EBADMSG (*@why set for a bad
 * name or point) when it is not one.
 */
int szkm_ledger_key_read(struct szkm_ledger_key *k, const u8 *d, size_t len,
			 size_t *off, size_t name_max, const char **why);

/* The origin line of a note that szkm_checkpoint_verify() accepted. */
size_t szkm_checkpoint_origin(const u8 *note, size_t len, const char **origin);

/*
 * Checks a signed checkpoint: its form, then every signature line whose
 * name and key id match one of @keys (a failing one rejects the note), and
 * that at least @threshold distinct keys signed. Fills @cp.
 */
int szkm_checkpoint_verify(const u8 *note, size_t len,
			   const struct szkm_ledger_key *keys, unsigned int nkeys,
			   unsigned int threshold, struct szkm_checkpoint *cp,
			   const char **why);

/* SHA-256(0x00 || SZKM_LEDGER_ENTRY_EVENT || body || sig). */
void szkm_ledger_event_leaf(const u8 *body, size_t len,
			    const u8 sig[SZKM_EVENT_SIG_LEN], u8 leaf[32]);

/* RFC 9162 2.1.3.2; @proof is @n hashes of 32 bytes. */
int szkm_merkle_inclusion_verify(u64 index, const u8 leaf[32],
				 const struct szkm_checkpoint *cp,
				 const u8 *proof, size_t n, const char **why);

/* RFC 9162 2.1.4.2, from @old to @new (an empty @old is consistent). */
int szkm_merkle_consistency_verify(const struct szkm_checkpoint *old,
				   const struct szkm_checkpoint *new,
				   const u8 *proof, size_t n, const char **why);

int szkm_ledger_proof_selftest(void);

#endif /* _SZKM_LEDGER_PROOF_H */
