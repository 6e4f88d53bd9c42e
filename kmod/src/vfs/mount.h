/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_MOUNT_H_
#define _SCOUTFS_VFS_MOUNT_H_

#include <linux/fs.h>

#include "kcompat.h"
#include "items/forest.h"

struct scoutfs_cluster;
#include "vfs/options.h"

/* what one mount holds: sb->s_fs_info */
struct scoutfs_mount {
	u64 rid;				/* random id of this mount */
	struct scoutfs_mount_options opts;
	struct kc_bdev meta_bdev;
	struct scoutfs_super_block *super;	/* as read at mount */
	struct scoutfs_block_cache *blocks;	/* metadata blocks */
	struct scoutfs_forest forest;		/* reading items */
	struct scoutfs_cluster *cluster;	/* quorum, server, client */
	void *observer_private;			/* owned by the mount observer */
	bool observed;				/* mounted() succeeded */
};

static inline struct scoutfs_mount *SCOUTFS_MNT(struct super_block *sb)
{
	return sb->s_fs_info;
}

#endif
