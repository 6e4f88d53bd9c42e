/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_VFS_ORPHAN_H_
#define _SCOUTFS_VFS_ORPHAN_H_

#include <linux/fs.h>

#include "format/format.h"

struct scoutfs_orphans;

/* the ORPHAN item that keeps an inode without links until it's deleted */
void scoutfs_orphan_key(struct scoutfs_key *key, u64 ino);

/*
 * An inode without links, or one that another mount may have unlinked,
 * leaves the cache (evict_inode): its items are deleted if it has no
 * links and no other mount has it in use.
 */
void scoutfs_orphan_evict(struct inode *inode);

/*
 * The scan for orphans nobody deleted (their mount crashed, or every
 * mount that had one let go at once): at mount and then every
 * orphan_scan_delay_ms, on read-write mounts.  Stopped before the VFS
 * evicts the inodes at unmount.
 */
int scoutfs_orphan_scan_start(struct super_block *sb);
void scoutfs_orphan_scan_stop(struct super_block *sb);

#endif
