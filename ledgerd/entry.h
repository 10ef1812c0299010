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

#define LEDGER_ENROL_MAX_LEN	(1 + 8 + 1 + SZKM_NAME_MAX + SZKM_P256_PUB_LEN)
#define LEDGER_ENTRY_MAX_LEN	(1 + SZKM_EVENT_MAX_LEN + SZKM_EVENT_SIG_LEN)

struct ledger_enrolment {
	uint64_t time_ns;
	char name[SZKM_NAME_MAX + 1];
	uint8_t pubkey[SZKM_P256_PUB_LEN];
	uint8_t device_id[SZKM_DEVICE_ID_LEN];
};

/* A decoded entry: exactly one of the two halves is meaningful. */
struct ledger_entry {
	uint8_t type;
	struct ledger_enrolment enrol;		/* type 1 */
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

/*
 * Decodes leaf data strictly (-EBADMSG with *why on any fault); an event
 * entry's body goes through szkm_event_decode() (the signature is not
 * checked here: that needs the device key).
 */
int ledger_entry_decode(const uint8_t *data, size_t len,
			struct ledger_entry *e, const char **why);

#endif /* LEDGER_ENTRY_H */
