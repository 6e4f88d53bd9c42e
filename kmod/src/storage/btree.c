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

static void copy_item(struct scoutfs_btree_block *bt, struct scoutfs_btree_item *item,
		      void *val, unsigned int *val_len, u64 *seq, u8 *flags)
{
	unsigned int len = le16_to_cpu(item->val_len);

	if (val && len)
		memcpy(val, scoutfs_btree_item_val(bt, item), min(len, *val_len));
	if (val_len)
		*val_len = len;
	if (seq)
		*seq = le64_to_cpu(item->seq);
	if (flags)
		*flags = item->flags;
}

/*
 * Descend from the root to the leaf that may hold key.  Returns the held
 * leaf and sets *end to the greatest key the leaf may hold (the parent
 * key that led to it, all ones for the right-most leaf).
 */
static int walk_to_leaf(struct scoutfs_block_cache *bc,
			const struct scoutfs_btree_root *root,
			const struct scoutfs_key *key, struct scoutfs_block **leaf,
			struct scoutfs_key *end)
{
	struct scoutfs_block_ref ref = root->ref;
	struct scoutfs_btree_block *bt;
	struct scoutfs_block *blk;
	unsigned int pos;
	int level;
	int ret;

	*leaf = NULL;
	scoutfs_key_set_ones(end);
	if (root->height == 0)
		return -ENOENT;
	if (root->height > SCOUTFS_BTREE_MAX_HEIGHT)
		return -EIO;

	for (level = root->height - 1; level > 0; level--) {
		ret = read_btree_block(bc, &ref, level, &blk);
		if (ret)
			return ret;
		bt = blk->data;
		scoutfs_btree_block_find(bt, key, &pos);
		/* the right-most parent item holds the greatest key */
		if (pos >= le16_to_cpu(bt->nr_items)) {
			pr_err_ratelimited("scoutfs %016llx: btree block %llu: no child for a key past its last item\n",
					   scoutfs_block_cache_fsid(bc), blk->blkno);
			scoutfs_block_put(blk);
			return -EIO;
		}
		*end = bt->items[pos].key;
		memcpy(&ref, scoutfs_btree_item_val(bt, &bt->items[pos]), sizeof(ref));
		scoutfs_block_put(blk);
	}

	return read_btree_block(bc, &ref, 0, leaf);
}

int scoutfs_btree_lookup(struct scoutfs_block_cache *bc,
			 const struct scoutfs_btree_root *root,
			 const struct scoutfs_key *key, void *val,
			 unsigned int *val_len, u64 *seq, u8 *flags)
{
	struct scoutfs_btree_block *bt;
	struct scoutfs_block *leaf;
	struct scoutfs_key end;
	unsigned int pos;
	int ret;

	ret = walk_to_leaf(bc, root, key, &leaf, &end);
	if (ret)
		return ret;
	bt = leaf->data;
	ret = scoutfs_btree_block_find(bt, key, &pos);
	if (ret == 0)
		copy_item(bt, &bt->items[pos], val, val_len, seq, flags);
	scoutfs_block_put(leaf);
	return ret;
}

int scoutfs_btree_next(struct scoutfs_block_cache *bc,
		       const struct scoutfs_btree_root *root,
		       struct scoutfs_key *key, const struct scoutfs_key *last,
		       void *val, unsigned int *val_len, u64 *seq, u8 *flags)
{
	struct scoutfs_key pos_key = *key;
	struct scoutfs_btree_block *bt;
	struct scoutfs_block *leaf;
	struct scoutfs_key end;
	unsigned int pos;
	int ret;

	/* each pass searches one leaf; past its end, restart after it */
	while (scoutfs_key_compare(&pos_key, last) <= 0) {
		ret = walk_to_leaf(bc, root, &pos_key, &leaf, &end);
		if (ret)
			return ret;
		bt = leaf->data;
		scoutfs_btree_block_find(bt, &pos_key, &pos);
		if (pos < le16_to_cpu(bt->nr_items)) {
			if (scoutfs_key_compare(&bt->items[pos].key, last) > 0) {
				scoutfs_block_put(leaf);
				return -ENOENT;
			}
			*key = bt->items[pos].key;
			copy_item(bt, &bt->items[pos], val, val_len, seq, flags);
			scoutfs_block_put(leaf);
			return 0;
		}
		scoutfs_block_put(leaf);
		pos_key = end;
		if (!scoutfs_key_inc(&pos_key))
			break;
	}
	return -ENOENT;
}
