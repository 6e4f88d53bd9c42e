/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_CLUSTER_NET_H_
#define _SCOUTFS_CLUSTER_NET_H_

#include <linux/socket.h>
#include <linux/types.h>

#include "format/format.h"
#include "format/wire.h"

/*
 * Request/response messaging over TCP (docs/wire.md), used by both the
 * client and the server.
 *
 * A connection carries requests in both directions.  A request gets an
 * id from its sender and exactly one response with the same id and cmd.
 * Received requests go to the handler for their cmd in the connection's
 * ops; responses go to the callback given when the request was
 * submitted.  Every received header is checked before its payload is
 * read and the payload's crc before it is used; any malformed message
 * (a failed header or crc check, a response to an unknown id, a request
 * for a cmd without a handler, a truncated message) closes the
 * connection with one ratelimited log line naming the peer and the
 * failure.
 *
 * A connection is one TCP connection's life: it never reconnects.  When
 * it ends, every request still waiting for a response fails with
 * -ECONNRESET (it had been connected) or -ENOTCONN (it never was, or
 * its owner closed it), and resending them is the owner's business.
 *
 * Contexts: sending never blocks on the socket (messages are queued and
 * sent by the connection's send worker).  Request handlers, response
 * callbacks and notifications are called from the connection's receive
 * worker, one at a time and in the order messages arrived, with no net
 * locks held: they may sleep (allocate, do IO) but must not wait for a
 * response on the same connection.  Long work is deferred and answered
 * later with scoutfs_net_response() from any context that may sleep.
 *
 * Lifetime: a connection made with scoutfs_net_connect() belongs to its
 * caller until scoutfs_net_free().  A connection accepted by a listener
 * belongs to the listener: it is valid from its notify_up until its
 * notify_down returns, after which the listener frees it.
 */

struct scoutfs_net_conn;
struct scoutfs_net_listener;

/*
 * A received request.  Return 0 once it has been answered or will be
 * (scoutfs_net_response() with the same cmd and id, exactly once), or a
 * negative errno to have the net layer answer with that error.
 */
typedef int (*scoutfs_net_request_fn)(struct scoutfs_net_conn *conn, u8 cmd,
				      u64 id, void *data, u32 data_len);

/*
 * The answer to a submitted request, called exactly once: err is 0 and
 * data/data_len the response payload (valid only during the call), the
 * response's wire error as an errno, or -ECONNRESET/-ENOTCONN when the
 * connection ended first.
 */
typedef void (*scoutfs_net_response_fn)(struct scoutfs_net_conn *conn,
					void *data, u32 data_len, int err,
					void *arg);

struct scoutfs_net_ops {
	/* requests the peer may send; a NULL entry closes the connection */
	scoutfs_net_request_fn request[SCOUTFS_NET_CMD_NR];
	/*
	 * The connection is up, before any message is received: accepted
	 * (called from the listener's accept worker) or connected (from
	 * the connection's receive worker).
	 */
	void (*notify_up)(struct scoutfs_net_conn *conn);
	/*
	 * The connection ended: err is why (-ECONNREFUSED for a connect
	 * that failed, -ECONNRESET for a peer that went away, -EPROTO for
	 * a malformed message, -ESHUTDOWN when scoutfs_net_shutdown() or
	 * freeing ended it).  Requests have already been failed.  Called
	 * once for every connection, also while it is being freed.
	 */
	void (*notify_down)(struct scoutfs_net_conn *conn, int err);
};

/* what every connection of a connect or a listener shares */
struct scoutfs_net_args {
	const struct scoutfs_net_ops *ops;
	void *info;			/* scoutfs_net_info() */
	u64 fsid;			/* sent in every header */
	u32 keepalive_ms;		/* tcp_keepalive_timeout_ms */
	u32 connect_timeout_ms;		/* connect only */
};

/*
 * Start connecting to addr and return at once; requests may be
 * submitted right away and are sent once connected.  A connect that
 * fails or takes longer than args->connect_timeout_ms ends the
 * connection (notify_down).  Received headers must carry
 * args->fsid.
 */
int scoutfs_net_connect(struct scoutfs_net_conn **conn_ret,
			const struct scoutfs_net_args *args,
			const struct scoutfs_inet_addr *addr);

/*
 * End the connection if it isn't already: its requests fail and
 * notify_down is called from its receive worker.  Any context that may
 * sleep, including handlers and callbacks.
 */
void scoutfs_net_shutdown(struct scoutfs_net_conn *conn);

/*
 * Shut down a connection made with scoutfs_net_connect(), wait for its
 * workers and free it.  Every response callback and the notify_down
 * have been called when it returns.  Never from the connection's own
 * callbacks.  NULL is ignored.
 */
void scoutfs_net_free(struct scoutfs_net_conn *conn);

/*
 * Listen on addr and accept connections, each getting args's ops,
 * info and keepalive.  Accepted connections don't check the fsid of
 * received headers until scoutfs_net_set_peer_fsid() (a server learns
 * it from the greeting).
 */
int scoutfs_net_listen(struct scoutfs_net_listener **lis_ret,
		       const struct scoutfs_net_args *args,
		       const struct scoutfs_inet_addr *addr);
/* stop accepting, end every accepted connection, wait, free; NULL ok */
void scoutfs_net_listener_free(struct scoutfs_net_listener *lis);

/*
 * Send a request.  The payload is copied.  Returns 0 if resp_fn will be
 * called (exactly once), or -ENOTCONN if the connection has ended (and
 * resp_fn won't be), -EINVAL for a bad cmd or length, -ENOMEM.
 */
int scoutfs_net_submit_request(struct scoutfs_net_conn *conn, u8 cmd,
			       const void *data, u32 data_len,
			       scoutfs_net_response_fn resp_fn, void *arg);

/*
 * Send a request and wait for its response (uninterruptibly: only the
 * response or the end of the connection end the wait).  Copies the
 * payload into resp_buf and returns its length, -EMSGSIZE if it is
 * longer than resp_size, or the error of submitting or of the response.
 */
int scoutfs_net_sync_request(struct scoutfs_net_conn *conn, u8 cmd,
			     const void *data, u32 data_len,
			     void *resp_buf, u32 resp_size);

/*
 * Answer the request cmd/id received on conn, with a wire error
 * (SCOUTFS_NET_ERR_*) or a payload.  -ENOTCONN once the connection has
 * ended (the peer will resend on its next connection).
 */
int scoutfs_net_response(struct scoutfs_net_conn *conn, u8 cmd, u64 id,
			 u8 wire_error, const void *data, u32 data_len);

/* the one mapping between wire errors and errnos */
int scoutfs_net_err_to_errno(u8 wire_error);
u8 scoutfs_net_errno_to_err(int err);

/* args->info of the connection's connect or listener */
void *scoutfs_net_info(struct scoutfs_net_conn *conn);
/* a pointer the owner keeps with the connection, NULL at first */
void scoutfs_net_set_priv(struct scoutfs_net_conn *conn, void *priv);
void *scoutfs_net_priv(struct scoutfs_net_conn *conn);
/* check received headers' fsid from now on (accepted connections) */
void scoutfs_net_set_peer_fsid(struct scoutfs_net_conn *conn, u64 fsid);
/* the peer's address, for log messages: printk("%pISpc", ...) */
const struct sockaddr *scoutfs_net_peer(struct scoutfs_net_conn *conn);

/* convert between scoutfs and kernel socket addresses; -EAFNOSUPPORT */
int scoutfs_net_addr_to_sockaddr(const struct scoutfs_inet_addr *addr,
				 struct sockaddr_storage *ss, int *len);
/* an unknown family gives an all-zero address (family SCOUTFS_AF_NONE) */
void scoutfs_net_sockaddr_to_addr(const struct sockaddr *sa, struct scoutfs_inet_addr *addr);

#endif
