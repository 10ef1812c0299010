// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fuzz_note.c - a signed checkpoint as a node or client receives it from
 * a peer or a ledger it does not trust (ledger_note_open, then
 * ledger_checkpoint_parse): a lying node's notes. The seed's key is known,
 * so the signature checks run as well as the form checks. A checkpoint
 * that parses formats back to exactly its text.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "note.h"

/* The verifier key of the node key that signed seeds/note/checkpoint. */
static const char vkey[] =
	"fuzz.example/ledger+c964d207+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABPcktomD1f5rSPcTjlT7pc03hLh"
	"55qHs/iwtV4j8InjQTQH2ynYhUYzYUNBG0Y8Y+M/c7M1yvfgNSlyg6HiHd/4=";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ledger_note_key key;
	static int have_key;
	static char again[8192];
	struct ledger_note_result res;
	struct ledger_checkpoint cp;
	const char *note = (const char *)data;
	size_t len = 0;
	int ret;

	if (!have_key) {
		FUZZ_ASSERT(!ledger_note_key_parse(&key, vkey, strlen(vkey)));
		have_key = 1;
	}
	ret = ledger_note_open(note, size, &key, 1, 0, &res);
	if (ret && ret != -ENOKEY)
		return 0;
	FUZZ_ASSERT(res.text_len <= size);
	FUZZ_ASSERT(ret || res.valid == 1);
	if (ledger_checkpoint_parse(note, res.text_len, &cp))
		return 0;
	FUZZ_ASSERT(!ledger_checkpoint_format(&cp, again, sizeof(again), &len));
	FUZZ_ASSERT(len == res.text_len && !memcmp(again, note, len));
	return 0;
}
