/* SPDX-License-Identifier: GPL-2.0 */
/* keytype.h - the key type "szkm". */
#ifndef _SZKM_KEYTYPE_H
#define _SZKM_KEYTYPE_H

#include <linux/types.h>

int szkm_keytype_init(void);
void szkm_keytype_uninit(void);
u32 szkm_keytype_count(void);

#endif /* _SZKM_KEYTYPE_H */
