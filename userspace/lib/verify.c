// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * verify.c - the verifier of libszkm.h: what the application trusts (the
 * ledger's verifier keys and threshold), the node it reads (ledger_http.c)
 * and the state file that keeps the last checkpoint this client accepted;
 * the kernel's view of a key (now, or as an export bundle holds it) checked
 * against what it verified.
 * The verification itself is verify_core.c's; this file does the I/O
 * around it: the state file is read and rewritten under a lock on its
 * folder, so that two verifications of one user cannot interleave a read
 * and a write, and rewritten only when a verification succeeded.
 */
#include "libszkm.h"
#include "internal.h"
#include "ledger_http.h"
#include "verify_core.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

struct szkm_verifier {
	struct szkm_trust trust;
	struct szkm_ledger_http *http;
	struct szkm_ledger_source src;
	char state[PATH_MAX];
};

/* $XDG_STATE_HOME/szkm/checkpoint, or ~/.local/state/szkm/checkpoint. */
static int default_state(char *out, size_t cap)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(out, cap, "%s/szkm/checkpoint", xdg);
	else if (home && home[0] == '/')
		n = snprintf(out, cap, "%s/.local/state/szkm/checkpoint", home);
	else
		return szkm_verify_fail(-EINVAL, "no $XDG_STATE_HOME or $HOME for the state file: name one");
	return n < (int)cap ? 0 : szkm_verify_fail(-ENAMETOOLONG, "the state file's path is too long");
}

int szkm_verifier_new(const struct szkm_verifier_opts *o, struct szkm_verifier **out)
{
	struct szkm_verifier *v;
	int ret;

	szkm_verify_clear();
	if (!o || !o->ledger || !out || (o->nkeys && !o->keys))
		return szkm_ret(szkm_verify_fail(-EINVAL, "a verifier needs a ledger URL and its keys"));
	v = calloc(1, sizeof(*v));
	if (!v)
		return szkm_ret(szkm_verify_fail(-ENOMEM, "out of memory"));
	ret = szkm_trust_init(&v->trust, o->keys, o->nkeys, o->threshold);
	if (!ret && o->state && snprintf(v->state, sizeof(v->state), "%s", o->state) >= (int)sizeof(v->state))
		ret = szkm_verify_fail(-ENAMETOOLONG, "the state file's path is too long");
	else if (!ret && !o->state)
		ret = default_state(v->state, sizeof(v->state));
	if (!ret && !v->state[0])
		ret = szkm_verify_fail(-EINVAL, "the state file's path is empty");
	if (!ret) {
		ret = szkm_ledger_http_open(&v->http, o->ledger);
		if (ret)
			szkm_verify_fail(ret, "ledger %s: %s", o->ledger, strerror(-ret));
	}
	if (ret) {
		szkm_verifier_free(v);
		return szkm_ret(ret);
	}
	szkm_ledger_http_source(v->http, &v->src);
	*out = v;
	return 0;
}

void szkm_verifier_free(struct szkm_verifier *v)
{
	if (!v)
		return;
	szkm_trust_clear(&v->trust);
	szkm_ledger_http_close(v->http);
	free(v);
}

/* The state file's folder, made and locked (the fd; close to unlock). */
static int lock_state(const struct szkm_verifier *v)
{
	char buf[PATH_MAX];
	const char *dir;
	int fd, ret;

	snprintf(buf, sizeof(buf), "%s", v->state);
	dir = dirname(buf);
	ret = szkm_mkdirs(dir);
	if (ret)
		return szkm_verify_fail(ret, "state %s: cannot make its folder: %s", v->state,
					strerror(-ret));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		return szkm_verify_fail(ret, "state %s: cannot lock its folder: %s", v->state,
					strerror(-ret));
	}
	return fd;
}

/* The checkpoint this client accepted before, if any (*has 0: none). */
static int load_state(const struct szkm_verifier *v, struct ledger_checkpoint *old, int *has)
{
	uint8_t *data;
	size_t len;
	int ret;

	*has = 0;
	ret = szkm_file_read(v->state, &data, &len, LEDGER_NOTE_MAX_SIZE);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return szkm_verify_fail(ret, "state %s: %s", v->state, strerror(-ret));
	ret = szkm_checkpoint_read((const char *)data, len, old);
	free(data);
	if (ret)
		return szkm_verify_fail(-EINVAL, "state %s: not a signed checkpoint (remove it to start over)",
					v->state);
	*has = 1;
	return 0;
}

int szkm_verify_key(struct szkm_verifier *v, const uint8_t id[16], struct szkm_verified_key **out)
{
	static const uint8_t zero[SZKM_KEY_ID_LEN];
	struct szkm_verified_key *vk = NULL;
	struct ledger_checkpoint old;
	char *note = NULL;
	size_t note_len = 0;
	int ret, lock, has_old;

	szkm_verify_clear();
	if (!v || !id || !out)
		return szkm_ret(szkm_verify_fail(-EINVAL, "szkm_verify_key: no verifier, key id or result"));
	if (!memcmp(id, zero, sizeof(zero)))
		return szkm_ret(szkm_verify_fail(-EINVAL, "key id: all zero (device events name no key)"));
	lock = lock_state(v);
	if (lock < 0)
		return szkm_ret(lock);
	ret = load_state(v, &old, &has_old) ?:
	      szkm_verify_run(&v->trust, &v->src, has_old ? &old : NULL, id, &vk, &note, &note_len);
	/* The state file moves with the ledger, never back and never on failure. */
	if (!ret && (!has_old || old.size != vk->size)) {
		ret = szkm_file_write_atomic(v->state, (const uint8_t *)note, note_len);
		if (ret)
			szkm_verify_fail(ret, "state %s: cannot write it: %s", v->state, strerror(-ret));
	}
	close(lock);
	free(note);
	if (ret) {
		szkm_verified_key_free(vk);
		return szkm_ret(ret);
	}
	*out = vk;
	return 0;
}

/*
 * The kernel's view of key @serial: what it holds now, or (@bundle) what
 * the bundle holds once the kernel opened it; verified against the ledger
 * and checked to agree with it.
 */
static int verify_view(struct szkm_verifier *v, int32_t serial, const uint8_t *bundle,
		       size_t len, struct szkm_key_info *kernel, struct szkm_verified_key **out)
{
	struct szkm_key_info *k = kernel ? kernel : malloc(sizeof(*k));
	struct szkm_verified_key *vk = NULL;
	int ret;

	szkm_verify_clear();
	if (!k)
		return szkm_ret(szkm_verify_fail(-ENOMEM, "out of memory"));
	ret = bundle ? szkm_bundle_open(serial, bundle, len, k) : szkm_key_info(serial, k);
	if (ret)
		szkm_verify_fail(ret, "%s %d: the kernel %s: %s", bundle ? "bundle of key" : "key",
				 serial, bundle ? "refused it" : "does not describe it",
				 szkm_last_message()[0] ? szkm_last_message() : szkm_strerror(ret));
	else
		ret = szkm_verify_key(v, k->id, &vk) ?: szkm_verify_agrees(vk, k);
	if (k != kernel)
		free(k);
	if (ret) {
		szkm_verified_key_free(vk);
		return szkm_ret(ret);
	}
	*out = vk;
	return 0;
}

int szkm_verify_key_by_serial(struct szkm_verifier *v, int32_t serial,
			      struct szkm_key_info *kernel, struct szkm_verified_key **out)
{
	return verify_view(v, serial, NULL, 0, kernel, out);
}

int szkm_verify_bundle(struct szkm_verifier *v, int32_t serial, const uint8_t *bundle,
		       size_t len, struct szkm_key_info *opened, struct szkm_verified_key **out)
{
	if (!bundle) {
		szkm_verify_clear();
		return szkm_ret(szkm_verify_fail(-EINVAL, "szkm_verify_bundle: no bundle"));
	}
	return verify_view(v, serial, bundle, len, opened, out);
}
