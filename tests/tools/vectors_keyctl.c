// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vectors_keyctl.c - Wycheproof vectors through the real keyctl path.
 *
 * Runs in a guest with szkm.ko loaded and a ready device. Every case of
 * ecdsa_secp256r1_sha256 (verify with an imported public key),
 * ecdh_secp256r1_ecpoint (an imported private key opens an ECIES ciphertext
 * built here from the vector's shared secret, so the kernel's ECDH must give
 * that secret) and aes_gcm (256-bit keys, 96-bit IVs, 128-bit tags: the
 * vector's ciphertext through pkey_decrypt enc=gcm, and an szkm-format
 * round trip) is driven through the keyctl syscalls and compared with the
 * vector's result. Prints the counts per file; exits 1 on any mismatch.
 *
 *   vectors_keyctl [vectors dir]   (default $SZKM_VECTORS; the wycheproof/
 *                                   folder under it holds the JSON files)
 *
 * Two keyctl ABI facts shape the calls: pkey_verify copies max_sig_size
 * bytes of signature whatever the caller's length (so signatures go in a
 * zero-padded max_sig_size buffer and the module reads the DER length from
 * the DER header), and pkey_encrypt/decrypt copy the result without looking
 * at the caller's out_len (so output buffers are max_enc_size bytes).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <keyutils.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include "szkm.h"

#define SIG_MAX		72	/* szkm's max_sig_size for ecdsa-p256 */
#define IO_MAX		SZKM_PKEY_MAX_IO	/* szkm's max_enc_size/max_dec_size */
#define GCM_IV		12
#define GCM_TAG		16

static key_serial_t ring;
static unsigned int nkeys;
static const char *cur_file;

struct buf {
	uint8_t *p;
	size_t n;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vectors_keyctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void mismatch(long tc, const char *comment, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("MISMATCH %s tcId %ld (%s): ", cur_file, tc, comment);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

static int unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A hex string field of @obj; the buffer always has room for one byte. */
static struct buf hexfield(json_t *obj, const char *name)
{
	const char *s = json_string_value(json_object_get(obj, name));
	struct buf b;
	size_t i, n;

	if (!s)
		die("%s: field '%s' missing", cur_file, name);
	n = strlen(s);
	if (n % 2)
		die("%s: field '%s' is odd-length hex", cur_file, name);
	b.n = n / 2;
	b.p = calloc(1, b.n + 1);
	if (!b.p)
		die("out of memory");
	for (i = 0; i < b.n; i++) {
		int hi = unhex(s[2 * i]), lo = unhex(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			die("%s: field '%s' is not hex", cur_file, name);
		b.p[i] = (uint8_t)(hi << 4 | lo);
	}
	return b;
}

static void tohex(char *out, const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * "import <alg> [pub:]<hex> ledger=async" as a new key in our keyring; -1
 * with errno. ledger=async: the version is active at once (its event still
 * goes to the journal), so a case need not wait for the ledger's ack.
 */
static key_serial_t import_key(const char *alg, bool pub, const uint8_t *mat, size_t n)
{
	char payload[64 + 2 * 65 + 32], desc[32];
	int off;

	off = snprintf(payload, sizeof(payload), "import %s %s", alg, pub ? "pub:" : "");
	tohex(payload + off, mat, n);
	strcat(payload, " ledger=async");
	snprintf(desc, sizeof(desc), "vec-%u", nkeys++);
	return add_key(SZKM_KEY_TYPE, desc, payload, strlen(payload), ring);
}

static void drop_key(key_serial_t k)
{
	if (k > 0 && keyctl_invalidate(k) < 0)
		keyctl_unlink(k, ring);
}

static json_t *load(const char *dir, const char *name)
{
	char path[4096];
	json_error_t err;
	json_t *root;

	snprintf(path, sizeof(path), "%s/wycheproof/%s", dir, name);
	root = json_load_file(path, 0, &err);
	if (!root)
		die("%s: %s (line %d)", path, err.text, err.line);
	cur_file = name;
	return root;
}

static const char *str(json_t *obj, const char *name)
{
	const char *s = json_string_value(json_object_get(obj, name));

	return s ? s : "";
}

enum expect { EXP_VALID, EXP_INVALID, EXP_ACCEPTABLE };

static enum expect expected(json_t *t)
{
	const char *r = str(t, "result");

	if (!strcmp(r, "valid"))
		return EXP_VALID;
	if (!strcmp(r, "invalid"))
		return EXP_INVALID;
	if (!strcmp(r, "acceptable"))
		return EXP_ACCEPTABLE;
	die("%s: unknown result '%s'", cur_file, r);
	return EXP_INVALID;
}

/* ------------------------------------------------------------ ECDSA */

/* OpenSSL's verdict on exactly @n bytes of DER @sig. */
static bool openssl_verify(EVP_PKEY *pk, const uint8_t *dgst, const uint8_t *sig, size_t n)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
	bool ok;

	ok = c && EVP_PKEY_verify_init(c) == 1 &&
	     EVP_PKEY_verify(c, sig, n, dgst, 32) == 1;
	EVP_PKEY_CTX_free(c);
	return ok;
}

/*
 * Not a vector: shows the ABI limit on the first valid signature shorter
 * than max_sig_size. One garbage byte after it is accepted, as the kernel
 * cannot tell it from keyctl's padding. Wycheproof's trailing-data cases
 * are all longer than 72 bytes, so EINVAL refuses them.
 */
static void abi_demo(json_t *root)
{
	json_t *g = json_array_get(json_object_get(root, "testGroups"), 0);
	json_t *t = json_array_get(json_object_get(g, "tests"), 0);
	struct buf pub = hexfield(json_object_get(g, "publicKey"), "uncompressed");
	struct buf msg = hexfield(t, "msg"), sig = hexfield(t, "sig");
	uint8_t dgst[32], sbuf[SIG_MAX] = { 0 };
	key_serial_t k = import_key("ecdsa-p256", true, pub.p, pub.n);
	long r;

	if (k < 0 || sig.n >= SIG_MAX || !EVP_Digest(msg.p, msg.n, dgst, NULL, EVP_sha256(), NULL))
		die("ABI demonstration setup");
	memcpy(sbuf, sig.p, sig.n);
	sbuf[sig.n] = 0xff;
	r = keyctl_pkey_verify(k, "hash=sha256", dgst, 32, sbuf, sig.n + 1);
	printf("ecdsa ABI limit (not a vector): a valid %zu-byte signature with one garbage "
	       "byte appended is %s\n", sig.n, r == 0 ? "accepted" : "rejected");
	drop_key(k);
	free(pub.p);
	free(msg.p);
	free(sig.p);
}

static int run_ecdsa(const char *dir)
{
	unsigned int cases = 0, acc = 0, rej = 0, trailing = 0, bad = 0, toolong = 0;
	json_t *root = load(dir, "ecdsa_secp256r1_sha256_test.json");
	json_t *g, *t;
	size_t gi, ti;

	json_array_foreach(json_object_get(root, "testGroups"), gi, g) {
		json_t *pkj = json_object_get(g, "publicKey");
		struct buf pub = hexfield(pkj, "uncompressed");
		struct buf der = hexfield(g, "publicKeyDer");
		const uint8_t *dp = der.p;
		EVP_PKEY *pk = d2i_PUBKEY(NULL, &dp, (long)der.n);
		key_serial_t k;

		if (!pk)
			die("%s: group %zu: OpenSSL cannot read the public key", cur_file, gi);
		k = import_key("ecdsa-p256", true, pub.p, pub.n);
		if (k < 0)
			printf("MISMATCH %s group %zu: import of the public key refused: %s\n",
			       cur_file, gi, strerror(errno));
		json_array_foreach(json_object_get(g, "tests"), ti, t) {
			long tc = json_integer_value(json_object_get(t, "tcId"));
			const char *cm = str(t, "comment");
			enum expect e = expected(t);
			struct buf msg = hexfield(t, "msg"), sig = hexfield(t, "sig");
			uint8_t dgst[32], *sbuf;
			size_t slen = sig.n > SIG_MAX ? sig.n : SIG_MAX;
			long r;
			int err;

			cases++;
			if (!EVP_Digest(msg.p, msg.n, dgst, NULL, EVP_sha256(), NULL))
				die("SHA-256 failed");
			/* The kernel reads max_sig_size bytes: pad with zeros. */
			sbuf = calloc(1, slen);
			if (!sbuf)
				die("out of memory");
			memcpy(sbuf, sig.p, sig.n);
			r = k < 0 ? -1 : keyctl_pkey_verify(k, "hash=sha256", dgst, 32, sbuf, sig.n);
			err = r < 0 ? errno : 0;
			if (r == 0 && e != EXP_INVALID) {
				acc++;
			} else if (r < 0 && e == EXP_INVALID &&
				   (err == EKEYREJECTED || (err == EINVAL && sig.n > SIG_MAX))) {
				rej++;
				toolong += err == EINVAL;
			} else if (r == 0 && sig.n >= 2 && sig.p[0] == 0x30 && sig.p[1] < 0x80 &&
				   2u + sig.p[1] < sig.n &&
				   openssl_verify(pk, dgst, sig.p, 2u + sig.p[1])) {
				/*
				 * Bytes after a valid DER signature: with the
				 * length lost at the syscall they look like
				 * keyctl's own padding.
				 */
				trailing++;
				printf("ABI-LIMIT %s tcId %ld (%s): %zu bytes after the DER "
				       "SEQUENCE accepted\n", cur_file, tc, cm,
				       sig.n - 2 - sig.p[1]);
			} else {
				bad++;
				mismatch(tc, cm, "expected %s, kernel %s", str(t, "result"),
					 r == 0 ? "accepted" : strerror(err));
			}
			free(sbuf);
			free(msg.p);
			free(sig.p);
		}
		drop_key(k);
		EVP_PKEY_free(pk);
		free(pub.p);
		free(der.p);
	}
	abi_demo(root);
	printf("ecdsa verify: %u cases, %u valid accepted, %u invalid rejected "
	       "(%u longer than max_sig_size, EINVAL), %u trailing data after DER "
	       "(ABI limit), %u mismatched\n", cases, acc, rej, toolong, trailing, bad);
	json_decref(root);
	return bad ? 1 : 0;
}

/* ------------------------------------------------------------- ECDH */

static int hkdf_sha256(const uint8_t *salt, size_t saltlen, const uint8_t *ikm, size_t ikmlen,
		       const char *info, uint8_t *out, size_t outlen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *c = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[5], *q = p;
	int ok;

	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikmlen);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
						 strlen(info));
	*q = OSSL_PARAM_construct_end();
	ok = c && EVP_KDF_derive(c, out, outlen, p) == 1;
	EVP_KDF_CTX_free(c);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

/* AES-256-GCM seal of @n bytes: @out gets ciphertext || tag. */
static int gcm_seal(const uint8_t *key, const uint8_t *iv, const uint8_t *aad, size_t aadlen,
		    const uint8_t *in, size_t n, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l, ok;

	ok = c && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv) == 1 &&
	     EVP_EncryptUpdate(c, NULL, &l, aad, (int)aadlen) == 1 &&
	     EVP_EncryptUpdate(c, out, &l, in, (int)n) == 1 &&
	     EVP_EncryptFinal_ex(c, out + l, &l) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, GCM_TAG, out + n) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/*
 * The vector's private key as a 32-byte scalar: Wycheproof writes it as a
 * signed big-endian integer (a leading 00, or fewer bytes). Returns false
 * when it needs more than 32 bytes.
 */
static bool scalar32(const struct buf *b, uint8_t out[32])
{
	size_t i = 0;

	while (i < b->n && b->p[i] == 0)
		i++;
	if (b->n - i > 32)
		return false;
	memset(out, 0, 32);
	memcpy(out + 32 - (b->n - i), b->p + i, b->n - i);
	return true;
}

/* 0 < d < n */
static bool scalar_in_range(const EC_GROUP *grp, const uint8_t d[32])
{
	BIGNUM *x = BN_bin2bn(d, 32, NULL);
	bool ok = x && !BN_is_zero(x) && BN_cmp(x, EC_GROUP_get0_order(grp)) < 0;

	BN_free(x);
	return ok;
}

static int pub_of(const EC_GROUP *grp, const uint8_t d[32], uint8_t pub[65])
{
	BIGNUM *x = BN_bin2bn(d, 32, NULL);
	EC_POINT *p = EC_POINT_new(grp);
	int ret = -1;

	if (x && p && EC_POINT_mul(grp, p, x, NULL, NULL, NULL) == 1 &&
	    EC_POINT_point2oct(grp, p, POINT_CONVERSION_UNCOMPRESSED, pub, 65, NULL) == 65)
		ret = 0;
	EC_POINT_free(p);
	BN_clear_free(x);
	return ret;
}

/*
 * The vector's public point in the 65-byte slot of the ECIES header: an
 * uncompressed point as it is; a compressed one that OpenSSL decompresses
 * as the same point uncompressed (szkm's format only has that form);
 * anything else copied in raw and zero-padded, which the kernel must refuse.
 */
static bool eph_slot(const EC_GROUP *grp, const struct buf *pt, uint8_t slot[65])
{
	EC_POINT *p;
	bool conv = false;

	memset(slot, 0, 65);
	if (pt->n == 33 && (pt->p[0] == 2 || pt->p[0] == 3)) {
		p = EC_POINT_new(grp);
		if (p && EC_POINT_oct2point(grp, p, pt->p, pt->n, NULL) == 1 &&
		    EC_POINT_point2oct(grp, p, POINT_CONVERSION_UNCOMPRESSED, slot, 65,
				       NULL) == 65)
			conv = true;
		EC_POINT_free(p);
		if (conv)
			return true;
		memset(slot, 0, 65);
	}
	memcpy(slot, pt->p, pt->n < 65 ? pt->n : 65);
	return false;
}

/* An ECIES ciphertext for version 1 of an ecdh-p256 key; returns its length. */
static size_t ecies_build(uint8_t *ct, const uint8_t eph[65], const uint8_t rpub[65],
			  const uint8_t *z, size_t zlen, const uint8_t *pt, size_t n)
{
	uint8_t salt[130], okm[44];

	ct[0] = SZKM_CT_MAGIC;
	ct[1] = SZKM_CT_FORMAT;
	ct[2] = SZKM_ALG_ECDH_P256;
	ct[3] = 0;
	ct[4] = ct[5] = ct[6] = 0;
	ct[7] = 1;
	memcpy(ct + 8, eph, 65);
	memcpy(salt, eph, 65);
	memcpy(salt + 65, rpub, 65);
	if (hkdf_sha256(salt, sizeof(salt), z, zlen, SZKM_ECIES_INFO, okm, sizeof(okm)) ||
	    gcm_seal(okm, okm + 32, ct, SZKM_ECIES_HDR_LEN, pt, n, ct + SZKM_ECIES_HDR_LEN))
		die("OpenSSL HKDF/AES-GCM failed");
	return SZKM_ECIES_HDR_LEN + n + GCM_TAG;
}

/* Private keys out of range must be refused by the import itself. */
static unsigned int ecdh_bad_scalars(const EC_GROUP *grp, unsigned int *bad)
{
	uint8_t d[33];
	unsigned int i, refused = 0;

	for (i = 0; i < 5; i++) {
		size_t n = 32;
		key_serial_t k;

		memset(d, 0, sizeof(d));
		if (i == 1 || i == 2) {		/* n, n + 1 */
			BIGNUM *x = BN_dup(EC_GROUP_get0_order(grp));

			if (!x || (i == 2 && !BN_add_word(x, 1)) || BN_bn2binpad(x, d, 32) != 32)
				die("BN failed");
			BN_free(x);
		} else if (i == 3) {		/* 2^256 - 1 */
			memset(d, 0xff, 32);
		} else if (i == 4) {		/* 33 bytes */
			d[0] = 1;
			d[32] = 1;
			n = 33;
		}				/* i == 0: zero */
		k = import_key("ecdh-p256", false, d, n);
		if (k < 0) {
			refused++;
		} else {
			(*bad)++;
			printf("MISMATCH out-of-range ecdh-p256 private key %u was imported\n", i);
			drop_key(k);
		}
	}
	return refused;
}

static int run_ecdh(const char *dir)
{
	unsigned int cases = 0, acc = 0, rej = 0, comp = 0, acceptable = 0, bad = 0, range;
	json_t *root = load(dir, "ecdh_secp256r1_ecpoint_test.json");
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	static const char msg[] = "wycheproof ecdh through szkm ECIES";
	uint8_t ct[SZKM_ECIES_OVERHEAD + sizeof(msg)], *out = malloc(IO_MAX);
	json_t *g, *t;
	size_t gi, ti;

	if (!grp || !out)
		die("setup failed");
	range = ecdh_bad_scalars(grp, &bad);
	json_array_foreach(json_object_get(root, "testGroups"), gi, g) {
		json_array_foreach(json_object_get(g, "tests"), ti, t) {
			long tc = json_integer_value(json_object_get(t, "tcId"));
			const char *cm = str(t, "comment");
			enum expect e = expected(t);
			struct buf priv = hexfield(t, "private"), pt = hexfield(t, "public");
			struct buf z = hexfield(t, "shared");
			uint8_t d[32], rpub[65], eph[65], zfill[32];
			key_serial_t k;
			bool decompressed;
			size_t n;
			long r;

			cases++;
			if (!scalar32(&priv, d) || !scalar_in_range(grp, d)) {
				/* No such vector today; the import must refuse it. */
				k = import_key("ecdh-p256", false, d, 32);
				if (k < 0 && e == EXP_INVALID) {
					rej++;
				} else {
					bad++;
					mismatch(tc, cm, "out-of-range private key, import %s",
						 k < 0 ? "refused" : "accepted");
				}
				drop_key(k);
				goto next;
			}
			k = import_key("ecdh-p256", false, d, 32);
			if (k < 0) {
				bad++;
				mismatch(tc, cm, "import of the private key refused: %s",
					 strerror(errno));
				goto next;
			}
			if (pub_of(grp, d, rpub))
				die("OpenSSL cannot derive a public key");
			decompressed = eph_slot(grp, &pt, eph);
			/* Invalid points have no secret: any stand-in must fail. */
			if (!z.n && !EVP_Digest(pt.p, pt.n, zfill, NULL, EVP_sha256(), NULL))
				die("SHA-256 failed");
			n = ecies_build(ct, eph, rpub, z.n ? z.p : zfill, z.n ? z.n : 32,
					(const uint8_t *)msg, sizeof(msg));
			r = keyctl_pkey_decrypt(k, "", ct, n, out, IO_MAX);
			if (r == (long)sizeof(msg) && !memcmp(out, msg, sizeof(msg)) &&
			    e != EXP_INVALID) {
				acc += e == EXP_VALID;
				acceptable += e == EXP_ACCEPTABLE;
				comp += decompressed;
			} else if (r < 0 && e != EXP_VALID) {
				rej += e == EXP_INVALID;
				acceptable += e == EXP_ACCEPTABLE;
			} else {
				bad++;
				mismatch(tc, cm, "expected %s, kernel %s", str(t, "result"),
					 r >= 0 ? (r == (long)sizeof(msg) ? "decrypted" :
						   "returned a wrong length") : strerror(errno));
			}
			drop_key(k);
next:
			free(priv.p);
			free(pt.p);
			free(z.p);
		}
	}
	printf("ecdh (ECIES decrypt): %u cases, %u valid decrypted, %u invalid rejected, "
	       "%u acceptable, %u mismatched (%u compressed points decompressed by the tool); "
	       "out-of-range private keys refused by import: %u/5\n",
	       cases, acc, rej, acceptable, bad, comp, range);
	EC_GROUP_free(grp);
	free(out);
	json_decref(root);
	return bad ? 1 : 0;
}

/* ---------------------------------------------------------- AES-GCM */

/* The enc=gcm input: iv | aad length be32 | aad | ct | tag. */
static size_t raw_input(uint8_t *in, const struct buf *iv, const struct buf *aad,
			const struct buf *ct, const struct buf *tag)
{
	size_t o = 0;

	memcpy(in, iv->p, iv->n);
	o += iv->n;
	in[o++] = (uint8_t)(aad->n >> 24);
	in[o++] = (uint8_t)(aad->n >> 16);
	in[o++] = (uint8_t)(aad->n >> 8);
	in[o++] = (uint8_t)aad->n;
	memcpy(in + o, aad->p, aad->n);
	o += aad->n;
	memcpy(in + o, ct->p, ct->n);
	o += ct->n;
	memcpy(in + o, tag->p, tag->n);
	return o + tag->n;
}

/* The raw mode's own edges: malformed inputs and encryption refused. */
static unsigned int gcm_raw_edges(unsigned int *bad)
{
	static const uint8_t key[32] = { 1, 2, 3 };
	uint8_t in[64] = { 0 }, *out = malloc(IO_MAX);
	struct {
		const char *name;
		size_t len;
		uint32_t aadlen;
	} cases[] = {
		{ "shorter than iv + length + tag", 31, 0 },
		{ "AAD length past the end", 64, 64 - 31 },
		{ "AAD length 2^32 - 1", 64, 0xffffffffu },
		{ "empty input", 0, 0 },
	};
	unsigned int i, refused = 0;
	key_serial_t k = import_key("aes256-gcm", false, key, sizeof(key));

	if (k < 0 || !out)
		die("aes256-gcm import for the raw-mode checks: %s", strerror(errno));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in[12] = (uint8_t)(cases[i].aadlen >> 24);
		in[13] = (uint8_t)(cases[i].aadlen >> 16);
		in[14] = (uint8_t)(cases[i].aadlen >> 8);
		in[15] = (uint8_t)cases[i].aadlen;
		if (keyctl_pkey_decrypt(k, "enc=gcm", in, cases[i].len, out, IO_MAX) < 0) {
			refused++;
		} else {
			(*bad)++;
			printf("MISMATCH enc=gcm decrypt accepted: %s\n", cases[i].name);
		}
	}
	if (keyctl_pkey_encrypt(k, "enc=gcm", in, 16, out, IO_MAX) < 0 && errno == EOPNOTSUPP) {
		refused++;
	} else {
		(*bad)++;
		printf("MISMATCH enc=gcm encrypt was not refused with EOPNOTSUPP\n");
	}
	drop_key(k);
	free(out);
	return refused;
}

static int run_aes_gcm(const char *dir)
{
	unsigned int cases = 0, acc = 0, rej = 0, rt = 0, skipped = 0, bad = 0, edges;
	json_t *root = load(dir, "aes_gcm_test.json");
	uint8_t *in = malloc(IO_MAX), *out = malloc(IO_MAX), *ct = malloc(IO_MAX);
	json_t *g, *t;
	size_t gi, ti;

	if (!in || !out || !ct)
		die("out of memory");
	edges = gcm_raw_edges(&bad);
	json_array_foreach(json_object_get(root, "testGroups"), gi, g) {
		json_int_t ks = json_integer_value(json_object_get(g, "keySize"));
		json_int_t is = json_integer_value(json_object_get(g, "ivSize"));
		json_int_t ts = json_integer_value(json_object_get(g, "tagSize"));

		if (ks != 256 || is != 96 || ts != 128) {
			skipped += json_array_size(json_object_get(g, "tests"));
			continue;
		}
		json_array_foreach(json_object_get(g, "tests"), ti, t) {
			long tc = json_integer_value(json_object_get(t, "tcId"));
			const char *cm = str(t, "comment");
			enum expect e = expected(t);
			struct buf key = hexfield(t, "key"), iv = hexfield(t, "iv");
			struct buf aad = hexfield(t, "aad"), msg = hexfield(t, "msg");
			struct buf c = hexfield(t, "ct"), tag = hexfield(t, "tag");
			key_serial_t k;
			size_t n;
			long r;

			cases++;
			if (key.n != 32 || iv.n != GCM_IV || tag.n != GCM_TAG ||
			    GCM_IV + 4 + aad.n + c.n + GCM_TAG > IO_MAX)
				die("%s: tcId %ld does not fit its group", cur_file, tc);
			k = import_key("aes256-gcm", false, key.p, key.n);
			if (k < 0) {
				bad++;
				mismatch(tc, cm, "import refused: %s", strerror(errno));
				goto next;
			}
			n = raw_input(in, &iv, &aad, &c, &tag);
			r = keyctl_pkey_decrypt(k, "enc=gcm", in, n, out, IO_MAX);
			if (e != EXP_INVALID && r == (long)msg.n && !memcmp(out, msg.p, msg.n)) {
				acc++;
			} else if (e != EXP_VALID && r < 0) {
				rej++;
			} else {
				bad++;
				mismatch(tc, cm, "expected %s, kernel %s", str(t, "result"),
					 r < 0 ? strerror(errno) : "decrypted (or gave other bytes)");
			}
			/* The szkm format: encrypt the vector's message, decrypt it back. */
			r = keyctl_pkey_encrypt(k, "", msg.p, msg.n, ct, IO_MAX);
			if (r == (long)(msg.n + SZKM_CT_OVERHEAD) &&
			    keyctl_pkey_decrypt(k, "", ct, (size_t)r, out, IO_MAX) == (long)msg.n &&
			    !memcmp(out, msg.p, msg.n)) {
				rt++;
			} else {
				bad++;
				mismatch(tc, cm, "szkm round trip of %zu bytes failed: %s", msg.n,
					 r < 0 ? strerror(errno) : "decrypt");
			}
			drop_key(k);
next:
			free(key.p);
			free(iv.p);
			free(aad.p);
			free(msg.p);
			free(c.p);
			free(tag.p);
		}
	}
	printf("aes-gcm (256-bit key, 96-bit IV, 128-bit tag): %u cases, %u valid decrypted, "
	       "%u invalid rejected, %u szkm round trips, %u mismatched; %u cases of other "
	       "sizes not applicable; enc=gcm malformed/encrypt refused: %u/5\n",
	       cases, acc, rej, rt, bad, skipped, edges);
	free(in);
	free(out);
	free(ct);
	json_decref(root);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("SZKM_VECTORS");
	int fails = 0;

	if (!dir || !*dir)
		die("usage: vectors_keyctl [vectors dir] (or set SZKM_VECTORS)");
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A keyring of our own in the session, so every key is possessed. */
	ring = add_key("keyring", "szkm-vectors", NULL, 0, KEY_SPEC_SESSION_KEYRING);
	if (ring < 0)
		die("cannot make a keyring in the session keyring: %s", strerror(errno));
	fails += run_ecdsa(dir);
	fails += run_ecdh(dir);
	fails += run_aes_gcm(dir);
	keyctl_unlink(ring, KEY_SPEC_SESSION_KEYRING);
	printf("vectors_keyctl: %s\n", fails ? "MISMATCHES" : "all vectors match");
	return fails ? 1 : 0;
}
