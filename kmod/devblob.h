/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devblob.h - the device blob's codec (format in include/szkm.h, "Device
 * blob"), apart from the lifecycle that uses it, as trusted_tpm2.c keeps
 * its blob encoding apart from its TPM commands.
 */
#ifndef _SZKM_DEVBLOB_H
#define _SZKM_DEVBLOB_H

#include <linux/types.h>
#include "szkm.h"
#include "tpm2.h"
#include "ledger_proof.h"

/* A parsed blob: pointers into the caller's bytes. */
struct szkm_devblob {
	u8 flags;
	const u8 *parent;		/* SZKM_TPM2_NAME_LEN bytes; NULL in test mode */
	const u8 *pub;			/* SZKM_P256_PUB_LEN bytes */
	struct szkm_tpm2_binding binding;	/* not in test mode */
	const u8 *sealed[2];		/* R, E */
	size_t sealedlen[2];
	struct szkm_ledger_trust ledger;	/* nkeys 0: none enrolled */
	size_t ledger_off;		/* where the ledger field's length starts */
	const u8 *wrapped_d;		/* SZKM_DEVBLOB_WRAPPED_D_LEN bytes */
	const u8 *aad;			/* every byte before the wrapped D's length */
	size_t aadlen;
};

/*
 * Checks every length, flag and field; -EBADMSG with *@msg saying what was
 * wrong. The binding's policy digest is recomputed and must match.
 */
int szkm_devblob_parse(struct szkm_devblob *b, const u8 *blob, size_t len,
		       const char **msg);

/* Writing a blob: header, then the fields in order. */
struct szkm_devblob_writer {
	u8 *blob;			/* SZKM_DEVBLOB_MAX bytes */
	size_t pos;
};

void szkm_devblob_start(struct szkm_devblob_writer *w, u8 flags);
void szkm_devblob_put(struct szkm_devblob_writer *w, const u8 *data, size_t n);
/* The ledger trust field (empty when @t has no keys). */
void szkm_devblob_put_ledger(struct szkm_devblob_writer *w,
			     const struct szkm_ledger_trust *t);
/* The binding field; @b NULL for test mode (an empty field). */
void szkm_devblob_put_binding(struct szkm_devblob_writer *w,
			      const struct szkm_tpm2_binding *b);

#endif /* _SZKM_DEVBLOB_H */
