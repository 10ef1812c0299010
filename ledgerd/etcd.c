// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * etcd.c - the entries' order in etcd, through its v3 JSON gateway
 * (etcd.h). Every answer is parsed as untrusted: a field of the wrong
 * type, a key that is not the one asked for, a value that is not
 * canonical base64 or not a possible entry, is -EBADMSG, never a crash.
 * A node may name several members of the cluster: a request goes to the
 * member in use and moves to the next one when that cannot be reached
 * (call()); an append that may or may not have landed is read back before
 * it is tried again (check_landed()), on whichever member answers.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "entry.h"
#include "etcd.h"
#include "fetch.h"
#include "note.h"

/* A read asks for the blocks holding at most this many entries. */
#define READ_MAX	1024
/* Blocks that start in a read's window: up to 2 * READ_MAX entries. */
#define ANSWER_MAX	(16u << 20)
#define KEY_MAX		600
/* Members of one cluster a node may name (etcd advises 3, 5 or 7). */
#define ENDPOINTS_MAX	7

struct ledger_etcd {
	struct ledger_fetch *f;
	char base[ENDPOINTS_MAX][300];	/* http://host:port */
	size_t n, cur;		/* endpoints, the one in use */
	char prefix[256];	/* the URLs' path, no trailing '/' */
	char err[512];
	bool have_read;
	uint64_t head;		/* the head as last read or appended */
	int64_t head_rev;	/* its mod_revision (0: no head key yet) */
	/* The audit: entries below audited stood unchanged at audit_rev. */
	uint64_t audited;
	uint64_t audit_rev;	/* 0: not audited yet */
	uint64_t audit_blocks;	/* the blocks below audited */
	uint64_t audit_end;	/* where the last of them ends */
	uint8_t *block;		/* a block's value, decoded */
};

static int fail(struct ledger_etcd *g, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct ledger_etcd *g, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->err, sizeof(g->err), fmt, ap);
	va_end(ap);
	return ret;
}

/* One endpoint, http://host:port/prefix, into @base and @prefix. */
static int parse_endpoint(const char *url, size_t ulen, char *base,
			  size_t bcap, char *prefix, size_t pcap, char *err,
			  size_t errlen)
{
	const char *host, *path, *end = url + ulen;
	size_t blen, plen;

	if ((ulen < 7 || strncmp(url, "http://", 7)) &&
	    (ulen < 8 || strncmp(url, "https://", 8))) {
		snprintf(err, errlen, "etcd '%.*s': not an http:// URL",
			 (int)(ulen > 200 ? 200 : ulen), url);
		return -EINVAL;
	}
	host = strstr(url, "://") + 3;
	path = memchr(host, '/', (size_t)(end - host));
	if (!path)
		path = end;
	blen = (size_t)(path - url);
	plen = (size_t)(end - path);
	while (plen && path[plen - 1] == '/')
		plen--;
	if (path == host || blen >= bcap || plen >= pcap ||
	    memchr(url, '?', ulen) || memchr(url, '#', ulen) ||
	    memchr(url, ' ', ulen)) {
		snprintf(err, errlen, "etcd '%.*s': expected http://host:port/prefix",
			 (int)(ulen > 200 ? 200 : ulen), url);
		return -EINVAL;
	}
	memcpy(base, url, blen);
	base[blen] = 0;
	memcpy(prefix, path, plen);
	prefix[plen] = 0;
	return 0;
}

int ledger_etcd_open(struct ledger_etcd **out, const char *urls,
		     long timeout_ms, char *err, size_t errlen)
{
	struct ledger_etcd *g;
	char prefix[sizeof(g->prefix)];
	const char *p = urls;

	g = calloc(1, sizeof(*g));
	if (!g || !(g->block = malloc(LEDGER_ETCD_BLOCK_BYTES))) {
		free(g);
		return -ENOMEM;
	}
	for (;;) {
		size_t len = strcspn(p, ",");

		if (g->n == ENDPOINTS_MAX) {
			snprintf(err, errlen, "etcd: more than %d endpoints",
				 ENDPOINTS_MAX);
			goto bad;
		}
		if (parse_endpoint(p, len, g->base[g->n], sizeof(g->base[0]),
				   prefix, sizeof(prefix), err, errlen))
			goto bad;
		if (g->n && strcmp(prefix, g->prefix)) {
			snprintf(err, errlen, "etcd: the endpoints name different "
				 "prefixes ('%s', '%s'): one cluster, one prefix",
				 g->prefix, prefix);
			goto bad;
		}
		memcpy(g->prefix, prefix, sizeof(prefix));
		g->n++;
		if (!p[len])
			break;
		p += len + 1;
	}
	if (ledger_fetch_new(&g->f, timeout_ms)) {
		snprintf(err, errlen, "cannot set up libcurl");
		ledger_etcd_close(g);
		return -ENOMEM;
	}
	*out = g;
	return 0;
bad:
	ledger_etcd_close(g);
	return -EINVAL;
}

int ledger_etcd_tls(struct ledger_etcd *g, const char *ca, const char *cert,
		    const char *key)
{
	return ledger_fetch_tls(g->f, ca, cert, key);
}

void ledger_etcd_close(struct ledger_etcd *g)
{
	if (!g)
		return;
	ledger_fetch_free(g->f);
	free(g->block);
	free(g);
}

const char *ledger_etcd_error(const struct ledger_etcd *g)
{
	return g->err;
}

/* Keys. */

static void head_key(const struct ledger_etcd *g, char *k)
{
	snprintf(k, KEY_MAX, "%s/head", g->prefix);
}

static void entry_key(const struct ledger_etcd *g, uint64_t i, char *k)
{
	snprintf(k, KEY_MAX, "%s/entries/%020" PRIu64, g->prefix, i);
}

/* A new JSON string holding base64(@p, @n); NULL when out of memory. */
static json_t *b64_json(const void *p, size_t n)
{
	size_t len = ledger_b64_len(n);
	char *s = malloc(len + 1);
	json_t *j;

	if (!s)
		return NULL;
	ledger_b64_encode(p, n, s);
	s[len] = 0;
	j = json_stringn(s, len);
	free(s);
	return j;
}

static json_t *b64_str(const char *s)
{
	return b64_json(s, strlen(s));
}

/* Answers. */

/* etcd's int64 fields come as decimal strings (absent when zero). */
static int json_u64(const json_t *o, const char *name, uint64_t *v)
{
	const json_t *j = json_object_get(o, name);
	const char *s;
	char *end;

	*v = 0;
	if (!j)
		return 0;
	if (json_is_integer(j) && json_integer_value(j) >= 0) {
		*v = (uint64_t)json_integer_value(j);
		return 0;
	}
	if (!json_is_string(j))
		return -EBADMSG;
	s = json_string_value(j);
	if (!*s || *s == '-' || *s == '+' || strlen(s) > 20 ||
	    (s[0] == '0' && s[1]))
		return -EBADMSG;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EBADMSG : 0;
}

/* A base64 field into @out (at most @cap bytes). */
static int json_b64(const json_t *o, const char *name, uint8_t *out,
		    size_t cap, size_t *len)
{
	const json_t *j = json_object_get(o, name);

	*len = 0;
	if (!j)
		return 0;	/* an empty value is left out */
	if (!json_is_string(j))
		return -EBADMSG;
	return ledger_b64_decode(json_string_value(j), json_string_length(j),
				 out, cap, len) ? -EBADMSG : 0;
}

/*
 * POSTs @body to @api at endpoint @e; parses the answer into *@ans. 0,
 * -EBADMSG for an answer that is not a JSON object, -EREMOTEIO for an
 * error etcd reported (HTTP 4xx: the request was refused, nothing done),
 * or the transport's error (fetch.h), 5xx being -EIO (may or may not be
 * done).
 */
static int call_one(struct ledger_etcd *g, size_t e, const char *api,
		    const char *body, json_t **ans)
{
	char url[sizeof(g->base[0]) + 32];
	const char *out;
	json_error_t je;
	size_t len;
	long status = 0;
	int ret;

	snprintf(url, sizeof(url), "%s%s", g->base[e], api);
	ret = ledger_fetch(g->f, url, body, ANSWER_MAX, &out, &len, &status);
	if (ret)
		return fail(g, ret, "etcd at %s: %s", g->base[e],
			    ledger_fetch_error(g->f));
	if (status >= 400 && status < 500)
		return fail(g, -EREMOTEIO, "etcd at %s refused a request (HTTP %ld): %.200s",
			    g->base[e], status, out);
	if (status != 200)
		return fail(g, -EIO, "etcd at %s answered HTTP %ld: %.200s",
			    g->base[e], status, out);
	*ans = json_loadb(out, len, JSON_REJECT_DUPLICATES, &je);
	if (!*ans || !json_is_object(*ans)) {
		json_decref(*ans);
		*ans = NULL;
		return fail(g, -EBADMSG, "etcd at %s: not a JSON object", g->base[e]);
	}
	return 0;
}

/*
 * Every endpoint failed a request (the last with @ret, @why): says which
 * case it is. A member's /v3/maintenance/status is answered by the member
 * alone, without consensus, and names its leader (none: "leader" absent
 * or 0). Members that answer but know no leader are a cluster without a
 * quorum; no answer at all is no etcd reachable.
 */
static int no_endpoint(struct ledger_etcd *g, int ret, const char *why)
{
	char url[sizeof(g->base[0]) + 32], last[sizeof(g->err)];
	size_t up = 0, led = 0;

	memcpy(last, why, sizeof(last));
	for (size_t e = 0; e < g->n; e++) {
		const char *out;
		uint64_t leader = 0;
		long status = 0;
		size_t len;
		json_t *j;

		snprintf(url, sizeof(url), "%s/v3/maintenance/status", g->base[e]);
		if (ledger_fetch(g->f, url, "{}", 65536, &out, &len, &status) ||
		    status != 200)
			continue;
		up++;
		j = json_loadb(out, len, 0, NULL);
		if (json_is_object(j) && !json_u64(j, "leader", &leader) && leader)
			led++;
		json_decref(j);
	}
	if (!up)
		return fail(g, ret, "etcd: no endpoint answers (%zu tried; last: %.300s)",
			    g->n, last);
	if (!led)
		return fail(g, ret, "etcd: no quorum: %zu of %zu endpoints answer but "
			    "know no leader (last: %.300s)", up, g->n, last);
	return fail(g, ret, "etcd: every endpoint failed the request (%zu of %zu "
		    "answer, with a leader; last: %.300s)", up, g->n, last);
}

/*
 * POSTs @req to @api, at the endpoint in use and, when it cannot be
 * reached, at the next ones. A request that was not sent (connection
 * refused) moves on to the next endpoint; one that may have been acted on
 * (timeout, HTTP 5xx, a broken connection) moves on only if @idempotent,
 * and otherwise returns its error having made the next endpoint the one in
 * use, so that the caller's read-back (check_landed) asks another member.
 * Returns as call_one(); when no endpoint could do it, the error says
 * whether none answered or the cluster has no quorum.
 */
static int call(struct ledger_etcd *g, const char *api, json_t *req,
		json_t **ans, bool idempotent)
{
	char *body;
	int ret = -ECONNREFUSED;

	*ans = NULL;
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!body)
		return fail(g, -ENOMEM, "out of memory");
	for (size_t tried = 0; tried < g->n; tried++) {
		ret = call_one(g, g->cur, api, body, ans);
		if (ret != -ECONNREFUSED && ret != -ETIMEDOUT && ret != -EIO)
			goto out;	/* done, or refused by etcd itself */
		g->cur = (g->cur + 1) % g->n;
		if (ret != -ECONNREFUSED && !idempotent)
			goto out;
	}
	ret = no_endpoint(g, ret, g->err);
out:
	free(body);
	return ret;
}

/* The kvs of a range response; NULL (none) when absent. */
static int range_kvs(const json_t *resp, const json_t **kvs)
{
	const json_t *r = json_object_get(resp, "response_range");

	if (!json_is_object(r))
		return -EBADMSG;
	*kvs = json_object_get(r, "kvs");
	return !*kvs || json_is_array(*kvs) ? 0 : -EBADMSG;
}

/* A count_only range's count. */
static int range_count(const json_t *resp, uint64_t *count)
{
	const json_t *r = json_object_get(resp, "response_range");

	return json_is_object(r) ? json_u64(r, "count", count) : -EBADMSG;
}

/* Is @kv's key exactly @want? */
static bool key_is(const json_t *kv, const char *want)
{
	uint8_t k[KEY_MAX];
	size_t n;

	return !json_b64(kv, "key", k, sizeof(k), &n) && n == strlen(want) &&
	       !memcmp(k, want, n);
}

static json_t *range_op(const char *key, const char *end)
{
	json_t *r = json_pack("{s:o}", "key", b64_str(key));

	if (r && end)
		json_object_set_new(r, "range_end", b64_str(end));
	return json_pack("{s:o}", "request_range", r);
}

static int parse_head(struct ledger_etcd *g, const json_t *kvs, uint64_t *head,
		      int64_t *rev)
{
	char key[KEY_MAX], s[24];
	const json_t *kv;
	uint64_t r;
	size_t n;
	char *end;

	*head = 0;
	*rev = 0;
	if (json_array_size(kvs) == 0)
		return 0;
	head_key(g, key);
	kv = json_array_get(kvs, 0);
	if (json_array_size(kvs) != 1 || !json_is_object(kv) || !key_is(kv, key) ||
	    json_b64(kv, "value", (uint8_t *)s, sizeof(s) - 1, &n) ||
	    json_u64(kv, "mod_revision", &r) || !r || r > INT64_MAX)
		return fail(g, -EBADMSG, "etcd: malformed head key %s", key);
	s[n] = 0;
	errno = 0;
	*head = strtoull(s, &end, 10);
	if (!n || errno || *end || s[0] == '-' || s[0] == '+' ||
	    (s[0] == '0' && s[1]))
		return fail(g, -EBADMSG, "etcd: head key %s holds '%.20s', not a size",
			    key, s);
	*rev = (int64_t)r;
	return 0;
}

/* The index of entry key @kv, if it is one of ours below @below. */
static int kv_index(const struct ledger_etcd *g, const json_t *kv,
		    uint64_t below, uint64_t *index)
{
	char key[KEY_MAX], want[KEY_MAX];
	size_t n, plen;
	char *end;

	entry_key(g, 0, want);
	plen = strlen(want) - 20;
	if (json_b64(kv, "key", (uint8_t *)key, sizeof(key) - 1, &n) ||
	    n != plen + 20 || memcmp(key, want, plen))
		return -EBADMSG;
	key[n] = 0;
	if (strspn(key + plen, "0123456789") != 20)
		return -EBADMSG;
	errno = 0;
	*index = strtoull(key + plen, &end, 10);
	return errno || *index >= below ? -EBADMSG : 0;
}

/* The blocks. */

size_t ledger_etcd_block_size(const struct ledger_etcd_item *items, size_t n)
{
	size_t len = 0;

	if (n == 0 || n > LEDGER_ETCD_BLOCK_ENTRIES)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (items[i].len == 0 || items[i].len > LEDGER_ENTRY_MAX_LEN)
			return 0;
		len += 4 + items[i].len;
	}
	return len <= LEDGER_ETCD_BLOCK_BYTES ? len : 0;
}

void ledger_etcd_block_encode(const struct ledger_etcd_item *items, size_t n,
			      uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t len = (uint32_t)items[i].len;

		out[0] = len >> 24;
		out[1] = len >> 16;
		out[2] = len >> 8;
		out[3] = len;
		memcpy(out + 4, items[i].data, len);
		out += 4 + len;
	}
}

/* The length of the entry at @off of block @v; 0: malformed. */
static size_t block_next(const uint8_t *v, size_t len, size_t off)
{
	uint32_t n;

	if (len - off < 4)
		return 0;
	n = (uint32_t)v[off] << 24 | (uint32_t)v[off + 1] << 16 |
	    (uint32_t)v[off + 2] << 8 | v[off + 3];
	return n && n <= LEDGER_ENTRY_MAX_LEN && n <= len - off - 4 ? n : 0;
}

int ledger_etcd_block_walk(const uint8_t *v, size_t len, uint64_t first,
			   uint64_t from, uint64_t to, ledger_etcd_entry_cb cb,
			   void *ctx, size_t *count)
{
	size_t n = 0, off, el;
	int ret;

	*count = 0;
	if (len == 0 || len > LEDGER_ETCD_BLOCK_BYTES)
		return -EBADMSG;
	for (off = 0; off < len; off += 4 + el, n++)
		if (n == LEDGER_ETCD_BLOCK_ENTRIES ||
		    !(el = block_next(v, len, off)))
			return -EBADMSG;
	if (first > UINT64_MAX - n)
		return -EBADMSG;
	*count = n;
	for (off = 0, n = 0; off < len; off += 4 + el, n++) {
		el = block_next(v, len, off);
		if (first + n >= from && first + n < to &&
		    (ret = cb(ctx, first + n, v + off + 4, el)))
			return ret;
	}
	return 0;
}

/* Block @kv's first index (below @below) and value, into g->block. */
static int kv_block(struct ledger_etcd *g, const json_t *kv, uint64_t below,
		    uint64_t *first, size_t *len)
{
	if (!json_is_object(kv) || kv_index(g, kv, below, first))
		return fail(g, -EBADMSG, "etcd: a key under entries/ is not "
			    "one of a block below %" PRIu64, below);
	if (json_b64(kv, "value", g->block, LEDGER_ETCD_BLOCK_BYTES, len))
		return fail(g, -EBADMSG, "etcd: block %" PRIu64 " is not base64 "
			    "of at most %u bytes", *first, LEDGER_ETCD_BLOCK_BYTES);
	return 0;
}

int ledger_etcd_read(struct ledger_etcd *g, uint64_t from, size_t max,
		     ledger_etcd_entry_cb cb, void *ctx, uint64_t *head)
{
	char hk[KEY_MAX], k0[KEY_MAX], k1[KEY_MAX];
	const json_t *resps, *kvs;
	uint64_t lo, end = 0, first;
	json_t *ans, *req;
	int64_t rev;
	size_t n, len;
	int ret;

	if (max > READ_MAX)
		max = READ_MAX;
	if (max == 0 || from > UINT64_MAX - max)
		return -EINVAL;
	/* The block holding @from starts at most a block's length before. */
	lo = from >= LEDGER_ETCD_BLOCK_ENTRIES ? from - (LEDGER_ETCD_BLOCK_ENTRIES - 1) : 0;
	head_key(g, hk);
	entry_key(g, lo, k0);
	entry_key(g, from + max, k1);
	req = json_pack("{s:[o,o]}", "success", range_op(hk, NULL),
			range_op(k0, k1));
	if (!req)
		return fail(g, -ENOMEM, "out of memory");
	ret = call(g, "/v3/kv/txn", req, &ans, true);
	if (ret)
		return ret;
	resps = json_object_get(ans, "responses");
	ret = -EBADMSG;
	if (!json_is_array(resps) || json_array_size(resps) != 2 ||
	    range_kvs(json_array_get(resps, 0), &kvs)) {
		fail(g, ret, "etcd: malformed answer to a read");
		goto out;
	}
	if (parse_head(g, kvs, head, &rev))
		goto out;
	if (*head < from) {
		fail(g, ret, "etcd's head says %" PRIu64 " entries, fewer than the "
		     "%" PRIu64 " this node validated", *head, from);
		goto out;
	}
	if (range_kvs(json_array_get(resps, 1), &kvs)) {
		fail(g, ret, "etcd: malformed answer to a read");
		goto out;
	}
	/* Each block follows the one before (the first holds @from), ends
	 * at most at the head, and is handed on once it is known to. */
	for (size_t i = 0; i < json_array_size(kvs); i++) {
		if (kv_block(g, json_array_get(kvs, i), from + max, &first, &len))
			goto out;
		if (ledger_etcd_block_walk(g->block, len, first, 0, 0, NULL,
					   NULL, &n)) {
			fail(g, ret, "etcd: block %" PRIu64 " is malformed", first);
			goto out;
		}
		if ((i && first != end) || (!i && first > from) ||
		    first + n > *head) {
			fail(g, ret, "etcd's block %" PRIu64 " of %zu entries "
			     "does not follow the one before (to %" PRIu64 ") or "
			     "lies past the head (%" PRIu64 "): the log is not "
			     "contiguous", first, n, end, *head);
			goto out;
		}
		end = first + n;
		ret = ledger_etcd_block_walk(g->block, len, first, from,
					     UINT64_MAX, cb, ctx, &n);
		if (ret)
			goto out;
		ret = -EBADMSG;
	}
	if (end < from)
		end = from;
	if (end < *head && end < from + max) {
		fail(g, ret, "etcd holds entries %" PRIu64 " to %" PRIu64 " where "
		     "its head (%" PRIu64 ") needs them to %" PRIu64 ": the log "
		     "is not contiguous", from, end, *head,
		     *head < from + max ? *head : from + max);
		goto out;
	}
	g->have_read = true;
	g->head = *head;
	g->head_rev = rev;
	ret = 0;
out:
	json_decref(ans);
	return ret;
}

struct audit_ctx {
	ledger_etcd_entry_cb cb;
	void *ctx;
	uint64_t at;		/* the entry that differs */
};

static int audit_one(void *arg, uint64_t index, const uint8_t *data,
		     size_t len)
{
	struct audit_ctx *a = arg;

	if (!a->cb(a->ctx, index, data, len))
		return 0;
	a->at = index;
	return 1;
}

/* Compares a block's entries below @size with what the node validated. */
static int audit_block(struct ledger_etcd *g, const json_t *kv, uint64_t size,
		       struct audit_ctx *a, uint64_t *first, size_t *n,
		       uint64_t *bad)
{
	size_t len;
	int ret = kv_block(g, kv, size, first, &len);

	if (ret)
		return ret;
	a->at = UINT64_MAX;
	ret = ledger_etcd_block_walk(g->block, len, *first, 0, size, audit_one, a, n);
	if (ret && a->at == UINT64_MAX)
		return fail(g, -EBADMSG, "etcd: block %" PRIu64 " is malformed", *first);
	if (ret) {
		*bad = a->at;
		return fail(g, -EBADMSG, "entry %" PRIu64 " in etcd was replaced after "
			    "this node validated it: the history was rewritten", *bad);
	}
	return 0;
}

int ledger_etcd_audit(struct ledger_etcd *g, uint64_t size,
		      ledger_etcd_entry_cb cb, void *ctx, uint64_t *bad)
{
	char k0[KEY_MAX], k1[KEY_MAX], kf[KEY_MAX], rev[24];
	const json_t *resps, *kvs, *fkvs;
	json_t *ans, *req, *changed, *all, *fresh;
	struct audit_ctx a = { cb, ctx, 0 };
	uint64_t count, hrev, first, from, end;
	size_t n;
	int ret;

	*bad = UINT64_MAX;
	/* The blocks since the last audit: from where its blocks ended (the
	 * first audit: those that may hold the last entry, to learn that). */
	from = g->audit_rev ? g->audit_end :
	       size >= LEDGER_ETCD_BLOCK_ENTRIES ? size - LEDGER_ETCD_BLOCK_ENTRIES : 0;
	if (from > size)
		from = size;
	entry_key(g, 0, k0);
	entry_key(g, size, k1);
	entry_key(g, from, kf);
	snprintf(rev, sizeof(rev), "%" PRIu64, g->audit_rev + 1);
	changed = range_op(k0, k1);
	all = range_op(k0, k1);
	fresh = range_op(kf, k1);
	req = json_pack("{s:[o,o,o]}", "success", changed, all, fresh);
	if (!req)
		return fail(g, -ENOMEM, "out of memory");
	/* The first audit trusts what it finds below the last entry. */
	json_object_set_new(json_object_get(changed, "request_range"),
			    g->audit_rev ? "min_mod_revision" : "count_only",
			    g->audit_rev ? json_string(rev) : json_true());
	json_object_set_new(json_object_get(all, "request_range"), "count_only",
			    json_true());
	ret = call(g, "/v3/kv/txn", req, &ans, true);
	if (ret)
		return ret;
	ret = fail(g, -EBADMSG, "etcd: malformed answer to an audit");
	resps = json_object_get(ans, "responses");
	if (!json_is_array(resps) || json_array_size(resps) != 3 ||
	    range_kvs(json_array_get(resps, 0), &kvs) ||
	    range_count(json_array_get(resps, 1), &count) ||
	    range_kvs(json_array_get(resps, 2), &fkvs) ||
	    json_u64(json_object_get(ans, "header"), "revision", &hrev) || !hrev)
		goto out;
	/* Every entry written since must be what this node validated, and
	 * below the last audit nothing may be written again, even the same
	 * bytes. */
	for (size_t i = 0; i < json_array_size(kvs); i++) {
		const json_t *kv = json_array_get(kvs, i);

		/* A new block: compared with the blocks since, below. */
		if (!kv_index(g, kv, size, &first) && first >= from)
			continue;
		ret = audit_block(g, kv, size, &a, &first, &n, bad);
		if (ret)
			goto out;
		if (first < g->audited) {
			*bad = first;
			ret = fail(g, -EBADMSG, "entry %" PRIu64 " in etcd was replaced "
				   "after this node validated it: the history was "
				   "rewritten", first);
			goto out;
		}
	}
	/* The blocks since go on from the last audit's with no gap, up to
	 * this node's size (a block deleted since is missing here), and the
	 * older ones are all still there (one deleted: the count drops). */
	end = from;
	for (size_t i = 0; i < json_array_size(fkvs); i++) {
		ret = audit_block(g, json_array_get(fkvs, i), size, &a, &first, &n, bad);
		if (ret)
			goto out;
		if ((i || g->audit_rev) && first != end)
			break;
		end = first + n;
	}
	if (size && (end < size || (!g->audit_rev && !json_array_size(fkvs)))) {
		*bad = end;
		ret = fail(g, -EBADMSG, "etcd no longer holds entry %" PRIu64 " below "
			   "this node's %" PRIu64 ": blocks this node validated "
			   "were deleted", end, size);
		goto out;
	}
	if (g->audit_rev &&
	    count != g->audit_blocks + json_array_size(fkvs)) {
		*bad = 0;
		ret = fail(g, -EBADMSG, "etcd holds %" PRIu64 " blocks below entry "
			   "%" PRIu64 " where this node counted %" PRIu64 ": blocks "
			   "this node validated were deleted", count, size,
			   g->audit_blocks + (uint64_t)json_array_size(fkvs));
		goto out;
	}
	g->audited = size;
	if (json_array_size(fkvs))
		g->audit_end = end;	/* else where it was (0 at first) */
	g->audit_rev = hrev;
	g->audit_blocks = count;
	ret = 0;
out:
	json_decref(ans);
	return ret;
}

/* One transaction: the block of entries @from.., and the head, if nobody
 * moved it. */
static int txn_append(struct ledger_etcd *g, uint64_t from,
		      const struct ledger_etcd_item *items, size_t n,
		      size_t blen)
{
	char hk[KEY_MAX], k[KEY_MAX], num[24];
	json_t *req, *ans, *puts, *cmp;
	uint64_t rev;
	int ret;

	head_key(g, hk);
	entry_key(g, from, k);
	snprintf(num, sizeof(num), "%" PRId64, g->head_rev);
	cmp = json_pack("[{s:o,s:s,s:s,s:s},{s:o,s:s,s:s,s:s}]",
			"key", b64_str(hk), "target", "MOD", "result", "EQUAL",
			"mod_revision", num,
			"key", b64_str(k), "target", "CREATE", "result", "EQUAL",
			"create_revision", "0");
	ledger_etcd_block_encode(items, n, g->block);
	snprintf(num, sizeof(num), "%" PRIu64, from + n);
	puts = json_pack("[{s:{s:o,s:o}},{s:{s:o,s:o}}]",
			 "request_put", "key", b64_str(k),
			 "value", b64_json(g->block, blen),
			 "request_put", "key", b64_str(hk), "value", b64_str(num));
	req = json_pack("{s:o,s:o}", "compare", cmp, "success", puts);
	if (!req)
		return fail(g, -ENOMEM, "out of memory");
	ret = call(g, "/v3/kv/txn", req, &ans, false);
	if (ret)
		return ret;
	if (!json_is_true(json_object_get(ans, "succeeded"))) {
		ret = json_object_get(ans, "succeeded") &&
		      !json_is_false(json_object_get(ans, "succeeded")) ?
		      fail(g, -EBADMSG, "etcd: malformed answer to an append") :
		      fail(g, -EEXIST, "another node appended at %" PRIu64 " first",
			   from);
	} else if (json_u64(json_object_get(ans, "header"), "revision", &rev) ||
		   rev <= (uint64_t)g->head_rev || rev > INT64_MAX) {
		ret = fail(g, -EBADMSG, "etcd: an append's answer has no new revision");
	} else {
		g->head = from + n;
		g->head_rev = (int64_t)rev;
	}
	json_decref(ans);
	return ret;
}

struct landed {
	const struct ledger_etcd_item *items;
	size_t n, same;
};

static int compare_landed(void *arg, uint64_t index, const uint8_t *data,
			  size_t len)
{
	struct landed *l = arg;
	const struct ledger_etcd_item *it = &l->items[l->same];

	(void)index;
	if (l->same >= l->n || it->len != len || memcmp(it->data, data, len))
		return -EEXIST;
	l->same++;
	return 0;
}

/*
 * After an answer that leaves it open whether a transaction was applied:
 * read the entries back. 0: they are ours; -EAGAIN: none is there (the
 * append may be retried: its compare keeps it from landing twice);
 * -EEXIST: other entries are there; else the read's error.
 */
static int check_landed(struct ledger_etcd *g, uint64_t from,
			const struct ledger_etcd_item *items, size_t n)
{
	struct landed l = { items, n, 0 };
	char why[sizeof(g->err)];
	uint64_t head;
	int ret;

	memcpy(why, g->err, sizeof(why));
	ret = ledger_etcd_read(g, from, n, compare_landed, &l, &head);
	if (ret == -EEXIST)
		return fail(g, ret, "another node appended at %" PRIu64 " first", from);
	if (ret)
		return ret;
	if (l.same == n)
		return 0;
	if (head == from)
		return fail(g, -EAGAIN, "%s", why);
	return fail(g, -EEXIST, "another node appended at %" PRIu64 " first", from);
}

int ledger_etcd_append(struct ledger_etcd *g, uint64_t from,
		       const struct ledger_etcd_item *items, size_t n)
{
	while (n) {
		size_t k = n < LEDGER_ETCD_BLOCK_ENTRIES ? n : LEDGER_ETCD_BLOCK_ENTRIES;
		size_t blen;
		int ret = -EAGAIN;

		while (!(blen = ledger_etcd_block_size(items, k)) && k > 1)
			k /= 2;
		if (!blen)
			return fail(g, -EINVAL, "entry %" PRIu64 " cannot go in a "
				    "block", from);

		if (!g->have_read || from != g->head)
			return fail(g, -ESTALE, "append at %" PRIu64 " but the head "
				    "last read is %" PRIu64, from, g->head);
		for (int tries = 0; ret == -EAGAIN && tries < 3; tries++) {
			ret = txn_append(g, from, items, k, blen);
			if (ret == -ETIMEDOUT || ret == -EIO || ret == -EBADMSG)
				ret = check_landed(g, from, items, k);
		}
		if (ret)
			return ret;
		from += k;
		items += k;
		n -= k;
	}
	return 0;
}
