/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_DATA_H_
#define _SCOUTFS_VFS_DATA_H_

#include <linux/buffer_head.h>
#include <linux/fs.h>
#include <linux/list.h>

struct scoutfs_op_locks;

/*
 * File data: a regular file's blocks are mapped by DATA_EXTENT items
 * (docs/format.md), allocated from the transaction's data allocator.
 *
 * The generic buffer and page cache code calls scoutfs_get_block()
 * from inside our file operations, which hold the inode's cluster lock;
 * each registers its locks for the duration (scoutfs_data_io_enter()),
 * and get_block finds the caller's by task.  Writeback never needs to
 * look up extents: a dirty page's buffers were mapped when it was
 * dirtied (write_begin, page_mkwrite).
 */
struct scoutfs_data_io {
	struct list_head entry;
	struct task_struct *task;
	const struct scoutfs_op_locks *ol;
	bool wrote_inode;	/* the inode's item needs writing */
};

void scoutfs_data_io_enter(struct inode *inode, struct scoutfs_data_io *io,
			   const struct scoutfs_op_locks *ol);
void scoutfs_data_io_exit(struct inode *inode, struct scoutfs_data_io *io);
/* the calling task's context on inode, NULL outside our operations */
struct scoutfs_data_io *scoutfs_data_io_current(struct inode *inode);

/* map iblock; with create, allocate it (the caller holds the transaction) */
int scoutfs_get_block(struct inode *inode, sector_t iblock, struct buffer_head *bh, int create);

/*
 * Free the blocks of [start, end] (file blocks) and remove their
 * extents, committing in as many transactions as it takes: the caller
 * holds ol's WRITE locks and the transaction, which this may release
 * and hold again between batches.
 */
int scoutfs_data_free_range(struct inode *inode, u64 start, u64 end,
			    const struct scoutfs_op_locks *ol);

/*
 * Allocate unwritten extents (reading zeros) over the holes of
 * [start, end], as fallocate does; same transaction rules.
 */
int scoutfs_data_alloc_range(struct inode *inode, u64 start, u64 end,
			     const struct scoutfs_op_locks *ol);

/* whether file block iblock holds written data (0 no, 1 yes, or an error) */
int scoutfs_data_block_written(struct inode *inode, u64 iblock, const struct scoutfs_op_locks *ol);

/* report extents for FS_IOC_FIEMAP; the caller holds a READ lock */
int scoutfs_data_fiemap(struct inode *inode, struct fiemap_extent_info *fieinfo, u64 start,
			u64 len, const struct scoutfs_op_locks *ol);

/* SEEK_DATA / SEEK_HOLE from offset; the caller holds a READ lock */
loff_t scoutfs_data_seek(struct inode *inode, loff_t offset, int whence,
			 const struct scoutfs_op_locks *ol);

/*
 * Ordered data for the transaction (items/trans.h data ops): inodes
 * given new blocks or written through the page cache are listed until
 * the commit has written their pages, so a commit's metadata never
 * points at blocks whose data isn't on disk, and never comes without the
 * data written before it.  Writes call scoutfs_data_track_write() under
 * their transaction hold.
 */
void scoutfs_data_track_write(struct inode *inode);

struct scoutfs_mount;

int scoutfs_data_mount_init(struct super_block *sb);
void scoutfs_data_mount_destroy(struct scoutfs_mount *mnt);
/*
 * Durable file data for fsync and sync: take a mark once the writes to
 * keep have completed, and after the commit flush the data device
 * unless a flush that started after the mark has finished (a commit
 * flushes the data device when it wrote ordered data).
 */
u64 scoutfs_data_flush_mark(struct super_block *sb);
int scoutfs_data_flush_since(struct super_block *sb, u64 mark);

/* after a sync: the inodes it wrote are let go (before unmount evicts) */
void scoutfs_data_sync_done(struct super_block *sb);

/*
 * Another mount is about to change the inodes numbered first_ino to
 * last_ino (this mount gives up reading them): their cached pages would
 * go stale, so they're written if dirty and dropped.  Called with the
 * lock's users drained, so no page can come back before the lock does.
 */
void scoutfs_data_drop_group_pages(struct super_block *sb, u64 first_ino, u64 last_ino);
/* unmounting, before the VFS lets the inodes go: no more drops (and references) */
void scoutfs_data_stop_drops(struct super_block *sb);

#endif
