/* SPDX-License-Identifier: GPL-2.0 */
/* netlink.h - the generic netlink family "szkm". */
#ifndef _SZKM_NETLINK_H
#define _SZKM_NETLINK_H

int szkm_netlink_init(void);
void szkm_netlink_uninit(void);

#endif /* _SZKM_NETLINK_H */
