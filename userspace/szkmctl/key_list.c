// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * key_list.c - `szkmctl key list [--json]`: every szkm key in the caller's
 * keyrings (@u, @us, @s, @p, @t and the keyrings they link), with the
 * keyring that holds it and what the kernel reports: serial, name,
 * algorithm, active version, versions, and what waits for the ledger's
 * proof. The table's second column is the name (bash completion reads it).
 */
#include "subcommands.h"
#include "libszkm.h"
#include "szkm.h"
#include "szkm_event.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(FILE *f, int code)
{
	fprintf(f, "Usage: %s key list [--json]\n"
		"Lists the szkm keys in your keyrings: serial, name, algorithm, active version,\n"
		"versions, what waits for the ledger's proof, and the keyring holding each.\n",
		PROG_NAME);
	return code;
}

static unsigned int pending(const struct szkm_key_info *k)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < k->nver; i++)
		n += k->ver[i].state == SZKM_VS_PENDING;
	return n;
}

static void row(const struct szkm_key_info *k, const char *ring)
{
	char active[16], waits[48];
	unsigned int p = pending(k);

	snprintf(active, sizeof(active), k->active ? "v%u" : "-", k->active);
	if (p && k->waiting)
		snprintf(waits, sizeof(waits), "%u version, %u change", p, k->waiting);
	else if (p)
		snprintf(waits, sizeof(waits), "%u version", p);
	else if (k->waiting)
		snprintf(waits, sizeof(waits), "%u change", k->waiting);
	else
		snprintf(waits, sizeof(waits), "-");
	printf("%-10d %-24s %-10s %-6s %-8u %-20s %s\n", k->serial, k->name, szkm_alg_name(k->alg),
	       active, k->nver, waits, ring);
}

int key_list_main(int argc, char *argv[])
{
	struct szkm_key_ref *refs = NULL;
	struct szkm_key_info *k;
	int json = 0, n, shown = 0, ret = EXIT_OK;

	if (szkmctl_wants_help(argc, argv))
		return usage(stdout, EXIT_OK);
	if (szkmctl_only_flag(argc, argv, "--json", &json))
		return EXIT_USAGE;
	n = szkm_key_list(&refs);
	if (n < 0) {
		fprintf(stderr, "Unable to list your keyrings: %s\n", strerror(-n));
		return EXIT_FAILED;
	}
	k = malloc(sizeof(*k));
	if (!k) {
		free(refs);
		return EXIT_FAILED;
	}
	if (json)
		printf("[");
	else
		printf("%-10s %-24s %-10s %-6s %-8s %-20s %s\n", "SERIAL", "NAME", "ALG", "ACTIVE",
		       "VERSIONS", "WAITING", "KEYRING");
	for (int i = 0; i < n; i++) {
		int err = szkm_key_info(refs[i].serial, k);

		if (err == -ENOKEY || err == -EKEYREVOKED || err == -EKEYEXPIRED)
			continue;	/* gone since the keyring was read */
		if (err < 0) {
			fprintf(stderr, "key %d in %s: ", refs[i].serial, refs[i].ring);
			szkmctl_report("unable to read it", err);
			ret = EXIT_FAILED;
			continue;
		}
		if (json) {
			printf("%s", shown ? "," : "");
			szkmctl_key_json(k, refs[i].ring);
		} else {
			row(k, refs[i].ring);
		}
		shown++;
	}
	if (json)
		printf("]\n");
	free(k);
	free(refs);
	return ret;
}
