/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * httpd.h - the HTTP/1.1 transport under ledgerd's API (http.c).
 *
 * A small server for an API of GET and HEAD requests (and, when asked,
 * POSTs with a small body: the witness's add-checkpoint): it reads
 * and checks request heads, decodes the path and the query, calls the
 * handler and writes its reply, with keep-alive and pipelining. Every
 * answer it makes itself is the API's JSON error, never HTML: 400 for a
 * malformed head, a %00 anywhere in the target or a request with a body
 * (which is read and discarded first, so that the client sees the answer
 * instead of a reset connection), 414 for a request line over 8 KiB,
 * 431 for a head over 16 KiB or 100 fields, 413 for a body over 1 MiB,
 * 501 for a chunked body, 505 for a version other than HTTP/1.0 or 1.1.
 * It replaced libmicrohttpd, which answers those cases with fixed HTML
 * bodies and drops a connection whose request body was not read.
 *
 * Worker threads each run an epoll loop over their own connections;
 * the handler runs in the worker, so it may keep per-thread state
 * (pthread keys: their destructors run when the server stops). A
 * connection idle for 30 s is closed.
 */
#ifndef LEDGER_HTTPD_H
#define LEDGER_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEDGER_HTTPD_MAX_ARGS	16
#define LEDGER_HTTPD_LINE_MAX	8192	/* request line: else 414 */
#define LEDGER_HTTPD_HEAD_MAX	16384	/* whole head: else 431 */

struct ledger_httpd_req {
	const char *method;
	bool head;		/* HEAD: the reply's body is not sent */
	const char *path;	/* percent-decoded, no query */
	struct {
		const char *name, *value;	/* decoded */
	} args[LEDGER_HTTPD_MAX_ARGS];
	size_t nargs;
	/* POST (when the server takes bodies): the body, NUL-terminated
	 * after body_len bytes (which may hold NULs themselves). */
	const char *body;
	size_t body_len;
};

struct ledger_httpd_reply {
	unsigned int code;
	const char *type;	/* Content-Type */
	char *body;		/* malloc'd, freed by the server; NULL: 500 */
	size_t len;
	const char *cache;	/* Cache-Control (NULL: no-store) */
};

typedef void (*ledger_httpd_handler)(void *ctx,
				     const struct ledger_httpd_req *rq,
				     struct ledger_httpd_reply *rp);

/* The value of query argument @name, or NULL. */
const char *ledger_httpd_arg(const struct ledger_httpd_req *rq,
			     const char *name);

/* A parsed request head (the parser is pure: tests use it directly). */
struct ledger_httpd_head {
	struct ledger_httpd_req rq;
	bool keep_alive;
	bool http10;
	bool expect_continue;
	bool chunked;		/* a Transfer-Encoding was given */
	uint64_t content_length;
};

/*
 * Parses the head in @buf (@len bytes up to and including its blank
 * line), in place: the request's strings point into @buf. 0, or the HTTP
 * status to answer with *why the reason.
 */
unsigned int ledger_httpd_parse(char *buf, size_t len,
				struct ledger_httpd_head *h, const char **why);

/* The status of a refusal, @code, with its reason in @why (@cap bytes). */
unsigned int ledger_httpd_refuse(char *why, size_t cap, unsigned int code,
				 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

struct ledger_httpd_opts {
	const char *addr;	/* numeric IPv4 or IPv6 address */
	uint16_t port;		/* 0: the kernel picks one */
	unsigned int threads;
	ledger_httpd_handler handler;
	void *ctx;
	/* 0: every request body is discarded and refused (400); else a
	 * POST body up to this size is read whole and handed to the
	 * handler, and a larger one gets 413. */
	size_t post_max;
};

struct ledger_httpd;

int ledger_httpd_start(struct ledger_httpd **out,
		       const struct ledger_httpd_opts *o, char *err,
		       size_t errlen);
uint16_t ledger_httpd_port(const struct ledger_httpd *s);
void ledger_httpd_stop(struct ledger_httpd *s);

#endif /* LEDGER_HTTPD_H */
