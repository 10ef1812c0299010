// SPDX-License-Identifier: GPL-2.0
/*
 * quota.c - per-uid counts of szkm key objects (quota.h). The count is
 * taken when a key object is made (new, import or load) and given back
 * when it is freed, so a refused or failed add costs nothing.
 */
#include "quota.h"

#include <linux/cred.h>
#include <linux/moduleparam.h>
#include <linux/xarray.h>
#include "kcompat.h"

static unsigned int keys_per_uid = 1024;
module_param(keys_per_uid, uint, 0644);
MODULE_PARM_DESC(keys_per_uid, "szkm keys one non-root uid may hold (then EDQUOT)");

static DEFINE_XARRAY(szkm_quota);

int szkm_quota_take(u32 *uid, const char *name)
{
	unsigned long n;
	int ret = 0;

	*uid = from_kuid_munged(&init_user_ns, current_fsuid());
	xa_lock(&szkm_quota);
	n = xa_to_value(xa_load(&szkm_quota, *uid) ?: xa_mk_value(0));
	if (*uid && n >= READ_ONCE(keys_per_uid)) {
		xa_unlock(&szkm_quota);
		pr_info_ratelimited("'%s': uid %u holds %lu szkm keys: keys_per_uid reached\n",
				    name, *uid, n);
		return -EDQUOT;
	}
	ret = xa_err(__xa_store(&szkm_quota, *uid, xa_mk_value(n + 1), GFP_ATOMIC));
	xa_unlock(&szkm_quota);
	return ret;
}

void szkm_quota_put(u32 uid)
{
	unsigned long n;

	xa_lock(&szkm_quota);
	n = xa_to_value(xa_load(&szkm_quota, uid) ?: xa_mk_value(0));
	if (!WARN_ON_ONCE(!n)) {
		if (n == 1)
			__xa_erase(&szkm_quota, uid);
		else
			__xa_store(&szkm_quota, uid, xa_mk_value(n - 1), GFP_ATOMIC);
	}
	xa_unlock(&szkm_quota);
}

void szkm_quota_uninit(void)
{
	xa_destroy(&szkm_quota);
}
