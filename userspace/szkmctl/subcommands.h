/* SPDX-License-Identifier: GPL-2.0-or-later */
/* subcommands.h - one *_main per szkmctl subcommand, each in its own file. */
#ifndef SZKMCTL_SUBCOMMANDS_H
#define SZKMCTL_SUBCOMMANDS_H

#define PROG_NAME "szkmctl"
#define SZKMCTL_VERSION "0.1.0"

/* Exit codes, as keyctl: 0 done, 1 the operation failed, 2 usage. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

int status_main(int argc, char *argv[]);
int key_show_main(int argc, char *argv[]);
int events_listen_main(int argc, char *argv[]);
int events_ack_main(int argc, char *argv[]);
int key_pub_main(int argc, char *argv[]);
int key_encrypt_main(int argc, char *argv[]);
int device_init_main(int argc, char *argv[]);
int device_unseal_main(int argc, char *argv[]);
int device_identity_main(int argc, char *argv[]);
int device_lock_main(int argc, char *argv[]);
int tpm_provision_main(int argc, char *argv[]);
int tpm_info_main(int argc, char *argv[]);

/* util.c */
#include <stddef.h>
#include <stdint.h>

#define SZKMCTL_DEVICE_BLOB "/var/lib/szkm/device.blob"

/* "what: the kernel's reason (errno text)", or libszkm's message. */
void szkmctl_report(const char *what, int err);
/* Reads at most max + 1 bytes (so a caller sees "too big"); malloc'd. */
int szkmctl_read_file(const char *path, uint8_t **data, size_t *len, size_t max);
int szkmctl_write_file_atomic(const char *path, const uint8_t *data, size_t len);
void szkmctl_print_hex(const uint8_t *p, size_t n);

struct szkm_key_info;
/* Finds a key by serial or name and fetches its metadata (malloc'd), or
 * says why not on stderr and returns NULL. */
struct szkm_key_info *szkmctl_key_load(const char *spec);

#endif
