// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * device_unseal.c - `szkmctl device unseal [--in FILE] [--force] [--pin]`:
 * hand the stored device blob back to the kernel (at boot), which unseals
 * R and E with the TPM (once per boot: it caps the lock PCR right after).
 * --force takes a blob of another device than the sealed one; --pin reads
 * the device's PIN (a terminal prompt, or the first line of stdin). A blob
 * that needs a PIN is not sent without one: a wrong PIN counts toward the
 * TPM's dictionary-attack lockout. FILE.next, the blob of a membership
 * change (device members), is tried when FILE is older than the TPM's
 * rollback counter (the commit ran, the rename did not) and removed when
 * FILE opens (it was never committed).
 */
#include "subcommands.h"
#include "libszkm.h"
#include "internal.h"
#include "szkm.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int usage(FILE *f, int code)
{
	fprintf(f, "Usage: %s device unseal [--in FILE] [--force] [--pin]\n"
		"Hands the stored device blob (default %s) back to the kernel.\n",
		PROG_NAME, SZKMCTL_DEVICE_BLOB);
	return code;
}

/* The refusals an operator acts on, when the kernel gave no reason. */
static void report(int ret, const struct szkm_devblob_info *info)
{
	if (szkm_last_message()[0]) {
		szkmctl_report("Unable to unseal the device", ret);
		return;
	}
	switch (-ret) {
	case ESTALE:
		if (info->has_binding)
			fprintf(stderr, "Unable to unseal the device: its lock PCR %u is capped (unsealed once this boot, or extended by someone else): a reboot is needed\n",
				info->lock_pcr);
		else
			fprintf(stderr, "Unable to unseal the device: its lock PCR is capped: a reboot is needed\n");
		break;
	case EACCES:
		fprintf(stderr, "Unable to unseal the device: wrong PIN (the TPM counts it toward its dictionary-attack lockout)\n");
		break;
	case EALREADY:
		fprintf(stderr, "Unable to unseal the device: this device is unsealed already\n");
		break;
	default:
		szkmctl_report("Unable to unseal the device", ret);
	}
}

/*
 * Reads @in and hands it to the kernel: 0, a negative errno from the
 * kernel (with *@info what the blob says), or 1 when it never got there
 * (said here).
 */
static int unseal_file(const char *in, int force, int want_pin, const uint8_t *pin,
		       size_t pin_len, struct szkm_devblob_info *info)
{
	uint8_t *blob;
	size_t len;
	int ret;

	memset(info, 0, sizeof(*info));
	/* Up to 4x the largest blob, so the kernel can say "wrong size". */
	ret = szkm_file_read(in, &blob, &len, 4 * SZKM_DEVBLOB_MAX);
	if (ret < 0) {
		fprintf(stderr, "Unable to read the device blob %s: %s\n", in, strerror(-ret));
		return 1;
	}
	if (len > 4 * SZKM_DEVBLOB_MAX) {
		fprintf(stderr, "%s is not a device blob: larger than %d bytes\n", in,
			4 * SZKM_DEVBLOB_MAX);
		free(blob);
		return 1;
	}
	/*
	 * What the blob says it needs. A blob this cannot read goes to the
	 * kernel as it is: the kernel says what is wrong with it.
	 */
	if (szkm_devblob_info(blob, len, info) == 0 &&
	    !(info->flags & SZKM_DEVBLOB_PIN) != !want_pin) {
		if (want_pin)
			fprintf(stderr, "--pin: %s has no PIN; unseal it without --pin\n", in);
		else
			fprintf(stderr, "%s needs the device's PIN: pass --pin (it is read from the terminal or stdin)\n",
				in);
		free(blob);
		return 1;
	}
	ret = szkm_device_unseal(blob, len, force, want_pin ? pin : NULL, pin_len);
	free(blob);
	return ret;
}

int szkmctl_device_unseal(const char *in, int force, int want_pin)
{
	struct szkm_devblob_info info;
	struct szkm_status st;
	uint8_t pin[SZKM_PIN_MAX];
	char next[PATH_MAX];
	size_t pin_len = 0;
	int ret, has_next;

	if (want_pin && szkmctl_read_pin("PIN of the device: ", NULL, pin, &pin_len))
		return EXIT_FAILED;
	has_next = snprintf(next, sizeof(next), "%s%s", in, SZKMCTL_PENDING_SUFFIX) <
			   (int)sizeof(next) && access(next, F_OK) == 0;
	ret = unseal_file(in, force, want_pin, pin, pin_len, &info);
	/*
	 * Older than the TPM's counter: a crash came after a membership
	 * commit and before its blob replaced @in. The pending one opens.
	 */
	if (ret == -EKEYEXPIRED && has_next) {
		printf("%s is older than the TPM's rollback counter: trying %s\n", in, next);
		ret = unseal_file(next, force, want_pin, pin, pin_len, &info);
		if (ret == 0 && szkm_file_rename(next, in) == 0)
			printf("%s (committed before the crash) replaces %s\n", next, in);
	} else if (ret == 0 && has_next && unlink(next) == 0) {
		/* Sealed at a counter value no commit reached: never to open. */
		printf("removed %s, re-sealed but never committed\n", next);
	}
	explicit_bzero(pin, sizeof(pin));
	if (ret == 1)
		return EXIT_FAILED;
	if (ret < 0) {
		report(ret, &info);
		return EXIT_FAILED;
	}
	printf("device unsealed\n");
	if (szkm_status_get(&st) == 0 && st.has_device_id) {
		printf("id: ");
		szkmctl_print_hex(st.device_id, sizeof(st.device_id));
		printf("\n");
	}
	return EXIT_OK;
}

int device_unseal_main(int argc, char *argv[])
{
	const char *in = SZKMCTL_DEVICE_BLOB;
	int force = 0, want_pin = 0;

	if (szkmctl_wants_help(argc, argv))
		return usage(stdout, EXIT_OK);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--in")) {
			in = szkmctl_value(argc, argv, &i);
			if (!in)
				return EXIT_USAGE;
		} else if (!strcmp(argv[i], "--force")) {
			force = 1;
		} else if (!strcmp(argv[i], "--pin")) {
			want_pin = 1;
		} else {
			return szkmctl_unknown(argv[i]);
		}
	}
	return szkmctl_device_unseal(in, force, want_pin);
}
