/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_INTERFACE_MOUNT_SYSFS_H_
#define _SCOUTFS_INTERFACE_MOUNT_SYSFS_H_

int scoutfs_mount_sysfs_init(void);
void scoutfs_mount_sysfs_exit(void);

#endif
