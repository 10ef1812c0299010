// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * key_create.c - `szkmctl key create NAME --alg ALG [--rotate PERIOD]
 * [--max-uses N] [--ledger required|async] [--keyring RING] [--wait S]`:
 * the kernel makes the key (keyctl add szkm NAME "new ALG ..."), in the
 * user keyring @u by default: it outlives the session that made it, a
 * login session (pam_keyinit) links it, and `state restore` loads keys
 * there at boot. With ledger=required (the default) version 1 is pending
 * until the ledger proves its event: said, or waited for with --wait.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "szkm.h"
#include "szkm_event.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <keyutils.h>

static const char *const algs[] = { "aes256-gcm", "ecdsa-p256", "ecdh-p256" };

static int usage(FILE *f, int code)
{
	fprintf(f, "Usage: %s key create NAME --alg aes256-gcm|ecdsa-p256|ecdh-p256 [--rotate PERIOD]\n"
		"       [--max-uses N] [--ledger required|async] [--keyring RING] [--wait SECONDS]\n"
		"Makes a key in the kernel. NAME: 1 to %d of [A-Za-z0-9._-]. PERIOD: seconds, or a\n"
		"number with a unit s, m, h or d (30d). RING: @u (default), @us, @s, @p, @t or a serial.\n"
		"--wait: until the ledger has proven version 1, at most SECONDS.\n",
		PROG_NAME, SZKM_NAME_MAX);
	return code;
}

/* The policy words, one at a time: "rotate=30d" from --rotate 30d. */
struct policy {
	char text[256];
	unsigned int seen;
};

static int add_word(struct policy *p, const char *opt, const char *word)
{
	const char *why = NULL;
	size_t n = strlen(p->text);
	int o = szkm_policy_word(word, &why);

	if (o < 0)
		return szkmctl_bad("%s: %s", opt, why);
	if (p->seen & (1u << o))
		return szkmctl_bad("%s given twice", opt);
	p->seen |= 1u << o;
	snprintf(p->text + n, sizeof(p->text) - n, "%s%s", n ? " " : "", word);
	return 0;
}

/* --rotate: bare seconds, or the kernel's number and unit. */
static int add_rotate(struct policy *p, const char *val)
{
	char word[48];
	size_t n = strlen(val);
	int bare = n && strspn(val, "0123456789") == n;

	if (snprintf(word, sizeof(word), "rotate=%s%s", val, bare ? "s" : "") >= (int)sizeof(word))
		return szkmctl_bad("--rotate: '%s' is too long", val);
	return add_word(p, "--rotate", word);
}

/* A key of this name directly in @ring would be updated, not made. */
static int32_t existing(const char *name, int32_t ring)
{
	long id = keyctl_get_keyring_ID(ring, 0);
	int32_t *members, found = 0;
	long n;

	if (id < 0)
		return 0;
	n = keyctl_read_alloc((key_serial_t)id, (void **)&members);
	if (n < 0)
		return 0;
	for (size_t i = 0; i < (size_t)n / sizeof(*members) && !found; i++) {
		char *desc, *semi;

		if (keyctl_describe_alloc(members[i], &desc) < 0)
			continue;
		semi = strrchr(desc, ';');
		if (!strncmp(desc, SZKM_KEY_TYPE ";", strlen(SZKM_KEY_TYPE) + 1) && semi &&
		    !strcmp(semi + 1, name))
			found = members[i];
		free(desc);
	}
	free(members);
	return found;
}

int key_create_main(int argc, char *argv[])
{
	const char *name = NULL, *alg = NULL, *ring = "@u";
	struct policy pol = { .text = "" };
	unsigned long wait = 0, n;
	struct szkm_key_info *k;
	int32_t ringid, serial;
	char word[48];
	int ret;

	if (szkmctl_wants_help(argc, argv))
		return usage(stdout, EXIT_OK);
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val;

		if (opt[0] != '-') {
			if (name)
				return szkmctl_unknown(opt);
			name = opt;
			continue;
		}
		if (strcmp(opt, "--alg") && strcmp(opt, "--rotate") && strcmp(opt, "--max-uses") &&
		    strcmp(opt, "--ledger") && strcmp(opt, "--keyring") && strcmp(opt, "--wait"))
			return szkmctl_unknown(opt);
		val = szkmctl_value(argc, argv, &i);
		if (!val)
			return EXIT_USAGE;
		if (!strcmp(opt, "--alg")) {
			alg = val;
		} else if (!strcmp(opt, "--rotate")) {
			if (add_rotate(&pol, val))
				return EXIT_USAGE;
		} else if (!strcmp(opt, "--max-uses")) {
			if (szkmctl_parse_uint(opt, val, 1, SZKM_MAX_USES_LIMIT, &n))
				return EXIT_USAGE;
			snprintf(word, sizeof(word), "max_uses=%lu", n);
			if (add_word(&pol, opt, word))
				return EXIT_USAGE;
		} else if (!strcmp(opt, "--ledger")) {
			snprintf(word, sizeof(word), "ledger=%.20s", val);
			if (strcmp(val, "required") && strcmp(val, "async"))
				return szkmctl_bad("--ledger: '%s' is not required or async", val);
			if (add_word(&pol, opt, word))
				return EXIT_USAGE;
		} else if (!strcmp(opt, "--keyring")) {
			ring = val;
		} else if (szkmctl_wait_option(val, &wait)) {
			return EXIT_USAGE;
		}
	}
	if (!name)
		return szkmctl_bad("which name? (1 to %d of [A-Za-z0-9._-])", SZKM_NAME_MAX);
	if (szkm_key_name_check(name))
		return szkmctl_bad("'%s' is not a key name (1 to %d of [A-Za-z0-9._-])", name,
				   SZKM_NAME_MAX);
	if (!alg)
		return szkmctl_bad("--alg is needed (aes256-gcm, ecdsa-p256 or ecdh-p256)");
	for (n = 0; n < sizeof(algs) / sizeof(algs[0]) && strcmp(alg, algs[n]); n++)
		;
	if (n == sizeof(algs) / sizeof(algs[0]))
		return szkmctl_bad("--alg: '%s' is not aes256-gcm, ecdsa-p256 or ecdh-p256", alg);
	if (szkm_keyring_parse(ring, &ringid))
		return szkmctl_bad("--keyring: '%s' is not @u, @us, @s, @p, @t or a serial", ring);

	serial = existing(name, ringid);
	if (serial) {
		fprintf(stderr, "%s: %s holds a key of that name already (serial %d)\n", name, ring,
			serial);
		return EXIT_FAILED;
	}
	serial = szkm_key_create(name, alg, pol.text, ringid);
	if (serial < 0) {
		char what[128];

		snprintf(what, sizeof(what), "Unable to create key %s in %s", name, ring);
		if (serial == -ENOENT || serial == -ENOKEY)
			fprintf(stderr, "%s: no such keyring, or no ready device (szkmctl status)\n", what);
		else
			szkmctl_key_report(what, serial);
		return EXIT_FAILED;
	}
	k = malloc(sizeof(*k));
	if (!k)
		return EXIT_FAILED;
	ret = wait ? szkmctl_key_wait(serial, wait, k) : szkm_key_info(serial, k);
	if (ret < 0 && ret != -ETIMEDOUT) {
		printf("%s: created, serial %d in %s\n", name, serial, ring);
		szkmctl_report("Unable to read the new key", ret);
		free(k);
		return EXIT_FAILED;
	}
	printf("%s: created, serial %d in %s, %s v1 %s\n", name, serial, ring, alg,
	       szkmctl_key_settled(k) ? "active" : "pending until the ledger proves it");
	if (ret == -ETIMEDOUT)
		fprintf(stderr, "%s: still waits for the ledger's proof after %lu s (is ledgerd or szkmctl events listen --ack running?)\n",
			name, wait);
	free(k);
	return ret ? EXIT_FAILED : EXIT_OK;
}
