// SPDX-License-Identifier: GPL-2.0
/*
 * The metadata block cache.
 *
 * Metadata blocks are read through references (blkno, seq).  A block is
 * only handed out after its header has been checked against the
 * reference that led to it: crc, magic, fsid, blkno and seq.  Because
 * blocks are copy-on-write and other mounts reuse freed block numbers, a
 * cached block whose seq differs from a new reference is stale: it is
 * dropped and read again rather than trusted.
 *
 * Blocks live in an xarray indexed by blkno and on an LRU list that a
 * shrinker trims.  Each block holds a reference for the cache while it
 * is indexed; readers take their own.  Two readers missing the same
 * block may both read it; the second to insert drops its copy.
 *
 * Writing: blocks are never changed where they are.  A transaction
 * makes new blocks at block numbers its allocator gives it
 * (scoutfs_block_new()), changes them in place while they are dirty, and
 * writes them all at commit (scoutfs_block_writer_write()).  A dirty
 * block is held by its writer, so the shrinker never drops one.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include "kcompat.h"
#include "format/block.h"
#include "storage/block.h"

struct scoutfs_block_cache {
	struct block_device *bdev;
	u64 fsid;
	struct xarray blocks;
	spinlock_t lru_lock;
	struct list_head lru;
	unsigned long nr_lru;
	struct shrinker *shrinker;
};

/*
 * Blocks alive in all caches.  Every cache frees its blocks when its
 * mount goes away, so any left at unload were leaked: say so loudly
 * (the test harness fails a run on the warning).
 */
static atomic_long_t scoutfs_blocks_live = ATOMIC_LONG_INIT(0);

void scoutfs_block_exit(void)
{
	long nr = atomic_long_read(&scoutfs_blocks_live);

	WARN(nr != 0, "scoutfs: %ld metadata blocks leaked\n", nr);
}

static struct scoutfs_block *block_alloc(u64 blkno)
{
	struct scoutfs_block *blk;

	blk = kzalloc(sizeof(*blk), GFP_NOFS);
	if (!blk)
		return NULL;
	blk->data = kvmalloc(SCOUTFS_META_BLOCK_SIZE, GFP_NOFS);
	if (!blk->data) {
		kfree(blk);
		return NULL;
	}
	atomic_long_inc(&scoutfs_blocks_live);
	blk->blkno = blkno;
	refcount_set(&blk->refcount, 1);
	INIT_LIST_HEAD(&blk->lru_entry);
	INIT_LIST_HEAD(&blk->dirty_entry);
	return blk;
}

static void block_free(struct scoutfs_block *blk)
{
	kvfree(blk->data);
	kfree(blk);
	atomic_long_dec(&scoutfs_blocks_live);
}

void scoutfs_block_put(struct scoutfs_block *blk)
{
	if (blk && refcount_dec_and_test(&blk->refcount))
		block_free(blk);
}

static struct page *data_page(void *data, unsigned int off)
{
	void *addr = data + off;

	return is_vmalloc_addr(addr) ? vmalloc_to_page(addr) : virt_to_page(addr);
}

static int block_read_io(struct scoutfs_block_cache *bc, struct scoutfs_block *blk)
{
	unsigned int nr = SCOUTFS_META_BLOCK_SIZE / PAGE_SIZE;
	unsigned int i;
	struct bio *bio;
	int ret;

	bio = bio_alloc(bc->bdev, nr, REQ_OP_READ | REQ_META, GFP_NOFS);
	bio->bi_iter.bi_sector = (blk->blkno << SCOUTFS_META_BLOCK_SHIFT) >> SECTOR_SHIFT;
	for (i = 0; i < nr; i++) {
		if (bio_add_page(bio, data_page(blk->data, i * PAGE_SIZE), PAGE_SIZE, 0) !=
		    PAGE_SIZE) {
			bio_put(bio);
			return -EIO;
		}
	}
	ret = submit_bio_wait(bio);
	bio_put(bio);
	return ret;
}

static void lru_add(struct scoutfs_block_cache *bc, struct scoutfs_block *blk)
{
	spin_lock(&bc->lru_lock);
	list_add_tail(&blk->lru_entry, &bc->lru);
	bc->nr_lru++;
	spin_unlock(&bc->lru_lock);
}

/* take a block out of the index (if it's still there) and drop the cache's ref */
static void block_evict(struct scoutfs_block_cache *bc, struct scoutfs_block *blk)
{
	if (xa_cmpxchg(&bc->blocks, blk->blkno, blk, NULL, GFP_NOFS) != blk)
		return;
	spin_lock(&bc->lru_lock);
	if (!list_empty(&blk->lru_entry)) {
		list_del_init(&blk->lru_entry);
		bc->nr_lru--;
	}
	spin_unlock(&bc->lru_lock);
	scoutfs_block_put(blk);
}

static struct scoutfs_block *lookup(struct scoutfs_block_cache *bc, u64 blkno)
{
	struct scoutfs_block *blk;

	/*
	 * Under the xarray's lock an indexed block always holds the cache's
	 * reference (it's removed under the same lock before that's put).
	 */
	xa_lock(&bc->blocks);
	blk = xa_load(&bc->blocks, blkno);
	if (blk)
		refcount_inc(&blk->refcount);
	xa_unlock(&bc->blocks);
	return blk;
}

int scoutfs_block_read_ref(struct scoutfs_block_cache *bc,
			   const struct scoutfs_block_ref *ref, u32 magic,
			   struct scoutfs_block **blk_ret, int *result_ret)
{
	u64 blkno = le64_to_cpu(ref->blkno);
	u64 seq = le64_to_cpu(ref->seq);
	struct scoutfs_block *blk;
	struct scoutfs_block *old;
	int result;
	int ret;

	*blk_ret = NULL;
	*result_ret = SCOUTFS_BLOCK_OK;
	if (blkno < SCOUTFS_META_FIRST_BLKNO)
		return -EIO;

	blk = lookup(bc, blkno);
	if (blk) {
		if (blk->seq == seq && blk->magic == magic) {
			*blk_ret = blk;
			return 0;
		}
		/*
		 * The block number has been reused by a transaction that is
		 * still writing it: the reference is stale.
		 */
		if (scoutfs_block_is_dirty(blk)) {
			scoutfs_block_put(blk);
			return -ESTALE;
		}
		/* a newer (or older) incarnation of the block number */
		block_evict(bc, blk);
		scoutfs_block_put(blk);
	}

	blk = block_alloc(blkno);
	if (!blk)
		return -ENOMEM;
	ret = block_read_io(bc, blk);
	if (ret) {
		scoutfs_block_put(blk);
		return ret;
	}
	result = scoutfs_block_verify_ref(blk->data, magic, bc->fsid, ref);
	if (result == SCOUTFS_BLOCK_ERR_SEQ &&
	    le64_to_cpu(((struct scoutfs_block_header *)blk->data)->seq) > seq) {
		/* written again since: the reference is from a freed tree */
		scoutfs_block_put(blk);
		return -ESTALE;
	}
	if (result != SCOUTFS_BLOCK_OK) {
		scoutfs_block_put(blk);
		*result_ret = result;
		return scoutfs_block_result_errno(result);
	}
	blk->seq = seq;
	blk->magic = magic;

	/* the cache's reference, then the reader's */
	refcount_inc(&blk->refcount);
	old = xa_cmpxchg(&bc->blocks, blkno, NULL, blk, GFP_NOFS);
	if (xa_is_err(old)) {
		refcount_dec(&blk->refcount);
	} else if (old) {
		/* raced with another reader (or a stale copy): keep ours uncached */
		refcount_dec(&blk->refcount);
	} else {
		lru_add(bc, blk);
	}
	*blk_ret = blk;
	return 0;
}

int scoutfs_block_new(struct scoutfs_block_cache *bc,
		      struct scoutfs_block_writer *wri, u64 blkno, u64 seq,
		      u32 magic, struct scoutfs_block **blk_ret)
{
	struct scoutfs_block *blk;
	struct scoutfs_block *old;

	*blk_ret = NULL;
	if (WARN_ON_ONCE(blkno < SCOUTFS_META_FIRST_BLKNO))
		return -EIO;

	blk = block_alloc(blkno);
	if (!blk)
		return -ENOMEM;
	memset(blk->data, 0, SCOUTFS_META_BLOCK_SIZE);
	scoutfs_block_hdr_init(blk->data, magic, bc->fsid, blkno, seq);
	blk->seq = seq;
	blk->magic = magic;
	set_bit(SCOUTFS_BLOCK_DIRTY, &blk->flags);

	/* the cache's reference; an older incarnation of blkno is dropped */
	refcount_inc(&blk->refcount);
	old = xa_store(&bc->blocks, blkno, blk, GFP_NOFS);
	if (xa_is_err(old)) {
		scoutfs_block_put(blk);
		scoutfs_block_put(blk);
		return xa_err(old);
	}
	if (old) {
		spin_lock(&bc->lru_lock);
		if (!list_empty(&old->lru_entry)) {
			list_del_init(&old->lru_entry);
			bc->nr_lru--;
		}
		spin_unlock(&bc->lru_lock);
		/* a dirty block is only ever replaced after it's forgotten */
		WARN_ON_ONCE(scoutfs_block_is_dirty(old));
		scoutfs_block_put(old);
	}
	lru_add(bc, blk);

	/* the writer's reference */
	refcount_inc(&blk->refcount);
	list_add_tail(&blk->dirty_entry, &wri->dirty);
	wri->nr_dirty++;

	*blk_ret = blk;
	return 0;
}

struct scoutfs_block *scoutfs_block_lookup_dirty(struct scoutfs_block_cache *bc, u64 blkno)
{
	struct scoutfs_block *blk = lookup(bc, blkno);

	if (blk && !scoutfs_block_is_dirty(blk)) {
		scoutfs_block_put(blk);
		blk = NULL;
	}
	return blk;
}

static void writer_drop(struct scoutfs_block_writer *wri, struct scoutfs_block *blk)
{
	list_del_init(&blk->dirty_entry);
	wri->nr_dirty--;
	clear_bit(SCOUTFS_BLOCK_DIRTY, &blk->flags);
	scoutfs_block_put(blk);
}

void scoutfs_block_forget(struct scoutfs_block_cache *bc,
			  struct scoutfs_block_writer *wri,
			  struct scoutfs_block *blk)
{
	if (WARN_ON_ONCE(!scoutfs_block_is_dirty(blk)))
		return;
	block_evict(bc, blk);
	writer_drop(wri, blk);
}

void scoutfs_block_writer_forget_all(struct scoutfs_block_cache *bc,
				     struct scoutfs_block_writer *wri)
{
	struct scoutfs_block *blk;
	struct scoutfs_block *tmp;

	list_for_each_entry_safe(blk, tmp, &wri->dirty, dirty_entry) {
		block_evict(bc, blk);
		writer_drop(wri, blk);
	}
}

/* the writes of one commit in flight */
struct write_batch {
	atomic_t pending;
	blk_status_t status;
	wait_queue_head_t waitq;
};

static void write_end_io(struct bio *bio)
{
	struct write_batch *wb = bio->bi_private;

	if (bio->bi_status)
		WRITE_ONCE(wb->status, bio->bi_status);
	bio_put(bio);
	if (atomic_dec_and_test(&wb->pending))
		wake_up(&wb->waitq);
}

static int submit_block_write(struct scoutfs_block_cache *bc,
			      struct scoutfs_block *blk, struct write_batch *wb)
{
	unsigned int nr = SCOUTFS_META_BLOCK_SIZE / PAGE_SIZE;
	struct bio *bio;
	unsigned int i;

	bio = bio_alloc(bc->bdev, nr, REQ_OP_WRITE | REQ_META | REQ_SYNC, GFP_NOFS);
	bio->bi_iter.bi_sector = (blk->blkno << SCOUTFS_META_BLOCK_SHIFT) >> SECTOR_SHIFT;
	for (i = 0; i < nr; i++) {
		if (bio_add_page(bio, data_page(blk->data, i * PAGE_SIZE), PAGE_SIZE, 0) !=
		    PAGE_SIZE) {
			bio_put(bio);
			return -EIO;
		}
	}
	bio->bi_private = wb;
	bio->bi_end_io = write_end_io;
	atomic_inc(&wb->pending);
	submit_bio(bio);
	return 0;
}

int scoutfs_block_writer_write(struct scoutfs_block_cache *bc,
			       struct scoutfs_block_writer *wri)
{
	struct scoutfs_block *blk;
	struct scoutfs_block *tmp;
	struct write_batch wb;
	struct blk_plug plug;
	int ret = 0;

	if (wri->nr_dirty == 0)
		return 0;

	atomic_set(&wb.pending, 1);
	wb.status = BLK_STS_OK;
	init_waitqueue_head(&wb.waitq);

	blk_start_plug(&plug);
	list_for_each_entry(blk, &wri->dirty, dirty_entry) {
		scoutfs_block_set_crc(blk->data, SCOUTFS_META_BLOCK_SIZE);
		ret = submit_block_write(bc, blk, &wb);
		if (ret)
			break;
	}
	blk_finish_plug(&plug);
	if (!atomic_dec_and_test(&wb.pending))
		wait_event(wb.waitq, atomic_read(&wb.pending) == 0);
	if (ret == 0 && wb.status != BLK_STS_OK)
		ret = blk_status_to_errno(wb.status);
	if (ret) {
		pr_err("scoutfs %016llx: writing %lu metadata blocks failed (%d)\n",
		       bc->fsid, wri->nr_dirty, ret);
		return ret;
	}

	list_for_each_entry_safe(blk, tmp, &wri->dirty, dirty_entry)
		writer_drop(wri, blk);
	return 0;
}

/* evict up to nr unused blocks from the cold end of the LRU */
static unsigned long shrink_lru(struct scoutfs_block_cache *bc, unsigned long nr)
{
	struct scoutfs_block *blk;
	unsigned long freed = 0;
	LIST_HEAD(victims);

	spin_lock(&bc->lru_lock);
	while (nr-- > 0 && !list_empty(&bc->lru)) {
		blk = list_first_entry(&bc->lru, struct scoutfs_block, lru_entry);
		/* only the cache's reference: nobody is using it */
		if (refcount_read(&blk->refcount) != 1) {
			list_move_tail(&blk->lru_entry, &bc->lru);
			continue;
		}
		list_move_tail(&blk->lru_entry, &victims);
		bc->nr_lru--;
	}
	spin_unlock(&bc->lru_lock);

	while (!list_empty(&victims)) {
		blk = list_first_entry(&victims, struct scoutfs_block, lru_entry);
		list_del_init(&blk->lru_entry);
		if (xa_cmpxchg(&bc->blocks, blk->blkno, blk, NULL, GFP_NOFS) == blk)
			scoutfs_block_put(blk);
		freed++;
	}
	return freed;
}

static unsigned long block_count_objects(struct shrinker *shrink,
					 struct shrink_control *sc)
{
	struct scoutfs_block_cache *bc = kc_shrinker_private(shrink);

	return READ_ONCE(bc->nr_lru);
}

static unsigned long block_scan_objects(struct shrinker *shrink,
					struct shrink_control *sc)
{
	struct scoutfs_block_cache *bc = kc_shrinker_private(shrink);

	return shrink_lru(bc, sc->nr_to_scan);
}

u64 scoutfs_block_cache_fsid(struct scoutfs_block_cache *bc)
{
	return bc->fsid;
}

struct scoutfs_block_cache *scoutfs_block_cache_create(struct block_device *bdev,
							u64 fsid)
{
	struct scoutfs_block_cache *bc;

	bc = kzalloc(sizeof(*bc), GFP_KERNEL);
	if (!bc)
		return NULL;
	bc->bdev = bdev;
	bc->fsid = fsid;
	xa_init(&bc->blocks);
	spin_lock_init(&bc->lru_lock);
	INIT_LIST_HEAD(&bc->lru);

	bc->shrinker = kc_shrinker_alloc(bc, block_count_objects, block_scan_objects,
					 "scoutfs-blocks:%pg", bdev);
	if (!bc->shrinker || kc_shrinker_register(bc->shrinker)) {
		kc_shrinker_free(bc->shrinker);
		kfree(bc);
		return NULL;
	}
	return bc;
}

void scoutfs_block_cache_destroy(struct scoutfs_block_cache *bc)
{
	struct scoutfs_block *blk;
	unsigned long index;

	if (!bc)
		return;
	kc_shrinker_free(bc->shrinker);
	xa_for_each(&bc->blocks, index, blk) {
		xa_erase(&bc->blocks, index);
		/* a reader still holding a block at unmount is a bug */
		WARN_ON_ONCE(refcount_read(&blk->refcount) != 1);
		scoutfs_block_put(blk);
	}
	xa_destroy(&bc->blocks);
	kfree(bc);
}
