/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_STORAGE_SUPERBLOCK_H_
#define _SCOUTFS_STORAGE_SUPERBLOCK_H_

#include <linux/types.h>

#include "format/format.h"

struct block_device;

#define SCOUTFS_SUPER_WHY_LEN 160

/*
 * Read the superblocks of a metadata and a data device and check that
 * they are a pair from one supported filesystem.  On success the
 * metadata device's superblock is copied to *super.  On failure returns
 * -errno with the reason, for the mount's error message, in why.
 */
int scoutfs_read_supers(struct block_device *meta, struct block_device *data,
			struct scoutfs_super_block *super, char *why);

/* reread the metadata device's superblock of a mounted filesystem */
int scoutfs_read_meta_super(struct block_device *meta, u64 fsid,
			    struct scoutfs_super_block *super);

/*
 * Write the metadata device's superblock durably (after a cache flush,
 * with FUA), advancing its header seq.  Only the server does this.
 */
int scoutfs_write_super(struct block_device *meta, struct scoutfs_super_block *super);

#endif
