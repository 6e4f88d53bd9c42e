// SPDX-License-Identifier: GPL-2.0
/*
 * The leader's server (cluster/server.h).
 *
 * The network side of the server: the table of connected clients and
 * the request handlers, which decode requests, call the server's
 * persistent state (server_state.c) and encode responses.  A GREETING
 * records (or reconnects) a client by its rid, in memory and as a
 * mounted-client item; a FAREWELL finalizes and merges its log tree and
 * forgets it.  A service adds its handler function and its entry in
 * server_ops.
 *
 * Recovery: a client without a connection (recorded as mounted when the
 * server started, or whose connection dropped) stays in the table until
 * it greets again or, after the recovery timeout, is fenced and
 * reclaimed by the recovery worker: its open log tree is finalized and
 * merged, its blocks return to the server and its record goes.
 *
 * Lock recovery: the lock service grants nothing until every mount
 * recorded as mounted at start has resent the locks it holds and said
 * so (LOCK_RECOVERED), or was fenced and reclaimed.  A mount that
 * greets but doesn't finish within the recovery timeout is cut off and
 * fenced like one that never came back.
 */
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "cluster/fence.h"
#include "cluster/lock_server.h"
#include "cluster/log_merge.h"
#include "cluster/net.h"
#include "cluster/server.h"
#include "cluster/server_state.h"

/* how often recovery looks at pending fence requests, and retries failures */
#define RECOVERY_POLL_MS	100
#define RECOVERY_RETRY_MS	1000

struct server_client {
	struct list_head entry;
	u64 rid;
	struct scoutfs_net_conn *conn;	/* NULL while disconnected */
	u8 quorum_slot;
	u8 version;
	/* recovery, while conn is NULL */
	struct scoutfs_inet_addr addr;	/* where it was */
	unsigned long deadline;		/* greet by then or be fenced */
	enum scoutfs_fence_reason reason;
	bool fencing;			/* it has a fence request */
	bool reclaiming;		/* fenced: the worker reclaims it */
	bool lock_recovering;		/* mounted at start, locks not all resent */
	bool cut;			/* cut off for that: refused until fenced */
};

/* a reclaimed mount, refused if it ever greets again */
struct fenced_rid {
	struct list_head entry;
	u64 rid;
};

struct scoutfs_server {
	struct scoutfs_server_args args;
	struct scoutfs_net_listener *lis;
	struct scoutfs_server_state *ss;	/* what the server persists */
	struct scoutfs_lock_server *locks;	/* the lock service */
	struct work_struct merge_work;		/* merging finalized log trees */
	unsigned long stop_deadline;		/* a merge stops after this, 0: runs */
	struct mutex mutex;		/* clients, their conns, fenced, stopping */
	struct list_head clients;
	struct list_head fenced;
	bool stopping;
	bool lock_recovery;		/* the lock service waits for lock_recovering */
	struct delayed_work recovery_work;
	struct mutex open_map_mutex;	/* open_maps and their askers' conns */
	struct list_head open_maps;	/* OPEN_MAP requests gathering answers */
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

static bool was_fenced(struct scoutfs_server *server, u64 rid)
{
	struct fenced_rid *fr;

	list_for_each_entry(fr, &server->fenced, entry) {
		if (fr->rid == rid)
			return true;
	}
	return false;
}

/* under the mutex: look at the clients without connections soon */
static void kick_recovery(struct scoutfs_server *server)
{
	if (!server->stopping)
		mod_delayed_work(system_unbound_wq, &server->recovery_work, 0);
}

/*
 * After a mount recorded at start finished lock recovery or went: once
 * none is left, the lock service grants.
 */
static void check_lock_recovery(struct scoutfs_server *server)
{
	struct server_client *sc;
	bool done = false;

	mutex_lock(&server->mutex);
	if (server->lock_recovery) {
		done = true;
		list_for_each_entry(sc, &server->clients, entry) {
			if (sc->lock_recovering)
				done = false;
		}
		if (done)
			server->lock_recovery = false;
	}
	mutex_unlock(&server->mutex);

	if (done) {
		scoutfs_lock_server_end_recovery(server->locks);
		server_info(server, "lock recovery done: granting locks");
	}
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
	/* a mount that was fenced must stay away; one that wasn't yet is back */
	if (was_fenced(server, rid) || (sc && (sc->reclaiming || sc->cut)) ||
	    scoutfs_fence_cancel(server->args.fences, rid) == -ESTALE) {
		mutex_unlock(&server->mutex);
		server_warn(server, "refusing rid %016llx at %pISpc: it was fenced",
			    rid, scoutfs_net_peer(conn));
		return -ESTALE;
	}
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
	sc->fencing = false;
	scoutfs_net_sockaddr_to_addr(scoutfs_net_peer(conn), &sc->addr);
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
	check_lock_recovery(server);

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

/* the mount resent every lock it holds on this connection */
static int server_lock_recovered(struct scoutfs_net_conn *conn, u8 cmd, u64 id,
				 void *data, u32 data_len)
{
	struct scoutfs_server *server = scoutfs_net_info(conn);
	struct server_client *sc;
	bool was = false;

	mutex_lock(&server->mutex);
	sc = scoutfs_net_priv(conn);
	if (sc) {
		was = sc->lock_recovering;
		sc->lock_recovering = false;
	}
	mutex_unlock(&server->mutex);
	if (!sc) {
		server_warn(server, "request from %pISpc, which hasn't greeted",
			    scoutfs_net_peer(conn));
		return -EINVAL;
	}
	if (was)
		check_lock_recovery(server);
	return scoutfs_net_response(conn, cmd, id, SCOUTFS_NET_ERR_NONE, NULL, 0);
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
		scoutfs_server_get_roots(server->ss, &resp->roots);
		ret = scoutfs_net_response(conn, cmd, id, SCOUTFS_NET_ERR_NONE, resp,
					   sizeof(*resp));
	}
	kfree(resp);
	return ret;
}

static void open_map_conn_down(struct scoutfs_server *server, struct scoutfs_net_conn *conn);

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
		/* it must come back in time */
		sc->deadline = jiffies + msecs_to_jiffies(server->args.recovery_timeout_ms);
		sc->reason = SCOUTFS_FENCE_CLIENT_RECONNECT;
		kick_recovery(server);
	}
	scoutfs_net_set_priv(conn, NULL);
	mutex_unlock(&server->mutex);
	scoutfs_lock_server_conn_down(server->locks, conn);
	open_map_conn_down(server, conn);

	if (rid && err != -ESHUTDOWN)
		server_info(server, "client rid %016llx at %pISpc disconnected (%d)",
			    rid, scoutfs_net_peer(conn), err);
}

/*
 * Merges run in the background: they can take a while, and the trees
 * they merge stay readable (and listed in the roots) until the merge's
 * last commit, after which readers that still used them read newer
 * roots (GET_ROOTS).  A stopping server lets a merge go on for a while,
 * so that unmounts leave little behind.
 */
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

/*
 * A fenced mount's state goes: its open tree is finalized and merged,
 * its blocks return to the server, its record is deleted (each step is
 * idempotent, so a failure is simply tried again), and then the server
 * forgets it.
 */
static int reclaim(struct scoutfs_server *server, u64 rid)
{
	struct server_client *sc;
	struct fenced_rid *fr;
	int ret;

	/* whatever it held, nobody waits for it to give way anymore */
	scoutfs_lock_server_forget(server->locks, rid);
	ret = scoutfs_server_finalize_log_trees(server->ss, rid);
	if (ret == 0) {
		queue_work(system_unbound_wq, &server->merge_work);
		ret = scoutfs_server_unmount_client(server->ss, rid);
	}

	fr = ret ? NULL : kmalloc(sizeof(*fr), GFP_NOFS);
	mutex_lock(&server->mutex);
	sc = find_client(server, rid);
	if (ret == 0 && sc) {
		list_del(&sc->entry);
		kfree(sc);
	} else if (sc) {
		sc->reclaiming = false;
	}
	if (fr) {
		fr->rid = rid;
		list_add_tail(&fr->entry, &server->fenced);
	}
	mutex_unlock(&server->mutex);

	if (ret) {
		server_warn(server, "reclaiming fenced rid %016llx failed (%d), trying again",
			    rid, ret);
		return ret;
	}
	scoutfs_fence_remove(server->args.fences, rid);
	server_info(server, "reclaimed fenced rid %016llx: its log tree is merged and its blocks are free",
		    rid);
	check_lock_recovery(server);
	return 0;
}

enum recovery_action {
	RECOVERY_NONE = 0,
	RECOVERY_REQUEST,
	RECOVERY_CUT,
	RECOVERY_RECLAIM,
	RECOVERY_RETRY,
};

/*
 * Clients without a connection: past their deadline they get a fence
 * request, once fenced they are reclaimed, a failed fence is asked for
 * again after another timeout.  So do clients that greeted a new server
 * but didn't finish lock recovery by their deadline, after their
 * connection is cut.  One action at a time without the mutex
 * (they sleep, and greetings must get through meanwhile), then look
 * again.  The worker runs again when a deadline passes, while requests
 * are pending (polling: the agent answers through sysfs), and whenever
 * a connection drops.
 */
static void recovery_worker(struct work_struct *work)
{
	struct scoutfs_server *server = container_of(to_delayed_work(work),
						     struct scoutfs_server, recovery_work);
	struct scoutfs_fences *fences = server->args.fences;
	u32 timeout_ms = server->args.recovery_timeout_ms;
	enum recovery_action action;
	enum scoutfs_fence_reason reason = SCOUTFS_FENCE_CLIENT_RECOVERY;
	struct scoutfs_inet_addr addr;
	struct server_client *sc;
	unsigned long delay;
	unsigned long now;
	u64 rid = 0;
	bool back;
	int state;
	int ret;

	for (;;) {
		action = RECOVERY_NONE;
		delay = 0;
		now = jiffies;

		mutex_lock(&server->mutex);
		if (server->stopping) {
			mutex_unlock(&server->mutex);
			return;
		}
		list_for_each_entry(sc, &server->clients, entry) {
			if (sc->reclaiming || (sc->conn && !sc->lock_recovering))
				continue;
			if (sc->conn) {
				if (time_before(now, sc->deadline)) {
					if (!delay || sc->deadline - now < delay)
						delay = sc->deadline - now;
					continue;
				}
				/* under the mutex: conn_down can't free it yet */
				scoutfs_net_set_priv(sc->conn, NULL);
				scoutfs_net_shutdown(sc->conn);
				sc->conn = NULL;
				sc->cut = true;
				sc->fencing = true;
				sc->reason = SCOUTFS_FENCE_CLIENT_RECOVERY;
				action = RECOVERY_CUT;
			} else if (!sc->fencing) {
				if (time_before(now, sc->deadline)) {
					if (!delay || sc->deadline - now < delay)
						delay = sc->deadline - now;
					continue;
				}
				sc->fencing = true;
				action = RECOVERY_REQUEST;
			} else {
				state = scoutfs_fence_state(fences, sc->rid);
				if (state == SCOUTFS_FENCE_PENDING) {
					delay = min_not_zero(delay,
							     msecs_to_jiffies(RECOVERY_POLL_MS));
					continue;
				}
				if (state == SCOUTFS_FENCE_FENCED) {
					sc->reclaiming = true;
					action = RECOVERY_RECLAIM;
				} else {
					sc->fencing = false;
					sc->cut = false;
					sc->deadline = now + msecs_to_jiffies(timeout_ms);
					action = RECOVERY_RETRY;
				}
			}
			rid = sc->rid;
			addr = sc->addr;
			reason = sc->reason;
			break;
		}
		mutex_unlock(&server->mutex);

		if (action == RECOVERY_NONE)
			break;
		if (action == RECOVERY_CUT)
			server_info(server, "client rid %016llx didn't resend its locks within %u ms: cut off",
				    rid, timeout_ms);
		if (action == RECOVERY_REQUEST)
			server_info(server, "client rid %016llx didn't greet within %u ms",
				    rid, timeout_ms);
		if (action == RECOVERY_REQUEST || action == RECOVERY_CUT) {
			ret = scoutfs_fence_request(fences, rid, &addr, reason);
			if (ret)
				server_warn(server, "requesting a fence of rid %016llx failed (%d)",
					    rid, ret);
			/* it may have greeted while the request was being made */
			mutex_lock(&server->mutex);
			sc = find_client(server, rid);
			back = !sc || sc->conn;
			mutex_unlock(&server->mutex);
			if (back)
				scoutfs_fence_cancel(fences, rid);
		} else if (action == RECOVERY_RECLAIM) {
			if (reclaim(server, rid)) {
				delay = msecs_to_jiffies(RECOVERY_RETRY_MS);
				break;
			}
		} else {
			server_warn(server, "fencing rid %016llx failed, asking again in %u ms",
				    rid, timeout_ms);
			scoutfs_fence_remove(fences, rid);
		}
	}

	mutex_lock(&server->mutex);
	if (delay && !server->stopping)
		queue_delayed_work(system_unbound_wq, &server->recovery_work, delay);
	mutex_unlock(&server->mutex);
}

/* at start, before listening: every recorded mount must greet in time */
static int add_mounted(void *arg, const struct scoutfs_mounted_client *mc)
{
	struct scoutfs_server *server = arg;
	struct server_client *sc;

	sc = kzalloc(sizeof(*sc), GFP_NOFS);
	if (!sc)
		return -ENOMEM;
	sc->rid = le64_to_cpu(mc->rid);
	sc->addr = mc->addr;
	sc->quorum_slot = SCOUTFS_NET_GREETING_NO_SLOT;
	sc->deadline = jiffies + msecs_to_jiffies(server->args.recovery_timeout_ms);
	sc->reason = SCOUTFS_FENCE_CLIENT_RECOVERY;
	sc->lock_recovering = true;
	/* the quorum fenced it already: an earlier leader's own mount */
	sc->fencing = scoutfs_fence_state(server->args.fences, sc->rid) >= 0;
	list_add_tail(&sc->entry, &server->clients);
	return 0;
}

static bool is_recovering(void *arg, u64 rid)
{
	return find_client(arg, rid) != NULL;
}

static void free_clients(struct scoutfs_server *server)
{
	struct server_client *sc;
	struct server_client *tmp;
	struct fenced_rid *fr;
	struct fenced_rid *ftmp;

	list_for_each_entry_safe(sc, tmp, &server->clients, entry) {
		list_del(&sc->entry);
		kfree(sc);
	}
	list_for_each_entry_safe(fr, ftmp, &server->fenced, entry) {
		list_del(&fr->entry);
		kfree(fr);
	}
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

/* whether rid is the only mount recorded, connected or not */
static bool sole_client(struct scoutfs_server *server, u64 rid)
{
	struct server_client *sc;
	bool sole = true;

	mutex_lock(&server->mutex);
	list_for_each_entry(sc, &server->clients, entry) {
		if (sc->rid != rid)
			sole = false;
	}
	mutex_unlock(&server->mutex);
	return sole;
}

/*
 * A grant carries the roots after the holders' commits, a new version,
 * and whether the mount is alone (then no other mount can read an inode
 * of the range into its cache before this mount gives the lock up).
 */
static void lock_grant_info(void *arg, u64 rid, struct scoutfs_net_lock_grant *grant)
{
	struct scoutfs_server *server = arg;
	u64 next_seq;

	scoutfs_server_get_roots(server->ss, &grant->roots);
	next_seq = scoutfs_server_take_seq(server->ss);
	grant->write_seq = cpu_to_le64(next_seq);
	if (sole_client(server, rid))
		grant->flags |= SCOUTFS_NET_LOCK_GRANT_SOLE;
}

static const struct scoutfs_lock_server_ops lock_server_ops = {
	.grant_info = lock_grant_info,
};

/*
 * OPEN_MAP from a mount: ask every other mount recorded as mounted for
 * its map of the group and answer with their union.  The answer goes
 * out when the last of them has answered; one without a connection, or
 * whose connection drops first, makes it INCOMPLETE.  A mount that
 * greets after the requests went out can't have the inode in use: it
 * would have had to read it under a lock that the asker holds.
 */
struct open_map_gather {
	struct list_head entry;
	struct scoutfs_server *server;
	struct scoutfs_net_conn *conn;	/* the asker's, NULL once it's down */
	u8 cmd;
	u64 id;
	atomic_t pending;
	spinlock_t lock;
	struct scoutfs_net_open_map om;
};

static void open_map_put(struct open_map_gather *omg)
{
	struct scoutfs_server *server = omg->server;

	if (!atomic_dec_and_test(&omg->pending))
		return;
	/* an asker that went away asks again on its next connection */
	mutex_lock(&server->open_map_mutex);
	list_del(&omg->entry);
	if (omg->conn)
		scoutfs_net_response(omg->conn, omg->cmd, omg->id, SCOUTFS_NET_ERR_NONE,
				     &omg->om, sizeof(omg->om));
	mutex_unlock(&server->open_map_mutex);
	kfree(omg);
}

/* conn is going: the gathers it asked for answer nobody */
static void open_map_conn_down(struct scoutfs_server *server, struct scoutfs_net_conn *conn)
{
	struct open_map_gather *omg;

	mutex_lock(&server->open_map_mutex);
	list_for_each_entry(omg, &server->open_maps, entry) {
		if (omg->conn == conn)
			omg->conn = NULL;
	}
	mutex_unlock(&server->open_map_mutex);
}

static void open_map_resp(struct scoutfs_net_conn *conn, void *data, u32 data_len, int err,
			  void *arg)
{
	const struct scoutfs_net_open_map *om = data;
	struct open_map_gather *omg = arg;
	unsigned int i;

	spin_lock(&omg->lock);
	if (err || data_len < sizeof(*om) || om->group_nr != omg->om.group_nr) {
		omg->om.flags |= cpu_to_le32(SCOUTFS_NET_OPEN_MAP_INCOMPLETE);
	} else {
		for (i = 0; i < SCOUTFS_OPEN_MAP_WORDS; i++)
			omg->om.bits[i] |= om->bits[i];
	}
	spin_unlock(&omg->lock);
	open_map_put(omg);
}

static int server_open_map(struct scoutfs_net_conn *conn, u8 cmd, u64 id, void *data,
			   u32 data_len)
{
	struct scoutfs_server *server = scoutfs_net_info(conn);
	const struct scoutfs_net_open_map_req *req = data;
	struct open_map_gather *omg;
	struct server_client *sc;
	u64 rid = conn_rid(server, conn);
	bool incomplete = false;

	if (!rid || data_len < sizeof(*req))
		return -EINVAL;
	omg = kzalloc(sizeof(*omg), GFP_NOFS);
	if (!omg)
		return -ENOMEM;
	omg->server = server;
	omg->conn = conn;
	omg->cmd = cmd;
	omg->id = id;
	atomic_set(&omg->pending, 1);
	spin_lock_init(&omg->lock);
	omg->om.group_nr = req->group_nr;
	mutex_lock(&server->open_map_mutex);
	list_add_tail(&omg->entry, &server->open_maps);
	mutex_unlock(&server->open_map_mutex);

	mutex_lock(&server->mutex);
	list_for_each_entry(sc, &server->clients, entry) {
		if (sc->rid == rid)
			continue;
		atomic_inc(&omg->pending);
		if (!sc->conn || scoutfs_net_submit_request(sc->conn, SCOUTFS_NET_CMD_OPEN_MAP,
							    req, sizeof(*req), open_map_resp,
							    omg) != 0) {
			atomic_dec(&omg->pending);
			incomplete = true;
		}
	}
	mutex_unlock(&server->mutex);
	if (incomplete) {
		spin_lock(&omg->lock);
		omg->om.flags |= cpu_to_le32(SCOUTFS_NET_OPEN_MAP_INCOMPLETE);
		spin_unlock(&omg->lock);
	}
	open_map_put(omg);
	return 0;
}

static int server_get_roots(struct scoutfs_net_conn *conn, u8 cmd, u64 id,
			    void *data, u32 data_len)
{
	struct scoutfs_server *server = scoutfs_net_info(conn);
	struct scoutfs_net_roots resp;

	if (!conn_rid(server, conn))
		return -EINVAL;
	scoutfs_server_get_roots(server->ss, &resp);
	return scoutfs_net_response(conn, cmd, id, SCOUTFS_NET_ERR_NONE, &resp, sizeof(resp));
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
		[SCOUTFS_NET_CMD_LOCK_RECOVERED] = server_lock_recovered,
		[SCOUTFS_NET_CMD_OPEN_MAP] = server_open_map,
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
	INIT_LIST_HEAD(&server->fenced);
	INIT_DELAYED_WORK(&server->recovery_work, recovery_worker);
	mutex_init(&server->open_map_mutex);
	INIT_LIST_HEAD(&server->open_maps);
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
	/* no grants until the mounts recorded below have resent their locks */
	server->lock_recovery = true;
	server->locks = scoutfs_lock_server_create(&lock_server_ops, server, args->fsid, true);
	if (!server->locks) {
		scoutfs_server_state_destroy(server->ss);
		kfree(server);
		return -ENOMEM;
	}

	/* the mounts the last server served must come back (or be fenced) */
	ret = scoutfs_server_for_each_mounted(server->ss, add_mounted, server);
	if (ret)
		goto fail;
	/* requests of ours for mounts that are gone already needn't wait */
	scoutfs_fence_prune(args->fences, is_recovering, server);

	memset(&ss, 0, sizeof(ss));
	scoutfs_net_addr_to_sockaddr(&args->addr, &ss, &len);
	ret = scoutfs_net_listen(&server->lis, &na, &args->addr);
	if (ret < 0) {
		pr_err("scoutfs %016llx: server: listening on %pISpc failed (%d)\n",
		       args->fsid, &ss, ret);
		goto fail;
	}

	server_info(server, "listening on %pISpc for term %llu", &ss, args->term);
	/* trees finalized before the last server stopped */
	queue_work(system_unbound_wq, &server->merge_work);
	mutex_lock(&server->mutex);
	if (!list_empty(&server->clients)) {
		server_info(server, "recovering: mounts recorded as mounted have %u ms to greet and resend their locks; no locks are granted until then",
			    args->recovery_timeout_ms);
		kick_recovery(server);
	}
	mutex_unlock(&server->mutex);
	check_lock_recovery(server);
	*server_ret = server;
	return 0;

fail:
	free_clients(server);
	scoutfs_lock_server_destroy(server->locks);
	scoutfs_server_state_destroy(server->ss);
	kfree(server);
	return ret;
}

void scoutfs_server_stop(struct scoutfs_server *server)
{
	if (!server)
		return;

	/* recovery ends first: nothing queues it once stopping is set */
	mutex_lock(&server->mutex);
	server->stopping = true;
	mutex_unlock(&server->mutex);
	cancel_delayed_work_sync(&server->recovery_work);

	scoutfs_net_listener_free(server->lis);
	WRITE_ONCE(server->stop_deadline, (jiffies + msecs_to_jiffies(STOP_MERGE_MS)) | 1);
	flush_work(&server->merge_work);
	free_clients(server);
	server_info(server, "stopped");
	scoutfs_lock_server_destroy(server->locks);
	scoutfs_server_state_destroy(server->ss);
	kfree(server);
}

void scoutfs_server_commit_stats(struct scoutfs_server *server, u64 *commits, u64 *ops)
{
	scoutfs_server_state_commit_stats(server->ss, commits, ops);
}
