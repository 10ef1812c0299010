// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_chain_batch.c - libszkm's checks of the chain it hands the kernel
 * for its key registry (szkm_chain_batch_add): only the device's own
 * events, from seq 1, without a gap; refused before anything is sent, so
 * no kernel is needed (fewer than SZKM_CHAIN_RESTORE_MAX bodies are added,
 * which stay in the batch).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "libszkm.h"
#include "test_ledger_util.h"

struct body {
	uint8_t b[SZKM_EVENT_MAX_LEN];
	size_t len;
	uint8_t s[64];
};

/* The next @n events of @d. */
static void events(struct tdev *d, struct body *out, int n)
{
	for (int i = 0; i < n; i++) {
		out[i].len = tdev_next(d, 2, out[i].b, out[i].s);
		assert_true(out[i].len > 0);
	}
}

static void batch_takes_the_chain_in_order_only(void **state)
{
	struct tdev a, b;
	struct body ea[5], eb[2];
	struct szkm_chain_batch *cb;

	(void)state;
	assert_int_equal(tdev_init(&a, NULL), 0);
	assert_int_equal(tdev_init(&b, NULL), 0);
	events(&a, ea, 5);
	events(&b, eb, 2);
	cb = szkm_chain_batch_new(a.id);
	assert_non_null(cb);
	/* The first body must be seq 1. */
	assert_int_equal(szkm_chain_batch_add(cb, ea[1].b, ea[1].len, ea[1].s), -EINVAL);
	assert_int_equal(szkm_chain_batch_add(cb, ea[0].b, ea[0].len, ea[0].s), 0);
	/* Another device's seq 2 is not this one's. */
	assert_int_equal(szkm_chain_batch_add(cb, eb[1].b, eb[1].len, eb[1].s), -EINVAL);
	assert_int_equal(szkm_chain_batch_add(cb, ea[1].b, ea[1].len, ea[1].s), 0);
	/* A gap, a repeat, a repeat of seq 1. */
	assert_int_equal(szkm_chain_batch_add(cb, ea[3].b, ea[3].len, ea[3].s), -EINVAL);
	assert_int_equal(szkm_chain_batch_add(cb, ea[1].b, ea[1].len, ea[1].s), -EINVAL);
	assert_int_equal(szkm_chain_batch_add(cb, ea[0].b, ea[0].len, ea[0].s), -EINVAL);
	/* A refusal leaves the batch as it was: seq 3 still follows. */
	assert_int_equal(szkm_chain_batch_add(cb, ea[2].b, ea[2].len, ea[2].s), 0);
	/* Lengths: too short to be an event, too long, none. */
	assert_int_equal(szkm_chain_batch_add(cb, ea[3].b, SZKM_EVENT_FIXED_LEN_V1 - 1, ea[3].s), -EINVAL);
	assert_int_equal(szkm_chain_batch_add(cb, ea[3].b, SZKM_EVENT_MAX_LEN + 1, ea[3].s), -EINVAL);
	assert_int_equal(szkm_chain_batch_add(cb, NULL, ea[3].len, ea[3].s), -EINVAL);
	/* A body without its signature (a format-3 link covers it). */
	assert_int_equal(szkm_chain_batch_add(cb, ea[3].b, ea[3].len, NULL), -EINVAL);
	assert_int_equal(szkm_chain_batch_add(cb, ea[3].b, ea[3].len, ea[3].s), 0);
	szkm_chain_batch_free(cb);
	/* Another device's batch refuses @a's seq 1. */
	cb = szkm_chain_batch_new(b.id);
	assert_int_equal(szkm_chain_batch_add(cb, ea[0].b, ea[0].len, ea[0].s), -EINVAL);
	assert_int_equal(szkm_chain_batch_add(cb, eb[0].b, eb[0].len, eb[0].s), 0);
	szkm_chain_batch_free(cb);
	assert_null(szkm_chain_batch_new(NULL));
	assert_int_equal(szkm_chain_batch_add(NULL, ea[0].b, ea[0].len, ea[0].s), -EINVAL);
	szkm_chain_batch_free(NULL);
	tdev_free(&a);
	tdev_free(&b);
}

static void registry_states_have_names(void **state)
{
	(void)state;
	assert_string_equal(szkm_registry_state_name(SZKM_REG_NONE), "none");
	assert_string_equal(szkm_registry_state_name(SZKM_REG_RESTORING), "restoring");
	assert_string_equal(szkm_registry_state_name(SZKM_REG_PROVING), "proving");
	assert_string_equal(szkm_registry_state_name(SZKM_REG_READY), "ready");
	assert_string_equal(szkm_registry_state_name(SZKM_REG_READY + 1), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(batch_takes_the_chain_in_order_only),
		cmocka_unit_test(registry_states_have_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
