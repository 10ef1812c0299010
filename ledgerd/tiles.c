// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tiles.c - hash tiles and entry bundles of C2SP tlog-tiles (tiles.h).
 *
 * Hash i of tile N at level L is the Merkle Tree Hash of leaves
 * [(N * 256 + i) * 256^L, (N * 256 + i + 1) * 256^L): the complete
 * subtree (8L, N * 256 + i) that the node cache already holds. So a tile
 * is W cache lookups and a bundle one range scan of W entries, at any
 * tree size. What a tree of size s has at level L is its
 * c = floor(s / 256^L) complete level-8L nodes: full tiles 0 .. c/256 - 1
 * and, when c % 256 is not 0, a partial tile c/256 of that width.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiles.h"

/* Bytes of a full entry bundle at most: the length prefix and the data. */
#define BUNDLE_MAX	(LEDGER_TILE_WIDTH * (2 + LEDGER_ENTRY_MAX_LEN))

/* A uint64_t has 20 digits: 7 path elements of 3. */
#define MAX_ELEMENTS	7

/* @n decimal digits at @s, no sign: their value, or -1 for a non-digit. */
static int digits(const char *s, size_t n, unsigned int *out)
{
	unsigned int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* A decimal in [lo, hi] with no leading zero, up to the next '/', '.' or
 * the end: its length, or 0 when it is not one. */
static size_t small_number(const char *s, unsigned int lo, unsigned int hi,
			   unsigned int *out)
{
	size_t n = strcspn(s, "/.");

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0') ||
	    digits(s, n, out) || *out < lo || *out > hi)
		return 0;
	return n;
}

static int bad(const char **why, const char *msg)
{
	*why = msg;
	return -EINVAL;
}

/* <N>[.p/<W>] to the end of @s. */
static int parse_index(const char *s, struct ledger_tile *t, const char **why)
{
	unsigned int e;
	size_t n;

	t->index = 0;
	for (int i = 0;; i++) {
		bool last = s[0] != 'x';
		const char *d = last ? s : s + 1;

		if (i == MAX_ELEMENTS)
			return bad(why, "tile index: too many path elements");
		/* d[3] is read only after three digits: never past the end.
		 * A '/' after the last element is refused below. */
		if (digits(d, 3, &e) ||
		    (last ? d[3] && d[3] != '.' && d[3] != '/' : d[3] != '/'))
			return bad(why, "tile index: path elements are 3 digits, "
				   "all but the last after an 'x'");
		if (!last && i == 0 && e == 0)
			return bad(why, "tile index: not canonical (a leading "
				   "x000 element)");
		if (t->index > (UINT64_MAX - e) / 1000)
			return bad(why, "tile index: too large");
		t->index = t->index * 1000 + e;
		s = d + 3;
		if (last)
			break;
		s++;	/* the '/' */
	}
	t->width = LEDGER_TILE_WIDTH;
	if (!*s)
		return 0;
	if (strncmp(s, ".p/", 3))
		return bad(why, "tile path: only .p/<W> may follow the index");
	s += 3;
	n = small_number(s, 1, LEDGER_TILE_WIDTH - 1, &t->width);
	if (!n || s[n])
		return bad(why, "partial tile width: a decimal 1 to 255 with "
			   "no leading zero");
	return 0;
}

int ledger_tile_parse(const char *path, struct ledger_tile *t,
		      const char **why)
{
	size_t n;

	memset(t, 0, sizeof(*t));
	if (!strncmp(path, "entries/", 8)) {
		t->entries = true;
		return parse_index(path + 8, t, why);
	}
	n = small_number(path, 0, LEDGER_TILE_MAX_LEVEL, &t->level);
	if (!n || path[n] != '/')
		return bad(why, "tile level: a decimal 0 to 63 with no leading "
			   "zero, then /<N>");
	return parse_index(path + n + 1, t, why);
}

/*
 * Whether the published tree (@size leaves) has tile @t: 0, or 404 with
 * the reason.
 */
static unsigned int have_tile(const struct ledger_tile *t, uint64_t size,
			      char *why, size_t cap)
{
	unsigned int shift = t->entries ? 0 : t->level * LEDGER_TILE_HEIGHT;
	uint64_t nodes = shift < 64 ? size >> shift : 0;
	uint64_t full = nodes / LEDGER_TILE_WIDTH;
	unsigned int part = (unsigned int)(nodes % LEDGER_TILE_WIDTH);

	if (t->width == LEDGER_TILE_WIDTH && t->index < full)
		return 0;
	if (t->width < LEDGER_TILE_WIDTH && t->index == full &&
	    t->width <= part)
		return 0;
	if (t->width < LEDGER_TILE_WIDTH && t->index < full)
		return ledger_httpd_refuse(why, cap, 404, "tile %" PRIu64 " is full in this "
			      "tree (%" PRIu64 " entries): fetch it without "
			      ".p/%u", t->index, size, t->width);
	if (t->index == full && part)
		return ledger_httpd_refuse(why, cap, 404, "tile %" PRIu64 " is %u wide in "
			      "this tree (%" PRIu64 " entries), not %u",
			      t->index, part, size, t->width);
	return ledger_httpd_refuse(why, cap, 404, "tile %" PRIu64 " is beyond this tree "
		      "(%" PRIu64 " entries)", t->index, size);
}

static void reply_tile(struct ledger_httpd_reply *rp, char *body, size_t len)
{
	rp->code = 200;
	rp->type = "application/octet-stream";
	/* A tile's bytes never change, partial ones included: a partial
	 * tile of width W is the same W hashes for good. */
	rp->cache = "public, max-age=31536000, immutable";
	rp->body = body;
	rp->len = len;
}

static unsigned int get_hashes(struct ledger *l, const struct ledger_tile *t,
			       struct ledger_httpd_reply *rp, char *why,
			       size_t cap)
{
	unsigned int level = t->level * LEDGER_TILE_HEIGHT;
	uint64_t first = t->index * LEDGER_TILE_WIDTH;
	uint8_t *body = malloc((size_t)t->width * LEDGER_HASH_LEN);

	if (!body)
		return 0;	/* no body: the server answers 500 */
	for (unsigned int i = 0; i < t->width; i++) {
		int ret = ledger_node_hash(l, level, first + i,
					   body + (size_t)i * LEDGER_HASH_LEN);

		if (ret) {
			free(body);
			return ledger_httpd_refuse(why, cap, 500, "tile node (%u, %" PRIu64
				      "): %s", level, first + i,
				      strerror(-ret));
		}
	}
	reply_tile(rp, (char *)body, (size_t)t->width * LEDGER_HASH_LEN);
	return 0;
}

struct bundle {
	uint8_t *p;
	size_t len;
	uint64_t next;		/* the index the next entry must have */
};

static int bundle_add(void *ctx, const struct ledger_store_entry *e)
{
	struct bundle *b = ctx;

	if (e->index != b->next || e->len > 0xffff ||
	    b->len + 2 + e->len > BUNDLE_MAX)
		return -EBADMSG;
	b->p[b->len++] = (uint8_t)(e->len >> 8);
	b->p[b->len++] = (uint8_t)e->len;
	memcpy(b->p + b->len, e->data, e->len);
	b->len += e->len;
	b->next++;
	return 0;
}

static unsigned int get_bundle(struct ledger_store *s,
			       const struct ledger_tile *t,
			       struct ledger_httpd_reply *rp, char *why,
			       size_t cap)
{
	uint64_t first = t->index * LEDGER_TILE_WIDTH;
	struct bundle b = { .next = first };
	int ret;

	if (!s)
		return ledger_httpd_refuse(why, cap, 500, "cannot open the database");
	b.p = malloc(BUNDLE_MAX);
	if (!b.p)
		return 0;
	ret = ledger_store_scan(s, first, first + t->width, bundle_add, &b);
	if (ret || b.next != first + t->width) {
		free(b.p);
		return ledger_httpd_refuse(why, cap, 500, "entries %" PRIu64 " to %" PRIu64
			      ": database read failed", first,
			      first + t->width - 1);
	}
	reply_tile(rp, (char *)b.p, b.len);
	return 0;
}

unsigned int ledger_tiles_get(struct ledger *l, struct ledger_store *s,
			      const char *path, struct ledger_httpd_reply *rp,
			      char *why, size_t cap)
{
	struct ledger_tile t;
	const char *msg = NULL;
	unsigned int code;

	if (ledger_tile_parse(path, &t, &msg))
		return ledger_httpd_refuse(why, cap, 400, "%s", msg);
	code = have_tile(&t, ledger_size(l), why, cap);
	if (code)
		return code;
	return t.entries ? get_bundle(s, &t, rp, why, cap) :
			   get_hashes(l, &t, rp, why, cap);
}
