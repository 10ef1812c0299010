/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ledger_http.h - a ledger node's read-only HTTP API (ledgerd(8), "HTTP
 * API") as a source for the verifier (verify_core.h), over libcurl: http
 * and https only, no redirects, LEDGER_HTTP_TIMEOUT seconds per request,
 * replies capped. One connection is kept for all requests to a node.
 *
 * Nothing the node sends is trusted: replies are parsed strictly, and its
 * own reason for an HTTP error is shown with anything but printable ASCII
 * replaced. Every failure is said through szkm_verify_fail() in one line
 * that names the request ("ledger URL: GET PATH: what went wrong"), and
 * returns -EIO (no reply: bad URL, unreachable, timeout), -ENOENT (HTTP
 * 404), -EPROTO (another HTTP error, or a reply that is not what was
 * asked for), -E2BIG (a reply over its cap) or -ENOMEM.
 */
#ifndef SZKM_LEDGER_HTTP_H
#define SZKM_LEDGER_HTTP_H

#include "verify_core.h"

#define LEDGER_HTTP_TIMEOUT	10
/* The largest JSON reply taken (a key's whole history). */
#define LEDGER_HTTP_JSON_MAX	(16u << 20)

struct szkm_ledger_http;

/* @base: "http://host:port" (a path prefix and a final '/' are fine). */
int szkm_ledger_http_open(struct szkm_ledger_http **out, const char *base);
void szkm_ledger_http_close(struct szkm_ledger_http *h);
/* The source that reads through @h. */
void szkm_ledger_http_source(struct szkm_ledger_http *h, struct szkm_ledger_source *src);

#endif /* SZKM_LEDGER_HTTP_H */
