// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * genl.c - the one place libszkm talks generic netlink to szkm.ko (libnl).
 *
 * Every command goes through szkm_genl_call(): build the request (a
 * callback adds attributes), send it, hand each reply's attributes to a
 * parser, and keep the kernel's errno and extended-ack message, which
 * szkm_last_message() returns.
 */
#include "libszkm.h"
#include "szkm_event.h"
#include "szkm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

static _Thread_local char last_message[256];

const char *szkm_last_message(void)
{
	return last_message;
}

struct call_ctx {
	int (*parse)(struct nlattr **tb, void *arg);
	int (*raw)(struct nl_msg *msg, void *arg);	/* instead of parse */
	void *arg;
	int got;	/* replies parsed */
	int err;	/* the kernel's errno (negative), 0 */
	int parse_err;
};

/*
 * Any local process may send a netlink message to our port: only what the
 * kernel sent (source port 0) is believed; the rest is skipped.
 */
static int from_kernel(struct nl_msg *msg)
{
	return nlmsg_get_src(msg)->nl_pid == 0;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct call_ctx *ctx = arg;
	struct nlattr *tb[SZKM_A_MAX + 1];

	if (!from_kernel(msg))
		return NL_SKIP;
	if (ctx->raw) {
		ctx->got++;
		return ctx->raw(msg, ctx->arg);
	}
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, SZKM_A_MAX, NULL) < 0) {
		ctx->parse_err = -EPROTO;
		return NL_SKIP;
	}
	ctx->got++;
	if (ctx->parse && !ctx->parse_err)
		ctx->parse_err = ctx->parse(tb, ctx->arg);
	return NL_OK;
}

/* The kernel's error: keep its errno and its extended-ack message. */
static int error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct call_ctx *ctx = arg;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);
	int len;

	if (nla && nla->nl_pid)
		return NL_SKIP;	/* not the kernel's */
	ctx->err = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;	/* our request, echoed */
	len = (int)(nlh->nlmsg_len - NLMSG_HDRLEN - off);
	if (len > 0 &&
	    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off), len, NULL) >= 0 &&
	    tb[NLMSGERR_ATTR_MSG])
		snprintf(last_message, sizeof(last_message), "%s",
			 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	return NL_STOP;
}

/* libnl's own codes, for failures before the kernel answered. */
static int nl_to_errno(int err)
{
	switch (-err) {
	case NLE_PERM: return -EPERM;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_INVAL: return -EINVAL;
	case NLE_BUSY: return -EBUSY;
	default: return -EIO;
	}
}

/*
 * The largest request: a proof message (a checkpoint, a consistency proof
 * and a nest of event proofs that netlink caps at 64 KiB) or a device
 * blob, whichever is larger, with room for the headers.
 */
#define SZKM_REQ_MAX	(SZKM_LEDGER_NOTE_MAX + 32 * SZKM_LEDGER_PROOF_MAX + 65536 + 4096)

/*
 * Send @cmd with @flags and the attributes @put adds (may be NULL), hand
 * each reply to @ctx (its parse or raw callback, either may be NULL), and
 * require at least @want_reply replies. Returns 0 or a negative errno (the
 * kernel's when it refused).
 */
static int genl_request(uint8_t cmd, int flags,
			int (*put)(struct nl_msg *, const void *), const void *put_arg,
			struct call_ctx *c, int want_reply)
{
	struct call_ctx ctx = *c;
	struct nl_msg *msg = NULL;
	struct nl_sock *sk;
	int family, ret, one = 1;

	last_message[0] = 0;
	sk = nl_socket_alloc();
	if (!sk)
		return errno = ENOMEM, -ENOMEM;
	ret = genl_connect(sk);
	if (ret < 0)
		goto out;
	/*
	 * Ask for the kernel's reason with every error (best effort), and no
	 * echo of our request in it: a request may carry a PIN, which would
	 * come back in a reply buffer libnl frees without wiping.
	 */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Replies can pass a page (a key with many versions): size each read. */
	nl_socket_enable_msg_peek(sk);
	family = genl_ctrl_resolve(sk, SZKM_GENL_NAME);
	if (family < 0) {
		ret = -NLE_OBJ_NOTFOUND;
		goto out;
	}
	msg = nlmsg_alloc_size(SZKM_REQ_MAX);
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags,
				 cmd, SZKM_GENL_VERSION) ||
	    (put && put(msg, put_arg) < 0)) {
		ret = -NLE_NOMEM;
		goto out;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &ctx);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, error_cb, &ctx);
	ret = nl_send_auto(sk, msg);
	if (ret >= 0)
		ret = nl_recvmsgs_default(sk);
	if (ctx.err) {
		ret = ctx.err;	/* already an errno */
		goto done;
	}
	if (ret >= 0 && ctx.parse_err) {
		ret = ctx.parse_err;
		goto done;
	}
	if (ret >= 0 && ctx.got < want_reply)
		ret = -NLE_INVAL;
out:
	if (ret < 0)
		ret = nl_to_errno(ret);
	else
		ret = 0;
done:
	/* The request may hold a PIN: wipe what was built before freeing it. */
	if (msg)
		explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	nl_socket_free(sk);
	if (ret < 0)
		errno = -ret;
	return ret;
}

static int szkm_genl_call(uint8_t cmd, int (*put)(struct nl_msg *, const void *),
			  const void *put_arg, int (*parse)(struct nlattr **, void *),
			  void *parse_arg, int want_reply)
{
	struct call_ctx ctx = { .parse = parse, .arg = parse_arg };

	return genl_request(cmd, 0, put, put_arg, &ctx, want_reply);
}

/* Copy a fixed-size attribute; -EPROTO when it is missing or the wrong size. */
static int get_exact(struct nlattr *a, void *out, size_t len)
{
	if (!a || (size_t)nla_len(a) != len)
		return -EPROTO;
	memcpy(out, nla_data(a), len);
	return 0;
}

static int status_parse(struct nlattr **tb, void *arg)
{
	struct szkm_status *st = arg;

	if (tb[SZKM_A_VERSION])
		snprintf(st->version, sizeof(st->version), "%s",
			 nla_get_string(tb[SZKM_A_VERSION]));
	if (tb[SZKM_A_STATE])
		st->state = nla_get_u32(tb[SZKM_A_STATE]);
	if (tb[SZKM_A_TPM])
		st->tpm = nla_get_u32(tb[SZKM_A_TPM]);
	if (tb[SZKM_A_TEST_MODE])
		st->test_mode = nla_get_u8(tb[SZKM_A_TEST_MODE]);
	if (tb[SZKM_A_NKEYS])
		st->nkeys = nla_get_u32(tb[SZKM_A_NKEYS]);
	if (tb[SZKM_A_CHAIN])
		st->chain = nla_get_u8(tb[SZKM_A_CHAIN]);
	if (tb[SZKM_A_SEQ])
		st->seq = nla_get_u64(tb[SZKM_A_SEQ]);
	if (tb[SZKM_A_JOURNAL])
		st->journal = nla_get_u32(tb[SZKM_A_JOURNAL]);
	if (tb[SZKM_A_DEVICE_ID])
		st->has_device_id = !get_exact(tb[SZKM_A_DEVICE_ID], st->device_id,
					       sizeof(st->device_id));
	/* The binding comes as a whole, for a device sealed by a TPM. */
	if (tb[SZKM_A_LOCK_PCR]) {
		st->has_binding = 1;
		st->lock_pcr = nla_get_u8(tb[SZKM_A_LOCK_PCR]);
	}
	if (tb[SZKM_A_PCR_CAPPED])
		st->pcr_capped = nla_get_u8(tb[SZKM_A_PCR_CAPPED]);
	if (tb[SZKM_A_BOOT_PCRS])
		st->boot_pcrs = nla_get_u32(tb[SZKM_A_BOOT_PCRS]);
	if (tb[SZKM_A_PIN_SET])
		st->pin_set = nla_get_u8(tb[SZKM_A_PIN_SET]);
	if (tb[SZKM_A_TPM_POLICY] &&
	    get_exact(tb[SZKM_A_TPM_POLICY], st->tpm_policy, sizeof(st->tpm_policy)))
		return -EPROTO;
	if (tb[SZKM_A_TPM_SESSION])
		st->tpm_session = nla_get_u8(tb[SZKM_A_TPM_SESSION]);
	if (tb[SZKM_A_LEDGER_SIZE])
		st->ledger_size = nla_get_u64(tb[SZKM_A_LEDGER_SIZE]);
	if (tb[SZKM_A_REGISTRY])
		st->registry = nla_get_u8(tb[SZKM_A_REGISTRY]);
	if (tb[SZKM_A_MEMBERS_EPOCH])
		st->members_epoch = nla_get_u64(tb[SZKM_A_MEMBERS_EPOCH]);
	if (tb[SZKM_A_TPM_COUNTER])
		st->tpm_counter = nla_get_u64(tb[SZKM_A_TPM_COUNTER]);
	if (tb[SZKM_A_MEMBERS_HASH] &&
	    get_exact(tb[SZKM_A_MEMBERS_HASH], st->members_hash, sizeof(st->members_hash)))
		return -EPROTO;
	if (tb[SZKM_A_LEDGER_THRESHOLD])
		st->ledger_threshold = nla_get_u8(tb[SZKM_A_LEDGER_THRESHOLD]);
	if (tb[SZKM_A_LEDGER_KEYS]) {
		struct nlattr *a;
		int rem;

		nla_for_each_nested(a, tb[SZKM_A_LEDGER_KEYS], rem) {
			if (nla_type(a) != SZKM_A_LEDGER_KEY ||
			    st->ledger_keys == SZKM_LEDGER_KEYS_MAX)
				return -EPROTO;
			snprintf(st->ledger_key[st->ledger_keys++], SZKM_LEDGER_NAME_MAX + 1,
				 "%.*s", (int)strnlen(nla_data(a), (size_t)nla_len(a)),
				 (const char *)nla_data(a));
		}
	}
	return 0;
}

int szkm_status_get(struct szkm_status *st)
{
	memset(st, 0, sizeof(*st));
	return szkm_genl_call(SZKM_CMD_STATUS, NULL, NULL, status_parse, st, 1);
}

static int put_force(struct nl_msg *msg, const void *arg)
{
	return *(const int *)arg ? nla_put_flag(msg, SZKM_A_FORCE) : 0;
}

/* A PIN is 1..SZKM_PIN_MAX bytes; the kernel never sees another. */
static int pin_check(const uint8_t *pin, size_t pin_len)
{
	if (pin && (!pin_len || pin_len > SZKM_PIN_MAX)) {
		last_message[0] = 0;
		errno = EINVAL;
		return -EINVAL;
	}
	return 0;
}

static int put_pin(struct nl_msg *msg, const uint8_t *pin, size_t pin_len)
{
	return pin ? nla_put(msg, SZKM_A_PIN, (int)pin_len, pin) : 0;
}

static int put_init(struct nl_msg *msg, const void *arg)
{
	const struct szkm_device_opts *o = arg;

	if (put_force(msg, &o->force) < 0 ||
	    (o->has_lock_pcr && nla_put_u8(msg, SZKM_A_LOCK_PCR, o->lock_pcr) < 0) ||
	    (o->boot_pcrs && nla_put_u32(msg, SZKM_A_BOOT_PCRS, o->boot_pcrs) < 0) ||
	    (o->ledger_threshold &&
	     nla_put_u8(msg, SZKM_A_LEDGER_THRESHOLD, o->ledger_threshold) < 0))
		return -1;
	if (o->n_ledger_keys) {
		struct nlattr *nest = nla_nest_start(msg, SZKM_A_LEDGER_KEYS);

		for (size_t i = 0; nest && i < o->n_ledger_keys; i++)
			if (nla_put_string(msg, SZKM_A_LEDGER_KEY, o->ledger_keys[i]) < 0)
				return -1;
		if (!nest || nla_nest_end(msg, nest) < 0)
			return -1;
	}
	return put_pin(msg, o->pin, o->pin_len);
}

struct init_reply {
	uint8_t *blob;
	size_t len;
	uint8_t id[SZKM_DEVICE_ID_LEN];
};

/* A copy (malloc'd) of a binary attribute of @min..@max bytes; -EPROTO. */
static int get_copy(struct nlattr *a, size_t min, size_t max, uint8_t **out, size_t *len)
{
	if (!a || (size_t)nla_len(a) < min || (size_t)nla_len(a) > max)
		return -EPROTO;
	free(*out);
	*out = malloc((size_t)nla_len(a));
	if (!*out)
		return -ENOMEM;
	memcpy(*out, nla_data(a), (size_t)nla_len(a));
	*len = (size_t)nla_len(a);
	return 0;
}

static int init_parse(struct nlattr **tb, void *arg)
{
	struct init_reply *r = arg;

	if (get_exact(tb[SZKM_A_DEVICE_ID], r->id, sizeof(r->id)))
		return -EPROTO;
	return get_copy(tb[SZKM_A_DEVICE_BLOB], 1, SZKM_DEVBLOB_MAX, &r->blob, &r->len);
}

int szkm_device_init(const struct szkm_device_opts *opts, uint8_t **blob, size_t *len,
		     uint8_t id[SZKM_DEVICE_ID_LEN])
{
	static const struct szkm_device_opts defaults;
	struct init_reply r = { 0 };
	int ret;

	if (!opts)
		opts = &defaults;
	ret = pin_check(opts->pin, opts->pin_len);
	if (ret < 0)
		return ret;
	ret = szkm_genl_call(SZKM_CMD_DEVICE_INIT, put_init, opts, init_parse, &r, 1);
	if (ret < 0) {
		free(r.blob);
		return ret;
	}
	*blob = r.blob;
	*len = r.len;
	if (id)
		memcpy(id, r.id, sizeof(r.id));
	return 0;
}

struct unseal_req {
	const uint8_t *blob;
	size_t len;
	int force;
	const uint8_t *pin;
	size_t pin_len;
};

static int put_unseal(struct nl_msg *msg, const void *arg)
{
	const struct unseal_req *u = arg;

	if (nla_put(msg, SZKM_A_DEVICE_BLOB, (int)u->len, u->blob) < 0 ||
	    put_force(msg, &u->force) < 0)
		return -1;
	return put_pin(msg, u->pin, u->pin_len);
}

int szkm_device_unseal(const uint8_t *blob, size_t len, int force,
		       const uint8_t *pin, size_t pin_len)
{
	struct unseal_req u = { blob, len, force, pin, pin_len };
	int ret;

	/* Let the kernel judge the size too; only refuse what cannot be sent. */
	if (len > SZKM_DEVBLOB_MAX * 4)
		return errno = EMSGSIZE, -EMSGSIZE;
	ret = pin_check(pin, pin_len);
	if (ret < 0)
		return ret;
	return szkm_genl_call(SZKM_CMD_DEVICE_UNSEAL, put_unseal, &u, NULL, NULL, 0);
}

int szkm_device_commit(const uint8_t *blob, size_t len)
{
	struct unseal_req u = { blob, len, 0, NULL, 0 };

	if (!blob || !len || len > SZKM_DEVBLOB_MAX)
		return errno = EINVAL, -EINVAL;
	return szkm_genl_call(SZKM_CMD_DEVICE_COMMIT, put_unseal, &u, NULL, NULL, 0);
}

int szkm_device_lock(void)
{
	return szkm_genl_call(SZKM_CMD_DEVICE_LOCK, NULL, NULL, NULL, NULL, 0);
}

static int identity_parse(struct nlattr **tb, void *arg)
{
	struct szkm_identity *idn = arg;

	if (get_exact(tb[SZKM_A_DEVICE_ID], idn->id, sizeof(idn->id)))
		return -EPROTO;
	return get_exact(tb[SZKM_A_PUBKEY], idn->pub, sizeof(idn->pub));
}

int szkm_device_identity(struct szkm_identity *idn)
{
	memset(idn, 0, sizeof(*idn));
	return szkm_genl_call(SZKM_CMD_IDENTITY, NULL, NULL, identity_parse, idn, 1);
}

static int put_serial(struct nl_msg *msg, const void *arg)
{
	return nla_put_u32(msg, SZKM_A_KEY_SERIAL, *(const uint32_t *)arg);
}

static int version_parse(struct nlattr *nest, struct szkm_version_info *v)
{
	struct nlattr *tb[SZKM_VA_MAX + 1];

	if (nla_parse_nested(tb, SZKM_VA_MAX, nest, NULL) < 0 ||
	    !tb[SZKM_VA_NUM] || !tb[SZKM_VA_STATE] || !tb[SZKM_VA_ORIGIN])
		return -EPROTO;
	v->num = nla_get_u32(tb[SZKM_VA_NUM]);
	v->state = nla_get_u8(tb[SZKM_VA_STATE]);
	v->origin = nla_get_u8(tb[SZKM_VA_ORIGIN]);
	v->uses = tb[SZKM_VA_USES] ? nla_get_u64(tb[SZKM_VA_USES]) : 0;
	v->has_pub = !!tb[SZKM_VA_PUBKEY];
	return v->has_pub ? get_exact(tb[SZKM_VA_PUBKEY], v->pub, sizeof(v->pub)) : 0;
}

static int key_info_parse(struct nlattr **tb, void *arg)
{
	struct szkm_key_info *info = arg;
	struct nlattr *a;
	int rem, ret;

	if (!tb[SZKM_A_NAME] || !tb[SZKM_A_ALG] || !tb[SZKM_A_ACTIVE] || !tb[SZKM_A_VERSIONS] ||
	    !tb[SZKM_A_KEY_MARK] || !tb[SZKM_A_ROTATE_SECS] || !tb[SZKM_A_MAX_USES] ||
	    !tb[SZKM_A_MIN_VERSION] || !tb[SZKM_A_LEDGER_MODE])
		return -EPROTO;
	ret = get_exact(tb[SZKM_A_KEY_ID], info->id, sizeof(info->id)) ?:
	      get_exact(tb[SZKM_A_DEVICE_ID], info->device_id, sizeof(info->device_id));
	if (ret)
		return ret;
	info->mark = nla_get_u64(tb[SZKM_A_KEY_MARK]);
	info->rotate_secs = nla_get_u64(tb[SZKM_A_ROTATE_SECS]);
	info->max_uses = nla_get_u64(tb[SZKM_A_MAX_USES]);
	info->min_version = nla_get_u32(tb[SZKM_A_MIN_VERSION]);
	info->ledger_mode = nla_get_u8(tb[SZKM_A_LEDGER_MODE]);
	snprintf(info->name, sizeof(info->name), "%s", nla_get_string(tb[SZKM_A_NAME]));
	info->alg = nla_get_u8(tb[SZKM_A_ALG]);
	info->active = nla_get_u32(tb[SZKM_A_ACTIVE]);
	info->waiting = tb[SZKM_A_JOURNAL] ? nla_get_u32(tb[SZKM_A_JOURNAL]) : 0;
	info->nver = 0;
	nla_for_each_nested(a, tb[SZKM_A_VERSIONS], rem) {
		if (info->nver >= sizeof(info->ver) / sizeof(info->ver[0]))
			return -EPROTO;
		ret = version_parse(a, &info->ver[info->nver++]);
		if (ret)
			return ret;
	}
	info->ngrants = 0;
	if (tb[SZKM_A_GRANTS]) {
		nla_for_each_nested(a, tb[SZKM_A_GRANTS], rem) {
			if (info->ngrants >= SZKM_GRANTS_MAX || nla_type(a) != SZKM_A_GRANT_UID ||
			    nla_len(a) != 4)
				return -EPROTO;
			info->grants[info->ngrants++] = nla_get_u32(a);
		}
	}
	return 0;
}

int szkm_key_info(int32_t serial, struct szkm_key_info *info)
{
	uint32_t s = (uint32_t)serial;

	memset(info, 0, sizeof(*info));
	info->serial = serial;
	return szkm_genl_call(SZKM_CMD_KEY_PUBLIC, put_serial, &s, key_info_parse, info, 1);
}

/* The export bundle (include/szkm.h): the kernel seals it, and opens it. */
struct bundle_msg {
	uint32_t serial;
	uint8_t *bundle;	/* export: the reply (malloc'd); open: the request */
	size_t len;
};

static int put_bundle(struct nl_msg *msg, const void *arg)
{
	const struct bundle_msg *b = arg;

	if (nla_put_u32(msg, SZKM_A_KEY_SERIAL, b->serial) < 0)
		return -1;
	return b->bundle ? nla_put(msg, SZKM_A_BUNDLE, (int)b->len, b->bundle) : 0;
}

static int bundle_parse(struct nlattr **tb, void *arg)
{
	struct bundle_msg *b = arg;

	return get_copy(tb[SZKM_A_BUNDLE], SZKM_BUNDLE_MIN, SZKM_BUNDLE_MAX, &b->bundle, &b->len);
}

int szkm_bundle_export(int32_t serial, uint8_t **bundle, size_t *len)
{
	struct bundle_msg b = { .serial = (uint32_t)serial };
	int ret;

	if (!bundle || !len)
		return errno = EINVAL, -EINVAL;
	/* b.bundle is NULL when the request is built, the reply when parsed. */
	ret = szkm_genl_call(SZKM_CMD_KEY_EXPORT, put_bundle, &b, bundle_parse, &b, 1);
	if (ret < 0) {
		free(b.bundle);
		return ret;
	}
	*bundle = b.bundle;
	*len = b.len;
	return 0;
}

int szkm_bundle_open(int32_t serial, const uint8_t *bundle, size_t len,
		     struct szkm_key_info *info)
{
	struct bundle_msg b = { (uint32_t)serial, (uint8_t *)bundle, len };

	if (!info || !bundle)
		return errno = EINVAL, -EINVAL;
	memset(info, 0, sizeof(*info));
	info->serial = serial;
	/* The kernel judges the bundle; only refuse what cannot be sent. */
	if (len > SZKM_BUNDLE_MAX)
		return errno = EMSGSIZE, -EMSGSIZE;
	return szkm_genl_call(SZKM_CMD_BUNDLE_OPEN, put_bundle, &b, key_info_parse, info, 1);
}

struct grant_req {
	uint32_t serial, uid;
	int revoke;
};

static int put_grant(struct nl_msg *msg, const void *arg)
{
	const struct grant_req *g = arg;

	if (nla_put_u32(msg, SZKM_A_KEY_SERIAL, g->serial) < 0 ||
	    nla_put_u32(msg, SZKM_A_GRANT_UID, g->uid) < 0)
		return -1;
	return g->revoke ? nla_put_flag(msg, SZKM_A_REVOKE) : 0;
}

int szkm_key_grant(int32_t serial, uint32_t uid, int revoke)
{
	struct grant_req g = { (uint32_t)serial, uid, revoke };

	return szkm_genl_call(SZKM_CMD_KEY_GRANT, put_grant, &g, NULL, NULL, 0);
}

struct prove_req {
	const uint8_t *dev;
	const char *note;
	size_t note_len;
	const uint8_t (*cons)[32];
	size_t ncons;
	const struct szkm_event_proof *p;
	size_t n;
	/* resume: the last event */
	const uint8_t *body;
	size_t len;
	const uint8_t *sig;
};

static int put_proof(struct nl_msg *msg, const struct szkm_event_proof *p)
{
	struct nlattr *nest = nla_nest_start(msg, SZKM_A_PROOF);

	if (!nest || nla_put_u64(msg, SZKM_A_SEQ, p->seq) < 0 ||
	    nla_put_u64(msg, SZKM_A_LEDGER_INDEX, p->index) < 0 ||
	    nla_put(msg, SZKM_A_INCLUSION, (int)(32 * p->n), p->path) < 0)
		return -1;
	return nla_nest_end(msg, nest);
}

static int put_prove(struct nl_msg *msg, const void *arg)
{
	const struct prove_req *r = arg;
	struct nlattr *nest;

	if ((r->dev && nla_put(msg, SZKM_A_DEVICE_ID, SZKM_DEVICE_ID_LEN, r->dev) < 0) ||
	    nla_put(msg, SZKM_A_CHECKPOINT, (int)r->note_len, r->note) < 0 ||
	    (r->ncons && nla_put(msg, SZKM_A_CONSISTENCY, (int)(32 * r->ncons), r->cons) < 0))
		return -1;
	if (r->body)
		return nla_put(msg, SZKM_A_EVENT, (int)r->len, r->body) < 0 ||
		       nla_put(msg, SZKM_A_EVENT_SIG, SZKM_EVENT_SIG_LEN, r->sig) < 0 ||
		       put_proof(msg, r->p) < 0 ? -1 : 0;
	nest = nla_nest_start(msg, SZKM_A_PROOFS);
	for (size_t i = 0; nest && i < r->n; i++)
		if (put_proof(msg, &r->p[i]) < 0)
			return -1;
	return nest ? nla_nest_end(msg, nest) : -1;
}

/* Sizes the kernel takes, checked before anything is sent. */
static int prove_check(const struct prove_req *r)
{
	size_t nest = 4;

	if (!r->note || !r->note_len || r->note_len > SZKM_LEDGER_NOTE_MAX ||
	    r->ncons > SZKM_LEDGER_PROOF_MAX || r->n > SZKM_LEDGER_PROOFS_MAX)
		goto bad;
	for (size_t i = 0; i < r->n || (r->body && i < 1); i++) {
		if (r->p[i].n > SZKM_LEDGER_PROOF_MAX)
			goto bad;
		nest += 4 + 12 + 12 + 4 + 32 * r->p[i].n;
	}
	if (nest > 65535)	/* a netlink attribute's length is 16 bits */
		goto bad;
	return 0;
bad:
	last_message[0] = 0;
	return errno = E2BIG, -E2BIG;
}

int szkm_event_prove(const uint8_t *dev, const char *note, size_t note_len,
		     const uint8_t (*cons)[32], size_t ncons,
		     const struct szkm_event_proof *p, size_t n)
{
	struct prove_req r = { dev, note, note_len, cons, ncons, p, n, NULL, 0, NULL };

	return prove_check(&r) ?: szkm_genl_call(SZKM_CMD_EVENT_PROVE, put_prove, &r,
						  NULL, NULL, 0);
}

int szkm_event_resume_proven(const uint8_t *dev, const char *note, size_t note_len,
			     const uint8_t *body, size_t len, const uint8_t sig[64],
			     const struct szkm_event_proof *p)
{
	struct prove_req r = { dev, note, note_len, NULL, 0, p, 0, body, len, sig };

	if (!body || !len || len > SZKM_EVENT_MAX_LEN || !sig)
		return errno = EINVAL, -EINVAL;
	return prove_check(&r) ?: szkm_genl_call(SZKM_CMD_EVENT_RESUME, put_prove, &r,
						  NULL, NULL, 0);
}

struct members_req {
	struct prove_req r;
	const uint8_t *entry;
	size_t len;
};

static int put_members(struct nl_msg *msg, const void *arg)
{
	const struct members_req *m = arg;

	if (nla_put(msg, SZKM_A_ENTRY, (int)m->len, m->entry) < 0 ||
	    nla_put_u64(msg, SZKM_A_LEDGER_INDEX, m->r.p->index) < 0 ||
	    nla_put(msg, SZKM_A_INCLUSION, (int)(32 * m->r.p->n), m->r.p->path) < 0 ||
	    nla_put(msg, SZKM_A_CHECKPOINT, (int)m->r.note_len, m->r.note) < 0 ||
	    (m->r.ncons && nla_put(msg, SZKM_A_CONSISTENCY, (int)(32 * m->r.ncons),
				   m->r.cons) < 0))
		return -1;
	return 0;
}

static int members_parse(struct nlattr **tb, void *arg)
{
	struct init_reply *r = arg;

	return get_copy(tb[SZKM_A_DEVICE_BLOB], 1, SZKM_DEVBLOB_MAX, &r->blob, &r->len);
}

int szkm_ledger_members(const uint8_t *entry, size_t len, const char *note,
			size_t note_len, const uint8_t (*cons)[32], size_t ncons,
			const struct szkm_event_proof *p, uint8_t **blob,
			size_t *bloblen)
{
	struct members_req m = { { NULL, note, note_len, cons, ncons, p, 1, NULL, 0, NULL },
				 entry, len };
	struct init_reply r = { 0 };
	int ret;

	if (!entry || !len || len > SZKM_MEMBERS_ENTRY_MAX || !p || !blob || !bloblen)
		return errno = EINVAL, -EINVAL;
	ret = prove_check(&m.r) ?: szkm_genl_call(SZKM_CMD_LEDGER_MEMBERS, put_members, &m,
						   members_parse, &r, 1);
	if (ret < 0) {
		free(r.blob);
		return ret;
	}
	*blob = r.blob;
	*bloblen = r.len;
	return 0;
}

/*
 * The chain for the key registry: bodies collected until a message is full
 * (SZKM_CHAIN_RESTORE_MAX), each checked to be the device's next event.
 */
struct szkm_chain_batch {
	uint8_t dev[SZKM_DEVICE_ID_LEN];
	uint64_t last_seq;	/* the last body taken, 0 for none */
	int err;		/* the kernel's refusal: the batch is over */
	size_t n;		/* bodies waiting to be sent */
	size_t len[SZKM_CHAIN_RESTORE_MAX];
	uint8_t body[SZKM_CHAIN_RESTORE_MAX][SZKM_EVENT_MAX_LEN];
	uint8_t sig[SZKM_CHAIN_RESTORE_MAX][SZKM_EVENT_SIG_LEN];
};

struct szkm_chain_batch *szkm_chain_batch_new(const uint8_t dev[SZKM_DEVICE_ID_LEN])
{
	struct szkm_chain_batch *b;

	if (!dev)
		return errno = EINVAL, NULL;
	b = calloc(1, sizeof(*b));
	if (b)
		memcpy(b->dev, dev, SZKM_DEVICE_ID_LEN);
	return b;
}

void szkm_chain_batch_free(struct szkm_chain_batch *b)
{
	free(b);
}

static int put_chain(struct nl_msg *msg, const void *arg)
{
	const struct szkm_chain_batch *b = arg;
	struct nlattr *nest;

	if (nla_put(msg, SZKM_A_DEVICE_ID, SZKM_DEVICE_ID_LEN, b->dev) < 0)
		return -1;
	nest = nla_nest_start(msg, SZKM_A_EVENTS);
	for (size_t i = 0; nest && i < b->n; i++)
		if (nla_put(msg, SZKM_A_EVENT, (int)b->len[i], b->body[i]) < 0 ||
		    nla_put(msg, SZKM_A_EVENT_SIG, SZKM_EVENT_SIG_LEN, b->sig[i]) < 0)
			return -1;
	return nest ? nla_nest_end(msg, nest) : -1;
}

/* Sends what waits; a refusal ends the batch (every later call returns it). */
static int chain_send(struct szkm_chain_batch *b)
{
	int ret;

	if (b->err)
		return errno = -b->err, b->err;
	if (!b->n)
		return 0;
	ret = szkm_genl_call(SZKM_CMD_CHAIN_RESTORE, put_chain, b, NULL, NULL, 0);
	b->n = 0;
	if (ret)
		b->err = ret;
	return ret;
}

int szkm_chain_batch_add(struct szkm_chain_batch *b, const uint8_t *body, size_t len,
			 const uint8_t *sig)
{
	if (!b || !body || !sig || len < SZKM_EVENT_FIXED_LEN_V1 || len > SZKM_EVENT_MAX_LEN ||
	    memcmp(body + SZKM_EV_OFF_DEVICE_ID, b->dev, SZKM_DEVICE_ID_LEN) ||
	    szkm_event_seq(body, len) != b->last_seq + 1) {
		last_message[0] = 0;
		return errno = EINVAL, -EINVAL;
	}
	if (b->err)
		return errno = -b->err, b->err;
	memcpy(b->body[b->n], body, len);
	memcpy(b->sig[b->n], sig, SZKM_EVENT_SIG_LEN);
	b->len[b->n++] = len;
	b->last_seq++;
	return b->n == SZKM_CHAIN_RESTORE_MAX ? chain_send(b) : 0;
}

int szkm_chain_batch_end(struct szkm_chain_batch *b)
{
	return b ? chain_send(b) : (errno = EINVAL, -EINVAL);
}

const char *szkm_registry_state_name(uint32_t state)
{
	static const char *const names[] = {
		[SZKM_REG_NONE] = "none",
		[SZKM_REG_RESTORING] = "restoring",
		[SZKM_REG_PROVING] = "proving",
		[SZKM_REG_READY] = "ready",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

struct raw_attrs {
	const void *p;
	size_t len;
};

static int put_raw(struct nl_msg *msg, const void *arg)
{
	const struct raw_attrs *r = arg;

	return r->len ? nlmsg_append(msg, (void *)r->p, r->len, NLA_ALIGNTO) : 0;
}

int szkm_genl_send_raw(uint8_t cmd, const void *attrs, size_t len)
{
	struct raw_attrs r = { attrs, len };

	return szkm_genl_call(cmd, put_raw, &r, NULL, NULL, 0);
}

static int bad_event(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EBADMSG;
}

/* Sizes libnl checks for us; the event's own are checked below. */
static struct nla_policy event_policy[SZKM_A_MAX + 1] = {
	[SZKM_A_SEQ] = { .type = NLA_U64 },
};

int szkm_event_msg_parse(struct nlmsghdr *nlh, uint64_t *seq, const uint8_t **body,
			 size_t *len, const uint8_t **sig, const char **why)
{
	struct nlattr *a[SZKM_A_MAX + 1];

	if (!genlmsg_valid_hdr(nlh, 0))
		return bad_event(why, "nl-short-message");
	if (genlmsg_hdr(nlh)->cmd != SZKM_CMD_EVENT)
		return bad_event(why, "nl-not-an-event");
	if (genlmsg_parse(nlh, 0, a, SZKM_A_MAX, event_policy) < 0)
		return bad_event(why, "nl-bad-attributes");
	if (!a[SZKM_A_SEQ] || !a[SZKM_A_EVENT] || !a[SZKM_A_EVENT_SIG])
		return bad_event(why, "nl-missing-attribute");
	if (nla_len(a[SZKM_A_EVENT]) <= 0 || nla_len(a[SZKM_A_EVENT]) > SZKM_EVENT_MAX_LEN)
		return bad_event(why, "nl-bad-event-length");
	if (nla_len(a[SZKM_A_EVENT_SIG]) != SZKM_EVENT_SIG_LEN)
		return bad_event(why, "nl-bad-signature-length");
	*seq = nla_get_u64(a[SZKM_A_SEQ]);
	*body = nla_data(a[SZKM_A_EVENT]);
	*len = (size_t)nla_len(a[SZKM_A_EVENT]);
	*sig = nla_data(a[SZKM_A_EVENT_SIG]);
	return 0;
}

struct event_cb_ctx {
	szkm_event_cb cb;
	void *arg;
	unsigned long malformed;	/* messages that were no event */
	int err;			/* the callback's, when it stopped */
};

/* One message: an event goes to the caller's callback, anything else is
 * counted, said in szkm_last_message() and skipped. */
static int event_msg(struct nl_msg *msg, void *arg)
{
	struct event_cb_ctx *c = arg;
	const uint8_t *body, *sig;
	const char *why = "";
	uint64_t seq;
	size_t len;

	if (!from_kernel(msg))
		why = "nl-not-from-the-kernel";
	if (*why || szkm_event_msg_parse(nlmsg_hdr(msg), &seq, &body, &len, &sig, &why)) {
		c->malformed++;
		snprintf(last_message, sizeof(last_message), "malformed event message: %s", why);
		return NL_SKIP;
	}
	c->err = c->cb(seq, body, len, sig, c->arg);
	return c->err < 0 ? NL_STOP : NL_OK;
}

static int put_seq(struct nl_msg *msg, const void *arg)
{
	return nla_put_u64(msg, SZKM_A_SEQ, *(const uint64_t *)arg);
}

/* A dump: each reply goes to event_msg(), the kernel's errors through
 * error_cb() as for every other command. */
int szkm_event_replay(uint64_t after, szkm_event_cb cb, void *arg)
{
	struct event_cb_ctx c = { cb, arg, 0, 0 };
	struct call_ctx ctx = { .raw = event_msg, .arg = &c };
	int ret;

	ret = genl_request(SZKM_CMD_EVENT_REPLAY, NLM_F_DUMP, put_seq, &after, &ctx, 0);
	return ret ? ret : c.err < 0 ? c.err : 0;
}

struct szkm_event_sub {
	struct nl_sock *sk;
	int nonblock;
	struct event_cb_ctx c;
};

struct szkm_event_sub *szkm_event_subscribe(int nonblock)
{
	struct szkm_event_sub *s = calloc(1, sizeof(*s));
	int grp, err = -ENOENT;

	if (!s || !(s->sk = nl_socket_alloc()) || genl_connect(s->sk) < 0)
		goto err;
	grp = genl_ctrl_resolve_grp(s->sk, SZKM_GENL_NAME, SZKM_MCGRP_EVENTS);
	if (grp < 0)
		goto err;
	/* Joining needs CAP_SYS_ADMIN (events name every user's keys). */
	err = nl_socket_add_membership(s->sk, grp);
	if (err < 0) {
		err = nl_to_errno(err);
		goto err;
	}
	err = -ENOENT;
	/* Multicast messages carry seq 0: no sequence checking there. */
	nl_socket_disable_seq_check(s->sk);
	nl_socket_disable_auto_ack(s->sk);
	if (nonblock && nl_socket_set_nonblocking(s->sk) < 0)
		goto err;
	s->nonblock = nonblock;
	/* Bursts (a restore of many keys) should fit; overruns are replayed. */
	nl_socket_set_buffer_size(s->sk, 4 << 20, 0);
	nl_socket_modify_cb(s->sk, NL_CB_VALID, NL_CB_CUSTOM, event_msg, &s->c);
	return s;
err:
	szkm_event_unsubscribe(s);
	errno = -err;
	return NULL;
}

int szkm_event_sub_rcvbuf(struct szkm_event_sub *s, int bytes)
{
	return nl_socket_set_buffer_size(s->sk, bytes, 0) < 0 ? -EINVAL : 0;
}

int szkm_event_sub_fd(struct szkm_event_sub *s)
{
	return nl_socket_get_fd(s->sk);
}

unsigned long szkm_event_sub_malformed(struct szkm_event_sub *s)
{
	return s->c.malformed;
}

/*
 * Every event queued on the socket, one message per event: a blocking
 * socket waits for the first, then takes what else is queued without
 * waiting, so the caller sees a burst as one batch.
 */
int szkm_event_receive(struct szkm_event_sub *s, szkm_event_cb cb, void *arg)
{
	int fd = nl_socket_get_fd(s->sk), fl = -1, ret;

	s->c.cb = cb;
	s->c.arg = arg;
	s->c.err = 0;
	ret = nl_recvmsgs_default(s->sk);
	if (!s->nonblock && ret >= 0 && s->c.err >= 0) {
		fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			return -errno;
	}
	while ((s->nonblock || fl >= 0) && ret >= 0 && s->c.err >= 0)
		ret = nl_recvmsgs_default(s->sk);
	if (fl >= 0 && fcntl(fd, F_SETFL, fl) < 0)
		return -errno;
	if (s->c.err < 0)
		return s->c.err;
	if ((s->nonblock || fl >= 0) && ret == -NLE_AGAIN)
		return 0;
	if (ret == -NLE_NOMEM && errno == ENOBUFS)
		return -ENOBUFS;
	return ret < 0 ? nl_to_errno(ret) : 0;
}

void szkm_event_unsubscribe(struct szkm_event_sub *s)
{
	if (!s)
		return;
	nl_socket_free(s->sk);
	free(s);
}
