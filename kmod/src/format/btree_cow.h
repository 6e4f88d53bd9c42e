/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_FORMAT_BTREE_COW_H_
#define _SCOUTFS_FORMAT_BTREE_COW_H_

#include "format.h"

/*
 * The copy-on-write btree algorithm, shared by the kernel's storage
 * layer and the utilities.  It never does IO or allocates memory or
 * blocks itself: the caller provides blocks through these operations.
 * Every block returned through bt must stay valid, at the same address,
 * until it is given back with put().  Handles are opaque to this code.
 *
 * read:  the block behind ref for reading.  The caller checks its
 *        header against the ref (magic BTREE, blkno, seq) and its
 *        structure (scoutfs_btree_block_verify() at the given level).
 * dirty: make the block behind *ref writable in the current transaction.
 *        A block already written in this transaction is returned in
 *        place; otherwise it is copied to a newly allocated block, the
 *        old block is freed and *ref is updated (blkno, seq).  *ref may
 *        be inside a dirty parent block or the caller's root.
 * alloc: a new empty writable btree block at level (as
 *        scoutfs_btree_block_init() makes it); sets *ref.
 * free:  free the block behind ref (dirty or not).  The algorithm has
 *        put() any handle of that block before calling it.
 * put:   give back a handle from read, dirty or alloc.
 *
 * read, dirty and alloc return 0 or a negative errno, which the
 * algorithm passes back to its caller.  The algorithm computes no
 * checksums: the caller sets the crc of the dirty blocks when it writes
 * them.  A walk holds at most three blocks at a time.
 */
struct scoutfs_btree_block;

struct scoutfs_btree_cow_ops {
	int (*read)(void *arg, const struct scoutfs_block_ref *ref, int level,
		    struct scoutfs_btree_block **bt, void **handle);
	int (*dirty)(void *arg, struct scoutfs_block_ref *ref, int level,
		     struct scoutfs_btree_block **bt, void **handle);
	int (*alloc)(void *arg, struct scoutfs_block_ref *ref, int level,
		     struct scoutfs_btree_block **bt, void **handle);
	void (*free)(void *arg, const struct scoutfs_block_ref *ref);
	void (*put)(void *arg, void *handle);
};

/*
 * What the operations need from the caller.  scratch is a buffer of
 * SCOUTFS_META_BLOCK_SIZE bytes, 8-byte aligned, used to compact
 * fragmented blocks; it is needed only by the modifying calls and may
 * be NULL for lookup/next/prev.  One context must not be used by two
 * callers at once (the caller serializes modifications of a tree anyway).
 */
struct scoutfs_btree_cow {
	const struct scoutfs_btree_cow_ops *ops;
	void *arg;
	void *scratch;
};

/* an item found by lookup, next or prev */
struct scoutfs_btree_cow_item {
	struct scoutfs_key key;
	__u64 seq;
	unsigned int val_len;	/* the value's full length */
	__u8 flags;
};

/*
 * Find an item.  Up to val_size bytes of its value are copied to val
 * (which may be NULL when val_size is 0); found->val_len is the full
 * length.  found may be NULL for lookup.  Returns 0, -ENOENT, or an
 * error from the ops.
 *
 *  lookup: the item with exactly key
 *  next:   the first item with a key >= key
 *  prev:   the last item with a key <= key
 */
int scoutfs_btree_cow_lookup(struct scoutfs_btree_cow *bc,
			     const struct scoutfs_btree_root *root,
			     const struct scoutfs_key *key, void *val,
			     unsigned int val_size,
			     struct scoutfs_btree_cow_item *found);
int scoutfs_btree_cow_next(struct scoutfs_btree_cow *bc,
			   const struct scoutfs_btree_root *root,
			   const struct scoutfs_key *key, void *val,
			   unsigned int val_size,
			   struct scoutfs_btree_cow_item *found);
int scoutfs_btree_cow_prev(struct scoutfs_btree_cow *bc,
			   const struct scoutfs_btree_root *root,
			   const struct scoutfs_key *key, void *val,
			   unsigned int val_size,
			   struct scoutfs_btree_cow_item *found);

/*
 * Modify a tree, dirtying (copying) the blocks on the path from the
 * root and updating *root.  An invalid key, unknown flags, a value
 * longer than SCOUTFS_BTREE_MAX_VAL_LEN or a deletion item with a value
 * return -EINVAL before anything is changed.
 *
 *  insert: -EEXIST if the key is present
 *  update: replace an item's seq, flags and value; -ENOENT if absent
 *  force:  insert or replace
 *  delete: remove an item; -ENOENT if absent
 *
 * Blocks are split, joined and rebalanced on the way down, so a failure
 * from the ops part way leaves a valid tree (possibly restructured but
 * with the same items).
 */
int scoutfs_btree_cow_insert(struct scoutfs_btree_cow *bc,
			     struct scoutfs_btree_root *root,
			     const struct scoutfs_key *key, __u64 seq,
			     __u8 flags, const void *val,
			     unsigned int val_len);
int scoutfs_btree_cow_update(struct scoutfs_btree_cow *bc,
			     struct scoutfs_btree_root *root,
			     const struct scoutfs_key *key, __u64 seq,
			     __u8 flags, const void *val,
			     unsigned int val_len);
int scoutfs_btree_cow_force(struct scoutfs_btree_cow *bc,
			    struct scoutfs_btree_root *root,
			    const struct scoutfs_key *key, __u64 seq,
			    __u8 flags, const void *val,
			    unsigned int val_len);
/*
 * Force every item that next() returns, in ascending key order: a
 * commit writing its sorted changes.  The same as forcing them one at a
 * time, but a leaf that has room for the next item and covers its key is
 * used again without walking down from the root.  next() returns 0 with
 * an item (its value valid until the next call), -ENOENT when there are
 * no more, or another error, which is returned.
 */
struct scoutfs_btree_cow_src {
	const struct scoutfs_key *key;
	__u64 seq;
	__u8 flags;
	const void *val;
	unsigned int val_len;
};
int scoutfs_btree_cow_force_sorted(struct scoutfs_btree_cow *bc,
				   struct scoutfs_btree_root *root,
				   int (*next)(void *arg, struct scoutfs_btree_cow_src *src),
				   void *arg);
int scoutfs_btree_cow_delete(struct scoutfs_btree_cow *bc,
			     struct scoutfs_btree_root *root,
			     const struct scoutfs_key *key);

/*
 * Rewrite a block's values contiguously at the end of the block so
 * that all of its free space is contiguous (mid_free_len ==
 * total_free_len).  scratch is SCOUTFS_META_BLOCK_SIZE bytes.
 */
void scoutfs_btree_cow_compact(struct scoutfs_btree_block *bt, void *scratch);

#endif
