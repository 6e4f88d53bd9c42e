/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_CLUSTER_CLUSTER_H_
#define _SCOUTFS_CLUSTER_CLUSTER_H_

#include <linux/types.h>

#include "format/wire.h"

struct block_device;
struct scoutfs_block_cache;
struct scoutfs_cluster;
struct scoutfs_lock_client;
struct scoutfs_fences;
struct scoutfs_omap;

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
struct scoutfs_lock_client *scoutfs_cluster_locks(struct scoutfs_cluster *cl);
/* the fence requests this mount makes while it leads (cluster/fence.h) */
struct scoutfs_fences *scoutfs_cluster_fences(struct scoutfs_cluster *cl);

/* the inodes this mount has in use (cluster/omap.h) */
struct scoutfs_omap *scoutfs_cluster_omap(struct scoutfs_cluster *cl);
/*
 * Requests that never wait for a server: sent on the current connection
 * only, -ENOTCONN when there is none or it drops first, so that
 * background work can't keep an unmount waiting for a server that may
 * never come.
 *
 * open_map: which inodes of group_nr other mounts have in use, as the
 * server gathered them (scoutfs_omap_in_use() reads the answer).
 * get_roots_now: the fs tree and log tree records of the server's last
 * commit.
 */
struct scoutfs_net_open_map;
int scoutfs_cluster_open_map(struct scoutfs_cluster *cl, u64 group_nr,
			     struct scoutfs_net_open_map *om);
int scoutfs_cluster_get_roots_now(struct scoutfs_cluster *cl, struct scoutfs_net_roots *roots);

/* this mount's server's commits and the requests they carried; 0 when not leading */
void scoutfs_cluster_server_commit_stats(struct scoutfs_cluster *cl, u64 *commits, u64 *ops);

/* the mount's transactions talk to the server through these (arg: cl) */
extern const struct scoutfs_trans_ops scoutfs_cluster_trans_ops;

/* the forest's readers get newer roots through these (arg: cl) */
extern const struct scoutfs_forest_ops scoutfs_cluster_forest_ops;

/* never used inode numbers for the mount: *first .. *first + *nr - 1 */
int scoutfs_cluster_alloc_inodes(struct scoutfs_cluster *cl, u64 want, u64 *first, u64 *nr);

#endif
