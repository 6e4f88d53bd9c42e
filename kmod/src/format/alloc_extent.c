// SPDX-License-Identifier: GPL-2.0
/*
 * Free extent allocator operations over the copy-on-write btree.  See
 * alloc_extent.h for the policy and the failure guarantees.
 *
 * Internally an extent is (start, len); the items are keyed by its last
 * block, start + len - 1.  Every change is made of two primitives that
 * each keep the allocator consistent: ext_del() removes an extent's two
 * items and its length from total_len, ext_add() does the opposite.
 * Each undoes its own first item change if its second fails, and the
 * operations undo completed primitives in reverse on a failure.
 */
#include "types.h"
#include "format.h"
#include "key.h"
#include "btree_cow.h"
#include "alloc_extent.h"

#define EXT_U64_MAX	(~(__u64)0)

struct ext {
	__u64 start;
	__u64 len;
};

static __u64 ext_last(const struct ext *ext)
{
	return ext->start + ext->len - 1;
}

static void blkno_key(struct scoutfs_key *key, __u64 last, __u64 len)
{
	scoutfs_key_set(key, SCOUTFS_FREE_EXTENT_ZONE, 0,
			SCOUTFS_FREE_BLKNO_TYPE, last, len, 0);
}

static void len_key(struct scoutfs_key *key, __u64 len, __u64 last)
{
	scoutfs_key_set(key, SCOUTFS_FREE_EXTENT_ZONE, 0,
			SCOUTFS_FREE_LEN_TYPE, len, last, 0);
}

/* a range of len blocks from blkno that doesn't wrap past the last block */
static bool range_valid(__u64 blkno, __u64 len)
{
	return len != 0 && blkno <= EXT_U64_MAX - (len - 1);
}

/*
 * Decode a found item as an extent of the given index type: -ENOENT if
 * the item is of another type (the search left the index), -EIO if it
 * doesn't describe a valid extent.
 */
static int decode_item(const struct scoutfs_btree_cow_item *it, __u8 type,
		       struct ext *ext)
{
	__u64 last;
	__u64 len;

	if (it->key.sk_zone != SCOUTFS_FREE_EXTENT_ZONE ||
	    it->key.sk_type != type || it->key.sk_first != 0)
		return -ENOENT;

	if (type == SCOUTFS_FREE_BLKNO_TYPE) {
		last = le64_to_cpu(it->key.sk_second);
		len = le64_to_cpu(it->key.sk_third);
	} else {
		len = le64_to_cpu(it->key.sk_second);
		last = le64_to_cpu(it->key.sk_third);
	}
	if (len == 0 || len - 1 > last || it->key.sk_fourth != 0 ||
	    it->val_len != 0)
		return -EIO;

	ext->start = last - (len - 1);
	ext->len = len;
	return 0;
}

/* the first extent whose last block is >= blkno */
static int next_by_blkno(struct scoutfs_btree_cow *bc,
			 const struct scoutfs_alloc_root *ar, __u64 blkno,
			 struct ext *ext)
{
	struct scoutfs_btree_cow_item it;
	struct scoutfs_key key;
	int ret;

	blkno_key(&key, blkno, 0);
	ret = scoutfs_btree_cow_next(bc, &ar->root, &key, NULL, 0, &it);
	if (ret == 0)
		ret = decode_item(&it, SCOUTFS_FREE_BLKNO_TYPE, ext);
	return ret;
}

/* the last extent whose last block is <= blkno */
static int prev_by_blkno(struct scoutfs_btree_cow *bc,
			 const struct scoutfs_alloc_root *ar, __u64 blkno,
			 struct ext *ext)
{
	struct scoutfs_btree_cow_item it;
	struct scoutfs_key key;
	int ret;

	blkno_key(&key, blkno, EXT_U64_MAX);
	key.sk_fourth = 0xff;
	ret = scoutfs_btree_cow_prev(bc, &ar->root, &key, NULL, 0, &it);
	if (ret == 0)
		ret = decode_item(&it, SCOUTFS_FREE_BLKNO_TYPE, ext);
	return ret;
}

/*
 * The shortest extent of at least len blocks, the lowest of those
 * with that length; with len EXT_U64_MAX and prev, the longest extent.
 */
static int find_by_len(struct scoutfs_btree_cow *bc,
		       const struct scoutfs_alloc_root *ar, __u64 len,
		       bool longest, struct ext *ext)
{
	struct scoutfs_btree_cow_item it;
	struct scoutfs_key key;
	int ret;

	if (longest) {
		len_key(&key, EXT_U64_MAX, EXT_U64_MAX);
		key.sk_fourth = 0xff;
		ret = scoutfs_btree_cow_prev(bc, &ar->root, &key, NULL, 0, &it);
	} else {
		len_key(&key, len, 0);
		ret = scoutfs_btree_cow_next(bc, &ar->root, &key, NULL, 0, &it);
	}
	if (ret == 0)
		ret = decode_item(&it, SCOUTFS_FREE_LEN_TYPE, ext);
	return ret;
}

/* the index items of an extent must agree: a missing or extra one is corruption */
static int item_err(int ret)
{
	return (ret == -ENOENT || ret == -EEXIST) ? -EIO : ret;
}

/* insert an extent's two items and add its length to total_len */
static int ext_add(struct scoutfs_btree_cow *bc, struct scoutfs_alloc_root *ar,
		   __u64 seq, __u64 start, __u64 len)
{
	struct scoutfs_key key;
	__u64 last = start + len - 1;
	int ret;

	blkno_key(&key, last, len);
	ret = scoutfs_btree_cow_insert(bc, &ar->root, &key, seq, 0, NULL, 0);
	if (ret)
		return item_err(ret);

	len_key(&key, len, last);
	ret = scoutfs_btree_cow_insert(bc, &ar->root, &key, seq, 0, NULL, 0);
	if (ret) {
		blkno_key(&key, last, len);
		scoutfs_btree_cow_delete(bc, &ar->root, &key);
		return item_err(ret);
	}

	le64_add_cpu(&ar->total_len, len);
	return 0;
}

/* delete an extent's two items and subtract its length from total_len */
static int ext_del(struct scoutfs_btree_cow *bc, struct scoutfs_alloc_root *ar,
		   __u64 seq, const struct ext *ext)
{
	struct scoutfs_key key;
	int ret;

	blkno_key(&key, ext_last(ext), ext->len);
	ret = scoutfs_btree_cow_delete(bc, &ar->root, &key);
	if (ret)
		return item_err(ret);

	len_key(&key, ext->len, ext_last(ext));
	ret = scoutfs_btree_cow_delete(bc, &ar->root, &key);
	if (ret) {
		blkno_key(&key, ext_last(ext), ext->len);
		scoutfs_btree_cow_insert(bc, &ar->root, &key, seq, 0, NULL, 0);
		return item_err(ret);
	}

	le64_add_cpu(&ar->total_len, -ext->len);
	return 0;
}

int scoutfs_alloc_extent_insert(struct scoutfs_btree_cow *bc,
				struct scoutfs_alloc_root *ar, __u64 seq,
				__u64 blkno, __u64 len)
{
	struct ext left = { 0, 0 };
	struct ext right = { 0, 0 };
	struct ext found;
	__u64 last;
	__u64 start;
	__u64 new_len;
	int ret;

	if (!range_valid(blkno, len) ||
	    le64_to_cpu(ar->total_len) > EXT_U64_MAX - len)
		return -EINVAL;
	last = blkno + len - 1;

	/* the first extent ending at or after blkno overlaps or follows */
	ret = next_by_blkno(bc, ar, blkno, &found);
	if (ret == 0) {
		if (found.start <= last)
			return -EINVAL;
		if (found.start - 1 == last)
			right = found;
	} else if (ret != -ENOENT) {
		return ret;
	}

	/* the last extent ending before blkno can only touch it */
	if (blkno > 0) {
		ret = prev_by_blkno(bc, ar, blkno - 1, &found);
		if (ret == 0) {
			if (ext_last(&found) == blkno - 1)
				left = found;
		} else if (ret != -ENOENT) {
			return ret;
		}
	}

	start = left.len ? left.start : blkno;
	new_len = left.len + len + right.len;

	if (left.len) {
		ret = ext_del(bc, ar, seq, &left);
		if (ret)
			return ret;
	}
	if (right.len) {
		ret = ext_del(bc, ar, seq, &right);
		if (ret)
			goto undo_left;
	}
	ret = ext_add(bc, ar, seq, start, new_len);
	if (ret == 0)
		return 0;

	if (right.len)
		ext_add(bc, ar, seq, right.start, right.len);
undo_left:
	if (left.len)
		ext_add(bc, ar, seq, left.start, left.len);
	return ret;
}

int scoutfs_alloc_extent_remove(struct scoutfs_btree_cow *bc,
				struct scoutfs_alloc_root *ar, __u64 seq,
				__u64 want_len, __u64 min_len,
				__u64 *blkno_ret, __u64 *len_ret)
{
	struct ext ext;
	__u64 len;
	int ret;

	if (want_len == 0 || min_len > want_len)
		return -EINVAL;
	if (min_len == 0)
		min_len = 1;

	/* exact fit, else the smallest longer extent */
	ret = find_by_len(bc, ar, want_len, false, &ext);
	if (ret == 0) {
		len = want_len;
	} else if (ret == -ENOENT) {
		/* all are shorter: the longest, if long enough */
		ret = find_by_len(bc, ar, 0, true, &ext);
		if (ret == -ENOENT || (ret == 0 && ext.len < min_len))
			return -ENOSPC;
		/* prev found the highest of the longest: take the lowest */
		if (ret == 0)
			ret = find_by_len(bc, ar, ext.len, false, &ext);
		if (ret)
			return item_err(ret);
		len = ext.len;
	} else {
		return ret;
	}

	ret = ext_del(bc, ar, seq, &ext);
	if (ret)
		return ret;

	/* allocate from the start: the tail stays free */
	if (ext.len > len) {
		ret = ext_add(bc, ar, seq, ext.start + len, ext.len - len);
		if (ret) {
			ext_add(bc, ar, seq, ext.start, ext.len);
			return ret;
		}
	}

	*blkno_ret = ext.start;
	*len_ret = len;
	return 0;
}

int scoutfs_alloc_extent_remove_at(struct scoutfs_btree_cow *bc,
				   struct scoutfs_alloc_root *ar, __u64 seq,
				   __u64 blkno, __u64 len)
{
	struct ext ext;
	__u64 last;
	__u64 before;
	__u64 after;
	int ret;

	if (!range_valid(blkno, len))
		return -EINVAL;
	last = blkno + len - 1;

	ret = next_by_blkno(bc, ar, blkno, &ext);
	if (ret)
		return ret;
	if (ext.start > blkno || ext_last(&ext) < last)
		return -ENOENT;

	before = blkno - ext.start;
	after = ext_last(&ext) - last;

	ret = ext_del(bc, ar, seq, &ext);
	if (ret)
		return ret;
	if (before) {
		ret = ext_add(bc, ar, seq, ext.start, before);
		if (ret)
			goto undo_del;
	}
	if (after) {
		ret = ext_add(bc, ar, seq, last + 1, after);
		if (ret)
			goto undo_before;
	}
	return 0;

undo_before:
	if (before) {
		struct ext b = { ext.start, before };

		ext_del(bc, ar, seq, &b);
	}
undo_del:
	ext_add(bc, ar, seq, ext.start, ext.len);
	return ret;
}

int scoutfs_alloc_extent_move(struct scoutfs_btree_cow *bc,
			      struct scoutfs_alloc_root *dst,
			      struct scoutfs_alloc_root *src, __u64 seq,
			      __u64 total, __u64 min_len, __u64 *moved)
{
	__u64 blkno;
	__u64 len;
	__u64 want;
	int ret = 0;

	*moved = 0;
	if (dst == src || dst->flags != src->flags)
		return -EINVAL;

	while (*moved < total) {
		want = total - *moved;
		ret = scoutfs_alloc_extent_remove(bc, src, seq, want,
						  min_len < want ? min_len : want,
						  &blkno, &len);
		if (ret == -ENOSPC) {
			ret = 0;
			break;
		}
		if (ret)
			break;

		ret = scoutfs_alloc_extent_insert(bc, dst, seq, blkno, len);
		if (ret) {
			/* merges back into the extent it came from */
			scoutfs_alloc_extent_insert(bc, src, seq, blkno, len);
			break;
		}
		*moved += len;
	}

	return ret;
}
