// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_keys.c - what libszkm checks before it asks the kernel for a key
 * (keys.c), each as kmod/payload.c and kmod/keytype.c decide it: policy
 * words at and past their limits, key names, keyring names, and a key
 * blob's header read from its hex (format, ids, length).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <keyutils.h>

#include "libszkm.h"
#include "szkm.h"

static void policy_words_as_the_kernel_takes_them(void **state)
{
	static const struct {
		const char *word;
		int want;	/* enum szkm_policy_opt, or -EINVAL */
	} cases[] = {
		{ "rotate=1s", SZKM_POLICY_ROTATE },
		{ "rotate=3650d", SZKM_POLICY_ROTATE },
		{ "rotate=87600h", SZKM_POLICY_ROTATE },
		{ "rotate=315360000s", SZKM_POLICY_ROTATE },
		{ "rotate=90m", SZKM_POLICY_ROTATE },
		{ "max_uses=1", SZKM_POLICY_MAX_USES },
		{ "max_uses=4294967296", SZKM_POLICY_MAX_USES },
		{ "min_version=0", SZKM_POLICY_MIN_VERSION },
		{ "min_version=4294967295", SZKM_POLICY_MIN_VERSION },
		{ "ledger=required", SZKM_POLICY_LEDGER },
		{ "ledger=async", SZKM_POLICY_LEDGER },
		{ "rotate=", -EINVAL },
		{ "rotate=0s", -EINVAL },
		{ "rotate=3651d", -EINVAL },
		{ "rotate=87601h", -EINVAL },
		{ "rotate=315360001s", -EINVAL },
		{ "rotate=10y", -EINVAL },
		{ "rotate=30", -EINVAL },
		{ "rotate=-1s", -EINVAL },
		{ "rotate=s", -EINVAL },
		{ "rotate=99999999999999999999999d", -EINVAL },
		{ "max_uses=0", -EINVAL },
		{ "max_uses=4294967297", -EINVAL },
		{ "max_uses=x", -EINVAL },
		{ "max_uses=", -EINVAL },
		{ "min_version=4294967296", -EINVAL },
		{ "min_version=-1", -EINVAL },
		{ "ledger=maybe", -EINVAL },
		{ "ledger=", -EINVAL },
		{ "bogus=1", -EINVAL },
		{ "rotate", -EINVAL },
		{ "", -EINVAL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		int got = szkm_policy_word(cases[i].word, &why);

		if (got != cases[i].want)
			fail_msg("'%s': %d, want %d", cases[i].word, got, cases[i].want);
		if (got < 0 && (!why || !*why))
			fail_msg("'%s': refused without a reason", cases[i].word);
	}
}

static void key_names(void **state)
{
	char longest[SZKM_NAME_MAX + 2];

	(void)state;
	memset(longest, 'a', sizeof(longest));
	longest[SZKM_NAME_MAX] = 0;
	assert_int_equal(szkm_key_name_check(longest), 0);
	assert_int_equal(szkm_key_name_check("db.v2_A-9"), 0);
	assert_int_equal(szkm_key_name_check("a"), 0);
	longest[SZKM_NAME_MAX] = 'a';
	longest[SZKM_NAME_MAX + 1] = 0;
	assert_int_equal(szkm_key_name_check(longest), -EINVAL);
	assert_int_equal(szkm_key_name_check(""), -EINVAL);
	assert_int_equal(szkm_key_name_check("a:b"), -EINVAL);
	assert_int_equal(szkm_key_name_check("a b"), -EINVAL);
	assert_int_equal(szkm_key_name_check("a/b"), -EINVAL);
	assert_int_equal(szkm_key_name_check("caf\xc3\xa9"), -EINVAL);
}

static void keyring_names(void **state)
{
	static const struct {
		const char *spec;
		int ret;
		int32_t id;
	} cases[] = {
		{ "@u", 0, KEY_SPEC_USER_KEYRING },
		{ "@us", 0, KEY_SPEC_USER_SESSION_KEYRING },
		{ "@s", 0, KEY_SPEC_SESSION_KEYRING },
		{ "@p", 0, KEY_SPEC_PROCESS_KEYRING },
		{ "@t", 0, KEY_SPEC_THREAD_KEYRING },
		{ "123", 0, 123 },
		{ "0x10", 0, 16 },
		{ "2147483647", 0, INT32_MAX },
		{ "2147483648", -EINVAL, 0 },
		{ "0", -EINVAL, 0 },
		{ "-4", -EINVAL, 0 },
		{ "@q", -EINVAL, 0 },
		{ "@", -EINVAL, 0 },
		{ "12a", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int32_t id = 0;
		int ret = szkm_keyring_parse(cases[i].spec, &id);

		if (ret != cases[i].ret || (!ret && id != cases[i].id))
			fail_msg("'%s': %d (%d), want %d (%d)", cases[i].spec, ret, id, cases[i].ret,
				 cases[i].id);
	}
}

/* The hex of a blob: header, body length, @body bytes. */
static void blob_hex(char *out, uint8_t format, uint32_t body_len, size_t body)
{
	uint8_t b[SZKM_BLOB_HDR_LEN + 4 + 64] = { 'S', 'Z', 'K', 'B', format, SZKM_ALG_ECDH_P256 };

	memset(b + 8, 0x11, SZKM_KEY_ID_LEN);
	memset(b + 8 + SZKM_KEY_ID_LEN, 0x22, SZKM_DEVICE_ID_LEN);
	b[60] = (uint8_t)(body_len >> 24);
	b[61] = (uint8_t)(body_len >> 16);
	b[62] = (uint8_t)(body_len >> 8);
	b[63] = (uint8_t)body_len;
	memset(b + 64, 0x33, body);
	szkm_hex_encode(out, b, SZKM_BLOB_HDR_LEN + 4 + body);
}

static void key_blob_header(void **state)
{
	struct szkm_keyblob_info info;
	uint8_t kid[SZKM_KEY_ID_LEN], dev[SZKM_DEVICE_ID_LEN];
	char hex[2 * (SZKM_BLOB_HDR_LEN + 4 + 64) + 1];
	size_t len;

	(void)state;
	memset(kid, 0x11, sizeof(kid));
	memset(dev, 0x22, sizeof(dev));
	blob_hex(hex, SZKM_BLOB_FORMAT, 64, 64);
	len = strlen(hex);
	assert_int_equal(szkm_keyblob_info(hex, len, &info), 0);
	assert_int_equal(info.format, SZKM_BLOB_FORMAT);
	assert_int_equal(info.alg, SZKM_ALG_ECDH_P256);
	assert_memory_equal(info.key_id, kid, sizeof(kid));
	assert_memory_equal(info.device_id, dev, sizeof(dev));
	/* cut short, one digit off, a body length that disagrees */
	assert_int_equal(szkm_keyblob_info(hex, len - 2, &info), -EBADMSG);
	assert_int_equal(szkm_keyblob_info(hex, len - 1, &info), -EBADMSG);
	assert_int_equal(szkm_keyblob_info(hex, 100, &info), -EBADMSG);
	blob_hex(hex, SZKM_BLOB_FORMAT, 65, 64);
	assert_int_equal(szkm_keyblob_info(hex, strlen(hex), &info), -EBADMSG);
	/* format 1 predates rollback protection: said, with its fields */
	blob_hex(hex, 1, 64, 64);
	assert_int_equal(szkm_keyblob_info(hex, strlen(hex), &info), -EPROTONOSUPPORT);
	assert_int_equal(info.format, 1);
	assert_memory_equal(info.key_id, kid, sizeof(kid));
	/* no magic; not hex */
	blob_hex(hex, SZKM_BLOB_FORMAT, 64, 64);
	hex[0] = '6';
	assert_int_equal(szkm_keyblob_info(hex, strlen(hex), &info), -EBADMSG);
	blob_hex(hex, SZKM_BLOB_FORMAT, 64, 64);
	hex[20] = 'x';
	assert_int_equal(szkm_keyblob_info(hex, strlen(hex), &info), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(policy_words_as_the_kernel_takes_them),
		cmocka_unit_test(key_names),
		cmocka_unit_test(keyring_names),
		cmocka_unit_test(key_blob_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
