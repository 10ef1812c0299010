// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ledger_http.c - the verifier's ledger source over ledgerd's HTTP API
 * (ledger_http.h): GET with libcurl, replies read with jansson.
 *
 *   checkpoint   GET /checkpoint                      the signed note
 *   inclusion    GET /proof/inclusion?index=I&size=S  {"proof": [hex]}
 *   consistency  GET /proof/consistency?old=O&new=N   {"proof": [hex]}
 *   key_entries  GET /keys/<id hex>                   {"entries": [...]}
 *   enrolment    GET /devices, then GET /entries?start=I&end=I+1
 */
#include "ledger_http.h"
#include "internal.h"
#include "libszkm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

/* How much of the node's reason for an HTTP error is shown. */
#define REASON_MAX	160

struct szkm_ledger_http {
	CURL *curl;
	char *base;			/* without a final '/' */
	char errbuf[CURL_ERROR_SIZE];
};

/* A reply as it arrives: at most max bytes, then it is cut off. */
struct reply {
	char *buf;
	size_t len, cap, max;
	int too_big;
};

static int say(const struct szkm_ledger_http *h, int ret, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int say(const struct szkm_ledger_http *h, int ret, const char *path, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return szkm_verify_fail(ret, "ledger %s: GET %s: %s", h->base, path, what);
}

int szkm_ledger_http_open(struct szkm_ledger_http **out, const char *base)
{
	struct szkm_ledger_http *h = calloc(1, sizeof(*h));
	size_t n = strlen(base);

	if (!h)
		return -ENOMEM;
	while (n && base[n - 1] == '/')
		n--;
	h->base = strndup(base, n);
	h->curl = curl_easy_init();
	if (!h->base || !h->curl) {
		szkm_ledger_http_close(h);
		return -ENOMEM;
	}
	*out = h;
	return 0;
}

void szkm_ledger_http_close(struct szkm_ledger_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h->base);
	free(h);
}

static size_t take(char *data, size_t size, size_t nmemb, void *arg)
{
	struct reply *r = arg;
	size_t n = size * nmemb;

	if (n > r->max - r->len) {
		r->too_big = 1;
		return 0;	/* curl stops with CURLE_WRITE_ERROR */
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *p;

		while (cap < r->len + n + 1)
			cap *= 2;
		p = realloc(r->buf, cap);
		if (!p)
			return 0;
		r->buf = p;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	r->buf[r->len] = 0;
	return n;
}

/* The node's {"error": reason} as printable ASCII, or "". */
static void reason(const struct reply *r, char out[REASON_MAX + 1])
{
	json_t *j = r->buf ? json_loadb(r->buf, r->len, 0, NULL) : NULL;
	const char *s = json_string_value(json_object_get(j, "error"));
	size_t i = 0;

	for (; s && s[i] && i < REASON_MAX; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = 0;
	json_decref(j);
}

/* The request's outcome: 0 for a 200 reply, else said. */
static int outcome(struct szkm_ledger_http *h, const char *path, CURLcode rc,
		   const struct reply *r)
{
	char why[REASON_MAX + 1];
	long status = 0;

	if (r->too_big)
		return say(h, -E2BIG, path, "the reply is larger than %zu bytes", r->max);
	if (rc != CURLE_OK)
		return say(h, rc == CURLE_OUT_OF_MEMORY || rc == CURLE_WRITE_ERROR ? -ENOMEM : -EIO,
			   path, "%s", h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		reason(r, why);
		return say(h, status == 404 ? -ENOENT : -EPROTO, path, "HTTP %ld%s%s", status,
			   why[0] ? ": " : "", why);
	}
	return 0;
}

/* GET @base@path: the body of a 200 reply, malloc'd, NUL-terminated. */
static int get(struct szkm_ledger_http *h, const char *path, size_t max, char **body, size_t *len)
{
	struct reply r = { .max = max };
	char *url;
	CURLcode rc;
	int ret;

	if (asprintf(&url, "%s%s", h->base, path) < 0)
		return szkm_verify_fail(-ENOMEM, "out of memory");
	h->errbuf[0] = 0;
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, (long)LEDGER_HTTP_TIMEOUT);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, (long)LEDGER_HTTP_TIMEOUT);
	curl_easy_setopt(h->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "libszkm/" LIBSZKM_VERSION);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, take);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &r);
	rc = curl_easy_perform(h->curl);
	free(url);
	if (rc == CURLE_FILESIZE_EXCEEDED)
		r.too_big = 1;
	ret = outcome(h, path, rc, &r);
	if (ret) {
		free(r.buf);
		return ret;
	}
	if (!r.buf && !(r.buf = calloc(1, 1)))
		return szkm_verify_fail(-ENOMEM, "out of memory");
	*body = r.buf;
	*len = r.len;
	return 0;
}

/* The same for a JSON object; json_decref it. */
static int get_json(struct szkm_ledger_http *h, const char *path, json_t **out)
{
	char *body;
	size_t len;
	int ret;

	ret = get(h, path, LEDGER_HTTP_JSON_MAX, &body, &len);
	if (ret)
		return ret;
	*out = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	free(body);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return say(h, -EPROTO, path, "the reply is not a JSON object");
	}
	return 0;
}

static int get_checkpoint(void *ctx, char **note, size_t *len)
{
	return get(ctx, "/checkpoint", LEDGER_NOTE_MAX_SIZE, note, len);
}

/* The "proof" array of a proof reply, leaf to root. */
static int get_proof(struct szkm_ledger_http *h, const char *path,
		     uint8_t (*proof)[LEDGER_HASH_LEN], size_t *n)
{
	json_t *j, *a, *x;
	size_t i;
	int ret;

	ret = get_json(h, path, &j);
	if (ret)
		return ret;
	a = json_object_get(j, "proof");
	ret = json_is_array(a) && json_array_size(a) <= LEDGER_MERKLE_MAX_PROOF ? 0 : -EPROTO;
	json_array_foreach(a, i, x)
		if (!ret && szkm_hex_decode(proof[i], LEDGER_HASH_LEN, json_string_value(x) ?: ""))
			ret = -EPROTO;
	*n = json_array_size(a);
	json_decref(j);
	return ret ? say(h, ret, path, "the reply holds no well-formed proof") : 0;
}

static int get_inclusion(void *ctx, uint64_t index, uint64_t size,
			 uint8_t (*proof)[LEDGER_HASH_LEN], size_t *n)
{
	char path[96];

	snprintf(path, sizeof(path), "/proof/inclusion?index=%" PRIu64 "&size=%" PRIu64, index, size);
	return get_proof(ctx, path, proof, n);
}

static int get_consistency(void *ctx, uint64_t old_size, uint64_t new_size,
			   uint8_t (*proof)[LEDGER_HASH_LEN], size_t *n)
{
	char path[96];

	snprintf(path, sizeof(path), "/proof/consistency?old=%" PRIu64 "&new=%" PRIu64,
		 old_size, new_size);
	return get_proof(ctx, path, proof, n);
}

/* An entry of a /keys or /entries reply: its index and leaf data. */
static int entry_of(json_t *j, struct szkm_ledger_entry *e)
{
	json_t *ji = json_object_get(j, "index");
	const char *hex = json_string_value(json_object_get(j, "data"));
	size_t n = hex ? strlen(hex) / 2 : 0;

	if (!json_is_integer(ji) || json_integer_value(ji) < 0 || !n ||
	    n > LEDGER_ENTRY_MAX_LEN || szkm_hex_decode(e->data, n, hex))
		return -EPROTO;
	e->index = (uint64_t)json_integer_value(ji);
	e->len = n;
	return 0;
}

/* The "entries" list of the reply to @path. */
static int get_entry_list(struct szkm_ledger_http *h, const char *path,
			  struct szkm_ledger_entry **entries, size_t *n)
{
	struct szkm_ledger_entry *e;
	json_t *j, *arr, *x;
	size_t i;
	int ret;

	ret = get_json(h, path, &j);
	if (ret)
		return ret;
	arr = json_object_get(j, "entries");
	e = json_is_array(arr) ? calloc(json_array_size(arr) ?: 1, sizeof(*e)) : NULL;
	if (!e)
		ret = json_is_array(arr) ? szkm_verify_fail(-ENOMEM, "out of memory") :
					   say(h, -EPROTO, path, "the reply holds no entries");
	json_array_foreach(arr, i, x) {
		if (ret)
			break;
		if (entry_of(x, &e[i]))
			ret = say(h, -EPROTO, path, "entry %zu of the reply is malformed", i);
	}
	if (ret) {
		free(e);
	} else {
		*entries = e;
		*n = json_array_size(arr);
	}
	json_decref(j);
	return ret;
}

static int get_key_entries(void *ctx, const uint8_t id[SZKM_KEY_ID_LEN],
			   struct szkm_ledger_entry **entries, size_t *n)
{
	char path[64], hex[2 * SZKM_KEY_ID_LEN + 1];

	szkm_hex_encode(hex, id, SZKM_KEY_ID_LEN);
	snprintf(path, sizeof(path), "/keys/%s", hex);
	return get_entry_list(ctx, path, entries, n);
}

static int get_members(void *ctx, struct szkm_ledger_entry **entries, size_t *n)
{
	return get_entry_list(ctx, "/members", entries, n);
}

/* Where the node says device @id was enrolled. */
static int find_enrolment(struct szkm_ledger_http *h, const uint8_t *id, uint64_t *at)
{
	char hex[2 * SZKM_DEVICE_ID_LEN + 1];
	json_t *j, *d;
	size_t i;
	int ret;

	szkm_hex_encode(hex, id, SZKM_DEVICE_ID_LEN);
	ret = get_json(h, "/devices", &j);
	if (ret)
		return ret;
	ret = -EKEYREJECTED;
	json_array_foreach(json_object_get(j, "devices"), i, d) {
		json_t *ji = json_object_get(d, "enrolled_index");
		const char *did = json_string_value(json_object_get(d, "device_id"));

		if (did && !strcasecmp(did, hex) && json_is_integer(ji) &&
		    json_integer_value(ji) >= 0) {
			*at = (uint64_t)json_integer_value(ji);
			ret = 0;
			break;
		}
	}
	json_decref(j);
	return ret ? szkm_verify_fail(ret, "device %s: the ledger lists no enrolment of it", hex) : 0;
}

static int get_enrolment(void *ctx, const uint8_t id[SZKM_DEVICE_ID_LEN],
			 struct szkm_ledger_entry *e)
{
	struct szkm_ledger_http *h = ctx;
	char path[96];
	uint64_t at = 0;
	json_t *j;
	int ret;

	ret = find_enrolment(h, id, &at);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/entries?start=%" PRIu64 "&end=%" PRIu64, at, at + 1);
	ret = get_json(h, path, &j);
	if (ret)
		return ret;
	ret = entry_of(json_array_get(json_object_get(j, "entries"), 0), e);
	json_decref(j);
	if (ret || e->index != at)
		return say(h, -EPROTO, path, "the reply holds no well-formed entry %" PRIu64, at);
	return 0;
}

void szkm_ledger_http_source(struct szkm_ledger_http *h, struct szkm_ledger_source *src)
{
	*src = (struct szkm_ledger_source){
		.ctx = h,
		.checkpoint = get_checkpoint,
		.inclusion = get_inclusion,
		.consistency = get_consistency,
		.key_entries = get_key_entries,
		.enrolment = get_enrolment,
		.members = get_members,
	};
}
