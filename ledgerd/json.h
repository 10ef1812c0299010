/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * json.h - the HTTP API's JSON writer.
 *
 * Writes compact JSON into a growing buffer. It exists because the API's
 * numbers are u64 (sizes, indexes, sequence numbers, an event's time and
 * limits) and a signed 64-bit JSON integer prints the upper half as
 * negative numbers; here they print as the decimal digits they are.
 * Strings are printable ASCII: '"' and '\' escaped, control bytes as
 * \u00XX and any byte above 0x7e as '?', so that an echoed request can
 * never make the document invalid. A failed allocation is remembered and
 * reported once, by ledger_json_take().
 */
#ifndef LEDGER_JSON_H
#define LEDGER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ledger_json {
	char *p;
	size_t len, cap;
	bool comma;	/* the next key or array item needs one */
	bool oom;
};

void ledger_json_init(struct ledger_json *j);
void ledger_json_obj(struct ledger_json *j);
void ledger_json_obj_end(struct ledger_json *j);
void ledger_json_arr(struct ledger_json *j);
void ledger_json_arr_end(struct ledger_json *j);
/* An object member's name; its value follows. */
void ledger_json_key(struct ledger_json *j, const char *k);
void ledger_json_str(struct ledger_json *j, const char *s);
void ledger_json_u64(struct ledger_json *j, uint64_t v);
void ledger_json_bool(struct ledger_json *j, bool v);
void ledger_json_null(struct ledger_json *j);
/* Lower-case hex of @n bytes, as a string. */
void ledger_json_hex(struct ledger_json *j, const uint8_t *p, size_t n);
/* A number with one decimal (seconds). */
void ledger_json_seconds(struct ledger_json *j, double v);
/* The document (malloc'd, NUL-terminated; the caller frees it), or NULL
 * when memory ran out on the way. */
char *ledger_json_take(struct ledger_json *j, size_t *len);

/* {"error":"<msg>"}, for every error the API and its transport send. */
char *ledger_json_error(const char *msg, size_t *len);

#endif /* LEDGER_JSON_H */
