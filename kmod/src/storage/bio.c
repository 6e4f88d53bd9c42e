// SPDX-License-Identifier: GPL-2.0
/*
 * Synchronous block IO on the devices.  Used for the fixed-location
 * blocks (superblocks, quorum blocks); the metadata block cache will do
 * its own asynchronous IO.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>

#include "storage/bio.h"

int scoutfs_bio_page(struct block_device *bdev, struct page *page, u64 pos,
		     unsigned int len, blk_opf_t op)
{
	struct bio *bio;
	int ret;

	if (WARN_ON_ONCE(len == 0 || len > PAGE_SIZE || (len & 511) || (pos & 511)))
		return -EINVAL;

	bio = bio_alloc(bdev, 1, op, GFP_NOFS);
	bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	if (bio_add_page(bio, page, len, 0) != len) {
		bio_put(bio);
		return -EIO;
	}
	ret = submit_bio_wait(bio);
	bio_put(bio);
	return ret;
}
