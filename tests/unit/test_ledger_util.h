/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * test_ledger_util.h - a device for tests: makes canonical szkm events and
 * signs them with a P-256 key through OpenSSL, as the kernel would.
 *
 * The encoder is written from include/szkm.h independently of
 * ledgerd/event.c (it shares only the constants), so that a misreading of
 * the format on one side shows up as a failure on the other. Used by the
 * unit tests, tests/ledger/testtool.c and the benchmark.
 */
#ifndef TEST_LEDGER_UTIL_H
#define TEST_LEDGER_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "szkm.h"

struct tev {
	uint8_t type;
	uint16_t flags;
	uint8_t device_id[32];
	uint64_t seq;
	uint8_t prev[32];
	uint64_t time_ns;
	uint8_t key_id[16];
	const char *name;
	uint32_t version;
	uint8_t alg, state, origin;
	const uint8_t *pub;	/* NULL or 65 bytes */
	uint64_t rotate, max_uses;
	uint32_t min_version;
	uint8_t ledger;
	uint8_t policy[32];
	/* 0: a process (uid 0, pid 1, "test"); else enum szkm_actor */
	uint8_t actor;
	uint32_t grantee;	/* KEY_GRANT, KEY_REVOKE */
	uint8_t format;		/* 0: SZKM_EVENT_FORMAT; 2 for an older kernel's */
};

static inline uint8_t *tev_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return p + n;
}

/* Encodes @e into @out (room for SZKM_EVENT_MAX_LEN); returns the length. */
static inline size_t tev_encode(const struct tev *e, uint8_t *out)
{
	uint8_t *p = out;
	size_t nlen = e->name ? strlen(e->name) : 0;

	memcpy(p, "SZKE", 4);
	p += 4;
	*p++ = e->format ? e->format : SZKM_EVENT_FORMAT;
	*p++ = e->type;
	p = tev_be(p, e->flags, 2);
	memcpy(p, e->device_id, 32);
	p += 32;
	p = tev_be(p, e->seq, 8);
	memcpy(p, e->prev, 32);
	p += 32;
	p = tev_be(p, e->time_ns, 8);
	memcpy(p, e->key_id, 16);
	p += 16;
	*p++ = (uint8_t)nlen;
	memcpy(p, e->name, nlen);
	p += nlen;
	p = tev_be(p, e->version, 4);
	*p++ = e->alg;
	*p++ = e->state;
	*p++ = e->origin;
	*p++ = e->pub ? 65 : 0;
	if (e->pub) {
		memcpy(p, e->pub, 65);
		p += 65;
	}
	p = tev_be(p, e->rotate, 8);
	p = tev_be(p, e->max_uses, 8);
	p = tev_be(p, e->min_version, 4);
	*p++ = e->ledger;
	memcpy(p, e->policy, 32);
	p += 32;
	*p++ = e->actor ? e->actor : SZKM_ACTOR_PROCESS;
	if (e->actor == SZKM_ACTOR_KERNEL) {
		p = tev_be(p, 0, 4);
		p = tev_be(p, SZKM_AUID_UNSET, 4);
		p = tev_be(p, 0, 4);
		memset(p, 0, SZKM_COMM_LEN);
	} else {
		p = tev_be(p, 0, 4);
		p = tev_be(p, SZKM_AUID_UNSET, 4);
		p = tev_be(p, 1, 4);
		memset(p, 0, SZKM_COMM_LEN);
		memcpy(p, "test", 4);
	}
	p += SZKM_COMM_LEN;
	if (SZKM_EV_HAS_GRANTEE(e->type))
		p = tev_be(p, e->grantee, 4);
	return (size_t)(p - out);
}

static inline int tev_sha256(const void *m, size_t n, uint8_t out[32])
{
	unsigned int len = 0;

	return EVP_Digest(m, n, out, &len, EVP_sha256(), NULL) && len == 32 ?
		0 : -1;
}

/*
 * The link of the event @body (@n bytes) signed @sig: what the next event
 * names as its prev hash. Formats 3, 4: SHA-256(body || sig); else SHA-256(body).
 */
static inline int tev_link(const uint8_t *body, size_t n, const uint8_t sig[64],
			   uint8_t out[32])
{
	uint8_t both[SZKM_EVENT_MAX_LEN + 64];

	if (n > SZKM_EVENT_MAX_LEN)
		return -1;
	if (n < 5 || body[4] < 3)
		return tev_sha256(body, n, out);
	memcpy(both, body, n);
	memcpy(both + n, sig, 64);
	return tev_sha256(both, n + 64, out);
}

/*
 * @sig's twin (r, n - s): it verifies as well, and makes another link. The
 * attack format 4 stops; tev_sign() uses it to give the low S.
 */
static inline int tev_twin(uint8_t sig[64])
{
	static const uint8_t n_be[32] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
		0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
	};
	BIGNUM *n = BN_bin2bn(n_be, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
	int ok = n && s && BN_sub(s, n, s) && BN_bn2binpad(s, sig + 32, 32) == 32;

	BN_free(n);
	BN_free(s);
	return ok ? 0 : -1;
}

/* Is @sig's S the low one of the twins (include/szkm.h, format 4)? */
static inline int tev_low_s(const uint8_t sig[64])
{
	static const uint8_t s_max[32] = SZKM_EVENT_SIG_S_MAX;

	return memcmp(sig + 32, s_max, 32) <= 0;
}

/* ECDSA P-256 over SHA-256(@msg), as r || s, with the low S as the kernel. */
static inline int tev_sign(EVP_PKEY *key, const uint8_t *msg, size_t n,
			   uint8_t sig[64])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t der[80];
	size_t dlen = sizeof(der);
	const unsigned char *p = der;
	ECDSA_SIG *s = NULL;
	int ok;

	ok = ctx && EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, key,
					  NULL) == 1 &&
	     EVP_DigestSign(ctx, der, &dlen, msg, n) == 1 &&
	     (s = d2i_ECDSA_SIG(NULL, &p, (long)dlen)) != NULL &&
	     BN_bn2binpad(ECDSA_SIG_get0_r(s), sig, 32) == 32 &&
	     BN_bn2binpad(ECDSA_SIG_get0_s(s), sig + 32, 32) == 32;
	ECDSA_SIG_free(s);
	EVP_MD_CTX_free(ctx);
	if (ok && !tev_low_s(sig))
		return tev_twin(sig);
	return ok ? 0 : -1;
}

/* A device: its key, id and chain head (the last event's link). */
struct tdev {
	EVP_PKEY *key;
	uint8_t pub[65];
	uint8_t id[32];
	uint64_t seq;
	uint8_t head[32];
	uint8_t format;		/* of its events; 0: SZKM_EVENT_FORMAT */
};

static inline int tdev_init(struct tdev *d, EVP_PKEY *key)
{
	size_t len = 0;

	memset(d, 0, sizeof(*d));
	d->key = key ? key : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!d->key || (key && !EVP_PKEY_up_ref(key)))
		return -1;
	if (!EVP_PKEY_get_octet_string_param(d->key, "encoded-pub-key", d->pub,
					     sizeof(d->pub), &len) ||
	    len != 65)
		return -1;
	return tev_sha256(d->pub, 65, d->id);
}

static inline void tdev_free(struct tdev *d)
{
	EVP_PKEY_free(d->key);
	d->key = NULL;
}

/* Removes a test's temporary folder and all in it; -1 when that fails. */
static inline int tdir_remove(const char *dir)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

/*
 * The device's next event in its chain: seq 1 is DEVICE_INIT, then key
 * events over @nkeys keys (create once, then rotations and state
 * changes). Returns the body length; the chain advances by
 * tdev_advance().
 */
static inline size_t tdev_build(struct tdev *d, unsigned int nkeys,
				uint8_t *body)
{
	struct tev e = { 0 };
	char name[32];
	uint64_t k, round;

	e.seq = d->seq + 1;
	e.format = d->format;
	memcpy(e.device_id, d->id, 32);
	memcpy(e.prev, d->head, 32);
	e.time_ns = (uint64_t)time(NULL) * 1000000000u + e.seq;
	if (e.seq == 1) {
		e.type = SZKM_EV_DEVICE_INIT;
		e.pub = d->pub;
	} else {
		k = (e.seq - 2) % (nkeys ? nkeys : 1);
		round = (e.seq - 2) / (nkeys ? nkeys : 1);
		snprintf(name, sizeof(name), "key-%llu", (unsigned long long)k);
		e.name = name;
		tev_be(e.key_id, 0x6b657900u + k, 8);
		e.key_id[15] = (uint8_t)(k + 1);
		e.type = round == 0 ? SZKM_EV_KEY_CREATE : SZKM_EV_KEY_ROTATE;
		e.version = (uint32_t)round + 1;
		e.alg = k % 2 ? SZKM_ALG_ECDSA_P256 : SZKM_ALG_AES256_GCM;
		e.pub = k % 2 ? d->pub : NULL;
		e.state = SZKM_VS_ACTIVE;
		e.origin = SZKM_ORIGIN_GENERATED;
		e.rotate = 86400;
		e.ledger = SZKM_LEDGER_REQUIRED;
	}
	return tev_encode(&e, body);
}

/* @d's chain takes its next event, @body (@n bytes) signed @sig. */
static inline int tdev_advance(struct tdev *d, const uint8_t *body, size_t n,
			       const uint8_t sig[64])
{
	d->seq++;
	return tev_link(body, n, sig, d->head);
}

/*
 * The same with the signature @sig given, not made: a benchmark building
 * a big ledger takes the signatures as checked.
 */
static inline size_t tdev_next_body(struct tdev *d, unsigned int nkeys,
				    uint8_t *body, const uint8_t sig[64])
{
	size_t n = tdev_build(d, nkeys, body);

	return n && !tdev_advance(d, body, n, sig) ? n : 0;
}

/* The same, signed by the device (0 when signing fails). */
static inline size_t tdev_next(struct tdev *d, unsigned int nkeys,
			       uint8_t *body, uint8_t sig[64])
{
	size_t n = tdev_build(d, nkeys, body);

	return n && !tev_sign(d->key, body, n, sig) &&
	       !tdev_advance(d, body, n, sig) ? n : 0;
}

#endif /* TEST_LEDGER_UTIL_H */
