/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the one place where the crypto core differs between the kernel
 * module and the host library (libszkmcrypto.a, used by the unit tests and
 * the benchmark). Everything else in kmod/crypto is the same text in both.
 *
 * Provides: u8/u32/u64/u128, errno values, memzero_explicit(), a random
 * byte source, SHA-256 (struct szkm_sha256 + init/update/final), a value
 * barrier for constant-time code, and one error-print macro.
 *
 * The kernel side uses lib/crypto's SHA-256 (<crypto/sha2.h>: struct
 * sha256_state, sha256_init/update/final; the same on 6.1 and 6.12). The
 * host side carries a small SHA-256 of its own rather than OpenSSL's, so
 * the library needs no libcrypto and the benchmark measures the same
 * portable C a kernel without arch-optimised SHA-256 runs.
 */
#ifndef SZKM_CRYPTO_COMPAT_H
#define SZKM_CRYPTO_COMPAT_H

#ifndef __SIZEOF_INT128__
#error "szkm crypto needs a compiler with unsigned __int128 (64-bit target)"
#endif
/* 64x64->128 products; named so it cannot clash with a kernel u128. */
typedef unsigned __int128 szkm_u128;

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/random.h>
#include <linux/printk.h>
#include <linux/compiler.h>
#include <linux/cache.h>
#include <crypto/sha2.h>

#define szkm_sha256 sha256_state
#define szkm_sha256_init(c) sha256_init(c)
#define szkm_sha256_update(c, d, l) sha256_update((c), (d), (unsigned int)(l))
#define szkm_sha256_final(c, out) sha256_final((c), (out))

static inline int szkm_random_bytes(void *buf, size_t len)
{
	get_random_bytes(buf, len);
	return 0;
}

/* Hide a value from the optimiser so masks stay masks, not branches. */
static inline u64 szkm_ct_barrier(u64 x)
{
	OPTIMIZER_HIDE_VAR(x);
	return x;
}

#define szkm_barrier_data(p) barrier_data(p)

/* kmod/Kbuild's pr_fmt already puts "szkm: " in front */
#define SZKM_CRYPTO_ERR(fmt, ...) pr_err(fmt "\n", ##__VA_ARGS__)

/* Written once at module load (table build), read-only afterwards. */
#define SZKM_RO_AFTER_INIT __ro_after_init

/*
 * One-time setup: the module calls szkm_p256_init() from its init function,
 * before any other thread can reach the crypto, so a flag suffices and
 * nothing is built lazily (a lazy write would fault after ro_after_init).
 */
#define SZKM_ONCE_T bool
#define SZKM_ONCE_INIT false
#define SZKM_LAZY_INIT 0
static inline void szkm_once(bool *done, void (*fn)(void))
{
	if (!*done) {
		fn();
		*done = true;
	}
}

#else /* host */

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <pthread.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int32_t s32;

#define noinline __attribute__((noinline))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static inline void memzero_explicit(void *p, size_t len)
{
	memset(p, 0, len);
	/* The asm reads the memory, so the stores above cannot be dropped. */
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

static inline int szkm_random_bytes(void *buf, size_t len)
{
	u8 *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static inline u64 szkm_ct_barrier(u64 x)
{
	__asm__("" : "+r"(x));
	return x;
}

/* the compiler must assume p's memory is read here */
#define szkm_barrier_data(p) __asm__ __volatile__("" : : "r"(p) : "memory")

#define SZKM_CRYPTO_ERR(fmt, ...) \
	fprintf(stderr, "szkm: " fmt "\n", ##__VA_ARGS__)

#define SZKM_RO_AFTER_INIT

/* Host programs need no init call: first use builds the table once. */
#define SZKM_ONCE_T pthread_once_t
#define SZKM_ONCE_INIT PTHREAD_ONCE_INIT
#define SZKM_LAZY_INIT 1
static inline void szkm_once(pthread_once_t *once, void (*fn)(void))
{
	pthread_once(once, fn);
}

/* FIPS 180-4 SHA-256, plain C. */
struct szkm_sha256 {
	u32 h[8];
	u64 len;	/* bytes hashed so far */
	u8 buf[64];
};

static inline u32 szkm_sha256_ror(u32 x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static inline void szkm_sha256_block(u32 h[8], const u8 p[64])
{
	static const u32 k[64] = {
		0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
		0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
		0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
		0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
		0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
		0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
		0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
		0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
		0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
		0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
		0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
		0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
		0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
	};
	u32 w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (u32)p[4 * i] << 24 | (u32)p[4 * i + 1] << 16 |
		       (u32)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		u32 s0 = szkm_sha256_ror(w[i - 15], 7) ^
			 szkm_sha256_ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		u32 s1 = szkm_sha256_ror(w[i - 2], 17) ^
			 szkm_sha256_ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (szkm_sha256_ror(e, 6) ^ szkm_sha256_ror(e, 11) ^
			   szkm_sha256_ror(e, 25)) +
		     ((e & f) ^ (~e & g)) + k[i] + w[i];
		t2 = (szkm_sha256_ror(a, 2) ^ szkm_sha256_ror(a, 13) ^
		      szkm_sha256_ror(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		hh = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
	memzero_explicit(w, sizeof(w));
}

static inline void szkm_sha256_init(struct szkm_sha256 *c)
{
	static const u32 iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(c->h, iv, sizeof(iv));
	c->len = 0;
}

static inline void szkm_sha256_update(struct szkm_sha256 *c, const void *data,
				      size_t len)
{
	const u8 *p = data;
	size_t fill = (size_t)(c->len & 63);

	c->len += len;
	if (fill) {
		size_t take = 64 - fill < len ? 64 - fill : len;

		memcpy(c->buf + fill, p, take);
		p += take;
		len -= take;
		if (fill + take < 64)
			return;
		szkm_sha256_block(c->h, c->buf);
	}
	for (; len >= 64; p += 64, len -= 64)
		szkm_sha256_block(c->h, p);
	if (len)
		memcpy(c->buf, p, len);
}

static inline void szkm_sha256_final(struct szkm_sha256 *c, u8 out[32])
{
	u64 bits = c->len * 8;
	size_t fill = (size_t)(c->len & 63);
	int i;

	c->buf[fill++] = 0x80;
	if (fill > 56) {
		memset(c->buf + fill, 0, 64 - fill);
		szkm_sha256_block(c->h, c->buf);
		fill = 0;
	}
	memset(c->buf + fill, 0, 56 - fill);
	for (i = 0; i < 8; i++)
		c->buf[56 + i] = (u8)(bits >> (56 - 8 * i));
	szkm_sha256_block(c->h, c->buf);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (u8)(c->h[i] >> 24);
		out[4 * i + 1] = (u8)(c->h[i] >> 16);
		out[4 * i + 2] = (u8)(c->h[i] >> 8);
		out[4 * i + 3] = (u8)c->h[i];
	}
	memzero_explicit(c, sizeof(*c));
}

#endif /* __KERNEL__ */

#endif /* SZKM_CRYPTO_COMPAT_H */
