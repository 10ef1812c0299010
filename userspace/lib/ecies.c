// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ecies.c - the userspace side of ecdh-p256 keys, on OpenSSL: encrypt to a
 * version's public key in the ECIES format of include/szkm.h (the kernel
 * decrypts), and write public points as PEM.
 */
#include "libszkm.h"
#include "szkm.h"
#include "szkm_event.h"

#include <errno.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/pem.h>

int szkm_p256_write_pem(FILE *f, const uint8_t pub[65])
{
	EVP_PKEY *pkey = szkm_ec_pubkey(pub);
	int ok = pkey && PEM_write_PUBKEY(f, pkey) > 0;

	EVP_PKEY_free(pkey);
	return ok ? 0 : (errno = EINVAL, -EINVAL);
}

static int hkdf(const uint8_t *salt, size_t saltlen, const uint8_t *ikm, size_t ikmlen,
		uint8_t *out, size_t outlen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikmlen),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_INFO, (void *)SZKM_ECIES_INFO,
					sizeof(SZKM_ECIES_INFO) - 1),
		OSSL_PARAM_END,
	};
	int ok = kctx && EVP_KDF_derive(kctx, out, outlen, params) > 0;

	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -EIO;
}

static int gcm_seal(const uint8_t okm[44], const uint8_t *aad, size_t aadlen,
		    const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, ok;

	ok = c && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, okm, okm + 32) > 0 &&
	     EVP_EncryptUpdate(c, NULL, &n, aad, (int)aadlen) > 0 &&
	     EVP_EncryptUpdate(c, out, &n, in, (int)len) > 0 &&
	     EVP_EncryptFinal_ex(c, out + n, &n) > 0 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SZKM_CT_TAG_LEN, out + len) > 0;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -EIO;
}

int szkm_ecies_encrypt(const uint8_t pub[65], uint32_t version,
		       const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_PKEY *peer = szkm_ec_pubkey(pub), *eph = NULL;
	EVP_PKEY_CTX *dctx = NULL;
	uint8_t z[32], okm[44], salt[130];
	size_t zlen = sizeof(z), eplen = 0;
	int ret = -EIO;

	if (!peer || len > SZKM_PKEY_MAX_IO - SZKM_ECIES_OVERHEAD) {
		ret = -EINVAL;
		goto out;
	}
	eph = EVP_EC_gen("prime256v1");
	dctx = eph ? EVP_PKEY_CTX_new(eph, NULL) : NULL;
	if (!dctx || EVP_PKEY_derive_init(dctx) <= 0 ||
	    EVP_PKEY_derive_set_peer(dctx, peer) <= 0 ||
	    EVP_PKEY_derive(dctx, z, &zlen) <= 0 || zlen != 32 ||
	    EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_PUB_KEY, out + 8, 65,
					    &eplen) <= 0 || eplen != 65)
		goto out;
	out[0] = SZKM_CT_MAGIC;
	out[1] = SZKM_CT_FORMAT;
	out[2] = SZKM_ALG_ECDH_P256;
	out[3] = 0;
	out[4] = version >> 24;
	out[5] = version >> 16;
	out[6] = version >> 8;
	out[7] = version;
	memcpy(salt, out + 8, 65);
	memcpy(salt + 65, pub, 65);
	ret = hkdf(salt, sizeof(salt), z, sizeof(z), okm, sizeof(okm));
	if (!ret)
		ret = gcm_seal(okm, out, SZKM_ECIES_HDR_LEN, in, len, out + SZKM_ECIES_HDR_LEN);
out:
	OPENSSL_cleanse(z, sizeof(z));
	OPENSSL_cleanse(okm, sizeof(okm));
	EVP_PKEY_CTX_free(dctx);
	EVP_PKEY_free(eph);
	EVP_PKEY_free(peer);
	if (ret)
		errno = -ret;
	return ret;
}
