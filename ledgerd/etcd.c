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

/* etcd's default --max-txn-ops is 128: entries plus the head's put. */
#define TXN_ENTRIES	100
/* A read of 256 entries is under 400 KiB of JSON. */
#define READ_MAX	256
#define ANSWER_MAX	(8u << 20)
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
	if (!g)
		return -ENOMEM;
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
		free(g);
		return -ENOMEM;
	}
	*out = g;
	return 0;
bad:
	free(g);
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

int ledger_etcd_read(struct ledger_etcd *g, uint64_t from, size_t max,
		     ledger_etcd_entry_cb cb, void *ctx, uint64_t *head)
{
	char hk[KEY_MAX], k0[KEY_MAX], k1[KEY_MAX];
	static uint8_t data[LEDGER_ENTRY_MAX_LEN];
	const json_t *resps, *kvs;
	json_t *ans, *req;
	uint64_t want;
	int64_t rev;
	size_t n, i;
	int ret;

	if (max > READ_MAX)
		max = READ_MAX;
	if (max == 0 || from > UINT64_MAX - max)
		return -EINVAL;
	head_key(g, hk);
	entry_key(g, from, k0);
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
	want = *head - from < max ? *head - from : max;
	n = json_array_size(kvs);
	if (n != want) {
		fail(g, ret, "etcd holds %zu entries from %" PRIu64 " where its head "
		     "(%" PRIu64 ") needs %" PRIu64 ": the log is not contiguous",
		     n, from, *head, want);
		goto out;
	}
	g->have_read = true;
	g->head = *head;
	g->head_rev = rev;
	for (i = 0; i < n; i++) {
		const json_t *kv = json_array_get(kvs, i);
		size_t len;

		entry_key(g, from + i, k0);
		if (!json_is_object(kv) || !key_is(kv, k0)) {
			fail(g, ret, "etcd: entry %" PRIu64 " is missing or misnamed",
			     from + i);
			goto out;
		}
		if (json_b64(kv, "value", data, sizeof(data), &len) || !len) {
			fail(g, ret, "etcd: entry %" PRIu64 " is not base64 leaf data "
			     "of at most %d bytes", from + i, LEDGER_ENTRY_MAX_LEN);
			goto out;
		}
		ret = cb(ctx, from + i, data, len);
		if (ret)
			goto out;
		ret = -EBADMSG;
	}
	ret = 0;
out:
	json_decref(ans);
	return ret;
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

int ledger_etcd_audit(struct ledger_etcd *g, uint64_t size,
		      ledger_etcd_entry_cb cb, void *ctx, uint64_t *bad)
{
	static uint8_t data[LEDGER_ENTRY_MAX_LEN];
	char k0[KEY_MAX], k1[KEY_MAX], rev[24];
	const json_t *resps, *kvs, *r;
	json_t *ans, *req, *changed, *all;
	uint64_t count, hrev, index;
	int ret;

	*bad = UINT64_MAX;
	entry_key(g, 0, k0);
	entry_key(g, size, k1);
	snprintf(rev, sizeof(rev), "%" PRIu64, g->audit_rev + 1);
	changed = range_op(k0, k1);
	all = range_op(k0, k1);
	if (!changed || !all) {
		json_decref(changed);
		json_decref(all);
		return fail(g, -ENOMEM, "out of memory");
	}
	/* The first audit only counts: it trusts what it finds. */
	json_object_set_new(json_object_get(changed, "request_range"),
			    g->audit_rev ? "min_mod_revision" : "count_only",
			    g->audit_rev ? json_string(rev) : json_true());
	json_object_set_new(json_object_get(all, "request_range"), "count_only",
			    json_true());
	req = json_pack("{s:[o,o]}", "success", changed, all);
	if (!req)
		return fail(g, -ENOMEM, "out of memory");
	ret = call(g, "/v3/kv/txn", req, &ans, true);
	if (ret)
		return ret;
	ret = fail(g, -EBADMSG, "etcd: malformed answer to an audit");
	resps = json_object_get(ans, "responses");
	if (!json_is_array(resps) || json_array_size(resps) != 2 ||
	    range_kvs(json_array_get(resps, 0), &kvs) ||
	    !json_is_object(r = json_object_get(json_array_get(resps, 1),
						"response_range")) ||
	    json_u64(r, "count", &count) ||
	    json_u64(json_object_get(ans, "header"), "revision", &hrev) || !hrev)
		goto out;
	if (count != size) {
		ret = fail(g, -EBADMSG, "etcd holds %" PRIu64 " entries below "
			   "%" PRIu64 ": entries this node validated were "
			   "deleted", count, size);
		*bad = 0;
		goto out;
	}
	for (size_t i = 0; i < json_array_size(kvs); i++) {
		const json_t *kv = json_array_get(kvs, i);
		size_t len;

		if (!json_is_object(kv) || kv_index(g, kv, size, &index) ||
		    json_b64(kv, "value", data, sizeof(data), &len))
			goto out;
		/* Below the last audit nothing may change; above it, what
		 * was appended since must be what this node validated. */
		if ((g->audit_rev && index < g->audited) ||
		    cb(ctx, index, data, len)) {
			*bad = index;
			ret = fail(g, -EBADMSG, "entry %" PRIu64 " in etcd was "
				   "replaced after this node validated it: the "
				   "history was rewritten", index);
			goto out;
		}
	}
	g->audited = size;
	g->audit_rev = hrev;
	ret = 0;
out:
	json_decref(ans);
	return ret;
}

/* One transaction: entries @from.. and the head, if nobody moved it. */
static int txn_append(struct ledger_etcd *g, uint64_t from,
		      const struct ledger_etcd_item *items, size_t n)
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
	puts = json_array();
	for (size_t i = 0; puts && i < n; i++) {
		entry_key(g, from + i, k);
		json_array_append_new(puts, json_pack("{s:{s:o,s:o}}", "request_put",
						      "key", b64_str(k), "value",
						      b64_json(items[i].data, items[i].len)));
	}
	snprintf(num, sizeof(num), "%" PRIu64, from + n);
	json_array_append_new(puts, json_pack("{s:{s:o,s:o}}", "request_put",
					      "key", b64_str(hk), "value", b64_str(num)));
	req = json_pack("{s:o,s:o}", "compare", cmp, "success", puts);
	if (!req || json_array_size(puts) != n + 1)
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
		size_t k = n < TXN_ENTRIES ? n : TXN_ENTRIES;
		int ret = -EAGAIN;

		if (!g->have_read || from != g->head)
			return fail(g, -ESTALE, "append at %" PRIu64 " but the head "
				    "last read is %" PRIu64, from, g->head);
		for (int tries = 0; ret == -EAGAIN && tries < 3; tries++) {
			ret = txn_append(g, from, items, k);
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
