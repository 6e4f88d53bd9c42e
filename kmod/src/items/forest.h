/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_ITEMS_FOREST_H_
#define _SCOUTFS_ITEMS_FOREST_H_

#include <linux/rwsem.h>

#include "format/wire.h"

struct scoutfs_block_cache;

/*
 * The filesystem's persistent items as readers see them: the newest
 * version of each key across the fs tree and the mounts' log trees,
 * deletions hiding what they delete (docs/format.md section 10).
 *
 * The roots come from the superblock read at mount and from the server
 * (scoutfs_forest_set_roots()); the mount's own log tree is newer than
 * any record of it, so it is set separately after each of its commits.
 */
/*
 * Newer roots from the server, for readers that found a tree freed
 * under them (a merged log tree whose blocks were reused): filled in by
 * the cluster layer.
 */
struct scoutfs_forest_ops {
	int (*get_roots)(void *arg, struct scoutfs_net_roots *roots);
};

struct scoutfs_forest {
	struct scoutfs_block_cache *blocks;
	const struct scoutfs_forest_ops *ops;
	void *ops_arg;
	struct rw_semaphore rwsem;
	struct scoutfs_net_roots roots;		/* the fs tree and the records read */
	bool have_roots;
	struct scoutfs_btree_root *log_roots;	/* other log trees, not empty */
	unsigned int nr_log_roots;
	u64 own_rid;
	u64 own_nr;				/* 0: no own log tree yet */
	struct scoutfs_btree_root own_root;
};

int scoutfs_forest_init(struct scoutfs_forest *forest,
			struct scoutfs_block_cache *blocks, u64 own_rid,
			const struct scoutfs_super_block *super);
void scoutfs_forest_destroy(struct scoutfs_forest *forest);
void scoutfs_forest_set_ops(struct scoutfs_forest *forest,
			    const struct scoutfs_forest_ops *ops, void *arg);

/*
 * Read the log tree records in logs_root and switch to the new roots in
 * one step; roots with a smaller seq than those in use are passed over
 * (the ones in use are read again).  With own_root, the mount's own
 * tree changes too and its record in logs_root (older than own_root) is
 * skipped.
 */
int scoutfs_forest_set_roots(struct scoutfs_forest *forest, const struct scoutfs_net_roots *roots,
			     u64 own_nr, const struct scoutfs_btree_root *own_root);
/* the mount's own log tree as of its last commit */
void scoutfs_forest_set_own(struct scoutfs_forest *forest, u64 nr,
			    const struct scoutfs_btree_root *root);

/*
 * The newest version of a key: -ENOENT if it doesn't exist or is
 * deleted.  Up to *val_len bytes of the value are copied to val and
 * *val_len is set to its length.
 */
int scoutfs_forest_lookup(struct scoutfs_forest *forest,
			  const struct scoutfs_key *key, void *val,
			  unsigned int *val_len);

/* the first existing item in [*key, *last], its key returned in *key */
int scoutfs_forest_next(struct scoutfs_forest *forest, struct scoutfs_key *key,
			const struct scoutfs_key *last, void *val,
			unsigned int *val_len);

#endif
