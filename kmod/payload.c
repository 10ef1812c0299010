// SPDX-License-Identifier: GPL-2.0
/*
 * payload.c - the grammar of include/szkm.h ("Managed keys"): text from
 * userspace copied, NUL-terminated, parsed token by token, and wiped. Every
 * length is checked before use and each refusal says which token was wrong.
 */
#include "payload.h"

#include <linux/kernel.h>
#include <linux/key.h>
#include <linux/keyctl.h>
#include <linux/parser.h>
#include <linux/slab.h>
#include <linux/string.h>

static const char *const szkm_alg_names[__SZKM_ALG_MAX] = {
	[SZKM_ALG_AES256_GCM] = "aes256-gcm",
	[SZKM_ALG_ECDSA_P256] = "ecdsa-p256",
	[SZKM_ALG_ECDH_P256] = "ecdh-p256",
};

const char *szkm_alg_name(u8 alg)
{
	return alg < __SZKM_ALG_MAX && szkm_alg_names[alg] ? szkm_alg_names[alg] : "?";
}

static int szkm_alg_parse(const char *s)
{
	int i;

	for (i = 1; i < __SZKM_ALG_MAX; i++)
		if (!strcmp(s, szkm_alg_names[i]))
			return i;
	return -EINVAL;
}

enum {
	Opt_rotate, Opt_max_uses, Opt_min_version, Opt_ledger, Opt_err,
};

static const match_table_t szkm_policy_tokens = {
	{ Opt_rotate, "rotate=%s" },
	{ Opt_max_uses, "max_uses=%s" },
	{ Opt_min_version, "min_version=%s" },
	{ Opt_ledger, "ledger=%s" },
	{ Opt_err, NULL },
};

static const char *const szkm_policy_names[] = {
	[Opt_rotate] = "rotate", [Opt_max_uses] = "max_uses",
	[Opt_min_version] = "min_version", [Opt_ledger] = "ledger",
};

/* "<n>s|m|h|d" within 1 s .. 3650 d. */
static int szkm_period_parse(const char *s, u64 *secs)
{
	static const struct { char unit; u64 mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	size_t n = strlen(s);
	char buf[24];
	u64 v;
	int i;

	if (n < 2 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n - 1);
	buf[n - 1] = '\0';
	if (kstrtou64(buf, 10, &v))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (s[n - 1] != units[i].unit)
			continue;
		if (v == 0 || v > 3650ULL * 86400 / units[i].mult)
			return -ERANGE;
		*secs = v * units[i].mult;
		return 0;
	}
	return -EINVAL;
}

static int szkm_policy_opt(struct szkm_request *cmd, char *tok)
{
	substring_t args[MAX_OPT_ARGS];
	int t = match_token(tok, szkm_policy_tokens, args);
	char val[32];
	unsigned int bit;
	int ret = 0;

	/* Never echo what was typed: a mistyped "import" puts key material here. */
	if (t == Opt_err) {
		pr_info_ratelimited("unknown option (%zu bytes, not shown)\n", strlen(tok));
		return -EINVAL;
	}
	bit = BIT(t);
	if (cmd->policy_set & bit) {
		pr_info_ratelimited("option %s given twice\n", szkm_policy_names[t]);
		return -EINVAL;
	}
	cmd->policy_set |= bit;
	if (match_strlcpy(val, &args[0], sizeof(val)) >= sizeof(val))
		ret = -EINVAL;
	else if (t == Opt_rotate)
		ret = szkm_period_parse(val, &cmd->policy.rotate_secs);
	else if (t == Opt_max_uses)
		ret = kstrtou64(val, 10, &cmd->policy.max_uses) ?:
		      (cmd->policy.max_uses && cmd->policy.max_uses <= SZKM_MAX_USES_LIMIT ? 0 : -ERANGE);
	else if (t == Opt_min_version)
		ret = kstrtou32(val, 10, &cmd->policy.min_version);
	else if (!strcmp(val, "required"))
		cmd->policy.ledger = SZKM_LEDGER_REQUIRED;
	else if (!strcmp(val, "async"))
		cmd->policy.ledger = SZKM_LEDGER_ASYNC;
	else
		ret = -EINVAL;
	if (ret)
		pr_info_ratelimited("bad value for %s%s\n", szkm_policy_names[t],
				    t == Opt_max_uses ? " (1 to 2^32: AES-GCM with random nonces allows no more)" : "");
	return ret;
}

static char *next_tok(char **p)
{
	char *t;

	do {
		t = strsep(p, " \t\n");
	} while (t && !*t);
	return t;
}

static int szkm_hex_arg(const char *tok, u8 *out, size_t max, size_t *outlen)
{
	size_t n = strlen(tok);

	if (n == 0 || n % 2 || n / 2 > max)
		return -EINVAL;
	if (hex2bin(out, tok, n / 2))
		return -EINVAL;
	*outlen = n / 2;
	return 0;
}

static int szkm_parse_add(struct szkm_request *cmd, const char *verb, char **p)
{
	char *tok;
	int alg, ret;

	if (!strcmp(verb, "load")) {
		cmd->op = SZKM_OP_LOAD;
		tok = next_tok(p);
		if (!tok || next_tok(p)) {
			pr_info_ratelimited("load: expected exactly one hex blob\n");
			return -EINVAL;
		}
		cmd->bloblen = strlen(tok) / 2;
		if (strlen(tok) % 2 || cmd->bloblen < SZKM_BLOB_HDR_LEN) {
			pr_info_ratelimited("load: blob is not hex or too short\n");
			return -EINVAL;
		}
		cmd->blob = kmalloc(cmd->bloblen, GFP_KERNEL);
		if (!cmd->blob)
			return -ENOMEM;
		if (hex2bin(cmd->blob, tok, cmd->bloblen)) {
			pr_info_ratelimited("load: blob is not hex\n");
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(verb, "new"))
		cmd->op = SZKM_OP_NEW;
	else
		cmd->op = SZKM_OP_IMPORT;
	tok = next_tok(p);
	alg = tok ? szkm_alg_parse(tok) : -EINVAL;
	if (alg < 0) {
		pr_info_ratelimited("%s: unknown algorithm (not shown; aes256-gcm, ecdsa-p256, ecdh-p256)\n",
			verb);
		return -EINVAL;
	}
	cmd->alg = alg;
	if (cmd->op == SZKM_OP_IMPORT) {
		tok = next_tok(p);
		if (tok && !strncmp(tok, "pub:", 4)) {
			cmd->pub_only = true;
			ret = szkm_hex_arg(tok + 4, cmd->material, SZKM_P256_PUB_LEN, &cmd->matlen);
		} else {
			ret = tok ? szkm_hex_arg(tok, cmd->material, SZKM_SECRET_MAX, &cmd->matlen) : -EINVAL;
		}
		if (ret) {
			pr_info_ratelimited("import: key material must be hex (secret, or pub:<point>)\n");
			return ret;
		}
	}
	while ((tok = next_tok(p))) {
		ret = szkm_policy_opt(cmd, tok);
		if (ret)
			return ret;
	}
	return 0;
}

const char *szkm_consumer_name(u8 consumer)
{
	static const char *const names[] = {
		[SZKM_CONS_LOGON] = "logon",
		[SZKM_CONS_LOGON_XTS] = "logon-xts",
		[SZKM_CONS_FSCRYPT] = "fscrypt",
	};

	return consumer < ARRAY_SIZE(names) ? names[consumer] : "?";
}

/* A keyring: a serial, or keyctl(1)'s names of the special keyrings. */
static int szkm_parse_keyring(const char *s, s32 *id)
{
	static const struct {
		const char *name;
		s32 id;
	} special[] = {
		{ "@t", KEY_SPEC_THREAD_KEYRING },
		{ "@p", KEY_SPEC_PROCESS_KEYRING },
		{ "@s", KEY_SPEC_SESSION_KEYRING },
		{ "@u", KEY_SPEC_USER_KEYRING },
		{ "@us", KEY_SPEC_USER_SESSION_KEYRING },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(special); i++) {
		if (!strcmp(s, special[i].name)) {
			*id = special[i].id;
			return 0;
		}
	}
	return kstrtos32(s, 0, id);
}

/* provision <v> logon|logon-xts|fscrypt <keyring> */
static int szkm_parse_provision(struct szkm_request *cmd, char **p)
{
	char *ver = next_tok(p), *kind = next_tok(p), *ring = next_tok(p);
	int i;

	cmd->op = SZKM_OP_PROVISION;
	if (!ver || kstrtou32(ver, 10, &cmd->version) || !cmd->version || !kind || !ring ||
	    szkm_parse_keyring(ring, &cmd->keyring) || next_tok(p)) {
		pr_info_ratelimited("provision: expected <version> logon|logon-xts|fscrypt <keyring: serial, @s, @u, @us, @p or @t>\n");
		return -EINVAL;
	}
	for (i = 0; i < __SZKM_CONS_MAX; i++) {
		if (!strcmp(kind, szkm_consumer_name(i))) {
			cmd->consumer = i;
			return 0;
		}
	}
	pr_info_ratelimited("provision: unknown consumer '%.16s' (logon, logon-xts, fscrypt)\n", kind);
	return -EINVAL;
}

static int szkm_parse_update(struct szkm_request *cmd, const char *verb, char **p)
{
	char *tok;
	int ret;

	if (!strcmp(verb, "rotate")) {
		cmd->op = SZKM_OP_ROTATE;
	} else if (!strcmp(verb, "retire") || !strcmp(verb, "destroy")) {
		cmd->op = verb[0] == 'r' ? SZKM_OP_RETIRE : SZKM_OP_DESTROY;
		tok = next_tok(p);
		if (!tok || kstrtou32(tok, 10, &cmd->version) || !cmd->version) {
			pr_info_ratelimited("%s: expected a version number\n", verb);
			return -EINVAL;
		}
	} else if (!strcmp(verb, "provision")) {
		return szkm_parse_provision(cmd, p);
	} else if (!strcmp(verb, "set")) {
		cmd->op = SZKM_OP_SET;
		while ((tok = next_tok(p))) {
			ret = szkm_policy_opt(cmd, tok);
			if (ret)
				return ret;
		}
		if (!cmd->policy_set) {
			pr_info_ratelimited("set: expected at least one option\n");
			return -EINVAL;
		}
		return 0;
	} else {
		pr_info_ratelimited("unknown command (not shown): expected new, load, import, rotate, retire, destroy, set or provision\n");
		return -EINVAL;
	}
	if (next_tok(p)) {
		pr_info_ratelimited("%s: unexpected extra arguments\n", verb);
		return -EINVAL;
	}
	return 0;
}

int szkm_payload_parse(struct szkm_request *cmd, const void *data, size_t len)
{
	char *buf, *p, *verb;
	int ret;

	memset(cmd, 0, sizeof(*cmd));
	if (!data || len == 0 || len > SZKM_PAYLOAD_MAX) {
		pr_info_ratelimited("payload must be 1 to %d bytes\n", SZKM_PAYLOAD_MAX);
		return -EINVAL;
	}
	buf = kmemdup_nul(data, len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (strlen(buf) != len) {
		pr_info_ratelimited("payload contains a NUL byte\n");
		ret = -EINVAL;
		goto out;
	}
	p = buf;
	verb = next_tok(&p);
	if (!verb) {
		pr_info_ratelimited("empty command\n");
		ret = -EINVAL;
	} else if (!strcmp(verb, "new") || !strcmp(verb, "load") || !strcmp(verb, "import")) {
		ret = szkm_parse_add(cmd, verb, &p);
	} else {
		ret = szkm_parse_update(cmd, verb, &p);
	}
out:
	kfree_sensitive(buf);	/* it may have held imported key material */
	if (ret)
		szkm_payload_free(cmd);
	return ret;
}

void szkm_payload_free(struct szkm_request *cmd)
{
	kfree_sensitive(cmd->blob);
	cmd->blob = NULL;
	memzero_explicit(cmd->material, sizeof(cmd->material));
}
