/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * szkm_event.h - libszkm's decoding and checking of szkm lifecycle events.
 *
 * The canonical event bytes are defined in include/szkm.h ("Lifecycle
 * events"); this is the one userspace reader of them, shared by szkmctl's
 * listener and ledgerd. It holds no state and does no I/O (event.c needs
 * only OpenSSL and szkm.h).
 *
 * A caller that keeps a device's chain runs, for each (body, signature):
 *   szkm_event_decode()      strict form check, fills struct szkm_event
 *   szkm_event_verify()      ECDSA P-256 r || s over SHA-256(body) by D
 *   szkm_event_check_chain() seq == last + 1, prev hash == link of last
 *   szkm_event_link()        this event's link, the device's new head
 *
 * Every function returns 0 or a negative errno, and on failure points
 * *why (when given) at a short static reason such as "bad-signature";
 * the reasons double as metric labels, so they are lower-case words.
 */
#ifndef SZKM_EVENT_H
#define SZKM_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "libszkm.h"
#include "szkm.h"

#define SZKM_EVENT_HASH_LEN	32

/* A decoded event. The pointers point into the decoded buffer. */
struct szkm_event {
	uint8_t type;			/* enum szkm_event_type */
	uint16_t flags;
	const uint8_t *device_id;	/* [SZKM_DEVICE_ID_LEN] */
	uint64_t seq;
	const uint8_t *prev_hash;	/* [SZKM_EVENT_HASH_LEN] */
	uint64_t time_ns;
	const uint8_t *key_id;		/* [SZKM_KEY_ID_LEN] */
	char name[SZKM_NAME_MAX + 1];	/* NUL-terminated copy */
	uint8_t name_len;
	uint32_t version;
	uint8_t alg, state, origin;
	const uint8_t *pubkey;		/* NULL or [SZKM_P256_PUB_LEN] */
	uint64_t rotate_seconds;
	uint64_t max_uses;
	uint32_t min_version;
	uint8_t ledger;			/* enum szkm_ledger_mode */
	const uint8_t *policy_digest;	/* [32] */
	uint8_t format;			/* 1 (no actor), 2, 3 or 4 */
	/* Who caused it (format 2 and later): enum szkm_actor; for a process its uid,
	 * audit login uid (SZKM_AUID_UNSET: none), pid and command. */
	uint8_t actor;
	uint32_t uid, auid, pid;
	char comm[SZKM_COMM_LEN + 1];	/* NUL-terminated copy */
	uint32_t grantee;		/* KEY_GRANT, KEY_REVOKE: the uid */
	/* SHA-256 of the whole body: what D signs (and, for format 1 and 2,
	 * the event's link; szkm_event_link() gives it for every format). */
	uint8_t hash[SZKM_EVENT_HASH_LEN];
	const uint8_t *body;		/* the decoded bytes */
	size_t body_len;
};

/*
 * Checks @len bytes at @buf against the canonical form (every length,
 * exact size, magic, format, known type, flags, enums, name charset
 * [A-Za-z0-9._-], public key form, device and key events' own rules) and
 * fills @ev. -EBADMSG (with *why) for a malformed event, -EIO when
 * hashing fails.
 */
int szkm_event_decode(const uint8_t *buf, size_t len, struct szkm_event *ev,
		      const char **why);

/*
 * The EVP_PKEY of an uncompressed P-256 point (04 || X || Y), checked to
 * be on the curve; NULL when it is not one. Callers that verify often
 * keep it (building it costs more than hashing an event).
 */
EVP_PKEY *szkm_ec_pubkey(const uint8_t pub[SZKM_P256_PUB_LEN]);

/*
 * Verifies the 64-byte r || s @sig over the SHA-256 @digest with @pkey.
 * 0 when it holds, -EBADMSG when it does not (r or s out of range
 * included), -ENOMEM or -EIO when OpenSSL fails.
 */
int szkm_ec_verify_digest(EVP_PKEY *pkey, const uint8_t digest[32],
			    const uint8_t sig[SZKM_EVENT_SIG_LEN]);

/* The same over SHA-256(@msg), for callers holding only the point. */
int szkm_ec_verify(const uint8_t pub[SZKM_P256_PUB_LEN], const void *msg,
		     size_t len, const uint8_t sig[SZKM_EVENT_SIG_LEN]);

/*
 * D's signature on a decoded event (why "bad-signature" when it fails,
 * "high-s-signature" for a format-4 event whose S is not the low one).
 */
int szkm_event_verify(const struct szkm_event *ev, EVP_PKEY *device_key,
		      const uint8_t sig[SZKM_EVENT_SIG_LEN], const char **why);

/*
 * The link of a decoded event with its signature @sig (include/szkm.h):
 * what the device's next event must name as its prev hash. Formats 3
 * and 4: SHA-256(body || @sig), so the chain covers the signature;
 * formats 1 and 2: SHA-256(body) (@sig may then be NULL). 0, -EBADMSG
 * when a format-4 @sig has a high S (it has no link: its twin is the
 * event's signature), or -EINVAL / -EIO.
 */
int szkm_event_link(const struct szkm_event *ev,
		    const uint8_t sig[SZKM_EVENT_SIG_LEN],
		    uint8_t link[SZKM_EVENT_HASH_LEN]);

/*
 * Does @ev's link hash its signature too (formats 3 and 4, include/szkm.h)?
 * Then the device's next event, which names that link, vouches for the
 * signature: what checking by run rests on.
 */
static inline bool szkm_event_link_covers_sig(const struct szkm_event *ev)
{
	return ev->format >= 3;
}

/*
 * Checks @ev against the device's chain so far: the last accepted
 * sequence number (0 when none) and the link of that event
 * (szkm_event_link()).
 * -EBADMSG with why "seq-gap" (ahead), "seq-replayed" (at or before
 * the last) or "prev-hash-mismatch".
 */
int szkm_event_check_chain(const struct szkm_event *ev, uint64_t last_seq,
			   const uint8_t last_link[SZKM_EVENT_HASH_LEN],
			   const char **why);

/*
 * The sequence number of the raw event bytes @buf (not decoded or checked;
 * 0 when too short to hold one), for routing before a full decode.
 */
uint64_t szkm_event_seq(const uint8_t *buf, size_t len);

/* SHA-256 of an uncompressed P-256 point: the device id. */
int szkm_device_id(const uint8_t pub[SZKM_P256_PUB_LEN],
		   uint8_t id[SZKM_DEVICE_ID_LEN]);

/* Names of enum values (szkm_event_type_name() and the others) are in
 * libszkm.h. */
/*
 * The event's command name made safe to print (a process may name itself
 * anything): printable ASCII but space kept, every other byte '?'.
 */
void szkm_event_comm(const struct szkm_event *ev, char out[SZKM_COMM_LEN + 1]);
/* "uid=U auid=A|none pid=P comm=C", "kernel", or "unrecorded" (format 1). */
void szkm_event_actor_text(const struct szkm_event *ev, char *buf, size_t cap);

/* A key or device name: 1..SZKM_NAME_MAX of [A-Za-z0-9._-]. */
bool szkm_name_valid(const char *name, size_t len);

#endif /* SZKM_EVENT_H */
