// SPDX-License-Identifier: GPL-2.0
/*
 * Known answers for AES-256-GCM (Wycheproof aes_gcm_test.json, tcId 101),
 * run at module load: seal must give the vector's ciphertext and tag, open
 * must give the message back, and a flipped tag bit must be refused.
 */
static const u8 szkm_gcm_kat_key[32] = {
	0xcd, 0xcc, 0xfe, 0x3f, 0x46, 0xd7, 0x82, 0xef, 0x47, 0xdf, 0x4e, 0x72,
	0xf0, 0xc0, 0x2d, 0x9c, 0x7f, 0x77, 0x4d, 0xef, 0x97, 0x0d, 0x23, 0x48,
	0x6f, 0x11, 0xa5, 0x7f, 0x54, 0x24, 0x7f, 0x17,
};
static const u8 szkm_gcm_kat_iv[12] = {
	0x37, 0x61, 0x87, 0x89, 0x46, 0x05, 0xa8, 0xd4, 0x5e, 0x30, 0xde, 0x51,
};
static const u8 szkm_gcm_kat_aad[8] = {
	0x95, 0x68, 0x46, 0xa2, 0x09, 0xe0, 0x87, 0xed,
};
static const u8 szkm_gcm_kat_msg[20] = {
	0xe2, 0x8e, 0x0e, 0x9f, 0x9d, 0x22, 0x46, 0x3a, 0xc0, 0xe4, 0x26, 0x39,
	0xb5, 0x30, 0xf4, 0x21, 0x02, 0xfd, 0xed, 0x75,
};
static const u8 szkm_gcm_kat_ct[36] = {
	0xfe, 0xca, 0x44, 0x95, 0x24, 0x47, 0x01, 0x5b, 0x5d, 0xf1, 0xf4, 0x56,
	0xdf, 0x8c, 0xa4, 0xbb, 0x4e, 0xee, 0x2c, 0xe2,
	0x08, 0x2e, 0x91, 0x92, 0x4d, 0xee, 0xb7, 0x78, 0x80, 0xe1, 0xb1, 0xc8,
	0x4f, 0x9b, 0x8d, 0x30,
};

int __init szkm_aead_selftest(void)
{
	struct crypto_aead *tfm;
	u8 *buf, *aad, *out;
	int ret = -EBADMSG;

	buf = kmalloc(3 * 64, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	aad = buf + 64;
	out = buf + 128;
	tfm = szkm_aead_new(szkm_gcm_kat_key);
	if (IS_ERR(tfm)) {
		kfree(buf);
		return PTR_ERR(tfm);
	}
	memcpy(aad, szkm_gcm_kat_aad, sizeof(szkm_gcm_kat_aad));
	memcpy(buf, szkm_gcm_kat_msg, sizeof(szkm_gcm_kat_msg));
	if (szkm_aead_seal(tfm, szkm_gcm_kat_iv, aad, sizeof(szkm_gcm_kat_aad),
			   buf, sizeof(szkm_gcm_kat_msg), out) ||
	    memcmp(out, szkm_gcm_kat_ct, sizeof(szkm_gcm_kat_ct)))
		goto out;
	memcpy(buf, szkm_gcm_kat_ct, sizeof(szkm_gcm_kat_ct));
	if (szkm_aead_open(tfm, szkm_gcm_kat_iv, aad, sizeof(szkm_gcm_kat_aad),
			   buf, sizeof(szkm_gcm_kat_ct), out) ||
	    memcmp(out, szkm_gcm_kat_msg, sizeof(szkm_gcm_kat_msg)))
		goto out;
	buf[sizeof(szkm_gcm_kat_ct) - 1] ^= 1;
	if (szkm_aead_open(tfm, szkm_gcm_kat_iv, aad, sizeof(szkm_gcm_kat_aad),
			   buf, sizeof(szkm_gcm_kat_ct), out) != -EBADMSG)
		goto out;
	ret = 0;
out:
	szkm_aead_free(tfm);
	kfree(buf);
	return ret;
}
