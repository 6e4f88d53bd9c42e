/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_INODE_H_
#define _SCOUTFS_VFS_INODE_H_

#include <linux/fs.h>

/* the scoutfs fields of an inode that the VFS inode doesn't hold */
struct scoutfs_inode_info {
	u64 meta_seq;
	u64 data_seq;
	u64 data_version;
	u64 online_blocks;
	u64 offline_blocks;
	u64 next_readdir_pos;
	u64 next_xattr_id;
	u64 flags;
	struct inode vfs_inode;
};

static inline struct scoutfs_inode_info *SCOUTFS_I(struct inode *inode)
{
	return container_of(inode, struct scoutfs_inode_info, vfs_inode);
}

int scoutfs_inode_init(void);
void scoutfs_inode_exit(void);

struct inode *scoutfs_alloc_inode(struct super_block *sb);
void scoutfs_free_inode(struct inode *inode);

/* the inode, read from its item if it isn't cached; ERR_PTR on failure */
struct inode *scoutfs_iget(struct super_block *sb, u64 ino);

#endif
