/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_DIR_H_
#define _SCOUTFS_VFS_DIR_H_

#include <linux/fs.h>

extern const struct inode_operations scoutfs_dir_iops;
extern const struct file_operations scoutfs_dir_fops;
/* every dentry's: names are checked against other mounts' changes */
extern const struct dentry_operations scoutfs_dentry_ops;

#endif
