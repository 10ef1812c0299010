/* SPDX-License-Identifier: GPL-2.0 */
/* event.h - lifecycle events: encoded once (include/szkm.h), signed by D. */
#ifndef _SZKM_EVENT_H
#define _SZKM_EVENT_H

#include <linux/types.h>
#include "szkm.h"

struct key;
struct szkm_key;
struct szkm_ver;

/*
 * Records one lifecycle change: encodes it, signs it with the device key,
 * appends it to the journal and multicasts it. @k and @v may be NULL (device
 * events). When @owner is given and @v is pending, the journal activates @v
 * once the ledger acknowledges the event. Returns 0, or -EBUSY when the
 * journal is full or the chain is not resumed (nothing was changed by this
 * call; the caller must undo its own change).
 */
int szkm_event_emit(u8 type, struct key *owner, struct szkm_key *k, struct szkm_ver *v);
/*
 * The same for a change that takes effect when the ledger proves it: the
 * event already describes the key as @ch leaves it; @ch is applied to
 * @owner then (szkm_keytype_apply).
 */
struct szkm_change;
int szkm_event_emit_change(u8 type, struct key *owner, struct szkm_key *k,
			   struct szkm_ver *v, const struct szkm_change *ch);

/*
 * A grant or revoke (KEY_GRANT, KEY_REVOKE) of @ch->uid, describing the
 * key's active version; with @wait, @ch applies when the ledger proves it.
 * Under the key's lock.
 */
int szkm_event_emit_grant(u8 type, struct key *owner, struct szkm_key *k,
			  const struct szkm_change *ch, bool wait);

/* The device was made: a fresh chain starting with DEVICE_INIT. */
int szkm_event_device_init(const u8 pub[SZKM_P256_PUB_LEN]);
/* The key registry is restored after an unseal (DEVICE_RESUME, D's key). */
int szkm_event_device_resume(void);

#endif /* _SZKM_EVENT_H */
