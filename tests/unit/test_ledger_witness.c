// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_ledger_witness.c - the witness's add-checkpoint (witness.h) without
 * HTTP: a table of requests, each with the status c2sp.org/tlog-witness
 * names for it; the 409's body; a consistent request cosigned with lines
 * that verify; a fork by a peer's key refused with the alarm and the key
 * distrusted; the state back after a reopen.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ledger.h"
#include "test_ledger_util.h"
#include "witness.h"

#define ORIGIN	"test.example/log"

struct fixture {
	char dir[64], db[128], err[512], peers[1024];
	struct ledger_note_key self, peer;	/* the node's, a peer's (private) */
	struct ledger *l;
	struct ledger_witness *w;
	struct tdev dev;
};

static int key(struct ledger_note_key *k, const char *name)
{
	EVP_PKEY *p = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	int ret = p ? ledger_note_key_init(k, name, LEDGER_NOTE_SIG_ED25519, p) : -1;

	EVP_PKEY_free(p);
	return ret;
}

static int open_witness(struct fixture *f)
{
	struct ledger_witness_opts o = {
		.ledger = f->l, .db = f->db, .store_flags = LEDGER_STORE_NOSYNC,
		.origin = ORIGIN, .self = &f->self, .peers = f->peers,
	};

	return ledger_witness_open(&f->w, &o, f->err, sizeof(f->err));
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ledger_options o = { .origin = ORIGIN, .store_flags = LEDGER_STORE_NOSYNC };
	uint8_t body[SZKM_EVENT_MAX_LEN], sig[64];
	struct ledger_result res;
	char vkey[512];
	size_t n;

	strcpy(f->dir, "/tmp/ledger-witness-XXXXXX");
	if (!f || !mkdtemp(f->dir) || key(&f->self, "a.example") ||
	    key(&f->peer, "b.example") || tdev_init(&f->dev, NULL) ||
	    ledger_note_key_format(&f->peer, vkey, sizeof(vkey), &n))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/l.db", f->dir);
	snprintf(f->peers, sizeof(f->peers), "http://b.invalid %s", vkey);
	o.db_path = f->db;
	o.key = &f->self;
	if (ledger_open(&f->l, &o, f->err, sizeof(f->err)) || ledger_begin(f->l) ||
	    ledger_enrol(f->l, "dev", f->dev.pub, 5, &res))
		return -1;
	for (int i = 0; i < 4; i++) {	/* size 5 */
		n = tdev_next(&f->dev, 1, body, sig);
		if (ledger_add_event(f->l, body, n, sig, &res) ||
		    res.verdict != LEDGER_APPENDED)
			return -1;
	}
	if (ledger_commit(f->l, true) || open_witness(f))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int ret;

	ledger_witness_close(f->w);
	ledger_close(f->l);
	ledger_note_key_clear(&f->self);
	ledger_note_key_clear(&f->peer);
	tdev_free(&f->dev);
	ret = tdir_remove(f->dir);
	free(f);
	return ret;
}

/* The checkpoint text of @size (with this @root, or the tree's). */
static size_t text(struct fixture *f, const char *origin, uint64_t size,
		   const uint8_t *root, char *out, size_t cap)
{
	struct ledger_checkpoint cp = { .size = size };
	size_t len;

	strcpy(cp.origin, origin);
	if (root)
		memcpy(cp.root, root, 32);
	else
		assert_int_equal(ledger_root(f->l, size, cp.root), 0);
	assert_int_equal(ledger_checkpoint_format(&cp, out, cap, &len), 0);
	return len;
}

/* "old <old>", @proof lines as given, the blank line, the note signed by @k. */
static size_t request(const struct ledger_note_key *k, const char *head,
		      const char *t, size_t tlen, char *out, size_t cap)
{
	size_t hlen = strlen(head), nlen;

	memcpy(out, head, hlen);
	assert_int_equal(ledger_note_sign(t, tlen, k, 1, 0, out + hlen, cap - hlen,
					  &nlen), 0);
	return hlen + nlen;
}

static unsigned int add(struct fixture *f, const char *body, size_t len,
			char **out, size_t *olen)
{
	char why[512];

	return ledger_witness_add(f->w, body, len, out, olen, why, sizeof(why));
}

static void test_malformed_and_unknown_get_the_specs_status(void **state)
{
	static const struct {
		const char *name, *head, *origin;
		bool stranger, ext;
		unsigned int code;
	} cases[] = {
		{ "no old line", "\n", ORIGIN, false, false, 400 },
		{ "old with a leading zero", "old 03\n\n", ORIGIN, false, false, 400 },
		{ "old with a sign", "old +3\n\n", ORIGIN, false, false, 400 },
		{ "no blank line", "old 0\n", ORIGIN, false, false, 400 },
		{ "a proof line not base64", "old 0\n!!\n\n", ORIGIN, false, false, 400 },
		{ "a proof line of 31 bytes",
		  "old 0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n\n", ORIGIN,
		  false, false, 400 },
		{ "old above the size", "old 6\n\n", ORIGIN, false, false, 400 },
		{ "an extension line", "old 0\n\n", ORIGIN, false, true, 400 },
		{ "another origin", "old 0\n\n", "other.example/log", false, false, 404 },
		{ "a key no node has", "old 0\n\n", ORIGIN, true, false, 403 },
	};
	struct fixture *f = *state;
	struct ledger_note_key stranger;
	char t[512], body[4096], *out;
	size_t tlen, len, olen;

	assert_int_equal(key(&stranger, "b.example"), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tlen = text(f, cases[i].origin, 5, NULL, t, sizeof(t));
		if (cases[i].ext)
			tlen += (size_t)sprintf(t + tlen, "ext\n");
		len = request(cases[i].stranger ? &stranger : &f->peer,
			      cases[i].head, t, tlen, body, sizeof(body));
		if (add(f, body, len, &out, &olen) != cases[i].code)
			fail_msg("%s: not %u", cases[i].name, cases[i].code);
		free(out);
	}
	/* 64 proof lines: over the spec's 63. */
	len = (size_t)sprintf(body, "old 0\n");
	for (int i = 0; i < 64; i++)
		len += (size_t)sprintf(body + len, "%s\n",
				       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	body[len] = 0;
	len = request(&f->peer, body, t, text(f, ORIGIN, 5, NULL, t, sizeof(t)),
		      body, sizeof(body));
	assert_int_equal(add(f, body, len, &out, &olen), 400);
	/* A NUL byte anywhere. */
	body[2] = 0;
	assert_int_equal(add(f, body, len, &out, &olen), 400);
	assert_false(ledger_alarm(f->l, NULL, 0));
	ledger_note_key_clear(&stranger);
}

static void test_consistent_checkpoints_are_cosigned_and_persisted(void **state)
{
	struct fixture *f = *state;
	uint8_t proof[LEDGER_MERKLE_MAX_PROOF][32];
	char t[512], body[4096], note[8192], *out;
	size_t tlen, len, olen, n;
	struct ledger_note_result r;

	/* First sight: old 0, size 3. */
	tlen = text(f, ORIGIN, 3, NULL, t, sizeof(t));
	len = request(&f->peer, "old 0\n\n", t, tlen, body, sizeof(body));
	assert_int_equal(add(f, body, len, &out, &olen), 200);
	/* Its line verifies under the node's key over that text. */
	memcpy(note, body + 7, len - 7);
	memcpy(note + len - 7, out, olen);
	assert_int_equal(ledger_note_open(note, len - 7 + olen, &f->self, 1, 0, &r), 0);
	free(out);
	/* Stale old size: 409 with the state's size. */
	tlen = text(f, ORIGIN, 5, NULL, t, sizeof(t));
	len = request(&f->peer, "old 0\n\n", t, tlen, body, sizeof(body));
	assert_int_equal(add(f, body, len, &out, &olen), 409);
	assert_string_equal(out, "3\n");
	free(out);
	/* From 3 to 5 with the proof: cosigned. */
	assert_int_equal(ledger_consistency(f->l, 3, 5, proof, &n), 0);
	len = (size_t)sprintf(body, "old 3\n");
	for (size_t i = 0; i < n; i++) {
		ledger_b64_encode(proof[i], 32, body + len);
		len += ledger_b64_len(32);
		body[len++] = '\n';
	}
	body[len++] = '\n';
	body[len] = 0;
	len = request(&f->peer, body, t, tlen, body, sizeof(body));
	assert_int_equal(add(f, body, len, &out, &olen), 200);
	free(out);
	/* A proof line where none is due (5 to 5): 422. */
	len = request(&f->peer, "old 5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n",
		      t, tlen, body, sizeof(body));
	assert_int_equal(add(f, body, len, &out, &olen), 422);
	assert_false(ledger_alarm(f->l, NULL, 0));
	/* The state is back after a reopen: 5. */
	ledger_witness_close(f->w);
	assert_int_equal(open_witness(f), 0);
	assert_int_equal(ledger_witness_state(f->w, NULL, note, sizeof(note), &n), 0);
	assert_memory_equal(note, t, tlen);
	tlen = text(f, ORIGIN, 3, NULL, t, sizeof(t));
	len = request(&f->peer, "old 3\n\n", t, tlen, body, sizeof(body));
	assert_int_equal(add(f, body, len, &out, &olen), 409);
	assert_string_equal(out, "5\n");
	free(out);
}

static void test_a_fork_is_refused_alarmed_and_its_key_distrusted(void **state)
{
	struct fixture *f = *state;
	uint8_t other[32] = { 1 };
	char t[512], body[4096], alarm[512], *out;
	size_t tlen, len, olen;

	tlen = text(f, ORIGIN, 5, other, t, sizeof(t));
	len = request(&f->peer, "old 5\n\n", t, tlen, body, sizeof(body));
	assert_int_equal(add(f, body, len, &out, &olen), 422);
	assert_true(ledger_alarm(f->l, alarm, sizeof(alarm)));
	assert_non_null(strstr(alarm, "fork: a checkpoint of size 5 signed by b.example (http://b.invalid)"));
	/* Even its honest checkpoint now. */
	tlen = text(f, ORIGIN, 5, NULL, t, sizeof(t));
	len = request(&f->peer, "old 0\n\n", t, tlen, body, sizeof(body));
	assert_int_equal(add(f, body, len, &out, &olen), 403);
	/* The node's own key still gets answers. */
	len = request(&f->self, "old 0\n\n", t, tlen, body, sizeof(body));
	assert_int_equal(add(f, body, len, &out, &olen), 200);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_malformed_and_unknown_get_the_specs_status,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_consistent_checkpoints_are_cosigned_and_persisted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_fork_is_refused_alarmed_and_its_key_distrusted,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
