// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * note.c - C2SP checkpoints and signed notes: format, parse, sign, verify.
 *
 * Parsing is strict on purpose: a checkpoint is something other nodes and
 * outside tools sign and compare byte for byte, so anything a careful
 * producer would never emit (padding bits set in base64, a leading zero in
 * the size, a second blank line, text after the last signature) is
 * rejected rather than normalised. Base64 is done here rather than with
 * EVP_DecodeBlock(), which skips whitespace and cannot say how much
 * padding it saw.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "be.h"
#include "note.h"

#define EM_DASH_SP	"\xe2\x80\x94 "
#define EM_DASH_SP_LEN	4
#define COSIG_HEADER	"cosignature/v1\n"
#define ED25519_PUB_LEN	32
#define ED25519_SIG_LEN	64
#define COSIG_SIG_LEN	(8 + ED25519_SIG_LEN)
/* Room for a P-256 SPKI (91 bytes DER) with margin. */
#define MAX_PUB_LEN	160
/* The largest signature the types here make (DER ECDSA P-256 is <= 72). */
#define MAX_SIG_LEN	128

/* Base64, RFC 4648 section 4, with padding. */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/* Writes b64_len(n) characters and no NUL. */
static void b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			     in[i + 2];

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Only the canonical encoding decodes: padded, no stray bits, no spaces. */
static int b64_decode(const char *in, size_t n, uint8_t *out, size_t cap,
		      size_t *out_len)
{
	size_t pad = 0, len, o = 0;

	if (n % 4)
		return -EINVAL;
	if (n && in[n - 1] == '=')
		pad = in[n - 2] == '=' ? 2 : 1;
	len = n / 4 * 3 - pad;
	if (len > cap)
		return -E2BIG;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		uint32_t w;

		for (int j = 0; j < 4; j++) {
			bool padded = i + 4 == n && j >= 4 - (int)pad;

			v[j] = padded ? 0 : b64_value(in[i + j]);
			if (v[j] < 0)
				return -EINVAL;
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		    (uint32_t)v[2] << 6 | (uint32_t)v[3];
		if (i + 4 == n && ((pad == 1 && (w & 0xff)) ||
				   (pad == 2 && (w & 0xffff))))
			return -EINVAL;
		out[o++] = w >> 16 & 0xff;
		if (o < len)
			out[o++] = w >> 8 & 0xff;
		if (o < len)
			out[o++] = w & 0xff;
	}
	*out_len = len;
	return 0;
}

/* The same, for the other parts of ledgerd (etcd's JSON carries base64). */
size_t ledger_b64_len(size_t n)
{
	return b64_len(n);
}

void ledger_b64_encode(const uint8_t *in, size_t n, char *out)
{
	b64_encode(in, n, out);
}

int ledger_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap,
		      size_t *out_len)
{
	return b64_decode(in, n, out, cap, out_len);
}

/* Text rules shared by notes, names and vkeys. */

/* Decodes one UTF-8 sequence; rejects overlong forms and surrogates. */
static int utf8_next(const char *s, size_t n, size_t *i, uint32_t *cp)
{
	const uint8_t *p = (const uint8_t *)s + *i;
	size_t left = n - *i, len;
	uint32_t c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		*i += 1;
		return 0;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2, c = p[0] & 0x1f, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3, c = p[0] & 0x0f, min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4, c = p[0] & 0x07, min = 0x10000;
	} else {
		return -EINVAL;
	}
	if (left < len)
		return -EINVAL;
	for (size_t j = 1; j < len; j++) {
		if ((p[j] & 0xc0) != 0x80)
			return -EINVAL;
		c = c << 6 | (p[j] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -EINVAL;
	*cp = c;
	*i += len;
	return 0;
}

/* signed-note: valid UTF-8, no control character other than newline. */
static int check_chars(const char *s, size_t n)
{
	size_t i = 0;
	uint32_t c;

	while (i < n) {
		if (utf8_next(s, n, &i, &c))
			return -EINVAL;
		if (c < 0x20 && c != '\n')
			return -EINVAL;
	}
	return 0;
}

/* Unicode White_Space, which key names must not contain. */
static bool is_uspace(uint32_t c)
{
	return c == 0x20 || (c >= 0x09 && c <= 0x0d) || c == 0x85 ||
	       c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	       c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
	       c == 0x3000;
}

static bool name_valid(const char *name, size_t n)
{
	size_t i = 0;
	uint32_t c;

	if (n == 0 || n > LEDGER_NOTE_MAX_NAME)
		return false;
	while (i < n) {
		if (utf8_next(name, n, &i, &c))
			return false;
		if (c < 0x20 || c == '+' || is_uspace(c))
			return false;
	}
	return true;
}

/*
 * Note text: non-empty, newline-terminated, its last line not empty (so
 * that exactly one blank line can separate it from the signatures), and
 * no line over the limit.
 */
static int text_check(const char *text, size_t n)
{
	size_t line = 0;

	if (!text || n == 0 || text[n - 1] != '\n')
		return -EINVAL;
	if (n > LEDGER_NOTE_MAX_SIZE)
		return -E2BIG;
	if (n == 1 || text[n - 2] == '\n')
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (++line > LEDGER_NOTE_MAX_LINE)
			return -E2BIG;
		if (text[i] == '\n')
			line = 0;
	}
	return check_chars(text, n);
}

static int put_out(char *buf, size_t cap, size_t *pos, const void *s,
		   size_t n)
{
	if (*pos > cap || cap - *pos <= n)
		return -ENOSPC;
	memcpy(buf + *pos, s, n);
	*pos += n;
	buf[*pos] = '\0';
	return 0;
}

/* Checkpoints. */

size_t ledger_checkpoint_members_line(uint64_t epoch,
				      const uint8_t leaf[LEDGER_HASH_LEN],
				      char *buf, size_t cap)
{
	char hash[b64_len(LEDGER_HASH_LEN) + 1];
	int n;

	if (!epoch) {
		if (cap)
			buf[0] = 0;
		return 0;
	}
	b64_encode(leaf, LEDGER_HASH_LEN, hash);
	hash[b64_len(LEDGER_HASH_LEN)] = 0;
	n = snprintf(buf, cap, SZKM_CHECKPOINT_MEMBERS " %" PRIu64 " %s\n",
		     epoch, hash);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

int ledger_checkpoint_format(const struct ledger_checkpoint *cp, char *buf,
			     size_t cap, size_t *len)
{
	char num[24], root[b64_len(LEDGER_HASH_LEN) + 1];
	size_t olen, pos = 0;
	int ret;

	if (!cp || !buf || !len)
		return -EINVAL;
	olen = strnlen(cp->origin, sizeof(cp->origin));
	if (olen == 0 || olen > LEDGER_NOTE_MAX_NAME ||
	    memchr(cp->origin, '\n', olen) || check_chars(cp->origin, olen))
		return -EINVAL;
	if (cp->ext_len) {
		/* An extension line may not be empty: no "\n\n", no leading "\n". */
		if (!cp->ext || cp->ext[0] == '\n' ||
		    cp->ext[cp->ext_len - 1] != '\n' ||
		    memmem(cp->ext, cp->ext_len, "\n\n", 2))
			return -EINVAL;
	}
	snprintf(num, sizeof(num), "%" PRIu64, cp->size);
	b64_encode(cp->root, LEDGER_HASH_LEN, root);
	root[b64_len(LEDGER_HASH_LEN)] = '\0';
	if ((ret = put_out(buf, cap, &pos, cp->origin, olen)) ||
	    (ret = put_out(buf, cap, &pos, "\n", 1)) ||
	    (ret = put_out(buf, cap, &pos, num, strlen(num))) ||
	    (ret = put_out(buf, cap, &pos, "\n", 1)) ||
	    (ret = put_out(buf, cap, &pos, root, strlen(root))) ||
	    (ret = put_out(buf, cap, &pos, "\n", 1)) ||
	    (cp->ext_len &&
	     (ret = put_out(buf, cap, &pos, cp->ext, cp->ext_len))))
		return ret;
	ret = text_check(buf, pos);
	if (ret)
		return ret;
	*len = pos;
	return 0;
}

/* ASCII decimal, no sign, no leading zero unless the value is 0. */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned int)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int ledger_checkpoint_parse(const char *text, size_t len,
			    struct ledger_checkpoint *cp)
{
	const char *line[3], *p = text, *end = text + len;
	size_t n[3], got;
	int ret;

	if (!cp)
		return -EINVAL;
	ret = text_check(text, len);
	if (ret)
		return ret;
	memset(cp, 0, sizeof(*cp));
	for (int i = 0; i < 3; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl || nl == p)
			return -EINVAL;
		line[i] = p;
		n[i] = (size_t)(nl - p);
		p = nl + 1;
	}
	if (n[0] > LEDGER_NOTE_MAX_NAME)
		return -EINVAL;
	memcpy(cp->origin, line[0], n[0]);
	cp->origin[n[0]] = '\0';
	ret = parse_u64(line[1], n[1], &cp->size);
	if (ret)
		return ret;
	if (n[2] != b64_len(LEDGER_HASH_LEN) ||
	    b64_decode(line[2], n[2], cp->root, sizeof(cp->root), &got) ||
	    got != LEDGER_HASH_LEN)
		return -EINVAL;
	/* text_check() ruled out an empty last line; this rules out the rest. */
	if (p < end) {
		if (*p == '\n' || memmem(p, (size_t)(end - p), "\n\n", 2))
			return -EINVAL;
		cp->ext = p;
		cp->ext_len = (size_t)(end - p);
	}
	return 0;
}

/* Keys. */

static bool is_p256(EVP_PKEY *pkey)
{
	char group[64];
	size_t glen = 0;

	if (!EVP_PKEY_is_a(pkey, "EC") ||
	    !EVP_PKEY_get_group_name(pkey, group, sizeof(group), &glen))
		return false;
	return !strcasecmp(group, "prime256v1") || !strcasecmp(group, "P-256") ||
	       !strcasecmp(group, "secp256r1");
}

/* The public key bytes a vkey carries after the type byte. */
static int key_material(EVP_PKEY *pkey, uint8_t type, uint8_t *buf,
			size_t *len)
{
	switch (type) {
	case LEDGER_NOTE_SIG_ED25519:
	case LEDGER_NOTE_SIG_COSIG: {
		size_t n = ED25519_PUB_LEN;

		if (!EVP_PKEY_is_a(pkey, "ED25519") ||
		    !EVP_PKEY_get_raw_public_key(pkey, buf, &n) ||
		    n != ED25519_PUB_LEN)
			return -EINVAL;
		*len = n;
		return 0;
	}
	case LEDGER_NOTE_SIG_ECDSA: {
		unsigned char *der = NULL;
		int n;

		if (!is_p256(pkey))
			return -EINVAL;
		n = i2d_PUBKEY(pkey, &der);
		if (n <= 0)
			return -EINVAL;
		if ((size_t)n > MAX_PUB_LEN) {
			OPENSSL_free(der);
			return -E2BIG;
		}
		memcpy(buf, der, (size_t)n);
		OPENSSL_free(der);
		*len = (size_t)n;
		return 0;
	}
	default:
		return -EOPNOTSUPP;
	}
}

static int key_id(const char *name, uint8_t type, const uint8_t *pub,
		  size_t pub_len, uint32_t *id)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int mdlen = 0;
	bool ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex2(ctx, EVP_sha256(), NULL);
	/* signed-note: type 0x02 IDs hash the SPKI alone. */
	if (ok && type != LEDGER_NOTE_SIG_ECDSA)
		ok = EVP_DigestUpdate(ctx, name, strlen(name)) &&
		     EVP_DigestUpdate(ctx, "\n", 1) &&
		     EVP_DigestUpdate(ctx, &type, 1);
	ok = ok && EVP_DigestUpdate(ctx, pub, pub_len) &&
	     EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -EIO;
	*id = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 |
	      (uint32_t)md[2] << 8 | md[3];
	return 0;
}

int ledger_note_key_init(struct ledger_note_key *k, const char *name,
			 uint8_t type, EVP_PKEY *pkey)
{
	uint8_t pub[MAX_PUB_LEN];
	size_t pub_len, nlen;
	uint32_t id;
	int ret;

	if (!k || !name || !pkey)
		return -EINVAL;
	nlen = strlen(name);
	if (!name_valid(name, nlen))
		return -EINVAL;
	ret = key_material(pkey, type, pub, &pub_len);
	if (ret)
		return ret;
	ret = key_id(name, type, pub, pub_len, &id);
	if (ret)
		return ret;
	if (!EVP_PKEY_up_ref(pkey))
		return -EIO;
	memset(k, 0, sizeof(*k));
	memcpy(k->name, name, nlen);
	k->id = id;
	k->type = type;
	k->pkey = pkey;
	return 0;
}

static int parse_hex32(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;

	if (n != 8)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static EVP_PKEY *pkey_from_material(uint8_t type, const uint8_t *pub,
				    size_t len)
{
	const unsigned char *p = pub;
	uint8_t check[MAX_PUB_LEN];
	size_t check_len;
	EVP_PKEY *pkey;

	switch (type) {
	case LEDGER_NOTE_SIG_ED25519:
	case LEDGER_NOTE_SIG_COSIG:
		if (len != ED25519_PUB_LEN)
			return NULL;
		return EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL,
						      pub, len);
	case LEDGER_NOTE_SIG_ECDSA:
		pkey = d2i_PUBKEY_ex(NULL, &p, (long)len, NULL, NULL);
		if (!pkey)
			return NULL;
		/*
		 * The key ID hashes these exact bytes, so insist they are the
		 * DER we would produce ourselves, and nothing follows them.
		 */
		if (p != pub + len ||
		    key_material(pkey, type, check, &check_len) ||
		    check_len != len || memcmp(check, pub, len)) {
			EVP_PKEY_free(pkey);
			return NULL;
		}
		return pkey;
	default:
		return NULL;
	}
}

int ledger_note_key_parse(struct ledger_note_key *k, const char *vkey,
			  size_t len)
{
	uint8_t raw[1 + MAX_PUB_LEN];
	const char *plus1, *plus2, *end = vkey + len;
	size_t nlen, raw_len;
	uint32_t want, id;
	EVP_PKEY *pkey;
	int ret;

	if (!k || !vkey)
		return -EINVAL;
	if (len > LEDGER_NOTE_MAX_LINE)
		return -E2BIG;
	/* Names hold no '+', base64 may: split at the first two only. */
	plus1 = memchr(vkey, '+', len);
	if (!plus1)
		return -EINVAL;
	plus2 = memchr(plus1 + 1, '+', (size_t)(end - plus1 - 1));
	if (!plus2)
		return -EINVAL;
	nlen = (size_t)(plus1 - vkey);
	if (!name_valid(vkey, nlen) ||
	    parse_hex32(plus1 + 1, (size_t)(plus2 - plus1 - 1), &want))
		return -EINVAL;
	ret = b64_decode(plus2 + 1, (size_t)(end - plus2 - 1), raw, sizeof(raw),
			 &raw_len);
	if (ret || raw_len < 2)
		return -EINVAL;
	pkey = pkey_from_material(raw[0], raw + 1, raw_len - 1);
	if (!pkey)
		return raw[0] == LEDGER_NOTE_SIG_ED25519 ||
		       raw[0] == LEDGER_NOTE_SIG_ECDSA ||
		       raw[0] == LEDGER_NOTE_SIG_COSIG ? -EINVAL : -EOPNOTSUPP;
	memset(k, 0, sizeof(*k));
	memcpy(k->name, vkey, nlen);
	ret = key_id(k->name, raw[0], raw + 1, raw_len - 1, &id);
	if (!ret && id != want)
		ret = -EINVAL;
	if (ret) {
		EVP_PKEY_free(pkey);
		memset(k, 0, sizeof(*k));
		return ret;
	}
	k->id = id;
	k->type = raw[0];
	k->pkey = pkey;
	return 0;
}

int ledger_note_key_format(const struct ledger_note_key *k, char *buf,
			   size_t cap, size_t *len)
{
	uint8_t raw[1 + MAX_PUB_LEN];
	char b64[b64_len(sizeof(raw))], id[10];
	size_t raw_len, pos = 0;
	int ret;

	if (!k || !k->pkey || !buf || !len)
		return -EINVAL;
	raw[0] = k->type;
	ret = key_material(k->pkey, k->type, raw + 1, &raw_len);
	if (ret)
		return ret;
	b64_encode(raw, raw_len + 1, b64);
	snprintf(id, sizeof(id), "+%08" PRIx32, k->id);
	if ((ret = put_out(buf, cap, &pos, k->name, strlen(k->name))) ||
	    (ret = put_out(buf, cap, &pos, id, 9)) ||
	    (ret = put_out(buf, cap, &pos, "+", 1)) ||
	    (ret = put_out(buf, cap, &pos, b64, b64_len(raw_len + 1))))
		return ret;
	*len = pos;
	return 0;
}

void ledger_note_key_clear(struct ledger_note_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	memset(k, 0, sizeof(*k));
}

/* Signing and verifying the bytes of one signature. */

/*
 * What a key of @type signs for @text: the text itself, or for a
 * cosignature the header and time line in front of it. *@msg is either
 * @text or a buffer to free().
 */
static int signed_message(uint8_t type, const char *text, size_t text_len,
			  uint64_t timestamp, const char **msg, size_t *len)
{
	char head[64];
	char *buf;
	int hlen;

	if (type != LEDGER_NOTE_SIG_COSIG) {
		*msg = text;
		*len = text_len;
		return 0;
	}
	hlen = snprintf(head, sizeof(head), COSIG_HEADER "time %" PRIu64 "\n",
			timestamp);
	buf = malloc((size_t)hlen + text_len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, head, (size_t)hlen);
	memcpy(buf + hlen, text, text_len);
	*msg = buf;
	*len = (size_t)hlen + text_len;
	return 0;
}

/* Ed25519 signs the message itself; ECDSA signs its SHA-256. */
static const char *digest_for(uint8_t type)
{
	return type == LEDGER_NOTE_SIG_ECDSA ? "SHA256" : NULL;
}

/*
 * A key held by a provider (the TPM's) must be used by that provider:
 * OpenSSL 3.0 otherwise fetches the signature from the default provider
 * and fails to export the private key to it. Legacy (engine) keys and
 * default-provider keys need no property.
 */
static void key_props(EVP_PKEY *pkey, char *props, size_t cap)
{
	const OSSL_PROVIDER *prov = EVP_PKEY_get0_provider(pkey);
	const char *name = prov ? OSSL_PROVIDER_get0_name(prov) : NULL;

	props[0] = 0;
	if (name && strcmp(name, "default"))
		snprintf(props, cap, "?provider=%s", name);
}

static int raw_sign(EVP_PKEY *pkey, uint8_t type, const char *msg,
		    size_t len, uint8_t *sig, size_t *sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t need = 0;
	char props[80];
	int ret = -EIO;

	if (!ctx)
		return -ENOMEM;
	key_props(pkey, props, sizeof(props));
	if (EVP_DigestSignInit_ex(ctx, NULL, digest_for(type), NULL,
				  props[0] ? props : NULL, pkey, NULL) != 1 ||
	    EVP_DigestSign(ctx, NULL, &need, (const uint8_t *)msg, len) != 1)
		goto out;
	if (need > *sig_len) {
		ret = -E2BIG;
		goto out;
	}
	if (EVP_DigestSign(ctx, sig, &need, (const uint8_t *)msg, len) != 1)
		goto out;
	*sig_len = need;
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

static int raw_verify(EVP_PKEY *pkey, uint8_t type, const char *msg,
		      size_t len, const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ret = -EBADMSG;

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestVerifyInit_ex(ctx, NULL, digest_for(type), NULL, NULL,
				    pkey, NULL) != 1)
		ret = -EIO;
	else if (EVP_DigestVerify(ctx, sig, sig_len, (const uint8_t *)msg,
				  len) == 1)
		ret = 0;
	EVP_MD_CTX_free(ctx);
	return ret;
}


/* Signs @text (already checked) into a line; the caller sized @line. */
static int sign_line(const struct ledger_note_key *k, const char *text,
		     size_t text_len, uint64_t timestamp, char *line,
		     size_t cap, size_t *line_len)
{
	uint8_t sig[4 + 8 + MAX_SIG_LEN];
	char b64[b64_len(sizeof(sig))];
	size_t sig_len = MAX_SIG_LEN, mlen, pos = 0, off = 4;
	const char *msg;
	int ret;

	if (!k || !k->pkey || !name_valid(k->name, strlen(k->name)))
		return -EINVAL;
	if (k->type == LEDGER_NOTE_SIG_COSIG) {
		if (timestamp > INT64_MAX)
			return -EINVAL;
		ledger_put_be(sig + 4, timestamp, 8);
		off += 8;
	} else if (k->type != LEDGER_NOTE_SIG_ED25519 &&
		   k->type != LEDGER_NOTE_SIG_ECDSA) {
		return -EOPNOTSUPP;
	}
	ledger_put_be(sig, k->id, 4);
	ret = signed_message(k->type, text, text_len, timestamp, &msg, &mlen);
	if (ret)
		return ret;
	ret = raw_sign(k->pkey, k->type, msg, mlen, sig + off, &sig_len);
	if (msg != text)
		free((char *)msg);
	if (ret)
		return ret;
	b64_encode(sig, off + sig_len, b64);
	if ((ret = put_out(line, cap, &pos, EM_DASH_SP, EM_DASH_SP_LEN)) ||
	    (ret = put_out(line, cap, &pos, k->name, strlen(k->name))) ||
	    (ret = put_out(line, cap, &pos, " ", 1)) ||
	    (ret = put_out(line, cap, &pos, b64, b64_len(off + sig_len))) ||
	    (ret = put_out(line, cap, &pos, "\n", 1)))
		return ret;
	if (pos > LEDGER_NOTE_MAX_LINE)
		return -E2BIG;
	*line_len = pos;
	return 0;
}

int ledger_note_sign_line(const struct ledger_note_key *k, const char *text,
			  size_t text_len, uint64_t timestamp, char *line,
			  size_t cap, size_t *line_len)
{
	int ret;

	if (!line || !line_len)
		return -EINVAL;
	ret = text_check(text, text_len);
	if (ret)
		return ret;
	return sign_line(k, text, text_len, timestamp, line, cap, line_len);
}

int ledger_note_sign(const char *text, size_t text_len,
		     const struct ledger_note_key *keys, size_t nkeys,
		     uint64_t timestamp, char *out, size_t cap,
		     size_t *out_len)
{
	size_t pos = 0, n;
	int ret;

	if (!keys || nkeys == 0 || !out || !out_len)
		return -EINVAL;
	if (nkeys > LEDGER_NOTE_MAX_SIGS)
		return -E2BIG;
	ret = text_check(text, text_len);
	if (ret)
		return ret;
	for (size_t i = 0; i < nkeys; i++)
		for (size_t j = 0; j < i; j++)
			if (keys[i].id == keys[j].id &&
			    !strcmp(keys[i].name, keys[j].name))
				return -EINVAL;
	if ((ret = put_out(out, cap, &pos, text, text_len)) ||
	    (ret = put_out(out, cap, &pos, "\n", 1)))
		return ret;
	for (size_t i = 0; i < nkeys; i++) {
		if (pos >= cap)
			return -ENOSPC;
		ret = sign_line(&keys[i], text, text_len, timestamp, out + pos,
				cap - pos, &n);
		if (ret)
			return ret;
		pos += n;
	}
	if (pos > LEDGER_NOTE_MAX_SIZE)
		return -E2BIG;
	*out_len = pos;
	return 0;
}

/* The form of a signed note. */

struct sig_line {
	const char *name;
	size_t name_len;
	const char *b64;
	size_t b64_len;
	uint32_t id;
};

struct split {
	size_t text_len;
	unsigned int nsigs;
	struct sig_line *sigs;
};

static int parse_sig_line(const char *p, size_t n, struct sig_line *s)
{
	uint8_t raw[LEDGER_NOTE_MAX_LINE];
	const char *sp;
	size_t raw_len;

	if (n < EM_DASH_SP_LEN || memcmp(p, EM_DASH_SP, EM_DASH_SP_LEN))
		return -EINVAL;
	p += EM_DASH_SP_LEN;
	n -= EM_DASH_SP_LEN;
	sp = memchr(p, ' ', n);
	if (!sp)
		return -EINVAL;
	s->name = p;
	s->name_len = (size_t)(sp - p);
	s->b64 = sp + 1;
	s->b64_len = n - s->name_len - 1;
	if (!name_valid(s->name, s->name_len) ||
	    b64_decode(s->b64, s->b64_len, raw, sizeof(raw), &raw_len) ||
	    raw_len < 5)
		return -EINVAL;
	s->id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
		(uint32_t)raw[2] << 8 | raw[3];
	return 0;
}

static void split_free(struct split *sp)
{
	free(sp->sigs);
	sp->sigs = NULL;
}

static int split_note(const char *note, size_t len, unsigned int max_sigs,
		      struct split *sp)
{
	const char *sigs, *p, *end = note + len;
	size_t text_len = 0, count = 0;
	int ret;

	memset(sp, 0, sizeof(*sp));
	if (!note)
		return -EINVAL;
	if (len > LEDGER_NOTE_MAX_SIZE)
		return -E2BIG;
	if (max_sigs == 0)
		max_sigs = LEDGER_NOTE_MAX_SIGS;
	if (len < 2 || note[len - 1] != '\n')
		return -EINVAL;
	/* The text ends at the last blank line, as signed-note says. */
	for (size_t i = len - 1; i-- > 0;)
		if (note[i] == '\n' && note[i + 1] == '\n') {
			text_len = i + 1;
			break;
		}
	if (text_len == 0)
		return -EINVAL;
	ret = text_check(note, text_len);
	if (ret)
		return ret;
	sigs = note + text_len + 1;
	if (sigs >= end)
		return -EINVAL;
	ret = check_chars(sigs, (size_t)(end - sigs));
	if (ret)
		return ret;
	for (p = sigs; p < end; p++)
		count += *p == '\n';
	if (count > max_sigs)
		return -E2BIG;
	sp->sigs = calloc(count, sizeof(*sp->sigs));
	if (!sp->sigs)
		return -ENOMEM;
	for (p = sigs; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct sig_line *s = &sp->sigs[sp->nsigs];

		if ((size_t)(nl - p) + 1 > LEDGER_NOTE_MAX_LINE) {
			ret = -E2BIG;
			goto err;
		}
		ret = parse_sig_line(p, (size_t)(nl - p), s);
		if (ret)
			goto err;
		/* One key, one line: a second would make "which one" ambiguous. */
		for (unsigned int j = 0; j < sp->nsigs; j++)
			if (sp->sigs[j].id == s->id &&
			    sp->sigs[j].name_len == s->name_len &&
			    !memcmp(sp->sigs[j].name, s->name, s->name_len)) {
				ret = -EINVAL;
				goto err;
			}
		sp->nsigs++;
		p = nl + 1;
	}
	sp->text_len = text_len;
	return 0;
err:
	split_free(sp);
	return ret;
}

static bool key_matches(const struct ledger_note_key *k,
			const struct sig_line *s)
{
	return k->id == s->id && strlen(k->name) == s->name_len &&
	       !memcmp(k->name, s->name, s->name_len);
}

static int verify_line(const struct ledger_note_key *k, const char *text,
		       size_t text_len, const struct sig_line *s,
		       uint64_t *timestamp)
{
	uint8_t raw[LEDGER_NOTE_MAX_LINE];
	const uint8_t *sig;
	size_t raw_len, sig_len, mlen;
	uint64_t ts = 0;
	const char *msg;
	int ret;

	if (!k->pkey)
		return -EINVAL;
	ret = b64_decode(s->b64, s->b64_len, raw, sizeof(raw), &raw_len);
	if (ret)
		return ret;
	sig = raw + 4;
	sig_len = raw_len - 4;
	switch (k->type) {
	case LEDGER_NOTE_SIG_ED25519:
		if (sig_len != ED25519_SIG_LEN)
			return -EBADMSG;
		break;
	case LEDGER_NOTE_SIG_ECDSA:
		if (sig_len > MAX_SIG_LEN)
			return -EBADMSG;
		break;
	case LEDGER_NOTE_SIG_COSIG:
		if (sig_len != COSIG_SIG_LEN)
			return -EBADMSG;
		ts = ledger_get_be64(sig);
		if (ts > INT64_MAX)
			return -EBADMSG;
		sig += 8;
		sig_len -= 8;
		break;
	default:
		return -EOPNOTSUPP;
	}
	ret = signed_message(k->type, text, text_len, ts, &msg, &mlen);
	if (ret)
		return ret;
	ret = raw_verify(k->pkey, k->type, msg, mlen, sig, sig_len);
	if (msg != text)
		free((char *)msg);
	if (!ret)
		*timestamp = ts;
	return ret;
}

int ledger_note_open(const char *note, size_t len,
		     const struct ledger_note_key *keys, size_t nkeys,
		     unsigned int max_sigs, struct ledger_note_result *res)
{
	struct split sp;
	int ret;

	if (!res || (!keys && nkeys))
		return -EINVAL;
	if (nkeys > LEDGER_NOTE_MAX_KEYS)
		return -E2BIG;
	memset(res, 0, sizeof(*res));
	ret = split_note(note, len, max_sigs, &sp);
	if (ret)
		return ret;
	res->text_len = sp.text_len;
	res->nsigs = sp.nsigs;
	for (unsigned int i = 0; i < sp.nsigs; i++) {
		for (size_t j = 0; j < nkeys; j++) {
			if (!key_matches(&keys[j], &sp.sigs[i]))
				continue;
			ret = verify_line(&keys[j], note, sp.text_len,
					  &sp.sigs[i], &res->timestamp[j]);
			if (ret)
				goto out;
			res->valid |= (uint64_t)1 << j;
		}
	}
	ret = res->valid ? 0 : -ENOKEY;
out:
	if (ret == -EBADMSG)
		res->valid = 0;
	split_free(&sp);
	return ret;
}

int ledger_note_cosign(const char *note, size_t len,
		       const struct ledger_note_key *k, uint64_t timestamp,
		       char *out, size_t cap, size_t *out_len)
{
	struct split sp;
	size_t pos = 0, n;
	int ret;

	if (!k || !out || !out_len)
		return -EINVAL;
	ret = split_note(note, len, LEDGER_NOTE_MAX_SIGS, &sp);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < sp.nsigs; i++)
		if (key_matches(k, &sp.sigs[i])) {
			ret = -EEXIST;
			goto out;
		}
	if (sp.nsigs + 1 > LEDGER_NOTE_MAX_SIGS) {
		ret = -E2BIG;
		goto out;
	}
	ret = put_out(out, cap, &pos, note, len);
	if (ret)
		goto out;
	ret = sign_line(k, note, sp.text_len, timestamp, out + pos, cap - pos,
			&n);
	if (ret)
		goto out;
	pos += n;
	if (pos > LEDGER_NOTE_MAX_SIZE) {
		ret = -E2BIG;
		goto out;
	}
	*out_len = pos;
out:
	split_free(&sp);
	return ret;
}
