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
	{ "device members", device_members_main, "Follows the ledger's membership: new ledger keys and k" },
	{ "tpm provision", tpm_provision_main, "Persists the standard storage key at 0x81000001" },
	{ "tpm info", tpm_info_main, "Shows the TPM: manufacturer, firmware, PCR banks" },
	{ "events listen", events_listen_main, "Prints and checks lifecycle events (and acks them)" },
	{ "key list", key_list_main, "Lists your szkm keys: serial, name, versions, what waits" },
	{ "key create", key_create_main, "Makes a key in the kernel (aes256-gcm, ecdsa-p256, ecdh-p256)" },
	{ "key show", key_show_main, "Shows a key's versions, states and public keys" },
	{ "key rotate", key_rotate_main, "Makes a new version of a key" },
	{ "key retire", key_retire_main, "Makes an old version decrypt-only" },
	{ "key destroy", key_destroy_main, "Wipes an old version's secret" },
	{ "key policy", key_policy_main, "Changes a key's policy (rotate=, max_uses=, min_version=, ledger=)" },
	{ "key grant", key_grant_main, "Lets a user (a service's uid) use a key, from any session" },
	{ "key revoke", key_revoke_main, "Takes a user's grant of a key back" },
	{ "key pub", key_pub_main, "Writes a version's public key as PEM" },
	{ "key export", key_export_main, "Writes a key's metadata as a bundle sealed by the kernel" },
	{ "key encrypt", key_encrypt_main, "Encrypts to an ecdh-p256 key (ECIES, OpenSSL)" },
	{ "state save", state_save_main, "Saves the device blob and every key's sealed blob" },
	{ "state restore", state_restore_main, "Unseals the device and loads the saved keys (at boot)" },
	{ "verify", verify_main, "Checks a key (or its export bundle) against the ledger's proofs" },
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

/* The first word of a two-word name ("key"): says which word was wrong. */
static int is_group(const char *word)
{
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		const char *sp = strchr(subcommands[i].name, ' ');

		if (sp && strlen(word) == (size_t)(sp - subcommands[i].name) &&
		    !strncmp(word, subcommands[i].name, (size_t)(sp - subcommands[i].name)))
			return 1;
	}
	return 0;
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
	int two;

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

		if (matches(subcommands[i].name, argc, argv, &used)) {
			szkmctl_cmd = subcommands[i].name;
			return subcommands[i].fn(argc - used, argv + used);
		}
	}
	two = argc > 2 && is_group(argv[1]);
	fprintf(stderr, "%s: no subcommand `%s%s%s' (%s --help lists them)\n", PROG_NAME, argv[1],
		two ? " " : "", two ? argv[2] : "", PROG_NAME);
	return EXIT_USAGE;
}
