/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tpm2_session.h - the cryptography of a TPM 2.0 salted authorisation
 * session (TPM 2.0 library spec part 1, sections 19 and 21), kept apart
 * from the commands that use it: the salt encrypted to the storage
 * parent's P-256 key (ECDH + KDFe), the session key (KDFa), the command
 * and response HMACs, AES-128-CFB parameter encryption, and policy-digest
 * arithmetic. All of it SHA-256.
 *
 * A command with one session is laid out as
 *   header | handles | authorizationSize | session | parameters
 * szkm_tpm2_sess_append() writes the session with a placeholder HMAC;
 * once every parameter is appended, szkm_tpm2_sess_seal_cmd() encrypts
 * the first parameter (when the session decrypts) and fills in the HMAC.
 * szkm_tpm2_sess_open_rsp() checks the response HMAC, then decrypts the
 * first response parameter (when the session encrypts).
 */
#ifndef _SZKM_TPM2_SESSION_H
#define _SZKM_TPM2_SESSION_H

#include <linux/types.h>
#include "szkm.h"

struct tpm_buf;

#define SZKM_TPM2_DIGEST	32
#define SZKM_TPM2_SALT_POINT	(2 + 32 + 2 + 32)	/* TPMS_ECC_POINT */

/* TPMA_SESSION */
#define SZKM_SA_CONTINUE	0x01
#define SZKM_SA_DECRYPT		0x20	/* the first command parameter is encrypted */
#define SZKM_SA_ENCRYPT		0x40	/* the first response parameter is encrypted */

struct szkm_tpm2_sess {
	u32 handle;
	u8 attrs;
	u8 nonce_caller[SZKM_TPM2_DIGEST];
	u8 nonce_tpm[SZKM_TPM2_DIGEST];
	/* HMAC and encryption key: sessionKey || authValue (trailing zeros off) */
	u8 key[2 * SZKM_TPM2_DIGEST];
	u8 keylen;
	/* Set by _append, used by _seal_cmd and _open_rsp. */
	u32 cc;
	u8 names[2][SZKM_TPM2_NAME_LEN];
	u8 namelens[2];
	u8 nhandles;
	u32 hmac_off;		/* offset of the command's HMAC placeholder */
	u32 param_off;		/* offset of the first command parameter */
};

/*
 * The salt for TPM2_StartAuthSession: an ephemeral P-256 key, ECDH with
 * the parent's public point (@px, @py), KDFe(Z, "SECRET", ephemeral x,
 * parent x). @point receives the marshalled ephemeral TPMS_ECC_POINT,
 * @salt the 32-byte salt (a secret: the caller wipes it).
 */
int szkm_tpm2_salt(const u8 px[32], const u8 py[32],
		   u8 point[SZKM_TPM2_SALT_POINT], u8 salt[SZKM_TPM2_DIGEST]);

/* sessionKey = KDFa(salt, "ATH", nonceTPM, nonceCaller); wipes nothing. */
void szkm_tpm2_sess_key(struct szkm_tpm2_sess *s, const u8 salt[SZKM_TPM2_DIGEST]);

/* The authValue of the entity this command authorises (NULL/0: empty). */
void szkm_tpm2_sess_auth(struct szkm_tpm2_sess *s, const u8 *auth, size_t len);

/*
 * Begin a command's session area, right after the handles. @names are the
 * handles' names (a PCR's or hierarchy's name is its handle, big-endian).
 */
void szkm_tpm2_sess_append(struct szkm_tpm2_sess *s, struct tpm_buf *buf,
			   u32 cc, const u8 *const names[], const u8 namelens[],
			   u8 nhandles, u8 attrs);
/* -EINVAL (nothing sent) when the session decrypts and there is no TPM2B. */
int szkm_tpm2_sess_seal_cmd(struct szkm_tpm2_sess *s, struct tpm_buf *buf);

/*
 * Check the response of a successful command: -EPROTO when malformed,
 * -EBADMSG when the HMAC does not verify (the reply did not come from
 * the TPM that holds this session, or was altered on the way). On
 * success *@params and *@plen give the (decrypted) parameter area.
 */
int szkm_tpm2_sess_open_rsp(struct szkm_tpm2_sess *s, struct tpm_buf *buf,
			    u32 nrsp_handles, u8 **params, u32 *plen);

void szkm_tpm2_sess_wipe(struct szkm_tpm2_sess *s);

/*
 * Policy digests (SHA-256): start from zeros, then
 * TPM2_PolicyPCR(@sel: marshalled TPML_PCR_SELECTION, @pcr_digest: the
 * SHA-256 of the selected PCRs' values in ascending order),
 * TPM2_PolicyNV and TPM2_PolicyAuthValue.
 */
void szkm_tpm2_policy_pcr(u8 policy[SZKM_TPM2_DIGEST], const u8 *sel,
			  size_t sellen, const u8 pcr_digest[SZKM_TPM2_DIGEST]);
void szkm_tpm2_policy_authvalue(u8 policy[SZKM_TPM2_DIGEST]);
/* TPM2_PolicyNV(@value be64 at offset 0, TPM_EO_EQ) on the index @name. */
void szkm_tpm2_policy_nv_eq(u8 policy[SZKM_TPM2_DIGEST], u64 value,
			    const u8 name[SZKM_TPM2_NAME_LEN]);
/* The name of NV index @index with @attrs, SHA-256, no authPolicy, 8 bytes. */
void szkm_tpm2_nv_name(u32 index, u32 attrs, u8 name[SZKM_TPM2_NAME_LEN]);

int szkm_tpm2_session_selftest(void);

#endif /* _SZKM_TPM2_SESSION_H */
