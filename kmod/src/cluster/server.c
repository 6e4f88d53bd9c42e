// SPDX-License-Identifier: GPL-2.0
/*
 * The leader's server (cluster/server.h).
 *
 * The network side of the server: the table of connected clients and
 * the request handlers, which decode requests, call the server's
 * persistent state (server_state.c) and encode responses.  A GREETING
 * records (or reconnects) a client by its rid, in memory and as a
 * mounted-client item; a FAREWELL finalizes and merges its log tree and
 * forgets it.  A client whose connection drops stays recorded, without
 * a connection, until it greets again or says farewell.  A service adds
 * its handler function and its entry in server_ops.
 */
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "cluster/lock_server.h"
#include "cluster/log_merge.h"
#include "cluster/net.h"
#include "cluster/server.h"
#include "cluster/server_state.h"

struct server_client {
	struct list_head entry;
	u64 rid;
	struct scoutfs_net_conn *conn;	/* NULL while disconnected */
	u8 quorum_slot;
	u8 version;
};

struct scoutfs_server {
	struct scoutfs_server_args args;
	struct scoutfs_net_listener *lis;
	struct scoutfs_server_state *ss;	/* what the server persists */
	struct scoutfs_lock_server *locks;	/* the lock service */
	struct work_struct merge_work;		/* merging finalized log trees */
	unsigned long stop_deadline;		/* a merge stops after this, 0: runs */
	struct mutex mutex;		/* clients and their conns */
	struct list_head clients;
};

#define server_info(server, fmt, ...)					\
	pr_info("scoutfs %016llx: server: " fmt "\n", (server)->args.fsid, ##__VA_ARGS__)
#define server_warn(server, fmt, ...)					\
	pr_warn_ratelimited("scoutfs %016llx: server: " fmt "\n",	\
			    (server)->args.fsid, ##__VA_ARGS__)

static struct server_client *find_client(struct scoutfs_server *server, u64 rid)
{
	struct server_client *sc;

	list_for_each_entry(sc, &server->clients, entry) {
		if (sc->rid == rid)
			return sc;
	}
	return NULL;
}

/*
 * The first request of every connection.  The header's fsid wasn't
 * checked (docs/wire.md): the payload's is, so that a mount of another
 * filesystem hears why it is refused; after a good greeting every
 * header on the connection must carry our fsid.
 */
static int server_greeting(struct scoutfs_net_conn *conn, u8 cmd, u64 id,
			   void *data, u32 data_len)
{
	struct scoutfs_server *server = scoutfs_net_info(conn);
	struct scoutfs_net_greeting_response resp;
	struct scoutfs_net_greeting *gr = data;
	struct server_client *sc;
	struct server_client *greeted;
	struct scoutfs_net_conn *old = NULL;
	bool reconnect = false;
	u8 lo;
	u8 hi;
	u64 rid;

	if (data_len < sizeof(*gr)) {
		server_warn(server, "greeting from %pISpc is %u bytes, expected %zu",
			    scoutfs_net_peer(conn), data_len, sizeof(*gr));
		return -EINVAL;
	}
	rid = le64_to_cpu(gr->rid);
	if (le64_to_cpu(gr->fsid) != server->args.fsid) {
		server_warn(server, "refusing greeting from %pISpc: it mounts filesystem %016llx",
			    scoutfs_net_peer(conn), le64_to_cpu(gr->fsid));
		return -EINVAL;
	}
	if (rid == 0 || gr->flags) {
		server_warn(server, "refusing greeting from %pISpc: rid %016llx flags 0x%llx",
			    scoutfs_net_peer(conn), rid, le64_to_cpu(gr->flags));
		return -EINVAL;
	}
	lo = max_t(u8, gr->version_min, SCOUTFS_NET_VERSION_MIN);
	hi = min_t(u8, gr->version_max, SCOUTFS_NET_VERSION_MAX);
	if (lo > hi) {
		server_warn(server, "refusing rid %016llx at %pISpc: it speaks protocol versions %u-%u, we speak %u-%u",
			    rid, scoutfs_net_peer(conn), gr->version_min,
			    gr->version_max, SCOUTFS_NET_VERSION_MIN,
			    SCOUTFS_NET_VERSION_MAX);
		return -EINVAL;
	}

	mutex_lock(&server->mutex);
	greeted = scoutfs_net_priv(conn);
	if (greeted && greeted->rid != rid) {
		mutex_unlock(&server->mutex);
		server_warn(server, "refusing greeting from %pISpc as rid %016llx: it greeted as rid %016llx",
			    scoutfs_net_peer(conn), rid, greeted->rid);
		return -EINVAL;
	}
	sc = find_client(server, rid);
	if (!sc) {
		sc = kzalloc(sizeof(*sc), GFP_NOFS);
		if (!sc) {
			mutex_unlock(&server->mutex);
			return -ENOMEM;
		}
		sc->rid = rid;
		list_add_tail(&sc->entry, &server->clients);
	} else if (sc->conn != conn) {
		reconnect = true;
		old = sc->conn;
	}
	if (old) {
		/* its old connection is stale: it'll never be answered */
		scoutfs_net_set_priv(old, NULL);
		scoutfs_net_shutdown(old);
	}
	sc->conn = conn;
	sc->quorum_slot = gr->quorum_slot;
	sc->version = hi;
	scoutfs_net_set_priv(conn, sc);
	scoutfs_net_set_peer_fsid(conn, server->args.fsid);
	mutex_unlock(&server->mutex);
	scoutfs_lock_server_greeted(server->locks, rid, conn);

	if (!greeted) {
		struct scoutfs_inet_addr addr;
		int ret;

		scoutfs_net_sockaddr_to_addr(scoutfs_net_peer(conn), &addr);
		ret = scoutfs_server_mount_client(server->ss, rid,
						  gr->quorum_slot != SCOUTFS_NET_GREETING_NO_SLOT ?
						  SCOUTFS_MOUNTED_CLIENT_QUORUM : 0, &addr);
		if (ret)
			return ret;
		server_info(server, "client rid %016llx greeted from %pISpc%s",
			    rid, scoutfs_net_peer(conn),
			    reconnect ? " (reconnected)" : "");
	}

	memset(&resp, 0, sizeof(resp));
	resp.server_term = cpu_to_le64(server->args.term);
	resp.server_rid = cpu_to_le64(server->args.rid);
	resp.version = hi;
	return scoutfs_net_response(conn, cmd, id, SCOUTFS_NET_ERR_NONE,
				    &resp, sizeof(resp));
}

/* a clean unmount: forget the client (again, if this is a resend) */
static int server_farewell(struct scoutfs_net_conn *conn, u8 cmd, u64 id,
			   void *data, u32 data_len)
{
	struct scoutfs_server *server = scoutfs_net_info(conn);
	struct server_client *sc;
	u64 rid;
	int ret;

	mutex_lock(&server->mutex);
	sc = scoutfs_net_priv(conn);
	if (!sc) {
		mutex_unlock(&server->mutex);
		server_warn(server, "farewell from %pISpc, which hasn't greeted",
			    scoutfs_net_peer(conn));
		return -EINVAL;
	}
	rid = sc->rid;
	mutex_unlock(&server->mutex);

	/* its last tree is merged and it stops being a member */
	scoutfs_lock_server_forget(server->locks, rid);
	ret = scoutfs_server_finalize_log_trees(server->ss, rid);
	if (ret == 0) {
		queue_work(system_unbound_wq, &server->merge_work);
		ret = scoutfs_server_unmount_client(server->ss, rid);
	}
	if (ret)
		return ret;

	mutex_lock(&server->mutex);
	sc = scoutfs_net_priv(conn);
	if (sc) {
		scoutfs_net_set_priv(conn, NULL);
		list_del(&sc->entry);
		kfree(sc);
	}
	mutex_unlock(&server->mutex);

	server_info(server, "client rid %016llx said farewell", rid);
	return scoutfs_net_response(conn, cmd, id, SCOUTFS_NET_ERR_NONE, NULL, 0);
}

/* the rid of a greeted connection, or 0 */
static u64 conn_rid(struct scoutfs_server *server, struct scoutfs_net_conn *conn)
{
	struct server_client *sc;
	u64 rid = 0;

	mutex_lock(&server->mutex);
	sc = scoutfs_net_priv(conn);
	if (sc)
		rid = sc->rid;
	mutex_unlock(&server->mutex);
	if (!rid)
		server_warn(server, "request from %pISpc, which hasn't greeted",
			    scoutfs_net_peer(conn));
	return rid;
}

static int server_alloc_inodes(struct scoutfs_net_conn *conn, u8 cmd, u64 id,
			       void *data, u32 data_len)
{
	struct scoutfs_server *server = scoutfs_net_info(conn);
	struct scoutfs_net_alloc_inodes_response resp;
	struct scoutfs_net_alloc_inodes *req = data;
	u64 first, nr;
	int ret;

	if (data_len < sizeof(*req) || !conn_rid(server, conn))
		return -EINVAL;
	ret = scoutfs_server_alloc_inodes(server->ss, le64_to_cpu(req->want), &first, &nr);
	if (ret)
		return ret;
	resp.first = cpu_to_le64(first);
	resp.nr = cpu_to_le64(nr);
	return scoutfs_net_response(conn, cmd, id, SCOUTFS_NET_ERR_NONE, &resp, sizeof(resp));
}

static int server_get_log_trees(struct scoutfs_net_conn *conn, u8 cmd, u64 id,
				void *data, u32 data_len)
{
	struct scoutfs_server *server = scoutfs_net_info(conn);
	struct scoutfs_net_log_trees_response resp;
	u64 rid = conn_rid(server, conn);
	u64 seq;
	int ret;

	if (!rid)
		return -EINVAL;
	memset(&resp, 0, sizeof(resp));
	ret = scoutfs_server_get_log_trees(server->ss, rid, &resp.lt, &seq);
	if (ret)
		return ret;
	resp.seq = cpu_to_le64(seq);
	return scoutfs_net_response(conn, cmd, id, SCOUTFS_NET_ERR_NONE, &resp, sizeof(resp));
}

static int server_commit_log_trees(struct scoutfs_net_conn *conn, u8 cmd, u64 id,
				   void *data, u32 data_len)
{
	struct scoutfs_server *server = scoutfs_net_info(conn);
	struct scoutfs_net_commit_response *resp;
	struct scoutfs_log_trees *lt = data;
	u64 rid = conn_rid(server, conn);
	bool finalized;
	u64 seq;
	int ret;

	if (!rid || data_len < sizeof(*lt))
		return -EINVAL;
	resp = kzalloc(sizeof(*resp), GFP_NOFS);
	if (!resp)
		return -ENOMEM;
	ret = scoutfs_server_commit_log_trees(server->ss, rid, lt, &resp->next, &seq,
					      &finalized);
	/* a merge that fails is tried again after the next finalize */
	if (ret == 0 && finalized)
		queue_work(system_unbound_wq, &server->merge_work);
	if (ret == 0) {
		resp->seq = cpu_to_le64(seq);
		scoutfs_server_get_roots(server->ss, &resp->fs_root, &resp->logs_root);
		ret = scoutfs_net_response(conn, cmd, id, SCOUTFS_NET_ERR_NONE, resp,
					   sizeof(*resp));
	}
	kfree(resp);
	return ret;
}

static void server_conn_down(struct scoutfs_net_conn *conn, int err)
{
	struct scoutfs_server *server = scoutfs_net_info(conn);
	struct server_client *sc;
	u64 rid = 0;

	mutex_lock(&server->mutex);
	sc = scoutfs_net_priv(conn);
	if (sc && sc->conn == conn) {
		sc->conn = NULL;
		rid = sc->rid;
	}
	scoutfs_net_set_priv(conn, NULL);
	mutex_unlock(&server->mutex);
	scoutfs_lock_server_conn_down(server->locks, conn);

	if (rid && err != -ESHUTDOWN)
		server_info(server, "client rid %016llx at %pISpc disconnected (%d)",
			    rid, scoutfs_net_peer(conn), err);
}

static int server_lock(struct scoutfs_net_conn *conn, u8 cmd, u64 id,
		       void *data, u32 data_len)
{
	struct scoutfs_server *server = scoutfs_net_info(conn);
	u64 rid = conn_rid(server, conn);

	if (!rid || data_len < sizeof(struct scoutfs_net_lock))
		return -EINVAL;
	return scoutfs_lock_server_request(server->locks, rid, conn, id, data);
}

/* a grant carries the roots after the holders' commits, and a new version */
static void lock_grant_info(void *arg, struct scoutfs_net_lock_grant *grant)
{
	struct scoutfs_server *server = arg;
	u64 next_seq;

	scoutfs_server_get_roots(server->ss, &grant->fs_root, &grant->logs_root);
	next_seq = scoutfs_server_next_seq(server->ss);
	grant->write_seq = cpu_to_le64(next_seq);
}

static const struct scoutfs_lock_server_ops lock_server_ops = {
	.grant_info = lock_grant_info,
};

static int server_get_roots(struct scoutfs_net_conn *conn, u8 cmd, u64 id,
			    void *data, u32 data_len)
{
	struct scoutfs_server *server = scoutfs_net_info(conn);
	struct scoutfs_net_roots resp;

	if (!conn_rid(server, conn))
		return -EINVAL;
	scoutfs_server_get_roots(server->ss, &resp.fs_root, &resp.logs_root);
	return scoutfs_net_response(conn, cmd, id, SCOUTFS_NET_ERR_NONE, &resp, sizeof(resp));
}

/*
 * Merges run in the background: they can take a while, and the trees
 * they merge stay readable (and listed in the roots) until the merge's
 * last commit, after which readers that still used them read newer
 * roots (GET_ROOTS).
 */
/* a stopping server lets a merge finish for a while, so unmounts leave little behind */
#define STOP_MERGE_MS 15000

static bool merge_should_stop(void *arg)
{
	struct scoutfs_server *server = arg;
	unsigned long deadline = READ_ONCE(server->stop_deadline);

	return deadline && time_after(jiffies, deadline);
}

static void server_merge_worker(struct work_struct *work)
{
	struct scoutfs_server *server = container_of(work, struct scoutfs_server, merge_work);

	scoutfs_log_merge(server->ss, merge_should_stop, server);
}

static const struct scoutfs_net_ops server_ops = {
	.request = {
		[SCOUTFS_NET_CMD_GREETING] = server_greeting,
		[SCOUTFS_NET_CMD_ALLOC_INODES] = server_alloc_inodes,
		[SCOUTFS_NET_CMD_GET_LOG_TREES] = server_get_log_trees,
		[SCOUTFS_NET_CMD_COMMIT_LOG_TREES] = server_commit_log_trees,
		[SCOUTFS_NET_CMD_GET_ROOTS] = server_get_roots,
		[SCOUTFS_NET_CMD_LOCK] = server_lock,
		[SCOUTFS_NET_CMD_FAREWELL] = server_farewell,
	},
	.notify_down = server_conn_down,
};

int scoutfs_server_start(struct scoutfs_server **server_ret,
			 const struct scoutfs_server_args *args)
{
	struct scoutfs_net_args na = {
		.ops = &server_ops,
		.fsid = args->fsid,
		.keepalive_ms = args->keepalive_ms,
	};
	struct scoutfs_server *server;
	struct sockaddr_storage ss;
	int len;
	int ret;

	server = kzalloc(sizeof(*server), GFP_KERNEL);
	if (!server)
		return -ENOMEM;
	server->args = *args;
	mutex_init(&server->mutex);
	INIT_LIST_HEAD(&server->clients);
	na.info = server;

	server->ss = scoutfs_server_state_create(args->meta_bdev, args->bc, args->fsid);
	if (IS_ERR(server->ss)) {
		ret = PTR_ERR(server->ss);
		pr_err("scoutfs %016llx: server: reading the superblock failed (%d)\n",
		       args->fsid, ret);
		kfree(server);
		return ret;
	}
	INIT_WORK(&server->merge_work, server_merge_worker);
	server->locks = scoutfs_lock_server_create(&lock_server_ops, server, args->fsid);
	if (!server->locks) {
		scoutfs_server_state_destroy(server->ss);
		kfree(server);
		return -ENOMEM;
	}

	memset(&ss, 0, sizeof(ss));
	scoutfs_net_addr_to_sockaddr(&args->addr, &ss, &len);
	ret = scoutfs_net_listen(&server->lis, &na, &args->addr);
	if (ret < 0) {
		pr_err("scoutfs %016llx: server: listening on %pISpc failed (%d)\n",
		       args->fsid, &ss, ret);
		scoutfs_lock_server_destroy(server->locks);
		scoutfs_server_state_destroy(server->ss);
		kfree(server);
		return ret;
	}

	server_info(server, "listening on %pISpc for term %llu", &ss, args->term);
	/* trees finalized before the last server stopped */
	queue_work(system_unbound_wq, &server->merge_work);
	*server_ret = server;
	return 0;
}

void scoutfs_server_stop(struct scoutfs_server *server)
{
	struct server_client *sc;
	struct server_client *tmp;

	if (!server)
		return;

	scoutfs_net_listener_free(server->lis);
	WRITE_ONCE(server->stop_deadline, (jiffies + msecs_to_jiffies(STOP_MERGE_MS)) | 1);
	flush_work(&server->merge_work);
	list_for_each_entry_safe(sc, tmp, &server->clients, entry) {
		list_del(&sc->entry);
		kfree(sc);
	}
	server_info(server, "stopped");
	scoutfs_lock_server_destroy(server->locks);
	scoutfs_server_state_destroy(server->ss);
	kfree(server);
}
