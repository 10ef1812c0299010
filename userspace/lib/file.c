// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * file.c - the files the library keeps (the verifier's state file) and
 * szkmctl's blobs: read with a cap, written atomically with mode 0600.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int szkm_file_read(const char *path, uint8_t **data, size_t *len, size_t max)
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

int szkm_mkdirs(const char *dir)
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

/* rename(2), then the directory synced so the new name survives a crash. */
int szkm_file_rename(const char *from, const char *to)
{
	char dirbuf[PATH_MAX];
	int dfd;

	if (snprintf(dirbuf, sizeof(dirbuf), "%s", to) >= (int)sizeof(dirbuf))
		return -ENAMETOOLONG;
	if (rename(from, to))
		return -errno;
	dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int szkm_file_write_atomic(const char *path, const uint8_t *data, size_t len)
{
	char dirbuf[PATH_MAX], tmp[PATH_MAX + 16];
	const char *dir;
	size_t off = 0;
	int fd, ret;

	if (snprintf(dirbuf, sizeof(dirbuf), "%s", path) >= (int)sizeof(dirbuf))
		return -ENAMETOOLONG;
	dir = dirname(dirbuf);
	ret = szkm_mkdirs(dir);
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
	ret = szkm_file_rename(tmp, path);
	if (ret)
		unlink(tmp);
	return ret;
fail:
	ret = -errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return ret;
}
