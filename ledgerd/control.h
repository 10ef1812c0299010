/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * control.h - ledgerd's local control socket, and the requests the main
 * loop batches from it and from the kernel.
 *
 * A unix stream socket (mode 0600) taking one command per line; each gets
 * one reply line, in order, sent only once the outcome is durable:
 *   enroll <name> <hex pubkey65>   -> enrolled <index> <hex device id>
 *   event <hex body> <hex sig64>   -> ok <index> <seq> | dup <index> <seq>
 *   head <hex device id>           -> head <last seq>
 *   sync                           -> synced <size>  (signs a checkpoint)
 *   member <hex entry>             -> member <index> <epoch>
 *   members                        -> members <epoch> <k> <n> <hex leaf
 *                                     hash of its entry> | members 0
 * Failures reply "reject <reason>" (the ledger refused it) or
 * "error <reason>" (the line itself is wrong). This is how an
 * administrator enrols devices, and how tests feed events without a
 * kernel: the same validation and append path as netlink events.
 */
#ifndef LEDGER_CONTROL_H
#define LEDGER_CONTROL_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "admit.h"
#include "entry.h"

enum ledgerd_req_kind {
	REQ_EVENT,
	REQ_ENROL,
	REQ_HEAD,
	REQ_SYNC,
	REQ_MEMBER,	/* a membership entry to append */
	REQ_MEMBERS,	/* which membership is in force */
	REQ_BAD,	/* a line that did not parse: why says so */
};

enum ledgerd_req_src {
	SRC_CONTROL,
	SRC_NETLINK,
};

struct ledgerd_req {
	enum ledgerd_req_kind kind;
	enum ledgerd_req_src src;
	uint64_t client;		/* control connection id */
	uint64_t nl_seq;		/* SZKM_A_SEQ of a netlink event */
	const char *why;		/* REQ_BAD */
	union {
		uint8_t body[SZKM_EVENT_MAX_LEN];
		uint8_t entry[LEDGER_MEMBERS_MAX_LEN];	/* REQ_MEMBER */
	};
	size_t len;
	uint8_t sig[SZKM_EVENT_SIG_LEN];
	/* REQ_EVENT: body and sig decoded, once, by whoever batches it
	 * (ledgerd_req_decode); it points into this request. */
	struct ledger_event event;
	char name[SZKM_NAME_MAX + 1];
	uint8_t pub[SZKM_P256_PUB_LEN];
	uint8_t device_id[SZKM_DEVICE_ID_LEN];
	size_t entry_len;			/* REQ_MEMBER */
};

/* Parses one command line (no newline) into @r; pure, for tests too. */
void ledgerd_parse_line(const char *line, size_t len, struct ledgerd_req *r);
/*
 * Decodes a REQ_EVENT's body into r->event, which then points into @r:
 * call it where @r will stay (a copy needs decoding again). 0 or -EIO.
 */
int ledgerd_req_decode(struct ledgerd_req *r);

struct ledger_control;

int ledger_control_open(struct ledger_control **out, const char *path,
			char *err, size_t errlen);
void ledger_control_close(struct ledger_control *c);
/* Fills @fds (room for @cap) with what to poll; returns the count. */
size_t ledger_control_pollfds(struct ledger_control *c, struct pollfd *fds,
			      size_t cap);
/*
 * Acts on poll results: accepts, reads, flushes. Complete lines become
 * requests through @cb until it returns non-zero (the batch is full);
 * the rest stay buffered for the next call.
 */
void ledger_control_service(struct ledger_control *c, const struct pollfd *fds,
			    size_t n, int (*cb)(void *ctx,
						const struct ledgerd_req *r),
			    void *ctx);
/* True when a client has buffered lines not yet handed out. */
int ledger_control_pending(struct ledger_control *c);
/* Queues a reply line (no newline) for a client, if it is still there. */
void ledger_control_reply(struct ledger_control *c, uint64_t client,
			  const char *line);
/* Writes what can be written now. */
void ledger_control_flush(struct ledger_control *c);

#endif /* LEDGER_CONTROL_H */
