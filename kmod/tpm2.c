// SPDX-License-Identifier: GPL-2.0
/*
 * tpm2.c - TPM 2.0 access through the kernel's TPM interface: the module
 * builds its own commands with tpm_buf and sends them with
 * tpm_transmit_cmd, needing no handle, key or policy from userspace.
 *
 * The storage parent is the persistent SRK at 0x81000001 when there is one
 * (szkmctl tpm provision makes it), else a primary key made under the owner
 * hierarchy from the same TCG SRK template and flushed after use. The TPM
 * derives a primary from its owner seed and the template, so both are the
 * same key: a blob sealed before provisioning unseals after it. The parent's
 * name is kept in the device blob; a blob whose parent no key on this TPM
 * has was sealed by another TPM (or before a TPM2_Clear), which we can tell
 * apart from a modified blob, which the TPM refuses at Load.
 *
 * The chip is looked up per operation and never kept (it may go away);
 * tpm_try_get_ops() holds the chip's mutex until tpm_put_ops(), so a whole
 * begin..end sequence runs with no other TPM user's command in between, and
 * every transient object it loads is flushed before the chip is released.
 *
 * Authorisation is a password session (TPM_RS_PW) with the empty password.
 * Kernels with CONFIG_TCG_TPM2_HMAC protect only the commands the kernel
 * itself wraps in its HMAC/encryption session; tpm_transmit_cmd sends ours
 * as they are. So the secret crosses the TPM bus in the clear in
 * TPM2_Create and in the TPM2_Unseal reply, as with trusted keys; an
 * encrypted salted session is future work.
 *
 * Pages that held a secret (the Create command, the Unseal reply) are wiped
 * before they are freed.
 */
#include "tpm2.h"

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tpm.h>

/* Values from the TPM 2.0 library spec, part 2, that <linux/tpm.h> lacks on 6.1. */
#define SZKM_TPM_RS_PW			0x40000009
#define SZKM_TPM_RH_OWNER		0x40000001
#define SZKM_TPM_CC_READ_PUBLIC		0x0173
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

/* A sealed data object: bound to this TPM and parent, no DA lockout. */
#define SZKM_SEALED_ATTRS (SZKM_OA_FIXED_TPM | SZKM_OA_FIXED_PARENT | \
			   SZKM_OA_USER_WITH_AUTH | SZKM_OA_NO_DA)

/* Response codes, in the form szkm_rc_base() gives. */
#define RC_FMT1			0x080
#define RC_FMT1_PARAM		0x040	/* the error is in a parameter */
#define RC_HANDLE		0x08B
#define RC_AUTH_FAIL		0x08E
#define RC_INTEGRITY		0x09F
#define RC_BAD_AUTH		0x0A2
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
		pr_err("TPM refused the authorisation while %s: the owner hierarchy or the storage key at 0x%08x has a password; szkm needs the SRK with an empty one (szkmctl tpm provision)\n",
		       what, SZKM_TPM2_SRK_HANDLE);
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

/* Send; 0 or the TPM's positive response code or a negative errno. */
static ssize_t szkm_tpm_send(struct tpm_chip *chip, struct tpm_buf *buf)
{
	if (buf->flags & TPM_BUF_OVERFLOW)
		return -E2BIG;
	/* NULL description: we log failures ourselves, with their meaning. */
	return tpm_transmit_cmd(chip, buf, 0, NULL);
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

/*
 * TPM2_ReadPublic of the persistent SRK. 0 and its name when it is there
 * and is a storage key (restricted, decrypt); -ENOENT when it is not there
 * or is not a storage key.
 */
static int szkm_read_srk(struct tpm_chip *chip, u8 name[SZKM_TPM2_NAME_LEN])
{
	struct szkm_rsp r;
	struct tpm_buf buf;
	const u8 *pub;
	u16 publen, type, alg;
	u32 attrs;
	ssize_t rc;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_NO_SESSIONS, SZKM_TPM_CC_READ_PUBLIC);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, SZKM_TPM2_SRK_HANDLE);
	rc = szkm_tpm_send(chip, &buf);
	ret = szkm_tpm_err(rc, "reading the storage key at 0x81000001");
	if (ret)
		goto out;
	ret = -EPROTO;
	if (szkm_rsp_start(&r, &buf, 0) ||
	    szkm_rsp_2b(&r, &pub, &publen, NULL) || publen < 8 ||
	    szkm_rsp_name(&r, name))
		goto out;
	type = szkm_be16(pub);
	alg = szkm_be16(pub + 2);
	attrs = szkm_be32(pub + 4);
	if ((attrs & (SZKM_OA_RESTRICTED | SZKM_OA_DECRYPT)) !=
	    (SZKM_OA_RESTRICTED | SZKM_OA_DECRYPT)) {
		pr_warn("object at 0x%08x (type 0x%04x, name alg 0x%04x) is not a storage key: not using it\n",
			SZKM_TPM2_SRK_HANDLE, type, alg);
		ret = -ENOENT;
		goto out;
	}
	ret = 0;
out:
	tpm_buf_destroy(&buf);
	if (ret == -EPROTO)
		pr_err("malformed TPM2_ReadPublic reply\n");
	return ret;
}

/* TPMT_PUBLIC of the TCG SRK template, ECC NIST P-256 (see szkm.h). */
static void szkm_append_srk_template(struct tpm_buf *buf)
{
	static const u8 zero[32];

	tpm_buf_append_u16(buf, 2 + 2 + 4 + 2 + 6 + 2 + 2 + 2 + 34 + 34);
	tpm_buf_append_u16(buf, SZKM_TPM_ALG_ECC);	/* type */
	tpm_buf_append_u16(buf, SZKM_TPM_ALG_SHA256);	/* nameAlg */
	tpm_buf_append_u32(buf, SZKM_TPM2_SRK_ATTRS);
	tpm_buf_append_u16(buf, 0);			/* authPolicy */
	/* TPMS_ECC_PARMS */
	tpm_buf_append_u16(buf, SZKM_TPM_ALG_AES);	/* symmetric */
	tpm_buf_append_u16(buf, 128);
	tpm_buf_append_u16(buf, SZKM_TPM_ALG_CFB);
	tpm_buf_append_u16(buf, SZKM_TPM_ALG_NULL);	/* scheme */
	tpm_buf_append_u16(buf, SZKM_TPM_ECC_NIST_P256);
	tpm_buf_append_u16(buf, SZKM_TPM_ALG_NULL);	/* kdf */
	/* unique: x and y, 32 zero bytes each */
	tpm_buf_append_u16(buf, 32);
	tpm_buf_append(buf, zero, 32);
	tpm_buf_append_u16(buf, 32);
	tpm_buf_append(buf, zero, 32);
}

/* TPM2_CreatePrimary under the owner hierarchy with the SRK template. */
static int szkm_create_primary(struct tpm_chip *chip, u32 *handle,
			       u8 name[SZKM_TPM2_NAME_LEN])
{
	const u8 *d;
	struct szkm_rsp r;
	struct tpm_buf buf;
	u32 h, psize;
	u16 n;
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
	szkm_append_srk_template(&buf);
	/* outsideInfo, creationPCR */
	tpm_buf_append_u16(&buf, 0);
	tpm_buf_append_u32(&buf, 0);

	rc = szkm_tpm_send(chip, &buf);
	ret = szkm_tpm_err(rc, "creating the storage key");
	if (ret)
		goto out;
	ret = -EPROTO;
	if (szkm_rsp_start(&r, &buf, 0) || szkm_rsp_u32(&r, &h))
		goto out;
	*handle = h;
	/* From here on the object is loaded: flush it on any error. */
	if (szkm_rsp_u32(&r, &psize) ||
	    szkm_rsp_2b(&r, &d, &n, NULL) ||	/* outPublic */
	    szkm_rsp_2b(&r, &d, &n, NULL) ||	/* creationData */
	    szkm_rsp_2b(&r, &d, &n, NULL) ||	/* creationHash */
	    szkm_rsp_u16(&r, &n) || szkm_rsp_u32(&r, &psize) ||
	    szkm_rsp_2b(&r, &d, &n, NULL) ||	/* creationTicket */
	    szkm_rsp_name(&r, name)) {
		tpm2_flush_context(chip, h);
		goto out;
	}
	ret = 0;
out:
	tpm_buf_destroy(&buf);
	if (ret == -EPROTO)
		pr_err("malformed TPM2_CreatePrimary reply\n");
	return ret;
}

int szkm_tpm2_begin(struct szkm_tpm2 *t, const u8 *want)
{
	u8 name[SZKM_TPM2_NAME_LEN];
	struct tpm_chip *chip;
	bool srk = false;
	u32 h;
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

	ret = szkm_read_srk(chip, name);
	if (ret == 0 && (!want || !memcmp(want, name, SZKM_TPM2_NAME_LEN))) {
		t->parent = SZKM_TPM2_SRK_HANDLE;
		srk = true;
	} else if (ret == 0 || ret == -ENOENT) {
		ret = szkm_create_primary(chip, &h, name);
		if (ret)
			goto err_put_ops;
		if (want && memcmp(want, name, SZKM_TPM2_NAME_LEN)) {
			tpm2_flush_context(chip, h);
			pr_err("device blob was sealed by a different TPM (or this TPM's owner hierarchy was cleared since): its storage parent is not on this TPM\n");
			ret = -EKEYREJECTED;
			goto err_put_ops;
		}
		t->parent = h;
		t->parent_transient = true;
	} else {
		goto err_put_ops;
	}

	memcpy(t->parent_name, name, sizeof(name));
	t->chip = chip;
	pr_info("TPM %s: storage parent is %s\n", dev_name(&chip->dev),
		srk ? "the persistent SRK at 0x81000001" :
		      "a primary key made from the SRK template (flushed after use; no SRK at 0x81000001)");
	return 0;

err_put_ops:
	tpm_put_ops(chip);
err_put_dev:
	put_device(&chip->dev);
	return ret;
}

void szkm_tpm2_end(struct szkm_tpm2 *t)
{
	if (!t->chip)
		return;
	if (t->parent_transient)
		tpm2_flush_context(t->chip, t->parent);
	tpm_put_ops(t->chip);
	put_device(&t->chip->dev);
	t->chip = NULL;
}

int szkm_tpm2_seal(struct szkm_tpm2 *t, const u8 *secret, size_t len,
		   u8 *out, size_t *outlen)
{
	const u8 *priv, *pub, *d, *start;
	struct szkm_rsp r;
	struct tpm_buf buf;
	u16 privlen, publen, n;
	u32 psize;
	size_t total;
	ssize_t rc;
	int ret;

	if (!len || len > SZKM_TPM2_SECRET_MAX)
		return -EINVAL;
	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, TPM2_CC_CREATE);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, t->parent);
	szkm_append_pw_auth(&buf);
	/* inSensitive: empty auth, the secret as data */
	tpm_buf_append_u16(&buf, 2 + 2 + len);
	tpm_buf_append_u16(&buf, 0);
	tpm_buf_append_u16(&buf, len);
	tpm_buf_append(&buf, secret, len);
	/* inPublic: a keyed-hash object with no scheme: sealed data */
	tpm_buf_append_u16(&buf, 2 + 2 + 4 + 2 + 2 + 2);
	tpm_buf_append_u16(&buf, SZKM_TPM_ALG_KEYEDHASH);
	tpm_buf_append_u16(&buf, SZKM_TPM_ALG_SHA256);
	tpm_buf_append_u32(&buf, SZKM_SEALED_ATTRS);
	tpm_buf_append_u16(&buf, 0);			/* authPolicy */
	tpm_buf_append_u16(&buf, SZKM_TPM_ALG_NULL);	/* scheme */
	tpm_buf_append_u16(&buf, 0);			/* unique */
	/* outsideInfo, creationPCR */
	tpm_buf_append_u16(&buf, 0);
	tpm_buf_append_u32(&buf, 0);

	rc = szkm_tpm_send(t->chip, &buf);
	ret = szkm_tpm_err(rc, "sealing");
	if (ret)
		goto out;
	ret = -EPROTO;
	if (szkm_rsp_start(&r, &buf, 0) || szkm_rsp_u32(&r, &psize) ||
	    szkm_rsp_2b(&r, &priv, &privlen, &start) ||
	    szkm_rsp_2b(&r, &pub, &publen, NULL) ||
	    szkm_rsp_2b(&r, &d, &n, NULL))	/* creationData: must be there */
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
	ret = 0;
out:
	szkm_tpm_buf_wipe(&buf);	/* the command held the secret */
	if (ret == -EPROTO)
		pr_err("malformed TPM2_Create reply\n");
	return ret;
}

/* TPM2_Load of TPM2B_PRIVATE || TPM2B_PUBLIC, both checked to fill @in. */
static int szkm_load(struct szkm_tpm2 *t, const u8 *in, size_t inlen, u32 *handle)
{
	struct szkm_rsp r;
	struct tpm_buf buf;
	size_t privlen, publen;
	ssize_t rc;
	int ret;

	if (inlen < 4 || inlen > SZKM_TPM2_SEALED_MAX)
		return -EBADMSG;
	privlen = 2 + szkm_be16(in);
	if (privlen + 2 > inlen)
		return -EBADMSG;
	publen = 2 + szkm_be16(in + privlen);
	if (privlen + publen != inlen)
		return -EBADMSG;

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

int szkm_tpm2_unseal(struct szkm_tpm2 *t, const u8 *in, size_t inlen,
		     u8 *secret, size_t max, size_t *len)
{
	struct szkm_rsp r;
	struct tpm_buf buf;
	const u8 *d;
	u32 h, psize;
	u16 n;
	ssize_t rc;
	int ret;

	ret = szkm_load(t, in, inlen, &h);
	if (ret)
		return ret;
	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, TPM2_CC_UNSEAL);
	if (ret)
		goto out_flush;
	tpm_buf_append_u32(&buf, h);
	szkm_append_pw_auth(&buf);
	rc = szkm_tpm_send(t->chip, &buf);
	ret = szkm_tpm_err(rc, "unsealing");
	if (ret)
		goto out;
	if (szkm_rsp_start(&r, &buf, 0) || szkm_rsp_u32(&r, &psize) ||
	    szkm_rsp_2b(&r, &d, &n, NULL)) {
		pr_err("malformed TPM2_Unseal reply\n");
		ret = -EPROTO;
		goto out;
	}
	if (n > max) {
		ret = -EBADMSG;
		goto out;
	}
	memcpy(secret, d, n);
	*len = n;
out:
	szkm_tpm_buf_wipe(&buf);	/* the reply held the secret */
out_flush:
	tpm2_flush_context(t->chip, h);
	return ret;
}

int __init szkm_tpm2_init(void)
{
	static const char *const names[] = {
		[SZKM_TPM_NONE] = "no TPM found",
		[SZKM_TPM_1_2] = "TPM 1.2 found (not supported, TPM 2.0 needed)",
		[SZKM_TPM_2_0] = "TPM 2.0 found",
	};

	pr_info("%s\n", names[szkm_tpm2_state()]);
	return 0;
}

void szkm_tpm2_uninit(void)
{
}
