// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_admit.c - "may this event be appended?" (ledgerd/admit.c) without
 * a store (the binary links no SQLite): a table of events against device
 * heads, each row named for what it proves, and the rule's purity (same
 * inputs, same verdict, nothing it reads is changed).
 *
 * Events come from test_ledger_util.h's encoder, signed by a test device;
 * a head is (last seq, link of that event), as the ledger keeps it.
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

static struct tdev dev;

/* An event of the test device at @seq chained to @prev (NULL: zeros). */
struct made {
	uint8_t body[SZKM_EVENT_MAX_LEN];
	uint8_t sig[64];
	size_t len;
};

static void make(struct made *m, uint64_t seq, const uint8_t *prev)
{
	struct tev e = {
		.type = seq == 1 ? SZKM_EV_DEVICE_INIT : SZKM_EV_KEY_CREATE,
		.seq = seq, .time_ns = 1000 + seq,
	};

	memcpy(e.device_id, dev.id, 32);
	if (prev)
		memcpy(e.prev, prev, 32);
	if (seq == 1) {
		e.pub = dev.pub;
	} else {
		e.name = "k";
		e.key_id[15] = 1;
		e.version = 1;
		e.alg = SZKM_ALG_AES256_GCM;
		e.state = SZKM_VS_ACTIVE;
		e.origin = SZKM_ORIGIN_GENERATED;
		e.ledger = SZKM_LEDGER_REQUIRED;
	}
	m->len = tev_encode(&e, m->body);
	assert_int_equal(tev_sign(dev.key, m->body, m->len, m->sig), 0);
}

/* The link of an event (format 3, 4: body and signature): what a head holds. */
static void link_of(const struct made *m, uint8_t out[32])
{
	assert_int_equal(tev_link(m->body, m->len, m->sig, out), 0);
}

enum head_kind {
	NO_DEVICE,	/* not enrolled */
	FRESH,		/* enrolled, no event yet */
	AT_1,		/* its last event is seq 1 (e1) */
	AT_5,		/* seq 5 (hash of e1: only the seq matters there) */
	AT_1_OTHER,	/* seq 1, but another event's hash */
};

enum event_kind {
	E1,		/* seq 1, prev zeros */
	E1_BAD_PREV,	/* seq 1, prev not zeros */
	E2,		/* seq 2, prev = link(e1) */
	E2_BODY_PREV,	/* seq 2, prev = SHA-256 of e1's body alone */
	E3,		/* seq 3 (a gap after 1) */
	E2_CUT,		/* e2 without its last byte */
	E2_TWIN,	/* e2 with its signature's twin (r, n - s) */
};

struct row {
	const char *name;
	enum event_kind event;
	enum head_kind head;
	bool sig_ok;
	enum ledger_may may;
	const char *why;	/* NULL: none; "*": the decoder's reason */
};

static const struct row rows[] = {
	{ "the first event of a fresh device is appended", E1, FRESH, true,
	  LEDGER_MAY_APPEND, NULL },
	{ "the next event of a chain is appended", E2, AT_1, true,
	  LEDGER_MAY_APPEND, NULL },
	{ "a malformed event is refused with the decoder's reason", E2_CUT,
	  AT_1, true, LEDGER_MAY_NOT, "*" },
	{ "malformed is said before unenrolled", E2_CUT, NO_DEVICE, false,
	  LEDGER_MAY_NOT, "*" },
	{ "an unenrolled device's event is refused", E2, NO_DEVICE, true,
	  LEDGER_MAY_NOT, "unenrolled-device" },
	{ "no signature verdict counts for an unenrolled device", E1,
	  NO_DEVICE, false, LEDGER_MAY_NOT, "unenrolled-device" },
	{ "a bad signature is refused", E2, AT_1, false, LEDGER_MAY_NOT,
	  "bad-signature" },
	{ "a bad signature is said before a chain fault", E3, AT_1, false,
	  LEDGER_MAY_NOT, "bad-signature" },
	{ "the head itself may be a duplicate", E1, AT_1, true,
	  LEDGER_MAY_IF_DUPLICATE, "seq-replayed" },
	{ "an older event may be a duplicate", E2, AT_5, true,
	  LEDGER_MAY_IF_DUPLICATE, "seq-replayed" },
	{ "a seq past the next is a gap", E3, AT_1, true, LEDGER_MAY_NOT,
	  "seq-gap" },
	{ "seq 2 on a fresh device is a gap", E2, FRESH, true,
	  LEDGER_MAY_NOT, "seq-gap" },
	{ "the next seq with another prev hash is refused", E2, AT_1_OTHER,
	  true, LEDGER_MAY_NOT, "prev-hash-mismatch" },
	{ "a first event must chain from zeros", E1_BAD_PREV, FRESH, true,
	  LEDGER_MAY_NOT, "prev-hash-mismatch" },
	/* The attacker: a feeder that names a format-3 event by its body
	 * alone (the format-2 rule), so that its signature could be swapped. */
	{ "a format-3 event must name the link, not the body's hash",
	  E2_BODY_PREV, AT_1, true, LEDGER_MAY_NOT, "prev-hash-mismatch" },
	/* The attacker: a feeder or a lying node that stores the twin of the
	 * device's signature, which verifies but names another link, so that
	 * the device's next event no longer chains (its chain stalls). */
	{ "a format-4 event with its signature's high-S twin is refused",
	  E2_TWIN, AT_1, true, LEDGER_MAY_NOT, "high-s-signature" },
};

static void build(enum event_kind k, struct made *m, uint8_t h1[32])
{
	struct made e1;
	uint8_t ones[32], body[32];

	make(&e1, 1, NULL);
	link_of(&e1, h1);
	assert_int_equal(tev_sha256(e1.body, e1.len, body), 0);
	memset(ones, 0x11, sizeof(ones));
	switch (k) {
	case E1:
		*m = e1;
		break;
	case E1_BAD_PREV:
		make(m, 1, ones);
		break;
	case E2:
	case E2_CUT:
	case E2_TWIN:
		make(m, 2, h1);
		if (k == E2_CUT)
			m->len--;
		if (k == E2_TWIN)
			assert_int_equal(tev_twin(m->sig), 0);
		break;
	case E2_BODY_PREV:
		make(m, 2, body);
		break;
	case E3:
		make(m, 3, h1);
		break;
	}
}

static void rule_row(void **state)
{
	const struct row *r = *state;
	struct ledger_head head = { 0 };
	struct ledger_admission a;
	struct ledger_event e;
	struct made m;
	uint8_t h1[32];

	build(r->event, &m, h1);
	assert_int_equal(ledger_event_decode(&e, m.body, m.len, m.sig), 0);
	switch (r->head) {
	case NO_DEVICE:
	case FRESH:
		break;
	case AT_1:
	case AT_5:
		head.last_seq = r->head == AT_1 ? 1 : 5;
		memcpy(head.last_hash, h1, 32);
		break;
	case AT_1_OTHER:
		head.last_seq = 1;
		memset(head.last_hash, 0x22, 32);
		break;
	}
	a = ledger_may_append(&e, r->head == NO_DEVICE ? NULL : &head, r->sig_ok);
	if (a.may != r->may)
		fail_msg("verdict %d, not %d (why %s)", a.may, r->may,
			 a.why ? a.why : "none");
	if (!r->why) {
		assert_null(a.why);
	} else if (!strcmp(r->why, "*")) {
		struct szkm_event ev;
		const char *why = NULL;

		assert_int_equal(szkm_event_decode(m.body, m.len, &ev, &why),
				 -EBADMSG);
		assert_non_null(a.why);
		assert_string_equal(a.why, why);
	} else {
		assert_non_null(a.why);
		assert_string_equal(a.why, r->why);
	}
}

/* The verdict depends on the arguments only, and changes none of them. */
static void rule_is_pure(void **state)
{
	struct ledger_head head = { .last_seq = 1 }, head_copy;
	struct ledger_admission a, b;
	struct ledger_event e, e_copy;
	struct made m, m_copy;
	uint8_t h1[32];

	(void)state;
	build(E2, &m, h1);
	memcpy(head.last_hash, h1, 32);
	assert_int_equal(ledger_event_decode(&e, m.body, m.len, m.sig), 0);
	m_copy = m;
	e_copy = e;
	head_copy = head;
	a = ledger_may_append(&e, &head, true);
	for (int i = 0; i < 3; i++) {
		b = ledger_may_append(&e, &head, true);
		assert_int_equal(a.may, b.may);
		assert_ptr_equal(a.why, b.why);
	}
	assert_memory_equal(&e, &e_copy, sizeof(e));
	assert_memory_equal(&head, &head_copy, sizeof(head));
	assert_memory_equal(&m, &m_copy, sizeof(m));
}

/* Decoding once keeps the bytes it was given and says why it refused. */
static void decode_keeps_bytes_and_reason(void **state)
{
	struct ledger_event e;
	struct made m;
	uint8_t h1[32];

	(void)state;
	build(E2, &m, h1);
	assert_int_equal(ledger_event_decode(&e, m.body, m.len, m.sig), 0);
	assert_ptr_equal(e.body, m.body);
	assert_ptr_equal(e.sig, m.sig);
	assert_int_equal(e.len, m.len);
	assert_null(e.why);
	assert_int_equal(e.ev.seq, 2);
	assert_memory_equal(e.ev.prev_hash, h1, 32);
	/* Its own link, the device's head once it is appended. */
	link_of(&m, h1);
	assert_memory_equal(e.link, h1, 32);
	assert_int_equal(ledger_event_decode(&e, m.body, 3, m.sig), 0);
	assert_non_null(e.why);
	assert_int_equal(ledger_event_decode(&e, NULL, 0, m.sig), 0);
	assert_string_equal(e.why, "malformed");
}

int main(void)
{
	enum { NROWS = sizeof(rows) / sizeof(rows[0]) };
	struct CMUnitTest tests[NROWS + 2];
	int ret;

	if (tdev_init(&dev, NULL))
		return 1;
	for (size_t i = 0; i < NROWS; i++)
		tests[i] = (struct CMUnitTest){
			.name = rows[i].name,
			.test_func = rule_row,
			.initial_state = (void *)&rows[i],
		};
	tests[NROWS] = (struct CMUnitTest)cmocka_unit_test(rule_is_pure);
	tests[NROWS + 1] = (struct CMUnitTest)cmocka_unit_test(decode_keeps_bytes_and_reason);
	ret = _cmocka_run_group_tests("ledger_admit", tests, NROWS + 2, NULL, NULL);
	tdev_free(&dev);
	return ret;
}
