// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * agree.c - whether the kernel's key is the one the ledger records
 * (szkm_verify_agrees, libszkm.h): the ledger's word on a key is only
 * worth something if the key an application is about to use is that key.
 * The kernel names the device and the key's last change (its registry
 * mark): the ledger must hold that device's history and that event. The
 * kernel may lag the ledger by the one change a key can have waiting for
 * the ledger's proof, so its versions must match the ledger's either as
 * they stand once every event is proven or as they stood before the last
 * change; never a mix of the two. A change made after the checkpoint
 * leaves the kernel at the ledger's states.
 */
#include "libszkm.h"
#include "internal.h"
#include "szkm_event.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* What does not depend on the view: the key, its versions and public keys. */
static int same_key(const struct szkm_verified_key *vk, const struct szkm_key_info *k)
{
	char a[2 * SZKM_KEY_ID_LEN + 1], b[2 * SZKM_KEY_ID_LEN + 1];

	if (memcmp(vk->id, k->id, SZKM_KEY_ID_LEN)) {
		szkm_hex_encode(a, k->id, SZKM_KEY_ID_LEN);
		szkm_hex_encode(b, vk->id, SZKM_KEY_ID_LEN);
		return szkm_verify_fail(-EBADMSG, "key id: the kernel's key is %s, the ledger's %s", a, b);
	}
	if (strcmp(vk->name, k->name))
		return szkm_verify_fail(-EBADMSG, "name: the kernel says '%s', the ledger '%s'",
					k->name, vk->name);
	if (vk->alg != k->alg)
		return szkm_verify_fail(-EBADMSG, "algorithm: the kernel says %s, the ledger %s",
					szkm_alg_name(k->alg), szkm_alg_name(vk->alg));
	for (size_t i = 0; i < vk->nversions; i++) {
		const struct szkm_verified_version *lv = &vk->versions[i];
		const struct szkm_version_info *kv = szkm_key_version(k, lv->num);

		if (!kv)
			return szkm_verify_fail(-EBADMSG, "v%u: the ledger records it, the kernel has no such version",
						lv->num);
		if (kv->has_pub != lv->has_pub ||
		    (lv->has_pub && memcmp(kv->pub, lv->pub, sizeof(lv->pub))))
			return szkm_verify_fail(-EBADMSG, "v%u public key: the kernel's is not the one the ledger records",
						lv->num);
	}
	for (unsigned int i = 0; i < k->nver; i++) {
		const struct szkm_version_info *kv = &k->ver[i];

		/* A pending version cannot be used: its event may be on its way. */
		if (!szkm_verified_version(vk, kv->num) && kv->state != SZKM_VS_PENDING)
			return szkm_verify_fail(-EBADMSG, "v%u: the kernel has it (%s), the ledger's checkpoint does not",
						kv->num, szkm_vstate_name(kv->state));
	}
	return 0;
}

/* The states, all in one view; the first that differs is said. */
static int same_states(const struct szkm_verified_key *vk, const struct szkm_key_info *k,
		       bool before)
{
	for (size_t i = 0; i < vk->nversions; i++) {
		const struct szkm_verified_version *lv = &vk->versions[i];
		const struct szkm_version_info *kv = szkm_key_version(k, lv->num);
		uint8_t want = before ? lv->before : lv->state;

		if (kv->state != want)
			return szkm_verify_fail(-EBADMSG, "v%u state: the kernel says %s, the ledger %s",
						lv->num, szkm_vstate_name(kv->state),
						szkm_vstate_name(want));
	}
	return 0;
}

/* The seq of the key's last state-changing event in the ledger; 0: none. */
static uint64_t ledger_mark(const struct szkm_verified_key *vk)
{
	uint64_t mark = 0;

	for (size_t i = 0; i < vk->nevents; i++)
		if (SZKM_EV_CHANGES_KEY(vk->events[i].type) && vk->events[i].seq > mark)
			mark = vk->events[i].seq;
	return mark;
}

/*
 * The kernel names its key's last change (its registry mark): the ledger
 * must record that very event for this key, or, when the change came
 * after the checkpoint, the kernel must still show the ledger's states
 * (the change waits for its proof).
 */
static int same_mark(const struct szkm_verified_key *vk, const struct szkm_key_info *k,
		     bool *ahead)
{
	uint64_t last = ledger_mark(vk);

	*ahead = k->mark > last;
	if (k->mark < last)
		return szkm_verify_fail(-EBADMSG, "mark: the kernel's key stands at event %llu, the ledger records a later change (event %llu): the kernel holds an older copy of the key",
					(unsigned long long)k->mark, (unsigned long long)last);
	if (!*ahead)
		return 0;
	for (size_t i = 0; i < vk->nevents; i++)
		if (vk->events[i].seq == k->mark)
			return szkm_verify_fail(-EBADMSG, "mark: event %llu is the kernel's last change of the key, the ledger records it as no change",
						(unsigned long long)k->mark);
	return 0;
}

int szkm_verify_agrees(const struct szkm_verified_key *vk, const struct szkm_key_info *kernel)
{
	char a[2 * SZKM_DEVICE_ID_LEN + 1], b[2 * SZKM_DEVICE_ID_LEN + 1], why[512];
	bool ahead;
	int ret;

	szkm_verify_clear();
	if (!vk || !kernel)
		return szkm_ret(szkm_verify_fail(-EINVAL, "szkm_verify_agrees: nothing to compare"));
	if (memcmp(vk->device_id, kernel->device_id, SZKM_DEVICE_ID_LEN)) {
		szkm_hex_encode(a, kernel->device_id, SZKM_DEVICE_ID_LEN);
		szkm_hex_encode(b, vk->device_id, SZKM_DEVICE_ID_LEN);
		return szkm_ret(szkm_verify_fail(-EBADMSG, "device: the kernel's key is device %.16s...'s, the ledger's history is device %.16s...'s",
						 a, b));
	}
	ret = same_key(vk, kernel) ?: same_mark(vk, kernel, &ahead);
	if (ret)
		return szkm_ret(ret);
	if (!same_states(vk, kernel, false))
		return 0;
	/* A change after the checkpoint: the kernel shows the ledger's states
	 * until it is proven; nothing else is an excuse. */
	if (ahead)
		return szkm_ret(szkm_verify_fail(-EBADMSG, "%s (the kernel's key changed at event %llu, after the ledger's checkpoint: verify again)",
						 szkm_verify_message(), (unsigned long long)kernel->mark));
	/* Said as the ledger has it once proven: the lagging view is the excuse. */
	snprintf(why, sizeof(why), "%s", szkm_verify_message());
	if (!same_states(vk, kernel, true)) {
		szkm_verify_clear();
		return 0;
	}
	return szkm_ret(szkm_verify_fail(-EBADMSG, "%s", why));
}
