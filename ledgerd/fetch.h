/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * fetch.h - one HTTP request through libcurl, bounded in time and size:
 * what the etcd log (etcd.c) and the cosigner (cosign.c) ask of other
 * servers. The answer is untrusted bytes; the caller checks them.
 */
#ifndef LEDGER_FETCH_H
#define LEDGER_FETCH_H

#include <stdbool.h>
#include <stddef.h>

struct ledger_fetch;

/* A connection (reused between calls) for one thread. */
int ledger_fetch_new(struct ledger_fetch **out, long timeout_ms);
void ledger_fetch_free(struct ledger_fetch *f);

/*
 * GET @url, or POST @body (JSON) when @body is not NULL. On 0, *@out
 * (NUL-terminated, *@len bytes, at most @cap) is the answer's body,
 * valid until the next call, and *@status its HTTP status. Errors:
 * -ECONNREFUSED (nothing was sent: the server is not there), -ETIMEDOUT
 * or -EIO (the request may or may not have been acted on), -E2BIG (an
 * answer over @cap); ledger_fetch_error() says more.
 */
int ledger_fetch(struct ledger_fetch *f, const char *url, const char *body,
		 size_t cap, const char **out, size_t *len, long *status);
const char *ledger_fetch_error(const struct ledger_fetch *f);

/*
 * TLS for https:// URLs: the server's certificate must chain to @ca (a
 * PEM file; NULL or "": the system's CAs) and name the host; @cert and
 * @key (PEM files, both or neither) are this client's certificate, for a
 * server that requires one (etcd's --client-cert-auth). The paths are
 * copied; the files are read at each connection. -EINVAL: only one of
 * @cert and @key, or a path too long.
 */
int ledger_fetch_tls(struct ledger_fetch *f, const char *ca, const char *cert,
		     const char *key);

#endif /* LEDGER_FETCH_H */
