/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * note.h - checkpoints and signed notes as C2SP defines them.
 *
 * c2sp.org/tlog-checkpoint: the note text "<origin>\n<size>\n<base64
 * root>\n" plus optional extension lines. c2sp.org/signed-note: the text,
 * one blank line, then lines "— <key name> <base64(key ID || signature)>\n"
 * (U+2014 EM DASH, space). Keys are handed out as verifier key strings
 * "<name>+<8 hex digits of key ID>+<base64(type || public key)>".
 *
 * Signature types:
 *   0x01 Ed25519 over the note text; key ID = SHA-256(name || 0x0A ||
 *        0x01 || 32-byte key)[:4].
 *   0x02 ECDSA P-256 as transparency-dev/witness does it: an ASN.1 DER
 *        signature over SHA-256 of the note text; the vkey carries the
 *        DER SubjectPublicKeyInfo and the key ID is SHA-256(that DER)[:4]
 *        (no name, no type byte: signed-note says so for this type, and
 *        the vectors agree).
 *   0x04 c2sp.org/tlog-cosignature v1: Ed25519 over "cosignature/v1\n"
 *        "time <t>\n" || note text; the signature is the 8-byte big-endian
 *        t || the 64-byte Ed25519 signature; key ID as for 0x01 with 0x04.
 *
 * Signing takes an EVP_PKEY so that the node key may sit in a PEM file, a
 * PKCS#11 token or the TPM (tpm2-openssl provider). Nothing here does I/O.
 * Every function returns 0 or a negative errno: -EINVAL for malformed
 * input, -E2BIG for input over a limit, -ENOSPC for a short output buffer,
 * -EBADMSG for a signature that fails, -ENOKEY when no known key signed.
 * Output strings are NUL-terminated; the lengths returned exclude the NUL.
 */
#ifndef LEDGER_NOTE_H
#define LEDGER_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "merkle.h"
#include "szkm.h"

#define LEDGER_NOTE_SIG_ED25519	0x01
#define LEDGER_NOTE_SIG_ECDSA	0x02
#define LEDGER_NOTE_SIG_COSIG	0x04

/* Longest key name or origin line, in bytes. */
#define LEDGER_NOTE_MAX_NAME	255
/* Longest line of a note, newline included (fits ML-DSA signatures). */
#define LEDGER_NOTE_MAX_LINE	4096
/* Largest note as a whole. */
#define LEDGER_NOTE_MAX_SIZE	65536
/* Signature lines accepted when the caller gives no limit (spec: >= 16). */
#define LEDGER_NOTE_MAX_SIGS	32
/* Verifier keys one ledger_note_open() call can report on. */
#define LEDGER_NOTE_MAX_KEYS	64

struct ledger_checkpoint {
	char origin[LEDGER_NOTE_MAX_NAME + 1];
	uint64_t size;
	uint8_t root[LEDGER_HASH_LEN];
	/*
	 * Extension lines, each ending in '\n', or NULL with ext_len 0.
	 * After parsing, this points into the parsed text.
	 */
	const char *ext;
	size_t ext_len;
};

int ledger_checkpoint_format(const struct ledger_checkpoint *cp, char *buf,
			     size_t cap, size_t *len);
int ledger_checkpoint_parse(const char *text, size_t len,
			    struct ledger_checkpoint *cp);

/*
 * The checkpoint's membership line (include/szkm.h, SZKM_CHECKPOINT_MEMBERS)
 * for membership @epoch whose entry has leaf hash @leaf, '\n' included,
 * into @buf; its length (0: @cap is too small). Epoch 0: none, "".
 */
size_t ledger_checkpoint_members_line(uint64_t epoch,
				      const uint8_t leaf[LEDGER_HASH_LEN],
				      char *buf, size_t cap);
#define LEDGER_MEMBERS_LINE_MAX	(sizeof(SZKM_CHECKPOINT_MEMBERS) + 21 + 45 + 1)

/*
 * A note key: a name, its type and key ID, and the EVP_PKEY that signs
 * (private) or verifies (public). The struct holds its own reference.
 */
struct ledger_note_key {
	char name[LEDGER_NOTE_MAX_NAME + 1];
	uint32_t id;
	uint8_t type;
	EVP_PKEY *pkey;
};

int ledger_note_key_init(struct ledger_note_key *k, const char *name,
			 uint8_t type, EVP_PKEY *pkey);
/* Rejects a vkey whose key ID does not match its name and key. */
int ledger_note_key_parse(struct ledger_note_key *k, const char *vkey,
			  size_t len);
int ledger_note_key_format(const struct ledger_note_key *k, char *buf,
			   size_t cap, size_t *len);
void ledger_note_key_clear(struct ledger_note_key *k);

/*
 * One signature line over @text by @k. @timestamp (POSIX seconds) is
 * signed only by cosignature keys (type 0x04); others ignore it.
 */
int ledger_note_sign_line(const struct ledger_note_key *k, const char *text,
			  size_t text_len, uint64_t timestamp, char *line,
			  size_t cap, size_t *line_len);
/* A whole signed note: @text, the blank line, one line per key. */
int ledger_note_sign(const char *text, size_t text_len,
		     const struct ledger_note_key *keys, size_t nkeys,
		     uint64_t timestamp, char *out, size_t cap,
		     size_t *out_len);
/*
 * Appends @k's signature to a well-formed signed note (a cosigner adding
 * its line); -EEXIST when the note already carries a line from @k. It
 * checks the form only: verifying the note first is the caller's job.
 */
int ledger_note_cosign(const char *note, size_t len,
		       const struct ledger_note_key *k, uint64_t timestamp,
		       char *out, size_t cap, size_t *out_len);

struct ledger_note_result {
	/* The note text is note[0, text_len), final newline included. */
	size_t text_len;
	unsigned int nsigs;
	/* Bit i set: keys[i] signed the note and the signature verified. */
	uint64_t valid;
	/* For each valid cosignature key (type 0x04), its timestamp. */
	uint64_t timestamp[LEDGER_NOTE_MAX_KEYS];
};

/*
 * Checks the form of @note strictly (UTF-8, no control characters but
 * newline, exactly one blank line before the signatures, well-formed
 * signature lines and nothing after them, no line twice from one key,
 * size and line limits, at most @max_sigs signatures, 0 meaning
 * LEDGER_NOTE_MAX_SIGS), then verifies each signature whose name and key
 * ID match one of @keys and ignores the others. A known key whose
 * signature fails rejects the whole note (-EBADMSG), as signed-note
 * advises; no valid known signature gives -ENOKEY. @res is filled in
 * whenever the form is valid.
 */
int ledger_note_open(const char *note, size_t len,
		     const struct ledger_note_key *keys, size_t nkeys,
		     unsigned int max_sigs, struct ledger_note_result *res);

/*
 * Base64 (RFC 4648 section 4, padded), as notes use it: encoding writes
 * ledger_b64_len(n) characters and no NUL; only the canonical encoding
 * decodes (-EINVAL), -E2BIG past @cap.
 */
size_t ledger_b64_len(size_t n);
void ledger_b64_encode(const uint8_t *in, size_t n, char *out);
int ledger_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap,
		      size_t *out_len);

#endif /* LEDGER_NOTE_H */
