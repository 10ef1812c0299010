// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_devblob.c - libszkm's reading of a device blob's header and TPM
 * binding (include/szkm.h, "Device blob"): TPM and test-mode blobs, the
 * PIN flag, the device id, and every field that runs short, long or past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/sha.h>

#include "libszkm.h"
#include "szkm.h"

struct blob {
	uint8_t b[SZKM_DEVBLOB_MAX];
	size_t len;
};

static void put(struct blob *bl, const void *p, size_t n)
{
	memcpy(bl->b + bl->len, p, n);
	bl->len += n;
}

static void field(struct blob *bl, size_t n, uint8_t fill)
{
	uint8_t len[2] = { (uint8_t)(n >> 8), (uint8_t)n };

	put(bl, len, 2);
	memset(bl->b + bl->len, fill, n);
	bl->len += n;
}

/* A blob of the current format: @binding_len -1 for the right size for @pcrs. */
static void make(struct blob *bl, uint8_t flags, int tpm, uint32_t pcrs, int binding_len)
{
	uint8_t hdr[8] = { 'S', 'Z', 'K', 'D', SZKM_DEVBLOB_FORMAT, flags, 0, 0 };
	size_t blen = tpm ? SZKM_DEVBLOB_BINDING_MIN + 32 * (size_t)__builtin_popcount(pcrs) : 0;

	if (binding_len >= 0)
		blen = (size_t)binding_len;
	bl->len = 0;
	put(bl, hdr, sizeof(hdr));
	field(bl, tpm ? SZKM_TPM2_NAME_LEN : 0, 0x11);
	field(bl, 65, 0x04);
	field(bl, blen, 0xcc);
	if (blen >= 5) {
		uint8_t *p = bl->b + bl->len - blen;

		p[0] = 13;
		p[1] = (uint8_t)(pcrs >> 24);
		p[2] = (uint8_t)(pcrs >> 16);
		p[3] = (uint8_t)(pcrs >> 8);
		p[4] = (uint8_t)pcrs;
	}
	if (blen >= 17) {
		uint8_t *p = bl->b + bl->len - blen;
		const uint8_t counter[12] = { 0x01, 0x3a, 0x5a, 0x4d, 0, 0, 0, 1, 0, 0, 0, 7 };

		memcpy(p + 5, counter, sizeof(counter));	/* index, value */
	}
	field(bl, 100, 0x21);	/* sealed R */
	field(bl, 100, 0x22);	/* sealed E */
	field(bl, SZKM_DEVBLOB_WRAPPED_D_LEN, 0x33);
}

static void tpm_blob_binding_read(void **state)
{
	struct szkm_devblob_info info;
	struct blob bl;
	uint8_t policy[32], pub[65], id[32];

	(void)state;
	make(&bl, SZKM_DEVBLOB_PIN, 1, 1u << 0 | 1u << 2 | 1u << 7, -1);
	assert_int_equal(szkm_devblob_info(bl.b, bl.len, &info), 0);
	assert_int_equal(info.format, SZKM_DEVBLOB_FORMAT);
	assert_int_equal(info.flags, SZKM_DEVBLOB_PIN);
	assert_true(info.has_binding);
	assert_int_equal(info.lock_pcr, 13);
	assert_int_equal(info.boot_pcrs, 0x85);
	assert_true(info.counter == 0x100000007ull);
	memset(policy, 0xcc, sizeof(policy));
	assert_memory_equal(info.policy, policy, sizeof(policy));
	/* the device id: SHA-256 of the public key, 65 bytes of 0x04 here */
	memset(pub, 0x04, sizeof(pub));
	SHA256(pub, sizeof(pub), id);
	assert_memory_equal(info.device_id, id, sizeof(id));

	make(&bl, 0, 1, 0, -1);
	assert_int_equal(szkm_devblob_info(bl.b, bl.len, &info), 0);
	assert_true(info.has_binding);
	assert_int_equal(info.boot_pcrs, 0);
	assert_int_equal(info.flags & SZKM_DEVBLOB_PIN, 0);
}

static void test_mode_blob_has_no_binding(void **state)
{
	struct szkm_devblob_info info;
	struct blob bl;

	(void)state;
	make(&bl, SZKM_DEVBLOB_TEST, 0, 0, -1);
	assert_int_equal(szkm_devblob_info(bl.b, bl.len, &info), 0);
	assert_false(info.has_binding);
	assert_int_equal(info.flags, SZKM_DEVBLOB_TEST);
}

static void other_formats_and_junk_refused(void **state)
{
	struct szkm_devblob_info info;
	struct blob bl;

	(void)state;
	make(&bl, SZKM_DEVBLOB_PIN, 1, 0, -1);
	bl.b[4] = 1;
	assert_int_equal(szkm_devblob_info(bl.b, bl.len, &info), -EPROTONOSUPPORT);
	assert_int_equal(info.format, 1);
	assert_int_equal(info.flags, SZKM_DEVBLOB_PIN);

	/* format 3: the binding had no rollback counter */
	bl.b[4] = 3;
	assert_int_equal(szkm_devblob_info(bl.b, bl.len, &info), -EPROTONOSUPPORT);
	assert_int_equal(info.format, 3);

	bl.b[4] = SZKM_DEVBLOB_FORMAT;
	bl.b[0] = 'X';
	assert_int_equal(szkm_devblob_info(bl.b, bl.len, &info), -EBADMSG);
	assert_int_equal(szkm_devblob_info(NULL, 0, &info), -EBADMSG);
	assert_int_equal(szkm_devblob_info((const uint8_t *)"SZKD", 4, &info), -EBADMSG);
}

static void malformed_binding_refused(void **state)
{
	struct szkm_devblob_info info;
	struct blob bl;
	size_t binding_end;

	(void)state;
	/* one boot PCR, but no value for it; and a value too many */
	make(&bl, 0, 1, 1u << 7, SZKM_DEVBLOB_BINDING_MIN);
	assert_int_equal(szkm_devblob_info(bl.b, bl.len, &info), -EBADMSG);
	assert_false(info.has_binding);
	make(&bl, 0, 1, 1u << 7, SZKM_DEVBLOB_BINDING_MIN + 64);
	assert_int_equal(szkm_devblob_info(bl.b, bl.len, &info), -EBADMSG);
	/* shorter than its fixed part; a PCR above 15 */
	make(&bl, 0, 1, 0, SZKM_DEVBLOB_BINDING_MIN - 1);
	assert_int_equal(szkm_devblob_info(bl.b, bl.len, &info), -EBADMSG);
	make(&bl, 0, 1, 1u << 16, SZKM_DEVBLOB_BINDING_MIN + 32);
	assert_int_equal(szkm_devblob_info(bl.b, bl.len, &info), -EBADMSG);
	/* a parent name too long; a public key of the wrong size */
	make(&bl, 0, 1, 0, -1);
	bl.b[9] = SZKM_TPM2_NAME_LEN + 1;
	assert_int_equal(szkm_devblob_info(bl.b, bl.len, &info), -EBADMSG);
	make(&bl, 0, 1, 0, -1);
	bl.b[8 + 2 + SZKM_TPM2_NAME_LEN + 1] = 64;
	assert_int_equal(szkm_devblob_info(bl.b, bl.len, &info), -EBADMSG);
	/* cut anywhere up to the end of the binding */
	make(&bl, 0, 1, 1u << 7, -1);
	binding_end = 8 + 2 + SZKM_TPM2_NAME_LEN + 2 + 65 + 2 + SZKM_DEVBLOB_BINDING_MIN + 32;
	for (size_t n = 0; n < binding_end; n++)
		if (szkm_devblob_info(bl.b, n, &info) != -EBADMSG)
			fail_msg("a blob cut at %zu bytes was read", n);
	assert_int_equal(szkm_devblob_info(bl.b, binding_end, &info), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tpm_blob_binding_read),
		cmocka_unit_test(test_mode_blob_has_no_binding),
		cmocka_unit_test(other_formats_and_junk_refused),
		cmocka_unit_test(malformed_binding_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
