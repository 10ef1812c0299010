// SPDX-License-Identifier: GPL-2.0
/*
 * aead.c - AES-256-GCM on linear buffers through the kernel crypto API
 * ("gcm(aes)", which picks AES-NI/PCLMUL where the CPU has them). Used for
 * aes256-gcm keys, for wrapping key material under the root key, and by
 * ECIES.
 */
#include "aead.h"

#include <crypto/aead.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

struct crypto_aead *szkm_aead_new(const u8 key[SZKM_AES_KEY_LEN])
{
	struct crypto_aead *tfm;
	int ret;

	tfm = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	ret = crypto_aead_setkey(tfm, key, SZKM_AES_KEY_LEN);
	if (!ret)
		ret = crypto_aead_setauthsize(tfm, SZKM_GCM_TAG_LEN);
	if (ret) {
		crypto_free_aead(tfm);
		return ERR_PTR(ret);
	}
	return tfm;
}

void szkm_aead_free(struct crypto_aead *tfm)
{
	if (!IS_ERR_OR_NULL(tfm))
		crypto_free_aead(tfm);	/* the API wipes the key schedule */
}

/*
 * The API wants associated data in front of the text in both lists and
 * mutates the IV, so both get private copies.
 */
static int szkm_aead_crypt(struct crypto_aead *tfm, bool enc,
			   const u8 iv[SZKM_GCM_IV_LEN],
			   const u8 *aad, unsigned int aadlen,
			   const u8 *in, unsigned int len, u8 *out)
{
	unsigned int outlen = enc ? len + SZKM_GCM_TAG_LEN : len - SZKM_GCM_TAG_LEN;
	struct scatterlist src[2], dst[2];
	DECLARE_CRYPTO_WAIT(wait);
	struct aead_request *req;
	u8 ivbuf[SZKM_GCM_IV_LEN];
	unsigned int n;
	int ret;

	if (!enc && len < SZKM_GCM_TAG_LEN)
		return -EBADMSG;
	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	memcpy(ivbuf, iv, sizeof(ivbuf));
	/*
	 * No zero-length entry for empty AAD: the hash walk maps such an
	 * entry and never unmaps it (6.1 leaks a kmap_atomic, "scheduling
	 * while atomic").
	 */
	n = aadlen ? 2 : 1;
	sg_init_table(src, n);
	sg_init_table(dst, n);
	if (aadlen) {
		sg_set_buf(&src[0], aad, aadlen);
		sg_set_buf(&dst[0], aad, aadlen);
	}
	sg_set_buf(&src[n - 1], in, len);
	sg_set_buf(&dst[n - 1], out, outlen);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
				  CRYPTO_TFM_REQ_MAY_BACKLOG, crypto_req_done, &wait);
	aead_request_set_ad(req, aadlen);
	aead_request_set_crypt(req, src, dst, len, ivbuf);
	ret = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
			      crypto_aead_decrypt(req), &wait);
	/* A bad tag leaves no unauthenticated plaintext behind. */
	if (ret && !enc)
		memzero_explicit(out, outlen);
	aead_request_free(req);
	return ret;
}

int szkm_aead_seal(struct crypto_aead *tfm, const u8 iv[SZKM_GCM_IV_LEN],
		   const u8 *aad, unsigned int aadlen,
		   const u8 *in, unsigned int len, u8 *out)
{
	return szkm_aead_crypt(tfm, true, iv, aad, aadlen, in, len, out);
}

int szkm_aead_open(struct crypto_aead *tfm, const u8 iv[SZKM_GCM_IV_LEN],
		   const u8 *aad, unsigned int aadlen,
		   const u8 *in, unsigned int len, u8 *out)
{
	return szkm_aead_crypt(tfm, false, iv, aad, aadlen, in, len, out);
}

#include "selftest/aead.c"
