/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cursor.h - a bounds-checked cursor over a buffer, for the binary formats
 * the kernel writes and reads (key blob, export bundle): after any
 * overrun it stays failed, so a parser checks ok once at the end.
 */
#ifndef _SZKM_CURSOR_H
#define _SZKM_CURSOR_H

#include <linux/string.h>
#include <linux/types.h>
#include "kcompat.h"
#include "payload.h"

/* A bounds-checked cursor: after any overrun, ok is false for good. */
struct szkm_cur {
	u8 *p;
	size_t left;
	bool ok;
};

static inline u8 *cur_take(struct szkm_cur *c, size_t n)
{
	u8 *p = c->p;

	if (!c->ok || n > c->left) {
		c->ok = false;
		return NULL;
	}
	c->p += n;
	c->left -= n;
	return p;
}

static inline void put_bytes(struct szkm_cur *c, const void *d, size_t n)
{
	u8 *p = cur_take(c, n);

	if (p)
		memcpy(p, d, n);
}

static inline void put_u8(struct szkm_cur *c, u8 v) { put_bytes(c, &v, 1); }
static inline void put_be16(struct szkm_cur *c, u16 v) { __be16 b = cpu_to_be16(v); put_bytes(c, &b, 2); }
static inline void put_be32(struct szkm_cur *c, u32 v) { __be32 b = cpu_to_be32(v); put_bytes(c, &b, 4); }
static inline void put_be64(struct szkm_cur *c, u64 v) { __be64 b = cpu_to_be64(v); put_bytes(c, &b, 8); }

static inline void get_bytes(struct szkm_cur *c, void *d, size_t n)
{
	u8 *p = cur_take(c, n);

	if (p)
		memcpy(d, p, n);
	else
		memset(d, 0, n);
}

static inline u8 get_u8(struct szkm_cur *c) { u8 *p = cur_take(c, 1); return p ? *p : 0; }
static inline u16 get_be16(struct szkm_cur *c) { u8 *p = cur_take(c, 2); return p ? get_unaligned_be16(p) : 0; }
static inline u32 get_be32(struct szkm_cur *c) { u8 *p = cur_take(c, 4); return p ? get_unaligned_be32(p) : 0; }
static inline u64 get_be64(struct szkm_cur *c) { u8 *p = cur_take(c, 8); return p ? get_unaligned_be64(p) : 0; }

/* Length-prefixed (u8) field of at most @max bytes. */
static inline u8 get_field(struct szkm_cur *c, void *d, size_t max)
{
	u8 n = get_u8(c);

	if (n > max) {
		c->ok = false;
		return 0;
	}
	get_bytes(c, d, n);
	return n;
}

/*
 * A key's policy, as the key blob and the export bundle both lay it out
 * (include/szkm.h): rotate seconds be64 | max uses be64 | min version be32 |
 * ledger u8. Reading checks the ledger mode.
 */
static inline void put_policy(struct szkm_cur *c, const struct szkm_policy *p)
{
	put_be64(c, p->rotate_secs);
	put_be64(c, p->max_uses);
	put_be32(c, p->min_version);
	put_u8(c, p->ledger);
}

static inline void get_policy(struct szkm_cur *c, struct szkm_policy *p)
{
	p->rotate_secs = get_be64(c);
	p->max_uses = get_be64(c);
	p->min_version = get_be32(c);
	p->ledger = get_u8(c);
	if (p->ledger > SZKM_LEDGER_ASYNC)
		c->ok = false;
}

#endif /* _SZKM_CURSOR_H */
