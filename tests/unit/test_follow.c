// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_follow.c - libszkm's chain follower (userspace/lib/follow.c), the
 * part ledgerd and szkmctl's listener share after an unseal: which steps
 * run for which kernel status, and how the device's chain is picked out
 * of what a follower holds (other devices and repeats passed over, a gap
 * or a short chain refused, a ledger's exact rule). Refusals come before
 * anything is sent, so no kernel is needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "szkm_follow.h"
#include "test_ledger_util.h"

struct body {
	uint8_t b[SZKM_EVENT_MAX_LEN];
	size_t len;
	uint8_t s[64];
};

/* What a follower holds: bodies in its order; and what it was asked. */
struct held {
	const struct body *order[16];
	size_t n;
	int resume_ret;
	int resumes, walks;
};

static int fake_resume(void *ctx)
{
	struct held *h = ctx;

	h->resumes++;
	return h->resume_ret;
}

static int fake_walk(void *ctx, szkm_follow_take take, void *arg)
{
	struct held *h = ctx;

	h->walks++;
	for (size_t i = 0; i < h->n; i++) {
		int ret = take(arg, h->order[i]->b, h->order[i]->len, h->order[i]->s);

		if (ret)
			return ret;
	}
	return 0;
}

static struct tdev a, b;
static struct body ea[5], eb[3];

static int setup(void **state)
{
	(void)state;
	if (tdev_init(&a, NULL) || tdev_init(&b, NULL))
		return -1;
	for (int i = 0; i < 5; i++)
		ea[i].len = tdev_next(&a, 2, ea[i].b, ea[i].s);
	for (int i = 0; i < 3; i++)
		eb[i].len = tdev_next(&b, 2, eb[i].b, eb[i].s);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tdev_free(&a);
	tdev_free(&b);
	return 0;
}

static struct szkm_follower follower(struct held *h, bool exact)
{
	struct szkm_follower f = {
		.resume = fake_resume, .walk = fake_walk, .ctx = h, .exact = exact,
	};

	memcpy(f.device_id, a.id, 32);
	return f;
}

/* Nothing waits: neither step runs. */
static void ready_kernel_is_left_alone(void **state)
{
	struct held h = { 0 };
	struct szkm_follower f = follower(&h, true);
	struct szkm_status st = { .chain = 1, .seq = 5, .registry = SZKM_REG_READY };
	struct szkm_follow_report r;

	(void)state;
	assert_int_equal(szkm_follow_kernel(&f, &st, &r), 0);
	assert_int_equal(h.resumes + h.walks, 0);
	assert_false(r.resumed || r.restoring);
}

/* A resume that fails ends it there: no restore from a chain not placed. */
static void failed_resume_stops_before_restore(void **state)
{
	struct held h = { .resume_ret = -ENOENT };
	struct szkm_follower f = follower(&h, true);
	struct szkm_status st = { .chain = 0 };
	struct szkm_follow_report r;

	(void)state;
	assert_int_equal(szkm_follow_kernel(&f, &st, &r), -ENOENT);
	assert_int_equal(h.resumes, 1);
	assert_int_equal(h.walks, 0);
	assert_false(r.restoring);
}

/* Interleaved devices and repeats are passed over; the chain goes on to
 * the kernel (which this test has not: any error but the walk's own). */
static void chain_is_picked_out_of_what_is_held(void **state)
{
	struct held h = { .order = { &eb[0], &ea[0], &ea[0], &eb[1], &ea[1], &ea[2],
				     &ea[1], &eb[2] }, .n = 8 };
	struct szkm_follower f = follower(&h, true);
	struct szkm_follow_report r;
	int ret;

	(void)state;
	ret = szkm_follow_restore(&f, 3, &r);
	assert_int_equal(r.held, 3);
	assert_true(r.restoring);
	assert_true(ret < 0);	/* no kernel here, or one that is not restoring */
	assert_int_not_equal(ret, -ENODATA);
	assert_int_not_equal(ret, -EIO);
}

static void gap_in_the_held_chain_is_refused(void **state)
{
	struct held h = { .order = { &ea[0], &ea[2], &ea[1] }, .n = 3 };
	struct szkm_follower f = follower(&h, false);
	struct szkm_follow_report r;

	(void)state;
	assert_int_equal(szkm_follow_restore(&f, 3, &r), -EIO);
}

static void short_chain_is_refused(void **state)
{
	struct held h = { .order = { &ea[0], &ea[1] }, .n = 2 };
	struct szkm_follower f = follower(&h, false);
	struct szkm_follow_report r;

	(void)state;
	assert_int_equal(szkm_follow_restore(&f, 3, &r), -ENODATA);
	assert_int_equal(r.held, 2);
	assert_int_equal(r.upto, 3);
}

/* A ledger does not help a resume at an older point than its last event;
 * a listener does (its last events may never have been proven). */
static void exact_follower_refuses_an_older_resume_point(void **state)
{
	struct held h = { .order = { &ea[0], &ea[1], &ea[2], &ea[3] }, .n = 4 };
	struct szkm_follower exact = follower(&h, true), loose = follower(&h, false);
	struct szkm_follow_report r;
	int ret;

	(void)state;
	assert_int_equal(szkm_follow_restore(&exact, 2, &r), -ENODATA);
	assert_int_equal(r.held, 4);
	ret = szkm_follow_restore(&loose, 2, &r);
	assert_int_not_equal(ret, -ENODATA);
	assert_int_not_equal(ret, -EIO);
}

/* A follower that keeps no events (a listener without --ack). */
static void follower_without_events_cannot_restore(void **state)
{
	struct held h = { 0 };
	struct szkm_follower f = follower(&h, false);
	struct szkm_status st = { .chain = 1, .seq = 2, .registry = SZKM_REG_RESTORING };
	struct szkm_follow_report r;

	(void)state;
	f.walk = NULL;
	assert_int_equal(szkm_follow_kernel(&f, &st, &r), -ENODATA);
	assert_true(r.restoring);
	assert_int_equal(r.upto, 2);
	assert_int_equal(h.resumes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ready_kernel_is_left_alone),
		cmocka_unit_test(failed_resume_stops_before_restore),
		cmocka_unit_test(chain_is_picked_out_of_what_is_held),
		cmocka_unit_test(gap_in_the_held_chain_is_refused),
		cmocka_unit_test(short_chain_is_refused),
		cmocka_unit_test(exact_follower_refuses_an_older_resume_point),
		cmocka_unit_test(follower_without_events_cannot_restore),
	};

	return cmocka_run_group_tests_name("follow", tests, setup, teardown);
}
