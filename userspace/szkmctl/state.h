/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state.h - the folder `szkmctl state save` writes and `state restore`
 * reads: device.blob (the device's sealed blob), <key id>.blob for each
 * key (its sealed blob as keyctl pipe gives it, hex) and the manifest,
 * written last, which names them:
 *
 *   szkm-state 1
 *   device <device id, 64 hex>
 *   key <key id, 32 hex> <keyring> <name>
 *   ...
 *
 * <keyring> is where the key was: @u, @us, @s, @p, @t, or a serial.
 * Lines starting with '#' are comments.
 */
#ifndef SZKMCTL_STATE_H
#define SZKMCTL_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "szkm.h"

#define SZKMCTL_STATE_DIR	"/var/lib/szkm/state"
#define STATE_MANIFEST		"manifest"
#define STATE_DEVICE		"device.blob"
#define STATE_MAGIC		"szkm-state 1"
#define STATE_KEYS_MAX		65536

struct state_key {
	char id[2 * SZKM_KEY_ID_LEN + 1];
	char ring[12];
	char name[SZKM_NAME_MAX + 1];
};

struct state {
	uint8_t device_id[SZKM_DEVICE_ID_LEN];
	size_t nkeys;
	struct state_key *keys;
};

/* "<dir>/<file>" into @out; -1 when it does not fit. */
int state_path(char *out, size_t outlen, const char *dir, const char *file);
/* "<dir>/<key id>.blob". */
int state_key_path(char *out, size_t outlen, const char *dir, const char *id);
/*
 * Reads <dir>/manifest. 0, or -1 with the reason (naming the line) in
 * @err. state_free frees what it allocated.
 */
int state_read(const char *dir, struct state *st, char *err, size_t errlen);
void state_free(struct state *st);
/* Writes <dir>/manifest atomically (after every blob it names). */
int state_write(const char *dir, const struct state *st);

#endif
