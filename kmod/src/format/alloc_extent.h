/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_FORMAT_ALLOC_EXTENT_H_
#define _SCOUTFS_FORMAT_ALLOC_EXTENT_H_

#include "format.h"
#include "btree_cow.h"

/*
 * Free extent allocators (docs/format.md sections 11 and 13), shared by
 * the kernel and the utilities.  An allocator's btree holds each free
 * extent as two items without values:
 *
 *   FREE_BLKNO (FREE_EXTENT zone, 0, FREE_BLKNO, last, len, 0)
 *   FREE_LEN   (FREE_EXTENT zone, 0, FREE_LEN,   len, last, 0)
 *
 * where last is the extent's last block, and total_len is the sum of
 * the lengths.  Free extents never overlap and never touch: freeing
 * merges with the neighbours.  Blocks come through bc's ops; new items
 * are written with the caller's seq.
 *
 * Policy:
 *  - Allocation is best fit: an extent of exactly the wanted length,
 *    else the smallest longer one, else the largest one if it is at
 *    least min_len.  Among extents of the same length the one at the
 *    lowest block is used.
 *  - Blocks are allocated from the START of the chosen extent and the
 *    tail stays free (it keeps the extent's last block), so successive
 *    allocations from one extent return increasing block numbers.
 *
 * Failures: every argument and overlap check is done before anything
 * is changed.  Each operation is a few item steps (delete an extent's
 * two items, insert two items); when a step fails (an error from the
 * ops, e.g. no block for a copy-on-write) the steps already done are
 * undone in reverse and the error is returned, leaving the allocator
 * as it was (items restored by an undo carry the new seq).  Undoing
 * needs the ops too: only when an undo step also fails is the
 * allocator left changed, and then it may be inconsistent (an extent
 * with one of its two items, or free space missing); the caller must
 * then discard the transaction, whose committed trees copy-on-write
 * left intact.  Items that don't describe a valid extent (zero length,
 * a start below block 0) or one index without the other's item give
 * -EIO.
 */

/*
 * Free the extent blkno .. blkno + len - 1, merging it with the free
 * extents that end at blkno - 1 and start at blkno + len.  -EINVAL,
 * with nothing changed, for len 0, an extent past the last block
 * number, an extent that overlaps free space (a double free), or a
 * total_len that would overflow.
 */
int scoutfs_alloc_extent_insert(struct scoutfs_btree_cow *bc,
				struct scoutfs_alloc_root *ar, __u64 seq,
				__u64 blkno, __u64 len);

/*
 * Allocate up to want_len blocks as one extent: *blkno_ret and *len_ret
 * are set to what was allocated.  The extent is want_len long unless
 * no free extent is that long, when it is the whole largest extent if
 * that is at least min_len (min_len 0 is taken as 1).  -ENOSPC when
 * there is no such extent, -EINVAL for want_len 0 or min_len > want_len.
 */
int scoutfs_alloc_extent_remove(struct scoutfs_btree_cow *bc,
				struct scoutfs_alloc_root *ar, __u64 seq,
				__u64 want_len, __u64 min_len,
				__u64 *blkno_ret, __u64 *len_ret);

/*
 * Allocate exactly blkno .. blkno + len - 1, which must be entirely
 * inside one free extent: -ENOENT if it isn't, -EINVAL for len 0 or an
 * extent past the last block number.
 */
int scoutfs_alloc_extent_remove_at(struct scoutfs_btree_cow *bc,
				   struct scoutfs_alloc_root *ar, __u64 seq,
				   __u64 blkno, __u64 len);

/*
 * Move up to total blocks from src to dst, an extent at a time (each
 * chosen as scoutfs_alloc_extent_remove() would, for the blocks still
 * to move), skipping nothing but stopping when src has no extent of at
 * least min_len (or of the remaining count, if that is smaller).
 * *moved is set to the blocks moved, also on error: the extents moved
 * before an error stay moved (each extent's move is undone as a whole).
 * Returns 0 when src runs out too.  -EINVAL if src and dst are the same
 * or their flags differ; an overlap in dst (the same blocks free in
 * both) also gives -EINVAL, with that extent left in src.
 */
int scoutfs_alloc_extent_move(struct scoutfs_btree_cow *bc,
			      struct scoutfs_alloc_root *dst,
			      struct scoutfs_alloc_root *src, __u64 seq,
			      __u64 total, __u64 min_len, __u64 *moved);

#endif
