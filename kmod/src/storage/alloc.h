/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_STORAGE_ALLOC_H_
#define _SCOUTFS_STORAGE_ALLOC_H_

#include <linux/types.h>

#include "format/format.h"

struct scoutfs_block_cache;
struct scoutfs_block_writer;

/*
 * The metadata block source of one transaction: the blocks it may
 * allocate (an avail list) and the blocks it frees (a freed list), as
 * in docs/format.md section 13.  Both lists are held in memory for the
 * transaction and written as new list blocks at commit, so allocating
 * and freeing never modify a btree.
 *
 * A block freed in the transaction that allocated it was never part of
 * a committed state: it goes straight back to avail.  Any other freed
 * block is still referenced by the last commit and may only be reused
 * after the commit that stops referencing it is durable; the server
 * takes care of that when it drains freed lists.
 *
 * The allocator also carries what every writer of the transaction's
 * blocks needs: the cache, the writer holding the dirty blocks, the
 * transaction's seq and a scratch block for btree compaction.
 */
struct scoutfs_meta_alloc {
	struct scoutfs_block_cache *bc;
	struct scoutfs_block_writer *wri;
	u64 seq;
	void *scratch;
	u64 *avail;		/* a stack of free block numbers */
	u32 nr_avail;
	u32 avail_size;
	u64 *freed;
	u32 nr_freed;
	u32 freed_size;
};

/*
 * Set up a transaction's allocator from the committed list heads.  The
 * old list blocks are freed (the commit writes new ones).  -EIO for a
 * damaged list block, -ENOMEM.
 */
int scoutfs_meta_alloc_init(struct scoutfs_meta_alloc *alloc,
			    struct scoutfs_block_cache *bc,
			    struct scoutfs_block_writer *wri, u64 seq,
			    const struct scoutfs_alloc_list_head *avail,
			    const struct scoutfs_alloc_list_head *freed);
void scoutfs_meta_alloc_destroy(struct scoutfs_meta_alloc *alloc);

/* -ENOSPC when the transaction's avail list is empty */
int scoutfs_meta_alloc_alloc(struct scoutfs_meta_alloc *alloc, u64 *blkno);
/* free a committed block (stays in use until the next commit is durable) */
int scoutfs_meta_alloc_free(struct scoutfs_meta_alloc *alloc, u64 blkno);
/* give back a block allocated in this transaction and never committed */
void scoutfs_meta_alloc_unalloc(struct scoutfs_meta_alloc *alloc, u64 blkno);
/* add blocks to avail (the server refilling its own allocator) */
int scoutfs_meta_alloc_add_avail(struct scoutfs_meta_alloc *alloc, u64 blkno, u64 len);

static inline u32 scoutfs_meta_alloc_nr_avail(const struct scoutfs_meta_alloc *alloc)
{
	return alloc->nr_avail;
}

/*
 * Read every block number of a committed list into freed (the server
 * taking over a mount's freed list).  The list blocks are freed too.
 */
int scoutfs_meta_alloc_take_list(struct scoutfs_meta_alloc *alloc,
				 const struct scoutfs_alloc_list_head *head);

/*
 * Read every block number of a committed list into a new array (*entries,
 * kvfree() it) and free the list's blocks.
 */
int scoutfs_meta_alloc_read_list(struct scoutfs_meta_alloc *alloc,
				 const struct scoutfs_alloc_list_head *head,
				 u64 **entries, u32 *nr);

/*
 * Pop up to nr freed block numbers for the caller to put elsewhere (the
 * server draining its freed list into its allocator tree).
 */
u32 scoutfs_meta_alloc_pop_freed(struct scoutfs_meta_alloc *alloc, u64 *blknos, u32 nr);

/*
 * Write the avail and freed lists as new list blocks (allocated from
 * avail) and return their heads.  Nothing may be allocated or freed
 * after this; the caller writes the dirty blocks and commits.
 */
int scoutfs_meta_alloc_write_lists(struct scoutfs_meta_alloc *alloc,
				   struct scoutfs_alloc_list_head *avail,
				   struct scoutfs_alloc_list_head *freed);

/*
 * Write a list of arbitrary block numbers (e.g. blocks handed to a
 * mount) as new list blocks allocated from alloc.
 */
int scoutfs_meta_alloc_write_list(struct scoutfs_meta_alloc *alloc,
				  const u64 *blknos, u32 nr,
				  struct scoutfs_alloc_list_head *head);

#endif
