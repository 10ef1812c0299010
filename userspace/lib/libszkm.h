/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libszkm.h - the non-secure-zone client library of szkm. Functions return
 * 0 (or a count) on success and a negative errno on failure, and set errno;
 * szkm_strerror() turns any of them into a message.
 *
 * Link with `pkg-config --cflags --libs szkm`. libszkm.so exports what
 * this header declares and nothing else.
 */
#ifndef LIBSZKM_H
#define LIBSZKM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "szkm.h"

#pragma GCC visibility push(default)

const char *szkm_strerror(int err);

/* Lower-case hex. hex_encode writes 2*len+1 bytes (NUL-terminated). */
void szkm_hex_encode(char *out, const uint8_t *in, size_t len);
/* Decodes exactly out_len bytes; -EINVAL on odd length, junk or wrong size. */
int szkm_hex_decode(uint8_t *out, size_t out_len, const char *in);

struct szkm_status {
	int chain;		/* the event chain position is known */
	uint64_t seq;		/* last event made */
	uint32_t journal;	/* events waiting for the ledger */
	char version[32];
	uint32_t state;		/* enum szkm_device_state */
	uint32_t tpm;		/* enum szkm_tpm_state */
	int test_mode;
	uint32_t nkeys;
	int has_device_id;	/* a device is known (sealed or ready) */
	uint8_t device_id[32];
	/* The TPM binding of a device sealed by a TPM (has_binding; none in
	 * test mode or without a device). */
	int has_binding;
	uint8_t lock_pcr;	/* the PCR the module caps after each unseal */
	int pcr_capped;		/* the lock PCR is off its reset value: no
				 * unseal of this device until the next boot */
	uint32_t boot_pcrs;	/* bit n = PCR n */
	int pin_set;		/* the device needs a PIN to unseal */
	uint8_t tpm_policy[32];	/* the sealed objects' policy digest */
	uint64_t tpm_counter;	/* the rollback counter value they open at */
	/* How the module's last secret-carrying TPM command ran. */
	uint32_t tpm_session;	/* enum szkm_tpm_session */
	/* The ledger keys the device believes (none: acks are unproven). */
	unsigned int ledger_keys;
	unsigned int ledger_threshold;
	char ledger_key[SZKM_LEDGER_KEYS_MAX][SZKM_LEDGER_NAME_MAX + 1];
	uint64_t ledger_size;	/* the last checkpoint the kernel accepted */
	uint32_t registry;	/* enum szkm_registry_state: keys load when READY */
	/* The ledger membership the device follows (0: device init's keys). */
	uint64_t members_epoch;
	uint8_t members_hash[32];	/* its entry's leaf hash (epoch >= 1) */
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
 * How device init seals the device. All zero ({ 0 }, or NULL for the
 * struct) is the default: no force, the module's lock PCR, no boot PCRs,
 * no PIN.
 */
struct szkm_device_opts {
	int force;		/* replace an existing device (its keys are lost) */
	int has_lock_pcr;	/* else the module's lock_pcr parameter */
	uint8_t lock_pcr;	/* 8..15, or 16 (resettable: tests only) */
	uint32_t boot_pcrs;	/* bit n = PCR n, among 0..15; 0: none */
	const uint8_t *pin;	/* NULL: no PIN; else 1..SZKM_PIN_MAX bytes */
	size_t pin_len;
	/* The ledger's verifier keys (C2SP vkey strings, ECDSA P-256) whose
	 * signed checkpoints the device will believe, and how many must sign
	 * (0: a majority). */
	const char *const *ledger_keys;
	size_t n_ledger_keys;
	uint8_t ledger_threshold;
};

/*
 * Device lifecycle (CAP_SYS_ADMIN). init makes a new device and returns
 * its blob (malloc'd; the caller frees it and stores it) and id; -EEXIST
 * when a device exists and !opts->force. unseal hands a stored blob back,
 * with the device's PIN when it has one (@pin NULL: none); -ESTALE: the
 * lock PCR is capped (reboot), -EACCES: wrong PIN. A PIN must be
 * 1..SZKM_PIN_MAX bytes (-EINVAL otherwise, before the kernel is asked);
 * the library keeps no copy of it. lock wipes the device's secrets from
 * the kernel until the next unseal.
 */
int szkm_device_init(const struct szkm_device_opts *opts, uint8_t **blob, size_t *len,
		     uint8_t id[32]);
int szkm_device_unseal(const uint8_t *blob, size_t len, int force,
		       const uint8_t *pin, size_t pin_len);
int szkm_device_lock(void);
/*
 * The pending blob szkm_ledger_members() handed back is stored durably:
 * the kernel moves the TPM's rollback counter to it and follows its trust
 * (SZKM_CMD_DEVICE_COMMIT). -ENOENT: not the pending blob; -ESTALE: the
 * counter moved past it (follow the entry again); -EBADMSG or another
 * TPM error: the counter may have moved all the same, so keep the pending
 * blob until an unseal shows which one opens. szkm_last_message().
 */
int szkm_device_commit(const uint8_t *blob, size_t len);

/*
 * What a device blob's header and TPM binding say (include/szkm.h,
 * "Device blob"), read without the kernel and without checking anything
 * cryptographically: a hint for the caller (does it need a PIN?), never a
 * verdict. -EBADMSG: no device blob (or a malformed one);
 * -EPROTONOSUPPORT: another format (format and flags are filled in).
 */
struct szkm_devblob_info {
	uint8_t format;
	uint8_t flags;		/* SZKM_DEVBLOB_TEST, SZKM_DEVBLOB_PIN */
	int has_binding;	/* sealed by a TPM (none in test mode) */
	uint8_t lock_pcr;
	uint32_t boot_pcrs;	/* bit n = PCR n */
	uint64_t counter;	/* the TPM rollback counter value it opens at */
	uint8_t policy[32];
	uint8_t device_id[32];	/* SHA-256 of the device public key it carries */
};
int szkm_devblob_info(const uint8_t *blob, size_t len, struct szkm_devblob_info *info);

struct szkm_identity {
	uint8_t id[32];		/* SHA-256 of pub */
	uint8_t pub[65];	/* P-256, 04 || X || Y */
};

int szkm_device_identity(struct szkm_identity *idn);

/* A key's public metadata, as the kernel reports it (View permission). */
struct szkm_version_info {
	uint32_t num;
	uint8_t state;		/* enum szkm_vstate */
	uint8_t origin;		/* enum szkm_origin */
	uint64_t uses;
	int has_pub;
	uint8_t pub[65];
};

struct szkm_key_info {
	int32_t serial;
	uint8_t id[16];
	char name[65];
	uint8_t alg;		/* enum szkm_alg */
	uint32_t active;
	uint32_t waiting;	/* retire/destroy/policy changes waiting for the ledger */
	uint8_t device_id[32];	/* the device whose events record the key */
	uint64_t mark;		/* seq of the key's last state-changing event */
	/* The policy. */
	uint64_t rotate_secs;	/* 0: no scheduled rotation */
	uint64_t max_uses;	/* uses of a version before it rotates; 0: no limit */
	uint32_t min_version;	/* older versions refuse to decrypt and verify */
	uint8_t ledger_mode;	/* enum szkm_ledger_mode */
	unsigned int nver;
	struct szkm_version_info ver[128];
	unsigned int ngrants;	/* the uids the key is granted to, ascending */
	uint32_t grants[SZKM_GRANTS_MAX];
};

/*
 * Finds a key: a decimal or 0x serial, or a name looked up as an szkm key
 * in the caller's keyrings. Returns the serial or a negative errno.
 */
int32_t szkm_key_find(const char *spec);
int szkm_key_info(int32_t serial, struct szkm_key_info *info);
/*
 * Grants uid @uid the use of key @serial, or with @revoke takes it back
 * (SZKM_CMD_KEY_GRANT: CAP_SYS_ADMIN, and the caller made or loaded the
 * key). For a ledger=required key it takes effect once the ledger proves
 * it; meanwhile szkm_key_info's waiting counts it.
 */
int szkm_key_grant(int32_t serial, uint32_t uid, int revoke);
const struct szkm_version_info *szkm_key_version(const struct szkm_key_info *info,
						 uint32_t num);
/* Names of enum values for people and JSON ("ecdsa-p256", "active",
 * "key-rotate", "generated"); "none" for an unknown value. */
const char *szkm_alg_name(uint8_t alg);
const char *szkm_vstate_name(uint8_t state);
const char *szkm_event_type_name(uint8_t type);
const char *szkm_origin_name(uint8_t origin);

/*
 * Managing keys through keyutils, without writing a payload (keys.c: the
 * grammar of include/szkm.h, "Managed keys"). Keyrings are what
 * keyctl(1) calls them: @t, @p, @s, @u, @us, or a serial;
 * szkm_keyring_parse turns a name into the KEY_SPEC_* value or serial
 * that add_key takes (-EINVAL otherwise), and szkm_keyring_exists says
 * whether a serial is a keyring the caller can see.
 *
 * The checks the kernel makes, made here first so that a caller can name
 * what was wrong (the kernel says it only in its log): a key name is 1 to
 * SZKM_NAME_MAX characters of [A-Za-z0-9._-] (-EINVAL); a policy option
 * is one word of "rotate=<n>s|m|h|d" (1s to 3650d), "max_uses=<1..2^32>",
 * "min_version=<n>" or "ledger=required|async": szkm_policy_word returns
 * which (enum szkm_policy_opt; the kernel refuses one given twice) or
 * -EINVAL with a reason in *why.
 *
 * create takes the algorithm's name ("aes256-gcm", ...) and NULL or
 * policy options separated by spaces, and returns the new key's serial;
 * set_policy takes options the same way. Each returns the kernel's errno:
 * -EBUSY while a change of the key waits for the ledger's proof (or the
 * version is pending), -EAGAIN until the key registry is ready, -ENOKEY
 * without a ready device. blob is `keyctl pipe`: the sealed blob as hex
 * text (malloc'd, NUL-terminated); load takes it back under its name.
 */
enum szkm_policy_opt {
	SZKM_POLICY_ROTATE,
	SZKM_POLICY_MAX_USES,
	SZKM_POLICY_MIN_VERSION,
	SZKM_POLICY_LEDGER,
};
int szkm_keyring_parse(const char *spec, int32_t *id);
int szkm_keyring_exists(int32_t serial);
int szkm_key_name_check(const char *name);
int szkm_policy_word(const char *word, const char **why);
int32_t szkm_key_create(const char *name, const char *alg, const char *policy,
			int32_t keyring);
int szkm_key_rotate(int32_t serial);
int szkm_key_retire(int32_t serial, uint32_t version);
int szkm_key_destroy(int32_t serial, uint32_t version);
int szkm_key_set_policy(int32_t serial, const char *policy);
int szkm_key_blob(int32_t serial, char **hex, size_t *len);
int32_t szkm_key_load(const char *name, const char *hex, int32_t keyring);

/*
 * What a key blob's header says (include/szkm.h, "Key blob"), read from
 * its hex without the kernel: a hint (whose device, which key), never a
 * verdict. -EBADMSG: no key blob, or its length disagrees with its header;
 * -EPROTONOSUPPORT: another format (the fields are filled in).
 */
struct szkm_keyblob_info {
	uint8_t format;
	uint8_t alg;
	uint8_t key_id[16];
	uint8_t device_id[32];
};
int szkm_keyblob_info(const char *hex, size_t len, struct szkm_keyblob_info *info);

/*
 * Every szkm key in the caller's keyrings: @u, @us, @s, @p, @t and the
 * keyrings they link, breadth first (keyrings it cannot read are passed
 * over). Each key once, with a keyring that links it, named as keyctl(1)
 * names it when it is a special one, else by its serial; then the
 * caller's own szkm keys that no keyring of its holds but a grant keeps in
 * the kernel, named SZKM_KEYRING_NONE. Returns the count and a malloc'd
 * array, or a negative errno.
 */
struct szkm_key_ref {
	int32_t serial;
	int32_t keyring;
	char ring[12];
};
int szkm_key_list(struct szkm_key_ref **refs);
/* The keyring named for a key of the caller's that no keyring of its holds. */
#define SZKM_KEYRING_NONE "none"

/*
 * ECIES of include/szkm.h with OpenSSL: encrypt @len bytes to version
 * @version's public key @pub. @out gets len + SZKM_ECIES_OVERHEAD bytes.
 */
int szkm_ecies_encrypt(const uint8_t pub[65], uint32_t version,
		       const uint8_t *in, size_t len, uint8_t *out);
/*
 * Events (the journal of include/szkm.h). ack: the ledger holds event @seq
 * at @index. resume: after an unseal, the chain continues after @seq whose
 * body hashes to @hash. Both name the device @dev (its id; NULL: whichever
 * is there), so a re-initialised device's numbers are never taken for the
 * old one's (-ESTALE). replay: every journalled event after @after, in
 * order. subscribe/receive: the "events" multicast group; receive blocks
 * for one batch, or with @nonblock reads all that is queued and returns
 * (poll the fd first). -ENOBUFS: the socket overran, replay. Messages that
 * are no well-formed event are skipped and counted (sub_malformed). The
 * callback returning < 0 stops, and that value is returned.
 */
typedef int (*szkm_event_cb)(uint64_t seq, const uint8_t *body, size_t len,
			     const uint8_t sig[64], void *arg);
/*
 * The ledger's proof, for a device with ledger keys (include/szkm.h,
 * "Ledger proofs"): prove hands the kernel a signed checkpoint @note, the
 * consistency proof from the last checkpoint it accepted (status
 * ledger_size; none for the first) and up to SZKM_LEDGER_PROOFS_MAX
 * inclusion proofs of journalled events; the kernel frees them from its
 * journal only when everything holds, else it refuses the whole message
 * (szkm_last_message() says why). resume_proven: after an unseal, the
 * chain continues after the device's event @body/@sig, proven by @p.
 */
struct szkm_event_proof {
	uint64_t seq;
	uint64_t index;
	const uint8_t (*path)[32];
	size_t n;
};
int szkm_event_prove(const uint8_t *dev, const char *note, size_t note_len,
		     const uint8_t (*cons)[32], size_t ncons,
		     const struct szkm_event_proof *p, size_t n);
int szkm_event_resume_proven(const uint8_t *dev, const char *note, size_t note_len,
			     const uint8_t *body, size_t len, const uint8_t sig[64],
			     const struct szkm_event_proof *p);
int szkm_event_replay(uint64_t after, szkm_event_cb cb, void *arg);
/*
 * The device follows one ledger membership entry (include/szkm.h, "Ledger
 * membership", SZKM_CMD_LEDGER_MEMBERS): @entry (leaf data, @len bytes) at
 * @p->index with its inclusion proof @p->path (@p->n hashes; @p->seq is
 * unused), under checkpoint @note signed by the device's current ledger
 * keys, @cons its consistency proof from STATUS ledger_size. On success
 * *@blob (malloc'd, caller frees) is the re-sealed device blob, pending:
 * store it durably beside the old one, then szkm_device_commit() it, then
 * put it in the old one's place. The kernel's refusal: szkm_last_message().
 */
int szkm_ledger_members(const uint8_t *entry, size_t len, const char *note,
			size_t note_len, const uint8_t (*cons)[32], size_t ncons,
			const struct szkm_event_proof *p, uint8_t **blob,
			size_t *bloblen);
/*
 * After a proven resume, the kernel rebuilds its key registry (rollback
 * protection, include/szkm.h "key registry") from the device's chain: every
 * event body of device @dev from seq 1 to the resume point, in order, each
 * with its signature @sig (64 bytes: a format-3 or 4 event's link covers it). The
 * batch collects them (copied) and sends SZKM_CHAIN_RESTORE_MAX per
 * message; add returns the kernel's refusal, if any, of a full batch; end
 * sends the rest. A body of another device, or out of order, is refused
 * here with -EINVAL before it is sent. The kernel then records a
 * DEVICE_RESUME event, and the registry is ready once the ledger proves it.
 */
struct szkm_chain_batch;
struct szkm_chain_batch *szkm_chain_batch_new(const uint8_t dev[32]);
int szkm_chain_batch_add(struct szkm_chain_batch *b, const uint8_t *body, size_t len,
			 const uint8_t *sig);
int szkm_chain_batch_end(struct szkm_chain_batch *b);
void szkm_chain_batch_free(struct szkm_chain_batch *b);
/* The registry state's name: "none", "restoring", "proving", "ready". */
const char *szkm_registry_state_name(uint32_t state);
struct szkm_event_sub;
struct szkm_event_sub *szkm_event_subscribe(int nonblock);
int szkm_event_sub_fd(struct szkm_event_sub *s);
/* The socket's receive buffer (4 MiB by default); small ones overrun. */
int szkm_event_sub_rcvbuf(struct szkm_event_sub *s, int bytes);
unsigned long szkm_event_sub_malformed(struct szkm_event_sub *s);
int szkm_event_receive(struct szkm_event_sub *s, szkm_event_cb cb, void *arg);
void szkm_event_unsubscribe(struct szkm_event_sub *s);
/*
 * Checks one generic netlink message as an SZKM_CMD_EVENT: the command,
 * SZKM_A_SEQ (u64), SZKM_A_EVENT (1..SZKM_EVENT_MAX_LEN bytes) and
 * SZKM_A_EVENT_SIG (64 bytes). Pointers point into @nlh. -EBADMSG and a
 * reason in *why otherwise.
 */
struct nlmsghdr;
int szkm_event_msg_parse(struct nlmsghdr *nlh, uint64_t *seq, const uint8_t **body,
			 size_t *len, const uint8_t **sig, const char **why);

/*
 * Sends @cmd with @len bytes of attributes encoded by the caller, as they
 * are (tests: requests the library itself would never build). The
 * kernel's errno, and its reason in szkm_last_message().
 */
int szkm_genl_send_raw(uint8_t cmd, const void *attrs, size_t len);

/* Writes a P-256 public point as SubjectPublicKeyInfo PEM. */
int szkm_p256_write_pem(FILE *f, const uint8_t pub[65]);

/*
 * Verifying a key against the ledger, before anything trusts it.
 *
 * A verifier holds what the application trusts: the ledger's verifier keys
 * (C2SP signed-note vkey strings, as `ledgerd vkey` prints them), how many
 * of them must sign a checkpoint, and a state file that keeps the last
 * checkpoint this client accepted (per user). The ledger node it reads
 * (ledgerd's HTTP API, http or https) is not trusted.
 *
 * szkm_verify_key() accepts key @id's history only when:
 *   - the node's checkpoint is signed by @threshold of the keys;
 *   - it extends the checkpoint in the state file (consistency proof);
 *   - every entry of the key in the checkpoint's tree is proven in it
 *     (inclusion proof), decodes, carries the signature of the device
 *     whose enrolment entry (proven the same way) holds its key, and
 *     follows the one before in the device's chain;
 * then the state file takes the checkpoint (written atomically, only on
 * success; calls on one state file are serialised by a lock on its
 * folder). A verifier is for one thread at a time.
 *
 * Whatever fails is said in one line by szkm_verify_message(), and the
 * errno says what kind of failure it was:
 *   -ENOKEY        the checkpoint is not signed by @threshold of the keys
 *                  (signed by an unknown key only, by too few, or a
 *                  configured key's signature does not verify)
 *   -ESTALE        the checkpoint does not extend the one accepted before
 *                  (a smaller tree, the same size with another root, a
 *                  failed consistency proof, another origin): the ledger
 *                  was rolled back or forked
 *   -EUCLEAN       an entry of the key is not in the checkpoint's tree
 *                  (inclusion proof fails): changed in the node's storage
 *   -EKEYREJECTED  a proven entry is no event of the key's device: not
 *                  well-formed, a device signature that fails, a broken
 *                  chain, no enrolment of the device before it
 *   -EBADMSG       (szkm_verify_agrees) the kernel's key is not the one
 *                  the ledger records
 *   -ENOENT        the ledger holds no entry of the key (HTTP 404 or none
 *                  in the checkpoint)
 *   -EIO, -EPROTO, -E2BIG  the node is unreachable, answered with an HTTP
 *                  error or with something else than asked, or too much
 *   -EINVAL        bad options; -ENOMEM
 */
struct szkm_verifier_opts {
	const char *ledger;		/* "http://127.0.0.1:8780" */
	const char *const *keys;	/* 1..SZKM_LEDGER_KEYS_MAX vkeys */
	size_t nkeys;
	unsigned int threshold;		/* signatures needed; 0: a majority */
	/* NULL: $XDG_STATE_HOME/szkm/checkpoint, else
	 * ~/.local/state/szkm/checkpoint */
	const char *state;
};

struct szkm_verifier;

int szkm_verifier_new(const struct szkm_verifier_opts *opts, struct szkm_verifier **out);
void szkm_verifier_free(struct szkm_verifier *v);

/* Why the last szkm_verifier_new() or szkm_verify_*() call of this thread
 * failed, in one line; "" after a success. */
const char *szkm_verify_message(void);

/* One event of the key's history, verified. */
struct szkm_verified_event {
	uint64_t index;		/* its entry in the ledger */
	uint64_t seq;		/* the device's sequence number */
	uint8_t type;		/* enum szkm_event_type */
	uint8_t state;		/* enum szkm_vstate the event records */
	uint32_t version;
	char actor[96];		/* "uid=U auid=A pid=P comm=C", "kernel", ... */
};

/*
 * One version as the ledger records it. @state: once the ledger's proof
 * of every event has reached the kernel (a pending version is active
 * then, and the one active before it decrypt-only). @before: what the
 * kernel shows until the proof of the key's last change reaches it (that
 * change's new version pending, a retire or destroy not applied yet);
 * equal to @state when that change did not wait for the ledger.
 */
struct szkm_verified_version {
	uint32_t num;
	uint8_t state;		/* enum szkm_vstate */
	uint8_t before;
	uint8_t origin;		/* enum szkm_origin */
	int has_pub;		/* ecdsa-p256 and ecdh-p256 keys */
	uint8_t pub[65];
};

/* What szkm_verify_key() returns: read it, free it with
 * szkm_verified_key_free(). */
struct szkm_verified_key {
	uint8_t id[16];
	char name[65];
	uint8_t alg;		/* enum szkm_alg */
	uint8_t device_id[32];
	uint32_t active;	/* the version @state says is active; 0: none */
	/* The checkpoint it was verified against. */
	char origin[256];
	uint64_t size;
	uint8_t root[32];
	unsigned int signers;	/* configured keys whose signature verified */
	unsigned int threshold;
	unsigned int nkeys;
	int has_previous;	/* the state file held a checkpoint ... */
	uint64_t previous_size;	/* ... of this size, which this one extends */
	size_t later;		/* entries of the key past the checkpoint: not
				 * verified yet, not in events */
	size_t nevents;		/* in ledger order */
	struct szkm_verified_event *events;
	size_t nversions;	/* in the order they appeared */
	struct szkm_verified_version *versions;
};

int szkm_verify_key(struct szkm_verifier *v, const uint8_t id[16],
		    struct szkm_verified_key **out);
void szkm_verified_key_free(struct szkm_verified_key *vk);
const struct szkm_verified_version *szkm_verified_version(const struct szkm_verified_key *vk,
							   uint32_t num);

/*
 * Whether the kernel's key (szkm_key_info) is the one the ledger records:
 * the same device, id, name and algorithm; every version the ledger has,
 * with its public key; the kernel's mark (its key's last change) is the
 * ledger's last change of the key, or comes after the checkpoint (then
 * the kernel must show the ledger's states: that change waits for its
 * proof); an older mark is an older copy of the key; the same state per
 * version, all as @state says or all as @before says (the kernel may not
 * have the proof of the last change yet). A version the kernel has and the ledger does not is accepted only
 * while it is pending (its event is not in the checkpoint yet): it cannot
 * be used. 0, or -EBADMSG with a reason naming the version and the field.
 */
int szkm_verify_agrees(const struct szkm_verified_key *vk, const struct szkm_key_info *kernel);

/*
 * All of it in one call: the kernel's key @serial (szkm_key_find() finds
 * it by name), verified against the ledger, then checked to agree with
 * it. @kernel (may be NULL) gets what the kernel reports. On success
 * *out is the verified key.
 */
int szkm_verify_key_by_serial(struct szkm_verifier *v, int32_t serial,
			      struct szkm_key_info *kernel, struct szkm_verified_key **out);

/*
 * The export bundle (include/szkm.h, "Export bundle"): a key's public
 * metadata as the kernel held it, sealed under a key derived from the
 * device's export key E, which only the kernel holds. A client keeps it
 * or hands it on; it proves nothing by itself: it is worth something only
 * when the kernel opens it (it is this device's, for that key, unmodified
 * and still the key's state) and the ledger agrees with what it holds.
 *
 * export: the bundle of key @serial (View permission), malloc'd.
 * open: the kernel opens @bundle for key @serial (View permission on it)
 * and fills @info with what the bundle holds (@info->uses as at export).
 * The kernel's errno, and its reason in szkm_last_message(): -EBADMSG
 * malformed, truncated or modified; -EPROTONOSUPPORT another format;
 * -EKEYREJECTED another device's, or another key's; -ESTALE older than
 * the key's state (replayed) or no longer its state; -EACCES/-ENOKEY no
 * View permission, or no such key. -EMSGSIZE: longer than any bundle
 * (not sent).
 * info: what the clear header says, read without the kernel: a hint
 * (which key, whose device), never a verdict. -EBADMSG: no bundle, or
 * shorter or longer than any; -EPROTONOSUPPORT: another format (format
 * filled in).
 */
struct szkm_bundle_info {
	uint8_t format;
	uint8_t alg;		/* enum szkm_alg */
	uint8_t device_id[32];
	uint8_t key_id[16];
	uint32_t version;	/* the active version at export */
	uint64_t mark;		/* the key's registry mark at export */
};
int szkm_bundle_export(int32_t serial, uint8_t **bundle, size_t *len);
int szkm_bundle_open(int32_t serial, const uint8_t *bundle, size_t len,
		     struct szkm_key_info *info);
int szkm_bundle_info(const uint8_t *bundle, size_t len, struct szkm_bundle_info *info);

/*
 * A bundle accepted only when it matches the ledger: the kernel opens it
 * for key @serial (szkm_bundle_open; refused: szkm_verify_message() says
 * "bundle of key N: the kernel refused it: <the kernel's reason>"), the
 * ledger verifies the key's history (szkm_verify_key) and what the bundle
 * holds agrees with it (szkm_verify_agrees). @opened (may be NULL) gets
 * what the bundle holds. On success *out is the verified key.
 */
int szkm_verify_bundle(struct szkm_verifier *v, int32_t serial, const uint8_t *bundle,
		       size_t len, struct szkm_key_info *opened, struct szkm_verified_key **out);

#pragma GCC visibility pop

#endif /* LIBSZKM_H */
