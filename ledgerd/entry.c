// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * entry.c - encoding and decoding ledger entries (format in entry.h).
 */
#include <errno.h>
#include <string.h>

#include "entry.h"

int ledger_entry_enrolment(const struct ledger_enrolment *e, uint8_t *buf,
			   size_t cap, size_t *len)
{
	size_t nlen, n;

	if (!e || !buf || !len)
		return -EINVAL;
	nlen = strnlen(e->name, sizeof(e->name));
	if (!szkm_name_valid(e->name, nlen) || e->pubkey[0] != 0x04)
		return -EINVAL;
	n = 1 + 8 + 1 + nlen + SZKM_P256_PUB_LEN;
	if (n > cap)
		return -ENOSPC;
	buf[0] = LEDGER_ENTRY_ENROL;
	for (int i = 0; i < 8; i++)
		buf[1 + i] = (uint8_t)(e->time_ns >> (56 - 8 * i));
	buf[9] = (uint8_t)nlen;
	memcpy(buf + 10, e->name, nlen);
	memcpy(buf + 10 + nlen, e->pubkey, SZKM_P256_PUB_LEN);
	*len = n;
	return 0;
}

int ledger_entry_event(const uint8_t *body, size_t body_len,
		       const uint8_t sig[SZKM_EVENT_SIG_LEN], uint8_t *buf,
		       size_t cap, size_t *len)
{
	size_t n = 1 + body_len + SZKM_EVENT_SIG_LEN;

	if (!body || !sig || !buf || !len || body_len > SZKM_EVENT_MAX_LEN)
		return -EINVAL;
	if (n > cap)
		return -ENOSPC;
	buf[0] = LEDGER_ENTRY_EVENT;
	memcpy(buf + 1, body, body_len);
	memcpy(buf + 1 + body_len, sig, SZKM_EVENT_SIG_LEN);
	*len = n;
	return 0;
}

static int bad(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EBADMSG;
}

int ledger_entry_decode(const uint8_t *data, size_t len,
			struct ledger_entry *e, const char **why)
{
	if (!data || !e)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	if (len < 1)
		return bad(why, "empty-entry");
	e->type = data[0];
	switch (e->type) {
	case LEDGER_ENTRY_ENROL: {
		size_t nlen;

		if (len < 10)
			return bad(why, "truncated");
		nlen = data[9];
		if (len != 10 + nlen + SZKM_P256_PUB_LEN)
			return bad(why, "bad-enrolment-length");
		if (!szkm_name_valid((const char *)data + 10, nlen))
			return bad(why, "bad-name");
		for (int i = 0; i < 8; i++)
			e->enrol.time_ns = e->enrol.time_ns << 8 | data[1 + i];
		memcpy(e->enrol.name, data + 10, nlen);
		memcpy(e->enrol.pubkey, data + 10 + nlen, SZKM_P256_PUB_LEN);
		if (e->enrol.pubkey[0] != 0x04)
			return bad(why, "bad-pubkey");
		return szkm_device_id(e->enrol.pubkey, e->enrol.device_id);
	}
	case LEDGER_ENTRY_EVENT:
		if (len < 1 + SZKM_EVENT_SIG_LEN)
			return bad(why, "truncated");
		e->body = data + 1;
		e->body_len = len - 1 - SZKM_EVENT_SIG_LEN;
		e->sig = data + len - SZKM_EVENT_SIG_LEN;
		return szkm_event_decode(e->body, e->body_len, &e->event, why);
	default:
		return bad(why, "unknown-entry-type");
	}
}
