/* SPDX-License-Identifier: GPL-2.0 */
/* journal.h - events kept until the ledger acknowledges them. */
#ifndef _SZKM_JOURNAL_H
#define _SZKM_JOURNAL_H

#include <linux/types.h>
#include "szkm.h"
#include "ledger_proof.h"

struct key;
struct sk_buff;
struct szkm_change;
struct netlink_callback;

/*
 * Takes @body (kmalloc'd, @len bytes, seq and prev hash still zero): gives
 * it the next sequence number and the previous hash, has it signed, keeps
 * it and multicasts it. @fresh starts a new chain (device init). @ch (may
 * be NULL) is applied to @owner when the ledger proves the event
 * (szkm_keytype_apply). -EBUSY when full or not positioned; the body is
 * then still the caller's.
 */
int szkm_journal_append(u8 *body, size_t len, struct key *owner,
			const struct szkm_change *ch, bool fresh);
/* Signs a body in place (event.c): seq, prev, its link out, signature out. */
int szkm_event_seal(u8 *body, size_t len, u64 seq, const u8 prev[32],
		    u8 link[32], u8 sig[SZKM_EVENT_SIG_LEN]);
/*
 * The link of an event (include/szkm.h): what the next event's prev hash
 * names, by the event's own format (@body[4]): format 3 and 4 hash @sig too.
 */
void szkm_event_link(const u8 *body, size_t len, const u8 sig[SZKM_EVENT_SIG_LEN],
		     u8 link[32]);
/*
 * May @sig be this event's signature by its format? Format 4 allows only
 * the low S of the two that verify (include/szkm.h), so that the link is
 * unique; 3 and older allow either. The signature itself is not verified.
 */
bool szkm_event_sig_canonical(const u8 *body, size_t len,
			      const u8 sig[SZKM_EVENT_SIG_LEN]);

/* One event's proof: its sequence number, ledger index, audit path. */
struct szkm_event_proof {
	u64 seq;
	u64 index;
	const u8 *path;		/* @n hashes of 32 bytes, leaf to root */
	size_t n;
};

/* Is @cp consistent with the last checkpoint accepted? Records nothing. */
int szkm_journal_consistent(const struct szkm_checkpoint *cp, const u8 *cons,
			    size_t ncons, const char **why);

/*
 * The ledger proves events: @cp (a checkpoint already verified against
 * the device's ledger keys) must be consistent with the last checkpoint
 * accepted (@cons, @ncons hashes), and each proof must put its journalled
 * event in @cp's tree. All or nothing: on any failure the journal is
 * unchanged and *@why says which. Then the proven events leave the
 * journal (their versions activate) and @cp becomes the last checkpoint.
 */
int szkm_journal_prove(const struct szkm_checkpoint *cp, const u8 *cons,
		       size_t ncons, const struct szkm_event_proof *p,
		       unsigned int n, const char **why);
/*
 * After an unseal: the ledger proves the device's last event (@body and
 * @sig, signed by this device, included in @cp at @p->index); the chain
 * continues after it.
 */
int szkm_journal_resume_proven(const struct szkm_checkpoint *cp,
			       const u8 *body, size_t len,
			       const u8 sig[SZKM_EVENT_SIG_LEN],
			       const struct szkm_event_proof *p, const char **why);
/*
 * Another device replaced the one whose chain this is (a forced unseal):
 * its unacknowledged events are dropped, and the chain waits to be resumed
 * for the new device.
 */
void szkm_journal_reset(void);
int szkm_journal_dump(struct sk_buff *skb, struct netlink_callback *cb, u64 from);
/* @proven: size of the last checkpoint accepted (0: none since load). */
void szkm_journal_status(bool *positioned, u64 *last_seq, u32 *pending,
			 u64 *proven);

int szkm_journal_init(void);
void szkm_journal_uninit(void);

/* Fills one SZKM_CMD_EVENT message (netlink.c). */
int szkm_netlink_put_event(struct sk_buff *msg, u64 seq, const u8 *body, size_t len,
			   const u8 sig[SZKM_EVENT_SIG_LEN]);
/* A message header for a dump reply of the family (netlink.c). */
void *szkm_netlink_dump_put(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd);
void szkm_netlink_multicast_event(u64 seq, const u8 *body, size_t len,
				  const u8 sig[SZKM_EVENT_SIG_LEN]);

#endif /* _SZKM_JOURNAL_H */
