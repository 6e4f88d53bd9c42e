// SPDX-License-Identifier: GPL-2.0
/*
 * Regular files: reads, writes, mmap, direct I/O, fallocate, fiemap and
 * seeking (vfs/file.h).
 *
 * Every entry point takes the inode's cluster lock (READ to read, WRITE
 * to change, with the index zone WRITE_ONLY for the inode's item) before
 * it calls into the generic page cache code, and registers it with
 * scoutfs_data_io_enter() so that scoutfs_get_block() can read and
 * change extent items.  Writes hold the transaction per page, in
 * write_begin .. write_end, so commits can run between pages.
 *
 * Generic helpers that would mark the inode dirty (and so take its
 * locks again from ->dirty_inode) are avoided while the locks are held:
 * times and sizes are set here and the inode's item written directly.
 */
#include <linux/buffer_head.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mpage.h>
#include <linux/pagemap.h>
#include <linux/uio.h>
#include <linux/writeback.h>

#include "kcompat.h"
#include "format/format.h"
#include "items/trans.h"
#include "vfs/data.h"
#include "vfs/file.h"
#include "vfs/inode.h"
#include "vfs/mount.h"
#include "vfs/op_locks.h"

/* the inode's lock in mode (WRITE adds the index zone) and its fields read again */
static int lock_inode(struct inode *inode, u8 mode, struct scoutfs_op_locks *ol)
{
	int ret;

	scoutfs_op_locks_init(ol);
	scoutfs_op_locks_add_inode(ol, inode->i_ino, mode);
	if (mode == SCOUTFS_LOCK_WRITE)
		scoutfs_op_locks_add_zone(ol, SCOUTFS_INODE_INDEX_ZONE, SCOUTFS_LOCK_WRITE_ONLY);
	ret = scoutfs_op_locks_take(inode->i_sb, ol);
	if (ret)
		return ret;
	ret = scoutfs_inode_refresh(inode, scoutfs_op_lock_inode(ol, inode->i_ino));
	if (ret)
		scoutfs_op_locks_drop(ol);
	return ret;
}

/* data changed: new times and data version, written with the next inode write */
static void data_changed(struct inode *inode, struct scoutfs_data_io *io)
{
	struct timespec64 now = current_time(inode);

	inode_set_mtime_to_ts(inode, now);
	inode_set_ctime_to_ts(inode, now);
	SCOUTFS_I(inode)->data_version++;
	io->wrote_inode = true;
}

/* ---------------------------------------------------------- address space */

/* a page read outside our file operations (fadvise, ...) takes its own lock */
static int scoutfs_read_folio(struct file *file, struct folio *folio)
{
	struct inode *inode = folio->mapping->host;
	struct scoutfs_op_locks ol;
	struct scoutfs_data_io io;
	int ret;

	if (scoutfs_data_io_current(inode))
		return mpage_read_folio(folio, scoutfs_get_block);

	ret = lock_inode(inode, SCOUTFS_LOCK_READ, &ol);
	if (ret) {
		folio_unlock(folio);
		return ret;
	}
	scoutfs_data_io_enter(inode, &io, &ol);
	ret = mpage_read_folio(folio, scoutfs_get_block);
	scoutfs_data_io_exit(inode, &io);
	scoutfs_op_locks_drop(&ol);
	return ret;
}

/* readahead is a hint: outside our operations it isn't worth a lock */
static void scoutfs_readahead(struct readahead_control *rac)
{
	if (scoutfs_data_io_current(rac->mapping->host))
		mpage_readahead(rac, scoutfs_get_block);
}

static int scoutfs_writepages(struct address_space *mapping, struct writeback_control *wbc)
{
	return mpage_writepages(mapping, wbc, scoutfs_get_block);
}

/*
 * The transaction is held from here to write_end, so the page's new
 * block and the inode's item go into the same commit.  Out of space, a
 * commit returns freed blocks to the server and brings new ones.
 */
static int scoutfs_write_begin(struct file *file, struct address_space *mapping, loff_t pos,
			       unsigned int len, KC_WRITE_PAGE **pagep, void **fsdata)
{
	struct scoutfs_trans *trans = SCOUTFS_MNT(mapping->host->i_sb)->trans;
	bool synced = false;
	int ret;

	for (;;) {
		ret = scoutfs_trans_hold(trans);
		if (ret)
			return ret;
		ret = block_write_begin(mapping, pos, len, pagep, scoutfs_get_block);
		if (ret == 0)
			return 0;
		scoutfs_trans_release(trans);
		if (ret != -ENOSPC || synced)
			return ret;
		synced = true;
		ret = scoutfs_trans_sync(trans, true);
		if (ret)
			return ret;
	}
}

static int scoutfs_write_end(struct file *file, struct address_space *mapping, loff_t pos,
			     unsigned int len, unsigned int copied, KC_WRITE_PAGE *page,
			     void *fsdata)
{
	struct inode *inode = mapping->host;
	struct scoutfs_data_io *io = scoutfs_data_io_current(inode);
	struct folio *folio = kc_write_folio(page);
	loff_t old_size = i_size_read(inode);
	int ret;
	int err;

	ret = block_write_end(file, mapping, pos, len, copied, page, fsdata);
	if (pos + ret > old_size) {
		i_size_write(inode, pos + ret);
		if (io)
			io->wrote_inode = true;
	}
	folio_unlock(folio);
	folio_put(folio);
	if (old_size < pos)
		pagecache_isize_extended(inode, old_size, pos);

	/* the commit writes the page before its metadata */
	if (ret > 0)
		scoutfs_data_track_write(inode);
	if (io && io->wrote_inode) {
		err = scoutfs_inode_write(inode, io->ol);
		if (err)
			ret = err;
		else
			io->wrote_inode = false;
	}
	scoutfs_trans_release(SCOUTFS_MNT(inode->i_sb)->trans);
	return ret;
}

static sector_t scoutfs_bmap(struct address_space *mapping, sector_t block)
{
	return 0;	/* no FIBMAP: blocks move and there is FIEMAP */
}

static const struct address_space_operations scoutfs_file_aops = {
	.read_folio = scoutfs_read_folio,
	.readahead = scoutfs_readahead,
	.writepages = scoutfs_writepages,
	.write_begin = scoutfs_write_begin,
	.write_end = scoutfs_write_end,
	.dirty_folio = block_dirty_folio,
	.invalidate_folio = block_invalidate_folio,
	.bmap = scoutfs_bmap,
	.direct_IO = noop_direct_IO,
	.migrate_folio = buffer_migrate_folio,
	.is_partially_uptodate = block_is_partially_uptodate,
};

void scoutfs_file_set_aops(struct inode *inode)
{
	inode->i_mapping->a_ops = &scoutfs_file_aops;
}

/* ------------------------------------------------------------ read, write */

static ssize_t scoutfs_file_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct scoutfs_op_locks ol;
	struct scoutfs_data_io io;
	ssize_t ret;

	ret = lock_inode(inode, SCOUTFS_LOCK_READ, &ol);
	if (ret)
		return ret;
	scoutfs_data_io_enter(inode, &io, &ol);
	if (iocb->ki_flags & IOCB_DIRECT) {
		ret = blockdev_direct_IO(iocb, inode, to, scoutfs_get_block);
		/* the locks go with us: queued reads are finished first */
		if (ret == -EIOCBQUEUED)
			inode_dio_wait(inode);
		else if (ret > 0)
			iocb->ki_pos += ret;
	} else {
		/* atime changes are kept for ->write_inode (inode.c) */
		ret = generic_file_read_iter(iocb, to);
	}
	scoutfs_data_io_exit(inode, &io);
	scoutfs_op_locks_drop(&ol);
	return ret;
}

/* buffered write of what direct I/O left (holes inside the file), written through */
static ssize_t direct_fallback(struct kiocb *iocb, struct iov_iter *from)
{
	struct address_space *mapping = iocb->ki_filp->f_mapping;
	loff_t pos = iocb->ki_pos;
	ssize_t written;
	int ret;

	written = generic_perform_write(iocb, from);
	if (written <= 0)
		return written;
	ret = filemap_write_and_wait_range(mapping, pos, pos + written - 1);
	if (ret == 0)
		invalidate_mapping_pages(mapping, pos >> PAGE_SHIFT,
					 (pos + written - 1) >> PAGE_SHIFT);
	return ret ?: written;
}

static ssize_t direct_write(struct kiocb *iocb, struct iov_iter *from, struct scoutfs_data_io *io)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct address_space *mapping = inode->i_mapping;
	struct scoutfs_trans *trans = SCOUTFS_MNT(inode->i_sb)->trans;
	loff_t pos = iocb->ki_pos;
	size_t count = iov_iter_count(from);
	bool queued = false;
	size_t done;
	ssize_t written;
	ssize_t more;
	int ret;

	ret = filemap_write_and_wait_range(mapping, pos, pos + count - 1);
	if (ret == 0)
		ret = invalidate_inode_pages2_range(mapping, pos >> PAGE_SHIFT,
						    (pos + count - 1) >> PAGE_SHIFT);
	if (ret)
		return ret;

	/* held until the data is written: no commit can point at it before */
	ret = scoutfs_trans_hold(trans);
	if (ret)
		return ret;
	written = blockdev_direct_IO(iocb, inode, from, scoutfs_get_block);
	if (written == -EIOCBQUEUED) {
		/* finished (and reported) before the transaction can commit */
		inode_dio_wait(inode);
		queued = true;
		written = count - iov_iter_count(from);
	} else if (written >= 0 && count - iov_iter_count(from) != written) {
		/* what's left for the buffered write starts where direct I/O stopped */
		done = count - iov_iter_count(from);
		if (done > written)
			iov_iter_revert(from, done - written);
		else
			iov_iter_advance(from, written - done);
	}
	if (written > 0) {
		if (pos + written > i_size_read(inode))
			i_size_write(inode, pos + written);
		data_changed(inode, io);
		ret = scoutfs_inode_write(inode, io->ol);
		if (ret)
			written = ret;
	}
	scoutfs_trans_release(trans);
	invalidate_inode_pages2_range(mapping, pos >> PAGE_SHIFT, (pos + count - 1) >> PAGE_SHIFT);
	if (queued)
		return written < 0 ? written : -EIOCBQUEUED;
	if (written < 0 || !iov_iter_count(from))
		return written;

	iocb->ki_pos = pos + written;
	more = direct_fallback(iocb, from);
	iocb->ki_pos = pos;
	if (more < 0)
		return written ?: more;
	return written + more;
}

static ssize_t scoutfs_file_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	struct scoutfs_op_locks ol;
	struct scoutfs_data_io io;
	loff_t pos;
	ssize_t ret;

	inode_lock(inode);
	/* may change the mode through ->setattr, which takes the lock itself */
	ret = file_remove_privs(file);
	if (ret)
		goto unlock;
	ret = lock_inode(inode, SCOUTFS_LOCK_WRITE, &ol);
	if (ret)
		goto unlock;
	ret = generic_write_checks(iocb, from);
	if (ret <= 0)
		goto drop;

	scoutfs_data_io_enter(inode, &io, &ol);
	pos = iocb->ki_pos;
	if (iocb->ki_flags & IOCB_DIRECT) {
		ret = direct_write(iocb, from, &io);
	} else {
		data_changed(inode, &io);
		ret = generic_perform_write(iocb, from);
	}
	/* newer kernels' generic_perform_write() advances ki_pos itself */
	if (ret > 0)
		iocb->ki_pos = pos + ret;
	scoutfs_data_io_exit(inode, &io);
drop:
	scoutfs_op_locks_drop(&ol);
unlock:
	inode_unlock(inode);
	if (ret > 0)
		ret = generic_write_sync(iocb, ret);
	return ret;
}

/* ------------------------------------------------------------------ mmap */

static vm_fault_t scoutfs_fault(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct scoutfs_op_locks ol;
	struct scoutfs_data_io io;
	vm_fault_t ret;

	if (lock_inode(inode, SCOUTFS_LOCK_READ, &ol))
		return VM_FAULT_SIGBUS;
	scoutfs_data_io_enter(inode, &io, &ol);
	ret = filemap_fault(vmf);
	scoutfs_data_io_exit(inode, &io);
	scoutfs_op_locks_drop(&ol);
	return ret;
}

/* a page_mkwrite result: the page stays locked on success */
static vm_fault_t mkwrite_result(int err)
{
	if (err == 0)
		return VM_FAULT_LOCKED;
	if (err == -EFAULT || err == -EAGAIN)
		return VM_FAULT_NOPAGE;
	if (err == -ENOMEM)
		return VM_FAULT_OOM;
	return VM_FAULT_SIGBUS;
}

/* a shared mapping's page is about to be written: give it its block now */
static vm_fault_t scoutfs_page_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct scoutfs_trans *trans = SCOUTFS_MNT(inode->i_sb)->trans;
	struct scoutfs_op_locks ol;
	struct scoutfs_data_io io;
	bool synced = false;
	int ret;

	sb_start_pagefault(inode->i_sb);
	ret = lock_inode(inode, SCOUTFS_LOCK_WRITE, &ol);
	if (ret)
		goto out;
	scoutfs_data_io_enter(inode, &io, &ol);
	for (;;) {
		ret = scoutfs_trans_hold(trans);
		if (ret)
			break;
		ret = block_page_mkwrite(vmf->vma, vmf, scoutfs_get_block);
		if (ret == 0) {
			scoutfs_data_track_write(inode);
			data_changed(inode, &io);
			ret = scoutfs_inode_write(inode, &ol);
			if (ret)
				unlock_page(vmf->page);
		}
		scoutfs_trans_release(trans);
		if (ret != -ENOSPC || synced)
			break;
		synced = true;
		ret = scoutfs_trans_sync(trans, true);
		if (ret)
			break;
	}
	scoutfs_data_io_exit(inode, &io);
	scoutfs_op_locks_drop(&ol);
out:
	sb_end_pagefault(inode->i_sb);
	return mkwrite_result(ret);
}

static const struct vm_operations_struct scoutfs_file_vm_ops = {
	.fault = scoutfs_fault,
	.map_pages = filemap_map_pages,
	.page_mkwrite = scoutfs_page_mkwrite,
};

static int scoutfs_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	file_accessed(file);
	vma->vm_ops = &scoutfs_file_vm_ops;
	return 0;
}

/* ------------------------------------------------------------- fallocate */

/* zero [pos, pos + len) of one block through the page cache, if it holds data */
static int zero_partial(struct file *file, loff_t pos, loff_t len,
			const struct scoutfs_op_locks *ol)
{
	struct inode *inode = file_inode(file);
	struct bio_vec bv;
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t ret;

	len = min(len, i_size_read(inode) - pos);
	if (len <= 0)
		return 0;
	ret = scoutfs_data_block_written(inode, pos >> inode->i_blkbits, ol);
	if (ret <= 0)
		return ret;
	bv.bv_page = ZERO_PAGE(0);
	bv.bv_offset = 0;
	bv.bv_len = len;
	iov_iter_bvec(&iter, WRITE, &bv, 1, len);
	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = pos;
	ret = generic_perform_write(&kiocb, &iter);
	if (ret >= 0 && ret != len)
		ret = -EIO;
	return ret < 0 ? ret : 0;
}

static long scoutfs_fallocate(struct file *file, int mode, loff_t offset, loff_t len)
{
	struct inode *inode = file_inode(file);
	struct scoutfs_trans *trans = SCOUTFS_MNT(inode->i_sb)->trans;
	unsigned int bits = inode->i_blkbits;
	loff_t end = offset + len;
	u64 first_full = round_up(offset, 1 << bits) >> bits;
	u64 end_full = end >> bits;	/* blocks [first_full, end_full) are whole */
	struct scoutfs_op_locks ol;
	struct scoutfs_data_io io;
	long ret;

	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;	/* collapse and insert range aren't done yet */

	inode_lock(inode);
	ret = file_remove_privs(file);
	if (ret)
		goto unlock;
	ret = lock_inode(inode, SCOUTFS_LOCK_WRITE, &ol);
	if (ret)
		goto unlock;
	if (!(mode & FALLOC_FL_KEEP_SIZE)) {
		ret = inode_newsize_ok(inode, end);
		if (ret)
			goto drop;
	}
	scoutfs_data_io_enter(inode, &io, &ol);
	inode_dio_wait(inode);

	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
		/* partial blocks at the edges are zeroed in place */
		if (offset & ((1 << bits) - 1)) {
			ret = zero_partial(file, offset,
					   min_t(loff_t, end, (loff_t)first_full << bits) - offset,
					   &ol);
			if (ret)
				goto exit;
		}
		if ((end & ((1 << bits) - 1)) && end_full >= first_full) {
			ret = zero_partial(file, (loff_t)end_full << bits,
					   end - ((loff_t)end_full << bits), &ol);
			if (ret)
				goto exit;
		}
	}

	/* a punched hole frees its blocks */
	ol.freeing = mode & FALLOC_FL_PUNCH_HOLE;
	ret = ol.freeing ? scoutfs_trans_hold_freeing(trans) : scoutfs_trans_hold(trans);
	if (ret)
		goto exit;
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
		if (first_full < end_full) {
			truncate_pagecache_range(inode, (loff_t)first_full << bits,
						 ((loff_t)end_full << bits) - 1);
			ret = scoutfs_data_free_range(inode, first_full, end_full - 1, &ol);
			if (ret == 0 && (mode & FALLOC_FL_ZERO_RANGE))
				ret = scoutfs_data_alloc_range(inode, first_full, end_full - 1, &ol);
		}
	} else {
		ret = scoutfs_data_alloc_range(inode, offset >> bits, (end - 1) >> bits, &ol);
	}
	if (ret == 0) {
		if (!(mode & FALLOC_FL_KEEP_SIZE) && end > i_size_read(inode))
			i_size_write(inode, end);
		if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
			data_changed(inode, &io);
		else
			inode_set_ctime_to_ts(inode, current_time(inode));
		ret = scoutfs_inode_write(inode, &ol);
	}
	scoutfs_trans_release(trans);
exit:
	scoutfs_data_io_exit(inode, &io);
drop:
	scoutfs_op_locks_drop(&ol);
unlock:
	inode_unlock(inode);
	return ret;
}

/* ------------------------------------------------------- seek and fiemap */

static loff_t scoutfs_file_llseek(struct file *file, loff_t offset, int whence)
{
	struct inode *inode = file_inode(file);
	struct scoutfs_op_locks ol;
	loff_t ret;

	if (whence != SEEK_DATA && whence != SEEK_HOLE && whence != SEEK_END)
		return generic_file_llseek(file, offset, whence);

	ret = lock_inode(inode, SCOUTFS_LOCK_READ, &ol);
	if (ret)
		return ret;
	if (whence == SEEK_END) {
		ret = generic_file_llseek(file, offset, whence);
	} else {
		ret = scoutfs_data_seek(inode, offset, whence, &ol);
		if (ret >= 0)
			ret = vfs_setpos(file, ret, inode->i_sb->s_maxbytes);
	}
	scoutfs_op_locks_drop(&ol);
	return ret;
}

int scoutfs_fiemap(struct inode *inode, struct fiemap_extent_info *fieinfo, u64 start, u64 len)
{
	struct scoutfs_op_locks ol;
	int ret;

	ret = fiemap_prep(inode, fieinfo, start, &len, 0);
	if (ret)
		return ret;
	ret = lock_inode(inode, SCOUTFS_LOCK_READ, &ol);
	if (ret)
		return ret;
	ret = scoutfs_data_fiemap(inode, fieinfo, start, len, &ol);
	scoutfs_op_locks_drop(&ol);
	return ret;
}

/* --------------------------------------------------------- open and sync */

static int scoutfs_file_open(struct inode *inode, struct file *file)
{
	file->f_mode |= FMODE_CAN_ODIRECT;
	return generic_file_open(inode, file);
}

/* the file's dirty pages, then the commit that makes its changes durable */
/* the file's pages and direct writes, then the metadata, then the data device's cache */
int scoutfs_file_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct super_block *sb = file_inode(file)->i_sb;
	u64 mark;
	int ret;

	ret = file_write_and_wait_range(file, start, end);
	if (ret)
		return ret;
	mark = scoutfs_data_flush_mark(sb);
	return scoutfs_trans_sync(SCOUTFS_MNT(sb)->trans, true) ?:
	       scoutfs_data_flush_since(sb, mark);
}

const struct file_operations scoutfs_file_fops = {
	.llseek = scoutfs_file_llseek,
	.read_iter = scoutfs_file_read_iter,
	.write_iter = scoutfs_file_write_iter,
	.mmap = scoutfs_file_mmap,
	.open = scoutfs_file_open,
	.fsync = scoutfs_file_fsync,
	.fallocate = scoutfs_fallocate,
	.splice_read = kc_splice_read,
	.splice_write = iter_file_splice_write,
};
