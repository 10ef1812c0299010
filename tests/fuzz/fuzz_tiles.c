// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fuzz_tiles.c - the tile path a tile client sends after "/tile/"
 * (ledger_tile_parse): anything a remote client can put in a URL. Only
 * the canonical encoding is accepted, so an accepted path is exactly the
 * one c2sp.org/tlog-tiles writes for the tile it names (written again
 * here from the spec: <N> in 3-digit elements, all but the last with an
 * 'x', and ".p/<W>" for a partial tile). The server hands it a C string
 * (a %00 in a path is refused before), so the path ends at a NUL.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tiles.h"

static size_t spec_path(const struct ledger_tile *t, char *out, size_t cap)
{
	char digits[32];
	size_t pos = 0, n, lead;

	if (t->entries)
		pos += (size_t)snprintf(out, cap, "entries/");
	else
		pos += (size_t)snprintf(out, cap, "%u/", t->level);
	n = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, t->index);
	lead = (3 - n % 3) % 3;
	memmove(digits + lead, digits, n + 1);
	memset(digits, '0', lead);
	n += lead;
	for (size_t i = 0; i < n; i += 3)
		pos += (size_t)snprintf(out + pos, cap - pos, "%s%s%.3s", i ? "/" : "",
					i + 3 < n ? "x" : "", digits + i);
	if (t->width < LEDGER_TILE_WIDTH)
		pos += (size_t)snprintf(out + pos, cap - pos, ".p/%u", t->width);
	return pos;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ledger_tile t;
	const char *why = NULL;
	char *path = malloc(size + 1), want[128];

	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = 0;
	if (ledger_tile_parse(path, &t, &why)) {
		FUZZ_ASSERT(why && *why);
		free(path);
		return 0;
	}
	FUZZ_ASSERT(t.width >= 1 && t.width <= LEDGER_TILE_WIDTH);
	FUZZ_ASSERT(t.entries || t.level <= LEDGER_TILE_MAX_LEVEL);
	FUZZ_ASSERT(spec_path(&t, want, sizeof(want)) == strlen(path));
	FUZZ_ASSERT(!strcmp(want, path));
	free(path);
	return 0;
}
