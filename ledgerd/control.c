// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * control.c - the control socket (protocol in control.h).
 *
 * Non-blocking throughout: the main loop polls, this file accepts, reads
 * into per-client buffers, cuts lines and queues replies. A client that
 * pipelines many lines gets them all into one batch (group commit); its
 * replies wait for the commit like any acknowledgement.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "control.h"

#define MAX_CLIENTS	64
#define IN_CAP		65536
#define MAX_LINE	8192	/* a membership entry in hex */

struct client {
	int fd;
	uint64_t id;
	char *in;
	size_t in_len;
	size_t in_off;		/* start of unparsed input */
	char *out;
	size_t out_len, out_cap;
	int discarding;		/* inside a line that was too long */
	int eof;
	size_t outstanding;	/* requests handed out, not yet answered */
};

struct ledger_control {
	int lfd;
	char path[108];
	struct client cl[MAX_CLIENTS];
	uint64_t next_id;
};

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes hex in [s, s + n) into out (cap bytes); returns bytes or -1. */
static long unhex(const char *s, size_t n, uint8_t *out, size_t cap)
{
	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

/* Splits a line into at most 4 space-separated words. */
static size_t words(const char *s, size_t n, const char **w, size_t *wl)
{
	size_t k = 0, i = 0;

	while (i < n && k < 4) {
		while (i < n && s[i] == ' ')
			i++;
		if (i == n)
			break;
		w[k] = s + i;
		while (i < n && s[i] != ' ')
			i++;
		wl[k] = (size_t)(s + i - w[k]);
		k++;
	}
	while (i < n && s[i] == ' ')
		i++;
	return i < n ? 5 : k;	/* 5: too many words */
}

static bool is(const char *w, size_t n, const char *cmd)
{
	return n == strlen(cmd) && !memcmp(w, cmd, n);
}

void ledgerd_parse_line(const char *line, size_t len, struct ledgerd_req *r)
{
	const char *w[4];
	size_t wl[4], k;
	long n;

	r->kind = REQ_BAD;
	r->why = "unknown-command";
	if (len && line[len - 1] == '\r')
		len--;
	k = words(line, len, w, wl);
	if (k == 0) {
		r->why = "empty-line";
		return;
	}
	if (is(w[0], wl[0], "event")) {
		if (k != 3) {
			r->why = "usage: event <hex body> <hex sig>";
			return;
		}
		n = unhex(w[1], wl[1], r->body, sizeof(r->body));
		if (n < 0) {
			r->why = "bad-hex-body";
			return;
		}
		r->len = (size_t)n;
		if (unhex(w[2], wl[2], r->sig, sizeof(r->sig)) !=
		    SZKM_EVENT_SIG_LEN) {
			r->why = "bad-hex-signature";
			return;
		}
		r->kind = REQ_EVENT;
	} else if (is(w[0], wl[0], "enroll")) {
		if (k != 3) {
			r->why = "usage: enroll <name> <hex pubkey>";
			return;
		}
		if (wl[1] > SZKM_NAME_MAX) {
			r->why = "bad-name";
			return;
		}
		memcpy(r->name, w[1], wl[1]);
		r->name[wl[1]] = 0;
		if (unhex(w[2], wl[2], r->pub, sizeof(r->pub)) !=
		    SZKM_P256_PUB_LEN) {
			r->why = "bad-hex-pubkey";
			return;
		}
		r->kind = REQ_ENROL;
	} else if (is(w[0], wl[0], "member")) {
		n = k == 2 ? unhex(w[1], wl[1], r->entry, sizeof(r->entry)) : -1;
		if (n < 0) {
			r->why = "usage: member <hex membership entry>";
			return;
		}
		r->entry_len = (size_t)n;
		r->kind = REQ_MEMBER;
	} else if (is(w[0], wl[0], "members")) {
		if (k != 1) {
			r->why = "usage: members";
			return;
		}
		r->kind = REQ_MEMBERS;
	} else if (is(w[0], wl[0], "head")) {
		if (k != 2 || unhex(w[1], wl[1], r->device_id,
				    sizeof(r->device_id)) !=
				      SZKM_DEVICE_ID_LEN) {
			r->why = "usage: head <hex device id>";
			return;
		}
		r->kind = REQ_HEAD;
	} else if (is(w[0], wl[0], "sync")) {
		if (k != 1) {
			r->why = "usage: sync";
			return;
		}
		r->kind = REQ_SYNC;
	}
}

int ledgerd_req_decode(struct ledgerd_req *r)
{
	if (r->kind != REQ_EVENT)
		return 0;
	return ledger_event_decode(&r->event, r->body, r->len, r->sig);
}

int ledger_control_open(struct ledger_control **out, const char *path,
			char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ledger_control *c;
	mode_t old;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path %s is too long",
			 path);
		return -ENAMETOOLONG;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (int i = 0; i < MAX_CLIENTS; i++)
		c->cl[i].fd = -1;
	strcpy(sa.sun_path, path);
	strcpy(c->path, path);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0)
		goto fail;
	/* A socket left by a killed ledgerd: nobody listens on it. */
	unlink(path);
	old = umask(0177);
	if (bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa))) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (listen(c->lfd, 16))
		goto fail;
	*out = c;
	return 0;
fail:
	snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
	if (c->lfd >= 0)
		close(c->lfd);
	free(c);
	return -EIO;
}

static void drop(struct client *cl)
{
	close(cl->fd);
	free(cl->in);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

void ledger_control_close(struct ledger_control *c)
{
	if (!c)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (c->cl[i].fd >= 0)
			drop(&c->cl[i]);
	close(c->lfd);
	unlink(c->path);
	free(c);
}

size_t ledger_control_pollfds(struct ledger_control *c, struct pollfd *fds,
			      size_t cap)
{
	size_t n = 0;

	if (cap == 0)
		return 0;
	fds[n++] = (struct pollfd){ .fd = c->lfd, .events = POLLIN };
	for (int i = 0; i < MAX_CLIENTS && n < cap; i++) {
		struct client *cl = &c->cl[i];

		if (cl->fd < 0)
			continue;
		fds[n++] = (struct pollfd){
			.fd = cl->fd,
			.events = (short)((cl->in_len < IN_CAP && !cl->eof ?
					   POLLIN : 0) |
					  (cl->out_len ? POLLOUT : 0)),
		};
	}
	return n;
}

static void accept_all(struct ledger_control *c)
{
	for (;;) {
		int fd = accept4(c->lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct client *cl = NULL;

		if (fd < 0)
			return;
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (c->cl[i].fd < 0) {
				cl = &c->cl[i];
				break;
			}
		if (!cl) {
			static const char full[] = "error too-many-clients\n";

			if (write(fd, full, sizeof(full) - 1) < 0)
				(void)0;
			close(fd);
			continue;
		}
		cl->in = malloc(IN_CAP);
		if (!cl->in) {
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->id = ++c->next_id;
	}
}

static void read_client(struct client *cl)
{
	while (cl->in_len < IN_CAP && !cl->eof) {
		ssize_t n = read(cl->fd, cl->in + cl->in_len,
				 IN_CAP - cl->in_len);

		if (n > 0)
			cl->in_len += (size_t)n;
		else if (n == 0)
			cl->eof = 1;
		else
			break;
	}
}

/* Hands out complete lines; returns non-zero when @cb asked to stop. */
static int parse_client(struct client *cl,
			int (*cb)(void *, const struct ledgerd_req *),
			void *ctx, struct ledgerd_req *r)
{
	int stop = 0;

	while (!stop) {
		char *start = cl->in + cl->in_off;
		size_t avail = cl->in_len - cl->in_off;
		char *nl = memchr(start, '\n', avail);
		size_t len;

		if (!nl) {
			if (avail > MAX_LINE) {
				/* Too long: answer once, skip to its end. */
				if (!cl->discarding) {
					memset(r, 0, sizeof(*r));
					r->kind = REQ_BAD;
					r->why = "line-too-long";
					r->client = cl->id;
					cl->outstanding++;
					stop = cb(ctx, r);
				}
				cl->discarding = 1;
				cl->in_off = cl->in_len;
			}
			break;
		}
		len = (size_t)(nl - start);
		cl->in_off += len + 1;
		if (cl->discarding) {
			cl->discarding = 0;
			continue;
		}
		memset(r, 0, sizeof(*r));
		r->src = SRC_CONTROL;
		r->client = cl->id;
		if (len > MAX_LINE) {
			r->kind = REQ_BAD;
			r->why = "line-too-long";
		} else {
			ledgerd_parse_line(start, len, r);
		}
		cl->outstanding++;
		stop = cb(ctx, r);
	}
	/* Keep the unparsed tail at the front. */
	memmove(cl->in, cl->in + cl->in_off, cl->in_len - cl->in_off);
	cl->in_len -= cl->in_off;
	cl->in_off = 0;
	return stop;
}

void ledger_control_service(struct ledger_control *c, const struct pollfd *fds,
			    size_t n, int (*cb)(void *ctx,
						const struct ledgerd_req *r),
			    void *ctx)
{
	struct ledgerd_req *r = malloc(sizeof(*r));
	int stop = 0;

	if (!r)
		return;
	for (size_t i = 0; i < n; i++)
		if (fds[i].fd == c->lfd && (fds[i].revents & POLLIN))
			accept_all(c);
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = &c->cl[i];

		if (cl->fd < 0)
			continue;
		read_client(cl);
		if (!stop)
			stop = parse_client(cl, cb, ctx, r);
		/* A last line without its newline is not a command. */
		if (cl->eof && !memchr(cl->in, '\n', cl->in_len))
			cl->in_len = 0;
	}
	free(r);
	ledger_control_flush(c);
}

int ledger_control_pending(struct ledger_control *c)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = &c->cl[i];

		if (cl->fd >= 0 && cl->in_len &&
		    memchr(cl->in, '\n', cl->in_len))
			return 1;
	}
	return 0;
}

void ledger_control_reply(struct ledger_control *c, uint64_t client,
			  const char *line)
{
	size_t n = strlen(line);

	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = &c->cl[i];

		if (cl->fd < 0 || cl->id != client)
			continue;
		if (cl->out_len + n + 1 > cl->out_cap) {
			size_t cap = (cl->out_len + n + 1) * 2;
			char *p = realloc(cl->out, cap);

			if (!p)
				return;
			cl->out = p;
			cl->out_cap = cap;
		}
		if (cl->outstanding)
			cl->outstanding--;
		memcpy(cl->out + cl->out_len, line, n);
		cl->out[cl->out_len + n] = '\n';
		cl->out_len += n + 1;
		return;
	}
}

void ledger_control_flush(struct ledger_control *c)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = &c->cl[i];

		while (cl->fd >= 0 && cl->out_len) {
			ssize_t n = send(cl->fd, cl->out, cl->out_len,
					 MSG_NOSIGNAL);

			if (n <= 0) {
				if (n < 0 && errno != EAGAIN &&
				    errno != EWOULDBLOCK)
					drop(cl);
				break;
			}
			memmove(cl->out, cl->out + n, cl->out_len - (size_t)n);
			cl->out_len -= (size_t)n;
		}
		if (cl->fd >= 0 && cl->eof && cl->in_len == 0 &&
		    cl->out_len == 0 && cl->outstanding == 0)
			drop(cl);
	}
}
