/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_OP_LOCKS_H_
#define _SCOUTFS_VFS_OP_LOCKS_H_

#include <linux/fs.h>

#include "format/format.h"
#include "format/wire.h"
#include "items/item.h"

struct scoutfs_lock;

/*
 * The cluster locks one VFS operation holds, and the ranges they cover.
 *
 * An inode's items (FS zone, first = ino) are covered by the lock of
 * its group of 1024 inode numbers, as upstream groups them, so that
 * creating files in a directory usually needs the locks of one or two
 * groups.  The index and orphan zones have one lock each, taken
 * WRITE_ONLY by writers, who never read those items.
 *
 * An operation lists what it needs and takes everything at once, in key
 * order, so that operations can't deadlock on each other's locks.
 *
 * Everything an operation writes carries a version above what was
 * written under earlier grants of any of its locks: an index item
 * another mount wrote for an inode is replaced (or deleted) by a newer
 * version once this mount holds the inode's lock, although the index
 * zone's WRITE_ONLY lock was granted to both long before.
 */
#define SCOUTFS_OP_LOCKS_MAX	8

struct scoutfs_op_locks {
	unsigned int nr;
	struct scoutfs_key start[SCOUTFS_OP_LOCKS_MAX];
	struct scoutfs_key end[SCOUTFS_OP_LOCKS_MAX];
	u8 mode[SCOUTFS_OP_LOCKS_MAX];
	struct scoutfs_lock *lock[SCOUTFS_OP_LOCKS_MAX];
	struct scoutfs_item_lock il[SCOUTFS_OP_LOCKS_MAX];	/* for item calls */
	bool freeing;		/* it frees space: its holds may use the reserve */
};

static inline void scoutfs_op_locks_init(struct scoutfs_op_locks *ol)
{
	ol->nr = 0;
	ol->freeing = false;
}

/* add the lock of ino's group, or of a whole zone (index, orphan) */
void scoutfs_op_locks_add_inode(struct scoutfs_op_locks *ol, u64 ino, u8 mode);
void scoutfs_op_locks_add_zone(struct scoutfs_op_locks *ol, u8 zone, u8 mode);

/* take them all, or none on error */
int scoutfs_op_locks_take(struct super_block *sb, struct scoutfs_op_locks *ol);
void scoutfs_op_locks_drop(struct scoutfs_op_locks *ol);

/* the held lock covering key, for item calls (NULL: a bug, the item call warns) */
const struct scoutfs_item_lock *scoutfs_op_lock_for(const struct scoutfs_op_locks *ol,
						    const struct scoutfs_key *key);
/* the held lock of ino's group */
struct scoutfs_lock *scoutfs_op_lock_inode(const struct scoutfs_op_locks *ol, u64 ino);
/*
 * Without blocking: whether ino's group lock is cached in a mode that
 * covers mode, and the refresh_gen of its grant.
 */
bool scoutfs_op_lock_inode_cached(struct super_block *sb, u64 ino, u8 mode, u64 *refresh_gen);

#endif
