/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http_get.h - szkmctl's client of a ledger node's read-only HTTP API
 * (ledgerd(8), "HTTP API"), over libcurl: http and https only, no
 * redirects, SZKMCTL_HTTP_TIMEOUT seconds per request, replies capped.
 * One connection is kept for all requests to a ledger.
 *
 * Every failure is said in one line on stderr that names the request
 * ("ledger URL: GET PATH: what went wrong"); the ledger's own reason for
 * an HTTP error is shown with anything but printable ASCII replaced, as
 * nothing the ledger sends is trusted. Functions return 0 or a negative
 * errno: -EIO (no reply: bad URL, unreachable, timeout), -EPROTO (an HTTP
 * status other than 200, or a reply that is not what was asked for),
 * -E2BIG (a reply over its cap), -ENOMEM.
 */
#ifndef SZKMCTL_HTTP_GET_H
#define SZKMCTL_HTTP_GET_H

#include <stddef.h>

#include <jansson.h>

#define SZKMCTL_HTTP_TIMEOUT	10
/* The largest JSON reply taken (a key's whole history). */
#define SZKMCTL_HTTP_JSON_MAX	(16u << 20)

struct szkmctl_http;

/* @base: "http://host:port" (a path prefix and a final '/' are fine). */
int szkmctl_http_open(struct szkmctl_http **out, const char *base);
void szkmctl_http_close(struct szkmctl_http *h);

/*
 * GET @base@path: the body of a 200 reply, malloc'd, NUL-terminated
 * (*@len excludes the NUL), at most @max bytes.
 */
int szkmctl_http_get(struct szkmctl_http *h, const char *path, size_t max,
		     char **body, size_t *len);

/* The same for a JSON object (SZKMCTL_HTTP_JSON_MAX); json_decref it. */
int szkmctl_http_json(struct szkmctl_http *h, const char *path, json_t **out);

#endif
