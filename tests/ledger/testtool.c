// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * testtool.c - what the ledger's shell tests need from C.
 *
 *   keygen FILE                 a P-256 device key (PEM)
 *   pubhex FILE                 its public point, hex
 *   devid FILE                  its device id, hex
 *   events FILE COUNT [NKEYS]   control lines "event <body> <sig>" for the
 *                               device's first COUNT events
 *   verify-note VKEY FILE       verifies a signed checkpoint with the
 *                               verifier key; prints "<size> <root hex>"
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "note.h"
#include "../unit/test_ledger_util.h"
#include "libszkm.h"

static EVP_PKEY *read_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (!f) {
		perror(path);
		exit(1);
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!k) {
		fprintf(stderr, "%s: no private key\n", path);
		exit(1);
	}
	return k;
}

static struct tdev device(const char *path)
{
	EVP_PKEY *k = read_key(path);
	struct tdev d;

	if (tdev_init(&d, k)) {
		fprintf(stderr, "%s: not a P-256 key\n", path);
		exit(1);
	}
	EVP_PKEY_free(k);
	return d;
}

int main(int argc, char **argv)
{
	char hex[2 * (SZKM_EVENT_MAX_LEN + 64) + 1], shex[129];

	if (argc == 3 && !strcmp(argv[1], "keygen")) {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		FILE *f = fopen(argv[2], "w");

		if (!k || !f || !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL,
						      NULL))
			return 1;
		fclose(f);
		EVP_PKEY_free(k);
		return 0;
	}
	if (argc == 3 && (!strcmp(argv[1], "pubhex") ||
			  !strcmp(argv[1], "devid"))) {
		struct tdev d = device(argv[2]);

		if (!strcmp(argv[1], "pubhex"))
			szkm_hex_encode(hex, d.pub, 65);
		else
			szkm_hex_encode(hex, d.id, 32);
		puts(hex);
		tdev_free(&d);
		return 0;
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "events")) {
		struct tdev d = device(argv[2]);
		long count = atol(argv[3]);
		unsigned int nkeys = argc == 5 ? (unsigned int)atoi(argv[4]) : 4;
		uint8_t body[SZKM_EVENT_MAX_LEN], sig[64];

		for (long i = 0; i < count; i++) {
			size_t n = tdev_next(&d, nkeys, body, sig);

			if (!n)
				return 1;
			szkm_hex_encode(hex, body, n);
			szkm_hex_encode(shex, sig, 64);
			printf("event %s %s\n", hex, shex);
		}
		tdev_free(&d);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "verify-note")) {
		struct ledger_note_key k;
		struct ledger_note_result r;
		struct ledger_checkpoint cp;
		static char note[LEDGER_NOTE_MAX_SIZE + 1];
		FILE *f = fopen(argv[3], "r");
		size_t n;
		int ret;

		if (!f)
			return 1;
		n = fread(note, 1, LEDGER_NOTE_MAX_SIZE, f);
		fclose(f);
		if (ledger_note_key_parse(&k, argv[2], strlen(argv[2]))) {
			fprintf(stderr, "bad verifier key\n");
			return 1;
		}
		ret = ledger_note_open(note, n, &k, 1, 0, &r);
		if (ret) {
			fprintf(stderr, "checkpoint does not verify (%d)\n", ret);
			return 1;
		}
		if (ledger_checkpoint_parse(note, r.text_len, &cp))
			return 1;
		szkm_hex_encode(hex, cp.root, 32);
		printf("%" PRIu64 " %s\n", cp.size, hex);
		ledger_note_key_clear(&k);
		return 0;
	}
	fprintf(stderr, "usage: see the head of tests/ledger/testtool.c\n");
	return 2;
}
