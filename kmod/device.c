// SPDX-License-Identifier: GPL-2.0
/*
 * device.c - the device: root key R, export key E, identity key D.
 *
 * init makes all three in the kernel, seals R and E with the TPM (each its
 * own sealed object), wraps D under R and hands userspace the device blob
 * (format in include/szkm.h); unseal takes the blob back at boot. Until
 * then every key operation is refused with a message that says so.
 *
 * The secrets live in one kmalloc'd struct, allocated in one place
 * (szkm_dev_secrets_new) and freed in one (szkm_dev_secrets_free), wiped.
 * Readers (wrap, unwrap, sign) hold the rw-semaphore shared; lifecycle
 * operations are serialised by a mutex, do their TPM and crypto work
 * without blocking readers, and take the semaphore only to swap state.
 */
#include "device.h"
#include "tpm2.h"
#include "hkdf.h"
#include "journal.h"
#include "szkm_main.h"
#include "crypto/p256.h"

#include <crypto/sha2.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/string.h>

#define SZKM_KEY_LEN	32

struct szkm_dev_secrets {
	u8 r[SZKM_KEY_LEN];
	u8 e[SZKM_KEY_LEN];
	u8 d[SZKM_P256_PRIV_SIZE];
};

static struct {
	struct mutex lifecycle;		/* init, unseal, lock: one at a time */
	struct rw_semaphore sem;	/* guards everything below */
	enum szkm_device_state state;
	struct szkm_dev_secrets *sec;	/* READY only */
	struct crypto_aead *wrap;	/* key from R for material at rest; READY only */
	u8 pub[SZKM_P256_PUB_LEN];	/* SEALED and READY */
	u8 id[SZKM_DEVICE_ID_LEN];
	bool insecure;			/* R and E are not sealed by a TPM */
} szkm_dev;

/*
 * Test mode without a TPM: R and E are "sealed" under this fixed key,
 * compiled into the module. It protects NOTHING: anyone with the blob and
 * this source has R. It exists so the rest of szkm can be tested on
 * machines without a TPM; the blob records it, the module logs it loudly
 * and refuses such a blob unless loaded with test_mode=1.
 */
static const u8 szkm_insecure_test_key[SZKM_AES_KEY_LEN] =
	"szkm TEST MODE: NOT A SECRET!!!";
#define SZKM_TEST_SEAL_LABEL	"szkm-INSECURE-test-mode-seal-v1"

/* A parsed device blob: pointers into the caller's bytes. */
struct szkm_devblob {
	u8 flags;
	const u8 *hdr_and_fields;	/* blob start, for the D wrap's AAD */
	size_t aadlen;			/* bytes before the wrapped D's length */
	const u8 *fields[5];
	size_t lens[5];
};

enum { F_PARENT, F_PUB, F_SEALED_R, F_SEALED_E, F_WRAPPED_D };

static const struct {
	u16 min, max;
} szkm_devblob_limits[5] = {
	[F_PARENT] = { 0, SZKM_TPM2_NAME_LEN },
	[F_PUB] = { SZKM_P256_PUB_LEN, SZKM_P256_PUB_LEN },
	[F_SEALED_R] = { 1, SZKM_TPM2_SEALED_MAX },
	[F_SEALED_E] = { 1, SZKM_TPM2_SEALED_MAX },
	[F_WRAPPED_D] = { SZKM_DEVBLOB_WRAPPED_D_LEN, SZKM_DEVBLOB_WRAPPED_D_LEN },
};

static struct szkm_dev_secrets *szkm_dev_secrets_new(void)
{
	return kzalloc(sizeof(struct szkm_dev_secrets), GFP_KERNEL);
}

static void szkm_dev_secrets_free(struct szkm_dev_secrets *sec)
{
	kfree_sensitive(sec);
}

/* A key for @label derived from R: HKDF-SHA256(ikm = R, info = label). */
static int szkm_dev_kdf(const u8 r[SZKM_KEY_LEN], const char *label,
			u8 out[SZKM_AES_KEY_LEN])
{
	return szkm_hkdf_sha256(NULL, 0, r, SZKM_KEY_LEN, (const u8 *)label,
				strlen(label), out, SZKM_AES_KEY_LEN);
}

/*
 * AES-256-GCM of @len bytes under @key, fresh random IV; @out gets
 * iv || ct || tag. (Or the reverse when !@enc.) All buffers are copied into
 * one kmalloc'd scratch area, which the crypto API can map, and wiped.
 */
static int szkm_dev_gcm(struct crypto_aead *tfm, bool enc,
			const u8 *aad1, size_t aad1len,
			const u8 *aad2, size_t aad2len,
			const u8 *in, size_t len, u8 *out)
{
	size_t aadlen = aad1len + aad2len;
	u8 *buf, *aad, *text, *iv;
	int ret;

	if (!enc && len < SZKM_WRAP_OVERHEAD)
		return -EBADMSG;
	if (len > SZKM_PAYLOAD_MAX || aadlen > SZKM_PAYLOAD_MAX)
		return -EMSGSIZE;
	buf = kmalloc(SZKM_GCM_IV_LEN + aadlen + len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	iv = buf;
	aad = buf + SZKM_GCM_IV_LEN;
	text = aad + aadlen;
	memcpy(aad, aad1, aad1len);
	if (aad2len)
		memcpy(aad + aad1len, aad2, aad2len);
	if (enc) {
		get_random_bytes(iv, SZKM_GCM_IV_LEN);
		memcpy(text, in, len);
		ret = szkm_aead_seal(tfm, iv, aad, aadlen, text, len,
				     out + SZKM_GCM_IV_LEN);
		if (!ret)
			memcpy(out, iv, SZKM_GCM_IV_LEN);
	} else {
		memcpy(iv, in, SZKM_GCM_IV_LEN);
		memcpy(text, in + SZKM_GCM_IV_LEN, len - SZKM_GCM_IV_LEN);
		ret = szkm_aead_open(tfm, iv, aad, aadlen, text,
				     len - SZKM_GCM_IV_LEN, out);
	}
	kfree_sensitive(buf);
	return ret;
}

/* The same, keyed with @key for this one call. */
static int szkm_dev_gcm_key(const u8 key[SZKM_AES_KEY_LEN], bool enc,
			    const char *label, const u8 *aad2, size_t aad2len,
			    const u8 *in, size_t len, u8 *out)
{
	struct crypto_aead *tfm = szkm_aead_new(key);
	int ret;

	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ret = szkm_dev_gcm(tfm, enc, label, strlen(label), aad2, aad2len,
			   in, len, out);
	szkm_aead_free(tfm);
	return ret;
}

static int szkm_dev_gcm_derived(const u8 r[SZKM_KEY_LEN], bool enc,
				const char *label, const u8 *aad2,
				size_t aad2len, const u8 *in, size_t len,
				u8 *out)
{
	u8 *key = kmalloc(SZKM_AES_KEY_LEN, GFP_KERNEL);
	int ret;

	if (!key)
		return -ENOMEM;
	ret = szkm_dev_kdf(r, label, key);
	if (!ret)
		ret = szkm_dev_gcm_key(key, enc, label, aad2, aad2len, in, len,
				       out);
	kfree_sensitive(key);
	return ret;
}

/* ---- the blob ---- */

static int szkm_devblob_parse(struct szkm_devblob *b, const u8 *blob,
			      size_t len, const char **msg)
{
	size_t pos = SZKM_DEVBLOB_HDR_LEN;
	int i;

	if (len < SZKM_DEVBLOB_HDR_LEN || len > SZKM_DEVBLOB_MAX) {
		*msg = "szkm: device blob has the wrong size (truncated or not a device blob)";
		return -EBADMSG;
	}
	if (memcmp(blob, SZKM_DEVBLOB_MAGIC, 4)) {
		*msg = "szkm: not a device blob (bad magic)";
		return -EBADMSG;
	}
	if (blob[4] != SZKM_DEVBLOB_FORMAT) {
		*msg = "szkm: device blob format version not supported";
		return -EBADMSG;
	}
	b->flags = blob[5];
	if ((b->flags & ~SZKM_DEVBLOB_TEST) || blob[6] || blob[7]) {
		*msg = "szkm: device blob has unknown flags or reserved bits set";
		return -EBADMSG;
	}
	b->hdr_and_fields = blob;
	for (i = 0; i < ARRAY_SIZE(szkm_devblob_limits); i++) {
		size_t n;

		if (i == F_WRAPPED_D)
			b->aadlen = pos;
		if (len - pos < 2)
			goto truncated;
		n = (size_t)blob[pos] << 8 | blob[pos + 1];
		pos += 2;
		if (n < szkm_devblob_limits[i].min || n > szkm_devblob_limits[i].max) {
			*msg = "szkm: device blob has a field of the wrong length (modified)";
			return -EBADMSG;
		}
		if (len - pos < n)
			goto truncated;
		b->fields[i] = blob + pos;
		b->lens[i] = n;
		pos += n;
	}
	if (pos != len) {
		*msg = "szkm: device blob has trailing bytes (modified)";
		return -EBADMSG;
	}
	/* Test mode has no TPM parent; a TPM blob always has one. */
	if (!!(b->flags & SZKM_DEVBLOB_TEST) != !b->lens[F_PARENT] ||
	    (b->lens[F_PARENT] && b->lens[F_PARENT] != SZKM_TPM2_NAME_LEN)) {
		*msg = "szkm: device blob's parent does not match its mode (modified)";
		return -EBADMSG;
	}
	return 0;

truncated:
	*msg = "szkm: device blob is truncated";
	return -EBADMSG;
}

static void szkm_devblob_put_field(u8 *blob, size_t *pos, const u8 *data,
				   size_t n)
{
	blob[*pos] = n >> 8;
	blob[*pos + 1] = n & 0xff;
	if (n)
		memcpy(blob + *pos + 2, data, n);
	*pos += 2 + n;
}

/* ---- sealing R and E: the TPM, or the insecure test-mode wrap ---- */

static const char *szkm_tpm_msg(int err)
{
	switch (err) {
	case -ENODEV:
		return "szkm: no TPM 2.0 (see the kernel log)";
	case -EKEYREJECTED:
		return "szkm: device blob was sealed by a different TPM";
	case -EBADMSG:
		return "szkm: device blob was modified: the TPM refused a sealed object";
	case -EBUSY:
		return "szkm: the TPM is in dictionary-attack lockout";
	case -EACCES:
		return "szkm: the TPM refused the authorisation (see the kernel log)";
	case -ENOSPC:
		return "szkm: the TPM is out of object memory";
	default:
		return "szkm: TPM operation failed (see the kernel log)";
	}
}

/* Seal R and E into @blob at *@pos (parent name, then two fields). */
static int szkm_dev_seal_re(const struct szkm_dev_secrets *sec, bool insecure,
			    u8 *blob, size_t *pos, const u8 *pubfield,
			    const char **msg)
{
	struct szkm_tpm2 t;
	u8 *tmp;
	size_t n;
	int ret, i;

	tmp = kmalloc(SZKM_TPM2_SEALED_MAX, GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;
	if (insecure) {
		szkm_devblob_put_field(blob, pos, NULL, 0);
		szkm_devblob_put_field(blob, pos, pubfield, SZKM_P256_PUB_LEN);
		for (i = 0; i < 2; i++) {
			ret = szkm_dev_gcm_key(szkm_insecure_test_key, true,
					       SZKM_TEST_SEAL_LABEL,
					       i ? (const u8 *)"E" : (const u8 *)"R", 1,
					       i ? sec->e : sec->r, SZKM_KEY_LEN, tmp);
			if (ret)
				goto out;
			szkm_devblob_put_field(blob, pos, tmp,
					       SZKM_KEY_LEN + SZKM_WRAP_OVERHEAD);
		}
		goto out;
	}

	ret = szkm_tpm2_begin(&t, NULL);
	if (ret) {
		*msg = szkm_tpm_msg(ret);
		goto out;
	}
	szkm_devblob_put_field(blob, pos, t.parent_name, SZKM_TPM2_NAME_LEN);
	szkm_devblob_put_field(blob, pos, pubfield, SZKM_P256_PUB_LEN);
	for (i = 0; i < 2; i++) {
		ret = szkm_tpm2_seal(&t, i ? sec->e : sec->r, SZKM_KEY_LEN, tmp, &n);
		if (ret) {
			*msg = szkm_tpm_msg(ret);
			break;
		}
		szkm_devblob_put_field(blob, pos, tmp, n);
	}
	szkm_tpm2_end(&t);
out:
	kfree(tmp);	/* sealed objects only: nothing secret */
	return ret;
}

static int szkm_dev_unseal_re(const struct szkm_devblob *b,
			      struct szkm_dev_secrets *sec, const char **msg)
{
	struct szkm_tpm2 t;
	size_t n;
	int ret, i;

	if (b->flags & SZKM_DEVBLOB_TEST) {
		for (i = 0; i < 2; i++) {
			if (b->lens[F_SEALED_R + i] != SZKM_KEY_LEN + SZKM_WRAP_OVERHEAD) {
				*msg = "szkm: device blob has a field of the wrong length (modified)";
				return -EBADMSG;
			}
			ret = szkm_dev_gcm_key(szkm_insecure_test_key, false,
					       SZKM_TEST_SEAL_LABEL,
					       i ? (const u8 *)"E" : (const u8 *)"R", 1,
					       b->fields[F_SEALED_R + i],
					       b->lens[F_SEALED_R + i],
					       i ? sec->e : sec->r);
			if (ret) {
				*msg = "szkm: device blob was modified (test-mode seal does not authenticate)";
				return -EBADMSG;
			}
		}
		return 0;
	}

	ret = szkm_tpm2_begin(&t, b->fields[F_PARENT]);
	if (ret) {
		*msg = szkm_tpm_msg(ret);
		return ret;
	}
	for (i = 0; i < 2 && !ret; i++) {
		ret = szkm_tpm2_unseal(&t, b->fields[F_SEALED_R + i],
				       b->lens[F_SEALED_R + i],
				       i ? sec->e : sec->r, SZKM_KEY_LEN, &n);
		if (!ret && n != SZKM_KEY_LEN)
			ret = -EBADMSG;
		if (ret)
			*msg = szkm_tpm_msg(ret);
	}
	szkm_tpm2_end(&t);
	return ret;
}

/* ---- state ---- */

static void szkm_dev_compute_id(const u8 pub[SZKM_P256_PUB_LEN],
				u8 id[SZKM_DEVICE_ID_LEN])
{
	sha256(pub, SZKM_P256_PUB_LEN, id);
}

/*
 * Make the device ready with @sec (taken over) and @pub; frees what was
 * there. The wrap key is derived and set up before the swap, so readers
 * never see a half-made device.
 */
static int szkm_dev_install(struct szkm_dev_secrets *sec,
			    const u8 pub[SZKM_P256_PUB_LEN], bool insecure)
{
	struct szkm_dev_secrets *old_sec;
	struct crypto_aead *tfm, *old_tfm;
	u8 *key;
	int ret;

	key = kmalloc(SZKM_AES_KEY_LEN, GFP_KERNEL);
	if (!key)
		return -ENOMEM;
	ret = szkm_dev_kdf(sec->r, SZKM_WRAP_LABEL, key);
	tfm = ret ? ERR_PTR(ret) : szkm_aead_new(key);
	kfree_sensitive(key);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);

	down_write(&szkm_dev.sem);
	old_sec = szkm_dev.sec;
	old_tfm = szkm_dev.wrap;
	szkm_dev.sec = sec;
	szkm_dev.wrap = tfm;
	memcpy(szkm_dev.pub, pub, SZKM_P256_PUB_LEN);
	szkm_dev_compute_id(pub, szkm_dev.id);
	szkm_dev.insecure = insecure;
	szkm_dev.state = SZKM_DEV_READY;
	up_write(&szkm_dev.sem);

	szkm_aead_free(old_tfm);
	szkm_dev_secrets_free(old_sec);
	return 0;
}

static int szkm_dev_gen_identity(struct szkm_dev_secrets *sec,
				 u8 pub[SZKM_P256_PUB_LEN])
{
	int tries;

	get_random_bytes(sec->r, sizeof(sec->r));
	get_random_bytes(sec->e, sizeof(sec->e));
	/* A uniform scalar in [1, n-1]: retry the (2^-32-rare) misses. */
	for (tries = 0; tries < 64; tries++) {
		get_random_bytes(sec->d, sizeof(sec->d));
		if (!szkm_p256_check_priv(sec->d))
			return szkm_p256_pubkey(pub, sec->d);
	}
	return -EIO;
}

int szkm_device_create(bool force, u8 **blobp, size_t *bloblen,
		       const char **msg)
{
	struct szkm_dev_secrets *sec = NULL;
	enum szkm_tpm_state tpm;
	u8 pub[SZKM_P256_PUB_LEN];
	u8 *blob = NULL, *dkey = NULL;
	bool insecure = false;
	size_t pos;
	int ret;

	mutex_lock(&szkm_dev.lifecycle);
	if (szkm_dev.state != SZKM_DEV_UNINITIALISED && !force) {
		*msg = "szkm: a device exists: init refused (force replaces it, and its keys become unreadable)";
		ret = -EEXIST;
		goto out;
	}
	tpm = szkm_tpm2_state();
	if (tpm != SZKM_TPM_2_0) {
		if (!szkm_test_mode) {
			*msg = tpm == SZKM_TPM_NONE ?
				"szkm: no TPM: device init refused (only test_mode=1 allows it, INSECURE)" :
				"szkm: the TPM is a TPM 1.2: device init refused (TPM 2.0 needed)";
			pr_err("%s\n", *msg + 6);
			ret = -ENODEV;
			goto out;
		}
		insecure = true;
		pr_crit("TEST MODE: no TPM 2.0: the device root key is NOT protected by a TPM; the blob is readable by anyone with this module's source. Never use this device for real keys.\n");
	}

	ret = -ENOMEM;
	sec = szkm_dev_secrets_new();
	blob = kmalloc(SZKM_DEVBLOB_MAX, GFP_KERNEL);
	if (!sec || !blob)
		goto out;
	ret = szkm_dev_gen_identity(sec, pub);
	if (ret) {
		*msg = "szkm: could not make the device identity key";
		goto out;
	}

	memcpy(blob, SZKM_DEVBLOB_MAGIC, 4);
	blob[4] = SZKM_DEVBLOB_FORMAT;
	blob[5] = insecure ? SZKM_DEVBLOB_TEST : 0;
	blob[6] = blob[7] = 0;
	pos = SZKM_DEVBLOB_HDR_LEN;
	ret = szkm_dev_seal_re(sec, insecure, blob, &pos, pub, msg);
	if (ret)
		goto out;

	/* D under R; the AAD is everything in the blob so far. */
	dkey = kmalloc(SZKM_DEVBLOB_WRAPPED_D_LEN, GFP_KERNEL);
	if (!dkey) {
		ret = -ENOMEM;
		goto out;
	}
	ret = szkm_dev_gcm_derived(sec->r, true, SZKM_DEVBLOB_D_LABEL, blob, pos,
				   sec->d, sizeof(sec->d), dkey);
	if (ret)
		goto out;
	szkm_devblob_put_field(blob, &pos, dkey, SZKM_DEVBLOB_WRAPPED_D_LEN);

	ret = szkm_dev_install(sec, pub, insecure);
	if (ret)
		goto out;
	sec = NULL;
	*blobp = blob;
	*bloblen = pos;
	blob = NULL;
	pr_info("device initialised: id %*phN%s\n", SZKM_DEVICE_ID_LEN,
		szkm_dev.id, insecure ? " (TEST MODE, no TPM: INSECURE)" : "");
out:
	if (ret && !*msg)
		*msg = "szkm: device init failed (see the kernel log)";
	mutex_unlock(&szkm_dev.lifecycle);
	kfree(dkey);		/* wrapped: not secret */
	kfree(blob);
	szkm_dev_secrets_free(sec);
	return ret;
}

int szkm_device_unseal(const u8 *blob, size_t bloblen, bool force,
		       const char **msg)
{
	struct szkm_dev_secrets *sec = NULL;
	struct szkm_devblob b;
	u8 pub[SZKM_P256_PUB_LEN];
	bool insecure, other;
	int ret;

	ret = szkm_devblob_parse(&b, blob, bloblen, msg);
	if (ret)
		goto log;
	insecure = b.flags & SZKM_DEVBLOB_TEST;
	if (insecure && !szkm_test_mode) {
		*msg = "szkm: device blob was made in test mode without a TPM (INSECURE): refused unless the module is loaded with test_mode=1";
		ret = -EKEYREJECTED;
		goto log;
	}

	/*
	 * The blob of the device that is already ready is checked in full all
	 * the same (and its secrets, the same ones, reinstalled), so a bad
	 * blob never reads as a good one.
	 */
	mutex_lock(&szkm_dev.lifecycle);
	other = szkm_dev.state != SZKM_DEV_UNINITIALISED &&
		memcmp(szkm_dev.pub, b.fields[F_PUB], SZKM_P256_PUB_LEN);
	if (other && !force) {
		*msg = szkm_dev.state == SZKM_DEV_READY ?
			"szkm: another device is ready: unseal refused (force replaces it)" :
			"szkm: this blob is of another device than the sealed one: refused (force replaces it)";
		ret = -EBUSY;
		goto out;
	}

	ret = -ENOMEM;
	sec = szkm_dev_secrets_new();
	if (!sec)
		goto out;
	ret = szkm_dev_unseal_re(&b, sec, msg);
	if (ret)
		goto out;
	ret = szkm_dev_gcm_derived(sec->r, false, SZKM_DEVBLOB_D_LABEL,
				   b.hdr_and_fields, b.aadlen,
				   b.fields[F_WRAPPED_D], b.lens[F_WRAPPED_D],
				   sec->d);
	if (ret == -EBADMSG) {
		*msg = "szkm: device blob was modified: the identity key does not authenticate";
		goto out;
	}
	if (ret)
		goto out;
	if (szkm_p256_pubkey(pub, sec->d) ||
	    memcmp(pub, b.fields[F_PUB], SZKM_P256_PUB_LEN)) {
		*msg = "szkm: device blob is inconsistent: the identity key does not match its public key";
		ret = -EBADMSG;
		goto out;
	}
	ret = szkm_dev_install(sec, pub, insecure);
	if (ret)
		goto out;
	sec = NULL;
	/* The old device's chain is not this one's. */
	if (other)
		szkm_journal_reset();
	if (insecure)
		pr_crit("TEST MODE: device unsealed from a blob made without a TPM: its root key is NOT protected. Never use it for real keys.\n");
	pr_info("device unsealed: id %*phN\n", SZKM_DEVICE_ID_LEN, szkm_dev.id);
out:
	mutex_unlock(&szkm_dev.lifecycle);
	szkm_dev_secrets_free(sec);
log:
	if (ret && !*msg)
		*msg = "szkm: device unseal failed (see the kernel log)";
	if (ret)
		pr_notice("device unseal refused: %s\n", *msg + 6);
	return ret;
}

void szkm_device_lock(void)
{
	struct szkm_dev_secrets *sec;
	struct crypto_aead *tfm;

	mutex_lock(&szkm_dev.lifecycle);
	down_write(&szkm_dev.sem);
	sec = szkm_dev.sec;
	tfm = szkm_dev.wrap;
	szkm_dev.sec = NULL;
	szkm_dev.wrap = NULL;
	if (szkm_dev.state == SZKM_DEV_READY)
		szkm_dev.state = SZKM_DEV_SEALED;
	up_write(&szkm_dev.sem);
	mutex_unlock(&szkm_dev.lifecycle);
	szkm_aead_free(tfm);
	szkm_dev_secrets_free(sec);
	if (sec)
		pr_info("device locked: secrets wiped, sealed until unseal\n");
}

/* ---- services for the rest of the module ---- */

static int szkm_dev_not_ready(enum szkm_device_state st)
{
	if (st == SZKM_DEV_SEALED)
		pr_notice_ratelimited("device is sealed: unseal it first (szkmctl device unseal)\n");
	else
		pr_notice_ratelimited("no device: unseal the stored one (szkmctl device unseal) or run szkmctl device init\n");
	return -ENOKEY;
}

int szkm_device_ready(void)
{
	enum szkm_device_state st = READ_ONCE(szkm_dev.state);

	return st == SZKM_DEV_READY ? 0 : szkm_dev_not_ready(st);
}

static int szkm_dev_wrap_op(bool enc, const u8 *aad, size_t aadlen,
			    const u8 *in, size_t len, u8 *out)
{
	int ret;

	down_read(&szkm_dev.sem);
	if (szkm_dev.state != SZKM_DEV_READY)
		ret = szkm_dev_not_ready(szkm_dev.state);
	else
		ret = szkm_dev_gcm(szkm_dev.wrap, enc, aad, aadlen, NULL, 0,
				   in, len, out);
	up_read(&szkm_dev.sem);
	return ret;
}

int szkm_device_wrap(const u8 *aad, size_t aadlen, const u8 *in, size_t len,
		     u8 *out)
{
	return szkm_dev_wrap_op(true, aad, aadlen, in, len, out);
}

int szkm_device_unwrap(const u8 *aad, size_t aadlen, const u8 *in, size_t len,
		       u8 *out)
{
	return szkm_dev_wrap_op(false, aad, aadlen, in, len, out);
}

int szkm_device_sign(const u8 digest[32], u8 sig_rs[64])
{
	int ret;

	down_read(&szkm_dev.sem);
	if (szkm_dev.state != SZKM_DEV_READY)
		ret = szkm_dev_not_ready(szkm_dev.state);
	else
		ret = szkm_p256_sign(sig_rs, szkm_dev.sec->d, digest);
	up_read(&szkm_dev.sem);
	return ret;
}

int szkm_device_id(u8 id[SZKM_DEVICE_ID_LEN])
{
	int ret = 0;

	down_read(&szkm_dev.sem);
	if (szkm_dev.state != SZKM_DEV_UNINITIALISED) {
		memcpy(id, szkm_dev.id, SZKM_DEVICE_ID_LEN);
	} else {
		memset(id, 0, SZKM_DEVICE_ID_LEN);
		ret = -ENOKEY;
	}
	up_read(&szkm_dev.sem);
	return ret;
}

int szkm_device_pubkey(u8 pub[SZKM_P256_PUB_LEN])
{
	int ret = 0;

	down_read(&szkm_dev.sem);
	if (szkm_dev.state != SZKM_DEV_UNINITIALISED)
		memcpy(pub, szkm_dev.pub, SZKM_P256_PUB_LEN);
	else
		ret = -ENOKEY;
	up_read(&szkm_dev.sem);
	return ret;
}

int szkm_device_test_mode(void)
{
	return szkm_test_mode || READ_ONCE(szkm_dev.insecure);
}

enum szkm_device_state szkm_device_state(void)
{
	return READ_ONCE(szkm_dev.state);
}

int __init szkm_device_init(void)
{
	mutex_init(&szkm_dev.lifecycle);
	init_rwsem(&szkm_dev.sem);
	szkm_dev.state = SZKM_DEV_UNINITIALISED;
	return 0;
}

void szkm_device_uninit(void)
{
	szkm_device_lock();	/* wipes the secrets */
	mutex_destroy(&szkm_dev.lifecycle);
}
