// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata block allocation within a transaction (storage/alloc.h).
 *
 * The lists are small enough to hold in memory: a mount is handed a few
 * thousand blocks per transaction and frees about as many.  Holding them
 * as arrays keeps allocation O(1) and makes writing the lists at commit
 * the only place list blocks are built.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "format/block.h"
#include "storage/alloc.h"
#include "storage/block.h"

#define LIST_MAX SCOUTFS_ALLOC_LIST_MAX_BLKNOS

static int grow(u64 **arr, u32 *size, u32 want)
{
	u32 new_size = max_t(u32, want, max_t(u32, 1024, *size * 2));
	u64 *n;

	if (want <= *size)
		return 0;
	n = kvmalloc_array(new_size, sizeof(u64), GFP_NOFS);
	if (!n)
		return -ENOMEM;
	if (*arr) {
		memcpy(n, *arr, (size_t)*size * sizeof(u64));
		kvfree(*arr);
	}
	*arr = n;
	*size = new_size;
	return 0;
}

static int push(u64 **arr, u32 *nr, u32 *size, u64 blkno)
{
	int ret = grow(arr, size, *nr + 1);

	if (ret)
		return ret;
	(*arr)[(*nr)++] = blkno;
	return 0;
}

int scoutfs_meta_alloc_free(struct scoutfs_meta_alloc *alloc, u64 blkno)
{
	return push(&alloc->freed, &alloc->nr_freed, &alloc->freed_size, blkno);
}

/* read a committed list chain, pushing its entries and freeing its blocks */
static int read_list(struct scoutfs_meta_alloc *alloc,
		     const struct scoutfs_alloc_list_head *head,
		     u64 **arr, u32 *nr, u32 *size)
{
	struct scoutfs_block_ref ref = head->ref;
	struct scoutfs_alloc_list_block *lb;
	struct scoutfs_block *blk;
	u64 total = 0;
	u32 start, n, i;
	int result;
	int ret;

	while (ref.blkno) {
		ret = scoutfs_block_read_ref(alloc->bc, &ref, SCOUTFS_BLOCK_MAGIC_ALLOC_LIST,
					     &blk, &result);
		if (ret) {
			pr_err_ratelimited("scoutfs %016llx: allocator list block %llu: %s (%d)\n",
					   scoutfs_block_cache_fsid(alloc->bc),
					   le64_to_cpu(ref.blkno),
					   result ? scoutfs_block_result_str(result) : "read failed",
					   ret);
			return ret;
		}
		lb = blk->data;
		start = le32_to_cpu(lb->start);
		n = le32_to_cpu(lb->nr);
		if (start > LIST_MAX || n > LIST_MAX - start) {
			pr_err_ratelimited("scoutfs %016llx: allocator list block %llu: entries %u+%u past its end\n",
					   scoutfs_block_cache_fsid(alloc->bc), blk->blkno, start, n);
			scoutfs_block_put(blk);
			return -EIO;
		}
		ret = grow(arr, size, *nr + n);
		for (i = 0; ret == 0 && i < n; i++) {
			u64 b = le64_to_cpu(lb->blknos[start + i]);

			if (b < SCOUTFS_META_FIRST_BLKNO) {
				ret = -EIO;
				break;
			}
			(*arr)[(*nr)++] = b;
		}
		total += n;
		if (ret == 0)
			ret = scoutfs_meta_alloc_free(alloc, blk->blkno);
		ref = lb->next;
		scoutfs_block_put(blk);
		if (ret)
			return ret;
	}
	if (total != le64_to_cpu(head->total_nr)) {
		pr_err_ratelimited("scoutfs %016llx: allocator list holds %llu blocks, its head says %llu\n",
				   scoutfs_block_cache_fsid(alloc->bc), total,
				   le64_to_cpu(head->total_nr));
		return -EIO;
	}
	return 0;
}

int scoutfs_meta_alloc_init(struct scoutfs_meta_alloc *alloc,
			    struct scoutfs_block_cache *bc,
			    struct scoutfs_block_writer *wri, u64 seq,
			    const struct scoutfs_alloc_list_head *avail,
			    const struct scoutfs_alloc_list_head *freed)
{
	int ret;

	memset(alloc, 0, sizeof(*alloc));
	alloc->bc = bc;
	alloc->wri = wri;
	alloc->seq = seq;
	alloc->scratch = kvmalloc(SCOUTFS_META_BLOCK_SIZE, GFP_NOFS);
	if (!alloc->scratch)
		return -ENOMEM;

	ret = read_list(alloc, avail, &alloc->avail, &alloc->nr_avail, &alloc->avail_size) ?:
	      read_list(alloc, freed, &alloc->freed, &alloc->nr_freed, &alloc->freed_size);
	if (ret)
		scoutfs_meta_alloc_destroy(alloc);
	return ret;
}

void scoutfs_meta_alloc_destroy(struct scoutfs_meta_alloc *alloc)
{
	kvfree(alloc->scratch);
	kvfree(alloc->avail);
	kvfree(alloc->freed);
	memset(alloc, 0, sizeof(*alloc));
}

int scoutfs_meta_alloc_alloc(struct scoutfs_meta_alloc *alloc, u64 *blkno)
{
	if (alloc->nr_avail == 0)
		return -ENOSPC;
	*blkno = alloc->avail[--alloc->nr_avail];
	return 0;
}

void scoutfs_meta_alloc_unalloc(struct scoutfs_meta_alloc *alloc, u64 blkno)
{
	/* there's always room: the block came from this array */
	if (!WARN_ON_ONCE(alloc->nr_avail >= alloc->avail_size))
		alloc->avail[alloc->nr_avail++] = blkno;
}

int scoutfs_meta_alloc_add_avail(struct scoutfs_meta_alloc *alloc, u64 blkno, u64 len)
{
	int ret;

	if (len > U32_MAX - alloc->nr_avail)
		return -EINVAL;
	ret = grow(&alloc->avail, &alloc->avail_size, alloc->nr_avail + (u32)len);
	if (ret)
		return ret;
	/* pushed high to low so that allocation pops ascending numbers */
	while (len-- > 0)
		alloc->avail[alloc->nr_avail++] = blkno + len;
	return 0;
}

int scoutfs_meta_alloc_take_list(struct scoutfs_meta_alloc *alloc,
				 const struct scoutfs_alloc_list_head *head)
{
	return read_list(alloc, head, &alloc->freed, &alloc->nr_freed, &alloc->freed_size);
}

int scoutfs_meta_alloc_read_list(struct scoutfs_meta_alloc *alloc,
				 const struct scoutfs_alloc_list_head *head,
				 u64 **entries, u32 *nr)
{
	u32 size = 0;
	int ret;

	*entries = NULL;
	*nr = 0;
	ret = read_list(alloc, head, entries, nr, &size);
	if (ret) {
		kvfree(*entries);
		*entries = NULL;
		*nr = 0;
	}
	return ret;
}

u32 scoutfs_meta_alloc_pop_freed(struct scoutfs_meta_alloc *alloc, u64 *blknos, u32 nr)
{
	u32 i;

	nr = min(nr, alloc->nr_freed);
	for (i = 0; i < nr; i++)
		blknos[i] = alloc->freed[--alloc->nr_freed];
	return nr;
}

/* fill already allocated list blocks with blknos, chained in order */
static int fill_list(struct scoutfs_meta_alloc *alloc, const u64 *list_blknos,
		     u32 nr_blocks, const u64 *blknos, u32 nr,
		     struct scoutfs_alloc_list_head *head)
{
	struct scoutfs_alloc_list_block *lb;
	struct scoutfs_block_ref next = { 0, };
	struct scoutfs_block *blk;
	u32 i, j, first, n;
	int ret;

	memset(head, 0, sizeof(*head));
	/* the last block first, so that each knows its successor's ref */
	for (i = nr_blocks; i-- > 0; ) {
		first = i * LIST_MAX;
		n = first < nr ? min_t(u32, LIST_MAX, nr - first) : 0;
		ret = scoutfs_block_new(alloc->bc, alloc->wri, list_blknos[i], alloc->seq,
					SCOUTFS_BLOCK_MAGIC_ALLOC_LIST, &blk);
		if (ret)
			return ret;
		lb = blk->data;
		lb->next = next;
		lb->start = 0;
		lb->nr = cpu_to_le32(n);
		for (j = 0; j < n; j++)
			lb->blknos[j] = cpu_to_le64(blknos[first + j]);
		next.blkno = cpu_to_le64(blk->blkno);
		next.seq = cpu_to_le64(alloc->seq);
		if (i == 0)
			head->first_nr = cpu_to_le32(n);
		scoutfs_block_put(blk);
	}
	head->ref = next;
	head->total_nr = cpu_to_le64(nr);
	return 0;
}

int scoutfs_meta_alloc_write_list(struct scoutfs_meta_alloc *alloc,
				  const u64 *blknos, u32 nr,
				  struct scoutfs_alloc_list_head *head)
{
	u32 nr_blocks = DIV_ROUND_UP(nr, LIST_MAX);
	u64 *list_blknos;
	u32 i;
	int ret = 0;

	if (nr_blocks == 0) {
		memset(head, 0, sizeof(*head));
		return 0;
	}
	list_blknos = kmalloc_array(nr_blocks, sizeof(u64), GFP_NOFS);
	if (!list_blknos)
		return -ENOMEM;
	for (i = 0; i < nr_blocks && ret == 0; i++)
		ret = scoutfs_meta_alloc_alloc(alloc, &list_blknos[i]);
	if (ret == 0)
		ret = fill_list(alloc, list_blknos, nr_blocks, blknos, nr, head);
	kfree(list_blknos);
	return ret;
}

int scoutfs_meta_alloc_write_lists(struct scoutfs_meta_alloc *alloc,
				   struct scoutfs_alloc_list_head *avail,
				   struct scoutfs_alloc_list_head *freed)
{
	u32 freed_blocks = DIV_ROUND_UP(alloc->nr_freed, LIST_MAX);
	u32 total = freed_blocks;
	u32 need;
	u64 *list_blknos;
	u32 i;
	int ret;

	/*
	 * The list blocks come out of avail, shrinking the avail list: find
	 * the fewest blocks that hold both lists.  Rarely (avail just over
	 * a multiple of a list block) one avail list block ends up empty.
	 */
	for (;;) {
		if (alloc->nr_avail < total)
			return -ENOSPC;
		need = freed_blocks + DIV_ROUND_UP(alloc->nr_avail - total, LIST_MAX);
		if (need <= total)
			break;
		total = need;
	}
	if (total == 0) {
		memset(avail, 0, sizeof(*avail));
		memset(freed, 0, sizeof(*freed));
		return 0;
	}

	list_blknos = kmalloc_array(total, sizeof(u64), GFP_NOFS);
	if (!list_blknos)
		return -ENOMEM;
	for (i = 0; i < total; i++)
		list_blknos[i] = alloc->avail[--alloc->nr_avail];

	ret = fill_list(alloc, list_blknos, freed_blocks, alloc->freed,
			alloc->nr_freed, freed) ?:
	      fill_list(alloc, list_blknos + freed_blocks, total - freed_blocks,
			alloc->avail, alloc->nr_avail, avail);
	kfree(list_blknos);
	return ret;
}
