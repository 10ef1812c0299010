// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cosign.c - the thread that gathers k of n signatures (cosign.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cosign.h"
#include "fetch.h"
#include "ledgerd.h"
#include "witness.h"

#define NOTE_CAP	8192
#define LINES_CAP	2048
#define BODY_CAP	(LEDGER_WITNESS_BODY_MAX)
#define ROUND_MS	200

struct peer {
	struct ledger_peer p;
	bool node;		/* it has a node key: it counts toward k */
	uint64_t mask;		/* its keys' bits in the cosigner's keys[] */
	bool anchored;		/* its checkpoints were checked for ours */
	uint64_t known;		/* its witness state's size, as last heard */
	uint64_t have;		/* the size its lines below are for */
	char lines[LINES_CAP];
	size_t lines_len;
	char said[256];		/* the last trouble logged, said once */
};

struct ledger_cosigner {
	struct ledger *l;
	struct ledger_witness *w;
	struct ledger_fetch *f;
	unsigned int k;
	size_t npeers;
	struct peer peers[LEDGER_PEERS_MAX];
	/* Every key: [0] this node's, then each peer's, for the final check. */
	struct ledger_note_key keys[1 + LEDGER_PEERS_MAX * LEDGER_PEER_MAX_KEYS];
	/* Their P-256 points, to find them in a membership (04 first; zero
	 * for a key that is no node key: it is never a member). */
	uint8_t pub[1 + LEDGER_PEERS_MAX * LEDGER_PEER_MAX_KEYS][SZKM_P256_PUB_LEN];
	size_t nkeys;
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	_Atomic bool ready;	/* the first round's rollback checks are done */
	char note[NOTE_CAP], out[NOTE_CAP], body[BODY_CAP];
};

/* Says a peer's trouble when it changes. */
static void trouble(struct peer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void trouble(struct peer *p, const char *fmt, ...)
{
	char msg[sizeof(p->said)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(msg, p->said)) {
		snprintf(p->said, sizeof(p->said), "%s", msg);
		if (msg[0])
			say("cosigning: %s: %s", p->p.url, msg);
	}
}

/*
 * Before this node cosigns anything after its start, each peer's served
 * checkpoint and witness state are checked for this node's own
 * signature beyond its store (a rollback), once per peer that answers.
 */
static void anchor(struct ledger_cosigner *c, struct peer *p)
{
	const char *paths[2] = { "/checkpoint", ledger_witness_path(c->w) };
	const char *q[2] = { "", ledger_witness_key_query(c->w) };
	char url[sizeof(p->p.url) + 1024];
	const char *body;
	size_t len;
	long status;

	for (int i = 0; i < 2; i++) {
		snprintf(url, sizeof(url), "%s%s%s", p->p.url, paths[i], q[i]);
		if (ledger_fetch(c->f, url, NULL, NOTE_CAP, &body, &len, &status))
			return;		/* unreachable: next round */
		if (status == 200 &&
		    ledger_witness_evidence(c->w, body, len, url))
			return;
	}
	p->anchored = true;
}

/* The request body: old size, proof from it, blank line, our note. */
static int request(struct ledger_cosigner *c, uint64_t old, uint64_t size,
		   size_t nlen, size_t *blen)
{
	uint8_t proof[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	size_t n = 0, pos;
	int ret;

	if (old && old < size) {
		ret = ledger_consistency(c->l, old, size, proof, &n);
		if (ret)
			return ret;
	}
	pos = (size_t)snprintf(c->body, sizeof(c->body), "old %" PRIu64 "\n", old);
	if (pos + n * 45 + 1 + nlen >= sizeof(c->body))
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		ledger_b64_encode(proof[i], LEDGER_HASH_LEN, c->body + pos);
		pos += ledger_b64_len(LEDGER_HASH_LEN);
		c->body[pos++] = '\n';
	}
	c->body[pos++] = '\n';
	memcpy(c->body + pos, c->note, nlen);
	pos += nlen;
	c->body[pos] = 0;
	*blen = pos;
	return 0;
}

/* Every line of the answer must verify under the peer's keys. */
static bool take_lines(struct ledger_cosigner *c, struct peer *p,
		       const char *lines, size_t len, size_t nlen,
		       uint64_t size)
{
	struct ledger_note_result r;
	bool node_ok = !p->node;

	if (!len || nlen + len >= sizeof(c->out) || len >= sizeof(p->lines))
		return false;
	memcpy(c->out, c->note, nlen);
	memcpy(c->out + nlen, lines, len);
	c->out[nlen + len] = 0;
	if (ledger_note_open(c->out, nlen + len, p->p.keys, p->p.nkeys, 0, &r) ||
	    (unsigned int)__builtin_popcountll(r.valid) + 1 != r.nsigs)
		return false;
	for (size_t i = 0; i < p->p.nkeys; i++)
		if (ledger_key_is_node(&p->p.keys[i]) && (r.valid >> i & 1))
			node_ok = true;
	if (!node_ok)
		return false;
	memcpy(p->lines, lines, len);
	p->lines_len = len;
	p->have = size;
	return true;
}

/* Asks peer @p to cosign our note of @size (add-checkpoint). */
static void ask_peer(struct ledger_cosigner *c, struct peer *p, uint64_t size,
		     size_t nlen)
{
	char url[sizeof(p->p.url) + 32];
	const char *ans;
	size_t blen, alen;
	long status;
	int ret;

	snprintf(url, sizeof(url), "%s/add-checkpoint", p->p.url);
	for (int attempt = 0; attempt < 2; attempt++) {
		uint64_t known;
		char *end;

		if (p->known > size) {
			trouble(p, "its witness cosigned size %" PRIu64 ", this "
				"node has validated only %" PRIu64, p->known, size);
			return;
		}
		ret = request(c, p->known, size, nlen, &blen);
		if (ret) {
			trouble(p, "cannot build the request: %s", strerror(-ret));
			return;
		}
		ret = ledger_fetch(c->f, url, c->body, LINES_CAP, &ans, &alen,
				   &status);
		if (ret) {
			trouble(p, "%s", ledger_fetch_error(c->f));
			return;
		}
		if (status == 200) {
			if (!take_lines(c, p, ans, alen, nlen, size)) {
				trouble(p, "its answer is not lines signed by "
					"its keys over this node's checkpoint");
				return;
			}
			p->known = size;
			trouble(p, "%s", "");
			return;
		}
		if (status != 409) {
			trouble(p, "refused (%ld): %.160s", status, ans);
			return;
		}
		/* Its state moved (another node asked): the spec's answer
		 * is its size; ask again from there, once. */
		errno = 0;
		known = strtoull(ans, &end, 10);
		if (errno || end == ans || strcmp(end, "\n") ||
		    (ans[0] == '0' && alen > 2)) {
			trouble(p, "a malformed 409 answer");
			return;
		}
		p->known = known;
	}
	trouble(p, "its witness state keeps moving");
}

/*
 * The note with every line gathered for @size, served once @k of the
 * node keys in @mask (those that may sign at @size) signed.
 */
static void publish(struct ledger_cosigner *c, uint64_t size, size_t nlen,
		    uint64_t mask, unsigned int k)
{
	struct ledger_note_result r;
	unsigned int nodes = mask & 1;
	size_t olen = nlen;

	memcpy(c->out, c->note, nlen);
	for (size_t i = 0; i < c->npeers; i++) {
		struct peer *p = &c->peers[i];
		bool member = p->mask & mask;

		/* k node signatures make the note; more would only grow it;
		 * a node outside the membership adds nothing. */
		if (p->have != size || !p->lines_len ||
		    olen + p->lines_len >= sizeof(c->out) ||
		    (p->node && (!member || nodes >= k)))
			continue;
		nodes += member;
		memcpy(c->out + olen, p->lines, p->lines_len);
		olen += p->lines_len;
	}
	c->out[olen] = 0;
	/* Every line again, under every key, before it is served: only the
	 * members' count. */
	if (ledger_note_open(c->out, olen, c->keys, c->nkeys, 0, &r) ||
	    (unsigned int)__builtin_popcountll(r.valid & mask) < k)
		return;
	ledger_set_cosigned(c->l, c->out, olen, size);
}

/*
 * Which of keys[] may sign a checkpoint of @size, and how many must:
 * every configured key and cosign_k while the log has no membership
 * entry; else the keys of the membership in force at @size and its k.
 * false when the membership in force is newer than @size (its entry is
 * not under this checkpoint: the next one is signed by its members).
 */
static bool signers_at(struct ledger_cosigner *c, uint64_t size,
		       uint64_t *mask, unsigned int *k)
{
	struct ledger_members m;
	uint64_t index;
	bool none = ledger_members(c->l, &m, NULL, &index) != 0;

	if (!none && index >= size)
		return false;
	*mask = 0;
	for (size_t i = 0; i < c->nkeys; i++)
		if (ledger_key_is_node(&c->keys[i]) &&
		    (none || (c->pub[i][0] == 0x04 &&
			      ledger_members_find(&m, c->pub[i]) >= 0)))
			*mask |= 1ULL << i;
	*k = none ? c->k : m.k;
	return true;
}

static void round_once(struct ledger_cosigner *c)
{
	uint64_t size, mask;
	unsigned int k;
	size_t len;

	if (ledger_witness_halted(c->w, NULL, 0))
		return;
	for (size_t i = 0; i < c->npeers; i++)
		if (!c->peers[i].anchored) {
			anchor(c, &c->peers[i]);
			if (ledger_witness_halted(c->w, NULL, 0))
				return;
		}
	atomic_store(&c->ready, true);
	if (ledger_checkpoint(c->l, c->note, sizeof(c->note), &len, &size, NULL))
		return;
	if (!signers_at(c, size, &mask, &k))
		return;
	for (size_t i = 0; i < c->npeers; i++) {
		struct peer *p = &c->peers[i];

		/* A node outside the membership in force is not asked. */
		if ((p->have == size && p->lines_len) || (p->node && !(mask & p->mask)))
			continue;
		ask_peer(c, p, size, len);
		publish(c, size, len, mask, k);
	}
}

static void *run(void *arg)
{
	struct ledger_cosigner *c = arg;
	struct timespec ts;

	pthread_mutex_lock(&c->mu);
	while (!c->stop) {
		pthread_mutex_unlock(&c->mu);
		round_once(c);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += ROUND_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&c->mu);
		if (!c->stop)
			pthread_cond_timedwait(&c->cv, &c->mu, &ts);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

static void free_cosigner(struct ledger_cosigner *c)
{
	ledger_note_key_clear(&c->keys[0]);
	for (size_t i = 0; i < c->npeers; i++)
		ledger_peers_clear(&c->peers[i].p, 1);
	ledger_fetch_free(c->f);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

/* The peers, and every key for the final check of a note. */
static int take_peers(struct ledger_cosigner *c, const char *peers,
		      size_t *nodes, char *err, size_t errlen)
{
	struct ledger_peer *ps = calloc(LEDGER_PEERS_MAX, sizeof(*ps));
	size_t n;
	int ret;

	if (!ps)
		return -ENOMEM;
	ret = ledger_peers_parse(peers, ps, LEDGER_PEERS_MAX, &n, err, errlen);
	*nodes = 1;
	for (size_t i = 0; !ret && i < n; i++) {
		struct peer *p = &c->peers[c->npeers++];

		p->p = ps[i];
		for (size_t j = 0; j < p->p.nkeys; j++) {
			p->node |= ledger_key_is_node(&p->p.keys[j]);
			p->mask |= 1ULL << c->nkeys;
			c->keys[c->nkeys++] = p->p.keys[j];
		}
		*nodes += p->node;
	}
	free(ps);
	return ret;
}

int ledger_cosigner_start(struct ledger_cosigner **out, struct ledger *l,
			  struct ledger_witness *w, const char *peers,
			  unsigned int k, const struct ledger_note_key *self,
			  long timeout_ms, char *err, size_t errlen)
{
	struct ledger_cosigner *c = calloc(1, sizeof(*c));
	size_t nodes = 1;
	int ret;

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->l = l;
	c->w = w;
	ret = ledger_note_key_init(&c->keys[0], self->name, self->type, self->pkey);
	c->nkeys = 1;
	if (!ret)
		ret = take_peers(c, peers, &nodes, err, errlen);
	if (!ret)
		ret = ledger_fetch_new(&c->f, timeout_ms);
	if (ret)
		goto fail;
	for (size_t i = 0; i < c->nkeys; i++) {
		size_t plen = 0;

		/* Only a node key has a point that can be a member. */
		if (!ledger_key_is_node(&c->keys[i]) ||
		    c->keys[i].type != LEDGER_NOTE_SIG_ECDSA ||
		    !EVP_PKEY_get_octet_string_param(c->keys[i].pkey,
						     "encoded-pub-key", c->pub[i],
						     SZKM_P256_PUB_LEN, &plen) ||
		    plen != SZKM_P256_PUB_LEN)
			memset(c->pub[i], 0, SZKM_P256_PUB_LEN);
	}
	c->k = k ? k : (unsigned int)nodes / 2 + 1;
	if (c->k > nodes) {
		snprintf(err, errlen, "cosign_k %u: more than the %zu nodes "
			 "(this one and its peers with a node key)", c->k, nodes);
		ret = -EINVAL;
		goto fail;
	}
	ledger_set_cosigning(l);
	if (pthread_create(&c->tid, NULL, run, c)) {
		ret = -EAGAIN;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	if (!err[0])
		snprintf(err, errlen, "cannot start cosigning: %s", strerror(-ret));
	free_cosigner(c);
	return ret;
}

bool ledger_cosigner_ready(struct ledger_cosigner *c)
{
	return atomic_load(&c->ready);
}

void ledger_cosigner_stop(struct ledger_cosigner *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->tid, NULL);
	free_cosigner(c);
}
