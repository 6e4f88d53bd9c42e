// SPDX-License-Identifier: GPL-2.0
/*
 * File data: extents, block mapping and allocation (vfs/data.h).
 *
 * A DATA_EXTENT item is keyed by the last file block it maps and holds
 * its length, first data block and flags.  Extents of a file never
 * overlap; adjacent ones that continue each other on disk with the same
 * flags are merged as they're written, so a file written in order is
 * one extent per allocation run.
 *
 * Every change goes through set_range(): the existing extents over a
 * range are cut back (and their blocks freed if asked), then the new
 * mapping is inserted, merged with its neighbours.
 */
#include <linux/buffer_head.h>
#include <linux/fiemap.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/writeback.h>

#include "cluster/cluster.h"
#include "cluster/omap.h"
#include "format/format.h"
#include "format/key.h"
#include "items/item.h"
#include "items/trans.h"
#include "storage/data_alloc.h"
#include "vfs/data.h"
#include "vfs/inode.h"
#include "vfs/mount.h"
#include "vfs/op_locks.h"

/* extents changed per transaction by the range operations */
#define RANGE_BATCH	64
/* blocks fallocate asks the allocator for at a time */
#define ALLOC_BATCH	(1ULL << 15)

struct ext {
	u64 start;	/* file block */
	u64 len;
	u64 blkno;	/* data block of start, 0 for offline */
	u8 flags;
};

static u64 ext_end(const struct ext *ext)
{
	return ext->start + ext->len - 1;
}

/* ------------------------------------------------------------ io contexts */

void scoutfs_data_io_enter(struct inode *inode, struct scoutfs_data_io *io,
			   const struct scoutfs_op_locks *ol)
{
	struct scoutfs_inode_info *si = SCOUTFS_I(inode);

	io->task = current;
	io->ol = ol;
	io->wrote_inode = false;
	spin_lock(&si->io_lock);
	list_add(&io->entry, &si->io_list);
	spin_unlock(&si->io_lock);
}

void scoutfs_data_io_exit(struct inode *inode, struct scoutfs_data_io *io)
{
	struct scoutfs_inode_info *si = SCOUTFS_I(inode);

	spin_lock(&si->io_lock);
	list_del(&io->entry);
	spin_unlock(&si->io_lock);
}

struct scoutfs_data_io *scoutfs_data_io_current(struct inode *inode)
{
	struct scoutfs_inode_info *si = SCOUTFS_I(inode);
	struct scoutfs_data_io *found = NULL;
	struct scoutfs_data_io *io;

	spin_lock(&si->io_lock);
	list_for_each_entry(io, &si->io_list, entry) {
		if (io->task == current) {
			found = io;
			break;
		}
	}
	spin_unlock(&si->io_lock);
	return found;
}

/* ---------------------------------------------------------------- extents */

static void ext_key(struct scoutfs_key *key, u64 ino, u64 last)
{
	scoutfs_key_set(key, SCOUTFS_FS_ZONE, ino, SCOUTFS_DATA_EXTENT_TYPE, last, 0, 0);
}

static const struct scoutfs_item_lock *ext_lock(const struct scoutfs_op_locks *ol, u64 ino)
{
	struct scoutfs_key key;

	ext_key(&key, ino, 0);
	return scoutfs_op_lock_for(ol, &key);
}

/* the first extent that ends at or after iblock: 0 or -ENOENT */
static int ext_next(struct inode *inode, u64 iblock, const struct scoutfs_op_locks *ol,
		    struct ext *ext)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);
	struct scoutfs_data_extent de;
	unsigned int len = sizeof(de);
	struct scoutfs_key key;
	struct scoutfs_key last;
	u64 end;
	int ret;

	ext_key(&key, inode->i_ino, iblock);
	ext_key(&last, inode->i_ino, U64_MAX);
	ret = scoutfs_item_next(mnt->items, &key, &last, &de, &len, ext_lock(ol, inode->i_ino));
	if (ret)
		return ret;
	end = le64_to_cpu(key.sk_second);
	ext->len = le64_to_cpu(de.len);
	ext->blkno = le64_to_cpu(de.blkno);
	ext->flags = de.flags;
	if (len != sizeof(de) || ext->len == 0 || ext->len - 1 > end ||
	    (ext->flags & ~SCOUTFS_EXTENT_FLAGS_KNOWN) ||
	    (!(ext->flags & SCOUTFS_EXTENT_FLAG_OFFLINE) &&
	     ext->blkno > U64_MAX - (ext->len - 1))) {
		pr_err_ratelimited("scoutfs %016llx: inode %lu: damaged extent item at block %llu\n",
				   le64_to_cpu(mnt->super->hdr.fsid), inode->i_ino, end);
		return -EIO;
	}
	ext->start = end - (ext->len - 1);
	return 0;
}

static int ext_delete(struct inode *inode, const struct ext *ext,
		      const struct scoutfs_op_locks *ol)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);
	struct scoutfs_key key;

	ext_key(&key, inode->i_ino, ext_end(ext));
	return scoutfs_item_delete(mnt->items, &key, ext_lock(ol, inode->i_ino));
}

static int ext_insert(struct inode *inode, const struct ext *ext,
		      const struct scoutfs_op_locks *ol)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);
	struct scoutfs_data_extent de = {
		.len = cpu_to_le64(ext->len),
		.blkno = cpu_to_le64(ext->blkno),
		.flags = ext->flags,
	};
	struct scoutfs_key key;

	ext_key(&key, inode->i_ino, ext_end(ext));
	return scoutfs_item_create(mnt->items, &key, &de, sizeof(de), ext_lock(ol, inode->i_ino));
}

/* b continues a on disk with the same flags */
static bool ext_continues(const struct ext *a, const struct ext *b)
{
	return ext_end(a) + 1 == b->start && a->flags == b->flags &&
	       (a->flags & SCOUTFS_EXTENT_FLAG_OFFLINE ?
		a->blkno == 0 && b->blkno == 0 : a->blkno + a->len == b->blkno);
}

static void account_blocks(struct inode *inode, s64 delta)
{
	struct scoutfs_inode_info *si = SCOUTFS_I(inode);

	si->online_blocks += delta;
	inode->i_blocks = si->online_blocks << (SCOUTFS_DATA_BLOCK_SHIFT - 9);
}

/*
 * Make file blocks [start, start + len) map to new (or to nothing when
 * new is NULL).  The extents there are cut back; with free, their
 * blocks are freed and no longer counted.  *nr_changed counts the
 * extents changed, for batching.
 */
static int set_range(struct inode *inode, u64 start, u64 len, const struct ext *new, bool free,
		     const struct scoutfs_op_locks *ol, unsigned int *nr_changed)
{
	struct scoutfs_data_alloc *da = scoutfs_trans_data_alloc(SCOUTFS_MNT(inode->i_sb)->trans);
	u64 end = start + len - 1;
	struct ext merged;
	struct ext ext;
	struct ext cut;
	u64 from, to;
	int ret;

	for (;;) {
		ret = ext_next(inode, start, ol, &ext);
		if (ret == -ENOENT || (ret == 0 && ext.start > end))
			break;
		if (ret)
			return ret;
		ret = ext_delete(inode, &ext, ol);
		if (ret)
			return ret;
		(*nr_changed)++;
		from = max(ext.start, start);
		to = min(ext_end(&ext), end);
		if (free && !(ext.flags & SCOUTFS_EXTENT_FLAG_OFFLINE)) {
			ret = scoutfs_data_alloc_free(da, ext.blkno + (from - ext.start),
						      to - from + 1);
			if (ret)
				return ret;
			account_blocks(inode, -(s64)(to - from + 1));
		}
		if (ext.start < from) {
			cut = ext;
			cut.len = from - ext.start;
			ret = ext_insert(inode, &cut, ol);
			if (ret)
				return ret;
		}
		if (ext_end(&ext) > to) {
			cut = ext;
			cut.start = to + 1;
			cut.len = ext_end(&ext) - to;
			if (!(ext.flags & SCOUTFS_EXTENT_FLAG_OFFLINE))
				cut.blkno = ext.blkno + (cut.start - ext.start);
			ret = ext_insert(inode, &cut, ol);
			if (ret)
				return ret;
			break;
		}
		if (to == U64_MAX)
			break;
	}
	if (!new)
		return 0;

	merged = *new;
	/* the extent before, if it ends just before and continues on disk */
	if (merged.start > 0) {
		ret = ext_next(inode, merged.start - 1, ol, &ext);
		if (ret == 0 && ext_continues(&ext, &merged)) {
			ret = ext_delete(inode, &ext, ol);
			if (ret)
				return ret;
			merged.start = ext.start;
			merged.blkno = ext.blkno;
			merged.len += ext.len;
		} else if (ret && ret != -ENOENT) {
			return ret;
		}
	}
	if (ext_end(&merged) < U64_MAX) {
		ret = ext_next(inode, ext_end(&merged) + 1, ol, &ext);
		if (ret == 0 && ext_continues(&merged, &ext)) {
			ret = ext_delete(inode, &ext, ol);
			if (ret)
				return ret;
			merged.len += ext.len;
		} else if (ret && ret != -ENOENT) {
			return ret;
		}
	}
	(*nr_changed)++;
	return ext_insert(inode, &merged, ol);
}

/* ---------------------------------------------------- ordered data writes */

struct data_mount {
	struct block_device *bdev;	/* the data device */
	spinlock_t lock;
	struct list_head inodes;	/* given blocks in the open transaction */
	struct list_head committing;	/* written by the commit in progress */
	struct list_head to_put;	/* written: their references go */
	struct work_struct put_work;
	u64 flushes_started;		/* data device cache flushes, numbered */
	u64 flushed;			/* the newest that completed */
	struct rw_semaphore drops_rwsem; /* held to read by page droppers */
	bool drops_stopped;		/* unmounting: no more references */
};

static struct data_mount *DATA_MNT(struct super_block *sb)
{
	return SCOUTFS_MNT(sb)->data;
}

/*
 * Which of the lists an inode is on (si->data_list, under dm->lock).
 * The list holds one reference to it, whichever list it is.
 */
enum {
	DATA_LIST_NONE = 0,
	DATA_LIST_OPEN,		/* dm->inodes */
	DATA_LIST_COMMITTING,	/* dm->committing */
	DATA_LIST_TO_PUT,	/* dm->to_put */
};

/*
 * The commit of the open transaction will write inode's pages first.
 * An inode still on the list of the commit before (written by it,
 * waiting to be put) moves back to the open one with its reference: its
 * new blocks are this transaction's.  Called under a transaction hold,
 * so never while a commit's write_data() walks its list.
 */
static void track_inode(struct inode *inode)
{
	struct data_mount *dm = DATA_MNT(inode->i_sb);
	struct scoutfs_inode_info *si = SCOUTFS_I(inode);

	if (READ_ONCE(si->data_list) == DATA_LIST_OPEN)
		return;
	spin_lock(&dm->lock);
	if (si->data_list == DATA_LIST_NONE)
		ihold(inode);
	if (si->data_list != DATA_LIST_OPEN) {
		list_move_tail(&si->data_entry, &dm->inodes);
		WRITE_ONCE(si->data_list, DATA_LIST_OPEN);
	}
	spin_unlock(&dm->lock);
}

void scoutfs_data_track_write(struct inode *inode)
{
	track_inode(inode);
}

/* move every inode of list from to list to, under dm->lock */
static void move_all(struct list_head *from, struct list_head *to, u8 state)
{
	struct scoutfs_inode_info *si;

	list_for_each_entry(si, from, data_entry)
		WRITE_ONCE(si->data_list, state);
	list_splice_tail_init(from, to);
}

/*
 * Make every data write that completed before this call durable: a
 * cache flush of the data device, numbered so that a sync can tell
 * whether one that started after its writes completed has finished.
 */
static int flush_data_dev(struct data_mount *dm)
{
	u64 nr;
	int ret;

	spin_lock(&dm->lock);
	nr = ++dm->flushes_started;
	spin_unlock(&dm->lock);
	ret = blkdev_issue_flush(dm->bdev);
	if (ret == 0) {
		spin_lock(&dm->lock);
		dm->flushed = max(dm->flushed, nr);
		spin_unlock(&dm->lock);
	}
	return ret;
}

/*
 * Holders are kept out: no new blocks are given meanwhile.  The blocks
 * the new extents point to are written and flushed before the metadata
 * that refers to them (the superblock's preflush is of the metadata
 * device only).
 */
static int write_data(void *arg)
{
	struct data_mount *dm = arg;
	struct scoutfs_inode_info *si;
	int ret = 0;
	int err;

	spin_lock(&dm->lock);
	move_all(&dm->inodes, &dm->committing, DATA_LIST_COMMITTING);
	spin_unlock(&dm->lock);

	if (list_empty(&dm->committing))
		return 0;
	list_for_each_entry(si, &dm->committing, data_entry) {
		err = filemap_write_and_wait(si->vfs_inode.i_mapping);
		if (err && !ret)
			ret = err;
	}
	return ret ?: flush_data_dev(dm);
}

u64 scoutfs_data_flush_mark(struct super_block *sb)
{
	struct data_mount *dm = DATA_MNT(sb);
	u64 mark;

	spin_lock(&dm->lock);
	mark = dm->flushes_started;
	spin_unlock(&dm->lock);
	return mark;
}

int scoutfs_data_flush_since(struct super_block *sb, u64 mark)
{
	struct data_mount *dm = DATA_MNT(sb);
	bool done;

	spin_lock(&dm->lock);
	done = dm->flushed > mark;
	spin_unlock(&dm->lock);
	return done ? 0 : flush_data_dev(dm);
}

/*
 * After the commit: the references go in a work of their own, as the
 * last one may delete the inode, which needs transactions, and this
 * runs in the commit's worker.
 */
static void committed(void *arg)
{
	struct data_mount *dm = arg;

	spin_lock(&dm->lock);
	move_all(&dm->committing, &dm->to_put, DATA_LIST_TO_PUT);
	spin_unlock(&dm->lock);
	queue_work(system_unbound_wq, &dm->put_work);
}

static void put_worker(struct work_struct *work)
{
	struct data_mount *dm = container_of(work, struct data_mount, put_work);
	struct scoutfs_inode_info *si;

	spin_lock(&dm->lock);
	while ((si = list_first_entry_or_null(&dm->to_put, struct scoutfs_inode_info,
					      data_entry))) {
		list_del_init(&si->data_entry);
		WRITE_ONCE(si->data_list, DATA_LIST_NONE);
		spin_unlock(&dm->lock);
		iput(&si->vfs_inode);
		spin_lock(&dm->lock);
	}
	spin_unlock(&dm->lock);
}

void scoutfs_data_sync_done(struct super_block *sb)
{
	if (DATA_MNT(sb))
		flush_work(&DATA_MNT(sb)->put_work);
}

/*
 * Drop the reference in put_worker: the last one may delete the inode,
 * which takes locks, and the caller may be giving one of them way.  An
 * inode on one of the lists is held by it, so ours can't be the last.
 */
static void put_later(struct inode *inode)
{
	struct data_mount *dm = DATA_MNT(inode->i_sb);
	struct scoutfs_inode_info *si = SCOUTFS_I(inode);

	spin_lock(&dm->lock);
	if (si->data_list == DATA_LIST_NONE) {
		list_add_tail(&si->data_entry, &dm->to_put);
		WRITE_ONCE(si->data_list, DATA_LIST_TO_PUT);
		inode = NULL;
	}
	spin_unlock(&dm->lock);
	if (inode)
		iput(inode);
	else
		queue_work(system_unbound_wq, &dm->put_work);
}

/* find_inode_nowait() match: a reference, unless it's being read in or freed */
static int grab_ready(struct inode *inode, unsigned long ino, void *data)
{
	if (inode->i_ino != ino)
		return 0;
	spin_lock(&inode->i_lock);
	if (inode->i_state & (I_NEW | I_FREEING | I_WILL_FREE)) {
		spin_unlock(&inode->i_lock);
		return -1;
	}
	__iget(inode);
	spin_unlock(&inode->i_lock);
	return 1;
}

static void drop_pages(struct inode *inode)
{
	struct address_space *mapping = inode->i_mapping;
	int ret;

	/* a write through a mapping may have dirtied a page since the commit */
	ret = filemap_write_and_wait(mapping);
	if (ret == 0)
		ret = invalidate_inode_pages2(mapping);
	if (ret)
		pr_err_ratelimited("scoutfs %016llx: inode %lu: dropping cached pages another mount may change failed (%d)\n",
				   le64_to_cpu(SCOUTFS_MNT(inode->i_sb)->super->hdr.fsid),
				   inode->i_ino, ret);
}

void scoutfs_data_drop_group_pages(struct super_block *sb, u64 first_ino, u64 last_ino)
{
	struct scoutfs_omap *omap = scoutfs_cluster_omap(SCOUTFS_MNT(sb)->cluster);
	struct data_mount *dm = DATA_MNT(sb);
	struct scoutfs_net_open_map om;
	struct inode *inode;
	unsigned int n;
	u64 ino;

	/* unmounting: nothing reads any more, and every page goes anyway */
	down_read(&dm->drops_rwsem);
	if (dm->drops_stopped)
		goto out;

	/* inodes cached here are in the open map from before they're read */
	for (ino = first_ino; ; ino++) {
		n = ino % SCOUTFS_OPEN_MAP_INODES;
		if (ino == first_ino || n == 0) {
			memset(&om, 0, sizeof(om));
			om.group_nr = cpu_to_le64(ino / SCOUTFS_OPEN_MAP_INODES);
			scoutfs_omap_fill(omap, &om);
		}
		if (le64_to_cpu(om.bits[n / 64]) & (1ULL << (n % 64))) {
			inode = find_inode_nowait(sb, ino, grab_ready, NULL);
			if (inode) {
				if (S_ISREG(inode->i_mode) && inode->i_mapping->nrpages)
					drop_pages(inode);
				put_later(inode);
			}
		}
		if (ino == last_ino)
			break;
		cond_resched();
	}
out:
	up_read(&dm->drops_rwsem);
}

void scoutfs_data_stop_drops(struct super_block *sb)
{
	struct data_mount *dm = DATA_MNT(sb);

	if (!dm)
		return;
	down_write(&dm->drops_rwsem);
	dm->drops_stopped = true;
	up_write(&dm->drops_rwsem);
}

static const struct scoutfs_trans_data_ops data_ops = {
	.write_data = write_data,
	.committed = committed,
};

int scoutfs_data_mount_init(struct super_block *sb)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(sb);
	struct data_mount *dm;

	dm = kzalloc(sizeof(*dm), GFP_KERNEL);
	if (!dm)
		return -ENOMEM;
	dm->bdev = sb->s_bdev;
	spin_lock_init(&dm->lock);
	INIT_LIST_HEAD(&dm->inodes);
	INIT_LIST_HEAD(&dm->committing);
	INIT_LIST_HEAD(&dm->to_put);
	INIT_WORK(&dm->put_work, put_worker);
	init_rwsem(&dm->drops_rwsem);
	mnt->data = dm;
	scoutfs_trans_set_data_ops(mnt->trans, &data_ops, dm);
	return 0;
}

/* after the last commit: nothing is listed any more */
void scoutfs_data_mount_destroy(struct scoutfs_mount *mnt)
{
	struct data_mount *dm = mnt->data;

	if (!dm)
		return;
	flush_work(&dm->put_work);
	WARN_ON_ONCE(!list_empty(&dm->inodes) || !list_empty(&dm->committing) ||
		     !list_empty(&dm->to_put));
	kfree(dm);
	mnt->data = NULL;
}

/* ------------------------------------------------------------ block maps */

static int alloc_block(struct inode *inode, u64 iblock, const struct scoutfs_op_locks *ol,
		       u64 *blkno)
{
	struct scoutfs_data_alloc *da = scoutfs_trans_data_alloc(SCOUTFS_MNT(inode->i_sb)->trans);
	unsigned int changed = 0;
	struct ext prev;
	struct ext new;
	u64 hint = 0;
	u64 len;
	int ret;

	/* continue the extent before on disk when we can */
	if (iblock > 0) {
		ret = ext_next(inode, iblock - 1, ol, &prev);
		if (ret == 0 && ext_end(&prev) == iblock - 1 &&
		    !(prev.flags & SCOUTFS_EXTENT_FLAG_OFFLINE))
			hint = prev.blkno + prev.len;
		else if (ret && ret != -ENOENT)
			return ret;
	}
	ret = scoutfs_data_alloc_alloc(da, hint, 1, blkno, &len);
	if (ret)
		return ret;
	new.start = iblock;
	new.len = 1;
	new.blkno = *blkno;
	new.flags = 0;
	ret = set_range(inode, iblock, 1, &new, false, ol, &changed);
	if (ret) {
		scoutfs_data_alloc_free(da, *blkno, 1);
		return ret;
	}
	account_blocks(inode, 1);
	track_inode(inode);
	return 0;
}

int scoutfs_get_block(struct inode *inode, sector_t iblock, struct buffer_head *bh, int create)
{
	struct scoutfs_data_io *io = scoutfs_data_io_current(inode);
	unsigned int blkbits = inode->i_blkbits;
	unsigned int changed = 0;
	u64 max_blocks = bh->b_size >> blkbits;
	struct ext ext;
	struct ext one;
	u64 blkno;
	int ret;

	if (WARN_ON_ONCE(!io)) {
		/* writeback met a dirty block that was never mapped */
		return -EIO;
	}
	clear_buffer_mapped(bh);
	clear_buffer_new(bh);

	ret = ext_next(inode, iblock, io->ol, &ext);
	if (ret && ret != -ENOENT)
		return ret;
	if (ret == 0 && ext.start <= iblock) {
		if (ext.flags & SCOUTFS_EXTENT_FLAG_OFFLINE)
			return -EIO;	/* archived data comes back with staging */
		blkno = ext.blkno + (iblock - ext.start);
		if (ext.flags & SCOUTFS_EXTENT_FLAG_UNWRITTEN) {
			if (!create) {
				/* reads zeros until written */
				bh->b_size = min(max_blocks, ext_end(&ext) - iblock + 1) << blkbits;
				return 0;
			}
			one.start = iblock;
			one.len = 1;
			one.blkno = blkno;
			one.flags = 0;
			ret = set_range(inode, iblock, 1, &one, false, io->ol, &changed);
			if (ret)
				return ret;
			io->wrote_inode = true;
			track_inode(inode);
			set_buffer_new(bh);
			map_bh(bh, inode->i_sb, blkno);
			bh->b_size = 1 << blkbits;
			return 0;
		}
		map_bh(bh, inode->i_sb, blkno);
		bh->b_size = min(max_blocks, ext_end(&ext) - iblock + 1) << blkbits;
		return 0;
	}
	if (!create) {
		if (ret == 0)
			bh->b_size = min(max_blocks, ext.start - iblock) << blkbits;
		return 0;
	}
	ret = alloc_block(inode, iblock, io->ol, &blkno);
	if (ret)
		return ret;
	io->wrote_inode = true;
	set_buffer_new(bh);
	map_bh(bh, inode->i_sb, blkno);
	bh->b_size = 1 << blkbits;
	return 0;
}

int scoutfs_data_block_written(struct inode *inode, u64 iblock, const struct scoutfs_op_locks *ol)
{
	struct ext ext;
	int ret;

	ret = ext_next(inode, iblock, ol, &ext);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	return ext.start <= iblock &&
	       !(ext.flags & (SCOUTFS_EXTENT_FLAG_UNWRITTEN | SCOUTFS_EXTENT_FLAG_OFFLINE));
}

/* ------------------------------------------------------------ range ops */

/* end a batch: the inode's item records its blocks; commit if need be */
static int next_batch(struct inode *inode, const struct scoutfs_op_locks *ol)
{
	struct scoutfs_trans *trans = SCOUTFS_MNT(inode->i_sb)->trans;
	int ret;

	ret = scoutfs_inode_write(inode, ol);
	if (ret)
		return ret;
	scoutfs_trans_release(trans);
	return ol->freeing ? scoutfs_trans_hold_freeing(trans) : scoutfs_trans_hold(trans);
}

int scoutfs_data_free_range(struct inode *inode, u64 start, u64 end,
			    const struct scoutfs_op_locks *ol)
{
	unsigned int changed;
	struct ext ext;
	u64 last;
	int ret;

	while (start <= end) {
		/* a batch: up to RANGE_BATCH extents' worth of the range */
		changed = 0;
		last = start;
		while (changed < RANGE_BATCH) {
			ret = ext_next(inode, last, ol, &ext);
			if (ret == -ENOENT || (ret == 0 && ext.start > end)) {
				last = end;
				break;
			}
			if (ret)
				return ret;
			last = min(ext_end(&ext), end);
			changed++;
			if (last == end)
				break;
			last++;
		}
		changed = 0;
		ret = set_range(inode, start, last - start + 1, NULL, true, ol, &changed);
		if (ret)
			return ret;
		if (last == end)
			return scoutfs_inode_write(inode, ol);
		ret = next_batch(inode, ol);
		if (ret)
			return ret;
		start = last + 1;
	}
	return 0;
}

int scoutfs_data_alloc_range(struct inode *inode, u64 start, u64 end,
			     const struct scoutfs_op_locks *ol)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(inode->i_sb);
	struct scoutfs_data_alloc *da;
	unsigned int changed = 0;
	bool synced = false;
	struct ext ext;
	struct ext new;
	u64 hole_end;
	u64 blkno;
	u64 len;
	int ret;

	while (start <= end) {
		ret = ext_next(inode, start, ol, &ext);
		if (ret && ret != -ENOENT)
			return ret;
		if (ret == 0 && ext.start <= start) {
			/* already allocated (or offline): past it */
			if (ext_end(&ext) >= end)
				break;
			start = ext_end(&ext) + 1;
			continue;
		}
		hole_end = (ret == 0 && ext.start <= end) ? ext.start - 1 : end;

		da = scoutfs_trans_data_alloc(mnt->trans);
		ret = scoutfs_data_alloc_alloc(da, 0, min(hole_end - start + 1, ALLOC_BATCH),
					       &blkno, &len);
		if (ret == -ENOSPC && !synced) {
			/* the commit returns freed blocks and brings more */
			synced = true;
			ret = scoutfs_inode_write(inode, ol);
			if (ret)
				return ret;
			scoutfs_trans_release(mnt->trans);
			ret = scoutfs_trans_sync(mnt->trans, true) ?:
			      scoutfs_trans_hold(mnt->trans);
			if (ret) {
				/* the caller releases what it holds: hold again to balance */
				return scoutfs_trans_hold(mnt->trans) ?: ret;
			}
			continue;
		}
		if (ret)
			return ret;
		synced = false;
		new.start = start;
		new.len = len;
		new.blkno = blkno;
		new.flags = SCOUTFS_EXTENT_FLAG_UNWRITTEN;
		ret = set_range(inode, start, len, &new, false, ol, &changed);
		if (ret) {
			scoutfs_data_alloc_free(da, blkno, len);
			return ret;
		}
		account_blocks(inode, len);
		if (start + len - 1 >= end)
			break;
		start += len;
		if (changed >= RANGE_BATCH) {
			changed = 0;
			ret = next_batch(inode, ol);
			if (ret)
				return ret;
		}
	}
	return scoutfs_inode_write(inode, ol);
}

/* ------------------------------------------------------- fiemap and seek */

int scoutfs_data_fiemap(struct inode *inode, struct fiemap_extent_info *fieinfo, u64 start,
			u64 len, const struct scoutfs_op_locks *ol)
{
	unsigned int bits = inode->i_blkbits;
	u64 iblock = start >> bits;
	u64 last = (start + len - 1) >> bits;
	struct ext ext;
	struct ext next;
	u32 flags;
	int ret;

	if (len == 0)
		return 0;
	ret = ext_next(inode, iblock, ol, &ext);
	while (ret == 0 && ext.start <= last) {
		ret = ext_end(&ext) < U64_MAX ? ext_next(inode, ext_end(&ext) + 1, ol, &next)
					       : -ENOENT;
		if (ret && ret != -ENOENT)
			break;
		flags = 0;
		if (ext.flags & SCOUTFS_EXTENT_FLAG_UNWRITTEN)
			flags |= FIEMAP_EXTENT_UNWRITTEN;
		if (ext.flags & SCOUTFS_EXTENT_FLAG_OFFLINE)
			flags |= FIEMAP_EXTENT_UNKNOWN;
		if (ret == -ENOENT || next.start > last)
			flags |= FIEMAP_EXTENT_LAST;
		ret = fiemap_fill_next_extent(fieinfo, ext.start << bits,
					      (ext.flags & SCOUTFS_EXTENT_FLAG_OFFLINE) ? 0 :
					      ext.blkno << bits, ext.len << bits, flags);
		if (ret)
			return ret == 1 ? 0 : ret;
		if (flags & FIEMAP_EXTENT_LAST)
			return 0;
		ext = next;
	}
	return ret == -ENOENT ? 0 : ret;
}

/* unwritten extents read as zeros: they're holes to SEEK_HOLE and SEEK_DATA */
loff_t scoutfs_data_seek(struct inode *inode, loff_t offset, int whence,
			 const struct scoutfs_op_locks *ol)
{
	unsigned int bits = inode->i_blkbits;
	loff_t size = i_size_read(inode);
	loff_t pos = offset;
	u64 iblock = offset >> bits;
	struct ext ext;
	bool data;
	int ret;

	if (offset < 0 || offset >= size)
		return -ENXIO;
	for (;;) {
		ret = ext_next(inode, iblock, ol, &ext);
		if (ret == -ENOENT)
			return whence == SEEK_HOLE ? pos : -ENXIO;
		if (ret)
			return ret;
		if (ext.start > iblock) {
			/* a hole from pos up to the extent */
			if (whence == SEEK_HOLE)
				return pos;
			iblock = ext.start;
			pos = (loff_t)iblock << bits;
			if (pos >= size)
				return -ENXIO;
		}
		data = !(ext.flags & SCOUTFS_EXTENT_FLAG_UNWRITTEN);
		if (data == (whence == SEEK_DATA))
			return pos;
		if (ext_end(&ext) >= (u64)(size - 1) >> bits)
			return whence == SEEK_HOLE ? size : -ENXIO;
		iblock = ext_end(&ext) + 1;
		pos = (loff_t)iblock << bits;
	}
}
