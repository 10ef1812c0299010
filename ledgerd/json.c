// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * json.c - the HTTP API's JSON writer (json.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void ledger_json_init(struct ledger_json *j)
{
	memset(j, 0, sizeof(*j));
}

static bool room(struct ledger_json *j, size_t n)
{
	size_t cap;
	char *p;

	if (j->oom)
		return false;
	if (j->len + n + 1 <= j->cap)
		return true;
	cap = j->cap ? j->cap : 256;
	while (cap < j->len + n + 1)
		cap *= 2;
	p = realloc(j->p, cap);
	if (!p) {
		j->oom = true;
		return false;
	}
	j->p = p;
	j->cap = cap;
	return true;
}

static void put(struct ledger_json *j, const char *s, size_t n)
{
	if (!room(j, n))
		return;
	memcpy(j->p + j->len, s, n);
	j->len += n;
	j->p[j->len] = 0;
}

/* Before a value or a key: the comma that separates it from the last. */
static void item(struct ledger_json *j)
{
	if (j->comma)
		put(j, ",", 1);
	j->comma = true;
}

static void open_with(struct ledger_json *j, const char *c)
{
	item(j);
	put(j, c, 1);
	j->comma = false;
}

static void close_with(struct ledger_json *j, const char *c)
{
	put(j, c, 1);
	j->comma = true;
}

void ledger_json_obj(struct ledger_json *j)
{
	open_with(j, "{");
}

void ledger_json_obj_end(struct ledger_json *j)
{
	close_with(j, "}");
}

void ledger_json_arr(struct ledger_json *j)
{
	open_with(j, "[");
}

void ledger_json_arr_end(struct ledger_json *j)
{
	close_with(j, "]");
}

static void quoted(struct ledger_json *j, const char *s)
{
	put(j, "\"", 1);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		char esc[8];

		if (*c == '"' || *c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*c;
			put(j, esc, 2);
		} else if (*c < 0x20 || *c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *c);
			put(j, esc, 6);
		} else {
			put(j, *c > 0x7f ? "?" : (const char *)c, 1);
		}
	}
	put(j, "\"", 1);
}

void ledger_json_key(struct ledger_json *j, const char *k)
{
	item(j);
	quoted(j, k);
	put(j, ":", 1);
	j->comma = false;
}

void ledger_json_str(struct ledger_json *j, const char *s)
{
	item(j);
	quoted(j, s);
}

void ledger_json_u64(struct ledger_json *j, uint64_t v)
{
	char buf[24];

	item(j);
	put(j, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRIu64, v));
}

void ledger_json_bool(struct ledger_json *j, bool v)
{
	item(j);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

void ledger_json_null(struct ledger_json *j)
{
	item(j);
	put(j, "null", 4);
}

void ledger_json_hex(struct ledger_json *j, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	item(j);
	if (!room(j, 2 * n + 2))
		return;
	j->p[j->len++] = '"';
	for (size_t i = 0; i < n; i++) {
		j->p[j->len++] = digits[p[i] >> 4];
		j->p[j->len++] = digits[p[i] & 15];
	}
	j->p[j->len++] = '"';
	j->p[j->len] = 0;
}

void ledger_json_seconds(struct ledger_json *j, double v)
{
	char buf[40];
	int n = snprintf(buf, sizeof(buf), "%.1f", v);

	item(j);
	put(j, buf, n > 0 && (size_t)n < sizeof(buf) ? (size_t)n : 0);
}

char *ledger_json_take(struct ledger_json *j, size_t *len)
{
	char *p = j->oom ? NULL : j->p;

	if (j->oom)
		free(j->p);
	else if (!p)
		p = calloc(1, 1);	/* nothing written: "" */
	*len = p ? j->len : 0;
	ledger_json_init(j);
	return p;
}

char *ledger_json_error(const char *msg, size_t *len)
{
	struct ledger_json j;

	ledger_json_init(&j);
	ledger_json_obj(&j);
	ledger_json_key(&j, "error");
	ledger_json_str(&j, msg);
	ledger_json_obj_end(&j);
	return ledger_json_take(&j, len);
}
