// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tpm_info.c - `szkmctl tpm info [--json]`: the TPM's manufacturer, vendor
 * string, firmware version, spec revision, PCR banks, lockout, and
 * whether the storage key szkm uses is at 0x81000001. When the module
 * answers: its device's lock PCR as the TPM has it now (SHA-256 bank: at
 * its reset value, or capped) and how its TPM session runs.
 */
#include "subcommands.h"
#include "tpm_esys.h"
#include "libszkm.h"
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

/*
 * The SHA-256 value of @pcr into @value: 1 read, 0 when the TPM has no
 * SHA-256 bank with that PCR, -1 on error (said on stderr).
 */
static int read_pcr(struct szkmctl_tpm *t, unsigned int pcr, uint8_t value[32])
{
	TPML_PCR_SELECTION sel = { .count = 1 };
	TPML_PCR_SELECTION *out = NULL;
	TPML_DIGEST *values = NULL;
	uint32_t counter;
	TSS2_RC rc;
	int found;

	sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel.pcrSelections[0].sizeofSelect = 3;
	sel.pcrSelections[0].pcrSelect[pcr / 8] = (uint8_t)(1u << (pcr % 8));
	rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel,
			   &counter, &out, &values);
	if (rc != TSS2_RC_SUCCESS) {
		szkmctl_tpm_report("Unable to read the lock PCR", rc);
		return -1;
	}
	found = values->count == 1 && values->digests[0].size == 32;
	if (found)
		memcpy(value, values->digests[0].buffer, 32);
	Esys_Free(out);
	Esys_Free(values);
	return found;
}

/* What the module says of its device's TPM binding and session. */
struct szkm_view {
	int loaded;		/* the module answered */
	int lock_known;		/* a device with a TPM binding */
	unsigned int lock_pcr;
	int have_value;		/* the TPM has that PCR in its SHA-256 bank */
	int capped;		/* off its reset value */
	uint8_t value[32];
	uint32_t session;
};

static int read_szkm_view(struct szkmctl_tpm *t, struct szkm_view *v)
{
	static const uint8_t reset[32];
	struct szkm_status st;
	int r;

	memset(v, 0, sizeof(*v));
	if (szkm_status_get(&st) < 0)
		return 0;	/* no module (or not allowed): the TPM alone */
	v->loaded = 1;
	v->session = st.tpm_session;
	if (!st.has_device_id || !st.has_binding || st.lock_pcr > 23)
		return 0;
	v->lock_known = 1;
	v->lock_pcr = st.lock_pcr;
	r = read_pcr(t, v->lock_pcr, v->value);
	if (r < 0)
		return -1;
	v->have_value = r;
	v->capped = r && memcmp(v->value, reset, sizeof(reset)) != 0;
	return 0;
}

static void json_szkm_view(const struct szkm_view *v)
{
	char hex[65];

	if (v->lock_known && v->have_value) {
		szkm_hex_encode(hex, v->value, sizeof(v->value));
		printf(",\"lock_pcr\":%u,\"lock_pcr_sha256\":\"%s\",\"lock_pcr_capped\":%s",
		       v->lock_pcr, hex, v->capped ? "true" : "false");
	} else if (v->lock_known) {
		printf(",\"lock_pcr\":%u,\"lock_pcr_sha256\":null,\"lock_pcr_capped\":null",
		       v->lock_pcr);
	} else {
		printf(",\"lock_pcr\":null,\"lock_pcr_sha256\":null,\"lock_pcr_capped\":null");
	}
	if (v->loaded)
		printf(",\"tpm_session\":\"%s\"", szkmctl_session_word(v->session));
	else
		printf(",\"tpm_session\":null");
}

static void text_szkm_view(const struct szkm_view *v)
{
	char label[24];

	if (!v->loaded)
		return;
	if (v->lock_known && v->have_value) {
		snprintf(label, sizeof(label), "pcr %u sha256:", v->lock_pcr);
		printf("lock pcr:      %u (szkm's), %s\n%-15s", v->lock_pcr,
		       v->capped ? "capped (no unseal until reboot)"
				 : "at its reset value (the device can be unsealed once)", label);
		szkmctl_print_hex(v->value, sizeof(v->value));
		printf("\n");
	} else if (v->lock_known) {
		printf("lock pcr:      %u (szkm's), not in the TPM's SHA-256 bank\n", v->lock_pcr);
	}
	printf("tpm session:   %s\n", szkmctl_session_text(v->session));
}

int tpm_info_main(int argc, char *argv[])
{
	struct tpm_props p = { 0 };
	char manu[5], vendor[17] = "", banks[128];
	struct szkm_view view;
	struct szkmctl_tpm t;
	int json = 0, srk, ret = EXIT_FAILED;

	if (szkmctl_wants_help(argc, argv)) {
		printf("Usage: %s tpm info [--json]\n"
		       "Shows the TPM: manufacturer, firmware, PCR banks, lockout, storage key, lock PCR.\n",
		       PROG_NAME);
		return EXIT_OK;
	}
	if (szkmctl_only_flag(argc, argv, "--json", &json))
		return EXIT_USAGE;
	if (szkmctl_tpm_open(&t))
		return EXIT_FAILED;
	if (read_props(&t, TPM2_PT_FIXED, TPM2_MAX_TPM_PROPERTIES, &p) ||
	    read_props(&t, TPM2_PT_PERMANENT, 1, &p) ||
	    read_banks(&t, banks, sizeof(banks)))
		goto out;
	srk = szkmctl_tpm_has_persistent(&t, SZKM_TPM2_SRK_HANDLE);
	if (srk < 0 || read_szkm_view(&t, &view))
		goto out;
	prop_chars(manu, p.manufacturer);
	for (int i = 0; i < 4; i++)
		prop_chars(vendor + strlen(vendor), p.vendor[i]);
	if (json) {
		printf("{\"manufacturer\":\"%s\",\"vendor\":\"%s\",\"firmware\":\"%u.%u.%u.%u\","
		       "\"spec_revision\":\"%u.%02u\",\"pcr_banks\":\"%s\",\"lockout\":%s,\"srk\":%s",
		       manu, vendor, p.fw1 >> 16, p.fw1 & 0xffff, p.fw2 >> 16, p.fw2 & 0xffff,
		       p.revision / 100, p.revision % 100, banks,
		       (p.permanent & TPMA_PERMANENT_INLOCKOUT) ? "true" : "false",
		       srk ? "true" : "false");
		json_szkm_view(&view);
		printf("}\n");
	} else {
		printf("manufacturer:  %s (0x%08x)\nvendor:        %s\nfirmware:      %u.%u.%u.%u\n"
		       "spec revision: %u.%02u (%u)\npcr banks:     %s\nlockout:       %s\n"
		       "storage key:   %s\n",
		       manu, p.manufacturer, vendor, p.fw1 >> 16, p.fw1 & 0xffff, p.fw2 >> 16,
		       p.fw2 & 0xffff, p.revision / 100, p.revision % 100, p.year, banks,
		       (p.permanent & TPMA_PERMANENT_INLOCKOUT) ? "IN LOCKOUT" : "no",
		       srk ? "0x81000001 (persistent SRK)" : "none at 0x81000001 (szkmctl tpm provision makes it)");
		text_szkm_view(&view);
	}
	ret = EXIT_OK;
out:
	szkmctl_tpm_close(&t);
	return ret;
}
