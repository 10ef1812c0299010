// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * bench_keyctl.c - szkm keys through keyctl against OpenSSL, in one process
 * (run in a guest with szkm.ko loaded and a ready device; `make bench`
 * boots one). The same P-256 private key is imported into the kernel and
 * used by OpenSSL, so both sides sign with one key:
 *
 *   ECDSA P-256 sign and verify of a SHA-256 digest (DER signatures);
 *   AES-256-GCM of 4 KiB, encrypt and decrypt, a fresh random IV per
 *   operation on both sides (the kernel picks its IV; OpenSSL gets one
 *   from RAND_bytes).
 *
 * Each figure runs for about SZKM_BENCH_SECS seconds (default 1.5) and
 * prints "keyctl <op>: N/s  openssl: M/s  ratio R". Then a breakdown of
 * where a keyctl call's time goes: the syscall and key lookup alone
 * (pkey_query), and AES-GCM encrypts of 16 B (the fixed cost per call),
 * 4 KiB and 12 KiB (the cost per byte; 16 KiB is the whole limit).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <keyutils.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "szkm.h"

#define SIG_MAX		72
#define IO_MAX		SZKM_PKEY_MAX_IO	/* szkm's max_enc_size/max_dec_size */
#define AES_LEN		4096

static double secs = 1.5;
static key_serial_t ring, kec, kaes;
static EVP_PKEY *pk;
static EVP_PKEY_CTX *sctx, *vctx;
static EVP_CIPHER_CTX *cctx;
static unsigned char dgst[32], sig[SIG_MAX], osig[SIG_MAX], msg[AES_LEN];
static unsigned char ct[IO_MAX], pt[IO_MAX], oct[AES_LEN + 28], big[3 * AES_LEN];
static size_t siglen, osiglen;

static void die(const char *what)
{
	fprintf(stderr, "bench_keyctl: %s failed: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Operations per second of @op, run for about `secs` seconds. */
static double rate(const char *name, int (*op)(void))
{
	double t0 = now(), t;
	unsigned long n = 0;

	do {
		unsigned int i;

		for (i = 0; i < 8; i++)
			if (op())
				die(name);
		n += 8;
		t = now() - t0;
	} while (t < secs);
	return n / t;
}

/* ------------------------------------------------------------ keyctl */

static int k_sign(void)
{
	return keyctl_pkey_sign(kec, "hash=sha256", dgst, 32, sig, SIG_MAX) <= 0;
}

static int k_verify(void)
{
	/* sig is SIG_MAX bytes long: the kernel reads that much. */
	return keyctl_pkey_verify(kec, "hash=sha256", dgst, 32, sig, siglen) != 0;
}

static int k_enc(void)
{
	return keyctl_pkey_encrypt(kaes, "", msg, AES_LEN, ct, IO_MAX) !=
	       AES_LEN + SZKM_CT_OVERHEAD;
}

static int k_dec(void)
{
	return keyctl_pkey_decrypt(kaes, "", ct, AES_LEN + SZKM_CT_OVERHEAD, pt, IO_MAX) !=
	       AES_LEN;
}

static int k_enc16(void)
{
	return keyctl_pkey_encrypt(kaes, "", msg, 16, pt, IO_MAX) != 16 + SZKM_CT_OVERHEAD;
}

static int k_enc16k(void)
{
	return keyctl_pkey_encrypt(kaes, "", big, sizeof(big), ct, IO_MAX) !=
	       sizeof(big) + SZKM_CT_OVERHEAD;
}

static int k_query(void)
{
	struct keyctl_pkey_query q;

	return keyctl_pkey_query(kaes, "", &q) != 0;
}

/* ----------------------------------------------------------- OpenSSL */

static int o_sign(void)
{
	size_t n = sizeof(osig);

	if (EVP_PKEY_sign(sctx, osig, &n, dgst, 32) != 1)
		return 1;
	osiglen = n;
	return 0;
}

static int o_verify(void)
{
	return EVP_PKEY_verify(vctx, osig, osiglen, dgst, 32) != 1;
}

static int o_enc(void)
{
	int l;

	return RAND_bytes(oct, 12) != 1 ||
	       EVP_EncryptInit_ex(cctx, NULL, NULL, NULL, oct) != 1 ||
	       EVP_EncryptUpdate(cctx, oct + 12, &l, msg, AES_LEN) != 1 ||
	       EVP_EncryptFinal_ex(cctx, oct + 12 + l, &l) != 1 ||
	       EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_GCM_GET_TAG, 16, oct + 12 + AES_LEN) != 1;
}

static int o_dec(void)
{
	int l;

	return EVP_DecryptInit_ex(cctx, NULL, NULL, NULL, oct) != 1 ||
	       EVP_DecryptUpdate(cctx, pt, &l, oct + 12, AES_LEN) != 1 ||
	       EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_GCM_SET_TAG, 16, oct + 12 + AES_LEN) != 1 ||
	       EVP_DecryptFinal_ex(cctx, pt + l, &l) != 1;
}

/* ------------------------------------------------------------- setup */

static key_serial_t import(const char *alg, const unsigned char *secret)
{
	char payload[128];
	int i, off = snprintf(payload, sizeof(payload), "import %s ", alg);
	key_serial_t k;

	for (i = 0; i < 32; i++)
		off += snprintf(payload + off, sizeof(payload) - off, "%02x", secret[i]);
	/* Active at once; with ledger=required it would wait for the ack. */
	snprintf(payload + off, sizeof(payload) - off, " ledger=async");
	k = add_key(SZKM_KEY_TYPE, alg, payload, strlen(payload), ring);
	if (k < 0)
		die("import");
	return k;
}

static void setup(void)
{
	unsigned char d[32], key[32];
	BIGNUM *x = NULL;

	ring = add_key("keyring", "szkm-bench", NULL, 0, KEY_SPEC_SESSION_KEYRING);
	if (ring < 0)
		die("keyring");
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!pk || !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &x) ||
	    BN_bn2binpad(x, d, 32) != 32)
		die("OpenSSL P-256 key");
	BN_clear_free(x);
	kec = import("ecdsa-p256", d);
	OPENSSL_cleanse(d, sizeof(d));
	sctx = EVP_PKEY_CTX_new(pk, NULL);
	vctx = EVP_PKEY_CTX_new(pk, NULL);
	if (!sctx || !vctx || EVP_PKEY_sign_init(sctx) != 1 || EVP_PKEY_verify_init(vctx) != 1)
		die("OpenSSL ECDSA setup");
	if (RAND_bytes(dgst, 32) != 1 || RAND_bytes(key, 32) != 1 ||
	    RAND_bytes(msg, sizeof(msg)) != 1)
		die("RAND_bytes");
	kaes = import("aes256-gcm", key);
	cctx = EVP_CIPHER_CTX_new();
	if (!cctx || EVP_CipherInit_ex(cctx, EVP_aes_256_gcm(), NULL, key, NULL, -1) != 1)
		die("OpenSSL AES-GCM setup");
	OPENSSL_cleanse(key, sizeof(key));

	/* One of each first: they must work (and OpenSSL checks the kernel). */
	memset(sig, 0, sizeof(sig));
	siglen = (size_t)keyctl_pkey_sign(kec, "hash=sha256", dgst, 32, sig, SIG_MAX);
	if ((long)siglen <= 0 || EVP_PKEY_verify(vctx, sig, siglen, dgst, 32) != 1)
		die("kernel signature checked by OpenSSL");
	if (o_sign() || k_verify() || k_enc() || k_dec() || memcmp(pt, msg, AES_LEN) ||
	    o_enc() || o_dec())
		die("first round");
}

static void line(const char *name, double k, double o, int mb)
{
	if (mb)
		printf("keyctl %s: %.0f/s (%.1f MB/s)  openssl: %.0f/s (%.1f MB/s)  ratio %.3f\n",
		       name, k, k * AES_LEN / 1e6, o, o * AES_LEN / 1e6, k / o);
	else
		printf("keyctl %s: %.0f/s  openssl: %.0f/s  ratio %.3f\n", name, k, o, k / o);
}

int main(void)
{
	const char *s = getenv("SZKM_BENCH_SECS");
	double q, e16, e4k, e16k;
	/* Each figure reaches bench.sh as soon as it is measured. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (s && atof(s) > 0)
		secs = atof(s);
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup();
	line("sign", rate("keyctl sign", k_sign), rate("openssl sign", o_sign), 0);
	line("verify", rate("keyctl verify", k_verify), rate("openssl verify", o_verify), 0);
	line("aes256-gcm encrypt 4KiB", rate("keyctl encrypt", k_enc),
	     rate("openssl encrypt", o_enc), 1);
	line("aes256-gcm decrypt 4KiB", rate("keyctl decrypt", k_dec),
	     rate("openssl decrypt", o_dec), 1);

	q = rate("keyctl query", k_query);
	e16 = rate("keyctl encrypt 16", k_enc16);
	e4k = rate("keyctl encrypt", k_enc);
	e16k = rate("keyctl encrypt 12k", k_enc16k);
	printf("breakdown: per call: pkey_query (syscall, key lookup, info parse; no crypto) "
	       "%.1f us; pkey_encrypt 16 B %.1f us, 4 KiB %.1f us, 12 KiB %.1f us: about %.0f us "
	       "fixed per encrypt call and %.1f us per KiB (%.1f MB/s of GCM in the kernel)\n",
	       1e6 / q, 1e6 / e16, 1e6 / e4k, 1e6 / e16k, 1e6 / e16,
	       (1e6 / e16k - 1e6 / e16) / 12, 12288 / (1e6 / e16k - 1e6 / e16));
	keyctl_unlink(ring, KEY_SPEC_SESSION_KEYRING);
	EVP_PKEY_CTX_free(sctx);
	EVP_PKEY_CTX_free(vctx);
	EVP_CIPHER_CTX_free(cctx);
	EVP_PKEY_free(pk);
	return 0;
}
