// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_note.c - checkpoints and signed notes against the C2SP vectors, and
 * the strictness of the parsers.
 *
 * From each JSON file in tests/vectors/tlog (or $SZKM_VECTORS/tlog): the
 * verifier keys parse and keep their key IDs, the checkpoint body parses
 * and formats back byte for byte, and the log's and every cosigner's
 * signature verify. With keys made here: every signature type round-trips,
 * what a cosignature signs is checked with OpenSSL directly, and each way
 * a note can be malformed is refused.
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
#include <openssl/x509.h>

#include "note.h"

#define BUF 8192

/* Vectors. */

#include "tlog_vectors.h"

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

static size_t b64dec(const char *s, size_t n, uint8_t *out)
{
	uint8_t tmp[BUF];
	int got;
	size_t len;

	assert_true(n / 4 * 3 <= sizeof(tmp));
	got = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
	assert_true(got >= 0);
	len = (size_t)got - (n && s[n - 1] == '=') - (n > 1 && s[n - 2] == '=');
	memcpy(out, tmp, len);
	return len;
}

static void parse_key(struct ledger_note_key *k, const char *vkey)
{
	assert_int_equal(ledger_note_key_parse(k, vkey, strlen(vkey)), 0);
}

/* The vector's keys: [0] the log, [1..] the cosigners. */
static size_t vector_keys(json_t *j, struct ledger_note_key *keys)
{
	json_t *w = json_object_get(j, "witness_vkeys"), *v;
	size_t i, n = 1;

	parse_key(&keys[0], jstr(j, "log_vkey"));
	json_array_foreach(w, i, v)
		parse_key(&keys[n++], json_string_value(v));
	return n;
}

static void clear_keys(struct ledger_note_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ledger_note_key_clear(&keys[i]);
}

/* Keys made here. */

static EVP_PKEY *gen_ed25519(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	assert_non_null(k);
	return k;
}

static EVP_PKEY *gen_p256(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	assert_non_null(k);
	return k;
}

static void make_key(struct ledger_note_key *k, const char *name,
		     uint8_t type, EVP_PKEY *pkey)
{
	assert_int_equal(ledger_note_key_init(k, name, type, pkey), 0);
	/* The key struct holds its own reference. */
	EVP_PKEY_free(pkey);
}

static const char body[] =
	"example.org/log\n42\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

/* A note over body signed by an Ed25519 log key. */
struct signed_fixture {
	struct ledger_note_key log;
	char note[BUF];
	size_t len;
};

static void signed_fixture(struct signed_fixture *f)
{
	make_key(&f->log, "example.org/log", LEDGER_NOTE_SIG_ED25519,
		 gen_ed25519());
	assert_int_equal(ledger_note_sign(body, strlen(body), &f->log, 1, 0,
					  f->note, sizeof(f->note), &f->len),
			 0);
}

static int open_note(const char *note, const struct ledger_note_key *keys,
		     size_t n)
{
	struct ledger_note_result res;

	return ledger_note_open(note, strlen(note), keys, n, 0, &res);
}

/* Tests: vectors. */

static void test_vectors_present(void **state)
{
	(void)state;
	if (nvecs == 0)
		fail_msg("no tlog vectors under %s/tlog (set SZKM_VECTORS)",
			 vectors_dir());
}

static void test_vector_vkeys_parse_and_format_back(void **state)
{
	struct vec_file *v = *state;
	struct ledger_note_key keys[8];
	json_t *w = json_object_get(v->json, "witness_vkeys");
	size_t n = vector_keys(v->json, keys);

	for (size_t i = 0; i < n; i++) {
		const char *s = i ? json_string_value(json_array_get(w, i - 1)) :
				    jstr(v->json, "log_vkey");
		const char *p1 = strchr(s, '+');
		char out[BUF], hex[9];
		size_t len;

		/* The key ID printed in the vkey is the one computed. */
		snprintf(hex, sizeof(hex), "%08x", keys[i].id);
		assert_memory_equal(p1 + 1, hex, 8);
		assert_int_equal(ledger_note_key_format(&keys[i], out,
							sizeof(out), &len), 0);
		assert_string_equal(out, s);
		assert_int_equal(len, strlen(s));
		/* Cosigners are type 0x04, the log key 0x01 or 0x02. */
		assert_int_equal(keys[i].type, i ? LEDGER_NOTE_SIG_COSIG :
					       keys[0].type);
	}
	assert_true(keys[0].type == LEDGER_NOTE_SIG_ED25519 ||
		    keys[0].type == LEDGER_NOTE_SIG_ECDSA);
	clear_keys(keys, n);
}

static void test_vector_checkpoint_body_round_trips(void **state)
{
	struct vec_file *v = *state;
	const char *note = jstr(v->json, "checkpoint");
	struct ledger_checkpoint cp;
	struct ledger_note_result res;
	uint8_t root[LEDGER_HASH_LEN];
	const char *want = jstr(v->json, "new_root");
	char out[BUF];
	size_t len;

	/* No keys: the form is still checked and the text located. */
	assert_int_equal(ledger_note_open(note, strlen(note), NULL, 0, 0, &res),
			 -ENOKEY);
	assert_int_equal(res.nsigs, 1 + json_array_size(json_object_get(
						v->json, "witness_vkeys")));
	assert_int_equal(ledger_checkpoint_parse(note, res.text_len, &cp), 0);
	assert_string_equal(cp.origin, jstr(v->json, "origin"));
	assert_int_equal(cp.size,
			 json_integer_value(json_object_get(v->json, "new_size")));
	assert_int_equal(b64dec(want, strlen(want), root), LEDGER_HASH_LEN);
	assert_memory_equal(cp.root, root, LEDGER_HASH_LEN);
	assert_null(cp.ext);
	assert_int_equal(ledger_checkpoint_format(&cp, out, sizeof(out), &len),
			 0);
	assert_int_equal(len, res.text_len);
	assert_memory_equal(out, note, len);
}

static void test_vector_log_signature_verifies(void **state)
{
	struct vec_file *v = *state;
	const char *note = jstr(v->json, "checkpoint");
	struct ledger_note_key keys[8];
	struct ledger_note_result res;
	size_t n = vector_keys(v->json, keys);

	assert_int_equal(ledger_note_open(note, strlen(note), keys, 1, 0, &res),
			 0);
	assert_int_equal(res.valid, 1);
	clear_keys(keys, n);
}

static void test_vector_every_cosignature_verifies(void **state)
{
	struct vec_file *v = *state;
	const char *note = jstr(v->json, "checkpoint");
	struct ledger_note_key keys[8];
	struct ledger_note_result res;
	size_t n = vector_keys(v->json, keys);

	assert_true(n >= 2);
	for (size_t i = 1; i < n; i++) {
		/* Each cosigner alone, so none hides behind another. */
		assert_int_equal(ledger_note_open(note, strlen(note), &keys[i],
						  1, 0, &res), 0);
		assert_int_equal(res.valid, 1);
		assert_true(res.timestamp[0] > 0);
		assert_true(res.timestamp[0] <= INT64_MAX);
	}
	assert_int_equal(ledger_note_open(note, strlen(note), keys, n, 0, &res),
			 0);
	assert_int_equal(res.valid, ((uint64_t)1 << n) - 1);
	clear_keys(keys, n);
}

static void test_vector_tampered_body_is_rejected(void **state)
{
	struct vec_file *v = *state;
	const char *orig = jstr(v->json, "checkpoint");
	struct ledger_note_key keys[8];
	struct ledger_note_result res;
	size_t n = vector_keys(v->json, keys);
	char *note = strdup(orig);
	char *size_line = strchr(note, '\n') + 1;

	/* 13 -> 14: still a well-formed checkpoint, no longer the signed one. */
	assert_non_null(note);
	size_line[1]++;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ledger_note_open(note, strlen(note), &keys[i],
						  1, 0, &res), -EBADMSG);
	free(note);
	clear_keys(keys, n);
}

/* Tests: signing with keys made here. */

static void test_ed25519_key_id_follows_signed_note(void **state)
{
	struct ledger_note_key k;
	uint8_t pub[32], buf[64], md[32];
	size_t len = sizeof(pub), n = 0;
	const char *name = "example.org/log";
	unsigned int mdlen;

	(void)state;
	make_key(&k, name, LEDGER_NOTE_SIG_ED25519, gen_ed25519());
	assert_true(EVP_PKEY_get_raw_public_key(k.pkey, pub, &len));
	memcpy(buf, name, strlen(name));
	n = strlen(name);
	buf[n++] = '\n';
	buf[n++] = 0x01;
	memcpy(buf + n, pub, 32);
	n += 32;
	assert_true(EVP_Digest(buf, n, md, &mdlen, EVP_sha256(), NULL));
	assert_int_equal(k.id, (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 |
				       (uint32_t)md[2] << 8 | md[3]);
	ledger_note_key_clear(&k);
}

static void test_ecdsa_key_id_hashes_the_spki(void **state)
{
	struct ledger_note_key k;
	unsigned char *der = NULL;
	uint8_t md[32];
	unsigned int mdlen;
	int n;

	(void)state;
	make_key(&k, "example.org/tpm-node", LEDGER_NOTE_SIG_ECDSA, gen_p256());
	n = i2d_PUBKEY(k.pkey, &der);
	assert_true(n > 0);
	assert_true(EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL));
	assert_int_equal(k.id, (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 |
				       (uint32_t)md[2] << 8 | md[3]);
	OPENSSL_free(der);
	ledger_note_key_clear(&k);
}

/* Signs body with @type, then checks that only the public half verifies. */
static void round_trip(uint8_t type, EVP_PKEY *pkey)
{
	struct ledger_note_key signer, verifier;
	struct ledger_note_result res;
	char note[BUF], vkey[BUF];
	size_t len, vlen;

	make_key(&signer, "example.org/node", type, pkey);
	assert_int_equal(ledger_note_sign(body, strlen(body), &signer, 1,
					  1700000000, note, sizeof(note), &len),
			 0);
	assert_int_equal(strlen(note), len);
	assert_int_equal(ledger_note_key_format(&signer, vkey, sizeof(vkey),
						&vlen), 0);
	parse_key(&verifier, vkey);
	assert_int_equal(verifier.id, signer.id);
	assert_int_equal(ledger_note_open(note, len, &verifier, 1, 0, &res), 0);
	assert_int_equal(res.valid, 1);
	assert_int_equal(res.text_len, strlen(body));
	assert_int_equal(res.timestamp[0],
			 type == LEDGER_NOTE_SIG_COSIG ? 1700000000 : 0);
	ledger_note_key_clear(&signer);
	ledger_note_key_clear(&verifier);
}

static void test_ed25519_note_round_trips(void **state)
{
	(void)state;
	round_trip(LEDGER_NOTE_SIG_ED25519, gen_ed25519());
}

static void test_ecdsa_p256_note_round_trips(void **state)
{
	(void)state;
	round_trip(LEDGER_NOTE_SIG_ECDSA, gen_p256());
}

static void test_cosignature_note_round_trips(void **state)
{
	(void)state;
	round_trip(LEDGER_NOTE_SIG_COSIG, gen_ed25519());
}

static void test_cosignature_signs_header_time_and_body(void **state)
{
	struct ledger_note_key k;
	char line[BUF], msg[BUF];
	uint8_t sig[BUF];
	const char *b64;
	EVP_MD_CTX *ctx;
	size_t len, n;
	int mlen;

	(void)state;
	make_key(&k, "witness.example/w9", LEDGER_NOTE_SIG_COSIG,
		 gen_ed25519());
	assert_int_equal(ledger_note_sign_line(&k, body, strlen(body),
					       1679315147, line, sizeof(line),
					       &len), 0);
	assert_memory_equal(line, "\xe2\x80\x94 witness.example/w9 ", 23);
	b64 = line + 23;
	n = b64dec(b64, strlen(b64) - 1, sig);
	/* key ID || 8-byte big-endian time || 64-byte Ed25519 signature */
	assert_int_equal(n, 4 + 8 + 64);
	assert_int_equal((uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 |
				 (uint32_t)sig[2] << 8 | sig[3], k.id);
	assert_memory_equal(sig + 4, "\0\0\0\0\x64\x18\x50\xcb", 8);
	mlen = snprintf(msg, sizeof(msg), "cosignature/v1\ntime 1679315147\n%s",
			body);
	ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k.pkey), 1);
	assert_int_equal(EVP_DigestVerify(ctx, sig + 12, 64,
					  (const uint8_t *)msg, (size_t)mlen),
			 1);
	EVP_MD_CTX_free(ctx);
	/* Timestamps past 2^63 - 1 are not representable. */
	assert_int_equal(ledger_note_sign_line(&k, body, strlen(body),
					       (uint64_t)INT64_MAX + 1, line,
					       sizeof(line), &len), -EINVAL);
	ledger_note_key_clear(&k);
}

static void test_cosigners_add_lines_for_k_of_n(void **state)
{
	struct signed_fixture f;
	struct ledger_note_key w[3], all[4];
	struct ledger_note_result res;
	char a[BUF], b[BUF];
	size_t alen, blen;

	(void)state;
	signed_fixture(&f);
	for (int i = 0; i < 3; i++) {
		char name[32];

		snprintf(name, sizeof(name), "witness.example/w%d", i + 1);
		make_key(&w[i], name, LEDGER_NOTE_SIG_COSIG, gen_ed25519());
	}
	assert_int_equal(ledger_note_cosign(f.note, f.len, &w[0], 100, a,
					    sizeof(a), &alen), 0);
	assert_int_equal(ledger_note_cosign(a, alen, &w[2], 300, b, sizeof(b),
					    &blen), 0);
	/* A cosigner signs once. */
	assert_int_equal(ledger_note_cosign(b, blen, &w[0], 101, a, sizeof(a),
					    &alen), -EEXIST);
	all[0] = f.log;
	memcpy(&all[1], w, sizeof(w));
	assert_int_equal(ledger_note_open(b, blen, all, 4, 0, &res), 0);
	/* The log and w1, w3 signed; w2 did not: 2 of 3 cosigners. */
	assert_int_equal(res.valid, 0x1 | 0x2 | 0x8);
	assert_int_equal(res.timestamp[1], 100);
	assert_int_equal(res.timestamp[3], 300);
	assert_int_equal(res.nsigs, 3);
	clear_keys(w, 3);
	ledger_note_key_clear(&f.log);
}

static void test_signing_needs_a_key_of_the_right_kind(void **state)
{
	struct ledger_note_key k;
	EVP_PKEY *ed = gen_ed25519(), *ec = gen_p256();
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");

	(void)state;
	assert_non_null(p384);
	assert_int_equal(ledger_note_key_init(&k, "a.example/x",
					      LEDGER_NOTE_SIG_ECDSA, ed),
			 -EINVAL);
	assert_int_equal(ledger_note_key_init(&k, "a.example/x",
					      LEDGER_NOTE_SIG_ED25519, ec),
			 -EINVAL);
	assert_int_equal(ledger_note_key_init(&k, "a.example/x",
					      LEDGER_NOTE_SIG_ECDSA, p384),
			 -EINVAL);
	assert_int_equal(ledger_note_key_init(&k, "a.example/x", 0x05, ed),
			 -EOPNOTSUPP);
	/* Key names hold no spaces (ASCII or not) and no '+'. */
	assert_int_equal(ledger_note_key_init(&k, "a example",
					      LEDGER_NOTE_SIG_ED25519, ed),
			 -EINVAL);
	assert_int_equal(ledger_note_key_init(&k, "a\xc2\xa0" "b",
					      LEDGER_NOTE_SIG_ED25519, ed),
			 -EINVAL);
	assert_int_equal(ledger_note_key_init(&k, "a+b",
					      LEDGER_NOTE_SIG_ED25519, ed),
			 -EINVAL);
	assert_int_equal(ledger_note_key_init(&k, "",
					      LEDGER_NOTE_SIG_ED25519, ed),
			 -EINVAL);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(p384);
}

/* Tests: verification outcomes. */

static void test_unknown_keys_are_ignored(void **state)
{
	struct signed_fixture f, g;
	struct ledger_note_key other, same_name, keys[2];
	struct ledger_note_result res;
	char note[BUF];
	size_t len;

	(void)state;
	signed_fixture(&f);
	signed_fixture(&g);
	/* Only a stranger's key: nothing known verified. */
	make_key(&other, "example.org/other", LEDGER_NOTE_SIG_ED25519,
		 gen_ed25519());
	assert_int_equal(open_note(f.note, &other, 1), -ENOKEY);
	/* Same name, other key: the key ID differs, so it is not ours. */
	same_name = g.log;
	assert_int_equal(open_note(f.note, &same_name, 1), -ENOKEY);
	/* A line by a stranger next to a known one changes nothing. */
	assert_int_equal(ledger_note_cosign(f.note, f.len, &other, 0, note,
					    sizeof(note), &len), 0);
	keys[0] = f.log;
	keys[1] = g.log;
	assert_int_equal(ledger_note_open(note, len, keys, 2, 0, &res), 0);
	assert_int_equal(res.valid, 1);
	assert_int_equal(res.nsigs, 2);
	ledger_note_key_clear(&other);
	ledger_note_key_clear(&f.log);
	ledger_note_key_clear(&g.log);
}

static void test_known_key_with_bad_signature_rejects_note(void **state)
{
	struct signed_fixture f;
	struct ledger_note_key impostor;
	struct ledger_note_result res;
	char *sig;

	(void)state;
	signed_fixture(&f);
	/* Flip a bit in the signature bytes, after the key ID. */
	sig = strrchr(f.note, ' ') + 1 + 8;
	*sig = *sig == 'A' ? 'B' : 'A';
	assert_int_equal(ledger_note_open(f.note, f.len, &f.log, 1, 0, &res),
			 -EBADMSG);
	/* A rejected note reports no signer as valid. */
	assert_int_equal(res.valid, 0);
	ledger_note_key_clear(&f.log);
	/* A key with the right name and ID but another key pair. */
	signed_fixture(&f);
	make_key(&impostor, "example.org/log", LEDGER_NOTE_SIG_ED25519,
		 gen_ed25519());
	impostor.id = f.log.id;
	assert_int_equal(open_note(f.note, &impostor, 1), -EBADMSG);
	ledger_note_key_clear(&impostor);
	ledger_note_key_clear(&f.log);
}

/* Tests: malformed notes. */

static void expect_malformed(const struct signed_fixture *f,
			     const char *note, int err)
{
	assert_int_equal(open_note(note, &f->log, 1), err);
}

/* The fixture's note with @from (first occurrence) replaced by @to. */
static void edit(const struct signed_fixture *f, const char *from,
		 const char *to, char *out)
{
	const char *p = strstr(f->note, from);

	assert_non_null(p);
	snprintf(out, BUF, "%.*s%s%s", (int)(p - f->note), f->note, to,
		 p + strlen(from));
}

static void test_note_without_blank_line_is_malformed(void **state)
{
	struct signed_fixture f;
	char note[BUF];

	(void)state;
	signed_fixture(&f);
	assert_int_equal(open_note(f.note, &f.log, 1), 0);
	edit(&f, "=\n\n", "=\n", note);
	expect_malformed(&f, note, -EINVAL);
	ledger_note_key_clear(&f.log);
}

static void test_note_with_two_blank_lines_is_malformed(void **state)
{
	struct signed_fixture f;
	char note[BUF];

	(void)state;
	signed_fixture(&f);
	edit(&f, "=\n\n", "=\n\n\n", note);
	expect_malformed(&f, note, -EINVAL);
	ledger_note_key_clear(&f.log);
}

static void test_note_with_bad_signature_base64_is_malformed(void **state)
{
	struct signed_fixture f;
	const char *b64;
	char note[BUF], bad[BUF];
	size_t n;

	(void)state;
	signed_fixture(&f);
	b64 = strrchr(f.note, ' ') + 1;
	n = strlen(b64) - 1;
	/* 4 + 64 bytes: 92 characters ending in one '=', 2 spare bits. */
	assert_int_equal(n, 92);
	assert_int_equal(b64[n - 1], '=');
	/* A character outside the alphabet. */
	snprintf(bad, sizeof(bad), "%.*s*%s", 10, b64, b64 + 11);
	edit(&f, b64, bad, note);
	expect_malformed(&f, note, -EINVAL);
	/* The padding dropped. */
	snprintf(bad, sizeof(bad), "%.*s\n", (int)n - 1, b64);
	edit(&f, b64, bad, note);
	expect_malformed(&f, note, -EINVAL);
	/* Non-zero padding bits: same bytes, non-canonical text. */
	snprintf(bad, sizeof(bad), "%.*s%c=\n", (int)n - 2, b64,
		 (b64[n - 2] == 'A' || b64[n - 2] == 'Q' || b64[n - 2] == 'g' ||
		  b64[n - 2] == 'w') ? b64[n - 2] + 1 : b64[n - 2] - 1);
	edit(&f, b64, bad, note);
	expect_malformed(&f, note, -EINVAL);
	/* Base64 of fewer than 5 bytes: no room for key ID and signature. */
	edit(&f, b64, "AAAAAA==\n", note);
	expect_malformed(&f, note, -EINVAL);
	ledger_note_key_clear(&f.log);
}

static void test_note_with_duplicate_signature_line_is_malformed(void **state)
{
	struct signed_fixture f;
	char note[BUF];
	const char *line;

	(void)state;
	signed_fixture(&f);
	line = strstr(f.note, "\xe2\x80\x94");
	snprintf(note, sizeof(note), "%s%s", f.note, line);
	expect_malformed(&f, note, -EINVAL);
	ledger_note_key_clear(&f.log);
}

static void test_oversized_notes_are_refused(void **state)
{
	struct signed_fixture f;
	struct ledger_note_result res;
	struct ledger_note_key w[4];
	char *big, a[BUF], b[BUF];
	size_t alen, blen;

	(void)state;
	signed_fixture(&f);
	/* Over the whole-note limit. */
	big = malloc(LEDGER_NOTE_MAX_SIZE + 2 * BUF);
	assert_non_null(big);
	memset(big, 'x', LEDGER_NOTE_MAX_SIZE);
	for (size_t i = 100; i < LEDGER_NOTE_MAX_SIZE; i += 100)
		big[i] = '\n';
	strcpy(big + LEDGER_NOTE_MAX_SIZE, "\n");
	strcat(big, strstr(f.note, "\n\n") + 1);
	assert_int_equal(ledger_note_open(big, strlen(big), &f.log, 1, 0, &res),
			 -E2BIG);
	/* One line over the line limit. */
	memset(big, 'x', LEDGER_NOTE_MAX_LINE + 1);
	strcpy(big + LEDGER_NOTE_MAX_LINE + 1, f.note);
	assert_int_equal(ledger_note_open(big, strlen(big), &f.log, 1, 0, &res),
			 -E2BIG);
	free(big);
	/* More signatures than the caller allows. */
	memcpy(a, f.note, f.len + 1);
	alen = f.len;
	for (int i = 0; i < 4; i++) {
		char name[32];

		snprintf(name, sizeof(name), "witness.example/w%d", i);
		make_key(&w[i], name, LEDGER_NOTE_SIG_COSIG, gen_ed25519());
		assert_int_equal(ledger_note_cosign(a, alen, &w[i], 1, b,
						    sizeof(b), &blen), 0);
		memcpy(a, b, blen + 1);
		alen = blen;
	}
	assert_int_equal(ledger_note_open(a, alen, &f.log, 1, 4, &res), -E2BIG);
	assert_int_equal(ledger_note_open(a, alen, &f.log, 1, 5, &res), 0);
	clear_keys(w, 4);
	ledger_note_key_clear(&f.log);
}

static void test_note_with_trailing_junk_is_malformed(void **state)
{
	struct signed_fixture f;
	char note[BUF + 16];

	(void)state;
	signed_fixture(&f);
	snprintf(note, sizeof(note), "%sjunk", f.note);
	expect_malformed(&f, note, -EINVAL);
	snprintf(note, sizeof(note), "%sjunk\n", f.note);
	expect_malformed(&f, note, -EINVAL);
	snprintf(note, sizeof(note), "%s\n", f.note);
	expect_malformed(&f, note, -EINVAL);
	/* The final newline cut off. */
	snprintf(note, sizeof(note), "%.*s", (int)f.len - 1, f.note);
	expect_malformed(&f, note, -EINVAL);
	ledger_note_key_clear(&f.log);
}

static void test_signature_line_must_start_with_em_dash(void **state)
{
	struct signed_fixture f;
	char note[BUF];

	(void)state;
	signed_fixture(&f);
	edit(&f, "\xe2\x80\x94 ", "- ", note);
	expect_malformed(&f, note, -EINVAL);
	edit(&f, "\xe2\x80\x94 ", "\xe2\x80\x93 ", note); /* en dash */
	expect_malformed(&f, note, -EINVAL);
	edit(&f, "\xe2\x80\x94 ", "\xe2\x80\x94", note);
	expect_malformed(&f, note, -EINVAL);
	edit(&f, "\xe2\x80\x94 example.org/log ", "\xe2\x80\x94  ", note);
	expect_malformed(&f, note, -EINVAL);
	ledger_note_key_clear(&f.log);
}

static void test_note_without_signatures_is_malformed(void **state)
{
	struct signed_fixture f;
	char note[BUF];

	(void)state;
	signed_fixture(&f);
	snprintf(note, sizeof(note), "%s\n", body);
	expect_malformed(&f, note, -EINVAL);
	expect_malformed(&f, body, -EINVAL);
	expect_malformed(&f, "", -EINVAL);
	ledger_note_key_clear(&f.log);
}

static void test_control_chars_and_bad_utf8_are_malformed(void **state)
{
	struct signed_fixture f;
	char note[BUF];

	(void)state;
	signed_fixture(&f);
	edit(&f, "example.org/log\n42", "example.org/log\r\n42", note);
	expect_malformed(&f, note, -EINVAL);
	edit(&f, "example.org/log\n42", "example.org/l\togg\n42", note);
	expect_malformed(&f, note, -EINVAL);
	edit(&f, "example.org/log\n42", "example.org/l\xc0\xafg\n42", note);
	expect_malformed(&f, note, -EINVAL);
	edit(&f, "example.org/log\n42", "example.org/l\xed\xa0\x80g\n42", note);
	expect_malformed(&f, note, -EINVAL);
	/* Signing refuses such text as well. */
	assert_int_equal(ledger_note_sign("a\x01\n", 3, &f.log, 1, 0, note,
					  sizeof(note), &(size_t){ 0 }),
			 -EINVAL);
	assert_int_equal(ledger_note_sign("a\n\n", 3, &f.log, 1, 0, note,
					  sizeof(note), &(size_t){ 0 }),
			 -EINVAL);
	assert_int_equal(ledger_note_sign("a", 1, &f.log, 1, 0, note,
					  sizeof(note), &(size_t){ 0 }),
			 -EINVAL);
	ledger_note_key_clear(&f.log);
}

/* Tests: checkpoint bodies. */

static int parse_cp(const char *text, struct ledger_checkpoint *cp)
{
	return ledger_checkpoint_parse(text, strlen(text), cp);
}

static void test_checkpoint_round_trips_with_extensions(void **state)
{
	struct ledger_checkpoint cp = { .size = 0 }, back;
	char out[BUF];
	size_t len;

	(void)state;
	strcpy(cp.origin, "example.org/log");
	memset(cp.root, 0xab, sizeof(cp.root));
	cp.ext = "ext one\next two\n";
	cp.ext_len = strlen(cp.ext);
	assert_int_equal(ledger_checkpoint_format(&cp, out, sizeof(out), &len),
			 0);
	assert_string_equal(out, "example.org/log\n0\n"
				 "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n"
				 "ext one\next two\n");
	assert_int_equal(parse_cp(out, &back), 0);
	assert_string_equal(back.origin, cp.origin);
	assert_int_equal(back.size, 0);
	assert_memory_equal(back.root, cp.root, LEDGER_HASH_LEN);
	assert_int_equal(back.ext_len, cp.ext_len);
	assert_memory_equal(back.ext, cp.ext, cp.ext_len);
	cp.size = UINT64_MAX;
	cp.ext = NULL;
	cp.ext_len = 0;
	assert_int_equal(ledger_checkpoint_format(&cp, out, sizeof(out), &len),
			 0);
	assert_int_equal(parse_cp(out, &back), 0);
	assert_int_equal(back.size, UINT64_MAX);
	/* Short buffers say so. */
	assert_int_equal(ledger_checkpoint_format(&cp, out, 20, &len), -ENOSPC);
	/* Empty origin, or an empty extension line, cannot be written. */
	cp.origin[0] = '\0';
	assert_int_equal(ledger_checkpoint_format(&cp, out, sizeof(out), &len),
			 -EINVAL);
	strcpy(cp.origin, "example.org/log");
	cp.ext = "a\n\nb\n";
	cp.ext_len = 5;
	assert_int_equal(ledger_checkpoint_format(&cp, out, sizeof(out), &len),
			 -EINVAL);
}

static void test_checkpoint_size_line_is_strict(void **state)
{
	static const char *const bad[] = {
		"01", "+1", "-1", " 1", "1 ", "0x10", "", "1a",
		"18446744073709551616", "99999999999999999999",
	};
	struct ledger_checkpoint cp;
	char text[BUF];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "o\n%s\n%s\n", bad[i],
			 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
		assert_int_equal(parse_cp(text, &cp), -EINVAL);
	}
	snprintf(text, sizeof(text), "o\n18446744073709551615\n%s\n",
		 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
	assert_int_equal(parse_cp(text, &cp), 0);
	assert_int_equal(cp.size, UINT64_MAX);
}

static void test_checkpoint_root_line_is_strict(void **state)
{
	static const char *const bad[] = {
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",	 /* unpadded */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", /* stray bits */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=AAAA",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",	 /* 30 bytes */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-=", /* base64url */
		"AAECAwQFBgcICQoLDA0ODxAREhMU FRYXGBkaGxwdHh8=",
	};
	struct ledger_checkpoint cp;
	char text[BUF];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "o\n1\n%s\n", bad[i]);
		assert_int_equal(parse_cp(text, &cp), -EINVAL);
	}
}

static void test_checkpoint_lines_are_all_required(void **state)
{
	struct ledger_checkpoint cp;
	const char *root = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
	char text[BUF];

	(void)state;
	assert_int_equal(parse_cp("o\n1\n", &cp), -EINVAL);
	snprintf(text, sizeof(text), "\n1\n%s\n", root);
	assert_int_equal(parse_cp(text, &cp), -EINVAL);
	snprintf(text, sizeof(text), "o\n1\n%s", root);
	assert_int_equal(parse_cp(text, &cp), -EINVAL);
	snprintf(text, sizeof(text), "o\n1\n%s\n\next\n", root);
	assert_int_equal(parse_cp(text, &cp), -EINVAL);
	snprintf(text, sizeof(text), "o\n1\n%s\next\n", root);
	assert_int_equal(parse_cp(text, &cp), 0);
	assert_int_equal(cp.ext_len, 4);
}

/* Tests: verifier key strings. */

static void test_malformed_vkeys_are_refused(void **state)
{
	struct ledger_note_key k, good;
	char vkey[BUF], bad[BUF];
	size_t len;
	char *p;

	(void)state;
	make_key(&good, "example.org/log", LEDGER_NOTE_SIG_ED25519,
		 gen_ed25519());
	assert_int_equal(ledger_note_key_format(&good, vkey, sizeof(vkey),
						&len), 0);
	assert_int_equal(ledger_note_key_parse(&k, vkey, len), 0);
	ledger_note_key_clear(&k);
	/* A key ID that does not match. */
	strcpy(bad, vkey);
	p = strchr(bad, '+') + 1;
	*p = *p == '0' ? '1' : '0';
	assert_int_equal(ledger_note_key_parse(&k, bad, strlen(bad)), -EINVAL);
	/* Seven hex digits, or not hex. */
	snprintf(bad, sizeof(bad), "example.org/log+%.7s+%s", strchr(vkey, '+') + 1,
		 strchr(strchr(vkey, '+') + 1, '+') + 1);
	assert_int_equal(ledger_note_key_parse(&k, bad, strlen(bad)), -EINVAL);
	assert_int_equal(ledger_note_key_parse(&k, "n+zzzzzzzz+AQ==", 15),
			 -EINVAL);
	/* No '+' at all, or only one. */
	assert_int_equal(ledger_note_key_parse(&k, "example.org/log", 15),
			 -EINVAL);
	assert_int_equal(ledger_note_key_parse(&k, "n+00000000", 10), -EINVAL);
	/* A 31-byte Ed25519 key, and a type not known here. */
	assert_int_equal(ledger_note_key_parse(
				 &k, "n+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
				 55), -EINVAL);
	assert_int_equal(ledger_note_key_parse(
				 &k, "n+00000000+BQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
				 55), -EOPNOTSUPP);
	/* A name with a space. */
	snprintf(bad, sizeof(bad), "a b%s", strchr(vkey, '+'));
	assert_int_equal(ledger_note_key_parse(&k, bad, strlen(bad)), -EINVAL);
	ledger_note_key_clear(&good);
}

/* Runner: fixed tests, then the vector tests once per vector file. */

static const struct vec_test vec_tests[] = {
	{ "verifier keys parse, match their key IDs, format back",
	  test_vector_vkeys_parse_and_format_back },
	{ "checkpoint body parses and formats back",
	  test_vector_checkpoint_body_round_trips },
	{ "log signature verifies", test_vector_log_signature_verifies },
	{ "every cosignature verifies", test_vector_every_cosignature_verifies },
	{ "tampered body fails every signature",
	  test_vector_tampered_body_is_rejected },
};

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_vectors_present),
		cmocka_unit_test(test_ed25519_key_id_follows_signed_note),
		cmocka_unit_test(test_ecdsa_key_id_hashes_the_spki),
		cmocka_unit_test(test_ed25519_note_round_trips),
		cmocka_unit_test(test_ecdsa_p256_note_round_trips),
		cmocka_unit_test(test_cosignature_note_round_trips),
		cmocka_unit_test(test_cosignature_signs_header_time_and_body),
		cmocka_unit_test(test_cosigners_add_lines_for_k_of_n),
		cmocka_unit_test(test_signing_needs_a_key_of_the_right_kind),
		cmocka_unit_test(test_unknown_keys_are_ignored),
		cmocka_unit_test(test_known_key_with_bad_signature_rejects_note),
		cmocka_unit_test(test_note_without_blank_line_is_malformed),
		cmocka_unit_test(test_note_with_two_blank_lines_is_malformed),
		cmocka_unit_test(test_note_with_bad_signature_base64_is_malformed),
		cmocka_unit_test(test_note_with_duplicate_signature_line_is_malformed),
		cmocka_unit_test(test_oversized_notes_are_refused),
		cmocka_unit_test(test_note_with_trailing_junk_is_malformed),
		cmocka_unit_test(test_signature_line_must_start_with_em_dash),
		cmocka_unit_test(test_note_without_signatures_is_malformed),
		cmocka_unit_test(test_control_chars_and_bad_utf8_are_malformed),
		cmocka_unit_test(test_checkpoint_round_trips_with_extensions),
		cmocka_unit_test(test_checkpoint_size_line_is_strict),
		cmocka_unit_test(test_checkpoint_root_line_is_strict),
		cmocka_unit_test(test_checkpoint_lines_are_all_required),
		cmocka_unit_test(test_malformed_vkeys_are_refused),
	};
	return run_with_vectors("note", fixed, sizeof(fixed) / sizeof(fixed[0]),
				vec_tests, sizeof(vec_tests) / sizeof(vec_tests[0]));
}
