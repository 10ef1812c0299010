// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state_restore.c - `szkmctl state restore [--dir DIR] [--keyring RING]
 * [--timeout SECONDS] [--pin]`: what `state save` wrote, back into the
 * kernel (at boot: szkm-restore.service). First the device: unsealed
 * from DIR/device.blob, as `device unseal` does, unless it is ready
 * already. Then a wait, with a deadline, until the key registry is ready:
 * after an unseal the kernel loads no key until the ledger (ledgerd, or
 * `events listen --ack`) has resumed the event chain, restored the
 * registry and proven the resume. Then each key's blob, under its name,
 * into the keyring it was saved from (or RING): a key live already is
 * skipped with a note; a blob the kernel refuses (an older one than the
 * key's last change) is said and makes the exit status 1, and the others
 * still load.
 */
#include "state.h"
#include "subcommands.h"
#include "internal.h"
#include "libszkm.h"
#include "szkm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TIMEOUT_DEFAULT 60

static int usage(FILE *f, int code)
{
	fprintf(f, "Usage: %s state restore [--dir DIR] [--keyring RING] [--timeout SECONDS] [--pin]\n"
		"Unseals the device from DIR (default %s) unless it is ready, waits at most\n"
		"SECONDS (default %d) for the ledger to make the key registry ready, then loads\n"
		"each saved key into the keyring it was saved from, or RING (@u, @us, @s, or a serial).\n",
		PROG_NAME, SZKMCTL_STATE_DIR, TIMEOUT_DEFAULT);
	return code;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The device of the saved state, ready: unsealed here when it is not. */
static int device_up(const char *dir, const struct state *st, int want_pin)
{
	char path[4096], want[65], got[65];
	struct szkm_status s;
	int ret = szkm_status_get(&s);

	if (ret < 0) {
		fprintf(stderr, "Unable to read device status: %s\n", szkm_strerror(ret));
		return -1;
	}
	if (s.state != SZKM_DEV_READY) {
		if (state_path(path, sizeof(path), dir, STATE_DEVICE))
			return -1;
		if (szkmctl_device_unseal(path, 0, want_pin) != EXIT_OK)
			return -1;
		ret = szkm_status_get(&s);
		if (ret < 0) {
			fprintf(stderr, "Unable to read device status: %s\n", szkm_strerror(ret));
			return -1;
		}
	}
	if (!s.has_device_id || memcmp(s.device_id, st->device_id, sizeof(s.device_id))) {
		szkm_hex_encode(want, st->device_id, 32);
		szkm_hex_encode(got, s.device_id, 32);
		fprintf(stderr, "The ready device is %.16s..., the saved keys are device %.16s...'s: they would not load\n",
			s.has_device_id ? got : "none", want);
		return -1;
	}
	return 0;
}

static int registry_ready(unsigned long secs)
{
	const struct timespec pause = { 0, 100 * 1000 * 1000 };
	double end = now() + (double)secs;
	struct szkm_status s;
	int ret;

	for (;;) {
		ret = szkm_status_get(&s);
		if (ret < 0) {
			fprintf(stderr, "Unable to read device status: %s\n", szkm_strerror(ret));
			return -1;
		}
		if (s.registry == SZKM_REG_READY)
			return 0;
		if (now() >= end)
			break;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "The key registry is not ready after %lu s (registry: %s): ledgerd or szkmctl events listen --ack must prove the resume before keys load\n",
		secs, szkm_registry_state_name(s.registry));
	return -1;
}

/* The key ids live in the caller's keyrings, as hex; the count, or -1. */
static int live_ids(char (**ids)[33], int32_t **serials)
{
	struct szkm_key_ref *refs = NULL;
	struct szkm_key_info *k = malloc(sizeof(*k));
	int n = szkm_key_list(&refs), m = 0;

	*ids = n > 0 ? calloc((size_t)n, sizeof(**ids)) : NULL;
	*serials = n > 0 ? calloc((size_t)n, sizeof(**serials)) : NULL;
	if (n < 0 || !k || (n > 0 && (!*ids || !*serials))) {
		fprintf(stderr, "Unable to list your keyrings: %s\n", strerror(n < 0 ? -n : ENOMEM));
		m = -1;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (szkm_key_info(refs[i].serial, k) < 0)
			continue;
		szkm_hex_encode((*ids)[m], k->id, sizeof(k->id));
		(*serials)[m++] = refs[i].serial;
	}
out:
	free(k);
	free(refs);
	return m;
}

/* The blob file: hex, its trailing newline dropped; NULL having said why. */
static char *read_blob(const char *dir, const struct state_key *k, char *path, size_t pathlen)
{
	uint8_t *data;
	size_t len;
	int ret;

	if (state_key_path(path, pathlen, dir, k->id))
		return NULL;
	ret = szkm_file_read(path, &data, &len, SZKM_PAYLOAD_MAX);
	if (ret < 0) {
		fprintf(stderr, "key %s: unable to read %s: %s\n", k->name, path, strerror(-ret));
		return NULL;
	}
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' '))
		len--;
	if (len > SZKM_PAYLOAD_MAX - 5) {
		fprintf(stderr, "key %s: %s is larger than a key blob can be\n", k->name, path);
		free(data);
		return NULL;
	}
	data[len] = 0;
	return (char *)data;
}

/*
 * What the header says against the manifest and the device: refused
 * here, with the reason, before the kernel is asked (it would say why
 * only in its log).
 */
static int check_blob(const struct state_key *k, const char *path, const char *hex,
		      const uint8_t device[32])
{
	struct szkm_keyblob_info info;
	char id[2 * SZKM_KEY_ID_LEN + 1];
	int ret = szkm_keyblob_info(hex, strlen(hex), &info);

	if (ret == -EPROTONOSUPPORT) {
		fprintf(stderr, "key %s: %s is a format %u blob, not %u%s\n", k->name, path,
			info.format, SZKM_BLOB_FORMAT,
			info.format == 1 ? " (format 1 predates rollback protection: not loadable)" : "");
		return -1;
	}
	if (ret < 0) {
		fprintf(stderr, "key %s: %s is not an szkm key blob (or is cut short)\n", k->name, path);
		return -1;
	}
	szkm_hex_encode(id, info.key_id, sizeof(info.key_id));
	if (strcmp(id, k->id)) {
		fprintf(stderr, "key %s: %s holds key %s, not %s\n", k->name, path, id, k->id);
		return -1;
	}
	if (memcmp(info.device_id, device, 32)) {
		fprintf(stderr, "key %s: %s was sealed by another device\n", k->name, path);
		return -1;
	}
	return 0;
}

/* 0 loaded, 1 live already, -1 refused or failed. */
static int load_key(const char *dir, const struct state_key *k, const char *ring_opt,
		    const uint8_t device[32])
{
	char path[4096], where[16];
	const char *ring = ring_opt ? ring_opt : k->ring;
	int32_t ringid, serial;
	char *hex;

	hex = read_blob(dir, k, path, sizeof(path));
	if (!hex)
		return -1;
	if (check_blob(k, path, hex, device)) {
		free(hex);
		return -1;
	}
	szkm_keyring_parse(ring, &ringid);	/* checked when read */
	if (!ring_opt && ringid > 0 && !szkm_keyring_exists(ringid)) {
		printf("key %s: keyring %s is gone; loading it into @u\n", k->name, ring);
		ring = "@u";
		szkm_keyring_parse(ring, &ringid);
	}
	snprintf(where, sizeof(where), "%s", ring);
	serial = szkm_key_load(k->name, hex, ringid);
	free(hex);
	switch (serial) {
	case -EEXIST:
		printf("key %s: live already (in a keyring not yours); skipped\n", k->name);
		return 1;
	case -EKEYREJECTED:
		fprintf(stderr, "key %s: the kernel refused %s: it is older than the key's last change (rollback refused; save again after every change), or the device's ledger chain has no record of the key (the kernel log says which)\n",
			k->name, path);
		return -1;
	default:
		break;
	}
	if (serial < 0) {
		char what[4400];

		snprintf(what, sizeof(what), "key %s: unable to load %s into %s", k->name, path, where);
		szkmctl_key_report(what, serial);
		return -1;
	}
	printf("key %s: loaded into %s (serial %d)\n", k->name, where, serial);
	return 0;
}

int state_restore_main(int argc, char *argv[])
{
	const char *dir = SZKMCTL_STATE_DIR, *ring = NULL;
	unsigned long timeout = TIMEOUT_DEFAULT;
	size_t loaded = 0, live = 0, failed = 0;
	char err[4200], (*ids)[33] = NULL;
	int32_t *serials = NULL, spec;
	struct state st;
	int want_pin = 0, nlive;

	if (szkmctl_wants_help(argc, argv))
		return usage(stdout, EXIT_OK);
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val;

		if (!strcmp(opt, "--pin")) {
			want_pin = 1;
			continue;
		}
		if (strcmp(opt, "--dir") && strcmp(opt, "--keyring") && strcmp(opt, "--timeout"))
			return szkmctl_unknown(opt);
		val = szkmctl_value(argc, argv, &i);
		if (!val)
			return EXIT_USAGE;
		if (!strcmp(opt, "--dir")) {
			if (!val[0])
				return szkmctl_bad("--dir: an empty path");
			dir = val;
		} else if (!strcmp(opt, "--keyring")) {
			if (szkm_keyring_parse(val, &spec) || strlen(val) >= sizeof(st.keys->ring))
				return szkmctl_bad("--keyring: '%s' is not @u, @us, @s, @p, @t or a serial",
						   val);
			ring = val;
		} else if (szkmctl_parse_uint("--timeout", val, 1, 86400, &timeout)) {
			return EXIT_USAGE;
		}
	}
	if (state_read(dir, &st, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return EXIT_FAILED;
	}
	if (device_up(dir, &st, want_pin) || registry_ready(timeout)) {
		state_free(&st);
		return EXIT_FAILED;
	}
	nlive = live_ids(&ids, &serials);
	if (nlive < 0) {
		state_free(&st);
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < st.nkeys; i++) {
		int j;

		for (j = 0; j < nlive && strcmp(ids[j], st.keys[i].id); j++)
			;
		if (j < nlive) {
			printf("key %s: live already (serial %d); skipped\n", st.keys[i].name,
			       serials[j]);
			live++;
			continue;
		}
		switch (load_key(dir, &st.keys[i], ring, st.device_id)) {
		case 0:
			loaded++;
			break;
		case 1:
			live++;
			break;
		default:
			failed++;
		}
	}
	printf("restored %zu of %zu keys from %s (%zu live already, %zu refused)\n", loaded,
	       st.nkeys, dir, live, failed);
	free(ids);
	free(serials);
	state_free(&st);
	return failed ? EXIT_FAILED : EXIT_OK;
}
