/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* bench.h - the clock and the sort the host benchmarks share. */
#ifndef SZKM_BENCH_H
#define SZKM_BENCH_H

#include <time.h>

/* Seconds on the monotonic clock. */
static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* qsort order of doubles, for medians and percentiles. */
static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#endif /* SZKM_BENCH_H */
