// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * store_sqlite.c - ledgerd's storage in one SQLite database: the one
 * implementation of store.h's ops today (a multi-node ledger adds etcd's).
 *
 * Why SQLite in WAL mode with synchronous=FULL rather than append-only
 * files with fsync and a recovery scan:
 *
 * - One append touches four things that must agree: the entry, its Merkle
 *   nodes, the device's chain head and (per batch) the signed checkpoint.
 *   SQLite commits them together or not at all, so after a crash there is
 *   never an entry without its nodes or a device head ahead of its entry.
 *   With flat files each of those is a separate file whose torn tail the
 *   recovery scan would have to find, cut and reconcile with the others;
 *   that scan is exactly the code that is hard to test and easy to get
 *   wrong, and SQLite's WAL recovery has been tested far harder than ours
 *   would be.
 * - Group commit is a transaction: a batch of events is one BEGIN ...
 *   COMMIT, and in WAL mode with synchronous=FULL a commit is one append
 *   to the WAL and one fsync of it. The cost per event is a few B-tree
 *   inserts in memory.
 * - The HTTP API needs lookups that files would make us index by hand
 *   (entry by leaf hash, a key's history, an event by device and seq);
 *   WAL lets HTTP threads read with their own connections while the
 *   writer commits.
 * - The database is not trusted for integrity: ledger.c recomputes every
 *   leaf hash and the tree from the entries at start and compares them
 *   with the stored nodes and the signed checkpoints, so a changed row is
 *   found whatever wrote it.
 *
 * The cost is a dependency and some write amplification (each node is
 * written to the WAL, then to the main file at a WAL checkpoint), which
 * the benchmark shows is well within the goal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"

#define SCHEMA_VERSION 1

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_ADD_ENTRY,
	ST_PUT_NODE,
	ST_GET_NODE,
	ST_PUT_DEVICE,
	ST_ADD_CHECKPOINT,
	ST_COUNT,
	ST_SCAN,
	ST_FIND_LEAF,
	ST_FIND_EVENT,
	ST_KEY_HISTORY,
	ST_SCAN_NODES,
	ST_DEVICES,
	ST_CHECKPOINTS,
	ST_LAST_CHECKPOINT,
	ST_PUT_WITNESS,
	ST_WITNESS,
	ST_MAX
};

static const char *const stmt_sql[ST_MAX] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_ADD_ENTRY] = "INSERT INTO entries(idx, type, data, leaf, device, "
			 "seq, key_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_PUT_NODE] = "INSERT OR REPLACE INTO nodes(level, idx, hash) "
			"VALUES (?1, ?2, ?3)",
	[ST_GET_NODE] = "SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2",
	[ST_PUT_DEVICE] = "INSERT OR REPLACE INTO devices(id, name, pubkey, "
			  "enrolled_idx, last_seq, last_hash, last_idx) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_ADD_CHECKPOINT] = "INSERT OR REPLACE INTO checkpoints(size, root, "
			      "note, time) VALUES (?1, ?2, ?3, ?4)",
	[ST_COUNT] = "SELECT count(*) FROM entries",
	[ST_SCAN] = "SELECT idx, type, data, leaf FROM entries "
		    "WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
	[ST_FIND_LEAF] = "SELECT idx FROM entries WHERE leaf = ?1 "
			 "ORDER BY idx LIMIT 1",
	[ST_FIND_EVENT] = "SELECT idx FROM entries WHERE device = ?1 AND "
			  "seq = ?2 AND type = 2",
	[ST_KEY_HISTORY] = "SELECT idx, type, data, leaf FROM entries "
			   "WHERE key_id = ?1 AND idx < ?2 ORDER BY idx",
	[ST_SCAN_NODES] = "SELECT level, idx, hash FROM nodes "
			  "ORDER BY level, idx",
	[ST_DEVICES] = "SELECT id, name, pubkey, enrolled_idx, last_seq, "
		       "last_hash, last_idx FROM devices ORDER BY enrolled_idx",
	[ST_CHECKPOINTS] = "SELECT size, root, note, time FROM checkpoints "
			   "ORDER BY size",
	[ST_LAST_CHECKPOINT] = "SELECT size, root, note, time FROM checkpoints "
			       "ORDER BY size DESC LIMIT 1",
	[ST_PUT_WITNESS] = "INSERT OR REPLACE INTO witness(one, size, root, "
			   "note, time) VALUES (1, ?1, ?2, ?3, ?4)",
	[ST_WITNESS] = "SELECT size, root, note, time FROM witness",
};

/*
 * The device column is set only on event entries (type 2), so the unique
 * index makes a duplicated (device, seq) impossible at the lowest level,
 * whatever the code above does.
 */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v);"
	"CREATE TABLE IF NOT EXISTS entries("
	"  idx INTEGER PRIMARY KEY, type INTEGER NOT NULL,"
	"  data BLOB NOT NULL, leaf BLOB NOT NULL,"
	"  device BLOB, seq INTEGER, key_id BLOB);"
	"CREATE INDEX IF NOT EXISTS entries_leaf ON entries(leaf);"
	"CREATE UNIQUE INDEX IF NOT EXISTS entries_event "
	"  ON entries(device, seq) WHERE device IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS entries_key ON entries(key_id, idx) "
	"  WHERE key_id IS NOT NULL;"
	"CREATE TABLE IF NOT EXISTS nodes("
	"  level INTEGER, idx INTEGER, hash BLOB NOT NULL,"
	"  PRIMARY KEY(level, idx)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS devices("
	"  id BLOB PRIMARY KEY, name TEXT NOT NULL, pubkey BLOB NOT NULL,"
	"  enrolled_idx INTEGER NOT NULL, last_seq INTEGER NOT NULL,"
	"  last_hash BLOB NOT NULL, last_idx INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS checkpoints("
	"  size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL,"
	"  time INTEGER NOT NULL);"
	/* The witness state: one row, the latest checkpoint it cosigned. */
	"CREATE TABLE IF NOT EXISTS witness("
	"  one INTEGER PRIMARY KEY CHECK (one = 1), size INTEGER NOT NULL,"
	"  root BLOB NOT NULL, note TEXT NOT NULL, time INTEGER NOT NULL);";

struct sqlite_store {
	struct ledger_store base;	/* first: the ops */
	sqlite3 *db;
	sqlite3_stmt *st[ST_MAX];
	struct ledger_hash_store nodes;
	char *path;
	unsigned int flags;
};

static const struct ledger_store_ops sqlite_ops;
static void sq_close(struct ledger_store *base);

/* The store a caller holds is the first member of ours. */
static struct sqlite_store *to_sq(struct ledger_store *base)
{
	return (struct sqlite_store *)base;
}

static const char *sq_errmsg(struct ledger_store *base)
{
	struct sqlite_store *s = to_sq(base);

	return s && s->db ? sqlite3_errmsg(s->db) : "no database";
}

static int exec(struct sqlite_store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 :
									 -EIO;
}

static sqlite3_stmt *stmt(struct sqlite_store *s, enum stmt_id id)
{
	sqlite3_stmt *st = s->st[id];

	if (!st) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
				       SQLITE_PREPARE_PERSISTENT, &st,
				       NULL) != SQLITE_OK)
			return NULL;
		s->st[id] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Runs a statement that returns no rows. */
static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int node_get(void *ctx, unsigned int level, uint64_t index,
		    uint8_t hash[LEDGER_HASH_LEN])
{
	struct sqlite_store *s = ctx;
	sqlite3_stmt *st = stmt(s, ST_GET_NODE);
	int rc, ret = -ENOENT;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, level);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) == LEDGER_HASH_LEN) {
			memcpy(hash, sqlite3_column_blob(st, 0),
			       LEDGER_HASH_LEN);
			ret = 0;
		} else {
			ret = -EIO;
		}
	} else if (rc != SQLITE_DONE) {
		ret = -EIO;
	}
	sqlite3_reset(st);
	return ret;
}

static int node_put(void *ctx, unsigned int level, uint64_t index,
		    const uint8_t hash[LEDGER_HASH_LEN])
{
	struct sqlite_store *s = ctx;
	sqlite3_stmt *st = stmt(s, ST_PUT_NODE);

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, level);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	sqlite3_bind_blob(st, 3, hash, LEDGER_HASH_LEN, SQLITE_STATIC);
	return step_done(st);
}

int ledger_store_sqlite_open(struct ledger_store **out, const char *path,
			     unsigned int flags, char *err, size_t errlen)
{
	struct sqlite_store *s;
	int oflags = SQLITE_OPEN_NOMUTEX;
	sqlite3_stmt *st = NULL;
	int version = 0;

	if (!out || !path)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->base.ops = &sqlite_ops;
	s->flags = flags;
	s->path = strdup(path);
	if (!s->path) {
		free(s);
		return -ENOMEM;
	}
	oflags |= (flags & LEDGER_STORE_RDONLY) ?
		SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
			 sq_errmsg(&s->base));
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (!(flags & LEDGER_STORE_RDONLY)) {
		/*
		 * WAL + FULL: a commit returns after the WAL is fsynced, so
		 * an acknowledged event survives power loss, not only a
		 * process crash.
		 */
		if (exec(s, "PRAGMA journal_mode=WAL") ||
		    exec(s, (flags & LEDGER_STORE_NOSYNC) ?
			    "PRAGMA synchronous=OFF" :
			    "PRAGMA synchronous=FULL") ||
		    exec(s, "PRAGMA foreign_keys=OFF") ||
		    exec(s, schema)) {
			snprintf(err, errlen, "cannot set up database %s: %s",
				 path, sq_errmsg(&s->base));
			goto fail;
		}
		if (sqlite3_prepare_v2(s->db,
				       "SELECT v FROM meta WHERE k = 'schema'",
				       -1, &st, NULL) != SQLITE_OK)
			goto dberr;
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (version == 0) {
			if (exec(s, "INSERT INTO meta(k, v) VALUES ('schema', 1)"))
				goto dberr;
		} else if (version != SCHEMA_VERSION) {
			snprintf(err, errlen,
				 "database %s has schema %d, this ledgerd "
				 "knows %d", path, version, SCHEMA_VERSION);
			goto fail;
		}
	}
	s->nodes.ctx = s;
	s->nodes.get = node_get;
	s->nodes.put = node_put;
	*out = &s->base;
	return 0;
dberr:
	snprintf(err, errlen, "database %s: %s", path, sq_errmsg(&s->base));
fail:
	sq_close(&s->base);
	return -EIO;
}

static void sq_close(struct ledger_store *base)
{
	struct sqlite_store *s = to_sq(base);

	if (!s)
		return;
	for (int i = 0; i < ST_MAX; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
}

/* A reader's own connection: WAL lets it read while the writer commits. */
static int sq_open_reader(struct ledger_store *base, struct ledger_store **out,
			  char *err, size_t errlen)
{
	struct sqlite_store *s = to_sq(base);

	return ledger_store_sqlite_open(out, s->path,
					LEDGER_STORE_RDONLY | (s->flags & LEDGER_STORE_NOSYNC),
					err, errlen);
}

static int simple(struct sqlite_store *s, enum stmt_id id)
{
	sqlite3_stmt *st = stmt(s, id);

	return st ? step_done(st) : -EIO;
}

static int sq_begin(struct ledger_store *base)
{
	struct sqlite_store *s = to_sq(base);

	return simple(s, ST_BEGIN);
}

static int sq_commit(struct ledger_store *base)
{
	struct sqlite_store *s = to_sq(base);

	return simple(s, ST_COMMIT);
}

static int sq_rollback(struct ledger_store *base)
{
	struct sqlite_store *s = to_sq(base);

	return simple(s, ST_ROLLBACK);
}

static int sq_add_entry(struct ledger_store *base, uint64_t index,
			   const uint8_t *data, size_t len,
			   const uint8_t leaf[LEDGER_HASH_LEN],
			   const uint8_t *device_id, uint64_t seq,
			   const uint8_t *key_id)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st = stmt(s, ST_ADD_ENTRY);

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
	sqlite3_bind_int(st, 2, data[0]);
	sqlite3_bind_blob(st, 3, data, (int)len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, leaf, LEDGER_HASH_LEN, SQLITE_STATIC);
	if (device_id) {
		sqlite3_bind_blob(st, 5, device_id, SZKM_DEVICE_ID_LEN,
				  SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)seq);
	}
	if (key_id)
		sqlite3_bind_blob(st, 7, key_id, SZKM_KEY_ID_LEN,
				  SQLITE_STATIC);
	return step_done(st);
}

static int sq_put_device(struct ledger_store *base,
			    const struct ledger_store_device *d)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st = stmt(s, ST_PUT_DEVICE);

	if (!st)
		return -EIO;
	sqlite3_bind_blob(st, 1, d->id, SZKM_DEVICE_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, d->pubkey, SZKM_P256_PUB_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)d->enrolled_index);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)d->last_seq);
	sqlite3_bind_blob(st, 6, d->last_hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)d->last_index);
	return step_done(st);
}

/* A checkpoint row (size, root, note, time) through statement @id. */
static int put_cp(struct ledger_store *base, enum stmt_id id,
		  const struct ledger_store_checkpoint *cp)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st = stmt(s, id);

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)cp->size);
	sqlite3_bind_blob(st, 2, cp->root, LEDGER_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, cp->note, (int)cp->note_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, cp->time);
	return step_done(st);
}

static int sq_add_checkpoint(struct ledger_store *base,
				const struct ledger_store_checkpoint *cp)
{
	return put_cp(base, ST_ADD_CHECKPOINT, cp);
}

/* Its own statement, outside any batch: durable when it returns. */
static int sq_put_witness(struct ledger_store *base,
			  const struct ledger_store_checkpoint *cp)
{
	return put_cp(base, ST_PUT_WITNESS, cp);
}

static const struct ledger_hash_store *sq_nodes(struct ledger_store *base)
{
	struct sqlite_store *s = to_sq(base);

	return &s->nodes;
}

static int sq_count(struct ledger_store *base, uint64_t *n)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st = stmt(s, ST_COUNT);
	int ret = -EIO;

	if (!st)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = (uint64_t)sqlite3_column_int64(st, 0);
		ret = 0;
	}
	sqlite3_reset(st);
	return ret;
}

/* Walks the rows of an entry query (idx, type, data, leaf). */
static int walk_entries(sqlite3_stmt *st, ledger_store_entry_cb cb, void *ctx)
{
	int rc, ret = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ledger_store_entry e = {
			.index = (uint64_t)sqlite3_column_int64(st, 0),
			.type = (uint8_t)sqlite3_column_int(st, 1),
			.data = sqlite3_column_blob(st, 2),
			.len = (size_t)sqlite3_column_bytes(st, 2),
			.leaf = sqlite3_column_blob(st, 3),
		};

		if (!e.data || !e.leaf ||
		    sqlite3_column_bytes(st, 3) != LEDGER_HASH_LEN) {
			ret = -EIO;
			break;
		}
		ret = cb(ctx, &e);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = -EIO;
	sqlite3_reset(st);
	return ret;
}

static sqlite3_int64 clamp64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (sqlite3_int64)v;
}

static int sq_scan(struct ledger_store *base, uint64_t from, uint64_t to,
		      ledger_store_entry_cb cb, void *ctx)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st = stmt(s, ST_SCAN);

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, clamp64(from));
	sqlite3_bind_int64(st, 2, clamp64(to));
	return walk_entries(st, cb, ctx);
}

static int find_index(sqlite3_stmt *st, uint64_t *index)
{
	int rc = sqlite3_step(st), ret = -ENOENT;

	if (rc == SQLITE_ROW) {
		*index = (uint64_t)sqlite3_column_int64(st, 0);
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = -EIO;
	}
	sqlite3_reset(st);
	return ret;
}

static int sq_find_leaf(struct ledger_store *base,
			   const uint8_t leaf[LEDGER_HASH_LEN],
			   uint64_t *index)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st = stmt(s, ST_FIND_LEAF);

	if (!st)
		return -EIO;
	sqlite3_bind_blob(st, 1, leaf, LEDGER_HASH_LEN, SQLITE_STATIC);
	return find_index(st, index);
}

static int sq_find_event(struct ledger_store *base, const uint8_t *device_id,
			    uint64_t seq, uint64_t *index)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st = stmt(s, ST_FIND_EVENT);

	if (!st)
		return -EIO;
	sqlite3_bind_blob(st, 1, device_id, SZKM_DEVICE_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, clamp64(seq));
	return find_index(st, index);
}

static int sq_key_history(struct ledger_store *base, const uint8_t *key_id,
			     uint64_t below, ledger_store_entry_cb cb,
			     void *ctx)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st = stmt(s, ST_KEY_HISTORY);

	if (!st)
		return -EIO;
	sqlite3_bind_blob(st, 1, key_id, SZKM_KEY_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, clamp64(below));
	return walk_entries(st, cb, ctx);
}

static int sq_scan_nodes(struct ledger_store *base, ledger_store_node_cb cb,
			    void *ctx)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st = stmt(s, ST_SCAN_NODES);
	int rc, ret = 0;

	if (!st)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *h = sqlite3_column_blob(st, 2);

		if (!h || sqlite3_column_bytes(st, 2) != LEDGER_HASH_LEN) {
			ret = -EIO;
			break;
		}
		ret = cb(ctx, (unsigned int)sqlite3_column_int(st, 0),
			 (uint64_t)sqlite3_column_int64(st, 1), h);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = -EIO;
	sqlite3_reset(st);
	return ret;
}

static int blob_into(sqlite3_stmt *st, int col, void *dst, size_t len)
{
	const void *p = sqlite3_column_blob(st, col);

	if (!p || (size_t)sqlite3_column_bytes(st, col) != len)
		return -EIO;
	memcpy(dst, p, len);
	return 0;
}

static int sq_devices(struct ledger_store *base, ledger_store_device_cb cb,
			 void *ctx)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st = stmt(s, ST_DEVICES);
	int rc, ret = 0;

	if (!st)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ledger_store_device d = { 0 };
		const unsigned char *name = sqlite3_column_text(st, 1);

		if (blob_into(st, 0, d.id, sizeof(d.id)) ||
		    blob_into(st, 2, d.pubkey, sizeof(d.pubkey)) ||
		    blob_into(st, 5, d.last_hash, sizeof(d.last_hash)) ||
		    !name || strlen((const char *)name) > SZKM_NAME_MAX) {
			ret = -EIO;
			break;
		}
		strcpy(d.name, (const char *)name);
		d.enrolled_index = (uint64_t)sqlite3_column_int64(st, 3);
		d.last_seq = (uint64_t)sqlite3_column_int64(st, 4);
		d.last_index = (uint64_t)sqlite3_column_int64(st, 6);
		ret = cb(ctx, &d);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = -EIO;
	sqlite3_reset(st);
	return ret;
}

static int walk_checkpoints(sqlite3_stmt *st, ledger_store_checkpoint_cb cb,
			    void *ctx, int *rows)
{
	int rc, ret = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ledger_store_checkpoint cp = {
			.size = (uint64_t)sqlite3_column_int64(st, 0),
			.note = (const char *)sqlite3_column_text(st, 2),
			.note_len = (size_t)sqlite3_column_bytes(st, 2),
			.time = sqlite3_column_int64(st, 3),
		};

		if (!cp.note || blob_into(st, 1, cp.root, sizeof(cp.root))) {
			ret = -EIO;
			break;
		}
		(*rows)++;
		ret = cb(ctx, &cp);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = -EIO;
	sqlite3_reset(st);
	return ret;
}

static int sq_checkpoints(struct ledger_store *base,
			     ledger_store_checkpoint_cb cb, void *ctx)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st = stmt(s, ST_CHECKPOINTS);
	int rows = 0;

	return st ? walk_checkpoints(st, cb, ctx, &rows) : -EIO;
}

/* The one checkpoint row statement @id gives; -ENOENT when none. */
static int one_cp(struct ledger_store *base, enum stmt_id id,
		  ledger_store_checkpoint_cb cb, void *ctx)
{
	struct sqlite_store *s = to_sq(base);
	sqlite3_stmt *st = stmt(s, id);
	int rows = 0, ret;

	if (!st)
		return -EIO;
	ret = walk_checkpoints(st, cb, ctx, &rows);
	return ret ? ret : rows ? 0 : -ENOENT;
}

static int sq_last_checkpoint(struct ledger_store *base,
				 ledger_store_checkpoint_cb cb, void *ctx)
{
	return one_cp(base, ST_LAST_CHECKPOINT, cb, ctx);
}

static int sq_witness(struct ledger_store *base, ledger_store_checkpoint_cb cb,
		      void *ctx)
{
	return one_cp(base, ST_WITNESS, cb, ctx);
}

static const struct ledger_store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.errmsg = sq_errmsg,
	.open_reader = sq_open_reader,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.add_entry = sq_add_entry,
	.put_device = sq_put_device,
	.add_checkpoint = sq_add_checkpoint,
	.nodes = sq_nodes,
	.count = sq_count,
	.scan = sq_scan,
	.find_leaf = sq_find_leaf,
	.find_event = sq_find_event,
	.key_history = sq_key_history,
	.scan_nodes = sq_scan_nodes,
	.devices = sq_devices,
	.checkpoints = sq_checkpoints,
	.last_checkpoint = sq_last_checkpoint,
	.put_witness = sq_put_witness,
	.witness = sq_witness,
};

int ledger_store_open(struct ledger_store **out, const char *location,
		      unsigned int flags, char *err, size_t errlen)
{
	return ledger_store_sqlite_open(out, location, flags, err, errlen);
}
