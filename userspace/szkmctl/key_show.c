// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * key_show.c - `szkmctl key show <key> [--json]`: a key's public metadata
 * as the kernel reports it: id, algorithm, versions with states, origins,
 * use counts and public keys. Never a secret.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "szkm_event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_json(const struct szkm_key_info *k)
{
	char hex[131];

	szkm_hex_encode(hex, k->id, sizeof(k->id));
	printf("{\"serial\":%d,\"id\":\"%s\",\"name\":\"%s\",\"alg\":\"%s\",\"active\":%u,\"waiting\":%u,\"versions\":[",
	       k->serial, hex, k->name, szkm_alg_name(k->alg), k->active, k->waiting);
	for (unsigned int i = 0; i < k->nver; i++) {
		const struct szkm_version_info *v = &k->ver[i];

		printf("%s{\"version\":%u,\"state\":\"%s\",\"origin\":\"%s\",\"uses\":%llu",
		       i ? "," : "", v->num, szkm_vstate_name(v->state),
		       szkm_origin_name(v->origin), (unsigned long long)v->uses);
		if (v->has_pub) {
			szkm_hex_encode(hex, v->pub, sizeof(v->pub));
			printf(",\"pubkey\":\"%s\"", hex);
		}
		printf("}");
	}
	printf("]}\n");
}

static void print_table(const struct szkm_key_info *k)
{
	char hex[131];

	szkm_hex_encode(hex, k->id, sizeof(k->id));
	printf("key:     %s (serial %d)\nid:      %s\nalg:     %s\nactive:  v%u\n",
	       k->name, k->serial, hex, szkm_alg_name(k->alg), k->active);
	if (k->waiting)
		printf("waiting: %u change(s) for the ledger's proof\n", k->waiting);
	printf("%-8s %-13s %-16s %-12s %s\n", "VERSION", "STATE", "ORIGIN", "USES", "PUBLIC KEY");
	for (unsigned int i = 0; i < k->nver; i++) {
		const struct szkm_version_info *v = &k->ver[i];

		if (v->has_pub)
			szkm_hex_encode(hex, v->pub, sizeof(v->pub));
		printf("v%-7u %-13s %-16s %-12llu %s\n", v->num, szkm_vstate_name(v->state),
		       szkm_origin_name(v->origin), (unsigned long long)v->uses,
		       v->has_pub ? hex : "-");
	}
}

int key_show_main(int argc, char *argv[])
{
	struct szkm_key_info *k;
	int json = argc == 3 && !strcmp(argv[2], "--json");

	if (argc != 2 && !json) {
		fprintf(stderr, "Usage: %s key show <key> [--json]\n", PROG_NAME);
		return EXIT_USAGE;
	}
	k = szkmctl_key_load(argv[1]);
	if (!k)
		return EXIT_FAILED;
	if (json)
		print_json(k);
	else
		print_table(k);
	free(k);
	return EXIT_OK;
}
