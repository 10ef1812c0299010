// SPDX-License-Identifier: GPL-2.0
/*
 * keyops.c - keyctl pkey_* on szkm keys: aes256-gcm encrypt/decrypt with
 * the version in a header, ecdsa-p256 sign/verify on SHA-256 digests (DER
 * signatures, so OpenSSL verifies them), and ecdh-p256 ECIES. Decryption and
 * verification pick the version from the ciphertext or try every version
 * still allowed to verify; encryption and signing use the active one.
 */
#include "keyops.h"
#include "aead.h"
#include "hkdf.h"
#include "key.h"
#include "krs.h"
#include "crypto/p256.h"

#include <crypto/akcipher.h>
#include <keys/asymmetric-type.h>
#include <linux/keyctl.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "kcompat.h"

#define SZKM_MAX_IO	SZKM_PKEY_MAX_IO

static void szkm_ct_header(u8 *hdr, u8 alg, u32 version)
{
	hdr[0] = SZKM_CT_MAGIC;
	hdr[1] = SZKM_CT_FORMAT;
	hdr[2] = alg;
	hdr[3] = 0;
	put_unaligned_be32(version, hdr + 4);
}

/* The version named by a ciphertext header, if it may still decrypt. */
static struct szkm_ver *szkm_ct_version(struct szkm_key *k, const u8 *in, size_t len,
					size_t overhead)
{
	struct szkm_ver *v;
	u32 ver;

	if (len < overhead || in[0] != SZKM_CT_MAGIC || in[1] != SZKM_CT_FORMAT ||
	    in[2] != k->alg || in[3]) {
		pr_info_ratelimited("decrypt '%s': not an szkm %s ciphertext\n",
				    k->name, szkm_alg_name(k->alg));
		return ERR_PTR(-EBADMSG);
	}
	ver = get_unaligned_be32(in + 4);
	v = szkm_key_find(k, ver);
	if (!v || v->state == SZKM_VS_DESTROYED || v->state == SZKM_VS_PENDING || !v->secret_len) {
		pr_info_ratelimited("decrypt '%s': version %u is %s\n", k->name, ver,
				    v ? szkm_vstate_name(v->state) : "unknown");
		return ERR_PTR(-EKEYREVOKED);
	}
	if (ver < k->policy.min_version) {
		pr_info_ratelimited("decrypt '%s': version %u is below min_version %u\n",
				    k->name, ver, k->policy.min_version);
		return ERR_PTR(-EKEYREVOKED);
	}
	return v;
}

/* The active version, able to encrypt or sign, with one more use counted. */
static struct szkm_ver *szkm_use_active(struct szkm_key *k, bool need_secret)
{
	struct szkm_ver *v = szkm_key_active(k);

	if (!v || (need_secret && !v->secret_len)) {
		pr_info_ratelimited("'%s' has no active version that can do this\n", k->name);
		return ERR_PTR(-ENOKEY);
	}
	if (k->policy.max_uses && v->uses >= k->policy.max_uses) {
		pr_info_ratelimited("'%s' v%u reached its use limit (%llu): waiting for its rotation\n",
				    k->name, v->ver, k->policy.max_uses);
		return ERR_PTR(-EKEYEXPIRED);
	}
	v->uses++;
	/* Rotate a little before the hard limit, so service rarely stops. */
	if (k->policy.max_uses &&
	    v->uses == k->policy.max_uses - max_t(u64, 1, k->policy.max_uses / 16))
		szkm_krs_kick(k);
	return v;
}

static int szkm_aes_encrypt(struct szkm_key *k, const u8 *in, size_t len, u8 *out, size_t outlen)
{
	struct szkm_ver *v;
	u8 *aad;
	int ret;

	if (outlen < len + SZKM_CT_OVERHEAD)
		return -EMSGSIZE;
	v = szkm_use_active(k, true);
	if (IS_ERR(v))
		return PTR_ERR(v);
	aad = kmalloc(SZKM_CT_HDR_LEN + SZKM_KEY_ID_LEN, GFP_KERNEL);
	if (!aad)
		return -ENOMEM;
	szkm_ct_header(out, k->alg, v->ver);
	get_random_bytes(out + 8, SZKM_GCM_IV_LEN);
	memcpy(aad, out, SZKM_CT_HDR_LEN);
	memcpy(aad + SZKM_CT_HDR_LEN, k->id, SZKM_KEY_ID_LEN);
	ret = szkm_aead_seal(v->tfm, out + 8, aad, SZKM_CT_HDR_LEN + SZKM_KEY_ID_LEN,
			     in, len, out + SZKM_CT_HDR_LEN);
	kfree(aad);
	return ret ?: len + SZKM_CT_OVERHEAD;
}

static int szkm_aes_decrypt(struct szkm_key *k, const u8 *in, size_t len, u8 *out, size_t outlen)
{
	struct szkm_ver *v = szkm_ct_version(k, in, len, SZKM_CT_OVERHEAD);
	u8 *aad;
	int ret;

	if (IS_ERR(v))
		return PTR_ERR(v);
	if (outlen < len - SZKM_CT_OVERHEAD)
		return -EMSGSIZE;
	aad = kmalloc(SZKM_CT_HDR_LEN + SZKM_KEY_ID_LEN, GFP_KERNEL);
	if (!aad)
		return -ENOMEM;
	memcpy(aad, in, SZKM_CT_HDR_LEN);
	memcpy(aad + SZKM_CT_HDR_LEN, k->id, SZKM_KEY_ID_LEN);
	ret = szkm_aead_open(v->tfm, in + 8, aad, SZKM_CT_HDR_LEN + SZKM_KEY_ID_LEN,
			     in + SZKM_CT_HDR_LEN, len - SZKM_CT_HDR_LEN, out);
	kfree(aad);
	if (ret == -EBADMSG)
		pr_info_ratelimited("decrypt '%s': authentication failed\n", k->name);
	return ret ?: len - SZKM_CT_OVERHEAD;
}

/*
 * enc=gcm: plain AES-256-GCM under the active version, for outside test
 * vectors whose ciphertexts cannot carry the szkm header. Decrypt only:
 * encrypting with a caller's IV would let a caller repeat one.
 * Input: iv[12] | aad length be32 | aad | ciphertext | tag[16].
 */
static int szkm_aes_decrypt_raw(struct szkm_key *k, const u8 *in, size_t len,
				u8 *out, size_t outlen)
{
	struct szkm_ver *v = szkm_key_active(k);
	size_t aadlen;
	int ret;

	if (!v || !v->secret_len) {
		pr_info_ratelimited("decrypt '%s': no active version\n", k->name);
		return -ENOKEY;
	}
	if (len < SZKM_GCM_IV_LEN + 4 + SZKM_GCM_TAG_LEN)
		return -EBADMSG;
	aadlen = get_unaligned_be32(in + SZKM_GCM_IV_LEN);
	if (aadlen > len - SZKM_GCM_IV_LEN - 4 - SZKM_GCM_TAG_LEN) {
		pr_info_ratelimited("decrypt '%s': enc=gcm AAD length exceeds the input\n",
				    k->name);
		return -EBADMSG;
	}
	len -= SZKM_GCM_IV_LEN + 4 + aadlen;
	if (outlen < len - SZKM_GCM_TAG_LEN)
		return -EMSGSIZE;
	ret = szkm_aead_open(v->tfm, in, in + SZKM_GCM_IV_LEN + 4, aadlen,
			     in + SZKM_GCM_IV_LEN + 4 + aadlen, len, out);
	return ret ?: len - SZKM_GCM_TAG_LEN;
}

/* key[32] || iv[12] for ECIES, from z and both public keys. */
static int szkm_ecies_kdf(const u8 *z, const u8 *eph, const u8 *pub, u8 okm[44])
{
	u8 salt[2 * SZKM_P256_PUB_LEN];

	memcpy(salt, eph, SZKM_P256_PUB_LEN);
	memcpy(salt + SZKM_P256_PUB_LEN, pub, SZKM_P256_PUB_LEN);
	return szkm_hkdf_sha256(salt, sizeof(salt), z, 32, SZKM_ECIES_INFO,
				sizeof(SZKM_ECIES_INFO) - 1, okm, 44);
}

static int szkm_ecies_aead(bool seal, const u8 *okm, const u8 *hdr,
			   const u8 *in, size_t len, u8 *out)
{
	struct crypto_aead *tfm = szkm_aead_new(okm);
	u8 *aad;
	int ret;

	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	aad = kmemdup(hdr, SZKM_ECIES_HDR_LEN, GFP_KERNEL);
	if (!aad) {
		szkm_aead_free(tfm);
		return -ENOMEM;
	}
	ret = seal ? szkm_aead_seal(tfm, okm + 32, aad, SZKM_ECIES_HDR_LEN, in, len, out) :
		     szkm_aead_open(tfm, okm + 32, aad, SZKM_ECIES_HDR_LEN, in, len, out);
	kfree(aad);
	szkm_aead_free(tfm);
	return ret;
}

int szkm_ecies_seal(const u8 pub[SZKM_P256_PUB_LEN], u32 version,
		    const u8 *in, size_t len, u8 *out)
{
	u8 eph[SZKM_SECRET_MAX], z[32], okm[44];
	int ret;

	do {
		get_random_bytes(eph, sizeof(eph));
	} while (szkm_p256_check_priv(eph));
	szkm_ct_header(out, SZKM_ALG_ECDH_P256, version);
	ret = szkm_p256_pubkey(out + 8, eph) ?:
	      szkm_p256_ecdh(z, eph, pub) ?:
	      szkm_ecies_kdf(z, out + 8, pub, okm) ?:
	      szkm_ecies_aead(true, okm, out, in, len, out + SZKM_ECIES_HDR_LEN);
	memzero_explicit(eph, sizeof(eph));
	memzero_explicit(z, sizeof(z));
	memzero_explicit(okm, sizeof(okm));
	return ret;
}

int szkm_ecies_open(const u8 priv[SZKM_SECRET_MAX], const u8 pub[SZKM_P256_PUB_LEN],
		    const u8 *in, size_t len, u8 *out)
{
	u8 z[32], okm[44];
	int ret;

	/* szkm_p256_ecdh validates the ephemeral point first. */
	ret = szkm_p256_ecdh(z, priv, in + 8);
	if (ret)
		return -EBADMSG;
	ret = szkm_ecies_kdf(z, in + 8, pub, okm) ?:
	      szkm_ecies_aead(false, okm, in, in + SZKM_ECIES_HDR_LEN,
			      len - SZKM_ECIES_HDR_LEN, out);
	memzero_explicit(z, sizeof(z));
	memzero_explicit(okm, sizeof(okm));
	return ret;
}

static int szkm_ecdh_encrypt(struct szkm_key *k, const u8 *in, size_t len, u8 *out, size_t outlen)
{
	struct szkm_ver *v;
	int ret;

	if (outlen < len + SZKM_ECIES_OVERHEAD)
		return -EMSGSIZE;
	v = szkm_use_active(k, false);
	if (IS_ERR(v))
		return PTR_ERR(v);
	ret = szkm_ecies_seal(v->pub, v->ver, in, len, out);
	return ret ?: len + SZKM_ECIES_OVERHEAD;
}

static int szkm_ecdh_decrypt(struct szkm_key *k, const u8 *in, size_t len, u8 *out, size_t outlen)
{
	struct szkm_ver *v = szkm_ct_version(k, in, len, SZKM_ECIES_OVERHEAD);
	int ret;

	if (IS_ERR(v))
		return PTR_ERR(v);
	if (outlen < len - SZKM_ECIES_OVERHEAD)
		return -EMSGSIZE;
	ret = szkm_ecies_open(v->secret, v->pub, in, len, out);
	if (ret == -EBADMSG)
		pr_info_ratelimited("decrypt '%s': ECIES ciphertext refused\n", k->name);
	return ret ?: len - SZKM_ECIES_OVERHEAD;
}

static int szkm_check_digest(struct szkm_key *k, const struct kernel_pkey_params *params)
{
	if (params->hash_algo && strcmp(params->hash_algo, "sha256")) {
		pr_info_ratelimited("'%s': only hash=sha256 is supported\n", k->name);
		return -ENOPKG;
	}
	if (params->encoding && strcmp(params->encoding, "raw") && strcmp(params->encoding, "x962")) {
		pr_info_ratelimited("'%s': unsupported enc=%s\n", k->name, params->encoding);
		return -ENOPKG;
	}
	if (params->in_len != 32) {
		pr_info_ratelimited("'%s': the input must be a 32-byte SHA-256 digest\n", k->name);
		return -EINVAL;
	}
	return 0;
}

static int szkm_ecdsa_sign(struct szkm_key *k, struct kernel_pkey_params *params,
			   const u8 *in, u8 *out)
{
	u8 rs[SZKM_P256_SIG_SIZE];
	struct szkm_ver *v;
	size_t len = params->out_len;
	int ret;

	ret = szkm_check_digest(k, params);
	if (ret)
		return ret;
	v = szkm_use_active(k, true);
	if (IS_ERR(v))
		return PTR_ERR(v);
	ret = szkm_p256_sign(rs, v->secret, in) ?: szkm_p256_sig_to_der(out, &len, rs);
	return ret ?: len;
}

int szkm_keyops_verify(struct szkm_key *k, struct kernel_pkey_params *params,
		       const void *in, const void *in2)
{
	const u8 *sig = in2;
	u8 rs[SZKM_P256_SIG_SIZE];
	size_t siglen;
	unsigned int i;
	int ret;

	if (k->alg != SZKM_ALG_ECDSA_P256)
		return -EOPNOTSUPP;
	ret = szkm_check_digest(k, params);
	if (ret)
		return ret;
	/*
	 * keyctl_pkey_verify() hands over max_sig_size bytes whatever the
	 * caller's length, so the DER header gives the signature's length.
	 */
	siglen = params->in2_len >= 2 && sig[1] < 0x80 ? 2 + sig[1] : 0;
	if (siglen > params->in2_len || szkm_p256_sig_from_der(rs, sig, siglen))
		return -EKEYREJECTED;
	for (i = k->nver; i-- > 0;) {
		struct szkm_ver *v = k->ver[i];

		/* As decrypt does: nothing below min_version counts. */
		if ((v->state == SZKM_VS_ACTIVE || v->state == SZKM_VS_DECRYPT_ONLY) &&
		    v->ver >= k->policy.min_version &&
		    v->pub_len && !szkm_p256_verify(v->pub, in, rs))
			return 0;
	}
	return -EKEYREJECTED;
}

int szkm_keyops_eds(struct szkm_key *k, struct kernel_pkey_params *params,
		    const void *in, void *out)
{
	size_t len = params->in_len, outlen = params->out_len;

	switch (k->alg << 8 | params->op) {
	case SZKM_ALG_AES256_GCM << 8 | kernel_pkey_encrypt:
		if (params->encoding && !strcmp(params->encoding, "gcm")) {
			pr_info_ratelimited("encrypt '%s': enc=gcm is decrypt-only\n", k->name);
			return -EOPNOTSUPP;
		}
		return szkm_aes_encrypt(k, in, len, out, outlen);
	case SZKM_ALG_AES256_GCM << 8 | kernel_pkey_decrypt:
		if (params->encoding && !strcmp(params->encoding, "gcm"))
			return szkm_aes_decrypt_raw(k, in, len, out, outlen);
		return szkm_aes_decrypt(k, in, len, out, outlen);
	case SZKM_ALG_ECDH_P256 << 8 | kernel_pkey_encrypt:
		return szkm_ecdh_encrypt(k, in, len, out, outlen);
	case SZKM_ALG_ECDH_P256 << 8 | kernel_pkey_decrypt:
		return szkm_ecdh_decrypt(k, in, len, out, outlen);
	case SZKM_ALG_ECDSA_P256 << 8 | kernel_pkey_sign:
		return szkm_ecdsa_sign(k, params, in, out);
	default:
		return -EOPNOTSUPP;
	}
}

int szkm_keyops_query(struct szkm_key *k, struct kernel_pkey_query *info)
{
	struct szkm_ver *v = szkm_key_active(k);
	bool secret = v && v->secret_len;

	memset(info, 0, sizeof(*info));
	info->key_size = 256;
	switch (k->alg) {
	case SZKM_ALG_AES256_GCM:
		info->supported_ops = KEYCTL_SUPPORTS_ENCRYPT | KEYCTL_SUPPORTS_DECRYPT;
		/* keyctl(1) sizes both buffers by max_enc_size. */
		info->max_dec_size = SZKM_MAX_IO;
		info->max_enc_size = SZKM_MAX_IO;
		break;
	case SZKM_ALG_ECDH_P256:
		info->supported_ops = KEYCTL_SUPPORTS_ENCRYPT |
				      (secret ? KEYCTL_SUPPORTS_DECRYPT : 0);
		info->max_dec_size = SZKM_MAX_IO;
		info->max_enc_size = SZKM_MAX_IO;
		break;
	case SZKM_ALG_ECDSA_P256:
		info->supported_ops = KEYCTL_SUPPORTS_VERIFY |
				      (secret ? KEYCTL_SUPPORTS_SIGN : 0);
		info->max_data_size = 32;
		info->max_sig_size = SZKM_P256_DER_MAX;
		break;
	default:
		return -EOPNOTSUPP;
	}
	return 0;
}
