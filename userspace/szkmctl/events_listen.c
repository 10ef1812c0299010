// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * events_listen.c - `szkmctl events listen [--ack] [--state FILE]
 * [--count N]`: the small listener of the events issue. It subscribes to
 * the kernel's "events" group, asks for a replay of what it has not seen,
 * and checks every event with OpenSSL (the device's signature, the
 * sequence, the previous-hash chain) before printing it and, with --ack,
 * acknowledging it. The state file keeps the last event seen, so a
 * restarted listener resumes the kernel's chain after a reboot and asks
 * for nothing twice. ledgerd does the same with a real ledger behind it.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "szkm.h"
#include "szkm_event.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct listener {
	EVP_PKEY *dev;
	uint64_t last_seq;
	uint8_t last_hash[32];
	uint8_t device_id[32];	/* whose chain last_seq belongs to */
	const char *state;
	int ack;
	long left;		/* events still to see; < 0: forever */
	int failed;
};

/* "<seq> <hash hex> <device id hex>"; another device's state is ignored. */
static void load_state(struct listener *l)
{
	char hex[65], dev[65];
	uint8_t id[32];
	unsigned long long seq;
	FILE *f = l->state ? fopen(l->state, "r") : NULL;

	if (!f)
		return;
	if (fscanf(f, "%llu %64s %64s", &seq, hex, dev) == 3 &&
	    !szkm_hex_decode(id, 32, dev) && !memcmp(id, l->device_id, 32) &&
	    !szkm_hex_decode(l->last_hash, 32, hex))
		l->last_seq = seq;
	fclose(f);
}

static int save_state(const struct listener *l)
{
	char buf[192], hex[65], dev[65];
	int n;

	if (!l->state)
		return 0;
	szkm_hex_encode(hex, l->last_hash, 32);
	szkm_hex_encode(dev, l->device_id, 32);
	n = snprintf(buf, sizeof(buf), "%llu %s %s\n", (unsigned long long)l->last_seq, hex, dev);
	return szkmctl_write_file_atomic(l->state, (const uint8_t *)buf, (size_t)n);
}

static int new_device(struct listener *l, const struct szkm_event *ev)
{
	struct szkm_identity idn;

	if (!ev->pubkey || szkm_device_identity(&idn) < 0 || memcmp(idn.pub, ev->pubkey, 65))
		return -EBADMSG;
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
	if (!ret && seq <= l->last_seq)
		return 0;	/* seen already (replay and multicast overlap) */
	if (!ret && ev.seq != seq)
		ret = -EBADMSG, why = "sequence number differs from the message's";
	if (!ret)
		ret = szkm_event_verify(&ev, l->dev, sig, &why);
	if (!ret)
		ret = szkm_event_check_chain(&ev, l->last_seq, l->last_hash, &why);
	if (ret) {
		printf("REJECT seq=%llu %s\n", (unsigned long long)seq, why ? why : "invalid");
		fflush(stdout);
		l->failed = 1;
		return -EBADMSG;
	}
	printf("seq=%llu %s key=%s v=%u alg=%s state=%s%s verified\n",
	       (unsigned long long)seq, szkm_event_type_name(ev.type),
	       ev.name_len ? ev.name : "-", ev.version, ev.alg ? szkm_alg_name(ev.alg) : "-",
	       ev.state ? szkm_vstate_name(ev.state) : "-",
	       (ev.flags & SZKM_EVF_TEST_MODE) ? " TEST-MODE" : "");
	fflush(stdout);
	l->last_seq = seq;
	memcpy(l->last_hash, ev.hash, 32);
	if (l->ack) {
		ret = szkm_event_ack(l->device_id, seq, seq - 1);
		if (ret < 0 && ret != -EALREADY) {
			szkmctl_report("Unable to acknowledge an event", ret);
			l->failed = 1;
			return ret;
		}
	}
	if (save_state(l))
		return -EIO;
	if (l->left > 0 && --l->left == 0)
		return -ECANCELED;	/* done: stop the receive loop */
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "Usage: %s events listen [--ack] [--state FILE] [--count N]\n", PROG_NAME);
	return EXIT_USAGE;
}

int events_listen_main(int argc, char *argv[])
{
	struct listener l = { .left = -1 };
	struct szkm_identity idn;
	struct szkm_status st;
	struct szkm_event_sub *sub = NULL;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ack"))
			l.ack = 1;
		else if (!strcmp(argv[i], "--state") && i + 1 < argc)
			l.state = argv[++i];
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			l.left = strtol(argv[++i], NULL, 10);
		else
			return usage();
	}
	ret = szkm_device_identity(&idn);
	if (ret < 0) {
		szkmctl_report("Unable to read the device identity", ret);
		return EXIT_FAILED;
	}
	l.dev = szkm_ec_pubkey(idn.pub);
	memcpy(l.device_id, idn.id, 32);
	load_state(&l);
	/* After an unseal the kernel waits to be told where its chain stands. */
	ret = szkm_status_get(&st);
	if (!ret && !st.chain) {
		ret = szkm_event_resume(l.device_id, l.last_seq, l.last_hash);
		if (ret < 0) {
			szkmctl_report("Unable to resume the event chain", ret);
			goto out;
		}
	}
	sub = szkm_event_subscribe(0);
	if (!sub) {
		ret = -errno;
		szkmctl_report("Unable to subscribe to szkm events", ret);
		goto out;
	}
	/* Subscribed first, then replayed: nothing falls between the two. */
	ret = szkm_event_replay(l.last_seq, on_event, &l);
	while (ret >= 0 || ret == -EAGAIN || ret == -ENOBUFS) {
		if (l.left == 0 || l.failed)
			break;
		ret = szkm_event_receive(sub, on_event, &l);
		/* Multicast overran our socket: the journal still has it all. */
		if (ret == -ENOBUFS)
			ret = szkm_event_replay(l.last_seq, on_event, &l);
	}
	if (ret == -ECANCELED || l.left == 0)
		ret = 0;
out:
	szkm_event_unsubscribe(sub);
	EVP_PKEY_free(l.dev);
	return ret < 0 || l.failed ? EXIT_FAILED : EXIT_OK;
}
