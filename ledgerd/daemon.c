// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * daemon.c - the ledger node: the event loop (ledgerd with no subcommand).
 *
 * One thread owns the ledger's write side. Each turn of the loop gathers
 * every request that is ready (kernel events, control-socket lines) into
 * one batch, validates and appends them, signs a checkpoint, commits once
 * (one fsync: group commit) and only then acknowledges: to the kernel
 * with SZKM_CMD_EVENT_ACK, to control clients with a reply line. Under
 * load the batches grow by themselves, since everything that arrived
 * during the last fsync is in the next batch. The HTTP server reads in
 * its own threads. A failed commit ends the process (exit 1): the disk is
 * the truth, and a restart recovers from it and asks the kernel to replay
 * what was not acknowledged.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include "control.h"
#include "http.h"
#include "ledger.h"
#include "ledgerd.h"
#include "witness.h"
#include "libszkm.h"
#include "szkm_event.h"
#include "szkm_follow.h"

#define MAX_POLL	80
/* How often a node of a multi-node ledger reads etcd when idle. */
#define FOLLOW_MS	100

struct daemon {
	struct ledgerd_config *cfg;
	struct ledger *l;
	struct ledger_http *http;
	struct ledger_control *ctl;
	struct ledgerd_cluster *cluster;	/* NULL: a single node */
	const char *batch_err;	/* the batch could not be ordered: why */
	struct szkm_event_sub *nl;	/* the "events" group, non-blocking */
	unsigned long nl_malformed;	/* said so far */
	/* The batch: requests in chunks that never move (a decoded event
	 * points into its request), results and checks by index. */
	struct ledgerd_req **chunks;
	struct ledger_result *res;
	struct ledger_sigcheck *sigs;
	size_t nreqs, capreqs;
	bool want_cp;
	bool replay_needed;
	/* Multi-node: events the cosigned checkpoint does not cover yet are
	 * proven (by a replay) once it reaches this size; 0: none wait. */
	uint64_t prove_at;
	/* Multi-node: kernel events that could not be ordered (etcd down or
	 * without quorum) are asked for again at this time; 0: none. */
	double nl_retry_at;
	uint8_t nl_dev[SZKM_DEVICE_ID_LEN];
	bool nl_have_dev;
	bool nl_opened;		/* once: later failures are retried */
	/* A key registry restore that failed, said once until this changes. */
	bool restore_failed;
	uint64_t restore_seq, restore_head;
	double last_cp, next_nl_try, last_tick, last_nl_check;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define REQ_CHUNK	256

static struct ledgerd_req *req_at(const struct daemon *d, size_t i)
{
	return &d->chunks[i / REQ_CHUNK][i % REQ_CHUNK];
}

static struct ledgerd_req *new_req(struct daemon *d)
{
	if (d->nreqs == d->capreqs) {
		size_t cap = d->capreqs + REQ_CHUNK;
		void *p = realloc(d->chunks, cap / REQ_CHUNK * sizeof(*d->chunks));

		if (!p)
			die("out of memory");
		d->chunks = p;
		d->chunks[cap / REQ_CHUNK - 1] = malloc(REQ_CHUNK * sizeof(**d->chunks));
		if (!d->chunks[cap / REQ_CHUNK - 1])
			die("out of memory");
		p = realloc(d->res, cap * sizeof(*d->res));
		if (!p)
			die("out of memory");
		d->res = p;
		p = realloc(d->sigs, cap * sizeof(*d->sigs));
		if (!p)
			die("out of memory");
		d->sigs = p;
		d->capreqs = cap;
	}
	return req_at(d, d->nreqs++);
}

/* An event enters the batch: decoded here, once, where it stays. */
static void decode_req(struct ledgerd_req *r)
{
	int ret = ledgerd_req_decode(r);

	if (ret)
		die("decoding an event failed (%s)", strerror(-ret));
}

static int take_ctl(void *ctx, const struct ledgerd_req *r)
{
	struct daemon *d = ctx;
	struct ledgerd_req *q = new_req(d);

	*q = *r;
	decode_req(q);
	return d->nreqs >= d->cfg->batch_max;
}

static int take_nl(uint64_t seq, const uint8_t *body, size_t len,
		   const uint8_t sig[SZKM_EVENT_SIG_LEN], void *ctx)
{
	struct daemon *d = ctx;
	struct ledgerd_req *r = new_req(d);

	memset(r, 0, sizeof(*r));
	r->kind = REQ_EVENT;
	r->src = SRC_NETLINK;
	r->nl_seq = seq;
	memcpy(r->body, body, len);
	r->len = len;
	memcpy(r->sig, sig, SZKM_EVENT_SIG_LEN);
	decode_req(r);
	return 0;
}

/* The kernel's device id; -ENOKEY or another errno when it has none. */
static int nl_identity(struct daemon *d)
{
	struct szkm_identity idn;
	int ret = szkm_device_identity(&idn);

	if (!ret)
		memcpy(d->nl_dev, idn.id, SZKM_DEVICE_ID_LEN);
	return ret;
}

static void nl_try_open(struct daemon *d)
{
	uint64_t head = 0;
	int ret;

	d->next_nl_try = now_mono() + 10;
	d->nl = szkm_event_subscribe(1);
	if (!d->nl) {
		/* "yes": the kernel must be there at start; later (a module
		 * reload) we keep trying. */
		if (!strcmp(d->cfg->netlink, "yes") && !d->nl_opened)
			die("generic netlink family '%s' has no '%s' group "
			    "(is szkm.ko loaded?)", SZKM_GENL_NAME,
			    SZKM_MCGRP_EVENTS);
		return;
	}
	if (d->cfg->netlink_rcvbuf)
		szkm_event_sub_rcvbuf(d->nl, d->cfg->netlink_rcvbuf);
	d->nl_malformed = 0;
	d->nl_opened = true;
	say("listening to the kernel's events (family %s)", SZKM_GENL_NAME);
	ret = nl_identity(d);
	d->nl_have_dev = ret == 0;
	if (ret) {
		say("the kernel has no device yet; waiting for its events");
		return;
	}
	if (ledger_device_head(d->l, d->nl_dev, &head)) {
		char idh[65];

		szkm_hex_encode(idh, d->nl_dev, 32);
		say("the kernel's device %s is not enrolled: its events are "
		    "rejected until an administrator enrols it", idh);
	}
	d->replay_needed = true;
}

/*
 * A device with ledger keys resumes only from the ledger's proof of its
 * last event: that event, the latest checkpoint and the inclusion proof.
 */
static bool nl_resume_proven(struct daemon *d)
{
	static char note[LEDGER_NOTE_MAX_SIZE];
	uint8_t entry[LEDGER_ENTRY_MAX_LEN];
	uint8_t path[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	struct szkm_event_proof p = { .path = path };
	size_t nlen, elen;
	uint64_t size;
	int ret;

	ret = ledger_device_last_event(d->l, d->nl_dev, &p.seq, &p.index, entry,
				       sizeof(entry), &elen);
	if (ret == -ENOENT || ret == -ENODATA)
		return false;	/* not enrolled, or nothing of it yet */
	if (!ret)
		ret = ledger_served(d->l, note, sizeof(note), &nlen, &size);
	if (!ret && size <= p.index) {
		ret = -EAGAIN;	/* the next checkpoint will cover it */
		d->prove_at = p.index + 1;
	}
	if (!ret)
		ret = ledger_inclusion(d->l, p.index, size, path, &p.n);
	if (ret) {
		say("cannot prove the device's last event (seq %" PRIu64 "): %s",
		    p.seq, strerror(-ret));
		return false;
	}
	ret = szkm_event_resume_proven(d->nl_dev, note, nlen, entry + 1,
				       elen - 1 - SZKM_EVENT_SIG_LEN,
				       entry + elen - SZKM_EVENT_SIG_LEN, &p);
	if (ret && ret != -EALREADY)
		say("resuming the kernel's event chain after seq %" PRIu64 ": %s (%s)",
		    p.seq, strerror(-ret), szkm_last_message());
	else if (!ret)
		say("resumed the kernel's event chain after seq %" PRIu64
		    ", proven by the checkpoint of size %" PRIu64, p.seq, size);
	return !ret || ret == -EALREADY;
}

static int follow_resume(void *ctx)
{
	return nl_resume_proven(ctx) ? 0 : -ENOENT;
}

/* Every event of the device the ledger holds, in chain order. */
static int follow_walk(void *ctx, szkm_follow_take take, void *arg)
{
	struct daemon *d = ctx;
	uint64_t n;

	return ledger_device_events(d->l, d->nl_dev, take, arg, &n);
}

/*
 * After an unseal (a reboot, a module reload) the kernel does not know
 * where its chain stands and refuses every change until told: tell it the
 * last event we hold for its device (nl_resume_proven). Once the chain is
 * resumed (by us, or by another follower) it rebuilds its key registry
 * from the device's whole chain: hand it every event of the device the
 * ledger holds, seq 1 to the last, which must be where the kernel resumed
 * (exact: the ledger never helps a resume at an older point). libszkm's
 * chain follower (szkm_follow.h) runs both steps, as for szkmctl's
 * listener. Only for an enrolled device: the kernel stays closed until an
 * administrator enrols it. A failed restore is said once for each resume
 * point.
 */
static void nl_follow(struct daemon *d, struct szkm_status *st)
{
	struct szkm_follower f = {
		.resume = follow_resume,
		.walk = follow_walk,
		.ctx = d,
		.exact = true,
	};
	struct szkm_follow_report r;
	uint64_t head;
	int ret;

	if (ledger_device_head(d->l, d->nl_dev, &head))
		return;
	if (!st->chain)
		d->restore_failed = false;	/* a new resume point */
	else if (d->restore_failed && d->restore_seq == st->seq &&
		 d->restore_head == head)
		return;
	memcpy(f.device_id, d->nl_dev, SZKM_DEVICE_ID_LEN);
	ret = szkm_follow_kernel(&f, st, &r);
	if (!r.restoring)
		return;		/* nothing waits, or the resume said why */
	if (!ret) {
		d->restore_failed = false;
		say("restored the kernel's key registry from %" PRIu64 " events",
		    r.events);
		return;
	}
	d->restore_failed = true;
	d->restore_seq = r.upto;
	d->restore_head = head;
	if (ret == -ENODATA)
		say("not restoring the kernel's key registry: it resumed its event "
		    "chain after seq %" PRIu64 ", the ledger's last event of the "
		    "device is seq %" PRIu64, r.upto, head);
	else
		say("restoring the kernel's key registry from %" PRIu64 " events: "
		    "%s (%s)", r.held, strerror(-ret), szkm_last_message());
}

static void nl_resume(struct daemon *d)
{
	struct szkm_status st;
	int ret;

	ret = szkm_status_get(&st);
	if (ret) {
		say("asking the kernel for its status: %s", strerror(-ret));
		return;
	}
	nl_follow(d, &st);
}

static void nl_replay(struct daemon *d)
{
	int ret;

	d->replay_needed = false;
	if (!d->nl)
		return;
	/* Asked each time: the device may have been made or replaced. */
	if (nl_identity(d)) {
		d->nl_have_dev = false;
		return;
	}
	d->nl_have_dev = true;
	nl_resume(d);
	/*
	 * Everything the kernel still holds, not only what follows our head:
	 * an event appended just before a crash, whose ack never went out,
	 * comes back as a duplicate and is acknowledged again (the journal
	 * keeps only unacknowledged events, so this is short).
	 */
	ret = szkm_event_replay(0, take_nl, d);
	if (ret)
		say("asking the kernel to replay its journal: %s",
		    strerror(-ret));
}

/*
 * Every few seconds: if the kernel's chain is not positioned (a module
 * reload and unseal while we run) or events wait in its journal although
 * we are idle (a lost multicast, an ack that failed), ask for a replay.
 */
static void nl_check(struct daemon *d)
{
	struct szkm_status st;
	uint64_t head;

	if (!d->nl)
		return;
	if (szkm_status_get(&st)) {
		/* The module was unloaded: its family is gone, and a new
		 * load has a new one. Open again (nl_try_open retries). */
		say("lost the kernel's generic netlink family; reopening");
		szkm_event_unsubscribe(d->nl);
		d->nl = NULL;
		d->nl_have_dev = false;
		d->next_nl_try = now_mono() + 1;
		return;
	}
	/* The device may have been unsealed or replaced meanwhile. */
	d->nl_have_dev = !nl_identity(d);
	if (!d->nl_have_dev || ledger_device_head(d->l, d->nl_dev, &head))
		return;
	if (!st.chain || st.journal)
		d->replay_needed = true;
	else
		nl_follow(d, &st);
}

static void log_reject(const struct ledgerd_req *r,
		       const struct ledger_result *res)
{
	char idh[65] = "?";

	if (res->has_device)
		szkm_hex_encode(idh, res->device_id, 8);
	if (r->kind == REQ_MEMBER)
		say("refused an approved entry (membership or enrolment) from "
		    "the control socket: %s", res->why);
	else if (r->kind == REQ_ENROL)
		say("rejected enrolment of '%s' (device %s...): %s", r->name,
		    idh, res->why);
	else
		say("rejected event seq %" PRIu64 " of device %s... from %s: "
		    "%s", res->seq, idh,
		    r->src == SRC_NETLINK ? "the kernel" : "the control socket",
		    res->why);
}

/* "members <epoch> <k> <n> <hex hash>", or "members 0" with none. */
static void members_line(struct daemon *d, char *line, size_t cap)
{
	struct ledger_members m;
	uint8_t hash[32];
	char hh[65];

	if (ledger_members(d->l, &m, hash, NULL)) {
		snprintf(line, cap, "members 0");
		return;
	}
	szkm_hex_encode(hh, hash, 32);
	snprintf(line, cap, "members %" PRIu64 " %u %u %s", m.epoch, m.k, m.n,
		 hh);
}

static void reply(struct daemon *d, const struct ledgerd_req *r,
		  const struct ledger_result *res)
{
	char line[256], idh[65];
	uint64_t head = 0;
	int ret;

	if (d->batch_err && (r->kind == REQ_EVENT || r->kind == REQ_ENROL ||
			     r->kind == REQ_MEMBER)) {
		/* Not in the ledger: the kernel keeps its events and replays. */
		if (r->src == SRC_CONTROL) {
			snprintf(line, sizeof(line), "error not appended: %s",
				 d->batch_err);
			ledger_control_reply(d->ctl, r->client, line);
		}
		return;
	}
	switch (r->kind) {
	case REQ_BAD:
		snprintf(line, sizeof(line), "error %s", r->why);
		break;
	case REQ_SYNC:
		snprintf(line, sizeof(line), "synced %" PRIu64,
			 ledger_size(d->l));
		break;
	case REQ_HEAD:
		ret = ledger_device_head(d->l, r->device_id, &head);
		if (ret)
			snprintf(line, sizeof(line), "reject unenrolled-device");
		else
			snprintf(line, sizeof(line), "head %" PRIu64, head);
		break;
	case REQ_MEMBERS:
		members_line(d, line, sizeof(line));
		break;
	case REQ_MEMBER:
		if (res->verdict == LEDGER_REJECTED) {
			snprintf(line, sizeof(line), "reject %s", res->why);
			break;
		}
		if (res->has_device) {
			szkm_hex_encode(idh, res->device_id, 32);
			snprintf(line, sizeof(line), "enrolled %" PRIu64 " %s",
				 res->index, idh);
			say("enrolled device %s at index %" PRIu64 " with the "
			    "members' approvals", idh, res->index);
			break;
		}
		snprintf(line, sizeof(line), "member %" PRIu64 " %" PRIu64,
			 res->index, res->seq);
		say("membership epoch %" PRIu64 " in force from index %" PRIu64,
		    res->seq, res->index);
		break;
	case REQ_ENROL:
		if (res->verdict == LEDGER_REJECTED) {
			snprintf(line, sizeof(line), "reject %s", res->why);
			break;
		}
		szkm_hex_encode(idh, res->device_id, 32);
		snprintf(line, sizeof(line), "enrolled %" PRIu64 " %s",
			 res->index, idh);
		say("enrolled device '%s' %s at index %" PRIu64, r->name, idh,
		    res->index);
		if (d->nl_have_dev && !memcmp(res->device_id, d->nl_dev, 32))
			d->replay_needed = true;
		break;
	case REQ_EVENT:
		if (res->verdict == LEDGER_REJECTED)
			snprintf(line, sizeof(line), "reject %s", res->why);
		else
			snprintf(line, sizeof(line), "%s %" PRIu64 " %" PRIu64,
				 res->verdict == LEDGER_APPENDED ? "ok" : "dup",
				 res->index, res->seq);
		break;
	}
	if (r->src == SRC_CONTROL) {
		ledger_control_reply(d->ctl, r->client, line);
		return;
	}
	/* From the kernel: nl_ack_batch() acknowledges after the batch. */
	if (res->verdict == LEDGER_REJECTED && !strcmp(res->why, "seq-gap")) {
		/* We missed events (a full socket): ask for them again. */
		d->replay_needed = true;
	}
}

/* Batch item @i came from the kernel and is in the ledger. */
static bool nl_in_ledger(const struct daemon *d, size_t i)
{
	const struct ledgerd_req *r = req_at(d, i);

	return r->src == SRC_NETLINK && r->kind == REQ_EVENT &&
	       d->res[i].verdict != LEDGER_REJECTED;
}

/*
 * Up to SZKM_LEDGER_PROOFS_MAX inclusion proofs per message (fewer when
 * the paths are long: a netlink nest holds 64 KiB).
 */
#define NL_PROOFS_PER_MSG	32

/*
 * The kernel's proof for the batch's events: the latest checkpoint (which
 * covers them: the commit signed one; in a multi-node ledger the cosigned
 * one, with the k node signatures a device with a threshold needs), the
 * consistency proof from the last checkpoint the kernel accepted, and an
 * inclusion proof per event.
 * The kernel checks them all before it frees anything.
 */
static void nl_prove(struct daemon *d, const struct szkm_status *st)
{
	static char note[LEDGER_NOTE_MAX_SIZE];
	static uint8_t cons[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	static uint8_t paths[NL_PROOFS_PER_MSG][LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	struct szkm_event_proof p[NL_PROOFS_PER_MSG];
	size_t nlen, ncons = 0, n = 0;
	uint64_t size;
	int ret;

	ret = ledger_served(d->l, note, sizeof(note), &nlen, &size);
	if (ret == -ENOENT && d->cluster) {
		size = 0;	/* none cosigned yet: all wait */
	} else if (ret) {
		say("no checkpoint to prove events to the kernel: %s", strerror(-ret));
		return;
	}
	if (d->cluster && (!size || st->ledger_size > size))
		goto wait;	/* the cosigned checkpoint catches up */
	if (st->ledger_size > size) {
		say("the kernel accepted a checkpoint of size %" PRIu64 ", ahead of "
		    "this ledger (%" PRIu64 "): is this the ledger its keys name?",
		    st->ledger_size, size);
		return;
	}
	if (st->ledger_size && st->ledger_size < size &&
	    (ret = ledger_consistency(d->l, st->ledger_size, size, cons, &ncons))) {
		say("consistency proof %" PRIu64 " -> %" PRIu64 ": %s",
		    st->ledger_size, size, strerror(-ret));
		return;
	}
	for (size_t i = 0; i <= d->nreqs; i++) {
		if (i < d->nreqs && nl_in_ledger(d, i) && d->res[i].index >= size) {
			/* Appended, not yet cosigned: proven once it is. */
			if (d->res[i].index >= d->prove_at)
				d->prove_at = d->res[i].index + 1;
		} else if (i < d->nreqs && nl_in_ledger(d, i)) {
			p[n] = (struct szkm_event_proof){
				.seq = req_at(d, i)->nl_seq,
				.index = d->res[i].index,
				.path = paths[n],
			};
			ret = ledger_inclusion(d->l, p[n].index, size, paths[n], &p[n].n);
			if (ret) {
				say("inclusion proof of index %" PRIu64 ": %s",
				    p[n].index, strerror(-ret));
				return;
			}
			n++;
		}
		if (n && (n == NL_PROOFS_PER_MSG || i == d->nreqs)) {
			ret = szkm_event_prove(d->nl_dev, note, nlen,
					       (const uint8_t (*)[32])cons, ncons, p, n);
			if (ret && ret != -ESTALE) {
				say("proving %zu events to the kernel: %s (%s)", n,
				    strerror(-ret), szkm_last_message());
				d->replay_needed = true;
				return;
			}
			ncons = 0;	/* the kernel is at @size now */
			n = 0;
		}
	}
	return;
wait:
	if (st->ledger_size > d->prove_at)
		d->prove_at = st->ledger_size;
	for (size_t i = 0; i < d->nreqs; i++)
		if (nl_in_ledger(d, i) && d->res[i].index >= d->prove_at)
			d->prove_at = d->res[i].index + 1;
}

/*
 * Multi-node: once the cosigned checkpoint covers the events that were
 * appended before it, the kernel resends them (a replay), and they are
 * proven as the duplicates they now are.
 */
static void nl_prove_waiting(struct daemon *d)
{
	static char note[LEDGER_NOTE_MAX_SIZE];
	uint64_t size;
	size_t len;

	if (!d->prove_at || !d->nl ||
	    ledger_cosigned(d->l, note, sizeof(note), &len, &size) ||
	    size < d->prove_at)
		return;
	d->prove_at = 0;
	d->replay_needed = true;
}

/* Tell the kernel which of its events the ledger now holds. */
static void nl_ack_batch(struct daemon *d)
{
	struct szkm_status st;
	size_t i;

	for (i = 0; i < d->nreqs && !nl_in_ledger(d, i); i++)
		;
	if (i == d->nreqs)
		return;
	if (szkm_status_get(&st)) {
		d->replay_needed = true;	/* the module went away: ask again later */
		return;
	}
	nl_prove(d, &st);
}

/*
 * Judges the batch into the open transaction. In a multi-node ledger it
 * first follows etcd to its head, so that the batch is judged after
 * every entry ordered before it.
 */
static int judge_batch(struct daemon *d, struct ledger_verifier *vf)
{
	int ret;

	if (d->cluster && (ret = ledgerd_cluster_follow(d->cluster)))
		return ret;
	ret = ledger_begin(d->l);
	if (ret)
		die("cannot start a transaction: %s", strerror(-ret));
	for (size_t i = 0; i < d->nreqs; i++) {
		struct ledgerd_req *r = req_at(d, i);
		struct ledger_result *res = &d->res[i];

		memset(res, 0, sizeof(*res));
		ret = 0;
		switch (r->kind) {
		case REQ_EVENT:
			if (r->src == SRC_NETLINK && !r->event.why &&
			    r->event.ev.seq != r->nl_seq) {
				res->verdict = LEDGER_REJECTED;
				res->why = "nl-seq-mismatch";
				break;
			}
			ret = ledger_append_event(d->l, &r->event,
						  ledger_verify_ok(vf, i), res);
			break;
		case REQ_ENROL:
			ret = ledger_enrol(d->l, r->name, r->pub, now_ns(),
					   res);
			break;
		case REQ_MEMBER:
			ret = ledger_add_approved(d->l, r->entry, r->entry_len,
						  res);
			break;
		case REQ_SYNC:
			d->want_cp = true;
			break;
		default:
			break;
		}
		if (ret)
			die("appending failed (%s); exiting so that a restart "
			    "recovers from the disk", strerror(-ret));
	}
	if (!d->cluster)
		return 0;
	ret = ledgerd_cluster_publish(d->cluster);
	if (ret && ledger_abort(d->l))
		die("cannot undo a batch; exiting so that a restart recovers "
		    "from the disk");
	return ret;
}

/* How long kernel events that etcd could not order wait to be asked for
 * again (they stay in the kernel's journal meanwhile). */
#define NL_RETRY_S	1.0

/* Tries of a batch that other nodes' appends keep overtaking. */
#define ORDER_TRIES	8

static void process_batch(struct daemon *d)
{
	struct ledger_verifier *vf;
	double now = now_mono();
	bool cp;
	int ret;

	/* Events are checked by run (ledgerd(8), BATCHED VALIDATION):
	 * format 3 and 4 from any source; format 1 and 2 only from the kernel's
	 * own channel, and not on a multi-node ledger, whose other nodes
	 * see only etcd and so verify those signatures one by one. */
	for (size_t i = 0; i < d->nreqs; i++)
		d->sigs[i] = (struct ledger_sigcheck){
			.event = req_at(d, i)->kind == REQ_EVENT ?
				 &req_at(d, i)->event : NULL,
			.own_channel = req_at(d, i)->src == SRC_NETLINK &&
				       !d->cluster,
		};
	vf = ledger_verify_start(d->l, d->sigs, d->nreqs, d->cfg->verify_threads);
	d->batch_err = NULL;
	for (int tries = 1;; tries++) {
		ret = judge_batch(d, vf);
		if (!ret)
			break;
		if ((ret == -EEXIST || ret == -ESTALE || ret == -EAGAIN) &&
		    tries < ORDER_TRIES)
			continue;	/* another node appended first */
		d->batch_err = ledgerd_cluster_error(d->cluster);
		say("a batch of %zu requests was not appended: %s", d->nreqs,
		    d->batch_err);
		break;
	}
	ledger_verify_end(vf);
	if (d->batch_err) {
		for (size_t i = 0; i < d->nreqs; i++) {
			reply(d, req_at(d, i), &d->res[i]);
			if (req_at(d, i)->src == SRC_NETLINK && !d->nl_retry_at)
				d->nl_retry_at = now + NL_RETRY_S;
		}
		d->batch_err = NULL;
		d->nreqs = 0;
		ledger_control_flush(d->ctl);
		return;
	}
	cp = d->want_cp || d->cfg->checkpoint_ms == 0 ||
	     (now - d->last_cp) * 1000 >= d->cfg->checkpoint_ms;
	/* The kernel believes a checkpoint, not our word: sign one for it. */
	for (size_t i = 0; i < d->nreqs && !cp; i++)
		cp = nl_in_ledger(d, i);
	ret = ledger_commit(d->l, cp);
	if (ret)
		die("commit failed (%s); exiting so that a restart recovers "
		    "from the disk", strerror(-ret));
	if (cp) {
		d->last_cp = now;
		d->want_cp = false;
	}
	for (size_t i = 0; i < d->nreqs; i++) {
		if (d->res[i].verdict == LEDGER_REJECTED)
			log_reject(req_at(d, i), &d->res[i]);
		reply(d, req_at(d, i), &d->res[i]);
	}
	nl_ack_batch(d);
	d->nreqs = 0;
	ledger_control_flush(d->ctl);
}

static void sd_notify_ready(void)
{
	const char *p = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char msg[] = "READY=1";
	socklen_t len;
	int fd;

	if (!p || (*p != '/' && *p != '@') || strlen(p) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, p);
	if (*p == '@')
		sa.sun_path[0] = 0;
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(p));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, sizeof(msg) - 1, 0, (struct sockaddr *)&sa, len) < 0)
		say("cannot notify systemd: %s", strerror(errno));
	close(fd);
}

int ledgerd_daemon_main(struct ledgerd_config *c, int argc, char **argv)
{
	struct ledger_note_key key, pub, wkey;
	struct ledger_witness *witness;
	bool has_wkey;
	struct daemon d = { .cfg = c };
	struct pollfd fds[MAX_POLL];
	char err[512], vkey[1024];
	size_t vlen;
	int ret;

	if (argc > 1)
		return -1;
	(void)argv;
	ledgerd_load_key(c, &key);
	if (ledgerd_open_ledger(c, &key, &pub, &d.l))
		return 2;
	if (ledger_note_key_format(&pub, vkey, sizeof(vkey), &vlen))
		die("cannot format the verifier key");
	/* The first start signs the empty tree, so /checkpoint has one. */
	if (ledger_begin(d.l) || ledger_commit(d.l, true))
		die("cannot sign the first checkpoint");
	if (ledger_control_open(&d.ctl, c->control, err, sizeof(err)))
		die("%s", err);
	has_wkey = ledgerd_load_witness_key(c, &wkey);
	witness = ledgerd_witness_open(c, d.l, &pub, has_wkey ? &wkey : NULL);
	{
		struct ledger_http_opts ho = {
			.addr = c->http_address,
			.port = (uint16_t)c->http_port,
			.threads = c->http_threads,
			.ledger = d.l,
			.vkey = vkey,
			.witness = witness,
		};

		if (ledger_http_start(&d.http, &ho, err, sizeof(err)))
			die("%s", err);
	}
	ledgerd_cluster_open(&d.cluster, c, d.l, witness, &pub);
	if (strcmp(c->netlink, "no"))
		nl_try_open(&d);
	signal(SIGPIPE, SIG_IGN);
	{
		struct sigaction sa = { .sa_handler = on_signal };

		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	say("ledger %s: %" PRIu64 " entries, origin '%s', http %s:%u, "
	    "control %s", c->db, ledger_size(d.l), c->origin,
	    c->http_address, ledger_http_port(d.http), c->control);
	say("verifier key %s", vkey);
	sd_notify_ready();
	d.last_cp = d.last_tick = d.last_nl_check = now_mono();
	while (!stopping) {
		size_t n = ledger_control_pollfds(d.ctl, fds, MAX_POLL - 1);
		size_t nlidx = SIZE_MAX;
		int timeout = 1000;
		double now = now_mono();

		if (d.nl) {
			nlidx = n;
			fds[n++] = (struct pollfd){ .fd = szkm_event_sub_fd(d.nl),
						    .events = POLLIN };
		}
		if (c->checkpoint_ms && ledger_unsigned(d.l)) {
			double due = d.last_cp + c->checkpoint_ms / 1000.0;
			int ms = due <= now ? 0 : (int)((due - now) * 1000) + 1;

			if (ms < timeout)
				timeout = ms;
		}
		if (d.cluster && timeout > FOLLOW_MS)
			timeout = FOLLOW_MS;	/* etcd is polled; watches would be hints */
		if (d.cluster)
			nl_prove_waiting(&d);
		if (d.nl_retry_at && now_mono() >= d.nl_retry_at) {
			d.nl_retry_at = 0;	/* the kernel sends them again */
			d.replay_needed = true;
		}
		if (ledger_control_pending(d.ctl) || d.replay_needed)
			timeout = 0;
		ret = poll(fds, n, timeout);
		if (ret < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (stopping)
			break;
		if (d.nl && nlidx != SIZE_MAX && (fds[nlidx].revents & POLLIN)) {
			ret = szkm_event_receive(d.nl, take_nl, &d);
			if (szkm_event_sub_malformed(d.nl) > d.nl_malformed) {
				d.nl_malformed = szkm_event_sub_malformed(d.nl);
				say("ignored a netlink message (%s); %lu so far",
				    szkm_last_message(), d.nl_malformed);
			}
			if (ret == -ENOBUFS) {
				say("the kernel's events overran our socket; "
				    "asking for a replay");
				d.replay_needed = true;
			} else if (ret) {
				say("netlink receive failed: %s",
				    strerror(-ret));
			}
		}
		if (d.replay_needed)
			nl_replay(&d);
		ledger_control_service(d.ctl, fds, nlidx == SIZE_MAX ? n : nlidx,
				       take_ctl, &d);
		now = now_mono();
		if (d.nreqs) {
			process_batch(&d);
		} else {
			if (d.cluster)
				ledgerd_cluster_follow(d.cluster);
			if (ledger_unsigned(d.l) &&
			    (now - d.last_cp) * 1000 >= c->checkpoint_ms) {
				if (ledger_begin(d.l) || ledger_commit(d.l, true))
					die("cannot commit a checkpoint; exiting");
				d.last_cp = now;
			}
		}
		if (!d.nl && strcmp(c->netlink, "no") && now >= d.next_nl_try)
			nl_try_open(&d);
		if (!d.nreqs && now - d.last_nl_check >= 5) {
			nl_check(&d);
			d.last_nl_check = now;
		}
		if (now - d.last_tick >= 1) {
			ledger_http_tick(d.http);
			d.last_tick = now;
		}
	}
	say("stopping");
	ledgerd_cluster_close(d.cluster);
	ledger_http_stop(d.http);
	ledger_witness_close(witness);
	if (has_wkey)
		ledger_note_key_clear(&wkey);
	ledger_control_close(d.ctl);
	szkm_event_unsubscribe(d.nl);
	ledger_close(d.l);
	ledger_note_key_clear(&key);
	ledger_note_key_clear(&pub);
	for (size_t i = 0; i < d.capreqs / REQ_CHUNK; i++)
		free(d.chunks[i]);
	free(d.chunks);
	free(d.res);
	free(d.sigs);
	return 0;
}
