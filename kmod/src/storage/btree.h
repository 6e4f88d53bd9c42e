/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_STORAGE_BTREE_H_
#define _SCOUTFS_STORAGE_BTREE_H_

#include "format/format.h"

struct scoutfs_block_cache;
struct scoutfs_btree_cow;
struct scoutfs_meta_alloc;

/*
 * Look up a key in one btree.  On success copies up to *val_len bytes
 * of the value into val and sets *val_len to the value's full length,
 * and *seq and *flags to the item's version and flags (a deletion item
 * is returned like any other: merging trees is the caller's business).
 * Returns -ENOENT when the tree has no item with the key, or -EIO /
 * -ESTALE for damaged or stale blocks, which are also logged.
 */
int scoutfs_btree_lookup(struct scoutfs_block_cache *bc,
			 const struct scoutfs_btree_root *root,
			 const struct scoutfs_key *key, void *val,
			 unsigned int *val_len, u64 *seq, u8 *flags);

/*
 * Find the first item whose key is at least *key and at most *last.
 * On success *key is set to the item's key and the value, seq and flags
 * are returned as by scoutfs_btree_lookup().  Returns -ENOENT when there
 * is no such item.
 */
int scoutfs_btree_next(struct scoutfs_block_cache *bc,
		       const struct scoutfs_btree_root *root,
		       struct scoutfs_key *key, const struct scoutfs_key *last,
		       void *val, unsigned int *val_len, u64 *seq, u8 *flags);

/*
 * Writing a tree in a transaction, blocks from its allocator: as
 * format/btree_cow.h's insert/force/delete.  *root is updated.
 */
int scoutfs_btree_insert(struct scoutfs_meta_alloc *alloc, struct scoutfs_btree_root *root,
			 const struct scoutfs_key *key, u64 seq, u8 flags,
			 const void *val, unsigned int val_len);
int scoutfs_btree_force(struct scoutfs_meta_alloc *alloc, struct scoutfs_btree_root *root,
			const struct scoutfs_key *key, u64 seq, u8 flags,
			const void *val, unsigned int val_len);
/* force a sorted run of items (format/btree_cow.h), as a commit writes its changes */
struct scoutfs_btree_cow_src;
int scoutfs_btree_force_sorted(struct scoutfs_meta_alloc *alloc, struct scoutfs_btree_root *root,
			       int (*next)(void *arg, struct scoutfs_btree_cow_src *src),
			       void *arg);
int scoutfs_btree_delete(struct scoutfs_meta_alloc *alloc, struct scoutfs_btree_root *root,
			 const struct scoutfs_key *key);

/*
 * Free every block of a tree that nothing will read again (a merged log
 * tree).  On an error some blocks may be freed and others not: the
 * caller discards the transaction.
 */
int scoutfs_btree_free_blocks(struct scoutfs_meta_alloc *alloc,
			      const struct scoutfs_btree_root *root);

/* the shared algorithm's context for a transaction (for format/alloc_extent.c) */
void scoutfs_btree_txn_cow(struct scoutfs_btree_cow *cow, struct scoutfs_meta_alloc *alloc);

#endif
