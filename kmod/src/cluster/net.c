// SPDX-License-Identifier: GPL-2.0
/*
 * Request/response messaging over TCP (cluster/net.h).
 *
 * Each connection has its own workqueue running two works: the receive
 * worker, which connects (for scoutfs_net_connect()), then reads and
 * dispatches messages until the socket fails or is shut down, and
 * finally ends the connection; and the send worker, which writes the
 * queued messages.  Everything that ends a connection (a peer going
 * away, a malformed message, a send error, scoutfs_net_shutdown()) only
 * shuts the socket down; the receive worker then notices and does the
 * ending in one place: it fails the outstanding requests, calls
 * notify_down and, for accepted connections, has the listener free the
 * connection.
 *
 * A listener has a workqueue of its own for accepting and for freeing
 * its ended connections.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/hashtable.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/tcp.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "cluster/net.h"
#include "format/message.h"

#define NET_REQ_HASH_BITS	6

/* a queued message: the header and then its payload, sent as one buffer */
struct net_msg {
	struct list_head entry;
	struct scoutfs_net_header hdr;
	u8 data[];
};

/* a request sent and waiting for its response */
struct net_req {
	struct hlist_node node;
	u64 id;
	u8 cmd;
	scoutfs_net_response_fn resp_fn;
	void *arg;
};

struct scoutfs_net_conn {
	struct scoutfs_net_args args;
	struct socket *sock;
	struct sockaddr_storage peer;
	int peer_len;
	struct scoutfs_net_listener *lis;	/* NULL: made by connect */
	struct list_head lis_entry;
	struct workqueue_struct *wq;
	struct work_struct recv_work;
	struct work_struct send_work;
	struct work_struct free_work;		/* on the listener's wq */
	u64 peer_fsid;				/* 0: not checked */
	u64 send_seq;				/* send worker only */
	void *priv;

	spinlock_t lock;
	struct list_head send_queue;
	DECLARE_HASHTABLE(reqs, NET_REQ_HASH_BITS);
	u64 next_id;
	bool connected;		/* the send worker may send */
	bool ended;		/* requests fail, nothing more is queued */
	bool shutting;		/* scoutfs_net_shutdown() was called */
};

struct scoutfs_net_listener {
	struct scoutfs_net_args args;
	struct socket *sock;
	struct workqueue_struct *wq;
	struct work_struct accept_work;
	wait_queue_head_t waitq;
	struct mutex mutex;
	struct list_head conns;
	atomic_t nr_conns;		/* not yet freed, also once off the list */
	bool stopping;
};

/* ------------------------------------------------------------ helpers */

static const int wire_errnos[SCOUTFS_NET_ERR_NR] = {
	[SCOUTFS_NET_ERR_NONE] = 0,
	[SCOUTFS_NET_ERR_INVAL] = -EINVAL,
	[SCOUTFS_NET_ERR_NOSPC] = -ENOSPC,
	[SCOUTFS_NET_ERR_NOMEM] = -ENOMEM,
	[SCOUTFS_NET_ERR_IO] = -EIO,
	[SCOUTFS_NET_ERR_STALE] = -ESTALE,
};

int scoutfs_net_err_to_errno(u8 wire_error)
{
	if (wire_error >= SCOUTFS_NET_ERR_NR)
		return -EIO;
	return wire_errnos[wire_error];
}

/* errnos without a wire error of their own are a failure of the server */
u8 scoutfs_net_errno_to_err(int err)
{
	u8 i;

	for (i = 0; i < SCOUTFS_NET_ERR_NR; i++) {
		if (wire_errnos[i] == err)
			return i;
	}
	return SCOUTFS_NET_ERR_IO;
}

int scoutfs_net_addr_to_sockaddr(const struct scoutfs_inet_addr *addr,
				 struct sockaddr_storage *ss, int *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	switch (le16_to_cpu(addr->family)) {
	case SCOUTFS_AF_IPV4:
		sin->sin_family = AF_INET;
		sin->sin_port = htons(le16_to_cpu(addr->port));
		memcpy(&sin->sin_addr, addr->addr, sizeof(sin->sin_addr));
		*len = sizeof(*sin);
		return 0;
	case SCOUTFS_AF_IPV6:
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(le16_to_cpu(addr->port));
		memcpy(&sin6->sin6_addr, addr->addr, sizeof(sin6->sin6_addr));
		*len = sizeof(*sin6);
		return 0;
	}
	return -EAFNOSUPPORT;
}

void scoutfs_net_sockaddr_to_addr(const struct sockaddr *sa, struct scoutfs_inet_addr *addr)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	memset(addr, 0, sizeof(*addr));
	if (sa->sa_family == AF_INET) {
		addr->family = cpu_to_le16(SCOUTFS_AF_IPV4);
		addr->port = cpu_to_le16(ntohs(sin->sin_port));
		memcpy(addr->addr, &sin->sin_addr, sizeof(sin->sin_addr));
	} else if (sa->sa_family == AF_INET6) {
		addr->family = cpu_to_le16(SCOUTFS_AF_IPV6);
		addr->port = cpu_to_le16(ntohs(sin6->sin6_port));
		memcpy(addr->addr, &sin6->sin6_addr, sizeof(sin6->sin6_addr));
	}
}

void *scoutfs_net_info(struct scoutfs_net_conn *conn)
{
	return conn->args.info;
}

void scoutfs_net_set_priv(struct scoutfs_net_conn *conn, void *priv)
{
	WRITE_ONCE(conn->priv, priv);
}

void *scoutfs_net_priv(struct scoutfs_net_conn *conn)
{
	return READ_ONCE(conn->priv);
}

void scoutfs_net_set_peer_fsid(struct scoutfs_net_conn *conn, u64 fsid)
{
	WRITE_ONCE(conn->peer_fsid, fsid);
}

const struct sockaddr *scoutfs_net_peer(struct scoutfs_net_conn *conn)
{
	return (const struct sockaddr *)&conn->peer;
}

/*
 * Every malformed message is logged through here: one line naming the
 * peer and the failure, limited so that a flood of bad connections
 * can't flood the log.  Nothing is logged for connections being shut
 * down on purpose.
 */
static DEFINE_RATELIMIT_STATE(net_bad_rs, 5 * HZ, 32);

static __printf(2, 3) int conn_bad(struct scoutfs_net_conn *conn,
				   const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (READ_ONCE(conn->shutting) || !__ratelimit(&net_bad_rs))
		return -EPROTO;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_warn("scoutfs %016llx: closing connection with %pISpc: %pV\n",
		conn->args.fsid, &conn->peer, &vaf);
	va_end(args);
	return -EPROTO;
}

/*
 * Socket settings of every connection: a peer silent for the keepalive
 * timeout is gone, whether it stopped acknowledging data (user timeout)
 * or stopped answering keepalive probes (a probe after an idle fifth of
 * the timeout, then every fifth).  Small messages go out at once, and
 * the socket's allocations never recurse into filesystems.
 */
static void set_sock_opts(struct socket *sock, u32 keepalive_ms)
{
	struct sock *sk = sock->sk;
	int secs = max_t(int, DIV_ROUND_UP(keepalive_ms, MSEC_PER_SEC), 2);
	int intvl = max(secs / 5, 1);

	sk->sk_allocation = GFP_NOFS;
	sock_set_keepalive(sk);
	tcp_sock_set_keepidle(sk, intvl);
	tcp_sock_set_keepintvl(sk, intvl);
	tcp_sock_set_keepcnt(sk, max(secs / intvl - 1, 1));
	tcp_sock_set_user_timeout(sk, keepalive_ms);
	tcp_sock_set_nodelay(sk);
}

static struct scoutfs_net_conn *conn_alloc(const struct scoutfs_net_args *args);
static void conn_destroy(struct scoutfs_net_conn *conn);

/* ------------------------------------------------------------ sending */

static struct net_msg *msg_alloc(struct scoutfs_net_conn *conn, u64 id,
				 u8 cmd, u8 flags, u8 error,
				 const void *data, u32 data_len)
{
	struct net_msg *msg;

	msg = kvmalloc(sizeof(*msg) + data_len, GFP_NOFS);
	if (!msg)
		return NULL;
	/* seq and crc are filled in by the send worker */
	scoutfs_net_header_init(&msg->hdr, conn->args.fsid, id, 0, cmd, flags,
				error, data_len);
	if (data_len)
		memcpy(msg->data, data, data_len);
	return msg;
}

static void free_msgs(struct list_head *list)
{
	struct net_msg *msg;
	struct net_msg *tmp;

	list_for_each_entry_safe(msg, tmp, list, entry) {
		list_del(&msg->entry);
		kvfree(msg);
	}
}

/*
 * Queue a message, and the request waiting for its response if it is
 * one (then the request gets the message's id).
 */
static int queue_msg(struct scoutfs_net_conn *conn, struct net_msg *msg,
		     struct net_req *req)
{
	spin_lock(&conn->lock);
	if (conn->ended) {
		spin_unlock(&conn->lock);
		return -ENOTCONN;
	}
	if (req) {
		req->id = conn->next_id++;
		msg->hdr.id = cpu_to_le64(req->id);
		hash_add(conn->reqs, &req->node, req->id);
	}
	list_add_tail(&msg->entry, &conn->send_queue);
	if (conn->connected)
		queue_work(conn->wq, &conn->send_work);
	spin_unlock(&conn->lock);
	return 0;
}

static int send_full(struct socket *sock, void *buf, size_t len)
{
	struct msghdr mh = { .msg_flags = MSG_NOSIGNAL };
	struct kvec kv;
	int ret;

	while (len > 0) {
		kv.iov_base = buf;
		kv.iov_len = len;
		ret = kernel_sendmsg(sock, &mh, &kv, 1, len);
		if (ret <= 0)
			return ret ? ret : -EPIPE;
		buf += ret;
		len -= ret;
	}
	return 0;
}

static void send_worker(struct work_struct *work)
{
	struct scoutfs_net_conn *conn = container_of(work, struct scoutfs_net_conn,
						     send_work);
	struct net_msg *msg;
	u32 len;
	int ret;

	for (;;) {
		spin_lock(&conn->lock);
		msg = list_first_entry_or_null(&conn->send_queue, struct net_msg, entry);
		if (msg && conn->connected && !conn->ended)
			list_del(&msg->entry);
		else
			msg = NULL;
		spin_unlock(&conn->lock);
		if (!msg)
			break;

		len = le32_to_cpu(msg->hdr.data_len);
		msg->hdr.seq = cpu_to_le64(++conn->send_seq);
		scoutfs_net_message_set_crc(&msg->hdr, msg->data);
		ret = send_full(conn->sock, &msg->hdr, sizeof(msg->hdr) + len);
		kvfree(msg);
		if (ret < 0) {
			/* the receive worker sees the shutdown and ends it */
			kernel_sock_shutdown(conn->sock, SHUT_RDWR);
			break;
		}
	}
}

int scoutfs_net_submit_request(struct scoutfs_net_conn *conn, u8 cmd,
			       const void *data, u32 data_len,
			       scoutfs_net_response_fn resp_fn, void *arg)
{
	struct net_msg *msg;
	struct net_req *req;
	int ret;

	if (cmd == 0 || cmd >= SCOUTFS_NET_CMD_NR ||
	    data_len > SCOUTFS_NET_MAX_DATA_LEN || !resp_fn)
		return -EINVAL;

	req = kmalloc(sizeof(*req), GFP_NOFS);
	msg = msg_alloc(conn, 0, cmd, 0, SCOUTFS_NET_ERR_NONE, data, data_len);
	if (!req || !msg) {
		kfree(req);
		kvfree(msg);
		return -ENOMEM;
	}
	req->cmd = cmd;
	req->resp_fn = resp_fn;
	req->arg = arg;

	ret = queue_msg(conn, msg, req);
	if (ret < 0) {
		kfree(req);
		kvfree(msg);
	}
	return ret;
}

struct sync_req {
	struct completion done;
	void *buf;
	u32 size;
	int ret;
};

static void sync_resp(struct scoutfs_net_conn *conn, void *data, u32 data_len,
		      int err, void *arg)
{
	struct sync_req *sr = arg;

	if (err) {
		sr->ret = err;
	} else if (data_len > sr->size) {
		sr->ret = -EMSGSIZE;
	} else {
		if (data_len)
			memcpy(sr->buf, data, data_len);
		sr->ret = data_len;
	}
	complete(&sr->done);
}

int scoutfs_net_sync_request(struct scoutfs_net_conn *conn, u8 cmd,
			     const void *data, u32 data_len,
			     void *resp_buf, u32 resp_size)
{
	struct sync_req sr = {
		.buf = resp_buf,
		.size = resp_size,
	};
	int ret;

	init_completion(&sr.done);
	ret = scoutfs_net_submit_request(conn, cmd, data, data_len, sync_resp, &sr);
	if (ret < 0)
		return ret;
	wait_for_completion(&sr.done);
	return sr.ret;
}

int scoutfs_net_response(struct scoutfs_net_conn *conn, u8 cmd, u64 id,
			 u8 wire_error, const void *data, u32 data_len)
{
	struct net_msg *msg;
	int ret;

	if (cmd == 0 || cmd >= SCOUTFS_NET_CMD_NR ||
	    wire_error >= SCOUTFS_NET_ERR_NR ||
	    data_len > SCOUTFS_NET_MAX_DATA_LEN)
		return -EINVAL;

	msg = msg_alloc(conn, id, cmd, SCOUTFS_NET_FLAG_RESPONSE, wire_error,
			data, data_len);
	if (!msg)
		return -ENOMEM;
	ret = queue_msg(conn, msg, NULL);
	if (ret < 0)
		kvfree(msg);
	return ret;
}

/* ------------------------------------------------------------ receiving */

/* the bytes received, fewer only when the peer closed or failed first */
static int recv_full(struct socket *sock, void *buf, size_t len)
{
	struct msghdr mh = { .msg_flags = MSG_NOSIGNAL };
	size_t got = 0;
	struct kvec kv;
	int ret;

	while (got < len) {
		kv.iov_base = buf + got;
		kv.iov_len = len - got;
		ret = kernel_recvmsg(sock, &mh, &kv, 1, len - got,
				     MSG_WAITALL | MSG_NOSIGNAL);
		if (ret < 0 && got == 0)
			return ret;
		if (ret <= 0)
			break;
		got += ret;
	}
	return got;
}

static int recv_response(struct scoutfs_net_conn *conn,
			 const struct scoutfs_net_header *hdr,
			 void *data, u32 data_len)
{
	u64 id = le64_to_cpu(hdr->id);
	struct net_req *found = NULL;
	struct net_req *req;
	int err;

	spin_lock(&conn->lock);
	hash_for_each_possible(conn->reqs, req, node, id) {
		if (req->id == id) {
			found = req;
			break;
		}
	}
	if (found && found->cmd == hdr->cmd)
		hash_del(&found->node);
	spin_unlock(&conn->lock);

	if (!found)
		return conn_bad(conn, "response to unknown request id %llu", id);
	if (found->cmd != hdr->cmd)
		return conn_bad(conn, "response cmd %u to request id %llu of cmd %u",
				hdr->cmd, id, found->cmd);

	err = scoutfs_net_err_to_errno(hdr->error);
	found->resp_fn(conn, err ? NULL : data, err ? 0 : data_len, err,
		       found->arg);
	kfree(found);
	return 0;
}

static int recv_request(struct scoutfs_net_conn *conn,
			const struct scoutfs_net_header *hdr,
			void *data, u32 data_len)
{
	scoutfs_net_request_fn fn = conn->args.ops->request[hdr->cmd];
	u64 id = le64_to_cpu(hdr->id);
	int ret;

	if (!fn)
		return conn_bad(conn, "request for cmd %u, which has no handler",
				hdr->cmd);

	ret = fn(conn, hdr->cmd, id, data, data_len);
	if (ret < 0)
		scoutfs_net_response(conn, hdr->cmd, id,
				     scoutfs_net_errno_to_err(ret), NULL, 0);
	return 0;
}

/*
 * Receive and dispatch one message.  0 to carry on, or why the
 * connection ends.
 */
static int recv_one(struct scoutfs_net_conn *conn)
{
	struct scoutfs_net_header hdr;
	void *data = NULL;
	u32 data_len;
	int res;
	int ret;

	ret = recv_full(conn->sock, &hdr, sizeof(hdr));
	if (ret <= 0)
		return ret ? ret : -ECONNRESET;	/* closed between messages */
	if (ret < sizeof(hdr))
		return conn_bad(conn, "truncated header (%d of %zu bytes)",
				ret, sizeof(hdr));

	res = scoutfs_net_header_check(&hdr, READ_ONCE(conn->peer_fsid));
	if (res != SCOUTFS_NET_OK)
		return conn_bad(conn, "%s (cmd %u flags 0x%x data_len %u)",
				scoutfs_net_result_str(res), hdr.cmd, hdr.flags,
				le32_to_cpu(hdr.data_len));

	data_len = le32_to_cpu(hdr.data_len);
	if (data_len) {
		data = kvmalloc(data_len, GFP_NOFS);
		if (!data)
			return -ENOMEM;
		ret = recv_full(conn->sock, data, data_len);
		if (ret < (int)data_len) {
			ret = conn_bad(conn, "truncated payload (%d of %u bytes)",
				       max(ret, 0), data_len);
			goto out;
		}
	}

	res = scoutfs_net_message_check_crc(&hdr, data);
	if (res != SCOUTFS_NET_OK) {
		ret = conn_bad(conn, "%s (cmd %u id %llu data_len %u)",
			       scoutfs_net_result_str(res), hdr.cmd,
			       le64_to_cpu(hdr.id), data_len);
		goto out;
	}

	if (hdr.flags & SCOUTFS_NET_FLAG_RESPONSE)
		ret = recv_response(conn, &hdr, data, data_len);
	else
		ret = recv_request(conn, &hdr, data, data_len);
out:
	kvfree(data);
	return ret;
}

static int do_connect(struct scoutfs_net_conn *conn)
{
	struct sock *sk = conn->sock->sk;
	bool shutting;
	int ret;

	if (READ_ONCE(conn->shutting))
		return -ESHUTDOWN;

	WRITE_ONCE(sk->sk_sndtimeo, msecs_to_jiffies(conn->args.connect_timeout_ms ?: 1));
	ret = kernel_connect(conn->sock, (struct sockaddr *)&conn->peer,
			     conn->peer_len, 0);
	WRITE_ONCE(sk->sk_sndtimeo, MAX_SCHEDULE_TIMEOUT);
	if (ret == -EINPROGRESS)
		ret = -ETIMEDOUT;
	if (ret < 0)
		return ret;

	set_sock_opts(conn->sock, conn->args.keepalive_ms);

	/*
	 * A shutdown racing with the connect may have found the socket
	 * not yet connected and left it usable: check after connecting.
	 */
	spin_lock(&conn->lock);
	conn->connected = true;
	shutting = conn->shutting;
	if (!list_empty(&conn->send_queue))
		queue_work(conn->wq, &conn->send_work);
	spin_unlock(&conn->lock);

	return shutting ? -ESHUTDOWN : 0;
}

/*
 * The end of a connection, always in its receive worker: nothing more
 * is queued or sent, waiting requests fail, the owner is told, and an
 * accepted connection is handed to its listener to be freed.
 */
static void conn_end(struct scoutfs_net_conn *conn, int err)
{
	struct net_req *req;
	struct hlist_node *tmp;
	HLIST_HEAD(reqs);
	LIST_HEAD(msgs);
	bool was_connected;
	int bkt;

	spin_lock(&conn->lock);
	conn->ended = true;
	was_connected = conn->connected;
	if (conn->shutting && err != -EPROTO)
		err = -ESHUTDOWN;
	hash_for_each_safe(conn->reqs, bkt, tmp, req, node) {
		hash_del(&req->node);
		hlist_add_head(&req->node, &reqs);
	}
	list_splice_init(&conn->send_queue, &msgs);
	spin_unlock(&conn->lock);

	kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	free_msgs(&msgs);

	hlist_for_each_entry_safe(req, tmp, &reqs, node) {
		hlist_del(&req->node);
		req->resp_fn(conn, NULL, 0,
			     was_connected && err != -ESHUTDOWN ? -ECONNRESET : -ENOTCONN,
			     req->arg);
		kfree(req);
	}

	if (conn->args.ops->notify_down)
		conn->args.ops->notify_down(conn, err);

	if (conn->lis)
		queue_work(conn->lis->wq, &conn->free_work);
}

static void recv_worker(struct work_struct *work)
{
	struct scoutfs_net_conn *conn = container_of(work, struct scoutfs_net_conn,
						     recv_work);
	int ret = 0;

	if (!conn->lis) {
		ret = do_connect(conn);
		if (ret == 0 && conn->args.ops->notify_up)
			conn->args.ops->notify_up(conn);
	}

	while (ret == 0)
		ret = recv_one(conn);

	conn_end(conn, ret);
}

/* ------------------------------------------------------------ connections */

static struct scoutfs_net_conn *conn_alloc(const struct scoutfs_net_args *args)
{
	struct scoutfs_net_conn *conn;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return NULL;
	conn->wq = alloc_workqueue("scoutfs_net", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!conn->wq) {
		kfree(conn);
		return NULL;
	}
	conn->args = *args;
	spin_lock_init(&conn->lock);
	INIT_LIST_HEAD(&conn->send_queue);
	INIT_LIST_HEAD(&conn->lis_entry);
	hash_init(conn->reqs);
	conn->next_id = 1;
	INIT_WORK(&conn->recv_work, recv_worker);
	INIT_WORK(&conn->send_work, send_worker);
	return conn;
}

/* after the receive worker has ended the connection, or never ran */
static void conn_destroy(struct scoutfs_net_conn *conn)
{
	LIST_HEAD(msgs);

	cancel_work_sync(&conn->send_work);
	destroy_workqueue(conn->wq);
	if (conn->sock)
		sock_release(conn->sock);
	list_splice_init(&conn->send_queue, &msgs);
	free_msgs(&msgs);
	kfree(conn);
}

int scoutfs_net_connect(struct scoutfs_net_conn **conn_ret,
			const struct scoutfs_net_args *args,
			const struct scoutfs_inet_addr *addr)
{
	struct scoutfs_net_conn *conn;
	int ret;

	conn = conn_alloc(args);
	if (!conn)
		return -ENOMEM;
	conn->peer_fsid = args->fsid;

	ret = scoutfs_net_addr_to_sockaddr(addr, &conn->peer, &conn->peer_len);
	if (ret == 0)
		ret = sock_create_kern(&init_net, conn->peer.ss_family, SOCK_STREAM,
				       IPPROTO_TCP, &conn->sock);
	if (ret < 0) {
		conn_destroy(conn);
		return ret;
	}

	queue_work(conn->wq, &conn->recv_work);
	*conn_ret = conn;
	return 0;
}

void scoutfs_net_shutdown(struct scoutfs_net_conn *conn)
{
	bool already;

	spin_lock(&conn->lock);
	already = conn->shutting;
	conn->shutting = true;
	spin_unlock(&conn->lock);

	if (!already)
		kernel_sock_shutdown(conn->sock, SHUT_RDWR);
}

void scoutfs_net_free(struct scoutfs_net_conn *conn)
{
	if (!conn)
		return;
	scoutfs_net_shutdown(conn);
	flush_work(&conn->recv_work);
	conn_destroy(conn);
}

/* ------------------------------------------------------------ listening */

static void lis_conn_free_worker(struct work_struct *work)
{
	struct scoutfs_net_conn *conn = container_of(work, struct scoutfs_net_conn,
						     free_work);
	struct scoutfs_net_listener *lis = conn->lis;

	flush_work(&conn->recv_work);
	mutex_lock(&lis->mutex);
	list_del_init(&conn->lis_entry);
	mutex_unlock(&lis->mutex);
	conn_destroy(conn);
	if (atomic_dec_and_test(&lis->nr_conns))
		wake_up(&lis->waitq);
}

static void accept_worker(struct work_struct *work)
{
	struct scoutfs_net_listener *lis = container_of(work, struct scoutfs_net_listener,
							accept_work);
	struct scoutfs_net_conn *conn;
	struct socket *sock;
	int ret;

	for (;;) {
		ret = kernel_accept(lis->sock, &sock, 0);
		if (READ_ONCE(lis->stopping)) {
			if (ret == 0)
				sock_release(sock);
			break;
		}
		if (ret < 0) {
			/* e.g. a connection aborted before it was accepted */
			pr_warn_ratelimited("scoutfs %016llx: accepting a connection failed (%d)\n",
					    lis->args.fsid, ret);
			msleep(100);
			continue;
		}

		conn = conn_alloc(&lis->args);
		if (!conn) {
			sock_release(sock);
			continue;
		}
		conn->sock = sock;
		conn->lis = lis;
		conn->connected = true;
		INIT_WORK(&conn->free_work, lis_conn_free_worker);
		ret = kernel_getpeername(sock, (struct sockaddr *)&conn->peer);
		conn->peer_len = max(ret, 0);
		set_sock_opts(sock, lis->args.keepalive_ms);

		mutex_lock(&lis->mutex);
		if (lis->stopping) {
			mutex_unlock(&lis->mutex);
			conn_destroy(conn);
			break;
		}
		list_add_tail(&conn->lis_entry, &lis->conns);
		atomic_inc(&lis->nr_conns);
		mutex_unlock(&lis->mutex);

		if (lis->args.ops->notify_up)
			lis->args.ops->notify_up(conn);
		queue_work(conn->wq, &conn->recv_work);
	}
}

int scoutfs_net_listen(struct scoutfs_net_listener **lis_ret,
		       const struct scoutfs_net_args *args,
		       const struct scoutfs_inet_addr *addr)
{
	struct scoutfs_net_listener *lis;
	struct sockaddr_storage ss;
	int len;
	int ret;

	ret = scoutfs_net_addr_to_sockaddr(addr, &ss, &len);
	if (ret < 0)
		return ret;

	lis = kzalloc(sizeof(*lis), GFP_KERNEL);
	if (!lis)
		return -ENOMEM;
	lis->args = *args;
	init_waitqueue_head(&lis->waitq);
	mutex_init(&lis->mutex);
	INIT_LIST_HEAD(&lis->conns);
	INIT_WORK(&lis->accept_work, accept_worker);

	lis->wq = alloc_workqueue("scoutfs_listen", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!lis->wq) {
		ret = -ENOMEM;
		goto out;
	}
	ret = sock_create_kern(&init_net, ss.ss_family, SOCK_STREAM, IPPROTO_TCP,
			       &lis->sock);
	if (ret < 0)
		goto out;
	lis->sock->sk->sk_allocation = GFP_NOFS;
	sock_set_reuseaddr(lis->sock->sk);
	ret = kernel_bind(lis->sock, (struct sockaddr *)&ss, len);
	if (ret == 0)
		ret = kernel_listen(lis->sock, 64);
	if (ret < 0)
		goto out;

	queue_work(lis->wq, &lis->accept_work);
	*lis_ret = lis;
	ret = 0;
out:
	if (ret < 0) {
		if (lis->sock)
			sock_release(lis->sock);
		if (lis->wq)
			destroy_workqueue(lis->wq);
		kfree(lis);
	}
	return ret;
}

void scoutfs_net_listener_free(struct scoutfs_net_listener *lis)
{
	struct scoutfs_net_conn *conn;

	if (!lis)
		return;

	mutex_lock(&lis->mutex);
	WRITE_ONCE(lis->stopping, true);
	mutex_unlock(&lis->mutex);

	/* wakes the accept worker, which sees stopping */
	kernel_sock_shutdown(lis->sock, SHUT_RDWR);
	flush_work(&lis->accept_work);

	/* each ends in its receive worker and is freed by lis_conn_free_worker */
	mutex_lock(&lis->mutex);
	list_for_each_entry(conn, &lis->conns, lis_entry)
		scoutfs_net_shutdown(conn);
	mutex_unlock(&lis->mutex);

	wait_event(lis->waitq, atomic_read(&lis->nr_conns) == 0);

	destroy_workqueue(lis->wq);
	sock_release(lis->sock);
	kfree(lis);
}
