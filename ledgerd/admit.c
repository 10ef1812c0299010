// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * admit.c - the rule that decides whether an event may be appended
 * (admit.h). Pure: it reads its arguments and nothing else.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

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
	if (!ret)
		ret = szkm_event_link(&e->ev, sig, e->link);
	if (ret == -EBADMSG) {		/* a format-4 twin: it has no link */
		e->why = "high-s-signature";
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

static bool same_set(const struct ledger_members *a,
		     const struct ledger_members *b)
{
	if (a->k != b->k || a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->m[i].name, b->m[i].name) ||
		    memcmp(a->m[i].pub, b->m[i].pub, SZKM_P256_PUB_LEN))
			return false;
	return true;
}

/*
 * Do @n approvals @a over ledger_members_digest(@origin, @content) come
 * from keys of @set, all verify, and number at least its k?
 */
static const char *approved(const struct ledger_members *set,
			    const struct ledger_approval *a, int n,
			    const uint8_t *content, size_t len, const char *origin)
{
	uint8_t digest[32];
	unsigned int good = 0;

	if (ledger_members_digest(origin, content, len, digest))
		return "member-bad-approval";
	for (int i = 0; i < n; i++) {
		int who = ledger_members_find(set, a[i].pub);
		EVP_PKEY *pk;
		int ret;

		if (who < 0)
			return "member-approval-not-a-member";
		pk = szkm_ec_pubkey(set->m[who].pub);
		ret = pk ? szkm_ec_verify_digest(pk, digest, a[i].sig) : -EBADMSG;
		EVP_PKEY_free(pk);
		if (ret)
			return "member-bad-approval";
		good++;	/* approvers are distinct: entry.c checks */
	}
	return good < set->k ? "member-too-few-approvals" : NULL;
}

const char *ledger_may_change_members(const struct ledger_members *cur,
				      const uint8_t cur_hash[32],
				      const struct ledger_members *genesis,
				      const struct ledger_members *m,
				      const uint8_t *data, const char *origin)
{
	static const uint8_t zero[32];
	const struct ledger_members *set = cur ? cur : m;

	if (!cur) {
		if (m->epoch != 1 || memcmp(m->prev, zero, 32) || !genesis)
			return "member-not-genesis";
		if (!same_set(m, genesis))
			return "member-genesis-differs";
	} else {
		if (cur->epoch == UINT64_MAX || m->epoch != cur->epoch + 1)
			return "member-epoch-not-next";
		if (memcmp(m->prev, cur_hash, 32))
			return "member-prev-mismatch";
	}
	return approved(set, m->a, m->napprovals, data, m->content_len, origin);
}

const char *ledger_may_enrol(const struct ledger_members *cur,
			     const uint8_t cur_hash[32],
			     const struct ledger_entry *e, const uint8_t *data,
			     const char *origin)
{
	const struct ledger_enrolment *en = &e->enrol;

	if (e->type == LEDGER_ENTRY_ENROL)
		return cur ? "enrolment-needs-approvals" : NULL;
	if (e->type != LEDGER_ENTRY_ENROL_APPROVED)
		return "not-an-enrolment";
	if (!cur)
		return "enrolment-before-genesis";
	if (memcmp(en->members, cur_hash, 32))
		return "enrolment-stale-membership";
	return approved(cur, en->a, en->napprovals, data, en->content_len,
			origin);
}
