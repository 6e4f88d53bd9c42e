// SPDX-License-Identifier: GPL-2.0
/*
 * Btrees of metadata blocks in the kernel.
 *
 * The tree algorithm itself is the shared format/btree_cow.c (tested
 * exhaustively in userspace); this file gives it blocks from the block
 * cache, each block's header checked against its reference there and its
 * btree structure checked here the first time it is used.
 *
 * (The writable operations — dirtying and allocating blocks in a
 * transaction — arrive with transactions.)
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "format/block.h"
#include "format/btree_block.h"
#include "format/btree_cow.h"
#include "format/key.h"
#include "storage/block.h"
#include "storage/btree.h"

static int check_btree_block(struct scoutfs_block_cache *bc,
			     struct scoutfs_block *blk, int level)
{
	struct scoutfs_btree_verify_scratch *scratch;
	int bad_item;
	int result;

	if (test_bit(SCOUTFS_BLOCK_BTREE_CHECKED, &blk->flags))
		return 0;

	scratch = kmalloc(sizeof(*scratch), GFP_NOFS);
	if (!scratch)
		return -ENOMEM;
	result = scoutfs_btree_block_verify(blk->data, level, scratch, &bad_item);
	kfree(scratch);
	if (result != SCOUTFS_BTREE_OK) {
		pr_err_ratelimited("scoutfs %016llx: btree block %llu: %s (item %d)\n",
				   scoutfs_block_cache_fsid(bc), blk->blkno,
				   scoutfs_btree_result_str(result), bad_item);
		return -EIO;
	}
	set_bit(SCOUTFS_BLOCK_BTREE_CHECKED, &blk->flags);
	return 0;
}

static int read_btree_block(struct scoutfs_block_cache *bc,
			    const struct scoutfs_block_ref *ref, int level,
			    struct scoutfs_block **blk_ret)
{
	int result;
	int ret;

	ret = scoutfs_block_read_ref(bc, ref, SCOUTFS_BLOCK_MAGIC_BTREE, blk_ret, &result);
	if (ret) {
		pr_err_ratelimited("scoutfs %016llx: btree block %llu seq %llu: %s (%d)\n",
				   scoutfs_block_cache_fsid(bc), le64_to_cpu(ref->blkno),
				   le64_to_cpu(ref->seq),
				   result ? scoutfs_block_result_str(result) : "read failed",
				   ret);
		return ret;
	}
	ret = check_btree_block(bc, *blk_ret, level);
	if (ret) {
		scoutfs_block_put(*blk_ret);
		*blk_ret = NULL;
	}
	return ret;
}

/*
 * The block operations of the shared btree algorithm, on the block
 * cache.  Reads only for now: the writable operations come with
 * transactions, and nothing can call them before then.
 */
static int read_op(void *arg, const struct scoutfs_block_ref *ref, int level,
		   struct scoutfs_btree_block **bt, void **handle)
{
	struct scoutfs_block_cache *bc = arg;
	struct scoutfs_block *blk;
	int ret;

	ret = read_btree_block(bc, ref, level, &blk);
	if (ret)
		return ret;
	/* the structure check is cached, the level a reader expects isn't */
	if (((struct scoutfs_btree_block *)blk->data)->level != level) {
		pr_err_ratelimited("scoutfs %016llx: btree block %llu: level %u where %d was expected\n",
				   scoutfs_block_cache_fsid(bc), blk->blkno,
				   ((struct scoutfs_btree_block *)blk->data)->level, level);
		scoutfs_block_put(blk);
		return -EIO;
	}
	*bt = blk->data;
	*handle = blk;
	return 0;
}

static void put_op(void *arg, void *handle)
{
	scoutfs_block_put(handle);
}

static int no_write_op(void *arg, struct scoutfs_block_ref *ref, int level,
		       struct scoutfs_btree_block **bt, void **handle)
{
	return -EROFS;
}

static void no_free_op(void *arg, const struct scoutfs_block_ref *ref)
{
	WARN_ON_ONCE(1);
}

static const struct scoutfs_btree_cow_ops block_cache_ops = {
	.read = read_op,
	.dirty = no_write_op,
	.alloc = no_write_op,
	.free = no_free_op,
	.put = put_op,
};

static void copy_found(const struct scoutfs_btree_cow_item *found,
		       unsigned int *val_len, u64 *seq, u8 *flags)
{
	if (val_len)
		*val_len = found->val_len;
	if (seq)
		*seq = found->seq;
	if (flags)
		*flags = found->flags;
}

int scoutfs_btree_lookup(struct scoutfs_block_cache *bc,
			 const struct scoutfs_btree_root *root,
			 const struct scoutfs_key *key, void *val,
			 unsigned int *val_len, u64 *seq, u8 *flags)
{
	struct scoutfs_btree_cow cow = { .ops = &block_cache_ops, .arg = bc };
	struct scoutfs_btree_cow_item found;
	int ret;

	ret = scoutfs_btree_cow_lookup(&cow, root, key, val, val ? *val_len : 0, &found);
	if (ret == 0)
		copy_found(&found, val_len, seq, flags);
	return ret;
}

int scoutfs_btree_next(struct scoutfs_block_cache *bc,
		       const struct scoutfs_btree_root *root,
		       struct scoutfs_key *key, const struct scoutfs_key *last,
		       void *val, unsigned int *val_len, u64 *seq, u8 *flags)
{
	struct scoutfs_btree_cow cow = { .ops = &block_cache_ops, .arg = bc };
	struct scoutfs_btree_cow_item found;
	int ret;

	ret = scoutfs_btree_cow_next(&cow, root, key, val, val ? *val_len : 0, &found);
	if (ret == 0 && scoutfs_key_compare(&found.key, last) > 0)
		ret = -ENOENT;
	if (ret == 0) {
		*key = found.key;
		copy_found(&found, val_len, seq, flags);
	}
	return ret;
}
