/* SPDX-License-Identifier: GPL-2.0 */
/* keyops.h - what keyctl pkey_* does with each algorithm. */
#ifndef _SZKM_KEYOPS_H
#define _SZKM_KEYOPS_H

#include <linux/types.h>
#include "szkm.h"

struct szkm_key;
struct kernel_pkey_params;
struct kernel_pkey_query;

/* Callers hold k->lock. */
int szkm_keyops_query(struct szkm_key *k, struct kernel_pkey_query *info);
int szkm_keyops_eds(struct szkm_key *k, struct kernel_pkey_params *params,
		    const void *in, void *out);
int szkm_keyops_verify(struct szkm_key *k, struct kernel_pkey_params *params,
		       const void *in, const void *in2);

/* ECIES of include/szkm.h: encrypt to @pub, or open with @priv. */
int szkm_ecies_seal(const u8 pub[SZKM_P256_PUB_LEN], u32 version,
		    const u8 *in, size_t len, u8 *out);
int szkm_ecies_open(const u8 priv[SZKM_SECRET_MAX], const u8 pub[SZKM_P256_PUB_LEN],
		    const u8 *in, size_t len, u8 *out);

#endif /* _SZKM_KEYOPS_H */
