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
int key_export_main(int argc, char *argv[]);
int key_encrypt_main(int argc, char *argv[]);
int device_init_main(int argc, char *argv[]);
int device_unseal_main(int argc, char *argv[]);
int device_identity_main(int argc, char *argv[]);
int device_lock_main(int argc, char *argv[]);
int device_members_main(int argc, char *argv[]);
int tpm_provision_main(int argc, char *argv[]);
int tpm_info_main(int argc, char *argv[]);
int verify_main(int argc, char *argv[]);
int key_list_main(int argc, char *argv[]);
int key_create_main(int argc, char *argv[]);
int key_rotate_main(int argc, char *argv[]);
int key_retire_main(int argc, char *argv[]);
int key_destroy_main(int argc, char *argv[]);
int key_policy_main(int argc, char *argv[]);
int key_grant_main(int argc, char *argv[]);
int key_revoke_main(int argc, char *argv[]);
int state_save_main(int argc, char *argv[]);
int state_restore_main(int argc, char *argv[]);

/* util.c */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "szkm.h"

#define SZKMCTL_DEVICE_BLOB "/var/lib/szkm/device.blob"
/*
 * A re-sealed blob waits beside the stored one, as FILE.next, from the
 * kernel's re-seal until its commit (then it replaces FILE): after a
 * crash in between, device unseal opens whichever of the two the TPM's
 * rollback counter allows.
 */
#define SZKMCTL_PENDING_SUFFIX ".next"
/* The ledger keys device init enrols when none is given: one vkey a line. */
#define SZKMCTL_LEDGER_KEYS	"/etc/szkm/ledger-keys"
/*
 * The keys of SZKMCTL_LEDGER_KEYS: one verifier key a line (at most
 * SZKM_LEDGER_KEYS_MAX); blank lines and lines starting with '#' are
 * skipped. Returns how many, or -1 having said why on stderr.
 */
int szkmctl_read_ledger_keys(char lines[][SZKM_LEDGER_VKEY_MAX + 2], const char **keys);

/*
 * The subcommand being run ("key create"), for messages; main sets it.
 * wants_help: --help or -h among the arguments (the subcommand prints its
 * usage to stdout and exits 0). bad: bad input, said in one line on
 * stderr ("szkmctl key create: --alg needs a value"); returns EXIT_USAGE.
 * unknown: bad() for an argument nothing expects. value: the value after option argv[*i] (moving *i on), or NULL having
 * said it is missing. parse_uint: a decimal number from @lo to @hi for
 * @opt, or -1 having said what was wrong.
 */
extern const char *szkmctl_cmd;
int szkmctl_wants_help(int argc, char *argv[]);
int szkmctl_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int szkmctl_unknown(const char *arg);
/* A subcommand whose one option is the flag @name: sets *@set; 0, or
 * EXIT_USAGE having said what was wrong. */
int szkmctl_only_flag(int argc, char *argv[], const char *name, int *set);
const char *szkmctl_value(int argc, char *argv[], int *i);
int szkmctl_parse_uint(const char *opt, const char *s, unsigned long lo, unsigned long hi,
		       unsigned long *out);

/* "what: why" for a key command the kernel refused (keyctl errnos). */
void szkmctl_key_report(const char *what, int err);
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

/*
 * "KEY [--version N]" (key pub, key encrypt): 0, or -1 having said what
 * was wrong; *version stays 0 without --version.
 */
int szkmctl_key_version_args(int argc, char *argv[], const char **spec, unsigned long *version);

/* key_show.c: a key as one JSON object (no newline); @keyring or NULL. */
void szkmctl_key_json(const struct szkm_key_info *k, const char *keyring);

/*
 * key_wait.c: a key is settled when nothing of it waits for the ledger's
 * proof (no version pending, no change waiting). wait reads the key until
 * it is, for at most @secs: 0, -ETIMEDOUT, or the error reading it; @k
 * holds what was read last. wait_option parses --wait's SECONDS.
 */
int szkmctl_key_settled(const struct szkm_key_info *k);
int szkmctl_key_wait(int32_t serial, unsigned long secs, struct szkm_key_info *k);
int szkmctl_wait_option(const char *s, unsigned long *secs);

/*
 * device_unseal.c: hands the device blob in @in to the kernel, as
 * `device unseal` does (reading the PIN when @want_pin; @in.next when
 * @in is older than the TPM's rollback counter), and says what happened.
 * Returns an exit code.
 */
int szkmctl_device_unseal(const char *in, int force, int want_pin);

#endif
