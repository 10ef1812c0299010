// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ledger.c - validated appends over a store, and the check at start.
 *
 * An event is appended only when ledger_may_append() (admit.c) says so:
 * its device is enrolled, D's signature over it verifies, its seq follows
 * the device's last one and its prev hash is the hash of that event. The
 * same rule replays every chain at open. A byte-identical copy of an event
 * already in the ledger (the kernel replaying what we appended but could
 * not acknowledge before a crash) is reported as a duplicate with its
 * index, so it can be acknowledged again, and is never appended twice.
 *
 * At open the ledger trusts nothing it reads: every entry is re-hashed and
 * decoded, the tree is rebuilt in memory from those hashes, the device
 * chains are replayed, and the result is compared with the stored leaf
 * hashes, the stored nodes, the devices table and every stored
 * checkpoint; the newest checkpoint's signature is verified with the
 * node's key. Event signatures are verified again for entries that no
 * checkpoint covers yet (or all of them, on request), by run: a format-3
 * event's signature is vouched for by its device's next one, so each
 * device's last event and every format-1/2 event are verified
 * (take_signature()).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "ledger.h"
#include "libszkm.h"
#include "nodecache.h"

#define MAX_REASONS	64
#define NOTE_MAX	4096
#define NO_RUN		UINT64_MAX

struct device {
	struct ledger_store_device d;
	EVP_PKEY *pkey;
	bool dirty;		/* changed in the open batch */
	/* The check at open: the first entry of the device's latest events
	 * whose signatures a later one must still vouch for (NO_RUN: none). */
	uint64_t unverified;
};

struct reason {
	const char *why;
	uint64_t n;
};

struct ledger {
	struct ledger_store *store;
	struct ledger_nodecache *cache;
	struct ledger_tee_store tee;
	struct ledger_merkle *tree;	/* writer's tree, over tee */
	const struct ledger_note_key *key, *verify_key;
	char origin[LEDGER_NOTE_MAX_NAME + 1];
	bool in_batch, broken;

	struct device *devs;		/* sorted by id */
	size_t ndevs, capdevs;
	/* The devices as the open batch found them (ledger_abort). */
	struct device *saved;
	size_t nsaved, capsaved;

	_Atomic uint64_t published;
	uint64_t cp_size;		/* size of the newest checkpoint */
	bool have_cp;

	pthread_mutex_t lock;		/* guards what readers copy below */
	char note[NOTE_MAX];
	size_t note_len;
	uint64_t note_size;
	int64_t note_time;
	struct reason reasons[MAX_REASONS];
	size_t nreasons;
	/* Multi-node: what makes this node refuse to go on, and the latest
	 * checkpoint that enough nodes signed. */
	char alarm[512];
	bool cosigning;
	char cosigned[2 * NOTE_MAX];
	size_t cosigned_len;
	uint64_t cosigned_size;

	pthread_mutex_t sign_lock;	/* the key signs for one caller at a time */

	/* Membership (entry type 3): the one in force, with its entry's leaf
	 * hash, as the open batch found it, and the configured genesis. The
	 * writer changes it under lock; readers copy it (ledger_members). */
	struct ledger_members members, saved_members;
	uint8_t members_hash[32], saved_members_hash[32];
	uint64_t members_index, saved_members_index;
	/* Indices of every membership entry, in order (ledger_member_list). */
	uint64_t *member_idx;
	size_t nmember_idx, capmember_idx, saved_nmember_idx;
	bool have_members, saved_have_members, have_genesis;
	struct ledger_members genesis;

	_Atomic uint64_t appended, duplicates, checkpoints, batches, rejected;
	uint64_t open_verifies;		/* set before the ledger is shared */
};

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* Devices. */

static struct device *find_device(struct ledger *l, const uint8_t *id)
{
	size_t lo = 0, hi = l->ndevs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(l->devs[mid].d.id, id, SZKM_DEVICE_ID_LEN);

		if (c == 0)
			return &l->devs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int insert_device(struct ledger *l, const struct ledger_store_device *d)
{
	size_t pos = 0;
	EVP_PKEY *pkey;

	pkey = szkm_ec_pubkey(d->pubkey);
	if (!pkey)
		return -EINVAL;
	if (l->ndevs == l->capdevs) {
		size_t cap = l->capdevs ? 2 * l->capdevs : 16;
		void *p = realloc(l->devs, cap * sizeof(*l->devs));

		if (!p) {
			EVP_PKEY_free(pkey);
			return -ENOMEM;
		}
		l->devs = p;
		l->capdevs = cap;
	}
	while (pos < l->ndevs &&
	       memcmp(l->devs[pos].d.id, d->id, SZKM_DEVICE_ID_LEN) < 0)
		pos++;
	memmove(&l->devs[pos + 1], &l->devs[pos],
		(l->ndevs - pos) * sizeof(*l->devs));
	l->devs[pos] = (struct device){ .d = *d, .pkey = pkey, .dirty = true,
					.unverified = NO_RUN };
	l->ndevs++;
	return 0;
}

static struct ledger_head head_of(const struct device *dev)
{
	struct ledger_head h = { .last_seq = dev->d.last_seq };

	memcpy(h.last_hash, dev->d.last_hash, sizeof(h.last_hash));
	return h;
}

/* Statistics. */

static void count_reject(struct ledger *l, const char *why)
{
	atomic_fetch_add(&l->rejected, 1);
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->nreasons; i++) {
		if (!strcmp(l->reasons[i].why, why)) {
			l->reasons[i].n++;
			goto out;
		}
	}
	if (l->nreasons < MAX_REASONS)
		l->reasons[l->nreasons++] = (struct reason){ why, 1 };
out:
	pthread_mutex_unlock(&l->lock);
}

static int reject(struct ledger *l, struct ledger_result *res,
		  const char *why)
{
	res->verdict = LEDGER_REJECTED;
	res->why = why;
	count_reject(l, why);
	return 0;
}

void ledger_get_stats(struct ledger *l, struct ledger_stats *st)
{
	st->appended = atomic_load(&l->appended);
	st->duplicates = atomic_load(&l->duplicates);
	st->checkpoints = atomic_load(&l->checkpoints);
	st->batches = atomic_load(&l->batches);
	st->rejected = atomic_load(&l->rejected);
	st->open_verifies = l->open_verifies;
}

void ledger_rejections(struct ledger *l,
		       void (*cb)(void *ctx, const char *why, uint64_t n),
		       void *ctx)
{
	struct reason copy[MAX_REASONS];
	size_t n;

	pthread_mutex_lock(&l->lock);
	n = l->nreasons;
	memcpy(copy, l->reasons, n * sizeof(*copy));
	pthread_mutex_unlock(&l->lock);
	for (size_t i = 0; i < n; i++)
		cb(ctx, copy[i].why, copy[i].n);
}

/* Membership. */

/* Judges membership entry @m (decoded from @data, leaf hash @leaf) after
 * the one in force and, when it may follow it, makes it the one in force. */
static const char *change_members(struct ledger *l, const uint8_t *data,
				  const struct ledger_members *m,
				  const uint8_t leaf[LEDGER_HASH_LEN], uint64_t index)
{
	const char *why;

	why = ledger_may_change_members(l->have_members ? &l->members : NULL,
					l->members_hash,
					l->have_genesis ? &l->genesis : NULL,
					m, data, l->origin);
	if (why)
		return why;
	/* Under the lock: readers (ledger_members_line, any thread) walk
	 * the array, which the realloc may move. */
	pthread_mutex_lock(&l->lock);
	if (l->nmember_idx == l->capmember_idx) {
		size_t cap = l->capmember_idx ? 2 * l->capmember_idx : 8;
		void *p = realloc(l->member_idx, cap * sizeof(*l->member_idx));

		if (!p) {
			pthread_mutex_unlock(&l->lock);
			return "out-of-memory";
		}
		l->member_idx = p;
		l->capmember_idx = cap;
	}
	l->member_idx[l->nmember_idx++] = index;
	l->members = *m;
	memcpy(l->members_hash, leaf, 32);
	l->members_index = index;
	l->have_members = true;
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

int ledger_members(struct ledger *l, struct ledger_members *m,
		   uint8_t hash[32], uint64_t *index)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&l->lock);
	if (l->have_members) {
		*m = l->members;
		if (hash)
			memcpy(hash, l->members_hash, 32);
		if (index)
			*index = l->members_index;
		ret = 0;
	}
	pthread_mutex_unlock(&l->lock);
	return ret;
}

int ledger_member_list(struct ledger *l, uint64_t *out, size_t cap, size_t *n)
{
	uint64_t size = ledger_size(l);
	int ret = 0;

	*n = 0;
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->nmember_idx && l->member_idx[i] < size; i++) {
		if (*n == cap) {
			ret = -E2BIG;
			break;
		}
		out[(*n)++] = l->member_idx[i];
	}
	pthread_mutex_unlock(&l->lock);
	return ret;
}

/* The check at open. */

struct scan_ctx {
	struct ledger *l;
	struct ledger_merkle *tree;	/* over the cache only */
	uint64_t next;
	uint64_t verify_from;		/* verify event signatures from here */
	uint64_t verifies;		/* event signatures verified */
	/* The device whose unverified run a refusal may come from: its
	 * first bad signature is named instead (blame_run(), after the
	 * scan, which cannot be re-entered). */
	struct device *suspect;
	uint64_t nodes_seen;
	char *err;
	size_t errlen;
};

static int bad_signature(struct scan_ctx *c, uint64_t index,
			 const struct device *dev)
{
	char idhex[2 * SZKM_DEVICE_ID_LEN + 1];

	szkm_hex_encode(idhex, dev->d.id, SZKM_DEVICE_ID_LEN);
	return fail(c->err, c->errlen, -EBADMSG, "entry %" PRIu64 ": the "
		    "signature of device %s does not verify", index, idhex);
}

/*
 * The signature of event @e, entry @index at or after verify_from, of
 * @dev, checked by run (ledgerd(8), BATCHED VALIDATION). A format-3
 * event's link covers its signature, and the device's next event names
 * that link in the bytes the device signs, whatever that event's own
 * format: once the next signature holds, another signature here is a
 * second SHA-256 preimage. So a format-3 event joins the device's
 * unverified run, which the next event of the device vouches for; the
 * run of the device's last event is verified after the scan
 * (verify_runs()). A format-1 or 2 link covers the body only, so no
 * successor vouches for that signature: it is verified now, and then
 * vouches for the run before it, whose last link it names.
 */
static int take_signature(struct scan_ctx *c, struct device *dev,
			  const struct ledger_entry *e, uint64_t index)
{
	if (szkm_event_link_covers_sig(&e->event)) {
		if (dev->unverified == NO_RUN)
			dev->unverified = index;
		return 0;
	}
	c->verifies++;
	if (szkm_event_verify(&e->event, dev->pkey, e->sig, NULL)) {
		c->suspect = dev;
		return bad_signature(c, index, dev);
	}
	dev->unverified = NO_RUN;
	return 0;
}

static int scan_entry(void *arg, const struct ledger_store_entry *se)
{
	struct scan_ctx *c = arg;
	struct ledger *l = c->l;
	uint8_t leaf[LEDGER_HASH_LEN];
	struct ledger_entry e;
	const char *why = "malformed";
	struct device *dev;
	char idhex[2 * SZKM_DEVICE_ID_LEN + 1];
	int ret;

	if (se->index != c->next)
		return fail(c->err, c->errlen, -EBADMSG,
			    "entry %" PRIu64 " is missing (found %" PRIu64
			    " next)", c->next, se->index);
	ret = ledger_merkle_leaf_hash(se->data, se->len, leaf);
	if (ret)
		return ret;
	if (CRYPTO_memcmp(leaf, se->leaf, LEDGER_HASH_LEN))
		return fail(c->err, c->errlen, -EBADMSG,
			    "entry %" PRIu64 " was changed: its data does not "
			    "hash to its stored leaf hash", se->index);
	ret = ledger_entry_decode(se->data, se->len, &e, &why);
	if (ret)
		return fail(c->err, c->errlen, -EBADMSG,
			    "entry %" PRIu64 " is malformed (%s)", se->index,
			    why);
	if (e.type == LEDGER_ENTRY_MEMBERS) {
		why = change_members(l, se->data, &e.members, leaf, se->index);
		if (why)
			return fail(c->err, c->errlen, -EBADMSG,
				    "entry %" PRIu64 " changes the membership "
				    "without the right to (%s)", se->index, why);
	} else if (e.type == LEDGER_ENTRY_ENROL ||
		   e.type == LEDGER_ENTRY_ENROL_APPROVED) {
		struct ledger_store_device d = { 0 };

		szkm_hex_encode(idhex, e.enrol.device_id, SZKM_DEVICE_ID_LEN);
		why = ledger_may_enrol(l->have_members ? &l->members : NULL,
				       l->members_hash, &e, se->data, l->origin);
		if (why)
			return fail(c->err, c->errlen, -EBADMSG,
				    "entry %" PRIu64 " enrols device %s without "
				    "the right to (%s)", se->index, idhex, why);
		if (find_device(l, e.enrol.device_id))
			return fail(c->err, c->errlen, -EBADMSG,
				    "entry %" PRIu64 " enrols device %s a "
				    "second time", se->index, idhex);
		memcpy(d.id, e.enrol.device_id, sizeof(d.id));
		memcpy(d.name, e.enrol.name, sizeof(d.name));
		memcpy(d.pubkey, e.enrol.pubkey, sizeof(d.pubkey));
		d.enrolled_index = se->index;
		ret = insert_device(l, &d);
		if (ret)
			return fail(c->err, c->errlen, -EBADMSG,
				    "entry %" PRIu64 " enrols an invalid "
				    "public key", se->index);
	} else {
		struct ledger_event le = { .body = e.body, .len = e.body_len,
					   .sig = e.sig, .ev = e.event };
		struct ledger_admission adm;
		struct ledger_head head;

		szkm_hex_encode(idhex, e.event.device_id, SZKM_DEVICE_ID_LEN);
		dev = find_device(l, e.event.device_id);
		if (!dev)
			return fail(c->err, c->errlen, -EBADMSG,
				    "entry %" PRIu64 " is an event of device "
				    "%s, which is not enrolled before it",
				    se->index, idhex);
		ret = szkm_event_link(&le.ev, le.sig, le.link);
		if (ret == -EBADMSG)
			return fail(c->err, c->errlen, -EBADMSG,
				    "entry %" PRIu64 " was changed: its signature "
				    "has the high S its format forbids", se->index);
		if (ret)
			return -EIO;
		/* The chain first (the signature, if asked, after). */
		head = head_of(dev);
		adm = ledger_may_append(&le, &head, true);
		if (adm.may != LEDGER_MAY_APPEND) {
			c->suspect = dev;
			return fail(c->err, c->errlen, -EBADMSG,
				    "entry %" PRIu64 " was changed or forged: "
				    "it breaks the chain of device %s (%s)", se->index, idhex, adm.why);
		}
		if (se->index >= c->verify_from) {
			ret = take_signature(c, dev, &e, se->index);
			if (ret)
				return ret;
		}
		dev->d.last_seq = e.event.seq;
		memcpy(dev->d.last_hash, le.link, 32);
		dev->d.last_index = se->index;
	}
	ret = ledger_merkle_append_hash(c->tree, leaf, NULL);
	if (ret)
		return ret;
	c->next++;
	return 0;
}

struct sig_scan {
	struct scan_ctx *c;
	const struct device *dev;
	const uint8_t *link;	/* NULL, or the link the one entry must have */
	bool seen;		/* an event of dev (with that link) was read */
	uint64_t bad;		/* the first entry whose signature fails */
};

/*
 * Verifies, among the entries read, each event of s->dev up to the first
 * whose signature fails. With s->link, the entry read must be the event
 * the scan chained, with that link (else it stops, unseen): the store is
 * read again, and the bytes verified must be those the scan checked.
 */
static int verify_entry(void *arg, const struct ledger_store_entry *se)
{
	struct sig_scan *s = arg;
	uint8_t link[SZKM_EVENT_HASH_LEN];
	struct ledger_entry e;
	bool mine;

	mine = !ledger_entry_decode(se->data, se->len, &e, NULL) &&
	       e.type == LEDGER_ENTRY_EVENT &&
	       !memcmp(e.event.device_id, s->dev->d.id, SZKM_DEVICE_ID_LEN);
	if (s->link && (!mine || szkm_event_link(&e.event, e.sig, link) ||
			memcmp(link, s->link, sizeof(link))))
		return 1;
	if (!mine)
		return 0;
	s->seen = true;
	s->c->verifies++;
	if (!szkm_event_verify(&e.event, s->dev->pkey, e.sig, NULL))
		return 0;
	s->bad = se->index;
	return 1;
}

/*
 * The run of @dev's unverified events, which ends at its last one so
 * far: that event's signature vouches for the run. When it fails, each
 * is verified alone, and *@bad is the first that fails, as one verify
 * per event would have found (else NO_RUN).
 */
static int run_first_bad(struct scan_ctx *c, const struct device *dev,
			 uint64_t *bad)
{
	uint64_t last = dev->d.last_index;
	struct sig_scan s = { .c = c, .dev = dev, .link = dev->d.last_hash,
			      .bad = NO_RUN };
	int ret;

	*bad = NO_RUN;
	ret = ledger_store_scan(c->l->store, last, last + 1, verify_entry, &s);
	if (ret < 0)
		return ret;
	if (!s.seen)
		return fail(c->err, c->errlen, -EBADMSG, "entry %" PRIu64
			    " changed while the check read it", last);
	if (s.bad == NO_RUN)
		return 0;
	s = (struct sig_scan){ .c = c, .dev = dev, .bad = NO_RUN };
	ret = ledger_store_scan(c->l->store, dev->unverified, last,
				verify_entry, &s);
	if (ret < 0)
		return ret;
	*bad = s.bad == NO_RUN ? last : s.bad;
	return 0;
}

/*
 * The scan refused an event of c->suspect (refusal @ret, its message in
 * c->err): when the device's unverified run before it holds a bad
 * signature, that is named instead (the refused event did not vouch for
 * the run).
 */
static int blame_run(struct scan_ctx *c, int ret)
{
	const struct device *dev = c->suspect;
	uint64_t bad;
	int r;

	if (!dev || dev->unverified == NO_RUN)
		return ret;
	r = run_first_bad(c, dev, &bad);
	if (r == -EIO)
		return ret;	/* the refusal stands, with its reason */
	if (r)
		return r;
	return bad == NO_RUN ? ret : bad_signature(c, bad, dev);
}

/*
 * After the scan: each device's last event vouches for its unverified
 * run (by induction, every event at or after verify_from is then
 * verified or vouched for by a verified signature). A device whose last
 * event is before verify_from has none. Of several failing devices, the
 * earliest bad signature is named.
 */
static int verify_runs(struct scan_ctx *c)
{
	const struct device *worst = NULL;
	uint64_t first = NO_RUN;

	for (size_t i = 0; i < c->l->ndevs; i++) {
		struct device *dev = &c->l->devs[i];
		uint64_t bad;
		int ret;

		if (dev->unverified == NO_RUN)
			continue;
		ret = run_first_bad(c, dev, &bad);
		if (ret)
			return ret;
		dev->unverified = NO_RUN;
		if (bad < first) {
			first = bad;
			worst = dev;
		}
	}
	return worst ? bad_signature(c, first, worst) : 0;
}

static int check_node(void *arg, unsigned int level, uint64_t index,
		      const uint8_t *hash)
{
	struct scan_ctx *c = arg;
	const struct ledger_hash_store *cs = ledger_nodecache_ops(c->l->cache);
	uint8_t want[LEDGER_HASH_LEN];
	uint64_t first, last;

	if (level >= 64 || index > (UINT64_MAX >> level) - 1)
		return fail(c->err, c->errlen, -EBADMSG,
			    "stored Merkle node (%u, %" PRIu64 ") lies "
			    "outside any tree", level, index);
	first = index << level;
	last = ((index + 1) << level) - 1;
	/*
	 * A node over entries beyond those read: they were removed (checked
	 * before the hashes: a removed last entry is not a changed one).
	 */
	if (last >= c->next)
		return fail(c->err, c->errlen, -EBADMSG,
			    "entry %" PRIu64 " is missing: the stored tree has "
			    "a node over entries %" PRIu64 "..%" PRIu64
			    " (entries were removed)", c->next, first, last);
	if (cs->get(cs->ctx, level, index, want))
		return fail(c->err, c->errlen, -EBADMSG,
			    "stored Merkle node (%u, %" PRIu64 ") is not in "
			    "the tree of %" PRIu64 " entries", level, index,
			    c->next);
	c->nodes_seen++;
	if (CRYPTO_memcmp(want, hash, LEDGER_HASH_LEN)) {
		if (level == 0)
			return fail(c->err, c->errlen, -EBADMSG,
				    "entry %" PRIu64 " was changed: its "
				    "hash differs from the stored tree",
				    index);
		return fail(c->err, c->errlen, -EBADMSG,
			    "stored Merkle node (%u, %" PRIu64 ") over "
			    "entries %" PRIu64 "..%" PRIu64 " does not match "
			    "them", level, index, first, last);
	}
	return 0;
}

struct cp_ctx {
	struct scan_ctx *c;
	uint64_t last_good;
	struct ledger_store_checkpoint last;
	char note[NOTE_MAX];
	uint64_t count;
};

static int check_cp(void *arg, const struct ledger_store_checkpoint *cp)
{
	struct cp_ctx *x = arg;
	struct scan_ctx *c = x->c;
	uint8_t root[LEDGER_HASH_LEN];

	if (cp->size > c->next)
		return fail(c->err, c->errlen, -EBADMSG,
			    "checkpoint of size %" PRIu64 " is ahead of the "
			    "%" PRIu64 " stored entries (entries were "
			    "removed)", cp->size, c->next);
	if (ledger_merkle_root(c->tree, cp->size, root))
		return -EIO;
	if (CRYPTO_memcmp(root, cp->root, LEDGER_HASH_LEN))
		return fail(c->err, c->errlen, -EBADMSG,
			    "checkpoint of size %" PRIu64 " does not match "
			    "the stored entries: an entry in %" PRIu64
			    "..%" PRIu64 " was changed", cp->size,
			    x->last_good, cp->size - 1);
	x->last_good = cp->size;
	x->count++;
	return 0;
}

static int keep_last_cp(void *arg, const struct ledger_store_checkpoint *cp)
{
	struct cp_ctx *x = arg;

	if (cp->note_len >= sizeof(x->note))
		return -E2BIG;
	x->last = *cp;
	memcpy(x->note, cp->note, cp->note_len);
	x->note[cp->note_len] = 0;
	x->last.note = x->note;
	return 0;
}

static int check_device_row(void *arg, const struct ledger_store_device *d)
{
	struct scan_ctx *c = arg;
	struct device *dev = find_device(c->l, d->id);
	char idhex[2 * SZKM_DEVICE_ID_LEN + 1];

	szkm_hex_encode(idhex, d->id, SZKM_DEVICE_ID_LEN);
	if (!dev || dev->d.last_seq != d->last_seq ||
	    memcmp(dev->d.last_hash, d->last_hash, 32) ||
	    memcmp(dev->d.pubkey, d->pubkey, SZKM_P256_PUB_LEN) ||
	    dev->d.last_index != d->last_index)
		return fail(c->err, c->errlen, -EBADMSG,
			    "the devices table disagrees with the entries "
			    "about device %s", idhex);
	dev->dirty = false;
	return 0;
}

/* Verifies the newest checkpoint's note with the node key. */
static int check_last_note(struct ledger *l, struct cp_ctx *x, char *err,
			   size_t errlen)
{
	struct ledger_note_result res;
	struct ledger_checkpoint parsed;
	int ret;

	ret = ledger_note_open(x->note, x->last.note_len, l->verify_key, 1, 0,
			       &res);
	if (ret)
		return fail(err, errlen, -EBADMSG,
			    "the checkpoint of size %" PRIu64 " is not signed "
			    "by this node's key '%s' (%s)", x->last.size,
			    l->key->name,
			    ret == -ENOKEY ? "no signature from it" :
			    "bad signature");
	ret = ledger_checkpoint_parse(x->note, res.text_len, &parsed);
	if (ret || parsed.size != x->last.size ||
	    memcmp(parsed.root, x->last.root, LEDGER_HASH_LEN) ||
	    strcmp(parsed.origin, l->origin))
		return fail(err, errlen, -EBADMSG,
			    "the signed checkpoint of size %" PRIu64
			    " disagrees with its stored size, root or origin "
			    "'%s'", x->last.size, l->origin);
	return 0;
}

static int load_and_check(struct ledger *l, const struct ledger_options *o,
			  char *err, size_t errlen)
{
	struct scan_ctx c = { .l = l, .err = err, .errlen = errlen };
	struct cp_ctx *x;
	uint64_t n = 0, nodes = 0;
	int ret;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->c = &c;
	ret = ledger_store_last_checkpoint(l->store, keep_last_cp, x);
	if (ret && ret != -ENOENT)
		goto dberr;
	l->have_cp = ret == 0;
	l->cp_size = l->have_cp ? x->last.size : 0;
	c.verify_from = o->verify_all ? 0 : l->cp_size;

	ret = ledger_merkle_open(&c.tree, ledger_nodecache_ops(l->cache), 0);
	if (ret)
		goto out;
	ret = ledger_store_count(l->store, &n);
	if (ret)
		goto dberr;
	ret = ledger_store_scan(l->store, 0, UINT64_MAX, scan_entry, &c);
	if (ret == -EBADMSG)
		ret = blame_run(&c, ret);
	else if (!ret)
		ret = verify_runs(&c);
	l->open_verifies = c.verifies;
	if (ret == -EIO && !err[0])
		goto dberr;
	if (ret)
		goto out;
	if (c.next != n) {
		ret = fail(err, errlen, -EBADMSG, "entry count %" PRIu64
			   " disagrees with the %" PRIu64 " entries read",
			   n, c.next);
		goto out;
	}
	for (unsigned int lv = 0; lv < 64; lv++)
		nodes += n >> lv;
	ret = ledger_store_scan_nodes(l->store, check_node, &c);
	if (ret == -EIO && !err[0])
		goto dberr;
	if (ret)
		goto out;
	if (c.nodes_seen != nodes) {
		ret = fail(err, errlen, -EBADMSG, "the stored tree has %" PRIu64
			   " nodes where %" PRIu64 " entries need %" PRIu64,
			   c.nodes_seen, n, nodes);
		goto out;
	}
	ret = ledger_store_checkpoints(l->store, check_cp, x);
	if (ret == -EIO && !err[0])
		goto dberr;
	if (ret)
		goto out;
	if (l->have_cp) {
		ret = check_last_note(l, x, err, errlen);
		if (ret)
			goto out;
		pthread_mutex_lock(&l->lock);
		memcpy(l->note, x->note, x->last.note_len);
		l->note_len = x->last.note_len;
		l->note_time = x->last.time;
		l->note_size = x->last.size;
		pthread_mutex_unlock(&l->lock);
	}
	ret = ledger_store_devices(l->store, check_device_row, &c);
	if (ret == -EIO && !err[0])
		goto dberr;
	if (ret)
		goto out;
	/* A device whose row is missing stays dirty: the next commit
	 * writes it. */
	goto out;
dberr:
	ret = fail(err, errlen, -EIO, "reading the database: %s",
		   ledger_store_errmsg(l->store));
out:
	ledger_merkle_free(c.tree);
	free(x);
	if (!ret)
		atomic_store(&l->published, n);
	return ret;
}

int ledger_open(struct ledger **out, const struct ledger_options *o,
		char *err, size_t errlen)
{
	struct ledger *l;
	int ret;

	if (!out || !o || !o->db_path || !o->origin || !o->key || !err ||
	    !errlen)
		return -EINVAL;
	err[0] = 0;
	if (strlen(o->origin) > LEDGER_NOTE_MAX_NAME)
		return fail(err, errlen, -EINVAL, "origin is too long");
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	pthread_mutex_init(&l->sign_lock, NULL);
	strcpy(l->origin, o->origin);
	if (o->genesis) {
		l->genesis = *o->genesis;
		l->have_genesis = true;
	}
	l->key = o->key;
	l->verify_key = o->verify_key ? o->verify_key : o->key;
	ret = ledger_nodecache_new(&l->cache);
	if (ret)
		goto fail;
	ret = ledger_store_open(&l->store, o->db_path, o->store_flags, err,
				errlen);
	if (ret)
		goto fail;
	ret = load_and_check(l, o, err, errlen);
	if (ret)
		goto fail;
	ledger_tee_store_init(&l->tee, ledger_nodecache_ops(l->cache),
			      ledger_store_nodes(l->store));
	ret = ledger_merkle_open(&l->tree, &l->tee.ops,
				 atomic_load(&l->published));
	if (ret) {
		fail(err, errlen, ret, "opening the tree: %s", strerror(-ret));
		goto fail;
	}
	*out = l;
	return 0;
fail:
	if (!err[0])
		fail(err, errlen, ret, "%s", strerror(-ret));
	ledger_close(l);
	return ret;
}

void ledger_close(struct ledger *l)
{
	if (!l)
		return;
	if (l->in_batch && l->store)
		ledger_store_rollback(l->store);
	ledger_merkle_free(l->tree);
	ledger_store_close(l->store);
	ledger_nodecache_free(l->cache);
	for (size_t i = 0; i < l->ndevs; i++)
		EVP_PKEY_free(l->devs[i].pkey);
	free(l->devs);
	free(l->saved);
	free(l->member_idx);
	pthread_mutex_destroy(&l->lock);
	pthread_mutex_destroy(&l->sign_lock);
	free(l);
}

int ledger_begin(struct ledger *l)
{
	int ret;

	if (l->broken)
		return -EIO;
	if (l->in_batch)
		return -EBUSY;
	if (l->capsaved < l->ndevs) {
		void *p = realloc(l->saved, l->capdevs * sizeof(*l->saved));

		if (!p)
			return -ENOMEM;
		l->saved = p;
		l->capsaved = l->capdevs;
	}
	ret = ledger_store_begin(l->store);
	if (ret)
		return ret;
	if (l->ndevs)
		memcpy(l->saved, l->devs, l->ndevs * sizeof(*l->devs));
	l->nsaved = l->ndevs;
	l->saved_members = l->members;
	memcpy(l->saved_members_hash, l->members_hash, 32);
	l->saved_have_members = l->have_members;
	l->saved_members_index = l->members_index;
	l->saved_nmember_idx = l->nmember_idx;
	l->in_batch = true;
	return 0;
}

static bool saved_key(const struct ledger *l, const EVP_PKEY *k)
{
	for (size_t i = 0; i < l->nsaved; i++)
		if (l->saved[i].pkey == k)
			return true;
	return false;
}

int ledger_abort(struct ledger *l)
{
	int ret;

	if (l->broken || !l->in_batch)
		return -EIO;
	l->in_batch = false;
	ret = ledger_store_rollback(l->store);
	for (size_t i = 0; i < l->ndevs; i++)
		if (!saved_key(l, l->devs[i].pkey))
			EVP_PKEY_free(l->devs[i].pkey);	/* enrolled in the batch */
	if (l->nsaved)
		memcpy(l->devs, l->saved, l->nsaved * sizeof(*l->devs));
	l->ndevs = l->nsaved;
	pthread_mutex_lock(&l->lock);
	l->members = l->saved_members;
	memcpy(l->members_hash, l->saved_members_hash, 32);
	l->have_members = l->saved_have_members;
	l->members_index = l->saved_members_index;
	l->nmember_idx = l->saved_nmember_idx;
	pthread_mutex_unlock(&l->lock);
	/* Nodes past the published size are left in the cache: they are
	 * overwritten when the tree grows again, and no reader asks. */
	ledger_merkle_free(l->tree);
	l->tree = NULL;
	if (!ret)
		ret = ledger_merkle_open(&l->tree, &l->tee.ops,
					 atomic_load(&l->published));
	if (ret)
		l->broken = true;
	return ret;
}

int ledger_pending(struct ledger *l, ledger_store_entry_cb cb, void *ctx)
{
	if (l->broken || !l->in_batch)
		return -EIO;
	return ledger_store_scan(l->store, atomic_load(&l->published),
				 ledger_merkle_size(l->tree), cb, ctx);
}

/* Appends leaf data to the tree and the store. Failure breaks the ledger:
 * the tree may be ahead of the rolled-back store. */
static int append(struct ledger *l, const uint8_t *data, size_t len,
		  const uint8_t *device_id, uint64_t seq, const uint8_t *key_id,
		  uint64_t *index)
{
	uint8_t leaf[LEDGER_HASH_LEN];
	int ret;

	ret = ledger_merkle_leaf_hash(data, len, leaf);
	if (ret)
		return ret;
	*index = ledger_merkle_size(l->tree);
	ret = ledger_store_add_entry(l->store, *index, data, len, leaf,
				     device_id, seq, key_id);
	if (!ret)
		ret = ledger_merkle_append_hash(l->tree, leaf, NULL);
	if (ret)
		l->broken = true;
	return ret;
}

static bool zero_key(const uint8_t *k)
{
	for (int i = 0; i < SZKM_KEY_ID_LEN; i++)
		if (k[i])
			return false;
	return true;
}

struct same_ctx {
	const uint8_t *data;
	size_t len;
	bool same;
};

static int same_entry(void *arg, const struct ledger_store_entry *e)
{
	struct same_ctx *s = arg;

	s->same = e->len == s->len && !memcmp(e->data, s->data, s->len);
	return 0;
}

struct ledger_verifier {
	struct ledger_sigcheck *v;
	size_t n;
	/*
	 * Units of work, in the order of their first item: an item alone,
	 * or a run (ledgerd(8), BATCHED VALIDATION): items of one device,
	 * each the next of the one before in the device's chain, where
	 * each item but the last is covered by the next one's signature
	 * (covers()); link[i] is the item after i in its run (n: none).
	 */
	size_t *unit, *link;
	size_t nunits;
	atomic_size_t next;		/* the first unit nobody claimed */
	atomic_size_t verifies;		/* ECDSA verifications made */
	atomic_bool *done;		/* v[i].ok is final */
	pthread_t tid[15];
	unsigned int nthreads;		/* helpers started */
};

static bool verify_one(struct ledger_verifier *vf, size_t i)
{
	struct ledger_sigcheck *c = &vf->v[i];

	if (!c->key)
		return false;
	atomic_fetch_add_explicit(&vf->verifies, 1, memory_order_relaxed);
	return !szkm_ec_verify_digest(c->key, c->event->ev.hash, c->event->sig);
}

/*
 * Claims the next unit and verifies it; false when none is left. A run
 * whose last signature holds is authentic through the chain; when it
 * does not, each of its items is verified alone, so that the verdicts
 * are those of an unbatched check.
 */
static bool verify_next(struct ledger_verifier *vf)
{
	size_t u = atomic_fetch_add(&vf->next, 1), i, last;
	bool run_ok;

	if (u >= vf->nunits)
		return false;
	for (last = vf->unit[u]; vf->link[last] < vf->n; last = vf->link[last])
		;
	run_ok = verify_one(vf, last);
	for (i = vf->unit[u]; i < vf->n; i = vf->link[i]) {
		vf->v[i].ok = i == last || run_ok ? run_ok : verify_one(vf, i);
		atomic_store_explicit(&vf->done[i], true, memory_order_release);
	}
	return true;
}

static void *verify_helper(void *arg)
{
	while (verify_next(arg))
		;
	return NULL;
}

/* Does @e continue @prev's chain (next seq, prev hash = @prev's link)? */
static bool chains_to(const struct ledger_event *prev,
		      const struct ledger_event *e)
{
	return prev->ev.seq != UINT64_MAX && e->ev.seq == prev->ev.seq + 1 &&
	       !memcmp(e->ev.prev_hash, prev->link, SZKM_EVENT_HASH_LEN);
}

/*
 * May a valid signature on @c's event vouch for @prev's, to which it
 * chains? When @prev is format 3 or 4 its link covers its signature, so
 * another one there is a second SHA-256 preimage; a format-1/2 link
 * covers the body only, so only the signer's own channel may (ledgerd(8)).
 */
static bool covers(const struct ledger_sigcheck *prev,
		   const struct ledger_sigcheck *c)
{
	if (!chains_to(prev->event, c->event))
		return false;
	return szkm_event_link_covers_sig(&prev->event->ev) ||
	       (prev->own_channel && c->own_channel);
}

/*
 * Splits the batch into units: each item with an own-channel signature
 * joins the run of the latest item of its device when it chains to it.
 * tails[] maps a device (open addressing on its id) to that latest item.
 */
static int plan_units(struct ledger_verifier *vf)
{
	size_t cap = 16, *tails, n = vf->n;

	while (cap < 2 * n)
		cap *= 2;
	tails = malloc(cap * sizeof(*tails));
	if (!tails)
		return -ENOMEM;
	for (size_t h = 0; h < cap; h++)
		tails[h] = n;
	for (size_t i = 0; i < n; i++) {
		const struct ledger_sigcheck *c = &vf->v[i];
		const uint8_t *id;
		size_t h, t;

		vf->link[i] = n;
		if (!c->key) {
			vf->unit[vf->nunits++] = i;
			continue;
		}
		id = c->event->ev.device_id;
		h = ((size_t)id[0] << 8 | id[1]) & (cap - 1);
		while ((t = tails[h]) < n &&
		       memcmp(vf->v[t].event->ev.device_id, id,
			      SZKM_DEVICE_ID_LEN))
			h = (h + 1) & (cap - 1);
		if (t < n && covers(&vf->v[t], c))
			vf->link[t] = i;
		else
			vf->unit[vf->nunits++] = i;
		tails[h] = i;
	}
	free(tails);
	return 0;
}

struct ledger_verifier *ledger_verify_start(struct ledger *l,
					    struct ledger_sigcheck *v,
					    size_t n, unsigned int threads)
{
	struct ledger_verifier *vf = calloc(1, sizeof(*vf));
	size_t m = n ? n : 1;

	if (!vf || !(vf->done = calloc(m, sizeof(*vf->done))) ||
	    !(vf->unit = calloc(m, sizeof(*vf->unit))) ||
	    !(vf->link = calloc(m, sizeof(*vf->link)))) {
		if (vf) {
			free(vf->done);
			free(vf->unit);
		}
		free(vf);
		return NULL;	/* every item is then judged by add_event */
	}
	vf->v = v;
	vf->n = n;
	/* The device keys as they are now: helpers never read l->devs. */
	for (size_t i = 0; i < n; i++) {
		const struct ledger_event *e = v[i].event;
		struct device *dev = e && !e->why ? find_device(l, e->ev.device_id) :
						   NULL;

		v[i].key = dev ? dev->pkey : NULL;
		v[i].ok = false;
	}
	if (plan_units(vf)) {
		/* Every item alone: the unbatched check. */
		for (size_t i = 0; i < n; i++) {
			vf->unit[i] = i;
			vf->link[i] = n;
		}
		vf->nunits = n;
	}
	if (threads > 16)
		threads = 16;
	/* Starting a thread costs about as much as a few verifies. */
	for (unsigned int t = 1; t < threads && vf->nunits >= 16 * threads; t++) {
		if (pthread_create(&vf->tid[vf->nthreads], NULL, verify_helper, vf))
			break;
		vf->nthreads++;
	}
	return vf;
}

bool ledger_verify_ok(struct ledger_verifier *vf, size_t i)
{
	if (!vf || i >= vf->n)
		return false;
	while (!atomic_load_explicit(&vf->done[i], memory_order_acquire))
		if (!verify_next(vf))
			sched_yield();	/* a helper has it: a verify is ~50 us */
	return vf->v[i].ok;
}

size_t ledger_verify_count(const struct ledger_verifier *vf)
{
	return vf ? atomic_load(&vf->verifies) : 0;
}

void ledger_verify_end(struct ledger_verifier *vf)
{
	if (!vf)
		return;
	atomic_store(&vf->next, vf->nunits);	/* helpers stop after their unit */
	for (unsigned int t = 0; t < vf->nthreads; t++)
		pthread_join(vf->tid[t], NULL);
	free(vf->done);
	free(vf->unit);
	free(vf->link);
	free(vf);
}

int ledger_add_event(struct ledger *l, const uint8_t *body, size_t len,
		     const uint8_t sig[SZKM_EVENT_SIG_LEN],
		     struct ledger_result *res)
{
	struct ledger_event e;
	int ret = ledger_event_decode(&e, body, len, sig);

	if (ret) {
		memset(res, 0, sizeof(*res));
		return ret;
	}
	return ledger_append_event(l, &e, false, res);
}

/* Is the stored event of @ev's device and seq @data, byte for byte? */
static int same_as_stored(struct ledger *l, const struct szkm_event *ev,
			  const uint8_t *data, size_t dlen, uint64_t *idx,
			  bool *same)
{
	struct same_ctx s = { data, dlen, false };
	int ret;

	ret = ledger_store_find_event(l->store, ev->device_id, ev->seq, idx);
	if (ret == 0)
		ret = ledger_store_scan(l->store, *idx, *idx + 1, same_entry, &s);
	*same = s.same;
	return ret == -ENOENT ? 0 : ret;
}

int ledger_append_event(struct ledger *l, const struct ledger_event *e,
			bool sig_ok, struct ledger_result *res)
{
	uint8_t data[LEDGER_ENTRY_MAX_LEN];
	const struct szkm_event *ev = &e->ev;
	struct ledger_admission adm;
	struct ledger_head head;
	struct device *dev = NULL;
	size_t dlen;
	bool same;
	int ret;

	memset(res, 0, sizeof(*res));
	if (l->broken || !l->in_batch)
		return -EIO;
	if (!e->why) {
		res->seq = ev->seq;
		memcpy(res->device_id, ev->device_id, SZKM_DEVICE_ID_LEN);
		res->has_device = true;
		dev = find_device(l, ev->device_id);
	}
	/* A device's key never changes (its id is the key's hash), so a
	 * signature checked against it before the batch still holds. */
	if (dev && !sig_ok) {
		ret = szkm_event_verify(ev, dev->pkey, e->sig, NULL);
		if (ret && ret != -EBADMSG)
			return ret;
		sig_ok = !ret;
	}
	if (dev)
		head = head_of(dev);
	adm = ledger_may_append(e, dev ? &head : NULL, sig_ok);
	if (adm.may == LEDGER_MAY_NOT)
		return reject(l, res, adm.why);
	ret = ledger_entry_event(e->body, e->len, e->sig, data, sizeof(data), &dlen);
	if (ret)
		return ret;
	if (adm.may == LEDGER_MAY_IF_DUPLICATE) {
		ret = same_as_stored(l, ev, data, dlen, &res->index, &same);
		if (ret)
			return ret;
		if (!same)
			return reject(l, res, adm.why);
		res->verdict = LEDGER_DUPLICATE;
		atomic_fetch_add(&l->duplicates, 1);
		return 0;
	}
	ret = append(l, data, dlen, ev->device_id, ev->seq,
		     zero_key(ev->key_id) ? NULL : ev->key_id, &res->index);
	if (ret)
		return ret;
	dev->d.last_seq = ev->seq;
	memcpy(dev->d.last_hash, e->link, 32);
	dev->d.last_index = res->index;
	dev->dirty = true;
	res->verdict = LEDGER_APPENDED;
	return 0;
}

/*
 * Enrols the device of enrolment entry @e (type 1 or 4) when the ledger
 * may take it: name and key, not enrolled yet, ledger_may_enrol(). @data
 * is its leaf data (NULL: a type 1 entry this node encodes).
 */
static int enrol(struct ledger *l, const struct ledger_entry *e,
		 const uint8_t *data, size_t dlen, struct ledger_result *res)
{
	const struct ledger_enrolment *en = &e->enrol;
	struct ledger_store_device d = { 0 };
	uint8_t buf[LEDGER_ENTRY_MAX_LEN];
	const char *why;
	EVP_PKEY *pkey;
	int ret;

	if (!szkm_name_valid(en->name, strlen(en->name)))
		return reject(l, res, "bad-name");
	pkey = szkm_ec_pubkey(en->pubkey);
	if (!pkey)
		return reject(l, res, "bad-pubkey");
	EVP_PKEY_free(pkey);
	ret = szkm_device_id(en->pubkey, d.id);
	if (ret)
		return ret;
	memcpy(res->device_id, d.id, sizeof(d.id));
	res->has_device = true;
	if (find_device(l, d.id))
		return reject(l, res, "already-enrolled");
	why = ledger_may_enrol(l->have_members ? &l->members : NULL,
			       l->members_hash, e, data, l->origin);
	if (why)
		return reject(l, res, why);
	if (!data) {
		ret = ledger_entry_enrolment(en, buf, sizeof(buf), &dlen);
		if (ret)
			return ret;
		data = buf;
	}
	ret = append(l, data, dlen, NULL, 0, NULL, &res->index);
	if (ret)
		return ret;
	strcpy(d.name, en->name);
	memcpy(d.pubkey, en->pubkey, SZKM_P256_PUB_LEN);
	d.enrolled_index = res->index;
	ret = insert_device(l, &d);
	if (ret) {
		l->broken = true;
		return ret;
	}
	res->verdict = LEDGER_APPENDED;
	return 0;
}

int ledger_enrol(struct ledger *l, const char *name,
		 const uint8_t pub[SZKM_P256_PUB_LEN], uint64_t time_ns,
		 struct ledger_result *res)
{
	struct ledger_entry *e;
	int ret;

	memset(res, 0, sizeof(*res));
	if (l->broken || !l->in_batch)
		return -EIO;
	if (!name || strlen(name) > SZKM_NAME_MAX)
		return reject(l, res, "bad-name");
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->type = LEDGER_ENTRY_ENROL;
	e->enrol.time_ns = time_ns;
	strcpy(e->enrol.name, name);
	memcpy(e->enrol.pubkey, pub, SZKM_P256_PUB_LEN);
	ret = enrol(l, e, NULL, 0, res);
	free(e);
	return ret;
}

int ledger_add_approved(struct ledger *l, const uint8_t *data, size_t len,
			struct ledger_result *res)
{
	uint8_t again[LEDGER_ENTRY_MAX_LEN], leaf[LEDGER_HASH_LEN];
	const char *why = "malformed";
	struct ledger_entry *e;
	size_t alen = 0;
	int ret;

	memset(res, 0, sizeof(*res));
	if (l->broken || !l->in_batch)
		return -EIO;
	e = malloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	ret = ledger_entry_decode(data, len, e, &why);
	if (ret || (e->type != LEDGER_ENTRY_MEMBERS &&
		    e->type != LEDGER_ENTRY_ENROL_APPROVED)) {
		ret = reject(l, res, ret ? why : "not-an-approved-entry");
		goto out;
	}
	/* One encoding only: another would hash to another leaf. */
	if (e->type == LEDGER_ENTRY_MEMBERS)
		ret = ledger_entry_members(&e->members, again, sizeof(again), &alen);
	else
		ret = ledger_entry_approved_enrolment(&e->enrol, again,
						      sizeof(again), &alen);
	if (ret || alen != len || memcmp(again, data, len)) {
		ret = reject(l, res, "non-canonical-entry");
		goto out;
	}
	if (e->type == LEDGER_ENTRY_ENROL_APPROVED) {
		ret = enrol(l, e, data, len, res);
		goto out;
	}
	ret = ledger_merkle_leaf_hash(data, len, leaf);
	if (ret)
		goto out;
	/* In force before the append: a failed append breaks the ledger,
	 * which a restart rebuilds from the disk. */
	why = change_members(l, data, &e->members, leaf,
			     ledger_merkle_size(l->tree));
	if (why) {
		ret = reject(l, res, why);
		goto out;
	}
	ret = append(l, data, len, NULL, 0, NULL, &res->index);
	if (ret)
		goto out;
	res->seq = e->members.epoch;
	res->verdict = LEDGER_APPENDED;
out:
	free(e);
	return ret;
}

uint64_t ledger_unsigned(struct ledger *l)
{
	return ledger_merkle_size(l->tree) - l->cp_size;
}

int ledger_device_head(struct ledger *l,
		       const uint8_t id[SZKM_DEVICE_ID_LEN], uint64_t *seq)
{
	struct device *dev = find_device(l, id);

	if (!dev)
		return -ENOENT;
	*seq = dev->d.last_seq;
	return 0;
}

int ledger_device_head_hash(struct ledger *l,
			    const uint8_t id[SZKM_DEVICE_ID_LEN],
			    uint64_t *seq, uint8_t hash[32])
{
	struct device *dev = find_device(l, id);

	if (!dev)
		return -ENOENT;
	*seq = dev->d.last_seq;
	if (dev->d.last_seq)
		memcpy(hash, dev->d.last_hash, 32);
	else
		memset(hash, 0, 32);
	return 0;
}

struct entry_copy {
	uint8_t *buf;
	size_t cap, len;
};

static int copy_entry(void *arg, const struct ledger_store_entry *e)
{
	struct entry_copy *c = arg;

	if (e->len > c->cap)
		return -ENOSPC;
	memcpy(c->buf, e->data, e->len);
	c->len = e->len;
	return 0;
}

int ledger_device_last_event(struct ledger *l,
			     const uint8_t id[SZKM_DEVICE_ID_LEN],
			     uint64_t *seq, uint64_t *index, uint8_t *buf,
			     size_t cap, size_t *len)
{
	struct device *dev = find_device(l, id);
	struct entry_copy c = { buf, cap, 0 };
	int ret;

	if (!dev)
		return -ENOENT;
	if (!dev->d.last_seq)
		return -ENODATA;
	ret = ledger_store_scan(l->store, dev->d.last_index,
				dev->d.last_index + 1, copy_entry, &c);
	if (ret)
		return ret;
	if (!c.len || buf[0] != LEDGER_ENTRY_EVENT)
		return -EIO;
	*seq = dev->d.last_seq;
	*index = dev->d.last_index;
	*len = c.len;
	return 0;
}

struct body_walk {
	const uint8_t *id;
	ledger_event_body_cb cb;
	void *ctx;
	uint64_t n;
};

/* Entries of other devices, and enrolments, are passed over. */
static int device_body(void *arg, const struct ledger_store_entry *e)
{
	struct body_walk *w = arg;

	if (e->len < 1 + SZKM_EVENT_FIXED_LEN_V1 + SZKM_EVENT_SIG_LEN ||
	    e->data[0] != LEDGER_ENTRY_EVENT ||
	    memcmp(e->data + 1 + SZKM_EV_OFF_DEVICE_ID, w->id, SZKM_DEVICE_ID_LEN))
		return 0;
	w->n++;
	return w->cb(w->ctx, e->data + 1, e->len - 1 - SZKM_EVENT_SIG_LEN,
		     e->data + e->len - SZKM_EVENT_SIG_LEN);
}

int ledger_device_events(struct ledger *l, const uint8_t id[SZKM_DEVICE_ID_LEN],
			 ledger_event_body_cb cb, void *ctx, uint64_t *n)
{
	struct device *dev = find_device(l, id);
	struct body_walk w = { id, cb, ctx, 0 };
	int ret;

	*n = 0;
	if (!dev)
		return -ENOENT;
	if (!dev->d.last_seq)
		return 0;
	/* Checked at open and at each append: one event per seq, in order. */
	ret = ledger_store_scan(l->store, dev->d.enrolled_index + 1,
				dev->d.last_index + 1, device_body, &w);
	*n = w.n;
	if (!ret && w.n != dev->d.last_seq)
		ret = -EIO;
	return ret;
}

int ledger_members_line(struct ledger *l, uint64_t size, char *buf,
			size_t cap, size_t *len)
{
	uint8_t leaf[LEDGER_HASH_LEN];
	uint64_t index = 0, epoch = 0;
	bool latest;
	int ret = 0;

	pthread_mutex_lock(&l->lock);
	while (epoch < l->nmember_idx && l->member_idx[epoch] < size)
		index = l->member_idx[epoch++];
	/* The one in force now may not be committed yet (a checkpoint
	 * signed in the commit that adds it): its hash is kept. */
	latest = epoch && epoch == l->nmember_idx;
	if (latest)
		memcpy(leaf, l->members_hash, LEDGER_HASH_LEN);
	pthread_mutex_unlock(&l->lock);
	if (epoch && !latest)
		ret = ledger_leaf_hash(l, index, leaf);
	if (ret)
		return ret;
	*len = ledger_checkpoint_members_line(epoch, leaf, buf, cap);
	return epoch && !*len ? -ENOSPC : 0;
}

/* Signs the checkpoint of @size and @root into @note. Any thread. */
static int sign_text(struct ledger *l, uint64_t size,
		     const uint8_t root[LEDGER_HASH_LEN], int64_t t, char *note,
		     size_t cap, size_t *nlen)
{
	struct ledger_checkpoint c = { .size = size };
	char text[LEDGER_NOTE_MAX_NAME + 128 + LEDGER_MEMBERS_LINE_MAX];
	char line[LEDGER_MEMBERS_LINE_MAX];
	size_t tlen;
	int ret;

	strcpy(c.origin, l->origin);
	memcpy(c.root, root, LEDGER_HASH_LEN);
	ret = ledger_members_line(l, size, line, sizeof(line), &c.ext_len);
	if (ret)
		return ret;
	c.ext = c.ext_len ? line : NULL;
	ret = ledger_checkpoint_format(&c, text, sizeof(text), &tlen);
	if (ret)
		return ret;
	pthread_mutex_lock(&l->sign_lock);
	ret = ledger_note_sign(text, tlen, l->key, 1, (uint64_t)t, note, cap,
			       nlen);
	pthread_mutex_unlock(&l->sign_lock);
	return ret;
}

/* Signs the current tree into @note; the caller stores it. */
static int sign_checkpoint(struct ledger *l, struct ledger_store_checkpoint *cp,
			   char *note, size_t cap)
{
	int ret;

	cp->size = ledger_merkle_size(l->tree);
	ret = ledger_merkle_root(l->tree, cp->size, cp->root);
	if (ret)
		return ret;
	cp->time = (int64_t)time(NULL);
	ret = sign_text(l, cp->size, cp->root, cp->time, note, cap, &cp->note_len);
	cp->note = note;
	return ret;
}

int ledger_commit(struct ledger *l, bool checkpoint)
{
	struct ledger_store_checkpoint cp = { 0 };
	char note[NOTE_MAX];
	bool signed_one = false;
	int ret;

	if (l->broken || !l->in_batch)
		return -EIO;
	for (size_t i = 0; i < l->ndevs; i++) {
		if (!l->devs[i].dirty)
			continue;
		ret = ledger_store_put_device(l->store, &l->devs[i].d);
		if (ret)
			goto broken;
	}
	if (checkpoint &&
	    (!l->have_cp || ledger_merkle_size(l->tree) > l->cp_size)) {
		ret = sign_checkpoint(l, &cp, note, sizeof(note));
		if (ret)
			goto broken;
		ret = ledger_store_add_checkpoint(l->store, &cp);
		if (ret)
			goto broken;
		signed_one = true;
	}
	ret = ledger_store_commit(l->store);
	if (ret)
		goto broken;
	l->in_batch = false;
	for (size_t i = 0; i < l->ndevs; i++)
		l->devs[i].dirty = false;
	atomic_fetch_add(&l->batches, 1);
	{
		uint64_t old = atomic_load(&l->published);
		uint64_t now = ledger_merkle_size(l->tree);

		atomic_fetch_add(&l->appended, now - old);
		/* Nodes were put before this store: readers see them. */
		atomic_store_explicit(&l->published, now,
				      memory_order_release);
	}
	if (signed_one) {
		l->have_cp = true;
		l->cp_size = cp.size;
		atomic_fetch_add(&l->checkpoints, 1);
		pthread_mutex_lock(&l->lock);
		memcpy(l->note, cp.note, cp.note_len);
		l->note_len = cp.note_len;
		l->note_time = cp.time;
		l->note_size = cp.size;
		pthread_mutex_unlock(&l->lock);
	}
	return 0;
broken:
	l->broken = true;
	ledger_store_rollback(l->store);
	l->in_batch = false;
	return ret;
}

/* Readers. */

int ledger_open_reader(struct ledger *l, struct ledger_store **out,
		       char *err, size_t errlen)
{
	return ledger_store_open_reader(l->store, out, err, errlen);
}

uint64_t ledger_size(struct ledger *l)
{
	return atomic_load_explicit(&l->published, memory_order_acquire);
}

int ledger_checkpoint(struct ledger *l, char *buf, size_t cap, size_t *len,
		      uint64_t *size, int64_t *time_out)
{
	int ret = 0;

	pthread_mutex_lock(&l->lock);
	if (!l->note_len) {
		ret = -ENOENT;
	} else if (l->note_len + 1 > cap) {
		ret = -ENOSPC;
	} else {
		memcpy(buf, l->note, l->note_len);
		buf[l->note_len] = 0;
		*len = l->note_len;
		if (size)
			*size = l->note_size;
		if (time_out)
			*time_out = l->note_time;
	}
	pthread_mutex_unlock(&l->lock);
	return ret;
}

/* A tree over the node cache at the published size, for one request. */
static int reader_tree(struct ledger *l, struct ledger_merkle **t)
{
	return ledger_merkle_open(t, ledger_nodecache_ops(l->cache),
				  ledger_size(l));
}

int ledger_root(struct ledger *l, uint64_t size, uint8_t root[LEDGER_HASH_LEN])
{
	struct ledger_merkle *t;
	int ret = reader_tree(l, &t);

	if (ret)
		return ret;
	ret = size > ledger_merkle_size(t) ? -ERANGE :
					     ledger_merkle_root(t, size, root);
	ledger_merkle_free(t);
	return ret;
}

int ledger_leaf_hash(struct ledger *l, uint64_t index,
		     uint8_t hash[LEDGER_HASH_LEN])
{
	const struct ledger_hash_store *cs = ledger_nodecache_ops(l->cache);

	if (index >= ledger_size(l))
		return -ERANGE;
	return cs->get(cs->ctx, 0, index, hash);
}

int ledger_node_hash(struct ledger *l, unsigned int level, uint64_t index,
		     uint8_t hash[LEDGER_HASH_LEN])
{
	const struct ledger_hash_store *cs = ledger_nodecache_ops(l->cache);

	if (level >= 64 || index >= ledger_size(l) >> level)
		return -ERANGE;
	return cs->get(cs->ctx, level, index, hash);
}

int ledger_inclusion(struct ledger *l, uint64_t index, uint64_t size,
		     uint8_t (*proof)[LEDGER_HASH_LEN], size_t *len)
{
	struct ledger_merkle *t;
	int ret = reader_tree(l, &t);

	if (ret)
		return ret;
	if (index >= size || size > ledger_merkle_size(t))
		ret = -ERANGE;
	else
		ret = ledger_merkle_inclusion_proof(t, index, size, proof,
						    LEDGER_MERKLE_MAX_PROOF,
						    len);
	ledger_merkle_free(t);
	return ret;
}

int ledger_consistency(struct ledger *l, uint64_t old_size, uint64_t new_size,
		       uint8_t (*proof)[LEDGER_HASH_LEN], size_t *len)
{
	struct ledger_merkle *t;
	int ret = reader_tree(l, &t);

	if (ret)
		return ret;
	if (old_size == 0 || old_size > new_size ||
	    new_size > ledger_merkle_size(t))
		ret = -ERANGE;
	else
		ret = ledger_merkle_consistency_proof(t, old_size, new_size,
						      proof,
						      LEDGER_MERKLE_MAX_PROOF,
						      len);
	ledger_merkle_free(t);
	return ret;
}

/* Multi-node. */

/* ledger_apply_entry(), with the event of an event entry already decoded
 * in @pre (NULL: decoded here). */
static int apply_entry(struct ledger *l, uint64_t index, const uint8_t *data,
		       size_t len, const struct ledger_event *pre, bool sig_ok,
		       struct ledger_result *res)
{
	uint8_t again[LEDGER_ENTRY_MAX_LEN];
	const char *why = "malformed";
	struct ledger_event ev;
	struct ledger_entry e;
	size_t alen = 0;
	int ret;

	memset(res, 0, sizeof(*res));
	if (l->broken || !l->in_batch)
		return -EIO;
	if (index != ledger_merkle_size(l->tree))
		return -EINVAL;
	if (ledger_entry_decode(data, len, &e, &why))
		return reject(l, res, why);
	if (e.type == LEDGER_ENTRY_MEMBERS ||
	    e.type == LEDGER_ENTRY_ENROL_APPROVED) {
		ret = ledger_add_approved(l, data, len, res);
		if (!ret && res->verdict == LEDGER_APPENDED && res->index != index)
			return -EIO;
		return ret;
	}
	/* Only the encoding this node would write: another one would hash to
	 * another leaf than the one the writer and etcd hold. */
	if (e.type == LEDGER_ENTRY_ENROL)
		ret = ledger_entry_enrolment(&e.enrol, again, sizeof(again), &alen);
	else
		ret = ledger_entry_event(e.body, e.body_len, e.sig, again,
					 sizeof(again), &alen);
	if (ret || alen != len || memcmp(again, data, len))
		return reject(l, res, "non-canonical-entry");
	if (e.type == LEDGER_ENTRY_ENROL) {
		ret = ledger_enrol(l, e.enrol.name, e.enrol.pubkey,
				   e.enrol.time_ns, res);
	} else {
		ret = pre ? 0 : ledger_event_decode(&ev, e.body, e.body_len, e.sig);
		if (!ret)
			ret = ledger_append_event(l, pre ? pre : &ev, sig_ok, res);
	}
	if (ret)
		return ret;
	if (res->verdict == LEDGER_DUPLICATE)
		return reject(l, res, "duplicate-entry");
	if (res->verdict == LEDGER_APPENDED && res->index != index)
		return -EIO;
	return 0;
}

int ledger_apply_entry(struct ledger *l, uint64_t index, const uint8_t *data,
		       size_t len, bool sig_ok, struct ledger_result *res)
{
	return apply_entry(l, index, data, len, NULL, sig_ok, res);
}

int ledger_apply_entries(struct ledger *l, const struct ledger_apply_item *it,
			 size_t n, unsigned int threads, size_t *applied,
			 size_t *verifies, struct ledger_result *res)
{
	struct ledger_event *le = calloc(n ? n : 1, sizeof(*le));
	struct ledger_sigcheck *sc = calloc(n ? n : 1, sizeof(*sc));
	struct ledger_verifier *vf = NULL;
	struct ledger_entry e;
	const char *why;
	int ret = 0;

	*applied = 0;
	memset(res, 0, sizeof(*res));
	/* Out of memory: no verifier, each signature checked as applied. */
	for (size_t i = 0; le && sc && i < n; i++)
		if (!ledger_entry_decode(it[i].data, it[i].len, &e, &why) &&
		    e.type == LEDGER_ENTRY_EVENT &&
		    !ledger_event_decode(&le[i], e.body, e.body_len, e.sig))
			sc[i].event = &le[i];
	if (le && sc)
		vf = ledger_verify_start(l, sc, n, threads);
	for (size_t i = 0; i < n; i++) {
		bool ok = vf && sc[i].event && ledger_verify_ok(vf, i);

		ret = apply_entry(l, it[i].index, it[i].data, it[i].len,
				  sc && sc[i].event ? &le[i] : NULL, ok, res);
		if (ret || res->verdict == LEDGER_REJECTED)
			break;
		(*applied)++;
	}
	if (verifies)
		*verifies = ledger_verify_count(vf);
	ledger_verify_end(vf);
	free(le);
	free(sc);
	return ret;
}

void ledger_set_alarm(struct ledger *l, const char *why)
{
	pthread_mutex_lock(&l->lock);
	snprintf(l->alarm, sizeof(l->alarm), "%s", why);
	pthread_mutex_unlock(&l->lock);
}

bool ledger_alarm(struct ledger *l, char *buf, size_t cap)
{
	bool on;

	pthread_mutex_lock(&l->lock);
	on = l->alarm[0] != 0;
	if (cap)
		snprintf(buf, cap, "%s", l->alarm);
	pthread_mutex_unlock(&l->lock);
	return on;
}

int ledger_sign_at(struct ledger *l, uint64_t size, char *note, size_t cap,
		   size_t *len)
{
	uint8_t root[LEDGER_HASH_LEN];
	int ret = ledger_root(l, size, root);

	if (ret)
		return ret;
	return sign_text(l, size, root, (int64_t)time(NULL), note, cap, len);
}

void ledger_set_cosigning(struct ledger *l)
{
	pthread_mutex_lock(&l->lock);
	l->cosigning = true;
	pthread_mutex_unlock(&l->lock);
}

int ledger_set_cosigned(struct ledger *l, const char *note, size_t len,
			uint64_t size)
{
	int ret = 0;

	pthread_mutex_lock(&l->lock);
	if (len >= sizeof(l->cosigned))
		ret = -E2BIG;
	else if (l->cosigned_len && size < l->cosigned_size)
		ret = -EALREADY;	/* never backwards (the same size: more lines) */
	if (!ret) {
		memcpy(l->cosigned, note, len);
		l->cosigned_len = len;
		l->cosigned_size = size;
	}
	pthread_mutex_unlock(&l->lock);
	return ret;
}

int ledger_cosigned(struct ledger *l, char *buf, size_t cap, size_t *len,
		    uint64_t *size)
{
	int ret = 0;

	pthread_mutex_lock(&l->lock);
	if (!l->cosigning)
		ret = -ENOTSUP;
	else if (!l->cosigned_len)
		ret = -ENOENT;
	else if (l->cosigned_len + 1 > cap)
		ret = -ENOSPC;
	if (!ret) {
		memcpy(buf, l->cosigned, l->cosigned_len);
		buf[l->cosigned_len] = 0;
		*len = l->cosigned_len;
		if (size)
			*size = l->cosigned_size;
	}
	pthread_mutex_unlock(&l->lock);
	return ret;
}

int ledger_served(struct ledger *l, char *buf, size_t cap, size_t *len,
		  uint64_t *size)
{
	int ret = ledger_cosigned(l, buf, cap, len, size);

	if (ret == -ENOTSUP)
		ret = ledger_checkpoint(l, buf, cap, len, size, NULL);
	return ret;
}
