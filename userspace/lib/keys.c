// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * keys.c - managing szkm keys through keyutils: the payload grammar of
 * include/szkm.h ("Managed keys") written in one place, so that no caller
 * builds a payload; the checks of names and policy options that the
 * kernel makes, made first here so that a caller can say which word was
 * wrong (the kernel says it only in its log); and the walk of the caller's
 * keyrings that lists its szkm keys.
 */
#include "libszkm.h"
#include "szkm.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <keyutils.h>

/*
 * keyctl(1)'s names of the special keyrings, the lasting ones first: a
 * process without a session keyring of its own has @us as its @s, and is
 * told "@us" (what another process means by "@s" is its own session).
 */
static const struct {
	const char *name;
	int32_t spec;
} special[] = {
	{ "@u", KEY_SPEC_USER_KEYRING },
	{ "@us", KEY_SPEC_USER_SESSION_KEYRING },
	{ "@s", KEY_SPEC_SESSION_KEYRING },
	{ "@p", KEY_SPEC_PROCESS_KEYRING },
	{ "@t", KEY_SPEC_THREAD_KEYRING },
};
#define NSPECIAL (sizeof(special) / sizeof(special[0]))

static int fail(int err)
{
	errno = err;
	return -err;
}

int szkm_keyring_parse(const char *spec, int32_t *id)
{
	char *end;
	long v;

	for (size_t i = 0; i < NSPECIAL; i++) {
		if (!strcmp(spec, special[i].name)) {
			*id = special[i].spec;
			return 0;
		}
	}
	if (!isdigit((unsigned char)spec[0]))
		return fail(EINVAL);
	errno = 0;
	v = strtol(spec, &end, 0);
	if (*end || errno || v <= 0 || v > INT32_MAX)
		return fail(EINVAL);
	*id = (int32_t)v;
	return 0;
}

int szkm_key_name_check(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > SZKM_NAME_MAX)
		return fail(EINVAL);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
			return fail(EINVAL);
	return 0;
}

/* Decimal digits only, at most @max. */
static int decimal(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		if (v > (max - (unsigned long long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	*out = v;
	return 0;
}

/* "<n>s|m|h|d" from 1 s to 3650 d, as kmod/payload.c takes it. */
static int period(const char *s)
{
	static const struct {
		char unit;
		unsigned long long secs;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	size_t n = strlen(s);
	unsigned long long v;
	char num[24];

	if (n < 2 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n - 1);
	num[n - 1] = 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (s[n - 1] == units[i].unit)
			return decimal(num, 3650ULL * 86400 / units[i].secs, &v) || !v ? -1 : 0;
	return -1;
}

int szkm_policy_word(const char *word, const char **why)
{
	static const char *const names[] = {
		[SZKM_POLICY_ROTATE] = "rotate=",
		[SZKM_POLICY_MAX_USES] = "max_uses=",
		[SZKM_POLICY_MIN_VERSION] = "min_version=",
		[SZKM_POLICY_LEDGER] = "ledger=",
	};
	unsigned long long v;
	const char *val;
	int opt;

	for (opt = 0; opt < (int)(sizeof(names) / sizeof(names[0])); opt++)
		if (!strncmp(word, names[opt], strlen(names[opt])))
			break;
	switch (opt) {
	case SZKM_POLICY_ROTATE:
		val = word + strlen(names[opt]);
		if (period(val) == 0)
			return opt;
		*why = "a period is a number and a unit s, m, h or d, from 1s to 3650d (e.g. 30d)";
		break;
	case SZKM_POLICY_MAX_USES:
		val = word + strlen(names[opt]);
		if (decimal(val, SZKM_MAX_USES_LIMIT, &v) == 0 && v)
			return opt;
		*why = "max_uses is from 1 to 4294967296 (2^32: AES-GCM with random nonces allows no more)";
		break;
	case SZKM_POLICY_MIN_VERSION:
		val = word + strlen(names[opt]);
		if (decimal(val, UINT32_MAX, &v) == 0)
			return opt;
		*why = "min_version is a version number";
		break;
	case SZKM_POLICY_LEDGER:
		val = word + strlen(names[opt]);
		if (!strcmp(val, "required") || !strcmp(val, "async"))
			return opt;
		*why = "ledger is required or async";
		break;
	default:
		*why = "not a policy option (rotate=, max_uses=, min_version=, ledger=)";
	}
	return fail(EINVAL);
}

/* add_key of a payload the caller made with asprintf (NULL: it failed). */
static int32_t add(const char *name, char *p, int32_t keyring)
{
	long id;

	if (!p)
		return fail(ENOMEM);
	id = add_key(SZKM_KEY_TYPE, name, p, strlen(p), keyring);
	if (id < 0)
		id = -errno;
	free(p);
	return id < 0 ? fail((int)-id) : (int32_t)id;
}

/* keyctl_update of a payload (NULL: making it failed). */
static int update(int32_t serial, const char *p)
{
	if (!p)
		return fail(ENOMEM);
	return keyctl_update(serial, p, strlen(p)) < 0 ? fail(errno) : 0;
}

int32_t szkm_key_create(const char *name, const char *alg, const char *policy,
			int32_t keyring)
{
	char *p;
	int has = policy && *policy;

	if (asprintf(&p, "new %s%s%s", alg, has ? " " : "", has ? policy : "") < 0)
		p = NULL;
	return add(name, p, keyring);
}

int szkm_key_rotate(int32_t serial)
{
	return update(serial, "rotate");
}

static int update_version(int32_t serial, const char *verb, uint32_t version)
{
	char *p;
	int ret;

	if (asprintf(&p, "%s %u", verb, version) < 0)
		p = NULL;
	ret = update(serial, p);
	free(p);
	return ret;
}

int szkm_key_retire(int32_t serial, uint32_t version)
{
	return update_version(serial, "retire", version);
}

int szkm_key_destroy(int32_t serial, uint32_t version)
{
	return update_version(serial, "destroy", version);
}

int szkm_key_set_policy(int32_t serial, const char *policy)
{
	char *p;
	int ret;

	if (asprintf(&p, "set %s", policy) < 0)
		p = NULL;
	ret = update(serial, p);
	free(p);
	return ret;
}

int szkm_key_blob(int32_t serial, char **hex, size_t *len)
{
	void *buf;
	long n = keyctl_read_alloc(serial, &buf);

	if (n < 0)
		return fail(errno);
	*hex = buf;	/* keyutils NUL-terminates it */
	*len = (size_t)n;
	return 0;
}

int32_t szkm_key_load(const char *name, const char *hex, int32_t keyring)
{
	char *p;

	if (asprintf(&p, "load %s", hex) < 0)
		p = NULL;
	return add(name, p, keyring);
}

int szkm_keyblob_info(const char *hex, size_t len, struct szkm_keyblob_info *info)
{
	uint8_t hdr[SZKM_BLOB_HDR_LEN + 4];
	char part[2 * sizeof(hdr) + 1];
	uint32_t body;

	memset(info, 0, sizeof(*info));
	if (len < sizeof(part) - 1 || len % 2)
		return fail(EBADMSG);
	memcpy(part, hex, sizeof(part) - 1);
	part[sizeof(part) - 1] = 0;
	if (szkm_hex_decode(hdr, sizeof(hdr), part) || memcmp(hdr, SZKM_BLOB_MAGIC, 4))
		return fail(EBADMSG);
	info->format = hdr[4];
	info->alg = hdr[5];
	memcpy(info->key_id, hdr + 8, sizeof(info->key_id));
	memcpy(info->device_id, hdr + 8 + SZKM_KEY_ID_LEN, sizeof(info->device_id));
	if (info->format != SZKM_BLOB_FORMAT)
		return fail(EPROTONOSUPPORT);
	body = (uint32_t)hdr[60] << 24 | (uint32_t)hdr[61] << 16 | (uint32_t)hdr[62] << 8 | hdr[63];
	if (body != len / 2 - sizeof(hdr))
		return fail(EBADMSG);
	return 0;
}

enum { OTHER, SZKM_KEY, KEYRING };

/* From "type;uid;gid;perm;description": an szkm key, a keyring, or else. */
static int type_of(int32_t serial)
{
	char *desc;
	int ret = OTHER;

	if (keyctl_describe_alloc(serial, &desc) < 0)
		return OTHER;
	if (!strncmp(desc, SZKM_KEY_TYPE ";", strlen(SZKM_KEY_TYPE) + 1))
		ret = SZKM_KEY;
	else if (!strncmp(desc, "keyring;", 8))
		ret = KEYRING;
	free(desc);
	return ret;
}

int szkm_keyring_exists(int32_t serial)
{
	return type_of(serial) == KEYRING;
}

/* The keyrings still to read, breadth first, and those seen. */
#define RINGS_MAX 256
struct walk {
	int32_t ring[RINGS_MAX];
	char name[RINGS_MAX][sizeof(((struct szkm_key_ref *)0)->ring)];
	size_t nring;
	struct szkm_key_ref *refs;
	size_t nref, cap;
};

static void add_ring(struct walk *w, int32_t serial, const char *name)
{
	for (size_t i = 0; i < w->nring; i++)
		if (w->ring[i] == serial)
			return;
	if (w->nring == RINGS_MAX)
		return;
	w->ring[w->nring] = serial;
	if (name)
		snprintf(w->name[w->nring], sizeof(w->name[0]), "%s", name);
	else
		snprintf(w->name[w->nring], sizeof(w->name[0]), "%d", serial);
	w->nring++;
}

static int add_key_ref(struct walk *w, int32_t serial, size_t ring)
{
	for (size_t i = 0; i < w->nref; i++)
		if (w->refs[i].serial == serial)
			return 0;
	if (w->nref == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		struct szkm_key_ref *r = realloc(w->refs, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		w->refs = r;
		w->cap = cap;
	}
	w->refs[w->nref].serial = serial;
	w->refs[w->nref].keyring = w->ring[ring];
	memcpy(w->refs[w->nref].ring, w->name[ring], sizeof(w->refs[0].ring));
	w->nref++;
	return 0;
}

/* A key some uid is granted: a grant keeps it in the kernel. */
static int granted(int32_t id)
{
	struct szkm_key_info *info = malloc(sizeof(*info));
	int yes = info && !szkm_key_info(id, info) && info->ngrants > 0;

	free(info);
	return yes;
}

/*
 * The caller's own szkm keys that none of its keyrings hold but a grant
 * keeps in the kernel (include/szkm.h "Grants"), from /proc/keys, which
 * lists what the caller may View: named by SZKM_KEYRING_NONE. A key that
 * only another process's keyrings hold (another session's, on its way
 * out) is not the caller's to list.
 */
static int add_unlinked(struct walk *w)
{
	char line[512], type[16];
	unsigned int uid;
	int32_t id;
	FILE *f = fopen("/proc/keys", "r");
	int ret = 0;

	if (!f)
		return 0;	/* no /proc: the keyrings are all there is */
	snprintf(w->name[w->nring], sizeof(w->name[0]), "%s", SZKM_KEYRING_NONE);
	w->ring[w->nring] = 0;
	while (!ret && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%x %*s %*u %*s %*x %u %*d %15s", (unsigned int *)&id, &uid,
			   type) == 3 && !strcmp(type, SZKM_KEY_TYPE) && uid == geteuid() &&
		    granted(id))
			ret = add_key_ref(w, id, w->nring);
	}
	fclose(f);
	return ret;
}

/*
 * The special keyrings first, so that a key linked into one is named by
 * it even when another keyring links it too (a login session links @u);
 * then every keyring they link, and so on. A keyring the caller cannot
 * read is passed over, as keyctl(1) would fail on it. Then the caller's
 * keys no keyring of its holds.
 */
int szkm_key_list(struct szkm_key_ref **refs)
{
	struct walk *w = calloc(1, sizeof(*w));
	int ret = 0;

	if (!w)
		return fail(ENOMEM);
	for (size_t i = 0; i < NSPECIAL; i++) {
		long id = keyctl_get_keyring_ID(special[i].spec, 0);

		if (id > 0)
			add_ring(w, (int32_t)id, special[i].name);
	}
	for (size_t r = 0; r < w->nring && !ret; r++) {
		int32_t *members;
		long n = keyctl_read_alloc(w->ring[r], (void **)&members);

		if (n < 0)
			continue;
		for (size_t i = 0; i < (size_t)n / sizeof(*members) && !ret; i++) {
			switch (type_of(members[i])) {
			case SZKM_KEY:
				ret = add_key_ref(w, members[i], r);
				break;
			case KEYRING:
				add_ring(w, members[i], NULL);
				break;
			}
		}
		free(members);
	}
	if (!ret && w->nring < RINGS_MAX)
		ret = add_unlinked(w);
	if (ret) {
		free(w->refs);
		free(w);
		return fail(-ret);
	}
	*refs = w->refs;
	ret = (int)w->nref;
	free(w);
	return ret;
}
