/* SPDX-License-Identifier: GPL-2.0-or-later */
/* subcommands.h - one *_main per szkmctl subcommand, each in its own file. */
#ifndef SZKMCTL_SUBCOMMANDS_H
#define SZKMCTL_SUBCOMMANDS_H

#define PROG_NAME "szkmctl"
#define SZKMCTL_VERSION "0.1.0"

/* Exit codes, as keyctl: 0 done, 1 the operation failed, 2 usage. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

int status_main(int argc, char *argv[]);

#endif
