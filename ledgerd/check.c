// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * check.c - ledgerd check: the integrity check that every start runs
 * (ledger.c), alone; exit 0 when the ledger is sound, 2 when not.
 */
#include <inttypes.h>
#include <stdio.h>

#include "ledgerd.h"

int ledgerd_check_main(struct ledgerd_config *c, int argc, char **argv)
{
	struct ledger_note_key k, pub;
	struct ledger_stats st;
	struct ledger *l;

	(void)argv;
	if (argc != 1)
		return -1;
	ledgerd_load_key(c, &k);
	if (ledgerd_open_ledger(c, &k, &pub, &l))
		return 2;
	ledger_get_stats(l, &st);
	printf("ledger %s: %" PRIu64 " entries, integrity ok (event "
	       "signatures verified: %" PRIu64 ")\n", c->db, ledger_size(l),
	       st.open_verifies);
	ledger_close(l);
	ledger_note_key_clear(&k);
	ledger_note_key_clear(&pub);
	return 0;
}
