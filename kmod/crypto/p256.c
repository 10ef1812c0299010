// SPDX-License-Identifier: GPL-2.0
/*
 * p256.c - NIST P-256 (secp256r1) for szkm: ECDSA sign (RFC 6979 nonces,
 * blinded inversion) and verify, public keys, ECDH, strict DER.
 *
 * The kernel before 6.x has no ECDSA signing and its generic crypto/ecc is
 * slow, so szkm carries a P-256-specific implementation:
 *  - field elements mod p are 4x64-bit limbs in Montgomery form; the
 *    reduction uses p's shape (-p^-1 mod 2^64 = 1, limbs 1..3 are 2^32-1, 0,
 *    2^64-2^32+1), so a reduction round costs one 64x64 multiply;
 *  - scalars mod n use a generic 4-limb Montgomery multiplication;
 *  - points are Jacobian, with a = -3 doubling;
 *  - k*G (signing, key derivation) adds one precomputed affine point per
 *    6-bit signed window (43 windows x 32 points, no doublings), read with a
 *    constant-time scan of the whole window;
 *  - verification computes u2*Q with a width-5 wNAF and adds u1*G from the
 *    same table (public data, variable time);
 *  - ECDH uses a 4-bit signed window over 8 multiples of the peer point,
 *    with a complete constant-time addition.
 *
 * Secret-dependent code (private keys, nonces, ECDH scalars) has no
 * secret-dependent branch or memory index; masks go through
 * szkm_ct_barrier() so the compiler keeps them as masks. Stack copies of
 * secrets are wiped before return.
 */
#include "compat.h"
#include "p256.h"

typedef u64 fe[4];		/* little-endian limbs */

struct jac {			/* Jacobian (X/Z^2, Y/Z^3); Z = 0 is infinity */
	fe x, y, z;
};

struct aff {
	fe x, y;
};

#define WIPE(v) memzero_explicit(&(v), sizeof(v))

/*
 * The point formulas and inversions leave limbs of intermediate values in
 * the stack slots of their helpers. Wiping each helper's locals on every
 * call cost 12% of signing, so the public functions that handle a secret
 * name their own secrets in WIPE() and then overwrite, once, the stack
 * region their callees used. The deepest chain below a public function is
 * ECDH's mul_var_ct -> add_ct -> add_formula, about 2.3 KiB with gcc 12 in
 * the kernel build (-fstack-usage); two nested frames cover 2.8 KiB while
 * each stays under the kernel's 2 KiB frame warning.
 */
static noinline void stack_scrub_deeper(void)
{
	u8 buf[1280];

	memzero_explicit(buf, sizeof(buf));
}

static noinline void stack_scrub(void)
{
	u8 buf[1536];

	memzero_explicit(buf, sizeof(buf));
	stack_scrub_deeper();
	szkm_barrier_data(buf);	/* keeps buf's frame live across the call */
}

/* p = 2^256 - 2^224 + 2^192 + 2^96 - 1 */
static const fe P = {
	0xffffffffffffffffULL, 0x00000000ffffffffULL,
	0x0000000000000000ULL, 0xffffffff00000001ULL,
};
/* 2^512 mod p, to enter the Montgomery domain */
static const fe RR_P = {
	0x0000000000000003ULL, 0xfffffffbffffffffULL,
	0xfffffffffffffffeULL, 0x00000004fffffffdULL,
};
/* 2^256 mod p: 1 in Montgomery form */
static const fe ONE_P = {
	0x0000000000000001ULL, 0xffffffff00000000ULL,
	0xffffffffffffffffULL, 0x00000000fffffffeULL,
};
/* b * 2^256 mod p */
static const fe B_MONT = {
	0xd89cdf6229c4bddfULL, 0xacf005cd78843090ULL,
	0xe5a220abf7212ed6ULL, 0xdc30061d04874834ULL,
};
/* group order n */
static const fe N = {
	0xf3b9cac2fc632551ULL, 0xbce6faada7179e84ULL,
	0xffffffffffffffffULL, 0xffffffff00000000ULL,
};
/* floor(n / 2): the largest low S (szkm_p256_sig_low_s) */
static const fe HALF_N = {
	0x79dce5617e3192a8ULL, 0xde737d56d38bcf42ULL,
	0x7fffffffffffffffULL, 0x7fffffff80000000ULL,
};
/* 2^512 mod n */
static const fe RR_N = {
	0x83244c95be79eea2ULL, 0x4699799c49bd6fa6ULL,
	0x2845b2392b6bec59ULL, 0x66e12d94f3d95620ULL,
};
/* -n^-1 mod 2^64 */
#define N0 0xccd1c8aaee00bc4fULL

static const u8 G_BYTES[64] = {
	0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5,
	0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0,
	0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
	0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a,
	0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce,
	0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};

/* ---------------------------------------------------------------------- */
/* Constant-time helpers                                                   */

/* all ones if x != 0, else 0 */
static inline u64 ct_nonzero(u64 x)
{
	return szkm_ct_barrier(0 - ((x | (0 - x)) >> 63));
}

static inline u64 ct_zero(u64 x)
{
	return ~ct_nonzero(x);
}

static inline u64 ct_eq(u64 a, u64 b)
{
	return ct_zero(a ^ b);
}

static inline u64 fe_zero_mask(const fe a)
{
	return ct_zero(a[0] | a[1] | a[2] | a[3]);
}

static inline int fe_is_zero(const fe a)
{
	return (a[0] | a[1] | a[2] | a[3]) == 0;
}

static inline int fe_equal(const fe a, const fe b)
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) |
		(a[3] ^ b[3])) == 0;
}

/* r = mask ? a : r */
static inline void fe_cmov(fe r, const fe a, u64 mask)
{
	int i;

	for (i = 0; i < 4; i++)
		r[i] ^= mask & (r[i] ^ a[i]);
}

static inline void fe_copy(fe r, const fe a)
{
	memcpy(r, a, sizeof(fe));
}

/* all ones if a < m (as integers), constant time */
static inline u64 lt_mask(const u64 a[4], const u64 m[4])
{
	szkm_u128 x;
	u64 borrow = 0;
	int i;

	for (i = 0; i < 4; i++) {
		x = (szkm_u128)a[i] - m[i] - borrow;
		borrow = (u64)(x >> 64) & 1;
	}
	return szkm_ct_barrier(0 - borrow);
}

/* ---------------------------------------------------------------------- */
/* Byte conversions (big-endian)                                           */

static inline u64 load_be64(const u8 *b)
{
	return (u64)b[0] << 56 | (u64)b[1] << 48 | (u64)b[2] << 40 |
	       (u64)b[3] << 32 | (u64)b[4] << 24 | (u64)b[5] << 16 |
	       (u64)b[6] << 8 | (u64)b[7];
}

static inline void store_be64(u8 *b, u64 v)
{
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (u8)(v >> (56 - 8 * i));
}

static void from_be(u64 r[4], const u8 b[32])
{
	r[3] = load_be64(b);
	r[2] = load_be64(b + 8);
	r[1] = load_be64(b + 16);
	r[0] = load_be64(b + 24);
}

static void to_be(u8 b[32], const u64 a[4])
{
	store_be64(b, a[3]);
	store_be64(b + 8, a[2]);
	store_be64(b + 16, a[1]);
	store_be64(b + 24, a[0]);
}

/* ---------------------------------------------------------------------- */
/* Arithmetic mod m for a 256-bit m (shared by p and n)                    */

/*
 * Everything below is written out limb by limb with the values in local
 * variables: with arrays and loops the compiler keeps the limbs in memory
 * and the field operations run two to three times slower.
 */

/* (r0..r3) = t - m if t + 2^256*hi >= m, else t. Constant time. */
#define CSUB(r, t0, t1, t2, t3, hi, m) do {				\
	szkm_u128 x_;							\
	u64 s0_, s1_, s2_, s3_, k_;					\
	x_ = (szkm_u128)(t0) - (m)[0];					\
	s0_ = (u64)x_;							\
	x_ = (szkm_u128)(t1) - (m)[1] - ((u64)(x_ >> 64) & 1);		\
	s1_ = (u64)x_;							\
	x_ = (szkm_u128)(t2) - (m)[2] - ((u64)(x_ >> 64) & 1);		\
	s2_ = (u64)x_;							\
	x_ = (szkm_u128)(t3) - (m)[3] - ((u64)(x_ >> 64) & 1);		\
	s3_ = (u64)x_;							\
	/* keep t when the subtraction borrowed past the carry bit */	\
	k_ = szkm_ct_barrier(0 - ((u64)(x_ >> 64) & ~(u64)(hi) & 1));	\
	(r)[0] = ((t0) & k_) | (s0_ & ~k_);				\
	(r)[1] = ((t1) & k_) | (s1_ & ~k_);				\
	(r)[2] = ((t2) & k_) | (s2_ & ~k_);				\
	(r)[3] = ((t3) & k_) | (s3_ & ~k_);				\
} while (0)

static inline void mod_csub(u64 r[4], const u64 t[4], u64 hi, const u64 m[4])
{
	u64 t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3];

	CSUB(r, t0, t1, t2, t3, hi, m);
}

static inline void mod_add(u64 r[4], const u64 a[4], const u64 b[4],
			   const u64 m[4])
{
	szkm_u128 x;
	u64 t0, t1, t2, t3;

	x = (szkm_u128)a[0] + b[0];
	t0 = (u64)x;
	x = (szkm_u128)a[1] + b[1] + (u64)(x >> 64);
	t1 = (u64)x;
	x = (szkm_u128)a[2] + b[2] + (u64)(x >> 64);
	t2 = (u64)x;
	x = (szkm_u128)a[3] + b[3] + (u64)(x >> 64);
	t3 = (u64)x;
	CSUB(r, t0, t1, t2, t3, (u64)(x >> 64), m);
}

static inline void mod_sub(u64 r[4], const u64 a[4], const u64 b[4],
			   const u64 m[4])
{
	szkm_u128 x;
	u64 t0, t1, t2, t3, mask;

	x = (szkm_u128)a[0] - b[0];
	t0 = (u64)x;
	x = (szkm_u128)a[1] - b[1] - ((u64)(x >> 64) & 1);
	t1 = (u64)x;
	x = (szkm_u128)a[2] - b[2] - ((u64)(x >> 64) & 1);
	t2 = (u64)x;
	x = (szkm_u128)a[3] - b[3] - ((u64)(x >> 64) & 1);
	t3 = (u64)x;
	mask = szkm_ct_barrier(0 - ((u64)(x >> 64) & 1));
	x = (szkm_u128)t0 + (m[0] & mask);
	r[0] = (u64)x;
	x = (szkm_u128)t1 + (m[1] & mask) + (u64)(x >> 64);
	r[1] = (u64)x;
	x = (szkm_u128)t2 + (m[2] & mask) + (u64)(x >> 64);
	r[2] = (u64)x;
	r[3] = t3 + (m[3] & mask) + (u64)(x >> 64);
}

/* (t0..t4) += ai * (b0..b3); the caller's bounds keep t4 from wrapping */
#define ROW(ai) do {							\
	x = (szkm_u128)(ai) * b0 + t0;					\
	t0 = (u64)x;							\
	x = (szkm_u128)(ai) * b1 + t1 + (u64)(x >> 64);			\
	t1 = (u64)x;							\
	x = (szkm_u128)(ai) * b2 + t2 + (u64)(x >> 64);			\
	t2 = (u64)x;							\
	x = (szkm_u128)(ai) * b3 + t3 + (u64)(x >> 64);			\
	t3 = (u64)x;							\
	t4 += (u64)(x >> 64);						\
} while (0)

/*
 * One Montgomery round mod p: (t0..t4) = (t + m*p) / 2^64 with m = t0
 * (-p^-1 = 1 mod 2^64). t0 + m*(2^64-1) carries exactly m, which with
 * m*(2^32-1) in limb 1 makes m*2^32; limb 2 of p is zero; only limb 3
 * (2^64-2^32+1) needs a multiply.
 */
#define RED_P() do {							\
	u64 m_ = t0;							\
	x = (szkm_u128)t1 + (m_ << 32);					\
	t0 = (u64)x;							\
	x = (szkm_u128)t2 + (m_ >> 32) + (u64)(x >> 64);		\
	t1 = (u64)x;							\
	x = (szkm_u128)t3 + (szkm_u128)m_ * 0xffffffff00000001ULL +	\
	    (u64)(x >> 64);						\
	t2 = (u64)x;							\
	x = (szkm_u128)t4 + (u64)(x >> 64);				\
	t3 = (u64)x;							\
	t4 = (u64)(x >> 64);						\
} while (0)

/*
 * r = a * b / 2^256 mod p, interleaved (CIOS). With a, b < p the running
 * value stays below 2p before each row and below (2^64 + 1) p < 2^320
 * after it, so five words hold it.
 */
static void fe_mul(fe r, const fe a, const fe b)
{
	const u64 b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
	u64 t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
	szkm_u128 x;

	ROW(a[0]);
	RED_P();
	ROW(a[1]);
	RED_P();
	ROW(a[2]);
	RED_P();
	ROW(a[3]);
	RED_P();
	CSUB(r, t0, t1, t2, t3, t4, P);
}

/* t0..t7 = (a0..a3)^2: six cross products doubled, plus four squares */
#define SQR_WIDE() do {							\
	x = (szkm_u128)a0 * a1;						\
	t1 = (u64)x;							\
	x = (szkm_u128)a0 * a2 + (u64)(x >> 64);			\
	t2 = (u64)x;							\
	x = (szkm_u128)a0 * a3 + (u64)(x >> 64);			\
	t3 = (u64)x;							\
	t4 = (u64)(x >> 64);						\
	x = (szkm_u128)a1 * a2 + t3;					\
	t3 = (u64)x;							\
	x = (szkm_u128)a1 * a3 + t4 + (u64)(x >> 64);			\
	t4 = (u64)x;							\
	t5 = (u64)(x >> 64);						\
	x = (szkm_u128)a2 * a3 + t5;					\
	t5 = (u64)x;							\
	t6 = (u64)(x >> 64);						\
	t7 = t6 >> 63;							\
	t6 = t6 << 1 | t5 >> 63;					\
	t5 = t5 << 1 | t4 >> 63;					\
	t4 = t4 << 1 | t3 >> 63;					\
	t3 = t3 << 1 | t2 >> 63;					\
	t2 = t2 << 1 | t1 >> 63;					\
	t1 = t1 << 1;							\
	sq = (szkm_u128)a0 * a0;					\
	t0 = (u64)sq;							\
	x = (szkm_u128)t1 + (u64)(sq >> 64);				\
	t1 = (u64)x;							\
	c = (u64)(x >> 64);						\
	sq = (szkm_u128)a1 * a1;					\
	x = (szkm_u128)t2 + (u64)sq + c;				\
	t2 = (u64)x;							\
	x = (szkm_u128)t3 + (u64)(sq >> 64) + (u64)(x >> 64);		\
	t3 = (u64)x;							\
	c = (u64)(x >> 64);						\
	sq = (szkm_u128)a2 * a2;					\
	x = (szkm_u128)t4 + (u64)sq + c;				\
	t4 = (u64)x;							\
	x = (szkm_u128)t5 + (u64)(sq >> 64) + (u64)(x >> 64);		\
	t5 = (u64)x;							\
	c = (u64)(x >> 64);						\
	sq = (szkm_u128)a3 * a3;					\
	x = (szkm_u128)t6 + (u64)sq + c;				\
	t6 = (u64)x;							\
	t7 += (u64)(sq >> 64) + (u64)(x >> 64);				\
} while (0)

/*
 * r = a^2 / 2^256 mod p: the 512-bit square, the low half reduced by four
 * rounds (giving at most p), then the high half added.
 */
static void fe_sqr(fe r, const fe a)
{
	const u64 a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
	u64 t0, t1, t2, t3, t4, t5, t6, t7, c;
	szkm_u128 x, sq;

	SQR_WIDE();
	{
		/* reduce the low half in place: (t0..t3, h) <= p */
		u64 h0 = t4, h1 = t5, h2 = t6, h3 = t7;

		t4 = 0;
		RED_P();
		RED_P();
		RED_P();
		RED_P();
		x = (szkm_u128)t0 + h0;
		t0 = (u64)x;
		x = (szkm_u128)t1 + h1 + (u64)(x >> 64);
		t1 = (u64)x;
		x = (szkm_u128)t2 + h2 + (u64)(x >> 64);
		t2 = (u64)x;
		x = (szkm_u128)t3 + h3 + (u64)(x >> 64);
		t3 = (u64)x;
		t4 += (u64)(x >> 64);
	}
	CSUB(r, t0, t1, t2, t3, t4, P);
}

static inline void fe_add(fe r, const fe a, const fe b)
{
	mod_add(r, a, b, P);
}

static inline void fe_sub(fe r, const fe a, const fe b)
{
	mod_sub(r, a, b, P);
}

static inline void fe_neg(fe r, const fe a)
{
	static const fe zero;

	mod_sub(r, zero, a, P);
}

static void fe_sqr_n(fe r, const fe a, int n)
{
	fe_sqr(r, a);
	while (--n > 0)
		fe_sqr(r, r);
}

static void fe_to_mont(fe r, const fe a)
{
	fe_mul(r, a, RR_P);
}

static void fe_from_mont(fe r, const fe a)
{
	static const fe one = { 1, 0, 0, 0 };

	fe_mul(r, a, one);
}

/*
 * r = a^(p-2) = a^-1 (0 for 0). p-2 in 32-bit words from the top:
 * ffffffff 00000001 00000000 00000000 00000000 ffffffff ffffffff fffffffd.
 * A fixed chain (255 squarings, 12 multiplications): constant time.
 */
static void fe_inv(fe r, const fe a)
{
	fe x2, x3, x6, x12, x15, x30, x32, t;

	fe_sqr(x2, a);
	fe_mul(x2, x2, a);		/* 2^2 - 1 */
	fe_sqr(x3, x2);
	fe_mul(x3, x3, a);		/* 2^3 - 1 */
	fe_sqr_n(x6, x3, 3);
	fe_mul(x6, x6, x3);		/* 2^6 - 1 */
	fe_sqr_n(x12, x6, 6);
	fe_mul(x12, x12, x6);		/* 2^12 - 1 */
	fe_sqr_n(x15, x12, 3);
	fe_mul(x15, x15, x3);		/* 2^15 - 1 */
	fe_sqr_n(x30, x15, 15);
	fe_mul(x30, x30, x15);		/* 2^30 - 1 */
	fe_sqr_n(x32, x30, 2);
	fe_mul(x32, x32, x2);		/* 2^32 - 1 */

	fe_sqr_n(t, x32, 32);
	fe_mul(t, t, a);		/* ffffffff 00000001 */
	fe_sqr_n(t, t, 96);		/* three zero words */
	fe_sqr_n(t, t, 32);
	fe_mul(t, t, x32);
	fe_sqr_n(t, t, 32);
	fe_mul(t, t, x32);
	fe_sqr_n(t, t, 30);
	fe_mul(t, t, x30);		/* ...fffffffc >> 2 */
	fe_sqr_n(t, t, 2);
	fe_mul(r, t, a);		/* ...fffffffd */

}

/* ---------------------------------------------------------------------- */
/* Scalars mod n, Montgomery form where noted                              */

/* One Montgomery round mod n: (t0..t4) = (t + m*n) / 2^64, m = -t0/n */
#define RED_N() do {							\
	u64 m_ = t0 * N0;						\
	x = (szkm_u128)m_ * N[0] + t0;					\
	x = (szkm_u128)m_ * N[1] + t1 + (u64)(x >> 64);			\
	t0 = (u64)x;							\
	x = (szkm_u128)m_ * N[2] + t2 + (u64)(x >> 64);			\
	t1 = (u64)x;							\
	x = (szkm_u128)m_ * N[3] + t3 + (u64)(x >> 64);			\
	t2 = (u64)x;							\
	x = (szkm_u128)t4 + (u64)(x >> 64);				\
	t3 = (u64)x;							\
	t4 = (u64)(x >> 64);						\
} while (0)

/* r = a * b / 2^256 mod n (CIOS, same bounds as fe_mul) */
static void sc_mul(u64 r[4], const u64 a[4], const u64 b[4])
{
	const u64 b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
	u64 t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
	szkm_u128 x;

	ROW(a[0]);
	RED_N();
	ROW(a[1]);
	RED_N();
	ROW(a[2]);
	RED_N();
	ROW(a[3]);
	RED_N();
	CSUB(r, t0, t1, t2, t3, t4, N);
}

/* r = a^2 / 2^256 mod n, as fe_sqr */
static void sc_sqr(u64 r[4], const u64 a[4])
{
	const u64 a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
	u64 t0, t1, t2, t3, t4, t5, t6, t7, c;
	szkm_u128 x, sq;

	SQR_WIDE();
	{
		u64 h0 = t4, h1 = t5, h2 = t6, h3 = t7;

		t4 = 0;
		RED_N();
		RED_N();
		RED_N();
		RED_N();
		x = (szkm_u128)t0 + h0;
		t0 = (u64)x;
		x = (szkm_u128)t1 + h1 + (u64)(x >> 64);
		t1 = (u64)x;
		x = (szkm_u128)t2 + h2 + (u64)(x >> 64);
		t2 = (u64)x;
		x = (szkm_u128)t3 + h3 + (u64)(x >> 64);
		t3 = (u64)x;
		t4 += (u64)(x >> 64);
	}
	CSUB(r, t0, t1, t2, t3, t4, N);
}

static void sc_sqr_n(u64 r[4], const u64 a[4], int n)
{
	sc_sqr(r, a);
	while (--n > 0)
		sc_sqr(r, r);
}

static void sc_to_mont(u64 r[4], const u64 a[4])
{
	sc_mul(r, a, RR_N);
}

/*
 * r = a^(n-2) = a^-1 in the Montgomery domain. n-2 is public, so the
 * chain may depend on it; it never depends on a. The top 128 bits
 * (ffffffff 00000000 ffffffff ffffffff) use a 2^32-1 power, the low 128
 * bits a fixed 4-bit window over a^0..a^15 with every table entry read.
 */
static void sc_inv(u64 r[4], const u64 a[4])
{
	static const u8 low[16] = {	/* n-2, low 128 bits, big-endian */
		0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
		0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x4f,
	};
	u64 tab[16][4], x8[4], x16[4], x32[4], t[4];
	int i;

	/* tab[i] = a^i for i = 1..15 (zero nibbles skip the multiply) */
	memcpy(tab[1], a, sizeof(tab[1]));
	sc_sqr(tab[2], a);
	for (i = 3; i < 16; i++)
		sc_mul(tab[i], tab[i - 1], a);
	sc_sqr_n(x8, tab[15], 4);
	sc_mul(x8, x8, tab[15]);	/* 2^8 - 1 */
	sc_sqr_n(x16, x8, 8);
	sc_mul(x16, x16, x8);		/* 2^16 - 1 */
	sc_sqr_n(x32, x16, 16);
	sc_mul(x32, x32, x16);		/* 2^32 - 1 */

	sc_sqr_n(t, x32, 64);		/* ffffffff 00000000 */
	sc_mul(t, t, x32);
	sc_sqr_n(t, t, 32);
	sc_mul(t, t, x32);		/* ... ffffffff ffffffff */
	for (i = 0; i < 32; i++) {
		unsigned int nib = (low[i / 2] >> (i % 2 ? 0 : 4)) & 15;

		sc_sqr_n(t, t, 4);
		if (nib)		/* public exponent */
			sc_mul(t, t, tab[nib]);
	}
	memcpy(r, t, sizeof(t));
}

/* a mod n for a < 2^256 (< 2n). Constant time. */
static void sc_reduce_once(u64 r[4], const u64 a[4])
{
	mod_csub(r, a, 0, N);
}

/* all ones if 1 <= k < n */
static u64 sc_valid_mask(const u64 k[4])
{
	return lt_mask(k, N) & ct_nonzero(k[0] | k[1] | k[2] | k[3]);
}

/* ---------------------------------------------------------------------- */
/* Points                                                                  */

/*
 * The point formulas are noinline: a call costs nothing next to their
 * dozen field multiplications, and inlined copies of them made the frames
 * of the scalar-multiplication loops exceed the kernel's 2 KiB warning.
 */

/* r = 2a (a = -3). Infinity (Z = 0) stays infinity. */
static noinline void point_double(struct jac *r, const struct jac *a)
{
	fe delta, gamma, beta, alpha, t, u;

	fe_sqr(delta, a->z);
	fe_sqr(gamma, a->y);
	fe_mul(beta, a->x, gamma);
	fe_sub(t, a->x, delta);
	fe_add(u, a->x, delta);
	fe_mul(t, t, u);
	fe_add(alpha, t, t);
	fe_add(alpha, alpha, t);	/* 3 (X - Z^2)(X + Z^2) */
	fe_add(t, a->y, a->z);
	fe_sqr(t, t);
	fe_sub(t, t, gamma);
	fe_sub(r->z, t, delta);		/* (Y + Z)^2 - Y^2 - Z^2 = 2YZ */
	fe_add(beta, beta, beta);
	fe_add(beta, beta, beta);	/* 4 beta */
	fe_sqr(t, alpha);
	fe_sub(t, t, beta);
	fe_sub(r->x, t, beta);		/* alpha^2 - 8 beta */
	fe_sub(t, beta, r->x);
	fe_mul(t, t, alpha);
	fe_sqr(gamma, gamma);
	fe_add(gamma, gamma, gamma);
	fe_add(gamma, gamma, gamma);
	fe_add(gamma, gamma, gamma);	/* 8 Y^4 */
	fe_sub(r->y, t, gamma);
}

/*
 * r = a + b by the textbook formula (12M + 4S). Wrong when a or b is
 * infinity or a = +-b; h and rr (U2 - U1, S2 - S1) tell the caller which.
 * r may alias a or b.
 */
static noinline void add_formula(struct jac *r, const struct jac *a,
			const struct jac *b, fe h, fe rr)
{
	fe z1z1, z2z2, u1, u2, s1, s2, hh, hhh, v, t;

	fe_sqr(z1z1, a->z);
	fe_sqr(z2z2, b->z);
	fe_mul(u1, a->x, z2z2);
	fe_mul(u2, b->x, z1z1);
	fe_mul(s1, a->y, b->z);
	fe_mul(s1, s1, z2z2);
	fe_mul(s2, b->y, a->z);
	fe_mul(s2, s2, z1z1);
	fe_sub(h, u2, u1);
	fe_sub(rr, s2, s1);
	fe_mul(t, a->z, b->z);
	fe_mul(r->z, t, h);
	fe_sqr(hh, h);
	fe_mul(hhh, h, hh);
	fe_mul(v, u1, hh);
	fe_sqr(t, rr);
	fe_sub(t, t, hhh);
	fe_sub(t, t, v);
	fe_sub(r->x, t, v);
	fe_sub(t, v, r->x);
	fe_mul(t, t, rr);
	fe_mul(s1, s1, hhh);
	fe_sub(r->y, t, s1);
}

/* r = a + b with b affine (8M + 3S); same caveats as add_formula. */
static noinline void add_mixed_formula(struct jac *r, const struct jac *a,
			      const struct aff *b, fe h, fe rr)
{
	fe z1z1, u2, s2, hh, hhh, v, t, y1;

	fe_copy(y1, a->y);
	fe_sqr(z1z1, a->z);
	fe_mul(u2, b->x, z1z1);
	fe_mul(s2, a->z, z1z1);
	fe_mul(s2, s2, b->y);
	fe_sub(h, u2, a->x);
	fe_sub(rr, s2, y1);
	fe_sqr(hh, h);
	fe_mul(hhh, h, hh);
	fe_mul(v, a->x, hh);
	fe_mul(r->z, a->z, h);
	fe_sqr(t, rr);
	fe_sub(t, t, hhh);
	fe_sub(t, t, v);
	fe_sub(r->x, t, v);
	fe_sub(t, v, r->x);
	fe_mul(t, t, rr);
	fe_mul(hhh, hhh, y1);
	fe_sub(r->y, t, hhh);
}

static void jac_cmov(struct jac *r, const struct jac *a, u64 mask)
{
	fe_cmov(r->x, a->x, mask);
	fe_cmov(r->y, a->y, mask);
	fe_cmov(r->z, a->z, mask);
}

/*
 * Constant-time r = a + b for the fixed-base comb: a may be infinity,
 * b_zero (a mask) says b stands for the zero digit. a = +-b cannot happen
 * there (see mul_base_ct), so no doubling is needed.
 */
static noinline void add_mixed_ct(struct jac *r, const struct jac *a,
			 const struct aff *b, u64 b_zero)
{
	struct jac t;
	fe h, rr;
	u64 a_inf = fe_zero_mask(a->z);

	add_mixed_formula(&t, a, b, h, rr);
	fe_cmov(t.x, b->x, a_inf);
	fe_cmov(t.y, b->y, a_inf);
	fe_cmov(t.z, ONE_P, a_inf);
	jac_cmov(&t, a, b_zero);
	*r = t;
}

/* Complete constant-time r = a + b: handles infinity and a = b. */
static noinline void add_ct(struct jac *r, const struct jac *a, const struct jac *b)
{
	struct jac t, d;
	fe h, rr;
	u64 a_inf = fe_zero_mask(a->z), b_inf = fe_zero_mask(b->z), dbl;

	add_formula(&t, a, b, h, rr);
	point_double(&d, a);
	dbl = fe_zero_mask(h) & fe_zero_mask(rr) & ~a_inf & ~b_inf;
	jac_cmov(&t, &d, dbl);
	jac_cmov(&t, b, a_inf);
	jac_cmov(&t, a, b_inf);
	*r = t;
}

static void set_inf(struct jac *r)
{
	memset(r, 0, sizeof(*r));
}

/* Variable-time complete additions, for public points only. */
static noinline void add_vartime(struct jac *r, const struct jac *a, const struct jac *b)
{
	struct jac t;
	fe h, rr;

	if (fe_is_zero(a->z)) {
		*r = *b;
		return;
	}
	if (fe_is_zero(b->z)) {
		*r = *a;
		return;
	}
	add_formula(&t, a, b, h, rr);
	if (fe_is_zero(h)) {
		if (fe_is_zero(rr))
			point_double(r, a);
		else
			set_inf(r);
		return;
	}
	*r = t;
}

static noinline void add_mixed_vartime(struct jac *r, const struct jac *a,
			      const struct aff *b)
{
	struct jac t;
	fe h, rr;

	if (fe_is_zero(a->z)) {
		fe_copy(r->x, b->x);
		fe_copy(r->y, b->y);
		fe_copy(r->z, ONE_P);
		return;
	}
	add_mixed_formula(&t, a, b, h, rr);
	if (fe_is_zero(h)) {
		if (fe_is_zero(rr))
			point_double(r, a);
		else
			set_inf(r);
		return;
	}
	*r = t;
}

/* Affine coordinates (Montgomery form) of a point that is not infinity. */
static void to_affine(struct aff *r, const struct jac *a)
{
	fe zi, zi2;

	fe_inv(zi, a->z);
	fe_sqr(zi2, zi);
	fe_mul(r->x, a->x, zi2);
	fe_mul(zi2, zi2, zi);
	fe_mul(r->y, a->y, zi2);
}

/*
 * Parse 0x04 || X || Y into Montgomery affine coordinates: X, Y < p and
 * Y^2 = X^3 - 3X + b. The uncompressed form cannot encode infinity.
 */
static int point_from_pub(struct aff *r, const u8 pub[65])
{
	fe x, y, t, u;

	if (pub[0] != 0x04)
		return -EINVAL;
	from_be(x, pub + 1);
	from_be(y, pub + 33);
	if (!lt_mask(x, P) || !lt_mask(y, P))
		return -EINVAL;
	fe_to_mont(r->x, x);
	fe_to_mont(r->y, y);
	fe_sqr(t, r->x);
	fe_mul(t, t, r->x);		/* x^3 */
	fe_add(u, r->x, r->x);
	fe_add(u, u, r->x);
	fe_sub(t, t, u);
	fe_add(t, t, B_MONT);		/* x^3 - 3x + b */
	fe_sqr(u, r->y);
	return fe_equal(t, u) ? 0 : -EINVAL;
}

static void aff_to_pub(u8 pub[65], const struct aff *a)
{
	fe t;

	pub[0] = 0x04;
	fe_from_mont(t, a->x);
	to_be(pub + 1, t);
	fe_from_mont(t, a->y);
	to_be(pub + 33, t);
}

/* ---------------------------------------------------------------------- */
/* Fixed-base table                                                        */

/*
 * gtab[w][j] = (j + 1) * 2^(6w) * G, affine, Montgomery form.
 *
 * Built at init rather than shipped as a generated constant: it is derived
 * from G by the same code the self-test checks, it keeps an 88 KiB hex
 * blob (and its generator) out of the tree, and in the module it lives in
 * __ro_after_init memory, read-only once module init returns. Building it
 * costs about 1400 field inversions, a few milliseconds, once.
 */
#define GW	6			/* window bits */
#define GWIN	43			/* 43 * 6 >= 256 + carry bit */
#define GTAB	(1 << (GW - 1))		/* digits 1..32 */

static struct aff gtab[GWIN][GTAB] SZKM_RO_AFTER_INIT;
static int tables_ready SZKM_RO_AFTER_INIT;
static SZKM_ONCE_T tables_once = SZKM_ONCE_INIT;

static void hmac_init_zero(void);

static void tables_build(void)
{
	struct jac base, acc;
	int w, j;

	hmac_init_zero();

	from_be(base.x, G_BYTES);
	from_be(base.y, G_BYTES + 32);
	fe_to_mont(base.x, base.x);
	fe_to_mont(base.y, base.y);
	fe_copy(base.z, ONE_P);
	for (w = 0; w < GWIN; w++) {
		acc = base;
		for (j = 0; j < GTAB; j++) {
			to_affine(&gtab[w][j], &acc);
			add_vartime(&acc, &acc, &base);
		}
		for (j = 0; j < GW; j++)
			point_double(&base, &base);
	}
	tables_ready = 1;
}

int szkm_p256_init(void)
{
	szkm_once(&tables_once, tables_build);
	return tables_ready ? 0 : -ENODEV;
}

static inline int p256_ready(void)
{
	if (SZKM_LAZY_INIT)
		return szkm_p256_init();
	return likely(tables_ready) ? 0 : -ENODEV;
}

/* Bits [pos, pos + w) of a 256-bit scalar; pos and w are public. */
static inline u32 scalar_bits(const u64 k[4], unsigned int pos, unsigned int w)
{
	unsigned int limb = pos / 64, off = pos % 64;
	u64 v;

	if (limb >= 4)
		return 0;
	v = k[limb] >> off;
	if (off + w > 64 && limb + 1 < 4)
		v |= k[limb + 1] << (64 - off);
	return (u32)(v & ((1u << w) - 1));
}

/*
 * Signed digit of a width-w window: v = window + carry in [0, 2^w];
 * digits above 2^(w-1) become v - 2^w with a carry out. Branch-free.
 */
static inline void recode(u32 v, unsigned int w, u32 *carry, u32 *abs_d,
			  u64 *neg)
{
	u32 c = ((1u << (w - 1)) - v) >> 31;	/* v > 2^(w-1) */
	u32 d = v - (c << w);			/* two's complement digit */
	u32 s = d >> 31;

	*carry = c;
	*abs_d = (d ^ (0 - s)) + s;
	*neg = szkm_ct_barrier(0 - (u64)s);
}

/* r = tab[idx - 1] with every entry read; all zero when idx = 0. */
static void gtab_lookup_ct(struct aff *r, const struct aff tab[GTAB], u32 idx)
{
	int j, i;

	memset(r, 0, sizeof(*r));
	for (j = 0; j < GTAB; j++) {
		u64 m = ct_eq((u64)j + 1, idx);

		for (i = 0; i < 4; i++) {
			r->x[i] |= tab[j].x[i] & m;
			r->y[i] |= tab[j].y[i] & m;
		}
	}
}

/*
 * r = k * G for a secret k in [1, n-1], constant time: one addition per
 * window, low window first. Why the addition never meets a = +-b: after
 * window i the accumulator holds s*G with |s| < 2^(6i); the next digit
 * adds d * 2^(6i) with |d| >= 1. For i <= 41 both are far below n, so
 * s = +-d*2^(6i) would have to hold over the integers, and it cannot.
 * In the top window d <= 16; d*2^252 - s = n would give k = 2d*2^252 - n,
 * which is >= n for d = 16 and impossible for d <= 15 (d*2^252 - s < n);
 * s + d*2^252 = 0 mod n would mean k = 0. So only "a is infinity" (all
 * lower digits zero) and "digit is zero" remain, both handled by masks.
 */
static void mul_base_ct(struct jac *r, const u64 k[4])
{
	struct jac acc;
	struct aff t;
	fe ny;
	u32 carry = 0, v, d;
	u64 neg;
	int w;

	set_inf(&acc);
	for (w = 0; w < GWIN; w++) {
		v = scalar_bits(k, (unsigned int)w * GW, GW) + carry;
		recode(v, GW, &carry, &d, &neg);
		gtab_lookup_ct(&t, gtab[w], d);
		fe_neg(ny, t.y);
		fe_cmov(t.y, ny, neg);
		add_mixed_ct(&acc, &acc, &t, ct_eq(d, 0));
	}
	*r = acc;
	WIPE(acc); WIPE(t); WIPE(ny);
	WIPE(carry); WIPE(v); WIPE(d); WIPE(neg);
}

/*
 * r = k * p for a secret k in [1, n-1] and a public point p, constant
 * time: 4-bit signed windows from the top over p, 2p, ..., 8p, with the
 * complete add_ct (k < 32 can make the last addition a doubling).
 */
#define VW	4
#define VWIN	65			/* 64 windows + the final carry */
#define VTAB	(1 << (VW - 1))

static void mul_var_ct(struct jac *r, const struct aff *p, const u64 k[4])
{
	struct jac tab[VTAB], acc, t;
	u8 dig[VWIN], sgn[VWIN];
	u32 carry = 0, v, d;
	u64 neg, m;
	fe ny;
	int i, j;

	fe_copy(tab[0].x, p->x);
	fe_copy(tab[0].y, p->y);
	fe_copy(tab[0].z, ONE_P);
	point_double(&tab[1], &tab[0]);
	for (i = 2; i < VTAB; i++)
		add_vartime(&tab[i], &tab[i - 1], &tab[0]);	/* public */

	for (i = 0; i < VWIN; i++) {
		v = scalar_bits(k, (unsigned int)i * VW, VW) + carry;
		recode(v, VW, &carry, &d, &neg);
		dig[i] = (u8)d;
		sgn[i] = (u8)(neg & 1);
	}

	set_inf(&acc);
	for (i = VWIN - 1; i >= 0; i--) {
		for (j = 0; j < VW; j++)
			point_double(&acc, &acc);
		set_inf(&t);
		for (j = 0; j < VTAB; j++) {
			m = ct_eq((u64)j + 1, dig[i]);
			jac_cmov(&t, &tab[j], m);
		}
		fe_neg(ny, t.y);
		fe_cmov(t.y, ny, 0 - (u64)sgn[i]);
		add_ct(&acc, &acc, &t);
	}
	*r = acc;
	WIPE(acc); WIPE(t); WIPE(dig); WIPE(sgn); WIPE(ny);
	WIPE(carry); WIPE(v); WIPE(d); WIPE(neg);
}

/* Width-5 NAF of a public k < 2^256; returns the number of digits. */
static int wnaf5(s8 out[257], const u64 k[4])
{
	u64 t[5] = { k[0], k[1], k[2], k[3], 0 };
	int n = 0, i;

	while (t[0] | t[1] | t[2] | t[3] | t[4]) {
		int d = 0;

		if (t[0] & 1) {
			szkm_u128 x;
			u64 c;

			d = (int)(t[0] & 31);
			if (d > 16)
				d -= 32;
			if (d > 0) {
				c = (u64)d;	/* t -= d */
				for (i = 0; i < 5 && c; i++) {
					x = (szkm_u128)t[i] - c;
					t[i] = (u64)x;
					c = (u64)(x >> 64) & 1;
				}
			} else {
				c = (u64)-d;	/* t += -d */
				for (i = 0; i < 5 && c; i++) {
					x = (szkm_u128)t[i] + c;
					t[i] = (u64)x;
					c = (u64)(x >> 64);
				}
			}
		}
		out[n++] = (s8)d;
		for (i = 0; i < 4; i++)
			t[i] = t[i] >> 1 | t[i + 1] << 63;
		t[4] >>= 1;
	}
	return n;
}

/* r = a + (neg ? -b : b), public points */
static noinline void add_signed_vartime(struct jac *r, const struct jac *a,
					const struct jac *b, int neg)
{
	struct jac t;

	if (!neg) {
		add_vartime(r, a, b);
		return;
	}
	t = *b;
	fe_neg(t.y, t.y);
	add_vartime(r, a, &t);
}

/* r = u2*Q by a width-5 wNAF over Q, 3Q, ..., 15Q; public, variable time */
static noinline void mul_wnaf_vartime(struct jac *r, const struct aff *q,
				      const u64 u2[4])
{
	struct jac tab[8];
	s8 naf[257];
	int n, i;

	fe_copy(tab[0].x, q->x);
	fe_copy(tab[0].y, q->y);
	fe_copy(tab[0].z, ONE_P);
	point_double(r, &tab[0]);
	for (i = 1; i < 8; i++)
		add_vartime(&tab[i], &tab[i - 1], r);	/* (2i+1) Q */

	set_inf(r);
	n = wnaf5(naf, u2);
	for (i = n - 1; i >= 0; i--) {
		point_double(r, r);
		if (naf[i] > 0)
			add_signed_vartime(r, r, &tab[(naf[i] - 1) / 2], 0);
		else if (naf[i] < 0)
			add_signed_vartime(r, r, &tab[(-naf[i] - 1) / 2], 1);
	}
}

/* r += u1*G from the fixed-base table; public, variable time */
static noinline void add_base_vartime(struct jac *r, const u64 u1[4])
{
	struct aff a;
	u32 carry = 0, v, d;
	u64 neg;
	int w;

	for (w = 0; w < GWIN; w++) {
		v = scalar_bits(u1, (unsigned int)w * GW, GW) + carry;
		recode(v, GW, &carry, &d, &neg);
		if (!d)
			continue;
		a = gtab[w][d - 1];
		if (neg)
			fe_neg(a.y, a.y);
		add_mixed_vartime(r, r, &a);
	}
}

/* r = u1*G + u2*Q, public inputs, variable time. */
static void mul_double_vartime(struct jac *r, const u64 u1[4],
			       const struct aff *q, const u64 u2[4])
{
	mul_wnaf_vartime(r, q, u2);
	add_base_vartime(r, u1);
}

/* ---------------------------------------------------------------------- */
/* HMAC-SHA256 and RFC 6979 nonces                                         */

struct hmac_key {
	struct szkm_sha256 inner, outer;	/* states after the key block */
};

struct seg {
	const u8 *p;
	size_t len;
};

/* HMAC key states for the all-zero key RFC 6979 starts from (step c) */
static struct hmac_key hk_zero SZKM_RO_AFTER_INIT;

static void hmac_setkey(struct hmac_key *hk, const u8 key[32])
{
	u8 pad[64];
	int i;

	for (i = 0; i < 64; i++)
		pad[i] = (i < 32 ? key[i] : 0) ^ 0x36;
	szkm_sha256_init(&hk->inner);
	szkm_sha256_update(&hk->inner, pad, 64);
	for (i = 0; i < 64; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	szkm_sha256_init(&hk->outer);
	szkm_sha256_update(&hk->outer, pad, 64);
	WIPE(pad);
}

static void hmac_init_zero(void)
{
	static const u8 zero[32];

	hmac_setkey(&hk_zero, zero);
}

/* out may alias an input segment */
static void hmac(u8 out[32], const struct hmac_key *hk, const struct seg *s,
		 int nseg)
{
	struct szkm_sha256 c = hk->inner;
	int i;

	for (i = 0; i < nseg; i++)
		szkm_sha256_update(&c, s[i].p, s[i].len);
	szkm_sha256_final(&c, out);
	c = hk->outer;
	szkm_sha256_update(&c, out, 32);
	szkm_sha256_final(&c, out);
	WIPE(c);
}

/* HMAC_DRBG state of RFC 6979 section 3.2 for qlen = hlen = 256 */
struct rfc6979 {
	struct hmac_key hk;
	u8 k[32], v[32];
};

static void rfc6979_init(struct rfc6979 *st, const u8 x[32], const u8 h1[32])
{
	u8 sep;

	memset(st->v, 0x01, 32);
	memset(st->k, 0x00, 32);
	for (sep = 0; sep < 2; sep++) {		/* steps d-g */
		struct seg s[4] = {
			{ st->v, 32 }, { &sep, 1 }, { x, 32 }, { h1, 32 },
		};

		if (sep)
			hmac_setkey(&st->hk, st->k);
		else
			st->hk = hk_zero;	/* K is still all zero */
		hmac(st->k, &st->hk, s, 4);
		hmac_setkey(&st->hk, st->k);
		hmac(st->v, &st->hk, s, 1);
	}
}

/* step h: the next candidate (one HMAC block is qlen bits) */
static void rfc6979_next(struct rfc6979 *st, u8 out[32])
{
	struct seg s = { st->v, 32 };

	hmac(st->v, &st->hk, &s, 1);
	memcpy(out, st->v, 32);
}

/* step h.3: K = HMAC_K(V || 0x00), V = HMAC_K(V) */
static void rfc6979_reject(struct rfc6979 *st)
{
	static const u8 zero;
	struct seg s[2] = { { st->v, 32 }, { &zero, 1 } };

	hmac(st->k, &st->hk, s, 2);
	hmac_setkey(&st->hk, st->k);
	hmac(st->v, &st->hk, s, 1);
}

/* ---------------------------------------------------------------------- */
/* Public API                                                              */

int szkm_p256_check_priv(const u8 priv[32])
{
	u64 k[4], ok;

	from_be(k, priv);
	ok = sc_valid_mask(k);
	WIPE(k);
	return ok ? 0 : -EINVAL;
}

int szkm_p256_check_pub(const u8 pub[65])
{
	struct aff a;

	return point_from_pub(&a, pub);
}

int szkm_p256_pubkey(u8 pub[65], const u8 priv[32])
{
	struct jac r;
	struct aff a;
	u64 k[4];
	int ret;

	ret = p256_ready();
	if (ret)
		return ret;
	from_be(k, priv);
	if (!sc_valid_mask(k)) {
		ret = -EINVAL;
		goto out;
	}
	mul_base_ct(&r, k);
	to_affine(&a, &r);
	aff_to_pub(pub, &a);
out:
	WIPE(k); WIPE(r); WIPE(a);
	stack_scrub();
	return ret;
}

/* 32 random bytes reduced to [1, n-1] (a blinding factor, bias harmless) */
static int random_scalar(u64 b[4])
{
	u8 buf[32];
	int ret;

	do {
		ret = szkm_random_bytes(buf, sizeof(buf));
		if (ret)
			break;
		from_be(b, buf);
		sc_reduce_once(b, b);
	} while (!(b[0] | b[1] | b[2] | b[3]));
	WIPE(buf);
	return ret;
}

int szkm_p256_sign(u8 sig_rs[64], const u8 priv[32], const u8 digest[32])
{
	struct rfc6979 drbg;
	struct jac R;
	u64 d[4], e[4], k[4], b[4], t[4], u[4], r[4], s[4];
	fe x, zi;
	u8 h1[32], kb[32];
	int ret;

	ret = p256_ready();
	if (ret)
		return ret;
	from_be(d, priv);
	if (!sc_valid_mask(d)) {
		WIPE(d);
		return -EINVAL;
	}
	from_be(e, digest);
	sc_reduce_once(e, e);		/* bits2int(h1) mod n */
	to_be(h1, e);			/* bits2octets(h1) */
	rfc6979_init(&drbg, priv, h1);

	for (;;) {
		rfc6979_next(&drbg, kb);
		from_be(k, kb);
		/* leaks only "k >= n", probability 2^-32 */
		if (!sc_valid_mask(k)) {
			rfc6979_reject(&drbg);
			continue;
		}
		mul_base_ct(&R, k);
		fe_inv(zi, R.z);
		fe_sqr(zi, zi);
		fe_mul(x, R.x, zi);
		fe_from_mont(x, x);
		sc_reduce_once(r, x);	/* r = x mod n; public */
		if (!(r[0] | r[1] | r[2] | r[3])) {
			rfc6979_reject(&drbg);
			continue;
		}

		/* k^-1 = b * (k*b)^-1: the inversion never sees k alone */
		ret = random_scalar(b);
		if (ret)
			goto out;
		sc_to_mont(t, k);
		sc_to_mont(b, b);
		sc_mul(t, t, b);	/* k b R */
		sc_inv(t, t);		/* (k b)^-1 R */
		sc_mul(t, t, b);	/* k^-1 R */

		sc_to_mont(u, d);
		sc_mul(u, u, r);	/* r d (plain) */
		mod_add(u, u, e, N);	/* e + r d */
		sc_mul(s, t, u);	/* k^-1 (e + r d) (plain) */
		if (!(s[0] | s[1] | s[2] | s[3])) {
			rfc6979_reject(&drbg);
			continue;
		}
		to_be(sig_rs, r);
		to_be(sig_rs + 32, s);
		break;
	}
out:
	WIPE(drbg); WIPE(R); WIPE(d); WIPE(e); WIPE(k); WIPE(b);
	WIPE(t); WIPE(u); WIPE(s); WIPE(x); WIPE(zi); WIPE(h1); WIPE(kb);
	stack_scrub();
	return ret;
}

/* 1 <= a < n, variable time (public values) */
static int sc_in_range_vartime(const u64 a[4])
{
	return (a[0] | a[1] | a[2] | a[3]) && lt_mask(a, N);
}

int szkm_p256_verify(const u8 pub[65], const u8 digest[32],
		     const u8 sig_rs[64])
{
	struct aff q;
	struct jac R;
	u64 r[4], s[4], e[4], w[4], u1[4], u2[4];
	fe t, z2;
	szkm_u128 x;
	int i, ret;

	ret = p256_ready();
	if (ret)
		return ret;
	if (point_from_pub(&q, pub))
		return -EBADMSG;
	from_be(r, sig_rs);
	from_be(s, sig_rs + 32);
	if (!sc_in_range_vartime(r) || !sc_in_range_vartime(s))
		return -EBADMSG;
	from_be(e, digest);
	sc_reduce_once(e, e);

	sc_to_mont(w, s);
	sc_inv(w, w);			/* s^-1 R */
	sc_mul(u1, e, w);		/* e s^-1 (plain) */
	sc_mul(u2, r, w);		/* r s^-1 (plain) */
	mul_double_vartime(&R, u1, &q, u2);
	if (fe_is_zero(R.z))
		return -EBADMSG;

	/* x(R) mod n == r, without an inversion: X == r' Z^2 for r' = r
	 * and, when it is still below p, r' = r + n. */
	fe_sqr(z2, R.z);
	fe_to_mont(t, r);
	fe_mul(t, t, z2);
	if (fe_equal(t, R.x))
		return 0;
	x = 0;
	for (i = 0; i < 4; i++) {
		x = (szkm_u128)r[i] + N[i] + (u64)(x >> 64);
		r[i] = (u64)x;
	}
	if ((u64)(x >> 64) || !lt_mask(r, P))
		return -EBADMSG;
	fe_to_mont(t, r);
	fe_mul(t, t, z2);
	return fe_equal(t, R.x) ? 0 : -EBADMSG;
}

int szkm_p256_sig_low_s(u8 sig_rs[64])
{
	static const u64 zero[4];
	u64 s[4];

	from_be(s, sig_rs + 32);
	if (!sc_in_range_vartime(s))
		return -EINVAL;
	if (lt_mask(HALF_N, s)) {
		mod_sub(s, zero, s, N);		/* n - s */
		to_be(sig_rs + 32, s);
	}
	return 0;
}

int szkm_p256_sig_is_low_s(const u8 sig_rs[64])
{
	u64 s[4];

	from_be(s, sig_rs + 32);
	return sc_in_range_vartime(s) && !lt_mask(HALF_N, s);
}

int szkm_p256_ecdh(u8 shared_x[32], const u8 priv[32], const u8 peer_pub[65])
{
	struct aff p;
	struct jac R;
	u64 k[4];
	fe zi, x;
	int ret;

	ret = p256_ready();
	if (ret)
		return ret;
	if (point_from_pub(&p, peer_pub))
		return -EINVAL;
	from_be(k, priv);
	if (!sc_valid_mask(k)) {
		ret = -EINVAL;
		goto out;
	}
	mul_var_ct(&R, &p, k);
	/* cannot happen for k in [1, n-1] on a prime-order curve */
	if (fe_is_zero(R.z)) {
		ret = -EINVAL;
		goto out;
	}
	fe_inv(zi, R.z);
	fe_sqr(zi, zi);
	fe_mul(x, R.x, zi);
	fe_from_mont(x, x);
	to_be(shared_x, x);
out:
	WIPE(k); WIPE(R); WIPE(zi); WIPE(x);
	stack_scrub();
	return ret;
}

/* ---------------------------------------------------------------------- */
/* DER: SEQUENCE { INTEGER r, INTEGER s }                                  */

static size_t der_put_int(u8 *out, const u8 v[32])
{
	size_t i = 0, n;

	while (i < 31 && v[i] == 0)
		i++;
	n = 32 - i;
	out[0] = 0x02;
	if (v[i] & 0x80) {
		out[1] = (u8)(n + 1);
		out[2] = 0x00;
		memcpy(out + 3, v + i, n);
		return n + 3;
	}
	out[1] = (u8)n;
	memcpy(out + 2, v + i, n);
	return n + 2;
}

int szkm_p256_sig_to_der(u8 *der, size_t *len, const u8 rs[64])
{
	u8 buf[SZKM_P256_DER_MAX];
	u64 r[4], s[4];
	size_t n;

	from_be(r, rs);
	from_be(s, rs + 32);
	if (!sc_in_range_vartime(r) || !sc_in_range_vartime(s))
		return -EINVAL;
	n = 2;
	n += der_put_int(buf + n, rs);
	n += der_put_int(buf + n, rs + 32);
	buf[0] = 0x30;
	buf[1] = (u8)(n - 2);
	if (*len < n)
		return -EMSGSIZE;
	memcpy(der, buf, n);
	*len = n;
	return 0;
}

/* One strict DER INTEGER in [1, n-1] into 32 bytes; advances *pp. */
static int der_get_int(u8 out[32], const u8 **pp, const u8 *end)
{
	const u8 *p = *pp;
	size_t n;
	u64 v[4];

	if (end - p < 2 || p[0] != 0x02)
		return -EBADMSG;
	n = p[1];
	p += 2;
	/* short-form length only: contents are at most 33 bytes */
	if (n == 0 || n > 33 || (size_t)(end - p) < n)
		return -EBADMSG;
	if (p[0] & 0x80)
		return -EBADMSG;		/* negative */
	if (n > 1 && p[0] == 0 && !(p[1] & 0x80))
		return -EBADMSG;		/* non-minimal */
	if (p[0] == 0) {
		p++;
		n--;
	}
	if (n > 32)
		return -EBADMSG;
	memset(out, 0, 32);
	memcpy(out + 32 - n, p, n);
	*pp = p + n;
	from_be(v, out);
	return sc_in_range_vartime(v) ? 0 : -EBADMSG;
}

int szkm_p256_sig_from_der(u8 rs[64], const u8 *der, size_t len)
{
	const u8 *p, *end = der + len;
	u8 tmp[64];

	/* contents are at most 70 bytes, so the length must be short form */
	if (len < 2 || der[0] != 0x30 || (der[1] & 0x80) ||
	    (size_t)der[1] != len - 2)
		return -EBADMSG;
	p = der + 2;
	if (der_get_int(tmp, &p, end) || der_get_int(tmp + 32, &p, end) ||
	    p != end)
		return -EBADMSG;
	memcpy(rs, tmp, 64);
	return 0;
}
