/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_CLUSTER_CLUSTER_H_
#define _SCOUTFS_CLUSTER_CLUSTER_H_

#include <linux/types.h>

#include "format/format.h"

struct block_device;
struct scoutfs_block_cache;
struct scoutfs_cluster;

/*
 * A mount's membership in the cluster: its quorum participation, the
 * server it runs while it leads, and its client connection to whoever
 * the leader is.  The vfs joins at mount, after reading the superblocks,
 * and leaves at unmount.
 */
struct scoutfs_cluster_args {
	struct block_device *meta_bdev;
	struct scoutfs_block_cache *blocks;
	const struct scoutfs_super_block *super;	/* as read at mount */
	u64 fsid;
	u64 rid;
	int quorum_slot;		/* -1: not a quorum member */
	u32 quorum_heartbeat_timeout_ms;
	u32 tcp_keepalive_timeout_ms;
};

int scoutfs_cluster_join(struct scoutfs_cluster **cl_ret,
			 const struct scoutfs_cluster_args *args);
/* farewell to the server, stop the client, the server and the quorum */
void scoutfs_cluster_leave(struct scoutfs_cluster *cl);

struct scoutfs_quorum *scoutfs_cluster_quorum(struct scoutfs_cluster *cl);

#endif
