// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * status.c - `szkmctl status [--json]`: what the kernel says of the device
 * (and its key registry: keys are made and loaded only when it is ready),
 * then its TPM binding (lock PCR, boot PCRs, PIN, policy digest, rollback
 * counter) and how the module's TPM session runs, then the ledger keys the
 * device believes and the last checkpoint it accepted. The first lines
 * never change: scripts read them.
 */
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

/* The binding's keys, after the original ones (which keep their names). */
static void json_binding(const struct szkm_status *st)
{
	char policy[2 * sizeof(st->tpm_policy) + 1] = "";
	int first = 1;

	if (st->has_binding) {
		szkm_hex_encode(policy, st->tpm_policy, sizeof(st->tpm_policy));
		printf(",\"tpm_binding\":true,\"lock_pcr\":%u,\"pcr_capped\":%s",
		       st->lock_pcr, st->pcr_capped ? "true" : "false");
	} else {
		printf(",\"tpm_binding\":false,\"lock_pcr\":null,\"pcr_capped\":false");
	}
	printf(",\"boot_pcrs\":[");
	for (unsigned int i = 0; i < 32; i++) {
		if (st->boot_pcrs & (1u << i)) {
			printf("%s%u", first ? "" : ",", i);
			first = 0;
		}
	}
	printf("],\"pin_set\":%s,\"tpm_policy\":\"%s\",\"tpm_session\":\"%s\"",
	       st->pin_set ? "true" : "false", policy, szkmctl_session_word(st->tpm_session));
	if (st->has_binding)
		printf(",\"tpm_counter\":%llu", (unsigned long long)st->tpm_counter);
	else
		printf(",\"tpm_counter\":null");
}

/* Names are C2SP key names: no quote, backslash or space can be in them. */
static void json_ledger(const struct szkm_status *st)
{
	printf(",\"ledger_keys\":[");
	for (unsigned int i = 0; i < st->ledger_keys; i++)
		printf("%s\"%s\"", i ? "," : "", st->ledger_key[i]);
	printf("],\"ledger_threshold\":%u,\"ledger_size\":%llu,\"members_epoch\":%llu",
	       st->ledger_threshold, (unsigned long long)st->ledger_size,
	       (unsigned long long)st->members_epoch);
}

static void text_ledger(const struct szkm_status *st)
{
	if (!st->ledger_keys) {
		printf("ledger:    none (no device)\n");
		return;
	}
	printf("ledger:    %u of", st->ledger_threshold);
	for (unsigned int i = 0; i < st->ledger_keys; i++)
		printf("%s %s", i ? "," : "", st->ledger_key[i]);
	printf("; proven up to size %llu\n", (unsigned long long)st->ledger_size);
	if (st->members_epoch) {
		printf("members:   epoch %llu, entry ", (unsigned long long)st->members_epoch);
		szkmctl_print_hex(st->members_hash, sizeof(st->members_hash));
		printf("\n");
	} else {
		printf("members:   epoch 0 (the keys of device init)\n");
	}
}

static void text_binding(const struct szkm_status *st)
{
	char pcrs[64];

	if (st->has_binding)
		printf("lock pcr:  %u, %s\n", st->lock_pcr,
		       st->pcr_capped ? "capped (no unseal until reboot)" : "open");
	else
		printf("lock pcr:  none\n");
	szkmctl_pcr_list(pcrs, sizeof(pcrs), st->boot_pcrs);
	printf("boot pcrs: %s\npin:       %s\ntpm policy: ", pcrs, st->pin_set ? "yes" : "no");
	if (st->has_binding)
		szkmctl_print_hex(st->tpm_policy, sizeof(st->tpm_policy));
	else
		printf("none");
	if (st->has_binding)
		printf("\ntpm counter: %llu (older blobs do not open)",
		       (unsigned long long)st->tpm_counter);
	printf("\ntpm session: %s\n", szkmctl_session_text(st->tpm_session));
}

int status_main(int argc, char *argv[])
{
	char id[2 * sizeof(((struct szkm_status *)0)->device_id) + 1];
	struct szkm_status st;
	int json = 0, ret;

	if (szkmctl_wants_help(argc, argv)) {
		printf("Usage: %s %s [--json]\n"
		       "Shows the device, its TPM binding, the event chain, the key registry and the ledger keys.\n",
		       PROG_NAME, szkmctl_cmd);
		return EXIT_OK;
	}
	if (szkmctl_only_flag(argc, argv, "--json", &json))
		return EXIT_USAGE;
	ret = szkm_status_get(&st);
	if (ret < 0) {
		fprintf(stderr, "Unable to read device status: %s\n", szkm_strerror(ret));
		return EXIT_FAILED;
	}
	if (st.has_device_id)
		szkm_hex_encode(id, st.device_id, sizeof(st.device_id));
	else
		strcpy(id, json ? "" : "none");
	if (json) {
		printf("{\"version\":\"%s\",\"state\":\"%s\",\"tpm\":\"%s\",\"test_mode\":%s,\"keys\":%u,\"device_id\":\"%s\",\"chain\":%s,\"seq\":%llu,\"journal\":%u,\"registry\":\"%s\"",
		       st.version, NAME(state_names, st.state), NAME(tpm_names, st.tpm),
		       st.test_mode ? "true" : "false", st.nkeys, id, st.chain ? "true" : "false",
		       (unsigned long long)st.seq, st.journal, szkm_registry_state_name(st.registry));
		json_binding(&st);
		json_ledger(&st);
		printf("}\n");
	} else {
		printf("module:    szkm %s\nstate:     %s\ntpm:       %s\ntest mode: %s\nkeys:      %u\ndevice id: %s\nevents:    %s, last %llu, %u waiting for the ledger\nregistry:  %s\n",
		       st.version, NAME(state_names, st.state), NAME(tpm_names, st.tpm),
		       st.test_mode ? "ON (INSECURE)" : "off", st.nkeys, id,
		       st.chain ? "chained" : "not resumed", (unsigned long long)st.seq, st.journal,
		       szkm_registry_state_name(st.registry));
		text_binding(&st);
		text_ledger(&st);
	}
	return EXIT_OK;
}
