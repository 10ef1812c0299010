// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state.c - the manifest of a saved state (state.h): written by `state
 * save` after the blobs it names, read by `state restore`, each field
 * checked as it is read.
 */
#include "state.h"
#include "subcommands.h"
#include "internal.h"
#include "libszkm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int state_path(char *out, size_t outlen, const char *dir, const char *file)
{
	return snprintf(out, outlen, "%s/%s", dir, file) < (int)outlen ? 0 : -1;
}

int state_key_path(char *out, size_t outlen, const char *dir, const char *id)
{
	return snprintf(out, outlen, "%s/%s.blob", dir, id) < (int)outlen ? 0 : -1;
}

void state_free(struct state *st)
{
	free(st->keys);
	st->keys = NULL;
	st->nkeys = 0;
}

static int hex_id(const char *s, size_t n)
{
	return strlen(s) == 2 * n && strspn(s, "0123456789abcdef") == 2 * n;
}

/* One "key <id> <keyring> <name>" line, split at its spaces. */
static int key_line(char *line, struct state_key *k)
{
	char *id = strtok(line, " "), *ring = strtok(NULL, " "), *name = strtok(NULL, " ");
	int32_t spec;

	if (!id || !ring || !name || strtok(NULL, " ") || !hex_id(id, SZKM_KEY_ID_LEN) ||
	    strlen(ring) >= sizeof(k->ring) || szkm_keyring_parse(ring, &spec) ||
	    szkm_key_name_check(name))
		return -1;
	strcpy(k->id, id);
	strcpy(k->ring, ring);
	strcpy(k->name, name);
	return 0;
}

int state_read(const char *dir, struct state *st, char *err, size_t errlen)
{
	char path[4096], line[256];
	int has_device = 0, ln = 0, ret = -1;
	size_t cap = 0;
	FILE *f;

	memset(st, 0, sizeof(*st));
	if (state_path(path, sizeof(path), dir, STATE_MANIFEST)) {
		snprintf(err, errlen, "%s: the path is too long", dir);
		return -1;
	}
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s (nothing saved there: szkmctl state save)", path,
			 strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");

		ln++;
		if (!line[n] && !feof(f)) {
			snprintf(err, errlen, "%s:%d: the line is too long", path, ln);
			goto out;
		}
		line[n] = 0;
		if (ln == 1) {
			if (strcmp(line, STATE_MAGIC)) {
				snprintf(err, errlen, "%s: not an szkm state manifest (no \"%s\" line)",
					 path, STATE_MAGIC);
				goto out;
			}
		} else if (!line[0] || line[0] == '#') {
			continue;
		} else if (!strncmp(line, "device ", 7)) {
			if (has_device || szkm_hex_decode(st->device_id, sizeof(st->device_id), line + 7)) {
				snprintf(err, errlen, "%s:%d: expected one \"device <64 hex digits>\"",
					 path, ln);
				goto out;
			}
			has_device = 1;
		} else if (!strncmp(line, "key ", 4)) {
			if (st->nkeys == cap) {
				struct state_key *k;

				cap = cap ? 2 * cap : 16;
				k = cap <= STATE_KEYS_MAX ? realloc(st->keys, cap * sizeof(*k)) : NULL;
				if (!k) {
					snprintf(err, errlen, "%s: too many keys", path);
					goto out;
				}
				st->keys = k;
			}
			if (key_line(line + 4, &st->keys[st->nkeys])) {
				snprintf(err, errlen, "%s:%d: expected \"key <32 hex digits> <keyring> <name>\"",
					 path, ln);
				goto out;
			}
			st->nkeys++;
		} else {
			snprintf(err, errlen, "%s:%d: unknown line", path, ln);
			goto out;
		}
	}
	if (ferror(f))
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (!ln)
		snprintf(err, errlen, "%s: empty", path);
	else if (!has_device)
		snprintf(err, errlen, "%s: no \"device\" line", path);
	else
		ret = 0;
out:
	fclose(f);
	if (ret)
		state_free(st);
	return ret;
}

int state_write(const char *dir, const struct state *st)
{
	char path[4096], id[2 * SZKM_DEVICE_ID_LEN + 1], *text = NULL;
	size_t len = 0;
	FILE *m;
	int ret;

	if (state_path(path, sizeof(path), dir, STATE_MANIFEST))
		return -ENAMETOOLONG;
	m = open_memstream(&text, &len);
	if (!m)
		return -errno;
	szkm_hex_encode(id, st->device_id, sizeof(st->device_id));
	fprintf(m, "%s\n# szkmctl state save: the device blob is %s, each key's blob <key id>.blob.\n"
		"# key <key id> <keyring it was in> <name>\ndevice %s\n",
		STATE_MAGIC, STATE_DEVICE, id);
	for (size_t i = 0; i < st->nkeys; i++)
		fprintf(m, "key %s %s %s\n", st->keys[i].id, st->keys[i].ring, st->keys[i].name);
	if (fclose(m)) {
		free(text);
		return -ENOMEM;
	}
	ret = szkm_file_write_atomic(path, (const uint8_t *)text, len);
	free(text);
	return ret;
}
