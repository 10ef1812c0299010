// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * httpd.c - the HTTP/1.1 transport (httpd.h).
 *
 * Each worker owns an epoll set: the shared listening socket (EPOLLEXCLUSIVE,
 * so one worker wakes per connection), a stop eventfd and its connections.
 * A connection reads a head, then either calls the handler or, for a
 * request with a body, discards the body before it answers; it answers one
 * request at a time, in order, so pipelined requests queue in its buffer.
 * An answer that ends the connection is followed by a lingering close:
 * shut down our side, read and drop what the client still sends (2 s at
 * most), then close, so that unread bytes never turn the answer into a
 * reset.
 */
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "httpd.h"
#include "json.h"

#define MAX_WORKERS	64
#define MAX_CONNS	256		/* per worker */
#define MAX_FIELDS	100
#define BODY_MAX	(1u << 20)	/* discarded to answer; more: 413 */
#define IDLE_SECONDS	30
#define LINGER_SECONDS	2

enum conn_state {
	ST_HEAD,	/* reading a request head */
	ST_BODY,	/* discarding a body, the answer waits */
	ST_POST,	/* reading a POST body for the handler */
	ST_LINGER,	/* answered, closing: dropping input */
};

struct conn {
	int fd;
	enum conn_state state;
	char in[LEDGER_HTTPD_HEAD_MAX];
	size_t in_len;
	uint64_t discard;		/* ST_BODY: bytes still to drop */
	/* ST_POST: the parsed head (its strings in head_buf) and the body. */
	struct ledger_httpd_head post;
	char *head_buf, *body;
	size_t body_len, body_want;
	char *out;			/* the answer being written */
	size_t out_len, out_off;
	bool close_after;		/* linger once the answer is out */
	bool head_only;			/* the pending answer is for HEAD */
	bool http10;			/* keep-alive must be said */
	time_t last;			/* last progress, for timeouts */
	struct conn *prev, *next;
};

struct worker {
	struct ledger_httpd *s;
	pthread_t tid;
	int ep;
	struct conn *conns;
	size_t nconns;
};

struct ledger_httpd {
	int lfd, stopfd;
	uint16_t port;
	ledger_httpd_handler handler;
	void *ctx;
	size_t post_max;
	atomic_bool stopping;
	struct worker w[MAX_WORKERS];
	unsigned int nworkers;
};

/* Parsing. */

static bool tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/*
 * Percent-decodes [s, s + n) in place into a NUL-terminated string (and
 * '+' to a space when @plus, as in a query). A %00 would cut the string
 * short and make "/checkpoint%00x" read as "/checkpoint": refused.
 */
static int pct_decode(char *s, size_t n, bool plus, const char **why)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				*why = "bad percent-encoding in the request target";
				return -1;
			}
			c = (char)(hi << 4 | lo);
			if (!c) {
				*why = "%00 in the request target";
				return -1;
			}
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		s[o++] = c;
	}
	s[o] = 0;
	return 0;
}

static unsigned int parse_target(char *t, size_t n,
				 struct ledger_httpd_req *rq, const char **why)
{
	char *q = memchr(t, '?', n), *end = t + n;

	if (!n || t[0] != '/') {
		*why = "the request target is not an absolute path";
		return 400;
	}
	if (pct_decode(t, (size_t)((q ? q : end) - t), false, why))
		return 400;
	rq->path = t;
	for (char *a = q ? q + 1 : end; a < end;) {
		char *amp = memchr(a, '&', (size_t)(end - a));
		char *stop = amp ? amp : end, *eq;

		if (stop > a) {
			if (rq->nargs == LEDGER_HTTPD_MAX_ARGS) {
				*why = "too many query arguments";
				return 400;
			}
			eq = memchr(a, '=', (size_t)(stop - a));
			if (pct_decode(a, (size_t)((eq ? eq : stop) - a), true, why) ||
			    (eq && pct_decode(eq + 1, (size_t)(stop - eq - 1), true, why)))
				return 400;
			if (ledger_httpd_arg(rq, a)) {
				*why = "a query argument is given twice";
				return 400;
			}
			rq->args[rq->nargs].name = a;
			rq->args[rq->nargs].value = eq ? eq + 1 : stop;
			rq->nargs++;
		}
		if (!amp)
			break;
		a = amp + 1;
	}
	return 0;
}

/* Does the comma-separated list @v hold @token (any case)? */
static bool has_token(const char *v, const char *token)
{
	size_t n = strlen(token);

	while (*v) {
		size_t len;

		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		len = strcspn(v, ", \t");
		if (len == n && !strncasecmp(v, token, n))
			return true;
		v += len;
	}
	return false;
}

static unsigned int parse_field(char *line, struct ledger_httpd_head *h,
				bool *host, const char **why)
{
	char *colon = strchr(line, ':'), *v, *e;

	if (*line == ' ' || *line == '\t') {
		*why = "obsolete line folding in the request head";
		return 400;
	}
	if (!colon || colon == line) {
		*why = "a header field without a name";
		return 400;
	}
	for (char *c = line; c < colon; c++)
		if (!tchar(*c)) {
			*why = "a malformed header field name";
			return 400;
		}
	*colon = 0;
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = 0;
	if (!strcasecmp(line, "host")) {
		if (*host) {
			*why = "more than one Host field";
			return 400;
		}
		*host = true;
	} else if (!strcasecmp(line, "content-length")) {
		uint64_t n = 0;

		if (!*v || strlen(v) > 19 || strspn(v, "0123456789") != strlen(v)) {
			*why = "a malformed Content-Length";
			return 400;
		}
		for (; *v; v++)
			n = n * 10 + (uint64_t)(*v - '0');
		if (h->content_length != UINT64_MAX && h->content_length != n) {
			*why = "conflicting Content-Length fields";
			return 400;
		}
		h->content_length = n;
	} else if (!strcasecmp(line, "transfer-encoding")) {
		h->chunked = true;
	} else if (!strcasecmp(line, "connection")) {
		if (has_token(v, "close"))
			h->keep_alive = false;
		else if (has_token(v, "keep-alive"))
			h->keep_alive = true;
	} else if (!strcasecmp(line, "expect")) {
		h->expect_continue = has_token(v, "100-continue");
	}
	return 0;
}

unsigned int ledger_httpd_refuse(char *why, size_t cap, unsigned int code,
				 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return code;
}

unsigned int ledger_httpd_parse(char *buf, size_t len,
				struct ledger_httpd_head *h, const char **why)
{
	char *line = buf, *end = buf + len, *nl, *sp1, *sp2;
	unsigned int nfields = 0, ret;
	bool host = false, v11;
	size_t llen;

	memset(h, 0, sizeof(*h));
	h->content_length = UINT64_MAX;	/* none given yet */
	if (memchr(buf, 0, len)) {
		*why = "a NUL byte in the request head";
		return 400;
	}
	nl = memchr(line, '\n', len);
	if (!nl) {
		*why = "an unterminated request line";
		return 400;
	}
	llen = (size_t)(nl - line);
	if (llen > LEDGER_HTTPD_LINE_MAX) {
		*why = "the request line is too long";
		return 414;
	}
	*nl = 0;
	if (llen && nl[-1] == '\r')
		nl[-1] = 0;
	sp1 = strchr(line, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || strchr(sp2 + 1, ' ') || sp1 == line) {
		*why = "a malformed request line";
		return 400;
	}
	*sp1 = *sp2 = 0;
	for (char *c = line; *c; c++)
		if (!tchar(*c)) {
			*why = "a malformed request method";
			return 400;
		}
	if (strncmp(sp2 + 1, "HTTP/", 5)) {
		*why = "a malformed request line";
		return 400;
	}
	v11 = !strcmp(sp2 + 1, "HTTP/1.1");
	if (!v11 && strcmp(sp2 + 1, "HTTP/1.0")) {
		*why = "only HTTP/1.0 and HTTP/1.1 are spoken";
		return 505;
	}
	h->keep_alive = v11;
	h->http10 = !v11;
	h->rq.method = line;
	h->rq.head = !strcmp(line, "HEAD");
	for (line = nl + 1; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end - 1;	/* the caller cut at a blank line */
		*nl = 0;
		if (nl > line && nl[-1] == '\r')
			nl[-1] = 0;
		if (!*line)
			break;
		if (++nfields > MAX_FIELDS) {
			*why = "too many header fields";
			return 431;
		}
		ret = parse_field(line, h, &host, why);
		if (ret)
			return ret;
	}
	if (v11 && !host) {
		*why = "an HTTP/1.1 request without a Host field";
		return 400;
	}
	if (h->content_length == UINT64_MAX)
		h->content_length = 0;
	return parse_target(sp1 + 1, strlen(sp1 + 1), &h->rq, why);
}

const char *ledger_httpd_arg(const struct ledger_httpd_req *rq,
			     const char *name)
{
	for (size_t i = 0; i < rq->nargs; i++)
		if (!strcmp(rq->args[i].name, name))
			return rq->args[i].value;
	return NULL;
}

/* Connections. */

static const char *reason(unsigned int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 422: return "Unprocessable Content";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

static void conn_close(struct worker *w, struct conn *c)
{
	epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->nconns--;
	free(c->out);
	free(c->head_buf);
	free(c->body);
	free(c);
}

static void want(struct worker *w, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Queues the answer @rp (its body is taken) and starts writing it. */
static void answer(struct conn *c, struct ledger_httpd_reply *rp)
{
	static const char oom[] = "{\"error\":\"out of memory\"}";
	const char *body = rp->body ? rp->body : oom;
	size_t blen = rp->body ? rp->len : sizeof(oom) - 1;
	unsigned int code = rp->body ? rp->code : 500;
	char date[64], hdr[512];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.1 %u %s\r\nDate: %s\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\nCache-Control: %s\r\n%s%s%s\r\n",
		     code, reason(code), date,
		     rp->body && rp->type ? rp->type : "application/json", blen,
		     rp->body && rp->cache ? rp->cache : "no-store",
		     code == 405 ? "Allow: GET, HEAD, POST\r\n" : "",
		     c->close_after ? "Connection: close\r\n" : "",
		     !c->close_after && c->http10 ? "Connection: keep-alive\r\n" : "");
	if (c->head_only)
		blen = 0;
	free(c->out);
	c->out = malloc((size_t)n + blen);
	if (c->out) {
		memcpy(c->out, hdr, (size_t)n);
		memcpy(c->out + n, body, blen);
		c->out_len = (size_t)n + blen;
	} else {
		c->out_len = 0;
		c->close_after = true;
	}
	c->out_off = 0;
	free(rp->body);
	rp->body = NULL;
}

static void answer_error(struct conn *c, unsigned int code, const char *why)
{
	struct ledger_httpd_reply rp = { .code = code };

	rp.body = ledger_json_error(why, &rp.len);
	answer(c, &rp);
}

/* The end of a complete head in the buffer (its length), or 0. */
static size_t head_end(const struct conn *c)
{
	for (size_t i = 0; i < c->in_len; i++) {
		if (c->in[i] != '\n')
			continue;
		if (i + 1 < c->in_len && c->in[i + 1] == '\n')
			return i + 2;
		if (i + 2 < c->in_len && c->in[i + 1] == '\r' &&
		    c->in[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static void consume(struct conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

static void continue_100(struct conn *c)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

	if (send(c->fd, cont, sizeof(cont) - 1, MSG_NOSIGNAL) < 0)
		c->close_after = true;
}

/* Takes what the buffer holds of a POST body; once it is whole, the
 * handler answers it (a body of 0 bytes is whole at once). */
static void post_ready(struct ledger_httpd *s, struct conn *c)
{
	struct ledger_httpd_reply rp = { 0 };
	size_t k = c->body_want - c->body_len;

	if (k > c->in_len)
		k = c->in_len;
	memcpy(c->body + c->body_len, c->in, k);
	consume(c, k);
	c->body_len += k;
	if (c->body_len < c->body_want)
		return;
	c->body[c->body_len] = 0;
	c->post.rq.body = c->body;
	c->post.rq.body_len = c->body_len;
	c->state = ST_HEAD;
	s->handler(s->ctx, &c->post.rq, &rp);
	answer(c, &rp);
	free(c->body);
	free(c->head_buf);
	c->body = c->head_buf = NULL;
}

/* Starts on the next request in the buffer, if it is all there. */
static void next_request(struct ledger_httpd *s, struct conn *c)
{
	struct ledger_httpd_head h;
	struct ledger_httpd_reply rp = { 0 };
	const char *why = NULL;
	unsigned int code;
	char *head;
	size_t n;

	/* Blank lines before a request are ignored (RFC 9112, 2.2). */
	while (c->in_len && (c->in[0] == '\r' || c->in[0] == '\n'))
		consume(c, 1);
	n = head_end(c);
	if (!n) {
		if (c->in_len < sizeof(c->in))
			return;
		c->close_after = true;
		c->head_only = false;
		if (!memchr(c->in, '\n', LEDGER_HTTPD_LINE_MAX))
			answer_error(c, 414, "the request line is too long");
		else
			answer_error(c, 431, "the request head is too large");
		return;
	}
	/* The head is parsed in place: copy it out of the way of reads. */
	head = malloc(n);
	if (!head) {
		c->close_after = true;
		answer_error(c, 500, "out of memory");
		return;
	}
	memcpy(head, c->in, n);
	consume(c, n);
	code = ledger_httpd_parse(head, n, &h, &why);
	c->head_only = !code && h.rq.head;
	c->http10 = !code && h.http10;
	if (code) {
		c->close_after = true;
		answer_error(c, code, why);
	} else if (h.chunked) {
		c->close_after = true;
		answer_error(c, 501, "a chunked request body is not accepted");
	} else if (s->post_max && !strcmp(h.rq.method, "POST") &&
		   h.content_length > s->post_max) {
		c->close_after = true;
		answer_error(c, 413, "the request body is too large");
	} else if (h.content_length > BODY_MAX) {
		c->close_after = true;
		answer_error(c, 413, "no request body is accepted");
	} else if (s->post_max && !strcmp(h.rq.method, "POST")) {
		/* Kept for the handler, with the head it belongs to. */
		c->close_after = !h.keep_alive;
		c->body = malloc(h.content_length + 1);
		if (!c->body) {
			c->close_after = true;
			answer_error(c, 500, "out of memory");
		} else {
			c->post = h;
			c->head_buf = head;
			head = NULL;
			c->body_len = 0;
			c->body_want = (size_t)h.content_length;
			c->state = ST_POST;
			if (h.expect_continue)
				continue_100(c);
			post_ready(s, c);
		}
	} else if (h.content_length) {
		/* Read it all, then answer: an answer before the body would
		 * be lost to a reset when we close with it unread. */
		c->close_after = !h.keep_alive;
		c->state = ST_BODY;
		c->discard = h.content_length;
		if (h.expect_continue)
			continue_100(c);
	} else {
		c->close_after = !h.keep_alive;
		s->handler(s->ctx, &h.rq, &rp);
		answer(c, &rp);
	}
	free(head);
}

/* Writes what it can; false when the connection is gone. */
static bool flush_out(struct worker *w, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			want(w, c, EPOLLIN | EPOLLOUT);
			return true;
		}
		if (n <= 0)
			return false;
		c->out_off += (size_t)n;
		c->last = time(NULL);
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	want(w, c, EPOLLIN);
	if (c->close_after) {
		shutdown(c->fd, SHUT_WR);
		c->state = ST_LINGER;
		c->last = time(NULL);
	}
	return true;
}

/* Reads and acts until it must wait; false when the connection is done. */
static bool service(struct worker *w, struct conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->out && !flush_out(w, c))
			return false;
		if (c->out)
			return true;	/* waits for EPOLLOUT */
		if (c->state == ST_BODY && c->in_len) {
			size_t k = c->in_len < c->discard ? c->in_len :
							    (size_t)c->discard;

			consume(c, k);
			c->discard -= k;
			if (!c->discard) {
				c->state = ST_HEAD;
				answer_error(c, 400, "no request body is accepted");
				continue;
			}
		}
		if (c->state == ST_POST && c->in_len) {
			post_ready(w->s, c);
			continue;
		}
		if (c->state == ST_LINGER)
			c->in_len = 0;
		if (c->state == ST_HEAD && c->in_len) {
			next_request(w->s, c);
			if (c->out || c->state != ST_HEAD)
				continue;
		}
		if (c->in_len == sizeof(c->in))
			return true;	/* cannot happen: next_request answers */
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0)
			return false;
		c->in_len += (size_t)n;
		c->last = time(NULL);
	}
}

static void accept_all(struct worker *w)
{
	for (;;) {
		int fd = accept4(w->s->lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN };
		struct conn *c;

		if (fd < 0)
			return;
		c = w->nconns < MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->last = time(NULL);
		ev.data.ptr = c;
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			continue;
		}
		c->next = w->conns;
		if (w->conns)
			w->conns->prev = c;
		w->conns = c;
		w->nconns++;
	}
}

static void sweep(struct worker *w)
{
	time_t now = time(NULL);

	for (struct conn *c = w->conns, *next; c; c = next) {
		next = c->next;
		if (now - c->last >= (c->state == ST_LINGER ? LINGER_SECONDS :
							      IDLE_SECONDS))
			conn_close(w, c);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct ledger_httpd *s = w->s;
	struct epoll_event evs[64];
	time_t last_sweep = time(NULL);

	while (!atomic_load(&s->stopping)) {
		int n = epoll_wait(w->ep, evs, 64, 1000);

		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c == NULL) {
				accept_all(w);
			} else if (c == (struct conn *)s) {
				continue;	/* the stop eventfd */
			} else if (!service(w, c)) {
				conn_close(w, c);
			}
		}
		if (time(NULL) != last_sweep) {
			sweep(w);
			last_sweep = time(NULL);
		}
	}
	while (w->conns)
		conn_close(w, w->conns);
	return NULL;
}

static int listen_on(struct ledger_httpd *s, const struct ledger_httpd_opts *o,
		     char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int one = 1;

	if (inet_pton(AF_INET, o->addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(o->port);
		len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, o->addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(o->port);
		len = sizeof(*in6);
	} else {
		snprintf(err, errlen, "http address '%s' is not a numeric "
			 "IPv4 or IPv6 address", o->addr);
		return -EINVAL;
	}
	s->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 ||
	    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->lfd, (struct sockaddr *)&ss, len) || listen(s->lfd, 128) ||
	    getsockname(s->lfd, (struct sockaddr *)&ss, &len)) {
		snprintf(err, errlen, "cannot listen on %s port %u: %s", o->addr,
			 o->port, strerror(errno));
		return -EADDRINUSE;
	}
	s->port = ntohs(ss.ss_family == AF_INET ? in4->sin_port : in6->sin6_port);
	return 0;
}

int ledger_httpd_start(struct ledger_httpd **out,
		       const struct ledger_httpd_opts *o, char *err,
		       size_t errlen)
{
	unsigned int threads = o->threads ? o->threads : 2;
	struct ledger_httpd *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->lfd = s->stopfd = -1;
	s->handler = o->handler;
	s->ctx = o->ctx;
	s->post_max = o->post_max;
	ret = listen_on(s, o, err, errlen);
	if (ret)
		goto fail;
	s->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->stopfd < 0)
		goto fail_errno;
	if (threads > MAX_WORKERS)
		threads = MAX_WORKERS;
	for (; s->nworkers < threads; s->nworkers++) {
		struct worker *w = &s->w[s->nworkers];
		struct epoll_event lev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
		struct epoll_event sev = { .events = EPOLLIN, .data.ptr = s };

		w->s = s;
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		if (w->ep < 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, s->lfd, &lev) ||
		    epoll_ctl(w->ep, EPOLL_CTL_ADD, s->stopfd, &sev) ||
		    pthread_create(&w->tid, NULL, worker_main, w)) {
			if (w->ep >= 0)
				close(w->ep);
			goto fail_errno;
		}
	}
	*out = s;
	return 0;
fail_errno:
	ret = -errno;
	snprintf(err, errlen, "cannot start the HTTP server: %s", strerror(errno));
fail:
	ledger_httpd_stop(s);
	return ret;
}

uint16_t ledger_httpd_port(const struct ledger_httpd *s)
{
	return s->port;
}

void ledger_httpd_stop(struct ledger_httpd *s)
{
	uint64_t one = 1;

	if (!s)
		return;
	atomic_store(&s->stopping, true);
	if (s->stopfd >= 0 && write(s->stopfd, &one, sizeof(one)) < 0)
		(void)0;	/* the workers see the flag within a second */
	for (unsigned int i = 0; i < s->nworkers; i++) {
		pthread_join(s->w[i].tid, NULL);
		close(s->w[i].ep);
	}
	if (s->stopfd >= 0)
		close(s->stopfd);
	if (s->lfd >= 0)
		close(s->lfd);
	free(s);
}
