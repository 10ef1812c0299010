// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * client.c - ledgerd enroll and ledgerd feed: the client side of the
 * control socket (protocol in control.h), for administrators and tests.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ledgerd.h"
#include "szkm.h"

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		die("cannot make a socket for %s", path);
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("cannot reach ledgerd at %s: %s", path, strerror(errno));
	return fd;
}

/* Sends every line of @in, prints every reply; 1 if any was not ok. */
int ledgerd_ctl_session(const char *path, FILE *in)
{
	int fd = ctl_connect(path), bad = 0;
	FILE *rx = fdopen(dup(fd), "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long sent = 0, got = 0;

	if (!rx)
		die("fdopen: %s", strerror(errno));
	while ((n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] != '\n') {
			line = realloc(line, (size_t)n + 2);
			if (!line)
				die("out of memory");
			line[n++] = '\n';
			line[n] = 0;
		}
		if (write(fd, line, (size_t)n) != n)
			die("write to ledgerd: %s", strerror(errno));
		sent++;
	}
	shutdown(fd, SHUT_WR);
	while (got < sent && (n = getline(&line, &cap, rx)) > 0) {
		fputs(line, stdout);
		if (strncmp(line, "ok ", 3) && strncmp(line, "dup ", 4) &&
		    strncmp(line, "enrolled ", 9) &&
		    strncmp(line, "synced ", 7) && strncmp(line, "head ", 5) &&
		    strncmp(line, "member", 6))
			bad = 1;
		got++;
	}
	if (got < sent) {
		fprintf(stderr, "ledgerd: %ld of %ld replies missing\n",
			sent - got, sent);
		bad = 1;
	}
	free(line);
	fclose(rx);
	close(fd);
	return bad;
}

int ledgerd_ctl_ask(const char *path, const char *line, char *reply,
		    size_t cap)
{
	int fd = ctl_connect(path);
	FILE *rx = fdopen(fd, "r");
	int ret = -EIO;

	if (!rx)
		die("fdopen: %s", strerror(errno));
	if (dprintf(fd, "%s\n", line) > 0 && fgets(reply, (int)cap, rx)) {
		reply[strcspn(reply, "\n")] = 0;
		ret = 0;
	}
	fclose(rx);
	return ret;
}

void ledgerd_device_pubkey(const char *arg, uint8_t pub[SZKM_P256_PUB_LEN])
{
	size_t len = 0;
	EVP_PKEY *pk = NULL;
	FILE *f;

	if (strlen(arg) == 2 * SZKM_P256_PUB_LEN &&
	    strspn(arg, "0123456789abcdefABCDEF") == strlen(arg)) {
		if (szkm_hex_decode(pub, SZKM_P256_PUB_LEN, arg) || pub[0] != 0x04)
			die("%s is not an uncompressed P-256 point", arg);
		return;
	}
	f = fopen(arg, "r");
	if (!f)
		die("%s is neither a hex P-256 point nor a readable file", arg);
	pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	if (!pk) {
		rewind(f);
		pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	}
	fclose(f);
	if (!pk || !EVP_PKEY_get_octet_string_param(pk, "encoded-pub-key", pub,
						    SZKM_P256_PUB_LEN, &len) ||
	    len != SZKM_P256_PUB_LEN)
		die("%s holds no P-256 public key", arg);
	EVP_PKEY_free(pk);
}

/* A device key as hex: 130 hex digits, or a PEM public or private key. */
static void pubkey_arg(const char *arg, char hex[2 * SZKM_P256_PUB_LEN + 1])
{
	uint8_t pub[SZKM_P256_PUB_LEN];

	ledgerd_device_pubkey(arg, pub);
	szkm_hex_encode(hex, pub, SZKM_P256_PUB_LEN);
}

int ledgerd_enroll_main(struct ledgerd_config *c, int argc, char **argv)
{
	char hexkey[2 * SZKM_P256_PUB_LEN + 1], *line;
	FILE *f;
	size_t len;
	int ret;

	if (argc != 3)
		return -1;
	pubkey_arg(argv[2], hexkey);
	f = open_memstream(&line, &len);
	if (!f)
		die("out of memory");
	fprintf(f, "enroll %s %s\n", argv[1], hexkey);
	fclose(f);
	f = fmemopen(line, len, "r");
	ret = ledgerd_ctl_session(c->control, f);
	fclose(f);
	free(line);
	return ret;
}

int ledgerd_feed_main(struct ledgerd_config *c, int argc, char **argv)
{
	FILE *f = stdin;
	int ret;

	if (argc > 2)
		return -1;
	if (argc == 2 && strcmp(argv[1], "-")) {
		f = fopen(argv[1], "r");
		if (!f)
			die("cannot read %s: %s", argv[1], strerror(errno));
	}
	ret = ledgerd_ctl_session(c->control, f);
	if (f != stdin)
		fclose(f);
	return ret;
}
