// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libszkm_client.c - an application of libszkm.so for tests/ledger/80-libszkm.sh:
 * verifies one key against a ledger node, as a program linked with the
 * shared library would, and prints what the library said.
 *
 *   libszkm-client URL KEYID STATE THRESHOLD VKEY...
 *
 * Success (exit 0): "ok events=N size=S signers=K previous=P|none
 * active=vA states=v1:STATE,v2:STATE,...". Refusal (exit 1): "refused
 * ERRNO-NAME: <szkm_verify_message()>".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libszkm.h>

static int refused(int ret)
{
	printf("refused %s: %s\n", strerrorname_np(-ret) ?: "?", szkm_verify_message());
	return 1;
}

int main(int argc, char *argv[])
{
	struct szkm_verifier_opts o = { .ledger = argv[1], .state = argv[3],
					.keys = (const char *const *)argv + 5 };
	struct szkm_verified_key *vk;
	struct szkm_verifier *v;
	uint8_t id[16];
	int ret;

	if (argc < 6 || szkm_hex_decode(id, sizeof(id), argv[2])) {
		fprintf(stderr, "Usage: %s URL KEYID STATE THRESHOLD VKEY...\n", argv[0]);
		return 2;
	}
	o.threshold = (unsigned int)atoi(argv[4]);
	o.nkeys = (size_t)argc - 5;
	ret = szkm_verifier_new(&o, &v);
	if (ret)
		return refused(ret);
	ret = szkm_verify_key(v, id, &vk);
	szkm_verifier_free(v);
	if (ret)
		return refused(ret);
	printf("ok events=%zu size=%llu signers=%u previous=", vk->nevents,
	       (unsigned long long)vk->size, vk->signers);
	if (vk->has_previous)
		printf("%llu", (unsigned long long)vk->previous_size);
	else
		printf("none");
	printf(" active=v%u states=", vk->active);
	for (size_t i = 0; i < vk->nversions; i++)
		printf("%sv%u:%s", i ? "," : "", vk->versions[i].num,
		       szkm_vstate_name(vk->versions[i].state));
	printf("\n");
	szkm_verified_key_free(vk);
	return 0;
}
