/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_CLUSTER_CLIENT_H_
#define _SCOUTFS_CLUSTER_CLIENT_H_

#include <linux/types.h>

#include "cluster/net.h"
#include "format/format.h"

struct scoutfs_client;

/*
 * Every mount's client of the leader's server.
 *
 * A thread finds the leader's address (polling with backoff while
 * there is none), connects, greets, and starts over whenever the
 * connection drops or a later term's leader appears.  Requests wait
 * while there is no greeted connection; a request whose connection
 * drops before its response arrives is sent again on the next one, so
 * the server may see it twice (server.h: handlers are idempotent).
 */
struct scoutfs_client_args {
	u64 fsid;
	u64 rid;
	int quorum_slot;		/* -1: not a quorum member */
	u32 keepalive_ms;		/* tcp_keepalive_timeout_ms */
	/* the current leader's address and term, -ENOENT if none */
	int (*find_leader)(void *arg, struct scoutfs_inet_addr *addr, u64 *term);
	void *find_leader_arg;
	/*
	 * Requests the server sends to the mount (net.h handlers; answer
	 * with scoutfs_client_respond()), and a notice after each greeting
	 * with the connection's generation, never 0 (from the client's
	 * thread: don't wait for requests there).
	 */
	scoutfs_net_request_fn requests[SCOUTFS_NET_CMD_NR];
	void (*greeted)(void *arg, u64 gen);
	void *handler_arg;
};

/* start the thread and return: it connects in the background */
int scoutfs_client_start(struct scoutfs_client **client_ret,
			 const struct scoutfs_client_args *args);

/*
 * Send a request to the server and wait for its response: its payload
 * length (copied into out, -EMSGSIZE if longer than out_size), or the
 * server's error as an errno.  -ESHUTDOWN once the client is stopping.
 */
int scoutfs_client_request(struct scoutfs_client *client, u8 cmd,
			   const void *in, u32 in_len, void *out, u32 out_size);

/*
 * The same, but a fatal signal ends the wait for a connection (-EINTR):
 * for requests a task may give up on, like taking a lock while there is
 * no server.
 */
int scoutfs_client_request_killable(struct scoutfs_client *client, u8 cmd,
				    const void *in, u32 in_len, void *out, u32 out_size);

/*
 * The same (killable), and answered(arg, data, data_len) is called with
 * a successful answer from the connection's receive worker, before any
 * message the server sent after the answer is handled: state the
 * answer changes is in place before a later request from the server
 * looks at it.  It may not sleep.
 */
typedef void (*scoutfs_client_answered_fn)(void *arg, const void *data, u32 data_len);
int scoutfs_client_request_answered(struct scoutfs_client *client, u8 cmd,
				    const void *in, u32 in_len, void *out, u32 out_size,
				    scoutfs_client_answered_fn answered, void *arg);

/*
 * Send only on the connection of generation gen (from greeted()):
 * -ENOTCONN if it isn't the current one or drops before the answer,
 * so that a sequence of requests reaches one server in full or not at
 * all.
 */
int scoutfs_client_request_on(struct scoutfs_client *client, u64 gen, u8 cmd,
			      const void *in, u32 in_len, void *out, u32 out_size);

/*
 * Tell the server this mount is going away cleanly, waiting a bounded
 * time for a connection and for the answer.  Requests made after it
 * fail with -ESHUTDOWN.
 */
void scoutfs_client_farewell(struct scoutfs_client *client);

/* the handler_arg of the client whose connection a request came on */
void *scoutfs_client_handler_arg(struct scoutfs_net_conn *conn);

/*
 * Answer a request the server sent on conn, if conn is still the
 * client's connection (-ENOTCONN if not: the server asks again on the
 * next one).  Any context that may sleep, after the handler returned.
 */
int scoutfs_client_respond(struct scoutfs_client *client, struct scoutfs_net_conn *conn,
			   u8 cmd, u64 id, u8 wire_error, const void *data, u32 data_len);

/* stop the thread, close the connection and free; NULL is ignored */
void scoutfs_client_stop(struct scoutfs_client *client);

#endif
