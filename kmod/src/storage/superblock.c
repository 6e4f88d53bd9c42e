// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and checking the superblocks of both devices at mount.
 *
 * Everything a mount refuses because of what is on the devices is found
 * here, each with its own message: unformatted or foreign devices,
 * swapped devices, devices of two different filesystems, unsupported
 * versions or features, and devices smaller than the filesystem.
 */
#include <linux/blkdev.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "format/block.h"
#include "storage/bio.h"
#include "storage/superblock.h"

#define WHY(fmt, ...) snprintf(why, SCOUTFS_SUPER_WHY_LEN, fmt, ##__VA_ARGS__)

/* read one device's superblock and check what it says about itself */
static int read_one(struct block_device *bdev, const char *role, u64 want_flag,
		    struct page *page, struct scoutfs_super_block *super,
		    char *why)
{
	u64 other_flag = want_flag == SCOUTFS_SUPER_FLAG_META_DEV ?
			 SCOUTFS_SUPER_FLAG_DATA_DEV : SCOUTFS_SUPER_FLAG_META_DEV;
	void *blk = page_address(page);
	u64 flags, vers;
	int result;
	int ret;

	ret = scoutfs_bio_page(bdev, page, SCOUTFS_SUPER_OFFSET,
			       SCOUTFS_SUPER_SIZE, REQ_OP_READ);
	if (ret) {
		WHY("%s device %pg: reading the superblock failed (%d)", role, bdev, ret);
		return ret;
	}

	result = scoutfs_block_verify(blk, SCOUTFS_SUPER_SIZE, SCOUTFS_BLOCK_MAGIC_SUPER,
				      0, SCOUTFS_SUPER_BLKNO, 0);
	if (result != SCOUTFS_BLOCK_OK) {
		WHY("%s device %pg has no scoutfs superblock (%s); is it formatted with scoutfs mkfs?",
		    role, bdev, scoutfs_block_result_str(result));
		return -EINVAL;
	}
	memcpy(super, blk, sizeof(*super));

	flags = le64_to_cpu(super->flags);
	if (flags & other_flag) {
		WHY("%s device %pg holds the %s superblock of a scoutfs filesystem: are the devices swapped?",
		    role, bdev, want_flag == SCOUTFS_SUPER_FLAG_META_DEV ? "data" : "metadata");
		return -EINVAL;
	}
	if (flags != want_flag) {
		WHY("%s device %pg: unknown superblock flags 0x%llx", role, bdev, flags);
		return -EINVAL;
	}

	vers = le64_to_cpu(super->fmt_vers);
	if (vers < SCOUTFS_FORMAT_VERSION_MIN || vers > SCOUTFS_FORMAT_VERSION_MAX) {
		WHY("%s device %pg has format version %llu, this module supports %llu to %llu",
		    role, bdev, vers, SCOUTFS_FORMAT_VERSION_MIN, SCOUTFS_FORMAT_VERSION_MAX);
		return -EINVAL;
	}
	if (le64_to_cpu(super->feat_incompat) & ~SCOUTFS_FEAT_INCOMPAT_SUPP) {
		WHY("%s device %pg uses features this module doesn't know (incompat 0x%llx)",
		    role, bdev, le64_to_cpu(super->feat_incompat));
		return -EINVAL;
	}
	return 0;
}

static int check_size(struct block_device *bdev, const char *role, u64 blocks,
		      unsigned int shift, char *why)
{
	u64 need = blocks << shift;

	if (bdev_nr_bytes(bdev) < need) {
		WHY("%s device %pg is smaller (%llu bytes) than its filesystem (%llu bytes)",
		    role, bdev, (u64)bdev_nr_bytes(bdev), need);
		return -EINVAL;
	}
	return 0;
}

int scoutfs_read_supers(struct block_device *meta, struct block_device *data,
			struct scoutfs_super_block *super, char *why)
{
	struct scoutfs_super_block *dsuper;
	struct page *page;
	int ret;

	page = alloc_page(GFP_KERNEL);
	dsuper = kmalloc(sizeof(*dsuper), GFP_KERNEL);
	if (!page || !dsuper) {
		WHY("out of memory reading the superblocks");
		ret = -ENOMEM;
		goto out;
	}

	ret = read_one(meta, "metadata", SCOUTFS_SUPER_FLAG_META_DEV, page, super, why);
	if (ret == 0)
		ret = read_one(data, "data", SCOUTFS_SUPER_FLAG_DATA_DEV, page, dsuper, why);
	if (ret)
		goto out;

	if (super->hdr.fsid != dsuper->hdr.fsid ||
	    memcmp(super->uuid, dsuper->uuid, sizeof(super->uuid))) {
		WHY("metadata device %pg (fsid %016llx) and data device %pg (fsid %016llx) belong to different filesystems",
		    meta, le64_to_cpu(super->hdr.fsid), data, le64_to_cpu(dsuper->hdr.fsid));
		ret = -EINVAL;
		goto out;
	}
	if (super->total_data_blocks != dsuper->total_data_blocks ||
	    super->total_meta_blocks != dsuper->total_meta_blocks) {
		WHY("metadata device %pg and data device %pg disagree about the filesystem's size",
		    meta, data);
		ret = -EINVAL;
		goto out;
	}

	ret = check_size(meta, "metadata", le64_to_cpu(super->total_meta_blocks),
			 SCOUTFS_META_BLOCK_SHIFT, why);
	if (ret == 0)
		ret = check_size(data, "data", le64_to_cpu(super->total_data_blocks),
				 SCOUTFS_DATA_BLOCK_SHIFT, why);
out:
	kfree(dsuper);
	if (page)
		__free_page(page);
	return ret;
}

int scoutfs_write_super(struct block_device *meta, struct scoutfs_super_block *super)
{
	struct page *page;
	void *blk;
	int ret;

	page = alloc_page(GFP_NOFS);
	if (!page)
		return -ENOMEM;
	blk = page_address(page);
	memset(blk, 0, PAGE_SIZE);
	le64_add_cpu(&super->hdr.seq, 1);
	memcpy(blk, super, sizeof(*super));
	scoutfs_block_set_crc(blk, SCOUTFS_SUPER_SIZE);
	/*
	 * Everything the superblock refers to was written before, by this
	 * node or (a mount's log tree) another: the preflush makes all of
	 * it durable, as a cache flush covers the device's whole volatile
	 * cache, whichever initiator's writes are in it.
	 */
	ret = scoutfs_bio_page(meta, page, SCOUTFS_SUPER_OFFSET, SCOUTFS_SUPER_SIZE,
			       REQ_OP_WRITE | REQ_SYNC | REQ_META | REQ_PREFLUSH | REQ_FUA);
	__free_page(page);
	if (ret)
		pr_err("scoutfs %016llx: writing the superblock failed (%d)\n",
		       le64_to_cpu(super->hdr.fsid), ret);
	return ret;
}

int scoutfs_read_meta_super(struct block_device *meta, u64 fsid,
			    struct scoutfs_super_block *super)
{
	struct page *page;
	int result;
	int ret;

	page = alloc_page(GFP_NOFS);
	if (!page)
		return -ENOMEM;
	ret = scoutfs_bio_page(meta, page, SCOUTFS_SUPER_OFFSET, SCOUTFS_SUPER_SIZE,
			       REQ_OP_READ | REQ_META);
	if (ret == 0) {
		result = scoutfs_block_verify(page_address(page), SCOUTFS_SUPER_SIZE,
					      SCOUTFS_BLOCK_MAGIC_SUPER, fsid,
					      SCOUTFS_SUPER_BLKNO, 0);
		if (result != SCOUTFS_BLOCK_OK) {
			pr_err("scoutfs %016llx: metadata superblock: %s\n", fsid,
			       scoutfs_block_result_str(result));
			ret = -EIO;
		} else {
			memcpy(super, page_address(page), sizeof(*super));
		}
	}
	__free_page(page);
	return ret;
}
