// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * error.c - one place that turns libszkm's negative errnos into messages,
 * and keeps the verifier's one-line reason for its last failure.
 */
#include "libszkm.h"
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char verify_message[512];

const char *szkm_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case ENOENT:
		return "szkm module not loaded (no generic netlink family \"szkm\")";
	case EPERM:
		return "Operation not permitted (szkm device commands need CAP_SYS_ADMIN)";
	default:
		return strerror(err);
	}
}

const char *szkm_verify_message(void)
{
	return verify_message;
}

void szkm_verify_clear(void)
{
	verify_message[0] = 0;
}

int szkm_verify_fail(int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(verify_message, sizeof(verify_message), fmt, ap);
	va_end(ap);
	/* A URL or a ledger's origin must not make it two lines. */
	for (char *p = verify_message; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return ret;
}

int szkm_ret(int ret)
{
	if (ret < 0)
		errno = -ret;
	return ret;
}
