/* SPDX-License-Identifier: GPL-2.0 */
/* szkm_main.h - module-wide settings shared by every part. */
#ifndef _SZKM_MAIN_H
#define _SZKM_MAIN_H

#include <linux/types.h>
#include "szkm.h"

/* The release: kmod/Kbuild reads it from the top-level VERSION file. */
#ifndef SZKM_VERSION
#error "SZKM_VERSION comes from the VERSION file through kmod/Kbuild"
#endif

extern bool szkm_test_mode;

/*
 * A reason for userspace (the extended ack) starts with "szkm: "; the
 * kernel log, whose pr_fmt adds that already, prints szkm_msg_text().
 */
#define SZKM_MSG(text)		"szkm: " text
#define szkm_msg_text(msg)	((msg) + sizeof("szkm: ") - 1)

/* Known-answer self-tests of every algorithm; 0 or -ENOTRECOVERABLE. */
int szkm_selftests(void);

#endif /* _SZKM_MAIN_H */
