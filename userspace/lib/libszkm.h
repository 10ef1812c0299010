/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libszkm.h - the non-secure-zone client library of szkm. Functions return
 * 0 (or a count) on success and a negative errno on failure, and set errno;
 * szkm_strerror() turns any of them into a message.
 */
#ifndef LIBSZKM_H
#define LIBSZKM_H

#include <stddef.h>
#include <stdint.h>

const char *szkm_strerror(int err);

/* Lower-case hex. hex_encode writes 2*len+1 bytes (NUL-terminated). */
void szkm_hex_encode(char *out, const uint8_t *in, size_t len);
/* Decodes exactly out_len bytes; -EINVAL on odd length, junk or wrong size. */
int szkm_hex_decode(uint8_t *out, size_t out_len, const char *in);

struct szkm_status {
	char version[32];
	uint32_t state;		/* enum szkm_device_state */
	uint32_t tpm;		/* enum szkm_tpm_state */
	int test_mode;
	uint32_t nkeys;
};

/* Asks the kernel (family "szkm") for the device status. */
int szkm_status_get(struct szkm_status *st);

#endif /* LIBSZKM_H */
