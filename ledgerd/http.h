/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * http.h - ledgerd's read-only HTTP API (over httpd.c), ledgerd(8).
 *
 * The server runs its own threads. They read the ledger's published state
 * (ledger.h readers) and the store through their own read-only handles
 * (ledger_open_reader); they never write.
 */
#ifndef LEDGER_HTTP_H
#define LEDGER_HTTP_H

#include <stdint.h>

#include "ledger.h"
#include "witness.h"

struct ledger_http_opts {
	const char *addr;	/* numeric IPv4 or IPv6 address */
	uint16_t port;		/* 0: pick one (see ledger_http_port) */
	unsigned int threads;
	struct ledger *ledger;
	const char *vkey;	/* the node's verifier key, for /health */
	struct ledger_witness *witness;	/* multi-node: add-checkpoint */
};

struct ledger_http;

int ledger_http_start(struct ledger_http **out,
		      const struct ledger_http_opts *o, char *err,
		      size_t errlen);
uint16_t ledger_http_port(struct ledger_http *h);
/* Called about once a second by the main loop: samples appends/s. */
void ledger_http_tick(struct ledger_http *h);
void ledger_http_stop(struct ledger_http *h);

#endif /* LEDGER_HTTP_H */
