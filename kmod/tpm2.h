/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tpm2.h - the module's own TPM 2.0 commands: find the storage parent,
 * seal a secret into a TPM2 sealed data object, load and unseal it, flush.
 *
 * A sequence of commands runs inside one szkm_tpm2_begin() .. _end() pair,
 * which holds the chip (tpm_try_get_ops takes the chip's mutex, so nobody
 * else's command runs in between) and the storage parent; _end() flushes
 * every transient object the sequence loaded.
 */
#ifndef _SZKM_TPM2_H
#define _SZKM_TPM2_H

#include <linux/types.h>
#include "szkm.h"

struct tpm_chip;

struct szkm_tpm2 {
	struct tpm_chip *chip;
	u32 parent;		/* handle of the storage parent */
	bool parent_transient;	/* we created it: flush at the end */
	u8 parent_name[SZKM_TPM2_NAME_LEN];
};

int szkm_tpm2_init(void);
void szkm_tpm2_uninit(void);
enum szkm_tpm_state szkm_tpm2_state(void);

/**
 * szkm_tpm2_begin() - take the default TPM and a storage parent
 * @t:    filled in; pass to the other calls, then to szkm_tpm2_end()
 * @want: NULL to take the persistent SRK at SZKM_TPM2_SRK_HANDLE when
 *        present (else a primary made from the SRK template); or the name
 *        of the parent a blob was sealed under: the parent must have it.
 *
 * Return: 0; -ENODEV no TPM (or not a TPM 2.0); -EKEYREJECTED @want is
 * the name of no parent on this TPM (a different TPM, or a cleared one);
 * -EBUSY lockout; other negative errnos with the reason logged.
 */
int szkm_tpm2_begin(struct szkm_tpm2 *t, const u8 *want);
void szkm_tpm2_end(struct szkm_tpm2 *t);

/**
 * szkm_tpm2_seal() - seal @len bytes of @secret under the parent
 * @out:    receives TPM2B_PRIVATE || TPM2B_PUBLIC, at most
 *          SZKM_TPM2_SEALED_MAX bytes
 * @outlen: bytes written
 */
int szkm_tpm2_seal(struct szkm_tpm2 *t, const u8 *secret, size_t len,
		   u8 *out, size_t *outlen);

/**
 * szkm_tpm2_unseal() - load a sealed object, unseal it, flush it
 * @secret: room for @max bytes; @len receives the length
 *
 * Return: 0; -EBADMSG the TPM refused the object as modified (its parent
 * is right, so it is not another TPM's); other negative errnos, logged.
 */
int szkm_tpm2_unseal(struct szkm_tpm2 *t, const u8 *in, size_t inlen,
		     u8 *secret, size_t max, size_t *len);

#endif /* _SZKM_TPM2_H */
