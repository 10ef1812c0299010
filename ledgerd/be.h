/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * be.h - big-endian integers in ledger formats (entries, note signatures).
 */
#ifndef LEDGER_BE_H
#define LEDGER_BE_H

#include <stdint.h>

static inline void ledger_put_be(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static inline uint64_t ledger_get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

#endif /* LEDGER_BE_H */
