/* SPDX-License-Identifier: GPL-2.0 */
/* aead.h - AES-256-GCM through the kernel crypto API. */
#ifndef _SZKM_AEAD_H
#define _SZKM_AEAD_H

#include <linux/types.h>

#define SZKM_AES_KEY_LEN	32
#define SZKM_GCM_IV_LEN		12
#define SZKM_GCM_TAG_LEN	16

struct crypto_aead;

/* A transform keyed with @key; ERR_PTR on failure. */
struct crypto_aead *szkm_aead_new(const u8 key[SZKM_AES_KEY_LEN]);
void szkm_aead_free(struct crypto_aead *tfm);

/*
 * Seal @len bytes of @in into @out (@len + tag bytes), or open @len bytes
 * (ciphertext + tag) of @in into @out (@len - tag bytes). Buffers must be
 * linear kernel memory (kmalloc), not the stack. Open returns -EBADMSG on
 * a wrong tag and leaves nothing in @out.
 */
int szkm_aead_seal(struct crypto_aead *tfm, const u8 iv[SZKM_GCM_IV_LEN],
		   const u8 *aad, unsigned int aadlen,
		   const u8 *in, unsigned int len, u8 *out);
int szkm_aead_open(struct crypto_aead *tfm, const u8 iv[SZKM_GCM_IV_LEN],
		   const u8 *aad, unsigned int aadlen,
		   const u8 *in, unsigned int len, u8 *out);

int szkm_aead_selftest(void);

#endif /* _SZKM_AEAD_H */
