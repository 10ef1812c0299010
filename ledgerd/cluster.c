// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cluster.c - a node of the multi-node ledger: etcd orders the entries,
 * this node validates every one of them into its own store, and signs
 * (and has the other nodes cosign) only what it validated.
 *
 * Following: the entries past this node's size are read from etcd by
 * index range (contiguity is checked by etcd.c), FOLLOW_CHUNK at a time;
 * their events' signatures are checked by run (ledgerd(8), BATCHED
 * VALIDATION), then each is judged in order by ledger_apply_entry(), the
 * rule a single node applies to its own appends, with the verdicts of
 * one verify per event; those that pass are committed to the node's
 * store with a checkpoint. The first that fails stops the node there for
 * good: it raises the alarm (log, /health, the ledgerd_alarm metric),
 * takes and signs nothing past it, and every append through it fails.
 *
 * Appending: the daemon judges a batch against the node's validated
 * state (after following up to etcd's head), then hands the batch's
 * entries to etcd (ledger_etcd_append). When another node appended first
 * the batch is undone, followed and judged again: an event that the other
 * node already appended is then a duplicate, acknowledged with its index,
 * and never appended twice.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cosign.h"
#include "etcd.h"
#include "ledgerd.h"
#include "witness.h"

#define FOLLOW_CHUNK	1024
#define FOLLOW_ROUNDS	16
#define AUDIT_SECONDS	1

struct ledgerd_cluster {
	struct ledger *l;
	struct ledger_etcd *etcd;
	struct ledger_cosigner *cos;
	struct ledger_witness *w;
	unsigned int threads;	/* verify_threads */
	bool stuck;		/* an invalid entry: never past it */
	bool etcd_alarm;	/* the alarm is etcd's malformed answer */
	time_t audited;		/* when etcd was last audited */
	char err[512], said[512];
};

struct ledger_witness *ledgerd_witness_open(const struct ledgerd_config *c,
					    struct ledger *l,
					    const struct ledger_note_key *pub,
					    const struct ledger_note_key *wkey)
{
	struct ledger_witness_opts o = {
		.ledger = l,
		.db = c->db,
		.store_flags = !strcmp(c->durability, "none") ? LEDGER_STORE_NOSYNC : 0,
		.origin = c->origin,
		.self = pub,
		.wkey = wkey,
		.peers = c->peers,
	};
	struct ledger_witness *w;
	char err[512] = "";

	if (!c->etcd[0])
		return NULL;
	if (ledger_witness_open(&w, &o, err, sizeof(err)))
		die("%s", err);
	return w;
}

int ledgerd_cluster_open(struct ledgerd_cluster **out,
			 const struct ledgerd_config *c, struct ledger *l,
			 struct ledger_witness *w,
			 const struct ledger_note_key *pub)
{
	struct ledgerd_cluster *k;
	char err[512] = "";

	if (!c->etcd[0]) {
		if (c->peers[0] || c->cosign_k)
			die("peers and cosign_k need etcd (the multi-node ledger)");
		*out = NULL;
		return 0;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		die("out of memory");
	k->l = l;
	k->w = w;
	k->threads = c->verify_threads;
	if (ledger_etcd_open(&k->etcd, c->etcd, c->etcd_timeout_ms, err, sizeof(err)))
		die("%s", err);
	if (ledger_etcd_tls(k->etcd, c->etcd_ca, c->etcd_cert, c->etcd_key))
		die("etcd_cert and etcd_key go together");
	if (ledger_cosigner_start(&k->cos, l, w, c->peers, c->cosign_k, pub,
				  c->etcd_timeout_ms, err, sizeof(err)))
		die("%s", err);
	say("multi-node: entries ordered by etcd at %s", c->etcd);
	*out = k;
	return 0;
}

void ledgerd_cluster_close(struct ledgerd_cluster *k)
{
	if (!k)
		return;
	ledger_cosigner_stop(k->cos);
	ledger_etcd_close(k->etcd);
	free(k);
}

const char *ledgerd_cluster_error(const struct ledgerd_cluster *k)
{
	return k->err;
}

/* Says an etcd failure once, until it changes or clears. */
static void said(struct ledgerd_cluster *k, const char *msg)
{
	if (strcmp(msg, k->said)) {
		snprintf(k->said, sizeof(k->said), "%s", msg);
		if (msg[0])
			say("%s", msg);
	}
}

/* Entries copied into one buffer (read from etcd, or of the open batch). */
struct pending {
	struct ledger_etcd_item *items;
	uint8_t *buf;
	size_t n, cap, used, bufcap;
};

static int keep_copy(struct pending *p, const uint8_t *data, size_t len)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		void *q = realloc(p->items, cap * sizeof(*p->items));

		if (!q)
			return -ENOMEM;
		p->items = q;
		p->cap = cap;
	}
	if (p->used + len > p->bufcap) {
		size_t cap = p->bufcap ? 2 * p->bufcap : 65536;
		uint8_t *q;

		while (cap < p->used + len)
			cap *= 2;
		q = realloc(p->buf, cap);
		if (!q)
			return -ENOMEM;
		p->buf = q;
		p->bufcap = cap;
	}
	memcpy(p->buf + p->used, data, len);
	/* An offset until the buffer stops moving (pending_fix). */
	p->items[p->n++] = (struct ledger_etcd_item){
		.data = (const uint8_t *)(uintptr_t)p->used, .len = len };
	p->used += len;
	return 0;
}

static void pending_fix(struct pending *p)
{
	for (size_t i = 0; i < p->n; i++)
		p->items[i].data = p->buf + (uintptr_t)p->items[i].data;
}

static void pending_free(struct pending *p)
{
	free(p->items);
	free(p->buf);
}

struct apply_ctx {
	struct ledgerd_cluster *k;
	uint64_t from;		/* the index of the first entry read */
	struct pending read;
	size_t applied;
	int store_err;
	bool bad;
};

/* An entry read: kept until the chunk is read, then judged with it. */
static int read_one(void *arg, uint64_t index, const uint8_t *data,
		    size_t len)
{
	struct apply_ctx *a = arg;

	if (index != a->from + a->read.n)
		return -EINVAL;	/* etcd.c hands them over contiguous */
	a->store_err = keep_copy(&a->read, data, len);
	return a->store_err;
}

/*
 * The chunk read: signatures by run, then each entry in order. The first
 * refused stops the node there; what came before it counts.
 */
static void apply_read(struct apply_ctx *a)
{
	struct ledger_apply_item *it;
	struct ledger_result res;
	size_t n = a->read.n;
	int ret;

	if (!n || a->store_err)
		return;
	it = calloc(n, sizeof(*it));
	if (!it) {
		a->store_err = -ENOMEM;
		return;
	}
	pending_fix(&a->read);
	for (size_t i = 0; i < n; i++)
		it[i] = (struct ledger_apply_item){ .index = a->from + i,
			.data = a->read.items[i].data, .len = a->read.items[i].len };
	ret = ledger_apply_entries(a->k->l, it, n, a->k->threads, &a->applied,
				   NULL, &res);
	free(it);
	if (ret) {
		a->store_err = ret;
	} else if (res.verdict == LEDGER_REJECTED) {
		uint64_t index = a->from + a->applied;

		snprintf(a->k->err, sizeof(a->k->err), "entry %" PRIu64 " in etcd "
			 "is invalid (%s): this node validates and cosigns "
			 "nothing past entry %" PRIu64, index, res.why, index);
		a->bad = true;
	}
}

/* An entry etcd holds now against the one this node validated there. */
static int same_leaf(void *arg, uint64_t index, const uint8_t *data,
		     size_t len)
{
	struct ledgerd_cluster *k = arg;
	uint8_t mine[LEDGER_HASH_LEN], theirs[LEDGER_HASH_LEN];

	if (ledger_leaf_hash(k->l, index, mine) ||
	    ledger_merkle_leaf_hash(data, len, theirs))
		return 1;
	return memcmp(mine, theirs, LEDGER_HASH_LEN) != 0;
}

/*
 * Once a second, when caught up: an entry this node validated that etcd
 * no longer holds as it was is a rewritten history. The node stops
 * there, as for an invalid entry, with the alarm.
 */
static void audit(struct ledgerd_cluster *k)
{
	uint64_t bad;
	int ret;

	if (time(NULL) - k->audited < AUDIT_SECONDS)
		return;
	ret = ledger_etcd_audit(k->etcd, ledger_size(k->l), same_leaf, k, &bad);
	if (ret == -EBADMSG && bad != UINT64_MAX) {
		snprintf(k->err, sizeof(k->err), "%s; this node cosigns "
			 "nothing more", ledger_etcd_error(k->etcd));
		k->stuck = true;
		ledger_witness_halt(k->w, k->err);
		return;
	}
	if (!ret && !k->audited)
		say("etcd audited: its blocks below entry %" PRIu64 " are taken "
		    "as found; from now on none may be deleted or written "
		    "again", ledger_size(k->l));
	if (!ret)
		k->audited = time(NULL);
}

int ledgerd_cluster_follow(struct ledgerd_cluster *k)
{
	for (int round = 0; round < FOLLOW_ROUNDS; round++) {
		uint64_t from = ledger_size(k->l), head = 0;
		struct apply_ctx a = { .k = k, .from = from };
		int ret;

		if (k->stuck)
			return -EBADMSG;
		/* A halted node takes nothing more: an operator looks first. */
		if (ledger_witness_halted(k->w, k->err, sizeof(k->err)))
			return -ESTALE;
		if (!ledger_cosigner_ready(k->cos)) {
			snprintf(k->err, sizeof(k->err), "checking the peers for "
				 "a rollback of this node first");
			return -EAGAIN;
		}
		if (ledger_begin(k->l))
			die("cannot start a transaction");
		ret = ledger_etcd_read(k->etcd, from, FOLLOW_CHUNK, read_one, &a,
				       &head);
		/* What was read before a fault is judged all the same. */
		apply_read(&a);
		pending_free(&a.read);
		if (a.store_err)
			die("applying entries from etcd failed (%s); exiting so "
			    "that a restart recovers from the disk",
			    strerror(-a.store_err));
		/* What validated before a fault is kept and signed. */
		if (ledger_commit(k->l, a.applied > 0))
			die("commit failed; exiting so that a restart recovers "
			    "from the disk");
		if (a.bad) {
			k->stuck = true;
			/* Its witness refuses too (503), whatever the size. */
			ledger_witness_halt(k->w, k->err);
			return -EBADMSG;
		}
		if (ret) {
			snprintf(k->err, sizeof(k->err), "%s",
				 ledger_etcd_error(k->etcd));
			said(k, k->err);
			if (ret == -EBADMSG) {	/* etcd's answer: malformed, or a gap */
				ledger_set_alarm(k->l, k->err);
				k->etcd_alarm = true;
			}
			return ret;
		}
		said(k, "");
		if (k->etcd_alarm) {
			ledger_set_alarm(k->l, "");	/* etcd answers well again */
			k->etcd_alarm = false;
		}
		if (ledger_size(k->l) >= head) {
			audit(k);
			return k->stuck ? -EBADMSG : 0;
		}
	}
	return 0;	/* more to read: an append will find out */
}

static int take_pending(void *arg, const struct ledger_store_entry *e)
{
	return keep_copy(arg, e->data, e->len);
}

int ledgerd_cluster_publish(struct ledgerd_cluster *k)
{
	struct pending p = { 0 };
	int ret;

	ret = ledger_pending(k->l, take_pending, &p);
	if (ret) {
		snprintf(k->err, sizeof(k->err), "reading the batch: %s",
			 strerror(-ret));
		goto out;
	}
	pending_fix(&p);
	ret = p.n ? ledger_etcd_append(k->etcd, ledger_size(k->l), p.items, p.n) : 0;
	if (ret)
		snprintf(k->err, sizeof(k->err), "%s", ledger_etcd_error(k->etcd));
out:
	pending_free(&p);
	return ret;
}
