// SPDX-License-Identifier: GPL-2.0
/*
 * A mount's data block allocator (storage/data_alloc.h).
 *
 * The free extents a transaction starts with are few (the server hands
 * out large extents), so they are kept in a sorted array and searched
 * linearly.  Allocations and frees are recorded as extents, adjacent
 * ones merged, and applied to the trees at commit.  An allocation is
 * always inside one of the starting extents, and those never touch, so
 * each allocation record lies inside one free extent of the tree.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "format/alloc_extent.h"
#include "format/btree_cow.h"
#include "format/key.h"
#include "storage/alloc.h"
#include "storage/btree.h"
#include "storage/data_alloc.h"

struct ext {
	u64 start;
	u64 len;
};

struct ext_array {
	struct ext *exts;
	u32 nr;
	u32 size;
};

struct scoutfs_data_alloc {
	struct mutex mutex;
	struct ext_array avail;		/* sorted by start, never touching */
	struct ext_array allocated;	/* in allocation order */
	struct ext_array freed;		/* in free order */
	u64 nr_avail;
	u64 nr_allocated;
	u64 nr_freed;
};

static int ext_array_grow(struct ext_array *ea)
{
	u32 size = max_t(u32, 16, ea->size * 2);
	struct ext *exts;

	exts = kvmalloc_array(size, sizeof(*exts), GFP_NOFS);
	if (!exts)
		return -ENOMEM;
	if (ea->nr)
		memcpy(exts, ea->exts, ea->nr * sizeof(*exts));
	kvfree(ea->exts);
	ea->exts = exts;
	ea->size = size;
	return 0;
}

static int ext_array_insert(struct ext_array *ea, u32 i, u64 start, u64 len)
{
	int ret;

	if (ea->nr == ea->size) {
		ret = ext_array_grow(ea);
		if (ret)
			return ret;
	}
	memmove(&ea->exts[i + 1], &ea->exts[i], (ea->nr - i) * sizeof(struct ext));
	ea->exts[i].start = start;
	ea->exts[i].len = len;
	ea->nr++;
	return 0;
}

static void ext_array_remove(struct ext_array *ea, u32 i)
{
	memmove(&ea->exts[i], &ea->exts[i + 1], (ea->nr - i - 1) * sizeof(struct ext));
	ea->nr--;
}

/* append, merged with the last extent when they're adjacent */
static int ext_array_append(struct ext_array *ea, u64 start, u64 len)
{
	struct ext *last = ea->nr ? &ea->exts[ea->nr - 1] : NULL;

	if (last && last->start + last->len == start) {
		last->len += len;
		return 0;
	}
	return ext_array_insert(ea, ea->nr, start, len);
}

struct scoutfs_data_alloc *scoutfs_data_alloc_create(void)
{
	struct scoutfs_data_alloc *da = kzalloc(sizeof(*da), GFP_KERNEL);

	if (da)
		mutex_init(&da->mutex);
	return da;
}

void scoutfs_data_alloc_destroy(struct scoutfs_data_alloc *da)
{
	if (!da)
		return;
	kvfree(da->avail.exts);
	kvfree(da->allocated.exts);
	kvfree(da->freed.exts);
	kfree(da);
}

int scoutfs_data_alloc_load(struct scoutfs_data_alloc *da, struct scoutfs_block_cache *bc,
			    const struct scoutfs_alloc_root *avail)
{
	struct scoutfs_key key;
	struct scoutfs_key last;
	u64 end, len;
	int ret = 0;

	mutex_lock(&da->mutex);
	da->avail.nr = 0;
	da->allocated.nr = 0;
	da->freed.nr = 0;
	da->nr_avail = 0;
	da->nr_allocated = 0;
	da->nr_freed = 0;

	/* FREE_BLKNO items, in block order: (zone, 0, type, last, len, 0) */
	scoutfs_key_set(&key, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_BLKNO_TYPE, 0, 0, 0);
	scoutfs_key_set(&last, SCOUTFS_FREE_EXTENT_ZONE, 0, SCOUTFS_FREE_BLKNO_TYPE,
			U64_MAX, U64_MAX, U8_MAX);
	while (avail->root.height) {
		ret = scoutfs_btree_next(bc, &avail->root, &key, &last, NULL, NULL, NULL, NULL);
		if (ret == -ENOENT) {
			ret = 0;
			break;
		}
		if (ret)
			break;
		end = le64_to_cpu(key.sk_second);
		len = le64_to_cpu(key.sk_third);
		if (len == 0 || len - 1 > end) {
			ret = -EIO;
			break;
		}
		ret = ext_array_insert(&da->avail, da->avail.nr, end - (len - 1), len);
		if (ret)
			break;
		da->nr_avail += len;
		if (!scoutfs_key_inc(&key))
			break;
	}
	if (ret) {
		da->avail.nr = 0;
		da->nr_avail = 0;
	}
	mutex_unlock(&da->mutex);
	return ret;
}

/* the extent to allocate from: the one holding hint, else best fit, else the largest */
static u32 choose(struct scoutfs_data_alloc *da, u64 hint, u64 want, u64 *from)
{
	struct ext *exts = da->avail.exts;
	u32 largest = 0;
	u32 fit = U32_MAX;
	u32 i;

	for (i = 0; i < da->avail.nr; i++) {
		if (hint >= exts[i].start && hint - exts[i].start < exts[i].len) {
			*from = hint;
			return i;
		}
		if (exts[i].len >= want && (fit == U32_MAX || exts[i].len < exts[fit].len))
			fit = i;
		if (exts[i].len > exts[largest].len)
			largest = i;
	}
	i = fit != U32_MAX ? fit : largest;
	*from = exts[i].start;
	return i;
}

int scoutfs_data_alloc_alloc(struct scoutfs_data_alloc *da, u64 hint, u64 want,
			     u64 *blkno, u64 *len)
{
	struct ext *ext;
	u64 from, n, end;
	u32 i;
	int ret;

	if (want == 0)
		return -EINVAL;
	mutex_lock(&da->mutex);
	if (da->avail.nr == 0) {
		ret = -ENOSPC;
		goto out;
	}
	i = choose(da, hint, want, &from);
	ext = &da->avail.exts[i];
	end = ext->start + ext->len;
	n = min(want, end - from);

	ret = ext_array_append(&da->allocated, from, n);
	if (ret)
		goto out;
	if (from == ext->start) {
		ext->start += n;
		ext->len -= n;
		if (ext->len == 0)
			ext_array_remove(&da->avail, i);
	} else if (from + n == end) {
		ext->len -= n;
	} else {
		/* from the middle: the extent is split in two */
		ret = ext_array_insert(&da->avail, i + 1, from + n, end - (from + n));
		if (ret) {
			da->allocated.exts[da->allocated.nr - 1].len -= n;
			if (da->allocated.exts[da->allocated.nr - 1].len == 0)
				da->allocated.nr--;
			goto out;
		}
		da->avail.exts[i].len = from - da->avail.exts[i].start;
	}
	da->nr_avail -= n;
	da->nr_allocated += n;
	*blkno = from;
	*len = n;
out:
	mutex_unlock(&da->mutex);
	return ret;
}

int scoutfs_data_alloc_free(struct scoutfs_data_alloc *da, u64 blkno, u64 len)
{
	int ret;

	if (len == 0)
		return 0;
	mutex_lock(&da->mutex);
	ret = ext_array_append(&da->freed, blkno, len);
	if (ret == 0)
		da->nr_freed += len;
	mutex_unlock(&da->mutex);
	return ret;
}

void scoutfs_data_alloc_counts(struct scoutfs_data_alloc *da, u64 *avail, u64 *allocated,
			       u64 *freed)
{
	mutex_lock(&da->mutex);
	*avail = da->nr_avail;
	*allocated = da->nr_allocated;
	*freed = da->nr_freed;
	mutex_unlock(&da->mutex);
}

int scoutfs_data_alloc_commit(struct scoutfs_data_alloc *da, struct scoutfs_meta_alloc *alloc,
			      u64 seq, struct scoutfs_alloc_root *avail,
			      struct scoutfs_alloc_root *freed)
{
	struct scoutfs_btree_cow cow;
	struct ext *ext;
	u32 i;
	int ret = 0;

	mutex_lock(&da->mutex);
	scoutfs_btree_txn_cow(&cow, alloc);
	for (i = 0; i < da->allocated.nr && ret == 0; i++) {
		ext = &da->allocated.exts[i];
		ret = scoutfs_alloc_extent_remove_at(&cow, avail, seq, ext->start, ext->len);
	}
	for (i = 0; i < da->freed.nr && ret == 0; i++) {
		ext = &da->freed.exts[i];
		ret = scoutfs_alloc_extent_insert(&cow, freed, seq, ext->start, ext->len);
	}
	if (ret == 0) {
		da->allocated.nr = 0;
		da->freed.nr = 0;
		da->nr_allocated = 0;
		da->nr_freed = 0;
	} else {
		pr_err_ratelimited("scoutfs: writing the data allocator's changes failed (%d)\n",
				   ret);
	}
	mutex_unlock(&da->mutex);
	return ret;
}
