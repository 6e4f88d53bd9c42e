/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_MOUNT_H_
#define _SCOUTFS_VFS_MOUNT_H_

#include <linux/fs.h>
#include <linux/mutex.h>

#include "kcompat.h"
#include "items/forest.h"

struct data_mount;
struct scoutfs_cluster;
struct scoutfs_item_cache;
struct scoutfs_orphans;
struct scoutfs_trans;
#include "vfs/options.h"

/* what one mount holds: sb->s_fs_info */
struct scoutfs_mount {
	struct super_block *sb;
	u64 rid;				/* random id of this mount */
	struct scoutfs_mount_options opts;
	struct kc_bdev meta_bdev;
	struct scoutfs_super_block *super;	/* as read at mount */
	struct scoutfs_block_cache *blocks;	/* metadata blocks */
	struct scoutfs_forest forest;		/* reading items */
	struct scoutfs_cluster *cluster;	/* quorum, server, client */
	struct scoutfs_item_cache *items;	/* items as this mount sees them */
	struct scoutfs_trans *trans;		/* changing items */
	struct mutex ino_mutex;			/* refilling the inode numbers */
	u64 next_ino;				/* the numbers the server gave us */
	u64 end_ino;
	struct data_mount *data;		/* ordered file data (vfs/data.c) */
	struct scoutfs_orphans *orphans;	/* the orphan scan (vfs/orphan.c) */
	void *observer_private;			/* owned by the mount observer */
	bool observed;				/* mounted() succeeded */
};

static inline struct scoutfs_mount *SCOUTFS_MNT(struct super_block *sb)
{
	return sb->s_fs_info;
}

#endif
