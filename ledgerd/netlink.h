/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * netlink.h - ledgerd's side of the szkm generic netlink family.
 *
 * Events arrive as SZKM_CMD_EVENT on the "events" multicast group and as
 * the replies of an SZKM_CMD_EVENT_REPLAY dump; each is acknowledged with
 * SZKM_CMD_EVENT_ACK (seq, ledger index) once durably appended. The ABI
 * is include/szkm.h. Message parsing is split out (ledger_nl_parse_event)
 * so that tests check it on messages built in memory, without a kernel.
 */
#ifndef LEDGER_NETLINK_H
#define LEDGER_NETLINK_H

#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "szkm.h"

struct ledger_nl;

typedef void (*ledger_nl_event_cb)(void *ctx, uint64_t seq,
				   const uint8_t *body, size_t len,
				   const uint8_t *sig);

/*
 * Connects, resolves family "szkm" and joins "events". -ENOENT when the
 * family is not registered (module not loaded).
 */
int ledger_nl_open(struct ledger_nl **out, char *err, size_t errlen);
void ledger_nl_close(struct ledger_nl *nl);
/* The multicast socket, for poll(). */
int ledger_nl_fd(struct ledger_nl *nl);
/*
 * Reads every queued multicast message. -ENOBUFS when the kernel dropped
 * some (the socket overran): the caller asks for a replay.
 */
int ledger_nl_receive(struct ledger_nl *nl, ledger_nl_event_cb cb,
		      void *ctx);
/* The kernel's device id (SZKM_CMD_IDENTITY); -ENOKEY: no device. */
int ledger_nl_identity(struct ledger_nl *nl,
		       uint8_t id[SZKM_DEVICE_ID_LEN]);
/* Every journalled event after @after_seq, in order. */
int ledger_nl_replay(struct ledger_nl *nl, uint64_t after_seq,
		     ledger_nl_event_cb cb, void *ctx);
/* @dev (may be NULL) names the device the ack is for. */
int ledger_nl_ack(struct ledger_nl *nl, const uint8_t *dev, uint64_t seq,
		  uint64_t index);

/* STATUS: is the event chain positioned, the last seq made, the events
 * waiting for the ledger (valid: the kernel reported the chain). */
struct ledger_nl_status {
	int valid;
	int chain;
	uint64_t seq;
	uint32_t journal;
};
int ledger_nl_status(struct ledger_nl *nl, struct ledger_nl_status *st);
/* EVENT_RESUME after an unseal: the last event the ledger holds. */
int ledger_nl_resume(struct ledger_nl *nl, const uint8_t *dev, uint64_t seq,
		     const uint8_t hash[32]);

/*
 * Checks one SZKM_CMD_EVENT message: the command, SZKM_A_SEQ (u64),
 * SZKM_A_EVENT (1..SZKM_EVENT_MAX_LEN bytes) and SZKM_A_EVENT_SIG (64
 * bytes) all present and sized right. Pointers point into @nlh.
 * -EBADMSG with *why otherwise.
 */
int ledger_nl_parse_event(struct nlmsghdr *nlh, uint64_t *seq,
			  const uint8_t **body, size_t *len,
			  const uint8_t **sig, const char **why);

#endif /* LEDGER_NETLINK_H */
