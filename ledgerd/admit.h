/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * admit.h - may this event be appended? The ledger's rule, pure.
 *
 * An event enters ledgerd once (from the kernel's netlink group or a
 * control line) and is decoded there, once, into a struct ledger_event
 * that travels with it: to the signature checkers, to the rule below, to
 * the store. The rule is a function of that event and of its device's
 * head in the ledger (none when the device is not enrolled), with the
 * signature's verdict as an input since checking it needs the device key:
 * no store, no clock, no I/O, so that a test (and a second node that
 * re-validates what etcd ordered) gets the same answer from the same
 * inputs. ledger.c applies it to every append and to every event it
 * replays when it checks the database at open.
 */
#ifndef LEDGER_ADMIT_H
#define LEDGER_ADMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "szkm_event.h"

/* An event as it entered: its bytes, D's signature, their decoding. */
struct ledger_event {
	const uint8_t *body;
	size_t len;
	const uint8_t *sig;		/* [SZKM_EVENT_SIG_LEN] */
	struct szkm_event ev;		/* meaningful when !why */
	const char *why;		/* NULL, or why it is malformed */
	/* Its link (szkm_event_link: format 3, 4 cover sig), when !why: the
	 * device's head once it is appended. */
	uint8_t link[SZKM_EVENT_HASH_LEN];
};

/*
 * Decodes @body (kept by the caller for as long as @e is used: ev points
 * into it). A malformed event is not an error: e->why says what is wrong
 * and the rule refuses it. -EIO only when hashing fails.
 */
int ledger_event_decode(struct ledger_event *e, const uint8_t *body,
			size_t len, const uint8_t sig[SZKM_EVENT_SIG_LEN]);

/* A device's chain head in the ledger. */
struct ledger_head {
	uint64_t last_seq;		/* 0: no event yet */
	uint8_t last_hash[SZKM_EVENT_HASH_LEN];	/* that event's link */
};

enum ledger_may {
	LEDGER_MAY_APPEND,	/* the next event of the device's chain */
	/*
	 * At or before the head: a duplicate (acknowledged again, not
	 * appended) when byte for byte the ledger's event of that seq, else
	 * refused with why ("seq-replayed"). The caller looks it up.
	 */
	LEDGER_MAY_IF_DUPLICATE,
	LEDGER_MAY_NOT,		/* refused: why */
};

struct ledger_admission {
	enum ledger_may may;
	const char *why;	/* a short reason, a metric label */
};

/*
 * The verdict on @e for a device whose head is @head (NULL: not
 * enrolled), given whether D's signature over it holds (@sig_ok; only
 * looked at for an enrolled device). In this order: malformed (its
 * decoder's reason), "unenrolled-device", "bad-signature", at or before
 * the head, then the chain: "seq-gap", "prev-hash-mismatch".
 */
struct ledger_admission ledger_may_append(const struct ledger_event *e,
					  const struct ledger_head *head,
					  bool sig_ok);

/*
 * May the membership entry @m (decoded from @data, whose first
 * m->content_len bytes its approvals sign) follow the log's membership
 * @cur, the entry whose leaf hash is @cur_hash? NULL (none yet) makes @m
 * the genesis, which must be epoch 1 over zeros and say exactly what the
 * operator configured in @genesis (NULL: nothing configured, so no
 * genesis is accepted: a node never lets the log choose its own first
 * trust). Otherwise @m must be epoch cur + 1 over @cur_hash. Either way
 * every approval must come from the approving set (@cur, or the genesis
 * itself) and verify over ledger_members_digest(@origin, content), and at
 * least that set's k must: NULL when all holds, else why
 * ("member-not-genesis", "member-genesis-differs", "member-epoch-not-next",
 * "member-prev-mismatch", "member-approval-not-a-member",
 * "member-bad-approval", "member-too-few-approvals").
 * Pure like the rule above: the same inputs give the same answer on
 * every node.
 */
const char *ledger_may_change_members(const struct ledger_members *cur,
				      const uint8_t cur_hash[32],
				      const struct ledger_members *genesis,
				      const struct ledger_members *m,
				      const uint8_t *data, const char *origin);

/*
 * May enrolment entry @e (type 1 or 4, decoded from @data) enter a log
 * whose membership in force is @cur (NULL: none yet), its entry's leaf
 * hash @cur_hash? Type 1 only while there is none
 * ("enrolment-needs-approvals"); type 4 only once there is one
 * ("enrolment-before-genesis"), over @cur_hash
 * ("enrolment-stale-membership") and approved as a membership change is,
 * by the k of @cur. NULL when it may. Whether the device is enrolled
 * already is the caller's question.
 */
const char *ledger_may_enrol(const struct ledger_members *cur,
			     const uint8_t cur_hash[32],
			     const struct ledger_entry *e, const uint8_t *data,
			     const char *origin);

#endif /* LEDGER_ADMIT_H */
