// SPDX-License-Identifier: GPL-2.0
/*
 * devblob.c - encode and decode the device blob (include/szkm.h). Every
 * length comes from userspace and is checked before use; the fields must
 * fill the blob exactly.
 */
#include "devblob.h"
#include "kcompat.h"
#include "szkm_main.h"

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

enum { F_PARENT, F_PUB, F_BINDING, F_SEALED_R, F_SEALED_E, F_LEDGER, F_WRAPPED_D, F_COUNT };

static const struct {
	u16 min, max;
} szkm_devblob_limits[F_COUNT] = {
	[F_PARENT] = { 0, SZKM_TPM2_NAME_LEN },
	[F_PUB] = { SZKM_P256_PUB_LEN, SZKM_P256_PUB_LEN },
	[F_BINDING] = { 0, SZKM_DEVBLOB_BINDING_MAX },
	[F_SEALED_R] = { 1, SZKM_TPM2_SEALED_MAX },
	[F_SEALED_E] = { 1, SZKM_TPM2_SEALED_MAX },
	[F_LEDGER] = { 0, SZKM_DEVBLOB_LEDGER_MAX },
	[F_WRAPPED_D] = { SZKM_DEVBLOB_WRAPPED_D_LEN, SZKM_DEVBLOB_WRAPPED_D_LEN },
};

static int szkm_devblob_binding(struct szkm_tpm2_binding *b, const u8 *f,
				size_t n, bool pin, const char **msg)
{
	u8 policy[SZKM_TPM2_DIGEST];
	unsigned int nboot;

	if (n < SZKM_DEVBLOB_BINDING_MIN)
		goto bad;
	b->lock_pcr = f[0];
	b->boot_pcrs = (u32)f[1] << 24 | (u32)f[2] << 16 | (u32)f[3] << 8 | f[4];
	b->nv_index = get_unaligned_be32(f + 5);
	b->nv_value = get_unaligned_be64(f + 9);
	b->pin = pin;
	if (b->nv_index != SZKM_TPM_COUNTER_INDEX ||
	    b->lock_pcr < 8 || b->lock_pcr > SZKM_LOCK_PCR_TEST ||
	    (b->boot_pcrs & ~SZKM_BOOT_PCRS_ALLOWED) ||
	    (b->boot_pcrs & BIT(b->lock_pcr)))
		goto bad;
	nboot = hweight32(b->boot_pcrs);
	if (n != SZKM_DEVBLOB_BINDING_MIN + nboot * SZKM_TPM2_DIGEST)
		goto bad;
	memcpy(b->policy, f + 17, SZKM_TPM2_DIGEST);
	memcpy(b->boot_values, f + SZKM_DEVBLOB_BINDING_MIN, nboot * SZKM_TPM2_DIGEST);
	szkm_tpm2_binding_policy(b, policy);
	if (memcmp(policy, b->policy, SZKM_TPM2_DIGEST)) {
		*msg = SZKM_MSG("device blob's TPM binding does not match its policy digest (modified)");
		return -EBADMSG;
	}
	return 0;
bad:
	*msg = SZKM_MSG("device blob's TPM binding is malformed (modified)");
	return -EBADMSG;
}

int szkm_devblob_parse(struct szkm_devblob *b, const u8 *blob, size_t len,
		       const char **msg)
{
	const u8 *fields[F_COUNT];
	size_t lens[F_COUNT], pos = SZKM_DEVBLOB_HDR_LEN;
	bool test;
	int i;

	memset(b, 0, sizeof(*b));
	if (len < SZKM_DEVBLOB_HDR_LEN || len > SZKM_DEVBLOB_MAX) {
		*msg = SZKM_MSG("device blob has the wrong size (truncated or not a device blob)");
		return -EBADMSG;
	}
	if (memcmp(blob, SZKM_DEVBLOB_MAGIC, 4)) {
		*msg = SZKM_MSG("not a device blob (bad magic)");
		return -EBADMSG;
	}
	if (blob[4] == 1) {
		*msg = SZKM_MSG("device blob format 1 was sealed without a PCR policy (root could unseal it): refused; make a new device (szkmctl device init --force)");
		return -EBADMSG;
	}
	if (blob[4] == 2) {
		*msg = SZKM_MSG("device blob format 2 names no ledger keys (the kernel would take the ledger's word): refused; make a new device (szkmctl device init --force --ledger-key ...)");
		return -EBADMSG;
	}
	if (blob[4] == 3) {
		*msg = SZKM_MSG("device blob format 3 has no rollback counter (an old copy of it would unseal after a membership change): refused; make a new device (szkmctl device init --force --ledger-key ...)");
		return -EBADMSG;
	}
	if (blob[4] != SZKM_DEVBLOB_FORMAT) {
		*msg = SZKM_MSG("device blob format version not supported");
		return -EBADMSG;
	}
	b->flags = blob[5];
	if ((b->flags & ~(SZKM_DEVBLOB_TEST | SZKM_DEVBLOB_PIN)) || blob[6] || blob[7]) {
		*msg = SZKM_MSG("device blob has unknown flags or reserved bits set");
		return -EBADMSG;
	}
	for (i = 0; i < F_COUNT; i++) {
		size_t n;

		if (i == F_WRAPPED_D)
			b->aadlen = pos;
		if (i == F_LEDGER)
			b->ledger_off = pos;
		if (len - pos < 2)
			goto truncated;
		n = (size_t)blob[pos] << 8 | blob[pos + 1];
		pos += 2;
		if (n < szkm_devblob_limits[i].min || n > szkm_devblob_limits[i].max) {
			*msg = SZKM_MSG("device blob has a field of the wrong length (modified)");
			return -EBADMSG;
		}
		if (len - pos < n)
			goto truncated;
		fields[i] = blob + pos;
		lens[i] = n;
		pos += n;
	}
	if (pos != len) {
		*msg = SZKM_MSG("device blob has trailing bytes (modified)");
		return -EBADMSG;
	}
	/* Test mode has no TPM parent and no binding; a TPM blob has both. */
	test = b->flags & SZKM_DEVBLOB_TEST;
	if ((test && (lens[F_PARENT] || lens[F_BINDING] || (b->flags & SZKM_DEVBLOB_PIN))) ||
	    (!test && (lens[F_PARENT] != SZKM_TPM2_NAME_LEN || !lens[F_BINDING]))) {
		*msg = SZKM_MSG("device blob's parent does not match its mode (modified)");
		return -EBADMSG;
	}
	if (!test && szkm_devblob_binding(&b->binding, fields[F_BINDING],
					  lens[F_BINDING],
					  b->flags & SZKM_DEVBLOB_PIN, msg))
		return -EBADMSG;
	b->parent = test ? NULL : fields[F_PARENT];
	b->pub = fields[F_PUB];
	for (i = 0; i < 2; i++) {
		b->sealed[i] = fields[F_SEALED_R + i];
		b->sealedlen[i] = lens[F_SEALED_R + i];
	}
	if (szkm_ledger_trust_decode(&b->ledger, fields[F_LEDGER], lens[F_LEDGER]) ||
	    !b->ledger.nkeys) {
		*msg = SZKM_MSG("device blob's ledger keys are malformed (modified)");
		return -EBADMSG;
	}
	b->wrapped_d = fields[F_WRAPPED_D];
	b->aad = blob;
	return 0;

truncated:
	*msg = SZKM_MSG("device blob is truncated");
	return -EBADMSG;
}

void szkm_devblob_start(struct szkm_devblob_writer *w, u8 flags)
{
	memcpy(w->blob, SZKM_DEVBLOB_MAGIC, 4);
	w->blob[4] = SZKM_DEVBLOB_FORMAT;
	w->blob[5] = flags;
	w->blob[6] = w->blob[7] = 0;
	w->pos = SZKM_DEVBLOB_HDR_LEN;
}

void szkm_devblob_put(struct szkm_devblob_writer *w, const u8 *data, size_t n)
{
	w->blob[w->pos] = n >> 8;
	w->blob[w->pos + 1] = n & 0xff;
	if (n)
		memcpy(w->blob + w->pos + 2, data, n);
	w->pos += 2 + n;
}

void szkm_devblob_put_ledger(struct szkm_devblob_writer *w,
			     const struct szkm_ledger_trust *t)
{
	size_t n = szkm_ledger_trust_encode(t, w->blob + w->pos + 2);

	w->blob[w->pos] = n >> 8;
	w->blob[w->pos + 1] = n & 0xff;
	w->pos += 2 + n;
}

void szkm_devblob_put_binding(struct szkm_devblob_writer *w,
			      const struct szkm_tpm2_binding *b)
{
	u8 *f = w->blob + w->pos + 2;
	size_t nboot;

	if (!b) {
		szkm_devblob_put(w, NULL, 0);
		return;
	}
	nboot = hweight32(b->boot_pcrs) * SZKM_TPM2_DIGEST;
	f[0] = b->lock_pcr;
	f[1] = b->boot_pcrs >> 24;
	f[2] = b->boot_pcrs >> 16;
	f[3] = b->boot_pcrs >> 8;
	f[4] = b->boot_pcrs;
	put_unaligned_be32(b->nv_index, f + 5);
	put_unaligned_be64(b->nv_value, f + 9);
	memcpy(f + 17, b->policy, SZKM_TPM2_DIGEST);
	memcpy(f + SZKM_DEVBLOB_BINDING_MIN, b->boot_values, nboot);
	/* the body is in place already: only its length goes in front */
	w->blob[w->pos] = (SZKM_DEVBLOB_BINDING_MIN + nboot) >> 8;
	w->blob[w->pos + 1] = (SZKM_DEVBLOB_BINDING_MIN + nboot) & 0xff;
	w->pos += 2 + SZKM_DEVBLOB_BINDING_MIN + nboot;
}
