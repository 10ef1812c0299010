/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * etcd.h - the multi-node ledger's order: entries in an etcd cluster.
 *
 * etcd decides which entry has which index, and keeps them for every
 * node; it is reached through its v3 JSON gateway (libcurl, base64 keys
 * and values). Under a prefix P it holds
 *   P/head             the log's size, decimal
 *   P/entries/<first>  a block: entries <first>, <first>+1, ... as
 *                      n times (be32 length | leaf data), 1 <= n <=
 *                      LEDGER_ETCD_BLOCK_ENTRIES, each length 1 to
 *                      LEDGER_ENTRY_MAX_LEN, the whole at most
 *                      LEDGER_ETCD_BLOCK_BYTES (<first> has 20 digits, so
 *                      that etcd's key order is index order)
 * An append is one transaction per block: create P/entries/<n> only if
 * it does not exist and P/head is still at the revision the writer read
 * with size n, and move P/head to n plus the block's entries. So the
 * blocks tile the log with no gap or overlap and no entry is ever written
 * twice, whatever writers race, without a lock or a lease. One key for
 * many entries is what makes etcd cheap per entry (its cost is per key
 * and per transaction, not per byte).
 *
 * This is not a struct ledger_store: a node's store is its own validated
 * copy (tree nodes, device heads, its signed checkpoints), which a node
 * must never take from etcd. etcd only orders and replicates the entries
 * (the leaf data), and everything read from it is untrusted: shapes,
 * lengths, base64, key names and contiguity are checked here, and the
 * entries themselves are validated by the ledger (ledger_apply_entry).
 */
#ifndef LEDGER_ETCD_H
#define LEDGER_ETCD_H

#include <stddef.h>
#include <stdint.h>

#define LEDGER_ETCD_BLOCK_ENTRIES	1024
/* Base64 in JSON adds a third: under etcd's default 1.5 MiB request. */
#define LEDGER_ETCD_BLOCK_BYTES		(768u << 10)

struct ledger_etcd;

/*
 * @urls: http://host:port/prefix, or several members of one cluster
 * separated by commas, each with the same prefix (which may be empty).
 */
int ledger_etcd_open(struct ledger_etcd **out, const char *urls,
		     long timeout_ms, char *err, size_t errlen);
/* TLS to etcd (https:// URLs): ledger_fetch_tls(). */
int ledger_etcd_tls(struct ledger_etcd *g, const char *ca, const char *cert,
		    const char *key);
void ledger_etcd_close(struct ledger_etcd *g);
/* What the last failure was, for messages. */
const char *ledger_etcd_error(const struct ledger_etcd *g);

typedef int (*ledger_etcd_entry_cb)(void *ctx, uint64_t index,
				    const uint8_t *data, size_t len);

/*
 * Reads the head and the blocks that hold entries @from to @from + @max
 * - 1, in one snapshot; calls @cb for each of their entries from @from
 * on, in index order, block by block once each is checked (so it may get
 * more than @max, and the entries of the blocks before a fault; a nonzero
 * return stops the walk and is returned). *@head gets the log's size. Remembers
 * the head's revision for the next append. -EBADMSG: etcd's answer is
 * malformed or the blocks do not tile the log (an entry missing below
 * the head, two blocks that overlap, or an entry past the head);
 * -EIO and the like: etcd could not be read.
 */
int ledger_etcd_read(struct ledger_etcd *g, uint64_t from, size_t max,
		     ledger_etcd_entry_cb cb, void *ctx, uint64_t *head);

/*
 * The audit of what this node already validated, entries [0, @size):
 * the blocks from where the last audit's ended must go on with no gap
 * up to @size (a block deleted since is missing there), no older block
 * may be deleted (etcd counts them: as many as at the last audit plus
 * the new ones), and every entry below @size of a new block, or of a
 * block written since the last audit (its mod_revision above that
 * audit's revision), is handed to @cb, which returns nonzero when it is
 * not the entry the node validated; a block that starts below the last
 * audit's size and was written since is a rewrite in itself.
 * -EBADMSG with *@bad the entry when the history was rewritten (or the
 * answer is malformed: *@bad UINT64_MAX). The first audit trusts what
 * was there (a rewrite made while this node was down is found by the
 * nodes that were up); each later one costs the entries appended since.
 */
int ledger_etcd_audit(struct ledger_etcd *g, uint64_t size,
		      ledger_etcd_entry_cb cb, void *ctx, uint64_t *bad);

struct ledger_etcd_item {
	const uint8_t *data;
	size_t len;
};

/*
 * Appends @n entries at index @from, which must be the head of the last
 * read (or append). 0: they are entries @from..; -EEXIST: another writer
 * appended first, read again; -ESTALE: @from is not the head last read;
 * another negative errno: etcd failed and they may or may not be there
 * (after an ambiguous error the entries are read back and compared byte
 * for byte first: a retry of an append that did land is not an error).
 * A batch goes in blocks of at most LEDGER_ETCD_BLOCK_ENTRIES entries
 * and LEDGER_ETCD_BLOCK_BYTES, a transaction each, all or nothing: after
 * an error some of the first blocks may have landed.
 */
int ledger_etcd_append(struct ledger_etcd *g, uint64_t from,
		       const struct ledger_etcd_item *items, size_t n);

/*
 * The block format, for etcd.c and its tests. _size: the bytes @n
 * entries take (0 when they exceed a block's limits); _encode writes them
 * to @out (that size). _walk checks the whole of block @v first (a
 * malformed one: -EBADMSG, no call), then calls @cb for its entries of
 * index @from to @to - 1, the block's first entry being @first; *@count
 * gets how many entries the block holds.
 */
size_t ledger_etcd_block_size(const struct ledger_etcd_item *items, size_t n);
void ledger_etcd_block_encode(const struct ledger_etcd_item *items, size_t n,
			      uint8_t *out);
int ledger_etcd_block_walk(const uint8_t *v, size_t len, uint64_t first,
			   uint64_t from, uint64_t to, ledger_etcd_entry_cb cb,
			   void *ctx, size_t *count);

#endif /* LEDGER_ETCD_H */
