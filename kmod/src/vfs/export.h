/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_EXPORT_H_
#define _SCOUTFS_VFS_EXPORT_H_

#include <linux/exportfs.h>

/*
 * File handle types (struct file_handle's handle_type, the NFS fh's
 * fileid type).  Clients keep handles across our remounts and reboots,
 * so these and the layouts in export.c never change.
 */
#define SCOUTFS_FILEID_INO		0x53	/* __le64 ino */
#define SCOUTFS_FILEID_INO_PARENT	0x54	/* __le64 ino, __le64 parent ino */

extern const struct export_operations scoutfs_export_ops;

#endif
