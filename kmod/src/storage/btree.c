// SPDX-License-Identifier: GPL-2.0
/*
 * Btrees of metadata blocks in the kernel.
 *
 * The tree algorithm itself is the shared format/btree_cow.c (tested
 * exhaustively in userspace); this file gives it blocks from the block
 * cache, each block's header checked against its reference there and its
 * btree structure checked here the first time it is used.
 *
 * Writes happen in a transaction whose metadata allocator
 * (storage/alloc.h) provides the new blocks: dirtying a committed block
 * copies it to a new block and frees the old one, blocks already dirty
 * in the transaction are changed in place.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "format/block.h"
#include "format/btree_block.h"
#include "format/btree_cow.h"
#include "format/key.h"
#include "storage/alloc.h"
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
	/* a tree freed under its reader: the caller reads newer roots */
	if (ret == -ESTALE && result == SCOUTFS_BLOCK_OK)
		return ret;
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
 * cache.  Readers pass the cache as the ops' arg and get only read and
 * put; writers pass their transaction's allocator.
 */
static int read_ref(struct scoutfs_block_cache *bc, const struct scoutfs_block_ref *ref,
		    int level, struct scoutfs_btree_block **bt, void **handle)
{
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

static int read_op(void *arg, const struct scoutfs_block_ref *ref, int level,
		   struct scoutfs_btree_block **bt, void **handle)
{
	return read_ref(arg, ref, level, bt, handle);
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

static int txn_read_op(void *arg, const struct scoutfs_block_ref *ref, int level,
		       struct scoutfs_btree_block **bt, void **handle)
{
	struct scoutfs_meta_alloc *alloc = arg;

	return read_ref(alloc->bc, ref, level, bt, handle);
}

static int new_block(struct scoutfs_meta_alloc *alloc, struct scoutfs_block_ref *ref,
		     struct scoutfs_block **blk_ret)
{
	u64 blkno;
	int ret;

	ret = scoutfs_meta_alloc_alloc(alloc, &blkno);
	if (ret)
		return ret;
	ret = scoutfs_block_new(alloc->bc, alloc->wri, blkno, alloc->seq,
				SCOUTFS_BLOCK_MAGIC_BTREE, blk_ret);
	if (ret) {
		scoutfs_meta_alloc_unalloc(alloc, blkno);
		return ret;
	}
	/* built here, so its structure needs no checking when read back */
	set_bit(SCOUTFS_BLOCK_BTREE_CHECKED, &(*blk_ret)->flags);
	ref->blkno = cpu_to_le64(blkno);
	ref->seq = cpu_to_le64(alloc->seq);
	return 0;
}

static void free_ref(struct scoutfs_meta_alloc *alloc, const struct scoutfs_block_ref *ref)
{
	u64 blkno = le64_to_cpu(ref->blkno);
	struct scoutfs_block *blk;

	blk = scoutfs_block_lookup_dirty(alloc->bc, blkno);
	if (blk) {
		/* born in this transaction: never committed, reuse it now */
		scoutfs_block_forget(alloc->bc, alloc->wri, blk);
		scoutfs_block_put(blk);
		scoutfs_meta_alloc_unalloc(alloc, blkno);
		return;
	}
	/*
	 * The btree algorithm can't fail a free.  A failure here only leaks
	 * the block (check reports it), it never corrupts a tree.
	 */
	if (scoutfs_meta_alloc_free(alloc, blkno))
		pr_err_ratelimited("scoutfs %016llx: out of memory freeing metadata block %llu, it leaks\n",
				   scoutfs_block_cache_fsid(alloc->bc), blkno);
}

static int txn_dirty_op(void *arg, struct scoutfs_block_ref *ref, int level,
			struct scoutfs_btree_block **bt, void **handle)
{
	struct scoutfs_meta_alloc *alloc = arg;
	struct scoutfs_block_ref old_ref = *ref;
	struct scoutfs_btree_block *old_bt;
	struct scoutfs_block *old;
	struct scoutfs_block *blk;
	void *old_handle;
	int ret;

	ret = read_ref(alloc->bc, ref, level, &old_bt, &old_handle);
	if (ret)
		return ret;
	old = old_handle;
	if (scoutfs_block_is_dirty(old)) {
		*bt = old_bt;
		*handle = old;
		return 0;
	}

	ret = new_block(alloc, ref, &blk);
	if (ret) {
		scoutfs_block_put(old);
		return ret;
	}
	memcpy(blk->data, old->data, SCOUTFS_META_BLOCK_SIZE);
	scoutfs_block_hdr_init(blk->data, SCOUTFS_BLOCK_MAGIC_BTREE,
			       scoutfs_block_cache_fsid(alloc->bc), blk->blkno, alloc->seq);
	scoutfs_block_put(old);
	free_ref(alloc, &old_ref);
	*bt = blk->data;
	*handle = blk;
	return 0;
}

static int txn_alloc_op(void *arg, struct scoutfs_block_ref *ref, int level,
			struct scoutfs_btree_block **bt, void **handle)
{
	struct scoutfs_meta_alloc *alloc = arg;
	struct scoutfs_block *blk;
	int ret;

	ret = new_block(alloc, ref, &blk);
	if (ret)
		return ret;
	scoutfs_btree_block_init(blk->data, scoutfs_block_cache_fsid(alloc->bc),
				 blk->blkno, alloc->seq, level);
	*bt = blk->data;
	*handle = blk;
	return 0;
}

static void txn_free_op(void *arg, const struct scoutfs_block_ref *ref)
{
	free_ref(arg, ref);
}

static const struct scoutfs_btree_cow_ops txn_ops = {
	.read = txn_read_op,
	.dirty = txn_dirty_op,
	.alloc = txn_alloc_op,
	.free = txn_free_op,
	.put = put_op,
};

void scoutfs_btree_txn_cow(struct scoutfs_btree_cow *cow, struct scoutfs_meta_alloc *alloc)
{
	cow->ops = &txn_ops;
	cow->arg = alloc;
	cow->scratch = alloc->scratch;
}

int scoutfs_btree_force(struct scoutfs_meta_alloc *alloc, struct scoutfs_btree_root *root,
			const struct scoutfs_key *key, u64 seq, u8 flags,
			const void *val, unsigned int val_len)
{
	struct scoutfs_btree_cow cow;

	scoutfs_btree_txn_cow(&cow, alloc);
	return scoutfs_btree_cow_force(&cow, root, key, seq, flags, val, val_len);
}

int scoutfs_btree_force_sorted(struct scoutfs_meta_alloc *alloc, struct scoutfs_btree_root *root,
			       int (*next)(void *arg, struct scoutfs_btree_cow_src *src),
			       void *arg)
{
	struct scoutfs_btree_cow cow;

	scoutfs_btree_txn_cow(&cow, alloc);
	return scoutfs_btree_cow_force_sorted(&cow, root, next, arg);
}

int scoutfs_btree_insert(struct scoutfs_meta_alloc *alloc, struct scoutfs_btree_root *root,
			 const struct scoutfs_key *key, u64 seq, u8 flags,
			 const void *val, unsigned int val_len)
{
	struct scoutfs_btree_cow cow;

	scoutfs_btree_txn_cow(&cow, alloc);
	return scoutfs_btree_cow_insert(&cow, root, key, seq, flags, val, val_len);
}

int scoutfs_btree_delete(struct scoutfs_meta_alloc *alloc, struct scoutfs_btree_root *root,
			 const struct scoutfs_key *key)
{
	struct scoutfs_btree_cow cow;

	scoutfs_btree_txn_cow(&cow, alloc);
	return scoutfs_btree_cow_delete(&cow, root, key);
}

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

static int free_subtree(struct scoutfs_meta_alloc *alloc, const struct scoutfs_block_ref *ref,
			int level)
{
	struct scoutfs_block_ref child;
	struct scoutfs_btree_block *bt;
	void *handle;
	unsigned int i;
	int ret;

	ret = read_ref(alloc->bc, ref, level, &bt, &handle);
	if (ret)
		return ret;
	for (i = 0; level > 0 && i < le16_to_cpu(bt->nr_items); i++) {
		/* verified: every parent item's value is a block ref */
		memcpy(&child, scoutfs_btree_item_val(bt, &bt->items[i]), sizeof(child));
		ret = free_subtree(alloc, &child, level - 1);
		if (ret)
			break;
	}
	scoutfs_block_put(handle);
	if (ret == 0)
		free_ref(alloc, ref);
	return ret;
}

int scoutfs_btree_free_blocks(struct scoutfs_meta_alloc *alloc,
			      const struct scoutfs_btree_root *root)
{
	if (root->height == 0)
		return 0;
	return free_subtree(alloc, &root->ref, root->height - 1);
}
