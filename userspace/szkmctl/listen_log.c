// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * listen_log.c - the listener's own ledger (see listen_log.h): entry file,
 * tree, signed checkpoints and the proofs the kernel checks.
 */
#include "listen_log.h"
#include "node_key.h"
#include "libszkm.h"
#include "szkm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


/* Proofs per message: a netlink nest holds 64 KiB. */
#define PROOFS_PER_MSG	32
/* An event entry's length: type byte, body, signature. */
#define ENTRY_MIN	(1 + SZKM_EVENT_FIXED_LEN_V1 + SZKM_EVENT_SIG_LEN)
#define ENTRY_MAX	(1 + SZKM_EVENT_MAX_LEN + SZKM_EVENT_SIG_LEN)

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

int listen_log_key(struct listen_log *g, const char *keypath, const char *name,
		   char *err, size_t errlen)
{
	struct ledger_node_key_opts o = { .key = keypath, .name = name };
	int ret;

	/* The key is made on first use, as ledgerd genkey makes one. */
	if (access(keypath, F_OK) && errno == ENOENT) {
		ret = ledger_node_key_generate(keypath, false, err, errlen);
		if (ret)
			return ret;
	}
	ret = ledger_node_key_load(&o, &g->key, err, errlen);
	if (ret)
		return ret;
	if (g->key.type != LEDGER_NOTE_SIG_ECDSA) {
		ledger_note_key_clear(&g->key);
		return fail(err, errlen, -EINVAL, "%s is not an ECDSA P-256 key (the kernel verifies only those)",
			    keypath);
	}
	return 0;
}

/* A record's length field; 0 when it cannot be an event entry's. */
static size_t record_len(const uint8_t h[2])
{
	size_t n = (size_t)h[0] << 8 | h[1];

	return n >= ENTRY_MIN && n <= ENTRY_MAX ? n : 0;
}

/*
 * The record at @off into @entry (ENTRY_MAX bytes): -ENODATA past the end
 * (or a torn last record), -EBADMSG for one that holds no event entry.
 */
static int read_record(int fd, uint64_t off, uint8_t *entry, size_t *len)
{
	uint8_t h[2];

	if (pread(fd, h, sizeof(h), (off_t)off) != sizeof(h))
		return -ENODATA;
	*len = record_len(h);
	if (!*len)
		return -EBADMSG;
	if (pread(fd, entry, *len, (off_t)off + 2) != (ssize_t)*len)
		return -ENODATA;
	return entry[0] == SZKM_LEDGER_ENTRY_EVENT ? 0 : -EBADMSG;
}

int listen_log_open(struct listen_log *g, const char *path, uint64_t size,
		    char *err, size_t errlen)
{
	uint8_t h[LEDGER_HASH_LEN], entry[ENTRY_MAX], magic[LISTEN_LOG_MAGIC_LEN];
	uint64_t off = LISTEN_LOG_MAGIC_LEN;
	size_t len;
	int ret;

	g->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (g->fd < 0)
		return fail(err, errlen, -errno, "cannot open %s: %s", path, strerror(errno));
	/* Nothing to keep: a fresh file (also where an empty one was). */
	if (!size && (ftruncate(g->fd, 0) ||
		      pwrite(g->fd, LISTEN_LOG_MAGIC, LISTEN_LOG_MAGIC_LEN, 0) != LISTEN_LOG_MAGIC_LEN)) {
		listen_log_close(g);
		return fail(err, errlen, -EIO, "cannot write %s", path);
	}
	if (pread(g->fd, magic, sizeof(magic), 0) != sizeof(magic) ||
	    memcmp(magic, LISTEN_LOG_MAGIC, sizeof(magic))) {
		listen_log_close(g);
		return fail(err, errlen, -EBADMSG, "%s is no listener log, or holds fewer entries than the state file says (%llu)",
			    path, (unsigned long long)size);
	}
	if (ledger_mem_store_new(&g->ms) ||
	    ledger_merkle_open(&g->t, ledger_mem_store_ops(g->ms), 0)) {
		listen_log_close(g);
		return fail(err, errlen, -EIO, "cannot set up the listener's tree");
	}
	for (uint64_t i = 0; i < size; i++, off += 2 + len) {
		ret = read_record(g->fd, off, entry, &len);
		if (ret == -ENODATA) {
			listen_log_close(g);
			return fail(err, errlen, -EBADMSG, "%s holds fewer entries than the state file says (%llu)",
				    path, (unsigned long long)size);
		}
		if (ret || ledger_merkle_leaf_hash(entry, len, h) ||
		    ledger_merkle_append_hash(g->t, h, NULL)) {
			listen_log_close(g);
			return fail(err, errlen, -EIO, "cannot read entry %llu of %s",
				    (unsigned long long)i, path);
		}
	}
	/* Entries past the state's size were never proven: the replay redoes them. */
	if (ftruncate(g->fd, (off_t)off)) {
		listen_log_close(g);
		return fail(err, errlen, -EIO, "cannot truncate %s: %s", path, strerror(errno));
	}
	g->end = off;
	return 0;
}

void listen_log_close(struct listen_log *g)
{
	if (g->fd > 0)
		close(g->fd);
	if (g->t)
		ledger_merkle_free(g->t);
	if (g->ms)
		ledger_mem_store_free(g->ms);
	free(g->pend);
	ledger_note_key_clear(&g->key);
	memset(g, 0, sizeof(*g));
}

uint64_t listen_log_size(const struct listen_log *g)
{
	return ledger_merkle_size(g->t);
}

int listen_log_vkey(const struct listen_log *g, char *buf, size_t cap)
{
	size_t len;

	return ledger_note_key_format(&g->key, buf, cap, &len);
}

/* An event's ledger entry (include/szkm.h, "Ledger proofs") into @entry. */
static size_t event_entry(const uint8_t *body, size_t len, const uint8_t sig[64],
			  uint8_t entry[ENTRY_MAX])
{
	if (len < SZKM_EVENT_FIXED_LEN_V1 || len > SZKM_EVENT_MAX_LEN)
		return 0;
	entry[0] = SZKM_LEDGER_ENTRY_EVENT;
	memcpy(entry + 1, body, len);
	memcpy(entry + 1 + len, sig, SZKM_EVENT_SIG_LEN);
	return 1 + len + SZKM_EVENT_SIG_LEN;
}

int listen_log_append(struct listen_log *g, const uint8_t *body, size_t len,
		      const uint8_t sig[64], uint64_t *index)
{
	uint8_t leaf[LEDGER_HASH_LEN], *rec;
	size_t n;
	int ret;

	if (g->cappend - g->npend < 2 + ENTRY_MAX) {
		size_t cap = g->cappend ? 2 * g->cappend : 64 * (2 + ENTRY_MAX);
		void *p = realloc(g->pend, cap);

		if (!p)
			return -ENOMEM;
		g->pend = p;
		g->cappend = cap;
	}
	rec = g->pend + g->npend;
	n = event_entry(body, len, sig, rec + 2);
	if (!n)
		return -EINVAL;
	rec[0] = (uint8_t)(n >> 8);
	rec[1] = (uint8_t)n;
	ret = ledger_merkle_leaf_hash(rec + 2, n, leaf) ?:
	      ledger_merkle_append_hash(g->t, leaf, index);
	if (!ret)
		g->npend += 2 + n;
	return ret;
}

int listen_log_find(struct listen_log *g, const uint8_t *body, size_t len,
		    const uint8_t sig[64], uint64_t window, uint64_t *index)
{
	const struct ledger_hash_store *s = ledger_mem_store_ops(g->ms);
	uint8_t leaf[LEDGER_HASH_LEN], h[LEDGER_HASH_LEN], entry[ENTRY_MAX];
	uint64_t size = listen_log_size(g);
	size_t n = event_entry(body, len, sig, entry);

	if (!n || ledger_merkle_leaf_hash(entry, n, leaf))
		return -EINVAL;
	for (uint64_t i = size; i > 0 && size - i < window; i--) {
		if (s->get(s->ctx, 0, i - 1, h))
			return -EIO;
		if (!memcmp(h, leaf, sizeof(h))) {
			*index = i - 1;
			return 0;
		}
	}
	return -ENOENT;
}

int listen_log_sync(struct listen_log *g)
{
	if (g->npend) {
		if (pwrite(g->fd, g->pend, g->npend, (off_t)g->end) != (ssize_t)g->npend)
			return -EIO;
		g->end += g->npend;
		g->npend = 0;
	}
	return fdatasync(g->fd) ? -errno : 0;
}

int listen_log_scan(struct listen_log *g, listen_log_body_cb cb, void *ctx)
{
	uint8_t entry[ENTRY_MAX];
	size_t len;
	int ret;

	for (uint64_t off = LISTEN_LOG_MAGIC_LEN; off < g->end; off += 2 + len) {
		if (read_record(g->fd, off, entry, &len))
			return -EIO;
		ret = cb(ctx, entry + 1, len - 1 - SZKM_EVENT_SIG_LEN,
			 entry + len - SZKM_EVENT_SIG_LEN);
		if (ret)
			return ret;
	}
	/* Then what waits for the next sync, in the same records. */
	for (size_t off = 0; off < g->npend; off += 2 + len) {
		len = record_len(g->pend + off);
		ret = cb(ctx, g->pend + off + 3, len - 1 - SZKM_EVENT_SIG_LEN,
			 g->pend + off + 2 + len - SZKM_EVENT_SIG_LEN);
		if (ret)
			return ret;
	}
	return 0;
}

/* A checkpoint of the whole tree, signed with the listener's key. */
static int sign_checkpoint(struct listen_log *g, char *note, size_t cap, size_t *len)
{
	struct ledger_checkpoint cp = { .size = listen_log_size(g) };
	char text[LEDGER_NOTE_MAX_NAME + 128];
	size_t tlen;

	snprintf(cp.origin, sizeof(cp.origin), "%s", g->key.name);
	return ledger_merkle_root(g->t, cp.size, cp.root) ?:
	       ledger_checkpoint_format(&cp, text, sizeof(text), &tlen) ?:
	       ledger_note_sign(text, tlen, &g->key, 1, (uint64_t)time(NULL), note, cap, len);
}

int listen_log_prove(struct listen_log *g, const uint8_t *dev,
		     const uint64_t *seq, const uint64_t *index, size_t n)
{
	static uint8_t paths[PROOFS_PER_MSG][LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	static uint8_t cons[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	struct szkm_event_proof p[PROOFS_PER_MSG];
	uint64_t size = listen_log_size(g);
	char note[1024];
	size_t nlen, ncons = 0, k = 0;
	struct szkm_status st;
	int ret;

	ret = szkm_status_get(&st) ?: sign_checkpoint(g, note, sizeof(note), &nlen);
	if (ret)
		return ret;
	if (st.ledger_size > size)
		return -ERANGE;	/* the kernel saw a bigger tree: not ours */
	if (st.ledger_size && st.ledger_size < size) {
		ret = ledger_merkle_consistency_proof(g->t, st.ledger_size, size, cons,
						      LEDGER_MERKLE_MAX_PROOF, &ncons);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < n; i++) {
		p[k] = (struct szkm_event_proof){ .seq = seq[i], .index = index[i], .path = paths[k] };
		ret = ledger_merkle_inclusion_proof(g->t, index[i], size, paths[k],
						    LEDGER_MERKLE_MAX_PROOF, &p[k].n);
		if (ret)
			return ret;
		if (++k < PROOFS_PER_MSG && i + 1 < n)
			continue;
		ret = szkm_event_prove(dev, note, nlen, (const uint8_t (*)[32])cons, ncons, p, k);
		if (ret)
			return ret;
		ncons = 0;	/* the kernel is at @size now */
		k = 0;
	}
	return 0;
}

int listen_log_resume(struct listen_log *g, const uint8_t *dev, uint64_t seq,
		      uint64_t index, const uint8_t *body, size_t len,
		      const uint8_t sig[64])
{
	uint8_t path[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	struct szkm_event_proof p = { .seq = seq, .index = index, .path = path };
	char note[1024];
	size_t nlen;

	return sign_checkpoint(g, note, sizeof(note), &nlen) ?:
	       ledger_merkle_inclusion_proof(g->t, index, listen_log_size(g), path,
					     LEDGER_MERKLE_MAX_PROOF, &p.n) ?:
	       szkm_event_resume_proven(dev, note, nlen, body, len, sig, &p);
}
