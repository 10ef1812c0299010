// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * http.c - the HTTP API: checkpoints, entries, proofs, histories, metrics.
 *
 * Every route is a GET (HEAD too) with query parameters; structured
 * replies are JSON with every hash in lower-case hex, the checkpoint is
 * the signed note as text/plain and the metrics are Prometheus text. A bad
 * request gets 400 with {"error": "<why>"}, an unknown path 404, another
 * method 405. Proofs default to the size of the latest checkpoint, so a
 * client can check them against a signed root. ledgerd.8 documents it.
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

#include <jansson.h>
#include <microhttpd.h>

#include "entry.h"
#include "http.h"
#include "libszkm.h"

#define MAX_RANGE	1000
#define NOTE_MAX	4096

struct ledger_http {
	struct MHD_Daemon *d;
	struct ledger *l;
	char *db_path;
	char *vkey;
	pthread_key_t store_key;
	time_t started;
	/* appends/s over the last tick */
	uint64_t tick_appended;
	double tick_time;
	_Atomic uint64_t rate_milli;
	uint16_t port;
};

/* Helpers. */

static json_t *jhex(const uint8_t *p, size_t n)
{
	char buf[2 * 512 + 1];

	if (n > 512)
		return json_null();
	szkm_hex_encode(buf, p, n);
	return json_string(buf);
}

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

static enum MHD_Result send_body(struct MHD_Connection *c, unsigned int code,
				 const char *type, char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned int code,
				 json_t *j)
{
	char *s;

	if (!j)
		return MHD_NO;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s)
		return MHD_NO;
	/* jansson allocates with malloc by default: MHD may free() it. */
	return send_body(c, code, "application/json", s, strlen(s));
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned int code,
				  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned int code,
				  const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return send_json(c, code, json_pack("{s:s}", "error", msg));
}

static const char *arg(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* A u64 argument; @def when absent (has_def), else required. */
static int u64_arg(struct MHD_Connection *c, const char *name, bool has_def,
		   uint64_t def, uint64_t *out)
{
	const char *v = arg(c, name);

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
	if (ledger_store_open(&s, h->db_path, LEDGER_STORE_RDONLY, err,
			      sizeof(err)))
		return NULL;
	pthread_setspecific(h->store_key, s);
	return s;
}

static void free_store(void *s)
{
	ledger_store_close(s);
}

static uint64_t checkpoint_size(struct ledger_http *h)
{
	char note[NOTE_MAX];
	size_t len;
	uint64_t size = 0;

	if (ledger_checkpoint(h->l, note, sizeof(note), &len, &size, NULL))
		return 0;
	return size;
}

/* Entries as JSON. */

/* Who caused the event: null for format-1 events, which do not say. */
static json_t *actor_json(const struct szkm_event *ev)
{
	char comm[SZKM_COMM_LEN + 1];
	json_t *a;

	if (ev->actor == SZKM_ACTOR_KERNEL)
		return json_pack("{s:s}", "kind", "kernel");
	if (ev->actor != SZKM_ACTOR_PROCESS)
		return json_null();
	szkm_event_comm(ev, comm);
	a = json_pack("{s:s,s:I,s:I,s:s}", "kind", "process", "uid", (json_int_t)ev->uid,
		      "pid", (json_int_t)ev->pid, "comm", comm);
	json_object_set_new(a, "auid", ev->auid == SZKM_AUID_UNSET ? json_null() :
				       json_integer((json_int_t)ev->auid));
	return a;
}

static json_t *entry_json(const struct ledger_store_entry *se)
{
	struct ledger_entry e;
	const char *why = NULL;
	json_t *j = json_object();

	json_object_set_new(j, "index", json_integer((json_int_t)se->index));
	json_object_set_new(j, "leaf_hash", jhex(se->leaf, LEDGER_HASH_LEN));
	json_object_set_new(j, "data", jhex(se->data, se->len));
	if (ledger_entry_decode(se->data, se->len, &e, &why)) {
		json_object_set_new(j, "type", json_string("invalid"));
		json_object_set_new(j, "invalid", json_string(why ? why : "?"));
		return j;
	}
	if (e.type == LEDGER_ENTRY_ENROL) {
		json_object_set_new(j, "type", json_string("enrolment"));
		json_object_set_new(j, "device_id",
				    jhex(e.enrol.device_id, SZKM_DEVICE_ID_LEN));
		json_object_set_new(j, "name", json_string(e.enrol.name));
		json_object_set_new(j, "pubkey",
				    jhex(e.enrol.pubkey, SZKM_P256_PUB_LEN));
		json_object_set_new(j, "time_ns",
				    json_integer((json_int_t)e.enrol.time_ns));
		return j;
	}
	json_object_set_new(j, "type", json_string("event"));
	json_object_set_new(j, "event", json_string(
		szkm_event_type_name(e.event.type)));
	json_object_set_new(j, "device_id",
			    jhex(e.event.device_id, SZKM_DEVICE_ID_LEN));
	json_object_set_new(j, "seq", json_integer((json_int_t)e.event.seq));
	json_object_set_new(j, "event_hash", jhex(e.event.hash, 32));
	json_object_set_new(j, "prev_hash", jhex(e.event.prev_hash, 32));
	json_object_set_new(j, "time_ns",
			    json_integer((json_int_t)e.event.time_ns));
	json_object_set_new(j, "test_mode", json_boolean(
		e.event.flags & SZKM_EVF_TEST_MODE));
	json_object_set_new(j, "key_id", jhex(e.event.key_id, SZKM_KEY_ID_LEN));
	json_object_set_new(j, "name", json_string(e.event.name));
	json_object_set_new(j, "version", json_integer(e.event.version));
	json_object_set_new(j, "alg", json_string(szkm_alg_name(e.event.alg)));
	json_object_set_new(j, "state",
			    json_string(szkm_vstate_name(e.event.state)));
	json_object_set_new(j, "origin",
			    json_string(szkm_origin_name(e.event.origin)));
	json_object_set_new(j, "pubkey", e.event.pubkey ?
			    jhex(e.event.pubkey, SZKM_P256_PUB_LEN) :
			    json_null());
	json_object_set_new(j, "rotate_seconds",
			    json_integer((json_int_t)e.event.rotate_seconds));
	json_object_set_new(j, "max_uses",
			    json_integer((json_int_t)e.event.max_uses));
	json_object_set_new(j, "min_version",
			    json_integer(e.event.min_version));
	json_object_set_new(j, "ledger", json_string(
		e.event.ledger == SZKM_LEDGER_ASYNC ? "async" : "required"));
	json_object_set_new(j, "policy_digest",
			    jhex(e.event.policy_digest, 32));
	json_object_set_new(j, "actor", actor_json(&e.event));
	json_object_set_new(j, "signature", jhex(e.sig, SZKM_EVENT_SIG_LEN));
	return j;
}

static int collect_entry(void *ctx, const struct ledger_store_entry *se)
{
	return json_array_append_new(ctx, entry_json(se)) ? -ENOMEM : 0;
}

/* Routes. */

static enum MHD_Result get_checkpoint(struct ledger_http *h,
				      struct MHD_Connection *c)
{
	char *note = malloc(NOTE_MAX);
	size_t len;

	if (!note)
		return MHD_NO;
	if (ledger_checkpoint(h->l, note, NOTE_MAX, &len, NULL, NULL)) {
		free(note);
		return send_error(c, 503, "no checkpoint signed yet");
	}
	return send_body(c, 200, "text/plain; charset=utf-8", note, len);
}

static enum MHD_Result get_entries(struct ledger_http *h,
				   struct MHD_Connection *c)
{
	uint64_t size = ledger_size(h->l), start, end;
	struct ledger_store *s;
	json_t *arr;

	if (u64_arg(c, "start", false, 0, &start))
		return send_error(c, 400, "start: a decimal index is needed");
	if (u64_arg(c, "end", true, start + 100, &end))
		return send_error(c, 400, "end: not a decimal index");
	if (end > start && end - start > MAX_RANGE)
		return send_error(c, 400, "at most %d entries per request",
				  MAX_RANGE);
	if (end > size)
		end = size;
	if (start >= size || start >= end)
		return send_error(c, 400, "no entries in [%" PRIu64 ", %" PRIu64
				  "): the ledger has %" PRIu64, start, end,
				  size);
	s = thread_store(h);
	if (!s)
		return send_error(c, 500, "cannot open the database");
	arr = json_array();
	if (ledger_store_scan(s, start, end, collect_entry, arr)) {
		json_decref(arr);
		return send_error(c, 500, "database read failed");
	}
	return send_json(c, 200, json_pack("{s:I,s:o}", "size",
					   (json_int_t)size, "entries", arr));
}

static json_t *proof_json(uint8_t (*proof)[LEDGER_HASH_LEN], size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, jhex(proof[i], LEDGER_HASH_LEN));
	return a;
}

static enum MHD_Result get_inclusion(struct ledger_http *h,
				     struct MHD_Connection *c)
{
	uint8_t proof[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	uint8_t leaf[LEDGER_HASH_LEN], root[LEDGER_HASH_LEN];
	const char *hash = arg(c, "hash");
	uint64_t index, size;
	size_t n;
	int ret;

	if (u64_arg(c, "size", true, checkpoint_size(h), &size))
		return send_error(c, 400, "size: not a decimal tree size");
	if (hash) {
		struct ledger_store *s;

		if (arg(c, "index"))
			return send_error(c, 400, "give index or hash, not both");
		if (from_hex(hash, leaf, sizeof(leaf)))
			return send_error(c, 400, "hash: 64 hex digits needed");
		s = thread_store(h);
		if (!s)
			return send_error(c, 500, "cannot open the database");
		ret = ledger_store_find_leaf(s, leaf, &index);
		if (ret == -ENOENT)
			return send_error(c, 404, "no entry has leaf hash %s",
					  hash);
		if (ret)
			return send_error(c, 500, "database read failed");
	} else if (u64_arg(c, "index", false, 0, &index)) {
		return send_error(c, 400, "index or hash is needed");
	}
	if (size > ledger_size(h->l))
		return send_error(c, 400, "size %" PRIu64 " is beyond the "
				  "ledger (%" PRIu64 ")", size,
				  ledger_size(h->l));
	if (index >= size)
		return send_error(c, 400, "index %" PRIu64 " is not in a tree "
				  "of size %" PRIu64, index, size);
	ret = ledger_inclusion(h->l, index, size, proof, &n);
	if (!ret)
		ret = ledger_leaf_hash(h->l, index, leaf);
	if (!ret)
		ret = ledger_root(h->l, size, root);
	if (ret)
		return send_error(c, 500, "proof failed: %s", strerror(-ret));
	return send_json(c, 200, json_pack("{s:I,s:I,s:o,s:o,s:o}", "index",
					   (json_int_t)index, "size",
					   (json_int_t)size, "leaf_hash",
					   jhex(leaf, sizeof(leaf)), "root",
					   jhex(root, sizeof(root)), "proof",
					   proof_json(proof, n)));
}

static enum MHD_Result get_consistency(struct ledger_http *h,
				       struct MHD_Connection *c)
{
	uint8_t proof[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	uint8_t old_root[LEDGER_HASH_LEN], new_root[LEDGER_HASH_LEN];
	uint64_t old_size, new_size;
	size_t n;
	int ret;

	if (u64_arg(c, "old", false, 0, &old_size))
		return send_error(c, 400, "old: a decimal tree size is needed");
	if (u64_arg(c, "new", true, checkpoint_size(h), &new_size))
		return send_error(c, 400, "new: not a decimal tree size");
	if (old_size == 0 || old_size > new_size)
		return send_error(c, 400, "need 0 < old <= new (old %" PRIu64
				  ", new %" PRIu64 ")", old_size, new_size);
	if (new_size > ledger_size(h->l))
		return send_error(c, 400, "new %" PRIu64 " is beyond the "
				  "ledger (%" PRIu64 ")", new_size,
				  ledger_size(h->l));
	ret = ledger_consistency(h->l, old_size, new_size, proof, &n);
	if (!ret)
		ret = ledger_root(h->l, old_size, old_root);
	if (!ret)
		ret = ledger_root(h->l, new_size, new_root);
	if (ret)
		return send_error(c, 500, "proof failed: %s", strerror(-ret));
	return send_json(c, 200, json_pack("{s:I,s:I,s:o,s:o,s:o}", "old",
					   (json_int_t)old_size, "new",
					   (json_int_t)new_size, "old_root",
					   jhex(old_root, 32), "new_root",
					   jhex(new_root, 32), "proof",
					   proof_json(proof, n)));
}

static enum MHD_Result get_key(struct ledger_http *h, struct MHD_Connection *c,
			       const char *idhex)
{
	uint8_t id[SZKM_KEY_ID_LEN];
	struct ledger_store *s;
	json_t *arr;

	if (from_hex(idhex, id, sizeof(id)))
		return send_error(c, 400, "a key id is 32 hex digits");
	s = thread_store(h);
	if (!s)
		return send_error(c, 500, "cannot open the database");
	arr = json_array();
	if (ledger_store_key_history(s, id, ledger_size(h->l), collect_entry,
				     arr)) {
		json_decref(arr);
		return send_error(c, 500, "database read failed");
	}
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return send_error(c, 404, "no entry names key %s", idhex);
	}
	return send_json(c, 200, json_pack("{s:s,s:o}", "key_id", idhex,
					   "entries", arr));
}

static int collect_device(void *ctx, const struct ledger_store_device *d)
{
	json_t *j = json_pack("{s:o,s:s,s:o,s:I,s:I,s:o}", "device_id",
			      jhex(d->id, sizeof(d->id)), "name", d->name,
			      "pubkey", jhex(d->pubkey, sizeof(d->pubkey)),
			      "enrolled_index", (json_int_t)d->enrolled_index,
			      "last_seq", (json_int_t)d->last_seq,
			      "last_event_hash",
			      d->last_seq ? jhex(d->last_hash, 32) :
					    json_null());

	return json_array_append_new(ctx, j) ? -ENOMEM : 0;
}

static enum MHD_Result get_devices(struct ledger_http *h,
				   struct MHD_Connection *c)
{
	struct ledger_store *s = thread_store(h);
	json_t *arr;

	if (!s)
		return send_error(c, 500, "cannot open the database");
	arr = json_array();
	if (ledger_store_devices(s, collect_device, arr)) {
		json_decref(arr);
		return send_error(c, 500, "database read failed");
	}
	return send_json(c, 200, json_pack("{s:o}", "devices", arr));
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

static enum MHD_Result get_health(struct ledger_http *h,
				  struct MHD_Connection *c)
{
	uint64_t cp_size = 0;
	double age = checkpoint_age(h, &cp_size);

	return send_json(c, 200, json_pack(
		"{s:s,s:I,s:I,s:f,s:s,s:I}", "status", "ok", "size",
		(json_int_t)ledger_size(h->l), "checkpoint_size",
		(json_int_t)cp_size, "checkpoint_age_seconds", age, "vkey",
		h->vkey, "uptime_seconds",
		(json_int_t)(time(NULL) - h->started)));
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

static enum MHD_Result get_metrics(struct ledger_http *h,
				   struct MHD_Connection *c)
{
	struct metrics_buf m = { malloc(16384), 0, 16384 };
	struct ledger_stats st;
	uint64_t cp_size = 0;
	double age = checkpoint_age(h, &cp_size);

	ledger_get_stats(h->l, &st);
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
		return send_error(c, 500, "metrics too large");
	return send_body(c, 200, "text/plain; version=0.0.4", m.p, m.len);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	struct ledger_http *h = cls;

	(void)version;
	(void)upload;
	if (!*state) {
		/* First call: headers only. Answer on the second. */
		*state = h;
		return MHD_YES;
	}
	if (*upload_size)
		return send_error(c, 400, "no request body is accepted");
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return send_error(c, 405, "only GET and HEAD");
	if (!strcmp(url, "/checkpoint"))
		return get_checkpoint(h, c);
	if (!strcmp(url, "/entries"))
		return get_entries(h, c);
	if (!strcmp(url, "/proof/inclusion"))
		return get_inclusion(h, c);
	if (!strcmp(url, "/proof/consistency"))
		return get_consistency(h, c);
	if (!strncmp(url, "/keys/", 6))
		return get_key(h, c, url + 6);
	if (!strcmp(url, "/devices"))
		return get_devices(h, c);
	if (!strcmp(url, "/health"))
		return get_health(h, c);
	if (!strcmp(url, "/metrics"))
		return get_metrics(h, c);
	return send_error(c, 404, "no such path: %s", url);
}

int ledger_http_start(struct ledger_http **out,
		      const struct ledger_http_opts *o, char *err,
		      size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
	const union MHD_DaemonInfo *info;
	struct ledger_http *h;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	if (inet_pton(AF_INET, o->addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(o->port);
	} else if (inet_pton(AF_INET6, o->addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(o->port);
		flags |= MHD_USE_IPv6;
	} else {
		free(h);
		snprintf(err, errlen, "http address '%s' is not a numeric "
			 "IPv4 or IPv6 address", o->addr);
		return -EINVAL;
	}
	h->l = o->ledger;
	h->db_path = strdup(o->db_path);
	h->vkey = strdup(o->vkey ? o->vkey : "");
	h->started = time(NULL);
	if (!h->db_path || !h->vkey ||
	    pthread_key_create(&h->store_key, free_store)) {
		free(h->db_path);
		free(h->vkey);
		free(h);
		return -ENOMEM;
	}
	h->d = MHD_start_daemon(flags, o->port, NULL, NULL, handle, h,
				MHD_OPTION_SOCK_ADDR, &ss,
				MHD_OPTION_THREAD_POOL_SIZE,
				(unsigned int)(o->threads ? o->threads : 2),
				MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen, "cannot listen on %s port %u", o->addr,
			 o->port);
		pthread_key_delete(h->store_key);
		free(h->db_path);
		free(h->vkey);
		free(h);
		return -EADDRINUSE;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : o->port;
	*out = h;
	return 0;
}

uint16_t ledger_http_port(struct ledger_http *h)
{
	return h->port;
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
	MHD_stop_daemon(h->d);
	/* Thread-specific stores of the pool's threads are gone with them. */
	pthread_key_delete(h->store_key);
	free(h->db_path);
	free(h->vkey);
	free(h);
}
