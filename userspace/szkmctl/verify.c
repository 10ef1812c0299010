// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify.c - `szkmctl verify --ledger URL --key-id HEX32 [--ledger-key
 * VKEY]... [--threshold K] [--state FILE] [--json]`: checks a key's
 * history against a ledger node that may lie, trusting only the
 * configured verifier keys and this client's state file.
 *
 *   1. GET /checkpoint: a signed note that K of the configured keys signed
 *      (default K: a majority, as device init sets it), parsed.
 *   2. The checkpoint this client accepted before (the state file, the
 *      signed note as it came): a smaller tree is a rollback or a fork, one
 *      of the same size must have the same root, a larger one must prove
 *      consistency with it (GET /proof/consistency).
 *   3. GET /keys/<id>: every entry in the checkpoint's tree must lead to its
 *      root (GET /proof/inclusion of SHA-256(0x00 || entry)), decode, name
 *      the key, carry the device's signature under the key that the
 *      device's enrolment entry (found by GET /devices, proven the same way)
 *      holds, and follow the one before in the device's sequence.
 *   4. The state file takes the new checkpoint (written atomically) only
 *      when all of that holds.
 *
 * Whatever fails is said in one line on stderr (exit 1); usage errors
 * exit 2.
 */
#include "subcommands.h"
#include "http_get.h"
#include "libszkm.h"
#include "entry.h"
#include "merkle.h"
#include "note.h"
#include "szkm_event.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* options(): go on with the verification. */
#define GO_ON	(-1)

/* One event of the key, verified. */
struct verified {
	uint64_t index, seq;
	uint8_t type, state;
	uint32_t version;
	char actor[96];
};

struct verify {
	struct szkmctl_http *http;
	struct ledger_note_key keys[SZKM_LEDGER_KEYS_MAX];
	size_t nkeys;
	unsigned int threshold, signers;
	char state[PATH_MAX];
	uint8_t key_id[SZKM_KEY_ID_LEN];
	char key_hex[2 * SZKM_KEY_ID_LEN + 1];
	int json;
	/* The checkpoint served now: its signed note and what it says. */
	char *note;
	size_t note_len;
	struct ledger_checkpoint cp;
	/* The one this client accepted before, when has_old. */
	struct ledger_checkpoint old;
	int has_old;
	/* The key's device, from its enrolment entry. */
	uint8_t device_id[SZKM_DEVICE_ID_LEN];
	EVP_PKEY *device_key;
	/* The key's events verified so far, the last one's place. */
	struct verified *ev;
	size_t nev, cap;
	uint64_t last_index, last_seq;
	uint8_t last_hash[SZKM_EVENT_HASH_LEN];
	/* Entries of the key past the checkpoint (not proven yet). */
	size_t later;
};

static int refuse(int ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Says why in one line on stderr; returns @ret. */
static int refuse(int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return ret;
}

static int usage(FILE *f, int code)
{
	fprintf(f, "Usage: %s verify --ledger URL --key-id HEX32 [--ledger-key VKEY]...\n"
		"       [--threshold K] [--state FILE] [--json]\n"
		"Checks a key's history in the ledger at URL: each entry proven in a checkpoint\n"
		"that K of the ledger keys signed (--ledger-key, or the lines of\n"
		"%s; K: a majority by default) and that extends the one\n"
		"accepted before (FILE; default $XDG_STATE_HOME/szkm/checkpoint or\n"
		"~/.local/state/szkm/checkpoint).\n",
		PROG_NAME, SZKMCTL_LEDGER_KEYS);
	return code;
}

/* Parses and keeps the verifier keys; @code is the exit code of a bad one. */
static int take_keys(struct verify *v, const char *const *vkeys, size_t n, int code)
{
	for (size_t i = 0; i < n; i++) {
		struct ledger_note_key *k = &v->keys[v->nkeys];

		if (ledger_note_key_parse(k, vkeys[i], strlen(vkeys[i])))
			return refuse(code, "ledger key '%s': not a verifier key (name+keyid+base64, as `ledgerd vkey` prints)",
				      vkeys[i]);
		v->nkeys++;
		for (size_t j = 0; j + 1 < v->nkeys; j++)
			if (v->keys[j].id == k->id && !strcmp(v->keys[j].name, k->name))
				return refuse(code, "ledger key '%s' is given twice", vkeys[i]);
	}
	return GO_ON;
}

/* $XDG_STATE_HOME/szkm/checkpoint, or ~/.local/state/szkm/checkpoint. */
static int default_state(struct verify *v)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(v->state, sizeof(v->state), "%s/szkm/checkpoint", xdg);
	else if (home && home[0] == '/')
		n = snprintf(v->state, sizeof(v->state), "%s/.local/state/szkm/checkpoint", home);
	else
		return refuse(EXIT_USAGE, "no $XDG_STATE_HOME or $HOME for the state file: give --state FILE");
	return n < (int)sizeof(v->state) ? GO_ON : refuse(EXIT_USAGE, "the state file's path is too long");
}

/* The key id: 32 hex digits, not the zeros of the device's own events. */
static int take_key_id(struct verify *v, const char *s)
{
	static const uint8_t zero[SZKM_KEY_ID_LEN];

	if (szkm_hex_decode(v->key_id, sizeof(v->key_id), s) ||
	    !memcmp(v->key_id, zero, sizeof(zero)))
		return refuse(EXIT_USAGE, "--key-id: a key id is 32 hex digits (not all zero)");
	szkm_hex_encode(v->key_hex, v->key_id, sizeof(v->key_id));
	return GO_ON;
}

/* Options into @v; returns GO_ON, or the exit code to end with. */
static int options(int argc, char *argv[], struct verify *v, const char **ledger)
{
	const char *vkeys[SZKM_LEDGER_KEYS_MAX], *state = NULL;
	static char lines[SZKM_LEDGER_KEYS_MAX][SZKM_LEDGER_VKEY_MAX + 2];
	size_t nvkeys = 0;
	long k = 0;
	int ret = GO_ON;

	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(opt, "--help") || !strcmp(opt, "-h"))
			return usage(stdout, EXIT_OK);
		if (!strcmp(opt, "--json")) {
			v->json = 1;
			continue;
		}
		if (!val)
			return usage(stderr, EXIT_USAGE);
		i++;
		if (!strcmp(opt, "--ledger")) {
			*ledger = val;
		} else if (!strcmp(opt, "--key-id")) {
			ret = take_key_id(v, val);
			if (ret != GO_ON)
				return ret;
		} else if (!strcmp(opt, "--state")) {
			state = val;
		} else if (!strcmp(opt, "--ledger-key")) {
			if (nvkeys == SZKM_LEDGER_KEYS_MAX)
				return refuse(EXIT_USAGE, "at most %d --ledger-key", SZKM_LEDGER_KEYS_MAX);
			vkeys[nvkeys++] = val;
		} else if (!strcmp(opt, "--threshold")) {
			char *end;

			k = strtol(val, &end, 10);
			if (*end || k < 1)
				return refuse(EXIT_USAGE, "--threshold: a number from 1 to the number of ledger keys");
		} else {
			return usage(stderr, EXIT_USAGE);
		}
	}
	if (!*ledger || !v->key_hex[0])
		return usage(stderr, EXIT_USAGE);
	if (nvkeys) {
		ret = take_keys(v, vkeys, nvkeys, EXIT_USAGE);
	} else {
		int n = szkmctl_read_ledger_keys(lines, vkeys);

		ret = n < 0 ? EXIT_FAILED : take_keys(v, vkeys, (size_t)n, EXIT_FAILED);
		if (ret == GO_ON && !n)
			ret = refuse(EXIT_FAILED, "%s lists no ledger key", SZKMCTL_LEDGER_KEYS);
	}
	if (ret != GO_ON)
		return ret;
	if (k > (long)v->nkeys)
		return refuse(EXIT_USAGE, "--threshold: a number from 1 to %zu (the ledger keys given)", v->nkeys);
	v->threshold = k ? (unsigned int)k : (unsigned int)(v->nkeys / 2 + 1);
	if (!state)
		return default_state(v);
	if (snprintf(v->state, sizeof(v->state), "%s", state) >= (int)sizeof(v->state))
		return refuse(EXIT_USAGE, "--state: the path is too long");
	return GO_ON;
}

/* Step 1: the checkpoint, signed by the threshold of the keys. */
static int check_checkpoint(struct verify *v)
{
	struct ledger_note_result res;
	int ret;

	ret = szkmctl_http_get(v->http, "/checkpoint", LEDGER_NOTE_MAX_SIZE, &v->note, &v->note_len);
	if (ret)
		return ret;
	ret = ledger_note_open(v->note, v->note_len, v->keys, v->nkeys, 0, &res);
	if (ret == -EBADMSG)
		return refuse(ret, "checkpoint: a signature by one of the configured keys does not verify");
	if (ret && ret != -ENOKEY)
		return refuse(ret, "checkpoint: not a well-formed signed note");
	v->signers = (unsigned int)__builtin_popcountll(res.valid);
	if (v->signers < v->threshold)
		return refuse(-EPERM, "checkpoint: signed by %u of the configured keys, %u needed",
			      v->signers, v->threshold);
	if (ledger_checkpoint_parse(v->note, res.text_len, &v->cp))
		return refuse(-EBADMSG, "checkpoint: the signed text is not a checkpoint");
	return 0;
}

/* The checkpoint this client accepted before, if any (unsigned check: ours). */
static int load_state(struct verify *v)
{
	struct ledger_note_result res;
	uint8_t *data;
	size_t len;
	int ret;

	ret = szkmctl_read_file(v->state, &data, &len, LEDGER_NOTE_MAX_SIZE);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return refuse(ret, "state %s: %s", v->state, strerror(-ret));
	ret = len > LEDGER_NOTE_MAX_SIZE ? -E2BIG :
	      ledger_note_open((const char *)data, len, NULL, 0, 0, &res);
	/* No key given: a well-formed note comes back as "no known signer". */
	if (ret == -ENOKEY)
		ret = ledger_checkpoint_parse((const char *)data, res.text_len, &v->old);
	free(data);
	if (ret)
		return refuse(-EBADMSG, "state %s: not a signed checkpoint (remove it to start over)",
			      v->state);
	v->old.ext = NULL;	/* pointed into data */
	v->old.ext_len = 0;
	v->has_old = 1;
	return 0;
}

/* The "proof" array of a proof reply, leaf to root. */
static int proof_of(json_t *j, uint8_t (*proof)[LEDGER_HASH_LEN], size_t *n)
{
	json_t *a = json_object_get(j, "proof"), *x;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > LEDGER_MERKLE_MAX_PROOF)
		return -EBADMSG;
	json_array_foreach(a, i, x)
		if (szkm_hex_decode(proof[i], LEDGER_HASH_LEN, json_string_value(x) ?: ""))
			return -EBADMSG;
	*n = json_array_size(a);
	return 0;
}

static int fetch_proof(struct verify *v, const char *path,
		       uint8_t (*proof)[LEDGER_HASH_LEN], size_t *n)
{
	json_t *j;
	int ret;

	ret = szkmctl_http_json(v->http, path, &j);
	if (ret)
		return ret;
	ret = proof_of(j, proof, n);
	json_decref(j);
	return ret ? refuse(ret, "GET %s: the reply holds no well-formed proof", path) : 0;
}

/* Step 2: the new checkpoint extends the one accepted before. */
static int check_consistency(struct verify *v)
{
	uint8_t proof[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	const struct ledger_checkpoint *o = &v->old, *c = &v->cp;
	char path[96];
	size_t n;
	int ret;

	if (!v->has_old)
		return 0;
	if (strcmp(o->origin, c->origin))
		return refuse(-EPERM, "checkpoint: origin '%s' is not the one seen before ('%s'): another ledger needs another --state",
			      c->origin, o->origin);
	if (c->size < o->size)
		return refuse(-EPERM, "checkpoint: the ledger is smaller than the checkpoint seen before (size %" PRIu64 ", now %" PRIu64 "): rollback or fork",
			      o->size, c->size);
	if (!o->size)
		return 0;	/* the empty tree: every tree extends it */
	if (c->size == o->size) {
		if (!memcmp(o->root, c->root, LEDGER_HASH_LEN))
			return 0;
	} else {
		snprintf(path, sizeof(path), "/proof/consistency?old=%" PRIu64 "&new=%" PRIu64,
			 o->size, c->size);
		ret = fetch_proof(v, path, proof, &n);
		if (ret)
			return ret;
		if (!ledger_merkle_verify_consistency(o->size, c->size, o->root, c->root,
						      (const uint8_t (*)[LEDGER_HASH_LEN])proof, n))
			return 0;
	}
	return refuse(-EPERM, "checkpoint: not consistent with the one seen before (size %" PRIu64 "): fork",
		      o->size);
}

/* An entry of a /keys or /entries reply: its index and leaf data. */
static int entry_of(json_t *e, uint64_t *index, uint8_t data[LEDGER_ENTRY_MAX_LEN], size_t *len)
{
	json_t *ji = json_object_get(e, "index");
	const char *hex = json_string_value(json_object_get(e, "data"));
	size_t n = hex ? strlen(hex) / 2 : 0;

	if (!json_is_integer(ji) || json_integer_value(ji) < 0 || !n ||
	    n > LEDGER_ENTRY_MAX_LEN || szkm_hex_decode(data, n, hex))
		return -EBADMSG;
	*index = (uint64_t)json_integer_value(ji);
	*len = n;
	return 0;
}

/* Entry @index, @data, is in the checkpoint's tree. */
static int check_inclusion(struct verify *v, uint64_t index, const uint8_t *data, size_t len)
{
	uint8_t proof[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN], leaf[LEDGER_HASH_LEN];
	char path[96];
	size_t n;
	int ret;

	snprintf(path, sizeof(path), "/proof/inclusion?index=%" PRIu64 "&size=%" PRIu64,
		 index, v->cp.size);
	ret = fetch_proof(v, path, proof, &n) ?: ledger_merkle_leaf_hash(data, len, leaf);
	if (ret)
		return ret;
	if (ledger_merkle_verify_inclusion(leaf, index, v->cp.size,
					   (const uint8_t (*)[LEDGER_HASH_LEN])proof, n, v->cp.root))
		return refuse(-EPERM, "entry %" PRIu64 ": inclusion proof does not lead to the checkpoint's root",
			      index);
	return 0;
}

/* The device's key from its enrolment, entry @at (before entry @before), proven. */
static int check_enrolment(struct verify *v, const uint8_t *id, uint64_t at, uint64_t before)
{
	uint8_t data[LEDGER_ENTRY_MAX_LEN];
	struct ledger_entry e;
	char path[96];
	uint64_t index;
	size_t len;
	json_t *j;
	int ret;

	if (at >= before)
		return refuse(-EBADMSG, "entry %" PRIu64 ": its device's enrolment (entry %" PRIu64 ") does not come before it",
			      before, at);
	snprintf(path, sizeof(path), "/entries?start=%" PRIu64 "&end=%" PRIu64, at, at + 1);
	ret = szkmctl_http_json(v->http, path, &j);
	if (ret)
		return ret;
	ret = entry_of(json_array_get(json_object_get(j, "entries"), 0), &index, data, &len);
	json_decref(j);
	if (ret || index != at)
		return refuse(-EBADMSG, "GET %s: the reply holds no well-formed entry %" PRIu64, path, at);
	ret = check_inclusion(v, at, data, len);
	if (ret)
		return ret;
	if (ledger_entry_decode(data, len, &e, NULL) || e.type != LEDGER_ENTRY_ENROL ||
	    memcmp(e.enrol.device_id, id, SZKM_DEVICE_ID_LEN))
		return refuse(-EBADMSG, "entry %" PRIu64 ": not the enrolment of the key's device", at);
	v->device_key = szkm_ec_pubkey(e.enrol.pubkey);
	if (!v->device_key)
		return refuse(-EBADMSG, "entry %" PRIu64 ": the device key is no P-256 point", at);
	memcpy(v->device_id, id, SZKM_DEVICE_ID_LEN);
	return 0;
}

/* Where the ledger says device @id was enrolled (GET /devices). */
static int find_enrolment(struct verify *v, const uint8_t *id, uint64_t *at)
{
	char hex[2 * SZKM_DEVICE_ID_LEN + 1];
	json_t *j, *d;
	size_t i;
	int ret;

	szkm_hex_encode(hex, id, SZKM_DEVICE_ID_LEN);
	ret = szkmctl_http_json(v->http, "/devices", &j);
	if (ret)
		return ret;
	ret = -ENOENT;
	json_array_foreach(json_object_get(j, "devices"), i, d) {
		json_t *ji = json_object_get(d, "enrolled_index");
		const char *did = json_string_value(json_object_get(d, "device_id"));

		if (did && !strcasecmp(did, hex) && json_is_integer(ji) &&
		    json_integer_value(ji) >= 0) {
			*at = (uint64_t)json_integer_value(ji);
			ret = 0;
			break;
		}
	}
	json_decref(j);
	return ret ? refuse(ret, "device %s: the ledger lists no enrolment of it", hex) : 0;
}

static int keep(struct verify *v, uint64_t index, const struct szkm_event *ev)
{
	struct verified *x;

	if (v->nev == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 64;
		void *p = realloc(v->ev, cap * sizeof(*v->ev));

		if (!p)
			return refuse(-ENOMEM, "out of memory");
		v->ev = p;
		v->cap = cap;
	}
	x = &v->ev[v->nev++];
	*x = (struct verified){ .index = index, .seq = ev->seq, .type = ev->type,
				.state = ev->state, .version = ev->version };
	szkm_event_actor_text(ev, x->actor, sizeof(x->actor));
	v->last_index = index;
	v->last_seq = ev->seq;
	memcpy(v->last_hash, ev->hash, sizeof(v->last_hash));
	return 0;
}

/* The entry's event: this key's, by its device, after the one before. */
static int check_event(struct verify *v, uint64_t index, const struct ledger_entry *e)
{
	const struct szkm_event *ev = &e->event;
	const char *why = NULL;
	uint64_t at = 0;
	int ret;

	if (memcmp(ev->key_id, v->key_id, SZKM_KEY_ID_LEN))
		return refuse(-EBADMSG, "entry %" PRIu64 ": names another key", index);
	if (!v->device_key) {
		ret = find_enrolment(v, ev->device_id, &at) ?:
		      check_enrolment(v, ev->device_id, at, index);
		if (ret)
			return ret;
	} else if (memcmp(ev->device_id, v->device_id, SZKM_DEVICE_ID_LEN)) {
		return refuse(-EBADMSG, "entry %" PRIu64 ": made by another device than the key's first event",
			      index);
	}
	if (szkm_event_verify(ev, v->device_key, e->sig, NULL))
		return refuse(-EBADMSG, "entry %" PRIu64 ": device signature invalid", index);
	if (v->nev && ev->seq <= v->last_seq)
		return refuse(-EBADMSG, "entry %" PRIu64 ": seq %" PRIu64 " does not come after seq %" PRIu64 " (entry %" PRIu64 ")",
			      index, ev->seq, v->last_seq, v->last_index);
	if (v->nev && ev->seq == v->last_seq + 1 &&
	    szkm_event_check_chain(ev, v->last_seq, v->last_hash, &why))
		return refuse(-EBADMSG, "entry %" PRIu64 ": does not chain to entry %" PRIu64 " (%s)",
			      index, v->last_index, why);
	return keep(v, index, ev);
}

/* One entry of the key's history: proven, then decoded and checked. */
static int check_entry(struct verify *v, uint64_t index, const uint8_t *data, size_t len)
{
	struct ledger_entry e;
	const char *why = "an enrolment";
	int ret;

	if (v->nev && index <= v->last_index)
		return refuse(-EBADMSG, "entry %" PRIu64 ": out of ledger order (after entry %" PRIu64 ")",
			      index, v->last_index);
	ret = check_inclusion(v, index, data, len);
	if (ret)
		return ret;
	if (ledger_entry_decode(data, len, &e, &why) || e.type != LEDGER_ENTRY_EVENT)
		return refuse(-EBADMSG, "entry %" PRIu64 ": not a well-formed event (%s)", index, why);
	return check_event(v, index, &e);
}

/* Step 3: every entry of the key in the checkpoint's tree. */
static int check_key(struct verify *v)
{
	uint8_t data[LEDGER_ENTRY_MAX_LEN];
	uint64_t index;
	char path[64];
	json_t *j, *arr, *x;
	size_t i, len;
	int ret;

	snprintf(path, sizeof(path), "/keys/%s", v->key_hex);
	ret = szkmctl_http_json(v->http, path, &j);
	if (ret)
		return ret;
	arr = json_object_get(j, "entries");
	if (!json_is_array(arr))
		ret = refuse(-EBADMSG, "GET %s: the reply holds no entries", path);
	json_array_foreach(arr, i, x) {
		if (entry_of(x, &index, data, &len)) {
			ret = refuse(-EBADMSG, "GET %s: entry %zu of the reply is malformed", path, i);
			break;
		}
		if (index >= v->cp.size) {
			v->later++;
			continue;
		}
		ret = check_entry(v, index, data, len);
		if (ret)
			break;
	}
	json_decref(j);
	if (!ret && !v->nev)
		ret = refuse(-ENOENT, "key %s: no entry in the checkpoint of size %" PRIu64 " names it",
			     v->key_hex, v->cp.size);
	return ret;
}

/* Step 4: the state file takes the new checkpoint (when it moved). */
static int save_state(struct verify *v)
{
	int ret;

	if (v->has_old && v->old.size == v->cp.size)
		return 0;
	ret = szkmctl_write_file_atomic(v->state, (const uint8_t *)v->note, v->note_len);
	return ret ? refuse(ret, "state %s: cannot write it: %s", v->state, strerror(-ret)) : 0;
}

static void print_table(const struct verify *v)
{
	printf("checkpoint: %s, size %" PRIu64 ", signed by %u of %zu ledger keys (%u needed)",
	       v->cp.origin, v->cp.size, v->signers, v->nkeys, v->threshold);
	if (v->has_old)
		printf(", consistent with size %" PRIu64 " seen before", v->old.size);
	printf("\n%-8s %-8s %-24s %-8s %-12s %s\n", "SEQ", "INDEX", "EVENT", "VERSION", "STATE", "ACTOR");
	for (size_t i = 0; i < v->nev; i++) {
		const struct verified *x = &v->ev[i];

		printf("%-8" PRIu64 " %-8" PRIu64 " %-24s v%-7u %-12s %s\n", x->seq, x->index,
		       szkm_event_type_name(x->type), x->version, szkm_vstate_name(x->state),
		       x->actor);
	}
	if (v->later)
		printf("(%zu later entries of the key are not in this checkpoint yet)\n", v->later);
	printf("key %s: %zu events verified against checkpoint of size %" PRIu64 " (%u of the configured keys)\n",
	       v->key_hex, v->nev, v->cp.size, v->signers);
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
	char hex[2 * LEDGER_HASH_LEN + 1];

	szkm_hex_encode(hex, p, n);
	return json_string(hex);
}

static void print_json(const struct verify *v)
{
	json_t *evs = json_array(), *out;

	for (size_t i = 0; i < v->nev; i++) {
		const struct verified *x = &v->ev[i];

		json_array_append_new(evs, json_pack("{s:I,s:I,s:s,s:I,s:s,s:s}",
			"index", (json_int_t)x->index, "seq", (json_int_t)x->seq,
			"event", szkm_event_type_name(x->type), "version", (json_int_t)x->version,
			"state", szkm_vstate_name(x->state), "actor", x->actor));
	}
	out = json_pack("{s:s,s:o,s:{s:s,s:I,s:o,s:i,s:i,s:i},s:o,s:o,s:I,s:b}",
			"key_id", v->key_hex, "device_id", hex_json(v->device_id, SZKM_DEVICE_ID_LEN),
			"checkpoint", "origin", v->cp.origin, "size", (json_int_t)v->cp.size,
			"root", hex_json(v->cp.root, LEDGER_HASH_LEN), "signers", (int)v->signers,
			"threshold", (int)v->threshold, "keys", (int)v->nkeys,
			"previous_size", v->has_old ? json_integer((json_int_t)v->old.size) : json_null(),
			"events", evs, "later_entries", (json_int_t)v->later, "verified", 1);
	if (out)
		json_dumpf(out, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(out);
}

static void clear(struct verify *v)
{
	for (size_t i = 0; i < v->nkeys; i++)
		ledger_note_key_clear(&v->keys[i]);
	szkmctl_http_close(v->http);
	EVP_PKEY_free(v->device_key);
	free(v->note);
	free(v->ev);
}

int verify_main(int argc, char *argv[])
{
	struct verify v = { 0 };
	const char *ledger = NULL;
	int ret;

	ret = options(argc, argv, &v, &ledger);
	if (ret != GO_ON) {
		clear(&v);
		return ret;
	}
	ret = szkmctl_http_open(&v.http, ledger);
	if (ret)
		ret = refuse(ret, "ledger %s: %s", ledger, strerror(-ret));
	else
		ret = check_checkpoint(&v) ?: load_state(&v) ?: check_consistency(&v) ?:
		      check_key(&v) ?: save_state(&v);
	if (!ret && v.json)
		print_json(&v);
	else if (!ret)
		print_table(&v);
	clear(&v);
	return ret ? EXIT_FAILED : EXIT_OK;
}
