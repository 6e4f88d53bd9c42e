// SPDX-License-Identifier: GPL-2.0
/*
 * Every mount's client of the leader's server (cluster/client.h).
 *
 * The client thread owns the connection: it connects and greets,
 * publishes the greeted connection for requesters, and when the
 * connection drops (or a later leader appears, or the client stops) it
 * unpublishes it, shuts it down, waits for the requesters using it to
 * let go and frees it.  Requesters hold a use of the published
 * connection while their request is outstanding; a request failed by
 * the connection dropping is sent again once a new connection has
 * greeted.
 */
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "cluster/client.h"
#include "cluster/net.h"

/* polling for a leader and reconnecting back off between these */
#define CLIENT_BACKOFF_MIN_MS		100
#define CLIENT_BACKOFF_MAX_MS		1000
/* how often a connected client checks for a leader of a later term */
#define CLIENT_LEADER_CHECK_MS		2000
/* unmount waits this long for the farewell's answer ... */
#define CLIENT_FAREWELL_MS		60000
/* ... or this long when there's no connection to the server at all */
#define CLIENT_FAREWELL_NO_SERVER_MS	2000

struct scoutfs_client {
	struct scoutfs_client_args args;
	struct task_struct *task;
	wait_queue_head_t waitq;

	struct scoutfs_net_ops net_ops;	/* with the owner's request handlers */

	spinlock_t lock;
	struct scoutfs_net_conn *greeting;	/* being greeted, NULL while none */
	struct scoutfs_net_conn *conn;	/* greeted, NULL while none */
	u64 gen;			/* of conn, increased for each */
	unsigned int users;		/* requests outstanding on conn */
	bool conn_down;			/* the thread's connection has ended */
	bool stopping;			/* requests get -ESHUTDOWN */
};

#define client_info(client, fmt, ...)					\
	pr_info("scoutfs %016llx: " fmt "\n", (client)->args.fsid, ##__VA_ARGS__)
#define client_warn(client, fmt, ...)					\
	pr_warn_ratelimited("scoutfs %016llx: " fmt "\n",		\
			    (client)->args.fsid, ##__VA_ARGS__)

/* one request waiting for its response */
struct client_req {
	struct scoutfs_client *client;
	void *buf;
	u32 size;
	int ret;
	bool done;
	scoutfs_client_answered_fn answered;
	void *answered_arg;
};

/* how a request is sent (client_send) */
struct send_opts {
	unsigned long deadline;		/* jiffies, 0: none */
	bool killable;
	u64 only_gen;			/* 0: any connection, else only this one */
	scoutfs_client_answered_fn answered;
	void *answered_arg;
};

static void client_resp(struct scoutfs_net_conn *conn, void *data, u32 data_len,
			int err, void *arg)
{
	struct client_req *cr = arg;
	struct scoutfs_client *client = cr->client;

	if (err) {
		cr->ret = err;
	} else {
		/* before the receive worker handles the server's next message */
		if (cr->answered)
			cr->answered(cr->answered_arg, data, data_len);
		if (min(data_len, cr->size))
			memcpy(cr->buf, data, min(data_len, cr->size));
		cr->ret = data_len;
	}
	/* the waiter may return (cr is on its stack) once it sees done */
	smp_store_release(&cr->done, true);
	wake_up_all(&client->waitq);
}

static bool req_done(struct client_req *cr)
{
	return smp_load_acquire(&cr->done);
}

/*
 * Wait up to timeout jiffies (MAX_SCHEDULE_TIMEOUT: forever) for the
 * request's answer.  A request that takes too long has its connection
 * shut down, which answers it, and times out even if the answer raced
 * with the shutdown: the connection is gone either way.
 */
static int wait_req(struct scoutfs_client *client, struct scoutfs_net_conn *conn,
		    struct client_req *cr, long timeout)
{
	if (timeout == MAX_SCHEDULE_TIMEOUT)
		wait_event(client->waitq, req_done(cr));
	else if (timeout > 0)
		wait_event_timeout(client->waitq, req_done(cr), timeout);
	if (req_done(cr))
		return cr->ret;

	scoutfs_net_shutdown(conn);
	wait_event(client->waitq, req_done(cr));
	return -ETIMEDOUT;
}

/*
 * A use of the published connection, unless it's gen skip_gen; with
 * only_gen, that connection or none (*gen = 0) at once.
 */
static bool get_conn(struct scoutfs_client *client, u64 skip_gen, u64 only_gen,
		     struct scoutfs_net_conn **conn, u64 *gen)
{
	bool ready = false;

	spin_lock(&client->lock);
	if (client->stopping) {
		*conn = NULL;
		*gen = U64_MAX;
		ready = true;
	} else if (only_gen && (!client->conn || client->gen != only_gen)) {
		*conn = NULL;
		*gen = 0;
		ready = true;
	} else if (client->conn && client->gen != skip_gen) {
		*conn = client->conn;
		*gen = client->gen;
		client->users++;
		ready = true;
	}
	spin_unlock(&client->lock);
	return ready;
}

static void put_conn(struct scoutfs_client *client)
{
	spin_lock(&client->lock);
	client->users--;
	spin_unlock(&client->lock);
	wake_up_all(&client->waitq);
}

/*
 * Send a request on the greeted connection, waiting for one if there
 * is none, and again on the next one if the connection drops before
 * the answer (unless it is bound to one connection: -ENOTCONN).  With
 * a deadline the whole exchange gives up with -ETIMEDOUT.
 */
static int client_send(struct scoutfs_client *client, u8 cmd,
		       const void *in, u32 in_len, void *out, u32 out_size,
		       const struct send_opts *opts)
{
	unsigned long deadline = opts->deadline;
	u64 only_gen = opts->only_gen;
	struct scoutfs_net_conn *conn;
	struct client_req cr;
	u64 skip_gen = 0;
	u64 gen = 0;
	long left = MAX_SCHEDULE_TIMEOUT;
	int ret;

	for (;;) {
		if (deadline) {
			left = (long)(deadline - jiffies);
			if (left <= 0 ||
			    !wait_event_timeout(client->waitq,
						get_conn(client, skip_gen, only_gen, &conn, &gen),
						left))
				return -ETIMEDOUT;
			left = (long)(deadline - jiffies);
		} else if (opts->killable) {
			if (wait_event_killable(client->waitq,
						get_conn(client, skip_gen, only_gen, &conn, &gen)))
				return -EINTR;
		} else {
			wait_event(client->waitq,
				   get_conn(client, skip_gen, only_gen, &conn, &gen));
		}
		if (!conn)
			return gen ? -ESHUTDOWN : -ENOTCONN;

		memset(&cr, 0, sizeof(cr));
		cr.client = client;
		cr.buf = out;
		cr.size = out_size;
		cr.answered = opts->answered;
		cr.answered_arg = opts->answered_arg;
		ret = scoutfs_net_submit_request(conn, cmd, in, in_len,
						 client_resp, &cr);
		if (ret == 0)
			ret = wait_req(client, conn, &cr, left);
		put_conn(client);

		if (ret != -ENOTCONN && ret != -ECONNRESET)
			return ret;
		if (only_gen)
			return -ENOTCONN;
		/* the connection dropped: send it again on the next one */
		skip_gen = gen;
	}
}

static int client_request(struct scoutfs_client *client, u8 cmd,
			  const void *in, u32 in_len, void *out, u32 out_size,
			  const struct send_opts *opts)
{
	int ret;

	ret = client_send(client, cmd, in, in_len, out, out_size, opts);
	if (ret > (int)out_size)
		ret = -EMSGSIZE;
	return ret;
}

int scoutfs_client_request(struct scoutfs_client *client, u8 cmd,
			   const void *in, u32 in_len, void *out, u32 out_size)
{
	struct send_opts opts = { };

	return client_request(client, cmd, in, in_len, out, out_size, &opts);
}

int scoutfs_client_request_killable(struct scoutfs_client *client, u8 cmd,
				    const void *in, u32 in_len, void *out, u32 out_size)
{
	struct send_opts opts = { .killable = true };

	return client_request(client, cmd, in, in_len, out, out_size, &opts);
}

int scoutfs_client_request_answered(struct scoutfs_client *client, u8 cmd,
				    const void *in, u32 in_len, void *out, u32 out_size,
				    scoutfs_client_answered_fn answered, void *arg)
{
	struct send_opts opts = {
		.killable = true,
		.answered = answered,
		.answered_arg = arg,
	};

	return client_request(client, cmd, in, in_len, out, out_size, &opts);
}

int scoutfs_client_request_on(struct scoutfs_client *client, u64 gen, u8 cmd,
			      const void *in, u32 in_len, void *out, u32 out_size)
{
	struct send_opts opts = { .only_gen = gen };

	if (WARN_ON_ONCE(gen == 0))
		return -EINVAL;
	return client_request(client, cmd, in, in_len, out, out_size, &opts);
}

/*
 * The thread has one connection at a time and frees it (which waits
 * for this) before it makes the next, so this is about the current
 * one, whether it has been published yet or not.
 */
static void client_conn_down(struct scoutfs_net_conn *conn, int err)
{
	struct scoutfs_client *client = scoutfs_net_info(conn);

	spin_lock(&client->lock);
	client->conn_down = true;
	spin_unlock(&client->lock);
	wake_up_all(&client->waitq);
}

void *scoutfs_client_handler_arg(struct scoutfs_net_conn *conn)
{
	struct scoutfs_client *client = scoutfs_net_info(conn);

	return client->args.handler_arg;
}

int scoutfs_client_respond(struct scoutfs_client *client, struct scoutfs_net_conn *conn,
			   u8 cmd, u64 id, u8 wire_error, const void *data, u32 data_len)
{
	bool live;
	int ret;

	/* a use keeps the connection from being freed while we answer */
	spin_lock(&client->lock);
	live = conn && (conn == client->conn || conn == client->greeting);
	if (live)
		client->users++;
	spin_unlock(&client->lock);
	if (!live)
		return -ENOTCONN;
	ret = scoutfs_net_response(conn, cmd, id, wire_error, data, data_len);
	put_conn(client);
	return ret;
}

static void forget_greeting(struct scoutfs_client *client)
{
	spin_lock(&client->lock);
	client->greeting = NULL;
	spin_unlock(&client->lock);
	wait_event(client->waitq, READ_ONCE(client->users) == 0);
}

/* connect to the leader at addr and greet it: the greeted connection */
static int connect_greet(struct scoutfs_client *client,
			 const struct scoutfs_inet_addr *addr,
			 struct scoutfs_net_conn **conn_ret, u64 *term)
{
	struct scoutfs_net_args na = {
		.ops = &client->net_ops,
		.info = client,
		.fsid = client->args.fsid,
		.keepalive_ms = client->args.keepalive_ms,
		.connect_timeout_ms = client->args.keepalive_ms,
	};
	struct scoutfs_net_greeting_response resp;
	struct scoutfs_net_greeting gr;
	struct scoutfs_net_conn *conn;
	struct client_req cr;
	long timeout = msecs_to_jiffies(client->args.keepalive_ms);
	int ret;

	spin_lock(&client->lock);
	client->conn_down = false;
	spin_unlock(&client->lock);

	ret = scoutfs_net_connect(&conn, &na, addr);
	if (ret < 0)
		return ret;
	spin_lock(&client->lock);
	client->greeting = conn;
	spin_unlock(&client->lock);

	memset(&gr, 0, sizeof(gr));
	gr.fsid = cpu_to_le64(client->args.fsid);
	gr.rid = cpu_to_le64(client->args.rid);
	gr.version_min = SCOUTFS_NET_VERSION_MIN;
	gr.version_max = SCOUTFS_NET_VERSION_MAX;
	gr.quorum_slot = client->args.quorum_slot < 0 ? SCOUTFS_NET_GREETING_NO_SLOT :
			 client->args.quorum_slot;

	memset(&resp, 0, sizeof(resp));
	memset(&cr, 0, sizeof(cr));
	cr.client = client;
	cr.buf = &resp;
	cr.size = sizeof(resp);
	ret = scoutfs_net_submit_request(conn, SCOUTFS_NET_CMD_GREETING, &gr,
					 sizeof(gr), client_resp, &cr);
	if (ret == 0) {
		/* stopping the client interrupts the wait */
		wait_event_interruptible_timeout(client->waitq,
						 req_done(&cr) || kthread_should_stop(),
						 timeout);
		ret = wait_req(client, conn, &cr, 0);
	}

	if (ret >= 0 && ret < (int)sizeof(resp)) {
		client_warn(client, "the server at %pISpc answered our greeting with %d bytes",
			    scoutfs_net_peer(conn), ret);
		ret = -EPROTO;
	} else if (ret >= 0 && (resp.version < SCOUTFS_NET_VERSION_MIN ||
				resp.version > SCOUTFS_NET_VERSION_MAX)) {
		client_warn(client, "the server at %pISpc chose protocol version %u, we speak %u-%u",
			    scoutfs_net_peer(conn), resp.version,
			    SCOUTFS_NET_VERSION_MIN, SCOUTFS_NET_VERSION_MAX);
		ret = -EPROTO;
	} else if (ret == -EINVAL) {
		client_warn(client, "the server at %pISpc refused our greeting (its log says why)",
			    scoutfs_net_peer(conn));
	} else if (ret < 0 && !kthread_should_stop()) {
		client_warn(client, "connecting to the server at %pISpc failed (%d)",
			    scoutfs_net_peer(conn), ret);
	}
	if (ret < 0) {
		scoutfs_net_shutdown(conn);
		forget_greeting(client);
		scoutfs_net_free(conn);
		return ret;
	}

	*term = le64_to_cpu(resp.server_term);
	client_info(client, "connected to the server at %pISpc: term %llu, server rid %016llx, protocol version %u",
		    scoutfs_net_peer(conn), *term,
		    le64_to_cpu(resp.server_rid), resp.version);
	*conn_ret = conn;
	return 0;
}

/* until the connection drops, the client stops or a later leader appears */
static void client_serve(struct scoutfs_client *client, u64 term)
{
	struct scoutfs_inet_addr addr;
	u64 leader_term;
	bool down;

	for (;;) {
		wait_event_interruptible_timeout(client->waitq,
						 READ_ONCE(client->conn_down) ||
						 kthread_should_stop(),
						 msecs_to_jiffies(CLIENT_LEADER_CHECK_MS));
		spin_lock(&client->lock);
		down = client->conn_down;
		spin_unlock(&client->lock);
		if (down || kthread_should_stop())
			break;
		if (client->args.find_leader(client->args.find_leader_arg, &addr,
					     &leader_term) == 0 &&
		    leader_term > term) {
			client_info(client, "the leader of term %llu replaces the server of term %llu",
				    leader_term, term);
			break;
		}
	}
}

static int client_thread(void *arg)
{
	struct scoutfs_client *client = arg;
	unsigned int backoff = CLIENT_BACKOFF_MIN_MS;
	struct scoutfs_net_conn *conn;
	struct scoutfs_inet_addr addr;
	u64 term;
	u64 gen;
	bool stopping;
	int ret;

	while (!kthread_should_stop()) {
		ret = client->args.find_leader(client->args.find_leader_arg, &addr, &term);
		if (ret < 0 && ret != -ENOENT)
			client_warn(client, "finding the leader failed (%d)", ret);
		if (ret == 0)
			ret = connect_greet(client, &addr, &conn, &term);
		if (ret < 0) {
			wait_event_interruptible_timeout(client->waitq, kthread_should_stop(),
							 msecs_to_jiffies(backoff));
			backoff = min(backoff * 2, CLIENT_BACKOFF_MAX_MS);
			continue;
		}
		backoff = CLIENT_BACKOFF_MIN_MS;

		spin_lock(&client->lock);
		client->conn = conn;
		client->greeting = NULL;
		gen = ++client->gen;
		spin_unlock(&client->lock);
		wake_up_all(&client->waitq);
		if (client->args.greeted)
			client->args.greeted(client->args.handler_arg, gen);

		client_serve(client, term);

		spin_lock(&client->lock);
		client->conn = NULL;
		stopping = client->stopping;
		spin_unlock(&client->lock);

		/* its requests fail and their senders let go */
		scoutfs_net_shutdown(conn);
		wait_event(client->waitq, READ_ONCE(client->users) == 0);
		if (!stopping)
			client_info(client, "disconnected from the server at %pISpc",
				    scoutfs_net_peer(conn));
		scoutfs_net_free(conn);
	}
	return 0;
}

int scoutfs_client_start(struct scoutfs_client **client_ret,
			 const struct scoutfs_client_args *args)
{
	struct scoutfs_client *client;
	struct task_struct *task;

	client = kzalloc(sizeof(*client), GFP_KERNEL);
	if (!client)
		return -ENOMEM;
	client->args = *args;
	init_waitqueue_head(&client->waitq);
	spin_lock_init(&client->lock);
	memcpy(client->net_ops.request, args->requests, sizeof(client->net_ops.request));
	client->net_ops.notify_down = client_conn_down;

	task = kthread_run(client_thread, client, "scoutfs_client");
	if (IS_ERR(task)) {
		kfree(client);
		return PTR_ERR(task);
	}
	client->task = task;
	*client_ret = client;
	return 0;
}

void scoutfs_client_farewell(struct scoutfs_client *client)
{
	struct send_opts opts = { };
	unsigned int ms;
	int ret;

	spin_lock(&client->lock);
	ms = client->conn ? CLIENT_FAREWELL_MS : CLIENT_FAREWELL_NO_SERVER_MS;
	spin_unlock(&client->lock);

	opts.deadline = jiffies + msecs_to_jiffies(ms) ?: 1;
	ret = client_send(client, SCOUTFS_NET_CMD_FAREWELL, NULL, 0, NULL, 0, &opts);

	spin_lock(&client->lock);
	client->stopping = true;
	spin_unlock(&client->lock);
	wake_up_all(&client->waitq);

	if (ret < 0)
		client_info(client, "unmounting without a farewell to the server (%d)", ret);
	else
		client_info(client, "said farewell to the server");
}

void scoutfs_client_stop(struct scoutfs_client *client)
{
	if (!client)
		return;

	spin_lock(&client->lock);
	client->stopping = true;
	spin_unlock(&client->lock);
	wake_up_all(&client->waitq);

	kthread_stop(client->task);
	kfree(client);
}
