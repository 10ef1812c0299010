/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tpm2.h - the module's own TPM 2.0 commands: check the storage parent,
 * seal a secret into a TPM2 sealed data object under a PCR policy, load
 * and unseal it, read PCRs and cap the lock PCR. Every command that
 * carries a secret runs in a salted session with parameter encryption.
 *
 * A sequence of commands runs inside one szkm_tpm2_begin() .. _end() pair,
 * which holds the chip (tpm_try_get_ops takes the chip's mutex, so nobody
 * else's command runs in between), the storage parent and a salted HMAC
 * session; _end() flushes every transient object and session.
 */
#ifndef _SZKM_TPM2_H
#define _SZKM_TPM2_H

#include <linux/types.h>
#include "szkm.h"
#include "tpm2_session.h"

struct tpm_chip;

/* Handles a TPM holds at once, at most, that szkm keeps track of. */
#define SZKM_TPM2_RESIDENT_MAX	32

struct szkm_tpm2 {
	struct tpm_chip *chip;
	u32 parent;		/* handle of the storage parent (transient) */
	u8 parent_name[SZKM_TPM2_NAME_LEN];
	u8 parent_x[32], parent_y[32];	/* its P-256 point, for salts */
	struct szkm_tpm2_sess hmac;	/* salted HMAC session; handle 0: none */
	/*
	 * What the TPM held when we began (loaded objects and sessions), and
	 * the count of late answers then: a command the driver gave up on
	 * may still have made an object or a session whose handle we never
	 * learnt; szkm_tpm2_end() flushes what is new since.
	 */
	int lates;
	u8 nresident;
	u32 resident[SZKM_TPM2_RESIDENT_MAX];
};

/*
 * What the sealed objects are bound to (see "Device blob" in szkm.h): the
 * lock PCR at its reset value, the boot PCRs at their values at init, and
 * a PIN. @policy is the resulting TPM2 policy digest.
 */
struct szkm_tpm2_binding {
	u8 lock_pcr;
	u32 boot_pcrs;
	u32 nv_index;		/* the rollback counter (SZKM_TPM_COUNTER_INDEX) */
	u64 nv_value;		/* the value the objects open at */
	bool pin;
	u8 policy[SZKM_TPM2_DIGEST];
	u8 boot_values[16][SZKM_TPM2_DIGEST];	/* ascending PCR order */
};

int szkm_tpm2_init(void);
void szkm_tpm2_uninit(void);
enum szkm_tpm_state szkm_tpm2_state(void);

/* How the last secret-carrying command ran (enum szkm_tpm_session). */
u8 szkm_tpm2_session_state(void);

/**
 * szkm_tpm2_begin() - take the default TPM, check the storage parent,
 *                     start a salted HMAC session to it
 * @t:    filled in; pass to the other calls, then to szkm_tpm2_end()
 * @want: NULL at init; at unseal the parent name a blob was sealed under.
 *
 * The parent is a primary made from the TCG SRK template, its public area
 * checked field by field and its name recomputed. A key at
 * SZKM_TPM2_SRK_HANDLE must be that same key (else -EPERM, logged: a
 * planted or duplicable key).
 *
 * Return: 0; -ENODEV no TPM 2.0; -EKEYREJECTED @want is not this TPM's
 * parent (another TPM, or a cleared one); -EPERM a foreign key at
 * 0x81000001; -EBUSY lockout; other negative errnos with the reason logged.
 */
int szkm_tpm2_begin(struct szkm_tpm2 *t, const u8 *want);
void szkm_tpm2_end(struct szkm_tpm2 *t);

/* Fills @b's boot values (read now) and its policy digest. */
int szkm_tpm2_binding_make(struct szkm_tpm2 *t, struct szkm_tpm2_binding *b);
/* Recomputes @b's policy digest from its fields into @policy. */
void szkm_tpm2_binding_policy(const struct szkm_tpm2_binding *b,
			      u8 policy[SZKM_TPM2_DIGEST]);

/**
 * szkm_tpm2_check_pcrs() - are the PCRs where @b needs them?
 *
 * Return: 0; -ESTALE the lock PCR is capped (a reboot is needed);
 * -EKEYREJECTED a boot PCR differs, *@bad its number. Both logged.
 */
int szkm_tpm2_check_pcrs(struct szkm_tpm2 *t, const struct szkm_tpm2_binding *b,
			 int *bad);

/**
 * szkm_tpm2_counter() - the rollback counter's value, from the TPM
 * @index: the NV index (SZKM_TPM_COUNTER_INDEX)
 * @bump:  increment it first
 *
 * Defines the counter when the TPM has none at @index (owner hierarchy,
 * empty password) and increments it once when it was never written. The
 * increment and the read run in the HMAC session, whose response HMAC
 * covers the index's name: a counter of other attributes fails it, and a
 * bus interposer can neither fake a value nor hide an increment it
 * dropped.
 *
 * Return: 0; -EACCES the index is not szkm's counter (or the owner
 * hierarchy refused its definition); other negative errnos, logged.
 */
int szkm_tpm2_counter(struct szkm_tpm2 *t, u32 index, bool bump, u64 *value);

/**
 * szkm_tpm2_seal() - seal @len bytes of @secret under the parent and @b
 * @auth:   the objects' authValue (SHA-256 of the PIN) or NULL
 * @out:    receives TPM2B_PRIVATE || TPM2B_PUBLIC, at most
 *          SZKM_TPM2_SEALED_MAX bytes
 */
int szkm_tpm2_seal(struct szkm_tpm2 *t, const struct szkm_tpm2_binding *b,
		   const u8 *auth, const u8 *secret, size_t len,
		   u8 *out, size_t *outlen);

/**
 * szkm_tpm2_unseal() - load sealed objects, satisfy @b's policy, unseal
 * each into @secrets[i] (@len bytes each, exactly), flush them
 *
 * *@released (set by the caller to false) becomes true once the TPM may
 * have unsealed an object, whatever is returned: the first unsealed, the
 * next refused; an answer that failed its HMAC check; no answer. The
 * caller then caps the lock PCR even though this failed.
 *
 * Return: 0; -EBADMSG an object was modified (or the reply altered);
 * -EACCES wrong PIN (the TPM counted it); -EKEYREJECTED the policy
 * failed; -EKEYEXPIRED the rollback counter is not at @b's value (an
 * older blob, or one never committed); -EBUSY lockout; other negative
 * errnos, logged.
 */
int szkm_tpm2_unseal(struct szkm_tpm2 *t, const struct szkm_tpm2_binding *b,
		     const u8 *auth, const u8 *const in[], const size_t inlen[],
		     u8 *const secrets[], int n, size_t len, bool *released);

/*
 * Extends @pcr with fresh random bytes, in the HMAC session. A TPM that
 * answers late (-ETIME: the driver gave up, the command may have run) gets
 * the extend again in a new session, up to SZKM_TPM_TRIES times: a second
 * extend caps the PCR as well as one.
 */
int szkm_tpm2_cap(struct szkm_tpm2 *t, u8 pcr);

/*
 * How many times a whole TPM transaction (begin .. end) or a cap is tried
 * when the TPM answers late. A starved emulated TPM (a busy host) does; a
 * real one rarely. Every step szkm takes is safe to repeat: a seal makes
 * new objects, an unseal reads, an extend of the lock PCR only moves it
 * further from its reset value.
 */
#define SZKM_TPM_TRIES 4

/* 1 when @pcr is off its reset value, 0 when at it, or a negative errno. */
int szkm_tpm2_pcr_capped(u8 pcr);

#endif /* _SZKM_TPM2_H */
