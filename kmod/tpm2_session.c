// SPDX-License-Identifier: GPL-2.0
/*
 * tpm2_session.c - the cryptography of the module's salted TPM sessions
 * (see tpm2_session.h). Written for both target kernels: 6.1 has no TPM
 * HMAC sessions and Debian's 6.12 does not enable them, and neither
 * offers AES-CFB as a library, so this file uses only the kernel's AES
 * and SHA-256 libraries and the module's own P-256 code.
 *
 * Why each part matters against a TPM bus interposer: the salt is
 * encrypted to the storage parent (whose name the device blob pins), so a
 * passive listener never learns the session key; parameter encryption
 * hides R, E and the PIN-derived authValue; the response HMAC proves the
 * unsealed bytes and the lock PCR's extension came from the TPM that
 * holds the session.
 */
#include "tpm2_session.h"
#include "crypto/p256.h"

#include <crypto/aes.h>
#include <crypto/algapi.h>
#include <crypto/sha2.h>
#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/tpm.h>

#define SZKM_TPM2_AES_KEY	16
#define SZKM_TPM2_CC_POLICY_PCR		0x0000017F
#define SZKM_TPM2_CC_POLICY_AUTHVALUE	0x0000016B
#define SZKM_TPM2_CC_POLICY_NV		0x00000149
#define SZKM_TPM2_ALG_SHA256_ID		0x000B
#define SZKM_TPM2_EO_EQ			0x0000

static void put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static u32 get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static u16 get_be16(const u8 *p)
{
	return (u16)p[0] << 8 | p[1];
}

/* HMAC-SHA256 over the concatenation of up to five pieces. */
struct szkm_piece {
	const u8 *p;
	size_t n;
};

static void szkm_hmac(const u8 *key, size_t keylen, const struct szkm_piece *in,
		      int nin, u8 out[SZKM_TPM2_DIGEST])
{
	u8 pad[SHA256_BLOCK_SIZE], inner[SZKM_TPM2_DIGEST];
	struct sha256_state st;
	int i;

	/* Our keys are at most 64 bytes, one block: never hashed first. */
	memset(pad, 0, sizeof(pad));
	memcpy(pad, key, min_t(size_t, keylen, sizeof(pad)));
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36;
	sha256_init(&st);
	sha256_update(&st, pad, sizeof(pad));
	for (i = 0; i < nin; i++)
		if (in[i].n)
			sha256_update(&st, in[i].p, in[i].n);
	sha256_final(&st, inner);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	sha256_init(&st);
	sha256_update(&st, pad, sizeof(pad));
	sha256_update(&st, inner, sizeof(inner));
	sha256_final(&st, out);
	memzero_explicit(pad, sizeof(pad));
	memzero_explicit(inner, sizeof(inner));
	memzero_explicit(&st, sizeof(st));
}

/*
 * KDFa (part 1, 11.4.10.2: SP 800-108 counter mode, HMAC-SHA256) for 32
 * bytes: HMAC(key, [1] || label || 0 || u || v || [256]).
 */
static void szkm_kdfa(const u8 *key, size_t keylen, const char *label,
		      const u8 *u, const u8 *v, u8 out[SZKM_TPM2_DIGEST])
{
	u8 ctr[4], bits[4];
	struct szkm_piece in[5] = {
		{ ctr, 4 }, { (const u8 *)label, strlen(label) + 1 },
		{ u, SZKM_TPM2_DIGEST }, { v, SZKM_TPM2_DIGEST }, { bits, 4 },
	};

	put_be32(ctr, 1);
	put_be32(bits, 8 * SZKM_TPM2_DIGEST);
	szkm_hmac(key, keylen, in, ARRAY_SIZE(in), out);
}

/* KDFe (part 1, 11.4.10.3: SP 800-56A concatenation) for 32 bytes. */
static void szkm_kdfe(const u8 z[32], const char *label, const u8 u[32],
		      const u8 v[32], u8 out[SZKM_TPM2_DIGEST])
{
	struct sha256_state st;
	u8 ctr[4];

	put_be32(ctr, 1);
	sha256_init(&st);
	sha256_update(&st, ctr, 4);
	sha256_update(&st, z, 32);
	sha256_update(&st, (const u8 *)label, strlen(label) + 1);
	sha256_update(&st, u, 32);
	sha256_update(&st, v, 32);
	sha256_final(&st, out);
	memzero_explicit(&st, sizeof(st));
}

/*
 * AES-128-CFB (full-block feedback, the last block cut short), in place.
 * @kiv is KDFa(...,"CFB",...): the key, then the IV.
 */
static int szkm_cfb(const u8 kiv[SZKM_TPM2_DIGEST], bool enc, u8 *data,
		    size_t len)
{
	struct crypto_aes_ctx ctx;
	u8 iv[AES_BLOCK_SIZE], ks[AES_BLOCK_SIZE];
	size_t i, n;
	int ret;

	ret = aes_expandkey(&ctx, kiv, SZKM_TPM2_AES_KEY);
	if (ret)
		return ret;
	memcpy(iv, kiv + SZKM_TPM2_AES_KEY, AES_BLOCK_SIZE);
	while (len) {
		n = min_t(size_t, len, AES_BLOCK_SIZE);
		aes_encrypt(&ctx, ks, iv);
		for (i = 0; i < n; i++) {
			u8 c = enc ? data[i] ^ ks[i] : data[i];

			data[i] ^= ks[i];
			iv[i] = c;
		}
		data += n;
		len -= n;
	}
	memzero_explicit(&ctx, sizeof(ctx));
	memzero_explicit(ks, sizeof(ks));
	memzero_explicit(iv, sizeof(iv));
	return 0;
}

int szkm_tpm2_salt(const u8 px[32], const u8 py[32],
		   u8 point[SZKM_TPM2_SALT_POINT], u8 salt[SZKM_TPM2_DIGEST])
{
	u8 priv[32], pub[SZKM_P256_PUB_LEN], peer[SZKM_P256_PUB_LEN], z[32];
	int ret, tries;

	peer[0] = 0x04;
	memcpy(peer + 1, px, 32);
	memcpy(peer + 33, py, 32);
	if (szkm_p256_check_pub(peer))
		return -EPROTO;	/* the parent's point is not on the curve */
	for (tries = 0; tries < 64; tries++) {
		get_random_bytes(priv, sizeof(priv));
		if (!szkm_p256_check_priv(priv))
			break;
	}
	ret = szkm_p256_pubkey(pub, priv) ?: szkm_p256_ecdh(z, priv, peer);
	memzero_explicit(priv, sizeof(priv));
	if (ret)
		goto out;
	szkm_kdfe(z, "SECRET", pub + 1, px, salt);
	point[0] = 0;
	point[1] = 32;
	memcpy(point + 2, pub + 1, 32);
	point[34] = 0;
	point[35] = 32;
	memcpy(point + 36, pub + 33, 32);
out:
	memzero_explicit(z, sizeof(z));
	return ret;
}

void szkm_tpm2_sess_key(struct szkm_tpm2_sess *s, const u8 salt[SZKM_TPM2_DIGEST])
{
	/* unbound (TPM_RH_NULL) and salted: the HMAC key is the salt alone */
	szkm_kdfa(salt, SZKM_TPM2_DIGEST, "ATH", s->nonce_tpm, s->nonce_caller,
		  s->key);
	s->keylen = SZKM_TPM2_DIGEST;
}

void szkm_tpm2_sess_auth(struct szkm_tpm2_sess *s, const u8 *auth, size_t len)
{
	/* The spec drops an authValue's trailing zero bytes before use. */
	while (len && !auth[len - 1])
		len--;
	len = min_t(size_t, len, SZKM_TPM2_DIGEST);
	memzero_explicit(s->key + SZKM_TPM2_DIGEST, SZKM_TPM2_DIGEST);
	if (len)
		memcpy(s->key + SZKM_TPM2_DIGEST, auth, len);
	s->keylen = SZKM_TPM2_DIGEST + len;
}

/*
 * A session HMAC (part 1, 19.6): HMAC(sessionKey || authValue,
 * pHash || nonceNewer || nonceOlder || sessionAttributes); for a command
 * the newer nonce is the caller's, for a response the TPM's.
 */
static void szkm_sess_hmac(const struct szkm_tpm2_sess *s,
			   const u8 phash[SZKM_TPM2_DIGEST], const u8 *newer,
			   const u8 *older, u8 attrs, u8 out[SZKM_TPM2_DIGEST])
{
	struct szkm_piece in[4] = {
		{ phash, SZKM_TPM2_DIGEST },
		{ newer, SZKM_TPM2_DIGEST },
		{ older, SZKM_TPM2_DIGEST },
		{ &attrs, 1 },
	};

	szkm_hmac(s->key, s->keylen, in, ARRAY_SIZE(in), out);
}

void szkm_tpm2_sess_append(struct szkm_tpm2_sess *s, struct tpm_buf *buf,
			   u32 cc, const u8 *const names[], const u8 namelens[],
			   u8 nhandles, u8 attrs)
{
	static const u8 placeholder[SZKM_TPM2_DIGEST];
	u8 i;

	s->cc = cc;
	s->attrs = attrs;
	s->nhandles = min_t(u8, nhandles, ARRAY_SIZE(s->names));
	for (i = 0; i < s->nhandles; i++) {
		s->namelens[i] = min_t(u8, namelens[i], SZKM_TPM2_NAME_LEN);
		memcpy(s->names[i], names[i], s->namelens[i]);
	}
	get_random_bytes(s->nonce_caller, sizeof(s->nonce_caller));
	tpm_buf_append_u32(buf, 4 + 2 + SZKM_TPM2_DIGEST + 1 + 2 + SZKM_TPM2_DIGEST);
	tpm_buf_append_u32(buf, s->handle);
	tpm_buf_append_u16(buf, SZKM_TPM2_DIGEST);
	tpm_buf_append(buf, s->nonce_caller, SZKM_TPM2_DIGEST);
	tpm_buf_append_u8(buf, attrs);
	tpm_buf_append_u16(buf, SZKM_TPM2_DIGEST);
	s->hmac_off = tpm_buf_length(buf);
	tpm_buf_append(buf, placeholder, SZKM_TPM2_DIGEST);
	s->param_off = tpm_buf_length(buf);
}

int szkm_tpm2_sess_seal_cmd(struct szkm_tpm2_sess *s, struct tpm_buf *buf)
{
	u32 len = tpm_buf_length(buf), plen = len - s->param_off;
	u8 *params = buf->data + s->param_off, ccbe[4], cphash[SZKM_TPM2_DIGEST];
	u8 attrs = s->attrs;
	struct sha256_state st;
	u8 kiv[SZKM_TPM2_DIGEST];
	int i;

	/*
	 * Encrypt the first parameter's body (a TPM2B) before the HMAC; a
	 * command whose first parameter is not one is never sent (fail
	 * closed: its secret would go in clear).
	 */
	if (s->attrs & SZKM_SA_DECRYPT) {
		u16 n;

		if (plen < 2 || (n = get_be16(params)) > plen - 2) {
			pr_err("TPM command 0x%x: no parameter to encrypt: not sent\n", s->cc);
			return -EINVAL;
		}
		szkm_kdfa(s->key, s->keylen, "CFB", s->nonce_caller,
			  s->nonce_tpm, kiv);
		szkm_cfb(kiv, true, params + 2, n);
		memzero_explicit(kiv, sizeof(kiv));
	}
	/* cpHash = H(commandCode || names || parameters as sent) */
	put_be32(ccbe, s->cc);
	sha256_init(&st);
	sha256_update(&st, ccbe, 4);
	for (i = 0; i < s->nhandles; i++)
		sha256_update(&st, s->names[i], s->namelens[i]);
	sha256_update(&st, params, plen);
	sha256_final(&st, cphash);
	szkm_sess_hmac(s, cphash, s->nonce_caller, s->nonce_tpm, attrs,
		       buf->data + s->hmac_off);
	return 0;
}

int szkm_tpm2_sess_open_rsp(struct szkm_tpm2_sess *s, struct tpm_buf *buf,
			    u32 nrsp_handles, u8 **params, u32 *plen)
{
	const struct tpm_header *h = (const struct tpm_header *)buf->data;
	u32 len = be32_to_cpu(h->length), off, psize, sess;
	u8 rphash[SZKM_TPM2_DIGEST], want[SZKM_TPM2_DIGEST], kiv[SZKM_TPM2_DIGEST];
	u8 ccbe[4], rc0[4] = { 0 }, attrs;
	struct sha256_state st;
	u8 *p;
	u16 n;

	if (len > PAGE_SIZE || be16_to_cpu(h->tag) != TPM2_ST_SESSIONS)
		return -EPROTO;
	off = TPM_HEADER_SIZE + 4 * nrsp_handles;
	if (len < off + 4)
		return -EPROTO;
	psize = get_be32(buf->data + off);
	off += 4;
	if (psize > len - off)
		return -EPROTO;
	p = buf->data + off;
	sess = off + psize;
	/* nonceTPM | attributes | hmac, and nothing after */
	if (len - sess < 2 + SZKM_TPM2_DIGEST + 1 + 2 + SZKM_TPM2_DIGEST ||
	    get_be16(buf->data + sess) != SZKM_TPM2_DIGEST ||
	    get_be16(buf->data + sess + 2 + SZKM_TPM2_DIGEST + 1) != SZKM_TPM2_DIGEST ||
	    len != sess + 2 + SZKM_TPM2_DIGEST + 1 + 2 + SZKM_TPM2_DIGEST)
		return -EPROTO;
	memcpy(s->nonce_tpm, buf->data + sess + 2, SZKM_TPM2_DIGEST);
	attrs = buf->data[sess + 2 + SZKM_TPM2_DIGEST];

	/* rpHash = H(responseCode (0) || commandCode || parameters) */
	put_be32(ccbe, s->cc);
	sha256_init(&st);
	sha256_update(&st, rc0, 4);
	sha256_update(&st, ccbe, 4);
	sha256_update(&st, p, psize);
	sha256_final(&st, rphash);
	szkm_sess_hmac(s, rphash, s->nonce_tpm, s->nonce_caller, attrs, want);
	if (crypto_memneq(want, buf->data + len - SZKM_TPM2_DIGEST,
			  SZKM_TPM2_DIGEST))
		return -EBADMSG;

	if (s->attrs & SZKM_SA_ENCRYPT) {
		if (psize < 2)
			return -EPROTO;
		n = get_be16(p);
		if (n > psize - 2)
			return -EPROTO;
		szkm_kdfa(s->key, s->keylen, "CFB", s->nonce_tpm,
			  s->nonce_caller, kiv);
		szkm_cfb(kiv, false, p + 2, n);
		memzero_explicit(kiv, sizeof(kiv));
	}
	*params = p;
	*plen = psize;
	return 0;
}

void szkm_tpm2_sess_wipe(struct szkm_tpm2_sess *s)
{
	memzero_explicit(s, sizeof(*s));
}

/* policy = H(policy || commandCode || @a || @b): one policy command's step. */
static void szkm_policy_step(u8 policy[SZKM_TPM2_DIGEST], u32 cc,
			     const u8 *a, size_t alen, const u8 *b, size_t blen)
{
	struct sha256_state st;
	u8 ccbe[4];

	put_be32(ccbe, cc);
	sha256_init(&st);
	sha256_update(&st, policy, SZKM_TPM2_DIGEST);
	sha256_update(&st, ccbe, 4);
	sha256_update(&st, a, alen);
	sha256_update(&st, b, blen);
	sha256_final(&st, policy);
}

void szkm_tpm2_policy_pcr(u8 policy[SZKM_TPM2_DIGEST], const u8 *sel,
			  size_t sellen, const u8 pcr_digest[SZKM_TPM2_DIGEST])
{
	szkm_policy_step(policy, SZKM_TPM2_CC_POLICY_PCR, sel, sellen,
			 pcr_digest, SZKM_TPM2_DIGEST);
}

void szkm_tpm2_policy_authvalue(u8 policy[SZKM_TPM2_DIGEST])
{
	szkm_policy_step(policy, SZKM_TPM2_CC_POLICY_AUTHVALUE, NULL, 0, NULL, 0);
}

/* args = H(operandB || offset be16 || operation be16), then the name. */
void szkm_tpm2_policy_nv_eq(u8 policy[SZKM_TPM2_DIGEST], u64 value,
			    const u8 name[SZKM_TPM2_NAME_LEN])
{
	u8 in[8 + 2 + 2] = { 0 }, args[SZKM_TPM2_DIGEST];

	put_be32(in, value >> 32);
	put_be32(in + 4, (u32)value);
	/* offset 0 and TPM_EO_EQ (0) are the zeros left in @in */
	sha256(in, sizeof(in), args);
	szkm_policy_step(policy, SZKM_TPM2_CC_POLICY_NV, args, sizeof(args),
			 name, SZKM_TPM2_NAME_LEN);
}

/* Name = nameAlg || H(TPMS_NV_PUBLIC); the index's WRITTEN bit is in it. */
void szkm_tpm2_nv_name(u32 index, u32 attrs, u8 name[SZKM_TPM2_NAME_LEN])
{
	u8 pub[4 + 2 + 4 + 2 + 2];

	put_be32(pub, index);
	pub[4] = SZKM_TPM2_ALG_SHA256_ID >> 8;
	pub[5] = SZKM_TPM2_ALG_SHA256_ID & 0xff;
	put_be32(pub + 6, attrs);
	pub[10] = pub[11] = 0;		/* authPolicy: empty */
	pub[12] = 0;
	pub[13] = 8;			/* dataSize */
	name[0] = SZKM_TPM2_ALG_SHA256_ID >> 8;
	name[1] = SZKM_TPM2_ALG_SHA256_ID & 0xff;
	sha256(pub, sizeof(pub), name + 2);
}

#include "selftest/tpm2_session.c"
