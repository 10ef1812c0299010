// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * key_export.c - `szkmctl key export KEY --out FILE`: the key's public
 * metadata as an export bundle (include/szkm.h), sealed by the kernel
 * under a key derived from the device's export key. The file proves
 * nothing by itself: `szkmctl verify --bundle FILE` has the kernel open it
 * and checks what it holds against the ledger.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int key_export_main(int argc, char *argv[])
{
	struct szkm_bundle_info bi;
	const char *spec = NULL, *out = NULL;
	uint8_t *b = NULL;
	int32_t serial;
	size_t len;
	int ret;

	if (szkmctl_wants_help(argc, argv)) {
		printf("Usage: %s key export KEY --out FILE\n"
		       "Writes the key's public key and metadata as a bundle sealed by the kernel\n"
		       "under the device's export key; `%s verify --bundle FILE' checks it.\n",
		       PROG_NAME, PROG_NAME);
		return EXIT_OK;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out")) {
			out = szkmctl_value(argc, argv, &i);
			if (!out)
				return EXIT_USAGE;
		} else if (argv[i][0] == '-' || spec) {
			return szkmctl_unknown(argv[i]);
		} else {
			spec = argv[i];
		}
	}
	if (!spec)
		return szkmctl_bad("which key? (a name or serial)");
	if (!out)
		return szkmctl_bad("--out FILE is needed");
	serial = szkm_key_find(spec);
	if (serial < 0) {
		fprintf(stderr, "Unable to find key `%s': %s\n", spec, szkm_strerror(serial));
		return EXIT_FAILED;
	}
	ret = szkm_bundle_export(serial, &b, &len);
	if (ret < 0) {
		szkmctl_report("Unable to export the key", ret);
		return EXIT_FAILED;
	}
	ret = szkm_file_write_atomic(out, b, len);
	if (ret < 0)
		fprintf(stderr, "Unable to write %s: %s\n", out, strerror(-ret));
	else if (!szkm_bundle_info(b, len, &bi))
		printf("key %d: bundle of v%" PRIu32 " active, mark %" PRIu64 ", written to %s (%zu bytes)\n",
		       serial, bi.version, bi.mark, out, len);
	free(b);
	return ret < 0 ? EXIT_FAILED : EXIT_OK;
}
