// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_ledger_etcd_block.c - the block format of the multi-node ledger's
 * etcd layout (ledgerd/etcd.h): what a writer encodes walks back to the
 * same entries at the same indices, and every malformed block is refused
 * whole (-EBADMSG, no entry handed on).
 *
 * The attacker: anyone with write access to etcd (a node's operator, a
 * compromised etcd member) who puts bytes there that no ledgerd wrote:
 * a truncated block, a length past the end, a zero length, too many or
 * too large entries. A node must never apply part of such a block.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "entry.h"
#include "etcd.h"

struct seen {
	uint64_t index[8];
	size_t len[8];
	uint8_t first[8];
	size_t n;
};

static int see(void *arg, uint64_t index, const uint8_t *data, size_t len)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	s->index[s->n] = index;
	s->len[s->n] = len;
	s->first[s->n++] = data[0];
	return 0;
}

static const uint8_t e1[] = { 1, 2, 3 }, e2[] = { 4 }, e3[] = { 5, 6 };
static const struct ledger_etcd_item three[] = {
	{ e1, sizeof(e1) }, { e2, sizeof(e2) }, { e3, sizeof(e3) },
};

static void round_trip_and_window(void **state)
{
	uint8_t v[64];
	struct seen s = { 0 };
	size_t len = ledger_etcd_block_size(three, 3), n;

	(void)state;
	assert_int_equal(len, 3 * 4 + 6);
	ledger_etcd_block_encode(three, 3, v);
	assert_int_equal(ledger_etcd_block_walk(v, len, 100, 0, UINT64_MAX,
						see, &s, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.index[0], 100);
	assert_int_equal(s.index[2], 102);
	assert_int_equal(s.len[1], 1);
	assert_int_equal(s.first[1], 4);
	/* Only the entries in [from, to). */
	memset(&s, 0, sizeof(s));
	assert_int_equal(ledger_etcd_block_walk(v, len, 100, 101, 102, see, &s,
						&n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.index[0], 101);
}

/* What a writer could not put in one block. */
static void limits(void **state)
{
	static uint8_t big[LEDGER_ENTRY_MAX_LEN + 1];
	struct ledger_etcd_item *many;
	struct ledger_etcd_item one = { big, sizeof(big) }, none = { big, 0 };

	(void)state;
	assert_int_equal(ledger_etcd_block_size(three, 0), 0);
	assert_int_equal(ledger_etcd_block_size(&one, 1), 0);
	assert_int_equal(ledger_etcd_block_size(&none, 1), 0);
	many = calloc(LEDGER_ETCD_BLOCK_ENTRIES + 1, sizeof(*many));
	assert_non_null(many);
	for (size_t i = 0; i <= LEDGER_ETCD_BLOCK_ENTRIES; i++)
		many[i] = (struct ledger_etcd_item){ e1, sizeof(e1) };
	assert_int_not_equal(ledger_etcd_block_size(many, LEDGER_ETCD_BLOCK_ENTRIES), 0);
	assert_int_equal(ledger_etcd_block_size(many, LEDGER_ETCD_BLOCK_ENTRIES + 1), 0);
	free(many);
}

static void refused(const uint8_t *v, size_t len, uint64_t first)
{
	struct seen s = { 0 };
	size_t n = 99;

	assert_int_equal(ledger_etcd_block_walk(v, len, first, 0, UINT64_MAX,
						see, &s, &n), -EBADMSG);
	assert_int_equal(s.n, 0);
	assert_int_equal(n, 0);
}

static void malformed_blocks_are_refused_whole(void **state)
{
	uint8_t v[64], w[64];
	size_t len = ledger_etcd_block_size(three, 3);
	uint8_t *many;

	(void)state;
	ledger_etcd_block_encode(three, 3, v);
	refused(v, 0, 0);			/* empty */
	/* Truncated inside an entry (cut at an entry's end, it is a shorter
	 * block, which the read refuses because the blocks no longer tile
	 * the log up to the head). */
	for (size_t cut = 1; cut < len; cut++)
		if (cut != 7 && cut != 12)
			refused(v, cut, 0);
	memcpy(w, v, len);
	w[len] = 0;				/* a stray byte after */
	refused(w, len + 1, 0);
	memcpy(w, v, len);
	w[7 + 3] = 0;				/* entry 2's length: 0 */
	refused(w, len, 0);
	memcpy(w, v, len);
	w[0] = 0x80;				/* entry 1's length: huge */
	refused(w, len, 0);
	refused(v, len, UINT64_MAX - 1);	/* indices past 2^64 */
	/* One entry more than a block may hold. */
	many = calloc(LEDGER_ETCD_BLOCK_ENTRIES + 1, 5);
	assert_non_null(many);
	for (size_t i = 0; i <= LEDGER_ETCD_BLOCK_ENTRIES; i++)
		many[5 * i + 3] = 1;
	refused(many, 5 * (LEDGER_ETCD_BLOCK_ENTRIES + 1), 0);
	free(many);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_and_window),
		cmocka_unit_test(limits),
		cmocka_unit_test(malformed_blocks_are_refused_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
