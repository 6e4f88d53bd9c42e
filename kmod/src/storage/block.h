/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_STORAGE_BLOCK_H_
#define _SCOUTFS_STORAGE_BLOCK_H_

#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/types.h>

#include "format/format.h"

struct block_device;
struct scoutfs_block_cache;

/* a cached metadata block; data is SCOUTFS_META_BLOCK_SIZE bytes */
struct scoutfs_block {
	u64 blkno;
	u64 seq;		/* of the reference it was verified against */
	u32 magic;
	unsigned long flags;	/* SCOUTFS_BLOCK_* bits for the layers above */
	refcount_t refcount;
	struct list_head lru_entry;
	struct list_head dirty_entry;	/* on its writer's list while dirty */
	void *data;
};

/* set by the btree layer once it has checked the block's btree structure */
#define SCOUTFS_BLOCK_BTREE_CHECKED	0
/* new in the current transaction of some writer: changed in place, not read */
#define SCOUTFS_BLOCK_DIRTY		1

/*
 * The dirty blocks of one transaction.  Each transaction's writer (a
 * mount's commit, the server's commit) owns its own; the blocks it
 * holds were allocated in that transaction, so no two writers ever
 * share one.  The caller serializes use of a writer.
 */
struct scoutfs_block_writer {
	struct list_head dirty;
	unsigned long nr_dirty;
};

static inline void scoutfs_block_writer_init(struct scoutfs_block_writer *wri)
{
	INIT_LIST_HEAD(&wri->dirty);
	wri->nr_dirty = 0;
}

static inline bool scoutfs_block_is_dirty(const struct scoutfs_block *blk)
{
	return test_bit(SCOUTFS_BLOCK_DIRTY, &blk->flags);
}

void scoutfs_block_exit(void);

struct scoutfs_block_cache *scoutfs_block_cache_create(struct block_device *bdev,
							u64 fsid);
void scoutfs_block_cache_destroy(struct scoutfs_block_cache *bc);

/*
 * Get the block a reference points to, read and checked if it isn't
 * cached with the same seq.  Returns 0 with a held block, or -errno:
 * -EIO or -ESTALE when the block isn't what the reference expects, with
 * the SCOUTFS_BLOCK_ERR_ result in *result (else SCOUTFS_BLOCK_OK).
 * -ESTALE with SCOUTFS_BLOCK_OK means the block was written again since
 * the reference was made (its tree was freed): no damage, newer roots
 * will do.
 */
int scoutfs_block_read_ref(struct scoutfs_block_cache *bc,
			   const struct scoutfs_block_ref *ref, u32 magic,
			   struct scoutfs_block **blk_ret, int *result);
void scoutfs_block_put(struct scoutfs_block *blk);

/*
 * A new dirty block at blkno, zeroed but for its header (magic, fsid,
 * blkno, seq), held by the writer until it is written or forgotten.
 * Any cached copy of an older incarnation of blkno is dropped.  Returns
 * the block with a reference for the caller.
 */
int scoutfs_block_new(struct scoutfs_block_cache *bc,
		      struct scoutfs_block_writer *wri, u64 blkno, u64 seq,
		      u32 magic, struct scoutfs_block **blk_ret);

/* the cached block at blkno if it is dirty (held), else NULL */
struct scoutfs_block *scoutfs_block_lookup_dirty(struct scoutfs_block_cache *bc, u64 blkno);

/* drop a dirty block that was freed in its own transaction: never written */
void scoutfs_block_forget(struct scoutfs_block_cache *bc,
			  struct scoutfs_block_writer *wri,
			  struct scoutfs_block *blk);

/*
 * Write every dirty block of the writer (setting their crcs) and wait
 * for them.  They may still be in the device's volatile cache: the
 * superblock that refers to them is written with a preflush
 * (storage/superblock.c), which makes every completed write durable
 * first.  On success the blocks are clean cached blocks and the writer
 * is empty.  On failure the writer keeps them.
 */
int scoutfs_block_writer_write(struct scoutfs_block_cache *bc,
			       struct scoutfs_block_writer *wri);

/* drop every dirty block of a transaction that won't be committed */
void scoutfs_block_writer_forget_all(struct scoutfs_block_cache *bc,
				     struct scoutfs_block_writer *wri);

/* the filesystem the cache reads blocks of, for messages */
u64 scoutfs_block_cache_fsid(struct scoutfs_block_cache *bc);

#endif
