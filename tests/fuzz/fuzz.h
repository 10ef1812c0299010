/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * fuzz.h - what every fuzz target (tests/fuzz/fuzz_*.c) defines.
 *
 * Attacker: anyone who can send bytes to a parser that reads what
 * userspace, the network or a file hands it - a remote HTTP client, a
 * ledger node that lies, root editing a file. A target feeds the bytes to
 * one parser; the parser must refuse or accept them without reading or
 * writing out of bounds, leaking, or tripping undefined behaviour (the
 * targets are built with AddressSanitizer and UBSan), and a target checks
 * what the parser promises of what it accepted.
 *
 * Built two ways: with driver.c (gcc, in make check: the seeds, then a
 * fixed number of seeded mutations) and with clang's libFuzzer (make
 * fuzz: coverage-guided, for as long as one lets it run).
 */
#ifndef SZKM_FUZZ_H
#define SZKM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Dies loudly: a promise of the parser was broken. */
#define FUZZ_ASSERT(c) do { if (!(c)) fuzz_broken(#c, __FILE__, __LINE__); } while (0)
void fuzz_broken(const char *what, const char *file, int line);

#endif
