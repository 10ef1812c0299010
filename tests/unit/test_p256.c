/*
 * test_p256.c - unit tests of the P-256 core (kmod/crypto/p256.c, built
 * for the host): RFC 6979 A.2.5 known answers, every Wycheproof ECDSA and
 * ECDH P-256 case, strict DER, key and point validation, edge scalars, and
 * cross-checks against OpenSSL's EVP interface in both directions.
 *
 * Vectors come from tests/vectors (or $SZKM_VECTORS; see vectors.h). Output is TAP with CMOCKA_MESSAGE_OUTPUT=TAP; counts are
 * printed as TAP comments.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>

#include "p256.h"

#include "vectors.h"

#define CROSS_ROUNDS 1000

static const uint8_t N_BYTES[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

static const uint8_t P_BYTES[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

/* ------------------------------------------------------------------ */
/* helpers                                                             */

static int unhex(uint8_t *out, size_t cap, size_t *len, const char *hex)
{
	size_t n = strlen(hex), i;

	if (n % 2 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

static void unhex_fixed(uint8_t *out, size_t want, const char *hex)
{
	size_t len;

	assert_int_equal(unhex(out, want, &len, hex), 0);
	assert_int_equal(len, want);
}

static void sha256(uint8_t out[32], const void *msg, size_t len)
{
	unsigned int olen = 32;

	assert_int_equal(EVP_Digest(msg, len, out, &olen, EVP_sha256(), NULL), 1);
}

static json_t *load_vectors(const char *name)
{
	char path[4096];
	json_error_t err;
	json_t *root;

	snprintf(path, sizeof(path), "%s/wycheproof/%s", vectors_dir(), name);
	root = json_load_file(path, 0, &err);
	if (!root)
		fail_msg("cannot load %s: %s (line %d)", path, err.text, err.line);
	return root;
}

static const char *jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		fail_msg("vector field %s missing", key);
	return json_string_value(v);
}

/* big-endian a + 1 == b? used to build p-1, n-1 style edge values */
static void be_sub_small(uint8_t v[32], unsigned int d)
{
	int i;

	for (i = 31; i >= 0 && d; i--) {
		unsigned int x = v[i];

		v[i] = (uint8_t)(x - d);
		d = x < d ? 1 : 0;
	}
}

static void be_add_small(uint8_t v[32], unsigned int d)
{
	int i;

	for (i = 31; i >= 0 && d; i--) {
		unsigned int x = v[i] + d;

		v[i] = (uint8_t)x;
		d = x >> 8;
	}
}

/* OpenSSL key pair and its raw parts */
struct ossl_key {
	EVP_PKEY *pkey;
	uint8_t priv[32];
	uint8_t pub[65];
};

static void ossl_keygen(struct ossl_key *k)
{
	BIGNUM *bn = NULL;
	size_t len = 0;

	k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(k->pkey);
	assert_int_equal(EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_PRIV_KEY,
					       &bn), 1);
	assert_int_equal(BN_bn2binpad(bn, k->priv, 32), 32);
	BN_clear_free(bn);
	assert_int_equal(EVP_PKEY_get_octet_string_param(k->pkey,
		OSSL_PKEY_PARAM_PUB_KEY, k->pub, sizeof(k->pub), &len), 1);
	assert_int_equal(len, 65);
}

static void random_bytes(uint8_t *buf, size_t len)
{
	assert_int_equal(RAND_bytes(buf, (int)len), 1);
}

/* ------------------------------------------------------------------ */
/* known answers                                                       */

static void selftest_passes(void **state)
{
	(void)state;
	assert_int_equal(szkm_p256_selftest(), 0);
}

/* RFC 6979 A.2.5, ECDSA P-256 with SHA-256, typed in from the RFC */
static void rfc6979_vectors(void **state)
{
	static const struct {
		const char *msg, *k, *r, *s;
	} v[] = {
		{ "sample",
		  "A6E3C57DD01ABE90086538398355DD4C3B17AA873382B0F24D6129493D8AAD60",
		  "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
		  "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8" },
		{ "test",
		  "D16B6AE827F17175E040871A1C7EC3500192C4C92677336EC2537ACAEE0008E0",
		  "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
		  "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083" },
	};
	uint8_t x[32], pub[65], want_pub[65], k[32], kG[65], rs[64], sig[64];
	uint8_t digest[32];
	size_t i;

	(void)state;
	unhex_fixed(x, 32, "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721");
	want_pub[0] = 0x04;
	unhex_fixed(want_pub + 1, 32, "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6");
	unhex_fixed(want_pub + 33, 32, "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299");
	assert_int_equal(szkm_p256_pubkey(pub, x), 0);
	assert_memory_equal(pub, want_pub, 65);

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unhex_fixed(k, 32, v[i].k);
		unhex_fixed(rs, 32, v[i].r);
		unhex_fixed(rs + 32, 32, v[i].s);
		sha256(digest, v[i].msg, strlen(v[i].msg));
		/* r = x(kG) mod n; here x(kG) < n, so r = x(kG) */
		assert_int_equal(szkm_p256_pubkey(kG, k), 0);
		assert_memory_equal(kG + 1, rs, 32);
		assert_int_equal(szkm_p256_sign(sig, x, digest), 0);
		assert_memory_equal(sig, rs, 64);
		assert_int_equal(szkm_p256_verify(pub, digest, sig), 0);
	}
	printf("# rfc6979: %zu vectors (k, r, s) matched\n", i);
}

/* ------------------------------------------------------------------ */
/* Wycheproof                                                          */

struct counts {
	int valid, invalid, acceptable, acc_accepted, mismatched;
};

static void tally(struct counts *c, const char *result, int accepted,
		  const char *file, json_int_t tcid)
{
	if (!strcmp(result, "valid")) {
		c->valid++;
		if (!accepted) {
			c->mismatched++;
			printf("# %s tcId %lld: valid case rejected\n", file,
			       (long long)tcid);
		}
	} else if (!strcmp(result, "invalid")) {
		c->invalid++;
		if (accepted) {
			c->mismatched++;
			printf("# %s tcId %lld: invalid case accepted\n", file,
			       (long long)tcid);
		}
	} else {
		c->acceptable++;
		c->acc_accepted += accepted;
	}
}

static void wycheproof_ecdsa(const char *file, int der)
{
	json_t *root = load_vectors(file), *groups, *g, *t;
	struct counts c = { 0 };
	size_t gi, ti;

	groups = json_object_get(root, "testGroups");
	json_array_foreach(groups, gi, g) {
		uint8_t pub[65];
		size_t publen;
		const char *pubhex = jstr(json_object_get(g, "publicKey"),
					  "uncompressed");

		assert_int_equal(unhex(pub, sizeof(pub), &publen, pubhex), 0);
		assert_int_equal(publen, 65);
		json_array_foreach(json_object_get(g, "tests"), ti, t) {
			const char *msghex = jstr(t, "msg"), *sighex = jstr(t, "sig");
			size_t mlen = strlen(msghex) / 2, slen;
			uint8_t *msg = malloc(mlen + 1), sigbuf[1024], rs[64];
			uint8_t digest[32];
			int accepted = 0;

			assert_non_null(msg);
			assert_int_equal(unhex(msg, mlen + 1, &mlen, msghex), 0);
			sha256(digest, msg, mlen);
			free(msg);
			if (unhex(sigbuf, sizeof(sigbuf), &slen, sighex) == 0) {
				int ok;

				if (der) {
					ok = szkm_p256_sig_from_der(rs, sigbuf, slen) == 0;
				} else {
					ok = slen == 64;
					if (ok)
						memcpy(rs, sigbuf, 64);
				}
				accepted = ok && szkm_p256_verify(pub, digest, rs) == 0;
			}
			tally(&c, jstr(t, "result"), accepted, file,
			      json_integer_value(json_object_get(t, "tcId")));
		}
	}
	json_decref(root);
	printf("# ecdsa verify (%s): %d valid, %d invalid, %d acceptable "
	       "(%d accepted), %d mismatched\n", der ? "DER" : "P1363",
	       c.valid, c.invalid, c.acceptable, c.acc_accepted, c.mismatched);
	assert_true(c.valid + c.invalid > 0);
	assert_int_equal(c.mismatched, 0);
}

static void wycheproof_ecdsa_verify(void **state)
{
	(void)state;
	wycheproof_ecdsa("ecdsa_secp256r1_sha256_test.json", 1);
}

static void wycheproof_ecdsa_p1363_verify(void **state)
{
	(void)state;
	wycheproof_ecdsa("ecdsa_secp256r1_sha256_p1363_test.json", 0);
}

static void wycheproof_ecdh(void **state)
{
	static const char *file = "ecdh_secp256r1_ecpoint_test.json";
	json_t *root = load_vectors(file), *g, *t;
	struct counts c = { 0 };
	size_t gi, ti;

	(void)state;
	json_array_foreach(json_object_get(root, "testGroups"), gi, g) {
		json_array_foreach(json_object_get(g, "tests"), ti, t) {
			uint8_t pub[128], privraw[64], priv[32], want[32], got[32];
			size_t publen, privlen, wantlen, off = 0;
			int accepted = 0;

			assert_int_equal(unhex(privraw, sizeof(privraw), &privlen,
					       jstr(t, "private")), 0);
			/* Wycheproof writes the private key as a minimal
			 * two's complement integer: strip or pad to 32 bytes */
			while (privlen - off > 32 && privraw[off] == 0)
				off++;
			if (privlen - off <= 32 &&
			    unhex(pub, sizeof(pub), &publen, jstr(t, "public")) == 0 &&
			    publen == 65) {
				memset(priv, 0, 32);
				memcpy(priv + 32 - (privlen - off), privraw + off,
				       privlen - off);
				if (szkm_p256_ecdh(got, priv, pub) == 0) {
					accepted = 1;
					unhex(want, sizeof(want), &wantlen,
					      jstr(t, "shared"));
					if (wantlen != 32 || memcmp(got, want, 32)) {
						printf("# %s tcId %lld: wrong shared secret\n",
						       file, (long long)json_integer_value(
							       json_object_get(t, "tcId")));
						c.mismatched++;
					}
				}
			}
			tally(&c, jstr(t, "result"), accepted, file,
			      json_integer_value(json_object_get(t, "tcId")));
		}
	}
	json_decref(root);
	printf("# ecdh: %d valid, %d invalid, %d acceptable (%d accepted), "
	       "%d mismatched\n", c.valid, c.invalid, c.acceptable,
	       c.acc_accepted, c.mismatched);
	assert_true(c.valid > 0);
	assert_int_equal(c.mismatched, 0);
}

/* ------------------------------------------------------------------ */
/* DER                                                                 */

static void der_strict(void **state)
{
	/* r = 1, s = 1 and variations; each entry: hex, expected accept */
	static const struct {
		const char *hex, *why;
		int ok;
	} v[] = {
		{ "3006020101020101", "minimal r = s = 1", 1 },
		{ "3007020101020101", "sequence length too long", 0 },
		{ "3005020101020101", "sequence length too short", 0 },
		{ "300602010102010100", "trailing byte", 0 },
		{ "308106020101020101", "long-form sequence length", 0 },
		{ "3080020101020101" "0000", "indefinite length", 0 },
		{ "300702020001020101", "leading zero in r", 0 },
		{ "30070201010202000001", "leading zero in s", 0 },
		{ "3006020100020101", "r = 0", 0 },
		{ "3006020101020100", "s = 0", 0 },
		{ "30060201ff020101", "negative r", 0 },
		{ "3006020101020181", "negative s", 0 },
		{ "300702810101020101", "long-form integer length", 0 },
		{ "3006030101020101", "wrong tag for r", 0 },
		{ "3106020101020101", "SET instead of SEQUENCE", 0 },
		{ "3003020101", "only r", 0 },
		{ "3009020101020101020101", "three integers", 0 },
		{ "30050200020101", "empty r", 0 },
		{ "", "empty input", 0 },
		{ "30", "no length", 0 },
		{ "3000", "empty sequence", 0 },
		{ "3007020200800201" "01", "r = 0x80 with its zero", 1 },
		{ "30060201800201" "01", "r = 0x80 without zero (negative)", 0 },
	};
	uint8_t der[128], rs[64], out[SZKM_P256_DER_MAX];
	uint8_t n[32];
	size_t len, olen, i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int ret;

		assert_int_equal(unhex(der, sizeof(der), &len, v[i].hex), 0);
		ret = szkm_p256_sig_from_der(rs, der, len);
		if ((ret == 0) != v[i].ok)
			fail_msg("DER case '%s': got %d", v[i].why, ret);
		if (!v[i].ok)
			assert_int_equal(ret, -EBADMSG);
	}

	/* r = n and r = n - 1 (33-byte integers with a zero) */
	memcpy(n, N_BYTES, 32);
	memset(rs, 0, 64);
	memcpy(rs, n, 32);
	rs[63] = 1;
	olen = sizeof(out);
	assert_int_equal(szkm_p256_sig_to_der(out, &olen, rs), -EINVAL);
	{
		uint8_t d[40] = { 0x30, 0x26, 0x02, 0x21, 0x00 };

		memcpy(d + 5, n, 32);
		d[37] = 0x02;
		d[38] = 0x01;
		d[39] = 0x01;
		assert_int_equal(szkm_p256_sig_from_der(rs, d, 40), -EBADMSG);
		d[36] -= 1;			/* n - 1 */
		assert_int_equal(szkm_p256_sig_from_der(rs, d, 40), 0);
		olen = sizeof(out);
		assert_int_equal(szkm_p256_sig_to_der(out, &olen, rs), 0);
		assert_int_equal(olen, 40);
		assert_memory_equal(out, d, 40);
	}

	/* round trips of random values, and a too-small buffer */
	for (i = 0; i < 2000; i++) {
		uint8_t back[64];
		size_t zeros = i % 40;

		random_bytes(rs, 64);
		rs[0] &= 0x7f;
		rs[32] &= 0x7f;
		/* exercise short integers */
		memset(rs + (i % 2 ? 32 : 0), 0, zeros < 31 ? zeros : 31);
		if (rs[31] == 0 && rs[63] == 0)
			rs[31] = 1;
		olen = sizeof(out);
		if (szkm_p256_sig_to_der(out, &olen, rs))
			continue;	/* a zero half */
		assert_true(olen <= SZKM_P256_DER_MAX);
		assert_int_equal(szkm_p256_sig_from_der(back, out, olen), 0);
		assert_memory_equal(back, rs, 64);
		assert_int_equal(szkm_p256_sig_from_der(back, out, olen - 1), -EBADMSG);
		len = olen - 1;
		assert_int_equal(szkm_p256_sig_to_der(out, &len, rs), -EMSGSIZE);
	}
	printf("# der: %zu fixed cases, 2000 round trips\n",
	       sizeof(v) / sizeof(v[0]));
}

/* ------------------------------------------------------------------ */
/* key and point validation                                            */

static void pub_validation(void **state)
{
	uint8_t priv[32], pub[65], bad[65];
	int i;

	(void)state;
	memset(priv, 0, 32);
	assert_int_equal(szkm_p256_check_priv(priv), -EINVAL);		/* 0 */
	priv[31] = 1;
	assert_int_equal(szkm_p256_check_priv(priv), 0);		/* 1 */
	memcpy(priv, N_BYTES, 32);
	assert_int_equal(szkm_p256_check_priv(priv), -EINVAL);		/* n */
	be_sub_small(priv, 1);
	assert_int_equal(szkm_p256_check_priv(priv), 0);		/* n-1 */
	memset(priv, 0xff, 32);
	assert_int_equal(szkm_p256_check_priv(priv), -EINVAL);
	assert_int_equal(szkm_p256_pubkey(pub, priv), -EINVAL);
	memset(priv, 0, 32);
	assert_int_equal(szkm_p256_pubkey(pub, priv), -EINVAL);

	for (i = 0; i < 100; i++) {
		random_bytes(priv, 32);
		priv[0] &= 0x7f;
		assert_int_equal(szkm_p256_pubkey(pub, priv), 0);
		assert_int_equal(szkm_p256_check_pub(pub), 0);

		memcpy(bad, pub, 65);
		bad[0] = 0x02;				/* compressed tag */
		assert_int_equal(szkm_p256_check_pub(bad), -EINVAL);
		bad[0] = 0x00;
		assert_int_equal(szkm_p256_check_pub(bad), -EINVAL);
		memcpy(bad, pub, 65);
		bad[64] ^= 1;				/* off the curve */
		assert_int_equal(szkm_p256_check_pub(bad), -EINVAL);
		memcpy(bad, pub, 65);
		bad[1 + (i % 32)] ^= 0x10;
		assert_int_equal(szkm_p256_check_pub(bad), -EINVAL);
	}

	/* coordinates >= p: X + p with the same residue is refused */
	memset(priv, 0, 32);
	priv[31] = 1;
	assert_int_equal(szkm_p256_pubkey(pub, priv), 0);	/* G */
	memcpy(bad, pub, 65);
	memcpy(bad + 1, P_BYTES, 32);
	assert_int_equal(szkm_p256_check_pub(bad), -EINVAL);	/* x = p */
	memcpy(bad, pub, 65);
	memcpy(bad + 33, P_BYTES, 32);
	assert_int_equal(szkm_p256_check_pub(bad), -EINVAL);	/* y = p */
	memset(bad, 0, 65);
	bad[0] = 0x04;
	assert_int_equal(szkm_p256_check_pub(bad), -EINVAL);	/* (0, 0) */
	memset(bad + 1, 0xff, 64);
	assert_int_equal(szkm_p256_check_pub(bad), -EINVAL);

	/* -G = (x, p - y) is valid; p + (p - y) cannot be represented */
	{
		uint8_t nm1[32];

		memcpy(nm1, N_BYTES, 32);
		be_sub_small(nm1, 1);
		assert_int_equal(szkm_p256_pubkey(bad, nm1), 0);
		assert_memory_equal(bad + 1, pub + 1, 32);
		assert_int_equal(szkm_p256_check_pub(bad), 0);
	}
}

/* ------------------------------------------------------------------ */
/* edge scalars: small and large multiples, the a = b doubling path    */

static void edge_scalars(void **state)
{
	uint8_t k[32], pub[65], g[65], q[65], shared[32], one[32];
	unsigned int i;

	(void)state;
	memset(one, 0, 32);
	one[31] = 1;
	assert_int_equal(szkm_p256_pubkey(g, one), 0);
	for (i = 1; i <= 70; i++) {
		/* k * G through the fixed-base comb and through ECDH on G */
		memset(k, 0, 32);
		k[31] = (uint8_t)i;
		assert_int_equal(szkm_p256_pubkey(pub, k), 0);
		assert_int_equal(szkm_p256_ecdh(shared, k, g), 0);
		assert_memory_equal(shared, pub + 1, 32);

		/* (n - i) G = -(i G): same x */
		memcpy(k, N_BYTES, 32);
		be_sub_small(k, i);
		assert_int_equal(szkm_p256_pubkey(q, k), 0);
		assert_memory_equal(q + 1, pub + 1, 32);
		assert_memory_not_equal(q + 33, pub + 33, 32);
		assert_int_equal(szkm_p256_ecdh(shared, k, g), 0);
		assert_memory_equal(shared, pub + 1, 32);
	}
	/* scalars with long runs of ones and zeros (recoding carries) */
	for (i = 0; i < 256; i++) {
		uint8_t digest[32], sig[64];

		memset(k, 0, 32);
		memset(k, 0xff, i / 8 < 32 ? i / 8 : 32);
		k[0] &= 0x7f;
		be_add_small(k, i + 1);
		if (szkm_p256_check_priv(k))
			continue;
		assert_int_equal(szkm_p256_pubkey(pub, k), 0);
		assert_int_equal(szkm_p256_ecdh(shared, k, g), 0);
		assert_memory_equal(shared, pub + 1, 32);
		memset(digest, (int)i, 32);
		assert_int_equal(szkm_p256_sign(sig, k, digest), 0);
		assert_int_equal(szkm_p256_verify(pub, digest, sig), 0);
	}
}

static void sign_deterministic(void **state)
{
	uint8_t priv[32], digest[32], a[64], b[64], pub[65];
	int i;

	(void)state;
	for (i = 0; i < 50; i++) {
		random_bytes(priv, 32);
		priv[0] &= 0x7f;
		random_bytes(digest, 32);
		assert_int_equal(szkm_p256_pubkey(pub, priv), 0);
		/* the blinding is random, the signature is not */
		assert_int_equal(szkm_p256_sign(a, priv, digest), 0);
		assert_int_equal(szkm_p256_sign(b, priv, digest), 0);
		assert_memory_equal(a, b, 64);
		assert_int_equal(szkm_p256_verify(pub, digest, a), 0);
		digest[i % 32] ^= 0x80;
		assert_int_equal(szkm_p256_verify(pub, digest, a), -EBADMSG);
		digest[i % 32] ^= 0x80;
		a[32 + i % 32] ^= 1;
		assert_int_equal(szkm_p256_verify(pub, digest, a), -EBADMSG);
	}
	/* digests >= n are reduced, all-ones digest included */
	memset(digest, 0xff, 32);
	assert_int_equal(szkm_p256_sign(a, priv, digest), 0);
	assert_int_equal(szkm_p256_verify(pub, digest, a), 0);
	memset(digest, 0, 32);
	assert_int_equal(szkm_p256_sign(a, priv, digest), 0);
	assert_int_equal(szkm_p256_verify(pub, digest, a), 0);
}

/*
 * Low S: each signature has the twin (r, n - s), which verifies too. The
 * bound (n - 1) / 2 is computed here with OpenSSL's BIGNUM, not taken from
 * p256.c.
 */
static void low_s(void **state)
{
	static const uint8_t n_be[32] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
		0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
	};
	uint8_t priv[32], digest[32], sig[64], twin[64], pub[65], half[32];
	BIGNUM *n = BN_bin2bn(n_be, 32, NULL), *s = BN_new(), *h = BN_new();
	int i, high = 0;

	(void)state;
	assert_non_null(n);
	assert_non_null(s);
	assert_non_null(h);
	assert_int_equal(BN_rshift1(h, n), 1);
	assert_int_equal(BN_bn2binpad(h, half, 32), 32);
	for (i = 0; i < 200; i++) {
		random_bytes(priv, 32);
		priv[0] &= 0x7f;
		random_bytes(digest, 32);
		assert_int_equal(szkm_p256_pubkey(pub, priv), 0);
		assert_int_equal(szkm_p256_sign(sig, priv, digest), 0);
		/* the twin: n - s */
		memcpy(twin, sig, 32);
		assert_non_null(BN_bin2bn(sig + 32, 32, s));
		assert_int_equal(BN_sub(s, n, s), 1);
		assert_int_equal(BN_bn2binpad(s, twin + 32, 32), 32);
		assert_int_equal(szkm_p256_verify(pub, digest, twin), 0);
		high += memcmp(sig + 32, half, 32) > 0;
		assert_int_equal(szkm_p256_sig_is_low_s(sig),
				 memcmp(sig + 32, half, 32) <= 0);
		assert_int_equal(szkm_p256_sig_is_low_s(twin),
				 memcmp(twin + 32, half, 32) <= 0);
		/* either twin normalises to the same low signature */
		assert_int_equal(szkm_p256_sig_low_s(sig), 0);
		assert_int_equal(szkm_p256_sig_low_s(twin), 0);
		assert_memory_equal(sig, twin, 64);
		assert_int_equal(szkm_p256_sig_is_low_s(sig), 1);
		assert_true(memcmp(sig + 32, half, 32) <= 0);
		assert_int_equal(szkm_p256_verify(pub, digest, sig), 0);
	}
	/* RFC 6979 nonces give a high s about half the time */
	assert_true(high > 50 && high < 150);
	printf("# low S: %d of 200 signatures were high and normalised\n", high);
	/* the bound itself is low, one above it is high, 0 and n are neither */
	memcpy(sig + 32, half, 32);
	assert_int_equal(szkm_p256_sig_is_low_s(sig), 1);
	be_add_small(sig + 32, 1);
	assert_int_equal(szkm_p256_sig_is_low_s(sig), 0);
	assert_int_equal(szkm_p256_sig_low_s(sig), 0);
	assert_memory_equal(sig + 32, half, 32);	/* n - (h + 1) = h */
	memset(sig + 32, 0, 32);
	assert_int_equal(szkm_p256_sig_is_low_s(sig), 0);
	assert_int_equal(szkm_p256_sig_low_s(sig), -EINVAL);
	memcpy(sig + 32, n_be, 32);
	assert_int_equal(szkm_p256_sig_is_low_s(sig), 0);
	assert_int_equal(szkm_p256_sig_low_s(sig), -EINVAL);
	BN_free(n);
	BN_free(s);
	BN_free(h);
}

/* ------------------------------------------------------------------ */
/* OpenSSL cross-checks                                                */

static void sign_verifies_with_openssl(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < CROSS_ROUNDS; i++) {
		struct ossl_key k;
		EVP_PKEY_CTX *ctx;
		uint8_t pub[65], digest[32], rs[64], der[SZKM_P256_DER_MAX];
		size_t len = sizeof(der);

		ossl_keygen(&k);
		assert_int_equal(szkm_p256_pubkey(pub, k.priv), 0);
		assert_memory_equal(pub, k.pub, 65);
		random_bytes(digest, 32);
		assert_int_equal(szkm_p256_sign(rs, k.priv, digest), 0);
		assert_int_equal(szkm_p256_sig_to_der(der, &len, rs), 0);
		ctx = EVP_PKEY_CTX_new(k.pkey, NULL);
		assert_non_null(ctx);
		assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
		assert_int_equal(EVP_PKEY_verify(ctx, der, len, digest, 32), 1);
		digest[0] ^= 1;
		assert_int_not_equal(EVP_PKEY_verify(ctx, der, len, digest, 32), 1);
		EVP_PKEY_CTX_free(ctx);
		EVP_PKEY_free(k.pkey);
	}
	printf("# %d szkm signatures verified by OpenSSL, %d public keys equal\n",
	       CROSS_ROUNDS, CROSS_ROUNDS);
}

static void openssl_sign_verifies_with_szkm(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < CROSS_ROUNDS; i++) {
		struct ossl_key k;
		EVP_PKEY_CTX *ctx;
		uint8_t digest[32], rs[64], der[128];
		size_t len = sizeof(der);

		ossl_keygen(&k);
		random_bytes(digest, 32);
		ctx = EVP_PKEY_CTX_new(k.pkey, NULL);
		assert_non_null(ctx);
		assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
		assert_int_equal(EVP_PKEY_sign(ctx, der, &len, digest, 32), 1);
		EVP_PKEY_CTX_free(ctx);
		assert_int_equal(szkm_p256_sig_from_der(rs, der, len), 0);
		assert_int_equal(szkm_p256_verify(k.pub, digest, rs), 0);
		digest[31] ^= 1;
		assert_int_equal(szkm_p256_verify(k.pub, digest, rs), -EBADMSG);
		EVP_PKEY_free(k.pkey);
	}
	printf("# %d OpenSSL signatures verified by szkm\n", CROSS_ROUNDS);
}

static void ecdh_matches_openssl(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < CROSS_ROUNDS; i++) {
		struct ossl_key a, b;
		EVP_PKEY_CTX *ctx;
		uint8_t want[32], got[32], back[32];
		size_t len = sizeof(want);

		ossl_keygen(&a);
		ossl_keygen(&b);
		ctx = EVP_PKEY_CTX_new(a.pkey, NULL);
		assert_non_null(ctx);
		assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
		assert_int_equal(EVP_PKEY_derive_set_peer(ctx, b.pkey), 1);
		assert_int_equal(EVP_PKEY_derive(ctx, want, &len), 1);
		assert_int_equal(len, 32);
		EVP_PKEY_CTX_free(ctx);
		assert_int_equal(szkm_p256_ecdh(got, a.priv, b.pub), 0);
		assert_memory_equal(got, want, 32);
		assert_int_equal(szkm_p256_ecdh(back, b.priv, a.pub), 0);
		assert_memory_equal(back, want, 32);
		EVP_PKEY_free(a.pkey);
		EVP_PKEY_free(b.pkey);
	}
	printf("# %d ECDH secrets equal to OpenSSL's\n", CROSS_ROUNDS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(selftest_passes),
		cmocka_unit_test(rfc6979_vectors),
		cmocka_unit_test(wycheproof_ecdsa_verify),
		cmocka_unit_test(wycheproof_ecdsa_p1363_verify),
		cmocka_unit_test(wycheproof_ecdh),
		cmocka_unit_test(der_strict),
		cmocka_unit_test(pub_validation),
		cmocka_unit_test(edge_scalars),
		cmocka_unit_test(sign_deterministic),
		cmocka_unit_test(low_s),
		cmocka_unit_test(sign_verifies_with_openssl),
		cmocka_unit_test(openssl_sign_verifies_with_szkm),
		cmocka_unit_test(ecdh_matches_openssl),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("p256", tests, NULL, NULL);
}
