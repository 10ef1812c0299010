/* SPDX-License-Identifier: GPL-2.0 */
/*
 * p256.h - NIST P-256 for szkm: ECDSA (RFC 6979 nonces) sign and verify,
 * public-key derivation, ECDH, point and key validation, strict DER.
 *
 * One implementation, built into szkm.ko and into the host library
 * libszkmcrypto.a. All byte strings are big-endian; public keys are
 * uncompressed points (0x04 || X || Y); signatures are r || s.
 * Every function returns 0 or a negative errno.
 */
#ifndef SZKM_P256_H
#define SZKM_P256_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

#define SZKM_P256_PRIV_SIZE	32
#define SZKM_P256_PUB_SIZE	65	/* 0x04 || X || Y */
#define SZKM_P256_SIG_SIZE	64	/* r || s */
#define SZKM_P256_DER_MAX	72	/* 30 46 02 21 00 r 02 21 00 s */
#define SZKM_P256_SHARED_SIZE	32

/*
 * Build the fixed-base table. In the kernel it must run from module init,
 * before any other call (the table is __ro_after_init; the key, sign,
 * verify and ECDH calls return -ENODEV until it has run). On the host it
 * runs by itself on first use. Idempotent.
 */
int szkm_p256_init(void);

/* Known-answer tests (RFC 6979, ECDH, key derivation): 0 or -EBADMSG. */
int szkm_p256_selftest(void);

/* 0 if priv is an integer in [1, n-1], else -EINVAL. Constant time. */
int szkm_p256_check_priv(const uint8_t priv[32]);

/* 0 if pub is 0x04||X||Y with X, Y < p and on the curve, else -EINVAL. */
int szkm_p256_check_pub(const uint8_t pub[65]);

/* pub = priv * G, uncompressed. -EINVAL on a bad private key. */
int szkm_p256_pubkey(uint8_t pub[65], const uint8_t priv[32]);

/*
 * ECDSA signature of a SHA-256 digest, nonce from RFC 6979 (HMAC-SHA256),
 * the nonce inversion blinded by a random factor. -EINVAL on a bad private
 * key, -EIO if no random bytes were available.
 */
int szkm_p256_sign(uint8_t sig_rs[64], const uint8_t priv[32],
		   const uint8_t digest[32]);

/* 0 if sig_rs is a valid signature of digest under pub, else -EBADMSG. */
int szkm_p256_verify(const uint8_t pub[65], const uint8_t digest[32],
		     const uint8_t sig_rs[64]);

/*
 * s and n - s both verify, so every ECDSA signature has a twin that anyone
 * can make. Where a signature must be unique (szkm events, whose link
 * hashes it), only the low one, s <= (n - 1) / 2, counts.
 * szkm_p256_sig_low_s() replaces a high s by n - s (0, or -EINVAL when s
 * is not in [1, n-1]); szkm_p256_sig_is_low_s() is 1 when s is in
 * [1, (n - 1) / 2], else 0. Signatures are public: variable time.
 */
int szkm_p256_sig_low_s(uint8_t sig_rs[64]);
int szkm_p256_sig_is_low_s(const uint8_t sig_rs[64]);

/*
 * shared_x = X coordinate of priv * peer_pub. -EINVAL on a bad private key
 * or a peer point that is not on the curve.
 */
int szkm_p256_ecdh(uint8_t shared_x[32], const uint8_t priv[32],
		   const uint8_t peer_pub[65]);

/*
 * DER (SEQUENCE of two INTEGERs, minimal encoding) of r || s.
 * *len is the room in der on entry (SZKM_P256_DER_MAX always suffices) and
 * the encoded length on return. -EINVAL if r or s is not in [1, n-1],
 * -EMSGSIZE if der is too small.
 */
int szkm_p256_sig_to_der(uint8_t *der, size_t *len, const uint8_t rs[64]);

/*
 * Strict DER to r || s: minimal lengths and integers, no trailing bytes,
 * r and s in [1, n-1]. -EBADMSG on anything else.
 */
int szkm_p256_sig_from_der(uint8_t rs[64], const uint8_t *der, size_t len);

#endif /* SZKM_P256_H */
