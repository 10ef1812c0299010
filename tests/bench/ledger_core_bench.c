// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ledger_core_bench.c - how fast the pure ledger core is.
 *
 * Appends 10^6 leaves to the in-memory store, then measures what a busy
 * node does most: serving inclusion proofs at that size (goal: median and
 * p99 under 100 us), appending (hashing and storing only), and signing
 * and verifying checkpoints. One line per measure, for tests/bench.sh.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "bench.h"
#include "merkle.h"
#include "note.h"

#define LEAVES		1000000
#define SAMPLES		100000
#define SIGN_SECONDS	1.0

/* A fixed-seed xorshift: the same pairs on every run. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void report_latency(const char *what, double *us, size_t n)
{
	qsort(us, n, sizeof(*us), cmp_double);
	printf("ledger %s at %d entries: median %.1f us p99 %.1f us\n", what,
	       LEAVES, us[n / 2], us[n * 99 / 100]);
}

static int die(const char *what, int err)
{
	fprintf(stderr, "ledger_core_bench: %s failed: %d\n", what, err);
	return 1;
}

static int bench_signing(const char *label, uint8_t type, EVP_PKEY *pkey,
			 const char *text, size_t text_len)
{
	struct ledger_note_key k;
	struct ledger_note_result res;
	char note[4096];
	size_t len = 0;
	double t0, t;
	long n = 0;
	int ret;

	ret = ledger_note_key_init(&k, "bench.example/log", type, pkey);
	if (ret)
		return die("key init", ret);
	t0 = now();
	do {
		ret = ledger_note_sign(text, text_len, &k, 1, 1700000000, note,
				       sizeof(note), &len);
		if (ret)
			return die("sign", ret);
		n++;
	} while ((t = now() - t0) < SIGN_SECONDS);
	printf("ledger %s checkpoint signing: %.0f per second\n", label,
	       (double)n / t);
	n = 0;
	t0 = now();
	do {
		ret = ledger_note_open(note, len, &k, 1, 0, &res);
		if (ret)
			return die("open", ret);
		n++;
	} while ((t = now() - t0) < SIGN_SECONDS);
	printf("ledger %s checkpoint verification: %.0f per second\n", label,
	       (double)n / t);
	ledger_note_key_clear(&k);
	return 0;
}

int main(void)
{
	uint8_t proof[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	struct ledger_checkpoint cp = { .size = LEAVES };
	struct ledger_mem_store *mem;
	struct ledger_merkle *t;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	double t0, elapsed, *us;
	char text[512];
	size_t len;
	EVP_PKEY *ed, *ec;
	int ret;

	us = calloc(SAMPLES, sizeof(*us));
	if (!us || ledger_mem_store_new(&mem) ||
	    ledger_merkle_open(&t, ledger_mem_store_ops(mem), 0))
		return die("setup", -1);

	t0 = now();
	for (uint64_t i = 0; i < LEAVES; i++) {
		char entry[64];
		int n = snprintf(entry, sizeof(entry), "entry %" PRIu64, i);

		ret = ledger_merkle_append(t, entry, (size_t)n, NULL);
		if (ret)
			return die("append", ret);
	}
	elapsed = now() - t0;
	printf("ledger appends (hashing, in-memory store): %.0f per second\n",
	       LEAVES / elapsed);

	for (size_t i = 0; i < SAMPLES; i++) {
		uint64_t index = next_rand(&seed) % LEAVES;

		t0 = now();
		ret = ledger_merkle_inclusion_proof(t, index, LEAVES, proof,
						    LEDGER_MERKLE_MAX_PROOF,
						    &len);
		us[i] = (now() - t0) * 1e6;
		if (ret)
			return die("inclusion proof", ret);
	}
	report_latency("inclusion proof", us, SAMPLES);

	for (size_t i = 0; i < SAMPLES; i++) {
		uint64_t old = next_rand(&seed) % (LEAVES - 1) + 1;

		t0 = now();
		ret = ledger_merkle_consistency_proof(t, old, LEAVES, proof,
						      LEDGER_MERKLE_MAX_PROOF,
						      &len);
		us[i] = (now() - t0) * 1e6;
		if (ret)
			return die("consistency proof", ret);
	}
	report_latency("consistency proof", us, SAMPLES);

	for (size_t i = 0; i < SAMPLES; i++) {
		uint64_t index = next_rand(&seed) % LEAVES;
		uint8_t root[LEDGER_HASH_LEN], leaf[LEDGER_HASH_LEN];
		char entry[64];
		int n = snprintf(entry, sizeof(entry), "entry %" PRIu64, index);

		if (ledger_merkle_root(t, LEAVES, root) ||
		    ledger_merkle_inclusion_proof(t, index, LEAVES, proof,
						  LEDGER_MERKLE_MAX_PROOF,
						  &len) ||
		    ledger_merkle_leaf_hash(entry, (size_t)n, leaf))
			return die("proof setup", -1);
		t0 = now();
		ret = ledger_merkle_verify_inclusion(
			leaf, index, LEAVES,
			(const uint8_t (*)[LEDGER_HASH_LEN])proof, len, root);
		us[i] = (now() - t0) * 1e6;
		if (ret)
			return die("inclusion verification", ret);
	}
	report_latency("inclusion proof verification", us, SAMPLES);

	strcpy(cp.origin, "bench.example/log");
	if (ledger_merkle_root(t, LEAVES, cp.root) ||
	    ledger_checkpoint_format(&cp, text, sizeof(text), &len))
		return die("checkpoint", -1);
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!ed || !ec)
		return die("keygen", -1);
	if (bench_signing("Ed25519", LEDGER_NOTE_SIG_ED25519, ed, text, len) ||
	    bench_signing("ECDSA P-256", LEDGER_NOTE_SIG_ECDSA, ec, text, len) ||
	    bench_signing("cosignature", LEDGER_NOTE_SIG_COSIG, ed, text, len))
		return 1;
	EVP_PKEY_free(ed);
	EVP_PKEY_free(ec);
	ledger_merkle_free(t);
	ledger_mem_store_free(mem);
	free(us);
	return 0;
}
