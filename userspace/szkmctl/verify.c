// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify.c - `szkmctl verify --ledger URL (--key-id HEX32 | --key
 * NAME|SERIAL | --all | --bundle FILE [--key NAME|SERIAL])
 * [--ledger-key VKEY]... [--threshold K] [--state FILE] [--json]`: a key's
 * history checked against a ledger node that may lie, trusting only the
 * configured verifier keys and this client's state file; with --key, the
 * kernel's key is also checked to agree with it; --all does that for every
 * szkm key in the caller's keyrings; --bundle has the kernel open an export
 * bundle (`szkmctl key export`) for its key (found by the id in its header
 * unless --key names it) and checks what it holds instead.
 * All of it is libszkm's (szkm_verify_key, szkm_verify_key_by_serial,
 * szkm_verify_bundle); this file reads the options and prints the result.
 *
 * Whatever fails is said in one line on stderr (exit 1); usage errors
 * exit 2.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "internal.h"
#include "szkm_event.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* options(): go on with the verification. */
#define GO_ON	(-1)

struct verify {
	struct szkm_verifier_opts opts;
	const char *vkeys[SZKM_LEDGER_KEYS_MAX];
	char lines[SZKM_LEDGER_KEYS_MAX][SZKM_LEDGER_VKEY_MAX + 2];
	int keys_given;		/* on the command line, not from the file */
	uint8_t key_id[SZKM_KEY_ID_LEN];
	int has_key_id;
	const char *key;	/* --key: the kernel's key */
	int all;		/* --all: every key of the caller's keyrings */
	const char *bundle;	/* --bundle: an export bundle's file */
	struct szkm_key_info kernel;
	int json;
};

static int usage(FILE *f, int code)
{
	fprintf(f, "Usage: %s verify --ledger URL --key-id HEX32 [--ledger-key VKEY]...\n"
		"       [--threshold K] [--state FILE] [--json]\n"
		"       %s verify --ledger URL --key NAME|SERIAL [...]\n"
		"       %s verify --ledger URL --all [...]\n"
		"       %s verify --ledger URL --bundle FILE [--key NAME|SERIAL] [...]\n"
		"Checks a key's history in the ledger at URL: each entry proven in a checkpoint\n"
		"that K of the ledger keys signed (--ledger-key, or the lines of\n"
		"%s; K: a majority by default) and that extends the one\n"
		"accepted before (FILE; default $XDG_STATE_HOME/szkm/checkpoint or\n"
		"~/.local/state/szkm/checkpoint). --key takes the key of the running kernel and\n"
		"also checks that its versions, states and public keys are the ledger's; --all\n"
		"does that for every szkm key in your keyrings, one line each (exit 1 if any fails).\n"
		"--bundle has the kernel open an export bundle (%s key export) for its key\n"
		"(yours, found by the id in the bundle, or --key) and checks what it holds\n"
		"instead: refused when modified, of another device or key, or older than the\n"
		"key's state (replayed).\n",
		PROG_NAME, PROG_NAME, PROG_NAME, PROG_NAME, SZKMCTL_LEDGER_KEYS, PROG_NAME);
	return code;
}

/* Says why in one line on stderr; returns @code. */
static int refuse(int code, const char *what)
{
	fprintf(stderr, "%s\n", what);
	return code;
}

/* The key id: 32 hex digits, not the zeros of the device's own events. */
static int take_key_id(struct verify *v, const char *s)
{
	static const uint8_t zero[SZKM_KEY_ID_LEN];

	if (szkm_hex_decode(v->key_id, sizeof(v->key_id), s) ||
	    !memcmp(v->key_id, zero, sizeof(zero)))
		return refuse(EXIT_USAGE, "--key-id: a key id is 32 hex digits (not all zero)");
	v->has_key_id = 1;
	return GO_ON;
}

/* One option with its value; GO_ON, or the exit code to end with. */
static int option(struct verify *v, const char *opt, const char *val)
{
	struct szkm_verifier_opts *o = &v->opts;
	char *end;
	long k;

	if (!strcmp(opt, "--ledger")) {
		o->ledger = val;
	} else if (!strcmp(opt, "--key-id")) {
		return take_key_id(v, val);
	} else if (!strcmp(opt, "--key")) {
		v->key = val;
	} else if (!strcmp(opt, "--bundle")) {
		v->bundle = val;
	} else if (!strcmp(opt, "--state")) {
		o->state = val;
	} else if (!strcmp(opt, "--ledger-key")) {
		if (o->nkeys == SZKM_LEDGER_KEYS_MAX) {
			fprintf(stderr, "at most %d --ledger-key\n", SZKM_LEDGER_KEYS_MAX);
			return EXIT_USAGE;
		}
		v->vkeys[o->nkeys++] = val;
		v->keys_given = 1;
	} else if (!strcmp(opt, "--threshold")) {
		k = strtol(val, &end, 10);
		if (*end || k < 1 || k > SZKM_LEDGER_KEYS_MAX)
			return refuse(EXIT_USAGE, "--threshold: a number from 1 to the number of ledger keys");
		o->threshold = (unsigned int)k;
	} else {
		return szkmctl_unknown(opt);
	}
	return GO_ON;
}

/* Options into @v; returns GO_ON, or the exit code to end with. */
static int options(int argc, char *argv[], struct verify *v)
{
	struct szkm_verifier_opts *o = &v->opts;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(stdout, EXIT_OK);
		if (!strcmp(argv[i], "--json")) {
			v->json = 1;
			continue;
		}
		if (!strcmp(argv[i], "--all")) {
			v->all = 1;
			continue;
		}
		if (i + 1 == argc)
			return szkmctl_bad("%s needs a value", argv[i]);
		ret = option(v, argv[i], argv[i + 1]);
		if (ret != GO_ON)
			return ret;
		i++;
	}
	/* --bundle may name its key (--key); else it names one itself. */
	if (!o->ledger || v->has_key_id + (v->key && !v->bundle) + v->all + !!v->bundle != 1)
		return szkmctl_bad(!o->ledger ? "--ledger URL is needed" :
				   "give one of --key-id, --key, --all and --bundle");
	o->keys = v->vkeys;
	if (!o->nkeys) {
		int n = szkmctl_read_ledger_keys(v->lines, v->vkeys);

		if (n < 0)
			return EXIT_FAILED;
		if (!n) {
			fprintf(stderr, "%s lists no ledger key\n", SZKMCTL_LEDGER_KEYS);
			return EXIT_FAILED;
		}
		o->nkeys = (size_t)n;
	}
	if (o->threshold > o->nkeys) {
		fprintf(stderr, "--threshold: a number from 1 to %zu (the ledger keys given)\n", o->nkeys);
		return EXIT_USAGE;
	}
	return GO_ON;
}

static void print_table(const struct verify *v, const struct szkm_verified_key *vk)
{
	char hex[2 * SZKM_KEY_ID_LEN + 1];

	szkm_hex_encode(hex, vk->id, SZKM_KEY_ID_LEN);
	printf("checkpoint: %s, size %" PRIu64 ", signed by %u of %u ledger keys (%u needed)",
	       vk->origin, vk->size, vk->signers, vk->nkeys, vk->threshold);
	if (vk->has_previous)
		printf(", consistent with size %" PRIu64 " seen before", vk->previous_size);
	printf("\n%-8s %-8s %-24s %-8s %-12s %s\n", "SEQ", "INDEX", "EVENT", "VERSION", "STATE", "ACTOR");
	for (size_t i = 0; i < vk->nevents; i++) {
		const struct szkm_verified_event *x = &vk->events[i];

		printf("%-8" PRIu64 " %-8" PRIu64 " %-24s v%-7u %-12s %s\n", x->seq, x->index,
		       szkm_event_type_name(x->type), x->version, szkm_vstate_name(x->state),
		       x->actor);
	}
	if (vk->later)
		printf("(%zu later entries of the key are not in this checkpoint yet)\n", vk->later);
	printf("key %s: %zu events verified against checkpoint of size %" PRIu64 " (%u of the configured keys)\n",
	       hex, vk->nevents, vk->size, vk->signers);
	if (v->bundle)
		printf("bundle: key '%s' (serial %d, v%u active, mark %" PRIu64 "): opened by the kernel, the key's current state, agrees with the ledger on its %zu versions\n",
		       v->kernel.name, v->kernel.serial, v->kernel.active, v->kernel.mark,
		       vk->nversions);
	else if (v->key)
		printf("kernel: key '%s' (serial %d, v%u active) agrees with the ledger on its %zu versions\n",
		       v->kernel.name, v->kernel.serial, v->kernel.active, vk->nversions);
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
	char hex[2 * SZKM_P256_PUB_LEN + 1];

	szkm_hex_encode(hex, p, n);
	return json_string(hex);
}

static void print_json(const struct verify *v, const struct szkm_verified_key *vk)
{
	json_t *evs = json_array(), *vers = json_array(), *out;

	for (size_t i = 0; i < vk->nevents; i++) {
		const struct szkm_verified_event *x = &vk->events[i];

		json_array_append_new(evs, json_pack("{s:I,s:I,s:s,s:I,s:s,s:s}",
			"index", (json_int_t)x->index, "seq", (json_int_t)x->seq,
			"event", szkm_event_type_name(x->type), "version", (json_int_t)x->version,
			"state", szkm_vstate_name(x->state), "actor", x->actor));
	}
	for (size_t i = 0; i < vk->nversions; i++) {
		const struct szkm_verified_version *x = &vk->versions[i];

		json_array_append_new(vers, json_pack("{s:I,s:s,s:s,s:o}",
			"version", (json_int_t)x->num, "state", szkm_vstate_name(x->state),
			"origin", szkm_origin_name(x->origin),
			"pubkey", x->has_pub ? hex_json(x->pub, sizeof(x->pub)) : json_null()));
	}
	out = json_pack("{s:o,s:s,s:s,s:o,s:{s:s,s:I,s:o,s:i,s:i,s:i},s:o,s:o,s:o,s:I,s:b}",
			"key_id", hex_json(vk->id, SZKM_KEY_ID_LEN), "name", vk->name,
			"alg", szkm_alg_name(vk->alg),
			"device_id", hex_json(vk->device_id, SZKM_DEVICE_ID_LEN),
			"checkpoint", "origin", vk->origin, "size", (json_int_t)vk->size,
			"root", hex_json(vk->root, sizeof(vk->root)), "signers", (int)vk->signers,
			"threshold", (int)vk->threshold, "keys", (int)vk->nkeys,
			"previous_size", vk->has_previous ? json_integer((json_int_t)vk->previous_size) : json_null(),
			"events", evs, "versions", vers, "later_entries", (json_int_t)vk->later,
			"verified", 1);
	if (out && (v->key || v->bundle))
		json_object_set_new(out, v->bundle ? "bundle" : "kernel", json_pack("{s:i,s:s,s:I,s:I,s:b}",
			"serial", (int)v->kernel.serial, "name", v->kernel.name,
			"mark", (json_int_t)v->kernel.mark,
			"active", (json_int_t)v->kernel.active, "agrees", 1));
	if (out)
		json_dumpf(out, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(out);
}

/* The caller's szkm key with id @id: its serial, or a negative errno. */
static int32_t find_by_id(const uint8_t id[SZKM_KEY_ID_LEN])
{
	struct szkm_key_ref *refs = NULL;
	struct szkm_key_info *k = malloc(sizeof(*k));
	int n = szkm_key_list(&refs);
	int32_t serial = -ENOKEY;

	for (int i = 0; k && i < n && serial < 0; i++)
		if (!szkm_key_info(refs[i].serial, k) && !memcmp(k->id, id, SZKM_KEY_ID_LEN))
			serial = refs[i].serial;
	free(refs);
	free(k);
	return !k ? -ENOMEM : n < 0 ? n : serial;
}

/* --bundle: the file, the key it is for, the kernel's verdict, the ledger's. */
static int run_bundle(struct verify *v, struct szkm_verifier *vr, int32_t serial,
		      struct szkm_verified_key **vk)
{
	char hex[2 * SZKM_KEY_ID_LEN + 1];
	struct szkm_bundle_info bi;
	uint8_t *data;
	size_t len;
	int ret;

	ret = szkm_file_read(v->bundle, &data, &len, SZKM_BUNDLE_MAX);
	if (ret) {
		fprintf(stderr, "Unable to read %s: %s\n", v->bundle, strerror(-ret));
		return ret;
	}
	ret = szkm_bundle_info(data, len, &bi);
	/* A bundle that is no bundle goes to the kernel when --key names
	 * its key: the kernel's refusal is the one that counts. */
	if (ret && !v->key)
		fprintf(stderr, "%s: %s\n", v->bundle, ret == -EPROTONOSUPPORT ?
			"an export bundle of another format" :
			"not an szkm export bundle (truncated, too long, or none at all)");
	if (!ret && !v->key) {
		serial = find_by_id(bi.key_id);
		if (serial < 0) {
			szkm_hex_encode(hex, bi.key_id, SZKM_KEY_ID_LEN);
			fprintf(stderr, "%s: the bundle is for key %s, which is in none of your keyrings (name it with --key)\n",
				v->bundle, hex);
			ret = serial;
		}
	}
	if (!ret || v->key)
		ret = szkm_verify_bundle(vr, serial, data, len, &v->kernel, vk);
	free(data);
	return ret;
}

/* Verifies what the options name: the kernel's key, a bundle, or a key id. */
static int run(struct verify *v, struct szkm_verifier *vr, struct szkm_verified_key **vk)
{
	int32_t serial = 0;

	if (!v->key && !v->bundle)
		return szkm_verify_key(vr, v->key_id, vk);
	if (v->key) {
		serial = szkm_key_find(v->key);
		if (serial < 0) {
			fprintf(stderr, "Unable to find key `%s': %s\n", v->key, szkm_strerror(serial));
			return serial;
		}
	}
	if (v->bundle)
		return run_bundle(v, vr, serial, vk);
	return szkm_verify_key_by_serial(vr, serial, &v->kernel, vk);
}

/* --all: every szkm key the caller can see, each against the ledger and
 * the kernel; one line (or one JSON object) a key. */
static int run_all(struct verify *v, struct szkm_verifier *vr)
{
	struct szkm_key_ref *refs = NULL;
	int n = szkm_key_list(&refs), failed = 0;

	if (n < 0) {
		fprintf(stderr, "Unable to list szkm keys: %s\n", szkm_strerror(n));
		return n;
	}
	if (v->json)
		printf("[");
	for (int i = 0; i < n; i++) {
		struct szkm_verified_key *vk = NULL;
		int ret = szkm_verify_key_by_serial(vr, refs[i].serial, &v->kernel, &vk);

		failed |= !!ret;
		if (v->json) {
			json_t *o = json_pack("{s:i,s:s,s:b,s:s}", "serial", (int)refs[i].serial,
					      "name", v->kernel.name, "verified", !ret,
					      "reason", ret ? szkm_verify_message() : "");

			printf("%s", i ? "," : "");
			if (o)
				json_dumpf(o, stdout, JSON_COMPACT);
			json_decref(o);
		} else if (ret) {
			printf("key %s (serial %d): REFUSED: %s\n", v->kernel.name[0] ? v->kernel.name : "?",
			       refs[i].serial, szkm_verify_message()[0] ? szkm_verify_message() : szkm_strerror(ret));
		} else {
			printf("key %s (serial %d): %zu events verified, v%u active, the kernel agrees\n",
			       v->kernel.name, refs[i].serial, vk->nevents, v->kernel.active);
		}
		szkm_verified_key_free(vk);
		memset(&v->kernel, 0, sizeof(v->kernel));
	}
	if (v->json)
		printf("]\n");
	free(refs);
	return failed ? -EBADMSG : 0;
}

int verify_main(int argc, char *argv[])
{
	struct verify *v = calloc(1, sizeof(*v));
	struct szkm_verified_key *vk = NULL;
	struct szkm_verifier *vr = NULL;
	int ret;

	if (!v) {
		perror("calloc");
		return EXIT_FAILED;
	}
	ret = options(argc, argv, v);
	if (ret != GO_ON)
		goto out;
	ret = szkm_verifier_new(&v->opts, &vr);
	if (ret) {
		fprintf(stderr, "%s\n", szkm_verify_message());
		/* Bad keys from the command line are a usage error. */
		ret = ret == -EINVAL && v->keys_given ? EXIT_USAGE : EXIT_FAILED;
		goto out;
	}
	if (v->all) {
		ret = run_all(v, vr) ? EXIT_FAILED : EXIT_OK;
		goto out;
	}
	ret = run(v, vr, &vk);
	if (ret && szkm_verify_message()[0])
		fprintf(stderr, "%s\n", szkm_verify_message());
	else if (!ret && v->json)
		print_json(v, vk);
	else if (!ret)
		print_table(v, vk);
	ret = ret ? EXIT_FAILED : EXIT_OK;
out:
	szkm_verified_key_free(vk);
	szkm_verifier_free(vr);
	free(v);
	return ret;
}
