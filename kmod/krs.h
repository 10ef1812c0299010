/* SPDX-License-Identifier: GPL-2.0 */
/* krs.h - the key rotation service: rotation by period and by use count. */
#ifndef _SZKM_KRS_H
#define _SZKM_KRS_H

#include <linux/types.h>

struct szkm_key;

/* (Re)computes @k's next rotation from its policy (caller holds k->lock). */
void szkm_krs_schedule(struct szkm_key *k);
/* @k reached its use threshold: rotate it soon (caller holds k->lock). */
void szkm_krs_kick(struct szkm_key *k);
/* @k is going away (its key is being destroyed). */
void szkm_krs_forget(struct szkm_key *k);
/* Keys currently scheduled, and rotations done (status, benchmarks). */
void szkm_krs_stats(u32 *scheduled, u64 *rotations);
void szkm_krs_count_rotation(void);

int szkm_krs_init(void);
void szkm_krs_uninit(void);

#endif /* _SZKM_KRS_H */
