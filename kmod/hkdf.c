// SPDX-License-Identifier: GPL-2.0
/*
 * hkdf.c - HKDF-SHA256 (RFC 5869) over the kernel's hmac(sha256), for
 * ECIES key derivation and keys derived from the export key. Both kernels
 * lack a library HKDF (6.1 has none; 6.12 keeps it inside crypto/).
 */
#include "hkdf.h"

#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/err.h>
#include <linux/string.h>

int szkm_hkdf_sha256(const u8 *salt, size_t saltlen, const u8 *ikm, size_t ikmlen,
		     const u8 *info, size_t infolen, u8 *out, size_t outlen)
{
	static const u8 zeros[SHA256_DIGEST_SIZE];
	u8 prk[SHA256_DIGEST_SIZE], t[SHA256_DIGEST_SIZE];
	struct crypto_shash *tfm;
	size_t done = 0;
	u8 ctr = 1;
	int ret;

	if (outlen > 255 * SHA256_DIGEST_SIZE)
		return -EINVAL;
	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	{
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		/* Extract: PRK = HMAC(salt or zeros, IKM). */
		ret = crypto_shash_setkey(tfm, saltlen ? salt : zeros,
					  saltlen ? saltlen : sizeof(zeros)) ?:
		      crypto_shash_digest(desc, ikm, ikmlen, prk) ?:
		      crypto_shash_setkey(tfm, prk, sizeof(prk));
		/* Expand: T(i) = HMAC(PRK, T(i-1) || info || i). */
		while (!ret && done < outlen) {
			size_t n = min_t(size_t, outlen - done, sizeof(t));

			ret = crypto_shash_init(desc) ?:
			      (done ? crypto_shash_update(desc, t, sizeof(t)) : 0) ?:
			      crypto_shash_update(desc, info, infolen) ?:
			      crypto_shash_finup(desc, &ctr, 1, t);
			if (!ret)
				memcpy(out + done, t, n);
			done += n;
			ctr++;
		}
		shash_desc_zero(desc);
	}
	crypto_free_shash(tfm);
	memzero_explicit(prk, sizeof(prk));
	memzero_explicit(t, sizeof(t));
	if (ret)
		memzero_explicit(out, outlen);
	return ret;
}

#include "selftest/hkdf.c"
