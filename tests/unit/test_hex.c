// SPDX-License-Identifier: GPL-2.0-or-later
/* test_hex.c - libszkm's hex codec: round trip and every malformed input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "libszkm.h"

static void round_trip_all_bytes(void **state)
{
	uint8_t in[256], out[256];
	char hex[513];

	(void)state;
	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)i;
	szkm_hex_encode(hex, in, sizeof(in));
	assert_int_equal(strlen(hex), 512);
	assert_string_equal(hex + 508, "feff");
	assert_int_equal(szkm_hex_decode(out, sizeof(out), hex), 0);
	assert_memory_equal(in, out, sizeof(in));
}

static void upper_case_accepted(void **state)
{
	uint8_t out[2];

	(void)state;
	assert_int_equal(szkm_hex_decode(out, 2, "ABcd"), 0);
	assert_int_equal(out[0], 0xab);
	assert_int_equal(out[1], 0xcd);
}

static void malformed_refused_and_output_cleared(void **state)
{
	static const char *const bad[] = { "abc", "abcdef", "zz00", "0g00", "00 0", "0x00", "", ":;" };
	uint8_t out[2];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 0x55, sizeof(out));
		assert_int_equal(szkm_hex_decode(out, 2, bad[i]), -EINVAL);
		if (strlen(bad[i]) == 4) {
			assert_int_equal(out[0], 0);
			assert_int_equal(out[1], 0);
		}
	}
}

static void strerror_names_module_and_permission(void **state)
{
	(void)state;
	assert_non_null(strstr(szkm_strerror(-ENOENT), "not loaded"));
	assert_non_null(strstr(szkm_strerror(-EPERM), "CAP_SYS_ADMIN"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_all_bytes),
		cmocka_unit_test(upper_case_accepted),
		cmocka_unit_test(malformed_refused_and_output_cleared),
		cmocka_unit_test(strerror_names_module_and_permission),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
