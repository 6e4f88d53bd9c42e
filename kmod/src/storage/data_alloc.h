/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_STORAGE_DATA_ALLOC_H_
#define _SCOUTFS_STORAGE_DATA_ALLOC_H_

#include <linux/types.h>

#include "format/format.h"

struct scoutfs_block_cache;
struct scoutfs_data_alloc;
struct scoutfs_meta_alloc;

/*
 * A mount's data block allocator for its open transaction.  The server
 * gives each transaction free data extents in its log tree's data_avail
 * allocator; the mount keeps them in memory, carves blocks from them
 * and records what it allocated and freed.  The trees are only changed
 * at commit: allocations are removed from data_avail and frees are
 * added to data_freed, which the server takes back (reusable once that
 * commit is durable: a block is never reused while a committed tree
 * still points at it).
 *
 * Calls are serialized internally; callers hold the transaction.
 */
struct scoutfs_data_alloc *scoutfs_data_alloc_create(void);
void scoutfs_data_alloc_destroy(struct scoutfs_data_alloc *da);

/* start a transaction from the free extents of avail (read through bc) */
int scoutfs_data_alloc_load(struct scoutfs_data_alloc *da, struct scoutfs_block_cache *bc,
			    const struct scoutfs_alloc_root *avail);

/*
 * Up to want blocks as one extent, starting at hint when hint is free
 * (so a file written in order gets contiguous blocks): *blkno and *len.
 * -ENOSPC when the transaction has no free blocks left.
 */
int scoutfs_data_alloc_alloc(struct scoutfs_data_alloc *da, u64 hint, u64 want,
			     u64 *blkno, u64 *len);
/* blocks that no longer hold file data, free after this transaction commits */
int scoutfs_data_alloc_free(struct scoutfs_data_alloc *da, u64 blkno, u64 len);

/* free blocks left to the transaction, and the blocks it allocated and freed */
void scoutfs_data_alloc_counts(struct scoutfs_data_alloc *da, u64 *avail, u64 *allocated,
			       u64 *freed);

/*
 * At commit (no allocations meanwhile): apply the allocations to avail
 * and the frees to freed, with blocks from alloc, items written with
 * seq.  On an error the trees may be partly changed: the caller discards
 * the transaction.
 */
int scoutfs_data_alloc_commit(struct scoutfs_data_alloc *da, struct scoutfs_meta_alloc *alloc,
			      u64 seq, struct scoutfs_alloc_root *avail,
			      struct scoutfs_alloc_root *freed);

#endif
