// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - module init and exit only: each part's init in order, unwound in
 * reverse on failure; exit is the mirror.
 */
#include "szkm_main.h"
#include "netlink.h"
#include "keytype.h"
#include "tpm2.h"
#include "journal.h"
#include "registry.h"
#include "quota.h"
#include "krs.h"
#include "device.h"
#include "crypto/p256.h"

#include <linux/module.h>
#include <net/genetlink.h>

bool szkm_test_mode;
module_param_named(test_mode, szkm_test_mode, bool, 0444);
MODULE_PARM_DESC(test_mode, "allow a device without a TPM (INSECURE, tests only; recorded in every event)");

static int __init szkm_mod_init(void)
{
	int ret;

	pr_info("loading version %s\n", SZKM_VERSION);
	if (szkm_test_mode)
		pr_warn("TEST MODE: keys may be kept without a TPM; never use this on a real machine\n");

	/* The P-256 fixed-base table is built once, before its self-tests. */
	ret = szkm_p256_init();
	if (ret)
		return ret;
	ret = szkm_selftests();
	if (ret)
		return ret;

	ret = szkm_tpm2_init();
	if (ret)
		goto err_tpm2;
	ret = szkm_device_init();
	if (ret)
		goto err_device;
	ret = szkm_registry_init();
	if (ret)
		goto err_registry;
	ret = szkm_journal_init();
	if (ret)
		goto err_journal;
	ret = szkm_krs_init();
	if (ret)
		goto err_krs;
	ret = szkm_keytype_init();
	if (ret)
		goto err_keytype;
	ret = szkm_netlink_init();
	if (ret)
		goto err_netlink;

	pr_info("loaded\n");
	return 0;

err_netlink:
	szkm_keytype_uninit();
err_keytype:
	szkm_krs_uninit();
err_krs:
	szkm_journal_uninit();
err_journal:
	szkm_registry_uninit();
err_registry:
	szkm_device_uninit();
err_device:
	szkm_tpm2_uninit();
err_tpm2:
	return ret;
}

static void __exit szkm_mod_exit(void)
{
	szkm_netlink_uninit();
	szkm_keytype_uninit();
	szkm_quota_uninit();	/* every key is freed by now */
	szkm_krs_uninit();
	szkm_journal_uninit();
	szkm_registry_uninit();
	szkm_device_uninit();
	szkm_tpm2_uninit();
	pr_info("unloaded\n");
}

module_init(szkm_mod_init);
module_exit(szkm_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("szkm: secure-zone key management, keys sealed by the TPM");
MODULE_VERSION(SZKM_VERSION);
MODULE_ALIAS_GENL_FAMILY(SZKM_GENL_NAME);
