// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * events_ack.c - `szkmctl events ack <seq> <ledger index>` and `szkmctl
 * events resume <seq> <hash hex>`: the two privileged answers a ledger
 * gives the kernel, by hand (recovery, tests). ledgerd sends them itself.
 */
#include "subcommands.h"
#include "libszkm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int events_ack_main(int argc, char *argv[])
{
	uint8_t hash[32];
	int resume = !strcmp(argv[0], "resume"), ret;

	if (argc != 3 || (resume && szkm_hex_decode(hash, sizeof(hash), argv[2]))) {
		fprintf(stderr, "Usage: %s events ack <seq> <ledger index>\n"
			"       %s events resume <seq> <event hash, 64 hex digits>\n",
			PROG_NAME, PROG_NAME);
		return EXIT_USAGE;
	}
	if (resume)
		ret = szkm_event_resume(NULL, strtoull(argv[1], NULL, 0), hash);
	else
		ret = szkm_event_ack(NULL, strtoull(argv[1], NULL, 0), strtoull(argv[2], NULL, 0));
	if (ret < 0) {
		szkmctl_report(resume ? "Unable to resume the event chain" :
			       "Unable to acknowledge the event", ret);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}
