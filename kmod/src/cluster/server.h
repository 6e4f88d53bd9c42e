/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_CLUSTER_SERVER_H_
#define _SCOUTFS_CLUSTER_SERVER_H_

#include <linux/types.h>

#include "format/format.h"

struct block_device;
struct scoutfs_block_cache;
struct scoutfs_fences;
struct scoutfs_server;

/*
 * The leader's server: it listens on the leader's quorum slot address
 * and answers the requests of every mount's client (docs/wire.md).
 *
 * Clients resend the requests that were outstanding when a connection
 * dropped, after greeting again (possibly a later server of a later
 * term), so every handler must be idempotent: a request may arrive
 * again after it was carried out and its response was lost.
 *
 * Recovery: every mount recorded as mounted when the server starts, and
 * every mount whose connection drops, must greet within
 * recovery_timeout_ms.  One that doesn't gets a fence request; once it
 * is fenced the server finalizes and merges its log tree, takes back
 * its blocks and forgets it.  A mount that greets before it is fenced
 * withdraws its request; a fenced one is refused.
 */
struct scoutfs_server_args {
	u64 fsid;
	u64 rid;			/* of the mount running the server */
	u64 term;			/* the election that made it leader */
	struct scoutfs_inet_addr addr;	/* listen here */
	u32 keepalive_ms;		/* tcp_keepalive_timeout_ms */
	struct block_device *meta_bdev;	/* where the server commits */
	struct scoutfs_block_cache *bc;
	struct scoutfs_fences *fences;	/* the leader's fence requests */
	u32 recovery_timeout_ms;
};

int scoutfs_server_start(struct scoutfs_server **server_ret,
			 const struct scoutfs_server_args *args);
/* close every connection, wait for them and free; NULL is ignored */
void scoutfs_server_stop(struct scoutfs_server *server);
/* the server's commits and the requests they carried (server_state.h) */
void scoutfs_server_commit_stats(struct scoutfs_server *server, u64 *commits, u64 *ops);

#endif
