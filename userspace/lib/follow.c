// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * follow.c - the chain follower's part after an unseal (szkm_follow.h):
 * resume, then restore the key registry from the follower's events.
 */
#include <errno.h>
#include <string.h>

#include "szkm_event.h"
#include "szkm_follow.h"

struct walk {
	const struct szkm_follower *f;
	struct szkm_chain_batch *b;
	uint64_t upto;
	uint64_t held;		/* the device's events seen: seq 1..held */
	bool gap;
};

/* Picks the device's chain out of what the follower holds. */
static int take(void *arg, const uint8_t *body, size_t len, const uint8_t *sig)
{
	struct walk *w = arg;
	uint64_t seq = szkm_event_seq(body, len);
	int ret;

	if (!seq || len < SZKM_EVENT_FIXED_LEN_V1 ||
	    memcmp(body + SZKM_EV_OFF_DEVICE_ID, w->f->device_id, SZKM_DEVICE_ID_LEN))
		return 0;	/* another device's */
	if (seq <= w->held)
		return 0;	/* seen already */
	if (seq != w->held + 1) {
		w->gap = true;
		return 1;
	}
	w->held++;
	if (seq > w->upto)
		return w->f->exact ? 0 : 1;	/* counted, not handed over */
	ret = szkm_chain_batch_add(w->b, body, len, sig);
	return ret ? ret : 0;
}

int szkm_follow_restore(const struct szkm_follower *f, uint64_t upto,
			struct szkm_follow_report *r)
{
	struct walk w = { .f = f, .upto = upto };
	int ret;

	r->restoring = true;
	r->upto = upto;
	if (!f->walk)
		return -ENODATA;
	w.b = szkm_chain_batch_new(f->device_id);
	if (!w.b)
		return -ENOMEM;
	ret = f->walk(f->ctx, take, &w);
	r->held = w.held;
	if (ret > 0)
		ret = 0;	/* stopped past the resume point */
	if (!ret && w.gap)
		ret = -EIO;
	if (!ret && (w.held < upto || (f->exact && w.held != upto)))
		ret = -ENODATA;
	if (!ret)
		ret = szkm_chain_batch_end(w.b);
	if (!ret)
		r->events = upto;
	szkm_chain_batch_free(w.b);
	return ret;
}

int szkm_follow_kernel(const struct szkm_follower *f, struct szkm_status *st,
		       struct szkm_follow_report *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	if (!st->chain) {
		ret = f->resume ? f->resume(f->ctx) : -ENOENT;
		if (ret && ret != -EALREADY)
			return ret;
		r->resumed = !ret;
		ret = szkm_status_get(st);
		if (ret)
			return ret;
	}
	if (!st->chain || st->registry != SZKM_REG_RESTORING)
		return 0;
	return szkm_follow_restore(f, st->seq, r);
}
