/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_STORAGE_BIO_H_
#define _SCOUTFS_STORAGE_BIO_H_

#include <linux/blk_types.h>
#include <linux/types.h>

struct block_device;
struct page;

/*
 * Synchronous IO of len bytes (a multiple of 512, at most a page) at byte
 * offset pos of a device, to or from the start of a page.  op is
 * REQ_OP_READ or REQ_OP_WRITE, optionally with flags such as REQ_FUA.
 */
int scoutfs_bio_page(struct block_device *bdev, struct page *page, u64 pos,
		     unsigned int len, blk_opf_t op);

#endif
