// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * node_key.c - loading the node key from a file, a token or the TPM.
 *
 * Every path ends in an EVP_PKEY, so note.c signs the same way whether
 * the private key is in memory, in an HSM or in the TPM. PKCS#11 goes
 * through the libp11 engine, the one PKCS#11 bridge Debian 12 ships for
 * OpenSSL 3 (pkcs11-provider arrived later): the ENGINE API is deprecated
 * in OpenSSL 3, so this file alone silences that warning.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <openssl/x509.h>

#include "node_key.h"

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	char ossl[256] = "";
	unsigned long e = ERR_peek_last_error();
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (e && n >= 0 && (size_t)n < errlen) {
		ERR_error_string_n(e, ossl, sizeof(ossl));
		snprintf(err + n, errlen - (size_t)n, " (%s)", ossl);
	}
	ERR_clear_error();
	return ret;
}

static EVP_PKEY *load_pem(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *pkey;

	if (!f) {
		fail(err, errlen, -errno, "cannot open node key %s: %s", path,
		     strerror(errno));
		return NULL;
	}
	pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!pkey)
		fail(err, errlen, -EINVAL, "%s holds no PEM private key",
		     path);
	return pkey;
}

static EVP_PKEY *load_pkcs11(const struct ledger_node_key_opts *o, char *err,
			     size_t errlen)
{
	EVP_PKEY *pkey = NULL;
	ENGINE *e;

	ENGINE_load_builtin_engines();
	e = ENGINE_by_id("pkcs11");
	if (!e) {
		fail(err, errlen, -ENOENT, "the OpenSSL pkcs11 engine is not "
		     "installed (Debian: libengine-pkcs11-openssl)");
		return NULL;
	}
	if (o->pkcs11_module &&
	    !ENGINE_ctrl_cmd_string(e, "MODULE_PATH", o->pkcs11_module, 0)) {
		fail(err, errlen, -EINVAL, "pkcs11 engine refused module %s",
		     o->pkcs11_module);
		goto out;
	}
	if (!ENGINE_init(e)) {
		fail(err, errlen, -EIO, "cannot start the pkcs11 engine");
		goto out;
	}
	if (o->pin && !ENGINE_ctrl_cmd_string(e, "PIN", o->pin, 0)) {
		fail(err, errlen, -EINVAL, "pkcs11 engine refused the PIN");
		ENGINE_finish(e);
		goto out;
	}
	pkey = ENGINE_load_private_key(e, o->key, NULL, NULL);
	if (!pkey)
		fail(err, errlen, -ENOENT, "no private key at %s", o->key);
	/* The key keeps its own reference to the engine. */
	ENGINE_finish(e);
out:
	ENGINE_free(e);
	return pkey;
}

static EVP_PKEY *load_store(const char *uri, char *err, size_t errlen)
{
	OSSL_STORE_CTX *st;
	EVP_PKEY *pkey = NULL;

	st = OSSL_STORE_open_ex(uri, NULL, "?provider=tpm2", NULL, NULL, NULL,
				NULL, NULL);
	if (!st) {
		fail(err, errlen, -ENOENT, "cannot open %s", uri);
		return NULL;
	}
	while (!pkey && !OSSL_STORE_eof(st)) {
		OSSL_STORE_INFO *info = OSSL_STORE_load(st);

		if (!info)
			break;
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			pkey = OSSL_STORE_INFO_get1_PKEY(info);
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(st);
	if (!pkey)
		fail(err, errlen, -ENOENT, "no private key at %s", uri);
	return pkey;
}

static EVP_PKEY *load_tpm2(const char *what, char *err, size_t errlen)
{
	/*
	 * The TPM provider also offers digests and a RNG; hashing the tree
	 * through the TPM would be absurdly slow, so the default provider
	 * stays preferred and the TPM does only what its key needs.
	 */
	if (!OSSL_PROVIDER_load(NULL, "default") ||
	    !OSSL_PROVIDER_load(NULL, "tpm2")) {
		fail(err, errlen, -ENOENT, "cannot load the tpm2 OpenSSL "
		     "provider (Debian: tpm2-openssl)");
		return NULL;
	}
	if (!EVP_set_default_properties(NULL, "?provider=default")) {
		fail(err, errlen, -EIO, "cannot prefer the default provider");
		return NULL;
	}
	return load_store(what, err, errlen);
}

static int type_of(EVP_PKEY *pkey, uint8_t *type)
{
	if (EVP_PKEY_is_a(pkey, "ED25519")) {
		*type = LEDGER_NOTE_SIG_ED25519;
		return 0;
	}
	if (EVP_PKEY_is_a(pkey, "EC")) {
		*type = LEDGER_NOTE_SIG_ECDSA;
		return 0;
	}
	return -EOPNOTSUPP;
}

int ledger_node_key_load(const struct ledger_node_key_opts *o,
			 struct ledger_note_key *k, char *err, size_t errlen)
{
	EVP_PKEY *pkey;
	uint8_t type;
	int ret;

	if (!o || !o->key || !o->name || !k)
		return -EINVAL;
	if (!strncmp(o->key, "pkcs11:", 7))
		pkey = load_pkcs11(o, err, errlen);
	else if (!strncmp(o->key, "tpm2:", 5))
		pkey = load_tpm2(o->key + 5, err, errlen);
	else
		pkey = load_pem(o->key, err, errlen);
	if (!pkey)
		return -ENOKEY;
	ret = type_of(pkey, &type);
	if (ret) {
		EVP_PKEY_free(pkey);
		return fail(err, errlen, ret, "node key %s is neither Ed25519 "
			    "nor ECDSA P-256", o->key);
	}
	ret = ledger_note_key_init(k, o->name, type, pkey);
	EVP_PKEY_free(pkey);
	if (ret)
		return fail(err, errlen, ret, "node key %s cannot sign notes "
			    "as '%s' (%s)", o->key, o->name, strerror(-ret));
	return 0;
}

int ledger_node_key_public(const struct ledger_note_key *k,
			   struct ledger_note_key *pub)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pk;
	int n, ret;

	n = i2d_PUBKEY(k->pkey, &der);
	if (n <= 0)
		return -EIO;
	p = der;
	pk = d2i_PUBKEY(NULL, &p, n);
	OPENSSL_free(der);
	if (!pk)
		return -EIO;
	ret = ledger_note_key_init(pub, k->name, k->type, pk);
	EVP_PKEY_free(pk);
	return ret;
}

int ledger_node_key_generate(const char *path, bool ed25519, char *err,
			      size_t errlen)
{
	EVP_PKEY *pkey = ed25519 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") :
				   EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	FILE *f;
	int fd, ok;

	if (!pkey)
		return fail(err, errlen, -EIO, "cannot generate a key");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		EVP_PKEY_free(pkey);
		return fail(err, errlen, -errno, "cannot create %s: %s", path,
			    strerror(errno));
	}
	f = fdopen(fd, "w");
	ok = f && PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL);
	EVP_PKEY_free(pkey);
	if (f)
		ok = (fflush(f) == 0 && fsync(fd) == 0) && ok;
	if (f ? fclose(f) : close(fd))
		ok = 0;
	if (!ok) {
		unlink(path);
		return fail(err, errlen, -EIO, "cannot write %s", path);
	}
	return 0;
}
