// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_merkle.c - the ledger's Merkle tree against outside vectors and a
 * naive reference.
 *
 * The vectors (every JSON file in tests/vectors/tlog, or in
 * $SZKM_VECTORS/tlog) fix the roots, every inclusion path and the
 * consistency proof of a 13-leaf tree.
 * The reference below is RFC 6962 section 2.1 written as recursion over
 * slices, with its own SHA-256 calls, so that it shares nothing with the
 * store-backed code it checks; every (index, size) and (old, new) pair up
 * to 64 leaves is compared, then verified, then tampered with.
 */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "merkle.h"

#define HL LEDGER_HASH_LEN
#define REF_MAX 64

/* Vectors. */

#include "tlog_vectors.h"

static size_t b64dec(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s), len;
	uint8_t *tmp = malloc(n / 4 * 3 + 3);
	int got;

	assert_non_null(tmp);
	got = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
	assert_true(got >= 0);
	len = (size_t)got;
	if (n >= 1 && s[n - 1] == '=')
		len--;
	if (n >= 2 && s[n - 2] == '=')
		len--;
	assert_true(len <= cap);
	memcpy(out, tmp, len);
	free(tmp);
	return len;
}

static void b64hash(const char *s, uint8_t out[HL])
{
	assert_int_equal(b64dec(s, out, HL), HL);
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

static uint64_t jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_integer(v));
	return (uint64_t)json_integer_value(v);
}

/* A tree with its in-memory store. */

struct fixture {
	struct ledger_mem_store *store;
	struct ledger_merkle *tree;
};

static void fixture_open(struct fixture *f)
{
	assert_int_equal(ledger_mem_store_new(&f->store), 0);
	assert_int_equal(ledger_merkle_open(&f->tree,
					    ledger_mem_store_ops(f->store), 0),
			 0);
}

static void fixture_close(struct fixture *f)
{
	ledger_merkle_free(f->tree);
	ledger_mem_store_free(f->store);
}

static void fixture_from_vector(struct fixture *f, json_t *j)
{
	json_t *leaves = json_object_get(j, "leaves");
	size_t i;
	json_t *v;

	assert_true(json_is_array(leaves));
	fixture_open(f);
	json_array_foreach(leaves, i, v) {
		uint8_t data[1024];
		size_t n = b64dec(json_string_value(v), data, sizeof(data));
		uint64_t idx;

		assert_int_equal(ledger_merkle_append(f->tree, data, n, &idx), 0);
		assert_int_equal(idx, i);
	}
}

/* The naive reference, RFC 6962 section 2.1. */

static void ref_sha(const void *a, size_t alen, uint8_t prefix, const void *b,
		    size_t blen, const void *c, size_t clen, uint8_t out[HL],
		    int with_prefix)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int olen;

	assert_non_null(ctx);
	assert_true(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL));
	if (with_prefix)
		assert_true(EVP_DigestUpdate(ctx, &prefix, 1));
	if (alen)
		assert_true(EVP_DigestUpdate(ctx, a, alen));
	if (blen)
		assert_true(EVP_DigestUpdate(ctx, b, blen));
	if (clen)
		assert_true(EVP_DigestUpdate(ctx, c, clen));
	assert_true(EVP_DigestFinal_ex(ctx, out, &olen));
	EVP_MD_CTX_free(ctx);
}

static void ref_leaf(const void *d, size_t n, uint8_t out[HL])
{
	ref_sha(d, n, 0x00, NULL, 0, NULL, 0, out, 1);
}

static void ref_node(const uint8_t *l, const uint8_t *r, uint8_t out[HL])
{
	ref_sha(NULL, 0, 0x01, l, HL, r, HL, out, 1);
}

static size_t ref_k(size_t n)
{
	size_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

static void ref_mth(const uint8_t (*lh)[HL], size_t n, uint8_t out[HL])
{
	uint8_t l[HL], r[HL];
	size_t k;

	if (n == 0) {
		ref_sha(NULL, 0, 0, NULL, 0, NULL, 0, out, 0);
		return;
	}
	if (n == 1) {
		memcpy(out, lh[0], HL);
		return;
	}
	k = ref_k(n);
	ref_mth(lh, k, l);
	ref_mth(lh + k, n - k, r);
	ref_node(l, r, out);
}

static void ref_path(size_t m, const uint8_t (*lh)[HL], size_t n,
		     uint8_t (*out)[HL], size_t *len)
{
	size_t k;

	if (n == 1)
		return;
	k = ref_k(n);
	if (m < k) {
		ref_path(m, lh, k, out, len);
		ref_mth(lh + k, n - k, out[(*len)++]);
	} else {
		ref_path(m - k, lh + k, n - k, out, len);
		ref_mth(lh, k, out[(*len)++]);
	}
}

static void ref_subproof(size_t m, const uint8_t (*lh)[HL], size_t n, int b,
			 uint8_t (*out)[HL], size_t *len)
{
	size_t k;

	if (m == n) {
		if (!b)
			ref_mth(lh, n, out[(*len)++]);
		return;
	}
	k = ref_k(n);
	if (m <= k) {
		ref_subproof(m, lh, k, b, out, len);
		ref_mth(lh + k, n - k, out[(*len)++]);
	} else {
		ref_subproof(m - k, lh + k, n - k, 0, out, len);
		ref_mth(lh, k, out[(*len)++]);
	}
}

/* A 64-leaf tree and its reference leaf hashes, shared by the sweeps. */
struct sweep {
	struct fixture f;
	uint8_t lh[REF_MAX][HL];
};

static void sweep_open(struct sweep *s)
{
	fixture_open(&s->f);
	for (size_t i = 0; i < REF_MAX; i++) {
		char data[32];
		int n = snprintf(data, sizeof(data), "entry %zu", i);

		ref_leaf(data, (size_t)n, s->lh[i]);
		assert_int_equal(ledger_merkle_append(s->f.tree, data,
						      (size_t)n, NULL), 0);
	}
}

/* Tests: hashing. */

static void test_leaf_and_node_hash_prefixes(void **state)
{
	/* RFC 6962: the empty leaf is SHA-256(0x00). */
	static const uint8_t empty_leaf[HL] = {
		0x6e, 0x34, 0x0b, 0x9c, 0xff, 0xb3, 0x7a, 0x98, 0x9c, 0xa5, 0x44,
		0xe6, 0xbb, 0x78, 0x0a, 0x2c, 0x78, 0x90, 0x1d, 0x3f, 0xb3, 0x37,
		0x38, 0x76, 0x85, 0x11, 0xa3, 0x06, 0x17, 0xaf, 0xa0, 0x1d,
	};
	uint8_t a[HL], b[HL], got[HL], want[HL];

	(void)state;
	assert_int_equal(ledger_merkle_leaf_hash(NULL, 0, got), 0);
	assert_memory_equal(got, empty_leaf, HL);
	assert_int_equal(ledger_merkle_leaf_hash("abc", 3, a), 0);
	ref_leaf("abc", 3, want);
	assert_memory_equal(a, want, HL);
	assert_int_equal(ledger_merkle_leaf_hash("xyz", 3, b), 0);
	assert_int_equal(ledger_merkle_node_hash(a, b, got), 0);
	ref_node(a, b, want);
	assert_memory_equal(got, want, HL);
}

/* Tests: vectors. */

static void test_vectors_present(void **state)
{
	(void)state;
	if (nvecs == 0)
		fail_msg("no tlog vectors under %s/tlog (set SZKM_VECTORS)",
			 vectors_dir());
}

static void test_vector_roots(void **state)
{
	struct vec_file *v = *state;
	uint64_t old_size = jint(v->json, "old_size");
	uint64_t new_size = jint(v->json, "new_size");
	uint8_t want[HL], got[HL];
	struct fixture f;

	fixture_from_vector(&f, v->json);
	assert_int_equal(ledger_merkle_size(f.tree), new_size);
	b64hash(jstr(v->json, "new_root"), want);
	assert_int_equal(ledger_merkle_root(f.tree, new_size, got), 0);
	assert_memory_equal(got, want, HL);
	b64hash(jstr(v->json, "old_root"), want);
	assert_int_equal(ledger_merkle_root(f.tree, old_size, got), 0);
	assert_memory_equal(got, want, HL);
	b64hash(jstr(v->json, "empty_root"), want);
	assert_int_equal(ledger_merkle_root(f.tree, 0, got), 0);
	assert_memory_equal(got, want, HL);
	fixture_close(&f);
}

static void test_vector_inclusion_paths(void **state)
{
	struct vec_file *v = *state;
	json_t *incl = json_object_get(v->json, "inclusion");
	json_t *leaves = json_object_get(v->json, "leaves");
	uint64_t size = jint(v->json, "new_size");
	uint8_t root[HL];
	struct fixture f;
	const char *key;
	json_t *path;
	size_t seen = 0;

	assert_true(json_is_object(incl));
	fixture_from_vector(&f, v->json);
	b64hash(jstr(v->json, "new_root"), root);
	json_object_foreach(incl, key, path) {
		uint8_t want[LEDGER_MERKLE_MAX_PROOF][HL];
		uint8_t got[LEDGER_MERKLE_MAX_PROOF][HL];
		uint8_t data[1024], lh[HL];
		uint64_t index = strtoull(key, NULL, 10);
		size_t n, len = 0, i;
		json_t *h;

		json_array_foreach(path, i, h)
			b64hash(json_string_value(h), want[i]);
		n = json_array_size(path);
		assert_int_equal(ledger_merkle_inclusion_proof(f.tree, index,
							       size, got,
							       LEDGER_MERKLE_MAX_PROOF,
							       &len), 0);
		assert_int_equal(len, n);
		assert_memory_equal(got, want, n * HL);
		ref_leaf(data, b64dec(json_string_value(
					      json_array_get(leaves, index)),
				      data, sizeof(data)), lh);
		assert_int_equal(ledger_merkle_verify_inclusion(
					 lh, index, size,
					 (const uint8_t (*)[HL])want, n, root),
				 0);
		seen++;
	}
	/* Every leaf has its path in the vectors. */
	assert_int_equal(seen, size);
	fixture_close(&f);
}

static void test_vector_consistency_proof(void **state)
{
	struct vec_file *v = *state;
	json_t *proof = json_object_get(v->json, "consistency");
	uint64_t old_size = jint(v->json, "old_size");
	uint64_t new_size = jint(v->json, "new_size");
	uint8_t want[LEDGER_MERKLE_MAX_PROOF][HL];
	uint8_t got[LEDGER_MERKLE_MAX_PROOF][HL];
	uint8_t old_root[HL], new_root[HL];
	size_t n = json_array_size(proof), len = 0, i;
	struct fixture f;
	json_t *h;

	json_array_foreach(proof, i, h)
		b64hash(json_string_value(h), want[i]);
	b64hash(jstr(v->json, "old_root"), old_root);
	b64hash(jstr(v->json, "new_root"), new_root);
	fixture_from_vector(&f, v->json);
	assert_int_equal(ledger_merkle_consistency_proof(f.tree, old_size,
							 new_size, got,
							 LEDGER_MERKLE_MAX_PROOF,
							 &len), 0);
	assert_int_equal(len, n);
	assert_memory_equal(got, want, n * HL);
	assert_int_equal(ledger_merkle_verify_consistency(
				 old_size, new_size, old_root, new_root,
				 (const uint8_t (*)[HL])want, n), 0);
	fixture_close(&f);
}

/* Tests: the reference sweep. */

static void test_roots_match_reference_for_sizes_0_to_64(void **state)
{
	struct sweep s;

	(void)state;
	sweep_open(&s);
	for (size_t n = 0; n <= REF_MAX; n++) {
		uint8_t want[HL], got[HL];

		ref_mth((const uint8_t (*)[HL])s.lh, n, want);
		assert_int_equal(ledger_merkle_root(s.f.tree, n, got), 0);
		assert_memory_equal(got, want, HL);
	}
	fixture_close(&s.f);
}

static void test_appending_gives_each_intermediate_root(void **state)
{
	struct fixture f;

	(void)state;
	fixture_open(&f);
	for (size_t n = 0; n <= REF_MAX; n++) {
		uint8_t lh[REF_MAX][HL], want[HL], got[HL];
		char data[32];
		int dl;

		for (size_t i = 0; i < n; i++) {
			dl = snprintf(data, sizeof(data), "entry %zu", i);
			ref_leaf(data, (size_t)dl, lh[i]);
		}
		ref_mth((const uint8_t (*)[HL])lh, n, want);
		/* The current size takes the cached right edge path. */
		assert_int_equal(ledger_merkle_root(f.tree, n, got), 0);
		assert_memory_equal(got, want, HL);
		dl = snprintf(data, sizeof(data), "entry %zu", n);
		assert_int_equal(ledger_merkle_append(f.tree, data, (size_t)dl,
						      NULL), 0);
	}
	fixture_close(&f);
}

static void test_inclusion_proofs_match_reference_up_to_64(void **state)
{
	struct sweep s;

	(void)state;
	sweep_open(&s);
	for (size_t n = 1; n <= REF_MAX; n++)
		for (size_t m = 0; m < n; m++) {
			uint8_t want[LEDGER_MERKLE_MAX_PROOF][HL];
			uint8_t got[LEDGER_MERKLE_MAX_PROOF][HL];
			size_t wlen = 0, glen = 99;

			ref_path(m, (const uint8_t (*)[HL])s.lh, n, want, &wlen);
			assert_int_equal(ledger_merkle_inclusion_proof(
						 s.f.tree, m, n, got,
						 LEDGER_MERKLE_MAX_PROOF, &glen),
					 0);
			assert_int_equal(glen, wlen);
			if (wlen)
				assert_memory_equal(got, want, wlen * HL);
		}
	fixture_close(&s.f);
}

static void test_inclusion_proofs_verify_up_to_64(void **state)
{
	struct sweep s;

	(void)state;
	sweep_open(&s);
	for (size_t n = 1; n <= REF_MAX; n++) {
		uint8_t root[HL];

		ref_mth((const uint8_t (*)[HL])s.lh, n, root);
		for (size_t m = 0; m < n; m++) {
			uint8_t p[LEDGER_MERKLE_MAX_PROOF][HL];
			size_t len = 0;

			assert_int_equal(ledger_merkle_inclusion_proof(
						 s.f.tree, m, n, p,
						 LEDGER_MERKLE_MAX_PROOF, &len),
					 0);
			assert_int_equal(ledger_merkle_verify_inclusion(
						 s.lh[m], m, n,
						 (const uint8_t (*)[HL])p, len,
						 root), 0);
		}
	}
	fixture_close(&s.f);
}

static void test_consistency_proofs_match_reference_up_to_64(void **state)
{
	struct sweep s;

	(void)state;
	sweep_open(&s);
	for (size_t n = 1; n <= REF_MAX; n++)
		for (size_t m = 1; m <= n; m++) {
			uint8_t want[LEDGER_MERKLE_MAX_PROOF][HL];
			uint8_t got[LEDGER_MERKLE_MAX_PROOF][HL];
			size_t wlen = 0, glen = 99;

			ref_subproof(m, (const uint8_t (*)[HL])s.lh, n, 1, want,
				     &wlen);
			assert_int_equal(ledger_merkle_consistency_proof(
						 s.f.tree, m, n, got,
						 LEDGER_MERKLE_MAX_PROOF, &glen),
					 0);
			assert_int_equal(glen, wlen);
			if (wlen)
				assert_memory_equal(got, want, wlen * HL);
		}
	fixture_close(&s.f);
}

static void test_consistency_proofs_verify_up_to_64(void **state)
{
	struct sweep s;
	uint8_t roots[REF_MAX + 1][HL];

	(void)state;
	sweep_open(&s);
	for (size_t n = 0; n <= REF_MAX; n++)
		ref_mth((const uint8_t (*)[HL])s.lh, n, roots[n]);
	for (size_t n = 1; n <= REF_MAX; n++)
		for (size_t m = 1; m <= n; m++) {
			uint8_t p[LEDGER_MERKLE_MAX_PROOF][HL];
			size_t len = 0;

			assert_int_equal(ledger_merkle_consistency_proof(
						 s.f.tree, m, n, p,
						 LEDGER_MERKLE_MAX_PROOF, &len),
					 0);
			assert_int_equal(ledger_merkle_verify_consistency(
						 m, n, roots[m], roots[n],
						 (const uint8_t (*)[HL])p, len),
					 0);
		}
	fixture_close(&s.f);
}

/* Tests: tampering. */

static void test_inclusion_rejects_any_flipped_proof_bit(void **state)
{
	struct sweep s;

	(void)state;
	sweep_open(&s);
	for (size_t n = 1; n <= REF_MAX; n++) {
		uint8_t root[HL];

		ref_mth((const uint8_t (*)[HL])s.lh, n, root);
		for (size_t m = 0; m < n; m++) {
			uint8_t p[LEDGER_MERKLE_MAX_PROOF][HL];
			size_t len = 0;

			assert_int_equal(ledger_merkle_inclusion_proof(
						 s.f.tree, m, n, p,
						 LEDGER_MERKLE_MAX_PROOF, &len),
					 0);
			for (size_t i = 0; i < len; i++) {
				size_t bit = (i * 37 + m) % (HL * 8);

				p[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
				assert_int_equal(ledger_merkle_verify_inclusion(
							 s.lh[m], m, n,
							 (const uint8_t (*)[HL])p,
							 len, root), -EBADMSG);
				p[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			}
			/* And a flipped leaf or root. */
			s.lh[m][0] ^= 1;
			assert_int_equal(ledger_merkle_verify_inclusion(
						 s.lh[m], m, n,
						 (const uint8_t (*)[HL])p, len,
						 root), -EBADMSG);
			s.lh[m][0] ^= 1;
			root[HL - 1] ^= 0x80;
			assert_int_equal(ledger_merkle_verify_inclusion(
						 s.lh[m], m, n,
						 (const uint8_t (*)[HL])p, len,
						 root), -EBADMSG);
			root[HL - 1] ^= 0x80;
		}
	}
	fixture_close(&s.f);
}

static void test_inclusion_rejects_wrong_index_or_size(void **state)
{
	uint8_t roots[REF_MAX + 1][HL];
	struct sweep s;

	(void)state;
	sweep_open(&s);
	for (size_t n = 0; n <= REF_MAX; n++)
		ref_mth((const uint8_t (*)[HL])s.lh, n, roots[n]);
	for (size_t n = 1; n <= REF_MAX; n++) {
		uint8_t root[HL];

		ref_mth((const uint8_t (*)[HL])s.lh, n, root);
		for (size_t m = 0; m < n; m++) {
			uint8_t p[LEDGER_MERKLE_MAX_PROOF][HL];
			size_t len = 0;

			assert_int_equal(ledger_merkle_inclusion_proof(
						 s.f.tree, m, n, p,
						 LEDGER_MERKLE_MAX_PROOF, &len),
					 0);
			for (size_t w = 0; w < n; w++)
				if (w != m)
					assert_int_not_equal(
						ledger_merkle_verify_inclusion(
							s.lh[m], w, n,
							(const uint8_t (*)[HL])p,
							len, root), 0);
			/*
			 * Against its own root a path may fit another size
			 * of the same shape (RFC 9162 binds the size through
			 * the signed checkpoint, not the path), so the claim
			 * tested is: it proves nothing about another tree.
			 */
			for (size_t w = m + 1; w <= REF_MAX; w++)
				if (w != n)
					assert_int_not_equal(
						ledger_merkle_verify_inclusion(
							s.lh[m], m, w,
							(const uint8_t (*)[HL])p,
							len, roots[w]), 0);
			/* A path one hash short or long never holds. */
			if (len)
				assert_int_equal(ledger_merkle_verify_inclusion(
							 s.lh[m], m, n,
							 (const uint8_t (*)[HL])p,
							 len - 1, root), -EBADMSG);
			memcpy(p[len], root, HL);
			assert_int_equal(ledger_merkle_verify_inclusion(
						 s.lh[m], m, n,
						 (const uint8_t (*)[HL])p,
						 len + 1, root), -EBADMSG);
		}
	}
	assert_int_equal(ledger_merkle_verify_inclusion(s.lh[0], 3, 3, NULL, 0,
							s.lh[0]), -EINVAL);
	fixture_close(&s.f);
}

static void test_consistency_rejects_tampering(void **state)
{
	struct sweep s;
	uint8_t roots[REF_MAX + 2][HL];

	(void)state;
	sweep_open(&s);
	for (size_t n = 0; n <= REF_MAX; n++)
		ref_mth((const uint8_t (*)[HL])s.lh, n, roots[n]);
	memset(roots[REF_MAX + 1], 0xaa, HL);
	for (size_t n = 2; n <= REF_MAX; n++)
		for (size_t m = 1; m < n; m++) {
			uint8_t p[LEDGER_MERKLE_MAX_PROOF][HL];
			const uint8_t (*cp)[HL] = (const uint8_t (*)[HL])p;
			size_t len = 0;

			assert_int_equal(ledger_merkle_consistency_proof(
						 s.f.tree, m, n, p,
						 LEDGER_MERKLE_MAX_PROOF, &len),
					 0);
			for (size_t i = 0; i < len; i++) {
				p[i][i % HL] ^= 0x10;
				assert_int_equal(ledger_merkle_verify_consistency(
							 m, n, roots[m], roots[n],
							 cp, len), -EBADMSG);
				p[i][i % HL] ^= 0x10;
			}
			assert_int_equal(ledger_merkle_verify_consistency(
						 m, n, roots[m], roots[n], cp,
						 len - 1), -EBADMSG);
			/* The proof says nothing about other sizes' trees. */
			if (m + 1 < n)
				assert_int_not_equal(
					ledger_merkle_verify_consistency(
						m + 1, n, roots[m + 1],
						roots[n], cp, len), 0);
			assert_int_not_equal(ledger_merkle_verify_consistency(
						     m, n + 1, roots[m],
						     roots[n + 1], cp, len), 0);
			/* Roots swapped for others. */
			assert_int_equal(ledger_merkle_verify_consistency(
						 m, n, roots[m - 1], roots[n],
						 cp, len), -EBADMSG);
			assert_int_equal(ledger_merkle_verify_consistency(
						 m, n, roots[m], roots[n - 1],
						 cp, len), -EBADMSG);
		}
	/* Equal sizes: only the empty proof between equal roots. */
	assert_int_equal(ledger_merkle_verify_consistency(5, 5, roots[5],
							  roots[5], NULL, 0), 0);
	assert_int_equal(ledger_merkle_verify_consistency(5, 5, roots[5],
							  roots[6], NULL, 0),
			 -EBADMSG);
	assert_int_equal(ledger_merkle_verify_consistency(5, 6, roots[5],
							  roots[6], NULL, 0),
			 -EBADMSG);
	assert_int_equal(ledger_merkle_verify_consistency(0, 6, roots[0],
							  roots[6], NULL, 0),
			 -EINVAL);
	assert_int_equal(ledger_merkle_verify_consistency(7, 6, roots[7],
							  roots[6], NULL, 0),
			 -EINVAL);
	fixture_close(&s.f);
}

/* Tests: arguments and the store. */

static void test_proof_requests_out_of_range_fail(void **state)
{
	uint8_t p[LEDGER_MERKLE_MAX_PROOF][HL], root[HL];
	struct sweep s;
	size_t len;

	(void)state;
	sweep_open(&s);
	assert_int_equal(ledger_merkle_root(s.f.tree, REF_MAX + 1, root),
			 -ERANGE);
	assert_int_equal(ledger_merkle_inclusion_proof(s.f.tree, 0, REF_MAX + 1,
						       p, LEDGER_MERKLE_MAX_PROOF,
						       &len), -ERANGE);
	assert_int_equal(ledger_merkle_inclusion_proof(s.f.tree, 5, 5, p,
						       LEDGER_MERKLE_MAX_PROOF,
						       &len), -EINVAL);
	assert_int_equal(ledger_merkle_consistency_proof(s.f.tree, 0, 5, p,
							 LEDGER_MERKLE_MAX_PROOF,
							 &len), -EINVAL);
	assert_int_equal(ledger_merkle_consistency_proof(s.f.tree, 6, 5, p,
							 LEDGER_MERKLE_MAX_PROOF,
							 &len), -EINVAL);
	assert_int_equal(ledger_merkle_consistency_proof(s.f.tree, 5,
							 REF_MAX + 1, p,
							 LEDGER_MERKLE_MAX_PROOF,
							 &len), -ERANGE);
	/* A proof of 6 hashes does not fit in 5. */
	assert_int_equal(ledger_merkle_inclusion_proof(s.f.tree, 0, REF_MAX, p,
						       5, &len), -ENOSPC);
	fixture_close(&s.f);
}

static void test_reopened_tree_matches_at_every_size(void **state)
{
	struct sweep s;

	(void)state;
	sweep_open(&s);
	for (uint64_t n = 0; n <= REF_MAX; n++) {
		const struct ledger_hash_store *ops =
			ledger_mem_store_ops(s.f.store);
		uint8_t want[HL], got[HL];
		struct ledger_merkle *t;

		/* Opening reads the right edge back from the store. */
		assert_int_equal(ledger_merkle_open(&t, ops, n), 0);
		assert_int_equal(ledger_merkle_size(t), n);
		ref_mth((const uint8_t (*)[HL])s.lh, n, want);
		assert_int_equal(ledger_merkle_root(t, n, got), 0);
		assert_memory_equal(got, want, HL);
		ledger_merkle_free(t);
	}
	fixture_close(&s.f);
}

static void test_appending_after_reopen_continues_the_tree(void **state)
{
	struct fixture f;
	struct ledger_merkle *t;
	uint8_t lh[REF_MAX][HL], want[HL], got[HL];

	(void)state;
	fixture_open(&f);
	for (size_t i = 0; i < REF_MAX; i++) {
		char data[32];
		int n = snprintf(data, sizeof(data), "entry %zu", i);

		ref_leaf(data, (size_t)n, lh[i]);
		if (i == 23) {
			/* A restart: the daemon reopens from the store. */
			ledger_merkle_free(f.tree);
			assert_int_equal(ledger_merkle_open(
						 &t, ledger_mem_store_ops(f.store),
						 23), 0);
			f.tree = t;
		}
		assert_int_equal(ledger_merkle_append_hash(f.tree, lh[i], NULL),
				 0);
	}
	ref_mth((const uint8_t (*)[HL])lh, REF_MAX, want);
	assert_int_equal(ledger_merkle_root(f.tree, REF_MAX, got), 0);
	assert_memory_equal(got, want, HL);
	fixture_close(&f);
}

/* A store that forwards to the memory store and fails on demand. */
struct failing_store {
	struct ledger_hash_store ops;
	const struct ledger_hash_store *inner;
	int fail_get, fail_put;
	unsigned long gets;
};

static int failing_get(void *ctx, unsigned int level, uint64_t index,
		       uint8_t hash[HL])
{
	struct failing_store *s = ctx;

	s->gets++;
	if (s->fail_get)
		return -EIO;
	return s->inner->get(s->inner->ctx, level, index, hash);
}

static int failing_put(void *ctx, unsigned int level, uint64_t index,
		       const uint8_t hash[HL])
{
	struct failing_store *s = ctx;

	if (s->fail_put)
		return -EIO;
	return s->inner->put(s->inner->ctx, level, index, hash);
}

static void test_store_errors_reach_the_caller(void **state)
{
	uint8_t p[LEDGER_MERKLE_MAX_PROOF][HL], root[HL];
	struct ledger_mem_store *mem;
	struct failing_store fs = { 0 };
	struct ledger_merkle *t;
	size_t len;

	(void)state;
	assert_int_equal(ledger_mem_store_new(&mem), 0);
	fs.ops = (struct ledger_hash_store){ .ctx = &fs, .get = failing_get,
					     .put = failing_put };
	fs.inner = ledger_mem_store_ops(mem);
	assert_int_equal(ledger_merkle_open(&t, &fs.ops, 0), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(ledger_merkle_append(t, &i, sizeof(i), NULL), 0);
	/* Appending never reads back: the right edge is cached. */
	assert_int_equal(fs.gets, 0);
	fs.fail_put = 1;
	assert_int_equal(ledger_merkle_append(t, "x", 1, NULL), -EIO);
	assert_int_equal(ledger_merkle_size(t), 10);
	fs.fail_put = 0;
	fs.fail_get = 1;
	assert_int_equal(ledger_merkle_root(t, 7, root), -EIO);
	assert_int_equal(ledger_merkle_inclusion_proof(
				 t, 2, 10, p, LEDGER_MERKLE_MAX_PROOF, &len),
			 -EIO);
	ledger_merkle_free(t);
	assert_int_equal(ledger_merkle_open(&t, &fs.ops, 10), -EIO);
	/* A store missing the nodes for the claimed size. */
	fs.fail_get = 0;
	assert_int_equal(ledger_merkle_open(&t, &fs.ops, 1000), -ENOENT);
	ledger_mem_store_free(mem);
}

static void test_proofs_are_logarithmic_in_store_reads(void **state)
{
	struct ledger_mem_store *mem;
	struct failing_store fs = { 0 };
	struct ledger_merkle *t;
	uint8_t p[LEDGER_MERKLE_MAX_PROOF][HL], root[HL], lh[HL];
	const uint64_t n = 100003;

	(void)state;
	assert_int_equal(ledger_mem_store_new(&mem), 0);
	fs.ops = (struct ledger_hash_store){ .ctx = &fs, .get = failing_get,
					     .put = failing_put };
	fs.inner = ledger_mem_store_ops(mem);
	assert_int_equal(ledger_merkle_open(&t, &fs.ops, 0), 0);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(ledger_merkle_append(t, &i, sizeof(i), NULL), 0);
	assert_int_equal(ledger_merkle_root(t, n, root), 0);
	for (uint64_t m = 0; m < n; m += 997) {
		size_t len = 0;

		fs.gets = 0;
		assert_int_equal(ledger_merkle_inclusion_proof(
					 t, m, n, p, LEDGER_MERKLE_MAX_PROOF,
					 &len), 0);
		/* ceil(log2 n) = 17 levels: at most two reads per level. */
		assert_true(fs.gets <= 2 * 17);
		ref_leaf(&m, sizeof(m), lh);
		assert_int_equal(ledger_merkle_verify_inclusion(
					 lh, m, n, (const uint8_t (*)[HL])p, len,
					 root), 0);
	}
	for (uint64_t m = 1; m < n; m += 4999) {
		uint8_t old_root[HL];
		size_t len = 0;

		assert_int_equal(ledger_merkle_root(t, m, old_root), 0);
		fs.gets = 0;
		assert_int_equal(ledger_merkle_consistency_proof(
					 t, m, n, p, LEDGER_MERKLE_MAX_PROOF,
					 &len), 0);
		assert_true(fs.gets <= 3 * 17);
		assert_int_equal(ledger_merkle_verify_consistency(
					 m, n, old_root, root,
					 (const uint8_t (*)[HL])p, len), 0);
	}
	ledger_merkle_free(t);
	ledger_mem_store_free(mem);
}

/* Runner: fixed tests, then the vector tests once per vector file. */

static const struct vec_test vec_tests[] = {
	{ "roots at old, new and empty size", test_vector_roots },
	{ "every inclusion path", test_vector_inclusion_paths },
	{ "the consistency proof", test_vector_consistency_proof },
};

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_leaf_and_node_hash_prefixes),
		cmocka_unit_test(test_vectors_present),
		cmocka_unit_test(test_roots_match_reference_for_sizes_0_to_64),
		cmocka_unit_test(test_appending_gives_each_intermediate_root),
		cmocka_unit_test(test_inclusion_proofs_match_reference_up_to_64),
		cmocka_unit_test(test_inclusion_proofs_verify_up_to_64),
		cmocka_unit_test(test_consistency_proofs_match_reference_up_to_64),
		cmocka_unit_test(test_consistency_proofs_verify_up_to_64),
		cmocka_unit_test(test_inclusion_rejects_any_flipped_proof_bit),
		cmocka_unit_test(test_inclusion_rejects_wrong_index_or_size),
		cmocka_unit_test(test_consistency_rejects_tampering),
		cmocka_unit_test(test_proof_requests_out_of_range_fail),
		cmocka_unit_test(test_reopened_tree_matches_at_every_size),
		cmocka_unit_test(test_appending_after_reopen_continues_the_tree),
		cmocka_unit_test(test_store_errors_reach_the_caller),
		cmocka_unit_test(test_proofs_are_logarithmic_in_store_reads),
	};
	return run_with_vectors("merkle", fixed, sizeof(fixed) / sizeof(fixed[0]),
				vec_tests, sizeof(vec_tests) / sizeof(vec_tests[0]));
}
