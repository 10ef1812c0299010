// SPDX-License-Identifier: GPL-2.0
/*
 * fscrypt_tool - the few fscrypt ioctls the szkm tests need, with keys
 * given by keyring key id (an "fscrypt-provisioning" key szkm made), which
 * Debian's fscryptctl cannot do. v2 policies only. Identifiers are 32 hex
 * digits, as FS_IOC_ADD_ENCRYPTION_KEY returns them.
 *
 *   fscrypt_tool add <mountpoint> <key id>        prints the identifier
 *   fscrypt_tool remove <mountpoint> <identifier> [--all-users]
 *   fscrypt_tool status <mountpoint> <identifier> prints absent|present|incomplete
 *   fscrypt_tool set_policy <dir> <identifier>    AES-256-XTS + AES-256-CTS
 *   fscrypt_tool get_policy <dir>                 prints the identifier
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fscrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr,
		"usage: fscrypt_tool add <mountpoint> <key id>\n"
		"       fscrypt_tool remove <mountpoint> <identifier> [--all-users]\n"
		"       fscrypt_tool status <mountpoint> <identifier>\n"
		"       fscrypt_tool set_policy <dir> <identifier>\n"
		"       fscrypt_tool get_policy <dir>\n");
	return 2;
}

/* One fscrypt ioctl on @path: 0, or 1 after saying what failed. */
#define path_ioctl(path, req, arg) path_ioctl_named(path, req, arg, #req)
static int path_ioctl_named(const char *path, unsigned long req, void *arg, const char *name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0) {
		fprintf(stderr, "fscrypt_tool: %s: %s\n", path, strerror(errno));
		return 1;
	}
	ret = ioctl(fd, req, arg);
	close(fd);
	if (ret) {
		fprintf(stderr, "fscrypt_tool: %s on %s: %s\n", name, path, strerror(errno));
		return 1;
	}
	return 0;
}

static int parse_identifier(const char *hex, __u8 id[FSCRYPT_KEY_IDENTIFIER_SIZE])
{
	size_t i;

	if (strlen(hex) != 2 * FSCRYPT_KEY_IDENTIFIER_SIZE)
		goto bad;
	for (i = 0; i < FSCRYPT_KEY_IDENTIFIER_SIZE; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			goto bad;
		id[i] = (__u8)b;
	}
	return 0;
bad:
	fprintf(stderr, "fscrypt_tool: identifier must be %d hex digits: %s\n",
		2 * FSCRYPT_KEY_IDENTIFIER_SIZE, hex);
	return -1;
}

static void print_identifier(const __u8 id[FSCRYPT_KEY_IDENTIFIER_SIZE])
{
	int i;

	for (i = 0; i < FSCRYPT_KEY_IDENTIFIER_SIZE; i++)
		printf("%02x", id[i]);
	printf("\n");
}

static int cmd_add(int argc, char **argv)
{
	struct fscrypt_add_key_arg arg;
	unsigned long id;
	char *end;

	if (argc != 4)
		return usage();
	errno = 0;
	id = strtoul(argv[3], &end, 0);
	if (errno || *end || !id || id > 0x7fffffff) {
		fprintf(stderr, "fscrypt_tool: bad key id: %s\n", argv[3]);
		return 2;
	}
	memset(&arg, 0, sizeof(arg));
	arg.key_spec.type = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER;
	arg.key_id = (__u32)id;
	if (path_ioctl(argv[2], FS_IOC_ADD_ENCRYPTION_KEY, &arg))
		return 1;
	print_identifier(arg.key_spec.u.identifier);
	return 0;
}

static int cmd_remove(int argc, char **argv)
{
	struct fscrypt_remove_key_arg arg;
	unsigned long req = FS_IOC_REMOVE_ENCRYPTION_KEY;

	if (argc == 5 && !strcmp(argv[4], "--all-users"))
		req = FS_IOC_REMOVE_ENCRYPTION_KEY_ALL_USERS;
	else if (argc != 4)
		return usage();
	memset(&arg, 0, sizeof(arg));
	arg.key_spec.type = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER;
	if (parse_identifier(argv[3], arg.key_spec.u.identifier))
		return 2;
	if (path_ioctl_named(argv[2], req, &arg, "FS_IOC_REMOVE_ENCRYPTION_KEY"))
		return 1;
	if (arg.removal_status_flags & FSCRYPT_KEY_REMOVAL_STATUS_FLAG_FILES_BUSY)
		printf("removed, but files still in use\n");
	else if (arg.removal_status_flags & FSCRYPT_KEY_REMOVAL_STATUS_FLAG_OTHER_USERS)
		printf("removed for this user only\n");
	else
		printf("removed\n");
	return 0;
}

static int cmd_status(int argc, char **argv)
{
	struct fscrypt_get_key_status_arg arg;

	if (argc != 4)
		return usage();
	memset(&arg, 0, sizeof(arg));
	arg.key_spec.type = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER;
	if (parse_identifier(argv[3], arg.key_spec.u.identifier))
		return 2;
	if (path_ioctl(argv[2], FS_IOC_GET_ENCRYPTION_KEY_STATUS, &arg))
		return 1;
	switch (arg.status) {
	case FSCRYPT_KEY_STATUS_ABSENT:
		printf("absent\n");
		break;
	case FSCRYPT_KEY_STATUS_PRESENT:
		printf("present\n");
		break;
	case FSCRYPT_KEY_STATUS_INCOMPLETELY_REMOVED:
		printf("incomplete\n");
		break;
	default:
		printf("unknown %u\n", arg.status);
	}
	return 0;
}

static int cmd_set_policy(int argc, char **argv)
{
	struct fscrypt_policy_v2 pol;

	if (argc != 4)
		return usage();
	memset(&pol, 0, sizeof(pol));
	pol.version = FSCRYPT_POLICY_V2;
	pol.contents_encryption_mode = FSCRYPT_MODE_AES_256_XTS;
	pol.filenames_encryption_mode = FSCRYPT_MODE_AES_256_CTS;
	pol.flags = FSCRYPT_POLICY_FLAGS_PAD_32;
	if (parse_identifier(argv[3], pol.master_key_identifier))
		return 2;
	if (path_ioctl(argv[2], FS_IOC_SET_ENCRYPTION_POLICY, &pol))
		return 1;
	return 0;
}

static int cmd_get_policy(int argc, char **argv)
{
	struct fscrypt_get_policy_ex_arg arg;

	if (argc != 3)
		return usage();
	memset(&arg, 0, sizeof(arg));
	arg.policy_size = sizeof(arg.policy);
	if (path_ioctl(argv[2], FS_IOC_GET_ENCRYPTION_POLICY_EX, &arg))
		return 1;
	if (arg.policy.version != FSCRYPT_POLICY_V2) {
		fprintf(stderr, "fscrypt_tool: %s has a v%u policy, not v2\n", argv[2],
			arg.policy.version + 1);
		return 1;
	}
	print_identifier(arg.policy.v2.master_key_identifier);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "add", cmd_add },
	{ "remove", cmd_remove },
	{ "status", cmd_status },
	{ "set_policy", cmd_set_policy },
	{ "get_policy", cmd_get_policy },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return usage();
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc, argv);
	return usage();
}
