// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_ledger_batch.c - validation by run (ledgerd(8), BATCHED
 * VALIDATION): a batch of one device's chained format-3 events, from any
 * feeder, costs one ECDSA verify (format 2: only from the kernel's own
 * channel), and every batch gets, event by event, the verdict it gets
 * when each signature is verified alone. Two ledgers judge the same
 * batch, one by run and one event by event, and the verdicts, reasons
 * and trees are compared.
 *
 * The attacker: whoever can put bytes into ledgerd's input without the
 * device key D: root in userspace on the control socket, a tampered feed,
 * or a lying ledger node writing into etcd what the other nodes follow
 * (they judge it with this verifier). It forges an event in the middle of
 * a run, re-chains the genuine events after it to its forgery, leaves
 * them chained to the genuine body, or keeps the bodies and swaps a
 * stored signature.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ledger.h"
#include "test_ledger_util.h"

#define NEV	10

struct ev {
	uint8_t body[SZKM_EVENT_MAX_LEN];
	size_t len;
	uint8_t sig[64];
};

struct fixture {
	char dir[64], err[512];
	struct ledger_note_key key;
	struct ledger *run, *alone;	/* judged by run, event by event */
	struct tdev dev, dev2;
	struct ev ev[NEV], ev2[NEV];
};

static struct ledger *open_at(struct fixture *f, const char *name)
{
	struct ledger_options o = { .origin = "test.example/log",
				    .key = &f->key,
				    .store_flags = LEDGER_STORE_NOSYNC };
	struct ledger_result r;
	struct ledger *l = NULL;
	char db[128];

	snprintf(db, sizeof(db), "%s/%s.db", f->dir, name);
	o.db_path = db;
	if (ledger_open(&l, &o, f->err, sizeof(f->err)) || ledger_begin(l) ||
	    ledger_enrol(l, "dev", f->dev.pub, 1, &r) ||
	    ledger_enrol(l, "dev2", f->dev2.pub, 1, &r) ||
	    ledger_commit(l, true))
		return NULL;
	return l;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	if (!f || !k)
		return -1;
	strcpy(f->dir, "/tmp/ledger-batch-XXXXXX");
	if (!mkdtemp(f->dir) ||
	    ledger_note_key_init(&f->key, "test.example/log",
				 LEDGER_NOTE_SIG_ED25519, k) ||
	    tdev_init(&f->dev, NULL) || tdev_init(&f->dev2, NULL))
		return -1;
	EVP_PKEY_free(k);
	for (int i = 0; i < NEV; i++) {
		f->ev[i].len = tdev_next(&f->dev, 3, f->ev[i].body, f->ev[i].sig);
		f->ev2[i].len = tdev_next(&f->dev2, 3, f->ev2[i].body,
					  f->ev2[i].sig);
		if (!f->ev[i].len || !f->ev2[i].len)
			return -1;
	}
	f->run = open_at(f, "run");
	f->alone = open_at(f, "alone");
	*state = f;
	return f->run && f->alone ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int ret;

	ledger_close(f->run);
	ledger_close(f->alone);
	ledger_note_key_clear(&f->key);
	tdev_free(&f->dev);
	tdev_free(&f->dev2);
	ret = tdir_remove(f->dir);
	free(f);
	return ret;
}

/* How a batch is judged: by run as from the kernel's own channel or
 * from another feeder (the control socket, etcd), or each alone. */
enum mode { OWN_CHANNEL, FEEDER, EACH_ALONE };

/*
 * Judges @evs[0..n) as one batch into @l, as the daemon and a follower
 * do, by @mode (EACH_ALONE: one verifier per event, the unbatched
 * check). Returns the ECDSA verifications it took.
 */
static size_t judge(struct ledger *l, const struct ev *const *evs, size_t n,
		    enum mode mode, struct ledger_result *res)
{
	struct ledger_event le[2 * NEV];
	struct ledger_sigcheck sc[2 * NEV];
	struct ledger_verifier *vf = NULL;
	size_t verifies = 0;

	assert_true(n <= 2 * NEV);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ledger_event_decode(&le[i], evs[i]->body,
						     evs[i]->len, evs[i]->sig), 0);
		sc[i] = (struct ledger_sigcheck){ .event = &le[i],
						  .own_channel = mode == OWN_CHANNEL };
	}
	if (mode != EACH_ALONE)
		assert_non_null(vf = ledger_verify_start(l, sc, n, 2));
	assert_int_equal(ledger_begin(l), 0);
	for (size_t i = 0; i < n; i++) {
		struct ledger_verifier *one = vf;
		bool ok;

		if (mode == EACH_ALONE)
			assert_non_null(one = ledger_verify_start(l, &sc[i], 1, 1));
		ok = ledger_verify_ok(one, mode == EACH_ALONE ? 0 : i);
		assert_int_equal(ledger_append_event(l, &le[i], ok, &res[i]), 0);
		if (mode == EACH_ALONE) {
			verifies += ledger_verify_count(one);
			ledger_verify_end(one);
		}
	}
	if (vf) {
		verifies = ledger_verify_count(vf);
		ledger_verify_end(vf);
	}
	assert_int_equal(ledger_commit(l, true), 0);
	return verifies;
}

/* Both ledgers judge @evs, one by run as fed by @mode, the other each
 * alone; each verdict and reason is the same, and so is the tree.
 * Returns the verifications of the run, *alone the other's. */
static size_t judge_by(struct fixture *f, enum mode mode,
		       const struct ev *const *evs, size_t n,
		       struct ledger_result *res, size_t *alone)
{
	struct ledger_result r2[2 * NEV];
	uint8_t root1[32], root2[32];
	size_t v = judge(f->run, evs, n, mode, res);

	*alone = judge(f->alone, evs, n, EACH_ALONE, r2);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(res[i].verdict, r2[i].verdict);
		if (res[i].why || r2[i].why)
			assert_string_equal(res[i].why ? res[i].why : "(none)",
					    r2[i].why ? r2[i].why : "(none)");
	}
	assert_int_equal(ledger_size(f->run), ledger_size(f->alone));
	assert_int_equal(ledger_root(f->run, ledger_size(f->run), root1), 0);
	assert_int_equal(ledger_root(f->alone, ledger_size(f->alone), root2), 0);
	assert_memory_equal(root1, root2, 32);
	return v;
}

/* The same for a batch from the kernel's own channel. */
static size_t judge_both(struct fixture *f, const struct ev *const *evs,
			 size_t n, struct ledger_result *res, size_t *alone)
{
	return judge_by(f, OWN_CHANNEL, evs, n, res, alone);
}

/* @n events of a new chain of @d's key, in @format, into @out[]. */
static void chain_of(const struct tdev *d, uint8_t format, struct ev *out,
		     int n)
{
	struct tdev c = *d;	/* the same key, not freed here */

	c.seq = 0;
	memset(c.head, 0, sizeof(c.head));
	c.format = format;
	for (int i = 0; i < n; i++) {
		out[i].len = tdev_next(&c, 3, out[i].body, out[i].sig);
		assert_true(out[i].len > 0);
	}
}

static void assert_verdicts(const struct ledger_result *res, size_t n,
			    size_t good, const char *why_bad,
			    const char *why_after)
{
	for (size_t i = 0; i < n; i++) {
		if (i < good) {
			assert_int_equal(res[i].verdict, LEDGER_APPENDED);
			continue;
		}
		assert_int_equal(res[i].verdict, LEDGER_REJECTED);
		assert_string_equal(res[i].why, i == good ? why_bad : why_after);
	}
}

/* The attacker's version of @e: another time stamp (so another body),
 * signed by a key of its own. */
static void forge(struct ev *e)
{
	struct tdev mallory;

	e->body[SZKM_EV_OFF_TIME + 7] ^= 1;
	assert_int_equal(tdev_init(&mallory, NULL), 0);
	assert_int_equal(tev_sign(mallory.key, e->body, e->len, e->sig), 0);
	tdev_free(&mallory);
}

static void genuine_run_costs_one_verify(void **state)
{
	struct fixture *f = *state;
	const struct ev *evs[2 * NEV];
	struct ledger_result res[2 * NEV];
	size_t alone;

	for (int i = 0; i < NEV; i++)
		evs[i] = &f->ev[i];
	assert_int_equal(judge_both(f, evs, NEV, res, &alone), 1);
	assert_int_equal(alone, NEV);
	assert_verdicts(res, NEV, NEV, NULL, NULL);
}

/* Two devices' chains interleaved, fed by @mode: a run each. */
static void interleaved_run(struct fixture *f, enum mode mode)
{
	const struct ev *evs[2 * NEV];
	struct ledger_result res[2 * NEV];
	size_t alone;

	for (int i = 0; i < NEV; i++) {
		evs[2 * i] = &f->ev[i];
		evs[2 * i + 1] = &f->ev2[i];
	}
	assert_int_equal(judge_by(f, mode, evs, 2 * NEV, res, &alone), 2);
	assert_int_equal(alone, 2 * NEV);
	assert_verdicts(res, 2 * NEV, 2 * NEV, NULL, NULL);
}

/* From the kernel's channel: one verify each. */
static void interleaved_devices_cost_one_verify_each(void **state)
{
	interleaved_run(*state, OWN_CHANNEL);
}

/*
 * The attacker forges event 5 of 10 and re-chains 6..10 to its forgery
 * (their prev hash now the forged body's; it cannot re-sign them), so
 * the batch is one run whose last signature fails: each event is then
 * verified alone, 1..4 are appended, 5..10 refused as unbatched.
 */
static void forged_event_mid_run_is_refused_with_all_after(void **state)
{
	struct fixture *f = *state;
	struct ev bad[NEV];
	const struct ev *evs[NEV];
	struct ledger_result res[NEV];
	uint8_t h[32];
	size_t alone, v;

	memcpy(bad, f->ev, sizeof(bad));
	forge(&bad[4]);
	for (int i = 5; i < NEV; i++) {
		assert_int_equal(tev_link(bad[i - 1].body, bad[i - 1].len,
					  bad[i - 1].sig, h), 0);
		memcpy(bad[i].body + SZKM_EV_OFF_PREV, h, 32);
	}
	for (int i = 0; i < NEV; i++)
		evs[i] = &bad[i];
	v = judge_both(f, evs, NEV, res, &alone);
	assert_int_equal(v, NEV);	/* the run's last, then each other */
	assert_verdicts(res, NEV, 4, "bad-signature", "bad-signature");
	assert_int_equal(ledger_size(f->run), 2 + 4);
}

/*
 * The attacker forges event 5 of 10 but leaves 6..10 genuine: 6's valid
 * signature covers a prev hash of the genuine 5, not of the forgery, so
 * it vouches for nothing the attacker made. 5 is refused for its own
 * signature, 6..10 for the gap it leaves, as unbatched.
 */
static void forged_event_before_a_valid_one_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ev bad[NEV];
	const struct ev *evs[NEV];
	struct ledger_result res[NEV];
	size_t alone;

	memcpy(bad, f->ev, sizeof(bad));
	forge(&bad[4]);
	for (int i = 0; i < NEV; i++)
		evs[i] = &bad[i];
	judge_both(f, evs, NEV, res, &alone);
	assert_verdicts(res, NEV, 4, "bad-signature", "seq-gap");
	assert_int_equal(ledger_size(f->run), 2 + 4);
	/* The genuine rest afterwards: appended by both, one verify. */
	for (int i = 4; i < NEV; i++)
		evs[i - 4] = &f->ev[i];
	assert_int_equal(judge_both(f, evs, NEV - 4, res, &alone), 1);
	assert_verdicts(res, NEV - 4, NEV - 4, NULL, NULL);
}

/*
 * The kernel's replay after a restart: events the ledger holds, then new
 * ones, in one run (duplicates acknowledged, the rest appended); then a
 * run whose last event is the forgery: the others appended, it refused.
 */
static void replayed_prefix_and_forged_last_event(void **state)
{
	struct fixture *f = *state;
	struct ledger_result res[NEV];
	const struct ev *evs[NEV];
	struct ev last;
	size_t alone;

	for (int i = 0; i < 3; i++)
		evs[i] = &f->ev[i];
	judge_both(f, evs, 3, res, &alone);
	for (int i = 0; i < 6; i++)
		evs[i] = &f->ev[i];
	assert_int_equal(judge_both(f, evs, 6, res, &alone), 1);
	for (int i = 0; i < 6; i++)
		assert_int_equal(res[i].verdict,
				 i < 3 ? LEDGER_DUPLICATE : LEDGER_APPENDED);
	last = f->ev[NEV - 1];
	forge(&last);
	for (int i = 6; i < NEV - 1; i++)
		evs[i - 6] = &f->ev[i];
	evs[NEV - 7] = &last;
	judge_both(f, evs, NEV - 6, res, &alone);
	assert_verdicts(res, NEV - 6, NEV - 7, "bad-signature", NULL);
	assert_int_equal(ledger_size(f->run), 2 + NEV - 1);
}

/*
 * A feeder other than the signer (root on the control socket, a lying
 * node writing into etcd) keeps the genuine format-3 bodies and replaces
 * the stored signature bytes of event 5. Event 6 names event 5's link,
 * which covers its signature, so it no longer chains: the run ends at 5,
 * whose own signature is verified and fails. Judged by run from that
 * feeder: the verdicts of one verify per event (1..4 appended, 5
 * bad-signature, 6..10 seq-gap), nothing with a swapped signature stored.
 */
static void substituted_signature_from_a_feeder_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ledger_result res[NEV];
	struct ev bad[NEV];
	const struct ev *evs[NEV];
	size_t alone, v;

	memcpy(bad, f->ev, sizeof(bad));
	bad[4].sig[10] ^= 0x40;
	for (int i = 0; i < NEV; i++)
		evs[i] = &bad[i];
	v = judge_by(f, FEEDER, evs, NEV, res, &alone);
	assert_int_equal(alone, NEV);
	/* 1..5 a run whose last fails (5, then 1..4 alone), 6..10 a run. */
	assert_int_equal(v, 5 + 1);
	assert_verdicts(res, NEV, 4, "bad-signature", "seq-gap");
	assert_int_equal(ledger_size(f->run), 2 + 4);
}

/*
 * The same feeder also re-chains 6..10 to the swapped signature's link
 * (it cannot re-sign them): one run whose last signature fails, so each
 * is verified alone: 5..10 refused, as unbatched.
 */
static void substituted_signature_rechained_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ledger_result res[NEV];
	struct ev bad[NEV];
	const struct ev *evs[NEV];
	size_t alone;

	memcpy(bad, f->ev, sizeof(bad));
	bad[4].sig[10] ^= 0x40;
	for (int i = 5; i < NEV; i++)
		assert_int_equal(tev_link(bad[i - 1].body, bad[i - 1].len,
					  bad[i - 1].sig,
					  bad[i].body + SZKM_EV_OFF_PREV), 0);
	for (int i = 0; i < NEV; i++)
		evs[i] = &bad[i];
	assert_int_equal(judge_by(f, FEEDER, evs, NEV, res, &alone), NEV);
	assert_verdicts(res, NEV, 4, "bad-signature", "bad-signature");
	assert_int_equal(ledger_size(f->run), 2 + 4);
}

/* Format 3 from any feeder (the control socket, etcd): the same. */
static void feeder_run_of_format3_costs_one_verify(void **state)
{
	interleaved_run(*state, FEEDER);
}

/*
 * Format 2 (an older kernel's) links bodies only: from a feeder each
 * signature is verified alone, from the kernel's channel by run. The
 * attacker that rule keeps out: a feeder swapping a format-2 event's
 * signature, which no later signature covers.
 */
static void format2_runs_only_on_the_kernels_channel(void **state)
{
	struct fixture *f = *state;
	const struct ev *evs[NEV];
	struct ledger_result res[NEV];
	struct ev old[NEV], old2[NEV], bad[NEV];
	size_t alone;

	chain_of(&f->dev, 2, old, NEV);
	chain_of(&f->dev2, 2, old2, NEV);
	for (int i = 0; i < NEV; i++)
		evs[i] = &old[i];
	assert_int_equal(judge_by(f, FEEDER, evs, NEV, res, &alone), NEV);
	assert_verdicts(res, NEV, NEV, NULL, NULL);
	/* The feeder swaps event 5's signature: 6 still chains to 5's body,
	 * yet nothing vouches for 5's signature but its own verify. */
	memcpy(bad, old2, sizeof(bad));
	bad[4].sig[10] ^= 0x40;
	for (int i = 0; i < NEV; i++)
		evs[i] = &bad[i];
	assert_int_equal(judge_by(f, FEEDER, evs, NEV, res, &alone), NEV);
	assert_verdicts(res, NEV, 4, "bad-signature", "seq-gap");
	/* The genuine rest from the kernel's own channel: one run. */
	for (int i = 4; i < NEV; i++)
		evs[i - 4] = &old2[i];
	assert_int_equal(judge_by(f, OWN_CHANNEL, evs, NEV - 4, res, &alone), 1);
	assert_verdicts(res, NEV - 4, NEV - 4, NULL, NULL);
}

/*
 * A kernel upgraded mid-chain: format 2 events, then format 3 ones whose
 * first names the last format-2 body's hash. Accepted by run and alone
 * alike; from a feeder the format-2 part costs a verify each.
 */
static void format2_then_format3_chain_is_accepted(void **state)
{
	struct fixture *f = *state;
	const struct ev *evs[NEV];
	struct ledger_result res[NEV];
	struct ev mixed[NEV];
	struct tdev c = f->dev;	/* the same key, not freed here */
	size_t alone;

	c.seq = 0;
	memset(c.head, 0, sizeof(c.head));
	for (int i = 0; i < NEV; i++) {
		c.format = i < NEV / 2 ? 2 : 3;
		mixed[i].len = tdev_next(&c, 3, mixed[i].body, mixed[i].sig);
		assert_true(mixed[i].len > 0);
		assert_int_equal(mixed[i].body[4], c.format);
		evs[i] = &mixed[i];
	}
	/* 1..5 alone (format 2, a feeder), 6..10 one run. */
	assert_int_equal(judge_by(f, FEEDER, evs, NEV, res, &alone), NEV / 2 + 1);
	assert_int_equal(alone, NEV);
	assert_verdicts(res, NEV, NEV, NULL, NULL);
}

/*
 * A format-3 event whose prev hash is its predecessor's body hash (the
 * format-2 rule, not the link), signed by D itself: refused with
 * prev-hash-mismatch, by run and alone. The attacker it stands for: a
 * feeder that names events by their bodies so as to swap signatures
 * later.
 */
static void format3_naming_a_body_hash_is_refused(void **state)
{
	struct fixture *f = *state;
	const struct ev *evs[3];
	struct ledger_result res[3];
	struct ev e[3];
	uint8_t h[32];
	size_t alone;

	memcpy(e, f->ev, sizeof(e));
	assert_int_equal(tev_sha256(e[1].body, e[1].len, h), 0);
	memcpy(e[2].body + SZKM_EV_OFF_PREV, h, 32);
	assert_int_equal(tev_sign(f->dev.key, e[2].body, e[2].len, e[2].sig), 0);
	for (int i = 0; i < 3; i++)
		evs[i] = &e[i];
	judge_by(f, FEEDER, evs, 3, res, &alone);
	assert_verdicts(res, 3, 2, "prev-hash-mismatch", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(genuine_run_costs_one_verify,
						setup, teardown),
		cmocka_unit_test_setup_teardown(interleaved_devices_cost_one_verify_each,
						setup, teardown),
		cmocka_unit_test_setup_teardown(forged_event_mid_run_is_refused_with_all_after,
						setup, teardown),
		cmocka_unit_test_setup_teardown(forged_event_before_a_valid_one_is_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(replayed_prefix_and_forged_last_event,
						setup, teardown),
		cmocka_unit_test_setup_teardown(substituted_signature_from_a_feeder_is_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(substituted_signature_rechained_is_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(feeder_run_of_format3_costs_one_verify,
						setup, teardown),
		cmocka_unit_test_setup_teardown(format2_runs_only_on_the_kernels_channel,
						setup, teardown),
		cmocka_unit_test_setup_teardown(format2_then_format3_chain_is_accepted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(format3_naming_a_body_hash_is_refused,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("ledger_batch", tests, NULL, NULL);
}
