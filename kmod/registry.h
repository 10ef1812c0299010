/* SPDX-License-Identifier: GPL-2.0 */
/*
 * registry.h - rollback protection (include/szkm.h, "key registry"): for
 * every key of the device, the sequence number of its last state-changing
 * event (its mark) and whether a key object holds it now. A blob loads
 * only at its key's mark and only once at a time. Rebuilt after an unseal
 * from the device's chain, which the ledger proves.
 */
#ifndef _SZKM_REGISTRY_H
#define _SZKM_REGISTRY_H

#include <linux/types.h>
#include "szkm.h"

int szkm_registry_init(void);
void szkm_registry_uninit(void);

enum szkm_registry_state szkm_registry_state(void);

/* A new device (device init): an empty registry, ready at once. */
void szkm_registry_fresh(void);
/* The chain is unknown again (another device replaced this one). */
void szkm_registry_forget(void);
/* The chain was resumed after event @seq whose link is @hash: restore it. */
void szkm_registry_resumed(u64 seq, const u8 hash[32]);

/*
 * The journal, under its lock, for each event it makes: prepare before
 * the event is sealed (the only step that allocates, so commit cannot
 * fail), commit once it has sequence number @seq.
 */
int szkm_registry_prepare(const u8 *body, size_t len);
void szkm_registry_commit(const u8 *body, size_t len, u64 seq);
/*
 * The journal: the ledger proved event @seq (a key's mark is then proven;
 * the DEVICE_RESUME one readies the registry).
 */
void szkm_registry_proven(const u8 *body, size_t len, u64 seq);

/*
 * CHAIN_RESTORE: @n event bodies, each with its signature @sig[i] (NULL:
 * none given; a format-3 or 4 body needs one), continuing the restore (seq 1
 * starts over). 1 when the chain reached the resume point (the caller then
 * records DEVICE_RESUME), 0 when more is needed, or a negative errno with
 * *@why; any failure starts the restore over.
 */
int szkm_registry_restore(const u8 *const *body, const size_t *len,
			  const u8 *const *sig, unsigned int n, const char **why);

/*
 * A key object takes key id @id: @load with the blob's @mark (it must be
 * the registry's mark for that key), else a new key (an id never seen).
 * -EAGAIN while the registry is not ready, -EKEYREJECTED for an unknown
 * key or a stale blob, -EEXIST when another key object holds the id. Every
 * refusal is logged (rate limited) with its reason. *@proven (may be NULL):
 * the ledger holds the mark's event, and with it every earlier one.
 */
int szkm_registry_claim(const u8 id[SZKM_KEY_ID_LEN], u64 mark, bool load,
			const char *name, bool *proven);
void szkm_registry_release(const u8 id[SZKM_KEY_ID_LEN]);
/* The key's mark, for its blob. */
u64 szkm_registry_mark(const u8 id[SZKM_KEY_ID_LEN]);

#endif /* _SZKM_REGISTRY_H */
