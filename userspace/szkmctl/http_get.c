// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * http_get.c - GET requests to a ledger node (http_get.h), with libcurl.
 */
#include "http_get.h"
#include "subcommands.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

/* How much of the ledger's reason for an HTTP error is shown. */
#define REASON_MAX	160

struct szkmctl_http {
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

static void say(const struct szkmctl_http *h, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(const struct szkmctl_http *h, const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ledger %s: GET %s: ", h->base, path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int szkmctl_http_open(struct szkmctl_http **out, const char *base)
{
	struct szkmctl_http *h = calloc(1, sizeof(*h));
	size_t n = strlen(base);

	if (!h)
		return -ENOMEM;
	while (n && base[n - 1] == '/')
		n--;
	h->base = strndup(base, n);
	h->curl = curl_easy_init();
	if (!h->base || !h->curl) {
		szkmctl_http_close(h);
		return -ENOMEM;
	}
	*out = h;
	return 0;
}

void szkmctl_http_close(struct szkmctl_http *h)
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

/* The ledger's {"error": reason} as printable ASCII, or "". */
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

/* The request's outcome: 0 for a 200 reply, else said on stderr. */
static int outcome(struct szkmctl_http *h, const char *path, CURLcode rc,
		   const struct reply *r)
{
	char why[REASON_MAX + 1];
	long status = 0;

	if (r->too_big) {
		say(h, path, "the reply is larger than %zu bytes", r->max);
		return -E2BIG;
	}
	if (rc != CURLE_OK) {
		say(h, path, "%s", h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
		return rc == CURLE_OUT_OF_MEMORY || rc == CURLE_WRITE_ERROR ? -ENOMEM : -EIO;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		reason(r, why);
		say(h, path, "HTTP %ld%s%s", status, why[0] ? ": " : "", why);
		return -EPROTO;
	}
	return 0;
}

int szkmctl_http_get(struct szkmctl_http *h, const char *path, size_t max,
		     char **body, size_t *len)
{
	struct reply r = { .max = max };
	char *url;
	CURLcode rc;
	int ret;

	if (asprintf(&url, "%s%s", h->base, path) < 0)
		return -ENOMEM;
	h->errbuf[0] = 0;
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, (long)SZKMCTL_HTTP_TIMEOUT);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, (long)SZKMCTL_HTTP_TIMEOUT);
	curl_easy_setopt(h->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, PROG_NAME "/" SZKMCTL_VERSION);
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
		return -ENOMEM;
	*body = r.buf;
	*len = r.len;
	return 0;
}

int szkmctl_http_json(struct szkmctl_http *h, const char *path, json_t **out)
{
	char *body;
	size_t len;
	int ret;

	ret = szkmctl_http_get(h, path, SZKMCTL_HTTP_JSON_MAX, &body, &len);
	if (ret)
		return ret;
	*out = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	free(body);
	if (!json_is_object(*out)) {
		say(h, path, "the reply is not a JSON object");
		json_decref(*out);
		*out = NULL;
		return -EPROTO;
	}
	return 0;
}
