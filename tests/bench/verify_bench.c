// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * verify_bench.c - what libszkm's client-side verification of one key
 * costs, without HTTP: the verifier core (userspace/lib/verify_core.c)
 * over a ledger in memory (tests/unit/mem_ledger.h), each reply recorded
 * once and then served from that record, so that only the verification
 * is timed: the checkpoint's signature, the inclusion proofs of the key's
 * entry and of its device's enrolment, the device's signature on the
 * event, the versions replayed.
 *
 *  1. one key of one event at 10^3 entries, first verification (no
 *     checkpoint seen before, nothing remembered), for a P-256 (ledgerd's
 *     default) and an Ed25519 node key; then by a verifier that verified
 *     another key of the device against the same checkpoint (its
 *     signatures checked, the device's key imported), and one that
 *     verified this key before (its entries' signatures checked too);
 *     goal <= 50 us.
 *  2. the same at 10^6 entries: the first verification against a large
 *     ledger (no consistency proof: nothing was seen before).
 *  3. the parts: the checkpoint signature alone, an inclusion proof at
 *     10^6, a device signature.
 * One line per measure, for tests/bench.sh.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "libszkm.h"
#include "szkm_event.h"
#include "../unit/mem_ledger.h"

#define SAMPLES		2000
#define BIG		1000000
#define SMALL		1000

static void die(const char *what)
{
	fprintf(stderr, "verify_bench: %s (%s)\n", what, szkm_verify_message());
	exit(1);
}

/*
 * The replies of one verification, in the order the core asked for them:
 * recorded from the live source once, then played back.
 */
struct tape {
	const struct szkm_ledger_source *live;
	bool play;
	size_t pos, n;
	struct reply {
		char *note;
		size_t len;
		uint8_t proof[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
		struct szkm_ledger_entry *e, one;
	} r[8];
};

/* The next reply; *@live is the source to record it from, or NULL. */
static struct reply *turn(void *ctx, const struct szkm_ledger_source **live)
{
	struct tape *t = ctx;

	*live = t->play ? NULL : t->live;
	if (t->play)
		return t->pos < t->n ? &t->r[t->pos++] : NULL;
	return t->n < 8 ? &t->r[t->n++] : NULL;
}

/* A malloc'd copy of @len bytes, as the core frees what a source gives. */
static void *copy(const void *p, size_t len)
{
	void *c = malloc(len + 1);

	return c ? memcpy(c, p, len) : NULL;
}

static int tape_checkpoint(void *ctx, char **note, size_t *len)
{
	const struct szkm_ledger_source *live;
	struct reply *r = turn(ctx, &live);

	if (!r || (live && live->checkpoint(live->ctx, &r->note, &r->len)))
		return -EIO;
	*note = copy(r->note, r->len + 1);
	*len = r->len;
	return *note ? 0 : -ENOMEM;
}

static int tape_inclusion(void *ctx, uint64_t index, uint64_t size,
			  uint8_t (*proof)[LEDGER_HASH_LEN], size_t *n)
{
	const struct szkm_ledger_source *live;
	struct reply *r = turn(ctx, &live);

	if (!r || (live && live->inclusion(live->ctx, index, size, r->proof, &r->len)))
		return -EIO;
	memcpy(proof, r->proof, r->len * LEDGER_HASH_LEN);
	*n = r->len;
	return 0;
}

static int tape_entries(void *ctx, const uint8_t id[SZKM_KEY_ID_LEN],
			struct szkm_ledger_entry **e, size_t *n)
{
	const struct szkm_ledger_source *live;
	struct reply *r = turn(ctx, &live);

	if (!r || (live && live->key_entries(live->ctx, id, &r->e, &r->len)))
		return -EIO;
	*e = copy(r->e, r->len * sizeof(**e));
	*n = r->len;
	return *e ? 0 : -ENOMEM;
}

static int tape_enrolment(void *ctx, const uint8_t id[SZKM_DEVICE_ID_LEN],
			  struct szkm_ledger_entry *e)
{
	const struct szkm_ledger_source *live;
	struct reply *r = turn(ctx, &live);

	if (!r || (live && live->enrolment(live->ctx, id, &r->one)))
		return -EIO;
	*e = r->one;
	return 0;
}

static void tape_free(struct tape *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->r[i].note);
		free(t->r[i].e);
	}
	free(t);
}

static const struct szkm_ledger_source tape_ops = {
	.checkpoint = tape_checkpoint, .inclusion = tape_inclusion,
	.key_entries = tape_entries, .enrolment = tape_enrolment,
};

static const uint8_t KEY_ID[SZKM_KEY_ID_LEN] = { 1 };

/* A ledger of @size entries: the device's enrolment and first event,
 * fillers, the key's one event halfway, fillers. */
static void build(struct mem_ledger *l, struct tdev *d, const char *alg, uint64_t size)
{
	struct tev e = { .type = SZKM_EV_KEY_CREATE, .version = 1, .name = "bench",
			 .alg = SZKM_ALG_ECDSA_P256, .state = SZKM_VS_PENDING,
			 .origin = SZKM_ORIGIN_GENERATED };

	if (ml_init(l, alg, "bench.example/ledger") || tdev_init(d, NULL))
		die("setup");
	ml_enrol(l, d);
	ml_chain(l, d, (struct tev){ .type = SZKM_EV_DEVICE_INIT, .pub = d->pub });
	while (ledger_merkle_size(l->t) < size / 2 + 1)
		ml_filler(l);
	memcpy(e.key_id, KEY_ID, sizeof(KEY_ID));
	ml_chain(l, d, e);
	while (ledger_merkle_size(l->t) < size)
		ml_filler(l);
	if (ml_sign(l))
		die("checkpoint");
}

/* What the verifier remembers from the verification before. */
enum warmth {
	COLD,		/* nothing: a first verification */
	OTHER_KEY,	/* the checkpoint's signatures, the device key: a
			 * second key of the same device */
	SAME_KEY,	/* also the entries' device signatures: the key again */
};

/* Median and p99 of verifications of the key. */
static void time_runs(const char *what, struct szkm_trust *tr, struct tape *tp, enum warmth w)
{
	static double us[SAMPLES];
	struct szkm_ledger_source src = tape_ops;
	struct szkm_verified_key *vk;
	char *note;
	size_t len;

	src.ctx = tp;
	for (int i = 0; i < SAMPLES; i++) {
		double t0;

		if (w == COLD) {
			free(tr->seen);
			tr->seen = NULL;
			EVP_PKEY_free(tr->device_key);
			tr->device_key = NULL;
		}
		if (w != SAME_KEY && tr->signed_leaves) {
			memset(tr->signed_leaves, 0, SZKM_TRUST_SIGNED_MAX * LEDGER_HASH_LEN);
			tr->nsigned = 0;
		}
		tp->pos = 0;
		t0 = now();
		if (szkm_verify_run(tr, &src, NULL, KEY_ID, &vk, &note, &len))
			die(what);
		us[i] = (now() - t0) * 1e6;
		if (vk->nevents != 1 || vk->active != 1)
			die("the key did not verify as built");
		szkm_verified_key_free(vk);
		free(note);
	}
	qsort(us, SAMPLES, sizeof(*us), cmp_double);
	printf("verify one key, %s: median %.1f us, p99 %.1f us (goal <= 50 us)\n", what,
	       us[SAMPLES / 2], us[SAMPLES * 99 / 100]);
}

/* Builds a ledger, records one verification, then times it replayed. */
static void bench_key(const char *alg, const char *label, uint64_t size, bool also_warm,
		      struct mem_ledger *keep, struct tdev *dkeep)
{
	struct mem_ledger l;
	struct tdev d;
	struct szkm_ledger_source live, src = tape_ops;
	struct szkm_trust tr;
	struct tape *tp = calloc(1, sizeof(*tp));
	struct szkm_verified_key *vk;
	char vkey[512], *note, what[128];
	const char *vkeys[] = { vkey };
	size_t len;
	double t0 = now();

	build(&l, &d, alg, size);
	printf("(%s ledger of %llu entries built in %.1f s)\n", label,
	       (unsigned long long)ledger_merkle_size(l.t), now() - t0);
	live = ml_source(&l);
	if (!tp || ml_vkey(&l, vkey, sizeof(vkey)) || szkm_trust_init(&tr, vkeys, 1, 0))
		die("trust");
	tp->live = &live;
	src.ctx = tp;
	if (szkm_verify_run(&tr, &src, NULL, KEY_ID, &vk, &note, &len))
		die("recording");
	szkm_verified_key_free(vk);
	free(note);
	tp->play = true;
	snprintf(what, sizeof(what), "%s node key, %llu entries, first verification", label,
		 (unsigned long long)size);
	time_runs(what, &tr, tp, COLD);
	if (also_warm) {
		snprintf(what, sizeof(what), "%s node key, %llu entries, another key (checkpoint checked, device key imported)",
			 label, (unsigned long long)size);
		time_runs(what, &tr, tp, OTHER_KEY);
		snprintf(what, sizeof(what), "%s node key, %llu entries, the same key again (its entries' signatures checked)",
			 label, (unsigned long long)size);
		time_runs(what, &tr, tp, SAME_KEY);
	}
	szkm_trust_clear(&tr);
	tape_free(tp);
	if (keep) {
		*keep = l;
		*dkeep = d;
		return;
	}
	tdev_free(&d);
	ml_free(&l);
}

/* The parts, at 10^6 entries: checkpoint signature, an inclusion proof
 * (the key's entry), a device signature. */
static void bench_parts(struct mem_ledger *l, struct tdev *d)
{
	static double us[3][SAMPLES];
	uint8_t proof[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN], leaf[LEDGER_HASH_LEN], root[32];
	uint64_t size = ledger_merkle_size(l->t), last = l->e[l->n - 1].index;
	struct szkm_ledger_entry *e = &l->e[l->n - 1];
	struct ledger_note_result res;
	struct ledger_entry de;
	EVP_PKEY *dk = szkm_ec_pubkey(d->pub);
	size_t n;

	if (!dk || ledger_merkle_inclusion_proof(l->t, last, size, proof, LEDGER_MERKLE_MAX_PROOF, &n) ||
	    ledger_merkle_root(l->t, size, root) || ledger_entry_decode(e->data, e->len, &de, NULL))
		die("parts");
	for (int i = 0; i < SAMPLES; i++) {
		double t0 = now();

		if (ledger_note_open(l->note, l->note_len, &l->key, 1, 0, &res))
			die("checkpoint signature");
		us[0][i] = (now() - t0) * 1e6;
		t0 = now();
		if (ledger_merkle_leaf_hash(e->data, e->len, leaf) ||
		    ledger_merkle_verify_inclusion(leaf, last, size,
						   (const uint8_t (*)[LEDGER_HASH_LEN])proof, n, root))
			die("inclusion");
		us[1][i] = (now() - t0) * 1e6;
		t0 = now();
		if (szkm_event_verify(&de.event, dk, de.sig, NULL))
			die("device signature");
		us[2][i] = (now() - t0) * 1e6;
	}
	for (int p = 0; p < 3; p++)
		qsort(us[p], SAMPLES, sizeof(double), cmp_double);
	printf("verify parts at %llu entries: checkpoint signature (P-256) median %.1f us, inclusion proof (%zu hashes) %.1f us, device signature %.1f us\n",
	       (unsigned long long)size, us[0][SAMPLES / 2], n, us[1][SAMPLES / 2], us[2][SAMPLES / 2]);
	EVP_PKEY_free(dk);
}

int main(void)
{
	struct mem_ledger big;
	struct tdev d;

	bench_key("EC", "P-256", SMALL, true, NULL, NULL);
	bench_key("ED25519", "Ed25519", SMALL, false, NULL, NULL);
	bench_key("EC", "P-256", BIG, true, &big, &d);
	bench_parts(&big, &d);
	tdev_free(&d);
	ml_free(&big);
	return 0;
}
