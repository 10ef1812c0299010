// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fuzz_etcd_block.c - a block of entries as a node reads it from etcd
 * (ledgerd/etcd.h), where anyone with write access to etcd may have put
 * any bytes. A block that is accepted hands on every entry it holds, in
 * order, each 1 to LEDGER_ENTRY_MAX_LEN bytes at the next index, and
 * encodes back to exactly the bytes read: one block, one meaning.
 */
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "etcd.h"
#include "fuzz.h"

struct seen {
	struct ledger_etcd_item items[LEDGER_ETCD_BLOCK_ENTRIES];
	uint64_t next;
	size_t n;
};

static int take(void *arg, uint64_t index, const uint8_t *data, size_t len)
{
	struct seen *s = arg;

	FUZZ_ASSERT(index == s->next && s->n < LEDGER_ETCD_BLOCK_ENTRIES);
	FUZZ_ASSERT(len >= 1 && len <= LEDGER_ENTRY_MAX_LEN);
	s->items[s->n++] = (struct ledger_etcd_item){ data, len };
	s->next++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen s;
	uint8_t *again;
	size_t n;

	s.n = 0;
	s.next = 7;
	if (ledger_etcd_block_walk(data, size, 7, 0, UINT64_MAX, take, &s, &n)) {
		FUZZ_ASSERT(s.n == 0);
		return 0;
	}
	FUZZ_ASSERT(n == s.n && n >= 1);
	FUZZ_ASSERT(ledger_etcd_block_size(s.items, n) == size);
	again = malloc(size);
	FUZZ_ASSERT(again);
	ledger_etcd_block_encode(s.items, n, again);
	FUZZ_ASSERT(!memcmp(again, data, size));
	free(again);
	return 0;
}
