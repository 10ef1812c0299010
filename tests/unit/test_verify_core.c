// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_verify_core.c - libszkm's verifier core (userspace/lib/verify_core.c)
 * against a ledger in memory (mem_ledger.h): an honest key verifies and
 * its versions replay as the kernel applies them; each lie of a node is
 * refused with its own errno and a reason naming what failed: a checkpoint
 * signed by no configured key or by too few, one that forks or rolls back
 * the one seen before, an entry changed after the checkpoint, an event
 * its device did not sign.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "libszkm.h"
#include "mem_ledger.h"

static const uint8_t KEY_ID[SZKM_KEY_ID_LEN] = { 0x6b, 0x65, 0x79, 1 };

/* A ledger, its device and the verifier's trust in the ledger's key. */
struct fixture {
	struct mem_ledger l;
	struct tdev d;
	struct szkm_trust t;
	struct szkm_ledger_source src;
	uint64_t first;		/* the key's first entry */
};

/* The device's next event: a key event of the key, or @e as it is. */
static uint64_t event(struct fixture *f, struct tev e)
{
	if (e.type != SZKM_EV_DEVICE_INIT) {
		memcpy(e.key_id, KEY_ID, sizeof(KEY_ID));
		e.name = "signer";
		e.alg = SZKM_ALG_ECDSA_P256;
		e.pub = f->d.pub;	/* any point will do */
		e.origin = SZKM_ORIGIN_GENERATED;
	}
	return ml_chain(&f->l, &f->d, e);
}

static struct tev key_event(uint8_t type, uint32_t version, uint8_t state)
{
	return (struct tev){ .type = type, .version = version, .state = state,
			     .ledger = SZKM_LEDGER_REQUIRED };
}

/* Enrolment, device init, then the key: v1 and v2 made pending (each
 * activated by its proof), v1 destroyed, v3 made pending. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char vkey[512];
	const char *vkeys[] = { vkey };

	assert_non_null(f);
	assert_int_equal(ml_init(&f->l, "EC", "test.example/ledger"), 0);
	assert_int_equal(tdev_init(&f->d, NULL), 0);
	ml_filler(&f->l);
	ml_enrol(&f->l, &f->d);
	event(f, (struct tev){ .type = SZKM_EV_DEVICE_INIT, .pub = f->d.pub });
	f->first = event(f, key_event(SZKM_EV_KEY_CREATE, 1, SZKM_VS_PENDING));
	event(f, key_event(SZKM_EV_KEY_ROTATE, 2, SZKM_VS_PENDING));
	ml_filler(&f->l);
	event(f, key_event(SZKM_EV_KEY_DESTROY, 1, SZKM_VS_DESTROYED));
	event(f, key_event(SZKM_EV_KEY_ROTATE, 3, SZKM_VS_PENDING));
	assert_int_equal(ml_sign(&f->l), 0);
	assert_int_equal(ml_vkey(&f->l, vkey, sizeof(vkey)), 0);
	assert_int_equal(szkm_trust_init(&f->t, vkeys, 1, 0), 0);
	f->src = ml_source(&f->l);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	szkm_trust_clear(&f->t);
	tdev_free(&f->d);
	ml_free(&f->l);
	free(f);
	return 0;
}

/* Runs the core; on success also hands back the checkpoint to keep. */
static int run(struct fixture *f, const struct ledger_checkpoint *old,
	       struct szkm_verified_key **vk, struct ledger_checkpoint *kept)
{
	char *note = NULL;
	size_t len = 0;
	int ret;

	*vk = NULL;
	ret = szkm_verify_run(&f->t, &f->src, old, KEY_ID, vk, &note, &len);
	if (!ret && kept)
		assert_int_equal(szkm_checkpoint_read(note, len, kept), 0);
	free(note);
	return ret;
}

static void assert_refused(struct fixture *f, const struct ledger_checkpoint *old, int err,
			   const char *why)
{
	struct szkm_verified_key *vk;

	assert_int_equal(run(f, old, &vk, NULL), err);
	assert_null(vk);
	if (!strstr(szkm_verify_message(), why))
		fail_msg("said '%s', not '%s'", szkm_verify_message(), why);
}

static void honest_key_verifies_with_replayed_versions(void **state)
{
	static const uint8_t want_state[] = { SZKM_VS_DESTROYED, SZKM_VS_DECRYPT_ONLY, SZKM_VS_ACTIVE };
	/* Until v3's proof reaches the kernel: v3 pending, v2 still active. */
	static const uint8_t want_before[] = { SZKM_VS_DESTROYED, SZKM_VS_ACTIVE, SZKM_VS_PENDING };
	struct fixture *f = *state;
	struct szkm_verified_key *vk;

	assert_int_equal(run(f, NULL, &vk, NULL), 0);
	assert_int_equal(vk->nevents, 4);
	assert_int_equal(vk->events[0].index, f->first);
	assert_int_equal(vk->events[0].seq, 2);
	assert_string_equal(vk->name, "signer");
	assert_int_equal(vk->alg, SZKM_ALG_ECDSA_P256);
	assert_memory_equal(vk->device_id, f->d.id, 32);
	assert_int_equal(vk->size, ledger_merkle_size(f->l.t));
	assert_int_equal(vk->signers, 1);
	assert_int_equal(vk->threshold, 1);
	assert_false(vk->has_previous);
	assert_int_equal(vk->nversions, 3);
	assert_int_equal(vk->active, 3);
	for (uint32_t i = 0; i < 3; i++) {
		const struct szkm_verified_version *v = szkm_verified_version(vk, i + 1);

		assert_non_null(v);
		assert_int_equal(v->state, want_state[i]);
		assert_int_equal(v->before, want_before[i]);
		assert_true(v->has_pub);
		assert_memory_equal(v->pub, f->d.pub, 65);
	}
	szkm_verified_key_free(vk);
}

static void growing_ledger_is_consistent_with_the_one_seen(void **state)
{
	struct fixture *f = *state;
	struct szkm_verified_key *vk;
	struct ledger_checkpoint seen;

	assert_int_equal(run(f, NULL, &vk, &seen), 0);
	szkm_verified_key_free(vk);
	/* Retire v2 (the last change now: not applied before its proof). */
	event(f, key_event(SZKM_EV_KEY_STATE, 2, SZKM_VS_DECRYPT_ONLY));
	ml_filler(&f->l);
	assert_int_equal(ml_sign(&f->l), 0);
	assert_int_equal(run(f, &seen, &vk, NULL), 0);
	assert_true(vk->has_previous);
	assert_int_equal(vk->previous_size, seen.size);
	assert_int_equal(vk->nevents, 5);
	assert_int_equal(szkm_verified_version(vk, 3)->before, SZKM_VS_ACTIVE);
	assert_int_equal(szkm_verified_version(vk, 2)->before, SZKM_VS_DECRYPT_ONLY);
	szkm_verified_key_free(vk);
}

/* The verifier remembers what held (signatures of the checkpoint and of
 * the entries), never what a changed entry would need. */
static void second_verification_remembers_but_still_proves(void **state)
{
	struct fixture *f = *state;
	struct szkm_ledger_entry *e = ml_entry(&f->l, f->first + 1);
	struct szkm_verified_key *vk;

	assert_int_equal(run(f, NULL, &vk, NULL), 0);
	szkm_verified_key_free(vk);
	assert_non_null(f->t.seen);
	assert_non_null(f->t.device_key);
	assert_int_equal(f->t.nsigned, 4);
	e->data[40] ^= 1;
	assert_refused(f, NULL, -EUCLEAN, "inclusion proof does not lead to the checkpoint's root");
	e->data[40] ^= 1;
	assert_int_equal(run(f, NULL, &vk, NULL), 0);
	assert_int_equal(vk->nevents, 4);
	assert_int_equal(f->t.nsigned, 4);
	szkm_verified_key_free(vk);
}

static void checkpoint_by_unknown_key_refused(void **state)
{
	struct fixture *f = *state;
	struct mem_ledger other;
	char vkey[512];
	const char *vkeys[] = { vkey };

	assert_int_equal(ml_init(&other, "ED25519", "test.example/other"), 0);
	assert_int_equal(ml_vkey(&other, vkey, sizeof(vkey)), 0);
	szkm_trust_clear(&f->t);
	assert_int_equal(szkm_trust_init(&f->t, vkeys, 1, 0), 0);
	assert_refused(f, NULL, -ENOKEY, "checkpoint: signed by 0 of the configured keys, 1 needed");
	ml_free(&other);
}

static void checkpoint_below_threshold_refused(void **state)
{
	struct fixture *f = *state;
	struct szkm_verified_key *vk;
	struct mem_ledger other;
	char vkey[512], vkey2[512];
	const char *vkeys[] = { vkey, vkey2 };

	assert_int_equal(ml_init(&other, "ED25519", "test.example/other"), 0);
	assert_int_equal(ml_vkey(&f->l, vkey, sizeof(vkey)), 0);
	assert_int_equal(ml_vkey(&other, vkey2, sizeof(vkey2)), 0);
	szkm_trust_clear(&f->t);
	assert_int_equal(szkm_trust_init(&f->t, vkeys, 2, 0), 0);	/* a majority: 2 */
	assert_refused(f, NULL, -ENOKEY, "checkpoint: signed by 1 of the configured keys, 2 needed");
	szkm_trust_clear(&f->t);
	assert_int_equal(szkm_trust_init(&f->t, vkeys, 2, 1), 0);
	assert_int_equal(run(f, NULL, &vk, NULL), 0);
	assert_int_equal(vk->signers, 1);
	szkm_verified_key_free(vk);
	ml_free(&other);
}

static void trust_refuses_bad_keys_and_threshold(void **state)
{
	struct fixture *f = *state;
	struct szkm_trust t;
	char vkey[512];
	const char *twice[] = { vkey, vkey }, *junk[] = { "junk" };

	(void)f;
	assert_int_equal(ml_vkey(&f->l, vkey, sizeof(vkey)), 0);
	assert_int_equal(szkm_trust_init(&t, twice, 2, 0), -EINVAL);
	assert_non_null(strstr(szkm_verify_message(), "is given twice"));
	szkm_trust_clear(&t);
	assert_int_equal(szkm_trust_init(&t, junk, 1, 0), -EINVAL);
	assert_non_null(strstr(szkm_verify_message(), "'junk': not a verifier key"));
	szkm_trust_clear(&t);
	assert_int_equal(szkm_trust_init(&t, twice, 1, 2), -EINVAL);
	assert_non_null(strstr(szkm_verify_message(), "threshold 2"));
	szkm_trust_clear(&t);
	assert_int_equal(szkm_trust_init(&t, twice, 0, 0), -EINVAL);
	szkm_trust_clear(&t);
}

static void changed_entry_fails_inclusion(void **state)
{
	struct fixture *f = *state;
	struct szkm_ledger_entry *e = ml_entry(&f->l, f->first + 1);

	e->data[40] ^= 1;	/* inside the event: the leaf no longer matches */
	assert_refused(f, NULL, -EUCLEAN, "inclusion proof does not lead to the checkpoint's root");
	e->data[40] ^= 1;
}

static void forged_device_signature_refused(void **state)
{
	struct fixture *f = *state;
	struct mem_ledger *l = &f->l;
	uint8_t body[SZKM_EVENT_MAX_LEN], sig[64];
	struct tev t = key_event(SZKM_EV_KEY_ROTATE, 4, SZKM_VS_PENDING);
	size_t n;

	/* A node that signs a tree over an event the device did not sign. */
	t.seq = f->d.seq + 1;
	memcpy(t.device_id, f->d.id, 32);
	memcpy(t.prev, f->d.head, 32);
	memcpy(t.key_id, KEY_ID, sizeof(KEY_ID));
	t.name = "signer";
	t.alg = SZKM_ALG_ECDSA_P256;
	t.pub = f->d.pub;
	n = tev_encode(&t, body);
	assert_int_equal(tev_sign(f->d.key, body, n, sig), 0);
	sig[10] ^= 1;
	ml_event(l, body, n, sig);
	assert_int_equal(ml_sign(l), 0);
	assert_refused(f, NULL, -EKEYREJECTED, "device signature invalid");
}

/* A node that serves a tree of its own (same origin, same key). */
static void forked_or_rolled_back_ledger_refused(void **state)
{
	struct fixture *f = *state;
	struct szkm_verified_key *vk;
	struct ledger_checkpoint seen, small;

	assert_int_equal(run(f, NULL, &vk, &seen), 0);
	szkm_verified_key_free(vk);
	/* Same size, another root. */
	small = seen;
	small.root[0] ^= 1;
	assert_refused(f, &small, -ESTALE, "not consistent with the one seen before");
	/* A larger tree seen before: rolled back. */
	small = seen;
	small.size = seen.size + 5;
	assert_refused(f, &small, -ESTALE, "the ledger is smaller than the checkpoint seen before");
	/* A smaller one seen before, which this tree does not extend. */
	small = seen;
	small.size = seen.size - 1;
	assert_refused(f, &small, -ESTALE, "fork");
	/* Another origin. */
	small = seen;
	snprintf(small.origin, sizeof(small.origin), "test.example/elsewhere");
	assert_refused(f, &small, -ESTALE, "another ledger");
}

static void unknown_key_is_enoent(void **state)
{
	struct fixture *f = *state;
	static const uint8_t other[SZKM_KEY_ID_LEN] = { 9 };
	struct szkm_verified_key *vk = NULL;
	char *note = NULL;
	size_t len;

	assert_int_equal(szkm_verify_run(&f->t, &f->src, NULL, other, &vk, &note, &len), -ENOENT);
	assert_null(vk);
	assert_non_null(strstr(szkm_verify_message(), "no entry in the checkpoint"));
}

/* The attacker: whoever serves the log, listing no membership entry
 * (to keep the anchor's keys trusted after the membership moved on). The
 * checkpoint's signed membership line names the epoch it withheld. */
static int no_members(void *ctx, struct szkm_ledger_entry **out, size_t *n)
{
	(void)ctx;
	*n = 0;
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void withheld_membership_refused(void **state)
{
	struct fixture *f = *state;

	ml_genesis(&f->l);
	assert_int_equal(ml_sign(&f->l), 0);
	f->src.members = no_members;
	assert_refused(f, NULL, -EUCLEAN, "but the ledger showed none, epoch 0: a membership entry was withheld");
}

/* A membership after the device's enrolment: followed from the anchor
 * (the node key, k = 1), and the checkpoint verified under it. */
static void membership_after_enrolment_followed(void **state)
{
	struct fixture *f = *state;
	struct szkm_verified_key *vk;

	ml_genesis(&f->l);
	assert_int_equal(ml_sign(&f->l), 0);
	assert_int_equal(run(f, NULL, &vk, NULL), 0);
	assert_int_equal(vk->threshold, 1);
	szkm_verified_key_free(vk);
}

/*
 * A lying node serves a ledger in which a device was enrolled the old way
 * (type 1, no approvals) after the membership took force: refused, though
 * the checkpoint is signed and every proof holds.
 */
static void unapproved_enrolment_after_membership_refused(void **state)
{
	struct fixture *f = *state, g = { 0 };
	char vkey[512];
	const char *vkeys[] = { vkey };

	(void)f;
	assert_int_equal(ml_init(&g.l, "EC", "test.example/ledger"), 0);
	assert_int_equal(tdev_init(&g.d, NULL), 0);
	ml_genesis(&g.l);
	ml_enrol(&g.l, &g.d);
	event(&g, (struct tev){ .type = SZKM_EV_DEVICE_INIT, .pub = g.d.pub });
	event(&g, key_event(SZKM_EV_KEY_CREATE, 1, SZKM_VS_PENDING));
	assert_int_equal(ml_sign(&g.l), 0);
	assert_int_equal(ml_vkey(&g.l, vkey, sizeof(vkey)), 0);
	assert_int_equal(szkm_trust_init(&g.t, vkeys, 1, 0), 0);
	g.src = ml_source(&g.l);
	assert_refused(&g, NULL, -EKEYREJECTED,
		       "an enrolment without the members' approvals in a ledger with a membership");
	szkm_trust_clear(&g.t);
	tdev_free(&g.d);
	ml_free(&g.l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(honest_key_verifies_with_replayed_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(growing_ledger_is_consistent_with_the_one_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(second_verification_remembers_but_still_proves, setup, teardown),
		cmocka_unit_test_setup_teardown(checkpoint_by_unknown_key_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(checkpoint_below_threshold_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(trust_refuses_bad_keys_and_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(changed_entry_fails_inclusion, setup, teardown),
		cmocka_unit_test_setup_teardown(forged_device_signature_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(forked_or_rolled_back_ledger_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_key_is_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(membership_after_enrolment_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(withheld_membership_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(unapproved_enrolment_after_membership_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
