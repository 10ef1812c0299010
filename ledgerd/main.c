// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * main.c - ledgerd: configuration, the event loop, and the small client
 * subcommands (genkey, vkey, check, enroll, feed). ledgerd(8) is the
 * manual.
 *
 * One thread owns the ledger's write side. Each turn of the loop gathers
 * every request that is ready (kernel events, control-socket lines) into
 * one batch, validates and appends them, signs a checkpoint, commits once
 * (one fsync: group commit) and only then acknowledges: to the kernel
 * with SZKM_CMD_EVENT_ACK, to control clients with a reply line. Under
 * load the batches grow by themselves, since everything that arrived
 * during the last fsync is in the next batch. The HTTP server reads in
 * its own threads. A failed commit ends the process (exit 1): the disk is
 * the truth, and a restart recovers from it and asks the kernel to replay
 * what was not acknowledged.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "control.h"
#include "http.h"
#include "ledger.h"
#include "libszkm.h"
#include "szkm_event.h"
#include "node_key.h"

#define DEFAULT_CONFIG	"/etc/ledgerd/ledgerd.conf"
#define MAX_POLL	80

struct config {
	char db[PATH_MAX];
	char origin[LEDGER_NOTE_MAX_NAME + 1];
	char key_name[LEDGER_NOTE_MAX_NAME + 1];
	char key[PATH_MAX];
	char pkcs11_module[PATH_MAX];
	char pkcs11_pin[256];
	char http_address[64];
	unsigned int http_port;
	unsigned int http_threads;
	char control[108];
	char netlink[8];		/* auto, yes, no */
	unsigned int checkpoint_ms;
	unsigned int batch_max;
	bool verify_all;
	bool nosync;
	unsigned int verify_threads;
	unsigned int netlink_rcvbuf;	/* bytes; 0: libszkm's default */
};

static void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->db, "/var/lib/ledgerd/ledger.db");
	strcpy(c->origin, "localhost/szkm-ledger");
	strcpy(c->key, "/etc/ledgerd/node.pem");
	strcpy(c->http_address, "127.0.0.1");
	c->http_port = 8587;
	c->http_threads = 2;
	strcpy(c->control, "/run/ledgerd/control");
	strcpy(c->netlink, "auto");
	c->checkpoint_ms = 0;
	c->batch_max = 4096;
	{
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		c->verify_threads = n < 1 ? 1 : n > 16 ? 16 : (unsigned int)n;
	}
}

static void vsay(const char *fmt, va_list ap)
{
	fputs("ledgerd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(1);
}

static void copy_str(char *dst, size_t cap, const char *v, const char *what)
{
	if (strlen(v) >= cap)
		die("%s is too long: %s", what, v);
	strcpy(dst, v);
}

static unsigned int to_uint(const char *v, unsigned int max, const char *what)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || !*v || *end || n > max)
		die("%s: '%s' is not a number from 0 to %u", what, v, max);
	return (unsigned int)n;
}

static bool to_bool(const char *v, const char *what)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		return true;
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		return false;
	die("%s: '%s' is not yes or no", what, v);
}

/* One setting, from the file (key = value) or a flag (--key value). */
static void set(struct config *c, const char *k, const char *v)
{
	if (!strcmp(k, "db"))
		copy_str(c->db, sizeof(c->db), v, k);
	else if (!strcmp(k, "origin"))
		copy_str(c->origin, sizeof(c->origin), v, k);
	else if (!strcmp(k, "key_name"))
		copy_str(c->key_name, sizeof(c->key_name), v, k);
	else if (!strcmp(k, "key"))
		copy_str(c->key, sizeof(c->key), v, k);
	else if (!strcmp(k, "pkcs11_module"))
		copy_str(c->pkcs11_module, sizeof(c->pkcs11_module), v, k);
	else if (!strcmp(k, "pkcs11_pin"))
		copy_str(c->pkcs11_pin, sizeof(c->pkcs11_pin), v, k);
	else if (!strcmp(k, "http_address"))
		copy_str(c->http_address, sizeof(c->http_address), v, k);
	else if (!strcmp(k, "http_port"))
		c->http_port = to_uint(v, 65535, k);
	else if (!strcmp(k, "http_threads"))
		c->http_threads = to_uint(v, 64, k);
	else if (!strcmp(k, "control_socket"))
		copy_str(c->control, sizeof(c->control), v, k);
	else if (!strcmp(k, "netlink")) {
		if (strcmp(v, "auto") && strcmp(v, "yes") && strcmp(v, "no"))
			die("netlink: '%s' is not auto, yes or no", v);
		strcpy(c->netlink, v);
	} else if (!strcmp(k, "checkpoint_interval_ms"))
		c->checkpoint_ms = to_uint(v, 1000, k);
	else if (!strcmp(k, "batch_max"))
		c->batch_max = to_uint(v, 1 << 20, k);
	else if (!strcmp(k, "verify_threads"))
		c->verify_threads = to_uint(v, 16, k);
	else if (!strcmp(k, "netlink_rcvbuf"))
		c->netlink_rcvbuf = to_uint(v, 1 << 30, k);
	else if (!strcmp(k, "verify_all"))
		c->verify_all = to_bool(v, k);
	else if (!strcmp(k, "durability")) {
		if (strcmp(v, "full") && strcmp(v, "none"))
			die("durability: '%s' is not full or none", v);
		c->nosync = !strcmp(v, "none");
	} else
		die("unknown setting '%s'", k);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = 0;
	return s;
}

static void config_file(struct config *c, const char *path, bool required)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	unsigned int n = 0;

	if (!f) {
		if (required || errno != ENOENT)
			die("cannot read %s: %s", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line), *eq;

		n++;
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq)
			die("%s:%u: expected key = value", path, n);
		*eq = 0;
		set(c, trim(s), trim(eq + 1));
	}
	fclose(f);
}

/* Client side of the control socket: used by enroll and feed. */

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		die("cannot make a socket for %s", path);
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("cannot reach ledgerd at %s: %s", path, strerror(errno));
	return fd;
}

/* Sends every line of @in, prints every reply; 1 if any was not ok. */
static int ctl_session(const char *path, FILE *in)
{
	int fd = ctl_connect(path), bad = 0;
	FILE *rx = fdopen(dup(fd), "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long sent = 0, got = 0;

	if (!rx)
		die("fdopen: %s", strerror(errno));
	while ((n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] != '\n') {
			line = realloc(line, (size_t)n + 2);
			if (!line)
				die("out of memory");
			line[n++] = '\n';
			line[n] = 0;
		}
		if (write(fd, line, (size_t)n) != n)
			die("write to ledgerd: %s", strerror(errno));
		sent++;
	}
	shutdown(fd, SHUT_WR);
	while (got < sent && (n = getline(&line, &cap, rx)) > 0) {
		fputs(line, stdout);
		if (strncmp(line, "ok ", 3) && strncmp(line, "dup ", 4) &&
		    strncmp(line, "enrolled ", 9) &&
		    strncmp(line, "synced ", 7) && strncmp(line, "head ", 5))
			bad = 1;
		got++;
	}
	if (got < sent) {
		fprintf(stderr, "ledgerd: %ld of %ld replies missing\n",
			sent - got, sent);
		bad = 1;
	}
	free(line);
	fclose(rx);
	close(fd);
	return bad;
}

/* A device key as hex: 130 hex digits, or a PEM public or private key. */
static void pubkey_arg(const char *arg, char hex[2 * SZKM_P256_PUB_LEN + 1])
{
	uint8_t pub[SZKM_P256_PUB_LEN];
	size_t len = 0;
	EVP_PKEY *pk = NULL;
	FILE *f;

	if (strlen(arg) == 2 * SZKM_P256_PUB_LEN &&
	    strspn(arg, "0123456789abcdefABCDEF") == strlen(arg)) {
		strcpy(hex, arg);
		return;
	}
	f = fopen(arg, "r");
	if (!f)
		die("%s is neither a hex P-256 point nor a readable file", arg);
	pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	if (!pk) {
		rewind(f);
		pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	}
	fclose(f);
	if (!pk || !EVP_PKEY_get_octet_string_param(pk, "encoded-pub-key", pub,
						    sizeof(pub), &len) ||
	    len != SZKM_P256_PUB_LEN)
		die("%s holds no P-256 public key", arg);
	EVP_PKEY_free(pk);
	for (size_t i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", pub[i]);
}

/* The daemon. */

struct daemon {
	struct config *cfg;
	struct ledger *l;
	struct ledger_http *http;
	struct ledger_control *ctl;
	struct szkm_event_sub *nl;	/* the "events" group, non-blocking */
	unsigned long nl_malformed;	/* said so far */
	/* The batch: requests in chunks that never move (a decoded event
	 * points into its request), results and checks by index. */
	struct ledgerd_req **chunks;
	struct ledger_result *res;
	struct ledger_sigcheck *sigs;
	size_t nreqs, capreqs;
	bool want_cp;
	bool replay_needed;
	uint8_t nl_dev[SZKM_DEVICE_ID_LEN];
	bool nl_have_dev;
	bool nl_opened;		/* once: later failures are retried */
	/* A key registry restore that failed, said once until this changes. */
	bool restore_failed;
	uint64_t restore_seq, restore_head;
	double last_cp, next_nl_try, last_tick, last_nl_check;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define REQ_CHUNK	256

static struct ledgerd_req *req_at(const struct daemon *d, size_t i)
{
	return &d->chunks[i / REQ_CHUNK][i % REQ_CHUNK];
}

static struct ledgerd_req *new_req(struct daemon *d)
{
	if (d->nreqs == d->capreqs) {
		size_t cap = d->capreqs + REQ_CHUNK;
		void *p = realloc(d->chunks, cap / REQ_CHUNK * sizeof(*d->chunks));

		if (!p)
			die("out of memory");
		d->chunks = p;
		d->chunks[cap / REQ_CHUNK - 1] = malloc(REQ_CHUNK * sizeof(**d->chunks));
		if (!d->chunks[cap / REQ_CHUNK - 1])
			die("out of memory");
		p = realloc(d->res, cap * sizeof(*d->res));
		if (!p)
			die("out of memory");
		d->res = p;
		p = realloc(d->sigs, cap * sizeof(*d->sigs));
		if (!p)
			die("out of memory");
		d->sigs = p;
		d->capreqs = cap;
	}
	return req_at(d, d->nreqs++);
}

/* An event enters the batch: decoded here, once, where it stays. */
static void decode_req(struct ledgerd_req *r)
{
	int ret = ledgerd_req_decode(r);

	if (ret)
		die("decoding an event failed (%s)", strerror(-ret));
}

static int take_ctl(void *ctx, const struct ledgerd_req *r)
{
	struct daemon *d = ctx;
	struct ledgerd_req *q = new_req(d);

	*q = *r;
	decode_req(q);
	return d->nreqs >= d->cfg->batch_max;
}

static int take_nl(uint64_t seq, const uint8_t *body, size_t len,
		   const uint8_t sig[SZKM_EVENT_SIG_LEN], void *ctx)
{
	struct daemon *d = ctx;
	struct ledgerd_req *r = new_req(d);

	memset(r, 0, sizeof(*r));
	r->kind = REQ_EVENT;
	r->src = SRC_NETLINK;
	r->nl_seq = seq;
	memcpy(r->body, body, len);
	r->len = len;
	memcpy(r->sig, sig, SZKM_EVENT_SIG_LEN);
	decode_req(r);
	return 0;
}

/* The kernel's device id; -ENOKEY or another errno when it has none. */
static int nl_identity(struct daemon *d)
{
	struct szkm_identity idn;
	int ret = szkm_device_identity(&idn);

	if (!ret)
		memcpy(d->nl_dev, idn.id, SZKM_DEVICE_ID_LEN);
	return ret;
}

static void nl_try_open(struct daemon *d)
{
	uint64_t head = 0;
	int ret;

	d->next_nl_try = now_mono() + 10;
	d->nl = szkm_event_subscribe(1);
	if (!d->nl) {
		/* "yes": the kernel must be there at start; later (a module
		 * reload) we keep trying. */
		if (!strcmp(d->cfg->netlink, "yes") && !d->nl_opened)
			die("generic netlink family '%s' has no '%s' group "
			    "(is szkm.ko loaded?)", SZKM_GENL_NAME,
			    SZKM_MCGRP_EVENTS);
		return;
	}
	if (d->cfg->netlink_rcvbuf)
		szkm_event_sub_rcvbuf(d->nl, d->cfg->netlink_rcvbuf);
	d->nl_malformed = 0;
	d->nl_opened = true;
	say("listening to the kernel's events (family %s)", SZKM_GENL_NAME);
	ret = nl_identity(d);
	d->nl_have_dev = ret == 0;
	if (ret) {
		say("the kernel has no device yet; waiting for its events");
		return;
	}
	if (ledger_device_head(d->l, d->nl_dev, &head)) {
		char idh[65];

		szkm_hex_encode(idh, d->nl_dev, 32);
		say("the kernel's device %s is not enrolled: its events are "
		    "rejected until an administrator enrols it", idh);
	}
	d->replay_needed = true;
}

/*
 * A device with ledger keys resumes only from the ledger's proof of its
 * last event: that event, the latest checkpoint and the inclusion proof.
 */
static bool nl_resume_proven(struct daemon *d)
{
	static char note[LEDGER_NOTE_MAX_SIZE];
	uint8_t entry[LEDGER_ENTRY_MAX_LEN];
	uint8_t path[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	struct szkm_event_proof p = { .path = path };
	size_t nlen, elen;
	uint64_t size;
	int ret;

	ret = ledger_device_last_event(d->l, d->nl_dev, &p.seq, &p.index, entry,
				       sizeof(entry), &elen);
	if (ret == -ENOENT || ret == -ENODATA)
		return false;	/* not enrolled, or nothing of it yet */
	if (!ret)
		ret = ledger_checkpoint(d->l, note, sizeof(note), &nlen, &size, NULL);
	if (!ret && size <= p.index)
		ret = -EAGAIN;	/* the next checkpoint will cover it */
	if (!ret)
		ret = ledger_inclusion(d->l, p.index, size, path, &p.n);
	if (ret) {
		say("cannot prove the device's last event (seq %" PRIu64 "): %s",
		    p.seq, strerror(-ret));
		return false;
	}
	ret = szkm_event_resume_proven(d->nl_dev, note, nlen, entry + 1,
				       elen - 1 - SZKM_EVENT_SIG_LEN,
				       entry + elen - SZKM_EVENT_SIG_LEN, &p);
	if (ret && ret != -EALREADY)
		say("resuming the kernel's event chain after seq %" PRIu64 ": %s (%s)",
		    p.seq, strerror(-ret), szkm_last_message());
	else if (!ret)
		say("resumed the kernel's event chain after seq %" PRIu64
		    ", proven by the checkpoint of size %" PRIu64, p.seq, size);
	return !ret || ret == -EALREADY;
}

static int restore_body(void *ctx, const uint8_t *body, size_t len)
{
	return szkm_chain_batch_add(ctx, body, len);
}

/*
 * Once the chain is resumed (by us, or by another follower), the kernel
 * rebuilds its key registry from the device's whole chain: hand it every
 * event of the device the ledger holds, seq 1 to the last, which must be
 * where the kernel resumed. A failure is said once for each resume point.
 */
static void nl_restore(struct daemon *d, const struct szkm_status *st)
{
	struct szkm_chain_batch *b;
	uint64_t head, n = 0;
	int ret;

	if (!st->chain || st->registry != SZKM_REG_RESTORING ||
	    ledger_device_head(d->l, d->nl_dev, &head) ||
	    (d->restore_failed && d->restore_seq == st->seq && d->restore_head == head))
		return;
	d->restore_failed = true;
	d->restore_seq = st->seq;
	d->restore_head = head;
	if (head != st->seq) {
		say("not restoring the kernel's key registry: it resumed its event "
		    "chain after seq %" PRIu64 ", the ledger's last event of the "
		    "device is seq %" PRIu64, st->seq, head);
		return;
	}
	b = szkm_chain_batch_new(d->nl_dev);
	if (!b)
		die("out of memory");
	ret = ledger_device_events(d->l, d->nl_dev, restore_body, b, &n);
	if (!ret)
		ret = szkm_chain_batch_end(b);
	szkm_chain_batch_free(b);
	if (ret) {
		say("restoring the kernel's key registry from %" PRIu64 " events: "
		    "%s (%s)", n, strerror(-ret), szkm_last_message());
		return;
	}
	d->restore_failed = false;
	say("restored the kernel's key registry from %" PRIu64 " events", n);
}

/*
 * After an unseal (a reboot, a module reload) the kernel does not know
 * where its chain stands and refuses every change until told: tell it the
 * last event we hold for its device. Only for an enrolled device: the
 * kernel stays closed until an administrator enrols it.
 */
static void nl_resume(struct daemon *d)
{
	struct szkm_status st;
	int ret;

	ret = szkm_status_get(&st);
	if (ret) {
		say("asking the kernel for its status: %s", strerror(-ret));
		return;
	}
	if (!st.chain) {
		d->restore_failed = false;	/* a new resume point */
		if (!nl_resume_proven(d) || szkm_status_get(&st))
			return;
	}
	nl_restore(d, &st);
}

static void nl_replay(struct daemon *d)
{
	int ret;

	d->replay_needed = false;
	if (!d->nl)
		return;
	/* Asked each time: the device may have been made or replaced. */
	if (nl_identity(d)) {
		d->nl_have_dev = false;
		return;
	}
	d->nl_have_dev = true;
	nl_resume(d);
	/*
	 * Everything the kernel still holds, not only what follows our head:
	 * an event appended just before a crash, whose ack never went out,
	 * comes back as a duplicate and is acknowledged again (the journal
	 * keeps only unacknowledged events, so this is short).
	 */
	ret = szkm_event_replay(0, take_nl, d);
	if (ret)
		say("asking the kernel to replay its journal: %s",
		    strerror(-ret));
}

/*
 * Every few seconds: if the kernel's chain is not positioned (a module
 * reload and unseal while we run) or events wait in its journal although
 * we are idle (a lost multicast, an ack that failed), ask for a replay.
 */
static void nl_check(struct daemon *d)
{
	struct szkm_status st;
	uint64_t head;

	if (!d->nl)
		return;
	if (szkm_status_get(&st)) {
		/* The module was unloaded: its family is gone, and a new
		 * load has a new one. Open again (nl_try_open retries). */
		say("lost the kernel's generic netlink family; reopening");
		szkm_event_unsubscribe(d->nl);
		d->nl = NULL;
		d->nl_have_dev = false;
		d->next_nl_try = now_mono() + 1;
		return;
	}
	/* The device may have been unsealed or replaced meanwhile. */
	d->nl_have_dev = !nl_identity(d);
	if (!d->nl_have_dev || ledger_device_head(d->l, d->nl_dev, &head))
		return;
	if (!st.chain || st.journal)
		d->replay_needed = true;
	else
		nl_restore(d, &st);
}

static void log_reject(const struct ledgerd_req *r,
		       const struct ledger_result *res)
{
	char idh[65] = "?";

	if (res->has_device)
		szkm_hex_encode(idh, res->device_id, 8);
	if (r->kind == REQ_ENROL)
		say("rejected enrolment of '%s' (device %s...): %s", r->name,
		    idh, res->why);
	else
		say("rejected event seq %" PRIu64 " of device %s... from %s: "
		    "%s", res->seq, idh,
		    r->src == SRC_NETLINK ? "the kernel" : "the control socket",
		    res->why);
}

static void reply(struct daemon *d, const struct ledgerd_req *r,
		  const struct ledger_result *res)
{
	char line[256], idh[65];
	uint64_t head = 0;
	int ret;

	switch (r->kind) {
	case REQ_BAD:
		snprintf(line, sizeof(line), "error %s", r->why);
		break;
	case REQ_SYNC:
		snprintf(line, sizeof(line), "synced %" PRIu64,
			 ledger_size(d->l));
		break;
	case REQ_HEAD:
		ret = ledger_device_head(d->l, r->device_id, &head);
		if (ret)
			snprintf(line, sizeof(line), "reject unenrolled-device");
		else
			snprintf(line, sizeof(line), "head %" PRIu64, head);
		break;
	case REQ_ENROL:
		if (res->verdict == LEDGER_REJECTED) {
			snprintf(line, sizeof(line), "reject %s", res->why);
			break;
		}
		szkm_hex_encode(idh, res->device_id, 32);
		snprintf(line, sizeof(line), "enrolled %" PRIu64 " %s",
			 res->index, idh);
		say("enrolled device '%s' %s at index %" PRIu64, r->name, idh,
		    res->index);
		if (d->nl_have_dev && !memcmp(res->device_id, d->nl_dev, 32))
			d->replay_needed = true;
		break;
	case REQ_EVENT:
		if (res->verdict == LEDGER_REJECTED)
			snprintf(line, sizeof(line), "reject %s", res->why);
		else
			snprintf(line, sizeof(line), "%s %" PRIu64 " %" PRIu64,
				 res->verdict == LEDGER_APPENDED ? "ok" : "dup",
				 res->index, res->seq);
		break;
	}
	if (r->src == SRC_CONTROL) {
		ledger_control_reply(d->ctl, r->client, line);
		return;
	}
	/* From the kernel: nl_ack_batch() acknowledges after the batch. */
	if (res->verdict == LEDGER_REJECTED && !strcmp(res->why, "seq-gap")) {
		/* We missed events (a full socket): ask for them again. */
		d->replay_needed = true;
	}
}

/* Batch item @i came from the kernel and is in the ledger. */
static bool nl_in_ledger(const struct daemon *d, size_t i)
{
	const struct ledgerd_req *r = req_at(d, i);

	return r->src == SRC_NETLINK && r->kind == REQ_EVENT &&
	       d->res[i].verdict != LEDGER_REJECTED;
}

/*
 * Up to SZKM_LEDGER_PROOFS_MAX inclusion proofs per message (fewer when
 * the paths are long: a netlink nest holds 64 KiB).
 */
#define NL_PROOFS_PER_MSG	32

/*
 * The kernel's proof for the batch's events: the latest checkpoint (which
 * covers them: the commit signed one), the consistency proof from the
 * last checkpoint the kernel accepted, and an inclusion proof per event.
 * The kernel checks them all before it frees anything.
 */
static void nl_prove(struct daemon *d, const struct szkm_status *st)
{
	static char note[LEDGER_NOTE_MAX_SIZE];
	static uint8_t cons[LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	static uint8_t paths[NL_PROOFS_PER_MSG][LEDGER_MERKLE_MAX_PROOF][LEDGER_HASH_LEN];
	struct szkm_event_proof p[NL_PROOFS_PER_MSG];
	size_t nlen, ncons = 0, n = 0;
	uint64_t size;
	int ret;

	ret = ledger_checkpoint(d->l, note, sizeof(note), &nlen, &size, NULL);
	if (ret) {
		say("no checkpoint to prove events to the kernel: %s", strerror(-ret));
		return;
	}
	if (st->ledger_size > size) {
		say("the kernel accepted a checkpoint of size %" PRIu64 ", ahead of "
		    "this ledger (%" PRIu64 "): is this the ledger its keys name?",
		    st->ledger_size, size);
		return;
	}
	if (st->ledger_size && st->ledger_size < size &&
	    (ret = ledger_consistency(d->l, st->ledger_size, size, cons, &ncons))) {
		say("consistency proof %" PRIu64 " -> %" PRIu64 ": %s",
		    st->ledger_size, size, strerror(-ret));
		return;
	}
	for (size_t i = 0; i <= d->nreqs; i++) {
		if (i < d->nreqs && nl_in_ledger(d, i)) {
			p[n] = (struct szkm_event_proof){
				.seq = req_at(d, i)->nl_seq,
				.index = d->res[i].index,
				.path = paths[n],
			};
			ret = ledger_inclusion(d->l, p[n].index, size, paths[n], &p[n].n);
			if (ret) {
				say("inclusion proof of index %" PRIu64 ": %s",
				    p[n].index, strerror(-ret));
				return;
			}
			n++;
		}
		if (n && (n == NL_PROOFS_PER_MSG || i == d->nreqs)) {
			ret = szkm_event_prove(d->nl_dev, note, nlen,
					       (const uint8_t (*)[32])cons, ncons, p, n);
			if (ret && ret != -ESTALE) {
				say("proving %zu events to the kernel: %s (%s)", n,
				    strerror(-ret), szkm_last_message());
				d->replay_needed = true;
				return;
			}
			ncons = 0;	/* the kernel is at @size now */
			n = 0;
		}
	}
}

/* Tell the kernel which of its events the ledger now holds. */
static void nl_ack_batch(struct daemon *d)
{
	struct szkm_status st;
	size_t i;

	for (i = 0; i < d->nreqs && !nl_in_ledger(d, i); i++)
		;
	if (i == d->nreqs)
		return;
	if (szkm_status_get(&st)) {
		d->replay_needed = true;	/* the module went away: ask again later */
		return;
	}
	nl_prove(d, &st);
}

static void process_batch(struct daemon *d)
{
	struct ledger_verifier *vf;
	double now = now_mono();
	bool cp;
	int ret;

	for (size_t i = 0; i < d->nreqs; i++)
		d->sigs[i] = (struct ledger_sigcheck){
			.event = req_at(d, i)->kind == REQ_EVENT ?
				 &req_at(d, i)->event : NULL,
		};
	vf = ledger_verify_start(d->l, d->sigs, d->nreqs, d->cfg->verify_threads);
	ret = ledger_begin(d->l);
	if (ret)
		die("cannot start a transaction: %s", strerror(-ret));
	for (size_t i = 0; i < d->nreqs; i++) {
		struct ledgerd_req *r = req_at(d, i);
		struct ledger_result *res = &d->res[i];

		memset(res, 0, sizeof(*res));
		ret = 0;
		switch (r->kind) {
		case REQ_EVENT:
			if (r->src == SRC_NETLINK && !r->event.why &&
			    r->event.ev.seq != r->nl_seq) {
				res->verdict = LEDGER_REJECTED;
				res->why = "nl-seq-mismatch";
				break;
			}
			ret = ledger_append_event(d->l, &r->event,
						  ledger_verify_ok(vf, i), res);
			break;
		case REQ_ENROL:
			ret = ledger_enrol(d->l, r->name, r->pub, now_ns(),
					   res);
			break;
		case REQ_SYNC:
			d->want_cp = true;
			break;
		default:
			break;
		}
		if (ret)
			die("appending failed (%s); exiting so that a restart "
			    "recovers from the disk", strerror(-ret));
		if (res->verdict == LEDGER_REJECTED)
			log_reject(r, res);
	}
	ledger_verify_end(vf);
	cp = d->want_cp || d->cfg->checkpoint_ms == 0 ||
	     (now - d->last_cp) * 1000 >= d->cfg->checkpoint_ms;
	/* The kernel believes a checkpoint, not our word: sign one for it. */
	for (size_t i = 0; i < d->nreqs && !cp; i++)
		cp = nl_in_ledger(d, i);
	ret = ledger_commit(d->l, cp);
	if (ret)
		die("commit failed (%s); exiting so that a restart recovers "
		    "from the disk", strerror(-ret));
	if (cp) {
		d->last_cp = now;
		d->want_cp = false;
	}
	for (size_t i = 0; i < d->nreqs; i++)
		reply(d, req_at(d, i), &d->res[i]);
	nl_ack_batch(d);
	d->nreqs = 0;
	ledger_control_flush(d->ctl);
}

static void sd_notify_ready(void)
{
	const char *p = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char msg[] = "READY=1";
	socklen_t len;
	int fd;

	if (!p || (*p != '/' && *p != '@') || strlen(p) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, p);
	if (*p == '@')
		sa.sun_path[0] = 0;
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(p));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, sizeof(msg) - 1, 0, (struct sockaddr *)&sa, len) < 0)
		say("cannot notify systemd: %s", strerror(errno));
	close(fd);
}

static void load_key(struct config *c, struct ledger_note_key *k)
{
	struct ledger_node_key_opts ko = {
		.key = c->key,
		.name = c->key_name[0] ? c->key_name : c->origin,
		.pkcs11_module = c->pkcs11_module[0] ? c->pkcs11_module : NULL,
		.pin = c->pkcs11_pin[0] ? c->pkcs11_pin : NULL,
	};
	char err[512];

	if (ledger_node_key_load(&ko, k, err, sizeof(err)))
		die("%s", err);
}

static int open_ledger(struct config *c, struct ledger_note_key *key,
		       struct ledger_note_key *pub, struct ledger **l)
{
	struct ledger_options o = {
		.db_path = c->db,
		.origin = c->origin,
		.key = key,
		.verify_key = pub,
		.store_flags = c->nosync ? LEDGER_STORE_NOSYNC : 0,
		.verify_all = c->verify_all,
	};
	char err[512];
	int ret;

	if (ledger_node_key_public(key, pub))
		die("cannot take the public half of the node key");
	ret = ledger_open(l, &o, err, sizeof(err));
	if (ret)
		fprintf(stderr, "ledgerd: %s: integrity check failed: %s\n",
			c->db, err);
	return ret;
}

static int run_daemon(struct config *c)
{
	struct ledger_note_key key, pub;
	struct daemon d = { .cfg = c };
	struct pollfd fds[MAX_POLL];
	char err[512], vkey[1024];
	size_t vlen;
	int ret;

	load_key(c, &key);
	if (open_ledger(c, &key, &pub, &d.l))
		return 2;
	if (ledger_note_key_format(&pub, vkey, sizeof(vkey), &vlen))
		die("cannot format the verifier key");
	/* The first start signs the empty tree, so /checkpoint has one. */
	if (ledger_begin(d.l) || ledger_commit(d.l, true))
		die("cannot sign the first checkpoint");
	if (ledger_control_open(&d.ctl, c->control, err, sizeof(err)))
		die("%s", err);
	{
		struct ledger_http_opts ho = {
			.addr = c->http_address,
			.port = (uint16_t)c->http_port,
			.threads = c->http_threads,
			.ledger = d.l,
			.vkey = vkey,
		};

		if (ledger_http_start(&d.http, &ho, err, sizeof(err)))
			die("%s", err);
	}
	if (strcmp(c->netlink, "no"))
		nl_try_open(&d);
	signal(SIGPIPE, SIG_IGN);
	{
		struct sigaction sa = { .sa_handler = on_signal };

		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	say("ledger %s: %" PRIu64 " entries, origin '%s', http %s:%u, "
	    "control %s", c->db, ledger_size(d.l), c->origin,
	    c->http_address, ledger_http_port(d.http), c->control);
	say("verifier key %s", vkey);
	sd_notify_ready();
	d.last_cp = d.last_tick = d.last_nl_check = now_mono();
	while (!stopping) {
		size_t n = ledger_control_pollfds(d.ctl, fds, MAX_POLL - 1);
		size_t nlidx = SIZE_MAX;
		int timeout = 1000;
		double now = now_mono();

		if (d.nl) {
			nlidx = n;
			fds[n++] = (struct pollfd){ .fd = szkm_event_sub_fd(d.nl),
						    .events = POLLIN };
		}
		if (c->checkpoint_ms && ledger_unsigned(d.l)) {
			double due = d.last_cp + c->checkpoint_ms / 1000.0;
			int ms = due <= now ? 0 : (int)((due - now) * 1000) + 1;

			if (ms < timeout)
				timeout = ms;
		}
		if (ledger_control_pending(d.ctl) || d.replay_needed)
			timeout = 0;
		ret = poll(fds, n, timeout);
		if (ret < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (stopping)
			break;
		if (d.nl && nlidx != SIZE_MAX && (fds[nlidx].revents & POLLIN)) {
			ret = szkm_event_receive(d.nl, take_nl, &d);
			if (szkm_event_sub_malformed(d.nl) > d.nl_malformed) {
				d.nl_malformed = szkm_event_sub_malformed(d.nl);
				say("ignored a netlink message (%s); %lu so far",
				    szkm_last_message(), d.nl_malformed);
			}
			if (ret == -ENOBUFS) {
				say("the kernel's events overran our socket; "
				    "asking for a replay");
				d.replay_needed = true;
			} else if (ret) {
				say("netlink receive failed: %s",
				    strerror(-ret));
			}
		}
		if (d.replay_needed)
			nl_replay(&d);
		ledger_control_service(d.ctl, fds, nlidx == SIZE_MAX ? n : nlidx,
				       take_ctl, &d);
		now = now_mono();
		if (d.nreqs) {
			process_batch(&d);
		} else if (ledger_unsigned(d.l) &&
			   (now - d.last_cp) * 1000 >= c->checkpoint_ms) {
			if (ledger_begin(d.l) || ledger_commit(d.l, true))
				die("cannot commit a checkpoint; exiting");
			d.last_cp = now;
		}
		if (!d.nl && strcmp(c->netlink, "no") && now >= d.next_nl_try)
			nl_try_open(&d);
		if (!d.nreqs && now - d.last_nl_check >= 5) {
			nl_check(&d);
			d.last_nl_check = now;
		}
		if (now - d.last_tick >= 1) {
			ledger_http_tick(d.http);
			d.last_tick = now;
		}
	}
	say("stopping");
	ledger_http_stop(d.http);
	ledger_control_close(d.ctl);
	szkm_event_unsubscribe(d.nl);
	ledger_close(d.l);
	ledger_note_key_clear(&key);
	ledger_note_key_clear(&pub);
	for (size_t i = 0; i < d.capreqs / REQ_CHUNK; i++)
		free(d.chunks[i]);
	free(d.chunks);
	free(d.res);
	free(d.sigs);
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: ledgerd [options]                 run the ledger node\n"
	      "       ledgerd [options] check           check the ledger, exit\n"
	      "       ledgerd [options] vkey            print the verifier key\n"
	      "       ledgerd genkey [--ed25519] FILE   new node key (ECDSA P-256)\n"
	      "       ledgerd [options] enroll NAME KEY enrol a device (KEY: hex\n"
	      "                                         point or PEM file)\n"
	      "       ledgerd [options] feed [FILE]     send control lines\n"
	      "options: -c FILE (default " DEFAULT_CONFIG "), and any setting\n"
	      "  as --name value: --db --origin --key-name --key --pkcs11-module\n"
	      "  --pkcs11-pin --http-address --http-port --http-threads\n"
	      "  --control-socket --netlink --checkpoint-interval-ms\n"
	      "  --batch-max --verify-all --durability --verify-threads\n", f);
}

int main(int argc, char **argv)
{
	static const char *const names[] = {
		"db", "origin", "key-name", "key", "pkcs11-module",
		"pkcs11-pin", "http-address", "http-port", "http-threads",
		"control-socket", "netlink", "checkpoint-interval-ms",
		"batch-max", "verify-all", "durability", "verify-threads",
		"netlink-rcvbuf",
	};
	enum { NSET = sizeof(names) / sizeof(names[0]) };
	struct option opts[NSET + 3];
	const char *cfg_path = DEFAULT_CONFIG, *flag_val[NSET] = { 0 };
	bool cfg_given = false;
	struct config c;
	int o, idx;

	for (int i = 0; i < NSET; i++)
		opts[i] = (struct option){ names[i], required_argument, NULL,
					   1000 + i };
	opts[NSET] = (struct option){ "config", required_argument, NULL, 'c' };
	opts[NSET + 1] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[NSET + 2] = (struct option){ 0 };
	while ((o = getopt_long(argc, argv, "+c:h", opts, &idx)) != -1) {
		if (o == 'c') {
			cfg_path = optarg;
			cfg_given = true;
		} else if (o == 'h') {
			usage(stdout);
			return 0;
		} else if (o >= 1000 && o < 1000 + NSET) {
			flag_val[o - 1000] = optarg;
		} else {
			usage(stderr);
			return 2;
		}
	}
	config_defaults(&c);
	config_file(&c, cfg_path, cfg_given);
	for (int i = 0; i < NSET; i++) {
		char k[64];

		if (!flag_val[i])
			continue;
		strcpy(k, names[i]);
		for (char *p = k; *p; p++)
			if (*p == '-')
				*p = '_';
		if (!strcmp(k, "control_socket"))
			strcpy(k, "control_socket");
		set(&c, k, flag_val[i]);
	}
	if (optind == argc)
		return run_daemon(&c);
	if (!strcmp(argv[optind], "genkey") &&
	    (argc - optind == 2 ||
	     (argc - optind == 3 && !strcmp(argv[optind + 1], "--ed25519")))) {
		char err[512];

		if (ledger_node_key_generate(argv[argc - 1], argc - optind == 3,
					     err, sizeof(err)))
			die("%s", err);
		return 0;
	}
	if (!strcmp(argv[optind], "vkey") && argc - optind == 1) {
		struct ledger_note_key k;
		char vkey[1024];
		size_t len;

		load_key(&c, &k);
		if (ledger_note_key_format(&k, vkey, sizeof(vkey), &len))
			die("cannot format the verifier key");
		puts(vkey);
		ledger_note_key_clear(&k);
		return 0;
	}
	if (!strcmp(argv[optind], "check") && argc - optind == 1) {
		struct ledger_note_key k, pub;
		struct ledger *l;

		load_key(&c, &k);
		if (open_ledger(&c, &k, &pub, &l))
			return 2;
		printf("ledger %s: %" PRIu64 " entries, integrity ok\n", c.db,
		       ledger_size(l));
		ledger_close(l);
		return 0;
	}
	if (!strcmp(argv[optind], "enroll") && argc - optind == 3) {
		char hexkey[2 * SZKM_P256_PUB_LEN + 1], *line;
		FILE *f;
		size_t len;
		int ret;

		pubkey_arg(argv[optind + 2], hexkey);
		f = open_memstream(&line, &len);
		if (!f)
			die("out of memory");
		fprintf(f, "enroll %s %s\n", argv[optind + 1], hexkey);
		fclose(f);
		f = fmemopen(line, len, "r");
		ret = ctl_session(c.control, f);
		fclose(f);
		free(line);
		return ret;
	}
	if (!strcmp(argv[optind], "feed") && argc - optind <= 2) {
		FILE *f = stdin;
		int ret;

		if (argc - optind == 2 && strcmp(argv[optind + 1], "-")) {
			f = fopen(argv[optind + 1], "r");
			if (!f)
				die("cannot read %s: %s", argv[optind + 1],
				    strerror(errno));
		}
		ret = ctl_session(c.control, f);
		if (f != stdin)
			fclose(f);
		return ret;
	}
	usage(stderr);
	return 2;
}
