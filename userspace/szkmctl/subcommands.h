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
int key_pub_main(int argc, char *argv[]);
int key_encrypt_main(int argc, char *argv[]);
int device_init_main(int argc, char *argv[]);
int device_unseal_main(int argc, char *argv[]);
int device_identity_main(int argc, char *argv[]);
int device_lock_main(int argc, char *argv[]);
int tpm_provision_main(int argc, char *argv[]);
int tpm_info_main(int argc, char *argv[]);
int verify_main(int argc, char *argv[]);

/* util.c */
#include <stddef.h>
#include <stdint.h>

#include "szkm.h"

#define SZKMCTL_DEVICE_BLOB "/var/lib/szkm/device.blob"
/* The ledger keys device init enrols when none is given: one vkey a line. */
#define SZKMCTL_LEDGER_KEYS	"/etc/szkm/ledger-keys"
/*
 * The keys of SZKMCTL_LEDGER_KEYS: one verifier key a line (at most
 * SZKM_LEDGER_KEYS_MAX); blank lines and lines starting with '#' are
 * skipped. Returns how many, or -1 having said why on stderr.
 */
int szkmctl_read_ledger_keys(char lines[][SZKM_LEDGER_VKEY_MAX + 2], const char **keys);

/* "what: the kernel's reason (errno text)", or libszkm's message. */
void szkmctl_report(const char *what, int err);
void szkmctl_print_hex(const uint8_t *p, size_t n);

/*
 * Option values. A PCR number from @lo to @hi (@range says which, e.g.
 * "from 8 to 15"); a comma-separated list of PCR numbers from 0 to @hi as
 * a bitmap (bit n = PCR n). On bad input both say in one line on stderr
 * what was wrong, naming @opt, and return -1.
 */
int szkmctl_parse_pcr(const char *opt, const char *s, unsigned int lo, unsigned int hi,
		      const char *range, uint8_t *pcr);
int szkmctl_parse_pcr_list(const char *opt, const char *s, unsigned int hi, uint32_t *bitmap);
/* "0,2,7", or "none" for an empty bitmap. */
void szkmctl_pcr_list(char *out, size_t outlen, uint32_t bitmap);
/* The module's TPM session (enum szkm_tpm_session): the text status and
 * tpm info print, and the word their --json prints. */
const char *szkmctl_session_text(uint32_t session);
const char *szkmctl_session_word(uint32_t session);

/*
 * Reads a PIN for --pin, never from the command line: on a terminal
 * (stdin) it prompts on /dev/tty with echo off, @prompt, then @again when
 * not NULL and requires the same PIN twice; otherwise it takes the first
 * line of stdin without its newline. @pin holds SZKM_PIN_MAX bytes; the
 * caller wipes it (explicit_bzero) after use. Empty or longer than
 * SZKM_PIN_MAX is refused. Returns 0, or -1 having said why on stderr.
 */
int szkmctl_read_pin(const char *prompt, const char *again, uint8_t *pin, size_t *len);

struct szkm_key_info;
/* Finds a key by serial or name and fetches its metadata (malloc'd), or
 * says why not on stderr and returns NULL. */
struct szkm_key_info *szkmctl_key_load(const char *spec);

#endif
