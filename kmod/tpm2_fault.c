// SPDX-License-Identifier: GPL-2.0
/*
 * tpm2_fault.c - TEST BUILDS ONLY: faults on the TPM bus, put between
 * tpm2.c and the TPM driver, so that tests can show what the module does
 * when they happen. Empty in kmod/szkm.ko. Each build has one flag:
 *
 * -DSZKM_TPM2_TEST_LATE (h/13-tpm-late): a starved TPM. The test_late-th
 *   command from the write of that parameter runs, but the module is told
 *   its answer came late (-ETIME), as when the driver gave up waiting;
 *   with test_late_all, every command.
 *
 * -DSZKM_TPM2_TEST_BUS (h/15-tpm-interposer): an active interposer on the
 *   bus, who sees every command and response but holds no session key.
 *   At the test_bus_at-th command (default 1) whose code is test_bus_cc
 *   after test_bus is set, it does one thing, then stands down (test_bus
 *   reads 0 again):
 *     1 forge:  drops the command, and answers success with the session
 *               area an interposer can make (fresh nonce, made-up HMAC);
 *     2 hide:   lets the command run, and answers TPM_RC_FAILURE instead;
 *     3 replay: lets the command run, and answers with the TPM's answer
 *               to the command of that code before it, word for word.
 *   It logs "interposer:" and what it did.
 */
#include "tpm2_fault.h"

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#ifdef SZKM_TPM2_TEST_LATE
static atomic_t szkm_test_late_n = ATOMIC_INIT(0);
static uint szkm_test_late;
static bool szkm_test_late_all;

static int szkm_test_late_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_uint(val, kp);

	if (!ret)
		atomic_set(&szkm_test_late_n, 0);
	return ret;
}

static const struct kernel_param_ops szkm_test_late_ops = {
	.set = szkm_test_late_set,
	.get = param_get_uint,
};
module_param_cb(test_late, &szkm_test_late_ops, &szkm_test_late, 0644);
MODULE_PARM_DESC(test_late, "TEST BUILD: the Nth TPM answer from now is late (0: none)");
module_param_named(test_late_all, szkm_test_late_all, bool, 0644);
MODULE_PARM_DESC(test_late_all, "TEST BUILD: every TPM answer is late");

ssize_t szkm_tpm2_transmit(struct tpm_chip *chip, struct tpm_buf *buf)
{
	ssize_t rc = tpm_transmit_cmd(chip, buf, 0, NULL);
	uint k = READ_ONCE(szkm_test_late);

	if (READ_ONCE(szkm_test_late_all) ||
	    (k && atomic_inc_return(&szkm_test_late_n) == k))
		rc = -ETIME;
	return rc;
}

void szkm_tpm2_fault_warn(void)
{
	pr_crit("TEST BUILD: TPM answers can be made to look late (test_late). Never use this module on a real machine.\n");
}
#endif

#ifdef SZKM_TPM2_TEST_BUS
enum { BUS_OFF, BUS_FORGE, BUS_HIDE, BUS_REPLAY };

#define BUS_RC_FAILURE	0x101
#define BUS_DIGEST	32

static DEFINE_MUTEX(szkm_bus_lock);
static uint szkm_bus_mode;
static uint szkm_bus_cc;
static uint szkm_bus_at = 1;
static uint szkm_bus_n;		/* commands of that code since test_bus was set */
static u8 *szkm_bus_seen;	/* replay: the last answer to szkm_bus_cc */

static int szkm_bus_set(const char *val, const struct kernel_param *kp)
{
	int ret;

	mutex_lock(&szkm_bus_lock);
	ret = param_set_uint(val, kp);
	szkm_bus_n = 0;
	kfree(szkm_bus_seen);
	szkm_bus_seen = NULL;
	mutex_unlock(&szkm_bus_lock);
	return ret;
}

static const struct kernel_param_ops szkm_bus_ops = {
	.set = szkm_bus_set,
	.get = param_get_uint,
};
module_param_cb(test_bus, &szkm_bus_ops, &szkm_bus_mode, 0644);
MODULE_PARM_DESC(test_bus, "TEST BUILD: interposer at the next test_bus_cc command: 1 forge, 2 hide, 3 replay (0: none)");
module_param_named(test_bus_cc, szkm_bus_cc, uint, 0644);
MODULE_PARM_DESC(test_bus_cc, "TEST BUILD: the command code the interposer waits for");
module_param_named(test_bus_at, szkm_bus_at, uint, 0644);
MODULE_PARM_DESC(test_bus_at, "TEST BUILD: the interposer acts at the Nth such command (1: the first)");

static u32 szkm_bus_len(const struct tpm_buf *buf)
{
	return be32_to_cpu(((const struct tpm_header *)buf->data)->length);
}

/* A success answer with no handle and no parameter, and a made-up session. */
static void szkm_bus_forge(struct tpm_buf *buf)
{
	u8 rnd[BUS_DIGEST];

	tpm_buf_reset(buf, TPM2_ST_SESSIONS, 0);
	tpm_buf_append_u32(buf, 0);		/* parameterSize */
	get_random_bytes(rnd, sizeof(rnd));
	tpm_buf_append_u16(buf, BUS_DIGEST);	/* nonceTPM */
	tpm_buf_append(buf, rnd, sizeof(rnd));
	tpm_buf_append_u8(buf, 1);		/* continueSession */
	get_random_bytes(rnd, sizeof(rnd));
	tpm_buf_append_u16(buf, BUS_DIGEST);	/* hmac */
	tpm_buf_append(buf, rnd, sizeof(rnd));
}

ssize_t szkm_tpm2_transmit(struct tpm_chip *chip, struct tpm_buf *buf)
{
	u32 cc = be32_to_cpu(((const struct tpm_header *)buf->data)->ordinal);
	const char *did = NULL;
	bool due;
	ssize_t rc;

	mutex_lock(&szkm_bus_lock);
	due = szkm_bus_mode && cc == szkm_bus_cc && ++szkm_bus_n >= szkm_bus_at;
	if (due && szkm_bus_mode == BUS_FORGE) {
		szkm_bus_forge(buf);
		rc = 0;
		did = "dropped it and forged a success answer";
		goto fired;
	}
	rc = tpm_transmit_cmd(chip, buf, 0, NULL);
	if (rc || !szkm_bus_mode || cc != szkm_bus_cc)
		goto out;
	if (due && szkm_bus_mode == BUS_HIDE) {
		tpm_buf_reset(buf, TPM2_ST_NO_SESSIONS, BUS_RC_FAILURE);
		rc = BUS_RC_FAILURE;
		did = "let it run and answered TPM_RC_FAILURE";
	} else if (due && szkm_bus_mode == BUS_REPLAY && szkm_bus_seen) {
		memcpy(buf->data, szkm_bus_seen,
		       be32_to_cpu(((const struct tpm_header *)szkm_bus_seen)->length));
		did = "let it run and replayed the TPM's answer to the one before";
	} else {
		if (szkm_bus_mode == BUS_REPLAY) {	/* kept, to replay */
			kfree(szkm_bus_seen);
			szkm_bus_seen = kmemdup(buf->data, szkm_bus_len(buf), GFP_KERNEL);
		}
		goto out;
	}
fired:
	pr_warn("interposer: TPM command 0x%03x: %s\n", cc, did);
	szkm_bus_mode = BUS_OFF;
	kfree(szkm_bus_seen);
	szkm_bus_seen = NULL;
out:
	mutex_unlock(&szkm_bus_lock);
	return rc;
}

void szkm_tpm2_fault_warn(void)
{
	pr_crit("TEST BUILD: an interposer on the TPM bus (test_bus). Never use this module on a real machine.\n");
}
#endif
