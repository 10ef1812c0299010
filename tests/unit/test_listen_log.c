// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_listen_log.c - the entry file of `szkmctl events listen --ack`
 * (userspace/szkmctl/listen_log.c): entries kept whole and durable, the
 * tree rebuilt from them at open with the leaf hashes the ledger uses, the
 * file cut back to what the state file says, and the bodies read back in
 * order for the kernel's key registry. No kernel, no key.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "listen_log.h"
#include "test_ledger_util.h"

#define NEV	7

struct fixture {
	char dir[64];
	char path[128];
	struct tdev dev;
	uint8_t body[NEV][SZKM_EVENT_MAX_LEN];
	size_t len[NEV];
	uint8_t sig[NEV][64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/listen-log-unit-XXXXXX");
	if (!mkdtemp(f->dir) || tdev_init(&f->dev, NULL))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/listen.state.log", f->dir);
	for (int i = 0; i < NEV; i++) {
		f->len[i] = tdev_next(&f->dev, 2, f->body[i], f->sig[i]);
		if (!f->len[i])
			return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int ret;

	tdev_free(&f->dev);
	ret = tdir_remove(f->dir);
	free(f);
	return ret;
}

/* The root the ledger would have over the first @n events' entries. */
static void ledger_root(const struct fixture *f, uint64_t n, uint8_t root[32])
{
	struct ledger_mem_store *ms;
	struct ledger_merkle *t;
	uint8_t entry[1 + SZKM_EVENT_MAX_LEN + 64], leaf[32];

	assert_int_equal(ledger_mem_store_new(&ms), 0);
	assert_int_equal(ledger_merkle_open(&t, ledger_mem_store_ops(ms), 0), 0);
	for (uint64_t i = 0; i < n; i++) {
		entry[0] = SZKM_LEDGER_ENTRY_EVENT;
		memcpy(entry + 1, f->body[i], f->len[i]);
		memcpy(entry + 1 + f->len[i], f->sig[i], 64);
		assert_int_equal(ledger_merkle_leaf_hash(entry, 1 + f->len[i] + 64, leaf), 0);
		assert_int_equal(ledger_merkle_append_hash(t, leaf, NULL), 0);
	}
	assert_int_equal(ledger_merkle_root(t, n, root), 0);
	ledger_merkle_free(t);
	ledger_mem_store_free(ms);
}

static void open_log(struct fixture *f, struct listen_log *g, uint64_t size)
{
	char err[512];

	memset(g, 0, sizeof(*g));
	if (listen_log_open(g, f->path, size, err, sizeof(err)))
		fail_msg("open at %llu: %s", (unsigned long long)size, err);
	assert_int_equal(listen_log_size(g), size);
}

static void assert_root(struct fixture *f, struct listen_log *g, uint64_t n)
{
	uint8_t want[32], got[32];

	ledger_root(f, n, want);
	assert_int_equal(ledger_merkle_root(g->t, n, got), 0);
	assert_memory_equal(got, want, 32);
}

struct scan {
	struct fixture *f;
	int n;
};

static int check_body(void *ctx, const uint8_t *body, size_t len, const uint8_t *sig)
{
	struct scan *s = ctx;

	assert_true(s->n < NEV);
	assert_int_equal(len, s->f->len[s->n]);
	assert_memory_equal(body, s->f->body[s->n], len);
	assert_ptr_equal(sig, body + len);	/* the entry: body then signature */
	s->n++;
	return 0;
}

static int scan_count(struct fixture *f, struct listen_log *g)
{
	struct scan s = { f, 0 };

	assert_int_equal(listen_log_scan(g, check_body, &s), 0);
	return s.n;
}

static void append(struct fixture *f, struct listen_log *g, int from, int to)
{
	uint64_t index;

	for (int i = from; i < to; i++) {
		assert_int_equal(listen_log_append(g, f->body[i], f->len[i], f->sig[i], &index), 0);
		assert_int_equal(index, i);
	}
}

static void entries_come_back_with_the_same_tree(void **state)
{
	struct fixture *f = *state;
	struct listen_log g;
	uint64_t index;

	open_log(f, &g, 0);
	append(f, &g, 0, 5);
	assert_int_equal(listen_log_sync(&g), 0);
	append(f, &g, 5, NEV);
	/* Appended but not synced: in the tree and the scan already. */
	assert_int_equal(scan_count(f, &g), NEV);
	assert_root(f, &g, NEV);
	assert_int_equal(listen_log_sync(&g), 0);
	assert_int_equal(listen_log_find(&g, f->body[2], f->len[2], f->sig[2], 100, &index), 0);
	assert_int_equal(index, 2);
	listen_log_close(&g);

	open_log(f, &g, NEV);
	assert_root(f, &g, NEV);
	assert_int_equal(scan_count(f, &g), NEV);
	assert_int_equal(listen_log_find(&g, f->body[6], f->len[6], f->sig[6], 100, &index), 0);
	assert_int_equal(index, 6);
	listen_log_close(&g);
}

static void file_is_cut_back_to_the_state_size(void **state)
{
	struct fixture *f = *state;
	struct listen_log g;
	struct stat st;
	off_t want = LISTEN_LOG_MAGIC_LEN;
	char err[512];
	uint64_t index;

	open_log(f, &g, 0);
	append(f, &g, 0, NEV);
	assert_int_equal(listen_log_sync(&g), 0);
	listen_log_close(&g);
	/* The state file says 4: the rest was never proven. */
	open_log(f, &g, 4);
	assert_root(f, &g, 4);
	assert_int_equal(scan_count(f, &g), 4);
	for (int i = 0; i < 4; i++)
		want += 2 + 1 + (off_t)f->len[i] + 64;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, want);
	assert_int_equal(listen_log_find(&g, f->body[5], f->len[5], f->sig[5], 100, &index), -ENOENT);
	/* The replay brings them back, at the same indexes. */
	append(f, &g, 4, NEV);
	assert_int_equal(listen_log_sync(&g), 0);
	listen_log_close(&g);
	open_log(f, &g, NEV);
	assert_root(f, &g, NEV);
	listen_log_close(&g);
	/* More than the file holds, or a torn last record: refused. */
	memset(&g, 0, sizeof(g));
	assert_int_equal(listen_log_open(&g, f->path, NEV + 1, err, sizeof(err)), -EBADMSG);
	assert_int_equal(truncate(f->path, st.st_size + 1), 0);
	open_log(f, &g, 4);
	listen_log_close(&g);
	assert_int_equal(truncate(f->path, st.st_size - 1), 0);
	memset(&g, 0, sizeof(g));
	assert_int_equal(listen_log_open(&g, f->path, 4, err, sizeof(err)), -EBADMSG);
}

static void leaf_file_of_an_older_listener_is_refused(void **state)
{
	struct fixture *f = *state;
	struct listen_log g = { 0 };
	uint8_t hashes[3 * 32];
	char err[512];
	int fd;

	memset(hashes, 0x5a, sizeof(hashes));
	fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, hashes, sizeof(hashes)), sizeof(hashes));
	close(fd);
	assert_int_equal(listen_log_open(&g, f->path, 3, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "no listener log"));
	/* With nothing to keep, the file starts over. */
	open_log(f, &g, 0);
	append(f, &g, 0, 2);
	assert_int_equal(listen_log_sync(&g), 0);
	listen_log_close(&g);
	open_log(f, &g, 2);
	assert_root(f, &g, 2);
	listen_log_close(&g);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(entries_come_back_with_the_same_tree),
		T(file_is_cut_back_to_the_state_size),
		T(leaf_file_of_an_older_listener_is_refused),
	};

	return cmocka_run_group_tests_name("listen_log", tests, NULL, NULL);
}
