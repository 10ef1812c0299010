// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * netlink.c - talking to szkm.ko over generic netlink (libnl-genl).
 *
 * Two sockets: one joined to the "events" group, non-blocking, polled by
 * the main loop; one for requests (identity, replay, ack), used
 * synchronously. Keeping them apart means a replay dump or an ack never
 * interleaves with multicast traffic on the same socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "netlink.h"

struct ledger_nl {
	struct nl_sock *ev;
	struct nl_sock *cmd;
	int family;
	int group;
};

struct cb_ctx {
	ledger_nl_event_cb cb;
	void *ctx;
	int bad;
	/* identity replies */
	uint8_t *id;
	int got_id;
	/* status replies */
	struct ledger_nl_status *st;
	/* the kernel's errno from an error message */
	int err;
};

static struct nla_policy policy[SZKM_A_MAX + 1] = {
	[SZKM_A_SEQ] = { .type = NLA_U64 },
	[SZKM_A_LEDGER_INDEX] = { .type = NLA_U64 },
	[SZKM_A_CHAIN] = { .type = NLA_U8 },
	[SZKM_A_JOURNAL] = { .type = NLA_U32 },
};

static int bad(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EBADMSG;
}

int ledger_nl_parse_event(struct nlmsghdr *nlh, uint64_t *seq,
			  const uint8_t **body, size_t *len,
			  const uint8_t **sig, const char **why)
{
	struct nlattr *a[SZKM_A_MAX + 1];
	struct genlmsghdr *g;

	if (!genlmsg_valid_hdr(nlh, 0))
		return bad(why, "nl-short-message");
	g = nlmsg_data(nlh);
	if (g->cmd != SZKM_CMD_EVENT)
		return bad(why, "nl-not-an-event");
	if (genlmsg_parse(nlh, 0, a, SZKM_A_MAX, policy))
		return bad(why, "nl-bad-attributes");
	if (!a[SZKM_A_SEQ] || !a[SZKM_A_EVENT] || !a[SZKM_A_EVENT_SIG])
		return bad(why, "nl-missing-attribute");
	if (nla_len(a[SZKM_A_EVENT]) <= 0 ||
	    nla_len(a[SZKM_A_EVENT]) > SZKM_EVENT_MAX_LEN)
		return bad(why, "nl-bad-event-length");
	if (nla_len(a[SZKM_A_EVENT_SIG]) != SZKM_EVENT_SIG_LEN)
		return bad(why, "nl-bad-signature-length");
	*seq = nla_get_u64(a[SZKM_A_SEQ]);
	*body = nla_data(a[SZKM_A_EVENT]);
	*len = (size_t)nla_len(a[SZKM_A_EVENT]);
	*sig = nla_data(a[SZKM_A_EVENT_SIG]);
	return 0;
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct cb_ctx *c = arg;
	const uint8_t *body, *sig;
	const char *why;
	uint64_t seq;
	size_t len;

	if (ledger_nl_parse_event(nlmsg_hdr(msg), &seq, &body, &len, &sig,
				  &why)) {
		fprintf(stderr, "ledgerd: ignoring a netlink message: %s\n",
			why);
		c->bad++;
		return NL_OK;
	}
	c->cb(c->ctx, seq, body, len, sig);
	return NL_OK;
}

int ledger_nl_open(struct ledger_nl **out, char *err, size_t errlen)
{
	struct ledger_nl *nl = calloc(1, sizeof(*nl));
	int ret = -ENOMEM;

	if (!nl)
		return -ENOMEM;
	nl->ev = nl_socket_alloc();
	nl->cmd = nl_socket_alloc();
	if (!nl->ev || !nl->cmd)
		goto fail;
	if (genl_connect(nl->ev) || genl_connect(nl->cmd)) {
		snprintf(err, errlen, "cannot open a generic netlink socket");
		ret = -EIO;
		goto fail;
	}
	nl->family = genl_ctrl_resolve(nl->cmd, SZKM_GENL_NAME);
	if (nl->family < 0) {
		snprintf(err, errlen, "generic netlink family '%s' is not "
			 "registered (is szkm.ko loaded?)", SZKM_GENL_NAME);
		ret = -ENOENT;
		goto fail;
	}
	nl->group = genl_ctrl_resolve_grp(nl->cmd, SZKM_GENL_NAME,
					  SZKM_MCGRP_EVENTS);
	if (nl->group < 0) {
		snprintf(err, errlen, "family '%s' has no '%s' group",
			 SZKM_GENL_NAME, SZKM_MCGRP_EVENTS);
		ret = -ENOENT;
		goto fail;
	}
	/* Multicast messages carry seq 0: no sequence checking there. */
	nl_socket_disable_seq_check(nl->ev);
	nl_socket_disable_auto_ack(nl->ev);
	if (nl_socket_add_membership(nl->ev, nl->group) ||
	    nl_socket_set_nonblocking(nl->ev)) {
		snprintf(err, errlen, "cannot join the '%s' group",
			 SZKM_MCGRP_EVENTS);
		ret = -EIO;
		goto fail;
	}
	/* Room for bursts between two polls; overruns are replayed. */
	nl_socket_set_buffer_size(nl->ev, 4 << 20, 0);
	*out = nl;
	return 0;
fail:
	ledger_nl_close(nl);
	return ret;
}

void ledger_nl_close(struct ledger_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->ev);
	nl_socket_free(nl->cmd);
	free(nl);
}

int ledger_nl_fd(struct ledger_nl *nl)
{
	return nl_socket_get_fd(nl->ev);
}

int ledger_nl_receive(struct ledger_nl *nl, ledger_nl_event_cb cb, void *ctx)
{
	struct cb_ctx c = { .cb = cb, .ctx = ctx };
	int ret;

	nl_socket_modify_cb(nl->ev, NL_CB_VALID, NL_CB_CUSTOM, on_event, &c);
	for (;;) {
		ret = nl_recvmsgs_default(nl->ev);
		if (ret == -NLE_AGAIN)
			return 0;
		if (ret == -NLE_NOMEM)
			return -ENOBUFS;
		if (ret < 0)
			return -EIO;
	}
}

static struct nl_msg *request(struct ledger_nl *nl, int flags, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
				flags, cmd, SZKM_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static int on_identity(struct nl_msg *msg, void *arg)
{
	struct cb_ctx *c = arg;
	struct nlattr *a[SZKM_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, a, SZKM_A_MAX, policy) ||
	    !a[SZKM_A_DEVICE_ID] ||
	    nla_len(a[SZKM_A_DEVICE_ID]) != SZKM_DEVICE_ID_LEN)
		return NL_SKIP;
	memcpy(c->id, nla_data(a[SZKM_A_DEVICE_ID]), SZKM_DEVICE_ID_LEN);
	c->got_id = 1;
	return NL_OK;
}

/* nl errors to errno: libnl keeps its own codes. */
static int nl_errno(int ret)
{
	switch (-ret) {
	case NLE_OBJ_NOTFOUND:
		return -ENOKEY;
	case NLE_PERM:
		return -EPERM;
	case NLE_BUSY:
		return -EBUSY;
	default:
		return -EIO;
	}
}

/* The kernel refused: keep its errno (libnl would fold it into its own
 * codes, and EALREADY or ESTALE matter to the caller). */
static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct cb_ctx *c = arg;

	(void)nla;
	c->err = e->error;
	return NL_STOP;
}

/*
 * One request on the command socket and its answer. A doit request (no
 * NLM_F_DUMP) is answered with its reply and then, separately, the ack
 * that auto-ack asked for: wait for that ack too, or it would be read as
 * the (mismatched) answer to the next request. A dump ends with
 * NLMSG_DONE and gets no ack.
 */
static int run(struct ledger_nl *nl, struct nl_msg *msg,
	       int (*fn)(struct nl_msg *, void *), struct cb_ctx *c)
{
	int dump = !!(nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP);
	int ret;

	/* Always reset: a callback left from an earlier request would be
	 * called with that request's (dead) context. */
	nl_socket_modify_cb(nl->cmd, NL_CB_VALID, NL_CB_CUSTOM, fn, c);
	nl_socket_modify_err_cb(nl->cmd, NL_CB_CUSTOM, on_error, c);
	ret = nl_send_auto(nl->cmd, msg);
	nlmsg_free(msg);
	if (ret < 0)
		return nl_errno(ret);
	ret = nl_recvmsgs_default(nl->cmd);
	if (c->err)
		return c->err;
	if (ret < 0)
		return nl_errno(ret);
	if (!dump && fn) {
		ret = nl_wait_for_ack(nl->cmd);
		if (c->err)
			return c->err;
		if (ret < 0)
			return nl_errno(ret);
	}
	return 0;
}

int ledger_nl_identity(struct ledger_nl *nl, uint8_t id[SZKM_DEVICE_ID_LEN])
{
	struct cb_ctx c = { .id = id };
	struct nl_msg *msg = request(nl, 0, SZKM_CMD_IDENTITY);
	int ret;

	if (!msg)
		return -ENOMEM;
	ret = run(nl, msg, on_identity, &c);
	if (ret)
		return ret;
	return c.got_id ? 0 : -ENOKEY;
}

int ledger_nl_replay(struct ledger_nl *nl, uint64_t after_seq,
		     ledger_nl_event_cb cb, void *ctx)
{
	struct cb_ctx c = { .cb = cb, .ctx = ctx };
	struct nl_msg *msg = request(nl, NLM_F_DUMP, SZKM_CMD_EVENT_REPLAY);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u64(msg, SZKM_A_SEQ, after_seq)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return run(nl, msg, on_event, &c);
}

int ledger_nl_ack(struct ledger_nl *nl, const uint8_t *dev, uint64_t seq,
		  uint64_t index)
{
	struct nl_msg *msg = request(nl, 0, SZKM_CMD_EVENT_ACK);
	struct cb_ctx c = { 0 };

	if (!msg)
		return -ENOMEM;
	/* Naming the device: a re-initialised device's numbers are never
	 * taken for the old one's (the kernel answers ESTALE). */
	if (nla_put_u64(msg, SZKM_A_SEQ, seq) ||
	    nla_put_u64(msg, SZKM_A_LEDGER_INDEX, index) ||
	    (dev && nla_put(msg, SZKM_A_DEVICE_ID, SZKM_DEVICE_ID_LEN, dev))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	/* No reply but the ack: run() returns once the ack (or the
	 * kernel's error) is read. */
	return run(nl, msg, NULL, &c);
}

static int on_status(struct nl_msg *msg, void *arg)
{
	struct cb_ctx *c = arg;
	struct nlattr *a[SZKM_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, a, SZKM_A_MAX, policy))
		return NL_SKIP;
	c->st->chain = a[SZKM_A_CHAIN] ? nla_get_u8(a[SZKM_A_CHAIN]) : 0;
	c->st->seq = a[SZKM_A_SEQ] ? nla_get_u64(a[SZKM_A_SEQ]) : 0;
	c->st->journal = a[SZKM_A_JOURNAL] ?
			 nla_get_u32(a[SZKM_A_JOURNAL]) : 0;
	c->st->valid = a[SZKM_A_CHAIN] != NULL;
	c->got_id = 1;
	return NL_OK;
}

int ledger_nl_status(struct ledger_nl *nl, struct ledger_nl_status *st)
{
	struct nl_msg *msg = request(nl, 0, SZKM_CMD_STATUS);
	struct cb_ctx c = { .st = st };
	int ret;

	memset(st, 0, sizeof(*st));
	if (!msg)
		return -ENOMEM;
	ret = run(nl, msg, on_status, &c);
	if (ret)
		return ret;
	return c.got_id ? 0 : -EPROTO;
}

int ledger_nl_resume(struct ledger_nl *nl, const uint8_t *dev, uint64_t seq,
		     const uint8_t hash[32])
{
	struct nl_msg *msg = request(nl, 0, SZKM_CMD_EVENT_RESUME);
	struct cb_ctx c = { 0 };

	if (!msg)
		return -ENOMEM;
	if (nla_put_u64(msg, SZKM_A_SEQ, seq) ||
	    nla_put(msg, SZKM_A_EVENT_HASH, 32, hash) ||
	    (dev && nla_put(msg, SZKM_A_DEVICE_ID, SZKM_DEVICE_ID_LEN, dev))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return run(nl, msg, NULL, &c);
}
