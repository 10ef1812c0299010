// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fuzz_bundle.c - an export bundle's clear header as szkmctl reads it
 * from a file root may have edited (szkm_bundle_info). Only the header is
 * read outside the kernel; the kernel authenticates the whole bundle with
 * AES-GCM before it parses the body (kmod/bundle.c), so the body's parser
 * sees only bytes the kernel itself sealed. A header that is accepted
 * reports exactly the fields at the offsets include/szkm.h gives.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "libszkm.h"
#include "szkm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct szkm_bundle_info info;

	if (szkm_bundle_info(data, size, &info))
		return 0;
	FUZZ_ASSERT(size >= SZKM_BUNDLE_MIN && size <= SZKM_BUNDLE_MAX);
	FUZZ_ASSERT(!memcmp(data, SZKM_BUNDLE_MAGIC, 4));
	FUZZ_ASSERT(info.format == data[SZKM_BUNDLE_OFF_FORMAT]);
	FUZZ_ASSERT(info.alg == data[SZKM_BUNDLE_OFF_ALG]);
	FUZZ_ASSERT(!memcmp(info.device_id, data + SZKM_BUNDLE_OFF_DEVICE_ID, 32));
	FUZZ_ASSERT(!memcmp(info.key_id, data + SZKM_BUNDLE_OFF_KEY_ID, 16));
	FUZZ_ASSERT(info.mark >> 56 == data[SZKM_BUNDLE_OFF_MARK]);
	return 0;
}
