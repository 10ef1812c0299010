// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * device_members.c - `szkmctl device members --ledger URL [--checkpoint
 * FILE] [--blob FILE]`: the device follows the ledger's membership. Each
 * membership entry newer than the device's epoch (GET /members), in
 * order, goes to the kernel with its inclusion proof under the node's
 * checkpoint (or FILE's: one cosigned by enough of the device's current
 * keys, e.g. gathered from witnesses) and the consistency proof from the
 * kernel's last checkpoint; the kernel checks all of it
 * (SZKM_CMD_LEDGER_MEMBERS, szkm_ledger_members()) and hands back the
 * re-sealed device blob, which is stored as FILE.next, committed
 * (szkm_device_commit(): the TPM's rollback counter moves to it, so FILE
 * no longer opens) and renamed over FILE (default the stored blob), after
 * each step. Nothing the node sends is trusted here: the kernel
 * decides. Stops at the first refusal (exit 1), saying why.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "internal.h"
#include "ledger_http.h"
#include "note.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(FILE *f, int code)
{
	fprintf(f, "Usage: %s device members --ledger URL [--checkpoint FILE] [--blob FILE]\n"
		"Has the kernel follow the ledger's membership entries newer than the device's\n"
		"epoch, in order, each proven under the checkpoint of the node at URL (or the\n"
		"signed checkpoint in FILE) and approved by the device's current ledger keys;\n"
		"the re-sealed device blob replaces FILE (default %s).\n",
		PROG_NAME, SZKMCTL_DEVICE_BLOB);
	return code;
}

/* A run-time failure, said in one line: exit 1. */
static int failed(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "%s device members: ", PROG_NAME);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return EXIT_FAILED;
}

/* The checkpoint's size: its second line (the kernel checks the rest). */
static int note_size(const char *note, size_t len, uint64_t *size)
{
	const char *end = memmem(note, len, "\n\n", 2);
	struct ledger_checkpoint cp;

	if (!end || ledger_checkpoint_parse(note, (size_t)(end + 1 - note), &cp))
		return -EBADMSG;
	*size = cp.size;
	return 0;
}

struct follow {
	struct szkm_ledger_source src;
	char *note;
	size_t note_len;
	uint64_t size;
	const char *blob_path;
};

/*
 * The re-sealed blob stored as FILE.next, committed (the TPM counter moves
 * to it and the kernel follows the entry), then put in FILE's place. A
 * crash or a failed commit leaves FILE (counter not moved) or FILE.next
 * (moved) openable.
 */
static int commit(const char *path, const uint8_t *blob, size_t len, uint64_t epoch)
{
	char next[PATH_MAX];
	int ret;

	if (snprintf(next, sizeof(next), "%s%s", path, SZKMCTL_PENDING_SUFFIX) >= (int)sizeof(next))
		return failed("%s: %s", path, strerror(ENAMETOOLONG));
	ret = szkm_file_write_atomic(next, blob, len);
	if (ret)
		return failed("%s: %s: nothing committed, the device stays on its old ledger keys", next,
			      strerror(-ret));
	/*
	 * A failed commit keeps FILE.next: the counter may have moved though
	 * the answer said otherwise (a late, lost or tampered TPM answer),
	 * and then FILE.next is the one blob that opens. device unseal
	 * removes it when FILE opens instead.
	 */
	ret = szkm_device_commit(blob, len);
	if (ret) {
		fprintf(stderr, "membership epoch %" PRIu64 " not committed: %s\n"
			"%s kept: device unseal opens it if the TPM's counter moved all the same; run device members again\n",
			epoch, *szkm_last_message() ? szkm_last_message() : strerror(-ret), next);
		return EXIT_FAILED;
	}
	ret = szkm_file_rename(next, path);
	if (ret) {
		fprintf(stderr, "%s device members: %s: %s: the kernel follows epoch %" PRIu64 "; its blob is %s, which device unseal opens\n",
			PROG_NAME, path, strerror(-ret), epoch, next);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

/* One entry to the kernel; the blob it re-seals is kept at once. */
static int follow_one(struct follow *f, const struct szkm_ledger_entry *e,
		      uint64_t epoch)
{
	static uint8_t path[LEDGER_MERKLE_MAX_PROOF][32], cons[LEDGER_MERKLE_MAX_PROOF][32];
	struct szkm_event_proof p = { .index = e->index, .path = (const uint8_t (*)[32])path };
	struct szkm_status st = { 0 };
	size_t ncons = 0;
	uint8_t *blob;
	size_t bloblen;
	int ret;

	ret = szkm_status_get(&st);
	if (ret)
		return failed("%s%s", "status: ", strerror(-ret));
	ret = f->src.inclusion(f->src.ctx, e->index, f->size, path, &p.n);
	if (!ret && st.ledger_size && st.ledger_size < f->size)
		ret = f->src.consistency(f->src.ctx, st.ledger_size, f->size, cons, &ncons);
	if (ret) {
		fprintf(stderr, "%s\n", szkm_verify_message());
		return EXIT_FAILED;
	}
	ret = szkm_ledger_members(e->data, e->len, f->note, f->note_len,
				  (const uint8_t (*)[32])cons, ncons, &p, &blob, &bloblen);
	if (ret) {
		fprintf(stderr, "membership epoch %" PRIu64 " (entry %" PRIu64 ") refused: %s\n",
			epoch, e->index, *szkm_last_message() ? szkm_last_message() : strerror(-ret));
		return EXIT_FAILED;
	}
	ret = commit(f->blob_path, blob, bloblen, epoch);
	free(blob);
	if (ret)
		return ret;
	printf("epoch %" PRIu64 ": followed (entry %" PRIu64 ")\n", epoch, e->index);
	return EXIT_OK;
}

static int run(struct follow *f, const char *cp_file)
{
	struct szkm_ledger_entry *m = NULL;
	struct szkm_status st = { 0 };
	size_t n = 0, done = 0;
	int ret;

	if (cp_file) {
		uint8_t *d;

		ret = szkm_file_read(cp_file, &d, &f->note_len, SZKM_LEDGER_NOTE_MAX);
		if (ret)
			return failed("%s: %s", cp_file, strerror(-ret));
		f->note = (char *)d;
	} else if (f->src.checkpoint(f->src.ctx, &f->note, &f->note_len)) {
		fprintf(stderr, "%s\n", szkm_verify_message());
		return EXIT_FAILED;
	}
	if (note_size(f->note, f->note_len, &f->size))
		return failed("%s%s", "the checkpoint is not a signed note", "");
	ret = szkm_status_get(&st);
	if (ret)
		return failed("%s%s", "status: ", strerror(-ret));
	if (f->src.members(f->src.ctx, &m, &n)) {
		fprintf(stderr, "%s\n", szkm_verify_message());
		return EXIT_FAILED;
	}
	ret = EXIT_OK;
	for (size_t i = 0; i < n && ret == EXIT_OK; i++) {
		uint64_t epoch = 0;

		if (m[i].len < SZKM_MEMBERS_HEAD_LEN || m[i].data[0] != SZKM_LEDGER_ENTRY_MEMBERS) {
			ret = failed("%s%s", "/members: an entry that is not a membership entry", "");
			break;
		}
		for (int b = 1; b <= 8; b++)
			epoch = epoch << 8 | m[i].data[b];
		if (epoch <= st.members_epoch || m[i].index >= f->size)
			continue;
		ret = follow_one(f, &m[i], epoch);
		done += ret == EXIT_OK;
	}
	free(m);
	if (ret == EXIT_OK && !done)
		printf("epoch %" PRIu64 ": nothing newer under the checkpoint (size %" PRIu64 ")\n",
		       st.members_epoch, f->size);
	return ret;
}

int device_members_main(int argc, char *argv[])
{
	struct follow f = { .blob_path = SZKMCTL_DEVICE_BLOB };
	const char *url = NULL, *cp_file = NULL;
	struct szkm_ledger_http *h;
	int ret;

	if (szkmctl_wants_help(argc, argv))
		return usage(stdout, EXIT_OK);
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val;

		if (strcmp(opt, "--ledger") && strcmp(opt, "--checkpoint") && strcmp(opt, "--blob"))
			return szkmctl_unknown(opt);
		val = szkmctl_value(argc, argv, &i);
		if (!val)
			return EXIT_USAGE;
		if (!strcmp(opt, "--ledger"))
			url = val;
		else if (!strcmp(opt, "--checkpoint"))
			cp_file = val;
		else
			f.blob_path = val;
	}
	if (!url)
		return szkmctl_bad("--ledger URL is needed");
	if (szkm_ledger_http_open(&h, url)) {
		fprintf(stderr, "%s\n", szkm_verify_message());
		return EXIT_FAILED;
	}
	szkm_ledger_http_source(h, &f.src);
	ret = run(&f, cp_file);
	free(f.note);
	szkm_ledger_http_close(h);
	return ret;
}
