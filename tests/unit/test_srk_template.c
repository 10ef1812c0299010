// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_srk_template.c - SZKM_TPM2_SRK_TEMPLATE (include/szkm.h), the bytes
 * the module and szkmctl send as the SRK's inPublic, against tpm2-tss's
 * marshalling of the TCG SRK template for ECC NIST P-256 (TCG TPM v2.0
 * Provisioning Guidance, 7.5.1), written here field by field from the spec
 * values, as tpm2-tss users write it: if the two differ, the module and the
 * TPM's standard SRK are not the same key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <tss2/tss2_mu.h>

#include "szkm.h"

static const uint8_t tmpl[] = SZKM_TPM2_SRK_TEMPLATE;

/* The TCG SRK template (ECC NIST P-256), independently of szkm.h. */
static void spec_template(TPMT_PUBLIC *p)
{
	memset(p, 0, sizeof(*p));
	p->type = TPM2_ALG_ECC;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			      TPMA_OBJECT_SENSITIVEDATAORIGIN |
			      TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA |
			      TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	p->authPolicy.size = 0;
	p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
	p->parameters.eccDetail.symmetric.keyBits.aes = 128;
	p->parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	p->unique.ecc.x.size = 32;
	p->unique.ecc.y.size = 32;
}

/* Marshals @p; returns the length. */
static size_t marshal(const TPMT_PUBLIC *p, uint8_t *buf, size_t size)
{
	size_t off = 0;

	assert_int_equal(Tss2_MU_TPMT_PUBLIC_Marshal(p, buf, size, &off), TSS2_RC_SUCCESS);
	return off;
}

static void macro_is_what_tss_marshals(void **state)
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	TPMT_PUBLIC p;

	(void)state;
	assert_int_equal(sizeof(tmpl), SZKM_TPM2_SRK_TEMPLATE_LEN);
	spec_template(&p);
	assert_int_equal(p.objectAttributes, SZKM_TPM2_SRK_ATTRS);
	assert_int_equal(marshal(&p, buf, sizeof(buf)), SZKM_TPM2_SRK_TEMPLATE_LEN);
	assert_memory_equal(buf, tmpl, SZKM_TPM2_SRK_TEMPLATE_LEN);
}

/* The module sends the template as a TPM2B_PUBLIC: be16 90 || template. */
static void tpm2b_public_is_size_then_macro(void **state)
{
	uint8_t buf[sizeof(TPM2B_PUBLIC)];
	TPM2B_PUBLIC pub = { 0 };
	size_t off = 0;

	(void)state;
	spec_template(&pub.publicArea);
	assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Marshal(&pub, buf, sizeof(buf), &off),
			 TSS2_RC_SUCCESS);
	assert_int_equal(off, 2 + SZKM_TPM2_SRK_TEMPLATE_LEN);
	assert_int_equal(buf[0], SZKM_TPM2_SRK_TEMPLATE_LEN >> 8);
	assert_int_equal(buf[1], SZKM_TPM2_SRK_TEMPLATE_LEN & 0xff);
	assert_memory_equal(buf + 2, tmpl, SZKM_TPM2_SRK_TEMPLATE_LEN);
}

static void macro_unmarshals_to_each_field(void **state)
{
	static const uint8_t zero[32];
	const TPMS_ECC_PARMS *ecc;
	TPMT_PUBLIC p;
	size_t off = 0;

	(void)state;
	memset(&p, 0x55, sizeof(p));
	assert_int_equal(Tss2_MU_TPMT_PUBLIC_Unmarshal(tmpl, sizeof(tmpl), &off, &p),
			 TSS2_RC_SUCCESS);
	assert_int_equal(off, SZKM_TPM2_SRK_TEMPLATE_LEN);
	assert_int_equal(p.type, TPM2_ALG_ECC);
	assert_int_equal(p.nameAlg, TPM2_ALG_SHA256);
	assert_int_equal(p.objectAttributes, 0x00030472);
	assert_true(p.objectAttributes & TPMA_OBJECT_FIXEDTPM);
	assert_true(p.objectAttributes & TPMA_OBJECT_FIXEDPARENT);
	assert_true(p.objectAttributes & TPMA_OBJECT_SENSITIVEDATAORIGIN);
	assert_true(p.objectAttributes & TPMA_OBJECT_USERWITHAUTH);
	assert_true(p.objectAttributes & TPMA_OBJECT_NODA);
	assert_true(p.objectAttributes & TPMA_OBJECT_RESTRICTED);
	assert_true(p.objectAttributes & TPMA_OBJECT_DECRYPT);
	assert_false(p.objectAttributes & TPMA_OBJECT_SIGN_ENCRYPT);
	assert_false(p.objectAttributes & TPMA_OBJECT_ADMINWITHPOLICY);
	assert_int_equal(p.authPolicy.size, 0);
	ecc = &p.parameters.eccDetail;
	assert_int_equal(ecc->symmetric.algorithm, TPM2_ALG_AES);
	assert_int_equal(ecc->symmetric.keyBits.aes, 128);
	assert_int_equal(ecc->symmetric.mode.aes, TPM2_ALG_CFB);
	assert_int_equal(ecc->scheme.scheme, TPM2_ALG_NULL);
	assert_int_equal(ecc->curveID, TPM2_ECC_NIST_P256);
	assert_int_equal(ecc->kdf.scheme, TPM2_ALG_NULL);
	assert_int_equal(p.unique.ecc.x.size, 32);
	assert_memory_equal(p.unique.ecc.x.buffer, zero, 32);
	assert_int_equal(p.unique.ecc.y.size, 32);
	assert_memory_equal(p.unique.ecc.y.buffer, zero, 32);
}

/* The comparison can fail: a one-bit change of the template shows. */
static void other_templates_differ(void **state)
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	TPMT_PUBLIC p, q;
	size_t off = 0;

	(void)state;
	/* noDA off (TPMA 0x400, objectAttributes byte 2: template byte 6) */
	spec_template(&p);
	p.objectAttributes &= ~TPMA_OBJECT_NODA;
	assert_int_equal(marshal(&p, buf, sizeof(buf)), SZKM_TPM2_SRK_TEMPLATE_LEN);
	assert_memory_not_equal(buf, tmpl, SZKM_TPM2_SRK_TEMPLATE_LEN);
	for (size_t i = 0; i < SZKM_TPM2_SRK_TEMPLATE_LEN; i++)
		assert_int_equal(buf[i] ^ tmpl[i], i == 6 ? 0x04 : 0);

	/* empty unique (another common template): 64 bytes shorter */
	spec_template(&p);
	p.unique.ecc.x.size = p.unique.ecc.y.size = 0;
	assert_int_equal(marshal(&p, buf, sizeof(buf)), SZKM_TPM2_SRK_TEMPLATE_LEN - 64);

	/* AES-256 instead of AES-128 */
	spec_template(&p);
	p.parameters.eccDetail.symmetric.keyBits.aes = 256;
	assert_int_equal(marshal(&p, buf, sizeof(buf)), SZKM_TPM2_SRK_TEMPLATE_LEN);
	assert_memory_not_equal(buf, tmpl, SZKM_TPM2_SRK_TEMPLATE_LEN);

	/* a truncated template does not unmarshal */
	assert_int_not_equal(Tss2_MU_TPMT_PUBLIC_Unmarshal(tmpl, sizeof(tmpl) - 1, &off, &q),
			     TSS2_RC_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(macro_is_what_tss_marshals),
		cmocka_unit_test(tpm2b_public_is_size_then_macro),
		cmocka_unit_test(macro_unmarshals_to_each_field),
		cmocka_unit_test(other_templates_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
