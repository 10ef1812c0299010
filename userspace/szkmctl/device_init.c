// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * device_init.c - `szkmctl device init [--out FILE] [--force] [--lock-pcr N]
 * [--boot-pcrs LIST] [--pin] [--ledger-key VKEY]... [--ledger-threshold K]`:
 * the kernel makes a new device (R, E, D),
 * seals R and E with the TPM under a policy on the lock PCR (and the boot
 * PCRs, and the PIN, when given) and returns its sealed blob, which is
 * written to FILE (default /var/lib/szkm/device.blob), mode 0600,
 * atomically. An existing FILE means a device was made before: refused
 * without --force, since a new device makes the old one's keys unreadable.
 * Each --ledger-key is a ledger node's verifier key (`ledgerd vkey`, or
 * `szkmctl events listen --vkey`); without one, the keys listed in
 * /etc/szkm/ledger-keys. The device believes only checkpoints signed by K
 * of them (default: a majority) with inclusion proofs of its events.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "internal.h"
#include "szkm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int usage(FILE *f, int code)
{
	fprintf(f, "Usage: %s device init [--out FILE] [--force] [--lock-pcr N] [--boot-pcrs LIST] [--pin]\n"
		"       [--ledger-key VKEY]... [--ledger-threshold K]\n"
		"Makes a new device in the kernel and writes its sealed blob (default %s).\n",
		PROG_NAME, SZKMCTL_DEVICE_BLOB);
	return code;
}

/* What the device is bound to, as its blob says. */
static void print_binding(const uint8_t *blob, size_t len)
{
	struct szkm_devblob_info info;
	char pcrs[64];

	if (szkm_devblob_info(blob, len, &info) < 0) {
		printf("binding:   unknown (the blob's binding could not be read)\n");
		return;
	}
	if (info.has_binding)
		printf("lock pcr:  %u, capped now (the next unseal needs a reboot)\n",
		       info.lock_pcr);
	else
		printf("lock pcr:  none (test mode: no TPM)\n");
	szkmctl_pcr_list(pcrs, sizeof(pcrs), info.boot_pcrs);
	printf("boot pcrs: %s\npin:       %s\n", pcrs,
	       (info.flags & SZKM_DEVBLOB_PIN) ? "yes" : "no");
}

int device_init_main(int argc, char *argv[])
{
	const char *out = SZKMCTL_DEVICE_BLOB;
	struct szkm_device_opts opts = { 0 };
	uint8_t *blob, id[SZKM_DEVICE_ID_LEN], pin[SZKM_PIN_MAX];
	const char *vkeys[SZKM_LEDGER_KEYS_MAX];
	struct szkm_status st;
	static char vkey_lines[SZKM_LEDGER_KEYS_MAX][SZKM_LEDGER_VKEY_MAX + 2];
	size_t len, pin_len;
	int want_pin = 0, ret;

	if (szkmctl_wants_help(argc, argv))
		return usage(stdout, EXIT_OK);
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = NULL;

		if (!strcmp(opt, "--force")) {
			opts.force = 1;
			continue;
		}
		if (!strcmp(opt, "--pin")) {
			want_pin = 1;
			continue;
		}
		if (strcmp(opt, "--out") && strcmp(opt, "--lock-pcr") && strcmp(opt, "--boot-pcrs") &&
		    strcmp(opt, "--ledger-key") && strcmp(opt, "--ledger-threshold"))
			return szkmctl_unknown(opt);
		val = szkmctl_value(argc, argv, &i);
		if (!val)
			return EXIT_USAGE;
		if (!strcmp(opt, "--out")) {
			out = val;
		} else if (!strcmp(opt, "--lock-pcr")) {
			if (szkmctl_parse_pcr("--lock-pcr", val, 8, SZKM_LOCK_PCR_TEST,
					      "from 8 to 15 (16: tests only)", &opts.lock_pcr))
				return EXIT_USAGE;
			opts.has_lock_pcr = 1;
		} else if (!strcmp(opt, "--boot-pcrs")) {
			if (szkmctl_parse_pcr_list("--boot-pcrs", val, 15, &opts.boot_pcrs))
				return EXIT_USAGE;
		} else if (!strcmp(opt, "--ledger-key")) {
			if (opts.n_ledger_keys == SZKM_LEDGER_KEYS_MAX)
				return szkmctl_bad("at most %d --ledger-key", SZKM_LEDGER_KEYS_MAX);
			vkeys[opts.n_ledger_keys++] = val;
			opts.ledger_keys = vkeys;
		} else {
			unsigned long k;

			if (szkmctl_parse_uint("--ledger-threshold", val, 1, SZKM_LEDGER_KEYS_MAX, &k))
				return EXIT_USAGE;
			opts.ledger_threshold = (uint8_t)k;
		}
	}
	if (!opts.n_ledger_keys) {
		int n = szkmctl_read_ledger_keys(vkey_lines, vkeys);

		if (n < 0)
			return EXIT_FAILED;
		opts.ledger_keys = vkeys;
		opts.n_ledger_keys = (size_t)n;
	}
	if (opts.has_lock_pcr && opts.lock_pcr == SZKM_LOCK_PCR_TEST)
		fprintf(stderr, "warning: --lock-pcr %d is the debug PCR, which anyone can reset: it protects nothing (tests only)\n",
			SZKM_LOCK_PCR_TEST);
	if (!opts.force && access(out, F_OK) == 0) {
		fprintf(stderr, "%s exists: a device was made already; unseal it (%s device unseal --in %s), or pass --force to replace it (its keys become unreadable)\n",
			out, PROG_NAME, out);
		return EXIT_FAILED;
	}
	if (want_pin) {
		if (szkmctl_read_pin("PIN for the new device: ", "The same PIN again: ",
				     pin, &pin_len))
			return EXIT_FAILED;
		opts.pin = pin;
		opts.pin_len = pin_len;
	}
	ret = szkm_device_init(&opts, &blob, &len, id);
	explicit_bzero(pin, sizeof(pin));
	if (ret < 0) {
		szkmctl_report("Unable to initialise the device", ret);
		return EXIT_FAILED;
	}
	ret = szkm_file_write_atomic(out, blob, len);
	if (ret < 0) {
		free(blob);
		fprintf(stderr, "The device was made but its blob could not be written to %s: %s\n"
			"Fix that and run `%s device init --force` again: without the blob the device is lost at the next boot.\n",
			out, strerror(-ret), PROG_NAME);
		return EXIT_FAILED;
	}
	printf("device initialised\nid:   ");
	szkmctl_print_hex(id, sizeof(id));
	printf("\nblob: %s (%zu bytes)\n", out, len);
	print_binding(blob, len);
	/* The threshold as the kernel set it (its default: a majority). */
	if (!szkm_status_get(&st))
		printf("ledger:    %u of %u keys must sign (only the ledger's proof moves the journal)\n",
		       st.ledger_threshold, st.ledger_keys);
	free(blob);
	return EXIT_OK;
}
