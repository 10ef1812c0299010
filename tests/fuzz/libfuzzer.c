// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libfuzzer.c - what a target needs besides libFuzzer's own main (make
 * fuzz): a broken promise aborts, and libFuzzer keeps the input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

void fuzz_broken(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: broken: %s\n", file, line, what);
	abort();
}
