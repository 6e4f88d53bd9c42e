/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_ITEMS_TRANS_H_
#define _SCOUTFS_ITEMS_TRANS_H_

#include <linux/types.h>

#include "format/wire.h"

struct scoutfs_block_cache;
struct scoutfs_forest;
struct scoutfs_item_cache;
struct scoutfs_trans;

/*
 * What a transaction needs from the server, filled in by the cluster
 * layer: the mount's open log tree (with its allocators) and the seq to
 * write items with; and recording a committed log tree, which returns
 * the log tree and seq of the next transaction.
 */
struct scoutfs_trans_commit_result {
	struct scoutfs_log_trees next;		/* the next transaction's log tree */
	u64 seq;				/* and its items' version */
	struct scoutfs_net_roots roots;		/* the trees readers merge now */
};

struct scoutfs_trans_ops {
	int (*get_log_trees)(void *arg, struct scoutfs_log_trees *lt, u64 *seq);
	int (*commit_log_trees)(void *arg, const struct scoutfs_log_trees *lt,
				struct scoutfs_trans_commit_result *res);
};

/*
 * A mount's transactions.  Changes to items are made between
 * scoutfs_trans_hold() and scoutfs_trans_release(); a commit waits for
 * holders to release and keeps new ones out while it writes the
 * changes into the mount's log tree, writes the blocks and has the
 * server record the new root.  Commits happen every commit_secs, on
 * scoutfs_trans_sync(), and when held changes or the allocator's
 * blocks reach their limits.  After a commit fails the transaction
 * refuses changes (-EIO): the devices keep the last commit.
 */
struct scoutfs_trans *scoutfs_trans_create(struct scoutfs_block_cache *bc,
					   struct scoutfs_forest *forest,
					   struct scoutfs_item_cache *items,
					   const struct scoutfs_trans_ops *ops, void *arg,
					   u64 fsid);
/* commits what's held and stops the periodic commits */
void scoutfs_trans_destroy(struct scoutfs_trans *tr);

/*
 * Holds fail with -ENOSPC when the mount's metadata blocks couldn't
 * commit more: the server has none left to give.  A hold for a change
 * that frees space (removing names, inodes, data, xattrs) may use the
 * blocks kept back from the others, so that a full filesystem can still
 * be emptied.
 */
int scoutfs_trans_hold(struct scoutfs_trans *tr);
int scoutfs_trans_hold_freeing(struct scoutfs_trans *tr);
void scoutfs_trans_release(struct scoutfs_trans *tr);

/*
 * Ordered file data, from the layer that writes it: with holders kept
 * out, write_data writes (and waits for) the data that the transaction's
 * new extents point to, so no commit makes a file point at blocks whose
 * data isn't on disk; committed runs after each commit attempt, with
 * holders allowed again (to drop what write_data kept).
 */
struct scoutfs_trans_data_ops {
	int (*write_data)(void *arg);
	void (*committed)(void *arg);
};

void scoutfs_trans_set_data_ops(struct scoutfs_trans *tr, const struct scoutfs_trans_data_ops *ops,
				void *arg);

/* the transaction's data block allocator (storage/data_alloc.h); only while held */
struct scoutfs_data_alloc *scoutfs_trans_data_alloc(struct scoutfs_trans *tr);

/* the version this transaction writes items with; only while held */
u64 scoutfs_trans_seq(struct scoutfs_trans *tr);

/* commit now; with wait, until the changes made so far are durable */
int scoutfs_trans_sync(struct scoutfs_trans *tr, bool wait);

#endif
