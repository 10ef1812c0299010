/* SPDX-License-Identifier: GPL-2.0 */
/*
 * device.h - the device: its root key R, export key E and identity key D,
 * their lifecycle (uninitialised, sealed, ready) and the services the rest
 * of the module uses them for. R, E and D never leave device.c.
 */
#ifndef _SZKM_DEVICE_H
#define _SZKM_DEVICE_H

#include <linux/types.h>
#include "szkm.h"
#include "aead.h"
#include "ledger_proof.h"

/* What szkm_device_wrap() adds: iv || ... || tag. */
#define SZKM_WRAP_OVERHEAD	(SZKM_GCM_IV_LEN + SZKM_GCM_TAG_LEN)

int szkm_device_init(void);
void szkm_device_uninit(void);

/*
 * 0 when the device is ready; else -ENOKEY, after a rate-limited log line
 * that says why (sealed: unseal it; or no device). Every key operation
 * asks first.
 */
int szkm_device_ready(void);

/*
 * AES-256-GCM under a key derived from R, for key material at rest.
 * wrap: @out gets @len + SZKM_WRAP_OVERHEAD bytes (iv || ct || tag).
 * unwrap: @in is @len bytes (iv || ct || tag), @out gets
 * @len - SZKM_WRAP_OVERHEAD bytes; -EBADMSG when it does not authenticate.
 * Any buffers (stack is fine). -ENOKEY when the device is not ready.
 */
int szkm_device_wrap(const u8 *aad, size_t aadlen, const u8 *in, size_t len,
		     u8 *out);
int szkm_device_unwrap(const u8 *aad, size_t aadlen, const u8 *in, size_t len,
		       u8 *out);

/*
 * AES-256-GCM under the export bundle's key, derived from E for this
 * device, @key_id and @version (include/szkm.h, "Export bundle"); the
 * same layout and rules as wrap/unwrap: seal writes iv || ct || tag
 * (@len + SZKM_WRAP_OVERHEAD bytes), open takes it and returns -EBADMSG
 * when it does not authenticate. -ENOKEY when the device is not ready.
 */
int szkm_device_export_seal(const u8 key_id[SZKM_KEY_ID_LEN], u32 version,
			    const u8 *aad, size_t aadlen, const u8 *in, size_t len,
			    u8 *out);
int szkm_device_export_open(const u8 key_id[SZKM_KEY_ID_LEN], u32 version,
			    const u8 *aad, size_t aadlen, const u8 *in, size_t len,
			    u8 *out);

/* ECDSA P-256 signature by D of a SHA-256 digest, r || s. -ENOKEY if not ready. */
int szkm_device_sign(const u8 digest[32], u8 sig_rs[64]);

/*
 * The device id, SHA-256 of D's public key, and the public key itself;
 * -ENOKEY (and zeros in @id) when there is no device. Both stay known
 * while the device is sealed after a lock.
 */
int szkm_device_id(u8 id[SZKM_DEVICE_ID_LEN]);
int szkm_device_pubkey(u8 pub[SZKM_P256_PUB_LEN]);

/* 1 when the module runs in test mode or the device was made without a TPM. */
int szkm_device_test_mode(void);
/*
 * A device no one may trust with real keys: test mode, no TPM, or bound to
 * the resettable lock PCR 16. Only such a device takes ledger=async.
 */
bool szkm_device_test_only(void);

enum szkm_device_state szkm_device_state(void);

/*
 * Lifecycle, for netlink.c. @msg receives a static string saying why an
 * operation failed, for the extended ack; never a secret.
 * init: a new device; *@blob (kmalloc'd, caller kfree) and *@bloblen.
 */
struct szkm_device_opts {
	bool force;		/* replace a device that exists */
	int lock_pcr;		/* -1: the module's lock_pcr parameter */
	u32 boot_pcrs;		/* bitmap of PCRs 0..15 to bind to */
	const u8 *pin;		/* NULL: none */
	size_t pinlen;
	const struct szkm_ledger_trust *ledger;	/* nkeys 0: none */
};
int szkm_device_create(const struct szkm_device_opts *o, u8 **blob,
		       size_t *bloblen, const char **msg);
/* unseal: once per boot; @pin when the device has one (else NULL). */
int szkm_device_unseal(const u8 *blob, size_t bloblen, bool force,
		       const u8 *pin, size_t pinlen, const char **msg);

/* A device's public key verifies @sig_rs over @digest; -EBADMSG if not. */
int szkm_device_verify(const u8 digest[32], const u8 sig_rs[64]);

/* The ledger keys the device believes; -ENOKEY when there is no device. */
int szkm_device_ledger(struct szkm_ledger_trust *t);
/*
 * The device's blob re-sealed for @t, if it still believes @old (else
 * -EAGAIN), into *@blob (kmalloc'd, caller kfree): R and E sealed at the
 * TPM counter's next value (the same bytes in test mode), D wrapped
 * again over the new bytes. The blob stays pending, the device on @old,
 * until szkm_device_commit(). Needs a ready device (R); -ENOKEY otherwise.
 */
int szkm_device_set_ledger(const struct szkm_ledger_trust *old,
			   const struct szkm_ledger_trust *t, u8 **blob,
			   size_t *bloblen, const char **msg);
/*
 * The pending blob (@blob must be its bytes: -ENOENT) is stored: the TPM
 * counter moves to its value and the device believes its trust. -ESTALE:
 * the counter is past it (the pending blob is dropped).
 */
int szkm_device_commit(const u8 *blob, size_t len, const char **msg);

struct szkm_tpm2_binding;
/* The device's TPM binding; -ENOENT when none (no device, or test mode). */
int szkm_device_binding(struct szkm_tpm2_binding *b);
void szkm_device_lock(void);

#endif /* _SZKM_DEVICE_H */
