/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ledger_members.h - the device follows the ledger's membership: a
 * membership entry (format in include/szkm.h, "Ledger membership"),
 * checked against the ledger trust the device holds, becomes its next
 * trust. Pure over bytes from userspace; a failure says why in a static
 * string. The caller proves the entry is in a checkpoint first.
 */
#ifndef _SZKM_LEDGER_MEMBERS_H
#define _SZKM_LEDGER_MEMBERS_H

#include <linux/types.h>
#include "szkm.h"
#include "ledger_proof.h"

/* SHA-256(0x00 || entry): the entry's leaf hash. */
void szkm_ledger_leaf(const u8 *entry, size_t len, u8 leaf[32]);

/*
 * @entry (@len bytes, strictly decoded) as the next membership of a device
 * that holds @cur, with approvals over @origin (@olen bytes, the proven
 * checkpoint's): epoch next (any, from epoch 0), prev the hash @cur holds,
 * and at least @cur's threshold of valid approvals by @cur's keys. On
 * success *@next is the trust the entry names. -EBADMSG malformed,
 * -ESTALE an old epoch, -EINVAL a skipped epoch or another prev,
 * -EKEYREJECTED too few or bad approvals.
 */
int szkm_members_follow(const struct szkm_ledger_trust *cur,
			const u8 *entry, size_t len,
			const char *origin, size_t olen,
			struct szkm_ledger_trust *next, const char **why);

#endif /* _SZKM_LEDGER_MEMBERS_H */
