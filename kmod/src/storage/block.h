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
	void *data;
};

/* set by the btree layer once it has checked the block's btree structure */
#define SCOUTFS_BLOCK_BTREE_CHECKED	0

void scoutfs_block_exit(void);

struct scoutfs_block_cache *scoutfs_block_cache_create(struct block_device *bdev,
							u64 fsid);
void scoutfs_block_cache_destroy(struct scoutfs_block_cache *bc);

/*
 * Get the block a reference points to, read and checked if it isn't
 * cached with the same seq.  Returns 0 with a held block, or -errno:
 * -EIO or -ESTALE when the block isn't what the reference expects, with
 * the SCOUTFS_BLOCK_ERR_ result in *result (else SCOUTFS_BLOCK_OK).
 */
int scoutfs_block_read_ref(struct scoutfs_block_cache *bc,
			   const struct scoutfs_block_ref *ref, u32 magic,
			   struct scoutfs_block **blk_ret, int *result);
void scoutfs_block_put(struct scoutfs_block *blk);

/* the filesystem the cache reads blocks of, for messages */
u64 scoutfs_block_cache_fsid(struct scoutfs_block_cache *bc);

#endif
