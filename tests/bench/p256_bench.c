/*
 * p256_bench.c - P-256 sign and verify per second, szkm's core (host build
 * of kmod/crypto/p256.c) against OpenSSL's EVP interface on the same key
 * and digests. Each side runs for about one second of wall time.
 *
 *   p256 sign: szkm 21000/s openssl 48000/s ratio 0.44
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>

#include "bench.h"
#include "p256.h"

#define NDIGESTS 64

static void die(const char *what)
{
	fprintf(stderr, "p256_bench: %s failed\n", what);
	exit(1);
}

struct ctx {
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *sign, *verify;
	uint8_t priv[32], pub[65];
	uint8_t digest[NDIGESTS][32];
	uint8_t rs[NDIGESTS][64];
	uint8_t der[NDIGESTS][80];
	size_t der_len[NDIGESTS];
};

typedef int (*op_fn)(struct ctx *c, int i);

static int szkm_sign(struct ctx *c, int i)
{
	uint8_t rs[64];

	return szkm_p256_sign(rs, c->priv, c->digest[i]);
}

static int szkm_verify(struct ctx *c, int i)
{
	return szkm_p256_verify(c->pub, c->digest[i], c->rs[i]);
}

static int ossl_sign(struct ctx *c, int i)
{
	uint8_t der[80];
	size_t len = sizeof(der);

	return EVP_PKEY_sign(c->sign, der, &len, c->digest[i], 32) == 1 ? 0 : -1;
}

static int ossl_verify(struct ctx *c, int i)
{
	return EVP_PKEY_verify(c->verify, c->der[i], c->der_len[i],
			       c->digest[i], 32) == 1 ? 0 : -1;
}

/* operations per second over a slice of about secs seconds */
static double rate(struct ctx *c, op_fn fn, const char *what, double secs)
{
	double t0 = now(), t;
	long n = 0;

	do {
		int i;

		for (i = 0; i < NDIGESTS; i++)
			if (fn(c, i))
				die(what);
		n += NDIGESTS;
		t = now() - t0;
	} while (t < secs);
	return (double)n / t;
}

/*
 * About one second per side, in ROUNDS alternating slices, keeping each
 * side's best slice: a busy machine (CI, a parallel build) then slows both
 * sides alike instead of skewing the ratio.
 */
#define ROUNDS 4

static void compare(struct ctx *c, const char *op, op_fn ours, op_fn theirs)
{
	double best_ours = 0, best_theirs = 0, r;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		r = rate(c, ours, op, 1.0 / ROUNDS);
		if (r > best_ours)
			best_ours = r;
		r = rate(c, theirs, op, 1.0 / ROUNDS);
		if (r > best_theirs)
			best_theirs = r;
	}
	printf("p256 %s: szkm %.0f/s openssl %.0f/s ratio %.2f\n", op,
	       best_ours, best_theirs, best_ours / best_theirs);
}

int main(void)
{
	struct ctx c;
	BIGNUM *bn = NULL;
	size_t len;
	int i;

	memset(&c, 0, sizeof(c));
	if (szkm_p256_init())
		die("szkm_p256_init");
	c.pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!c.pkey ||
	    EVP_PKEY_get_bn_param(c.pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bn) != 1 ||
	    BN_bn2binpad(bn, c.priv, 32) != 32 ||
	    EVP_PKEY_get_octet_string_param(c.pkey, OSSL_PKEY_PARAM_PUB_KEY,
					    c.pub, sizeof(c.pub), &len) != 1)
		die("OpenSSL key generation");
	BN_clear_free(bn);
	c.sign = EVP_PKEY_CTX_new(c.pkey, NULL);
	c.verify = EVP_PKEY_CTX_new(c.pkey, NULL);
	if (!c.sign || !c.verify || EVP_PKEY_sign_init(c.sign) != 1 ||
	    EVP_PKEY_verify_init(c.verify) != 1)
		die("OpenSSL context");

	if (RAND_bytes(&c.digest[0][0], sizeof(c.digest)) != 1)
		die("RAND_bytes");
	for (i = 0; i < NDIGESTS; i++) {
		/* one signature per digest, valid for both verifiers */
		c.der_len[i] = sizeof(c.der[i]);
		if (szkm_p256_sign(c.rs[i], c.priv, c.digest[i]) ||
		    szkm_p256_sig_to_der(c.der[i], &c.der_len[i], c.rs[i]))
			die("szkm_p256_sign");
	}

	compare(&c, "sign", szkm_sign, ossl_sign);
	compare(&c, "verify", szkm_verify, ossl_verify);

	EVP_PKEY_CTX_free(c.sign);
	EVP_PKEY_CTX_free(c.verify);
	EVP_PKEY_free(c.pkey);
	return 0;
}
