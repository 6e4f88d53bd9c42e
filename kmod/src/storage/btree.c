// SPDX-License-Identifier: GPL-2.0
/*
 * Copy-on-write btrees of metadata blocks: the read side.
 *
 * A tree is walked from its root reference down, reading each block
 * through the block cache (which checks its header against the
 * reference) and checking each block's btree structure the first time
 * it is used.  A parent item's key is the greatest key its child may
 * hold, so the child to descend into is the first item whose key is at
 * least the search key.
 *
 * (Modification — copy-on-write of the path, splits and joins — arrives
 * with transactions.)
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "format/block.h"
#include "format/btree_block.h"
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

int scoutfs_btree_lookup(struct scoutfs_block_cache *bc,
			 const struct scoutfs_btree_root *root,
			 const struct scoutfs_key *key, void *val,
			 unsigned int *val_len, u64 *seq, u8 *flags)
{
	struct scoutfs_block_ref ref = root->ref;
	struct scoutfs_btree_block *bt;
	struct scoutfs_btree_item *item;
	struct scoutfs_block *blk;
	unsigned int pos;
	unsigned int len;
	int level;
	int ret;

	if (root->height == 0)
		return -ENOENT;
	if (root->height > SCOUTFS_BTREE_MAX_HEIGHT)
		return -EIO;

	for (level = root->height - 1; level >= 0; level--) {
		ret = read_btree_block(bc, &ref, level, &blk);
		if (ret)
			return ret;
		bt = blk->data;
		ret = scoutfs_btree_block_find(bt, key, &pos);

		if (level > 0) {
			/* the right-most parent item holds the greatest key */
			if (pos >= le16_to_cpu(bt->nr_items)) {
				pr_err_ratelimited("scoutfs %016llx: btree block %llu: no child for a key past its last item\n",
						   scoutfs_block_cache_fsid(bc), blk->blkno);
				scoutfs_block_put(blk);
				return -EIO;
			}
			item = &bt->items[pos];
			memcpy(&ref, scoutfs_btree_item_val(bt, item), sizeof(ref));
			scoutfs_block_put(blk);
			continue;
		}

		if (ret == 0) {
			item = &bt->items[pos];
			len = le16_to_cpu(item->val_len);
			if (val && len)
				memcpy(val, scoutfs_btree_item_val(bt, item), min(len, *val_len));
			if (val_len)
				*val_len = len;
			if (seq)
				*seq = le64_to_cpu(item->seq);
			if (flags)
				*flags = item->flags;
		}
		scoutfs_block_put(blk);
		return ret;
	}
	return -EIO;
}
