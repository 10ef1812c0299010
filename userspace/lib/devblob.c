// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * devblob.c - reading a device blob's header and TPM binding in userspace
 * (include/szkm.h, "Device blob"), so szkmctl can say what a blob needs
 * (a PIN) and how it is bound before the kernel is asked. Only the fields
 * up to the binding are walked; the kernel checks the whole blob.
 */
#include "libszkm.h"
#include "szkm.h"

#include <errno.h>
#include <string.h>

#include <openssl/sha.h>

/* The next length-prefixed field: -EBADMSG when it runs past the end. */
static int field(const uint8_t *blob, size_t len, size_t *off,
		 const uint8_t **p, size_t *flen)
{
	if (len - *off < 2)
		return -EBADMSG;
	*flen = (size_t)blob[*off] << 8 | blob[*off + 1];
	*off += 2;
	if (len - *off < *flen)
		return -EBADMSG;
	*p = blob + *off;
	*off += *flen;
	return 0;
}

int szkm_devblob_info(const uint8_t *blob, size_t len, struct szkm_devblob_info *info)
{
	const uint8_t *p;
	size_t off = SZKM_DEVBLOB_HDR_LEN, flen;
	uint32_t pcrs;

	memset(info, 0, sizeof(*info));
	if (!blob || len < SZKM_DEVBLOB_HDR_LEN ||
	    memcmp(blob, SZKM_DEVBLOB_MAGIC, 4))
		return errno = EBADMSG, -EBADMSG;
	info->format = blob[4];
	info->flags = blob[5];
	if (info->format != SZKM_DEVBLOB_FORMAT)
		return errno = EPROTONOSUPPORT, -EPROTONOSUPPORT;
	/* parent name, device public key, TPM binding */
	if (field(blob, len, &off, &p, &flen) || flen > SZKM_TPM2_NAME_LEN ||
	    field(blob, len, &off, &p, &flen) || flen != 65)
		goto bad;
	SHA256(p, flen, info->device_id);
	if (field(blob, len, &off, &p, &flen))
		goto bad;
	if (!flen)
		return 0;	/* test mode: no TPM, no binding */
	if (flen < SZKM_DEVBLOB_BINDING_MIN || flen > SZKM_DEVBLOB_BINDING_MAX)
		goto bad;
	pcrs = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
	if (pcrs & ~(uint32_t)SZKM_BOOT_PCRS_ALLOWED ||
	    flen != SZKM_DEVBLOB_BINDING_MIN + 32 * (size_t)__builtin_popcount(pcrs))
		goto bad;
	info->has_binding = 1;
	info->lock_pcr = p[0];
	info->boot_pcrs = pcrs;
	for (int i = 0; i < 8; i++)
		info->counter = info->counter << 8 | p[9 + i];
	memcpy(info->policy, p + 17, sizeof(info->policy));
	return 0;
bad:
	memset(info, 0, sizeof(*info));
	return errno = EBADMSG, -EBADMSG;
}
