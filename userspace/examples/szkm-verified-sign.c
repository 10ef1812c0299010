// SPDX-License-Identifier: MIT
/*
 * szkm-verified-sign - an application that signs with an szkm key only
 * when the ledger vouches for it.
 *
 *   szkm-verified-sign KEY LEDGER_URL FILE VKEY...
 *
 * Finds the ecdsa-p256 key KEY (a name in the caller's keyrings, or a
 * serial), verifies its history against the ledger node at LEDGER_URL
 * under the verifier keys VKEY (`ledgerd vkey`; a majority must sign) and
 * checks that the kernel's key is the one the ledger records. Anything
 * short of that: one line saying why, exit 1. Then it signs SHA-256(FILE)
 * with the active version through keyctl, and writes FILE.sig (DER) and
 * FILE.pub.pem (that version's public key, as verified), so that anyone
 * can check: openssl dgst -sha256 -verify FILE.pub.pem -signature FILE.sig FILE
 *
 * Build: cc szkm-verified-sign.c $(pkg-config --cflags --libs szkm libkeyutils libcrypto)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>
#include <openssl/evp.h>

#include <libszkm.h>

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "szkm-verified-sign: %s: %s\n", what, why);
	return 1;
}

/* SHA-256 of the file at @path. */
static int digest(const char *path, unsigned char md[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	FILE *f = fopen(path, "rb");
	unsigned char buf[65536];
	size_t n;
	int ok = f && ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);

	while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		ok = EVP_DigestUpdate(ctx, buf, n);
	ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, NULL);
	if (f)
		fclose(f);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int main(int argc, char *argv[])
{
	struct szkm_verifier_opts o = { .ledger = argv[2], .keys = (const char *const *)argv + 4,
					.nkeys = argc > 4 ? (size_t)argc - 4 : 0 };
	static struct szkm_key_info k, now;
	const struct szkm_verified_version *ver;
	struct szkm_verified_key *vk;
	struct szkm_verifier *v;
	unsigned char md[32], sig[128];
	struct keyctl_pkey_query q;
	char out[4096];
	int32_t serial;
	long siglen;
	FILE *f;

	if (argc < 5)
		return fprintf(stderr, "Usage: %s KEY LEDGER_URL FILE VKEY...\n", argv[0]), 2;
	serial = szkm_key_find(argv[1]);
	if (serial < 0)
		return fail(argv[1], szkm_strerror(serial));
	if (szkm_verifier_new(&o, &v))
		return fail("verifier", szkm_verify_message());
	if (szkm_verify_key_by_serial(v, serial, &k, &vk))
		return fail(argv[1], szkm_verify_message());
	ver = szkm_verified_version(vk, k.active);
	if (k.alg != SZKM_ALG_ECDSA_P256 || !ver || !ver->has_pub)
		return fail(argv[1], "not an ecdsa-p256 key with an active version");
	if (digest(argv[3], md))
		return fail(argv[3], "cannot read it");
	/* The kernel takes an output buffer no larger than the key's largest
	 * signature (EINVAL otherwise): ask it. */
	if (keyctl_pkey_query(serial, "", &q) < 0 || q.max_sig_size > sizeof(sig))
		return fail("keyctl pkey_query", strerror(errno));
	siglen = keyctl_pkey_sign(serial, "hash=sha256", md, sizeof(md), sig, q.max_sig_size);
	if (siglen <= 0)
		return fail("keyctl pkey_sign", strerror(errno));
	/* A rotation meanwhile would have signed with a version not checked. */
	if (szkm_key_info(serial, &now) || now.active != k.active)
		return fail(argv[1], "the active version changed while signing: run again");
	snprintf(out, sizeof(out), "%s.sig", argv[3]);
	f = fopen(out, "wb");
	if (!f || fwrite(sig, 1, (size_t)siglen, f) != (size_t)siglen || fclose(f))
		return fail(out, "cannot write it");
	snprintf(out, sizeof(out), "%s.pub.pem", argv[3]);
	f = fopen(out, "w");
	if (!f || szkm_p256_write_pem(f, ver->pub) || fclose(f))
		return fail(out, "cannot write it");
	printf("%s: signed with '%s' v%u, verified against the ledger's checkpoint of size %llu\n",
	       argv[3], k.name, k.active, (unsigned long long)vk->size);
	szkm_verified_key_free(vk);
	szkm_verifier_free(v);
	return 0;
}
