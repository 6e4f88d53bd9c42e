/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_CLUSTER_CLIENT_H_
#define _SCOUTFS_CLUSTER_CLIENT_H_

#include <linux/types.h>

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
 * Tell the server this mount is going away cleanly, waiting a bounded
 * time for a connection and for the answer.  Requests made after it
 * fail with -ESHUTDOWN.
 */
void scoutfs_client_farewell(struct scoutfs_client *client);

/* stop the thread, close the connection and free; NULL is ignored */
void scoutfs_client_stop(struct scoutfs_client *client);

#endif
