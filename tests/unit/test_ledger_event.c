// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * test_ledger_event.c - the event decoder, the signature check and the
 * chain rules (ledgerd/event.c), the control-line parser and the netlink
 * message parser, without a kernel.
 *
 * Events come from test_ledger_util.h, an encoder written separately from
 * the decoder. Signature verification is also held to Wycheproof's P-256
 * r || s vectors (tests/vectors/wycheproof, or $SZKM_VECTORS).
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
#include <jansson.h>

#include "vectors.h"

#include "control.h"
#include "libszkm.h"
#include "szkm_event.h"
#include "test_ledger_util.h"

static struct tdev dev;

static int setup(void **state)
{
	(void)state;
	return tdev_init(&dev, NULL);
}

static int teardown(void **state)
{
	(void)state;
	tdev_free(&dev);
	return 0;
}

/* A well-formed key event of @dev at seq 2 (not signed). */
static struct tev key_event(void)
{
	static const uint8_t kid[16] = { 1, 2, 3 };
	struct tev e = { 0 };

	e.type = SZKM_EV_KEY_ROTATE;
	memcpy(e.device_id, dev.id, 32);
	e.seq = 2;
	e.time_ns = 1700000000000000000ull;
	memcpy(e.key_id, kid, 16);
	e.name = "db.key_1-x";
	e.version = 3;
	e.alg = SZKM_ALG_ECDSA_P256;
	e.state = SZKM_VS_ACTIVE;
	e.origin = SZKM_ORIGIN_GENERATED;
	e.pub = dev.pub;
	e.rotate = 3600;
	e.max_uses = 1000;
	e.min_version = 1;
	e.ledger = SZKM_LEDGER_ASYNC;
	e.policy[0] = 0xaa;
	return e;
}

static struct tev init_event(void)
{
	struct tev e = { 0 };

	e.type = SZKM_EV_DEVICE_INIT;
	memcpy(e.device_id, dev.id, 32);
	e.seq = 1;
	e.pub = dev.pub;
	return e;
}

static const char *decode_why(const struct tev *e)
{
	uint8_t buf[SZKM_EVENT_MAX_LEN + 8];
	struct szkm_event ev;
	const char *why = NULL;
	size_t n = tev_encode(e, buf);

	return szkm_event_decode(buf, n, &ev, &why) ? why : NULL;
}

static void decode_key_event_reads_every_field(void **state)
{
	struct tev e = key_event();
	uint8_t buf[SZKM_EVENT_MAX_LEN], h[32];
	struct szkm_event ev;
	size_t n = tev_encode(&e, buf);

	(void)state;
	assert_int_equal(n, SZKM_EVENT_FIXED_LEN + strlen(e.name) + 65);
	assert_int_equal(szkm_event_decode(buf, n, &ev, NULL), 0);
	assert_int_equal(ev.type, SZKM_EV_KEY_ROTATE);
	assert_memory_equal(ev.device_id, dev.id, 32);
	assert_int_equal(ev.seq, 2);
	assert_true(ev.time_ns == e.time_ns);
	assert_memory_equal(ev.key_id, e.key_id, 16);
	assert_string_equal(ev.name, "db.key_1-x");
	assert_int_equal(ev.version, 3);
	assert_int_equal(ev.alg, SZKM_ALG_ECDSA_P256);
	assert_int_equal(ev.state, SZKM_VS_ACTIVE);
	assert_non_null(ev.pubkey);
	assert_int_equal(ev.rotate_seconds, 3600);
	assert_int_equal(ev.max_uses, 1000);
	assert_int_equal(ev.min_version, 1);
	assert_int_equal(ev.ledger, SZKM_LEDGER_ASYNC);
	assert_int_equal(ev.policy_digest[0], 0xaa);
	tev_sha256(buf, n, h);
	assert_memory_equal(ev.hash, h, 32);
}

/* What every device event keeps to: D's own key in it, and no key named. */
static void check_device_event(struct tev (*make)(void), const char *without_pub)
{
	struct tev e = make();
	uint8_t other[65];

	assert_null(decode_why(&e));
	e.pub = NULL;
	assert_string_equal(decode_why(&e), without_pub);
	memcpy(other, dev.pub, 65);
	other[64] ^= 1;
	e.pub = other;
	assert_string_equal(decode_why(&e), "device-id-mismatch");
	e = make();
	e.key_id[0] = 1;
	assert_string_equal(decode_why(&e), "device-event-names-key");
	e = make();
	e.version = 1;
	assert_string_equal(decode_why(&e), "device-event-names-key");
}

static void decode_device_init_needs_its_own_key(void **state)
{
	(void)state;
	check_device_event(init_event, "device-init-without-pubkey");
}

/* A device resume after seq 4 (the kernel's, once its registry is restored). */
static struct tev resume_event(void)
{
	struct tev e = init_event();

	e.type = SZKM_EV_DEVICE_RESUME;
	e.seq = 5;
	e.prev[0] = 0x55;
	e.name = "tpm.lock-pcr-13.boot-pcrs-0080.no-pin";
	return e;
}

static void decode_device_resume_is_a_device_event(void **state)
{
	struct tev e = resume_event();
	uint8_t buf[SZKM_EVENT_MAX_LEN];
	struct szkm_event ev;
	size_t n = tev_encode(&e, buf);

	(void)state;
	assert_int_equal(szkm_event_decode(buf, n, &ev, NULL), 0);
	assert_int_equal(ev.type, SZKM_EV_DEVICE_RESUME);
	assert_int_equal(ev.seq, 5);
	assert_non_null(ev.pubkey);
	assert_memory_equal(ev.pubkey, dev.pub, 65);
	assert_string_equal(ev.name, "tpm.lock-pcr-13.boot-pcrs-0080.no-pin");
	assert_string_equal(szkm_event_type_name(ev.type), "device-resume");
	assert_string_equal(szkm_event_type_name(SZKM_EV_DEVICE_INIT), "device-init");
	e.name = NULL;		/* test mode: no binding */
	assert_null(decode_why(&e));
	check_device_event(resume_event, "device-resume-without-pubkey");
	e = resume_event();
	e.seq = 1;
	memset(e.prev, 0, 32);
	assert_string_equal(decode_why(&e), "device-resume-at-seq-1");
}

/* Table: one change to a good key event, and the reason it must give. */
struct bad_case {
	const char *what;
	void (*mutate)(struct tev *e);
	const char *why;
};

static void m_type0(struct tev *e) { e->type = 0; }
static void m_type_hi(struct tev *e) { e->type = __SZKM_EV_MAX; }
static void m_flags(struct tev *e) { e->flags = 0x8000; }
static void m_seq0(struct tev *e) { e->seq = 0; }
static void m_name_empty(struct tev *e) { e->name = ""; }
static void m_name_space(struct tev *e) { e->name = "a b"; }
static void m_name_slash(struct tev *e) { e->name = "../etc"; }
static void m_name_utf8(struct tev *e) { e->name = "cl\xc3\xa9"; }
static void m_alg(struct tev *e) { e->alg = __SZKM_ALG_MAX; }
static void m_alg0(struct tev *e) { e->alg = 0; }
static void m_state(struct tev *e) { e->state = 9; }
static void m_origin(struct tev *e) { e->origin = 9; }
static void m_ledger(struct tev *e) { e->ledger = 2; }
static void m_keyid0(struct tev *e) { memset(e->key_id, 0, 16); }
static void m_aes_pub(struct tev *e) { e->alg = SZKM_ALG_AES256_GCM; }

static const struct bad_case bad_cases[] = {
	{ "type 0", m_type0, "unknown-type" },
	{ "type past the last", m_type_hi, "unknown-type" },
	{ "unknown flag", m_flags, "unknown-flags" },
	{ "seq 0", m_seq0, "zero-seq" },
	{ "empty key name", m_name_empty, "bad-name" },
	{ "space in name", m_name_space, "bad-name" },
	{ "slash in name", m_name_slash, "bad-name" },
	{ "non-ASCII name", m_name_utf8, "bad-name" },
	{ "alg out of range", m_alg, "unknown-alg" },
	{ "key event without alg", m_alg0, "unknown-alg" },
	{ "state out of range", m_state, "unknown-state" },
	{ "origin out of range", m_origin, "unknown-origin" },
	{ "ledger mode out of range", m_ledger, "unknown-ledger-mode" },
	{ "key event with zero key id", m_keyid0, "zero-key-id" },
	{ "public key on an AES key", m_aes_pub, "pubkey-on-symmetric-key" },
};

static void decode_rejects_each_bad_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct tev e = key_event();
		const char *why;

		bad_cases[i].mutate(&e);
		why = decode_why(&e);
		if (!why || strcmp(why, bad_cases[i].why))
			fail_msg("%s: got %s, want %s", bad_cases[i].what,
				 why ? why : "accepted", bad_cases[i].why);
	}
}

static void decode_rejects_every_truncation_and_extension(void **state)
{
	struct tev e = key_event();
	uint8_t buf[SZKM_EVENT_MAX_LEN + 8];
	struct szkm_event ev;
	size_t n = tev_encode(&e, buf);

	(void)state;
	for (size_t len = 0; len < n; len++)
		assert_int_equal(szkm_event_decode(buf, len, &ev, NULL),
				 -EBADMSG);
	buf[n] = 0;
	assert_int_equal(szkm_event_decode(buf, n + 1, &ev, NULL), -EBADMSG);
}

static void decode_rejects_oversized_and_bad_lengths(void **state)
{
	uint8_t buf[SZKM_EVENT_MAX_LEN + 64] = { 0 };
	struct tev e = key_event();
	struct szkm_event ev;
	const char *why = NULL;
	size_t n = tev_encode(&e, buf);
	const size_t name_off = 4 + 1 + 1 + 2 + 32 + 8 + 32 + 8 + 16;

	(void)state;
	assert_int_equal(szkm_event_decode(buf, SZKM_EVENT_MAX_LEN + 1, &ev,
					   &why), -EBADMSG);
	assert_string_equal(why, "oversized");
	/* A name length past SZKM_NAME_MAX. */
	buf[name_off] = SZKM_NAME_MAX + 1;
	assert_int_equal(szkm_event_decode(buf, n, &ev, &why), -EBADMSG);
	assert_string_equal(why, "name-too-long");
	/* A name length that runs past the end. */
	n = tev_encode(&e, buf);
	buf[name_off] = SZKM_NAME_MAX;
	assert_int_equal(szkm_event_decode(buf, n, &ev, &why), -EBADMSG);
	/* A public key length that is neither 0 nor 65. */
	n = tev_encode(&e, buf);
	buf[name_off + 1 + strlen(e.name) + 4 + 3] = 64;
	assert_int_equal(szkm_event_decode(buf, n, &ev, &why), -EBADMSG);
	assert_string_equal(why, "bad-pubkey-length");
	/* Magic and format. */
	n = tev_encode(&e, buf);
	buf[0] = 'X';
	assert_int_equal(szkm_event_decode(buf, n, &ev, &why), -EBADMSG);
	assert_string_equal(why, "bad-magic");
	buf[0] = 'S';
	buf[4] = SZKM_EVENT_FORMAT + 1;
	assert_int_equal(szkm_event_decode(buf, n, &ev, &why), -EBADMSG);
	assert_string_equal(why, "unknown-format");
}

/* Who did it: the actor fields, and format 1 (none) for old ledgers. */
static void actor_is_decoded_and_checked(void **state)
{
	uint8_t buf[SZKM_EVENT_MAX_LEN];
	struct tev e = key_event();
	struct szkm_event ev;
	const char *why = NULL;
	size_t n = tev_encode(&e, buf), a = n - SZKM_EVENT_ACTOR_LEN;

	(void)state;
	assert_int_equal(szkm_event_decode(buf, n, &ev, &why), 0);
	assert_int_equal(ev.format, SZKM_EVENT_FORMAT);
	assert_int_equal(ev.actor, SZKM_ACTOR_PROCESS);
	assert_int_equal(ev.uid, 0);
	assert_int_equal(ev.auid, SZKM_AUID_UNSET);
	assert_int_equal(ev.pid, 1);
	assert_string_equal(ev.comm, "test");
	/* An unknown kind, or none. */
	buf[a] = __SZKM_ACTOR_MAX;
	assert_int_equal(szkm_event_decode(buf, n, &ev, &why), -EBADMSG);
	assert_string_equal(why, "unknown-actor");
	buf[a] = SZKM_ACTOR_NONE;
	assert_int_equal(szkm_event_decode(buf, n, &ev, &why), -EBADMSG);
	/* The kernel's own work names no process. */
	buf[a] = SZKM_ACTOR_KERNEL;
	assert_int_equal(szkm_event_decode(buf, n, &ev, &why), -EBADMSG);
	assert_string_equal(why, "kernel-actor-names-someone");
	e.actor = SZKM_ACTOR_KERNEL;
	n = tev_encode(&e, buf);
	assert_int_equal(szkm_event_decode(buf, n, &ev, &why), 0);
	assert_int_equal(ev.actor, SZKM_ACTOR_KERNEL);
	/* A command is NUL-padded: nothing after its end. */
	e.actor = 0;
	n = tev_encode(&e, buf);
	buf[n - 1] = 'x';
	assert_int_equal(szkm_event_decode(buf, n, &ev, &why), -EBADMSG);
	assert_string_equal(why, "bad-command");
	/* Format 1: the same event without the actor fields. */
	n = tev_encode(&e, buf) - SZKM_EVENT_ACTOR_LEN;
	buf[4] = 1;
	assert_int_equal(szkm_event_decode(buf, n, &ev, &why), 0);
	assert_int_equal(ev.format, 1);
	assert_int_equal(ev.actor, SZKM_ACTOR_NONE);
	/* Format 2 without them: truncated. */
	buf[4] = 2;
	assert_int_equal(szkm_event_decode(buf, n, &ev, &why), -EBADMSG);
	assert_string_equal(why, "truncated");
}

static void signature_by_device_verifies(void **state)
{
	uint8_t buf[SZKM_EVENT_MAX_LEN], sig[64];
	struct tev e = key_event();
	struct szkm_event ev;
	EVP_PKEY *pk = szkm_ec_pubkey(dev.pub);
	size_t n = tev_encode(&e, buf);

	(void)state;
	assert_non_null(pk);
	assert_int_equal(tev_sign(dev.key, buf, n, sig), 0);
	assert_int_equal(szkm_event_decode(buf, n, &ev, NULL), 0);
	assert_int_equal(szkm_event_verify(&ev, pk, sig, NULL), 0);
	EVP_PKEY_free(pk);
}

static void forged_signature_is_rejected(void **state)
{
	uint8_t buf[SZKM_EVENT_MAX_LEN], sig[64], zero[64] = { 0 };
	struct tev e = key_event();
	struct szkm_event ev;
	struct tdev other;
	EVP_PKEY *pk = szkm_ec_pubkey(dev.pub);
	const char *why = NULL;
	size_t n = tev_encode(&e, buf);

	(void)state;
	assert_int_equal(tdev_init(&other, NULL), 0);
	assert_int_equal(szkm_event_decode(buf, n, &ev, NULL), 0);
	/* Signed by another key. */
	assert_int_equal(tev_sign(other.key, buf, n, sig), 0);
	assert_int_equal(szkm_event_verify(&ev, pk, sig, &why), -EBADMSG);
	assert_string_equal(why, "bad-signature");
	/* A good signature with one bit flipped. */
	assert_int_equal(tev_sign(dev.key, buf, n, sig), 0);
	sig[10] ^= 0x40;
	assert_int_equal(szkm_event_verify(&ev, pk, sig, &why), -EBADMSG);
	/* A good signature over other bytes (the body changed after). */
	sig[10] ^= 0x40;
	buf[n - SZKM_EVENT_ACTOR_LEN - 1] ^= 1;	/* the policy digest */
	assert_int_equal(szkm_event_decode(buf, n, &ev, NULL), 0);
	assert_int_equal(szkm_event_verify(&ev, pk, sig, &why), -EBADMSG);
	/* r = s = 0. */
	assert_int_equal(szkm_event_verify(&ev, pk, zero, &why), -EBADMSG);
	tdev_free(&other);
	EVP_PKEY_free(pk);
}

static void off_curve_device_key_is_refused(void **state)
{
	uint8_t pub[65];

	(void)state;
	memcpy(pub, dev.pub, 65);
	pub[40] ^= 1;
	assert_null(szkm_ec_pubkey(pub));
	pub[40] ^= 1;
	pub[0] = 0x02;
	assert_null(szkm_ec_pubkey(pub));
}

static int unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s) / 2;

	if (n > cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)n;
}

static void signature_check_agrees_with_wycheproof(void **state)
{
	char path[4096];
	json_t *root, *groups;
	json_error_t jerr;
	size_t gi, ti, checked = 0;
	json_t *g, *t;

	(void)state;
	snprintf(path, sizeof(path),
		 "%s/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json",
		 vectors_dir());
	root = json_load_file(path, 0, &jerr);
	if (!root)
		fail_msg("cannot load %s: %s", path, jerr.text);
	groups = json_object_get(root, "testGroups");
	json_array_foreach(groups, gi, g) {
		uint8_t pub[65];
		const char *pubhex = json_string_value(json_object_get(
			json_object_get(g, "publicKey"), "uncompressed"));

		if (!pubhex || unhex(pubhex, pub, sizeof(pub)) != 65)
			continue;
		json_array_foreach(json_object_get(g, "tests"), ti, t) {
			const char *res = json_string_value(
				json_object_get(t, "result"));
			const char *msgh = json_string_value(
				json_object_get(t, "msg"));
			const char *sigh = json_string_value(
				json_object_get(t, "sig"));
			uint8_t msg[2048], sig[64];
			int mlen, ret;

			if (!strcmp(res, "acceptable"))
				continue;
			mlen = unhex(msgh, msg, sizeof(msg));
			if (mlen < 0)
				continue;
			ret = strlen(sigh) == 128 && unhex(sigh, sig, 64) == 64 ?
				szkm_ec_verify(pub, msg, (size_t)mlen, sig) :
				-EBADMSG;
			if ((ret == 0) != !strcmp(res, "valid"))
				fail_msg("tcId %lld: got %d, want %s",
					 (long long)json_integer_value(
						 json_object_get(t, "tcId")),
					 ret, res);
			checked++;
		}
	}
	json_decref(root);
	assert_true(checked > 100);
}

static void chain_accepts_only_the_next_event(void **state)
{
	uint8_t buf[SZKM_EVENT_MAX_LEN], head[32], zero[32] = { 0 };
	struct tev e = init_event();
	struct szkm_event ev;
	const char *why = NULL;
	size_t n = tev_encode(&e, buf);

	(void)state;
	assert_int_equal(szkm_event_decode(buf, n, &ev, NULL), 0);
	assert_int_equal(szkm_event_check_chain(&ev, 0, zero, NULL), 0);
	memcpy(head, ev.hash, 32);
	/* The next one chains to it. */
	e = key_event();
	memcpy(e.prev, head, 32);
	n = tev_encode(&e, buf);
	assert_int_equal(szkm_event_decode(buf, n, &ev, NULL), 0);
	assert_int_equal(szkm_event_check_chain(&ev, 1, head, NULL), 0);
	/* Replayed: the device is already at 2 or past it. */
	assert_int_equal(szkm_event_check_chain(&ev, 2, head, &why), -EBADMSG);
	assert_string_equal(why, "seq-replayed");
	assert_int_equal(szkm_event_check_chain(&ev, 5, head, &why), -EBADMSG);
	assert_string_equal(why, "seq-replayed");
	/* A gap: event 2 while the device is at 0 (1 is missing). */
	assert_int_equal(szkm_event_check_chain(&ev, 0, zero, &why), -EBADMSG);
	assert_string_equal(why, "seq-gap");
	/* The right seq but another history. */
	head[0] ^= 1;
	assert_int_equal(szkm_event_check_chain(&ev, 1, head, &why), -EBADMSG);
	assert_string_equal(why, "prev-hash-mismatch");
	/* Seq 1 must start from zeros. */
	e = init_event();
	e.prev[3] = 1;
	n = tev_encode(&e, buf);
	assert_int_equal(szkm_event_decode(buf, n, &ev, NULL), 0);
	assert_int_equal(szkm_event_check_chain(&ev, 0, zero, &why), -EBADMSG);
	assert_string_equal(why, "prev-hash-mismatch");
}

/* Encodes and signs @e by @dev into @buf/@sig, decodes it into @ev. */
static size_t signed_event(const struct tev *e, uint8_t *buf, uint8_t sig[64],
			   struct szkm_event *ev)
{
	size_t n = tev_encode(e, buf);

	assert_int_equal(tev_sign(dev.key, buf, n, sig), 0);
	assert_int_equal(szkm_event_decode(buf, n, ev, NULL), 0);
	return n;
}

/*
 * The link (include/szkm.h) follows each event's own format: format 3
 * covers the signature, format 2 the body alone, and a chain may turn
 * from 2 to 3 without a migration. The attacker: a feeder (root on the
 * control socket, a lying node writing into etcd) that keeps a format-3
 * event's body and names it by its body hash alone, as format 2 did, so
 * that its signature could be swapped unnoticed: refused.
 */
static void link_follows_each_events_own_format(void **state)
{
	uint8_t b1[SZKM_EVENT_MAX_LEN], b2[SZKM_EVENT_MAX_LEN], s1[64], s2[64];
	uint8_t l1[32], l2[32], want[32], zero[32] = { 0 };
	struct tev e = init_event();
	struct szkm_event ev1, ev2;
	const char *why = NULL;
	size_t n1, n2;

	(void)state;
	/* Format 3 and 4: SHA-256(body || signature), not the body's hash. */
	n1 = signed_event(&e, b1, s1, &ev1);
	assert_int_equal(ev1.format, SZKM_EVENT_FORMAT);
	assert_int_equal(szkm_event_link(&ev1, s1, l1), 0);
	assert_int_equal(tev_link(b1, n1, s1, want), 0);
	assert_memory_equal(l1, want, 32);
	assert_memory_not_equal(l1, ev1.hash, 32);
	s1[5] ^= 1;	/* another signature, another link */
	assert_int_equal(szkm_event_link(&ev1, s1, want), 0);
	assert_memory_not_equal(l1, want, 32);
	s1[5] ^= 1;
	assert_int_equal(szkm_event_link(&ev1, NULL, want), -EINVAL);
	/* The next format-3 event must name that link ... */
	e = key_event();
	memcpy(e.prev, l1, 32);
	signed_event(&e, b2, s2, &ev2);
	assert_int_equal(szkm_event_check_chain(&ev2, 1, l1, NULL), 0);
	/* ... not the predecessor's body hash (the format-2 rule). */
	memcpy(e.prev, ev1.hash, 32);
	signed_event(&e, b2, s2, &ev2);
	assert_int_equal(szkm_event_check_chain(&ev2, 1, l1, &why), -EBADMSG);
	assert_string_equal(why, "prev-hash-mismatch");

	/* A format-2 event's link is its body's hash, signature or not ... */
	e = init_event();
	e.format = 2;
	n1 = signed_event(&e, b1, s1, &ev1);
	assert_int_equal(ev1.format, 2);
	assert_int_equal(szkm_event_link(&ev1, s1, l1), 0);
	assert_memory_equal(l1, ev1.hash, 32);
	assert_int_equal(szkm_event_link(&ev1, NULL, want), 0);
	assert_memory_equal(want, ev1.hash, 32);
	assert_int_equal(szkm_event_check_chain(&ev1, 0, zero, NULL), 0);
	/* ... which the first format-3 event after it names (an upgraded
	 * kernel), and whose own link then covers its signature. */
	e = key_event();
	memcpy(e.prev, l1, 32);
	n2 = signed_event(&e, b2, s2, &ev2);
	assert_int_equal(szkm_event_check_chain(&ev2, 1, l1, NULL), 0);
	assert_int_equal(szkm_event_link(&ev2, s2, l2), 0);
	assert_int_equal(tev_link(b2, n2, s2, want), 0);
	assert_memory_equal(l2, want, 32);
	/* A format after 4 is not one this reader knows. */
	e.format = 5;
	n2 = tev_encode(&e, b2);
	assert_int_equal(szkm_event_decode(b2, n2, &ev2, &why), -EBADMSG);
	assert_string_equal(why, "unknown-format");
}

/*
 * Format 4: one signature per event. The attacker: whoever relays an
 * event (a feeder on the control socket, a lying ledger node) and stores
 * the twin (r, n - s) of the device's signature. It is a valid ECDSA
 * signature, but its link is not the one the device's next event names,
 * so the device's chain would stall. Format 3 still takes it (ledgers
 * hold such events); format 4 refuses it everywhere it is read.
 */
static void format_4_refuses_the_signature_twin(void **state)
{
	uint8_t b[SZKM_EVENT_MAX_LEN], sig[64], twin[64], l1[32], l2[32];
	EVP_PKEY *pk = szkm_ec_pubkey(dev.pub);
	struct tev e = key_event();
	struct szkm_event ev;
	const char *why = NULL;
	int high = 0;

	(void)state;
	assert_non_null(pk);
	for (int i = 0; i < 40; i++) {
		e.time_ns = 1000 + (uint64_t)i;	/* another signature each time */
		e.format = 4;
		signed_event(&e, b, sig, &ev);
		assert_int_equal(ev.format, 4);
		memcpy(twin, sig, 64);
		assert_int_equal(tev_twin(twin), 0);
		/* both verify as ECDSA, but only the low S is the event's */
		assert_int_equal(szkm_ec_verify_digest(pk, ev.hash, twin), 0);
		assert_int_equal(szkm_event_verify(&ev, pk, sig, NULL), 0);
		assert_int_equal(szkm_event_verify(&ev, pk, twin, &why), -EBADMSG);
		assert_string_equal(why, "high-s-signature");
		assert_int_equal(szkm_event_link(&ev, sig, l1), 0);
		assert_int_equal(szkm_event_link(&ev, twin, l2), -EBADMSG);
		/* format 3: both verify and make two links (why 4 exists) */
		e.format = 3;
		signed_event(&e, b, sig, &ev);
		memcpy(twin, sig, 64);
		assert_int_equal(tev_twin(twin), 0);
		high += !tev_low_s(twin);
		assert_int_equal(szkm_event_verify(&ev, pk, twin, NULL), 0);
		assert_int_equal(szkm_event_link(&ev, sig, l1), 0);
		assert_int_equal(szkm_event_link(&ev, twin, l2), 0);
		assert_memory_not_equal(l1, l2, 32);
	}
	assert_int_equal(high, 40);	/* tev_sign gives the low one, as the kernel */
	EVP_PKEY_free(pk);
}

/* Control lines. */

static void control_lines_parse_strictly(void **state)
{
	static const struct {
		const char *line;
		enum ledgerd_req_kind kind;
	} cases[] = {
		{ "sync", REQ_SYNC },
		{ "sync extra", REQ_BAD },
		{ "", REQ_BAD },
		{ "bogus 1 2", REQ_BAD },
		{ "event 00 11", REQ_BAD },		/* short signature */
		{ "event zz 11", REQ_BAD },
		{ "enroll a 04", REQ_BAD },		/* short key */
		{ "head 00", REQ_BAD },
	};
	struct ledgerd_req *r = calloc(1, sizeof(*r));
	char line[1024], sig[129], pub[131];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ledgerd_parse_line(cases[i].line, strlen(cases[i].line), r);
		if (r->kind != cases[i].kind)
			fail_msg("'%s': kind %d", cases[i].line, r->kind);
	}
	memset(sig, 'a', 128);
	sig[128] = 0;
	snprintf(line, sizeof(line), "event 5a5a %s", sig);
	ledgerd_parse_line(line, strlen(line), r);
	assert_int_equal(r->kind, REQ_EVENT);
	assert_int_equal(r->len, 2);
	assert_int_equal(r->sig[63], 0xaa);
	szkm_hex_encode(pub, dev.pub, 65);
	snprintf(line, sizeof(line), "enroll node-1 %s\r", pub);
	ledgerd_parse_line(line, strlen(line), r);
	assert_int_equal(r->kind, REQ_ENROL);
	assert_string_equal(r->name, "node-1");
	assert_memory_equal(r->pub, dev.pub, 65);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_key_event_reads_every_field),
		cmocka_unit_test(format_4_refuses_the_signature_twin),
		cmocka_unit_test(decode_device_init_needs_its_own_key),
		cmocka_unit_test(decode_device_resume_is_a_device_event),
		cmocka_unit_test(decode_rejects_each_bad_field),
		cmocka_unit_test(decode_rejects_every_truncation_and_extension),
		cmocka_unit_test(decode_rejects_oversized_and_bad_lengths),
		cmocka_unit_test(actor_is_decoded_and_checked),
		cmocka_unit_test(signature_by_device_verifies),
		cmocka_unit_test(forged_signature_is_rejected),
		cmocka_unit_test(off_curve_device_key_is_refused),
		cmocka_unit_test(signature_check_agrees_with_wycheproof),
		cmocka_unit_test(chain_accepts_only_the_next_event),
		cmocka_unit_test(link_follows_each_events_own_format),
		cmocka_unit_test(control_lines_parse_strictly),
	};

	return cmocka_run_group_tests_name("ledger_event", tests, setup,
					   teardown);
}
