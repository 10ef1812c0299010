// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * open.c - the node key and the ledger, opened from the settings as the
 * daemon, check and vkey need them.
 */
#include <stdio.h>
#include <string.h>

#include "ledgerd.h"
#include "node_key.h"

void ledgerd_load_key(const struct ledgerd_config *c, struct ledger_note_key *k)
{
	struct ledger_node_key_opts ko = {
		.key = c->key,
		.name = c->key_name[0] ? c->key_name : c->origin,
		.pkcs11_module = c->pkcs11_module[0] ? c->pkcs11_module : NULL,
		.pin = c->pkcs11_pin[0] ? c->pkcs11_pin : NULL,
	};
	char err[512];

	if (ledger_node_key_load(&ko, k, err, sizeof(err)))
		die("%s", err);
}

bool ledgerd_load_witness_key(const struct ledgerd_config *c,
			      struct ledger_note_key *k)
{
	char name[LEDGER_NOTE_MAX_NAME + 1];
	struct ledger_node_key_opts ko = { .key = c->witness_key, .name = name };
	struct ledger_note_key raw;
	char err[512];
	int n;

	if (!c->witness_key[0])
		return false;
	n = c->witness_name[0] ?
		snprintf(name, sizeof(name), "%s", c->witness_name) :
		snprintf(name, sizeof(name), "%s/witness",
			 c->key_name[0] ? c->key_name : c->origin);
	if (n < 0 || (size_t)n >= sizeof(name))
		die("witness_name is too long");
	if (ledger_node_key_load(&ko, &raw, err, sizeof(err)))
		die("witness key: %s", err);
	/* The same Ed25519 key, as a timestamped cosignature key. */
	if (ledger_note_key_init(k, name, LEDGER_NOTE_SIG_COSIG, raw.pkey))
		die("witness key %s: not an Ed25519 key (make one with "
		    "`ledgerd genkey --ed25519 FILE`), or a bad name '%s'",
		    c->witness_key, name);
	ledger_note_key_clear(&raw);
	return true;
}

int ledgerd_open_ledger(const struct ledgerd_config *c,
			struct ledger_note_key *key,
			struct ledger_note_key *pub, struct ledger **l)
{
	struct ledger_options o = {
		.db_path = c->db,
		.origin = c->origin,
		.key = key,
		.verify_key = pub,
		.store_flags = !strcmp(c->durability, "none") ? LEDGER_STORE_NOSYNC : 0,
		.verify_all = c->verify_all,
	};
	uint8_t buf[LEDGER_ENTRY_MAX_LEN];
	struct ledger_members genesis;
	char err[512];
	size_t len;
	int ret;

	if (c->genesis[0]) {
		ledgerd_read_members(c->genesis, buf, sizeof(buf), &len, &genesis);
		o.genesis = &genesis;
	}
	if (ledger_node_key_public(key, pub))
		die("cannot take the public half of the node key");
	ret = ledger_open(l, &o, err, sizeof(err));
	if (ret)
		fprintf(stderr, "ledgerd: %s: integrity check failed: %s\n",
			c->db, err);
	return ret;
}
