/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * internal.h - what libszkm's files share and applications do not see
 * (libszkm.so hides it): the verifier's one-line failure message, and the
 * files it keeps. szkmctl, linked with libszkm.a, uses the file helpers
 * for its own blobs.
 */
#ifndef SZKM_INTERNAL_H
#define SZKM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define LIBSZKM_VERSION	"0.1.0"

/*
 * Sets szkm_verify_message() (control characters made '?', so it stays
 * one line) and returns @ret; clear empties it at the start of a call.
 */
int szkm_verify_fail(int ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void szkm_verify_clear(void);
/* The public functions' return: sets errno from a negative @ret. */
int szkm_ret(int ret);

/*
 * Reads at most @max + 1 bytes of @path into a malloc'd buffer, so that
 * the caller sees "too big" (*@len == @max + 1). -errno on failure.
 */
int szkm_file_read(const char *path, uint8_t **data, size_t *len, size_t max);
/* mkdir -p, mode 0700 for the folders it makes. */
int szkm_mkdirs(const char *dir);
/*
 * Writes a temporary file next to @path (mode 0600), fsyncs it, renames
 * it over @path and fsyncs the folder (made as by szkm_mkdirs): a crash
 * leaves the old file or the new one, never a mix.
 */
int szkm_file_write_atomic(const char *path, const uint8_t *data, size_t len);
int szkm_file_rename(const char *from, const char *to);

#endif /* SZKM_INTERNAL_H */
