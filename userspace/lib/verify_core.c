// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * verify_core.c - whether a key's history in a ledger holds, decided
 * without I/O (verify_core.h): the checkpoint's signatures (k of n), its
 * consistency with the one accepted before, the inclusion proof of every
 * entry of the key and of its device's enrolment, the device's signature
 * on each event and the chain between them. Then the versions are
 * replayed from the events as the kernel applies them, for the agreement
 * check (agree.c).
 */
#include "verify_core.h"
#include "internal.h"
#include "libszkm.h"
#include "szkm_event.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* What the replay needs of one verified event. */
struct change {
	uint64_t index;
	uint8_t type, state, origin, ledger;
	uint32_t version;
	const uint8_t *pub;	/* NULL or into pubs */
	uint8_t pubs[SZKM_P256_PUB_LEN];
};

struct run {
	struct szkm_trust *t;
	const struct szkm_ledger_source *src;
	const uint8_t *id;
	char *note;
	size_t note_len;
	struct ledger_checkpoint cp;
	/* The key's device, from its enrolment entry. */
	EVP_PKEY *device_key;
	/* The last event verified. */
	uint64_t last_index, last_seq;
	uint8_t last_hash[SZKM_EVENT_HASH_LEN];	/* its link */
	struct szkm_verified_key *vk;
	struct change *ch;
	size_t cap;
	/* The membership that signs the checkpoint, when the ledger has
	 * one (follow_members); else the configured keys do. */
	bool members;
	struct ledger_note_key mkeys[LEDGER_MEMBERS_MAX];
	size_t nmkeys;
	unsigned int mk;
	/* Every membership followed, with where it took force: what an
	 * approved enrolment is checked against (check_enrolment). */
	struct epoch_set *sets;
	size_t nsets;
	bool has_members_source;
};

struct epoch_set {
	uint64_t index;
	uint8_t leaf[LEDGER_HASH_LEN];
	unsigned int k, n;
	uint8_t pub[LEDGER_MEMBERS_MAX][SZKM_P256_PUB_LEN];
};

static int follow_members(struct run *r);

int szkm_trust_init(struct szkm_trust *t, const char *const *vkeys, size_t n,
		    unsigned int threshold)
{
	memset(t, 0, sizeof(*t));
	if (!n)
		return szkm_verify_fail(-EINVAL, "no ledger key given");
	if (n > SZKM_LEDGER_KEYS_MAX)
		return szkm_verify_fail(-EINVAL, "at most %d ledger keys", SZKM_LEDGER_KEYS_MAX);
	for (size_t i = 0; i < n; i++) {
		struct ledger_note_key *k = &t->keys[i];

		if (!vkeys[i] || ledger_note_key_parse(k, vkeys[i], strlen(vkeys[i])))
			return szkm_verify_fail(-EINVAL, "ledger key '%s': not a verifier key (name+keyid+base64, as `ledgerd vkey` prints)",
						vkeys[i] ? vkeys[i] : "");
		t->nkeys++;
		for (size_t j = 0; j < i; j++)
			if (t->keys[j].id == k->id && !strcmp(t->keys[j].name, k->name))
				return szkm_verify_fail(-EINVAL, "ledger key '%s' is given twice", vkeys[i]);
	}
	if (threshold > n)
		return szkm_verify_fail(-EINVAL, "threshold %u: more than the %zu ledger keys given",
					threshold, n);
	t->threshold = threshold ? threshold : (unsigned int)(n / 2 + 1);
	return 0;
}

void szkm_trust_clear(struct szkm_trust *t)
{
	for (size_t i = 0; i < t->nkeys; i++)
		ledger_note_key_clear(&t->keys[i]);
	free(t->seen);
	EVP_PKEY_free(t->device_key);
	free(t->signed_leaves);
	memset(t, 0, sizeof(*t));
}

int szkm_checkpoint_read(const char *note, size_t len, struct ledger_checkpoint *cp)
{
	struct ledger_note_result res;
	int ret;

	ret = len > LEDGER_NOTE_MAX_SIZE ? -E2BIG : ledger_note_open(note, len, NULL, 0, 0, &res);
	/* No key given: a well-formed note comes back as "no known signer". */
	if (ret == -ENOKEY)
		ret = ledger_checkpoint_parse(note, res.text_len, cp);
	cp->ext = NULL;		/* it would point into @note */
	cp->ext_len = 0;
	return ret ? -EBADMSG : 0;
}

/*
 * The checkpoint, signed by the threshold of the configured keys, or of
 * the membership the ledger reached from them under this checkpoint.
 */
static int check_checkpoint(struct run *r)
{
	struct szkm_trust *t = r->t;
	const struct ledger_note_key *keys = t->keys;
	struct ledger_note_result res;
	unsigned int signers, k = t->threshold;
	size_t nkeys = t->nkeys;
	bool seen;
	int ret;

	ret = r->src->checkpoint(r->src->ctx, &r->note, &r->note_len);
	if (ret)
		return ret;
	/* Its size and root first (not trusted yet): the membership entries
	 * under it are proven against them, and say who must have signed. */
	ret = ledger_note_open(r->note, r->note_len, NULL, 0, 0, &res);
	if (ret != -ENOKEY)
		return szkm_verify_fail(-EPROTO, "checkpoint: not a well-formed signed note");
	if (ledger_checkpoint_parse(r->note, res.text_len, &r->cp))
		return szkm_verify_fail(-EPROTO, "checkpoint: the signed text is not a checkpoint");
	ret = follow_members(r);
	if (ret)
		return ret;
	if (r->members) {
		keys = r->mkeys;
		nkeys = r->nmkeys;
		k = r->mk;
	}
	seen = !r->members && t->seen && t->seen_len == r->note_len &&
	       !memcmp(t->seen, r->note, r->note_len);
	if (seen) {
		signers = t->seen_signers;
	} else {
		ret = ledger_note_open(r->note, r->note_len, keys, nkeys, 0, &res);
		if (ret == -EBADMSG)
			return szkm_verify_fail(-ENOKEY, "checkpoint: a signature by one of the %s keys does not verify",
						r->members ? "membership's" : "configured");
		if (ret && ret != -ENOKEY)
			return szkm_verify_fail(-EPROTO, "checkpoint: not a well-formed signed note");
		signers = ret ? 0 : (unsigned int)__builtin_popcountll(res.valid);
	}
	if (signers < k)
		return szkm_verify_fail(-ENOKEY, "checkpoint: signed by %u of the %s keys, %u needed",
					signers, r->members ? "membership's" : "configured", k);
	r->vk->signers = signers;
	if (!seen && !r->members) {
		char *copy = malloc(r->note_len);

		if (copy) {	/* without it, the next call checks again */
			memcpy(copy, r->note, r->note_len);
			free(t->seen);
			t->seen = copy;
			t->seen_len = r->note_len;
			t->seen_signers = signers;
		}
	}
	return 0;
}

/* The checkpoint extends @o, the one this client accepted before. */
static int check_consistency(struct run *r, const struct ledger_checkpoint *o)
{
	uint8_t proof[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	const struct ledger_checkpoint *c = &r->cp;
	size_t n;
	int ret;

	if (strcmp(o->origin, c->origin))
		return szkm_verify_fail(-ESTALE, "checkpoint: origin '%s' is not the one seen before ('%s'): another ledger needs another state file",
					c->origin, o->origin);
	if (c->size < o->size)
		return szkm_verify_fail(-ESTALE, "checkpoint: the ledger is smaller than the checkpoint seen before (size %" PRIu64 ", now %" PRIu64 "): rollback or fork",
					o->size, c->size);
	if (!o->size)
		return 0;	/* the empty tree: every tree extends it */
	if (c->size == o->size) {
		if (!memcmp(o->root, c->root, LEDGER_HASH_LEN))
			return 0;
	} else {
		ret = r->src->consistency(r->src->ctx, o->size, c->size, proof, &n);
		if (ret)
			return ret;
		if (!ledger_merkle_verify_consistency(o->size, c->size, o->root, c->root,
						      (const uint8_t (*)[LEDGER_HASH_LEN])proof, n))
			return 0;
	}
	return szkm_verify_fail(-ESTALE, "checkpoint: not consistent with the one seen before (size %" PRIu64 "): fork",
				o->size);
}

/* Entry @index, @data, is in the checkpoint's tree; @leaf gets its hash. */
static int check_inclusion(struct run *r, uint64_t index, const uint8_t *data, size_t len,
			   uint8_t leaf[LEDGER_HASH_LEN])
{
	uint8_t proof[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	size_t n;
	int ret;

	ret = r->src->inclusion(r->src->ctx, index, r->cp.size, proof, &n);
	if (ret)
		return ret;
	if (ledger_merkle_leaf_hash(data, len, leaf))
		return szkm_verify_fail(-ENOMEM, "entry %" PRIu64 ": cannot hash it", index);
	if (ledger_merkle_verify_inclusion(leaf, index, r->cp.size,
					   (const uint8_t (*)[LEDGER_HASH_LEN])proof, n, r->cp.root))
		return szkm_verify_fail(-EUCLEAN, "entry %" PRIu64 ": inclusion proof does not lead to the checkpoint's root",
					index);
	return 0;
}

/* A note key's P-256 point; false for any other key (Ed25519). */
static bool point_of(const struct ledger_note_key *k, uint8_t pub[SZKM_P256_PUB_LEN])
{
	size_t len = 0;

	return k->type == LEDGER_NOTE_SIG_ECDSA &&
	       EVP_PKEY_get_octet_string_param(k->pkey, "encoded-pub-key", pub,
					       SZKM_P256_PUB_LEN, &len) &&
	       len == SZKM_P256_PUB_LEN;
}

/* How many of the @n approvals @a over @data's first @content bytes, by
 * keys of @set (points), verify; -1 when one by such a key does not. */
static int approvals(const struct ledger_approval *a, int n, const uint8_t *data, size_t content,
		     const char *origin, const uint8_t (*set)[SZKM_P256_PUB_LEN], size_t nset)
{
	uint8_t digest[32];
	int good = 0;

	if (ledger_members_digest(origin, data, content, digest))
		return -1;
	for (int i = 0; i < n; i++) {
		for (size_t j = 0; j < nset; j++) {
			EVP_PKEY *pk;
			int ret;

			if (memcmp(set[j], a[i].pub, SZKM_P256_PUB_LEN))
				continue;
			pk = szkm_ec_pubkey(set[j]);
			ret = pk ? szkm_ec_verify_digest(pk, digest, a[i].sig) : -EBADMSG;
			EVP_PKEY_free(pk);
			if (ret)
				return -1;
			good++;
			break;
		}
	}
	return good;
}

static void clear_mkeys(struct run *r)
{
	for (size_t i = 0; i < r->nmkeys; i++)
		ledger_note_key_clear(&r->mkeys[i]);
	r->nmkeys = 0;
}

/* @m becomes the membership that signs. */
static int take_members(struct run *r, const struct ledger_members *m,
			uint8_t (*set)[SZKM_P256_PUB_LEN], size_t *nset)
{
	clear_mkeys(r);
	for (int i = 0; i < m->n; i++) {
		EVP_PKEY *pk = szkm_ec_pubkey(m->m[i].pub);
		int ret = pk ? ledger_note_key_init(&r->mkeys[i], m->m[i].name,
						    LEDGER_NOTE_SIG_ECDSA, pk) : -EINVAL;

		EVP_PKEY_free(pk);
		if (ret)
			return szkm_verify_fail(-EUCLEAN, "membership epoch %" PRIu64 ": member '%s' has no valid P-256 key",
						m->epoch, m->m[i].name);
		r->nmkeys++;
		memcpy(set[i], m->m[i].pub, SZKM_P256_PUB_LEN);
	}
	*nset = m->n;
	r->mk = m->k;
	r->members = true;
	return 0;
}

static int keep_set(struct run *r, uint64_t index, const uint8_t leaf[LEDGER_HASH_LEN],
		    const struct ledger_members *m)
{
	struct epoch_set *p = realloc(r->sets, (r->nsets + 1) * sizeof(*p)), *s;

	if (!p)
		return szkm_verify_fail(-ENOMEM, "out of memory");
	r->sets = p;
	s = &p[r->nsets++];
	s->index = index;
	memcpy(s->leaf, leaf, LEDGER_HASH_LEN);
	s->k = m->k;
	s->n = m->n;
	for (int i = 0; i < m->n; i++)
		memcpy(s->pub[i], m->m[i].pub, SZKM_P256_PUB_LEN);
	return 0;
}

/*
 * An enrolment (decoded @d, entry @index, its bytes @data) as the ledger's
 * membership allows it: type 1 only before the first membership entry,
 * type 4 only after, over the membership in force at @index and approved
 * by its k. Sources without membership entries allow either.
 */
static int check_enrolment_right(struct run *r, uint64_t index, const struct ledger_entry *d,
				 const uint8_t *data)
{
	const struct epoch_set *s = NULL;
	int good;

	if (!r->has_members_source)
		return 0;
	for (size_t i = 0; i < r->nsets && r->sets[i].index < index; i++)
		s = &r->sets[i];
	if (d->type == LEDGER_ENTRY_ENROL) {
		if (s)
			return szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": an enrolment without the members' approvals in a ledger with a membership",
						index);
		return 0;
	}
	if (!s || memcmp(d->enrol.members, s->leaf, LEDGER_HASH_LEN))
		return szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": an approved enrolment over another membership than the one in force",
					index);
	good = approvals(d->enrol.a, d->enrol.napprovals, data, d->enrol.content_len, r->cp.origin,
			 (const uint8_t (*)[SZKM_P256_PUB_LEN])s->pub, s->n);
	if (good < 0 || (unsigned int)good < s->k)
		return szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": an enrolment approved by %d of the members in force, %u needed",
					index, good < 0 ? 0 : good, s->k);
	return 0;
}

/*
 * Follows the membership entries under the checkpoint from the configured
 * keys: each proven in the checkpoint, one epoch after the last over its
 * leaf hash, and approved by the k of the keys in force before it.
 */
static int follow_members(struct run *r)
{
	uint8_t set[SZKM_LEDGER_KEYS_MAX > LEDGER_MEMBERS_MAX ? SZKM_LEDGER_KEYS_MAX : LEDGER_MEMBERS_MAX]
		   [SZKM_P256_PUB_LEN];
	uint8_t leaf[LEDGER_HASH_LEN], prev[LEDGER_HASH_LEN] = { 0 };
	struct szkm_ledger_entry *e = NULL;
	struct ledger_entry *d = NULL;
	unsigned int k = r->t->threshold;
	uint64_t epoch = 0;
	size_t n = 0, nset = 0;
	int ret;

	if (!r->src->members)
		return 0;
	r->has_members_source = true;
	ret = r->src->members(r->src->ctx, &e, &n);
	if (ret)
		return ret;
	for (size_t i = 0; i < r->t->nkeys; i++)
		if (point_of(&r->t->keys[i], set[nset]))
			nset++;	/* an Ed25519 key approves nothing */
	d = malloc(sizeof(*d));
	if (!d)
		ret = szkm_verify_fail(-ENOMEM, "out of memory");
	for (size_t i = 0; i < n && !ret && e[i].index < r->cp.size; i++) {
		const struct ledger_members *m = &d->members;
		const char *why = "malformed";
		int good;

		if (i && e[i].index <= e[i - 1].index) {
			ret = szkm_verify_fail(-EPROTO, "the ledger lists its membership entries out of order");
			break;
		}
		if (ledger_entry_decode(e[i].data, e[i].len, d, &why) ||
		    d->type != LEDGER_ENTRY_MEMBERS) {
			ret = szkm_verify_fail(-EPROTO, "entry %" PRIu64 ": not a membership entry (%s)",
					       e[i].index, why);
			break;
		}
		ret = check_inclusion(r, e[i].index, e[i].data, e[i].len, leaf);
		if (ret)
			break;
		if (epoch && (m->epoch != epoch + 1 || memcmp(m->prev, prev, LEDGER_HASH_LEN))) {
			ret = szkm_verify_fail(-EUCLEAN, "membership epoch %" PRIu64 " at entry %" PRIu64 " does not follow epoch %" PRIu64,
					       m->epoch, e[i].index, epoch);
			break;
		}
		good = approvals(m->a, m->napprovals, e[i].data, m->content_len, r->cp.origin,
				 (const uint8_t (*)[SZKM_P256_PUB_LEN])set, nset);
		if (good < 0 || (unsigned int)good < k) {
			ret = szkm_verify_fail(-ENOKEY, good < 0 ?
					       "membership epoch %" PRIu64 " at entry %" PRIu64 ": an approval does not verify" :
					       "membership epoch %" PRIu64 " at entry %" PRIu64 ": approved by %d of the keys in force, %u needed",
					       m->epoch, e[i].index, good, k);
			break;
		}
		ret = take_members(r, m, set, &nset) ?: keep_set(r, e[i].index, leaf, m);
		k = m->k;
		epoch = m->epoch;
		memcpy(prev, leaf, LEDGER_HASH_LEN);
	}
	/* The signers name the membership in force: a server that kept a
	 * later membership entry back is caught here. */
	if (!ret) {
		char line[LEDGER_MEMBERS_LINE_MAX];
		size_t len = ledger_checkpoint_members_line(epoch, prev, line, sizeof(line));

		if (r->cp.ext_len != len || memcmp(r->cp.ext, line, len))
			ret = szkm_verify_fail(-EUCLEAN, "checkpoint: its signed lines name the membership '%.*s' but the ledger showed %s%" PRIu64 ": a membership entry was withheld",
					       r->cp.ext_len ? (int)r->cp.ext_len - 1 : 0,
					       r->cp.ext_len ? r->cp.ext : "",
					       epoch ? "epoch " : "none, epoch ", epoch);
	}
	free(d);
	free(e);
	return ret;
}

/* The EVP_PKEY of @pub (a reference of the caller's), built once. */
static EVP_PKEY *device_key(struct szkm_trust *t, const uint8_t pub[SZKM_P256_PUB_LEN])
{
	EVP_PKEY *k;

	if (t->device_key && !memcmp(t->device_pub, pub, SZKM_P256_PUB_LEN))
		return EVP_PKEY_up_ref(t->device_key) ? t->device_key : NULL;
	k = szkm_ec_pubkey(pub);
	if (k && EVP_PKEY_up_ref(k)) {
		EVP_PKEY_free(t->device_key);
		t->device_key = k;
		memcpy(t->device_pub, pub, SZKM_P256_PUB_LEN);
		t->nsigned = 0;		/* they were another device's */
		if (t->signed_leaves)
			memset(t->signed_leaves, 0, SZKM_TRUST_SIGNED_MAX * LEDGER_HASH_LEN);
	}
	return k;
}

/*
 * The slot of @leaf among the entries whose device signature held under
 * the cached device key: where it is, or the empty one where it would go
 * (NULL: no table). Leaf hashes are uniform, so their first bytes index.
 */
static uint8_t *signed_slot(const struct szkm_trust *t, const uint8_t leaf[LEDGER_HASH_LEN])
{
	static const uint8_t empty[LEDGER_HASH_LEN];
	size_t i;

	if (!t->signed_leaves)
		return NULL;
	memcpy(&i, leaf, sizeof(i));
	for (;; i++) {
		uint8_t *s = t->signed_leaves[i % SZKM_TRUST_SIGNED_MAX];

		if (!memcmp(s, leaf, LEDGER_HASH_LEN) || !memcmp(s, empty, LEDGER_HASH_LEN))
			return s;
	}
}

static bool signed_before(const struct szkm_trust *t, EVP_PKEY *key,
			  const uint8_t leaf[LEDGER_HASH_LEN])
{
	const uint8_t *s = key == t->device_key ? signed_slot(t, leaf) : NULL;

	return s && !memcmp(s, leaf, LEDGER_HASH_LEN);
}

/* Remembers that @leaf's signature held (a cache: failing to is fine). */
static void signed_keep(struct szkm_trust *t, EVP_PKEY *key, const uint8_t leaf[LEDGER_HASH_LEN])
{
	uint8_t *s;

	if (key != t->device_key)
		return;
	if (!t->signed_leaves)
		t->signed_leaves = calloc(SZKM_TRUST_SIGNED_MAX, LEDGER_HASH_LEN);
	else if (t->nsigned >= SZKM_TRUST_SIGNED_MAX / 4 * 3) {
		memset(t->signed_leaves, 0, SZKM_TRUST_SIGNED_MAX * LEDGER_HASH_LEN);
		t->nsigned = 0;
	}
	s = signed_slot(t, leaf);
	if (s && memcmp(s, leaf, LEDGER_HASH_LEN)) {
		memcpy(s, leaf, LEDGER_HASH_LEN);
		t->nsigned++;
	}
}

/* The device's key from its enrolment, proven, before entry @before. */
static int check_enrolment(struct run *r, const uint8_t *id, uint64_t before)
{
	struct szkm_ledger_entry *e = malloc(sizeof(*e));
	uint8_t leaf[LEDGER_HASH_LEN];
	struct ledger_entry d;
	int ret;

	if (!e)
		return szkm_verify_fail(-ENOMEM, "out of memory");
	ret = r->src->enrolment(r->src->ctx, id, e);
	if (!ret && e->index >= before)
		ret = szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": its device's enrolment (entry %" PRIu64 ") does not come before it",
				       before, e->index);
	if (!ret)
		ret = check_inclusion(r, e->index, e->data, e->len, leaf);
	if (!ret && (ledger_entry_decode(e->data, e->len, &d, NULL) ||
		     (d.type != LEDGER_ENTRY_ENROL && d.type != LEDGER_ENTRY_ENROL_APPROVED) ||
		     memcmp(d.enrol.device_id, id, SZKM_DEVICE_ID_LEN)))
		ret = szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": not the enrolment of the key's device",
				       e->index);
	if (!ret)
		ret = check_enrolment_right(r, e->index, &d, e->data);
	if (!ret) {
		r->device_key = device_key(r->t, d.enrol.pubkey);
		if (!r->device_key)
			ret = szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": the device key is no P-256 point",
					       e->index);
		memcpy(r->vk->device_id, id, SZKM_DEVICE_ID_LEN);
	}
	free(e);
	return ret;
}

/* Room for one more event and its change record. */
static int grow(struct run *r)
{
	struct szkm_verified_key *vk = r->vk;
	size_t cap = r->cap ? 2 * r->cap : 16;
	void *ev, *ch;

	if (vk->nevents < r->cap)
		return 0;
	ev = realloc(vk->events, cap * sizeof(*vk->events));
	if (ev)
		vk->events = ev;
	ch = realloc(r->ch, cap * sizeof(*r->ch));
	if (ch)
		r->ch = ch;
	if (!ev || !ch)
		return szkm_verify_fail(-ENOMEM, "out of memory");
	r->cap = cap;
	return 0;
}

static int keep(struct run *r, uint64_t index, const struct szkm_event *ev,
		const uint8_t sig[SZKM_EVENT_SIG_LEN])
{
	struct szkm_verified_key *vk = r->vk;
	struct change *c;
	int ret;

	ret = grow(r);
	if (ret)
		return ret;
	vk->events[vk->nevents] = (struct szkm_verified_event){
		.index = index, .seq = ev->seq, .type = ev->type, .state = ev->state,
		.version = ev->version };
	szkm_event_actor_text(ev, vk->events[vk->nevents].actor,
			      sizeof(vk->events[vk->nevents].actor));
	c = &r->ch[vk->nevents++];
	*c = (struct change){ .index = index, .type = ev->type, .state = ev->state,
			      .origin = ev->origin, .ledger = ev->ledger, .version = ev->version };
	if (ev->pubkey) {
		memcpy(c->pubs, ev->pubkey, SZKM_P256_PUB_LEN);
		c->pub = c->pubs;
	}
	r->last_index = index;
	r->last_seq = ev->seq;
	return szkm_event_link(ev, sig, r->last_hash);
}

/* The entry's event: this key's, by its device, after the one before. */
static int check_event(struct run *r, uint64_t index, const struct ledger_entry *e,
		       const uint8_t leaf[LEDGER_HASH_LEN])
{
	const struct szkm_event *ev = &e->event;
	struct szkm_verified_key *vk = r->vk;
	const char *why = NULL;
	int ret;

	if (memcmp(ev->key_id, r->id, SZKM_KEY_ID_LEN))
		return szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": names another key", index);
	if (!r->device_key) {
		ret = check_enrolment(r, ev->device_id, index);
		if (ret)
			return ret;
	} else if (memcmp(ev->device_id, vk->device_id, SZKM_DEVICE_ID_LEN)) {
		return szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": made by another device than the key's first event",
					index);
	}
	if (!signed_before(r->t, r->device_key, leaf)) {
		if (szkm_event_verify(ev, r->device_key, e->sig, NULL))
			return szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": device signature invalid",
						index);
		signed_keep(r->t, r->device_key, leaf);
	}
	if (vk->nevents && ev->seq <= r->last_seq)
		return szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": seq %" PRIu64 " does not come after seq %" PRIu64 " (entry %" PRIu64 ")",
					index, ev->seq, r->last_seq, r->last_index);
	if (vk->nevents && ev->seq == r->last_seq + 1 &&
	    szkm_event_check_chain(ev, r->last_seq, r->last_hash, &why))
		return szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": does not chain to entry %" PRIu64 " (%s)",
					index, r->last_index, why);
	if (!vk->nevents) {
		memcpy(vk->name, ev->name, sizeof(ev->name));
		vk->alg = ev->alg;
	} else if (strcmp(vk->name, ev->name) || vk->alg != ev->alg) {
		return szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": names the key '%s' (%s), entry %" PRIu64 " '%s' (%s)",
					index, ev->name, szkm_alg_name(ev->alg), vk->events[0].index,
					vk->name, szkm_alg_name(vk->alg));
	}
	return keep(r, index, ev, e->sig);
}

/* One entry of the key's history: proven, then decoded and checked. */
static int check_entry(struct run *r, const struct szkm_ledger_entry *x)
{
	const char *why = "an enrolment";
	uint8_t leaf[LEDGER_HASH_LEN];
	struct ledger_entry e;
	int ret;

	if (r->vk->nevents && x->index <= r->last_index)
		return szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": out of ledger order (after entry %" PRIu64 ")",
					x->index, r->last_index);
	ret = check_inclusion(r, x->index, x->data, x->len, leaf);
	if (ret)
		return ret;
	if (ledger_entry_decode(x->data, x->len, &e, &why) || e.type != LEDGER_ENTRY_EVENT)
		return szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": not a well-formed event (%s)",
					x->index, why);
	return check_event(r, x->index, &e, leaf);
}

/* Every entry of the key in the checkpoint's tree. */
static int check_key(struct run *r)
{
	struct szkm_ledger_entry *e = NULL;
	size_t n = 0;
	int ret;

	ret = r->src->key_entries(r->src->ctx, r->id, &e, &n);
	for (size_t i = 0; !ret && i < n; i++) {
		if (e[i].index >= r->cp.size)
			r->vk->later++;
		else
			ret = check_entry(r, &e[i]);
	}
	free(e);
	if (!ret && !r->vk->nevents) {
		char hex[2 * SZKM_KEY_ID_LEN + 1];

		szkm_hex_encode(hex, r->id, SZKM_KEY_ID_LEN);
		ret = szkm_verify_fail(-ENOENT, "key %s: no entry in the checkpoint of size %" PRIu64 " names it",
				       hex, r->cp.size);
	}
	return ret;
}

const struct szkm_verified_version *szkm_verified_version(const struct szkm_verified_key *vk,
							   uint32_t num)
{
	for (size_t i = 0; vk && i < vk->nversions; i++)
		if (vk->versions[i].num == num)
			return &vk->versions[i];
	return NULL;
}

void szkm_verified_key_free(struct szkm_verified_key *vk)
{
	if (!vk)
		return;
	free(vk->events);
	free(vk->versions);
	free(vk);
}

static struct szkm_verified_version *version(struct szkm_verified_key *vk, uint32_t num)
{
	return (struct szkm_verified_version *)szkm_verified_version(vk, num);
}

/* Every version the events name, with its public key and origin. */
static int collect_versions(struct run *r)
{
	struct szkm_verified_key *vk = r->vk;

	vk->versions = calloc(vk->nevents, sizeof(*vk->versions));
	if (!vk->versions)
		return szkm_verify_fail(-ENOMEM, "out of memory");
	for (size_t i = 0; i < vk->nevents; i++) {
		const struct change *c = &r->ch[i];
		struct szkm_verified_version *v = version(vk, c->version);

		if (!v) {
			v = &vk->versions[vk->nversions++];
			v->num = c->version;
			v->origin = c->origin;
		}
		if (!c->pub)
			continue;
		if (v->has_pub && memcmp(v->pub, c->pub, SZKM_P256_PUB_LEN))
			return szkm_verify_fail(-EKEYREJECTED, "entry %" PRIu64 ": v%u's public key is not the one its earlier events carry",
						c->index, c->version);
		memcpy(v->pub, c->pub, SZKM_P256_PUB_LEN);
		v->has_pub = 1;
	}
	return 0;
}

/* A version's state in the view being replayed. */
static uint8_t *field(struct szkm_verified_version *v, bool before)
{
	return before ? &v->before : &v->state;
}

static void activate(struct szkm_verified_key *vk, struct szkm_verified_version *v, bool before)
{
	for (size_t i = 0; i < vk->nversions; i++)
		if (&vk->versions[i] != v && *field(&vk->versions[i], before) == SZKM_VS_ACTIVE)
			*field(&vk->versions[i], before) = SZKM_VS_DECRYPT_ONLY;
	*field(v, before) = SZKM_VS_ACTIVE;
}

/*
 * Replays the events as the kernel applies them once the ledger proves
 * each: a new version (created pending or active) becomes the active one
 * and the one before it decrypt-only; a state change or a destroy takes
 * effect. With @before, the key's last change (@last) has not been proven
 * to the kernel yet: it stands as the kernel keeps it meanwhile, when it
 * waits for the ledger at all.
 */
static void replay(struct run *r, bool before, size_t last, bool waits)
{
	struct szkm_verified_key *vk = r->vk;

	for (size_t i = 0; i < vk->nevents; i++) {
		const struct change *c = &r->ch[i];
		struct szkm_verified_version *v = version(vk, c->version);
		bool unproven = before && waits && i == last;

		switch (c->type) {
		case SZKM_EV_KEY_CREATE:
		case SZKM_EV_KEY_IMPORT:
		case SZKM_EV_KEY_ROTATE:
			if (unproven)
				*field(v, before) = SZKM_VS_PENDING;
			else if (c->state == SZKM_VS_PENDING || c->state == SZKM_VS_ACTIVE)
				activate(vk, v, before);
			else
				*field(v, before) = c->state;
			break;
		case SZKM_EV_KEY_STATE:
			if (unproven)
				break;
			if (c->state == SZKM_VS_ACTIVE)
				activate(vk, v, before);
			else
				*field(v, before) = c->state;
			break;
		case SZKM_EV_KEY_DESTROY:
			if (!unproven)
				*field(v, before) = SZKM_VS_DESTROYED;
			break;
		default:
			/* Loads, policies, provisions change no state; a version
			 * first seen here is as the event says. */
			if (*field(v, before) == SZKM_VS_NONE)
				*field(v, before) = c->state;
		}
	}
}

/* The versions in both views, and the active one. */
static int build_versions(struct run *r)
{
	struct szkm_verified_key *vk = r->vk;
	size_t last = 0;
	bool waits = false;
	int ret;

	ret = collect_versions(r);
	if (ret)
		return ret;
	for (size_t i = 0; i < vk->nevents; i++) {
		const struct change *c = &r->ch[i];

		if (!SZKM_EV_CHANGES_KEY(c->type))
			continue;
		last = i;
		if (c->type == SZKM_EV_KEY_CREATE || c->type == SZKM_EV_KEY_IMPORT ||
		    c->type == SZKM_EV_KEY_ROTATE)
			waits = c->state == SZKM_VS_PENDING;
		else	/* the ledger policy in force before the change */
			waits = (i ? r->ch[i - 1].ledger : c->ledger) == SZKM_LEDGER_REQUIRED;
	}
	replay(r, false, last, waits);
	replay(r, true, last, waits);
	for (size_t i = 0; i < vk->nversions; i++)
		if (vk->versions[i].state == SZKM_VS_ACTIVE)
			vk->active = vk->versions[i].num;
	return 0;
}

int szkm_verify_run(struct szkm_trust *t, const struct szkm_ledger_source *src,
		    const struct ledger_checkpoint *old, const uint8_t id[SZKM_KEY_ID_LEN],
		    struct szkm_verified_key **out, char **note, size_t *note_len)
{
	struct run r = { .t = t, .src = src, .id = id };
	size_t nkeys;
	int ret;

	r.vk = calloc(1, sizeof(*r.vk));
	if (!r.vk)
		return szkm_verify_fail(-ENOMEM, "out of memory");
	ret = check_checkpoint(&r) ?: (old ? check_consistency(&r, old) : 0) ?:
	      check_key(&r) ?: build_versions(&r);
	EVP_PKEY_free(r.device_key);
	free(r.ch);
	nkeys = r.members ? r.nmkeys : t->nkeys;
	clear_mkeys(&r);
	free(r.sets);
	if (ret) {
		szkm_verified_key_free(r.vk);
		free(r.note);
		return ret;
	}
	memcpy(r.vk->id, id, SZKM_KEY_ID_LEN);
	snprintf(r.vk->origin, sizeof(r.vk->origin), "%s", r.cp.origin);
	r.vk->size = r.cp.size;
	memcpy(r.vk->root, r.cp.root, LEDGER_HASH_LEN);
	r.vk->threshold = r.members ? r.mk : t->threshold;
	r.vk->nkeys = (unsigned int)nkeys;
	if (old) {
		r.vk->has_previous = 1;
		r.vk->previous_size = old->size;
	}
	*out = r.vk;
	*note = r.note;
	*note_len = r.note_len;
	return 0;
}
