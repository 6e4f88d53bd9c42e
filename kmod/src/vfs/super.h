/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_SUPER_H_
#define _SCOUTFS_VFS_SUPER_H_

int scoutfs_super_init(void);
void scoutfs_super_exit(void);

#endif
