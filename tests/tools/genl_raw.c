// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * genl_raw.c - sends one szkm generic netlink request built by hand, so
 * guest tests can try what szkmctl never sends: a missing, short or
 * foreign attribute.
 *   genl_raw ack|resume|prove [seq|index|device|hash|checkpoint|consistency:HEX]...
 *   genl_raw subscribe          joins the "events" multicast group
 * Each attribute's payload is given in hex, as the bytes go on the wire
 * (u64 values in host order). Prints "accepted", or the kernel's error and
 * reason and exits 1.
 */
#include "libszkm.h"
#include "szkm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>

static const struct {
	const char *name;
	uint16_t type;
} attrs[] = {
	{ "seq", SZKM_A_SEQ },
	{ "index", SZKM_A_LEDGER_INDEX },
	{ "device", SZKM_A_DEVICE_ID },
	{ "hash", SZKM_A_EVENT_HASH },
	{ "checkpoint", SZKM_A_CHECKPOINT },
	{ "consistency", SZKM_A_CONSISTENCY },
};

static int usage(void)
{
	fprintf(stderr, "usage: genl_raw ack|resume|prove [seq|index|device|hash|checkpoint|consistency:HEX]...\n");
	return 2;
}

/* Appends "name:hex" as one attribute at @buf + *off; -1 when it is bad. */
static int put_attr(const char *arg, uint8_t *buf, size_t cap, size_t *off)
{
	const char *hex = strchr(arg, ':');
	struct nlattr *a = (struct nlattr *)(buf + *off);
	size_t n, i;

	if (!hex)
		return -1;
	n = strlen(hex + 1) / 2;
	if (*off + NLA_ALIGN(NLA_HDRLEN + n) > cap)
		return -1;
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (!strncmp(arg, attrs[i].name, (size_t)(hex - arg)) &&
		    strlen(attrs[i].name) == (size_t)(hex - arg))
			break;
	if (i == sizeof(attrs) / sizeof(attrs[0]) ||
	    szkm_hex_decode(buf + *off + NLA_HDRLEN, n, hex + 1))
		return -1;
	a->nla_type = attrs[i].type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	*off += NLA_ALIGN(a->nla_len);
	return 0;
}

int main(int argc, char *argv[])
{
	uint8_t buf[512] = { 0 };
	size_t off = 0;
	uint8_t cmd;
	int ret;

	if (argc < 2)
		return usage();
	if (argc == 2 && !strcmp(argv[1], "subscribe")) {
		struct szkm_event_sub *s = szkm_event_subscribe(1);

		if (!s) {
			printf("refused: %s\n", szkm_strerror(-errno));
			return 1;
		}
		szkm_event_unsubscribe(s);
		printf("accepted\n");
		return 0;
	}
	if (!strcmp(argv[1], "ack"))
		cmd = SZKM_CMD_EVENT_ACK;
	else if (!strcmp(argv[1], "resume"))
		cmd = SZKM_CMD_EVENT_RESUME;
	else if (!strcmp(argv[1], "prove"))
		cmd = SZKM_CMD_EVENT_PROVE;
	else
		return usage();
	for (int i = 2; i < argc; i++)
		if (put_attr(argv[i], buf, sizeof(buf), &off))
			return usage();
	ret = szkm_genl_send_raw(cmd, buf, off);
	if (ret) {
		printf("refused: %s: %s\n", szkm_strerror(ret), szkm_last_message());
		return 1;
	}
	printf("accepted\n");
	return 0;
}
