// SPDX-License-Identifier: GPL-2.0
/*
 * ledger_proof.c - checkpoints, inclusion and consistency proofs, checked
 * in the kernel so that the ledger's word is never enough (formats in
 * include/szkm.h, "Ledger proofs"). Learned from RFC 9162 section 2.1 and
 * the C2SP signed-note and tlog-checkpoint specifications; the self-test
 * runs the team's outside tlog vectors (tests/vectors/tlog).
 */
#include "ledger_proof.h"
#include "szkm_main.h"
#include "crypto/p256.h"
#include "kcompat.h"

#include <crypto/sha2.h>
#include <crypto/algapi.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/slab.h>
#include <linux/kernel.h>
#include <linux/string.h>

#define EM_DASH		"\xe2\x80\x94 "
#define EM_DASH_LEN	4
#define NOTE_MAX_SIGS	32

/* Strict standard base64 with padding; returns the decoded length or -1. */
static int szkm_b64_decode(const char *in, size_t len, u8 *out, size_t cap)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	if (len == 0 || len % 4)
		return -1;
	for (i = 0; i < len; i += 4) {
		u32 v = 0;
		int j, pad = 0;

		for (j = 0; j < 4; j++) {
			const char *p;
			char c = in[i + j];

			if (c == '=' && i + 4 == len && j >= 2) {
				pad++;
				v <<= 6;
				continue;
			}
			if (pad || !c)
				return -1;
			p = strchr(a, c);
			if (!p)
				return -1;
			v = v << 6 | (u32)(p - a);
		}
		if (o + 3 - pad > cap)
			return -1;
		/* Non-canonical: bits under the padding must be zero. */
		if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
			return -1;
		out[o++] = v >> 16;
		if (pad < 2)
			out[o++] = v >> 8;
		if (pad < 1)
			out[o++] = v;
	}
	return o;
}

bool szkm_ledger_key_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > SZKM_LEDGER_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] == '+' || (u8)s[i] >= 0x7f)
			return false;
	return true;
}

u32 szkm_ledger_key_id(const u8 pub[SZKM_P256_PUB_LEN])
{
	struct sha256_state st;
	u8 h[32];

	sha256_init(&st);
	sha256_update(&st, SZKM_LEDGER_SPKI_P256_PREFIX, SZKM_LEDGER_SPKI_P256_PREFIX_LEN);
	sha256_update(&st, pub, SZKM_P256_PUB_LEN);
	sha256_final(&st, h);
	return get_unaligned_be32(h);
}

int szkm_ledger_vkey_parse(struct szkm_ledger_key *k, const char *vkey,
			   size_t len, const char **why)
{
	u8 raw[1 + SZKM_LEDGER_SPKI_P256_PREFIX_LEN + SZKM_P256_PUB_LEN + 1];
	const char *p1, *p2;
	char hex[9];
	u32 id;
	int n;

	memset(k, 0, sizeof(*k));
	*why = SZKM_MSG("ledger key is not a verifier key string <name>+<id>+<base64>");
	if (len > SZKM_LEDGER_VKEY_MAX || memchr(vkey, 0, len))
		return -EINVAL;
	p1 = memchr(vkey, '+', len);
	if (!p1 || !szkm_ledger_key_name_ok(vkey, p1 - vkey))
		return -EINVAL;
	p2 = memchr(p1 + 1, '+', len - (p1 + 1 - vkey));
	if (!p2 || p2 - p1 - 1 != 8)
		return -EINVAL;
	memcpy(hex, p1 + 1, 8);
	hex[8] = 0;
	if (strspn(hex, "0123456789abcdef") != 8 || kstrtou32(hex, 16, &id))
		return -EINVAL;
	n = szkm_b64_decode(p2 + 1, len - (p2 + 1 - vkey), raw, sizeof(raw));
	if (n != sizeof(raw) - 1 || raw[0] != SZKM_LEDGER_SIG_ECDSA ||
	    memcmp(raw + 1, SZKM_LEDGER_SPKI_P256_PREFIX, SZKM_LEDGER_SPKI_P256_PREFIX_LEN)) {
		*why = SZKM_MSG("ledger key is not an ECDSA P-256 (type 0x02) verifier key");
		return -EINVAL;
	}
	memcpy(k->pub, raw + 1 + SZKM_LEDGER_SPKI_P256_PREFIX_LEN, SZKM_P256_PUB_LEN);
	if (szkm_p256_check_pub(k->pub)) {
		*why = SZKM_MSG("ledger key's public key is not on P-256");
		return -EINVAL;
	}
	if (szkm_ledger_key_id(k->pub) != id) {
		*why = SZKM_MSG("ledger key's id does not match its key");
		return -EINVAL;
	}
	memcpy(k->name, vkey, p1 - vkey);
	k->id = id;
	return 0;
}

int szkm_ledger_key_read(struct szkm_ledger_key *k, const u8 *d, size_t len,
			 size_t *off, size_t name_max, const char **why)
{
	size_t nl;

	if (*off >= len)
		return -EBADMSG;
	nl = d[(*off)++];
	if (nl > name_max || len - *off < nl + SZKM_P256_PUB_LEN)
		return -EBADMSG;
	if (!szkm_ledger_key_name_ok((const char *)d + *off, nl)) {
		*why = SZKM_MSG("ledger key name is not a note key name (printable, no space or '+')");
		return -EBADMSG;
	}
	memcpy(k->name, d + *off, nl);
	k->name[nl] = 0;
	*off += nl;
	memcpy(k->pub, d + *off, SZKM_P256_PUB_LEN);
	*off += SZKM_P256_PUB_LEN;
	if (szkm_p256_check_pub(k->pub)) {
		*why = SZKM_MSG("ledger key is not a P-256 point");
		return -EBADMSG;
	}
	k->id = szkm_ledger_key_id(k->pub);
	return 0;
}

int szkm_ledger_trust_decode(struct szkm_ledger_trust *t, const u8 *f, size_t n)
{
	const char *why;
	size_t pos = 2;
	unsigned int i;

	memset(t, 0, sizeof(*t));
	if (n == 0)
		return 0;
	if (n < 2 || f[1] == 0 || f[1] > SZKM_LEDGER_KEYS_MAX || f[0] == 0 || f[0] > f[1])
		return -EBADMSG;
	t->threshold = f[0];
	t->nkeys = f[1];
	for (i = 0; i < t->nkeys; i++)
		if (szkm_ledger_key_read(&t->keys[i], f, n, &pos,
					 SZKM_LEDGER_NAME_MAX, &why))
			return -EBADMSG;
	if (n - pos == SZKM_DEVBLOB_MEMBERS_LEN) {
		t->epoch = get_unaligned_be64(f + pos);
		memcpy(t->members, f + pos + 8, 32);
		if (!t->epoch)
			return -EBADMSG;
		pos += SZKM_DEVBLOB_MEMBERS_LEN;
	}
	return pos == n ? 0 : -EBADMSG;
}

size_t szkm_ledger_trust_encode(const struct szkm_ledger_trust *t, u8 *f)
{
	size_t pos = 2;
	unsigned int i;

	if (!t->nkeys)
		return 0;
	f[0] = t->threshold;
	f[1] = t->nkeys;
	for (i = 0; i < t->nkeys; i++) {
		size_t nl = strlen(t->keys[i].name);

		f[pos++] = nl;
		memcpy(f + pos, t->keys[i].name, nl);
		pos += nl;
		memcpy(f + pos, t->keys[i].pub, SZKM_P256_PUB_LEN);
		pos += SZKM_P256_PUB_LEN;
	}
	if (t->epoch) {
		put_unaligned_be64(t->epoch, f + pos);
		memcpy(f + pos + 8, t->members, 32);
		pos += SZKM_DEVBLOB_MEMBERS_LEN;
	}
	return pos;
}

size_t szkm_checkpoint_origin(const u8 *note, size_t len, const char **origin)
{
	const u8 *nl = memchr(note, '\n', len);

	*origin = (const char *)note;
	return nl ? nl - note : 0;
}

/* The checkpoint body: origin, size, root, then extension lines. */
static int szkm_checkpoint_parse(const char *t, size_t len,
				 struct szkm_checkpoint *cp)
{
	const char *l2, *l3, *end;
	u8 root[33];
	char num[21];
	size_t n;

	l2 = memchr(t, '\n', len);
	if (!l2 || l2 == t)
		return -1;
	l2++;
	l3 = memchr(l2, '\n', len - (l2 - t));
	if (!l3)
		return -1;
	n = l3 - l2;
	if (n == 0 || n > 20 || (n > 1 && l2[0] == '0'))
		return -1;
	memcpy(num, l2, n);
	num[n] = 0;
	if (strspn(num, "0123456789") != n || kstrtou64(num, 10, &cp->size))
		return -1;
	l3++;
	end = memchr(l3, '\n', len - (l3 - t));
	if (!end || szkm_b64_decode(l3, end - l3, root, sizeof(root)) != 32)
		return -1;
	memcpy(cp->root, root, 32);
	return 0;
}

int szkm_checkpoint_verify(const u8 *note, size_t len,
			   const struct szkm_ledger_key *keys, unsigned int nkeys,
			   unsigned int threshold, struct szkm_checkpoint *cp,
			   const char **why)
{
	const char *s = (const char *)note, *p, *end = s + len;
	unsigned long signed_by = 0;
	unsigned int nsigs = 0;
	size_t tlen, i;
	u8 digest[32];

	*why = SZKM_MSG("checkpoint is not a well-formed signed note");
	if (len < 2 || len > SZKM_LEDGER_NOTE_MAX || nkeys > BITS_PER_LONG)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (note[i] < 0x20 && note[i] != '\n')
			return -EINVAL;
	p = strnstr(s, "\n\n", len);
	if (!p)
		return -EINVAL;
	tlen = p + 1 - s;
	if (szkm_checkpoint_parse(s, tlen, cp))
		return -EINVAL;
	sha256(note, tlen, digest);
	for (p = s + tlen + 1; p < end; ) {
		const char *nl = memchr(p, '\n', end - p), *sp, *b64;
		u8 raw[4 + SZKM_P256_DER_MAX], rs[64];
		unsigned int j;
		u32 id;
		int n;

		if (!nl || nl - p < EM_DASH_LEN || memcmp(p, EM_DASH, EM_DASH_LEN) ||
		    ++nsigs > NOTE_MAX_SIGS)
			return -EINVAL;
		p += EM_DASH_LEN;
		sp = memchr(p, ' ', nl - p);
		if (!sp || !szkm_ledger_key_name_ok(p, sp - p))
			return -EINVAL;
		b64 = sp + 1;
		/* Other signature types may be longer: only decode what fits ours. */
		n = szkm_b64_decode(b64, nl - b64, raw, sizeof(raw));
		if (n < 0) {
			if (nl - b64 < 8)
				return -EINVAL;
			n = szkm_b64_decode(b64, 8, raw, sizeof(raw));
			if (n < 4)
				return -EINVAL;
			n = -1;		/* not ECDSA-sized: cannot be an enrolled key */
		} else if (n < 5) {
			return -EINVAL;
		}
		id = get_unaligned_be32(raw);
		for (j = 0; j < nkeys; j++) {
			if (keys[j].id != id || strlen(keys[j].name) != (size_t)(sp - p) ||
			    memcmp(keys[j].name, p, sp - p))
				continue;
			if (test_bit(j, &signed_by)) {
				*why = SZKM_MSG("checkpoint carries two signatures from one ledger key");
				return -EINVAL;
			}
			if (n < 0 || szkm_p256_sig_from_der(rs, raw + 4, n - 4) ||
			    szkm_p256_verify(keys[j].pub, digest, rs)) {
				*why = SZKM_MSG("checkpoint signature by an enrolled ledger key does not verify (forged or modified)");
				return -EBADMSG;
			}
			__set_bit(j, &signed_by);
		}
		p = nl + 1;
	}
	if (hweight_long(signed_by) < threshold || !threshold) {
		*why = SZKM_MSG("checkpoint not signed by enough enrolled ledger keys");
		return -ENOKEY;
	}
	return 0;
}

static void szkm_merkle_node(const u8 *l, const u8 *r, u8 out[32])
{
	struct sha256_state st;
	static const u8 one = 1;

	sha256_init(&st);
	sha256_update(&st, &one, 1);
	sha256_update(&st, l, 32);
	sha256_update(&st, r, 32);
	sha256_final(&st, out);
}

void szkm_ledger_event_leaf(const u8 *body, size_t len,
			    const u8 sig[SZKM_EVENT_SIG_LEN], u8 leaf[32])
{
	static const u8 pre[2] = { 0x00, SZKM_LEDGER_ENTRY_EVENT };
	struct sha256_state st;

	sha256_init(&st);
	sha256_update(&st, pre, 2);
	sha256_update(&st, body, len);
	sha256_update(&st, sig, SZKM_EVENT_SIG_LEN);
	sha256_final(&st, leaf);
}

int szkm_merkle_inclusion_verify(u64 index, const u8 leaf[32],
				 const struct szkm_checkpoint *cp,
				 const u8 *proof, size_t n, const char **why)
{
	u64 fn = index, sn;
	u8 r[32];
	size_t i;

	*why = SZKM_MSG("inclusion proof does not lead to the checkpoint's root");
	if (index >= cp->size || n > SZKM_LEDGER_PROOF_MAX)
		return -EBADMSG;
	sn = cp->size - 1;
	memcpy(r, leaf, 32);
	for (i = 0; i < n; i++) {
		const u8 *p = proof + 32 * i;

		if (sn == 0)
			return -EBADMSG;
		if ((fn & 1) || fn == sn) {
			szkm_merkle_node(p, r, r);
			while (!(fn & 1) && fn) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			szkm_merkle_node(r, p, r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn || crypto_memneq(r, cp->root, 32))
		return -EBADMSG;
	return 0;
}

int szkm_merkle_consistency_verify(const struct szkm_checkpoint *old,
				   const struct szkm_checkpoint *new,
				   const u8 *proof, size_t n, const char **why)
{
	u8 fr[32], sr[32];
	u64 fn, sn;
	size_t i = 0;

	*why = SZKM_MSG("checkpoint is not consistent with the last one accepted (a fork, or a ledger that went back)");
	if (old->size > new->size || n > SZKM_LEDGER_PROOF_MAX)
		return -EBADMSG;
	if (old->size == 0)
		return n ? -EBADMSG : 0;
	if (old->size == new->size)
		return (n || crypto_memneq(old->root, new->root, 32)) ? -EBADMSG : 0;
	fn = old->size - 1;
	sn = new->size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	/* The first hash is the old root itself when the old tree is whole. */
	if (is_power_of_2(old->size)) {
		memcpy(fr, old->root, 32);
	} else {
		if (!n)
			return -EBADMSG;
		memcpy(fr, proof, 32);
		i = 1;
	}
	memcpy(sr, fr, 32);
	for (; i < n; i++) {
		const u8 *c = proof + 32 * i;

		if (sn == 0)
			return -EBADMSG;
		if ((fn & 1) || fn == sn) {
			szkm_merkle_node(c, fr, fr);
			szkm_merkle_node(c, sr, sr);
			while (!(fn & 1) && fn) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			szkm_merkle_node(sr, c, sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn || crypto_memneq(fr, old->root, 32) || crypto_memneq(sr, new->root, 32))
		return -EBADMSG;
	return 0;
}

#include "selftest/ledger_proof.c"
