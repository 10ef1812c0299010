/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * mem_ledger.h - a ledger in memory that serves libszkm's verifier core
 * (userspace/lib/verify_core.h) as ledgerd's HTTP API would: a Merkle
 * tree over entries, checkpoints signed by a node key, proofs made on
 * request. Entries can be real (kept, served) or fillers (a leaf hash
 * only, to make a large tree cheaply). What a lying node does, a test
 * does to it: change a kept entry after the checkpoint, sign another tree.
 * Used by tests/unit/test_verify_core.c and tests/bench/verify_bench.c.
 */
#ifndef MEM_LEDGER_H
#define MEM_LEDGER_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "merkle.h"
#include "note.h"
#include "test_ledger_util.h"
#include "verify_core.h"

struct mem_ledger {
	struct ledger_mem_store *ms;
	struct ledger_merkle *t;
	struct ledger_note_key key;
	char origin[64];
	/* The kept entries, in ledger order. */
	struct szkm_ledger_entry *e;
	size_t n, cap;
	/* The checkpoint it serves. */
	char note[4096];
	size_t note_len;
};

/* @alg: "ED25519" or "EC" (P-256) for the node key. */
static inline int ml_init(struct mem_ledger *l, const char *alg, const char *origin)
{
	EVP_PKEY *k = !strcmp(alg, "EC") ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256") :
					   EVP_PKEY_Q_keygen(NULL, NULL, alg);
	int ret;

	memset(l, 0, sizeof(*l));
	snprintf(l->origin, sizeof(l->origin), "%s", origin);
	if (!k)
		return -ENOMEM;
	ret = ledger_note_key_init(&l->key, origin, strcmp(alg, "EC") ? LEDGER_NOTE_SIG_ED25519 :
						    LEDGER_NOTE_SIG_ECDSA, k);
	EVP_PKEY_free(k);
	return ret ?: ledger_mem_store_new(&l->ms) ?:
	       ledger_merkle_open(&l->t, ledger_mem_store_ops(l->ms), 0);
}

static inline void ml_free(struct mem_ledger *l)
{
	ledger_merkle_free(l->t);
	ledger_mem_store_free(l->ms);
	ledger_note_key_clear(&l->key);
	free(l->e);
}

/* The node's verifier key string, into @buf. */
static inline int ml_vkey(const struct mem_ledger *l, char *buf, size_t cap)
{
	size_t len;

	return ledger_note_key_format(&l->key, buf, cap, &len);
}

/* Appends leaf data, kept to be served; returns its index. */
static inline uint64_t ml_append(struct mem_ledger *l, const uint8_t *data, size_t len)
{
	uint64_t index = 0;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->e = realloc(l->e, l->cap * sizeof(*l->e));
		if (!l->e)
			abort();
	}
	if (len > LEDGER_ENTRY_MAX_LEN || ledger_merkle_append(l->t, data, len, &index))
		abort();
	l->e[l->n].index = index;
	l->e[l->n].len = len;
	memcpy(l->e[l->n++].data, data, len);
	return index;
}

/* A filler leaf, never served (its hash derived from its index). */
static inline void ml_filler(struct mem_ledger *l)
{
	uint8_t leaf[LEDGER_HASH_LEN] = { 0 };
	uint64_t n = ledger_merkle_size(l->t);

	memcpy(leaf, &n, sizeof(n));
	if (ledger_merkle_append_hash(l->t, leaf, NULL))
		abort();
}

static inline uint64_t ml_enrol(struct mem_ledger *l, const struct tdev *d)
{
	struct ledger_enrolment en = { .time_ns = 1 };
	uint8_t buf[LEDGER_ENTRY_MAX_LEN];
	size_t len;

	snprintf(en.name, sizeof(en.name), "dev");
	memcpy(en.pubkey, d->pub, sizeof(en.pubkey));
	memcpy(en.device_id, d->id, sizeof(en.device_id));
	if (ledger_entry_enrolment(&en, buf, sizeof(buf), &len))
		abort();
	return ml_append(l, buf, len);
}

static inline uint64_t ml_event(struct mem_ledger *l, const uint8_t *body, size_t len,
				const uint8_t sig[64])
{
	uint8_t buf[LEDGER_ENTRY_MAX_LEN];
	size_t n;

	if (ledger_entry_event(body, len, sig, buf, sizeof(buf), &n))
		abort();
	return ml_append(l, buf, n);
}

/* Device @d's next event @e (its chain filled in), signed, appended. */
static inline uint64_t ml_chain(struct mem_ledger *l, struct tdev *d, struct tev e)
{
	uint8_t body[SZKM_EVENT_MAX_LEN], sig[64];
	size_t n;

	e.seq = d->seq + 1;
	memcpy(e.device_id, d->id, 32);
	memcpy(e.prev, d->head, 32);
	e.time_ns = e.seq;
	n = tev_encode(&e, body);
	if (tev_sign(d->key, body, n, sig))
		abort();
	d->seq = e.seq;
	tev_link(body, n, sig, d->head);
	return ml_event(l, body, n, sig);
}

/* Signs a checkpoint of the tree as it is now; it is served from then on. */
static inline int ml_sign(struct mem_ledger *l)
{
	struct ledger_checkpoint cp = { .size = ledger_merkle_size(l->t) };
	char text[512], line[LEDGER_MEMBERS_LINE_MAX];
	uint8_t leaf[LEDGER_HASH_LEN];
	struct ledger_entry *d = malloc(sizeof(*d));
	const char *why;
	uint64_t epoch = 0;
	size_t tlen;

	/* The membership line, as a node signs it (ledger_members_line). */
	for (size_t i = 0; d && i < l->n; i++)
		if (l->e[i].data[0] == LEDGER_ENTRY_MEMBERS &&
		    !ledger_entry_decode(l->e[i].data, l->e[i].len, d, &why) &&
		    !ledger_merkle_leaf_hash(l->e[i].data, l->e[i].len, leaf))
			epoch = d->members.epoch;
	free(d);
	cp.ext_len = ledger_checkpoint_members_line(epoch, leaf, line, sizeof(line));
	cp.ext = cp.ext_len ? line : NULL;
	snprintf(cp.origin, sizeof(cp.origin), "%s", l->origin);
	return ledger_merkle_root(l->t, cp.size, cp.root) ?:
	       ledger_checkpoint_format(&cp, text, sizeof(text), &tlen) ?:
	       ledger_note_sign(text, tlen, &l->key, 1, 0, l->note, sizeof(l->note), &l->note_len);
}

/* The kept entry at @index, or NULL. */
static inline struct szkm_ledger_entry *ml_entry(struct mem_ledger *l, uint64_t index)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->e[i].index == index)
			return &l->e[i];
	return NULL;
}

static inline int ml_checkpoint(void *ctx, char **note, size_t *len)
{
	struct mem_ledger *l = ctx;

	*note = malloc(l->note_len + 1);
	if (!*note)
		return -ENOMEM;
	memcpy(*note, l->note, l->note_len + 1);
	*len = l->note_len;
	return 0;
}

static inline int ml_inclusion(void *ctx, uint64_t index, uint64_t size,
			       uint8_t (*proof)[LEDGER_HASH_LEN], size_t *n)
{
	struct mem_ledger *l = ctx;

	return ledger_merkle_inclusion_proof(l->t, index, size, proof, LEDGER_MERKLE_MAX_PROOF, n);
}

static inline int ml_consistency(void *ctx, uint64_t old_size, uint64_t new_size,
				 uint8_t (*proof)[LEDGER_HASH_LEN], size_t *n)
{
	struct mem_ledger *l = ctx;

	return ledger_merkle_consistency_proof(l->t, old_size, new_size, proof,
					       LEDGER_MERKLE_MAX_PROOF, n);
}

static inline int ml_key_entries(void *ctx, const uint8_t id[SZKM_KEY_ID_LEN],
				 struct szkm_ledger_entry **out, size_t *n)
{
	struct mem_ledger *l = ctx;
	struct ledger_entry d;

	*n = 0;
	*out = malloc((l->n ? l->n : 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		if (!ledger_entry_decode(l->e[i].data, l->e[i].len, &d, NULL) &&
		    d.type == LEDGER_ENTRY_EVENT && !memcmp(d.event.key_id, id, SZKM_KEY_ID_LEN))
			(*out)[(*n)++] = l->e[i];
	return 0;
}

static inline int ml_enrolment(void *ctx, const uint8_t id[SZKM_DEVICE_ID_LEN],
			       struct szkm_ledger_entry *e)
{
	struct mem_ledger *l = ctx;
	struct ledger_entry d;

	for (size_t i = 0; i < l->n; i++)
		if (!ledger_entry_decode(l->e[i].data, l->e[i].len, &d, NULL) &&
		    d.type == LEDGER_ENTRY_ENROL && !memcmp(d.enrol.device_id, id, SZKM_DEVICE_ID_LEN)) {
			*e = l->e[i];
			return 0;
		}
	return -EKEYREJECTED;
}

/* A genesis membership: the node key alone, k = 1, approved by it. */
static inline uint64_t ml_genesis(struct mem_ledger *l)
{
	struct ledger_members m = { .epoch = 1, .k = 1, .n = 1 };
	uint8_t buf[LEDGER_ENTRY_MAX_LEN], msg[LEDGER_ENTRY_MAX_LEN + 128];
	size_t len = 0, olen = strlen(l->origin);

	if (strlen(l->key.name) >= sizeof(m.m[0].name))
		abort();
	memcpy(m.m[0].name, l->key.name, strlen(l->key.name) + 1);
	if (!EVP_PKEY_get_octet_string_param(l->key.pkey, "encoded-pub-key", m.m[0].pub,
					     sizeof(m.m[0].pub), &len) ||
	    ledger_entry_members(&m, buf, sizeof(buf), &len))
		abort();
	memcpy(msg, "szkm-membership/v1\n", 19);
	memcpy(msg + 19, l->origin, olen);
	msg[19 + olen] = '\n';
	memcpy(msg + 20 + olen, buf, m.content_len);
	memcpy(m.a[0].pub, m.m[0].pub, sizeof(m.a[0].pub));
	m.napprovals = 1;
	if (tev_sign(l->key.pkey, msg, 20 + olen + m.content_len, m.a[0].sig) ||
	    ledger_entry_members(&m, buf, sizeof(buf), &len))
		abort();
	return ml_append(l, buf, len);
}

/* The kept membership entries, as GET /members serves them. */
static inline int ml_members(void *ctx, struct szkm_ledger_entry **out, size_t *n)
{
	struct mem_ledger *l = ctx;

	*out = calloc(l->n + 1, sizeof(**out));
	*n = 0;
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		if (l->e[i].data[0] == LEDGER_ENTRY_MEMBERS)
			(*out)[(*n)++] = l->e[i];
	return 0;
}

static inline struct szkm_ledger_source ml_source(struct mem_ledger *l)
{
	return (struct szkm_ledger_source){
		.ctx = l, .checkpoint = ml_checkpoint, .inclusion = ml_inclusion,
		.consistency = ml_consistency, .key_entries = ml_key_entries,
		.enrolment = ml_enrolment, .members = ml_members,
	};
}

#endif /* MEM_LEDGER_H */
