// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * witness.c - the node as a c2sp.org/tlog-witness witness (witness.h).
 *
 * Checks run in the spec's order where it has one: the form (400), the
 * origin (404), a valid signature by a trusted node key (403), old <=
 * size (400); then this node's halt (503) and, for a size it validated,
 * a root that is not its own (422 and the alarm, whatever the old size:
 * that is signed evidence of a fork); then the old size against the
 * witness state (409 with the state's size), the empty tree and the
 * consistency proof from the state's root (422); last a size it has not
 * validated yet (503: try again). Only then does it sign, write the new
 * state and answer.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "node_key.h"
#include "httpd.h"
#include "witness.h"

#define NOTE_CAP	8192
#define LINE_CAP	1024
/* Node keys it trusts for the log: its own and each peer's. */
#define MAX_LOG_KEYS	(1 + LEDGER_PEERS_MAX * LEDGER_PEER_MAX_KEYS)

struct ledger_witness {
	struct ledger *l;
	struct ledger_store *store;	/* its own writable handle */
	char origin[LEDGER_NOTE_MAX_NAME + 1];
	char path[96];
	/* Log keys: [0] this node's; who[i] names the holder for alarms. */
	struct ledger_note_key keys[MAX_LOG_KEYS];
	const char *who[MAX_LOG_KEYS];
	size_t nkeys;
	uint64_t banned;		/* keys that signed a fork */
	/* The latest note each log key presented (in memory), for that
	 * node's rollback check. */
	char *latest[MAX_LOG_KEYS];
	size_t latest_len[MAX_LOG_KEYS];
	char query[LEDGER_NOTE_MAX_NAME * 3 + 8];	/* ?key=<our name> */
	struct ledger_peer peers[LEDGER_PEERS_MAX];
	size_t npeers;
	/* This node's keys, to find its own signatures: node, witness. */
	struct ledger_note_key mine[2];
	size_t nmine;
	const struct ledger_note_key *wkey;	/* private, or NULL */
	pthread_mutex_t mu;	/* the state: check and update as one */
	uint64_t size;
	uint8_t root[LEDGER_HASH_LEN];
	char note[NOTE_CAP];
	size_t note_len;
	char halted[512];
};

/* Peers. */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = 0;
	return s;
}

bool ledger_key_is_node(const struct ledger_note_key *k)
{
	return k->type == LEDGER_NOTE_SIG_ECDSA ||
	       k->type == LEDGER_NOTE_SIG_ED25519;
}

static int parse_peer(char *item, struct ledger_peer *p, char *err,
		      size_t errlen)
{
	char *save = NULL, *url = strtok_r(item, " \t", &save), *vkey;

	memset(p, 0, sizeof(*p));
	if (!url || strlen(url) >= sizeof(p->url) || strncmp(url, "http", 4))
		goto bad;
	strcpy(p->url, url);
	while ((vkey = strtok_r(NULL, " \t", &save))) {
		if (p->nkeys == LEDGER_PEER_MAX_KEYS ||
		    ledger_note_key_parse(&p->keys[p->nkeys], vkey, strlen(vkey)))
			goto bad;
		p->nkeys++;
	}
	if (p->nkeys)
		return 0;
bad:
	ledger_peers_clear(p, 1);
	snprintf(err, errlen, "peers: '%s' is not 'URL VKEY [VKEY]' (the "
		 "peer's `ledgerd vkey`, and `ledgerd vkey --witness` if it "
		 "has a witness key)", url ? url : "");
	return -EINVAL;
}

int ledger_peers_parse(const char *peers, struct ledger_peer *out,
		       size_t max, size_t *n, char *err, size_t errlen)
{
	char *copy = strdup(peers), *save = NULL, *item;
	int ret = 0;

	*n = 0;
	if (!copy)
		return -ENOMEM;
	for (item = strtok_r(copy, ",", &save); item && !ret;
	     item = strtok_r(NULL, ",", &save)) {
		item = trim(item);
		if (!*item)
			continue;
		if (*n == max) {
			snprintf(err, errlen, "peers: at most %zu", max);
			ret = -E2BIG;
			break;
		}
		ret = parse_peer(item, &out[*n], err, errlen);
		if (!ret)
			(*n)++;
	}
	free(copy);
	if (ret) {
		ledger_peers_clear(out, *n);
		*n = 0;
	}
	return ret;
}

void ledger_peers_clear(struct ledger_peer *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p[i].nkeys; j++)
			ledger_note_key_clear(&p[i].keys[j]);
}

/* State. */

static int take_state(void *arg, const struct ledger_store_checkpoint *cp)
{
	struct ledger_witness *w = arg;

	if (cp->note_len >= sizeof(w->note))
		return -E2BIG;
	w->size = cp->size;
	memcpy(w->root, cp->root, LEDGER_HASH_LEN);
	memcpy(w->note, cp->note, cp->note_len);
	w->note[cp->note_len] = 0;
	w->note_len = cp->note_len;
	return 0;
}

/* The alarm: the log, /health and the ledgerd_alarm metric. */
static void raise_alarm(struct ledger_witness *w, const char *why)
{
	fprintf(stderr, "ledgerd: ALARM: %s\n", why);
	ledger_set_alarm(w->l, why);
}

void ledger_witness_halt(struct ledger_witness *w, const char *why)
{
	char msg[600];

	pthread_mutex_lock(&w->mu);
	if (!w->halted[0])
		snprintf(w->halted, sizeof(w->halted), "%s", why);
	pthread_mutex_unlock(&w->mu);
	snprintf(msg, sizeof(msg), "%s", why);
	raise_alarm(w, msg);
}

bool ledger_witness_halted(struct ledger_witness *w, char *why, size_t cap)
{
	bool on;

	pthread_mutex_lock(&w->mu);
	on = w->halted[0] != 0;
	if (cap)
		snprintf(why, cap, "%s", w->halted);
	pthread_mutex_unlock(&w->mu);
	return on;
}

/* This node's tree at @size against @root: 0 same, 1 other, -ERANGE beyond. */
static int against_tree(struct ledger_witness *w, uint64_t size,
			const uint8_t root[LEDGER_HASH_LEN])
{
	uint8_t mine[LEDGER_HASH_LEN];
	int ret;

	if (size > ledger_size(w->l))
		return -ERANGE;
	ret = ledger_root(w->l, size, mine);
	if (ret)
		return ret;
	return memcmp(mine, root, LEDGER_HASH_LEN) ? 1 : 0;
}

/* The state on disk must be a checkpoint of this node's own tree. */
static void check_state(struct ledger_witness *w)
{
	char why[512];
	int ret;

	if (!w->note_len)
		return;
	ret = against_tree(w, w->size, w->root);
	if (ret == -ERANGE)
		snprintf(why, sizeof(why), "this node cosigned a checkpoint of "
			 "size %" PRIu64 " but its store holds %" PRIu64
			 " entries: it was rolled back", w->size,
			 ledger_size(w->l));
	else if (ret)
		snprintf(why, sizeof(why), "this node cosigned a checkpoint of "
			 "size %" PRIu64 " whose root is not its tree's: its "
			 "store was replaced", w->size);
	else
		return;
	ledger_witness_halt(w, why);
}

int ledger_witness_open(struct ledger_witness **out,
			const struct ledger_witness_opts *o, char *err,
			size_t errlen)
{
	struct ledger_witness *w = calloc(1, sizeof(*w));
	uint8_t md[32];
	unsigned int mdlen = 0;
	int ret;

	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->mu, NULL);
	w->l = o->ledger;
	snprintf(w->origin, sizeof(w->origin), "%s", o->origin);
	if (!EVP_Digest(o->origin, strlen(o->origin), md, &mdlen, EVP_sha256(),
			NULL)) {
		ret = -EIO;
		goto fail;
	}
	strcpy(w->path, "/witness/");
	for (unsigned int i = 0; i < 32; i++)
		sprintf(w->path + 9 + 2 * i, "%02x", md[i]);
	strcat(w->path, "/checkpoint");
	strcpy(w->query, "?key=");
	for (const char *n = o->self->name; *n; n++)
		sprintf(w->query + strlen(w->query),
			strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789.-_/", *n) ? "%c" : "%%%02X",
			(unsigned char)*n);
	ret = ledger_note_key_init(&w->keys[0], o->self->name, o->self->type,
				   o->self->pkey);
	if (ret)
		goto fail;
	w->who[0] = "this node";
	w->nkeys = 1;
	ret = ledger_note_key_init(&w->mine[0], o->self->name, o->self->type,
				   o->self->pkey);
	if (ret)
		goto fail;
	w->nmine = 1;
	if (o->wkey) {
		struct ledger_note_key pub;

		/* Only the public half is kept among "mine". */
		ret = ledger_node_key_public(o->wkey, &pub);
		if (ret)
			goto fail;
		w->mine[1] = pub;
		w->nmine = 2;
		w->wkey = o->wkey;
	}
	ret = ledger_peers_parse(o->peers, w->peers, LEDGER_PEERS_MAX,
				 &w->npeers, err, errlen);
	if (ret)
		goto fail;
	for (size_t i = 0; i < w->npeers; i++)
		for (size_t j = 0; j < w->peers[i].nkeys; j++) {
			if (!ledger_key_is_node(&w->peers[i].keys[j]))
				continue;
			w->keys[w->nkeys] = w->peers[i].keys[j];
			w->who[w->nkeys++] = w->peers[i].url;
		}
	ret = ledger_store_open(&w->store, o->db, o->store_flags, err, errlen);
	if (ret)
		goto fail_store;
	ret = ledger_store_witness(w->store, take_state, w);
	if (ret && ret != -ENOENT) {
		snprintf(err, errlen, "cannot read the witness state: %s",
			 ledger_store_errmsg(w->store));
		goto fail_store;
	}
	if (ret == -ENOENT) {
		ret = ledger_root(w->l, 0, w->root);
		if (ret)
			goto fail_store;
	}
	check_state(w);
	*out = w;
	return 0;
fail:
	if (!err[0])
		snprintf(err, errlen, "cannot start the witness: %s",
			 strerror(-ret));
fail_store:
	ledger_witness_close(w);
	return ret ? ret : -EIO;
}

void ledger_witness_close(struct ledger_witness *w)
{
	if (!w)
		return;
	ledger_store_close(w->store);
	ledger_note_key_clear(&w->keys[0]);
	for (size_t i = 0; i < w->nmine; i++)
		ledger_note_key_clear(&w->mine[i]);
	ledger_peers_clear(w->peers, w->npeers);	/* keys[1..] are theirs */
	for (size_t i = 0; i < MAX_LOG_KEYS; i++)
		free(w->latest[i]);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

const char *ledger_witness_path(const struct ledger_witness *w)
{
	return w->path;
}

const char *ledger_witness_key_query(const struct ledger_witness *w)
{
	return w->query;
}

int ledger_witness_state(struct ledger_witness *w, const char *key,
			 char *buf, size_t cap, size_t *len)
{
	const char *note;
	size_t n;
	int ret = 0;

	pthread_mutex_lock(&w->mu);
	note = w->note;
	n = w->note_len;
	if (key) {
		n = 0;
		for (size_t i = 0; i < w->nkeys; i++)
			if (!strcmp(w->keys[i].name, key) && w->latest[i]) {
				note = w->latest[i];
				n = w->latest_len[i];
			}
	}
	if (!n)
		ret = -ENOENT;
	else if (n + 1 > cap)
		ret = -ENOSPC;
	else {
		memcpy(buf, note, n);
		buf[n] = 0;
		*len = n;
	}
	pthread_mutex_unlock(&w->mu);
	return ret;
}

/* The request. */

struct request {
	uint64_t old;
	uint8_t proof[LEDGER_WITNESS_MAX_PROOF][LEDGER_HASH_LEN];
	size_t nproof;
	const char *note;
	size_t note_len;
	struct ledger_checkpoint cp;
	struct ledger_note_result r;
};

/* A decimal with no sign and no leading zero; -EINVAL otherwise. */
static int parse_dec(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (!n || n > 20 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* The old size line and the proof lines; 0 or 400. */
static unsigned int parse_head(const char *body, size_t len,
			       struct request *rq, char *why, size_t cap)
{
	const char *p = body, *end = body + len, *nl;

	if (memchr(body, 0, len))
		return ledger_httpd_refuse(why, cap, 400, "a NUL byte in the request");
	nl = memchr(p, '\n', len);
	if (!nl || nl - p < 5 || memcmp(p, "old ", 4) ||
	    parse_dec(p + 4, (size_t)(nl - p - 4), &rq->old))
		return ledger_httpd_refuse(why, cap, 400, "the first line is not 'old <size>'");
	for (p = nl + 1;; p = nl + 1) {
		size_t got;

		nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		if (!nl)
			return ledger_httpd_refuse(why, cap, 400, "no blank line before the "
				      "checkpoint");
		if (nl == p)
			break;
		if (rq->nproof == LEDGER_WITNESS_MAX_PROOF)
			return ledger_httpd_refuse(why, cap, 400, "more than %d consistency "
				      "proof lines", LEDGER_WITNESS_MAX_PROOF);
		if (ledger_b64_decode(p, (size_t)(nl - p), rq->proof[rq->nproof],
				      LEDGER_HASH_LEN, &got) || got != LEDGER_HASH_LEN)
			return ledger_httpd_refuse(why, cap, 400, "proof line %zu is not a "
				      "base64 hash", rq->nproof + 1);
		rq->nproof++;
	}
	rq->note = nl + 1;
	rq->note_len = (size_t)(end - rq->note);
	return 0;
}

/* Names the valid signers of the request, for messages. */
static void signers(const struct ledger_witness *w, uint64_t valid, char *buf,
		    size_t cap)
{
	size_t pos = 0;

	buf[0] = 0;
	for (size_t i = 0; i < w->nkeys && pos < cap; i++)
		if (valid >> i & 1) {
			int n = snprintf(buf + pos, cap - pos, "%s%s (%s)",
					 pos ? ", " : "", w->keys[i].name, w->who[i]);

			if (n < 0)
				break;
			pos += (size_t)n;
		}
}

/* The form, the origin and the signature; 0 or the status. */
static unsigned int check_note(struct ledger_witness *w, struct request *rq,
			       char *why, size_t cap)
{
	int ret;

	ret = ledger_note_open(rq->note, rq->note_len, w->keys, w->nkeys, 0,
			       &rq->r);
	if (ret == -EINVAL || ret == -E2BIG)
		return ledger_httpd_refuse(why, cap, 400, "the checkpoint is not a "
			      "well-formed signed note");
	if (ledger_checkpoint_parse(rq->note, rq->r.text_len, &rq->cp))
		return ledger_httpd_refuse(why, cap, 400, "the note is not a checkpoint");
	if (strcmp(rq->cp.origin, w->origin))
		return ledger_httpd_refuse(why, cap, 404, "unknown origin '%s'",
			      rq->cp.origin);
	if (ret == -EBADMSG)
		return ledger_httpd_refuse(why, cap, 403, "a signature by a known key does "
			      "not verify");
	if (ret)
		return ledger_httpd_refuse(why, cap, 403, "no signature by a known key");
	if (!(rq->r.valid & ~w->banned))
		return ledger_httpd_refuse(why, cap, 403, "signed only by keys this node "
			      "distrusts since they signed a fork");
	if (rq->old > rq->cp.size)
		return ledger_httpd_refuse(why, cap, 400, "old size %" PRIu64 " is above the "
			      "checkpoint's size %" PRIu64, rq->old, rq->cp.size);
	return 0;
}

/* What this node validated itself; 0 or the status. Under w->mu. */
static unsigned int check_own(struct ledger_witness *w, struct request *rq,
			      char *why, size_t cap)
{
	char who[512], alarm[1024];
	int ret;

	if (w->halted[0])
		return ledger_httpd_refuse(why, cap, 503, "this node halted: %s", w->halted);
	ret = against_tree(w, rq->cp.size, rq->cp.root);
	if (ret == -ERANGE)
		return 0;	/* beyond: checked last (check_validated) */
	if (ret < 0)
		return ledger_httpd_refuse(why, cap, 500, "cannot read the tree: %s",
			      strerror(-ret));
	if (!ret)
		return 0;
	/* Signed evidence of another log: the signer forked. */
	signers(w, rq->r.valid & ~(uint64_t)1, who, sizeof(who));
	if (!who[0])
		snprintf(who, sizeof(who), "this node's own key");
	snprintf(alarm, sizeof(alarm), "fork: a checkpoint of size %" PRIu64
		 " signed by %s has another root than this node's validated "
		 "tree; that key is distrusted from now on", rq->cp.size, who);
	w->banned |= rq->r.valid & ~(uint64_t)1;
	raise_alarm(w, alarm);
	return ledger_httpd_refuse(why, cap, 422, "the checkpoint's root is not this "
		      "node's root at size %" PRIu64 " (a fork)", rq->cp.size);
}

/* The spec's consistency rules against the state; 0 or the status. */
static unsigned int check_state_proof(struct ledger_witness *w,
				      struct request *rq, char *out_size,
				      size_t osize_cap, char *why, size_t cap)
{
	if (rq->old != w->size) {
		snprintf(out_size, osize_cap, "%" PRIu64 "\n", w->size);
		return ledger_httpd_refuse(why, cap, 409, "old size %" PRIu64 " is not this "
			      "witness's %" PRIu64, rq->old, w->size);
	}
	if (rq->old == 0)
		return rq->nproof ? ledger_httpd_refuse(why, cap, 422, "a proof from the "
					   "empty tree must be empty") : 0;
	if (ledger_merkle_verify_consistency(rq->old, rq->cp.size, w->root,
					     rq->cp.root,
					     (const uint8_t (*)[LEDGER_HASH_LEN])rq->proof,
					     rq->nproof))
		return ledger_httpd_refuse(why, cap, 422, "the consistency proof from size "
			      "%" PRIu64 " does not verify", rq->old);
	return 0;
}

/* Last: a size this node has not validated yet is for later. */
static unsigned int check_validated(struct ledger_witness *w,
				    struct request *rq, char *why, size_t cap)
{
	char line[LEDGER_MEMBERS_LINE_MAX];
	size_t len;
	int ret;

	if (rq->cp.size > ledger_size(w->l))
		return ledger_httpd_refuse(why, cap, 503, "this node validated %" PRIu64
					   " entries, fewer than %" PRIu64 ": try again",
					   ledger_size(w->l), rq->cp.size);
	/* The one extension line a checkpoint of this log may carry, and
	 * must when it has a membership: the one in force at its size. */
	ret = ledger_members_line(w->l, rq->cp.size, line, sizeof(line), &len);
	if (ret)
		return ledger_httpd_refuse(why, cap, 500, "cannot read the membership: %s",
					   strerror(-ret));
	if (rq->cp.ext_len != len || memcmp(rq->cp.ext, line, len))
		return ledger_httpd_refuse(why, cap, 400, "the checkpoint's extension lines "
					   "are not this log's membership line at size %"
					   PRIu64 " ('%.*s')", rq->cp.size,
					   len ? (int)len - 1 : 0, line);
	return 0;
}

/* The lines: the node key's signature, then the cosignature. */
static int sign(struct ledger_witness *w, struct request *rq, uint64_t now,
		char *out, size_t cap, size_t *len)
{
	char note[NOTE_CAP];
	size_t nlen, tlen = rq->r.text_len, llen;
	int ret;

	ret = ledger_sign_at(w->l, rq->cp.size, note, sizeof(note), &nlen);
	if (ret)
		return ret;
	/* Its own text at that size must be the very text presented. */
	if (nlen <= tlen + 1 || memcmp(note, rq->note, tlen) || note[tlen] != '\n')
		return -EPROTO;
	llen = nlen - tlen - 1;
	if (llen >= cap)
		return -ENOSPC;
	memcpy(out, note + tlen + 1, llen);
	*len = llen;
	if (!w->wkey)
		return 0;
	ret = ledger_note_sign_line(w->wkey, rq->note, tlen, now, out + *len,
				    cap - *len, &llen);
	if (!ret)
		*len += llen;
	return ret;
}

/* The new state: the note as presented, this node's lines appended. */
static int persist(struct ledger_witness *w, struct request *rq,
		   const char *lines, size_t llen, uint64_t now)
{
	struct ledger_store_checkpoint cp = { .size = rq->cp.size,
					      .time = (int64_t)now };
	char note[NOTE_CAP];
	int ret;

	if (rq->note_len + llen >= sizeof(note))
		return -E2BIG;
	memcpy(note, rq->note, rq->note_len);
	memcpy(note + rq->note_len, lines, llen);
	note[rq->note_len + llen] = 0;
	memcpy(cp.root, rq->cp.root, LEDGER_HASH_LEN);
	cp.note = note;
	cp.note_len = rq->note_len + llen;
	ret = ledger_store_put_witness(w->store, &cp);
	if (ret)
		return ret;
	for (size_t i = 0; i < w->nkeys; i++) {
		char *copy;

		if (!(rq->r.valid >> i & 1) || !(copy = strdup(note)))
			continue;
		free(w->latest[i]);
		w->latest[i] = copy;
		w->latest_len[i] = cp.note_len;
	}
	return take_state(w, &cp);
}

unsigned int ledger_witness_add(struct ledger_witness *w, const char *body,
				size_t len, char **out, size_t *out_len,
				char *why, size_t whylen)
{
	struct request *rq = calloc(1, sizeof(*rq));
	char size_line[32] = "", lines[2 * LINE_CAP];
	uint64_t now = (uint64_t)time(NULL);
	size_t llen = 0;
	unsigned int code;
	int ret;

	*out = NULL;
	*out_len = 0;
	if (!rq)
		return ledger_httpd_refuse(why, whylen, 500, "out of memory");
	if (len > LEDGER_WITNESS_BODY_MAX) {
		code = ledger_httpd_refuse(why, whylen, 413, "a request over %d bytes",
			      LEDGER_WITNESS_BODY_MAX);
		goto out;
	}
	code = parse_head(body, len, rq, why, whylen);
	if (!code)
		code = check_note(w, rq, why, whylen);
	if (code)
		goto out;
	pthread_mutex_lock(&w->mu);
	code = check_own(w, rq, why, whylen);
	if (!code)
		code = check_state_proof(w, rq, size_line, sizeof(size_line),
					 why, whylen);
	if (!code)
		code = check_validated(w, rq, why, whylen);
	if (!code) {
		ret = sign(w, rq, now, lines, sizeof(lines), &llen);
		if (!ret)
			ret = persist(w, rq, lines, llen, now);
		if (ret)
			code = ledger_httpd_refuse(why, whylen, 500, "cannot cosign: %s",
				      strerror(-ret));
	}
	pthread_mutex_unlock(&w->mu);
	if (code == 409 || !code) {
		const char *src = code ? size_line : lines;
		size_t n = code ? strlen(size_line) : llen;

		*out = malloc(n + 1);
		if (*out) {
			memcpy(*out, src, n);
			(*out)[n] = 0;
			*out_len = n;
		}
	}
	if (!code)
		code = 200;
out:
	free(rq);
	return code;
}

/* Evidence. */

int ledger_witness_evidence(struct ledger_witness *w, const char *note,
			    size_t len, const char *from)
{
	struct ledger_note_result r;
	struct ledger_checkpoint cp;
	char why[512];
	int ret;

	if (ledger_note_open(note, len, w->mine, w->nmine, 0, &r) ||
	    ledger_checkpoint_parse(note, r.text_len, &cp) ||
	    strcmp(cp.origin, w->origin))
		return 0;	/* nothing of ours: no evidence either way */
	ret = against_tree(w, cp.size, cp.root);
	if (ret == -ERANGE)
		snprintf(why, sizeof(why), "rollback: %s holds a checkpoint of "
			 "size %" PRIu64 " signed by this node, whose store "
			 "holds only %" PRIu64 " entries: the store was rolled "
			 "back; this node halts", from, cp.size,
			 ledger_size(w->l));
	else if (ret == 1)
		snprintf(why, sizeof(why), "fork: %s holds a checkpoint of size "
			 "%" PRIu64 " signed by this node with another root "
			 "than its store's: the store was replaced; this node "
			 "halts", from, cp.size);
	else
		return 0;
	ledger_witness_halt(w, why);
	return -ESTALE;
}
