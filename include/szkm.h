/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * szkm.h - the one header shared by szkm.ko and userspace.
 *
 * It defines the generic netlink family "szkm" (commands, attributes,
 * multicast groups) and, as later parts land, the event encoding and the
 * blob and ciphertext formats. A format is defined here once; both sides
 * include this file.
 *
 * Family "szkm", version SZKM_GENL_VERSION. Every command needs
 * CAP_SYS_ADMIN unless noted.
 *
 * SZKM_CMD_STATUS (doit): no attributes. Reply:
 *     SZKM_A_VERSION     string, module version
 *     SZKM_A_STATE       u32, enum szkm_device_state
 *     SZKM_A_TPM         u32, enum szkm_tpm_state
 *     SZKM_A_TEST_MODE   u8, 1 in test mode: the module's test_mode=1, or a
 *                        device made without a TPM (INSECURE, logged loudly)
 *     SZKM_A_NKEYS       u32, number of szkm keys instantiated
 *     SZKM_A_DEVICE_ID   [32], when a device is known (sealed or ready)
 *   and, for a device sealed by a TPM (the TPM binding, see "Device blob"):
 *     SZKM_A_LOCK_PCR    u8, the PCR the module caps after each unseal
 *     SZKM_A_PCR_CAPPED  u8, 1: the lock PCR is off its reset value (capped
 *                        by szkm, or extended by someone else): no unseal
 *                        of this device until the next boot
 *     SZKM_A_BOOT_PCRS   u32, bitmap of the boot PCRs the device is bound to
 *     SZKM_A_PIN_SET     u8, 1: the device needs a PIN to unseal
 *     SZKM_A_TPM_POLICY  [32], the sealed objects' TPM2 policy digest
 *     SZKM_A_TPM_SESSION u8, how the module's last TPM command that carried a
 *                        secret ran: 0 none yet, 1 in a salted HMAC session
 *                        with parameter encryption both ways and a checked
 *                        response HMAC, 2 in clear (a test-only build)
 *
 * SZKM_CMD_DEVICE_INIT (doit): make a new device: generate R, E and D in
 *   the kernel, seal R and E with the TPM, wrap D under R. Refused with
 *   -EEXIST when a device is known (sealed or ready) unless SZKM_A_FORCE
 *   is given, which wipes it (its keys become unreadable). Refused with
 *   -ENODEV without a TPM 2.0 unless the module's test_mode=1. Attributes:
 *     SZKM_A_FORCE       flag, optional
 *     SZKM_A_LOCK_PCR    u8, optional: the lock PCR (default: the module's
 *                        lock_pcr parameter); 8..15, or 16 (resettable:
 *                        tests only, logged loudly)
 *     SZKM_A_BOOT_PCRS   u32, optional: bitmap of PCRs 0..15 to bind to, at
 *                        their values now (e.g. 1 << 7, Secure Boot state)
 *     SZKM_A_PIN         1..SZKM_PIN_MAX bytes, optional: a PIN, needed at
 *                        every unseal (PolicyAuthValue; the TPM's
 *                        dictionary-attack lockout counts wrong ones)
 *   Reply:
 *     SZKM_A_DEVICE_BLOB  the device blob (format below) for userspace to keep
 *     SZKM_A_DEVICE_ID    [32]
 * SZKM_CMD_DEVICE_UNSEAL (doit): hand the stored blob back (at boot).
 *   Attributes: SZKM_A_DEVICE_BLOB (required), SZKM_A_FORCE (optional: take
 *   a blob of another device than the sealed one), SZKM_A_PIN (when the
 *   device has one). No reply attributes.
 *   The TPM unseals R and E once per boot: the module caps the lock PCR
 *   right after, and after a failure in which the TPM may have unsealed
 *   either (not after a wrong PIN or a refused policy). -EALREADY: this device is ready already; -ESTALE: the lock
 *   PCR is capped (a reboot is needed); -EKEYREJECTED: sealed by a
 *   different TPM, or a boot PCR changed (the message names it);
 *   -EACCES: wrong PIN (counted by the TPM's lockout); -EBADMSG: malformed
 *   or modified blob; -EBUSY: another device is ready. The state is
 *   unchanged on any error.
 * SZKM_CMD_IDENTITY (doit): no attributes. Reply (device sealed or ready):
 *     SZKM_A_DEVICE_ID    [32], SHA-256 of the public key
 *     SZKM_A_PUBKEY       [65], D's public key, uncompressed P-256 point
 *   -ENOKEY when there is no device.
 * SZKM_CMD_DEVICE_LOCK (doit): no attributes. Wipes R, E and D from memory;
 *   the device is sealed until the next unseal (its id stays known).
 *
 * SZKM_CMD_KEY_PUBLIC (doit; no capability needed, the caller needs View
 *   permission on the key, checked as keyctl does): a key's public metadata.
 *   Attributes: SZKM_A_KEY_SERIAL. Reply: SZKM_A_KEY_ID, SZKM_A_NAME,
 *   SZKM_A_ALG, SZKM_A_ACTIVE, SZKM_A_JOURNAL (u32: the key's retire,
 *   destroy or policy changes that wait for the ledger's proof, which
 *   ledger=required keys apply only then), SZKM_A_DEVICE_ID (the device
 *   whose events record the key), SZKM_A_KEY_MARK (u64: the sequence number
 *   of the key's last state-changing event, as the key registry holds it:
 *   the event a client finds in the ledger to know it sees this state, or
 *   the waiting change's), the policy (SZKM_A_ROTATE_SECS, SZKM_A_MAX_USES,
 *   SZKM_A_MIN_VERSION, SZKM_A_LEDGER_MODE) and SZKM_A_VERSIONS, one nest
 *   per version with SZKM_VA_NUM, SZKM_VA_STATE, SZKM_VA_ORIGIN,
 *   SZKM_VA_USES and, for asymmetric keys, SZKM_VA_PUBKEY. Never a secret.
 *
 * SZKM_CMD_KEY_EXPORT (doit; no capability, View permission on the key as
 *   for KEY_PUBLIC): the key's public metadata as an export bundle (format
 *   below, "Export bundle"), sealed under a key derived from the device's
 *   export key E. Attributes: SZKM_A_KEY_SERIAL. Reply: SZKM_A_BUNDLE.
 *   -ENOKEY: the device is not ready (E is not in memory).
 * SZKM_CMD_BUNDLE_OPEN (doit; no capability, View permission on the key
 *   the bundle is for): the kernel opens a bundle and says what it holds.
 *   Attributes: SZKM_A_KEY_SERIAL (the key), SZKM_A_BUNDLE. Reply: the
 *   attributes of KEY_PUBLIC, with the values the bundle holds (SZKM_VA_USES
 *   as at export). Refused, nothing changed, the extended ack naming why:
 *   -EBADMSG malformed, truncated, or modified (it does not authenticate);
 *   -EPROTONOSUPPORT another format; -EKEYREJECTED made by another device,
 *   or for another key than SZKM_A_KEY_SERIAL; -ESTALE older than the key's
 *   state in the kernel (replayed: made before a rotate, retire, destroy or
 *   policy change) or no longer its state.
 * SZKM_CMD_KEY_GRANT (doit; CAP_SYS_ADMIN, and the caller's fsuid is the
 *   uid that made or loaded the key, with View permission on it): grants
 *   uid SZKM_A_GRANT_UID the use of the key SZKM_A_KEY_SERIAL, or with
 *   SZKM_A_REVOKE takes that grant back. The kernel records a KEY_GRANT or
 *   KEY_REVOKE event; for a ledger=required key the change takes effect
 *   only when the ledger proves it (SZKM_A_JOURNAL counts it meanwhile),
 *   as a retire does. -EEXIST: granted already, or the uid holds a grant
 *   of another key of that name; -ENOENT: no such grant to revoke; -ENOSPC:
 *   SZKM_GRANTS_MAX grants; -EBUSY: another change waits for the ledger;
 *   -EPERM: not the key's owner, or the key object is itself a grant.
 *   KEY_PUBLIC replies carry SZKM_A_GRANTS (the grants in force: all of
 *   them for the key's owner and CAP_SYS_ADMIN, else the caller's own).
 *
 * Every failure carries an extended-ack message that says why.
 */
#ifndef _SZKM_H
#define _SZKM_H

#define SZKM_GENL_NAME		"szkm"
#define SZKM_GENL_VERSION	1
#define SZKM_KEY_TYPE		"szkm"
#define SZKM_MCGRP_EVENTS	"events"

enum szkm_cmd {
	SZKM_CMD_UNSPEC,
	SZKM_CMD_STATUS,
	SZKM_CMD_DEVICE_INIT,
	SZKM_CMD_DEVICE_UNSEAL,
	SZKM_CMD_IDENTITY,
	SZKM_CMD_DEVICE_LOCK,
	SZKM_CMD_EVENT,		/* multicast on "events"; also replay replies */
	SZKM_CMD_EVENT_ACK,
	SZKM_CMD_EVENT_REPLAY,
	SZKM_CMD_KEY_PUBLIC,
	SZKM_CMD_EVENT_RESUME,
	SZKM_CMD_EVENT_PROVE,
	SZKM_CMD_CHAIN_RESTORE,
	SZKM_CMD_KEY_EXPORT,
	SZKM_CMD_BUNDLE_OPEN,
	SZKM_CMD_KEY_GRANT,	/* grant or revoke a uid's use of a key (below) */
	SZKM_CMD_LEDGER_MEMBERS, /* follow a membership entry ("Ledger membership") */
	SZKM_CMD_DEVICE_COMMIT,	/* the re-sealed blob is stored: move the counter ("Device blob") */
	__SZKM_CMD_MAX
};
#define SZKM_CMD_MAX (__SZKM_CMD_MAX - 1)

enum szkm_attr {
	SZKM_A_UNSPEC,
	SZKM_A_VERSION,
	SZKM_A_STATE,
	SZKM_A_TPM,
	SZKM_A_TEST_MODE,
	SZKM_A_NKEYS,
	SZKM_A_DEVICE_BLOB,
	SZKM_A_DEVICE_ID,
	SZKM_A_PUBKEY,
	SZKM_A_FORCE,
	SZKM_A_EVENT,		/* binary, canonical event body (below) */
	SZKM_A_EVENT_SIG,	/* [64], ECDSA P-256 r || s by D */
	SZKM_A_SEQ,		/* u64, per-device event sequence number */
	SZKM_A_LEDGER_INDEX,	/* u64, the entry's index in the ledger */
	SZKM_A_KEY_SERIAL,	/* u32, a keyring key serial number */
	SZKM_A_KEY_ID,		/* [16] */
	SZKM_A_NAME,		/* string, the key's name */
	SZKM_A_ALG,		/* u8, enum szkm_alg */
	SZKM_A_ACTIVE,		/* u32, the active version (0: none) */
	SZKM_A_VERSIONS,	/* nest of SZKM_A_VERSIONS entries, each a nest of SZKM_VA_* */
	SZKM_A_EVENT_HASH,	/* [32], SHA-256 of an event body */
	SZKM_A_CHAIN,		/* u8, 1 when the event chain position is known */
	SZKM_A_JOURNAL,		/* u32, events waiting for the ledger */
	SZKM_A_LOCK_PCR,	/* u8 */
	SZKM_A_PCR_CAPPED,	/* u8 */
	SZKM_A_BOOT_PCRS,	/* u32, bit n = PCR n */
	SZKM_A_PIN,		/* binary, 1..SZKM_PIN_MAX */
	SZKM_A_PIN_SET,		/* u8 */
	SZKM_A_TPM_POLICY,	/* [32] */
	SZKM_A_TPM_SESSION,	/* u8, enum szkm_tpm_session */
	SZKM_A_LEDGER_KEYS,	/* nest of SZKM_A_LEDGER_KEY verifier key strings */
	SZKM_A_LEDGER_KEY,	/* string, a C2SP verifier key (see "Ledger proofs") */
	SZKM_A_LEDGER_THRESHOLD, /* u8, enrolled keys that must sign a checkpoint */
	SZKM_A_CHECKPOINT,	/* binary, a signed checkpoint note */
	SZKM_A_CONSISTENCY,	/* binary, n x 32: from the last proven checkpoint */
	SZKM_A_PROOFS,		/* nest of SZKM_A_PROOF entries */
	SZKM_A_PROOF,		/* nest: SZKM_A_SEQ, SZKM_A_LEDGER_INDEX, SZKM_A_INCLUSION */
	SZKM_A_INCLUSION,	/* binary, n x 32: an inclusion proof, leaf to root */
	SZKM_A_LEDGER_SIZE,	/* u64, size of the last checkpoint the kernel accepted */
	SZKM_A_EVENTS,		/* nest of SZKM_A_EVENT bodies (each with its SZKM_A_EVENT_SIG), in order */
	SZKM_A_REGISTRY,	/* u8, enum szkm_registry_state */
	SZKM_A_KEY_MARK,	/* u64, seq of the key's last state-changing event */
	SZKM_A_ROTATE_SECS,	/* u64, the key's rotation period (0: none) */
	SZKM_A_MAX_USES,	/* u64, uses of a version before it rotates (0: no limit) */
	SZKM_A_MIN_VERSION,	/* u32, older versions refuse to decrypt and verify */
	SZKM_A_LEDGER_MODE,	/* u8, enum szkm_ledger_mode */
	SZKM_A_BUNDLE,		/* binary, an export bundle (below), at most SZKM_BUNDLE_MAX */
	SZKM_A_GRANT_UID,	/* u32, a uid (initial user namespace) granted a key */
	SZKM_A_REVOKE,		/* flag: KEY_GRANT takes the grant back */
	SZKM_A_GRANTS,		/* nest of SZKM_A_GRANT_UID, the uids a key is granted to */
	SZKM_A_ENTRY,		/* binary, a ledger entry's leaf data */
	SZKM_A_MEMBERS_EPOCH,	/* u64, the membership epoch the device follows (0: none) */
	SZKM_A_MEMBERS_HASH,	/* [32], leaf hash of that membership entry */
	SZKM_A_TPM_COUNTER,	/* u64, the rollback counter value the device's blob is sealed at */
	__SZKM_A_LAST
};
#define SZKM_A_MAX (__SZKM_A_LAST - 1)

enum szkm_ver_attr {
	SZKM_VA_UNSPEC,
	SZKM_VA_NUM,		/* u32 */
	SZKM_VA_STATE,		/* u8, enum szkm_vstate */
	SZKM_VA_ORIGIN,		/* u8, enum szkm_origin */
	SZKM_VA_USES,		/* u64 */
	SZKM_VA_PUBKEY,		/* [65] */
	__SZKM_VA_LAST
};
#define SZKM_VA_MAX (__SZKM_VA_LAST - 1)

enum szkm_mcgrp {
	SZKM_MCGRP_EVENTS_IDX,
};

/* Device lifecycle: no device yet, sealed (blob not yet handed back), ready. */
enum szkm_device_state {
	SZKM_DEV_UNINITIALISED,
	SZKM_DEV_SEALED,
	SZKM_DEV_READY,
};

enum szkm_tpm_state {
	SZKM_TPM_NONE,		/* no TPM chip registered */
	SZKM_TPM_1_2,		/* a TPM 1.2: not supported */
	SZKM_TPM_2_0,
};

enum szkm_tpm_session {
	SZKM_TPM_SESSION_NONE,		/* no secret-carrying command yet */
	SZKM_TPM_SESSION_ENCRYPTED,	/* salted, AES-128-CFB both ways, HMAC checked */
	SZKM_TPM_SESSION_CLEAR,		/* test-only build: secrets in clear */
};

#define SZKM_PIN_MAX		64
#define SZKM_LOCK_PCR_DEFAULT	13
#define SZKM_LOCK_PCR_TEST	16	/* the debug PCR: resettable, tests only */
#define SZKM_BOOT_PCRS_ALLOWED	0xffff	/* boot PCRs are among 0..15 */

/*
 * The TPM storage parent: the persistent SRK at SZKM_TPM2_SRK_HANDLE when
 * present (szkmctl tpm provision makes it), else a primary key the module
 * makes under the owner hierarchy from the same template, the TCG SRK
 * template for ECC NIST P-256 (TCG TPM v2.0 Provisioning Guidance, 7.5.1):
 * nameAlg SHA-256; fixedTPM, fixedParent, sensitiveDataOrigin,
 * userWithAuth, noDA, restricted, decrypt; empty authPolicy; AES-128-CFB;
 * scheme NULL; NIST P-256; kdf NULL; unique x and y 32 zero bytes each.
 * A TPM makes the same key from the same template, so both are one key.
 */
#define SZKM_TPM2_SRK_HANDLE	0x81000001
#define SZKM_TPM2_SRK_ATTRS	0x00030472
/*
 * The SRK template above as a marshalled TPMT_PUBLIC (big-endian, without
 * the TPM2B size): the one definition that the module's TPM2_CreatePrimary
 * and szkmctl tpm provision send; tests/unit/test_srk_template.c pins it
 * against tpm2-tss's marshalling. Kernel and userspace alike:
 *   static const u8 t[] = SZKM_TPM2_SRK_TEMPLATE;	(or uint8_t)
 */
#define SZKM_TPM2_SRK_TEMPLATE_LEN	90
#define SZKM_TPM2_SRK_TEMPLATE {					\
	0x00, 0x23,			/* type: TPM_ALG_ECC */		\
	0x00, 0x0b,			/* nameAlg: TPM_ALG_SHA256 */	\
	(SZKM_TPM2_SRK_ATTRS >> 24) & 0xff,				\
	(SZKM_TPM2_SRK_ATTRS >> 16) & 0xff,				\
	(SZKM_TPM2_SRK_ATTRS >> 8) & 0xff,				\
	SZKM_TPM2_SRK_ATTRS & 0xff,	/* objectAttributes */		\
	0x00, 0x00,			/* authPolicy: empty */		\
	0x00, 0x06, 0x00, 0x80, 0x00, 0x43, /* symmetric: AES-128-CFB */ \
	0x00, 0x10,			/* scheme: TPM_ALG_NULL */	\
	0x00, 0x03,			/* curveID: NIST P-256 */	\
	0x00, 0x10,			/* kdf: TPM_ALG_NULL */		\
	0x00, 0x20,			/* unique.x: 32 zero bytes */	\
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,			\
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,			\
	0x00, 0x20,			/* unique.y: 32 zero bytes */	\
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,			\
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,			\
}

#define SZKM_TPM2_NAME_LEN	34	/* nameAlg (SHA-256) || digest */
#define SZKM_TPM2_SEALED_MAX	512	/* TPM2B_PRIVATE || TPM2B_PUBLIC */

/*
 * Device blob: what SZKM_CMD_DEVICE_INIT returns and DEVICE_UNSEAL takes
 * (binary; szkmctl keeps it in /var/lib/szkm/device.blob). Integers are
 * big-endian; every field is length-prefixed, every length is checked and
 * the fields fill the blob exactly.
 *
 *   magic "SZKD" | format u8 (4) | flags u8 | reserved u16 (0)
 *   u16 len | parent name    SZKM_TPM2_NAME_LEN; 0 bytes in test mode
 *   u16 len | device pubkey  65, D's public key (04 || X || Y)
 *   u16 len | TPM binding    0 bytes in test mode, else
 *             lock PCR u8 | boot PCRs be32 (bit n = PCR n) |
 *             counter index be32 | counter value be64 |
 *             policy digest [32] | the boot PCRs' SHA-256 values at init
 *             [32 each, ascending PCR order]
 *   u16 len | sealed R       1..SZKM_TPM2_SEALED_MAX: TPM2B_PRIVATE ||
 *                            TPM2B_PUBLIC of a TPM2 sealed data object
 *   u16 len | sealed E       the same
 *   u16 len | ledger trust   threshold u8 (1..count) |
 *             count u8 (1..SZKM_LEDGER_KEYS_MAX) |
 *             count x (name length u8 | name | P-256 public key [65]),
 *             the ledger keys whose signed checkpoints the kernel believes
 *             [ | epoch be64 (>= 1) | membership hash [32] ]: present
 *             once the device followed a membership entry (SZKM_CMD_
 *             LEDGER_MEMBERS): its epoch and leaf hash. A field without
 *             them (every blob made by device init, and blobs of modules
 *             before this) is epoch 0: the keys device init was given.
 *   u16 len | wrapped D      60: iv[12] || AES-256-GCM(D)[32] || tag[16]
 *
 * flags: SZKM_DEVBLOB_TEST: no TPM; R and E are under a fixed key built
 * into the module (INSECURE, test mode only; the module refuses such a
 * blob unless loaded with test_mode=1). SZKM_DEVBLOB_PIN: the sealed
 * objects need a PIN. Format 2 (no ledger trust field) is refused.
 * Test mode has no binding and so no counter: an old test blob unseals.
 *
 * R and E are sealed objects (fixedTPM, fixedParent; noDA only without a
 * PIN; userWithAuth clear, so only their policy opens them) whose
 * authPolicy is, in SHA-256 policy-digest arithmetic:
 *   TPM2_PolicyPCR(SHA-256 bank, {lock PCR} + boot PCRs,
 *                  H(lock PCR at its reset value, 32 zeros || boot values))
 *   TPM2_PolicyNV(the counter index, operandB = counter value be64,
 *                 offset 0, TPM_EO_EQ)
 *   [then TPM2_PolicyAuthValue when there is a PIN; authValue = SHA-256(PIN)]
 * The module extends the lock PCR with random bytes right after device
 * init and after every unseal, so the TPM opens R and E at most once per
 * boot, for the module. Format 1 blobs (no policy) are refused.
 *
 * The counter is the rollback guard. It is a TPM NV counter at
 * SZKM_TPM_COUNTER_INDEX with exactly SZKM_TPM_COUNTER_ATTRS (its name
 * is in the policy, so an index of other attributes fails it), which
 * device init defines when absent (owner hierarchy, empty password) and
 * increments once if never written. A counter only goes up, and one that
 * is redefined starts above every value any counter on the TPM ever held,
 * so a blob sealed at a value opens only while the counter is at it.
 * Following a membership entry re-seals R and E at the counter's value
 * + 1 (SZKM_CMD_LEDGER_MEMBERS hands that blob back, the device still on
 * the old trust); once userspace has stored it, SZKM_CMD_DEVICE_COMMIT
 * with the same blob increments the counter, reads it back in the
 * HMAC-checked session and, if it is that value, moves the device to the
 * new trust. From then on every older blob fails TPM2_PolicyNV: an old
 * copy of the blob (with the ledger keys it trusted then) no longer
 * unseals. A commit that fails (EBADMSG: an answer failed its HMAC
 * check) may still have moved the counter: userspace keeps the pending
 * blob until an unseal shows which of the two opens; a commit tried again
 * increments only a counter one short of the blob's value. Formats 1 to
 * 3 (no counter) are refused.
 *
 * D is wrapped under HMAC-SHA256(R, SZKM_DEVBLOB_D_LABEL) with
 * AAD = SZKM_DEVBLOB_D_LABEL || every blob byte before the wrapped D's
 * length, so a change anywhere (flags, parent, public key, binding, sealed
 * R or E) fails the tag. Key material at rest (szkm_device_wrap) uses
 * HMAC-SHA256(R, SZKM_WRAP_LABEL).
 */
#define SZKM_DEVBLOB_MAGIC	"SZKD"
#define SZKM_DEVBLOB_FORMAT	4
#define SZKM_DEVBLOB_HDR_LEN	8
#define SZKM_DEVBLOB_TEST	0x01
#define SZKM_DEVBLOB_PIN	0x02
#define SZKM_DEVBLOB_D_LABEL	"szkm-device-identity-v1"
#define SZKM_WRAP_LABEL		"szkm-key-wrap-v1"
#define SZKM_DEVBLOB_WRAPPED_D_LEN	(12 + 32 + 16)
#define SZKM_DEVBLOB_BINDING_MIN	(1 + 4 + 4 + 8 + 32)
/* The rollback counter: an owner NV index (TPM_NT_COUNTER | AUTHWRITE |
 * AUTHREAD | NO_DA, empty authValue, no authPolicy, 8 bytes). */
#define SZKM_TPM_COUNTER_INDEX	0x013A5A4D
#define SZKM_TPM_COUNTER_ATTRS	0x02040014
#define SZKM_TPM_NV_WRITTEN	0x20000000
#define SZKM_DEVBLOB_BINDING_MAX	(SZKM_DEVBLOB_BINDING_MIN + 16 * 32)
#define SZKM_DEVBLOB_MEMBERS_LEN	(8 + 32)
#define SZKM_DEVBLOB_LEDGER_MAX	(2 + SZKM_LEDGER_KEYS_MAX * (1 + SZKM_LEDGER_NAME_MAX + 65) + \
				 SZKM_DEVBLOB_MEMBERS_LEN)
#define SZKM_DEVBLOB_MAX	(SZKM_DEVBLOB_HDR_LEN + 2 + SZKM_TPM2_NAME_LEN + \
				 2 + 65 + 2 + SZKM_DEVBLOB_BINDING_MAX + \
				 2 * (2 + SZKM_TPM2_SEALED_MAX) + \
				 2 + SZKM_DEVBLOB_LEDGER_MAX + \
				 2 + SZKM_DEVBLOB_WRAPPED_D_LEN)

/*
 * Managed keys (key type "szkm").
 *
 * Payload commands (keyctl add/padd, keyctl update/pupdate), text, tokens
 * separated by spaces:
 *   new <alg> [rotate=<period>] [max_uses=<n>] [min_version=<n>]
 *       [ledger=required|async]
 *       max_uses: 1 to SZKM_MAX_USES_LIMIT; min_version: versions below it
 *       neither decrypt nor verify
 *   load <hex blob>                        (what keyctl pipe gave)
 *   import <alg> <hex secret> [options]    (CAP_SYS_ADMIN; origin "imported")
 *   import <alg> pub:<hex point> [options] (CAP_SYS_ADMIN; public key only)
 * update:
 *   rotate | retire <v> | destroy <v> | set <option>...
 *   provision <v> logon|logon-xts|fscrypt <keyring>
 *       hands version <v> of an aes256-gcm key to the kernel as a logon key
 *       "szkm:<name>:v<v>" (32 bytes; logon-xts: 64 bytes derived for
 *       aes-xts) for dm-crypt, or as an fscrypt-provisioning key for
 *       FS_IOC_ADD_ENCRYPTION_KEY; <keyring> is a serial or @s, @u, @us,
 *       @p, @t as keyctl(1) names them, and needs Write permission.
 *       keyctl update prints nothing: find the new key by its description,
 *       e.g. `keyctl search <keyring> logon szkm:<name>:v<v>` (or type
 *       fscrypt-provisioning). Provisioning again replaces it; logon and
 *       logon-xts of one version share the description, so the later one
 *       replaces the earlier in a keyring (dm-crypt checks the size). Only
 *       active or decrypt-only versions (at or above min_version) qualify.
 *       Every consumer key is derived, never the AEAD key itself (a
 *       dm-crypt mapping in ECB mode would be an oracle for it):
 *       HKDF-SHA256(salt none, ikm = the version's 32-byte secret,
 *       info = SZKM_LOGON_INFO, 32 bytes; SZKM_XTS_INFO or
 *       SZKM_FSCRYPT_INFO, 64 bytes); fscrypt keys are
 *       FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER (v2 policies).
 *       A version tracks at most 8 provisioned keys in use (-ENOSPC for
 *       more); "destroy <v>" invalidates each of them, wherever linked.
 *       Freeing the szkm key (unlink, module unload) leaves them alive.
 * <period> is a number with a unit s, m, h or d (1s to 3650d).
 * Secrets: aes256-gcm 32 bytes; ecdsa-p256/ecdh-p256 a 32-byte scalar.
 */
#define SZKM_PAYLOAD_MAX	32768
#define SZKM_NAME_MAX		64
#define SZKM_KEY_ID_LEN		16
#define SZKM_DEVICE_ID_LEN	32
#define SZKM_SECRET_MAX		32
#define SZKM_P256_PUB_LEN	65	/* uncompressed point 04 || X || Y */
#define SZKM_LOGON_INFO		"szkm-dm-crypt-logon-v1"	/* logon, 32 bytes */
#define SZKM_XTS_INFO		"szkm-dm-crypt-aes-xts-v1"	/* logon-xts, 64 bytes */
#define SZKM_FSCRYPT_INFO	"szkm-fscrypt-v2-master-v1"	/* fscrypt, 64 bytes */
#define SZKM_DERIVED_KEY_LEN	64
#define SZKM_MAX_VERSIONS	128	/* version records kept per key */
#define SZKM_GRANTS_MAX		32	/* uids one key is granted to */
/*
 * Grants (szkmctl key grant): the module owns a keyring SZKM_KEYRING
 * (root's, View and Read only), which holds one keyring per grantee uid,
 * SZKM_KEYRING "." <uid> (owned by that uid: View, Read, Search, Link).
 * There a grant is a key object of type szkm named as the key, owned by
 * the grantee (View and Search only: no Read, Write, Link or Setattr,
 * no possessor rights, kept from invalidation), sharing the key's state:
 * every rotation, retire or destroy is the grant's at once. Neither a
 * session, a logout nor keyring garbage collection drops it; only a
 * proven revoke, or the module's unload. The grantee finds it by
 * `keyctl search %:.szkm.<uid> szkm <name>`, or `%szkm:<name>` (keyutils
 * reads /proc/keys). A grant keeps the key object it came from alive.
 * An szkm key object serves only its own uid, whatever keyctl
 * setperm/chown or possession say: the uid that made or loaded it, or
 * a grant's grantee.
 */
#define SZKM_KEYRING		".szkm"
/* The most uses max_uses may allow: 2^32 AES-GCM encryptions with random
 * 96-bit nonces (NIST SP 800-38D 8.3). */
#define SZKM_MAX_USES_LIMIT	(1ULL << 32)

enum szkm_alg {
	SZKM_ALG_NONE,
	SZKM_ALG_AES256_GCM,
	SZKM_ALG_ECDSA_P256,
	SZKM_ALG_ECDH_P256,
	__SZKM_ALG_MAX
};

/* pending -> active -> decrypt-only -> destroyed (secret wiped). */
enum szkm_vstate {
	SZKM_VS_NONE,
	SZKM_VS_PENDING,
	SZKM_VS_ACTIVE,
	SZKM_VS_DECRYPT_ONLY,
	SZKM_VS_DESTROYED,
};

enum szkm_origin {
	SZKM_ORIGIN_NONE,
	SZKM_ORIGIN_GENERATED,
	SZKM_ORIGIN_IMPORTED,
	SZKM_ORIGIN_IMPORTED_PUBLIC,	/* verify/encrypt only */
};

enum szkm_ledger_mode {
	SZKM_LEDGER_REQUIRED,
	SZKM_LEDGER_ASYNC,
};

/*
 * Key blob: what `keyctl pipe` returns, as lower-case hex text (so that
 * "load <blob>" takes it back). All integers big-endian.
 *
 *   header (AAD of the wrap, 60 bytes):
 *     magic "SZKB" | format u8 (2) | alg u8 | reserved u16 (0)
 *     key id [16] | device id [32] | reserved [4] (written as zeros; not
 *     checked at load: modules before 2026-11-30 left them unset, and
 *     the wrap's tag covers them either way)
 *   body length be32 | body wrapped under the device's root key
 *     (szkm_device_wrap: iv || ciphertext || tag)
 *
 *   body (plaintext, only ever inside the kernel):
 *     mark be64 (the key's registry mark when written: see "key registry")
 *     name length u8 | name
 *     next version be32 | active version be32
 *     rotate seconds be64 | max uses be64 | min version be32 | ledger u8
 *     version count be16, then per version:
 *       version be32 | state u8 | origin u8 | uses be64
 *       secret length u8 | secret | public length u8 | public key
 *     grant count be16 (0..SZKM_GRANTS_MAX) | uid be32 each, ascending
 *       (blobs written before grants existed end before it: no grants)
 */
#define SZKM_BLOB_MAGIC		"SZKB"
#define SZKM_BLOB_FORMAT	2	/* 1 had no mark: refused, it predates rollback protection */
#define SZKM_BLOB_HDR_LEN	60

/*
 * Export bundle: what SZKM_CMD_KEY_EXPORT returns and SZKM_CMD_BUNDLE_OPEN
 * takes, a key's public metadata as the kernel held it at export, sealed
 * under the device's export key E. A client keeps or passes it around;
 * the kernel vouches for it only while it is the key's current state, and
 * libszkm accepts it only when the ledger agrees (szkm_verify_bundle).
 * All integers big-endian.
 *
 *   header (the AAD, SZKM_BUNDLE_HDR_LEN bytes; readable without the kernel):
 *     magic "SZKX" | format u8 (1) | alg u8 | reserved u16 (0)
 *     device id [32] | key id [16]
 *     version be32     the key's active version at export (0: none)
 *     mark be64        the key's registry mark at export (its last
 *                      state-changing event, see "key registry")
 *   iv [12] | AES-256-GCM(body) | tag [16]
 *
 *   body (plaintext only inside the kernel):
 *     waiting u8 (changes waiting for the ledger) | name length u8 | name
 *     rotate seconds be64 | max uses be64 | min version be32 | ledger u8
 *     version count be16 (at most SZKM_MAX_VERSIONS), then per version:
 *       version be32 | state u8 | origin u8 | uses be64 |
 *       public length u8 (0 or 65) | public key
 *
 * key = HKDF-SHA256(salt none, ikm = E, info = SZKM_BUNDLE_LABEL ||
 *                   device id || key id || version be32), 32 bytes:
 * E has no other use, and a bundle's key is its own device's, key's and
 * version's. Every length is checked and the fields fill the body exactly.
 * Threats: root in userspace and other users can read, change, truncate,
 * swap and replay bundle files, but never see E (sealed by the TPM, in the
 * kernel only), so they cannot make or alter one that authenticates; an
 * old copy (before a rotate, retire, destroy or policy change) names an
 * older mark or version than the kernel's and is refused as replayed.
 */
#define SZKM_BUNDLE_MAGIC	"SZKX"
#define SZKM_BUNDLE_FORMAT	1
#define SZKM_BUNDLE_LABEL	"szkm export bundle v1"
#define SZKM_BUNDLE_OFF_FORMAT	4
#define SZKM_BUNDLE_OFF_ALG	5
#define SZKM_BUNDLE_OFF_DEVICE_ID	8
#define SZKM_BUNDLE_OFF_KEY_ID	(SZKM_BUNDLE_OFF_DEVICE_ID + SZKM_DEVICE_ID_LEN)
#define SZKM_BUNDLE_OFF_VERSION	(SZKM_BUNDLE_OFF_KEY_ID + SZKM_KEY_ID_LEN)
#define SZKM_BUNDLE_OFF_MARK	(SZKM_BUNDLE_OFF_VERSION + 4)
#define SZKM_BUNDLE_HDR_LEN	(SZKM_BUNDLE_OFF_MARK + 8)
#define SZKM_BUNDLE_IV_LEN	12
#define SZKM_BUNDLE_TAG_LEN	16
#define SZKM_BUNDLE_VER_FIXED	(4 + 1 + 1 + 8 + 1)
#define SZKM_BUNDLE_BODY_FIXED	(1 + 1 + 8 + 8 + 4 + 1 + 2)
#define SZKM_BUNDLE_BODY_MAX	(SZKM_BUNDLE_BODY_FIXED + SZKM_NAME_MAX + \
				 SZKM_MAX_VERSIONS * (SZKM_BUNDLE_VER_FIXED + SZKM_P256_PUB_LEN))
#define SZKM_BUNDLE_OVERHEAD	(SZKM_BUNDLE_HDR_LEN + SZKM_BUNDLE_IV_LEN + SZKM_BUNDLE_TAG_LEN)
#define SZKM_BUNDLE_MIN		(SZKM_BUNDLE_OVERHEAD + SZKM_BUNDLE_BODY_FIXED)
#define SZKM_BUNDLE_MAX		(SZKM_BUNDLE_OVERHEAD + SZKM_BUNDLE_BODY_MAX)

/*
 * aes256-gcm ciphertext (pkey_encrypt output, pkey_decrypt input):
 *   magic u8 (0xa5) | format u8 (1) | alg u8 | reserved u8 (0)
 *   version be32 | iv [12] | ciphertext | tag [16]
 * AAD = the 20-byte header || key id, so a ciphertext names the version
 * that decrypts it and opens under no other key.
 *
 * pkey_decrypt with enc=gcm (for outside test vectors) opens plain
 * AES-256-GCM under the active version:
 *   iv [12] | aad length be32 | aad | ciphertext | tag [16]  -> plaintext
 * Every length is checked. pkey_encrypt refuses enc=gcm (EOPNOTSUPP): the
 * kernel always chooses the IV.
 */
/*
 * The largest keyctl pkey_* input or output: keyctl allocates (and, with
 * init_on_alloc, zeroes) this much for every call, so a large limit taxes
 * every small operation. pkey operations are for small data (keys, tokens,
 * records); larger data is enveloped.
 */
#define SZKM_PKEY_MAX_IO	16384

#define SZKM_CT_MAGIC		0xa5
#define SZKM_CT_FORMAT		1
#define SZKM_CT_HDR_LEN		20
#define SZKM_CT_TAG_LEN		16
#define SZKM_CT_OVERHEAD	(SZKM_CT_HDR_LEN + SZKM_CT_TAG_LEN)

/*
 * ecdh-p256 ECIES ciphertext (anyone encrypts to a version's public key;
 * pkey_decrypt opens it in the kernel):
 *   magic u8 (0xa5) | format u8 (1) | alg u8 (SZKM_ALG_ECDH_P256) | 0 u8
 *   version be32 | ephemeral public key [65] | ciphertext | tag [16]
 * z = ECDH(ephemeral, recipient) x-coordinate;
 * key[32] || iv[12] = HKDF-SHA256(salt = ephemeral pub || recipient pub,
 *                                 ikm = z, info = "szkm-ecies-v1", 44)
 * AES-256-GCM with AAD = the 73-byte header.
 */
#define SZKM_ECIES_HDR_LEN	73
#define SZKM_ECIES_OVERHEAD	(SZKM_ECIES_HDR_LEN + SZKM_CT_TAG_LEN)
#define SZKM_ECIES_INFO		"szkm-ecies-v1"

/*
 * Lifecycle events. Each change (device init, key create, import, load,
 * rotate, state change, policy change, destroy) is encoded once, here, as
 * canonical bytes; the device identity key D signs SHA-256 of them (ECDSA
 * P-256, r || s, 64 bytes). All integers big-endian, fields in this order:
 *
 *   magic "SZKE" | format u8 (4) | type u8 (enum szkm_event_type)
 *   flags be16 (SZKM_EVF_TEST_MODE: the device runs without a TPM)
 *   device id [32]        SHA-256 of D's uncompressed public key
 *   seq be64              1, 2, 3, ... per device, no gaps
 *   prev hash [32]        the link of the previous event (below; zeros for 1)
 *   time be64             nanoseconds since the epoch (CLOCK_REALTIME)
 *   key id [16]           zeros for device events
 *   name length u8 | name (at most SZKM_NAME_MAX)
 *   version be32          0 for device events
 *   alg u8 | state u8 | origin u8
 *   public key length u8 | public key (0 or 65; D's for DEVICE_INIT)
 *   rotate seconds be64 | max uses be64 | min version be32 | ledger u8
 *   policy digest [32]    SHA-256 of the key's access policy (zeros: none)
 *   actor kind u8         who caused it: SZKM_ACTOR_PROCESS, or
 *                         SZKM_ACTOR_KERNEL (the module's own work, e.g. a
 *                         scheduled rotation; the fields below are zero,
 *                         login uid 0xffffffff)
 *   uid be32 | login uid be32 (audit loginuid; 0xffffffff: unset) |
 *   pid be32 (thread group, initial namespace) | command [16] (comm,
 *   NUL-padded)
 *
 *   KEY_GRANT and KEY_REVOKE only: grantee uid be32 (version, state and
 *   public key are the active version's, as for KEY_POLICY)
 *
 * Format 1 had no actor fields; readers still accept it for old ledgers.
 *
 * An event's link, which the next event's prev hash names, follows the
 * event's OWN format: formats 3 and 4, SHA-256(event bytes || its 64-byte
 * signature), so the chain covers the signatures too; formats 1 and 2,
 * SHA-256(event bytes). Formats 2, 3 and 4 are otherwise the same bytes,
 * and readers accept 1 to 4, so a chain that changes format needs no
 * migration: the first format-3 or 4 event after a format-2 one names
 * SHA-256 of that event's bytes.
 *
 * Format 4 allows one signature per event: s <= (n - 1) / 2 (n the P-256
 * group order, SZKM_EVENT_SIG_S_MAX), the "low S". ECDSA's (r, s) and
 * (r, n - s) both verify, and anyone can turn one into the other, so with
 * format 3 whoever relays an event (a feeder, a ledger node) could store
 * the twin: it verifies, but its link is not the one the device's next
 * event names, and that device's chain stops (denial of service). The
 * kernel signs format 4 with the low S; every reader refuses a format-4
 * event whose S is high ("high-s-signature"), the kernel a restored one.
 * Formats 1 to 3 keep accepting either S (ledgers already hold them).
 *
 * A device event (DEVICE_INIT, DEVICE_RESUME) carries D's public key and, for a device sealed by a
 * TPM, what R and E are sealed to: the name is SZKM_EV_DEVICE_BINDING_FMT
 * (lock PCR, boot PCR bitmap in hex, "pin" or "no-pin") and the policy
 * digest is the sealed objects' TPM2 policy digest (see "Device blob").
 *
 * Netlink: SZKM_CMD_EVENT on the "events" group carries SZKM_A_SEQ,
 * SZKM_A_EVENT and SZKM_A_EVENT_SIG. SZKM_CMD_EVENT_REPLAY (dump,
 * CAP_SYS_ADMIN) takes SZKM_A_SEQ and returns every journalled event
 * after it, in order, as SZKM_CMD_EVENT messages.
 *
 * The chain continues across reboots: device init starts it (seq 1, the
 * DEVICE_INIT event); after an unseal the kernel does not know where it
 * stands until SZKM_CMD_EVENT_RESUME (CAP_SYS_ADMIN, once, before any
 * event) proves the last event the ledger holds for this device (below;
 * ledgerd sends it at start). Until then every change that needs an event
 * fails with -EBUSY: fail closed. STATUS reports SZKM_A_CHAIN, SZKM_A_REGISTRY, SZKM_A_SEQ
 * (the last event made), SZKM_A_JOURNAL, SZKM_A_LEDGER_SIZE and the
 * device's SZKM_A_LEDGER_KEYS (names) and SZKM_A_LEDGER_THRESHOLD.
 *
 * Every device is made with ledger keys (SZKM_A_LEDGER_KEYS at DEVICE_INIT,
 * kept in its blob; none: refused) and believes the ledger's proof, never
 * its word: a bare ACK, or a RESUME without a checkpoint, is refused
 * (-EPERM). Instead SZKM_CMD_EVENT_PROVE takes
 * SZKM_A_CHECKPOINT (signed by at least the threshold of those keys),
 * SZKM_A_CONSISTENCY (from the last checkpoint the kernel accepted, STATUS
 * SZKM_A_LEDGER_SIZE; none for the first since the module loaded) and
 * SZKM_A_PROOFS (up to SZKM_LEDGER_PROOFS_MAX SZKM_A_PROOF nests, each
 * SZKM_A_SEQ, SZKM_A_LEDGER_INDEX and SZKM_A_INCLUSION). All must hold, or
 * nothing changes and the extended ack says what failed; then the proven
 * events leave the journal and their versions activate. RESUME with
 * SZKM_A_CHECKPOINT, SZKM_A_EVENT, SZKM_A_EVENT_SIG and one SZKM_A_PROOF
 * continues the chain after that event, which must be this device's,
 * signed by it and in the checkpoint's tree.
 */
#define SZKM_EVENT_MAGIC	"SZKE"
#define SZKM_EVENT_FORMAT	4
#define SZKM_EVENT_SIG_LEN	64
/* (n - 1) / 2, big-endian: the largest S of a format-4 event's signature. */
#define SZKM_EVENT_SIG_S_MAX { \
	0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, \
	0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, \
	0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8 }
/* Events the journal keeps by default before changes fail (journal_max=). */
#define SZKM_JOURNAL_MAX_DEFAULT	4096
/* Where the fixed-position fields sit in an event's bytes. */
#define SZKM_EV_OFF_TYPE	5
#define SZKM_EV_OFF_DEVICE_ID	8
#define SZKM_EV_OFF_SEQ		(SZKM_EV_OFF_DEVICE_ID + 32)
#define SZKM_EV_OFF_PREV	(SZKM_EV_OFF_SEQ + 8)
#define SZKM_EV_OFF_TIME	(SZKM_EV_OFF_PREV + 32)
#define SZKM_EV_OFF_KEY_ID	(SZKM_EV_OFF_TIME + 8)
#define SZKM_EVENT_FIXED_LEN_V1	(4 + 1 + 1 + 2 + 32 + 8 + 32 + 8 + 16 + 1 + 4 + 3 + 1 + \
				 8 + 8 + 4 + 1 + 32)
#define SZKM_COMM_LEN		16
#define SZKM_EVENT_ACTOR_LEN	(1 + 4 + 4 + 4 + SZKM_COMM_LEN)
#define SZKM_EVENT_FIXED_LEN	(SZKM_EVENT_FIXED_LEN_V1 + SZKM_EVENT_ACTOR_LEN)
#define SZKM_AUID_UNSET		0xffffffffu
#define SZKM_EVENT_MAX_LEN	(SZKM_EVENT_FIXED_LEN + SZKM_NAME_MAX + SZKM_P256_PUB_LEN + 4)
#define SZKM_EVF_TEST_MODE	0x0001
#define SZKM_EV_DEVICE_BINDING_FMT	"tpm.lock-pcr-%u.boot-pcrs-%04x.%s"

enum szkm_actor {
	SZKM_ACTOR_NONE,	/* format 1: not recorded */
	SZKM_ACTOR_PROCESS,
	SZKM_ACTOR_KERNEL,
	__SZKM_ACTOR_MAX
};

enum szkm_event_type {
	SZKM_EV_NONE,
	SZKM_EV_DEVICE_INIT,
	SZKM_EV_KEY_CREATE,
	SZKM_EV_KEY_IMPORT,
	SZKM_EV_KEY_LOAD,
	SZKM_EV_KEY_ROTATE,
	SZKM_EV_KEY_STATE,	/* a version changed state (retire, activate) */
	SZKM_EV_KEY_POLICY,
	SZKM_EV_KEY_DESTROY,
	SZKM_EV_DEVICE_RESUME,	/* the chain and the key registry restored after an unseal */
	/* A version handed to a kernel consumer (keyctl update "provision ..."). */
	SZKM_EV_KEY_PROVISION_LOGON,	/* logon key for dm-crypt (aes) */
	SZKM_EV_KEY_PROVISION_LOGON_XTS, /* logon key for dm-crypt (aes-xts) */
	SZKM_EV_KEY_PROVISION_FSCRYPT,	/* fscrypt-provisioning key */
	SZKM_EV_KEY_GRANT,	/* a uid may use the key (szkmctl key grant) */
	SZKM_EV_KEY_REVOKE,	/* ... and no longer */
	__SZKM_EV_MAX
};

/* Events that change a key's state: each moves the key's registry mark. */
#define SZKM_EV_CHANGES_KEY(t) \
	((t) == SZKM_EV_KEY_CREATE || (t) == SZKM_EV_KEY_IMPORT || \
	 (t) == SZKM_EV_KEY_ROTATE || (t) == SZKM_EV_KEY_STATE || \
	 (t) == SZKM_EV_KEY_POLICY || (t) == SZKM_EV_KEY_DESTROY || \
	 SZKM_EV_HAS_GRANTEE(t))
/* Grant events end with the grantee's uid. */
#define SZKM_EV_HAS_GRANTEE(t) ((t) == SZKM_EV_KEY_GRANT || (t) == SZKM_EV_KEY_REVOKE)
/* Device events name no key and carry D's public key. */
#define SZKM_EV_IS_DEVICE(t) \
	((t) == SZKM_EV_DEVICE_INIT || (t) == SZKM_EV_DEVICE_RESUME)

/*
 * The key registry: rollback protection. For every key it ever recorded,
 * the device keeps the sequence number of the key's last state-changing
 * event (SZKM_EV_CHANGES_KEY; a load or a provision changes nothing), its
 * "mark", and whether a keyring holds the key now. A key blob carries the
 * mark it was written at, and loads only when that is the registry's mark
 * for the key (an older blob, after a rotate, retire, destroy, policy
 * change, grant or revoke, is refused) and no other key object holds
 * that key id (one blob loads once at a time).
 *
 * A device made since the module loaded has its registry at once. After
 * an unseal (a reboot, a module reload) the registry is rebuilt from the
 * ledger: the follower resumes the chain (SZKM_CMD_EVENT_RESUME, proven),
 * then hands the kernel every event of the device from seq 1 up to that
 * resume point with SZKM_CMD_CHAIN_RESTORE (SZKM_A_EVENTS, at most
 * SZKM_CHAIN_RESTORE_MAX per message, each message continuing where the
 * last stopped; seq 1 starts over), each SZKM_A_EVENT body followed by its
 * SZKM_A_EVENT_SIG. The signatures are not verified: each body names the
 * link of the one before, and the last one's link must be the proven
 * resume point's (a format-3 or 4 link hashes the signature, so one is
 * needed there, and a format-4 one with a high S is refused; a format-1/2
 * event's may be left out). The kernel then records a
 * DEVICE_RESUME event, and the registry is ready once the ledger proves
 * that event: an honest ledger takes it only if the resume point really
 * was the device's last event, so a follower that resumed at an older
 * event (to bring older blobs back) never gets there. Until the registry
 * is ready no key is made or loaded (-EAGAIN, "the key registry waits for
 * ...").
 */
enum szkm_registry_state {
	SZKM_REG_NONE,		/* no device, or its chain is not resumed */
	SZKM_REG_RESTORING,	/* resumed: waiting for the chain (CHAIN_RESTORE) */
	SZKM_REG_PROVING,	/* restored: waiting for the ledger to prove DEVICE_RESUME */
	SZKM_REG_READY,
};
#define SZKM_CHAIN_RESTORE_MAX	64

/*
 * Ledger proofs. The ledger is an RFC 9162 Merkle tree over entries; an
 * event's entry is SZKM_LEDGER_ENTRY_EVENT u8 | event bytes | signature
 * [64], and its leaf hash SHA-256(0x00 || entry). A checkpoint is a C2SP
 * signed note (c2sp.org/tlog-checkpoint, c2sp.org/signed-note): the text
 * "<origin>\n<size>\n<base64 root>\n" [extension lines], a blank line,
 * then "\u2014 <key name> <base64(key id[4] || signature)>\n" lines. The
 * kernel verifies signature type 0x02 (ECDSA P-256, ASN.1 DER over
 * SHA-256 of the text; key id = SHA-256(SubjectPublicKeyInfo DER)[:4]).
 *
 * A ledger verifier key is enrolled as its C2SP verifier key string
 * "<name>+<8 hex digits of key id>+<base64(0x02 || SPKI DER)>"; the device
 * keeps at most SZKM_LEDGER_KEYS_MAX of them and a threshold: a checkpoint
 * counts only when that many enrolled keys signed it.
 */
/*
 * A ledger with a membership (entry type 3) names, in each checkpoint it
 * signs, the membership in force at that size (the last membership entry
 * below it) in one extension line:
 *   "szkm-members <epoch> <base64 of that entry's leaf hash>\n"
 * Its nodes sign and cosign only that line, and a client that followed
 * the membership entries under the checkpoint must arrive at that epoch
 * and entry: a server that withholds a later membership entry (to keep a
 * removed node's key trusted) is caught by the k signers' own line.
 */
#define SZKM_CHECKPOINT_MEMBERS	"szkm-members"

#define SZKM_LEDGER_ENTRY_ENROL	1
#define SZKM_LEDGER_ENTRY_EVENT	2
#define SZKM_LEDGER_ENTRY_MEMBERS 3
#define SZKM_LEDGER_KEYS_MAX	8
#define SZKM_LEDGER_NAME_MAX	128
#define SZKM_LEDGER_VKEY_MAX	(SZKM_LEDGER_NAME_MAX + 10 + 124)
#define SZKM_LEDGER_SIG_ECDSA	0x02
#define SZKM_LEDGER_NOTE_MAX	8192
#define SZKM_LEDGER_PROOF_MAX	64	/* hashes in one inclusion or consistency proof */
#define SZKM_LEDGER_PROOFS_MAX	64	/* event proofs in one SZKM_CMD_EVENT_PROVE */
#define SZKM_LEDGER_SPKI_P256_PREFIX \
	"\x30\x59\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01" \
	"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07\x03\x42\x00"
#define SZKM_LEDGER_SPKI_P256_PREFIX_LEN	26

/*
 * Ledger membership: which node keys sign checkpoints and how many must
 * is itself a ledger entry (ledgerd(8), MEMBERSHIP). Its leaf data, the
 * one definition ledgerd (ledgerd/entry.h) and the kernel share;
 * integers big-endian:
 *
 *   0x03 | epoch be64 (1, 2, ... each one more than the last)
 *        | prev [32] (leaf hash of the previous membership entry;
 *          zeros for epoch 1, the genesis)
 *        | k u8 (1..n) | n u8 (1..SZKM_MEMBERS_MAX)
 *        | n x ( name length u8 (1..SZKM_MEMBER_NAME_MAX) | name
 *                (note key name: printable ASCII, no space, no '+')
 *              | P-256 public key [65] (04 || X || Y) )
 *   --- the content ends here; approvals follow ---
 *        | a u8 (0..SZKM_MEMBERS_MAX)
 *        | a x ( approver's P-256 public key [65] | signature [64] r || s )
 *
 * An approval is ECDSA P-256 with SHA-256 over
 *   SZKM_MEMBERS_DOMAIN || origin || "\n" || content
 * (origin: the log's, the first line of its checkpoints). Names and keys
 * are distinct; approvers are distinct.
 *
 * SZKM_CMD_LEDGER_MEMBERS (doit, CAP_SYS_ADMIN): the device follows one
 * membership entry. Attributes: SZKM_A_ENTRY (the leaf data),
 * SZKM_A_LEDGER_INDEX, SZKM_A_INCLUSION (its proof), SZKM_A_CHECKPOINT,
 * SZKM_A_CONSISTENCY (from STATUS SZKM_A_LEDGER_SIZE, as for EVENT_PROVE).
 * The kernel checks, refusing with the reason in the extended ack and
 * changing nothing: the checkpoint is signed by the threshold of the
 * device's current ledger keys and consistent with the last one it
 * accepted; the entry is in it at that index; the entry decodes strictly
 * as above; its epoch is the next one (any epoch for a device that has
 * followed none yet: its keys are device init's); its prev is the hash the
 * device holds (when it holds one); its approvals by the current keys,
 * over the checkpoint's origin, number at least the current threshold
 * (approvals by other keys do not count). Then the checkpoint becomes the
 * last accepted and the reply carries the blob re-sealed for the entry
 * (SZKM_A_DEVICE_BLOB; R and E sealed at the rollback counter's value
 * + 1), which the device keeps pending, still on its old trust.
 *
 * SZKM_CMD_DEVICE_COMMIT (doit, CAP_SYS_ADMIN): SZKM_A_DEVICE_BLOB, the
 * pending blob, once userspace has stored it durably. The kernel
 * increments the TPM counter and reads it back (HMAC-checked); when it is
 * the value the blob is sealed at, the device's ledger keys become the
 * entry's members (named as in the entry), its threshold the entry's k,
 * and its epoch and hash the entry's; STATUS reports SZKM_A_MEMBERS_EPOCH,
 * SZKM_A_MEMBERS_HASH and SZKM_A_TPM_COUNTER. -ENOENT: no pending blob, or
 * another; -ESTALE: the counter moved past it (someone else incremented
 * it): the pending blob never opens, follow the entry again. Whatever
 * happens between the two commands, one of the old blob and the new one
 * opens at the next boot: the old before the commit, the new after it.
 */
#define SZKM_MEMBERS_MAX	SZKM_LEDGER_KEYS_MAX
#define SZKM_MEMBER_NAME_MAX	64
#define SZKM_MEMBERS_DOMAIN	"szkm-membership/v1\n"
#define SZKM_MEMBERS_HEAD_LEN	(1 + 8 + 32 + 1 + 1)
#define SZKM_MEMBERS_APPROVAL_LEN	(SZKM_P256_PUB_LEN + SZKM_EVENT_SIG_LEN)
#define SZKM_MEMBERS_ENTRY_MAX						\
	(SZKM_MEMBERS_HEAD_LEN +					\
	 SZKM_MEMBERS_MAX * (1 + SZKM_MEMBER_NAME_MAX + SZKM_P256_PUB_LEN) + \
	 1 + SZKM_MEMBERS_MAX * SZKM_MEMBERS_APPROVAL_LEN)

#endif /* _SZKM_H */
