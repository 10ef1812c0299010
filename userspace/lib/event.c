// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * event.c - the strict reader of szkm's canonical event bytes.
 *
 * The ledger records exactly what the device signed, so the reader's job
 * is to refuse anything the kernel could not have produced: a length that
 * does not add up, a trailing byte, an enum out of range, a name outside
 * the kernel's charset, a device event that names a key. Whatever passes
 * is then a well-formed statement whose signature and place in the chain
 * decide whether it is true. No state, no I/O: see szkm_event.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "szkm_event.h"

struct reader {
	const uint8_t *p;
	size_t left;
};

static bool take(struct reader *r, size_t n, const uint8_t **out)
{
	if (r->left < n)
		return false;
	*out = r->p;
	r->p += n;
	r->left -= n;
	return true;
}

static bool take_be(struct reader *r, size_t n, uint64_t *out)
{
	const uint8_t *p;
	uint64_t v = 0;

	if (!take(r, n, &p))
		return false;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	*out = v;
	return true;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

bool szkm_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > SZKM_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

static int sha256(const void *a, size_t alen, uint8_t out[32])
{
	unsigned int olen = 0;

	if (!EVP_Digest(a, alen, out, &olen, EVP_sha256(), NULL) || olen != 32)
		return -EIO;
	return 0;
}

int szkm_device_id(const uint8_t pub[SZKM_P256_PUB_LEN],
		   uint8_t id[SZKM_DEVICE_ID_LEN])
{
	return sha256(pub, SZKM_P256_PUB_LEN, id);
}

static int bad(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EBADMSG;
}

int szkm_event_decode(const uint8_t *buf, size_t len, struct szkm_event *ev,
		      const char **why)
{
	struct reader r = { buf, len };
	const uint8_t *p;
	uint64_t v;
	uint8_t id[SZKM_DEVICE_ID_LEN];
	bool device_event;

	if (!buf || !ev)
		return -EINVAL;
	memset(ev, 0, sizeof(*ev));
	if (len < SZKM_EVENT_FIXED_LEN_V1)
		return bad(why, "truncated");
	if (len > SZKM_EVENT_MAX_LEN)
		return bad(why, "oversized");
	take(&r, 4, &p);
	if (memcmp(p, SZKM_EVENT_MAGIC, 4))
		return bad(why, "bad-magic");
	take_be(&r, 1, &v);
	if (v < 1 || v > SZKM_EVENT_FORMAT)
		return bad(why, "unknown-format");
	ev->format = (uint8_t)v;
	take_be(&r, 1, &v);
	if (v == SZKM_EV_NONE || v >= __SZKM_EV_MAX)
		return bad(why, "unknown-type");
	ev->type = (uint8_t)v;
	take_be(&r, 2, &v);
	if (v & ~(uint64_t)SZKM_EVF_TEST_MODE)
		return bad(why, "unknown-flags");
	ev->flags = (uint16_t)v;
	take(&r, SZKM_DEVICE_ID_LEN, &ev->device_id);
	take_be(&r, 8, &ev->seq);
	if (ev->seq == 0)
		return bad(why, "zero-seq");
	take(&r, SZKM_EVENT_HASH_LEN, &ev->prev_hash);
	take_be(&r, 8, &ev->time_ns);
	take(&r, SZKM_KEY_ID_LEN, &ev->key_id);
	take_be(&r, 1, &v);
	ev->name_len = (uint8_t)v;
	if (ev->name_len > SZKM_NAME_MAX)
		return bad(why, "name-too-long");
	/* The fixed part was counted above; the name and key are on top. */
	if (!take(&r, ev->name_len, &p))
		return bad(why, "truncated");
	memcpy(ev->name, p, ev->name_len);
	if (!take_be(&r, 4, &v))
		return bad(why, "truncated");
	ev->version = (uint32_t)v;
	if (!take_be(&r, 1, &v))
		return bad(why, "truncated");
	ev->alg = (uint8_t)v;
	if (!take_be(&r, 1, &v))
		return bad(why, "truncated");
	ev->state = (uint8_t)v;
	if (!take_be(&r, 1, &v))
		return bad(why, "truncated");
	ev->origin = (uint8_t)v;
	if (!take_be(&r, 1, &v))
		return bad(why, "truncated");
	if (v != 0 && v != SZKM_P256_PUB_LEN)
		return bad(why, "bad-pubkey-length");
	if (v) {
		if (!take(&r, SZKM_P256_PUB_LEN, &ev->pubkey))
			return bad(why, "truncated");
		if (ev->pubkey[0] != 0x04)
			return bad(why, "bad-pubkey");
	}
	if (!take_be(&r, 8, &ev->rotate_seconds) ||
	    !take_be(&r, 8, &ev->max_uses) || !take_be(&r, 4, &v))
		return bad(why, "truncated");
	ev->min_version = (uint32_t)v;
	if (!take_be(&r, 1, &v))
		return bad(why, "truncated");
	ev->ledger = (uint8_t)v;
	if (!take(&r, 32, &ev->policy_digest))
		return bad(why, "truncated");
	if (ev->format >= 2) {
		if (!take_be(&r, 1, &v))
			return bad(why, "truncated");
		ev->actor = (uint8_t)v;
		if (!take_be(&r, 4, &v))
			return bad(why, "truncated");
		ev->uid = (uint32_t)v;
		if (!take_be(&r, 4, &v))
			return bad(why, "truncated");
		ev->auid = (uint32_t)v;
		if (!take_be(&r, 4, &v) || !take(&r, SZKM_COMM_LEN, &p))
			return bad(why, "truncated");
		ev->pid = (uint32_t)v;
		memcpy(ev->comm, p, SZKM_COMM_LEN);
		if (ev->actor == SZKM_ACTOR_NONE || ev->actor >= __SZKM_ACTOR_MAX)
			return bad(why, "unknown-actor");
		if (ev->actor == SZKM_ACTOR_KERNEL &&
		    (ev->uid || ev->auid != SZKM_AUID_UNSET || ev->pid || !all_zero(p, SZKM_COMM_LEN)))
			return bad(why, "kernel-actor-names-someone");
		/* A command is NUL-padded text, as the kernel keeps it. */
		for (size_t i = strnlen(ev->comm, SZKM_COMM_LEN); i < SZKM_COMM_LEN; i++)
			if (p[i])
				return bad(why, "bad-command");
	}
	if (SZKM_EV_HAS_GRANTEE(ev->type)) {
		if (!take_be(&r, 4, &v))
			return bad(why, "truncated");
		ev->grantee = (uint32_t)v;
	}
	if (r.left)
		return bad(why, "trailing-bytes");

	if (ev->alg >= __SZKM_ALG_MAX)
		return bad(why, "unknown-alg");
	if (ev->state > SZKM_VS_DESTROYED)
		return bad(why, "unknown-state");
	if (ev->origin > SZKM_ORIGIN_IMPORTED_PUBLIC)
		return bad(why, "unknown-origin");
	if (ev->ledger > SZKM_LEDGER_ASYNC)
		return bad(why, "unknown-ledger-mode");

	device_event = SZKM_EV_IS_DEVICE(ev->type);
	if (device_event) {
		/* A device event names no key and carries D itself. */
		if (!all_zero(ev->key_id, SZKM_KEY_ID_LEN) || ev->version)
			return bad(why, "device-event-names-key");
		if (ev->name_len && !szkm_name_valid(ev->name, ev->name_len))
			return bad(why, "bad-name");
		if (!ev->pubkey)
			return bad(why, ev->type == SZKM_EV_DEVICE_INIT ?
				   "device-init-without-pubkey" :
				   "device-resume-without-pubkey");
		/* A resume follows the event it resumed after. */
		if (ev->type == SZKM_EV_DEVICE_RESUME && ev->seq == 1)
			return bad(why, "device-resume-at-seq-1");
		if (sha256(ev->pubkey, SZKM_P256_PUB_LEN, id))
			return -EIO;
		if (CRYPTO_memcmp(id, ev->device_id, sizeof(id)))
			return bad(why, "device-id-mismatch");
	} else {
		if (!szkm_name_valid(ev->name, ev->name_len))
			return bad(why, "bad-name");
		if (all_zero(ev->key_id, SZKM_KEY_ID_LEN))
			return bad(why, "zero-key-id");
		if (ev->alg == SZKM_ALG_NONE)
			return bad(why, "unknown-alg");
		if (ev->alg == SZKM_ALG_AES256_GCM && ev->pubkey)
			return bad(why, "pubkey-on-symmetric-key");
	}
	ev->body = buf;
	ev->body_len = len;
	return sha256(buf, len, ev->hash);
}

/* Format 4: the low S only (include/szkm.h); big-endian, so memcmp orders. */
static bool sig_canonical(const struct szkm_event *ev,
			  const uint8_t sig[SZKM_EVENT_SIG_LEN])
{
	static const uint8_t s_max[32] = SZKM_EVENT_SIG_S_MAX;

	return ev->format < 4 || memcmp(sig + 32, s_max, sizeof(s_max)) <= 0;
}

int szkm_event_link(const struct szkm_event *ev,
		    const uint8_t sig[SZKM_EVENT_SIG_LEN],
		    uint8_t link[SZKM_EVENT_HASH_LEN])
{
	unsigned int olen = 0;
	EVP_MD_CTX *c;
	int ok;

	if (!ev || !link || (szkm_event_link_covers_sig(ev) && (!sig || !ev->body)))
		return -EINVAL;
	if (!szkm_event_link_covers_sig(ev)) {
		memcpy(link, ev->hash, SZKM_EVENT_HASH_LEN);
		return 0;
	}
	if (!sig_canonical(ev, sig))
		return -EBADMSG;
	c = EVP_MD_CTX_new();
	if (!c)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(c, ev->body, ev->body_len) &&
	     EVP_DigestUpdate(c, sig, SZKM_EVENT_SIG_LEN) &&
	     EVP_DigestFinal_ex(c, link, &olen) && olen == SZKM_EVENT_HASH_LEN;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -EIO;
}

EVP_PKEY *szkm_ec_pubkey(const uint8_t pub[SZKM_P256_PUB_LEN])
{
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *check;

	if (!pub || pub[0] != 0x04)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)"prime256v1", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						      (void *)pub,
						      SZKM_P256_PUB_LEN);
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx)
		return NULL;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	if (!pkey)
		return NULL;
	/*
	 * fromdata decodes the point; this proves it is on the curve and not
	 * at infinity. The full check would also compute n * Q, a scalar
	 * multiplication that costs as much as a signature verification and
	 * proves nothing more on P-256, whose group has prime order.
	 */
	check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!check || EVP_PKEY_public_check_quick(check) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(check);
	return pkey;
}

int szkm_ec_verify_digest(EVP_PKEY *pkey, const uint8_t digest[32],
			    const uint8_t sig[SZKM_EVENT_SIG_LEN])
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL);
	BIGNUM *s = BN_bin2bn(sig + 32, 32, NULL);
	unsigned char *der = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int derlen, ret = -ENOMEM;

	if (!es || !r || !s)
		goto out;
	if (!ECDSA_SIG_set0(es, r, s))
		goto out;
	r = s = NULL;	/* es owns them now */
	derlen = i2d_ECDSA_SIG(es, &der);
	if (derlen <= 0)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!ctx)
		goto out;
	ret = -EIO;
	if (EVP_PKEY_verify_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1)
		goto out;
	/* r = 0, s = 0 and values >= n all fail here, as they must. */
	ret = EVP_PKEY_verify(ctx, der, (size_t)derlen, digest, 32) == 1 ?
		0 : -EBADMSG;
out:
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	BN_free(r);
	BN_free(s);
	return ret;
}

int szkm_ec_verify(const uint8_t pub[SZKM_P256_PUB_LEN], const void *msg,
		     size_t len, const uint8_t sig[SZKM_EVENT_SIG_LEN])
{
	uint8_t digest[32];
	EVP_PKEY *pkey;
	int ret;

	if (sha256(msg, len, digest))
		return -EIO;
	pkey = szkm_ec_pubkey(pub);
	if (!pkey)
		return -EINVAL;
	ret = szkm_ec_verify_digest(pkey, digest, sig);
	EVP_PKEY_free(pkey);
	return ret;
}

int szkm_event_verify(const struct szkm_event *ev, EVP_PKEY *device_key,
		      const uint8_t sig[SZKM_EVENT_SIG_LEN], const char **why)
{
	int ret;

	if (!ev || !device_key || !sig)
		return -EINVAL;
	if (!sig_canonical(ev, sig))
		return bad(why, "high-s-signature");
	ret = szkm_ec_verify_digest(device_key, ev->hash, sig);
	if (ret == -EBADMSG)
		return bad(why, "bad-signature");
	return ret;
}

int szkm_event_check_chain(const struct szkm_event *ev, uint64_t last_seq,
			   const uint8_t last_link[SZKM_EVENT_HASH_LEN],
			   const char **why)
{
	static const uint8_t zero[SZKM_EVENT_HASH_LEN];

	if (!ev)
		return -EINVAL;
	if (ev->seq <= last_seq)
		return bad(why, "seq-replayed");
	if (ev->seq != last_seq + 1)
		return bad(why, "seq-gap");
	if (CRYPTO_memcmp(ev->prev_hash, last_seq ? last_link : zero,
			  SZKM_EVENT_HASH_LEN))
		return bad(why, "prev-hash-mismatch");
	return 0;
}

void szkm_event_comm(const struct szkm_event *ev, char out[SZKM_COMM_LEN + 1])
{
	size_t i;

	for (i = 0; i < SZKM_COMM_LEN && ev->comm[i]; i++)
		out[i] = ev->comm[i] > ' ' && ev->comm[i] < 0x7f ? ev->comm[i] : '?';
	out[i] = 0;
}

void szkm_event_actor_text(const struct szkm_event *ev, char *buf, size_t cap)
{
	char comm[SZKM_COMM_LEN + 1], auid[16] = "none";

	if (ev->actor == SZKM_ACTOR_KERNEL) {
		snprintf(buf, cap, "kernel");
		return;
	}
	if (ev->actor != SZKM_ACTOR_PROCESS) {
		snprintf(buf, cap, "unrecorded");
		return;
	}
	szkm_event_comm(ev, comm);
	if (ev->auid != SZKM_AUID_UNSET)
		snprintf(auid, sizeof(auid), "%u", ev->auid);
	snprintf(buf, cap, "uid=%u auid=%s pid=%u comm=%s", ev->uid, auid, ev->pid, comm);
}

uint64_t szkm_event_seq(const uint8_t *buf, size_t len)
{
	uint64_t v = 0;

	if (!buf || len < SZKM_EV_OFF_SEQ + 8)
		return 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | buf[SZKM_EV_OFF_SEQ + i];
	return v;
}

const char *szkm_event_type_name(uint8_t type)
{
	static const char *const names[] = {
		[SZKM_EV_DEVICE_INIT] = "device-init",
		[SZKM_EV_KEY_CREATE] = "key-create",
		[SZKM_EV_KEY_IMPORT] = "key-import",
		[SZKM_EV_KEY_LOAD] = "key-load",
		[SZKM_EV_KEY_ROTATE] = "key-rotate",
		[SZKM_EV_KEY_STATE] = "key-state",
		[SZKM_EV_KEY_POLICY] = "key-policy",
		[SZKM_EV_KEY_DESTROY] = "key-destroy",
		[SZKM_EV_DEVICE_RESUME] = "device-resume",
		[SZKM_EV_KEY_PROVISION_LOGON] = "key-provision-logon",
		[SZKM_EV_KEY_PROVISION_LOGON_XTS] = "key-provision-logon-xts",
		[SZKM_EV_KEY_PROVISION_FSCRYPT] = "key-provision-fscrypt",
		[SZKM_EV_KEY_GRANT] = "key-grant",
		[SZKM_EV_KEY_REVOKE] = "key-revoke",
	};

	return type < __SZKM_EV_MAX && names[type] ? names[type] : "none";
}

const char *szkm_alg_name(uint8_t alg)
{
	static const char *const names[] = {
		[SZKM_ALG_AES256_GCM] = "aes256-gcm",
		[SZKM_ALG_ECDSA_P256] = "ecdsa-p256",
		[SZKM_ALG_ECDH_P256] = "ecdh-p256",
	};

	return alg < __SZKM_ALG_MAX && names[alg] ? names[alg] : "none";
}

const char *szkm_vstate_name(uint8_t state)
{
	static const char *const names[] = {
		[SZKM_VS_PENDING] = "pending",
		[SZKM_VS_ACTIVE] = "active",
		[SZKM_VS_DECRYPT_ONLY] = "decrypt-only",
		[SZKM_VS_DESTROYED] = "destroyed",
	};

	return state <= SZKM_VS_DESTROYED && names[state] ? names[state] :
							    "none";
}

const char *szkm_origin_name(uint8_t origin)
{
	static const char *const names[] = {
		[SZKM_ORIGIN_GENERATED] = "generated",
		[SZKM_ORIGIN_IMPORTED] = "imported",
		[SZKM_ORIGIN_IMPORTED_PUBLIC] = "imported-public",
	};

	return origin <= SZKM_ORIGIN_IMPORTED_PUBLIC && names[origin] ?
		names[origin] : "none";
}
