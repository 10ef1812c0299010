// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tpm_info.c - `szkmctl tpm info [--json]`: the TPM's manufacturer, vendor
 * string, firmware version, spec revision, PCR banks, lockout, and
 * whether the storage key szkm uses is at 0x81000001.
 */
#include "subcommands.h"
#include "tpm_esys.h"
#include "szkm.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* A TPM property holds up to four ASCII characters, big-endian. */
static void prop_chars(char *out, uint32_t v)
{
	int n = 0;

	for (int i = 3; i >= 0; i--) {
		char c = (char)((v >> (8 * i)) & 0xff);

		if (c && isprint((unsigned char)c))
			out[n++] = c;
	}
	out[n] = 0;
}

static const char *hash_name(TPM2_ALG_ID alg)
{
	switch (alg) {
	case TPM2_ALG_SHA1: return "sha1";
	case TPM2_ALG_SHA256: return "sha256";
	case TPM2_ALG_SHA384: return "sha384";
	case TPM2_ALG_SHA512: return "sha512";
	case TPM2_ALG_SM3_256: return "sm3_256";
	default: return "unknown";
	}
}

struct tpm_props {
	uint32_t manufacturer, vendor[4], fw1, fw2, revision, year, permanent;
};

static int read_props(struct szkmctl_tpm *t, TPM2_PT first, uint32_t count,
		      struct tpm_props *p)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;

	rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				TPM2_CAP_TPM_PROPERTIES, first, count, &more, &cap);
	if (rc != TSS2_RC_SUCCESS) {
		szkmctl_tpm_report("Unable to read the TPM properties", rc);
		return -1;
	}
	for (uint32_t i = 0; i < cap->data.tpmProperties.count; i++) {
		uint32_t v = cap->data.tpmProperties.tpmProperty[i].value;

		switch (cap->data.tpmProperties.tpmProperty[i].property) {
		case TPM2_PT_MANUFACTURER: p->manufacturer = v; break;
		case TPM2_PT_VENDOR_STRING_1: p->vendor[0] = v; break;
		case TPM2_PT_VENDOR_STRING_2: p->vendor[1] = v; break;
		case TPM2_PT_VENDOR_STRING_3: p->vendor[2] = v; break;
		case TPM2_PT_VENDOR_STRING_4: p->vendor[3] = v; break;
		case TPM2_PT_FIRMWARE_VERSION_1: p->fw1 = v; break;
		case TPM2_PT_FIRMWARE_VERSION_2: p->fw2 = v; break;
		case TPM2_PT_REVISION: p->revision = v; break;
		case TPM2_PT_YEAR: p->year = v; break;
		case TPM2_PT_PERMANENT: p->permanent = v; break;
		}
	}
	Esys_Free(cap);
	return 0;
}

/* "sha1,sha256" (banks with at least one PCR selected) into @out. */
static int read_banks(struct szkmctl_tpm *t, char *out, size_t outlen)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;
	size_t n = 0;

	out[0] = 0;
	rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				TPM2_CAP_PCRS, 0, 1, &more, &cap);
	if (rc != TSS2_RC_SUCCESS) {
		szkmctl_tpm_report("Unable to read the PCR banks", rc);
		return -1;
	}
	for (uint32_t i = 0; i < cap->data.assignedPCR.count; i++) {
		const TPMS_PCR_SELECTION *s = &cap->data.assignedPCR.pcrSelections[i];
		int npcr = 0;

		for (int b = 0; b < s->sizeofSelect; b++)
			npcr += __builtin_popcount(s->pcrSelect[b]);
		if (!npcr)
			continue;
		n += (size_t)snprintf(out + n, n < outlen ? outlen - n : 0, "%s%s",
				      n ? "," : "", hash_name(s->hash));
	}
	Esys_Free(cap);
	return 0;
}

int tpm_info_main(int argc, char *argv[])
{
	struct tpm_props p = { 0 };
	char manu[5], vendor[17] = "", banks[128];
	struct szkmctl_tpm t;
	int json = 0, srk, ret = EXIT_FAILED;

	if (argc == 2 && !strcmp(argv[1], "--json"))
		json = 1;
	else if (argc != 1) {
		fprintf(stderr, "Usage: %s tpm info [--json]\n", PROG_NAME);
		return EXIT_USAGE;
	}
	if (szkmctl_tpm_open(&t))
		return EXIT_FAILED;
	if (read_props(&t, TPM2_PT_FIXED, TPM2_MAX_TPM_PROPERTIES, &p) ||
	    read_props(&t, TPM2_PT_PERMANENT, 1, &p) ||
	    read_banks(&t, banks, sizeof(banks)))
		goto out;
	srk = szkmctl_tpm_has_persistent(&t, SZKM_TPM2_SRK_HANDLE);
	if (srk < 0)
		goto out;
	prop_chars(manu, p.manufacturer);
	for (int i = 0; i < 4; i++)
		prop_chars(vendor + strlen(vendor), p.vendor[i]);
	if (json)
		printf("{\"manufacturer\":\"%s\",\"vendor\":\"%s\",\"firmware\":\"%u.%u.%u.%u\","
		       "\"spec_revision\":\"%u.%02u\",\"pcr_banks\":\"%s\",\"lockout\":%s,\"srk\":%s}\n",
		       manu, vendor, p.fw1 >> 16, p.fw1 & 0xffff, p.fw2 >> 16, p.fw2 & 0xffff,
		       p.revision / 100, p.revision % 100, banks,
		       (p.permanent & TPMA_PERMANENT_INLOCKOUT) ? "true" : "false",
		       srk ? "true" : "false");
	else
		printf("manufacturer:  %s (0x%08x)\nvendor:        %s\nfirmware:      %u.%u.%u.%u\n"
		       "spec revision: %u.%02u (%u)\npcr banks:     %s\nlockout:       %s\n"
		       "storage key:   %s\n",
		       manu, p.manufacturer, vendor, p.fw1 >> 16, p.fw1 & 0xffff, p.fw2 >> 16,
		       p.fw2 & 0xffff, p.revision / 100, p.revision % 100, p.year, banks,
		       (p.permanent & TPMA_PERMANENT_INLOCKOUT) ? "IN LOCKOUT" : "no",
		       srk ? "0x81000001 (persistent SRK)" : "none at 0x81000001 (szkmctl tpm provision makes it)");
	ret = EXIT_OK;
out:
	szkmctl_tpm_close(&t);
	return ret;
}
