/* SPDX-License-Identifier: GPL-2.0 */
/* hkdf.h - HKDF-SHA256 (RFC 5869). */
#ifndef _SZKM_HKDF_H
#define _SZKM_HKDF_H

#include <linux/types.h>

int szkm_hkdf_sha256(const u8 *salt, size_t saltlen, const u8 *ikm, size_t ikmlen,
		     const u8 *info, size_t infolen, u8 *out, size_t outlen);
int szkm_hkdf_selftest(void);

#endif /* _SZKM_HKDF_H */
