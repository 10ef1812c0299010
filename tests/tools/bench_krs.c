// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_krs.c - the rotation part of `make bench`, in the guest:
 *  1. rotations per second, from the rotate request (keyctl update) to the
 *     signed event delivered to a subscribed listener (this process);
 *  2. the cost of the rotation service with many keys: N keys made with a
 *     long period (scheduled, never due) and the kernel's CPU time over an
 *     idle window, then the same keys with a short period, so the service
 *     rotates N/period keys a second, with the kernel CPU that costs.
 * Keys use ledger=async; the test listener acks in the background. Kernel
 * CPU is the system time of /proc/stat over the window, in percent of one
 * CPU.
 */
#include "libszkm.h"
#include "szkm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <keyutils.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* System (kernel) jiffies of all CPUs, from /proc/stat's "cpu" line. */
static unsigned long long sys_ticks(void)
{
	unsigned long long user, nice, sys = 0;
	FILE *f = fopen("/proc/stat", "r");

	if (f) {
		if (fscanf(f, "cpu %llu %llu %llu", &user, &nice, &sys) != 3)
			sys = 0;
		fclose(f);
	}
	return sys;
}

static int count_event(uint64_t seq, const uint8_t *body, size_t len, const uint8_t sig[64],
		       void *arg)
{
	(void)seq; (void)sig;
	if (len > 5 && body[5] == SZKM_EV_KEY_ROTATE)
		++*(long *)arg;
	return 0;
}

/* Waits until the listener has acked everything (its work is not ours). */
static void drain(void)
{
	struct szkm_status st;
	double t0 = now();

	while (!szkm_status_get(&st) && st.journal && now() - t0 < 600)
		usleep(200000);
}

static double kernel_cpu(double secs)
{
	long hz = sysconf(_SC_CLK_TCK);
	unsigned long long s0 = sys_ticks();
	double t0 = now();

	while (now() - t0 < secs)
		sleep(1);
	return 100.0 * (double)(sys_ticks() - s0) / hz / (now() - t0);
}

int main(int argc, char *argv[])
{
	int nkeys = argc > 1 ? atoi(argv[1]) : 10000, nrot = 400, i;
	key_serial_t ring = add_key("keyring", "krs-bench", NULL, 0, KEY_SPEC_SESSION_KEYRING);
	key_serial_t rk[8], *keys = calloc(nkeys, sizeof(*keys));
	struct szkm_event_sub *sub = szkm_event_subscribe(0);
	long seen = 0;
	char name[32];
	struct szkm_status st0, st1;
	double t0, t1, idle, busy;
	/* Each figure reaches bench.sh as soon as it is measured. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (ring < 0 || !keys || !sub) {
		perror("bench_krs: setup");
		return 1;
	}
	/* 1. rotate -> signed event at a listener. */
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "rot%d", i);
		rk[i] = add_key("szkm", name, "new aes256-gcm ledger=async", 27, ring);
	}
	t0 = now();
	for (i = 0; i < nrot; i++)
		if (keyctl_update(rk[i % 8], "rotate", 6) < 0) {
			perror("bench_krs: rotate");
			return 1;
		}
	while (seen < nrot)
		if (szkm_event_receive(sub, count_event, &seen) < 0)
			break;
	t1 = now();
	printf("krs rotations (request -> signed event at a listener): %.0f/s (%d in %.2f s)\n",
	       nrot / (t1 - t0), nrot, t1 - t0);
	szkm_event_unsubscribe(sub);

	/* 2. many scheduled keys. */
	t0 = now();
	for (i = 0; i < nkeys; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		keys[i] = add_key("szkm", name, "new aes256-gcm ledger=async rotate=3650d",
				  40, ring);
		if (keys[i] < 0) {
			fprintf(stderr, "bench_krs: key %d: %s\n", i, strerror(errno));
			return 1;
		}
	}
	printf("krs: %d keys made and scheduled in %.1f s\n", nkeys, now() - t0);
	drain();
	idle = kernel_cpu(10);
	printf("krs: kernel CPU with %d keys scheduled, none due: %.2f%% of a CPU\n", nkeys, idle);
	/*
	 * Period 60 s, counted from each key's creation minutes ago: all are
	 * due now, and the window is one whole period of the 10,000 keys.
	 */
	for (i = 0; i < nkeys; i++)
		keyctl_update(keys[i], "set rotate=60s", 14);
	drain();
	szkm_status_get(&st0);
	busy = kernel_cpu(60);
	szkm_status_get(&st1);
	printf("krs: kernel CPU with %d keys on rotate=60s, over one 60 s period: %.1f%% of a CPU "
	       "(%llu events signed in the window, %.0f/s; includes the listener's acks)\n",
	       nkeys, busy, (unsigned long long)(st1.seq - st0.seq), (st1.seq - st0.seq) / 60.0);
	keyctl_clear(ring);
	return 0;
}
