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
	int has_device_id;	/* a device is known (sealed or ready) */
	uint8_t device_id[32];
};

/* Asks the kernel (family "szkm") for the device status. */
int szkm_status_get(struct szkm_status *st);

/*
 * The kernel's own explanation of the last failed call in this thread
 * (its extended-ack message, e.g. "szkm: device blob was sealed by a
 * different TPM"), or "" when it gave none.
 */
const char *szkm_last_message(void);

/*
 * Device lifecycle (CAP_SYS_ADMIN). init makes a new device and returns
 * its blob (malloc'd; the caller frees it and stores it) and id; -EEXIST
 * when a device exists and !force. unseal hands a stored blob back.
 * lock wipes the device's secrets from the kernel until the next unseal.
 */
int szkm_device_init(int force, uint8_t **blob, size_t *len, uint8_t id[32]);
int szkm_device_unseal(const uint8_t *blob, size_t len, int force);
int szkm_device_lock(void);

struct szkm_identity {
	uint8_t id[32];		/* SHA-256 of pub */
	uint8_t pub[65];	/* P-256, 04 || X || Y */
};

int szkm_device_identity(struct szkm_identity *idn);

#endif /* LIBSZKM_H */
