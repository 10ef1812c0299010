/* SPDX-License-Identifier: GPL-2.0 */
/* kcompat.h - the one place for differences between the 6.1 and 6.12 APIs. */
#ifndef _SZKM_KCOMPAT_H
#define _SZKM_KCOMPAT_H

/* 6.12 moved the unaligned accessors out of asm/. */
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.2 split the genl ops: a dump's parsed attributes moved into info. */
#include <linux/version.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define szkm_dump_attrs(cb) (genl_dumpit_info(cb)->info.attrs)
#else
#define szkm_dump_attrs(cb) (genl_dumpit_info(cb)->attrs)
#endif

#endif /* _SZKM_KCOMPAT_H */
