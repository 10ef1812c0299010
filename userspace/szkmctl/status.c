// SPDX-License-Identifier: GPL-2.0-or-later
/* status.c - `szkmctl status [--json]`: what the kernel says of the device. */
#include "subcommands.h"
#include "libszkm.h"
#include "szkm.h"

#include <stdio.h>
#include <string.h>

static const char *const state_names[] = {
	[SZKM_DEV_UNINITIALISED] = "uninitialised",
	[SZKM_DEV_SEALED] = "sealed",
	[SZKM_DEV_READY] = "ready",
};
static const char *const tpm_names[] = {
	[SZKM_TPM_NONE] = "none",
	[SZKM_TPM_1_2] = "1.2 (unsupported)",
	[SZKM_TPM_2_0] = "2.0",
};

#define NAME(tab, i) ((i) < sizeof(tab) / sizeof(tab[0]) ? tab[i] : "unknown")

int status_main(int argc, char *argv[])
{
	char id[2 * sizeof(((struct szkm_status *)0)->device_id) + 1];
	struct szkm_status st;
	int json = 0, ret;

	if (argc == 2 && !strcmp(argv[1], "--json"))
		json = 1;
	else if (argc != 1) {
		fprintf(stderr, "Usage: %s %s [--json]\n", PROG_NAME, argv[0]);
		return EXIT_USAGE;
	}
	ret = szkm_status_get(&st);
	if (ret < 0) {
		fprintf(stderr, "Unable to read device status: %s\n", szkm_strerror(ret));
		return EXIT_FAILED;
	}
	if (st.has_device_id)
		szkm_hex_encode(id, st.device_id, sizeof(st.device_id));
	else
		strcpy(id, json ? "" : "none");
	if (json)
		printf("{\"version\":\"%s\",\"state\":\"%s\",\"tpm\":\"%s\",\"test_mode\":%s,\"keys\":%u,\"device_id\":\"%s\",\"chain\":%s,\"seq\":%llu,\"journal\":%u}\n",
		       st.version, NAME(state_names, st.state), NAME(tpm_names, st.tpm),
		       st.test_mode ? "true" : "false", st.nkeys, id, st.chain ? "true" : "false",
		       (unsigned long long)st.seq, st.journal);
	else
		printf("module:    szkm %s\nstate:     %s\ntpm:       %s\ntest mode: %s\nkeys:      %u\ndevice id: %s\nevents:    %s, last %llu, %u waiting for the ledger\n",
		       st.version, NAME(state_names, st.state), NAME(tpm_names, st.tpm),
		       st.test_mode ? "ON (INSECURE)" : "off", st.nkeys, id,
		       st.chain ? "chained" : "not resumed", (unsigned long long)st.seq, st.journal);
	return EXIT_OK;
}
