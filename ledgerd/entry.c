// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * entry.c - encoding and decoding ledger entries (format in entry.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

#include "be.h"
#include "entry.h"


static size_t put_approvals(uint8_t *p, uint8_t n,
			    const struct ledger_approval *a)
{
	size_t off = 0;

	p[off++] = n;
	for (int i = 0; i < n; i++) {
		memcpy(p + off, a[i].pub, SZKM_P256_PUB_LEN);
		off += SZKM_P256_PUB_LEN;
		memcpy(p + off, a[i].sig, SZKM_EVENT_SIG_LEN);
		off += SZKM_EVENT_SIG_LEN;
	}
	return off;
}

static bool approvals_distinct(uint8_t n, const struct ledger_approval *a)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			if (!memcmp(a[i].pub, a[j].pub, SZKM_P256_PUB_LEN))
				return false;
	return true;
}

/* A note key name as a member name: printable ASCII, no space, no '+'. */
static bool member_name_ok(const char *s, size_t n)
{
	if (n < 1 || n > LEDGER_MEMBER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '+')
			return false;
	return true;
}

int ledger_members_find(const struct ledger_members *m,
			const uint8_t pub[SZKM_P256_PUB_LEN])
{
	for (int i = 0; i < m->n && i < LEDGER_MEMBERS_MAX; i++)
		if (!memcmp(m->m[i].pub, pub, SZKM_P256_PUB_LEN))
			return i;
	return -1;
}

/* The rules every membership entry meets whatever came before it. */
static const char *members_form(const struct ledger_members *m)
{
	if (m->epoch < 1)
		return "member-bad-epoch";
	if (m->n < 1 || m->n > LEDGER_MEMBERS_MAX)
		return "member-bad-count";
	if (m->k < 1 || m->k > m->n)
		return "member-bad-threshold";
	if (m->napprovals > LEDGER_MEMBERS_MAX)
		return "member-too-many-approvals";
	for (int i = 0; i < m->n; i++) {
		if (!member_name_ok(m->m[i].name, strnlen(m->m[i].name,
							  sizeof(m->m[i].name))))
			return "member-bad-name";
		if (m->m[i].pub[0] != 0x04)
			return "member-bad-pubkey";
		for (int j = 0; j < i; j++)
			if (!strcmp(m->m[i].name, m->m[j].name) ||
			    !memcmp(m->m[i].pub, m->m[j].pub, SZKM_P256_PUB_LEN))
				return "member-twice";
	}
	if (!approvals_distinct(m->napprovals, m->a))
		return "member-approval-twice";
	return NULL;
}

int ledger_entry_members(struct ledger_members *m, uint8_t *buf, size_t cap,
			 size_t *len)
{
	size_t off = LEDGER_MEMBERS_HEAD_LEN;

	if (!m || !buf || !len || members_form(m))
		return -EINVAL;
	if (cap < LEDGER_MEMBERS_MAX_LEN)
		return -ENOSPC;
	buf[0] = LEDGER_ENTRY_MEMBERS;
	ledger_put_be(buf + 1, m->epoch, 8);
	memcpy(buf + 9, m->prev, 32);
	buf[41] = m->k;
	buf[42] = m->n;
	for (int i = 0; i < m->n; i++) {
		size_t nl = strlen(m->m[i].name);

		buf[off++] = (uint8_t)nl;
		memcpy(buf + off, m->m[i].name, nl);
		off += nl;
		memcpy(buf + off, m->m[i].pub, SZKM_P256_PUB_LEN);
		off += SZKM_P256_PUB_LEN;
	}
	m->content_len = off;
	off += put_approvals(buf + off, m->napprovals, m->a);
	*len = off;
	return 0;
}

int ledger_members_digest(const char *origin, const uint8_t *content,
			  size_t len, uint8_t digest[32])
{
	static const char domain[] = SZKM_MEMBERS_DOMAIN;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;

	ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(c, domain, sizeof(domain) - 1) &&
	     EVP_DigestUpdate(c, origin, strlen(origin)) &&
	     EVP_DigestUpdate(c, "\n", 1) &&
	     EVP_DigestUpdate(c, content, len) &&
	     EVP_DigestFinal_ex(c, digest, NULL);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -EIO;
}

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
	ledger_put_be(buf + 1, e->time_ns, 8);
	buf[9] = (uint8_t)nlen;
	memcpy(buf + 10, e->name, nlen);
	memcpy(buf + 10 + nlen, e->pubkey, SZKM_P256_PUB_LEN);
	*len = n;
	return 0;
}

int ledger_entry_approved_enrolment(struct ledger_enrolment *e, uint8_t *buf,
				    size_t cap, size_t *len)
{
	size_t n;
	int ret;

	if (!e || !buf || !len || e->napprovals > LEDGER_MEMBERS_MAX ||
	    !approvals_distinct(e->napprovals, e->a))
		return -EINVAL;
	if (cap < LEDGER_ENTRY_MAX_LEN)
		return -ENOSPC;
	ret = ledger_entry_enrolment(e, buf, cap, &n);
	if (ret)
		return ret;
	buf[0] = LEDGER_ENTRY_ENROL_APPROVED;
	memcpy(buf + n, e->members, 32);
	n += 32;
	e->content_len = n;
	n += put_approvals(buf + n, e->napprovals, e->a);
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

/* The approvals from @off to the end of @d (exactly). */
static int get_approvals(const uint8_t *d, size_t len, size_t off, uint8_t *n,
			 struct ledger_approval *a, const char **why)
{
	if (off >= len)
		return bad(why, "truncated");
	*n = d[off++];
	if (*n > LEDGER_MEMBERS_MAX)
		return bad(why, "member-too-many-approvals");
	if (len - off != (size_t)*n * (SZKM_P256_PUB_LEN + SZKM_EVENT_SIG_LEN))
		return bad(why, "bad-approvals-length");
	for (int i = 0; i < *n; i++) {
		memcpy(a[i].pub, d + off, SZKM_P256_PUB_LEN);
		off += SZKM_P256_PUB_LEN;
		memcpy(a[i].sig, d + off, SZKM_EVENT_SIG_LEN);
		off += SZKM_EVENT_SIG_LEN;
	}
	return 0;
}

static int decode_members(const uint8_t *d, size_t len,
			  struct ledger_members *m, const char **why)
{
	size_t off = LEDGER_MEMBERS_HEAD_LEN;
	const char *form;

	if (len < LEDGER_MEMBERS_HEAD_LEN || len > LEDGER_MEMBERS_MAX_LEN)
		return bad(why, "bad-membership-length");
	m->epoch = ledger_get_be64(d + 1);
	memcpy(m->prev, d + 9, 32);
	m->k = d[41];
	m->n = d[42];
	if (m->n < 1 || m->n > LEDGER_MEMBERS_MAX)
		return bad(why, "member-bad-count");
	for (int i = 0; i < m->n; i++) {
		size_t nl;

		if (off >= len)
			return bad(why, "truncated");
		nl = d[off++];
		if (nl < 1 || nl > LEDGER_MEMBER_NAME_MAX ||
		    len - off < nl + SZKM_P256_PUB_LEN)
			return bad(why, "truncated");
		/* The bytes themselves: a NUL inside would read as a shorter
		 * name, and two entries would decode alike. */
		if (!member_name_ok((const char *)d + off, nl))
			return bad(why, "member-bad-name");
		memcpy(m->m[i].name, d + off, nl);
		m->m[i].name[nl] = 0;
		off += nl;
		memcpy(m->m[i].pub, d + off, SZKM_P256_PUB_LEN);
		off += SZKM_P256_PUB_LEN;
	}
	m->content_len = off;
	if (get_approvals(d, len, off, &m->napprovals, m->a, why))
		return -EBADMSG;
	form = members_form(m);
	return form ? bad(why, form) : 0;
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
	case LEDGER_ENTRY_ENROL:
	case LEDGER_ENTRY_ENROL_APPROVED: {
		size_t nlen, end;
		int ret;

		if (len < 10)
			return bad(why, "truncated");
		nlen = data[9];
		end = 10 + nlen + SZKM_P256_PUB_LEN;
		if (e->type == LEDGER_ENTRY_ENROL ? len != end : len < end + 32)
			return bad(why, "bad-enrolment-length");
		if (!szkm_name_valid((const char *)data + 10, nlen))
			return bad(why, "bad-name");
		e->enrol.time_ns = ledger_get_be64(data + 1);
		memcpy(e->enrol.name, data + 10, nlen);
		memcpy(e->enrol.pubkey, data + 10 + nlen, SZKM_P256_PUB_LEN);
		if (e->enrol.pubkey[0] != 0x04)
			return bad(why, "bad-pubkey");
		if (e->type == LEDGER_ENTRY_ENROL_APPROVED) {
			memcpy(e->enrol.members, data + end, 32);
			e->enrol.content_len = end + 32;
			if (get_approvals(data, len, end + 32, &e->enrol.napprovals,
					  e->enrol.a, why))
				return -EBADMSG;
			if (!approvals_distinct(e->enrol.napprovals, e->enrol.a))
				return bad(why, "member-approval-twice");
		}
		ret = szkm_device_id(e->enrol.pubkey, e->enrol.device_id);
		return ret;
	}
	case LEDGER_ENTRY_EVENT:
		if (len < 1 + SZKM_EVENT_SIG_LEN)
			return bad(why, "truncated");
		e->body = data + 1;
		e->body_len = len - 1 - SZKM_EVENT_SIG_LEN;
		e->sig = data + len - SZKM_EVENT_SIG_LEN;
		return szkm_event_decode(e->body, e->body_len, &e->event, why);
	case LEDGER_ENTRY_MEMBERS:
		return decode_members(data, len, &e->members, why);
	default:
		return bad(why, "unknown-entry-type");
	}
}
