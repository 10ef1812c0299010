// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the generic netlink family "szkm": device status, lifecycle
 * (init, unseal, lock) and identity; journal acknowledgement and replay as
 * they land. The
 * ABI is documented in include/szkm.h. No secret byte is ever put in a
 * message.
 */
#include "netlink.h"
#include "keytype.h"
#include "tpm2.h"
#include "device.h"
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

/*
 * The extended ack for a reason chosen at run time (GENL_SET_ERR_MSG wants
 * a literal): @why is always a static string.
 */
static void szkm_nl_why(struct genl_info *info, const char *why)
{
	if (info->extack && why)
		info->extack->_msg = why;
}

static int szkm_nl_status(struct sk_buff *skb, struct genl_info *info)
{
	enum szkm_device_state st = szkm_device_state();
	u8 id[SZKM_DEVICE_ID_LEN];
	struct sk_buff *msg;
	void *hdr;
	int ret;

	ret = szkm_nl_admin(skb, info);
	if (ret)
		return ret;
	szkm_device_id(id);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &szkm_genl_family, 0, SZKM_CMD_STATUS);
	if (!hdr)
		goto nospace;
	if (nla_put_string(msg, SZKM_A_VERSION, SZKM_VERSION) ||
	    nla_put_u32(msg, SZKM_A_STATE, st) ||
	    nla_put_u32(msg, SZKM_A_TPM, szkm_tpm2_state()) ||
	    nla_put_u8(msg, SZKM_A_TEST_MODE, szkm_device_test_mode()) ||
	    nla_put_u32(msg, SZKM_A_NKEYS, szkm_keytype_count()))
		goto nospace;
	if (st != SZKM_DEV_UNINITIALISED &&
	    nla_put(msg, SZKM_A_DEVICE_ID, SZKM_DEVICE_ID_LEN, id))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * A reply with public attributes only: the device id and, when @pub, the
 * public key; when @blob, the device blob (sealed: no secret in it).
 */
static int szkm_nl_reply_device(struct genl_info *info, u8 cmd,
				const u8 *blob, size_t bloblen, bool pub)
{
	u8 id[SZKM_DEVICE_ID_LEN], key[SZKM_P256_PUB_LEN];
	struct sk_buff *msg;
	void *hdr;

	szkm_device_id(id);
	if (pub && szkm_device_pubkey(key)) {
		GENL_SET_ERR_MSG(info, "szkm: no device: run szkmctl device init or unseal");
		return -ENOKEY;
	}
	msg = genlmsg_new(nla_total_size(bloblen) + 2 * nla_total_size(SZKM_P256_PUB_LEN),
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &szkm_genl_family, 0, cmd);
	if (!hdr ||
	    (blob && nla_put(msg, SZKM_A_DEVICE_BLOB, bloblen, blob)) ||
	    nla_put(msg, SZKM_A_DEVICE_ID, SZKM_DEVICE_ID_LEN, id) ||
	    (pub && nla_put(msg, SZKM_A_PUBKEY, SZKM_P256_PUB_LEN, key))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int szkm_nl_device_init(struct sk_buff *skb, struct genl_info *info)
{
	const char *why = NULL;
	size_t bloblen;
	u8 *blob;
	int ret;

	ret = szkm_nl_admin(skb, info);
	if (ret)
		return ret;
	ret = szkm_device_create(nla_get_flag(info->attrs[SZKM_A_FORCE]),
				 &blob, &bloblen, &why);
	if (ret) {
		szkm_nl_why(info, why);
		return ret;
	}
	ret = szkm_nl_reply_device(info, SZKM_CMD_DEVICE_INIT, blob, bloblen, false);
	kfree(blob);
	return ret;
}

static int szkm_nl_device_unseal(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *a = info->attrs[SZKM_A_DEVICE_BLOB];
	const char *why = NULL;
	int ret;

	ret = szkm_nl_admin(skb, info);
	if (ret)
		return ret;
	if (!a) {
		GENL_SET_ERR_MSG(info, "szkm: unseal needs the device blob");
		return -EINVAL;
	}
	ret = szkm_device_unseal(nla_data(a), nla_len(a),
				 nla_get_flag(info->attrs[SZKM_A_FORCE]), &why);
	if (ret)
		szkm_nl_why(info, why);
	return ret;
}

static int szkm_nl_identity(struct sk_buff *skb, struct genl_info *info)
{
	int ret = szkm_nl_admin(skb, info);

	return ret ?: szkm_nl_reply_device(info, SZKM_CMD_IDENTITY, NULL, 0, true);
}

static int szkm_nl_device_lock(struct sk_buff *skb, struct genl_info *info)
{
	int ret = szkm_nl_admin(skb, info);

	if (!ret)
		szkm_device_lock();
	return ret;
}

static const struct nla_policy szkm_nl_policy[SZKM_A_MAX + 1] = {
	[SZKM_A_VERSION] = { .type = NLA_NUL_STRING, .len = 32 },
	[SZKM_A_STATE] = { .type = NLA_U32 },
	[SZKM_A_TPM] = { .type = NLA_U32 },
	[SZKM_A_TEST_MODE] = { .type = NLA_U8 },
	[SZKM_A_NKEYS] = { .type = NLA_U32 },
	[SZKM_A_DEVICE_BLOB] = { .type = NLA_BINARY, .len = SZKM_DEVBLOB_MAX },
	[SZKM_A_DEVICE_ID] = NLA_POLICY_EXACT_LEN(SZKM_DEVICE_ID_LEN),
	[SZKM_A_PUBKEY] = NLA_POLICY_EXACT_LEN(SZKM_P256_PUB_LEN),
	[SZKM_A_FORCE] = { .type = NLA_FLAG },
};

static const struct genl_ops szkm_nl_ops[] = {
	{
		.cmd = SZKM_CMD_STATUS,
		.doit = szkm_nl_status,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_DEVICE_INIT,
		.doit = szkm_nl_device_init,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_DEVICE_UNSEAL,
		.doit = szkm_nl_device_unseal,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_IDENTITY,
		.doit = szkm_nl_identity,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = SZKM_CMD_DEVICE_LOCK,
		.doit = szkm_nl_device_lock,
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
