// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * main.c - ledgerd: the table of subcommands, and the program's voice.
 *
 * With no subcommand ledgerd runs the ledger node (daemon.c); each other
 * subcommand lives in its own file with a *_main(config, argc, argv) and
 * a row here, from which the usage is printed too. The settings come
 * first, from config.c's table, for every subcommand. ledgerd(8) is the
 * manual.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledgerd.h"

static const struct subcommand {
	const char *name;	/* NULL: no subcommand, the daemon */
	int (*main)(struct ledgerd_config *c, int argc, char **argv);
	const char *args;
	const char *what;
} subcommands[] = {
	{ NULL, ledgerd_daemon_main, "", "run the ledger node" },
	{ "check", ledgerd_check_main, "", "check the ledger, exit" },
	{ "vkey", ledgerd_vkey_main, "[--witness]",
	  "print the (witness key's) verifier key" },
	{ "genkey", ledgerd_genkey_main, "[--ed25519] FILE",
	  "a new node (or witness: Ed25519) key" },
	{ "enroll", ledgerd_enroll_main, "NAME KEY",
	  "enrol a device (KEY: hex point or PEM file)" },
	{ "feed", ledgerd_feed_main, "[FILE]", "send control lines" },
	{ "member", ledgerd_member_main, "propose|enrol|approve|submit|show ...",
	  "membership changes (ledgerd(8))" },
};

#define NSUBCOMMANDS	(sizeof(subcommands) / sizeof(subcommands[0]))

static void vsay(const char *fmt, va_list ap)
{
	fputs("ledgerd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(1);
}

static void usage(FILE *f)
{
	for (size_t i = 0; i < NSUBCOMMANDS; i++) {
		const struct subcommand *s = &subcommands[i];
		char line[80];

		snprintf(line, sizeof(line), "ledgerd [options]%s%s%s%s",
			 s->name ? " " : "", s->name ? s->name : "",
			 *s->args ? " " : "", s->args);
		fprintf(f, "%s %-44s %s\n", i ? "      " : "usage:", line, s->what);
	}
	ledgerd_config_usage(f);
}

int main(int argc, char **argv)
{
	const struct subcommand *s = &subcommands[0];
	struct ledgerd_config c;
	int first, status = 2, ret;

	first = ledgerd_config_load(&c, argc, argv, &status);
	if (first < 0) {
		usage(status ? stderr : stdout);
		return status;
	}
	if (first < argc) {
		s = NULL;
		for (size_t i = 1; i < NSUBCOMMANDS && !s; i++)
			if (!strcmp(argv[first], subcommands[i].name))
				s = &subcommands[i];
	}
	/* --help anywhere after a subcommand is a question, never an operand. */
	for (int i = first + 1; s && i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	/* A subcommand's argv[0] is its name; the daemon's, the program's. */
	if (!s)
		ret = -1;
	else if (s == subcommands)
		ret = s->main(&c, 1, argv);
	else
		ret = s->main(&c, argc - first, argv + first);
	if (ret < 0) {
		usage(stderr);
		return 2;
	}
	return ret;
}
