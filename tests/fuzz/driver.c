// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * driver.c - runs one fuzz target without libFuzzer, in make check: every
 * seed in FUZZ_SEEDS (a folder), then 100000 (or the count given) inputs
 * made from the seeds by seeded mutations - bits flipped, bytes set to
 * edge values, ranges cut, repeated or spliced from another seed. The
 * sequence is fixed by the seed printed, so a failure repeats; the input
 * that killed the target is written to fuzz-crash-<target> in $TMPDIR.
 * Prints TAP for tests/run-unit.sh.
 *   fuzz_X [iterations [seed]]
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/common_interface_defs.h>

#include "fuzz.h"

#define FUZZ_MAX_INPUT	20000
#define MAX_SEEDS	64

static struct { uint8_t *d; size_t n; } seeds[MAX_SEEDS];
static size_t nseeds;
static uint8_t cur[FUZZ_MAX_INPUT];
static size_t cur_len;
static const char *target;
static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t below(size_t n)
{
	return n ? (size_t)(next() % n) : 0;
}

static void save_crash(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/fuzz-crash-%s", dir ? dir : "/tmp", target);
	f = fopen(path, "wb");
	if (f) {
		fwrite(cur, 1, cur_len, f);
		fclose(f);
		fprintf(stderr, "%s: the input is in %s\n", target, path);
	}
}

void fuzz_broken(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: %s: broken: %s\n", file, line, target, what);
	save_crash();
	abort();
}

static void load_seeds(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		perror(dir);
		exit(1);
	}
	while ((de = readdir(d)) && nseeds < MAX_SEEDS) {
		char path[4096];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		seeds[nseeds].d = malloc(FUZZ_MAX_INPUT);
		if (!seeds[nseeds].d)
			exit(1);
		seeds[nseeds].n = fread(seeds[nseeds].d, 1, FUZZ_MAX_INPUT, f);
		fclose(f);
		nseeds++;
	}
	closedir(d);
}

static void mutate(void)
{
	static const uint8_t edge[] = { 0, 1, 0x7f, 0x80, 0xff, '\r', '\n', ' ', '%', '+', '/', '=' };
	unsigned int rounds = 1 + (unsigned int)below(4);

	while (rounds--) {
		size_t at = below(cur_len + 1), n = 1 + below(16);

		switch (below(6)) {
		case 0: /* flip a bit */
			if (cur_len)
				cur[below(cur_len)] ^= (uint8_t)(1u << below(8));
			break;
		case 1: /* an edge value */
			if (cur_len)
				cur[below(cur_len)] = edge[below(sizeof(edge))];
			break;
		case 2: /* cut a range */
			if (at + n > cur_len)
				n = cur_len - at;
			memmove(cur + at, cur + at + n, cur_len - at - n);
			cur_len -= n;
			break;
		case 3: /* repeat a range */
			if (at + n > cur_len)
				n = cur_len - at;
			if (cur_len + n <= FUZZ_MAX_INPUT) {
				memmove(cur + at + n, cur + at, cur_len - at);
				cur_len += n;
			}
			break;
		case 4: { /* splice the tail of another seed */
			size_t s = below(nseeds), from = below(seeds[s].n + 1);
			size_t m = seeds[s].n - from;

			if (at + m > FUZZ_MAX_INPUT)
				m = FUZZ_MAX_INPUT - at;
			memcpy(cur + at, seeds[s].d + from, m);
			cur_len = at + m;
			break;
		}
		default: /* truncate */
			cur_len = at;
			break;
		}
	}
}

/* The input in a buffer of its own size, so that a read past it is caught. */
static void run(void)
{
	uint8_t *in = malloc(cur_len ? cur_len : 1);

	if (!in)
		exit(1);
	memcpy(in, cur, cur_len);
	LLVMFuzzerTestOneInput(in, cur_len);
	free(in);
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5a4b4d2026ull;

	target = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	__sanitizer_set_death_callback(save_crash);
	load_seeds(FUZZ_SEEDS);
	if (!nseeds) {
		printf("not ok 1 - %s: no seeds in %s\n", target, FUZZ_SEEDS);
		return 1;
	}
	rng = seed | 1;
	printf("1..1\n");
	for (size_t i = 0; i < nseeds; i++) {
		memcpy(cur, seeds[i].d, seeds[i].n);
		cur_len = seeds[i].n;
		run();
	}
	for (unsigned long i = 0; i < iters; i++) {
		size_t s = below(nseeds);

		memcpy(cur, seeds[s].d, seeds[s].n);
		cur_len = seeds[s].n;
		mutate();
		run();
	}
	printf("ok 1 - %s: %zu seeds and %lu mutations (seed %#" PRIx64 ")\n",
	       target, nseeds, iters, seed);
	return 0;
}
