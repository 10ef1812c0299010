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
#include "devblob.h"
#include "tpm2.h"
#include "hkdf.h"
#include "journal.h"
#include "kcompat.h"
#include "szkm_main.h"
#include "crypto/p256.h"

#include <crypto/sha2.h>
#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/moduleparam.h>
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
	u8 auth[32];		/* SHA-256 of the PIN, to re-seal R and E */
};

/*
 * A blob re-sealed for new ledger trust, handed to userspace and not yet
 * committed (include/szkm.h, SZKM_CMD_DEVICE_COMMIT): the device stays on
 * its old trust until the TPM counter reaches .binding.nv_value.
 */
struct szkm_dev_pending {
	u8 *blob;
	size_t len, headlen;
	struct szkm_tpm2_binding binding;
	struct szkm_ledger_trust ledger;
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
	bool bound;			/* sealed by a TPM under .binding */
	struct szkm_tpm2_binding binding;
	struct szkm_ledger_trust ledger;	/* SEALED and READY */
	/* The blob's bytes before the ledger field (public: header, parent,
	 * key, binding, sealed R and E), to re-seal it with new ledger trust. */
	u8 *head;
	size_t headlen;
	struct szkm_dev_pending *pending;	/* lifecycle mutex */
} szkm_dev;

/* The lock PCR a device init uses unless it names one (see szkmctl(8)). */
static uint szkm_lock_pcr = SZKM_LOCK_PCR_DEFAULT;
module_param_named(lock_pcr, szkm_lock_pcr, uint, 0444);
MODULE_PARM_DESC(lock_pcr, "PCR capped after every unseal, for new devices (8-15; default 13; 16 is resettable: tests only)");

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

static struct szkm_dev_secrets *szkm_dev_secrets_new(void)
{
	return kzalloc(sizeof(struct szkm_dev_secrets), GFP_KERNEL);
}

static void szkm_dev_secrets_free(struct szkm_dev_secrets *sec)
{
	kfree_sensitive(sec);
}

static void szkm_dev_pending_drop(void)
{
	if (szkm_dev.pending)
		kfree(szkm_dev.pending->blob);	/* public: wrapped or sealed */
	kfree(szkm_dev.pending);
	szkm_dev.pending = NULL;
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

/* ---- sealing R and E: the TPM, or the insecure test-mode wrap ---- */

static const char *szkm_tpm_msg(int err)
{
	switch (err) {
	case -ENODEV:
		return SZKM_MSG("no TPM 2.0 (see the kernel log)");
	case -EKEYREJECTED:
		return SZKM_MSG("device blob was sealed by a different TPM, or this TPM refused its policy (see the kernel log)");
	case -EKEYEXPIRED:
		return SZKM_MSG("device blob is not at the TPM's rollback counter: an old copy of it (rollback refused), or a re-sealed blob whose commit never ran; unseal the newest one");
	case -EBADMSG:
		return SZKM_MSG("device blob was modified: the TPM refused a sealed object (or its reply failed the session HMAC)");
	case -EPERM:
		return SZKM_MSG("the key at TPM handle 0x81000001 is not the standard storage key (planted or duplicable): refused; see the kernel log");
	case -EACCES:
		return SZKM_MSG("wrong PIN (the TPM counts it towards its dictionary-attack lockout)");
	case -EBUSY:
		return SZKM_MSG("the TPM is in dictionary-attack lockout");
	case -ENOSPC:
		return SZKM_MSG("the TPM is out of object memory");
	case -ETIME:
		return SZKM_MSG("the TPM did not answer in time, though asked again (a starved or failing TPM; see the kernel log)");
	default:
		return SZKM_MSG("TPM operation failed (see the kernel log)");
	}
}

/*
 * What szkm_tpm2_begin()'s errors mean: -EACCES there is the owner
 * hierarchy's (the storage parent is a primary under it), not a PIN's.
 */
static const char *szkm_tpm_begin_msg(int err)
{
	if (err == -EACCES)
		return SZKM_MSG("the TPM refused szkm its owner hierarchy: it has a password or is disabled (szkm needs it enabled, with an empty password; see the kernel log)");
	return szkm_tpm_msg(err);
}

/* One message per PCR, since an extended ack must be a static string. */
#define SZKM_PCR_MSG(n) SZKM_MSG("boot PCR " #n " changed since device init: unseal refused (the machine booted differently)")
static const char *const szkm_pcr_msgs[16] = {
	SZKM_PCR_MSG(0), SZKM_PCR_MSG(1), SZKM_PCR_MSG(2), SZKM_PCR_MSG(3),
	SZKM_PCR_MSG(4), SZKM_PCR_MSG(5), SZKM_PCR_MSG(6), SZKM_PCR_MSG(7),
	SZKM_PCR_MSG(8), SZKM_PCR_MSG(9), SZKM_PCR_MSG(10), SZKM_PCR_MSG(11),
	SZKM_PCR_MSG(12), SZKM_PCR_MSG(13), SZKM_PCR_MSG(14), SZKM_PCR_MSG(15),
};
#define SZKM_CAPPED_MSG SZKM_MSG("the lock PCR is capped: the TPM opens a device's root key once per boot, and it was opened (or the PCR extended) since this boot began; a reboot is needed")

/* The sealed objects' authValue: SHA-256 of the PIN, or none. */
static const u8 *szkm_dev_pin_auth(const u8 *pin, size_t pinlen, u8 auth[32])
{
	if (!pin)
		return NULL;
	sha256(pin, pinlen, auth);
	return auth;
}

static int szkm_dev_seal_test(const struct szkm_dev_secrets *sec,
			      struct szkm_devblob_writer *w)
{
	u8 tmp[SZKM_KEY_LEN + SZKM_WRAP_OVERHEAD];
	int ret, i;

	for (i = 0; i < 2; i++) {
		ret = szkm_dev_gcm_key(szkm_insecure_test_key, true,
				       SZKM_TEST_SEAL_LABEL,
				       i ? (const u8 *)"E" : (const u8 *)"R", 1,
				       i ? sec->e : sec->r, SZKM_KEY_LEN, tmp);
		if (ret)
			return ret;
		szkm_devblob_put(w, tmp, sizeof(tmp));
	}
	return 0;
}

/*
 * Seal R and E under @b into the blob (parent name, public key, binding,
 * two sealed objects). At init (@parent NULL) @b's boot values are read
 * now, R and E open at the rollback counter's value, and the lock PCR is
 * capped: from here on no one can unseal this blob until the next boot.
 * A re-seal (@parent: the device's) keeps @b's PCRs and seals at the
 * counter's value + 1, which only SZKM_CMD_DEVICE_COMMIT reaches.
 */
static int szkm_dev_seal_re_once(const struct szkm_dev_secrets *sec,
				 struct szkm_tpm2_binding *b, const u8 *auth,
				 struct szkm_devblob_writer *w, const u8 *pub,
				 const u8 *parent, const char **msg)
{
	struct szkm_tpm2 t;
	u64 v = 0;
	u8 *tmp;
	size_t n;
	int ret, i;

	tmp = kmalloc(SZKM_TPM2_SEALED_MAX, GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;
	ret = szkm_tpm2_begin(&t, parent);
	if (ret) {
		*msg = szkm_tpm_begin_msg(ret);
		goto out;
	}
	ret = szkm_tpm2_counter(&t, SZKM_TPM_COUNTER_INDEX, false, &v);
	if (ret) {
		*msg = ret == -ETIME ? szkm_tpm_msg(ret) :
			SZKM_MSG("the TPM's rollback counter could not be defined or read: an NV index of another kind at 0x013A5A4D? (see the kernel log and szkmctl(8), TPM BINDING)");
		goto out_end;
	}
	b->nv_index = SZKM_TPM_COUNTER_INDEX;
	if (parent) {
		b->nv_value = v + 1;
		szkm_tpm2_binding_policy(b, b->policy);
	} else {
		b->nv_value = v;
		ret = szkm_tpm2_binding_make(&t, b);
		if (ret)
			goto out_end;
	}
	szkm_devblob_put(w, t.parent_name, SZKM_TPM2_NAME_LEN);
	szkm_devblob_put(w, pub, SZKM_P256_PUB_LEN);
	szkm_devblob_put_binding(w, b);
	for (i = 0; i < 2 && !ret; i++) {
		ret = szkm_tpm2_seal(&t, b, auth, i ? sec->e : sec->r,
				     SZKM_KEY_LEN, tmp, &n);
		if (!ret)
			szkm_devblob_put(w, tmp, n);
	}
	if (!ret && !parent)
		ret = szkm_tpm2_cap(&t, b->lock_pcr);
	if (ret)
		*msg = szkm_tpm_msg(ret);
out_end:
	szkm_tpm2_end(&t);
out:
	kfree(tmp);	/* sealed objects only: nothing secret */
	return ret;
}

/* A TPM that answered late (-ETIME) gets the whole seal again (tpm2.h). */
static int szkm_dev_seal_re(const struct szkm_dev_secrets *sec,
			    struct szkm_tpm2_binding *b, const u8 *auth,
			    struct szkm_devblob_writer *w, const u8 *pub,
			    const u8 *parent, const char **msg)
{
	size_t start = w->pos;
	int ret, i;

	for (i = 0; i < SZKM_TPM_TRIES; i++) {
		if (i)
			pr_warn("TPM answered late while sealing the device: sealing again\n");
		w->pos = start;
		ret = szkm_dev_seal_re_once(sec, b, auth, w, pub, parent, msg);
		if (ret != -ETIME)
			break;
	}
	return ret;
}

static int szkm_dev_unseal_test(const struct szkm_devblob *b,
				struct szkm_dev_secrets *sec, const char **msg)
{
	int ret, i;

	for (i = 0; i < 2; i++) {
		if (b->sealedlen[i] != SZKM_KEY_LEN + SZKM_WRAP_OVERHEAD) {
			*msg = SZKM_MSG("device blob has a field of the wrong length (modified)");
			return -EBADMSG;
		}
		ret = szkm_dev_gcm_key(szkm_insecure_test_key, false,
				       SZKM_TEST_SEAL_LABEL,
				       i ? (const u8 *)"E" : (const u8 *)"R", 1,
				       b->sealed[i], b->sealedlen[i],
				       i ? sec->e : sec->r);
		if (ret) {
			*msg = SZKM_MSG("device blob was modified (test-mode seal does not authenticate)");
			return -EBADMSG;
		}
	}
	return 0;
}

/* After a failed unseal in which the TPM may have unsealed R or E. */
static void szkm_dev_cap_failed(struct szkm_tpm2 *t, u8 pcr)
{
	if (szkm_tpm2_cap(t, pcr))
		pr_err("the TPM may have unsealed the device's root key in an unseal that failed, and the lock PCR could not be capped after it: reboot before anything else runs\n");
	else
		pr_notice("unseal failed after the TPM may have unsealed the device's root key: lock PCR %u capped all the same (a reboot is needed to try again)\n",
			  pcr);
}

/*
 * Unseal R and E with the TPM, once: the lock PCR is capped right after,
 * and after a failure too once the TPM may have unsealed either (*@released:
 * R opened and E was refused, an answer failed its HMAC check), so that
 * root cannot fail the module's unseal on purpose (a blob with E spoilt)
 * and then unseal R and E itself with tpm2-tools. A late answer is the
 * exception: the whole unseal is tried again and capped after it.
 */
static int szkm_dev_unseal_re_once(const struct szkm_devblob *b, const u8 *auth,
				   struct szkm_dev_secrets *sec, bool *released,
				   const char **msg)
{
	u8 *const secrets[2] = { sec->r, sec->e };
	struct szkm_tpm2 t;
	int ret, bad = -1;

	ret = szkm_tpm2_begin(&t, b->parent);
	if (ret) {
		*msg = szkm_tpm_begin_msg(ret);
		return ret;
	}
	ret = szkm_tpm2_check_pcrs(&t, &b->binding, &bad);
	if (ret == -ESTALE) {
		*msg = SZKM_CAPPED_MSG;
		goto out;
	}
	if (ret == -EKEYREJECTED && bad >= 0 && bad < 16) {
		*msg = szkm_pcr_msgs[bad];
		goto out;
	}
	if (ret) {
		*msg = szkm_tpm_msg(ret);
		goto out;
	}
	ret = szkm_tpm2_unseal(&t, &b->binding, auth, b->sealed, b->sealedlen,
			       secrets, 2, SZKM_KEY_LEN, released);
	if (!ret) {
		ret = szkm_tpm2_cap(&t, b->binding.lock_pcr);
		if (ret)
			*msg = SZKM_MSG("could not cap the lock PCR after unsealing: refused (see the kernel log)");
		goto out;
	}
	*msg = szkm_tpm_msg(ret);
	if (*released && ret != -ETIME)
		szkm_dev_cap_failed(&t, b->binding.lock_pcr);
out:
	szkm_tpm2_end(&t);
	return ret;
}

/*
 * A TPM that answered late (-ETIME) gets the whole unseal again (tpm2.h).
 * If the late command was the cap and it ran, the next try finds the lock
 * PCR capped and refuses: closed, never open.
 */
static int szkm_dev_unseal_re(const struct szkm_devblob *b, const u8 *auth,
			      struct szkm_dev_secrets *sec, const char **msg)
{
	bool released = false;
	struct szkm_tpm2 t;
	int ret, i;

	for (i = 0; i < SZKM_TPM_TRIES; i++) {
		if (i)
			pr_warn("TPM answered late while unsealing the device: unsealing again\n");
		ret = szkm_dev_unseal_re_once(b, auth, sec, &released, msg);
		if (ret != -ETIME)
			break;
	}
	/* Late every time, after the TPM may have unsealed: cap if it answers. */
	if (ret == -ETIME && released && !szkm_tpm2_begin(&t, b->parent)) {
		szkm_dev_cap_failed(&t, b->binding.lock_pcr);
		szkm_tpm2_end(&t);
	}
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
			    const u8 pub[SZKM_P256_PUB_LEN], bool insecure,
			    const struct szkm_tpm2_binding *bind,
			    const struct szkm_ledger_trust *ledger,
			    const u8 *head, size_t headlen)
{
	struct szkm_dev_secrets *old_sec;
	struct crypto_aead *tfm, *old_tfm;
	u8 *key, *hcopy, *old_head;
	int ret;

	hcopy = kmemdup(head, headlen, GFP_KERNEL);
	if (!hcopy)
		return -ENOMEM;
	key = kmalloc(SZKM_AES_KEY_LEN, GFP_KERNEL);
	if (!key) {
		kfree(hcopy);
		return -ENOMEM;
	}
	ret = szkm_dev_kdf(sec->r, SZKM_WRAP_LABEL, key);
	tfm = ret ? ERR_PTR(ret) : szkm_aead_new(key);
	kfree_sensitive(key);
	if (IS_ERR(tfm)) {
		kfree(hcopy);
		return PTR_ERR(tfm);
	}

	down_write(&szkm_dev.sem);
	old_head = szkm_dev.head;
	szkm_dev.head = hcopy;
	szkm_dev.headlen = headlen;
	old_sec = szkm_dev.sec;
	old_tfm = szkm_dev.wrap;
	szkm_dev.sec = sec;
	szkm_dev.wrap = tfm;
	memcpy(szkm_dev.pub, pub, SZKM_P256_PUB_LEN);
	szkm_dev_compute_id(pub, szkm_dev.id);
	szkm_dev.insecure = insecure;
	szkm_dev.bound = !!bind;
	if (bind)
		szkm_dev.binding = *bind;
	szkm_dev.ledger = *ledger;
	szkm_dev.state = SZKM_DEV_READY;
	up_write(&szkm_dev.sem);
	szkm_dev_pending_drop();

	szkm_aead_free(old_tfm);
	szkm_dev_secrets_free(old_sec);
	kfree(old_head);
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

/* The binding an init asks for, checked; the module's lock_pcr by default. */
static int szkm_dev_binding_opts(const struct szkm_device_opts *o,
				 struct szkm_tpm2_binding *b, const char **msg)
{
	memset(b, 0, sizeof(*b));
	b->lock_pcr = o->lock_pcr >= 0 ? o->lock_pcr : szkm_lock_pcr;
	b->boot_pcrs = o->boot_pcrs;
	b->pin = !!o->pin;
	if (o->pin && !o->pinlen) {
		*msg = SZKM_MSG("the PIN is empty");
		return -EINVAL;
	}
	if (b->lock_pcr < 8 || b->lock_pcr > SZKM_LOCK_PCR_TEST) {
		*msg = SZKM_MSG("the lock PCR must be one of 8..15 (16, resettable, for tests only)");
		return -EINVAL;
	}
	if (b->boot_pcrs & ~SZKM_BOOT_PCRS_ALLOWED) {
		*msg = SZKM_MSG("boot PCRs must be among 0..15");
		return -EINVAL;
	}
	if (b->boot_pcrs & BIT(b->lock_pcr)) {
		*msg = SZKM_MSG("the lock PCR cannot also be a boot PCR");
		return -EINVAL;
	}
	if (b->lock_pcr == SZKM_LOCK_PCR_TEST)
		pr_crit("TEST ONLY: lock PCR %u is resettable (TPM2_PCR_Reset): anyone can reset it and unseal this device's root key. Never use it on a real machine.\n",
			b->lock_pcr);
	return 0;
}

int szkm_device_create(const struct szkm_device_opts *o, u8 **blobp,
		       size_t *bloblen, const char **msg)
{
	struct szkm_dev_secrets *sec = NULL;
	struct szkm_tpm2_binding *bind = NULL;
	struct szkm_devblob_writer w = { NULL, 0 };
	enum szkm_tpm_state tpm;
	u8 pub[SZKM_P256_PUB_LEN];
	u8 *dkey = NULL;
	bool insecure = false;
	size_t headlen;
	int ret;

	mutex_lock(&szkm_dev.lifecycle);
	if (szkm_dev.state != SZKM_DEV_UNINITIALISED && !o->force) {
		*msg = SZKM_MSG("a device exists: init refused (force replaces it, and its keys become unreadable)");
		ret = -EEXIST;
		goto out;
	}
	tpm = szkm_tpm2_state();
	if (tpm != SZKM_TPM_2_0) {
		if (!szkm_test_mode) {
			*msg = tpm == SZKM_TPM_NONE ?
				SZKM_MSG("no TPM: device init refused (only test_mode=1 allows it, INSECURE)") :
				SZKM_MSG("the TPM is a TPM 1.2: device init refused (TPM 2.0 needed)");
			pr_err("%s\n", szkm_msg_text(*msg));
			ret = -ENODEV;
			goto out;
		}
		if (o->pin || o->boot_pcrs || o->lock_pcr >= 0) {
			*msg = SZKM_MSG("no TPM: a PIN or PCR binding needs one");
			ret = -EINVAL;
			goto out;
		}
		insecure = true;
		pr_crit("TEST MODE: no TPM 2.0: the device root key is NOT protected by a TPM; the blob is readable by anyone with this module's source. Never use this device for real keys.\n");
	}

	ret = -ENOMEM;
	sec = szkm_dev_secrets_new();
	bind = kzalloc(sizeof(*bind), GFP_KERNEL);
	w.blob = kmalloc(SZKM_DEVBLOB_MAX, GFP_KERNEL);
	dkey = kmalloc(SZKM_DEVBLOB_WRAPPED_D_LEN, GFP_KERNEL);
	if (!sec || !bind || !w.blob || !dkey)
		goto out;
	if (!insecure) {
		ret = szkm_dev_binding_opts(o, bind, msg);
		if (ret)
			goto out;
	}
	ret = szkm_dev_gen_identity(sec, pub);
	if (ret) {
		*msg = SZKM_MSG("could not make the device identity key");
		goto out;
	}

	szkm_devblob_start(&w, (insecure ? SZKM_DEVBLOB_TEST : 0) |
			       (o->pin ? SZKM_DEVBLOB_PIN : 0));
	if (insecure) {
		szkm_devblob_put(&w, NULL, 0);
		szkm_devblob_put(&w, pub, SZKM_P256_PUB_LEN);
		szkm_devblob_put_binding(&w, NULL);
		ret = szkm_dev_seal_test(sec, &w);
	} else {
		ret = szkm_dev_seal_re(sec, bind, szkm_dev_pin_auth(o->pin, o->pinlen, sec->auth),
				       &w, pub, NULL, msg);
	}
	if (ret)
		goto out;
	headlen = w.pos;
	szkm_devblob_put_ledger(&w, o->ledger);

	/* D under R; the AAD is everything in the blob so far. */
	ret = szkm_dev_gcm_derived(sec->r, true, SZKM_DEVBLOB_D_LABEL, w.blob, w.pos,
				   sec->d, sizeof(sec->d), dkey);
	if (ret)
		goto out;
	szkm_devblob_put(&w, dkey, SZKM_DEVBLOB_WRAPPED_D_LEN);

	ret = szkm_dev_install(sec, pub, insecure, insecure ? NULL : bind, o->ledger,
			       w.blob, headlen);
	if (ret)
		goto out;
	sec = NULL;
	*blobp = w.blob;
	*bloblen = w.pos;
	w.blob = NULL;
	pr_info("device initialised: id %*phN%s\n", SZKM_DEVICE_ID_LEN,
		szkm_dev.id, insecure ? " (TEST MODE, no TPM: INSECURE)" : "");
	if (!insecure)
		pr_info("device bound to lock PCR %u (capped now), boot PCRs 0x%04x, %s, rollback counter 0x%08x at %llu\n",
			bind->lock_pcr, bind->boot_pcrs, bind->pin ? "a PIN" : "no PIN",
			bind->nv_index, bind->nv_value);
out:
	if (ret && !*msg)
		*msg = SZKM_MSG("device init failed (see the kernel log)");
	mutex_unlock(&szkm_dev.lifecycle);
	kfree(dkey);		/* wrapped: not secret */
	kfree(w.blob);
	kfree(bind);
	szkm_dev_secrets_free(sec);
	return ret;
}

int szkm_device_unseal(const u8 *blob, size_t bloblen, bool force,
		       const u8 *pin, size_t pinlen, const char **msg)
{
	struct szkm_dev_secrets *sec = NULL;
	struct szkm_devblob *b;
	u8 pub[SZKM_P256_PUB_LEN];
	bool insecure, other;
	int ret;

	b = kmalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	ret = szkm_devblob_parse(b, blob, bloblen, msg);
	if (ret)
		goto log;
	insecure = b->flags & SZKM_DEVBLOB_TEST;
	if (insecure && !szkm_test_mode) {
		*msg = SZKM_MSG("device blob was made in test mode without a TPM (INSECURE): refused unless the module is loaded with test_mode=1");
		ret = -EKEYREJECTED;
		goto log;
	}
	if (pin && !pinlen) {
		*msg = SZKM_MSG("the PIN is empty");
		ret = -EINVAL;
		goto log;
	}
	if (!!(b->flags & SZKM_DEVBLOB_PIN) != !!pin) {
		*msg = pin ? SZKM_MSG("this device has no PIN: unseal without one") :
			     SZKM_MSG("this device needs its PIN to unseal");
		ret = -EINVAL;
		goto log;
	}

	mutex_lock(&szkm_dev.lifecycle);
	other = szkm_dev.state != SZKM_DEV_UNINITIALISED &&
		memcmp(szkm_dev.pub, b->pub, SZKM_P256_PUB_LEN);
	if (!other && szkm_dev.state == SZKM_DEV_READY) {
		*msg = SZKM_MSG("this device is unsealed already: the module holds its keys (the TPM opens its root key once per boot)");
		ret = -EALREADY;
		goto out;
	}
	if (other && !force) {
		*msg = szkm_dev.state == SZKM_DEV_READY ?
			SZKM_MSG("another device is ready: unseal refused (force replaces it, which needs a reboot first when it shares the lock PCR)") :
			SZKM_MSG("this blob is of another device than the sealed one: refused (force replaces it)");
		ret = -EBUSY;
		goto out;
	}

	ret = -ENOMEM;
	sec = szkm_dev_secrets_new();
	if (!sec)
		goto out;
	if (insecure)
		ret = szkm_dev_unseal_test(b, sec, msg);
	else
		ret = szkm_dev_unseal_re(b, szkm_dev_pin_auth(pin, pinlen, sec->auth),
					 sec, msg);
	if (ret)
		goto out;
	ret = szkm_dev_gcm_derived(sec->r, false, SZKM_DEVBLOB_D_LABEL,
				   b->aad, b->aadlen, b->wrapped_d,
				   SZKM_DEVBLOB_WRAPPED_D_LEN, sec->d);
	if (ret == -EBADMSG) {
		*msg = SZKM_MSG("device blob was modified: the identity key does not authenticate");
		goto out;
	}
	if (ret)
		goto out;
	if (szkm_p256_pubkey(pub, sec->d) ||
	    memcmp(pub, b->pub, SZKM_P256_PUB_LEN)) {
		*msg = SZKM_MSG("device blob is inconsistent: the identity key does not match its public key");
		ret = -EBADMSG;
		goto out;
	}
	ret = szkm_dev_install(sec, pub, insecure, insecure ? NULL : &b->binding,
			       &b->ledger, blob, b->ledger_off);
	if (ret)
		goto out;
	sec = NULL;
	/* The old device's chain is not this one's. */
	if (other)
		szkm_journal_reset();
	if (insecure)
		pr_crit("TEST MODE: device unsealed from a blob made without a TPM: its root key is NOT protected. Never use it for real keys.\n");
	pr_info("device unsealed: id %*phN\n", SZKM_DEVICE_ID_LEN, szkm_dev.id);
	if (!insecure)
		pr_info("lock PCR %u capped: no further unseal of this device until the next boot\n",
			b->binding.lock_pcr);
out:
	mutex_unlock(&szkm_dev.lifecycle);
	szkm_dev_secrets_free(sec);
log:
	if (ret && !*msg)
		*msg = SZKM_MSG("device unseal failed (see the kernel log)");
	if (ret)
		pr_notice_ratelimited("device unseal refused: %s\n", szkm_msg_text(*msg));
	kfree(b);
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
	szkm_dev_pending_drop();
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
		ret = szkm_p256_sign(sig_rs, szkm_dev.sec->d, digest) ?:
		      szkm_p256_sig_low_s(sig_rs);	/* events: one encoding */
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

bool szkm_device_test_only(void)
{
	bool t;

	if (szkm_device_test_mode())
		return true;
	down_read(&szkm_dev.sem);
	t = szkm_dev.state != SZKM_DEV_UNINITIALISED && szkm_dev.bound &&
	    szkm_dev.binding.lock_pcr == SZKM_LOCK_PCR_TEST;
	up_read(&szkm_dev.sem);
	return t;
}

int szkm_device_binding(struct szkm_tpm2_binding *b)
{
	int ret = -ENOENT;

	down_read(&szkm_dev.sem);
	if (szkm_dev.state != SZKM_DEV_UNINITIALISED && szkm_dev.bound) {
		*b = szkm_dev.binding;
		ret = 0;
	}
	up_read(&szkm_dev.sem);
	return ret;
}

int szkm_device_ledger(struct szkm_ledger_trust *t)
{
	int ret = -ENOKEY;

	down_read(&szkm_dev.sem);
	if (szkm_dev.state != SZKM_DEV_UNINITIALISED) {
		*t = szkm_dev.ledger;
		ret = 0;
	}
	up_read(&szkm_dev.sem);
	return ret;
}

static bool szkm_dev_same_trust(const struct szkm_ledger_trust *a,
				const struct szkm_ledger_trust *b)
{
	unsigned int i;

	if (a->epoch != b->epoch || memcmp(a->members, b->members, 32) ||
	    a->threshold != b->threshold || a->nkeys != b->nkeys)
		return false;
	for (i = 0; i < a->nkeys; i++)
		if (memcmp(a->keys[i].pub, b->keys[i].pub, SZKM_P256_PUB_LEN) ||
		    strcmp(a->keys[i].name, b->keys[i].name))
			return false;
	return true;
}

int szkm_device_set_ledger(const struct szkm_ledger_trust *old,
			   const struct szkm_ledger_trust *t, u8 **blobp,
			   size_t *bloblen, const char **msg)
{
	struct szkm_devblob_writer w = { NULL, 0 };
	struct szkm_dev_pending *p;
	u8 *dkey = NULL;
	int ret = -ENOMEM;

	*msg = NULL;
	mutex_lock(&szkm_dev.lifecycle);
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	w.blob = kmalloc(SZKM_DEVBLOB_MAX, GFP_KERNEL);
	dkey = kmalloc(SZKM_DEVBLOB_WRAPPED_D_LEN, GFP_KERNEL);
	if (!p || !w.blob || !dkey)
		goto out;
	if (szkm_dev.state != SZKM_DEV_READY || !szkm_dev.head) {
		*msg = SZKM_MSG("the device is not ready: unseal it first (re-sealing its blob needs its root key)");
		ret = -ENOKEY;
		goto out;
	}
	/* Another change got here first: the caller checked against @old. */
	if (!szkm_dev_same_trust(&szkm_dev.ledger, old)) {
		*msg = SZKM_MSG("the device's ledger trust changed meanwhile: try again");
		ret = -EAGAIN;
		goto out;
	}
	if (szkm_dev.bound) {
		/* R and E sealed anew, at the counter's next value. */
		p->binding = szkm_dev.binding;
		szkm_devblob_start(&w, szkm_dev.head[5]);
		ret = szkm_dev_seal_re(szkm_dev.sec, &p->binding,
				       p->binding.pin ? szkm_dev.sec->auth : NULL, &w,
				       szkm_dev.pub, szkm_dev.head + SZKM_DEVBLOB_HDR_LEN + 2, msg);
		if (ret)
			goto out;
	} else {
		memcpy(w.blob, szkm_dev.head, szkm_dev.headlen);
		w.pos = szkm_dev.headlen;
	}
	p->headlen = w.pos;
	szkm_devblob_put_ledger(&w, t);
	/* D under R again: the AAD is the new blob's bytes so far. */
	ret = szkm_dev_gcm_derived(szkm_dev.sec->r, true, SZKM_DEVBLOB_D_LABEL,
				   w.blob, w.pos, szkm_dev.sec->d,
				   sizeof(szkm_dev.sec->d), dkey);
	if (ret)
		goto out;
	szkm_devblob_put(&w, dkey, SZKM_DEVBLOB_WRAPPED_D_LEN);
	ret = -ENOMEM;
	p->blob = kmemdup(w.blob, w.pos, GFP_KERNEL);
	if (!p->blob)
		goto out;
	p->len = w.pos;
	p->ledger = *t;
	szkm_dev_pending_drop();
	szkm_dev.pending = p;
	p = NULL;
	*blobp = w.blob;
	*bloblen = w.pos;
	w.blob = NULL;
	ret = 0;
	pr_info("ledger membership epoch %llu: blob re-sealed, the device follows it once the blob is committed\n",
		t->epoch);
out:
	if (ret && !*msg)
		*msg = SZKM_MSG("re-sealing the device blob failed (see the kernel log)");
	mutex_unlock(&szkm_dev.lifecycle);
	kfree(dkey);
	kfree(w.blob);
	kfree(p);
	return ret;
}

/*
 * Move the counter to @b's value: read it, increment it when one short.
 * Safe to try again after a late answer (the increment may have run: the
 * next read sees it), so a starved TPM never moves it twice.
 */
static int szkm_dev_counter_to(const struct szkm_tpm2_binding *b, const u8 *parent,
			       u64 *v)
{
	struct szkm_tpm2 t;
	int ret = 0, i;

	for (i = 0; i < SZKM_TPM_TRIES; i++) {
		ret = szkm_tpm2_begin(&t, parent);
		if (!ret) {
			ret = szkm_tpm2_counter(&t, b->nv_index, false, v);
			if (!ret && *v + 1 == b->nv_value)
				ret = szkm_tpm2_counter(&t, b->nv_index, true, v);
			szkm_tpm2_end(&t);
		}
		if (ret != -ETIME)
			break;
		pr_warn("TPM answered late while committing the device blob: reading the counter again\n");
	}
	return ret;
}

int szkm_device_commit(const u8 *blob, size_t len, const char **msg)
{
	struct szkm_dev_pending *p;
	u8 *head;
	u64 v = 0;
	int ret;

	*msg = NULL;
	mutex_lock(&szkm_dev.lifecycle);
	p = szkm_dev.pending;
	if (szkm_dev.state != SZKM_DEV_READY || !p || p->len != len ||
	    memcmp(p->blob, blob, len)) {
		*msg = SZKM_MSG("this is not the device's pending re-sealed blob (none pending, or another): nothing committed");
		ret = -ENOENT;
		goto out;
	}
	ret = -ENOMEM;
	head = kmemdup(p->blob, p->headlen, GFP_KERNEL);
	if (!head)
		goto out;
	if (szkm_dev.bound) {
		ret = szkm_dev_counter_to(&p->binding, szkm_dev.head + SZKM_DEVBLOB_HDR_LEN + 2, &v);
		if (!ret && v != p->binding.nv_value) {
			pr_err("the TPM's rollback counter is at %llu, not %llu: someone else moved it; the pending blob never opens (nor, now, the stored one): follow the membership entry again before the next boot\n",
			       v, p->binding.nv_value);
			*msg = SZKM_MSG("the TPM's rollback counter moved past the pending blob (someone else incremented it): follow the membership entry again before the next boot");
			szkm_dev_pending_drop();
			ret = -ESTALE;
		} else if (ret) {
			*msg = ret == -EACCES ?
				SZKM_MSG("the TPM refused the rollback counter's increment or read (its owner hierarchy, or an NV index of another kind at 0x013A5A4D: see the kernel log)") :
				ret == -EBADMSG ?
				SZKM_MSG("a TPM answer about the rollback counter failed its HMAC check (altered on the TPM bus?): not committed, though the counter may have moved") :
				szkm_tpm_msg(ret);
		}
		if (ret) {
			kfree(head);
			goto out;
		}
	}
	down_write(&szkm_dev.sem);
	swap(szkm_dev.head, head);
	szkm_dev.headlen = p->headlen;
	if (szkm_dev.bound)
		szkm_dev.binding = p->binding;
	szkm_dev.ledger = p->ledger;
	up_write(&szkm_dev.sem);
	kfree(head);
	pr_info("ledger membership epoch %llu followed: %u ledger keys, threshold %u\n",
		p->ledger.epoch, p->ledger.nkeys, p->ledger.threshold);
	if (szkm_dev.bound)
		pr_info("rollback counter at %llu: the blob from before no longer unseals\n", v);
	szkm_dev_pending_drop();
	ret = 0;
out:
	if (ret && !*msg)
		*msg = SZKM_MSG("committing the device blob failed (see the kernel log)");
	mutex_unlock(&szkm_dev.lifecycle);
	return ret;
}

int szkm_device_verify(const u8 digest[32], const u8 sig_rs[64])
{
	u8 pub[SZKM_P256_PUB_LEN];
	int ret = szkm_device_pubkey(pub);

	if (ret)
		return ret;
	return szkm_p256_verify(pub, digest, sig_rs) ? -EBADMSG : 0;
}

/*
 * The export key E's one use: AES-256-GCM under
 * HKDF-SHA256(ikm = E, info = SZKM_BUNDLE_LABEL || device id || key id ||
 * version be32), the export bundle's key (include/szkm.h, bundle.c). The
 * info is built here from the device's own id, so no caller can derive any
 * other key from E, and a bundle of another device never opens on this one.
 */
static int szkm_dev_export_op(bool enc, const u8 key_id[SZKM_KEY_ID_LEN], u32 version,
			      const u8 *aad, size_t aadlen, const u8 *in, size_t len,
			      u8 *out)
{
	u8 info[sizeof(SZKM_BUNDLE_LABEL) - 1 + SZKM_DEVICE_ID_LEN + SZKM_KEY_ID_LEN + 4];
	u8 *p = info, *key;
	int ret;

	key = kmalloc(SZKM_AES_KEY_LEN, GFP_KERNEL);
	if (!key)
		return -ENOMEM;
	down_read(&szkm_dev.sem);
	if (szkm_dev.state != SZKM_DEV_READY) {
		ret = szkm_dev_not_ready(szkm_dev.state);
		goto out;
	}
	memcpy(p, SZKM_BUNDLE_LABEL, sizeof(SZKM_BUNDLE_LABEL) - 1);
	p += sizeof(SZKM_BUNDLE_LABEL) - 1;
	memcpy(p, szkm_dev.id, SZKM_DEVICE_ID_LEN);
	p += SZKM_DEVICE_ID_LEN;
	memcpy(p, key_id, SZKM_KEY_ID_LEN);
	put_unaligned_be32(version, p + SZKM_KEY_ID_LEN);
	ret = szkm_hkdf_sha256(NULL, 0, szkm_dev.sec->e, SZKM_KEY_LEN, info, sizeof(info),
			       key, SZKM_AES_KEY_LEN);
	if (!ret)
		ret = szkm_dev_gcm_key(key, enc, "", aad, aadlen, in, len, out);
out:
	up_read(&szkm_dev.sem);
	kfree_sensitive(key);
	return ret;
}

int szkm_device_export_seal(const u8 key_id[SZKM_KEY_ID_LEN], u32 version,
			    const u8 *aad, size_t aadlen, const u8 *in, size_t len,
			    u8 *out)
{
	return szkm_dev_export_op(true, key_id, version, aad, aadlen, in, len, out);
}

int szkm_device_export_open(const u8 key_id[SZKM_KEY_ID_LEN], u32 version,
			    const u8 *aad, size_t aadlen, const u8 *in, size_t len,
			    u8 *out)
{
	return szkm_dev_export_op(false, key_id, version, aad, aadlen, in, len, out);
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
	kfree(szkm_dev.head);
	szkm_dev.head = NULL;
	mutex_destroy(&szkm_dev.lifecycle);
}
