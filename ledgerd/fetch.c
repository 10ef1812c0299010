// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fetch.c - one bounded HTTP request through libcurl (fetch.h).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "fetch.h"

struct ledger_fetch {
	CURL *curl;
	long timeout_ms;
	FILE *mem;		/* writes into buf */
	char *buf;
	size_t len, cap, limit;
	bool over;
	char err[CURL_ERROR_SIZE + 64];
	char ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_ret;

static void global_init(void)
{
	global_ret = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int ledger_fetch_new(struct ledger_fetch **out, long timeout_ms)
{
	struct ledger_fetch *f;

	pthread_once(&global_once, global_init);
	if (global_ret != CURLE_OK)
		return -EIO;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->curl = curl_easy_init();
	if (!f->curl) {
		free(f);
		return -ENOMEM;
	}
	f->timeout_ms = timeout_ms;
	*out = f;
	return 0;
}

void ledger_fetch_free(struct ledger_fetch *f)
{
	if (!f)
		return;
	curl_easy_cleanup(f->curl);
	free(f->buf);
	free(f);
}

static int copy_path(char *dst, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= PATH_MAX)
		return -EINVAL;
	memcpy(dst, src ? src : "", n + 1);
	return 0;
}

int ledger_fetch_tls(struct ledger_fetch *f, const char *ca, const char *cert,
		     const char *key)
{
	if (!cert != !key || (cert && !*cert != !*key))
		return -EINVAL;
	if (copy_path(f->ca, ca) || copy_path(f->cert, cert) || copy_path(f->key, key))
		return -EINVAL;
	return 0;
}

/* Into a memory stream, up to the limit (then the transfer stops). */
static size_t take(char *p, size_t size, size_t n, void *arg)
{
	struct ledger_fetch *f = arg;

	if (size * n > f->limit - f->len) {
		f->over = true;
		return 0;
	}
	if (fwrite(p, size, n, f->mem) != n)
		return 0;
	f->len += size * n;
	return size * n;
}

int ledger_fetch(struct ledger_fetch *f, const char *url, const char *body,
		 size_t cap, const char **out, size_t *len, long *status)
{
	struct curl_slist *hdr = NULL;
	CURL *c = f->curl;
	CURLcode rc;
	int ret = 0;

	f->len = 0;
	f->over = false;
	f->limit = cap;
	f->err[0] = 0;
	free(f->buf);
	f->buf = NULL;
	f->mem = open_memstream(&f->buf, &f->cap);
	if (!f->mem) {
		snprintf(f->err, sizeof(f->err), "out of memory");
		return -ENOMEM;
	}
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, f->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 f->timeout_ms < 1000 ? f->timeout_ms : 1000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, take);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, f->err);
	if (f->ca[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, f->ca);
	if (f->cert[0]) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, f->cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, f->key);
	}
	if (body) {
		hdr = curl_slist_append(NULL, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	rc = curl_easy_perform(c);
	curl_slist_free_all(hdr);
	if (fclose(f->mem) && rc == CURLE_OK)
		rc = CURLE_OUT_OF_MEMORY;
	f->mem = NULL;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
		*out = f->buf;	/* NUL-terminated by the stream */
		*len = f->len;
		return 0;
	}
	if (f->over)
		ret = -E2BIG;
	else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
		 rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
		ret = -ECONNREFUSED;
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		ret = -ETIMEDOUT;
	else
		ret = -EIO;
	if (!f->err[0])
		snprintf(f->err, sizeof(f->err), "%s", curl_easy_strerror(rc));
	if (f->over)
		snprintf(f->err, sizeof(f->err), "an answer over %zu bytes", cap);
	return ret;
}

const char *ledger_fetch_error(const struct ledger_fetch *f)
{
	return f->err;
}
