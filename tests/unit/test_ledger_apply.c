// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_ledger_apply.c - what the multi-node ledger adds to ledger.c:
 * a follower that applies a writer's entries (ledger_apply_entry) gets
 * the same tree; an entry that breaks the rule (bad signature, a
 * duplicate, a non-canonical encoding) is refused; ledger_abort undoes a
 * batch (events and enrolments) so that it can be judged again, and the
 * store passes its integrity check after.
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

struct node {
	char dir[64], db[128], err[512];
	struct ledger_note_key key;
	struct ledger *l;
};

struct fixture {
	struct node a, b;	/* the writer, a follower */
	struct tdev dev;
};

static int node_open(struct node *n)
{
	struct ledger_options o = {
		.db_path = n->db,
		.origin = "test.example/log",
		.key = &n->key,
		.store_flags = LEDGER_STORE_NOSYNC,
	};

	return ledger_open(&n->l, &o, n->err, sizeof(n->err));
}

static int node_init(struct node *n)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	strcpy(n->dir, "/tmp/ledger-apply-XXXXXX");
	if (!k || !mkdtemp(n->dir))
		return -1;
	snprintf(n->db, sizeof(n->db), "%s/l.db", n->dir);
	if (ledger_note_key_init(&n->key, "test.example/log",
				 LEDGER_NOTE_SIG_ED25519, k))
		return -1;
	EVP_PKEY_free(k);
	return node_open(n);
}

static int node_free(struct node *n)
{
	ledger_close(n->l);
	ledger_note_key_clear(&n->key);
	return tdir_remove(n->dir);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || node_init(&f->a) || node_init(&f->b) || tdev_init(&f->dev, NULL))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int ret = node_free(&f->a) | node_free(&f->b);

	tdev_free(&f->dev);
	free(f);
	return ret;
}

/* The entries of the writer's open batch, applied by the follower. */
static int apply_to_b(void *arg, const struct ledger_store_entry *e)
{
	struct fixture *f = arg;
	struct ledger_result res;

	assert_int_equal(ledger_apply_entry(f->b.l, e->index, e->data, e->len,
					    false, &res), 0);
	assert_int_equal(res.verdict, LEDGER_APPENDED);
	assert_int_equal(res.index, e->index);
	return 0;
}

static void enrol_and_events(struct fixture *f, int n)
{
	uint8_t body[SZKM_EVENT_MAX_LEN], sig[64];
	struct ledger_result res;

	assert_int_equal(ledger_begin(f->a.l), 0);
	assert_int_equal(ledger_begin(f->b.l), 0);
	if (!f->dev.seq) {
		assert_int_equal(ledger_enrol(f->a.l, "dev", f->dev.pub, 5, &res), 0);
		assert_int_equal(res.verdict, LEDGER_APPENDED);
	}
	for (int i = 0; i < n; i++) {
		size_t len = tdev_next(&f->dev, 2, body, sig);

		assert_int_equal(ledger_add_event(f->a.l, body, len, sig, &res), 0);
		assert_int_equal(res.verdict, LEDGER_APPENDED);
	}
	assert_int_equal(ledger_pending(f->a.l, apply_to_b, f), 0);
	assert_int_equal(ledger_commit(f->a.l, true), 0);
	assert_int_equal(ledger_commit(f->b.l, true), 0);
}

static void assert_same_root(struct fixture *f)
{
	uint8_t ra[32], rb[32];

	assert_int_equal(ledger_size(f->a.l), ledger_size(f->b.l));
	assert_int_equal(ledger_root(f->a.l, ledger_size(f->a.l), ra), 0);
	assert_int_equal(ledger_root(f->b.l, ledger_size(f->b.l), rb), 0);
	assert_memory_equal(ra, rb, 32);
}

static void follower_gets_the_same_tree(void **state)
{
	struct fixture *f = *state;

	enrol_and_events(f, 5);
	enrol_and_events(f, 7);
	assert_int_equal(ledger_size(f->b.l), 13);
	assert_same_root(f);
}

/* Leaf data of the device's next event, signature spoilt on request. */
static size_t next_entry(struct fixture *f, bool spoil, uint8_t *out)
{
	uint8_t body[SZKM_EVENT_MAX_LEN], sig[64];
	size_t len = tdev_next(&f->dev, 2, body, sig), n;

	sig[7] ^= spoil;
	assert_int_equal(ledger_entry_event(body, len, sig, out,
					    LEDGER_ENTRY_MAX_LEN, &n), 0);
	return n;
}

static void follower_refuses_invalid_entries(void **state)
{
	struct fixture *f = *state;
	uint8_t e[LEDGER_ENTRY_MAX_LEN], dup[LEDGER_ENTRY_MAX_LEN];
	struct ledger_result res;
	struct tdev saved;
	size_t n, dn;

	enrol_and_events(f, 3);
	assert_int_equal(ledger_begin(f->b.l), 0);
	saved = f->dev;
	n = next_entry(f, true, e);
	assert_int_equal(ledger_apply_entry(f->b.l, 4, e, n, false, &res), 0);
	assert_int_equal(res.verdict, LEDGER_REJECTED);
	assert_string_equal(res.why, "bad-signature");
	/* A truncated entry, an index that is not the next one. */
	assert_int_equal(ledger_apply_entry(f->b.l, 4, e, n - 1, false, &res), 0);
	assert_int_equal(res.verdict, LEDGER_REJECTED);
	assert_int_equal(ledger_apply_entry(f->b.l, 9, e, n, false, &res), -EINVAL);
	/* The real one passes; then itself again is a duplicate. */
	f->dev = saved;
	dn = next_entry(f, false, dup);
	assert_int_equal(ledger_apply_entry(f->b.l, 4, dup, dn, false, &res), 0);
	assert_int_equal(res.verdict, LEDGER_APPENDED);
	assert_int_equal(ledger_apply_entry(f->b.l, 5, dup, dn, false, &res), 0);
	assert_int_equal(res.verdict, LEDGER_REJECTED);
	assert_string_equal(res.why, "duplicate-entry");
	assert_int_equal(ledger_commit(f->b.l, true), 0);
	assert_int_equal(ledger_size(f->b.l), 5);
}

static void abort_undoes_a_batch(void **state)
{
	struct fixture *f = *state;
	uint8_t body[3][SZKM_EVENT_MAX_LEN], sig[3][64], pub2[65];
	struct ledger_result res;
	struct tdev dev2;
	size_t len[3];
	uint64_t seq;

	enrol_and_events(f, 2);
	assert_int_equal(tdev_init(&dev2, NULL), 0);
	memcpy(pub2, dev2.pub, 65);
	for (int i = 0; i < 3; i++)
		len[i] = tdev_next(&f->dev, 2, body[i], sig[i]);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(ledger_begin(f->a.l), 0);
		for (int i = 0; i < 3; i++) {
			assert_int_equal(ledger_add_event(f->a.l, body[i], len[i],
							  sig[i], &res), 0);
			assert_int_equal(res.verdict, LEDGER_APPENDED);
			assert_int_equal(res.index, 3 + i);
		}
		assert_int_equal(ledger_enrol(f->a.l, "dev2", pub2, 9, &res), 0);
		assert_int_equal(res.verdict, LEDGER_APPENDED);
		if (round == 0) {
			assert_int_equal(ledger_abort(f->a.l), 0);
			assert_int_equal(ledger_size(f->a.l), 3);
			assert_int_equal(ledger_device_head(f->a.l, f->dev.id, &seq), 0);
			assert_int_equal(seq, 2);
			assert_int_equal(ledger_device_head(f->a.l, dev2.id, &seq), -ENOENT);
		}
	}
	assert_int_equal(ledger_commit(f->a.l, true), 0);
	assert_int_equal(ledger_size(f->a.l), 7);
	/* What is on disk passes the check at open. */
	ledger_close(f->a.l);
	f->a.l = NULL;
	assert_int_equal(node_open(&f->a), 0);
	assert_int_equal(ledger_size(f->a.l), 7);
	tdev_free(&dev2);
}

/* The writer's open batch as a follower's chunk (copies). */
struct chunk {
	uint8_t data[16][LEDGER_ENTRY_MAX_LEN];
	struct ledger_apply_item it[16];
	size_t n;
};

static int take_chunk(void *arg, const struct ledger_store_entry *e)
{
	struct chunk *c = arg;

	assert_true(c->n < 16);
	memcpy(c->data[c->n], e->data, e->len);
	c->it[c->n] = (struct ledger_apply_item){ e->index, c->data[c->n], e->len };
	c->n++;
	return 0;
}

/* The writer (node a) takes @n events of the device; *c gets its batch. */
static void writer_batch(struct fixture *f, int n, struct chunk *c)
{
	uint8_t body[SZKM_EVENT_MAX_LEN], sig[64];
	struct ledger_result res;

	assert_int_equal(ledger_begin(f->a.l), 0);
	if (!f->dev.seq)
		assert_int_equal(ledger_enrol(f->a.l, "dev", f->dev.pub, 5, &res), 0);
	for (int i = 0; i < n; i++) {
		size_t len = tdev_next(&f->dev, 2, body, sig);

		assert_int_equal(ledger_add_event(f->a.l, body, len, sig, &res), 0);
		assert_int_equal(res.verdict, LEDGER_APPENDED);
	}
	c->n = 0;
	assert_int_equal(ledger_pending(f->a.l, take_chunk, c), 0);
	assert_int_equal(ledger_commit(f->a.l, true), 0);
}

/*
 * A follower judges a chunk read from etcd by run: the writer's format-3
 * events of one device cost one ECDSA verify, and the same tree results.
 */
static void follower_chunk_costs_one_verify(void **state)
{
	struct fixture *f = *state;
	struct ledger_result res;
	struct chunk *c = calloc(1, sizeof(*c));
	size_t applied, verifies;

	assert_non_null(c);
	writer_batch(f, 10, c);
	assert_int_equal(c->n, 11);	/* the enrolment, then 10 events */
	assert_int_equal(ledger_begin(f->b.l), 0);
	assert_int_equal(ledger_apply_entries(f->b.l, c->it, c->n, 2, &applied,
					      &verifies, &res), 0);
	assert_int_equal(applied, 11);
	/* The events enrolled in the same chunk are checked as applied: a
	 * second chunk shows the run. */
	assert_int_equal(ledger_commit(f->b.l, true), 0);
	writer_batch(f, 10, c);
	assert_int_equal(ledger_begin(f->b.l), 0);
	assert_int_equal(ledger_apply_entries(f->b.l, c->it, c->n, 2, &applied,
					      &verifies, &res), 0);
	assert_int_equal(applied, 10);
	assert_int_equal(verifies, 1);
	assert_int_equal(ledger_commit(f->b.l, true), 0);
	assert_same_root(f);
	free(c);
}

/*
 * The attacker: a lying ledger node that writes into etcd the writer's
 * genuine events with one stored signature swapped (entry 5 of 10).
 * Judged by run, the follower refuses that entry with the verdict of one
 * verify per entry (bad-signature) and takes exactly the entries before
 * it; and swapping the last event's signature (nothing after it covers
 * it) is refused as well, by its own verify.
 */
static void follower_chunk_refuses_a_swapped_signature(void **state)
{
	struct fixture *f = *state;
	struct ledger_result res, one;
	struct chunk *c = calloc(1, sizeof(*c));
	size_t applied, alone = 0;

	assert_non_null(c);
	enrol_and_events(f, 1);
	writer_batch(f, 10, c);
	for (int pos = 4; pos <= 9; pos += 5) {
		c->data[pos][c->it[pos].len - 1] ^= 1;	/* its signature's last byte */
		/* One verify per entry, the unbatched rule. */
		assert_int_equal(ledger_begin(f->b.l), 0);
		for (alone = 0; alone < c->n; alone++) {
			assert_int_equal(ledger_apply_entry(f->b.l, c->it[alone].index,
							    c->it[alone].data,
							    c->it[alone].len, false,
							    &one), 0);
			if (one.verdict == LEDGER_REJECTED)
				break;
		}
		assert_int_equal(ledger_abort(f->b.l), 0);
		/* By run: the same. */
		assert_int_equal(ledger_begin(f->b.l), 0);
		assert_int_equal(ledger_apply_entries(f->b.l, c->it, c->n, 2,
						      &applied, NULL, &res), 0);
		assert_int_equal(applied, (size_t)pos);
		assert_int_equal(applied, alone);
		assert_int_equal(res.verdict, LEDGER_REJECTED);
		assert_string_equal(res.why, "bad-signature");
		assert_string_equal(res.why, one.why);
		assert_int_equal(ledger_abort(f->b.l), 0);
		c->data[pos][c->it[pos].len - 1] ^= 1;
	}
	/* The genuine chunk then passes. */
	assert_int_equal(ledger_begin(f->b.l), 0);
	assert_int_equal(ledger_apply_entries(f->b.l, c->it, c->n, 2, &applied,
					      NULL, &res), 0);
	assert_int_equal(applied, 10);
	assert_int_equal(ledger_commit(f->b.l, true), 0);
	assert_same_root(f);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(follower_gets_the_same_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(follower_refuses_invalid_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(abort_undoes_a_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(follower_chunk_costs_one_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(follower_chunk_refuses_a_swapped_signature,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("ledger_apply", tests, NULL, NULL);
}
