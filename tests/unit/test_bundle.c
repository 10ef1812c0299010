// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_bundle.c - libszkm's reading of an export bundle's clear header
 * (include/szkm.h, "Export bundle"): the fields at the offsets the header
 * defines, big-endian; and every bundle that is none (no magic, another
 * format, shorter or longer than any bundle) refused with nothing filled in.
 * Only the kernel opens a bundle; this is the hint szkmctl reads first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "libszkm.h"
#include "szkm.h"

static uint8_t bundle[SZKM_BUNDLE_MAX + 1];

/* A bundle of @len bytes: the header, then filler standing for iv, body, tag. */
static size_t make(size_t len)
{
	static const uint8_t hdr[SZKM_BUNDLE_HDR_LEN] = {
		'S', 'Z', 'K', 'X', SZKM_BUNDLE_FORMAT, SZKM_ALG_ECDSA_P256, 0, 0,
		/* device id */
		0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
		0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
		/* key id */
		0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
		0x00, 0x00, 0x01, 0x02,				/* version 258 */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,	/* mark */
	};

	memset(bundle, 0x5a, sizeof(bundle));
	memcpy(bundle, hdr, sizeof(hdr));
	return len;
}

static void header_fields_read(void **state)
{
	struct szkm_bundle_info bi;
	uint8_t want[16];

	(void)state;
	assert_int_equal(szkm_bundle_info(bundle, make(SZKM_BUNDLE_MIN + 80), &bi), 0);
	assert_int_equal(bi.format, SZKM_BUNDLE_FORMAT);
	assert_int_equal(bi.alg, SZKM_ALG_ECDSA_P256);
	assert_int_equal(bi.device_id[0], 0xd0);
	assert_int_equal(bi.device_id[31], 0xef);
	for (int i = 0; i < 16; i++)
		want[i] = (uint8_t)(0x10 + i);
	assert_memory_equal(bi.key_id, want, sizeof(want));
	assert_int_equal(bi.version, 258);
	assert_true(bi.mark == 0x0102030405060708ull);
}

static void shortest_and_longest_read(void **state)
{
	struct szkm_bundle_info bi;

	(void)state;
	assert_int_equal(szkm_bundle_info(bundle, make(SZKM_BUNDLE_MIN), &bi), 0);
	assert_int_equal(szkm_bundle_info(bundle, make(SZKM_BUNDLE_MAX), &bi), 0);
	assert_int_equal(bi.version, 258);
}

/* Each case: a change to a good bundle, the length, and the errno. */
static const struct refused {
	const char *name;
	size_t len;
	size_t off;		/* byte to set (SIZE_MAX: none) */
	uint8_t val;
	int err;
	uint8_t format;		/* what info.format says after */
} refused[] = {
	{ "empty", 0, SIZE_MAX, 0, -EBADMSG, 0 },
	{ "shorter than the header", SZKM_BUNDLE_HDR_LEN - 1, SIZE_MAX, 0, -EBADMSG, 0 },
	{ "header only (truncated)", SZKM_BUNDLE_HDR_LEN, SIZE_MAX, 0, -EBADMSG, 0 },
	{ "one byte short of any bundle", SZKM_BUNDLE_MIN - 1, SIZE_MAX, 0, -EBADMSG, 0 },
	{ "one byte past any bundle", SZKM_BUNDLE_MAX + 1, SIZE_MAX, 0, -EBADMSG, 0 },
	{ "wrong magic", SZKM_BUNDLE_MIN + 10, 0, 0, -EBADMSG, 0 },
	{ "a key blob's magic", SZKM_BUNDLE_MIN + 10, 3, 'B', -EBADMSG, 0 },
	{ "format 2", SZKM_BUNDLE_MIN + 10, SZKM_BUNDLE_OFF_FORMAT, 2, -EPROTONOSUPPORT, 2 },
	{ "format 0", SZKM_BUNDLE_MIN + 10, SZKM_BUNDLE_OFF_FORMAT, 0, -EPROTONOSUPPORT, 0 },
};

static void not_bundles_refused(void **state)
{
	struct szkm_bundle_info bi;
	static const uint8_t zero[16];

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const struct refused *r = &refused[i];
		size_t len = make(r->len);

		if (r->off != SIZE_MAX)
			bundle[r->off] = r->val;
		memset(&bi, 0xff, sizeof(bi));
		if (szkm_bundle_info(bundle, len, &bi) != r->err || bi.format != r->format ||
		    memcmp(bi.key_id, zero, sizeof(zero)))
			fail_msg("%s: not refused as it should be", r->name);
	}
	assert_int_equal(szkm_bundle_info(NULL, 100, &bi), -EBADMSG);
	assert_int_equal(szkm_bundle_info(bundle, 100, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_fields_read),
		cmocka_unit_test(shortest_and_longest_read),
		cmocka_unit_test(not_bundles_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
