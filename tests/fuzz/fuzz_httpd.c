// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fuzz_httpd.c - ledgerd's HTTP request head parser (ledger_httpd_parse),
 * which reads whatever a remote client sends before anything else runs.
 * Accepted heads must name a path starting with '/' with no NUL inside,
 * and arguments that are NUL-terminated strings within the buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "httpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ledger_httpd_head h;
	const char *why = NULL;
	unsigned int code;
	char *buf;

	/* The server hands the parser a NUL-terminated copy of the head. */
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	code = ledger_httpd_parse(buf, size, &h, &why);
	if (code) {
		FUZZ_ASSERT(code >= 400 && code <= 599);
		FUZZ_ASSERT(why && *why);
	} else {
		FUZZ_ASSERT(h.rq.path && h.rq.path[0] == '/');
		FUZZ_ASSERT(h.rq.path >= buf && h.rq.path < buf + size + 1);
		FUZZ_ASSERT(strlen(h.rq.path) <= size);
		for (size_t i = 0; i < h.rq.nargs; i++)
			FUZZ_ASSERT(strlen(h.rq.args[i].name) + strlen(h.rq.args[i].value) <= size);
	}
	free(buf);
	return 0;
}
