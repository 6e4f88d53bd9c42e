/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_INODE_H_
#define _SCOUTFS_VFS_INODE_H_

#include <linux/fs.h>
#include <linux/rwsem.h>

#include "kcompat.h"

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
	struct timespec64 crtime;
	u64 refresh_gen;	/* of the lock the fields were read under */
	bool item_stale;	/* changed inside an operation: ->write_inode writes it */
	spinlock_t io_lock;
	struct list_head io_list;	/* struct scoutfs_data_io of tasks in our file ops */
	struct list_head data_entry;	/* ordered data lists (data.c) */
	u8 data_list;			/* which one it is on (data.c) */
	struct rw_semaphore xattr_rwsem;	/* an xattr's parts change together */
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
/* the same without a cluster lock, for the root at mount (see inode.c) */
struct inode *scoutfs_iget_unlocked(struct super_block *sb, u64 ino);

struct scoutfs_lock;
struct scoutfs_op_locks;

/*
 * Store an inode in its item (and move its meta_seq index item to this
 * transaction).  The caller holds the transaction and ol's locks.
 */
int scoutfs_inode_write(struct inode *inode, const struct scoutfs_op_locks *ol);

/* delete the inode's meta_seq and data_seq index items (locks and transaction held) */
int scoutfs_inode_delete_index_items(struct inode *inode, const struct scoutfs_op_locks *ol);

/* read the inode's item again if it was read under an older grant of lock */
int scoutfs_inode_refresh(struct inode *inode, struct scoutfs_lock *lock);

/* an inode number never used before, from the mount's range */
int scoutfs_alloc_ino(struct super_block *sb, u64 *ino);

/*
 * A new inode numbered ino (scoutfs_alloc_ino()) in dir, its items
 * created; returned locked and new (unlock_new_inode() once it's
 * linked).  The caller holds the transaction and the locks.
 */
struct inode *scoutfs_new_inode(KC_VFS_IDMAP *idmap, struct inode *dir, umode_t mode,
				dev_t rdev, u64 ino, const struct scoutfs_op_locks *ol);

/* locks and transaction of a changing operation (see inode.c) */
int scoutfs_inode_op_begin(struct inode *inode, struct inode *dir, struct scoutfs_op_locks *ol);
/* the same for an operation that frees space: it may use the reserve (items/trans.h) */
int scoutfs_inode_op_begin_freeing(struct inode *inode, struct inode *dir,
				   struct scoutfs_op_locks *ol);
int scoutfs_inode_op_take(struct super_block *sb, struct scoutfs_op_locks *ol);
int scoutfs_inode_op_refresh(struct inode *inode, struct inode *dir, struct scoutfs_op_locks *ol);
void scoutfs_inode_op_end(struct inode *inode, struct scoutfs_op_locks *ol);

int scoutfs_fsync(struct file *file, loff_t start, loff_t end, int datasync);
int scoutfs_drop_inode(struct inode *inode);
void scoutfs_evict_inode(struct inode *inode);
void scoutfs_dirty_inode(struct inode *inode, int flags);
int scoutfs_write_inode(struct inode *inode, struct writeback_control *wbc);
int scoutfs_setattr(KC_VFS_IDMAP *idmap, struct dentry *dentry, struct iattr *attr);
int scoutfs_getattr(KC_VFS_IDMAP *idmap, const struct path *path, struct kstat *stat,
		    u32 request_mask, unsigned int query_flags);

extern const struct inode_operations scoutfs_symlink_iops;
extern const struct inode_operations scoutfs_special_iops;

#endif
