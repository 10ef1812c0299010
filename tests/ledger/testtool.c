// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * testtool.c - what the ledger's shell tests need from C.
 *
 *   keygen FILE                 a P-256 device key (PEM)
 *   pubhex FILE                 its public point, hex
 *   devid FILE                  its device id, hex
 *   events FILE COUNT [NKEYS]   control lines "event <body> <sig>" for the
 *                               device's first COUNT events
 *   events-u64 FILE             the same for its first two events, the
 *                               second a key made at time 2^64 - 1 ns with
 *                               rotate_seconds 2^63 and max_uses 2^64 - 1
 *   verify-note VKEY FILE       verifies a signed checkpoint with the
 *                               verifier key; prints "<size> <root hex>"
 *   sign-note PEM NAME FILE     signs the note text in FILE with the node
 *                               key PEM as NAME, as a lying node would;
 *                               prints the signed note
 *   prove KEY NAME MODE [DB]    as a forger would: builds its own tree over
 *                               the kernel's journalled events (after the
 *                               entries of the ledger database DB), signs a
 *                               checkpoint with KEY as NAME and sends the
 *                               kernel the proofs. MODE: honest, bad-path
 *                               (each audit path spoilt), fork (a tree that
 *                               does not extend the kernel's last
 *                               checkpoint). Prints "accepted" (exit 0) or
 *                               "refused: <errno text>: <kernel's reason>"
 *                               (exit 1).
 *   checkpoint DB ORIGIN KEY=NAME...
 *                               a checkpoint over the ledger database DB's
 *                               tree, signed by each KEY as NAME (a
 *                               cosigned one, as witnesses would gather)
 *   commit FILE                 commits the pending re-sealed device
 *                               blob in FILE (szkm_device_commit)
 *   members DB ORIGIN FILE MODE OUT KEY=NAME...
 *                               sends the kernel the membership entry in
 *                               FILE (hex, as ledgerd member writes it)
 *                               with its inclusion proof in DB's tree (DB
 *                               "-": an empty one; the
 *                               entry appended when DB lacks it: a lying
 *                               ledger) under a checkpoint signed by each
 *                               KEY as NAME, consistent with the kernel's
 *                               last. MODE: honest, bad-path (the audit
 *                               path spoilt), corrupt (one byte of the
 *                               entry changed after proving), truncated
 *                               (the entry less its last byte, appended),
 *                               uncommitted (honest, but the re-sealed
 *                               blob is not committed: a crash before the
 *                               commit). The re-sealed blob goes to OUT,
 *                               then is committed. Prints as prove does.
 *   init-without-ledger         asks the kernel for a device that names no
 *                               ledger key (what szkmctl never sends);
 *                               prints as prove does.
 *   resume-at SEQ DB [MODE]     as a follower that lies about the device's
 *                               last event: resumes the kernel's chain at
 *                               the device's event SEQ of the ledger
 *                               database DB, with the ledger's real last
 *                               checkpoint and inclusion proof (public
 *                               data), then restores the chain up to it;
 *                               MODE swap-sig: with event SEQ/2's
 *                               signature changed in what it restores;
 *                               twin-sig: with that signature's twin
 *                               (r, n - s), which verifies; twin-resume:
 *                               the resume point's signature is its twin.
 *                               Prints as prove does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include <errno.h>

#include "merkle.h"
#include "store.h"
#include "node_key.h"
#include "note.h"
#include "../unit/test_ledger_util.h"
#include "libszkm.h"
#include "internal.h"

/* The kernel's answer: "accepted" (0), or "refused: why" (1). */
static int verdict(int ret)
{
	if (ret) {
		printf("refused: %s: %s\n", strerror(-ret), szkm_last_message());
		return 1;
	}
	puts("accepted");
	return 0;
}

static EVP_PKEY *read_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (!f) {
		perror(path);
		exit(1);
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!k) {
		fprintf(stderr, "%s: no private key\n", path);
		exit(1);
	}
	return k;
}

static struct tdev device(const char *path)
{
	EVP_PKEY *k = read_key(path);
	struct tdev d;

	if (tdev_init(&d, k)) {
		fprintf(stderr, "%s: not a P-256 key\n", path);
		exit(1);
	}
	EVP_PKEY_free(k);
	return d;
}

struct journal {
	uint8_t leaf[SZKM_LEDGER_PROOFS_MAX][LEDGER_HASH_LEN];
	uint64_t seq[SZKM_LEDGER_PROOFS_MAX];
	size_t n;
};

static int take_event(uint64_t seq, const uint8_t *body, size_t len,
		      const uint8_t sig[64], void *arg)
{
	static uint8_t entry[1 + SZKM_EVENT_MAX_LEN + SZKM_EVENT_SIG_LEN];
	struct journal *j = arg;

	if (j->n == SZKM_LEDGER_PROOFS_MAX)
		return 0;
	entry[0] = SZKM_LEDGER_ENTRY_EVENT;
	memcpy(entry + 1, body, len);
	memcpy(entry + 1 + len, sig, 64);
	if (ledger_merkle_leaf_hash(entry, 1 + len + 64, j->leaf[j->n]))
		return -EIO;
	j->seq[j->n++] = seq;
	return 0;
}

static int append_leaf(void *arg, const struct ledger_store_entry *e)
{
	return ledger_merkle_append_hash(arg, e->leaf, NULL);
}

/* Every entry of the ledger database @db through @cb. */
static int scan_db(const char *db, int (*cb)(void *, const struct ledger_store_entry *),
		   void *arg)
{
	struct ledger_store *s;
	char err[256];
	uint64_t n;
	int ret;

	ret = ledger_store_open(&s, db, LEDGER_STORE_RDONLY, err, sizeof(err));
	if (ret)
		return ret;
	ret = ledger_store_count(s, &n);
	if (!ret)
		ret = ledger_store_scan(s, 0, n, cb, arg);
	ledger_store_close(s);
	return ret;
}

/* The real ledger's entries first, so the tree extends the kernel's view. */
static int take_ledger(struct ledger_merkle *t, const char *db)
{
	return db ? scan_db(db, append_leaf, t) : 0;
}

static int prove(const char *keypath, const char *name, const char *mode,
		 const char *db)
{
	static uint8_t path[SZKM_LEDGER_PROOFS_MAX][LEDGER_MERKLE_MAX_PROOF][32];
	static uint8_t cons[LEDGER_MERKLE_MAX_PROOF][32];
	static char text[1024], note[LEDGER_NOTE_MAX_SIZE];
	struct szkm_event_proof p[SZKM_LEDGER_PROOFS_MAX];
	struct ledger_checkpoint cp = { 0 };
	struct ledger_mem_store *ms;
	struct ledger_merkle *t;
	struct ledger_note_key k;
	struct szkm_status st;
	struct szkm_identity idn;
	struct journal j = { .n = 0 };
	EVP_PKEY *pk = read_key(keypath);
	size_t tlen, nlen, ncons = 0, base;
	int fork = !strcmp(mode, "fork"), ret;

	if (szkm_status_get(&st) || szkm_device_identity(&idn) ||
	    szkm_event_replay(0, take_event, &j) || !j.n) {
		fprintf(stderr, "no journalled events to prove\n");
		return 2;
	}
	if (ledger_mem_store_new(&ms) ||
	    ledger_merkle_open(&t, ledger_mem_store_ops(ms), 0))
		return 2;
	/* A fork: one leaf of its own first, so no prefix is the kernel's. */
	if ((fork && ledger_merkle_append(t, "fork", 4, NULL)) ||
	    (!fork && take_ledger(t, db)))
		return 2;
	base = ledger_merkle_size(t);
	for (size_t i = 0; i < j.n; i++)
		if (ledger_merkle_append_hash(t, j.leaf[i], NULL))
			return 2;
	snprintf(cp.origin, sizeof(cp.origin), "%s", name);
	cp.size = ledger_merkle_size(t);
	if (ledger_merkle_root(t, cp.size, cp.root) ||
	    ledger_checkpoint_format(&cp, text, sizeof(text), &tlen) ||
	    ledger_note_key_init(&k, name, LEDGER_NOTE_SIG_ECDSA, pk) ||
	    ledger_note_sign(text, tlen, &k, 1, 0, note, sizeof(note), &nlen))
		return 2;
	for (size_t i = 0; i < j.n; i++) {
		p[i] = (struct szkm_event_proof){ .seq = j.seq[i], .index = base + i,
						  .path = path[i] };
		if (ledger_merkle_inclusion_proof(t, p[i].index, cp.size, path[i],
						  LEDGER_MERKLE_MAX_PROOF, &p[i].n))
			return 2;
		if (!strcmp(mode, "bad-path") && p[i].n)
			path[i][0][0] ^= 1;
		else if (!strcmp(mode, "bad-path"))
			p[i].index++;
	}
	/* The fork cannot prove consistency: it sends what it has. */
	if (st.ledger_size && st.ledger_size < cp.size &&
	    ledger_merkle_consistency_proof(t, st.ledger_size, cp.size, cons,
					    LEDGER_MERKLE_MAX_PROOF, &ncons))
		return 2;
	ret = szkm_event_prove(idn.id, note, nlen, (const uint8_t (*)[32])cons, ncons, p, j.n);
	ledger_merkle_free(t);
	ledger_mem_store_free(ms);
	ledger_note_key_clear(&k);
	EVP_PKEY_free(pk);
	return verdict(ret);
}

/* DB's tree; the index of the leaf @want, when DB has it. */
struct find_leaf {
	struct ledger_merkle *t;
	uint8_t want[LEDGER_HASH_LEN];
	int64_t at;
};

static int find_leaf(void *arg, const struct ledger_store_entry *e)
{
	struct find_leaf *f = arg;

	if (!memcmp(e->leaf, f->want, LEDGER_HASH_LEN))
		f->at = (int64_t)e->index;
	return ledger_merkle_append_hash(f->t, e->leaf, NULL);
}

static int tree_of(struct find_leaf *f, const char *db)
{
	return scan_db(db, find_leaf, f);
}

/* The tree's checkpoint signed by each "KEY=NAME" of @specs. */
static int sign_tree(struct ledger_merkle *t, const char *origin, char **specs,
		     int n, char *note, size_t *nlen, struct ledger_checkpoint *cp)
{
	struct ledger_note_key k[SZKM_LEDGER_KEYS_MAX + 2];
	static char text[1024];
	size_t tlen;
	int ret;

	if (n < 1 || n > (int)(sizeof(k) / sizeof(k[0])))
		return -EINVAL;
	memset(cp, 0, sizeof(*cp));
	snprintf(cp->origin, sizeof(cp->origin), "%s", origin);
	cp->size = ledger_merkle_size(t);
	if (ledger_merkle_root(t, cp->size, cp->root) ||
	    ledger_checkpoint_format(cp, text, sizeof(text), &tlen))
		return -EIO;
	for (int i = 0; i < n; i++) {
		char *eq = strchr(specs[i], '=');
		EVP_PKEY *pk;

		if (!eq)
			return -EINVAL;
		*eq = 0;
		pk = read_key(specs[i]);
		ret = ledger_note_key_init(&k[i], eq + 1, LEDGER_NOTE_SIG_ECDSA, pk);
		EVP_PKEY_free(pk);
		if (ret)
			return ret;
	}
	ret = ledger_note_sign(text, tlen, k, (size_t)n, 0, note, LEDGER_NOTE_MAX_SIZE, nlen);
	for (int i = 0; i < n; i++)
		ledger_note_key_clear(&k[i]);
	return ret;
}

static int checkpoint(const char *db, const char *origin, char **specs, int n)
{
	static char note[LEDGER_NOTE_MAX_SIZE];
	struct find_leaf f = { .at = -1 };
	struct ledger_checkpoint cp;
	struct ledger_mem_store *ms;
	size_t nlen;

	if (ledger_mem_store_new(&ms) || ledger_merkle_open(&f.t, ledger_mem_store_ops(ms), 0) ||
	    tree_of(&f, db) || sign_tree(f.t, origin, specs, n, note, &nlen, &cp))
		return 2;
	fwrite(note, 1, nlen, stdout);
	ledger_merkle_free(f.t);
	ledger_mem_store_free(ms);
	return 0;
}

static int members(const char *db, const char *origin, const char *file,
		   const char *mode, const char *out, char **specs, int n)
{
	static uint8_t path[LEDGER_MERKLE_MAX_PROOF][32], cons[LEDGER_MERKLE_MAX_PROOF][32];
	static uint8_t entry[SZKM_MEMBERS_ENTRY_MAX + 1];
	static char hex[2 * (SZKM_MEMBERS_ENTRY_MAX + 1) + 2], note[LEDGER_NOTE_MAX_SIZE];
	struct find_leaf f = { .at = -1 };
	struct szkm_event_proof p = { .path = (const uint8_t (*)[32])path };
	struct ledger_checkpoint cp;
	struct ledger_mem_store *ms;
	struct szkm_status st;
	size_t len, nlen, ncons = 0, blen;
	uint8_t *blob;
	FILE *fp = fopen(file, "r");
	int ret;

	if (!fp || !fgets(hex, sizeof(hex), fp))
		return 2;
	fclose(fp);
	hex[strcspn(hex, "\n")] = 0;
	len = strlen(hex) / 2;
	if (len < 2 || len > SZKM_MEMBERS_ENTRY_MAX || szkm_hex_decode(entry, len, hex))
		return 2;
	if (!strcmp(mode, "truncated"))
		len--;
	/* No status for an unprivileged caller: the kernel refuses it anyway. */
	if (szkm_status_get(&st))
		memset(&st, 0, sizeof(st));
	if (ledger_merkle_leaf_hash(entry, len, f.want) ||
	    ledger_mem_store_new(&ms) || ledger_merkle_open(&f.t, ledger_mem_store_ops(ms), 0) ||
	    (strcmp(db, "-") && tree_of(&f, db)))
		return 2;
	if (f.at < 0) {
		f.at = (int64_t)ledger_merkle_size(f.t);
		if (ledger_merkle_append_hash(f.t, f.want, NULL))
			return 2;
	}
	p.index = (uint64_t)f.at;
	if (sign_tree(f.t, origin, specs, n, note, &nlen, &cp) ||
	    ledger_merkle_inclusion_proof(f.t, p.index, cp.size, path,
					  LEDGER_MERKLE_MAX_PROOF, &p.n))
		return 2;
	if (st.ledger_size && st.ledger_size < cp.size &&
	    ledger_merkle_consistency_proof(f.t, st.ledger_size, cp.size, cons,
					    LEDGER_MERKLE_MAX_PROOF, &ncons))
		return 2;
	if (!strcmp(mode, "bad-path") && p.n)
		path[0][0] ^= 1;
	if (!strcmp(mode, "corrupt"))
		entry[len - 1] ^= 1;
	ret = szkm_ledger_members(entry, len, note, nlen, (const uint8_t (*)[32])cons, ncons,
				  &p, &blob, &blen);
	ledger_merkle_free(f.t);
	ledger_mem_store_free(ms);
	if (ret)
		return verdict(ret);
	fp = fopen(out, "w");
	if (!fp || fwrite(blob, 1, blen, fp) != blen || fclose(fp))
		return 2;
	/* "uncommitted": the re-sealed blob stays pending (a crash before
	 * the commit); else the kernel follows the entry now. */
	ret = strcmp(mode, "uncommitted") ? szkm_device_commit(blob, blen) : 0;
	free(blob);
	return verdict(ret);
}

/* resume-at: the ledger's tree, and the device's events up to @upto. */
struct old_chain {
	struct ledger_merkle *t;
	const uint8_t *dev;
	uint64_t upto;
	uint8_t (*ev)[1 + SZKM_EVENT_MAX_LEN + SZKM_EVENT_SIG_LEN];
	size_t *len;
	uint64_t index;		/* the ledger index of event @upto */
	size_t n;
};

static int take_old(void *arg, const struct ledger_store_entry *e)
{
	struct old_chain *c = arg;
	size_t blen = e->len - 1 - SZKM_EVENT_SIG_LEN;

	if (e->type == SZKM_LEDGER_ENTRY_EVENT && e->len > 1 + SZKM_EVENT_SIG_LEN &&
	    blen <= SZKM_EVENT_MAX_LEN && c->n < c->upto &&
	    !memcmp(e->data + 1 + SZKM_EV_OFF_DEVICE_ID, c->dev, SZKM_DEVICE_ID_LEN)) {
		memcpy(c->ev[c->n], e->data, e->len);
		c->len[c->n++] = e->len;
		c->index = e->index;
	}
	return ledger_merkle_append_hash(c->t, e->leaf, NULL);
}

struct old_note {
	char text[LEDGER_NOTE_MAX_SIZE];
	size_t len;
	uint64_t size;
};

static int take_note(void *arg, const struct ledger_store_checkpoint *cp)
{
	struct old_note *o = arg;

	if (cp->note_len > sizeof(o->text))
		return -E2BIG;
	memcpy(o->text, cp->note, cp->note_len);
	o->len = cp->note_len;
	o->size = cp->size;
	return 0;
}

enum resume_lie { HONEST, SWAP_SIG, TWIN_SIG, TWIN_RESUME };

static int resume_at(uint64_t upto, const char *db, enum resume_lie lie)
{
	static uint8_t path[LEDGER_MERKLE_MAX_PROOF][32];
	struct old_chain c = { .upto = upto };
	static struct old_note cp;
	struct szkm_event_proof p;
	struct szkm_chain_batch *b = NULL;
	struct ledger_mem_store *ms;
	struct szkm_identity idn;
	struct ledger_store *s;
	uint8_t *last;
	char err[256];
	uint64_t n;
	int ret;

	c.ev = calloc(upto, sizeof(*c.ev));
	c.len = calloc(upto, sizeof(*c.len));
	if (!c.ev || !c.len || szkm_device_identity(&idn) ||
	    ledger_mem_store_new(&ms) ||
	    ledger_merkle_open(&c.t, ledger_mem_store_ops(ms), 0) ||
	    ledger_store_open(&s, db, LEDGER_STORE_RDONLY, err, sizeof(err)))
		return 2;
	c.dev = idn.id;
	if (ledger_store_count(s, &n) || ledger_store_scan(s, 0, n, take_old, &c) ||
	    ledger_store_last_checkpoint(s, take_note, &cp) || c.n != upto)
		return 2;
	ledger_store_close(s);
	last = c.ev[upto - 1];
	if (lie == TWIN_RESUME && tev_twin(last + c.len[upto - 1] - SZKM_EVENT_SIG_LEN))
		return 2;
	p = (struct szkm_event_proof){ .seq = upto, .index = c.index, .path = path };
	if (ledger_merkle_inclusion_proof(c.t, c.index, cp.size, path,
					  LEDGER_MERKLE_MAX_PROOF, &p.n))
		return 2;
	ret = szkm_event_resume_proven(idn.id, cp.text, cp.len, last + 1,
				       c.len[upto - 1] - 1 - SZKM_EVENT_SIG_LEN,
				       last + c.len[upto - 1] - SZKM_EVENT_SIG_LEN, &p);
	if (!ret) {
		b = szkm_chain_batch_new(idn.id);
		ret = b ? 0 : -ENOMEM;
	}
	if (lie == SWAP_SIG && upto > 1)	/* after the resume proof, which holds */
		c.ev[upto / 2 - 1][c.len[upto / 2 - 1] - 1] ^= 1;
	if (lie == TWIN_SIG && upto > 1 &&
	    tev_twin(c.ev[upto / 2 - 1] + c.len[upto / 2 - 1] - SZKM_EVENT_SIG_LEN))
		ret = -EIO;
	for (size_t i = 0; i < upto && !ret; i++)
		ret = szkm_chain_batch_add(b, c.ev[i] + 1, c.len[i] - 1 - SZKM_EVENT_SIG_LEN,
					   c.ev[i] + c.len[i] - SZKM_EVENT_SIG_LEN);
	if (!ret)
		ret = szkm_chain_batch_end(b);
	szkm_chain_batch_free(b);
	ledger_merkle_free(c.t);
	ledger_mem_store_free(ms);
	free(c.ev);
	free(c.len);
	return verdict(ret);
}

/* Prints @d's next event, made from @e, as a control line; advances it. */
static int print_event(struct tdev *d, struct tev *e)
{
	char hex[2 * SZKM_EVENT_MAX_LEN + 1], shex[129];
	uint8_t body[SZKM_EVENT_MAX_LEN], sig[64];
	size_t n;

	e->seq = d->seq + 1;
	memcpy(e->device_id, d->id, 32);
	memcpy(e->prev, d->head, 32);
	n = tev_encode(e, body);
	if (tev_sign(d->key, body, n, sig))
		return 1;
	d->seq = e->seq;
	tev_link(body, n, sig, d->head);
	szkm_hex_encode(hex, body, n);
	szkm_hex_encode(shex, sig, 64);
	printf("event %s %s\n", hex, shex);
	return 0;
}

/*
 * The u64 fields of an event at their largest, for the JSON of the API,
 * and a grant of that key to the largest uid.
 */
static int events_u64(const char *path)
{
	struct tdev d = device(path);
	struct tev init = { .type = SZKM_EV_DEVICE_INIT, .time_ns = 1, .pub = d.pub };
	struct tev key = {
		.type = SZKM_EV_KEY_CREATE, .time_ns = UINT64_MAX, .name = "big",
		.key_id = { 0xb1, 0x90 }, .version = 1, .alg = SZKM_ALG_AES256_GCM,
		.state = SZKM_VS_ACTIVE, .origin = SZKM_ORIGIN_GENERATED,
		.rotate = (uint64_t)1 << 63, .max_uses = UINT64_MAX,
		.ledger = SZKM_LEDGER_REQUIRED,
	};
	struct tev grant = key;
	int ret;

	grant.type = SZKM_EV_KEY_GRANT;
	grant.grantee = UINT32_MAX;
	ret = print_event(&d, &init) || print_event(&d, &key) || print_event(&d, &grant);

	tdev_free(&d);
	return ret;
}

int main(int argc, char **argv)
{
	char hex[2 * (SZKM_EVENT_MAX_LEN + 64) + 1], shex[129];

	if (argc == 3 && !strcmp(argv[1], "keygen")) {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		FILE *f = fopen(argv[2], "w");

		if (!k || !f || !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL,
						      NULL))
			return 1;
		fclose(f);
		EVP_PKEY_free(k);
		return 0;
	}
	if (argc == 3 && (!strcmp(argv[1], "pubhex") ||
			  !strcmp(argv[1], "devid"))) {
		struct tdev d = device(argv[2]);

		if (!strcmp(argv[1], "pubhex"))
			szkm_hex_encode(hex, d.pub, 65);
		else
			szkm_hex_encode(hex, d.id, 32);
		puts(hex);
		tdev_free(&d);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "events-u64"))
		return events_u64(argv[2]);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "events")) {
		struct tdev d = device(argv[2]);
		long count = atol(argv[3]);
		unsigned int nkeys = argc == 5 ? (unsigned int)atoi(argv[4]) : 4;
		uint8_t body[SZKM_EVENT_MAX_LEN], sig[64];

		for (long i = 0; i < count; i++) {
			size_t n = tdev_next(&d, nkeys, body, sig);

			if (!n)
				return 1;
			szkm_hex_encode(hex, body, n);
			szkm_hex_encode(shex, sig, 64);
			printf("event %s %s\n", hex, shex);
		}
		tdev_free(&d);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "verify-note")) {
		struct ledger_note_key k;
		struct ledger_note_result r;
		struct ledger_checkpoint cp;
		static char note[LEDGER_NOTE_MAX_SIZE + 1];
		FILE *f = fopen(argv[3], "r");
		size_t n;
		int ret;

		if (!f)
			return 1;
		n = fread(note, 1, LEDGER_NOTE_MAX_SIZE, f);
		fclose(f);
		if (ledger_note_key_parse(&k, argv[2], strlen(argv[2]))) {
			fprintf(stderr, "bad verifier key\n");
			return 1;
		}
		ret = ledger_note_open(note, n, &k, 1, 0, &r);
		if (ret) {
			fprintf(stderr, "checkpoint does not verify (%d)\n", ret);
			return 1;
		}
		if (ledger_checkpoint_parse(note, r.text_len, &cp))
			return 1;
		szkm_hex_encode(hex, cp.root, 32);
		printf("%" PRIu64 " %s\n", cp.size, hex);
		ledger_note_key_clear(&k);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "sign-note")) {
		struct ledger_node_key_opts ko = { .key = argv[2], .name = argv[3] };
		static char text[LEDGER_NOTE_MAX_SIZE + 1], note[LEDGER_NOTE_MAX_SIZE + 1];
		struct ledger_note_key k;
		char err[256];
		FILE *f = fopen(argv[4], "r");
		size_t n, len;

		if (!f)
			return 1;
		n = fread(text, 1, LEDGER_NOTE_MAX_SIZE, f);
		fclose(f);
		if (ledger_node_key_load(&ko, &k, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		if (ledger_note_sign(text, n, &k, 1, 0, note, sizeof(note), &len)) {
			fprintf(stderr, "cannot sign\n");
			return 1;
		}
		fwrite(note, 1, len, stdout);
		ledger_note_key_clear(&k);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "init-without-ledger")) {
		struct szkm_device_opts o = { .force = 1 };
		uint8_t *blob;
		size_t len;
		int ret = szkm_device_init(&o, &blob, &len, NULL);

		if (!ret)
			free(blob);
		return verdict(ret);
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "resume-at") && atoll(argv[2]) > 0) {
		static const char *const lies[] = {
			[HONEST] = "honest", [SWAP_SIG] = "swap-sig",
			[TWIN_SIG] = "twin-sig", [TWIN_RESUME] = "twin-resume",
		};

		for (int i = HONEST; i <= TWIN_RESUME; i++)
			if (!strcmp(argc == 5 ? argv[4] : "honest", lies[i]))
				return resume_at(strtoull(argv[2], NULL, 10), argv[3], i);
	}
	if (argc >= 5 && !strcmp(argv[1], "checkpoint"))
		return checkpoint(argv[2], argv[3], argv + 4, argc - 4);
	if (argc >= 8 && !strcmp(argv[1], "members"))
		return members(argv[2], argv[3], argv[4], argv[5], argv[6], argv + 7, argc - 7);
	if (argc == 3 && !strcmp(argv[1], "commit")) {
		uint8_t *blob;
		size_t len;
		int ret = szkm_file_read(argv[2], &blob, &len, SZKM_DEVBLOB_MAX);

		if (ret)
			return 2;
		ret = szkm_device_commit(blob, len);
		free(blob);
		return verdict(ret);
	}
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "prove"))
		return prove(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	fprintf(stderr, "usage: see the head of tests/ledger/testtool.c\n");
	return 2;
}
