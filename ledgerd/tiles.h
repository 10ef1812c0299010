/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * tiles.h - the ledger as C2SP tlog-tiles: hash tiles and entry bundles.
 *
 *   /tile/<L>/<N>[.p/<W>]        256 (or W) hashes of tree level 8L
 *   /tile/entries/<N>[.p/<W>]    256 (or W) entries, each a big-endian
 *                                uint16 length and the leaf data
 *
 * beside /checkpoint (http.c), so that tile clients and witnesses read
 * the ledger unchanged. <N> is written in 3-digit path elements, all but
 * the last with an 'x' ("x001/x234/067" is 1234067). A tile is read from
 * the node cache (level-8L nodes are stored, never recomputed) and an
 * entry bundle is one range scan of the store, so a tile costs O(W)
 * whatever the size of the tree.
 */
#ifndef LEDGER_TILES_H
#define LEDGER_TILES_H

#include <stdbool.h>
#include <stdint.h>

#include "httpd.h"
#include "ledger.h"

#define LEDGER_TILE_HEIGHT	8
#define LEDGER_TILE_WIDTH	256
/* The spec's levels: 0 to 63. */
#define LEDGER_TILE_MAX_LEVEL	63

struct ledger_tile {
	bool entries;		/* an entry bundle, not a hash tile */
	unsigned int level;	/* hash tiles */
	uint64_t index;
	unsigned int width;	/* 1..255 for a partial tile, 256 full */
};

/*
 * Parses what follows "/tile/" strictly: only the canonical encoding of a
 * tile (no leading zeros in L or W, no "x000" element in front, no empty
 * or overlong element, nothing after it). 0, or -EINVAL with *@why.
 */
int ledger_tile_parse(const char *path, struct ledger_tile *t,
		      const char **why);

/*
 * Answers GET /tile/...: @path is what follows "/tile/", @s the reader
 * thread's store (NULL: entry bundles fail). 0 when @rp holds the tile
 * (or no body: out of memory), else the HTTP status of the refusal with
 * its reason in @why. Partial tiles are served for every width the
 * published tree has reached in a tile not yet full (the width of any
 * checkpoint signed since it began); a tile past the tree, a width beyond
 * it or a partial tile of a full one is 404. Tiles are immutable and
 * cached as such.
 */
unsigned int ledger_tiles_get(struct ledger *l, struct ledger_store *s,
			      const char *path, struct ledger_httpd_reply *rp,
			      char *why, size_t cap);

#endif /* LEDGER_TILES_H */
