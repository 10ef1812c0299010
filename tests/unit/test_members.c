// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_members.c - membership entries (ledgerd/entry.h, type 3) and the
 * rule that admits them (ledger_may_change_members, admit.c), without a
 * store: a table of entries against the membership in force, each row
 * named for the attack or case it covers, the decoder's refusals, and the
 * rule's purity; and the enrolment rule (type 1 before a membership,
 * type 4 with k approvals after).
 *
 * Four test node keys; the genesis is {0, 1, 2} with k = 2, configured.
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

#include "admit.h"
#include "test_ledger_util.h"

#define ORIGIN	"test.example/ledger"
#define NKEYS	4

static struct tdev node[NKEYS];

struct built {
	struct ledger_members m;
	uint8_t data[LEDGER_ENTRY_MAX_LEN];
	size_t len;
	uint8_t leaf[32];
};

/* The membership of @keys (indices into node[], -1 ends) with @k. */
static void members_of(struct ledger_members *m, uint64_t epoch, int k,
		       const int *keys)
{
	memset(m, 0, sizeof(*m));
	m->epoch = epoch;
	m->k = (uint8_t)k;
	for (int i = 0; keys[i] >= 0; i++) {
		snprintf(m->m[i].name, sizeof(m->m[i].name), "node-%d", keys[i]);
		memcpy(m->m[i].pub, node[keys[i]].pub, 65);
		m->n++;
	}
}

/* Encodes @b->m with approvals by @by (-1 ends) over @origin. */
static void build(struct built *b, const int *by, const char *origin)
{
	uint8_t msg[64 + LEDGER_ENTRY_MAX_LEN];
	size_t olen = strlen(origin), mlen;

	b->m.napprovals = 0;
	assert_int_equal(ledger_entry_members(&b->m, b->data, sizeof(b->data),
					      &b->len), 0);
	mlen = 19 + olen + 1 + b->m.content_len;
	memcpy(msg, "szkm-membership/v1\n", 19);
	memcpy(msg + 19, origin, olen);
	msg[19 + olen] = '\n';
	memcpy(msg + 20 + olen, b->data, b->m.content_len);
	for (int i = 0; by[i] >= 0; i++) {
		struct ledger_approval *a = &b->m.a[b->m.napprovals++];

		memcpy(a->pub, node[by[i]].pub, 65);
		assert_int_equal(tev_sign(node[by[i]].key, msg, mlen, a->sig), 0);
	}
	assert_int_equal(ledger_entry_members(&b->m, b->data, sizeof(b->data),
					      &b->len), 0);
	/* RFC 6962's leaf hash: SHA-256(0x00 || data). */
	msg[0] = 0;
	memcpy(msg + 1, b->data, b->len);
	assert_int_equal(tev_sha256(msg, 1 + b->len, b->leaf), 0);
}

static const int GEN[] = { 0, 1, 2, -1 };
static struct built genesis;		/* approved by 0 and 1 */
static struct ledger_members configured;

enum spoil { NONE, FLIP_SIG, WRONG_PREV };

struct row {
	const char *name;
	bool after_genesis;		/* else: the log has no membership */
	bool no_config;
	uint64_t epoch;
	int k;
	int keys[NKEYS + 1];
	int by[NKEYS + 1];
	const char *origin;		/* NULL: ORIGIN */
	enum spoil spoil;
	const char *want;		/* NULL: admitted */
};

static const struct row rows[] = {
	{ "genesis_as_configured_with_k_approvals", false, false, 1, 2,
	  { 0, 1, 2, -1 }, { 0, 1, -1 }, NULL, NONE, NULL },
	{ "genesis_refused_when_none_is_configured", false, true, 1, 2,
	  { 0, 1, 2, -1 }, { 0, 1, -1 }, NULL, NONE, "member-not-genesis" },
	{ "genesis_refused_unless_epoch_1", false, false, 2, 2,
	  { 0, 1, 2, -1 }, { 0, 1, -1 }, NULL, NONE, "member-not-genesis" },
	{ "genesis_other_than_configured_node_alone", false, false, 1, 1,
	  { 0, -1 }, { 0, -1 }, NULL, NONE, "member-genesis-differs" },
	{ "genesis_with_fewer_than_k_approvals", false, false, 1, 2,
	  { 0, 1, 2, -1 }, { 0, -1 }, NULL, NONE, "member-too-few-approvals" },
	{ "change_with_k_current_approvals", true, false, 2, 2,
	  { 0, 1, 3, -1 }, { 1, 2, -1 }, NULL, NONE, NULL },
	{ "change_with_one_current_approval", true, false, 2, 2,
	  { 0, 1, 3, -1 }, { 0, -1 }, NULL, NONE, "member-too-few-approvals" },
	{ "change_approved_by_the_incoming_key", true, false, 2, 2,
	  { 0, 1, 3, -1 }, { 0, 3, -1 }, NULL, NONE,
	  "member-approval-not-a-member" },
	{ "change_with_a_forged_approval", true, false, 2, 2,
	  { 0, 1, 3, -1 }, { 0, 1, -1 }, NULL, FLIP_SIG, "member-bad-approval" },
	{ "change_approved_for_another_log", true, false, 2, 2,
	  { 0, 1, 3, -1 }, { 0, 1, -1 }, "other.example/ledger", NONE,
	  "member-bad-approval" },
	{ "change_skipping_an_epoch", true, false, 3, 2,
	  { 0, 1, 3, -1 }, { 0, 1, -1 }, NULL, NONE, "member-epoch-not-next" },
	{ "change_replayed_genesis", true, false, 1, 2,
	  { 0, 1, 2, -1 }, { 0, 1, -1 }, NULL, NONE, "member-epoch-not-next" },
	{ "change_over_another_previous_entry", true, false, 2, 2,
	  { 0, 1, 3, -1 }, { 0, 1, -1 }, NULL, WRONG_PREV,
	  "member-prev-mismatch" },
};

static void rule_row(void **state)
{
	const struct row *r = *state;
	struct built b;
	const char *why;

	members_of(&b.m, r->epoch, r->k, r->keys);
	if (r->after_genesis && r->spoil != WRONG_PREV)
		memcpy(b.m.prev, genesis.leaf, 32);
	if (r->spoil == WRONG_PREV)
		b.m.prev[0] = 1;
	build(&b, r->by, r->origin ? r->origin : ORIGIN);
	if (r->spoil == FLIP_SIG)
		b.data[b.len - 1] ^= 1;
	/* What the node judges is the decoding of the bytes. */
	{
		struct ledger_entry *e = malloc(sizeof(*e));
		const char *dwhy = NULL;

		assert_non_null(e);
		assert_int_equal(ledger_entry_decode(b.data, b.len, e, &dwhy), 0);
		why = ledger_may_change_members(r->after_genesis ? &genesis.m : NULL,
						genesis.leaf,
						r->no_config ? NULL : &configured,
						&e->members, b.data, ORIGIN);
		free(e);
	}
	if (r->want)
		assert_string_equal(why ? why : "(admitted)", r->want);
	else
		assert_null(why);
}

/* An approved enrolment (type 4) of a fresh device over @over, approved
 * by @by; its decoding in @e. */
static void enrolment(struct ledger_entry *e, uint8_t *data, size_t *len,
		      const uint8_t over[32], const int *by)
{
	uint8_t msg[64 + LEDGER_ENTRY_MAX_LEN];
	size_t olen = strlen(ORIGIN), mlen;
	struct ledger_enrolment en = { .time_ns = 7 };
	const char *why = NULL;

	strcpy(en.name, "dev-x");
	memcpy(en.pubkey, node[3].pub, 65);
	memcpy(en.members, over, 32);
	assert_int_equal(ledger_entry_approved_enrolment(&en, data,
							 LEDGER_ENTRY_MAX_LEN, len), 0);
	mlen = 19 + olen + 1 + en.content_len;
	memcpy(msg, "szkm-membership/v1\n", 19);
	memcpy(msg + 19, ORIGIN, olen);
	msg[19 + olen] = '\n';
	memcpy(msg + 20 + olen, data, en.content_len);
	for (int i = 0; by[i] >= 0; i++) {
		memcpy(en.a[en.napprovals].pub, node[by[i]].pub, 65);
		assert_int_equal(tev_sign(node[by[i]].key, msg, mlen,
					  en.a[en.napprovals].sig), 0);
		en.napprovals++;
	}
	assert_int_equal(ledger_entry_approved_enrolment(&en, data,
							 LEDGER_ENTRY_MAX_LEN, len), 0);
	assert_int_equal(ledger_entry_decode(data, *len, e, &why), 0);
	assert_int_equal(e->type, LEDGER_ENTRY_ENROL_APPROVED);
}

/* Enrolment: type 1 only before a membership, type 4 only after, over
 * the membership in force, with its k approvals. */
static void enrolment_rule(void **state)
{
	struct ledger_entry *e = calloc(1, sizeof(*e));
	uint8_t data[LEDGER_ENTRY_MAX_LEN], stale[32] = { 1 };
	static const int by01[] = { 0, 1, -1 }, by0[] = { 0, -1 },
			 by03[] = { 0, 3, -1 };
	size_t len;

	(void)state;
	assert_non_null(e);
	e->type = LEDGER_ENTRY_ENROL;
	assert_null(ledger_may_enrol(NULL, NULL, e, NULL, ORIGIN));
	assert_string_equal(ledger_may_enrol(&genesis.m, genesis.leaf, e, NULL,
					     ORIGIN), "enrolment-needs-approvals");
	enrolment(e, data, &len, genesis.leaf, by01);
	assert_null(ledger_may_enrol(&genesis.m, genesis.leaf, e, data, ORIGIN));
	assert_string_equal(ledger_may_enrol(NULL, NULL, e, data, ORIGIN),
			    "enrolment-before-genesis");
	assert_string_equal(ledger_may_enrol(&genesis.m, genesis.leaf, e, data,
					     "other.example/ledger"),
			    "member-bad-approval");
	enrolment(e, data, &len, genesis.leaf, by0);
	assert_string_equal(ledger_may_enrol(&genesis.m, genesis.leaf, e, data,
					     ORIGIN), "member-too-few-approvals");
	enrolment(e, data, &len, genesis.leaf, by03);
	assert_string_equal(ledger_may_enrol(&genesis.m, genesis.leaf, e, data,
					     ORIGIN), "member-approval-not-a-member");
	enrolment(e, data, &len, stale, by01);
	assert_string_equal(ledger_may_enrol(&genesis.m, genesis.leaf, e, data,
					     ORIGIN), "enrolment-stale-membership");
	free(e);
}

/* Same inputs, same answer; nothing it reads changes. */
static void rule_is_pure(void **state)
{
	struct ledger_members cur = genesis.m;
	struct built b;
	const char *w1, *w2;
	static const int keys[] = { 0, 1, 3, -1 }, by[] = { 0, -1 };

	(void)state;
	members_of(&b.m, 2, 2, keys);
	memcpy(b.m.prev, genesis.leaf, 32);
	build(&b, by, ORIGIN);
	w1 = ledger_may_change_members(&cur, genesis.leaf, &configured, &b.m,
				       b.data, ORIGIN);
	w2 = ledger_may_change_members(&cur, genesis.leaf, &configured, &b.m,
				       b.data, ORIGIN);
	assert_string_equal(w1, w2);
	assert_memory_equal(&cur, &genesis.m, sizeof(cur));
}

/* Malformed entries the decoder refuses, with their reasons. */
static void decoder_refuses(void **state)
{
	struct ledger_entry *e = malloc(sizeof(*e));
	uint8_t d[LEDGER_ENTRY_MAX_LEN + 1];
	const char *why;
	size_t n = genesis.len;

	(void)state;
	assert_non_null(e);
	memcpy(d, genesis.data, n);
	d[n] = 0;	/* a byte too many */
	assert_int_equal(ledger_entry_decode(d, n + 1, e, &why), -EBADMSG);
	assert_string_equal(why, "bad-approvals-length");
	assert_int_equal(ledger_entry_decode(d, n - 1, e, &why), -EBADMSG);
	assert_string_equal(why, "bad-approvals-length");
	assert_int_equal(ledger_entry_decode(d, 30, e, &why), -EBADMSG);
	assert_string_equal(why, "bad-membership-length");
	d[41] = 4;	/* k > n */
	assert_int_equal(ledger_entry_decode(d, n, e, &why), -EBADMSG);
	assert_string_equal(why, "member-bad-threshold");
	d[41] = 2;
	d[42] = 0;	/* no member */
	assert_int_equal(ledger_entry_decode(d, n, e, &why), -EBADMSG);
	assert_string_equal(why, "member-bad-count");
	d[42] = 3;
	/* The second approval's key made the first's: approved twice. */
	memcpy(d + n - 129, d + n - 258, 65);
	assert_int_equal(ledger_entry_decode(d, n, e, &why), -EBADMSG);
	assert_string_equal(why, "member-approval-twice");
	/* A member twice (node-1's key where node-2's is). */
	memcpy(d, genesis.data, n);
	memcpy(d + genesis.m.content_len - 65, genesis.m.m[1].pub, 65);
	assert_int_equal(ledger_entry_decode(d, n, e, &why), -EBADMSG);
	assert_string_equal(why, "member-twice");
	/* The encoder refuses what the decoder would. */
	e->members = genesis.m;
	e->members.k = 0;
	assert_int_equal(ledger_entry_members(&e->members, d, sizeof(d), &n),
			 -EINVAL);
	free(e);
}

int main(void)
{
	enum { NROWS = sizeof(rows) / sizeof(rows[0]), NFIXED = 3 };
	struct CMUnitTest tests[NFIXED + NROWS] = {
		cmocka_unit_test(rule_is_pure),
		cmocka_unit_test(decoder_refuses),
		cmocka_unit_test(enrolment_rule),
	};
	static const int by01[] = { 0, 1, -1 };
	int ret;

	for (int i = 0; i < NKEYS; i++)
		if (tdev_init(&node[i], NULL))
			return 1;
	members_of(&configured, 1, 2, GEN);
	members_of(&genesis.m, 1, 2, GEN);
	build(&genesis, by01, ORIGIN);
	/* One case a row, named for it. */
	for (size_t i = 0; i < NROWS; i++) {
		struct CMUnitTest *t = &tests[NFIXED + i];

		*t = (struct CMUnitTest)cmocka_unit_test_prestate(rule_row,
								  (void *)&rows[i]);
		t->name = rows[i].name;
	}
	ret = _cmocka_run_group_tests("ledger_members", tests, NFIXED + NROWS,
				      NULL, NULL);
	for (int i = 0; i < NKEYS; i++)
		tdev_free(&node[i]);
	return ret;
}
