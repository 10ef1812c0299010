/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bundle.h - a key's public metadata, as a snapshot (what KEY_PUBLIC
 * reports) and as the export bundle of include/szkm.h, sealed under a key
 * derived from the device's export key E and opened again.
 */
#ifndef _SZKM_BUNDLE_H
#define _SZKM_BUNDLE_H

#include <linux/types.h>
#include "szkm.h"
#include "payload.h"

struct szkm_key;

struct szkm_ver_meta {
	u32 ver;
	u8 state;		/* enum szkm_vstate */
	u8 origin;		/* enum szkm_origin */
	u8 pub_len;		/* 0 or SZKM_P256_PUB_LEN */
	u64 uses;
	u8 pub[SZKM_P256_PUB_LEN];
};

/* Never a secret: everything here may reach a caller with View permission. */
struct szkm_key_meta {
	u8 id[SZKM_KEY_ID_LEN];
	char name[SZKM_NAME_MAX + 1];
	u8 alg;
	u32 active;
	u8 changes;		/* changes waiting for the ledger */
	u64 mark;		/* the key's registry mark */
	struct szkm_policy policy;
	unsigned int nver;
	struct szkm_ver_meta ver[SZKM_MAX_VERSIONS];
	/* The uids the key is granted to (KEY_PUBLIC; not in a bundle). */
	unsigned int ngrants;
	u32 grant_uid[SZKM_GRANTS_MAX];
};

/* @k's public metadata now (the caller holds k->lock). */
void szkm_key_meta_of(const struct szkm_key *k, struct szkm_key_meta *m);

/* @m as an export bundle of this device: *@out kmalloc'd, *@len bytes. */
int szkm_bundle_seal(const struct szkm_key_meta *m, u8 **out, size_t *len,
		     const char **why);
/*
 * Opens the bundle @in for the key whose metadata is @cur now (the caller
 * checked that it may View it): *@m gets what the bundle holds, when it is
 * this device's, for that key, authenticates under E and is @cur's state
 * (not older: replayed). Else a negative errno (include/szkm.h,
 * SZKM_CMD_BUNDLE_OPEN) and *@why.
 */
int szkm_bundle_open(const u8 *in, size_t len, const struct szkm_key_meta *cur,
		     struct szkm_key_meta *m, const char **why);

#endif /* _SZKM_BUNDLE_H */
