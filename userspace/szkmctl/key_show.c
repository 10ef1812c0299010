// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * key_show.c - `szkmctl key show <key> [--json]`: a key's public metadata
 * as the kernel reports it: id, algorithm, versions with states, origins,
 * use counts and public keys. Never a secret. Its JSON object is also
 * what `key list --json` prints for each key.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "szkm_event.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *ledger_mode(const struct szkm_key_info *k)
{
	return k->ledger_mode == SZKM_LEDGER_ASYNC ? "async" : "required";
}

/* Names are [A-Za-z0-9._-] and keyrings @x or digits: nothing to escape. */
void szkmctl_key_json(const struct szkm_key_info *k, const char *keyring)
{
	char hex[131];

	szkm_hex_encode(hex, k->id, sizeof(k->id));
	printf("{\"serial\":%d,\"id\":\"%s\",\"name\":\"%s\",\"alg\":\"%s\",\"active\":%u,\"waiting\":%u,",
	       k->serial, hex, k->name, szkm_alg_name(k->alg), k->active, k->waiting);
	szkm_hex_encode(hex, k->device_id, sizeof(k->device_id));
	printf("\"device_id\":\"%s\",\"mark\":%llu,\"policy\":{\"rotate_secs\":%llu,"
	       "\"max_uses\":%llu,\"min_version\":%u,\"ledger\":\"%s\"},",
	       hex, (unsigned long long)k->mark, (unsigned long long)k->rotate_secs,
	       (unsigned long long)k->max_uses, k->min_version, ledger_mode(k));
	if (keyring)
		printf("\"keyring\":\"%s\",", keyring);
	printf("\"versions\":[");
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
	printf("],\"grants\":[");
	for (unsigned int i = 0; i < k->ngrants; i++)
		printf("%s%u", i ? "," : "", k->grants[i]);
	printf("]}");
}

static void print_table(const struct szkm_key_info *k)
{
	char hex[131];

	szkm_hex_encode(hex, k->id, sizeof(k->id));
	printf("key:     %s (serial %d)\nid:      %s\nalg:     %s\nactive:  v%u\n",
	       k->name, k->serial, hex, szkm_alg_name(k->alg), k->active);
	if (k->waiting)
		printf("waiting: %u change(s) for the ledger's proof\n", k->waiting);
	printf("policy:  rotate=%llus max_uses=%llu min_version=%u ledger=%s\n",
	       (unsigned long long)k->rotate_secs, (unsigned long long)k->max_uses,
	       k->min_version, ledger_mode(k));
	printf("mark:    event %llu (the key's last change)\n", (unsigned long long)k->mark);
	if (k->ngrants) {
		printf("grants: ");
		for (unsigned int i = 0; i < k->ngrants; i++) {
			struct passwd *pw = getpwuid(k->grants[i]);

			printf(" uid %u (%s)%s", k->grants[i], pw ? pw->pw_name : "no user name",
			       i + 1 < k->ngrants ? "," : "\n");
		}
	}
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

static int usage(FILE *f, int code)
{
	fprintf(f, "Usage: %s key show KEY [--json]\n"
		"KEY is a serial or the name of an szkm key in your keyrings.\n", PROG_NAME);
	return code;
}

int key_show_main(int argc, char *argv[])
{
	struct szkm_key_info *k;
	const char *spec = NULL;
	int json = 0;

	if (szkmctl_wants_help(argc, argv))
		return usage(stdout, EXIT_OK);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] == '-' || spec)
			return szkmctl_unknown(argv[i]);
		else
			spec = argv[i];
	}
	if (!spec)
		return szkmctl_bad("which key? (a name or serial)");
	k = szkmctl_key_load(spec);
	if (!k)
		return EXIT_FAILED;
	if (json) {
		szkmctl_key_json(k, NULL);
		printf("\n");
	} else {
		print_table(k);
	}
	free(k);
	return EXIT_OK;
}
