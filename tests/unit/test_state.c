// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_state.c - the manifest of `szkmctl state save` (state.c): what
 * state_write writes, state_read reads back; every malformed manifest is
 * refused with its file and line, and nothing is kept of it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "state.h"

static char dir[] = "/tmp/szkm-test-state.XXXXXX";

static void write_manifest(const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, STATE_MANIFEST);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void written_then_read(void **state)
{
	struct state st = { 0 }, got;
	struct state_key keys[2] = {
		{ "00112233445566778899aabbccddeeff", "@u", "db" },
		{ "ffeeddccbbaa99887766554433221100", "123456", "signer.v2" },
	};
	char err[512];

	(void)state;
	memset(st.device_id, 0xab, sizeof(st.device_id));
	st.keys = keys;
	st.nkeys = 2;
	assert_int_equal(state_write(dir, &st), 0);
	if (state_read(dir, &got, err, sizeof(err)))
		fail_msg("%s", err);
	assert_memory_equal(got.device_id, st.device_id, sizeof(st.device_id));
	assert_int_equal(got.nkeys, 2);
	assert_memory_equal(got.keys, keys, sizeof(keys));
	state_free(&got);
	/* no keys at all is a state too */
	st.nkeys = 0;
	assert_int_equal(state_write(dir, &st), 0);
	assert_int_equal(state_read(dir, &got, err, sizeof(err)), 0);
	assert_int_equal(got.nkeys, 0);
	state_free(&got);
}

static void malformed_refused(void **state)
{
	static const char dev[] =
		"device 0000000000000000000000000000000000000000000000000000000000000000\n";
	static const struct {
		const char *text;
		const char *why;
	} cases[] = {
		{ "", "empty" },
		{ "szkm-state 2\n", "not an szkm state manifest" },
		{ "szkm-state 1\n", "no \"device\" line" },
		{ "szkm-state 1\ndevice 00\n", ":2: expected one \"device" },
		{ "szkm-state 1\n%sdevice 00\n", ":3: expected one \"device" },
		{ "szkm-state 1\n%skey 00112233445566778899aabbccddeeff @u\n", ":3: expected \"key" },
		{ "szkm-state 1\n%skey 00112233445566778899AABBCCDDEEFF @u db\n", ":3: expected \"key" },
		{ "szkm-state 1\n%skey 00112233445566778899aabbccddeeff @q db\n", ":3: expected \"key" },
		{ "szkm-state 1\n%skey 00112233445566778899aabbccddeeff @u a:b\n", ":3: expected \"key" },
		{ "szkm-state 1\n%skey 00112233445566778899aabbccddeeff @u db x\n", ":3: expected \"key" },
		{ "szkm-state 1\n%snew db\n", ":3: unknown line" },
	};
	char text[512], err[512];
	struct state got;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), cases[i].text, dev);
		write_manifest(text);
		if (state_read(dir, &got, err, sizeof(err)) == 0)
			fail_msg("case %zu was read", i);
		if (!strstr(err, cases[i].why) || !strstr(err, dir))
			fail_msg("case %zu: '%s' does not say '%s'", i, err, cases[i].why);
		assert_null(got.keys);
	}
	/* comments and blank lines are passed over */
	snprintf(text, sizeof(text), "szkm-state 1\n# a note\n\n%s", dev);
	write_manifest(text);
	assert_int_equal(state_read(dir, &got, err, sizeof(err)), 0);
	state_free(&got);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(written_then_read),
		cmocka_unit_test(malformed_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
