// SPDX-License-Identifier: GPL-2.0
/*
 * keytype.c - the key type "szkm": the keyring hooks. Until the secure-zone
 * part lands, every instantiation is refused with a message that says so.
 */
#include "keytype.h"
#include "szkm_main.h"

#include <linux/key-type.h>
#include <linux/atomic.h>

static atomic_t szkm_nkeys = ATOMIC_INIT(0);

u32 szkm_keytype_count(void)
{
	return atomic_read(&szkm_nkeys);
}

static int szkm_key_preparse(struct key_preparsed_payload *prep)
{
	pr_info_ratelimited("key commands are not implemented yet\n");
	return -EOPNOTSUPP;
}

static void szkm_key_free_preparse(struct key_preparsed_payload *prep)
{
}

static struct key_type szkm_key_type = {
	.name = SZKM_KEY_TYPE,
	.preparse = szkm_key_preparse,
	.free_preparse = szkm_key_free_preparse,
	.instantiate = generic_key_instantiate,
};

int __init szkm_keytype_init(void)
{
	return register_key_type(&szkm_key_type);
}

void szkm_keytype_uninit(void)
{
	unregister_key_type(&szkm_key_type);
}
