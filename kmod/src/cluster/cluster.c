// SPDX-License-Identifier: GPL-2.0
/*
 * A mount's membership in the cluster (cluster/cluster.h): the quorum
 * starts and stops the server while this mount leads, and the client
 * always runs, connecting in the background to whichever mount leads.
 */
#include <linux/mutex.h>
#include <linux/slab.h>

#include "cluster/client.h"
#include "cluster/cluster.h"
#include "cluster/lock.h"
#include "cluster/fence.h"
#include "cluster/omap.h"
#include "cluster/quorum.h"
#include "cluster/server.h"
#include "format/wire.h"
#include "items/forest.h"
#include "items/trans.h"

struct scoutfs_cluster {
	struct scoutfs_cluster_args args;
	struct scoutfs_fences *fences;		/* requests while we lead */
	struct scoutfs_quorum *quorum;
	struct scoutfs_client *client;
	struct scoutfs_lock_client *locks;
	struct scoutfs_omap *omap;
	atomic64_t greeted_gen;			/* the client's current connection */
	struct mutex server_mutex;
	struct scoutfs_server *server;
};

static int start_server(void *arg, u64 term, const struct scoutfs_inet_addr *addr)
{
	struct scoutfs_cluster *cl = arg;
	struct scoutfs_server_args sa = {
		.fsid = cl->args.fsid,
		.rid = cl->args.rid,
		.term = term,
		.addr = *addr,
		.keepalive_ms = cl->args.tcp_keepalive_timeout_ms,
		.meta_bdev = cl->args.meta_bdev,
		.bc = cl->args.blocks,
		.fences = cl->fences,
		/* mounts that don't come back to the server by then are fenced */
		.recovery_timeout_ms = 2 * cl->args.quorum_heartbeat_timeout_ms,
	};
	int ret;

	mutex_lock(&cl->server_mutex);
	/* a server of an earlier term would have been stopped first */
	scoutfs_server_stop(cl->server);
	cl->server = NULL;
	ret = scoutfs_server_start(&cl->server, &sa);
	mutex_unlock(&cl->server_mutex);
	return ret;
}

static bool keep_none(void *arg, u64 rid)
{
	return false;
}

/*
 * Our server's requests, and a confirmed request of the quorum's that
 * it didn't take over, end with our leadership.
 */
static void stop_server(void *arg)
{
	struct scoutfs_cluster *cl = arg;

	mutex_lock(&cl->server_mutex);
	scoutfs_server_stop(cl->server);
	cl->server = NULL;
	scoutfs_fence_prune(cl->fences, keep_none, NULL);
	mutex_unlock(&cl->server_mutex);
}

/*
 * A previous leader may still be running its server: ask for it to be
 * fenced at its slot's address and wait for the answer.  A confirmed
 * request stays: the server finds it and reclaims that mount at once
 * instead of asking again.  A failed one goes, so that a later
 * election asks afresh.
 */
static int fence_previous(void *arg, int slot, u64 rid, u64 term, long timeout)
{
	struct scoutfs_cluster *cl = arg;
	int ret;

	ret = scoutfs_fence_request(cl->fences, rid, &cl->args.super->quorum.slots[slot].addr,
				    SCOUTFS_FENCE_QUORUM_BLOCK_LEADER);
	if (ret == 0)
		ret = scoutfs_fence_wait(cl->fences, rid, timeout);
	if (ret == -EIO || ret == -ENOENT)
		scoutfs_fence_remove(cl->fences, rid);
	return ret;
}

static const struct scoutfs_quorum_ops quorum_ops = {
	.start_server = start_server,
	.stop_server = stop_server,
	.fence_previous = fence_previous,
};

static int find_leader(void *arg, struct scoutfs_inet_addr *addr, u64 *term)
{
	struct scoutfs_cluster *cl = arg;

	return scoutfs_quorum_find_leader(cl->quorum, addr, term);
}

/* the server's requests to this mount */
static int client_lock_request(struct scoutfs_net_conn *conn, u8 cmd, u64 id, void *data,
			       u32 data_len)
{
	struct scoutfs_cluster *cl = scoutfs_client_handler_arg(conn);

	return scoutfs_lock_client_give_way(cl->locks, conn, cmd, id, data, data_len);
}

static int client_open_map_request(struct scoutfs_net_conn *conn, u8 cmd, u64 id, void *data,
				   u32 data_len)
{
	struct scoutfs_cluster *cl = scoutfs_client_handler_arg(conn);

	return scoutfs_omap_answer(cl->omap, conn, cmd, id, data, data_len);
}

static void client_greeted(void *arg, u64 gen)
{
	struct scoutfs_cluster *cl = arg;

	atomic64_set(&cl->greeted_gen, gen);
	scoutfs_lock_client_greeted(cl->locks, gen);
}

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
	struct scoutfs_client_args ca = {
		.fsid = args->fsid,
		.rid = args->rid,
		.quorum_slot = args->quorum_slot,
		.keepalive_ms = args->tcp_keepalive_timeout_ms,
		.find_leader = find_leader,
		.requests = {
			[SCOUTFS_NET_CMD_LOCK] = client_lock_request,
			[SCOUTFS_NET_CMD_OPEN_MAP] = client_open_map_request,
		},
		.greeted = client_greeted,
	};
	struct scoutfs_cluster *cl;
	int ret;

	cl = kzalloc(sizeof(*cl), GFP_KERNEL);
	if (!cl)
		return -ENOMEM;
	cl->args = *args;
	mutex_init(&cl->server_mutex);
	ca.find_leader_arg = cl;

	cl->fences = scoutfs_fences_create(args->fsid);
	cl->omap = scoutfs_omap_create();
	if (!cl->fences || !cl->omap) {
		ret = -ENOMEM;
		goto out;
	}

	ret = scoutfs_quorum_start(&cl->quorum, &qa, &quorum_ops, cl);
	if (ret)
		goto out;

	cl->locks = scoutfs_lock_client_create(args->fsid);
	if (!cl->locks) {
		ret = -ENOMEM;
		goto stop_quorum;
	}
	ca.handler_arg = cl;
	ret = scoutfs_client_start(&cl->client, &ca);
	if (ret) {
		scoutfs_lock_client_destroy(cl->locks);
		goto stop_quorum;
	}
	scoutfs_lock_client_set_client(cl->locks, cl->client);
	*cl_ret = cl;
	return 0;

stop_quorum:
	scoutfs_fences_shutdown(cl->fences);
	scoutfs_quorum_stop(cl->quorum);
	stop_server(cl);
out:
	scoutfs_fences_destroy(cl->fences);
	scoutfs_omap_destroy(cl->omap);
	kfree(cl);
	return ret;
}

/*
 * The farewell comes first, while this mount's own server (if it leads)
 * still answers; the quorum stops the server when it stops, and a
 * server it left running (an error path) is stopped last.  Waiting for
 * a fence ends first: an election waiting for one gives up.
 */
void scoutfs_cluster_leave(struct scoutfs_cluster *cl)
{
	if (!cl)
		return;
	scoutfs_client_farewell(cl->client);
	scoutfs_client_stop(cl->client);
	scoutfs_lock_client_destroy(cl->locks);
	scoutfs_fences_shutdown(cl->fences);
	scoutfs_quorum_stop(cl->quorum);
	stop_server(cl);
	scoutfs_fences_destroy(cl->fences);
	scoutfs_omap_destroy(cl->omap);
	kfree(cl);
}

struct scoutfs_quorum *scoutfs_cluster_quorum(struct scoutfs_cluster *cl)
{
	return cl->quorum;
}

struct scoutfs_lock_client *scoutfs_cluster_locks(struct scoutfs_cluster *cl)
{
	return cl->locks;
}

struct scoutfs_fences *scoutfs_cluster_fences(struct scoutfs_cluster *cl)
{
	return cl->fences;
}

struct scoutfs_omap *scoutfs_cluster_omap(struct scoutfs_cluster *cl)
{
	return cl->omap;
}

/* a request whose response must be exactly out_size bytes (else -EIO) */
void scoutfs_cluster_server_commit_stats(struct scoutfs_cluster *cl, u64 *commits, u64 *ops)
{
	*commits = 0;
	*ops = 0;
	mutex_lock(&cl->server_mutex);
	if (cl->server)
		scoutfs_server_commit_stats(cl->server, commits, ops);
	mutex_unlock(&cl->server_mutex);
}

static int request_exact(struct scoutfs_cluster *cl, u8 cmd, const void *in, u32 in_len,
			 void *out, u32 out_size)
{
	int ret = scoutfs_client_request(cl->client, cmd, in, in_len, out, out_size);

	if (ret >= 0 && ret < out_size)
		ret = -EIO;
	return ret < 0 ? ret : 0;
}

static int get_log_trees(void *arg, struct scoutfs_log_trees *lt, u64 *seq)
{
	struct scoutfs_cluster *cl = arg;
	struct scoutfs_net_log_trees_response resp;
	int ret;

	ret = request_exact(cl, SCOUTFS_NET_CMD_GET_LOG_TREES, NULL, 0, &resp, sizeof(resp));
	if (ret)
		return ret;
	*lt = resp.lt;
	*seq = le64_to_cpu(resp.seq);
	return 0;
}

static int commit_log_trees(void *arg, const struct scoutfs_log_trees *lt,
			    struct scoutfs_trans_commit_result *res)
{
	struct scoutfs_cluster *cl = arg;
	struct scoutfs_net_commit_response *resp;
	int ret;

	resp = kmalloc(sizeof(*resp), GFP_NOFS);
	if (!resp)
		return -ENOMEM;
	ret = request_exact(cl, SCOUTFS_NET_CMD_COMMIT_LOG_TREES, lt, sizeof(*lt), resp,
			    sizeof(*resp));
	if (ret == 0) {
		res->next = resp->next;
		res->seq = le64_to_cpu(resp->seq);
		res->roots = resp->roots;
	}
	kfree(resp);
	return ret;
}

const struct scoutfs_trans_ops scoutfs_cluster_trans_ops = {
	.get_log_trees = get_log_trees,
	.commit_log_trees = commit_log_trees,
};

int scoutfs_cluster_alloc_inodes(struct scoutfs_cluster *cl, u64 want, u64 *first, u64 *nr)
{
	struct scoutfs_net_alloc_inodes req = { .want = cpu_to_le64(want) };
	struct scoutfs_net_alloc_inodes_response resp;
	int ret;

	ret = scoutfs_client_request(cl->client, SCOUTFS_NET_CMD_ALLOC_INODES, &req,
				     sizeof(req), &resp, sizeof(resp));
	if (ret >= 0 && (ret < sizeof(resp) || le64_to_cpu(resp.nr) == 0))
		ret = -EIO;
	if (ret < 0)
		return ret;
	*first = le64_to_cpu(resp.first);
	*nr = le64_to_cpu(resp.nr);
	return 0;
}

static int get_roots(void *arg, struct scoutfs_net_roots *roots)
{
	struct scoutfs_cluster *cl = arg;

	return request_exact(cl, SCOUTFS_NET_CMD_GET_ROOTS, NULL, 0, roots, sizeof(*roots));
}

const struct scoutfs_forest_ops scoutfs_cluster_forest_ops = {
	.get_roots = get_roots,
};

/* a request on the current connection only, answered exactly out_size bytes */
static int request_now(struct scoutfs_cluster *cl, u8 cmd, const void *in, u32 in_len,
		       void *out, u32 out_size)
{
	u64 gen = atomic64_read(&cl->greeted_gen);
	int ret;

	if (gen == 0)
		return -ENOTCONN;
	ret = scoutfs_client_request_on(cl->client, gen, cmd, in, in_len, out, out_size);
	if (ret >= 0 && ret < out_size)
		ret = -EIO;
	return ret < 0 ? ret : 0;
}

int scoutfs_cluster_open_map(struct scoutfs_cluster *cl, u64 group_nr,
			     struct scoutfs_net_open_map *om)
{
	struct scoutfs_net_open_map_req req = { .group_nr = cpu_to_le64(group_nr) };
	int ret;

	ret = request_now(cl, SCOUTFS_NET_CMD_OPEN_MAP, &req, sizeof(req), om, sizeof(*om));
	if (ret == 0 && om->group_nr != req.group_nr)
		ret = -EIO;
	return ret;
}

int scoutfs_cluster_get_roots_now(struct scoutfs_cluster *cl, struct scoutfs_net_roots *roots)
{
	return request_now(cl, SCOUTFS_NET_CMD_GET_ROOTS, NULL, 0, roots, sizeof(*roots));
}
