/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_ITEMS_FOREST_H_
#define _SCOUTFS_ITEMS_FOREST_H_

#include "format/format.h"

struct scoutfs_block_cache;

/*
 * The filesystem's items as readers see them: the newest version of
 * each key across the fs tree and the mounts' log trees, deletions
 * hiding what they delete.  Until log trees exist the forest is just
 * the fs tree of the superblock read at mount.
 */
struct scoutfs_forest {
	struct scoutfs_block_cache *blocks;
	struct scoutfs_btree_root fs_root;
};

void scoutfs_forest_init(struct scoutfs_forest *forest,
			 struct scoutfs_block_cache *blocks,
			 const struct scoutfs_super_block *super);

/*
 * Copy up to *val_len bytes of the key's value into val and set *val_len
 * to its length.  -ENOENT when the key doesn't exist.
 */
int scoutfs_forest_lookup(struct scoutfs_forest *forest,
			  const struct scoutfs_key *key, void *val,
			  unsigned int *val_len);

/* the first existing item in [*key, *last], its key returned in *key */
int scoutfs_forest_next(struct scoutfs_forest *forest, struct scoutfs_key *key,
			const struct scoutfs_key *last, void *val,
			unsigned int *val_len);

#endif
