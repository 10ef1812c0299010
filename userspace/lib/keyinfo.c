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

#define NAME(tab, i) ((i) < sizeof(tab) / sizeof(tab[0]) && tab[i] ? tab[i] : "unknown")

const char *szkm_alg_str(uint8_t alg)
{
	static const char *const n[] = {
		[SZKM_ALG_AES256_GCM] = "aes256-gcm",
		[SZKM_ALG_ECDSA_P256] = "ecdsa-p256",
		[SZKM_ALG_ECDH_P256] = "ecdh-p256",
	};
	return NAME(n, alg);
}

const char *szkm_vstate_str(uint8_t state)
{
	static const char *const n[] = {
		[SZKM_VS_PENDING] = "pending",
		[SZKM_VS_ACTIVE] = "active",
		[SZKM_VS_DECRYPT_ONLY] = "decrypt-only",
		[SZKM_VS_DESTROYED] = "destroyed",
	};
	return NAME(n, state);
}

const char *szkm_origin_str(uint8_t origin)
{
	static const char *const n[] = {
		[SZKM_ORIGIN_GENERATED] = "generated",
		[SZKM_ORIGIN_IMPORTED] = "imported",
		[SZKM_ORIGIN_IMPORTED_PUBLIC] = "imported-public",
	};
	return NAME(n, origin);
}
