// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state_save.c - `szkmctl state save [--dir DIR] [--device FILE]`: copies
 * the device blob (default /var/lib/szkm/device.blob) and writes every
 * szkm key's sealed blob (keyctl pipe) to DIR (default
 * /var/lib/szkm/state), one file a key named by its key id, then the
 * manifest naming each key's name and keyring (state.h). Every file is
 * written atomically (a temporary file, fsync, rename, fsync of the
 * folder) and the manifest last, so a crash leaves the old state or the
 * new one. Blobs of keys no longer saved are removed afterwards. A key
 * whose blob cannot be read now (a change waits for the ledger: EBUSY) is
 * said, left out, and makes the exit status 1.
 */
#include "state.h"
#include "subcommands.h"
#include "internal.h"
#include "libszkm.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int usage(FILE *f, int code)
{
	fprintf(f, "Usage: %s state save [--dir DIR] [--device FILE]\n"
		"Writes the device blob (from FILE, default %s) and every szkm key's\n"
		"sealed blob in your keyrings to DIR (default %s), with a manifest.\n",
		PROG_NAME, SZKMCTL_DEVICE_BLOB, SZKMCTL_STATE_DIR);
	return code;
}

/* The device blob, if it is the ready device's, copied into @dir. */
static int save_device(const char *dir, const char *from, const uint8_t id[32])
{
	struct szkm_devblob_info info;
	char path[4096], want[65], got[65];
	uint8_t *blob;
	size_t len;
	int ret;

	ret = szkm_file_read(from, &blob, &len, SZKM_DEVBLOB_MAX);
	if (ret < 0) {
		fprintf(stderr, "Unable to read the device blob %s: %s\n", from, strerror(-ret));
		return -1;
	}
	ret = len > SZKM_DEVBLOB_MAX ? -EBADMSG : szkm_devblob_info(blob, len, &info);
	if (ret < 0) {
		fprintf(stderr, "%s is not a device blob this szkmctl reads\n", from);
	} else if (memcmp(info.device_id, id, 32)) {
		szkm_hex_encode(want, id, 32);
		szkm_hex_encode(got, info.device_id, 32);
		fprintf(stderr, "%s is the blob of device %.16s..., not of the ready device %.16s...\n",
			from, got, want);
		ret = -1;
	} else if (state_path(path, sizeof(path), dir, STATE_DEVICE)) {
		ret = -1;
	} else if ((ret = szkm_file_write_atomic(path, blob, len)) < 0) {
		fprintf(stderr, "Unable to write %s: %s\n", path, strerror(-ret));
	}
	free(blob);
	return ret < 0 ? -1 : 0;
}

/* One key's blob into <dir>/<id>.blob; fills @k for the manifest. */
static int save_key(const char *dir, const struct szkm_key_ref *ref, struct szkm_key_info *info,
		    struct state_key *k)
{
	char path[4096], what[128];
	char *hex;
	size_t len;
	int ret;

	k->id[0] = 0;
	ret = szkm_key_info(ref->serial, info);
	if (ret < 0) {
		if (ret == -ENOKEY || ret == -EKEYREVOKED)
			return 1;	/* gone since the keyring was read */
		fprintf(stderr, "key %d in %s: ", ref->serial, ref->ring);
		szkmctl_report("unable to read it", ret);
		return -1;
	}
	szkm_hex_encode(k->id, info->id, sizeof(info->id));
	/* A key no keyring holds (a grant keeps it) comes back into @u. */
	snprintf(k->ring, sizeof(k->ring), "%s",
		 strcmp(ref->ring, SZKM_KEYRING_NONE) ? ref->ring : "@u");
	snprintf(k->name, sizeof(k->name), "%s", info->name);
	ret = szkm_key_blob(ref->serial, &hex, &len);
	if (ret < 0) {
		snprintf(what, sizeof(what), "Unable to save %s (serial %d in %s)", info->name,
			 ref->serial, ref->ring);
		if (ret == -EACCES)
			fprintf(stderr, "%s: no Read permission (is the key in your session's keyrings?)\n",
				what);
		else
			szkmctl_key_report(what, ret);
		return -1;
	}
	if (state_key_path(path, sizeof(path), dir, k->id))
		ret = -ENAMETOOLONG;
	else
		ret = szkm_file_write_atomic(path, (const uint8_t *)hex, len);
	free(hex);
	if (ret < 0) {
		fprintf(stderr, "Unable to write %s: %s\n", path, strerror(-ret));
		return -1;
	}
	return 0;
}

/* "<32 hex>.blob" of a key no longer in the manifest, nor left out by a failure. */
static void remove_stale(const char *dir, const struct state *st, char (*keep)[33], size_t nkeep)
{
	char path[4096];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		int listed = 0;

		if (n != 2 * SZKM_KEY_ID_LEN + 5 || strcmp(e->d_name + 2 * SZKM_KEY_ID_LEN, ".blob") ||
		    strspn(e->d_name, "0123456789abcdef") != 2 * SZKM_KEY_ID_LEN)
			continue;
		for (size_t i = 0; i < st->nkeys && !listed; i++)
			listed = !strncmp(e->d_name, st->keys[i].id, 2 * SZKM_KEY_ID_LEN);
		for (size_t i = 0; i < nkeep && !listed; i++)
			listed = !strncmp(e->d_name, keep[i], 2 * SZKM_KEY_ID_LEN);
		if (!listed && !state_path(path, sizeof(path), dir, e->d_name))
			unlink(path);
	}
	closedir(d);
}

int state_save_main(int argc, char *argv[])
{
	const char *dir = SZKMCTL_STATE_DIR, *device = SZKMCTL_DEVICE_BLOB;
	struct szkm_key_ref *refs = NULL;
	struct state st = { 0 };
	struct szkm_key_info *info = NULL;
	struct szkm_status status;
	char (*failed)[33] = NULL;
	size_t nfailed = 0;
	int n, ret, rc = EXIT_FAILED;

	if (szkmctl_wants_help(argc, argv))
		return usage(stdout, EXIT_OK);
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val;

		if (strcmp(opt, "--dir") && strcmp(opt, "--device"))
			return szkmctl_unknown(opt);
		val = szkmctl_value(argc, argv, &i);
		if (!val)
			return EXIT_USAGE;
		if (!val[0])
			return szkmctl_bad("%s: an empty path", opt);
		if (!strcmp(opt, "--dir"))
			dir = val;
		else
			device = val;
	}
	ret = szkm_status_get(&status);
	if (ret < 0) {
		fprintf(stderr, "Unable to read device status: %s\n", szkm_strerror(ret));
		return EXIT_FAILED;
	}
	if (status.state != SZKM_DEV_READY || !status.has_device_id) {
		fprintf(stderr, "No ready device: nothing to save (szkmctl device unseal first)\n");
		return EXIT_FAILED;
	}
	memcpy(st.device_id, status.device_id, sizeof(st.device_id));
	if (save_device(dir, device, status.device_id))
		return EXIT_FAILED;
	n = szkm_key_list(&refs);
	if (n < 0) {
		fprintf(stderr, "Unable to list your keyrings: %s\n", strerror(-n));
		return EXIT_FAILED;
	}
	info = malloc(sizeof(*info));
	st.keys = calloc((size_t)n + 1, sizeof(*st.keys));
	failed = calloc((size_t)n + 1, sizeof(*failed));
	if (!info || !st.keys || !failed)
		goto out;
	for (int i = 0; i < n; i++) {
		ret = save_key(dir, &refs[i], info, &st.keys[st.nkeys]);
		if (ret == 0)
			st.nkeys++;
		else if (ret < 0)
			memcpy(failed[nfailed++], st.keys[st.nkeys].id, 33);
	}
	ret = state_write(dir, &st);
	if (ret < 0) {
		fprintf(stderr, "Unable to write %s/%s: %s\n", dir, STATE_MANIFEST, strerror(-ret));
		goto out;
	}
	remove_stale(dir, &st, failed, nfailed);
	printf("saved the device blob and %zu key%s to %s\n", st.nkeys, st.nkeys == 1 ? "" : "s",
	       dir);
	if (nfailed)
		fprintf(stderr, "%zu key%s not saved (see above)\n", nfailed, nfailed == 1 ? "" : "s");
	rc = nfailed ? EXIT_FAILED : EXIT_OK;
out:
	free(failed);
	free(info);
	free(st.keys);
	free(refs);
	return rc;
}
