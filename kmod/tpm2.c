// SPDX-License-Identifier: GPL-2.0
/*
 * tpm2.c - TPM 2.0 access through the kernel's TPM interface: the module
 * builds its own commands with tpm_buf and sends them with
 * tpm_transmit_cmd, needing no handle, key or policy from userspace.
 *
 * Who this file defends against, and how:
 * - root in userspace, or another OS on a stolen machine, with the blob and
 *   the TPM: R and E are sealed under a policy that needs the lock PCR at
 *   its reset value, and the module extends the lock PCR with random bytes
 *   right after init and after every unseal (a failed one too, once the
 *   TPM may have unsealed either), so for the rest of the boot no one, the
 *   module included, can unseal them again. Optional boot PCRs and
 *   a PIN (PolicyAuthValue, counted by the TPM's lockout) add to that.
 * - root with an old copy of the device blob (the ledger keys of before a
 *   membership change): R and E open only while the TPM's NV counter is at
 *   the blob's value (PolicyNV), and each membership step moves it on. Its
 *   increment and read run in the HMAC session (the response HMAC proves
 *   them); an index of other attributes has another name and fails both
 *   the session and the policy.
 * - a TPM bus interposer: every command that carries R, E or the PIN runs
 *   in a session salted to the storage parent (tpm2_session.c), with
 *   AES-128-CFB parameter encryption both ways and the response HMAC
 *   checked; the lock PCR's extension is HMAC-checked too.
 * - a key planted at 0x81000001 (duplicable, not restricted, or just not
 *   the standard SRK): the module always makes its own parent from the TCG
 *   SRK template, checks its public area field by field and recomputes its
 *   name, and refuses to work while a different key sits at 0x81000001.
 *   The parent's name is kept in the device blob; a blob whose parent this
 *   TPM does not make was sealed by another TPM (or before a TPM2_Clear).
 *
 * The chip is looked up per operation and never kept (it may go away);
 * tpm_try_get_ops() holds the chip's mutex until tpm_put_ops(), so a whole
 * begin..end sequence runs with no other TPM user's command in between, and
 * every transient object and session it loads is flushed before the chip
 * is released. Pages that held a secret are wiped before they are freed.
 *
 * Built with -DSZKM_TPM2_TEST_CLEAR (tests only) the sessions do no
 * parameter encryption, so a test can show that its capture would find R.
 * The other test builds put faults on the bus: see tpm2_fault.c.
 */
#include "tpm2.h"
#include "tpm2_fault.h"
#include "devblob.h"

#include <crypto/sha2.h>
#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tpm.h>

/* Values from the TPM 2.0 library spec, part 2, that <linux/tpm.h> lacks on 6.1. */
#define SZKM_TPM_RS_PW			0x40000009
#define SZKM_TPM_RH_OWNER		0x40000001
#define SZKM_TPM_RH_NULL		0x40000007
#define SZKM_TPM_CC_GET_CAPABILITY	0x017A
#define SZKM_TPM_CAP_HANDLES		1
#define SZKM_TPM_HT_TRANSIENT		0x80000000
#define SZKM_TPM_HT_LOADED_SESSION	0x02000000
#define SZKM_TPM_CC_READ_PUBLIC		0x0173
#define SZKM_TPM_CC_START_AUTH_SESS	0x0176
#define SZKM_TPM_CC_PCR_READ		0x017E
#define SZKM_TPM_CC_PCR_EXTEND		0x0182
#define SZKM_TPM_CC_POLICY_PCR		0x017F
#define SZKM_TPM_CC_POLICY_AUTHVALUE	0x016B
#define SZKM_TPM_CC_POLICY_NV		0x0149
#define SZKM_TPM_CC_NV_DEFINE_SPACE	0x012A
#define SZKM_TPM_CC_NV_INCREMENT	0x0134
#define SZKM_TPM_CC_NV_READ		0x014E
#define SZKM_TPM_CC_NV_READ_PUBLIC	0x0169
#define SZKM_TPM_SE_HMAC		0x00
#define SZKM_TPM_SE_POLICY		0x01
#define SZKM_TPM_ALG_AES		0x0006
#define SZKM_TPM_ALG_KEYEDHASH		0x0008
#define SZKM_TPM_ALG_SHA256		0x000B
#define SZKM_TPM_ALG_NULL		0x0010
#define SZKM_TPM_ALG_ECC		0x0023
#define SZKM_TPM_ALG_CFB		0x0043
#define SZKM_TPM_ECC_NIST_P256		0x0003

/* TPMA_OBJECT bits */
#define SZKM_OA_FIXED_TPM		BIT(1)
#define SZKM_OA_FIXED_PARENT		BIT(4)
#define SZKM_OA_USER_WITH_AUTH		BIT(6)
#define SZKM_OA_NO_DA			BIT(10)
#define SZKM_OA_RESTRICTED		BIT(16)
#define SZKM_OA_DECRYPT			BIT(17)

/*
 * A sealed data object: bound to this TPM and parent; userWithAuth clear,
 * so only its policy opens it; noDA only when it has no PIN.
 */
#define SZKM_SEALED_ATTRS (SZKM_OA_FIXED_TPM | SZKM_OA_FIXED_PARENT)
#define SZKM_PARENT_NEEDS (SZKM_OA_FIXED_TPM | SZKM_OA_FIXED_PARENT | \
			   SZKM_OA_RESTRICTED | SZKM_OA_DECRYPT)

/* Response codes, in the form szkm_rc_base() gives. */
#define RC_FMT1			0x080
#define RC_FMT1_PARAM		0x040	/* the error is in a parameter */
#define RC_HANDLE		0x08B
#define RC_AUTH_FAIL		0x08E
#define RC_INTEGRITY		0x09F
#define RC_BAD_AUTH		0x0A2
#define RC_VALUE		0x084
#define RC_POLICY_FAIL		0x09D
#define RC_POLICY		0x126	/* a PolicyNV comparison failed */
#define RC_NV_UNINITIALIZED	0x14A
#define RC_NV_DEFINED		0x14C
#define RC_HIERARCHY		0x085
#define RC_INITIALIZE		0x100
#define RC_FAILURE		0x101
#define RC_DISABLED		0x120
#define RC_OBJECT_MEMORY	0x902
#define RC_SESSION_MEMORY	0x903
#define RC_MEMORY		0x904
#define RC_OBJECT_HANDLES	0x906
#define RC_LOCKOUT		0x921

#define SZKM_TPM2_SECRET_MAX	128	/* MAX_SYM_DATA */

/* Big-endian reads; <asm/unaligned.h> moved to <linux/unaligned.h> in 6.12. */
static u16 szkm_be16(const u8 *p)
{
	return (u16)p[0] << 8 | p[1];
}

static u32 szkm_be32(const u8 *p)
{
	return (u32)szkm_be16(p) << 16 | szkm_be16(p + 2);
}

enum szkm_tpm_state szkm_tpm2_state(void)
{
	struct tpm_chip *chip = tpm_default_chip();
	enum szkm_tpm_state st;

	if (!chip)
		return SZKM_TPM_NONE;
	st = (chip->flags & TPM_CHIP_FLAG_TPM2) ? SZKM_TPM_2_0 : SZKM_TPM_1_2;
	put_device(&chip->dev);
	return st;
}

/* Format-1 codes carry a handle/parameter/session number: drop it. */
static u32 szkm_rc_base(u32 rc)
{
	return (rc & RC_FMT1) ? (rc & 0xbf) : rc;
}

/*
 * One place turns a tpm_transmit_cmd() result into an errno and a log line
 * that says what failed and why. @what names the step ("creating the
 * storage key"). RC_HANDLE and RC_INTEGRITY are left to the callers, who
 * know what they mean there; they are returned as -ENOENT and -EBADMSG.
 */
static int szkm_tpm_err(ssize_t rc, const char *what)
{
	u32 base;

	if (rc == 0)
		return 0;
	if (rc == -ETIME) {
		pr_warn("TPM answered late while %s (the driver gave up waiting)\n", what);
		return rc;
	}
	if (rc < 0) {
		pr_err("TPM transport error %zd while %s\n", rc, what);
		return rc;
	}
	base = szkm_rc_base(rc);
	switch (base) {
	case RC_HANDLE:
		return -ENOENT;
	case RC_INTEGRITY:
		return -EBADMSG;
	case RC_LOCKOUT:
		pr_err("TPM is in dictionary-attack lockout: %s refused (wait, or reset it with the lockout authorisation)\n",
		       what);
		return -EBUSY;
	case RC_AUTH_FAIL:
	case RC_BAD_AUTH:
		pr_err("TPM refused the authorisation while %s: the owner hierarchy has a password (szkm needs it empty), or the session's HMAC did not verify\n",
		       what);
		return -EACCES;
	case RC_HIERARCHY:
		pr_err("TPM owner hierarchy is disabled: %s refused\n", what);
		return -EACCES;
	case RC_OBJECT_MEMORY:
	case RC_SESSION_MEMORY:
	case RC_MEMORY:
	case RC_OBJECT_HANDLES:
		pr_err("TPM is out of object memory (0x%03x) while %s: another TPM user leaks transient objects\n",
		       base, what);
		return -ENOSPC;
	case RC_INITIALIZE:
		pr_err("TPM was not started (no TPM2_Startup) while %s\n", what);
		return -EIO;
	case RC_FAILURE:
		pr_err("TPM is in failure mode while %s\n", what);
		return -EIO;
	case RC_DISABLED:
		pr_err("TPM is disabled while %s\n", what);
		return -EIO;
	default:
		pr_err("TPM error 0x%03x while %s\n", (u32)rc, what);
		return -EIO;
	}
}

/* Late answers (-ETIME) since the module loaded; see struct szkm_tpm2. */
static atomic_t szkm_tpm2_lates = ATOMIC_INIT(0);

/* Send; 0 or the TPM's positive response code or a negative errno. */
static ssize_t szkm_tpm_send(struct tpm_chip *chip, struct tpm_buf *buf)
{
	ssize_t rc;

	if (buf->flags & TPM_BUF_OVERFLOW)
		return -E2BIG;
	rc = szkm_tpm2_transmit(chip, buf);
	if (rc == -ETIME)
		atomic_inc(&szkm_tpm2_lates);
	return rc;
}

static void szkm_tpm_buf_wipe(struct tpm_buf *buf)
{
	memzero_explicit(buf->data, PAGE_SIZE);
	tpm_buf_destroy(buf);
}

/* The authorisation area for one handle: password session, empty password. */
static void szkm_append_pw_auth(struct tpm_buf *buf)
{
	tpm_buf_append_u32(buf, 9);		/* authorizationSize */
	tpm_buf_append_u32(buf, SZKM_TPM_RS_PW);
	tpm_buf_append_u16(buf, 0);		/* nonceCaller */
	tpm_buf_append_u8(buf, 0);		/* sessionAttributes */
	tpm_buf_append_u16(buf, 0);		/* hmac: the empty password */
}

/* A bounds-checked reader over a response. */
struct szkm_rsp {
	const u8 *p;
	size_t left;
};

static int szkm_rsp_start(struct szkm_rsp *r, struct tpm_buf *buf, size_t skip)
{
	const struct tpm_header *h = (const struct tpm_header *)buf->data;
	u32 len = be32_to_cpu(h->length);

	if (len < TPM_HEADER_SIZE + skip || len > PAGE_SIZE)
		return -EPROTO;
	r->p = buf->data + TPM_HEADER_SIZE + skip;
	r->left = len - TPM_HEADER_SIZE - skip;
	return 0;
}

static int szkm_rsp_u16(struct szkm_rsp *r, u16 *v)
{
	if (r->left < 2)
		return -EPROTO;
	*v = szkm_be16(r->p);
	r->p += 2;
	r->left -= 2;
	return 0;
}

static int szkm_rsp_u32(struct szkm_rsp *r, u32 *v)
{
	if (r->left < 4)
		return -EPROTO;
	*v = szkm_be32(r->p);
	r->p += 4;
	r->left -= 4;
	return 0;
}

/* A TPM2B: its body in *@data, *@len bytes; @whole includes the size. */
static int szkm_rsp_2b(struct szkm_rsp *r, const u8 **data, u16 *len,
		       const u8 **whole)
{
	u16 n;

	if (whole)
		*whole = r->p;
	if (szkm_rsp_u16(r, &n) || r->left < n)
		return -EPROTO;
	*data = r->p;
	*len = n;
	r->p += n;
	r->left -= n;
	return 0;
}

static int szkm_rsp_name(struct szkm_rsp *r, u8 name[SZKM_TPM2_NAME_LEN])
{
	const u8 *d;
	u16 n;

	if (szkm_rsp_2b(r, &d, &n, NULL) || n != SZKM_TPM2_NAME_LEN ||
	    szkm_be16(d) != SZKM_TPM_ALG_SHA256)
		return -EPROTO;
	memcpy(name, d, n);
	return 0;
}

static u8 szkm_tpm2_last_session = SZKM_TPM_SESSION_NONE;

u8 szkm_tpm2_session_state(void)
{
	return READ_ONCE(szkm_tpm2_last_session);
}

#ifdef SZKM_TPM2_TEST_CLEAR
#define SZKM_SA_PARAM_ENC	0
#define SZKM_SESSION_KIND	SZKM_TPM_SESSION_CLEAR
#else
#define SZKM_SA_PARAM_ENC	(SZKM_SA_DECRYPT | SZKM_SA_ENCRYPT)
#define SZKM_SESSION_KIND	SZKM_TPM_SESSION_ENCRYPTED
#endif

/* TPML_PCR_SELECTION of the SHA-256 bank, PCRs in @mask (0..23). */
#define SZKM_PCR_SEL_LEN	(4 + 2 + 1 + 3)
static void szkm_pcr_sel(u8 sel[SZKM_PCR_SEL_LEN], u32 mask)
{
	sel[0] = sel[1] = sel[2] = 0;
	sel[3] = 1;				/* count */
	sel[4] = SZKM_TPM_ALG_SHA256 >> 8;
	sel[5] = SZKM_TPM_ALG_SHA256 & 0xff;
	sel[6] = 3;				/* sizeofSelect */
	sel[7] = mask & 0xff;
	sel[8] = (mask >> 8) & 0xff;
	sel[9] = (mask >> 16) & 0xff;
}

static u32 szkm_binding_mask(const struct szkm_tpm2_binding *b)
{
	return b->boot_pcrs | BIT(b->lock_pcr);
}

/*
 * What TPM2_PolicyPCR takes for @b: the selection and the SHA-256 of the
 * selected PCRs' values in ascending order, the lock PCR at its reset value.
 */
static void szkm_binding_pcrs(const struct szkm_tpm2_binding *b,
			      u8 sel[SZKM_PCR_SEL_LEN], u8 digest[SZKM_TPM2_DIGEST])
{
	static const u8 reset[SZKM_TPM2_DIGEST];
	struct sha256_state st;
	u32 mask = szkm_binding_mask(b);
	int pcr, i = 0;

	sha256_init(&st);
	for (pcr = 0; pcr < 24; pcr++) {
		if (!(mask & BIT(pcr)))
			continue;
		sha256_update(&st, pcr == b->lock_pcr ? reset : b->boot_values[i++],
			      SZKM_TPM2_DIGEST);
	}
	sha256_final(&st, digest);
	szkm_pcr_sel(sel, mask);
}

void szkm_tpm2_binding_policy(const struct szkm_tpm2_binding *b,
			      u8 policy[SZKM_TPM2_DIGEST])
{
	u8 sel[SZKM_PCR_SEL_LEN], digest[SZKM_TPM2_DIGEST], name[SZKM_TPM2_NAME_LEN];

	szkm_binding_pcrs(b, sel, digest);
	memset(policy, 0, SZKM_TPM2_DIGEST);
	szkm_tpm2_policy_pcr(policy, sel, sizeof(sel), digest);
	szkm_tpm2_nv_name(b->nv_index, SZKM_TPM_COUNTER_ATTRS | SZKM_TPM_NV_WRITTEN, name);
	szkm_tpm2_policy_nv_eq(policy, b->nv_value, name);
	if (b->pin)
		szkm_tpm2_policy_authvalue(policy);
}

/* TPM2_PCR_Read of one SHA-256 PCR (no session: nothing secret). */
static int szkm_pcr_read(struct tpm_chip *chip, u8 pcr, u8 val[SZKM_TPM2_DIGEST])
{
	u8 sel[SZKM_PCR_SEL_LEN];
	struct szkm_rsp r;
	struct tpm_buf buf;
	const u8 *d, *selout;
	u32 counter, count;
	u16 n;
	ssize_t rc;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_NO_SESSIONS, SZKM_TPM_CC_PCR_READ);
	if (ret)
		return ret;
	szkm_pcr_sel(sel, BIT(pcr));
	tpm_buf_append(&buf, sel, sizeof(sel));
	rc = szkm_tpm_send(chip, &buf);
	ret = szkm_tpm_err(rc, "reading a PCR");
	if (ret)
		goto out;
	ret = -EPROTO;
	if (szkm_rsp_start(&r, &buf, 0) || szkm_rsp_u32(&r, &counter) ||
	    r.left < sizeof(sel))
		goto out;
	selout = r.p;
	r.p += sizeof(sel);
	r.left -= sizeof(sel);
	if (szkm_rsp_u32(&r, &count))
		goto out;
	if (count == 0 || memcmp(selout, sel, sizeof(sel))) {
		pr_err("the TPM has no SHA-256 bank for PCR %u: szkm needs one\n", pcr);
		ret = -ENODEV;
		goto out;
	}
	if (count != 1 || szkm_rsp_2b(&r, &d, &n, NULL) || n != SZKM_TPM2_DIGEST)
		goto out;
	memcpy(val, d, SZKM_TPM2_DIGEST);
	ret = 0;
out:
	tpm_buf_destroy(&buf);
	if (ret == -EPROTO)
		pr_err("malformed TPM2_PCR_Read reply\n");
	return ret;
}

/*
 * The parent's public area must be the SRK template with a P-256 point in
 * unique, and its name the SHA-256 of that area; fills the point.
 */
static int szkm_check_parent_public(struct szkm_tpm2 *t, const u8 *pub, u16 n,
				    const u8 name[SZKM_TPM2_NAME_LEN])
{
	static const u8 tmpl[] = SZKM_TPM2_SRK_TEMPLATE;
	const size_t fixed = SZKM_TPM2_SRK_TEMPLATE_LEN - 2 * (2 + 32);
	u8 digest[SZKM_TPM2_DIGEST];

	if (n != SZKM_TPM2_SRK_TEMPLATE_LEN || memcmp(pub, tmpl, fixed) ||
	    szkm_be16(pub + fixed) != 32 || szkm_be16(pub + fixed + 34) != 32)
		return -EPROTO;
	sha256(pub, n, digest);
	if (szkm_be16(name) != SZKM_TPM_ALG_SHA256 ||
	    memcmp(name + 2, digest, SZKM_TPM2_DIGEST))
		return -EPROTO;
	memcpy(t->parent_x, pub + fixed + 2, 32);
	memcpy(t->parent_y, pub + fixed + 36, 32);
	return 0;
}

/* TPM2_CreatePrimary under the owner hierarchy with the SRK template. */
static int szkm_create_primary(struct szkm_tpm2 *t)
{
	static const u8 tmpl[] = SZKM_TPM2_SRK_TEMPLATE;
	const u8 *d, *pub;
	struct szkm_rsp r;
	struct tpm_buf buf;
	u32 h, psize;
	u16 n, publen;
	ssize_t rc;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, TPM2_CC_CREATE_PRIMARY);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, SZKM_TPM_RH_OWNER);
	szkm_append_pw_auth(&buf);
	/* inSensitive: no auth, no data */
	tpm_buf_append_u16(&buf, 4);
	tpm_buf_append_u16(&buf, 0);
	tpm_buf_append_u16(&buf, 0);
	/* inPublic */
	tpm_buf_append_u16(&buf, sizeof(tmpl));
	tpm_buf_append(&buf, tmpl, sizeof(tmpl));
	/* outsideInfo, creationPCR */
	tpm_buf_append_u16(&buf, 0);
	tpm_buf_append_u32(&buf, 0);

	rc = szkm_tpm_send(t->chip, &buf);
	ret = szkm_tpm_err(rc, "creating the storage key");
	if (ret)
		goto out;
	ret = -EPROTO;
	if (szkm_rsp_start(&r, &buf, 0) || szkm_rsp_u32(&r, &h))
		goto out;
	/* From here on the object is loaded: flush it on any error. */
	if (szkm_rsp_u32(&r, &psize) ||
	    szkm_rsp_2b(&r, &pub, &publen, NULL) ||	/* outPublic */
	    szkm_rsp_2b(&r, &d, &n, NULL) ||	/* creationData */
	    szkm_rsp_2b(&r, &d, &n, NULL) ||	/* creationHash */
	    szkm_rsp_u16(&r, &n) || szkm_rsp_u32(&r, &psize) ||
	    szkm_rsp_2b(&r, &d, &n, NULL) ||	/* creationTicket */
	    szkm_rsp_name(&r, t->parent_name) ||
	    szkm_check_parent_public(t, pub, publen, t->parent_name)) {
		tpm2_flush_context(t->chip, h);
		goto out;
	}
	t->parent = h;
	ret = 0;
out:
	tpm_buf_destroy(&buf);
	if (ret == -EPROTO)
		pr_err("malformed TPM2_CreatePrimary reply, or not the key the SRK template makes\n");
	return ret;
}

/*
 * TPM2_ReadPublic or TPM2_NV_ReadPublic (@cc) of @handle, no session:
 * *@pub the public area (in @buf, which the caller destroys on success;
 * on an error it is gone). -ENOENT: no such handle; -EPROTO: malformed.
 */
static int szkm_read_public(struct szkm_tpm2 *t, u32 cc, u32 handle, const char *what,
			    struct tpm_buf *buf, struct szkm_rsp *r, const u8 **pub,
			    u16 *publen)
{
	int ret = tpm_buf_init(buf, TPM2_ST_NO_SESSIONS, cc);

	if (ret)
		return ret;
	tpm_buf_append_u32(buf, handle);
	ret = szkm_tpm_err(szkm_tpm_send(t->chip, buf), what);
	if (!ret && (szkm_rsp_start(r, buf, 0) || szkm_rsp_2b(r, pub, publen, NULL)))
		ret = -EPROTO;
	if (ret)
		tpm_buf_destroy(buf);
	return ret;
}

/*
 * A key at 0x81000001 must be the one the SRK template makes (the same
 * name as our primary): anything else was put there by someone who wants
 * keys sealed under it. None there is fine.
 */
static int szkm_check_persistent_srk(struct szkm_tpm2 *t)
{
	u8 name[SZKM_TPM2_NAME_LEN];
	struct szkm_rsp r;
	struct tpm_buf buf;
	const u8 *pub;
	u16 publen;
	u32 attrs;
	int ret;

	ret = szkm_read_public(t, SZKM_TPM_CC_READ_PUBLIC, SZKM_TPM2_SRK_HANDLE,
			       "reading the storage key at 0x81000001", &buf, &r, &pub, &publen);
	if (ret == -ENOENT)
		return 0;	/* nothing there */
	if (ret)
		return ret;
	ret = -EPROTO;
	if (publen < 8 || szkm_rsp_name(&r, name)) {
		pr_err("malformed TPM2_ReadPublic reply\n");
		goto out;
	}
	attrs = szkm_be32(pub + 4);
	ret = -EPERM;
	if ((attrs & SZKM_PARENT_NEEDS) != SZKM_PARENT_NEEDS) {
		pr_err("the key at 0x%08x is not a storage key szkm can trust (%s%s%s%s): refused; remove it (tpm2_evictcontrol) and run szkmctl tpm provision\n",
		       SZKM_TPM2_SRK_HANDLE,
		       attrs & SZKM_OA_FIXED_TPM ? "" : "duplicable: fixedTPM clear; ",
		       attrs & SZKM_OA_FIXED_PARENT ? "" : "fixedParent clear; ",
		       attrs & SZKM_OA_RESTRICTED ? "" : "not restricted; ",
		       attrs & SZKM_OA_DECRYPT ? "" : "not a decrypt key; ");
		goto out;
	}
	if (memcmp(name, t->parent_name, SZKM_TPM2_NAME_LEN)) {
		pr_err("the key at 0x%08x is not the one the standard SRK template makes (its name differs): refused; remove it (tpm2_evictcontrol) and run szkmctl tpm provision\n",
		       SZKM_TPM2_SRK_HANDLE);
		goto out;
	}
	ret = 0;
out:
	tpm_buf_destroy(&buf);
	return ret;
}

/* TPM2_StartAuthSession salted to the parent, unbound, AES-128-CFB. */
static int szkm_start_session(struct szkm_tpm2 *t, u8 type,
			      struct szkm_tpm2_sess *s)
{
	u8 point[SZKM_TPM2_SALT_POINT], salt[SZKM_TPM2_DIGEST];
	struct szkm_rsp r;
	struct tpm_buf buf;
	const u8 *d;
	u16 n;
	ssize_t rc;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = szkm_tpm2_salt(t->parent_x, t->parent_y, point, salt);
	if (ret)
		return ret;
	ret = tpm_buf_init(&buf, TPM2_ST_NO_SESSIONS, SZKM_TPM_CC_START_AUTH_SESS);
	if (ret)
		goto out_salt;
	tpm_buf_append_u32(&buf, t->parent);		/* tpmKey: salt */
	tpm_buf_append_u32(&buf, SZKM_TPM_RH_NULL);	/* bind: none */
	get_random_bytes(s->nonce_caller, SZKM_TPM2_DIGEST);
	tpm_buf_append_u16(&buf, SZKM_TPM2_DIGEST);
	tpm_buf_append(&buf, s->nonce_caller, SZKM_TPM2_DIGEST);
	tpm_buf_append_u16(&buf, sizeof(point));	/* encryptedSalt */
	tpm_buf_append(&buf, point, sizeof(point));
	tpm_buf_append_u8(&buf, type);
	tpm_buf_append_u16(&buf, SZKM_TPM_ALG_AES);
	tpm_buf_append_u16(&buf, 128);
	tpm_buf_append_u16(&buf, SZKM_TPM_ALG_CFB);
	tpm_buf_append_u16(&buf, SZKM_TPM_ALG_SHA256);
	rc = szkm_tpm_send(t->chip, &buf);
	ret = szkm_tpm_err(rc, "starting a salted session");
	if (ret)
		goto out;
	ret = -EPROTO;
	if (szkm_rsp_start(&r, &buf, 0) || szkm_rsp_u32(&r, &s->handle))
		goto out;
	if (szkm_rsp_2b(&r, &d, &n, NULL) || n != SZKM_TPM2_DIGEST) {
		tpm2_flush_context(t->chip, s->handle);
		s->handle = 0;
		goto out;
	}
	memcpy(s->nonce_tpm, d, SZKM_TPM2_DIGEST);
	szkm_tpm2_sess_key(s, salt);
	szkm_tpm2_sess_auth(s, NULL, 0);
	ret = 0;
out:
	tpm_buf_destroy(&buf);
	if (ret == -EPROTO)
		pr_err("malformed TPM2_StartAuthSession reply\n");
out_salt:
	memzero_explicit(salt, sizeof(salt));
	return ret;
}

static void szkm_end_session(struct szkm_tpm2 *t, struct szkm_tpm2_sess *s)
{
	if (s->handle)
		tpm2_flush_context(t->chip, s->handle);
	szkm_tpm2_sess_wipe(s);
}

/* Appends the handles of @first's type that the TPM holds now to @out. */
static int szkm_list_handles(struct szkm_tpm2 *t, u32 first, u32 *out, u8 *n)
{
	struct szkm_rsp r;
	struct tpm_buf buf;
	u32 cap, count, h;
	ssize_t rc;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_NO_SESSIONS, SZKM_TPM_CC_GET_CAPABILITY);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, SZKM_TPM_CAP_HANDLES);
	tpm_buf_append_u32(&buf, first);
	tpm_buf_append_u32(&buf, SZKM_TPM2_RESIDENT_MAX);
	rc = szkm_tpm_send(t->chip, &buf);
	ret = szkm_tpm_err(rc, "listing the TPM's loaded handles");
	if (ret)
		goto out;
	ret = -EPROTO;
	/* moreData (1 byte), capability, TPML_HANDLE */
	if (szkm_rsp_start(&r, &buf, 1) || szkm_rsp_u32(&r, &cap) ||
	    cap != SZKM_TPM_CAP_HANDLES || szkm_rsp_u32(&r, &count))
		goto out;
	while (count--) {
		if (szkm_rsp_u32(&r, &h))
			goto out;
		/* Loaded sessions: HMAC (0x02) and policy (0x03) handles. */
		if ((h >> 24) != (first >> 24) &&
		    (first != SZKM_TPM_HT_LOADED_SESSION || (h >> 24) != 0x03))
			break;
		if (*n == SZKM_TPM2_RESIDENT_MAX) {
			ret = -ENOSPC;
			pr_err("the TPM holds more than %d objects and sessions\n",
			       SZKM_TPM2_RESIDENT_MAX);
			goto out;
		}
		out[(*n)++] = h;
	}
	ret = 0;
out:
	tpm_buf_destroy(&buf);
	if (ret == -EPROTO)
		pr_err("malformed TPM2_GetCapability reply\n");
	return ret;
}

static int szkm_list_resident(struct szkm_tpm2 *t, u32 *out, u8 *n)
{
	*n = 0;
	return szkm_list_handles(t, SZKM_TPM_HT_TRANSIENT, out, n) ?:
	       szkm_list_handles(t, SZKM_TPM_HT_LOADED_SESSION, out, n);
}

/*
 * A transaction that saw a late answer flushes the objects and sessions
 * that appeared since it began (its own are flushed already). It held the
 * TPM throughout (tpm_try_get_ops), so no one else made them.
 */
static void szkm_flush_leftovers(struct szkm_tpm2 *t)
{
	u32 now[SZKM_TPM2_RESIDENT_MAX];
	u8 n, i, j;

	if (atomic_read(&szkm_tpm2_lates) == t->lates ||
	    szkm_list_resident(t, now, &n))
		return;
	for (i = 0; i < n; i++) {
		for (j = 0; j < t->nresident && t->resident[j] != now[i]; j++)
			;
		if (j < t->nresident)
			continue;
		pr_warn("flushing TPM handle 0x%08x, left by a command whose answer came late\n",
			now[i]);
		tpm2_flush_context(t->chip, now[i]);
	}
}

int szkm_tpm2_begin(struct szkm_tpm2 *t, const u8 *want)
{
	struct tpm_chip *chip;
	int ret;

	memset(t, 0, sizeof(*t));
	chip = tpm_default_chip();
	if (!chip) {
		pr_err("no TPM: no TPM chip is registered (none present, or its driver has not probed yet; see /sys/class/tpm)\n");
		return -ENODEV;
	}
	if (!(chip->flags & TPM_CHIP_FLAG_TPM2)) {
		pr_err("the TPM is a TPM 1.2: szkm needs a TPM 2.0\n");
		ret = -ENODEV;
		goto err_put_dev;
	}
	ret = tpm_try_get_ops(chip);
	if (ret) {
		pr_err("TPM %s is going away or disabled (%d)\n", dev_name(&chip->dev), ret);
		goto err_put_dev;
	}
	t->chip = chip;
	t->lates = atomic_read(&szkm_tpm2_lates);
	ret = szkm_list_resident(t, t->resident, &t->nresident);
	if (ret)
		goto err_put_ops_only;	/* no list: nothing may be flushed */
	ret = szkm_create_primary(t);
	if (ret)
		goto err_put_ops;
	ret = szkm_check_persistent_srk(t);
	if (ret)
		goto err_flush;
	if (want && memcmp(want, t->parent_name, SZKM_TPM2_NAME_LEN)) {
		pr_err("device blob was sealed by a different TPM (or this TPM's owner hierarchy was cleared since): its storage parent is not on this TPM\n");
		ret = -EKEYREJECTED;
		goto err_flush;
	}
	ret = szkm_start_session(t, SZKM_TPM_SE_HMAC, &t->hmac);
	if (ret)
		goto err_flush;
	pr_info("TPM %s: storage parent is a primary key made from the SRK template (checked, flushed after use); sessions salted to it\n",
		dev_name(&chip->dev));
	return 0;

err_flush:
	tpm2_flush_context(chip, t->parent);
err_put_ops:
	szkm_flush_leftovers(t);
err_put_ops_only:
	tpm_put_ops(chip);
err_put_dev:
	put_device(&chip->dev);
	t->chip = NULL;
	return ret;
}

void szkm_tpm2_end(struct szkm_tpm2 *t)
{
	if (!t->chip)
		return;
	szkm_end_session(t, &t->hmac);
	tpm2_flush_context(t->chip, t->parent);
	szkm_flush_leftovers(t);
	tpm_put_ops(t->chip);
	put_device(&t->chip->dev);
	memzero_explicit(t, sizeof(*t));
}

int szkm_tpm2_binding_make(struct szkm_tpm2 *t, struct szkm_tpm2_binding *b)
{
	int pcr, i = 0, ret;

	for (pcr = 0; pcr < 16; pcr++) {
		if (!(b->boot_pcrs & BIT(pcr)))
			continue;
		ret = szkm_pcr_read(t->chip, pcr, b->boot_values[i++]);
		if (ret)
			return ret;
	}
	szkm_tpm2_binding_policy(b, b->policy);
	return 0;
}

int szkm_tpm2_check_pcrs(struct szkm_tpm2 *t, const struct szkm_tpm2_binding *b,
			 int *bad)
{
	static const u8 reset[SZKM_TPM2_DIGEST];
	u8 val[SZKM_TPM2_DIGEST];
	int pcr, i = 0, ret;

	ret = szkm_pcr_read(t->chip, b->lock_pcr, val);
	if (ret)
		return ret;
	if (memcmp(val, reset, sizeof(val))) {
		*bad = b->lock_pcr;
		pr_notice("lock PCR %u is capped: the TPM opens the device's root key once per boot and it was opened (or PCR %u extended by someone else) since boot; a reboot is needed\n",
			  b->lock_pcr, b->lock_pcr);
		return -ESTALE;
	}
	for (pcr = 0; pcr < 16; pcr++) {
		if (!(b->boot_pcrs & BIT(pcr)))
			continue;
		ret = szkm_pcr_read(t->chip, pcr, val);
		if (ret)
			return ret;
		if (memcmp(val, b->boot_values[i++], sizeof(val))) {
			*bad = pcr;
			pr_notice("boot PCR %d changed since device init: the machine booted differently (firmware, Secure Boot state or boot chain); unseal refused\n",
				  pcr);
			return -EKEYREJECTED;
		}
	}
	return 0;
}

static const u8 *szkm_handle_name(u32 handle, u8 out[4])
{
	out[0] = handle >> 24;
	out[1] = handle >> 16;
	out[2] = handle >> 8;
	out[3] = handle;
	return out;
}

/* After a session command: the TPM's reply checked, or why not. */
static int szkm_sess_reply(struct szkm_tpm2 *t, struct szkm_tpm2_sess *s,
			   struct tpm_buf *buf, u32 nhandles, const char *what,
			   struct szkm_rsp *r)
{
	u8 *p;
	u32 n;
	int ret;

	ret = szkm_tpm2_sess_open_rsp(s, buf, nhandles, &p, &n);
	if (ret == -EBADMSG)
		pr_err("the TPM's reply to %s failed its HMAC check: the reply did not come from the TPM that holds the session, or was altered on the way (TPM bus tampering?)\n",
		       what);
	else if (ret)
		pr_err("malformed reply to %s\n", what);
	if (ret)
		return ret;
	r->p = p;
	r->left = n;
	return 0;
}

/*
 * NV_ReadPublic (no session: what it says only decides whether to define
 * the index; the HMAC-checked commands after it prove the name). *@written
 * tells whether the counter was ever incremented. -ENOENT: no index.
 */
static int szkm_nv_public(struct szkm_tpm2 *t, u32 index, bool *written)
{
	struct szkm_rsp r;
	struct tpm_buf buf;
	const u8 *d;
	u16 n;
	u32 attrs;
	int ret;

	ret = szkm_read_public(t, SZKM_TPM_CC_NV_READ_PUBLIC, index,
			       "reading the rollback counter's public area", &buf, &r, &d, &n);
	if (ret == -EPROTO)
		pr_err("malformed TPM2_NV_ReadPublic reply\n");
	if (ret)
		return ret;
	if (n != 14)
		goto bad;
	attrs = szkm_be32(d + 6);
	if (szkm_be32(d) != index || szkm_be16(d + 4) != SZKM_TPM_ALG_SHA256 ||
	    (attrs & ~SZKM_TPM_NV_WRITTEN) != SZKM_TPM_COUNTER_ATTRS ||
	    szkm_be16(d + 10) || szkm_be16(d + 12) != 8)
		goto bad;
	*written = attrs & SZKM_TPM_NV_WRITTEN;
	ret = 0;
	goto out;
bad:
	pr_err("TPM NV index 0x%08x is not szkm's rollback counter (another kind, attributes or size): refused; if no one else uses it, undefine it (tpm2_nvundefine 0x%08x)\n",
	       index, index);
	ret = -EACCES;
out:
	tpm_buf_destroy(&buf);
	return ret;
}

/* NV_DefineSpace of the counter: owner hierarchy, empty password. */
static int szkm_nv_define(struct szkm_tpm2 *t, u32 index)
{
	struct tpm_buf buf;
	ssize_t rc;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, SZKM_TPM_CC_NV_DEFINE_SPACE);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, SZKM_TPM_RH_OWNER);
	szkm_append_pw_auth(&buf);
	tpm_buf_append_u16(&buf, 0);			/* auth: empty */
	tpm_buf_append_u16(&buf, 14);			/* TPMS_NV_PUBLIC */
	tpm_buf_append_u32(&buf, index);
	tpm_buf_append_u16(&buf, SZKM_TPM_ALG_SHA256);
	tpm_buf_append_u32(&buf, SZKM_TPM_COUNTER_ATTRS);
	tpm_buf_append_u16(&buf, 0);			/* authPolicy */
	tpm_buf_append_u16(&buf, 8);			/* dataSize */
	rc = szkm_tpm_send(t->chip, &buf);
	tpm_buf_destroy(&buf);
	if (rc == RC_NV_DEFINED)
		return 0;
	ret = szkm_tpm_err(rc, "defining the rollback counter");
	if (!ret)
		pr_info("defined the rollback counter at TPM NV index 0x%08x\n", index);
	return ret;
}

/*
 * NV_Increment (@cc SZKM_TPM_CC_NV_INCREMENT) or NV_Read of the counter's
 * 8 bytes into *@value, in the HMAC session: the response HMAC proves the
 * TPM did it; the command HMAC covers the index's name.
 */
static int szkm_nv_cmd(struct szkm_tpm2 *t, u32 index, bool written, u32 cc,
		       u64 *value)
{
	u8 name[SZKM_TPM2_NAME_LEN];
	const u8 *names[2] = { name, name };
	const u8 namelens[2] = { SZKM_TPM2_NAME_LEN, SZKM_TPM2_NAME_LEN };
	struct szkm_rsp r;
	struct tpm_buf buf;
	const u8 *d;
	u16 n;
	ssize_t rc;
	int ret;

	szkm_tpm2_nv_name(index, SZKM_TPM_COUNTER_ATTRS | (written ? SZKM_TPM_NV_WRITTEN : 0),
			  name);
	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, cc);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, index);		/* authHandle */
	tpm_buf_append_u32(&buf, index);		/* nvIndex */
	szkm_tpm2_sess_auth(&t->hmac, NULL, 0);
	szkm_tpm2_sess_append(&t->hmac, &buf, cc, names, namelens, 2, SZKM_SA_CONTINUE);
	if (cc == SZKM_TPM_CC_NV_READ) {
		tpm_buf_append_u16(&buf, 8);		/* size */
		tpm_buf_append_u16(&buf, 0);		/* offset */
	}
	ret = szkm_tpm2_sess_seal_cmd(&t->hmac, &buf);
	if (ret)
		goto out;
	rc = szkm_tpm_send(t->chip, &buf);
	ret = szkm_tpm_err(rc, cc == SZKM_TPM_CC_NV_READ ? "reading the rollback counter" :
				"incrementing the rollback counter");
	if (ret)
		goto out;
	ret = szkm_sess_reply(t, &t->hmac, &buf, 0,
			      cc == SZKM_TPM_CC_NV_READ ? "TPM2_NV_Read" : "TPM2_NV_Increment", &r);
	if (ret || cc != SZKM_TPM_CC_NV_READ)
		goto out;
	if (szkm_rsp_2b(&r, &d, &n, NULL) || n != 8) {
		pr_err("malformed TPM2_NV_Read reply\n");
		ret = -EPROTO;
		goto out;
	}
	*value = (u64)szkm_be32(d) << 32 | szkm_be32(d + 4);
out:
	tpm_buf_destroy(&buf);
	return ret;
}

int szkm_tpm2_counter(struct szkm_tpm2 *t, u32 index, bool bump, u64 *value)
{
	bool written = false;
	int ret;

	ret = szkm_nv_public(t, index, &written);
	if (ret == -ENOENT)
		ret = szkm_nv_define(t, index) ?: szkm_nv_public(t, index, &written);
	if (ret)
		return ret;
	if (bump || !written) {
		ret = szkm_nv_cmd(t, index, written, SZKM_TPM_CC_NV_INCREMENT, NULL);
		if (ret)
			return ret;
	}
	return szkm_nv_cmd(t, index, true, SZKM_TPM_CC_NV_READ, value);
}

int szkm_tpm2_seal(struct szkm_tpm2 *t, const struct szkm_tpm2_binding *b,
		   const u8 *auth, const u8 *secret, size_t len,
		   u8 *out, size_t *outlen)
{
	const u8 *names[1] = { t->parent_name };
	const u8 namelens[1] = { SZKM_TPM2_NAME_LEN };
	const u8 *priv, *pub, *start;
	size_t authlen = auth ? SZKM_TPM2_DIGEST : 0, total;
	struct szkm_rsp r;
	struct tpm_buf buf;
	u16 privlen, publen;
	ssize_t rc;
	int ret;

	if (!len || len > SZKM_TPM2_SECRET_MAX)
		return -EINVAL;
	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, TPM2_CC_CREATE);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, t->parent);
	szkm_tpm2_sess_auth(&t->hmac, NULL, 0);	/* the parent's auth is empty */
	szkm_tpm2_sess_append(&t->hmac, &buf, TPM2_CC_CREATE, names, namelens, 1,
			      SZKM_SA_CONTINUE | (SZKM_SA_PARAM_ENC & SZKM_SA_DECRYPT));
	/* inSensitive: the PIN's authValue and the secret (encrypted) */
	tpm_buf_append_u16(&buf, 2 + authlen + 2 + len);
	tpm_buf_append_u16(&buf, authlen);
	if (authlen)
		tpm_buf_append(&buf, auth, authlen);
	tpm_buf_append_u16(&buf, len);
	tpm_buf_append(&buf, secret, len);
	/* inPublic: a keyed-hash object with no scheme: sealed data */
	tpm_buf_append_u16(&buf, 2 + 2 + 4 + 2 + SZKM_TPM2_DIGEST + 2 + 2);
	tpm_buf_append_u16(&buf, SZKM_TPM_ALG_KEYEDHASH);
	tpm_buf_append_u16(&buf, SZKM_TPM_ALG_SHA256);
	tpm_buf_append_u32(&buf, SZKM_SEALED_ATTRS | (b->pin ? 0 : SZKM_OA_NO_DA));
	tpm_buf_append_u16(&buf, SZKM_TPM2_DIGEST);	/* authPolicy */
	tpm_buf_append(&buf, b->policy, SZKM_TPM2_DIGEST);
	tpm_buf_append_u16(&buf, SZKM_TPM_ALG_NULL);	/* scheme */
	tpm_buf_append_u16(&buf, 0);			/* unique */
	/* outsideInfo, creationPCR */
	tpm_buf_append_u16(&buf, 0);
	tpm_buf_append_u32(&buf, 0);
	ret = szkm_tpm2_sess_seal_cmd(&t->hmac, &buf);
	if (ret)
		goto out;

	rc = szkm_tpm_send(t->chip, &buf);
	ret = szkm_tpm_err(rc, "sealing");
	if (ret)
		goto out;
	ret = szkm_sess_reply(t, &t->hmac, &buf, 0, "TPM2_Create", &r);
	if (ret)
		goto out;
	ret = -EPROTO;
	if (szkm_rsp_2b(&r, &priv, &privlen, &start) ||
	    szkm_rsp_2b(&r, &pub, &publen, NULL))
		goto out;
	total = (size_t)(pub + publen - start);
	if (total > SZKM_TPM2_SEALED_MAX) {
		pr_err("sealed object of %zu bytes is larger than %d\n", total,
		       SZKM_TPM2_SEALED_MAX);
		ret = -E2BIG;
		goto out;
	}
	memcpy(out, start, total);	/* TPM2B_PRIVATE || TPM2B_PUBLIC */
	*outlen = total;
	WRITE_ONCE(szkm_tpm2_last_session, SZKM_SESSION_KIND);
	ret = 0;
out:
	szkm_tpm_buf_wipe(&buf);	/* the command held the secret */
	if (ret == -EPROTO)
		pr_err("malformed TPM2_Create reply\n");
	return ret;
}

/*
 * Splits TPM2B_PRIVATE || TPM2B_PUBLIC and computes the object's name,
 * which the Unseal's HMAC covers: a swapped object fails the HMAC.
 */
static int szkm_sealed_name(const u8 *in, size_t inlen, u8 name[SZKM_TPM2_NAME_LEN])
{
	size_t privlen, publen;

	if (inlen < 4 || inlen > SZKM_TPM2_SEALED_MAX)
		return -EBADMSG;
	privlen = 2 + szkm_be16(in);
	if (privlen + 2 > inlen)
		return -EBADMSG;
	publen = 2 + szkm_be16(in + privlen);
	if (privlen + publen != inlen || publen < 2 + 8)
		return -EBADMSG;
	name[0] = SZKM_TPM_ALG_SHA256 >> 8;
	name[1] = SZKM_TPM_ALG_SHA256 & 0xff;
	sha256(in + privlen + 2, publen - 2, name + 2);
	return 0;
}

/* TPM2_Load of TPM2B_PRIVATE || TPM2B_PUBLIC under the parent. */
static int szkm_load(struct szkm_tpm2 *t, const u8 *in, size_t inlen, u32 *handle)
{
	struct szkm_rsp r;
	struct tpm_buf buf;
	ssize_t rc;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, TPM2_CC_LOAD);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, t->parent);
	szkm_append_pw_auth(&buf);
	tpm_buf_append(&buf, in, inlen);
	rc = szkm_tpm_send(t->chip, &buf);
	if (rc > 0 && (rc & RC_FMT1) && (rc & RC_FMT1_PARAM)) {
		/*
		 * The parent is the one the blob names, so an error in a
		 * parameter (inPrivate, inPublic: integrity, size, value...)
		 * means the object was altered.
		 */
		pr_err("the TPM refused a sealed object as modified (TPM2_Load error 0x%03x)\n",
		       (u32)rc);
		ret = -EBADMSG;
		goto out;
	}
	ret = szkm_tpm_err(rc, "loading a sealed object");
	if (ret)
		goto out;
	if (szkm_rsp_start(&r, &buf, 0) || szkm_rsp_u32(&r, handle)) {
		pr_err("malformed TPM2_Load reply\n");
		ret = -EPROTO;
	}
out:
	tpm_buf_destroy(&buf);
	return ret;
}

/*
 * PolicyNV: the counter equals the value @b was sealed at. Its
 * authorisation (AUTHREAD, empty authValue) is a password session: a bus
 * interposer who alters the command changes the policy digest and the
 * unseal fails.
 */
static int szkm_policy_nv(struct szkm_tpm2 *t, const struct szkm_tpm2_binding *b,
			  struct szkm_tpm2_sess *s)
{
	struct tpm_buf buf;
	ssize_t rc;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, SZKM_TPM_CC_POLICY_NV);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, b->nv_index);		/* authHandle */
	tpm_buf_append_u32(&buf, b->nv_index);		/* nvIndex */
	tpm_buf_append_u32(&buf, s->handle);
	szkm_append_pw_auth(&buf);
	tpm_buf_append_u16(&buf, 8);			/* operandB */
	tpm_buf_append_u32(&buf, b->nv_value >> 32);
	tpm_buf_append_u32(&buf, (u32)b->nv_value);
	tpm_buf_append_u16(&buf, 0);			/* offset */
	tpm_buf_append_u16(&buf, 0);			/* TPM_EO_EQ */
	rc = szkm_tpm_send(t->chip, &buf);
	tpm_buf_destroy(&buf);
	if (rc > 0 && szkm_rc_base(rc) == RC_POLICY) {
		pr_notice("the TPM's rollback counter 0x%08x is not at %llu, the value this blob was sealed at: an older copy of the blob (rollback), or one whose commit never ran; unseal refused\n",
			  b->nv_index, b->nv_value);
		return -EKEYEXPIRED;
	}
	if (rc > 0 && (szkm_rc_base(rc) == RC_HANDLE || rc == RC_NV_UNINITIALIZED)) {
		pr_notice("the TPM has no written rollback counter at 0x%08x (undefined since the blob was sealed?): unseal refused\n",
			  b->nv_index);
		return -EKEYREJECTED;
	}
	return szkm_tpm_err(rc, "checking the rollback counter in the policy");
}

/* PolicyPCR, PolicyNV (and PolicyAuthValue) in policy session @s. */
static int szkm_policy(struct szkm_tpm2 *t, const struct szkm_tpm2_binding *b,
		       struct szkm_tpm2_sess *s)
{
	u8 sel[SZKM_PCR_SEL_LEN], digest[SZKM_TPM2_DIGEST];
	struct tpm_buf buf;
	ssize_t rc;
	int ret;

	szkm_binding_pcrs(b, sel, digest);

	ret = tpm_buf_init(&buf, TPM2_ST_NO_SESSIONS, SZKM_TPM_CC_POLICY_PCR);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, s->handle);
	tpm_buf_append_u16(&buf, SZKM_TPM2_DIGEST);
	tpm_buf_append(&buf, digest, SZKM_TPM2_DIGEST);
	tpm_buf_append(&buf, sel, sizeof(sel));
	rc = szkm_tpm_send(t->chip, &buf);
	tpm_buf_destroy(&buf);
	if (rc > 0 && szkm_rc_base(rc) == RC_VALUE) {
		pr_notice("the TPM's PCRs are not those the device is bound to (TPM2_PolicyPCR): unseal refused\n");
		return -EKEYREJECTED;
	}
	ret = szkm_tpm_err(rc, "satisfying the PCR policy") ?:
	      szkm_policy_nv(t, b, s);
	if (ret || !b->pin)
		return ret;

	ret = tpm_buf_init(&buf, TPM2_ST_NO_SESSIONS, SZKM_TPM_CC_POLICY_AUTHVALUE);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, s->handle);
	rc = szkm_tpm_send(t->chip, &buf);
	tpm_buf_destroy(&buf);
	return szkm_tpm_err(rc, "asking for the PIN in the policy");
}

/*
 * TPM2_Unseal of loaded object @h in policy session @s, into @secret.
 * *@released is set once the TPM may have unsealed it (any answer but one
 * of its own refusals: success, whatever our checks then say, or none).
 */
static int szkm_unseal_one(struct szkm_tpm2 *t, struct szkm_tpm2_sess *s,
			   const u8 *auth, u32 h, const u8 name[SZKM_TPM2_NAME_LEN],
			   u8 *secret, size_t len, bool *released)
{
	const u8 *names[1] = { name };
	const u8 namelens[1] = { SZKM_TPM2_NAME_LEN };
	struct szkm_rsp r;
	struct tpm_buf buf;
	const u8 *d;
	u16 n;
	ssize_t rc;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, TPM2_CC_UNSEAL);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, h);
	szkm_tpm2_sess_auth(s, auth, auth ? SZKM_TPM2_DIGEST : 0);
	szkm_tpm2_sess_append(s, &buf, TPM2_CC_UNSEAL, names, namelens, 1,
			      SZKM_SA_CONTINUE | (SZKM_SA_PARAM_ENC & SZKM_SA_ENCRYPT));
	ret = szkm_tpm2_sess_seal_cmd(s, &buf);
	if (ret)
		goto out;
	rc = szkm_tpm_send(t->chip, &buf);
	if (rc <= 0)
		*released = true;
	if (rc > 0 && auth &&
	    (szkm_rc_base(rc) == RC_AUTH_FAIL || szkm_rc_base(rc) == RC_BAD_AUTH)) {
		pr_notice_ratelimited("wrong PIN: the TPM refused it and counted it towards its dictionary-attack lockout\n");
		ret = -EACCES;
		goto out;
	}
	if (rc > 0 && szkm_rc_base(rc) == RC_POLICY_FAIL) {
		pr_notice("the TPM refused the device's policy (TPM2_Unseal): unseal refused\n");
		ret = -EKEYREJECTED;
		goto out;
	}
	ret = szkm_tpm_err(rc, "unsealing");
	if (ret)
		goto out;
	ret = szkm_sess_reply(t, s, &buf, 0, "TPM2_Unseal", &r);
	if (ret)
		goto out;
	if (szkm_rsp_2b(&r, &d, &n, NULL) || n != len) {
		pr_err("TPM2_Unseal gave %u bytes, not %zu\n", n, len);
		ret = -EBADMSG;
		goto out;
	}
	memcpy(secret, d, n);
out:
	szkm_tpm_buf_wipe(&buf);	/* the reply held the secret */
	return ret;
}

int szkm_tpm2_unseal(struct szkm_tpm2 *t, const struct szkm_tpm2_binding *b,
		     const u8 *auth, const u8 *const in[], const size_t inlen[],
		     u8 *const secrets[], int n, size_t len, bool *released)
{
	u8 names[2][SZKM_TPM2_NAME_LEN];
	struct szkm_tpm2_sess s;
	int i, ret;
	u32 h;

	if (n > ARRAY_SIZE(names))
		return -EINVAL;
	/* Every object's name first: a malformed one costs no TPM command. */
	for (i = 0; i < n; i++)
		if (szkm_sealed_name(in[i], inlen[i], names[i]))
			return -EBADMSG;
	ret = szkm_start_session(t, SZKM_TPM_SE_POLICY, &s);
	if (ret)
		return ret;
	for (i = 0; i < n && !ret; i++) {
		ret = szkm_load(t, in[i], inlen[i], &h);
		if (ret)
			break;
		/* A used policy session starts over: satisfy it each time. */
		ret = szkm_policy(t, b, &s) ?:
		      szkm_unseal_one(t, &s, auth, h, names[i], secrets[i], len, released);
		tpm2_flush_context(t->chip, h);
	}
	szkm_end_session(t, &s);
	if (ret)
		for (i = 0; i < n; i++)
			memzero_explicit(secrets[i], len);
	else
		WRITE_ONCE(szkm_tpm2_last_session, SZKM_SESSION_KIND);
	return ret;
}

static int szkm_cap_once(struct szkm_tpm2 *t, u8 pcr)
{
	const u8 *names[1];
	const u8 namelens[1] = { 4 };
	u8 hname[4], rnd[SZKM_TPM2_DIGEST];
	struct szkm_rsp r;
	struct tpm_buf buf;
	ssize_t rc;
	int ret;

	names[0] = szkm_handle_name(pcr, hname);
	get_random_bytes(rnd, sizeof(rnd));
	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, SZKM_TPM_CC_PCR_EXTEND);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, pcr);
	szkm_tpm2_sess_auth(&t->hmac, NULL, 0);
	szkm_tpm2_sess_append(&t->hmac, &buf, SZKM_TPM_CC_PCR_EXTEND, names,
			      namelens, 1, SZKM_SA_CONTINUE);
	tpm_buf_append_u32(&buf, 1);			/* TPML_DIGEST_VALUES */
	tpm_buf_append_u16(&buf, SZKM_TPM_ALG_SHA256);
	tpm_buf_append(&buf, rnd, sizeof(rnd));
	ret = szkm_tpm2_sess_seal_cmd(&t->hmac, &buf);
	if (!ret) {
		rc = szkm_tpm_send(t->chip, &buf);
		ret = szkm_tpm_err(rc, "capping the lock PCR");
	}
	if (!ret)
		ret = szkm_sess_reply(t, &t->hmac, &buf, 0, "TPM2_PCR_Extend", &r);
	tpm_buf_destroy(&buf);
	memzero_explicit(rnd, sizeof(rnd));
	return ret;
}

int szkm_tpm2_cap(struct szkm_tpm2 *t, u8 pcr)
{
	int ret = 0, i;

	for (i = 0; i < SZKM_TPM_TRIES; i++) {
		if (i) {
			/* The late command may have run: its nonces are gone. */
			pr_warn("TPM answered late while capping lock PCR %u: extending it again in a new session\n",
				pcr);
			szkm_end_session(t, &t->hmac);
			ret = szkm_start_session(t, SZKM_TPM_SE_HMAC, &t->hmac);
			if (ret == -ETIME)
				continue;
			if (ret)
				break;
		}
		ret = szkm_cap_once(t, pcr);
		if (ret != -ETIME)
			break;
	}
	if (ret)
		pr_err("could not cap lock PCR %u (%d)\n", pcr, ret);
	return ret;
}

int szkm_tpm2_pcr_capped(u8 pcr)
{
	static const u8 reset[SZKM_TPM2_DIGEST];
	u8 val[SZKM_TPM2_DIGEST];
	struct tpm_chip *chip = tpm_default_chip();
	int ret;

	if (!chip)
		return -ENODEV;
	ret = tpm_try_get_ops(chip);
	if (!ret) {
		ret = szkm_pcr_read(chip, pcr, val);
		tpm_put_ops(chip);
	}
	put_device(&chip->dev);
	return ret ?: !!memcmp(val, reset, sizeof(val));
}

int __init szkm_tpm2_init(void)
{
	static const char *const names[] = {
		[SZKM_TPM_NONE] = "no TPM found",
		[SZKM_TPM_1_2] = "TPM 1.2 found (not supported, TPM 2.0 needed)",
		[SZKM_TPM_2_0] = "TPM 2.0 found",
	};

	pr_info("%s\n", names[szkm_tpm2_state()]);
	szkm_tpm2_fault_warn();
#ifdef SZKM_TPM2_TEST_CLEAR
	pr_crit("TEST BUILD: TPM sessions without parameter encryption: R and E cross the TPM bus in clear. Never use this module on a real machine.\n");
#endif
	return 0;
}

void szkm_tpm2_uninit(void)
{
}
