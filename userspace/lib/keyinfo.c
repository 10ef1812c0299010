// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * keyinfo.c - finding szkm keys and naming their algorithms and states.
 * The metadata itself comes over netlink (genl.c, SZKM_CMD_KEY_PUBLIC).
 */
#include "libszkm.h"
#include "szkm.h"

#include <errno.h>
#include <stdlib.h>
#include <keyutils.h>

int32_t szkm_key_find(const char *spec)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(spec, &end, 0);
	if (*spec && !*end && !errno && v > 0 && v <= INT32_MAX)
		return (int32_t)v;
	v = find_key_by_type_and_desc(SZKM_KEY_TYPE, spec, 0);
	return v < 0 ? -errno : (int32_t)v;
}

const struct szkm_version_info *szkm_key_version(const struct szkm_key_info *info,
						 uint32_t num)
{
	for (unsigned int i = 0; i < info->nver; i++)
		if (info->ver[i].num == num)
			return &info->ver[i];
	return NULL;
}
