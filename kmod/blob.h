/* SPDX-License-Identifier: GPL-2.0 */
/* blob.h - the sealed key blob of include/szkm.h, written and read. */
#ifndef _SZKM_BLOB_H
#define _SZKM_BLOB_H

#include <linux/types.h>

struct szkm_key;

/* Serialises @k (caller holds k->lock) into a kmalloc'd binary blob. */
int szkm_blob_write(struct szkm_key *k, u8 **blob, size_t *len);
/*
 * Checks and opens a blob made on this device for a key named @name, at
 * its key's registry mark and not live elsewhere (registry.h: the key
 * returned holds the claim); returns the key or an ERR_PTR with the
 * reason logged.
 */
struct szkm_key *szkm_blob_read(const u8 *blob, size_t len, const char *name);

#endif /* _SZKM_BLOB_H */
