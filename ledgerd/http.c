// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * http.c - the HTTP API: checkpoints, entries, proofs, histories, metrics.
 *
 * Every route but one is a GET (HEAD too) with query parameters; the
 * exception is the witness's POST /add-checkpoint (witness.h). Structured
 * replies are JSON with every hash in lower-case hex, the checkpoint is
 * the signed note as text/plain and the metrics are Prometheus text. A bad
 * request gets 400 with {"error": "<why>"}, an unknown path 404, another
 * method 405. Proofs default to the size of the latest checkpoint, so a
 * client can check them against a signed root. ledgerd.8 documents it.
 * The transport (httpd.c) parses requests and answers its own errors in
 * the same JSON; json.c writes u64 numbers as the unsigned values they are.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "entry.h"
#include "http.h"
#include "httpd.h"
#include "json.h"
#include "libszkm.h"
#include "tiles.h"

#define MAX_RANGE	1000
#define NOTE_MAX	8192

struct ledger_http {
	struct ledger_httpd *d;
	struct ledger *l;
	struct ledger_witness *witness;	/* NULL: a single node */
	char *vkey;
	pthread_key_t store_key;
	time_t started;
	/* appends/s over the last tick */
	uint64_t tick_appended;
	double tick_time;
	_Atomic uint64_t rate_milli;
};

/* Helpers. */

static int from_hex(const char *s, uint8_t *out, size_t n)
{
	if (!s || strlen(s) != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < 2 * n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (v < 0)
			return -EINVAL;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return 0;
}

/* A decimal u64 with no sign, no spaces, no leading junk. */
static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s || strlen(s) > 20)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int reply_body(struct ledger_httpd_reply *rp, unsigned int code,
		       const char *type, char *body, size_t len)
{
	rp->code = code;
	rp->type = type;
	rp->body = body;
	rp->len = len;
	return 0;
}

/* Takes @j's document (NULL when memory ran out: the server says 500). */
static int reply_json(struct ledger_httpd_reply *rp, unsigned int code,
		       struct ledger_json *j)
{
	size_t len;
	char *s = ledger_json_take(j, &len);

	return reply_body(rp, code, "application/json", s, len);
}

static int reply_error(struct ledger_httpd_reply *rp, unsigned int code,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reply_error(struct ledger_httpd_reply *rp, unsigned int code,
			const char *fmt, ...)
{
	char msg[256];
	size_t len;
	char *s;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s = ledger_json_error(msg, &len);
	return reply_body(rp, code, "application/json", s, len);
}

/* The list routes answer {<fields>, "<name>": [<items>]}: after the
 * fields, list_begin opens the list, and list_end closes it and replies
 * (500 when the walk that filled it failed). */
static void list_begin(struct ledger_json *j, const char *name)
{
	ledger_json_key(j, name);
	ledger_json_arr(j);
}

static int list_end(struct ledger_httpd_reply *rp, struct ledger_json *j,
		    int walk_ret)
{
	size_t len;

	if (walk_ret) {
		free(ledger_json_take(j, &len));
		return reply_error(rp, 500, "database read failed");
	}
	ledger_json_arr_end(j);
	ledger_json_obj_end(j);
	return reply_json(rp, 200, j);
}

/* A u64 argument; @def when absent (has_def), else required. */
static int u64_arg(const struct ledger_httpd_req *rq, const char *name,
		   bool has_def, uint64_t def, uint64_t *out)
{
	const char *v = ledger_httpd_arg(rq, name);

	if (!v) {
		if (!has_def)
			return -ENOENT;
		*out = def;
		return 0;
	}
	return parse_u64(v, out);
}

static struct ledger_store *thread_store(struct ledger_http *h)
{
	struct ledger_store *s = pthread_getspecific(h->store_key);
	char err[256];

	if (s)
		return s;
	if (ledger_open_reader(h->l, &s, err, sizeof(err)))
		return NULL;
	pthread_setspecific(h->store_key, s);
	return s;
}

static void free_store(void *s)
{
	ledger_store_close(s);
}

/*
 * The checkpoint the API serves: in a multi-node ledger the newest one
 * that enough nodes cosigned, else the node's own.
 */
static int served_checkpoint(struct ledger_http *h, char *note, size_t cap,
			     size_t *len, uint64_t *size)
{
	return ledger_served(h->l, note, cap, len, size);
}

static uint64_t checkpoint_size(struct ledger_http *h)
{
	char note[NOTE_MAX];
	size_t len;
	uint64_t size = 0;

	if (served_checkpoint(h, note, sizeof(note), &len, &size))
		return 0;
	return size;
}

/* Entries as JSON. */

static void kv_str(struct ledger_json *j, const char *k, const char *v)
{
	ledger_json_key(j, k);
	ledger_json_str(j, v);
}

static void kv_u64(struct ledger_json *j, const char *k, uint64_t v)
{
	ledger_json_key(j, k);
	ledger_json_u64(j, v);
}

static void kv_hex(struct ledger_json *j, const char *k, const uint8_t *p,
		   size_t n)
{
	ledger_json_key(j, k);
	ledger_json_hex(j, p, n);
}

/* Who caused the event: null for format-1 events, which do not say. */
static void actor_json(struct ledger_json *j, const struct szkm_event *ev)
{
	char comm[SZKM_COMM_LEN + 1];

	ledger_json_key(j, "actor");
	if (ev->actor != SZKM_ACTOR_KERNEL && ev->actor != SZKM_ACTOR_PROCESS) {
		ledger_json_null(j);
		return;
	}
	ledger_json_obj(j);
	if (ev->actor == SZKM_ACTOR_KERNEL) {
		kv_str(j, "kind", "kernel");
		ledger_json_obj_end(j);
		return;
	}
	szkm_event_comm(ev, comm);
	kv_str(j, "kind", "process");
	kv_u64(j, "uid", ev->uid);
	kv_u64(j, "pid", ev->pid);
	kv_str(j, "comm", comm);
	ledger_json_key(j, "auid");
	if (ev->auid == SZKM_AUID_UNSET)
		ledger_json_null(j);
	else
		ledger_json_u64(j, ev->auid);
	ledger_json_obj_end(j);
}

static void event_json(struct ledger_json *j, const struct ledger_entry *e)
{
	const struct szkm_event *ev = &e->event;
	uint8_t link[32];

	kv_str(j, "type", "event");
	kv_str(j, "event", szkm_event_type_name(ev->type));
	kv_hex(j, "device_id", ev->device_id, SZKM_DEVICE_ID_LEN);
	kv_u64(j, "seq", ev->seq);
	kv_hex(j, "event_hash", ev->hash, 32);
	kv_hex(j, "prev_hash", ev->prev_hash, 32);
	if (!szkm_event_link(ev, e->sig, link))
		kv_hex(j, "link", link, 32);
	kv_u64(j, "time_ns", ev->time_ns);
	ledger_json_key(j, "test_mode");
	ledger_json_bool(j, ev->flags & SZKM_EVF_TEST_MODE);
	kv_hex(j, "key_id", ev->key_id, SZKM_KEY_ID_LEN);
	kv_str(j, "name", ev->name);
	kv_u64(j, "version", ev->version);
	kv_str(j, "alg", szkm_alg_name(ev->alg));
	kv_str(j, "state", szkm_vstate_name(ev->state));
	kv_str(j, "origin", szkm_origin_name(ev->origin));
	ledger_json_key(j, "pubkey");
	if (ev->pubkey)
		ledger_json_hex(j, ev->pubkey, SZKM_P256_PUB_LEN);
	else
		ledger_json_null(j);
	kv_u64(j, "rotate_seconds", ev->rotate_seconds);
	kv_u64(j, "max_uses", ev->max_uses);
	kv_u64(j, "min_version", ev->min_version);
	kv_str(j, "ledger", ev->ledger == SZKM_LEDGER_ASYNC ? "async" : "required");
	kv_hex(j, "policy_digest", ev->policy_digest, 32);
	if (ev->type == SZKM_EV_KEY_GRANT || ev->type == SZKM_EV_KEY_REVOKE)
		kv_u64(j, "grantee", ev->grantee);
	actor_json(j, ev);
	kv_hex(j, "signature", e->sig, SZKM_EVENT_SIG_LEN);
}

static int collect_entry(void *ctx, const struct ledger_store_entry *se)
{
	struct ledger_json *j = ctx;
	struct ledger_entry e;
	const char *why = NULL;

	ledger_json_obj(j);
	kv_u64(j, "index", se->index);
	kv_hex(j, "leaf_hash", se->leaf, LEDGER_HASH_LEN);
	kv_hex(j, "data", se->data, se->len);
	if (ledger_entry_decode(se->data, se->len, &e, &why)) {
		kv_str(j, "type", "invalid");
		kv_str(j, "invalid", why ? why : "?");
	} else if (e.type == LEDGER_ENTRY_ENROL ||
		   e.type == LEDGER_ENTRY_ENROL_APPROVED) {
		kv_str(j, "type", "enrolment");
		if (e.type == LEDGER_ENTRY_ENROL_APPROVED)
			kv_u64(j, "approvals", e.enrol.napprovals);
		kv_hex(j, "device_id", e.enrol.device_id, SZKM_DEVICE_ID_LEN);
		kv_str(j, "name", e.enrol.name);
		kv_hex(j, "pubkey", e.enrol.pubkey, SZKM_P256_PUB_LEN);
		kv_u64(j, "time_ns", e.enrol.time_ns);
	} else if (e.type == LEDGER_ENTRY_MEMBERS) {
		kv_str(j, "type", "membership");
		kv_u64(j, "epoch", e.members.epoch);
		kv_u64(j, "k", e.members.k);
		kv_u64(j, "n", e.members.n);
		kv_u64(j, "approvals", e.members.napprovals);
	} else {
		event_json(j, &e);
	}
	ledger_json_obj_end(j);
	return j->oom ? -ENOMEM : 0;
}

/* Routes. */

static int get_checkpoint(struct ledger_http *h, struct ledger_httpd_reply *rp)
{
	char *note = malloc(NOTE_MAX);
	size_t len;
	int ret;

	if (!note)
		return 0;	/* no body: the server answers 500 */
	ret = served_checkpoint(h, note, NOTE_MAX, &len, NULL);
	if (ret) {
		free(note);
		return reply_error(rp, 503, ret == -ENOENT && ledger_cosigned(h->l, NULL, 0, &len, NULL) != -ENOTSUP ?
				   "no checkpoint cosigned by enough nodes yet" :
				   "no checkpoint signed yet");
	}
	return reply_body(rp, 200, "text/plain; charset=utf-8", note, len);
}

/*
 * POST /add-checkpoint (c2sp.org/tlog-witness): this node's cosignature
 * on a checkpoint it validated itself (witness.h). Anyone may ask: the
 * checkpoint must carry a node key's signature, and the node vouches for
 * nothing it did not validate.
 */
static int post_add_checkpoint(struct ledger_http *h,
			       const struct ledger_httpd_req *rq,
			       struct ledger_httpd_reply *rp)
{
	char why[512] = "", *out;
	size_t len;
	unsigned int code;

	if (!h->witness)
		return reply_error(rp, 404, "this node is no witness (a "
				   "single-node ledger)");
	code = ledger_witness_add(h->witness, rq->body, rq->body_len, &out,
				  &len, why, sizeof(why));
	if (code == 200)
		return reply_body(rp, 200, "text/plain; charset=utf-8", out, len);
	if (code == 409)
		return reply_body(rp, 409, "text/x.tlog.size", out, len);
	return reply_error(rp, code, "%s", why);
}

/* The witness state, at the spec's monitoring path. */
static int get_witness(struct ledger_http *h, const struct ledger_httpd_req *rq,
		       struct ledger_httpd_reply *rp)
{
	char *note = malloc(NOTE_MAX);
	size_t len;

	if (!note)
		return 0;
	if (ledger_witness_state(h->witness, ledger_httpd_arg(rq, "key"), note,
				 NOTE_MAX, &len)) {
		free(note);
		return reply_error(rp, 404, "this witness cosigned nothing yet");
	}
	return reply_body(rp, 200, "text/plain; charset=utf-8", note, len);
}

/*
 * Entries [start, end). end defaults to start + 100, cut at the ledger's
 * size; an end given beyond the size is refused, so that a client never
 * takes a short answer for the range it asked for.
 */
static int get_entries(struct ledger_http *h, const struct ledger_httpd_req *rq,
			struct ledger_httpd_reply *rp)
{
	uint64_t size = ledger_size(h->l), start, end;
	struct ledger_store *s;
	struct ledger_json j;

	if (u64_arg(rq, "start", false, 0, &start))
		return reply_error(rp, 400, "start: a decimal index is needed");
	if (start >= size)
		return reply_error(rp, 400, "start %" PRIu64 " is not in the "
				   "ledger (%" PRIu64 " entries)", start, size);
	if (u64_arg(rq, "end", true, size - start > 100 ? start + 100 : size,
		    &end))
		return reply_error(rp, 400, "end: not a decimal index");
	if (end > size)
		return reply_error(rp, 400, "end %" PRIu64 " is beyond the "
				   "ledger (%" PRIu64 " entries)", end, size);
	if (end <= start)
		return reply_error(rp, 400, "no entries in [%" PRIu64 ", %"
				   PRIu64 ")", start, end);
	if (end - start > MAX_RANGE)
		return reply_error(rp, 400, "at most %d entries per request",
				   MAX_RANGE);
	s = thread_store(h);
	if (!s)
		return reply_error(rp, 500, "cannot open the database");
	ledger_json_init(&j);
	ledger_json_obj(&j);
	kv_u64(&j, "size", size);
	list_begin(&j, "entries");
	return list_end(rp, &j, ledger_store_scan(s, start, end, collect_entry, &j));
}

static void proof_json(struct ledger_json *j, uint8_t (*proof)[LEDGER_HASH_LEN],
		       size_t n)
{
	ledger_json_key(j, "proof");
	ledger_json_arr(j);
	for (size_t i = 0; i < n; i++)
		ledger_json_hex(j, proof[i], LEDGER_HASH_LEN);
	ledger_json_arr_end(j);
}

static int get_inclusion(struct ledger_http *h,
			  const struct ledger_httpd_req *rq,
			  struct ledger_httpd_reply *rp)
{
	uint8_t proof[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	uint8_t leaf[LEDGER_HASH_LEN], root[LEDGER_HASH_LEN];
	const char *hash = ledger_httpd_arg(rq, "hash");
	uint64_t index, size;
	struct ledger_json j;
	size_t n;
	int ret;

	if (u64_arg(rq, "size", true, checkpoint_size(h), &size))
		return reply_error(rp, 400, "size: not a decimal tree size");
	if (hash) {
		struct ledger_store *s;

		if (ledger_httpd_arg(rq, "index"))
			return reply_error(rp, 400, "give index or hash, not both");
		if (from_hex(hash, leaf, sizeof(leaf)))
			return reply_error(rp, 400, "hash: 64 hex digits needed");
		s = thread_store(h);
		if (!s)
			return reply_error(rp, 500, "cannot open the database");
		ret = ledger_store_find_leaf(s, leaf, &index);
		if (ret == -ENOENT)
			return reply_error(rp, 404, "no entry has leaf hash %s",
					   hash);
		if (ret)
			return reply_error(rp, 500, "database read failed");
	} else if (u64_arg(rq, "index", false, 0, &index)) {
		return reply_error(rp, 400, "index or hash is needed");
	}
	if (size > ledger_size(h->l))
		return reply_error(rp, 400, "size %" PRIu64 " is beyond the "
				   "ledger (%" PRIu64 ")", size,
				   ledger_size(h->l));
	if (index >= size)
		return reply_error(rp, 400, "index %" PRIu64 " is not in a tree "
				   "of size %" PRIu64, index, size);
	ret = ledger_inclusion(h->l, index, size, proof, &n);
	if (!ret)
		ret = ledger_leaf_hash(h->l, index, leaf);
	if (!ret)
		ret = ledger_root(h->l, size, root);
	if (ret)
		return reply_error(rp, 500, "proof failed: %s", strerror(-ret));
	ledger_json_init(&j);
	ledger_json_obj(&j);
	kv_u64(&j, "index", index);
	kv_u64(&j, "size", size);
	kv_hex(&j, "leaf_hash", leaf, sizeof(leaf));
	kv_hex(&j, "root", root, sizeof(root));
	proof_json(&j, proof, n);
	ledger_json_obj_end(&j);
	return reply_json(rp, 200, &j);
}

static int get_consistency(struct ledger_http *h,
			    const struct ledger_httpd_req *rq,
			    struct ledger_httpd_reply *rp)
{
	uint8_t proof[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	uint8_t old_root[LEDGER_HASH_LEN], new_root[LEDGER_HASH_LEN];
	uint64_t old_size, new_size;
	struct ledger_json j;
	size_t n;
	int ret;

	if (u64_arg(rq, "old", false, 0, &old_size))
		return reply_error(rp, 400, "old: a decimal tree size is needed");
	if (u64_arg(rq, "new", true, checkpoint_size(h), &new_size))
		return reply_error(rp, 400, "new: not a decimal tree size");
	if (old_size == 0 || old_size > new_size)
		return reply_error(rp, 400, "need 0 < old <= new (old %" PRIu64
				   ", new %" PRIu64 ")", old_size, new_size);
	if (new_size > ledger_size(h->l))
		return reply_error(rp, 400, "new %" PRIu64 " is beyond the "
				   "ledger (%" PRIu64 ")", new_size,
				   ledger_size(h->l));
	ret = ledger_consistency(h->l, old_size, new_size, proof, &n);
	if (!ret)
		ret = ledger_root(h->l, old_size, old_root);
	if (!ret)
		ret = ledger_root(h->l, new_size, new_root);
	if (ret)
		return reply_error(rp, 500, "proof failed: %s", strerror(-ret));
	ledger_json_init(&j);
	ledger_json_obj(&j);
	kv_u64(&j, "old", old_size);
	kv_u64(&j, "new", new_size);
	kv_hex(&j, "old_root", old_root, 32);
	kv_hex(&j, "new_root", new_root, 32);
	proof_json(&j, proof, n);
	ledger_json_obj_end(&j);
	return reply_json(rp, 200, &j);
}

static int get_key(struct ledger_http *h, const char *idhex,
		    struct ledger_httpd_reply *rp)
{
	uint8_t id[SZKM_KEY_ID_LEN];
	struct ledger_store *s;
	struct ledger_json j;
	size_t before;
	int ret;

	if (from_hex(idhex, id, sizeof(id)))
		return reply_error(rp, 400, "a key id is 32 hex digits");
	s = thread_store(h);
	if (!s)
		return reply_error(rp, 500, "cannot open the database");
	ledger_json_init(&j);
	ledger_json_obj(&j);
	kv_str(&j, "key_id", idhex);
	list_begin(&j, "entries");
	before = j.len;
	ret = ledger_store_key_history(s, id, ledger_size(h->l), collect_entry,
				       &j);
	if (!ret && j.len == before && !j.oom) {
		free(ledger_json_take(&j, &before));
		return reply_error(rp, 404, "no entry names key %s", idhex);
	}
	return list_end(rp, &j, ret);
}

/* Every membership entry, in order: what a client follows from its
 * configured keys to the ones that sign the checkpoint. */
static int get_members(struct ledger_http *h, struct ledger_httpd_reply *rp)
{
	uint64_t idx[MAX_RANGE];
	struct ledger_store *s;
	struct ledger_json j;
	size_t n;
	int ret = 0;

	s = thread_store(h);
	if (!s)
		return reply_error(rp, 500, "cannot open the database");
	/* The list of the published size, read after the store opened. */
	if (ledger_member_list(h->l, idx, MAX_RANGE, &n))
		return reply_error(rp, 500, "more than %d membership entries",
				   MAX_RANGE);
	ledger_json_init(&j);
	ledger_json_obj(&j);
	list_begin(&j, "entries");
	for (size_t i = 0; i < n && !ret; i++)
		ret = ledger_store_scan(s, idx[i], idx[i] + 1, collect_entry, &j);
	return list_end(rp, &j, ret);
}

static int collect_device(void *ctx, const struct ledger_store_device *d)
{
	struct ledger_json *j = ctx;

	ledger_json_obj(j);
	kv_hex(j, "device_id", d->id, sizeof(d->id));
	kv_str(j, "name", d->name);
	kv_hex(j, "pubkey", d->pubkey, sizeof(d->pubkey));
	kv_u64(j, "enrolled_index", d->enrolled_index);
	kv_u64(j, "last_seq", d->last_seq);
	ledger_json_key(j, "last_event_hash");
	if (d->last_seq)
		ledger_json_hex(j, d->last_hash, 32);
	else
		ledger_json_null(j);
	ledger_json_obj_end(j);
	return j->oom ? -ENOMEM : 0;
}

static int get_devices(struct ledger_http *h, struct ledger_httpd_reply *rp)
{
	struct ledger_store *s = thread_store(h);
	struct ledger_json j;

	if (!s)
		return reply_error(rp, 500, "cannot open the database");
	ledger_json_init(&j);
	ledger_json_obj(&j);
	list_begin(&j, "devices");
	return list_end(rp, &j, ledger_store_devices(s, collect_device, &j));
}

static double checkpoint_age(struct ledger_http *h, uint64_t *size)
{
	char note[NOTE_MAX];
	size_t len;
	int64_t t = 0;

	if (ledger_checkpoint(h->l, note, sizeof(note), &len, size, &t))
		return -1;
	return difftime(time(NULL), (time_t)t);
}

static int get_health(struct ledger_http *h, struct ledger_httpd_reply *rp)
{
	uint64_t cp_size = 0, co_size = 0;
	double age = checkpoint_age(h, &cp_size);
	char alarm[512], note[NOTE_MAX];
	bool alarmed = ledger_alarm(h->l, alarm, sizeof(alarm));
	struct ledger_json j;
	size_t len;
	int co;

	co = ledger_cosigned(h->l, note, sizeof(note), &len, &co_size);
	ledger_json_init(&j);
	ledger_json_obj(&j);
	kv_str(&j, "status", alarmed ? "alarm" : "ok");
	if (alarmed)
		kv_str(&j, "alarm", alarm);
	kv_u64(&j, "size", ledger_size(h->l));
	kv_u64(&j, "checkpoint_size", cp_size);
	if (co != -ENOTSUP)
		kv_u64(&j, "cosigned_size", co_size);
	ledger_json_key(&j, "checkpoint_age_seconds");
	ledger_json_seconds(&j, age);
	kv_str(&j, "vkey", h->vkey);
	kv_u64(&j, "uptime_seconds", (uint64_t)(time(NULL) - h->started));
	ledger_json_obj_end(&j);
	return reply_json(rp, alarmed ? 503 : 200, &j);
}

struct metrics_buf {
	char *p;
	size_t len, cap;
};

static void mprintf(struct metrics_buf *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void mprintf(struct metrics_buf *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!m->p)
		return;
	va_start(ap, fmt);
	n = vsnprintf(m->p + m->len, m->cap - m->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= m->cap - m->len) {
		free(m->p);
		m->p = NULL;
		return;
	}
	m->len += (size_t)n;
}

static void metric_reason(void *ctx, const char *why, uint64_t n)
{
	mprintf(ctx, "ledgerd_rejected_events_total{reason=\"%s\"} %" PRIu64
		"\n", why, n);
}

static int get_metrics(struct ledger_http *h, struct ledger_httpd_reply *rp)
{
	struct metrics_buf m = { malloc(16384), 0, 16384 };
	struct ledger_stats st;
	uint64_t cp_size = 0;
	double age = checkpoint_age(h, &cp_size);

	ledger_get_stats(h->l, &st);
	mprintf(&m, "# HELP ledgerd_alarm 1 when this node refuses to go on "
		"(an invalid or rewritten entry, a fork, a rollback; /health says why).\n"
		"# TYPE ledgerd_alarm gauge\nledgerd_alarm %d\n",
		ledger_alarm(h->l, NULL, 0));
	mprintf(&m, "# HELP ledgerd_entries Entries in the ledger.\n"
		"# TYPE ledgerd_entries gauge\nledgerd_entries %" PRIu64 "\n",
		ledger_size(h->l));
	mprintf(&m, "# HELP ledgerd_appends_total Entries appended since "
		"start.\n# TYPE ledgerd_appends_total counter\n"
		"ledgerd_appends_total %" PRIu64 "\n", st.appended);
	mprintf(&m, "# HELP ledgerd_appends_per_second Appends in the last "
		"second.\n# TYPE ledgerd_appends_per_second gauge\n"
		"ledgerd_appends_per_second %.3f\n",
		(double)atomic_load(&h->rate_milli) / 1000.0);
	mprintf(&m, "# HELP ledgerd_duplicate_events_total Events already in "
		"the ledger, acknowledged again.\n"
		"# TYPE ledgerd_duplicate_events_total counter\n"
		"ledgerd_duplicate_events_total %" PRIu64 "\n", st.duplicates);
	mprintf(&m, "# HELP ledgerd_batches_total Group commits.\n"
		"# TYPE ledgerd_batches_total counter\n"
		"ledgerd_batches_total %" PRIu64 "\n", st.batches);
	mprintf(&m, "# HELP ledgerd_checkpoints_total Checkpoints signed since "
		"start.\n# TYPE ledgerd_checkpoints_total counter\n"
		"ledgerd_checkpoints_total %" PRIu64 "\n", st.checkpoints);
	mprintf(&m, "# HELP ledgerd_checkpoint_size Size of the latest "
		"checkpoint.\n# TYPE ledgerd_checkpoint_size gauge\n"
		"ledgerd_checkpoint_size %" PRIu64 "\n", cp_size);
	mprintf(&m, "# HELP ledgerd_last_checkpoint_age_seconds Age of the "
		"latest checkpoint.\n"
		"# TYPE ledgerd_last_checkpoint_age_seconds gauge\n"
		"ledgerd_last_checkpoint_age_seconds %.0f\n", age);
	mprintf(&m, "# HELP ledgerd_rejected_events_total Events refused, by "
		"reason.\n# TYPE ledgerd_rejected_events_total counter\n");
	ledger_rejections(h->l, metric_reason, &m);
	if (!m.p)
		return reply_error(rp, 500, "metrics too large");
	return reply_body(rp, 200, "text/plain; version=0.0.4", m.p, m.len);
}

/* tlog-tiles (tiles.c): hash tiles and entry bundles. */
static int get_tile(struct ledger_http *h, const char *path,
		    struct ledger_httpd_reply *rp)
{
	char why[256];
	unsigned int code = ledger_tiles_get(h->l, thread_store(h), path, rp,
					     why, sizeof(why));

	return code ? reply_error(rp, code, "%s", why) : 0;
}

static void handle(void *ctx, const struct ledger_httpd_req *rq,
		   struct ledger_httpd_reply *rp)
{
	struct ledger_http *h = ctx;
	const char *url = rq->path;

	if (!strcmp(rq->method, "POST") && !strcmp(url, "/add-checkpoint"))
		post_add_checkpoint(h, rq, rp);
	else if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD"))
		reply_error(rp, 405, "only GET and HEAD (and POST /add-checkpoint)");
	else if (!strcmp(url, "/checkpoint"))
		get_checkpoint(h, rp);
	else if (!strcmp(url, "/entries"))
		get_entries(h, rq, rp);
	else if (!strcmp(url, "/proof/inclusion"))
		get_inclusion(h, rq, rp);
	else if (!strcmp(url, "/proof/consistency"))
		get_consistency(h, rq, rp);
	else if (!strncmp(url, "/keys/", 6))
		get_key(h, url + 6, rp);
	else if (!strcmp(url, "/devices"))
		get_devices(h, rp);
	else if (!strcmp(url, "/members"))
		get_members(h, rp);
	else if (!strcmp(url, "/health"))
		get_health(h, rp);
	else if (h->witness && !strcmp(url, ledger_witness_path(h->witness)))
		get_witness(h, rq, rp);
	else if (!strcmp(url, "/metrics"))
		get_metrics(h, rp);
	else if (!strncmp(url, "/tile/", 6))
		get_tile(h, url + 6, rp);
	else
		reply_error(rp, 404, "no such path: %s", url);
}

int ledger_http_start(struct ledger_http **out,
		      const struct ledger_http_opts *o, char *err,
		      size_t errlen)
{
	struct ledger_httpd_opts so = {
		.addr = o->addr,
		.port = o->port,
		.threads = o->threads,
		.handler = handle,
		.post_max = o->witness ? LEDGER_WITNESS_BODY_MAX : 0,
	};
	struct ledger_http *h;
	int ret;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->l = o->ledger;
	h->witness = o->witness;
	h->vkey = strdup(o->vkey ? o->vkey : "");
	h->started = time(NULL);
	if (!h->vkey || pthread_key_create(&h->store_key, free_store)) {
		free(h->vkey);
		free(h);
		return -ENOMEM;
	}
	so.ctx = h;
	ret = ledger_httpd_start(&h->d, &so, err, errlen);
	if (ret) {
		pthread_key_delete(h->store_key);
		free(h->vkey);
		free(h);
		return ret;
	}
	*out = h;
	return 0;
}

uint16_t ledger_http_port(struct ledger_http *h)
{
	return ledger_httpd_port(h->d);
}

void ledger_http_tick(struct ledger_http *h)
{
	struct ledger_stats st;
	struct timespec ts;
	double now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	ledger_get_stats(h->l, &st);
	if (h->tick_time > 0 && now > h->tick_time)
		atomic_store(&h->rate_milli,
			     (uint64_t)((double)(st.appended - h->tick_appended) *
					1000.0 / (now - h->tick_time)));
	h->tick_appended = st.appended;
	h->tick_time = now;
}

void ledger_http_stop(struct ledger_http *h)
{
	if (!h)
		return;
	ledger_httpd_stop(h->d);
	/* Thread-specific stores of the pool's threads are gone with them. */
	pthread_key_delete(h->store_key);
	free(h->vkey);
	free(h);
}
