// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_event_msg.c - libszkm's check of an event's netlink message: every
 * attribute present and sized right, or a reason. Messages are built in
 * memory, as the kernel would send them (and as it must not).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "libszkm.h"
#include "szkm.h"

static struct nl_msg *nl_event(int cmd, int with_seq, size_t body_len,
			       size_t sig_len)
{
	struct nl_msg *m = nlmsg_alloc();
	uint8_t body[SZKM_EVENT_MAX_LEN + 8] = { 1 }, sig[80] = { 2 };

	genlmsg_put(m, 0, 0, 0x20, 0, 0, (uint8_t)cmd, SZKM_GENL_VERSION);
	if (with_seq)
		nla_put_u64(m, SZKM_A_SEQ, 7);
	if (body_len)
		nla_put(m, SZKM_A_EVENT, (int)body_len, body);
	if (sig_len)
		nla_put(m, SZKM_A_EVENT_SIG, (int)sig_len, sig);
	return m;
}

static void netlink_event_messages_are_checked(void **state)
{
	static const struct {
		int cmd, seq;
		size_t body, sig;
		int ok;
	} cases[] = {
		{ SZKM_CMD_EVENT, 1, 200, 64, 1 },
		{ SZKM_CMD_EVENT_ACK, 1, 200, 64, 0 },
		{ SZKM_CMD_EVENT, 0, 200, 64, 0 },
		{ SZKM_CMD_EVENT, 1, 0, 64, 0 },
		{ SZKM_CMD_EVENT, 1, 200, 0, 0 },
		{ SZKM_CMD_EVENT, 1, 200, 63, 0 },
		{ SZKM_CMD_EVENT, 1, SZKM_EVENT_MAX_LEN + 1, 64, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nl_msg *m = nl_event(cases[i].cmd, cases[i].seq,
					    cases[i].body, cases[i].sig);
		const uint8_t *body, *sig;
		const char *why = NULL;
		uint64_t seq = 0;
		size_t len = 0;
		int ret = szkm_event_msg_parse(nlmsg_hdr(m), &seq, &body,
					       &len, &sig, &why);

		if ((ret == 0) != cases[i].ok)
			fail_msg("case %zu: %d (%s)", i, ret, why ? why : "");
		if (ret == 0) {
			assert_int_equal(seq, 7);
			assert_int_equal(len, cases[i].body);
			assert_int_equal(body[0], 1);
			assert_int_equal(sig[0], 2);
		}
		nlmsg_free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(netlink_event_messages_are_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
