/* SPDX-License-Identifier: GPL-2.0 */
/*
 * quota.h - fair use of keys: how many szkm keys each uid holds, so that
 * one user cannot make enough keys to crowd out another's (the rotation
 * service, the registry and the journal all grow with them). Root is not
 * counted against a limit.
 */
#ifndef _SZKM_QUOTA_H
#define _SZKM_QUOTA_H

#include <linux/types.h>

/*
 * A new key object for the calling process's uid: -EDQUOT (logged, rate
 * limited, naming the limit) when that uid holds keys_per_uid already.
 * *@uid gets the uid to hand back to szkm_quota_put.
 */
int szkm_quota_take(u32 *uid, const char *name);
void szkm_quota_put(u32 uid);
void szkm_quota_uninit(void);

#endif /* _SZKM_QUOTA_H */
