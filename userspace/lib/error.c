// SPDX-License-Identifier: LGPL-2.1-or-later
/* error.c - one place that turns libszkm's negative errnos into messages. */
#include "libszkm.h"

#include <errno.h>
#include <string.h>

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
