// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bundle.c - an export bundle's clear header read in userspace
 * (include/szkm.h, "Export bundle"), so szkmctl can find the key a bundle
 * names and say whose device made it before the kernel is asked. Nothing
 * here is checked cryptographically: only the kernel holds the key that
 * opens a bundle (genl.c asks it, verify.c checks the result against the
 * ledger).
 */
#include "libszkm.h"
#include "szkm.h"

#include <errno.h>
#include <string.h>

static uint64_t be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

int szkm_bundle_info(const uint8_t *b, size_t len, struct szkm_bundle_info *info)
{
	if (!info)
		return errno = EINVAL, -EINVAL;
	memset(info, 0, sizeof(*info));
	if (!b || len < SZKM_BUNDLE_HDR_LEN || memcmp(b, SZKM_BUNDLE_MAGIC, 4))
		return errno = EBADMSG, -EBADMSG;
	info->format = b[SZKM_BUNDLE_OFF_FORMAT];
	if (info->format != SZKM_BUNDLE_FORMAT)
		return errno = EPROTONOSUPPORT, -EPROTONOSUPPORT;
	if (len < SZKM_BUNDLE_MIN || len > SZKM_BUNDLE_MAX) {
		memset(info, 0, sizeof(*info));
		return errno = EBADMSG, -EBADMSG;
	}
	info->alg = b[SZKM_BUNDLE_OFF_ALG];
	memcpy(info->device_id, b + SZKM_BUNDLE_OFF_DEVICE_ID, sizeof(info->device_id));
	memcpy(info->key_id, b + SZKM_BUNDLE_OFF_KEY_ID, sizeof(info->key_id));
	info->version = (uint32_t)be(b + SZKM_BUNDLE_OFF_VERSION, 4);
	info->mark = be(b + SZKM_BUNDLE_OFF_MARK, 8);
	return 0;
}
