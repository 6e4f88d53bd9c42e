// SPDX-License-Identifier: GPL-2.0
/*
 * A mount's membership in the cluster (cluster/cluster.h).
 */
#include <linux/slab.h>

#include "cluster/cluster.h"
#include "cluster/log_merge.h"
#include "cluster/quorum.h"
#include "cluster/server_state.h"
#include "items/trans.h"

struct scoutfs_cluster {
	struct scoutfs_cluster_args args;
	struct scoutfs_quorum *quorum;
	/* XXX until the client and server talk over TCP: the local server's state */
	struct scoutfs_server_state *local;
};

static int start_server(void *arg, u64 term, const struct scoutfs_inet_addr *addr)
{
	return 0;
}

static void stop_server(void *arg)
{
}

static const struct scoutfs_quorum_ops quorum_ops = {
	.start_server = start_server,
	.stop_server = stop_server,
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
	cl->local = scoutfs_server_state_create(args->meta_bdev, args->blocks, args->fsid);
	if (IS_ERR(cl->local)) {
		ret = PTR_ERR(cl->local);
		scoutfs_quorum_stop(cl->quorum);
		kfree(cl);
		return ret;
	}
	scoutfs_server_mount_client(cl->local, args->rid, 0,
				    &args->super->quorum.slots[max(args->quorum_slot, 0)].addr);
	/* trees finalized before a crash */
	scoutfs_log_merge(cl->local);
	*cl_ret = cl;
	return 0;
}

void scoutfs_cluster_leave(struct scoutfs_cluster *cl)
{
	if (!cl)
		return;
	/* a clean unmount leaves everything merged */
	if (scoutfs_server_finalize_log_trees(cl->local, cl->args.rid) == 0)
		scoutfs_log_merge(cl->local);
	scoutfs_server_unmount_client(cl->local, cl->args.rid);
	scoutfs_server_state_destroy(cl->local);
	scoutfs_quorum_stop(cl->quorum);
	kfree(cl);
}

struct scoutfs_quorum *scoutfs_cluster_quorum(struct scoutfs_cluster *cl)
{
	return cl->quorum;
}

static int get_log_trees(void *arg, struct scoutfs_log_trees *lt, u64 *seq)
{
	struct scoutfs_cluster *cl = arg;

	return scoutfs_server_get_log_trees(cl->local, cl->args.rid, lt, seq);
}

static int commit_log_trees(void *arg, const struct scoutfs_log_trees *lt,
			    struct scoutfs_trans_commit_result *res)
{
	struct scoutfs_cluster *cl = arg;
	bool finalized;
	int ret;

	ret = scoutfs_server_commit_log_trees(cl->local, cl->args.rid, lt, &res->next,
					      &res->seq, &finalized);
	/* a failed merge is tried again with the next one */
	if (ret == 0 && finalized)
		scoutfs_log_merge(cl->local);
	if (ret == 0)
		scoutfs_server_get_roots(cl->local, &res->fs_root, &res->logs_root);
	return ret;
}

const struct scoutfs_trans_ops scoutfs_cluster_trans_ops = {
	.get_log_trees = get_log_trees,
	.commit_log_trees = commit_log_trees,
};

int scoutfs_cluster_alloc_inodes(struct scoutfs_cluster *cl, u64 want, u64 *first, u64 *nr)
{
	return scoutfs_server_alloc_inodes(cl->local, want, first, nr);
}
