// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_ledger_store.c - the ledger over its SQLite store (ledger.c,
 * store_sqlite.c): what is appended and what is refused, checkpoints per
 * batch, proofs, durability across reopen, and the integrity check that
 * finds a tampered database, with the event signatures it checks by run.
 * Each test works in its own temporary folder.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "ledger.h"
#include "node_key.h"
#include "test_ledger_util.h"

struct fixture {
	char dir[64];
	char db[128];
	struct ledger_note_key key;
	struct ledger *l;
	struct tdev dev;
	struct tdev mallory;	/* signs as a forger, without dev's key */
	bool verify_all;
	char err[512];
};

static int open_ledger(struct fixture *f)
{
	struct ledger_options o = {
		.db_path = f->db,
		.origin = "test.example/log",
		.key = &f->key,
		.store_flags = LEDGER_STORE_NOSYNC,
		.verify_all = f->verify_all,
	};

	f->err[0] = 0;
	return ledger_open(&f->l, &o, f->err, sizeof(f->err));
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	if (!f || !k)
		return -1;
	strcpy(f->dir, "/tmp/ledger-unit-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/l.db", f->dir);
	if (ledger_note_key_init(&f->key, "test.example/log",
				 LEDGER_NOTE_SIG_ED25519, k))
		return -1;
	EVP_PKEY_free(k);
	if (tdev_init(&f->dev, NULL) || tdev_init(&f->mallory, NULL) ||
	    open_ledger(f))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int ret;

	ledger_close(f->l);
	ledger_note_key_clear(&f->key);
	tdev_free(&f->dev);
	tdev_free(&f->mallory);
	ret = tdir_remove(f->dir);
	free(f);
	return ret;
}

static void reopen(struct fixture *f)
{
	ledger_close(f->l);
	f->l = NULL;
	if (open_ledger(f))
		fail_msg("reopen failed: %s", f->err);
}

static void enrol(struct fixture *f, struct tdev *d, const char *name)
{
	struct ledger_result r;

	assert_int_equal(ledger_begin(f->l), 0);
	assert_int_equal(ledger_enrol(f->l, name, d->pub, 1, &r), 0);
	assert_int_equal(r.verdict, LEDGER_APPENDED);
	assert_int_equal(ledger_commit(f->l, true), 0);
}

struct ev {
	uint8_t body[SZKM_EVENT_MAX_LEN];
	size_t len;
	uint8_t sig[64];
};

static void next_event(struct tdev *d, struct ev *e)
{
	e->len = tdev_next(d, 3, e->body, e->sig);
	assert_true(e->len > 0);
}

static struct ledger_result add(struct fixture *f, const struct ev *e)
{
	struct ledger_result r;

	assert_int_equal(ledger_add_event(f->l, e->body, e->len, e->sig, &r),
			 0);
	return r;
}

/* Appends @n events of @d in one batch. */
static void append_events(struct fixture *f, struct tdev *d, int n)
{
	struct ev e;

	assert_int_equal(ledger_begin(f->l), 0);
	for (int i = 0; i < n; i++) {
		struct ledger_result r;

		next_event(d, &e);
		r = add(f, &e);
		if (r.verdict != LEDGER_APPENDED)
			fail_msg("event %d: %s", i, r.why ? r.why : "dup");
	}
	assert_int_equal(ledger_commit(f->l, true), 0);
}

static void sql(struct fixture *f, const char *q)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	if (sqlite3_exec(db, q, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", q, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* Tampers with the closed ledger, then expects open to fail naming @want. */
static void expect_tamper_found(struct fixture *f, const char *q,
				const char *want)
{
	ledger_close(f->l);
	f->l = NULL;
	sql(f, q);
	assert_int_equal(open_ledger(f), -EBADMSG);
	if (!strstr(f->err, want))
		fail_msg("error '%s' does not say '%s'", f->err, want);
}

static void enrolled_events_append_in_order(void **state)
{
	struct fixture *f = *state;

	enrol(f, &f->dev, "dev-a");
	append_events(f, &f->dev, 10);
	assert_int_equal(ledger_size(f->l), 11);
	uint64_t head = 0;
	assert_int_equal(ledger_device_head(f->l, f->dev.id, &head), 0);
	assert_int_equal(head, 10);
}

static void unenrolled_device_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct ledger_result r;
	struct ev e;

	next_event(&f->dev, &e);
	assert_int_equal(ledger_begin(f->l), 0);
	r = add(f, &e);
	assert_int_equal(r.verdict, LEDGER_REJECTED);
	assert_string_equal(r.why, "unenrolled-device");
	assert_int_equal(ledger_commit(f->l, true), 0);
	assert_int_equal(ledger_size(f->l), 0);
}

static void forged_event_is_never_appended(void **state)
{
	struct fixture *f = *state;
	struct tdev mallory;
	struct ledger_result r;
	struct ev e;

	enrol(f, &f->dev, "dev-a");
	append_events(f, &f->dev, 1);
	/* The next event in the device's chain, signed by another key. */
	assert_int_equal(tdev_init(&mallory, NULL), 0);
	memcpy(mallory.id, f->dev.id, 32);
	mallory.seq = f->dev.seq;
	memcpy(mallory.head, f->dev.head, 32);
	next_event(&mallory, &e);
	assert_int_equal(ledger_begin(f->l), 0);
	r = add(f, &e);
	assert_int_equal(r.verdict, LEDGER_REJECTED);
	assert_string_equal(r.why, "bad-signature");
	/* A real event whose body was changed after signing. */
	next_event(&f->dev, &e);
	e.body[e.len - 40] ^= 1;
	r = add(f, &e);
	assert_int_equal(r.verdict, LEDGER_REJECTED);
	assert_string_equal(r.why, "bad-signature");
	assert_int_equal(ledger_commit(f->l, true), 0);
	assert_int_equal(ledger_size(f->l), 2);
	tdev_free(&mallory);
}

/*
 * The batch verifier, on one thread and with helpers: true only for an
 * event of an enrolled device whose signature holds; a forged signature,
 * a body altered after signing and an unknown device's event are false.
 */
static void verifier_passes_only_good_signatures(void **state)
{
	struct fixture *f = *state;
	enum { N = 80 };
	static struct ev e[N];
	static struct ledger_event le[N];
	struct ledger_sigcheck sc[N];
	struct tdev stranger;

	enrol(f, &f->dev, "dev-a");
	assert_int_equal(tdev_init(&stranger, NULL), 0);
	for (unsigned int threads = 1; threads <= 4; threads *= 2) {
		struct ledger_verifier *vf;

		for (int i = 0; i < N - 1; i++)
			next_event(&f->dev, &e[i]);
		next_event(&stranger, &e[N - 1]);
		e[10].sig[5] ^= 1;
		e[20].body[e[20].len - 40] ^= 1;
		for (int i = 0; i < N; i++) {
			assert_int_equal(ledger_event_decode(&le[i], e[i].body,
							     e[i].len, e[i].sig), 0);
			sc[i] = (struct ledger_sigcheck){ .event = &le[i] };
		}
		vf = ledger_verify_start(f->l, sc, N, threads);
		assert_non_null(vf);
		/* Asked out of order too: the answer waits for its item. */
		assert_false(ledger_verify_ok(vf, N - 1));
		for (int i = 0; i < N; i++) {
			bool want = i != 10 && i != 20 && i != N - 1;

			if (ledger_verify_ok(vf, (size_t)i) != want)
				fail_msg("%u threads, event %d: not %d",
					 threads, i, want);
		}
		ledger_verify_end(vf);
	}
	tdev_free(&stranger);
}

/* A device enrolled within the batch: the verifier did not know it, so
 * ledger_append_event checks the signature itself, and appends. */
static void device_enrolled_in_the_batch_is_checked_in_line(void **state)
{
	struct fixture *f = *state;
	struct ledger_sigcheck sc[2];
	struct ledger_event le[2];
	struct ledger_verifier *vf;
	struct ledger_result r;
	struct ev e[2];

	next_event(&f->dev, &e[0]);
	next_event(&f->dev, &e[1]);
	e[1].sig[3] ^= 1;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ledger_event_decode(&le[i], e[i].body, e[i].len,
						     e[i].sig), 0);
		sc[i] = (struct ledger_sigcheck){ .event = &le[i] };
	}
	vf = ledger_verify_start(f->l, sc, 2, 2);
	assert_int_equal(ledger_begin(f->l), 0);
	assert_int_equal(ledger_enrol(f->l, "dev-a", f->dev.pub, 1, &r), 0);
	for (int i = 0; i < 2; i++) {
		assert_false(ledger_verify_ok(vf, (size_t)i));
		assert_int_equal(ledger_append_event(f->l, &le[i], false, &r), 0);
		assert_int_equal(r.verdict, i ? LEDGER_REJECTED : LEDGER_APPENDED);
	}
	assert_string_equal(r.why, "bad-signature");
	ledger_verify_end(vf);
	assert_int_equal(ledger_commit(f->l, true), 0);
	assert_int_equal(ledger_size(f->l), 2);
}

static void reordered_events_wait_for_the_gap(void **state)
{
	struct fixture *f = *state;
	struct ledger_result r;
	struct ev e1, e2, e3;

	enrol(f, &f->dev, "dev-a");
	next_event(&f->dev, &e1);
	next_event(&f->dev, &e2);
	next_event(&f->dev, &e3);
	assert_int_equal(ledger_begin(f->l), 0);
	assert_int_equal(add(f, &e1).verdict, LEDGER_APPENDED);
	r = add(f, &e3);
	assert_int_equal(r.verdict, LEDGER_REJECTED);
	assert_string_equal(r.why, "seq-gap");
	assert_int_equal(add(f, &e2).verdict, LEDGER_APPENDED);
	assert_int_equal(add(f, &e3).verdict, LEDGER_APPENDED);
	assert_int_equal(ledger_commit(f->l, true), 0);
	assert_int_equal(ledger_size(f->l), 4);
}

static void replayed_event_is_a_duplicate_not_an_entry(void **state)
{
	struct fixture *f = *state;
	struct ledger_result r;
	struct ev e1, e2, alt;
	struct tdev fork;

	enrol(f, &f->dev, "dev-a");
	fork = f->dev;
	assert_int_equal(EVP_PKEY_up_ref(fork.key), 1);
	next_event(&f->dev, &e1);
	next_event(&f->dev, &e2);
	assert_int_equal(ledger_begin(f->l), 0);
	assert_int_equal(add(f, &e1).verdict, LEDGER_APPENDED);
	assert_int_equal(add(f, &e2).verdict, LEDGER_APPENDED);
	assert_int_equal(ledger_commit(f->l, true), 0);
	reopen(f);
	/* The kernel replays what it never saw acknowledged. */
	assert_int_equal(ledger_begin(f->l), 0);
	r = add(f, &e1);
	assert_int_equal(r.verdict, LEDGER_DUPLICATE);
	assert_int_equal(r.index, 1);
	r = add(f, &e2);
	assert_int_equal(r.verdict, LEDGER_DUPLICATE);
	assert_int_equal(r.index, 2);
	/* A different, validly signed event 1: a forked history. */
	fork.seq = 0;
	memset(fork.head, 0, 32);
	next_event(&fork, &alt);
	alt.body[alt.len - SZKM_EVENT_ACTOR_LEN - 1] ^= 1;	/* policy byte differs */
	assert_int_equal(tev_sign(fork.key, alt.body, alt.len, alt.sig), 0);
	r = add(f, &alt);
	assert_int_equal(r.verdict, LEDGER_REJECTED);
	assert_string_equal(r.why, "seq-replayed");
	assert_int_equal(ledger_commit(f->l, true), 0);
	assert_int_equal(ledger_size(f->l), 3);
	tdev_free(&fork);
}

static void enrolling_twice_is_rejected(void **state)
{
	struct fixture *f = *state;
	struct ledger_result r;

	enrol(f, &f->dev, "dev-a");
	assert_int_equal(ledger_begin(f->l), 0);
	assert_int_equal(ledger_enrol(f->l, "dev-b", f->dev.pub, 2, &r), 0);
	assert_int_equal(r.verdict, LEDGER_REJECTED);
	assert_string_equal(r.why, "already-enrolled");
	assert_int_equal(ledger_enrol(f->l, "bad name", f->dev.pub, 2, &r), 0);
	assert_string_equal(r.why, "bad-name");
	assert_int_equal(ledger_commit(f->l, true), 0);
	assert_int_equal(ledger_size(f->l), 1);
}

static void checkpoint_follows_each_batch(void **state)
{
	struct fixture *f = *state;
	char note[4096];
	size_t len;
	uint64_t size = 0;
	struct ledger_note_result res;
	struct ledger_checkpoint cp;
	uint8_t root[32];

	enrol(f, &f->dev, "dev-a");
	append_events(f, &f->dev, 5);
	assert_int_equal(ledger_checkpoint(f->l, note, sizeof(note), &len,
					   &size, NULL), 0);
	assert_int_equal(size, 6);
	assert_int_equal(ledger_note_open(note, len, &f->key, 1, 0, &res), 0);
	assert_int_equal(ledger_checkpoint_parse(note, res.text_len, &cp), 0);
	assert_int_equal(cp.size, 6);
	assert_int_equal(ledger_root(f->l, 6, root), 0);
	assert_memory_equal(cp.root, root, 32);
	/* A batch committed without one leaves the last checkpoint. */
	{
		struct ev e;

		assert_int_equal(ledger_begin(f->l), 0);
		next_event(&f->dev, &e);
		assert_int_equal(add(f, &e).verdict, LEDGER_APPENDED);
		assert_int_equal(ledger_commit(f->l, false), 0);
	}
	assert_int_equal(ledger_unsigned(f->l), 1);
	assert_int_equal(ledger_checkpoint(f->l, note, sizeof(note), &len,
					   &size, NULL), 0);
	assert_int_equal(size, 6);
}

static void proofs_verify_against_checkpoints(void **state)
{
	struct fixture *f = *state;
	uint8_t proof[LEDGER_MERKLE_MAX_PROOF][32], r_old[32], r_new[32],
		leaf[32];
	size_t n;

	enrol(f, &f->dev, "dev-a");
	append_events(f, &f->dev, 6);
	assert_int_equal(ledger_root(f->l, 7, r_old), 0);
	append_events(f, &f->dev, 14);
	assert_int_equal(ledger_root(f->l, 21, r_new), 0);
	for (uint64_t i = 0; i < 21; i++) {
		assert_int_equal(ledger_inclusion(f->l, i, 21, proof, &n), 0);
		assert_int_equal(ledger_leaf_hash(f->l, i, leaf), 0);
		assert_int_equal(ledger_merkle_verify_inclusion(
			leaf, i, 21, (const uint8_t (*)[32])proof, n, r_new), 0);
	}
	assert_int_equal(ledger_consistency(f->l, 7, 21, proof, &n), 0);
	assert_int_equal(ledger_merkle_verify_consistency(
		7, 21, r_old, r_new, (const uint8_t (*)[32])proof, n), 0);
	assert_int_equal(ledger_inclusion(f->l, 21, 21, proof, &n), -ERANGE);
	assert_int_equal(ledger_consistency(f->l, 7, 22, proof, &n), -ERANGE);
}

static void reopen_restores_tree_and_chains(void **state)
{
	struct fixture *f = *state;
	uint8_t before[32], after[32];
	struct ev e;

	enrol(f, &f->dev, "dev-a");
	append_events(f, &f->dev, 9);
	assert_int_equal(ledger_root(f->l, 10, before), 0);
	reopen(f);
	assert_int_equal(ledger_size(f->l), 10);
	assert_int_equal(ledger_root(f->l, 10, after), 0);
	assert_memory_equal(before, after, 32);
	/* The chain goes on where it was. */
	assert_int_equal(ledger_begin(f->l), 0);
	next_event(&f->dev, &e);
	assert_int_equal(add(f, &e).verdict, LEDGER_APPENDED);
	assert_int_equal(ledger_commit(f->l, true), 0);
}

/* The kernel's DEVICE_RESUME after an unseal: the device's next event. */
static void resume_event(struct tdev *d, struct ev *out)
{
	struct tev e = { 0 };

	e.type = SZKM_EV_DEVICE_RESUME;
	memcpy(e.device_id, d->id, 32);
	e.seq = d->seq + 1;
	memcpy(e.prev, d->head, 32);
	e.time_ns = 1;
	e.pub = d->pub;
	e.actor = SZKM_ACTOR_KERNEL;
	out->len = tev_encode(&e, out->body);
	assert_int_equal(tev_sign(d->key, out->body, out->len, out->sig), 0);
	d->seq = e.seq;
	tev_link(out->body, out->len, out->sig, d->head);
}

static void device_resume_joins_the_chain(void **state)
{
	struct fixture *f = *state;
	struct ev e;
	uint64_t head = 0;

	enrol(f, &f->dev, "dev-a");
	append_events(f, &f->dev, 4);
	assert_int_equal(ledger_begin(f->l), 0);
	resume_event(&f->dev, &e);
	assert_int_equal(add(f, &e).verdict, LEDGER_APPENDED);
	assert_int_equal(ledger_commit(f->l, true), 0);
	/* The check at open takes it too, and the chain goes on after it. */
	reopen(f);
	assert_int_equal(ledger_device_head(f->l, f->dev.id, &head), 0);
	assert_int_equal(head, 5);
	append_events(f, &f->dev, 2);
	assert_int_equal(ledger_device_head(f->l, f->dev.id, &head), 0);
	assert_int_equal(head, 7);
}

struct seqs {
	uint64_t seq[64];
	size_t n;
	size_t stop_at;		/* 0: never */
};

static int note_seq(void *ctx, const uint8_t *body, size_t len, const uint8_t *sig)
{
	struct seqs *s = ctx;
	struct szkm_event ev;

	assert_ptr_equal(sig, body + len);	/* the entry: body then signature */
	assert_int_equal(szkm_event_decode(body, len, &ev, NULL), 0);
	assert_true(s->n < 64);
	s->seq[s->n++] = ev.seq;
	return s->n == s->stop_at ? 7 : 0;
}

static void device_events_come_in_chain_order(void **state)
{
	struct fixture *f = *state;
	struct seqs s = { 0 };
	struct tdev other;
	uint64_t n = 0;

	assert_int_equal(tdev_init(&other, NULL), 0);
	enrol(f, &f->dev, "dev-a");
	enrol(f, &other, "dev-b");
	assert_int_equal(ledger_device_events(f->l, other.id, note_seq, &s, &n), 0);
	assert_int_equal(n, 0);
	for (int i = 0; i < 4; i++) {
		append_events(f, &f->dev, 3);
		append_events(f, &other, 2);
	}
	assert_int_equal(ledger_device_events(f->l, f->dev.id, note_seq, &s, &n), 0);
	assert_int_equal(n, 12);
	assert_int_equal(s.n, 12);
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(s.seq[i], i + 1);
	s = (struct seqs){ .stop_at = 3 };
	assert_int_equal(ledger_device_events(f->l, other.id, note_seq, &s, &n), 7);
	assert_int_equal(n, 3);
	tdev_free(&other);
	assert_int_equal(tdev_init(&other, NULL), 0);
	assert_int_equal(ledger_device_events(f->l, other.id, note_seq, &s, &n), -ENOENT);
	tdev_free(&other);
}

static void uncommitted_batch_vanishes_whole(void **state)
{
	struct fixture *f = *state;
	uint8_t before[32], after[32];
	struct ev e;

	enrol(f, &f->dev, "dev-a");
	append_events(f, &f->dev, 3);
	assert_int_equal(ledger_root(f->l, 4, before), 0);
	/* A batch in flight when the process dies. */
	assert_int_equal(ledger_begin(f->l), 0);
	for (int i = 0; i < 5; i++) {
		next_event(&f->dev, &e);
		assert_int_equal(add(f, &e).verdict, LEDGER_APPENDED);
	}
	reopen(f);	/* close rolls back, as a crash would */
	assert_int_equal(ledger_size(f->l), 4);
	assert_int_equal(ledger_root(f->l, 4, after), 0);
	assert_memory_equal(before, after, 32);
	uint64_t head = 0;
	assert_int_equal(ledger_device_head(f->l, f->dev.id, &head), 0);
	assert_int_equal(head, 3);
}

static void tampered_entry_is_found_by_index(void **state)
{
	struct fixture *f = *state;

	enrol(f, &f->dev, "dev-a");
	append_events(f, &f->dev, 12);
	expect_tamper_found(f,
		"UPDATE entries SET data = CAST(substr(data, 1, 84) || x'ff' || "
		"substr(data, 86) AS BLOB) WHERE idx = 5", "entry 5 was changed");
}

/*
 * Changes the last byte of entry @idx's signature and the stored leaf
 * hash to match, in the closed ledger (the attacker: root with the
 * database file).
 */
static void tamper_sig_and_leaf(struct fixture *f, int idx)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	uint8_t data[1024], leaf[32];
	int n;

	ledger_close(f->l);
	f->l = NULL;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT data FROM entries "
		"WHERE idx = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int(st, 1, idx);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_bytes(st, 0);
	memcpy(data, sqlite3_column_blob(st, 0), (size_t)n);
	sqlite3_finalize(st);
	data[n - 1] ^= 1;
	assert_int_equal(ledger_merkle_leaf_hash(data, (size_t)n, leaf), 0);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE entries SET data = ?1, "
		"leaf = ?2 WHERE idx = ?3", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, data, n, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, leaf, 32, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, idx);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Opens the closed ledger with verify_all @all; expects a refusal that
 * says @want. */
static void expect_refused(struct fixture *f, bool all, const char *want)
{
	ledger_close(f->l);
	f->l = NULL;
	f->verify_all = all;
	assert_int_equal(open_ledger(f), -EBADMSG);
	if (!strstr(f->err, want))
		fail_msg("verify_all %d: error '%s' does not say '%s'", all,
			 f->err, want);
}

static void tampered_entry_with_its_leaf_is_found(void **state)
{
	struct fixture *f = *state;

	enrol(f, &f->dev, "dev-a");
	append_events(f, &f->dev, 12);
	/* The last event's signature bytes (the chain still holds: nothing
	 * follows it to cover its signature, as a format-3 link would): the
	 * stored tree gives it away, or with verify_all its signature. */
	tamper_sig_and_leaf(f, 12);
	expect_refused(f, false, "entry 12 was changed");
	expect_refused(f, true, "entry 12: the signature of device");
}

/*
 * A middle event's signature bytes, with its leaf: the next event names
 * the link of the genuine one, so the chain breaks there; with
 * verify_all, the check by run then verifies the event before the break
 * and names it, as one verify per event did.
 */
static void tampered_mid_signature_with_its_leaf_is_found(void **state)
{
	struct fixture *f = *state;

	enrol(f, &f->dev, "dev-a");
	append_events(f, &f->dev, 12);
	tamper_sig_and_leaf(f, 5);
	expect_refused(f, false, "entry 6 was changed or forged: it breaks "
		       "the chain");
	expect_refused(f, true, "entry 5: the signature of device");
}

static void removed_entries_are_found(void **state)
{
	struct fixture *f = *state;

	enrol(f, &f->dev, "dev-a");
	append_events(f, &f->dev, 6);
	expect_tamper_found(f,
		"DELETE FROM entries WHERE idx = 6;"
		"DELETE FROM nodes WHERE level = 0 AND idx = 6",
		"ahead of the 6 stored entries");
}

/*
 * Only the row of the last entry (of an enrolment and @n events) goes: it
 * is named missing, not changed, whatever nodes of the tree cover it.
 */
static void expect_last_removed_is_missing(struct fixture *f, int n)
{
	char q[64], want[64];

	enrol(f, &f->dev, "dev-a");
	append_events(f, &f->dev, n);
	snprintf(q, sizeof(q), "DELETE FROM entries WHERE idx = %d", n);
	snprintf(want, sizeof(want), "entry %d is missing", n);
	expect_tamper_found(f, q, want);
	if (strstr(f->err, "changed"))
		fail_msg("error '%s' calls a removed entry changed", f->err);
}

/* 31 entries: only its leaf covers the last. */
static void removed_last_entry_is_named_missing(void **state)
{
	expect_last_removed_is_missing(*state, 30);
}

/* The last of 32 entries: nodes up to the root cover it. */
static void removed_last_of_a_full_tree_is_named_missing(void **state)
{
	expect_last_removed_is_missing(*state, 31);
}

static void tampered_checkpoint_is_found(void **state)
{
	struct fixture *f = *state;

	enrol(f, &f->dev, "dev-a");
	append_events(f, &f->dev, 4);
	expect_tamper_found(f,
		"UPDATE checkpoints SET note = replace(note, 'test.example/log"
		"\n5\n', 'test.example/log\n4\n') WHERE size = 5",
		"not signed by this node's key");
}

static void tampered_device_head_is_found(void **state)
{
	struct fixture *f = *state;

	enrol(f, &f->dev, "dev-a");
	append_events(f, &f->dev, 4);
	expect_tamper_found(f, "UPDATE devices SET last_seq = 2",
			    "devices table disagrees");
}

/*
 * The check at open checks event signatures by run (ledger.c,
 * take_signature()). The stores below are written by a ledger told that
 * the signatures were checked (ledger_append_event with sig_ok), as a
 * writer that trusted its feed would: tree, devices and checkpoints are
 * consistent, so only the signature check can refuse them.
 */

/* The events of a chain (by seq) that mallory signs. */
struct forgery {
	uint64_t from, to;
};

/*
 * Appends @d's next @n events in one batch, unchecked; those the
 * forgery names are signed by mallory (and, format 3, the next ones
 * chain to that signature). Commits with a checkpoint when @cp.
 */
static void append_unchecked(struct fixture *f, struct tdev *d, int n,
			     const struct forgery *fg, bool cp)
{
	struct ledger_event le;
	struct ledger_result r;
	struct ev e;

	assert_int_equal(ledger_begin(f->l), 0);
	for (int i = 0; i < n; i++) {
		uint64_t seq = d->seq + 1;

		e.len = tdev_build(d, 3, e.body);
		assert_int_equal(tev_sign(fg && seq >= fg->from &&
					  seq <= fg->to ? f->mallory.key : d->key,
					  e.body, e.len, e.sig), 0);
		assert_int_equal(tdev_advance(d, e.body, e.len, e.sig), 0);
		assert_int_equal(ledger_event_decode(&le, e.body, e.len, e.sig),
				 0);
		assert_int_equal(ledger_append_event(f->l, &le, true, &r), 0);
		if (r.verdict != LEDGER_APPENDED)
			fail_msg("seq %" PRIu64 ": %s", seq, r.why);
	}
	assert_int_equal(ledger_commit(f->l, cp), 0);
}

/* Opens the closed ledger with verify_all @all; the signatures the
 * check verified. */
static uint64_t open_verifies(struct fixture *f, bool all)
{
	struct ledger_stats st;

	ledger_close(f->l);
	f->l = NULL;
	f->verify_all = all;
	if (open_ledger(f))
		fail_msg("verify_all %d: open failed: %s", all, f->err);
	ledger_get_stats(f->l, &st);
	return st.open_verifies;
}

/*
 * Format 3: one verify per device, its last event's; with none after
 * the last checkpoint, none; after it, only the devices with events
 * there (dev-b's last event is before it and needs nothing).
 */
static void format3_chains_take_one_verify_per_device(void **state)
{
	struct fixture *f = *state;
	struct tdev b;

	assert_int_equal(tdev_init(&b, NULL), 0);
	enrol(f, &f->dev, "dev-a");
	enrol(f, &b, "dev-b");
	append_unchecked(f, &f->dev, 10, NULL, true);
	append_unchecked(f, &b, 7, NULL, true);
	append_unchecked(f, &f->dev, 5, NULL, true);
	assert_int_equal(open_verifies(f, true), 2);
	assert_int_equal(open_verifies(f, false), 0);
	append_unchecked(f, &f->dev, 3, NULL, false);
	assert_int_equal(open_verifies(f, false), 1);
	assert_int_equal(open_verifies(f, true), 2);
	tdev_free(&b);
}

/*
 * A format-1/2 link does not cover the signature: each is verified.
 * Here a device's chain goes 3, 3, 3, 2, 2, 3, 3, 2, 3, 3: three
 * format-2 events and the last, 4 verifies (the format-3 events before
 * a format-2 one are vouched for by its signature, which names their
 * link).
 */
static void format2_signatures_are_each_verified(void **state)
{
	struct fixture *f = *state;
	static const uint8_t formats[] = { 3, 3, 3, 2, 2, 3, 3, 2, 3, 3 };

	enrol(f, &f->dev, "dev-a");
	for (size_t i = 0; i < sizeof(formats); i++) {
		f->dev.format = formats[i];
		append_unchecked(f, &f->dev, 1, NULL, true);
	}
	assert_int_equal(open_verifies(f, true), 4);
	f->dev.format = 2;
	append_unchecked(f, &f->dev, 10, NULL, true);
	assert_int_equal(open_verifies(f, true), 13);
}

/* A new empty ledger and device in the fixture's folder. */
static void reset(struct fixture *f)
{
	const char *ext[] = { "", "-wal", "-shm" };
	char path[160];

	ledger_close(f->l);
	f->l = NULL;
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", f->db, ext[i]);
		unlink(path);
	}
	tdev_free(&f->dev);
	assert_int_equal(tdev_init(&f->dev, NULL), 0);
	f->verify_all = false;
	if (open_ledger(f))
		fail_msg("reset: %s", f->err);
}

/*
 * Stores with forged signatures under a checkpoint (which vouches for
 * them without verify_all): with verify_all each is refused, naming the
 * first forged event, as one verify per event did.
 */
static void forged_signatures_are_refused_with_verify_all(void **state)
{
	static const struct {
		const char *name;
		uint8_t format[2];	/* of the first n[0] events, the next n[1] */
		int n[2];
		struct forgery fg;
		const char *want;
	} cases[] = {
		/* The forger re-chains 6..10 to its event 5 and cannot sign
		 * them as the device: the last signature fails, and each is
		 * verified to find the first. */
		{ "format 3, 5..10 of 10", { 3, 3 }, { 10, 0 }, { 5, 10 },
		  "entry 5: the signature of device" },
		{ "format 3, the last", { 3, 3 }, { 10, 0 }, { 10, 10 },
		  "entry 10: the signature of device" },
		/* A format-2 link is SHA-256 of the body: the genuine events
		 * after 5 still chain to it and their signatures hold. Only
		 * its own verify finds it. */
		{ "format 2, 5 of 10", { 2, 2 }, { 10, 0 }, { 5, 5 },
		  "entry 5: the signature of device" },
		/* Format-2 events re-chained to a forged format-3 one: the
		 * first format-2 signature fails, and the run before it is
		 * verified to name the forged one. */
		{ "format 3 then 2, 4..10 of 10", { 3, 2 }, { 5, 5 }, { 4, 10 },
		  "entry 4: the signature of device" },
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].name);
		reset(f);
		enrol(f, &f->dev, "dev-a");
		for (int part = 0; part < 2; part++) {
			f->dev.format = cases[i].format[part];
			if (cases[i].n[part])
				append_unchecked(f, &f->dev, cases[i].n[part],
						 &cases[i].fg, true);
		}
		expect_refused(f, true, cases[i].want);
		assert_int_equal(open_verifies(f, false), 0);
	}
}

/* A forged signature after the newest checkpoint: refused without
 * verify_all too. */
static void forged_signature_after_the_checkpoint_is_refused(void **state)
{
	struct fixture *f = *state;
	const struct forgery fg = { 11, 11 };

	enrol(f, &f->dev, "dev-a");
	append_unchecked(f, &f->dev, 10, NULL, true);
	append_unchecked(f, &f->dev, 1, &fg, false);
	expect_refused(f, false, "entry 11: the signature of device");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(enrolled_events_append_in_order),
		T(unenrolled_device_is_rejected),
		T(forged_event_is_never_appended),
		T(verifier_passes_only_good_signatures),
		T(device_enrolled_in_the_batch_is_checked_in_line),
		T(reordered_events_wait_for_the_gap),
		T(replayed_event_is_a_duplicate_not_an_entry),
		T(enrolling_twice_is_rejected),
		T(checkpoint_follows_each_batch),
		T(proofs_verify_against_checkpoints),
		T(reopen_restores_tree_and_chains),
		T(device_resume_joins_the_chain),
		T(device_events_come_in_chain_order),
		T(uncommitted_batch_vanishes_whole),
		T(tampered_entry_is_found_by_index),
		T(tampered_entry_with_its_leaf_is_found),
		T(tampered_mid_signature_with_its_leaf_is_found),
		T(removed_entries_are_found),
		T(removed_last_entry_is_named_missing),
		T(removed_last_of_a_full_tree_is_named_missing),
		T(tampered_checkpoint_is_found),
		T(tampered_device_head_is_found),
		T(format3_chains_take_one_verify_per_device),
		T(format2_signatures_are_each_verified),
		T(forged_signatures_are_refused_with_verify_all),
		T(forged_signature_after_the_checkpoint_is_refused),
	};

	return cmocka_run_group_tests_name("ledger_store", tests, NULL, NULL);
}
