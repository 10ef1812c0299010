// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ledger_tiles_bench.c - what a tlog-tiles read costs as the ledger grows.
 *
 * Two ledgers, 10^3 entries and LEDGER_TILES_BENCH_ENTRIES (10^7 by
 * default), are grown through the ledger's own append path (decode,
 * chain, SQLite, Merkle; no fsync, the device signatures taken as
 * checked: the cost measured here is the read), one checkpoint signed at
 * the end. Each is served over HTTP and random full level-0 tiles, full
 * level-1 tiles and entry bundles (and one bundle again and again, warm)
 * are fetched on a kept-alive connection.
 * The ratio of the medians says whether a tile's cost depends on the
 * tree's size (goal: about 1).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "bench.h"
#include "http.h"
#include "ledger.h"
#include "../unit/test_ledger_util.h"

#define SAMPLES		5000
#define BATCH		10000

/* BUNDLE_WARM: one bundle again and again, in the page cache: what is
 * left when reading a random bundle of a big store from cold pages is
 * taken out. */
enum { TILE0, TILE1, BUNDLE, BUNDLE_WARM, NKINDS };
static const char *const kind_name[NKINDS] = {
	"level-0 tile", "level-1 tile", "entry bundle",
	"entry bundle, the same one each time",
};

static void fatal(const char *what)
{
	fprintf(stderr, "ledger_tiles_bench: %s\n", what);
	exit(1);
}

/* @n entries: an enrolment, then one device's chain of n - 1 events. */
static struct ledger *grow(const char *db, struct ledger_note_key *k,
			   uint64_t n)
{
	struct ledger_options o = { .db_path = db, .origin = "bench.example/log",
				    .key = k,
				    .store_flags = LEDGER_STORE_NOSYNC };
	static uint8_t body[BATCH][SZKM_EVENT_MAX_LEN];
	static struct ledger_event ev[BATCH];
	static const uint8_t sig[SZKM_EVENT_SIG_LEN] = { 1 };
	struct ledger_result r;
	struct ledger *l;
	struct tdev dev;
	char err[512];

	if (ledger_open(&l, &o, err, sizeof(err)))
		fatal(err);
	if (tdev_init(&dev, NULL) || ledger_begin(l) ||
	    ledger_enrol(l, "bench", dev.pub, 1, &r) || ledger_commit(l, false))
		fatal("enrol");
	for (uint64_t done = 1; done < n;) {
		size_t b = n - done < BATCH ? (size_t)(n - done) : BATCH;

		for (size_t i = 0; i < b; i++) {
			size_t len = tdev_next_body(&dev, 4, body[i], sig);

			if (!len || ledger_event_decode(&ev[i], body[i], len, sig))
				fatal("event");
		}
		if (ledger_begin(l))
			fatal("begin");
		for (size_t i = 0; i < b; i++)
			if (ledger_append_event(l, &ev[i], true, &r) ||
			    r.verdict != LEDGER_APPENDED)
				fatal("append");
		done += b;
		if (ledger_commit(l, done == n))
			fatal("commit");
	}
	tdev_free(&dev);
	return l;
}

/* One GET on kept-alive @fd; 0 when it answered 200 with a body. */
static int fetch(int fd, const char *path)
{
	static char buf[1 << 20];
	char req[256], *end;
	size_t got = 0, want = 0;
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: b\r\n\r\n",
			 path);

	if (write(fd, req, (size_t)n) != n)
		return -EIO;
	for (;;) {
		ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);

		if (r <= 0)
			return -EIO;
		got += (size_t)r;
		buf[got] = 0;
		end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		if (!want) {
			char *cl = strcasestr(buf, "\r\nContent-Length: ");

			if (!cl || cl > end)
				return -EPROTO;
			want = (size_t)(end + 4 - buf) + strtoul(cl + 18, NULL, 10);
		}
		if (got >= want)
			return strncmp(buf, "HTTP/1.1 200", 12) ? -ENOENT : 0;
	}
}

/* Tile path element encoding of tlog-tiles: x001/x234/067. */
static void tile_index(char *out, size_t cap, uint64_t n)
{
	char tail[64] = "";

	snprintf(tail, sizeof(tail), "%03u", (unsigned int)(n % 1000));
	for (n /= 1000; n; n /= 1000) {
		char t[64];

		snprintf(t, sizeof(t), "x%03u/%s", (unsigned int)(n % 1000), tail);
		memcpy(tail, t, sizeof(tail));
	}
	snprintf(out, cap, "%s", tail);
}

/* The median microseconds of each kind of read of ledger @l. */
static void measure(struct ledger *l, uint64_t n, double med[NKINDS])
{
	struct ledger_http_opts ho = { .addr = "127.0.0.1", .threads = 1,
				       .ledger = l };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	static double us[SAMPLES];
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	struct ledger_http *h;
	char err[256], path[128], idx[64];
	int fd, one = 1;

	if (ledger_http_start(&h, &ho, err, sizeof(err)))
		fatal(err);
	sa.sin_port = htons(ledger_http_port(h));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		fatal("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (int k = 0; k < NKINDS; k++) {
		uint64_t full = k == TILE1 ? n >> 16 : n >> 8;

		med[k] = 0;	/* a small tree has no full level-1 tile */
		for (int i = 0; full && i < SAMPLES; i++) {
			double t0;

			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			tile_index(idx, sizeof(idx),
				   k == BUNDLE_WARM ? full / 2 : seed % full);
			snprintf(path, sizeof(path), "/tile/%s/%s",
				 k >= BUNDLE ? "entries" : k == TILE1 ? "1" : "0",
				 idx);
			t0 = now();
			if (fetch(fd, path))
				fatal(path);
			us[i] = (now() - t0) * 1e6;
		}
		if (!full)
			continue;
		qsort(us, SAMPLES, sizeof(*us), cmp_double);
		med[k] = us[SAMPLES / 2];
	}
	close(fd);
	ledger_http_stop(h);
}

int main(void)
{
	const char *env = getenv("LEDGER_TILES_BENCH_ENTRIES");
	uint64_t sizes[2] = { 1000, env ? strtoull(env, NULL, 10) : 10000000 };
	double med[2][NKINDS];
	char dir[] = "/var/tmp/ledger-tiles-bench-XXXXXX", db[256], cmd[512];
	EVP_PKEY *p = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct ledger_note_key k;

	if (sizes[1] < 65536)
		fatal("LEDGER_TILES_BENCH_ENTRIES: at least 65536 (a full "
		      "level-1 tile)");
	if (!p || ledger_note_key_init(&k, "bench.example/log",
				       LEDGER_NOTE_SIG_ED25519, p) ||
	    !mkdtemp(dir))
		fatal("setup");
	EVP_PKEY_free(p);
	for (int s = 0; s < 2; s++) {
		struct ledger *l;
		double t0 = now();

		snprintf(db, sizeof(db), "%s/%d.db", dir, s);
		l = grow(db, &k, sizes[s]);
		printf("tiles: grew a %" PRIu64 "-entry ledger in %.1f s\n",
		       sizes[s], now() - t0);
		measure(l, sizes[s], med[s]);
		ledger_close(l);
		snprintf(cmd, sizeof(cmd), "du -h %s | sed 's/\\t/: /'", db);
		fflush(stdout);
		if (system(cmd))
			fatal("du");
	}
	for (int i = 0; i < NKINDS; i++)
		if (med[0][i] > 0)
			printf("tile serving over HTTP, full %s: median %.1f us "
			       "at %" PRIu64 ", %.1f us at %" PRIu64 ": ratio "
			       "%.2f (goal ~1)\n", kind_name[i], med[0][i],
			       sizes[0], med[1][i], sizes[1],
			       med[1][i] / med[0][i]);
		else
			printf("tile serving over HTTP, full %s: median %.1f us "
			       "at %" PRIu64 " (none at %" PRIu64 ")\n",
			       kind_name[i], med[1][i], sizes[1], sizes[0]);
	ledger_note_key_clear(&k);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? 1 : 0;
}
