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
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s <cmd> [<args>]\n\nAvailable subcommands:\n", PROG_NAME);
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].description);
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
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "Invalid subcommand: `%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
