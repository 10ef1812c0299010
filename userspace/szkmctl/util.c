// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * util.c - what several subcommands share: saying why the kernel refused,
 * reading a blob file, writing one atomically with mode 0600.
 */
#include "subcommands.h"
#include "libszkm.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void szkmctl_report(const char *what, int err)
{
	const char *why = szkm_last_message();

	if (why[0])
		fprintf(stderr, "%s: %s (%s)\n", what, why, strerror(err < 0 ? -err : err));
	else
		fprintf(stderr, "%s: %s\n", what, szkm_strerror(err));
}

int szkmctl_read_file(const char *path, uint8_t **data, size_t *len, size_t max)
{
	uint8_t *buf;
	size_t n = 0;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return -errno;
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		free(buf);
		return -e;
	}
	fclose(f);
	*data = buf;
	*len = n;	/* max + 1 means "too big": the caller says so */
	return 0;
}

/* mkdir -p with mode 0700 for the parts we make. */
static int make_dirs(const char *dir)
{
	char tmp[PATH_MAX], *p;

	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Write to a temporary file next to @path (mode 0600), fsync, rename over
 * @path, fsync the folder: a crash leaves the old file or the new one.
 */
int szkmctl_write_file_atomic(const char *path, const uint8_t *data, size_t len)
{
	char dirbuf[PATH_MAX], tmp[PATH_MAX + 16];
	const char *dir;
	size_t off = 0;
	int fd, dfd, ret;

	if (snprintf(dirbuf, sizeof(dirbuf), "%s", path) >= (int)sizeof(dirbuf))
		return -ENAMETOOLONG;
	dir = dirname(dirbuf);
	ret = make_dirs(dir);
	if (ret)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);	/* 0600 */
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fchmod(fd, 0600) || fsync(fd))
		goto fail;
	if (close(fd)) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path))
		goto fail;
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	ret = -errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return ret;
}

void szkmctl_print_hex(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);

	if (!s)
		return;
	szkm_hex_encode(s, p, n);
	fputs(s, stdout);
	free(s);
}

struct szkm_key_info *szkmctl_key_load(const char *spec)
{
	struct szkm_key_info *k;
	int32_t serial = szkm_key_find(spec);
	int ret;

	if (serial < 0) {
		fprintf(stderr, "Unable to find key `%s': %s\n", spec, szkm_strerror(serial));
		return NULL;
	}
	k = malloc(sizeof(*k));
	if (!k) {
		perror("malloc");
		return NULL;
	}
	ret = szkm_key_info(serial, k);
	if (ret < 0) {
		szkmctl_report("Unable to read the key", ret);
		free(k);
		return NULL;
	}
	return k;
}
