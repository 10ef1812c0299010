// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * key_change.c - the changes of a key: `szkmctl key rotate KEY`, `key
 * retire KEY VERSION`, `key destroy KEY VERSION` and `key policy KEY
 * WORD...` (the kernel's "set" options), each with [--wait SECONDS]. KEY
 * is a serial or a name in the caller's keyrings. A ledger=required key
 * applies a change only on the ledger's proof: the new version stays
 * pending, a retire, destroy or policy change waits (one at a time). Each
 * says so, or with --wait waits until it is applied or the deadline.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "szkm.h"
#include "szkm_event.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum change { ROTATE, RETIRE, DESTROY, POLICY };

static const char *const verbs[] = {
	[ROTATE] = "rotate", [RETIRE] = "retire", [DESTROY] = "destroy", [POLICY] = "policy",
};

static int usage(enum change c, FILE *f, int code)
{
	static const char *const args[] = {
		[ROTATE] = "KEY [--wait SECONDS]\n"
			   "Makes a new version; with ledger=required it stays pending (the one before\n"
			   "stays active) until the ledger proves it.",
		[RETIRE] = "KEY VERSION [--wait SECONDS]\n"
			   "Makes an old version decrypt-only (a rotated version is already).",
		[DESTROY] = "KEY VERSION [--wait SECONDS]\n"
			    "Wipes an old version's secret (its metadata stays); with ledger=required\n"
			    "it works until the ledger proves the change.",
		[POLICY] = "KEY WORD... [--wait SECONDS]\n"
			   "Changes the key's policy. WORD: rotate=<n>s|m|h|d (1s to 3650d),\n"
			   "max_uses=<1 to 2^32>, min_version=<n> (older versions neither decrypt nor\n"
			   "verify), ledger=required|async (async: test devices only).",
	};

	fprintf(f, "Usage: %s key %s %s\nKEY is a serial or the name of an szkm key in your keyrings;\n"
		"--wait waits until the ledger has proven the change, at most SECONDS.\n",
		PROG_NAME, verbs[c], args[c]);
	return code;
}

struct request {
	enum change c;
	const char *spec;
	unsigned long version;
	unsigned long wait;
	char words[512];
};

static int parse(struct request *r, int argc, char *argv[])
{
	unsigned int seen = 0;
	int nargs = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val, *why;
		size_t n;
		int o;

		if (!strcmp(a, "--wait")) {
			val = szkmctl_value(argc, argv, &i);
			if (!val || szkmctl_wait_option(val, &r->wait))
				return -1;
			continue;
		}
		if (a[0] == '-') {
			szkmctl_unknown(a);
			return -1;
		}
		nargs++;
		if (nargs == 1) {
			r->spec = a;
		} else if (nargs == 2 && (r->c == RETIRE || r->c == DESTROY)) {
			if (szkmctl_parse_uint("VERSION", a, 1, UINT32_MAX, &r->version))
				return -1;
		} else if (r->c == POLICY) {
			o = szkm_policy_word(a, &why);
			if (o < 0) {
				szkmctl_bad("'%s': %s", a, why);
				return -1;
			}
			if (seen & (1u << o)) {
				szkmctl_bad("'%s': that option is given twice", a);
				return -1;
			}
			seen |= 1u << o;
			n = strlen(r->words);
			if (n + strlen(a) + 2 > sizeof(r->words)) {
				szkmctl_bad("too many words");
				return -1;
			}
			snprintf(r->words + n, sizeof(r->words) - n, "%s%s", n ? " " : "", a);
		} else {
			szkmctl_unknown(a);
			return -1;
		}
	}
	if (!r->spec) {
		szkmctl_bad("which key? (a name or serial)");
		return -1;
	}
	if ((r->c == RETIRE || r->c == DESTROY) && !r->version) {
		szkmctl_bad("which version? (a number, as key show lists them)");
		return -1;
	}
	if (r->c == POLICY && !seen) {
		szkmctl_bad("which policy? (rotate=, max_uses=, min_version=, ledger=)");
		return -1;
	}
	return 0;
}

/*
 * What the kernel would refuse, said plainly from the key's metadata (the
 * kernel's own reason goes to its log): 0 to go on, else an exit code.
 */
static int check_version(const struct request *r, const struct szkm_key_info *k)
{
	const struct szkm_version_info *v = szkm_key_version(k, (uint32_t)r->version);

	if (!v) {
		fprintf(stderr, "%s has no version %lu\n", k->name, r->version);
		return EXIT_FAILED;
	}
	switch (v->state) {
	case SZKM_VS_ACTIVE:
		fprintf(stderr, "%s v%u is the active version: rotate first\n", k->name, v->num);
		return EXIT_FAILED;
	case SZKM_VS_PENDING:
		fprintf(stderr, "%s v%u is pending: nothing but the ledger's proof changes it\n",
			k->name, v->num);
		return EXIT_FAILED;
	case SZKM_VS_DECRYPT_ONLY:
		if (r->c == RETIRE) {
			printf("%s: v%u is decrypt-only already\n", k->name, v->num);
			return EXIT_OK;
		}
		return -1;
	case SZKM_VS_DESTROYED:
		if (r->c == DESTROY)
			printf("%s: v%u is destroyed already\n", k->name, v->num);
		else
			fprintf(stderr, "%s v%u is destroyed\n", k->name, v->num);
		return r->c == DESTROY ? EXIT_OK : EXIT_FAILED;
	}
	return -1;
}

/* The newest version: the one a rotation made. */
static const struct szkm_version_info *newest(const struct szkm_key_info *k)
{
	const struct szkm_version_info *v = NULL;

	for (unsigned int i = 0; i < k->nver; i++)
		if (!v || k->ver[i].num > v->num)
			v = &k->ver[i];
	return v;
}

/* Where the change stands now: applied, or waiting for the ledger. */
static void say(const struct request *r, const struct szkm_key_info *k, uint32_t before)
{
	const struct szkm_version_info *v = newest(k);
	int waits = !szkmctl_key_settled(k);

	switch (r->c) {
	case ROTATE:
		if (v && v->state == SZKM_VS_PENDING)
			printf("%s: v%u made, pending until the ledger proves it (v%u stays active)\n",
			       k->name, v->num, before);
		else if (v)
			printf("%s: v%u active\n", k->name, v->num);
		break;
	case RETIRE:
		if (waits)
			printf("%s: the retire of v%lu waits for the ledger's proof\n", k->name, r->version);
		else
			printf("%s: v%lu decrypt-only\n", k->name, r->version);
		break;
	case DESTROY:
		if (waits)
			printf("%s: the destroy of v%lu waits for the ledger's proof (v%lu works until then)\n",
			       k->name, r->version, r->version);
		else
			printf("%s: v%lu destroyed\n", k->name, r->version);
		break;
	case POLICY:
		if (waits)
			printf("%s: the policy change (%s) waits for the ledger's proof\n", k->name,
			       r->words);
		else
			printf("%s: policy changed (%s)\n", k->name, r->words);
		break;
	}
}

static int change_main(enum change c, int argc, char *argv[])
{
	struct request r = { .c = c };
	struct szkm_key_info *k;
	char what[128];
	uint32_t before;
	int ret;

	if (szkmctl_wants_help(argc, argv))
		return usage(c, stdout, EXIT_OK);
	if (parse(&r, argc, argv))
		return EXIT_USAGE;
	k = szkmctl_key_load(r.spec);
	if (!k)
		return EXIT_FAILED;
	if (c == RETIRE || c == DESTROY) {
		ret = check_version(&r, k);
		if (ret >= 0) {
			free(k);
			return ret;
		}
	}
	before = k->active;
	switch (c) {
	case ROTATE:
		ret = szkm_key_rotate(k->serial);
		break;
	case RETIRE:
		ret = szkm_key_retire(k->serial, (uint32_t)r.version);
		break;
	case DESTROY:
		ret = szkm_key_destroy(k->serial, (uint32_t)r.version);
		break;
	default:
		ret = szkm_key_set_policy(k->serial, r.words);
	}
	if (ret < 0) {
		snprintf(what, sizeof(what), "Unable to %s %s", verbs[c], k->name);
		szkmctl_key_report(what, ret);
		free(k);
		return EXIT_FAILED;
	}
	ret = r.wait ? szkmctl_key_wait(k->serial, r.wait, k) : szkm_key_info(k->serial, k);
	if (ret < 0 && ret != -ETIMEDOUT) {
		szkmctl_report("The change is made; reading the key again failed", ret);
		free(k);
		return EXIT_FAILED;
	}
	say(&r, k, before);
	if (ret == -ETIMEDOUT)
		fprintf(stderr, "%s: still waits for the ledger's proof after %lu s (is ledgerd or szkmctl events listen --ack running?)\n",
			k->name, r.wait);
	free(k);
	return ret ? EXIT_FAILED : EXIT_OK;
}

int key_rotate_main(int argc, char *argv[])
{
	return change_main(ROTATE, argc, argv);
}

int key_retire_main(int argc, char *argv[])
{
	return change_main(RETIRE, argc, argv);
}

int key_destroy_main(int argc, char *argv[])
{
	return change_main(DESTROY, argc, argv);
}

int key_policy_main(int argc, char *argv[])
{
	return change_main(POLICY, argc, argv);
}
