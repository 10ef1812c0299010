// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cosign.c - the thread that gathers k of n signatures (cosign.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cosign.h"
#include "fetch.h"
#include "ledgerd.h"

#define NOTE_CAP	8192
#define ROUND_MS	200

struct peer {
	char url[256];
	char said[256];		/* the last trouble logged, said once */
};

struct ledger_cosigner {
	struct ledger *l;
	struct ledger_fetch *f;
	unsigned int k;
	size_t npeers;
	struct peer peers[LEDGER_COSIGN_MAX_PEERS];
	/* keys[0] is this node's, keys[i + 1] peers[i]'s. */
	struct ledger_note_key keys[LEDGER_COSIGN_MAX_PEERS + 1];
	/* Their P-256 points, to find them in a membership (04 first). */
	uint8_t pub[LEDGER_COSIGN_MAX_PEERS + 1][SZKM_P256_PUB_LEN];
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	char note[NOTE_CAP], out[NOTE_CAP];
};

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

static int parse_peers(struct ledger_cosigner *c, const char *peers,
		       char *err, size_t errlen)
{
	char *copy = strdup(peers), *save = NULL, *item;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (item = strtok_r(copy, ",", &save); item && !ret;
	     item = strtok_r(NULL, ",", &save)) {
		char *url = trim(item), *vkey = strpbrk(url, " \t");
		struct peer *p = &c->peers[c->npeers];

		if (!*url)
			continue;
		if (c->npeers == LEDGER_COSIGN_MAX_PEERS) {
			snprintf(err, errlen, "peers: at most %d", LEDGER_COSIGN_MAX_PEERS);
			ret = -E2BIG;
			break;
		}
		if (vkey)
			*vkey++ = 0;
		vkey = vkey ? trim(vkey) : NULL;
		if (!vkey || strlen(url) >= sizeof(p->url) ||
		    strncmp(url, "http", 4) ||
		    ledger_note_key_parse(&c->keys[c->npeers + 1], vkey, strlen(vkey))) {
			snprintf(err, errlen, "peers: '%s' is not 'URL VKEY' "
				 "(the peer's `ledgerd vkey`)", url);
			ret = -EINVAL;
			break;
		}
		strcpy(p->url, url);
		c->npeers++;
	}
	free(copy);
	return ret;
}

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
			say("cosigning: %s: %s", p->url, msg);
	}
}

/*
 * Peer @i's signature line on the text note[0, tlen) of @size, appended
 * to c->out at *@olen; true when it was.
 */
static bool ask_peer(struct ledger_cosigner *c, size_t i, uint64_t size,
		     size_t tlen, size_t *olen)
{
	struct peer *p = &c->peers[i];
	struct ledger_note_result r;
	char url[sizeof(p->url) + 48];
	const char *body;
	size_t len, sig;
	long status;
	int ret;

	snprintf(url, sizeof(url), "%s/cosign?size=%" PRIu64, p->url, size);
	ret = ledger_fetch(c->f, url, NULL, NOTE_CAP, &body, &len, &status);
	if (ret) {
		trouble(p, "%s", ledger_fetch_error(c->f));
		return false;
	}
	if (status != 200) {
		trouble(p, "%s", status == 409 ? "behind" : "refused");
		return false;
	}
	ret = ledger_note_open(body, len, &c->keys[i + 1], 1, 1, &r);
	if (ret || !(r.valid & 1)) {
		trouble(p, "its answer is not a note signed by its key");
		return false;
	}
	if (r.text_len != tlen || memcmp(body, c->note, tlen)) {
		char why[512];

		snprintf(why, sizeof(why), "node %s signed another checkpoint "
			 "of size %" PRIu64 " than this node: the logs forked",
			 p->url, size);
		if (!ledger_alarm(c->l, NULL, 0)) {
			say("%s", why);
			ledger_set_alarm(c->l, why);
		}
		return false;
	}
	sig = len - tlen - 1;	/* its one line, after the blank line */
	if (*olen + sig + 1 > sizeof(c->out))
		return false;
	memcpy(c->out + *olen, body + tlen + 1, sig);
	*olen += sig;
	c->out[*olen] = 0;
	trouble(p, "%s", "");
	return true;
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

	if (ledger_members(c->l, &m, NULL, &index)) {
		*mask = (2ULL << c->npeers) - 1;
		*k = c->k;
		return true;
	}
	if (index >= size)
		return false;
	*mask = 0;
	for (size_t i = 0; i <= c->npeers; i++)
		if (c->pub[i][0] == 0x04 && ledger_members_find(&m, c->pub[i]) >= 0)
			*mask |= 1ULL << i;
	*k = m.k;
	return true;
}

static void round_once(struct ledger_cosigner *c)
{
	struct ledger_note_result r;
	uint64_t size, done = 0, mask;
	unsigned int signers, k;
	size_t len, olen;

	if (ledger_checkpoint(c->l, c->note, sizeof(c->note), &len, &size, NULL))
		return;
	if (!ledger_cosigned(c->l, c->out, sizeof(c->out), &olen, &done) &&
	    size <= done)
		return;
	if (!signers_at(c, size, &mask, &k))
		return;
	if (ledger_note_open(c->note, len, &c->keys[0], 1, 0, &r) || !(r.valid & 1))
		return;
	memcpy(c->out, c->note, len + 1);
	olen = len;
	signers = mask & 1;
	for (size_t i = 0; i < c->npeers && signers < k; i++)
		if (mask >> (i + 1) & 1)
			signers += ask_peer(c, i, size, r.text_len, &olen);
	if (signers < k)
		return;
	/* Every line again, under every key, before it is served: only the
	 * members' count. */
	if (ledger_note_open(c->out, olen, c->keys, c->npeers + 1, 0, &r) ||
	    (unsigned int)__builtin_popcountll(r.valid & mask) < k)
		return;
	ledger_set_cosigned(c->l, c->out, olen, size);
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
	for (size_t i = 0; i <= c->npeers; i++)
		ledger_note_key_clear(&c->keys[i]);
	ledger_fetch_free(c->f);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

int ledger_cosigner_start(struct ledger_cosigner **out, struct ledger *l,
			  const char *peers, unsigned int k,
			  const struct ledger_note_key *self, long timeout_ms,
			  char *err, size_t errlen)
{
	struct ledger_cosigner *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->l = l;
	ret = ledger_note_key_init(&c->keys[0], self->name, self->type, self->pkey);
	if (!ret)
		ret = parse_peers(c, peers, err, errlen);
	if (!ret)
		ret = ledger_fetch_new(&c->f, timeout_ms);
	if (ret)
		goto fail;
	for (size_t i = 0; i <= c->npeers; i++) {
		size_t plen = 0;

		/* An Ed25519 key has no point: it is never a member. */
		if (c->keys[i].type != LEDGER_NOTE_SIG_ECDSA ||
		    !EVP_PKEY_get_octet_string_param(c->keys[i].pkey,
						     "encoded-pub-key", c->pub[i],
						     SZKM_P256_PUB_LEN, &plen) ||
		    plen != SZKM_P256_PUB_LEN)
			memset(c->pub[i], 0, SZKM_P256_PUB_LEN);
	}
	c->k = k ? k : (unsigned int)(c->npeers + 1) / 2 + 1;
	if (c->k > c->npeers + 1) {
		snprintf(err, errlen, "cosign_k %u: more than the %zu nodes "
			 "(this one and its peers)", c->k, c->npeers + 1);
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
