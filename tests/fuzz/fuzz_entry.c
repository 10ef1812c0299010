// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fuzz_entry.c - a ledger entry as a node reads it from etcd or a peer
 * (ledger_entry_decode over the event decoder of include/szkm.h): the
 * bytes a lying node or a rewritten etcd key can hold: enrolments (plain
 * and approved), events and membership entries. An accepted entry
 * re-encodes to exactly the bytes it was decoded from, so no two byte
 * strings decode to the same entry.
 */
#include <string.h>

#include "entry.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t again[LEDGER_ENTRY_MAX_LEN];
	struct ledger_entry e;
	const char *why = NULL;
	size_t len = 0;

	if (ledger_entry_decode(data, size, &e, &why))
		return 0;
	FUZZ_ASSERT(size <= LEDGER_ENTRY_MAX_LEN);
	switch (e.type) {
	case LEDGER_ENTRY_ENROL:
		FUZZ_ASSERT(!ledger_entry_enrolment(&e.enrol, again, sizeof(again), &len));
		break;
	case LEDGER_ENTRY_EVENT:
		FUZZ_ASSERT(e.body == data + 1 && e.sig == data + 1 + e.body_len);
		FUZZ_ASSERT(!ledger_entry_event(e.body, e.body_len, e.sig, again,
						sizeof(again), &len));
		break;
	case LEDGER_ENTRY_MEMBERS:
		FUZZ_ASSERT(!ledger_entry_members(&e.members, again, sizeof(again), &len));
		break;
	default:
		FUZZ_ASSERT(e.type == LEDGER_ENTRY_ENROL_APPROVED);
		FUZZ_ASSERT(!ledger_entry_approved_enrolment(&e.enrol, again, sizeof(again),
							     &len));
		break;
	}
	FUZZ_ASSERT(len == size && !memcmp(again, data, size));
	return 0;
}
