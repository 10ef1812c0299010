// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * admit.c - the rule that decides whether an event may be appended
 * (admit.h). Pure: it reads its arguments and nothing else.
 */
#include <errno.h>
#include <string.h>

#include "admit.h"

int ledger_event_decode(struct ledger_event *e, const uint8_t *body,
			size_t len, const uint8_t sig[SZKM_EVENT_SIG_LEN])
{
	const char *why = NULL;
	int ret;

	memset(e, 0, sizeof(*e));
	e->body = body;
	e->len = len;
	e->sig = sig;
	if (!body || !sig) {
		e->why = "malformed";
		return 0;
	}
	ret = szkm_event_decode(body, len, &e->ev, &why);
	if (ret == -EBADMSG) {
		e->why = why ? why : "malformed";
		return 0;
	}
	if (ret)
		e->why = "malformed";
	return ret;
}

static struct ledger_admission verdict(enum ledger_may may, const char *why)
{
	return (struct ledger_admission){ .may = may, .why = why };
}

struct ledger_admission ledger_may_append(const struct ledger_event *e,
					  const struct ledger_head *head,
					  bool sig_ok)
{
	const char *why = NULL;

	if (e->why)
		return verdict(LEDGER_MAY_NOT, e->why);
	if (!head)
		return verdict(LEDGER_MAY_NOT, "unenrolled-device");
	if (!sig_ok)
		return verdict(LEDGER_MAY_NOT, "bad-signature");
	if (e->ev.seq <= head->last_seq)
		return verdict(LEDGER_MAY_IF_DUPLICATE, "seq-replayed");
	if (szkm_event_check_chain(&e->ev, head->last_seq, head->last_hash, &why))
		return verdict(LEDGER_MAY_NOT, why ? why : "malformed");
	return verdict(LEDGER_MAY_APPEND, NULL);
}
