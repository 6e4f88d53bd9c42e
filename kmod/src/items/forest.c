// SPDX-License-Identifier: GPL-2.0
/*
 * Reading items across the forest of btrees.
 *
 * Today the forest has one tree, the fs tree, so a read is a btree read
 * that skips deletion items.  With log trees, a read will merge the
 * newest version of each key from every tree here, and callers won't
 * change.
 */
#include <linux/errno.h>

#include "format/key.h"
#include "items/forest.h"
#include "storage/btree.h"

void scoutfs_forest_init(struct scoutfs_forest *forest,
			 struct scoutfs_block_cache *blocks,
			 const struct scoutfs_super_block *super)
{
	forest->blocks = blocks;
	forest->fs_root = super->fs_root;
}

int scoutfs_forest_lookup(struct scoutfs_forest *forest,
			  const struct scoutfs_key *key, void *val,
			  unsigned int *val_len)
{
	u8 flags;
	int ret;

	ret = scoutfs_btree_lookup(forest->blocks, &forest->fs_root, key, val,
				   val_len, NULL, &flags);
	if (ret == 0 && (flags & SCOUTFS_ITEM_FLAG_DELETION))
		ret = -ENOENT;
	return ret;
}

int scoutfs_forest_next(struct scoutfs_forest *forest, struct scoutfs_key *key,
			const struct scoutfs_key *last, void *val,
			unsigned int *val_len)
{
	unsigned int size = *val_len;
	u8 flags;
	int ret;

	for (;;) {
		*val_len = size;
		ret = scoutfs_btree_next(forest->blocks, &forest->fs_root, key, last,
					 val, val_len, NULL, &flags);
		if (ret || !(flags & SCOUTFS_ITEM_FLAG_DELETION))
			return ret;
		if (!scoutfs_key_inc(key))
			return -ENOENT;
	}
}
