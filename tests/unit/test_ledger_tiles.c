// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_ledger_tiles.c - the tlog-tiles path parser (ledgerd/tiles.c):
 * every canonical path, at the edges of its numbers, parses to the tile
 * it names; every other spelling of a tile (leading zeros, an x000 in
 * front, short or long elements, garbage before or after) is refused.
 * tests/ledger/95-tiles.sh drives the same paths over HTTP.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "tiles.h"

static const struct {
	const char *path;
	bool entries;
	unsigned int level;
	uint64_t index;
	unsigned int width;
} good[] = {
	{ "0/000", false, 0, 0, 256 },
	{ "0/255.p/1", false, 0, 255, 1 },
	{ "63/999.p/255", false, 63, 999, 255 },
	{ "1/x001/000", false, 1, 1000, 256 },
	{ "2/x001/x234/067", false, 2, 1234067, 256 },
	{ "10/x100/x000/000", false, 10, 100000000, 256 },
	{ "entries/000", true, 0, 0, 256 },
	{ "entries/x999/999.p/17", true, 0, 999999, 17 },
	/* UINT64_MAX */
	{ "0/x018/x446/x744/x073/x709/x551/615", false, 0, UINT64_MAX, 256 },
};

static const char *const bad[] = {
	"", "/", "0", "0/", "00/000", "01/000", "64/000", "100/000", "-1/000",
	"+1/000", " 0/000", "0 /000", "0x1/000", "a/000", "entries", "entries/",
	"Entries/000", "entry/000",
	"0/0", "0/00", "0/0000", "0/x000/001", "0/x000/x001/002", "0/x01/000",
	"0/x1000/000", "0/001/x002", "0/001/002", "0/X001/000", "0/x001",
	"0/x001/", "0/000/", "0//000", "0/0a0", "0/ 00", "0/00 ", "0/-01",
	"0/x001/x002/x003/x004/x005/x006/x007/000",
	"0/x018/x446/x744/x073/x709/x551/616",
	"0/x999/x999/x999/x999/x999/x999/999",
	"0/000.p", "0/000.p/", "0/000.p/0", "0/000.p/00", "0/000.p/01",
	"0/000.p/256", "0/000.p/1000", "0/000.p/1/", "0/000.p/1.", "0/000.q/1",
	"0/000.p1", "0/000p/1", "0/000..p/1", "0/000.p/+1", "0/000.p/-1",
	"entries/x000/001", "entries/000.p/0", "0/000\n",
};

static void canonical_paths_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct ledger_tile t;
		const char *why = NULL;

		if (ledger_tile_parse(good[i].path, &t, &why))
			fail_msg("%s refused: %s", good[i].path, why);
		assert_int_equal(t.entries, good[i].entries);
		assert_int_equal(t.level, good[i].level);
		assert_true(t.index == good[i].index);
		assert_int_equal(t.width, good[i].width);
	}
}

static void other_spellings_are_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ledger_tile t;
		const char *why = NULL;

		if (ledger_tile_parse(bad[i], &t, &why) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_non_null(why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(canonical_paths_parse),
		cmocka_unit_test(other_spellings_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
