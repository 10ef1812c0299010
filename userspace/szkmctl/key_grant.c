// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * key_grant.c - `szkmctl key grant KEY USER|UID [--wait SECONDS]` and
 * `szkmctl key revoke KEY USER|UID [--wait SECONDS]`: a service's uid gets
 * the use of a key, or loses it. The kernel records a KEY_GRANT or
 * KEY_REVOKE event naming who asked; a ledger=required key applies it
 * only on the ledger's proof. The grantee then finds the key as
 * %szkm:NAME, in its own keyring %:.szkm.UID, from any session
 * (include/szkm.h, "Grants"). Root only, for a key it made or loaded.
 */
#include "subcommands.h"
#include "libszkm.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(int revoke, FILE *f, int code)
{
	fprintf(f, "Usage: %s key %s KEY USER|UID [--wait SECONDS]\n%s\n"
		"KEY is a serial or the name of an szkm key in your keyrings; --wait waits\n"
		"until the ledger has proven the change, at most SECONDS.\n",
		PROG_NAME, revoke ? "revoke" : "grant",
		revoke ? "Takes a grant back: the user's key object stops working and goes."
		       : "Lets USER (a name or a uid) use the key: it finds it as %szkm:NAME from any\n"
			 "session, until the grant is revoked.");
	return code;
}

/* A user name or a decimal uid; -1 having said what was wrong. */
static int parse_user(const char *s, uint32_t *uid, char *name, size_t namelen)
{
	struct passwd *pw = getpwnam(s);
	unsigned long v;

	if (pw) {
		*uid = pw->pw_uid;
		snprintf(name, namelen, "%s", pw->pw_name);
		return 0;
	}
	if (s[0] < '0' || s[0] > '9') {
		szkmctl_bad("'%s' is no user name and no uid", s);
		return -1;
	}
	if (szkmctl_parse_uint("UID", s, 0, UINT32_MAX - 1, &v))
		return -1;
	*uid = (uint32_t)v;
	pw = getpwuid(*uid);
	snprintf(name, namelen, "%s", pw ? pw->pw_name : "no user name");
	return 0;
}

static int grant_main(int revoke, int argc, char *argv[])
{
	const char *spec = NULL, *user = NULL, *verb = revoke ? "revoke" : "grant";
	unsigned long wait = 0;
	struct szkm_key_info *k;
	char name[64], what[160];
	uint32_t uid;
	int ret;

	if (szkmctl_wants_help(argc, argv))
		return usage(revoke, stdout, EXIT_OK);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val;

		if (!strcmp(a, "--wait")) {
			val = szkmctl_value(argc, argv, &i);
			if (!val || szkmctl_wait_option(val, &wait))
				return EXIT_USAGE;
		} else if (a[0] == '-' || (spec && user)) {
			return szkmctl_unknown(a);
		} else if (!spec) {
			spec = a;
		} else {
			user = a;
		}
	}
	if (!spec)
		return szkmctl_bad("which key? (a name or serial)");
	if (!user)
		return szkmctl_bad("which user? (a name or uid)");
	if (parse_user(user, &uid, name, sizeof(name)))
		return EXIT_USAGE;
	k = szkmctl_key_load(spec);
	if (!k)
		return EXIT_FAILED;
	ret = szkm_key_grant(k->serial, uid, revoke);
	if (ret < 0) {
		snprintf(what, sizeof(what), "Unable to %s %s %s uid %u (%s)", verb, k->name,
			 revoke ? "from" : "to", uid, name);
		szkmctl_report(what, ret);
		free(k);
		return EXIT_FAILED;
	}
	ret = wait ? szkmctl_key_wait(k->serial, wait, k) : szkm_key_info(k->serial, k);
	if (ret < 0 && ret != -ETIMEDOUT) {
		szkmctl_report("The change is made; reading the key again failed", ret);
		free(k);
		return EXIT_FAILED;
	}
	if (k->waiting)
		printf("%s: the %s uid %u (%s) waits for the ledger's proof\n", k->name,
		       revoke ? "revoke from" : "grant to", uid, name);
	else
		printf("%s: %s uid %u (%s)\n", k->name, revoke ? "revoked from" : "granted to", uid,
		       name);
	if (ret == -ETIMEDOUT)
		fprintf(stderr, "%s: still waits for the ledger's proof after %lu s (is ledgerd or szkmctl events listen --ack running?)\n",
			k->name, wait);
	free(k);
	return ret ? EXIT_FAILED : EXIT_OK;
}

int key_grant_main(int argc, char *argv[])
{
	return grant_main(0, argc, argv);
}

int key_revoke_main(int argc, char *argv[])
{
	return grant_main(1, argc, argv);
}
