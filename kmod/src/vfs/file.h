/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_FILE_H_
#define _SCOUTFS_VFS_FILE_H_

#include <linux/fs.h>
#include <linux/fiemap.h>

/* regular files' operations (vfs/file.c) */
extern const struct file_operations scoutfs_file_fops;
void scoutfs_file_set_aops(struct inode *inode);
int scoutfs_fiemap(struct inode *inode, struct fiemap_extent_info *fieinfo, u64 start, u64 len);
int scoutfs_file_fsync(struct file *file, loff_t start, loff_t end, int datasync);

#endif
