// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * szkmctl.c - the operator's CLI: a table of subcommands, each in its own
 * file, all thin over libszkm.
 */
#include "subcommands.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *description;
} subcommands[] = {
	{ "status", status_main, "Shows the device: sealed or not, TPM, keys" },
	{ "device status", status_main, "The same as status: the device, its TPM binding, keys" },
	{ "device init", device_init_main, "Makes a new device and writes its sealed blob" },
	{ "device unseal", device_unseal_main, "Hands the stored device blob back (at boot)" },
	{ "device identity", device_identity_main, "Prints the device id and public key" },
	{ "device lock", device_lock_main, "Wipes the device's keys from memory until unseal" },
	{ "tpm provision", tpm_provision_main, "Persists the standard storage key at 0x81000001" },
	{ "tpm info", tpm_info_main, "Shows the TPM: manufacturer, firmware, PCR banks" },
	{ "events listen", events_listen_main, "Prints and checks lifecycle events (and acks them)" },
	{ "key show", key_show_main, "Shows a key's versions, states and public keys" },
	{ "key pub", key_pub_main, "Writes a version's public key as PEM" },
	{ "key encrypt", key_encrypt_main, "Encrypts to an ecdh-p256 key (ECIES, OpenSSL)" },
	{ "verify", verify_main, "Checks a key's history against the ledger's proofs" },
};

/*
 * Names of two words ("device init") take argv[1] and argv[2]; the
 * subcommand then sees its own word as argv[0].
 */
static int matches(const char *name, int argc, char *argv[], int *used)
{
	const char *sp = strchr(name, ' ');

	if (!sp) {
		*used = 1;
		return !strcmp(argv[1], name);
	}
	*used = 2;
	return argc > 2 && strlen(argv[1]) == (size_t)(sp - name) &&
	       !strncmp(argv[1], name, (size_t)(sp - name)) && !strcmp(argv[2], sp + 1);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s <cmd> [<args>]\n\nAvailable subcommands:\n", PROG_NAME);
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-16s %s\n", subcommands[i].name, subcommands[i].description);
	fprintf(f, "You may pass `--help' to any of these subcommands to view usage.\n");
}

int main(int argc, char *argv[])
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("%s %s\n", PROG_NAME, SZKMCTL_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		int used;

		if (matches(subcommands[i].name, argc, argv, &used))
			return subcommands[i].fn(argc - used, argv + used);
	}
	fprintf(stderr, "Invalid subcommand: `%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
