// SPDX-License-Identifier: GPL-2.0
/*
 * selftest.c - runs every known-answer test at module load, before anything
 * registers, like a FIPS power-on self-test: one failure and the module
 * refuses to load. Each prints "<name> self-tests: pass" or FAIL.
 */
#include "szkm_main.h"
#include "aead.h"
#include "hkdf.h"
#include "ledger_proof.h"
#include "tpm2_session.h"
#include "crypto/p256.h"

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

/* Tests of the refusal path only: report the named self-test as failed. */
static char *selftest_fault;
module_param(selftest_fault, charp, 0);
MODULE_PARM_DESC(selftest_fault, "testing only: treat this self-test as failed");

static const struct {
	const char *name;
	int (*run)(void);
} szkm_selftest_table[] __initconst = {
	{ "aes256-gcm", szkm_aead_selftest },
	{ "hkdf-sha256", szkm_hkdf_selftest },
	{ "p256", szkm_p256_selftest },
	{ "tpm2-session", szkm_tpm2_session_selftest },
	{ "ledger-proof", szkm_ledger_proof_selftest },
};

int __init szkm_selftests(void)
{
	bool failed = false;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(szkm_selftest_table); i++) {
		int ret = szkm_selftest_table[i].run();

		if (selftest_fault && !strcmp(selftest_fault, szkm_selftest_table[i].name))
			ret = -EBADMSG;

		if (ret) {
			pr_err("%s self-tests: FAIL (%d)\n", szkm_selftest_table[i].name, ret);
			failed = true;
		} else {
			pr_info("%s self-tests: pass\n", szkm_selftest_table[i].name);
		}
	}
	return failed ? -ENOTRECOVERABLE : 0;
}
