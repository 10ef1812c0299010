// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the generic netlink family "szkm": device status now; device
 * lifecycle, identity, journal acknowledgement and replay as they land. The
 * ABI is documented in include/szkm.h. No secret byte is ever put in a
 * message.
 */
#include "netlink.h"
#include "keytype.h"
#include "tpm2.h"
#include "szkm_main.h"

#include <net/genetlink.h>

static struct genl_family szkm_genl_family;

/*
 * GENL_ADMIN_PERM means CAP_NET_ADMIN; device and key lifecycle is a key
 * manager's business, so every command also needs CAP_SYS_ADMIN.
 */
static int szkm_nl_admin(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return 0;
	GENL_SET_ERR_MSG(info, "szkm: CAP_SYS_ADMIN required");
	return -EPERM;
}

static int szkm_nl_status(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int ret;

	ret = szkm_nl_admin(skb, info);
	if (ret)
		return ret;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &szkm_genl_family, 0, SZKM_CMD_STATUS);
	if (!hdr)
		goto nospace;
	if (nla_put_string(msg, SZKM_A_VERSION, SZKM_VERSION) ||
	    nla_put_u32(msg, SZKM_A_STATE, SZKM_DEV_UNINITIALISED) ||
	    nla_put_u32(msg, SZKM_A_TPM, szkm_tpm2_state()) ||
	    nla_put_u8(msg, SZKM_A_TEST_MODE, szkm_test_mode) ||
	    nla_put_u32(msg, SZKM_A_NKEYS, szkm_keytype_count()))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct nla_policy szkm_nl_policy[SZKM_A_MAX + 1] = {
	[SZKM_A_VERSION] = { .type = NLA_NUL_STRING, .len = 32 },
	[SZKM_A_STATE] = { .type = NLA_U32 },
	[SZKM_A_TPM] = { .type = NLA_U32 },
	[SZKM_A_TEST_MODE] = { .type = NLA_U8 },
	[SZKM_A_NKEYS] = { .type = NLA_U32 },
};

static const struct genl_ops szkm_nl_ops[] = {
	{
		.cmd = SZKM_CMD_STATUS,
		.doit = szkm_nl_status,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group szkm_nl_mcgrps[] = {
	[SZKM_MCGRP_EVENTS_IDX] = { .name = SZKM_MCGRP_EVENTS },
};

static struct genl_family szkm_genl_family __ro_after_init = {
	.name = SZKM_GENL_NAME,
	.version = SZKM_GENL_VERSION,
	.maxattr = SZKM_A_MAX,
	.policy = szkm_nl_policy,
	.ops = szkm_nl_ops,
	.n_ops = ARRAY_SIZE(szkm_nl_ops),
	.mcgrps = szkm_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(szkm_nl_mcgrps),
	.module = THIS_MODULE,
};

int __init szkm_netlink_init(void)
{
	return genl_register_family(&szkm_genl_family);
}

void szkm_netlink_uninit(void)
{
	genl_unregister_family(&szkm_genl_family);
}
