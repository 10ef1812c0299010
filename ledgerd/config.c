// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * config.c - ledgerd's settings: one table for the file, the flags, the
 * defaults and the usage.
 *
 * Each setting is named once: "key = value" in the file, --key value as a
 * flag (with '-' for '_'), its default and its line in the usage all come
 * from its row, so the four cannot disagree. The file is read first and
 * the flags override it.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledgerd.h"

enum kind {
	STR,		/* copied; too long is an error */
	UINT,		/* decimal 0..max */
	BOOL,		/* yes/no, true/false, 1/0 */
	CHOICE,		/* one of the words in choices */
};

struct setting {
	const char *key;	/* file key; the flag is --key, '-' for '_' */
	enum kind kind;
	size_t off, size;	/* the field in struct ledgerd_config */
	unsigned int max;	/* UINT */
	const char *choices;	/* CHOICE: words separated by '|' */
	const char *def;	/* default (NULL: empty, or computed) */
	const char *help;
};

#define F(field) offsetof(struct ledgerd_config, field), \
	sizeof(((struct ledgerd_config *)0)->field)

static const struct setting settings[] = {
	{ "db", STR, F(db), 0, NULL, "/var/lib/ledgerd/ledger.db",
	  "the ledger's SQLite database" },
	{ "origin", STR, F(origin), 0, NULL, "localhost/szkm-ledger",
	  "the checkpoint origin line" },
	{ "key_name", STR, F(key_name), 0, NULL, NULL,
	  "the note key name (default: the origin)" },
	{ "key", STR, F(key), 0, NULL, "/etc/ledgerd/node.pem",
	  "the node key: PEM file, pkcs11:URI or tpm2:..." },
	{ "pkcs11_module", STR, F(pkcs11_module), 0, NULL, NULL,
	  "the PKCS#11 module of a pkcs11: key" },
	{ "pkcs11_pin", STR, F(pkcs11_pin), 0, NULL, NULL,
	  "its PIN" },
	{ "http_address", STR, F(http_address), 0, NULL, "127.0.0.1",
	  "where the HTTP API listens (numeric)" },
	{ "http_port", UINT, F(http_port), 65535, NULL, "8587",
	  "its port (0: any)" },
	{ "http_threads", UINT, F(http_threads), 64, NULL, "2",
	  "its threads" },
	{ "control_socket", STR, F(control), 0, NULL, "/run/ledgerd/control",
	  "the control socket" },
	{ "netlink", CHOICE, F(netlink), 0, "auto|yes|no", "auto",
	  "listen to szkm.ko's events" },
	{ "checkpoint_interval_ms", UINT, F(checkpoint_ms), 1000, NULL, "0",
	  "0: a checkpoint per batch; else at most every n ms" },
	{ "batch_max", UINT, F(batch_max), 1 << 20, NULL, "4096",
	  "most control lines in one batch" },
	{ "verify_all", BOOL, F(verify_all), 0, NULL, "no",
	  "re-verify every event signature at start" },
	{ "durability", CHOICE, F(durability), 0, "full|none", "full",
	  "none skips fsync (tests, benchmarks)" },
	{ "verify_threads", UINT, F(verify_threads), 16, NULL, NULL,
	  "signature checkers (default: one per CPU)" },
	{ "netlink_rcvbuf", UINT, F(netlink_rcvbuf), 1 << 30, NULL, "0",
	  "the events socket's buffer (0: 4 MiB)" },
	{ "etcd", STR, F(etcd), 0, NULL, NULL,
	  "multi-node: http://HOST:PORT/PREFIX[,...] of the etcd that orders entries" },
	{ "etcd_ca", STR, F(etcd_ca), 0, NULL, NULL,
	  "https etcd: the CA its certificate must chain to (PEM)" },
	{ "etcd_cert", STR, F(etcd_cert), 0, NULL, NULL,
	  "https etcd: this node's client certificate (PEM)" },
	{ "etcd_key", STR, F(etcd_key), 0, NULL, NULL,
	  "https etcd: the client certificate's private key (PEM)" },
	{ "etcd_timeout_ms", UINT, F(etcd_timeout_ms), 60000, NULL, "3000",
	  "how long one request to etcd may take" },
	{ "peers", STR, F(peers), 0, NULL, NULL,
	  "the other nodes: 'URL VKEY' pairs, comma-separated" },
	{ "genesis", STR, F(genesis), 0, NULL, NULL,
	  "the first membership entry (ledgerd member propose --genesis)" },
	{ "cosign_k", UINT, F(cosign_k), 64, NULL, "0",
	  "nodes that must sign a served checkpoint (0: a majority)" },
	{ "witness_key", STR, F(witness_key), 0, NULL, NULL,
	  "multi-node: an Ed25519 PEM key for cosignature/v1 lines" },
	{ "witness_name", STR, F(witness_name), 0, NULL, NULL,
	  "its key name (default: the key name + '/witness')" },
};

#define NSETTINGS	(sizeof(settings) / sizeof(settings[0]))

static bool is_choice(const char *choices, const char *v)
{
	size_t n = strlen(v);

	for (const char *p = choices; *p;) {
		size_t len = strcspn(p, "|");

		if (n && len == n && !strncmp(p, v, n))
			return true;
		p += len + (p[len] == '|');
	}
	return false;
}

/* One setting, from the file (key = value) or a flag (--key value). */
static void set(struct ledgerd_config *c, const struct setting *s, const char *v)
{
	void *field = (char *)c + s->off;
	unsigned long n;
	char *end;

	switch (s->kind) {
	case STR:
		if (strlen(v) >= s->size)
			die("%s is too long: %s", s->key, v);
		strcpy(field, v);
		break;
	case UINT:
		errno = 0;
		n = strtoul(v, &end, 10);
		if (errno || !*v || *end || *v == '-' || n > s->max)
			die("%s: '%s' is not a number from 0 to %u", s->key, v,
			    s->max);
		*(unsigned int *)field = (unsigned int)n;
		break;
	case BOOL:
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
			*(bool *)field = true;
		else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
			*(bool *)field = false;
		else
			die("%s: '%s' is not yes or no", s->key, v);
		break;
	case CHOICE:
		if (!is_choice(s->choices, v) || strlen(v) >= s->size)
			die("%s: '%s' is not one of %s", s->key, v, s->choices);
		strcpy(field, v);
		break;
	}
}

static const struct setting *find(const char *key)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (!strcmp(settings[i].key, key))
			return &settings[i];
	return NULL;
}

static void defaults(struct ledgerd_config *c)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NSETTINGS; i++)
		if (settings[i].def)
			set(c, &settings[i], settings[i].def);
	c->verify_threads = ncpu < 1 ? 1 : ncpu > 16 ? 16 : (unsigned int)ncpu;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = 0;
	return s;
}

static void read_file(struct ledgerd_config *c, const char *path, bool required)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	unsigned int n = 0;

	if (!f) {
		if (required || errno != ENOENT)
			die("cannot read %s: %s", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		const struct setting *s;
		char *l = trim(line), *eq;

		n++;
		if (!*l || *l == '#')
			continue;
		eq = strchr(l, '=');
		if (!eq)
			die("%s:%u: expected key = value", path, n);
		*eq = 0;
		s = find(trim(l));
		if (!s)
			die("unknown setting '%s'", trim(l));
		set(c, s, trim(eq + 1));
	}
	fclose(f);
}

/* The flag of setting @i: its key with '-' for '_'. */
static const char *flag_name(size_t i)
{
	static char names[NSETTINGS][40];

	if (!names[i][0]) {
		snprintf(names[i], sizeof(names[i]), "%s", settings[i].key);
		for (char *p = names[i]; *p; p++)
			if (*p == '_')
				*p = '-';
	}
	return names[i];
}

void ledgerd_config_usage(FILE *f)
{
	fprintf(f, "options (each also a line 'key = value' of the file, '_' for '-'):\n"
		"  -c, --config FILE                  default " LEDGERD_DEFAULT_CONFIG "\n");
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		char arg[64];

		snprintf(arg, sizeof(arg), "--%s %s", flag_name(i),
			 s->kind == CHOICE ? s->choices :
			 s->kind == BOOL ? "yes|no" :
			 s->kind == UINT ? "N" : "VALUE");
		fprintf(f, "  %-34s %s", arg, s->help);
		if (s->def && strcmp(s->def, "0"))
			fprintf(f, " [%s]", s->def);
		fputc('\n', f);
	}
}

int ledgerd_config_load(struct ledgerd_config *c, int argc, char **argv,
			int *status)
{
	struct option opts[NSETTINGS + 3];
	const char *cfg_path = LEDGERD_DEFAULT_CONFIG, *given[NSETTINGS] = { 0 };
	bool cfg_given = false;
	int o, idx;

	for (size_t i = 0; i < NSETTINGS; i++)
		opts[i] = (struct option){ flag_name(i), required_argument, NULL,
					   1000 + (int)i };
	opts[NSETTINGS] = (struct option){ "config", required_argument, NULL, 'c' };
	opts[NSETTINGS + 1] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[NSETTINGS + 2] = (struct option){ 0 };
	while ((o = getopt_long(argc, argv, "+c:h", opts, &idx)) != -1) {
		if (o == 'c') {
			cfg_path = optarg;
			cfg_given = true;
		} else if (o >= 1000 && o < 1000 + (int)NSETTINGS) {
			given[o - 1000] = optarg;
		} else {
			*status = o == 'h' ? 0 : 2;
			return -1;
		}
	}
	defaults(c);
	read_file(c, cfg_path, cfg_given);
	for (size_t i = 0; i < NSETTINGS; i++)
		if (given[i])
			set(c, &settings[i], given[i]);
	return optind;
}
