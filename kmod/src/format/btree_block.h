/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_FORMAT_BTREE_BLOCK_H_
#define _SCOUTFS_FORMAT_BTREE_BLOCK_H_

#include "format.h"

/*
 * Results of scoutfs_btree_block_verify(), roughly in the order the
 * checks are made.  The per-item results come with the index of the
 * first item found to be wrong.
 */
enum scoutfs_btree_result {
	SCOUTFS_BTREE_OK = 0,
	SCOUTFS_BTREE_ERR_LEVEL,	/* level too high or not the expected one */
	SCOUTFS_BTREE_ERR_PAD,		/* header padding not zero */
	SCOUTFS_BTREE_ERR_NR_ITEMS,	/* item array doesn't fit; empty parent */
	SCOUTFS_BTREE_ERR_FREE,		/* free space counts don't add up */
	SCOUTFS_BTREE_ERR_KEY,		/* zero zone or type, or key padding */
	SCOUTFS_BTREE_ERR_KEY_ORDER,	/* key not greater than the previous */
	SCOUTFS_BTREE_ERR_ITEM_FLAGS,	/* unknown flags or item padding */
	SCOUTFS_BTREE_ERR_VAL_LEN,	/* too long, or a deletion with a value */
	SCOUTFS_BTREE_ERR_VAL_OFF,	/* value misaligned or outside the value area */
	SCOUTFS_BTREE_ERR_VAL_OVERLAP,	/* value overlaps another item's value */
	SCOUTFS_BTREE_ERR_PARENT,	/* parent item isn't a plain block ref */
	SCOUTFS_BTREE_NR_RESULTS,
};

/*
 * Verification marks the 8-byte units of the block that values use, to
 * find overlaps in linear time.  The caller provides the bitmap (1 KiB)
 * so that kernel callers can keep it off the stack.
 */
struct scoutfs_btree_verify_scratch {
	__u64 bits[SCOUTFS_META_BLOCK_SIZE / SCOUTFS_BTREE_VAL_ALIGN / 64];
};

/*
 * Check everything in a btree block after its block header, which
 * scoutfs_block_verify() checks.  level is the level the reader expects
 * or -1 for any.  *bad_item is set to the index of the offending item,
 * or -1 when the problem (or none) isn't with one item.  Returns a
 * SCOUTFS_BTREE_ value.  The block must be 8-byte aligned in memory.
 */
int scoutfs_btree_block_verify(const struct scoutfs_btree_block *bt, int level,
			       struct scoutfs_btree_verify_scratch *scratch,
			       int *bad_item);

/* a short description of a SCOUTFS_BTREE_ value, never NULL */
const char *scoutfs_btree_result_str(int result);

/* the bytes a value of val_len uses in the block */
static inline unsigned int scoutfs_btree_val_space(unsigned int val_len)
{
	return (val_len + SCOUTFS_BTREE_VAL_ALIGN - 1) &
	       ~(SCOUTFS_BTREE_VAL_ALIGN - 1);
}

/* bytes used by item headers and values: what split and join look at */
static inline unsigned int
scoutfs_btree_block_used(const struct scoutfs_btree_block *bt)
{
	return SCOUTFS_BTREE_SPACE - le16_to_cpu(bt->total_free_len);
}

/* an item's value, or NULL when it has none */
static inline const void *
scoutfs_btree_item_val(const struct scoutfs_btree_block *bt,
		       const struct scoutfs_btree_item *item)
{
	if (item->val_len == 0)
		return NULL;
	return (const char *)bt + le16_to_cpu(item->val_off);
}

/*
 * Zero a whole metadata block and make it an empty btree block at the
 * given level.  The crc is set by scoutfs_block_set_crc() once the
 * block is filled.
 */
void scoutfs_btree_block_init(struct scoutfs_btree_block *bt, __u64 fsid,
			      __u64 blkno, __u64 seq, __u8 level);

/*
 * Binary search for a key.  Returns 0 and sets *pos to its index when
 * it's found, or returns -ENOENT and sets *pos to the index it would be
 * inserted at.
 */
int scoutfs_btree_block_find(const struct scoutfs_btree_block *bt,
			     const struct scoutfs_key *key, unsigned int *pos);

/*
 * scoutfs_btree_block_find() that first tries index hint, where the
 * key after the last one looked up usually is when keys come in order
 * (two comparisons instead of a search).
 */
int scoutfs_btree_block_find_from(const struct scoutfs_btree_block *bt,
				  const struct scoutfs_key *key, unsigned int hint,
				  unsigned int *pos);

/*
 * Insert an item in key order, its value taken from the contiguous free
 * space.  Returns 0, -EEXIST if the key is already present, -ENOSPC if
 * the item doesn't fit in the contiguous free space, or -EINVAL for an
 * invalid key, unknown flags, an oversized value or a deletion item with
 * a value.  Parent items are inserted with seq 0, no flags and a struct
 * scoutfs_block_ref value.
 */
int scoutfs_btree_block_insert(struct scoutfs_btree_block *bt,
			       const struct scoutfs_key *key, __u64 seq,
			       __u8 flags, const void *val,
			       unsigned int val_len);

/*
 * scoutfs_btree_block_insert() at pos, where scoutfs_btree_block_find()
 * said the key, which is absent, goes; the arguments are the caller's to
 * have checked.  Returns 0 or -ENOSPC.
 */
int scoutfs_btree_block_insert_at(struct scoutfs_btree_block *bt, unsigned int pos,
				  const struct scoutfs_key *key, __u64 seq,
				  __u8 flags, const void *val, unsigned int val_len);

#endif
