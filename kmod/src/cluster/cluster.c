// SPDX-License-Identifier: GPL-2.0
/*
 * A mount's membership in the cluster (cluster/cluster.h).
 */
#include <linux/slab.h>

#include "cluster/cluster.h"
#include "cluster/quorum.h"

struct scoutfs_cluster {
	struct scoutfs_cluster_args args;
	struct scoutfs_quorum *quorum;
};

static int start_server(void *arg, u64 term, const struct scoutfs_inet_addr *addr)
{
	return 0;
}

static void stop_server(void *arg)
{
}

/*
 * A previous leader may still be running its server.  For now every
 * fence "succeeds" so that elections proceed; the fencing subsystem
 * (fence requests that userspace answers through sysfs) will take this
 * over and only return 0 once the old leader is known to be stopped.
 */
static int fence_previous(void *arg, int slot, u64 rid, u64 term)
{
	return 0;
}

static const struct scoutfs_quorum_ops quorum_ops = {
	.start_server = start_server,
	.stop_server = stop_server,
	.fence_previous = fence_previous,
};

int scoutfs_cluster_join(struct scoutfs_cluster **cl_ret,
			 const struct scoutfs_cluster_args *args)
{
	struct scoutfs_quorum_args qa = {
		.meta_bdev = args->meta_bdev,
		.super = args->super,
		.fsid = args->fsid,
		.rid = args->rid,
		.slot = args->quorum_slot,
		.heartbeat_timeout_ms = args->quorum_heartbeat_timeout_ms,
	};
	struct scoutfs_cluster *cl;
	int ret;

	cl = kzalloc(sizeof(*cl), GFP_KERNEL);
	if (!cl)
		return -ENOMEM;
	cl->args = *args;
	ret = scoutfs_quorum_start(&cl->quorum, &qa, &quorum_ops, cl);
	if (ret) {
		kfree(cl);
		return ret;
	}
	*cl_ret = cl;
	return 0;
}

void scoutfs_cluster_leave(struct scoutfs_cluster *cl)
{
	if (!cl)
		return;
	scoutfs_quorum_stop(cl->quorum);
	kfree(cl);
}

struct scoutfs_quorum *scoutfs_cluster_quorum(struct scoutfs_cluster *cl)
{
	return cl->quorum;
}
