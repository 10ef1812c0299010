// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_verify_agree.c - szkm_verify_agrees: the kernel's key against the
 * ledger's, both made by hand. Each case changes one thing of an agreeing
 * pair and says whether the kernel may still be believed and, if not,
 * what the one-line reason names.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "libszkm.h"

/*
 * The ledger: v1 destroyed, v2 decrypt-only, v3 active once v3's proof
 * reached the kernel; before it, v2 active and v3 pending.
 */
static struct szkm_verified_version versions[] = {
	{ .num = 1, .state = SZKM_VS_DESTROYED, .before = SZKM_VS_DESTROYED, .has_pub = 1 },
	{ .num = 2, .state = SZKM_VS_DECRYPT_ONLY, .before = SZKM_VS_ACTIVE, .has_pub = 1 },
	{ .num = 3, .state = SZKM_VS_ACTIVE, .before = SZKM_VS_PENDING, .has_pub = 1 },
};

/* Its events: create, rotate to v2, destroy v1, rotate to v3, a load (no change). */
static struct szkm_verified_event events[] = {
	{ .index = 4, .seq = 3, .type = SZKM_EV_KEY_CREATE, .version = 1 },
	{ .index = 9, .seq = 7, .type = SZKM_EV_KEY_ROTATE, .version = 2 },
	{ .index = 11, .seq = 9, .type = SZKM_EV_KEY_DESTROY, .version = 1 },
	{ .index = 15, .seq = 12, .type = SZKM_EV_KEY_ROTATE, .version = 3 },
	{ .index = 16, .seq = 13, .type = SZKM_EV_KEY_LOAD, .version = 3 },
};

static void ledger(struct szkm_verified_key *vk)
{
	memset(vk, 0, sizeof(*vk));
	memset(vk->device_id, 0xde, sizeof(vk->device_id));
	vk->events = events;
	vk->nevents = sizeof(events) / sizeof(events[0]);
	memset(vk->id, 0xab, sizeof(vk->id));
	strcpy(vk->name, "signer");
	vk->alg = SZKM_ALG_ECDSA_P256;
	vk->active = 3;
	for (int i = 0; i < 3; i++) {
		versions[i].pub[0] = 4;
		memset(versions[i].pub + 1, 0x10 * (i + 1), 64);
	}
	vk->versions = versions;
	vk->nversions = 3;
}

/* The kernel, with every proof in. */
static void kernel(struct szkm_key_info *k)
{
	memset(k, 0, sizeof(*k));
	k->serial = 42;
	memset(k->device_id, 0xde, sizeof(k->device_id));
	k->mark = 12;
	memset(k->id, 0xab, sizeof(k->id));
	strcpy(k->name, "signer");
	k->alg = SZKM_ALG_ECDSA_P256;
	k->active = 3;
	k->nver = 3;
	for (int i = 0; i < 3; i++) {
		k->ver[i].num = versions[i].num;
		k->ver[i].state = versions[i].state;
		k->ver[i].has_pub = 1;
		memcpy(k->ver[i].pub, versions[i].pub, 65);
	}
}

static void unchanged(struct szkm_key_info *k) { (void)k; }
static void waits_for_last_proof(struct szkm_key_info *k)
{
	k->ver[1].state = SZKM_VS_ACTIVE;
	k->ver[2].state = SZKM_VS_PENDING;
	k->active = 2;
}
static void newer_version_pending(struct szkm_key_info *k)
{
	k->ver[3] = k->ver[2];
	k->ver[3].num = 4;
	k->ver[3].state = SZKM_VS_PENDING;
	k->nver = 4;
}
static void version_missing(struct szkm_key_info *k)
{
	k->ver[1] = k->ver[2];
	k->nver = 2;
}
static void version_not_in_ledger(struct szkm_key_info *k)
{
	newer_version_pending(k);
	k->ver[3].state = SZKM_VS_ACTIVE;
}
static void state_differs(struct szkm_key_info *k) { k->ver[0].state = SZKM_VS_DECRYPT_ONLY; }
static void views_mixed(struct szkm_key_info *k) { k->ver[1].state = SZKM_VS_ACTIVE; }
static void pubkey_differs(struct szkm_key_info *k) { k->ver[1].pub[7] ^= 1; }
static void pubkey_missing(struct szkm_key_info *k) { k->ver[2].has_pub = 0; }
static void other_key_id(struct szkm_key_info *k) { k->id[15] = 0; }
static void other_name(struct szkm_key_info *k) { strcpy(k->name, "impostor"); }
static void other_alg(struct szkm_key_info *k) { k->alg = SZKM_ALG_ECDH_P256; }
static void other_device(struct szkm_key_info *k) { k->device_id[31] = 0; }
static void older_copy(struct szkm_key_info *k) { k->mark = 9; }
static void mark_not_a_change(struct szkm_key_info *k) { k->mark = 13; }
static void changed_after_checkpoint(struct szkm_key_info *k)
{
	newer_version_pending(k);
	k->mark = 14;
}
static void changed_after_checkpoint_other_view(struct szkm_key_info *k)
{
	waits_for_last_proof(k);
	k->mark = 14;
}

static const struct agree_case {
	const char *name;
	void (*change)(struct szkm_key_info *k);
	int ret;
	const char *why;
} cases[] = {
	{ "equal", unchanged, 0, "" },
	{ "the last change waits for its proof", waits_for_last_proof, 0, "" },
	{ "a newer version pending, not in the ledger yet", newer_version_pending, 0, "" },
	{ "a version missing", version_missing, -EBADMSG,
	  "v2: the ledger records it, the kernel has no such version" },
	{ "a usable version the ledger lacks", version_not_in_ledger, -EBADMSG,
	  "v4: the kernel has it (active), the ledger's checkpoint does not" },
	{ "a state differing", state_differs, -EBADMSG,
	  "v1 state: the kernel says decrypt-only, the ledger destroyed" },
	{ "states of both views mixed", views_mixed, -EBADMSG,
	  "v2 state: the kernel says active, the ledger decrypt-only" },
	{ "a public key differing", pubkey_differs, -EBADMSG,
	  "v2 public key: the kernel's is not the one the ledger records" },
	{ "a public key missing", pubkey_missing, -EBADMSG, "v3 public key" },
	{ "another key id", other_key_id, -EBADMSG, "key id: the kernel's key is abab" },
	{ "another name", other_name, -EBADMSG, "name: the kernel says 'impostor', the ledger 'signer'" },
	{ "another algorithm", other_alg, -EBADMSG, "algorithm: the kernel says ecdh-p256, the ledger ecdsa-p256" },
	{ "another device", other_device, -EBADMSG, "device: the kernel's key is device dededede" },
	{ "an older copy of the key in the kernel", older_copy, -EBADMSG,
	  "the kernel's key stands at event 9, the ledger records a later change (event 12)" },
	{ "the kernel's mark is no change in the ledger", mark_not_a_change, -EBADMSG,
	  "event 13 is the kernel's last change of the key, the ledger records it as no change" },
	{ "a change after the checkpoint, waiting", changed_after_checkpoint, 0, "" },
	{ "a change after the checkpoint, states of before", changed_after_checkpoint_other_view,
	  -EBADMSG, "after the ledger's checkpoint: verify again" },
};

/* One case of the table (cmocka's initial state), named after it. */
static void agreement_case(void **state)
{
	const struct agree_case *c = *state;
	static struct szkm_key_info k;
	struct szkm_verified_key vk;
	int ret;

	ledger(&vk);
	kernel(&k);
	c->change(&k);
	ret = szkm_verify_agrees(&vk, &k);
	if (ret != c->ret || !strstr(szkm_verify_message(), c->why) ||
	    (!ret && szkm_verify_message()[0]))
		fail_msg("%s: returned %d, said '%s'", c->name, ret, szkm_verify_message());
}

static void nothing_to_compare(void **state)
{
	struct szkm_verified_key vk;

	(void)state;
	ledger(&vk);
	assert_int_equal(szkm_verify_agrees(&vk, NULL), -EINVAL);
	assert_int_equal(szkm_verify_agrees(NULL, NULL), -EINVAL);
}

#define NCASES (sizeof(cases) / sizeof(cases[0]))

int main(void)
{
	struct CMUnitTest tests[NCASES + 1];

	for (size_t i = 0; i < NCASES; i++)
		tests[i] = (struct CMUnitTest){ .name = cases[i].name, .test_func = agreement_case,
						.initial_state = (void *)&cases[i] };
	tests[NCASES] = (struct CMUnitTest)cmocka_unit_test(nothing_to_compare);
	return _cmocka_run_group_tests("verify_agree", tests, NCASES + 1, NULL, NULL);
}
