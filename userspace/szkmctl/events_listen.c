// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * events_listen.c - `szkmctl events listen [--ack] [--state FILE]
 * [--key FILE] [--name NAME] [--vkey] [--count N]`: the small listener of
 * the events issue. It subscribes to the kernel's "events" group, asks for
 * a replay of what it has not seen, and checks every event with OpenSSL
 * (the sequence, the previous-hash chain, the device's signature) before
 * printing it. With --ack it is a small ledger of its own (listen_log.c):
 * it takes the events queued on its socket as one batch, checks the
 * device's signature of the batch's newest event (it covers every one
 * before it through the hash chain), appends the batch to its entry file,
 * syncs it, signs a checkpoint with its key and proves the events to the
 * kernel, which frees them only when the device enrolled that key. The state file keeps the
 * last event proven (and the tree's size), so a restarted listener resumes
 * the kernel's chain after a reboot with the proof of that event, then
 * hands the kernel the device's whole chain from its entries to rebuild
 * the key registry. ledgerd does the same with a real ledger behind it.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "internal.h"
#include "listen_log.h"
#include "szkm.h"
#include "szkm_event.h"
#include "szkm_follow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LISTEN_STATE	"/var/lib/szkm/listen.state"
#define LISTEN_KEY	"/var/lib/szkm/listener.pem"
#define LISTEN_NAME	"szkm-listener"
/* Events proven in one go (a replay of a full journal comes in these). */
#define BATCH_MAX	4096

/* An event as the log holds it: the last one proven (for the state file
 * and a proven resume), or one of the batch waiting for the log. */
struct last_event {
	uint64_t index;
	size_t len;
	uint8_t body[SZKM_EVENT_MAX_LEN];
	uint8_t sig[SZKM_EVENT_SIG_LEN];
};

struct listener {
	EVP_PKEY *dev;
	uint64_t last_seq;
	uint8_t last_hash[32];	/* the last event's link */
	uint8_t device_id[32];	/* whose chain last_seq belongs to */
	const char *state;
	int ack;
	long left;		/* events still to see; < 0: forever */
	int failed;
	/* --ack: the listener's ledger, and the batch not yet proven */
	struct listen_log log;
	uint64_t tree_size;	/* from the state file */
	struct last_event last;
	struct last_event *fresh;	/* new events, chained, not in the log yet */
	size_t nfresh;
	uint64_t *pseq, *pindex;	/* what the batch proves */
	size_t npending;
};

/*
 * "<seq> <hash> <device id> <tree size> <last index> <last body> <last
 * sig>" (hex); the chain fields of another device are ignored, the tree's
 * size never is.
 */
static void load_state(struct listener *l)
{
	static char hex[65], dev[65], body[2 * SZKM_EVENT_MAX_LEN + 1], sig[129];
	unsigned long long seq, size, index;
	uint8_t id[32];
	FILE *f = l->state ? fopen(l->state, "r") : NULL;
	int n;

	if (!f)
		return;
	n = fscanf(f, "%llu %64s %64s %llu %llu %800s %128s", &seq, hex, dev, &size,
		   &index, body, sig);
	fclose(f);
	if (n >= 4)
		l->tree_size = size;
	if (n == 7 && !szkm_hex_decode(id, 32, dev) && !memcmp(id, l->device_id, 32) &&
	    !szkm_hex_decode(l->last_hash, 32, hex) && strlen(body) % 2 == 0 &&
	    strlen(body) / 2 <= SZKM_EVENT_MAX_LEN &&
	    !szkm_hex_decode(l->last.body, strlen(body) / 2, body) &&
	    !szkm_hex_decode(l->last.sig, 64, sig)) {
		l->last_seq = seq;
		l->last.index = index;
		l->last.len = strlen(body) / 2;
	}
}

static int save_state(const struct listener *l)
{
	static char buf[4 * SZKM_EVENT_MAX_LEN], body[2 * SZKM_EVENT_MAX_LEN + 1];
	char hex[65], dev[65], sig[129];
	int n;

	if (!l->state)
		return 0;
	szkm_hex_encode(hex, l->last_hash, 32);
	szkm_hex_encode(dev, l->device_id, 32);
	szkm_hex_encode(body, l->last.body, l->last.len);
	szkm_hex_encode(sig, l->last.sig, 64);
	n = snprintf(buf, sizeof(buf), "%llu %s %s %llu %llu %s %s\n",
		     (unsigned long long)l->last_seq, hex, dev,
		     (unsigned long long)(l->ack ? listen_log_size(&l->log) : l->tree_size),
		     (unsigned long long)l->last.index, l->last.len ? body : "00", sig);
	return szkm_file_write_atomic(l->state, (const uint8_t *)buf, (size_t)n);
}

static void print_event(const struct szkm_event *ev)
{
	char actor[80];

	char grantee[24] = "";

	szkm_event_actor_text(ev, actor, sizeof(actor));
	if (SZKM_EV_HAS_GRANTEE(ev->type))
		snprintf(grantee, sizeof(grantee), " grantee=%u", ev->grantee);
	printf("seq=%llu %s key=%s v=%u alg=%s state=%s%s by %s%s verified\n",
	       (unsigned long long)ev->seq, szkm_event_type_name(ev->type),
	       ev->name_len ? ev->name : "-", ev->version, ev->alg ? szkm_alg_name(ev->alg) : "-",
	       ev->state ? szkm_vstate_name(ev->state) : "-", grantee, actor,
	       (ev->flags & SZKM_EVF_TEST_MODE) ? " TEST-MODE" : "");
}

/*
 * --ack: the batch's new events join the log. Each named the link of the
 * one before it (checked as it came), so the device's signature of the
 * newest covers them all (their bodies; for format 3 and 4 their signatures
 * too): one ECDSA verification per batch, not per event.
 */
static int take_fresh(struct listener *l)
{
	struct last_event *e = &l->fresh[l->nfresh - 1];
	const char *why = NULL;
	struct szkm_event ev;
	int ret;

	ret = szkm_event_decode(e->body, e->len, &ev, &why) ?:
	      szkm_event_verify(&ev, l->dev, e->sig, &why);
	if (ret) {
		printf("REJECT seq=%llu..%llu %s\n",
		       (unsigned long long)szkm_event_seq(l->fresh[0].body, l->fresh[0].len),
		       (unsigned long long)ev.seq, why ? why : "invalid");
		fflush(stdout);
		l->failed = 1;
		return -EBADMSG;
	}
	for (size_t i = 0; i < l->nfresh; i++) {
		e = &l->fresh[i];
		if (szkm_event_decode(e->body, e->len, &ev, NULL) ||
		    listen_log_append(&l->log, e->body, e->len, e->sig, &e->index))
			return -EIO;
		l->pseq[l->npending] = ev.seq;
		l->pindex[l->npending++] = e->index;
		print_event(&ev);
	}
	fflush(stdout);
	l->last = *e;
	l->nfresh = 0;
	return 0;
}

/*
 * --ack: make the batch durable and remember it, then prove it. A crash
 * before the proof leaves the events in the kernel's journal and in our
 * tree: the next start finds them there (listen_log_find) and proves them.
 */
static int flush(struct listener *l)
{
	int ret;

	if (!l->ack || !(l->npending + l->nfresh))
		return 0;
	ret = l->nfresh ? take_fresh(l) : 0;
	if (!ret)
		ret = listen_log_sync(&l->log) ?: save_state(l);
	if (!ret)
		ret = listen_log_prove(&l->log, l->device_id, l->pseq, l->pindex, l->npending);
	if (ret && ret != -ESTALE) {
		if (ret != -EBADMSG)
			szkmctl_report("Unable to prove events to the kernel", ret);
		l->failed = 1;
		return ret;
	}
	l->npending = 0;
	return 0;
}

/* --ack: event @seq, which the log holds already, joins the batch to prove. */
static int pend_seen(struct listener *l, uint64_t seq, const uint8_t *body, size_t len,
		     const uint8_t sig[64])
{
	uint64_t index;

	if (l->npending + l->nfresh == BATCH_MAX && flush(l))
		return -EIO;
	if (listen_log_find(&l->log, body, len, sig, BATCH_MAX + SZKM_JOURNAL_MAX_DEFAULT, &index))
		return 0;	/* not ours (or in this batch already): nothing to prove */
	l->pseq[l->npending] = seq;
	l->pindex[l->npending++] = index;
	return 0;
}

/* --ack: a new event, chained to the last, joins the batch. */
static int hold(struct listener *l, const uint8_t *body, size_t len, const uint8_t sig[64])
{
	struct last_event *e;

	if (l->npending + l->nfresh == BATCH_MAX && flush(l))
		return -EIO;
	e = &l->fresh[l->nfresh++];
	e->len = len;
	memcpy(e->body, body, len);
	memcpy(e->sig, sig, SZKM_EVENT_SIG_LEN);
	return 0;
}

static int new_device(struct listener *l, const struct szkm_event *ev)
{
	struct szkm_identity idn;

	if (!ev->pubkey || szkm_device_identity(&idn) < 0 || memcmp(idn.pub, ev->pubkey, 65))
		return -EBADMSG;
	if (flush(l))	/* the old device's batch, under its own id */
		return -EIO;
	EVP_PKEY_free(l->dev);
	l->dev = szkm_ec_pubkey(idn.pub);
	memcpy(l->device_id, idn.id, 32);
	l->last_seq = 0;
	memset(l->last_hash, 0, sizeof(l->last_hash));
	printf("new device: chain restarts\n");
	return l->dev ? 0 : -EBADMSG;
}

static int on_event(uint64_t seq, const uint8_t *body, size_t len, const uint8_t sig[64],
		    void *arg)
{
	struct listener *l = arg;
	const char *why = NULL;
	struct szkm_event ev;
	int ret;

	ret = szkm_event_decode(body, len, &ev, &why);
	/* A new device (szkmctl device init) starts a new chain at 1. */
	if (!ret && ev.type == SZKM_EV_DEVICE_INIT && seq == 1 && l->last_seq) {
		ret = new_device(l, &ev);
		if (ret)
			why = "device-init event of a device the kernel does not have";
	}
	/* Seen already (replay and multicast overlap); still journalled when
	 * its proof never went out. */
	if (!ret && seq <= l->last_seq)
		return l->ack && !memcmp(ev.device_id, l->device_id, 32) ?
		       pend_seen(l, seq, body, len, sig) : 0;
	if (!ret && ev.seq != seq)
		ret = -EBADMSG, why = "sequence number differs from the message's";
	if (!ret)
		ret = szkm_event_check_chain(&ev, l->last_seq, l->last_hash, &why);
	/* With --ack the batch's newest signature covers it (take_fresh). */
	if (!ret && !l->ack)
		ret = szkm_event_verify(&ev, l->dev, sig, &why);
	/* Missed events (an overrun socket): the journal has them; ask again. */
	if (ret && why && !strcmp(why, "seq-gap")) {
		printf("gap before seq=%llu: replaying after %llu\n", (unsigned long long)seq,
		       (unsigned long long)l->last_seq);
		fflush(stdout);
		return -EREMCHG;
	}
	if (ret) {
		printf("REJECT seq=%llu %s\n", (unsigned long long)seq, why ? why : "invalid");
		fflush(stdout);
		l->failed = 1;
		return -EBADMSG;
	}
	if (szkm_event_link(&ev, sig, l->last_hash))
		return -EIO;
	l->last_seq = seq;
	if (l->ack) {
		if (hold(l, body, len, sig))
			return -EIO;
	} else {
		print_event(&ev);
		fflush(stdout);
		if (save_state(l))
			return -EIO;
	}
	if (l->left > 0 && --l->left == 0)
		return -ECANCELED;	/* done: stop the receive loop */
	return 0;
}

static int usage(FILE *f, int code)
{
	fprintf(f, "Usage: %s events listen [--ack] [--state FILE] [--key FILE] [--name NAME] [--count N]\n"
		"       %s events listen --vkey [--key FILE] [--name NAME]\n"
		"Prints and checks the kernel's lifecycle events; with --ack proves them as a small ledger.\n",
		PROG_NAME, PROG_NAME);
	return code;
}

/*
 * Replays after the last event seen until no gap is left. A gap that a
 * replay does not fill (the events left the journal: another follower
 * proved them) is a real one: refused.
 */
static int catch_up(struct listener *l)
{
	uint64_t before;
	int ret;

	do {
		before = l->last_seq;
		ret = flush(l) ?: szkm_event_replay(l->last_seq, on_event, l);
	} while (ret == -EREMCHG && l->last_seq != before);
	if (ret == -EREMCHG) {
		printf("REJECT seq-gap: events after %llu are gone from the kernel's journal\n",
		       (unsigned long long)l->last_seq);
		fflush(stdout);
		l->failed = 1;
		ret = -EBADMSG;
	}
	return ret;
}

/* After an unseal: the chain continues after the last event we proved. */
static int resume(struct listener *l)
{
	if (!l->ack || !l->last_seq) {
		fprintf(stderr, "The kernel's event chain waits for the ledger's proof of this device's last event, "
			"and this listener has none%s\n", l->ack ? "" : " (without --ack it proves nothing)");
		return -ENOENT;
	}
	return listen_log_resume(&l->log, l->device_id, l->last_seq, l->last.index,
				 l->last.body, l->last.len, l->last.sig);
}

static int follow_resume(void *ctx)
{
	return resume(ctx);
}

static int follow_walk(void *ctx, szkm_follow_take take, void *arg)
{
	struct listener *l = ctx;

	return listen_log_scan(&l->log, take, arg);
}

/*
 * After an unseal: resume the chain after the last event we proved, then
 * hand the kernel the device's chain from our entries to rebuild its key
 * registry (up to where the chain was resumed, by us or by another
 * follower). libszkm's chain follower runs the steps, as for ledgerd.
 */
static int follow_kernel(struct listener *l, struct szkm_status *st)
{
	struct szkm_follower f = {
		.resume = follow_resume,
		.walk = l->ack ? follow_walk : NULL,
		.ctx = l,
	};
	struct szkm_follow_report r;
	int ret;

	memcpy(f.device_id, l->device_id, 32);
	ret = szkm_follow_kernel(&f, st, &r);
	if (!r.restoring) {
		if (ret < 0)
			szkmctl_report("Unable to resume the event chain", ret);
		return ret;
	}
	if (!ret) {
		printf("restored the kernel's key registry from %llu events\n",
		       (unsigned long long)r.events);
		fflush(stdout);
	} else if (!l->ack) {
		fprintf(stderr, "The kernel's key registry waits for the device's chain, "
			"which this listener does not keep (without --ack)\n");
	} else {
		if (ret == -ENODATA)
			fprintf(stderr, "The kernel resumed its event chain after seq %llu; this listener holds the device's events only up to %llu\n",
				(unsigned long long)r.upto, (unsigned long long)r.held);
		szkmctl_report("Unable to restore the kernel's key registry", ret);
	}
	return 0;
}

/* --vkey: the verifier key to enrol (device init --ledger-key). */
static int print_vkey(struct listener *l, const char *key, const char *name)
{
	char err[512], vkey[1024];

	if (listen_log_key(&l->log, key, name, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return EXIT_FAILED;
	}
	if (listen_log_vkey(&l->log, vkey, sizeof(vkey)))
		return EXIT_FAILED;
	puts(vkey);
	listen_log_close(&l->log);
	return EXIT_OK;
}

int events_listen_main(int argc, char *argv[])
{
	struct listener l = { .left = -1 };
	const char *key = LISTEN_KEY, *name = LISTEN_NAME;
	struct szkm_identity idn;
	struct szkm_status st;
	struct szkm_event_sub *sub = NULL;
	char err[512], entries[4096];
	int ret, vkey = 0;

	if (szkmctl_wants_help(argc, argv))
		return usage(stdout, EXIT_OK);
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val;
		unsigned long n;

		if (!strcmp(opt, "--ack")) {
			l.ack = 1;
			continue;
		}
		if (!strcmp(opt, "--vkey")) {
			vkey = 1;
			continue;
		}
		if (strcmp(opt, "--state") && strcmp(opt, "--key") && strcmp(opt, "--name") &&
		    strcmp(opt, "--count"))
			return szkmctl_unknown(opt);
		val = szkmctl_value(argc, argv, &i);
		if (!val)
			return EXIT_USAGE;
		if (!strcmp(opt, "--state"))
			l.state = val;
		else if (!strcmp(opt, "--key"))
			key = val;
		else if (!strcmp(opt, "--name"))
			name = val;
		else if (szkmctl_parse_uint("--count", val, 1, 1UL << 31, &n))
			return EXIT_USAGE;
		else
			l.left = (long)n;
	}
	if ((l.ack || vkey) && !l.state)
		l.state = LISTEN_STATE;
	if (vkey)
		return print_vkey(&l, key, name);
	ret = szkm_device_identity(&idn);
	if (ret < 0) {
		szkmctl_report("Unable to read the device identity", ret);
		return EXIT_FAILED;
	}
	l.dev = szkm_ec_pubkey(idn.pub);
	memcpy(l.device_id, idn.id, 32);
	load_state(&l);
	if (l.ack) {
		snprintf(entries, sizeof(entries), "%s.log", l.state);
		l.pseq = calloc(BATCH_MAX, sizeof(*l.pseq));
		l.pindex = calloc(BATCH_MAX, sizeof(*l.pindex));
		l.fresh = calloc(BATCH_MAX, sizeof(*l.fresh));
		if (!l.pseq || !l.pindex || !l.fresh) {
			ret = -ENOMEM;
			goto out;
		}
		ret = listen_log_key(&l.log, key, name, err, sizeof(err)) ?:
		      listen_log_open(&l.log, entries, l.tree_size, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "%s\n", err);
			goto out;
		}
	}
	/* After an unseal the kernel waits to be told where its chain stands,
	 * then its key registry waits for the chain. */
	ret = szkm_status_get(&st);
	if (!ret && (ret = follow_kernel(&l, &st)) < 0)
		goto out;
	sub = szkm_event_subscribe(0);
	if (!sub) {
		ret = -errno;
		szkmctl_report("Unable to subscribe to szkm events", ret);
		goto out;
	}
	/* Subscribed first, then replayed: nothing falls between the two. */
	/* With --ack, from the start: what we hold but never proved is there. */
	ret = szkm_event_replay(l.ack ? 0 : l.last_seq, on_event, &l);
	if (ret == -EREMCHG)
		ret = catch_up(&l);
	while (ret >= 0 || ret == -EAGAIN || ret == -ENOBUFS) {
		if (flush(&l) || l.left == 0 || l.failed)
			break;
		ret = szkm_event_receive(sub, on_event, &l);
		/* Multicast overran our socket, or we saw a gap: the journal
		 * still has it all. A replay that meets a gap again retries. */
		if (ret == -ENOBUFS || ret == -EREMCHG)
			ret = catch_up(&l);
	}
	if (ret == -ECANCELED || l.left == 0)
		ret = flush(&l);
out:
	szkm_event_unsubscribe(sub);
	if (l.ack)
		listen_log_close(&l.log);
	free(l.pseq);
	free(l.pindex);
	free(l.fresh);
	EVP_PKEY_free(l.dev);
	return ret < 0 || l.failed ? EXIT_FAILED : EXIT_OK;
}
