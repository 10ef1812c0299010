// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * genl.c - the one place libszkm talks generic netlink to szkm.ko (libnl).
 */
#include "libszkm.h"
#include "szkm.h"

#include <errno.h>
#include <string.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

struct status_ctx {
	struct szkm_status *st;
	int got;
};

static int status_cb(struct nl_msg *msg, void *arg)
{
	struct status_ctx *ctx = arg;
	struct nlattr *tb[SZKM_A_MAX + 1];
	int ret;

	ret = genlmsg_parse(nlmsg_hdr(msg), 0, tb, SZKM_A_MAX, NULL);
	if (ret < 0)
		return NL_SKIP;
	if (tb[SZKM_A_VERSION])
		snprintf(ctx->st->version, sizeof(ctx->st->version), "%s",
			 nla_get_string(tb[SZKM_A_VERSION]));
	if (tb[SZKM_A_STATE])
		ctx->st->state = nla_get_u32(tb[SZKM_A_STATE]);
	if (tb[SZKM_A_TPM])
		ctx->st->tpm = nla_get_u32(tb[SZKM_A_TPM]);
	if (tb[SZKM_A_TEST_MODE])
		ctx->st->test_mode = nla_get_u8(tb[SZKM_A_TEST_MODE]);
	if (tb[SZKM_A_NKEYS])
		ctx->st->nkeys = nla_get_u32(tb[SZKM_A_NKEYS]);
	ctx->got = 1;
	return NL_OK;
}

/* libnl returns its own codes; map the ones the kernel sends back. */
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

int szkm_status_get(struct szkm_status *st)
{
	struct status_ctx ctx = { .st = st };
	struct nl_sock *sk;
	struct nl_msg *msg = NULL;
	int family, ret;

	memset(st, 0, sizeof(*st));
	sk = nl_socket_alloc();
	if (!sk)
		return errno = ENOMEM, -ENOMEM;
	ret = genl_connect(sk);
	if (ret < 0)
		goto out;
	family = genl_ctrl_resolve(sk, SZKM_GENL_NAME);
	if (family < 0) {
		ret = -NLE_OBJ_NOTFOUND;
		goto out;
	}
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0,
				 SZKM_CMD_STATUS, SZKM_GENL_VERSION)) {
		ret = -NLE_NOMEM;
		goto out;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, status_cb, &ctx);
	ret = nl_send_auto(sk, msg);
	if (ret >= 0)
		ret = nl_recvmsgs_default(sk);
	if (ret >= 0 && !ctx.got)
		ret = -NLE_INVAL;
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	if (ret < 0) {
		ret = nl_to_errno(ret);
		errno = -ret;
		return ret;
	}
	return 0;
}
