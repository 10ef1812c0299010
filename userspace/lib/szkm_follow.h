/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * szkm_follow.h - what a follower of the kernel's event chain does when
 * the kernel comes back, shared by ledgerd and szkmctl's listener.
 *
 * After an unseal (a reboot, a module reload) the kernel neither knows
 * where its device's event chain stands nor has its key registry. It
 * waits for a follower to resume the chain with the proof of the
 * device's last event, then for the device's chain, seq 1 to that event,
 * from which it rebuilds the registry (another follower may have done the
 * first step). Both steps need what only the follower has, its proof and
 * its copy of the events, so it gives them as callbacks; the order, the
 * status checks and the walk that picks the device's chain out of
 * everything the follower holds are here, once. Not installed: an
 * internal part of libszkm.
 */
#ifndef SZKM_FOLLOW_H
#define SZKM_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libszkm.h"

/* Called with each body a follower holds and its signature (64 bytes);
 * nonzero stops the walk. */
typedef int (*szkm_follow_take)(void *arg, const uint8_t *body, size_t len,
				const uint8_t *sig);

struct szkm_follower {
	uint8_t device_id[SZKM_DEVICE_ID_LEN];	/* the kernel's device */
	/*
	 * Resumes the chain with the proof of the device's last event the
	 * follower holds (szkm_event_resume_proven): 0, -EALREADY (another
	 * did), or a negative errno. NULL: this follower proves nothing.
	 */
	int (*resume)(void *ctx);
	/*
	 * Calls @take with the body and signature of every event it holds, in its order
	 * (other devices' and repeated ones are passed over), until @take
	 * returns nonzero; returns that, or a negative errno. NULL: this
	 * follower keeps no events.
	 */
	int (*walk)(void *ctx, szkm_follow_take take, void *arg);
	void *ctx;
	/*
	 * Restore only when the kernel resumed at the last event of the
	 * device the follower holds (a ledger: it will not help a resume at
	 * an older point, which only a rollback makes); else up to the
	 * resume point, even if more follows (a listener whose last events
	 * were logged but never proven).
	 */
	bool exact;
};

/* What szkm_follow_kernel found and did. */
struct szkm_follow_report {
	bool resumed;		/* this follower resumed the chain */
	bool restoring;		/* the registry waited for the chain */
	uint64_t upto;		/* then: the seq the kernel resumed after */
	uint64_t held;		/* the device's events the follower holds */
	uint64_t events;	/* bodies handed over (all of them: done) */
};

/*
 * Puts the kernel where the follower's events say, from its status @st
 * (read again after a resume): resumes the chain when it waits, then
 * hands over the device's chain when the key registry waits. 0 when
 * nothing waits or all went through; -ENODATA when the follower holds
 * fewer events than the resume point (or, exact, another number); -EIO
 * when what it holds is not the device's chain from seq 1; else the
 * failing call's errno (szkm_last_message() tells the kernel's reason).
 * @r says how far it got, also on failure.
 */
int szkm_follow_kernel(const struct szkm_follower *f, struct szkm_status *st,
		       struct szkm_follow_report *r);

/* The second step alone: the device's events 1..@upto into the kernel. */
int szkm_follow_restore(const struct szkm_follower *f, uint64_t upto,
			struct szkm_follow_report *r);

#endif /* SZKM_FOLLOW_H */
