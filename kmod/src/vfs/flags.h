/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_FLAGS_H_
#define _SCOUTFS_VFS_FLAGS_H_

#include <linux/fs.h>
#include <linux/fileattr.h>

#include "kcompat.h"

/*
 * Inode attribute flags (chattr/lsattr through FS_IOC_GETFLAGS and
 * FS_IOC_SETFLAGS): append only, immutable, no atime, sync and no dump,
 * kept in the INODE item's flags and mirrored into i_flags, where the
 * VFS enforces them.
 */
void scoutfs_flags_to_vfs(struct inode *inode);
int scoutfs_fileattr_get(struct dentry *dentry, struct fileattr *fa);
int scoutfs_fileattr_set(KC_VFS_IDMAP *idmap, struct dentry *dentry, struct fileattr *fa);

#endif
