/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * entry.h - what one ledger entry (one Merkle leaf) holds.
 *
 * The leaf data is a one-byte entry type followed by its bytes; the leaf
 * hash is RFC 6962's SHA-256(0x00 || leaf data). Integers big-endian.
 *
 *   type 1, device enrolment (an administrator vouches for a device key):
 *     0x01 | time be64 (ns since the epoch, ledgerd's clock)
 *          | name length u8 (1..SZKM_NAME_MAX) | name [A-Za-z0-9._-]
 *          | device public key [65] (04 || X || Y; the device id is its
 *            SHA-256, as in include/szkm.h)
 *   type 2, device event (what the kernel signed, verbatim):
 *     0x02 | canonical event body (include/szkm.h) | signature [64] r || s
 *
 *   type 3, membership (which node keys cosign, and how many must): the
 *     format is include/szkm.h's ("Ledger membership"), shared with the
 *     kernel, which follows it. An approval is by a node key of the
 *     membership in force before this entry (for the genesis: of the
 *     genesis itself); ledger_members_digest() computes what it signs.
 *     The entry counts only when at least k of the approving set (its k)
 *     signed: admit.h, ledger_may_change_members().
 *
 *   type 4, approved enrolment (the only enrolment a log with a membership
 *   accepts; type 1 is valid only before its genesis):
 *     0x04 | time be64 | name length u8 | name | device public key [65]
 *            (as type 1)
 *          | members [32] (leaf hash of the membership entry in force)
 *     --- the content ends here ---
 *          | approvals as in type 3 (count, then key and signature each),
 *            over ledger_members_digest(origin, content), by at least k
 *            keys of that membership: admit.h, ledger_may_enrol().
 *
 * The type byte keeps an event body from ever being read as an enrolment
 * or the reverse, and makes room for later entry types (revocation).
 * Nothing here needs state: decoding is pure and strict like event.c.
 */
#ifndef LEDGER_ENTRY_H
#define LEDGER_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "szkm_event.h"

#define LEDGER_ENTRY_ENROL	1
#define LEDGER_ENTRY_EVENT	2
#define LEDGER_ENTRY_MEMBERS	SZKM_LEDGER_ENTRY_MEMBERS
#define LEDGER_ENTRY_ENROL_APPROVED 4

/* The membership entry's format: include/szkm.h. */
#define LEDGER_MEMBERS_MAX	SZKM_MEMBERS_MAX
#define LEDGER_MEMBER_NAME_MAX	SZKM_MEMBER_NAME_MAX
#define LEDGER_MEMBERS_HEAD_LEN	SZKM_MEMBERS_HEAD_LEN
#define LEDGER_MEMBERS_MAX_LEN	SZKM_MEMBERS_ENTRY_MAX

#define LEDGER_ENROL_MAX_LEN	(1 + 8 + 1 + SZKM_NAME_MAX + SZKM_P256_PUB_LEN)
#define LEDGER_EVENT_ENTRY_MAX_LEN (1 + SZKM_EVENT_MAX_LEN + SZKM_EVENT_SIG_LEN)
/* The largest entry of any type (a membership entry is the largest). */
#define LEDGER_ENTRY_MAX_LEN						\
	(LEDGER_MEMBERS_MAX_LEN > LEDGER_EVENT_ENTRY_MAX_LEN ?		\
	 LEDGER_MEMBERS_MAX_LEN : LEDGER_EVENT_ENTRY_MAX_LEN)

struct ledger_approval {
	uint8_t pub[SZKM_P256_PUB_LEN];
	uint8_t sig[SZKM_EVENT_SIG_LEN];
};

struct ledger_enrolment {
	uint64_t time_ns;
	char name[SZKM_NAME_MAX + 1];
	uint8_t pubkey[SZKM_P256_PUB_LEN];
	uint8_t device_id[SZKM_DEVICE_ID_LEN];
	/* Type 4 only. */
	uint8_t members[32];
	uint8_t napprovals;
	struct ledger_approval a[LEDGER_MEMBERS_MAX];
	size_t content_len;
};

struct ledger_member {
	char name[LEDGER_MEMBER_NAME_MAX + 1];
	uint8_t pub[SZKM_P256_PUB_LEN];
};

struct ledger_members {
	uint64_t epoch;
	uint8_t prev[32];
	uint8_t k, n;
	struct ledger_member m[LEDGER_MEMBERS_MAX];
	uint8_t napprovals;
	struct ledger_approval a[LEDGER_MEMBERS_MAX];
	size_t content_len;	/* after decoding: the signed prefix */
};

/* A decoded entry: the part for its type is meaningful. */
struct ledger_entry {
	uint8_t type;
	struct ledger_enrolment enrol;		/* types 1 and 4 */
	struct ledger_members members;		/* type 3 */
	struct szkm_event event;		/* type 2, points into data */
	const uint8_t *body;			/* type 2 */
	size_t body_len;
	const uint8_t *sig;			/* type 2, [64] */
};

/* Writes an entry into @buf (room for LEDGER_ENTRY_MAX_LEN). */
int ledger_entry_enrolment(const struct ledger_enrolment *e, uint8_t *buf,
			   size_t cap, size_t *len);
int ledger_entry_event(const uint8_t *body, size_t body_len,
		       const uint8_t sig[SZKM_EVENT_SIG_LEN], uint8_t *buf,
		       size_t cap, size_t *len);

/* Type 4: the enrolment @e with its members hash and approvals
 * (content_len is set). */
int ledger_entry_approved_enrolment(struct ledger_enrolment *e, uint8_t *buf,
				    size_t cap, size_t *len);
/* Type 3: content and approvals as in @m (content_len is set). */
int ledger_entry_members(struct ledger_members *m, uint8_t *buf, size_t cap,
			 size_t *len);
/* SHA-256 of what an approval signs: the domain line, @origin, @content. */
int ledger_members_digest(const char *origin, const uint8_t *content,
			  size_t len, uint8_t digest[32]);
/* Index of the member with key @pub in @m, or -1. */
int ledger_members_find(const struct ledger_members *m,
			const uint8_t pub[SZKM_P256_PUB_LEN]);

/*
 * Decodes leaf data strictly (-EBADMSG with *why on any fault); an event
 * entry's body goes through szkm_event_decode() (the signature is not
 * checked here: that needs the device key).
 */
int ledger_entry_decode(const uint8_t *data, size_t len,
			struct ledger_entry *e, const char **why);

#endif /* LEDGER_ENTRY_H */
