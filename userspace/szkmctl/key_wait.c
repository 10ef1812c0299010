// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * key_wait.c - waiting for the ledger. A ledger=required key's new version
 * stays pending, and its retire, destroy or policy change waits, until the
 * ledger proves the change's event (include/szkm.h); the kernel reports
 * both in the key's metadata. --wait SECONDS reads it until nothing waits,
 * or the deadline passes.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "szkm.h"

#include <errno.h>
#include <time.h>

/* A day: longer is a ledger that is not coming. */
#define WAIT_MAX 86400

int szkmctl_wait_option(const char *s, unsigned long *secs)
{
	return szkmctl_parse_uint("--wait", s, 1, WAIT_MAX, secs);
}

int szkmctl_key_settled(const struct szkm_key_info *k)
{
	if (k->waiting)
		return 0;
	for (unsigned int i = 0; i < k->nver; i++)
		if (k->ver[i].state == SZKM_VS_PENDING)
			return 0;
	return 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int szkmctl_key_wait(int32_t serial, unsigned long secs, struct szkm_key_info *k)
{
	const struct timespec pause = { 0, 50 * 1000 * 1000 };
	double end = now() + (double)secs;
	int ret;

	for (;;) {
		ret = szkm_key_info(serial, k);
		if (ret < 0)
			return ret;
		if (szkmctl_key_settled(k))
			return 0;
		if (now() >= end)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
}
