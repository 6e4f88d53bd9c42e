// SPDX-License-Identifier: GPL-2.0
/*
 * Verifying, searching and building single btree blocks.
 *
 * This is the part of the btree that both the kernel and the utilities
 * need: the kernel to check every block it reads, mkfs to write the
 * initial trees and check to verify them.  Walking, splitting and
 * joining trees of blocks lives in the kernel's items layer.
 */
#include "btree_block.h"
#include "block.h"
#include "key.h"

#define ITEM_SIZE	((unsigned int)sizeof(struct scoutfs_btree_item))
#define HDR_SIZE	((unsigned int)sizeof(struct scoutfs_btree_block))
#define BLOCK_SIZE	SCOUTFS_META_BLOCK_SIZE
#define UNIT		SCOUTFS_BTREE_VAL_ALIGN

/*
 * Mark the value units [off, off + len) as used.  Returns false if any
 * of them was already used.
 */
static bool mark_units(struct scoutfs_btree_verify_scratch *scratch,
		       unsigned int off, unsigned int len)
{
	unsigned int u;
	__u64 bit;

	for (u = off / UNIT; u < (off + len) / UNIT; u++) {
		bit = 1ULL << (u % 64);
		if (scratch->bits[u / 64] & bit)
			return false;
		scratch->bits[u / 64] |= bit;
	}

	return true;
}

static int verify_parent_item(const struct scoutfs_btree_block *bt,
			      const struct scoutfs_btree_item *item)
{
	const struct scoutfs_block_ref *ref;

	if (le16_to_cpu(item->val_len) != sizeof(struct scoutfs_block_ref) ||
	    item->seq != 0 || item->flags != 0)
		return SCOUTFS_BTREE_ERR_PARENT;

	ref = scoutfs_btree_item_val(bt, item);
	if (ref->blkno == 0 || ref->seq == 0)
		return SCOUTFS_BTREE_ERR_PARENT;

	return SCOUTFS_BTREE_OK;
}

/* the checks of one item that don't involve other items */
static int verify_item(const struct scoutfs_btree_block *bt,
		       const struct scoutfs_btree_item *item,
		       unsigned int val_start)
{
	unsigned int val_len = le16_to_cpu(item->val_len);
	unsigned int val_off = le16_to_cpu(item->val_off);
	unsigned int i;

	if (!scoutfs_key_is_valid(&item->key))
		return SCOUTFS_BTREE_ERR_KEY;

	if (item->flags & ~SCOUTFS_ITEM_FLAGS_KNOWN)
		return SCOUTFS_BTREE_ERR_ITEM_FLAGS;
	for (i = 0; i < sizeof(item->__pad); i++) {
		if (item->__pad[i] != 0)
			return SCOUTFS_BTREE_ERR_ITEM_FLAGS;
	}

	if (val_len > SCOUTFS_BTREE_MAX_VAL_LEN ||
	    ((item->flags & SCOUTFS_ITEM_FLAG_DELETION) && val_len != 0))
		return SCOUTFS_BTREE_ERR_VAL_LEN;

	if (val_len == 0) {
		if (val_off != 0)
			return SCOUTFS_BTREE_ERR_VAL_OFF;
	} else if (val_off % UNIT != 0 || val_off < val_start ||
		   val_off + scoutfs_btree_val_space(val_len) > BLOCK_SIZE) {
		return SCOUTFS_BTREE_ERR_VAL_OFF;
	}

	if (bt->level > 0)
		return verify_parent_item(bt, item);

	return SCOUTFS_BTREE_OK;
}

int scoutfs_btree_block_verify(const struct scoutfs_btree_block *bt, int level,
			       struct scoutfs_btree_verify_scratch *scratch,
			       int *bad_item)
{
	const struct scoutfs_btree_item *item;
	unsigned int nr = le16_to_cpu(bt->nr_items);
	unsigned int mid_free = le16_to_cpu(bt->mid_free_len);
	unsigned int total_free = le16_to_cpu(bt->total_free_len);
	unsigned int items_end;
	unsigned int val_start;
	unsigned int val_used = 0;
	unsigned int lowest = BLOCK_SIZE;
	unsigned int space;
	unsigned int i;
	int ret;

	*bad_item = -1;

	if (bt->level >= SCOUTFS_BTREE_MAX_HEIGHT ||
	    (level >= 0 && bt->level != level))
		return SCOUTFS_BTREE_ERR_LEVEL;
	if (bt->__pad[0] != 0)
		return SCOUTFS_BTREE_ERR_PAD;

	items_end = HDR_SIZE + nr * ITEM_SIZE;
	if (items_end > BLOCK_SIZE || (bt->level > 0 && nr == 0))
		return SCOUTFS_BTREE_ERR_NR_ITEMS;

	if (mid_free > total_free || items_end + mid_free > BLOCK_SIZE)
		return SCOUTFS_BTREE_ERR_FREE;
	val_start = items_end + mid_free;

	memset(scratch, 0, sizeof(*scratch));

	for (i = 0; i < nr; i++) {
		item = &bt->items[i];
		*bad_item = i;

		ret = verify_item(bt, item, val_start);
		if (ret != SCOUTFS_BTREE_OK)
			return ret;

		if (i > 0 && scoutfs_key_compare(&bt->items[i - 1].key,
						 &item->key) >= 0)
			return SCOUTFS_BTREE_ERR_KEY_ORDER;

		if (item->val_len != 0) {
			space = scoutfs_btree_val_space(le16_to_cpu(item->val_len));
			if (!mark_units(scratch, le16_to_cpu(item->val_off), space))
				return SCOUTFS_BTREE_ERR_VAL_OVERLAP;
			val_used += space;
			if (le16_to_cpu(item->val_off) < lowest)
				lowest = le16_to_cpu(item->val_off);
		}
	}

	*bad_item = -1;

	/* the lowest value ends the contiguous free space */
	if (lowest != val_start)
		return SCOUTFS_BTREE_ERR_FREE;
	if (total_free != BLOCK_SIZE - items_end - val_used)
		return SCOUTFS_BTREE_ERR_FREE;

	return SCOUTFS_BTREE_OK;
}

const char *scoutfs_btree_result_str(int result)
{
	static const char * const strs[] = {
		[SCOUTFS_BTREE_OK] = "ok",
		[SCOUTFS_BTREE_ERR_LEVEL] = "bad level",
		[SCOUTFS_BTREE_ERR_PAD] = "header padding not zero",
		[SCOUTFS_BTREE_ERR_NR_ITEMS] = "bad item count",
		[SCOUTFS_BTREE_ERR_FREE] = "free space counts inconsistent",
		[SCOUTFS_BTREE_ERR_KEY] = "invalid key",
		[SCOUTFS_BTREE_ERR_KEY_ORDER] = "keys out of order",
		[SCOUTFS_BTREE_ERR_ITEM_FLAGS] = "bad item flags or padding",
		[SCOUTFS_BTREE_ERR_VAL_LEN] = "bad value length",
		[SCOUTFS_BTREE_ERR_VAL_OFF] = "value offset out of bounds",
		[SCOUTFS_BTREE_ERR_VAL_OVERLAP] = "values overlap",
		[SCOUTFS_BTREE_ERR_PARENT] = "bad parent item",
	};

	if (result < 0 || result >= SCOUTFS_BTREE_NR_RESULTS)
		return "unknown btree check result";
	return strs[result];
}

void scoutfs_btree_block_init(struct scoutfs_btree_block *bt, __u64 fsid,
			      __u64 blkno, __u64 seq, __u8 level)
{
	memset(bt, 0, BLOCK_SIZE);
	scoutfs_block_hdr_init(&bt->hdr, SCOUTFS_BLOCK_MAGIC_BTREE, fsid, blkno,
			       seq);
	bt->level = level;
	bt->mid_free_len = cpu_to_le16(SCOUTFS_BTREE_SPACE);
	bt->total_free_len = cpu_to_le16(SCOUTFS_BTREE_SPACE);
}

int scoutfs_btree_block_find(const struct scoutfs_btree_block *bt,
			     const struct scoutfs_key *key, unsigned int *pos)
{
	unsigned int lo = 0;
	unsigned int hi = le16_to_cpu(bt->nr_items);
	unsigned int mid;
	int cmp;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = scoutfs_key_compare(&bt->items[mid].key, key);
		if (cmp < 0) {
			lo = mid + 1;
		} else if (cmp > 0) {
			hi = mid;
		} else {
			*pos = mid;
			return 0;
		}
	}

	*pos = lo;
	return -ENOENT;
}

int scoutfs_btree_block_find_from(const struct scoutfs_btree_block *bt,
				  const struct scoutfs_key *key, unsigned int hint,
				  unsigned int *pos)
{
	unsigned int nr = le16_to_cpu(bt->nr_items);
	int cmp;

	if (hint <= nr && (hint == 0 || scoutfs_key_compare(&bt->items[hint - 1].key, key) < 0)) {
		cmp = hint < nr ? scoutfs_key_compare(&bt->items[hint].key, key) : 1;
		if (cmp >= 0) {
			*pos = hint;
			return cmp == 0 ? 0 : -ENOENT;
		}
	}
	return scoutfs_btree_block_find(bt, key, pos);
}

int scoutfs_btree_block_insert(struct scoutfs_btree_block *bt,
			       const struct scoutfs_key *key, __u64 seq,
			       __u8 flags, const void *val,
			       unsigned int val_len)
{
	unsigned int pos;

	if (!scoutfs_key_is_valid(key) || (flags & ~SCOUTFS_ITEM_FLAGS_KNOWN) ||
	    val_len > SCOUTFS_BTREE_MAX_VAL_LEN || (val_len != 0 && !val) ||
	    ((flags & SCOUTFS_ITEM_FLAG_DELETION) && val_len != 0))
		return -EINVAL;

	if (scoutfs_btree_block_find(bt, key, &pos) == 0)
		return -EEXIST;
	return scoutfs_btree_block_insert_at(bt, pos, key, seq, flags, val, val_len);
}

int scoutfs_btree_block_insert_at(struct scoutfs_btree_block *bt, unsigned int pos,
				  const struct scoutfs_key *key, __u64 seq,
				  __u8 flags, const void *val, unsigned int val_len)
{
	struct scoutfs_btree_item *item;
	unsigned int nr = le16_to_cpu(bt->nr_items);
	unsigned int mid_free = le16_to_cpu(bt->mid_free_len);
	unsigned int space = scoutfs_btree_val_space(val_len);
	unsigned int val_off = 0;

	if (ITEM_SIZE + space > mid_free)
		return -ENOSPC;

	/* the value goes just below the current lowest value */
	if (val_len != 0) {
		val_off = HDR_SIZE + nr * ITEM_SIZE + mid_free - space;
		memcpy((char *)bt + val_off, val, val_len);
		memset((char *)bt + val_off + val_len, 0, space - val_len);
	}

	memmove(&bt->items[pos + 1], &bt->items[pos],
		(nr - pos) * sizeof(struct scoutfs_btree_item));
	item = &bt->items[pos];
	memset(item, 0, sizeof(*item));
	item->key = *key;
	item->seq = cpu_to_le64(seq);
	item->val_off = cpu_to_le16(val_off);
	item->val_len = cpu_to_le16(val_len);
	item->flags = flags;

	bt->nr_items = cpu_to_le16(nr + 1);
	bt->mid_free_len = cpu_to_le16(mid_free - ITEM_SIZE - space);
	bt->total_free_len = cpu_to_le16(le16_to_cpu(bt->total_free_len) -
					 ITEM_SIZE - space);

	return 0;
}
