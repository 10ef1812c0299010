// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * keys.c - ledgerd genkey and ledgerd vkey: a new node key, and the
 * verifier key of the configured one (what devices and clients trust),
 * or with --witness that of the witness key (what peers list).
 */
#include <stdio.h>
#include <string.h>

#include "ledgerd.h"
#include "node_key.h"

int ledgerd_genkey_main(struct ledgerd_config *c, int argc, char **argv)
{
	char err[512];

	(void)c;
	if (argc != 2 && (argc != 3 || strcmp(argv[1], "--ed25519")))
		return -1;
	/* An unknown option is not a file name to write a key to. */
	if (argv[argc - 1][0] == '-')
		return -1;
	if (ledger_node_key_generate(argv[argc - 1], argc == 3, err, sizeof(err)))
		die("%s", err);
	return 0;
}

int ledgerd_vkey_main(struct ledgerd_config *c, int argc, char **argv)
{
	struct ledger_note_key k;
	char vkey[1024];
	size_t len;

	if (argc == 2 && !strcmp(argv[1], "--witness")) {
		if (!ledgerd_load_witness_key(c, &k))
			die("no witness_key is set");
	} else if (argc == 1) {
		ledgerd_load_key(c, &k);
	} else {
		return -1;
	}
	if (ledger_note_key_format(&k, vkey, sizeof(vkey), &len))
		die("cannot format the verifier key");
	puts(vkey);
	ledger_note_key_clear(&k);
	return 0;
}
